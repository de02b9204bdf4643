//! Lint: each rule triggered and not triggered, engines, severities, exit codes.

mod common;

use arrow_schema::DataType;
use common::*;
use serde_json::Value;

/// A catalogs folder with one table `t` (columns given as YAML) over a lake folder, linted.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(columns_yaml: &str, table_extra: &str, database_extra: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let lake = dir.path().join("lake");
        std::fs::create_dir_all(lake.join("t")).unwrap();
        let db = dir.path().join("catalogs/events");
        std::fs::create_dir_all(&db).unwrap();
        std::fs::write(
            db.join("database.yaml"),
            format!(
                "name: events\nlocation: {}\n{database_extra}",
                lake.display()
            ),
        )
        .unwrap();
        std::fs::write(
            db.join("t.yaml"),
            format!("name: t\nevent: T\n{table_extra}columns:\n{columns_yaml}"),
        )
        .unwrap();
        Case { dir }
    }

    fn lint(&self, extra: &[&str]) -> (i32, Vec<(String, String)>) {
        let catalogs = self.dir.path().join("catalogs");
        let mut args = vec![
            "lint",
            "--format",
            "json",
            "--catalogs",
            catalogs.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let output = glueprint(&args);
        let code = output.status.code().unwrap();
        assert!(code != 1, "{}", String::from_utf8_lossy(&output.stderr));
        let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
        let found = findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (code, found)
    }
}

fn rules(found: &[(String, String)]) -> Vec<&str> {
    found.iter().map(|(rule, _)| rule.as_str()).collect()
}

const DESCRIBED: &str = "description: Purchases\n";

