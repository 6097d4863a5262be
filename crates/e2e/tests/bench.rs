//! Load-time benchmark (run by `cargo xtask bench`, ignored by `cargo test`): how long after
//! navigation the widget is ready, and how long `open()` takes to show the greeting. Prints
//! figures (measured in the page with `performance.now()`), asserts nothing about time.

use e2e::{dist, serve, temp_dir, Browser};

#[tokio::test]
#[ignore = "benchmark: run with `cargo xtask bench`"]
async fn widget_load_time() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let dir = temp_dir("bench");
    let page = serve(dir.clone(), "127.0.0.1").await;
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body><h1>Shop</h1>
<script src="{cdn}/widget/chat-widget.js"></script>
<script>
  ChatWidget.on("ready", function () {{
    window.readyAt = performance.now();
    var t0 = performance.now();
    ChatWidget.open();
    (function check() {{
      var h = document.querySelector("chat-widget");
      if (h && h.shadowRoot.querySelector(".cw-msg--bot")) window.greetingAfterOpen = performance.now() - t0;
      else requestAnimationFrame(check);
    }})();
  }});
</script></body></html>"#
        ),
    )
    .unwrap();
    let b = Browser::start().await;
    let (mut ready, mut shown) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        b.client.goto(&format!("{page}/index.html")).await.unwrap();
        let r = b.wait_js("ready", "return window.readyAt || null").await;
        let s = b
            .wait_js("greeting", "return window.greetingAfterOpen || null")
            .await;
        ready.push(r.as_f64().unwrap());
        shown.push(s.as_f64().unwrap());
        b.js("sessionStorage.clear(); return true").await;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!(
        "widget ready after navigation start (median of 15): {:.0} ms",
        median(&mut ready)
    );
    println!(
        "open() → greeting on screen (median of 15): {:.1} ms",
        median(&mut shown)
    );
    b.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Agent message → on the visitor's screen, through the real stack: the emulator's control
/// API → MIAW SSE (fetch streaming) or Live Chat long poll (through the relay) → core → Yew.
#[tokio::test]
#[ignore = "benchmark: run with `cargo xtask bench`"]
async fn agent_message_latency() {
    use e2e::{config_page, page_site, relay, write_page, Control};
    use serde_json::json;
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    // The page stamps each agent message when it is on screen (next animation frame).
    let stamp = "window.shown = {}; window.ChatWidget = []; ChatWidget.push(['on', 'message', function (m) { if (m.author === 'agent') requestAnimationFrame(function () { window.shown[m.text] = Date.now(); }); }]);";
    let miaw = config_page(
        &cdn,
        "localhost",
        &json!({"openOnLoad": true, "handoff": {"miaw": {"url": emu.base_url(), "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"}}}),
        stamp,
    )
    .await;
    let (dir, origin) = page_site("localhost").await;
    let relay = relay(&emu.base_url(), std::slice::from_ref(&origin)).await;
    write_page(
        &dir,
        &cdn,
        &json!({"openOnLoad": true, "handoff": {"liveChat": {"endpoint": relay, "organizationId": "00D5e000000AbCd", "deploymentId": "5725e000000AbCd", "buttonId": "5735e000000AbCd"}}}),
        stamp,
    );
    let live = format!("{origin}/index.html");
    let b = Browser::start().await;
    let mut known = Vec::new();
    for (api, page) in [
        ("MIAW (SSE over fetch)", miaw),
        ("Live Chat (long poll via relay)", live),
    ] {
        b.client.goto(&page).await.unwrap();
        b.type_and_send("talk to a human").await;
        let id = control.wait_new_conversation(&known).await;
        known.push(id.clone());
        control.accept(&id, "Jane").await;
        b.wait_bubble("system", "Jane has joined.").await;
        let mut latencies = Vec::new();
        for i in 0..20 {
            let text = format!("{api} #{i}");
            let sent = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as f64;
            control
                .post(
                    &format!("/conversations/{id}/messages"),
                    json!({"text": text}),
                )
                .await;
            let at = b
                .wait_js(
                    "on screen",
                    &format!("return window.shown[{text:?}] || null"),
                )
                .await;
            latencies.push(at.as_f64().unwrap() - sent);
        }
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "agent message → on screen, {api} (median of 20): {:.0} ms (max {:.0} ms)",
            latencies[10], latencies[19]
        );
        control
            .post(&format!("/conversations/{id}/end"), json!({}))
            .await;
        b.js("sessionStorage.clear(); return true").await;
    }
    b.close().await;
}
