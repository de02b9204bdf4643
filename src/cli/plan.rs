//! `glueprint plan`: what apply would change.

use std::process::ExitCode;

use super::args::{CatalogArgs, Format, ReadArgs};
use super::output::found;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Events (or table names) to plan; all declared tables when none are given.
    events: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 2 when changes are pending, 0 when there are none.
    #[arg(long)]
    detailed_exitcode: bool,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    read: ReadArgs,
}

pub async fn run(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let (_, plan) = args.catalog.plan_events(&args.events, &args.read).await?;
    match args.format {
        Format::Text => out!("{}", report::plan_text(&plan)),
        Format::Json => outln!("{}", report::plan_json(&plan)?),
    }
    Ok(found(args.detailed_exitcode && plan.has_changes()))
}