#[test]
fn each_declaration_rule_triggers_and_stays_quiet() {
    let long = "x".repeat(129);
    let ok_long = "x".repeat(128);
    let wide_struct: String = (0..300)
        .map(|i| format!("      field_{i:04}: string\n"))
        .collect();
    let cases: Vec<(&str, String, String)> = vec![
        (
            "name-charset",
            "- name: bad-name\n  type: int\n".into(),
            "- name: good_name\n  type: int\n".into(),
        ),
        (
            "name-uppercase",
            "- name: Name\n  type: int\n".into(),
            "- name: name\n  type: int\n".into(),
        ),
        (
            "name-leading",
            "- name: _id\n  type: int\n".into(),
            "- name: id\n  type: int\n".into(),
        ),
        (
            "name-length",
            format!("- name: {long}\n  type: int\n"),
            format!("- name: {ok_long}\n  type: int\n"),
        ),
        (
            "reserved-word",
            "- name: date\n  type: string\n".into(),
            "- name: event_date\n  type: string\n".into(),
        ),
        (
            "struct-field-name",
            "- name: props\n  type:\n    struct:\n      Product name: string\n".into(),
            "- name: props\n  type:\n    struct:\n      product_name: string\n".into(),
        ),
        (
            "nested-array",
            "- name: a\n  type: array<array<int>>\n".into(),
            "- name: a\n  type: array<int>\n".into(),
        ),
        (
            "type-length",
            format!("- name: wide\n  type:\n    struct:\n{wide_struct}"),
            "- name: narrow\n  type: struct<a:int>\n".into(),
        ),
        (
            "comment-length",
            format!("- name: a\n  type: int\n  comment: {}\n", "c".repeat(256)),
            format!("- name: a\n  type: int\n  comment: {}\n", "c".repeat(255)),
        ),
    ];
    for (rule, triggers, quiet) in cases {
        let (_, found) = Case::new(&triggers, DESCRIBED, "").lint(&[]);
        assert!(
            rules(&found).contains(&rule),
            "{rule} should trigger: {found:?}"
        );
        let (_, found) = Case::new(&quiet, DESCRIBED, "").lint(&[]);
        assert!(
            !rules(&found).contains(&rule),
            "{rule} should stay quiet: {found:?}"
        );
    }
    let (_, found) = Case::new("- name: a\n  type: int\n", "", "").lint(&[]);
    assert_eq!(rules(&found), ["missing-description"]);
    let (code, found) = Case::new("- name: a\n  type: int\n", DESCRIBED, "").lint(&[]);
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn engines_severities_and_exit_codes() {
    let struct_field = "- name: props\n  type:\n    struct:\n      Product name: string\n";
    let (code, found) = Case::new(struct_field, DESCRIBED, "").lint(&["--engine", "athena"]);
    assert_eq!(
        (code, found),
        (0, vec![]),
        "Athena reads spaced field names"
    );
    let (code, found) = Case::new(struct_field, DESCRIBED, "").lint(&["--engine", "spectrum"]);
    assert_eq!(
        (code, found),
        (
            0,
            vec![("struct-field-name".to_string(), "warning".to_string())]
        ),
        "unverified for Spectrum: a warning"
    );
    let nested = "- name: a\n  type: array<map<string,int>>\n";
    let (_, found) = Case::new(nested, DESCRIBED, "").lint(&["--engine", "athena"]);
    assert!(found.is_empty(), "a Spectrum-only rule: {found:?}");

    // Warnings alone pass, unless they count as errors.
    let (code, found) = Case::new("- name: Name\n  type: int\n", DESCRIBED, "").lint(&[]);
    assert_eq!((code, rules(&found)), (0, vec!["name-uppercase"]));
    let (code, _) =
        Case::new("- name: Name\n  type: int\n", DESCRIBED, "").lint(&["--warnings-as-errors"]);
    assert_eq!(code, 2);

    // database.yaml overrides severities, or turns rules off.
    let case = Case::new(
        "- name: Name\n  type: int\n",
        "",
        "lint:\n  name-uppercase: error\n  missing-description: off\n",
    );
    let (code, found) = case.lint(&[]);
    assert_eq!(
        (code, found),
        (2, vec![("name-uppercase".to_string(), "error".to_string())])
    );

    let case = Case::new(
        "- name: a\n  type: int\n",
        DESCRIBED,
        "lint:\n  no-such-rule: off\n",
    );
    let catalogs = case.dir.path().join("catalogs");
    let output = glueprint(&["lint", "--catalogs", catalogs.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown lint rule `no-such-rule`"));

    let case = Case::new(
        "- name: a\n  type: int\n",
        DESCRIBED,
        "lint:\n  name-uppercase: loud\n",
    );
    let output = glueprint(&[
        "lint",
        "--catalogs",
        case.dir.path().join("catalogs").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("database.yaml:4:19"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn files_are_checked_against_the_declaration_per_engine() {
    let case = Case::new(
        "- name: amount\n  type: bigint\n- name: big\n  type: bigint\n",
        DESCRIBED,
        "partition_keys:\n- name: dt\n  type: string\n",
    );
    let lake = case.dir.path().join("lake");
    let fields = |amount| vec![col("amount", amount), col("big", DataType::Int64)];
    write_schema_file(
        &lake,
        "t/dt=2020-09-19/a.parquet",
        fields(DataType::Int32),
        1,
    );
    write_schema_file(
        &lake,
        "t/dt=2020-09-20/b.parquet",
        fields(DataType::Int64),
        1,
    );

    // int files read as bigint in Athena (widening) but not in Spectrum (exact types only).
    let (code, found) = case.lint(&["--data", "--engine", "athena"]);
    assert_eq!((code, rules(&found)), (0, vec![]), "{found:?}");
    let (code, found) = case.lint(&["--data", "--engine", "spectrum"]);
    assert_eq!(code, 2);
    assert_eq!(rules(&found), ["unreadable-file"]);

    // Unreadable files and partition folders against the declaration.
    write_bytes(&lake, "t/dt=2020-09-20/broken.parquet", b"not parquet");
    write_schema_file(&lake, "t/c.parquet", fields(DataType::Int64), 1);
    let (_, found) = case.lint(&["--data", "--engine", "athena"]);
    assert_eq!(rules(&found), ["data-error", "data-error"], "{found:?}");
}

/// Types Athena's reader cannot read under any declaration are errors, whatever is declared:
/// the scan says so, and the read predictor names the declaration that cannot read them.
#[test]
fn files_holding_unreadable_types_are_errors_under_any_declaration() {
    for declared in ["decimal(20,0)", "string", "bigint"] {
        let case = Case::new(
            &format!("- name: id\n  type: string\n- name: big\n  type: {declared}\n"),
            DESCRIBED,
            "",
        );
        let lake = case.dir.path().join("lake");
        write_schema_file(
            &lake,
            "t/a.parquet",
            vec![col("id", DataType::Utf8), col("big", DataType::UInt64)],
            1,
        );
        let (code, found) = case.lint(&["--data"]);
        assert_eq!(
            (code, rules(&found)),
            (2, vec!["unreadable-file", "unreadable-file", "data-error"]),
            "declared {declared}"
        );
    }
}

#[test]
fn text_output_names_file_line_rule_and_hint() {
    let case = Case::new(
        "- name: a\n  type: int\n- name: Bad-Name\n  type: int\n",
        DESCRIBED,
        "",
    );
    let catalogs = case.dir.path().join("catalogs");
    let output = glueprint(&["lint", "--catalogs", catalogs.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("events/t.yaml:7: error[name-charset]: column `Bad-Name` has characters other than a-z, 0-9 and _; use only a-z, 0-9 and _"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("1 error(s), 1 warning(s)."),
        "{text}"
    );
}

#[test]
fn partition_folders_must_match_the_declared_keys() {
    let case = Case::new("- name: id\n  type: string\n", DESCRIBED, "");
    let lake = case.dir.path().join("lake");
    write_schema_file(
        &lake,
        "t/dt=2020-09-19/a.parquet",
        vec![col("id", DataType::Utf8)],
        1,
    );
    let (code, found) = case.lint(&["--data"]);
    assert_eq!((code, rules(&found)), (2, vec!["partition-keys"]));
    let case = Case::new(
        "- name: id\n  type: string\n",
        DESCRIBED,
        "partition_keys:\n- name: dt\n  type: string\n",
    );
    write_schema_file(
        &case.dir.path().join("lake"),
        "t/dt=2020-09-19/a.parquet",
        vec![col("id", DataType::Utf8)],
        1,
    );
    assert_eq!(case.lint(&["--data"]), (0, vec![]));
}

/// The read predictor, end to end: what Athena's reader fails on or reads wrongly is an error,
/// what it reads with less meaning a `lossy-read` warning, what it reads is nothing.
#[test]
fn reads_that_lose_meaning_are_warnings_and_wrong_reads_errors() {
    let case = Case::new(
        "- name: u32\n  type: bigint\n- name: price\n  type: decimal(12,2)\n- name: ts\n  \
         type: bigint\n- name: n\n  type: int\n- name: day\n  type: date\n- name: note\n  \
         type: varchar(10)\n",
        DESCRIBED,
        "",
    );
    let lake = case.dir.path().join("lake");
    write_schema_file(
        &lake,
        "t/a.parquet",
        vec![
            col("u32", DataType::UInt32),
            col("price", DataType::Decimal128(12, 4)),
            col(
                "ts",
                DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, None),
            ),
            col("n", DataType::Int64),
            col("day", DataType::Date32),
            col("note", DataType::Utf8),
        ],
        1,
    );
    let catalogs = case.dir.path().join("catalogs");
    let output = glueprint(&[
        "lint",
        "--data",
        "--engine",
        "athena",
        "--catalogs",
        catalogs.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("events/t.yaml"))
        .collect();
    let expect = [
        (
            "error[unreadable-file]",
            "`u32` as INT32 (UINT_32), declared bigint: Athena reads it wrongly: unsigned 32-bit values are read as signed",
        ),
        (
            "warning[lossy-read]",
            "`price` as INT64 (DECIMAL(12,4)), declared decimal(12,2)",
        ),
        (
            "warning[lossy-read]",
            "rounded half-up from 4 to 2 decimal places",
        ),
        (
            "warning[lossy-read]",
            "`ts` as INT64 (TIMESTAMP(MILLIS)), declared bigint: Athena reads it, but timestamps read as the stored count of milliseconds",
        ),
        (
            "error[unreadable-file]",
            "`n` as INT64, declared int: Athena reads it wrongly: values beyond the range of int fail the query",
        ),
        (
            "warning[lossy-read]",
            "`note` as BYTE_ARRAY (STRING), declared varchar(10)",
        ),
    ];
    for (rule, words) in expect {
        assert!(
            lines.iter().any(|l| l.contains(rule) && l.contains(words)),
            "no {rule} with {words:?} in:\n{text}"
        );
    }
    assert!(!text.contains("`day`"), "date32 reads as date: {text}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("error[")).count(),
        2,
        "{text}"
    );
}
