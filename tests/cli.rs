//! The command line as people meet it: help, errors for bad input, and the sample lake.

mod common;

use std::path::Path;

use common::*;

fn sample_lake() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-lake")
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn help_teaches_the_layout_exit_codes_and_examples() {
    let output = glueprint(&["scan", "--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "Exit status: 0 no errors",
        "2 errors found in the data",
        "glueprint scan s3://",
        "--concurrency",
        "--prefetch",
        "[default: 128]",
    ] {
        assert!(help.contains(expected), "missing {expected:?} in:\n{help}");
    }
    let output = glueprint(&["--help"]);
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("<root>/<table>/<key>=<value>"), "{help}");
}

#[test]
fn bad_locations_fail_with_a_message_naming_them() {
    for (location, expected) in [
        (
            "/definitely/not/here",
            "the lake folder /definitely/not/here does not exist",
        ),
        ("gs://bucket/x", "the scheme `gs://` is not supported"),
        ("s3:///prefix", "the bucket name is missing"),
    ] {
        let output = glueprint(&["scan", location]);
        assert_eq!(output.status.code(), Some(1), "{location}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(expected), "{location}: {stderr}");
    }
}

#[test]
fn bad_flags_are_refused_by_the_parser() {
    let output = glueprint(&["scan", &sample_lake(), "--concurrency", "0"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a usage mistake is a failed run"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("--concurrency"));
    let output = glueprint(&["scan", &sample_lake(), "--format", "yaml"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("possible values: text, json"));
}

#[test]
fn the_sample_lake_scans_cleanly_as_text() {
    let output = glueprint(&["scan", &sample_lake(), "--stats"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "table app_launched  (",
        "table charged  (",
        "table product_viewed  (",
        "  3 file(s), 3 partition(s) by dt",
        "    ts          bigint",
        "    dt          string",
        "3 table(s), 9 file(s) read: 0 error(s), 0 warning(s).",
        "footers read 9",
        "9 requests (1.00 per file)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let (code, document) = scan_json(Path::new(&sample_lake()), &["charged"]);
    assert_eq!(code, 0);
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&document), ["problems", "root", "stats", "tables"]);
    assert_eq!(
        keys(&document["tables"][0]),
        [
            "columns",
            "files",
            "location",
            "name",
            "partition_keys",
            "partitions",
            "problems"
        ]
    );
    assert_eq!(
        keys(&document["stats"]),
        [
            "bytes_read",
            "elapsed_ms",
            "files_read",
            "footers_cached",
            "objects_listed",
            "objects_skipped",
            "requests"
        ]
    );
    assert_eq!(
        keys(&document["tables"][0]["partitions"][0]),
        ["location", "values"]
    );
    assert_eq!(
        columns(&document["tables"][0])[4],
        (
            "eventProps".to_string(),
            "struct<CT Source:string,Product name:string,Category:string,Price:double,\
             Is Member:boolean,Session Length:int,amount:bigint,New Prop 0:string>"
                .to_string()
        )
    );
}

/// Exit codes scripts rely on: 0 done, 1 the run failed (usage mistakes too), 2 found something.
#[test]
fn usage_mistakes_exit_1_and_help_exits_0() {
    for args in [
        &["--no-such-flag"][..],
        &["scan", "--concurrency", "many", "sample-lake"],
        &["plan", "--format", "yaml"],
        &[],
    ] {
        let output = glueprint(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            !String::from_utf8_lossy(&output.stderr).is_empty(),
            "{args:?} says why"
        );
    }
    for args in [&["--help"][..], &["--version"], &["plan", "--help"]] {
        let output = glueprint(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(!output.stdout.is_empty());
    }
    let help = String::from_utf8_lossy(&glueprint(&["--help"]).stdout).to_string();
    assert!(help.contains("Exit status:"), "{help}");
}

/// `glueprint scan lake | head -1`: the reader goes away, glueprint stops quietly, in every
/// format.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for format in ["text", "json"] {
        let mut child = command()
            .args(["scan", "sample-lake", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{format}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{format}");
    }
}

/// Plan never writes: the local catalog is opened read-only, and a missing one reads as empty.
#[test]
fn plan_creates_no_local_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("nested/catalog.db");
    let output = glueprint(&[
        "plan",
        "--no-cache",
        "--catalog-path",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("3 table(s) to create"));
    assert!(!dir.path().join("nested").exists());
}

/// A condition with two operators, or on a key the tables do not have, is an error; one that
/// matches nothing says so.
#[test]
fn partition_conditions_are_checked() {
    let output = glueprint(&["scan", &sample_lake(), "--partitions", "dt>=>=x"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a partition condition"));

    let output = glueprint(&["plan", "--no-cache", "--partitions", "day>=2020-09-19"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`day`, which is not a partition key of")
            && stderr.contains("(its keys: dt)"),
        "{stderr}"
    );

    let output = glueprint(&[
        "scan",
        &sample_lake(),
        "--partitions",
        "day>=x",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document["tables"][0]["problems"][0]["kind"], "unknown_partition_key",
        "{document:#}"
    );

    let output = glueprint(&[
        "scan",
        &sample_lake(),
        "--partitions",
        "dt>=2030-01-01",
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document["problems"][0]["kind"], "no_partition_matched",
        "{document:#}"
    );
}

/// An endpoint that accepts connections and never answers fails the run within the configured
/// timeouts, for Glue and for S3, with a message that says what happened.
#[test]
fn a_silent_endpoint_fails_the_run_in_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    // Accept and hold every connection, answering nothing.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("catalogs/db");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(
        db.join("database.yaml"),
        "name: db\nlocation: s3://b/lake/\n",
    )
    .unwrap();
    std::fs::write(
        db.join("t.yaml"),
        "name: t\nevent: T\ncolumns:\n- name: a\n  type: int\n",
    )
    .unwrap();
    let env = [
        ("GLUEPRINT_ATTEMPT_TIMEOUT", "1".to_string()),
        ("GLUEPRINT_OPERATION_TIMEOUT", "3".to_string()),
        ("AWS_ACCESS_KEY_ID", "testing".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ];
    let catalogs = db.parent().unwrap().to_str().unwrap().to_string();
    for args in [
        vec!["plan", "--catalog", "glue", "--catalogs", &catalogs],
        vec!["scan", "s3://b/lake/"],
    ] {
        let started = std::time::Instant::now();
        let output = glueprint_with_env(&args, &env);
        let took = started.elapsed();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            took < std::time::Duration::from_secs(20),
            "{args:?} took {took:?}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("no answer in time") || stderr.contains("cannot list s3://b/lake/"),
            "{args:?}: {stderr}"
        );
    }
}

/// A SQLite file of another application is refused, and left as it was.
#[test]
fn a_foreign_sqlite_file_is_never_written_into() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("app.db");
    let connection = rusqlite::Connection::open(&foreign).unwrap();
    connection
        .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(connection);
    let before = std::fs::read(&foreign).unwrap();
    for command in ["plan", "apply"] {
        let output = glueprint(&[
            command,
            "--no-cache",
            "--catalog-path",
            foreign.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a glueprint catalog"), "{stderr}");
    }
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let commands = [
        "scan", "onboard", "plan", "lint", "drift", "apply", "import", "organize", "fmt",
    ];
    for (shell, marker) in [
        ("bash", "_glueprint()"),
        ("zsh", "#compdef glueprint"),
        ("fish", "complete -c glueprint"),
    ] {
        let output = glueprint(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        for command in commands {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
        assert!(script.contains("detailed-exitcode"), "{shell} lacks flags");
    }
    assert_eq!(glueprint(&["completions", "tcsh"]).status.code(), Some(1));

    let dir = tempfile::tempdir().unwrap();
    let output = glueprint(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let main_page = std::fs::read_to_string(dir.path().join("glueprint.1")).unwrap();
    assert!(main_page.starts_with(".ie") && main_page.contains(".TH glueprint 1"));
    for command in commands {
        let page = std::fs::read_to_string(dir.path().join(format!("glueprint-{command}.1")))
            .unwrap_or_else(|error| panic!("no page for {command}: {error}"));
        assert!(page.contains(&format!("glueprint\\-{command}")), "{page}");
    }
    let plan_page = std::fs::read_to_string(dir.path().join("glueprint-plan.1")).unwrap();
    assert!(plan_page.contains("detailed\\-exitcode"), "{plan_page}");
}
