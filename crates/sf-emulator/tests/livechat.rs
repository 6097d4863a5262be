//! Live Agent chat REST API: sessions, chat requests, long-poll rules, visitor actions,
//! reconnect/resync, availability.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn established(e: &Emu) -> LaSession {
    let mut s = e.la_session().await;
    let body = init_body(&s);
    assert_eq!(e.la_init(&mut s, body).await.status(), 200);
    e.poll_until(&mut s, "ChatRequestSuccess", 3).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/accept", s.id),
        json!({"agentId": JANE}),
    )
    .await;
    e.poll_until(&mut s, "ChatEstablished", 3).await;
    s
}

async fn conv_of(e: &Emu, id: &str) -> Value {
    e.control("GET", &format!("/control/conversations/{id}"), Value::Null)
        .await
}

async fn wait_in_flight(e: &Emu, sid: &str) {
    for _ in 0..200 {
        let st = e.control("GET", "/control/state", Value::Null).await;
        let s = st["liveChatSessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == sid)
            .cloned()
            .unwrap();
        if s["pollInFlight"] == true {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("poll never became in-flight");
}

#[tokio::test]
async fn session_id_and_header_errors() {
    let e = start().await;
    let s = e.la_session().await;
    assert!(s.key.starts_with(&format!("{}!", s.id)));
    assert_eq!(s.key.split('!').count(), 3);
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), "No version header found");
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["clientPollTimeout"], 3);
}

#[tokio::test]
async fn chat_request_success_and_queue_updates() {
    let e = start().await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    let r = e.la_init(&mut s, body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "OK");
    let (st, msgs) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    assert_eq!(msgs[0]["type"], "ChatRequestSuccess");
    assert_eq!(msgs[0]["message"]["queuePosition"], 1);
    assert!(
        msgs[0]["message"].get("estimatedWaitTime").is_none(),
        "EWT only from API 47"
    );
    assert_eq!(s.ack, 1);
    // Waiting conversation is visible to agents with the pre-chat details.
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{}", s.id),
            Value::Null,
        )
        .await;
    assert_eq!(c["channel"], "liveChat");
    assert_eq!(c["status"], "waiting");
    assert_eq!(c["visitorName"], "Ada");
    assert_eq!(
        c["details"]["prechatDetails"][0]["value"],
        "ada@example.com"
    );
    e.control(
        "PUT",
        "/control/queue",
        json!({"position": 3, "estimatedWaitTime": 90}),
    )
    .await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "QueueUpdate");
    assert_eq!(msgs[0]["message"]["position"], 3);
    e.control(
        "POST",
        &format!("/control/conversations/{}/accept", s.id),
        json!({"agentId": JANE}),
    )
    .await;
    let (_, msgs) = e.poll(&mut s).await;
    let types: Vec<&str> = msgs.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["QueueUpdate", "ChatEstablished"]);
    assert_eq!(msgs[1]["message"]["name"], "Jane");
    assert_eq!(msgs[1]["message"]["userId"], JANE);
}

