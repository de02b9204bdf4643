//! Loading a catalogs folder: every file parsed, checked and resolved (environment
//! references, default locations and keys), every problem collected with its line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_saphyr::{Location as Span, Spanned};

use crate::location::Location;

use crate::hive::same_name;

use crate::compat::branch_reads_as;

use super::{
    ColumnSpec, DATABASE_FILE, DatabaseFile, DeclareError, DeclaredDatabase, DeclaredTable,
    PartitionMode, TableFile,
};

/// Reads a definition file, with an error that names it.
pub fn read(path: &Path) -> Result<String, DeclareError> {
    std::fs::read_to_string(path)
        .map_err(|error| DeclareError::file(path, format!("cannot read the file: {error}")))
}

/// Parses YAML text as `T`, turning the parser's error into one located in `path`.
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, DeclareError> {
    serde_saphyr::from_str(text).map_err(|error| {
        let location = error.location().unwrap_or(Span::UNKNOWN);
        let full = error.to_string();
        // The parser's first line repeats the location; keep its explanation and snippet.
        let message = match full.strip_prefix("error: ") {
            Some(rest) if rest.starts_with("line ") => rest
                .split_once(": ")
                .map_or(rest, |(_, explanation)| explanation),
            _ => full.as_str(),
        }
        .replace(
            ", set DuplicateKeyPolicy in Options if acceptable",
            "; a key may appear once: keep one",
        )
        .replace("<input>", &path.display().to_string());
        DeclareError::at(path, &location, message)
    })
}

pub(super) fn load_database(folder: &Path) -> Result<DeclaredDatabase, Vec<DeclareError>> {
    let database_path = folder.join(DATABASE_FILE);
    if !database_path.is_file() {
        return Err(vec![DeclareError::file(
            folder,
            format!("a database folder needs a {DATABASE_FILE} (name, location)"),
        )]);
    }
    let file: DatabaseFile = read(&database_path)
        .and_then(|text| parse(&database_path, &text))
        .map_err(|error| vec![error])?;
    let mut errors = Vec::new();
    let root = expand_env(&database_path, &file.location).map_err(|error| vec![error])?;
    let location = Location::new(&root);
    check_columns(
        &database_path,
        &file.partition_keys,
        "partition key",
        &mut errors,
    );

    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(|error| vec![DeclareError::file(folder, error.to_string())])?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
                && path.file_name().is_some_and(|name| name != DATABASE_FILE)
        })
        .collect();
    paths.sort();
    let mut tables: Vec<DeclaredTable> = Vec::new();
    let mut by_event: HashMap<String, PathBuf> = HashMap::new();
    for path in paths {
        let table = match read(&path).and_then(|text| parse::<TableFile>(&path, &text)) {
            Ok(table) => table,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        match check_table(&path, table, &file, &location, &mut errors) {
            Some(table) => {
                let identity = crate::naming::event_identity(&table.file.event);
                if let Some(other) = by_event.insert(identity, path.clone()) {
                    errors.push(DeclareError::file(
                        &path,
                        format!(
                            "event `{}` is also declared by {}; CleverTap treats event names \
                             case- and space-insensitively, so one table per event",
                            table.file.event,
                            other.display()
                        ),
                    ));
                }
                tables.push(table);
            }
            None => continue,
        }
    }
    if errors.is_empty() {
        Ok(DeclaredDatabase {
            dir: folder.to_path_buf(),
            file,
            location,
            tables,
        })
    } else {
        Err(errors)
    }
}

fn check_table(
    path: &Path,
    file: TableFile,
    database: &DatabaseFile,
    database_location: &Location,
    errors: &mut Vec<DeclareError>,
) -> Option<DeclaredTable> {
    let before = errors.len();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if file.name != stem {
        errors.push(DeclareError::file(
            path,
            format!(
                "the table is named `{}` but the file is {stem}.yaml; name the file after the table",
                file.name
            ),
        ));
    }
    if file.name != file.name.to_lowercase() {
        errors.push(DeclareError::file(
            path,
            format!(
                "table name `{}` has capitals; Glue folds names to lowercase: write `{}`",
                file.name,
                file.name.to_lowercase()
            ),
        ));
    }
    if file.columns.is_empty() {
        errors.push(DeclareError::file(
            path,
            "a table needs at least one column",
        ));
    }
    check_columns(path, &file.columns, "column", errors);
    check_properties(path, &file, errors);
    let partition_specs = file
        .partition_keys
        .as_deref()
        .unwrap_or(&database.partition_keys);
    check_columns(path, partition_specs, "partition key", errors);
    for key in partition_specs {
        if !key.ty.0.is_primitive() {
            errors.push(DeclareError::at(
                path,
                &key.name.referenced,
                format!(
                    "partition key `{}` must have a primitive type",
                    key.name.value
                ),
            ));
        }
        if let Some(column) = file
            .columns
            .iter()
            .find(|c| same_name(&c.name.value, &key.name.value))
        {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!(
                    "column `{}` repeats partition key `{}`; Glue rejects that: drop one",
                    column.name.value, key.name.value
                ),
            ));
        }
    }
    if let PartitionMode::Projection(projection) = &file.partitions {
        for key in partition_specs {
            if !projection.contains_key(&key.name.value) {
                errors.push(DeclareError::file(
                    path,
                    format!(
                        "partition projection does not cover partition key `{}`; Athena needs \
                         every key projected",
                        key.name.value
                    ),
                ));
            }
        }
    }
    let location = match &file.location {
        Some(location) => match expand_env(path, location) {
            Ok(location) => Location::new(&location),
            Err(error) => {
                errors.push(error);
                return None;
            }
        },
        None => database_location.join(&file.name),
    };
    if errors.len() > before {
        return None;
    }
    Some(DeclaredTable {
        path: path.to_path_buf(),
        partition_keys: partition_specs.iter().map(ColumnSpec::to_column).collect(),
        file,
        location,
    })
}

