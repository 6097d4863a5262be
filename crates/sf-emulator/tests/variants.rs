//! Variants: one switch per point the spec marks "unconfirmed" (`EmulatorConfig.variants`,
//! `--variant KEY=VALUE`). The default must stay the historical behaviour.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use sf_emulator::{
    EmulatorConfig, EndMode, ErrorBody, EventIdFormat, ReplayMode, SessionStatusSignal, Variants,
};

fn with(variants: Variants) -> EmulatorConfig {
    EmulatorConfig {
        variants,
        ..test_config()
    }
}

/// A MIAW chat with Jane: (token, conversation id, open stream past Jane's join).
async fn chatting(e: &Emu) -> (String, String, Sse) {
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    sse.expect("CONVERSATION_ROUTING_RESULT").await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    let f = sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    assert_eq!(f.payload()["entries"][0]["operation"], "add");
    (jwt, conv, sse)
}

async fn agent_end(e: &Emu, conv: &str, body: Value) -> Value {
    e.control("POST", &format!("/control/conversations/{conv}/end"), body)
        .await
}

/// With `variants`: a chat with Jane, whom the agent console then ends; the stream is past
/// the `ParticipantChanged` remove. Returns (emulator, token, conversation id, stream).
async fn ended_by_the_agent(variants: Variants) -> (Emu, String, String, Sse) {
    let e = start_with(with(variants)).await;
    let (jwt, conv, mut sse) = chatting(&e).await;
    agent_end(&e, &conv, json!({})).await;
    remove_of(&next(&mut sse).await);
    (e, jwt, conv, sse)
}

/// The next non-ping frame, failing the test when the stream stays silent.
async fn next(sse: &mut Sse) -> Frame {
    sse.next_event().await.expect("an event")
}

fn remove_of(f: &Frame) {
    assert_eq!(f.event.as_deref(), Some("CONVERSATION_PARTICIPANT_CHANGED"));
    assert_eq!(f.payload()["entries"][0]["operation"], "remove");
}

/// Publish an unrelated marker event: whatever arrives before it was sent before it.
async fn marker(e: &Emu, conv: &str) {
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/raw"),
        json!({"event": "MARKER", "entryType": "Marker"}),
    )
    .await;
}

async fn status_of(e: &Emu, conv: &str) -> Value {
    e.control(
        "GET",
        &format!("/control/conversations/{conv}"),
        Value::Null,
    )
    .await["status"]
        .clone()
}

