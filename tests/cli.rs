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
        "[default: 64]",
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
    assert_eq!(output.status.code(), Some(2));
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
