//! CORS like a configured org: allowlist, pre-flights, refusals; none on /chat/rest by default.

mod common;

use common::*;
use reqwest::Method;

async fn preflight(e: &Emu, path: &str, origin: &str, headers: &str) -> reqwest::Response {
    e.http
        .request(Method::OPTIONS, e.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn preflight_allowed_for_localhost_origins() {
    let e = start().await;
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1:8080",
        "http://localhost",
    ] {
        let r = preflight(
            &e,
            "/iamessage/api/v2/conversation",
            origin,
            "authorization,content-type",
        )
        .await;
        assert_eq!(r.status(), 204, "{origin}");
        let h = r.headers();
        assert_eq!(h["access-control-allow-origin"], origin);
        let allow = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for needed in [
            "authorization",
            "content-type",
            "x-org-id",
            "last-event-id",
            "cache-control",
        ] {
            assert!(allow.contains(needed), "{needed} in {allow}");
        }
        let methods = h["access-control-allow-methods"].to_str().unwrap();
        for m in ["GET", "POST", "DELETE", "OPTIONS"] {
            assert!(methods.contains(m));
        }
    }
    let r = preflight(
        &e,
        "/eventrouter/v1/sse",
        "http://localhost:3000",
        "authorization,x-org-id,last-event-id",
    )
    .await;
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn actual_requests_carry_allow_origin() {
    let e = start().await;
    let r = e
        .http
        .post(e.url("/iamessage/api/v2/authorization/unauthenticated/access-token"))
        .header("Origin", "http://localhost:5173")
        .json(&serde_json::json!({"orgId": ORG, "esDeveloperName": ES}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert_eq!(r.headers()["vary"], "Origin");
    // Error responses carry it too, so the browser can read the status.
    let r = e
        .http
        .get(e.url("/iamessage/api/v2/conversation/list"))
        .header("Origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("access-control-allow-origin"));
    // Native clients (no Origin) get no CORS headers.
    let r = e
        .http
        .get(e.url("/iamessage/api/v2/conversation/list"))
        .send()
        .await
        .unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn other_origins_are_refused() {
    let e = start().await;
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example:80",
        "https://localhost:5173",
    ] {
        let r = preflight(
            &e,
            "/iamessage/api/v2/conversation",
            origin,
            "authorization",
        )
        .await;
        assert_eq!(r.status(), 403, "{origin}");
        assert!(!r.headers().contains_key("access-control-allow-origin"));
    }
    let r = e
        .http
        .post(e.url("/iamessage/api/v2/authorization/unauthenticated/access-token"))
        .header("Origin", "https://evil.example")
        .json(&serde_json::json!({"orgId": ORG, "esDeveloperName": ES}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn configured_allowlist() {
    let mut cfg = test_config();
    cfg.allowed_origins = vec!["https://shop.example.com".into()];
    let e = start_with(cfg).await;
    assert_eq!(
        preflight(
            &e,
            "/iamessage/api/v2/conversation",
            "https://shop.example.com",
            "authorization"
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        preflight(
            &e,
            "/iamessage/api/v2/conversation",
            "http://localhost:5173",
            "authorization"
        )
        .await
        .status(),
        403
    );
}

#[tokio::test]
async fn live_chat_has_no_cors_by_default() {
    let e = start().await;
    let r = preflight(
        &e,
        "/chat/rest/Chasitor/ChasitorInit",
        "http://localhost:5173",
        "x-liveagent-session-key",
    )
    .await;
    assert!(!r.status().is_success());
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("Origin", "http://localhost:5173")
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.headers().contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn live_chat_cors_switch() {
    let mut cfg = test_config();
    cfg.live_chat_cors = true;
    let e = start_with(cfg).await;
    let r = preflight(
        &e,
        "/chat/rest/Chasitor/ChasitorInit",
        "http://localhost:5173",
        "x-liveagent-session-key,x-liveagent-sequence",
    )
    .await;
    assert_eq!(r.status(), 204);
    let allow = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "x-liveagent-api-version",
        "x-liveagent-affinity",
        "x-liveagent-session-key",
        "x-liveagent-sequence",
    ] {
        assert!(allow.contains(h));
    }
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("Origin", "http://localhost:5173")
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
}
