//! Properties of union maps, CleverTap's generic export shape (catalog-facts §7): the footer
//! says `eventProps` is `map<string,struct<member0..memberN>>` and nothing about the
//! properties, whose names are map keys in the data. Discovery reads, beyond the footers, only
//! the map columns' leaves (keys and branches) from a bounded sample of files, newest
//! partitions first, and tells per key which branches carry its values and in how many rows.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::{Array, MapArray, StringArray, StructArray};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use object_store::ObjectMeta;
use object_store::path::Path;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStreamBuilder};
use parquet::file::metadata::ParquetMetaData;
use serde::Serialize;

use crate::aws::AwsSettings;
use crate::compat::{branch_reads_as, widen};
use crate::declare::DeclaredTable;
use crate::footer::DEFAULT_PREFETCH;
use crate::hive::{HiveType, same_name};
use crate::store::Lake;

/// Bytes read per table by default, footers included: a few MiB tell the properties of a day.
pub const DEFAULT_SAMPLE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot read the union maps of {location}: {reason}; the file is left out")]
    Read { location: String, reason: String },
}

/// What the sample showed of one table's union maps.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Discovery {
    pub columns: Vec<UnionColumn>,
    pub files_read: u64,
    pub bytes_read: u64,
    /// The size of the files the sample read from.
    pub sampled_bytes: u64,
    /// The bytes the sample was allowed to read.
    pub budget: u64,
    /// The bytes of every data file of the table: what a full read would cost.
    pub table_bytes: u64,
    pub rows: u64,
}

/// One union-map column and the properties found in it.
#[derive(Debug, Clone, Serialize)]
pub struct UnionColumn {
    pub column: String,
    pub properties: Vec<Property>,
}

/// One map key, and the branches its values were found in.
#[derive(Debug, Clone, Serialize)]
pub struct Property {
    pub key: String,
    pub branches: Vec<BranchUse>,
}

