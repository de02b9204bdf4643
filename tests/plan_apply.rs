//! The core loop, onboard → plan → apply → plan, through the binary: on a local lake with the
//! embedded catalog, and on a lake in S3 with the Glue catalog, both in moto over HTTP.

mod common;

use chrono::NaiveDate;
use common::workspace::{Backend, Workspace};
use common::*;
use glueprint::catalog::Catalog;
use glueprint::synth::{LakeSpec, event_batch, write_lake};
use serde_json::Value;

on_both_backends!(
    onboard_plan_apply_converges_as_data_arrives,
    destructive_changes_are_refused_until_allowed,
    updates_keep_what_glueprint_does_not_manage,
    a_table_changed_since_plan_fails_apply_cleanly,
    files_the_declared_type_cannot_read_are_named,
    onboarding_mistakes_are_explained,
    an_interrupted_apply_leaves_a_consistent_catalog_and_a_rerun_converges,
    projected_tables_register_no_partitions,
    every_type_string_is_athenas_and_partitions_follow_their_table,
    a_live_type_string_athena_cannot_parse_is_rewritten,
    a_live_table_glueprint_cannot_read_is_skipped,
    a_create_whose_answer_was_lost_counts_as_done,
    a_location_spelled_otherwise_is_the_same_folder,
);

/// A workspace over the synthetic lake of `events` on `days` days.
fn workspace(backend: Backend, events: &[&str], days: u32) -> Workspace {
    Workspace::new(backend, &lake_spec(events, days))
}

/// The same lake kept local whatever the catalog, for scenarios that plan in this process
/// (which has no S3 credentials of its own).
fn workspace_with_local_lake(backend: Backend, events: &[&str], days: u32) -> Workspace {
    let ws = Workspace::empty(backend, false);
    write_lake(&ws.lake(), &lake_spec(events, days)).unwrap();
    ws
}

fn lake_spec(events: &[&str], days: u32) -> LakeSpec {
    LakeSpec {
        events: events.iter().map(|e| e.to_string()).collect(),
        ..LakeSpec::numbered(0, days)
    }
}

/// Writes one more day of data for `event`, day number `day` of the lake.
fn add_day(ws: &Workspace, event: &str, day: u32) {
    let date = NaiveDate::from_ymd_opt(2020, 9, 19).unwrap() + chrono::Days::new(u64::from(day));
    let batch = event_batch(event, date, day, 0, 4);
    write_batch(
        &ws.lake(),
        &format!(
            "{}/dt={}/part-00000.parquet",
            glueprint::naming::table_name(event),
            date.format("%Y-%m-%d")
        ),
        &batch,
    );
}

fn table_plan<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {plan:#}"))
}

fn created_partitions(table: &Value) -> Vec<String> {
    table["partitions"]["create"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["values"][0].as_str().unwrap().to_string())
        .collect()
}

