//! Typed views over union maps: for a table whose YAML declares `properties:`, the Athena view
//! `<table>_v` that selects the plain columns, `event_time` from `eventTime` (epoch seconds as
//! text), and one typed column per declared property, read from every union branch that can
//! hold its type, so a property moving from one branch to another (an int later written as a
//! double) still reads.
//!
//! In the Glue catalog an Athena view is a `VIRTUAL_VIEW` table whose `ViewOriginalText` is
//! `/* Presto View: <base64 of a JSON document> */`: what Trino's Hive connector decodes
//! (`ViewReaderUtil`, `ConnectorViewDefinition`).

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;

use crate::catalog::{Column, Storage, Table, ViewText};
use crate::compat::branch_reads_as;
use crate::declare::{DeclaredDatabase, DeclaredTable};
use crate::hive::{HiveType, StructField, same_name};
use crate::location::Location;

/// Glue's table type for views.
pub const VIRTUAL_VIEW: &str = "VIRTUAL_VIEW";
/// Athena's catalog name, as Athena writes it into views.
const ATHENA_CATALOG: &str = "awsdatacatalog";
/// What Athena writes as a Presto view's expanded text.
const EXPANDED_TEXT: &str = "/* Presto View */";

/// A view as declared: its name, SQL and typed columns, and the renamings its column names
/// needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub name: String,
    pub sql: String,
    pub columns: Vec<(String, HiveType)>,
    /// Property keys whose column name had to be made unique: (key, column name).
    pub renamed: Vec<(String, String)>,
    /// The declared properties' columns, with how each engine reads them.
    pub properties: Vec<PropertyColumn>,
    /// The plain columns for Redshift Spectrum: select items over the external table `c`.
    spectrum_plain: Vec<String>,
}

/// One declared property of a union map, as a view column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyColumn {
    /// The union-map column and the map key.
    pub column: String,
    pub key: String,
    /// The view's column.
    pub name: String,
    pub ty: HiveType,
    /// Athena: the expression over the table that the view selects.
    pub athena: String,
    /// Redshift Spectrum: the join that navigates the map to the key (catalog-facts §8: maps
    /// are navigated in FROM) and the expression over the joined entry.
    pub spectrum_join: String,
    pub spectrum: String,
}

/// The view of `table`, when it declares union-map properties.
pub fn view_of(database: &DeclaredDatabase, table: &DeclaredTable) -> Option<View> {
    if table.file.properties.values().all(BTreeMap::is_empty) {
        return None;
    }
    let mut select: Vec<String> = Vec::new();
    let mut spectrum_plain: Vec<String> = Vec::new();
    let mut properties: Vec<PropertyColumn> = Vec::new();
    let mut columns: Vec<(String, HiveType)> = Vec::new();
    let mut renamed = Vec::new();
    let taken =
        |name: &str, columns: &[(String, HiveType)]| columns.iter().any(|(taken, _)| taken == name);
    let plain = table
        .file
        .columns
        .iter()
        .map(|c| (c.name.value.to_lowercase(), c.ty.0.clone()))
        .chain(
            table
                .partition_keys
                .iter()
                .map(|k| (k.name.to_lowercase(), k.ty.clone())),
        );
    for (name, ty) in plain {
        if ty.is_primitive() {
            select.push(quoted(&name));
            spectrum_plain.push(format!("c.{}", quoted(&name)));
            columns.push((name, ty));
        }
    }
    if let Some((name, _)) = columns
        .iter()
        .find(|(name, ty)| name == "eventtime" && *ty == HiveType::String)
        .cloned()
    {
        select.push(format!(
            "from_unixtime(try_cast({} AS bigint)) AS {}",
            quoted(&name),
            quoted("event_time")
        ));
        spectrum_plain.push(format!(
            "TIMESTAMP 'epoch' + CAST(c.{} AS BIGINT) * INTERVAL '1 second' AS {}",
            quoted(&name),
            quoted("event_time")
        ));
        columns.push(("event_time".into(), HiveType::Timestamp));
    }
    for (column, declared) in &table.file.properties {
        let Some(branches) = table
            .file
            .columns
            .iter()
            .find(|c| same_name(&c.name.value, column))
            .and_then(|c| c.ty.0.union_branches())
        else {
            continue;
        };
        for (key, ty) in declared {
            let ty = &ty.value.0;
            let base = column_name(key);
            let mut name = base.clone();
            let mut suffix = 2;
            while taken(&name, &columns) {
                name = format!("{base}_{suffix}");
                suffix += 1;
            }
            if name != base {
                renamed.push((key.clone(), name.clone()));
            }
            let athena = property_expression(&column.to_lowercase(), key, ty, branches);
            select.push(format!("{athena} AS {}", quoted(&name)));
            let alias = format!("p{}", properties.len() + 1);
            properties.push(PropertyColumn {
                column: column.clone(),
                key: key.clone(),
                name: name.clone(),
                ty: ty.clone(),
                athena,
                spectrum_join: format!(
                    "LEFT JOIN c.{} AS {alias} ON {alias}.key = '{}'",
                    quoted(&column.to_lowercase()),
                    key.replace('\'', "''")
                ),
                spectrum: spectrum_expression(&alias, ty, branches),
            });
            columns.push((name, ty.clone()));
        }
    }
    let sql = format!(
        "SELECT\n  {}\nFROM {}.{}",
        select.join(",\n  "),
        quoted(&database.file.name),
        quoted(&table.file.name)
    );
    Some(View {
        name: table
            .file
            .view
            .clone()
            .unwrap_or_else(|| format!("{}_v", table.file.name)),
        sql,
        columns,
        renamed,
        properties,
        spectrum_plain,
    })
}

