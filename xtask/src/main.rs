//! `cargo xtask <command>`: the project's build, demo, test and size commands.
//!
//! Every command first makes sure the tools it needs are installed (idempotently, in well under
//! a second when they already are): see `setup.rs`. Nothing is downloaded from outside the
//! package registries (crates.io, Debian, npm).

mod build;
mod setup;
mod size;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  demo     install what is missing, build the widget (release) and serve the demo shop page,
           the Salesforce emulator and its agent console on localhost
  test     install what is missing, then run every check: fmt, clippy (native + wasm),
           native tests, browser tests (wasm-pack, headless Chromium), end-to-end tests,
           size budgets
  build    build the release bundle into dist/ (widget in dist/widget/)
  size     print the sizes of the loader and the widget (raw, gzip -9, brotli -q 11);
           --check fails when over budget
  bench    core benchmarks (native) and the widget's load time in headless Chromium
  screenshots
           build, then write the documentation's screenshots (docs/img/*.png) again
  setup    only install the tools (wasm32 target, wasm-bindgen-cli, wasm-pack, chromium,
           chromedriver, wasm-opt, gzip, brotli)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::all(),
        Some("build") => setup::all().and_then(|_| build::release()),
        Some("size") => size::report(args.iter().any(|a| a == "--check")),
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("screenshots") => screenshots(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root, echoing it; fails with its exit status.
pub fn run(cmd: &mut Command) -> Result {
    eprintln!("\n$ {}", display(cmd));
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", display(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(cmd)))
    }
}

/// Like [`run`], echoing the command's output while adding up the "test result: ... N passed;
/// M failed" lines of cargo's and wasm-bindgen-test's runners into `totals`.
pub fn run_tests(cmd: &mut Command, totals: &mut (u64, u64)) -> Result {
    use std::io::{BufRead, BufReader, Write};
    eprintln!("\n$ {}", display(cmd));
    let mut child = cmd
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{}`: {e}", display(cmd)))?;
    let stdout = child.stdout.take().expect("piped stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| e.to_string())?;
        println!("{line}");
        let _ = std::io::stdout().flush();
        if let Some(rest) = line.trim_start().strip_prefix("test result: ") {
            let count = |word: &str| -> u64 {
                rest.split(';')
                    .find_map(|part| {
                        part.trim()
                            .trim_start_matches("ok. ")
                            .trim_start_matches("FAILED. ")
                            .strip_suffix(word)
                    })
                    .and_then(|n| n.trim().parse().ok())
                    .unwrap_or(0)
            };
            totals.0 += count(" passed");
            totals.1 += count(" failed");
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(cmd)))
    }
}

pub fn display(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn demo(args: &[String]) -> Result {
    setup::all()?;
    build::release()?;
    let mut cmd = cargo();
    cmd.args(["run", "--quiet", "-p", "demo-server", "--", "--dist"])
        .arg(root().join("dist"))
        .args(args);
    run(&mut cmd)
}

/// The screenshots of the docs (`crates/e2e/tests/screenshots.rs`), from the release build.
fn screenshots() -> Result {
    build::release()?;
    run(cargo()
        .args([
            "test",
            "-p",
            "e2e",
            "--test",
            "screenshots",
            "--",
            "--ignored",
            "--nocapture",
        ])
        .env("CHAT_WIDGET_DIST", root().join("dist")))
}

fn bench() -> Result {
    setup::all()?;
    eprintln!("\n==== core (native, release profile)");
    run(cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "chat-core",
        "--example",
        "bench",
    ]))?;
    eprintln!("\n==== the widget in headless Chromium (load, latency, long conversation)");
    build::release()?;
    run(cargo()
        .args([
            "test",
            "--release",
            "-p",
            "e2e",
            "--test",
            "bench",
            "--test",
            "bench_long",
            "--",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("CHAT_WIDGET_DIST", root().join("dist")))
}

/// The end-to-end test files run in Firefox too (`CHAT_E2E_BROWSER=firefox`).
/// Not here: `mobile` (chromedriver's mobile emulation only), the benchmarks (CDP) and
/// `unconfirmed` (the emulator's protocol variants: the browser matters little there).
const E2E_FIREFOX: &[&str] = &[
    "embed",
    "config_errors",
    "messages",
    "handoff_miaw",
    "handoff_livechat",
    "loading",
    "csp",
    "a11y",
    "continuity",
    "unconfirmed",
    "qa_contract",
    "theme_studio",
];

fn test() -> Result {
    setup::all()?;
    let steps: Vec<(&str, Command)> = vec![
        ("formatting", {
            let mut c = cargo();
            c.args(["fmt", "--all", "--", "--check"]);
            c
        }),
        ("clippy, native", {
            let mut c = cargo();
            c.args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--exclude",
                "chat-widget",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        ("clippy, wasm32", {
            let mut c = cargo();
            c.args([
                "clippy",
                "-p",
                "chat-widget",
                "-p",
                "chat-core",
                "--all-targets",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        ("native tests", {
            let mut c = cargo();
            c.args([
                "test",
                "--workspace",
                "--exclude",
                "chat-widget",
                "--exclude",
                "e2e",
            ]);
            c
        }),
        ("browser tests (headless Chromium)", {
            let mut c = Command::new("wasm-pack");
            c.args([
                "test",
                "--headless",
                "--chrome",
                "--mode",
                "no-install",
                "--chromedriver",
                setup::CHROMEDRIVER,
                ".",
            ]);
            c
        }),
        ("browser tests (headless Firefox ESR)", {
            let mut c = Command::new("wasm-pack");
            c.args([
                "test",
                "--headless",
                "--firefox",
                "--mode",
                "no-install",
                "--geckodriver",
            ])
            .arg(setup::geckodriver())
            .arg(".");
            c
        }),
    ];
    let mut totals = (0u64, 0u64);
    for (name, mut cmd) in steps {
        eprintln!("\n==== {name}");
        run_tests(&mut cmd, &mut totals)?;
    }
    eprintln!("\n==== release build");
    build::release()?;
    eprintln!("\n==== end-to-end tests (real embed, WebDriver)");
    let mut e2e = cargo();
    e2e.args(["test", "-p", "e2e", "--", "--test-threads=1"])
        .env("CHAT_WIDGET_DIST", root().join("dist"));
    run_tests(&mut e2e, &mut totals)?;
    eprintln!("\n==== end-to-end tests in headless Firefox ESR (geckodriver)");
    // The files that need nothing Chromium-only; inside them (and in the others) a test that
    // needs CDP, mobile emulation or network conditions prints why it is skipped.
    let mut e2e_ff = cargo();
    e2e_ff.args(["test", "-p", "e2e"]);
    for file in E2E_FIREFOX {
        e2e_ff.args(["--test", file]);
    }
    e2e_ff
        .args(["--", "--test-threads=1"])
        .env("CHAT_WIDGET_DIST", root().join("dist"))
        .env("CHAT_E2E_BROWSER", "firefox")
        .env("GECKODRIVER", setup::geckodriver());
    run_tests(&mut e2e_ff, &mut totals)?;
    eprintln!("\n==== size budgets");
    size::report(true)?;
    println!("\nall checks passed (formatting, clippy on both targets, tests, size budgets)");
    println!("tests: {} passed, {} failed", totals.0, totals.1);
    Ok(())
}