async fn onboard_plan_apply_converges_as_data_arrives(backend: Backend) {
    // Three days: by the third, `amount` has widened to bigint and `New Prop 0` appeared.
    let ws = workspace(backend, &["App Launched", "Charged"], 3);

    let out = ws.expect(&["onboard", "App Launched", "Charged"], 0);
    assert!(
        out.contains("app_launched.yaml (event \"App Launched\", 5 column(s))"),
        "{out}"
    );
    assert!(out.contains("open a pull request"), "{out}");
    assert!(ws.path("catalogs/events/charged.yaml").is_file());

    let plan = ws.plan_json(2);
    assert_eq!(plan["databases"][0]["action"], "create");
    let charged = table_plan(&plan, "charged");
    assert_eq!(charged["action"], "create");
    assert_eq!(
        created_partitions(charged),
        ["2020-09-19", "2020-09-20", "2020-09-21"]
    );
    assert_eq!(charged["drift"], serde_json::json!([]));

    let out = ws.expect(&["apply", "--yes"], 0);
    assert!(out.contains("create database events"), "{out}");
    assert!(
        out.contains("register 3 partition(s) of events.charged"),
        "{out}"
    );

    let out = ws.expect(&["plan", "--detailed-exitcode"], 0);
    assert!(out.contains("0 partition(s) to register"), "{out}");
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.storage.columns.len(), 5);
    assert_eq!(live.parameters["classification"], "parquet");
    assert_eq!(
        ws.catalog()
            .list_partitions("events", "charged")
            .await
            .unwrap()
            .len(),
        3
    );

    // A new day: only its partition is planned.
    add_day(&ws, "Charged", 3);
    let plan = ws.plan_json(2);
    let charged = table_plan(&plan, "charged");
    assert_eq!(charged["action"], "none");
    assert_eq!(created_partitions(charged), ["2020-09-22"]);
    assert!(created_partitions(table_plan(&plan, "app_launched")).is_empty());
    ws.expect(&["apply", "--yes", "Charged"], 0);
    ws.expect(&["plan", "--detailed-exitcode"], 0);

    // A new property: reported as drift, never applied by itself.
    add_day(&ws, "Charged", 4);
    let plan = ws.plan_json(2);
    let charged = table_plan(&plan, "charged");
    assert_eq!(charged["action"], "none");
    assert_eq!(
        charged["drift"],
        serde_json::json!([{"kind": "undeclared_field", "path": "eventProps.New Prop 1", "data_type": "string"}])
    );
    let out = ws.expect(&["apply", "--yes"], 0);
    assert!(
        out.contains("glueprint onboard \"Charged\" --update"),
        "{out}"
    );
    let plan = ws.plan_json(0);
    assert_eq!(
        table_plan(&plan, "charged")["drift"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Declared: the definition gains the field (keeping what people wrote), plan shows the
    // column change, apply converges.
    let path = ws.path("catalogs/events/charged.yaml");
    edit(
        &path,
        "  type: bigint\n",
        "  type: bigint\n  comment: yyyyMMddHHmmss\n",
    );
    edit(
        &path,
        "event: Charged\n",
        "event: Charged\ndescription: Purchases\n",
    );
    ws.expect(&["apply", "--yes"], 0);
    ws.expect(&["onboard", "Charged", "--update"], 0);
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("      New Prop 1: string\n"), "{yaml}");
    assert!(yaml.contains("  comment: yyyyMMddHHmmss\n"), "{yaml}");
    assert!(yaml.contains("description: Purchases\n"), "{yaml}");
    let plan = ws.plan_json(2);
    let charged = table_plan(&plan, "charged");
    assert_eq!(charged["action"], "update");
    assert_eq!(charged["changes"][0]["subject"], "column eventProps");
    assert_eq!(charged["changes"][0]["kind"], "widened");
    assert_eq!(charged["changes"][0]["destructive"], false);
    assert_eq!(charged["drift"], serde_json::json!([]));
    let text = ws.expect(&["plan"], 0);
    assert!(text.contains("-column eventProps struct<"), "{text}");
    assert!(text.contains("+column eventProps struct<"), "{text}");
    ws.expect(&["apply", "--yes"], 0);
    ws.expect(&["plan", "--detailed-exitcode"], 0);
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.version.as_deref(), Some("3"));
}

async fn destructive_changes_are_refused_until_allowed(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);

    let path = ws.path("catalogs/events/charged.yaml");
    edit(&path, "- name: ts\n  type: bigint\n", "");

    let plan = ws.plan_json(2);
    let change = &table_plan(&plan, "charged")["changes"][0];
    assert_eq!(change["subject"], "column ts");
    assert_eq!(change["kind"], "dropped");
    assert_eq!(change["destructive"], true);

    let output = ws.run(&["apply", "--yes"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("destructive changes, and nothing was applied"),
        "{stderr}"
    );
    assert!(stderr.contains("events.charged: column ts"), "{stderr}");
    assert!(stderr.contains("--allow-destructive"), "{stderr}");
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.storage.columns.len(), 5, "nothing was written");

    ws.expect(&["apply", "--yes", "--allow-destructive"], 0);
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.storage.columns.len(), 4);
    ws.expect(&["plan", "--detailed-exitcode"], 0);

    // Data removed: a registered partition without data is a destructive change too.
    std::fs::remove_dir_all(ws.lake().join("charged/dt=2020-09-20")).unwrap();
    let plan = ws.plan_json(2);
    assert_eq!(
        table_plan(&plan, "charged")["partitions"]["without_data"][0]["values"],
        serde_json::json!(["2020-09-20"])
    );
    assert_eq!(ws.run(&["apply", "--yes"]).status.code(), Some(1));
    ws.expect(&["apply", "--yes", "--allow-destructive"], 0);
    assert_eq!(
        ws.catalog()
            .list_partitions("events", "charged")
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn updates_keep_what_glueprint_does_not_manage(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 1);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);

    let catalog = ws.catalog();
    let mut table = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    table.owner = Some("data-platform".into());
    table.description = Some("set in the console".into());
    table.parameters.insert("team".into(), "growth".into());
    table
        .storage
        .parameters
        .insert("other.tool".into(), "kept".into());
    catalog.update_table("events", &table).await.unwrap();

    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "  type: bigint\n",
        "  type: bigint\n  comment: when, as yyyyMMddHHmmss\n",
    );
    let plan = ws.plan_json(2);
    assert_eq!(
        table_plan(&plan, "charged")["changes"][0]["kind"],
        "comment_changed"
    );
    ws.expect(&["apply", "--yes"], 0);

    let after = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.owner.as_deref(), Some("data-platform"));
    assert_eq!(after.description.as_deref(), Some("set in the console"));
    assert_eq!(after.parameters["team"], "growth");
    assert_eq!(after.storage.parameters["other.tool"], "kept");
    assert_eq!(
        after.storage.columns[1].comment.as_deref(),
        Some("when, as yyyyMMddHHmmss")
    );
    ws.expect(&["plan", "--detailed-exitcode"], 0);
}

