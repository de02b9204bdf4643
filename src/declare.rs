//! The declared catalog: YAML files under `catalogs/`, reviewed in pull requests.
//!
//! `catalogs/<database>/database.yaml` declares a Glue database and the lake root whose folders
//! are its tables; `catalogs/<database>/<table>.yaml` declares one table. Parsing is strict
//! (unknown keys, duplicates and bad types are errors with `file:line:column`), and writing is
//! canonical: the same definition always gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_saphyr::{Location as Span, Spanned};

use crate::location::Location;
use crate::naming::event_identity;

use crate::athena;
use crate::catalog::{self, Column, EXTERNAL_TABLE, Storage, Table};
use crate::hive::{HiveType, StructField, same_name};

/// The catalogs folder unless told otherwise.
pub const DEFAULT_DIR: &str = "catalogs";
pub const DATABASE_FILE: &str = "database.yaml";

/// `catalogs/<database>/database.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "glueprint database")]
pub struct DatabaseFile {
    /// The Glue database name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The lake root whose folders are this database's tables: `s3://bucket/prefix/` or a local
    /// folder. `${VAR}` and `${VAR:-default}` take values from the environment.
    #[schemars(with = "String")]
    pub location: Spanned<String>,
    /// Partition keys of every table that does not declare its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partition_keys: Vec<ColumnSpec>,
    /// Table parameters shared by all tables (a table's own parameters win).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// `glueprint lint` severities by rule id, overriding the defaults: error, warning or off.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lint: BTreeMap<String, LintLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LintLevel {
    Error,
    Warning,
    Off,
}

/// `catalogs/<database>/<table>.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "glueprint table")]
pub struct TableFile {
    /// The Glue table name; the file is named after it.
    pub name: String,
    /// The CleverTap event whose exports fill this table.
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the table's files are, when not `<database location>/<name>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub location: Option<Spanned<String>>,
    /// Partition keys, when not the database's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_keys: Option<Vec<ColumnSpec>>,
    /// How partitions reach the catalog: `registered` (glueprint registers each partition) or
    /// `projection` (Athena computes them; Redshift Spectrum cannot use projection).
    #[serde(default, skip_serializing_if = "PartitionMode::is_registered")]
    pub partitions: PartitionMode,
    pub columns: Vec<ColumnSpec>,
    /// Extra table parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// A Glue type string (`bigint`, `array<string>`), or for structs one field per line:
    /// `{struct: {field: type, ...}}`, `{array: type}`, `{map: {key: type, value: type}}`.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl ColumnSpec {
    pub fn new(name: &str, ty: HiveType, comment: Option<String>) -> Self {
        Self {
            name: spanned(name.to_string()),
            ty: TypeSpec(ty),
            comment,
        }
    }

    pub fn to_column(&self) -> Column {
        Column {
            comment: self.comment.clone(),
            ..Column::new(self.name.value.clone(), self.ty.0.clone())
        }
    }
}

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::UNKNOWN, Span::UNKNOWN)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartitionMode {
    #[default]
    Registered,
    /// Athena partition projection, per partition key (catalog-facts §5).
    Projection(BTreeMap<String, Projection>),
}

impl PartitionMode {
    fn is_registered(&self) -> bool {
        matches!(self, PartitionMode::Registered)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// `date`, `integer`, `enum` or `injected`.
    #[serde(rename = "type")]
    pub kind: ProjectionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionKind {
    Date,
    Integer,
    Enum,
    Injected,
}

impl ProjectionKind {
    fn as_str(self) -> &'static str {
        match self {
            ProjectionKind::Date => "date",
            ProjectionKind::Integer => "integer",
            ProjectionKind::Enum => "enum",
            ProjectionKind::Injected => "injected",
        }
    }
}

/// A column type as the YAML writes it. Types holding structs are written as a tree, one field
/// per line, so that long CleverTap property structs stay reviewable; others as Glue strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSpec(pub HiveType);

/// Types nested deeper than this are written as one Glue string rather than a YAML tree (each
/// level takes two YAML levels, and the YAML reader stops at 64).
const MAX_TREE_DEPTH: usize = 16;

fn holds_struct(ty: &HiveType) -> bool {
    match ty {
        HiveType::Struct(_) => true,
        HiveType::Array(element) => holds_struct(element),
        HiveType::Map(key, value) => holds_struct(key) || holds_struct(value),
        _ => false,
    }
}

impl Serialize for TypeSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ty = &self.0;
        // Deep types stay one line: the YAML reader refuses documents nested much deeper.
        if !holds_struct(ty) || ty.depth() > MAX_TREE_DEPTH {
            return serializer.collect_str(ty);
        }
        let mut map = serializer.serialize_map(Some(1))?;
        match ty {
            HiveType::Struct(fields) => {
                map.serialize_entry("struct", &StructFields(fields))?;
            }
            HiveType::Array(element) => {
                map.serialize_entry("array", &TypeSpec((**element).clone()))?;
            }
            HiveType::Map(key, value) => {
                let mut entries = BTreeMap::new();
                entries.insert("key", TypeSpec((**key).clone()));
                entries.insert("value", TypeSpec((**value).clone()));
                map.serialize_entry("map", &entries)?;
            }
            _ => unreachable!("only nested types hold structs"),
        }
        map.end()
    }
}

