//! Drift reports for CI: every kind of drift, every output format, exit codes.

mod common;

use std::path::Path;

use common::workspace::{Backend, Workspace};
use common::*;
use serde_json::Value;

/// Runs glueprint in the workspace; returns (exit code, stdout), refusing a failed run.
fn run(setup: &Workspace, args: &[&str]) -> (i32, String) {
    let output = setup.run(args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let code = output.status.code().expect("exited");
    assert!(
        code != 1,
        "{args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, stdout)
}

/// Two onboarded and applied events over three days: no drift yet.
fn in_sync() -> Workspace {
    let setup = Workspace::new(Backend::Local, &glueprint::synth::LakeSpec::numbered(2, 3));
    assert_eq!(run(&setup, &["onboard", "Event 000", "Event 001"]).0, 0);
    assert_eq!(run(&setup, &["apply", "--yes"]).0, 0);
    setup
}

fn kinds(report: &Value, table: &str) -> Vec<String> {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == table)
        .unwrap()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_of_drift_is_reported_in_every_format() {
    let setup = in_sync();
    let (code, markdown) = run(&setup, &["drift"]);
    assert_eq!(code, 0);
    assert!(
        markdown.starts_with("## glueprint drift: 0 of 2 table(s) drifted\n"),
        "{markdown}"
    );

    // catalog: a comment changed by hand; partition-schema: a partition's own columns lag.
    let catalog = setup.catalog();
    let mut table = catalog
        .get_table("events", "event_000")
        .await
        .unwrap()
        .unwrap();
    table.storage.columns[0].comment = Some("edited in the console".into());
    catalog.update_table("events", &table).await.unwrap();
    let mut partition = catalog
        .list_partitions("events", "event_000")
        .await
        .unwrap()[0]
        .clone();
    partition.storage.columns.truncate(2);
    assert!(
        catalog
            .update_partitions("events", "event_000", &[partition])
            .await
            .unwrap()
            .is_empty()
    );
    // data + partitions: a new day with a new property; a registered day whose data is gone.
    let batch = glueprint::synth::event_batch(
        "Event 001",
        chrono::NaiveDate::from_ymd_opt(2020, 9, 23).unwrap(),
        4,
        0,
        4,
    );
    write_batch(
        &setup.path("lake"),
        "event_001/dt=2020-09-23/part-00000.parquet",
        &batch,
    );
    std::fs::remove_dir_all(setup.path("lake/event_000/dt=2020-09-20")).unwrap();

    let (code, json) = run(&setup, &["drift", "--format", "json"]);
    assert_eq!(code, 2);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        kinds(&report, "event_000"),
        ["catalog", "partitions", "partition_schema"]
    );
    assert_eq!(kinds(&report, "event_001"), ["data", "partitions"]);
    let event_001 = &report["tables"][1];
    assert!(
        event_001["file"]
            .as_str()
            .unwrap()
            .ends_with("catalogs/events/event_001.yaml")
    );
    assert!(
        event_001["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains(
                "struct field `eventProps.New Prop 1` (string) is in the data but not declared"
            )
    );

    // --fail-on chooses what fails the run.
    assert_eq!(
        run(
            &setup,
            &["drift", "Event 001", "--fail-on", "partition-schema"]
        )
        .0,
        0
    );
    assert_eq!(
        run(
            &setup,
            &["drift", "Event 000", "--fail-on", "partition-schema"]
        )
        .0,
        2
    );

    let (_, markdown) = run(&setup, &["drift"]);
    assert!(
        markdown.starts_with("## glueprint drift: 2 of 2 table(s) drifted\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| events.event_000 | ❌ drift | 3 |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **partition_schema**: 1 partition(s) have columns that differ"),
        "{markdown}"
    );
    let (_, again) = run(&setup, &["drift"]);
    assert_eq!(markdown, again, "the markdown is stable for a given input");

    let (_, junit) = run(&setup, &["drift", "--format", "junit"]);
    let (testcases, failures) = count_junit(&junit);
    assert_eq!((testcases, failures), (2, 2), "{junit}");

    // Annotations go to standard error, so that standard output (the report, often the job
    // summary) holds none of them.
    let output = setup
        .command(&["drift", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains("::error"));
    let annotated = String::from_utf8_lossy(&output.stderr).to_string();
    let annotations: Vec<&str> = annotated
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 5, "{annotated}");
    assert!(
        annotations[0].starts_with("::error file="),
        "{}",
        annotations[0]
    );
    assert!(
        annotations[0]
            .contains("catalogs/events/event_000.yaml,line=1,title=glueprint drift (catalog)::")
    );
}

/// Parses JUnit XML, counting test cases and failures.
fn count_junit(xml: &str) -> (usize, usize) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut testcases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => testcases += 1,
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => return (testcases, failures),
            _ => {}
        }
    }
}

#[test]
fn drift_never_writes() {
    let setup = in_sync();
    let before = std::fs::read(setup.path("catalog.db")).unwrap();
    write_batch(
        &setup.path("lake"),
        "event_000/dt=2020-09-30/part-00000.parquet",
        &glueprint::synth::event_batch(
            "Event 000",
            chrono::NaiveDate::from_ymd_opt(2020, 9, 30).unwrap(),
            11,
            0,
            2,
        ),
    );
    assert_eq!(run(&setup, &["drift"]).0, 2);
    assert_eq!(std::fs::read(setup.path("catalog.db")).unwrap(), before);
    assert!(Path::new(&setup.path("catalog.db")).is_file());
}