/// Scans the first `tables` declared tables' folders and plans them, in this process.
async fn plan_here(
    declared: &glueprint::declare::Declared,
    tables: usize,
    catalog: &dyn Catalog,
) -> glueprint::plan::Plan {
    let selected = &declared.of_all()[..tables];
    let locations = selected.iter().map(|s| &s.table.location);
    let reports = glueprint::scan::scan_tables(locations, &Default::default())
        .await
        .unwrap();
    glueprint::plan::from_scans(selected, catalog, &reports, None)
        .await
        .unwrap()
}

/// Plans and applies in this process, which has no S3 credentials of its own: the lake stays
/// local even with Glue (the command line refuses that pairing, the library does not).
async fn plan_and_apply_here(ws: &Workspace, catalog: &dyn Catalog) {
    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let plan = plan_here(&declared, 1, catalog).await;
    glueprint::apply::apply(&plan, catalog, &Default::default())
        .await
        .unwrap();
}

async fn a_table_changed_since_plan_fails_apply_cleanly(backend: Backend) {
    let ws = workspace_with_local_lake(backend, &["Charged"], 1);
    ws.expect(&["onboard", "Charged"], 0);
    plan_and_apply_here(&ws, ws.catalog().as_ref()).await;
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "name: charged\n",
        "name: charged\ndescription: Purchases\n",
    );

    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let catalog = ws.catalog();
    let plan = plan_here(&declared, 1, catalog.as_ref()).await;
    assert!(plan.has_changes());

    // Someone else writes the table between plan and apply.
    let mut theirs = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    theirs.parameters.insert("their.change".into(), "1".into());
    catalog.update_table("events", &theirs).await.unwrap();

    let error = glueprint::apply::apply(&plan, catalog.as_ref(), &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("update table events.charged failed"),
        "{error}"
    );
    assert!(
        error.contains("changed by someone else since it was read"),
        "{error}"
    );
    assert!(error.contains("run plan again"), "{error}");
    assert!(
        error.contains("not applied:\n  update table events.charged"),
        "{error}"
    );
    let now = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        now.parameters["their.change"], "1",
        "their change is not lost"
    );
    assert_eq!(now.description, None);

    plan_and_apply_here(&ws, catalog.as_ref()).await;
    let now = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.parameters["their.change"], "1");
    assert_eq!(now.description.as_deref(), Some("Purchases"));
}

async fn files_the_declared_type_cannot_read_are_named(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 4);
    ws.expect(&["onboard", "Charged"], 0);
    // The data's amount is int for two days, then bigint: declaring int cannot read the rest.
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "      amount: bigint\n",
        "      amount: int\n",
    );
    let plan = ws.plan_json(2);
    let drift = &table_plan(&plan, "charged")["drift"];
    assert_eq!(drift.as_array().unwrap().len(), 1, "{drift:#}");
    assert_eq!(drift[0]["kind"], "unreadable");
    assert_eq!(drift[0]["column"], "eventProps.amount");
    assert_eq!(drift[0]["declared"], "int");
    assert_eq!(drift[0]["data_type"], "bigint");
    assert_eq!(drift[0]["files"], 2);
    let objects: Vec<&str> = drift[0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(
        objects[0].ends_with("charged/dt=2020-09-21/part-00000.parquet"),
        "{objects:?}"
    );
    assert!(
        objects[1].ends_with("charged/dt=2020-09-22/part-00000.parquet"),
        "{objects:?}"
    );
}

