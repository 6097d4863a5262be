//! The bot hands off to a MIAW (Messaging for In-App and Web) agent inside [`Chat`], driven
//! exactly like the browser layer does: every `HttpAction` is performed by a scripted fake
//! server (ordinary requests, multipart uploads, the SSE stream as a streaming fetch whose body
//! chunks go to `handle_stream_chunk`), time is simulated, and every text is checked against
//! the message catalogue.

use chat_core::transcript::format_bytes;
use chat_core::{
    Author, ChatEvent, Environment, FileInfo, FileRef, HttpAction, HttpError, HttpRequest,
    HttpResponse, Method, MsgKey, Pairs, Status, StreamError, UploadRequest, WidgetConfig,
};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;
use serde_json::{json, Value as J};

#[path = "common/bot.rs"]
mod bot;
use bot::with_bot;

use handoff::{MIAW_URL as BASE, ORG_ID as ORG};

#[path = "common/handoff.rs"]
mod handoff;

fn config(extra: J) -> J {
    handoff::miaw(extra)
}

fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body(r: &HttpRequest) -> J {
    serde_json::from_str(r.body.as_deref().expect("a body")).expect("a JSON body")
}

fn pairs(items: &[(&str, &str)]) -> Pairs {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The browser layer and the fake SCRT server.
struct H {
    c: Chat,
    now: u64,
    /// Ordinary requests in flight.
    inflight: Vec<HttpRequest>,
    uploads: Vec<UploadRequest>,
    /// Streams opened and not aborted (at most one).
    streams: Vec<HttpRequest>,
    aborted: Vec<u64>,
    events: Vec<ChatEvent>,
    /// SSE ids handed out so far.
    seq: u64,
    /// When the stream was last dropped.
    dropped_at: u64,
}

impl H {
    fn new(config: &J, persisted: Option<String>, seed: u64) -> H {
        let loaded =
            WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&with_bot(config).to_string());
        assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
        let mut c = Chat::new(
            loaded,
            Environment {
                session_id: "s-1".into(),
                persisted,
                user_agent: "UA".into(),
                screen: "1x1".into(),
                seed,
                ..Default::default()
            },
        );
        c.handle_start(1_732_262_400_000);
        let mut h = H {
            c,
            now: 1_732_262_400_000,
            inflight: Vec::new(),
            uploads: Vec::new(),
            streams: Vec::new(),
            aborted: Vec::new(),
            events: Vec::new(),
            seq: 0,
            dropped_at: 0,
        };
        h.drain();
        h
    }

    /// What the driver's `pump` does: perform every action, forward every event.
    fn drain(&mut self) {
        while let Some(a) = self.c.poll_http() {
            match a {
                HttpAction::Start(r) => {
                    assert!(r.id >= 1 << 32, "agent ids are apart from the bot's");
                    assert!(r.url.starts_with(BASE), "{}", r.url);
                    self.inflight.push(r)
                }
                HttpAction::Upload(u) => {
                    assert!(u.id >= 1 << 32);
                    self.uploads.push(u)
                }
                HttpAction::Stream(r) => {
                    assert!(r.id >= 1 << 32);
                    self.streams.push(r)
                }
                HttpAction::Abort(id) => {
                    self.inflight.retain(|r| r.id != id);
                    self.uploads.retain(|r| r.id != id);
                    self.streams.retain(|r| r.id != id);
                    self.aborted.push(id);
                }
            }
            assert!(self.streams.len() <= 1, "two streams open");
        }
        self.events
            .extend(std::iter::from_fn(|| self.c.poll_event()));
    }

    fn find(&self, method: Method, part: &str) -> Vec<HttpRequest> {
        self.inflight
            .iter()
            .filter(|r| r.method == method && r.url.contains(part))
            .cloned()
            .collect()
    }

    /// The only request in flight matching `method` and `part`.
    fn req(&self, method: Method, part: &str) -> HttpRequest {
        let v = self.find(method, part);
        assert_eq!(
            v.len(),
            1,
            "{method:?} {part}; in flight: {:?}",
            self.inflight
                .iter()
                .map(|r| (r.method, &r.url))
                .collect::<Vec<_>>()
        );
        v[0].clone()
    }

    fn none(&self, method: Method, part: &str) {
        assert!(
            self.find(method, part).is_empty(),
            "unexpected {method:?} {part}"
        );
    }

    fn answer(&mut self, method: Method, part: &str, status: u16, body: J) -> HttpRequest {
        let r = self.req(method, part);
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

    fn stream(&self) -> HttpRequest {
        self.streams.last().cloned().expect("a stream is open")
    }

    /// The stream's 200 response arrived.
    fn connect(&mut self) {
        let id = self.stream().id;
        self.c.handle_stream_chunk(id, b"", self.now);
        self.drain();
    }

    fn push(&mut self, frames: &str) {
        let id = self.stream().id;
        self.c.handle_stream_chunk(id, frames.as_bytes(), self.now);
        self.drain();
    }

    fn drop_stream(&mut self) {
        let id = self.stream().id;
        self.dropped_at = self.now;
        self.streams.retain(|r| r.id != id);
        self.c.handle_stream_closed(
            id,
            Some(StreamError::Network("connection reset".into())),
            self.now,
        );
        self.drain();
    }

    /// The network stays down for `ms`: every reconnect attempt fails at once.
    fn stay_down(&mut self, ms: u64) {
        let until = self.now + ms;
        while let Some(d) = self.c.next_deadline() {
            if d > until {
                break;
            }
            self.advance_to_deadline();
            if !self.streams.is_empty() {
                self.drop_stream();
            }
        }
        self.now = until;
    }

    /// Time passes until the next reconnect attempt opens a stream.
    fn reconnect_stream(&mut self) -> HttpRequest {
        for _ in 0..10 {
            if !self.streams.is_empty() {
                break;
            }
            self.advance_to_deadline();
        }
        self.stream()
    }

    fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        while let Some(d) = self.c.next_deadline() {
            if d > target {
                break;
            }
            self.now = self.now.max(d);
            self.c.handle_timeout(self.now);
            self.drain();
        }
        self.now = target;
    }

    /// Time passes up to the next deadline only.
    fn advance_to_deadline(&mut self) {
        let d = self.c.next_deadline().expect("a deadline");
        assert!(d >= self.now);
        self.now = d;
        self.c.handle_timeout(self.now);
        self.drain();
    }

    fn conv(&self) -> String {
        self.c
            .conversation_id()
            .expect("a conversation")
            .to_string()
    }

    fn last_event_id(&self) -> String {
        format!("1732262405000:{}", self.seq)
    }

    /// One SSE frame with a fresh id (`entryPayload` is a JSON string, as on the stream).
    fn frame(
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
            "id: {}\nevent: {event}\ndata: {data}\n\n",
            self.last_event_id()
        )
    }

    fn agent_text(&mut self, name: &str, id: &str, text: &str) -> String {
        self.frame(
            "CONVERSATION_MESSAGE",
            "Message",
            json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}}),
            "Agent",
            name,
            json!([]),
        )
    }

    fn echo(&mut self, id: &str, text: &str) -> String {
        self.frame(
            "CONVERSATION_MESSAGE",
            "Message",
            json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}}),
            "EndUser",
            "Guest",
            json!([]),
        )
    }

    fn participant(&mut self, name: &str, operation: &str) -> String {
        let id = format!("p-{name}-{}", self.seq);
        self.frame(
            "CONVERSATION_PARTICIPANT_CHANGED",
            "ParticipantChanged",
            json!({"entryType":"ParticipantChanged","id":id,"entries":[{"operation":operation,"displayName":name,"participant":{"role":"Agent"}}]}),
            "System",
            "Automated Process",
            json!([]),
        )
    }

    fn joined(&mut self, name: &str) -> String {
        self.participant(name, "add")
    }

    fn left(&mut self, name: &str) -> String {
        self.participant(name, "remove")
    }

    fn routing(&mut self, payload: J) -> String {
        self.frame(
            "CONVERSATION_ROUTING_RESULT",
            "RoutingResult",
            payload,
            "Router",
            "",
            json!([]),
        )
    }

    fn typing(&mut self, name: &str, started: bool) -> String {
        let ty = if started {
            "TypingStartedIndicator"
        } else {
            "TypingStoppedIndicator"
        };
        let ev = if started {
            "CONVERSATION_TYPING_STARTED_INDICATOR"
        } else {
            "CONVERSATION_TYPING_STOPPED_INDICATOR"
        };
        let id = format!("t-{}", self.seq);
        self.frame(
            ev,
            ty,
            json!({"entryType":ty,"id":id}),
            "Agent",
            name,
            json!([]),
        )
    }

    fn ack(&mut self, read: bool, message_id: &str) -> String {
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

    fn session_ended(&mut self) -> String {
        self.frame(
            "CONVERSATION_SESSION_STATUS_CHANGED",
            "SessionStatusChanged",
            json!({"entryType":"SessionStatusChanged","id":"s-end","changedStatus":"Ended"}),
            "System",
            "",
            json!([]),
        )
    }

    fn texts(&self) -> Vec<String> {
        self.c.messages().iter().map(|m| m.text.clone()).collect()
    }

    fn last(&self) -> String {
        self.texts().last().cloned().unwrap_or_default()
    }

    fn text(&self, key: MsgKey, args: &[(&str, &str)]) -> String {
        self.c.catalogue().render(key, args)
    }

    fn count(&self, text: &str) -> usize {
        self.texts().iter().filter(|t| *t == text).count()
    }

    fn take_events(&mut self) -> Vec<ChatEvent> {
        std::mem::take(&mut self.events)
    }

    /// Bot (with a recognised intent) → "talk to a human" → pre-chat form → token →
    /// stream + conversation created → stream connected → the bot transcript is sent.
    /// Returns the harness and the client id of the (hidden) transcript message.
    fn requested(config: &J) -> (H, String) {
        let mut h = H::new(config, None, 7);
        assert!(h.c.handle_send("track my order", h.now));
        assert!(h.c.handle_send("I want to talk to a human", h.now));
        h.drain();
        assert!(h
            .events
            .iter()
            .any(|e| matches!(e, ChatEvent::HandoffRequested(_))));
        assert!(h.c.prechat().is_some(), "the pre-chat form is shown");
        assert!(!h.c.can_send(), "the composer waits for the form");
        assert!(h.inflight.is_empty() && h.streams.is_empty());
        h.c.handle_set_hidden_fields(pairs(&[("CustomerId", "C-42")]));
        let bot_transcript: Vec<String> = h.c.messages().iter().map(|m| m.text.clone()).collect();
        let shown_before = h.c.messages().len();
        assert!(h.c.handle_prechat_submit(
            pairs(&[("description", "My order is late"), ("topic", "Orders")]),
            h.now
        ));
        h.drain();
        assert!(h.c.prechat().is_none() && h.c.can_send());
        assert_eq!(h.last(), h.text(MsgKey::ConnectingToAgent, &[]));

        // Token.
        let t = h.req(Method::Post, "/authorization/unauthenticated/access-token");
        let tb = body(&t);
        assert_eq!(tb["orgId"], ORG);
        assert_eq!(tb["esDeveloperName"], "Web_Custom_Client");
        h.answer(
            Method::Post,
            "/authorization/unauthenticated/access-token",
            200,
            json!({"accessToken":"tok1","lastEventId":"0","context":{}}),
        );

        // The stream is opened with the token and the org id.
        let st = h.stream();
        assert!(st.url.starts_with(&format!("{BASE}/eventrouter/v1/sse")));
        assert_eq!(st.method, Method::Get);
        assert_eq!(header(&st, "Authorization"), Some("Bearer tok1"));
        assert_eq!(header(&st, "X-Org-Id"), Some(ORG));
        assert_eq!(header(&st, "Accept"), Some("text/event-stream"));
        assert_eq!(header(&st, "Last-Event-Id"), Some("0"));

        // The conversation: routing attributes from the form, the host page and the bot.
        let create = h.req(Method::Post, "/iamessage/api/v2/conversation");
        let cb = body(&create);
        assert_eq!(header(&create, "Authorization"), Some("Bearer tok1"));
        assert_eq!(
            cb["routingAttributes"],
            json!({
                "description": "My order is late",
                "Topic": "Orders",
                "CustomerId": "C-42",
                "BotIntent": "order_status"
            })
        );
        assert_eq!(cb["esDeveloperName"], "Web_Custom_Client");
        assert_eq!(cb["language"], "en");
        let conv = cb["conversationId"].as_str().unwrap().to_string();
        assert_eq!(h.c.conversation_id(), None, "not before it is created");
        h.none(Method::Post, "/message");
        h.answer(
            Method::Post,
            "/iamessage/api/v2/conversation",
            201,
            json!({"conversationId": conv}),
        );
        assert_eq!(h.c.conversation_id(), Some(conv.as_str()));
        assert!(h
            .events
            .iter()
            .any(|e| matches!(e, ChatEvent::ConversationStarted { id } if *id == conv)));
        h.none(Method::Post, "/message");

        // Connected: the bot transcript goes to the agent as the first visitor message.
        h.connect();
        // The stream connected after the conversation was created: what the server emitted
        // before it subscribed is caught up from the history (nothing here).
        h.answer(
            Method::Get,
            "/entries?",
            200,
            json!({"conversationEntries": []}),
        );
        let first = h.req(Method::Post, "/message");
        assert!(first
            .url
            .ends_with(&format!("/iamessage/api/v2/conversation/{conv}/message")));
        let fb = body(&first);
        let sent = fb["message"]["staticContent"]["text"]
            .as_str()
            .unwrap()
            .to_string();
        for line in &bot_transcript {
            assert!(sent.contains(line.as_str()), "{line:?} not in {sent:?}");
        }
        assert!(
            sent.contains("Visitor: I want to talk to a human"),
            "{sent}"
        );
        let hidden = fb["message"]["id"].as_str().unwrap().to_string();
        h.answer(
            Method::Post,
            "/message",
            202,
            json!({"conversationEntries":[{"id": hidden, "clientTimestamp": 1}]}),
        );
        // Not shown as a bubble: only the "connecting" line was added by the hand-off.
        assert_eq!(h.c.messages().len(), shown_before + 1, "{:?}", h.texts());
        assert!(h
            .c
            .messages()
            .iter()
            .all(|m| m.remote_id.as_deref() != Some(hidden.as_str()) && m.text != sent));
        // Its echo on the stream is not shown either.
        let e = h.echo(&hidden, &sent);
        h.push(&e);
        assert_eq!(h.c.messages().len(), shown_before + 1);
        (h, hidden)
    }

    /// An agent joins and the harness forgets the events so far.
    fn with_agent(config: &J, name: &str) -> H {
        let (mut h, _) = H::requested(config);
        let j = h.joined(name);
        h.push(&j);
        h.take_events();
        h
    }

    fn status_of(&self, message_id: &str) -> Option<Status> {
        self.c
            .messages()
            .iter()
            .find(|m| m.id == message_id)
            .and_then(|m| m.status)
    }

    /// The visitor sends `text`; returns its message id and client (remote) id.
    fn send(&mut self, text: &str) -> (String, String) {
        assert!(self.c.handle_send(text, self.now));
        self.drain();
        let m = (**self.c.messages().last().unwrap()).clone();
        assert_eq!((m.author, m.text.as_str()), (Author::Visitor, text));
        (m.id, m.remote_id.expect("a client id"))
    }
}

