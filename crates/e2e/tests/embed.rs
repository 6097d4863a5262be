//! The widget as a site owner embeds it: one script tag, the `window.ChatWidget` API used
//! before the wasm has loaded, and a bot conversation driven with real clicks and keys.

use e2e::{dist, serve, temp_dir, Browser};
use fantoccini::key::Key;
use fantoccini::Locator;

#[tokio::test]
async fn demo_page_bot_conversation_through_the_script_tag() {
    let site = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/")).await.unwrap();
    // The page subscribed with ChatWidget.on("*") before the widget loaded: it sees "ready".
    b.wait_js("ready event", "return [...document.querySelectorAll('#event-log li')].some(li => li.textContent === 'ready')").await;
    // The page's own button calls ChatWidget.open().
    b.client
        .find(Locator::Id("ask"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_bubble("bot", "Alpine Outfitters assistant").await;

    // Type a question with real key presses; Enter sends.
    let input = b.widget(".cw-input").await;
    input.send_keys("Where is my order?").await.unwrap();
    input
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    b.wait_bubble("visitor", "Where is my order?").await;
    b.wait_bubble("bot", "track your order").await;

    // A quick reply, clicked.
    let quick = b.widget(".cw-quick-reply").await;
    let label = quick.text().await.unwrap();
    quick.click().await.unwrap();
    b.wait_bubble("visitor", &label).await;

    // Hand-off: the demo hands off to the Salesforce emulator (MIAW) after a pre-chat form;
    // nothing is requested before it is submitted. Cancelling it goes back to the bot.
    let input = b.widget(".cw-input").await;
    input.send_keys("talk to a human").await.unwrap();
    input
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    b.wait_bubble("bot", "transfer you to one of our agents")
        .await;
    b.wait_js("handoff event", "return [...document.querySelectorAll('#event-log li')].some(li => li.textContent === 'handoff:requested')").await;
    b.widget("select[name=topic]").await;
    b.widget(".cw-pc-cancel").await.click().await.unwrap();
    b.wait_js(
        "pre-chat form closed",
        "return !document.querySelector('chat-widget').shadowRoot.querySelector('.cw-prechat')",
    )
    .await;

    // The launcher closes it again.
    b.widget(".cw-launcher").await.click().await.unwrap();
    b.wait_js(
        "closed",
        "return !document.querySelector('chat-widget').shadowRoot.querySelector('.cw-window')",
    )
    .await;
    b.close().await;
}

#[tokio::test]
async fn widget_served_from_another_origin_with_calls_queued_before_load() {
    // The "CDN" (127.0.0.1) and the shop (localhost) are different origins.
    let cdn = serve(dist(), "127.0.0.1").await;
    let page_dir = temp_dir("crossorigin");
    let port_page = serve(page_dir.clone(), "localhost").await;
    std::fs::write(
        page_dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body>
<h1>Another shop</h1>
<script>window.ChatWidgetConfig = {{ "title": "Cross-origin shop", "bot": {{ "type": "demo" }} }};</script>
<script src="{cdn}/widget/chat-widget.js"></script>
<script>
  window.seen = [];
  ChatWidget.on("message", function (m) {{ window.seen.push(m.author + ":" + m.text); }});
  window.readyBeforeCalls = ChatWidget.isReady();
  ChatWidget.open();
  ChatWidget.send("Which payment methods do you accept?");
</script></body></html>"#
        ),
    )
    .unwrap();
    let b = Browser::start().await;
    b.client
        .goto(&format!("{port_page}/index.html"))
        .await
        .unwrap();
    assert_eq!(
        b.js("return window.readyBeforeCalls").await,
        serde_json::json!(false),
        "the calls were made before the wasm loaded"
    );
    b.wait_bubble("visitor", "Which payment methods").await;
    b.wait_bubble("bot", "PayPal").await;
    let title = b.widget(".cw-title").await.text().await.unwrap();
    assert_eq!(title, "Cross-origin shop");
    b.wait_js(
        "message events",
        "return window.seen.some(s => s.startsWith('bot:') && s.includes('PayPal'))",
    )
    .await;
    b.close().await;
    let _ = std::fs::remove_dir_all(page_dir);
}

#[tokio::test]
async fn unreachable_configuration_is_reported_and_the_page_keeps_working() {
    let site = serve(dist(), "127.0.0.1").await;
    let page_dir = temp_dir("badconfig");
    let page = serve(page_dir.clone(), "localhost").await;
    std::fs::write(
        page_dir.join("index.html"),
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<script src="{site}/widget/chat-widget.js" data-config-url="/missing-config.json"></script>
<script>ChatWidget.open(); window.pageStillRuns = true;</script></body></html>"#
        ),
    )
    .unwrap();
    let b = Browser::start().await;
    b.client.goto(&format!("{page}/index.html")).await.unwrap();
    assert_eq!(
        b.js("return window.pageStillRuns").await,
        serde_json::json!(true)
    );
    let notice = b.widget(".cw-notice").await.text().await.unwrap();
    assert!(
        notice.contains("could not load the configuration"),
        "{notice}"
    );
    assert!(notice.contains("HTTP 404"), "{notice}");
    b.close().await;
    let _ = std::fs::remove_dir_all(page_dir);
}
