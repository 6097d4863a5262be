//! Delivery and read receipts for the agents' messages (`handoff.miaw.sendReceipts`,
//! `MiawConfig::send_receipts`, `MiawSession::mark_read`): scripted sessions with a fake
//! clock, then the same inside `Chat` (read receipts follow the window).

#[path = "miaw_support.rs"]
mod support;

use chat_core::handoff::Channel;
use chat_core::http::{HttpAction, HttpRequest, HttpResponse, Method};
use chat_core::miaw::{MiawConfig, MiawEvent};
use chat_core::{Environment, Pairs, WidgetConfig};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;
use serde_json::{json, Value as J};
use support::*;

#[path = "common/bot.rs"]
mod bot;
use bot::with_bot;

const BASE: &str = "https://acme.my.salesforce-scrt.com";
const ACKS: &str = "/acknowledge-entries";

fn receipts() -> MiawConfig {
    let mut c = config();
    c.send_receipts = true;
    c
}

impl H {
    /// A `CONVERSATION_MESSAGE` frame with a fresh SSE id.
    fn message(&mut self, id: &str, text: &str, role: &str, name: &str) -> String {
        self.seq += 1;
        let payload = json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}});
        let data = json!({
            "conversationId": self.conv(),
            "conversationEntry": {
                "identifier": id, "entryType": "Message", "entryPayload": payload.to_string(),
                "sender": {"role": role}, "senderDisplayName": name,
                "clientTimestamp": 1, "transcriptedTimestamp": 2, "relatedRecords": []
            }
        });
        format!(
            "id: 1732262405000:{}\nevent: CONVERSATION_MESSAGE\ndata: {data}\n\n",
            self.seq
        )
    }

    fn agent(&mut self, id: &str, text: &str) -> String {
        self.message(id, text, "Agent", "Jane")
    }

    fn joined(&mut self) -> String {
        self.seq += 1;
        let payload = json!({"entryType":"ParticipantChanged","id":"p1","entries":[{"operation":"add","displayName":"Jane","participant":{"role":"Agent"}}]});
        let data = json!({
            "conversationId": self.conv(),
            "conversationEntry": {
                "identifier": "p1", "entryType": "ParticipantChanged",
                "entryPayload": payload.to_string(), "sender": {"role": "System"},
                "senderDisplayName": "", "clientTimestamp": 1, "transcriptedTimestamp": 2,
                "relatedRecords": []
            }
        });
        format!(
            "id: 1732262405000:{}\nevent: CONVERSATION_PARTICIPANT_CHANGED\ndata: {data}\n\n",
            self.seq
        )
    }

    /// The only pending receipts request, taken.
    fn acks(&mut self) -> HttpRequest {
        self.take(Method::Post, ACKS)
    }

    fn no_acks(&mut self) {
        self.none_pending(ACKS);
    }
}

