//! The lake as an object store: a local folder or an S3 prefix behind one interface.
//!
//! S3 credentials and region come from the standard AWS chain as `aws-config` resolves it
//! (environment, profile, SSO, IMDS ...), so glueprint finds them exactly where the AWS CLI and
//! the Glue client do. `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` point it at S3-compatible
//! servers.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use bytes::Bytes;
mod local_list;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AwsCredential};
use object_store::buffered::BufWriter;
use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    ClientOptions, CredentialProvider, ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig,
};
use tokio::sync::Mutex;

use crate::aws::{AwsSettings, Timeouts};
use crate::footer::{FooterError, FooterRead};
use crate::location::Location;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the lake folder {path} does not exist or is not a folder; pass an existing folder or s3://bucket/prefix/"
    )]
    MissingFolder { path: String },
    #[error("`{location}` is not a lake location: {reason}")]
    BadLocation { location: String, reason: String },
    #[error("cannot open {location}: {source}")]
    Open {
        location: String,
        #[source]
        source: object_store::Error,
    },
    #[error(
        "no AWS region is configured for {location}; set AWS_REGION, or a region in your AWS profile"
    )]
    NoRegion { location: String },
    #[error(
        "cannot list {location} ({source}); check the location, and that the credentials in use \
         may list it"
    )]
    List {
        location: String,
        #[source]
        source: object_store::Error,
    },
}

const LOCAL_IDENTITY: &str = "file";

/// A lake root: where tables are folders.
#[derive(Debug, Clone)]
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    root: Location,
    /// Lakes with the same identity share one address space: objects copy server-side.
    identity: String,
    /// The same store as `store` for local lakes, for its file-system paths.
    local: Option<Arc<LocalFileSystem>>,
    /// The same store as `store` for S3 lakes, for single listing pages.
    pages: Option<Arc<object_store::aws::AmazonS3>>,
}

/// The first page of a flat listing of a whole lake.
pub struct FirstPage {
    pub objects: Vec<ObjectMeta>,
    /// The page's last key when more keys follow it.
    pub more_after: Option<Path>,
}

impl Lake {
    /// Opens `location`: `s3://bucket/prefix/` (also `s3a://`) or a local folder, with the
    /// standard AWS chain for S3.
    pub async fn open(location: &str) -> Result<Lake, StoreError> {
        Self::open_with(location, &AwsSettings::default()).await
    }

    /// Opens `location` with the command line's AWS profile and region for S3.
    pub async fn open_with(location: &str, aws: &AwsSettings) -> Result<Lake, StoreError> {
        Self::open_as(location, aws, Missing::Refused).await
    }

    /// Opens a location to write into: a local folder that does not exist yet is made by the
    /// first write (and never by a dry run).
    pub async fn open_target(location: &str, aws: &AwsSettings) -> Result<Lake, StoreError> {
        Self::open_as(location, aws, Missing::Allowed).await
    }

    async fn open_as(
        location: &str,
        aws: &AwsSettings,
        missing: Missing,
    ) -> Result<Lake, StoreError> {
        match location.split_once("://") {
            Some(("s3" | "s3a", rest)) => open_s3(location, rest, aws).await,
            Some(("file", path)) => open_local(path, missing),
            Some((scheme, _)) => Err(StoreError::BadLocation {
                location: location.to_string(),
                reason: format!(
                    "the scheme `{scheme}://` is not supported; use s3://bucket/prefix/ or a local folder"
                ),
            }),
            None => open_local(location, missing),
        }
    }

    /// The root as shown to people and used in table locations.
    pub fn root(&self) -> &Location {
        &self.root
    }

    /// The folder `relative` below the root: a table's or a partition's location.
    pub fn folder(&self, relative: &str) -> Location {
        self.root.join(relative)
    }

    /// Bytes `range` of the object at `path`.
    pub async fn get_range(&self, path: &Path, range: Range<u64>) -> object_store::Result<Bytes> {
        self.store.get_range(path, range).await
    }