#[test]
fn handoff_prechat_token_conversation_and_hidden_transcript() {
    let (h, _) = H::requested(&config(json!({})));
    assert!(h.c.agent_active());
    assert!(!h.c.is_ended());
    assert_eq!(h.c.typing(), None);
    // The saved state carries the session (so a reload can resume it).
    let mut h = h;
    let saved = h.c.poll_persist().expect("state to save");
    assert!(saved.contains("\"kind\":\"miaw\""), "{saved}");
}

#[test]
fn agent_joins_messages_typing_delivery_states_and_choices() {
    let (mut h, _) = H::requested(&config(json!({})));
    let j = h.joined("Jane");
    h.push(&j);
    assert_eq!(
        h.last(),
        h.text(MsgKey::AgentJoined, &[("agentName", "Jane")])
    );
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::AgentJoined { name } if name == "Jane")));
    assert_eq!(h.c.agents(), ["Jane".to_string()]);

    // Typing, then a message (which hides the indicator).
    let t = h.typing("Jane", true);
    h.push(&t);
    assert_eq!(h.c.typing().as_deref(), Some("Jane"));
    let m = h.agent_text("Jane", "a1", "Hi, how can I help?");
    h.push(&m);
    assert_eq!(h.c.typing(), None);
    let last = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(
        (last.author, last.text.as_str()),
        (
            Author::Agent {
                name: "Jane".into()
            },
            "Hi, how can I help?"
        )
    );
    assert_eq!(last.status, None);
    // Typing stopped without a message.
    let t = h.typing("Jane", true);
    h.push(&t);
    assert!(h.c.typing().is_some());
    let t = h.typing("Jane", false);
    h.push(&t);
    assert_eq!(h.c.typing(), None);

    // Visitor message: sending → sent → delivered → read.
    let (mid, cid) = h.send("Where is my parcel?");
    assert_eq!(h.status_of(&mid), Some(Status::Sending));
    let r = h.req(Method::Post, "/message");
    assert_eq!(
        body(&r)["message"],
        json!({"id": cid, "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "Where is my parcel?"}})
    );
    h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(h.status_of(&mid), Some(Status::Sent));
    let e = h.echo(&cid, "Where is my parcel?");
    h.push(&e);
    assert_eq!(
        h.count("Where is my parcel?"),
        1,
        "the echo is not a new bubble"
    );
    let d = h.ack(false, &cid);
    h.push(&d);
    assert_eq!(h.status_of(&mid), Some(Status::Delivered));
    let rd = h.ack(true, &cid);
    h.push(&rd);
    assert_eq!(h.status_of(&mid), Some(Status::Read));
    // A late delivery ack never moves it back.
    let d = h.ack(false, &cid);
    h.push(&d);
    assert_eq!(h.status_of(&mid), Some(Status::Read));

    // Choices: quick replies; picking one answers the choices message.
    let c = h.frame("CONVERSATION_MESSAGE", "Message",
        json!({"entryType":"Message","id":"c1","abstractMessage":{"messageType":"ChoicesMessage","id":"c1","choices":{"formatType":"Buttons","text":"What is it about?","optionItems":[{"optionIdentifier":"opt-1","titleItem":{"title":"Billing"}},{"optionIdentifier":"opt-2","titleItem":{"title":"Delivery"}}]}}}),
        "Agent", "Jane", json!([]));
    h.push(&c);
    let choices = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(choices.text, "What is it about?");
    let labels: Vec<&str> = choices
        .quick_replies
        .iter()
        .map(|q| q.label.as_str())
        .collect();
    assert_eq!(labels, ["Billing", "Delivery"]);
    assert!(h.c.handle_quick_reply(&choices.id, 1, h.now));
    h.drain();
    let picked = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(
        (picked.author, picked.text.as_str()),
        (Author::Visitor, "Delivery")
    );
    assert!(
        h.c.messages().iter().all(|m| m.quick_replies.is_empty()),
        "the buttons are gone once used"
    );
    let r = h.req(Method::Post, "/message");
    assert_eq!(
        body(&r)["message"],
        json!({"id": picked.remote_id.clone().unwrap(), "messageType": "ChoicesResponseMessage", "inReplyToMessageId": "c1", "choicesResponse": {"formatType": "Selections", "selectedOptions": [{"optionIdentifier": "opt-2"}]}})
    );
    h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(h.status_of(&picked.id), Some(Status::Sent));
    assert_eq!(h.count("Delivery"), 1);
}

#[test]
fn transfer_and_conference() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let before = h.c.messages().len();
    let tr = h.routing(json!({"entryType":"RoutingResult","id":"r2","routingType":"Transfer","failureType":"None"}));
    h.push(&tr);
    assert_eq!(h.last(), h.text(MsgKey::TransferInProgress, &[]));
    let l = h.left("Jane");
    h.push(&l);
    let j = h.joined("Bob");
    h.push(&j);
    assert_eq!(
        h.texts()[before..],
        [
            h.text(MsgKey::TransferInProgress, &[]),
            h.text(MsgKey::TransferredToAgent, &[("agentName", "Bob")]),
        ],
        "the old agent leaving during a transfer is not a separate line"
    );
    assert_eq!(h.c.agents(), ["Bob".to_string()]);
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::AgentJoined { name } if name == "Bob")));
    let m = h.agent_text("Bob", "b1", "Bob here.");
    h.push(&m);
    assert_eq!(
        h.c.messages().last().unwrap().author,
        Author::Agent { name: "Bob".into() }
    );

    // Conference: a second agent joins, then leaves; Bob stays.
    let j = h.joined("Alex");
    h.push(&j);
    assert_eq!(
        h.last(),
        h.text(MsgKey::SecondAgentJoined, &[("agentName", "Alex")])
    );
    assert_eq!(h.c.agents(), ["Bob".to_string(), "Alex".to_string()]);
    let l = h.left("Alex");
    h.push(&l);
    assert_eq!(
        h.last(),
        h.text(MsgKey::SecondAgentLeft, &[("agentName", "Alex")])
    );
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::AgentLeft { name } if name == "Alex")));
    assert_eq!(h.c.agents(), ["Bob".to_string()]);
    assert!(h.c.can_send());
}

