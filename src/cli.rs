//! The command line: flags, one function per command, and exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget};

use crate::problem::Severity;
use crate::report;
use crate::scan::{self, Progress, ScanOptions, ScanStats};
use crate::store::Lake;

/// Exit code when the command found errors in the data (as opposed to failing to run).
const EXIT_FOUND_ERRORS: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "glueprint",
    version,
    about = "Glue Data Catalog tables from Parquet footers: a deterministic replacement for Glue crawlers.",
    long_about = "glueprint reads only the footers of the Parquet files in a lake (a local folder \
                  or s3://bucket/prefix/) and derives, per table folder, the Glue/Hive schema \
                  that Athena and Redshift Spectrum need, with the Hive partitions found in the \
                  object keys.\n\n\
                  Lake layout: <root>/<table>/<key>=<value>/.../<file>.parquet, one folder per \
                  table (one CleverTap event per table).\n\n\
                  S3 credentials and region come from the standard AWS chain (environment, \
                  profile, SSO, instance role); AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3 point it \
                  at an S3-compatible server."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Derive each table's schema and partitions from the Parquet footers of a lake.
    #[command(
        long_about = "Derive each table's schema and partitions from the Parquet footers of a lake.\n\n\
                      Reads one ranged request of the last --prefetch bytes per file (a second \
                      one only for larger footers), never the data. Columns are merged across \
                      all files of a table by name; types widen only where Athena reads safely \
                      (tinyint→smallint→int→bigint, float→double, decimals without loss). Files \
                      that cannot be read, type conflicts and odd folder layouts are reported per \
                      table with the object keys concerned.\n\n\
                      Exit status: 0 no errors (warnings may be printed), 2 errors found in the \
                      data, 1 the scan itself failed.",
        after_help = "Examples:\n  \
                      glueprint scan sample-lake\n  \
                      glueprint scan s3://analytics-lake/clevertap/ app_launched charged --format json\n  \
                      glueprint scan sample-lake --stats --concurrency 128"
    )]
    Scan(ScanArgs),
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable tables and problems.
    Text,
    /// One stable JSON document for scripts.
    Json,
}

/// Parses the command line, runs the command and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, skipping causes whose text an outer message already
/// quotes (object_store and the AWS SDK repeat their sources in their own messages).
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan_command(args).await,
    }
}

async fn scan_command(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let lake = Lake::open(&args.location).await?;
    let options = ScanOptions {
        tables: args.tables,
        concurrency: usize::from(args.concurrency),
        prefetch: args.prefetch,
    };
    let progress = ProgressDisplay::new();
    let report = scan::scan(&lake, &options, &progress)
        .await
        .with_context(|| format!("scan of {} failed", lake.root()))?;
    progress.finish();
    match args.format {
        Format::Text => print!("{}", report::scan_text(&report, args.stats)),
        Format::Json => {
            report::write_scan_json(&report, std::io::stdout().lock())
                .context("cannot write the report to standard output")?;
            if args.stats {
                eprint!("{}", report::stats_text(&report.stats));
            }
        }
    }
    let failed = report
        .all_problems()
        .any(|problem| problem.severity == Severity::Error);
    Ok(if failed {
        ExitCode::from(EXIT_FOUND_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

/// A progress line on stderr, shown only on a terminal and only once a scan takes a while.
struct ProgressDisplay {
    bar: ProgressBar,
    started: Instant,
    terminal: bool,
}

/// Scans shorter than this show no progress at all.
const PROGRESS_DELAY: Duration = Duration::from_millis(800);

impl ProgressDisplay {
    fn new() -> Self {
        Self {
            bar: ProgressBar::hidden(),
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for ProgressDisplay {
    fn advanced(&self, stats: &ScanStats) {
        if !self.terminal || self.started.elapsed() < PROGRESS_DELAY {
            return;
        }
        if self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        self.bar.set_message(format!(
            "{} footers read, {} objects listed",
            stats.files_read, stats.objects_listed
        ));
    }
}
