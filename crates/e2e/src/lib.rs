//! Harness for the end-to-end tests: a local chromedriver + headless Chromium session
//! (Debian's `/usr/bin/chromium` and `/usr/bin/chromedriver`, nothing downloaded), static
//! servers for the built widget (`cargo xtask build` → `dist/`), and helpers to reach into the
//! widget's Shadow DOM with real WebDriver clicks and key presses.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::process::{Child, Command};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The widget bundle to test: `CHAT_WIDGET_DIST`, else the workspace's `dist/`.
pub fn dist() -> PathBuf {
    let dir = std::env::var_os("CHAT_WIDGET_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist"));
    assert!(
        dir.join("widget/chat-widget.js").exists(),
        "no widget build in {}: run `cargo xtask build` first (`cargo xtask test` does)",
        dir.display()
    );
    dir
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Serves `root` on a new port of `host` and returns the base URL (`http://host:port`).
pub async fn serve(root: PathBuf, host: &str) -> String {
    let listener = tokio::net::TcpListener::bind(format!("{host}:0"))
        .await
        .expect("bind static server");
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(demo_server::serve_static(root, listener));
    format!("http://{host}:{port}")
}

/// A browser session; the chromedriver process ends with it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "chat-widget-e2e-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    pub async fn start() -> Browser {
        assert!(
            Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} missing: run `cargo xtask setup`"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = temp_dir("profile");
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-default-apps", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        _profile: TempDir(profile),
                    }
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not start a WebDriver session: {last_error}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script` returns something truthy (up to 15 s); returns it.
    pub async fn wait_js(&self, what: &str, script: &str) -> serde_json::Value {
        for _ in 0..150 {
            let v = self.js(script).await;
            let truthy = !matches!(&v, serde_json::Value::Null | serde_json::Value::Bool(false))
                && v != serde_json::json!("")
                && v != serde_json::json!(0);
            if truthy {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}: `{script}`");
    }

    /// An element inside the widget's shadow root (waits for it to appear).
    pub async fn widget(&self, css: &str) -> Element {
        for _ in 0..150 {
            if let Ok(host) = self.client.find(Locator::Css("chat-widget")).await {
                if let Ok(root) = host.shadow_root().await {
                    if let Ok(el) = root.find(Locator::Css(css)).await {
                        return el;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("widget element `{css}` did not appear");
    }

    /// The texts of the bubbles of one author kind (`bot`, `visitor`, `system`).
    pub async fn bubbles(&self, kind: &str) -> Vec<String> {
        let script = format!(
            "const h = document.querySelector('chat-widget'); if (!h) return [];
             return [...h.shadowRoot.querySelectorAll('.cw-msg--{kind} .cw-bubble')].map(e => e.textContent);"
        );
        serde_json::from_value(self.js(&script).await).unwrap_or_default()
    }

    /// Waits until a bubble of `kind` contains `needle`.
    pub async fn wait_bubble(&self, kind: &str, needle: &str) -> String {
        for _ in 0..150 {
            if let Some(b) = self
                .bubbles(kind)
                .await
                .into_iter()
                .find(|b| b.contains(needle))
            {
                return b;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no {kind} message containing {needle:?}; have {:?}",
            self.bubbles(kind).await
        );
    }
}
