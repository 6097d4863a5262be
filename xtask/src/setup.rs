//! Idempotent installation of the tools the build and the tests need.
//! Each check is a quick version probe; an install happens only when it fails.

use std::process::{Command, Stdio};

use crate::{root, run, Result};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's Firefox ESR: the browser tests and most end-to-end tests run in it too.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// geckodriver is not packaged by Debian: built from crates.io into `$CARGO_HOME/bin`.
const GECKODRIVER_VERSION: &str = "0.37.1";
/// binaryen from npm: Debian's (108) cannot read wasm-bindgen 0.2.130's output.
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version 132";
/// terser from npm minifies the loader and the JS glue.
const TERSER_NPM: &str = "terser@5.51.2";
const TERSER_VERSION: &str = "terser 5.51.2";
/// axe-core from npm: the end-to-end accessibility checks (`crates/e2e/tests/a11y.rs`) inject
/// its `axe.min.js` into the page. Installed beside binaryen and terser (global, /usr/local).
const AXE_NPM: &str = "axe-core@4.14.1";
const AXE_VERSION: &str = "\"version\": \"4.14.1\"";
const AXE_PACKAGE: &str = "/usr/local/lib/node_modules/axe-core";

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The exact wasm-bindgen version Cargo.lock pins (the CLI must match it).
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// The geckodriver `cargo install` puts in `$CARGO_HOME/bin` (`~/.cargo/bin`).
pub fn geckodriver() -> std::path::PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    cargo_home.join("bin/geckodriver")
}

fn cargo_install(krate: &str, version: Option<&str>) -> Result {
    let mut args = vec!["install", krate];
    if let Some(v) = version {
        args.extend(["--version", v]);
    }
    // `--locked` first (reproducible); some published lock files name crate versions the
    // registry mirror lacks, so fall back to a plain install.
    let mut locked = crate::cargo();
    locked.args(&args).arg("--locked");
    if run(&mut locked).is_ok() {
        return Ok(());
    }
    eprintln!("(retrying without --locked)");
    let mut plain = crate::cargo();
    plain.args(&args);
    run(&mut plain)
}

fn apt_install(packages: &[&str]) -> Result {
    let sudo = output("id", &["-u"])
        .map(|u| u.trim() != "0")
        .unwrap_or(false);
    let prefix: Vec<&str> = if sudo { vec!["sudo"] } else { vec![] };
    let mut update = Command::new(prefix.first().copied().unwrap_or("apt-get"));
    if sudo {
        update.arg("apt-get");
    }
    update.args(["update", "-qq"]);
    run(&mut update)?;
    let mut install = Command::new(prefix.first().copied().unwrap_or("apt-get"));
    if sudo {
        install.arg("apt-get");
    }
    install
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    run(&mut install)
}

pub fn all() -> Result {
    // wasm32 target
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    // wasm-bindgen-cli at exactly the locked version
    let want = locked_wasm_bindgen()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(want.as_str()) {
        cargo_install("wasm-bindgen-cli", Some(&want))?;
    }
    if output("wasm-pack", &["--version"]).is_none() {
        cargo_install("wasm-pack", None)?;
    }
    // Debian packages: the browser and its driver, and the compressors for the size report
    let mut missing = Vec::new();
    if !std::path::Path::new(CHROMIUM).exists() {
        missing.push("chromium");
    }
    if !std::path::Path::new(CHROMEDRIVER).exists() {
        missing.push("chromium-driver");
    }
    if !std::path::Path::new(FIREFOX).exists() {
        missing.push("firefox-esr");
    }
    if output("brotli", &["--version"]).is_none() {
        missing.push("brotli");
    }
    if output("gzip", &["--version"]).is_none() {
        missing.push("gzip");
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    // geckodriver from crates.io (~2.5 min to build on 2 cores, once)
    let gecko = geckodriver();
    let have = output(&gecko.to_string_lossy(), &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(GECKODRIVER_VERSION) {
        cargo_install("geckodriver", Some(GECKODRIVER_VERSION))?;
    }
    let wasm_opt = output("wasm-opt", &["--version"]).unwrap_or_default();
    let terser = output("terser", &["--version"]).unwrap_or_default();
    let mut npm_packages = Vec::new();
    if !wasm_opt.contains(WASM_OPT_VERSION) {
        npm_packages.push(BINARYEN_NPM);
    }
    if !terser.contains(TERSER_VERSION) {
        npm_packages.push(TERSER_NPM);
    }
    // axe-core has no command to ask: its package.json says which version is there.
    let axe = std::fs::read_to_string(format!("{AXE_PACKAGE}/package.json")).unwrap_or_default();
    if !axe.contains(AXE_VERSION)
        || !std::path::Path::new(&format!("{AXE_PACKAGE}/axe.min.js")).exists()
    {
        npm_packages.push(AXE_NPM);
    }
    if !npm_packages.is_empty() {
        if output("npm", &["--version"]).is_none() {
            apt_install(&["nodejs", "npm"])?;
        }
        run(Command::new("npm")
            .args(["install", "-g", "--prefix", "/usr/local"])
            .args(&npm_packages))?;
    }
    Ok(())
}
