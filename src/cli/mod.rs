//! The command line: one file per command (its flags and the calls it makes), the flags they
//! share, and what they print. The work itself happens in the library's stages.

#[macro_use]
mod output;
mod apply;
mod args;
mod completions;
mod docs;
mod drift;
mod fmt;
mod import;
mod lint;
mod onboard;
mod organize;
mod plan;
mod scan;
mod views;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::OutputClosed;

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
    Scan(scan::ScanArgs),
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
    Onboard(onboard::OnboardArgs),
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
    Plan(plan::PlanArgs),
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
    Lint(lint::LintArgs),
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
    Drift(drift::DriftArgs),
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
    Apply(apply::ApplyArgs),
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
    Import(import::ImportArgs),
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
    Organize(organize::OrganizeArgs),
    /// Rewrite the YAML files under catalogs/ in canonical form.
    #[command(
        long_about = "Rewrite the YAML files under catalogs/ in canonical form, so that \
                            a definition always has the same bytes.\n\n\
                            With --check nothing is written; exit status 2 when a file is not \
                            canonical (for CI), 0 when all are, 1 on an error."
    )]
    Fmt(fmt::FmtArgs),
    /// Print the typed views over union maps as SQL: Athena's, or Redshift Spectrum's.
    #[command(
        long_about = "Print the typed views over union maps as SQL.\n\n\
                      A table whose YAML declares `properties:` (union-map keys and their types, \
                      written by onboard) gets a view <table>_v with its plain columns, \
                      event_time from eventTime, and one typed column per property, read from \
                      every union branch its type can come from. apply creates the Athena view \
                      in the catalog; this prints it, or the Redshift Spectrum equivalent (a \
                      late-binding view over the external table) for the BI team to run.",
        after_help = "Examples:\n  glueprint views Charged\n  glueprint views --engine spectrum --external-schema clevertap_ext"
    )]
    Views(views::ViewsArgs),
    /// Write the catalog page: every event, its properties, its freshness, how to query it.
    #[command(
        long_about = "Write the catalog page: one self-contained index.html (no network \
                      fetches) for analysts to browse the lake's events.\n\n\
                      It lists every event folder of the declared lakes, onboarded or not (with \
                      the onboard request to make for the others); per declared table its \
                      description, columns and struct fields with types and comments, union-map \
                      properties with their types and the branches a sample of the data holds \
                      them in, the typed view, the partitions registered and the newest day; a \
                      chart of files per day; copyable Athena and Redshift Spectrum queries for \
                      every column and property, with Spectrum's limits; and drift findings. \
                      Reads only: lists the lakes, reads the live catalog (when it cannot, the \
                      page says partitions and drift were not checked) and samples union maps.",
        after_help = "Examples:\n  glueprint docs\n  glueprint docs --out site --catalog glue --external-schema clevertap_ext"
    )]
    Docs(docs::DocsArgs),
    /// Print shell completions for bash, zsh, fish, elvish or PowerShell.
    #[command(
        after_help = "Examples:\n  glueprint completions bash > ~/.local/share/bash-completion/completions/glueprint\n  \
                      glueprint completions zsh > \"${fpath[1]}/_glueprint\"\n  \
                      glueprint completions fish > ~/.config/fish/completions/glueprint.fish"
    )]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per command with --out-dir.
    #[command(
        after_help = "Examples:\n  glueprint man | man -l -\n  glueprint man --out-dir share/man/man1"
    )]
    Man(completions::ManArgs),
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
        Command::Scan(args) => scan::run(args).await,
        Command::Onboard(args) => onboard::run(args).await,
        Command::Plan(args) => plan::run(args).await,
        Command::Apply(args) => apply::run(args).await,
        Command::Docs(args) => docs::run(args).await,
        Command::Drift(args) => drift::run(args).await,
        Command::Lint(args) => lint::run(args).await,
        Command::Import(args) => import::run(args).await,
        Command::Organize(args) => organize::run(args).await,
        Command::Fmt(args) => fmt::run(args),
        Command::Views(args) => views::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
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
