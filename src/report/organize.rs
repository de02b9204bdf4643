//! What organize copied, for people.

use std::fmt::Write as _;

use crate::organize::{OrganizeReport, Outcome};
use crate::store::Lake;

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
