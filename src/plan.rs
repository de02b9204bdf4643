//! The plan: a three-way comparison of the data (footers), the declaration (YAML) and the live
//! catalog, as a value. `apply` executes a plan and nothing else; rendering is elsewhere.
//!
//! The declaration is the truth for the catalog. The data never changes a table by itself: what
//! the data has and the declaration lacks is reported as drift, for a person to declare.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::catalog::{
    Catalog, CatalogError, Column, Database, Partition, Storage, Table, TableListing,
};
use crate::compat::{undeclared_fields, unreadable_at, widen};
use crate::declare::{DeclareErrors, Declared, DeclaredDatabase, DeclaredTable};
use crate::hive::{same_name, same_names};
use crate::location::Location;
use crate::partition_filter::PartitionFilter;
use crate::problem::{Problem, Severity, shown};
use crate::scan::TableReport;

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
        "the Glue catalog takes s3:// locations only, and these tables are elsewhere:\n  {}\n\
         set the database location to the lake's S3 prefix (e.g. GLUEPRINT_LAKE=s3://bucket/lake/), \
         or use --catalog local for a local lake",
        .0.join("\n  ")
    )]
    NotInS3(Vec<String>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub databases: Vec<DatabasePlan>,
    pub tables: Vec<TablePlan>,
    /// Live tables glueprint cannot read, left out of the plan so the rest can go ahead.
    pub skipped: Vec<SkippedTable>,
}

