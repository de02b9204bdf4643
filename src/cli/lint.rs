//! `glueprint lint`: will Athena and Spectrum read the declared tables (and files)?

use std::process::ExitCode;

use clap::ValueEnum;

use super::args::{AwsArgs, CatalogsArg, Format, ReadArgs};
use super::output::found;
use crate::lint::{self, Engine};
use crate::problem::Severity;
use crate::report;
use crate::scan::{self, ScanOptions};

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Events (or table names) to check; all declared tables when none are given.
    events: Vec<String>,
    /// Also read every file's footer and check it against the declaration.
    #[arg(long)]
    data: bool,
    /// The engines whose rules apply.
    #[arg(long, value_enum, default_value_t = EngineArg::Both)]
    engine: EngineArg,
    /// Exit 2 on warnings too.
    #[arg(long)]
    warnings_as_errors: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    declared: CatalogsArg,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    /// Athena (engine v3) only.
    Athena,
    /// Redshift Spectrum only.
    Spectrum,
    /// Both engines.
    Both,
}

impl From<EngineArg> for Engine {
    fn from(engine: EngineArg) -> Self {
        match engine {
            EngineArg::Athena => Engine::Athena,
            EngineArg::Spectrum => Engine::Spectrum,
            EngineArg::Both => Engine::Both,
        }
    }
}

pub async fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let declared = args.declared.load()?;
    let selected = declared.select(&args.events)?;
    let declared = declared.only(&selected);
    let reports = if args.data {
        let locations = declared
            .databases
            .iter()
            .flat_map(|d| &d.tables)
            .map(|t| &t.location);
        let options = ScanOptions {
            aws: args.aws.settings(),
            ..args.read.scan_options()
        };
        Some(scan::scan_tables(locations, &options).await?)
    } else {
        None
    };
    let findings =
        lint::lint(&declared, args.engine.into(), reports.as_ref()).map_err(anyhow::Error::msg)?;
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&findings)?),
        Format::Text => out!("{}", report::lint_text(&findings)),
    }
    Ok(found(findings.iter().any(|f| {
        f.severity == Severity::Error || args.warnings_as_errors
    })))
}
