//! Bad input never panics the server: every route answers garbage with a 4xx in its API's shape.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn garbage_everywhere_gets_4xx() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let mut s = e.la_session().await;
    let body = init_body(&s);
    e.la_init(&mut s, body).await;
    let routes: Vec<(Method, String)> = vec![
        (
            Method::POST,
            "/iamessage/api/v2/authorization/unauthenticated/access-token".into(),
        ),
        (
            Method::POST,
            "/iamessage/api/v2/authorization/authenticated/access-token".into(),
        ),
        (Method::POST, "/iamessage/api/v2/conversation".into()),
        (
            Method::POST,
            format!("/iamessage/api/v2/conversation/{conv}/message"),
        ),
        (
            Method::POST,
            format!("/iamessage/api/v2/conversation/{conv}/entry"),
        ),
        (
            Method::POST,
            format!("/iamessage/api/v2/conversation/{conv}/acknowledge-entries"),
        ),
        (
            Method::POST,
            format!("/iamessage/api/v2/conversation/{conv}/file"),
        ),
        (
            Method::GET,
            format!("/iamessage/api/v2/conversation/{conv}/entries?limit=abc&direction=%00"),
        ),
        (Method::POST, "/chat/rest/Chasitor/ChasitorInit".into()),
        (Method::POST, "/chat/rest/Chasitor/ChatMessage".into()),
        (Method::POST, "/chat/rest/Chasitor/ChasitorSneakPeek".into()),
        (Method::POST, "/chat/rest/Chasitor/ChatEnd".into()),
        (Method::POST, "/chat/rest/Chasitor/CustomEvent".into()),
        (
            Method::POST,
            "/chat/rest/Chasitor/ChasitorResyncState".into(),
        ),
        (
            Method::GET,
            "/chat/rest/System/Messages?ack=notanumber".into(),
        ),
        (
            Method::GET,
            "/chat/rest/System/ReconnectSession?ReconnectSession.offset=-5".into(),
        ),
        (Method::POST, "/control/agents".into()),
        (Method::PUT, "/control/queue".into()),
        (Method::POST, "/control/faults/fail".into()),
        (
            Method::POST,
            format!("/control/conversations/{conv}/choices"),
        ),
        (Method::POST, format!("/control/conversations/{conv}/files")),
    ];
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"str\"".to_vec(),
        b"{\"message\":5,\"acks\":{},\"text\":[],\"reason\":7,\"choices\":[null],\"position\":\"x\"}".to_vec(),
        b"{\"message\":{\"id\":5,\"messageType\":[]}}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        json!({"organizationId": 1, "prechatDetails": [1, 2], "prechatEntities": "x"}).to_string().into_bytes(),
    ];
    for (m, path) in &routes {
        for b in &bodies {
            let mut req = e
                .http
                .request(m.clone(), e.url(path))
                .body(b.clone())
                .header("Content-Type", "application/json");
            if path.starts_with("/iamessage") {
                req = req.bearer_auth(&jwt);
            }
            if path.starts_with("/chat/rest") {
                req = req
                    .header("X-LIVEAGENT-API-VERSION", "43")
                    .header("X-LIVEAGENT-AFFINITY", s.affinity.clone())
                    .header("X-LIVEAGENT-SESSION-KEY", s.key.clone())
                    .header("X-LIVEAGENT-SEQUENCE", "1000");
            }
            let r = req.send().await.unwrap();
            let st = r.status().as_u16();
            let ctype = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let text = r.text().await.unwrap();
            // The duplicate sequence 1000 is answered OK after the first body, so 2xx is allowed.
            assert!(
                st < 500,
                "{m} {path} {:?} -> {st} {text}",
                String::from_utf8_lossy(b)
            );
            if st >= 400 && !path.starts_with("/chat/rest") {
                assert!(
                    ctype.starts_with("application/json"),
                    "{m} {path} -> {ctype} {text}"
                );
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert!(v["message"].is_string() || v["text"].is_string(), "{text}");
            }
        }
    }
    // Still alive and consistent.
    assert_eq!(e.send_text(&jwt, &conv, "still fine").await.0, 202);
}