/// `(entryType, conversationEntryId)` of every ack of a receipts request.
fn acked(r: &HttpRequest) -> Vec<(String, String)> {
    body(r)["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .map(|a| {
            (
                a["entryType"].as_str().unwrap().to_string(),
                a["conversationEntryId"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Start → token → stream + create → created → connected.
fn open_session(cfg: MiawConfig) -> H {
    let mut h = H::new(cfg);
    h.s.start(Pairs::new(), h.now);
    let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
    h.reply(&t, 200, json!({"accessToken":"tok1","lastEventId":"0"}));
    let c = h.take(Method::Post, "/iamessage/api/v2/conversation");
    let id = body(&c)["conversationId"].clone();
    h.reply(&c, 201, json!({ "conversationId": id }));
    h.connect();
    // The stream connected after the creation: the history catches up (nothing missed).
    let l = h.take(Method::Get, "/entries?");
    h.reply(&l, 200, json!({ "conversationEntries": [] }));
    h.events();
    h
}

/// An entry of a list-entries answer (history after a reload).
fn history_entry(id: &str, role: &str) -> J {
    json!({"identifier":id,"entryType":"Message","entryPayload":{"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":format!("text of {id}")}}},"sender":{"role":role},"senderDisplayName":"Jane","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]})
}

/// Reload: a new session restores `saved`, gets a token and the history (newest first).
fn reload(cfg: MiawConfig, saved: &str, seq: u64, history: Vec<J>) -> H {
    let mut g = H::new(cfg);
    g.seq = seq;
    assert!(g.s.restore_text(saved, g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    let l = g.take(Method::Get, "/entries?");
    g.reply(&l, 200, json!({ "conversationEntries": history }));
    g
}

// ----- configuration ---------------------------------------------------------------------------

fn miaw_settings(extra: J) -> chat_core::Loaded {
    let mut miaw =
        json!({"url": BASE, "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"});
    if let (J::Object(m), J::Object(e)) = (&mut miaw, extra) {
        m.extend(e);
    }
    WidgetConfig::from_json::<chat_core::codec::SerdeJson>(
        &with_bot(&json!({"handoff": {"miaw": miaw}})).to_string(),
    )
}

fn send_receipts_of(loaded: &chat_core::Loaded) -> bool {
    assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
    assert!(loaded.report.warnings.is_empty(), "{:?}", loaded.report);
    match &loaded.config.handoff.as_ref().expect("a handoff").channel {
        Channel::Miaw(m) => m.send_receipts,
        other => panic!("not MIAW: {other:?}"),
    }
}

#[test]
fn send_receipts_is_an_opt_in_boolean() {
    assert!(!config().send_receipts, "off in MiawConfig::new");
    assert!(!send_receipts_of(&miaw_settings(json!({}))));
    assert!(send_receipts_of(&miaw_settings(
        json!({"sendReceipts": true})
    )));
    assert!(!send_receipts_of(&miaw_settings(
        json!({"sendReceipts": false})
    )));
    let bad = miaw_settings(json!({"sendReceipts": "yes"}));
    let e = bad
        .report
        .errors
        .iter()
        .find(|e| e.path == "handoff.miaw.sendReceipts")
        .unwrap_or_else(|| panic!("{:?}", bad.report));
    assert!(e.message.contains("expected true or false"), "{e}");
}

// ----- the session ------------------------------------------------------------------------------

#[test]
fn off_by_default_nothing_is_acknowledged_or_saved() {
    let mut h = open_session(config());
    let j = h.joined();
    let a1 = h.agent("a1", "Hello");
    h.push(format!("{j}{a1}"));
    h.s.mark_read(h.now);
    h.no_acks();
    assert!(h.requests.is_empty(), "{:#?}", h.requests);
    assert_eq!(h.s.next_deadline(), None);
    let saved = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    assert!(!saved.contains("receipts"), "{saved}");
}

#[test]
fn delivery_receipts_batch_what_arrives_together() {
    let mut h = open_session(receipts());
    // The visitor's own message: its echo is never acknowledged.
    let own = h.s.send_text("Hi", h.now).unwrap();
    let m = h.take(Method::Post, "/message");
    h.reply(&m, 202, J::Null);
    h.events();
    let j = h.joined();
    let a1 = h.agent("a1", "Hello");
    let echo = h.message(&own, "Hi", "EndUser", "Guest");
    let b1 = h.message("b1", "I am the bot", "Chatbot", "Bot");
    h.push(format!("{j}{a1}{echo}{b1}"));
    let shown = h
        .events()
        .iter()
        .filter(|e| matches!(e, MiawEvent::Message { .. }))
        .count();
    assert_eq!(shown, 2, "a1 and b1 shown as usual");

    // One request for the chunk: a delivery receipt per agent (non-EndUser) message.
    let r = h.acks();
    assert_eq!(
        r.url,
        format!(
            "{BASE}/iamessage/api/v2/conversation/{}/acknowledge-entries",
            h.conv()
        )
    );
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok1"));
    assert_eq!(header(&r, "Content-Type"), Some("application/json"));
    assert_eq!(acked(&r), pairs(&[("Delivery", "a1"), ("Delivery", "b1")]));
    let ids: Vec<String> = body(&r)["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|i| is_uuid_v4(i)), "{ids:?}");
    assert_ne!(ids[0], ids[1]);

    // While it is in flight, later receipts wait, then go together.
    let a2 = h.agent("a2", "One moment");
    h.push(&a2);
    let a3 = h.agent("a3", "Found it");
    h.push(&a3);
    h.no_acks();
    h.reply(&r, 202, J::Null);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Delivery", "a2"), ("Delivery", "a3")]));
    h.reply(&r, 200, J::Null);
    h.no_acks();
    // No read receipt without mark_read.
    assert_eq!(h.s.next_deadline(), None);
}

#[test]
fn mark_read_acknowledges_each_message_once() {
    let mut h = open_session(receipts());
    let a1 = h.agent("a1", "Hello");
    let a2 = h.agent("a2", "How can I help?");
    h.push(format!("{a1}{a2}"));
    let r = h.acks();
    h.reply(&r, 202, J::Null);

    h.s.mark_read(h.now);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a1"), ("Read", "a2")]));
    h.reply(&r, 202, J::Null);
    h.s.mark_read(h.now);
    h.no_acks();

    // A new message: its delivery receipt is in flight when it is read; the read receipt
    // follows once the delivery one is answered.
    let a3 = h.agent("a3", "Still there?");
    h.push(&a3);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Delivery", "a3")]));
    h.s.mark_read(h.now);
    h.no_acks();
    h.reply(&r, 202, J::Null);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a3")]));
    h.reply(&r, 202, J::Null);
    h.s.mark_read(h.now);
    h.no_acks();

    // A reconnect replays a1 and a3: nothing is acknowledged twice (nor shown twice).
    h.events();
    h.drop_stream();
    h.advance_to_deadline();
    h.connect();
    let a1 = h.agent("a1", "Hello");
    let a3 = h.agent("a3", "Still there?");
    h.push(format!("{a1}{a3}"));
    h.s.mark_read(h.now);
    h.no_acks();
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, MiawEvent::Message { .. })));
}

#[test]
fn receipts_wait_while_the_stream_is_down() {
    let mut h = open_session(receipts());
    let a1 = h.agent("a1", "Hello");
    h.push(&a1);
    let r = h.acks();
    h.reply(&r, 202, J::Null);
    h.drop_stream();
    h.s.mark_read(h.now);
    h.no_acks();
    h.advance_to_deadline();
    h.no_acks();
    h.connect();
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a1")]));
}

#[test]
fn failed_receipts_are_retried_with_the_same_ids_then_dropped_without_a_word() {
    let mut h = open_session(receipts());
    assert_eq!(h.s.next_deadline(), None);
    let a1 = h.agent("a1", "Hello");
    h.push(&a1);
    let first = h.acks();
    let sent = body(&first);
    // Attempt 1: network error → retried after the backoff, same body (same ack ids).
    h.fail(&first);
    h.no_acks();
    let mut statuses = vec![503, 401, 429].into_iter();
    let mut attempts = 1;
    loop {
        assert!(h.s.next_deadline().is_some(), "a retry is scheduled");
        h.advance_to_deadline();
        let r = h.acks();
        attempts += 1;
        assert_eq!(body(&r), sent, "attempt {attempts} resends the same acks");
        match statuses.next() {
            Some(s) => {
                h.reply(&r, s, J::Null);
                // A 401 on a receipt does not renew the token.
                h.none_pending("/access-token");
            }
            None => {
                h.fail(&r);
                break;
            }
        }
    }
    assert_eq!(attempts, config().max_send_attempts);
    // Given up: no further request, no deadline, no error; the chat goes on.
    h.no_acks();
    assert_eq!(h.s.next_deadline(), None);
    let ev = h.events();
    assert!(
        !ev.iter()
            .any(|e| matches!(e, MiawEvent::Error { .. } | MiawEvent::Ended { .. })),
        "{ev:?}"
    );
    assert!(h.s.is_open() && h.s.is_connected());
    let own = h.s.send_text("Are you there?", h.now).unwrap();
    let m = h.take(Method::Post, "/message");
    assert_eq!(body(&m)["message"]["id"], own.as_str());
    // Later receipts are a new batch; the dropped delivery receipt is not sent again, but
    // a1's read receipt is still owed.
    let a2 = h.agent("a2", "Yes");
    h.push(&a2);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Delivery", "a2")]));
    h.reply(&r, 202, J::Null);
    h.s.mark_read(h.now);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a1"), ("Read", "a2")]));
}

#[test]
fn other_errors_drop_the_batch_and_404_stops_receipts() {
    let mut h = open_session(receipts());
    let a1 = h.agent("a1", "Hello");
    h.push(&a1);
    let r = h.acks();
    h.reply(&r, 400, json!({"message": "bad ack"}));
    assert_eq!(h.s.next_deadline(), None, "not retried");
    let a2 = h.agent("a2", "Hi again");
    h.push(&a2);
    let r = h.acks();
    assert_eq!(acked(&r), pairs(&[("Delivery", "a2")]));
    // No such endpoint: receipts stop for this session.
    h.reply(&r, 404, J::Null);
    let a3 = h.agent("a3", "Anyone?");
    h.push(&a3);
    h.s.mark_read(h.now);
    h.no_acks();
    assert_eq!(h.s.next_deadline(), None);
    let ev = h.events();
    assert!(
        !ev.iter().any(|e| matches!(e, MiawEvent::Error { .. })),
        "{ev:?}"
    );
    assert!(h.s.is_open());
}

#[test]
fn reload_remembers_what_was_read_and_acknowledges_only_what_is_new() {
    let mut h = open_session(receipts());
    let a1 = h.agent("a1", "Hello");
    h.push(&a1);
    let r = h.acks();
    h.reply(&r, 202, J::Null);
    h.s.mark_read(h.now);
    let r = h.acks();
    h.reply(&r, 202, J::Null);
    let a2 = h.agent("a2", "Anything else?");
    h.push(&a2);
    let r = h.acks();
    h.reply(&r, 202, J::Null);
    // a1 read, a2 delivered but not read when the page unloads.
    let saved = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    let v: J = serde_json::from_str(&saved).unwrap();
    assert_eq!(v["receipts"], json!({"read": ["a1"], "unread": ["a2"]}));

    // a3 arrived while the page was away; the history (newest first) has all three.
    let mut g = reload(
        receipts(),
        &saved,
        h.seq,
        vec![
            history_entry("a3", "Agent"),
            history_entry("a2", "Agent"),
            history_entry("a1", "Agent"),
        ],
    );
    g.no_acks();
    g.connect();
    let r = g.acks();
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
    assert_eq!(acked(&r), pairs(&[("Delivery", "a3")]));
    g.reply(&r, 202, J::Null);
    g.s.mark_read(g.now);
    let r = g.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a2"), ("Read", "a3")]));
    g.reply(&r, 202, J::Null);
    // The stream replays what the history had: nothing more.
    let a1 = g.agent("a1", "Hello");
    let a3 = g.agent("a3", "text of a3");
    g.push(format!("{a1}{a3}"));
    g.s.mark_read(g.now);
    g.no_acks();
    let v: J = serde_json::to_value(g.s.persist().unwrap()).unwrap();
    assert_eq!(
        v["receipts"],
        json!({"read": ["a1", "a2", "a3"], "unread": []})
    );
}

#[test]
fn a_state_saved_without_receipts_gets_none_for_its_history() {
    let mut h = open_session(config());
    let a1 = h.agent("a1", "Hello");
    h.push(&a1);
    let saved = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    // Receipts switched on since: the history cannot tell what was acknowledged.
    let mut g = reload(
        receipts(),
        &saved,
        h.seq,
        vec![history_entry("a2", "Agent"), history_entry("a1", "Agent")],
    );
    g.connect();
    g.s.mark_read(g.now);
    g.no_acks();
    // Live messages do get them.
    let a3 = g.agent("a3", "New");
    g.push(&a3);
    let r = g.acks();
    assert_eq!(acked(&r), pairs(&[("Delivery", "a3")]));
    g.reply(&r, 202, J::Null);
    g.s.mark_read(g.now);
    let r = g.acks();
    assert_eq!(acked(&r), pairs(&[("Read", "a3")]));
}

// ----- inside Chat: read receipts follow the window -------------------------------------------

/// The driver and the fake SCRT server around a `Chat`.
struct C {
    c: Chat,
    now: u64,
    inflight: Vec<HttpRequest>,
    stream: Option<u64>,
    conv: String,
    seq: u64,
}

impl C {
    /// The bot hands off at once (no pre-chat form) and the conversation is up.
    fn with_agent(send_receipts: bool) -> C {
        let config = json!({
            "handoff": {
                "miaw": {"url": BASE, "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client", "sendReceipts": send_receipts},
                "sendTranscript": false
            }
        });
        let loaded =
            WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&with_bot(&config).to_string());
        assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
        let now = 1_732_262_400_000;
        let mut c = Chat::new(
            loaded,
            Environment {
                session_id: "s-1".into(),
                seed: 7,
                ..Default::default()
            },
        );
        c.handle_start(now);
        let mut h = C {
            c,
            now,
            inflight: Vec::new(),
            stream: None,
            conv: String::new(),
            seq: 0,
        };
        assert!(!h.c.is_open(), "closed until opened");
        assert!(h.c.handle_send("I want to talk to a human", now));
        h.drain();
        assert!(h.c.agent_active());
        h.answer(
            "/access-token",
            200,
            json!({"accessToken":"tok1","lastEventId":"0"}),
        );
        let create = h.req("/iamessage/api/v2/conversation");
        h.conv = body(&create)["conversationId"]
            .as_str()
            .unwrap()
            .to_string();
        let conv = h.conv.clone();
        h.answer(
            "/iamessage/api/v2/conversation",
            201,
            json!({ "conversationId": conv }),
        );
        let id = h.stream.expect("a stream");
        h.c.handle_stream_chunk(id, b"", h.now);
        h.drain();
        // Connected after the creation: the history catches up (nothing missed).
        h.answer("/entries?", 200, json!({ "conversationEntries": [] }));
        h
    }

    fn drain(&mut self) {
        while let Some(a) = self.c.poll_http() {
            match a {
                HttpAction::Start(r) => self.inflight.push(r),
                HttpAction::Stream(r) => self.stream = Some(r.id),
                HttpAction::Abort(id) => self.inflight.retain(|r| r.id != id),
                other => panic!("unexpected {other:?}"),
            }
        }
        while self.c.poll_event().is_some() {}
    }

    fn find(&self, part: &str) -> Vec<HttpRequest> {
        self.inflight
            .iter()
            .filter(|r| r.url.contains(part))
            .cloned()
            .collect()
    }

    fn req(&self, part: &str) -> HttpRequest {
        let v = self.find(part);
        assert_eq!(v.len(), 1, "{part}: {:#?}", self.inflight);
        v[0].clone()
    }

    fn answer(&mut self, part: &str, status: u16, body: J) -> HttpRequest {
        let r = self.req(part);
        self.inflight.retain(|x| x.id != r.id);
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        self.c
            .handle_http(r.id, Ok(HttpResponse { status, body }), self.now);
        self.drain();
        r
    }

    /// The receipts request in flight is answered; returns what it acknowledged.
    fn acks(&mut self) -> Vec<(String, String)> {
        acked(&self.answer(ACKS, 202, J::Null))
    }

    fn no_acks(&self) {
        assert!(self.find(ACKS).is_empty(), "{:#?}", self.find(ACKS));
    }

    fn agent(&mut self, id: &str, text: &str) {
        self.seq += 1;
        let payload = json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}});
        let data = json!({
            "conversationId": self.conv,
            "conversationEntry": {
                "identifier": id, "entryType": "Message", "entryPayload": payload.to_string(),
                "sender": {"role": "Agent"}, "senderDisplayName": "Jane",
                "clientTimestamp": 1, "transcriptedTimestamp": 2, "relatedRecords": []
            }
        });
        let frame = format!(
            "id: 1732262405000:{}\nevent: CONVERSATION_MESSAGE\ndata: {data}\n\n",
            self.seq
        );
        let id = self.stream.expect("a stream");
        self.c.handle_stream_chunk(id, frame.as_bytes(), self.now);
        self.drain();
        assert_eq!(self.c.messages().last().unwrap().text, text);
    }
}

