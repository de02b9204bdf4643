//! Onboarding: an analyst asks for events; their folders are scanned and table definitions
//! written under `catalogs/`, for review in a pull request.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::column_path::ColumnPath;
use crate::compat::merge_types;
use crate::declare::{self, ColumnSpec, Declared, DeclaredDatabase, TableFile};
use crate::discover::{self, Discovery};
use crate::hive::{same_name, same_names};
use crate::naming::{event_identity, table_name};
use crate::problem::Problem;
use crate::scan::{self, ScanOptions, Silent, TableReport};
use crate::store::Lake;

#[derive(Debug, Clone)]
pub struct OnboardOptions {
    pub events: Vec<String>,
    /// Update existing definitions instead of refusing to overwrite them.
    pub update: bool,
    pub database: Option<String>,
    /// Bytes read per table, beyond the footers, to discover the properties of union maps.
    pub sample_bytes: u64,
}

impl Default for OnboardOptions {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            update: false,
            database: None,
            sample_bytes: discover::DEFAULT_SAMPLE_BYTES,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    #[error(transparent)]
    Write(#[from] declare::DeclareError),
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
}

/// What onboarding did per event.
#[derive(Debug, Clone)]
pub struct Onboarded {
    pub event: String,
    pub table: String,
    pub path: PathBuf,
    pub written: bool,
    pub columns: usize,
    pub problems: Vec<Problem>,
    /// The properties found in the table's union maps, when it has any.
    pub discovery: Option<Discovery>,
}

/// Scans the folders of `options.events` and writes (or updates) their table files.
pub async fn onboard(
    declared: &Declared,
    options: &OnboardOptions,
    scan_options: &ScanOptions,
) -> Result<Vec<Onboarded>, OnboardError> {
    let database = declared
        .database(options.database.as_deref())
        .map_err(OnboardError::Invalid)?;
    let requested = resolve_tables(database, options)?;

    let lake = Lake::open_with(database.location.as_str(), &scan_options.store_settings()).await?;
    let folders = lake
        .folders("")
        .await
        .map_err(|source| crate::store::StoreError::List {
            location: database.location.to_string(),
            source,
        })?;
    for (event, table) in &requested {
        if !folders.contains(table) {
            return Err(OnboardError::Invalid(unknown_event(
                event,
                table,
                database.location.as_str(),
                &folders,
            )));
        }
    }
    let report = scan::scan(
        &lake,
        &ScanOptions {
            tables: requested.iter().map(|(_, t)| t.clone()).collect(),
            ..scan_options.clone()
        },
        &Silent,
    )
    .await?;

    let mut outcomes = Vec::new();
    for (event, table) in requested {
        let Some(scanned) = report.tables.iter().find(|t| t.name == table) else {
            return Err(OnboardError::Invalid(format!(
                "no data files under {}{table}/ for event `{event}`",
                database.location
            )));
        };
        if scanned.columns.is_empty() {
            return Err(OnboardError::Invalid(format!(
                "no file under {} could be read, so no columns are known for `{event}`: {}",
                scanned.location,
                scanned
                    .problems
                    .first()
                    .map_or("no readable Parquet files".into(), |p| p.message.clone())
            )));
        }
        let path = database.dir.join(format!("{table}.yaml"));
        let existing = database.tables.iter().find(|t| t.file.name == table);
        let mut file = match existing {
            Some(existing) => updated_file(&existing.file, scanned),
            None => new_file(&table, &event, database, scanned),
        };
        let mut problems = scanned.problems.clone();
        let discovery =
            discover_properties(&lake, &table, scanned, options.sample_bytes, &mut problems)
                .await?;
        if let Some(discovery) = &discovery {
            declare_properties(&mut file, discovery);
        }
        let text = declare::table_yaml(&file)?;
        let written = std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str());
        if written {
            declare::write(&path, &text)?;
        }
        outcomes.push(Onboarded {
            event,
            table,
            path,
            written,
            columns: file.columns.len(),
            problems,
            discovery,
        });
    }
    Ok(outcomes)
}

/// Declares every discovered property not declared yet: a type the reviewer chose stays.
fn declare_properties(file: &mut TableFile, discovery: &Discovery) {
    for column in &discovery.columns {
        for property in &column.properties {
            file.properties
                .entry(column.column.clone())
                .or_default()
                .entry(property.key.clone())
                .or_insert_with(|| declare::spanned(declare::TypeSpec(property.proposed())));
        }
    }
}

