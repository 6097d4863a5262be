//! Shared helpers for the emulator's integration tests: a spawned emulator on port 0, a real
//! HTTP client, an SSE reader and MIAW / Live Agent / control shortcuts.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use sf_emulator::{EmulatorConfig, RunningEmulator};

pub const ORG: &str = sf_emulator::DEFAULT_ORG_ID;
pub const ES: &str = sf_emulator::DEFAULT_ES_DEVELOPER_NAME;
pub const DEP: &str = sf_emulator::DEFAULT_DEPLOYMENT_ID;
pub const BUTTON: &str = sf_emulator::DEFAULT_BUTTON_ID;
pub const JANE: &str = "0055e000001JaNe";
pub const MARK: &str = "0055e000001MaRk";

/// Test configuration: short long-poll hold, slow pings (tests that need pings set their own).
pub fn test_config() -> EmulatorConfig {
    EmulatorConfig {
        long_poll_timeout: Duration::from_millis(1000),
        client_poll_timeout_secs: 3,
        sse_ping_interval: Duration::from_secs(30),
        ..EmulatorConfig::default()
    }
}

pub struct Emu {
    pub emu: RunningEmulator,
    pub base: String,
    pub http: Client,
}

pub async fn start() -> Emu {
    start_with(test_config()).await
}

pub async fn start_with(cfg: EmulatorConfig) -> Emu {
    let emu = sf_emulator::spawn(cfg).await.expect("spawn emulator");
    let base = emu.base_url();
    let http = Client::builder().no_proxy().build().expect("client");
    Emu { emu, base, http }
}

