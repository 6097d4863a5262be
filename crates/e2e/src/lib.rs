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
    /// Firefox's main process (killed on drop: killing geckodriver would leave it running).
    firefox_pid: Option<u32>,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(pid) = self.firefox_pid.take() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.starts_with("firefox") {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            }
        }
    }
}

/// Debian's Firefox ESR (`CHAT_E2E_BROWSER=firefox`).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";

/// True when the end-to-end tests run in Firefox (`CHAT_E2E_BROWSER=firefox`) rather than
/// Chromium.
pub fn browser_is_firefox() -> bool {
    std::env::var("CHAT_E2E_BROWSER").is_ok_and(|b| b.eq_ignore_ascii_case("firefox"))
}

/// For a test that needs something only Chromium has (CDP, mobile emulation, network
/// conditions, `performance.memory`): in Firefox prints `skipped in Firefox: {reason}` and
/// returns true (the test then returns); in Chromium returns false.
pub fn skip_in_firefox(reason: &str) -> bool {
    if browser_is_firefox() {
        // Straight to stderr: the test harness captures `eprintln!` of passing tests.
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "skipped in Firefox: {reason}");
        return true;
    }
    false
}

/// geckodriver (built from crates.io by `cargo xtask setup`): `GECKODRIVER`, else
/// `$CARGO_HOME/bin/geckodriver` (`~/.cargo/bin`), else the one on `PATH`.
pub fn geckodriver() -> PathBuf {
    if let Some(p) = std::env::var_os("GECKODRIVER") {
        return PathBuf::from(p);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(p) = cargo_home.map(|c| c.join("bin/geckodriver")) {
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("geckodriver")
}

/// Firefox prefs for the tests: nothing leaves the machine, no first-run pages or prompts.
fn firefox_prefs() -> serde_json::Value {
    serde_json::json!({
        "network.proxy.type": 0,
        "app.update.disabledForTesting": true,
        "app.update.auto": false,
        "extensions.update.enabled": false,
        "extensions.getAddons.cache.enabled": false,
        "toolkit.telemetry.enabled": false,
        "toolkit.telemetry.unified": false,
        "datareporting.policy.dataSubmissionEnabled": false,
        "datareporting.healthreport.uploadEnabled": false,
        "browser.safebrowsing.malware.enabled": false,
        "browser.safebrowsing.phishing.enabled": false,
        "browser.safebrowsing.downloads.enabled": false,
        "browser.safebrowsing.blockedURIs.enabled": false,
        "network.captive-portal-service.enabled": false,
        "network.connectivity-service.enabled": false,
        "browser.shell.checkDefaultBrowser": false,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.newtabpage.enabled": false,
        "browser.region.network.url": "",
        "browser.search.geoip.url": "",
        "services.settings.server": "http://127.0.0.1:9/",
        "network.dns.disablePrefetch": true,
        "network.prefetch-next": false,
        "dom.disable_open_during_load": false
    })
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
    /// A desktop browser session: headless Chromium, or headless Firefox ESR when
    /// `CHAT_E2E_BROWSER=firefox` (see [`browser_is_firefox`]).
    pub async fn start() -> Browser {
        if browser_is_firefox() {
            return Browser::start_firefox(serde_json::json!({})).await;
        }
        Browser::start_with(serde_json::json!({})).await
    }

    /// [`Browser::start`] with the system in dark mode (`prefers-color-scheme: dark`): CDP's
    /// media emulation in Chromium, the content colour-scheme pref in Firefox. Checked.
    pub async fn start_dark() -> Browser {
        let b = if browser_is_firefox() {
            Browser::start_firefox(serde_json::json!({
                "layout.css.prefers-color-scheme.content-override": 0
            }))
            .await
        } else {
            let b = Browser::start().await;
            b.cdp(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
            )
            .await;
            b
        };
        assert_eq!(
            b.js("return matchMedia('(prefers-color-scheme: dark)').matches")
                .await,
            serde_json::json!(true),
            "the browser does not prefer dark"
        );
        b
    }

    /// Debian's Firefox ESR through geckodriver (from crates.io, see [`geckodriver`]): headless,
    /// a fresh profile under a temp directory removed at the end, prefs that keep it off the
    /// network (no updates, telemetry, safe browsing, captive portal probes), 1280×900.
    async fn start_firefox(extra_prefs: serde_json::Value) -> Browser {
        let gecko = geckodriver();
        assert!(
            Path::new(FIREFOX).exists(),
            "{FIREFOX} missing: run `cargo xtask setup`"
        );
        let port = free_port();
        let profile = temp_dir("ff-profile");
        let driver = Command::new(&gecko)
            .arg("--host=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(format!("--websocket-port={}", free_port()))
            .arg("--profile-root")
            .arg(&profile)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}: run `cargo xtask setup`", gecko.display()));
        let mut prefs = firefox_prefs();
        if let (serde_json::Value::Object(p), serde_json::Value::Object(e)) =
            (&mut prefs, extra_prefs)
        {
            p.extend(e);
        }
        let caps = serde_json::json!({
            "browserName": "firefox",
            "moz:firefoxOptions": {
                "binary": FIREFOX,
                "args": ["-headless"],
                "prefs": prefs,
            }
        });
        let mut b = Browser::connect(port, caps, driver, profile).await;
        b.firefox_pid = b
            .client
            .capabilities()
            .and_then(|c| c.get("moz:processID"))
            .and_then(serde_json::Value::as_u64)
            .map(|p| p as u32);
        b.client
            .set_window_size(1280, 900)
            .await
            .unwrap_or_else(|e| panic!("Firefox window size: {e}"));
        b
    }

    /// Opens a WebDriver session with `caps` on the driver listening on `port`.
    async fn connect(
        port: u16,
        caps: serde_json::Value,
        driver: Child,
        profile: PathBuf,
    ) -> Browser {
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
                        firefox_pid: None,
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

    /// Waits (up to 15 s) until a bubble of `kind` contains `needle`.
    pub async fn wait_bubble(&self, kind: &str, needle: &str) -> String {
        self.wait_bubble_within(kind, needle, Duration::from_secs(15))
            .await
    }

    /// [`Browser::wait_bubble`] for a step whose designed recovery takes longer (a backoff
    /// through several failures).
    pub async fn wait_bubble_within(&self, kind: &str, needle: &str, limit: Duration) -> String {
        for _ in 0..limit.as_millis() / 100 {
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

/// Writes a page embedding the widget from `cdn` with `config` as `window.ChatWidgetConfig`
/// (plus `extra_head` script before the loader), serves it on `host` and returns its URL.
/// Every widget event is recorded in `window.events` as `[name, detail]`, and the console's
/// info, warnings and errors in `window.logs`.
pub async fn config_page(
    cdn: &str,
    host: &str,
    config: &serde_json::Value,
    extra_head: &str,
) -> String {
    let (dir, base) = page_site(host).await;
    write_page(&dir, cdn, config, extra_head);
    format!("{base}/index.html")
}

/// An empty directory served on `host`: (directory, base URL = the page's origin).
pub async fn page_site(host: &str) -> (PathBuf, String) {
    let dir = temp_dir("page");
    let base = serve(dir.clone(), host).await;
    (dir, base)
}

/// `config` naming the demo shop assistant when it names no bot: the test pages opt in to it as
/// the demo page does (a site always names its bot).
pub fn with_demo_bot(config: &serde_json::Value) -> serde_json::Value {
    let mut c = config.clone();
    if c.is_object() && c.get("bot").is_none() {
        c["bot"] = serde_json::json!({"type": "demo"});
    }
    c
}

/// Writes `index.html` for [`config_page`] into `dir`.
pub fn write_page(dir: &Path, cdn: &str, config: &serde_json::Value, extra_head: &str) {
    let config = with_demo_bot(config);
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script>window.ChatWidgetConfig = {config}; window.events = []; window.logs = [];
["info", "warn", "error"].forEach(function (k) {{ var o = console[k]; console[k] = function () {{ window.logs.push(k + ": " + [].slice.call(arguments).join(" ")); return o.apply(console, arguments); }}; }});
{extra_head}</script>
<script src="{cdn}/widget/chat-widget.js"></script>
<script>ChatWidget.on("*", function (d, n) {{ window.events.push([n, d]); }});</script>
</body></html>"#
        ),
    )
    .unwrap();
}

/// A minimal HTTP/1.1 JSON client for the emulator's control API (no client crate needed
/// for a handful of local calls). Panics on transport errors; returns (status, JSON body).
pub async fn http_json(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (
        status,
        serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
    )
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The emulator's control API.
pub struct Control(pub String);

impl Control {
    pub async fn get(&self, path: &str) -> serde_json::Value {
        let (status, v) = http_json("GET", &format!("{}/control{path}", self.0), None).await;
        assert!(status < 300, "GET {path}: {status} {v}");
        v
    }
    pub async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let (status, v) =
            http_json("POST", &format!("{}/control{path}", self.0), Some(&body)).await;
        assert!(status < 300, "POST {path}: {status} {v}");
        v
    }
    pub async fn put(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let (status, v) = http_json("PUT", &format!("{}/control{path}", self.0), Some(&body)).await;
        assert!(status < 300, "PUT {path}: {status} {v}");
        v
    }
    /// Waits until a conversation exists (up to 15 s) and returns the newest one's id.
    pub async fn wait_conversation(&self) -> String {
        for _ in 0..150 {
            let list = self.get("/conversations").await;
            if let Some(last) = list.as_array().and_then(|a| a.last()) {
                if let Some(id) = last["id"].as_str() {
                    return id.to_string();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no conversation reached the emulator");
    }
    /// Agent `agent` (id or name) accepts conversation `id`.
    pub async fn accept(&self, id: &str, agent: &str) -> serde_json::Value {
        self.post(
            &format!("/conversations/{id}/accept"),
            serde_json::json!({ "agentId": agent }),
        )
        .await
    }

    /// Waits for a conversation other than those in `known`; returns its id.
    pub async fn wait_new_conversation(&self, known: &[String]) -> String {
        for _ in 0..150 {
            let id = self.wait_conversation().await;
            if !known.contains(&id) {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no new conversation reached the emulator");
    }

    /// The agent (the first one in the conversation) writes `text`.
    pub async fn say(&self, id: &str, text: &str) {
        self.post(
            &format!("/conversations/{id}/messages"),
            serde_json::json!({ "text": text }),
        )
        .await;
    }

    /// The texts of the conversation's messages that start with `prefix`, in order.
    pub async fn texts(&self, id: &str, prefix: &str) -> Vec<String> {
        let t = self.get(&format!("/conversations/{id}/transcript")).await;
        t.as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|e| e["kind"] == serde_json::json!("message"))
            .filter_map(|e| e["text"].as_str())
            .filter(|x| x.starts_with(prefix))
            .map(str::to_string)
            .collect()
    }

    /// Waits until the conversation's transcript satisfies `pred` (up to 15 s).
    pub async fn wait_transcript(
        &self,
        id: &str,
        what: &str,
        pred: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        for _ in 0..150 {
            let t = self.get(&format!("/conversations/{id}/transcript")).await;
            let list = t.as_array().cloned().unwrap_or_default();
            if pred(&list) {
                return list;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let t = self.get(&format!("/conversations/{id}/transcript")).await;
        panic!("emulator transcript never showed {what}: {t:#}");
    }
}

/// chromedriver's network emulation for the current tab (`offline: true` cuts every request,
/// and the page gets `offline`; `None` lifts it and the page gets `online`).
#[derive(Debug)]
struct NetworkConditions(Option<bool>);

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        match self.0 {
            Some(offline) => (
                http::Method::POST,
                Some(
                    serde_json::json!({"network_conditions": {
                        "offline": offline, "latency": 0,
                        "download_throughput": 1_000_000_000, "upload_throughput": 1_000_000_000
                    }})
                    .to_string(),
                ),
            ),
            None => (http::Method::DELETE, None),
        }
    }
}

impl Browser {
    /// Cuts the network of the current tab (`true`) or gives it back (`false`), as the
    /// browser's own network emulation does: requests fail, `navigator.onLine` and the
    /// `offline` / `online` events follow.
    pub async fn set_offline(&self, offline: bool) {
        assert!(
            !browser_is_firefox(),
            "chromedriver's network conditions: skip this test in Firefox"
        );
        let cmd = NetworkConditions(if offline { Some(true) } else { None });
        self.client
            .issue_cmd(cmd)
            .await
            .unwrap_or_else(|e| panic!("network emulation ({offline}): {e}"));
    }

    /// Opens a new tab on `url` and makes it the current one; returns its handle.
    pub async fn open_tab(&self, url: &str) -> fantoccini::wd::WindowHandle {
        let w = self.client.new_window(true).await.unwrap();
        self.client
            .switch_to_window(w.handle.clone())
            .await
            .unwrap();
        self.client.goto(url).await.unwrap();
        w.handle
    }

    /// Makes `tab` the current tab.
    pub async fn to_tab(&self, tab: &fantoccini::wd::WindowHandle) {
        self.client.switch_to_window(tab.clone()).await.unwrap();
    }

    /// Types `text` into the composer and presses Enter.
    pub async fn type_and_send(&self, text: &str) {
        let input = self.widget(".cw-input").await;
        input.send_keys(text).await.unwrap();
        input
            .send_keys(&String::from(char::from(fantoccini::key::Key::Enter)))
            .await
            .unwrap();
    }

    /// The agent bubbles on screen that start with `prefix`.
    pub async fn agent_texts(&self, prefix: &str) -> Vec<String> {
        self.bubbles("agent")
            .await
            .into_iter()
            .filter(|t| t.starts_with(prefix))
            .collect()
    }

    /// The names of the events the page received so far.
    pub async fn event_names(&self) -> Vec<String> {
        serde_json::from_value(self.js("return (window.events || []).map(e => e[0])").await)
            .unwrap_or_default()
    }

    /// Waits for the page to receive event `name`; returns its detail.
    pub async fn wait_event(&self, name: &str) -> serde_json::Value {
        self.wait_js(
            &format!("event {name}"),
            &format!("const e = (window.events || []).find(e => e[0] === {name:?}); return e ? (e[1] || {{}}) : null;"),
        )
        .await
    }
}

/// A widget configuration handing off over MIAW to the emulator at `emulator`.
pub fn miaw_config(emulator: &str) -> serde_json::Value {
    serde_json::json!({
        "title": "Shop support",
        "openOnLoad": true,
        "handoff": {
            "miaw": {"url": emulator, "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
            "prechat": {"fields": [
                "description",
                {"name": "topic", "options": ["Orders", "Returns"], "attribute": "Topic"}
            ]},
            "contextAttributes": {"lastIntent": "Bot_Intent"}
        }
    })
}

/// A visitor chatting with Jane: emulator, widget page (config edited by `edit`, no pre-chat
/// form), bot → hand-off → Jane accepted and shown as joined. With `openOnLoad: false` the
/// page opens the window through `ChatWidget.open()`.
pub struct Chatting {
    /// Kept alive for the test (dropping it stops the server).
    pub emu: sf_emulator::RunningEmulator,
    pub control: Control,
    pub b: Browser,
    pub id: String,
    /// The page's URL (to open it again in another tab).
    pub page: String,
}

pub async fn chatting_with_jane(edit: impl FnOnce(&mut serde_json::Value)) -> Chatting {
    chatting_with_jane_on(sf_emulator::EmulatorConfig::default(), edit).await
}

/// [`chatting_with_jane`] with an emulator configured as `emulator`.
pub async fn chatting_with_jane_on(
    emulator: sf_emulator::EmulatorConfig,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Chatting {
    let emu = sf_emulator::spawn(emulator).await.unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let mut config = miaw_config(&emu.base_url());
    config["handoff"]["prechat"] = serde_json::json!(false);
    edit(&mut config);
    let page = config_page(&cdn, "localhost", &config, "").await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    if config["openOnLoad"] == serde_json::json!(false) {
        b.js("ChatWidget.open(); return true").await;
    }
    b.type_and_send("talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    Chatting {
        emu,
        control,
        b,
        id,
        page,
    }
}

/// A page handing off over Live Chat through the relay to the emulator (short long-poll holds,
/// so the widget sees 204s and polls again during a test); `prechat` and `extra` go into the
/// `handoff` section.
pub struct LiveChatPage {
    pub emu: sf_emulator::RunningEmulator,
    pub control: Control,
    pub page: String,
    pub b: Browser,
}

pub async fn livechat_page(prechat: serde_json::Value, extra: serde_json::Value) -> LiveChatPage {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig {
        // Short holds so the widget sees 204s and polls again during the test.
        long_poll_timeout: Duration::from_secs(2),
        client_poll_timeout_secs: 10,
        ..Default::default()
    })
    .await
    .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, origin) = page_site("localhost").await;
    let relay = relay(&emu.base_url(), std::slice::from_ref(&origin)).await;
    let mut config = serde_json::json!({
        "openOnLoad": true,
        "handoff": {
            "liveChat": {
                "endpoint": relay,
                "organizationId": "00D5e000000AbCd",
                "deploymentId": "5725e000000AbCd",
                "buttonId": "5735e000000AbCd",
                "visitorName": "Ada"
            },
            "prechat": prechat
        }
    });
    if let (serde_json::Value::Object(h), serde_json::Value::Object(e)) =
        (&mut config["handoff"], extra)
    {
        h.extend(e);
    }
    write_page(&dir, &cdn, &config, "");
    let b = Browser::start().await;
    let page = format!("{origin}/index.html");
    b.client.goto(&page).await.unwrap();
    LiveChatPage {
        emu,
        control,
        page,
        b,
    }
}

/// Runs the Live Chat relay in front of `upstream` for pages served from `origins`; returns
/// its base URL.
pub async fn relay(upstream: &str, origins: &[String]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind relay");
    let port = listener.local_addr().unwrap().port();
    let config = livechat_relay::RelayConfig {
        upstream: upstream.to_string(),
        allowed_origins: origins.to_vec(),
        ..Default::default()
    };
    tokio::spawn(livechat_relay::serve(config, listener));
    format!("http://127.0.0.1:{port}")
}

// ---- The loader's lazy loading (tests/loading.rs, tests/bench.rs) ----

/// Holds back the `.wasm` responses of a [`serve_gated`] server until released.
#[derive(Clone, Default)]
pub struct WasmGate {
    released: std::sync::Arc<std::sync::atomic::AtomicBool>,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl WasmGate {
    /// Lets the held and every later `.wasm` response go.
    pub fn release(&self) {
        self.released
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many `.wasm` requests reached the server so far.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until the browser has asked for the wasm (up to 15 s).
    pub async fn wait_requested(&self) {
        for _ in 0..150 {
            if self.requests() > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser never asked for the wasm");
    }
}

/// Serves `root` on a new port of `host` like [`serve`] (CORS, no-cache), but holds back every
/// `.wasm` response until [`WasmGate::release`]: a test can act while the widget is loading.
/// A minimal HTTP/1.1 server (GET/HEAD, one request per connection); returns (base URL, gate).
pub async fn serve_gated(root: PathBuf, host: &str) -> (String, WasmGate) {
    let listener = tokio::net::TcpListener::bind(format!("{host}:0"))
        .await
        .expect("bind gated server");
    let port = listener.local_addr().unwrap().port();
    let gate = WasmGate::default();
    let g = gate.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(gated_request(stream, root.clone(), g.clone()));
        }
    });
    (format!("http://{host}:{port}"), gate)
}

async fn gated_request(mut stream: tokio::net::TcpStream, root: PathBuf, gate: WasmGate) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_string();
    let target = words.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut rel = path.trim_start_matches('/').to_string();
    if rel.is_empty() || rel.ends_with('/') {
        rel.push_str("index.html");
    }
    if rel.ends_with(".wasm") {
        gate.requests.fetch_add(1, Ordering::SeqCst);
        while !gate.released.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let file = (!rel.split('/').any(|s| s == ".."))
        .then(|| std::fs::read(root.join(&rel)).ok())
        .flatten();
    let content_type = match rel.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        _ => "application/octet-stream",
    };
    let (status, body) = match file {
        Some(b) => ("200 OK", b),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nAccess-Control-Allow-Origin: *\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(&body);
    }
    let _ = stream.write_all(&response).await;
    let _ = stream.shutdown().await;
}

/// Writes `index.html` into `dir` like [`write_page`] (events in `window.events`, console in
/// `window.logs`), with `<html lang="{lang}">`, `attrs` on the loader's script tag (such as
/// `data-preload="eager"`) and `window.ChatWidgetConfig` only when `config` is given.
pub fn write_loader_page(
    dir: &Path,
    cdn: &str,
    config: Option<&serde_json::Value>,
    attrs: &str,
    lang: &str,
) {
    let config = config
        .map(|c| format!("window.ChatWidgetConfig = {};", with_demo_bot(c)))
        .unwrap_or_default();
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head><body>
<h1>Shop</h1>
<script>{config} window.events = []; window.logs = [];
["info", "warn", "error"].forEach(function (k) {{ var o = console[k]; console[k] = function () {{ window.logs.push(k + ": " + [].slice.call(arguments).join(" ")); return o.apply(console, arguments); }}; }});</script>
<script src="{cdn}/widget/chat-widget.js" {attrs}></script>
<script>ChatWidget.on("*", function (d, n) {{ window.events.push([n, d]); }});</script>
</body></html>"#
        ),
    )
    .unwrap();
}

/// [`write_loader_page`] on a new site of `host`; returns the page's URL.
pub async fn loader_page(
    cdn: &str,
    host: &str,
    config: Option<&serde_json::Value>,
    attrs: &str,
    lang: &str,
) -> String {
    let (dir, base) = page_site(host).await;
    write_loader_page(&dir, cdn, config, attrs, lang);
    format!("{base}/index.html")
}

/// A Chrome DevTools Protocol command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(String, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(serde_json::json!({"cmd": self.0, "params": self.1}).to_string()),
        )
    }
}

/// The script's resource list: `[{file, start, end, bytes}]` (file name without the query;
/// `bytes` = the larger of `encodedBodySize` and `transferSize`, 0 across origins without
/// `Timing-Allow-Origin`).
const RESOURCES_JS: &str = "return performance.getEntriesByType('resource').map(e => ({
    file: e.name.split('?')[0].split('/').pop(), start: e.startTime, end: e.responseEnd,
    bytes: Math.max(e.encodedBodySize || 0, e.transferSize || 0) }))";

