//! A strict Content-Security-Policy with Trusted Types, sent as an HTTP header with the page:
//! no inline script or style, WebAssembly allowed by `'wasm-unsafe-eval'` only, connections
//! and images only where each set-up needs them. The configuration comes through
//! `data-config-url` (an inline `window.ChatWidgetConfig` script is blocked by such a policy:
//! the last test shows it). A same-origin script loaded before the loader collects every
//! `securitypolicyviolation` event (they are composed: those of the widget's shadow roots
//! reach the document too), page errors and the widget's events; each test ends with zero
//! violations and checks the widget is styled, then proves the collector works by breaking
//! the policy on purpose inside the widget's shadow root.
//!
//! The policies below are the ones the README's CSP section gives, verified here:
//! embedded bot, widget on the page's origin or on a CDN, MIAW (SCRT host in `connect-src`,
//! its file host in `img-src`), Live Chat through the relay (relay in `connect-src`).

use std::path::Path;

use e2e::{
    copy_dir, dist, miaw_config, relay, serve, serve_with_headers, static_with_headers, temp_dir,
    with_demo_bot, Browser, Control,
};
use serde_json::{json, Value};

/// Loaded before the loader: collects violations, page errors, console output and events.
const WATCH_JS: &str = r#"window.cspViolations = []; window.pageErrors = []; window.events = []; window.logs = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI,
    sample: e.sample, source: e.sourceFile + ":" + e.lineNumber, disposition: e.disposition });
});
addEventListener("error", function (e) { window.pageErrors.push(String(e.message)); });
addEventListener("unhandledrejection", function (e) { window.pageErrors.push(String(e.reason && e.reason.message || e.reason)); });
["warn", "error"].forEach(function (k) { var o = console[k]; console[k] = function () {
  window.logs.push(k + ": " + [].slice.call(arguments).join(" ")); return o.apply(console, arguments); }; });
"#;

/// Loaded after the loader: the widget's events.
const EVENTS_JS: &str = r#"ChatWidget.on("*", function (d, n) { window.events.push([n, d]); });"#;

/// The policy: `connect` and `img` are the extra sources of `connect-src` and `img-src`,
/// `script` of `script-src` (a CDN).
fn policy(script: &str, connect: &str, img: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'{script} 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'{connect}; img-src 'self'{img} data:; require-trusted-types-for 'script'"
    )
}

/// Writes the shop page into `dir`: the watcher, the loader from `widget` (a URL path or a
/// CDN's URL) with `data-config-url`, the events script; `config.json` beside it.
fn write_strict_page(dir: &Path, widget: &str, config: &Value) {
    std::fs::write(dir.join("watch.js"), WATCH_JS).unwrap();
    std::fs::write(dir.join("events.js"), EVENTS_JS).unwrap();
    // The page's own icon from its origin: Firefox checks a `data:` icon against `img-src`
    // (here `default-src 'self'`) and reports it, Chromium does not.
    std::fs::write(dir.join("favicon.ico"), b"").unwrap();
    // A brand logo on the page's origin (`brand.logo: "/logo.svg"`).
    std::fs::write(
        dir.join("logo.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#0b7a53"/></svg>"##,
    )
    .unwrap();
    // `preload: intent`: the loader's launcher stays until the visitor's click (checked too).
    let mut config = with_demo_bot(config);
    if config.get("preload").is_none() {
        config["preload"] = json!("intent");
    }
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<link rel="icon" href="/favicon.ico"><script src="/watch.js"></script></head><body>
<h1>Shop</h1>
<script src="{widget}/chat-widget.js" data-config-url="/config.json"></script>
<script src="/events.js"></script>
</body></html>"#
        ),
    )
    .unwrap();
}

/// A site sending `csp` with every response; the widget's files are copied beside the page
/// unless `cdn` serves them. Returns the page's URL.
async fn strict_site(csp: &str, config: &Value, cdn: Option<&str>) -> String {
    let dir = temp_dir("csp");
    let widget = match cdn {
        Some(cdn) => format!("{cdn}/widget"),
        None => {
            copy_dir(&dist().join("widget"), &dir.join("widget"));
            "/widget".to_string()
        }
    };
    write_strict_page(&dir, &widget, config);
    let base = serve_with_headers(dir, "localhost", &[("Content-Security-Policy", csp)]).await;
    format!("{base}/index.html")
}

