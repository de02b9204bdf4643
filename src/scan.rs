//! The scan: list a lake, read every data file's footer, and derive each table's schema and
//! partitions.
//!
//! Footers are read by many tasks at once (bounded), while one loop folds their results into
//! per-table accumulators. The accumulators keep one entry per distinct file schema and per
//! partition, never one per file, so memory does not grow with the number of files. Results do
//! not depend on the order in which reads finish: "first" always means "smallest object key".

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;
use serde::Serialize;

use futures::stream::BoxStream;

use crate::aws::AwsSettings;
use crate::cache::FooterCache;
use crate::footer::{FooterError, FooterRead, read_footer, read_local_footer};
use crate::hive::{HiveType, same_name};
use crate::infer::{FileSchema, Note, NoteKind, SchemaError, file_schema, fingerprint};
use crate::layout::{Folder, Placement, admits_folder, parse_folder, place};
use crate::location::Location;
use crate::merge::{Conflict, SchemaMerger};
use crate::partition_filter::PartitionFilter;
use crate::problem::Problem;
use crate::store::Lake;

/// Footer reads in flight at once unless told otherwise: enough to hide S3 latency, few
/// enough to stay far from request-rate limits.
pub const DEFAULT_CONCURRENCY: u16 = 64;

/// How many object keys a problem lists per side at most.
const SAMPLE_KEYS: usize = 3;

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Only these tables (folder names under the root); all tables when empty.
    pub tables: Vec<String>,
    /// Footer reads in flight at once.
    pub concurrency: usize,
    /// Bytes read from the end of each file in the first request.
    pub prefetch: u64,
    /// Footers already read in earlier runs; `None` reads every footer.
    pub cache: Option<Arc<FooterCache>>,
    /// Only partitions passing this condition (their folders alone are listed).
    pub partitions: Option<PartitionFilter>,
    /// The AWS profile and region S3 lakes are read with.
    pub aws: AwsSettings,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            tables: Vec::new(),
            concurrency: usize::from(DEFAULT_CONCURRENCY),
            prefetch: crate::footer::DEFAULT_PREFETCH,
            cache: None,
            partitions: None,
            aws: AwsSettings::default(),
        }
    }
}

/// A scan that could not run at all (as opposed to files it could not read, which are
/// problems in the report).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(
        "cannot list {location} ({source}); check the location, and that the credentials in use \
         may list it"
    )]
    List {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "{0} is the root of its store, not a table folder below a lake root; set the table's \
         location to its own folder"
    )]
    NotATableFolder(Location),
    #[error("a footer read task failed ({0}); this is a bug in glueprint, please report it")]
    Task(#[from] tokio::task::JoinError),
}

/// Told as the scan goes, for progress displays.
pub trait Progress: Send + Sync {
    fn advanced(&self, _stats: &ScanStats) {}
}

/// Reports nothing.
pub struct Silent;
impl Progress for Silent {}

#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    pub root: Location,
    pub tables: Vec<TableReport>,
    /// Problems outside any table, such as files directly under the root.
    pub problems: Vec<Problem>,
    pub stats: ScanStats,
}

