//! One test workspace: a lake, a `catalogs/` declaring database `events` over it, and a live
//! catalog: the local one, or Glue in a moto server of the workspace's own (behind a proxy that
//! counts calls) with the lake mirrored to its S3. Commands run with the catalogs and the
//! catalog set.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Output;

use glueprint::catalog::Catalog;
use glueprint::catalog::glue::{GlueCatalog, GlueOptions};
use glueprint::catalog::local::LocalCatalog;
use glueprint::declare::{ColumnSpec, DatabaseFile, spanned};
use glueprint::hive::HiveType;
use glueprint::synth::{LakeSpec, write_lake};
use serde_json::Value;

use super::proxy::GlueProxy;
use super::{Mirrored, Moto};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The local catalog over a local lake.
    Local,
    /// Glue in moto over the lake in moto's S3.
    Glue,
}

/// The same scenario (an `async fn(Backend)`) on the local catalog over a local lake, and on
/// Glue over S3, both in moto.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        $(mod $scenario {
            #[tokio::test(flavor = "multi_thread")]
            async fn local() {
                super::$scenario($crate::common::workspace::Backend::Local).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn glue() {
                super::$scenario($crate::common::workspace::Backend::Glue).await
            }
        })*
    };
}

const BUCKET: &str = "lake";

pub struct Workspace {
    dir: tempfile::TempDir,
    pub backend: Backend,
    moto: Option<Moto>,
    proxy: Option<GlueProxy>,
    lake_in_s3: bool,
    mirrored: RefCell<Mirrored>,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// The synthetic lake of `spec`.
    pub fn new(backend: Backend, spec: &LakeSpec) -> Self {
        let ws = Self::empty(backend, true);
        write_lake(&ws.lake(), spec).unwrap();
        ws
    }

    /// No data yet (the test writes its own into [`Workspace::lake`]); `lake_in_s3: false`
    /// keeps the lake local even with Glue, for scenarios that plan in the test's process.
    pub fn empty(backend: Backend, lake_in_s3: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lake")).unwrap();
        let (moto, proxy) = match backend {
            Backend::Local => (None, None),
            Backend::Glue => {
                let moto = Moto::start_own();
                moto.create_bucket(BUCKET);
                let proxy = GlueProxy::start(&moto.endpoint);
                (Some(moto), Some(proxy))
            }
        };
        let ws = Workspace {
            dir,
            backend,
            moto,
            proxy,
            lake_in_s3: lake_in_s3 && backend == Backend::Glue,
            mirrored: RefCell::default(),
            env: Vec::new(),
        };
        let database = DatabaseFile {
            name: "events".into(),
            description: None,
            location: spanned(ws.lake_root()),
            partition_keys: vec![ColumnSpec::new("dt", HiveType::String, None)],
            parameters: Default::default(),
            lint: Default::default(),
        };
        let folder = ws.path("catalogs/events");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("database.yaml"),
            glueprint::declare::database_yaml(&database).unwrap(),
        )
        .unwrap();
        ws
    }

    /// Sets an environment variable for every command the workspace runs.
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The local lake folder (mirrored to S3 before each command for Glue).
    pub fn lake(&self) -> PathBuf {
        self.path("lake")
    }

    /// The lake root as the catalogs declare it, ending with `/`.
    pub fn lake_root(&self) -> String {
        if self.lake_in_s3 {
            format!("s3://{BUCKET}/lake/")
        } else {
            format!("{}/", self.lake().display())
        }
    }

    /// Makes the S3 lake hold what the local one does (uploads new files, deletes gone ones).
    pub fn sync_lake(&self) {
        if let Some(moto) = self.moto.as_ref().filter(|_| self.lake_in_s3) {
            moto.mirror(
                BUCKET,
                &self.lake(),
                "lake",
                &mut self.mirrored.borrow_mut(),
            );
        }
    }

    pub fn moto(&self) -> &Moto {
        self.moto.as_ref().expect("a Glue workspace")
    }

    pub fn proxy(&self) -> &GlueProxy {
        self.proxy.as_ref().expect("a Glue workspace")
    }

    /// glueprint with the catalogs and the catalog set (and, for Glue, moto's environment); the
    /// lake is synced first.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        self.sync_lake();
        let mut command = super::command();
        // Through the environment, which every command reads what it needs of.
        command
            .args(args)
            .env("GLUEPRINT_CATALOGS", self.path("catalogs"))
            .env("GLUEPRINT_CATALOG_PATH", self.path("catalog.db"));
        if let (Some(moto), Some(proxy)) = (&self.moto, &self.proxy) {
            command
                .envs(moto.env())
                .env("AWS_ENDPOINT_URL_GLUE", &proxy.endpoint)
                .env("GLUEPRINT_CATALOG", "glue");
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run glueprint")
    }

    /// Runs and expects `code`; returns standard output.
    pub fn expect(&self, args: &[&str], code: i32) -> String {
        self.expect_both(args, code).0
    }

    /// Runs and expects `code`; returns standard output and standard error.
    pub fn expect_both(&self, args: &[&str], code: i32) -> (String, String) {
        let output = self.run(args);
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{:?} {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            self.backend
        );
        (stdout, stderr)
    }

    /// `plan --format json --detailed-exitcode`, expecting `code`.
    pub fn plan_json(&self, code: i32) -> Value {
        let text = self.expect(&["plan", "--format", "json", "--detailed-exitcode"], code);
        serde_json::from_str(&text).unwrap()
    }

    /// The live catalog, for the test's own reads and writes (not through the proxy).
    pub fn catalog(&self) -> Box<dyn Catalog> {
        match &self.moto {
            None => Box::new(LocalCatalog::open(&self.path("catalog.db")).unwrap()),
            Some(moto) => Box::new(GlueCatalog::new(&moto.sdk_config(), GlueOptions::default())),
        }
    }

    /// The Glue client of the workspace's moto, for reading what Glue holds directly.
    pub fn glue_client(&self) -> aws_sdk_glue::Client {
        aws_sdk_glue::Client::new(&self.moto().sdk_config())
    }
}
