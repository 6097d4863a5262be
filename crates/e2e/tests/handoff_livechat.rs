//! Live Chat hand-off end to end: widget → relay (`crates/livechat-relay`) → emulator, in
//! headless Chromium, with the agent driven through the emulator's control API.

use std::time::Duration;

use e2e::{livechat_page as setup, Control};
use serde_json::{json, Value};

async fn transcript_texts(control: &Control, id: &str, role: &str) -> Vec<String> {
    let t = control
        .get(&format!("/conversations/{id}/transcript"))
        .await;
    t.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"] == json!(role) && e["kind"] == json!("message"))
        .filter_map(|e| e["text"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn queue_agent_messages_typing_transfer_and_agent_end_through_the_relay() {
    let s = setup(json!({"fields": ["description"]}), json!({})).await;
    let (b, control) = (&s.b, &s.control);
    control
        .put("/queue", json!({"position": 3, "estimatedWaitTime": 120}))
        .await;
    b.type_and_send("talk to a human").await;
    b.widget("textarea[name=description]")
        .await
        .send_keys("Where is my refund?")
        .await
        .unwrap();
    b.widget(".cw-pc-submit").await.click().await.unwrap();
    let id = control.wait_conversation().await;
    let conv = control.get(&format!("/conversations/{id}")).await;
    assert_eq!(conv["visitorName"], json!("Ada"), "{conv:#}");
    assert!(
        conv["details"].to_string().contains("Where is my refund?"),
        "{conv:#}"
    );
    // Queue position and wait, then an update: one line, updated in place.
    b.wait_bubble("system", "You are in position: 3").await;
    b.wait_bubble("system", "Estimated wait time: about 2 minutes")
        .await;
    control
        .put("/queue", json!({"position": 1, "estimatedWaitTime": 30}))
        .await;
    b.wait_bubble("system", "You are in position: 1").await;
    let lines = b.bubbles("system").await;
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("You are in position"))
            .count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        b.wait_event("conversation:started").await["conversationId"],
        json!(id)
    );

    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    control
        .post(
            &format!("/conversations/{id}/typing"),
            json!({"typing": true}),
        )
        .await;
    b.wait_js(
        "agent typing",
        "return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-typing')?.textContent.includes('Jane')",
    )
    .await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "Hello Ada, Jane here."}),
        )
        .await;
    b.wait_bubble("agent", "Jane here.").await;
    // The visitor types: the agent sees typing and the sneak peek of the text.
    b.widget(".cw-input")
        .await
        .send_keys("Hi Jane")
        .await
        .unwrap();
    let mut seen = Value::Null;
    for _ in 0..150 {
        seen = control.get(&format!("/conversations/{id}")).await;
        if seen["visitorTyping"] == json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen["visitorTyping"], json!(true), "{seen:#}");
    b.type_and_send(", order 42").await;
    // The visitor's typing reached the agent console too (typing then sent).
    control
        .wait_transcript(&id, "the visitor message", |t| {
            t.iter().any(|e| e["text"] == json!("Hi Jane, order 42"))
        })
        .await;
    control
        .post(
            &format!("/conversations/{id}/transfer"),
            json!({"toAgentId": "Mark"}),
        )
        .await;
    b.wait_bubble("system", "You have been transferred to Mark.")
        .await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"agentId": "Mark", "text": "Mark now."}),
        )
        .await;
    b.wait_bubble("agent", "Mark now.").await;
    control
        .post(
            &format!("/conversations/{id}/end"),
            json!({"agentId": "Mark"}),
        )
        .await;
    b.wait_bubble("system", "The agent has ended the chat.")
        .await;
    b.widget(".cw-restart").await;
    assert_eq!(
        b.wait_event("conversation:closed").await["reason"],
        json!("agent")
    );
    assert_eq!(
        transcript_texts(control, &id, "EndUser").await,
        ["Hi Jane, order 42"]
    );
    s.b.close().await;
    s.emu.shutdown().await;
}

