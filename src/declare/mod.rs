//! The declared catalog: YAML files under `catalogs/`, reviewed in pull requests.
//!
//! `catalogs/<database>/database.yaml` declares a Glue database and the lake root whose folders
//! are its tables; `catalogs/<database>/<table>.yaml` declares one table. Parsing is strict
//! (unknown keys, duplicates and bad types are errors with `file:line:column`), and writing is
//! canonical: the same definition always gives the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_saphyr::Location as Span;

use crate::location::Location;
use crate::naming::event_identity;

use crate::catalog::{self, Column, EXTERNAL_TABLE, Storage, Table};
use crate::hive::same_name;

mod file;
mod load;
mod write;

pub use file::{
    ColumnSpec, DatabaseFile, LintLevel, PartitionMode, Projection, ProjectionKind, TableFile,
    TypeSpec, spanned,
};
use load::load_database;
pub use load::{parse, read};
pub use write::{
    database_yaml, format, json_schemas, new_table_file, table_yaml, unlocated, write,
};

/// The catalogs folder unless told otherwise.
pub const DEFAULT_DIR: &str = "catalogs";
pub const DATABASE_FILE: &str = "database.yaml";

/// A declaration error, located in its file.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct DeclareError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl DeclareError {
    fn at(file: &Path, location: &Span, message: impl Into<String>) -> Self {
        Self {
            file: file.display().to_string(),
            line: location.line().max(1),
            column: location.column().max(1),
            message: message.into(),
        }
    }

    fn file(file: &Path, message: impl Into<String>) -> Self {
        Self::at(file, &Span::UNKNOWN, message)
    }
}

/// Every problem of a declared catalog, so one run shows them all.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct DeclareErrors(pub Vec<DeclareError>);

/// An event asked for that no table declares.
#[derive(Debug, thiserror::Error)]
#[error(
    "event `{event}` is not declared under catalogs/ (declared: {}); onboard it with \
     `glueprint onboard \"{event}\"`",
    if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
)]
pub struct UnknownEvent {
    pub event: String,
    pub declared: Vec<String>,
}

/// A loaded, checked declared catalog.
#[derive(Debug, Clone)]
pub struct Declared {
    pub databases: Vec<DeclaredDatabase>,
}

#[derive(Debug, Clone)]
pub struct DeclaredDatabase {
    pub dir: PathBuf,
    pub file: DatabaseFile,
    /// The lake root with environment references resolved.
    pub location: Location,
    pub tables: Vec<DeclaredTable>,
}

/// A declared table with its database: how selected tables travel from stage to stage.
#[derive(Debug, Clone, Copy)]
pub struct TableRef<'a> {
    pub database: &'a DeclaredDatabase,
    pub table: &'a DeclaredTable,
}

impl PartialEq for TableRef<'_> {
    /// The same declaration, not an equal one.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.table, other.table)
    }
}

#[derive(Debug, Clone)]
pub struct DeclaredTable {
    pub path: PathBuf,
    pub file: TableFile,
    /// Where the files are, resolved.
    pub location: Location,
    pub partition_keys: Vec<Column>,
}

