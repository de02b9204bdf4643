//! The engines' Parquet readers: whether a file's column, as Parquet stores it, reads under a
//! declared Hive type (catalog-facts §4 for Athena, §8 for Spectrum).
//!
//! The answer depends on what the Hive mapping of the file hides: uint32 and int64 both map
//! to `bigint`, TIME and INT32 both to an integer, a decimal on INT32 and one on a byte array to
//! the same `decimal(p,s)`. So the rules take the Parquet type of each leaf column: physical
//! type, annotation, precision and scale, bit width and signedness.

use crate::column_path::Step;
use crate::hive::{HiveType, same_name};
use crate::infer::Leaf;
use crate::parquet_type::{Annotation, ParquetType, Physical, Unit};

/// What an engine makes of a file's column under a declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Reads,
    /// Reads without an error, but what comes back means less than the file says.
    Lossy(String),
    /// The query fails on the first value out of the declared type's range.
    FailsOnSome(String),
    /// No error, wrong values.
    Garbles(String),
    /// The query fails.
    Fails,
}

impl Read {
    /// Whether the outcome is an error to report (a failure or wrong values).
    pub fn is_error(&self) -> bool {
        matches!(self, Read::FailsOnSome(_) | Read::Garbles(_) | Read::Fails)
    }

    /// Why, for people.
    pub fn why(&self) -> Option<&str> {
        match self {
            Read::Lossy(why) | Read::FailsOnSome(why) | Read::Garbles(why) => Some(why),
            Read::Reads | Read::Fails => None,
        }
    }
}

/// An engine whose Parquet reader the rules describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Athena,
    Spectrum,
}

impl Engine {
    /// How `file` reads under the declared primitive type `declared` in this engine.
    pub fn reads(self, file: &ParquetType, declared: &HiveType) -> Read {
        match self {
            Engine::Athena => athena(file, declared),
            Engine::Spectrum => spectrum(file, declared),
        }
    }
}