impl Property {
    /// The type to declare for the property: one branch is its type, complex ones too (the
    /// view exposes it as it is); numbers in several branches widen (an int later a double:
    /// double); anything else mixed (a number and text, a boolean beside a number, a list
    /// beside text) is text, which reads every branch.
    pub fn proposed(&self) -> HiveType {
        let mut types = self.branches.iter().map(|b| b.ty.clone());
        let Some(first) = types.next() else {
            return HiveType::String;
        };
        types
            .try_fold(first, |merged, ty| {
                if let Ok(wider) = widen(&merged, &ty) {
                    return Some(wider);
                }
                // int and double have no safe widening in the merge's rules; a view may cast both.
                (merged.is_numeric() && ty.is_numeric()).then_some(HiveType::Double)
            })
            .unwrap_or(HiveType::String)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BranchUse {
    pub branch: String,
    #[serde(rename = "type")]
    pub ty: HiveType,
    pub rows: u64,
}

/// The union-map columns of a scanned table, with their branches.
pub fn union_columns<'a>(
    columns: impl IntoIterator<Item = (&'a str, &'a HiveType)>,
) -> Vec<UnionMap> {
    columns
        .into_iter()
        .filter_map(|(name, ty)| {
            let branches = ty.union_branches()?;
            Some((
                name.to_string(),
                branches
                    .iter()
                    .map(|b| (b.name.clone(), b.ty.clone()))
                    .collect(),
            ))
        })
        .collect()
}

/// A union-map column: its name and its branches with their types.
pub type UnionMap = (String, Vec<(String, HiveType)>);

/// Reads the union maps `unions` (from [`union_columns`]) of table folder `table`, newest files
/// first (by key, so the last `dt=` partitions), until `budget` bytes were read. Files that
/// cannot be read are skipped and said in `skipped`.
pub async fn discover(
    lake: &Lake,
    table: &str,
    unions: &[UnionMap],
    budget: u64,
    skipped: &mut Vec<DiscoverError>,
) -> Result<Discovery, DiscoverError> {
    let columns: Vec<String> = unions.iter().map(|(name, _)| name.clone()).collect();
    let mut files: Vec<ObjectMeta> = lake
        .list(Some(table))
        .try_filter(|meta| {
            let name = meta.location.filename().unwrap_or_default();
            let data = meta.size > 0 && !name.starts_with(['.', '_']);
            futures::future::ready(data)
        })
        .try_collect()
        .await
        .map_err(|source| crate::store::StoreError::List {
            location: lake.folder(table).to_string(),
            source,
        })?;
    files.sort_by(|a, b| b.location.cmp(&a.location));
    let mut discovery = Discovery {
        table_bytes: files.iter().map(|f| f.size).sum(),
        budget,
        ..Discovery::default()
    };
    let mut found: BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>> = BTreeMap::new();
    for meta in files {
        if discovery.bytes_read >= budget {
            break;
        }
        let location = lake.location_of(lake.relative(&meta.location));
        let read = read_file(lake, &meta, &columns).await;
        discovery.bytes_read += read.bytes_read;
        let maps = match read.maps {
            Ok(maps) => maps,
            Err(reason) => {
                skipped.push(DiscoverError::Read { location, reason });
                continue;
            }
        };
        discovery.files_read += 1;
        discovery.sampled_bytes += meta.size;
        discovery.rows += read.rows;
        for (column, map) in maps {
            tally(&map, found.entry(column).or_default());
        }
    }
    for (column, branch_types) in unions {
        let type_of = |branch: &str| {
            branch_types
                .iter()
                .find(|(name, _)| name == branch)
                .map_or(HiveType::String, |(_, ty)| ty.clone())
        };
        let properties = found
            .remove(column)
            .unwrap_or_default()
            .into_iter()
            .map(|(key, branches)| Property {
                key,
                branches: branches
                    .into_iter()
                    .map(|(branch, rows)| BranchUse {
                        ty: type_of(&branch),
                        branch,
                        rows,
                    })
                    .collect(),
            })
            .collect();
        discovery.columns.push(UnionColumn {
            column: column.clone(),
            properties,
        });
    }
    Ok(discovery)
}

/// Counts, per key of `map`, the rows whose value is in each branch (the first non-null one).
fn tally(map: &MapArray, found: &mut BTreeMap<String, BTreeMap<String, u64>>) {
    let (Some(keys), Some(values)) = (
        map.keys().as_any().downcast_ref::<StringArray>(),
        map.values().as_any().downcast_ref::<StructArray>(),
    ) else {
        return;
    };
    let names: Vec<String> = values.fields().iter().map(|f| f.name().clone()).collect();
    // Entries of null maps are not in the offsets' range, so every key here is a real entry.
    for entry in 0..keys.len() {
        if keys.is_null(entry) {
            continue;
        }
        let branch = (0..values.num_columns()).find(|&b| values.column(b).is_valid(entry));
        if let Some(branch) = branch {
            *found
                .entry(keys.value(entry).to_string())
                .or_default()
                .entry(names[branch].clone())
                .or_default() += 1;
        }
    }
}

struct FileRead {
    bytes_read: u64,
    rows: u64,
    maps: Result<Vec<(String, MapArray)>, String>,
}

/// One file's union maps: its footer, then only the leaf columns of `columns`. A file no
/// larger than the footer's prefetch comes whole in one request and is read from memory:
/// fetching its footer and then its column chunks would read it twice.
async fn read_file(lake: &Lake, meta: &ObjectMeta, columns: &[String]) -> FileRead {
    let mut read = FileRead {
        bytes_read: 0,
        rows: 0,
        maps: Ok(Vec::new()),
    };
    let whole = meta.size <= DEFAULT_PREFETCH;
    let source = if whole {
        match lake.in_memory(&meta.location).await {
            Ok((memory, fetched)) => {
                read.bytes_read = fetched;
                memory
            }
            Err(error) => {
                read.maps = Err(error.to_string());
                return read;
            }
        }
    } else {
        lake.clone()
    };
    let footer = source
        .read_footer(&meta.location, meta.size, DEFAULT_PREFETCH)
        .await;
    let metadata = match footer.result {
        Ok(metadata) => Arc::new(metadata),
        Err(error) => {
            read.bytes_read += if whole { 0 } else { footer.bytes_read };
            read.maps = Err(error.to_string());
            return read;
        }
    };
    let counted = Arc::new(AtomicU64::new(0));
    let file = ColumnChunks {
        lake: source,
        path: meta.location.clone(),
        metadata: Arc::clone(&metadata),
        bytes_read: Arc::clone(&counted),
    };
    let result = read_maps(file, metadata, columns).await;
    if !whole {
        read.bytes_read += footer.bytes_read + counted.load(Ordering::Relaxed);
    }
    match result {
        Ok((rows, maps)) => {
            read.rows = rows;
            read.maps = Ok(maps);
        }
        Err(error) => read.maps = Err(error.to_string()),
    }
    read
}

/// The object at `location`, fetched whole into a store of its own in memory, and its length.
async fn read_maps(
    file: ColumnChunks,
    metadata: Arc<ParquetMetaData>,
    columns: &[String],
) -> parquet::errors::Result<(u64, Vec<(String, MapArray)>)> {
    let schema = metadata.file_metadata().schema_descr_ptr();
    let leaves: Vec<usize> = (0..schema.num_columns())
        .filter(|&i| {
            schema
                .column(i)
                .path()
                .parts()
                .first()
                .is_some_and(|root| columns.contains(root))
        })
        .collect();
    let reader_metadata = ArrowReaderMetadata::try_new(metadata, ArrowReaderOptions::new())?;
    let mut stream = ParquetRecordBatchStreamBuilder::new_with_metadata(file, reader_metadata)
        .with_projection(ProjectionMask::leaves(&schema, leaves))
        .build()?;
    let mut rows = 0;
    let mut maps = Vec::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        for column in columns {
            if let Some(map) = batch
                .column_by_name(column)
                .and_then(|array| array.as_any().downcast_ref::<MapArray>())
            {
                maps.push((column.clone(), map.clone()));
            }
        }
    }
    Ok((rows, maps))
}

