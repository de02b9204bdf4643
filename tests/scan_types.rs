//! Parquet → Glue type mapping, through the binary, on files written with the Arrow writer and
//! on files from writers the project did not write (apache/parquet-testing).

mod common;

use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, TimeUnit};
use common::*;

fn map_of(key: DataType, value: DataType) -> DataType {
    let entries = Fields::from(vec![
        Field::new("key", key, false),
        Field::new("value", value, true),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    )
}

fn list_of(element: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", element, true)))
}

#[test]
fn every_arrow_type_maps_to_the_expected_glue_type() {
    let lake = tempfile::tempdir().unwrap();
    let inner = DataType::Struct(Fields::from(vec![col(
        "m",
        map_of(
            DataType::Utf8,
            list_of(DataType::Struct(Fields::from(vec![col(
                "x",
                DataType::Decimal128(5, 1),
            )]))),
        ),
    )]));
    let fields = vec![
        col("i8", DataType::Int8),
        col("i16", DataType::Int16),
        col("i32", DataType::Int32),
        col("i64", DataType::Int64),
        col("u8", DataType::UInt8),
        col("u16", DataType::UInt16),
        col("u32", DataType::UInt32),
        col("u64", DataType::UInt64),
        col("f16", DataType::Float16),
        col("f32", DataType::Float32),
        col("f64", DataType::Float64),
        col("flag", DataType::Boolean),
        col("s", DataType::Utf8),
        col("ls", DataType::LargeUtf8),
        col("b", DataType::Binary),
        col("fb", DataType::FixedSizeBinary(16)),
        col("d32", DataType::Date32),
        col("d64", DataType::Date64),
        col("ts_s", DataType::Timestamp(TimeUnit::Second, None)),
        col(
            "ts_ms",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ),
        col("ts_us", DataType::Timestamp(TimeUnit::Microsecond, None)),
        col("ts_ns", DataType::Timestamp(TimeUnit::Nanosecond, None)),
        col("t_ms", DataType::Time32(TimeUnit::Millisecond)),
        col("t_us", DataType::Time64(TimeUnit::Microsecond)),
        col("dur", DataType::Duration(TimeUnit::Millisecond)),
        col("dec", DataType::Decimal128(10, 2)),
        col("big_dec", DataType::Decimal256(50, 4)),
        col(
            "dict",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
        ),
        col("ints", list_of(DataType::Int32)),
        col(
            "big_list",
            DataType::LargeList(Arc::new(Field::new("item", DataType::Utf8, true))),
        ),
        col("m", map_of(DataType::Utf8, DataType::Int64)),
        col(
            "nested",
            DataType::Struct(Fields::from(vec![
                col("a", DataType::Int32),
                col("inner", inner),
            ])),
        ),
        col("nothing", DataType::Null),
    ];
    write_schema_file(lake.path(), "types/all.parquet", fields, 3);

    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2, "unreadable types are errors: {document:#}");
    let types = table(&document, "types");
    assert_eq!(
        columns(types),
        pairs(&[
            ("i8", "tinyint"),
            ("i16", "smallint"),
            ("i32", "int"),
            ("i64", "bigint"),
            ("u8", "smallint"),
            ("u16", "int"),
            ("u32", "bigint"),
            ("f32", "float"),
            ("f64", "double"),
            ("flag", "boolean"),
            ("s", "string"),
            ("ls", "string"),
            ("b", "binary"),
            ("fb", "binary"),
            ("d32", "date"),
            // arrow-rs stores both as plain INT64; Athena reads the Parquet type.
            ("d64", "bigint"),
            ("ts_s", "bigint"),
            ("ts_ms", "timestamp"),
            ("ts_us", "timestamp"),
            ("ts_ns", "timestamp"),
            ("t_us", "bigint"),
            ("dur", "bigint"),
            ("dec", "decimal(10,2)"),
            ("dict", "string"),
            ("ints", "array<int>"),
            ("big_list", "array<string>"),
            ("m", "map<string,bigint>"),
            (
                "nested",
                "struct<a:int,inner:struct<m:map<string,array<struct<x:decimal(5,1)>>>>>"
            ),
        ])
    );
    let found: Vec<(String, String)> = problems(types)
        .into_iter()
        .map(|(kind, message, objects)| {
            assert_eq!(objects.len(), 1, "{message}");
            assert!(objects[0].ends_with("types/all.parquet"), "{objects:?}");
            let path = message.split('`').nth(1).unwrap_or_default().to_string();
            (kind, path)
        })
        .collect();
    assert_eq!(
        found,
        pairs(&[
            ("uint32", "u32"),
            ("unreadable_type", "u64"),
            ("unreadable_type", "f16"),
            ("plain_integer", "d64"),
            ("plain_integer", "ts_s"),
            ("nanosecond_timestamp", "ts_ns"),
            ("unreadable_type", "t_ms"),
            ("time_type", "t_us"),
            ("duration_type", "dur"),
            ("unreadable_type", "big_dec"),
            ("null_only_column", "nothing"),
        ])
    );
}

