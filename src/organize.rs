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
use std::sync::Arc;

use async_compression::tokio::bufread::GzipDecoder;
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio_util::io::StreamReader;

use crate::declare::{Declared, TableRef};
use crate::footer::{DEFAULT_PREFETCH, GZIP_MAGIC, read_footer};
use crate::hive::same_names;
use crate::naming::{event_identity, table_name};
use crate::store::Lake;

/// One CleverTap export object name, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportName {
    pub request_id: String,
    pub run_timestamp: String,
    pub event: String,
    pub date: NaiveDate,
    pub file_index: u32,
    pub database_id: String,
    /// The name without its extensions: the base of the organized file's name.
    pub base: String,
}

/// Parses an export file name; `None` when it does not follow the export pattern. Event names
/// and database ids (`W8W-4K7-WK5Z`) may both hold `-`, so the date and file index are found as
/// the last `-<8 digits>-<digits>-` run.
pub fn parse_export_name(file_name: &str) -> Option<ExportName> {
    let base = strip_extensions(file_name)?;
    let (request_id, rest) = base.split_once('-')?;
    let (run_timestamp, rest) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if request_id.is_empty() || !digits(run_timestamp) {
        return None;
    }
    let parts: Vec<&str> = rest.split('-').collect();
    let at = (1..parts.len().saturating_sub(2))
        .rev()
        .find(|&i| parts[i].len() == 8 && digits(parts[i]) && digits(parts[i + 1]))?;
    let event = parts[..at].join("-");
    let database_id = parts[at + 2..].join("-");
    if event.trim().is_empty() || database_id.is_empty() {
        return None;
    }
    Some(ExportName {
        request_id: request_id.to_string(),
        run_timestamp: run_timestamp.to_string(),
        event,
        date: NaiveDate::parse_from_str(parts[at], "%Y%m%d").ok()?,
        file_index: parts[at + 1].parse().ok()?,
        database_id,
        base: base.to_string(),
    })
}

fn strip_extensions(file_name: &str) -> Option<&str> {
    [".parquet.gzip", ".parquet.gz", ".parquet"]
        .iter()
        .find_map(|ext| file_name.strip_suffix(ext))
}

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

/// Copies or decompresses one export; returns what happened and the bytes written.
async fn transfer(
    from: &Lake,
    to: &Lake,
    job: &Job,
    options: &OrganizeOptions,
    same_store: bool,
) -> Result<(Outcome, u64), String> {
    let source_store = from.store();
    let size = job.source.size;
    let head = if size >= 2 {
        source_store
            .get_range(&job.source.location, 0..2)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?
    } else {
        bytes::Bytes::new()
    };
    let gzipped = head.starts_with(&GZIP_MAGIC);
    // A gzip member ends with the uncompressed size (mod 2^32): enough to see whether the
    // target already holds this file, without decompressing it again.
    let expected_size = if gzipped {
        let trailer = source_store
            .get_range(&job.source.location, size.saturating_sub(4)..size)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?;
        let isize = u32::from_le_bytes(
            trailer
                .as_ref()
                .try_into()
                .map_err(|_| "the gzip stream is truncated".to_string())?,
        );
        u64::from(isize)
    } else {
        size
    };
    let target_store = to.store();
    if let Ok(existing) = target_store.head(&job.target).await
        && existing.size % (1 << 32) == expected_size % (1 << 32)
        && (gzipped || existing.size == expected_size)
    {
        if options.delete_source && !options.dry_run {
            verify(target_store, &job.target, existing.size).await?;
            delete_source_if_same(from, to, job, gzipped).await?;
        }
        return Ok((Outcome::Skipped, 0));
    }
    if options.dry_run {
        return Ok((Outcome::Planned, expected_size));
    }
    // Local targets are written under a hidden name and renamed into place; S3 objects appear
    // whole when their upload completes.
    let staged = if to.is_local() {
        let (folder, file) = job
            .target
            .as_ref()
            .rsplit_once('/')
            .unwrap_or(("", job.target.as_ref()));
        Path::from(format!("{folder}/{STAGING_PREFIX}{file}"))
    } else {
        job.target.clone()
    };
    let outcome = if gzipped {
        decompress(source_store, &job.source.location, target_store, &staged).await?;
        Outcome::Decompressed
    } else if same_store {
        target_store
            .copy(&job.source.location, &staged)
            .await
            .map_err(|e| format!("cannot copy it: {e}"))?;
        Outcome::Copied
    } else {
        let bytes = source_store
            .get(&job.source.location)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?
            .into_stream();
        write_stream(target_store, &staged, bytes.map_err(std::io::Error::other)).await?;
        Outcome::Copied
    };
    let written = target_store
        .head(&staged)
        .await
        .map_err(|e| format!("cannot read back {}: {e}", job.target_key))?;
    if let Err(error) = verify(target_store, &staged, written.size).await {
        let _ = target_store.delete(&staged).await;
        return Err(format!("{error}; it was removed, the source is kept"));
    }
    if staged != job.target {
        target_store
            .rename(&staged, &job.target)
            .await
            .map_err(|e| format!("cannot move the result into place: {e}; the source is kept"))?;
    }
    if options.delete_source {
        delete_source_if_same(from, to, job, gzipped).await?;
    }
    Ok((outcome, written.size))
}

