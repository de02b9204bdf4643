//! Problems found while reading a lake: what went wrong, where, and what to do about it.

use std::borrow::Cow;

use serde::Serialize;

/// `text` with its control characters written as escapes (`\n`, `\u{1b}`). Names come from
/// data, YAML and Glue; printed raw, a newline plus `::warning` would inject a GitHub Actions
/// command, and an escape sequence would drive the terminal.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// What to say of registered partitions (given by their values) whose own column lists differ
/// from their table's.
pub fn partition_schema_mismatch(partitions: &[Vec<String>]) -> String {
    let shown: Vec<String> = partitions
        .iter()
        .take(5)
        .map(|values| values.join("/"))
        .collect();
    format!(
        "{} partition(s) have columns that differ from the table's ({}{}); Athena may fail with \
         HIVE_PARTITION_SCHEMA_MISMATCH",
        partitions.len(),
        shown.join(", "),
        if partitions.len() > 5 { ", ..." } else { "" }
    )
}

/// One finding, with the objects it concerns. `kind` is a stable identifier for scripts;
/// `message` is a sentence for people that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: &'static str,
    pub message: String,
    pub objects: Vec<String>,
}

impl Problem {
    pub fn error(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            kind,
            message: shown(&message.into()).into_owned(),
            objects: Vec::new(),
        }
    }

    pub fn warning(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(kind, message)
        }
    }

    pub fn with_objects(mut self, objects: impl IntoIterator<Item = String>) -> Self {
        self.objects.extend(
            objects
                .into_iter()
                .map(|object| shown(&object).into_owned()),
        );
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(shown("plain name"), "plain name");
        assert_eq!(shown("a\n::warning x"), "a\\n::warning x");
        assert_eq!(shown("\u{1b}[31mred"), "\\u{1b}[31mred");
        let problem = Problem::error("k", "`a\nb` is odd").with_objects(["t/\r.parquet".into()]);
        assert_eq!(problem.message, "`a\\nb` is odd");
        assert_eq!(problem.objects, ["t/\\r.parquet"]);
    }
}
