//! Parquet footer → Glue/Hive columns: one visitor over the Arrow form of the Parquet schema.
//!
//! The parquet crate turns the footer schema into Arrow types, applying the Parquet spec's
//! backward-compatibility rules (legacy two-level lists, unannotated maps, the embedded
//! `ARROW:schema`). The visitor maps each Arrow type to a Hive type and walks the Parquet leaf
//! columns alongside, because a few decisions need the physical type the Arrow form hides
//! (INT96 and INT64 nanosecond timestamps both become `Timestamp(ns)`).
//!
//! Where no Hive type fits, the visitor decides explicitly and leaves a [`Note`] saying so
//! (catalog-facts §3).

use std::collections::HashMap;

use arrow_schema::{DataType, Field, Fields, TimeUnit};
use parquet::basic::{ConvertedType, LogicalType, Type as PhysicalType};
use parquet::file::metadata::{KeyValue, ParquetMetaData};
use parquet::schema::types::{ColumnDescPtr, SchemaDescriptor};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::athena;
use crate::column_path::{ColumnPath, Step};
use crate::hive::{HiveType, MAX_DECIMAL_PRECISION, StructField};
use crate::parquet_type::ParquetType;
use crate::problem::{Problem, Severity};

/// The columns of one file as Hive types. `None` marks a column that holds only nulls in this
/// file: such a column says nothing about its type and must not decide the table's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileSchema {
    pub columns: Vec<FileColumn>,
    pub notes: Vec<Note>,
    /// Every leaf column with its Parquet type, those left out of `columns` included: what
    /// the engines' readers decide by (the Hive types above hide it).
    pub leaves: Vec<Leaf>,
}

/// A leaf column of a file: where it sits in the column tree, and how Parquet stores it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Leaf {
    #[serde(rename = "steps")]
    pub path: ColumnPath,
    pub parquet: ParquetType,
}

/// A column of a file's schema, or of a table's merged from its files; `ty` is `None` while
/// every file seen holds only nulls in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileColumn {
    pub name: String,
    pub ty: Option<HiveType>,
}

/// A decision the mapping made on its own, at a column path such as `deviceInfo.dimensions`,
/// `tags[]` (array elements) or `props{}` (map values).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Note {
    pub path: String,
    pub kind: NoteKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoteKind {
    /// A Parquet type Athena's reader cannot read under any declared type (catalog-facts §3):
    /// the column or field is left out.
    Unreadable {
        parquet_type: String,
        why: String,
    },
    /// A struct field whose name Athena's type parser cannot carry: the field is left out.
    UnwritableName {
        why: String,
    },
    Uint32,
    Time {
        unit: String,
    },
    NanosecondTimestamp,
    NullOnly,
    Duration,
    Interval,
    Unsupported {
        arrow_type: String,
    },
    CaseDuplicate {
        first: String,
    },
    /// The same name twice in one file: readers pick one column and drop the other.
    Duplicate,
    /// Names that look the same but are encoded differently (NFC `ö` vs NFD `o` + `¨`).
    NormalizationTwin {
        other: String,
    },
    /// The footer's embedded Arrow schema could not be used; the Parquet schema was.
    ArrowSchemaIgnored {
        reason: String,
    },
    /// A column with an empty name: Glue cannot hold it.
    Unnamed,
    /// Glue and Athena take only primitive map keys.
    MapKeyNotPrimitive {
        key: String,
    },
    /// The embedded Arrow schema gives a date or time the Parquet type does not: Athena reads
    /// the Parquet type, a plain integer.
    PlainInteger {
        arrow_type: String,
        unit: String,
    },
}