async fn onboarding_mistakes_are_explained(backend: Backend) {
    let ws = workspace(backend, &["App Launched"], 1);
    let output = ws.run(&["onboard", "App Lanched"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no folder"), "{stderr}");
    assert!(
        stderr.contains("app_lanched/ for event `App Lanched` (closest: app_launched)"),
        "{stderr}"
    );

    ws.expect(&["onboard", "App Launched"], 0);
    let output = ws.run(&["onboard", "app launched"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is already declared in"), "{stderr}");
    assert!(stderr.contains("--update"), "{stderr}");

    let output = ws.run(&["plan", "Nope"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("event `Nope` is not declared under catalogs/ (declared: App Launched)"),
        "{stderr}"
    );

    let output = ws.run(&["apply"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pass --yes when not on a terminal"),
        "{stderr}"
    );
}

async fn an_interrupted_apply_leaves_a_consistent_catalog_and_a_rerun_converges(backend: Backend) {
    const EVENTS: [&str; 3] = ["Charged", "App Launched", "Product Viewed"];
    const DAYS: u32 = 60;
    const ATTEMPTS: usize = 20;
    // Watch the catalog while apply runs and kill it once some of it is written and not all;
    // an apply that finishes before it is seen midway is tried again in a new workspace.
    for _attempt in 0..ATTEMPTS {
        let ws = workspace(backend, &EVENTS, DAYS);
        ws.expect(&[&["onboard"][..], &EVENTS[..]].concat(), 0);
        let catalog = ws.catalog();
        let mut child = ws
            .command(&["apply", "--yes"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let midway = loop {
            if child.try_wait().unwrap().is_some() {
                break false;
            }
            let (tables, partitions) = stored(catalog.as_ref()).await;
            if tables + partitions > 0 && tables + partitions < EVENTS.len() * (1 + DAYS as usize) {
                child.kill().unwrap();
                break true;
            }
        };
        let _ = child.wait();
        if !midway {
            continue;
        }
        check_consistent(catalog.as_ref()).await;
        ws.expect(&["apply", "--yes"], 0);
        ws.expect(&["plan", "--detailed-exitcode"], 0);
        check_consistent(catalog.as_ref()).await;
        return;
    }
    panic!("in {ATTEMPTS} attempts, apply always ended before it was seen midway");
}

/// The tables and partitions stored in database `events`.
async fn stored(catalog: &dyn Catalog) -> (usize, usize) {
    if catalog.get_database("events").await.unwrap().is_none() {
        return (0, 0);
    }
    let tables = catalog.list_tables("events").await.unwrap().tables;
    let mut partitions = 0;
    for table in &tables {
        partitions += catalog
            .list_partitions("events", &table.name)
            .await
            .unwrap()
            .len();
    }
    (tables.len(), partitions)
}

/// Every stored table reads back whole, and every partition belongs to a stored table.
async fn check_consistent(catalog: &dyn Catalog) {
    if catalog.get_database("events").await.unwrap().is_none() {
        return;
    }
    for table in catalog.list_tables("events").await.unwrap().tables {
        assert_eq!(table.storage.columns.len(), 5, "{} is whole", table.name);
        for partition in catalog
            .list_partitions("events", &table.name)
            .await
            .unwrap()
        {
            assert!(partition.storage.location.as_str().contains(&table.name));
        }
    }
}

async fn projected_tables_register_no_partitions(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "event: Charged\n",
        "event: Charged\npartitions:\n  projection:\n    dt:\n      type: date\n      range: 2020-09-19,NOW\n      format: yyyy-MM-dd\n",
    );
    let check = glueprint(&[
        "fmt",
        "--check",
        "--catalogs",
        ws.path("catalogs").to_str().unwrap(),
    ]);
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        !listed.contains("charged.yaml"),
        "the projection form is canonical: {listed}"
    );
    let plan = ws.plan_json(2);
    assert!(created_partitions(table_plan(&plan, "charged")).is_empty());
    ws.expect(&["apply", "--yes"], 0);
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.parameters["projection.enabled"], "true");
    assert_eq!(live.parameters["projection.dt.type"], "date");
    assert_eq!(live.parameters["projection.dt.range"], "2020-09-19,NOW");
    assert_eq!(live.parameters["projection.dt.format"], "yyyy-MM-dd");
    assert_eq!(
        live.parameters["storage.location.template"],
        format!("{}charged/dt=${{dt}}/", ws.lake_root())
    );
    assert!(
        ws.catalog()
            .list_partitions("events", "charged")
            .await
            .unwrap()
            .is_empty()
    );
    ws.expect(&["plan", "--detailed-exitcode"], 0);

    // Back to registered partitions: while projection.enabled stays, Athena would ignore them.
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "partitions:\n  projection:\n    dt:\n      type: date\n      range: 2020-09-19,NOW\n      format: yyyy-MM-dd\n",
        "",
    );
    let plan = ws.plan_json(2);
    let charged = table_plan(&plan, "charged");
    let dropped: Vec<&str> = charged["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "dropped")
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        dropped,
        [
            "parameter projection.dt.format",
            "parameter projection.dt.range",
            "parameter projection.dt.type",
            "parameter projection.enabled",
            "parameter storage.location.template",
        ]
    );
    assert_eq!(created_partitions(charged).len(), 2);
    ws.expect(&["apply", "--yes"], 0);
    let live = ws
        .catalog()
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert!(
        live.parameters
            .keys()
            .all(|k| !k.starts_with("projection.") && k != "storage.location.template"),
        "{:?}",
        live.parameters
    );
    assert_eq!(
        ws.catalog()
            .list_partitions("events", "charged")
            .await
            .unwrap()
            .len(),
        2
    );
    ws.expect(&["plan", "--detailed-exitcode"], 0);
}

/// Every type string of every table and partition, as the catalog holds it.
async fn stored_type_strings(catalog: &dyn Catalog, table: &str) -> Vec<(String, String)> {
    let live = catalog.get_table("events", table).await.unwrap().unwrap();
    let mut found: Vec<(String, String)> = live
        .storage
        .columns
        .iter()
        .chain(&live.partition_keys)
        .map(|c| (c.name.clone(), c.type_text()))
        .collect();
    for partition in catalog.list_partitions("events", table).await.unwrap() {
        found.extend(
            partition
                .storage
                .columns
                .iter()
                .map(|c| (format!("{}/{}", partition.values[0], c.name), c.type_text())),
        );
    }
    found
}

async fn every_type_string_is_athenas_and_partitions_follow_their_table(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 3);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);
    let catalog = ws.catalog();
    let stored = stored_type_strings(catalog.as_ref(), "charged").await;
    assert_eq!(stored.len(), 5 + 1 + 3 * 5, "{stored:?}");
    for (column, text) in &stored {
        glueprint::athena::parse(text).unwrap_or_else(|e| panic!("{column}: {e}"));
    }
    let event_props = stored
        .iter()
        .find(|(name, _)| name == "eventProps")
        .map(|(_, text)| text.as_str());
    assert_eq!(
        event_props,
        Some(
            "struct<CT Source:string,Product name:string,Category:string,Price:double,\
             Is Member:boolean,Session Length:int,amount:bigint,New Prop 0:string>"
        ),
        "raw names, no backticks, no spaces around separators"
    );

    // A reviewed change adds a column: the plan lists the partitions that follow it.
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "- name: eventProps\n",
        "- name: note\n  type: string\n- name: eventProps\n",
    );
    let out = ws.expect(&["plan", "--detailed-exitcode"], 2);
    assert!(
        out.contains("  ~ 3 partition(s) to update to the table's columns\n"),
        "{out}"
    );
    assert!(
        out.contains("3 to update to their table's columns"),
        "{out}"
    );
    let plan = ws.plan_json(2);
    assert_eq!(
        table_plan(&plan, "charged")["partitions"]["columns"],
        serde_json::json!([["2020-09-19"], ["2020-09-20"], ["2020-09-21"]])
    );
    // A daily run that names only its day still brings every older partition along.
    let out = ws.expect(&["plan", "--detailed-exitcode", "--since", "2020-09-21"], 2);
    assert!(
        out.contains("  ~ 3 partition(s) to update to the table's columns\n"),
        "{out}"
    );
    if ws.backend == Backend::Glue {
        ws.proxy().take_calls();
    }
    ws.expect(&["apply", "--yes", "--since", "2020-09-21"], 0);
    if ws.backend == Backend::Glue {
        assert_eq!(
            ws.proxy().take_calls().batch_sizes("BatchUpdatePartition"),
            [3]
        );
    }
    let live = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.storage.columns[4].name, "note");
    for partition in catalog.list_partitions("events", "charged").await.unwrap() {
        assert_eq!(
            partition.storage.columns, live.storage.columns,
            "partition {:?}",
            partition.values
        );
    }
    ws.expect(&["plan", "--detailed-exitcode"], 0);
    let drift = ws.expect(&["drift", "--format", "json"], 0);
    assert!(!drift.contains("partition_schema"), "{drift}");
}

