//! Organizing raw CleverTap exports into the lake layout: names, gzip, idempotence,
//! interruption, S3, and registration of the new partitions.

mod common;

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use common::*;
use serde_json::Value;

const DATABASE_ID: &str = "W8W-4K7-WK5Z";
const EVENTS: [&str; 3] = ["App Launched", "UTM Visited - Web", "Charged"];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn parquet_bytes(event: &str, day: u32, index: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let date = NaiveDate::from_ymd_opt(2020, 9, 19).unwrap() + chrono::Days::new(u64::from(day));
    let batch = glueprint::synth::event_batch(event, date, day, index, 5);
    let path = write_batch(dir.path(), "x.parquet", &batch);
    std::fs::read(path).unwrap()
}

fn export_name(event: &str, day: u32, index: u32, ext: &str) -> String {
    let date = NaiveDate::from_ymd_opt(2020, 9, 19).unwrap() + chrono::Days::new(u64::from(day));
    format!(
        "1600473600123-1600480000-{event}-{}-{index}-{DATABASE_ID}.{ext}",
        date.format("%Y%m%d")
    )
}

/// A raw export folder: every event on two days, two files a day, gzip-wrapped except
/// `Charged` (plain Parquet); plus a name that is not an export and a corrupt gzip file.
fn write_raw(raw: &Path) -> usize {
    std::fs::create_dir_all(raw).unwrap();
    let mut exports = 0;
    for event in EVENTS {
        for day in 0..2 {
            for index in 0..2 {
                let bytes = parquet_bytes(event, day, index);
                let (name, bytes) = if event == "Charged" {
                    (export_name(event, day, index, "parquet"), bytes)
                } else {
                    (export_name(event, day, index, "parquet.gzip"), gzip(&bytes))
                };
                std::fs::write(raw.join(name), bytes).unwrap();
                exports += 1;
            }
        }
    }
    std::fs::write(raw.join("README.txt"), b"exports land here").unwrap();
    let corrupt = gzip(&parquet_bytes("Charged", 1, 9));
    std::fs::write(
        raw.join(export_name("Charged", 1, 9, "parquet.gzip")),
        &corrupt[..corrupt.len() / 2],
    )
    .unwrap();
    exports
}

fn organize_json(args: &[&str], env: &[(&str, String)], code: i32) -> Value {
    // No declared catalog: the repository's own catalogs/ must not constrain these lakes.
    let mut all = vec![
        "organize",
        "--format",
        "json",
        "--catalogs",
        "/nonexistent/catalogs",
    ];
    all.extend_from_slice(args);
    let output = glueprint_with_env(&all, env);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn outcomes(report: &Value) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for file in report["files"].as_array().unwrap() {
        *counts
            .entry(file["outcome"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn raw_exports_become_the_lake_layout_and_rerunning_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake) = (dir.path().join("raw"), dir.path().join("lake"));
    write_raw(&raw);
    // The lake folder does not exist yet: organize makes it, as `cp -r` would.
    let args = [
        "--from",
        raw.to_str().unwrap(),
        "--to",
        lake.to_str().unwrap(),
    ];

    let dry = organize_json(&[&args[..], &["--dry-run"]].concat(), &[], 0);
    assert_eq!(outcomes(&dry), counts(&[("planned", 13)]));
    assert!(!lake.exists(), "a dry run writes nothing");

    let report = organize_json(&args, &[], 2);
    assert_eq!(
        outcomes(&report),
        counts(&[("copied", 4), ("decompressed", 8), ("failed", 1)])
    );
    let failed: Vec<&Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "failed")
        .collect();
    assert!(
        failed[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("-Charged-20200920-9-W8W-4K7-WK5Z.parquet.gzip")
    );
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("gzip data is corrupt or truncated"),
        "{failed:?}"
    );
    assert!(
        report["unparsed"][0]
            .as_str()
            .unwrap()
            .ends_with("README.txt")
    );
    assert_eq!(
        report["events"]["UTM Visited - Web"]["table"],
        "utm_visited_web"
    );
    assert_eq!(report["events"]["UTM Visited - Web"]["files"], 4);
    assert!(
        lake.join(format!(
            "utm_visited_web/dt=2020-09-20/{}",
            export_name("UTM Visited - Web", 1, 1, "parquet")
        ))
        .is_file()
    );
    assert!(
        !lake
            .join(format!(
                "charged/dt=2020-09-20/{}",
                export_name("Charged", 1, 9, "parquet")
            ))
            .exists(),
        "a failed file leaves nothing behind"
    );

    let (code, scanned) = scan_json(&lake, &[]);
    assert_eq!(code, 0, "the organized lake scans cleanly: {scanned:#}");
    let names: Vec<&str> = scanned["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app_launched", "charged", "utm_visited_web"]);
    for table in scanned["tables"].as_array().unwrap() {
        assert_eq!(table["files"], 4);
        assert_eq!(table["partitions"].as_array().unwrap().len(), 2);
    }

    let again = organize_json(&args, &[], 2);
    assert_eq!(outcomes(&again), counts(&[("failed", 1), ("skipped", 12)]));

    std::fs::remove_file(raw.join(export_name("Charged", 1, 9, "parquet.gzip"))).unwrap();
    let cleaned = organize_json(&[&args[..], &["--delete-source"]].concat(), &[], 0);
    assert_eq!(outcomes(&cleaned), counts(&[("skipped", 12)]));
    let left: Vec<String> = std::fs::read_dir(&raw)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        left,
        ["README.txt"],
        "verified sources are deleted, the rest stays"
    );
}

