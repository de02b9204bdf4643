//! A leaf column's type as a Parquet footer states it: the physical type and the logical (or
//! legacy converted) annotation, as far as the engines' readers care.

use std::fmt;

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as FooterPhysical};
use parquet::schema::types::ColumnDescriptor;
use serde::{Deserialize, Serialize};

/// A leaf column's type as the Parquet footer states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParquetType {
    pub physical: Physical,
    pub annotation: Annotation,
}

/// The physical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Physical {
    Boolean,
    Int32,
    Int64,
    Int96,
    Float,
    Double,
    Binary,
    FixedLen(i32),
}

/// The logical (or legacy converted) annotation, as far as the readers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Annotation {
    None,
    /// STRING, ENUM, JSON, BSON: text (or bytes) the readers take as a string.
    Text,
    Integer {
        bits: u8,
        signed: bool,
    },
    Decimal {
        precision: u8,
        scale: u8,
    },
    Date,
    Time(Unit),
    Timestamp(Unit),
    Float16,
    Uuid,
    Interval,
    /// An annotation the readers have no rule for (VARIANT, GEOMETRY ...): read as nothing.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    Millis,
    Micros,
    Nanos,
}

impl ParquetType {
    pub fn of(column: &ColumnDescriptor) -> ParquetType {
        let physical = match column.physical_type() {
            FooterPhysical::BOOLEAN => Physical::Boolean,
            FooterPhysical::INT32 => Physical::Int32,
            FooterPhysical::INT64 => Physical::Int64,
            FooterPhysical::INT96 => Physical::Int96,
            FooterPhysical::FLOAT => Physical::Float,
            FooterPhysical::DOUBLE => Physical::Double,
            FooterPhysical::BYTE_ARRAY => Physical::Binary,
            FooterPhysical::FIXED_LEN_BYTE_ARRAY => Physical::FixedLen(column.type_length()),
        };
        let unit = |unit: &TimeUnit| match unit {
            TimeUnit::MILLIS => Unit::Millis,
            TimeUnit::MICROS => Unit::Micros,
            _ => Unit::Nanos,
        };
        let decimal = || Annotation::Decimal {
            precision: column.type_precision().clamp(0, 255) as u8,
            scale: column.type_scale().clamp(0, 255) as u8,
        };
        let annotation = match column.logical_type_ref() {
            Some(logical) => match logical {
                LogicalType::String | LogicalType::Enum | LogicalType::Json | LogicalType::Bson => {
                    Annotation::Text
                }
                LogicalType::Integer(int) => Annotation::Integer {
                    bits: int.bit_width.clamp(0, 64) as u8,
                    signed: int.is_signed,
                },
                LogicalType::Decimal { .. } => decimal(),
                LogicalType::Date => Annotation::Date,
                LogicalType::Time(time) => Annotation::Time(unit(&time.unit)),
                LogicalType::Timestamp(time) => Annotation::Timestamp(unit(&time.unit)),
                LogicalType::Float16 => Annotation::Float16,
                LogicalType::Uuid => Annotation::Uuid,
                LogicalType::Unknown => Annotation::None,
                _ => Annotation::Other,
            },
            None => match column.converted_type() {
                ConvertedType::NONE => Annotation::None,
                ConvertedType::UTF8
                | ConvertedType::ENUM
                | ConvertedType::JSON
                | ConvertedType::BSON => Annotation::Text,
                ConvertedType::INT_8 => integer(8, true),
                ConvertedType::INT_16 => integer(16, true),
                ConvertedType::INT_32 => integer(32, true),
                ConvertedType::INT_64 => integer(64, true),
                ConvertedType::UINT_8 => integer(8, false),
                ConvertedType::UINT_16 => integer(16, false),
                ConvertedType::UINT_32 => integer(32, false),
                ConvertedType::UINT_64 => integer(64, false),
                ConvertedType::DECIMAL => decimal(),
                ConvertedType::DATE => Annotation::Date,
                ConvertedType::TIME_MILLIS => Annotation::Time(Unit::Millis),
                ConvertedType::TIME_MICROS => Annotation::Time(Unit::Micros),
                ConvertedType::TIMESTAMP_MILLIS => Annotation::Timestamp(Unit::Millis),
                ConvertedType::TIMESTAMP_MICROS => Annotation::Timestamp(Unit::Micros),
                ConvertedType::INTERVAL => Annotation::Interval,
                _ => Annotation::Other,
            },
        };
        ParquetType {
            physical,
            annotation,
        }
    }

    /// An integer's width and signedness, for the integer physical types.
    pub(crate) fn integer(&self) -> Option<(u8, bool)> {
        match (self.physical, self.annotation) {
            (Physical::Int32, Annotation::None) => Some((32, true)),
            (Physical::Int64, Annotation::None) => Some((64, true)),
            (Physical::Int32 | Physical::Int64, Annotation::Integer { bits, signed }) => {
                Some((bits, signed))
            }
            _ => None,
        }
    }

    /// Decimal digits an integer of this type may hold, and whether it reads as the signed
    /// value (unsigned 32 and 64-bit values are read as signed by Trino: wrong above 2^31).
    pub(crate) fn integer_digits(&self) -> Option<(u8, bool)> {
        let (bits, signed) = self.integer()?;
        let digits = match bits {
            8 => 3,
            16 => 5,
            32 => 10,
            _ => 20,
        };
        Some((digits, signed || bits < 32))
    }
}

fn integer(bits: u8, signed: bool) -> Annotation {
    Annotation::Integer { bits, signed }
}

impl fmt::Display for ParquetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let physical = match self.physical {
            Physical::Boolean => "BOOLEAN".to_string(),
            Physical::Int32 => "INT32".to_string(),
            Physical::Int64 => "INT64".to_string(),
            Physical::Int96 => "INT96".to_string(),
            Physical::Float => "FLOAT".to_string(),
            Physical::Double => "DOUBLE".to_string(),
            Physical::Binary => "BYTE_ARRAY".to_string(),
            Physical::FixedLen(length) => format!("FIXED_LEN_BYTE_ARRAY({length})"),
        };
        let unit = |unit: Unit| match unit {
            Unit::Millis => "MILLIS",
            Unit::Micros => "MICROS",
            Unit::Nanos => "NANOS",
        };
        match self.annotation {
            Annotation::None => write!(f, "{physical}"),
            Annotation::Text => write!(f, "{physical} (STRING)"),
            Annotation::Integer { bits, signed } => write!(
                f,
                "{physical} ({}INT_{bits})",
                if signed { "" } else { "U" }
            ),
            Annotation::Decimal { precision, scale } => {
                write!(f, "{physical} (DECIMAL({precision},{scale}))")
            }
            Annotation::Date => write!(f, "{physical} (DATE)"),
            Annotation::Time(u) => write!(f, "{physical} (TIME({}))", unit(u)),
            Annotation::Timestamp(u) => write!(f, "{physical} (TIMESTAMP({}))", unit(u)),
            Annotation::Float16 => write!(f, "{physical} (FLOAT16)"),
            Annotation::Uuid => write!(f, "{physical} (UUID)"),
            Annotation::Interval => write!(f, "{physical} (INTERVAL)"),
            Annotation::Other => write!(f, "{physical} (annotated)"),
        }
    }
}
