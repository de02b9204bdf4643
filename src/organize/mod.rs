//! Organize: CleverTap's flat export folder → one folder per event with date partitions.
//!
//! Export objects are named `<request id>-<run timestamp>-<event name>-<yyyymmdd>-<file
//! index>-<database id>.<ext>` (catalog-facts §7), the event name possibly holding spaces and
//! `-`. Each becomes `<lake>/<table>/dt=YYYY-MM-DD/<base name>.parquet`. Plain Parquet is copied
//! (server-side within one store); gzip-wrapped Parquet, found by its magic bytes, is streamed
//! through a decoder into a (multipart) upload, and the result's footer is checked before the
//! file counts as done. Targets appear whole or not at all, so an interrupted run re-run
//! converges; sources are deleted only with `--delete-source`, after verification.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;
use object_store::path::Path;
use serde::Serialize;

use crate::declare::{Declared, TableRef};
use crate::hive::same_names;
use crate::naming::{event_identity, table_name};
use crate::store::Lake;

mod export_name;
mod transfer;

pub use export_name::{ExportName, parse_export_name};
use transfer::transfer;

/// How the date becomes partition folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `dt=YYYY-MM-DD`
    #[default]
    Dt,
    /// `year=YYYY/month=MM/day=DD`
    YearMonthDay,
}

impl Layout {
    pub fn folders(self, date: NaiveDate) -> String {
        match self {
            Layout::Dt => format!("dt={}", date.format("%Y-%m-%d")),
            Layout::YearMonthDay => format!(
                "year={}/month={}/day={}",
                date.format("%Y"),
                date.format("%m"),
                date.format("%d")
            ),
        }
    }

    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Layout::Dt => &["dt"],
            Layout::YearMonthDay => &["year", "month", "day"],
        }
    }
}

/// Checks that the declared tables of `events` (all when empty) are partitioned as `layout`
/// writes, before anything is copied.
pub fn check_declared_layout(
    declared: &Declared,
    events: &[String],
    layout: Layout,
) -> Result<(), OrganizeError> {
    let selected = if events.is_empty() {
        declared.of_all()
    } else {
        declared.of_events(events)
    };
    for TableRef { table, .. } in selected {
        let keys = table.partition_keys.iter().map(|k| k.name.as_str());
        if !same_names(keys, layout.keys().iter().copied()) {
            return Err(OrganizeError::LayoutMismatch {
                table: table.path.display().to_string(),
                declared: table
                    .partition_keys
                    .iter()
                    .map(|k| k.name.to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", "),
                layout: layout.keys().join(", "),
            });
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct OrganizeOptions {
    /// Only these events (CleverTap names, compared case- and space-insensitively).
    pub events: Vec<String>,
    /// Only files of this day.
    pub date: Option<NaiveDate>,
    /// Only files of this day and later.
    pub since: Option<NaiveDate>,
    pub layout: Layout,
    pub dry_run: bool,
    pub delete_source: bool,
    pub concurrency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Copied,
    Decompressed,
    /// Already at the target with the same content size.
    Skipped,
    /// `--dry-run`: would be copied or decompressed.
    Planned,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub source: String,
    pub target: String,
    pub event: String,
    pub table: String,
    pub outcome: Outcome,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EventSummary {
    pub table: String,
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OrganizeReport {
    pub files: Vec<FileReport>,
    /// Objects whose names are not CleverTap export names: left where they are.
    pub unparsed: Vec<String>,
    pub events: BTreeMap<String, EventSummary>,
}

impl OrganizeReport {
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.outcome == Outcome::Failed)
            .count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OrganizeError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "--from {from} and --to {to} overlap (one holds the other), so organize would read its \
         own output back as exports and, with --delete-source, delete the lake: choose folders \
         apart"
    )]
    Overlap { from: String, to: String },
    #[error(
        "{table} declares partition keys ({declared}) but --layout writes ({layout}); choose the \
         layout the catalog declares"
    )]
    LayoutMismatch {
        table: String,
        declared: String,
        layout: String,
    },
}

