//! Trino, the engine Athena v3 is built on, for the engine tests: the server and its Hive
//! plugin fetched once with Maven (`mvn dependency:copy`, cached in the Maven local repository
//! and unpacked under `target/`), run on a JDK 24 or newer as one single-node server on
//! loopback, its catalog `awsdatacatalog` (the name Athena writes into views) on the Glue
//! metastore and the native S3 file system of a moto server. Queries go over Trino's HTTP
//! protocol: `POST /v1/statement`, then follow `nextUri`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Moto, target_dir};

pub const TRINO_VERSION: &str = "476";
/// Trino 476's class files need Java 24.0.1 or newer.
const MINIMUM_JAVA: u32 = 24;
/// The name Athena writes into view definitions.
pub const CATALOG: &str = "awsdatacatalog";

/// A running Trino server; stopped when dropped.
pub struct Trino {
    pub url: String,
    pub started_in: Duration,
    child: Child,
    /// The server's configuration, data and log, removed when it ends.
    pub home: PathBuf,
    log: PathBuf,
}

impl Trino {
    /// Starts a server on a free loopback port, reading Glue and S3 from `moto`.
    pub fn start(moto: &Moto) -> Trino {
        let java_home = java_home();
        let server = install();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let home = tempfile::Builder::new()
            .prefix("trino-")
            .tempdir_in(target_dir().join("tmp"))
            .expect("a folder for the server's configuration")
            .keep();
        let etc = home.join("etc");
        write_configuration(&etc, &home.join("data"), port, &moto.endpoint);
        let log = home.join("server.log");
        let started = Instant::now();
        let child = Command::new(server.join("bin/launcher"))
            .args(["run", &format!("--etc-dir={}", etc.display())])
            .env("JAVA_HOME", &java_home)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    java_home.join("bin").display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("the server's log file"))
            .stderr(Stdio::from(
                std::fs::File::options()
                    .append(true)
                    .open(&log)
                    .expect("the server's log file"),
            ))
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start Trino's launcher: {error}"));
        let mut trino = Trino {
            url: format!("http://127.0.0.1:{port}"),
            started_in: Duration::ZERO,
            child,
            home,
            log,
        };
        trino.wait_until_started();
        trino.started_in = started.elapsed();
        eprintln!(
            "Trino {TRINO_VERSION} started in {:.1} s at {}",
            trino.started_in.as_secs_f64(),
            trino.url
        );
        trino
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn wait_until_started(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let tail = self.log_tail();
                let hint = if tail.contains("Address already in use") {
                    "its port was taken by another process between choosing and binding it: run \
                     the tests again"
                } else {
                    "see its log"
                };
                panic!(
                    "Trino exited while starting ({status}); {hint}. {}:\n{tail}",
                    self.log.display()
                );
            }
            let info = ureq::get(format!("{}/v1/info", self.url))
                .call()
                .ok()
                .and_then(|mut response| response.body_mut().read_json::<Value>().ok());
            if info.is_some_and(|info| info["starting"] == false) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Trino did not start in 5 minutes; {}:\n{}",
                self.log.display(),
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Runs `sql` and returns its rows, or Trino's error (`NAME: message`). A server just
    /// started schedules table scans only once its worker has announced the catalog, seconds
    /// after its first query runs: until then the query is tried again.
    pub fn query(&self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.query_once(sql) {
                Err(error)
                    if error.starts_with("NO_NODES_AVAILABLE") && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(500));
                }
                result => return result,
            }
        }
    }

    fn query_once(&self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        let mut document: Value = ureq::post(format!("{}/v1/statement", self.url))
            .header("X-Trino-User", "glueprint-tests")
            .header("X-Trino-Catalog", CATALOG)
            .header("X-Trino-Time-Zone", "UTC")
            .send(sql)
            .and_then(|mut response| response.body_mut().read_json())
            .unwrap_or_else(|error| panic!("POST {sql:?} to Trino: {error}"));
        let mut rows = Vec::new();
        loop {
            if let Some(error) = document.get("error") {
                return Err(format!(
                    "{}: {}",
                    error["errorName"].as_str().unwrap_or("?"),
                    error["message"].as_str().unwrap_or("?")
                ));
            }
            if let Some(data) = document["data"].as_array() {
                rows.extend(
                    data.iter()
                        .map(|row| row.as_array().cloned().unwrap_or_default()),
                );
            }
            let Some(next) = document["nextUri"].as_str() else {
                return Ok(rows);
            };
            document = ureq::get(next)
                .call()
                .and_then(|mut response| response.body_mut().read_json())
                .unwrap_or_else(|error| panic!("GET {next} from Trino: {error}"));
        }
    }

    /// Runs `sql`, failing the test with Trino's error.
    pub fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        self.query(sql)
            .unwrap_or_else(|error| panic!("Trino refused {sql}\n{error}"))
    }
}