#[tokio::test]
async fn estimated_wait_time_from_api_47() {
    let e = start().await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    s.seq += 1;
    let r = e
        .http
        .post(e.url("/chat/rest/Chasitor/ChasitorInit"))
        .header("X-LIVEAGENT-API-VERSION", "47")
        .header("X-LIVEAGENT-AFFINITY", s.affinity.clone())
        .header("X-LIVEAGENT-SESSION-KEY", s.key.clone())
        .header("X-LIVEAGENT-SEQUENCE", "1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["message"]["estimatedWaitTime"], 45);
}

async fn expect_fail(e: &Emu, edit: impl FnOnce(&mut Value), reason: &str) {
    let mut s = e.la_session().await;
    let mut body = init_body(&s);
    edit(&mut body);
    assert_eq!(e.la_init(&mut s, body).await.status(), 200);
    let (st, msgs) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    assert_eq!(msgs[0]["type"], "ChatRequestFail");
    assert_eq!(msgs[0]["message"]["reason"], reason);
    // Once the failure is acknowledged the session is over.
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn chat_request_fail_reasons() {
    let e = start().await;
    expect_fail(
        &e,
        |b| b["organizationId"] = json!("00D000000000001"),
        "InternalFailure",
    )
    .await;
    expect_fail(
        &e,
        |b| b["deploymentId"] = json!("572000000000001"),
        "InternalFailure",
    )
    .await;
    expect_fail(
        &e,
        |b| b["buttonId"] = json!("573000000000001"),
        "Unavailable",
    )
    .await;
    expect_fail(&e, |b| b["isPost"] = json!(false), "NoPost").await;
    expect_fail(
        &e,
        |b| {
            b["agentId"] = json!("005000000000404");
            b["doFallback"] = json!(false);
        },
        "Unavailable",
    )
    .await;
    e.control(
        "PUT",
        &format!("/control/agents/{JANE}"),
        json!({"available": false}),
    )
    .await;
    e.control(
        "PUT",
        &format!("/control/agents/{MARK}"),
        json!({"available": false}),
    )
    .await;
    expect_fail(&e, |_| {}, "Unavailable").await;
    e.control(
        "PUT",
        &format!("/control/agents/{JANE}"),
        json!({"available": true}),
    )
    .await;
    e.control(
        "POST",
        "/control/faults/chat-request-fail",
        json!({"reason": "Blocked"}),
    )
    .await;
    expect_fail(&e, |_| {}, "Blocked").await;
    // The 18-char org id is fine.
    let mut s = e.la_session().await;
    let mut body = init_body(&s);
    body["organizationId"] = json!(format!("{ORG}EAA"));
    e.la_init(&mut s, body).await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "ChatRequestSuccess");
}

#[tokio::test]
async fn chasitor_init_validation() {
    let e = start().await;
    let mut s = e.la_session().await;
    let r = e.la_post(&mut s, "ChasitorInit", json!({})).await;
    assert_eq!(r.status(), 400);
    let r = e
        .la(Method::POST, "Chasitor/ChasitorInit", &s)
        .header("X-LIVEAGENT-SEQUENCE", "99")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    for field in [
        "visitorName",
        "prechatDetails",
        "isPost",
        "receiveQueueUpdates",
        "sessionId",
    ] {
        let mut b = init_body(&s);
        b.as_object_mut().unwrap().remove(field);
        let r = e.la_post(&mut s, "ChasitorInit", b).await;
        assert_eq!(r.status(), 400, "{field}");
        assert!(r.text().await.unwrap().contains(field));
    }
    let mut b = init_body(&s);
    b["sessionId"] = json!("someone-else");
    assert_eq!(e.la_post(&mut s, "ChasitorInit", b).await.status(), 400);
    // Missing sequence header.
    let r = e
        .la(Method::POST, "Chasitor/ChasitorInit", &s)
        .json(&init_body(&s))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Unknown key.
    let mut bogus = s.clone();
    bogus.key = "nope".into();
    let r = e.la_post(&mut bogus, "ChasitorInit", init_body(&s)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.text().await.unwrap(),
        "Session required but was invalid or not found"
    );
    // Works once; a second ChasitorInit is refused.
    let b = init_body(&s);
    assert_eq!(
        e.la_post(&mut s, "ChasitorInit", b.clone()).await.status(),
        200
    );
    assert_eq!(e.la_post(&mut s, "ChasitorInit", b).await.status(), 400);
}

#[tokio::test]
async fn poll_204_on_timeout_keeps_ack() {
    let e = start().await;
    let mut s = e.la_session().await;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 204);
    assert_eq!(s.ack, -1);
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    let ack = s.ack;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 204);
    assert_eq!(s.ack, ack);
}

