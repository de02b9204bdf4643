//! The core loop on the embedded default: onboard → plan → apply → plan, through the binary,
//! on a lake written by the test and a local catalog file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::NaiveDate;
use common::*;
use glueprint::catalog::Catalog;
use glueprint::catalog::local::LocalCatalog;
use glueprint::synth::{LakeSpec, event_batch, write_lake};
use serde_json::Value;

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(events: &[&str], days: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let spec = LakeSpec {
            events: events.iter().map(|e| e.to_string()).collect(),
            ..LakeSpec::numbered(0, days)
        };
        write_lake(&dir.path().join("lake"), &spec).unwrap();
        let db = dir.path().join("catalogs/events");
        std::fs::create_dir_all(&db).unwrap();
        std::fs::write(
            db.join("database.yaml"),
            format!(
                "name: events\nlocation: {}\npartition_keys:\n- name: dt\n  type: string\n",
                dir.path().join("lake").display()
            ),
        )
        .unwrap();
        Workspace { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn run(&self, args: &[&str]) -> Output {
        let catalogs = self.path("catalogs");
        let catalog_path = self.path("catalog.db");
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--catalogs",
            catalogs.to_str().unwrap(),
            "--catalog-path",
            catalog_path.to_str().unwrap(),
        ]);
        glueprint(&all)
    }

    /// Runs and expects `code`, returning stdout.
    fn expect(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    fn plan_json(&self, code: i32) -> Value {
        serde_json::from_str(
            &self.expect(&["plan", "--format", "json", "--detailed-exitcode"], code),
        )
        .unwrap()
    }

    /// Writes one more day of data for `event`, day number `day` of the lake.
    fn add_day(&self, event: &str, day: u32) {
        let date =
            NaiveDate::from_ymd_opt(2020, 9, 19).unwrap() + chrono::Days::new(u64::from(day));
        let batch = event_batch(event, date, day, 0, 4);
        write_batch(
            &self.path("lake"),
            &format!(
                "{}/dt={}/part-00000.parquet",
                glueprint::naming::table_name(event),
                date.format("%Y-%m-%d")
            ),
            &batch,
        );
    }

    fn catalog(&self) -> LocalCatalog {
        LocalCatalog::open(&self.path("catalog.db")).unwrap()
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn onboard_plan_apply_converges_as_data_arrives() {
    // Three days: by the third, `amount` has widened to bigint and `New Prop 0` appeared.
    let ws = Workspace::new(&["App Launched", "Charged"], 3);

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
    ws.add_day("Charged", 3);
    let plan = ws.plan_json(2);
    let charged = table_plan(&plan, "charged");
    assert_eq!(charged["action"], "none");
    assert_eq!(created_partitions(charged), ["2020-09-22"]);
    assert!(created_partitions(table_plan(&plan, "app_launched")).is_empty());
    ws.expect(&["apply", "--yes", "Charged"], 0);
    ws.expect(&["plan", "--detailed-exitcode"], 0);

    // A new property: reported as drift, never applied by itself.
    ws.add_day("Charged", 4);
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
    let yaml = std::fs::read_to_string(&path).unwrap();
    let commented = yaml.replace(
        "  type: bigint\n",
        "  type: bigint\n  comment: yyyyMMddHHmmss\n",
    );
    std::fs::write(
        &path,
        commented.replace(
            "event: Charged\n",
            "event: Charged\ndescription: Purchases\n",
        ),
    )
    .unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn destructive_changes_are_refused_until_allowed() {
    let ws = Workspace::new(&["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);

    let path = ws.path("catalogs/events/charged.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let without_ts = yaml.replace("- name: ts\n  type: bigint\n", "");
    assert_ne!(yaml, without_ts);
    std::fs::write(&path, without_ts).unwrap();

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
    std::fs::remove_dir_all(ws.path("lake/charged/dt=2020-09-20")).unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn updates_keep_what_glueprint_does_not_manage() {
    let ws = Workspace::new(&["Charged"], 1);
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

    let path = ws.path("catalogs/events/charged.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace(
            "  type: bigint\n",
            "  type: bigint\n  comment: when, as yyyyMMddHHmmss\n",
        ),
    )
    .unwrap();
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

#[tokio::test(flavor = "multi_thread")]
async fn a_table_changed_since_plan_fails_apply_cleanly() {
    let ws = Workspace::new(&["Charged"], 1);
    ws.expect(&["onboard", "Charged"], 0);
    ws.expect(&["apply", "--yes"], 0);
    let path = ws.path("catalogs/events/charged.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace("name: charged\n", "name: charged\ndescription: Purchases\n"),
    )
    .unwrap();

    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let catalog = ws.catalog();
    let plan = glueprint::plan::plan(&declared, &[(0, 0)], &catalog, &Default::default())
        .await
        .unwrap();
    assert!(plan.has_changes());

    // Someone else writes the table between plan and apply.
    let mut theirs = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    theirs.parameters.insert("their.change".into(), "1".into());
    catalog.update_table("events", &theirs).await.unwrap();

    let error = glueprint::apply::apply(&plan, &catalog, &Default::default())
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

    ws.expect(&["apply", "--yes"], 0);
    let now = catalog
        .get_table("events", "charged")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.parameters["their.change"], "1");
    assert_eq!(now.description.as_deref(), Some("Purchases"));
}

#[test]
fn files_the_declared_type_cannot_read_are_named() {
    let ws = Workspace::new(&["Charged"], 4);
    ws.expect(&["onboard", "Charged"], 0);
    let path = ws.path("catalogs/events/charged.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    // The data's amount is int for two days, then bigint: declaring int cannot read the rest.
    std::fs::write(
        &path,
        yaml.replace("      amount: bigint\n", "      amount: int\n"),
    )
    .unwrap();
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

#[test]
fn onboarding_mistakes_are_explained() {
    let ws = Workspace::new(&["App Launched"], 1);
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

#[test]
fn an_interrupted_apply_leaves_a_consistent_catalog_and_a_rerun_converges() {
    let ws = Workspace::new(&["Charged", "App Launched", "Product Viewed"], 60);
    ws.expect(&["onboard", "Charged", "App Launched", "Product Viewed"], 0);
    let catalogs = ws.path("catalogs");
    let catalog_path = ws.path("catalog.db");
    for delay_ms in [5u64, 20, 60] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_glueprint"))
            .args(["apply", "--yes", "--catalogs", catalogs.to_str().unwrap()])
            .args(["--catalog-path", catalog_path.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        check_consistent(&catalog_path);
    }
    ws.expect(&["apply", "--yes"], 0);
    ws.expect(&["plan", "--detailed-exitcode"], 0);
    check_consistent(&catalog_path);
}

/// Every stored table reads back whole, and every partition belongs to a stored table.
fn check_consistent(catalog_path: &Path) {
    if !catalog_path.exists() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let catalog = LocalCatalog::open(catalog_path).unwrap();
        if catalog.get_database("events").await.unwrap().is_none() {
            return;
        }
        for table in catalog.list_tables("events").await.unwrap() {
            assert_eq!(table.storage.columns.len(), 5, "{} is whole", table.name);
            for partition in catalog
                .list_partitions("events", &table.name)
                .await
                .unwrap()
            {
                assert!(partition.storage.location.contains(&table.name));
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn projected_tables_register_no_partitions() {
    let ws = Workspace::new(&["Charged"], 2);
    ws.expect(&["onboard", "Charged"], 0);
    let path = ws.path("catalogs/events/charged.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace(
            "event: Charged\n",
            "event: Charged\npartitions:\n  projection:\n    dt:\n      type: date\n      range: 2020-09-19,NOW\n      format: yyyy-MM-dd\n",
        ),
    )
    .unwrap();
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
        format!("{}/charged/dt=${{dt}}/", ws.path("lake").display())
    );
    assert!(
        ws.catalog()
            .list_partitions("events", "charged")
            .await
            .unwrap()
            .is_empty()
    );
    ws.expect(&["plan", "--detailed-exitcode"], 0);
}