/// The violations collected so far.
async fn violations(b: &Browser) -> Vec<Value> {
    serde_json::from_value(b.js("return window.cspViolations").await).unwrap_or_default()
}

/// Asserts that the page saw no violation and no error, and that the widget is styled (its
/// stylesheet applied inside the shadow root).
async fn assert_clean_and_styled(b: &Browser, what: &str) {
    let found = violations(b).await;
    let errors = b.js("return window.pageErrors").await;
    let logs = b.js("return window.logs").await;
    println!(
        "csp: {what}: {} violations {found:?}, page errors {errors}",
        found.len()
    );
    assert!(
        found.is_empty(),
        "{what}: CSP violations {found:#?}\nlogs {logs}"
    );
    assert_eq!(errors, json!([]), "{what}: page errors; logs {logs}");
    let look = b
        .js("const r = document.querySelector('chat-widget').shadowRoot; const l = getComputedStyle(r.querySelector('.cw-launcher'));
             return [l.position, l.borderRadius, r.adoptedStyleSheets.length, r.querySelectorAll('style').length]")
        .await;
    assert_eq!(look, json!(["fixed", "50%", 1, 0]), "{what}: launcher look");
}

/// The control: breaking the policy on purpose inside the widget's shadow root (an inline
/// style attribute, an HTML string given to `innerHTML`) is seen by the collector.
async fn assert_collector_sees_breaks(b: &Browser) {
    b.js("const r = document.querySelector('chat-widget').shadowRoot;
          r.querySelector('.cw-launcher').setAttribute('style', 'color: red');
          try { r.querySelector('.cw-launcher').innerHTML = '<b>x</b>'; } catch (e) { window.ttError = String(e); }
          return true")
        .await;
    let directives = b
        .wait_js(
            "the collector to see the two breaks",
            "const v = window.cspViolations.map(v => v.directive).sort(); return v.length >= 2 ? v : null",
        )
        .await;
    assert_eq!(
        directives,
        json!(["require-trusted-types-for", "style-src-attr"])
    );
    // The refusal's wording: Chromium names `TrustedHTML`, Firefox a "sink type mismatch".
    let tt_error = b.js("return window.ttError").await;
    let refused = tt_error.as_str().unwrap_or_default();
    assert!(
        refused.contains("TrustedHTML") || refused.contains("Sink type mismatch"),
        "the innerHTML assignment was not refused by Trusted Types: {tt_error}"
    );
}

/// Waits for the loader's launcher and checks it is styled (position fixed).
async fn loader_launcher_styled(b: &Browser) {
    b.loader_launcher().await;
    let pos = b
        .js("return getComputedStyle(document.querySelector('chat-widget-launcher').shadowRoot.querySelector('button')).position")
        .await;
    assert_eq!(pos, json!("fixed"), "the loader's launcher is styled");
}

#[tokio::test]
async fn miaw_chat_with_an_agent_image_under_a_strict_csp_and_trusted_types() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let origin = emu.base_url();
    let mut config = miaw_config(&origin);
    config["openOnLoad"] = json!(false);
    config["handoff"]["prechat"] = json!(false);
    config["handoff"]["anyHost"] = json!(true);
    config["handoff"]["attachments"] = json!({"maxBytes": 100000, "types": ["image/*"]});
    // Brand assets: inline SVG (a `data:` image), a logo from the site, agents' initials.
    let svg = r##"<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="#fff"/><script>window.svgRan = true</script></svg>"##;
    config["subtitle"] = json!("Typically replies in a few minutes");
    config["brand"] = json!({"launcherIcon": svg, "logo": "/logo.svg", "botAvatar": svg, "agentAvatar": "initials"});
    let csp = policy("", &format!(" {origin}"), &format!(" {origin}"));
    let page = strict_site(&csp, &config, None).await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    loader_launcher_styled(&b).await;
    let loaded = |root: &str, sel: &str| {
        format!(
            "const i = {root}.shadowRoot.querySelector('{sel}'); return i && i.complete && i.naturalWidth > 0 ? i.src : null"
        )
    };
    let icon = b
        .wait_js(
            "the loader's launcher icon, loaded",
            &loaded(
                "document.querySelector('chat-widget-launcher')",
                "button img",
            ),
        )
        .await;
    assert!(
        icon.as_str().unwrap().starts_with("data:image/svg+xml"),
        "{icon}"
    );

    // The visitor clicks the loader's launcher: the widget loads and opens.
    b.loader_launcher().await.click().await.unwrap();
    b.widget(".cw-input").await;
    let window = b
        .js("const r = document.querySelector('chat-widget').shadowRoot;
             return [getComputedStyle(r.querySelector('.cw-window')).position, getComputedStyle(r.querySelector('.cw-header')).backgroundColor]")
        .await;
    assert_eq!(window, json!(["fixed", "rgb(29, 78, 216)"]));
    let w = "document.querySelector('chat-widget')";
    let logo = b
        .wait_js(
            "the header logo, loaded",
            &loaded(w, ".cw-header img.cw-logo"),
        )
        .await;
    assert!(logo.as_str().unwrap().ends_with("/logo.svg"), "{logo}");
    let subtitle = b
        .js("return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-subtitle').textContent")
        .await;
    assert_eq!(subtitle, json!("Typically replies in a few minutes"));
    b.wait_js(
        "the bot's avatar, loaded",
        &loaded(w, ".cw-msg--bot img.cw-avatar"),
    )
    .await;

    // Bot, hand-off, agent: messages both ways and an image from the emulator's file host.
    b.type_and_send("I want to talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    control.say(&id, "Hello, Jane here.").await;
    b.wait_bubble("agent", "Jane here.").await;
    let initials = b
        .js("return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-msg--agent .cw-avatar')].map(a => [a.textContent, a.getAttribute('aria-hidden')])")
        .await;
    assert_eq!(initials, json!([["J", "true"]]), "the agent's initials");
    b.type_and_send("My parcel is late").await;
    control
        .wait_transcript(&id, "the visitor's message", |t| {
            t.iter().any(|e| e["text"] == json!("My parcel is late"))
        })
        .await;
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    control
        .post(
            &format!("/conversations/{id}/files"),
            json!({"fileName": "parcel.png", "mimeType": "image/png", "contentBase64": png, "text": "Your parcel"}),
        )
        .await;
    let src = b
        .wait_js(
            "the agent's image, loaded",
            "const i = document.querySelector('chat-widget').shadowRoot.querySelector('.cw-msg--agent img.cw-image');
             return i && i.complete && i.naturalWidth > 0 ? i.src : null",
        )
        .await;
    assert!(src.as_str().unwrap().starts_with(&origin), "{src}");
    assert_eq!(b.wait_event("agent:joined").await["name"], json!("Jane"));
    // An SVG shown as an image runs no script.
    assert_eq!(
        b.js("return window.svgRan === undefined").await,
        json!(true)
    );
    assert_clean_and_styled(&b, "MIAW, widget on the page's origin").await;
    assert_collector_sees_breaks(&b).await;
    b.close().await;
}

#[tokio::test]
async fn embedded_bot_under_the_strictest_csp_with_a_language_file() {
    // No hand-off: nothing beyond 'self' (config, glue, wasm, messages/fr.json).
    let csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; require-trusted-types-for 'script'";
    let page = strict_site(csp, &json!({"language": "fr"}), None).await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    loader_launcher_styled(&b).await;
    b.loader_launcher().await.click().await.unwrap();
    b.type_and_send("Where is my order?").await;
    b.wait_bubble("bot", "track your order").await;
    let label = b
        .js("return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-send').getAttribute('aria-label')")
        .await;
    assert_eq!(
        label,
        json!("Envoyer"),
        "the French texts (messages/fr.json) loaded"
    );
    assert_clean_and_styled(&b, "embedded bot, 'self' only").await;
    assert_collector_sees_breaks(&b).await;
    b.close().await;
}

#[tokio::test]
async fn widget_from_a_cdn_needs_it_in_script_src_and_connect_src() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let csp = format!(
        "default-src 'self'; script-src 'self' {cdn} 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' {cdn}; require-trusted-types-for 'script'"
    );
    let page = strict_site(&csp, &json!({"language": "de"}), Some(&cdn)).await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    loader_launcher_styled(&b).await;
    b.loader_launcher().await.click().await.unwrap();
    b.type_and_send("Where is my order?").await;
    b.wait_bubble("bot", "track your order").await;
    assert_clean_and_styled(&b, "embedded bot, widget on a CDN").await;
    b.close().await;
}

#[tokio::test]
async fn livechat_through_the_relay_under_a_strict_csp() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    // The relay answers the page's origin only: the site's port is taken first.
    let dir = temp_dir("csp-livechat");
    copy_dir(&dist().join("widget"), &dir.join("widget"));
    let listener = tokio::net::TcpListener::bind("localhost:0").await.unwrap();
    let origin = format!("http://localhost:{}", listener.local_addr().unwrap().port());
    let relay = relay(&emu.base_url(), std::slice::from_ref(&origin)).await;
    let config = json!({
        "handoff": {
            "liveChat": {
                "endpoint": relay, "organizationId": "00D5e000000AbCd",
                "deploymentId": "5725e000000AbCd", "buttonId": "5735e000000AbCd", "visitorName": "Ada"
            },
            "prechat": false, "anyHost": true
        }
    });
    write_strict_page(&dir, "/widget", &config);
    let csp = policy("", &format!(" {relay}"), "");
    let router = static_with_headers(dir, &[("Content-Security-Policy", &csp)]);
    tokio::spawn(async move { axum::serve(listener, router).await });

    let b = Browser::start().await;
    b.client
        .goto(&format!("{origin}/index.html"))
        .await
        .unwrap();
    loader_launcher_styled(&b).await;
    b.loader_launcher().await.click().await.unwrap();
    b.type_and_send("talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    control.say(&id, "Hello Ada, Jane here.").await;
    b.wait_bubble("agent", "Jane here.").await;
    b.type_and_send("Where is my refund?").await;
    control
        .wait_transcript(&id, "the visitor's message", |t| {
            t.iter().any(|e| e["text"] == json!("Where is my refund?"))
        })
        .await;
    assert_clean_and_styled(&b, "Live Chat through the relay").await;
    b.close().await;
}

/// What the issue reports: the inline configuration script (as in the demo page) is blocked
/// by such a policy, so the widget starts without its configuration and says so.
#[tokio::test]
async fn an_inline_configuration_script_is_blocked_by_the_policy() {
    let csp = policy("", "", "");
    let dir = temp_dir("csp-inline");
    copy_dir(&dist().join("widget"), &dir.join("widget"));
    write_strict_page(&dir, "/widget", &json!({}));
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let config = with_demo_bot(&json!({"title": "Shop support"}));
    std::fs::write(
        dir.join("index.html"),
        html.replace(
            r#"<script src="/widget/chat-widget.js" data-config-url="/config.json"></script>"#,
            &format!(
                r#"<script>window.ChatWidgetConfig = {config};</script><script src="/widget/chat-widget.js"></script>"#
            ),
        ),
    )
    .unwrap();
    let base = serve_with_headers(dir, "localhost", &[("Content-Security-Policy", &csp)]).await;
    let b = Browser::start().await;
    b.client.goto(&format!("{base}/index.html")).await.unwrap();
    let found = b
        .wait_js(
            "the blocked inline script",
            "return window.cspViolations.length ? window.cspViolations : null",
        )
        .await;
    println!("csp: inline configuration: {found}");
    assert_eq!(found[0]["directive"], json!("script-src-elem"), "{found}");
    assert_eq!(found[0]["blocked"], json!("inline"), "{found}");
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    b.close().await;
}
