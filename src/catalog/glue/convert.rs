//! Glue's SDK types to glueprint's catalog model and back, and partition conditions as Glue
//! `Expression`s: the mapping, kept apart from the calls that use it.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_glue::error::BuildError;
use aws_sdk_glue::types as glue;

use crate::catalog::{
    CatalogError, Column, Partition, PartitionFailure, PartitionFailureKind, Storage, Table,
    ViewText,
};
use crate::hive::{HiveType, same_name};
use crate::location::Location;
use crate::partition_filter::{FilterOp, PartitionFilter};

pub(super) fn to_map(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

pub(super) fn to_hash_map(map: &BTreeMap<String, String>) -> HashMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Words Glue's expression parser (JSqlParser) reserves: a key named so cannot appear in an
/// `Expression` (the list Trino's Glue metastore keeps, `GlueExpressionUtil`).
const EXPRESSION_RESERVED: &str = "as by do is in or on all and any key not set asc top end desc \
     into null like drop join left from open case when then else some full with table where \
     using union group begin index inner limit outer order right delete create select offset \
     exists having insert update values escape primary natural replace between truncate \
     distinct intersect";

/// The GetPartitions `Expression` for `filter`, or `None` where Glue cannot be asked and the
/// partitions are filtered here: date and timestamp keys (Athena never pushes those to Glue
/// either), reserved key names, numeric keys compared with something that is not a number.
/// Glue stores key names lowercased and compares numeric keys as numbers, unquoted.
pub fn partition_expression(keys: &[Column], filter: &PartitionFilter) -> Option<String> {
    let key = match &filter.key {
        Some(name) => keys.iter().find(|k| same_name(&k.name, name))?,
        None => keys.first()?,
    };
    let name = key.name.to_lowercase();
    if EXPRESSION_RESERVED
        .split_whitespace()
        .any(|word| word == name)
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let op = match filter.op {
        FilterOp::Eq => "=",
        FilterOp::Ge => ">=",
        FilterOp::Gt => ">",
        FilterOp::Le => "<=",
        FilterOp::Lt => "<",
    };
    let value = match key.ty {
        HiveType::String | HiveType::Char(_) | HiveType::Varchar(_) => {
            format!("'{}'", filter.value.replace('\'', "''"))
        }
        HiveType::TinyInt | HiveType::SmallInt | HiveType::Int | HiveType::BigInt => {
            filter.value.parse::<i64>().ok()?.to_string()
        }
        _ => return None,
    };
    Some(format!("{name} {op} {value}"))
}

pub(super) fn from_glue_columns(columns: &[glue::Column]) -> Result<Vec<Column>, CatalogError> {
    columns
        .iter()
        .map(|column| {
            let text = column.r#type().unwrap_or_default();
            let ty = text.parse().map_err(|error| {
                CatalogError::store(format!(
                    "Glue column `{}` has a type glueprint cannot read ({error})",
                    column.name()
                ))
            })?;
            Ok(Column {
                name: column.name().to_string(),
                ty,
                comment: column.comment().map(str::to_string),
                stored_type: Some(text.to_string()),
            })
        })
        .collect()
}

/// Glue columns for ours, keeping the column parameters other tools set on `existing` ones.
pub(super) fn to_glue_columns(
    columns: &[Column],
    existing: &[glue::Column],
) -> Result<Vec<glue::Column>, CatalogError> {
    columns
        .iter()
        .map(|column| {
            let parameters = existing
                .iter()
                .find(|e| same_name(e.name(), &column.name))
                .and_then(|e| e.parameters().cloned());
            glue::Column::builder()
                .name(&column.name)
                .r#type(column.type_text())
                .set_comment(column.comment.clone())
                .set_parameters(parameters)
                .build()
                .map_err(|error| unbuildable("Column", error))
        })
        .collect()
}

pub(super) fn from_glue_storage(
    sd: Option<&glue::StorageDescriptor>,
) -> Result<Storage, CatalogError> {
    let Some(sd) = sd else {
        return Ok(Storage {
            location: Location::new(""),
            input_format: None,
            output_format: None,
            serde_library: None,
            serde_parameters: BTreeMap::new(),
            columns: Vec::new(),
            parameters: BTreeMap::new(),
        });
    };
    Ok(Storage {
        location: Location::new(sd.location().unwrap_or_default()),
        input_format: sd.input_format().map(str::to_string),
        output_format: sd.output_format().map(str::to_string),
        serde_library: sd
            .serde_info()
            .and_then(|s| s.serialization_library())
            .map(str::to_string),
        serde_parameters: to_map(sd.serde_info().and_then(|s| s.parameters())),
        columns: from_glue_columns(sd.columns())?,
        parameters: to_map(sd.parameters()),
    })
}

/// Our storage written over `base` (the descriptor as Glue holds it, or an empty one), so that
/// bucketing, skew, compression and every other field Glue has and glueprint does not manage
/// goes back unchanged.
pub(super) fn to_glue_storage(
    storage: &Storage,
    base: Option<&glue::StorageDescriptor>,
) -> Result<glue::StorageDescriptor, CatalogError> {
    let mut sd = base
        .cloned()
        .unwrap_or_else(|| glue::StorageDescriptor::builder().build());
    let existing_columns = sd.columns.clone().unwrap_or_default();
    sd.columns = Some(to_glue_columns(&storage.columns, &existing_columns)?);
    sd.location = Some(storage.location.to_string());
    sd.input_format = storage.input_format.clone();
    sd.output_format = storage.output_format.clone();
    let mut serde = sd
        .serde_info
        .take()
        .unwrap_or_else(|| glue::SerDeInfo::builder().build());
    serde.serialization_library = storage.serde_library.clone();
    serde.parameters = Some(to_hash_map(&storage.serde_parameters));
    sd.serde_info = Some(serde);
    sd.parameters = Some(to_hash_map(&storage.parameters));
    Ok(sd)
}

pub(super) fn from_glue_table(table: &glue::Table) -> Result<Table, CatalogError> {
    Ok(Table {
        name: table.name().to_string(),
        description: table.description().map(str::to_string),
        owner: table.owner().map(str::to_string),
        table_type: table.table_type().map(str::to_string),
        parameters: to_map(table.parameters()),
        storage: from_glue_storage(table.storage_descriptor())?,
        partition_keys: from_glue_columns(table.partition_keys())?,
        version: table.version_id().map(str::to_string),
        view_text: table.view_original_text().map(|original| ViewText {
            original: original.to_string(),
            expanded: table.view_expanded_text().unwrap_or_default().to_string(),
        }),
    })
}

/// The table input for `table`, starting from what Glue holds (`base`) for the fields glueprint
/// has no model of.
pub(super) fn to_table_input(
    table: &Table,
    base: Option<&glue::Table>,
) -> Result<glue::TableInput, CatalogError> {
    let mut storage = to_glue_storage(&table.storage, base.and_then(|b| b.storage_descriptor()))?;
    if table.view_text.is_some() {
        // A view reads no files of its own: Athena writes views without a location.
        storage.location = None;
    }
    glue::TableInput::builder()
        .name(&table.name)
        .set_description(table.description.clone())
        .set_owner(table.owner.clone())
        .set_table_type(table.table_type.clone())
        .set_parameters(Some(to_hash_map(&table.parameters)))
        .storage_descriptor(storage)
        .set_partition_keys(Some(to_glue_columns(
            &table.partition_keys,
            base.map(|b| b.partition_keys()).unwrap_or_default(),
        )?))
        .set_last_access_time(base.and_then(|b| b.last_access_time().cloned()))
        .set_last_analyzed_time(base.and_then(|b| b.last_analyzed_time().cloned()))
        .retention(base.map_or(0, |b| b.retention()))
        .set_view_original_text(match &table.view_text {
            Some(view) => Some(view.original.clone()),
            None => base.and_then(|b| b.view_original_text().map(str::to_string)),
        })
        .set_view_expanded_text(match &table.view_text {
            Some(view) => Some(view.expanded.clone()),
            None => base.and_then(|b| b.view_expanded_text().map(str::to_string)),
        })
        .set_target_table(base.and_then(|b| b.target_table().cloned()))
        .set_federated_table(base.and_then(|b| b.federated_table().cloned()))
        .build()
        .map_err(|error| unbuildable("TableInput", error))
}

pub(super) fn to_partition_input(
    partition: &Partition,
) -> Result<glue::PartitionInput, CatalogError> {
    Ok(glue::PartitionInput::builder()
        .set_values(Some(partition.values.clone()))
        .storage_descriptor(to_glue_storage(&partition.storage, None)?)
        .set_parameters(Some(to_hash_map(&partition.parameters)))
        .build())
}

/// A request glueprint could not put together: the SDK found a required field missing.
pub(super) fn unbuildable(what: &str, error: BuildError) -> CatalogError {
    CatalogError::caused(
        format!(
            "cannot build a Glue {what} ({error}); this is a bug in glueprint, please report it"
        ),
        error,
    )
}

/// What a failed entry of a batch partition call means, from the error code Glue puts in the
/// answer (entries carry codes, not typed errors).
pub(super) fn failure_kind(code: Option<&str>) -> PartitionFailureKind {
    match code {
        Some("AlreadyExistsException") => PartitionFailureKind::AlreadyExists,
        Some("EntityNotFoundException") => PartitionFailureKind::NotFound,
        _ => PartitionFailureKind::Other,
    }
}

pub(super) fn from_glue_partition(partition: &glue::Partition) -> Result<Partition, CatalogError> {
    Ok(Partition {
        values: partition.values().to_vec(),
        storage: from_glue_storage(partition.storage_descriptor())?,
        parameters: to_map(partition.parameters()),
    })
}

pub(super) fn partition_failures(errors: &[glue::PartitionError]) -> Vec<PartitionFailure> {
    errors
        .iter()
        .map(|error| {
            let detail = error.error_detail();
            let code = detail.and_then(|d| d.error_code());
            PartitionFailure {
                values: error.partition_values().to_vec(),
                kind: failure_kind(code),
                message: format!(
                    "{}: {}",
                    code.unwrap_or("Unknown"),
                    detail.and_then(|d| d.error_message()).unwrap_or_default()
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::filter_partitions;

    fn key(name: &str, ty: HiveType) -> Column {
        Column::new(name, ty)
    }

    fn expression(keys: &[Column], filter: &str) -> Option<String> {
        partition_expression(keys, &filter.parse().unwrap())
    }

    #[test]
    fn expressions_follow_glue_rules_per_key_type() {
        let keys = [
            key("DT", HiveType::String),
            key("hour", HiveType::Int),
            key("day", HiveType::Date),
            key("at", HiveType::Timestamp),
            key("order", HiveType::String),
        ];
        // Glue stores key names lowercased and refuses others.
        assert_eq!(
            expression(&keys, "DT>=2020-09-19").as_deref(),
            Some("dt >= '2020-09-19'")
        );
        assert_eq!(
            expression(&keys, "dt=it's").as_deref(),
            Some("dt = 'it''s'")
        );
        // Numeric keys compare as numbers, unquoted.
        assert_eq!(expression(&keys, "hour>9").as_deref(), Some("hour > 9"));
        assert_eq!(expression(&keys, "hour>nine"), None);
        // Dates, timestamps and reserved names are filtered here, never sent.
        assert_eq!(expression(&keys, "day>=2020-09-19"), None);
        assert_eq!(expression(&keys, "at>=2020-09-19"), None);
        assert_eq!(expression(&keys, "order=1"), None);
        // --since filters on the first key.
        assert_eq!(
            partition_expression(&keys, &PartitionFilter::since("2020-09-19")).as_deref(),
            Some("dt >= '2020-09-19'")
        );
    }

    #[test]
    fn client_side_filters_compare_numbers_as_numbers() {
        let keys = [key("hour", HiveType::Int)];
        let partition = |hour: &str| Partition {
            values: vec![hour.into()],
            storage: Storage::parquet(format!("s3://b/t/hour={hour}/").into(), Vec::new()),
            parameters: BTreeMap::new(),
        };
        let kept = filter_partitions(
            vec![partition("9"), partition("10"), partition("11")],
            &keys,
            &"hour>=10".parse().unwrap(),
        );
        let hours: Vec<&str> = kept.iter().map(|p| p.values[0].as_str()).collect();
        assert_eq!(hours, ["10", "11"]);
    }

    #[test]
    fn columns_go_to_glue_and_back_keeping_what_glue_added() {
        let columns = vec![
            Column {
                comment: Some("when".into()),
                ..Column::new("eventTime", HiveType::String)
            },
            Column::new("props", "struct<CT Source:string,n:int>".parse().unwrap()),
        ];
        // A column parameter another client set survives the round trip.
        let existing = [glue::Column::builder()
            .name("eventtime")
            .r#type("string")
            .parameters("set.by", "spark")
            .build()
            .unwrap()];
        let sent = to_glue_columns(&columns, &existing).unwrap();
        assert_eq!(sent[1].r#type(), Some("struct<CT Source:string,n:int>"));
        assert_eq!(
            sent[0]
                .parameters()
                .unwrap()
                .get("set.by")
                .map(String::as_str),
            Some("spark")
        );
        let read = from_glue_columns(&sent).unwrap();
        assert_eq!(
            read.iter()
                .map(|c| (c.name.as_str(), c.ty.to_string(), c.comment.as_deref()))
                .collect::<Vec<_>>(),
            [
                ("eventTime", "string".to_string(), Some("when")),
                ("props", "struct<CT Source:string,n:int>".to_string(), None)
            ]
        );
    }

    #[test]
    fn a_type_glueprint_cannot_read_names_the_column() {
        let column = glue::Column::builder()
            .name("odd")
            .r#type("struct<")
            .build()
            .unwrap();
        let error = from_glue_columns(&[column]).unwrap_err().to_string();
        assert!(error.contains("Glue column `odd` has a type"), "{error}");
    }
}
