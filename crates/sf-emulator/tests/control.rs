//! Control API, console page and the library API (spawn / serve / shutdown).

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn console_page_is_served() {
    let e = start().await;
    let r = e.http.get(e.url("/console")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Agent console"));
    assert!(html.contains("/control/state"));
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(e.url("/"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
}

#[tokio::test]
async fn agents_queue_and_settings() {
    let e = start().await;
    let agents = e.control("GET", "/control/agents", Value::Null).await;
    assert_eq!(agents.as_array().unwrap().len(), 2);
    assert_eq!(agents[0]["id"], JANE);
    let a = e
        .control("POST", "/control/agents", json!({"name": "Priya"}))
        .await;
    assert_eq!(a["available"], true);
    let id = a["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("005") && id.len() == 15, "{id}");
    assert_eq!(
        e.control_raw("POST", "/control/agents", json!({"name": "priya"}))
            .await
            .status(),
        409
    );
    assert_eq!(
        e.control_raw("POST", "/control/agents", json!({}))
            .await
            .status(),
        400
    );
    let a = e
        .control("PUT", "/control/agents/Priya", json!({"available": false}))
        .await;
    assert_eq!(a["available"], false);
    assert_eq!(
        e.control_raw("PUT", "/control/agents/nobody", json!({"available": false}))
            .await
            .status(),
        404
    );
    assert_eq!(
        e.control_raw(
            "PUT",
            &format!("/control/agents/{JANE}"),
            json!({"available": "yes"})
        )
        .await
        .status(),
        400
    );
    let q = e
        .control(
            "PUT",
            "/control/queue",
            json!({"position": 4, "estimatedWaitTime": 120}),
        )
        .await;
    assert_eq!(q, json!({"position": 4, "estimatedWaitTime": 120}));
    assert_eq!(e.control("GET", "/control/queue", Value::Null).await, q);
    let s = e
        .control("PUT", "/control/settings", json!({"autoAccept": true}))
        .await;
    assert_eq!(s["autoAccept"], true);
    let st = e.control("GET", "/control/state", Value::Null).await;
    assert_eq!(st["config"]["orgId"], ORG);
    assert_eq!(st["agents"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn auto_accept_routes_to_first_available_agent() {
    let mut cfg = test_config();
    cfg.auto_accept = true;
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(c["status"], "active");
    assert_eq!(c["agents"][0]["name"], "Jane");
}

#[tokio::test]
async fn accept_next_and_agent_action_errors() {
    let e = start().await;
    assert_eq!(
        e.control_raw("POST", "/control/accept-next", json!({}))
            .await
            .status(),
        404
    );
    let jwt = e.jwt().await;
    let first = e.create_conv(&jwt).await;
    let second = e.create_conv(&jwt).await;
    let c = e
        .control("POST", "/control/accept-next", json!({"agentId": MARK}))
        .await;
    assert_eq!(c["id"], first);
    assert_eq!(c["agents"][0]["id"], MARK);
    let c = e
        .control("POST", "/control/accept-next", json!({"agentId": "Jane"}))
        .await;
    assert_eq!(c["id"], second);
    let p = |x: &str| format!("/control/conversations/{first}/{x}");
    assert_eq!(
        e.control_raw("POST", &p("accept"), json!({"agentId": JANE}))
            .await
            .status(),
        409
    );
    assert_eq!(
        e.control_raw(
            "POST",
            &p("messages"),
            json!({"agentId": JANE, "text": "not mine"})
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        e.control_raw("POST", &p("messages"), json!({}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw("POST", &p("transfer"), json!({"toAgentId": MARK}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw("POST", &p("transfer"), json!({"toAgentId": "ghost"}))
            .await
            .status(),
        404
    );
    assert_eq!(
        e.control_raw("POST", &p("choices"), json!({"choices": []}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw(
            "POST",
            &p("choices"),
            json!({"choices": ["a"], "formatType": "Carousel"})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        e.control_raw(
            "POST",
            &p("files"),
            json!({"fileName": "a", "contentBase64": "%%%"})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        e.control_raw("POST", &p("typing"), json!({}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw("POST", &p("idle"), json!({"state": "triggered"}))
            .await
            .status(),
        400
    );
    assert_eq!(
        e.control_raw(
            "POST",
            "/control/conversations/nope/messages",
            json!({"agentId": JANE, "text": "x"})
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        e.control_raw("GET", "/control/conversations/nope", Value::Null)
            .await
            .status(),
        404
    );
    e.control("POST", &p("end"), json!({})).await;
    assert_eq!(
        e.control_raw(
            "POST",
            &p("messages"),
            json!({"agentId": MARK, "text": "x"})
        )
        .await
        .status(),
        409
    );
    let list = e
        .control("GET", "/control/conversations", Value::Null)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn transcript_has_no_loss_or_duplicates() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({}),
    )
    .await;
    for i in 0..5 {
        e.send_text(&jwt, &conv, &format!("u{i}")).await;
        e.control(
            "POST",
            &format!("/control/conversations/{conv}/messages"),
            json!({"text": format!("a{i}")}),
        )
        .await;
    }
    let t = e.transcript(&conv).await;
    let texts: Vec<&str> = t
        .iter()
        .filter(|x| x["kind"] == "message")
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["u0", "a0", "u1", "a1", "u2", "a2", "u3", "a3", "u4", "a4"]
    );
    let seqs: Vec<u64> = t.iter().map(|x| x["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    // All user messages were delivered and read (agent replied after each).
    assert!(t
        .iter()
        .filter(|x| x["role"] == "EndUser" && x["kind"] == "message")
        .all(|x| x["read"] == true));
}

#[tokio::test]
async fn reset_forgets_everything() {
    let e = start().await;
    let jwt = e.jwt().await;
    e.create_conv(&jwt).await;
    e.control(
        "POST",
        "/control/faults/latency",
        json!({"path": "/x", "ms": 1}),
    )
    .await;
    e.control("POST", "/control/reset", json!({})).await;
    let st = e.control("GET", "/control/state", Value::Null).await;
    assert_eq!(st["conversations"].as_array().unwrap().len(), 0);
    assert_eq!(st["faults"]["latency"].as_array().unwrap().len(), 0);
    assert_eq!(
        e.miaw(Method::GET, "/conversation/list", &jwt)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn spawn_serve_and_shutdown() {
    let e = start().await;
    assert!(e.emu.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(e.emu.console_url(), format!("{}/console", e.base));
    assert_eq!(e.emu.config().org_id, ORG);
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let Emu { emu, http, base } = e;
    // Shutdown completes even with an open SSE stream, which ends.
    emu.shutdown().await;
    assert!(sse
        .next_frame(std::time::Duration::from_secs(5))
        .await
        .is_none());
    assert!(http.get(format!("{base}/console")).send().await.is_err());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(sf_emulator::serve(
        sf_emulator::EmulatorConfig::default(),
        listener,
    ));
    let r = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{addr}/control/state"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    task.abort();
}

async fn wait_for(e: &Emu, path: &str, key: &str, want: Value) -> Value {
    for _ in 0..200 {
        let v = e.control("GET", path, Value::Null).await;
        if v[key] == want {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{path}: {key} never became {want}");
}

#[tokio::test]
async fn visitor_connected_follows_the_sse_stream() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let path = format!("/control/conversations/{conv}");
    assert_eq!(
        e.control("GET", &path, Value::Null).await["visitorConnected"],
        false
    );
    let sse = e.sse(&jwt, None).await;
    wait_for(&e, &path, "visitorConnected", json!(true)).await;
    drop(sse);
    wait_for(&e, &path, "visitorConnected", json!(false)).await;
}

#[tokio::test]
async fn live_chat_expires_when_the_visitor_stops_polling() {
    let mut cfg = test_config();
    cfg.connection_timeout_ms = 1000;
    let e = start_with(cfg).await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 200);
    let path = format!("/control/conversations/{}", s.id);
    assert_eq!(
        e.control("GET", &path, Value::Null).await["visitorConnected"],
        true
    );
    // No poll for longer than connectionTimeout: the chat ends.
    let c = wait_for(&e, &path, "status", json!("ended")).await;
    assert_eq!(c["endReason"], "visitorStoppedPolling");
    assert_eq!(c["visitorConnected"], false);
    let (st, _) = e.poll(&mut s).await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn raw_events_for_unknown_type_tests() {
    let e = start().await;
    let jwt = e.jwt().await;
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    sse.expect("CONVERSATION_ROUTING_RESULT").await;
    e.control("POST", &format!("/control/conversations/{conv}/raw"), json!({"event": "CONVERSATION_PROGRESS_INDICATOR", "entryType": "ProgressIndicator", "payload": {"text": "thinking"}})).await;
    let f = sse.next_event().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("CONVERSATION_PROGRESS_INDICATOR"));
    assert_eq!(f.payload()["entryType"], "ProgressIndicator");
    assert_eq!(f.payload()["text"], "thinking");
    assert_eq!(
        e.control_raw(
            "POST",
            &format!("/control/conversations/{conv}/raw"),
            json!({})
        )
        .await
        .status(),
        400
    );

    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/raw", s.id),
        json!({"type": "RichMessage", "message": {"x": 1}}),
    )
    .await;
    let msgs = e.poll_until(&mut s, "RichMessage", 2).await;
    assert_eq!(msgs.last().unwrap()["message"]["x"], 1);
}
