//! The loader's lazy loading (issue #12, "zero cost until the visitor shows interest"): the
//! loader draws the launcher itself, and the widget (glue + wasm) loads on the visitor's first
//! sign of interest or per `preload` ("intent", "idle" by default, "eager"); a click before the
//! wasm is ready opens the window once it is; a saved conversation resumes without a click.

use std::time::Duration;

use e2e::{
    chatting_with_jane, dist, loader_launcher_js, loader_page, page_site, serve, serve_gated,
    write_loader_page, Browser,
};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde_json::json;

const GLUE: &str = "chat_widget.js";
const WASM: &str = "chat_widget_bg.wasm";

/// How long a test waits after the page's `load` event before it checks that nothing was
/// fetched (longer than the idle load's timeout would take on a quiet page).
const QUIET: Duration = Duration::from_millis(1500);

async fn wait_loaded(b: &Browser) {
    b.wait_js(
        "the page's load event",
        "const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0",
    )
    .await;
}

/// The number of `event` events the page received.
async fn count(b: &Browser, event: &str) -> usize {
    b.js(&format!(
        "return window.events.filter(e => e[0] === {event:?}).length"
    ))
    .await
    .as_u64()
    .unwrap() as usize
}

/// Moves the mouse to the page's top-left corner (away from the launcher).
async fn mouse_away(b: &Browser) {
    let away = MouseActions::new("mouse".into()).then(PointerAction::MoveTo {
        duration: None,
        x: 5.0,
        y: 5.0,
    });
    b.client.perform_actions(away).await.unwrap();
}

/// A `preload: "intent"` loader page in `dir` with `from` replaced by `to` in its HTML.
fn intent_page_with(dir: &std::path::Path, cdn: &str, from: &str, to: &str) {
    write_loader_page(dir, cdn, Some(&json!({"preload": "intent"})), "", "en");
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    std::fs::write(dir.join("index.html"), html.replace(from, to)).unwrap();
}

fn launcher_attr(name: &str) -> String {
    format!(
        "{} return l && l.getAttribute({name:?});",
        loader_launcher_js()
    )
}

#[tokio::test]
async fn intent_fetches_only_the_loader_until_hover_focus_click_or_open() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    for trigger in ["focus", "open", "hover", "click"] {
        // A new origin each time: nothing saved by the previous round.
        let page = loader_page(
            &cdn,
            "localhost",
            Some(&json!({"preload": "intent"})),
            "",
            "en",
        )
        .await;
        mouse_away(&b).await;
        b.client.goto(&page).await.unwrap();
        let launcher = b.loader_launcher().await;
        wait_loaded(&b).await;
        // Calls that only set state, subscribe or ask do not load the widget.
        b.js("ChatWidget.setVariables({cart: 2}); ChatWidget.setHiddenPrechatFields({Page: 'x'});
              ChatWidget.close(); ChatWidget.on('message', function () {});
              window.early = [ChatWidget.isReady(), ChatWidget.error(), ChatWidget.stats(), ChatWidget.getConversationId()];
              return true")
            .await;
        tokio::time::sleep(QUIET).await;
        assert_eq!(
            b.fetched().await,
            vec!["chat-widget.js"],
            "{trigger}: only the loader before any interaction"
        );
        assert_eq!(
            b.js("return window.early").await,
            json!([false, null, null, null])
        );
        assert!(
            b.js("return performance.getEntriesByName('chat-widget:launcher').length")
                .await
                == json!(1),
            "the launcher's performance mark"
        );
        match trigger {
            "focus" => {
                b.js(&format!("{} l.focus(); return true", loader_launcher_js()))
                    .await;
            }
            "open" => {
                b.js("ChatWidget.open(); return true").await;
            }
            "hover" => {
                let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
                    element: launcher,
                    duration: None,
                    x: 0.0,
                    y: 0.0,
                });
                b.client.perform_actions(hover).await.unwrap();
            }
            _ => launcher.click().await.unwrap(),
        }
        b.wait_fetched(WASM).await;
        b.wait_fetched(GLUE).await;
        b.wait_event("ready").await;
        let open = ["open", "click"].contains(&trigger);
        if open {
            b.widget(".cw-window").await;
        } else {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(
                count(&b, "open").await,
                0,
                "{trigger} does not open the window"
            );
        }
        // The widget's launcher replaced the loader's.
        b.wait_js(
            "the loader's launcher removed",
            "return !document.querySelector('chat-widget-launcher')",
        )
        .await;
        b.widget(".cw-launcher").await;
    }
    b.close().await;
}

