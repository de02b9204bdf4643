//! Rendering scan results for people (text) and for scripts (JSON).

use std::fmt::Write as _;
use std::io::Write as _;

use crate::drift::{DriftKind, DriftReport};
use crate::organize::{OrganizeReport, Outcome};
use crate::plan::{Action, ChangeKind, Plan};
use crate::problem::{Problem, Severity, shown};
use crate::scan::{ScanReport, ScanStats};
use crate::store::Lake;

/// Writes the stable JSON document of a scan, streaming: a lake's report can be large.
pub fn write_scan_json(report: &ScanReport, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)?;
    out.flush()
}

/// The scan for people: per table its columns, partition keys and counts, then problems.
pub fn scan_text(report: &ScanReport, with_stats: bool) -> String {
    let mut out = String::new();
    if report.tables.is_empty() {
        let _ = writeln!(out, "No tables found under {}.", report.root);
    }
    for table in &report.tables {
        let _ = writeln!(out, "table {}  ({})", table.name, table.location);
        let keys: Vec<&str> = table
            .partition_keys
            .iter()
            .map(|k| k.name.as_str())
            .collect();
        let partitioning = if keys.is_empty() {
            "not partitioned".to_string()
        } else {
            format!(
                "{} partition(s) by {}",
                table.partitions.len(),
                keys.join(", ")
            )
        };
        let _ = writeln!(out, "  {} file(s), {partitioning}", table.files);
        let width = table
            .columns
            .iter()
            .chain(&table.partition_keys)
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        if !table.columns.is_empty() {
            let _ = writeln!(out, "  columns:");
            for column in &table.columns {
                let _ = writeln!(
                    out,
                    "    {:width$}  {}",
                    shown(&column.name),
                    shown(&column.ty.to_string())
                );
            }
        }
        if !table.partition_keys.is_empty() {
            let _ = writeln!(out, "  partition keys:");
            for key in &table.partition_keys {
                let _ = writeln!(out, "    {:width$}  {}", key.name, key.ty);
            }
        }
        write_problems(&mut out, &table.problems, "  ");
        out.push('\n');
    }
    if !report.problems.is_empty() {
        let _ = writeln!(out, "lake {}", report.root);
        write_problems(&mut out, &report.problems, "  ");
        out.push('\n');
    }
    let errors = report
        .all_problems()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = report.all_problems().count() - errors;
    let _ = writeln!(
        out,
        "{} table(s), {} file(s) read: {errors} error(s), {warnings} warning(s).",
        report.tables.len(),
        report.stats.files_read
    );
    if with_stats {
        out.push_str(&stats_text(&report.stats));
    }
    out
}

fn write_problems(out: &mut String, problems: &[Problem], indent: &str) {
    if problems.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}problems:");
    for problem in problems {
        let severity = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "{indent}  {severity}[{}]: {}",
            problem.kind, problem.message
        );
        for object in &problem.objects {
            let _ = writeln!(out, "{indent}      {object}");
        }
    }
}

/// The scan's cost, for people.
pub fn stats_text(stats: &ScanStats) -> String {
    let seconds = stats.elapsed_ms as f64 / 1000.0;
    let per_second = if seconds > 0.0 {
        stats.files_read as f64 / seconds
    } else {
        0.0
    };
    let per_file = |total: u64| {
        if stats.files_read > 0 {
            total as f64 / stats.files_read as f64
        } else {
            0.0
        }
    };
    format!(
        "objects listed {}, skipped {}; footers read {} in {:.2}s ({:.0} files/s); \
         {} bytes read ({:.0} per file) in {} requests ({:.2} per file)\n",
        stats.objects_listed,
        stats.objects_skipped,
        stats.files_read,
        seconds,
        per_second,
        stats.bytes_read,
        per_file(stats.bytes_read),
        stats.requests,
        per_file(stats.requests),
    )
}

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
    )
}

pub fn plan_json(plan: &Plan) -> String {
    serde_json::to_string_pretty(plan).expect("a plan always serializes")
}

