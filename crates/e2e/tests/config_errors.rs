//! Broken and exotic configurations, as a site could write them: each one is reported as a
//! configuration error (an `error` event, the console, the widget's notice), the page gets no
//! uncaught exception, and no bot starts (the demo shop assistant is an explicit opt-in).

use e2e::{dist, page_site, serve, Browser};

/// `(name, inline script before the loader, configuration file served as chat-config.json)`.
fn cases() -> Vec<(&'static str, &'static str, Option<Vec<u8>>)> {
    vec![
        ("no configuration", "", None),
        ("null", "window.ChatWidgetConfig = null;", None),
        ("a function", "window.ChatWidgetConfig = function () { return {}; };", None),
        (
            "toJSON returns undefined",
            "window.ChatWidgetConfig = { bot: { type: 'demo' }, toJSON: function () { return undefined; } };",
            None,
        ),
        (
            "a Symbol value",
            "window.ChatWidgetConfig = { bot: { type: 'demo' }, title: Symbol('x') };",
            None,
        ),
        (
            "cyclic",
            "var c = { bot: { type: 'demo' } }; c.self = c; window.ChatWidgetConfig = c;",
            None,
        ),
        (
            "a BigInt",
            "window.ChatWidgetConfig = { bot: { type: 'demo' }, openOnLoad: true, n: 10n };",
            None,
        ),
        (
            "a throwing getter",
            "window.ChatWidgetConfig = { bot: { type: 'demo' }, get title() { throw new Error('no title'); } };",
            None,
        ),
        (
            "a throwing Proxy",
            "window.ChatWidgetConfig = new Proxy({ bot: { type: 'demo' } }, { ownKeys: function () { throw new Error('trap'); } });",
            None,
        ),
        ("an empty object", "window.ChatWidgetConfig = {};", None),
        (
            "nested 1,000 levels deep",
            "var x = []; for (var i = 0; i < 1000; i++) x = [x]; window.ChatWidgetConfig = { bot: { type: 'demo' }, x: x };",
            None,
        ),
        ("a URL answering null", "", Some(b"null".to_vec())),
        (
            "a URL answering text that is not UTF-8",
            "",
            // Latin-1 "é" inside an otherwise valid configuration.
            Some(b"{\"bot\": {\"type\": \"demo\"}, \"title\": \"Caf\xe9\"}".to_vec()),
        ),
        (
            "a URL answering 20,000 levels deep",
            "",
            Some(
                format!(
                    "{{\"bot\": {{\"type\": \"demo\"}}, \"x\": {}{}}}",
                    "[".repeat(20_000),
                    "]".repeat(20_000)
                )
                .into_bytes(),
            ),
        ),
    ]
}

#[tokio::test]
async fn broken_configurations_are_errors_never_a_demo_bot_or_an_exception() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    let mut outcomes = Vec::new();
    for (name, inline, file) in cases() {
        let (dir, site) = page_site("localhost").await;
        let attr = match &file {
            Some(bytes) => {
                std::fs::write(dir.join("chat-config.json"), bytes).unwrap();
                r#"data-config-url="chat-config.json""#
            }
            None => "",
        };
        std::fs::write(
            dir.join("index.html"),
            format!(
                r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script>window.uncaught = []; window.addEventListener("error", function (e) {{ window.uncaught.push(String(e.message)); }});
window.addEventListener("unhandledrejection", function (e) {{ window.uncaught.push(String(e.reason)); }});
window.ChatWidget = [["on", "error", function (d) {{ (window.errors = window.errors || []).push(d.message); }}]];
{inline}</script>
<script src="{cdn}/widget/chat-widget.js" data-preload="eager" {attr}></script>
<script>window.pageStillRuns = true;</script>
</body></html>"#
            ),
        )
        .unwrap();
        b.client.goto(&format!("{site}/index.html")).await.unwrap();
        assert_eq!(
            b.js("return window.pageStillRuns === true").await,
            serde_json::json!(true),
            "{name}: the page's own script after the tag ran"
        );
        b.wait_js(&format!("{name}: ready"), "return ChatWidget.isReady()")
            .await;
        let errors = b
            .wait_js(
                &format!("{name}: an error event"),
                "return (window.errors || []).length ? window.errors : null",
            )
            .await;
        b.js("ChatWidget.open(); return true").await;
        let notice = b.widget(".cw-notice").await.text().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let state = b
            .js("const r = document.querySelector('chat-widget').shadowRoot;
                 return { bots: r.querySelectorAll('.cw-msg--bot').length,
                          disabled: !!(r.querySelector('.cw-input') && r.querySelector('.cw-input').disabled),
                          uncaught: window.uncaught };")
            .await;
        assert_eq!(state["bots"], 0, "{name}: no bot started ({notice})");
        assert_eq!(state["disabled"], true, "{name}: the composer is blocked");
        assert_eq!(
            state["uncaught"],
            serde_json::json!([]),
            "{name}: no uncaught exception"
        );
        println!("{name:45} error: {}", errors[0].as_str().unwrap_or(""));
        outcomes.push(name);
        let _ = std::fs::remove_dir_all(dir);
    }
    println!(
        "{} broken configurations: {} errors, 0 demo bots, 0 exceptions",
        outcomes.len(),
        outcomes.len()
    );
    b.close().await;
}