/// The Athena view as a statement to run by hand.
pub fn athena_ddl(database: &str, view: &View) -> String {
    format!(
        "CREATE OR REPLACE VIEW {}.{} AS\n{};\n",
        quoted(database),
        quoted(&view.name),
        view.sql
    )
}

/// The Redshift Spectrum equivalent: a late-binding view over the external table in
/// `external_schema`, the map navigated in FROM, one join per property. glueprint applies the
/// Athena view only; this one is for the BI team to run. Whether Spectrum navigates maps inside
/// views is unverified (catalog-facts §8), and the statement says so.
pub fn spectrum_ddl(external_schema: &str, table: &str, view: &View) -> String {
    let mut from = format!("FROM {}.{} AS c", quoted(external_schema), quoted(table));
    for property in &view.properties {
        from.push('\n');
        from.push_str(&property.spectrum_join);
    }
    let select: Vec<String> = view
        .spectrum_plain
        .iter()
        .cloned()
        .chain(
            view.properties
                .iter()
                .map(|p| format!("{} AS {}", p.spectrum, quoted(&p.name))),
        )
        .collect();
    format!(
        "-- Redshift Spectrum (unverified: map navigation inside views, catalog-facts §8)\n\
         CREATE OR REPLACE VIEW {}.{} AS\nSELECT\n  {}\n{from}\nWITH NO SCHEMA BINDING;\n",
        quoted(external_schema),
        quoted(&view.name),
        select.join(",\n  ")
    )
}

/// A property in Spectrum: the joined map entry's value, from every branch its type reads.
/// Spectrum has no cast from a nested value to text, so a `string` property leaves complex
/// branches out (NULL) there.
fn spectrum_expression(alias: &str, ty: &HiveType, branches: &[StructField]) -> String {
    from_branches(
        &format!("{alias}.value"),
        ty,
        branches,
        |member, branch, ty| {
            if branch == ty {
                Some(member.to_string())
            } else if branch.is_primitive() {
                Some(format!("CAST({member} AS {})", redshift_type(ty)))
            } else {
                None
            }
        },
    )
}

/// Redshift's name of a primitive Hive type.
fn redshift_type(ty: &HiveType) -> String {
    match ty {
        HiveType::Boolean => "BOOLEAN".into(),
        HiveType::TinyInt | HiveType::SmallInt => "SMALLINT".into(),
        HiveType::Int => "INTEGER".into(),
        HiveType::BigInt => "BIGINT".into(),
        HiveType::Float => "REAL".into(),
        HiveType::Double => "DOUBLE PRECISION".into(),
        HiveType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        HiveType::Varchar(n) | HiveType::Char(n) => format!("VARCHAR({n})"),
        HiveType::String => "VARCHAR(65535)".into(),
        HiveType::Binary => "VARBYTE".into(),
        HiveType::Date => "DATE".into(),
        HiveType::Timestamp => "TIMESTAMP".into(),
        nested => nested.to_string(),
    }
}

