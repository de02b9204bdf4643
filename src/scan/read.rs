//! Reading one data file: its footer (or the cache's copy), mapped to Hive types once per
//! distinct footer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;

use crate::cache::FooterCache;
use crate::footer::{FooterError, FooterRead, Outline, outline, read_local_footer_with};
use crate::infer::{FileSchema, SchemaError, fingerprint, map_schema};
use crate::layout::{Folder, Placement, place};
use crate::store::Lake;

use super::{ScanError, ScanOptions};

/// What became of one listed object.
pub(super) enum Listed {
    Skipped,
    OutsideTables(String),
    File(FileOutcome),
    /// A key the store cannot name as a path (a TAB, `//`, a `.` segment): reported alone.
    UnreadableKey(String),
}

/// A listed object that is no data file (skipped, or outside the tables), boxed: the
/// outcomes of data files are many times larger.
struct NotData(Box<Listed>);

/// What became of one data file.
pub(super) struct FileOutcome {
    pub(super) table: String,
    pub(super) key: String,
    pub(super) folders: Vec<Folder>,
    pub(super) bytes_read: u64,
    pub(super) requests: u32,
    pub(super) cached: bool,
    /// The file's footer fingerprint and Hive schema.
    pub(super) schema: Result<Mapped, FileError>,
}

impl FileOutcome {
    pub(super) fn is_empty(&self) -> bool {
        matches!(self.schema, Err(FileError::Footer(FooterError::Empty)))
    }
}

#[derive(Debug, thiserror::Error)]
pub(super) enum FileError {
    #[error(transparent)]
    Footer(#[from] FooterError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(
        "compresses its pages with {codec}, which Athena's Parquet reader (Trino) cannot \
         decompress: every query that reads the table fails; write it with snappy, gzip or zstd"
    )]
    EngineCodec { codec: &'static str },
}

impl FileError {
    pub(super) fn kind(&self) -> &'static str {
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
            FileError::EngineCodec { .. } => "engine_unreadable_codec",
        }
    }
}

/// A file's footer fingerprint and Hive schema.
pub(super) type Mapped = (u64, Arc<FileSchema>);

/// Hive schemas already mapped in a scan, shared by all its reads: by the footer bytes they were
/// mapped from (the schema's element list and any embedded Arrow schema), so a file whose
/// footer repeats known bytes is mapped by a lookup; and by fingerprint, since footers that
/// differ in bytes (field ids, the order of optional fields) can hold the same schema.
#[derive(Default)]
pub(super) struct MappedSchemas {
    by_bytes: Mutex<hashbrown::HashMap<SchemaBytes, KnownSchema>>,
    by_fingerprint: Mutex<HashMap<u64, Result<Arc<FileSchema>, SchemaError>>>,
}

#[derive(Clone)]
struct KnownSchema {
    fingerprint: u64,
    /// The schema's leaf columns: every row group must have as many.
    columns: usize,
    schema: Result<Arc<FileSchema>, SchemaError>,
}

/// The bytes a footer's Hive schema depends on, owned: a key of [`MappedSchemas`].
#[derive(Hash, PartialEq, Eq)]
struct SchemaBytes {
    schema: Box<[u8]>,
    arrow_schemas: Box<[Box<[u8]>]>,
}

/// The same bytes, borrowed from a footer: looked up without copying them.
#[derive(Hash)]
struct SchemaBytesRef<'a> {
    schema: &'a [u8],
    arrow_schemas: Vec<&'a [u8]>,
}

impl hashbrown::Equivalent<SchemaBytes> for SchemaBytesRef<'_> {
    fn equivalent(&self, key: &SchemaBytes) -> bool {
        *self.schema == *key.schema
            && self.arrow_schemas.len() == key.arrow_schemas.len()
            && self
                .arrow_schemas
                .iter()
                .zip(&key.arrow_schemas)
                .all(|(ours, theirs)| **ours == **theirs)
    }
}

