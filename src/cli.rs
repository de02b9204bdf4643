//! The command line: flags, one function per command, and exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget};

use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::apply::{self, ApplyOptions};
use crate::aws::AwsSettings;
use crate::cache::FooterCache;
use crate::catalog::Catalog;
use crate::catalog::glue::{GlueCatalog, GlueOptions};
use crate::catalog::local::LocalCatalog;
use crate::declare::Declared;
use crate::drift::{self, DriftKind};
use crate::layout::PartitionFilter;
use crate::lint::{self, Engine};
use crate::naming::event_identity;
use crate::onboard::{self, OnboardOptions};
use crate::organize::{self, Layout, OrganizeOptions};
use crate::plan::{self, Plan};
use crate::problem::Severity;
use crate::report;
use crate::scan::{self, Progress, ScanOptions, ScanStats};
use crate::store::Lake;
use chrono::NaiveDate;

/// Writes a line to standard output; a closed pipe (`glueprint scan lake | head -1`) ends the
/// run quietly instead of failing every later write.
macro_rules! outln {
    ($($arg:tt)*) => {
        write_out(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// [`outln!`] without the line end.
macro_rules! out {
    ($($arg:tt)*) => {
        write_out(format_args!($($arg)*))?
    };
}

/// The reader of standard output went away: nothing more to say, and nothing went wrong.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
struct OutputClosed;

fn write_out(text: std::fmt::Arguments) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(text) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        result => Ok(result?),
    }
}

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
                  at an S3-compatible server.",
    after_help = "Exit status:\n  \
                  0  done: nothing found, or the changes were applied\n  \
                  1  the run failed: a usage mistake, an unreadable declaration, no access...\n  \
                  2  found something: errors in the data (scan, lint, drift), or changes pending \
                  (plan --detailed-exitcode)"
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
    /// Write table definitions under catalogs/ for events an analyst asked for.
    #[command(
        long_about = "Write table definitions under catalogs/ for events an analyst asked for.\n\n\
                      Each event's folder (<database location>/<table>/, the table named after \
                      the event: lowercase, runs of other characters as `_`) is scanned and \
                      catalogs/<database>/<table>.yaml written with the columns found. With \
                      --update, existing definitions gain the columns and struct fields the data \
                      has gained; comments and declared types that still read the data stay.\n\n\
                      Next: review the files, open a pull request, and apply once merged.",
        after_help = "Examples:\n  glueprint onboard \"App Launched\" Charged\n  glueprint onboard \"App Launched\" --update"
    )]
    Onboard(OnboardArgs),
    /// Show what apply would change: declared vs live catalog vs data.
    #[command(
        long_about = "Show what apply would change, comparing three sources: the declared \
                      definitions (catalogs/), the live catalog and the data (Parquet footers).\n\n\
                      Reports tables and databases to create, column changes (added, widened, \
                      comment changed) as a diff of live and declared definitions, partitions in \
                      the data but not registered, registered without data, or registered \
                      elsewhere, and data drift: columns and struct fields the data has but the \
                      declaration lacks, and files the declared types cannot read. Writes nothing.\n\n\
                      Exit status with --detailed-exitcode: 0 no changes, 2 changes pending, 1 error."
    )]
    Plan(PlanArgs),
    /// Check that Athena and Redshift Spectrum will read the declared tables (and files).
    #[command(
        long_about = "Check that Athena and Redshift Spectrum will read the declared tables and, \
                      with --data, every file: names (characters, capitals, leading _ or digit, \
                      lengths, reserved words, struct fields Athena cannot declare), types \
                      (Spectrum's nested-array limits, Athena's type-string limit), comments and \
                      descriptions, and with --data files whose types the engine cannot read as \
                      declared (the HIVE_BAD_DATA predictor; Spectrum needs exact types), \
                      unreadable files and partition folders that contradict the declaration.\n\n\
                      Each rule has an id and a default severity; database.yaml can set \
                      `lint: {rule-id: error|warning|off}`.\n\n\
                      Exit status: 0 no errors (warnings are printed), 2 errors found \
                      (--warnings-as-errors counts warnings), 1 the run failed."
    )]
    Lint(LintArgs),
    /// Report, read-only, where the live catalog or the data moved away from the declaration.
    #[command(
        long_about = "Report, read-only, where the live catalog or the data moved away from \
                      the declaration, for every declared table (or the events named): tables \
                      missing or changed by hand (catalog), columns and struct fields the data \
                      has but the YAML lacks, files the declared types cannot read, unreadable \
                      files (data), partitions not registered, registered without data or \
                      elsewhere (partitions), and partitions whose own columns differ from their \
                      table's (partition-schema).\n\n\
                      Formats: markdown (a PR comment or job summary), json, junit (one test \
                      case per table). In GitHub Actions (GITHUB_ACTIONS=true) each finding is \
                      also printed as an error annotation on the table's YAML file, on standard \
                      error.\n\n\
                      Exit status: 0 no drift, 2 drift of a kind in --fail-on, 1 failure.",
        after_help = "Examples:\n  glueprint drift --catalog glue --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n  glueprint drift --format junit --fail-on catalog,partition-schema > drift.xml"
    )]
    Drift(DriftArgs),
    /// Make the live catalog match the declaration, for the events asked for.
    #[command(
        long_about = "Make the live catalog match the declaration, for the events asked for \
                      (all declared tables when none are named): CreateDatabase, CreateTable, \
                      UpdateTable, then partitions in batches of at most 100.\n\n\
                      Shows the plan first and asks on a terminal; --yes skips the question (CI). \
                      Data drift is never applied: the YAML is the truth. Destructive changes \
                      (dropping or narrowing a column, changing partition keys or location, \
                      moving or deleting partitions) are refused unless --allow-destructive. \
                      Fields glueprint does not manage (other parameters, owners, descriptions it \
                      was not given) are kept."
    )]
    Apply(ApplyArgs),
    /// Write YAML definitions for tables already in the live catalog (crawler-made ones).
    #[command(
        long_about = "Write YAML definitions for tables already in the live catalog, such as \
                      the ones Glue crawlers made, so a team can move off crawlers: after an \
                      import, plan shows no changes.\n\n\
                      Writes catalogs/<database>/database.yaml (when missing: the lake root is \
                      the database's location or the folder most tables sit in) and one \
                      <table>.yaml per table in canonical form. Crawler bookkeeping parameters \
                      are not declared (apply keeps them anyway). Views and non-Parquet tables \
                      are reported and left out; partitions whose own column list differs from \
                      the table's (HIVE_PARTITION_SCHEMA_MISMATCH) are reported. Each table's \
                      `event` is its name: replace it with the CleverTap event name.",
        after_help = "Examples:\n  glueprint import --database clevertap --catalog glue\n  glueprint import --database clevertap app_launched charged"
    )]
    Import(ImportArgs),
    /// Copy CleverTap's flat export folder into the per-event lake layout.
    #[command(
        long_about = "Copy CleverTap's flat export folder into the per-event lake layout.\n\n\
                      Export objects named <request id>-<run timestamp>-<event name>-<yyyymmdd>-\
                      <file index>-<database id>.parquet[.gzip] become \
                      <lake>/<table>/dt=YYYY-MM-DD/<name>.parquet, the table named as onboard \
                      names it. Plain Parquet is copied (server-side within one store); gzip-\
                      wrapped Parquet (found by its magic bytes) is decompressed on the way and \
                      its footer checked. Files already at the target are skipped, so a re-run \
                      after an interruption converges. Names that are not export names are \
                      reported and left alone; sources are deleted only with --delete-source, \
                      after verification.\n\n\
                      With --apply, the declared tables of the organized events get their new \
                      partitions registered in the same run (the apply code path, never \
                      destructive).\n\n\
                      Exit status: 0 all done, 2 some files failed, 1 the run itself failed.",
        after_help = "Examples:\n  glueprint organize --from s3://exports/clevertap/ --to s3://lake/clevertap/ --dry-run\n  \
                      glueprint organize --from s3://exports/clevertap/ --to s3://lake/clevertap/ \"App Launched\" --since 20200919 --apply --yes"
    )]
    Organize(OrganizeArgs),
    /// Rewrite the YAML files under catalogs/ in canonical form.
    #[command(
        long_about = "Rewrite the YAML files under catalogs/ in canonical form, so that \
                            a definition always has the same bytes.\n\n\
                            With --check nothing is written; exit status 2 when a file is not \
                            canonical (for CI), 0 when all are, 1 on an error."
    )]
    Fmt(FmtArgs),
}

