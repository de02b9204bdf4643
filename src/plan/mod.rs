//! The plan: a three-way comparison of the data (footers), the declaration (YAML) and the live
//! catalog, as a value. `apply` executes a plan and nothing else; rendering is elsewhere.
//!
//! The declaration is the truth for the catalog. The data never changes a table by itself: what
//! the data has and the declaration lacks is reported as drift, for a person to declare.

use std::collections::HashMap;

use serde::Serialize;

use crate::catalog::{Catalog, CatalogError, Column, Database, Partition, Table, TableListing};
use crate::declare::{DeclareErrors, DeclaredDatabase, DeclaredTable, TableRef};
use crate::hive::{same_name, same_names};
use crate::location::Location;
use crate::partition_filter::PartitionFilter;
use crate::problem::{Problem, Severity};
use crate::scan::{self, ScanOptions, TableReport};
use crate::views;

mod data;
mod partitions;
mod table;

use data::data_drift;
use partitions::{follow_table_columns, partition_changes, partition_changes_without_data};
use table::{creation_changes, definition_text, merged_target, table_changes};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("{0}\nnothing was read from the catalog: fix the declarations, then plan again")]
    GlueLimits(DeclareErrors),
    #[error(
        "the partition condition names `{key}`, which is not a partition key of {table} (its \
         keys: {keys}); name one of them"
    )]
    UnknownPartitionKey {
        key: String,
        table: String,
        keys: String,
    },
    #[error(
        "{database}.{view} exists in the catalog and is not a view; the typed view of {table} \
         needs that name: rename or drop the table"
    )]
    ViewNameTaken {
        database: String,
        view: String,
        table: String,
    },
    #[error(
        "the Glue catalog takes s3:// locations only, and these tables are elsewhere:\n  {}\n\
         set the database location to the lake's S3 prefix (e.g. GLUEPRINT_LAKE=s3://bucket/lake/), \
         or use --catalog local for a local lake",
        .0.join("\n  ")
    )]
    NotInS3(Vec<String>),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    #[error("the definition of view {view} cannot be encoded ({source}); please report this")]
    ViewEncoding {
        view: String,
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub databases: Vec<DatabasePlan>,
    pub tables: Vec<TablePlan>,
    /// Typed views over the union maps of tables that declare properties.
    pub views: Vec<ViewPlan>,
    /// Live tables glueprint cannot read, left out of the plan so the rest can go ahead.
    pub skipped: Vec<SkippedTable>,
}

/// A table's typed view (`<table>_v`), to create or to update when its definition changed.
#[derive(Debug, Clone, Serialize)]
pub struct ViewPlan {
    pub database: String,
    pub name: String,
    /// The table it reads.
    pub table: String,
    pub action: Action,
    /// The view's SQL, as Athena runs it.
    pub sql: String,
    /// Property keys whose column name had to be made unique: (key, column).
    pub renamed: Vec<(String, String)>,
    /// The view apply writes.
    #[serde(skip)]
    pub target: Table,
}

/// A declared table whose live counterpart cannot be read: planned neither way.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedTable {
    pub database: String,
    pub name: String,
    pub event: String,
    /// The YAML file that declares it.
    #[serde(skip)]
    pub file: std::path::PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabasePlan {
    pub name: String,
    pub action: Action,
    #[serde(skip)]
    pub desired: Database,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    None,
}

