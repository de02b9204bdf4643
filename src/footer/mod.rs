//! Reads the Parquet footer of one object: only the tail bytes, never the data pages.
//!
//! One ranged read of the last `prefetch` bytes holds the footer of almost every file; a second
//! read happens only when the footer is larger. When a footer cannot be read, the bytes already
//! in hand say why (empty, gzip-wrapped, encrypted, truncated, corrupt), so the message can tell
//! the user what to do.

mod outline;

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::file::metadata::{
    FooterTail, ParquetMetaData, ParquetMetaDataOptions, ParquetMetaDataReader,
    ParquetStatisticsPolicy,
};
use parquet::schema::types::SchemaDescriptor;

pub use outline::{Outline, outline};

/// Bytes read from the end of every file: enough for the footers of files with hundreds of
/// columns, small enough to cost no more than one request.
pub const DEFAULT_PREFETCH: u64 = 64 * 1024;

/// The fixed 8-byte end of a Parquet file: footer length and magic.
const TAIL_LEN: u64 = 8;
/// The first bytes of a gzip stream: exports wrapped as `.parquet.gzip` start with them.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Whole-file compressions other exporters wrap Parquet in, by their magic bytes.
const OTHER_COMPRESSIONS: [(&str, &[u8]); 2] =
    [("zstd", &[0x28, 0xb5, 0x2f, 0xfd]), ("bzip2", b"BZh")];

/// Why a footer could not be read. Each message names no object (the caller does) and ends
/// with what to do.
#[derive(Debug, thiserror::Error)]
pub enum FooterError {
    #[error("is empty (0 bytes), so it is not a Parquet file; delete it or export it again")]
    Empty,
    #[error(
        "is gzip-compressed (it starts with 1f 8b, as CleverTap's .parquet.gzip exports do); \
         Athena, Spectrum and footer readers cannot read it: decompress it into the lake instead"
    )]
    Gzip,
    #[error(
        "is {format}-compressed (it starts with the {format} magic bytes); Athena, Spectrum and \
         footer readers cannot read a compressed file: decompress it into the lake instead"
    )]
    Compressed { format: &'static str },
    #[error(
        "has an encrypted Parquet footer (magic PARE); its schema cannot be read without the key \
         and Athena cannot query it: write it with a plaintext footer"
    )]
    EncryptedFooter,
    #[error(
        "has encrypted columns behind a plaintext footer (the footer names an encryption \
         algorithm); Athena cannot read them without the keys: write the file unencrypted"
    )]
    EncryptedColumns,
    #[error(
        "is {size} bytes, too small to be Parquet (at least 12 bytes); it is truncated or not \
         Parquet: upload it again or move it out of the table folder"
    )]
    TooSmall { size: u64 },
    #[error(
        "does not end with the Parquet magic PAR1 (last bytes {tail}); it is truncated or not \
         Parquet: upload it again or move it out of the table folder"
    )]
    NoMagic { tail: String },
    #[error(
        "declares a {footer_len}-byte footer but is only {size} bytes long, so it is truncated \
         or corrupt: upload it again"
    )]
    FooterLongerThanFile { footer_len: u64, size: u64 },
    #[error("changed while it was read (the listing said {listed} bytes); run again")]
    Changed { listed: u64 },
    #[error("has a corrupt Parquet footer ({reason}): write the file again")]
    Corrupt { reason: String },
    #[error(
        "has a schema nested more than {MAX_SCHEMA_DEPTH} levels deep (at least {depth}), which \
         no engine reads and glueprint refuses to decode: write it flatter"
    )]
    TooDeep { depth: usize },
    #[error(
        "has a footer with a writer quirk ({reason}) that pyarrow and DuckDB read past but the \
         Parquet decoder glueprint uses refuses: this is glueprint's limit, not broken data; \
         rewrite the file with another writer (or pyarrow) to have it scanned"
    )]
    WriterQuirk { reason: String },
    #[error("could not be read ({source}); check access to it and run again")]
    Read {
        #[source]
        source: object_store::Error,
    },
}