struct Job {
    source: ObjectMeta,
    source_key: String,
    target: Path,
    target_key: String,
    name: ExportName,
    table: String,
}

/// Organizes the exports under `from` into the lake `to`; `progress` hears (done, total) after
/// each file.
pub async fn organize(
    from: &Lake,
    to: &Lake,
    options: &OrganizeOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<OrganizeReport, OrganizeError> {
    if from.overlaps(to) {
        return Err(OrganizeError::Overlap {
            from: from.root().to_string(),
            to: to.root().to_string(),
        });
    }
    if to.is_local() && !options.dry_run {
        remove_stale_staging(to);
    }
    let wanted: Vec<String> = options.events.iter().map(|e| event_identity(e)).collect();
    let listed: Vec<ObjectMeta> =
        from.list(None)
            .try_collect()
            .await
            .map_err(|source| crate::store::StoreError::List {
                location: from.root().to_string(),
                source,
            })?;
    let mut report = OrganizeReport::default();
    let mut jobs = Vec::new();
    let mut refused: Vec<FileReport> = Vec::new();
    for meta in listed {
        let key = from.relative(&meta.location).to_string();
        let file_name = key.rsplit('/').next().unwrap_or(&key);
        let Some(name) = parse_export_name(file_name) else {
            report.unparsed.push(from.location_of(&key));
            continue;
        };
        if !wanted.is_empty() && !wanted.contains(&event_identity(&name.event)) {
            continue;
        }
        if options.date.is_some_and(|date| name.date != date)
            || options.since.is_some_and(|since| name.date < since)
        {
            continue;
        }
        let table = table_name(&name.event);
        let target_key = format!(
            "{table}/{}/{}.parquet",
            options.layout.folders(name.date),
            name.base
        );
        let refuse = |error: String| FileReport {
            source: from.location_of(&key),
            target: to.location_of(&target_key),
            event: name.event.clone(),
            table: table.clone(),
            outcome: Outcome::Failed,
            bytes: 0,
            error: Some(error),
        };
        if table.is_empty() {
            refused.push(refuse(format!(
                "event `{}` has no letters or digits to name a table after: left alone; rename \
                 the event in CleverTap or move the file",
                name.event
            )));
            continue;
        }
        if let Some(reason) = reached_through_link(from, &meta) {
            refused.push(refuse(reason));
            continue;
        }
        jobs.push(Job {
            target: to.path_of(&target_key),
            source_key: from.location_of(&key),
            target_key: to.location_of(&target_key),
            source: meta,
            name,
            table,
        });
    }
    report.unparsed.sort();
    let (jobs, colliding) = without_colliding_targets(jobs);
    refused.extend(colliding);

    let same_store = from.same_store(to);
    let total = jobs.len() + refused.len();
    let mut tasks = futures::stream::iter(jobs)
        .map(|job| {
            let (from, to) = (from.clone(), to.clone());
            let options = options.clone();
            let if_lost = failed_report(&job, "");
            let task =
                tokio::spawn(
                    async move { organize_one(&from, &to, job, &options, same_store).await },
                );
            async move {
                // A task that died still has a line of its own; the source stays.
                task.await.unwrap_or_else(|error| FileReport {
                    error: Some(format!(
                        "the copy stopped unexpectedly ({error}); the source is kept"
                    )),
                    ..if_lost
                })
            }
        })
        .buffer_unordered(options.concurrency.max(1));
    let mut results: Vec<FileReport> = refused;
    while let Some(file) = tasks.next().await {
        results.push(file);
        progress(results.len(), total);
    }
    results.sort_by(|a, b| a.source.cmp(&b.source));
    for file in &results {
        let summary = report
            .events
            .entry(file.event.clone())
            .or_insert_with(|| EventSummary {
                table: file.table.clone(),
                ..EventSummary::default()
            });
        summary.files += 1;
        match file.outcome {
            Outcome::Skipped => summary.skipped += 1,
            Outcome::Failed => summary.failed += 1,
            _ => summary.bytes += file.bytes,
        }
    }
    report.files = results;
    Ok(report)
}

fn failed_report(job: &Job, error: &str) -> FileReport {
    FileReport {
        source: job.source_key.clone(),
        target: job.target_key.clone(),
        event: job.name.event.clone(),
        table: job.table.clone(),
        outcome: Outcome::Failed,
        bytes: 0,
        error: (!error.is_empty()).then(|| error.to_string()),
    }
}

/// Jobs whose targets no other job shares, and a failure for each of those that do (the same
/// export name in two folders, `x.parquet` beside `x.parquet.gzip`): none of them is copied,
/// so none of them can be deleted as "done".
fn without_colliding_targets(jobs: Vec<Job>) -> (Vec<Job>, Vec<FileReport>) {
    let mut per_target: BTreeMap<String, usize> = BTreeMap::new();
    for job in &jobs {
        *per_target.entry(job.target_key.clone()).or_default() += 1;
    }
    let (unique, shared): (Vec<Job>, Vec<Job>) = jobs
        .into_iter()
        .partition(|job| per_target[&job.target_key] == 1);
    let failures = shared
        .iter()
        .map(|job| {
            failed_report(
                job,
                &format!(
                    "{} export files would become the same file {}; none of them is copied or \
                     deleted: keep one of them in --from",
                    per_target[&job.target_key], job.target_key
                ),
            )
        })
        .collect();
    (unique, failures)
}

/// For a local `--from`: why a source reached through a symbolic link is left alone. Deleting
/// through a link would delete files outside `--from`.
fn reached_through_link(from: &Lake, meta: &ObjectMeta) -> Option<String> {
    let path = from.local_path(&meta.location)?;
    let root = from.local_path(&from.path_of(""))?;
    match std::fs::canonicalize(&path) {
        Ok(real) if real == path && real.starts_with(&root) => None,
        Ok(real) => Some(format!(
            "is reached through a symbolic link (it is {}); organize follows no links: copy the \
             file itself into --from",
            real.display()
        )),
        Err(error) => Some(format!("cannot be resolved ({error})")),
    }
}

/// Prefix of the hidden names local targets are written under before they are renamed into
/// place: engines and `aws s3 sync` skip hidden files, so a killed run leaves nothing they read.
const STAGING_PREFIX: &str = ".glueprint-staging-";

/// Deletes what killed runs left in a local lake: our hidden staging files, and the `name#N`
/// files object_store stages beside a target.
fn remove_stale_staging(to: &Lake) {
    fn walk(dir: &std::path::Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                walk(&path);
            } else if kind.is_file() && is_staging_leftover(&name) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    if let Some(root) = to.local_path(&to.path_of("")) {
        walk(&root);
    }
}

fn is_staging_leftover(name: &str) -> bool {
    name.starts_with(STAGING_PREFIX)
        || name
            .rsplit_once(".parquet#")
            .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

async fn organize_one(
    from: &Lake,
    to: &Lake,
    job: Job,
    options: &OrganizeOptions,
    same_store: bool,
) -> FileReport {
    let mut report = failed_report(&job, "");
    match transfer(from, to, &job, options, same_store).await {
        Ok((outcome, bytes)) => {
            report.outcome = outcome;
            report.bytes = bytes;
        }
        Err(error) => report.error = Some(error),
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_give_hive_folders() {
        let date = NaiveDate::from_ymd_opt(2020, 9, 1).unwrap();
        assert_eq!(Layout::Dt.folders(date), "dt=2020-09-01");
        assert_eq!(
            Layout::YearMonthDay.folders(date),
            "year=2020/month=09/day=01"
        );
    }
}
