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
