//! Drift: the plan read as a report for CI. Where the live catalog or the data moved away from
//! what is declared, per table and per kind, without changing anything.

use serde::Serialize;

use crate::declare::TableRef;
use crate::discover::Sampler;
use crate::plan::{Action, ChangeKind, Drift, Plan, TablePlan};
use crate::problem::{partition_schema_mismatch, shown};

/// The kinds of drift, as `--fail-on` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// The live catalog differs from the declaration: tables missing, columns or parameters
    /// changed by hand.
    Catalog,
    /// The data holds what the declaration lacks or cannot read, or cannot be read at all.
    Data,
    /// Partitions in the data but not registered, registered without data, or elsewhere.
    Partitions,
    /// Registered partitions whose own columns differ from their table's.
    PartitionSchema,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::Catalog => "catalog",
            DriftKind::Data => "data",
            DriftKind::Partitions => "partitions",
            DriftKind::PartitionSchema => "partition_schema",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: DriftKind,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableDrift {
    pub database: String,
    pub table: String,
    pub event: String,
    /// The table's YAML file, for annotations.
    pub file: String,
    pub findings: Vec<Finding>,
}

impl TableDrift {
    /// Findings of the kinds that count.
    pub fn failing<'a>(&'a self, kinds: &'a [DriftKind]) -> impl Iterator<Item = &'a Finding> {
        self.findings.iter().filter(|f| kinds.contains(&f.kind))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub tables: Vec<TableDrift>,
}

impl DriftReport {
    /// Adds a finding to a table's entry (tables not in the report are left alone).
    pub fn add(&mut self, database: &str, table: &str, kind: DriftKind, message: String) {
        if let Some(entry) = self
            .tables
            .iter_mut()
            .find(|t| t.database == database && t.table == table)
        {
            entry.findings.push(Finding {
                kind,
                message: shown(&message).into_owned(),
                objects: Vec::new(),
            });
        }
    }