/// A declared table whose live counterpart cannot be read: planned neither way.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedTable {
    pub database: String,
    pub name: String,
    pub event: String,
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
                files,
                objects,
            } => format!(
                "column `{column}` is declared {declared} but {files} file(s) hold {data_type}, which \
             it cannot read (HIVE_BAD_DATA): {}",
                objects.join(", ")
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
pub fn check(
    declared: &Declared,
    selected: &[(usize, usize)],
    partitions: Option<&PartitionFilter>,
) -> Result<(), PlanError> {
    let mut over_limits = Vec::new();
    for &(database, table) in selected {
        let database = &declared.databases[database];
        over_limits.extend(database.tables[table].glue_limit_errors(database));
    }
    if !over_limits.is_empty() {
        return Err(PlanError::GlueLimits(DeclareErrors(over_limits)));
    }
    if let Some(key) = partitions.and_then(|f| f.key.as_ref()) {
        for &(database, table) in selected {
            let table = &declared.databases[database].tables[table];
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
pub fn check_in_s3(declared: &Declared, selected: &[(usize, usize)]) -> Result<(), PlanError> {
    let elsewhere: Vec<String> = selected
        .iter()
        .map(|&position| declared.table(position))
        .filter(|table| !table.location.is_s3())
        .map(|table| format!("{} ({})", table.path.display(), table.location))
        .collect();
    if elsewhere.is_empty() {
        Ok(())
    } else {
        Err(PlanError::NotInS3(elsewhere))
    }
}

/// Computes the plan for the selected tables from their scans (keyed by table location) and
/// the live catalog, writing nothing. With a partition condition, only the partitions it
/// admits are compared (the scans must have read those).
pub async fn plan(
    declared: &Declared,
    selected: &[(usize, usize)],
    catalog: &dyn Catalog,
    reports: &HashMap<Location, TableReport>,
    partitions: Option<&PartitionFilter>,
) -> Result<Plan, PlanError> {
    check(declared, selected, partitions)?;
    let mut by_database: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(database, table) in selected {
        by_database.entry(database).or_default().push(table);
    }
    let mut plan = Plan {
        databases: Vec::new(),
        tables: Vec::new(),
        skipped: Vec::new(),
    };
    for (database_index, tables) in by_database {
        let database = &declared.databases[database_index];
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
        let mut tables: Vec<&DeclaredTable> = tables.iter().map(|&i| &database.tables[i]).collect();
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
        }
    }
    Ok(plan)
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

fn creation_changes(desired: &Table) -> Vec<Change> {
    desired
        .storage
        .columns
        .iter()
        .map(|column| {
            change(
                format!("column {}", column.name),
                ChangeKind::Added,
                None,
                Some(column.ty.to_string()),
                false,
            )
        })
        .collect()
}

fn change(
    subject: String,
    kind: ChangeKind,
    live: Option<String>,
    declared: Option<String>,
    destructive: bool,
) -> Change {
    let shown_all = |text: Option<String>| text.map(|t| shown(&t).into_owned());
    Change {
        subject: shown(&subject).into_owned(),
        kind,
        live: shown_all(live),
        declared: shown_all(declared),
        destructive,
    }
}

/// What differs between the live table and the declaration, on the fields glueprint manages.
fn table_changes(live: &Table, desired: &Table) -> Vec<Change> {
    let mut changes = Vec::new();
    let find = |columns: &[Column], name: &str| -> Option<Column> {
        columns.iter().find(|c| same_name(&c.name, name)).cloned()
    };
    for column in &desired.storage.columns {
        let subject = format!("column {}", column.name);
        match find(&live.storage.columns, &column.name) {
            None => changes.push(change(
                subject,
                ChangeKind::Added,
                None,
                Some(column.ty.to_string()),
                false,
            )),
            Some(existing) => {
                match existing.athena_type() {
                    Err(error) => changes.push(change(
                        subject.clone(),
                        ChangeKind::UnparsableType,
                        Some(format!("{} ({error})", existing.type_text())),
                        Some(column.ty.to_string()),
                        false,
                    )),
                    Ok(live_type) if !live_type.equivalent(&column.ty) => {
                        let widened = widen(&live_type, &column.ty)
                            .is_ok_and(|wider| wider.equivalent(&column.ty));
                        changes.push(change(
                            subject.clone(),
                            if widened {
                                ChangeKind::Widened
                            } else {
                                ChangeKind::TypeChanged
                            },
                            Some(existing.type_text()),
                            Some(column.ty.to_string()),
                            !widened,
                        ));
                    }
                    Ok(_) => {}
                }
                if existing.comment != column.comment {
                    changes.push(change(
                        subject,
                        ChangeKind::CommentChanged,
                        existing.comment.clone(),
                        column.comment.clone(),
                        false,
                    ));
                }
            }
        }
    }
    for column in &live.storage.columns {
        if find(&desired.storage.columns, &column.name).is_none() {
            changes.push(change(
                format!("column {}", column.name),
                ChangeKind::Dropped,
                Some(column.type_text()),
                None,
                true,
            ));
        }
    }
    if !Column::same_list(&live.partition_keys, &desired.partition_keys) {
        let text = |columns: &[Column]| {
            columns
                .iter()
                .map(|c| format!("{} {}", c.name, c.type_text()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        changes.push(change(
            "partition keys".into(),
            ChangeKind::Changed,
            Some(text(&live.partition_keys)),
            Some(text(&desired.partition_keys)),
            true,
        ));
    }
    let mut field =
        |subject: &str, live: Option<&String>, desired: Option<&String>, destructive: bool| {
            if desired.is_some() && live != desired {
                changes.push(change(
                    subject.into(),
                    ChangeKind::Changed,
                    live.cloned(),
                    desired.cloned(),
                    destructive,
                ));
            }
        };
    field(
        "location",
        Some(&live.storage.location.to_string()),
        Some(&desired.storage.location.to_string()),
        true,
    );
    field(
        "input format",
        live.storage.input_format.as_ref(),
        desired.storage.input_format.as_ref(),
        false,
    );
    field(
        "output format",
        live.storage.output_format.as_ref(),
        desired.storage.output_format.as_ref(),
        false,
    );
    field(
        "serde",
        live.storage.serde_library.as_ref(),
        desired.storage.serde_library.as_ref(),
        false,
    );
    field(
        "table type",
        live.table_type.as_ref(),
        desired.table_type.as_ref(),
        false,
    );
    field(
        "description",
        live.description.as_ref(),
        desired.description.as_ref(),
        false,
    );
    for (key, value) in &desired.storage.serde_parameters {
        field(
            &format!("serde parameter {key}"),
            live.storage.serde_parameters.get(key),
            Some(value),
            false,
        );
    }
    for (key, value) in &desired.parameters {
        field(
            &format!("parameter {key}"),
            live.parameters.get(key),
            Some(value),
            false,
        );
    }
    for (key, value) in stale_projection(live, desired) {
        changes.push(change(
            format!("parameter {key}"),
            ChangeKind::Dropped,
            Some(value.clone()),
            None,
            false,
        ));
    }
    changes
}

/// Partition projection parameters the live table has and the declaration no longer wants:
/// while `projection.enabled` stays, Athena ignores the registered partitions.
fn stale_projection<'a>(live: &'a Table, desired: &Table) -> Vec<(&'a String, &'a String)> {
    live.parameters
        .iter()
        .filter(|(key, _)| {
            (key.starts_with("projection.") || *key == "storage.location.template")
                && !desired.parameters.contains_key(*key)
        })
        .collect()
}

/// The live table with what glueprint manages replaced by the declaration, and everything else
/// (other parameters, owner, storage parameters, unset descriptions) kept as it is.
fn merged_target(live: &Table, desired: &Table) -> Table {
    let mut target = live.clone();
    target.storage.columns = desired.storage.columns.clone();
    target.storage.location = desired.storage.location.clone();
    target.storage.input_format = desired.storage.input_format.clone();
    target.storage.output_format = desired.storage.output_format.clone();
    target.storage.serde_library = desired.storage.serde_library.clone();
    target
        .storage
        .serde_parameters
        .extend(desired.storage.serde_parameters.clone());
    target.partition_keys = desired.partition_keys.clone();
    target.table_type = desired.table_type.clone();
    let stale: Vec<String> = stale_projection(live, desired)
        .into_iter()
        .map(|(key, _)| key.clone())
        .collect();
    for key in stale {
        target.parameters.remove(&key);
    }
    target.parameters.extend(desired.parameters.clone());
    if desired.description.is_some() {
        target.description = desired.description.clone();
    }
    target
}

fn data_drift(desired: &Table, report: &TableReport) -> Vec<Drift> {
    let mut drift = Vec::new();
    let declared = |name: &str| {
        desired
            .storage
            .columns
            .iter()
            .find(|c| same_name(&c.name, name))
    };
    for column in &report.columns {
        match declared(&column.name) {
            None => drift.push(Drift::UndeclaredColumn {
                column: column.name.clone(),
                data_type: column.ty.to_string(),
            }),
            Some(declared) => {
                let mut fields = Vec::new();
                undeclared_fields(&column.ty, &declared.ty, &column.name, &mut fields);
                drift.extend(fields.into_iter().map(|(path, ty)| Drift::UndeclaredField {
                    path,
                    data_type: ty.to_string(),
                }));
            }
        }
    }
    // Per file schema, so the files that cannot be read are named.
    let mut unreadable: Vec<Drift> = Vec::new();
    for variant in &report.variants {
        for column in &variant.schema.columns {
            let (Some(found), Some(declared)) = (&column.ty, declared(&column.name)) else {
                continue;
            };
            let Some((path, found, declared_at)) =
                unreadable_at(found, &declared.ty, &declared.name)
            else {
                continue;
            };
            let (declared_text, found_text) = (declared_at.to_string(), found.to_string());
            match unreadable.iter_mut().find(|d| {
                matches!(d, Drift::Unreadable { column, data_type, .. }
                    if column == &path && data_type == &found_text)
            }) {
                Some(Drift::Unreadable { files, objects, .. }) => {
                    *files += variant.files;
                    objects.extend(variant.samples.iter().cloned());
                    objects.truncate(5);
                }
                _ => unreadable.push(Drift::Unreadable {
                    column: path,
                    declared: declared_text,
                    data_type: found_text,
                    files: variant.files,
                    objects: variant.samples.clone(),
                }),
            }
        }
    }
    drift.extend(unreadable);
    drift
}

fn partition_changes(
    desired: &Table,
    report: &TableReport,
    live_partitions: &[Partition],
) -> PartitionChanges {
    let live: HashMap<&[String], &Partition> = live_partitions
        .iter()
        .map(|p| (p.values.as_slice(), p))
        .collect();
    let mut changes = PartitionChanges::default();
    let mut in_data = std::collections::HashSet::new();
    for partition in &report.partitions {
        in_data.insert(partition.values.as_slice());
        let wanted = Partition {
            values: partition.values.clone(),
            storage: Storage::parquet(partition.location.clone(), desired.storage.columns.clone()),
            parameters: BTreeMap::new(),
        };
        match live.get(partition.values.as_slice()) {
            None => {
                changes.create.push(PartitionRef {
                    values: partition.values.clone(),
                    location: partition.location.clone(),
                });
                changes.to_create.push(wanted);
            }
            Some(existing) => {
                let moved = existing.storage.location != partition.location;
                let stale_columns =
                    !Column::same_list(&existing.storage.columns, &desired.storage.columns);
                if moved {
                    changes.relocate.push(Relocation {
                        values: partition.values.clone(),
                        live: existing.storage.location.clone(),
                        data: partition.location.clone(),
                    });
                } else if stale_columns {
                    changes.columns.push(partition.values.clone());
                }
                if moved || stale_columns {
                    let mut updated = (*existing).clone();
                    updated.storage.location = partition.location.clone();
                    updated.storage.columns = desired.storage.columns.clone();
                    changes.to_update.push(updated);
                }
            }
        }
    }
    for partition in live_partitions {
        if !in_data.contains(partition.values.as_slice()) {
            changes.without_data.push(PartitionRef {
                values: partition.values.clone(),
                location: partition.storage.location.clone(),
            });
        }
    }
    changes
}

/// Registered partitions outside the comparison (a partition filter left them out) that do not
/// carry the table's new columns: updated to them, nothing else about them changes.
fn follow_table_columns(planned: &mut TablePlan, partitions: Vec<Partition>) {
    let columns = &planned.target.storage.columns;
    for mut partition in partitions {
        if Column::same_list(&partition.storage.columns, columns) {
            continue;
        }
        partition.storage.columns = columns.clone();
        planned.partitions.columns.push(partition.values.clone());
        planned.partitions.to_update.push(partition);
    }
}

fn partition_changes_without_data(live_partitions: &[Partition]) -> PartitionChanges {
    PartitionChanges {
        without_data: live_partitions
            .iter()
            .map(|p| PartitionRef {
                values: p.values.clone(),
                location: p.storage.location.clone(),
            })
            .collect(),
        ..PartitionChanges::default()
    }
}

/// A table's managed definition as lines of text, for the unified diff people review.
fn definition_text(table: &Table) -> String {
    let mut text = format!("location {}\n", shown(table.storage.location.as_str()));
    for column in &table.storage.columns {
        text.push_str(&format!(
            "column {} {}",
            shown(&column.name),
            shown(&column.type_text())
        ));
        if let Some(comment) = &column.comment {
            text.push_str(&format!("  -- {}", shown(comment)));
        }
        text.push('\n');
    }
    for key in &table.partition_keys {
        text.push_str(&format!(
            "partition key {} {}\n",
            shown(&key.name),
            shown(&key.type_text())
        ));
    }
    if let Some(description) = &table.description {
        text.push_str(&format!("description {}\n", shown(description)));
    }
    text
}