/// Athena engine v3 (Trino's `ColumnReaderFactory`, every release since 424): how `file` reads
/// under the declared primitive type `declared` (catalog-facts §4).
fn athena(file: &ParquetType, declared: &HiveType) -> Read {
    use Annotation as A;
    use HiveType as H;
    use Physical as S;
    let lossy = |why: String| Read::Lossy(why);
    match declared {
        H::TinyInt | H::SmallInt | H::Int | H::BigInt => {
            let (declared_digits, declared_bits) = match declared {
                H::TinyInt => (3, 8),
                H::SmallInt => (5, 16),
                H::Int => (10, 32),
                _ => (19, 64),
            };
            let range = |what: &str| {
                Read::FailsOnSome(format!(
                    "{what} beyond the range of {declared} fail the query"
                ))
            };
            if let Some((bits, signed)) = file.integer() {
                if !signed && bits >= 32 {
                    return Read::Garbles(format!(
                        "unsigned {bits}-bit values are read as signed: those of 2^{} and above \
                         come back negative",
                        bits - 1
                    ));
                }
                let file_bits = if signed { bits } else { bits + 1 };
                return if file_bits > declared_bits {
                    range("values")
                } else {
                    Read::Reads
                };
            }
            match (file.physical, file.annotation) {
                (
                    S::Int32 | S::Int64,
                    A::Decimal {
                        precision,
                        scale: 0,
                    },
                ) if precision <= 18 => {
                    if precision > declared_digits - 1 {
                        range("values")
                    } else {
                        Read::Reads
                    }
                }
                (S::Int64, A::Timestamp(unit)) if *declared == H::BigInt => lossy(format!(
                    "timestamps read as the stored count of {} since 1970, not as time",
                    unit_words(unit)
                )),
                (S::Int64, A::Time(unit)) if *declared == H::BigInt => lossy(format!(
                    "times of day read as the stored count of {} since midnight",
                    unit_words(unit)
                )),
                _ => Read::Fails,
            }
        }
        H::Float => match (file.physical, file.annotation) {
            (S::Float, A::None) => Read::Reads,
            // Zero-scale decimals stored as INT32/INT64 are integers to the reader too: Trino
            // 476 reads a stored 7 as 9.8E-45 (the engine tests).
            _ if file.integer().is_some()
                || matches!(file.physical, S::Int32 | S::Int64)
                    && matches!(file.annotation, A::Decimal { scale: 0, .. }) =>
            {
                Read::Garbles(
                    "integer bits are read as float bits: every value comes back wrong".into(),
                )
            }
            _ => Read::Fails,
        },
        H::Double => match (file.physical, file.annotation) {
            (S::Float | S::Double, A::None) => Read::Reads,
            _ => Read::Fails,
        },
        H::Decimal { precision, scale } => {
            let integer_digits = precision - scale;
            match file.annotation {
                A::Decimal {
                    precision: p,
                    scale: s,
                } => {
                    let long_file = matches!(file.physical, S::FixedLen(n) if n > 16);
                    if long_file || p > 38 {
                        return Read::Fails;
                    }
                    if p.saturating_sub(s) > integer_digits {
                        return Read::FailsOnSome(format!(
                            "values with more than {integer_digits} integer digits (the file \
                             allows {}) fail the query",
                            p - s
                        ));
                    }
                    if s > *scale {
                        return lossy(format!(
                            "values are rounded half-up from {s} to {scale} decimal places"
                        ));
                    }
                    Read::Reads
                }
                _ if *precision <= 18 && file.physical == S::Int32 => match file.integer_digits() {
                    Some((_, false)) => Read::Garbles(
                        "unsigned 32-bit values are read as signed: those of 2^31 and above \
                             come back negative"
                            .into(),
                    ),
                    Some((digits, true)) if digits > integer_digits => Read::FailsOnSome(format!(
                        "integers with more than {integer_digits} digits fail the query"
                    )),
                    Some(_) => Read::Reads,
                    None => Read::Fails,
                },
                _ => Read::Fails,
            }
        }
        H::String | H::Varchar(_) | H::Char(_) => {
            let text = match (file.physical, file.annotation) {
                (S::Binary, A::None | A::Text) => true,
                (S::FixedLen(_), A::None | A::Text) => *declared == H::String,
                (
                    S::Binary | S::FixedLen(_),
                    A::Decimal { .. } | A::Float16 | A::Uuid | A::Interval,
                ) => {
                    return Read::Garbles(
                        "the stored bytes (a number or an identifier, not text) are read as text"
                            .into(),
                    );
                }
                _ => false,
            };
            match declared {
                _ if !text => Read::Fails,
                H::Varchar(n) | H::Char(n) => lossy(format!(
                    "text longer than {n} characters is cut to {n} (Hive semantics)"
                )),
                _ => Read::Reads,
            }
        }
        H::Binary => match (file.physical, file.annotation) {
            (S::Binary, _) => Read::Reads,
            (S::FixedLen(_), annotation) if !matches!(annotation, A::Decimal { .. }) => Read::Reads,
            _ => Read::Fails,
        },
        H::Date => match (file.physical, file.annotation) {
            (S::Int32, A::Date) => Read::Reads,
            (S::Int32, A::None) => lossy("plain integers are read as days since 1970-01-01".into()),
            _ => Read::Fails,
        },
        H::Timestamp => match (file.physical, file.annotation) {
            (S::Int96, _) | (S::Int64, A::Timestamp(_)) => Read::Reads,
            _ => Read::Fails,
        },
        H::Boolean => match file.physical {
            S::Boolean => Read::Reads,
            _ => Read::Fails,
        },
        H::Array(_) | H::Map(_, _) | H::Struct(_) => Read::Fails,
    }
}

/// Redshift Spectrum: types must match exactly (catalog-facts §8), decimal precision and scale
/// included; INT64 nanosecond timestamps read silently wrong.
fn spectrum(file: &ParquetType, declared: &HiveType) -> Read {
    if *declared == HiveType::Timestamp
        && file.physical == Physical::Int64
        && file.annotation == Annotation::Timestamp(Unit::Nanos)
    {
        return Read::Garbles(
            "Spectrum reads INT64 nanosecond timestamps silently wrong (dates far in the future)"
                .into(),
        );
    }
    match natural_type(file) {
        Some(natural) if natural == *declared => Read::Reads,
        _ => Read::Fails,
    }
}

