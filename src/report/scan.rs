//! A scan, for people and for scripts.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::problem::{Problem, Severity, shown};
use crate::scan::{ScanReport, ScanStats};

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

pub(super) fn write_problems(out: &mut String, problems: &[Problem], indent: &str) {
    if problems.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}problems:");
    for problem in problems {
        let _ = writeln!(
            out,
            "{indent}  {}[{}]: {}",
            problem.severity, problem.kind, problem.message
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