#[tokio::test]
async fn unacknowledged_messages_are_redelivered() {
    let e = start().await;
    let mut s = established(&e).await;
    let c = format!("/control/conversations/{}/messages", s.id);
    e.control("POST", &c, json!({"text": "one"})).await;
    e.control("POST", &c, json!({"text": "two"})).await;
    let before = s.ack;
    let (_, first) = e.poll(&mut s).await;
    assert_eq!(first.len(), 2);
    let (seq, offset) = (s.ack, s.offset);
    assert_eq!(seq, before + 2);
    assert!(offset > 0);
    // The response was "lost": poll again with the old ack → the same messages again.
    s.ack = before;
    let (_, again) = e.poll(&mut s).await;
    assert_eq!(again, first);
    assert_eq!(s.ack, seq);
    // Acknowledged now: nothing left.
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 204);
    // A lower ack never resurrects acknowledged messages.
    s.ack = before;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 204);
    let t = e.transcript(&s.id).await;
    assert_eq!(t.iter().filter(|x| x["kind"] == "message").count(), 2);
}

#[tokio::test]
async fn overlapping_polls_409_and_chat_killed() {
    let e = start().await;
    let s = established(&e).await;
    let first = {
        let req = e.la(Method::GET, &format!("System/Messages?ack={}", s.ack), &s);
        tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
    };
    wait_in_flight(&e, &s.id).await;
    let mut s2 = s.clone();
    let (st, _) = e.poll(&mut s2).await;
    assert_eq!(st, 409);
    assert_eq!(first.await.unwrap(), 409);
    let (st, _) = e.poll(&mut s2).await;
    assert_eq!(st, 403);
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{}", s.id),
            Value::Null,
        )
        .await;
    assert_eq!(c["status"], "ended");
}

#[tokio::test]
async fn sequential_polls_do_not_conflict() {
    let e = start().await;
    let mut s = established(&e).await;
    for _ in 0..3 {
        let (st, _) = e.poll(&mut s).await;
        assert_eq!(st, 204);
    }
}