impl ScanReport {
    /// Every problem, lake-level and per table.
    pub fn all_problems(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .chain(self.tables.iter().flat_map(|table| &table.problems))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    pub name: String,
    pub location: Location,
    pub files: u64,
    pub columns: Vec<Column>,
    pub partition_keys: Vec<Column>,
    pub partitions: Vec<Partition>,
    pub problems: Vec<Problem>,
    /// Each distinct file schema of the table, in order of first appearance: what a declared
    /// type must be able to read, file by file.
    #[serde(skip)]
    pub variants: Vec<SchemaVariant>,
}

/// One distinct schema among a table's files.
#[derive(Debug, Clone)]
pub struct SchemaVariant {
    pub schema: Arc<FileSchema>,
    pub files: u64,
    /// The first few files with this schema, as locations.
    pub samples: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: HiveType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub values: Vec<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanStats {
    pub objects_listed: u64,
    pub objects_skipped: u64,
    pub files_read: u64,
    /// Files whose footer came from the cache (not read again).
    pub footers_cached: u64,
    pub bytes_read: u64,
    pub requests: u64,
    pub elapsed_ms: u64,
}

/// What became of one data file.
struct FileOutcome {
    table: String,
    key: String,
    folders: Vec<Folder>,
    bytes_read: u64,
    requests: u32,
    cached: bool,
    /// The file's footer fingerprint and Hive schema.
    schema: Result<(u64, Arc<FileSchema>), FileError>,
}

impl FileOutcome {
    fn is_empty(&self) -> bool {
        matches!(self.schema, Err(FileError::Footer(FooterError::Empty)))
    }
}

#[derive(Debug, thiserror::Error)]
enum FileError {
    #[error(transparent)]
    Footer(#[from] FooterError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

impl FileError {
    fn kind(&self) -> &'static str {
        match self {
            FileError::Footer(error) => match error {
                FooterError::Empty => "empty_file",
                FooterError::Gzip => "gzip_wrapped",
                FooterError::Compressed { .. } => "compressed_file",
                FooterError::EncryptedFooter => "encrypted_footer",
                FooterError::EncryptedColumns => "encrypted_columns",
                FooterError::TooSmall { .. } | FooterError::NoMagic { .. } => "not_parquet",
                FooterError::FooterLongerThanFile { .. } => "truncated_file",
                FooterError::Changed { .. } => "changed_during_scan",
                FooterError::Corrupt { .. } => "corrupt_footer",
                FooterError::WriterQuirk { .. } => "unsupported_footer",
                FooterError::TooDeep { .. } => "schema_too_deep",
                FooterError::Read { .. } => "read_failed",
            },
            FileError::Schema(_) => "unreadable_schema",
        }
    }
}

enum Listed {
    Skipped,
    OutsideTables(String),
    File(FileOutcome),
    /// A key the store cannot name as a path (a TAB, `//`, a `.` segment): reported alone.
    UnreadableKey(String),
}

/// Scans the given table folders, one scan per lake root; the reports keyed by table location.
/// A folder without data files has no report.
pub async fn scan_tables(
    locations: impl IntoIterator<Item = &Location>,
    options: &ScanOptions,
) -> Result<HashMap<Location, TableReport>, ScanError> {
    let mut by_root: BTreeMap<Location, Vec<String>> = BTreeMap::new();
    for location in locations {
        let (root, folder) = location
            .split_last()
            .ok_or_else(|| ScanError::NotATableFolder(location.clone()))?;
        by_root.entry(root).or_default().push(folder.to_string());
    }
    let mut reports = HashMap::new();
    for (root, folders) in by_root {
        let lake = Lake::open_with(root.as_str(), &options.aws).await?;
        let options = ScanOptions {
            tables: folders,
            ..options.clone()
        };
        for table in scan(&lake, &options, &Silent).await?.tables {
            reports.insert(table.location.clone(), table);
        }
    }
    Ok(reports)
}

/// Scans `lake` and reports every table found (or those asked for).
pub async fn scan(
    lake: &Lake,
    options: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let mut stats = ScanStats::default();
    let mut tables: BTreeMap<String, TableAccumulator> = BTreeMap::new();
    let mut outside_tables: Vec<String> = Vec::new();
    let mapped: Arc<MappedSchemas> = Arc::default();

    let mut folders = Folders::default();
    let mut unreadable_keys: Vec<String> = Vec::new();
    let mut cache_failures = Vec::new();
    let mut empty: Vec<FileOutcome> = Vec::new();
    let (mut prefixes, filtered_tables) = listing_prefixes(lake, options).await?;
    let local = lake.is_local();
    // A remote lake is listed table by table, concurrently: one listing of a million keys
    // would be a thousand sequential page requests before the last table is reached.
    let mut root_objects = Vec::new();
    if !local && prefixes == [None] {
        let (objects, tables) = lake.level("").await.map_err(|source| ScanError::List {
            location: lake.root().to_string(),
            source,
        })?;
        root_objects = objects;
        prefixes = tables.into_iter().map(Some).collect();
    }
    if let Some(cache) = &options.cache {
        for prefix in &prefixes {
            if let Err(error) =
                cache.preload(&lake.cache_key(&lake.path_of(prefix.as_deref().unwrap_or_default())))
            {
                cache_failures.push(error);
            }
        }
    }
    {
        let listing = if local {
            local_listing(lake, prefixes)
        } else {
            concurrent_listing(lake, prefixes, root_objects)
        };
        // Local lakes are read in batches, one blocking task a batch (a thread hand-off per
        // file cost more than the read); remote reads are independent: each one done starts
        // the next, so a slow read never holds other slots idle.
        let (batch, in_flight) = if local {
            let threads = std::thread::available_parallelism().map_or(2, usize::from);
            (LOCAL_BATCH, threads * 2)
        } else {
            (1, options.concurrency.max(1))
        };
        let mut outcomes = listing
            .ready_chunks(batch)
            .map(|listed| {
                let context = FileContext {
                    lake: lake.clone(),
                    prefetch: options.prefetch,
                    mapped: Arc::clone(&mapped),
                    cache: options.cache.clone(),
                };
                async move {
                    // A name the store cannot convert is reported, and the scan goes on; any
                    // other listing error stops it, since the lake could not be read whole.
                    let mut metas = Vec::with_capacity(listed.len());
                    let mut odd_keys = Vec::new();
                    for (listing_location, entry) in listed {
                        match entry {
                            Ok(meta) => metas.push(meta),
                            Err(object_store::Error::InvalidPath { source }) if local => {
                                odd_keys.push(Listed::UnreadableKey(source.to_string()));
                            }
                            // An S3 page with such a key fails whole, and its listing ends
                            // there: the folder is reported, every other folder is scanned.
                            Err(object_store::Error::InvalidPath { source }) => {
                                odd_keys.push(Listed::UnreadableKey(format!(
                                    "{source}; the listing of {listing_location} stopped there, \
                                     so its keys from that page on were not read"
                                )));
                            }
                            Err(source) => {
                                return Err(ScanError::List {
                                    location: listing_location.to_string(),
                                    source,
                                });
                            }
                        }
                    }
                    let done = if local {
                        tokio::task::spawn_blocking(move || {
                            metas
                                .into_iter()
                                .map(|meta| context.read_local(meta))
                                .collect::<Vec<Listed>>()
                        })
                        .await?
                    } else {
                        tokio::spawn(async move {
                            let context = &context;
                            futures::future::join_all(
                                metas.into_iter().map(|meta| context.read_remote(meta)),
                            )
                            .await
                        })
                        .await?
                    };
                    Ok::<_, ScanError>(done.into_iter().chain(odd_keys).collect::<Vec<_>>())
                }
            })
            .buffer_unordered(in_flight)
            .map_ok(|batch| futures::stream::iter(batch.into_iter().map(Ok::<Listed, ScanError>)))
            .try_flatten();

        while let Some(listed) = outcomes.next().await {
            let listed = listed?;
            stats.objects_listed += 1;
            match listed {
                Listed::Skipped => stats.objects_skipped += 1,
                Listed::OutsideTables(key) => {
                    folders.note(&key);
                    outside_tables.push(key);
                }
                Listed::UnreadableKey(reason) => unreadable_keys.push(reason),
                Listed::File(outcome) => {
                    folders.note(&outcome.key);
                    if outcome.is_empty() {
                        // Maybe a folder marker: decided once every key is known.
                        empty.push(outcome);
                    } else {
                        add_file(&mut tables, &mut stats, outcome);
                    }
                }
            }
            stats.elapsed_ms = started.elapsed().as_millis() as u64;
            progress.advanced(&stats);
        }
    }
    // Zero-byte "folder" objects (`t/dt=2020-09-19/`, made by the S3 console, S3A and boto)
    // reach us without their trailing `/`: they are the folders of other keys, not files.
    for outcome in empty {
        let last = outcome.key.rsplit('/').next().unwrap_or_default();
        let empty_partition_folder = matches!(parse_folder(last), Folder::Partition { .. });
        if folders.contains(&outcome.key) || empty_partition_folder {
            stats.objects_skipped += 1;
        } else {
            add_file(&mut tables, &mut stats, outcome);
        }
    }
    let listed_outside = outside_tables.len();
    outside_tables.retain(|key| !folders.contains(key));
    stats.objects_skipped += (listed_outside - outside_tables.len()) as u64;

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
        if !tables.contains_key(wanted) && !filtered_tables.contains(wanted) {
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
    if let Some(cache) = &options.cache
        && let Err(error) = cache.save()
    {
        cache_failures.push(error);
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
    let mut tables: Vec<TableReport> = tables
        .into_iter()
        .map(|(name, accumulator)| accumulator.finish(lake, name))
        .collect();
    report_colliding_tables(&mut tables);
    if let Some(PartitionFilter { key: Some(key), .. }) = &options.partitions {
        for table in &mut tables {
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
    let nothing_matched = tables.is_empty() && !filtered_tables.is_empty();
    if nothing_matched && let Some(filter) = &options.partitions {
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
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(ScanReport {
        root: lake.root().clone(),
        tables,
        problems,
        stats,
    })
}

fn add_file(
    tables: &mut BTreeMap<String, TableAccumulator>,
    stats: &mut ScanStats,
    outcome: FileOutcome,
) {
    stats.files_read += 1;
    stats.footers_cached += u64::from(outcome.cached);
    stats.bytes_read += outcome.bytes_read;
    stats.requests += u64::from(outcome.requests);
    tables
        .entry(outcome.table.clone())
        .or_default()
        .add(outcome);
}

/// Every folder above a listed key, to tell zero-byte folder markers from empty files.
#[derive(Debug, Default)]
struct Folders(HashSet<String>);

impl Folders {
    fn note(&mut self, key: &str) {
        let mut rest = key;
        // Most keys share their folders with the key before them: look before allocating.
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if self.0.contains(parent) {
                break;
            }
            self.0.insert(parent.to_string());
            rest = parent;
        }
    }

    fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }
}

/// Why a partition folder cannot become a Glue partition: an empty value (Hive writes
/// `__HIVE_DEFAULT_PARTITION__` for nulls, which stays a value), or bytes that are not UTF-8
/// once the folder name's `%XX` escapes are decoded.
fn unusable_partition_value(folders: &[String], values: &[String]) -> Option<Problem> {
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

/// Table folders whose names Glue folds to the same table name (`Charged/` and `charged/`):
/// each is told of the others, since only one of them can become the table.
fn report_colliding_tables(tables: &mut [TableReport]) {
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

/// Lists `prefixes` (after `root_objects`, already listed), `LIST_CONCURRENCY` at a time, on a
/// task of its own: the next page of a listing is requested as soon as the previous one
/// arrives, not when the readers reach its end. Each key comes with its listing's location.
/// A key as listed, with the location of the listing it came from (for its errors).
type ListedKey = (Arc<str>, object_store::Result<ObjectMeta>);

/// Lists a local lake's prefixes one after the other, as the store gives them: the listing
/// keeps ahead of the batched reads, and a hand-off per key would cost more than it saves.
fn local_listing(lake: &Lake, prefixes: Vec<Option<String>>) -> BoxStream<'static, ListedKey> {
    let lake = lake.clone();
    futures::stream::iter(prefixes)
        .flat_map(move |prefix| {
            let location: Arc<str> = lake
                .location_of(prefix.as_deref().unwrap_or_default())
                .into();
            lake.list(prefix.as_deref())
                .map(move |entry| (Arc::clone(&location), entry))
        })
        .boxed()
}

fn concurrent_listing(
    lake: &Lake,
    prefixes: Vec<Option<String>>,
    root_objects: Vec<ObjectMeta>,
) -> BoxStream<'static, ListedKey> {
    let (sender, receiver) = tokio::sync::mpsc::channel(LISTED_AHEAD);
    let lake = lake.clone();
    tokio::spawn(async move {
        for meta in root_objects {
            if sender
                .send((lake.root().as_str().into(), Ok(meta)))
                .await
                .is_err()
            {
                return;
            }
        }
        futures::stream::iter(prefixes)
            .for_each_concurrent(LIST_CONCURRENCY, |prefix| {
                let (sender, lake) = (sender.clone(), lake.clone());
                async move {
                    let location: Arc<str> = lake
                        .location_of(prefix.as_deref().unwrap_or_default())
                        .into();
                    let mut listing = lake.list(prefix.as_deref());
                    while let Some(entry) = listing.next().await {
                        // After any error but an odd name, a listing has nothing more to give.
                        let last = matches!(&entry, Err(error)
                            if !matches!(error, object_store::Error::InvalidPath { .. }));
                        if sender.send((Arc::clone(&location), entry)).await.is_err() || last {
                            return;
                        }
                    }
                }
            })
            .await;
    });
    futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|entry| (entry, receiver))
    })
    .boxed()
}

/// What to list: the whole lake, the tables asked for, or, with a partition filter, only the
/// partition folders that pass it (one delimiter listing per table instead of every object).
/// Also returns the tables whose folders exist but whose partitions the filter left out.
async fn listing_prefixes(
    lake: &Lake,
    options: &ScanOptions,
) -> Result<(Vec<Option<String>>, HashSet<String>), ScanError> {
    let Some(filter) = &options.partitions else {
        let prefixes = if options.tables.is_empty() {
            vec![None]
        } else {
            options.tables.iter().cloned().map(Some).collect()
        };
        return Ok((prefixes, HashSet::new()));
    };
    let list_error = |location: String| move |source| ScanError::List { location, source };
    let tables = if options.tables.is_empty() {
        lake.folders("")
            .await
            .map_err(list_error(lake.root().to_string()))?
    } else {
        options.tables.clone()
    };
    let mut prefixes = Vec::new();
    let mut existing = HashSet::new();
    for table in tables {
        let folders = lake
            .folders(&table)
            .await
            .map_err(list_error(lake.location_of(&format!("{table}/"))))?;
        if !folders.is_empty() {
            existing.insert(table.clone());
        }
        prefixes.extend(
            folders
                .iter()
                .filter(|folder| admits_folder(filter, folder))
                .map(|folder| Some(format!("{table}/{folder}"))),
        );
    }
    Ok((prefixes, existing))
}

enum Classified {
    Skipped,
    OutsideTables(String),
    Table {
        table: String,
        key: String,
        folders: Vec<Folder>,
    },
}

fn classify(lake: &Lake, meta: &ObjectMeta) -> Classified {
    let key = lake.relative(&meta.location);
    match place(key) {
        Placement::Skipped => Classified::Skipped,
        Placement::OutsideTables => Classified::OutsideTables(key.to_string()),
        Placement::Table { table, folders } => Classified::Table {
            table,
            key: key.to_string(),
            folders,
        },
    }
}

/// Hive schemas already mapped, by footer fingerprint: shared by all reads of a scan.
type MappedSchemas = Mutex<HashMap<u64, Result<Arc<FileSchema>, SchemaError>>>;

/// Objects of a local lake read together by one blocking task.
const LOCAL_BATCH: usize = 128;
/// Table listings running at once; each runs ahead of the reads.
const LIST_CONCURRENCY: usize = 8;
/// Keys listed ahead of the reads, at most (bounded memory on lakes of millions of objects).
const LISTED_AHEAD: usize = 10_000;

/// What every read of a scan shares.
struct FileContext {
    lake: Lake,
    prefetch: u64,
    mapped: Arc<MappedSchemas>,
    cache: Option<Arc<FooterCache>>,
}

struct FileJob {
    table: String,
    key: String,
    folders: Vec<Folder>,
}

impl FileContext {
    fn read_local(&self, mut meta: ObjectMeta) -> Listed {
        let path = self
            .lake
            .local_path(&meta.location)
            .expect("a local lake has local paths");
        // The change time only keys the cache: without one, no extra stat per file.
        if self.cache.is_some() {
            crate::cache::add_change_time(&mut meta, &path);
        }
        self.classified(&meta, |job| {
            if let Some(outcome) = self.cached(&job, &meta) {
                return outcome;
            }
            let footer = read_local_footer(&path, meta.size, self.prefetch);
            self.outcome(job, &meta, footer)
        })
    }

