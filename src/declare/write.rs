//! Writing definitions: the canonical text of each file kind, `glueprint fmt`, and the JSON
//! Schemas editors validate them with.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use super::file::spanned;
use super::{
    ColumnSpec, DATABASE_FILE, DatabaseFile, DeclareError, PartitionMode, TableFile, parse, read,
};

/// Where editors find the JSON Schema of each file kind, relative to a file in
/// `catalogs/<database>/`.
const TABLE_SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=../../schemas/table.schema.json\n";
const DATABASE_SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=../../schemas/database.schema.json\n";

/// The canonical text of a table file.
pub fn table_yaml(file: &TableFile) -> Result<String, DeclareError> {
    let body = serde_saphyr::to_string(file).map_err(|error| unwritable(&file.name, error))?;
    Ok(with_final_newline(format!("{TABLE_SCHEMA_HEADER}{body}")))
}

/// The canonical text of a database file.
pub fn database_yaml(file: &DatabaseFile) -> Result<String, DeclareError> {
    let body = serde_saphyr::to_string(file).map_err(|error| unwritable(&file.name, error))?;
    Ok(with_final_newline(format!(
        "{DATABASE_SCHEMA_HEADER}{body}"
    )))
}

fn unwritable(name: &str, error: impl std::fmt::Display) -> DeclareError {
    DeclareError::file(
        Path::new(&format!("{name}.yaml")),
        format!("cannot be written as YAML ({error}); please report this"),
    )
}

/// Writes a definition file, making its database folder when missing.
pub fn write(path: &Path, text: &str) -> Result<(), DeclareError> {
    let failed =
        |error: std::io::Error| DeclareError::file(path, format!("cannot write the file: {error}"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

/// The definition files below `dir` that are not in canonical form, rewritten in place unless
/// `check_only`.
pub fn format(dir: &Path, check_only: bool) -> Result<Vec<PathBuf>, DeclareError> {
    let folders = std::fs::read_dir(dir)
        .map_err(|error| DeclareError::file(dir, format!("cannot read the folder: {error}")))?;
    let mut files: Vec<PathBuf> = Vec::new();
    for folder in folders.filter_map(Result::ok).map(|entry| entry.path()) {
        if !folder.is_dir() {
            continue;
        }
        let entries = std::fs::read_dir(&folder).map_err(|error| {
            DeclareError::file(&folder, format!("cannot read the folder: {error}"))
        })?;
        files.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml")),
        );
    }
    files.sort();
    let mut unformatted = Vec::new();
    for path in files {
        let text = read(&path)?;
        let canonical = if path.file_name().is_some_and(|name| name == DATABASE_FILE) {
            database_yaml(&parse(&path, &text)?)?
        } else {
            table_yaml(&parse(&path, &text)?)?
        };
        if canonical != text {
            if !check_only {
                write(&path, &canonical)?;
            }
            unformatted.push(path);
        }
    }
    Ok(unformatted)
}

fn with_final_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The JSON Schemas of both file kinds, as committed under `schemas/`.
pub fn json_schemas() -> serde_json::Result<[(&'static str, String); 2]> {
    let pretty = |schema: schemars::Schema| -> serde_json::Result<String> {
        Ok(serde_json::to_string_pretty(&schema)? + "\n")
    };
    Ok([
        (
            "database.schema.json",
            pretty(schemars::schema_for!(DatabaseFile))?,
        ),
        (
            "table.schema.json",
            pretty(schemars::schema_for!(TableFile))?,
        ),
    ])
}

/// A new table file for `event` with the columns found in the data.
pub fn new_table_file(name: &str, event: &str, columns: Vec<ColumnSpec>) -> TableFile {
    TableFile {
        name: name.to_string(),
        event: event.to_string(),
        description: None,
        location: None,
        partition_keys: None,
        partitions: PartitionMode::Registered,
        columns,
        properties: BTreeMap::new(),
        view: None,
        parameters: BTreeMap::new(),
    }
}

/// A location written into a file by glueprint itself.
pub fn unlocated(text: String) -> Spanned<String> {
    spanned(text)
}