/// Checks that `path` is a readable Parquet file.
async fn verify(store: &Arc<dyn ObjectStore>, path: &Path, size: u64) -> Result<(), String> {
    let footer = read_footer(store.as_ref(), path, size, DEFAULT_PREFETCH).await;
    footer
        .result
        .map(|_| ())
        .map_err(|error| format!("the result is not a readable Parquet file (it {error})"))
}

/// Deletes the source, once the target is proven to hold its content: the same length and
/// SHA-256 as the source's bytes (decompressed, for gzip), never merely "a readable file".
async fn delete_source_if_same(
    from: &Lake,
    to: &Lake,
    job: &Job,
    gzipped: bool,
) -> Result<(), String> {
    if from.same_store(to) && job.source.location == job.target {
        return Err("the source is its own target: it is kept".into());
    }
    let source = content_digest(from.store(), &job.source.location, gzipped).await?;
    let target = content_digest(to.store(), &job.target, false).await?;
    if source != target {
        return Err(format!(
            "{} exists but holds other content than this source ({} vs {} bytes, or another \
             checksum); the source is kept: look at both, then remove the wrong one",
            job.target_key, target.0, source.0
        ));
    }
    from.store()
        .delete(&job.source.location)
        .await
        .map_err(|e| format!("organized, but the source could not be deleted: {e}"))
}

/// The length and SHA-256 of an object's content, decompressed first when `gunzip`.
async fn content_digest(
    store: &Arc<dyn ObjectStore>,
    path: &Path,
    gunzip: bool,
) -> Result<(u64, Vec<u8>), String> {
    use sha2::{Digest, Sha256};
    let stream = store
        .get(path)
        .await
        .map_err(|e| format!("cannot read {path} to compare it: {e}"))?
        .into_stream()
        .map_err(std::io::Error::other);
    let mut chunks: ByteStream = if gunzip {
        Box::pin(gunzipped(stream))
    } else {
        Box::pin(stream)
    };
    let mut hasher = Sha256::new();
    let mut length = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("cannot read {path} to compare it: {e}"))?;
        length += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((length, hasher.finalize().to_vec()))
}

async fn decompress(
    source_store: &Arc<dyn ObjectStore>,
    source: &Path,
    target_store: &Arc<dyn ObjectStore>,
    target: &Path,
) -> Result<(), String> {
    let stream = source_store
        .get(source)
        .await
        .map_err(|e| format!("cannot read it: {e}"))?
        .into_stream()
        .map_err(std::io::Error::other);
    write_stream(target_store, target, gunzipped(stream))
        .await
        .map_err(|e| format!("cannot decompress it ({e}); the gzip data is corrupt or truncated"))
}

type ByteStream =
    std::pin::Pin<Box<dyn futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send>>;

/// The decompressed bytes of a gzip stream, all of its members (CleverTap may concatenate them).
fn gunzipped(
    stream: impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + Unpin,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send {
    let mut decoder = GzipDecoder::new(StreamReader::new(stream));
    decoder.multiple_members(true);
    tokio_util::io::ReaderStream::new(decoder)
}

/// Streams `chunks` into `target` (a multipart upload for large objects). The object appears
/// only when complete; on any error the upload is aborted and nothing appears.
async fn write_stream(
    store: &Arc<dyn ObjectStore>,
    target: &Path,
    mut chunks: impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Unpin,
) -> Result<(), String> {
    let mut writer = BufWriter::new(Arc::clone(store), target.clone());
    let written: std::io::Result<()> = async {
        while let Some(chunk) = chunks.next().await {
            writer.write_all(&chunk?).await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = written {
        let _ = writer.abort().await;
        return Err(error.to_string());
    }
    // A failed shutdown has already given up its upload; aborting after it would panic.
    writer
        .shutdown()
        .await
        .map_err(|error| format!("cannot write {target}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_with_spaces_and_dashes_parse() {
        let name = parse_export_name(
            "1600473600123-1600480000-App Launched - iOS-20200919-3-W8W-4K7-WK5Z.parquet.gzip",
        )
        .unwrap();
        assert_eq!(name.event, "App Launched - iOS");
        assert_eq!(name.database_id, "W8W-4K7-WK5Z");
        let name = parse_export_name(
            "1600473600123-1600480000-UTM Visited - Web-20200919-3-ZWWWWWW4Z.parquet.gzip",
        )
        .unwrap();
        assert_eq!(name.event, "UTM Visited - Web");
        assert_eq!(name.date, NaiveDate::from_ymd_opt(2020, 9, 19).unwrap());
        assert_eq!(name.file_index, 3);
        assert_eq!(name.database_id, "ZWWWWWW4Z");
        assert_eq!(
            name.base,
            "1600473600123-1600480000-UTM Visited - Web-20200919-3-ZWWWWWW4Z"
        );
        assert_eq!(
            parse_export_name("42-1600480000-Charged-20201231-0-abc.parquet")
                .unwrap()
                .event,
            "Charged"
        );
    }

    #[test]
    fn other_names_are_not_exports() {
        for name in [
            "notes.txt",
            "Charged-20200919.parquet",
            "42-1600480000-Charged-2020091-0-abc.parquet",
            "42-1600480000-Charged-20201340-0-abc.parquet",
            "42-x-Charged-20200919-0-abc.parquet",
            "42-1600480000--20200919-0-abc.parquet",
        ] {
            assert_eq!(parse_export_name(name), None, "{name}");
        }
    }

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
