//! What the scan says about the lake as a whole: files outside table folders, keys it cannot
//! read, tables asked for and not found, the footer cache, and layouts that look mistaken.

use std::collections::HashSet;

use crate::cache::CacheError;
use crate::hive::same_name;
use crate::layout::{Folder, parse_folder};
use crate::partition_filter::PartitionFilter;
use crate::problem::Problem;
use crate::store::Lake;

use super::{ScanOptions, TableReport};

/// Problems of the listing: files outside table folders, unreadable keys, tables asked for
/// and not found (`found` tells which were), and a footer cache that failed.
pub(super) fn lake_problems(
    lake: &Lake,
    options: &ScanOptions,
    mut outside_tables: Vec<String>,
    unreadable_keys: Vec<String>,
    cache_failures: &[CacheError],
    found: impl Fn(&str) -> bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !outside_tables.is_empty() {
        outside_tables.sort();
        problems.push(
            Problem::warning(
                "file_outside_tables",
                format!(
                    "{} file(s) sit directly in {}, outside any table folder; tables are the \
                     folders below the root: move them into a table folder or elsewhere",
                    outside_tables.len(),
                    lake.root()
                ),
            )
            .with_objects(outside_tables.iter().map(|key| lake.location_of(key))),
        );
    }
    for reason in unreadable_keys {
        problems.push(Problem::error(
            "unreadable_key",
            format!(
                "an object under {} has a name glueprint cannot read ({reason}); it is left \
                 out and every other object is scanned: rename it",
                lake.root()
            ),
        ));
    }
    for wanted in &options.tables {
        if !found(wanted) {
            problems.push(Problem::error(
                "table_not_found",
                format!(
                    "no data files under {}: check the table name (table folders are the \
                     folders directly below {})",
                    lake.location_of(&format!("{wanted}/")),
                    lake.root()
                ),
            ));
        }
    }
    // The cache only saves reads: a cache that fails is said once, never fatal.
    if let Some(error) = cache_failures.first() {
        problems.push(Problem::warning(
            "footer_cache",
            format!(
                "{error}; the scan went on without it: delete the file (with its -wal and -shm \
                 files) to start a new one"
            ),
        ));
    }
    problems
}

/// A partition condition on a key some table does not have filtered nothing there: said on
/// that table.
pub(super) fn unknown_partition_keys(
    tables: &mut [TableReport],
    partitions: Option<&PartitionFilter>,
) {
    if let Some(PartitionFilter { key: Some(key), .. }) = partitions {
        for table in tables.iter_mut() {
            if !table.partition_keys.is_empty()
                && !table.partition_keys.iter().any(|k| same_name(&k.name, key))
            {
                let keys: Vec<&str> = table
                    .partition_keys
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect();
                table.problems.push(Problem::error(
                    "unknown_partition_key",
                    format!(
                        "the partition condition names `{key}`, which is not a partition key of \
                         `{}` (its keys: {}): the condition filtered nothing there",
                        table.name,
                        keys.join(", ")
                    ),
                ));
            }
        }
    }
}

/// A condition that matched no partition, and a root that looks like one table rather than a
/// lake of tables.
pub(super) fn layout_problems(
    lake: &Lake,
    tables: &[TableReport],
    filtered_tables: &HashSet<String>,
    partitions: Option<&PartitionFilter>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let nothing_matched = tables.is_empty() && !filtered_tables.is_empty();
    if nothing_matched && let Some(filter) = partitions {
        problems.push(Problem::warning(
            "no_partition_matched",
            format!(
                "no partition folder of {} passes the condition {filter}: nothing was read",
                filtered_tables
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if !tables.is_empty()
        && tables
            .iter()
            .all(|t| matches!(parse_folder(&t.name), Folder::Partition { .. }))
    {
        problems.push(Problem::warning(
            "root_is_a_table",
            format!(
                "every folder below {} is a partition folder ({}=...), so {} looks like one \
                 table rather than a lake of tables: point glueprint at its parent folder",
                lake.root(),
                tables[0].name.split('=').next().unwrap_or_default(),
                lake.root()
            ),
        ));
    }
    problems
}