#[tokio::test]
async fn default_variants_are_the_historical_behaviour() {
    let e = start().await;
    assert_eq!(Variants::default(), test_config().variants);
    let st = e.control("GET", "/control/state", Value::Null).await;
    assert_eq!(
        st["variants"],
        json!({"session-status": "entry", "event-id": "numeric", "replay": "full", "error-body": "status", "end-mode": "session"})
    );
    // Numeric ids, "0" for a new subject.
    let tok = e.token().await;
    assert_eq!(tok["lastEventId"], "0");
    let jwt = tok["accessToken"].as_str().unwrap().to_string();
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let f = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(f.id.as_deref(), Some("1"));
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    // Agent end: remove, then the status in the entry payload; the conversation stays open.
    agent_end(&e, &conv, json!({})).await;
    remove_of(&next(&mut sse).await);
    let f = next(&mut sse).await;
    assert_eq!(
        f.event.as_deref(),
        Some("CONVERSATION_SESSION_STATUS_CHANGED")
    );
    let p = f.payload();
    assert_eq!(p["entryType"], "SessionStatusChanged");
    assert_eq!(p["changedStatus"], "Ended");
    assert_eq!(p["sessionStatus"], "Ended");
    assert!(f.json().get("sessionStatus").is_none());
    assert_eq!(status_of(&e, &conv).await, "ended");
    let (st, _) = e.send_text(&jwt, &conv, "hello?").await;
    assert_eq!(st, 417);
    // Spring-style error body.
    let r = e
        .miaw(Method::GET, "/conversation/list", "not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], 401);
    assert_eq!(v["error"], "Unauthorized");
    assert!(v["timestamp"].is_u64());
    assert!(v["message"].is_string());
}

#[tokio::test]
async fn session_status_top_level() {
    let (e, jwt, conv, mut sse) = ended_by_the_agent(Variants {
        session_status: SessionStatusSignal::Top,
        ..Default::default()
    })
    .await;
    let f = next(&mut sse).await;
    assert_eq!(
        f.event.as_deref(),
        Some("CONVERSATION_SESSION_STATUS_CHANGED")
    );
    let data = f.json();
    assert_eq!(data["sessionStatus"], "CLOSED");
    assert_eq!(data["conversationId"], conv);
    assert_eq!(
        data["conversationEntry"]["entryType"],
        "SessionStatusChanged"
    );
    let p = f.payload();
    assert_eq!(p.as_object().unwrap().len(), 2, "{p}");
    assert_eq!(p["entryType"], "SessionStatusChanged");
    assert!(p["id"].is_string());
    // The end user ending a new session gets the same shape.
    let r = e.send_new_session(&jwt, &conv, "again").await;
    assert_eq!(r.status(), 202);
    let r = e.end_session(&jwt, &conv).await;
    assert_eq!(r.status(), 204);
    let f = sse.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    assert_eq!(f.json()["sessionStatus"], "CLOSED");
    assert!(f.payload().get("sessionStatus").is_none());
}

#[tokio::test]
async fn session_status_as_entry_type_under_an_unknown_event_name() {
    let (e, jwt, conv, mut sse) = ended_by_the_agent(Variants {
        session_status: SessionStatusSignal::EntryType,
        ..Default::default()
    })
    .await;
    let f = next(&mut sse).await;
    assert_eq!(f.event.as_deref(), Some("CONVERSATION_ENTRY"));
    assert_eq!(
        f.json()["conversationEntry"]["entryType"],
        "SessionStatusChanged"
    );
    assert!(f.json().get("sessionStatus").is_none());
    let p = f.payload();
    assert_eq!(p["entryType"], "SessionStatusChanged");
    assert_eq!(p["status"], "inactive");
    assert!(p.get("sessionStatus").is_none() && p.get("changedStatus").is_none());
    // Still a normal session end.
    assert_eq!(e.send_text(&jwt, &conv, "x").await.0, 417);
}

#[tokio::test]
async fn session_status_absent() {
    let (e, jwt, conv, mut sse) = ended_by_the_agent(Variants {
        session_status: SessionStatusSignal::Absent,
        ..Default::default()
    })
    .await;
    marker(&e, &conv).await;
    assert_eq!(next(&mut sse).await.event.as_deref(), Some("MARKER"));
    assert_eq!(status_of(&e, &conv).await, "ended");
    assert_eq!(e.send_text(&jwt, &conv, "x").await.0, 417);
    // The history has no SessionStatusChanged entry either.
    let v: Value = e
        .miaw(
            Method::GET,
            &format!("/conversation/{conv}/entries?entryTypeFilter=SessionStatusChanged"),
            &jwt,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["conversationEntries"], json!([]));
}

fn ts_id(id: &str) -> (u64, u64) {
    let (ms, n) = id
        .split_once(':')
        .unwrap_or_else(|| panic!("not <ms>:<n>: {id}"));
    (ms.parse().unwrap(), n.parse().unwrap())
}

#[tokio::test]
async fn event_ids_as_timestamp_and_counter() {
    let mut cfg = with(Variants {
        event_id: EventIdFormat::Ts,
        ..Default::default()
    });
    cfg.sse_ping_interval = Duration::from_millis(300);
    let e = start_with(cfg).await;
    let tok = e.token().await;
    let (ms, n) = ts_id(tok["lastEventId"].as_str().unwrap());
    assert!(ms > 1_600_000_000_000, "{ms}");
    assert_eq!(n, 0);
    let jwt = tok["accessToken"].as_str().unwrap().to_string();
    let conv = e.create_conv(&jwt).await;
    for t in ["a", "b", "c"] {
        e.send_text(&jwt, &conv, t).await;
    }
    // Replay from the token's lastEventId: everything, with increasing counters.
    let mut sse = e.sse(&jwt, tok["lastEventId"].as_str()).await;
    let mut frames = Vec::new();
    for _ in 0..4 {
        frames.push(next(&mut sse).await);
    }
    let counters: Vec<u64> = frames
        .iter()
        .map(|f| ts_id(f.id.as_deref().unwrap()).1)
        .collect();
    assert_eq!(counters, [1, 2, 3, 4]);
    // A ping carries the last delivered id.
    let ping = sse.next_frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(ping.event.as_deref(), Some("ping"));
    assert_eq!(ping.id, frames[3].id);
    drop(sse);
    // Reconnect with a ts id: only the later events, in order.
    let mut sse = e.sse(&jwt, frames[1].id.as_deref()).await;
    assert_eq!(next(&mut sse).await.id, frames[2].id);
    assert_eq!(next(&mut sse).await.id, frames[3].id);
    // An unreadable id means live events only.
    let mut live = e.sse(&jwt, Some("1699999999999:x")).await;
    e.send_text(&jwt, &conv, "d").await;
    let f = next(&mut live).await;
    assert_eq!(f.payload()["abstractMessage"]["staticContent"]["text"], "d");
    assert_eq!(ts_id(f.id.as_deref().unwrap()).1, 5);
    // The continuation token reports the same id as the last event.
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
    assert_eq!(v["lastEventId"].as_str(), f.id.as_deref());
}

#[tokio::test]
async fn numeric_ids_understand_ts_shaped_last_event_ids() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    for t in ["a", "b"] {
        e.send_text(&jwt, &conv, t).await;
    }
    let mut sse = e.sse(&jwt, Some("1699999999999:2")).await;
    let f = next(&mut sse).await;
    assert_eq!(f.id.as_deref(), Some("3"));
}

