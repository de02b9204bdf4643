//! Helpers shared by the integration tests: writing Parquet files and running the binary.
#![allow(dead_code)] // each test crate uses its own subset of these helpers

pub mod browser;
pub mod proxy;
pub mod read_matrix;
pub mod trino;
pub mod workspace;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, new_null_array};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;

/// Writes a Parquet file at `root/relative` with the given columns and `rows` rows of nulls:
/// the footer schema is all a scan looks at.
pub fn write_schema_file(root: &Path, relative: &str, fields: Vec<Field>, rows: usize) -> PathBuf {
    let arrays: Vec<ArrayRef> = fields
        .iter()
        .map(|field| new_null_array(field.data_type(), rows))
        .collect();
    let fields: Vec<Field> = fields.into_iter().map(|f| f.with_nullable(true)).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("valid batch");
    write_batch(root, relative, &batch)
}

pub fn write_batch(root: &Path, relative: &str, batch: &RecordBatch) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("mkdir");
    glueprint::synth::write_parquet(&path, batch).expect("write parquet");
    path
}

pub fn write_bytes(root: &Path, relative: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write file");
    path
}

/// Replaces `from` with `to` in the file at `path`, failing when `from` is not there: an edit
/// that silently changes nothing would let the test pass for the wrong reason.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read the file to edit");
    assert!(
        text.contains(from),
        "{} has no {from:?}:\n{text}",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).expect("write the edited file");
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

pub fn col(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

/// The binary, without the footer cache: tests that count reads must see every read.
pub fn command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_glueprint"));
    command.env("GLUEPRINT_NO_CACHE", "true");
    command
}

pub fn glueprint(args: &[&str]) -> Output {
    command().args(args).output().expect("run glueprint")
}

/// Runs `glueprint scan ROOT ... --format json` and returns (exit code, document).
pub fn scan_json(root: &Path, extra: &[&str]) -> (i32, Value) {
    let root = root.to_str().expect("utf-8 path");
    let mut args = vec!["scan", root, "--format", "json"];
    args.extend_from_slice(extra);
    let output = glueprint(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let document = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "scan printed no JSON ({error}); stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().expect("exited"), document)
}

pub fn table<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {document:#}"))
}

/// The columns of a table as (name, type) pairs.
pub fn columns(table: &Value) -> Vec<(String, String)> {
    table["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["type"].as_str().expect("type").to_string(),
            )
        })
        .collect()
}

/// The problems of a table as (kind, message, objects).
pub fn problems(table: &Value) -> Vec<(String, String, Vec<String>)> {
    table["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().expect("kind").to_string(),
                p["message"].as_str().expect("message").to_string(),
                p["objects"]
                    .as_array()
                    .expect("objects")
                    .iter()
                    .map(|o| o.as_str().expect("object").to_string())
                    .collect(),
            )
        })
        .collect()
}

pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The apache/parquet-testing files shipped beside the repository.
pub fn parquet_testing() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/parquet-testing");
    assert!(
        dir.is_dir(),
        "{} is missing: the tests read apache/parquet-testing from shared/ beside the repository",
        dir.display()
    );
    dir
}

/// The `moto_server` to run: `GLUEPRINT_MOTO_SERVER` when set (to try another moto), else the
/// one pinned in `tests/venvs/moto.txt`, installed once into `target/moto-venv`. A moto found
/// on `PATH` is not used: its version would decide what the tests see (page sizes differ).
pub fn moto_server() -> PathBuf {
    static SERVER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var_os("GLUEPRINT_MOTO_SERVER") {
            Some(server) => PathBuf::from(server),
            None => project_venv("moto", "the S3 and Glue tests talk to moto_server")
                .join("bin/moto_server"),
        })
        .clone()
}

/// A Python with sqlglot (Trino's SQL dialect, parsed and transpiled) and DuckDB (an embedded
/// engine), pinned in `tests/venvs/sql.txt` and installed once into `target/sql-venv`.
pub fn sql_python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| project_venv("sql", "the view tests parse and run SQL").join("bin/python"))
        .clone()
}

/// The folder that holds the tests' venvs and downloads: the build's `target/`.
pub fn target_dir() -> PathBuf {
    // Integration tests get `target/tmp`; the rest sits beside it.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .to_path_buf()
}

