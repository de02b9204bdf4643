//! A table's partitions from its files' folders: the layouts seen (which `key=` folders, in
//! which order), the one the table settles on, and the partition values it registers.

use std::collections::{BTreeMap, HashMap};

use crate::hive::HiveType;
use crate::layout::Folder;
use crate::problem::Problem;
use crate::store::Lake;

use super::table::Samples;
use super::{Column, Partition};

/// The partition folder keys of a file (`None` for a folder that is not `key=value`).
pub(super) type Layout = Vec<Option<String>>;

#[derive(Debug, Default)]
pub(super) struct LayoutGroup {
    pub(super) files: u64,
    pub(super) samples: Samples,
    /// Partition folder names (as in the keys) → values.
    pub(super) partitions: BTreeMap<Vec<String>, Vec<String>>,
}

impl LayoutGroup {
    /// Counts a file of this layout, and its partition when every folder is `key=value`.
    pub(super) fn add(&mut self, key: &str, folders: &[Folder]) {
        self.files += 1;
        self.samples.offer(key);
        if let Some(values) = folders
            .iter()
            .map(|folder| match folder {
                Folder::Partition { value, .. } => Some(value.clone()),
                Folder::Plain(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .filter(|values| !values.is_empty())
        {
            let raw = folders
                .iter()
                .map(|folder| match folder {
                    Folder::Partition { raw, .. } | Folder::Plain(raw) => raw.clone(),
                })
                .collect();
            self.partitions.entry(raw).or_insert(values);
        }
    }
}

/// The layout of a file's folders.
pub(super) fn layout_of(folders: &[Folder]) -> Layout {
    folders
        .iter()
        .map(|folder| match folder {
            Folder::Partition { key, .. } => Some(key.clone()),
            Folder::Plain(_) => None,
        })
        .collect()
}

/// Settles the table's partition keys: those of the `key=value` layout most of its files
/// share (on a tie, the one with the first key). Files laid out otherwise are reported,
/// never guessed at.
pub(super) fn settle(
    layouts: &mut BTreeMap<Layout, LayoutGroup>,
    lake: &Lake,
    table: &str,
    problems: &mut Vec<Problem>,
) -> (Vec<Column>, Vec<Partition>) {
    let chosen: Layout = layouts
        .iter()
        .filter(|(layout, _)| layout.iter().all(Option::is_some))
        .max_by(|a, b| {
            a.1.files
                .cmp(&b.1.files)
                .then_with(|| b.1.samples.first().cmp(a.1.samples.first()))
        })
        .map(|(layout, _)| layout.clone())
        .unwrap_or_default();
    let describe = |layout: &Layout| -> String {
        if layout.is_empty() {
            return "no partition folders".into();
        }
        layout
            .iter()
            .map(|key| {
                key.as_ref()
                    .map_or("<not key=value>".into(), |k| format!("{k}="))
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    for (layout, group) in layouts.iter() {
        let objects = group.samples.keys().iter().map(|key| lake.location_of(key));
        if layout.iter().any(Option::is_none) {
            problems.push(
                Problem::error(
                    "not_hive_partition_folder",
                    format!(
                        "{} file(s) of `{table}` sit in folders that are not key=value \
                         partition folders ({}); glueprint does not guess partitions (a \
                         crawler would invent partition_0): move them into folders such as \
                         dt=2020-09-19/",
                        group.files,
                        describe(layout)
                    ),
                )
                .with_objects(objects),
            );
        } else if *layout != chosen {
            let problem = if layout.is_empty() {
                Problem::error(
                    "file_at_table_root",
                    format!(
                        "{} file(s) sit directly in {table}/ beside its partition folders \
                         ({}); Athena reads only the partition folders of a partitioned \
                         table: move them into a partition folder or out of the table",
                        group.files,
                        describe(&chosen)
                    ),
                )
            } else {
                Problem::error(
                    "partition_keys_mismatch",
                    format!(
                        "{} file(s) of `{table}` are in partition folders {} while its first \
                         files use {}; every file of a table needs the same partition keys in \
                         the same order: move them",
                        group.files,
                        describe(layout),
                        describe(&chosen)
                    ),
                )
            };
            problems.push(problem.with_objects(objects));
        }
    }
    let keys = chosen
        .iter()
        .flatten()
        .map(|key| Column {
            name: key.clone(),
            ty: HiveType::String,
        })
        .collect();
    let group = layouts.remove(&chosen).unwrap_or_default();
    let location = |folders: &[String]| lake.folder(&format!("{table}/{}", folders.join("/")));
    let mut partitions: Vec<Partition> = Vec::new();
    let mut by_values: HashMap<Vec<String>, Vec<String>> = HashMap::new();
    for (folders, values) in group.partitions {
        if let Some(problem) = unusable_partition_value(&folders, &values) {
            problems.push(problem.with_objects([location(&folders).to_string()]));
            continue;
        }
        match by_values.get(&values) {
            // `city=New York/` (Spark) beside `city=New%20York/` (pyarrow): one partition
            // of Glue's, two folders. The first folder is kept, so plans stay stable.
            Some(kept) => problems.push(
                Problem::error(
                    "partition_values_collision",
                    format!(
                        "partition folders {} and {} of `{table}` decode to the same values \
                         ({}); Glue registers one folder per partition, so the files of \
                         the second are never read: move them into the first",
                        location(kept),
                        location(&folders),
                        values.join("/")
                    ),
                )
                .with_objects([location(kept).to_string(), location(&folders).to_string()]),
            ),
            None => {
                partitions.push(Partition {
                    values: values.clone(),
                    location: location(&folders),
                });
                by_values.insert(values, folders);
            }
        }
    }
    (keys, partitions)
}

/// Why a partition folder cannot become a Glue partition: an empty value (Hive writes
/// `__HIVE_DEFAULT_PARTITION__` for nulls, which stays a value), or bytes that are not UTF-8
/// once the folder name's `%XX` escapes are decoded.
pub(super) fn unusable_partition_value(folders: &[String], values: &[String]) -> Option<Problem> {
    for (folder, value) in folders.iter().zip(values) {
        if value.is_empty() {
            return Some(Problem::error(
                "empty_partition_value",
                format!(
                    "partition folder `{folder}` has an empty value, which Glue cannot register: \
                     write nulls as {folder}__HIVE_DEFAULT_PARTITION__, as Hive and Spark do"
                ),
            ));
        }
        let raw = folder.split_once('=').map_or("", |(_, raw)| raw);
        if percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .is_err()
        {
            return Some(Problem::error(
                "partition_value_not_utf8",
                format!(
                    "partition folder `{folder}` decodes to bytes that are not UTF-8, which no \
                     Glue partition value can hold: rename the folder"
                ),
            ));
        }
    }
    None
}
