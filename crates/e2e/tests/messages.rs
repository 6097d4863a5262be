//! Every hand-off situation shows exactly the site owner's text: the configuration overrides
//! every catalogue key with a recognisable text, and each situation is produced for real
//! (emulator + relay). Also: an RTL language renders mirrored.

use std::time::Duration;

use chat_core::MsgKey;
use e2e::{config_page, dist, page_site, relay, serve, write_page, Browser, Control};
use serde_json::{json, Map, Value};

/// `«key» {{placeholder}}...` for every key: recognisable, and showing every placeholder.
fn overrides() -> Value {
    let mut m = Map::new();
    for k in MsgKey::ALL {
        let mut t = format!("«{}»", k.name());
        for p in k.placeholders() {
            t.push_str(&format!(" {p}=[{{{{{p}}}}}]"));
        }
        m.insert(k.name().to_string(), Value::String(t));
    }
    json!({ "en": m })
}

/// What an overridden key renders to with these arguments.
fn custom(key: MsgKey, args: &[(&str, &str)]) -> String {
    let mut t = format!("«{}»", key.name());
    for p in key.placeholders() {
        let v = args.iter().find(|(n, _)| n == p).map_or("", |(_, v)| v);
        t.push_str(&format!(" {p}=[{v}]"));
    }
    t
}

async fn emulator(poll_secs: u64) -> (sf_emulator::RunningEmulator, Control) {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig {
        long_poll_timeout: Duration::from_secs(poll_secs),
        client_poll_timeout_secs: 10,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = Control(emu.base_url());
    (emu, c)
}

async fn live_chat_page(emu: &str, extra: Value) -> (Browser, String) {
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, origin) = page_site("localhost").await;
    let relay = relay(emu, std::slice::from_ref(&origin)).await;
    let mut handoff = json!({
        "liveChat": {
            "endpoint": relay,
            "organizationId": "00D5e000000AbCd",
            "deploymentId": "5725e000000AbCd",
            "buttonId": "5735e000000AbCd"
        },
        "prechat": false
    });
    if let (Value::Object(h), Value::Object(e)) = (&mut handoff, extra) {
        h.extend(e);
    }
    let config =
        json!({"openOnLoad": true, "language": "en", "messages": overrides(), "handoff": handoff});
    write_page(&dir, &cdn, &config, "");
    let b = Browser::start().await;
    let page = format!("{origin}/index.html");
    b.client.goto(&page).await.unwrap();
    (b, page)
}

/// The exact texts of the system lines.
async fn system(b: &Browser) -> Vec<String> {
    b.bubbles("system").await
}

async fn wait_exact(b: &Browser, kind: &str, text: &str) {
    for _ in 0..150 {
        if b.bubbles(kind).await.iter().any(|t| t == text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no {kind} line exactly {text:?}; have {:?}",
        b.bubbles(kind).await
    );
}

#[tokio::test]
async fn live_chat_situations_show_the_custom_texts() {
    let (emu, control) = emulator(2).await;
    // No agent available: the availability check says no.
    for a in ["Jane", "Mark"] {
        control
            .put(&format!("/agents/{a}"), json!({"available": false}))
            .await;
    }
    let (b, _) = live_chat_page(&emu.base_url(), json!({})).await;
    // The bot's own texts are overridden too.
    b.type_and_send("talk to a human").await;
    wait_exact(&b, "bot", &custom(MsgKey::HandoffUtterance, &[])).await;
    wait_exact(&b, "system", &custom(MsgKey::NoAgentAvailable, &[])).await;
    // The "start a new chat" button.
    let restart = b.widget(".cw-restart").await;
    assert_eq!(
        restart.text().await.unwrap(),
        custom(MsgKey::StartNewChat, &[])
    );
    restart.click().await.unwrap();

    // Request failed, with the readable (overridden) reason.
    for a in ["Jane", "Mark"] {
        control
            .put(&format!("/agents/{a}"), json!({"available": true}))
            .await;
    }
    control
        .post(
            "/faults/chat-request-fail",
            json!({"reason": "InternalFailure"}),
        )
        .await;
    b.type_and_send("talk to a human").await;
    let reason = custom(
        MsgKey::ReasonInternalFailure,
        &[("code", "InternalFailure")],
    );
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::ChatRequestFailed, &[("reason", &reason)]),
    )
    .await;
    b.widget(".cw-restart").await.click().await.unwrap();

    // Queue position and wait estimate (one line), updated in place; agent joined; transfer;
    // agent ended.
    control
        .put("/queue", json!({"position": 4, "estimatedWaitTime": 45}))
        .await;
    b.type_and_send("talk to a human").await;
    let wait45 = "45 seconds";
    let queue = |p: &str, w: &str| {
        format!(
            "{}\n{}",
            custom(MsgKey::QueuePosition, &[("position", p)]),
            custom(MsgKey::EstimatedWait, &[("wait", w)])
        )
    };
    wait_exact(&b, "system", &queue("4", wait45)).await;
    let id = control.wait_conversation().await;
    control
        .put("/queue", json!({"position": 2, "estimatedWaitTime": 45}))
        .await;
    wait_exact(&b, "system", &queue("2", wait45)).await;
    assert!(
        !system(&b).await.contains(&queue("4", wait45)),
        "updated in place"
    );
    control.accept(&id, "Jane").await;
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::AgentJoined, &[("agentName", "Jane")]),
    )
    .await;
    control
        .post(
            &format!("/conversations/{id}/transfer"),
            json!({"toAgentId": "Mark"}),
        )
        .await;
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::TransferredToAgent, &[("agentName", "Mark")]),
    )
    .await;
    control
        .post(
            &format!("/conversations/{id}/end"),
            json!({"agentId": "Mark"}),
        )
        .await;
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::AgentEnded, &[("agentName", "Mark")]),
    )
    .await;
    b.widget(".cw-restart").await.click().await.unwrap();

    // The visitor ends a chat.
    b.type_and_send("talk to a human").await;
    let id2 = control
        .wait_new_conversation(std::slice::from_ref(&id))
        .await;
    control.accept(&id2, "Jane").await;
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::AgentJoined, &[("agentName", "Jane")]),
    )
    .await;
    let end = b.widget(".cw-end").await;
    assert_eq!(
        end.attr("aria-label").await.unwrap().as_deref(),
        Some(custom(MsgKey::EndConversationLabel, &[]).as_str())
    );
    end.click().await.unwrap();
    wait_exact(&b, "system", &custom(MsgKey::VisitorEnded, &[])).await;
    b.close().await;
    emu.shutdown().await;
}