#[derive(Debug, clap::Args)]
struct CatalogArgs {
    /// The folder of declared definitions: <DIR>/<database>/database.yaml and <table>.yaml.
    #[arg(long, default_value = crate::declare::DEFAULT_DIR, env = "GLUEPRINT_CATALOGS")]
    catalogs: PathBuf,
    /// The live catalog: the embedded local one, or the AWS Glue Data Catalog.
    #[arg(long, value_enum, default_value_t = Backend::Local, env = "GLUEPRINT_CATALOG")]
    catalog: Backend,
    /// The local catalog file (an embedded SQLite database, created when missing).
    #[arg(long, default_value = crate::catalog::local::DEFAULT_PATH, env = "GLUEPRINT_CATALOG_PATH")]
    catalog_path: PathBuf,
    /// AWS profile for Glue and S3 (default: the standard chain: environment, default profile,
    /// SSO, instance role).
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// AWS region for Glue and S3 (default: from the environment or the profile).
    #[arg(long)]
    region: Option<String>,
    /// The account id of another account's Glue catalog (cross-account access).
    #[arg(long)]
    catalog_id: Option<String>,
    /// Let Glue archive a table version on every update (off: a table keeps at most 100,000
    /// versions).
    #[arg(long)]
    archive_versions: bool,
}

