//! Scripted, deterministic faults of the control API.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn fail_next_requests_of_a_route() {
    let e = start().await;
    let jwt = e.jwt().await;
    e.control("POST", "/control/faults/fail", json!({"path": "/iamessage/api/v2/conversation", "method": "POST", "status": 503, "count": 2})).await;
    let create = || {
        e.miaw(Method::POST, "/conversation", &jwt)
            .json(&json!({"esDeveloperName": ES, "conversationId": uuid()}))
            .send()
    };
    for _ in 0..2 {
        let r = create().await.unwrap();
        assert_eq!(r.status(), 503);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], 503);
        assert!(v["message"].as_str().unwrap().contains("Scripted fault"));
    }
    assert_eq!(create().await.unwrap().status(), 201);
    // GET on a matching path is not affected when a method is given; wildcard segments work.
    let conv = e.create_conv(&jwt).await;
    e.control("POST", "/control/faults/fail", json!({"path": "/iamessage/api/v2/conversation/*/message", "status": 500, "message": "boom"})).await;
    let r = e
        .miaw(Method::GET, &format!("/conversation/{conv}"), &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (st, _) = e.send_text(&jwt, &conv, "x").await;
    assert_eq!(st, 500);
    let (st, _) = e.send_text(&jwt, &conv, "x").await;
    assert_eq!(st, 202);
    // Live Agent routes fail with plain-text bodies.
    let mut s = e.la_session().await;
    e.control(
        "POST",
        "/control/faults/fail",
        json!({"path": "/chat/rest/System/Messages", "status": 500}),
    )
    .await;
    let r = e
        .la(Method::GET, "System/Messages?ack=-1", &s)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 204);
    let faults = e.control("GET", "/control/faults", Value::Null).await;
    assert_eq!(faults["fail"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn fault_validation() {
    let e = start().await;
    for body in [
        json!({"status": 500}),
        json!({"path": "x", "status": 500}),
        json!({"path": "/a", "status": 200}),
        json!({"path": "/a"}),
    ] {
        assert_eq!(
            e.control_raw("POST", "/control/faults/fail", body)
                .await
                .status(),
            400
        );
    }
    assert_eq!(
        e.control_raw("POST", "/control/faults/latency", json!({"path": "/a"}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw("POST", "/control/faults/sse-drop", json!({}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw(
            "POST",
            "/control/faults/routing-failure",
            json!({"failureType": "None"})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        e.control_raw(
            "POST",
            "/control/faults/stall-poll",
            json!({"sessionId": "nope"})
        )
        .await
        .status(),
        404
    );
    let r = e
        .http
        .post(e.url("/control/faults/fail"))
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].is_string());
}

#[tokio::test]
async fn latency_is_applied_and_consumed() {
    let e = start().await;
    let jwt = e.jwt().await;
    e.control(
        "POST",
        "/control/faults/latency",
        json!({"path": "/iamessage/api/v2/conversation/list", "ms": 50, "count": 2}),
    )
    .await;
    let f = e.control("GET", "/control/faults", Value::Null).await;
    assert_eq!(f["latency"][0]["remaining"], 2);
    for _ in 0..2 {
        let r = e
            .miaw(Method::GET, "/conversation/list", &jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let f = e.control("GET", "/control/faults", Value::Null).await;
    assert_eq!(f["latency"].as_array().unwrap().len(), 0);
    // Without count the latency stays until cleared.
    e.control(
        "POST",
        "/control/faults/latency",
        json!({"path": "/iamessage", "ms": 1}),
    )
    .await;
    e.miaw(Method::GET, "/conversation/list", &jwt)
        .send()
        .await
        .unwrap();
    let f = e.control("GET", "/control/faults", Value::Null).await;
    assert_eq!(f["latency"].as_array().unwrap().len(), 1);
    e.control("DELETE", "/control/faults", Value::Null).await;
    let f = e.control("GET", "/control/faults", Value::Null).await;
    assert_eq!(f["latency"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn expire_tokens() {
    let e = start().await;
    let jwt = e.jwt().await;
    let v = e
        .control("POST", "/control/faults/expire-tokens", json!({}))
        .await;
    assert_eq!(v["expired"], 1);
    let r = e
        .miaw(Method::GET, "/conversation/list", &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["message"], "Jwt is expired");
    let r = e
        .http
        .get(e.url("/eventrouter/v1/sse"))
        .bearer_auth(&jwt)
        .header("X-Org-Id", ORG)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let fresh = e.jwt().await;
    assert_eq!(
        e.miaw(Method::GET, "/conversation/list", &fresh)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn short_token_lifetime_expires() {
    let mut cfg = test_config();
    cfg.token_lifetime = Duration::from_secs(1);
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    // exp is in whole seconds: wait until it has certainly passed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = e
        .miaw(Method::GET, "/conversation/list", &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["message"], "Jwt is expired");
}

#[tokio::test]
async fn sse_drop_after_n_events_and_resume() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let mut sse = e.sse(&jwt, None).await;
    e.control(
        "POST",
        "/control/faults/sse-drop",
        json!({"afterEvents": 2}),
    )
    .await;
    for t in ["a", "b", "c"] {
        e.send_text(&jwt, &conv, t).await;
    }
    let f1 = sse.next_event().await.unwrap();
    let f2 = sse.next_event().await.unwrap();
    assert!(
        sse.next_event().await.is_none(),
        "stream must end after 2 events"
    );
    assert!(sse.ended);
    // Reconnect from the last id: the third message arrives, nothing is lost or repeated.
    let mut sse = e.sse(&jwt, f2.id.as_deref()).await;
    let f3 = sse.next_event().await.unwrap();
    let text = |f: &Frame| {
        f.payload()["abstractMessage"]["staticContent"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!([text(&f1), text(&f2), text(&f3)], ["a", "b", "c"]);
    // The fault fired once.
    e.send_text(&jwt, &conv, "d").await;
    assert_eq!(text(&sse.next_event().await.unwrap()), "d");
}

#[tokio::test]
async fn sse_drop_zero_closes_open_stream() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    e.control(
        "POST",
        "/control/faults/sse-drop",
        json!({"afterEvents": 0}),
    )
    .await;
    assert!(sse.next_frame(Duration::from_secs(5)).await.is_none());
    assert!(sse.ended);
}

#[tokio::test]
async fn routing_failure() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    e.control("POST", "/control/faults/routing-failure", json!({}))
        .await;
    let conv = e.create_conv(&jwt).await;
    let f = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(f.payload()["failureType"], "RoutingError");
    assert!(f.payload()["failureReason"].is_string());
    let v: Value = e
        .miaw(Method::GET, &format!("/conversation/{conv}"), &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["routingStatus"], "NEEDS_ROUTING");
    // Next conversation routes normally.
    e.create_conv(&jwt).await;
    let f = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    assert_eq!(f.payload()["failureType"], "None");
}

#[tokio::test]
async fn stalled_poll_then_recovery() {
    let e = start().await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    e.control(
        "POST",
        "/control/faults/stall-poll",
        json!({"sessionId": s.id}),
    )
    .await;
    // The client gives up after its own timeout (clientPollTimeout in real life).
    let r = e
        .la(Method::GET, "System/Messages?ack=-1", &s)
        .timeout(Duration::from_millis(1500))
        .send()
        .await;
    assert!(r.is_err(), "stalled poll must not answer");
    // The retry is not a duplicate poll and gets the pending message.
    let (st, msgs) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    assert_eq!(msgs[0]["type"], "ChatRequestSuccess");
}

#[tokio::test]
async fn global_stall_and_clear() {
    let e = start().await;
    let s = e.la_session().await;
    e.control("POST", "/control/faults/stall-poll", json!({"count": 1}))
        .await;
    assert_eq!(
        e.control("GET", "/control/faults", Value::Null).await["stallPolls"],
        1
    );
    e.control("DELETE", "/control/faults", Value::Null).await;
    let r = e
        .la(Method::GET, "System/Messages?ack=-1", &s)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

fn msg_text(f: &Frame) -> String {
    f.payload()["abstractMessage"]["staticContent"]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn sse_stall_sends_nothing_and_a_reconnect_gets_the_events() {
    let mut cfg = test_config();
    cfg.sse_ping_interval = Duration::from_millis(100);
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let routed = sse.expect("CONVERSATION_ROUTING_RESULT").await;
    // The stream is alive: pings flow.
    let f = sse.next_frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(f.event.as_deref(), Some("ping"));
    let v = e
        .control("POST", "/control/faults/sse-stall", json!({}))
        .await;
    assert_eq!(v["stalledStreams"], 1);
    assert_eq!(
        e.control("GET", "/control/faults", Value::Null).await["sseStalled"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for t in ["a", "b"] {
        assert_eq!(e.send_text(&jwt, &conv, t).await.0, 202);
    }
    // Nothing at all (no event, no ping) for many ping intervals, and the stream stays open.
    assert!(sse.next_frame(Duration::from_millis(800)).await.is_none());
    assert!(!sse.ended, "a stalled stream is not closed");
    // New connections are normal; a reconnect with Last-Event-Id gets the missed events.
    let mut again = e.sse(&jwt, routed.id.as_deref()).await;
    let texts = [
        msg_text(&again.next_event().await.unwrap()),
        msg_text(&again.next_event().await.unwrap()),
    ];
    assert_eq!(texts, ["a", "b"]);
    let f = again.next_frame(Duration::from_secs(5)).await.unwrap();
    assert_eq!(f.event.as_deref(), Some("ping"));
    // It fired once: the new stream keeps receiving, the stalled one still gets nothing.
    e.send_text(&jwt, &conv, "c").await;
    assert_eq!(msg_text(&again.next_event().await.unwrap()), "c");
    assert!(sse.next_frame(Duration::from_millis(300)).await.is_none());
    // Clearing the faults resumes the stalled stream with what it missed.
    e.control("DELETE", "/control/faults", Value::Null).await;
    let resumed: Vec<String> = [
        sse.next_event().await.unwrap(),
        sse.next_event().await.unwrap(),
        sse.next_event().await.unwrap(),
    ]
    .iter()
    .map(msg_text)
    .collect();
    assert_eq!(resumed, ["a", "b", "c"]);
}

#[tokio::test]
async fn sse_stall_of_one_conversation() {
    let e = start().await;
    let (a, b) = (e.jwt().await, e.jwt().await);
    let (mut sse_a, mut sse_b) = (e.sse(&a, None).await, e.sse(&b, None).await);
    let conv_a = e.create_conv(&a).await;
    let conv_b = e.create_conv(&b).await;
    sse_a.expect("CONVERSATION_ROUTING_RESULT").await;
    sse_b.expect("CONVERSATION_ROUTING_RESULT").await;
    let v = e
        .control(
            "POST",
            "/control/faults/sse-stall",
            json!({"conversationId": conv_a}),
        )
        .await;
    assert_eq!(v["stalledStreams"], 1);
    e.send_text(&a, &conv_a, "to a").await;
    e.send_text(&b, &conv_b, "to b").await;
    assert_eq!(msg_text(&sse_b.next_event().await.unwrap()), "to b");
    assert!(sse_a.next_frame(Duration::from_millis(500)).await.is_none());
    let r = e
        .control_raw(
            "POST",
            "/control/faults/sse-stall",
            json!({"conversationId": "nope"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    // A reset ends stalled streams too.
    e.control("POST", "/control/reset", Value::Null).await;
    assert!(sse_a.next_frame(Duration::from_secs(5)).await.is_none());
    assert!(sse_a.ended);
}

#[tokio::test]
async fn truncate_replay_keeps_the_last_n_once() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    for t in ["a", "b", "c"] {
        e.send_text(&jwt, &conv, t).await;
    }
    let r = e
        .control_raw("POST", "/control/faults/truncate-replay", json!({}))
        .await;
    assert_eq!(r.status(), 400);
    e.control(
        "POST",
        "/control/faults/truncate-replay",
        json!({"keep": 1}),
    )
    .await;
    assert_eq!(
        e.control("GET", "/control/faults", Value::Null).await["truncateReplay"],
        1
    );
    // A connect without anything to replay does not use it up.
    let live = e.sse(&jwt, None).await;
    drop(live);
    let mut sse = e.sse(&jwt, Some("0")).await;
    let f = sse.next_event().await.unwrap();
    assert_eq!((f.id.as_deref(), msg_text(&f).as_str()), (Some("4"), "c"));
    e.send_text(&jwt, &conv, "d").await;
    assert_eq!(msg_text(&sse.next_event().await.unwrap()), "d");
    drop(sse);
    // Fired once: the next replay is complete.
    assert!(e.control("GET", "/control/faults", Value::Null).await["truncateReplay"].is_null());
    let mut sse = e.sse(&jwt, Some("0")).await;
    assert_eq!(
        sse.next_event().await.unwrap().event.as_deref(),
        Some("CONVERSATION_ROUTING_RESULT")
    );
    // Cleared by DELETE /control/faults.
    e.control(
        "POST",
        "/control/faults/truncate-replay",
        json!({"keep": 0}),
    )
    .await;
    e.control("DELETE", "/control/faults", Value::Null).await;
    let mut sse = e.sse(&jwt, Some("3")).await;
    assert_eq!(msg_text(&sse.next_event().await.unwrap()), "c");
}

#[tokio::test]
async fn silent_agent_end() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let c = |p: &str| format!("/control/conversations/{conv}/{p}");
    e.control("POST", &c("accept"), json!({"agentId": JANE}))
        .await;
    sse.expect("CONVERSATION_PARTICIPANT_CHANGED").await;
    let r = e
        .control_raw("POST", &c("end"), json!({"silent": "yes"}))
        .await;
    assert_eq!(r.status(), 400);
    let v = e
        .control("POST", &c("end"), json!({"agentId": JANE, "silent": true}))
        .await;
    assert_eq!(v["status"], "ended");
    let f = sse.next_event().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("CONVERSATION_PARTICIPANT_CHANGED"));
    assert_eq!(f.payload()["entries"][0]["operation"], "remove");
    // Nothing else was sent: the next event is the marker published after the end.
    e.control(
        "POST",
        &c("raw"),
        json!({"event": "MARKER", "entryType": "Marker"}),
    )
    .await;
    assert_eq!(
        sse.next_event().await.unwrap().event.as_deref(),
        Some("MARKER")
    );
    // Everything else as a normal end: 417, then a new session is routed again.
    assert_eq!(e.send_text(&jwt, &conv, "hello?").await.0, 417);
    let r = e.send_new_session(&jwt, &conv, "again").await;
    assert_eq!(r.status(), 202);
    sse.expect("CONVERSATION_ROUTING_RESULT").await;
    // The next end is a normal one again.
    e.control("POST", &c("accept"), json!({"agentId": JANE}))
        .await;
    e.control("POST", &c("end"), json!({})).await;
    sse.expect("CONVERSATION_SESSION_STATUS_CHANGED").await;
    // Live Agent chats have no silent end.
    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    let r = e
        .control_raw(
            "POST",
            &format!("/control/conversations/{}/end", s.id),
            json!({"silent": true}),
        )
        .await;
    assert_eq!(r.status(), 400);
}
