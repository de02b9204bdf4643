//! Listing a local folder with one `stat` per file.
//!
//! object_store's local listing stats every entry four to five times (walkdir's follow, a
//! broken-symlink check, `is_file`, the metadata), each by its full path: on a lake of small
//! files that was a third of a scan's kernel time. This walk reads each folder once and stats
//! a file once, relative to its folder, and gives exactly what object_store gives: the same
//! locations, sizes, times and ETags (the footer cache keys on them), symlinks followed, broken
//! ones and object_store's own temporary files (`name#123`) left out.

use std::path::{Path as FsPath, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use object_store::ObjectMeta;
use object_store::path::Path;

/// Entries listed per hand-off to a blocking thread, as object_store does.
const CHUNK: usize = 1024;

/// Every file below `folder`, in chunks listed on blocking threads.
pub(super) fn list(
    folder: PathBuf,
) -> futures::stream::BoxStream<'static, object_store::Result<ObjectMeta>> {
    use futures::StreamExt;
    let walk = Walk::new(folder);
    futures::stream::unfold(Some(walk), |walk| async move {
        let mut walk = walk?;
        let (walk, chunk) = tokio::task::spawn_blocking(move || {
            let chunk: Vec<_> = walk.by_ref().take(CHUNK).collect();
            (walk, chunk)
        })
        .await
        .ok()?;
        (!chunk.is_empty()).then(|| (futures::stream::iter(chunk), Some(walk)))
    })
    .flatten()
    .boxed()
}

/// A depth-first walk; each pending folder keeps the folders it was reached through (device
/// and inode) to refuse a symlink loop, as walkdir does.
struct Walk {
    pending: Vec<(PathBuf, Vec<(u64, u64)>)>,
    current: Option<(std::fs::ReadDir, Vec<(u64, u64)>)>,
}

impl Walk {
    fn new(folder: PathBuf) -> Self {
        use std::os::unix::fs::MetadataExt;
        let root = std::fs::metadata(&folder)
            .map(|root| vec![(root.dev(), root.ino())])
            .unwrap_or_default();
        Self {
            pending: vec![(folder, root)],
            current: None,
        }
    }

    /// Queues a folder, unless it is one of the folders it was reached through.
    fn descend(
        &mut self,
        path: PathBuf,
        id: (u64, u64),
        ancestors: &[(u64, u64)],
    ) -> Option<object_store::Result<ObjectMeta>> {
        if ancestors.contains(&id) {
            return Some(Err(failure(
                &path,
                "a symlink loops back to a folder above it".into(),
            )));
        }
        let mut below = ancestors.to_vec();
        below.push(id);
        self.pending.push((path, below));
        None
    }

    /// What one folder entry is: a file's meta, a folder to walk, or nothing to list.
    fn entry(
        &mut self,
        entry: std::io::Result<std::fs::DirEntry>,
        ancestors: &[(u64, u64)],
    ) -> Option<object_store::Result<ObjectMeta>> {
        use std::os::unix::fs::{DirEntryExt, MetadataExt};
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => return skip_missing(error, None),
        };
        let path = entry.path();
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(error) => return skip_missing(error, Some(&path)),
        };
        if kind.is_dir() {
            // A folder's inode is in its entry and its device is its parent's: no stat.
            let device = ancestors.last().map_or(0, |(device, _)| *device);
            return self.descend(path, (device, entry.ino()), ancestors);
        }
        let metadata = if kind.is_symlink() {
            // A broken symlink is no object.
            std::fs::metadata(&path).ok()?
        } else if kind.is_file() {
            match entry.metadata() {
                Ok(metadata) => metadata,
                Err(error) => return skip_missing(error, Some(&path)),
            }
        } else {
            return None;
        };
        if metadata.is_dir() {
            return self.descend(path, (metadata.dev(), metadata.ino()), ancestors);
        }
        if !metadata.is_file() {
            return None;
        }
        let location = match Path::from_absolute_path(&path) {
            Ok(location) => location,
            Err(error) => return Some(Err(error.into())),
        };
        if is_temporary(&location) {
            return None;
        }
        Some(Ok(meta(location, &metadata)))
    }
}