#[test]
fn agent_ends_the_session() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let sid = h.stream().id;
    let end = h.session_ended();
    let late = h.agent_text("Jane", "late", "late");
    h.push(&end);
    assert_eq!(
        h.last(),
        h.text(MsgKey::AgentEnded, &[("agentName", "Jane")])
    );
    assert_eq!(
        h.count(&h.text(MsgKey::AgentEnded, &[("agentName", "Jane")])),
        1
    );
    assert!(h.c.is_ended());
    assert!(!h.c.can_send());
    assert!(!h.c.can_attach());
    assert!(!h.c.agent_active());
    assert_eq!(h.c.next_deadline(), None, "no timer after the end");
    assert!(h.streams.is_empty(), "the stream is closed");
    assert!(h.aborted.contains(&sid));
    assert!(h.inflight.is_empty(), "{:?}", h.inflight);
    assert!(h.events.iter().any(|e| matches!(
        e,
        ChatEvent::ConversationClosed {
            reason: "agent",
            ..
        }
    )));
    // The saved state no longer holds a session to resume.
    let saved = h.c.poll_persist().expect("state to save");
    let v: J = serde_json::from_str(&saved).unwrap();
    assert!(v["agent"].is_null(), "{saved}");
    // Late chunks for the closed stream are ignored.
    h.c.handle_stream_chunk(sid, late.as_bytes(), h.now);
    h.drain();
    assert_eq!(h.count("late"), 0);
    // A new chat starts with the bot again.
    h.c.handle_restart(h.now, "s-2".into());
    h.drain();
    assert!(h.c.can_send() && !h.c.agent_active());
    assert_eq!(h.c.conversation_id(), None);
}