    pub async fn head(&self, path: &Path) -> object_store::Result<ObjectMeta> {
        self.store.head(path).await
    }

    /// The content of the object at `path`, as it arrives.
    pub async fn read_stream(
        &self,
        path: &Path,
    ) -> object_store::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        Ok(self
            .store
            .get(path)
            .await?
            .into_stream()
            .map_err(std::io::Error::other)
            .boxed())
    }

    /// Copies within this store (server-side on S3).
    pub async fn copy(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.store.copy(from, to).await
    }

    pub async fn rename(&self, from: &Path, to: &Path) -> object_store::Result<()> {
        self.store.rename(from, to).await
    }

    pub async fn delete(&self, path: &Path) -> object_store::Result<()> {
        self.store.delete(path).await
    }

    /// A writer of the object at `path` (a multipart upload when large): the object appears
    /// once the writer is shut down, and not at all when it is aborted.
    pub fn writer(&self, path: &Path) -> BufWriter {
        BufWriter::new(Arc::clone(&self.store), path.clone())
    }

    /// The Parquet footer of the object at `path`, of `size` bytes.
    pub async fn read_footer(&self, path: &Path, size: u64, prefetch: u64) -> FooterRead {
        crate::footer::read_footer(self.store.as_ref(), path, size, prefetch).await
    }

    /// The Parquet footer bytes of the object at `path`, handed to `decode`.
    pub async fn read_footer_with<T>(
        &self,
        path: &Path,
        size: u64,
        prefetch: u64,
        decode: impl FnOnce(&[u8]) -> Result<T, FooterError>,
    ) -> FooterRead<T> {
        crate::footer::read_footer_with(self.store.as_ref(), path, size, prefetch, decode).await
    }

    /// The object at `path` fetched whole in one request, as a lake of its own in memory (a
    /// small file read once, then read from there); with the bytes fetched.
    pub async fn in_memory(&self, path: &Path) -> object_store::Result<(Lake, u64)> {
        let bytes = self.store.get(path).await?.bytes().await?;
        let fetched = bytes.len() as u64;
        let memory = object_store::memory::InMemory::new();
        memory.put(path, bytes.into()).await?;
        Ok((
            Lake {
                store: Arc::new(memory),
                prefix: self.prefix.clone(),
                root: self.root.clone(),
                identity: format!("memory:{}", self.identity),
                local: None,
                pages: None,
            },
            fetched,
        ))
    }

    /// The location of `relative` (an object's key below the root) in the root's notation.
    pub fn location_of(&self, relative: &str) -> String {
        format!("{}{relative}", self.root)
    }

    /// A name for an object that is the same whichever lake root reaches it: the footer
    /// cache's key.
    pub fn cache_key(&self, path: &Path) -> String {
        format!("{}/{}", self.identity, path.as_ref())
    }

    /// Whether the lake is a local folder.
    pub fn is_local(&self) -> bool {
        self.identity == LOCAL_IDENTITY
    }

    /// Where an object of a local lake is on disk; `None` for remote stores.
    pub fn local_path(&self, path: &Path) -> Option<std::path::PathBuf> {
        // The store's own conversion: object paths escape some characters of file names.
        self.local.as_ref()?.path_to_filesystem(path).ok()
    }

    /// The object path of `relative` (a key below the root).
    pub fn path_of(&self, relative: &str) -> Path {
        relative
            .split('/')
            .filter(|part| !part.is_empty())
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    /// Whether `other` lives in the same store, so objects can be copied between the two
    /// without passing through this machine.
    pub fn same_store(&self, other: &Lake) -> bool {
        self.identity == other.identity
    }

    /// Whether the two roots share objects: the same store, and one root inside the other.
    pub fn overlaps(&self, other: &Lake) -> bool {
        let inside = |outer: &Path, inner: &Path| {
            let (outer, inner): (Vec<_>, Vec<_>) =
                (outer.parts().collect(), inner.parts().collect());
            inner.len() >= outer.len() && inner[..outer.len()] == outer[..]
        };
        self.same_store(other)
            && (inside(&self.prefix, &other.prefix) || inside(&other.prefix, &self.prefix))
    }

    /// Lists every object below `relative` (a folder under the root, or the whole lake), as
    /// a stream: listings of large lakes are paged, never held whole.
    pub fn list(
        &self,
        relative: Option<&str>,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = self.path_of(relative.unwrap_or_default());
        if let Some(folder) = self.local_path(&prefix) {
            return local_list::list(folder);
        }
        self.store.list(non_empty(&prefix)).boxed()
    }

    /// The keys below `relative` (the root when `None`) that sort after `offset`.
    pub fn list_after(
        &self,
        relative: Option<&str>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let prefix = self.path_of(relative.unwrap_or_default());
        self.store
            .list_with_offset(non_empty(&prefix), offset)
            .boxed()
    }

    /// One page of a flat listing of the whole lake, in one request; `None` where the store
    /// has no pages (local folders).
    pub async fn first_page(&self) -> Option<object_store::Result<FirstPage>> {
        let pages = self.pages.as_ref()?;
        // Unlike `list`, a page's prefix is taken as given: the folder needs its slash.
        let prefix = (!self.prefix.as_ref().is_empty()).then(|| format!("{}/", self.prefix));
        let page = pages
            .list_paginated(prefix.as_deref(), PaginatedListOptions::default())
            .await;
        Some(page.map(|page| {
            let mut objects = page.result.objects;
            objects.sort_by(|a, b| a.location.cmp(&b.location));
            let more_after = page
                .page_token
                .and_then(|_| objects.last().map(|last| last.location.clone()));
            FirstPage {
                objects,
                more_after,
            }
        }))
    }

    /// The objects and the folders directly below `relative` (the root when empty).
    pub async fn level(
        &self,
        relative: &str,
    ) -> object_store::Result<(Vec<ObjectMeta>, Vec<String>)> {
        let prefix = self.path_of(relative);
        let listing = self.store.list_with_delimiter(non_empty(&prefix)).await?;
        let mut folders: Vec<String> = listing
            .common_prefixes
            .iter()
            .filter_map(|path| path.filename().map(str::to_string))
            .collect();
        folders.sort();
        Ok((listing.objects, folders))
    }

    /// The folders directly below `relative` (the root when empty): the lake's tables, or a
    /// table's partition folders.
    pub async fn folders(&self, relative: &str) -> object_store::Result<Vec<String>> {
        Ok(self.level(relative).await?.1)
    }

    /// The key of `path` relative to the root.
    pub fn relative<'p>(&self, path: &'p Path) -> &'p str {
        let full = path.as_ref();
        let prefix = self.prefix.as_ref();
        if prefix.is_empty() {
            full
        } else {
            full.strip_prefix(prefix)
                .map(|rest| rest.trim_start_matches('/'))
                .unwrap_or(full)
        }
    }
}