#[test]
fn int96_timestamps_from_spark_are_plain_timestamps() {
    let (code, document) = scan_parquet_testing_file("int96_from_spark.parquet");
    assert_eq!(code, 0, "{document:#}");
    let t = &document["tables"][0];
    assert_eq!(columns(t), pairs(&[("a", "timestamp")]));
    assert_eq!(
        problems(t),
        vec![],
        "INT96 is what Spark writes and Athena reads"
    );
}

#[test]
fn legacy_lists_and_maps_follow_the_parquet_compatibility_rules() {
    let expectations = [
        // A two-level list: `repeated group array { ... }` inside a LIST group.
        (
            "old_list_structure.parquet",
            vec![("a", "array<array<int>>")],
        ),
        // A repeated group with no LIST annotation at all.
        (
            "repeated_no_annotation.parquet",
            vec![
                ("id", "int"),
                (
                    "phoneNumbers",
                    "struct<phone:array<struct<number:bigint,kind:string>>>",
                ),
            ],
        ),
        (
            "nested_maps.snappy.parquet",
            vec![
                ("a", "map<string,map<int,boolean>>"),
                ("b", "int"),
                ("c", "double"),
            ],
        ),
    ];
    for (file, expected) in expectations {
        let (_, document) = scan_parquet_testing_file(file);
        assert_eq!(
            columns(&document["tables"][0]),
            pairs(&expected),
            "{file}: {document:#}"
        );
    }
}

/// Scans one parquet-testing file in place, as the only file of a one-table lake made of
/// a symlink, so the shared folder is never copied.
fn scan_parquet_testing_file(file: &str) -> (i32, serde_json::Value) {
    let lake = tempfile::tempdir().unwrap();
    std::fs::create_dir(lake.path().join("t")).unwrap();
    std::os::unix::fs::symlink(
        parquet_testing().join(file),
        lake.path().join("t").join(file),
    )
    .unwrap();
    scan_json(lake.path(), &[])
}

/// Struct fields whose names Athena's type parser cannot carry are left out and reported, the
/// others kept; spaced names stay, raw.
#[test]
fn unwritable_struct_field_names_are_left_out_and_reported() {
    let lake = tempfile::tempdir().unwrap();
    let props = DataType::Struct(Fields::from(vec![
        col("CT Source", DataType::Utf8),
        col("utm-campaign", DataType::Utf8),
        col("Price (USD)", DataType::Float64),
        col("Größe", DataType::Int32),
    ]));
    write_schema_file(
        lake.path(),
        "charged/a.parquet",
        vec![col("eventProps", props), col("Top-Level", DataType::Utf8)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2, "{document:#}");
    let charged = table(&document, "charged");
    assert_eq!(
        columns(charged),
        pairs(&[
            ("eventProps", "struct<CT Source:string,Größe:int>"),
            ("Top-Level", "string"),
        ])
    );
    let found: Vec<(String, String)> = problems(charged)
        .into_iter()
        .map(|(kind, message, objects)| {
            assert!(objects[0].ends_with("charged/a.parquet"), "{objects:?}");
            (kind, message)
        })
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "unwritable_name");
    assert!(
        found[0]
            .1
            .starts_with("`eventProps.utm-campaign` cannot be declared because it holds `-`"),
        "{}",
        found[0].1
    );
    assert!(
        found[1].1.starts_with("`eventProps.Price (USD)`"),
        "{}",
        found[1].1
    );
}

