//! `glueprint import`: definitions for tables already in the live catalog.

use std::process::ExitCode;

use super::args::CatalogArgs;
use crate::import;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The live database to import.
    #[arg(long)]
    database: String,
    /// Only these tables; all tables of the database when none are given.
    tables: Vec<String>,
    #[command(flatten)]
    catalog: CatalogArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let live = args.catalog.open(true).await?;
    let imported = import::import(
        &args.catalog.declared.catalogs,
        live.as_ref(),
        &args.database,
        &args.tables,
    )
    .await?;
    out!("{}", report::import_text(&imported));
    Ok(ExitCode::SUCCESS)
}