#[test]
fn filters_and_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake) = (dir.path().join("raw"), dir.path().join("lake"));
    write_raw(&raw);
    std::fs::create_dir_all(&lake).unwrap();
    let report = organize_json(
        &[
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
            "app launched",
            "--since",
            "2020-09-20",
            "--layout",
            "year-month-day",
        ],
        &[],
        0,
    );
    assert_eq!(outcomes(&report), counts(&[("decompressed", 2)]));
    assert!(lake.join("app_launched/year=2020/month=09/day=20").is_dir());
    assert!(!lake.join("charged").exists());

    let output = glueprint(&[
        "organize",
        "--from",
        "x",
        "--to",
        "y",
        "--date",
        "2020-13-01",
    ]);
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("is not a day; write YYYYMMDD or YYYY-MM-DD")
    );
}

#[test]
fn an_interrupted_run_rerun_converges_with_nothing_partial() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake) = (dir.path().join("raw"), dir.path().join("lake"));
    write_raw(&raw);
    std::fs::remove_file(raw.join(export_name("Charged", 1, 9, "parquet.gzip"))).unwrap();
    std::fs::create_dir_all(&lake).unwrap();
    for delay_ms in [3u64, 10, 30] {
        let mut child = common::command()
            .args([
                "organize",
                "--concurrency",
                "1",
                "--catalogs",
                "/nonexistent/catalogs",
            ])
            .args([
                "--from",
                raw.to_str().unwrap(),
                "--to",
                lake.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let (code, scanned) = scan_json(&lake, &[]);
        assert!(code == 0, "no partial file after a kill: {scanned:#}");
    }
    let report = organize_json(
        &[
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
        ],
        &[],
        0,
    );
    assert_eq!(report["files"].as_array().unwrap().len(), 12);
    let (code, scanned) = scan_json(&lake, &[]);
    assert_eq!(code, 0);
    let files: u64 = scanned["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["files"].as_u64().unwrap())
        .sum();
    assert_eq!(files, 12, "nothing lost, nothing doubled");
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_to_s3_in_moto() {
    use object_store::ObjectStoreExt;
    let moto = Moto::start();
    let bucket = format!("organize-{}", std::process::id());
    moto.create_bucket(&bucket);
    let s3 = moto.s3(&bucket);
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_raw(&raw);
    for entry in std::fs::read_dir(&raw).unwrap() {
        let path = entry.unwrap().path();
        let key = format!("exports/{}", path.file_name().unwrap().to_str().unwrap());
        s3.put(
            &object_store::path::Path::from(key),
            std::fs::read(&path).unwrap().into(),
        )
        .await
        .unwrap();
    }
    let from = format!("s3://{bucket}/exports/");
    let to = format!("s3://{bucket}/lake/");
    let report = organize_json(&["--from", &from, "--to", &to], &moto.env(), 2);
    assert_eq!(
        outcomes(&report),
        counts(&[("copied", 4), ("decompressed", 8), ("failed", 1)])
    );
    let output = glueprint_with_env(&["scan", &to, "--format", "json"], &moto.env());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let scanned: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(scanned["stats"]["files_read"], 12);
    assert_eq!(
        scanned["tables"][0]["partitions"][0]["location"],
        format!("{to}app_launched/dt=2020-09-19/")
    );
    let again = organize_json(&["--from", &from, "--to", &to], &moto.env(), 2);
    assert_eq!(outcomes(&again), counts(&[("failed", 1), ("skipped", 12)]));

    // Between stores: plain files are streamed (no server-side copy is possible), and a local
    // lake can be filled from S3 too.
    let to_other_bucket = format!("s3://{bucket}/from-local/");
    let report = organize_json(
        &["--from", raw.to_str().unwrap(), "--to", &to_other_bucket],
        &moto.env(),
        2,
    );
    assert_eq!(
        outcomes(&report),
        counts(&[("copied", 4), ("decompressed", 8), ("failed", 1)])
    );
    let local_lake = dir.path().join("local-lake");
    std::fs::create_dir_all(&local_lake).unwrap();
    let report = organize_json(
        &["--from", &from, "--to", local_lake.to_str().unwrap()],
        &moto.env(),
        2,
    );
    assert_eq!(
        outcomes(&report),
        counts(&[("copied", 4), ("decompressed", 8), ("failed", 1)])
    );
    let (code, scanned) = scan_json(&local_lake, &[]);
    assert_eq!(code, 0, "{scanned:#}");
    assert_eq!(scanned["stats"]["files_read"], 12);
    let output = glueprint_with_env(&["scan", &to_other_bucket, "--format", "json"], &moto.env());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn apply_registers_the_new_partitions_of_declared_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake) = (dir.path().join("raw"), dir.path().join("lake"));
    write_raw(&raw);
    std::fs::remove_file(raw.join(export_name("Charged", 1, 9, "parquet.gzip"))).unwrap();
    let catalogs = dir.path().join("catalogs");
    std::fs::create_dir_all(catalogs.join("events")).unwrap();
    std::fs::create_dir_all(&lake).unwrap();
    std::fs::write(
        catalogs.join("events/database.yaml"),
        format!(
            "name: events\nlocation: {}\npartition_keys:\n- name: dt\n  type: string\n",
            lake.display()
        ),
    )
    .unwrap();
    let catalog_path = dir.path().join("catalog.db");
    let common = [
        "--catalogs",
        catalogs.to_str().unwrap(),
        "--catalog-path",
        catalog_path.to_str().unwrap(),
    ];
    // First day only, then declare Charged from it.
    let first = [
        &[
            "organize",
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
            "--date",
            "20200919",
        ][..],
        &common[..],
    ]
    .concat();
    assert_eq!(glueprint(&first).status.code(), Some(0));
    let onboard = [&["onboard", "Charged"][..], &common[..]].concat();
    assert_eq!(glueprint(&onboard).status.code(), Some(0));

    let daily = [
        &[
            "organize",
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
            "--apply",
            "--yes",
        ][..],
        &common[..],
    ]
    .concat();
    let output = glueprint(&daily);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("create table events.charged"), "{stdout}");
    assert!(
        stdout.contains("register 2 partition(s) of events.charged"),
        "{stdout}"
    );

    let plan = [&["plan", "--detailed-exitcode"][..], &common[..]].concat();
    assert_eq!(glueprint(&plan).status.code(), Some(0));

    // The declared layout must match the one organize writes.
    let mismatched = [
        &[
            "organize",
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
            "--layout",
            "year-month-day",
            "Charged",
        ][..],
        &common[..],
    ]
    .concat();
    let output = glueprint(&mismatched);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "charged.yaml declares partition keys (dt) but --layout writes (year, month, day)"
        ),
        "{stderr}"
    );
}

