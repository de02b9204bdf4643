//! Scanning whole lakes: schemas merged over days, conflicts, broken files, odd layouts, and
//! what the scan reads.

mod common;

use std::io::Write;
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema};
use common::*;

fn device(fields: Vec<Field>) -> Field {
    col("deviceInfo", DataType::Struct(Fields::from(fields)))
}

#[test]
fn schemas_evolving_over_days_merge_with_widening_and_report_conflicts() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path();
    // Day 1: the first shape.
    write_schema_file(
        root,
        "app_launched/dt=2020-09-19/part-0.parquet",
        vec![
            col("eventName", DataType::Utf8),
            col("amount", DataType::Int32),
            device(vec![col("make", DataType::Utf8)]),
            col("coupon", DataType::Null),
        ],
        2,
    );
    // Day 2: amount widens to bigint, a struct field and a column appear, case differs.
    write_schema_file(
        root,
        "app_launched/dt=2020-09-20/part-0.parquet",
        vec![
            col("EventName", DataType::Utf8),
            col("amount", DataType::Int64),
            device(vec![
                col("make", DataType::Utf8),
                col("dpi", DataType::Int32),
            ]),
            col("coupon", DataType::Utf8),
            col("score", DataType::Float32),
        ],
        2,
    );
    // Day 3 (two files): amount arrives as a string, and dpi as a string: real conflicts.
    for part in ["part-0", "part-1"] {
        write_schema_file(
            root,
            &format!("app_launched/dt=2020-09-21/{part}.parquet"),
            vec![
                col("eventName", DataType::Utf8),
                col("amount", DataType::Utf8),
                device(vec![col("dpi", DataType::Utf8)]),
                col("score", DataType::Float64),
            ],
            2,
        );
    }

    let (code, document) = scan_json(root, &[]);
    assert_eq!(code, 2, "conflicts are errors: {document:#}");
    let t = table(&document, "app_launched");
    assert_eq!(t["files"], 4);
    assert_eq!(
        columns(t),
        pairs(&[
            ("eventName", "string"),
            ("amount", "bigint"),
            ("deviceInfo", "struct<make:string,dpi:int>"),
            ("coupon", "string"),
            ("score", "double"),
        ])
    );
    let location = |key: &str| format!("{}/app_launched/{key}", root.display());
    assert_eq!(
        problems(t),
        vec![
            (
                "type_conflict".to_string(),
                "`amount` is bigint in 2 file(s) and string in 2 file(s), and no Glue type reads \
                 both; the table keeps bigint: rewrite the other files, or declare the column by \
                 hand"
                    .to_string(),
                vec![
                    location("dt=2020-09-19/part-0.parquet"),
                    location("dt=2020-09-20/part-0.parquet"),
                    location("dt=2020-09-21/part-0.parquet"),
                    location("dt=2020-09-21/part-1.parquet"),
                ],
            ),
            (
                "type_conflict".to_string(),
                "`deviceInfo.dpi` is int in 1 file(s) and string in 2 file(s), and no Glue type \
                 reads both; the table keeps int: rewrite the other files, or declare the column \
                 by hand"
                    .to_string(),
                vec![
                    location("dt=2020-09-20/part-0.parquet"),
                    location("dt=2020-09-21/part-0.parquet"),
                    location("dt=2020-09-21/part-1.parquet"),
                ],
            ),
        ]
    );
    assert_eq!(
        t["partition_keys"],
        serde_json::json!([{"name": "dt", "type": "string"}])
    );
    let partitions: Vec<(String, String)> = t["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["values"][0].as_str().unwrap().to_string(),
                p["location"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        partitions,
        vec![
            ("2020-09-19".into(), location("dt=2020-09-19/")),
            ("2020-09-20".into(), location("dt=2020-09-20/")),
            ("2020-09-21".into(), location("dt=2020-09-21/")),
        ]
    );
}

