//! Union maps (CleverTap's generic export): the shape recognised, and the properties found in
//! a bounded sample, read by column.

mod common;

use glueprint::discover::{self, Discovery};
use glueprint::store::Lake;
use glueprint::synth::{UnionValue as V, union_map_batch};

use common::workspace::{Backend, Workspace};
use common::*;

/// Three days of "Charged": `Amount` an int (member2 as bigint here) then a double, `Plan` a
/// number then text, empty and null maps, keys with spaces and capitals.
fn write_lake(root: &std::path::Path) {
    let day = |date: &str, records: &[Option<Vec<(&str, V)>>]| {
        let batch = union_map_batch("Charged", records);
        write_batch(root, &format!("charged/dt={date}/part-0.parquet"), &batch);
    };
    day(
        "2020-09-19",
        &[
            Some(vec![
                ("CT Source", V::Text("Mobile".into())),
                ("Amount", V::BigInt(10)),
            ]),
            Some(vec![
                ("Amount", V::BigInt(12)),
                ("Plan", V::Int(3)),
                ("Flag", V::Boolean(true)),
            ]),
            Some(vec![]),
            None,
        ],
    );
    day(
        "2020-09-20",
        &[
            Some(vec![
                ("CT Source", V::Text("Web".into())),
                ("Amount", V::Double(9.5)),
            ]),
            Some(vec![
                ("Plan", V::Text("gold".into())),
                ("Is Member", V::Boolean(true)),
                ("Flag", V::Int(1)),
            ]),
        ],
    );
    day(
        "2020-09-21",
        &[Some(vec![
            ("Amount", V::Double(1.25)),
            ("Session Length", V::Float(2.5)),
        ])],
    );
    // A busy day: many records whose devices make most of the file's bytes.
    let busy: Vec<Option<Vec<(&str, V)>>> = (0..5000)
        .map(|i| Some(vec![("CT Source", V::Text(format!("campaign {}", i % 7)))]))
        .collect();
    day("2020-09-18", &busy);
}

/// The union maps of the lake's one table, as the scan finds them.
async fn unions_of(lake: &Lake) -> Vec<discover::UnionMap> {
    let report = glueprint::scan::scan(lake, &Default::default(), &glueprint::scan::Silent)
        .await
        .unwrap();
    let columns = &report.tables[0].columns;
    discover::union_columns(columns.iter().map(|c| (c.name.as_str(), &c.ty)))
}

async fn discover(root: &std::path::Path, budget: u64) -> Discovery {
    let lake = Lake::open(root.to_str().unwrap()).await.unwrap();
    let unions = unions_of(&lake).await;
    assert_eq!(
        unions
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["eventProps"],
        "only the union map is one"
    );
    let mut skipped = Vec::new();
    let found = discover::discover(&lake, "charged", &unions, budget, &mut skipped)
        .await
        .unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    found
}

fn summary(discovery: &Discovery) -> Vec<String> {
    discovery.columns[0]
        .properties
        .iter()
        .map(|p| {
            let branches: Vec<String> = p
                .branches
                .iter()
                .map(|b| format!("{}:{}x{}", b.branch, b.ty, b.rows))
                .collect();
            format!("{} = {}", p.key, branches.join(" "))
        })
        .collect()
}

/// The test lake, a `catalogs/` declaring its database, and a local catalog.
fn workspace() -> Workspace {
    let ws = Workspace::empty(Backend::Local, true);
    write_lake(&ws.lake());
    ws
}

