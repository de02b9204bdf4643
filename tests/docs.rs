//! `glueprint docs`: the catalog page, generated for real lakes and looked at in headless
//! Chromium (what the DOM holds, what the search box leaves, requests made, time to load).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::browser::look_at_page;
use common::workspace::{Backend, Workspace};
use common::*;
use serde_json::{Value, json};

/// The repository's sample lake and its declarations (database `clevertap`, its lake from
/// `GLUEPRINT_LAKE`).
fn sample() -> Workspace {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Workspace::empty(Backend::Local, true);
    std::fs::remove_dir_all(ws.path("catalogs/events")).unwrap();
    copy_dir(&root.join("catalogs"), &ws.path("catalogs"));
    copy_dir(&root.join("sample-lake"), &ws.lake());
    let lake = ws.lake();
    ws.with_env("GLUEPRINT_LAKE", lake.to_str().unwrap())
}

/// Runs, expects `code`, and gives standard output and error together.
fn said(ws: &Workspace, args: &[&str], code: i32) -> String {
    let (stdout, stderr) = ws.expect_both(args, code);
    stdout + &stderr
}

/// Writes the page and looks at it in Chromium.
fn page(ws: &Workspace, extra: &[&str], searches: &[&str], screenshot: &str) -> Value {
    let out = ws.path("site");
    let mut args = vec!["docs", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let said = said(ws, &args, 0);
    assert!(said.contains("index.html"), "{said}");
    let artifacts = target_dir().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let report = look_at_page(
        &out.join("index.html"),
        searches,
        &artifacts.join(screenshot),
    );
    let page_url = format!("file://{}", out.join("index.html").display());
    assert_eq!(
        report["requests"],
        json!([page_url]),
        "only the page is fetched"
    );
    assert_eq!(report["failed"], json!([]));
    assert_eq!(report["console_errors"], json!([]));
    assert_eq!(
        report["after_escape"],
        json!(report["events"].as_array().unwrap().len()),
        "Escape shows every event again"
    );
    report
}

fn events(report: &Value) -> BTreeMap<String, &Value> {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| (event["name"].as_str().unwrap().to_string(), event))
        .collect()
}

