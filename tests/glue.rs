//! The Glue backend over HTTP against moto: API limits, call counts, retries under throttling,
//! read-only plans, and fields only other clients know about.

mod common;

use aws_sdk_glue::types as glue;
use common::workspace::{Backend, Workspace};
use common::*;
use glueprint::synth::{LakeSpec, UnionValue, union_map_batch};

/// The synthetic lake of `events` × `days` in moto's S3, catalogs/ declaring it, and Glue in
/// moto behind a counting proxy.
fn glue_setup(events: usize, days: u32) -> Workspace {
    Workspace::new(Backend::Glue, &LakeSpec::numbered(events, days))
        // Standard retries: adaptive mode's client-side rate limiting would make the fault
        // test wait for tens of seconds.
        .with_env("AWS_RETRY_MODE", "standard")
        .with_env("AWS_MAX_ATTEMPTS", "10")
}

fn onboard_all(setup: &Workspace, events: usize) {
    let names: Vec<String> = (0..events).map(|i| format!("Event {i:03}")).collect();
    let mut args = vec!["onboard"];
    args.extend(names.iter().map(String::as_str));
    setup.expect(&args, 0);
}

/// A table of the `events` database as Glue holds it, read with the SDK directly.
async fn live_table(client: &aws_sdk_glue::Client, name: &str) -> glue::Table {
    client
        .get_table()
        .database_name("events")
        .name(name)
        .send()
        .await
        .unwrap()
        .table
        .unwrap()
}

fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn partitions_go_in_batches_within_the_api_limits() {
    let setup = glue_setup(1, 250);
    onboard_all(&setup, 1);
    setup.expect(&["apply", "--yes"], 0);
    let calls = setup.proxy().take_calls();
    assert_eq!(calls.batch_sizes("BatchCreatePartition"), [100, 100, 50]);

    // Deleting 30 partitions without data goes as 25 + 5.
    for day in 0..30 {
        let date = chrono::NaiveDate::from_ymd_opt(2020, 9, 19).unwrap() + chrono::Days::new(day);
        std::fs::remove_dir_all(
            setup.path(&format!("lake/event_000/dt={}", date.format("%Y-%m-%d"))),
        )
        .unwrap();
    }
    setup.expect(&["apply", "--yes", "--allow-destructive"], 0);
    let calls = setup.proxy().take_calls();
    assert_eq!(calls.batch_sizes("BatchDeletePartition"), [25, 5]);
    setup.expect(&["plan", "--detailed-exitcode"], 0);
}