#[tokio::test]
async fn affinity_change_503_reconnect_and_session_data() {
    let e = start().await;
    let mut s = established(&e).await;
    let r = e
        .la_post(
            &mut s,
            "ChatMessage",
            json!({"text": "Hi, my order is late"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    e.control(
        "POST",
        &format!("/control/conversations/{}/messages", s.id),
        json!({"text": "Let me check"}),
    )
    .await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "ChatMessage");
    let offset = s.offset;
    e.control(
        "POST",
        "/control/faults/affinity-change",
        json!({"sessionId": s.id}),
    )
    .await;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 503);
    // Every request with the old affinity now answers 503.
    assert_eq!(
        e.la_post(&mut s, "ChatMessage", json!({"text": "lost?"}))
            .await
            .status(),
        503
    );
    // Reconnect with AFFINITY null.
    let r = e
        .http
        .get(e.url(&format!(
            "/chat/rest/System/ReconnectSession?ReconnectSession.offset={offset}"
        )))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .header("X-LIVEAGENT-SESSION-KEY", s.key.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["messages"][0]["type"], "ReconnectSession");
    assert_eq!(v["messages"][0]["message"]["resetSequence"], true);
    let new_aff = v["messages"][0]["message"]["affinityToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_aff, s.affinity);
    s.affinity = new_aff;
    s.seq = 0;
    let (st, msgs) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    assert_eq!(msgs[0]["type"], "ChasitorSessionData");
    let chat = msgs[0]["message"]["chatMessages"].as_array().unwrap();
    assert_eq!(chat.len(), 2);
    assert_eq!(chat[0]["type"], "Chasitor");
    assert_eq!(chat[0]["content"], "Hi, my order is late");
    assert_eq!(chat[1]["type"], "Agent");
    // Sequence numbering restarted: 1 is new, not a duplicate.
    assert_eq!(
        e.la_post(&mut s, "ChatMessage", json!({"text": "resent"}))
            .await
            .status(),
        200
    );
    let t = e.transcript(&s.id).await;
    let texts: Vec<&str> = t
        .iter()
        .filter(|x| x["kind"] == "message")
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Hi, my order is late", "Let me check", "resent"]);
    // Missing offset → 400.
    let r = e
        .http
        .get(e.url("/chat/rest/System/ReconnectSession"))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .header("X-LIVEAGENT-SESSION-KEY", s.key.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn affinity_change_answers_the_poll_in_flight() {
    let e = start().await;
    let s = established(&e).await;
    let req = e.la(Method::GET, &format!("System/Messages?ack={}", s.ack), &s);
    let pending = tokio::spawn(async move { req.send().await.unwrap().status().as_u16() });
    wait_in_flight(&e, &s.id).await;
    e.control("POST", "/control/faults/affinity-change", json!({}))
        .await;
    assert_eq!(pending.await.unwrap(), 503);
}

#[tokio::test]
async fn wrong_affinity_is_503_when_strict() {
    let e = start().await;
    let mut s = established(&e).await;
    s.affinity = "deadbeef".into();
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 503);
}

#[tokio::test]
async fn duplicate_sequence_is_not_processed() {
    let e = start().await;
    let mut s = established(&e).await;
    let send = |seq: &str| {
        e.la(Method::POST, "Chasitor/ChatMessage", &s)
            .header("X-LIVEAGENT-SEQUENCE", seq.to_string())
            .json(&json!({"text": "once"}))
            .send()
    };
    assert_eq!(send("10").await.unwrap().status(), 200);
    assert_eq!(send("10").await.unwrap().status(), 200);
    // Out-of-order arrival of an earlier number is still processed.
    assert_eq!(send("9").await.unwrap().status(), 200);
    let t = e.transcript(&s.id).await;
    assert_eq!(t.iter().filter(|x| x["kind"] == "message").count(), 2);
    s.seq = 20;
    let r = e
        .la(Method::POST, "Chasitor/ChatMessage", &s)
        .header("X-LIVEAGENT-SEQUENCE", "abc")
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn visitor_actions() {
    let e = start().await;
    let mut s = established(&e).await;
    let sid = s.id.clone();
    let conv = |e| conv_of(e, &sid);
    assert_eq!(
        e.la_post(&mut s, "ChasitorTyping", json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(conv(&e).await["visitorTyping"], true);
    assert_eq!(
        e.la_post(
            &mut s,
            "ChasitorSneakPeek",
            json!({"position": 5, "text": "Hello"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(conv(&e).await["sneakPeek"], "Hello");
    assert_eq!(
        e.la_post(&mut s, "ChasitorNotTyping", json!({}))
            .await
            .status(),
        200
    );
    let c = conv(&e).await;
    assert_eq!(c["visitorTyping"], false);
    assert!(c["sneakPeek"].is_null());
    assert_eq!(
        e.la_post(
            &mut s,
            "CustomEvent",
            json!({"type": "MyEvent", "data": "payload"})
        )
        .await
        .status(),
        200
    );
    let t = e.transcript(&s.id).await;
    let ce = t.iter().find(|x| x["kind"] == "customEvent").unwrap();
    assert_eq!(ce["data"]["type"], "MyEvent");
    for (res, body) in [
        ("ChatMessage", json!({})),
        ("ChatMessage", json!({"text": ""})),
        ("ChasitorSneakPeek", json!({"text": "x"})),
        ("CustomEvent", json!({"type": "x"})),
        ("ChatEnd", json!({})),
    ] {
        assert_eq!(
            e.la_post(&mut s, res, body.clone()).await.status(),
            400,
            "{res} {body}"
        );
    }
    // Visitor ends: later requests and polls get 403.
    assert_eq!(
        e.la_post(&mut s, "ChatEnd", json!({"reason": "client"}))
            .await
            .status(),
        200
    );
    let c = conv(&e).await;
    assert_eq!(c["status"], "ended");
    assert_eq!(c["endReason"], "client");
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 403);
    assert_eq!(
        e.la_post(&mut s, "ChatMessage", json!({"text": "hello?"}))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn actions_before_chat_request_are_refused() {
    let e = start().await;
    let mut s = e.la_session().await;
    assert_eq!(
        e.la_post(&mut s, "ChatMessage", json!({"text": "hi"}))
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn agent_ends_chat_then_403() {
    let e = start().await;
    let mut s = established(&e).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/end", s.id),
        json!({}),
    )
    .await;
    let msgs = e.poll_until(&mut s, "ChatEnded", 2).await;
    let ended = msgs.iter().find(|m| m["type"] == "ChatEnded").unwrap();
    assert_eq!(ended["message"]["reason"], "agent");
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn idle_timeout_events() {
    let e = start().await;
    let mut s = established(&e).await;
    let c = format!("/control/conversations/{}/idle", s.id);
    e.control("POST", &c, json!({"state": "triggered"})).await;
    e.control("POST", &c, json!({"state": "cleared"})).await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["message"]["idleTimeoutWarningEvent"], "triggered");
    assert_eq!(msgs[1]["message"]["idleTimeoutWarningEvent"], "cleared");
    e.control("POST", &c, json!({"state": "timeout"})).await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["message"]["reason"], "clientIdleTimeout");
    let r = e.control_raw("POST", &c, json!({"state": "bogus"})).await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn resync_session_old_flow() {
    let e = start().await;
    let mut s = established(&e).await;
    let r = e
        .http
        .get(e.url(&format!(
            "/chat/rest/System/ResyncSession?SessionId={}",
            s.id
        )))
        .header("X-LIVEAGENT-API-VERSION", "36")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["isValid"], true);
    s.affinity = v["affinityToken"].as_str().unwrap().to_string();
    s.key = v["key"].as_str().unwrap().to_string();
    assert_eq!(
        e.la_post(
            &mut s,
            "ChasitorResyncState",
            json!({"organizationId": ORG})
        )
        .await
        .status(),
        200
    );
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "ChasitorSessionData");
    let v: Value = e
        .http
        .get(e.url("/chat/rest/System/ResyncSession?SessionId=unknown"))
        .header("X-LIVEAGENT-API-VERSION", "36")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["isValid"], false);
}

#[tokio::test]
async fn availability_and_settings() {
    let e = start().await;
    let get = |q: String, version: bool| {
        let mut r = e
            .http
            .get(e.url(&format!("/chat/rest/Visitor/Availability?{q}")));
        if version {
            r = r.header("X-LIVEAGENT-API-VERSION", "43");
        }
        r.send()
    };
    let q = format!("org_id={ORG}&deployment_id={DEP}&Availability.ids=[{BUTTON},{MARK},0050000000000xx]&Availability.prefix=Visitor&Availability.needEstimatedWaitTime=1");
    let v: Value = get(q.clone(), true).await.unwrap().json().await.unwrap();
    let res = v["messages"][0]["message"]["results"].as_array().unwrap();
    assert_eq!(res[0]["isAvailable"], true);
    assert_eq!(res[0]["estimatedWaitTime"], 45);
    assert_eq!(res[1]["isAvailable"], true);
    assert!(
        res[2].get("isAvailable").is_none(),
        "unavailable entities omit isAvailable"
    );
    e.control(
        "PUT",
        &format!("/control/agents/{MARK}"),
        json!({"available": false}),
    )
    .await;
    let v: Value = get(q.clone(), true).await.unwrap().json().await.unwrap();
    assert!(v["messages"][0]["message"]["results"][1]
        .get("isAvailable")
        .is_none());
    assert_eq!(get(q.clone(), false).await.unwrap().status(), 400);
    assert_eq!(
        get(format!("org_id={ORG}&deployment_id={DEP}"), true)
            .await
            .unwrap()
            .status(),
        400
    );
    // Wrong deployment: nothing is available.
    let v: Value = get(
        format!("org_id={ORG}&deployment_id=572000000000000&Availability.ids=[{BUTTON}]"),
        true,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(v["messages"][0]["message"]["results"][0]
        .get("isAvailable")
        .is_none());
    // JSONP, header-less.
    let r = e
        .http
        .get(e.url(&format!("/chat/rest/Visitor/Availability.jsonp?sid=x&r=1&Availability.prefix=Visitor&Availability.ids=[{BUTTON}]&callback=liveagent._.handlePing&deployment_id={DEP}&org_id={ORG}&version=41")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    let body = r.text().await.unwrap();
    assert!(body.starts_with("liveagent._.handlePing({"), "{body}");
    assert!(body.ends_with(");"));
    let r = e.http.get(e.url(&format!("/chat/rest/Visitor/Availability.jsonp?Availability.ids=[{BUTTON}]&callback=alert(1)&deployment_id={DEP}&org_id={ORG}"))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = e
        .http
        .get(e.url(&format!("/chat/rest/Visitor/Settings?org_id={ORG}&deployment_id={DEP}&Settings.buttonIds=[{BUTTON}]")))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["messages"][0]["type"], "Settings");
    assert_eq!(v["messages"][0]["message"]["buttons"][0]["id"], BUTTON);
}

#[tokio::test]
async fn transfer_conference_disconnect() {
    let e = start().await;
    let mut s = established(&e).await;
    let sid = s.id.clone();
    let c = |p: &str| format!("/control/conversations/{sid}/{p}");
    e.control("POST", &c("transfer"), json!({"toAgentId": MARK}))
        .await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "ChatTransferred");
    assert_eq!(msgs[0]["message"]["name"], "Mark");
    e.control("POST", &c("conference"), json!({"agentId": JANE}))
        .await;
    e.control(
        "POST",
        &c("messages"),
        json!({"agentId": JANE, "text": "from Jane"}),
    )
    .await;
    e.control(
        "POST",
        &c("messages"),
        json!({"agentId": MARK, "text": "from Mark"}),
    )
    .await;
    let (_, msgs) = e.poll(&mut s).await;
    let names: Vec<&str> = msgs
        .iter()
        .map(|m| m["message"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Jane", "Mark"]);
    e.control("POST", &c("leave"), json!({"agentId": JANE}))
        .await;
    e.control("POST", &c("leave"), json!({"agentId": MARK}))
        .await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(msgs[0]["type"], "AgentDisconnect");
    let conv = e
        .control(
            "GET",
            &format!("/control/conversations/{}", s.id),
            Value::Null,
        )
        .await;
    assert_eq!(conv["status"], "waiting");
}

#[tokio::test]
async fn unknown_resource_404_and_plain_text() {
    let e = start().await;
    let r = e
        .http
        .get(e.url("/chat/rest/System/Nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let r = e
        .http
        .delete(e.url("/chat/rest/System/SessionId"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn idle_timeout_timer_warns_clears_and_ends() {
    let mut cfg = test_config();
    cfg.idle_timeout = sf_emulator::IdleTimeoutConfig {
        enabled: true,
        warning_time: 1,
        timeout: 4,
    };
    let e = start_with(cfg).await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/accept", s.id),
        json!({"agentId": JANE}),
    )
    .await;
    let msgs = e.poll_until(&mut s, "ChatEstablished", 3).await;
    let est = msgs
        .iter()
        .find(|m| m["type"] == "ChatEstablished")
        .unwrap();
    assert_eq!(
        est["message"]["chasitorIdleTimeout"],
        json!({"isEnabled": true, "warningTime": 1, "timeout": 4})
    );
    let msgs = e
        .poll_until(&mut s, "ChasitorIdleTimeoutWarningEvent", 5)
        .await;
    assert_eq!(
        msgs.last().unwrap()["message"]["idleTimeoutWarningEvent"],
        "triggered"
    );
    e.la_post(&mut s, "ChatMessage", json!({"text": "still here"}))
        .await;
    let (_, msgs) = e.poll(&mut s).await;
    assert_eq!(
        msgs[0]["message"]["idleTimeoutWarningEvent"], "cleared",
        "{msgs:?}"
    );
    e.control(
        "POST",
        &format!("/control/conversations/{}/messages", s.id),
        json!({"text": "Anything else?"}),
    )
    .await;
    let msgs = e.poll_until(&mut s, "ChatEnded", 8).await;
    assert_eq!(
        msgs.last().unwrap()["message"]["reason"],
        "clientIdleTimeout"
    );
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn aborted_poll_is_not_a_duplicate() {
    let e = start().await;
    let mut s = established(&e).await;
    // The client aborts a poll (e.g. page unload); its next poll must not be taken for a duplicate.
    let r = e
        .la(Method::GET, &format!("System/Messages?ack={}", s.ack), &s)
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(r.is_err());
    let mut status = 0;
    for _ in 0..50 {
        let st = e.control("GET", "/control/state", Value::Null).await;
        let busy = st["liveChatSessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == s.id && x["pollInFlight"] == true);
        if !busy {
            let (st, _) = e.poll(&mut s).await;
            status = st;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 204);
}

#[tokio::test]
async fn failed_request_can_be_retried_with_its_sequence() {
    let e = start().await;
    let s = established(&e).await;
    let send = |body: serde_json::Value| {
        e.la(Method::POST, "Chasitor/ChatMessage", &s)
            .header("X-LIVEAGENT-SEQUENCE", "50")
            .json(&body)
            .send()
    };
    assert_eq!(send(json!({"txt": "typo"})).await.unwrap().status(), 400);
    assert_eq!(send(json!({"text": "fixed"})).await.unwrap().status(), 200);
    assert_eq!(send(json!({"text": "fixed"})).await.unwrap().status(), 200);
    let t = e.transcript(&s.id).await;
    let texts: Vec<&str> = t
        .iter()
        .filter(|x| x["kind"] == "message")
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["fixed"]);
}

/// The messages the emulator has no agent action for can be delivered as they are with the
/// control API's `raw` hook (the README's examples).
#[tokio::test]
async fn raw_messages_reach_the_long_poll() {
    let e = start().await;
    let mut s = established(&e).await;
    let raw = format!("/control/conversations/{}/raw", s.id);
    let cases = [
        json!({"type": "FileTransfer", "message": {"type": "Requested", "uploadServletUrl": "https://example.invalid/upload", "fileToken": "tok-1", "cdmServletUrl": "https://example.invalid/cdm"}}),
        json!({"type": "FileTransfer", "message": {"type": "Canceled"}}),
        json!({"type": "NewVisitorBreadcrumb", "message": {"location": "https://shop.example.com/cart"}}),
        json!({"type": "CustomEvent", "message": {"type": "coupon", "data": "SAVE10"}}),
        json!({"type": "ChatEstablished", "message": {"name": "Jane", "userId": JANE, "items": [], "sneakPeekEnabled": true, "chasitorIdleTimeout": {"isEnabled": true, "warningTime": 30, "timeout": 60}}}),
        json!({"type": "ChatTransferred", "message": {"name": "Mark", "userId": MARK, "sneakPeekEnabled": true, "chasitorIdleTimeout": {"isEnabled": true, "warningTime": 30, "timeout": 60}}}),
    ];
    for c in &cases {
        let r = e.control_raw("POST", &raw, c.clone()).await;
        assert_eq!(r.status(), 204);
    }
    let (st, msgs) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    let got: Vec<Value> = msgs
        .iter()
        .map(|m| json!({"type": m["type"], "message": m["message"]}))
        .collect();
    assert_eq!(got, cases);
}

#[tokio::test]
async fn idle_timeout_is_reported_on_transfer() {
    let mut cfg = test_config();
    cfg.idle_timeout = sf_emulator::IdleTimeoutConfig {
        enabled: true,
        warning_time: 90,
        timeout: 180,
    };
    let e = start_with(cfg).await;
    let mut s = established(&e).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/transfer", s.id),
        json!({"toAgentId": MARK}),
    )
    .await;
    let msgs = e.poll_until(&mut s, "ChatTransferred", 3).await;
    let m = msgs
        .iter()
        .find(|m| m["type"] == "ChatTransferred")
        .unwrap();
    assert_eq!(
        m["message"]["chasitorIdleTimeout"],
        json!({"isEnabled": true, "warningTime": 90, "timeout": 180})
    );
}
