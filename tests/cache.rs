//! The footer cache: a re-scan reads only new or changed objects, locally and in S3.

mod common;

use std::path::Path;

use arrow_schema::DataType;
use common::*;
use serde_json::Value;

/// `glueprint scan` with the footer cache at `cache`.
fn scan_cached(location: &str, cache: &Path, env: &[(&str, String)]) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_glueprint"))
        .args(["scan", location, "--format", "json", "--cache-path"])
        .arg(cache)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 2)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stat(document: &Value, name: &str) -> u64 {
    document["stats"][name].as_u64().unwrap()
}

#[test]
fn a_rescan_reads_only_new_and_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let cache = dir.path().join("state/footers.db");
    let spec = glueprint::synth::LakeSpec::numbered(2, 5);
    glueprint::synth::write_lake(&lake, &spec).unwrap();
    write_bytes(
        &lake,
        "event_000/dt=2020-09-19/broken.parquet",
        b"not parquet at all",
    );
    let location = lake.to_str().unwrap();

    let first = scan_cached(location, &cache, &[]);
    assert_eq!(stat(&first, "files_read"), 11);
    assert_eq!(stat(&first, "footers_cached"), 0);
    assert_eq!(stat(&first, "requests"), 11);

    let second = scan_cached(location, &cache, &[]);
    assert_eq!(
        stat(&second, "footers_cached"),
        10,
        "all but the broken file"
    );
    assert_eq!(
        stat(&second, "requests"),
        1,
        "the broken file is read again"
    );
    assert_eq!(
        first["tables"], second["tables"],
        "the same result from the cache"
    );

    // One new file, one file rewritten with another schema.
    write_schema_file(
        &lake,
        "event_001/dt=2020-09-25/part-00000.parquet",
        vec![col("eventName", DataType::Utf8)],
        1,
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_schema_file(
        &lake,
        "event_000/dt=2020-09-19/part-00000.parquet",
        vec![
            col("eventName", DataType::Utf8),
            col("extra", DataType::Int64),
        ],
        1,
    );
    let third = scan_cached(location, &cache, &[]);
    assert_eq!(stat(&third, "footers_cached"), 9);
    assert_eq!(stat(&third, "requests"), 3, "new, changed and broken");
    let columns = columns(table(&third, "event_000"));
    assert!(
        columns.contains(&("extra".to_string(), "bigint".to_string())),
        "{columns:?}"
    );

    std::fs::remove_file(&cache).unwrap();
    let fresh = scan_cached(location, &cache, &[]);
    assert_eq!(
        stat(&fresh, "footers_cached"),
        0,
        "a deleted cache is rebuilt"
    );
    assert_eq!(fresh["tables"], third["tables"]);

    let output = glueprint(&["scan", location, "--format", "json", "--no-cache"]);
    let uncached: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stat(&uncached, "footers_cached"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daily_s3_scan_reads_only_the_new_day() {
    use object_store::ObjectStoreExt;
    let moto = Moto::start();
    let bucket = format!("cache-{}", std::process::id());
    moto.create_bucket(&bucket);
    let s3 = moto.s3(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    glueprint::synth::write_lake(&lake, &glueprint::synth::LakeSpec::numbered(3, 10)).unwrap();
    let upload = |relative: String| {
        let bytes = std::fs::read(lake.join(&relative)).unwrap();
        (
            object_store::path::Path::from(format!("lake/{relative}")),
            bytes,
        )
    };
    for event in 0..3 {
        for day in 19..29 {
            let (path, bytes) = upload(format!(
                "event_{event:03}/dt=2020-09-{day}/part-00000.parquet"
            ));
            s3.put(&path, bytes.into()).await.unwrap();
        }
    }
    let cache = dir.path().join("footers.db");
    let location = format!("s3://{bucket}/lake/");
    let first = scan_cached(&location, &cache, &moto.env());
    assert_eq!(stat(&first, "requests"), 30);

    for event in 0..3 {
        let batch = glueprint::synth::event_batch(
            &format!("Event {event:03}"),
            chrono::NaiveDate::from_ymd_opt(2020, 9, 29).unwrap(),
            10,
            0,
            4,
        );
        let relative = format!("event_{event:03}/dt=2020-09-29/part-00000.parquet");
        write_batch(&lake, &relative, &batch);
        let (path, bytes) = upload(relative);
        s3.put(&path, bytes.into()).await.unwrap();
    }
    let next_day = scan_cached(&location, &cache, &moto.env());
    assert_eq!(stat(&next_day, "files_read"), 33);
    assert_eq!(stat(&next_day, "footers_cached"), 30);
    assert_eq!(
        stat(&next_day, "requests"),
        3,
        "one GET per new file, none for the rest"
    );
    assert_eq!(
        table(&next_day, "event_002")["partitions"]
            .as_array()
            .unwrap()
            .len(),
        11
    );
}

#[test]
fn a_partition_filter_lists_and_reads_only_matching_days() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    glueprint::synth::write_lake(&lake, &glueprint::synth::LakeSpec::numbered(3, 10)).unwrap();
    let location = lake.to_str().unwrap();

    let (code, recent) = scan_json(&lake, &["--since", "2020-09-26"]);
    assert_eq!(code, 0, "{recent:#}");
    assert_eq!(
        stat(&recent, "objects_listed"),
        9,
        "three days of three tables"
    );
    assert_eq!(
        table(&recent, "event_001")["partitions"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let (_, one_day) = scan_json(&lake, &["event_002", "--partitions", "dt=2020-09-19"]);
    assert_eq!(stat(&one_day, "objects_listed"), 1);
    let (code, none) = scan_json(&lake, &["event_002", "--partitions", "dt>2030-01-01"]);
    assert_eq!(
        code, 0,
        "a table with no new partition is not an error: {none:#}"
    );

    // plan --since compares only the partitions it admits: nothing older is "without data".
    let catalogs = dir.path().join("catalogs/events");
    std::fs::create_dir_all(&catalogs).unwrap();
    std::fs::write(
        catalogs.join("database.yaml"),
        format!(
            "name: events\nlocation: {location}\npartition_keys:\n- name: dt\n  type: string\n"
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        let catalogs = dir.path().join("catalogs");
        let catalog_path = dir.path().join("catalog.db");
        all.extend([
            "--catalogs",
            catalogs.to_str().unwrap(),
            "--catalog-path",
            catalog_path.to_str().unwrap(),
        ]);
        glueprint(&all)
    };
    assert!(run(&["onboard", "Event 000"]).status.success());
    assert!(run(&["apply", "--yes"]).status.success());
    let batch = glueprint::synth::event_batch(
        "Event 000",
        chrono::NaiveDate::from_ymd_opt(2020, 9, 29).unwrap(),
        10,
        0,
        4,
    );
    write_batch(&lake, "event_000/dt=2020-09-29/part-00000.parquet", &batch);
    let output = run(&[
        "plan",
        "--since",
        "2020-09-29",
        "--format",
        "json",
        "--detailed-exitcode",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    let partitions = &plan["tables"][0]["partitions"];
    assert_eq!(partitions["create"].as_array().unwrap().len(), 1);
    assert_eq!(partitions["create"][0]["values"][0], "2020-09-29");
    assert_eq!(partitions["without_data"], serde_json::json!([]));
    assert!(
        run(&["apply", "--yes", "--since", "2020-09-29"])
            .status
            .success()
    );
    assert_eq!(run(&["plan", "--detailed-exitcode"]).status.code(), Some(0));
}

/// Writes a one-column file padded with `pad` bytes of footer metadata; returns its size.
fn write_padded(path: &Path, data_type: DataType, pad: usize) -> u64 {
    use std::sync::Arc;
    let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "x",
        data_type.clone(),
        true,
    )]));
    let batch = arrow_array::RecordBatch::try_new(
        Arc::clone(&schema),
        vec![arrow_array::new_null_array(&data_type, 1)],
    )
    .unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
            "pad".into(),
            "p".repeat(pad),
        )]))
        .build();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// `cp -p` / `rsync -a`: a file rewritten in place with the same size and modification time