    pub fn has_drift(&self, kinds: &[DriftKind]) -> bool {
        self.tables
            .iter()
            .any(|t| t.failing(kinds).next().is_some())
    }
}

/// The drift of the selected tables: the plan read as drift, and for tables that declare
/// union-map properties what `sampler` finds in their newest files that the declaration misses.
pub async fn report(plan: &Plan, selected: &[TableRef<'_>], sampler: &Sampler) -> DriftReport {
    let mut report = from_plan(plan);
    for &TableRef { database, table } in selected {
        if table.file.properties.is_empty() {
            continue;
        }
        let messages = match sampler.property_drift(table).await {
            Ok(drift) => drift.iter().map(ToString::to_string).collect(),
            Err(error) => vec![format!("the union maps could not be sampled: {error}")],
        };
        for message in messages {
            report.add(
                &database.file.name,
                &table.file.name,
                DriftKind::Data,
                message,
            );
        }
    }
    report
}

/// Reads a plan as drift.
pub fn from_plan(plan: &Plan) -> DriftReport {
    let tables = plan
        .tables
        .iter()
        .map(|table| {
            let mut findings = catalog_findings(plan, table);
            findings.extend(data_findings(table));
            findings.extend(partition_findings(table));
            findings.extend(view_findings(plan, table));
            TableDrift {
                database: table.database.clone(),
                table: table.name.clone(),
                event: table.event.clone(),
                file: table.file.display().to_string(),
                findings,
            }
        })
        .chain(plan.skipped.iter().map(|skipped| TableDrift {
            database: skipped.database.clone(),
            table: skipped.name.clone(),
            event: skipped.event.clone(),
            file: skipped.file.display().to_string(),
            findings: vec![finding(
                DriftKind::Catalog,
                format!(
                    "the live table cannot be read ({}); it was skipped: fix or drop it in the \
                     catalog",
                    skipped.reason
                ),
                vec![],
            )],
        }))
        .collect();
    DriftReport { tables }
}

fn finding(kind: DriftKind, message: String, objects: Vec<String>) -> Finding {
    Finding {
        kind,
        message: shown(&message).into_owned(),
        objects: objects.iter().map(|o| shown(o).into_owned()).collect(),
    }
}

/// Where the live catalog differs from the declaration: the database, the table and its
/// columns.
fn catalog_findings(plan: &Plan, table: &TablePlan) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut add = |message: String| found.push(finding(DriftKind::Catalog, message, vec![]));
    if plan
        .databases
        .iter()
        .any(|d| d.name == table.database && d.action == Action::Create)
    {
        add(format!(
            "database `{}` is not in the live catalog",
            table.database
        ));
    }
    if table.action == Action::Create {
        add("the table is declared but not in the live catalog".into());
    } else {
        for change in &table.changes {
            let what = match change.kind {
                ChangeKind::Added => "is declared but missing live",
                ChangeKind::Dropped => "is live but not declared",
                ChangeKind::Widened | ChangeKind::TypeChanged => "has another type live",
                ChangeKind::UnparsableType => {
                    "has a type string live that Athena cannot parse \
                     (kind: unparsable_type; every query on the table fails)"
                }
                ChangeKind::CommentChanged => "has another comment live",
                ChangeKind::Changed => "differs live",
            };
            add(format!(
                "{} {what} (live: {}, declared: {})",
                change.subject,
                change.live.as_deref().unwrap_or("none"),
                change.declared.as_deref().unwrap_or("none")
            ));
        }
    }
    found
}

/// Where the live typed view of the table differs from its declared definition.
fn view_findings(plan: &Plan, table: &TablePlan) -> Vec<Finding> {
    plan.views
        .iter()
        .filter(|v| v.database == table.database && v.table == table.name)
        .filter_map(|view| {
            let message = match view.action {
                Action::Create => format!("view `{}` is not in the live catalog", view.name),
                Action::Update => {
                    format!("view `{}` differs from its declared definition", view.name)
                }
                Action::None => return None,
            };
            Some(finding(DriftKind::Catalog, message, vec![]))
        })
        .collect()
}

/// What the data holds that the declaration does not say or cannot read.
fn data_findings(table: &TablePlan) -> Vec<Finding> {
    let drift = table.drift.iter().filter_map(|drift| {
        let objects = match drift {
            Drift::Unreadable { objects, .. } => objects.clone(),
            // A read that loses meaning is a lint warning (`lossy-read`), not drift: nothing
            // moved away from the declaration.
            Drift::LossyRead { .. } => return None,
            _ => vec![],
        };
        Some(finding(DriftKind::Data, drift.to_string(), objects))
    });
    let problems = table.data_problems.iter().map(|problem| {
        finding(
            DriftKind::Data,
            problem.message.clone(),
            problem.objects.clone(),
        )
    });
    drift.chain(problems).collect()
}

/// Partitions in the data and in the catalog that do not match, and partitions whose own
/// columns differ from their table's.
fn partition_findings(table: &TablePlan) -> Vec<Finding> {
    let partitions = &table.partitions;
    let mut found = Vec::new();
    let first_locations = |refs: &[crate::plan::PartitionRef]| {
        refs.iter()
            .take(5)
            .map(|p| p.location.to_string())
            .collect()
    };
    if !partitions.create.is_empty() {
        found.push(finding(
            DriftKind::Partitions,
            format!(
                "{} partition(s) in the data are not registered",
                partitions.create.len()
            ),
            first_locations(&partitions.create),
        ));
    }
    if !partitions.without_data.is_empty() {
        found.push(finding(
            DriftKind::Partitions,
            format!(
                "{} registered partition(s) have no data",
                partitions.without_data.len()
            ),
            first_locations(&partitions.without_data),
        ));
    }
    for relocation in &partitions.relocate {
        found.push(finding(
            DriftKind::Partitions,
            format!(
                "partition {} is registered at {} but its data is at {}",
                relocation.values.join("/"),
                relocation.live,
                relocation.data
            ),
            vec![],
        ));
    }
    if !table.partition_schema_mismatch.is_empty() {
        found.push(finding(
            DriftKind::PartitionSchema,
            partition_schema_mismatch(&table.partition_schema_mismatch),
            vec![],
        ));
    }
    found
}
