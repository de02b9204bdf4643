//! The live catalog behind one trait, in glueprint's own types.
//!
//! The shapes follow Glue's (a table input with a storage descriptor, serde, parameters and
//! partition keys; partitions with values and their own location), so the Glue backend maps them
//! one to one and the local backend stores what Glue would.

pub mod glue;
pub mod local;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::athena::{self, AthenaTypeError};
use crate::hive::{HiveType, same_name};
use crate::location::Location;
use crate::partition_filter::PartitionFilter;

/// The Parquet formats and serde Athena and Spectrum read (catalog-facts §1).
pub const PARQUET_INPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
pub const PARQUET_OUTPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
pub const EXTERNAL_TABLE: &str = "EXTERNAL_TABLE";

/// Glue's per-call limits (catalog-facts §5): BatchCreatePartition and BatchUpdatePartition
/// take at most 100 partitions, BatchDeletePartition 25. Apply sends one call per batch, so
/// its report says which batches were written.
pub const PARTITION_BATCH: usize = 100;
pub const DELETE_BATCH: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ColumnRecord", into = "ColumnRecord")]
pub struct Column {
    pub name: String,
    pub ty: HiveType,
    pub comment: Option<String>,
    /// The type string exactly as the live catalog holds it (`None` for declared columns).
    /// Athena parses this string, not our tree: a string it cannot parse is a change to make
    /// even when it reads to the same tree here.
    pub stored_type: Option<String>,
}

/// Two columns are equal when a catalog would hold the same name, type string and comment.
impl PartialEq for Column {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.comment == other.comment
            && self.type_text() == other.type_text()
    }
}

impl Eq for Column {}

/// A column as the local catalog stores it: the type as text, kept as written.
#[derive(Serialize, Deserialize)]
struct ColumnRecord {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

impl TryFrom<ColumnRecord> for Column {
    type Error = String;

    fn try_from(record: ColumnRecord) -> Result<Self, String> {
        let ty = record.ty.parse().map_err(|error| {
            format!(
                "column `{}` has a type glueprint cannot read ({error})",
                record.name
            )
        })?;
        Ok(Column {
            name: record.name,
            ty,
            comment: record.comment,
            stored_type: Some(record.ty),
        })
    }
}

impl From<Column> for ColumnRecord {
    fn from(column: Column) -> Self {
        ColumnRecord {
            ty: column.type_text(),
            name: column.name,
            comment: column.comment,
        }
    }
}

impl Column {
    pub fn new(name: impl Into<String>, ty: HiveType) -> Self {
        Self {
            name: name.into(),
            ty,
            comment: None,
            stored_type: None,
        }
    }

    /// The type string a catalog holds or is sent: the stored one as it is, or ours printed.
    pub fn type_text(&self) -> String {
        self.stored_type
            .clone()
            .unwrap_or_else(|| self.ty.to_string())
    }

    /// The type as Athena reads this column's type string.
    pub fn athena_type(&self) -> Result<HiveType, AthenaTypeError> {
        athena::parse(&self.type_text())
    }

    /// Whether Athena reads this (live) column as the `declared` one: same name after Glue's
    /// folding, and a type string Athena parses to the declared type.
    pub fn reads_as_declared(&self, declared: &Column) -> bool {
        same_name(&self.name, &declared.name)
            && self
                .athena_type()
                .is_ok_and(|ty| ty.equivalent(&declared.ty))
    }

    /// Whether a live column list reads as the declared one, column by column, in order.
    pub fn same_list(live: &[Column], declared: &[Column]) -> bool {
        live.len() == declared.len()
            && live
                .iter()
                .zip(declared)
                .all(|(l, d)| l.reads_as_declared(d))
    }
}

/// Where and how a table's (or partition's) files are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    pub location: Location,
    pub input_format: Option<String>,
    pub output_format: Option<String>,
    pub serde_library: Option<String>,
    #[serde(default)]
    pub serde_parameters: BTreeMap<String, String>,
    pub columns: Vec<Column>,
    /// Storage-descriptor parameters: other tools' business, carried through untouched.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

impl Storage {
    /// Parquet storage at `location`, as Athena and Spectrum expect it.
    pub fn parquet(location: Location, columns: Vec<Column>) -> Self {
        Self {
            location,
            input_format: Some(PARQUET_INPUT_FORMAT.into()),
            output_format: Some(PARQUET_OUTPUT_FORMAT.into()),
            serde_library: Some(PARQUET_SERDE.into()),
            serde_parameters: BTreeMap::from([("serialization.format".into(), "1".into())]),
            columns,
            parameters: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub table_type: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    pub storage: Storage,
    #[serde(default)]
    pub partition_keys: Vec<Column>,
    /// The version read from the catalog, passed back on update for optimistic locking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// A view's definition (`VIRTUAL_VIEW` tables only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_text: Option<ViewText>,
}

/// What a view is: the text engines decode (Athena's `/* Presto View: ... */`), and the
/// expanded text beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewText {
    pub original: String,
    pub expanded: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub values: Vec<String>,
    pub storage: Storage,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// A live table glueprint cannot read into its model (a type string it cannot parse at all):
/// named, so that commands skip it and carry on with the rest of the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableTable {
    pub name: String,
    pub reason: String,
}

/// Every table of a database: those read, and those that could not be.
#[derive(Debug, Clone, Default)]
pub struct TableListing {
    pub tables: Vec<Table>,
    pub unreadable: Vec<UnreadableTable>,
}

/// A partition a batch call could not create, update or delete, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionFailure {
    pub values: Vec<String>,
    pub kind: PartitionFailureKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionFailureKind {
    AlreadyExists,
    NotFound,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("database `{0}` does not exist in the catalog")]
    NoDatabase(String),
    #[error("`{0}` already exists in the catalog")]
    AlreadyExists(String),
    #[error("table `{0}` does not exist in the catalog")]
    NoTable(String),
    #[error(
        "table `{table}` was changed by someone else since it was read (version {expected} read, \
         {found} now); nothing was written: run plan again"
    )]
    ConcurrentModification {
        table: String,
        expected: String,
        found: String,
    },
    /// The store failed: what failed and what to do, with the underlying error when there is
    /// one.
    #[error("{message}")]
    Store {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error(
        "{0} is a write, and this catalog was opened read-only (plan and drift never write); \
         nothing was sent"
    )]
    ReadOnly(String),
}

