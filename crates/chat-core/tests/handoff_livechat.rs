//! The bot hands off to a Live Chat agent inside [`Chat`]: pre-chat form, queue line updated
//! in place, agent joined / typing / transfer / ended, visitor messages with delivery state,
//! reload mid-chat, wait timeout, request failures — every text from the catalogue.

use chat_core::{
    Author, ChatEvent, Environment, HttpAction, HttpError, HttpRequest, HttpResponse, MsgKey,
    Status, WidgetConfig,
};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;
use serde_json::{json, Value as J};

#[path = "common/bot.rs"]
mod bot;
use bot::with_bot;

const KEY: &str = "ec550263!1629334776994!Trfo=";

#[path = "common/handoff.rs"]
mod handoff;

fn config(extra: J) -> J {
    handoff::live_chat(extra)
}

struct H {
    c: Chat,
    now: u64,
    inflight: Vec<HttpRequest>,
    events: Vec<ChatEvent>,
}

impl H {
    fn new(config: &J, persisted: Option<String>) -> H {
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
                seed: 7,
                ..Default::default()
            },
        );
        c.handle_start(1_000);
        let mut h = H {
            c,
            now: 1_000,
            inflight: Vec::new(),
            events: Vec::new(),
        };
        h.drain();
        h
    }

    fn drain(&mut self) {
        while let Some(a) = self.c.poll_http() {
            match a {
                HttpAction::Start(r) => {
                    assert!(r.id >= 1 << 32, "agent ids are apart from the bot's");
                    self.inflight.push(r)
                }
                HttpAction::Abort(id) => self.inflight.retain(|r| r.id != id),
                other => panic!("Live Chat neither streams nor uploads: {other:?}"),
            }
            let polls = self
                .inflight
                .iter()
                .filter(|r| r.url.contains("/System/Messages"))
                .count();
            assert!(polls <= 1, "two long polls in flight");
        }
        self.events
            .extend(std::iter::from_fn(|| self.c.poll_event()));
    }

    fn req(&self, part: &str) -> HttpRequest {
        let v: Vec<_> = self
            .inflight
            .iter()
            .filter(|r| r.url.contains(part))
            .collect();
        assert_eq!(
            v.len(),
            1,
            "in flight: {:?}",
            self.inflight.iter().map(|r| &r.url).collect::<Vec<_>>()
        );
        v[0].clone()
    }

    fn answer(&mut self, part: &str, status: u16, body: &str) -> HttpRequest {
        let r = self.req(part);
        self.inflight.retain(|x| x.id != r.id);
        self.c.handle_http(
            r.id,
            Ok(HttpResponse {
                status,
                body: body.as_bytes().to_vec(),
            }),
            self.now,
        );
        self.drain();
        r
    }

    fn poll(&mut self, sequence: u64, messages: J) {
        let body = json!({"messages": messages, "sequence": sequence, "offset": 100 + sequence});
        self.answer("/System/Messages", 200, &body.to_string());
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

    /// Time passes while the server has nothing to say: each poll is answered 204.
    fn idle(&mut self, ms: u64) {
        for _ in 0..ms / 10_000 {
            if self
                .inflight
                .iter()
                .any(|r| r.url.contains("/System/Messages"))
            {
                self.answer("/System/Messages", 204, "");
            }
            self.advance(10_000);
        }
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

    /// Bot → hand-off → pre-chat → SessionId → ChasitorInit.
    fn requested(config: &J) -> H {
        let mut h = H::new(config, None);
        assert!(h.c.handle_send("I want to talk to a human", h.now));
        h.drain();
        assert!(h.c.prechat().is_some(), "the pre-chat form is shown");
        assert!(!h.c.can_send(), "the composer waits for the form");
        let values = [
            ("description", "My order is late"),
            ("topic", "Orders"),
            ("email", "ada@example.com"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert!(h.c.handle_prechat_submit(values, h.now));
        h.drain();
        h.answer(
            "/System/SessionId",
            200,
            &json!({"key": KEY, "id": "sid-1", "clientPollTimeout": 40, "affinityToken": "aff1"})
                .to_string(),
        );
        let init = h.answer("/Chasitor/ChasitorInit", 200, "OK");
        let body: J = serde_json::from_str(init.body.as_deref().unwrap()).unwrap();
        let details = body["prechatDetails"].as_array().unwrap();
        let detail = |label: &str| details.iter().find(|d| d["label"] == label).cloned();
        assert_eq!(detail("description").unwrap()["value"], "My order is late");
        assert_eq!(detail("Topic").unwrap()["value"], "Orders");
        assert_eq!(
            detail("email").unwrap()["entityMaps"][0]["fieldName"],
            "Email"
        );
        assert!(detail("Bot conversation").unwrap()["value"]
            .as_str()
            .unwrap()
            .contains("Visitor: I want to talk to a human"));
        assert_eq!(body["userAgent"], "UA");
        h
    }
}

#[test]
fn prechat_refuses_missing_and_invalid_answers_then_requests_the_chat() {
    let mut h = H::new(&config(json!({})), None);
    h.c.handle_send("talk to a human", h.now);
    h.drain();
    let values = [("description", " "), ("topic", "Gifts"), ("email", "ada@")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(!h.c.handle_prechat_submit(values, h.now));
    let (_, state) = h.c.prechat().unwrap();
    let names: Vec<&str> = state.errors.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["description", "topic", "email"]);
    assert!(
        h.inflight.is_empty(),
        "nothing is requested before the form is valid"
    );
    // A reload keeps the form open (the visitor is asked again, with nothing requested yet).
    let saved = h.c.poll_persist().expect("state to save");
    let mut again = H::new(&config(json!({})), Some(saved));
    assert!(
        again.c.prechat().is_some(),
        "the form is shown again after a reload"
    );
    assert!(again.inflight.is_empty());
    assert!(again.c.handle_prechat_submit(
        [("description", "Late parcel"), ("topic", "Orders")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        again.now
    ));
    again.drain();
    again.req("/System/SessionId");
    // Cancelling goes back to the bot.
    h.c.handle_prechat_cancel();
    assert!(h.c.prechat().is_none());
    assert!(h.c.can_send());
    assert!(!h.c.agent_active());
}

#[test]
fn queue_agent_messages_typing_transfer_and_agent_end() {
    let mut h = H::requested(&config(json!({})));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::ConversationStarted { id } if id == "sid-1")));
    assert_eq!(h.c.conversation_id(), Some("sid-1"));
    // Queue position and wait: one line, updated in place.
    h.poll(1, json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 3, "estimatedWaitTime": 120}}]));
    let count = h.c.messages().len();
    let line = h.last();
    assert!(
        line.contains(&h.text(MsgKey::QueuePosition, &[("position", "3")])),
        "{line}"
    );
    assert!(line.contains(&h.text(
        MsgKey::EstimatedWait,
        &[("wait", &h.c.catalogue().format_wait(120))]
    )));
    h.poll(
        2,
        json!([{"type": "QueueUpdate", "message": {"position": 1, "estimatedWaitTime": 30}}]),
    );
    assert_eq!(
        h.c.messages().len(),
        count,
        "the queue line is updated, not repeated"
    );
    assert!(h
        .last()
        .contains(&h.text(MsgKey::QueuePosition, &[("position", "1")])));
    // A message typed while queued waits for the agent, shown as sending.
    assert!(h.c.handle_send("Are you there?", h.now));
    h.drain();
    let early = h.c.messages().last().unwrap().id.clone();
    assert_eq!(h.c.messages().last().unwrap().status, Some(Status::Sending));
    h.poll(3, json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "005x", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}}]));
    assert!(h
        .texts()
        .contains(&h.text(MsgKey::AgentJoined, &[("agentName", "Jane")])));
    assert!(h
        .events
        .iter()
        .any(|e| matches!(e, ChatEvent::AgentJoined { name } if name == "Jane")));
    // The queued message goes out now, once.
    let sent = h.answer("/Chasitor/ChatMessage", 200, "OK");
    assert!(sent.body.as_deref().unwrap().contains("Are you there?"));
    assert_eq!(
        h.c.messages()
            .iter()
            .find(|m| m.id == early)
            .unwrap()
            .status,
        Some(Status::Sent)
    );
    h.poll(
        4,
        json!([
            {"type": "AgentTyping", "message": {}},
        ]),
    );
    assert_eq!(h.c.typing().as_deref(), Some("Jane"));
    h.poll(5, json!([
        {"type": "ChatMessage", "message": {"name": "Jane", "text": "Let me check.", "agentId": "005x"}},
    ]));
    assert_eq!(h.c.typing(), None);
    let m = h.c.messages().last().unwrap();
    assert_eq!(
        (m.author.clone(), m.text.as_str()),
        (
            Author::Agent {
                name: "Jane".into()
            },
            "Let me check."
        )
    );
    h.poll(6, json!([{"type": "ChatTransferred", "message": {"name": "Mark", "userId": "005y", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}}]));
    assert_eq!(
        h.last(),
        h.text(MsgKey::TransferredToAgent, &[("agentName", "Mark")])
    );
    h.poll(
        7,
        json!([{"type": "ChatEnded", "message": {"reason": "agent"}}]),
    );
    assert_eq!(
        h.last(),
        h.text(MsgKey::AgentEnded, &[("agentName", "Mark")])
    );
    assert!(h.c.is_ended() && !h.c.can_send());
    assert!(h.events.iter().any(|e| matches!(
        e,
        ChatEvent::ConversationClosed {
            reason: "agent",
            ..
        }
    )));
    assert!(h.inflight.is_empty(), "no poll after the end");
    assert_eq!(h.c.next_deadline(), None, "no timer after the end");
    // A new chat starts with the bot again.
    h.c.handle_restart(h.now, "s-2".into());
    h.drain();
    assert!(h.c.can_send() && !h.c.agent_active());
}