struct StructFields<'a>(&'a [StructField]);

impl Serialize for StructFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for field in self.0 {
            map.serialize_entry(&field.name, &TypeSpec(field.ty.clone()))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TypeSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TypeSpecVisitor)
    }
}

struct TypeSpecVisitor;

impl<'de> Visitor<'de> for TypeSpecVisitor {
    type Value = TypeSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a Glue type string such as `bigint`, or one of {struct: {...}}, {array: type}, \
             {map: {key: type, value: type}}",
        )
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<TypeSpec, E> {
        let ty: HiveType = text.parse().map_err(E::custom)?;
        if let Some((path, why)) = athena::unwritable_fields(&ty, "").into_iter().next() {
            return Err(E::custom(unwritable_message(&path, &why)));
        }
        Ok(TypeSpec(ty))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeSpec, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "an empty type; write a type string or one of struct:, array:, map:",
            ));
        };
        let ty = match kind.as_str() {
            "struct" => HiveType::Struct(map.next_value::<FieldList>()?.0),
            "array" => HiveType::array(map.next_value::<TypeSpec>()?.0),
            "map" => {
                let entries = map.next_value::<MapSpec>()?;
                if !entries.key.0.is_primitive() {
                    return Err(de::Error::custom(
                        "a map key must be a primitive type (Glue and Athena accept no other)",
                    ));
                }
                HiveType::map(entries.key.0, entries.value.0)
            }
            other => {
                return Err(de::Error::custom(format!(
                    "unknown type form `{other}:`; write struct:, array: or map:"
                )));
            }
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "`{extra}:` next to `{kind}:`; a type form takes exactly one key"
            )));
        }
        Ok(TypeSpec(ty))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapSpec {
    key: TypeSpec,
    value: TypeSpec,
}

fn unwritable_message(path: &str, why: &athena::UnwritableName) -> String {
    format!(
        "struct field `{path}` cannot be declared because {why}; leave it out of the struct \
         (Parquet reads the other fields by name) or rename the property at the source"
    )
}

/// Struct fields in the order written, refusing names Athena cannot parse and names that
/// collide case-insensitively.
struct FieldList(Vec<StructField>);

impl<'de> Deserialize<'de> for FieldList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = FieldList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct fields, one `name: type` per line")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldList, A::Error> {
                let mut fields: Vec<StructField> = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let name = key.value;
                    if let Err(why) = athena::check_field_name(&name) {
                        // The parser places errors at the struct; the field's own line helps.
                        return Err(de::Error::custom(format!(
                            "line {}: {}",
                            key.referenced.line(),
                            unwritable_message(&name, &why)
                        )));
                    }
                    let ty = map.next_value::<TypeSpec>()?;
                    if let Some(first) = fields.iter().find(|f| same_name(&f.name, &name)) {
                        return Err(de::Error::custom(format!(
                            "struct fields `{}` and `{name}` differ only in case; Athena cannot \
                             tell them apart",
                            first.name
                        )));
                    }
                    fields.push(StructField::new(name, ty.0));
                }
                if fields.is_empty() {
                    return Err(de::Error::custom("a struct needs at least one field"));
                }
                Ok(FieldList(fields))
            }
        }
        deserializer.deserialize_map(FieldVisitor)
    }
}

