//! The declared catalog: strict YAML with located errors, canonical output, JSON Schemas.

mod common;

use std::path::Path;

use common::*;

fn catalogs_with(database: &str, tables: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("database.yaml"), database).unwrap();
    for (name, text) in tables {
        std::fs::write(db.join(name), text).unwrap();
    }
    dir
}

const DATABASE: &str =
    "name: events\nlocation: lake\npartition_keys:\n- name: dt\n  type: string\n";

fn load_error(database: &str, tables: &[(&str, &str)]) -> String {
    let dir = catalogs_with(database, tables);
    match glueprint::declare::Declared::load(dir.path()) {
        Ok(_) => panic!("expected an error"),
        Err(errors) => errors
            .to_string()
            .replace(&dir.path().display().to_string(), "<catalogs>"),
    }
}

#[test]
fn unknown_keys_are_errors_with_file_line_and_column() {
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: a\n  type: int\n  commnet: typo\n",
        )],
    );
    assert!(
        error.starts_with("<catalogs>/events/t.yaml:6:3: unknown field `commnet`"),
        "{error}"
    );
}

#[test]
fn bad_type_strings_point_at_the_value() {
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: a\n  type: struct<x:integr>\n",
        )],
    );
    assert!(
        error.starts_with("<catalogs>/events/t.yaml:5:9: "),
        "{error}"
    );
    assert!(error.contains("unknown type `integr`"), "{error}");
}

#[test]
fn duplicate_yaml_keys_and_duplicate_columns_are_errors() {
    let error = load_error(
        DATABASE,
        &[("t.yaml", "name: t\nname: u\nevent: T\ncolumns: []\n")],
    );
    assert!(
        error.starts_with(
            "<catalogs>/events/t.yaml:2:1: duplicate mapping key: name; a key may appear once"
        ),
        "{error}"
    );

    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: Amount\n  type: int\n- name: amount\n  type: bigint\n",
        )],
    );
    assert!(
        error.starts_with(
            "<catalogs>/events/t.yaml:6:9: column `amount` is declared twice (first at line 4)"
        ),
        "{error}"
    );

    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: p\n  type:\n    struct:\n      Name: string\n      name: int\n",
        )],
    );
    assert!(
        error.contains("t.yaml:7:7: struct fields `Name` and `name` differ only in case"),
        "{error}"
    );
}

#[test]
fn missing_fields_wrong_kinds_and_naming_mistakes_are_errors() {
    let error = load_error(
        DATABASE,
        &[("t.yaml", "name: t\ncolumns:\n- name: a\n  type: int\n")],
    );
    assert!(error.starts_with("<catalogs>/events/t.yaml:"), "{error}");
    assert!(error.contains(": missing field `event`"), "{error}");

    let error = load_error(DATABASE, &[("t.yaml", "name: t\nevent: T\ncolumns: 5\n")]);
    assert!(error.contains("t.yaml:3:10"), "{error}");

    let error = load_error(
        DATABASE,
        &[(
            "u.yaml",
            "name: t\nevent: T\ncolumns:\n- name: a\n  type: int\n",
        )],
    );
    assert!(
        error.contains("the table is named `t` but the file is u.yaml"),
        "{error}"
    );

    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: DT\n  type: string\n",
        )],
    );
    assert!(
        error.contains("t.yaml:4:9: column `DT` repeats partition key `dt`"),
        "{error}"
    );

    let error = load_error(
        DATABASE,
        &[
            (
                "a.yaml",
                "name: a\nevent: App Launched\ncolumns:\n- name: x\n  type: int\n",
            ),
            (
                "b.yaml",
                "name: b\nevent: applaunched\ncolumns:\n- name: x\n  type: int\n",
            ),
        ],
    );
    assert!(
        error.contains("event `applaunched` is also declared by"),
        "{error}"
    );
}

#[test]
fn environment_references_resolve_or_fail_clearly() {
    let error = load_error(
        "name: events\nlocation: ${GLUEPRINT_TEST_SURELY_UNSET}/lake\n",
        &[],
    );
    assert!(
        error.contains(
            "database.yaml:2:11: environment variable GLUEPRINT_TEST_SURELY_UNSET is not set"
        ),
        "{error}"
    );
    let dir = catalogs_with(
        "name: events\nlocation: ${GLUEPRINT_TEST_SURELY_UNSET:-s3://b/p}\n",
        &[],
    );
    let declared = glueprint::declare::Declared::load(dir.path()).unwrap();
    assert_eq!(declared.databases[0].location, "s3://b/p/");
}

