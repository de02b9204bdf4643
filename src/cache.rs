//! The footer cache: what each object's footer mapped to, so a re-scan reads only new or
//! changed objects.
//!
//! An entry is keyed by the object's location and valid while its size and version (ETag, or
//! modification time where the store has no ETag) are unchanged. Mapped schemas are stored once
//! per fingerprint. Only readable footers are cached: a broken file is read again next time. The
//! file is an SQLite database under `.glueprint/`, shared by every command that scans, and safe
//! to delete.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use object_store::ObjectMeta;
use rusqlite::{Connection, params};

use crate::infer::FileSchema;

/// Where the cache lives unless told otherwise.
pub const DEFAULT_PATH: &str = ".glueprint/footers.db";

/// What an entry vouches for, as SQLite's `user_version`. 2: the file's codecs are ones Athena
/// reads too (`engine_unreadable_codec` is checked before an entry is written); entries of an
/// older cache may hold a file that check refuses, so they are dropped once.
const GENERATION: i64 = 2;

#[derive(Debug, thiserror::Error)]
#[error("the footer cache {path} cannot be used ({reason})")]
pub struct CacheError {
    path: String,
    reason: String,
}

/// A cached footer: its fingerprint and Hive schema.
pub type Cached = (u64, Arc<FileSchema>);

#[derive(Debug)]
pub struct FooterCache {
    path: String,
    connection: Mutex<Connection>,
    /// Entries loaded by `preload`: location → (size, version, fingerprint).
    known: Mutex<HashMap<String, (u64, String, u64)>>,
    /// Schemas already parsed from the cache in this run, by fingerprint.
    parsed: Mutex<HashMap<u64, Arc<FileSchema>>>,
    /// Entries read fresh in this run, written in one transaction by `save`.
    pending: Mutex<Vec<Entry>>,
}

/// A footer read in this run, to be cached.
#[derive(Debug)]
struct Entry {
    location: String,
    size: u64,
    version: String,
    fingerprint: u64,
    schema: Arc<FileSchema>,
}

/// Marks a local file's version with its change time (ctime) as well. object_store's local
/// ETag is inode, modification time and size, and `cp -p` or `rsync -a` can replace a file's
/// content while keeping all three; the change time moves on every write and cannot be set.
pub fn add_change_time(meta: &mut ObjectMeta, path: &Path) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(file) = std::fs::metadata(path) {
        let base = version_of(meta);
        meta.e_tag = Some(format!("{base}-c{}.{}", file.ctime(), file.ctime_nsec()));
    }
}

/// The version of an object: its ETag, or else its modification time.
fn version_of(meta: &ObjectMeta) -> String {
    meta.e_tag
        .clone()
        .unwrap_or_else(|| meta.last_modified.to_rfc3339())
}