async fn four_events(e: &Emu) -> (String, String) {
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    for t in ["a", "b", "c"] {
        e.send_text(&jwt, &conv, t).await;
    }
    (jwt, conv)
}

fn text(f: &Frame) -> String {
    f.payload()["abstractMessage"]["staticContent"]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn replay_none_ignores_last_event_id() {
    let e = start_with(with(Variants {
        replay: ReplayMode::None,
        ..Default::default()
    }))
    .await;
    let (jwt, conv) = four_events(&e).await;
    let mut sse = e.sse(&jwt, Some("0")).await;
    e.send_text(&jwt, &conv, "live").await;
    let f = next(&mut sse).await;
    assert_eq!(text(&f), "live");
    assert_eq!(f.id.as_deref(), Some("5"));
}

#[tokio::test]
async fn replay_last_n_leaves_a_gap() {
    let e = start_with(with(Variants {
        replay: ReplayMode::Last(2),
        ..Default::default()
    }))
    .await;
    let (jwt, conv) = four_events(&e).await;
    let mut sse = e.sse(&jwt, Some("0")).await;
    let f = next(&mut sse).await;
    assert_eq!((f.id.as_deref(), text(&f).as_str()), (Some("3"), "b"));
    let f = next(&mut sse).await;
    assert_eq!((f.id.as_deref(), text(&f).as_str()), (Some("4"), "c"));
    e.send_text(&jwt, &conv, "live").await;
    assert_eq!(text(&next(&mut sse).await), "live");
    drop(sse);
    // Fewer missed events than N: all of them.
    let mut sse = e.sse(&jwt, Some("4")).await;
    assert_eq!(text(&next(&mut sse).await), "live");
}

#[tokio::test]
async fn error_body_message_only() {
    let e = start_with(with(Variants {
        error_body: ErrorBody::MessageOnly,
        ..Default::default()
    }))
    .await;
    let r = e
        .miaw(Method::GET, "/conversation/list", "not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    assert!(v["message"].as_str().unwrap().contains("JWT"), "{v}");
    // SSE errors and scripted faults too.
    let r = e
        .http
        .get(e.url("/eventrouter/v1/sse"))
        .bearer_auth("x")
        .header("X-Org-Id", ORG)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    let jwt = e.jwt().await;
    e.control(
        "POST",
        "/control/faults/fail",
        json!({"path": "/iamessage/api/v2/conversation/list", "status": 503, "message": "busy"}),
    )
    .await;
    let r = e
        .miaw(Method::GET, "/conversation/list", &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"message": "busy"}));
    // Other APIs keep their shapes.
    let r = e
        .control_raw("GET", "/control/conversations/nope", Value::Null)
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "Not Found");
}

