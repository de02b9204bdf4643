//! The AWS Glue Data Catalog behind the [`Catalog`] trait. The only module that knows the SDK.
//!
//! Credentials, region and profile come from the standard chain (`aws-config`);
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_GLUE` point it at another endpoint. Throttling and 5xx
//! answers are retried by the SDK (adaptive retry mode, exponential backoff with jitter).
//! UpdateTable replaces the whole table, so an update reads the table again, changes only what
//! glueprint manages and sends everything else back as it was, with the version read.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_glue::Client;
use aws_sdk_glue::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_glue::operation::create_database::CreateDatabaseError;
use aws_sdk_glue::operation::get_database::GetDatabaseError;
use aws_sdk_glue::operation::get_table::GetTableError;
use aws_sdk_glue::operation::update_table::UpdateTableError;
use aws_sdk_glue::types as glue;

use crate::aws::AwsSettings;
use crate::location::Location;
use crate::partition_filter::PartitionFilter;

use super::{
    Catalog, CatalogError, Column, DELETE_BATCH, Database, PARTITION_BATCH, Partition,
    PartitionFailure, Table, TableListing, UnreadableTable, filter_partitions,
};

mod convert;

pub use convert::partition_expression;
use convert::{
    failure_kind, from_glue_partition, from_glue_table, partition_failures, to_hash_map, to_map,
    to_partition_input, to_table_input, unbuildable,
};

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
