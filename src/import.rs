//! Import: write the YAML definitions of tables that already live in the catalog (crawler-made
//! ones, typically), so that a team can move off crawlers and `plan` shows no changes after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::athena;
use crate::catalog::{
    Catalog, CatalogError, Column, PARQUET_INPUT_FORMAT, PARQUET_SERDE, Partition, Table,
};
use crate::declare::{
    self, ColumnSpec, DATABASE_FILE, DatabaseFile, DeclareError, TableFile, unlocated,
};
use crate::hive::same_name;
use crate::location::Location;

/// Table parameters a crawler keeps for its own bookkeeping, or glueprint sets itself: not
/// worth declaring (apply keeps whatever it does not manage).
const NOT_DECLARED: [&str; 11] = [
    "classification",
    "EXTERNAL",
    "CrawlerSchemaDeserializerVersion",
    "CrawlerSchemaSerializerVersion",
    "UPDATED_BY_CRAWLER",
    "averageRecordSize",
    "objectCount",
    "recordCount",
    "sizeKey",
    "compressionType",
    "typeOfData",
];

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Declare(#[from] DeclareError),
}

/// What became of one live table.
#[derive(Debug, Clone)]
pub struct Imported {
    pub table: String,
    /// The file written, or `None` when the table cannot be declared.
    pub path: Option<PathBuf>,
    /// What the definition cannot say, or why the table was left out.
    pub notes: Vec<String>,
    /// Partitions whose own column list differs from the table's (the source of
    /// HIVE_PARTITION_SCHEMA_MISMATCH).
    pub mismatched_partitions: Vec<Vec<String>>,
}

