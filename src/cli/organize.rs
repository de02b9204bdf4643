//! `glueprint organize`: CleverTap's flat export folder copied into the per-event lake layout.

use std::process::ExitCode;

use chrono::NaiveDate;
use clap::ValueEnum;

use super::apply::confirm_and_apply;
use super::args::{CacheArgs, CatalogArgs, Format};
use super::output::{ProgressDisplay, found};
use crate::apply::ApplyOptions;
use crate::aws::AwsSettings;
use crate::organize::{self, Layout, OrganizeOptions};
use crate::partition_filter::PartitionFilter;
use crate::report;
use crate::store::Lake;

#[derive(Debug, clap::Args)]
pub struct OrganizeArgs {
    /// Where CleverTap drops its exports: a local folder or s3://bucket/prefix/.
    #[arg(long)]
    from: String,
    /// The lake root to organize into: a local folder or s3://bucket/prefix/.
    #[arg(long)]
    to: String,
    /// Only these events (CleverTap names); all events when none are given.
    events: Vec<String>,
    /// Only files of this day (YYYYMMDD or YYYY-MM-DD).
    #[arg(long, value_parser = parse_day)]
    date: Option<NaiveDate>,
    /// Only files of this day and later (YYYYMMDD or YYYY-MM-DD).
    #[arg(long, value_parser = parse_day)]
    since: Option<NaiveDate>,
    /// Partition folders: dt=YYYY-MM-DD, or year=/month=/day=.
    #[arg(long, value_enum, default_value_t = LayoutArg::Dt)]
    layout: LayoutArg,
    /// List what would be copied, and copy nothing.
    #[arg(long)]
    dry_run: bool,
    /// Delete each source object once its copy is verified.
    #[arg(long)]
    delete_source: bool,
    /// Then register the new partitions of the events' declared tables.
    #[arg(long)]
    apply: bool,
    /// With --apply: apply without asking.
    #[arg(long)]
    yes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Files in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    cache: CacheArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LayoutArg {
    /// dt=YYYY-MM-DD
    Dt,
    /// year=YYYY/month=MM/day=DD
    YearMonthDay,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map_err(|_| format!("`{text}` is not a day; write YYYYMMDD or YYYY-MM-DD"))
}

pub async fn run(args: OrganizeArgs) -> anyhow::Result<ExitCode> {
    let layout = match args.layout {
        LayoutArg::Dt => Layout::Dt,
        LayoutArg::YearMonthDay => Layout::YearMonthDay,
    };
    // The declared catalog, when there is one, must agree with the layout written.
    let declared = if args.catalog.declared.catalogs.is_dir() {
        Some(args.catalog.declared.load()?)
    } else if args.apply {
        anyhow::bail!(
            "--apply registers declared tables, but {} does not exist",
            args.catalog.declared.catalogs.display()
        );
    } else {
        None
    };
    if let Some(declared) = &declared {
        organize::check_declared_layout(declared, &args.events, layout)?;
    }
    // Each file in flight holds one connection to each side at most.
    let aws = AwsSettings {
        connections: Some(usize::from(args.concurrency)),
        ..args.catalog.aws()
    };
    let from = Lake::open_with(&args.from, &aws).await?;
    let to = Lake::open_target(&args.to, &aws).await?;
    let options = OrganizeOptions {
        events: args.events.clone(),
        date: args.date,
        since: args.since,
        layout,
        dry_run: args.dry_run,
        delete_source: args.delete_source,
        concurrency: usize::from(args.concurrency),
    };
    let progress = ProgressDisplay::new();
    let report = organize::organize(&from, &to, &options, &|done, total| {
        progress.show(format!("{done}/{total} files organized"));
    })
    .await?;
    progress.finish();
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => out!(
            "{}",
            report::organize_text(&report, &from, &to, args.dry_run)
        ),
    }
    if let Some(declared) = declared.filter(|_| args.apply && !args.dry_run) {
        let organized: Vec<String> = report.events.keys().cloned().collect();
        let selected = declared.of_events(&organized);
        if selected.is_empty() {
            outln!(
                "\nNo organized event has a declared table: nothing to register (onboard them first)."
            );
        } else {
            // Only the days organized: their partitions are all this run can add.
            let since = args.date.or(args.since).filter(|_| layout == Layout::Dt);
            let filter =
                since.map(|day| PartitionFilter::since(&day.format("%Y-%m-%d").to_string()));
            let scan_options = args.cache.scan_options(filter);
            let plan = args.catalog.plan(&selected, &scan_options).await?;
            out!("\n{}", report::plan_text(&plan));
            confirm_and_apply(&plan, &args.catalog, args.yes, &ApplyOptions::default()).await?;
        }
    }
    Ok(found(report.failed() > 0))
}