#[tokio::test]
async fn request_failure_reason_and_visitor_end() {
    let s = setup(json!(false), json!({})).await;
    let (b, control) = (&s.b, &s.control);
    control
        .post("/faults/chat-request-fail", json!({"reason": "Blocked"}))
        .await;
    b.type_and_send("talk to a human").await;
    b.wait_bubble("system", "Chat request failed. Reason:")
        .await;
    let line = b.wait_bubble("system", "Chat request failed").await;
    let blocked = chat_core::messages::default_text(chat_core::MsgKey::ReasonBlocked, "en");
    assert!(
        line.contains(blocked.split("{{").next().unwrap().trim()),
        "{line}"
    );
    b.widget(".cw-restart").await.click().await.unwrap();

    // A new chat; this time the visitor ends it.
    b.type_and_send("talk to a human").await;
    b.wait_bubble("system", "position").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    b.widget(".cw-end").await.click().await.unwrap();
    b.wait_bubble("system", "You have ended the chat.").await;
    for _ in 0..100 {
        let c = control.get(&format!("/conversations/{id}")).await;
        if c["status"] == json!("ended") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c = control.get(&format!("/conversations/{id}")).await;
    assert_eq!(c["status"], json!("ended"), "{c:#}");
    // No poll keeps running after the end.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let c = control.get(&format!("/conversations/{id}")).await;
    assert_eq!(c["visitorConnected"], json!(false), "{c:#}");
    s.b.close().await;
    s.emu.shutdown().await;
}

#[tokio::test]
async fn affinity_change_and_reload_mid_chat_lose_and_repeat_nothing() {
    let s = setup(json!(false), json!({})).await;
    let (b, control) = (&s.b, &s.control);
    b.type_and_send("talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    for i in 0..3 {
        control
            .post(
                &format!("/conversations/{id}/messages"),
                json!({"text": format!("agent #{i}")}),
            )
            .await;
        b.type_and_send(&format!("visitor #{i}")).await;
    }
    b.wait_bubble("agent", "agent #2").await;
    // The server moves the session (503 → ReconnectSession → resync) mid-chat.
    control.post("/faults/affinity-change", json!({})).await;
    for i in 3..6 {
        control
            .post(
                &format!("/conversations/{id}/messages"),
                json!({"text": format!("agent #{i}")}),
            )
            .await;
        b.type_and_send(&format!("visitor #{i}")).await;
    }
    b.wait_bubble("agent", "agent #5").await;
    // The page reloads mid-chat.
    b.client.goto(&s.page).await.unwrap();
    b.wait_bubble("agent", "agent #5").await;
    for i in 6..8 {
        control
            .post(
                &format!("/conversations/{id}/messages"),
                json!({"text": format!("agent #{i}")}),
            )
            .await;
        b.type_and_send(&format!("visitor #{i}")).await;
    }
    b.wait_bubble("agent", "agent #7").await;
    let expected: Vec<String> = (0..8).map(|i| format!("visitor #{i}")).collect();
    let got = control
        .wait_transcript(&id, "all 8 visitor messages", |t| {
            t.iter()
                .filter(|e| e["role"] == json!("EndUser") && e["kind"] == json!("message"))
                .count()
                >= 8
        })
        .await;
    let visitor: Vec<String> = got
        .iter()
        .filter(|e| e["role"] == json!("EndUser") && e["kind"] == json!("message"))
        .filter_map(|e| e["text"].as_str().map(str::to_string))
        .collect();
    assert_eq!(visitor, expected, "0 lost, 0 duplicated, in order");
    let agent = b.bubbles("agent").await;
    for i in 0..8 {
        let n = agent
            .iter()
            .filter(|t| **t == format!("agent #{i}"))
            .count();
        assert_eq!(n, 1, "agent #{i} shown {n} times: {agent:?}");
    }
    let shown = b.bubbles("visitor").await;
    for v in &expected {
        assert_eq!(
            shown.iter().filter(|t| *t == v).count(),
            1,
            "{v} in {shown:?}"
        );
    }
    s.b.close().await;
    s.emu.shutdown().await;
}