/// The virtual environment `target/<name>-venv` with exactly the packages pinned in
/// `tests/venvs/<name>.txt`, never the system Python. It is made once and made again when the
/// pins change (the installed pins are kept beside it); test binaries start at the same time,
/// so under a file lock.
pub fn project_venv(name: &str, why: &str) -> PathBuf {
    let pins_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/venvs/{name}.txt"));
    let pins = std::fs::read_to_string(&pins_file)
        .unwrap_or_else(|error| panic!("read {}: {error}", pins_file.display()));
    let target = target_dir();
    let venv = target.join(format!("{name}-venv"));
    let installed = venv.join("installed-pins.txt");
    std::fs::create_dir_all(&target).unwrap();
    let lock = std::fs::File::create(target.join(format!("{name}-venv.lock"))).unwrap();
    lock.lock()
        .unwrap_or_else(|error| panic!("lock target/{name}-venv.lock: {error}"));
    if std::fs::read_to_string(&installed).ok().as_deref() == Some(pins.as_str()) {
        return venv;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |program: &Path, args: &[&str], what: &str| {
        eprintln!("{why}: {what} (once, in {})", venv.display());
        let output = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot run {}: {error}. These tests need python3 with its venv module \
                     (Debian/Ubuntu: apt-get install python3 python3-venv)",
                    program.display()
                )
            });
        assert!(
            output.status.success(),
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(
        Path::new("python3"),
        &["-m", "venv", venv.to_str().unwrap()],
        "creating a virtual environment (python3 -m venv; on Debian/Ubuntu it needs python3-venv)",
    );
    run(
        &venv.join("bin/pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            pins_file.to_str().unwrap(),
        ],
        &format!("installing the packages pinned in tests/venvs/{name}.txt with pip"),
    );
    std::fs::write(&installed, &pins).unwrap();
    venv
}

/// Local files sent to S3 by [`Moto::mirror`], with the size and time they had.
pub type Mirrored = std::collections::HashMap<PathBuf, (u64, std::time::SystemTime)>;

/// A moto server (the AWS emulator) for S3 and Glue over HTTP: the one `.ci/run` started
/// (`GLUEPRINT_MOTO_ENDPOINT`), or one of this test's own, stopped when dropped.
pub struct Moto {
    pub endpoint: String,
    own: Option<std::process::Child>,
}

impl Moto {
    pub fn start() -> Moto {
        if let Ok(endpoint) = std::env::var("GLUEPRINT_MOTO_ENDPOINT") {
            return Moto {
                endpoint,
                own: None,
            };
        }
        Self::start_own()
    }

    /// A server of this test's own, for tests that need an empty catalog.
    pub fn start_own() -> Moto {
        Self::start_own_with(&[])
    }

    /// A server of this test's own that appends every request it serves to `recording` (one
    /// JSON object a line: method, url, headers), for tests that check which calls were made.
    pub fn start_recording(recording: &Path) -> Moto {
        Self::start_own_with(&[
            ("MOTO_ENABLE_RECORDING", "True"),
            (
                "MOTO_RECORDER_FILEPATH",
                recording.to_str().expect("utf-8 path"),
            ),
        ])
    }

    fn start_own_with(env: &[(&str, &str)]) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = moto_server();
        let child = std::process::Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", server.display()));
        let moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            own: Some(child),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        moto
    }

    /// Environment for a glueprint process talking to this server with dummy credentials,
    /// isolated from the machine's own AWS configuration.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", "/nonexistent/glueprint-test".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/glueprint-test".into(),
            ),
        ]
    }

    /// An AWS SDK configuration for this server with dummy credentials.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        use aws_credential_types::Credentials;
        use aws_credential_types::provider::SharedCredentialsProvider;
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .build()
    }

    /// Creates a bucket with a plain HTTP request (moto does not check signatures). A server
    /// just started may accept a connection and reset it while it is still loading: such
    /// attempts are retried for a few seconds.
    pub fn create_bucket(&self, bucket: &str) {
        use std::io::{Read, Write};
        let address = self.endpoint.trim_start_matches("http://");
        let attempt = || -> std::io::Result<String> {
            let mut stream = std::net::TcpStream::connect(address)?;
            write!(
                stream,
                "PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        };
        let mut tries = 0;
        let response = loop {
            match attempt() {
                Ok(response) => break response,
                Err(error) if tries < 50 => {
                    tries += 1;
                    eprintln!("create bucket {bucket}: {error}; trying again");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(error) => panic!("create bucket {bucket} at {address}: {error}"),
            }
        };
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "create bucket: {response}"
        );
    }

    /// Makes `bucket` under `prefix/` hold the files below `local`: uploads what `mirrored`
    /// (the files sent so far, with their size and time) does not hold yet, deletes what is gone.
    /// Runs on a thread of its own so that sync and async tests alike can call it.
    pub fn mirror(&self, bucket: &str, local: &Path, prefix: &str, mirrored: &mut Mirrored) {
        use object_store::ObjectStoreExt;
        let key = |file: &Path| {
            let relative = file.strip_prefix(local).unwrap().display();
            object_store::path::Path::from(format!("{}/{relative}", prefix.trim_end_matches('/')))
        };
        let mut uploads = Vec::new();
        let mut now = Mirrored::new();
        for file in walk(local) {
            let meta = std::fs::metadata(&file).unwrap();
            let stamp = (meta.len(), meta.modified().unwrap());
            if mirrored.get(&file) != Some(&stamp) {
                uploads.push((key(&file), std::fs::read(&file).unwrap()));
            }
            now.insert(file, stamp);
        }
        let deletes: Vec<_> = mirrored
            .keys()
            .filter(|file| !now.contains_key(*file))
            .map(|file| key(file))
            .collect();
        *mirrored = now;
        let s3 = self.s3(bucket);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                for (key, bytes) in uploads {
                    s3.put(&key, bytes.into()).await.unwrap();
                }
                for key in deletes {
                    s3.delete(&key).await.unwrap();
                }
            });
        })
        .join()
        .expect("mirror to moto");
    }

    /// Puts an object with a plain HTTP request, for keys object_store will not write (a
    /// trailing `/`, as the S3 console's folders have).
    pub fn put_raw(&self, bucket: &str, key: &str, body: &[u8]) {
        use std::io::{Read, Write};
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).expect("connect to moto");
        write!(
            stream,
            "PUT /{bucket}/{key} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        stream.write_all(body).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "put {key}: {response}"
        );
    }

    /// Creates `bucket` holding the default synthetic lake under `lake/`.
    pub fn mirror_lake(&self, bucket: &str) {
        let local = tempfile::tempdir().unwrap();
        glueprint::synth::write_lake(local.path(), &glueprint::synth::LakeSpec::default()).unwrap();
        self.create_bucket(bucket);
        self.mirror(bucket, local.path(), "lake", &mut Mirrored::new());
    }

    /// An object_store client for `bucket` on this server.
    pub fn s3(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .expect("an S3 client for moto")
    }
}

