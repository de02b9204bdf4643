//! The example DAG (`examples/airflow/glueprint_organize.py`) run as shipped in a real Airflow,
//! the newest 3.x and 2.x from PyPI (pinned in `tests/venvs/airflow{3,2}.txt`), with its
//! metadata database in SQLite, against moto's S3 and Glue. The tasks run the glueprint binary
//! this build made, put first on their `PATH`: the wheel would need a release build per run.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Value, json};

const EVENTS: [&str; 3] = ["App Launched", "Charged", "UTM Visited - Web"];
const TABLES: [&str; 3] = ["app_launched", "charged", "utm_visited_web"];
/// A day before the run's window (`--since` the day before the logical date): never copied.
const OLD_DAY: &str = "20240220";
const DAYS: [&str; 2] = ["20240301", "20240302"];
const LOGICAL_DATE: &str = "2024-03-02";

fn export_name(event: &str, day: &str, index: u32) -> String {
    format!("1709251200123-1709260000-{event}-{day}-{index}-W8W-4K7-WK5Z.parquet.gzip")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// CleverTap's raw export folder, as it lands: each event on three days, pyarrow-written
/// (snappy pages) and gzip-wrapped under the real names; plus, for `Charged` on the last day,
/// a second file cut in half. Returns the folder and the corrupt file's name.
fn write_raw_exports(dir: &Path) -> (PathBuf, String) {
    let plain = dir.join("plain");
    let mut specs = Vec::new();
    for event in EVENTS {
        for day in [OLD_DAY, DAYS[0], DAYS[1]] {
            let mut records = vec![
                record(
                    0,
                    json!([["CT Source", {"member5": "Web"}], ["Amount", {"member1": 3}]]),
                ),
                record(1, json!([["Amount", {"member1": 4}]])),
            ];
            for record in &mut records {
                record["eventName"] = json!(event);
            }
            let path = plain.join(export_name(event, day, 0));
            specs.push(json!({"path": path, "codec": "snappy", "records": records}));
        }
    }
    write_exports(&Value::Array(specs));
    let raw = dir.join("raw");
    std::fs::create_dir_all(&raw).unwrap();
    for file in walk(&plain) {
        let name = file.file_name().unwrap();
        std::fs::write(raw.join(name), gzip(&std::fs::read(&file).unwrap())).unwrap();
    }
    let corrupt = export_name("Charged", DAYS[1], 1);
    let whole = gzip(&std::fs::read(plain.join(export_name("Charged", DAYS[1], 0))).unwrap());
    std::fs::write(raw.join(&corrupt), &whole[..whole.len() / 2]).unwrap();
    (raw, corrupt)
}

/// The analyst's side, done before the pipeline runs: the three events onboarded from a local
/// copy of the exports, into a `catalogs/` whose lake is `$GLUEPRINT_LAKE`.
fn declare_events(dir: &Path, raw: &Path) -> PathBuf {
    let catalogs = dir.join("catalogs");
    let sample = dir.join("sample-lake");
    std::fs::create_dir_all(catalogs.join("clevertap")).unwrap();
    std::fs::write(
        catalogs.join("clevertap/database.yaml"),
        "name: clevertap\nlocation: ${GLUEPRINT_LAKE}\npartition_keys:\n- name: dt\n  type: string\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let output = command()
            .args(args)
            .args(["--catalogs", catalogs.to_str().unwrap()])
            .env("GLUEPRINT_LAKE", &sample)
            .env("GLUEPRINT_CATALOG_PATH", dir.join("sample-catalog.db"))
            .output()
            .unwrap();
        assert!(
            output.status.code().is_some_and(|code| code <= 2),
            "glueprint {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let (raw, sample_str) = (raw.to_str().unwrap(), sample.to_str().unwrap());
    run(&["organize", "--from", raw, "--to", sample_str]);
    run(&[&["onboard"][..], &EVENTS[..]].concat());
    catalogs
}

/// One Airflow install with a home (config, SQLite metadata database) of this test's own.
struct Airflow {
    venv: PathBuf,
    env: Vec<(String, String)>,
}

impl Airflow {
    fn new(major: u8, dir: &Path, catalogs: &Path, moto: &Moto) -> Airflow {
        let venv = project_venv(
            &format!("airflow{major}"),
            "the example DAG runs in a real Airflow",
        );
        let glueprint_dir = Path::new(env!("CARGO_BIN_EXE_glueprint")).parent().unwrap();
        let path = std::env::join_paths(std::iter::once(glueprint_dir.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let dags = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/airflow");
        let mut env: Vec<(String, String)> = [
            (
                "AIRFLOW_HOME",
                dir.join("airflow-home").display().to_string(),
            ),
            ("AIRFLOW__CORE__DAGS_FOLDER", dags.display().to_string()),
            ("AIRFLOW__CORE__LOAD_EXAMPLES", "False".into()),
            // A failed task would wait ten minutes for its retry; the test wants the failure.
            ("GLUEPRINT_TASK_RETRIES", "0".into()),
            (
                "AIRFLOW_VAR_GLUEPRINT_RAW",
                "s3://exports/clevertap/".into(),
            ),
            ("AIRFLOW_VAR_GLUEPRINT_LAKE", "s3://lake/clevertap/".into()),
            ("AIRFLOW_VAR_GLUEPRINT_EVENTS", json!(EVENTS).to_string()),
            (
                "AIRFLOW_VAR_GLUEPRINT_CATALOGS",
                catalogs.display().to_string(),
            ),
            ("GLUEPRINT_LAKE", "s3://lake/clevertap/".into()),
            ("GLUEPRINT_NO_CACHE", "true".into()),
            ("PATH", path.to_str().unwrap().to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
        env.extend(moto.env().into_iter().map(|(k, v)| (k.to_string(), v)));
        let airflow = Airflow { venv, env };
        let migrate = airflow.run(&["db", "migrate"]);
        assert!(migrate.status.success(), "{}", text(&migrate));
        airflow
    }

    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(self.venv.join("bin/airflow"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run airflow")
    }

    fn home(&self) -> PathBuf {
        PathBuf::from(&self.env[0].1)
    }

    /// The state of the newest DAG run and of its tasks, as (task, rendered map index, state).
    fn last_run(&self) -> (String, Vec<(String, String, String)>) {
        let db = rusqlite::Connection::open(self.home().join("airflow.db")).unwrap();
        let (run_id, state): (String, String) = db
            .query_row(
                "SELECT run_id, state FROM dag_run ORDER BY id DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let mut query = db
            .prepare(
                "SELECT task_id, COALESCE(rendered_map_index, ''), state FROM task_instance \
                 WHERE run_id = ?1 ORDER BY task_id, map_index",
            )
            .unwrap();
        let tasks = query
            .query_map([&run_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        (state, tasks)
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The log of each event's task: from the line that runs its command to the next such line.
/// `dags test` runs the mapped tasks one after the other and prints their logs.
fn event_logs(log: &str) -> Vec<(&'static str, String)> {
    let mut sections: Vec<(&'static str, String)> = Vec::new();
    for line in log.lines() {
        if line.contains("Running command:") {
            let event = EVENTS
                .into_iter()
                .find(|event| {
                    line.contains(&format!("--yes '{event}'"))
                        || line.contains(&format!("--yes {event}'"))
                        || line.contains(&format!("--yes {event}\""))
                })
                .unwrap_or_else(|| panic!("a command for no event: {line}"));
            // Airflow 2 writes each line twice (a handler per format).
            if sections.last().is_none_or(|(last, _)| *last != event) {
                sections.push((event, String::new()));
            }
        }
        if let Some((_, section)) = sections.last_mut() {
            section.push_str(line);
            section.push('\n');
        }
    }
    sections
}

/// The writes among the requests moto recorded: S3 puts, posts and deletes, and Glue actions
/// that create, update or delete.
fn writes(recording: &str) -> Vec<String> {
    recording
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter_map(|request| {
            let method = request["method"].as_str().unwrap().to_string();
            let target = request["headers"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-target"))
                .and_then(|(_, value)| value.as_str());
            let url = request["url"].as_str().unwrap();
            match target {
                Some(action) => [
                    "Create",
                    "Update",
                    "Delete",
                    "BatchCreate",
                    "BatchDelete",
                    "Put",
                ]
                .iter()
                .any(|verb| action.trim_start_matches("AWSGlue.").starts_with(verb))
                .then(|| action.to_string()),
                None => ["PUT", "POST", "DELETE"]
                    .contains(&method.as_str())
                    .then(|| format!("{method} {url}")),
            }
        })
        .collect()
}

async fn lake_objects(moto: &Moto) -> Vec<(String, Vec<u8>)> {
    let lake = moto.s3("lake");
    let listed: Vec<_> = lake.list(None).try_collect().await.unwrap();
    let mut objects = Vec::new();
    for meta in listed {
        let bytes = lake
            .get(&meta.location)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        objects.push((meta.location.to_string(), bytes.to_vec()));
    }
    objects.sort();
    objects
}

/// Runs the DAG for one day twice in the given Airflow major version and checks what it did.
async fn the_example_dag_runs_as_shipped(major: u8) {
    let dir = tempfile::tempdir().unwrap();
    let (raw, corrupt) = write_raw_exports(dir.path());
    let catalogs = declare_events(dir.path(), &raw);
    let recording = dir.path().join("moto-recording.jsonl");
    let moto = Moto::start_recording(&recording);
    moto.create_bucket("exports");
    moto.create_bucket("lake");
    moto.mirror("exports", &raw, "clevertap", &mut Mirrored::new());
    let airflow = Airflow::new(major, dir.path(), &catalogs, &moto);

    let first = airflow.run(&["dags", "test", "glueprint_organize", LOGICAL_DATE]);
    let log = text(&first);
    let (state, tasks) = airflow.last_run();
    let expected_tasks = |charged: &str| {
        let mut tasks = vec![("events".to_string(), String::new(), "success".to_string())];
        for event in EVENTS {
            let state = if event == "Charged" {
                charged
            } else {
                "success"
            };
            tasks.push(("organize_event".into(), event.into(), state.into()));
        }
        tasks
    };
    // One event failing leaves the others done, and fails the run.
    assert_eq!(
        (state.as_str(), &tasks),
        ("failed", &expected_tasks("failed")),
        "{log}"
    );
    let sections = event_logs(&log);
    let logged: Vec<&str> = sections.iter().map(|(event, _)| *event).collect();
    assert_eq!(logged.len(), EVENTS.len(), "one command per event: {log}");
    for event in EVENTS {
        assert!(logged.contains(&event), "no command for {event}: {log}");
    }
    for (event, section) in sections {
        let failed = event == "Charged";
        assert_eq!(
            section.contains(&format!(
                "s3://exports/clevertap/{corrupt} cannot decompress it"
            )),
            failed,
            "{event}'s log:\n{section}"
        );
        let code = if failed { 2 } else { 0 };
        assert!(
            section.contains(&format!("Command exited with return code {code}")),
            "{event}'s log:\n{section}"
        );
    }

    // Every good export of the run's days is in the lake layout, as plain Parquet; the older
    // day was neither listed into the window nor copied.
    let objects = lake_objects(&moto).await;
    let mut expected = Vec::new();
    for (event, table) in EVENTS.iter().zip(TABLES) {
        for day in DAYS {
            let dt = format!("{}-{}-{}", &day[..4], &day[4..6], &day[6..]);
            let base = export_name(event, day, 0).replace(".parquet.gzip", ".parquet");
            expected.push(format!("clevertap/{table}/dt={dt}/{base}"));
        }
    }
    expected.sort();
    let keys: Vec<&String> = objects.iter().map(|(key, _)| key).collect();
    assert_eq!(keys, expected.iter().collect::<Vec<_>>());
    for (key, bytes) in &objects {
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{key} is not plain Parquet"
        );
    }
    let glue = aws_sdk_glue::Client::new(&moto.sdk_config());
    for table in TABLES {
        let mut days: Vec<String> = every_partition(&glue, "clevertap", table)
            .await
            .into_iter()
            .flat_map(|partition| partition.values.unwrap_or_default())
            .collect();
        days.sort();
        assert_eq!(days, ["2024-03-01", "2024-03-02"], "partitions of {table}");
    }

    // The same day again (a re-run, or a retry): nothing copied, nothing registered.
    let before = std::fs::read_to_string(&recording).unwrap().lines().count();
    let second = airflow.run(&["dags", "test", "glueprint_organize", LOGICAL_DATE]);
    let (state, tasks) = airflow.last_run();
    assert_eq!(
        (state.as_str(), &tasks),
        ("failed", &expected_tasks("failed")),
        "{}",
        text(&second)
    );
    let recorded = std::fs::read_to_string(&recording).unwrap();
    let again: Vec<&str> = recorded.lines().skip(before).collect();
    assert!(!again.is_empty(), "the second run made no request at all");
    assert_eq!(writes(&again.join("\n")), Vec::<String>::new());
    assert_eq!(lake_objects(&moto).await, objects);
}

#[tokio::test]
async fn the_example_dag_runs_in_airflow_3() {
    the_example_dag_runs_as_shipped(3).await;
}

#[tokio::test]
async fn the_example_dag_runs_in_airflow_2() {
    the_example_dag_runs_as_shipped(2).await;
}
