//! Listing a lake: which prefixes to list, listings that run ahead of the reads, and what
//! each listed object is.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;
use object_store::ObjectMeta;
use object_store::path::Path;

use futures::stream::BoxStream;

use crate::layout::admits_folder;
use crate::store::{FirstPage, Lake};

use super::{ScanError, ScanOptions};

/// Table listings running at once; each runs ahead of the reads.
pub(super) const LIST_CONCURRENCY: usize = 8;
/// Keys listed ahead of the reads, at most (bounded memory on lakes of millions of objects).
pub(super) const LISTED_AHEAD: usize = 10_000;

/// A key as listed, with the location of the listing it came from (for its errors).
pub(super) type ListedKey = (Arc<str>, object_store::Result<ObjectMeta>);

/// Lists a local lake's prefixes one after the other, as the store gives them: the listing
/// keeps ahead of the batched reads, and a hand-off per key would cost more than it saves.
pub(super) fn local_listing(
    lake: &Lake,
    prefixes: Vec<Option<String>>,
) -> BoxStream<'static, ListedKey> {
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

/// Lists `prefixes` (after `root_objects`, already listed), `LIST_CONCURRENCY` at a time, on a
/// task of its own: the next page of a listing is requested as soon as the previous one
/// arrives, not when the readers reach its end. Each key comes with its listing's location.
pub(super) fn concurrent_listing(
    lake: &Lake,
    prefixes: TableListings,
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
            .for_each_concurrent(LIST_CONCURRENCY, |(prefix, after)| {
                let (sender, lake) = (sender.clone(), lake.clone());
                async move {
                    let location: Arc<str> = lake
                        .location_of(prefix.as_deref().unwrap_or_default())
                        .into();
                    let mut listing = match &after {
                        Some(offset) => lake.list_after(prefix.as_deref(), offset),
                        None => lake.list(prefix.as_deref()),
                    };
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

/// The first page of a flat listing of the lake came with its tables: its keys are read while
/// the tables are listed, and each table's listing starts after them. A table whose keys all
/// came in the page is not listed again; when the page holds the whole lake, nothing is.
/// Returns the objects listed so far and the table listings left, each with its offset.
pub(super) fn after_first_page(
    lake: &Lake,
    page: FirstPage,
    tables: &[Option<String>],
    root_objects: Vec<ObjectMeta>,
) -> (Vec<ObjectMeta>, TableListings) {
    let Some(last) = page.more_after else {
        return (page.objects, Vec::new());
    };
    let last_key = lake.relative(&last).to_string();
    let mut listed = page.objects;
    listed.extend(
        root_objects
            .into_iter()
            .filter(|object| object.location > last),
    );
    let left = tables
        .iter()
        .filter(|table| {
            let folder = format!("{}/", table.as_deref().unwrap_or_default());
            last_key.starts_with(&folder) || folder.as_str() > last_key.as_str()
        })
        .map(|table| (table.clone(), Some(last.clone())))
        .collect();
    (listed, left)
}

/// Table listings: each table's folder, and the key its listing starts after.
pub(super) type TableListings = Vec<(Option<String>, Option<Path>)>;

/// What to list: the whole lake, the tables asked for, or, with a partition filter, only the
/// partition folders that pass it (one delimiter listing per table instead of every object).
/// Also returns the tables whose folders exist but whose partitions the filter left out.
pub(super) async fn listing_prefixes(
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
    let list_error =
        |location: String| move |source| crate::store::StoreError::List { location, source };
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

/// Every folder above a listed key, to tell zero-byte folder markers from empty files.
#[derive(Debug, Default)]
pub(super) struct Folders(HashSet<String>);

impl Folders {
    pub(super) fn note(&mut self, key: &str) {
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

    pub(super) fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }
}