impl SchemaBytesRef<'_> {
    fn to_key(&self) -> SchemaBytes {
        SchemaBytes {
            schema: self.schema.into(),
            arrow_schemas: self
                .arrow_schemas
                .iter()
                .map(|&bytes| bytes.into())
                .collect(),
        }
    }
}

impl MappedSchemas {
    /// The fingerprint and Hive schema of one footer: a lookup when its schema bytes were seen
    /// before in this scan, else the schema decoded and mapped (once per fingerprint).
    fn map(&self, footer: &[u8]) -> Result<Mapped, FileError> {
        let outline = outline(footer)?;
        if let Some(codec) = outline.engine_codec {
            return Err(FileError::EngineCodec { codec });
        }
        let key = SchemaBytesRef {
            schema: &footer[outline.schema.clone()],
            arrow_schemas: outline
                .arrow_schemas
                .iter()
                .map(|range| &footer[range.clone()])
                .collect(),
        };
        let known = lock(&self.by_bytes).get(&key).cloned();
        let known = match known {
            Some(known) => known,
            None => {
                let known = self.decode(footer, &outline)?;
                lock(&self.by_bytes).insert(key.to_key(), known.clone());
                known
            }
        };
        outline.check_columns(known.columns)?;
        Ok((known.fingerprint, known.schema?))
    }

    fn decode(&self, footer: &[u8], outline: &Outline) -> Result<KnownSchema, FileError> {
        let schema = crate::footer::schema(footer)?;
        let arrow_schemas: Vec<parquet::file::metadata::KeyValue> = outline
            .arrow_schemas
            .iter()
            .map(|range| {
                let value = String::from_utf8_lossy(&footer[range.clone()]).into_owned();
                parquet::file::metadata::KeyValue::new("ARROW:schema".into(), value)
            })
            .collect();
        let fingerprint = fingerprint(
            &schema,
            arrow_schemas.first().and_then(|kv| kv.value.as_deref()),
        );
        let known = lock(&self.by_fingerprint).get(&fingerprint).cloned();
        let mapped = known.unwrap_or_else(|| {
            let key_values = (!arrow_schemas.is_empty()).then_some(&arrow_schemas);
            let mapped = map_schema(&schema, key_values).map(Arc::new);
            lock(&self.by_fingerprint).insert(fingerprint, mapped.clone());
            mapped
        });
        Ok(KnownSchema {
            fingerprint,
            columns: schema.num_columns(),
            schema: mapped,
        })
    }
}

/// A lock whose holder panicked still guards whole entries: each insert is one call.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Objects of a local lake read together by one blocking task.
pub(super) const LOCAL_BATCH: usize = 128;
/// What every read of a scan shares.
pub(super) struct FileContext {
    pub(super) lake: Lake,
    pub(super) prefetch: u64,
    pub(super) mapped: Arc<MappedSchemas>,
    pub(super) cache: Option<Arc<FooterCache>>,
}

pub(super) struct FileJob {
    pub(super) table: String,
    pub(super) key: String,
    pub(super) folders: Vec<Folder>,
}

impl FileContext {
    pub(super) fn read_local(&self, mut meta: ObjectMeta) -> Listed {
        let Some(path) = self.lake.local_path(&meta.location) else {
            return Listed::UnreadableKey(format!("{} is not a local file", meta.location));
        };
        // The change time only keys the cache: without one, no extra stat per file.
        if self.cache.is_some() {
            crate::cache::add_change_time(&mut meta, &path);
        }
        self.classified(&meta, |job| {
            if let Some(outcome) = self.cached(&job, &meta) {
                return outcome;
            }
            let footer = read_local_footer_with(&path, meta.size, self.prefetch, |footer| {
                Ok(self.mapped.map(footer))
            });
            self.outcome(job, &meta, footer)
        })
    }

