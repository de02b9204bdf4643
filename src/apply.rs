//! Apply: executes a plan against a live catalog, and nothing else.
//!
//! Order: CreateDatabase, CreateTable, UpdateTable, then partitions in batches within the Glue
//! API limits. Destructive changes are refused, before any call, unless allowed. Each call is
//! atomic in the catalog; when one fails, apply stops and reports what was done and what was
//! not, and running it again converges.

use serde::Serialize;

use crate::catalog::{
    Catalog, CatalogError, Column, DELETE_BATCH, PARTITION_BATCH, Partition, PartitionFailureKind,
};
use crate::plan::{Action, Plan};

#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    pub allow_destructive: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "the plan has destructive changes, and nothing was applied:\n  {}\nreview them, then run \
         apply again with --allow-destructive",
        .0.join("\n  ")
    )]
    DestructiveRefused(Vec<String>),
    #[error(
        "Athena could not parse these types, so nothing was applied (every query on such a \
         table fails with HIVE_INVALID_METADATA):\n  {}\nfix the declaration (rename or leave out \
         the field), then run plan again",
        .0.join("\n  ")
    )]
    UnparsableTypes(Vec<String>),
    #[error("{failure}\n{report}run apply again to continue: applied steps are not repeated")]
    Failed {
        failure: String,
        report: Box<ApplyReport>,
    },
}

/// What apply did, step by step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    pub done: Vec<String>,
    /// Partitions that already existed (a retry after a partial run): counted as done.
    pub already_present: usize,
    /// Steps not run because an earlier one failed.
    pub not_done: Vec<String>,
}

impl std::fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "applied:")?;
        if self.done.is_empty() {
            writeln!(f, "  nothing")?;
        }
        for step in &self.done {
            writeln!(f, "  {step}")?;
        }
        if !self.not_done.is_empty() {
            writeln!(f, "not applied:")?;
            for step in &self.not_done {
                writeln!(f, "  {step}")?;
            }
        }
        Ok(())
    }
}

enum Step<'a> {
    CreateDatabase(&'a crate::catalog::Database),
    CreateTable(&'a str, &'a crate::catalog::Table),
    UpdateTable(&'a str, &'a crate::catalog::Table),
    CreatePartitions(&'a str, &'a str, &'a [Partition]),
    UpdatePartitions(&'a str, &'a str, &'a [Partition]),
    DeletePartitions(&'a str, &'a str, Vec<Vec<String>>),
}

impl Step<'_> {
    fn describe(&self) -> String {
        match self {
            Step::CreateDatabase(d) => format!("create database {}", d.name),
            Step::CreateTable(db, t) => format!("create {} {db}.{}", kind(t), t.name),
            Step::UpdateTable(db, t) => format!("update {} {db}.{}", kind(t), t.name),
            Step::CreatePartitions(db, t, p) => {
                format!("register {} partition(s) of {db}.{t}", p.len())
            }
            Step::UpdatePartitions(db, t, p) => {
                format!("update {} partition(s) of {db}.{t}", p.len())
            }
            Step::DeletePartitions(db, t, v) => {
                format!("delete {} partition(s) of {db}.{t}", v.len())
            }
        }
    }
}

fn kind(table: &crate::catalog::Table) -> &'static str {
    if table.view_text.is_some() {
        "view"
    } else {
        "table"
    }
}

/// Executes `plan` against `catalog`.
pub async fn apply(
    plan: &Plan,
    catalog: &dyn Catalog,
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let destructive = plan.destructive();
    if !destructive.is_empty() && !options.allow_destructive {
        return Err(ApplyError::DestructiveRefused(destructive));
    }
    let unparsable = unparsable_types(plan);
    if !unparsable.is_empty() {
        return Err(ApplyError::UnparsableTypes(unparsable));
    }
    let steps = steps(plan);
    let mut report = ApplyReport::default();
    for (index, step) in steps.iter().enumerate() {
        if let Err(failure) = run(step, catalog, &mut report).await {
            report.not_done = steps[index..].iter().map(Step::describe).collect();
            return Err(ApplyError::Failed {
                failure: format!("{} failed: {failure}", step.describe()),
                report: Box::new(report),
            });
        }
        report.done.push(step.describe());
    }
    Ok(report)
}

