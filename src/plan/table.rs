//! One table, live against declared: the changes field by field, and the table apply writes.

use crate::catalog::{Column, Table};
use crate::compat::widen;
use crate::hive::same_name;
use crate::problem::shown;

use super::{Change, ChangeKind};

pub(super) fn creation_changes(desired: &Table) -> Vec<Change> {
    desired
        .storage
        .columns
        .iter()
        .map(|column| {
            change(
                format!("column {}", column.name),
                ChangeKind::Added,
                None,
                Some(column.ty.to_string()),
                false,
            )
        })
        .collect()
}

fn change(
    subject: String,
    kind: ChangeKind,
    live: Option<String>,
    declared: Option<String>,
    destructive: bool,
) -> Change {
    let shown_all = |text: Option<String>| text.map(|t| shown(&t).into_owned());
    Change {
        subject: shown(&subject).into_owned(),
        kind,
        live: shown_all(live),
        declared: shown_all(declared),
        destructive,
    }
}

/// What differs between the live table and the declaration, on the fields glueprint manages:
/// column by column, then the partition keys, then every other managed field.
pub(super) fn table_changes(live: &Table, desired: &Table) -> Vec<Change> {
    let mut changes = column_changes(live, desired);
    changes.extend(key_changes(live, desired));
    changes.extend(field_changes(live, desired));
    changes
}

/// Columns added, dropped, retyped or recommented.
fn column_changes(live: &Table, desired: &Table) -> Vec<Change> {
    let mut changes = Vec::new();
    let find = |columns: &[Column], name: &str| -> Option<Column> {
        columns.iter().find(|c| same_name(&c.name, name)).cloned()
    };
    for column in &desired.storage.columns {
        let subject = format!("column {}", column.name);
        match find(&live.storage.columns, &column.name) {
            None => changes.push(change(
                subject,
                ChangeKind::Added,
                None,
                Some(column.ty.to_string()),
                false,
            )),
            Some(existing) => {
                match existing.athena_type() {
                    Err(error) => changes.push(change(
                        subject.clone(),
                        ChangeKind::UnparsableType,
                        Some(format!("{} ({error})", existing.type_text())),
                        Some(column.ty.to_string()),
                        false,
                    )),
                    Ok(live_type) if !live_type.equivalent(&column.ty) => {
                        let widened = widen(&live_type, &column.ty)
                            .is_ok_and(|wider| wider.equivalent(&column.ty));
                        changes.push(change(
                            subject.clone(),
                            if widened {
                                ChangeKind::Widened
                            } else {
                                ChangeKind::TypeChanged
                            },
                            Some(existing.type_text()),
                            Some(column.ty.to_string()),
                            !widened,
                        ));
                    }
                    Ok(_) => {}
                }
                if existing.comment != column.comment {
                    changes.push(change(
                        subject,
                        ChangeKind::CommentChanged,
                        existing.comment.clone(),
                        column.comment.clone(),
                        false,
                    ));
                }
            }
        }
    }
    for column in &live.storage.columns {
        if find(&desired.storage.columns, &column.name).is_none() {
            changes.push(change(
                format!("column {}", column.name),
                ChangeKind::Dropped,
                Some(column.type_text()),
                None,
                true,
            ));
        }
    }
    changes
}