impl Drop for Trino {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

fn write_configuration(etc: &Path, data: &Path, port: u16, moto: &str) {
    std::fs::create_dir_all(etc.join("catalog")).unwrap();
    let write = |name: &str, text: String| std::fs::write(etc.join(name), text).unwrap();
    write(
        "node.properties",
        format!(
            "node.environment=glueprint_tests\nnode.id=glueprint-tests\nnode.data-dir={}\n\
             node.bind-ip=127.0.0.1\nnode.internal-address=127.0.0.1\n",
            data.display()
        ),
    );
    write(
        "jvm.config",
        "-server\n-Xmx2G\n-XX:+UseG1GC\n-XX:+ExitOnOutOfMemoryError\n\
         -Djdk.attach.allowAttachSelf=true\n"
            .into(),
    );
    write(
        "config.properties",
        format!(
            "coordinator=true\nnode-scheduler.include-coordinator=true\n\
             http-server.http.port={port}\ndiscovery.uri=http://127.0.0.1:{port}\n\
             query.max-memory=1GB\n"
        ),
    );
    write("log.properties", "io.trino=WARN\n".into());
    // What is known to matter with moto: the endpoint, static keys, path-style requests, no
    // statistics (moto answers 500 to the column-statistics calls), one partition segment,
    // and no metastore cache so that every query sees what glueprint just applied. Athena's
    // partition projection (`projection.*` table parameters) is on by default in 476; set
    // here so that the tests do not depend on a default.
    write(
        &format!("catalog/{CATALOG}.properties"),
        format!(
            "connector.name=hive\nhive.metastore=glue\nhive.metastore.glue.region=us-east-1\n\
             hive.metastore.glue.endpoint-url={moto}\nhive.metastore.glue.aws-access-key=testing\n\
             hive.metastore.glue.aws-secret-key=testing\nhive.metastore.glue.partitions-segments=1\n\
             hive.metastore-cache-ttl=0s\nhive.metastore-stats-cache-ttl=0s\n\
             hive.table-statistics-enabled=false\nhive.partition-projection-enabled=true\n\
             fs.native-s3.enabled=true\n\
             s3.endpoint={moto}\ns3.region=us-east-1\ns3.aws-access-key=testing\n\
             s3.aws-secret-key=testing\ns3.path-style-access=true\n"
        ),
    );
}

/// A JDK that runs Trino: `JAVA_HOME` if it is new enough, else the newest under
/// `/usr/lib/jvm` (where Debian and the Temurin packages put them).
fn java_home() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("JAVA_HOME")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    let mut installed: Vec<PathBuf> = std::fs::read_dir("/usr/lib/jvm")
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    installed.sort();
    candidates.extend(installed);
    choose_java(&candidates).unwrap_or_else(|message| panic!("{message}"))
}

/// The first of `candidates` whose Java is new enough, or what to install.
pub fn choose_java(candidates: &[PathBuf]) -> Result<PathBuf, String> {
    let mut seen = Vec::new();
    for home in candidates {
        match java_major(home) {
            Some(major) if major >= MINIMUM_JAVA => return Ok(home.clone()),
            Some(major) => seen.push(format!("{} (Java {major})", home.display())),
            None => {}
        }
    }
    Err(format!(
        "the engine tests run Trino {TRINO_VERSION}, which needs a JDK {MINIMUM_JAVA} or newer; \
         found {}. Install one (Temurin 25: the temurin-25-jdk package from Adoptium's apt \
         repository) and set JAVA_HOME to it",
        if seen.is_empty() {
            "none".to_string()
        } else {
            seen.join(", ")
        }
    ))
}

