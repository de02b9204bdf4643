//! `glueprint views`: the typed views over union maps as SQL, for Athena (what apply creates)
//! or Redshift Spectrum (for the BI team to run).

use std::process::ExitCode;

use clap::ValueEnum;

use super::args::CatalogsArg;
use crate::declare::TableRef;
use crate::views;

#[derive(Debug, clap::Args)]
pub struct ViewsArgs {
    /// Events (or table names); all declared tables with properties when none are given.
    events: Vec<String>,
    /// Which engine's statement to print.
    #[arg(long, value_enum, default_value_t = ViewEngine::Athena)]
    engine: ViewEngine,
    /// The Redshift external schema that maps the Glue database (CREATE EXTERNAL SCHEMA).
    #[arg(long, default_value = "spectrum")]
    external_schema: String,
    #[command(flatten)]
    declared: CatalogsArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViewEngine {
    /// CREATE OR REPLACE VIEW as Athena runs it (the view apply creates).
    Athena,
    /// A late-binding view (WITH NO SCHEMA BINDING) over the external table.
    Spectrum,
}

pub fn run(args: ViewsArgs) -> anyhow::Result<ExitCode> {
    let declared = args.declared.load()?;
    let mut printed = 0;
    for TableRef { database, table } in declared.select(&args.events)? {
        let Some(view) = views::view_of(database, table) else {
            continue;
        };
        let statement = match args.engine {
            ViewEngine::Athena => views::athena_ddl(&database.file.name, &view),
            ViewEngine::Spectrum => {
                views::spectrum_ddl(&args.external_schema, &table.file.name, &view)
            }
        };
        if printed > 0 {
            outln!("");
        }
        out!("{statement}");
        printed += 1;
    }
    if printed == 0 {
        eprintln!(
            "no selected table declares union-map properties: onboard a table whose export has \
             the generic shape, or add `properties:` to its YAML"
        );
    }
    Ok(ExitCode::SUCCESS)
}