#[tokio::test]
async fn idle_by_default_loads_after_the_load_event_without_interaction() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let page = loader_page(&cdn, "localhost", Some(&json!({})), "", "en").await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.wait_event("ready").await;
    assert_eq!(
        b.js("return performance.getEntriesByName('chat-widget:launcher').length")
            .await,
        json!(1),
        "the loader's launcher was drawn first"
    );
    let nav = b.navigation().await;
    let load_end = nav["loadEventEnd"].as_f64().unwrap();
    assert!(load_end > 0.0);
    for file in [GLUE, WASM] {
        let r = b.wait_fetched(file).await;
        let start = r["start"].as_f64().unwrap();
        assert!(
            start >= load_end,
            "{file} fetched at {start} ms, before the load event ended ({load_end} ms)"
        );
    }
    // The diagnostics call: the wasm's memory, once loaded.
    let bytes = b
        .js("const s = ChatWidget.stats(); return s && s.wasmMemoryBytes")
        .await;
    assert!(bytes.as_u64().unwrap_or(0) >= 65536, "stats(): {bytes}");
    assert_eq!(count(&b, "open").await, 0);
    b.close().await;
}

#[tokio::test]
async fn eager_from_the_script_attribute_fetches_glue_and_wasm_at_once_in_parallel() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let page = loader_page(&cdn, "localhost", None, r#"data-preload="eager""#, "en").await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.wait_event("ready").await;
    let nav = b.navigation().await;
    let dom_ready = nav["domContentLoadedEventStart"].as_f64().unwrap();
    let glue = b.wait_fetched(GLUE).await;
    let wasm = b.wait_fetched(WASM).await;
    let wasm_start = wasm["start"].as_f64().unwrap();
    // By `DOMContentLoaded` (the same millisecond counts: Firefox rounds to 1 ms); "idle"
    // would wait for the `load` event and an idle period.
    assert!(
        wasm_start <= dom_ready,
        "the wasm was fetched at {wasm_start} ms, not before DOMContentLoaded ({dom_ready} ms)"
    );
    // No chain: the wasm's request started before the glue had arrived.
    let glue_end = glue["end"].as_f64().unwrap();
    assert!(
        wasm_start <= glue_end,
        "the wasm ({wasm_start} ms) waited for the glue ({glue_end} ms)"
    );
    // The loader's launcher made way for the widget's.
    b.widget(".cw-launcher").await;
    b.wait_js(
        "the loader's launcher removed",
        "return !document.querySelector('chat-widget-launcher')",
    )
    .await;
    b.close().await;
}