#[test]
fn chat_sends_read_receipts_only_while_the_window_is_open() {
    let mut h = C::with_agent(true);
    // Closed: delivered, not read.
    h.agent("a1", "Hello");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a1")]));
    h.agent("a2", "Are you there?");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a2")]));
    h.no_acks();

    // Opening the window reads both.
    h.c.handle_open(h.now);
    h.drain();
    assert_eq!(h.acks(), pairs(&[("Read", "a1"), ("Read", "a2")]));
    h.no_acks();

    // Open: a new message is read as soon as it is shown (after its delivery receipt).
    h.agent("a3", "Let me check.");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a3")]));
    assert_eq!(h.acks(), pairs(&[("Read", "a3")]));
    h.no_acks();

    // Closed again: delivered only, read when the window is toggled open.
    h.c.handle_close();
    h.agent("a4", "Found it.");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a4")]));
    h.no_acks();
    h.c.handle_toggle(h.now);
    h.drain();
    assert!(h.c.is_open());
    assert_eq!(h.acks(), pairs(&[("Read", "a4")]));
    h.no_acks();
}

#[test]
fn chat_without_send_receipts_sends_none() {
    let mut h = C::with_agent(false);
    h.agent("a1", "Hello");
    h.c.handle_open(h.now);
    h.drain();
    h.agent("a2", "Still there?");
    h.no_acks();
    assert!(h.inflight.is_empty(), "{:#?}", h.inflight);
}

#[test]
fn chat_in_a_background_tab_reads_nothing_until_the_page_is_visible() {
    let mut h = C::with_agent(true);
    h.c.handle_open(h.now);
    h.drain();
    // The visitor switched tabs: the window is open but nobody sees it.
    h.c.handle_visibility(false, h.now);
    h.agent("a1", "Hello");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a1")]));
    h.no_acks();
    // Opening or closing the window while hidden reads nothing either.
    h.c.handle_close();
    h.c.handle_open(h.now);
    h.drain();
    h.no_acks();
    // Back on the tab: read.
    h.c.handle_visibility(true, h.now);
    h.drain();
    assert_eq!(h.acks(), pairs(&[("Read", "a1")]));
    h.no_acks();
    // Visible with the window closed: nothing is read when the page comes back.
    h.c.handle_close();
    h.c.handle_visibility(false, h.now);
    h.agent("a2", "Still there?");
    assert_eq!(h.acks(), pairs(&[("Delivery", "a2")]));
    h.c.handle_visibility(true, h.now);
    h.drain();
    h.no_acks();
}