impl Browser {
    /// Sends a Chrome DevTools Protocol command (e.g. `Emulation.setCPUThrottlingRate`).
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        assert!(
            !browser_is_firefox(),
            "CDP ({cmd}) is Chromium's: skip this test in Firefox"
        );
        self.client
            .issue_cmd(Cdp(cmd.to_string(), params))
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// The page's resource timing entries (see [`RESOURCES_JS`] for the fields).
    pub async fn resources(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(self.js(RESOURCES_JS).await).unwrap_or_default()
    }

    /// The file names of the resources the page fetched so far (not the page itself).
    pub async fn fetched(&self) -> Vec<String> {
        self.resources()
            .await
            .iter()
            .filter_map(|r| r["file"].as_str().map(str::to_string))
            .collect()
    }

    /// The resource timing entry of `file` (waits up to 15 s for it).
    pub async fn wait_fetched(&self, file: &str) -> serde_json::Value {
        for _ in 0..150 {
            if let Some(r) = self
                .resources()
                .await
                .into_iter()
                .find(|r| r["file"] == file)
            {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{file} was never fetched; have {:?}", self.fetched().await);
    }

    /// The navigation timing entry (`loadEventEnd`, `domContentLoadedEventStart`, ...).
    pub async fn navigation(&self) -> serde_json::Value {
        self.js("return performance.getEntriesByType('navigation')[0].toJSON()")
            .await
    }

    /// The loader's own launcher button (in `<chat-widget-launcher>`'s shadow root; waits).
    pub async fn loader_launcher(&self) -> Element {
        for _ in 0..150 {
            if let Ok(host) = self.client.find(Locator::Css("chat-widget-launcher")).await {
                if let Ok(root) = host.shadow_root().await {
                    if let Ok(el) = root.find(Locator::Css("button")).await {
                        return el;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the loader's launcher did not appear");
    }
}

/// A script prefix setting `l` to the loader's launcher button (null when there is none).
pub fn loader_launcher_js() -> &'static str {
    "const lh = document.querySelector('chat-widget-launcher'); const l = lh && lh.shadowRoot.querySelector('button');"
}

// ---- Accessibility, phones, headers (tests/a11y.rs, tests/mobile.rs, tests/csp.rs) ----

/// axe-core's browser bundle, installed by `cargo xtask setup` (npm `axe-core`, global under
/// `/usr/local`); `AXE_CORE_JS` names another copy.
pub const AXE_JS: &str = "/usr/local/lib/node_modules/axe-core/axe.min.js";

/// The text of `axe.min.js` (see [`AXE_JS`]).
pub fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS").unwrap_or_else(|_| AXE_JS.to_string());
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}: run `cargo xtask setup` (npm axe-core)"))
}

/// One rule axe-core found broken, with the elements that break it.
#[derive(Debug, Clone)]
pub struct AxeViolation {
    /// The rule (`color-contrast`, `button-name`, ...).
    pub id: String,
    pub impact: String,
    pub help: String,
    /// Each failing element: its selector (through shadow roots: `host >>> inner`) and
    /// axe's summary of what is wrong.
    pub nodes: Vec<String>,
}

/// What one axe-core run found (see [`Browser::axe_results`]).
#[derive(Debug, Clone, Default)]
pub struct AxeResults {
    pub violations: Vec<AxeViolation>,
    /// Checks axe could not decide by itself ("needs review").
    pub incomplete: Vec<AxeViolation>,
    /// How many rules passed (0 would mean axe saw nothing of the widget).
    pub passes: usize,
}

impl std::fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.id, self.impact, self.help)?;
        for n in &self.nodes {
            write!(f, "\n    {n}")?;
        }
        Ok(())
    }
}

