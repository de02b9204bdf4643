//! A headless Chromium for the tests that look at pages: Debian's `chromium` and
//! `chromium-driver` when installed, else the same packages downloaded with `apt-get download`
//! (with whichever of their libraries this machine lacks) and unpacked once into
//! `target/chromium`, so nothing is installed system-wide. Driven by selenium, pinned in
//! `tests/venvs/browser.txt`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{project_venv, run_with_input, target_dir};

pub struct Chromium {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    /// Folders of unpacked libraries the binaries need (empty for installed packages).
    pub library_path: Vec<PathBuf>,
}

const PACKAGES: [&str; 2] = ["chromium", "chromium-driver"];

pub fn chromium() -> &'static Chromium {
    static CHROMIUM: std::sync::OnceLock<Chromium> = std::sync::OnceLock::new();
    CHROMIUM.get_or_init(|| {
        let (chromium, chromedriver) = (
            Path::new("/usr/bin/chromium"),
            Path::new("/usr/bin/chromedriver"),
        );
        if chromium.exists() && chromedriver.exists() {
            return Chromium {
                chromium: chromium.into(),
                chromedriver: chromedriver.into(),
                library_path: Vec::new(),
            };
        }
        unpacked()
    })
}

/// The packages unpacked into `target/chromium/root`, made once under a file lock.
fn unpacked() -> Chromium {
    let dir = target_dir().join("chromium");
    let root = dir.join("root");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::File::create(target_dir().join("chromium.lock")).unwrap();
    lock.lock().expect("lock target/chromium.lock");
    let done = dir.join("unpacked");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&root);
        let downloads = dir.join("debs");
        let _ = std::fs::remove_dir_all(&downloads);
        std::fs::create_dir_all(&downloads).unwrap();
        // What installing would add: the packages and the libraries this machine lacks.
        let simulated = run(
            std::process::Command::new("apt-get")
                .args(["install", "--simulate", "--no-install-recommends"])
                .args(PACKAGES),
            "apt-get install --simulate chromium chromium-driver (Debian's package lists; run \
             `apt-get update` if it cannot find them)",
        );
        let missing: Vec<&str> = simulated
            .lines()
            .filter_map(|line| line.strip_prefix("Inst "))
            .filter_map(|rest| rest.split_whitespace().next())
            .collect();
        eprintln!(
            "the catalog page tests need Chromium: downloading {} Debian package(s) into {} (once)",
            missing.len(),
            downloads.display()
        );
        run(
            std::process::Command::new("apt-get")
                .arg("download")
                .args(&missing)
                .current_dir(&downloads),
            "apt-get download of Chromium's packages",
        );
        for deb in std::fs::read_dir(&downloads).unwrap() {
            let deb = deb.unwrap().path();
            run(
                std::process::Command::new("dpkg-deb")
                    .arg("-x")
                    .arg(&deb)
                    .arg(&root),
                &format!("dpkg-deb -x {}", deb.display()),
            );
        }
        std::fs::remove_dir_all(&downloads).unwrap();
        std::fs::write(&done, missing.join("\n")).unwrap();
    }
    let libraries = root.join("usr/lib/x86_64-linux-gnu");
    // A package already installed was not downloaded: its binary is the system's.
    let binary = |relative: &str| {
        let unpacked = root.join(relative);
        if unpacked.exists() {
            unpacked
        } else {
            Path::new("/").join(relative)
        }
    };
    Chromium {
        chromium: binary("usr/lib/chromium/chromium"),
        chromedriver: binary("usr/lib/chromium/chromedriver"),
        library_path: vec![libraries.join("pulseaudio"), libraries],
    }
}

fn run(command: &mut std::process::Command, what: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Opens `page` in Chromium with `tests/browser/catalog_page.py`, types each of `searches`
/// into its search box, writes a screenshot, and returns the script's report.
pub fn look_at_page(page: &Path, searches: &[&str], screenshot: &Path) -> Value {
    let browser = chromium();
    let python =
        project_venv("browser", "the catalog page is checked in Chromium").join("bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/catalog_page.py");
    let mut command = std::process::Command::new(python);
    command
        .arg(script)
        // Selenium must not look for a driver on the network.
        .env("SE_OFFLINE", "true");
    if !browser.library_path.is_empty() {
        let mut paths = browser.library_path.clone();
        paths.extend(std::env::split_paths(
            &std::env::var_os("LD_LIBRARY_PATH").unwrap_or_default(),
        ));
        command.env("LD_LIBRARY_PATH", std::env::join_paths(paths).unwrap());
    }
    let spec = serde_json::json!({
        "page": page, "screenshot": screenshot, "searches": searches,
        "chromium": browser.chromium, "chromedriver": browser.chromedriver,
    });
    let stdout = run_with_input(command, &spec, "the browser script");
    serde_json::from_slice(&stdout).unwrap_or_else(|error| {
        panic!(
            "the browser script printed no report ({error}):\n{}",
            String::from_utf8_lossy(&stdout)
        )
    })
}
