//! The scan: list a lake, read every data file's footer, and derive each table's schema and
//! partitions.
//!
//! Footers are read by many tasks at once (bounded), while one loop folds their results into
//! per-table accumulators. The accumulators keep one entry per distinct file schema and per
//! partition, never one per file, so memory does not grow with the number of files. Results do
//! not depend on the order in which reads finish: "first" always means "smallest object key".

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use serde::Serialize;

use crate::aws::AwsSettings;
use crate::cache::FooterCache;
use crate::hive::HiveType;
use crate::infer::FileSchema;
use crate::layout::{Folder, parse_folder};
use crate::location::Location;
use crate::partition_filter::PartitionFilter;
use crate::problem::Problem;
use crate::store::Lake;

mod listing;
mod partitions;
mod problems;
mod read;
mod table;

use listing::{Folders, LIST_CONCURRENCY, concurrent_listing, listing_prefixes, local_listing};
use read::{FileOutcome, Listed};
use table::{TableAccumulator, report_colliding_tables};

/// Footer reads in flight at once unless told otherwise. Measured against an S3 endpoint with
/// real-world latency (30 ms a GET on average, `just bench`, 0.06-0.08 ms of CPU a file): 64
/// reaches 91% of its bound (about 1,950 files/s), 128 87% (3,700), 256 77-80% (6,600). S3
/// serves thousands of GETs per second per prefix and a table's partitions are prefixes of
/// their own, so 128 stays far from its limits; `--concurrency 256` reads faster still.
pub const DEFAULT_CONCURRENCY: u16 = 128;

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

impl ScanOptions {
    /// The AWS settings for the lake's store, with its connection pool sized to the scan:
    /// the reads in flight and the listings.
    pub fn store_settings(&self) -> AwsSettings {
        AwsSettings {
            connections: Some(self.concurrency + LIST_CONCURRENCY),
            ..self.aws.clone()
        }
    }
}

/// A scan that could not run at all (as opposed to files it could not read, which are
/// problems in the report).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(
        "{0} is the root of its store, not a table folder below a lake root; set the table's \
         location to its own folder"
    )]
    NotATableFolder(Location),
    #[error("a footer read task failed ({0}); this is a bug in glueprint, please report it")]
    Task(#[from] tokio::task::JoinError),
    #[error("cannot start the thread that reads the lake ({0}); the machine is out of threads")]
    Runtime(#[source] std::io::Error),
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
        let lake = Lake::open_with(root.as_str(), &options.store_settings()).await?;
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
    use tokio::runtime::{Handle, RuntimeFlavor};
    if lake.is_local() || Handle::current().runtime_flavor() != RuntimeFlavor::MultiThread {
        return scan_here(lake, options, progress).await;
    }
    // A remote scan's CPU goes to the HTTP client, and on a multi-thread runtime every answer
    // wakes a sleeping worker to share the work: on a thread of its own, driving every
    // connection, the scan spends a third to a half less CPU per file at the same rate, and no
    // answer races a new connection against its own (`just bench`). Its connections close
    // with that thread's runtime, which the store's pool notices.
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let reads = scope.spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(ScanError::Runtime)?
                    .block_on(scan_here(lake, options, progress))
            });
            reads
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