#[test]
fn a_column_null_in_every_file_is_left_out_and_reported() {
    let lake = tempfile::tempdir().unwrap();
    for day in ["19", "20"] {
        write_schema_file(
            lake.path(),
            &format!("e/dt=2020-09-{day}/x.parquet"),
            vec![
                col("id", DataType::Utf8),
                col("never", DataType::Null),
                col(
                    "props",
                    DataType::Struct(Fields::from(vec![
                        col("known", DataType::Int32),
                        col("unknown", DataType::Null),
                    ])),
                ),
            ],
            1,
        );
    }
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 0, "{document:#}");
    let t = table(&document, "e");
    assert_eq!(
        columns(t),
        pairs(&[("id", "string"), ("props", "struct<known:int>")])
    );
    let kinds: Vec<(String, usize)> = problems(t)
        .into_iter()
        .map(|(kind, message, objects)| {
            assert!(
                message.contains("holds only nulls in every file"),
                "{message}"
            );
            (kind, objects.len())
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("null_only_column".to_string(), 2),
            ("null_only_column".to_string(), 2)
        ]
    );
}

#[test]
fn two_columns_differing_only_in_case_are_a_conflict() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "e/x.parquet",
        vec![col("Name", DataType::Utf8), col("name", DataType::Utf8)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let found = problems(table(&document, "e"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "case_duplicate");
    assert!(
        found[0].1.contains("`name` and `Name` differ only in case"),
        "{}",
        found[0].1
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn unreadable_files_are_reported_by_key_and_the_rest_still_scans() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path();
    let good = write_schema_file(
        root,
        "charged/dt=2020-09-19/good.parquet",
        vec![col("amount", DataType::Int64)],
        10,
    );
    let good_bytes = std::fs::read(&good).unwrap();
    write_bytes(root, "charged/dt=2020-09-19/empty.parquet", b"");
    write_bytes(
        root,
        "charged/dt=2020-09-19/truncated.parquet",
        &good_bytes[..good_bytes.len() - 20],
    );
    write_bytes(
        root,
        "charged/dt=2020-09-19/export.parquet.gzip",
        &gzip(&good_bytes),
    );
    write_bytes(
        root,
        "charged/dt=2020-09-19/notes.parquet",
        b"eventName,amount\nCharged,12\nCharged,13\n",
    );
    write_bytes(root, "charged/dt=2020-09-19/tiny.parquet", b"PAR1");
    // Other exporters' whole-file compressions, known by their magic bytes.
    write_bytes(
        root,
        "charged/dt=2020-09-19/export.parquet.zst",
        b"\x28\xb5\x2f\xfd compressed frames",
    );
    write_bytes(
        root,
        "charged/dt=2020-09-19/export.parquet.bz2",
        b"BZh91AY&SY compressed blocks",
    );
    // A footer length pointing before the start of the file.
    let mut lying = good_bytes.clone();
    let len = lying.len();
    lying[len - 8..len - 4].copy_from_slice(&(1_000_000u32).to_le_bytes());
    write_bytes(root, "charged/dt=2020-09-19/lying.parquet", &lying);
    // Garbage where the footer should be, with a valid tail.
    let mut corrupt = good_bytes.clone();
    let footer_len = u32::from_le_bytes(corrupt[len - 8..len - 4].try_into().unwrap()) as usize;
    for byte in &mut corrupt[len - 8 - footer_len..len - 8] {
        *byte = 0xff;
    }
    write_bytes(root, "charged/dt=2020-09-19/corrupt.parquet", &corrupt);

    let (code, document) = scan_json(root, &[]);
    assert_eq!(code, 2, "{document:#}");
    let t = table(&document, "charged");
    assert_eq!(columns(t), pairs(&[("amount", "bigint")]));
    assert_eq!(t["files"], 10);
    let found: Vec<(String, String)> = problems(t)
        .into_iter()
        .map(|(kind, message, objects)| {
            let key = objects[0].rsplit('/').next().unwrap().to_string();
            assert!(
                message.starts_with(&format!("charged/dt=2020-09-19/{key} ")),
                "the message names the object: {message}"
            );
            (kind, key)
        })
        .collect();
    assert_eq!(
        found,
        pairs(&[
            ("corrupt_footer", "corrupt.parquet"),
            ("empty_file", "empty.parquet"),
            ("compressed_file", "export.parquet.bz2"),
            ("gzip_wrapped", "export.parquet.gzip"),
            ("compressed_file", "export.parquet.zst"),
            ("truncated_file", "lying.parquet"),
            ("not_parquet", "notes.parquet"),
            ("not_parquet", "tiny.parquet"),
            ("not_parquet", "truncated.parquet"),
        ])
    );
    let messages: Vec<String> = problems(t).into_iter().map(|p| p.1).collect();
    for compressed in [2, 3, 4] {
        assert!(
            messages[compressed].contains("decompress it"),
            "{}",
            messages[compressed]
        );
    }
    assert!(messages[2].contains("bzip2-compressed"), "{}", messages[2]);
    assert!(messages[4].contains("zstd-compressed"), "{}", messages[4]);
    assert!(
        messages[6].contains("last bytes 2c 31 33 0a"),
        "{}",
        messages[6]
    );
}

#[test]
fn encrypted_footers_are_reported_not_fatal() {
    let lake = tempfile::tempdir().unwrap();
    let source = parquet_testing().join("encrypted/encrypt_columns_and_footer.parquet.encrypted");
    std::fs::create_dir(lake.path().join("secret")).unwrap();
    std::os::unix::fs::symlink(&source, lake.path().join("secret/x.parquet")).unwrap();
    let plaintext =
        parquet_testing().join("encrypted/encrypt_columns_plaintext_footer.parquet.encrypted");
    std::os::unix::fs::symlink(&plaintext, lake.path().join("secret/y.parquet")).unwrap();
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let t = table(&document, "secret");
    let found: Vec<(String, String)> = problems(t)
        .into_iter()
        .map(|(kind, _, objects)| (kind, objects[0].rsplit('/').next().unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        pairs(&[
            ("encrypted_footer", "x.parquet"),
            // A plaintext footer gives a schema, but Athena cannot read the columns.
            ("encrypted_columns", "y.parquet"),
        ])
    );
    assert!(columns(t).is_empty());
}

/// Other writers' files in the two codecs Trino has no decompressor for (the engine tests ask
/// Trino itself): reported per file, beside a snappy file whose schema still counts.
#[test]
fn codecs_athena_cannot_read_are_reported() {
    let lake = tempfile::tempdir().unwrap();
    std::fs::create_dir(lake.path().join("t")).unwrap();
    for (source, name) in [
        ("lz4_raw_compressed.parquet", "a.parquet"),
        ("large_string_map.brotli.parquet", "b.parquet"),
        ("hadoop_lz4_compressed.parquet", "c.parquet"),
    ] {
        std::os::unix::fs::symlink(
            parquet_testing().join(source),
            lake.path().join("t").join(name),
        )
        .unwrap();
    }
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let t = table(&document, "t");
    let found: Vec<(String, String)> = problems(t)
        .into_iter()
        .map(|(kind, message, _)| (kind, message))
        .collect();
    assert_eq!(
        found,
        pairs(&[
            (
                "engine_unreadable_codec",
                "t/a.parquet compresses its pages with LZ4_RAW, which Athena's Parquet reader \
                 (Trino) cannot decompress: every query that reads the table fails; write it \
                 with snappy, gzip or zstd"
            ),
            (
                "engine_unreadable_codec",
                "t/b.parquet compresses its pages with BROTLI, which Athena's Parquet reader \
                 (Trino) cannot decompress: every query that reads the table fails; write it \
                 with snappy, gzip or zstd"
            ),
        ])
    );
    assert!(!columns(t).is_empty(), "the Hadoop LZ4 file is read");
}

#[test]
fn folder_layouts_that_do_not_agree_are_reported_never_guessed() {
    let lake = tempfile::tempdir().unwrap();
    let root = lake.path();
    let fields = || vec![col("id", DataType::Utf8)];
    write_schema_file(root, "t/dt=2020-09-19/a.parquet", fields(), 1);
    write_schema_file(root, "t/dt=2020-09-20/a.parquet", fields(), 1);
    write_schema_file(root, "t/date=2020-09-21/a.parquet", fields(), 1);
    write_schema_file(root, "t/stray.parquet", fields(), 1);
    write_schema_file(root, "t/2020/09/22/a.parquet", fields(), 1);
    write_bytes(root, "t/dt=2020-09-19/_SUCCESS", b"");
    write_bytes(root, "t/dt=2020-09-19/.a.parquet.crc", b"crc");
    write_bytes(root, "t/_temporary/0/a.parquet", b"half written");
    write_schema_file(root, "loose.parquet", fields(), 1);

    let (code, document) = scan_json(root, &[]);
    assert_eq!(code, 2, "{document:#}");
    let t = table(&document, "t");
    assert_eq!(
        t["partition_keys"],
        serde_json::json!([{"name": "dt", "type": "string"}])
    );
    assert_eq!(t["partitions"].as_array().unwrap().len(), 2);
    let found: Vec<(String, Vec<String>)> = problems(t)
        .into_iter()
        .map(|(kind, _, objects)| {
            let keys = objects
                .iter()
                .map(|o| o.split("/t/").nth(1).unwrap().to_string())
                .collect();
            (kind, keys)
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("file_at_table_root".into(), vec!["stray.parquet".into()]),
            (
                "not_hive_partition_folder".into(),
                vec!["2020/09/22/a.parquet".into()]
            ),
            (
                "partition_keys_mismatch".into(),
                vec!["date=2020-09-21/a.parquet".into()]
            ),
        ]
    );
    let lake_problems = document["problems"].as_array().unwrap();
    assert_eq!(lake_problems.len(), 1);
    assert_eq!(lake_problems[0]["kind"], "file_outside_tables");
    assert_eq!(lake_problems[0]["severity"], "warning");
    assert_eq!(document["stats"]["objects_listed"], 9);
    assert_eq!(document["stats"]["objects_skipped"], 3);
    assert_eq!(document["stats"]["files_read"], 5);
}

#[test]
fn partition_keys_repeating_a_column_are_an_error() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "t/dt=2020-09-19/a.parquet",
        vec![col("DT", DataType::Utf8)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let found = problems(table(&document, "t"));
    assert_eq!(found[0].0, "partition_key_is_column");
}

#[test]
fn only_footer_bytes_are_read_from_a_large_file() {
    let lake = tempfile::tempdir().unwrap();
    let rows = 1_000_000;
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)])),
        vec![Arc::new(Int64Array::from_iter_values(0..rows))],
    )
    .unwrap();
    let file = write_batch(lake.path(), "big/dt=2020-09-19/x.parquet", &batch);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 4_000_000, "the data file is large: {size}");

    let (_, document) = scan_json(lake.path(), &[]);
    assert_eq!(document["stats"]["requests"], 1);
    let read = document["stats"]["bytes_read"].as_u64().unwrap();
    assert_eq!(
        read,
        64 * 1024,
        "one 64 KiB suffix read of a {size}-byte file"
    );

    let (_, document) = scan_json(lake.path(), &["--prefetch", "64"]);
    assert_eq!(
        document["stats"]["requests"], 2,
        "a footer over 64 bytes takes a second read"
    );
    let read = document["stats"]["bytes_read"].as_u64().unwrap();
    assert!(read < 64 * 1024, "only the footer: {read} bytes");
}

