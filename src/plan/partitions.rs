//! Partitions: those in the data against those registered, and registered ones made to follow
//! their table's columns.

use std::collections::{BTreeMap, HashMap};

use crate::catalog::{Column, Partition, Storage, Table};
use crate::scan::TableReport;

use super::{PartitionChanges, PartitionRef, Relocation, TablePlan};

pub(super) fn partition_changes(
    desired: &Table,
    report: &TableReport,
    live_partitions: &[Partition],
) -> PartitionChanges {
    let live: HashMap<&[String], &Partition> = live_partitions
        .iter()
        .map(|p| (p.values.as_slice(), p))
        .collect();
    let mut changes = PartitionChanges::default();
    let mut in_data = std::collections::HashSet::new();
    for partition in &report.partitions {
        in_data.insert(partition.values.as_slice());
        let wanted = Partition {
            values: partition.values.clone(),
            storage: Storage::parquet(partition.location.clone(), desired.storage.columns.clone()),
            parameters: BTreeMap::new(),
        };
        match live.get(partition.values.as_slice()) {
            None => {
                changes.create.push(PartitionRef {
                    values: partition.values.clone(),
                    location: partition.location.clone(),
                });
                changes.to_create.push(wanted);
            }
            Some(existing) => {
                let moved = existing.storage.location != partition.location;
                let stale_columns =
                    !Column::same_list(&existing.storage.columns, &desired.storage.columns);
                if moved {
                    changes.relocate.push(Relocation {
                        values: partition.values.clone(),
                        live: existing.storage.location.clone(),
                        data: partition.location.clone(),
                    });
                } else if stale_columns {
                    changes.columns.push(partition.values.clone());
                }
                if moved || stale_columns {
                    let mut updated = (*existing).clone();
                    updated.storage.location = partition.location.clone();
                    updated.storage.columns = desired.storage.columns.clone();
                    changes.to_update.push(updated);
                }
            }
        }
    }
    for partition in live_partitions {
        if !in_data.contains(partition.values.as_slice()) {
            changes.without_data.push(PartitionRef {
                values: partition.values.clone(),
                location: partition.storage.location.clone(),
            });
        }
    }
    changes
}

/// Registered partitions outside the comparison (a partition filter left them out) that do not
/// carry the table's new columns: updated to them, nothing else about them changes.
pub(super) fn follow_table_columns(planned: &mut TablePlan, partitions: Vec<Partition>) {
    let columns = &planned.target.storage.columns;
    for mut partition in partitions {
        if Column::same_list(&partition.storage.columns, columns) {
            continue;
        }
        partition.storage.columns = columns.clone();
        planned.partitions.columns.push(partition.values.clone());
        planned.partitions.to_update.push(partition);
    }
}

pub(super) fn partition_changes_without_data(live_partitions: &[Partition]) -> PartitionChanges {
    PartitionChanges {
        without_data: live_partitions
            .iter()
            .map(|p| PartitionRef {
                values: p.values.clone(),
                location: p.storage.location.clone(),
            })
            .collect(),
        ..PartitionChanges::default()
    }
}
