//! `glueprint onboard`: table definitions for the events an analyst asked for.

use std::process::ExitCode;

use super::args::{CatalogArgs, ReadArgs, SampleArg};
use crate::onboard::{self, OnboardOptions};
use crate::report;
use crate::scan::ScanOptions;

#[derive(Debug, clap::Args)]
pub struct OnboardArgs {
    /// CleverTap event names, as analysts write them ("App Launched").
    #[arg(required = true)]
    events: Vec<String>,
    /// Update existing definitions with what the data has gained.
    #[arg(long)]
    update: bool,
    /// The database to add the tables to, when several are declared.
    #[arg(long)]
    database: Option<String>,
    #[command(flatten)]
    sample: SampleArg,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    read: ReadArgs,
}

pub async fn run(args: OnboardArgs) -> anyhow::Result<ExitCode> {
    let declared = args.catalog.declared.load()?;
    let options = OnboardOptions {
        events: args.events,
        update: args.update,
        database: args.database,
        sample_bytes: args.sample.sample_bytes,
    };
    let scan_options = ScanOptions {
        aws: args.catalog.aws(),
        ..args.read.scan_options()
    };
    let outcomes = onboard::onboard(&declared, &options, &scan_options).await?;
    out!("{}", report::onboard_text(&outcomes));
    Ok(ExitCode::SUCCESS)
}
