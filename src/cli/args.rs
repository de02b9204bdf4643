//! The flags several commands share, each defined once, and the steps they share.

use std::path::PathBuf;
use std::sync::Arc;

use clap::ValueEnum;

use crate::aws::AwsSettings;
use crate::cache::FooterCache;
use crate::catalog::{self, Catalog};
use crate::declare::{Declared, TableRef};
use crate::partition_filter::PartitionFilter;
use crate::plan::{self, Plan};
use crate::scan::ScanOptions;

/// Where the declared definitions are.
#[derive(Debug, clap::Args)]
pub struct CatalogsArg {
    /// The folder of declared definitions: <DIR>/<database>/database.yaml and <table>.yaml.
    #[arg(long, default_value = crate::declare::DEFAULT_DIR, env = "GLUEPRINT_CATALOGS")]
    pub catalogs: PathBuf,
}

impl CatalogsArg {
    pub fn load(&self) -> anyhow::Result<Declared> {
        Declared::load(&self.catalogs).map_err(|errors| {
            anyhow::anyhow!(
                "the declared catalog has {} problem(s):\n{errors}",
                errors.0.len()
            )
        })
    }
}

/// The declarations and the live catalog they are compared with.
#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    #[command(flatten)]
    pub declared: CatalogsArg,
    /// The live catalog: the embedded local one, or the AWS Glue Data Catalog.
    #[arg(long, value_enum, default_value_t = Backend::Local, env = "GLUEPRINT_CATALOG")]
    pub catalog: Backend,
    /// The local catalog file (an embedded SQLite database, created by the first apply).
    #[arg(long, default_value = crate::catalog::local::DEFAULT_PATH, env = "GLUEPRINT_CATALOG_PATH")]
    pub catalog_path: PathBuf,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The account id of another account's Glue catalog (cross-account access).
    #[arg(long)]
    pub catalog_id: Option<String>,
    /// Let Glue archive a table version on every update (off: a table keeps at most 100,000
    /// versions).
    #[arg(long)]
    pub archive_versions: bool,
}

/// Which AWS account and region: the same for Glue and S3, and for every client of a run.
#[derive(Debug, clap::Args)]
pub struct AwsArgs {
    /// AWS profile for Glue and S3 (default: the standard chain: environment, default profile,
    /// SSO, instance role).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region for Glue and S3 (default: from the environment or the profile).
    #[arg(long)]
    pub region: Option<String>,
}

impl AwsArgs {
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            profile: self.profile.clone(),
            region: self.region.clone(),
            connections: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// The embedded catalog in --catalog-path: no AWS account needed.
    Local,
    /// The AWS Glue Data Catalog.
    Glue,
}

impl CatalogArgs {
    /// The live catalog the flags name.
    pub fn backend(&self) -> catalog::Backend {
        match self.catalog {
            Backend::Local => catalog::Backend::Local {
                path: self.catalog_path.clone(),
            },
            Backend::Glue => catalog::Backend::Glue {
                catalog_id: self.catalog_id.clone(),
                archive_versions: self.archive_versions,
            },
        }
    }

    /// Opens the live catalog; read-only ones refuse every write before it is sent.
    pub async fn open(&self, read_only: bool) -> anyhow::Result<Box<dyn Catalog>> {
        Ok(self.backend().open(&self.aws(), read_only).await?)
    }

    /// The AWS profile and region, for Glue and S3 alike: every AWS client of a run uses these.
    pub fn aws(&self) -> AwsSettings {
        self.aws.settings()
    }

    pub fn describe(&self) -> String {
        self.backend().to_string()
    }

    /// The declarations, and the plan for the events asked for (all declared tables when
    /// none are).
    pub async fn plan_events(
        &self,
        events: &[String],
        read: &ReadArgs,
    ) -> anyhow::Result<(Declared, Plan)> {
        let declared = self.declared.load()?;
        let plan = self
            .plan(&declared.select(events)?, &read.scan_options())
            .await?;
        Ok((declared, plan))
    }

    /// The plan for the selected tables against the live catalog, opened read-only.
    pub async fn plan(
        &self,
        selected: &[TableRef<'_>],
        options: &ScanOptions,
    ) -> anyhow::Result<Plan> {
        self.plan_on(self.open(true).await?.as_ref(), selected, options)
            .await
    }

    /// The plan for the selected tables against `live`, a catalog already open.
    pub async fn plan_on(
        &self,
        live: &dyn Catalog,
        selected: &[TableRef<'_>],
        options: &ScanOptions,
    ) -> anyhow::Result<Plan> {
        let options = ScanOptions {
            aws: self.aws(),
            ..options.clone()
        };
        Ok(plan::compute(selected, live, &options).await?)
    }
}

/// How the data is read: the footer cache and partition filters.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Only partitions passing a condition on a partition key, such as "dt>=2020-09-19"
    /// (also >, <=, <, =; whole numbers compare as numbers, other values as text). Only their
    /// folders are listed, so a daily run on a large lake reads one day; plan compares only
    /// those partitions.
    #[arg(long, value_name = "KEY OP VALUE", conflicts_with = "since")]
    pub partitions: Option<PartitionFilter>,
    /// Only partitions whose first key is VALUE or later (dt=VALUE/ folders and after).
    #[arg(long, value_name = "VALUE")]
    pub since: Option<String>,
}

impl ReadArgs {
    pub fn scan_options(&self) -> ScanOptions {
        let filter = self
            .partitions
            .clone()
            .or_else(|| self.since.as_deref().map(PartitionFilter::since));
        self.cache.scan_options(filter)
    }
}

#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    /// Read every footer, ignoring and not updating the footer cache.
    #[arg(long, env = "GLUEPRINT_NO_CACHE")]
    pub no_cache: bool,
    /// The footer cache: what each file's footer mapped to, so re-scans read only new or
    /// changed files. Safe to delete.
    #[arg(long, default_value = crate::cache::DEFAULT_PATH, env = "GLUEPRINT_CACHE_PATH")]
    pub cache_path: PathBuf,
}

impl CacheArgs {
    pub fn scan_options(&self, partitions: Option<PartitionFilter>) -> ScanOptions {
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
        ScanOptions {
            cache,
            partitions,
            ..ScanOptions::default()
        }
    }
}

/// How much of a table's union maps is read, beyond the footers.
#[derive(Debug, clap::Args)]
pub struct SampleArg {
    /// Bytes read per table to sample union maps (CleverTap's generic
    /// map<string,struct<member0..>> columns), newest files first: onboard discovers their
    /// properties, drift finds new keys and values their declared type reads as NULL.
    #[arg(long, default_value_t = crate::discover::DEFAULT_SAMPLE_BYTES, value_name = "BYTES")]
    pub sample_bytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable tables and problems.
    Text,
    /// One stable JSON document for scripts.
    Json,
}