#[test]
fn the_visitor_ends_the_chat_with_chat_end_and_nothing_keeps_running() {
    let mut h = H::requested(&config(json!({})));
    h.poll(1, json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "005x", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}}]));
    h.c.handle_end(h.now);
    h.drain();
    assert_eq!(h.last(), h.text(MsgKey::VisitorEnded, &[]));
    let end = h.answer("/Chasitor/ChatEnd", 200, "OK");
    assert!(end.body.as_deref().unwrap().contains("client"));
    h.drain();
    assert_eq!(
        h.last(),
        h.text(MsgKey::VisitorEnded, &[]),
        "no second line"
    );
    // The poll still in flight is abandoned.
    assert!(h.inflight.is_empty(), "{:?}", h.inflight);
    assert!(!h.c.agent_active());
    assert_eq!(h.c.next_deadline(), None);
}

#[test]
fn request_failure_reasons_and_no_agent_available() {
    let mut h = H::requested(&config(json!({})));
    h.poll(
        1,
        json!([{"type": "ChatRequestFail", "message": {"reason": "Unavailable"}}]),
    );
    let reason = h.c.catalogue().reason_text("Unavailable");
    assert_eq!(
        h.last(),
        h.text(MsgKey::ChatRequestFailed, &[("reason", &reason)])
    );
    assert!(h.c.is_ended());

    let mut c = config(json!({}));
    c["handoff"]["liveChat"]["checkAvailability"] = json!(true);
    c["handoff"]["prechat"] = json!(false);
    let mut h = H::new(&c, None);
    h.c.handle_send("talk to a human", h.now);
    h.drain();
    h.answer(
        "/Visitor/Availability",
        200,
        &json!({"messages": [{"type": "Availability", "message": {"results": [{"id": "5735e000000AbCd"}]}}]}).to_string(),
    );
    assert_eq!(h.last(), h.text(MsgKey::NoAgentAvailable, &[]));
    assert!(h.inflight.is_empty());
}