impl JsonSchema for TypeSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Type".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Glue type string, or a struct/array/map written as a tree.",
            "oneOf": [
                {"type": "string", "examples": ["string", "bigint", "array<string>", "decimal(10,2)"]},
                {
                    "type": "object",
                    "properties": {"struct": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Type"}, "minProperties": 1}},
                    "required": ["struct"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": {"array": {"$ref": "#/$defs/Type"}},
                    "required": ["array"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": {"map": {
                        "type": "object",
                        "properties": {"key": {"$ref": "#/$defs/Type"}, "value": {"$ref": "#/$defs/Type"}},
                        "required": ["key", "value"],
                        "additionalProperties": false
                    }},
                    "required": ["map"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A declaration error, located in its file.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct DeclareError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl DeclareError {
    fn at(file: &Path, location: &Span, message: impl Into<String>) -> Self {
        Self {
            file: file.display().to_string(),
            line: location.line().max(1),
            column: location.column().max(1),
            message: message.into(),
        }
    }

    fn file(file: &Path, message: impl Into<String>) -> Self {
        Self::at(file, &Span::UNKNOWN, message)
    }
}

/// Every problem of a declared catalog, so one run shows them all.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct DeclareErrors(pub Vec<DeclareError>);

/// An event asked for that no table declares.
#[derive(Debug, thiserror::Error)]
#[error(
    "event `{event}` is not declared under catalogs/ (declared: {}); onboard it with \
     `glueprint onboard \"{event}\"`",
    if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
)]
pub struct UnknownEvent {
    pub event: String,
    pub declared: Vec<String>,
}

/// A loaded, checked declared catalog.
#[derive(Debug, Clone)]
pub struct Declared {
    pub databases: Vec<DeclaredDatabase>,
}

#[derive(Debug, Clone)]
pub struct DeclaredDatabase {
    pub dir: PathBuf,
    pub file: DatabaseFile,
    /// The lake root with environment references resolved.
    pub location: Location,
    pub tables: Vec<DeclaredTable>,
}

#[derive(Debug, Clone)]
pub struct DeclaredTable {
    pub path: PathBuf,
    pub file: TableFile,
    /// Where the files are, resolved.
    pub location: Location,
    pub partition_keys: Vec<Column>,
}

impl Declared {
    /// Loads every `database.yaml` and table file below `dir`.
    pub fn load(dir: &Path) -> Result<Declared, DeclareErrors> {
        let mut errors = Vec::new();
        let mut databases = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|error| {
            DeclareErrors(vec![DeclareError::file(
                dir,
                format!(
                    "cannot read the catalogs folder ({error}); run from the repository root or \
                     pass --catalogs DIR"
                ),
            )])
        })?;
        let mut folders: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            match load_database(&folder) {
                Ok(database) => databases.push(database),
                Err(mut more) => errors.append(&mut more),
            }
        }
        if errors.is_empty() {
            Ok(Declared { databases })
        } else {
            Err(DeclareErrors(errors))
        }
    }

    /// The declared tables of `events` (CleverTap names, or table names), as (database, table)
    /// positions; every declared table when `events` is empty. An event that is not declared
    /// is an error that lists the declared ones.
    pub fn select(&self, events: &[String]) -> Result<Vec<(usize, usize)>, UnknownEvent> {
        if events.is_empty() {
            return Ok(self.of_all());
        }
        let mut selected = Vec::new();
        for event in events {
            let found = self.of_events(std::slice::from_ref(event));
            if found.is_empty() {
                return Err(UnknownEvent {
                    event: event.clone(),
                    declared: self
                        .positions()
                        .map(|(_, t)| t.file.event.clone())
                        .collect(),
                });
            }
            for position in found {
                if !selected.contains(&position) {
                    selected.push(position);
                }
            }
        }
        Ok(selected)
    }

    /// The declared tables of those of `events` that are declared, in declaration order.
    pub fn of_events(&self, events: &[String]) -> Vec<(usize, usize)> {
        let wanted: Vec<String> = events.iter().map(|e| event_identity(e)).collect();
        self.positions()
            .filter(|(_, table)| {
                wanted.contains(&event_identity(&table.file.event))
                    || events.contains(&table.file.name)
            })
            .map(|(position, _)| position)
            .collect()
    }

    /// Every declared table, in declaration order.
    pub fn of_all(&self) -> Vec<(usize, usize)> {
        self.positions().map(|(position, _)| position).collect()
    }

    /// The declaration reduced to the selected tables.
    pub fn only(mut self, selected: &[(usize, usize)]) -> Declared {
        for (d, database) in self.databases.iter_mut().enumerate() {
            let mut index = 0;
            database.tables.retain(|_| {
                let keep = selected.contains(&(d, index));
                index += 1;
                keep
            });
        }
        self
    }

    pub fn table(&self, (database, table): (usize, usize)) -> &DeclaredTable {
        &self.databases[database].tables[table]
    }

    /// The file that declares `table` of `database`.
    pub fn table_path(&self, database: &str, table: &str) -> Option<&Path> {
        self.databases
            .iter()
            .filter(|d| d.file.name == database)
            .flat_map(|d| &d.tables)
            .find(|t| t.file.name == table)
            .map(|t| t.path.as_path())
    }

    fn positions(&self) -> impl Iterator<Item = ((usize, usize), &DeclaredTable)> + Clone {
        self.databases.iter().enumerate().flat_map(|(d, database)| {
            database
                .tables
                .iter()
                .enumerate()
                .map(move |(t, table)| ((d, t), table))
        })
    }

    /// The only database, or the one named: where `onboard` writes.
    pub fn database(&self, name: Option<&str>) -> Result<&DeclaredDatabase, String> {
        match name {
            Some(name) => self
                .databases
                .iter()
                .find(|d| same_name(&d.file.name, name))
                .ok_or_else(|| format!("no database `{name}` is declared under catalogs/")),
            None => match self.databases.as_slice() {
                [only] => Ok(only),
                [] => {
                    Err("no database is declared: create catalogs/<database>/database.yaml".into())
                }
                _ => Err(format!(
                    "several databases are declared ({}); pass --database",
                    self.databases
                        .iter()
                        .map(|d| d.file.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
        }
    }
}

/// Reads a definition file, with an error that names it.
pub fn read(path: &Path) -> Result<String, DeclareError> {
    std::fs::read_to_string(path)
        .map_err(|error| DeclareError::file(path, format!("cannot read the file: {error}")))
}

/// Parses YAML text as `T`, turning the parser's error into one located in `path`.
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, DeclareError> {
    serde_saphyr::from_str(text).map_err(|error| {
        let location = error.location().unwrap_or(Span::UNKNOWN);
        let full = error.to_string();
        // The parser's first line repeats the location; keep its explanation and snippet.
        let message = match full.strip_prefix("error: ") {
            Some(rest) if rest.starts_with("line ") => rest
                .split_once(": ")
                .map_or(rest, |(_, explanation)| explanation),
            _ => full.as_str(),
        }
        .replace(
            ", set DuplicateKeyPolicy in Options if acceptable",
            "; a key may appear once: keep one",
        )
        .replace("<input>", &path.display().to_string());
        DeclareError::at(path, &location, message)
    })
}

fn load_database(folder: &Path) -> Result<DeclaredDatabase, Vec<DeclareError>> {
    let database_path = folder.join(DATABASE_FILE);
    if !database_path.is_file() {
        return Err(vec![DeclareError::file(
            folder,
            format!("a database folder needs a {DATABASE_FILE} (name, location)"),
        )]);
    }
    let file: DatabaseFile = read(&database_path)
        .and_then(|text| parse(&database_path, &text))
        .map_err(|error| vec![error])?;
    let mut errors = Vec::new();
    let root = expand_env(&database_path, &file.location).map_err(|error| vec![error])?;
    let location = Location::new(&root);
    check_columns(
        &database_path,
        &file.partition_keys,
        "partition key",
        &mut errors,
    );

    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|error| vec![DeclareError::file(folder, error.to_string())])?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
                && path.file_name().is_some_and(|name| name != DATABASE_FILE)
        })
        .collect();
    paths.sort();
    let mut tables: Vec<DeclaredTable> = Vec::new();
    let mut by_event: HashMap<String, PathBuf> = HashMap::new();
    for path in paths {
        let table = match read(&path).and_then(|text| parse::<TableFile>(&path, &text)) {
            Ok(table) => table,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        match check_table(&path, table, &file, &location, &mut errors) {
            Some(table) => {
                let identity = crate::naming::event_identity(&table.file.event);
                if let Some(other) = by_event.insert(identity, path.clone()) {
                    errors.push(DeclareError::file(
                        &path,
                        format!(
                            "event `{}` is also declared by {}; CleverTap treats event names \
                             case- and space-insensitively, so one table per event",
                            table.file.event,
                            other.display()
                        ),
                    ));
                }
                tables.push(table);
            }
            None => continue,
        }
    }
    if errors.is_empty() {
        Ok(DeclaredDatabase {
            dir: folder.to_path_buf(),
            file,
            location,
            tables,
        })
    } else {
        Err(errors)
    }
}

fn check_table(
    path: &Path,
    file: TableFile,
    database: &DatabaseFile,
    database_location: &Location,
    errors: &mut Vec<DeclareError>,
) -> Option<DeclaredTable> {
    let before = errors.len();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if file.name != stem {
        errors.push(DeclareError::file(
            path,
            format!(
                "the table is named `{}` but the file is {stem}.yaml; name the file after the table",
                file.name
            ),
        ));
    }
    if file.name != file.name.to_lowercase() {
        errors.push(DeclareError::file(
            path,
            format!(
                "table name `{}` has capitals; Glue folds names to lowercase: write `{}`",
                file.name,
                file.name.to_lowercase()
            ),
        ));
    }
    if file.columns.is_empty() {
        errors.push(DeclareError::file(
            path,
            "a table needs at least one column",
        ));
    }
    check_columns(path, &file.columns, "column", errors);
    let partition_specs = file
        .partition_keys
        .as_deref()
        .unwrap_or(&database.partition_keys);
    check_columns(path, partition_specs, "partition key", errors);
    for key in partition_specs {
        if !key.ty.0.is_primitive() {
            errors.push(DeclareError::at(
                path,
                &key.name.referenced,
                format!(
                    "partition key `{}` must have a primitive type",
                    key.name.value
                ),
            ));
        }
        if let Some(column) = file
            .columns
            .iter()
            .find(|c| same_name(&c.name.value, &key.name.value))
        {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!(
                    "column `{}` repeats partition key `{}`; Glue rejects that: drop one",
                    column.name.value, key.name.value
                ),
            ));
        }
    }
    if let PartitionMode::Projection(projection) = &file.partitions {
        for key in partition_specs {
            if !projection.contains_key(&key.name.value) {
                errors.push(DeclareError::file(
                    path,
                    format!(
                        "partition projection does not cover partition key `{}`; Athena needs \
                         every key projected",
                        key.name.value
                    ),
                ));
            }
        }
    }
    let location = match &file.location {
        Some(location) => match expand_env(path, location) {
            Ok(location) => Location::new(&location),
            Err(error) => {
                errors.push(error);
                return None;
            }
        },
        None => database_location.join(&file.name),
    };
    if errors.len() > before {
        return None;
    }
    Some(DeclaredTable {
        path: path.to_path_buf(),
        partition_keys: partition_specs.iter().map(ColumnSpec::to_column).collect(),
        file,
        location,
    })
}

