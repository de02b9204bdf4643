//! The data against the declaration: what the files hold that the YAML lacks, and files the
//! declared types cannot read.

use crate::catalog::Table;
use crate::column_path::ColumnPath;
use crate::compat::undeclared_fields;
use crate::hive::same_name;
use crate::readers::{Engine, check_leaves, natural_type};
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
                undeclared_fields(
                    &column.ty,
                    &declared.ty,
                    &ColumnPath::column(&column.name),
                    &mut fields,
                );
                drift.extend(fields.into_iter().map(|(path, ty)| Drift::UndeclaredField {
                    path,
                    data_type: ty.to_string(),
                }));
            }
        }
    }
    // Per file schema, leaf by leaf with Athena's reader rules, so the files that cannot be
    // read (or read with less meaning) are named.
    let mut unreadable: Vec<Drift> = Vec::new();
    for variant in &report.variants {
        let reads = check_leaves(
            &variant.schema.leaves,
            |name| declared(name).map(|c| &c.ty),
            Engine::Athena,
        );
        for read in reads {
            let found = read.read.clone();
            let data_type = natural_type(&read.parquet)
                .map_or_else(|| read.parquet.to_string(), |ty| ty.to_string());
            let entry = unreadable.iter_mut().find(|d| match d {
                Drift::Unreadable {
                    column,
                    parquet_type,
                    ..
                }
                | Drift::LossyRead {
                    column,
                    parquet_type,
                    ..
                } => column == &read.path && parquet_type == &read.parquet.to_string(),
                _ => false,
            });
            match entry {
                Some(
                    Drift::Unreadable { files, objects, .. }
                    | Drift::LossyRead { files, objects, .. },
                ) => {
                    *files += variant.files;
                    objects.extend(variant.samples.iter().cloned());
                    objects.truncate(5);
                }
                _ if found.is_error() => unreadable.push(Drift::Unreadable {
                    column: read.path,
                    declared: read.declared.to_string(),
                    data_type,
                    parquet_type: read.parquet.to_string(),
                    why: found.why().map(str::to_string),
                    files: variant.files,
                    objects: variant.samples.clone(),
                }),
                _ => unreadable.push(Drift::LossyRead {
                    column: read.path,
                    declared: read.declared.to_string(),
                    data_type,
                    parquet_type: read.parquet.to_string(),
                    why: found.why().unwrap_or_default().to_string(),
                    files: variant.files,
                    objects: variant.samples.clone(),
                }),
            }
        }
    }
    drift.extend(unreadable);
    drift
}