#[test]
fn wait_timeout_offers_keep_waiting_or_leave() {
    let mut h = H::requested(&config(json!({})));
    h.poll(
        1,
        json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 2}}]),
    );
    h.idle(60_000);
    let offer = h.c.messages().last().unwrap().clone();
    assert_eq!(offer.author, Author::System);
    let waited = h.c.catalogue().format_wait(60);
    assert_eq!(
        offer.text,
        h.text(MsgKey::WaitTimeout, &[("wait", &waited)])
    );
    assert_eq!(offer.quick_replies.len(), 2);
    assert!(h.events.iter().any(|e| matches!(e, ChatEvent::WaitTimeout)));
    // Keep waiting: the offer comes again after another period.
    assert!(h.c.handle_quick_reply(&offer.id, 0, h.now));
    assert!(h.c.agent_active());
    h.idle(60_000);
    let offer = h.c.messages().last().unwrap().clone();
    assert_eq!(offer.quick_replies.len(), 2, "{:?}", h.texts());
    // Leave: the chat ends (ChatEnd is sent for the queued session).
    assert!(h.c.handle_quick_reply(&offer.id, 1, h.now));
    h.drain();
    assert!(h.c.is_ended());
    assert_eq!(h.last(), h.text(MsgKey::VisitorEnded, &[]));
}

