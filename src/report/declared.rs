//! What onboard, import and lint did to or found in the declarations, for people.

use std::fmt::Write as _;

use crate::discover::Discovery;
use crate::import::Imported;
use crate::lint::Finding;
use crate::onboard::Onboarded;
use crate::problem::{Severity, partition_schema_mismatch};

pub fn onboard_text(outcomes: &[Onboarded]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let verb = if outcome.written {
            "wrote"
        } else {
            "unchanged"
        };
        let _ = writeln!(
            out,
            "{verb} {} (event \"{}\", {} column(s))",
            outcome.path.display(),
            outcome.event,
            outcome.columns
        );
        if let Some(discovery) = &outcome.discovery {
            out.push_str(&discovery_text(discovery));
        }
        for problem in &outcome.problems {
            let _ = writeln!(
                out,
                "  {}[{}]: {}",
                problem.severity, problem.kind, problem.message
            );
        }
    }
    out.push_str(
        "\nNext: review the definitions (types, comments, a description), open a pull request, \
         and once merged run `glueprint apply`.\n",
    );
    out
}

/// The properties found in a table's union maps, with the type each would be declared.
fn discovery_text(discovery: &Discovery) -> String {
    let mut out = String::new();
    for column in &discovery.columns {
        let _ = writeln!(
            out,
            "  {}: a union map (CleverTap's generic export); {} propert(ies) in {} row(s) of {} \
             file(s) sampled ({} bytes of files; {} bytes read, budget {}; the table holds {} \
             bytes):",
            column.column,
            column.properties.len(),
            discovery.rows,
            discovery.files_read,
            discovery.sampled_bytes,
            discovery.bytes_read,
            discovery.budget,
            discovery.table_bytes
        );
        for property in &column.properties {
            let branches: Vec<String> = property
                .branches
                .iter()
                .map(|b| format!("{} {} in {} row(s)", b.branch, b.ty, b.rows))
                .collect();
            let _ = writeln!(
                out,
                "    {}: {} ({})",
                property.key,
                property.proposed(),
                branches.join(", ")
            );
        }
    }
    out
}

pub fn import_text(imported: &[Imported]) -> String {
    let mut out = String::new();
    for table in imported {
        let _ = match &table.path {
            Some(path) => writeln!(out, "wrote {}", path.display()),
            None => writeln!(out, "left out {}", table.table),
        };
        for note in &table.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        if !table.mismatched_partitions.is_empty() {
            let _ = writeln!(
                out,
                "  warning: {}",
                partition_schema_mismatch(&table.mismatched_partitions)
            );
        }
    }
    out.push_str(
        "\nNext: set each table's `event` to its CleverTap event name, review, then run \
         `glueprint plan` (it should show no changes).\n",
    );
    out
}

/// Findings as `file:line: severity[rule]: message; hint`, then a count.
pub fn lint_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let _ = writeln!(
            out,
            "{}:{}: {}[{}]: {}; {}",
            finding.file,
            finding.line,
            finding.severity,
            finding.rule,
            finding.message,
            finding.hint
        );
        for object in &finding.objects {
            let _ = writeln!(out, "    {object}");
        }
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let _ = writeln!(
        out,
        "{errors} error(s), {} warning(s).",
        findings.len() - errors
    );
    out
}
