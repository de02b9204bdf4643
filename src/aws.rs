//! One AWS configuration for Glue and S3: the standard chain (environment, profile, SSO,
//! instance role), with the command line's profile and region on top, so both clients find
//! the same credentials, region and endpoints the AWS CLI would.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// What the command line says about AWS; `None` leaves it to the standard chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// S3 connections kept open for reuse: as many as requests in flight, so a burst opens no
    /// more than it uses again (`None`: no limit).
    pub connections: Option<usize>,
}

impl AwsSettings {
    /// The configuration both clients are built from. Retries are left to each client: Glue
    /// sets its own, object_store has its own for S3.
    pub async fn load(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let timeouts = Timeouts::from_env();
        loader
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(timeouts.connect)
                    .operation_attempt_timeout(timeouts.attempt)
                    .operation_timeout(timeouts.operation)
                    .build(),
            )
            .load()
            .await
    }
}

/// The S3 endpoint when not AWS's own: `AWS_ENDPOINT_URL_S3`, else the configuration's
/// endpoint (`AWS_ENDPOINT_URL` or the profile's), as the AWS CLI picks it.
pub fn s3_endpoint(config: &SdkConfig) -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL_S3")
        .ok()
        .or_else(|| config.endpoint_url().map(str::to_string))
}

/// Whether the standard variables set how AWS calls are retried (`AWS_RETRY_MODE`,
/// `AWS_MAX_ATTEMPTS`); otherwise each client picks its own retries.
pub fn retries_configured() -> bool {
    ["AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"]
        .iter()
        .any(|name| std::env::var_os(name).is_some())
}

/// How long a call to Glue or S3 may take before glueprint gives up on it, so that an endpoint
/// that accepts and never answers fails the run instead of hanging it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection.
    pub connect: Duration,
    /// One attempt (one HTTP request).
    pub attempt: Duration,
    /// One operation, every retry included.
    pub operation: Duration,
}

impl Timeouts {
    /// `GLUEPRINT_ATTEMPT_TIMEOUT` and `GLUEPRINT_OPERATION_TIMEOUT`, in seconds (30 and 120 by
    /// default); connecting gets at most 10 s.
    pub fn from_env() -> Self {
        let seconds = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.trim().parse::<f64>().ok())
                .filter(|value| *value > 0.0)
                .map_or(Duration::from_secs(default), Duration::from_secs_f64)
        };
        let attempt = seconds("GLUEPRINT_ATTEMPT_TIMEOUT", 30);
        Timeouts {
            connect: attempt.min(Duration::from_secs(10)),
            attempt,
            operation: seconds("GLUEPRINT_OPERATION_TIMEOUT", 120).max(attempt),
        }
    }
}