/// How the data is read: the footer cache and partition filters.
#[derive(Debug, clap::Args)]
struct ReadArgs {
    #[command(flatten)]
    cache: CacheArgs,
    /// Only partitions passing a condition on a partition key, such as "dt>=2020-09-19"
    /// (also >, <=, <, =; whole numbers compare as numbers, other values as text). Only their
    /// folders are listed, so a daily run on a large lake reads one day; plan compares only
    /// those partitions.
    #[arg(long, value_name = "KEY OP VALUE", conflicts_with = "since")]
    partitions: Option<PartitionFilter>,
    /// Only partitions whose first key is VALUE or later (dt=VALUE/ folders and after).
    #[arg(long, value_name = "VALUE")]
    since: Option<String>,
}

impl ReadArgs {
    fn scan_options(&self) -> anyhow::Result<ScanOptions> {
        let filter = self
            .partitions
            .clone()
            .or_else(|| self.since.as_deref().map(PartitionFilter::since));
        self.cache.scan_options(filter)
    }
}

#[derive(Debug, clap::Args)]
struct CacheArgs {
    /// Read every footer, ignoring and not updating the footer cache.
    #[arg(long, env = "GLUEPRINT_NO_CACHE")]
    no_cache: bool,
    /// The footer cache: what each file's footer mapped to, so re-scans read only new or
    /// changed files. Safe to delete.
    #[arg(long, default_value = crate::cache::DEFAULT_PATH, env = "GLUEPRINT_CACHE_PATH")]
    cache_path: PathBuf,
}