impl Iterator for Walk {
    type Item = object_store::Result<ObjectMeta>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((entries, ancestors)) = &mut self.current {
                match entries.next() {
                    Some(entry) => {
                        let ancestors = ancestors.clone();
                        if let Some(item) = self.entry(entry, &ancestors) {
                            return Some(item);
                        }
                        continue;
                    }
                    None => self.current = None,
                }
            }
            let (folder, ancestors) = self.pending.pop()?;
            match std::fs::read_dir(&folder) {
                Ok(entries) => self.current = Some((entries, ancestors)),
                Err(error) => {
                    if let Some(item) = skip_missing(error, Some(&folder)) {
                        return Some(item);
                    }
                }
            }
        }
    }
}

/// A file or folder that vanished while listed is not listed; any other error is.
fn skip_missing(
    error: std::io::Error,
    path: Option<&FsPath>,
) -> Option<object_store::Result<ObjectMeta>> {
    if error.kind() == std::io::ErrorKind::NotFound {
        return None;
    }
    let shown = path.map_or_else(String::new, |path| format!("{}: ", path.display()));
    Some(Err(object_store::Error::Generic {
        store: "LocalFileSystem",
        source: format!("{shown}{error}").into(),
    }))
}

fn failure(path: &FsPath, reason: String) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: format!("{}: {reason}", path.display()).into(),
    }
}

/// object_store's in-progress uploads, `name#<digits>`, are not objects.
fn is_temporary(location: &Path) -> bool {
    location
        .filename()
        .and_then(|name| name.split_once('#'))
        .is_some_and(|(_, suffix)| {
            !suffix.is_empty() && suffix.bytes().all(|byte| byte.is_ascii_digit())
        })
}

/// The object's meta as object_store's local store makes it: the ETag is inode, modification
/// time in microseconds and size, in hex.
fn meta(location: Path, metadata: &std::fs::Metadata) -> ObjectMeta {
    use std::os::unix::fs::MetadataExt;
    let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let micros = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    ObjectMeta {
        location,
        last_modified: DateTime::<Utc>::from(modified),
        size: metadata.len(),
        e_tag: Some(format!(
            "\"{:x}-{micros:x}-{:x}\"",
            metadata.ino(),
            metadata.len()
        )),
        version: None,
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;
    use object_store::ObjectStore;

    use super::*;

    /// Files, nested folders, a symlinked file and folder, a broken symlink, a temporary
    /// upload and odd names: listed exactly as object_store lists them.
    #[tokio::test(flavor = "multi_thread")]
    async fn lists_what_object_store_lists() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let write = |relative: &str| {
            let path = root.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, relative.as_bytes()).unwrap();
        };
        for relative in [
            "t/dt=2020-09-19/part-0.parquet",
            "t/dt=2020-09-20/part 0 (copy).parquet",
            "t/hour=10%3A00/x.parquet",
            "u/a#12",
            "u/a#x1",
            "u/ünïcödé.parquet",
            "top.txt",
            "empty/.keep",
        ] {
            write(relative);
        }
        std::fs::write(elsewhere.path().join("linked.parquet"), b"linked").unwrap();
        std::fs::create_dir(elsewhere.path().join("folder")).unwrap();
        std::fs::write(elsewhere.path().join("folder/inner.parquet"), b"inner").unwrap();
        std::os::unix::fs::symlink(
            elsewhere.path().join("linked.parquet"),
            root.path().join("t/linked.parquet"),
        )
        .unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("folder"), root.path().join("v")).unwrap();
        std::os::unix::fs::symlink(root.path().join("gone"), root.path().join("t/broken")).unwrap();

        let store = object_store::local::LocalFileSystem::new();
        let prefix = Path::from_absolute_path(root.path()).unwrap();
        let sorted = |mut metas: Vec<ObjectMeta>| {
            metas.sort_by(|a, b| a.location.cmp(&b.location));
            metas
        };
        let expected = sorted(store.list(Some(&prefix)).try_collect().await.unwrap());
        let listed = sorted(list(root.path().to_path_buf()).try_collect().await.unwrap());
        assert_eq!(expected.len(), 9, "{expected:#?}");
        assert_eq!(listed, expected);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_symlink_loop_is_an_error_not_a_hang() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("a")).unwrap();
        std::os::unix::fs::symlink(root.path(), root.path().join("a/up")).unwrap();
        let listed: Result<Vec<ObjectMeta>, _> =
            list(root.path().to_path_buf()).try_collect().await;
        let error = listed.unwrap_err().to_string();
        assert!(error.contains("loops back"), "{error}");
    }
}