/// The outcome of reading one footer, with what it cost even when it failed.
#[derive(Debug)]
pub struct FooterRead<T = ParquetMetaData> {
    pub result: Result<T, FooterError>,
    pub bytes_read: u64,
    pub requests: u32,
}

/// Reads and decodes the footer of `path`, whose size is known from the listing.
pub async fn read_footer(
    store: &dyn ObjectStore,
    path: &Path,
    size: u64,
    prefetch: u64,
) -> FooterRead {
    read_footer_with(store, path, size, prefetch, metadata).await
}

/// Reads the footer bytes of `path` and hands them to `decode`, which borrows them: what is
/// kept of a footer is up to the caller.
pub async fn read_footer_with<T>(
    store: &dyn ObjectStore,
    path: &Path,
    size: u64,
    prefetch: u64,
    decode: impl FnOnce(&[u8]) -> Result<T, FooterError>,
) -> FooterRead<T> {
    RangeReader::new(Source::Store(store, path))
        .read(size, prefetch, decode)
        .await
}

/// Reads the footer of a local file with plain positioned reads, as [`read_footer_with`] does.
/// Call it from a blocking thread: for local lakes, one blocking task per file costs far less
/// than the object store's hand-offs between async and blocking threads for every read.
pub fn read_local_footer_with<T>(
    path: &std::path::Path,
    size: u64,
    prefetch: u64,
    decode: impl FnOnce(&[u8]) -> Result<T, FooterError>,
) -> FooterRead<T> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) => {
            return FooterRead {
                result: Err(local_error(path, error)),
                bytes_read: 0,
                requests: 0,
            };
        }
    };
    let decode = match decode_in_place(&file, size, prefetch, decode) {
        Ok(read) => return read,
        Err(decode) => decode,
    };
    let reader = RangeReader::new(Source::Local(&file, path)).read(size, prefetch, decode);
    // Nothing in the local source awaits: polling once runs it to the end.
    futures::executor::block_on(reader)
}