/// What organize did, for people: per event, then failures and names it left alone.
pub fn organize_text(report: &OrganizeReport, from: &Lake, to: &Lake, dry_run: bool) -> String {
    let mut out = String::new();
    let verb = if dry_run {
        "would organize"
    } else {
        "organized"
    };
    let _ = writeln!(out, "{verb} {} -> {}", from.root(), to.root());
    if report.events.is_empty() {
        let _ = writeln!(out, "  no export files found");
    }
    for (event, summary) in &report.events {
        let _ = writeln!(
            out,
            "  {event} -> {}: {} file(s), {} byte(s) written, {} already there, {} failed",
            summary.table, summary.files, summary.bytes, summary.skipped, summary.failed
        );
    }
    if dry_run {
        for file in report
            .files
            .iter()
            .filter(|f| f.outcome == Outcome::Planned)
        {
            let _ = writeln!(out, "  would write {} <- {}", file.target, file.source);
        }
    }
    for file in report.files.iter().filter(|f| f.outcome == Outcome::Failed) {
        let _ = writeln!(
            out,
            "  error: {} {}",
            file.source,
            file.error.as_deref().unwrap_or("failed")
        );
    }
    if !report.unparsed.is_empty() {
        let _ = writeln!(
            out,
            "  warning: {} object(s) are not CleverTap export names and were left alone:",
            report.unparsed.len()
        );
        for name in &report.unparsed {
            let _ = writeln!(out, "      {name}");
        }
    }
    out
}

/// Drift as a pull-request comment or CI job summary: one line per table, details below.
pub fn drift_markdown(report: &DriftReport, kinds: &[DriftKind]) -> String {
    let drifted = report
        .tables
        .iter()
        .filter(|t| t.failing(kinds).next().is_some())
        .count();
    let mut out = format!(
        "## glueprint drift: {drifted} of {} table(s) drifted\n\n| table | status | findings |\n|---|---|---|\n",
        report.tables.len()
    );
    for table in &report.tables {
        let count = table.failing(kinds).count();
        let status = if count == 0 {
            "✅ in sync"
        } else {
            "❌ drift"
        };
        let _ = writeln!(
            out,
            "| {}.{} | {status} | {count} |",
            table.database, table.table
        );
    }
    for table in report
        .tables
        .iter()
        .filter(|t| t.failing(kinds).next().is_some())
    {
        let _ = writeln!(
            out,
            "\n### {}.{} (event \"{}\", `{}`)\n",
            table.database, table.table, table.event, table.file
        );
        for finding in table.failing(kinds) {
            let _ = writeln!(out, "- **{}**: {}", finding.kind.as_str(), finding.message);
            for object in &finding.objects {
                let _ = writeln!(out, "  - `{object}`");
            }
        }
    }
    out
}

/// Drift as JUnit XML: one test case per table, failing when it drifted.
pub fn drift_junit(report: &DriftReport, kinds: &[DriftKind]) -> String {
    use quick_xml::escape::escape;
    let failures = report
        .tables
        .iter()
        .filter(|t| t.failing(kinds).next().is_some())
        .count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"glueprint drift\" tests=\"{}\" failures=\"{failures}\">\n",
        report.tables.len()
    );
    for table in &report.tables {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\" file=\"{}\">",
            escape(table.database.as_str()),
            escape(table.table.as_str()),
            escape(table.file.as_str())
        );
        let findings: Vec<String> = table
            .failing(kinds)
            .map(|f| format!("{}: {}", f.kind.as_str(), f.message))
            .collect();
        if !findings.is_empty() {
            let _ = write!(
                out,
                "\n    <failure message=\"{} drift finding(s)\">{}</failure>\n  ",
                findings.len(),
                escape(findings.join("\n").as_str())
            );
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

/// GitHub Actions workflow commands, one error annotation per finding, on the table's file.
pub fn drift_annotations(report: &DriftReport, kinds: &[DriftKind]) -> String {
    // Workflow commands end at a newline; GitHub's own escapes keep a message on one line.
    let clean = |text: &str| {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut out = String::new();
    for table in &report.tables {
        for finding in table.failing(kinds) {
            let _ = writeln!(
                out,
                "::error file={},line=1,title=glueprint drift ({})::{}",
                clean(&table.file),
                finding.kind.as_str(),
                clean(&format!(
                    "{}.{}: {}",
                    table.database, table.table, finding.message
                ))
            );
        }
    }
    out
}