    async fn read_remote(&self, meta: ObjectMeta) -> Listed {
        let job = match classify(&self.lake, &meta) {
            Classified::Skipped => return Listed::Skipped,
            Classified::OutsideTables(key) => return Listed::OutsideTables(key),
            Classified::Table {
                table,
                key,
                folders,
            } => FileJob {
                table,
                key,
                folders,
            },
        };
        if let Some(outcome) = self.cached(&job, &meta) {
            return Listed::File(outcome);
        }
        let store = self.lake.store();
        let footer = read_footer(store.as_ref(), &meta.location, meta.size, self.prefetch).await;
        Listed::File(self.outcome(job, &meta, footer))
    }

    fn classified(&self, meta: &ObjectMeta, read: impl FnOnce(FileJob) -> FileOutcome) -> Listed {
        match classify(&self.lake, meta) {
            Classified::Skipped => Listed::Skipped,
            Classified::OutsideTables(key) => Listed::OutsideTables(key),
            Classified::Table {
                table,
                key,
                folders,
            } => Listed::File(read(FileJob {
                table,
                key,
                folders,
            })),
        }
    }

    /// The outcome from the footer cache, when the object has not changed since it was read.
    fn cached(&self, job: &FileJob, meta: &ObjectMeta) -> Option<FileOutcome> {
        let cache = self.cache.as_ref()?;
        let schema = cache.get(&self.lake.cache_key(&meta.location), meta)?;
        Some(FileOutcome {
            table: job.table.clone(),
            key: job.key.clone(),
            folders: job.folders.clone(),
            bytes_read: 0,
            requests: 0,
            cached: true,
            schema: Ok(schema),
        })
    }