impl Browser {
    /// Starts a browser like [`Browser::start`] with `extra` merged into `goog:chromeOptions`
    /// (e.g. `mobileEmulation`).
    pub async fn start_with(extra: serde_json::Value) -> Browser {
        assert!(
            !browser_is_firefox() || extra == serde_json::json!({}),
            "Chromium only (goog:chromeOptions {extra}): skip this test in Firefox"
        );
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
        let mut options = serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-default-apps", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        });
        if let (serde_json::Value::Object(o), serde_json::Value::Object(e)) = (&mut options, extra)
        {
            o.extend(e);
        }
        let caps = serde_json::json!({ "goog:chromeOptions": options });
        Browser::connect(port, caps, driver, profile).await
    }

    /// A phone: chromedriver's mobile emulation at `width`×`height` CSS pixels, pixel ratio 2,
    /// touch events on (a page needs `<meta name="viewport" content="width=device-width">`
    /// to be laid out at that width, as on a real phone).
    pub async fn start_mobile(width: u32, height: u32) -> Browser {
        Browser::start_with(serde_json::json!({
            "mobileEmulation": {
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": true, "mobile": true}
            }
        }))
        .await
    }

    /// Runs axe-core (injected on first use) over the widget's elements in the page: its host
    /// `<chat-widget>` and the loader's `<chat-widget-launcher>` (axe pierces their open
    /// shadow roots), with every rule but the experimental ones (WCAG 2.x A/AA and best
    /// practices). Page-level rules (title, landmarks of the page, ...) are the page's business
    /// and not run: the context is the widget's elements only.
    pub async fn axe(&self) -> Vec<AxeViolation> {
        self.axe_results().await.violations
    }