impl Note {
    pub fn severity(&self) -> Severity {
        match self.kind {
            NoteKind::Unreadable { .. }
            | NoteKind::UnwritableName { .. }
            | NoteKind::Unsupported { .. }
            | NoteKind::CaseDuplicate { .. }
            | NoteKind::Duplicate
            | NoteKind::Unnamed
            | NoteKind::MapKeyNotPrimitive { .. } => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// A stable identifier for scripts.
    pub fn kind_id(&self) -> &'static str {
        match self.kind {
            NoteKind::Unreadable { .. } => "unreadable_type",
            NoteKind::UnwritableName { .. } => "unwritable_name",
            NoteKind::Uint32 => "uint32",
            NoteKind::Time { .. } => "time_type",
            NoteKind::NanosecondTimestamp => "nanosecond_timestamp",
            NoteKind::NullOnly => "null_only_column",
            NoteKind::Duration => "duration_type",
            NoteKind::Interval => "interval_type",
            NoteKind::Unsupported { .. } => "unsupported_type",
            NoteKind::CaseDuplicate { .. } => "case_duplicate",
            NoteKind::Duplicate => "duplicate_name",
            NoteKind::NormalizationTwin { .. } => "unicode_normalization",
            NoteKind::ArrowSchemaIgnored { .. } => "arrow_schema_ignored",
            NoteKind::Unnamed => "unnamed_column",
            NoteKind::MapKeyNotPrimitive { .. } => "map_key_not_primitive",
            NoteKind::PlainInteger { .. } => "plain_integer",
        }
    }

    pub fn message(&self) -> String {
        let path = &self.path;
        match &self.kind {
            NoteKind::Unreadable { parquet_type, why } => format!(
                "`{path}` is {parquet_type}, which Athena's Parquet reader cannot read under any \
                 declared type ({why}): it is left out of the table; write it as another type to \
                 query it"
            ),
            NoteKind::UnwritableName { why } => format!(
                "`{path}` cannot be declared because {why}: it is left out of the struct (Parquet \
                 reads the other fields by name); rename the property at the source to query it"
            ),
            NoteKind::Uint32 => format!(
                "`{path}` is an unsigned 32-bit integer: it is declared bigint, but Athena reads \
                 the 32 bits signed, so values of 2^31 and above come back negative \
                 (trinodb/trino#27274); write it as int64 if such values occur"
            ),
            NoteKind::Time { unit } => format!(
                "`{path}` is a Parquet TIME stored as a 64-bit integer, which Athena reads only as \
                 bigint: it is declared bigint and holds {unit} since midnight, not a time; write \
                 it as a timestamp or a string to query it as time"
            ),
            NoteKind::NanosecondTimestamp => format!(
                "`{path}` holds nanosecond timestamps; Athena timestamps keep milliseconds, so the \
                 extra precision is lost on read (crawlers type these bigint): write microseconds or \
                 milliseconds if the precision matters"
            ),
            NoteKind::NullOnly => format!(
                "`{path}` holds only nulls in every file, so its type cannot be inferred and it is \
                 left out; declare its type by hand once real values arrive"
            ),
            NoteKind::Duration => format!(
                "`{path}` is an Arrow duration, which has no Hive type: it is declared bigint (the \
                 stored count of its unit)"
            ),
            NoteKind::Interval => format!(
                "`{path}` is a Parquet INTERVAL, which has no Hive type: it is declared binary (its \
                 12 stored bytes)"
            ),
            NoteKind::Unsupported { arrow_type } => format!(
                "`{path}` has type {arrow_type}, which glueprint cannot map to a Glue type: it is \
                 left out; write it as a supported type"
            ),
            NoteKind::Duplicate => format!(
                "`{path}` appears twice in the file's schema; readers keep one of the two \
                 columns and drop the other: write the file with unique names"
            ),
            NoteKind::Unnamed => "a column has no name, which Glue cannot hold: it is left out; \
                 write the file with named columns"
                .to_string(),
            NoteKind::MapKeyNotPrimitive { key } => format!(
                "`{path}` is a map keyed by {key}; Glue and Athena take only primitive map keys: \
                 it is left out; write the keys as strings"
            ),
            NoteKind::PlainInteger { arrow_type, unit } => format!(
                "`{path}` is {arrow_type} in the file's Arrow schema but a plain INT64 in its \
                 Parquet schema, the one Athena reads: it is declared bigint (the count of {unit} \
                 since 1970); write it as a Parquet DATE or TIMESTAMP to query it as one"
            ),
            NoteKind::ArrowSchemaIgnored { reason } => format!(
                "the file's embedded Arrow schema (ARROW:schema) cannot be used ({reason}); its \
                 Parquet schema, the one Athena reads, was used instead"
            ),
            NoteKind::NormalizationTwin { other } => format!(
                "`{path}` and `{other}` look the same but are different Unicode sequences (NFC \
                 and NFD forms); Athena treats them as two names, and queries must spell the \
                 right one: normalize names at the source"
            ),
            NoteKind::CaseDuplicate { first } => format!(
                "`{path}` and `{first}` differ only in case; Glue and Athena fold names to lowercase \
                 and cannot keep both (HIVE_INVALID_METADATA): rename one of them in the data"
            ),
        }
    }

    pub fn to_problem(&self, objects: impl IntoIterator<Item = String>) -> Problem {
        let problem = match self.severity() {
            Severity::Error => Problem::error(self.kind_id(), self.message()),
            Severity::Warning => Problem::warning(self.kind_id(), self.message()),
        };
        problem.with_objects(objects)
    }
}

/// A fingerprint of what the mapping reads from a footer: the Parquet schema tree and the
/// embedded Arrow schema. Files with equal fingerprints map to equal Hive schemas, so each
/// distinct schema is mapped once however many files share it.
pub fn fingerprint(schema: &SchemaDescriptor, arrow_schema: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    struct Feed<'a, H: Hasher>(&'a mut H);
    impl<H: Hasher> std::fmt::Write for Feed<'_, H> {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    fn walk<H: Hasher>(node: &parquet::schema::types::Type, hasher: &mut H) {
        use std::fmt::Write;
        let info = node.get_basic_info();
        node.name().hash(hasher);
        let _ = write!(
            Feed(hasher),
            "{:?}{:?}{:?}",
            info.has_repetition().then(|| info.repetition()),
            info.converted_type(),
            info.logical_type_ref()
        );
        if node.is_primitive() {
            let _ = write!(
                Feed(hasher),
                "{:?}{}{}",
                node.get_physical_type(),
                node.get_precision(),
                node.get_scale()
            );
            if let parquet::schema::types::Type::PrimitiveType { type_length, .. } = node {
                type_length.hash(hasher);
            }
        } else {
            node.get_fields().len().hash(hasher);
            for field in node.get_fields() {
                walk(field, hasher);
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    walk(schema.root_schema(), &mut hasher);
    // Hashed as the entry's optional value, as the footer cache's fingerprints always were.
    if let Some(arrow) = arrow_schema {
        Some(arrow).hash(&mut hasher);
    }
    hasher.finish()
}

/// Why a footer's schema could not be turned into Arrow types at all.
#[derive(Debug, Clone, thiserror::Error)]
#[error("has a schema the Parquet reader rejects ({0}): write the file again")]
pub struct SchemaError(String);

/// Maps the schema of one file's footer to Hive columns.
pub fn file_schema(metadata: &ParquetMetaData) -> Result<FileSchema, SchemaError> {
    let file = metadata.file_metadata();
    map_schema(file.schema_descr(), file.key_value_metadata())
}

/// Maps a Parquet schema, with the footer's key-value metadata (where an embedded Arrow schema
/// is found), to Hive columns.
pub fn map_schema(
    schema: &SchemaDescriptor,
    key_value_metadata: Option<&Vec<KeyValue>>,
) -> Result<FileSchema, SchemaError> {
    let mut notes = Vec::new();
    let arrow = match parquet::arrow::parquet_to_arrow_schema(schema, key_value_metadata) {
        Ok(arrow) => arrow,
        // Athena never reads the embedded Arrow schema: a broken one (copied from another
        // file, bad base64, nested past the verifier's limit) leaves the Parquet schema.
        Err(error) if has_arrow_schema(key_value_metadata) => {
            notes.push(Note {
                path: String::new(),
                kind: NoteKind::ArrowSchemaIgnored {
                    reason: error.to_string(),
                },
            });
            parquet::arrow::parquet_to_arrow_schema(schema, None)
                .map_err(|error| SchemaError(error.to_string()))?
        }
        Err(error) => return Err(SchemaError(error.to_string())),
    };
    let mut visitor = Visitor {
        leaves: schema.columns(),
        next_leaf: 0,
        notes,
        steps: ColumnPath::default(),
        typed_leaves: Vec::new(),
    };
    let columns = visitor.fields(arrow.fields(), "");
    Ok(FileSchema {
        columns: columns
            .into_iter()
            .map(|(name, ty)| FileColumn { name, ty })
            .collect(),
        notes: visitor.notes,
        leaves: visitor.typed_leaves,
    })
}

fn has_arrow_schema(metadata: Option<&Vec<KeyValue>>) -> bool {
    metadata.is_some_and(|entries| entries.iter().any(|entry| entry.key == "ARROW:schema"))
}

struct Visitor<'a> {
    leaves: &'a [ColumnDescPtr],
    next_leaf: usize,
    notes: Vec<Note>,
    /// Where the walk is in the column tree.
    steps: ColumnPath,
    typed_leaves: Vec<Leaf>,
}

impl Visitor<'_> {
    fn note(&mut self, path: &str, kind: NoteKind) {
        self.notes.push(Note {
            path: path.to_string(),
            kind,
        });
    }