#[tokio::test]
async fn a_click_before_the_wasm_is_ready_opens_the_window_exactly_once() {
    let (cdn, gate) = serve_gated(dist(), "127.0.0.1").await;
    let page = loader_page(
        &cdn,
        "localhost",
        Some(&json!({"preload": "intent"})),
        "",
        "en",
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    let launcher = b.loader_launcher().await;
    launcher.click().await.unwrap();
    gate.wait_requested().await;
    // Busy while loading; the click is one queued open, and later calls keep their order.
    assert_eq!(b.js(&launcher_attr("aria-busy")).await, json!("true"));
    assert_eq!(b.js(&launcher_attr("aria-expanded")).await, json!("true"));
    b.js("ChatWidget.send('Which payment methods do you accept?'); return true")
        .await;
    assert_eq!(b.js("return ChatWidget.isReady()").await, json!(false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    gate.release();
    b.wait_event("ready").await;
    b.widget(".cw-window").await;
    b.wait_bubble("visitor", "Which payment methods").await;
    b.wait_bubble("bot", "PayPal").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count(&b, "open").await, 1, "opened exactly once");
    assert_eq!(gate.requests(), 1, "the wasm was fetched once");
    // The loader's launcher had focus (a real click): it moved into the widget, so the window
    // took it as after a click on the widget's own launcher (the message box).
    assert_eq!(
        b.js("return !document.querySelector('chat-widget-launcher')")
            .await,
        json!(true)
    );
    let focused = b
        .js("const h = document.activeElement; return h && h.localName === 'chat-widget' && h.shadowRoot.activeElement && h.shadowRoot.activeElement.className")
        .await;
    assert!(
        focused.as_str().unwrap_or_default().contains("cw-input"),
        "focus after the swap: {focused}"
    );
    b.close().await;
}

#[tokio::test]
async fn repeated_clicks_before_the_wasm_is_ready_toggle_the_pending_open() {
    for clicks in [2, 3] {
        let (cdn, gate) = serve_gated(dist(), "127.0.0.1").await;
        let page = loader_page(
            &cdn,
            "localhost",
            Some(&json!({"preload": "intent"})),
            "",
            "en",
        )
        .await;
        let b = Browser::start().await;
        b.client.goto(&page).await.unwrap();
        let launcher = b.loader_launcher().await;
        for i in 1..=clicks {
            launcher.click().await.unwrap();
            let pending = i % 2 == 1;
            assert_eq!(
                b.js(&launcher_attr("aria-expanded")).await,
                json!(pending.to_string()),
                "after click {i}"
            );
            assert_eq!(
                b.js(&launcher_attr("aria-busy")).await,
                json!(pending.to_string()),
                "after click {i}"
            );
        }
        gate.wait_requested().await;
        gate.release();
        b.wait_event("ready").await;
        b.widget(".cw-launcher").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let opens = count(&b, "open").await;
        let window = b
            .js("return !!document.querySelector('chat-widget').shadowRoot.querySelector('.cw-window')")
            .await;
        if clicks % 2 == 1 {
            assert_eq!((opens, window), (1, json!(true)), "{clicks} clicks: open");
        } else {
            assert_eq!(
                (opens, window),
                (0, json!(false)),
                "{clicks} clicks: closed"
            );
        }
        assert_eq!(gate.requests(), 1);
        b.close().await;
    }
}

#[tokio::test]
async fn a_saved_agent_conversation_resumes_at_once_without_a_click() {
    let c = chatting_with_jane(|config| {
        config["preload"] = json!("intent");
        config["openOnLoad"] = json!(false);
    })
    .await;
    c.control.say(&c.id, "Your parcel left the warehouse").await;
    c.b.wait_bubble("agent", "Your parcel left").await;
    c.b.client.refresh().await.unwrap();
    // No interaction: the saved conversation alone loads the widget, at once.
    let wasm = c.b.wait_fetched(WASM).await;
    c.b.wait_event("ready").await;
    let nav = c.b.navigation().await;
    let dom_ready = nav["domContentLoadedEventStart"].as_f64().unwrap();
    // With `preload: "intent"` and no interaction, only the saved conversation can load it;
    // "at once" is by `DOMContentLoaded` (the same millisecond counts: Firefox rounds its
    // timings to 1 ms, and this local page is ready within a few).
    assert!(
        wasm["start"].as_f64().unwrap() <= dom_ready,
        "the wasm was fetched at once: {wasm} vs DOMContentLoaded at {dom_ready} ms"
    );
    assert_eq!(
        c.b.js("return ChatWidget.getConversationId()").await,
        json!(c.id),
        "the agent conversation resumed"
    );
    c.b.wait_bubble("agent", "Your parcel left").await;
    c.b.wait_bubble("visitor", "talk to a human").await;
    c.b.close().await;
}

#[tokio::test]
async fn preload_from_the_configuration_wins_and_unknown_values_warn() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    // The configuration says "intent", the tag "eager": the configuration wins.
    let page = loader_page(
        &cdn,
        "localhost",
        Some(&json!({"preload": "intent"})),
        r#"data-preload="eager""#,
        "en",
    )
    .await;
    b.client.goto(&page).await.unwrap();
    b.loader_launcher().await;
    wait_loaded(&b).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(b.fetched().await, vec!["chat-widget.js"]);

    // An unknown value: the default ("idle"), and the widget reports it as a configuration
    // error (in the console and in its window).
    let page = loader_page(
        &cdn,
        "localhost",
        Some(&json!({"preload": "sometimes"})),
        r#"data-preload="intent""#,
        "en",
    )
    .await;
    b.client.goto(&page).await.unwrap();
    b.wait_event("ready").await;
    let logs = b.js("return window.logs.join('\\n')").await;
    let logs = logs.as_str().unwrap();
    assert!(
        logs.contains("configuration error at preload: unknown value \"sometimes\""),
        "{logs}"
    );
    let load_end = b.navigation().await["loadEventEnd"].as_f64().unwrap();
    let wasm = b.wait_fetched(WASM).await;
    assert!(wasm["start"].as_f64().unwrap() >= load_end);
    b.close().await;
}

#[tokio::test]
async fn config_url_decides_the_launcher_and_preload_after_its_fetch() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    std::fs::write(
        dir.join("chat-config.json"),
        json!({"preload": "intent", "position": "bottom-left", "language": "es"}).to_string(),
    )
    .unwrap();
    write_loader_page(
        &dir,
        &cdn,
        None,
        r#"data-config-url="chat-config.json""#,
        "en",
    );
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    b.loader_launcher().await;
    wait_loaded(&b).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        b.fetched().await,
        vec!["chat-widget.js", "chat-config.json"],
        "the configuration is fetched at start, the widget not"
    );
    assert_eq!(
        b.js(&launcher_attr("aria-label")).await,
        json!("Abrir el chat")
    );
    let left = b
        .js(&format!(
            "{} const r = l.getBoundingClientRect(); return r.left",
            loader_launcher_js()
        ))
        .await;
    assert_eq!(left.as_f64().unwrap(), 20.0, "bottom-left");
    b.close().await;
}