#[tokio::test]
async fn error_body_empty() {
    let e = start_with(with(Variants {
        error_body: ErrorBody::Empty,
        ..Default::default()
    }))
    .await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("content-type").is_none());
    assert_eq!(r.text().await.unwrap(), "");
    let r = e
        .miaw(Method::GET, "/conversation/list", "not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.text().await.unwrap(), "");
    // Live Agent errors keep their plain-text body.
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.unwrap().is_empty());
}

#[tokio::test]
async fn end_mode_conversation_closes_it() {
    let e = start_with(with(Variants {
        end_mode: EndMode::Conversation,
        ..Default::default()
    }))
    .await;
    let (jwt, conv, mut sse) = chatting(&e).await;
    let summary = agent_end(&e, &conv, json!({"agentId": "Jane"})).await;
    assert_eq!(summary["status"], "closed");
    remove_of(&next(&mut sse).await);
    let f = next(&mut sse).await;
    assert_eq!(
        f.event.as_deref(),
        Some("CONVERSATION_SESSION_STATUS_CHANGED")
    );
    let f = next(&mut sse).await;
    assert_eq!(f.event.as_deref(), Some("CONVERSATION_CLOSE_CONVERSATION"));
    assert_eq!(f.json()["conversationId"], conv);
    assert_eq!(f.payload()["entryType"], "CloseConversation");
    assert_eq!(f.payload()["conversationId"], conv);
    // A later message gets 400, even as a new session.
    let r = e.send_new_session(&jwt, &conv, "hello?").await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["message"], "Conversation is closed");
    let list: Value = e
        .miaw(Method::GET, "/conversation/list?inclClosedConvs=true", &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["openConversationsFound"], 0);
    assert_eq!(list["closedConversationsFound"], 1);
    assert!(list["conversations"][0]["endTimestamp"].is_u64());
    // With session-status absent: remove, then the close only.
    let (_e, _, _, mut sse) = ended_by_the_agent(Variants {
        end_mode: EndMode::Conversation,
        session_status: SessionStatusSignal::Absent,
        ..Default::default()
    })
    .await;
    assert_eq!(
        next(&mut sse).await.event.as_deref(),
        Some("CONVERSATION_CLOSE_CONVERSATION")
    );
}

#[tokio::test]
async fn end_mode_session_keeps_the_conversation() {
    let e = start().await;
    let (jwt, conv, mut sse) = chatting(&e).await;
    agent_end(&e, &conv, json!({})).await;
    remove_of(&next(&mut sse).await);
    sse.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    marker(&e, &conv).await;
    assert_eq!(next(&mut sse).await.event.as_deref(), Some("MARKER"));
    assert_eq!(e.send_text(&jwt, &conv, "x").await.0, 417);
}

#[tokio::test]
async fn binary_variant_flag() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .args([
            "--port",
            "0",
            "--variant",
            "session-status=top",
            "--variant",
            "replay=last:5",
            "--variant",
            "event-id=ts",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_string();
    let mut out = Vec::new();
    for _ in 0..7 {
        out.push(lines.next().unwrap().unwrap());
    }
    assert!(
        out.iter().any(|l| l.contains("variants:")
            && l.contains("session-status=top")
            && l.contains("replay=last:5")),
        "{out:?}"
    );
    let st: Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base}/control/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        st["variants"],
        json!({"session-status": "top", "event-id": "ts", "replay": "last:5", "error-body": "status", "end-mode": "session"})
    );
    for (arg, needle) in [
        ("colour=red", "session-status=entry|top|entry-type|absent"),
        ("end-mode=never", "session|conversation"),
        ("replay=last:many", "last:N"),
        ("replay", "KEY=VALUE"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
            .args(["--variant", arg])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{arg}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{arg}: {err}");
    }
}