/// The properties of the table's union maps, from a sample of `budget` bytes; `None` when the
/// table has no union map. Files the sample could not read are told as warnings.
async fn discover_properties(
    lake: &Lake,
    table: &str,
    scanned: &TableReport,
    budget: u64,
    problems: &mut Vec<Problem>,
) -> Result<Option<Discovery>, OnboardError> {
    let unions = discover::union_columns(scanned.columns.iter().map(|c| (c.name.as_str(), &c.ty)));
    if unions.is_empty() {
        return Ok(None);
    }
    let mut skipped = Vec::new();
    let discovery = discover::discover(lake, table, &unions, budget, &mut skipped).await?;
    problems.extend(
        skipped
            .into_iter()
            .map(|error| Problem::warning("discovery_skipped", error.to_string())),
    );
    Ok(Some(discovery))
}

/// Maps each event to its table, refusing collisions and existing definitions without
/// `--update`.
fn resolve_tables(
    database: &DeclaredDatabase,
    options: &OnboardOptions,
) -> Result<Vec<(String, String)>, OnboardError> {
    if options.events.is_empty() {
        return Err(OnboardError::Invalid(
            "name at least one event, such as \"App Launched\"".into(),
        ));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut requested = Vec::new();
    for event in &options.events {
        let table = table_name(event);
        if table.is_empty() {
            return Err(OnboardError::Invalid(format!(
                "event `{event}` has no letters or digits to name a table after"
            )));
        }
        if let Some(other) = seen.insert(table.clone(), event) {
            if event_identity(other) == event_identity(event) {
                continue;
            }
            return Err(OnboardError::Invalid(format!(
                "events `{other}` and `{event}` would both become table `{table}`; onboard one \
                 of them, or declare the other by hand under another name"
            )));
        }
        if let Some(existing) = database.tables.iter().find(|t| t.file.name == table) {
            if event_identity(&existing.file.event) != event_identity(event) {
                return Err(OnboardError::Invalid(format!(
                    "table `{table}` ({}) already holds event `{}`, not `{event}`; the names \
                     collide: declare `{event}` by hand under another table name",
                    existing.path.display(),
                    existing.file.event
                )));
            }
            if !options.update {
                return Err(OnboardError::Invalid(format!(
                    "`{event}` is already declared in {}; pass --update to add what the data has \
                     gained",
                    existing.path.display()
                )));
            }
        }
        requested.push((event.clone(), table));
    }
    Ok(requested)
}

fn unknown_event(event: &str, table: &str, root: &str, folders: &[String]) -> String {
    let mut scored: Vec<(f64, &String)> = folders
        .iter()
        .map(|folder| (strsim::jaro_winkler(table, folder), folder))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let closest: Vec<&str> = scored.iter().take(3).map(|(_, f)| f.as_str()).collect();
    let hint = if closest.is_empty() {
        format!("the lake has {} table folder(s)", folders.len())
    } else {
        format!("closest: {}", closest.join(", "))
    };
    format!("no folder {root}{table}/ for event `{event}` ({hint})")
}

fn data_columns(scanned: &TableReport) -> Vec<ColumnSpec> {
    scanned
        .columns
        .iter()
        .map(|c| ColumnSpec::new(&c.name, c.ty.clone(), None))
        .collect()
}

fn new_file(
    table: &str,
    event: &str,
    database: &DeclaredDatabase,
    scanned: &TableReport,
) -> TableFile {
    let mut file = declare::new_table_file(table, event, data_columns(scanned));
    let inherited = database
        .file
        .partition_keys
        .iter()
        .map(|k| k.name.value.as_str());
    let found = scanned.partition_keys.iter().map(|k| k.name.as_str());
    if !same_names(found, inherited) {
        file.partition_keys = Some(
            scanned
                .partition_keys
                .iter()
                .map(|k| ColumnSpec::new(&k.name, k.ty.clone(), None))
                .collect(),
        );
    }
    file
}

/// The existing definition with what the data gained: new columns at the end, new struct
/// fields, and types widened where the declared one cannot read the data. Comments, declared
/// types that still read the data, and every other field stay as written.
fn updated_file(existing: &TableFile, scanned: &TableReport) -> TableFile {
    let mut file = existing.clone();
    for column in &scanned.columns {
        match file
            .columns
            .iter_mut()
            .find(|c| same_name(&c.name.value, &column.name))
        {
            Some(declared) => {
                // Field by field: a clash keeps the declared type there (the scan reports it),
                // and every other new field or widening still comes in.
                let mut clashes = Vec::new();
                declared.ty.0 = merge_types(
                    &declared.ty.0,
                    &column.ty,
                    &ColumnPath::default(),
                    &mut clashes,
                );
            }
            None => file
                .columns
                .push(ColumnSpec::new(&column.name, column.ty.clone(), None)),
        }
    }
    file
}
