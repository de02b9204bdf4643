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
