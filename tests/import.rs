//! Import: crawler-made tables become YAML definitions, and plan then changes only what
//! Athena needs (partitions lagging behind their table).

mod common;

use common::*;
use glueprint::catalog::local::LocalCatalog;
use glueprint::catalog::{Catalog, Column, Database, EXTERNAL_TABLE, Partition, Storage, Table};

#[tokio::test(flavor = "multi_thread")]
async fn crawler_made_tables_import_and_plan_updates_only_lagging_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    glueprint::synth::write_lake(&lake, &glueprint::synth::LakeSpec::numbered(2, 3)).unwrap();
    let root = format!("{}/", lake.display());

    // What a crawler leaves: the scanned columns, its bookkeeping parameters, and one partition
    // whose own column list lags behind the table's.
    let scanned = glueprint::scan::scan(
        &glueprint::store::Lake::open(lake.to_str().unwrap())
            .await
            .unwrap(),
        &Default::default(),
        &glueprint::scan::Silent,
    )
    .await
    .unwrap();
    let catalog_path = dir.path().join("catalog.db");
    let catalog = LocalCatalog::open(&catalog_path).unwrap();
    catalog
        .create_database(&Database {
            name: "events".into(),
            description: None,
            location: None,
            parameters: Default::default(),
        })
        .await
        .unwrap();
    for table in &scanned.tables {
        let columns: Vec<Column> = table
            .columns
            .iter()
            .map(|c| Column::new(c.name.clone(), c.ty.clone()))
            .collect();
        catalog
            .create_table(
                "events",
                &Table {
                    name: table.name.clone(),
                    description: Some("made by a crawler".into()),
                    owner: None,
                    table_type: Some(EXTERNAL_TABLE.into()),
                    parameters: [
                        ("classification", "parquet"),
                        ("UPDATED_BY_CRAWLER", "clevertap-crawler"),
                        ("recordCount", "24"),
                        ("team", "growth"),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                    storage: Storage::parquet(table.location.clone(), columns.clone()),
                    partition_keys: vec![Column::new("dt", glueprint::hive::HiveType::String)],
                    version: None,
                    view_text: None,
                },
            )
            .await
            .unwrap();
        let partitions: Vec<Partition> = table
            .partitions
            .iter()
            .enumerate()
            .map(|(i, p)| Partition {
                values: p.values.clone(),
                storage: Storage::parquet(
                    p.location.clone(),
                    if i == 0 {
                        columns[..2].to_vec()
                    } else {
                        columns.clone()
                    },
                ),
                parameters: Default::default(),
            })
            .collect();
        assert!(
            catalog
                .create_partitions("events", &table.name, &partitions)
                .await
                .unwrap()
                .is_empty()
        );
    }

    // A table that is not Parquet (a crawler's CSV table) cannot be declared.
    let mut csv = catalog
        .get_table("events", "event_000")
        .await
        .unwrap()
        .unwrap();
    csv.name = "raw_csv".into();
    csv.storage.input_format = Some("org.apache.hadoop.mapred.TextInputFormat".into());
    csv.storage.serde_library = Some("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe".into());
    catalog.create_table("events", &csv).await.unwrap();

    let catalogs = dir.path().join("catalogs");
    let common = [
        "--catalogs",
        catalogs.to_str().unwrap(),
        "--catalog-path",
        catalog_path.to_str().unwrap(),
    ];
    let output = glueprint(&[&["import", "--database", "events"][..], &common[..]].concat());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("events/event_000.yaml"), "{stdout}");
    assert!(
        stdout.contains("left out raw_csv\n  note: not a Parquet table"),
        "{stdout}"
    );
    assert!(!catalogs.join("events/raw_csv.yaml").exists());
    assert!(
        stdout.contains("1 partition(s) have columns that differ from the table's (2020-09-19)"),
        "{stdout}"
    );

    let database = std::fs::read_to_string(catalogs.join("events/database.yaml")).unwrap();
    assert!(
        database.contains(&format!("location: {root}\n")),
        "{database}"
    );
    assert!(
        database.contains("partition_keys:\n- name: dt\n  type: string\n"),
        "{database}"
    );
    let table = std::fs::read_to_string(catalogs.join("events/event_001.yaml")).unwrap();
    assert!(
        table.contains("description: made by a crawler\n"),
        "{table}"
    );
    assert!(table.contains("parameters:\n  team: growth\n"), "{table}");
    assert!(!table.contains("recordCount"), "{table}");

    // The definitions match the tables; only the lagging partitions are brought to their
    // table's columns, which Athena needs to read them with the table's types.
    let plan = glueprint(&[&["plan", "--detailed-exitcode"][..], &common[..]].concat());
    let text = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(plan.status.code(), Some(2), "{text}");
    assert_eq!(
        text.matches("): partitions only\n  ~ 1 partition(s) to update to the table's columns\n")
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains(
            "0 table(s) to create, 0 to update, 0 partition(s) to register, 2 to update to their \
             table's columns, 0 destructive change(s)"
        ),
        "{text}"
    );
    let apply = glueprint(&[&["apply", "--yes"][..], &common[..]].concat());
    assert_eq!(apply.status.code(), Some(0));
    let plan = glueprint(&[&["plan", "--detailed-exitcode"][..], &common[..]].concat());
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plan.stdout)
    );
    let fmt = glueprint(&["fmt", "--check", "--catalogs", catalogs.to_str().unwrap()]);
    assert_eq!(
        fmt.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fmt.stdout)
    );

    let output = glueprint(&[&["import", "--database", "nope"][..], &common[..]].concat());
    assert!(String::from_utf8_lossy(&output.stderr).contains("database `nope` does not exist"));
}

/// A live type Athena cannot parse is reported, not silently normalized; a field no type string
/// can carry is left out with a note, so the YAML written always loads.
#[tokio::test(flavor = "multi_thread")]
async fn live_types_athena_cannot_parse_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let catalog_path = dir.path().join("catalog.db");
    let catalog = LocalCatalog::open(&catalog_path).unwrap();
    catalog
        .create_database(&Database {
            name: "events".into(),
            description: None,
            location: Some("s3://lake/clevertap/".into()),
            parameters: Default::default(),
        })
        .await
        .unwrap();
    let mut props = Column::new("eventProps", glueprint::hive::HiveType::String);
    props.stored_type = Some("struct<`CT Source`:string,`utm-source`:string>".into());
    catalog
        .create_table(
            "events",
            &Table {
                name: "charged".into(),
                description: None,
                owner: None,
                table_type: Some(EXTERNAL_TABLE.into()),
                parameters: Default::default(),
                storage: Storage::parquet("s3://lake/clevertap/charged/".into(), vec![props]),
                partition_keys: Vec::new(),
                version: None,
                view_text: None,
            },
        )
        .await
        .unwrap();

    let catalogs = dir.path().join("catalogs");
    let output = glueprint(&[
        "import",
        "--database",
        "events",
        "--catalogs",
        catalogs.to_str().unwrap(),
        "--catalog-path",
        catalog_path.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("column `eventProps`: Athena cannot parse `struct<`CT Source`"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "struct field `eventProps.utm-source` cannot be declared because it holds `-`"
        ),
        "{stdout}"
    );
    let table = std::fs::read_to_string(catalogs.join("events/charged.yaml")).unwrap();
    assert!(
        table.contains("    struct:\n      CT Source: string\n"),
        "{table}"
    );
    assert!(!table.contains("utm"), "{table}");
    glueprint::declare::Declared::load(&catalogs).expect("the YAML written loads");
}