/// The figures of the closing note: onboarding 10 events with 30 daily partitions each, then a
/// next-day run adding one partition to each.
#[test]
fn glue_calls_grow_with_tables_and_new_partitions_only() {
    let setup = glue_setup(10, 30);
    onboard_all(&setup, 10);
    setup.expect(&["apply", "--yes"], 0);
    let first = setup.proxy().take_calls();
    assert_eq!(
        first.count(),
        counts(&[
            ("BatchCreatePartition", 10),
            ("CreateDatabase", 1),
            ("CreateTable", 10),
            ("GetDatabase", 1),
        ]),
        "first run"
    );

    for event in 0..10 {
        let batch = glueprint::synth::event_batch(
            &format!("Event {event:03}"),
            chrono::NaiveDate::from_ymd_opt(2020, 10, 19).unwrap(),
            30,
            0,
            4,
        );
        write_batch(
            &setup.path("lake"),
            &format!("event_{event:03}/dt=2020-10-19/part-00000.parquet"),
            &batch,
        );
    }
    // The daily run names its day: Glue returns only that day's partitions (an Expression),
    // and older ones are not taken for "registered without data".
    let out = setup.expect(&["apply", "--yes", "--since", "2020-10-19"], 0);
    assert!(out.contains("10 partition(s) to register"), "{out}");
    let next_day = setup.proxy().take_calls();
    assert_eq!(
        next_day.count(),
        counts(&[
            ("BatchCreatePartition", 10),
            ("GetDatabase", 1),
            ("GetPartitions", 10),
            ("GetTables", 1),
        ]),
        "next-day run"
    );
    assert_eq!(next_day.batch_sizes("BatchCreatePartition"), [1; 10]);
    setup.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn apply_converges_when_glue_throttles_and_fails() {
    let setup = glue_setup(3, 120);
    onboard_all(&setup, 3);
    // Every third Glue call is refused before it reaches Glue: alternately throttled and 500.
    setup.proxy().fail_every(3);
    setup.expect(&["apply", "--yes"], 0);
    assert!(
        setup
            .proxy()
            .injected
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 4
    );
    setup.proxy().fail_every(0);
    setup.expect(&["plan", "--detailed-exitcode"], 0);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = setup.glue_client();
    runtime.block_on(async {
        for event in 0..3 {
            let partitions = every_partition(&client, "events", &format!("event_{event:03}")).await;
            assert_eq!(partitions.len(), 120, "nothing lost, nothing doubled");
        }
    });
}

#[test]
fn a_failed_run_says_what_was_applied_and_a_rerun_converges() {
    let setup = glue_setup(2, 150);
    onboard_all(&setup, 2);
    // Without retries, the first call refused fails the run at the step it was in.
    setup.proxy().fail_every(6);
    let output = setup
        .command(&["apply", "--yes"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed: Glue BatchCreatePartition failed (ThrottlingException: Rate exceeded (injected))")
            || stderr.contains("(InternalServiceException: Rate exceeded (injected))"),
        "{stderr}"
    );
    assert!(stderr.contains("run apply again to continue"), "{stderr}");
    assert!(
        stderr.contains("applied:\n  create database events\n"),
        "{stderr}"
    );
    assert!(stderr.contains("not applied:\n"), "{stderr}");
    assert!(
        stderr.contains("partition(s) of events.event_001"),
        "{stderr}"
    );
    setup.proxy().fail_every(0);
    setup.expect(&["apply", "--yes"], 0);
    setup.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn plan_never_calls_a_write_api() {
    let setup = glue_setup(2, 3);
    onboard_all(&setup, 2);
    setup.expect(&["plan", "--detailed-exitcode"], 2);
    let calls = setup.proxy().take_calls();
    assert_eq!(calls.count(), counts(&[("GetDatabase", 1)]));
    setup.expect(&["apply", "--yes"], 0);
    setup.proxy().take_calls();
    setup.expect(&["plan"], 0);
    let reads = setup.proxy().take_calls().count();
    assert!(
        reads.contains_key("GetTables") && reads.keys().all(|op| op.starts_with("Get")),
        "plan read the tables and made only reads: {reads:?}"
    );
}

#[test]
fn fields_set_by_other_clients_survive_an_update() {
    let setup = glue_setup(1, 2);
    onboard_all(&setup, 1);
    setup.expect(&["apply", "--yes"], 0);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = setup.glue_client();
    runtime.block_on(async {
        let table = live_table(&client, "event_000").await;
        let mut sd = table.storage_descriptor.clone().unwrap();
        sd.parameters
            .get_or_insert_with(Default::default)
            .insert("written.by".into(), "spark".into());
        sd.number_of_buckets = 4;
        sd.bucket_columns = Some(vec!["eventName".into()]);
        let mut parameters = table.parameters.clone().unwrap_or_default();
        parameters.insert("team".into(), "growth".into());
        client
            .update_table()
            .database_name("events")
            .table_input(
                glue::TableInput::builder()
                    .name("event_000")
                    .description("Set in the console")
                    .owner("data-platform")
                    .retention(30)
                    .set_table_type(table.table_type.clone())
                    .set_parameters(Some(parameters))
                    .storage_descriptor(sd)
                    .set_partition_keys(table.partition_keys.clone())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });

    edit(
        &setup.path("catalogs/events/event_000.yaml"),
        "  type: bigint\n",
        "  type: bigint\n  comment: yyyyMMddHHmmss\n",
    );
    let out = setup.expect(&["apply", "--yes"], 0);
    assert!(out.contains("update table events.event_000"), "{out}");

    runtime.block_on(async {
        let table = live_table(&client, "event_000").await;
        assert_eq!(table.description(), Some("Set in the console"));
        assert_eq!(table.owner(), Some("data-platform"));
        assert_eq!(table.retention(), 30);
        assert_eq!(table.parameters().unwrap()["team"], "growth");
        assert_eq!(table.parameters().unwrap()["classification"], "parquet");
        let sd = table.storage_descriptor().unwrap();
        assert_eq!(sd.parameters().unwrap()["written.by"], "spark");
        assert_eq!(sd.number_of_buckets(), 4);
        assert_eq!(sd.bucket_columns(), ["eventName"]);
        assert_eq!(sd.columns()[1].comment(), Some("yyyyMMddHHmmss"));
    });
    setup.expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn drift_of_every_kind_against_glue() {
    let setup = glue_setup(1, 3);
    onboard_all(&setup, 1);
    setup.expect(&["apply", "--yes"], 0);
    setup.proxy().take_calls();
    let out = setup.expect(&["drift"], 0);
    assert!(out.contains("0 of 1 table(s) drifted"), "{out}");

    // By hand in Glue: a comment, and one partition's own column list.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = setup.glue_client();
    runtime.block_on(async {
        let table = live_table(&client, "event_000").await;
        let mut sd = table.storage_descriptor.clone().unwrap();
        let columns = sd.columns.as_mut().unwrap();
        columns[0].comment = Some("edited in the console".into());
        client
            .update_table()
            .database_name("events")
            .table_input(
                glue::TableInput::builder()
                    .name("event_000")
                    .set_table_type(table.table_type.clone())
                    .set_parameters(table.parameters.clone())
                    .storage_descriptor(sd)
                    .set_partition_keys(table.partition_keys.clone())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let partition = client
            .get_partition()
            .database_name("events")
            .table_name("event_000")
            .set_partition_values(Some(vec!["2020-09-19".into()]))
            .send()
            .await
            .unwrap()
            .partition
            .unwrap();
        let mut sd = partition.storage_descriptor.clone().unwrap();
        sd.columns.as_mut().unwrap().truncate(2);
        client
            .update_partition()
            .database_name("events")
            .table_name("event_000")
            .set_partition_value_list(Some(vec!["2020-09-19".into()]))
            .partition_input(
                glue::PartitionInput::builder()
                    .set_values(Some(vec!["2020-09-19".into()]))
                    .storage_descriptor(sd)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    // In the data: a new day with a new property.
    let batch = glueprint::synth::event_batch(
        "Event 000",
        chrono::NaiveDate::from_ymd_opt(2020, 9, 23).unwrap(),
        4,
        0,
        4,
    );
    write_batch(
        &setup.path("lake"),
        "event_000/dt=2020-09-23/part-00000.parquet",
        &batch,
    );

    let json = setup.expect(&["drift", "--format", "json"], 2);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = report["tables"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["catalog", "data", "partitions", "partition_schema"],
        "{json}"
    );
    let calls = setup.proxy().take_calls().count();
    assert!(
        calls.contains_key("GetPartitions") && calls.keys().all(|op| op.starts_with("Get")),
        "drift read the partitions and made only reads: {calls:?}"
    );
}

/// A union-map table's typed view goes to Glue as a VIRTUAL_VIEW whose encoded definition
/// comes back as written: the plan after apply is empty. Discovery reads the sample from S3.
#[test]
fn a_typed_view_is_created_in_glue_and_the_plan_then_rests() {
    let setup = glue_setup(1, 1);
    let batch = union_map_batch(
        "Charged",
        &[
            Some(vec![
                ("Amount", UnionValue::BigInt(3)),
                ("CT Source", UnionValue::Text("Web".into())),
            ]),
            Some(vec![("Amount", UnionValue::Double(1.5))]),
        ],
    );
    write_batch(
        &setup.path("lake"),
        "charged/dt=2020-09-19/part-0.parquet",
        &batch,
    );
    let onboarded = setup.expect(&["onboard", "Charged"], 0);
    assert!(
        onboarded.contains(
            "    Amount: double (member2 bigint in 1 row(s), member4 double in 1 row(s))"
        ),
        "{onboarded}"
    );
    let applied = setup.expect(&["apply", "--yes", "Charged"], 0);
    assert!(
        applied.contains("create view events.charged_v"),
        "{applied}"
    );
    setup.expect(&["plan", "--detailed-exitcode", "Charged"], 0);
}