    /// Maps sibling fields (top-level columns or struct fields), keeping every field so the
    /// leaf walk stays aligned, and reporting names that collide once lowercased.
    fn fields(&mut self, fields: &Fields, parent: &str) -> Vec<(String, Option<HiveType>)> {
        let mut mapped: Vec<(String, Option<HiveType>)> = Vec::with_capacity(fields.len());
        // The names kept so far, by Glue's folding and by folding after NFC normalization:
        // thousands of columns are looked up in constant time each.
        let mut by_folded: HashMap<String, usize> = HashMap::with_capacity(fields.len());
        let mut by_normalized: HashMap<String, usize> = HashMap::with_capacity(fields.len());
        for field in fields {
            self.steps.push(Step::Field(field.name().clone()));
            let path = self.steps.to_string();
            let ty = self.field(field, &path);
            self.steps.pop();
            if parent.is_empty() && field.name().trim().is_empty() {
                self.note(&path, NoteKind::Unnamed);
                continue;
            }
            // Top-level names are Glue column names, never parsed as part of a type string.
            if !parent.is_empty()
                && let Err(why) = athena::check_field_name(field.name())
            {
                self.note(
                    &path,
                    NoteKind::UnwritableName {
                        why: why.to_string(),
                    },
                );
                continue;
            }
            let folded = field.name().to_lowercase();
            if let Some(&first) = by_folded.get(&folded) {
                let first = &mapped[first].0;
                let kind = if first == field.name() {
                    NoteKind::Duplicate
                } else {
                    NoteKind::CaseDuplicate {
                        first: self.steps.field(first).to_string(),
                    }
                };
                self.note(&path, kind);
                continue;
            }
            let normalized = folded.nfc().collect::<String>();
            if let Some(&other) = by_normalized.get(&normalized) {
                let other = self.steps.field(&mapped[other].0).to_string();
                self.note(&path, NoteKind::NormalizationTwin { other });
            }
            by_folded.insert(folded, mapped.len());
            by_normalized.entry(normalized).or_insert(mapped.len());
            mapped.push((field.name().clone(), ty));
        }
        mapped
    }

