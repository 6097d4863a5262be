//! The relay against the Salesforce emulator, over real HTTP on port 0.

use std::time::Duration;

use livechat_relay::RelayConfig;
use reqwest::StatusCode;
use sf_emulator::EmulatorConfig;

const ORIGIN: &str = "https://shop.example.com";

struct Setup {
    relay: String,
    _emulator: sf_emulator::RunningEmulator,
}

async fn setup(tune: impl FnOnce(&mut EmulatorConfig, &mut RelayConfig)) -> Setup {
    let mut emu_cfg = EmulatorConfig::default();
    let mut relay_cfg = RelayConfig {
        allowed_origins: vec![ORIGIN.into()],
        ..RelayConfig::default()
    };
    tune(&mut emu_cfg, &mut relay_cfg);
    let emulator = sf_emulator::spawn(emu_cfg).await.unwrap();
    if relay_cfg.upstream.is_empty() {
        relay_cfg.upstream = emulator.base_url();
    }
    relay_cfg.validate().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(livechat_relay::serve(relay_cfg, listener));
    Setup {
        relay,
        _emulator: emulator,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn session(s: &Setup) -> (String, String) {
    let r = client()
        .get(format!("{}/chat/rest/System/SessionId", s.relay))
        .header("Origin", ORIGIN)
        .header("X-LIVEAGENT-API-VERSION", "58")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let body = r.text().await.unwrap();
    let v: serde_json_lite::Obj = serde_json_lite::parse(&body);
    (v.get("key"), v.get("affinityToken"))
}

/// Minimal field extraction for the emulator's flat JSON answers (the relay has no JSON code,
/// and its tests need none beyond this).
mod serde_json_lite {
    pub struct Obj(String);
    pub fn parse(s: &str) -> Obj {
        Obj(s.to_string())
    }
    impl Obj {
        pub fn get(&self, key: &str) -> String {
            let pat = format!("\"{key}\":\"");
            let start = self
                .0
                .find(&pat)
                .unwrap_or_else(|| panic!("no {key} in {}", self.0))
                + pat.len();
            self.0[start..].split('"').next().unwrap().to_string()
        }
    }
}

#[tokio::test]
async fn forwards_a_chat_request_with_the_liveagent_headers() {
    let s = setup(|_, _| {}).await;
    let (key, affinity) = session(&s).await;
    let init = format!(
        r#"{{"organizationId":"{}","deploymentId":"{}","buttonId":"{}","sessionId":"{}","userAgent":"test","language":"en-US","screenResolution":"1280x800","visitorName":"Ada","prechatDetails":[],"prechatEntities":[],"receiveQueueUpdates":true,"isPost":true}}"#,
        sf_emulator::DEFAULT_ORG_ID,
        sf_emulator::DEFAULT_DEPLOYMENT_ID,
        sf_emulator::DEFAULT_BUTTON_ID,
        key.split('!').next().unwrap_or(&key),
    );
    let r = client()
        .post(format!("{}/chat/rest/Chasitor/ChasitorInit", s.relay))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/json")
        .header("X-LIVEAGENT-API-VERSION", "58")
        .header("X-LIVEAGENT-AFFINITY", &affinity)
        .header("X-LIVEAGENT-SESSION-KEY", &key)
        .header("X-LIVEAGENT-SEQUENCE", "1")
        .body(init)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // Without the session headers the emulator refuses: proof they were passed through above.
    let r = client()
        .post(format!("{}/chat/rest/Chasitor/ChatMessage", s.relay))
        .header("Origin", ORIGIN)
        .header("X-LIVEAGENT-API-VERSION", "58")
        .body(r#"{"text":"hi"}"#)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn answers_preflights_for_allowed_origins_only() {
    let s = setup(|_, _| {}).await;
    let r = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/chat/rest/System/Messages", s.relay),
        )
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "x-liveagent-session-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed.contains("x-liveagent-session-key") && allowed.contains("x-liveagent-sequence")
    );

    for method in [reqwest::Method::OPTIONS, reqwest::Method::GET] {
        let r = client()
            .request(
                method.clone(),
                format!("{}/chat/rest/System/SessionId", s.relay),
            )
            .header("Origin", "https://evil.example")
            .header("X-LIVEAGENT-API-VERSION", "58")
            .header("X-LIVEAGENT-AFFINITY", "null")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method}");
        assert!(r.headers().get("access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn refuses_other_paths_and_methods() {
    let s = setup(|_, _| {}).await;
    for path in [
        "/",
        "/control/state",
        "/console",
        "/chat/rest/System/Unknown",
        "/chat/rest/../control/state",
        "/iamessage/api/v2/conversation",
    ] {
        let r = client()
            .get(format!("{}{path}", s.relay))
            .header("Origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let r = client()
        .delete(format!("{}/chat/rest/Chasitor/ChatEnd", s.relay))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn caps_request_bodies() {
    let s = setup(|_, r| r.max_body_bytes = 1024).await;
    let r = client()
        .post(format!("{}/chat/rest/Chasitor/ChatMessage", s.relay))
        .header("Origin", ORIGIN)
        .body("x".repeat(2048))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn holds_the_long_poll_until_the_server_answers() {
    // The emulator holds a poll 1 s before its 204; the relay must wait for it, not give up.
    let s = setup(|e, _| e.long_poll_timeout = Duration::from_secs(1)).await;
    let (key, affinity) = session(&s).await;
    let r = client()
        .get(format!("{}/chat/rest/System/Messages?ack=-1", s.relay))
        .header("Origin", ORIGIN)
        .header("X-LIVEAGENT-API-VERSION", "58")
        .header("X-LIVEAGENT-AFFINITY", &affinity)
        .header("X-LIVEAGENT-SESSION-KEY", &key)
        .send()
        .await
        .unwrap();
    // 204 (nothing to deliver) or 200 with messages: either way the upstream's own answer.
    assert!(
        r.status() == StatusCode::NO_CONTENT || r.status() == StatusCode::OK,
        "{}",
        r.status()
    );
}

#[tokio::test]
async fn upstream_timeout_and_unreachable_upstream_are_reported() {
    let s = setup(|e, r| {
        e.long_poll_timeout = Duration::from_secs(5);
        r.upstream_timeout = Duration::from_millis(300);
    })
    .await;
    let (key, affinity) = session(&s).await;
    let r = client()
        .get(format!("{}/chat/rest/System/Messages?ack=-1", s.relay))
        .header("Origin", ORIGIN)
        .header("X-LIVEAGENT-API-VERSION", "58")
        .header("X-LIVEAGENT-AFFINITY", &affinity)
        .header("X-LIVEAGENT-SESSION-KEY", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::GATEWAY_TIMEOUT);

    let dead = setup(|_, r| r.upstream = "http://127.0.0.1:9".into()).await;
    let r = client()
        .get(format!("{}/chat/rest/System/SessionId", dead.relay))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
}

#[test]
fn configuration_is_validated() {
    let ok = RelayConfig {
        upstream: "https://d.la1-c2-ord.salesforceliveagent.com".into(),
        allowed_origins: vec!["https://www.example.com".into()],
        ..RelayConfig::default()
    };
    assert!(ok.validate().is_ok());
    let bad = |f: fn(&mut RelayConfig)| {
        let mut c = ok.clone();
        f(&mut c);
        c.validate().unwrap_err()
    };
    assert!(bad(|c| c.upstream = "d.la1.salesforceliveagent.com".into())
        .contains("must be the Live Agent endpoint URL"));
    assert!(bad(|c| c.upstream = "https://x.example/chat/rest/".into())
        .contains("must not include /chat/rest"));
    assert!(bad(|c| c.allowed_origins.clear()).contains("no allowed origin"));
    assert!(bad(|c| c.allowed_origins = vec!["www.example.com".into()]).contains("must look like"));
}

#[tokio::test]
async fn an_aborted_poll_is_dropped_upstream_so_the_next_poll_is_not_a_duplicate() {
    // The browser aborts a long poll (page reload, client timeout) and polls again at once. The
    // relay must drop its upstream request with it: two overlapping polls kill the chat (409).
    let s = setup(|e, _| e.long_poll_timeout = Duration::from_secs(3)).await;
    let (key, affinity) = session(&s).await;
    let poll = || {
        client()
            .get(format!("{}/chat/rest/System/Messages?ack=-1", s.relay))
            .header("Origin", ORIGIN)
            .header("X-LIVEAGENT-API-VERSION", "58")
            .header("X-LIVEAGENT-AFFINITY", &affinity)
            .header("X-LIVEAGENT-SESSION-KEY", &key)
            .send()
    };
    // Start a poll and abandon it while it is held open upstream.
    let first = tokio::time::timeout(Duration::from_millis(300), poll()).await;
    assert!(first.is_err(), "the first poll should still be held open");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = poll().await.unwrap();
    assert_ne!(
        second.status(),
        StatusCode::CONFLICT,
        "the abandoned poll was still open upstream"
    );
}