/// The common case of a local file, with no allocation: the tail, read into the thread's own
/// buffer, holds the whole footer, which is decoded where it lies. Anything else (a short or
/// changed file, no magic, an encrypted footer, a footer longer than the tail) is handed back
/// to the general read, which says why or reads the rest.
fn decode_in_place<T, D>(
    file: &std::fs::File,
    size: u64,
    prefetch: u64,
    decode: D,
) -> Result<FooterRead<T>, D>
where
    D: FnOnce(&[u8]) -> Result<T, FooterError>,
{
    thread_local! {
        static TAIL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let length = prefetch.max(TAIL_LEN).min(size) as usize;
    TAIL.with_borrow_mut(|buffer| {
        if buffer.len() < length {
            buffer.resize(length, 0);
        }
        let tail = &mut buffer[..length];
        if read_at_fully(file, tail, size - length as u64).ok() != Some(length) {
            return Err(decode);
        }
        let tail_start = size - length as u64;
        let footer = match footer_start(tail, size) {
            Ok(Some(start)) if start >= tail_start => (start - tail_start) as usize,
            _ => return Err(decode),
        };
        Ok(FooterRead {
            result: decode(&tail[footer..length - TAIL_LEN as usize]),
            bytes_read: length as u64,
            requests: 1,
        })
    })
}

/// Where the footer of a `size`-byte file starts, from the last bytes of the file in `tail`;
/// `None` when they are not a Parquet tail (the caller finds out what the file is).
fn footer_start(tail: &[u8], size: u64) -> Result<Option<u64>, FooterError> {
    if size < 12 {
        return Ok(None);
    }
    let Some(Ok(footer_tail)) = tail.last_chunk::<8>().map(FooterTail::try_new) else {
        return Ok(None);
    };
    if footer_tail.is_encrypted_footer() {
        return Err(FooterError::EncryptedFooter);
    }
    let footer_len = footer_tail.metadata_length() as u64;
    // The file is PAR1 + data + footer + 8-byte tail.
    if footer_len + TAIL_LEN + 4 > size {
        return Err(FooterError::FooterLongerThanFile {
            footer_len: footer_len + TAIL_LEN,
            size,
        });
    }
    Ok(Some(size - TAIL_LEN - footer_len))
}

/// Reads from `offset` until `buffer` is full or the file ends; how many bytes were read.
fn read_at_fully(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    use std::os::unix::fs::FileExt;
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read_at(&mut buffer[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn local_error(path: &std::path::Path, error: std::io::Error) -> FooterError {
    FooterError::Read {
        source: object_store::Error::Generic {
            store: "LocalFileSystem",
            source: format!("{}: {error}", path.display()).into(),
        },
    }
}

enum Source<'a> {
    Store(&'a dyn ObjectStore, &'a Path),
    Local(&'a std::fs::File, &'a std::path::Path),
}

struct RangeReader<'a> {
    source: Source<'a>,
    bytes_read: u64,
    requests: u32,
}

impl<'a> RangeReader<'a> {
    fn new(source: Source<'a>) -> Self {
        Self {
            source,
            bytes_read: 0,
            requests: 0,
        }
    }

    async fn read<T>(
        mut self,
        size: u64,
        prefetch: u64,
        decode: impl FnOnce(&[u8]) -> Result<T, FooterError>,
    ) -> FooterRead<T> {
        let result = self
            .footer(size, prefetch.max(TAIL_LEN))
            .await
            .and_then(|footer| decode(&footer));
        FooterRead {
            result,
            bytes_read: self.bytes_read,
            requests: self.requests,
        }
    }

    async fn get(&mut self, range: Range<u64>) -> Result<Bytes, FooterError> {
        self.requests += 1;
        let bytes = match &self.source {
            Source::Store(store, path) => store
                .get_range(path, range)
                .await
                .map_err(|source| FooterError::Read { source })?,
            Source::Local(file, path) => {
                let mut buffer = vec![0; (range.end - range.start) as usize];
                let filled = read_at_fully(file, &mut buffer, range.start)
                    .map_err(|error| local_error(path, error))?;
                buffer.truncate(filled);
                Bytes::from(buffer)
            }
        };
        self.bytes_read += bytes.len() as u64;
        Ok(bytes)
    }

    /// The footer's bytes (the Thrift `FileMetaData`, without the tail).
    async fn footer(&mut self, size: u64, prefetch: u64) -> Result<Bytes, FooterError> {
        if size == 0 {
            return Err(FooterError::Empty);
        }
        let tail_start = size.saturating_sub(prefetch);
        let tail = self.get(tail_start..size).await?;
        if (tail.len() as u64) < size - tail_start {
            return Err(FooterError::Changed { listed: size });
        }
        let Some(footer_start) = footer_start(&tail, size)? else {
            let head_in_hand = (tail_start == 0).then(|| tail.clone());
            return Err(self.diagnose_bad_magic(size, &tail, head_in_hand).await);
        };
        if footer_start >= tail_start {
            let offset = (footer_start - tail_start) as usize;
            return Ok(tail.slice(offset..tail.len() - TAIL_LEN as usize));
        }
        // Only the part before what the first read covered is missing.
        let missing = self.get(footer_start..tail_start).await?;
        let mut joined = Vec::with_capacity((size - TAIL_LEN - footer_start) as usize);
        joined.extend_from_slice(&missing);
        joined.extend_from_slice(&tail[..tail.len() - TAIL_LEN as usize]);
        Ok(Bytes::from(joined))
    }

    /// Explains a file whose last bytes are not the Parquet magic.
    async fn diagnose_bad_magic(
        &mut self,
        size: u64,
        tail: &Bytes,
        head_in_hand: Option<Bytes>,
    ) -> FooterError {
        let head = match head_in_hand {
            Some(head) => head,
            None => match self.get(0..size.min(4)).await {
                Ok(head) => head,
                Err(error) => return error,
            },
        };
        if head.starts_with(&GZIP_MAGIC) {
            return FooterError::Gzip;
        }
        if let Some((format, _)) = OTHER_COMPRESSIONS
            .iter()
            .find(|(_, magic)| head.starts_with(magic))
        {
            return FooterError::Compressed { format };
        }
        if size < 12 {
            return FooterError::TooSmall { size };
        }
        let last4 = &tail[tail.len() - 4..];
        FooterError::NoMagic {
            tail: printable(last4),
        }
    }
}

/// Deepest schema nesting read. The parquet crate decodes schemas recursively, so a crafted
/// footer with thousands of nested groups would overflow the stack before any check of ours.
pub const MAX_SCHEMA_DEPTH: usize = 100;

/// Decodes a footer whole, row groups included: for readers of data pages. The outline's
/// checks come first (nesting depth, encrypted columns), which the crate does not make.
pub fn metadata(footer: &[u8]) -> Result<ParquetMetaData, FooterError> {
    outline(footer)?;
    // Statistics are decoded for nothing here: no reader of this crate's pages needs them.
    let options = ParquetMetaDataOptions::new()
        .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll);
    ParquetMetaDataReader::decode_metadata_with_options(footer, Some(&options))
        .map_err(decode_error)
}

/// Decodes only the schema of a footer the outline has read.
pub fn schema(footer: &[u8]) -> Result<Arc<SchemaDescriptor>, FooterError> {
    ParquetMetaDataReader::decode_schema(footer).map_err(decode_error)
}

fn decode_error(error: parquet::errors::ParquetError) -> FooterError {
    let reason = error.to_string();
    // A list whose elements carry another Thrift type than the spec's (as in
    // parquet-testing's dict-page-offset-zero.parquet): lenient readers accept it.
    if reason.contains("Expected list element type") {
        FooterError::WriterQuirk { reason }
    } else {
        FooterError::Corrupt { reason }
    }
}

/// Shows bytes as text when they are printable ASCII, in hex otherwise.
fn printable(bytes: &[u8]) -> String {
    if bytes.iter().all(|b| b.is_ascii_graphic()) {
        format!("\"{}\"", String::from_utf8_lossy(bytes))
    } else {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use proptest::prelude::*;

    fn read(bytes: Vec<u8>, prefetch: u64) -> FooterRead {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = InMemory::new();
        let path = Path::from("t/x.parquet");
        let size = bytes.len() as u64;
        runtime.block_on(async {
            store.put(&path, bytes.into()).await.unwrap();
            read_footer(&store, &path, size, prefetch).await
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = read(bytes, 64).result;
        }

        #[test]
        fn garbage_footers_with_a_valid_tail_are_errors_not_panics(
            footer in prop::collection::vec(any::<u8>(), 0..300),
            declared in 0u32..400,
        ) {
            let mut bytes = b"PAR1".to_vec();
            bytes.extend_from_slice(&footer);
            bytes.extend_from_slice(&declared.to_le_bytes());
            bytes.extend_from_slice(b"PAR1");
            let outcome = read(bytes, 128);
            prop_assert!(outcome.requests <= 2);
        }
    }

    #[test]
    fn a_file_shorter_than_its_listing_is_reported_as_changed() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let store = InMemory::new();
        let path = Path::from("t/x.parquet");
        let outcome = runtime.block_on(async {
            store.put(&path, vec![0u8; 150].into()).await.unwrap();
            read_footer(&store, &path, 200, 64).await
        });
        assert!(
            matches!(outcome.result, Err(FooterError::Changed { listed: 200 })),
            "{:?}",
            outcome.result
        );
    }
}