fn shown(report: &Value, search: &str) -> Vec<String> {
    let mut ids: Vec<String> = report["searches"][search]["shown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

fn copy_dir(from: &Path, to: &Path) {
    for file in walk(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, target).unwrap();
    }
}

/// The repository's sample lake and declarations, applied, plus two folders nobody onboarded:
/// one of organized exports (the event's name is in the file names), one of other files.
#[test]
fn the_sample_lake_page_shows_every_event_its_freshness_and_the_onboard_request() {
    let ws = sample();
    let sample = ws.path("lake/charged/dt=2020-09-19/part-00000.parquet");
    for (relative, day) in [
        ("product_searched/dt=2020-09-18", "20200918"),
        ("product_searched/dt=2020-09-21", "20200921"),
    ] {
        let name =
            format!("1600473600123-1600480000-Product Searched-{day}-0-W8W-4K7-WK5Z.parquet");
        std::fs::create_dir_all(ws.path("lake").join(relative)).unwrap();
        std::fs::copy(&sample, ws.path("lake").join(relative).join(name)).unwrap();
    }
    std::fs::create_dir_all(ws.path("lake/page_viewed/dt=2020-09-19")).unwrap();
    std::fs::copy(
        &sample,
        ws.path("lake/page_viewed/dt=2020-09-19/part-0.parquet"),
    )
    .unwrap();
    said(&ws, &["apply", "--yes"], 0);

    let report = page(
        &ws,
        &[],
        &["session length", "product searched"],
        "catalog-page-sample.png",
    );
    let events = events(&report);
    assert_eq!(
        events.keys().collect::<Vec<_>>(),
        [
            "App Launched",
            "Charged",
            "Product Searched",
            "Product Viewed",
            "page_viewed"
        ]
    );
    for declared in ["App Launched", "Charged", "Product Viewed"] {
        let event = events[declared];
        assert_eq!(event["freshness"], "2020-09-21", "{event:#}");
        assert_eq!(event["onboard"], Value::Null);
        assert!(
            event["badges"]
                .as_array()
                .unwrap()
                .contains(&json!("no drift")),
            "{event:#}"
        );
        assert_eq!(event["charts"], 1);
    }
    let searched = events["Product Searched"];
    assert_eq!(
        searched["onboard"],
        r#"glueprint onboard "Product Searched""#
    );
    // Two days present with two missing between them: the chart spans the calendar.
    assert_eq!(searched["freshness"], "2020-09-21");
    assert_eq!(
        events["page_viewed"]["onboard"],
        r#"glueprint onboard "page_viewed""#
    );
    // A struct field every declared table has, and no undeclared one.
    assert_eq!(
        shown(&report, "session length"),
        [
            "clevertap.app_launched",
            "clevertap.charged",
            "clevertap.product_viewed"
        ]
    );
    assert_eq!(
        shown(&report, "product searched"),
        ["clevertap.product_searched"]
    );
    assert_eq!(
        report["searches"]["product searched"]["status"],
        "1 of 5 events shown"
    );
}

/// Exports in CleverTap's real shape (pyarrow, union maps), onboarded and applied: each
/// declared property is on the page with its type and the branches its values were seen in.
#[test]
fn a_union_map_lake_page_shows_each_property_with_its_type_and_branches() {
    let ws = Workspace::empty(Backend::Local, true);
    let file = |table: &str, day: &str| {
        ws.path(&format!("lake/{table}/dt={day}/part-0.parquet"))
            .display()
            .to_string()
    };
    let with_event = |event: &str, mut records: Vec<Value>| {
        for record in &mut records {
            record["eventName"] = json!(event);
        }
        records
    };
    write_exports(&json!([
        {"path": file("charged", "2020-09-19"), "codec": "snappy", "records": with_event("Charged", vec![
            record(0, json!([["Amount", {"member1": 3}], ["Coupon Code", {"member5": "WELCOME"}]])),
            record(1, json!([["Amount", {"member4": 2.5}], ["Items", {"member6": [{"member5": "shoe"}]}]]))])},
        {"path": file("charged", "2020-09-20"), "codec": "zstd", "records": with_event("Charged", vec![
            record(2, json!([["Amount", {"member1": 4}]]))])},
        {"path": file("app_launched", "2020-09-20"), "codec": "gzip", "records": with_event("App Launched", vec![
            record(3, json!([["CT Source", {"member5": "Mobile"}], ["Amount", {"member2": 7}]]))])},
    ]));
    said(&ws, &["onboard", "Charged", "App Launched"], 0);
    said(&ws, &["apply", "--yes"], 0);

    let report = page(
        &ws,
        &[],
        &["coupon code", "amount"],
        "catalog-page-union-maps.png",
    );
    let events = events(&report);
    let properties = |event: &str| -> Vec<String> {
        events[event]["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} | {} | {}",
                    p["property"].as_str().unwrap(),
                    p["type"].as_str().unwrap(),
                    p["branches"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Every union map's properties: the profile and device ones the writer put in each record,
    // and each event's own.
    let shared_before = [
        "deviceInfo.dimensions | map<string,string> | member2 map<string,string>",
        "deviceInfo.dpi | bigint | member1 bigint",
        "deviceInfo.model | string | member0 string",
    ];
    let shared_after = [
        "profile.all_identities | array<string> | member1 array<string>",
        "profile.identity | string | member0 string",
    ];
    let items = "array<struct<member0:boolean,member1:int,member2:bigint,member3:float,member4:double,member5:string>>";
    let charged_items = format!("eventProps.Items | {items} | member6 {items}");
    let charged = [
        "eventProps.Amount | double | member1 int, member4 double",
        "eventProps.Coupon Code | string | member5 string",
        &charged_items,
    ];
    let launched = [
        "eventProps.Amount | bigint | member2 bigint",
        "eventProps.CT Source | string | member5 string",
    ];
    for (event, own) in [("Charged", &charged[..]), ("App Launched", &launched[..])] {
        let expected: Vec<&str> = [&shared_before[..], own, &shared_after[..]].concat();
        assert_eq!(properties(event), expected, "{event}");
    }
    assert_eq!(events["Charged"]["freshness"], "2020-09-20");
    assert_eq!(shown(&report, "coupon code"), ["events.charged"]);
    assert_eq!(
        shown(&report, "amount"),
        ["events.app_launched", "events.charged"]
    );
}

/// The page is made from the data: 200 events declared with 256 properties each load in
/// Chromium, every property in the DOM and found by the search. The time to load is printed
/// (`just bench-docs`), not asserted: speed is measured by benchmarks.
#[test]
fn two_hundred_events_of_256_properties_load_whole() {
    let ws = Workspace::empty(Backend::Local, true);
    let first = ws.path("lake/event_000/dt=2020-09-19/part-0.parquet");
    let props: Vec<Value> = (0..256)
        .map(|i| json!([format!("Property {i:03}"), {"member5": "x"}]))
        .collect();
    write_exports(&json!([
        {"path": first, "codec": "snappy", "records": [record(0, Value::Array(props))]}
    ]));
    said(&ws, &["onboard", "Event 000"], 0);
    let template = std::fs::read_to_string(ws.path("catalogs/events/event_000.yaml")).unwrap();
    assert_eq!(template.matches("Property ").count(), 256, "{template}");
    for i in 1..200 {
        let table = format!("event_{i:03}");
        let folder = ws.path(&format!("lake/{table}/dt=2020-09-19"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::copy(&first, folder.join("part-0.parquet")).unwrap();
        std::fs::write(
            ws.path(&format!("catalogs/events/{table}.yaml")),
            template
                .replace("event_000", &table)
                .replace("Event 000", &format!("Event {i:03}")),
        )
        .unwrap();
    }
    let report = page(
        &ws,
        &["--sample-bytes", "0"],
        &["property 255"],
        "catalog-page-200.png",
    );
    let events = report["events"].as_array().unwrap();
    assert_eq!(events.len(), 200);
    for event in events {
        let declared = event["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                p["property"]
                    .as_str()
                    .unwrap()
                    .starts_with("eventProps.Property ")
            })
            .inspect(|p| assert_eq!(p["type"], "string", "{p}"))
            .count();
        assert_eq!(declared, 256, "{}", event["name"]);
    }
    assert_eq!(shown(&report, "property 255").len(), 200);
    eprintln!(
        "catalog page, 200 events x 256 properties: DOM ready in {:.0} ms, loaded in {:.0} ms",
        report["dom_ms"].as_f64().unwrap(),
        report["load_ms"].as_f64().unwrap()
    );
}

/// A catalog that cannot be read does not stop the page: it says what was not checked.
#[test]
fn without_a_readable_catalog_the_page_says_partitions_and_drift_were_not_checked() {
    let ws = sample();
    // Glue needs the lake in S3: the plan against it cannot be made for a local lake.
    let out = ws.path("site");
    let said = said(
        &ws,
        &["docs", "--out", out.to_str().unwrap(), "--catalog", "glue"],
        0,
    );
    assert!(
        said.contains("warning: the AWS Glue Data Catalog could not be read"),
        "{said}"
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("the live catalog was not read"), "{html}");
    assert_eq!(
        html.matches(r#"class="badge">drift not checked<"#).count(),
        3
    );
    assert_eq!(html.matches("registered partitions not checked").count(), 3);
}

/// On Glue over a lake in S3 (both in moto): the page lists the lake in S3, reads the
/// registered partitions from Glue and finds no drift after apply.
#[test]
fn on_glue_the_page_reads_the_s3_lake_and_the_registered_partitions() {
    let ws = Workspace::new(Backend::Glue, &glueprint::synth::LakeSpec::numbered(1, 3));
    ws.expect(&["onboard", "Event 000"], 0);
    ws.expect(&["apply", "--yes"], 0);
    let out = ws.path("site");
    ws.expect(&["docs", "--out", out.to_str().unwrap()], 0);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        html.contains("partitions and drift from the AWS Glue Data Catalog"),
        "{html}"
    );
    assert!(html.contains("s3://lake/lake/event_000/"), "{html}");
    assert!(
        html.contains("3 registered, 2020-09-19 to 2020-09-21."),
        "{html}"
    );
    assert!(
        html.contains("newest day <time>2020-09-21</time>"),
        "{html}"
    );
    assert!(html.contains(r#"class="badge ok">no drift<"#), "{html}");
}

/// A lake that cannot be listed does not stop the page: its declared events are shown without
/// files, and the page says why.
#[test]
fn a_lake_that_cannot_be_listed_is_said_on_the_page() {
    let ws = Workspace::new(Backend::Local, &glueprint::synth::LakeSpec::numbered(1, 1));
    ws.expect(&["onboard", "Event 000"], 0);
    std::fs::remove_dir_all(ws.lake()).unwrap();
    let out = ws.path("site");
    let (_, stderr) = ws.expect_both(&["docs", "--out", out.to_str().unwrap()], 0);
    assert!(stderr.contains("without files"), "{stderr}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("The lake could not be listed ("), "{html}");
    assert!(html.contains(">Event 000</a>"), "{html}");
    assert!(html.contains("0 file(s), 0 B"), "{html}");
}
