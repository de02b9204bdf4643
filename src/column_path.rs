//! A place in a column tree, and the one way glueprint spells it in notes, drift, lint and
//! errors: `eventProps.amount`, `tags[]`, `props{key}`, `props{}`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One step down the column tree: a column or struct field by name, an array's elements, a
/// map's keys or values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    Field(String),
    Element,
    Key,
    Value,
}

/// The steps from a top-level column down to one place in its type. Serialized as its steps,
/// as the footer cache has always stored them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ColumnPath(Vec<Step>);

impl ColumnPath {
    /// The top-level column `name`, or a path from nowhere yet when `name` is empty.
    pub fn column(name: &str) -> Self {
        if name.is_empty() {
            Self::default()
        } else {
            ColumnPath(vec![Step::Field(name.to_string())])
        }
    }

    pub fn field(&self, name: &str) -> Self {
        self.then(Step::Field(name.to_string()))
    }

    pub fn element(&self) -> Self {
        self.then(Step::Element)
    }

    pub fn key(&self) -> Self {
        self.then(Step::Key)
    }

    pub fn value(&self) -> Self {
        self.then(Step::Value)
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// The first `steps` steps.
    pub fn prefix(&self, steps: usize) -> Self {
        ColumnPath(self.0[..steps.min(self.0.len())].to_vec())
    }

    pub fn push(&mut self, step: Step) {
        self.0.push(step);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    fn then(&self, step: Step) -> Self {
        let mut steps = self.0.clone();
        steps.push(step);
        ColumnPath(steps)
    }
}

impl fmt::Display for ColumnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if index == 0 => f.write_str(name)?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Element => f.write_str("[]")?,
                Step::Key => f.write_str("{key}")?,
                Step::Value => f.write_str("{}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_notes_write_them() {
        let props = ColumnPath::column("props");
        assert_eq!(props.field("CT Source").to_string(), "props.CT Source");
        assert_eq!(props.element().field("n").to_string(), "props[].n");
        assert_eq!(props.key().to_string(), "props{key}");
        assert_eq!(props.value().field("a").to_string(), "props{}.a");
        assert_eq!(ColumnPath::column("").field("a").to_string(), "a");
        assert_eq!(props.value().field("a").prefix(1), props);
    }

    #[test]
    fn a_path_is_stored_as_its_steps() {
        let path = ColumnPath::column("tags").element();
        assert_eq!(
            serde_json::to_string(&path).unwrap(),
            r#"[{"Field":"tags"},"Element"]"#
        );
    }
}