#[test]
fn the_last_agent_leaving_with_no_status_event_ends_the_chat_once() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let left = h.left("Jane");
    h.push(&left);
    assert!(!h.c.is_ended(), "perhaps a transfer: wait");
    h.advance_to_deadline();
    let ended = h.text(MsgKey::AgentEnded, &[("agentName", "Jane")]);
    assert_eq!(h.count(&ended), 1, "{:?}", h.texts());
    assert!(h.c.is_ended() && !h.c.can_send());
    assert!(h.streams.is_empty(), "nothing runs after the end");
}

#[test]
fn with_session_end_continue_the_conversation_goes_on_after_the_agent_ends() {
    let mut cfg = config(json!({}));
    cfg["handoff"]["miaw"]["sessionEnd"] = json!("continue");
    let mut h = H::with_agent(&cfg, "Jane");
    let left = h.left("Jane");
    let end = h.session_ended();
    h.push(&format!("{left}{end}"));
    let ended = h.text(MsgKey::AgentEnded, &[("agentName", "Jane")]);
    assert_eq!(h.count(&ended), 1, "{:?}", h.texts());
    assert!(!h.c.is_ended() && h.c.can_send(), "the composer stays");
    // The next message starts a new messaging session (after Salesforce's 417).
    let (mid, cid) = h.send("one more question");
    h.answer(Method::Post, "/message", 417, J::Null);
    let r = h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(body(&r)["message"]["id"], cid.as_str());
    assert_eq!(body(&r)["isNewMessagingSession"], true);
    assert_eq!(h.status_of(&mid), Some(Status::Sent));
    assert_eq!(h.count(&ended), 1, "the end is not told twice");
    assert_eq!(h.count("one more question"), 1);
}

#[test]
fn conversation_closed_elsewhere_ends_the_chat() {
    // CONVERSATION_CLOSE_CONVERSATION is only sent when the end user closes (spec §4.13,
    // §5.5): here, from another tab of the same visitor.
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let close = h.frame(
        "CONVERSATION_CLOSE_CONVERSATION",
        "CloseConversation",
        json!({"entryType":"CloseConversation","id":"x"}),
        "EndUser",
        "",
        json!([]),
    );
    h.push(&close);
    assert_eq!(h.last(), h.text(MsgKey::ChatEnded, &[]));
    assert!(h.c.is_ended() && !h.c.can_send());
    assert!(h.streams.is_empty());
    assert_eq!(h.c.next_deadline(), None);
    assert!(h.events.iter().any(|e| matches!(
        e,
        ChatEvent::ConversationClosed {
            reason: "visitor",
            ..
        }
    )));
}