/// The column chunks of one object, read with ranged GETs and counted; the footer is the one
/// already read.
struct ColumnChunks {
    lake: Lake,
    path: Path,
    metadata: Arc<ParquetMetaData>,
    bytes_read: Arc<AtomicU64>,
}

impl AsyncFileReader for ColumnChunks {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            let bytes = self
                .lake
                .get_range(&self.path, range)
                .await
                .map_err(|error| parquet::errors::ParquetError::External(Box::new(error)))?;
            self.bytes_read
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            Ok(bytes)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        let metadata = Arc::clone(&self.metadata);
        async move { Ok(metadata) }.boxed()
    }
}

/// What a sample of the data shows that a table's declared properties do not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PropertyDrift {
    /// A key the data has and the YAML does not declare.
    NewKey {
        column: String,
        key: String,
        branches: Vec<String>,
    },
    /// A declared property whose values arrive in a branch its type does not read: its view
    /// column is NULL for them.
    UnreadBranch {
        column: String,
        key: String,
        declared: HiveType,
        branch: String,
        branch_type: HiveType,
        rows: u64,
    },
}

impl std::fmt::Display for PropertyDrift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PropertyDrift::NewKey {
                column,
                key,
                branches,
            } => write!(
                f,
                "property `{key}` of `{column}` is in the data ({}) but not declared; declare it \
                 under `properties:` to have it in the view",
                branches.join(", ")
            ),
            PropertyDrift::UnreadBranch {
                column,
                key,
                declared,
                branch,
                branch_type,
                rows,
            } => write!(
                f,
                "property `{key}` of `{column}` is declared {declared} but {rows} value(s) arrive \
                 in {branch} ({branch_type}), which the view reads as NULL: declare a type that \
                 reads both (string reads every branch)"
            ),
        }
    }
}

/// Samples the union maps of tables that declare properties: the newest files first, up to
/// `budget` bytes a table.
#[derive(Debug, Clone)]
pub struct Sampler {
    pub aws: AwsSettings,
    pub budget: u64,
}

impl Sampler {
    /// What a sample of the table's union maps shows that its declaration misses. Tables
    /// without declared properties are not read.
    pub async fn property_drift(
        &self,
        table: &DeclaredTable,
    ) -> Result<Vec<PropertyDrift>, DiscoverError> {
        Ok(match self.sample(table).await? {
            Some(discovery) => property_drift(table, &discovery),
            None => Vec::new(),
        })
    }

    /// What a sample finds in the union maps the table declares properties of; `None` when it
    /// declares none.
    pub async fn sample(&self, table: &DeclaredTable) -> Result<Option<Discovery>, DiscoverError> {
        sample_declared_maps(table, &self.aws, self.budget).await
    }
}

async fn sample_declared_maps(
    table: &DeclaredTable,
    aws: &AwsSettings,
    budget: u64,
) -> Result<Option<Discovery>, DiscoverError> {
    let declared = table.file.columns.iter().filter(|c| {
        table
            .file
            .properties
            .keys()
            .any(|p| same_name(p, &c.name.value))
    });
    let unions = union_columns(declared.map(|c| (c.name.value.as_str(), &c.ty.0)));
    let Some((root, folder)) = table.location.split_last().filter(|_| !unions.is_empty()) else {
        return Ok(None);
    };
    let lake = Lake::open_with(root.as_str(), aws)
        .await
        .map_err(|error| DiscoverError::Read {
            location: table.location.to_string(),
            reason: error.to_string(),
        })?;
    let mut skipped = Vec::new();
    Ok(Some(
        discover(&lake, folder, &unions, budget, &mut skipped).await?,
    ))
}

/// What `discovery` shows that the table's declared properties do not say.
pub fn property_drift(table: &DeclaredTable, discovery: &Discovery) -> Vec<PropertyDrift> {
    let mut drift = Vec::new();
    for column in &discovery.columns {
        let declared = table
            .file
            .properties
            .iter()
            .find(|(name, _)| same_name(name, &column.column))
            .map(|(_, properties)| properties);
        for property in &column.properties {
            let Some(declared_type) = declared
                .and_then(|d| d.get(&property.key))
                .map(|ty| &ty.value)
            else {
                drift.push(PropertyDrift::NewKey {
                    column: column.column.clone(),
                    key: property.key.clone(),
                    branches: property
                        .branches
                        .iter()
                        .map(|b| format!("{} {}", b.branch, b.ty))
                        .collect(),
                });
                continue;
            };
            for branch in &property.branches {
                if !branch_reads_as(&branch.ty, &declared_type.0) {
                    drift.push(PropertyDrift::UnreadBranch {
                        column: column.column.clone(),
                        key: property.key.clone(),
                        declared: declared_type.0.clone(),
                        branch: branch.branch.clone(),
                        branch_type: branch.ty.clone(),
                        rows: branch.rows,
                    });
                }
            }
        }
    }
    drift
}
