//! The embedded local catalog: the same shapes as Glue, in one SQLite file, for working
//! without an AWS account.
//!
//! Every call is one SQLite transaction, so a crash leaves each table, and each batch of
//! partitions, either wholly written or not at all. Names are folded to lowercase as Glue folds
//! them.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{
    Catalog, CatalogError, Database, Partition, PartitionFailure, PartitionFailureKind, Table,
    TableListing, UnreadableTable,
};

/// Where the local catalog lives unless told otherwise.
pub const DEFAULT_PATH: &str = ".glueprint/catalog.db";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS databases (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
    database TEXT NOT NULL REFERENCES databases (name),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (database, name)
);
CREATE TABLE IF NOT EXISTS partitions (
    database TEXT NOT NULL,
    table_name TEXT NOT NULL,
    partition_values TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (database, table_name, partition_values),
    FOREIGN KEY (database, table_name) REFERENCES tables (database, name)
);
";

/// Stamped into the file (SQLite's `application_id`, "glup"), so a foreign SQLite file is
/// refused instead of written into.
const APPLICATION_ID: i32 = 0x676c_7570;

/// Another run writing the catalog holds its lock this long at most before we give up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Refuses a SQLite file that is not a glueprint catalog: stamped by another application, or
/// unstamped with tables of its own (catalogs made before the stamp hold only ours).
fn check_ours(connection: &Connection, path: &Path) -> Result<(), CatalogError> {
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|error| opening_failed(path, error))?;
    let id: i32 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|error| opening_failed(path, error))?;
    let foreign_tables: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
             AND name NOT IN ('databases', 'tables', 'partitions')",
            [],
            |row| row.get(0),
        )
        .map_err(|error| opening_failed(path, error))?;
    if id == APPLICATION_ID || (id == 0 && foreign_tables == 0) {
        Ok(())
    } else {
        Err(CatalogError::store(format!(
            "{} is a SQLite file of another application, not a glueprint catalog; nothing was \
             written to it: pass another --catalog-path",
            path.display()
        )))
    }
}

fn opening_failed(path: &Path, error: rusqlite::Error) -> CatalogError {
    let busy = matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    );
    if busy {
        CatalogError::caused(
            format!(
                "another glueprint run has held {} for {}s; let it finish, then run again",
                path.display(),
                BUSY_TIMEOUT.as_secs()
            ),
            error,
        )
    } else {
        CatalogError::caused(
            format!(
                "{} cannot be read as a glueprint catalog ({error}); if it is damaged, restore \
                 it from a copy or pass another --catalog-path",
                path.display()
            ),
            error,
        )
    }
}

#[derive(Debug)]
pub struct LocalCatalog {
    connection: Mutex<Connection>,
    /// Plan, drift and lint never write: writes are refused before they reach the file.
    read_only: bool,
}

fn store_error(error: impl std::error::Error + Send + Sync + 'static) -> CatalogError {
    CatalogError::caused(format!("the local catalog failed: {error}"), error)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, CatalogError> {
    serde_json::to_string(value).map_err(store_error)
}

fn from_json<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, CatalogError> {
    serde_json::from_str(body).map_err(|error| {
        CatalogError::caused(format!("a stored entry is unreadable ({error})"), error)
    })
}

fn values_key(values: &[String]) -> Result<String, CatalogError> {
    to_json(&values)
}

impl LocalCatalog {
    /// Opens (creating when missing) the catalog file at `path`.
    pub fn open(path: &Path) -> Result<Self, CatalogError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| {
                CatalogError::caused(format!("cannot create {}: {error}", path.display()), error)
            })?;
        }
        let connection = Connection::open(path).map_err(|error| {
            CatalogError::caused(format!("cannot open {}: {error}", path.display()), error)
        })?;
        check_ours(&connection, path)?;
        connection
            .execute_batch("PRAGMA foreign_keys = ON;")
            .and_then(|()| connection.execute_batch(SCHEMA))
            .and_then(|()| connection.pragma_update(None, "application_id", APPLICATION_ID))
            .map_err(|error| opening_failed(path, error))?;
        Ok(Self {
            connection: Mutex::new(connection),
            read_only: false,
        })
    }

    /// Opens the catalog at `path` for reading only; a catalog that does not exist yet reads
    /// as an empty one, and no file is created.
    pub fn open_read_only(path: &Path) -> Result<Self, CatalogError> {
        let opened = if path.exists() {
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        } else {
            Connection::open_in_memory()
                .and_then(|connection| connection.execute_batch(SCHEMA).map(|()| connection))
        };
        let connection = opened.map_err(|error| {
            CatalogError::caused(format!("cannot open {}: {error}", path.display()), error)
        })?;
        check_ours(&connection, path)?;
        Ok(Self {
            connection: Mutex::new(connection),
            read_only: true,
        })
    }

    /// Writes go through here, so a read-only catalog refuses them before touching the file.
    fn write<T>(
        &self,
        operation: &str,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, CatalogError>,
    ) -> Result<T, CatalogError> {
        if self.read_only {
            return Err(CatalogError::ReadOnly(operation.to_string()));
        }
        self.with(work)
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, CatalogError>,
    ) -> Result<T, CatalogError> {
        let mut connection = self.connection.lock().map_err(|_| {
            CatalogError::store(
                "the local catalog failed: the catalog connection was poisoned by an earlier panic",
            )
        })?;
        let transaction = connection.transaction().map_err(store_error)?;
        let result = work(&transaction)?;
        transaction.commit().map_err(store_error)?;
        Ok(result)
    }
}