#[test]
fn a_wide_footer_takes_exactly_two_reads() {
    let lake = tempfile::tempdir().unwrap();
    let fields = (0..3000)
        .map(|i| col(&format!("property_with_a_long_name_{i:05}"), DataType::Utf8))
        .collect();
    let file = write_schema_file(lake.path(), "wide/x.parquet", fields, 1);
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 64 * 1024, "the footer alone exceeds 64 KiB: {size}");
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(columns(table(&document, "wide")).len(), 3000);
    assert_eq!(document["stats"]["requests"], 2);
}

#[test]
fn asking_for_tables_lists_only_their_folders() {
    let lake = tempfile::tempdir().unwrap();
    for t in ["a", "b", "c"] {
        write_schema_file(
            lake.path(),
            &format!("{t}/x.parquet"),
            vec![col("id", DataType::Utf8)],
            1,
        );
    }
    let (code, document) = scan_json(lake.path(), &["a", "c"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = document["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(document["stats"]["objects_listed"], 2);

    let (code, document) = scan_json(lake.path(), &["a", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(document["problems"][0]["kind"], "table_not_found");
    assert!(
        document["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("/nope/"),
        "{document:#}"
    );
}

/// Every Parquet file of apache/parquet-testing, the broken and encrypted ones included.
fn parquet_testing_files() -> Vec<std::path::PathBuf> {
    let shared = parquet_testing();
    let mut files = Vec::new();
    for dir in [
        shared.clone(),
        shared.join("bad_data"),
        shared.join("encrypted"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if path.is_file() && name.contains(".parquet") && !name.ends_with(".json") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 60, "found {} files", files.len());
    files
}

/// A file's footer decoded whole by the parquet crate, row groups included.
fn full_decode(path: &std::path::Path) -> glueprint::footer::FooterRead {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = object_store::local::LocalFileSystem::new();
    let location = object_store::path::Path::from_filesystem_path(path).unwrap();
    let size = std::fs::metadata(path).unwrap().len();
    runtime.block_on(glueprint::footer::read_footer(
        &store,
        &location,
        size,
        glueprint::footer::DEFAULT_PREFETCH,
    ))
}

/// The scan decodes a footer in one pass and maps each distinct schema once; on files of every
/// writer it must come to what decoding each footer whole and mapping it comes to: the same
/// columns, or the same kind of problem.
#[test]
fn the_one_pass_scan_agrees_with_decoding_every_footer_whole() {
    use glueprint::footer::FooterError;
    use parquet::basic::Compression;
    let files = parquet_testing_files();
    let lake = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let table = format!("t{index:03}");
        std::fs::create_dir(lake.path().join(&table)).unwrap();
        std::os::unix::fs::symlink(path, lake.path().join(&table).join("x.parquet")).unwrap();
        let outcome: Result<Vec<(String, String)>, &str> = match full_decode(path).result {
            Ok(metadata) => {
                let engine_codec = metadata
                    .row_groups()
                    .iter()
                    .flat_map(|group| group.columns())
                    .any(|chunk| {
                        matches!(
                            chunk.compression(),
                            Compression::BROTLI(_) | Compression::LZ4_RAW
                        )
                    });
                match glueprint::infer::file_schema(&metadata) {
                    _ if engine_codec => Err("engine_unreadable_codec"),
                    Ok(schema) => Ok(schema
                        .columns
                        .iter()
                        .filter_map(|c| Some((c.name.clone(), c.ty.as_ref()?.to_string())))
                        .collect()),
                    Err(_) => Err("unreadable_schema"),
                }
            }
            Err(error) => Err(match error {
                FooterError::Empty => "empty_file",
                FooterError::TooSmall { .. } | FooterError::NoMagic { .. } => "not_parquet",
                FooterError::EncryptedFooter => "encrypted_footer",
                FooterError::EncryptedColumns => "encrypted_columns",
                FooterError::FooterLongerThanFile { .. } => "truncated_file",
                FooterError::Corrupt { .. } => "corrupt_footer",
                FooterError::WriterQuirk { .. } => "unsupported_footer",
                FooterError::TooDeep { .. } => "schema_too_deep",
                other => panic!("{}: {other}", path.display()),
            }),
        };
        expected.push((table, path, outcome));
    }
    // The kinds of problem that stop a file from being read (notes on columns are others).
    const FILE_ERRORS: [&str; 10] = [
        "empty_file",
        "not_parquet",
        "encrypted_footer",
        "encrypted_columns",
        "truncated_file",
        "corrupt_footer",
        "unsupported_footer",
        "schema_too_deep",
        "unreadable_schema",
        "engine_unreadable_codec",
    ];
    let (_, document) = scan_json(lake.path(), &[]);
    let (mut mapped, mut lenient) = (0, Vec::new());
    for (table_name, path, outcome) in expected {
        let t = table(&document, &table_name);
        let file_problems: Vec<String> = problems(t)
            .into_iter()
            .map(|(kind, ..)| kind)
            .filter(|kind| FILE_ERRORS.contains(&kind.as_str()))
            .collect();
        match outcome {
            Ok(expected_columns) => {
                mapped += 1;
                assert_eq!(columns(t), expected_columns, "{}", path.display());
                assert!(
                    file_problems.is_empty(),
                    "{}: {file_problems:?}",
                    path.display()
                );
            }
            // A field of another wire type than the format's (dict-page-offset-zero's column
            // chunks): the crate's decoder refuses it; the scan skips it, as Thrift's generated
            // readers (Trino's, pyarrow's, DuckDB's) do, and maps the schema.
            Err("unsupported_footer") if file_problems.is_empty() => {
                assert!(!columns(t).is_empty(), "{}", path.display());
                lenient.push(path.file_name().unwrap().to_owned());
            }
            Err(kind) => assert_eq!(file_problems, [kind], "{}", path.display()),
        }
    }
    assert!(mapped >= 55, "only {mapped} files mapped");
    assert_eq!(lenient, ["dict-page-offset-zero.parquet"]);
}

#[test]
fn every_parquet_testing_file_maps_or_is_reported_without_a_panic() {
    let shared = parquet_testing();
    let root = shared.parent().unwrap();
    let output = glueprint(&[
        "scan",
        root.to_str().unwrap(),
        "parquet-testing",
        "--format",
        "json",
    ]);
    let code = output.status.code().expect("no signal");
    assert!(
        code == 0 || code == 2,
        "exit {code}: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Per file, through the library, so each file's own outcome can be checked.
    let files = parquet_testing_files();
    let mut mapped = 0;
    for path in &files {
        match full_decode(path).result {
            Ok(metadata) => match glueprint::infer::file_schema(&metadata) {
                Ok(schema) => {
                    mapped += 1;
                    for note in &schema.notes {
                        assert!(!note.message().is_empty());
                    }
                }
                Err(error) => assert!(
                    error.to_string().contains("write the file again"),
                    "{error}"
                ),
            },
            Err(error) => {
                let message = error.to_string();
                assert!(
                    message.contains(':') && message.len() > 40,
                    "{}: unclear reason {message}",
                    path.display()
                );
                // pyarrow and DuckDB read this one: the message must not blame the data.
                if path.ends_with("dict-page-offset-zero.parquet") {
                    assert!(
                        message.contains("glueprint's limit, not broken data"),
                        "{message}"
                    );
                }
            }
        }
    }
    assert!(
        mapped >= 55,
        "only {mapped} of {} files mapped",
        files.len()
    );
}

#[test]
fn escaped_partition_values_and_odd_file_names_are_read() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "t/hour=2020-09-19 10%3A00/part 0 (copy).parquet",
        vec![col("id", DataType::Utf8)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 0, "{document:#}");
    let t = table(&document, "t");
    assert_eq!(columns(t), pairs(&[("id", "string")]));
    assert_eq!(t["partitions"][0]["values"][0], "2020-09-19 10:00");
    assert!(
        t["partitions"][0]["location"]
            .as_str()
            .unwrap()
            .ends_with("/t/hour=2020-09-19 10%3A00/")
    );
}

/// A mixed-writer CleverTap table: later files change `Amount` to double and `Charged ID` to
/// string, widen `Tax Amount` and bring a new property. One clash never hides another, nor a
/// widening or a new field in the same struct.
#[test]
fn every_clash_widening_and_new_field_inside_a_struct_is_kept() {
    let lake = tempfile::tempdir().unwrap();
    let props = |amount, charged_id, tax, extra: bool| {
        let mut fields = vec![
            col("Amount", amount),
            col("Charged ID", charged_id),
            col("Tax Amount", tax),
        ];
        if extra {
            fields.push(col("Coupon", DataType::Utf8));
        }
        vec![
            col("eventName", DataType::Utf8),
            col("eventProps", DataType::Struct(Fields::from(fields))),
        ]
    };
    for day in 1..=12 {
        let fields = if day <= 8 {
            props(
                DataType::Int64,
                DataType::Int64,
                DataType::Decimal128(10, 2),
                false,
            )
        } else {
            props(
                DataType::Float64,
                DataType::Utf8,
                DataType::Decimal128(12, 2),
                true,
            )
        };
        write_schema_file(
            lake.path(),
            &format!("charged/dt=2020-09-{day:02}/part-0.parquet"),
            fields,
            1,
        );
    }
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let charged = table(&document, "charged");
    assert_eq!(
        columns(charged),
        pairs(&[
            ("eventName", "string"),
            (
                "eventProps",
                "struct<Amount:bigint,Charged ID:bigint,Tax Amount:decimal(12,2),Coupon:string>"
            ),
        ])
    );
    let found: Vec<(String, String)> = problems(charged)
        .into_iter()
        .map(|(kind, message, _)| (kind, message))
        .collect();
    let conflict = |path: &str, kept: &str, other: &str| {
        (
            "type_conflict".to_string(),
            format!(
                "`eventProps.{path}` is {kept} in 8 file(s) and {other} in 4 file(s), and no Glue \
                 type reads both; the table keeps {kept}: rewrite the other files, or declare the \
                 column by hand"
            ),
        )
    };
    assert_eq!(
        found,
        vec![
            conflict("Amount", "bigint", "double"),
            conflict("Charged ID", "bigint", "string"),
        ]
    );
}

/// Names Glue's lower-casing makes equal, Unicode letters included; exact duplicates and
/// normalization twins get their own words; table folders that collide are named.
#[test]
fn names_equal_after_folding_are_reported_each_in_its_own_words() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "names/a.parquet",
        vec![
            col("Äpfel", DataType::Utf8),
            col("äpfel", DataType::Utf8),
            col("c", DataType::Int32),
            col("c", DataType::Int32),
            col("Größe", DataType::Int32),
            col("Gro\u{308}ße", DataType::Int32),
        ],
        1,
    );
    write_schema_file(
        lake.path(),
        "Charged/a.parquet",
        vec![col("x", DataType::Int32)],
        1,
    );
    write_schema_file(
        lake.path(),
        "charged/a.parquet",
        vec![col("x", DataType::Int32)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let names = table(&document, "names");
    assert_eq!(
        columns(names),
        pairs(&[
            ("Äpfel", "string"),
            ("c", "int"),
            ("Größe", "int"),
            ("Gro\u{308}ße", "int"),
        ])
    );
    let kinds: Vec<(String, String)> = problems(names)
        .into_iter()
        .map(|(kind, message, _)| (kind, message.split('`').nth(1).unwrap().to_string()))
        .collect();
    assert_eq!(
        kinds,
        pairs(&[
            ("case_duplicate", "äpfel"),
            ("duplicate_name", "c"),
            ("unicode_normalization", "Gro\u{308}ße"),
        ])
    );
    for name in ["Charged", "charged"] {
        let found = problems(table(&document, name));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "table_name_collision");
        assert!(found[0].1.contains("Charged/ and "), "{}", found[0].1);
    }
}

/// One odd name never aborts the lake: it is reported alone and every other table is scanned.
#[test]
fn a_file_name_with_a_tab_is_reported_and_the_rest_scanned() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "t/dt=1/a.parquet",
        vec![col("x", DataType::Int32)],
        1,
    );
    write_schema_file(
        lake.path(),
        "u/a\tb.parquet",
        vec![col("y", DataType::Int32)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2, "{document:#}");
    assert_eq!(columns(table(&document, "t")), pairs(&[("x", "int")]));
    let lake_problems = document["problems"].as_array().unwrap();
    assert_eq!(lake_problems.len(), 1, "{lake_problems:?}");
    assert_eq!(lake_problems[0]["kind"], "unreadable_key");
    assert!(
        lake_problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("u/a\\tb.parquet"),
        "{lake_problems:?}"
    );
}

/// Partition folders as other writers name them: two spellings of one value, empty values,
/// bytes that are not UTF-8, and a lake root that is itself a table.
#[test]
fn partition_folders_that_glue_cannot_hold_apart_are_reported() {
    let lake = tempfile::tempdir().unwrap();
    let file = |relative: &str| {
        write_schema_file(lake.path(), relative, vec![col("x", DataType::Int32)], 1);
    };
    file("t/city=New York/a.parquet");
    file("t/city=New%20York/b.parquet");
    file("t/city=100%/c.parquet");
    file("t/city=100%25/d.parquet");
    file("t/city=/e.parquet");
    file("t/city=%FF/f.parquet");
    file("t/city=__HIVE_DEFAULT_PARTITION__/g.parquet");
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    let t = table(&document, "t");
    let values: Vec<&str> = t["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["values"][0].as_str().unwrap())
        .collect();
    assert_eq!(values, ["100%", "New York", "__HIVE_DEFAULT_PARTITION__"]);
    let found: Vec<(String, Vec<String>)> = problems(t)
        .into_iter()
        .map(|(kind, _, objects)| {
            let folders = objects
                .iter()
                .map(|o| o.rsplit('/').nth(1).unwrap().to_string())
                .collect();
            (kind, folders)
        })
        .collect();
    let expected = |kind: &str, folders: &[&str]| {
        (
            kind.to_string(),
            folders.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        found,
        vec![
            expected("empty_partition_value", &["city="]),
            expected("partition_value_not_utf8", &["city=%FF"]),
            expected("partition_values_collision", &["city=100%", "city=100%25"]),
            expected(
                "partition_values_collision",
                &["city=New York", "city=New%20York"]
            ),
        ]
    );

    // Pointed at a table instead of the lake: said once, with what to do.
    let (_, document) = scan_json(&lake.path().join("t"), &[]);
    let lake_problems = document["problems"].as_array().unwrap();
    assert_eq!(lake_problems.len(), 1, "{lake_problems:?}");
    assert_eq!(lake_problems[0]["kind"], "root_is_a_table");
}

/// A ~60 KB footer declaring 10,000 nested groups: reported, never a crash, the rest scanned.
#[test]
fn a_footer_nested_ten_thousand_deep_is_refused_not_a_crash() {
    use thrift::protocol::{
        TCompactOutputProtocol, TFieldIdentifier, TListIdentifier, TOutputProtocol,
        TStructIdentifier, TType,
    };
    let mut footer = Vec::new();
    {
        let mut out = TCompactOutputProtocol::new(&mut footer);
        let field = |name: &str, kind, id| TFieldIdentifier::new(name, kind, id);
        out.write_struct_begin(&TStructIdentifier::new("FileMetaData"))
            .unwrap();
        out.write_field_begin(&field("version", TType::I32, 1))
            .unwrap();
        out.write_i32(1).unwrap();
        out.write_field_end().unwrap();
        out.write_field_begin(&field("schema", TType::List, 2))
            .unwrap();
        let depth = 10_000;
        out.write_list_begin(&TListIdentifier::new(TType::Struct, depth + 1))
            .unwrap();
        for level in 0..=depth {
            out.write_struct_begin(&TStructIdentifier::new("SchemaElement"))
                .unwrap();
            if level == depth {
                out.write_field_begin(&field("type", TType::I32, 1))
                    .unwrap();
                out.write_i32(1).unwrap();
                out.write_field_end().unwrap();
            }
            out.write_field_begin(&field("repetition_type", TType::I32, 3))
                .unwrap();
            out.write_i32(1).unwrap();
            out.write_field_end().unwrap();
            out.write_field_begin(&field("name", TType::String, 4))
                .unwrap();
            out.write_string("g").unwrap();
            out.write_field_end().unwrap();
            if level < depth {
                out.write_field_begin(&field("num_children", TType::I32, 5))
                    .unwrap();
                out.write_i32(1).unwrap();
                out.write_field_end().unwrap();
            }
            out.write_field_stop().unwrap();
            out.write_struct_end().unwrap();
        }
        out.write_list_end().unwrap();
        out.write_field_end().unwrap();
        out.write_field_begin(&field("num_rows", TType::I64, 3))
            .unwrap();
        out.write_i64(0).unwrap();
        out.write_field_end().unwrap();
        out.write_field_begin(&field("row_groups", TType::List, 4))
            .unwrap();
        out.write_list_begin(&TListIdentifier::new(TType::Struct, 0))
            .unwrap();
        out.write_list_end().unwrap();
        out.write_field_end().unwrap();
        out.write_field_stop().unwrap();
        out.write_struct_end().unwrap();
    }
    let mut file = b"PAR1".to_vec();
    file.extend_from_slice(&footer);
    file.extend_from_slice(&(footer.len() as u32).to_le_bytes());
    file.extend_from_slice(b"PAR1");
    let lake = tempfile::tempdir().unwrap();
    write_bytes(lake.path(), "deep/a.parquet", &file);
    write_schema_file(
        lake.path(),
        "fine/a.parquet",
        vec![col("x", DataType::Int32)],
        1,
    );
    let (code, document) = scan_json(lake.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(columns(table(&document, "fine")), pairs(&[("x", "int")]));
    let found = problems(table(&document, "deep"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "schema_too_deep");
}

/// Names are printed with their control characters escaped: a column name cannot inject a
/// GitHub Actions command line or drive the terminal.
#[test]
fn control_characters_in_names_are_printed_escaped() {
    let lake = tempfile::tempdir().unwrap();
    write_schema_file(
        lake.path(),
        "t/a.parquet",
        vec![
            col("a\n::warning title=x::injected", DataType::Int32),
            col("\u{1b}[31mred", DataType::Int32),
        ],
        1,
    );
    let output = glueprint(&["scan", lake.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("\n::warning"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("a\\n::warning title=x::injected"), "{text}");
}

/// A declared table folder that is the root of its store has no lake root above it: refused
/// before any read, saying what to set.
#[tokio::test]
async fn a_table_location_at_a_store_root_is_refused() {
    let location = glueprint::location::Location::new("s3://bucket/");
    let error = glueprint::scan::scan_tables([&location], &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "s3://bucket/ is the root of its store, not a table folder below a lake root; set the \
         table's location to its own folder"
    );
}