/// The property's value from every branch that can hold its type, first branch first.
fn property_expression(column: &str, key: &str, ty: &HiveType, branches: &[StructField]) -> String {
    let value = format!(
        "element_at({}, '{}')",
        quoted(column),
        key.replace('\'', "''")
    );
    from_branches(&value, ty, branches, |member, branch, ty| {
        Some(trino_read(member, branch, ty))
    })
}

/// A branch's value as `ty` in Trino, where a cast exists for every pair that
/// [`branch_reads_as`] allows except to text: Trino has no cast from `array`, `map` or `row` to
/// `varchar` (they read as JSON text), none from `varbinary` (read as UTF-8), and its cast of
/// `double` and `real` prints `1.25E0` where `format('%s', …)` prints `1.25`. Both `format` and
/// a cast to JSON turn NULL into the text `null`, which would win the COALESCE over the branch
/// that holds the value: they apply only to a value that is there.
fn trino_read(member: &str, branch: &HiveType, ty: &HiveType) -> String {
    match (branch, ty) {
        _ if branch == ty => member.to_string(),
        (_, HiveType::String) if !branch.is_primitive() => {
            format!("if({member} IS NOT NULL, json_format(CAST({member} AS JSON)))")
        }
        (HiveType::Float | HiveType::Double, HiveType::String) => {
            format!("if({member} IS NOT NULL, format('%s', {member}))")
        }
        (HiveType::Binary, HiveType::String) => format!("from_utf8({member})"),
        _ => format!("CAST({member} AS {})", trino_type(ty)),
    }
}

/// `value`'s members that can hold `ty`, each read by `read` (`None`: not in this engine), the
/// first non-NULL of them.
fn from_branches(
    value: &str,
    ty: &HiveType,
    branches: &[StructField],
    read: impl Fn(&str, &HiveType, &HiveType) -> Option<String>,
) -> String {
    let terms: Vec<String> = branches
        .iter()
        .filter(|branch| branch_reads_as(&branch.ty, ty))
        .filter_map(|branch| read(&format!("{value}.{}", branch.name), &branch.ty, ty))
        .collect();
    match terms.as_slice() {
        [] => "NULL".to_string(),
        [one] => one.clone(),
        _ => format!("COALESCE({})", terms.join(", ")),
    }
}

