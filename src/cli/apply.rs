//! `glueprint apply`: the live catalog made to match the declaration.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::args::{CatalogArgs, ReadArgs};
use crate::apply::{self, ApplyOptions};
use crate::plan::Plan;
use crate::report;

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Events (or table names) to apply; all declared tables when none are given.
    events: Vec<String>,
    /// Apply without asking (for CI).
    #[arg(long)]
    yes: bool,
    /// Show the plan and stop: the same as `glueprint plan`.
    #[arg(long)]
    dry_run: bool,
    /// Also apply destructive changes (dropping or narrowing columns, deleting partitions ...).
    #[arg(long)]
    allow_destructive: bool,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    read: ReadArgs,
}

pub async fn run(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let (_, plan) = args.catalog.plan_events(&args.events, &args.read).await?;
    out!("{}", report::plan_text(&plan));
    if !args.dry_run {
        let options = ApplyOptions {
            allow_destructive: args.allow_destructive,
        };
        confirm_and_apply(&plan, &args.catalog, args.yes, &options).await?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies a plan already shown, after asking on a terminal unless `yes`.
pub async fn confirm_and_apply(
    plan: &Plan,
    catalog: &CatalogArgs,
    yes: bool,
    options: &ApplyOptions,
) -> anyhow::Result<()> {
    if !plan.has_changes() {
        outln!("Nothing to apply.");
        return Ok(());
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "apply asks before changing the catalog; pass --yes when not on a terminal"
            );
        }
        eprint!("Apply these changes to {}? [y/N] ", catalog.describe());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            outln!("Nothing applied.");
            return Ok(());
        }
    }
    let live = catalog.open(false).await?;
    let outcome = apply::apply(plan, live.as_ref(), options).await?;
    out!("{outcome}");
    Ok(())
}