#[tokio::test]
async fn wait_timeout_and_connection_lines_show_the_custom_texts() {
    let (emu, control) = emulator(30).await;
    let cdn = serve(dist(), "127.0.0.1").await;
    let config = json!({
        "openOnLoad": true,
        "language": "en",
        "messages": overrides(),
        "handoff": {
            "miaw": {"url": emu.base_url(), "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
            "prechat": false,
            "waitTimeoutSeconds": 10
        }
    });
    let page = config_page(&cdn, "localhost", &config, "").await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.type_and_send("talk to a human").await;
    let id = control.wait_conversation().await;
    // Nobody accepts for 10 s: the wait-timeout offer with its two choices.
    for _ in 0..200 {
        if system(&b)
            .await
            .iter()
            .any(|t| t.starts_with("«waitTimeout»"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = system(&b)
        .await
        .into_iter()
        .find(|t| t.starts_with("«waitTimeout»"));
    assert!(line.is_some(), "{:?}", system(&b).await);
    let choices: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-quick-reply')].map(e => e.textContent)").await,
    )
    .unwrap();
    assert_eq!(
        choices,
        [
            custom(MsgKey::WaitTimeoutKeepWaiting, &[]),
            custom(MsgKey::WaitTimeoutLeave, &[])
        ]
    );
    b.widget(".cw-quick-reply").await.click().await.unwrap();
    control.accept(&id, "Jane").await;
    wait_exact(
        &b,
        "system",
        &custom(MsgKey::AgentJoined, &[("agentName", "Jane")]),
    )
    .await;

    // The stream goes down and reconnecting keeps failing for a while: the connection line,
    // then the restored text in its place.
    control
        .post(
            "/faults/fail",
            json!({"path": "/eventrouter/v1/sse", "status": 503, "count": 4}),
        )
        .await;
    control
        .post("/faults/sse-drop", json!({"afterEvents": 0}))
        .await;
    let lost = format!(
        "{} {}",
        custom(MsgKey::ConnectionLost, &[]),
        custom(MsgKey::Reconnecting, &[])
    );
    wait_exact(&b, "system", &lost).await;
    for _ in 0..300 {
        if system(&b)
            .await
            .iter()
            .any(|t| *t == custom(MsgKey::ConnectionRestored, &[]))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let lines = system(&b).await;
    assert!(
        lines.contains(&custom(MsgKey::ConnectionRestored, &[])),
        "{lines:?}"
    );
    assert!(
        !lines.contains(&lost),
        "the restored text replaced the lost line: {lines:?}"
    );
    b.close().await;
    emu.shutdown().await;
}

#[tokio::test]
async fn arabic_renders_right_to_left_mirrored() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let page = config_page(
        &cdn,
        "localhost",
        &json!({"openOnLoad": true, "language": "ar"}),
        "",
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.type_and_send("مرحبا").await;
    let geometry = b
        .wait_js(
            "both bubbles",
            "const r = document.querySelector('chat-widget').shadowRoot;
             const root = r.querySelector('[dir]');
             const bot = r.querySelector('.cw-msg--bot .cw-bubble');
             const me = r.querySelector('.cw-msg--visitor .cw-bubble');
             if (!bot || !me) return null;
             return {dir: root.getAttribute('dir'), direction: getComputedStyle(me).direction,
                     botLeft: bot.getBoundingClientRect().left, meLeft: me.getBoundingClientRect().left};",
        )
        .await;
    assert_eq!(geometry["dir"], json!("rtl"), "{geometry}");
    assert_eq!(geometry["direction"], json!("rtl"), "{geometry}");
    assert!(
        geometry["meLeft"].as_f64().unwrap() < geometry["botLeft"].as_f64().unwrap(),
        "the visitor's bubble is on the left in RTL: {geometry}"
    );
    b.close().await;
}