async fn a_live_type_string_athena_cannot_parse_is_rewritten(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 1);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);

    // What earlier glueprint versions wrote: backticks, which Glue accepts and Athena refuses.
    let catalog = ws.catalog();
    let mut live = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    let legacy = live.storage.columns[4]
        .type_text()
        .replace("CT Source", "`CT Source`");
    live.storage.columns[4].stored_type = Some(legacy.clone());
    catalog.update_table("events", &live).await.unwrap();

    let plan = ws.plan_json(2);
    let changes = &table_plan(&plan, "charged")["changes"];
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes:#}");
    assert_eq!(changes[0]["kind"], "unparsable_type");
    assert_eq!(changes[0]["subject"], "column eventProps");
    assert!(
        changes[0]["live"]
            .as_str()
            .unwrap()
            .contains("Athena cannot parse `struct<`CT Source`"),
        "{changes:#}"
    );
    assert_eq!(changes[0]["destructive"], false);
    let report = ws.expect(&["drift", "--format", "json"], 2);
    assert!(report.contains("unparsable_type"), "{report}");

    ws.expect(&["apply", "--yes"], 0);
    let stored = stored_type_strings(catalog.as_ref(), "charged").await;
    assert!(
        stored
            .iter()
            .all(|(_, text)| !text.contains('`') && glueprint::athena::parse(text).is_ok()),
        "{stored:?}"
    );
    ws.expect(&["plan", "--detailed-exitcode"], 0);
}