/// Every file below `root`, relative, sorted: what a root holds after a run.
fn files_below(root: &Path) -> Vec<String> {
    let mut files: Vec<String> = walk(root)
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
        .collect();
    files.sort();
    files
}

fn organize_fails(args: &[&str], env: &[(&str, String)]) -> String {
    let mut all = vec!["organize", "--catalogs", "/nonexistent/catalogs"];
    all.extend_from_slice(args);
    let output = glueprint_with_env(&all, env);
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// `--to` inside `--from` (or the reverse) would read the lake back as exports and delete it.
#[tokio::test(flavor = "multi_thread")]
async fn overlapping_roots_are_refused_before_anything_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let exports = write_raw(&raw);
    let inside = raw.join("lake");
    std::fs::create_dir_all(&inside).unwrap();
    for (from, to) in [(&raw, &inside), (&raw, &raw), (&inside, &raw)] {
        let stderr = organize_fails(
            &[
                "--from",
                from.to_str().unwrap(),
                "--to",
                to.to_str().unwrap(),
                "--delete-source",
            ],
            &[],
        );
        assert!(stderr.contains("overlap"), "{stderr}");
    }
    assert_eq!(files_below(&raw).len(), exports + 2, "nothing touched");

    let moto = Moto::start();
    let bucket = format!("overlap-{}", std::process::id());
    moto.create_bucket(&bucket);
    let stderr = organize_fails(
        &[
            "--from",
            &format!("s3://{bucket}/"),
            "--to",
            &format!("s3://{bucket}/lake/"),
            "--delete-source",
        ],
        &moto.env(),
    );
    assert!(stderr.contains("overlap"), "{stderr}");
}