    /// [`Browser::axe`] with what axe could not decide (`incomplete`: "needs review", e.g. a
    /// contrast over an image) and the number of rules that passed.
    pub async fn axe_results(&self) -> AxeResults {
        let loaded = self.js("return typeof window.axe === 'object'").await;
        if loaded != serde_json::json!(true) {
            let src = axe_source();
            self.client
                .execute(&format!("{src}\n;return true;"), vec![])
                .await
                .unwrap_or_else(|e| panic!("injecting axe-core: {e}"));
        }
        let script = r#"const done = arguments[arguments.length - 1];
            const include = ['chat-widget', 'chat-widget-launcher']
                .filter(s => document.querySelector(s)).map(s => [s]);
            if (!include.length) { done({error: 'no widget element in the page'}); return; }
            const list = l => l.map(v => ({
                id: v.id, impact: v.impact || '', help: v.help,
                nodes: v.nodes.map(n => [].concat(n.target).map(t => [].concat(t).join(' >>> ')).join(', ')
                    + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))
            }));
            axe.run({include}, {resultTypes: ['violations', 'incomplete']}).then(r => done({
                violations: list(r.violations), incomplete: list(r.incomplete), passes: r.passes.length
            }), e => done({error: String(e && e.stack || e)}));"#;
        let v = self
            .client
            .execute_async(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("axe.run: {e}"));
        if let Some(err) = v.get("error") {
            panic!("axe.run failed: {err}");
        }
        let list = |v: &serde_json::Value| -> Vec<AxeViolation> {
            v.as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|x| AxeViolation {
                    id: x["id"].as_str().unwrap_or_default().to_string(),
                    impact: x["impact"].as_str().unwrap_or_default().to_string(),
                    help: x["help"].as_str().unwrap_or_default().to_string(),
                    nodes: serde_json::from_value(x["nodes"].clone()).unwrap_or_default(),
                })
                .collect()
        };
        AxeResults {
            violations: list(&v["violations"]),
            incomplete: list(&v["incomplete"]),
            passes: v["passes"].as_u64().unwrap_or_default() as usize,
        }
    }

    /// A touch swipe through WebDriver actions (pointer type `touch`): down at (`x`, `y`) in
    /// the viewport, a move of `dy` pixels (negative = finger up = the page scrolls down) in
    /// `steps` moves of 16 ms, up. Under mobile emulation this scrolls a page in headless
    /// Chromium like a finger does (touch events, then a scroll with a fling); CDP's
    /// `Input.synthesizeScrollGesture` with `gestureSourceType: touch` only produced
    /// `touchstart`/`touchend` and never scrolled there.
    pub async fn touch_swipe(&self, x: f64, y: f64, dy: f64, steps: u32) {
        use fantoccini::actions::{InputSource, PointerAction, TouchActions};
        let mut touch = TouchActions::new("finger".into())
            .then(PointerAction::MoveTo {
                duration: None,
                x,
                y,
            })
            .then(PointerAction::Down { button: 0 });
        for i in 1..=steps {
            touch = touch.then(PointerAction::MoveTo {
                duration: Some(Duration::from_millis(16)),
                x,
                y: y + dy * f64::from(i) / f64::from(steps),
            });
        }
        touch = touch.then(PointerAction::Up { button: 0 });
        self.client
            .perform_actions(touch)
            .await
            .unwrap_or_else(|e| panic!("touch swipe: {e}"));
        let _ = self.client.release_actions().await;
    }
}

/// Serves `root` on a new port of `host` like [`serve`], adding `headers` (name, value) to
/// every response (e.g. a `Content-Security-Policy`); returns the base URL.
pub async fn serve_with_headers(root: PathBuf, host: &str, headers: &[(&str, &str)]) -> String {
    let listener = tokio::net::TcpListener::bind(format!("{host}:0"))
        .await
        .expect("bind static server");
    let port = listener.local_addr().unwrap().port();
    let router = static_with_headers(root, headers);
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{host}:{port}")
}

/// The static files of [`serve`] (CORS, no-cache) with `headers` added to every response, to
/// serve on a listener of the caller's (`axum::serve`).
pub fn static_with_headers(root: PathBuf, headers: &[(&str, &str)]) -> axum::Router {
    use tower_http::set_header::SetResponseHeaderLayer;
    let mut router = demo_server::static_files(root);
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::overriding(
            http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            http::HeaderValue::from_str(value).expect("header value"),
        ));
    }
    router
}

/// Copies the directory `from` into `to` (created), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