#[test]
fn the_visitor_ends_the_chat() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let conv = h.conv();
    let sid = h.stream().id;
    h.c.handle_end(h.now);
    h.drain();
    assert_eq!(h.last(), h.text(MsgKey::VisitorEnded, &[]));
    let close = h.req(Method::Delete, &format!("/conversation/{conv}?"));
    assert!(close.url.ends_with(&format!(
        "/iamessage/api/v2/conversation/{conv}?esDeveloperName=Web_Custom_Client"
    )));
    assert_eq!(header(&close, "Authorization"), Some("Bearer tok1"));
    let end = h.req(Method::Delete, &format!("/conversation/{conv}/session?"));
    assert!(end.url.ends_with("?esDeveloperName=Web_Custom_Client"));
    assert!(h.aborted.contains(&sid) && h.streams.is_empty());
    h.answer(
        Method::Delete,
        &format!("/conversation/{conv}?"),
        204,
        J::Null,
    );
    h.answer(Method::Delete, "/session?", 204, J::Null);
    assert_eq!(h.count(&h.text(MsgKey::VisitorEnded, &[])), 1, "shown once");
    assert_eq!(h.count(&h.text(MsgKey::ChatEnded, &[])), 0);
    assert!(h.inflight.is_empty());
    assert!(h.c.is_ended() && !h.c.can_send());
    assert_eq!(h.c.next_deadline(), None);
    assert!(h.events.iter().any(|e| matches!(
        e,
        ChatEvent::ConversationClosed {
            reason: "visitor",
            ..
        }
    )));
    // Ending twice does nothing more.
    h.c.handle_end(h.now);
    h.drain();
    assert!(h.inflight.is_empty());
    assert_eq!(h.count(&h.text(MsgKey::VisitorEnded, &[])), 1);
}

#[test]
fn stream_drop_reconnects_and_sends_what_was_typed_while_down() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let m = h.agent_text("Jane", "a1", "one");
    h.push(&m);
    let lost = h.text(MsgKey::ConnectionLost, &[]);
    let reconnecting = h.text(MsgKey::Reconnecting, &[]);
    let restored = h.text(MsgKey::ConnectionRestored, &[]);

    // A short drop heals silently: the page is told, the conversation gets no line.
    let count = h.c.messages().len();
    let last_id = h.last_event_id();
    let first = h.stream().id;
    h.drop_stream();
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::Connection { online: false })));
    assert!(h.streams.is_empty());
    let st = h.reconnect_stream();
    assert_ne!(st.id, first);
    assert_eq!(header(&st, "Last-Event-Id"), Some(last_id.as_str()));
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok1"));
    h.connect();
    assert!(h.now - h.dropped_at < 3_000, "the reconnect came quickly");
    assert_eq!(h.c.messages().len(), count, "{:?}", h.texts());
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::Connection { online: true })));

    // A long drop (every reconnect attempt fails): one line, updated in place.
    h.drop_stream();
    h.stay_down(10_000);
    assert_eq!(h.c.messages().len(), count + 1);
    assert!(h.last().contains(&lost), "{}", h.last());
    assert!(h.last().contains(&reconnecting));
    h.reconnect_stream();
    h.connect();
    assert_eq!(h.c.messages().len(), count + 1);
    assert_eq!(h.last(), restored);

    // Another long drop; two messages typed while down wait for the stream.
    let last_id = h.last_event_id();
    h.drop_stream();
    let (m1, c1) = h.send("first while down");
    let (m2, c2) = h.send("second while down");
    assert_eq!(h.status_of(&m1), Some(Status::Sending));
    h.none(Method::Post, "/message");
    h.stay_down(10_000);
    assert!(h.last().contains(&lost), "{:?}", h.texts());
    h.none(Method::Post, "/message");
    let st = h.reconnect_stream();
    assert_eq!(header(&st, "Last-Event-Id"), Some(last_id.as_str()));
    h.none(Method::Post, "/message");
    h.connect();
    // The reconnect checks the history for a replay gap: none here.
    h.answer(
        Method::Get,
        "/entries?",
        200,
        json!({"conversationEntries": []}),
    );
    assert_eq!(h.last(), restored);
    assert!(
        h.c.messages()
            .iter()
            .all(|m| !m.text.contains(&reconnecting)),
        "no line still says reconnecting: {:?}",
        h.texts()
    );
    // Sent in order, one at a time, once.
    let r = h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(body(&r)["message"]["id"], c1.as_str());
    let r = h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(body(&r)["message"]["id"], c2.as_str());
    h.none(Method::Post, "/message");
    assert_eq!(h.status_of(&m1), Some(Status::Sent));
    assert_eq!(h.status_of(&m2), Some(Status::Sent));
    assert_eq!(h.count("first while down"), 1);
    assert_eq!(h.count("second while down"), 1);
    // The server replays what we already have: nothing is shown twice.
    let seq = h.seq;
    h.seq = 0;
    let j = h.joined("Jane");
    let m = h.agent_text("Jane", "a1", "one");
    h.seq = seq;
    let m2 = h.agent_text("Jane", "a2", "two");
    h.push(&format!("{j}{m}{m2}"));
    assert_eq!(h.count("one"), 1);
    assert_eq!(h.count("two"), 1);
    assert_eq!(
        h.count(&h.text(MsgKey::AgentJoined, &[("agentName", "Jane")])),
        1
    );
}

#[test]
fn routing_failure_shows_the_reason() {
    let (mut h, _) = H::requested(&config(json!({})));
    let f = h.routing(json!({"entryType":"RoutingResult","id":"r1","routingType":"Initial","failureType":"RoutingError","failureReason":null}));
    h.push(&f);
    let reason = h.c.catalogue().reason_text("RoutingError");
    assert_eq!(
        reason,
        h.text(MsgKey::ReasonRoutingError, &[("code", "RoutingError")])
    );
    let failed = h.text(MsgKey::ChatRequestFailed, &[("reason", &reason)]);
    assert_eq!(h.count(&failed), 1, "{:?}", h.texts());
    assert!(h.c.is_ended() && !h.c.can_send());
    assert_eq!(h.count(&h.text(MsgKey::ChatEnded, &[])), 0);
    assert_eq!(h.count(&h.text(MsgKey::VisitorEnded, &[])), 0);
    assert!(h.streams.is_empty());
    assert_eq!(h.c.next_deadline(), None);
    assert!(
        h.events.iter().any(|e| matches!(
            e,
            ChatEvent::ConversationClosed {
                reason: "failed",
                ..
            }
        )),
        "{:?}",
        h.events
    );
}

#[test]
fn conversation_that_cannot_be_created_shows_the_reason() {
    let mut h = H::new(&config(json!({"prechat": false})), None, 7);
    h.c.handle_send("talk to a human", h.now);
    h.drain();
    assert!(
        h.c.prechat().is_none(),
        "no form configured: requested at once"
    );
    h.answer(
        Method::Post,
        "/access-token",
        200,
        json!({"accessToken":"tok1","lastEventId":"0"}),
    );
    h.answer(
        Method::Post,
        "/iamessage/api/v2/conversation",
        400,
        json!({"message": "SubmissionError"}),
    );
    let reason = h.c.catalogue().reason_text("SubmissionError");
    let failed = h.text(MsgKey::ChatRequestFailed, &[("reason", &reason)]);
    assert_eq!(h.count(&failed), 1, "{:?}", h.texts());
    assert!(h.c.is_ended());
    assert!(h.streams.is_empty() && h.inflight.is_empty());
    assert_eq!(h.c.next_deadline(), None);
    assert!(h.events.iter().any(|e| matches!(
        e,
        ChatEvent::ConversationClosed {
            reason: "failed",
            ..
        }
    )));
}