/// The Hive type a file's column is declared as when nothing else is said: what Spectrum
/// requires exactly.
pub fn natural_type(file: &ParquetType) -> Option<HiveType> {
    use Annotation as A;
    use Physical as S;
    Some(match (file.physical, file.annotation) {
        (S::Boolean, _) => HiveType::Boolean,
        (S::Int32 | S::Int64, A::Decimal { precision, scale })
        | (S::Binary | S::FixedLen(_), A::Decimal { precision, scale }) => {
            HiveType::Decimal { precision, scale }
        }
        (S::Int32, A::Date) => HiveType::Date,
        (S::Int64, A::Timestamp(_)) | (S::Int96, _) => HiveType::Timestamp,
        (S::Int32 | S::Int64, _) => match file.integer()? {
            (8, true) => HiveType::TinyInt,
            (8, false) | (16, true) => HiveType::SmallInt,
            (16, false) | (32, true) => HiveType::Int,
            (32, false) | (64, true) => HiveType::BigInt,
            _ => return None,
        },
        (S::Float, _) => HiveType::Float,
        (S::Double, _) => HiveType::Double,
        (S::Binary, A::Text) => HiveType::String,
        (S::Binary | S::FixedLen(_), A::None) => HiveType::Binary,
        // FLOAT16, UUID, INTERVAL and the rest have no Hive type of their own.
        (S::Binary | S::FixedLen(_), _) => return None,
    })
}

fn unit_words(unit: Unit) -> &'static str {
    match unit {
        Unit::Millis => "milliseconds",
        Unit::Micros => "microseconds",
        Unit::Nanos => "nanoseconds",
    }
}

/// What an engine makes of one leaf of a file, under the declared type at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafRead {
    /// The top-level column the leaf belongs to.
    pub column: String,
    /// Where the declared type stops matching the file's shape, or the leaf itself.
    pub path: String,
    pub parquet: ParquetType,
    pub declared: HiveType,
    pub read: Read,
}

/// Checks every leaf of a file against the declared columns (`declared` finds one by name),
/// with an engine's rules. Leaves of undeclared columns
/// or struct fields are not checked (they are undeclared, not unreadable); a leaf below a
/// declared primitive, or a primitive where a struct, array or map is declared, fails. One
/// outcome per path, and only outcomes other than [`Read::Reads`].
pub fn check_leaves<'a>(
    leaves: &[Leaf],
    declared: impl Fn(&str) -> Option<&'a HiveType>,
    engine: Engine,
) -> Vec<LeafRead> {
    let mut found: Vec<LeafRead> = Vec::new();
    for leaf in leaves {
        let Some((path, at, read)) = leaf_read(leaf, &declared, engine) else {
            continue;
        };
        let Some(Step::Field(column)) = leaf.path.steps().first() else {
            continue;
        };
        if read != Read::Reads && !found.iter().any(|f| f.path == path) {
            found.push(LeafRead {
                column: column.clone(),
                path,
                parquet: leaf.parquet,
                declared: at.clone(),
                read,
            });
        }
    }
    found
}

fn leaf_read<'a>(
    leaf: &Leaf,
    declared: &impl Fn(&str) -> Option<&'a HiveType>,
    engine: Engine,
) -> Option<(String, &'a HiveType, Read)> {
    let (Step::Field(column), rest) = leaf.path.steps().split_first()? else {
        return None;
    };
    let mut at = declared(column)?;
    for (depth, step) in rest.iter().enumerate() {
        let next = match (at, step) {
            (HiveType::Struct(fields), Step::Field(name)) => {
                // A field the declaration lacks is undeclared drift, not unreadable.
                &fields.iter().find(|f| same_name(&f.name, name))?.ty
            }
            (HiveType::Array(element), Step::Element) => element.as_ref(),
            (HiveType::Map(key, _), Step::Key) => key.as_ref(),
            (HiveType::Map(_, value), Step::Value) => value.as_ref(),
            // The file nests where the declaration does not, or the other way round.
            _ => return Some((leaf.path.prefix(depth + 1).to_string(), at, Read::Fails)),
        };
        at = next;
    }
    let read = if at.is_primitive() {
        engine.reads(&leaf.parquet, at)
    } else {
        Read::Fails
    };
    Some((leaf.path.to_string(), at, read))
}
