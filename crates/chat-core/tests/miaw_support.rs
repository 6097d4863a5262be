//! A scripted network and a fake clock for [`MiawSession`] tests (shared by `miaw_session.rs`,
//! `miaw_upload.rs` and `miaw_receipts.rs`).
//!
//! Every action the session emits is applied to a model of the browser's work in flight:
//! requests and uploads are kept until answered or aborted (aborted ids are recorded);
//! streams are listed as opened, and closed ones recorded.

#![allow(dead_code)]

use chat_core::http::{HttpAction, HttpError, HttpRequest, HttpResponse, Method, UploadRequest};
use chat_core::miaw::{Deployment, MiawAction, MiawConfig, MiawEvent, StreamError};
type MiawSession = chat_core::miaw::MiawSession<chat_core::codec::SerdeJson>;
use chat_core::Pairs;
use serde_json::{json, Value as J};

pub const BASE: &str = "https://acme.my.salesforce-scrt.com";

/// The deployment of every test (18-character org id: `X-Org-Id` must get the 15 first).
/// The silent-stream watchdog is off (these tests leave the stream quiet for hours of
/// simulated time), and a stream is up only when the test says so (`connect`, not after
/// `stream_assume_up_ms`); their own tests turn them on.
pub fn config() -> MiawConfig {
    let mut c = MiawConfig::new(Deployment {
        base_url: BASE.into(),
        org_id: "00D5e000000AbCdXXX".into(),
        es_developer_name: "Web_Custom_Client".into(),
        language: Some("en_US".into()),
    });
    c.stream_idle_ms = None;
    c.stream_assume_up_ms = None;
    c
}

pub struct H {
    pub s: MiawSession,
    pub now: u64,
    /// Requests started and neither answered nor aborted.
    pub requests: Vec<HttpRequest>,
    /// Uploads started and not yet answered.
    pub uploads: Vec<UploadRequest>,
    pub aborted: Vec<u64>,
    /// Every stream opened, the newest last (closed ones are in `closed_streams` too).
    pub streams: Vec<HttpRequest>,
    pub closed_streams: Vec<u64>,
    pub events: Vec<MiawEvent>,
    pub seq: u64,
}

impl H {
    pub fn new(cfg: MiawConfig) -> H {
        H::with_seed(cfg, 42)
    }

    pub fn with_seed(cfg: MiawConfig, seed: u64) -> H {
        H {
            s: MiawSession::new(cfg, seed),
            now: 1_732_262_400_000,
            requests: vec![],
            uploads: vec![],
            aborted: vec![],
            streams: vec![],
            closed_streams: vec![],
            events: vec![],
            seq: 0,
        }
    }

    pub fn pump(&mut self) {
        while let Some(a) = self.s.poll_action() {
            match a {
                MiawAction::Http(HttpAction::Start(r)) => self.requests.push(r),
                MiawAction::Http(HttpAction::Upload(u)) => self.uploads.push(u),
                MiawAction::Http(HttpAction::Abort(id)) => {
                    self.requests.retain(|r| r.id != id);
                    self.uploads.retain(|u| u.id != id);
                    self.aborted.push(id);
                }
                MiawAction::OpenStream(r) => self.streams.push(r),
                MiawAction::CloseStream(id) => self.closed_streams.push(id),
                other => panic!("unexpected action {other:?}"),
            }
        }
        while let Some(e) = self.s.poll_event() {
            self.events.push(e);
        }
    }

    pub fn events(&mut self) -> Vec<MiawEvent> {
        self.pump();
        std::mem::take(&mut self.events)
    }

    /// Removes and returns the only pending request whose method+URL contains `part`.
    pub fn take(&mut self, method: Method, part: &str) -> HttpRequest {
        self.pump();
        let pos: Vec<usize> = (0..self.requests.len())
            .filter(|i| self.requests[*i].method == method && self.requests[*i].url.contains(part))
            .collect();
        assert_eq!(
            pos.len(),
            1,
            "requests matching {part}: {:#?}",
            self.requests
        );
        self.requests.remove(pos[0])
    }

    /// Removes and returns the only pending upload.
    pub fn upload(&mut self) -> UploadRequest {
        self.pump();
        assert_eq!(self.uploads.len(), 1, "uploads: {:#?}", self.uploads);
        self.uploads.remove(0)
    }

    pub fn no_upload(&mut self) {
        self.pump();
        assert!(
            self.uploads.is_empty(),
            "unexpected uploads: {:#?}",
            self.uploads
        );
    }

    pub fn none_pending(&mut self, part: &str) {
        self.pump();
        assert!(
            !self.requests.iter().any(|r| r.url.contains(part)),
            "unexpected request {part}: {:#?}",
            self.requests
        );
    }