fn database_exists(
    transaction: &rusqlite::Transaction<'_>,
    database: &str,
) -> Result<bool, CatalogError> {
    transaction
        .query_row(
            "SELECT 1 FROM databases WHERE name = ?1",
            params![database],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
        .map_err(store_error)
}

fn table_exists(
    transaction: &rusqlite::Transaction<'_>,
    database: &str,
    table: &str,
) -> Result<bool, CatalogError> {
    transaction
        .query_row(
            "SELECT 1 FROM tables WHERE database = ?1 AND name = ?2",
            params![database, table],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
        .map_err(store_error)
}

fn read_table(body: &str, version: i64) -> Result<Table, CatalogError> {
    let mut table: Table = from_json(body)?;
    table.version = Some(version.to_string());
    Ok(table)
}

#[async_trait]
impl Catalog for LocalCatalog {
    async fn get_database(&self, name: &str) -> Result<Option<Database>, CatalogError> {
        let name = name.to_lowercase();
        self.with(|tx| {
            let body: Option<String> = tx
                .query_row(
                    "SELECT body FROM databases WHERE name = ?1",
                    params![name],
                    |row| row.get(0),
                )
                .optional()
                .map_err(store_error)?;
            body.map(|body| from_json(&body)).transpose()
        })
    }

    async fn create_database(&self, database: &Database) -> Result<(), CatalogError> {
        let mut database = database.clone();
        database.name = database.name.to_lowercase();
        self.write("CreateDatabase", |tx| {
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO databases (name, body) VALUES (?1, ?2)",
                    params![database.name, to_json(&database)?],
                )
                .map_err(store_error)?;
            if inserted == 0 {
                return Err(CatalogError::AlreadyExists(database.name.clone()));
            }
            Ok(())
        })
    }

    async fn list_tables(&self, database: &str) -> Result<TableListing, CatalogError> {
        let database = database.to_lowercase();
        self.with(|tx| {
            let mut statement = tx
                .prepare("SELECT name, body, version FROM tables WHERE database = ?1 ORDER BY name")
                .map_err(store_error)?;
            let rows = statement
                .query_map(params![database], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                })
                .map_err(store_error)?;
            let mut listing = TableListing::default();
            for row in rows {
                let (name, body, version) = row.map_err(store_error)?;
                match read_table(&body, version) {
                    Ok(table) => listing.tables.push(table),
                    Err(error) => listing.unreadable.push(UnreadableTable {
                        name,
                        reason: error.to_string(),
                    }),
                }
            }
            Ok(listing)
        })
    }

    async fn get_table(&self, database: &str, name: &str) -> Result<Option<Table>, CatalogError> {
        let (database, name) = (database.to_lowercase(), name.to_lowercase());
        self.with(|tx| {
            let row: Option<(String, i64)> = tx
                .query_row(
                    "SELECT body, version FROM tables WHERE database = ?1 AND name = ?2",
                    params![database, name],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(store_error)?;
            row.map(|(body, version)| read_table(&body, version))
                .transpose()
        })
    }

    async fn create_table(&self, database: &str, table: &Table) -> Result<(), CatalogError> {
        let database = database.to_lowercase();
        let mut table = table.clone();
        table.name = table.name.to_lowercase();
        table.version = None;
        self.write("CreateTable", |tx| {
            if !database_exists(tx, &database)? {
                return Err(CatalogError::NoDatabase(database.clone()));
            }
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO tables (database, name, version, body) VALUES (?1, ?2, 1, ?3)",
                    params![database, table.name, to_json(&table)?],
                )
                .map_err(store_error)?;
            if inserted == 0 {
                return Err(CatalogError::AlreadyExists(format!(
                    "{database}.{}",
                    table.name
                )));
            }
            Ok(())
        })
    }

    async fn update_table(&self, database: &str, table: &Table) -> Result<(), CatalogError> {
        let database = database.to_lowercase();
        let mut table = table.clone();
        table.name = table.name.to_lowercase();
        let expected = table.version.take().unwrap_or_default();
        self.write("UpdateTable", |tx| {
            let current: Option<i64> = tx
                .query_row(
                    "SELECT version FROM tables WHERE database = ?1 AND name = ?2",
                    params![database, table.name],
                    |row| row.get(0),
                )
                .optional()
                .map_err(store_error)?;
            let Some(current) = current else {
                return Err(CatalogError::NoTable(format!("{database}.{}", table.name)));
            };
            if current.to_string() != expected {
                return Err(CatalogError::ConcurrentModification {
                    table: format!("{database}.{}", table.name),
                    expected: expected.clone(),
                    found: current.to_string(),
                });
            }
            tx.execute(
                "UPDATE tables SET version = version + 1, body = ?3 WHERE database = ?1 AND name = ?2",
                params![database, table.name, to_json(&table)?],
            )
            .map_err(store_error)?;
            Ok(())
        })
    }

    async fn list_partitions(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<Partition>, CatalogError> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        self.with(|tx| {
            let mut statement = tx
                .prepare(
                    "SELECT body FROM partitions WHERE database = ?1 AND table_name = ?2 \
                     ORDER BY partition_values",
                )
                .map_err(store_error)?;
            let rows = statement
                .query_map(params![database, table], |row| row.get::<_, String>(0))
                .map_err(store_error)?;
            let mut partitions = Vec::new();
            for body in rows {
                partitions.push(from_json(&body.map_err(store_error)?)?);
            }
            Ok(partitions)
        })
    }

    async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        self.write("BatchCreatePartition", |tx| {
            if !table_exists(tx, &database, &table)? {
                return Err(CatalogError::NoTable(format!("{database}.{table}")));
            }
            let mut failures = Vec::new();
            for partition in partitions {
                let inserted = tx
                    .execute(
                        "INSERT OR IGNORE INTO partitions (database, table_name, partition_values, body) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![database, table, values_key(&partition.values)?, to_json(partition)?],
                    )
                    .map_err(store_error)?;
                if inserted == 0 {
                    failures.push(PartitionFailure {
                        values: partition.values.clone(),
                        kind: PartitionFailureKind::AlreadyExists,
                        message: "the partition already exists".into(),
                    });
                }
            }
            Ok(failures)
        })
    }

    async fn update_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        self.write("BatchUpdatePartition", |tx| {
            let mut failures = Vec::new();
            for partition in partitions {
                let updated = tx
                    .execute(
                        "UPDATE partitions SET body = ?4 \
                         WHERE database = ?1 AND table_name = ?2 AND partition_values = ?3",
                        params![
                            database,
                            table,
                            values_key(&partition.values)?,
                            to_json(partition)?
                        ],
                    )
                    .map_err(store_error)?;
                if updated == 0 {
                    failures.push(PartitionFailure {
                        values: partition.values.clone(),
                        kind: PartitionFailureKind::NotFound,
                        message: "the partition does not exist".into(),
                    });
                }
            }
            Ok(failures)
        })
    }

    async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        let (database, table) = (database.to_lowercase(), table.to_lowercase());
        self.write("BatchDeletePartition", |tx| {
            let mut failures = Vec::new();
            for partition_values in values {
                let deleted = tx
                    .execute(
                        "DELETE FROM partitions \
                         WHERE database = ?1 AND table_name = ?2 AND partition_values = ?3",
                        params![database, table, values_key(partition_values)?],
                    )
                    .map_err(store_error)?;
                if deleted == 0 {
                    failures.push(PartitionFailure {
                        values: partition_values.clone(),
                        kind: PartitionFailureKind::NotFound,
                        message: "the partition does not exist".into(),
                    });
                }
            }
            Ok(failures)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Storage};
    use crate::hive::HiveType;

    fn table(name: &str) -> Table {
        Table {
            name: name.into(),
            description: None,
            owner: None,
            table_type: Some(crate::catalog::EXTERNAL_TABLE.into()),
            parameters: Default::default(),
            storage: Storage::parquet(
                format!("lake/{name}/").into(),
                vec![Column::new("id", HiveType::String)],
            ),
            partition_keys: vec![Column::new("dt", HiveType::String)],
            version: None,
            view_text: None,
        }
    }

    fn partition(day: &str) -> Partition {
        Partition {
            values: vec![day.into()],
            storage: Storage::parquet(format!("lake/t/dt={day}/").into(), vec![]),
            parameters: Default::default(),
        }
    }

    async fn catalog_with_table() -> (tempfile::TempDir, LocalCatalog) {
        let dir = tempfile::tempdir().unwrap();
        let catalog = LocalCatalog::open(&dir.path().join("nested/catalog.db")).unwrap();
        catalog
            .create_database(&Database {
                name: "Events".into(),
                description: None,
                location: None,
                parameters: Default::default(),
            })
            .await
            .unwrap();
        catalog.create_table("events", &table("T")).await.unwrap();
        (dir, catalog)
    }

    #[tokio::test]
    async fn tables_round_trip_with_versions_and_folded_names() {
        let (_dir, catalog) = catalog_with_table().await;
        let read = catalog.get_table("EVENTS", "t").await.unwrap().unwrap();
        assert_eq!(read.name, "t");
        assert_eq!(read.version.as_deref(), Some("1"));
        assert_eq!(read.storage, table("T").storage);
        assert!(matches!(
            catalog.create_table("events", &table("t")).await,
            Err(CatalogError::AlreadyExists(_))
        ));
        assert!(matches!(
            catalog.create_table("nope", &table("x")).await,
            Err(CatalogError::NoDatabase(_))
        ));
        assert_eq!(catalog.list_tables("events").await.unwrap().tables.len(), 1);
    }

    #[tokio::test]
    async fn a_stale_version_is_rejected_and_nothing_is_written() {
        let (_dir, catalog) = catalog_with_table().await;
        let mut first = catalog.get_table("events", "t").await.unwrap().unwrap();
        let mut second = first.clone();
        first.description = Some("first writer".into());
        catalog.update_table("events", &first).await.unwrap();
        second.description = Some("second writer".into());
        let error = catalog.update_table("events", &second).await.unwrap_err();
        assert!(
            error
                .to_string()
                .contains("changed by someone else since it was read (version 1 read, 2 now)"),
            "{error}"
        );
        let now = catalog.get_table("events", "t").await.unwrap().unwrap();
        assert_eq!(now.description.as_deref(), Some("first writer"));
        assert_eq!(now.version.as_deref(), Some("2"));
    }

    #[tokio::test]
    async fn partition_batches_report_per_partition_failures() {
        let (_dir, catalog) = catalog_with_table().await;
        let created = catalog
            .create_partitions("events", "t", &[partition("1"), partition("2")])
            .await
            .unwrap();
        assert!(created.is_empty());
        let again = catalog
            .create_partitions("events", "t", &[partition("2"), partition("3")])
            .await
            .unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].values, ["2"]);
        assert_eq!(again[0].kind, PartitionFailureKind::AlreadyExists);
        assert_eq!(
            catalog.list_partitions("events", "t").await.unwrap().len(),
            3
        );
        let deleted = catalog
            .delete_partitions("events", "t", &[vec!["1".into()], vec!["9".into()]])
            .await
            .unwrap();
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].kind, PartitionFailureKind::NotFound);
        assert!(matches!(
            catalog
                .create_partitions("events", "missing", &[partition("1")])
                .await,
            Err(CatalogError::NoTable(_))
        ));
    }

    #[test]
    fn a_file_that_is_not_a_catalog_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        std::fs::write(
            &path,
            b"this is not sqlite at all, just text that is long enough",
        )
        .unwrap();
        let error = LocalCatalog::open(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("cannot be read as a glueprint catalog (file is not a database)"),
            "{error}"
        );
    }
}