impl FooterCache {
    pub fn open(path: &Path) -> Result<Self, CacheError> {
        let failed = |reason: String| CacheError {
            path: path.display().to_string(),
            reason,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| failed(e.to_string()))?;
        }
        let connection = Connection::open(path).map_err(|e| failed(e.to_string()))?;
        connection
            .busy_timeout(std::time::Duration::from_secs(30))
            .and_then(|()| {
                connection.execute_batch(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     CREATE TABLE IF NOT EXISTS schemas (
                         fingerprint INTEGER PRIMARY KEY,
                         body TEXT NOT NULL
                     );
                     CREATE TABLE IF NOT EXISTS footers (
                         location TEXT PRIMARY KEY,
                         size INTEGER NOT NULL,
                         version TEXT NOT NULL,
                         fingerprint INTEGER NOT NULL REFERENCES schemas (fingerprint)
                     );",
                )
            })
            .and_then(|()| {
                let generation: i64 =
                    connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
                if generation == GENERATION {
                    return Ok(());
                }
                connection.execute_batch(&format!(
                    "DELETE FROM footers; DELETE FROM schemas; PRAGMA user_version = {GENERATION};"
                ))
            })
            .map_err(|e| failed(e.to_string()))?;
        Ok(Self {
            path: path.display().to_string(),
            connection: Mutex::new(connection),
            known: Mutex::default(),
            parsed: Mutex::default(),
            pending: Mutex::default(),
        })
    }

    /// Loads the entries of every object whose location starts with `prefix` (a lake or table
    /// root): one sequential read instead of one query per object.
    pub fn preload(&self, prefix: &str) -> Result<(), CacheError> {
        let failed = |reason: String| CacheError {
            path: self.path.clone(),
            reason,
        };
        let start = format!("{}/", prefix.trim_end_matches('/'));
        // Every key below `start` sorts before `start` with its last `/` bumped to `0`.
        let end = format!("{}0", prefix.trim_end_matches('/'));
        let connection = self.connection.lock().map_err(|e| failed(e.to_string()))?;
        let mut statement = connection
            .prepare(
                "SELECT location, size, version, fingerprint FROM footers
                 WHERE location >= ?1 AND location < ?2",
            )
            .map_err(|e| failed(e.to_string()))?;
        let rows = statement
            .query_map(params![start, end], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)? as u64,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)? as u64,
                ))
            })
            .map_err(|e| failed(e.to_string()))?;
        let mut known = self.known.lock().map_err(|e| failed(e.to_string()))?;
        for row in rows {
            let (location, size, version, fingerprint) = row.map_err(|e| failed(e.to_string()))?;
            known.insert(location, (size, version, fingerprint));
        }
        Ok(())
    }

    /// The cached schema of `meta` at `location`, if the object has not changed since it was
    /// cached (see [`FooterCache::preload`]).
    pub fn get(&self, location: &str, meta: &ObjectMeta) -> Option<Cached> {
        let fingerprint = {
            let known = self.known.lock().ok()?;
            let (size, version, fingerprint) = known.get(location)?;
            (*size == meta.size && *version == version_of(meta)).then_some(*fingerprint)?
        };
        let mut parsed = self.parsed.lock().ok()?;
        if let Some(schema) = parsed.get(&fingerprint) {
            return Some((fingerprint, Arc::clone(schema)));
        }
        let body: String = self
            .connection
            .lock()
            .ok()?
            .query_row(
                "SELECT body FROM schemas WHERE fingerprint = ?1",
                params![fingerprint as i64],
                |row| row.get(0),
            )
            .ok()?;
        // An entry that no longer parses (written by another version) is simply a miss.
        let schema: Arc<FileSchema> = Arc::new(serde_json::from_str(&body).ok()?);
        parsed.insert(fingerprint, Arc::clone(&schema));
        Some((fingerprint, schema))
    }

    /// Remembers a footer read in this run; written by [`FooterCache::save`].
    pub fn put(
        &self,
        location: String,
        meta: &ObjectMeta,
        fingerprint: u64,
        schema: Arc<FileSchema>,
    ) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(Entry {
                location,
                size: meta.size,
                version: version_of(meta),
                fingerprint,
                schema,
            });
        }
    }

    /// Writes the footers read in this run, in one transaction.
    pub fn save(&self) -> Result<(), CacheError> {
        let failed = |reason: String| CacheError {
            path: self.path.clone(),
            reason,
        };
        let pending = std::mem::take(&mut *self.pending.lock().map_err(|e| failed(e.to_string()))?);
        if pending.is_empty() {
            return Ok(());
        }
        let mut connection = self.connection.lock().map_err(|e| failed(e.to_string()))?;
        let transaction = connection
            .transaction()
            .map_err(|e| failed(e.to_string()))?;
        {
            let mut schema_insert = transaction
                .prepare("INSERT OR IGNORE INTO schemas (fingerprint, body) VALUES (?1, ?2)")
                .map_err(|e| failed(e.to_string()))?;
            let mut footer_insert = transaction
                .prepare(
                    "INSERT OR REPLACE INTO footers (location, size, version, fingerprint)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| failed(e.to_string()))?;
            let mut written: HashSet<u64> = HashSet::new();
            for entry in &pending {
                if written.insert(entry.fingerprint) {
                    let body = serde_json::to_string(entry.schema.as_ref())
                        .map_err(|e| failed(e.to_string()))?;
                    schema_insert
                        .execute(params![entry.fingerprint as i64, body])
                        .map_err(|e| failed(e.to_string()))?;
                }
                footer_insert
                    .execute(params![
                        entry.location,
                        entry.size as i64,
                        entry.version,
                        entry.fingerprint as i64
                    ])
                    .map_err(|e| failed(e.to_string()))?;
            }
        }
        transaction.commit().map_err(|e| failed(e.to_string()))
    }
}