#[test]
fn fmt_rewrites_canonically_and_check_reports() {
    let dir = catalogs_with(
        DATABASE,
        &[(
            "t.yaml",
            "event: 'T'\nname: t\ncolumns:\n  - {name: p, type: 'STRUCT< a : INT, b: ARRAY<STRUCT<c:string>> >', comment: \"the p\"}\n",
        )],
    );
    let catalogs = dir.path().to_str().unwrap();
    let check = glueprint(&["fmt", "--check", "--catalogs", catalogs]);
    assert_eq!(check.status.code(), Some(2));
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        listed.contains("not canonical: ") && listed.contains("t.yaml"),
        "{listed}"
    );
    assert!(listed.contains("database.yaml"), "{listed}");

    assert!(glueprint(&["fmt", "--catalogs", catalogs]).status.success());
    let table = std::fs::read_to_string(dir.path().join("events/t.yaml")).unwrap();
    assert_eq!(
        table,
        "# yaml-language-server: $schema=../../schemas/table.schema.json\n\
         name: t\n\
         event: T\n\
         columns:\n\
         - name: p\n  \
           type:\n    \
             struct:\n      \
               a: int\n      \
               b:\n        \
                 array:\n          \
                   struct:\n            \
                     c: string\n  \
           comment: the p\n"
    );
    let again = glueprint(&["fmt", "--check", "--catalogs", catalogs]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn the_committed_catalogs_are_canonical_and_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogs = root.join("catalogs");
    let check = glueprint(&["fmt", "--check", "--catalogs", catalogs.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let declared = glueprint::declare::Declared::load(&catalogs).unwrap();
    let tables: Vec<&str> = declared.databases[0]
        .tables
        .iter()
        .map(|t| t.file.name.as_str())
        .collect();
    assert_eq!(tables, ["app_launched", "charged", "product_viewed"]);
}

/// The JSON Schemas under schemas/ are generated from the Rust types; regenerate them with
/// `GLUEPRINT_BLESS=1 cargo test --test declare`.
#[test]
fn the_committed_json_schemas_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, generated) in glueprint::declare::json_schemas().unwrap() {
        let path = dir.join(name);
        if std::env::var_os("GLUEPRINT_BLESS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed,
            generated,
            "{} is stale: regenerate with GLUEPRINT_BLESS=1",
            path.display()
        );
        let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
        assert!(schema["properties"]["name"].is_object());
    }
}

#[test]
fn struct_fields_athena_cannot_parse_are_refused_where_written() {
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: props\n  type:\n    struct:\n      CT Source: string\n      utm-source: string\n",
        )],
    );
    assert!(
        error.starts_with(
            "<catalogs>/events/t.yaml:7:7: line 8: struct field `utm-source` cannot be declared \
             because it holds `-`"
        ),
        "{error}"
    );
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: props\n  type: array<struct<a/b:int>>\n",
        )],
    );
    assert!(
        error.starts_with("<catalogs>/events/t.yaml:5:9: struct field `[].a/b` cannot be declared"),
        "{error}"
    );
}

