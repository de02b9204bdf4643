//! Merging the schemas of a table's files into one table schema.
//!
//! Columns are united by name, case-insensitively, keeping the first spelling and the order of
//! first appearance. Types widen only along the reads Athena documents as safe
//! (`compat`); any other difference is a [`Conflict`], never a silent choice.

use std::collections::HashMap;

use crate::column_path::ColumnPath;
use crate::compat::{Clash, merge_types};
use crate::hive::HiveType;
use crate::infer::{FileColumn, FileSchema};

/// A column whose files disagree beyond widening. `left` is the type the merge kept, `right`
/// the one it could not take; the ids are those passed to [`SchemaMerger::add`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub column: String,
    pub clash: Clash,
    pub left_sources: Vec<usize>,
    pub right_sources: Vec<usize>,
}

/// Merges file schemas one by one, in the order the caller decides is "first".
#[derive(Debug, Default)]
pub struct SchemaMerger {
    columns: Vec<FileColumn>,
    by_name: HashMap<String, usize>,
    /// Per column, each source's type for it: who to blame on a conflict.
    votes: Vec<Vec<(usize, HiveType)>>,
    conflicts: Vec<Conflict>,
}

impl SchemaMerger {
    pub fn add(&mut self, source: usize, schema: &FileSchema) {
        for column in &schema.columns {
            let key = column.name.to_lowercase();
            let index = *self.by_name.entry(key).or_insert_with(|| {
                self.columns.push(FileColumn {
                    name: column.name.clone(),
                    ty: None,
                });
                self.votes.push(Vec::new());
                self.columns.len() - 1
            });
            let Some(ty) = &column.ty else { continue };
            let mut clashes = Vec::new();
            let merged = match &self.columns[index].ty {
                None => ty.clone(),
                Some(current) => merge_types(current, ty, &ColumnPath::default(), &mut clashes),
            };
            self.columns[index].ty = Some(merged);
            for clash in clashes {
                self.record_conflict(index, source, ty, clash);
            }
            self.votes[index].push((source, ty.clone()));
        }
    }

    fn record_conflict(&mut self, index: usize, source: usize, ty: &HiveType, clash: Clash) {
        let column = self.columns[index].name.clone();
        if let Some(known) = self.conflicts.iter_mut().find(|c| {
            c.column == column && c.clash.path == clash.path && c.clash.right == clash.right
        }) {
            known.right_sources.push(source);
            return;
        }
        // The earlier files that clash with this one at the same path.
        let left_sources = self.votes[index]
            .iter()
            .filter(|(_, earlier)| {
                let mut found = Vec::new();
                merge_types(earlier, ty, &ColumnPath::default(), &mut found);
                found.iter().any(|c| c.path == clash.path)
            })
            .map(|(earlier_source, _)| *earlier_source)
            .collect();
        self.conflicts.push(Conflict {
            column,
            clash,
            left_sources,
            right_sources: vec![source],
        });
    }

    pub fn finish(self) -> (Vec<FileColumn>, Vec<Conflict>) {
        (self.columns, self.conflicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> HiveType {
        s.parse().unwrap()
    }

    fn schema(columns: &[(&str, Option<&str>)]) -> FileSchema {
        FileSchema {
            columns: columns
                .iter()
                .map(|(name, ty)| FileColumn {
                    name: name.to_string(),
                    ty: ty.map(t),
                })
                .collect(),
            notes: vec![],
            leaves: vec![],
        }
    }

    #[test]
    fn unites_columns_by_name_in_order_of_first_appearance() {
        let mut merger = SchemaMerger::default();
        merger.add(0, &schema(&[("ts", Some("int")), ("Name", Some("string"))]));
        merger.add(
            1,
            &schema(&[("extra", Some("double")), ("name", Some("string"))]),
        );
        merger.add(2, &schema(&[("ts", Some("bigint")), ("empty", None)]));
        let (columns, conflicts) = merger.finish();
        let got: Vec<(String, Option<String>)> = columns
            .into_iter()
            .map(|c| (c.name, c.ty.map(|t| t.to_string())))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ts".into(), Some("bigint".into())),
                ("Name".into(), Some("string".into())),
                ("extra".into(), Some("double".into())),
                ("empty".into(), None),
            ]
        );
        assert!(conflicts.is_empty());
    }

    #[test]
    fn null_only_columns_do_not_vote() {
        let mut merger = SchemaMerger::default();
        merger.add(0, &schema(&[("x", None)]));
        merger.add(1, &schema(&[("x", Some("string"))]));
        merger.add(2, &schema(&[("x", None)]));
        let (columns, conflicts) = merger.finish();
        assert_eq!(columns[0].ty, Some(t("string")));
        assert!(conflicts.is_empty());
    }

    #[test]
    fn conflicts_name_the_sources_on_each_side() {
        let mut merger = SchemaMerger::default();
        merger.add(0, &schema(&[("amount", Some("int"))]));
        merger.add(1, &schema(&[("amount", Some("bigint"))]));
        merger.add(2, &schema(&[("amount", Some("string"))]));
        merger.add(3, &schema(&[("amount", Some("string"))]));
        let (columns, conflicts) = merger.finish();
        assert_eq!(columns[0].ty, Some(t("bigint")));
        assert_eq!(
            conflicts,
            vec![Conflict {
                column: "amount".into(),
                clash: Clash {
                    path: String::new(),
                    left: t("bigint"),
                    right: t("string")
                },
                left_sources: vec![0, 1],
                right_sources: vec![2, 3],
            }]
        );
    }
}
