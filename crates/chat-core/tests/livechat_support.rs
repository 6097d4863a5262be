//! A scripted network and a fake clock for [`LiveChatSession`] tests.
//!
//! Every action the session emits is applied to a model of the browser's in-flight requests;
//! after every step the harness asserts that at most one `System/Messages` poll is in flight
//! (two overlapping polls kill the chat on the real server).

#![allow(dead_code)]

use chat_core::http::{HttpAction, HttpError, HttpRequest, HttpResponse};
use chat_core::livechat::{LiveChatConfig, LiveChatEvent};
pub type LiveChatSession = chat_core::livechat::LiveChatSession<chat_core::codec::SerdeJson>;
use serde_json::Value as J;

pub const KEY: &str = "ec550263!1629334776994!Trfo=";
pub const SID: &str = "ec550263-354e-477c-b773-7747ebce3f5e";

pub fn config() -> LiveChatConfig {
    LiveChatConfig {
        endpoint: "https://relay.example.com".into(),
        organization_id: "00D5e000000AbCd".into(),
        deployment_id: "5725e000000AbCd".into(),
        button_id: "5735e000000AbCd".into(),
        api_version: "52".into(),
        language: "en-US".into(),
        visitor_name: "Ada".into(),
        user_agent: "Mozilla/5.0 test".into(),
        screen_resolution: "1920x1080".into(),
        ..Default::default()
    }
}

pub struct H {
    pub s: LiveChatSession,
    pub now: u64,
    /// Requests started and neither answered nor aborted.
    pub inflight: Vec<HttpRequest>,
    /// Every request ever started, in order.
    pub started: Vec<HttpRequest>,
    /// Every action, in order.
    pub actions: Vec<HttpAction>,
    pub events: Vec<LiveChatEvent>,
}

impl H {
    pub fn new(config: LiveChatConfig) -> H {
        H::with(LiveChatSession::new(config))
    }

    pub fn with(s: LiveChatSession) -> H {
        H {
            s,
            now: 1_000_000,
            inflight: Vec::new(),
            started: Vec::new(),
            actions: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Applies the session's outputs to the in-flight model.
    pub fn drain(&mut self) {
        while let Some(a) = self.s.poll_action() {
            self.actions.push(a.clone());
            match a {
                HttpAction::Start(r) => {
                    assert!(
                        !self.inflight.iter().any(|x| x.id == r.id),
                        "request id reused"
                    );
                    self.inflight.push(r.clone());
                    self.started.push(r);
                }
                HttpAction::Abort(id) => self.inflight.retain(|r| r.id != id),
                other => panic!("Live Chat never streams or uploads: {other:?}"),
            }
            let polls = self
                .inflight
                .iter()
                .filter(|r| r.url.contains("/System/Messages"))
                .count();
            assert!(polls <= 1, "two System/Messages polls in flight");
        }
        while let Some(e) = self.s.poll_event() {
            self.events.push(e);
        }
    }

    pub fn start(&mut self) {
        self.s.start(self.now);
        self.drain();
    }

    /// The one in-flight request whose URL contains `part` (panics if none or several).
    pub fn req(&self, part: &str) -> HttpRequest {
        let found: Vec<_> = self
            .inflight
            .iter()
            .filter(|r| r.url.contains(part))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one in-flight request matching {part}, in flight: {:?}",
            self.inflight.iter().map(|r| &r.url).collect::<Vec<_>>()
        );
        found[0].clone()
    }

    pub fn has(&self, part: &str) -> bool {
        self.inflight.iter().any(|r| r.url.contains(part))
    }

    pub fn reply(&mut self, r: &HttpRequest, status: u16, body: &str) {
        self.inflight.retain(|x| x.id != r.id);
        let resp = HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
        };
        self.s.handle_http(r.id, Ok(resp), self.now);
        self.drain();
    }

    pub fn reply_json(&mut self, r: &HttpRequest, status: u16, body: J) {
        self.reply(r, status, &body.to_string());
    }

    pub fn fail(&mut self, r: &HttpRequest) {
        self.inflight.retain(|x| x.id != r.id);
        self.s
            .handle_http(r.id, Err(HttpError::Network("offline".into())), self.now);
        self.drain();
    }

    /// Answers the in-flight request matching `part`.
    pub fn answer(&mut self, part: &str, status: u16, body: &str) -> HttpRequest {
        let r = self.req(part);
        self.reply(&r, status, body);
        r
    }

    /// Answers the poll with `messages` and `sequence`.
    pub fn poll_reply(&mut self, sequence: u64, messages: J) -> HttpRequest {
        let body = serde_json::json!({"messages": messages, "sequence": sequence, "offset": 1000 + sequence});
        let r = self.req("/System/Messages");
        self.reply_json(&r, 200, body);
        r
    }

    /// Moves the clock to `now + ms`, firing every deadline on the way.
    pub fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        while let Some(d) = self.s.next_deadline() {
            if d > target {
                break;
            }
            self.now = self.now.max(d);
            self.s.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    pub fn take_events(&mut self) -> Vec<LiveChatEvent> {
        std::mem::take(&mut self.events)
    }

    /// Events other than diagnostics.
    pub fn take_events_no_log(&mut self) -> Vec<LiveChatEvent> {
        self.take_events()
            .into_iter()
            .filter(|e| !matches!(e, LiveChatEvent::Log { .. }))
            .collect()
    }

    pub fn logs(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                LiveChatEvent::Log { message } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// Requests started whose URL contains `part`.
    pub fn started_matching(&self, part: &str) -> Vec<HttpRequest> {
        self.started
            .iter()
            .filter(|r| r.url.contains(part))
            .cloned()
            .collect()
    }

    /// Through SessionId, ChasitorInit and ChatRequestSuccess to ChatEstablished (ack = 2).
    pub fn established(config: LiveChatConfig, sneak_peek: bool) -> H {
        let mut h = H::new(config);
        h.start();
        h.answer(
            "/System/SessionId",
            200,
            &serde_json::json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "aff1"}).to_string(),
        );
        h.answer("/Chasitor/ChasitorInit", 200, "OK");
        h.poll_reply(
            1,
            serde_json::json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 2, "estimatedWaitTime": 30, "connectionTimeout": 150000}}]),
        );
        h.poll_reply(
            2,
            serde_json::json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "0055e000001JaNe", "items": [], "sneakPeekEnabled": sneak_peek, "chasitorIdleTimeout": {"isEnabled": false}}}]),
        );
        h.take_events();
        h
    }
}

pub fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn seq(r: &HttpRequest) -> u64 {
    header(r, "X-LIVEAGENT-SEQUENCE")
        .expect("a sequence header")
        .parse()
        .unwrap()
}

pub fn body(r: &HttpRequest) -> J {
    serde_json::from_str(r.body.as_deref().expect("a body")).expect("JSON body")
}

/// The Contact entity (found by e-mail, created when missing, linked to the Case) the pre-chat
/// examples use (`live-agent.md` §4.2).
pub fn contact_entity() -> chat_core::livechat::PrechatEntity {
    chat_core::livechat::PrechatEntity {
        entity_name: "Contact".into(),
        show_on_create: true,
        link_to_entity_name: Some("Case".into()),
        link_to_entity_field: Some("ContactId".into()),
        save_to_transcript: Some("ContactId".into()),
        entity_fields_maps: vec![chat_core::livechat::EntityFieldMap {
            field_name: "Email".into(),
            label: "E-mail Address".into(),
            do_find: true,
            is_exact_match: true,
            do_create: true,
        }],
    }
}