    fn field(&mut self, field: &Field, path: &str) -> Option<HiveType> {
        self.data_type(field.data_type(), path)
    }

    fn leaf(&mut self) -> Option<ColumnDescPtr> {
        let leaf = self.leaves.get(self.next_leaf).cloned();
        self.next_leaf += 1;
        leaf
    }

    fn data_type(&mut self, data_type: &DataType, path: &str) -> Option<HiveType> {
        use DataType as A;
        let hive = match data_type {
            A::Struct(fields) => {
                let mapped = self.fields(fields, path);
                let typed: Vec<StructField> = mapped
                    .into_iter()
                    .filter_map(|(name, ty)| Some(StructField::new(name, ty?)))
                    .collect();
                // A struct whose fields are all null-only tells nothing either.
                return (!typed.is_empty()).then_some(HiveType::Struct(typed));
            }
            A::List(element)
            | A::LargeList(element)
            | A::ListView(element)
            | A::LargeListView(element)
            | A::FixedSizeList(element, _) => {
                self.steps.push(Step::Element);
                let element = self.field(element, &self.steps.to_string());
                self.steps.pop();
                return Some(HiveType::array(element?));
            }
            A::Map(entries, _) => {
                let A::Struct(kv) = entries.data_type() else {
                    self.note(
                        path,
                        NoteKind::Unsupported {
                            arrow_type: data_type.to_string(),
                        },
                    );
                    return None;
                };
                self.steps.push(Step::Key);
                let key = self.field(&kv[0], &self.steps.to_string());
                self.steps.pop();
                self.steps.push(Step::Value);
                let value = kv
                    .get(1)
                    .and_then(|value| self.field(value, &self.steps.to_string()));
                self.steps.pop();
                let key = key?;
                if !key.is_primitive() {
                    self.note(
                        path,
                        NoteKind::MapKeyNotPrimitive {
                            key: key.to_string(),
                        },
                    );
                    return None;
                }
                return Some(HiveType::map(key, value?));
            }
            A::Dictionary(_, value) => {
                // A dictionary is an encoding of its values: one leaf column.
                return self.data_type(value, path);
            }
            leaf_type => {
                let leaf = self.leaf();
                if let Some(leaf) = &leaf {
                    self.typed_leaves.push(Leaf {
                        path: self.steps.clone(),
                        parquet: ParquetType::of(leaf),
                    });
                }
                self.primitive(leaf_type, leaf.as_ref(), path)?
            }
        };
        Some(hive)
    }