/// but another schema is read again, never answered from the cache.
#[test]
fn a_rewrite_keeping_size_and_time_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let cache = dir.path().join("footers.db");
    let first = lake.join("t/a.parquet");
    let staged = dir.path().join("staged.parquet");
    // Padding evens out the sizes, so only the content tells the two files apart.
    let int_size = write_padded(&first, DataType::Int32, 20);
    let string_size = write_padded(&staged, DataType::Utf8, 20);
    let (int_pad, string_pad) = if int_size < string_size {
        (20 + (string_size - int_size) as usize, 20)
    } else {
        (20, 20 + (int_size - string_size) as usize)
    };
    assert_eq!(
        write_padded(&first, DataType::Int32, int_pad),
        write_padded(&staged, DataType::Utf8, string_pad)
    );
    let location = lake.to_str().unwrap();
    let before = scan_cached(location, &cache, &[]);
    assert_eq!(columns(table(&before, "t")), pairs(&[("x", "int")]));

    let modified = std::fs::metadata(&first).unwrap().modified().unwrap();
    std::fs::write(&first, std::fs::read(&staged).unwrap()).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&first)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let after = scan_cached(location, &cache, &[]);
    assert_eq!(stat(&after, "footers_cached"), 0);
    assert_eq!(columns(table(&after, "t")), pairs(&[("x", "string")]));
}

/// The footer cache is a cache: a corrupt one is said and the scan goes on without it.
#[test]
fn a_corrupt_cache_is_a_warning_never_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_schema_file(&lake, "t/a.parquet", vec![col("x", DataType::Int32)], 1);
    let cache = dir.path().join("footers.db");
    std::fs::write(
        &cache,
        b"this is not a SQLite database, not even close to one....",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_glueprint"))
        .args([
            "scan",
            lake.to_str().unwrap(),
            "--format",
            "json",
            "--cache-path",
        ])
        .arg(&cache)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(columns(table(&document, "t")), pairs(&[("x", "int")]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: the footer cache"), "{stderr}");
}

/// A cache written before the codec check (an older generation) may vouch for a file Athena
/// cannot read: its entries are dropped once, the files read again, and cached anew.
#[test]
fn a_cache_of_an_older_generation_is_read_again_once() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_schema_file(&lake, "t/a.parquet", vec![col("x", DataType::Int32)], 1);
    let cache = dir.path().join("footers.db");
    let location = lake.to_str().unwrap();
    scan_cached(location, &cache, &[]);
    assert_eq!(
        stat(&scan_cached(location, &cache, &[]), "footers_cached"),
        1
    );
    rusqlite::Connection::open(&cache)
        .unwrap()
        .execute_batch("PRAGMA user_version = 1;")
        .unwrap();
    assert_eq!(
        stat(&scan_cached(location, &cache, &[]), "footers_cached"),
        0
    );
    assert_eq!(
        stat(&scan_cached(location, &cache, &[]), "footers_cached"),
        1
    );
}