/// Which live catalog to use: the flags say it once, every command opens it the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The embedded catalog in a local SQLite file.
    Local { path: std::path::PathBuf },
    /// The AWS Glue Data Catalog (another account's with `catalog_id`).
    Glue {
        catalog_id: Option<String>,
        archive_versions: bool,
    },
}

impl Backend {
    /// Opens the live catalog; read-only ones refuse every write before it is sent.
    pub async fn open(
        &self,
        aws: &crate::aws::AwsSettings,
        read_only: bool,
    ) -> Result<Box<dyn Catalog>, CatalogError> {
        Ok(match self {
            Backend::Local { path } if read_only => {
                Box::new(local::LocalCatalog::open_read_only(path)?)
            }
            Backend::Local { path } => Box::new(local::LocalCatalog::open(path)?),
            Backend::Glue {
                catalog_id,
                archive_versions,
            } => Box::new(
                glue::GlueCatalog::connect(
                    aws,
                    glue::GlueOptions {
                        catalog_id: catalog_id.clone(),
                        archive_versions: *archive_versions,
                        read_only,
                    },
                )
                .await,
            ),
        })
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::Local { path } => write!(f, "the local catalog {}", path.display()),
            Backend::Glue { .. } => f.write_str("the AWS Glue Data Catalog"),
        }
    }
}

impl CatalogError {
    /// A failure of the store that no other error caused.
    pub fn store(message: impl Into<String>) -> Self {
        CatalogError::Store {
            message: message.into(),
            source: None,
        }
    }

    /// A failure of the store caused by `source`.
    pub fn caused(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        CatalogError::Store {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// The partitions of `partitions` that pass `filter`, compared here rather than by a catalog.
pub fn filter_partitions(
    partitions: Vec<Partition>,
    keys: &[Column],
    filter: &PartitionFilter,
) -> Vec<Partition> {
    let names: Vec<String> = keys.iter().map(|k| k.name.clone()).collect();
    partitions
        .into_iter()
        .filter(|partition| filter.admits_partition(&names, &partition.values))
        .collect()
}

/// The operations plan and apply need from a live catalog. Both backends (the local store and
/// AWS Glue) implement it; nothing outside a backend sees its client types.
#[async_trait]
pub trait Catalog: Send + Sync {
    /// Whether engines read its tables from S3 only (Glue: Athena and Spectrum), so that a
    /// table registered elsewhere could be read by none.
    fn needs_s3_locations(&self) -> bool {
        false
    }
    async fn get_database(&self, name: &str) -> Result<Option<Database>, CatalogError>;
    async fn create_database(&self, database: &Database) -> Result<(), CatalogError>;
    /// Every table of a database, in pages where the backend pages, never one call per table.
    /// A table that cannot be read is listed as unreadable, never an error of the whole call.
    async fn list_tables(&self, database: &str) -> Result<TableListing, CatalogError>;
    async fn get_table(&self, database: &str, name: &str) -> Result<Option<Table>, CatalogError>;
    async fn create_table(&self, database: &str, table: &Table) -> Result<(), CatalogError>;
    /// Replaces the table if its version is still `table.version`; a newer version means
    /// someone else wrote it since, and the call fails with `ConcurrentModification`.
    async fn update_table(&self, database: &str, table: &Table) -> Result<(), CatalogError>;
    async fn list_partitions(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<Partition>, CatalogError>;
    /// The partitions whose values pass `filter` on the table's partition `keys`. Backends that
    /// can filter server-side (Glue's `Expression`) do where the engine can; the default filters
    /// what `list_partitions` gives.
    async fn list_partitions_where(
        &self,
        database: &str,
        table: &str,
        keys: &[Column],
        filter: &PartitionFilter,
    ) -> Result<Vec<Partition>, CatalogError> {
        Ok(filter_partitions(
            self.list_partitions(database, table).await?,
            keys,
            filter,
        ))
    }
    /// Creates partitions; per-partition failures come back, they are not errors of the call.
    async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError>;
    async fn update_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError>;
    async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>, CatalogError>;
}