/// Glue's field limits stop plan before any catalog call, with the file and line.
#[test]
fn glue_field_limits_are_plan_errors_with_the_line() {
    let long_comment = "c".repeat(256);
    let long_description = "d".repeat(2049);
    let dir = catalogs_with(
        DATABASE,
        &[(
            "t.yaml",
            &format!(
                "name: t\nevent: T\ndescription: {long_description}\ncolumns:\n- name: a\n  type: int\n  comment: {long_comment}\n- name: b\n  type: int\n  comment: \"two\\nlines\"\n- name: {}\n  type: int\n",
                "n".repeat(256)
            ),
        )],
    );
    let output = glueprint(&[
        "plan",
        "--catalogs",
        dir.path().to_str().unwrap(),
        "--catalog-path",
        dir.path().join("catalog.db").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr)
        .replace(&dir.path().display().to_string(), "<catalogs>");
    for expected in [
        "<catalogs>/events/t.yaml:5:9: the comment of `a` is 256 characters long; Glue takes at most 255",
        "<catalogs>/events/t.yaml:8:9: the comment of `b` spans lines",
        "<catalogs>/events/t.yaml:11:9: column name `nnn",
        "<catalogs>/events/t.yaml:1:1: the description is 2049 characters long",
        "nothing was read from the catalog",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
}

/// Athena reads Glue tables from S3 only: a local folder is refused before Glue is asked.
#[test]
fn the_glue_catalog_refuses_locations_outside_s3() {
    let dir = catalogs_with(
        DATABASE,
        &[(
            "t.yaml",
            "name: t\nevent: T\ncolumns:\n- name: a\n  type: int\n",
        )],
    );
    let output = glueprint_with_env(
        &["plan", "--catalogs", dir.path().to_str().unwrap()],
        &[
            ("GLUEPRINT_CATALOG", "glue".into()),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
            ("AWS_REGION", "us-east-1".into()),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the Glue catalog takes s3:// locations only")
            && stderr.contains("t.yaml (lake/t/)"),
        "{stderr}"
    );
}

/// Locations are printed in plans and PR comments: only GLUEPRINT_* variables expand, and
/// credential-like names are refused with the line, their value never read.
#[test]
fn only_glueprint_variables_expand_and_secrets_never() {
    for (name, expected) in [
        ("AWS_SECRET_ACCESS_KEY", "looks like a credential"),
        ("GITHUB_TOKEN", "looks like a credential"),
        ("GLUEPRINT_DB_PASSWORD", "looks like a credential"),
        ("HOME", "only GLUEPRINT_* variables expand"),
    ] {
        let error = load_error(
            &format!("name: events\nlocation: s3://lake/x-${{{name}}}/\n"),
            &[],
        );
        assert!(
            error.starts_with("<catalogs>/events/database.yaml:2:11: ") && error.contains(expected),
            "{name}: {error}"
        );
    }
}

/// YAML that glueprint writes stays readable by glueprint, however deep the type.
#[test]
fn deep_types_are_written_as_yaml_glueprint_reads_back() {
    let deep: String = format!("{}int{}", "struct<a:".repeat(40), ">".repeat(40));
    let ty: glueprint::hive::HiveType = deep.parse().unwrap();
    let file = glueprint::declare::new_table_file(
        "t",
        "T",
        vec![glueprint::declare::ColumnSpec::new(
            "deep",
            ty.clone(),
            None,
        )],
    );
    let dir = catalogs_with(
        DATABASE,
        &[("t.yaml", &glueprint::declare::table_yaml(&file).unwrap())],
    );
    let declared = glueprint::declare::Declared::load(dir.path()).unwrap();
    assert_eq!(declared.databases[0].tables[0].file.columns[0].ty.0, ty);
}

/// Union-map properties belong to a declared union-map column, with a type its branches read.
#[test]
fn properties_need_a_union_map_and_a_type_its_branches_read() {
    let union = "map<string,struct<member0:boolean,member1:int,member2:bigint,member3:float,\
                 member4:double,member5:string,member6:array<string>>>";
    let table = |properties: &str| {
        format!(
            "name: t\nevent: T\ncolumns:\n- name: eventProps\n  type: {union}\n- name: n\n  \
             type: int\nproperties:\n{properties}"
        )
    };
    let ok = catalogs_with(
        DATABASE,
        &[(
            "t.yaml",
            &table(
                "  eventProps:\n    Amount: double\n    Plan: string\n    Count: bigint\n    \
                 Tags: array<string>\n",
            ),
        )],
    );
    let declared = glueprint::declare::Declared::load(ok.path()).unwrap();
    assert_eq!(
        declared.databases[0].tables[0].file.properties["eventProps"].len(),
        4,
        "a complex branch's own type is a property's type"
    );

    let error = load_error(
        DATABASE,
        &[("t.yaml", &table("  n:\n    Amount: double\n"))],
    );
    assert!(
        error.contains(
            "t.yaml:10:13: `properties` names `n`, which is not a declared union-map column"
        ),
        "{error}"
    );
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            &table("  eventProps:\n    Amount: double\nview: Typed View\n"),
        )],
    );
    assert!(
        error.contains("view name `Typed View` must be lower case letters, digits and _"),
        "{error}"
    );
    let error = load_error(
        DATABASE,
        &[(
            "t.yaml",
            &table("  eventProps:\n    Signed Up: date\n    Tags: array<int>\n"),
        )],
    );
    assert!(
        error.contains(
            "t.yaml:10:16: property `Signed Up` of `eventProps` is declared date, which none of \
             the union's branches (member0 boolean, member1 int, member2 bigint, member3 float, \
             member4 double, member5 string, member6 array<string>) can be read as"
        ),
        "{error}"
    );
    assert!(
        error.contains("t.yaml:11:11: property `Tags` of `eventProps` is declared array<int>"),
        "a complex type reads only its own branch: {error}"
    );
}