impl Moto {
    /// Ends this server when the test process ends, for a server kept in a `static` (which is
    /// never dropped).
    pub fn end_with_this_process(&self) {
        if let Some(child) = &self.own {
            end_with_this_process(child.id(), None);
        }
    }
}

/// Ends process `pid` once this test process has ended, however it ends, then removes
/// `leftovers` (its working folder) if given: a watcher polls for the test process. For servers
/// shared by the tests of one binary through a `static`.
pub fn end_with_this_process(pid: u32, leftovers: Option<&Path>) {
    // The watcher runs in the background of a shell that returns at once.
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            "(while kill -0 \"$0\" 2>/dev/null; do sleep 1; done; kill \"$1\" 2>/dev/null; \
             while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; [ -n \"$2\" ] && rm -rf \"$2\") \
             </dev/null >/dev/null 2>&1 &",
            &std::process::id().to_string(),
            &pid.to_string(),
            leftovers.and_then(Path::to_str).unwrap_or_default(),
        ])
        .status()
        .expect("start the watcher of a shared server");
    assert!(status.success(), "the watcher of a shared server: {status}");
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.own {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs glueprint with extra environment variables.
pub fn glueprint_with_env(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = command();
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run glueprint")
}

/// Every partition of a Glue table, all pages read: a server's page size (moto's changed from
/// 1,000 to 100 between releases) must not decide what a test sees.
pub async fn every_partition(
    client: &aws_sdk_glue::Client,
    database: &str,
    table: &str,
) -> Vec<aws_sdk_glue::types::Partition> {
    client
        .get_partitions()
        .database_name(database)
        .table_name(table)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap_or_else(|error| panic!("GetPartitions {database}.{table}: {error:?}"))
        .into_iter()
        .flat_map(|page| page.partitions.unwrap_or_default())
        .collect()
}

/// Raw exports in CleverTap's generic shape, written by pyarrow (the test venv pinned in
/// `tests/venvs/pyarrow.txt`) with the given codec per file.
pub fn write_exports(files: &Value) {
    let python =
        project_venv("pyarrow", "the engine tests write exports with pyarrow").join("bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/writers/clevertap_export.py");
    let mut command = std::process::Command::new(python);
    command.arg(script);
    run_with_input(command, files, "the export writer");
}

/// Runs `command` with `input` as JSON on its standard input, and returns its standard output;
/// a failure shows its standard error.
pub fn run_with_input(mut command: std::process::Command, input: &Value, what: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {what}: {error}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// One record of a CleverTap export in the generic shape (for [`write_exports`]): `time`
/// minutes after 2020-09-19 00:00 UTC, a profile, a device and `props` as `eventProps`.
pub fn record(time: u32, props: Value) -> Value {
    serde_json::json!({
        "eventName": "Charged",
        "eventTime": (1_600_473_600 + time * 60).to_string(),
        "profile": [["identity", {"member0": format!("user-{time}")}],
                    ["all_identities", {"member1": [format!("id-{time}"), "shared"]}]],
        "deviceInfo": [["model", {"member0": "Pixel"}], ["dpi", {"member1": 420}],
                       ["dimensions", {"member2": [["width", "1080"], ["unit", "px"]]}]],
        "eventProps": props,
    })
}