/// Writes `catalogs/<database>/` definitions for the live tables of `database` (all of them,
/// or `tables`).
pub async fn import(
    catalogs: &Path,
    catalog: &dyn Catalog,
    database: &str,
    tables: &[String],
) -> Result<Vec<Imported>, ImportError> {
    let Some(live_database) = catalog.get_database(database).await? else {
        return Err(ImportError::Invalid(format!(
            "database `{database}` does not exist in the catalog"
        )));
    };
    let listing = catalog.list_tables(database).await?;
    let mut live_tables = listing.tables;
    for wanted in tables {
        if !live_tables.iter().any(|t| same_name(&t.name, wanted)) {
            return Err(ImportError::Invalid(format!(
                "table `{wanted}` is not in database `{database}` (it has: {})",
                live_tables
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if !tables.is_empty() {
        live_tables.retain(|t| tables.iter().any(|w| same_name(w, &t.name)));
    }

    let folder = catalogs.join(&live_database.name);
    let database_path = folder.join(DATABASE_FILE);
    let database_file = if database_path.is_file() {
        let text = declare::read(&database_path)?;
        declare::parse::<DatabaseFile>(&database_path, &text)?
    } else {
        let file = new_database_file(
            &live_database.name,
            live_database.location.as_ref(),
            &live_tables,
        );
        declare::write(&database_path, &declare::database_yaml(&file)?)?;
        file
    };
    let root = Location::new(&database_file.location.value);
    let default_keys: Vec<Column> = database_file
        .partition_keys
        .iter()
        .map(ColumnSpec::to_column)
        .collect();

    let mut imported: Vec<Imported> = listing
        .unreadable
        .into_iter()
        .filter(|u| tables.is_empty() || tables.iter().any(|w| same_name(w, &u.name)))
        .map(|unreadable| Imported {
            table: unreadable.name,
            path: None,
            notes: vec![format!(
                "cannot be read ({}): left out; fix or drop it in the catalog",
                unreadable.reason
            )],
            mismatched_partitions: Vec::new(),
        })
        .collect();
    for table in &live_tables {
        let mut notes = Vec::new();
        if let Some(reason) = not_declarable(table) {
            imported.push(Imported {
                table: table.name.clone(),
                path: None,
                notes: vec![reason],
                mismatched_partitions: Vec::new(),
            });
            continue;
        }
        if table
            .parameters
            .get("projection.enabled")
            .is_some_and(|v| v == "true")
        {
            notes.push(
                "partition projection is declared as plain parameters; switch to \
                 `partitions: projection` by hand"
                    .into(),
            );
        }
        let (columns, column_notes) = declarable_columns(&table.storage.columns);
        notes.extend(column_notes);
        let file = table_file(table, columns, &root, &default_keys);
        let path = folder.join(format!("{}.yaml", table.name));
        declare::write(&path, &declare::table_yaml(&file)?)?;
        let partitions = catalog
            .list_partitions(&live_database.name, &table.name)
            .await?;
        imported.push(Imported {
            table: table.name.clone(),
            path: Some(path),
            notes,
            mismatched_partitions: mismatched(table, &partitions),
        });
    }
    Ok(imported)
}

/// Why a live table cannot be declared, if it cannot.
fn not_declarable(table: &Table) -> Option<String> {
    if table.table_type.as_deref() == Some("VIRTUAL_VIEW") {
        return Some("a view, not a table of files: left out".into());
    }
    let parquet = table.storage.input_format.as_deref() == Some(PARQUET_INPUT_FORMAT)
        && table.storage.serde_library.as_deref() == Some(PARQUET_SERDE);
    (!parquet).then(|| {
        format!(
            "not a Parquet table (input format {}, serde {}); glueprint declares Parquet tables \
             only: left out",
            table.storage.input_format.as_deref().unwrap_or("none"),
            table.storage.serde_library.as_deref().unwrap_or("none")
        )
    })
}

/// The database file for tables that have none yet: the lake root is the database's location,
/// or else the folder most tables sit in; partition keys shared by every table become defaults.
fn new_database_file(name: &str, location: Option<&Location>, tables: &[Table]) -> DatabaseFile {
    let mut parents: BTreeMap<Location, usize> = BTreeMap::new();
    for table in tables {
        let parent = table
            .storage
            .location
            .split_last()
            .map(|(parent, _)| parent);
        *parents
            .entry(parent.unwrap_or_else(|| table.storage.location.clone()))
            .or_default() += 1;
    }
    let root = location.cloned().unwrap_or_else(|| {
        parents
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(parent, _)| parent.clone())
            .unwrap_or_else(|| Location::new("."))
    });
    let shared_keys = tables
        .first()
        .map(|first| &first.partition_keys)
        .filter(|keys| {
            tables
                .iter()
                .all(|t| Column::same_list(&t.partition_keys, keys))
        });
    DatabaseFile {
        name: name.to_string(),
        description: None,
        location: unlocated(root.to_string()),
        partition_keys: shared_keys.map(|keys| specs(keys)).unwrap_or_default(),
        parameters: BTreeMap::new(),
        lint: BTreeMap::new(),
    }
}

fn specs(columns: &[Column]) -> Vec<ColumnSpec> {
    columns
        .iter()
        .map(|c| ColumnSpec::new(&c.name, c.ty.clone(), c.comment.clone()))
        .collect()
}

/// The live columns as they can be declared, and what that changes: a type string Athena
/// cannot parse is declared in the form it does (plan then shows the rewrite), and struct
/// fields whose names no type string can carry are left out.
fn declarable_columns(columns: &[Column]) -> (Vec<Column>, Vec<String>) {
    let mut notes = Vec::new();
    let declarable = columns
        .iter()
        .filter_map(|column| {
            if let Err(error) = column.athena_type() {
                notes.push(format!(
                    "column `{}`: {error}; declared as `{}`, and `plan` shows the rewrite",
                    column.name, column.ty
                ));
            }
            let mut column = column.clone();
            column.stored_type = None;
            for (path, why) in athena::unwritable_fields(&column.ty, &column.name) {
                notes.push(format!(
                    "struct field `{path}` cannot be declared because {why}: left out"
                ));
            }
            match athena::writable_only(&column.ty) {
                Some(ty) => column.ty = ty,
                None => {
                    notes.push(format!(
                        "column `{}` has no field a type string can carry: left out",
                        column.name
                    ));
                    return None;
                }
            }
            Some(column)
        })
        .collect();
    (declarable, notes)
}

fn table_file(
    table: &Table,
    columns: Vec<Column>,
    root: &Location,
    default_keys: &[Column],
) -> TableFile {
    let mut file = declare::new_table_file(&table.name, &table.name, specs(&columns));
    file.description = table.description.clone();
    if table.storage.location != root.join(&table.name) {
        file.location = Some(unlocated(table.storage.location.to_string()));
    }
    if !Column::same_list(&table.partition_keys, default_keys) {
        file.partition_keys = Some(specs(&table.partition_keys));
    }
    file.parameters = table
        .parameters
        .iter()
        .filter(|(key, _)| !NOT_DECLARED.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    file
}

/// Partitions whose columns differ from the table's.
fn mismatched(table: &Table, partitions: &[Partition]) -> Vec<Vec<String>> {
    partitions
        .iter()
        .filter(|p| !Column::same_list(&p.storage.columns, &table.storage.columns))
        .map(|p| p.values.clone())
        .collect()
}
