//! `glueprint scan`: a lake's tables from its footers.

use std::process::ExitCode;

use anyhow::Context;

use super::args::{AwsArgs, Format, ReadArgs};
use super::output::{ProgressDisplay, found, stream_out};
use crate::problem::Severity;
use crate::report;
use crate::scan::{self, ScanOptions};
use crate::store::Lake;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Lake root: a local folder or s3://bucket/prefix/; tables are the folders below it.
    location: String,
    /// Scan only these tables (folder names below the root); all tables when none are given.
    tables: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Print what the scan cost: objects listed, footers read, bytes, requests, files/s.
    #[arg(long)]
    stats: bool,
    /// Footer reads in flight at once.
    #[arg(long, default_value_t = scan::DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Bytes read from the end of each file in its first request; larger footers take a
    /// second request.
    #[arg(long, default_value_t = crate::footer::DEFAULT_PREFETCH, value_parser = clap::value_parser!(u64).range(8..))]
    prefetch: u64,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    aws: AwsArgs,
}

pub async fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let options = ScanOptions {
        tables: args.tables,
        concurrency: usize::from(args.concurrency),
        prefetch: args.prefetch,
        aws: args.aws.settings(),
        ..args.read.scan_options()
    };
    let lake = Lake::open_with(&args.location, &options.store_settings()).await?;
    let progress = ProgressDisplay::new();
    let report = scan::scan(&lake, &options, &progress)
        .await
        .with_context(|| format!("scan of {} failed", lake.root()))?;
    progress.finish();
    match args.format {
        Format::Text => out!("{}", report::scan_text(&report, args.stats)),
        Format::Json => {
            stream_out(|stdout| report::write_scan_json(&report, stdout))
                .context("cannot write the report to standard output")?;
            if args.stats {
                eprint!("{}", report::stats_text(&report.stats));
            }
        }
    }
    Ok(found(
        report
            .all_problems()
            .any(|problem| problem.severity == Severity::Error),
    ))
}