fn check_columns(path: &Path, columns: &[ColumnSpec], what: &str, errors: &mut Vec<DeclareError>) {
    for (index, column) in columns.iter().enumerate() {
        let name = &column.name.value;
        if name.trim().is_empty() {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!("a {what} needs a name"),
            ));
        }
        if let Some(first) = columns[..index]
            .iter()
            .find(|c| same_name(&c.name.value, name))
        {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!(
                    "{what} `{name}` is declared twice (first at line {}); Glue folds names to \
                     lowercase: keep one",
                    first.name.referenced.line()
                ),
            ));
        }
    }
}

/// Resolves `${VAR}` and `${VAR:-default}` from the environment.
fn expand_env(path: &Path, text: &Spanned<String>) -> Result<String, DeclareError> {
    let mut out = String::new();
    let mut rest = text.value.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(DeclareError::at(
                path,
                &text.referenced,
                format!("unterminated `${{` in `{}`", text.value),
            ));
        };
        let reference = &after[..end];
        let (name, default) = match reference.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (reference, None),
        };
        if let Some(why) = not_expandable(name) {
            return Err(DeclareError::at(path, &text.referenced, why));
        }
        match (std::env::var(name), default) {
            (Ok(value), _) if !value.is_empty() => out.push_str(&value),
            (_, Some(default)) => out.push_str(default),
            _ => {
                return Err(DeclareError::at(
                    path,
                    &text.referenced,
                    format!(
                        "environment variable {name} is not set; set it, or write \
                         ${{{name}:-default}}"
                    ),
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Why `${name}` may not be expanded. Locations are printed by plan, drift and annotations, and
/// plans are posted as pull-request comments: only glueprint's own variables expand, so a
/// reviewed YAML line can never print a secret of the machine that runs it.
fn not_expandable(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    let secret_like = upper.starts_with("AWS_")
        || ["SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "KEY"]
            .iter()
            .any(|word| upper.contains(word));
    if secret_like {
        return Some(format!(
            "${{{name}}} looks like a credential, and locations are printed in plans and pull \
             requests: it is never expanded; use a GLUEPRINT_* variable that holds the location"
        ));
    }
    (!name.starts_with("GLUEPRINT_")).then(|| {
        format!(
            "${{{name}}}: only GLUEPRINT_* variables expand in the declarations (they are printed \
             in plans and pull requests); set GLUEPRINT_{name} instead"
        )
    })
}

impl DeclaredTable {
    /// The table as the live catalog should hold it.
    pub fn desired(&self, database: &DeclaredDatabase) -> Table {
        let mut parameters = database.file.parameters.clone();
        parameters.extend(self.file.parameters.clone());
        parameters.insert("classification".into(), "parquet".into());
        if let PartitionMode::Projection(projection) = &self.file.partitions {
            parameters.insert("projection.enabled".into(), "true".into());
            for (key, spec) in projection {
                let prefix = format!("projection.{key}");
                parameters.insert(format!("{prefix}.type"), spec.kind.as_str().into());
                let optional = [
                    ("range", spec.range.clone()),
                    ("format", spec.format.clone()),
                    ("interval", spec.interval.map(|i| i.to_string())),
                    ("interval.unit", spec.interval_unit.clone()),
                    ("values", spec.values.clone()),
                ];
                for (name, value) in optional {
                    if let Some(value) = value {
                        parameters.insert(format!("{prefix}.{name}"), value);
                    }
                }
            }
            let template: String = self
                .partition_keys
                .iter()
                .map(|key| format!("{0}=${{{0}}}/", key.name))
                .collect();
            parameters.insert(
                "storage.location.template".into(),
                format!("{}{template}", self.location),
            );
        }
        Table {
            name: self.file.name.clone(),
            description: self.file.description.clone(),
            owner: None,
            table_type: Some(EXTERNAL_TABLE.into()),
            parameters,
            storage: Storage::parquet(
                self.location.clone(),
                self.file
                    .columns
                    .iter()
                    .map(ColumnSpec::to_column)
                    .collect(),
            ),
            partition_keys: self.partition_keys.clone(),
            version: None,
        }
    }

    /// What Glue's API would refuse in this table (catalog-facts §2), found before any call:
    /// comments over 255 characters or on several lines, a description over 2,048 characters,
    /// names over 255 bytes, type strings over 131,072 characters, parameter keys over 255
    /// characters and values over 512,000.
    pub fn glue_limit_errors(&self, database: &DeclaredDatabase) -> Vec<DeclareError> {
        let path = self.path.as_path();
        let mut errors = Vec::new();
        for column in &self.file.columns {
            let at = |message: String| DeclareError::at(path, &column.name.referenced, message);
            let name = &column.name.value;
            if name.len() > 255 {
                errors.push(at(format!(
                    "column name `{name}` is {} bytes long; Glue takes at most 255",
                    name.len()
                )));
            }
            if let Some(comment) = &column.comment {
                if comment.chars().count() > 255 {
                    errors.push(at(format!(
                        "the comment of `{name}` is {} characters long; Glue takes at most 255",
                        comment.chars().count()
                    )));
                }
                if comment.contains(['\n', '\r']) {
                    errors.push(at(format!(
                        "the comment of `{name}` spans lines; Glue takes one line: join them"
                    )));
                }
            }
            let type_length = column.ty.0.to_string().chars().count();
            if type_length > 131_072 {
                errors.push(at(format!(
                    "the type of `{name}` is {type_length} characters long; Glue takes at most \
                     131,072: split the struct"
                )));
            }
        }
        for key in &self.partition_keys {
            if key.name.len() > 255 {
                errors.push(DeclareError::file(
                    path,
                    format!(
                        "partition key `{}` is {} bytes long; Glue takes at most 255",
                        key.name,
                        key.name.len()
                    ),
                ));
            }
        }
        if let Some(description) = &self.file.description
            && description.chars().count() > 2048
        {
            errors.push(DeclareError::file(
                path,
                format!(
                    "the description is {} characters long; Glue takes at most 2,048",
                    description.chars().count()
                ),
            ));
        }
        for (key, value) in &self.desired(database).parameters {
            if key.chars().count() > 255 {
                errors.push(DeclareError::file(
                    path,
                    format!("parameter key `{key}` is over 255 characters; Glue refuses it"),
                ));
            }
            if value.chars().count() > 512_000 {
                errors.push(DeclareError::file(
                    path,
                    format!("the value of parameter `{key}` is over 512,000 characters"),
                ));
            }
        }
        errors
    }

    pub fn registers_partitions(&self) -> bool {
        self.file.partitions.is_registered()
    }
}

impl DeclaredDatabase {
    pub fn desired(&self) -> catalog::Database {
        catalog::Database {
            name: self.file.name.clone(),
            description: self.file.description.clone(),
            location: Some(self.location.clone()),
            parameters: BTreeMap::new(),
        }
    }
}

/// Where editors find the JSON Schema of each file kind, relative to a file in
/// `catalogs/<database>/`.
const TABLE_SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=../../schemas/table.schema.json\n";
const DATABASE_SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=../../schemas/database.schema.json\n";

/// The canonical text of a table file.
pub fn table_yaml(file: &TableFile) -> String {
    let body = serde_saphyr::to_string(file).expect("a table definition always serializes");
    with_final_newline(format!("{TABLE_SCHEMA_HEADER}{body}"))
}

/// The canonical text of a database file.
pub fn database_yaml(file: &DatabaseFile) -> String {
    let body = serde_saphyr::to_string(file).expect("a database definition always serializes");
    with_final_newline(format!("{DATABASE_SCHEMA_HEADER}{body}"))
}

/// Writes a definition file, making its database folder when missing.
pub fn write(path: &Path, text: &str) -> Result<(), DeclareError> {
    let failed =
        |error: std::io::Error| DeclareError::file(path, format!("cannot write the file: {error}"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

/// The definition files below `dir` that are not in canonical form, rewritten in place unless
/// `check_only`.
pub fn format(dir: &Path, check_only: bool) -> Result<Vec<PathBuf>, DeclareError> {
    let folders = std::fs::read_dir(dir)
        .map_err(|error| DeclareError::file(dir, format!("cannot read the folder: {error}")))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for folder in folders.filter_map(Result::ok).map(|entry| entry.path()) {
        if !folder.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&folder).map_err(|error| {
            DeclareError::file(&folder, format!("cannot read the folder: {error}"))
        })?;
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml")),
        );
    }
    files.sort();
    let mut unformatted = Vec::new();
    for path in files {
        let text = read(&path)?;
        let canonical = if path.file_name().is_some_and(|name| name == DATABASE_FILE) {
            database_yaml(&parse(&path, &text)?)
        } else {
            table_yaml(&parse(&path, &text)?)
        };
        if canonical != text {
            if !check_only {
                write(&path, &canonical)?;
            }
            unformatted.push(path);
        }
    }
    Ok(unformatted)
}

fn with_final_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The JSON Schemas of both file kinds, as committed under `schemas/`.
pub fn json_schemas() -> [(&'static str, String); 2] {
    let pretty = |schema: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&schema).expect("schemas serialize");
        text.push('\n');
        text
    };
    [
        (
            "database.schema.json",
            pretty(schemars::schema_for!(DatabaseFile)),
        ),
        (
            "table.schema.json",
            pretty(schemars::schema_for!(TableFile)),
        ),
    ]
}

/// A new table file for `event` with the columns found in the data.
pub fn new_table_file(name: &str, event: &str, columns: Vec<ColumnSpec>) -> TableFile {
    TableFile {
        name: name.to_string(),
        event: event.to_string(),
        description: None,
        location: None,
        partition_keys: None,
        partitions: PartitionMode::Registered,
        columns,
        parameters: BTreeMap::new(),
    }
}

/// A location written into a file by glueprint itself.
pub fn unlocated(text: String) -> Spanned<String> {
    spanned(text)
}
