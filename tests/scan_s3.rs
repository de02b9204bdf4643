//! Scanning a lake in S3, over HTTP against moto: same results, footer-only reads.

mod common;

use common::*;
use object_store::ObjectStoreExt;
use object_store::path::Path;

#[tokio::test(flavor = "multi_thread")]
async fn an_s3_lake_scans_like_a_local_one_with_one_read_per_file() {
    let moto = Moto::start();
    let bucket = format!("lake-{}", std::process::id());
    moto.create_bucket(&bucket);
    let s3 = moto.s3(&bucket);

    let local = tempfile::tempdir().unwrap();
    let spec = glueprint::synth::LakeSpec::default();
    let files = glueprint::synth::write_lake(local.path(), &spec).unwrap();
    let mut uploaded = 0;
    for entry in walk(local.path()) {
        let relative = entry.strip_prefix(local.path()).unwrap().to_str().unwrap();
        let bytes = std::fs::read(&entry).unwrap();
        s3.put(
            &Path::from(format!("exports/clevertap/{relative}")),
            bytes.into(),
        )
        .await
        .unwrap();
        uploaded += 1;
    }
    assert_eq!(uploaded, files);
    s3.put(
        &Path::from("exports/clevertap/charged/dt=2020-09-19/_SUCCESS"),
        Vec::new().into(),
    )
    .await
    .unwrap();

    let location = format!("s3://{bucket}/exports/clevertap/");
    let output = glueprint_with_env(&["scan", &location, "--format", "json"], &moto.env());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let s3_document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let (_, local_document) = scan_json(local.path(), &[]);

    let charged = table(&s3_document, "charged");
    assert_eq!(charged["location"], format!("{location}charged/"));
    assert_eq!(
        charged["partitions"][0]["location"],
        format!("{location}charged/dt=2020-09-19/")
    );
    for name in ["app_launched", "charged", "product_viewed"] {
        assert_eq!(
            columns(table(&s3_document, name)),
            columns(table(&local_document, name)),
            "{name}"
        );
    }
    let stats = &s3_document["stats"];
    assert_eq!(stats["files_read"], files);
    assert_eq!(stats["requests"], files, "one ranged GET per file");
    assert_eq!(stats["objects_skipped"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_bucket_is_a_clear_failure() {
    let moto = Moto::start();
    let output = glueprint_with_env(&["scan", "s3://no-such-bucket-here/x/"], &moto.env());
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot list s3://no-such-bucket-here/x/"),
        "{stderr}"
    );
}

/// `--region` and `--profile` reach S3 as well as Glue: one AWS configuration for both.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_region_reaches_s3() {
    let moto = Moto::start();
    let bucket = format!("region-{}", std::process::id());
    moto.mirror_lake(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalogs/events");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(
        db.join("database.yaml"),
        format!("name: events\nlocation: s3://{bucket}/lake/\npartition_keys:\n- name: dt\n  type: string\n"),
    )
    .unwrap();
    std::fs::write(
        db.join("charged.yaml"),
        "name: charged\nevent: Charged\ncolumns:\n- name: eventName\n  type: string\n",
    )
    .unwrap();
    let env: Vec<(&str, String)> = moto
        .env()
        .into_iter()
        .filter(|(key, _)| *key != "AWS_REGION")
        .collect();
    let catalogs = dir.path().join("catalogs");
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "plan",
            "--no-cache",
            "--catalogs",
            catalogs.to_str().unwrap(),
            "--catalog-path",
        ];
        let catalog_path = dir.path().join("catalog.db");
        let catalog_path = catalog_path.to_str().unwrap().to_string();
        args.push(&catalog_path);
        args.extend_from_slice(extra);
        glueprint_with_env(&args, &env)
    };
    let without = plan(&[]);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&without.stderr).contains("no AWS region is configured"),
        "{}",
        String::from_utf8_lossy(&without.stderr)
    );
    let with = plan(&["--region", "us-east-1"]);
    assert_eq!(
        with.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&with.stderr)
    );
    assert!(String::from_utf8_lossy(&with.stdout).contains("3 partition(s) to register"));
}