/// The loader's launcher in each case, then the widget's (loaded by focusing the loader's):
/// same accessible name, same look.
#[tokio::test]
async fn the_loader_launcher_looks_and_reads_like_the_widgets() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    let style = "const s = getComputedStyle(el); return [el.getAttribute('aria-label'),
        s.position, s.width, s.height, s.bottom, s.right, s.left, s.borderRadius,
        s.backgroundColor, s.color, s.boxShadow, s.zIndex, s.borderStyle,
        (() => { const r = el.querySelector('svg').getBoundingClientRect(); return [r.width, r.height, r.left - el.getBoundingClientRect().left, r.top - el.getBoundingClientRect().top]; })()];";
    let cases = [
        (json!({"preload": "intent"}), "en", "Open chat"),
        (json!({"preload": "intent"}), "de-AT", "Chat öffnen"),
        (
            json!({"preload": "intent", "language": "fr", "theme": "dark"}),
            "de",
            "Ouvrir le chat",
        ),
        (
            json!({"preload": "intent", "position": "bottom-left", "theme": "light"}),
            "ar",
            "فتح المحادثة",
        ),
        (
            json!({"preload": "intent", "messages": {"es": {"launcherOpenLabel": "¿Ayuda?"}}}),
            "es-MX",
            "¿Ayuda?",
        ),
        (json!({"preload": "intent"}), "pt", "Open chat"),
    ];
    for (config, lang, label) in cases {
        let extra = "<style>:root { --chat-accent: #0b7a53; --chat-launcher-size: 64px; }</style>";
        let (dir, site) = page_site("localhost").await;
        write_loader_page(&dir, &cdn, Some(&config), "", lang);
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        std::fs::write(
            dir.join("index.html"),
            html.replace("<h1>", &format!("{extra}<h1>")),
        )
        .unwrap();
        b.client.goto(&format!("{site}/index.html")).await.unwrap();
        b.loader_launcher().await;
        let mine = b
            .js(&format!("{} const el = l; {style}", loader_launcher_js()))
            .await;
        assert_eq!(mine[0], json!(label), "{lang} {config}");
        let mine_lang = b.js(&launcher_attr("lang")).await;
        let mine_lang = mine_lang.as_str().unwrap_or_default().to_string();
        assert_eq!(
            b.js(
                "return document.querySelector('chat-widget-launcher').shadowRoot.adoptedStyleSheets.length"
            )
            .await,
            json!(1),
            "a constructable stylesheet"
        );
        b.js(&format!("{} l.focus(); return true", loader_launcher_js()))
            .await;
        b.wait_event("ready").await;
        b.widget(".cw-launcher").await;
        // The greeting is not an unread message: no badge, the same label as the loader's.
        b.wait_js(
            "closed, nothing unread",
            "const r = document.querySelector('chat-widget').shadowRoot;
             return !r.querySelector('.cw-window') && !r.querySelector('.cw-badge')",
        )
        .await;
        assert_eq!(
            b.js(&format!(
                "{} return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-root').lang.toLowerCase()",
                "/* the widget's language */"
            ))
            .await,
            json!(mine_lang.to_lowercase()),
            "{lang} {config}: the same language"
        );
        let theirs = b
            .js(&format!(
                "const el = document.querySelector('chat-widget').shadowRoot.querySelector('.cw-launcher'); {style}"
            ))
            .await;
        assert_eq!(
            mine, theirs,
            "{lang} {config}: loader's vs widget's launcher"
        );
    }
    b.close().await;
}

