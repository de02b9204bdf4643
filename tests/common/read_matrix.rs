//! The read predictor's matrix: every Parquet type the Arrow writer produces, and what
//! catalog-facts §4 (Athena) and §8 (Spectrum) say of it under each declared type, one letter a
//! declared type: R reads, L reads with less meaning, S fails on some values, G garbles, F
//! fails. Judged against `readers` in `read_predictor.rs` and against Trino in `engine.rs`.

use arrow_schema::{DataType, TimeUnit};

pub const DECLARED: [&str; 16] = [
    "tinyint",
    "smallint",
    "int",
    "bigint",
    "float",
    "double",
    "decimal(9,2)",
    "decimal(18,4)",
    "decimal(38,10)",
    "decimal(10,0)",
    "string",
    "varchar(10)",
    "binary",
    "date",
    "timestamp",
    "boolean",
];

/// (Arrow type written, Athena row, Spectrum row), declared types in the order of `DECLARED`.
pub fn matrix() -> Vec<(&'static str, DataType, &'static str, &'static str)> {
    use DataType as D;
    let ts = |unit, zone: Option<&str>| D::Timestamp(unit, zone.map(Into::into));
    vec![
        (
            "INT32 (INT_8)",
            D::Int8,
            "RRRRGFRRFRFFFFFF",
            "RFFFFFFFFFFFFFFF",
        ),
        (
            "INT32 (INT_16)",
            D::Int16,
            "SRRRGFRRFRFFFFFF",
            "FRFFFFFFFFFFFFFF",
        ),
        ("INT32", D::Int32, "SSRRGFSRFRFFFLFF", "FFRFFFFFFFFFFFFF"),
        ("INT64", D::Int64, "SSSRGFFFFFFFFFFF", "FFFRFFFFFFFFFFFF"),
        (
            "INT32 (UINT_8)",
            D::UInt8,
            "SRRRGFRRFRFFFFFF",
            "FRFFFFFFFFFFFFFF",
        ),
        (
            "INT32 (UINT_16)",
            D::UInt16,
            "SSRRGFRRFRFFFFFF",
            "FFRFFFFFFFFFFFFF",
        ),
        (
            "INT32 (UINT_32)",
            D::UInt32,
            "GGGGGFGGFGFFFFFF",
            "FFFRFFFFFFFFFFFF",
        ),
        (
            "INT64 (UINT_64)",
            D::UInt64,
            "GGGGGFFFFFFFFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "FLBA(2) (FLOAT16)",
            D::Float16,
            "FFFFFFFFFFGGRFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        ("FLOAT", D::Float32, "FFFFRRFFFFFFFFFF", "FFFFRFFFFFFFFFFF"),
        ("DOUBLE", D::Float64, "FFFFFRFFFFFFFFFF", "FFFFFRFFFFFFFFFF"),
        (
            "INT32 (DECIMAL(9,2))",
            D::Decimal128(9, 2),
            "FFFFFFRRRLFFFFFF",
            "FFFFFFRFFFFFFFFF",
        ),
        (
            "INT64 (DECIMAL(18,4))",
            D::Decimal128(18, 4),
            "FFFFFFSRRSFFFFFF",
            "FFFFFFFRFFFFFFFF",
        ),
        (
            "FLBA(16) (DECIMAL(38,10))",
            D::Decimal128(38, 10),
            "FFFFFFSSRSGGFFFF",
            "FFFFFFFFRFFFFFFF",
        ),
        (
            "INT64 (DECIMAL(10,0))",
            D::Decimal128(10, 0),
            "SSSRGFSRRRFFFFFF",
            "FFFFFFFFFRFFFFFF",
        ),
        (
            "INT32 (DECIMAL(5,0))",
            D::Decimal128(5, 0),
            "SSRRGFRRRRFFFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "FLBA (DECIMAL(50,10))",
            D::Decimal256(50, 10),
            "FFFFFFFFFFGGFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "BYTE_ARRAY (STRING)",
            D::Utf8,
            "FFFFFFFFFFRLRFFF",
            "FFFFFFFFFFRFFFFF",
        ),
        (
            "BYTE_ARRAY",
            D::Binary,
            "FFFFFFFFFFRLRFFF",
            "FFFFFFFFFFFFRFFF",
        ),
        (
            "FLBA(16)",
            D::FixedSizeBinary(16),
            "FFFFFFFFFFRFRFFF",
            "FFFFFFFFFFFFRFFF",
        ),
        (
            "INT32 (DATE)",
            D::Date32,
            "FFFFFFFFFFFFFRFF",
            "FFFFFFFFFFFFFRFF",
        ),
        (
            "INT32 (TIME(MILLIS))",
            D::Time32(TimeUnit::Millisecond),
            "FFFFFFFFFFFFFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "INT64 (TIME(MICROS))",
            D::Time64(TimeUnit::Microsecond),
            "FFFLFFFFFFFFFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "INT64 (TIME(NANOS))",
            D::Time64(TimeUnit::Nanosecond),
            "FFFLFFFFFFFFFFFF",
            "FFFFFFFFFFFFFFFF",
        ),
        (
            "INT64 (TIMESTAMP(MILLIS))",
            ts(TimeUnit::Millisecond, None),
            "FFFLFFFFFFFFFFRF",
            "FFFFFFFFFFFFFFRF",
        ),
        (
            "INT64 (TIMESTAMP(MICROS))",
            ts(TimeUnit::Microsecond, None),
            "FFFLFFFFFFFFFFRF",
            "FFFFFFFFFFFFFFRF",
        ),
        (
            "INT64 (TIMESTAMP(NANOS))",
            ts(TimeUnit::Nanosecond, None),
            "FFFLFFFFFFFFFFRF",
            "FFFFFFFFFFFFFFGF",
        ),
        (
            "INT64 (TIMESTAMP(MICROS), UTC)",
            ts(TimeUnit::Microsecond, Some("UTC")),
            "FFFLFFFFFFFFFFRF",
            "FFFFFFFFFFFFFFRF",
        ),
        (
            "BOOLEAN",
            D::Boolean,
            "FFFFFFFFFFFFFFFR",
            "FFFFFFFFFFFFFFFR",
        ),
    ]
}