/// Whether a local folder must exist already (a lake to read) or may be made by the first
/// write (a target to fill, like `cp -r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    Refused,
    Allowed,
}

fn open_local(path: &str, missing: Missing) -> Result<Lake, StoreError> {
    let exists = std::path::Path::new(path).is_dir();
    if !exists && (missing == Missing::Refused || std::path::Path::new(path).exists()) {
        return Err(StoreError::MissingFolder {
            path: path.to_string(),
        });
    }
    // One store for the whole file system, so that local lakes copy into each other.
    let absolute = if exists {
        std::fs::canonicalize(path)
    } else {
        std::path::absolute(path)
    }
    .map_err(|_| StoreError::MissingFolder {
        path: path.to_string(),
    })?;
    let prefix = Path::from_absolute_path(&absolute).map_err(|source| StoreError::Open {
        location: path.to_string(),
        source: source.into(),
    })?;
    let local = Arc::new(LocalFileSystem::new());
    Ok(Lake {
        store: Arc::clone(&local) as Arc<dyn ObjectStore>,
        prefix,
        root: Location::new(path),
        identity: LOCAL_IDENTITY.into(),
        local: Some(local),
        pages: None,
    })
}

async fn open_s3(location: &str, rest: &str, aws: &AwsSettings) -> Result<Lake, StoreError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(StoreError::BadLocation {
            location: location.to_string(),
            reason: "the bucket name is missing; write s3://bucket/prefix/".into(),
        });
    }
    let config = aws.load().await;
    let region = config
        .region()
        .map(|region| region.to_string())
        .ok_or_else(|| StoreError::NoRegion {
            location: location.to_string(),
        })?;
    let timeouts = Timeouts::from_env();
    let mut client = ClientOptions::new()
        .with_connect_timeout(timeouts.connect)
        .with_timeout(timeouts.attempt);
    if let Some(connections) = aws.connections {
        client = client.with_pool_max_idle_per_host(connections);
    }
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(region)
        .with_client_options(client)
        .with_retry(RetryConfig {
            retry_timeout: timeouts.operation,
            ..RetryConfig::default()
        });
    if let Some(credentials) = config.credentials_provider() {
        builder = builder.with_credentials(Arc::new(AwsChainCredentials::new(credentials)));
    }
    let endpoint = crate::aws::s3_endpoint(&config);
    let identity = format!("s3://{bucket}@{}", endpoint.as_deref().unwrap_or("aws"));
    if let Some(endpoint) = endpoint {
        // S3-compatible servers (moto, MinIO) serve buckets by path, often over plain HTTP.
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(endpoint);
    }
    let store = builder.build().map_err(|source| StoreError::Open {
        location: location.to_string(),
        source,
    })?;
    let prefix = Path::from(prefix.trim_matches('/'));
    let scheme = location
        .split_once("://")
        .map_or("s3", |(scheme, _)| scheme);
    let root = Location::new(&format!("{scheme}://{bucket}/{prefix}"));
    let store = Arc::new(store);
    Ok(Lake {
        store: Arc::clone(&store) as Arc<dyn ObjectStore>,
        prefix,
        root,
        identity,
        local: None,
        pages: Some(store),
    })
}