/// The partition keys, compared as a whole: any change moves every partition.
fn key_changes(live: &Table, desired: &Table) -> Option<Change> {
    if !Column::same_list(&live.partition_keys, &desired.partition_keys) {
        let text = |columns: &[Column]| {
            columns
                .iter()
                .map(|c| format!("{} {}", c.name, c.type_text()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Some(change(
            "partition keys".into(),
            ChangeKind::Changed,
            Some(text(&live.partition_keys)),
            Some(text(&desired.partition_keys)),
            true,
        ));
    }
    None
}

/// The table's other managed fields: location, formats, serde, type, description, parameters.
fn field_changes(live: &Table, desired: &Table) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut field =
        |subject: &str, live: Option<&String>, desired: Option<&String>, destructive: bool| {
            if desired.is_some() && live != desired {
                changes.push(change(
                    subject.into(),
                    ChangeKind::Changed,
                    live.cloned(),
                    desired.cloned(),
                    destructive,
                ));
            }
        };
    field(
        "location",
        Some(&live.storage.location.to_string()),
        Some(&desired.storage.location.to_string()),
        true,
    );
    field(
        "input format",
        live.storage.input_format.as_ref(),
        desired.storage.input_format.as_ref(),
        false,
    );
    field(
        "output format",
        live.storage.output_format.as_ref(),
        desired.storage.output_format.as_ref(),
        false,
    );
    field(
        "serde",
        live.storage.serde_library.as_ref(),
        desired.storage.serde_library.as_ref(),
        false,
    );
    field(
        "table type",
        live.table_type.as_ref(),
        desired.table_type.as_ref(),
        false,
    );
    field(
        "description",
        live.description.as_ref(),
        desired.description.as_ref(),
        false,
    );
    for (key, value) in &desired.storage.serde_parameters {
        field(
            &format!("serde parameter {key}"),
            live.storage.serde_parameters.get(key),
            Some(value),
            false,
        );
    }
    for (key, value) in &desired.parameters {
        field(
            &format!("parameter {key}"),
            live.parameters.get(key),
            Some(value),
            false,
        );
    }
    for (key, value) in stale_projection(live, desired) {
        changes.push(change(
            format!("parameter {key}"),
            ChangeKind::Dropped,
            Some(value.clone()),
            None,
            false,
        ));
    }
    changes
}

/// Partition projection parameters the live table has and the declaration no longer wants:
/// while `projection.enabled` stays, Athena ignores the registered partitions.
fn stale_projection<'a>(live: &'a Table, desired: &Table) -> Vec<(&'a String, &'a String)> {
    live.parameters
        .iter()
        .filter(|(key, _)| {
            (key.starts_with("projection.") || *key == "storage.location.template")
                && !desired.parameters.contains_key(*key)
        })
        .collect()
}

/// The live table with what glueprint manages replaced by the declaration, and everything else
/// (other parameters, owner, storage parameters, unset descriptions) kept as it is.
pub(super) fn merged_target(live: &Table, desired: &Table) -> Table {
    let mut target = live.clone();
    target.storage.columns = desired.storage.columns.clone();
    target.storage.location = desired.storage.location.clone();
    target.storage.input_format = desired.storage.input_format.clone();
    target.storage.output_format = desired.storage.output_format.clone();
    target.storage.serde_library = desired.storage.serde_library.clone();
    target
        .storage
        .serde_parameters
        .extend(desired.storage.serde_parameters.clone());
    target.partition_keys = desired.partition_keys.clone();
    target.table_type = desired.table_type.clone();
    let stale: Vec<String> = stale_projection(live, desired)
        .into_iter()
        .map(|(key, _)| key.clone())
        .collect();
    for key in stale {
        target.parameters.remove(&key);
    }
    target.parameters.extend(desired.parameters.clone());
    if desired.description.is_some() {
        target.description = desired.description.clone();
    }
    target
}

/// A table's managed definition as lines of text, for the unified diff people review.
pub(super) fn definition_text(table: &Table) -> String {
    let mut text = format!("location {}\n", shown(table.storage.location.as_str()));
    for column in &table.storage.columns {
        text.push_str(&format!(
            "column {} {}",
            shown(&column.name),
            shown(&column.type_text())
        ));
        if let Some(comment) = &column.comment {
            text.push_str(&format!("  -- {}", shown(comment)));
        }
        text.push('\n');
    }
    for key in &table.partition_keys {
        text.push_str(&format!(
            "partition key {} {}\n",
            shown(&key.name),
            shown(&key.type_text())
        ));
    }
    if let Some(description) = &table.description {
        text.push_str(&format!("description {}\n", shown(description)));
    }
    text
}