#[derive(Debug, Clone, Serialize)]
pub struct TablePlan {
    pub database: String,
    pub name: String,
    pub event: String,
    /// The YAML file that declares it.
    #[serde(skip)]
    pub file: std::path::PathBuf,
    pub location: Location,
    pub action: Action,
    /// Table-level changes, column by column and field by field.
    pub changes: Vec<Change>,
    pub partitions: PartitionChanges,
    /// What the data holds that the declaration does not say, or cannot read.
    pub drift: Vec<Drift>,
    /// Errors found reading the data (unreadable files, conflicts, layouts).
    pub data_problems: Vec<Problem>,
    /// Registered partitions whose own column list differs from the live table's: Athena may
    /// fail on them with HIVE_PARTITION_SCHEMA_MISMATCH.
    pub partition_schema_mismatch: Vec<Vec<String>>,
    /// The table apply writes: the live table with the managed fields replaced.
    #[serde(skip)]
    pub target: Table,
    /// The definitions as text, live then declared, for the human diff.
    #[serde(skip)]
    pub definition: (String, String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub subject: String,
    pub kind: ChangeKind,
    pub live: Option<String>,
    pub declared: Option<String>,
    pub destructive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Widened,
    TypeChanged,
    /// The live type string is one Athena cannot parse: every query on the table fails.
    UnparsableType,
    CommentChanged,
    Dropped,
    Changed,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionChanges {
    /// In the data, not registered.
    pub create: Vec<PartitionRef>,
    /// Registered at another location than where the data is (destructive: it changes what
    /// the partition reads).
    pub relocate: Vec<Relocation>,
    /// Registered, with no data (deleting them is destructive).
    pub without_data: Vec<PartitionRef>,
    /// Registered with a column list other than the table's: Athena reads a partition with its
    /// own columns, so they are updated to the table's (not destructive: the files stay).
    pub columns: Vec<Vec<String>>,
    #[serde(skip)]
    pub to_create: Vec<Partition>,
    #[serde(skip)]
    pub to_update: Vec<Partition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionRef {
    pub values: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relocation {
    pub values: Vec<String>,
    pub live: Location,
    pub data: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    /// A column in the data that the declaration lacks.
    UndeclaredColumn { column: String, data_type: String },
    /// A struct field in the data that the declared struct lacks.
    UndeclaredField { path: String, data_type: String },
    /// Files whose type the declared type cannot read (Athena would fail with HIVE_BAD_DATA).
    Unreadable {
        column: String,
        declared: String,
        data_type: String,
        /// How Parquet stores it: what the reader decides by.
        parquet_type: String,
        /// What goes wrong, when not the whole query: values out of range, wrong values.
        #[serde(skip_serializing_if = "Option::is_none")]
        why: Option<String>,
        files: u64,
        objects: Vec<String>,
    },
    /// Files the declared type reads, but with less meaning than the file holds (decimals
    /// rounded, text cut, epoch counts as numbers).
    LossyRead {
        column: String,
        declared: String,
        data_type: String,
        parquet_type: String,
        why: String,
        files: u64,
        objects: Vec<String>,
    },
    /// The data is partitioned by other keys than declared.
    PartitionKeys {
        declared: Vec<String>,
        data: Vec<String>,
    },
}

/// One data-drift finding as a sentence.
impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sentence = match self {
            Drift::UndeclaredColumn { column, data_type } => {
                format!("column `{column}` ({data_type}) is in the data but not declared")
            }
            Drift::UndeclaredField { path, data_type } => {
                format!("struct field `{path}` ({data_type}) is in the data but not declared")
            }
            Drift::Unreadable {
                column,
                declared,
                data_type,
                parquet_type,
                why,
                files,
                objects,
            } => format!(
                "column `{column}` is declared {declared} but {files} file(s) hold {data_type} \
                 ({parquet_type}), which {} (HIVE_BAD_DATA): {}",
                why.as_deref()
                    .map_or("Athena cannot read".to_string(), |why| format!(
                        "Athena reads wrongly: {why}"
                    )),
                objects.join(", ")
            ),
            Drift::LossyRead {
                column,
                declared,
                parquet_type,
                why,
                files,
                ..
            } => format!(
                "column `{column}` is declared {declared} and {files} file(s) hold {parquet_type}: \
                 it reads, but {why}"
            ),
            Drift::PartitionKeys { declared, data } => format!(
                "the data is partitioned by ({}) but the declaration says ({}); no partitions are \
             registered until they agree",
                data.join(", "),
                declared.join(", ")
            ),
        };
        f.write_str(&sentence)
    }
}

impl TablePlan {
    pub fn has_changes(&self) -> bool {
        self.action != Action::None
            || !self.partitions.create.is_empty()
            || !self.partitions.relocate.is_empty()
            || !self.partitions.without_data.is_empty()
            || !self.partitions.columns.is_empty()
    }

    pub fn destructive(&self) -> Vec<String> {
        let mut found: Vec<String> = self
            .changes
            .iter()
            .filter(|c| c.destructive)
            .map(|c| format!("{}.{}: {}", self.database, self.name, c.subject))
            .collect();
        for relocation in &self.partitions.relocate {
            found.push(format!(
                "{}.{}: partition {} moves from {} to {}",
                self.database,
                self.name,
                relocation.values.join("/"),
                relocation.live,
                relocation.data
            ));
        }
        for partition in &self.partitions.without_data {
            found.push(format!(
                "{}.{}: partition {} has no data and would be deleted",
                self.database,
                self.name,
                partition.values.join("/")
            ));
        }
        found
    }
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.databases.iter().any(|d| d.action != Action::None)
            || self.tables.iter().any(TablePlan::has_changes)
            || self.views.iter().any(|v| v.action != Action::None)
    }

    pub fn destructive(&self) -> Vec<String> {
        self.tables
            .iter()
            .flat_map(TablePlan::destructive)
            .collect()
    }
}

/// Checks what can be checked before reading anything: Glue's field limits, and that the
/// partition condition names a partition key of every selected table.
fn check(selected: &[TableRef<'_>], partitions: Option<&PartitionFilter>) -> Result<(), PlanError> {
    let mut over_limits = Vec::new();
    for selected in selected {
        over_limits.extend(selected.table.glue_limit_errors(selected.database));
    }
    if !over_limits.is_empty() {
        return Err(PlanError::GlueLimits(DeclareErrors(over_limits)));
    }
    if let Some(key) = partitions.and_then(|f| f.key.as_ref()) {
        for &TableRef { table, .. } in selected {
            if !table.partition_keys.iter().any(|k| same_name(&k.name, key)) {
                return Err(PlanError::UnknownPartitionKey {
                    key: key.clone(),
                    table: table.path.display().to_string(),
                    keys: table
                        .partition_keys
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
    }
    Ok(())
}

/// Athena and Spectrum read Glue tables from S3 only: a local folder registered in Glue would
/// make a table that no engine can read.
fn check_in_s3(selected: &[TableRef<'_>]) -> Result<(), PlanError> {
    let elsewhere: Vec<String> = selected
        .iter()
        .map(|selected| selected.table)
        .filter(|table| !table.location.is_s3())
        .map(|table| format!("{} ({})", table.path.display(), table.location))
        .collect();
    if elsewhere.is_empty() {
        Ok(())
    } else {
        Err(PlanError::NotInS3(elsewhere))
    }
}

/// The plan for the selected tables, writing nothing: checked first (Glue's limits, the
/// partition condition, and S3 locations when the catalog is one engines read from S3), then
/// their folders scanned with `options` and the live catalog read. With a partition condition,
/// only the partitions it admits are compared.
pub async fn compute(
    selected: &[TableRef<'_>],
    catalog: &dyn Catalog,
    options: &ScanOptions,
) -> Result<Plan, PlanError> {
    if catalog.needs_s3_locations() {
        check_in_s3(selected)?;
    }
    check(selected, options.partitions.as_ref())?;
    let reports = scan::scan_tables(selected.iter().map(|s| &s.table.location), options).await?;
    from_scans(selected, catalog, &reports, options.partitions.as_ref()).await
}

/// The plan from the selected tables' scans (keyed by table location) and the live catalog,
/// for callers that scanned themselves; unlike [`compute`], it checks nothing first.
pub async fn from_scans(
    selected: &[TableRef<'_>],
    catalog: &dyn Catalog,
    reports: &HashMap<Location, TableReport>,
    partitions: Option<&PartitionFilter>,
) -> Result<Plan, PlanError> {
    // Databases in the order their first table was selected.
    let mut by_database: Vec<(&DeclaredDatabase, Vec<&DeclaredTable>)> = Vec::new();
    for selected in selected {
        match by_database
            .iter_mut()
            .find(|(database, _)| std::ptr::eq(*database, selected.database))
        {
            Some((_, tables)) => tables.push(selected.table),
            None => by_database.push((selected.database, vec![selected.table])),
        }
    }
    let mut plan = Plan {
        databases: Vec::new(),
        tables: Vec::new(),
        views: Vec::new(),
        skipped: Vec::new(),
    };
    for (database, mut tables) in by_database {
        let live_database = catalog.get_database(&database.file.name).await?;
        plan.databases.push(DatabasePlan {
            name: database.file.name.clone(),
            action: if live_database.is_some() {
                Action::None
            } else {
                Action::Create
            },
            desired: database.desired(),
        });
        let listing = if live_database.is_some() {
            catalog.list_tables(&database.file.name).await?
        } else {
            TableListing::default()
        };
        let live_tables: HashMap<String, Table> = listing
            .tables
            .into_iter()
            .map(|t| (t.name.to_lowercase(), t))
            .collect();
        tables.retain(|table| {
            let Some(unreadable) = listing
                .unreadable
                .iter()
                .find(|u| same_name(&u.name, &table.file.name))
            else {
                return true;
            };
            plan.skipped.push(SkippedTable {
                database: database.file.name.clone(),
                name: table.file.name.clone(),
                event: table.file.event.clone(),
                file: table.path.clone(),
                reason: unreadable.reason.clone(),
            });
            false
        });
        for table in tables {
            let live = live_tables.get(&table.file.name.to_lowercase());
            // A partition filter limits the comparison to the partitions it admits.
            let keys = &table.partition_keys;
            let live_partitions = match (live, partitions) {
                (Some(_), Some(filter)) if table.registers_partitions() => {
                    catalog
                        .list_partitions_where(&database.file.name, &table.file.name, keys, filter)
                        .await?
                }
                (Some(_), None) if table.registers_partitions() => {
                    catalog
                        .list_partitions(&database.file.name, &table.file.name)
                        .await?
                }
                _ => Vec::new(),
            };
            // A change of the table's columns reaches every partition, also those the filter
            // leaves out: Athena reads each partition with its own column list.
            let beyond_filter = match (live, partitions) {
                (Some(live), Some(_))
                    if table.registers_partitions()
                        && !Column::same_list(
                            &live.storage.columns,
                            &table.desired(database).storage.columns,
                        ) =>
                {
                    catalog
                        .list_partitions(&database.file.name, &table.file.name)
                        .await?
                        .into_iter()
                        .filter(|p| !live_partitions.iter().any(|l| l.values == p.values))
                        .collect()
                }
                _ => Vec::new(),
            };
            let report = reports.get(&table.location);
            let mut planned = plan_table(database, table, live, &live_partitions, report);
            follow_table_columns(&mut planned, beyond_filter);
            plan.tables.push(planned);
            if let Some(view) = views::view_of(database, table) {
                let live = live_tables.get(&view.name.to_lowercase());
                plan.views.push(plan_view(
                    &database.file.name,
                    &table.file.name,
                    &view,
                    live,
                )?);
            }
        }
    }
    Ok(plan)
}

/// A table's view against the live one: created when missing, updated when its definition
/// (the SQL and the typed columns, all in the encoded text) differs.
fn plan_view(
    database: &str,
    table: &str,
    view: &views::View,
    live: Option<&Table>,
) -> Result<ViewPlan, PlanError> {
    let mut target =
        views::view_table(database, view).map_err(|error| PlanError::ViewEncoding {
            view: format!("{database}.{}", view.name),
            source: error,
        })?;
    let action = match live {
        None => Action::Create,
        Some(live) if live.table_type.as_deref() != Some(views::VIRTUAL_VIEW) => {
            return Err(PlanError::ViewNameTaken {
                database: database.to_string(),
                view: view.name.clone(),
                table: table.to_string(),
            });
        }
        Some(live) if live.view_text == target.view_text => Action::None,
        Some(live) => {
            target.version = live.version.clone();
            Action::Update
        }
    };
    Ok(ViewPlan {
        database: database.to_string(),
        name: view.name.clone(),
        table: table.to_string(),
        action,
        sql: view.sql.clone(),
        renamed: view.renamed.clone(),
        target,
    })
}

fn plan_table(
    database: &DeclaredDatabase,
    table: &DeclaredTable,
    live: Option<&Table>,
    live_partitions: &[Partition],
    report: Option<&TableReport>,
) -> TablePlan {
    let desired = table.desired(database);
    let (action, changes, target) = match live {
        None => (Action::Create, creation_changes(&desired), desired.clone()),
        Some(live) => {
            let changes = table_changes(live, &desired);
            let action = if changes.is_empty() {
                Action::None
            } else {
                Action::Update
            };
            (action, changes, merged_target(live, &desired))
        }
    };
    let definition = (
        live.map(definition_text).unwrap_or_default(),
        definition_text(&desired),
    );
    let mut drift = Vec::new();
    let mut data_problems = Vec::new();
    let mut partitions = PartitionChanges::default();
    if let Some(report) = report {
        drift = data_drift(&desired, report);
        data_problems = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .cloned()
            .collect();
        let data_keys: Vec<String> = report
            .partition_keys
            .iter()
            .map(|k| k.name.clone())
            .collect();
        let declared_keys: Vec<String> = desired
            .partition_keys
            .iter()
            .map(|k| k.name.clone())
            .collect();
        let keys_match = same_names(
            data_keys.iter().map(String::as_str),
            declared_keys.iter().map(String::as_str),
        );
        if !keys_match && report.files > 0 {
            drift.push(Drift::PartitionKeys {
                declared: declared_keys,
                data: data_keys,
            });
        } else if table.registers_partitions() && !desired.partition_keys.is_empty() {
            partitions = partition_changes(&desired, report, live_partitions);
        }
    } else if table.registers_partitions() {
        partitions = partition_changes_without_data(live_partitions);
    }
    let partition_schema_mismatch = live
        .map(|live| {
            live_partitions
                .iter()
                .filter(|p| !Column::same_list(&p.storage.columns, &live.storage.columns))
                .map(|p| p.values.clone())
                .collect()
        })
        .unwrap_or_default();
    TablePlan {
        database: database.file.name.clone(),
        name: desired.name.clone(),
        event: table.file.event.clone(),
        file: table.path.clone(),
        location: table.location.clone(),
        action,
        changes,
        partitions,
        drift,
        data_problems,
        partition_schema_mismatch,
        target,
        definition,
    }
}
