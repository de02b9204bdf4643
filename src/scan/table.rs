//! One table's accumulator: files folded in as they are read, then the table's report: its
//! merged schema, partitions and problems.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::column_path::ColumnPath;
use crate::hive::{HiveType, same_name};
use crate::infer::{FileSchema, Note, NoteKind};
use crate::merge::{Conflict, SchemaMerger};
use crate::problem::Problem;
use crate::readers::{Engine, check_leaves};
use crate::store::Lake;

use super::partitions::{Layout, LayoutGroup, layout_of, settle};
use super::read::FileOutcome;
use super::{Column, SchemaVariant, TableReport};

/// How many object keys a problem lists per side at most.
pub(super) const SAMPLE_KEYS: usize = 3;

/// The smallest few keys of a set, in order.
#[derive(Debug, Default, Clone)]
pub(super) struct Samples(Vec<String>);

impl Samples {
    pub(super) fn keys(&self) -> &[String] {
        &self.0
    }

    pub(super) fn offer(&mut self, key: &str) {
        if self.0.len() == SAMPLE_KEYS && self.0.last().is_some_and(|last| last.as_str() <= key) {
            return;
        }
        let at = self.0.partition_point(|k| k.as_str() < key);
        self.0.insert(at, key.to_string());
        self.0.truncate(SAMPLE_KEYS);
    }

    pub(super) fn first(&self) -> &str {
        self.0.first().map_or("", String::as_str)
    }
}

#[derive(Debug)]
pub(super) struct SchemaGroup {
    pub(super) schema: Arc<FileSchema>,
    pub(super) files: u64,
    pub(super) samples: Samples,
}

#[derive(Debug, Default)]
pub(super) struct TableAccumulator {
    pub(super) files: u64,
    pub(super) layouts: BTreeMap<Layout, LayoutGroup>,
    pub(super) schema_index: HashMap<u64, usize>,
    pub(super) schemas: Vec<SchemaGroup>,
    pub(super) file_problems: Vec<(String, Problem)>,
}

impl TableAccumulator {
    pub(super) fn add(&mut self, outcome: FileOutcome) {
        self.files += 1;
        let group = self.layouts.entry(layout_of(&outcome.folders)).or_default();
        group.add(&outcome.key, &outcome.folders);

        match outcome.schema {
            Ok((fingerprint, schema)) => {
                let index = *self.schema_index.entry(fingerprint).or_insert_with(|| {
                    self.schemas.push(SchemaGroup {
                        schema,
                        files: 0,
                        samples: Samples::default(),
                    });
                    self.schemas.len() - 1
                });
                let group = &mut self.schemas[index];
                group.files += 1;
                group.samples.offer(&outcome.key);
            }
            Err(error) => {
                let problem = Problem::error(error.kind(), format!("{} {error}", outcome.key));
                self.file_problems.push((outcome.key, problem));
            }
        }
    }

    pub(super) fn finish(mut self, lake: &Lake, name: String) -> TableReport {
        let location = lake.folder(&name);
        let mut problems = Vec::new();
        let (partition_keys, partitions) = settle(&mut self.layouts, lake, &name, &mut problems);

        self.file_problems.sort_by(|a, b| a.0.cmp(&b.0));
        problems.extend(
            std::mem::take(&mut self.file_problems)
                .into_iter()
                .map(|(key, problem)| problem.with_objects([lake.location_of(&key)])),
        );

        // Merge in order of each schema's first file, so "first seen" is the same every run.
        self.schemas
            .sort_by(|a, b| a.samples.first().cmp(b.samples.first()));
        let mut merger = SchemaMerger::default();
        for (index, group) in self.schemas.iter().enumerate() {
            merger.add(index, &group.schema);
        }
        let (merged, conflicts) = merger.finish();
        let columns: Vec<Column> = merged
            .into_iter()
            .filter_map(|column| {
                Some(Column {
                    name: column.name,
                    ty: column.ty?,
                })
            })
            .collect();

        problems.extend(self.note_problems(lake, &columns));
        problems.extend(
            conflicts
                .iter()
                .map(|conflict| self.conflict_problem(lake, conflict)),
        );
        problems.extend(self.unreadable_under_merged(lake, &columns, &conflicts));
        problems.extend(columns.iter().filter(|c| c.ty.union_branches().is_some()).map(|c| {
            Problem::warning(
                "union_map",
                format!(
                    "`{}` is a union map (CleverTap's generic export, {}): its properties are \
                     map keys in the data, which no footer tells; `glueprint onboard` reads a \
                     sample of them and says which branch each one uses",
                    c.name, c.ty
                ),
            )
        }));
        for key in &partition_keys {
            if columns.iter().any(|c| same_name(&c.name, &key.name)) {
                problems.push(Problem::error(
                    "partition_key_is_column",
                    format!(
                        "partition key `{}` is also a column in the files; Glue rejects a table \
                         whose partition key repeats a column: drop the column from the data or \
                         rename the partition folders",
                        key.name
                    ),
                ));
            }
        }

        let variants = self
            .schemas
            .iter()
            .map(|group| SchemaVariant {
                schema: group.schema.clone(),
                files: group.files,
                samples: group
                    .samples
                    .0
                    .iter()
                    .map(|key| lake.location_of(key))
                    .collect(),
            })
            .collect();
        TableReport {
            name,
            location,
            files: self.files,
            columns,
            partition_keys,
            partitions,
            problems,
            variants,
        }
    }

