//! The AWS Glue Data Catalog behind the [`Catalog`] trait. The only module that knows the SDK.
//!
//! Credentials, region and profile come from the standard chain (`aws-config`);
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_GLUE` point it at another endpoint. Throttling and 5xx
//! answers are retried by the SDK (adaptive retry mode, exponential backoff with jitter).
//! UpdateTable replaces the whole table, so an update reads the table again, changes only what
//! glueprint manages and sends everything else back as it was, with the version read.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_glue::Client;
use aws_sdk_glue::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_glue::operation::create_database::CreateDatabaseError;
use aws_sdk_glue::operation::get_database::GetDatabaseError;
use aws_sdk_glue::operation::get_table::GetTableError;
use aws_sdk_glue::operation::update_table::UpdateTableError;
use aws_sdk_glue::types as glue;

use crate::aws::AwsSettings;
use crate::location::Location;
use crate::partition_filter::{FilterOp, PartitionFilter};

use super::{
    Catalog, CatalogError, Column, DELETE_BATCH, Database, PARTITION_BATCH, Partition,
    PartitionFailure, PartitionFailureKind, Storage, Table, TableListing, UnreadableTable,
    ViewText, filter_partitions,
};
use crate::hive::{HiveType, same_name};

/// Attempts per call before a throttled or failing call is given up.
const MAX_ATTEMPTS: u32 = 10;

#[derive(Debug, Clone, Default)]
pub struct GlueOptions {
    /// Another account's catalog (cross-account access).
    pub catalog_id: Option<String>,
    /// Archive a table version on every update (off by default: a table holds at most
    /// 100,000 versions).
    pub archive_versions: bool,
    /// Refuse every write call before it is sent: plan and drift run with read-only IAM.
    pub read_only: bool,
}

#[derive(Debug, Clone)]
pub struct GlueCatalog {
    client: Client,
    options: GlueOptions,
}

impl GlueCatalog {
    /// Connects with the AWS configuration S3 is read with too (`aws`).
    pub async fn connect(aws: &AwsSettings, options: GlueOptions) -> Self {
        let config = aws.load().await;
        // Adaptive retries unless the standard variables say otherwise.
        let config = if crate::aws::retries_configured() {
            config
        } else {
            config
                .to_builder()
                .retry_config(RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS))
                .build()
        };
        Self::new(&config, options)
    }

    /// A catalog on an SDK configuration built elsewhere (tests build one for moto).
    pub fn new(config: &SdkConfig, options: GlueOptions) -> Self {
        Self {
            client: Client::new(config),
            options,
        }
    }

    fn catalog_id(&self) -> Option<String> {
        self.options.catalog_id.clone()
    }

    fn writable(&self, operation: &str) -> Result<(), CatalogError> {
        if self.options.read_only {
            Err(CatalogError::ReadOnly(operation.to_string()))
        } else {
            Ok(())
        }
    }
}

fn failed<E, R>(operation: &str, error: SdkError<E, R>) -> CatalogError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (reason, advice) = match &error {
        SdkError::TimeoutError(_) => (
            "no answer in time".to_string(),
            "check the endpoint and the network; GLUEPRINT_ATTEMPT_TIMEOUT and \
             GLUEPRINT_OPERATION_TIMEOUT (seconds) set how long to wait",
        ),
        SdkError::DispatchFailure(failure) => (
            format!(
                "{}: {}",
                if failure.is_timeout() {
                    "no answer in time"
                } else {
                    "cannot reach Glue"
                },
                innermost(&error)
            ),
            "check the endpoint (AWS_ENDPOINT_URL_GLUE, the region) and the network",
        ),
        SdkError::ServiceError(_) => (
            match (error.code(), error.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => "an error without a code".to_string(),
            },
            "check the permissions and the names involved",
        ),
        SdkError::ResponseError(_) => (
            format!("an answer that is not Glue's ({})", innermost(&error)),
            "check that the endpoint is AWS Glue",
        ),
        _ => (
            innermost(&error),
            "check the AWS configuration (region, credentials)",
        ),
    };
    CatalogError::store(format!("Glue {operation} failed ({reason}); {advice}"))
}

/// The deepest cause's own words: the SDK's outer layers add only their type names.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

fn to_map(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn to_hash_map(map: &BTreeMap<String, String>) -> HashMap<String, String> {
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

fn from_glue_columns(columns: &[glue::Column]) -> Result<Vec<Column>, CatalogError> {
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
fn to_glue_columns(
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

fn from_glue_storage(sd: Option<&glue::StorageDescriptor>) -> Result<Storage, CatalogError> {
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
fn to_glue_storage(
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

fn from_glue_table(table: &glue::Table) -> Result<Table, CatalogError> {
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
fn to_table_input(
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

fn to_partition_input(partition: &Partition) -> Result<glue::PartitionInput, CatalogError> {
    Ok(glue::PartitionInput::builder()
        .set_values(Some(partition.values.clone()))
        .storage_descriptor(to_glue_storage(&partition.storage, None)?)
        .set_parameters(Some(to_hash_map(&partition.parameters)))
        .build())
}

/// A request glueprint could not put together: the SDK found a required field missing.
fn unbuildable(what: &str, error: BuildError) -> CatalogError {
    CatalogError::caused(
        format!(
            "cannot build a Glue {what} ({error}); this is a bug in glueprint, please report it"
        ),
        error,
    )
}

/// What a failed entry of a batch partition call means, from the error code Glue puts in the
/// answer (entries carry codes, not typed errors).
fn failure_kind(code: Option<&str>) -> PartitionFailureKind {
    match code {
        Some("AlreadyExistsException") => PartitionFailureKind::AlreadyExists,
        Some("EntityNotFoundException") => PartitionFailureKind::NotFound,
        _ => PartitionFailureKind::Other,
    }
}

fn from_glue_partition(partition: &glue::Partition) -> Result<Partition, CatalogError> {
    Ok(Partition {
        values: partition.values().to_vec(),
        storage: from_glue_storage(partition.storage_descriptor())?,
        parameters: to_map(partition.parameters()),
    })
}

fn partition_failures(errors: &[glue::PartitionError]) -> Vec<PartitionFailure> {
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

#[async_trait]
impl Catalog for GlueCatalog {
    fn needs_s3_locations(&self) -> bool {
        true
    }

    async fn get_database(&self, name: &str) -> Result<Option<Database>, CatalogError> {
        match self
            .client
            .get_database()
            .set_catalog_id(self.catalog_id())
            .name(name)
            .send()
            .await
        {
            Ok(output) => Ok(output.database().map(|database| Database {
                name: database.name().to_string(),
                description: database.description().map(str::to_string),
                location: database.location_uri().map(Location::new),
                parameters: to_map(database.parameters()),
            })),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(GetDatabaseError::is_entity_not_found_exception) =>
            {
                Ok(None)
            }
            Err(error) => Err(failed("GetDatabase", error)),
        }
    }

    async fn create_database(&self, database: &Database) -> Result<(), CatalogError> {
        self.writable("CreateDatabase")?;
        let input = glue::DatabaseInput::builder()
            .name(&database.name)
            .set_description(database.description.clone())
            .set_location_uri(database.location.as_ref().map(Location::to_string))
            .set_parameters(Some(to_hash_map(&database.parameters)))
            .build()
            .map_err(|error| unbuildable("DatabaseInput", error))?;
        match self
            .client
            .create_database()
            .set_catalog_id(self.catalog_id())
            .database_input(input)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(CreateDatabaseError::is_already_exists_exception) =>
            {
                Err(CatalogError::AlreadyExists(database.name.clone()))
            }
            Err(error) => Err(failed("CreateDatabase", error)),
        }
    }

    async fn list_tables(&self, database: &str) -> Result<TableListing, CatalogError> {
        let mut pages = self
            .client
            .get_tables()
            .set_catalog_id(self.catalog_id())
            .database_name(database)
            .max_results(100)
            .into_paginator()
            .send();
        let mut listing = TableListing::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| failed("GetTables", error))?;
            for table in page.table_list() {
                match from_glue_table(table) {
                    Ok(table) => listing.tables.push(table),
                    Err(error) => listing.unreadable.push(UnreadableTable {
                        name: table.name().to_string(),
                        reason: error.to_string(),
                    }),
                }
            }
        }
        Ok(listing)
    }

    async fn get_table(&self, database: &str, name: &str) -> Result<Option<Table>, CatalogError> {
        match self.fetch_table(database, name).await? {
            Some(table) => Ok(Some(from_glue_table(&table)?)),
            None => Ok(None),
        }
    }

    async fn create_table(&self, database: &str, table: &Table) -> Result<(), CatalogError> {
        self.writable("CreateTable")?;
        match self
            .client
            .create_table()
            .set_catalog_id(self.catalog_id())
            .database_name(database)
            .table_input(to_table_input(table, None)?)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(refused) if refused.is_already_exists_exception() => Err(
                    CatalogError::AlreadyExists(format!("{database}.{}", table.name)),
                ),
                Some(refused) if refused.is_entity_not_found_exception() => {
                    Err(CatalogError::NoDatabase(database.to_string()))
                }
                _ => Err(failed("CreateTable", error)),
            },
        }
    }

    async fn update_table(&self, database: &str, table: &Table) -> Result<(), CatalogError> {
        self.writable("UpdateTable")?;
        let qualified = format!("{database}.{}", table.name);
        let Some(current) = self.fetch_table(database, &table.name).await? else {
            return Err(CatalogError::NoTable(qualified));
        };
        let expected = table.version.clone().unwrap_or_default();
        let found = current.version_id().unwrap_or_default().to_string();
        if found != expected {
            return Err(CatalogError::ConcurrentModification {
                table: qualified,
                expected,
                found,
            });
        }
        match self
            .client
            .update_table()
            .set_catalog_id(self.catalog_id())
            .database_name(database)
            .table_input(to_table_input(table, Some(&current))?)
            .version_id(expected.clone())
            .skip_archive(!self.options.archive_versions)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(UpdateTableError::is_concurrent_modification_exception) =>
            {
                Err(CatalogError::ConcurrentModification {
                    table: qualified,
                    expected,
                    found: "a newer one".into(),
                })
            }
            Err(error) => Err(failed("UpdateTable", error)),
        }
    }

    async fn list_partitions(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Vec<Partition>, CatalogError> {
        self.get_partitions(database, table, None).await
    }

    async fn list_partitions_where(
        &self,
        database: &str,
        table: &str,
        keys: &[Column],
        filter: &PartitionFilter,
    ) -> Result<Vec<Partition>, CatalogError> {
        match partition_expression(keys, filter) {
            Some(expression) => self.get_partitions(database, table, Some(expression)).await,
            None => Ok(filter_partitions(
                self.list_partitions(database, table).await?,
                keys,
                filter,
            )),
        }
    }

    async fn create_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        self.writable("BatchCreatePartition")?;
        let mut failures = Vec::new();
        for batch in partitions.chunks(PARTITION_BATCH) {
            let output = self
                .client
                .batch_create_partition()
                .set_catalog_id(self.catalog_id())
                .database_name(database)
                .table_name(table)
                .set_partition_input_list(Some(
                    batch
                        .iter()
                        .map(to_partition_input)
                        .collect::<Result<_, _>>()?,
                ))
                .send()
                .await
                .map_err(|error| failed("BatchCreatePartition", error))?;
            failures.extend(partition_failures(output.errors()));
        }
        Ok(failures)
    }

    async fn update_partitions(
        &self,
        database: &str,
        table: &str,
        partitions: &[Partition],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        self.writable("BatchUpdatePartition")?;
        let mut failures = Vec::new();
        for batch in partitions.chunks(PARTITION_BATCH) {
            let entries = batch
                .iter()
                .map(|partition| {
                    glue::BatchUpdatePartitionRequestEntry::builder()
                        .set_partition_value_list(Some(partition.values.clone()))
                        .partition_input(to_partition_input(partition)?)
                        .build()
                        .map_err(|error| unbuildable("BatchUpdatePartitionRequestEntry", error))
                })
                .collect::<Result<_, _>>()?;
            let output = self
                .client
                .batch_update_partition()
                .set_catalog_id(self.catalog_id())
                .database_name(database)
                .table_name(table)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|error| failed("BatchUpdatePartition", error))?;
            failures.extend(output.errors().iter().map(|error| {
                let detail = error.error_detail();
                PartitionFailure {
                    values: error.partition_value_list().to_vec(),
                    kind: failure_kind(detail.and_then(|d| d.error_code())),
                    message: detail
                        .and_then(|d| d.error_message())
                        .unwrap_or_default()
                        .to_string(),
                }
            }));
        }
        Ok(failures)
    }

    async fn delete_partitions(
        &self,
        database: &str,
        table: &str,
        values: &[Vec<String>],
    ) -> Result<Vec<PartitionFailure>, CatalogError> {
        self.writable("BatchDeletePartition")?;
        let mut failures = Vec::new();
        for batch in values.chunks(DELETE_BATCH) {
            let keys = batch
                .iter()
                .map(|values| {
                    glue::PartitionValueList::builder()
                        .set_values(Some(values.clone()))
                        .build()
                        .map_err(|error| unbuildable("PartitionValueList", error))
                })
                .collect::<Result<_, _>>()?;
            let output = self
                .client
                .batch_delete_partition()
                .set_catalog_id(self.catalog_id())
                .database_name(database)
                .table_name(table)
                .set_partitions_to_delete(Some(keys))
                .send()
                .await
                .map_err(|error| failed("BatchDeletePartition", error))?;
            failures.extend(partition_failures(output.errors()));
        }
        Ok(failures)
    }
}

impl GlueCatalog {
    /// Every partition of a table (that passes `expression`), page by page.
    async fn get_partitions(
        &self,
        database: &str,
        table: &str,
        expression: Option<String>,
    ) -> Result<Vec<Partition>, CatalogError> {
        let mut pages = self
            .client
            .get_partitions()
            .set_catalog_id(self.catalog_id())
            .database_name(database)
            .table_name(table)
            .set_expression(expression)
            .max_results(1000)
            .into_paginator()
            .send();
        let mut partitions = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|error| failed("GetPartitions", error))?;
            for partition in page.partitions() {
                partitions.push(from_glue_partition(partition)?);
            }
        }
        Ok(partitions)
    }

    async fn fetch_table(
        &self,
        database: &str,
        name: &str,
    ) -> Result<Option<glue::Table>, CatalogError> {
        match self
            .client
            .get_table()
            .set_catalog_id(self.catalog_id())
            .database_name(database)
            .name(name)
            .send()
            .await
        {
            Ok(output) => Ok(output.table().cloned()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(GetTableError::is_entity_not_found_exception) =>
            {
                Ok(None)
            }
            Err(error) => Err(failed("GetTable", error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