/// The major version `home/bin/java -version` reports (`openjdk version "25.0.1"` is 25).
fn java_major(home: &Path) -> Option<u32> {
    let output = Command::new(home.join("bin/java"))
        .arg("-version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let version = text.split('"').nth(1)?;
    let mut parts = version.split(['.', '-', '+']);
    match parts.next()?.parse().ok()? {
        1 => parts.next()?.parse().ok(),
        major => Some(major),
    }
}

/// `target/trino-server-<version>` with the Hive plugin in `plugin/hive`, made once (under a
/// file lock: test binaries start at the same time).
fn install() -> PathBuf {
    let target = target_dir();
    let server = target.join(format!("trino-server-{TRINO_VERSION}"));
    let installed = server.join(".installed");
    let lock = std::fs::File::create(target.join("trino-server.lock")).unwrap();
    lock.lock().expect("lock target/trino-server.lock");
    if installed.is_file() {
        return server;
    }
    let downloads = target.join("trino-download");
    let core = maven_artifact("trino-server-core", "tar.gz", &downloads);
    let hive = maven_artifact("trino-hive", "zip", &downloads);
    let _ = std::fs::remove_dir_all(&server);
    let unpack = target.join("trino-unpack");
    let _ = std::fs::remove_dir_all(&unpack);
    std::fs::create_dir_all(&unpack).unwrap();
    run(
        Command::new("tar").args([
            "xzf",
            core.to_str().unwrap(),
            "-C",
            unpack.to_str().unwrap(),
        ]),
        "unpack the Trino server",
    );
    std::fs::rename(
        unpack.join(format!("trino-server-core-{TRINO_VERSION}")),
        &server,
    )
    .unwrap();
    // The plugin zip holds one folder, trino-hive-<version>/: it becomes plugin/hive.
    run(
        Command::new("python3").args([
            "-m",
            "zipfile",
            "-e",
            hive.to_str().unwrap(),
            unpack.to_str().unwrap(),
        ]),
        "unpack the Hive plugin",
    );
    std::fs::rename(
        unpack.join(format!("trino-hive-{TRINO_VERSION}")),
        server.join("plugin/hive"),
    )
    .unwrap();
    std::fs::remove_dir_all(&unpack).unwrap();
    std::fs::write(&installed, "").unwrap();
    server
}

/// `io.trino:<artifact>:<version>:<extension>` copied into `into` by Maven, which downloads it
/// from Maven Central into its local repository the first time only.
fn maven_artifact(artifact: &str, extension: &str, into: &Path) -> PathBuf {
    fetch_with_maven(Path::new("mvn"), artifact, extension, into)
        .unwrap_or_else(|message| panic!("{message}"))
}

/// [`maven_artifact`] with the Maven program `mvn`, or what went wrong and what to do.
pub fn fetch_with_maven(
    mvn: &Path,
    artifact: &str,
    extension: &str,
    into: &Path,
) -> Result<PathBuf, String> {
    let file = into.join(format!("{artifact}-{TRINO_VERSION}.{extension}"));
    if file.is_file() {
        return Ok(file);
    }
    let coordinates = format!("io.trino:{artifact}:{TRINO_VERSION}:{extension}");
    eprintln!("the engine tests need Trino: fetching {coordinates} with Maven (once)");
    let output = Command::new(mvn)
        .args([
            "--batch-mode",
            "--quiet",
            "dependency:copy",
            &format!("-Dartifact={coordinates}"),
            &format!("-DoutputDirectory={}", into.display()),
        ])
        .output()
        .map_err(|error| {
            format!(
                "cannot run {} ({error}): the engine tests fetch Trino {TRINO_VERSION} from \
                 Maven Central with Maven's own client; install Maven (apt-get install maven)",
                mvn.display()
            )
        })?;
    if !output.status.success() || !file.is_file() {
        let mut said = String::from_utf8_lossy(&output.stdout).to_string();
        said.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(format!(
            "cannot fetch {coordinates} from Maven Central (about 450 MB with the Hive plugin, \
             once; later runs use Maven's local repository): check the network to Maven Central \
             and Maven's settings (proxies, mirrors). Maven said:\n{said}"
        ));
    }
    Ok(file)
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot {what}: {error}"));
    assert!(
        output.status.success(),
        "cannot {what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