    /// Answers request (or upload) `id`; a `null` body is an empty one.
    pub fn answer(&mut self, id: u64, status: u16, body: J) {
        let body = if body.is_null() {
            vec![]
        } else {
            body.to_string().into_bytes()
        };
        self.s
            .handle_http(id, Ok(HttpResponse { status, body }), self.now);
        self.pump();
    }

    pub fn reply(&mut self, r: &HttpRequest, status: u16, body: J) {
        self.answer(r.id, status, body);
    }

    /// Request (or upload) `id` failed on the network.
    pub fn fail_id(&mut self, id: u64) {
        self.s
            .handle_http(id, Err(HttpError::Network("offline".into())), self.now);
        self.pump();
    }

    pub fn fail(&mut self, r: &HttpRequest) {
        self.fail_id(r.id);
    }

    /// The newest stream.
    pub fn stream(&mut self) -> HttpRequest {
        self.pump();
        self.streams.last().cloned().expect("a stream was opened")
    }

    /// The stream's 200 arrived.
    pub fn connect(&mut self) {
        let id = self.stream().id;
        self.s.handle_stream_chunk(id, b"", self.now);
        self.pump();
    }

    /// A reconnected stream (or one that connected after the conversation was created) checks
    /// the history for a gap: answer that there is none.
    pub fn no_gap(&mut self) {
        let l = self.take(Method::Get, "/entries?");
        self.reply(&l, 200, serde_json::json!({"conversationEntries": []}));
    }

    /// Body bytes (SSE frames) on the stream.
    pub fn push(&mut self, bytes: impl AsRef<[u8]>) {
        let id = self.stream().id;
        self.s.handle_stream_chunk(id, bytes.as_ref(), self.now);
        self.pump();
    }

    /// The newest stream breaks (network reset).
    pub fn drop_stream(&mut self) {
        let id = self.stream().id;
        self.s
            .handle_stream_closed(id, Some(StreamError::Network("reset".into())), self.now);
        self.pump();
    }

    pub fn advance_to_deadline(&mut self) {
        let d = self.s.next_deadline().expect("a deadline");
        assert!(d >= self.now);
        self.now = d;
        self.s.handle_timeout(self.now);
        self.pump();
    }

    pub fn conv(&self) -> String {
        self.s.conversation_id().unwrap().to_string()
    }

    /// One SSE frame with a fresh id.
    pub fn frame(
        &mut self,
        event: &str,
        entry_type: &str,
        payload: J,
        role: &str,
        name: &str,
        related: J,
    ) -> String {
        self.seq += 1;
        let data = json!({
            "channelPlatformKey": "k", "channelType": "embedded_messaging",
            "channelAddressIdentifier": "0Mj", "conversationId": self.conv(),
            "conversationEntry": {
                "identifier": payload["id"], "entryType": entry_type,
                "entryPayload": payload.to_string(),
                "sender": {"role": role, "appType": "x", "subject": "s"},
                "senderDisplayName": name, "clientTimestamp": 1, "transcriptedTimestamp": 2,
                "relatedRecords": related
            }
        });
        format!(
            "id: {}:{}\nevent: {event}\ndata: {data}\n\n",
            1732262405000u64, self.seq
        )
    }

    /// A delivery (or read) acknowledgement of the visitor's message `message_id`.
    pub fn ack(&mut self, read: bool, message_id: &str) -> String {
        let (ev, ty) = if read {
            ("CONVERSATION_READ_ACKNOWLEDGEMENT", "ReadAcknowledgement")
        } else {
            (
                "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
                "DeliveryAcknowledgement",
            )
        };
        let id = format!("ack-{}", self.seq);
        self.frame(
            ev,
            ty,
            json!({"entryType":ty,"id":id,"acknowledgementTimestamp":5}),
            "Agent",
            "Jane",
            json!([message_id]),
        )
    }
}

/// A text message as list-entries gives it (history), sent by `role` as `name` at `t`.
pub fn history_message(id: &str, text: &str, role: &str, name: &str, t: u64) -> J {
    serde_json::json!({"identifier":id,"entryType":"Message","entryPayload":{"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}},"sender":{"role":role},"senderDisplayName":name,"clientTimestamp":t,"transcriptedTimestamp":t,"relatedRecords":[]})
}

/// The ids of the messages among `events`, each asserted to be shown as live (not history).
pub fn shown_live(events: Vec<MiawEvent>) -> Vec<String> {
    events
        .into_iter()
        .filter_map(|e| match e {
            MiawEvent::Message { id, history, .. } => {
                assert!(!history, "missed live: shown as live");
                Some(id)
            }
            _ => None,
        })
        .collect()
}

pub fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    header_in(&r.headers, name)
}

pub fn header_in<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn body(r: &HttpRequest) -> J {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

/// The routing attributes the sessions start with.
pub fn routing() -> Pairs {
    [
        ("_firstName", "Ada".to_string()),
        ("Topic", "Billing".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|i| b[*i] == b'-')
        && s.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c))
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}