    /// Files the merged type would not read right in Athena, leaf by leaf: the type the scan
    /// proposes must read every file. What a note or a type conflict already explains
    /// (unsigned 32-bit integers as bigint, an int beside a string) is not said twice.
    fn unreadable_under_merged(
        &self,
        lake: &Lake,
        columns: &[Column],
        conflicts: &[Conflict],
    ) -> Vec<Problem> {
        let declared = |name: &str| columns.iter().find(|c| c.name == name).map(|c| &c.ty);
        let in_conflict = |path: &str| {
            conflicts.iter().any(|conflict| {
                let at = conflict_path(conflict);
                path == at
                    || path
                        .strip_prefix(&at)
                        .is_some_and(|rest| rest.starts_with(['.', '[', '{']))
            })
        };
        let mut problems: Vec<Problem> = Vec::new();
        for (index, group) in self.schemas.iter().enumerate() {
            let noted = |path: &str| group.schema.notes.iter().any(|n| n.path == path);
            for read in check_leaves(&group.schema.leaves, declared, Engine::Athena) {
                if !read.read.is_error() || noted(&read.path) || in_conflict(&read.path) {
                    continue;
                }
                problems.push(
                    Problem::error(
                        "merged_type_unreadable",
                        format!(
                            "`{}` is proposed as {}, which Athena cannot read right in files \
                             holding {}{}: declare the type those files hold, or rewrite them",
                            read.path,
                            read.declared,
                            read.parquet,
                            read.read
                                .why()
                                .map(|why| format!(" ({why})"))
                                .unwrap_or_default()
                        ),
                    )
                    .with_objects(self.sample_locations(lake, &[index])),
                );
            }
        }
        problems
    }

    /// The first few files (as locations) of the given schema groups.
    pub(super) fn sample_locations(&self, lake: &Lake, sources: &[usize]) -> Vec<String> {
        let mut keys = Samples::default();
        for &source in sources {
            for key in &self.schemas[source].samples.0 {
                keys.offer(key);
            }
        }
        keys.0.iter().map(|key| lake.location_of(key)).collect()
    }