/// Zero-byte "folder" objects (`lake/`, `lake/charged/`, `lake/charged/dt=2020-09-19/`, an
/// empty partition folder), as the S3 console, S3A and boto make them, are skipped: S3 and
/// local give the same tables.
#[tokio::test(flavor = "multi_thread")]
async fn folder_objects_are_skipped_and_s3_scans_like_local() {
    let moto = Moto::start();
    let bucket = format!("folders-{}", std::process::id());
    moto.mirror_lake(&bucket);
    for folder in [
        "lake/",
        "lake/charged/",
        "lake/charged/dt=2020-09-19/",
        "lake/charged/dt=2020-09-30/",
    ] {
        moto.put_raw(&bucket, folder, b"");
    }
    let output = glueprint_with_env(
        &["scan", &format!("s3://{bucket}/lake/"), "--format", "json"],
        &moto.env(),
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{document:#}");
    let local = tempfile::tempdir().unwrap();
    glueprint::synth::write_lake(local.path(), &glueprint::synth::LakeSpec::default()).unwrap();
    let (_, local_document) = scan_json(local.path(), &[]);
    for name in ["app_launched", "charged", "product_viewed"] {
        let (s3_table, local_table) = (table(&document, name), table(&local_document, name));
        assert_eq!(columns(s3_table), columns(local_table), "{name}");
        assert_eq!(problems(s3_table), vec![], "{name}");
        assert_eq!(s3_table["partition_keys"], local_table["partition_keys"]);
        assert_eq!(
            s3_table["partitions"].as_array().unwrap().len(),
            local_table["partitions"].as_array().unwrap().len()
        );
    }
    assert_eq!(document["problems"], serde_json::json!([]));
    assert_eq!(
        document["stats"]["objects_skipped"], 4,
        "the four folder objects"
    );
}

/// One odd key (`//`, a `.` segment) never aborts the lake: its folder is reported, every
/// other table is scanned.
#[tokio::test(flavor = "multi_thread")]
async fn an_odd_key_is_reported_and_the_other_tables_scanned() {
    let moto = Moto::start();
    let bucket = format!("odd-{}", std::process::id());
    moto.mirror_lake(&bucket);
    moto.put_raw(&bucket, "lake/charged/dt=2020-09-19//double.parquet", b"x");
    let output = glueprint_with_env(
        &["scan", &format!("s3://{bucket}/lake/"), "--format", "json"],
        &moto.env(),
    );
    assert_eq!(output.status.code(), Some(2));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for name in ["app_launched", "product_viewed"] {
        assert_eq!(problems(table(&document, name)), vec![], "{name}");
    }
    let lake_problems = document["problems"].as_array().unwrap();
    assert_eq!(lake_problems.len(), 1, "{lake_problems:?}");
    assert_eq!(lake_problems[0]["kind"], "unreadable_key");
    assert!(
        lake_problems[0]["message"]
            .as_str()
            .unwrap()
            .contains("charged/"),
        "{lake_problems:?}"
    );
}

/// A lake larger than one listing page: the first page of a flat listing is read while the
/// tables are listed, each table's listing starts after it, and no key is read twice or lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_lake_past_one_listing_page_is_read_once_per_key() {
    use futures::StreamExt;
    let moto = Moto::start();
    let bucket = format!("pages-{}", std::process::id());
    moto.create_bucket(&bucket);
    let s3 = moto.s3(&bucket);
    let local = tempfile::tempdir().unwrap();
    write_schema_file(
        local.path(),
        "x.parquet",
        vec![col("id", arrow_schema::DataType::Int64)],
        1,
    );
    let bytes = bytes::Bytes::from(std::fs::read(local.path().join("x.parquet")).unwrap());
    // 1,000 keys a page: the first page ends inside `c`, `d` and a root key come after it.
    let tables = [("a", 600), ("b", 300), ("c", 200), ("d", 5)];
    let mut keys: Vec<String> = tables
        .iter()
        .flat_map(|(table, files)| {
            (0..*files).map(move |i| format!("lake/{table}/dt=2020-09-19/part-{i:04}.parquet"))
        })
        .collect();
    keys.extend(["lake/0_readme.parquet".into(), "lake/zz.parquet".into()]);
    futures::stream::iter(&keys)
        .for_each_concurrent(16, |key| {
            let (s3, bytes) = (&s3, bytes.clone());
            async move {
                s3.put(&Path::from(key.as_str()), bytes.into())
                    .await
                    .unwrap();
            }
        })
        .await;

    let location = format!("s3://{bucket}/lake/");
    let output = glueprint_with_env(&["scan", &location, "--format", "json"], &moto.env());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let stats = &document["stats"];
    assert_eq!(stats["objects_listed"], keys.len(), "{stats}");
    assert_eq!(stats["files_read"], 1105, "{stats}");
    assert_eq!(stats["requests"], 1105, "{stats}");
    for (name, files) in tables {
        assert_eq!(table(&document, name)["files"], files, "{name}");
    }
    let outside = &document["problems"][0];
    assert_eq!(outside["kind"], "file_outside_tables", "{outside}");
    assert_eq!(
        outside["objects"],
        serde_json::json!([
            format!("s3://{bucket}/lake/0_readme.parquet"),
            format!("s3://{bucket}/lake/zz.parquet"),
        ])
    );
}