#[tokio::test]
async fn array_queue_before_the_tag_and_a_second_tag_still_work() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>
<script>window.ChatWidgetConfig = {{"preload": "intent"}}; window.seen = [];
window.ChatWidget = window.ChatWidget || [];
ChatWidget.push(["on", "ready", function () {{ window.seen.push("ready"); }}],
                ["on", "open", function () {{ window.seen.push("open"); }}],
                ["open"]);</script>
<script src="{cdn}/widget/chat-widget.js" async></script>
<script src="{cdn}/widget/chat-widget.js" async></script>
</body></html>"#
        ),
    )
    .unwrap();
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    b.widget(".cw-window").await;
    b.wait_js("ready", "return window.seen.includes('ready')")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = b.js("return window.seen").await;
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    assert_eq!(seen.iter().filter(|s| *s == "open").count(), 1, "{seen:?}");
    assert_eq!(seen.iter().filter(|s| *s == "ready").count(), 1, "{seen:?}");
    assert_eq!(
        b.js("return document.querySelectorAll('chat-widget, chat-widget-launcher').length")
            .await,
        json!(1)
    );
    b.close().await;
}

#[tokio::test]
async fn the_launcher_is_styled_under_a_strict_style_csp() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    intent_page_with(
        &dir,
        &cdn,
        "<title>",
        r#"<meta http-equiv="Content-Security-Policy" content="style-src 'none'"><title>"#,
    );
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    b.loader_launcher().await;
    let look = b
        .js(&format!(
            "{} const s = getComputedStyle(l); return [s.position, s.width, s.backgroundColor]",
            loader_launcher_js()
        ))
        .await;
    assert_eq!(look, json!(["fixed", "60px", "rgb(29, 78, 216)"]));
    b.close().await;
}

#[tokio::test]
async fn without_constructable_stylesheets_a_style_element_styles_the_launcher() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    intent_page_with(
        &dir,
        &cdn,
        "window.events = [];",
        "window.CSSStyleSheet = undefined; window.events = [];",
    );
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    b.loader_launcher().await;
    let look = b
        .js(&format!(
            "{} const s = getComputedStyle(l);
             return [lh.shadowRoot.adoptedStyleSheets.length, lh.shadowRoot.querySelectorAll('style').length, s.position, s.width]",
            loader_launcher_js()
        ))
        .await;
    assert_eq!(look, json!([0, 1, "fixed", "60px"]));
    b.close().await;
}

/// Only English is compiled into the wasm: the loader fetches the visitor's language file
/// (`messages/<tag>.json`, the same language choice as the widget's) with the glue and the wasm,
/// and the widget speaks it; an English visitor fetches none.
#[tokio::test]
async fn the_visitors_language_file_loads_with_the_wasm() {
    let b = Browser::start().await;
    for (lang, config, file, close) in [
        (
            "fr-CA",
            json!({"preload": "eager"}),
            Some("fr.json"),
            "Fermer le chat",
        ),
        (
            "en",
            json!({"preload": "eager", "language": "ar"}),
            Some("ar.json"),
            "إغلاق المحادثة",
        ),
        ("en-GB", json!({"preload": "eager"}), None, "Close chat"),
    ] {
        // The wasm is held back by the server: the language file arrives meanwhile, so it is
        // fetched beside the widget, not after it. (Compared by resource timings the order
        // flaked: from a local server Firefox gets the whole wasm within a few ms.)
        let (cdn, gate) = serve_gated(dist(), "127.0.0.1").await;
        let page = loader_page(&cdn, "localhost", Some(&config), "", lang).await;
        b.client.goto(&page).await.unwrap();
        gate.wait_requested().await;
        if let Some(f) = file {
            b.wait_fetched(f).await;
        }
        gate.release();
        b.wait_event("ready").await;
        b.wait_fetched(GLUE).await;
        let messages: Vec<String> = b
            .fetched()
            .await
            .into_iter()
            .filter(|f| f.ends_with(".json"))
            .collect();
        assert_eq!(
            messages,
            file.map(|f| vec![f.to_string()]).unwrap_or_default(),
            "{lang} {config}"
        );
        b.js("ChatWidget.open(); return true").await;
        b.widget(".cw-window").await;
        b.wait_js(
            "the launcher's close label",
            &format!(
                "return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-launcher').getAttribute('aria-label') === {close:?}"
            ),
        )
        .await;
        let logs = b.js("return window.logs.join('\\n')").await;
        assert!(
            !logs.as_str().unwrap().contains("were not loaded"),
            "{lang}: {logs}"
        );
    }
    b.close().await;
}