/// Every type string apply would send that Athena's parser refuses, named by table, column and
/// position. Glue accepts them all, so this is the only check before they are written.
fn unparsable_types(plan: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    let mut check = |database: &str, table: &str, what: &str, columns: &[Column]| {
        for column in columns {
            if let Err(error) = column.athena_type() {
                found.push(format!(
                    "{database}.{table}: {what} `{}`: {error}",
                    column.name
                ));
            }
        }
    };
    for table in &plan.tables {
        let (database, name) = (table.database.as_str(), table.name.as_str());
        if table.action != Action::None {
            check(database, name, "column", &table.target.storage.columns);
            check(
                database,
                name,
                "partition key",
                &table.target.partition_keys,
            );
        }
        for partition in table
            .partitions
            .to_create
            .iter()
            .chain(&table.partitions.to_update)
        {
            let what = format!("partition {} column", partition.values.join("/"));
            check(database, name, &what, &partition.storage.columns);
        }
    }
    for view in plan.views.iter().filter(|v| v.action != Action::None) {
        check(
            &view.database,
            &view.name,
            "view column",
            &view.target.storage.columns,
        );
    }
    found
}

/// Whether `live` holds what creating `table` writes: columns, partition keys and location.
fn same_definition(live: &crate::catalog::Table, table: &crate::catalog::Table) -> bool {
    live.storage.columns == table.storage.columns
        && live.partition_keys == table.partition_keys
        && live.storage.location == table.storage.location
        && live.view_text == table.view_text
}

fn steps(plan: &Plan) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for database in &plan.databases {
        if database.action == Action::Create {
            steps.push(Step::CreateDatabase(&database.desired));
        }
    }
    for table in &plan.tables {
        if table.action == Action::Create {
            steps.push(Step::CreateTable(&table.database, &table.target));
        }
    }
    for table in &plan.tables {
        if table.action == Action::Update {
            steps.push(Step::UpdateTable(&table.database, &table.target));
        }
    }
    // Views read their tables, so they come once the tables are there.
    for view in &plan.views {
        match view.action {
            Action::Create => steps.push(Step::CreateTable(&view.database, &view.target)),
            Action::Update => steps.push(Step::UpdateTable(&view.database, &view.target)),
            Action::None => {}
        }
    }
    for table in &plan.tables {
        for batch in table.partitions.to_create.chunks(PARTITION_BATCH) {
            steps.push(Step::CreatePartitions(&table.database, &table.name, batch));
        }
        for batch in table.partitions.to_update.chunks(PARTITION_BATCH) {
            steps.push(Step::UpdatePartitions(&table.database, &table.name, batch));
        }
        let doomed: Vec<Vec<String>> = table
            .partitions
            .without_data
            .iter()
            .map(|p| p.values.clone())
            .collect();
        for batch in doomed.chunks(DELETE_BATCH) {
            steps.push(Step::DeletePartitions(
                &table.database,
                &table.name,
                batch.to_vec(),
            ));
        }
    }
    steps
}

async fn run(
    step: &Step<'_>,
    catalog: &dyn Catalog,
    report: &mut ApplyReport,
) -> Result<(), String> {
    let failures = match step {
        Step::CreateDatabase(database) => {
            return match catalog.create_database(database).await {
                Ok(()) | Err(CatalogError::AlreadyExists(_)) => Ok(()),
                Err(error) => Err(error.to_string()),
            };
        }
        Step::CreateTable(database, table) => {
            return match catalog.create_table(database, table).await {
                // A create whose answer was lost is retried and meets its own table: done.
                Err(CatalogError::AlreadyExists(name)) => {
                    match catalog.get_table(database, &table.name).await {
                        Ok(Some(live)) if same_definition(&live, table) => Ok(()),
                        _ => Err(format!(
                            "`{name}` already exists with another definition; run plan again"
                        )),
                    }
                }
                result => result.map_err(|e| e.to_string()),
            };
        }
        Step::UpdateTable(database, table) => {
            return catalog
                .update_table(database, table)
                .await
                .map_err(|e| e.to_string());
        }
        Step::CreatePartitions(database, table, partitions) => {
            catalog.create_partitions(database, table, partitions).await
        }
        Step::UpdatePartitions(database, table, partitions) => {
            catalog.update_partitions(database, table, partitions).await
        }
        Step::DeletePartitions(database, table, values) => {
            catalog.delete_partitions(database, table, values).await
        }
    }
    .map_err(|e| e.to_string())?;
    let (benign, real): (Vec<_>, Vec<_>) = failures.into_iter().partition(|failure| {
        matches!(
            (step, failure.kind),
            (
                Step::CreatePartitions(..),
                PartitionFailureKind::AlreadyExists
            ) | (Step::DeletePartitions(..), PartitionFailureKind::NotFound)
        )
    });
    report.already_present += benign.len();
    if real.is_empty() {
        Ok(())
    } else {
        Err(real
            .iter()
            .map(|f| format!("partition {}: {}", f.values.join("/"), f.message))
            .collect::<Vec<_>>()
            .join("; "))
    }
}
