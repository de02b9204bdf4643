//! `glueprint drift`: where the live catalog or the data moved away from the declaration.

use std::process::ExitCode;

use clap::ValueEnum;

use super::args::{CatalogArgs, ReadArgs, SampleArg};
use super::output::found;
use crate::discover::Sampler;
use crate::drift::{self, DriftKind};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// Events (or table names) to check; all declared tables when none are given.
    events: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DriftFormat::Markdown)]
    format: DriftFormat,
    /// Which kinds of drift fail the run (exit 2); all by default.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [KindArg::Catalog, KindArg::Data, KindArg::Partitions, KindArg::PartitionSchema])]
    fail_on: Vec<KindArg>,
    #[command(flatten)]
    sample: SampleArg,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DriftFormat {
    /// A table per line, then details: for PR comments and job summaries.
    Markdown,
    /// The report as data.
    Json,
    /// JUnit XML: one test case per table.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KindArg {
    /// The live catalog differs from the declaration: tables missing, columns or parameters
    /// changed by hand.
    Catalog,
    /// The data holds what the declaration lacks or cannot read, or cannot be read at all.
    Data,
    /// Partitions in the data but not registered, registered without data, or elsewhere.
    Partitions,
    /// Registered partitions whose own columns differ from their table's.
    PartitionSchema,
}

impl From<KindArg> for DriftKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Catalog => DriftKind::Catalog,
            KindArg::Data => DriftKind::Data,
            KindArg::Partitions => DriftKind::Partitions,
            KindArg::PartitionSchema => DriftKind::PartitionSchema,
        }
    }
}

pub async fn run(args: DriftArgs) -> anyhow::Result<ExitCode> {
    let declared = args.catalog.declared.load()?;
    let selected = declared.select(&args.events)?;
    let plan = args
        .catalog
        .plan(&selected, &args.read.scan_options())
        .await?;
    let sampler = Sampler {
        aws: args.catalog.aws(),
        budget: args.sample.sample_bytes,
    };
    let report = drift::report(&plan, &selected, &sampler).await;
    let fail_on: Vec<DriftKind> = args.fail_on.into_iter().map(DriftKind::from).collect();
    match args.format {
        DriftFormat::Markdown => out!("{}", report::drift_markdown(&report, &fail_on)),
        DriftFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        DriftFormat::Junit => out!("{}", report::drift_junit(&report, &fail_on)),
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // On standard error: the runner reads workflow commands there too, and standard output
        // is often the job summary, where they would show as plain text.
        eprint!("{}", report::drift_annotations(&report, &fail_on));
    }
    Ok(found(report.has_drift(&fail_on)))
}