/// Sources that would land on one target, a target holding other content, a source reached
/// through a link, an event with no name: each is a failure, and no source is deleted.
#[test]
fn delete_source_never_deletes_the_only_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake, outside) = (
        dir.path().join("raw"),
        dir.path().join("lake"),
        dir.path().join("outside"),
    );
    std::fs::create_dir_all(raw.join("again")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    let plain = parquet_bytes("Charged", 0, 0);
    // One export name twice: in two folders, and plain beside gzip.
    std::fs::write(raw.join(export_name("Charged", 0, 0, "parquet")), &plain).unwrap();
    std::fs::write(
        raw.join("again")
            .join(export_name("Charged", 0, 0, "parquet")),
        &plain,
    )
    .unwrap();
    std::fs::write(
        raw.join(export_name("App Launched", 0, 0, "parquet")),
        parquet_bytes("App Launched", 0, 0),
    )
    .unwrap();
    std::fs::write(
        raw.join(export_name("App Launched", 0, 0, "parquet.gzip")),
        gzip(&parquet_bytes("App Launched", 0, 0)),
    )
    .unwrap();
    // A target already there, same size, other content (a byte of its data changed).
    let source = parquet_bytes("Charged", 1, 0);
    std::fs::write(raw.join(export_name("Charged", 1, 0, "parquet")), &source).unwrap();
    let mut other = source.clone();
    other[4] ^= 0xff;
    let target = lake.join(format!(
        "charged/dt=2020-09-20/{}",
        export_name("Charged", 1, 0, "parquet")
    ));
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, &other).unwrap();
    // A link to a folder outside --from.
    std::fs::write(
        outside.join(export_name("Product Viewed", 0, 0, "parquet")),
        parquet_bytes("Product Viewed", 0, 0),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, raw.join("linked")).unwrap();
    // An event name with nothing to name a table after.
    std::fs::write(raw.join(export_name("!!!", 0, 0, "parquet")), &plain).unwrap();
    let raw_before = files_below(&raw);

    let report = organize_json(
        &[
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
            "--delete-source",
        ],
        &[],
        2,
    );
    assert_eq!(outcomes(&report), counts(&[("failed", 7)]), "{report:#}");
    let errors: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["error"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        errors
            .iter()
            .filter(|e| e.contains("would become the same file"))
            .count(),
        4,
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("holds other content")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("symbolic link")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("no letters or digits")),
        "{errors:#?}"
    );
    assert_eq!(files_below(&raw), raw_before, "no source deleted");
    assert_eq!(files_below(&outside).len(), 1);
    assert_eq!(
        files_below(&lake),
        [format!(
            "charged/dt=2020-09-20/{}",
            export_name("Charged", 1, 0, "parquet")
        )],
        "nothing written but what was there"
    );
    assert_eq!(std::fs::read(&target).unwrap(), other);
}

/// A killed run leaves only hidden staging files, and the next run removes them.
#[test]
fn staged_leftovers_are_hidden_and_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, lake) = (dir.path().join("raw"), dir.path().join("lake"));
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(
        raw.join(export_name("Charged", 0, 0, "parquet")),
        parquet_bytes("Charged", 0, 0),
    )
    .unwrap();
    let day = lake.join("charged/dt=2020-09-19");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(day.join(".glueprint-staging-x.parquet#7"), b"half").unwrap();
    std::fs::write(day.join("y.parquet#3"), b"half").unwrap();
    let report = organize_json(
        &[
            "--from",
            raw.to_str().unwrap(),
            "--to",
            lake.to_str().unwrap(),
        ],
        &[],
        0,
    );
    assert_eq!(outcomes(&report), counts(&[("copied", 1)]));
    assert_eq!(
        files_below(&lake),
        [format!(
            "charged/dt=2020-09-19/{}",
            export_name("Charged", 0, 0, "parquet")
        )]
    );
}

/// A failed upload is a failed file with its reason, never a crash, and the source stays.
#[test]
fn an_upload_into_a_missing_bucket_fails_the_file_not_the_run() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    std::fs::write(
        raw.join(export_name("Charged", 0, 0, "parquet.gzip")),
        gzip(&parquet_bytes("Charged", 0, 0)),
    )
    .unwrap();
    std::fs::write(
        raw.join(export_name("Charged", 0, 1, "parquet")),
        parquet_bytes("Charged", 0, 1),
    )
    .unwrap();
    let report = organize_json(
        &[
            "--from",
            raw.to_str().unwrap(),
            "--to",
            "s3://no-such-bucket-for-organize/lake/",
            "--delete-source",
        ],
        &moto.env(),
        2,
    );
    assert_eq!(outcomes(&report), counts(&[("failed", 2)]), "{report:#}");
    assert_eq!(files_below(&raw).len(), 2, "the sources stay");
}