    pub(super) async fn read_remote(&self, meta: ObjectMeta) -> Listed {
        let job = match self.job(&meta) {
            Ok(job) => job,
            Err(NotData(listed)) => return *listed,
        };
        if let Some(outcome) = self.cached(&job, &meta) {
            return Listed::File(outcome);
        }
        let footer = self
            .lake
            .read_footer_with(&meta.location, meta.size, self.prefetch, |footer| {
                Ok(self.mapped.map(footer))
            })
            .await;
        Listed::File(self.outcome(job, &meta, footer))
    }

    pub(super) fn classified(
        &self,
        meta: &ObjectMeta,
        read: impl FnOnce(FileJob) -> FileOutcome,
    ) -> Listed {
        match self.job(meta) {
            Ok(job) => Listed::File(read(job)),
            Err(NotData(listed)) => *listed,
        }
    }

    /// The data file `meta` is, by its key; what else it is when it is no data file.
    fn job(&self, meta: &ObjectMeta) -> Result<FileJob, NotData> {
        let key = self.lake.relative(&meta.location);
        match place(key) {
            Placement::Skipped => Err(NotData(Box::new(Listed::Skipped))),
            Placement::OutsideTables => {
                Err(NotData(Box::new(Listed::OutsideTables(key.to_string()))))
            }
            Placement::Table { table, folders } => Ok(FileJob {
                table,
                key: key.to_string(),
                folders,
            }),
        }
    }

    /// The outcome from the footer cache, when the object has not changed since it was read.
    pub(super) fn cached(&self, job: &FileJob, meta: &ObjectMeta) -> Option<FileOutcome> {
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

    /// Packs the outcome of a mapped footer, caching it.
    pub(super) fn outcome(
        &self,
        job: FileJob,
        meta: &ObjectMeta,
        footer: FooterRead<Result<Mapped, FileError>>,
    ) -> FileOutcome {
        let schema = footer.result.map_err(FileError::from).flatten();
        if let (Ok((fingerprint, schema)), Some(cache)) = (&schema, &self.cache) {
            cache.put(
                self.lake.cache_key(&meta.location),
                meta,
                *fingerprint,
                Arc::clone(schema),
            );
        }
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

/// Every listed object, read: local lakes in batches, one blocking task a batch (a thread
/// hand-off per file cost more than the read); remote reads are independent: each one done
/// starts the next, so a slow read never holds other slots idle.
pub(super) fn read_listed<'a>(
    lake: &'a Lake,
    options: &'a ScanOptions,
    listing: futures::stream::BoxStream<'static, super::listing::ListedKey>,
) -> impl futures::Stream<Item = Result<Listed, ScanError>> + 'a {
    let local = lake.is_local();
    let mapped: Arc<MappedSchemas> = Arc::default();
    let (batch, in_flight) = if local {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        (LOCAL_BATCH, threads * 2)
    } else {
        (1, options.concurrency.max(1))
    };
    listing
        .ready_chunks(batch)
        .map(move |listed| {
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
                            return Err(crate::store::StoreError::List {
                                location: listing_location.to_string(),
                                source,
                            }
                            .into());
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
        .try_flatten()
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// A borrowed key finds its owned twin only if both hash alike, field by field.
    #[test]
    fn borrowed_schema_bytes_hash_as_their_owned_key() {
        let borrowed = SchemaBytesRef {
            schema: b"schema elements",
            arrow_schemas: vec![b"first".as_slice(), b"second".as_slice()],
        };
        let state = hashbrown::DefaultHashBuilder::default();
        assert_eq!(state.hash_one(&borrowed), state.hash_one(borrowed.to_key()));
        let mut known = hashbrown::HashMap::new();
        known.insert(borrowed.to_key(), 1);
        assert_eq!(known.get(&borrowed), Some(&1));
        let other = SchemaBytesRef {
            schema: b"schema elements",
            arrow_schemas: vec![b"first".as_slice()],
        };
        assert_eq!(known.get(&other), None);
    }
}