    /// One problem per noted path and kind, in order of first appearance. A column null in
    /// some files is only noted when no file gave it a type.
    pub(super) fn note_problems(&self, lake: &Lake, columns: &[Column]) -> Vec<Problem> {
        let typed_paths = typed_paths(columns);
        let mut noted: Vec<(Note, Vec<usize>)> = Vec::new();
        let mut noted_index: HashMap<(String, &'static str), usize> = HashMap::new();
        for (index, group) in self.schemas.iter().enumerate() {
            for note in &group.schema.notes {
                let path = note.path.to_lowercase();
                if note.kind == NoteKind::NullOnly && typed_paths.contains(&path) {
                    continue;
                }
                let at = *noted_index
                    .entry((path, note.kind_id()))
                    .or_insert_with(|| {
                        noted.push((note.clone(), Vec::new()));
                        noted.len() - 1
                    });
                noted[at].1.push(index);
            }
        }
        noted
            .into_iter()
            .map(|(note, sources)| note.to_problem(self.sample_locations(lake, &sources)))
            .collect()
    }

    pub(super) fn conflict_problem(&self, lake: &Lake, conflict: &Conflict) -> Problem {
        let files_of =
            |sources: &[usize]| -> u64 { sources.iter().map(|&s| self.schemas[s].files).sum() };
        let column_path = conflict_path(conflict);
        let mut objects = self.sample_locations(lake, &conflict.left_sources);
        objects.extend(self.sample_locations(lake, &conflict.right_sources));
        Problem::error(
            "type_conflict",
            format!(
                "`{column_path}` is {} in {} file(s) and {} in {} file(s), and no Glue type reads \
                 both; the table keeps {}: rewrite the other files, or declare the column by hand",
                conflict.clash.left,
                files_of(&conflict.left_sources),
                conflict.clash.right,
                files_of(&conflict.right_sources),
                conflict.clash.left,
            ),
        )
        .with_objects(objects)
    }
}

/// Every path with a type in the merged columns, lowercased, in the notation of notes.
pub(super) fn typed_paths(columns: &[Column]) -> HashSet<String> {
    fn walk(path: ColumnPath, ty: &HiveType, out: &mut HashSet<String>) {
        match ty {
            HiveType::Struct(fields) => {
                for field in fields {
                    walk(path.field(&field.name.to_lowercase()), &field.ty, out);
                }
            }
            HiveType::Array(element) => walk(path.element(), element, out),
            HiveType::Map(key, value) => {
                walk(path.key(), key, out);
                walk(path.value(), value, out);
            }
            _ => {}
        }
        out.insert(path.to_string());
    }
    let mut paths = HashSet::new();
    for column in columns {
        walk(
            ColumnPath::column(&column.name.to_lowercase()),
            &column.ty,
            &mut paths,
        );
    }
    paths
}

/// Table folders whose names Glue folds to the same table name (`Charged/` and `charged/`):
/// each is told of the others, since only one of them can become the table.
pub(super) fn report_colliding_tables(tables: &mut [TableReport]) {
    let mut by_folded: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, table) in tables.iter().enumerate() {
        by_folded
            .entry(table.name.to_lowercase())
            .or_default()
            .push(index);
    }
    for indexes in by_folded.values().filter(|indexes| indexes.len() > 1) {
        let locations: Vec<String> = indexes
            .iter()
            .map(|&i| tables[i].location.to_string())
            .collect();
        for &index in indexes {
            tables[index].problems.push(
                Problem::error(
                    "table_name_collision",
                    format!(
                        "table folders {} become one table name once Glue lowercases them: \
                         merge them into one folder, or rename one",
                        locations.join(" and ")
                    ),
                )
                .with_objects(locations.clone()),
            );
        }
    }
}

/// Where a conflict is, in the notation of notes.
fn conflict_path(conflict: &Conflict) -> String {
    if conflict.clash.path.is_empty() {
        conflict.column.clone()
    } else {
        format!("{}.{}", conflict.column, conflict.clash.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::column_path::ColumnPath;
    use crate::infer::{FileColumn, Leaf};
    use crate::parquet_type::{Annotation, ParquetType, Physical, Unit};

    fn group(key: &str, parquet: ParquetType, notes: Vec<Note>) -> SchemaGroup {
        let mut samples = Samples::default();
        samples.offer(key);
        SchemaGroup {
            schema: Arc::new(FileSchema {
                columns: vec![FileColumn {
                    name: "c".into(),
                    ty: Some(HiveType::BigInt),
                }],
                notes,
                leaves: vec![Leaf {
                    path: ColumnPath::column("c"),
                    parquet,
                }],
            }),
            files: 1,
            samples,
        }
    }

    #[tokio::test]
    async fn the_merged_type_must_read_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).await.unwrap();
        let int64 = ParquetType {
            physical: Physical::Int64,
            annotation: Annotation::None,
        };
        let time32 = ParquetType {
            physical: Physical::Int32,
            annotation: Annotation::Time(Unit::Millis),
        };
        let accumulator = TableAccumulator {
            schemas: vec![
                group("t/a.parquet", int64, vec![]),
                group("t/b.parquet", time32, vec![]),
            ],
            ..TableAccumulator::default()
        };
        let columns = [Column {
            name: "c".into(),
            ty: HiveType::BigInt,
        }];
        let problems = accumulator.unreadable_under_merged(&lake, &columns, &[]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].kind, "merged_type_unreadable");
        assert!(
            problems[0].objects[0].ends_with("t/b.parquet"),
            "{problems:?}"
        );
        assert!(
            problems[0].message.contains("INT32 (TIME(MILLIS))"),
            "{problems:?}"
        );

        // What a note already explains is not said twice.
        let noted = Note {
            path: "c".into(),
            kind: NoteKind::Uint32,
        };
        let accumulator = TableAccumulator {
            schemas: vec![group("t/b.parquet", time32, vec![noted])],
            ..TableAccumulator::default()
        };
        assert!(
            accumulator
                .unreadable_under_merged(&lake, &columns, &[])
                .is_empty()
        );
    }
}
