//! One export to its target: copied server-side within one store, or streamed through a gzip
//! decoder into a (multipart) upload; staged, then the result's footer checked before it counts.

use async_compression::tokio::bufread::GzipDecoder;
use futures::StreamExt;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;
use tokio_util::io::StreamReader;

use super::{Job, OrganizeOptions, Outcome, STAGING_PREFIX};
use crate::footer::{DEFAULT_PREFETCH, GZIP_MAGIC};
use crate::store::Lake;

/// Copies or decompresses one export; returns what happened and the bytes written.
pub(super) async fn transfer(
    from: &Lake,
    to: &Lake,
    job: &Job,
    options: &OrganizeOptions,
    same_store: bool,
) -> Result<(Outcome, u64), String> {
    let size = job.source.size;
    let head = if size >= 2 {
        from.get_range(&job.source.location, 0..2)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?
    } else {
        bytes::Bytes::new()
    };
    let gzipped = head.starts_with(&GZIP_MAGIC);
    // A gzip member ends with the uncompressed size (mod 2^32): enough to see whether the
    // target already holds this file, without decompressing it again.
    let expected_size = if gzipped {
        let trailer = from
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
    if let Ok(existing) = to.head(&job.target).await
        && existing.size % (1 << 32) == expected_size % (1 << 32)
        && (gzipped || existing.size == expected_size)
    {
        if options.delete_source && !options.dry_run {
            verify(to, &job.target, existing.size).await?;
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
        decompress(from, &job.source.location, to, &staged).await?;
        Outcome::Decompressed
    } else if same_store {
        to.copy(&job.source.location, &staged)
            .await
            .map_err(|e| format!("cannot copy it: {e}"))?;
        Outcome::Copied
    } else {
        let bytes = from
            .read_stream(&job.source.location)
            .await
            .map_err(|e| format!("cannot read it: {e}"))?;
        write_stream(to, &staged, bytes).await?;
        Outcome::Copied
    };
    let written = to
        .head(&staged)
        .await
        .map_err(|e| format!("cannot read back {}: {e}", job.target_key))?;
    if let Err(error) = verify(to, &staged, written.size).await {
        let _ = to.delete(&staged).await;
        return Err(format!("{error}; it was removed, the source is kept"));
    }
    if staged != job.target {
        to.rename(&staged, &job.target)
            .await
            .map_err(|e| format!("cannot move the result into place: {e}; the source is kept"))?;
    }
    if options.delete_source {
        delete_source_if_same(from, to, job, gzipped).await?;
    }
    Ok((outcome, written.size))
}

/// Checks that `path` is a readable Parquet file.
async fn verify(lake: &Lake, path: &Path, size: u64) -> Result<(), String> {
    let footer = lake.read_footer(path, size, DEFAULT_PREFETCH).await;
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
    let source = content_digest(from, &job.source.location, gzipped).await?;
    let target = content_digest(to, &job.target, false).await?;
    if source != target {
        return Err(format!(
            "{} exists but holds other content than this source ({} vs {} bytes, or another \
             checksum); the source is kept: look at both, then remove the wrong one",
            job.target_key, target.0, source.0
        ));
    }
    from.delete(&job.source.location)
        .await
        .map_err(|e| format!("organized, but the source could not be deleted: {e}"))
}

/// The length and SHA-256 of an object's content, decompressed first when `gunzip`.
async fn content_digest(lake: &Lake, path: &Path, gunzip: bool) -> Result<(u64, Vec<u8>), String> {
    use sha2::{Digest, Sha256};
    let stream = lake
        .read_stream(path)
        .await
        .map_err(|e| format!("cannot read {path} to compare it: {e}"))?;
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

async fn decompress(from: &Lake, source: &Path, to: &Lake, target: &Path) -> Result<(), String> {
    let stream = from
        .read_stream(source)
        .await
        .map_err(|e| format!("cannot read it: {e}"))?;
    write_stream(to, target, gunzipped(stream))
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
    lake: &Lake,
    target: &Path,
    mut chunks: impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Unpin,
) -> Result<(), String> {
    let mut writer = lake.writer(target);
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
