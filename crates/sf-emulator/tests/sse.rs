//! MIAW SSE: auth, framing, every event type, entryPayload as a string, replay, pings, golden files.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn sse_requires_authorization_and_org_id() {
    let e = start().await;
    let jwt = e.jwt().await;
    let url = e.url("/eventrouter/v1/sse");
    let r = e
        .http
        .get(&url)
        .header("X-Org-Id", ORG)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "Unauthorized");
    assert_eq!(v["path"], "/eventrouter/v1/sse");
    assert_eq!(v["status"], 401);
    let r = e.http.get(&url).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // The 18-character org id is refused in X-Org-Id.
    let r = e
        .http
        .get(&url)
        .bearer_auth(&jwt)
        .header("X-Org-Id", format!("{ORG}EAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("OrgId"));
    let r = e
        .http
        .get(&url)
        .bearer_auth(&jwt)
        .header("X-Org-Id", "00D000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn sse_framing_and_envelope() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let f = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    // id, event and data lines, blank-line terminated.
    assert!(f.raw.starts_with("id: "), "{:?}", f.raw);
    assert!(f.raw.ends_with("\n\n"));
    assert_eq!(f.raw.lines().filter(|l| l.starts_with("data: ")).count(), 1);
    let env = f.json();
    assert_eq!(env["channelType"], "embedded_messaging");
    assert_eq!(env["conversationId"], conv);
    assert_eq!(
        env["channelAddressIdentifier"],
        sf_emulator::DEFAULT_CHANNEL_ADDRESS_ID
    );
    assert!(env["channelPlatformKey"]
        .as_str()
        .unwrap()
        .starts_with("v2/iamessage/UNAUTH/NA/uid:"));
    let entry = &env["conversationEntry"];
    assert!(
        entry["entryPayload"].is_string(),
        "entryPayload must be a JSON string"
    );
    let p = f.payload();
    assert_eq!(p["entryType"], "RoutingResult");
    assert_eq!(p["routingType"], "Initial");
    assert_eq!(p["failureType"], "None");
    assert_eq!(p["estimatedWaitTime"]["estimatedWaitTimeInSeconds"], 45);
    // The end user's own message is echoed with the client's id.
    let (_, mid) = e.send_text(&jwt, &conv, "Hello").await;
    let f = sse.expect("CONVERSATION_MESSAGE").await;
    let env = f.json();
    assert_eq!(env["conversationEntry"]["identifier"], mid);
    assert_eq!(env["conversationEntry"]["sender"]["role"], "EndUser");
    assert_eq!(
        f.payload()["abstractMessage"]["staticContent"]["text"],
        "Hello"
    );
}

#[tokio::test]
async fn ids_increase_and_replay_from_last_event_id() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    for t in ["a", "b", "c"] {
        e.send_text(&jwt, &conv, t).await;
    }
    // Connect with Last-Event-Id 0: everything is replayed in order.
    let mut sse = e.sse(&jwt, Some("0")).await;
    let mut frames = Vec::new();
    for _ in 0..4 {
        frames.push(sse.next_event().await.unwrap());
    }
    let ids: Vec<u64> = frames
        .iter()
        .map(|f| f.id.as_ref().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(
        frames[0].event.as_deref(),
        Some("CONVERSATION_ROUTING_RESULT")
    );
    let texts: Vec<String> = frames[1..]
        .iter()
        .map(|f| {
            f.payload()["abstractMessage"]["staticContent"]["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts, ["a", "b", "c"]);
    drop(sse);
    // Reconnect from the second event: only later events, none duplicated.
    let mut sse = e.sse(&jwt, Some(frames[1].id.as_ref().unwrap())).await;
    let f = sse.next_event().await.unwrap();
    assert_eq!(f.id, frames[2].id);
    let f = sse.next_event().await.unwrap();
    assert_eq!(f.id, frames[3].id);
    // Without Last-Event-Id only new events arrive.
    let mut fresh = e.sse(&jwt, None).await;
    e.send_text(&jwt, &conv, "d").await;
    let f = fresh.next_event().await.unwrap();
    assert_eq!(f.payload()["abstractMessage"]["staticContent"]["text"], "d");
    // lastEventId of a new token for the same subject is the latest id (continuation).
    let v: Value = e
        .miaw(
            Method::GET,
            "/authorization/continuation-access-token",
            &jwt,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["lastEventId"].as_str().unwrap(), f.id.unwrap());
}

#[tokio::test]
async fn events_are_per_subject() {
    let e = start().await;
    let a = e.jwt().await;
    let b = e.jwt().await;
    let mut sse_b = e.sse(&b, None).await;
    let conv_a = e.create_conv(&a).await;
    e.send_text(&a, &conv_a, "secret").await;
    let conv_b = e.create_conv(&b).await;
    let f = sse_b.next_event().await.unwrap();
    assert_eq!(f.json()["conversationId"], conv_b);
}

#[tokio::test]
async fn ping_events_keep_alive() {
    let mut cfg = test_config();
    cfg.sse_ping_interval = Duration::from_millis(200);
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let f = sse.next_frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(f.event.as_deref(), Some("ping"));
    assert!(f.id.is_some(), "every event carries an id");
    assert!(f.json()["timestamp"].is_u64());
    let g = sse.next_frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(g.event.as_deref(), Some("ping"));
}

#[tokio::test]
async fn agent_side_events() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let (_, mid) = e.send_text(&jwt, &conv, "Hello").await;
    let c = |p: &str| format!("/control/conversations/{conv}/{p}");
    e.control("POST", &c("accept"), json!({"agentId": JANE}))
        .await;
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    let p = f.payload();
    assert_eq!(p["entries"][0]["operation"], "add");
    assert_eq!(p["entries"][0]["displayName"], "Jane");
    assert_eq!(p["entries"][0]["participant"]["role"], "Agent");
    let f = sse.expect("CONVERSATION_DELIVERY_ACKNOWLEDGEMENT").await;
    assert_eq!(f.json()["conversationEntry"]["relatedRecords"][0], mid);
    assert_eq!(f.payload()["acknowledgedConversationEntryIdentifier"], mid);
    assert!(f.payload()["acknowledgementTimestamp"].is_u64());
    e.control("POST", &c("typing"), json!({"typing": true}))
        .await;
    let f = sse.expect("CONVERSATION_TYPING_STARTED_INDICATOR").await;
    assert_eq!(f.json()["conversationEntry"]["senderDisplayName"], "Jane");
    assert_eq!(f.json()["conversationEntry"]["sender"]["role"], "Agent");
    e.control("POST", &c("typing"), json!({"typing": false}))
        .await;
    sse.expect("CONVERSATION_TYPING_STOPPED_INDICATOR").await;
    e.control("POST", &c("messages"), json!({"text": "Hi Ada"}))
        .await;
    let f = sse.expect("CONVERSATION_READ_ACKNOWLEDGEMENT").await;
    assert_eq!(f.json()["conversationEntry"]["relatedRecords"][0], mid);
    let f = sse.expect("CONVERSATION_MESSAGE").await;
    assert_eq!(
        f.payload()["abstractMessage"]["staticContent"]["text"],
        "Hi Ada"
    );
    e.control(
        "POST",
        &c("choices"),
        json!({"text": "Pick", "formatType": "QuickReplies", "choices": ["Yes", "No"]}),
    )
    .await;
    let f = sse.expect("CONVERSATION_MESSAGE").await;
    let choices = &f.payload()["abstractMessage"]["choices"];
    assert_eq!(choices["formatType"], "QuickReplies");
    assert_eq!(choices["optionItems"][1]["titleItem"]["title"], "No");
    e.control(
        "POST",
        &c("files"),
        json!({"fileName": "a.txt", "mimeType": "text/plain", "contentBase64": "aGk="}),
    )
    .await;
    let f = sse.expect("CONVERSATION_MESSAGE").await;
    let sc = &f.payload()["abstractMessage"]["staticContent"];
    assert_eq!(sc["formatType"], "Attachments");
    let url = sc["attachments"][0]["url"].as_str().unwrap();
    assert_eq!(
        e.http.get(url).send().await.unwrap().text().await.unwrap(),
        "hi"
    );
    // Transfer: Jane leaves, routing result Transfer, Mark joins.
    e.control("POST", &c("transfer"), json!({"toAgentId": MARK}))
        .await;
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(f.payload()["entries"][0]["operation"], "remove");
    let f = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(f.payload()["routingType"], "Transfer");
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(f.payload()["entries"][0]["displayName"], "Mark");
    // Conference: Jane joins again.
    e.control("POST", &c("conference"), json!({"agentId": JANE}))
        .await;
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(f.payload()["entries"][0]["operation"], "add");
    e.control("POST", &c("leave"), json!({"agentId": JANE}))
        .await;
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(f.payload()["entries"][0]["operation"], "remove");
    // End: participant removed + session status changed.
    e.control("POST", &c("end"), json!({})).await;
    sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    let f = sse.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(f.payload()["entryType"], "SessionStatusChanged");
    // End user closes.
    e.miaw(
        Method::DELETE,
        &format!("/conversation/{conv}?esDeveloperName={ES}"),
        &jwt,
    )
    .send()
    .await
    .unwrap();
    let f = sse.expect("CONVERSATION_CLOSE_CONVERSATION").await;
    assert_eq!(f.json()["conversationId"], conv);
}

#[tokio::test]
async fn end_user_typing_echo_is_configurable() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    sse.expect("CONVERSATION_ROUTING_RESULT").await;
    e.miaw(Method::POST, &format!("/conversation/{conv}/entry"), &jwt)
        .json(&json!({"entryType": "TypingStartedIndicator", "id": uuid()}))
        .send()
        .await
        .unwrap();
    let f = sse.expect("CONVERSATION_TYPING_STARTED_INDICATOR").await;
    assert_eq!(f.json()["conversationEntry"]["sender"]["role"], "EndUser");

    let mut cfg = test_config();
    cfg.echo_end_user_typing = false;
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    sse.expect("CONVERSATION_ROUTING_RESULT").await;
    e.miaw(Method::POST, &format!("/conversation/{conv}/entry"), &jwt)
        .json(&json!({"entryType": "TypingStartedIndicator", "id": uuid()}))
        .send()
        .await
        .unwrap();
    e.send_text(&jwt, &conv, "x").await;
    assert_eq!(
        sse.next_event().await.unwrap().event.as_deref(),
        Some("CONVERSATION_MESSAGE")
    );
}