pub fn uuid() -> String {
    // Tests mint ids like a client would: lowercase UUID v4.
    let mut b = [0u8; 16];
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    static CTR: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let c = CTR.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as u128;
    let mut x = seed ^ (c.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835));
    for byte in b.iter_mut() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *byte = (x >> 64) as u8;
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|v| format!("{v:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    // ---------------------------------------------------------------- control API
    pub async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let r = self.control_raw(method, path, body).await;
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(
            status.is_success(),
            "control {method} {path} -> {status}: {text}"
        );
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    pub async fn control_raw(&self, method: &str, path: &str, body: Value) -> Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.http
            .request(m, self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn transcript(&self, conv: &str) -> Vec<Value> {
        self.control(
            "GET",
            &format!("/control/conversations/{conv}/transcript"),
            Value::Null,
        )
        .await
        .as_array()
        .unwrap()
        .clone()
    }

    // ---------------------------------------------------------------- MIAW
    pub async fn token(&self) -> Value {
        let r = self
            .http
            .post(self.url("/iamessage/api/v2/authorization/unauthenticated/access-token"))
            .json(&json!({"orgId": ORG, "esDeveloperName": ES, "capabilitiesVersion": "1", "platform": "Web"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn jwt(&self) -> String {
        self.token().await["accessToken"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn miaw(&self, method: reqwest::Method, path: &str, jwt: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/iamessage/api/v2{path}")))
            .bearer_auth(jwt)
            .header("Content-Type", "application/json")
    }

    pub async fn create_conv(&self, jwt: &str) -> String {
        let id = uuid();
        let r = self
            .miaw(reqwest::Method::POST, "/conversation", jwt)
            .json(&json!({"routingAttributes": {"_firstName": "Ada", "_email": "ada@example.com"}, "esDeveloperName": ES, "conversationId": id}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        id
    }

    pub async fn send_text(
        &self,
        jwt: &str,
        conv: &str,
        text: &str,
    ) -> (reqwest::StatusCode, String) {
        let id = uuid();
        let r = self
            .miaw(reqwest::Method::POST, &format!("/conversation/{conv}/message"), jwt)
            .json(&json!({"message": {"id": id, "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": text}}, "esDeveloperName": ES}))
            .send()
            .await
            .unwrap();
        (r.status(), id)
    }

    /// A text sent with `isNewMessagingSession: true` (after the session ended: a 417).
    pub async fn send_new_session(&self, jwt: &str, conv: &str, text: &str) -> Response {
        self.miaw(reqwest::Method::POST, &format!("/conversation/{conv}/message"), jwt)
            .json(&json!({"message": {"id": uuid(), "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": text}}, "isNewMessagingSession": true, "esDeveloperName": ES}))
            .send()
            .await
            .unwrap()
    }

    /// The end user ends the messaging session (`DELETE …/session`).
    pub async fn end_session(&self, jwt: &str, conv: &str) -> Response {
        self.miaw(
            reqwest::Method::DELETE,
            &format!("/conversation/{conv}/session?esDeveloperName={ES}"),
            jwt,
        )
        .send()
        .await
        .unwrap()
    }

    pub async fn sse(&self, jwt: &str, last_event_id: Option<&str>) -> Sse {
        let mut req = self
            .http
            .get(self.url("/eventrouter/v1/sse?_ts=1"))
            .bearer_auth(jwt)
            .header("X-Org-Id", ORG)
            .header("Accept", "text/event-stream");
        if let Some(l) = last_event_id {
            req = req.header("Last-Event-Id", l);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Sse::new(r)
    }

    // ---------------------------------------------------------------- Live Agent
    pub fn la(
        &self,
        method: reqwest::Method,
        resource: &str,
        s: &LaSession,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/chat/rest/{resource}")))
            .header("X-LIVEAGENT-API-VERSION", "43")
            .header("X-LIVEAGENT-AFFINITY", s.affinity.clone())
            .header("X-LIVEAGENT-SESSION-KEY", s.key.clone())
    }

    pub async fn la_session(&self) -> LaSession {
        let r = self
            .http
            .get(self.url("/chat/rest/System/SessionId"))
            .header("X-LIVEAGENT-API-VERSION", "43")
            .header("X-LIVEAGENT-AFFINITY", "null")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        LaSession {
            id: v["id"].as_str().unwrap().to_string(),
            key: v["key"].as_str().unwrap().to_string(),
            affinity: v["affinityToken"].as_str().unwrap().to_string(),
            seq: 0,
            ack: -1,
            offset: 0,
        }
    }

    pub async fn la_post(&self, s: &mut LaSession, resource: &str, body: Value) -> Response {
        s.seq += 1;
        self.la(reqwest::Method::POST, &format!("Chasitor/{resource}"), s)
            .header("X-LIVEAGENT-SEQUENCE", s.seq.to_string())
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn la_init(&self, s: &mut LaSession, body: Value) -> Response {
        self.la_post(s, "ChasitorInit", body).await
    }

    /// One Messages poll; updates `ack`/`offset` on 200. Returns (status, messages).
    pub async fn poll(&self, s: &mut LaSession) -> (u16, Vec<Value>) {
        let r = self
            .la(
                reqwest::Method::GET,
                &format!("System/Messages?ack={}", s.ack),
                s,
            )
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if status == 200 {
            let v: Value = r.json().await.unwrap();
            s.ack = v["sequence"].as_i64().unwrap();
            s.offset = v["offset"].as_u64().unwrap();
            (200, v["messages"].as_array().unwrap().clone())
        } else {
            (status, Vec::new())
        }
    }

    /// Poll until a message of `ty` arrives (at most `polls` polls); returns all messages seen.
    pub async fn poll_until(&self, s: &mut LaSession, ty: &str, polls: usize) -> Vec<Value> {
        let mut seen = Vec::new();
        for _ in 0..polls {
            let (st, msgs) = self.poll(s).await;
            assert!(st == 200 || st == 204, "poll status {st}");
            let done = msgs.iter().any(|m| m["type"] == ty);
            seen.extend(msgs);
            if done {
                return seen;
            }
        }
        panic!("no {ty} within {polls} polls: {seen:?}");
    }
}

pub fn init_body(s: &LaSession) -> Value {
    json!({
        "organizationId": ORG,
        "deploymentId": DEP,
        "buttonId": BUTTON,
        "doFallback": true,
        "sessionId": s.id,
        "userAgent": "Mozilla/5.0 (test)",
        "language": "en-US",
        "screenResolution": "1920x1080",
        "visitorName": "Ada",
        "prechatDetails": [{
            "label": "E-mail Address",
            "value": "ada@example.com",
            "entityMaps": [{"entityName": "Contact", "fieldName": "Email"}],
            "transcriptFields": ["Email__c"],
            "displayToAgent": true,
            "doKnowledgeSearch": false
        }],
        "prechatEntities": [],
        "buttonOverrides": [],
        "receiveQueueUpdates": true,
        "isPost": true
    })
}

#[derive(Debug, Clone)]
pub struct LaSession {
    pub id: String,
    pub key: String,
    pub affinity: String,
    pub seq: i64,
    pub ack: i64,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
    pub raw: String,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
    /// `conversationEntry.entryPayload`, parsed a second time (it is a JSON string).
    pub fn payload(&self) -> Value {
        let v = self.json();
        let p = v["conversationEntry"]["entryPayload"]
            .as_str()
            .expect("entryPayload must be a string");
        serde_json::from_str(p).unwrap()
    }
}

pub struct Sse {
    stream: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = reqwest::Result<bytes_alias::Bytes>> + Send>,
    >,
    buf: String,
    pub ended: bool,
}

pub mod bytes_alias {
    pub use axum::body::Bytes;
}

impl Sse {
    pub fn new(r: Response) -> Self {
        Sse {
            stream: Box::pin(r.bytes_stream()),
            buf: String::new(),
            ended: false,
        }
    }

    /// Next frame (pings included), or None on end of stream / timeout.
    pub async fn next_frame(&mut self, timeout: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(i) = self.buf.find("\n\n") {
                let raw: String = self.buf[..i + 2].to_string();
                self.buf.drain(..i + 2);
                let mut f = Frame {
                    id: None,
                    event: None,
                    data: String::new(),
                    raw: raw.clone(),
                };
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        f.id = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        f.event = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        f.data.push_str(v);
                    }
                }
                return Some(f);
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => {
                    self.ended = true;
                }
                Ok(Some(Ok(b))) => self.buf.push_str(&String::from_utf8_lossy(&b)),
            }
        }
    }

    /// Next non-ping event.
    pub async fn next_event(&mut self) -> Option<Frame> {
        loop {
            let f = self.next_frame(Duration::from_secs(5)).await?;
            if f.event.as_deref() != Some("ping") {
                return Some(f);
            }
        }
    }

    /// Skip events until one named `name` arrives.
    pub async fn expect(&mut self, name: &str) -> Frame {
        let mut seen = Vec::new();
        while let Some(f) = self.next_event().await {
            if f.event.as_deref() == Some(name) {
                return f;
            }
            seen.push(f.event.clone());
        }
        panic!("no {name} event; saw {seen:?}");
    }
}

// -------------------------------------------------------------------- golden files

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    if i + 36 > b.len() {
        return false;
    }
    b[i..i + 36].iter().enumerate().all(|(k, c)| match k {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// `v` with its object members in key order, so that JSON text compares the same whether or
/// not serde_json keeps insertion order (its `preserve_order` feature is on when the widget's
/// core is built in the same workspace run).
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Replace volatile parts (UUIDs, timestamps, tokens, ports) so payloads can be compared.
pub fn normalize(v: &Value, base: &str) -> Value {
    fn walk(v: &Value, key: &str, base: &str) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), walk(x, k, base)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, key, base)).collect()),
            Value::Number(_)
                if key.to_ascii_lowercase().contains("timestamp")
                    || key == "offset"
                    || key == "time" =>
            {
                json!(0)
            }
            Value::String(s) if key == "entryPayload" => {
                let inner: Value = serde_json::from_str(s).unwrap();
                Value::String(sorted(&walk(&inner, "", base)).to_string())
            }
            Value::String(s) if key == "accessToken" => json!("<jwt>"),
            Value::String(s) if key == "key" && s.contains('!') => json!("<session-key>"),
            Value::String(s) if key == "affinityToken" => json!("<affinity>"),
            Value::String(s) => {
                let s = s.replace(base, "http://EMULATOR");
                let b = s.as_bytes();
                let mut out = String::new();
                let mut i = 0;
                while i < b.len() {
                    if is_uuid_at(b, i) {
                        out.push_str("<uuid>");
                        i += 36;
                    } else {
                        let ch = s[i..].chars().next().unwrap();
                        out.push(ch);
                        i += ch.len_utf8();
                    }
                }
                Value::String(out)
            }
            other => other.clone(),
        }
    }
    walk(v, "", base)
}

/// Compare with `tests/golden/<name>.json`; `UPDATE_GOLDEN=1` rewrites the file.
pub fn golden(name: &str, actual: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let pretty = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, pretty).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden file {path:?}; run with UPDATE_GOLDEN=1"));
    let expected: Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(
        &expected, actual,
        "golden {name} differs (UPDATE_GOLDEN=1 to accept)"
    );
}

/// Every key of `spec` (recursively; first element of arrays) exists in `actual` with the same
/// JSON kind (null in the spec matches anything).
pub fn assert_shape(spec: &Value, actual: &Value, path: &str) {
    match (spec, actual) {
        (Value::Object(s), Value::Object(a)) => {
            for (k, sv) in s {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("missing {path}.{k} in {actual}"));
                assert_shape(sv, av, &format!("{path}.{k}"));
            }
        }
        (Value::Array(s), Value::Array(a)) => {
            if let (Some(s0), Some(a0)) = (s.first(), a.first()) {
                assert_shape(s0, a0, &format!("{path}[0]"));
            }
        }
        (Value::Null, _) => {}
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_)) => {}
        (s, a) => panic!("{path}: spec has {s}, emulator has {a}"),
    }
}