impl Declared {
    /// Loads every `database.yaml` and table file below `dir`.
    pub fn load(dir: &Path) -> Result<Declared, DeclareErrors> {
        let mut errors = Vec::new();
        let mut databases = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|error| {
            DeclareErrors(vec![DeclareError::file(
                dir,
                format!(
                    "cannot read the catalogs folder ({error}); run from the repository root or \
                     pass --catalogs DIR"
                ),
            )])
        })?;
        let mut folders: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            match load_database(&folder) {
                Ok(database) => databases.push(database),
                Err(mut more) => errors.append(&mut more),
            }
        }
        if errors.is_empty() {
            Ok(Declared { databases })
        } else {
            Err(DeclareErrors(errors))
        }
    }

    /// The declared tables of `events` (CleverTap names, or table names); every declared table
    /// when `events` is empty. An event that is not declared is an error that lists the
    /// declared ones.
    pub fn select(&self, events: &[String]) -> Result<Vec<TableRef<'_>>, UnknownEvent> {
        if events.is_empty() {
            return Ok(self.of_all());
        }
        let mut selected: Vec<TableRef<'_>> = Vec::new();
        for event in events {
            let found = self.of_events(std::slice::from_ref(event));
            if found.is_empty() {
                return Err(UnknownEvent {
                    event: event.clone(),
                    declared: self
                        .of_all()
                        .iter()
                        .map(|t| t.table.file.event.clone())
                        .collect(),
                });
            }
            for table in found {
                if !selected.contains(&table) {
                    selected.push(table);
                }
            }
        }
        Ok(selected)
    }

    /// The declared tables of those of `events` that are declared, in declaration order.
    pub fn of_events(&self, events: &[String]) -> Vec<TableRef<'_>> {
        let wanted: Vec<String> = events.iter().map(|e| event_identity(e)).collect();
        self.of_all()
            .into_iter()
            .filter(|t| {
                wanted.contains(&event_identity(&t.table.file.event))
                    || events.contains(&t.table.file.name)
            })
            .collect()
    }

    /// Every declared table, in declaration order.
    pub fn of_all(&self) -> Vec<TableRef<'_>> {
        self.databases
            .iter()
            .flat_map(|database| {
                database
                    .tables
                    .iter()
                    .map(move |table| TableRef { database, table })
            })
            .collect()
    }

    /// The declaration reduced to the selected tables.
    pub fn only(&self, selected: &[TableRef<'_>]) -> Declared {
        Declared {
            databases: self
                .databases
                .iter()
                .map(|database| DeclaredDatabase {
                    dir: database.dir.clone(),
                    file: database.file.clone(),
                    location: database.location.clone(),
                    tables: database
                        .tables
                        .iter()
                        .filter(|&table| selected.iter().any(|s| std::ptr::eq(s.table, table)))
                        .cloned()
                        .collect(),
                })
                .collect(),
        }
    }

    /// The only database, or the one named: where `onboard` writes.
    pub fn database(&self, name: Option<&str>) -> Result<&DeclaredDatabase, String> {
        match name {
            Some(name) => self
                .databases
                .iter()
                .find(|d| same_name(&d.file.name, name))
                .ok_or_else(|| format!("no database `{name}` is declared under catalogs/")),
            None => match self.databases.as_slice() {
                [only] => Ok(only),
                [] => {
                    Err("no database is declared: create catalogs/<database>/database.yaml".into())
                }
                _ => Err(format!(
                    "several databases are declared ({}); pass --database",
                    self.databases
                        .iter()
                        .map(|d| d.file.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
        }
    }
}

impl DeclaredTable {
    /// The table as the live catalog should hold it.
    pub fn desired(&self, database: &DeclaredDatabase) -> Table {
        let mut parameters = database.file.parameters.clone();
        parameters.extend(self.file.parameters.clone());
        parameters.insert("classification".into(), "parquet".into());
        if let PartitionMode::Projection(projection) = &self.file.partitions {
            parameters.insert("projection.enabled".into(), "true".into());
            for (key, spec) in projection {
                let prefix = format!("projection.{key}");
                parameters.insert(format!("{prefix}.type"), spec.kind.as_str().into());
                let optional = [
                    ("range", spec.range.clone()),
                    ("format", spec.format.clone()),
                    ("interval", spec.interval.map(|i| i.to_string())),
                    ("interval.unit", spec.interval_unit.clone()),
                    ("values", spec.values.clone()),
                ];
                for (name, value) in optional {
                    if let Some(value) = value {
                        parameters.insert(format!("{prefix}.{name}"), value);
                    }
                }
            }
            let template: String = self
                .partition_keys
                .iter()
                .map(|key| format!("{0}=${{{0}}}/", key.name))
                .collect();
            parameters.insert(
                "storage.location.template".into(),
                format!("{}{template}", self.location),
            );
        }
        Table {
            name: self.file.name.clone(),
            description: self.file.description.clone(),
            owner: None,
            table_type: Some(EXTERNAL_TABLE.into()),
            parameters,
            storage: Storage::parquet(
                self.location.clone(),
                self.file
                    .columns
                    .iter()
                    .map(ColumnSpec::to_column)
                    .collect(),
            ),
            partition_keys: self.partition_keys.clone(),
            version: None,
            view_text: None,
        }
    }

    /// What Glue's API would refuse in this table (catalog-facts §2), found before any call:
    /// comments over 255 characters or on several lines, a description over 2,048 characters,
    /// names over 255 bytes, type strings over 131,072 characters, parameter keys over 255
    /// characters and values over 512,000.
    pub fn glue_limit_errors(&self, database: &DeclaredDatabase) -> Vec<DeclareError> {
        let path = self.path.as_path();
        let mut errors = Vec::new();
        for column in &self.file.columns {
            let at = |message: String| DeclareError::at(path, &column.name.referenced, message);
            let name = &column.name.value;
            if name.len() > 255 {
                errors.push(at(format!(
                    "column name `{name}` is {} bytes long; Glue takes at most 255",
                    name.len()
                )));
            }
            if let Some(comment) = &column.comment {
                if comment.chars().count() > 255 {
                    errors.push(at(format!(
                        "the comment of `{name}` is {} characters long; Glue takes at most 255",
                        comment.chars().count()
                    )));
                }
                if comment.contains(['\n', '\r']) {
                    errors.push(at(format!(
                        "the comment of `{name}` spans lines; Glue takes one line: join them"
                    )));
                }
            }
            let type_length = column.ty.0.to_string().chars().count();
            if type_length > 131_072 {
                errors.push(at(format!(
                    "the type of `{name}` is {type_length} characters long; Glue takes at most \
                     131,072: split the struct"
                )));
            }
        }
        for key in &self.partition_keys {
            if key.name.len() > 255 {
                errors.push(DeclareError::file(
                    path,
                    format!(
                        "partition key `{}` is {} bytes long; Glue takes at most 255",
                        key.name,
                        key.name.len()
                    ),
                ));
            }
        }
        if let Some(description) = &self.file.description
            && description.chars().count() > 2048
        {
            errors.push(DeclareError::file(
                path,
                format!(
                    "the description is {} characters long; Glue takes at most 2,048",
                    description.chars().count()
                ),
            ));
        }
        for (key, value) in &self.desired(database).parameters {
            if key.chars().count() > 255 {
                errors.push(DeclareError::file(
                    path,
                    format!("parameter key `{key}` is over 255 characters; Glue refuses it"),
                ));
            }
            if value.chars().count() > 512_000 {
                errors.push(DeclareError::file(
                    path,
                    format!("the value of parameter `{key}` is over 512,000 characters"),
                ));
            }
        }
        errors
    }

    pub fn registers_partitions(&self) -> bool {
        self.file.partitions.is_registered()
    }
}

impl DeclaredDatabase {
    pub fn desired(&self) -> catalog::Database {
        catalog::Database {
            name: self.file.name.clone(),
            description: self.file.description.clone(),
            location: Some(self.location.clone()),
            parameters: BTreeMap::new(),
        }
    }
}