#[tokio::test(flavor = "multi_thread")]
async fn every_key_is_found_with_the_branches_its_values_use() {
    let dir = tempfile::tempdir().unwrap();
    write_lake(dir.path());
    let found = discover(dir.path(), discover::DEFAULT_SAMPLE_BYTES).await;
    assert_eq!(
        summary(&found),
        [
            "Amount = member2:bigintx2 member4:doublex2",
            "CT Source = member5:stringx5002",
            "Flag = member0:booleanx1 member1:intx1",
            "Is Member = member0:booleanx1",
            "Plan = member1:intx1 member5:stringx1",
            "Session Length = member3:floatx1",
        ]
    );
    assert_eq!((found.files_read, found.rows), (4, 5007));
    // Only the map's leaves and the footers: a fraction of the files.
    assert!(
        found.bytes_read * 4 < found.table_bytes,
        "{} of {} bytes",
        found.bytes_read,
        found.table_bytes
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_stops_at_its_budget_newest_partitions_first() {
    let dir = tempfile::tempdir().unwrap();
    write_lake(dir.path());
    let found = discover(dir.path(), 1).await;
    assert_eq!(found.files_read, 1, "the first file read exhausts one byte");
    assert_eq!(
        summary(&found),
        [
            "Amount = member4:doublex1",
            "Session Length = member3:floatx1"
        ],
        "the newest day, 2020-09-21"
    );
}

/// `onboard` on a union-map table says what the sample found and the type it would declare.
#[test]
fn onboard_tells_the_properties_and_their_types() {
    let ws = workspace();
    let text = ws.expect(&["onboard", "Charged", "--sample-bytes", "1000000"], 0);
    for line in [
        "  eventProps: a union map (CleverTap's generic export); 6 propert(ies) in 5007 row(s) of 4 file(s) sampled (",
        "bytes read, budget 1000000; the table holds ",
        "    Amount: double (member2 bigint in 2 row(s), member4 double in 2 row(s))",
        "    CT Source: string (member5 string in 5002 row(s))",
        "    Flag: string (member0 boolean in 1 row(s), member1 int in 1 row(s))",
        "    Is Member: boolean (member0 boolean in 1 row(s))",
        "    Plan: string (member1 int in 1 row(s), member5 string in 1 row(s))",
        "    Session Length: float (member3 float in 1 row(s))",
    ] {
        assert!(text.contains(line), "no {line:?} in:\n{text}");
    }
    // Every property is declared for review; mixed kinds (`Flag`) read as text.
    let yaml = std::fs::read_to_string(ws.path("catalogs/events/charged.yaml")).unwrap();
    let properties = &yaml[yaml.find("properties:").expect(&yaml)..];
    assert_eq!(
        properties,
        "properties:\n  eventProps:\n    Amount: double\n    CT Source: string\n    Flag: \
         string\n    Is Member: boolean\n    Plan: string\n    Session Length: float\n",
        "{yaml}"
    );
    // The file loads (plan reads it) and a second onboard leaves it as it is.
    let text = ws.expect(&["onboard", "Charged", "--update"], 0);
    assert!(text.starts_with("unchanged "), "{text}");
}

#[test]
fn scan_says_a_table_holds_a_union_map() {
    let dir = tempfile::tempdir().unwrap();
    write_lake(dir.path());
    let output = glueprint(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let problems = report["tables"][0]["problems"].as_array().unwrap();
    let kinds: Vec<&str> = problems
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["union_map"], "{problems:?}");
    assert!(
        problems[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`eventProps` is a union map")
    );
}

/// The declared properties become a typed view, created by apply beside the table, planned
/// like a table, and reported when changed by hand.
#[tokio::test(flavor = "multi_thread")]
async fn apply_creates_the_typed_view_and_plan_then_rests() {
    let ws = workspace();
    let run = |args: &[&str]| {
        let output = ws.run(args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).to_string(),
        )
    };
    assert_eq!(run(&["onboard", "Charged"]).0, Some(0));
    let (code, plan) = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(2), "{plan}");
    assert!(
        plan.contains("view events.charged_v (typed columns over events.charged): create"),
        "{plan}"
    );
    assert!(plan.contains("Views: 1 to create, 0 to update."), "{plan}");
    let (code, applied) = run(&["apply", "--yes"]);
    assert_eq!(code, Some(0), "{applied}");
    assert!(
        applied.contains("create view events.charged_v"),
        "{applied}"
    );
    let (code, plan) = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{plan}");

    use glueprint::catalog::Catalog;
    let catalog = glueprint::catalog::local::LocalCatalog::open(&ws.path("catalog.db")).unwrap();
    let view = catalog
        .get_table("events", "charged_v")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        view.table_type.as_deref(),
        Some(glueprint::views::VIRTUAL_VIEW)
    );
    assert!(
        view.view_text
            .unwrap()
            .original
            .starts_with("/* Presto View: ")
    );
    let columns: Vec<&str> = view
        .storage
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        columns,
        [
            "eventname",
            "eventtime",
            "dt",
            "event_time",
            "amount",
            "ct_source",
            "flag",
            "is_member",
            "plan",
            "session_length"
        ]
    );

    // A declared type changed in review: the view is updated, and drift says so until then.
    let yaml = std::fs::read_to_string(ws.path("catalogs/events/charged.yaml")).unwrap();
    std::fs::write(
        ws.path("catalogs/events/charged.yaml"),
        yaml.replace("    Plan: string\n", "    Plan: bigint\n"),
    )
    .unwrap();
    let (code, drift) = run(&["drift", "--format", "json"]);
    assert_eq!(code, Some(2), "{drift}");
    assert!(
        drift.contains("view `charged_v` differs from its declared definition"),
        "{drift}"
    );
    let (code, applied) = run(&["apply", "--yes"]);
    assert_eq!(code, Some(0), "{applied}");
    assert!(
        applied.contains("update view events.charged_v"),
        "{applied}"
    );
    assert_eq!(run(&["plan", "--detailed-exitcode"]).0, Some(0));

    // A new day: `Amount` arrives as text (its double view column would read NULL) and a
    // new key appears. Drift samples the union maps and says both.
    let batch = union_map_batch(
        "Charged",
        &[Some(vec![
            ("Amount", V::Text("12.50".into())),
            ("Coupon", V::Text("FALL20".into())),
        ])],
    );
    write_batch(
        &ws.path("lake"),
        "charged/dt=2020-09-22/part-0.parquet",
        &batch,
    );
    let (code, drift) = run(&["drift", "--format", "json", "--fail-on", "data"]);
    assert_eq!(code, Some(2), "{drift}");
    let report: serde_json::Value = serde_json::from_str(&drift).unwrap();
    let messages: Vec<&str> = report["tables"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "data")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "property `Amount` of `eventProps` is declared double but 1 value(s) arrive in \
             member5 (string), which the view reads as NULL: declare a type that reads both \
             (string reads every branch)",
            "property `Coupon` of `eventProps` is in the data (member5 string) but not declared; \
             declare it under `properties:` to have it in the view",
            // Declared bigint above, while "gold" is text: the silent NULL this finds.
            "property `Plan` of `eventProps` is declared bigint but 1 value(s) arrive in \
             member5 (string), which the view reads as NULL: declare a type that reads both \
             (string reads every branch)",
        ],
        "{drift}"
    );
}