async fn scan_here(
    lake: &Lake,
    options: &ScanOptions,
    progress: &dyn Progress,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let mut cache_failures = Vec::new();
    let (mut prefixes, filtered_tables) = listing_prefixes(lake, options).await?;
    let local = lake.is_local();
    // A remote lake is listed table by table, concurrently: one listing of a million keys
    // would be a thousand sequential page requests before the last table is reached.
    let mut listed_first = Vec::new();
    let mut to_list: Option<listing::TableListings> = None;
    if !local && prefixes == [None] {
        let (level, first_page) = futures::join!(lake.level(""), lake.first_page());
        let (root_objects, tables) = level.map_err(|source| crate::store::StoreError::List {
            location: lake.root().to_string(),
            source,
        })?;
        prefixes = tables.into_iter().map(Some).collect();
        match first_page {
            Some(Ok(page)) => {
                let (listed, left) = listing::after_first_page(lake, page, &prefixes, root_objects);
                (listed_first, to_list) = (listed, Some(left));
            }
            _ => listed_first = root_objects,
        }
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
    let listing = if local {
        local_listing(lake, prefixes)
    } else {
        concurrent_listing(
            lake,
            to_list.unwrap_or_else(|| prefixes.into_iter().map(|p| (p, None)).collect()),
            listed_first,
        )
    };
    let mut fold = Fold::default();
    let mut outcomes = std::pin::pin!(read::read_listed(lake, options, listing));
    while let Some(listed) = outcomes.next().await {
        fold.add(listed?);
        fold.stats.elapsed_ms = started.elapsed().as_millis() as u64;
        progress.advanced(&fold.stats);
    }
    fold.settle_folder_markers();
    if let Some(cache) = &options.cache
        && let Err(error) = cache.save()
    {
        cache_failures.push(error);
    }
    let Fold {
        mut stats,
        tables,
        outside_tables,
        unreadable_keys,
        ..
    } = fold;
    let mut problems = problems::lake_problems(
        lake,
        options,
        outside_tables,
        unreadable_keys,
        &cache_failures,
        |table| tables.contains_key(table) || filtered_tables.contains(table),
    );
    let mut tables: Vec<TableReport> = tables
        .into_iter()
        .map(|(name, accumulator)| accumulator.finish(lake, name))
        .collect();
    report_colliding_tables(&mut tables);
    problems::unknown_partition_keys(&mut tables, options.partitions.as_ref());
    problems.extend(problems::layout_problems(
        lake,
        &tables,
        &filtered_tables,
        options.partitions.as_ref(),
    ));
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(ScanReport {
        root: lake.root().clone(),
        tables,
        problems,
        stats,
    })
}

/// What the listing and the reads gave so far, folded: per-table accumulators and counts.
#[derive(Default)]
struct Fold {
    stats: ScanStats,
    tables: BTreeMap<String, TableAccumulator>,
    outside_tables: Vec<String>,
    folders: Folders,
    unreadable_keys: Vec<String>,
    /// Zero-byte objects: files, or folder markers, decided once every key is known.
    empty: Vec<FileOutcome>,
}

impl Fold {
    fn add(&mut self, listed: Listed) {
        self.stats.objects_listed += 1;
        match listed {
            Listed::Skipped => self.stats.objects_skipped += 1,
            Listed::OutsideTables(key) => {
                self.folders.note(&key);
                self.outside_tables.push(key);
            }
            Listed::UnreadableKey(reason) => self.unreadable_keys.push(reason),
            Listed::File(outcome) => {
                self.folders.note(&outcome.key);
                if outcome.is_empty() {
                    self.empty.push(outcome);
                } else {
                    self.add_file(outcome);
                }
            }
        }
    }

    fn add_file(&mut self, outcome: FileOutcome) {
        self.stats.files_read += 1;
        self.stats.footers_cached += u64::from(outcome.cached);
        self.stats.bytes_read += outcome.bytes_read;
        self.stats.requests += u64::from(outcome.requests);
        self.tables
            .entry(outcome.table.clone())
            .or_default()
            .add(outcome);
    }

    /// Zero-byte "folder" objects (`t/dt=2020-09-19/`, made by the S3 console, S3A and boto)
    /// reach us without their trailing `/`: they are the folders of other keys, not files.
    fn settle_folder_markers(&mut self) {
        for outcome in std::mem::take(&mut self.empty) {
            let last = outcome.key.rsplit('/').next().unwrap_or_default();
            let empty_partition_folder = matches!(parse_folder(last), Folder::Partition { .. });
            if self.folders.contains(&outcome.key) || empty_partition_folder {
                self.stats.objects_skipped += 1;
            } else {
                self.add_file(outcome);
            }
        }
        let listed_outside = self.outside_tables.len();
        let folders = &self.folders;
        self.outside_tables.retain(|key| !folders.contains(key));
        self.stats.objects_skipped += (listed_outside - self.outside_tables.len()) as u64;
    }
}
