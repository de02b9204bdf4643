//! The files as written: `database.yaml` and `<table>.yaml`, read strictly (unknown keys,
//! duplicates and bad types are errors with their line) and written canonically.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_saphyr::{Location as Span, Spanned};

use crate::athena;
use crate::catalog::Column;
use crate::hive::{HiveType, StructField, same_name};

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
    /// The properties of union-map columns (CleverTap's generic `map<string,struct<member0..>>`
    /// export), by column then map key, each with the type its values are read as.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, TypeSpec>>")]
    pub properties: BTreeMap<String, BTreeMap<String, Spanned<TypeSpec>>>,
    /// The name of the typed view over the properties, when not `<name>_v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
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

pub fn spanned<T>(value: T) -> Spanned<T> {
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
    pub(super) fn is_registered(&self) -> bool {
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
    pub(super) fn as_str(self) -> &'static str {
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
