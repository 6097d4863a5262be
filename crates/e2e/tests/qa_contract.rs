//! The test contract for a site's own QA, as a site would use it (docs/testing.md, "Testing the
//! widget on your site"): only the public surface — the `window.ChatWidget` API and its events,
//! the documented CSS parts (`[part~="..."]` inside the widget's open shadow root), the names of
//! the configured pre-chat fields — and the emulator's control API to play the agent. No
//! private class name (`.cw-*`) appears here: if this test breaks, the contract broke.

use std::time::Duration;

use e2e::{dist, page_site, serve, Browser, Control};
use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::json;

/// An element of the widget by its part name, waiting for it (up to 15 s).
async fn part(b: &Browser, name: &str) -> Element {
    let css = format!("[part~=\"{name}\"]");
    for _ in 0..150 {
        if let Ok(host) = b.client.find(Locator::Css("chat-widget")).await {
            if let Ok(root) = host.shadow_root().await {
                if let Ok(el) = root.find(Locator::Css(&css)).await {
                    return el;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no part {name}");
}

/// The texts of every element with part `name`.
async fn texts(b: &Browser, name: &str) -> Vec<String> {
    let script = format!(
        "const h = document.querySelector('chat-widget');
         return h ? [...h.shadowRoot.querySelectorAll('[part~=\"{name}\"]')].map(e => e.textContent) : [];"
    );
    serde_json::from_value(b.js(&script).await).unwrap_or_default()
}

#[tokio::test]
async fn a_site_test_opens_chats_hands_off_and_reads_the_agents_reply() {
    // The site: its page, its configuration file, the widget files on a CDN, and (for the test)
    // the emulator in place of Salesforce.
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    std::fs::write(
        dir.join("chat-config.json"),
        json!({
            "bot": {"type": "demo"},
            "handoff": {
                "anyHost": true,
                "miaw": {"url": emu.base_url(), "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
                "prechat": {"fields": ["description"]}
            }
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Shop</h1>
<script src="{cdn}/widget/chat-widget.js" data-config-url="chat-config.json"></script>
<script src="events.js"></script>
</body></html>"#
        ),
    )
    .unwrap();
    // Every widget event, for the test to read.
    std::fs::write(
        dir.join("events.js"),
        "window.seen = []; ChatWidget.on('*', function (detail, name) { window.seen.push([name, detail]); });",
    )
    .unwrap();

    let b = Browser::start().await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    // 1. The widget is ready (the `ready` event, or `ChatWidget.isReady()`); open it with its
    //    launcher, like a visitor.
    b.wait_js(
        "ready",
        "return window.seen.some(e => e[0] === 'ready') && ChatWidget.isReady()",
    )
    .await;
    part(&b, "launcher").await.click().await.unwrap();
    part(&b, "window").await;
    // 2. Ask for a person in the message field.
    let input = part(&b, "input").await;
    input.send_keys("I want to talk to a human").await.unwrap();
    part(&b, "send-button").await.click().await.unwrap();
    // 3. The pre-chat form: its fields are named as configured.
    let form = part(&b, "prechat-form").await;
    form.find(Locator::Css("[name=\"description\"]"))
        .await
        .unwrap()
        .send_keys("Where is order A-17?")
        .await
        .unwrap();
    form.find(Locator::Css("[type=\"submit\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // 4. Play the agent through the emulator's control API.
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    control.say(&id, "Hi, I'm Jane. A-17 ships today.").await;
    // 5. Assert what the visitor sees, and the events the page got.
    b.wait_js(
        "the agent's reply",
        "const h = document.querySelector('chat-widget');
         return [...h.shadowRoot.querySelectorAll('[part~=\"bubble-agent\"]')].some(e => e.textContent.includes('A-17 ships today'));",
    )
    .await;
    assert!(texts(&b, "bubble-visitor")
        .await
        .iter()
        .any(|t| t.contains("talk to a human")));
    let events = b.js("return window.seen.map(e => e[0])").await;
    let names: Vec<String> = serde_json::from_value(events).unwrap();
    for expected in [
        "ready",
        "open",
        "handoff:requested",
        "conversation:started",
        "agent:joined",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "event {expected} in {names:?}"
        );
    }
    let joined = b
        .js("return window.seen.find(e => e[0] === 'agent:joined')[1].name")
        .await;
    assert_eq!(joined, json!("Jane"));
    assert_eq!(
        b.js("return ChatWidget.getConversationId()").await,
        json!(id),
        "the page can name the conversation for its own records"
    );
    b.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
