//! The read predictor against the engines' reader rules (catalog-facts §4 for Athena, §8 for
//! Spectrum): real files of every Parquet type the Arrow writer produces (and INT96 from
//! apache/parquet-testing), each judged under every declared type. The expected rows are
//! written out from §4's table, one letter a declared type: R reads, L reads with less
//! meaning, S fails on some values, G garbles, F fails.

mod common;

use std::sync::Arc;

use arrow_array::{RecordBatch, new_null_array};
use arrow_schema::{DataType, Field, Fields, Schema};
use glueprint::hive::HiveType;
use glueprint::infer::file_schema;
use glueprint::parquet_type::{ParquetType, Physical};
use glueprint::readers::{self, Engine, Read};
use parquet::file::reader::{FileReader, SerializedFileReader};

use common::read_matrix::{DECLARED, matrix};
use common::*;

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

fn row(file: &ParquetType, engine: Engine) -> String {
    DECLARED
        .iter()
        .map(|declared| letter(&engine.reads(file, &declared.parse().unwrap())))
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
            ("Athena", Engine::Athena, athena),
            ("Spectrum", Engine::Spectrum, spectrum),
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
        Physical::FixedLen(length) => length,
        _ => 0,
    }
}

/// INT96, which the Arrow writer does not write: Spark's timestamps from parquet-testing.
#[test]
fn int96_timestamps_read_as_timestamp_only() {
    let types = leaf_types(&parquet_testing().join("int96_from_spark.parquet"));
    let int96 = types
        .iter()
        .find(|t| t.physical == Physical::Int96)
        .expect("an INT96 column");
    assert_eq!(row(int96, Engine::Athena), "FFFFFFFFFFFFFFRF");
    assert_eq!(row(int96, Engine::Spectrum), "FFFFFFFFFFFFFFRF");
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
    let reads = readers::check_leaves(&schema.leaves, find, Engine::Athena);
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
    let spectrum = readers::check_leaves(&schema.leaves, find, Engine::Spectrum);
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
