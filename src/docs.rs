//! The catalog page's content: every event folder of the declared lakes, onboarded or not,
//! with what the declarations, the object keys, the live catalog and drift say about it, and
//! how each column and property is queried in Athena and Redshift Spectrum. Read-only: lists
//! objects, reads the live catalog and samples union maps; writes nothing.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use serde::Serialize;

use crate::aws::AwsSettings;
use crate::catalog::Catalog;
use crate::column_path::ColumnPath;
use crate::declare::{Declared, DeclaredDatabase, DeclaredTable, PartitionMode};
use crate::discover::{self, Discovery, Sampler};
use crate::drift::{DriftReport, Finding};
use crate::hive::HiveType;
use crate::layout::{Folder, Placement, place};
use crate::organize::parse_export_name;
use crate::store::Lake;
use crate::views;

/// Everything the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogPage {
    /// When the page was made (UTC, RFC 3339).
    pub generated_at: String,
    /// The live catalog the registered partitions and drift come from, or why it was not read.
    pub catalog: CatalogState,
    /// The Redshift external schema mapping each Glue database, as the queries name it.
    pub spectrum_schema: String,
    pub databases: Vec<DatabasePage>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum CatalogState {
    /// Read: what it is (`the AWS Glue Data Catalog`).
    Checked(String),
    /// Not read, and why.
    NotChecked(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct DatabasePage {
    pub name: String,
    pub description: Option<String>,
    pub location: String,
    /// Why the lake could not be listed, when it could not: its events are then the declared
    /// ones only.
    pub listing_error: Option<String>,
    pub events: Vec<EventPage>,
}

/// One event: a table folder in the lake, a declared table, or both.
#[derive(Debug, Clone, Serialize)]
pub struct EventPage {
    /// The CleverTap event name: declared, else read from an export's file name, else the
    /// folder's name.
    pub event: String,
    pub table: String,
    pub location: String,
    pub files: u64,
    pub bytes: u64,
    /// Files and bytes per partition (day), in order.
    pub days: Vec<DayVolume>,
    pub declared: Option<TablePage>,
    /// For a folder not declared yet: the request that onboards it.
    pub onboard: Option<String>,
    pub drift: DriftBadge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayVolume {
    /// The partition values joined by `-`: `2020-09-19` for `dt=` and for `year=/month=/day=`.
    pub day: String,
    pub files: u64,
    pub bytes: u64,
}

/// What the declaration says about a table, and how to query it.
#[derive(Debug, Clone, Serialize)]
pub struct TablePage {
    pub database: String,
    pub file: String,
    pub description: Option<String>,
    pub columns: Vec<FieldPage>,
    pub partition_keys: Vec<(String, String)>,
    pub properties: Vec<PropertyPage>,
    pub view: Option<ViewPage>,
    pub registered: Registered,
    /// Where Redshift Spectrum cannot do what Athena does with this table (catalog-facts §8).
    pub spectrum_limits: Vec<String>,
}

/// A column, or a field inside one, with copyable queries.
#[derive(Debug, Clone, Serialize)]
pub struct FieldPage {
    /// `col`, `col.field` or `col[].field` (a field of an array's structs).
    pub path: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub comment: Option<String>,
    pub athena: String,
    /// `None` for a whole struct, which Spectrum cannot return (its fields are listed).
    pub spectrum: Option<String>,
}

/// A declared union-map property.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyPage {
    pub column: String,
    pub key: String,
    #[serde(rename = "type")]
    pub ty: String,
    /// The branches a sample of the data holds it in (`member5 string`); `None` when not
    /// sampled.
    pub branches: Option<Vec<String>>,
    /// The view's column that reads it: `SELECT <view_column> FROM <view>` in either engine.
    pub view_column: String,
}

/// The typed view over the properties, as each engine names it.
#[derive(Debug, Clone, Serialize)]
pub struct ViewPage {
    pub name: String,
    /// Its columns other than the properties': the table's plain columns and `event_time`.
    pub plain_columns: Vec<(String, String)>,
    /// `"database"."view"`: the view apply creates.
    pub athena: String,
    /// `"schema"."view"`: the late-binding view `glueprint views --engine spectrum` prints for
    /// Redshift, which cannot read Athena's.
    pub spectrum: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Registered {
    /// The live catalog was not read.
    NotChecked,
    /// Athena computes the partitions (projection); none are registered.
    Projection,
    /// The registered partitions: how many, and the first and newest (freshness).
    Days {
        count: usize,
        first: Option<String>,
        newest: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", content = "findings", rename_all = "snake_case")]
pub enum DriftBadge {
    NotChecked,
    Clean,
    Findings(Vec<Finding>),
}

/// What the live side gave: the catalog to read registered partitions from, and the drift
/// report of the declared tables.
pub struct Live<'a> {
    pub catalog: &'a dyn Catalog,
    pub description: String,
    pub drift: &'a DriftReport,
}

pub struct DocsOptions {
    /// Samples union maps (their branches and new keys); a budget of 0 reads none. Its AWS
    /// settings list the lakes too.
    pub sampler: Sampler,
    pub spectrum_schema: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
}

/// Gathers the page: the declared databases' lakes listed, their tables' declarations, and,
/// with `live` (or the reason there is none), registered partitions and drift.
pub async fn collect(
    declared: &Declared,
    live: Result<Live<'_>, String>,
    options: &DocsOptions,
) -> Result<CatalogPage, DocsError> {
    let mut databases = Vec::new();
    for database in &declared.databases {
        let (folders, listing_error) = match list_folders(database, &options.sampler.aws).await {
            Ok(folders) => (folders, None),
            Err(error) => (BTreeMap::new(), Some(error)),
        };
        let mut events = Vec::new();
        let mut declared_folders = Vec::new();
        for table in &database.tables {
            let folder_name = folder_of(table, database);
            let folder = folder_name.as_ref().and_then(|name| folders.get(name));
            declared_folders.extend(folder_name);
            let (page, sampled_drift) =
                table_page(database, table, live.as_ref().ok(), options).await?;
            let mut drift = match &live {
                Ok(live) => live
                    .drift
                    .tables
                    .iter()
                    .find(|t| t.database == database.file.name && t.table == table.file.name)
                    .map_or(Vec::new(), |t| t.findings.clone()),
                Err(_) => Vec::new(),
            };
            drift.extend(sampled_drift);
            events.push(EventPage {
                event: table.file.event.clone(),
                table: table.file.name.clone(),
                location: table.location.to_string(),
                files: folder.map_or(0, |f| f.files),
                bytes: folder.map_or(0, |f| f.bytes),
                days: folder.map_or(Vec::new(), FolderVolume::days),
                declared: Some(page),
                onboard: None,
                drift: match (&live, drift.is_empty()) {
                    (Err(_), _) => DriftBadge::NotChecked,
                    (Ok(_), true) => DriftBadge::Clean,
                    (Ok(_), false) => DriftBadge::Findings(drift),
                },
            });
        }
        for (name, folder) in &folders {
            if declared_folders.contains(name) {
                continue;
            }
            let event = folder.event.clone().unwrap_or_else(|| name.clone());
            events.push(EventPage {
                onboard: Some(onboard_request(&event, database, declared)),
                event,
                table: name.clone(),
                location: database.location.join(name).to_string(),
                files: folder.files,
                bytes: folder.bytes,
                days: folder.days(),
                declared: None,
                drift: DriftBadge::NotChecked,
            });
        }
        events.sort_by_key(|event| event.event.to_lowercase());
        databases.push(DatabasePage {
            name: database.file.name.clone(),
            description: database.file.description.clone(),
            location: database.location.to_string(),
            listing_error,
            events,
        });
    }
    Ok(CatalogPage {
        generated_at: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        catalog: match live {
            Ok(live) => CatalogState::Checked(live.description),
            Err(reason) => CatalogState::NotChecked(reason),
        },
        spectrum_schema: options.spectrum_schema.clone(),
        databases,
    })
}

/// The folder of the database's lake that holds `table`: its own, directly below the root
/// (`None` for a table located elsewhere).
fn folder_of(table: &DeclaredTable, database: &DeclaredDatabase) -> Option<String> {
    let (parent, name) = table.location.split_last()?;
    let root = |location: &str| location.trim_end_matches('/').to_string();
    (root(parent.as_str()) == root(database.location.as_str())).then(|| name.to_string())
}

/// One table folder's objects, by partition.
#[derive(Debug, Default)]
struct FolderVolume {
    files: u64,
    bytes: u64,
    by_day: BTreeMap<String, (u64, u64)>,
    /// The event named by an export's file name (organize keeps it), when one is.
    event: Option<String>,
}

impl FolderVolume {
    fn days(&self) -> Vec<DayVolume> {
        self.by_day
            .iter()
            .map(|(day, &(files, bytes))| DayVolume {
                day: day.clone(),
                files,
                bytes,
            })
            .collect()
    }
}

/// Every table folder of the database's lake with its files per partition, from one listing.
async fn list_folders(
    database: &DeclaredDatabase,
    aws: &AwsSettings,
) -> Result<BTreeMap<String, FolderVolume>, String> {
    let location = database.location.as_str();
    let lake = Lake::open_with(location, aws)
        .await
        .map_err(|error| error.to_string())?;
    let mut listing = lake.list(None);
    let mut folders: BTreeMap<String, FolderVolume> = BTreeMap::new();
    while let Some(meta) = listing
        .try_next()
        .await
        .map_err(|error| format!("cannot list {location}: {error}"))?
    {
        let Placement::Table {
            table,
            folders: path,
        } = place(lake.relative(&meta.location))
        else {
            continue;
        };
        let folder = folders.entry(table).or_default();
        folder.files += 1;
        folder.bytes += meta.size;
        if folder.event.is_none() {
            folder.event = meta
                .location
                .filename()
                .and_then(parse_export_name)
                .map(|name| name.event);
        }
        let values: Vec<&str> = path
            .iter()
            .filter_map(|f| match f {
                Folder::Partition { value, .. } => Some(value.as_str()),
                Folder::Plain(_) => None,
            })
            .collect();
        if !values.is_empty() {
            let day = folder.by_day.entry(values.join("-")).or_default();
            day.0 += 1;
            day.1 += meta.size;
        }
    }
    Ok(folders)
}

/// The exact onboard request for an event, with `--database` when the choice is not obvious.
fn onboard_request(event: &str, database: &DeclaredDatabase, declared: &Declared) -> String {
    let quoted = shell_word(event);
    if declared.databases.len() > 1 {
        format!(
            "glueprint onboard --database {} {quoted}",
            database.file.name
        )
    } else {
        format!("glueprint onboard {quoted}")
    }
}

/// `word` as one shell word: in double quotes when nothing in it is special there (the
/// common case, as analysts write event names), else in single quotes.
fn shell_word(word: &str) -> String {
    if word.contains(['"', '\\', '$', '`', '!']) {
        format!("'{}'", word.replace('\'', "'\\''"))
    } else {
        format!("\"{word}\"")
    }
}

/// A declared table's page, and what sampling its union maps found against the declaration.
async fn table_page(
    database: &DeclaredDatabase,
    table: &DeclaredTable,
    live: Option<&Live<'_>>,
    options: &DocsOptions,
) -> Result<(TablePage, Vec<Finding>), DocsError> {
    let name = &table.file.name;
    let schema = quoted(&options.spectrum_schema);
    let athena_table = format!("{}.{}", quoted(&database.file.name), quoted(name));
    let spectrum_table = format!("{schema}.{}", quoted(name));
    let mut columns = Vec::new();
    for column in &table.file.columns {
        let ty = &column.ty.0;
        let lower = column.name.value.to_lowercase();
        let is_union = ty.union_branches().is_some();
        let spectrum = match ty {
            _ if ty.is_primitive() => Some(format!(
                "SELECT c.{} FROM {spectrum_table} AS c",
                quoted(&lower)
            )),
            HiveType::Struct(_) => None,
            _ => Some(format!(
                "SELECT e FROM {spectrum_table} AS c, c.{} AS e",
                quoted(&lower)
            )),
        };
        columns.push(FieldPage {
            path: column.name.value.clone(),
            ty: ty.to_string(),
            comment: column.comment.clone(),
            athena: format!("SELECT {} FROM {athena_table}", quoted(&lower)),
            spectrum,
        });
        if !is_union {
            nested_fields(
                ty,
                &ColumnPath::column(&column.name.value),
                &quoted(&lower),
                (&athena_table, &spectrum_table),
                &mut columns,
            );
        }
    }
    let mut sampled: Option<Discovery> = None;
    let mut findings = Vec::new();
    if options.sampler.budget > 0 {
        match options.sampler.sample(table).await {
            Ok(Some(discovery)) => {
                findings.extend(
                    discover::property_drift(table, &discovery)
                        .iter()
                        .map(|drift| Finding {
                            kind: crate::drift::DriftKind::Data,
                            message: drift.to_string(),
                            objects: Vec::new(),
                        }),
                );
                sampled = Some(discovery);
            }
            Ok(None) => {}
            Err(error) => findings.push(Finding {
                kind: crate::drift::DriftKind::Data,
                message: format!("the union maps could not be sampled: {error}"),
                objects: Vec::new(),
            }),
        }
    }
    let view = views::view_of(database, table);
    let properties = view.as_ref().map_or(Vec::new(), |view| {
        view.properties
            .iter()
            .map(|property| PropertyPage {
                column: property.column.clone(),
                key: property.key.clone(),
                ty: property.ty.to_string(),
                branches: sampled.as_ref().map(|discovery| {
                    discovery
                        .columns
                        .iter()
                        .filter(|c| c.column.eq_ignore_ascii_case(&property.column))
                        .flat_map(|c| &c.properties)
                        .filter(|p| p.key == property.key)
                        .flat_map(|p| &p.branches)
                        .map(|b| format!("{} {}", b.branch, b.ty))
                        .collect()
                }),
                view_column: quoted(&property.name),
            })
            .collect()
    });
    let projection = matches!(table.file.partitions, PartitionMode::Projection(_));
    let registered = match live {
        None => Registered::NotChecked,
        Some(_) if projection => Registered::Projection,
        Some(live) => {
            let mut days: Vec<String> = live
                .catalog
                .list_partitions(&database.file.name, name)
                .await?
                .into_iter()
                .map(|partition| partition.values.join("-"))
                .collect();
            days.sort();
            Registered::Days {
                count: days.len(),
                first: days.first().cloned(),
                newest: days.last().cloned(),
            }
        }
    };
    let mut spectrum_limits = Vec::new();
    if table.file.columns.iter().any(|c| !c.ty.0.is_primitive()) {
        spectrum_limits.push(
            "Spectrum cannot SELECT * from this table (it has nested columns): name the columns; \
             arrays and maps are unnested in FROM, structs read by dot paths"
                .to_string(),
        );
    }
    if projection {
        spectrum_limits.push(
            "Spectrum reads registered partitions only, and this table's are projected by \
             Athena: Spectrum returns no rows from it"
                .to_string(),
        );
    }
    if let Some(view) = &view {
        spectrum_limits.push(format!(
            "Redshift cannot read the Athena view {}: create the late-binding view the \
             Spectrum queries read with `glueprint views --engine spectrum --external-schema {} \
             \"{}\"` (navigating maps inside such a view is unverified, catalog-facts §8)",
            view.name, options.spectrum_schema, table.file.event
        ));
    }
    let page = TablePage {
        database: database.file.name.clone(),
        file: table.path.display().to_string(),
        description: table.file.description.clone(),
        columns,
        partition_keys: table
            .partition_keys
            .iter()
            .map(|k| (k.name.clone(), k.ty.to_string()))
            .collect(),
        properties,
        view: view.map(|view| ViewPage {
            athena: format!("{}.{}", quoted(&database.file.name), quoted(&view.name)),
            spectrum: format!("{schema}.{}", quoted(&view.name)),
            plain_columns: view
                .columns
                .iter()
                .filter(|(name, _)| !view.properties.iter().any(|p| &p.name == name))
                .map(|(name, ty)| (name.clone(), ty.to_string()))
                .collect(),
            name: view.name,
        }),
        registered,
        spectrum_limits,
    };
    Ok((page, findings))
}

/// The fields inside a struct column (`col.field`, and deeper) and inside an array's structs
/// (`col[].field`), with how each engine reaches them. `reach` is the Athena (and Spectrum)
/// path of `ty` itself; nothing deeper than an array's struct is listed, as each engine needs
/// its own unnesting there.
fn nested_fields(
    ty: &HiveType,
    path: &ColumnPath,
    reach: &str,
    tables: (&str, &str),
    out: &mut Vec<FieldPage>,
) {
    let (athena_table, spectrum_table) = tables;
    match ty {
        HiveType::Struct(fields) => {
            for field in fields {
                let field_path = path.field(&field.name);
                let field_reach = format!("{reach}.{}", quoted(&field.name.to_lowercase()));
                out.push(FieldPage {
                    path: field_path.to_string(),
                    ty: field.ty.to_string(),
                    comment: None,
                    athena: format!("SELECT {field_reach} FROM {athena_table}"),
                    spectrum: (!matches!(field.ty, HiveType::Struct(_)))
                        .then(|| format!("SELECT c.{field_reach} FROM {spectrum_table} AS c")),
                });
                nested_fields(&field.ty, &field_path, &field_reach, tables, out);
            }
        }
        HiveType::Array(element) => {
            let HiveType::Struct(fields) = element.as_ref() else {
                return;
            };
            for field in fields {
                let name = quoted(&field.name.to_lowercase());
                out.push(FieldPage {
                    path: path.element().field(&field.name).to_string(),
                    ty: field.ty.to_string(),
                    comment: None,
                    athena: format!("SELECT transform({reach}, e -> e.{name}) FROM {athena_table}"),
                    spectrum: Some(format!(
                        "SELECT e.{name} FROM {spectrum_table} AS c, c.{reach} AS e"
                    )),
                });
            }
        }
        _ => {}
    }
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_become_one_shell_word_each() {
        assert_eq!(shell_word("Product Viewed"), r#""Product Viewed""#);
        assert_eq!(shell_word("Paid $5"), "'Paid $5'");
        assert_eq!(shell_word(r#"Say "hi" it's"#), r#"'Say "hi" it'\''s'"#);
    }
}