/// The view's SQL parses as Trino SQL (sqlglot's Trino dialect) and, run for real on the
/// lake's files with an embedded engine (DuckDB, the SQL transpiled by sqlglot), returns the
/// values the files hold, typed, whichever branch they were written in.
#[test]
fn the_view_sql_parses_as_trino_and_reads_typed_values() {
    let ws = workspace();
    ws.expect(&["onboard", "Charged"], 0);
    let plan: serde_json::Value =
        serde_json::from_str(&ws.expect(&["plan", "--format", "json"], 0)).unwrap();
    let sql = plan["views"][0]["sql"].as_str().unwrap();

    let script = r#"
import json, sys, duckdb, sqlglot
sql, files = sys.argv[1], sys.argv[2]
sqlglot.parse_one(sql, read="trino")  # raises on anything Trino's grammar refuses
db = duckdb.connect()
db.execute("SET TimeZone = 'UTC'")
db.execute("CREATE SCHEMA events")
db.execute(f"CREATE VIEW events.charged AS SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
query = sqlglot.transpile(sql, read="trino", write="duckdb")[0]
rows = db.execute(
    f"SELECT dt, event_time, amount, ct_source, is_member, plan, session_length FROM ({query}) "
    "WHERE dt <> '2020-09-18' ORDER BY dt, eventtime NULLS LAST"
).fetchall()
print(json.dumps([[None if v is None else str(v) for v in row] for row in rows]))
"#;
    let files = ws.path("lake/charged/*/*.parquet");
    let output = std::process::Command::new(sql_python())
        .args(["-c", script, sql, files.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{sql}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Vec<Option<String>>> = serde_json::from_slice(&output.stdout).unwrap();
    let row = |values: [Option<&str>; 7]| values.map(|v| v.map(str::to_string)).to_vec();
    assert_eq!(
        rows,
        vec![
            row([
                Some("2020-09-19"),
                Some("2020-09-19 00:00:00+00:00"),
                Some("10.0"),
                Some("Mobile"),
                None,
                None,
                None
            ]),
            row([
                Some("2020-09-19"),
                Some("2020-09-19 00:01:00+00:00"),
                Some("12.0"),
                None,
                None,
                Some("3"),
                None
            ]),
            row([
                Some("2020-09-19"),
                Some("2020-09-19 00:02:00+00:00"),
                None,
                None,
                None,
                None,
                None
            ]),
            row([
                Some("2020-09-19"),
                Some("2020-09-19 00:03:00+00:00"),
                None,
                None,
                None,
                None,
                None
            ]),
            row([
                Some("2020-09-20"),
                Some("2020-09-19 00:00:00+00:00"),
                Some("9.5"),
                Some("Web"),
                None,
                None,
                None
            ]),
            row([
                Some("2020-09-20"),
                Some("2020-09-19 00:01:00+00:00"),
                None,
                None,
                Some("True"),
                Some("gold"),
                None
            ]),
            row([
                Some("2020-09-21"),
                Some("2020-09-19 00:00:00+00:00"),
                Some("1.25"),
                None,
                None,
                None,
                Some("2.5")
            ]),
        ],
        "{sql}"
    );
}

/// `glueprint views` prints the Athena view apply creates, and the Spectrum late-binding
/// view; both parse in their engine's dialect.
#[test]
fn views_print_for_athena_and_spectrum() {
    let ws = workspace();
    ws.expect(&["onboard", "Charged"], 0);
    let athena = ws.expect(&["views"], 0);
    assert!(
        athena.starts_with("CREATE OR REPLACE VIEW \"events\".\"charged_v\" AS\nSELECT\n"),
        "{athena}"
    );
    let spectrum = ws.expect(
        &[
            "views",
            "--engine",
            "spectrum",
            "--external-schema",
            "clevertap_ext",
        ],
        0,
    );
    for expected in [
        "CREATE OR REPLACE VIEW \"clevertap_ext\".\"charged_v\" AS\nSELECT\n  c.\"eventname\",",
        "  TIMESTAMP 'epoch' + CAST(c.\"eventtime\" AS BIGINT) * INTERVAL '1 second' AS \"event_time\",",
        "  COALESCE(CAST(p1.value.member1 AS DOUBLE PRECISION), CAST(p1.value.member2 AS DOUBLE \
         PRECISION), CAST(p1.value.member3 AS DOUBLE PRECISION), p1.value.member4) AS \"amount\",",
        "FROM \"clevertap_ext\".\"charged\" AS c\nLEFT JOIN c.\"eventprops\" AS p1 ON p1.key = 'Amount'\n",
        "WITH NO SCHEMA BINDING;\n",
    ] {
        assert!(
            spectrum.contains(expected),
            "no {expected:?} in:\n{spectrum}"
        );
    }
    let script = r#"
import sys, sqlglot
sqlglot.parse_one(sys.argv[1], read="trino")
sqlglot.parse_one(sys.argv[2].replace("WITH NO SCHEMA BINDING", ""), read="redshift")
"#;
    let output = std::process::Command::new(sql_python())
        .args(["-c", script, &athena, &spectrum])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A file the sample cannot read is left out and said, naming it; the others still count.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_file_in_the_sample_is_skipped_and_named() {
    let ws = workspace();
    write_bytes(
        &ws.path("lake"),
        "charged/dt=2020-09-23/part-0.parquet",
        b"not parquet at all",
    );
    let lake = Lake::open(ws.path("lake").to_str().unwrap()).await.unwrap();
    let unions = unions_of(&lake).await;
    let mut skipped = Vec::new();
    let found = discover::discover(&lake, "charged", &unions, u64::MAX, &mut skipped)
        .await
        .unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    let said = skipped[0].to_string();
    assert!(
        said.starts_with("cannot read the union maps of ")
            && said.contains("charged/dt=2020-09-23/part-0.parquet")
            && said.ends_with("the file is left out"),
        "{said}"
    );
    assert_eq!((found.files_read, found.rows), (4, 5007));
    let text = ws.expect(&["onboard", "Charged"], 0);
    assert!(
        text.contains("warning[discovery_skipped]: cannot read the union maps of "),
        "{text}"
    );
}

/// Plans for a view table whose values reach apply: a type string Athena cannot parse stops
/// the whole apply before any call, and a table already holding the view's name is refused.
#[tokio::test(flavor = "multi_thread")]
async fn view_columns_are_checked_and_a_taken_name_refused() {
    use glueprint::catalog::Catalog;
    let ws = workspace();
    ws.expect(&["onboard", "Charged"], 0);
    let declared = glueprint::declare::Declared::load(&ws.path("catalogs")).unwrap();
    let catalog = glueprint::catalog::local::LocalCatalog::open(&ws.path("catalog.db")).unwrap();
    let plan_now = || async {
        glueprint::plan::compute(&declared.of_all(), &catalog, &Default::default()).await
    };

    let mut plan = plan_now().await.unwrap();
    plan.views[0].target.storage.columns[0].stored_type = Some("decimal(24, 16)".into());
    let error = glueprint::apply::apply(&plan, &catalog, &Default::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("events.charged_v: view column `eventname`"),
        "{error}"
    );
    assert!(
        catalog.get_database("events").await.unwrap().is_none(),
        "nothing was sent"
    );

    let mut plan = plan_now().await.unwrap();
    plan.views.clear();
    let mut squatter = plan.tables[0].target.clone();
    squatter.name = "charged_v".into();
    glueprint::apply::apply(&plan, &catalog, &Default::default())
        .await
        .unwrap();
    catalog.create_table("events", &squatter).await.unwrap();
    let error = plan_now().await.unwrap_err().to_string();
    assert!(
        error.starts_with("events.charged_v exists in the catalog and is not a view"),
        "{error}"
    );
}

/// Exports are compressed as their writer chose: discovery reads the pages of every codec the
/// Parquet format defines and the parquet crate implements (LZO has no Rust decoder).
#[tokio::test(flavor = "multi_thread")]
async fn discovery_reads_every_codec() {
    use glueprint::synth::{Compression as C, write_parquet_compressed};
    let dir = tempfile::tempdir().unwrap();
    let codecs = [
        ("snappy", C::SNAPPY),
        ("gzip", C::GZIP(Default::default())),
        ("lz4_hadoop", C::LZ4),
        ("lz4_raw", C::LZ4_RAW),
        ("zstd", C::ZSTD(Default::default())),
        ("brotli", C::BROTLI(Default::default())),
    ];
    for (day, (name, codec)) in codecs.iter().enumerate() {
        let batch = union_map_batch(
            "Charged",
            &[Some(vec![(*name, V::BigInt(day as i64))]), Some(vec![])],
        );
        let path = dir
            .path()
            .join(format!("charged/dt=2020-09-{:02}/part-0.parquet", day + 10));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_parquet_compressed(&path, &batch, *codec).unwrap();
    }
    let lake = Lake::open(dir.path().to_str().unwrap()).await.unwrap();
    let unions = unions_of(&lake).await;
    let mut skipped = Vec::new();
    let found = discover::discover(&lake, "charged", &unions, u64::MAX, &mut skipped)
        .await
        .unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!((found.files_read, found.rows), (6, 12));
    assert_eq!(
        found.bytes_read, found.sampled_bytes,
        "files smaller than the footer's prefetch are read once, whole"
    );
    assert_eq!(
        summary(&found),
        [
            "brotli = member2:bigintx1",
            "gzip = member2:bigintx1",
            "lz4_hadoop = member2:bigintx1",
            "lz4_raw = member2:bigintx1",
            "snappy = member2:bigintx1",
            "zstd = member2:bigintx1",
        ]
    );
}

/// Files of other writers, one per codec (apache/parquet-testing): every page of every column
/// decompresses with the codecs glueprint is built with.
#[test]
fn other_writers_pages_decompress_in_every_codec() {
    use parquet::basic::Compression;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    for file in [
        "alltypes_plain.snappy.parquet",
        "concatenated_gzip_members.parquet",
        "hadoop_lz4_compressed.parquet",
        "lz4_raw_compressed.parquet",
        "byte_stream_split.zstd.parquet",
        "large_string_map.brotli.parquet",
    ] {
        let path = parquet_testing().join(file);
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut pages = 0;
        for group in 0..reader.num_row_groups() {
            let row_group = reader.get_row_group(group).unwrap();
            for column in 0..row_group.num_columns() {
                assert_ne!(
                    row_group.metadata().column(column).compression(),
                    Compression::UNCOMPRESSED,
                    "{file}"
                );
                let mut page_reader = row_group.get_column_page_reader(column).unwrap();
                while let Some(page) = page_reader
                    .get_next_page()
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
                {
                    assert!(page.num_values() > 0 || page.buffer().is_empty(), "{file}");
                    pages += 1;
                }
            }
        }
        assert!(pages > 0, "{file}: no page read");
    }
}

/// The real shape on the local catalog: pyarrow exports with list, list-of-struct and map
/// branches, compressed; onboard declares every property with no hand edit, and apply then
/// plan rest.
#[test]
fn onboard_apply_plan_rest_on_real_exports() {
    use serde_json::json;
    let ws = workspace();
    let path = |day: &str| {
        ws.path(&format!("lake/purchase/dt={day}/part-0.parquet"))
            .display()
            .to_string()
    };
    write_exports(&json!([
        {"path": path("2020-09-19"), "codec": "zstd", "records": [
            record(0, json!([["Items", {"member6": [{"member5": "shoe"}]}], ["Amount", {"member1": 3}]])),
            record(1, serde_json::Value::Null)]},
        {"path": path("2020-09-20"), "codec": "gzip", "records": [
            record(0, json!([["Items", {"member5": "none"}], ["Amount", {"member4": 2.5}]]))]},
    ]));
    let text = ws.expect(&["onboard", "Purchase"], 0);
    assert!(!text.contains("discovery_skipped"), "{text}");
    let yaml = std::fs::read_to_string(ws.path("catalogs/events/purchase.yaml")).unwrap();
    for declared in [
        "    Amount: double\n",
        "    Items: string\n",
        "    all_identities: array<string>\n",
        "    dimensions: map<string,string>\n",
    ] {
        assert!(yaml.contains(declared), "no {declared:?} in:\n{yaml}");
    }
    ws.expect(&["apply", "--yes"], 0);
    ws.expect(&["plan", "--detailed-exitcode"], 0);
}
