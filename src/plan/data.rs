//! The data against the declaration: what the files hold that the YAML lacks, and files the
//! declared types cannot read.

use crate::catalog::Table;
use crate::compat::{undeclared_fields, unreadable_at};
use crate::hive::same_name;
use crate::scan::TableReport;

use super::Drift;

pub(super) fn data_drift(desired: &Table, report: &TableReport) -> Vec<Drift> {
    let mut drift = Vec::new();
    let declared = |name: &str| {
        desired
            .storage
            .columns
            .iter()
            .find(|c| same_name(&c.name, name))
    };
    for column in &report.columns {
        match declared(&column.name) {
            None => drift.push(Drift::UndeclaredColumn {
                column: column.name.clone(),
                data_type: column.ty.to_string(),
            }),
            Some(declared) => {
                let mut fields = Vec::new();
                undeclared_fields(&column.ty, &declared.ty, &column.name, &mut fields);
                drift.extend(fields.into_iter().map(|(path, ty)| Drift::UndeclaredField {
                    path,
                    data_type: ty.to_string(),
                }));
            }
        }
    }
    // Per file schema, so the files that cannot be read are named.
    let mut unreadable: Vec<Drift> = Vec::new();
    for variant in &report.variants {
        for column in &variant.schema.columns {
            let (Some(found), Some(declared)) = (&column.ty, declared(&column.name)) else {
                continue;
            };
            let Some((path, found, declared_at)) =
                unreadable_at(found, &declared.ty, &declared.name)
            else {
                continue;
            };
            let (declared_text, found_text) = (declared_at.to_string(), found.to_string());
            match unreadable.iter_mut().find(|d| {
                matches!(d, Drift::Unreadable { column, data_type, .. }
                    if column == &path && data_type == &found_text)
            }) {
                Some(Drift::Unreadable { files, objects, .. }) => {
                    *files += variant.files;
                    objects.extend(variant.samples.iter().cloned());
                    objects.truncate(5);
                }
                _ => unreadable.push(Drift::Unreadable {
                    column: path,
                    declared: declared_text,
                    data_type: found_text,
                    files: variant.files,
                    objects: variant.samples.clone(),
                }),
            }
        }
    }
    drift.extend(unreadable);
    drift
}