    /// Maps the footer's schema (once per distinct fingerprint) and packs the outcome.
    fn outcome(&self, job: FileJob, meta: &ObjectMeta, footer: FooterRead) -> FileOutcome {
        let schema = footer.result.map_err(FileError::from).and_then(|metadata| {
            let fingerprint = fingerprint(&metadata);
            let known = self
                .mapped
                .lock()
                .expect("no panic holds this lock")
                .get(&fingerprint)
                .cloned();
            let schema = known.unwrap_or_else(|| {
                let schema = file_schema(&metadata).map(Arc::new);
                self.mapped
                    .lock()
                    .expect("no panic holds this lock")
                    .insert(fingerprint, schema.clone());
                schema
            });
            let schema = schema.map_err(FileError::from)?;
            if let Some(cache) = &self.cache {
                cache.put(
                    self.lake.cache_key(&meta.location),
                    meta,
                    fingerprint,
                    Arc::clone(&schema),
                );
            }
            Ok((fingerprint, schema))
        });
        FileOutcome {
            table: job.table,
            key: job.key,
            folders: job.folders,
            bytes_read: footer.bytes_read,
            requests: footer.requests,
            cached: false,
            schema,
        }
    }
}

/// The smallest few keys of a set, in order.
#[derive(Debug, Default, Clone)]
struct Samples(Vec<String>);

impl Samples {
    fn offer(&mut self, key: &str) {
        if self.0.len() == SAMPLE_KEYS && self.0.last().is_some_and(|last| last.as_str() <= key) {
            return;
        }
        let at = self.0.partition_point(|k| k.as_str() < key);
        self.0.insert(at, key.to_string());
        self.0.truncate(SAMPLE_KEYS);
    }