async fn a_live_table_glueprint_cannot_read_is_skipped(backend: Backend) {
    let ws = workspace(backend, &["App Launched", "Charged"], 1);
    ws.expect(&["onboard", "App Launched", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);
    let catalog = ws.catalog();
    let mut live = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    live.storage.columns[0].stored_type = Some("uniontype<int,string>".into());
    catalog.update_table("events", &live).await.unwrap();
    add_day(&ws, "App Launched", 1);

    let out = ws.expect(&["plan", "--detailed-exitcode"], 2);
    assert!(
        out.starts_with("warning: table events.charged is skipped: the live table cannot be read"),
        "{out}"
    );
    assert!(out.contains("uniontype"), "{out}");
    assert!(
        out.contains("table events.app_launched  (event \"App Launched\""),
        "the rest of the database is planned: {out}"
    );
    ws.expect(&["apply", "--yes"], 0);
    assert_eq!(
        catalog
            .list_partitions("events", "app_launched")
            .await
            .unwrap()
            .len(),
        2
    );
    let report = ws.expect(&["drift", "--format", "json"], 2);
    assert!(report.contains("the live table cannot be read"), "{report}");
}

/// Locations are folders, not strings: a declaration that spells the table's folder otherwise
/// (no final slash, doubled slashes, a `.` part) still finds its files and partitions, and is
/// no change to the live table.
async fn a_location_spelled_otherwise_is_the_same_folder(backend: Backend) {
    let ws = workspace(backend, &["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);
    let plan = ws.plan_json(0);
    let location = table_plan(&plan, "charged")["location"]
        .as_str()
        .unwrap()
        .to_string();
    let root = location.strip_suffix("charged/").unwrap();
    let spelled = format!("{root}/./charged");
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "name: charged\n",
        &format!("name: charged\nlocation: {spelled}\n"),
    );
    let plan = ws.plan_json(0);
    let table = table_plan(&plan, "charged");
    assert_eq!(table["location"], location.as_str(), "{table:#}");
    assert_eq!(table["partitions"]["without_data"], serde_json::json!([]));
    assert_eq!(table["drift"], serde_json::json!([]));
}

/// CreateTable succeeded but its answer was lost: the retry meets "already exists". An
/// identical table counts as done; another one is a clear failure.
async fn a_create_whose_answer_was_lost_counts_as_done(backend: Backend) {
    let ws = workspace_with_local_lake(backend, &["Charged", "App Launched"], 1);
    ws.expect(&["onboard", "Charged", "App Launched"], 0);
    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let catalog = ws.catalog();
    let plan = plan_here(&declared, 2, catalog.as_ref()).await;
    catalog
        .create_database(&plan.databases[0].desired)
        .await
        .unwrap();
    let (first, second) = (&plan.tables[0].target, &plan.tables[1].target);
    catalog.create_table("events", first).await.unwrap();
    glueprint::apply::apply(&plan, catalog.as_ref(), &Default::default())
        .await
        .unwrap();

    catalog
        .update_table("events", &{
            let mut other = catalog
                .get_table("events", &second.name)
                .await
                .unwrap()
                .unwrap();
            other.storage.location = "s3://elsewhere/".into();
            other
        })
        .await
        .unwrap();
    let mut again = plan.clone();
    again.databases.clear();
    again.tables.retain(|t| t.name == second.name);
    let error = glueprint::apply::apply(&again, catalog.as_ref(), &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("already exists with another definition"),
        "{error}"
    );
}

/// The last check before anything is sent: a type string Athena cannot parse stops the whole
/// apply, naming table, column and position, and nothing is written.
#[tokio::test(flavor = "multi_thread")]
async fn apply_refuses_a_type_string_athena_cannot_parse_before_any_call() {
    let ws = workspace_with_local_lake(Backend::Local, &["Charged", "App Launched"], 1);
    ws.expect(&["onboard", "Charged", "App Launched"], 0);
    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let catalog = ws.catalog();
    let mut plan = plan_here(&declared, 2, catalog.as_ref()).await;
    plan.tables[1].target.storage.columns[1].stored_type = Some("decimal(24, 16)".into());
    let error = glueprint::apply::apply(&plan, catalog.as_ref(), &Default::default())
        .await
        .unwrap_err()
        .to_string();
    let table = &plan.tables[1];
    assert!(
        error.contains(&format!(
            "{}.{}: column `{}`: Athena cannot parse `decimal(24, 16)` at character 12",
            table.database, table.name, table.target.storage.columns[1].name
        )),
        "{error}"
    );
    assert!(
        catalog.get_database("events").await.unwrap().is_none(),
        "nothing written"
    );
}

/// A declared type that reads the files with less meaning (text cut to varchar(n)) is data
/// drift of its own kind in the plan, named with the Parquet type, and no drift failure.
#[tokio::test(flavor = "multi_thread")]
async fn a_read_that_loses_meaning_is_named_in_the_plan() {
    let ws = workspace(Backend::Local, &["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);
    edit(
        &ws.path("catalogs/events/charged.yaml"),
        "      CT Source: string\n",
        "      CT Source: varchar(10)\n",
    );
    let plan = ws.plan_json(2);
    let drift = &table_plan(&plan, "charged")["drift"];
    assert_eq!(drift.as_array().unwrap().len(), 1, "{drift:#}");
    assert_eq!(drift[0]["kind"], "lossy_read");
    assert_eq!(drift[0]["column"], "eventProps.CT Source");
    assert_eq!(drift[0]["declared"], "varchar(10)");
    assert_eq!(drift[0]["parquet_type"], "BYTE_ARRAY (STRING)");
    assert_eq!(drift[0]["files"], 2);
    assert!(
        drift[0]["why"].as_str().unwrap().contains("cut to 10"),
        "{drift:#}"
    );
    // Drift fails on what moved away from the declaration; a lossy read did not move.
    let report: Value =
        serde_json::from_str(&ws.expect(&["drift", "--format", "json", "--fail-on", "data"], 0))
            .unwrap();
    let kinds: Vec<&str> = report["tables"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["catalog"],
        "the declared type changed, nothing in the data: {report:#}"
    );
}
