//! `glueprint docs`: the catalog page, one self-contained `index.html` for analysts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{CacheArgs, CatalogArgs, SampleArg};
use crate::catalog::Catalog;
use crate::declare::Declared;
use crate::discover::Sampler;
use crate::docs::{self, DocsOptions, Live};
use crate::drift::{self, DriftReport};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct DocsArgs {
    /// The folder to write index.html into (made when missing).
    #[arg(long, default_value = "glueprint-docs")]
    out: PathBuf,
    /// The Redshift external schema that maps the Glue database, as the Spectrum queries on
    /// the page name it (CREATE EXTERNAL SCHEMA).
    #[arg(long, default_value = "spectrum")]
    external_schema: String,
    #[command(flatten)]
    sample: SampleArg,
    #[command(flatten)]
    catalog: CatalogArgs,
    #[command(flatten)]
    cache: CacheArgs,
}

pub async fn run(args: DocsArgs) -> anyhow::Result<ExitCode> {
    let declared = args.catalog.declared.load()?;
    // Without a reachable catalog the page is still made, saying what it could not check.
    let live = read_live(&args, &declared).await;
    let live = match &live {
        Ok((catalog, drift)) => Ok(Live {
            catalog: catalog.as_ref(),
            description: args.catalog.describe(),
            drift,
        }),
        Err(reason) => {
            eprintln!(
                "warning: {} could not be read ({reason}); the page says partitions and drift \
                 were not checked",
                args.catalog.describe()
            );
            Err(reason.clone())
        }
    };
    let options = DocsOptions {
        sampler: Sampler {
            aws: args.catalog.aws(),
            budget: args.sample.sample_bytes,
        },
        spectrum_schema: args.external_schema.clone(),
    };
    let page = docs::collect(&declared, live, &options).await?;
    for database in &page.databases {
        if let Some(error) = &database.listing_error {
            eprintln!(
                "warning: {error}; the page shows the declared events of {} without files",
                database.name
            );
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot make the folder {}", args.out.display()))?;
    let index = args.out.join("index.html");
    std::fs::write(&index, report::catalog_html(&page))
        .with_context(|| format!("cannot write {}", index.display()))?;
    let events: Vec<_> = page.databases.iter().flat_map(|d| &d.events).collect();
    let onboarded = events.iter().filter(|e| e.declared.is_some()).count();
    outln!(
        "wrote {}: {} event(s), {onboarded} onboarded, {} to onboard",
        index.display(),
        events.len(),
        events.len() - onboarded
    );
    Ok(ExitCode::SUCCESS)
}

/// The live catalog, opened read-only, and the drift of every declared table against it.
async fn read_live(
    args: &DocsArgs,
    declared: &Declared,
) -> Result<(Box<dyn Catalog>, DriftReport), String> {
    let reason = |error: anyhow::Error| format!("{error:#}");
    let catalog = args.catalog.open(true).await.map_err(reason)?;
    let plan = args
        .catalog
        .plan_on(
            catalog.as_ref(),
            &declared.of_all(),
            &args.cache.scan_options(None),
        )
        .await
        .map_err(reason)?;
    Ok((catalog, drift::from_plan(&plan)))
}