impl CacheArgs {
    fn scan_options(&self, partitions: Option<PartitionFilter>) -> anyhow::Result<ScanOptions> {
        let cache = if self.no_cache {
            None
        } else {
            // The cache only saves reads: one that cannot be opened is said, never fatal.
            match FooterCache::open(&self.cache_path) {
                Ok(cache) => Some(Arc::new(cache)),
                Err(error) => {
                    eprintln!(
                        "warning: {error}; every footer is read: delete the file (with its -wal \
                         and -shm files) to start a new one"
                    );
                    None
                }
            }
        };
        Ok(ScanOptions {
            cache,
            partitions,
            ..ScanOptions::default()
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// The embedded catalog in --catalog-path: no AWS account needed.
    Local,
    /// The AWS Glue Data Catalog.
    Glue,
}

impl CatalogArgs {
    /// Opens the live catalog; read-only ones refuse every write before it is sent.
    async fn open(&self, read_only: bool) -> anyhow::Result<Box<dyn Catalog>> {
        Ok(match self.catalog {
            Backend::Local if read_only => {
                Box::new(LocalCatalog::open_read_only(&self.catalog_path)?)
            }
            Backend::Local => Box::new(LocalCatalog::open(&self.catalog_path)?),
            Backend::Glue => Box::new(
                GlueCatalog::connect(
                    &self.aws(),
                    GlueOptions {
                        catalog_id: self.catalog_id.clone(),
                        archive_versions: self.archive_versions,
                        read_only,
                    },
                )
                .await,
            ),
        })
    }

    /// The AWS profile and region, for Glue and S3 alike.
    fn aws(&self) -> AwsSettings {
        AwsSettings {
            profile: self.profile.clone(),
            region: self.region.clone(),
        }
    }

    fn describe(&self) -> String {
        match self.catalog {
            Backend::Local => format!("the local catalog {}", self.catalog_path.display()),
            Backend::Glue => "the AWS Glue Data Catalog".to_string(),
        }
    }
}

#[derive(Debug, clap::Args)]
struct OnboardArgs {
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
    catalog: CatalogArgs,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, clap::Args)]
struct PlanArgs {
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

#[derive(Debug, clap::Args)]
struct LintArgs {
    /// Events (or table names) to check; all declared tables when none are given.
    events: Vec<String>,
    /// Also read every file's footer and check it against the declaration.
    #[arg(long)]
    data: bool,
    /// The engines whose rules apply.
    #[arg(long, value_enum, default_value_t = Engine::Both)]
    engine: Engine,
    /// Exit 2 on warnings too.
    #[arg(long)]
    warnings_as_errors: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The folder of declared definitions.
    #[arg(long, default_value = crate::declare::DEFAULT_DIR, env = "GLUEPRINT_CATALOGS")]
    catalogs: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, clap::Args)]
struct DriftArgs {
    /// Events (or table names) to check; all declared tables when none are given.
    events: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DriftFormat::Markdown)]
    format: DriftFormat,
    /// Which kinds of drift fail the run (exit 2); all by default.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [DriftKind::Catalog, DriftKind::Data, DriftKind::Partitions, DriftKind::PartitionSchema])]
    fail_on: Vec<DriftKind>,
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

#[derive(Debug, clap::Args)]
struct ApplyArgs {
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

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The live database to import.
    #[arg(long)]
    database: String,
    /// Only these tables; all tables of the database when none are given.
    tables: Vec<String>,
    #[command(flatten)]
    catalog: CatalogArgs,
}

#[derive(Debug, clap::Args)]
struct OrganizeArgs {
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

#[derive(Debug, clap::Args)]
struct FmtArgs {
    /// Write nothing; exit 2 when a file is not in canonical form.
    #[arg(long)]
    check: bool,
    /// The folder of declared definitions.
    #[arg(long, default_value = crate::declare::DEFAULT_DIR, env = "GLUEPRINT_CATALOGS")]
    catalogs: PathBuf,
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
    #[command(flatten)]
    read: ReadArgs,
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
    // Usage mistakes exit 1 like every other failure: 2 means "found something" (changes
    // pending, errors in the data), and a CI step must tell a typo from drift.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let asked = matches!(
                error.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            );
            let _ = error.print();
            return if asked {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
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
        Err(error) if error.is::<OutputClosed>() => ExitCode::SUCCESS,
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
        Command::Onboard(args) => onboard_command(args).await,
        Command::Plan(args) => plan_command(args).await,
        Command::Apply(args) => apply_command(args).await,
        Command::Drift(args) => drift_command(args).await,
        Command::Lint(args) => lint_command(args).await,
        Command::Import(args) => import_command(args).await,
        Command::Organize(args) => organize_command(args).await,
        Command::Fmt(args) => fmt_command(args),
    }
}

fn load_declared(dir: &Path) -> anyhow::Result<Declared> {
    Declared::load(dir).map_err(|errors| {
        anyhow::anyhow!(
            "the declared catalog has {} problem(s):\n{errors}",
            errors.0.len()
        )
    })
}

/// Finds the declared tables for the events (or table names) asked for.
/// Athena and Spectrum read Glue tables from S3 only: a local folder registered in Glue would
/// make a table that no engine can read.
fn refuse_local_locations(declared: &Declared, selected: &[(usize, usize)]) -> anyhow::Result<()> {
    let local: Vec<String> = selected
        .iter()
        .map(|&(d, t)| &declared.databases[d].tables[t])
        .filter(|table| !table.location.starts_with("s3://"))
        .map(|table| format!("{} ({})", table.path.display(), table.location))
        .collect();
    if local.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the Glue catalog takes s3:// locations only, and these tables are elsewhere:\n  {}\n\
         set the database location to the lake's S3 prefix (e.g. GLUEPRINT_LAKE=s3://bucket/lake/), \
         or use --catalog local for a local lake",
        local.join("\n  ")
    )
}

