//! Where an object sits in the lake: which table it belongs to, which Hive partition folders
//! lead to it, or why it is not table data at all.
//!
//! The lake layout is `<root>/<table>/<key>=<value>/.../<file>`. This module only reads object
//! keys; whether the folders of one table agree with each other is decided per table, by the
//! scan, once all keys are known.

use crate::partition_filter::PartitionFilter;

/// One folder between the table folder and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folder {
    /// A Hive partition folder `key=value`; the value is un-escaped as Hive escapes it.
    Partition {
        key: String,
        value: String,
        raw: String,
    },
    /// Any other folder: not something a partition can be made of.
    Plain(String),
}

/// What an object key (relative to the lake root) means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Not table data: writer bookkeeping (`_SUCCESS`, `.crc`, `_temporary/`), hidden files and
    /// folder markers. Counted, never read.
    Skipped,
    /// A file directly under the lake root, outside any table folder.
    OutsideTables,
    /// A data file of `table`, below `folders`.
    Table { table: String, folders: Vec<Folder> },
}

/// Whether a partition folder `key=value` at the first level passes `filter`; plain folders
/// and folders of another key pass.
pub fn admits_folder(filter: &PartitionFilter, folder: &str) -> bool {
    match parse_folder(folder) {
        Folder::Partition { key, value, .. } => filter.admits_value(&key, &value),
        Folder::Plain(_) => true,
    }
}

/// Classifies a key relative to the lake root, such as `app_launched/dt=2020-09-19/part-0.parquet`.
pub fn place(relative_key: &str) -> Placement {
    if relative_key.is_empty() || relative_key.ends_with('/') {
        return Placement::Skipped;
    }
    let segments: Vec<&str> = relative_key.split('/').collect();
    // A table folder may start with `_` (`_underscore_table/`); bookkeeping hides below it,
    // or at the root as a file or a dot-folder.
    let table_folder = (segments.len() > 1)
        .then(|| segments[0])
        .filter(|table| !table.starts_with('.') && !TABLE_LEVEL_BOOKKEEPING.contains(table));
    let below = if table_folder.is_some() {
        &segments[1..]
    } else {
        &segments[..]
    };
    if below.iter().any(|segment| is_bookkeeping(segment)) {
        return Placement::Skipped;
    }
    let file_name = segments[segments.len() - 1];
    if file_name.ends_with(".crc") || file_name.ends_with("$folder$") {
        return Placement::Skipped;
    }
    match segments.as_slice() {
        [_file] => Placement::OutsideTables,
        [table, folders @ .., _file] => Placement::Table {
            table: (*table).to_string(),
            folders: folders.iter().map(|folder| parse_folder(folder)).collect(),
        },
        [] => Placement::Skipped,
    }
}

/// Writers' bookkeeping folders that sit where a table folder would.
const TABLE_LEVEL_BOOKKEEPING: [&str; 3] = ["_temporary", "_spark_metadata", "_delta_log"];

/// Hadoop, Spark and Hive hide their bookkeeping behind a leading `_` or `.`.
fn is_bookkeeping(segment: &str) -> bool {
    segment.starts_with('_') || segment.starts_with('.')
}

pub fn parse_folder(folder: &str) -> Folder {
    match folder.split_once('=') {
        Some((key, value)) if !key.is_empty() => Folder::Partition {
            key: unescape(key),
            value: unescape(value),
            raw: folder.to_string(),
        },
        _ => Folder::Plain(folder.to_string()),
    }
}

/// Hive writes special characters in partition folder names as `%XX`.
fn unescape(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(key: &str, value: &str) -> Folder {
        Folder::Partition {
            key: key.into(),
            value: value.into(),
            raw: format!("{key}={value}"),
        }
    }

    #[test]
    fn a_table_folder_may_start_with_an_underscore() {
        assert_eq!(
            place("_underscore_table/dt=1/x.parquet"),
            Placement::Table {
                table: "_underscore_table".into(),
                folders: vec![partition("dt", "1")],
            }
        );
        assert_eq!(place("_underscore_table/_SUCCESS"), Placement::Skipped);
        assert_eq!(place("_temporary/0/x.parquet"), Placement::Skipped);
        assert_eq!(place(".hidden/x.parquet"), Placement::Skipped);
        assert_eq!(place("_SUCCESS"), Placement::Skipped);
    }

    #[test]
    fn finds_table_and_partitions() {
        assert_eq!(
            place("app_launched/year=2020/month=09/day=19/x.parquet"),
            Placement::Table {
                table: "app_launched".into(),
                folders: vec![
                    partition("year", "2020"),
                    partition("month", "09"),
                    partition("day", "19")
                ],
            }
        );
        assert_eq!(
            place("charged/part-0.parquet"),
            Placement::Table {
                table: "charged".into(),
                folders: vec![]
            }
        );
    }

    #[test]
    fn skips_writer_bookkeeping() {
        for key in [
            "t/dt=1/_SUCCESS",
            "t/dt=1/.part-0.parquet.crc",
            "t/dt=1/part-0.parquet.crc",
            "t/_temporary/0/part-0.parquet",
            ".hidden/x.parquet",
            "t/dt=1_$folder$",
            "t/dt=1/",
        ] {
            assert_eq!(place(key), Placement::Skipped, "{key}");
        }
    }

    #[test]
    fn reports_plain_folders_and_root_files() {
        assert_eq!(place("stray.parquet"), Placement::OutsideTables);
        assert_eq!(
            place("t/2020/x.parquet"),
            Placement::Table {
                table: "t".into(),
                folders: vec![Folder::Plain("2020".into())]
            }
        );
    }

    #[test]
    fn partition_folders_pass_filters_on_their_own_key() {
        let filter: PartitionFilter = "dt >= 2020-09-20".parse().unwrap();
        assert!(admits_folder(&filter, "dt=2020-09-20"));
        assert!(admits_folder(&filter, "dt=2020-10-01"));
        assert!(!admits_folder(&filter, "dt=2020-09-19"));
        assert!(
            admits_folder(&filter, "year=2019"),
            "another key is not filtered"
        );
        assert!(admits_folder(&filter, "plain"));
        let since = PartitionFilter::since("2020");
        assert!(admits_folder(&since, "year=2021") && !admits_folder(&since, "year=2019"));
    }

    #[test]
    fn unescapes_hive_partition_values() {
        let Placement::Table { folders, .. } = place("t/ts=2020-09-19 10%3A00/x.parquet") else {
            panic!("not a table file");
        };
        assert_eq!(
            folders,
            vec![Folder::Partition {
                key: "ts".into(),
                value: "2020-09-19 10:00".into(),
                raw: "ts=2020-09-19 10%3A00".into()
            }]
        );
    }
}