/// A listing prefix: none for the store's root.
fn non_empty(prefix: &Path) -> Option<&Path> {
    (!prefix.as_ref().is_empty()).then_some(prefix)
}

/// Credentials from the AWS chain, handed to object_store's S3 client.
///
/// The chain's providers do not cache (the SDK clients do), so this keeps the last
/// credentials until shortly before they expire instead of asking IMDS or SSO per request.
#[derive(Debug)]
struct AwsChainCredentials {
    provider: SharedCredentialsProvider,
    cached: Mutex<Option<(Arc<AwsCredential>, Option<SystemTime>)>>,
}

/// Refresh credentials this long before they expire.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

impl AwsChainCredentials {
    fn new(provider: SharedCredentialsProvider) -> Self {
        Self {
            provider,
            cached: Mutex::new(None),
        }
    }
}

#[async_trait]
impl CredentialProvider for AwsChainCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut cached = self.cached.lock().await;
        if let Some((credential, expiry)) = cached.as_ref() {
            let fresh = expiry.is_none_or(|expiry| {
                expiry
                    .duration_since(SystemTime::now())
                    .is_ok_and(|left| left > EXPIRY_MARGIN)
            });
            if fresh {
                return Ok(Arc::clone(credential));
            }
        }
        let credentials = self.provider.provide_credentials().await.map_err(|error| {
            object_store::Error::Generic {
                store: "S3",
                source: Box::new(error),
            }
        })?;
        let credential = Arc::new(AwsCredential {
            key_id: credentials.access_key_id().to_string(),
            secret_key: credentials.secret_access_key().to_string(),
            token: credentials.session_token().map(str::to_string),
        });
        *cached = Some((Arc::clone(&credential), credentials.expiry()));
        Ok(credential)
    }
}
