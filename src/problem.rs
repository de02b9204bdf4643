//! Problems found while reading a lake: what went wrong, where, and what to do about it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
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
            message: message.into(),
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
        self.objects.extend(objects);
        self
    }
}