fn check_columns(path: &Path, columns: &[ColumnSpec], what: &str, errors: &mut Vec<DeclareError>) {
    for (index, column) in columns.iter().enumerate() {
        let name = &column.name.value;
        if name.trim().is_empty() {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!("a {what} needs a name"),
            ));
        }
        if let Some(first) = columns[..index]
            .iter()
            .find(|c| same_name(&c.name.value, name))
        {
            errors.push(DeclareError::at(
                path,
                &column.name.referenced,
                format!(
                    "{what} `{name}` is declared twice (first at line {}); Glue folds names to \
                     lowercase: keep one",
                    first.name.referenced.line()
                ),
            ));
        }
    }
}

/// Resolves `${VAR}` and `${VAR:-default}` from the environment.
fn expand_env(path: &Path, text: &Spanned<String>) -> Result<String, DeclareError> {
    let mut out = String::new();
    let mut rest = text.value.as_str();
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(DeclareError::at(
                path,
                &text.referenced,
                format!("unterminated `${{` in `{}`", text.value),
            ));
        };
        let reference = &after[..end];
        let (name, default) = match reference.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (reference, None),
        };
        if let Some(why) = not_expandable(name) {
            return Err(DeclareError::at(path, &text.referenced, why));
        }
        match (std::env::var(name), default) {
            (Ok(value), _) if !value.is_empty() => out.push_str(&value),
            (_, Some(default)) => out.push_str(default),
            _ => {
                return Err(DeclareError::at(
                    path,
                    &text.referenced,
                    format!(
                        "environment variable {name} is not set; set it, or write \
                         ${{{name}:-default}}"
                    ),
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Why `${name}` may not be expanded. Locations are printed by plan, drift and annotations, and
/// plans are posted as pull-request comments: only glueprint's own variables expand, so a
/// reviewed YAML line can never print a secret of the machine that runs it.
fn not_expandable(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    let secret_like = upper.starts_with("AWS_")
        || ["SECRET", "TOKEN", "PASSWORD", "CREDENTIAL", "KEY"]
            .iter()
            .any(|word| upper.contains(word));
    if secret_like {
        return Some(format!(
            "${{{name}}} looks like a credential, and locations are printed in plans and pull \
             requests: it is never expanded; use a GLUEPRINT_* variable that holds the location"
        ));
    }
    (!name.starts_with("GLUEPRINT_")).then(|| {
        format!(
            "${{{name}}}: only GLUEPRINT_* variables expand in the declarations (they are printed \
             in plans and pull requests); set GLUEPRINT_{name} instead"
        )
    })
}

/// Properties belong to a declared union-map column, and each one's type must be one its
/// branches can be read as: a branch's own type (complex ones too), `double` for numbers,
/// `string` for anything.
fn check_properties(path: &Path, file: &TableFile, errors: &mut Vec<DeclareError>) {
    if let Some(view) = &file.view {
        let valid = !view.is_empty()
            && view
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid || *view == file.name {
            errors.push(DeclareError::file(
                path,
                format!(
                    "view name `{view}` must be lower case letters, digits and _, and not the \
                     table's own name"
                ),
            ));
        }
    }
    for (column, properties) in &file.properties {
        let declared = file
            .columns
            .iter()
            .find(|c| same_name(&c.name.value, column));
        let Some(branches) = declared.and_then(|c| c.ty.0.union_branches()) else {
            // The column's own key carries no location; its first property is beneath it.
            let first = properties.values().next().map(|ty| &ty.referenced);
            errors.push(DeclareError::at(
                path,
                first.unwrap_or(&Span::UNKNOWN),
                format!(
                    "`properties` names `{column}`, which is not a declared union-map column \
                     (map<string,struct<member0:...,member1:...>>); declare it among `columns` \
                     or remove its properties"
                ),
            ));
            continue;
        };
        for (key, ty) in properties {
            let readable = branches
                .iter()
                .any(|branch| branch_reads_as(&branch.ty, &ty.value.0));
            if !readable {
                errors.push(DeclareError::at(
                    path,
                    &ty.referenced,
                    format!(
                        "property `{key}` of `{column}` is declared {}, which none of the union's \
                         branches ({}) can be read as; declare a branch's type, double or string",
                        ty.value.0,
                        branches
                            .iter()
                            .map(|b| format!("{} {}", b.name, b.ty))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
}
