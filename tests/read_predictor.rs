//! The read predictor against the engines' reader rules (catalog-facts §4 for Athena, §8 for
//! Spectrum): real files of every Parquet type the Arrow writer produces (and INT96 from
//! apache/parquet-testing), each judged under every declared type. The expected rows are
//! written out from §4's table, one letter a declared type: R reads, L reads with less
//! meaning, S fails on some values, G garbles, F fails.

mod common;

use std::sync::Arc;

use arrow_array::{RecordBatch, new_null_array};
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use glueprint::hive::HiveType;
use glueprint::infer::file_schema;
use glueprint::readers::{self, ParquetType, Read};
use parquet::file::reader::{FileReader, SerializedFileReader};

use common::*;

const DECLARED: [&str; 16] = [
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
fn matrix() -> Vec<(&'static str, DataType, &'static str, &'static str)> {
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
            "SSSRFFSRRRFFFFFF",
            "FFFFFFFFFRFFFFFF",
        ),
        (
            "INT32 (DECIMAL(5,0))",
            D::Decimal128(5, 0),
            "SSRRFFRRRRFFFFFF",
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

fn letter(read: &Read) -> char {
    match read {
        Read::Reads => 'R',
        Read::Lossy(_) => 'L',
        Read::FailsOnSome(_) => 'S',
        Read::Garbles(_) => 'G',
        Read::Fails => 'F',
    }
}

/// The Parquet types of a file's leaves, as the scan reads them from the footer.
fn leaf_types(path: &std::path::Path) -> Vec<ParquetType> {
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = file_schema(reader.metadata()).unwrap();
    schema.leaves.iter().map(|leaf| leaf.parquet).collect()
}

fn row(file: &ParquetType, judge: fn(&ParquetType, &HiveType) -> Read) -> String {
    DECLARED
        .iter()
        .map(|declared| letter(&judge(file, &declared.parse().unwrap())))
        .collect()
}

#[test]
fn every_parquet_type_under_every_declared_type_reads_as_the_readers_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut disagreements = Vec::new();
    let mut pairs = 0;
    let mut cases = matrix();
    for (index, (name, data_type, athena, spectrum)) in cases.drain(..).enumerate() {
        let field = Field::new("c", data_type.clone(), true);
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![field])),
            vec![new_null_array(&data_type, 1)],
        )
        .unwrap();
        let path = write_batch(dir.path(), &format!("t/{index}.parquet"), &batch);
        let types = leaf_types(&path);
        assert_eq!(types.len(), 1, "{name}");
        assert_eq!(
            types[0].to_string(),
            name.replace("FLBA(", "FIXED_LEN_BYTE_ARRAY(")
                .replace(
                    "FLBA (",
                    &format!("FIXED_LEN_BYTE_ARRAY({}) (", fixed_length(&types[0]))
                )
                .replace(", UTC", ""),
            "the file's Parquet type"
        );
        for (engine, judge, expected) in [
            (
                "Athena",
                readers::athena as fn(&ParquetType, &HiveType) -> Read,
                athena,
            ),
            ("Spectrum", readers::spectrum, spectrum),
        ] {
            let found = row(&types[0], judge);
            pairs += DECLARED.len();
            for ((declared, want), got) in DECLARED.iter().zip(expected.chars()).zip(found.chars())
            {
                if want != got {
                    disagreements.push(format!(
                        "{engine}: {name} declared {declared}: expected {want}, predicted {got}"
                    ));
                }
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {pairs} pairs disagree with catalog-facts §4/§8:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

fn fixed_length(file: &ParquetType) -> i32 {
    match file.physical {
        readers::Storage::FixedLen(length) => length,
        _ => 0,
    }
}

/// INT96, which the Arrow writer does not write: Spark's timestamps from parquet-testing.
#[test]
fn int96_timestamps_read_as_timestamp_only() {
    let types = leaf_types(&parquet_testing().join("int96_from_spark.parquet"));
    let int96 = types
        .iter()
        .find(|t| t.physical == readers::Storage::Int96)
        .expect("an INT96 column");
    assert_eq!(row(int96, readers::athena), "FFFFFFFFFFFFFFRF");
    assert_eq!(row(int96, readers::spectrum), "FFFFFFFFFFFFFFRF");
}

/// Inside structs, lists and maps the same rules apply leaf by leaf, at the leaf's path.
#[test]
fn nested_leaves_are_judged_at_their_paths() {
    let props = Fields::from(vec![
        Field::new("u", DataType::UInt32, true),
        Field::new("n", DataType::Int64, true),
        Field::new("price", DataType::Decimal128(12, 4), true),
        Field::new("extra", DataType::Utf8, true),
    ]);
    let tags = Field::new("item", DataType::Int64, true);
    let fields = vec![
        Field::new("props", DataType::Struct(props), true),
        Field::new("tags", DataType::List(Arc::new(tags)), true),
        Field::new("flat", DataType::Int32, true),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = write_schema_file(dir.path(), "t/a.parquet", fields, 1);
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = file_schema(reader.metadata()).unwrap();
    let declared: Vec<(&str, HiveType)> = vec![
        (
            "props",
            "struct<u:bigint,n:int,price:decimal(12,2)>"
                .parse()
                .unwrap(),
        ),
        ("tags", "array<int>".parse().unwrap()),
        ("flat", "struct<a:int>".parse().unwrap()),
    ];
    let find = |name: &str| declared.iter().find(|(n, _)| *n == name).map(|(_, t)| t);
    let reads = readers::check_leaves(&schema.leaves, find, readers::athena);
    let found: Vec<(String, char)> = reads
        .iter()
        .map(|r| (r.path.clone(), letter(&r.read)))
        .collect();
    assert_eq!(
        found,
        vec![
            ("props.u".to_string(), 'G'),
            ("props.n".to_string(), 'S'),
            ("props.price".to_string(), 'L'),
            ("tags[]".to_string(), 'S'),
            ("flat".to_string(), 'F'),
        ],
        "the undeclared field `extra` is not judged"
    );
    let spectrum = readers::check_leaves(&schema.leaves, find, readers::spectrum);
    let found: Vec<(&str, char)> = spectrum
        .iter()
        .map(|r| (r.path.as_str(), letter(&r.read)))
        .collect();
    assert_eq!(
        found,
        vec![
            ("props.n", 'F'),
            ("props.price", 'F'),
            ("tags[]", 'F'),
            ("flat", 'F')
        ]
    );
}
