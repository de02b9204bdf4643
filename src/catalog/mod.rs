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

use crate::hive::HiveType;
use crate::layout::PartitionFilter;

/// The Parquet formats and serde Athena and Spectrum read (catalog-facts §1).
pub const PARQUET_INPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
pub const PARQUET_OUTPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
pub const PARQUET_SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
pub const EXTERNAL_TABLE: &str = "EXTERNAL_TABLE";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: HiveType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: HiveType) -> Self {
        Self {
            name: name.into(),
            ty,
            comment: None,
        }
    }

    /// Whether two column lists hold the same names (case-insensitively) and types, in order.
    pub fn same_list(a: &[Column], b: &[Column]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.name.eq_ignore_ascii_case(&y.name) && x.ty.equivalent(&y.ty))
    }
}

/// Where and how a table's (or partition's) files are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    pub location: String,
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
    pub fn parquet(location: String, columns: Vec<Column>) -> Self {
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub values: Vec<String>,
    pub storage: Storage,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
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
    #[error("{0}")]
    Store(String),
    #[error(
        "{0} is a write, and this catalog was opened read-only (plan and drift never write); \
         nothing was sent"
    )]
    ReadOnly(String),
}

/// The operations plan and apply need from a live catalog. Both backends (the local store and
/// AWS Glue) implement it; nothing outside a backend sees its client types.
#[async_trait]
pub trait Catalog: Send + Sync {
    async fn get_database(&self, name: &str) -> Result<Option<Database>, CatalogError>;
    async fn create_database(&self, database: &Database) -> Result<(), CatalogError>;
    /// Every table of a database, in pages where the backend pages, never one call per table.
    async fn list_tables(&self, database: &str) -> Result<Vec<Table>, CatalogError>;
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
    /// The partitions whose values pass `filter`, whose key is named. Backends that can filter
    /// server-side (Glue's `Expression`) do; the default filters what `list_partitions` gives.
    async fn list_partitions_where(
        &self,
        database: &str,
        table: &str,
        keys: &[String],
        filter: &PartitionFilter,
    ) -> Result<Vec<Partition>, CatalogError> {
        Ok(self
            .list_partitions(database, table)
            .await?
            .into_iter()
            .filter(|partition| filter.admits_partition(keys, &partition.values))
            .collect())
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