#[test]
fn reload_mid_chat_resumes_without_duplicates() {
    let cfg = config(json!({}));
    let (mut h, hidden) = H::requested(&cfg);
    let conv = h.conv();
    let j = h.joined("Jane");
    let m = h.agent_text("Jane", "a1", "Hello!");
    h.push(&format!("{j}{m}"));
    let (_, sent_id) = h.send("Hi Jane");
    h.answer(Method::Post, "/message", 202, J::Null);
    // A second message is on its way when the page unloads.
    let (_, flying) = h.send("Are you there?");
    h.req(Method::Post, "/message");
    let last_id = h.last_event_id();
    let saved = h.c.poll_persist().expect("state to save");
    let before: Vec<(Author, String)> =
        h.c.messages()
            .iter()
            .map(|m| (m.author.clone(), m.text.clone()))
            .collect();

    // The page reloads (a new random seed, as in the browser).
    let mut g = H::new(&cfg, Some(saved), 8);
    g.seq = h.seq;
    let after: Vec<(Author, String)> =
        g.c.messages()
            .iter()
            .map(|m| (m.author.clone(), m.text.clone()))
            .collect();
    assert_eq!(after, before, "the same transcript at once");
    eprintln!(
        "status after reload: {:?}",
        g.c.messages().last().unwrap().status
    );
    assert!(g.c.agent_active());
    assert_eq!(g.c.conversation_id(), Some(conv.as_str()));
    assert_eq!(g.c.agents(), ["Jane".to_string()]);
    let t = g.req(Method::Get, "/continuation-access-token");
    assert_eq!(header(&t, "Authorization"), Some("Bearer tok1"));
    g.answer(
        Method::Get,
        "/continuation-access-token",
        200,
        json!({"accessToken":"tok2"}),
    );
    let st = g.stream();
    assert_eq!(header(&st, "Last-Event-Id"), Some(last_id.as_str()));
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok2"));
    // History (newest first; `entryPayload` is an object here).
    let msg = |id: &str, text: &str, role: &str, name: &str| json!({"identifier":id,"entryType":"Message","entryPayload":{"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}},"sender":{"role":role},"senderDisplayName":name,"clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    let join = json!({"identifier":"p-join","entryType":"ParticipantChanged","entryPayload":{"entryType":"ParticipantChanged","id":"p-join","entries":[{"operation":"add","displayName":"Jane","participant":{"role":"Agent"}}]},"sender":{"role":"System"},"senderDisplayName":"","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    let routed = json!({"identifier":"r1","entryType":"RoutingResult","entryPayload":{"entryType":"RoutingResult","id":"r1","routingType":"Initial","failureType":"None","estimatedWaitTime":{"estimatedWaitTimeInSeconds":45,"isEWTRequested":true}},"sender":{"role":"Router"},"senderDisplayName":"","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    g.answer(
        Method::Get,
        "/entries?",
        200,
        json!({"conversationEntries": [
            msg("a2", "Sorry, I was away. Still there?", "Agent", "Jane"),
            msg(&sent_id, "Hi Jane", "EndUser", "Guest"),
            msg("a1", "Hello!", "Agent", "Jane"),
            join,
            routed,
            msg(&hidden, "the bot transcript", "EndUser", "Guest"),
        ]}),
    );
    let mut expected = before.clone();
    expected.push((
        Author::Agent {
            name: "Jane".into(),
        },
        "Sorry, I was away. Still there?".into(),
    ));
    let now: Vec<(Author, String)> =
        g.c.messages()
            .iter()
            .map(|m| (m.author.clone(), m.text.clone()))
            .collect();
    assert_eq!(
        now, expected,
        "only the message that arrived while away is added"
    );
    // The message that was on its way is sent again once connected, with the same id.
    g.none(Method::Post, "/message");
    g.connect();
    let r = g.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(body(&r)["message"]["id"], flying.as_str());
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
    g.none(Method::Post, "/message");
    let flying_msg =
        g.c.messages()
            .iter()
            .find(|m| m.remote_id.as_deref() == Some(flying.as_str()))
            .unwrap()
            .clone();
    assert_eq!(flying_msg.status, Some(Status::Sent));
    assert_eq!(g.count("Are you there?"), 1);
    // The stream goes on; a replay of a1 is not shown twice; new messages are.
    let m1 = g.agent_text("Jane", "a1", "Hello!");
    let m3 = g.agent_text("Jane", "a3", "Yes, here.");
    g.push(&format!("{m1}{m3}"));
    assert_eq!(g.count("Hello!"), 1);
    assert_eq!(g.last(), "Yes, here.");
    assert!(g.c.can_send());
}

#[test]
fn reload_after_a_transfer_repeats_no_lines() {
    let cfg = config(json!({}));
    let (mut h, _) = H::requested(&cfg);
    let j = h.joined("Jane");
    let tr = h.routing(json!({"entryType":"RoutingResult","id":"r2","routingType":"Transfer","failureType":"None"}));
    let l = h.left("Jane");
    let b = h.joined("Bob");
    let m = h.agent_text("Bob", "b1", "Bob here.");
    h.push(&format!("{j}{tr}{l}{b}{m}"));
    let saved = h.c.poll_persist().unwrap();
    let before = h.texts();
    let mut g = H::new(&cfg, Some(saved), 9);
    g.answer(
        Method::Get,
        "/continuation-access-token",
        200,
        json!({"accessToken":"tok2"}),
    );
    let entry = |id: &str, ty: &str, payload: J, role: &str| json!({"identifier":id,"entryType":ty,"entryPayload":payload,"sender":{"role":role},"senderDisplayName":"","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    let change = |id: &str, op: &str, name: &str| {
        entry(
            id,
            "ParticipantChanged",
            json!({"entryType":"ParticipantChanged","id":id,"entries":[{"operation":op,"displayName":name,"participant":{"role":"Agent"}}]}),
            "System",
        )
    };
    g.answer(
        Method::Get,
        "/entries?",
        200,
        json!({"conversationEntries": [
            entry("b1", "Message", json!({"entryType":"Message","id":"b1","abstractMessage":{"messageType":"StaticContentMessage","id":"b1","staticContent":{"formatType":"Text","text":"Bob here."}}}), "Agent"),
            change("p3", "add", "Bob"),
            change("p2", "remove", "Jane"),
            entry("r2", "RoutingResult", json!({"entryType":"RoutingResult","id":"r2","routingType":"Transfer","failureType":"None"}), "Router"),
            change("p1", "add", "Jane"),
        ]}),
    );
    g.connect();
    assert_eq!(
        g.texts(),
        before,
        "history already shown is not shown again"
    );
    assert_eq!(g.c.agents(), ["Bob".to_string()]);
    // Live changes after the history are shown again.
    g.seq = 100;
    let j = g.joined("Alex");
    g.push(&j);
    assert_eq!(
        g.last(),
        g.text(MsgKey::SecondAgentJoined, &[("agentName", "Alex")])
    );
    assert_eq!(g.c.agents(), ["Bob".to_string(), "Alex".to_string()]);
}

#[test]
fn reload_while_the_agent_changed_keeps_up_with_who_is_there() {
    let cfg = config(json!({}));
    let (mut h, _) = H::requested(&cfg);
    let j = h.joined("Jane");
    let m = h.agent_text("Jane", "a1", "Hello!");
    h.push(&format!("{j}{m}"));
    let saved = h.c.poll_persist().unwrap();
    let before = h.texts();
    let mut g = H::new(&cfg, Some(saved), 10);
    g.answer(
        Method::Get,
        "/continuation-access-token",
        200,
        json!({"accessToken":"tok2"}),
    );
    let entry = |id: &str, ty: &str, payload: J, role: &str, name: &str| json!({"identifier":id,"entryType":ty,"entryPayload":payload,"sender":{"role":role},"senderDisplayName":name,"clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    let change = |id: &str, op: &str, name: &str| {
        entry(
            id,
            "ParticipantChanged",
            json!({"entryType":"ParticipantChanged","id":id,"entries":[{"operation":op,"displayName":name,"participant":{"role":"Agent"}}]}),
            "System",
            "",
        )
    };
    let text = |id: &str, t: &str, name: &str| {
        entry(
            id,
            "Message",
            json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":t}}}),
            "Agent",
            name,
        )
    };
    // While the page was away, Jane handed over to Carl, who wrote.
    g.answer(
        Method::Get,
        "/entries?",
        200,
        json!({"conversationEntries": [
            text("c1", "Carl here, I took over.", "Carl"),
            change("p3", "add", "Carl"),
            change("p2", "remove", "Jane"),
            text("a1", "Hello!", "Jane"),
            change("p1", "add", "Jane"),
        ]}),
    );
    g.connect();
    assert_eq!(g.c.agents(), ["Carl".to_string()]);
    assert_eq!(g.texts()[..before.len()], before[..]);
    assert_eq!(
        g.texts()[before.len()..],
        ["Carl here, I took over.".to_string()]
    );
    assert_eq!(
        g.c.messages().last().unwrap().author,
        Author::Agent {
            name: "Carl".into()
        }
    );
    // Carl ends the chat: named as the current agent.
    g.seq = 100;
    let end = g.session_ended();
    g.push(&end);
    assert_eq!(
        g.last(),
        g.text(MsgKey::AgentEnded, &[("agentName", "Carl")])
    );
}

#[test]
fn wait_timeout_offers_keep_waiting_or_leave() {
    let (mut h, _) = H::requested(&config(json!({})));
    let started = h.now;
    h.advance(59_000);
    assert!(
        !h.c.messages().iter().any(|m| !m.quick_replies.is_empty()),
        "no offer before the time"
    );
    h.advance(1_000);
    let offer = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(offer.author, Author::System);
    let waited =
        h.c.catalogue()
            .format_wait(((h.now - started) / 1000) as u32);
    assert_eq!(
        offer.text,
        h.text(MsgKey::WaitTimeout, &[("wait", &waited)])
    );
    let labels: Vec<String> = offer
        .quick_replies
        .iter()
        .map(|q| q.label.clone())
        .collect();
    assert_eq!(
        labels,
        [
            h.text(MsgKey::WaitTimeoutKeepWaiting, &[]),
            h.text(MsgKey::WaitTimeoutLeave, &[])
        ]
    );
    assert!(h.events.iter().any(|e| matches!(e, ChatEvent::WaitTimeout)));
    // Keep waiting: nothing is sent to the agent; the offer comes again after another period.
    let posts = h.find(Method::Post, "/message").len();
    assert!(h.c.handle_quick_reply(&offer.id, 0, h.now));
    h.drain();
    assert_eq!(h.find(Method::Post, "/message").len(), posts);
    assert!(h.c.agent_active() && h.c.can_send());
    assert!(h.c.messages().iter().all(|m| m.quick_replies.is_empty()));
    h.advance(60_000);
    let offer = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(offer.quick_replies.len(), 2, "{:?}", h.texts());
    // Leave: the chat ends (close conversation + end session).
    assert!(h.c.handle_quick_reply(&offer.id, 1, h.now));
    h.drain();
    assert!(h.c.is_ended() && !h.c.can_send());
    assert_eq!(h.last(), h.text(MsgKey::VisitorEnded, &[]));
    h.req(Method::Delete, "/session?");
    assert!(h.streams.is_empty());
    assert_eq!(h.c.next_deadline(), None);

    // An agent who joins in time: no offer.
    let (mut h, _) = H::requested(&config(json!({})));
    let j = h.joined("Jane");
    h.push(&j);
    h.advance(120_000);
    assert!(!h
        .texts()
        .iter()
        .any(|t| t.contains(&h.text(MsgKey::WaitTimeoutLeave, &[]))));
    assert!(h.c.messages().iter().all(|m| m.quick_replies.is_empty()));
}

#[test]
fn attachments_from_the_agent_and_from_the_visitor() {
    let cfg = config(
        json!({"attachments": {"maxBytes": 1_000_000, "types": ["application/pdf", "image/*"]}}),
    );
    let mut h = H::with_agent(&cfg, "Jane");
    // The agent sends a file.
    let a = h.frame("CONVERSATION_MESSAGE", "Message",
        json!({"entryType":"Message","id":"f1","abstractMessage":{"messageType":"StaticContentMessage","id":"f1","staticContent":{"formatType":"Attachments","text":"Your label","attachments":[{"id":"u","name":"label.pdf","contentLength":4,"mimeType":"application/pdf","url":"https://x.example/f"}]}}}),
        "Agent", "Jane", json!([]));
    h.push(&a);
    let m = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(
        m.author,
        Author::Agent {
            name: "Jane".into()
        }
    );
    assert_eq!(
        m.files,
        vec![FileInfo {
            name: "label.pdf".into(),
            url: Some("https://x.example/f".into()),
            size: Some(4),
            mime_type: Some("application/pdf".into()),
        }]
    );

    // Too large: a clear line, nothing uploaded.
    assert!(h.c.can_attach());
    let count = h.c.messages().len();
    let big = FileRef {
        handle: 1,
        name: "scan.pdf".into(),
        size: 2_000_000,
        mime_type: "application/pdf".into(),
    };
    assert!(!h.c.handle_send_file(big, h.now));
    h.drain();
    assert_eq!(h.c.messages().len(), count + 1);
    let max = format_bytes(1_000_000);
    assert_eq!(
        h.last(),
        h.text(
            MsgKey::AttachmentTooLarge,
            &[("fileName", "scan.pdf"), ("maxSize", &max)]
        )
    );
    assert_eq!(h.c.messages().last().unwrap().author, Author::System);
    // A type that is not allowed: refused too.
    let exe = FileRef {
        handle: 2,
        name: "tool.exe".into(),
        size: 10,
        mime_type: "application/x-msdownload".into(),
    };
    assert!(!h.c.handle_send_file(exe, h.now));
    h.drain();
    assert_eq!(
        h.last(),
        h.text(
            MsgKey::AttachmentTypeNotAllowed,
            &[
                ("fileName", "tool.exe"),
                ("fileType", "application/x-msdownload")
            ]
        )
    );
    assert!(h.uploads.is_empty());

    // Allowed: a bubble with the file, and a multipart upload.
    let photo = FileRef {
        handle: 3,
        name: "photo.png".into(),
        size: 12_345,
        mime_type: "image/png".into(),
    };
    assert!(h.c.handle_send_file(photo.clone(), h.now));
    h.drain();
    let bubble = (**h.c.messages().last().unwrap()).clone();
    assert_eq!(bubble.author, Author::Visitor);
    assert_eq!(bubble.status, Some(Status::Sending));
    assert_eq!(
        bubble.files,
        vec![FileInfo {
            name: "photo.png".into(),
            url: None,
            size: Some(12_345),
            mime_type: Some("image/png".into()),
        }]
    );
    assert_eq!(h.uploads.len(), 1, "{:?}", h.uploads);
    let u = h.uploads.remove(0);
    let conv = h.conv();
    assert_eq!(
        u.url,
        format!("{BASE}/iamessage/api/v2/conversation/{conv}/file")
    );
    assert_eq!(u.json_part.0, "messageEntry");
    let part: J = serde_json::from_str(&u.json_part.1).unwrap();
    assert_eq!(part["message"]["id"].as_str(), bubble.remote_id.as_deref());
    assert_eq!(part["esDeveloperName"], "Web_Custom_Client");
    assert_eq!(u.file_part, "fileData");
    assert_eq!(u.file, photo);
    assert_eq!(
        u.headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .map(|(_, v)| v.as_str()),
        Some("Bearer tok1")
    );
    h.c.handle_http(
        u.id,
        Ok(HttpResponse {
            status: 202,
            body: Vec::new(),
        }),
        h.now,
    );
    h.drain();
    assert_eq!(h.status_of(&bubble.id), Some(Status::Sent));
    // Its echo is not a second bubble.
    let echo = h.frame("CONVERSATION_MESSAGE", "Message",
        json!({"entryType":"Message","id":bubble.remote_id.clone().unwrap(),"abstractMessage":{"messageType":"StaticContentMessage","id":bubble.remote_id.clone().unwrap(),"staticContent":{"formatType":"Attachments","attachments":[{"id":"u2","name":"photo.png","contentLength":12345,"mimeType":"image/png","url":"https://x.example/p"}]}}}),
        "EndUser", "Guest", json!([]));
    h.push(&echo);
    assert_eq!(
        h.c.messages()
            .iter()
            .filter(|m| m.files.iter().any(|f| f.name == "photo.png"))
            .count(),
        1
    );
}

#[test]
fn network_errors_retry_the_same_message() {
    let mut h = H::with_agent(&config(json!({})), "Jane");
    let (mid, cid) = h.send("one");
    let r = h.req(Method::Post, "/message");
    h.inflight.retain(|x| x.id != r.id);
    h.c.handle_http(r.id, Err(HttpError::Network("offline".into())), h.now);
    h.drain();
    assert_eq!(h.status_of(&mid), Some(Status::Waiting));
    h.advance_to_deadline();
    let again = h.answer(Method::Post, "/message", 202, J::Null);
    assert_eq!(body(&again)["message"]["id"], cid.as_str());
    assert_eq!(h.status_of(&mid), Some(Status::Sent));
    assert_eq!(h.count("one"), 1);
}

#[test]
fn reload_during_an_outage_says_when_the_connection_is_back() {
    let cfg = config(json!({}));
    let mut h = H::with_agent(&cfg, "Jane");
    h.drop_stream();
    h.stay_down(10_000);
    let line = h.last();
    assert!(line.contains(&h.text(MsgKey::Reconnecting, &[])), "{line}");
    let saved = h.c.poll_persist().unwrap();
    let count = h.c.messages().len();
    let mut g = H::new(&cfg, Some(saved), 11);
    assert_eq!(g.last(), line);
    g.answer(
        Method::Get,
        "/continuation-access-token",
        200,
        json!({"accessToken":"tok2"}),
    );
    g.answer(
        Method::Get,
        "/entries?",
        200,
        json!({"conversationEntries": []}),
    );
    assert_eq!(g.last(), line, "not before the stream is up");
    g.connect();
    assert_eq!(g.c.messages().len(), count, "the same line, updated");
    assert_eq!(g.last(), g.text(MsgKey::ConnectionRestored, &[]));
    assert!(g
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::Connection { online: true })));
    // A later drop gets a line of its own again.
    g.drop_stream();
    g.stay_down(10_000);
    assert_eq!(g.c.messages().len(), count + 1);
    assert!(g.last().contains(&g.text(MsgKey::ConnectionLost, &[])));
}

/// The first request to Salesforce failing at the network level (which is also how the
/// browser reports a CORS refusal) gives an error that says what to check, with the page's
/// origin.
#[test]
fn an_unreachable_deployment_is_diagnosed_with_the_cors_hint() {
    let mut h = H::new(&config(json!({})), None, 7);
    assert!(h.c.handle_send("I want to talk to a human", h.now));
    h.drain();
    assert!(h.c.handle_prechat_submit(
        pairs(&[("description", "late"), ("topic", "Orders")]),
        h.now
    ));
    h.drain();
    // Retried a few times, then reported.
    let mut error = None;
    for _ in 0..10 {
        let t = h.req(Method::Post, "/authorization/unauthenticated/access-token");
        h.inflight.retain(|x| x.id != t.id);
        h.c.handle_http(
            t.id,
            Err(HttpError::Network("Failed to fetch".into())),
            h.now,
        );
        h.drain();
        error = h.events.iter().find_map(|e| match e {
            ChatEvent::Error { message } => Some(message.clone()),
            _ => None,
        });
        if error.is_some() {
            break;
        }
        h.advance_to_deadline();
    }
    let error = error.expect("an error event");
    assert!(
        error.contains("could not reach Salesforce Messaging") && error.contains("CORS"),
        "{error}"
    );
}
