//! A plan, for people (a diff to review) and for scripts.

use std::fmt::Write as _;

use super::scan::write_problems;
use crate::plan::{Action, ChangeKind, Plan};

/// The plan for people: per table what will change, as a unified diff of its definition, the
/// partitions to register, and the data drift to declare.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    for skipped in &plan.skipped {
        let _ = writeln!(
            out,
            "warning: table {}.{} is skipped: the live table cannot be read ({}); fix or drop it \
             in the catalog, then plan again\n",
            skipped.database, skipped.name, skipped.reason
        );
    }
    for database in &plan.databases {
        if database.action == Action::Create {
            let _ = writeln!(out, "database {}: create\n", database.name);
        }
    }
    for table in &plan.tables {
        let verb = match table.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::None if table.has_changes() => "partitions only",
            Action::None => "no changes",
        };
        let _ = writeln!(
            out,
            "table {}.{}  (event \"{}\", {}): {verb}",
            table.database, table.name, table.event, table.location
        );
        if table.action != Action::None {
            let (live, declared) = &table.definition;
            let diff = similar::TextDiff::from_lines(live, declared);
            let unified = diff
                .unified_diff()
                .context_radius(2)
                .header("live", "declared")
                .to_string();
            for line in unified.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        for change in table.changes.iter().filter(|c| c.destructive) {
            let _ = writeln!(
                out,
                "  ! destructive: {} ({} -> {})",
                change.subject,
                change.live.as_deref().unwrap_or("none"),
                change.declared.as_deref().unwrap_or("none")
            );
        }
        for change in table
            .changes
            .iter()
            .filter(|c| c.kind == ChangeKind::UnparsableType)
        {
            let _ = writeln!(
                out,
                "  ! {}: Athena cannot parse the live type {}; every query on the table fails \
                 until it is rewritten as {}",
                change.subject,
                change.live.as_deref().unwrap_or("none"),
                change.declared.as_deref().unwrap_or("none")
            );
        }
        let partitions = &table.partitions;
        if !partitions.columns.is_empty() {
            let _ = writeln!(
                out,
                "  ~ {} partition(s) to update to the table's columns",
                partitions.columns.len()
            );
        }
        if !partitions.create.is_empty() {
            let first = partitions
                .create
                .first()
                .map(|p| p.values.join("/"))
                .unwrap_or_default();
            let last = partitions
                .create
                .last()
                .map(|p| p.values.join("/"))
                .unwrap_or_default();
            let span = if partitions.create.len() == 1 {
                first
            } else {
                format!("{first} .. {last}")
            };
            let _ = writeln!(
                out,
                "  + {} partition(s) to register: {span}",
                partitions.create.len()
            );
        }
        for relocation in &partitions.relocate {
            let _ = writeln!(
                out,
                "  ! destructive: partition {} registered at {}, data at {}",
                relocation.values.join("/"),
                relocation.live,
                relocation.data
            );
        }
        for partition in &partitions.without_data {
            let _ = writeln!(
                out,
                "  ! destructive: partition {} is registered at {} but has no data (would be deleted)",
                partition.values.join("/"),
                partition.location
            );
        }
        if !table.drift.is_empty() {
            let _ = writeln!(
                out,
                "  data drift (not applied; declare it with `glueprint onboard \"{}\" --update`):",
                table.event
            );
            for drift in &table.drift {
                let _ = writeln!(out, "    {drift}");
            }
        }
        write_problems(&mut out, &table.data_problems, "  ");
        out.push('\n');
    }
    for view in &plan.views {
        let verb = match view.action {
            Action::Create => "create",
            Action::Update => "update (its definition changed)",
            Action::None => continue,
        };
        let _ = writeln!(
            out,
            "view {}.{} (typed columns over {}.{}): {verb}",
            view.database, view.name, view.database, view.table
        );
        for line in view.sql.lines() {
            let _ = writeln!(out, "  {line}");
        }
        for (key, column) in &view.renamed {
            let _ = writeln!(
                out,
                "  property `{key}` is column `{column}`: its plain name was taken"
            );
        }
        out.push('\n');
    }
    out.push_str(&plan_summary(plan));
    out
}

/// One line: how much the plan changes.
pub fn plan_summary(plan: &Plan) -> String {
    let databases = plan
        .databases
        .iter()
        .filter(|d| d.action == Action::Create)
        .count();
    let count = |action| plan.tables.iter().filter(|t| t.action == action).count();
    let partitions: usize = plan.tables.iter().map(|t| t.partitions.create.len()).sum();
    let partition_updates: usize = plan.tables.iter().map(|t| t.partitions.columns.len()).sum();
    let drift: usize = plan.tables.iter().map(|t| t.drift.len()).sum();
    format!(
        "Plan: {databases} database(s) to create, {} table(s) to create, {} to update, \
         {partitions} partition(s) to register, {partition_updates} to update to their table's \
         columns, {} destructive change(s); {drift} data drift finding(s).\n",
        count(Action::Create),
        count(Action::Update),
        plan.destructive().len()
    ) + &views_summary(plan)
}

/// Views to create or update, when any table has one.
fn views_summary(plan: &Plan) -> String {
    if plan.views.is_empty() {
        return String::new();
    }
    let count = |action| plan.views.iter().filter(|v| v.action == action).count();
    format!(
        "Views: {} to create, {} to update.\n",
        count(Action::Create),
        count(Action::Update)
    )
}

pub fn plan_json(plan: &Plan) -> serde_json::Result<String> {
    serde_json::to_string_pretty(plan)
}
