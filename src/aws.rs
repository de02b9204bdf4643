//! One AWS configuration for Glue and S3: the standard chain (environment, profile, SSO,
//! instance role), with the command line's profile and region on top, so both clients find
//! the same credentials, region and endpoints the AWS CLI would.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// What the command line says about AWS; `None` leaves it to the standard chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
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
        loader.load().await
    }
}