/// A column name in Athena's rules: lower case, `_` for anything but letters and digits.
fn column_name(key: &str) -> String {
    let mut name: String = key
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        name.insert(0, '_');
    }
    name
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// The Trino name of a Hive type, as Presto view columns and casts write it.
pub fn trino_type(ty: &HiveType) -> String {
    match ty {
        HiveType::Boolean => "boolean".into(),
        HiveType::TinyInt => "tinyint".into(),
        HiveType::SmallInt => "smallint".into(),
        HiveType::Int => "integer".into(),
        HiveType::BigInt => "bigint".into(),
        HiveType::Float => "real".into(),
        HiveType::Double => "double".into(),
        HiveType::Decimal { precision, scale } => format!("decimal({precision},{scale})"),
        HiveType::String => "varchar".into(),
        HiveType::Char(n) => format!("char({n})"),
        HiveType::Varchar(n) => format!("varchar({n})"),
        HiveType::Binary => "varbinary".into(),
        HiveType::Date => "date".into(),
        HiveType::Timestamp => "timestamp(3)".into(),
        HiveType::Array(element) => format!("array({})", trino_type(element)),
        HiveType::Map(key, value) => format!("map({}, {})", trino_type(key), trino_type(value)),
        HiveType::Struct(fields) => format!(
            "row({})",
            fields
                .iter()
                .map(|field| format!("{} {}", quoted(&field.name), trino_type(&field.ty)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrestoView<'a> {
    original_sql: &'a str,
    catalog: &'a str,
    schema: &'a str,
    columns: Vec<PrestoColumn>,
    run_as_invoker: bool,
}

#[derive(Serialize)]
struct PrestoColumn {
    name: String,
    #[serde(rename = "type")]
    ty: String,
}

/// The view as the Glue table Athena reads: `VIRTUAL_VIEW`, the encoded definition, and the
/// columns with their Hive types.
pub fn view_table(database: &str, view: &View) -> serde_json::Result<Table> {
    let document = PrestoView {
        original_sql: &view.sql,
        catalog: ATHENA_CATALOG,
        schema: database,
        columns: view
            .columns
            .iter()
            .map(|(name, ty)| PrestoColumn {
                name: name.clone(),
                ty: if name == "event_time" && *ty == HiveType::Timestamp {
                    // from_unixtime gives a timestamp with the session's time zone.
                    "timestamp(3) with time zone".into()
                } else {
                    trino_type(ty)
                },
            })
            .collect(),
        // An invoker view has no owner: queries read with the permissions of who runs them.
        run_as_invoker: true,
    };
    let json = serde_json::to_string(&document)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    let mut storage = Storage::parquet(
        Location::new(""),
        view.columns
            .iter()
            .map(|(name, ty)| Column::new(name, ty.clone()))
            .collect(),
    );
    storage.input_format = None;
    storage.output_format = None;
    storage.serde_library = None;
    Ok(Table {
        name: view.name.clone(),
        description: None,
        owner: None,
        table_type: Some(VIRTUAL_VIEW.into()),
        parameters: BTreeMap::from([
            ("presto_view".to_string(), "true".to_string()),
            ("comment".to_string(), "Presto View".to_string()),
        ]),
        storage,
        partition_keys: Vec::new(),
        version: None,
        view_text: Some(ViewText {
            original: format!("/* Presto View: {encoded} */"),
            expanded: EXPANDED_TEXT.into(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declare::Declared;

    fn declared(properties: &str) -> Declared {
        declared_with(
            "member0:boolean,member1:int,member2:bigint,member3:float,member4:double,member5:string",
            properties,
        )
    }

    fn declared_with(branches: &str, properties: &str) -> Declared {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("events");
        std::fs::create_dir_all(&db).unwrap();
        std::fs::write(
            db.join("database.yaml"),
            "name: events\nlocation: lake\npartition_keys:\n- name: dt\n  type: string\n",
        )
        .unwrap();
        std::fs::write(
            db.join("charged.yaml"),
            format!(
                "name: charged\nevent: Charged\ncolumns:\n- name: eventName\n  type: string\n\
                 - name: eventTime\n  type: string\n- name: deviceInfo\n  type: \
                 struct<model:string>\n- name: eventProps\n  type: map<string,struct<{branches}>>\n\
                 properties:\n  eventProps:\n{properties}"
            ),
        )
        .unwrap();
        Declared::load(dir.path()).unwrap()
    }

    #[test]
    fn a_property_reads_from_every_branch_its_type_can_come_from() {
        let declared = declared(
            "    Amount: double\n    CT Source: string\n    Is Member: boolean\n    \
             Plan: bigint\n    event time: int\n",
        );
        let database = &declared.databases[0];
        let view = view_of(database, &database.tables[0]).unwrap();
        assert_eq!(view.name, "charged_v");
        let props = "element_at(\"eventprops\", ";
        assert_eq!(
            view.sql,
            format!(
                "SELECT\n  \"eventname\",\n  \"eventtime\",\n  \"dt\",\n  \
                 from_unixtime(try_cast(\"eventtime\" AS bigint)) AS \"event_time\",\n  \
                 COALESCE(CAST({props}'Amount').member1 AS double), CAST({props}'Amount').member2 \
                 AS double), CAST({props}'Amount').member3 AS double), {props}'Amount').member4) \
                 AS \"amount\",\n  \
                 COALESCE(CAST({props}'CT Source').member0 AS varchar), CAST({props}'CT \
                 Source').member1 AS varchar), CAST({props}'CT Source').member2 AS varchar), \
                 if({props}'CT Source').member3 IS NOT NULL, format('%s', {props}'CT \
                 Source').member3)), if({props}'CT Source').member4 IS NOT NULL, format('%s', \
                 {props}'CT Source').member4)), {props}'CT Source').member5) AS \"ct_source\",\n  \
                 {props}'Is Member').member0 AS \"is_member\",\n  \
                 COALESCE(CAST({props}'Plan').member1 AS bigint), {props}'Plan').member2) AS \
                 \"plan\",\n  \
                 {props}'event time').member1 AS \"event_time_2\"\n\
                 FROM \"events\".\"charged\""
            )
        );
        assert_eq!(
            view.renamed,
            [("event time".to_string(), "event_time_2".to_string())]
        );
    }

    /// Trino has no cast from a list, map or struct to text: a complex branch is read as it is
    /// by a property of its type, as JSON text by a string one, and not at all by Spectrum.
    #[test]
    fn complex_branches_read_as_themselves_or_as_json() {
        let declared = declared_with(
            "member0:boolean,member1:string,member2:array<struct<member1:int,member5:string>>,\
             member3:map<string,string>",
            "    Items: array<struct<member1:int,member5:string>>\n    CT Source: string\n",
        );
        let database = &declared.databases[0];
        let view = view_of(database, &database.tables[0]).unwrap();
        let props = "element_at(\"eventprops\", ";
        assert!(
            view.sql.contains(&format!(
                "COALESCE(CAST({props}'CT Source').member0 AS varchar), {props}'CT \
                 Source').member1, if({props}'CT Source').member2 IS NOT NULL, \
                 json_format(CAST({props}'CT Source').member2 AS JSON))), if({props}'CT \
                 Source').member3 IS NOT NULL, json_format(CAST({props}'CT Source').member3 AS \
                 JSON)))) AS \"ct_source\""
            )),
            "{}",
            view.sql
        );
        assert!(
            view.sql
                .contains(&format!("{props}'Items').member2 AS \"items\"")),
            "{}",
            view.sql
        );
        let table = view_table("events", &view).unwrap();
        let encoded = table.view_text.unwrap().original;
        let json = base64::engine::general_purpose::STANDARD
            .decode(
                encoded
                    .trim_start_matches("/* Presto View: ")
                    .trim_end_matches(" */"),
            )
            .unwrap();
        let document: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            document["columns"][4],
            serde_json::json!({"name": "ct_source", "type": "varchar"})
        );
        assert_eq!(
            document["columns"][5],
            serde_json::json!({
                "name": "items",
                "type": "array(row(\"member1\" integer, \"member5\" varchar))"
            })
        );
        let spectrum = spectrum_ddl("ext", "charged", &view);
        assert!(
            spectrum.contains(
                "COALESCE(CAST(p1.value.member0 AS VARCHAR(65535)), p1.value.member1) AS \
                 \"ct_source\""
            ),
            "{spectrum}"
        );
    }

    #[test]
    fn the_view_name_can_be_declared() {
        let declared = declared("    Amount: double\nview: charged_typed\n");
        let database = &declared.databases[0];
        let view = view_of(database, &database.tables[0]).unwrap();
        assert_eq!(view.name, "charged_typed");
    }

    #[test]
    fn the_glue_view_is_the_text_trino_decodes() {
        let declared = declared("    Amount: double\n");
        let database = &declared.databases[0];
        let view = view_of(database, &database.tables[0]).unwrap();
        let table = view_table("events", &view).unwrap();
        assert_eq!(table.table_type.as_deref(), Some(VIRTUAL_VIEW));
        assert_eq!(table.parameters["presto_view"], "true");
        let text = table.view_text.unwrap();
        assert_eq!(text.expanded, "/* Presto View */");
        // What Trino's ViewReaderUtil does: strip the markers, decode, parse the JSON.
        let encoded = text
            .original
            .strip_prefix("/* Presto View: ")
            .and_then(|rest| rest.strip_suffix(" */"))
            .unwrap();
        let json = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let document: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(document["originalSql"], view.sql.as_str());
        assert_eq!(document["catalog"], "awsdatacatalog");
        assert_eq!(document["schema"], "events");
        assert_eq!(document["runAsInvoker"], true);
        assert!(
            document.get("owner").is_none(),
            "an invoker view has no owner"
        );
        assert_eq!(
            document["columns"],
            serde_json::json!([
                {"name": "eventname", "type": "varchar"},
                {"name": "eventtime", "type": "varchar"},
                {"name": "dt", "type": "varchar"},
                {"name": "event_time", "type": "timestamp(3) with time zone"},
                {"name": "amount", "type": "double"},
            ])
        );
        let columns: Vec<String> = table
            .storage
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.type_text()))
            .collect();
        assert_eq!(
            columns,
            [
                "eventname string",
                "eventtime string",
                "dt string",
                "event_time timestamp",
                "amount double"
            ]
        );
    }
}