fn select(declared: &Declared, events: &[String]) -> anyhow::Result<Vec<(usize, usize)>> {
    let all = declared
        .databases
        .iter()
        .enumerate()
        .flat_map(|(d, database)| {
            database
                .tables
                .iter()
                .enumerate()
                .map(move |(t, table)| ((d, t), table))
        });
    if events.is_empty() {
        return Ok(all.map(|(index, _)| index).collect());
    }
    let mut selected = Vec::new();
    for event in events {
        let wanted = event_identity(event);
        let found: Vec<(usize, usize)> = all
            .clone()
            .filter(|(_, table)| {
                event_identity(&table.file.event) == wanted || table.file.name == *event
            })
            .map(|(index, _)| index)
            .collect();
        if found.is_empty() {
            let known: Vec<&str> = all.clone().map(|(_, t)| t.file.event.as_str()).collect();
            anyhow::bail!(
                "event `{event}` is not declared under catalogs/ (declared: {}); onboard it \
                 with `glueprint onboard \"{event}\"`",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
        for index in found {
            if !selected.contains(&index) {
                selected.push(index);
            }
        }
    }
    Ok(selected)
}

async fn onboard_command(args: OnboardArgs) -> anyhow::Result<ExitCode> {
    let declared = load_declared(&args.catalog.catalogs)?;
    let options = OnboardOptions {
        events: args.events,
        update: args.update,
        database: args.database,
    };
    let scan_options = ScanOptions {
        aws: args.catalog.aws(),
        ..args.read.scan_options()?
    };
    let outcomes = onboard::onboard(&declared, &options, &scan_options).await?;
    for outcome in &outcomes {
        let verb = if outcome.written {
            "wrote"
        } else {
            "unchanged"
        };
        outln!(
            "{verb} {} (event \"{}\", {} column(s))",
            outcome.path.display(),
            outcome.event,
            outcome.columns
        );
        for problem in &outcome.problems {
            outln!(
                "  {}[{}]: {}",
                severity_word(problem.severity),
                problem.kind,
                problem.message
            );
        }
    }
    outln!(
        "\nNext: review the definitions (types, comments, a description), open a pull request, \
         and once merged run `glueprint apply`."
    );
    Ok(ExitCode::SUCCESS)
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

async fn compute_plan(
    events: &[String],
    catalog: &CatalogArgs,
    read: &ReadArgs,
) -> anyhow::Result<Plan> {
    let declared = load_declared(&catalog.catalogs)?;
    let selected = select(&declared, events)?;
    if catalog.catalog == Backend::Glue {
        refuse_local_locations(&declared, &selected)?;
    }
    let live = catalog.open(true).await?;
    let scan_options = ScanOptions {
        aws: catalog.aws(),
        ..read.scan_options()?
    };
    Ok(plan::plan(&declared, &selected, live.as_ref(), &scan_options).await?)
}

async fn plan_command(args: PlanArgs) -> anyhow::Result<ExitCode> {
    let plan = compute_plan(&args.events, &args.catalog, &args.read).await?;
    match args.format {
        Format::Text => out!("{}", report::plan_text(&plan)),
        Format::Json => outln!("{}", report::plan_json(&plan)),
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(EXIT_FOUND_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

async fn lint_command(args: LintArgs) -> anyhow::Result<ExitCode> {
    let mut declared = load_declared(&args.catalogs)?;
    let selected = select(&declared, &args.events)?;
    // Only the tables asked for.
    for (d, database) in declared.databases.iter_mut().enumerate() {
        let mut index = 0;
        database.tables.retain(|_| {
            let keep = selected.contains(&(d, index));
            index += 1;
            keep
        });
    }
    let reports = if args.data {
        let tables: Vec<&crate::declare::DeclaredTable> =
            declared.databases.iter().flat_map(|d| &d.tables).collect();
        Some(plan::scan_tables(&tables, &args.read.scan_options()?).await?)
    } else {
        None
    };
    let findings =
        lint::lint(&declared, args.engine, reports.as_ref()).map_err(anyhow::Error::msg)?;
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&findings).expect("findings serialize")
        ),
        Format::Text => {
            for finding in &findings {
                outln!(
                    "{}:{}: {}[{}]: {}; {}",
                    finding.file,
                    finding.line,
                    severity_word(finding.severity),
                    finding.rule,
                    finding.message,
                    finding.hint
                );
                for object in &finding.objects {
                    outln!("    {object}");
                }
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            outln!("{errors} error(s), {} warning(s).", findings.len() - errors);
        }
    }
    let failing = findings
        .iter()
        .any(|f| f.severity == Severity::Error || args.warnings_as_errors);
    Ok(if failing {
        ExitCode::from(EXIT_FOUND_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

async fn drift_command(args: DriftArgs) -> anyhow::Result<ExitCode> {
    let declared = load_declared(&args.catalog.catalogs)?;
    let plan = compute_plan(&args.events, &args.catalog, &args.read).await?;
    let report = drift::from_plan(&plan, |database, table| {
        declared
            .databases
            .iter()
            .filter(|d| d.file.name == database)
            .flat_map(|d| &d.tables)
            .find(|t| t.file.name == table)
            .map(|t| t.path.display().to_string())
            .unwrap_or_default()
    });
    match args.format {
        DriftFormat::Markdown => out!("{}", report::drift_markdown(&report, &args.fail_on)),
        DriftFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a drift report serializes")
        ),
        DriftFormat::Junit => out!("{}", report::drift_junit(&report, &args.fail_on)),
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // On standard error: the runner reads workflow commands there too, and standard output
        // is often the job summary, where they would show as plain text.
        eprint!("{}", report::drift_annotations(&report, &args.fail_on));
    }
    Ok(if report.has_drift(&args.fail_on) {
        ExitCode::from(EXIT_FOUND_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

async fn apply_command(args: ApplyArgs) -> anyhow::Result<ExitCode> {
    let plan = compute_plan(&args.events, &args.catalog, &args.read).await?;
    out!("{}", report::plan_text(&plan));
    if args.dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.has_changes() {
        outln!("Nothing to apply.");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "apply asks before changing the catalog; pass --yes when not on a terminal"
            );
        }
        eprint!("Apply these changes to {}? [y/N] ", args.catalog.describe());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            outln!("Nothing applied.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let live = args.catalog.open(false).await?;
    let options = ApplyOptions {
        allow_destructive: args.allow_destructive,
    };
    let outcome = apply::apply(&plan, live.as_ref(), &options).await?;
    out!("{outcome}");
    Ok(ExitCode::SUCCESS)
}

async fn import_command(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let live = args.catalog.open(true).await?;
    let imported = crate::import::import(
        &args.catalog.catalogs,
        live.as_ref(),
        &args.database,
        &args.tables,
    )
    .await?;
    for table in &imported {
        match &table.path {
            Some(path) => outln!("wrote {}", path.display()),
            None => outln!("left out {}", table.table),
        }
        for note in &table.notes {
            outln!("  note: {note}");
        }
        if !table.mismatched_partitions.is_empty() {
            let shown: Vec<String> = table
                .mismatched_partitions
                .iter()
                .take(5)
                .map(|values| values.join("/"))
                .collect();
            outln!(
                "  warning: {} partition(s) have columns that differ from the table's ({}{}); \
                 Athena may fail with HIVE_PARTITION_SCHEMA_MISMATCH",
                table.mismatched_partitions.len(),
                shown.join(", "),
                if table.mismatched_partitions.len() > 5 {
                    ", ..."
                } else {
                    ""
                }
            );
        }
    }
    outln!(
        "\nNext: set each table's `event` to its CleverTap event name, review, then run \
         `glueprint plan` (it should show no changes)."
    );
    Ok(ExitCode::SUCCESS)
}

async fn organize_command(args: OrganizeArgs) -> anyhow::Result<ExitCode> {
    let layout = match args.layout {
        LayoutArg::Dt => Layout::Dt,
        LayoutArg::YearMonthDay => Layout::YearMonthDay,
    };
    // The declared catalog, when there is one, must agree with the layout written.
    let declared = if args.catalog.catalogs.is_dir() {
        Some(load_declared(&args.catalog.catalogs)?)
    } else if args.apply {
        anyhow::bail!(
            "--apply registers declared tables, but {} does not exist",
            args.catalog.catalogs.display()
        );
    } else {
        None
    };
    if let Some(declared) = &declared {
        for table in declared.databases.iter().flat_map(|d| &d.tables) {
            let keys: Vec<String> = table
                .partition_keys
                .iter()
                .map(|k| k.name.to_lowercase())
                .collect();
            let wanted = args.events.is_empty()
                || args
                    .events
                    .iter()
                    .any(|e| event_identity(e) == event_identity(&table.file.event));
            if wanted && keys != layout.keys() {
                anyhow::bail!(
                    "{} declares partition keys ({}) but --layout writes ({}); choose the layout \
                     the catalog declares",
                    table.path.display(),
                    keys.join(", "),
                    layout.keys().join(", ")
                );
            }
        }
    }
    let from = Lake::open_with(&args.from, &args.catalog.aws()).await?;
    let to = Lake::open_target(&args.to, &args.catalog.aws()).await?;
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
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a report serializes")
        ),
        Format::Text => out!(
            "{}",
            report::organize_text(&report, &from, &to, args.dry_run)
        ),
    }
    if args.apply
        && !args.dry_run
        && let Some(declared) = &declared
    {
        let organized: Vec<String> = report.events.keys().cloned().collect();
        let selected: Vec<(usize, usize)> = select(declared, &[])?
            .into_iter()
            .filter(|&(d, t)| {
                let event = &declared.databases[d].tables[t].file.event;
                organized
                    .iter()
                    .any(|o| event_identity(o) == event_identity(event))
            })
            .collect();
        if selected.is_empty() {
            outln!(
                "\nNo organized event has a declared table: nothing to register (onboard them first)."
            );
        } else {
            if args.catalog.catalog == Backend::Glue {
                refuse_local_locations(declared, &selected)?;
            }
            let live = args.catalog.open(false).await?;
            // Only the days organized: their partitions are all this run can add.
            let since = args.date.or(args.since).filter(|_| layout == Layout::Dt);
            let filter =
                since.map(|day| PartitionFilter::since(&day.format("%Y-%m-%d").to_string()));
            let scan_options = ScanOptions {
                aws: args.catalog.aws(),
                ..args.cache.scan_options(filter)?
            };
            let plan = plan::plan(declared, &selected, live.as_ref(), &scan_options).await?;
            out!("\n{}", report::plan_text(&plan));
            if plan.has_changes() {
                if !args.yes {
                    anyhow::bail!("--apply changes the catalog; pass --yes to confirm");
                }
                let outcome = apply::apply(&plan, live.as_ref(), &ApplyOptions::default()).await?;
                out!("{outcome}");
            }
        }
    }
    Ok(if report.failed() > 0 {
        ExitCode::from(EXIT_FOUND_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}

fn fmt_command(args: FmtArgs) -> anyhow::Result<ExitCode> {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(&args.catalogs)
        .with_context(|| format!("cannot read {}", args.catalogs.display()))?
    {
        let folder = entry?.path();
        if folder.is_dir() {
            for file in std::fs::read_dir(&folder)? {
                let path = file?.path();
                if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    let mut unformatted = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let canonical = if path
            .file_name()
            .is_some_and(|n| n == crate::declare::DATABASE_FILE)
        {
            crate::declare::database_yaml(&crate::declare::parse(path, &text)?)
        } else {
            crate::declare::table_yaml(&crate::declare::parse(path, &text)?)
        };
        if canonical != text {
            unformatted.push(path.display().to_string());
            if !args.check {
                std::fs::write(path, canonical)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    if args.check {
        for path in &unformatted {
            outln!("not canonical: {path}");
        }
        if !unformatted.is_empty() {
            outln!("run `glueprint fmt` to rewrite them");
            return Ok(ExitCode::from(EXIT_FOUND_ERRORS));
        }
    } else {
        for path in &unformatted {
            outln!("formatted {path}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn scan_command(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let lake = Lake::open(&args.location).await?;
    let options = ScanOptions {
        tables: args.tables,
        concurrency: usize::from(args.concurrency),
        prefetch: args.prefetch,
        ..args.read.scan_options()?
    };
    let progress = ProgressDisplay::new();
    let report = scan::scan(&lake, &options, &progress)
        .await
        .with_context(|| format!("scan of {} failed", lake.root()))?;
    progress.finish();
    match args.format {
        Format::Text => out!("{}", report::scan_text(&report, args.stats)),
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

    fn show(&self, message: String) {
        if !self.terminal || self.started.elapsed() < PROGRESS_DELAY {
            return;
        }
        if self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
        self.bar.set_message(message);
    }
}

impl Progress for ProgressDisplay {
    fn advanced(&self, stats: &ScanStats) {
        self.show(format!(
            "{} footers read, {} objects listed",
            stats.files_read, stats.objects_listed
        ));
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Clap checks flag definitions (unique names, valid defaults) only when a command is
    /// built; this builds them all.
    #[test]
    fn every_command_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