    fn first(&self) -> &str {
        self.0.first().map_or("", String::as_str)
    }
}

/// The partition folder keys of a file (`None` for a folder that is not `key=value`).
type Layout = Vec<Option<String>>;

#[derive(Debug, Default)]
struct LayoutGroup {
    files: u64,
    samples: Samples,
    /// Partition folder names (as in the keys) → values.
    partitions: BTreeMap<Vec<String>, Vec<String>>,
}

#[derive(Debug)]
struct SchemaGroup {
    schema: Arc<FileSchema>,
    files: u64,
    samples: Samples,
}

#[derive(Debug, Default)]
struct TableAccumulator {
    files: u64,
    layouts: BTreeMap<Layout, LayoutGroup>,
    schema_index: HashMap<u64, usize>,
    schemas: Vec<SchemaGroup>,
    file_problems: Vec<(String, Problem)>,
}

impl TableAccumulator {
    fn add(&mut self, outcome: FileOutcome) {
        self.files += 1;
        let layout: Layout = outcome
            .folders
            .iter()
            .map(|folder| match folder {
                Folder::Partition { key, .. } => Some(key.clone()),
                Folder::Plain(_) => None,
            })
            .collect();
        let group = self.layouts.entry(layout).or_default();
        group.files += 1;
        group.samples.offer(&outcome.key);
        if let Some(values) = outcome
            .folders
            .iter()
            .map(|folder| match folder {
                Folder::Partition { value, .. } => Some(value.clone()),
                Folder::Plain(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .filter(|values| !values.is_empty())
        {
            let raw = outcome
                .folders
                .iter()
                .map(|folder| match folder {
                    Folder::Partition { raw, .. } | Folder::Plain(raw) => raw.clone(),
                })
                .collect();
            group.partitions.entry(raw).or_insert(values);
        }

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

    fn finish(mut self, lake: &Lake, name: String) -> TableReport {
        let location = lake.folder(&name);
        let mut problems = Vec::new();
        let (partition_keys, partitions) = self.partitions(lake, &name, &mut problems);

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

    /// The first few files (as locations) of the given schema groups.
    fn sample_locations(&self, lake: &Lake, sources: &[usize]) -> Vec<String> {
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
    fn note_problems(&self, lake: &Lake, columns: &[Column]) -> Vec<Problem> {
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

    fn conflict_problem(&self, lake: &Lake, conflict: &Conflict) -> Problem {
        let files_of =
            |sources: &[usize]| -> u64 { sources.iter().map(|&s| self.schemas[s].files).sum() };
        let column_path = if conflict.clash.path.is_empty() {
            conflict.column.clone()
        } else {
            format!("{}.{}", conflict.column, conflict.clash.path)
        };
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

    /// Settles the table's partition keys: those of the `key=value` layout most of its files
    /// share (on a tie, the one with the first key). Files laid out otherwise are reported,
    /// never guessed at.
    fn partitions(
        &mut self,
        lake: &Lake,
        table: &str,
        problems: &mut Vec<Problem>,
    ) -> (Vec<Column>, Vec<Partition>) {
        let chosen: Layout = self
            .layouts
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
        for (layout, group) in &self.layouts {
            let objects = group.samples.0.iter().map(|key| lake.location_of(key));
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
        let group = self.layouts.remove(&chosen).unwrap_or_default();
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
}

/// Every path with a type in the merged columns, lowercased, in the notation of notes.
fn typed_paths(columns: &[Column]) -> HashSet<String> {
    fn walk(path: String, ty: &HiveType, out: &mut HashSet<String>) {
        match ty {
            HiveType::Struct(fields) => {
                for field in fields {
                    walk(
                        format!("{path}.{}", field.name.to_lowercase()),
                        &field.ty,
                        out,
                    );
                }
            }
            HiveType::Array(element) => walk(format!("{path}[]"), element, out),
            HiveType::Map(key, value) => {
                walk(format!("{path}{{key}}"), key, out);
                walk(format!("{path}{{}}"), value, out);
            }
            _ => {}
        }
        out.insert(path);
    }
    let mut paths = HashSet::new();
    for column in columns {
        walk(column.name.to_lowercase(), &column.ty, &mut paths);
    }
    paths
}
