//! A drift report: markdown for pull requests, JUnit for CI, annotations for GitHub.

use std::fmt::Write as _;

use crate::drift::{DriftKind, DriftReport};

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