/// parquet-avro writes enums as BYTE_ARRAY annotated ENUM: their text, so `string`.
#[test]
fn avro_enums_are_strings() {
    use parquet::file::writer::SerializedFileWriter;
    let lake = tempfile::tempdir().unwrap();
    let schema = parquet::schema::parser::parse_message_type(
        "message avro { required binary kind (ENUM); optional binary raw; }",
    )
    .unwrap();
    std::fs::create_dir_all(lake.path().join("t")).unwrap();
    let file = std::fs::File::create(lake.path().join("t/a.parquet")).unwrap();
    SerializedFileWriter::new(file, Arc::new(schema), Default::default())
        .unwrap()
        .close()
        .unwrap();
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(
        columns(table(&document, "t")),
        pairs(&[("kind", "string"), ("raw", "binary")])
    );
}

/// A footer whose embedded Arrow schema cannot be used falls back to the Parquet schema, the
/// one Athena reads, with a warning: the file is not dropped.
#[test]
fn an_unusable_embedded_arrow_schema_falls_back_to_the_parquet_schema() {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_writer::ArrowWriterOptions;
    let lake = tempfile::tempdir().unwrap();
    let schema = Arc::new(arrow_schema::Schema::new(vec![
        col("id", DataType::Utf8),
        col("amount", DataType::Int64),
    ]));
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "ARROW:schema".into(),
            "this is not base64!".to_string(),
        )]))
        .build();
    let options = ArrowWriterOptions::new()
        .with_skip_arrow_metadata(true)
        .with_properties(properties);
    std::fs::create_dir_all(lake.path().join("t")).unwrap();
    let file = std::fs::File::create(lake.path().join("t/a.parquet")).unwrap();
    ArrowWriter::try_new_with_options(file, schema, options)
        .unwrap()
        .close()
        .unwrap();
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 0, "a warning, not an error: {document:#}");
    let t = table(&document, "t");
    assert_eq!(columns(t), pairs(&[("id", "string"), ("amount", "bigint")]));
    let found = problems(t);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "arrow_schema_ignored");
}

/// What Glue cannot hold is reported and left out, so onboard never writes YAML plan refuses.
#[test]
fn unnamed_columns_and_maps_keyed_by_structs_are_reported_and_left_out() {
    let lake = tempfile::tempdir().unwrap();
    let struct_key = DataType::Struct(Fields::from(vec![Field::new("a", DataType::Int32, false)]));
    let entries = Fields::from(vec![
        Field::new("key", struct_key, false),
        Field::new("value", DataType::Int64, true),
    ]);
    let map = DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(entries), false)),
        false,
    );
    write_schema_file(
        lake.path(),
        "t/a.parquet",
        vec![
            col("", DataType::Utf8),
            col("by_struct", map),
            col("ok", DataType::Int32),
        ],
        0,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2, "{document:#}");
    let t = table(&document, "t");
    assert_eq!(columns(t), pairs(&[("ok", "int")]));
    let kinds: Vec<String> = problems(t).into_iter().map(|(kind, _, _)| kind).collect();
    assert_eq!(kinds, ["unnamed_column", "map_key_not_primitive"]);
}