    fn primitive(
        &mut self,
        data_type: &DataType,
        leaf: Option<&ColumnDescPtr>,
        path: &str,
    ) -> Option<HiveType> {
        use DataType as A;
        let hive = match data_type {
            A::Null => {
                self.note(path, NoteKind::NullOnly);
                return None;
            }
            A::Boolean => HiveType::Boolean,
            A::Int8 => HiveType::TinyInt,
            A::Int16 | A::UInt8 => HiveType::SmallInt,
            A::Int32 | A::UInt16 => HiveType::Int,
            A::Int64 => HiveType::BigInt,
            A::UInt32 => {
                self.note(path, NoteKind::Uint32);
                HiveType::BigInt
            }
            A::UInt64 => {
                return self.unreadable(
                    path,
                    "an unsigned 64-bit integer (INT64, UINT_64)",
                    "no declared type reads it; decimal(20,0) is refused by the reader",
                );
            }
            A::Float16 => {
                return self.unreadable(
                    path,
                    "a half-precision float (FIXED_LEN_BYTE_ARRAY(2), FLOAT16)",
                    "float and double both fail on it",
                );
            }
            A::Float32 => HiveType::Float,
            A::Float64 => HiveType::Double,
            A::Utf8 | A::LargeUtf8 | A::Utf8View => HiveType::String,
            // parquet-avro writes enums as annotated byte arrays holding their symbols' text.
            A::Binary | A::LargeBinary | A::BinaryView if leaf.is_some_and(is_enum) => {
                HiveType::String
            }
            A::Binary | A::LargeBinary | A::BinaryView | A::FixedSizeBinary(_) => HiveType::Binary,
            // arrow-rs writes these as plain INT64 and keeps the type in the Arrow schema only.
            A::Date64 | A::Timestamp(TimeUnit::Second, _) if leaf.is_some_and(plain_int64) => {
                let (arrow_type, unit) = match data_type {
                    A::Date64 => ("a Date64", "milliseconds"),
                    _ => ("a timestamp in seconds", "seconds"),
                };
                self.note(
                    path,
                    NoteKind::PlainInteger {
                        arrow_type: arrow_type.to_string(),
                        unit: unit.to_string(),
                    },
                );
                HiveType::BigInt
            }
            A::Date32 | A::Date64 => HiveType::Date,
            A::Timestamp(unit, _) => {
                let int96 = leaf.is_some_and(|leaf| leaf.physical_type() == PhysicalType::INT96);
                if *unit == TimeUnit::Nanosecond && !int96 {
                    self.note(path, NoteKind::NanosecondTimestamp);
                }
                HiveType::Timestamp
            }
            A::Time32(unit) => {
                return self.unreadable(
                    path,
                    &format!("a TIME in {} (INT32)", unit_name(unit)),
                    "int, bigint and every other type fail on it",
                );
            }
            A::Time64(unit) => {
                self.note(
                    path,
                    NoteKind::Time {
                        unit: unit_name(unit).to_string(),
                    },
                );
                HiveType::BigInt
            }
            A::Duration(_) => {
                self.note(path, NoteKind::Duration);
                HiveType::BigInt
            }
            A::Interval(_) => {
                self.note(path, NoteKind::Interval);
                HiveType::Binary
            }
            A::Decimal32(precision, scale)
            | A::Decimal64(precision, scale)
            | A::Decimal128(precision, scale)
            | A::Decimal256(precision, scale) => {
                if *precision > MAX_DECIMAL_PRECISION || *scale < 0 || *scale as u8 > *precision {
                    return self.unreadable(
                        path,
                        &format!("decimal({precision},{scale})"),
                        "Athena decimals hold precision 1..38 and a scale from 0 to the \
                         precision; declared string it would read raw bytes as text",
                    );
                } else {
                    HiveType::Decimal {
                        precision: *precision,
                        scale: *scale as u8,
                    }
                }
            }
            other => {
                self.note(
                    path,
                    NoteKind::Unsupported {
                        arrow_type: other.to_string(),
                    },
                );
                return None;
            }
        };
        Some(hive)
    }
}

impl Visitor<'_> {
    fn unreadable(&mut self, path: &str, parquet_type: &str, why: &str) -> Option<HiveType> {
        self.note(
            path,
            NoteKind::Unreadable {
                parquet_type: parquet_type.to_string(),
                why: why.to_string(),
            },
        );
        None
    }
}

fn plain_int64(leaf: &ColumnDescPtr) -> bool {
    leaf.physical_type() == PhysicalType::INT64
        && leaf.logical_type_ref().is_none()
        && leaf.converted_type() == ConvertedType::NONE
}

fn is_enum(leaf: &ColumnDescPtr) -> bool {
    matches!(leaf.logical_type_ref(), Some(LogicalType::Enum))
        || leaf.converted_type() == ConvertedType::ENUM
}

fn unit_name(unit: &TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Second => "seconds",
        TimeUnit::Millisecond => "milliseconds",
        TimeUnit::Microsecond => "microseconds",
        TimeUnit::Nanosecond => "nanoseconds",
    }
}