#[test]
fn reload_mid_chat_resumes_the_same_session_without_duplicates() {
    let mut h = H::requested(&config(json!({})));
    h.poll(1, json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "005x", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}}]));
    h.poll(2, json!([{"type": "ChatMessage", "message": {"name": "Jane", "text": "Hello!", "agentId": "005x"}}]));
    h.c.handle_send("Hi Jane", h.now);
    h.drain();
    let saved = h.c.poll_persist().expect("state to save");
    let before = h.texts();
    // The page reloads: the same chat, the same history, the poll resumes with the saved ack.
    let mut h2 = H::new(&config(json!({})), Some(saved));
    assert_eq!(h2.texts(), before);
    assert!(h2.c.agent_active());
    assert_eq!(h2.c.conversation_id(), Some("sid-1"));
    let poll = h2.req("/System/Messages");
    assert!(poll.url.ends_with("ack=2"), "{}", poll.url);
    // The unsent message is sent once.
    let sent = h2.answer("/Chasitor/ChatMessage", 200, "OK");
    assert!(sent.body.as_deref().unwrap().contains("Hi Jane"));
    assert_eq!(h2.c.messages().last().unwrap().status, Some(Status::Sent));
    h2.poll(3, json!([{"type": "ChatMessage", "message": {"name": "Jane", "text": "Welcome back", "agentId": "005x"}}]));
    let n = h2.texts().iter().filter(|t| *t == "Hello!").count();
    assert_eq!(n, 1);
    assert_eq!(h2.last(), "Welcome back");
}

#[test]
fn network_errors_never_lose_a_visitor_message() {
    let mut h = H::requested(&config(json!({})));
    h.poll(1, json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "005x", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}}]));
    h.c.handle_send("one", h.now);
    h.drain();
    let r = h.req("/Chasitor/ChatMessage");
    h.inflight.retain(|x| x.id != r.id);
    h.c.handle_http(r.id, Err(HttpError::Network("offline".into())), h.now);
    h.drain();
    h.advance(1_000);
    let again = h.answer("/Chasitor/ChatMessage", 200, "OK");
    assert_eq!(again.body, r.body, "the same message, retried");
    assert_eq!(h.c.messages().last().unwrap().status, Some(Status::Sent));
}
