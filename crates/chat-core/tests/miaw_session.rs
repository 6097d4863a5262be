//! Scripted MIAW sessions with a fake clock (time is simulated: no timing assertions).

#[path = "miaw_support.rs"]
mod support;

use chat_core::http::{HttpRequest, Method};
use chat_core::miaw::{
    Delivery, EndReason, MessageContent, MiawConfig, MiawEvent, Role, StreamError,
};
type MiawSession = chat_core::miaw::MiawSession<chat_core::codec::SerdeJson>;
use serde_json::{json, Value as J};
use support::*;

const CONV_SSE: &str = "https://acme.my.salesforce-scrt.com/eventrouter/v1/sse";

impl H {
    fn agent_text(&mut self, id: &str, text: &str) -> String {
        self.frame(
            "CONVERSATION_MESSAGE",
            "Message",
            json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}}),
            "Agent",
            "Jane",
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

    fn joined(&mut self, name: &str) -> String {
        let id = format!("p-{name}-{}", self.seq);
        self.frame(
            "CONVERSATION_PARTICIPANT_CHANGED",
            "ParticipantChanged",
            json!({"entryType":"ParticipantChanged","id":id,"entries":[{"operation":"add","displayName":name,"participant":{"role":"Agent"}}]}),
            "System",
            "Automated Process",
            json!([]),
        )
    }
}

/// Start → token → stream + create → created → connected.
fn open_session(cfg: MiawConfig) -> H {
    let mut h = H::new(cfg);
    h.s.start(routing(), h.now);
    let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
    h.reply(
        &t,
        200,
        json!({"accessToken":"tok1","lastEventId":"0","context":{}}),
    );
    let st = h.stream();
    assert!(st.url.starts_with(CONV_SSE));
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok1"));
    assert_eq!(header(&st, "X-Org-Id"), Some("00D5e000000AbCd"));
    assert_eq!(header(&st, "Last-Event-Id"), Some("0"));
    assert_eq!(header(&st, "Accept"), Some("text/event-stream"));
    let c = h.take(Method::Post, "/iamessage/api/v2/conversation");
    let b = body(&c);
    assert!(is_uuid_v4(b["conversationId"].as_str().unwrap()), "{b}");
    assert_eq!(
        b["routingAttributes"],
        json!({"_firstName":"Ada","Topic":"Billing"})
    );
    assert_eq!(b["language"], "en_US");
    assert_eq!(b["conversationId"].as_str(), h.s.conversation_id());
    h.reply(&c, 201, json!({"conversationId": b["conversationId"]}));
    h.connect();
    h.no_gap(); // connected after the creation: the history catches up
    let ev = h.events();
    assert!(
        ev.contains(&MiawEvent::ConversationStarted {
            conversation_id: h.conv()
        }),
        "{ev:?}"
    );
    h
}

fn send(h: &mut H, text: &str) -> (String, HttpRequest) {
    let id = h.s.send_text(text, h.now).unwrap();
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    (id, r)
}

#[test]
fn happy_path_every_event_type() {
    let mut h = open_session(config());
    // Routing with an estimated wait, then the agent joins.
    let f = h.frame("CONVERSATION_ROUTING_RESULT", "RoutingResult",
        json!({"entryType":"RoutingResult","id":"r1","routingType":"Initial","failureType":"None","estimatedWaitTime":{"estimatedWaitTimeInSeconds":45,"isEWTRequested":true}}),
        "Router", "", json!([]));
    let j = h.joined("Jane");
    h.push(format!("{f}{j}").as_bytes());
    assert_eq!(
        h.events(),
        vec![
            MiawEvent::EstimatedWait { seconds: 45 },
            MiawEvent::AgentJoined {
                name: "Jane".into(),
                role: Role::Agent
            }
        ]
    );

    // Visitor message: sending → sent (202) → echo not shown → delivered → read.
    let (id, r) = send(&mut h, "Hello, I need help");
    assert!(is_uuid_v4(&id));
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok1"));
    let ev = h.events();
    assert!(
        matches!(&ev[0], MiawEvent::Message { id: i, role: Role::EndUser, delivery: Some(Delivery::Sending), content: MessageContent::Text(t), .. } if *i == id && t == "Hello, I need help")
    );
    h.reply(
        &r,
        202,
        json!({"conversationEntries":[{"id":id,"clientTimestamp":1}]}),
    );
    assert_eq!(
        h.events(),
        vec![MiawEvent::DeliveryChanged {
            id: id.clone(),
            delivery: Delivery::Sent
        }]
    );
    let e = h.echo(&id, "Hello, I need help");
    h.push(e.as_bytes());
    assert_eq!(h.events(), vec![]);
    let d = h.ack(false, &id);
    h.push(d.as_bytes());
    let rd = h.ack(true, &id);
    h.push(rd.as_bytes());
    assert_eq!(
        h.events(),
        vec![
            MiawEvent::DeliveryChanged {
                id: id.clone(),
                delivery: Delivery::Delivered
            },
            MiawEvent::DeliveryChanged {
                id: id.clone(),
                delivery: Delivery::Read
            },
        ]
    );

    // Agent typing, then a message (which hides the indicator).
    let ts = h.frame(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "TypingStartedIndicator",
        json!({"entryType":"TypingStartedIndicator","id":"t1"}),
        "Agent",
        "Jane",
        json!([]),
    );
    h.push(ts.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::Typing {
            name: "Jane".into(),
            typing: true
        }]
    );
    let tstop = h.frame(
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
        "TypingStoppedIndicator",
        json!({"entryType":"TypingStoppedIndicator","id":"t2"}),
        "Agent",
        "Jane",
        json!([]),
    );
    h.push(tstop.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::Typing {
            name: "Jane".into(),
            typing: false
        }]
    );
    let m = h.agent_text("a1", "Hi Ada, how can I help?");
    h.push(m.as_bytes());
    let ev = h.events();
    assert!(
        matches!(&ev[..], [MiawEvent::Message { id, role: Role::Agent, sender_name: Some(n), delivery: None, history: false, content: MessageContent::Text(t), .. }] if id == "a1" && n == "Jane" && t == "Hi Ada, how can I help?"),
        "{ev:?}"
    );

    // Choices (buttons) and the visitor's choice sent back as a choices response.
    let c = h.frame("CONVERSATION_MESSAGE", "Message",
        json!({"entryType":"Message","id":"c1","abstractMessage":{"messageType":"ChoicesMessage","id":"c1","choices":{"formatType":"Buttons","text":"Pick one","optionItems":[{"optionIdentifier":"opt-1","titleItem":{"title":"Billing"}}]}}}),
        "Agent", "Jane", json!([]));
    h.push(c.as_bytes());
    let ev = h.events();
    assert!(
        matches!(&ev[0], MiawEvent::Message { content: MessageContent::Choices { options, .. }, .. } if options[0].identifier == "opt-1")
    );
    let cid = h.s.send_choice("c1", "opt-1", "Billing", h.now).unwrap();
    let r = h.take(Method::Post, "/message");
    assert_eq!(
        body(&r)["message"],
        json!({"id":cid,"messageType":"ChoicesResponseMessage","inReplyToMessageId":"c1","choicesResponse":{"formatType":"Selections","selectedOptions":[{"optionIdentifier":"opt-1"}]}})
    );
    h.reply(&r, 202, J::Null);
    let ev = h.events();
    assert!(
        matches!(&ev[0], MiawEvent::Message { content: MessageContent::ChoicesResponse { selected }, .. } if selected == &vec!["Billing".to_string()])
    );

    // Attachment from the agent.
    let a = h.frame("CONVERSATION_MESSAGE", "Message",
        json!({"entryType":"Message","id":"f1","abstractMessage":{"messageType":"StaticContentMessage","id":"f1","staticContent":{"formatType":"Attachments","attachments":[{"id":"u","name":"label.pdf","contentLength":4,"mimeType":"application/pdf","url":"https://x/f"}]}}}),
        "Agent", "Jane", json!([]));
    h.push(a.as_bytes());
    let ev = h.events();
    assert!(
        matches!(&ev[0], MiawEvent::Message { content: MessageContent::Attachments { files, .. }, .. } if files[0].name == "label.pdf" && files[0].size == Some(4))
    );

    // Unknown event and malformed payload: skipped, never fatal; ping silent.
    h.push(b"event: CONVERSATION_STREAMING_TOKEN\ndata: {}\n\nevent: CONVERSATION_MESSAGE\ndata: {oops\n\nevent: ping\ndata: {}\n\n");
    let ev = h.events();
    assert_eq!(ev.len(), 2);
    assert!(ev.iter().all(|e| matches!(e, MiawEvent::Skipped { .. })));
    assert!(h.s.is_open());

    // Transfer: routing result, first agent leaves, second joins.
    let tr = h.frame("CONVERSATION_ROUTING_RESULT", "RoutingResult", json!({"entryType":"RoutingResult","id":"r2","routingType":"Transfer","failureType":"None"}), "Router", "", json!([]));
    let left = h.frame("CONVERSATION_PARTICIPANT_CHANGED", "ParticipantChanged", json!({"entryType":"ParticipantChanged","id":"p9","entries":[{"operation":"remove","displayName":"Jane","participant":{"role":"Agent"}}]}), "System", "", json!([]));
    let j2 = h.joined("Bob");
    h.push(format!("{tr}{left}{j2}").as_bytes());
    assert_eq!(
        h.events(),
        vec![
            MiawEvent::Transferred,
            MiawEvent::AgentLeft {
                name: "Jane".into(),
                role: Role::Agent
            },
            MiawEvent::AgentJoined {
                name: "Bob".into(),
                role: Role::Agent
            },
        ]
    );

    // Agent ends the session: no stream, no deadline, nothing to persist.
    let end = h.frame(
        "CONVERSATION_SESSION_STATUS_CHANGED",
        "SessionStatusChanged",
        json!({"entryType":"SessionStatusChanged","id":"s1","changedStatus":"Ended"}),
        "System",
        "",
        json!([]),
    );
    let sid = h.stream().id;
    h.push(end.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::Ended {
            reason: EndReason::Agent
        }]
    );
    assert!(h.closed_streams.contains(&sid));
    assert_eq!(h.s.next_deadline(), None);
    assert_eq!(h.s.persist(), None);
    assert!(h.s.send_text("late", h.now).is_none());
}

#[test]
fn every_chunk_split_gives_the_same_events() {
    let mut base = open_session(config());
    let j = base.joined("Jane");
    let m1 = base.agent_text("a1", "h\u{e9}llo \u{1f600}");
    let m2 = base.agent_text("a2", "second");
    let stream = format!("{j}:keep-alive\r\n\r\n{m1}{m2}").replace('\n', "\r\n");
    let bytes = stream.as_bytes();
    let whole = {
        let mut h = open_session(config());
        h.push(bytes);
        h.events()
    };
    assert_eq!(whole.len(), 3, "{whole:?}");
    for i in (0..=bytes.len()).step_by(7).chain([1, 2, bytes.len() - 1]) {
        let mut h = open_session(config());
        h.push(&bytes[..i]);
        h.push(&bytes[i..]);
        assert_eq!(h.events(), whole, "split at {i}");
    }
    let mut h = open_session(config());
    for b in bytes.chunks(1) {
        h.push(b);
    }
    assert_eq!(h.events(), whole);
}

#[test]
fn stream_drop_reconnects_with_last_event_id_and_replay_is_not_duplicated() {
    let mut h = open_session(config());
    let j = h.joined("Jane");
    let m1 = h.agent_text("a1", "one");
    let m2 = h.agent_text("a2", "two");
    h.push(format!("{j}{m1}{m2}").as_bytes());
    assert_eq!(h.events().len(), 3);
    let last_id = format!("1732262405000:{}", h.seq);
    h.drop_stream();
    assert_eq!(h.events(), vec![MiawEvent::ConnectionLost]);
    assert!(!h.s.is_connected());
    // A message typed while down is queued, not posted.
    let id = h.s.send_text("while down", h.now).unwrap();
    h.none_pending("/message");
    let first = h.stream().id;
    h.advance_to_deadline();
    let st = h.stream();
    assert_ne!(st.id, first);
    assert_eq!(header(&st, "Last-Event-Id"), Some(last_id.as_str()));
    // Reconnect fails twice (backoff grows, capped), then succeeds.
    let mut delays = vec![];
    for _ in 0..2 {
        let before = h.now;
        h.drop_stream();
        h.advance_to_deadline();
        delays.push(h.now - before);
    }
    assert!(delays.iter().all(|d| *d <= 30_000 && *d >= 1));
    h.connect();
    let ev = h.events();
    assert!(ev.contains(&MiawEvent::ConnectionRestored), "{ev:?}");
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    // A reconnect checks the history for a replay gap: here there is none.
    let l = h.take(Method::Get, "/entries?");
    h.reply(&l, 200, json!({"conversationEntries": []}));
    // The server replays what it thinks we missed: m1, m2 (again), m3 (new).
    let m3 = h.agent_text("a3", "three");
    h.seq -= 3;
    let m1b = h.agent_text("a1", "one");
    let m2b = h.agent_text("a2", "two");
    h.seq += 1;
    h.push(format!("{m1b}{m2b}{m3}").as_bytes());
    let ev = h.events();
    let texts: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            MiawEvent::Message { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec!["a3".to_string()]);
}

#[test]
fn queued_messages_are_sent_in_order_one_at_a_time() {
    let mut h = H::new(config());
    h.s.start(routing(), h.now);
    let t = h.take(Method::Post, "access-token");
    h.reply(&t, 200, json!({"accessToken":"tok1"}));
    let ids: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|t| h.s.send_text(t, h.now).unwrap())
        .collect();
    h.none_pending("/message");
    let c = h.take(Method::Post, "/conversation");
    h.reply(&c, 201, J::Null);
    h.none_pending("/message"); // the stream is not connected yet
    h.connect();
    for (i, id) in ids.iter().enumerate() {
        let r = h.take(Method::Post, "/message");
        assert_eq!(body(&r)["message"]["id"], id.as_str(), "#{i}");
        h.none_pending("/message");
        h.reply(&r, 202, J::Null);
    }
    h.none_pending("/message");
}

#[test]
fn transient_failures_wait_for_the_connection_and_never_fail() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    h.fail(&r);
    h.none_pending("/message");
    assert!(h.events().contains(&MiawEvent::DeliveryChanged {
        id: id.clone(),
        delivery: Delivery::Waiting
    }));
    // Typed while the connection is in trouble: waits too, behind the first.
    let id2 = h.s.send_text("second", h.now).unwrap();
    assert!(h.events().iter().any(|e| matches!(e,
        MiawEvent::Message { id, delivery: Some(Delivery::Waiting), .. } if *id == id2)));
    // An hour of 503s and network errors: same id every time, never failed, backoff capped.
    let start = h.now;
    let mut tries = 0;
    while h.now < start + 3_600_000 {
        let before = h.now;
        h.advance_to_deadline();
        assert!(h.now - before <= 30_000, "capped backoff");
        let r = h.take(Method::Post, "/message");
        assert_eq!(body(&r)["message"]["id"], id.as_str());
        h.none_pending("/message");
        if tries % 2 == 0 {
            h.reply(&r, 503, J::Null);
        } else {
            h.fail(&r);
        }
        tries += 1;
    }
    assert!(tries > 100, "{tries}");
    let ev = h.events();
    assert!(
        !ev.iter().any(|e| matches!(
            e,
            MiawEvent::DeliveryChanged {
                delivery: Delivery::Failed,
                ..
            } | MiawEvent::Error { .. }
                | MiawEvent::Ended { .. }
        )),
        "{ev:?}"
    );
    // The connection is back: the first goes, then the second, in order, with no click.
    h.advance_to_deadline();
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    h.reply(&r, 202, J::Null);
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id2.as_str());
    h.reply(&r, 202, J::Null);
    let changes: Vec<_> = h
        .events()
        .into_iter()
        .filter_map(|e| match e {
            MiawEvent::DeliveryChanged { id, delivery } => Some((id, delivery)),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (id.clone(), Delivery::Sent),
            (id2.clone(), Delivery::Sending),
            (id2, Delivery::Sent)
        ]
    );
}

#[test]
fn back_online_waiting_messages_go_at_once_and_the_stream_reopens_from_the_last_event() {
    let mut h = open_session(config());
    let m = h.agent_text("a1", "hello");
    h.push(m.as_bytes());
    let last = format!("1732262405000:{}", h.seq);
    // Offline while the stream looks alive: the browser says so, sends fail fast.
    h.s.set_online(false, h.now);
    let ev = h.events();
    assert!(ev.contains(&MiawEvent::ConnectionLost), "{ev:?}");
    let (id, r) = send(&mut h, "typed offline");
    assert!(h.events().iter().any(|e| matches!(e,
        MiawEvent::Message { id: i, delivery: Some(Delivery::Waiting), .. } if *i == id)));
    h.fail(&r);
    h.none_pending("/message");
    let old = h.stream().id;
    h.s.set_online(true, h.now);
    h.pump();
    assert!(h.closed_streams.contains(&old));
    let st = h.stream();
    assert_ne!(st.id, old);
    assert_eq!(header(&st, "Last-Event-Id"), Some(last.as_str()));
    h.none_pending("/message"); // waits for the new stream
    h.connect();
    assert!(h.events().contains(&MiawEvent::ConnectionRestored));
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    h.reply(&r, 202, J::Null);
    // The replay of a1 is not shown again.
    let again = h.agent_text("a1", "hello");
    h.push(again.as_bytes());
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, MiawEvent::Message { .. })));
}

#[test]
fn a_refused_message_fails_and_is_retried_on_demand() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    h.reply(&r, 400, json!({"message":"bad"}));
    assert!(h.events().contains(&MiawEvent::DeliveryChanged {
        id: id.clone(),
        delivery: Delivery::Failed
    }));
    assert_eq!(h.s.next_deadline(), None);
    h.none_pending("/message");
    h.s.retry(&id, h.now);
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    h.reply(&r, 202, J::Null);
    assert!(h.events().contains(&MiawEvent::DeliveryChanged {
        id,
        delivery: Delivery::Sent
    }));
}

#[test]
fn echo_before_the_post_answers_is_not_a_duplicate() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    h.events();
    let e = h.echo(&id, "hi");
    h.push(e.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::DeliveryChanged {
            id: id.clone(),
            delivery: Delivery::Sent
        }]
    );
    // The POST then times out: the message is known to be delivered; no resend.
    h.fail(&r);
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.s.next_deadline(), None);
    h.none_pending("/message");
}

#[test]
fn unauthorized_renews_once_then_expires() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    h.reply(&r, 401, json!({"message":"Jwt is expired"}));
    let t = h.take(Method::Get, "/continuation-access-token");
    assert_eq!(header(&t, "Authorization"), Some("Bearer tok1"));
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
    h.reply(&r, 401, J::Null);
    let ev = h.events();
    assert!(
        ev.contains(&MiawEvent::Ended {
            reason: EndReason::SessionExpired
        }),
        "{ev:?}"
    );
    assert_eq!(h.s.next_deadline(), None);
    let sid = h.stream().id;
    assert!(h.closed_streams.contains(&sid));
    assert_eq!(h.s.persist(), None);
}

#[test]
fn renewal_itself_unauthorized_expires() {
    let mut h = open_session(config());
    let (_, r) = send(&mut h, "hi");
    h.reply(&r, 401, J::Null);
    let t = h.take(Method::Get, "/continuation-access-token");
    h.reply(&t, 401, J::Null);
    assert!(h.events().contains(&MiawEvent::Ended {
        reason: EndReason::SessionExpired
    }));
}

#[test]
fn stream_unauthorized_renews_and_reopens() {
    let mut h = open_session(config());
    let id = h.stream().id;
    h.s.handle_stream_closed(id, Some(StreamError::Status(401)), h.now);
    let t = h.take(Method::Get, "/continuation-access-token");
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let st = h.stream();
    assert_ne!(st.id, id);
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok2"));
    h.connect();
    assert!(h.events().contains(&MiawEvent::ConnectionRestored));
}

#[test]
fn session_ended_417_ends_the_chat_and_never_requeues_silently() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "are you there?");
    h.events();
    h.reply(&r, 417, json!({"message":"no messaging session"}));
    // The session had ended unannounced: shown once as the agent's end; the message is not
    // sent (the visitor sees it and may start a new chat), never resent as a new session.
    let ev = h.events();
    assert!(
        ev.contains(&MiawEvent::DeliveryChanged {
            id,
            delivery: Delivery::Failed
        }),
        "{ev:?}"
    );
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, MiawEvent::Ended { .. }))
            .collect::<Vec<_>>(),
        vec![&MiawEvent::Ended {
            reason: EndReason::Agent
        }]
    );
    h.none_pending("/message");
    assert_eq!(h.s.next_deadline(), None);
}

#[test]
fn with_continue_after_end_417_resends_the_message_as_a_new_session() {
    let mut cfg = config();
    cfg.continue_after_end = true;
    let mut h = open_session(cfg);
    let (id, r) = send(&mut h, "are you there?");
    h.events();
    h.reply(&r, 417, json!({"message":"no messaging session"}));
    assert!(h.events().contains(&MiawEvent::SessionEnded));
    let r = h.take(Method::Post, "/message");
    let b = body(&r);
    assert_eq!(b["message"]["id"], id.as_str());
    assert_eq!(b["isNewMessagingSession"], true);
    assert_eq!(
        b["routingAttributes"],
        json!({"_firstName":"Ada","Topic":"Billing"})
    );
    h.reply(&r, 202, J::Null);
    assert!(h.events().contains(&MiawEvent::DeliveryChanged {
        id,
        delivery: Delivery::Sent
    }));
}

#[test]
fn rate_limited_backs_off_and_retries_same_id() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    let mut r = r;
    for _ in 0..8 {
        h.reply(&r, 429, json!({"message":"Too many requests"}));
        h.none_pending("/message");
        assert!(h.s.next_deadline().is_some());
        h.advance_to_deadline();
        r = h.take(Method::Post, "/message");
        assert_eq!(body(&r)["message"]["id"], id.as_str());
    }
    h.reply(&r, 202, J::Null);
    let ev = h.events();
    assert!(!ev.iter().any(|e| matches!(
        e,
        MiawEvent::DeliveryChanged {
            delivery: Delivery::Failed,
            ..
        }
    )));
    assert!(ev.contains(&MiawEvent::DeliveryChanged {
        id,
        delivery: Delivery::Sent
    }));
}

#[test]
fn create_conversation_retried_with_same_id_and_409_is_success() {
    let mut h = H::new(config());
    h.s.start(routing(), h.now);
    let t = h.take(Method::Post, "access-token");
    h.reply(&t, 200, json!({"accessToken":"tok1"}));
    let c = h.take(Method::Post, "/conversation");
    let conv = body(&c)["conversationId"].clone();
    h.fail(&c);
    h.advance_to_deadline();
    let c = h.take(Method::Post, "/conversation");
    assert_eq!(body(&c)["conversationId"], conv);
    h.reply(&c, 409, J::Null);
    assert!(h.s.is_open());
}

#[test]
fn routing_failure_is_reported_with_reason() {
    let mut h = open_session(config());
    let f = h.frame("CONVERSATION_ROUTING_RESULT", "RoutingResult", json!({"entryType":"RoutingResult","id":"r1","routingType":"Initial","failureType":"RoutingError","failureReason":"No agent available"}), "Router", "", json!([]));
    h.push(f.as_bytes());
    assert!(h.s.send_text("   ", h.now).is_none());
    // The type is the reason the widget explains; the free text is a diagnostic.
    assert_eq!(
        h.events(),
        vec![
            MiawEvent::Error {
                message: "routing failed (RoutingError): No agent available".into()
            },
            MiawEvent::RoutingFailed {
                reason: "RoutingError".into()
            }
        ]
    );
}

#[test]
fn wait_for_agent_timeout_offers_keep_waiting() {
    let mut cfg = config();
    cfg.wait_for_agent_ms = Some(120_000);
    let mut h = open_session(cfg);
    assert!(h.s.next_deadline().is_some());
    h.advance_to_deadline();
    assert_eq!(h.events(), vec![MiawEvent::WaitTimeout]);
    assert_eq!(h.s.next_deadline(), None);
    h.s.keep_waiting(h.now);
    h.advance_to_deadline();
    assert_eq!(h.events(), vec![MiawEvent::WaitTimeout]);
    h.s.keep_waiting(h.now);
    let j = h.joined("Jane");
    h.push(j.as_bytes());
    assert_eq!(h.s.next_deadline(), None);
}

#[test]
fn visitor_end_closes_conversation_and_session_and_leaves_nothing_running() {
    let mut cfg = config();
    cfg.wait_for_agent_ms = Some(60_000);
    let mut h = open_session(cfg);
    h.s.typing(true, h.now);
    let sid = h.stream().id;
    h.events();
    h.s.end(h.now);
    let conv = h.conv();
    let c = h.take(Method::Delete, &format!("/conversation/{conv}?"));
    assert!(c.url.ends_with(&format!(
        "/conversation/{conv}?esDeveloperName=Web_Custom_Client"
    )));
    let e = h.take(Method::Delete, "/session?");
    assert!(e.url.contains(&format!("/conversation/{conv}/session")));
    assert_eq!(
        h.events(),
        vec![MiawEvent::Ended {
            reason: EndReason::Visitor
        }]
    );
    assert!(h.closed_streams.contains(&sid));
    assert_eq!(h.s.next_deadline(), None);
    assert!(h.s.is_ended());
    // Late results and chunks are ignored.
    h.reply(&c, 204, J::Null);
    h.s.handle_stream_chunk(sid, b"data: x\n\n", h.now);
    h.s.handle_timeout(h.now + 1_000_000);
    assert_eq!(h.events(), vec![]);
    assert!(h.requests.is_empty() || h.requests.iter().all(|r| r.url.contains("/entry")));
}

#[test]
fn close_conversation_event_ends_the_session() {
    let mut h = open_session(config());
    let c = h.frame(
        "CONVERSATION_CLOSE_CONVERSATION",
        "CloseConversation",
        json!({"entryType":"CloseConversation","id":"x"}),
        "System",
        "",
        json!([]),
    );
    h.push(c.as_bytes());
    // Not by this visitor (who ends with `end`): the agent's or Salesforce's end.
    assert_eq!(
        h.events(),
        vec![MiawEvent::Ended {
            reason: EndReason::Agent
        }]
    );
    assert_eq!(h.s.next_deadline(), None);
}

#[test]
fn typing_is_debounced() {
    let mut h = open_session(config());
    for _ in 0..5 {
        h.s.typing(true, h.now);
        h.now += 500;
    }
    let t = h.take(Method::Post, "/entry");
    assert_eq!(body(&t)["entryType"], "TypingStartedIndicator");
    assert!(is_uuid_v4(body(&t)["id"].as_str().unwrap()));
    h.reply(&t, 202, J::Null);
    h.none_pending("/entry");
    h.advance_to_deadline();
    let t = h.take(Method::Post, "/entry");
    assert_eq!(body(&t)["entryType"], "TypingStoppedIndicator");
    // Typing then sending stops the indicator.
    h.s.typing(true, h.now);
    let t = h.take(Method::Post, "/entry");
    assert_eq!(body(&t)["entryType"], "TypingStartedIndicator");
    let _ = send(&mut h, "done");
    let t = h.take(Method::Post, "/entry");
    assert_eq!(body(&t)["entryType"], "TypingStoppedIndicator");
}

#[test]
fn remote_typing_hides_after_display_timeout() {
    let mut h = open_session(config());
    let ts = h.frame(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "TypingStartedIndicator",
        json!({"entryType":"TypingStartedIndicator","id":"t1"}),
        "Agent",
        "Jane",
        json!([]),
    );
    h.push(ts.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::Typing {
            name: "Jane".into(),
            typing: true
        }]
    );
    h.advance_to_deadline();
    assert_eq!(
        h.events(),
        vec![MiawEvent::Typing {
            name: "Jane".into(),
            typing: false
        }]
    );
    assert_eq!(h.s.next_deadline(), None);
}

#[test]
fn reload_restores_history_and_outbox_without_loss_or_duplicates() {
    let mut h = open_session(config());
    let j = h.joined("Jane");
    let m1 = h.agent_text("a1", "hello");
    h.push(format!("{j}{m1}").as_bytes());
    h.drop_stream();
    // Two messages typed while down: the first will turn out to have reached the server.
    let id1 = h.s.send_text("first", h.now).unwrap();
    let id2 = h.s.send_text("second", h.now).unwrap();
    let saved = h.s.persist().expect("state to persist");
    let last_id = format!("1732262405000:{}", h.seq);
    let conv = h.conv();

    let mut g = H::new(config());
    g.seq = h.seq;
    assert!(g.s.restore(saved.clone(), g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    assert_eq!(header(&t, "Authorization"), Some("Bearer tok1"));
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    assert_eq!(g.s.conversation_id(), Some(conv.as_str()));
    let st = g.stream();
    assert_eq!(header(&st, "Last-Event-Id"), Some(last_id.as_str()));
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok2"));
    let l = g.take(Method::Get, "/entries?");
    let msg = |id: &str, text: &str, role: &str| json!({"identifier":id,"entryType":"Message","entryPayload":{"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":text}}},"sender":{"role":role},"senderDisplayName":"x","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    g.reply(
        &l,
        200,
        json!({"conversationEntries":[msg(&id1, "first", "EndUser"), msg("a1", "hello", "Agent")]}),
    );
    let ev = g.events();
    assert!(
        !ev.iter()
            .any(|e| matches!(e, MiawEvent::DeliveryChanged { .. })),
        "{ev:?}"
    );
    let shown: Vec<(String, Option<Delivery>, bool)> = ev
        .iter()
        .filter_map(|e| match e {
            MiawEvent::Message {
                id,
                delivery,
                history,
                ..
            } => Some((id.clone(), *delivery, *history)),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("a1".to_string(), None, true),
            (id1.clone(), Some(Delivery::Sent), true),
            (id2.clone(), Some(Delivery::Sending), true),
        ]
    );
    assert!(ev.contains(&MiawEvent::ConversationStarted {
        conversation_id: conv.clone()
    }));
    g.none_pending("/message");
    g.connect();
    // Only the second message is sent; the first reached the server before the reload.
    let r = g.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id2.as_str());
    g.reply(&r, 202, J::Null);
    g.none_pending("/message");
    // The stream replays a1 and the echo of id1: nothing shown twice.
    let a1 = g.agent_text("a1", "hello");
    let e1 = g.echo(&id1, "first");
    g.push(format!("{a1}{e1}").as_bytes());
    let ev = g.events();
    assert!(
        !ev.iter().any(|e| matches!(e, MiawEvent::Message { .. })),
        "{ev:?}"
    );
}

/// A reload while Salesforce answers the continuation token (or the history) with 503, 429,
/// a network error, or nothing before the page is left: never "expired", resumed once it
/// answers, nothing lost.
#[test]
fn transient_failures_while_resuming_are_retried_never_expire() {
    type Answer = fn(&mut H, &HttpRequest);
    let answers: [(&str, Answer); 4] = [
        ("503", |g, r| {
            g.reply(r, 503, json!({"message":"Service Unavailable"}))
        }),
        ("429", |g, r| g.reply(r, 429, J::Null)),
        ("network", |g, r| g.fail(r)),
        ("empty 500", |g, r| g.reply(r, 500, J::Null)),
    ];
    for (what, answer) in answers {
        let mut h = open_session(config());
        let j = h.joined("Jane");
        h.push(j.as_bytes());
        let id = h.s.send_text("unsent at reload", h.now).unwrap();
        let saved = h.s.persist().unwrap();
        let conv = h.conv();

        let mut g = H::new(config());
        g.seq = h.seq;
        assert!(g.s.restore(saved.clone(), g.now));
        for _ in 0..12 {
            let t = g.take(Method::Get, "/continuation-access-token");
            assert_eq!(header(&t, "Authorization"), Some("Bearer tok1"), "{what}");
            answer(&mut g, &t);
            assert!(!g.s.is_ended(), "{what}");
            g.none_pending("/continuation-access-token");
            g.advance_to_deadline();
        }
        let ev = g.events();
        assert!(ev.contains(&MiawEvent::ConnectionLost), "{what}: {ev:?}");
        assert!(
            !ev.iter()
                .any(|e| matches!(e, MiawEvent::Ended { .. } | MiawEvent::Error { .. })),
            "{what}: {ev:?}"
        );
        // Still saved as it was: a reload now resumes the same conversation.
        assert_eq!(g.s.persist().as_ref(), Some(&saved), "{what}");
        let t = g.take(Method::Get, "/continuation-access-token");
        g.reply(&t, 200, json!({"accessToken":"tok2"}));
        // The history fails the same way, then answers.
        for _ in 0..3 {
            let l = g.take(Method::Get, "/entries?");
            answer(&mut g, &l);
            assert!(!g.s.is_ended(), "{what}");
            g.advance_to_deadline();
        }
        let l = g.take(Method::Get, "/entries?");
        g.reply(&l, 200, json!({"conversationEntries":[]}));
        assert_eq!(g.s.conversation_id(), Some(conv.as_str()));
        g.connect();
        let ev = g.events();
        assert!(
            ev.contains(&MiawEvent::ConnectionRestored),
            "{what}: {ev:?}"
        );
        let r = g.take(Method::Post, "/message");
        assert_eq!(body(&r)["message"]["id"], id.as_str(), "{what}");
        g.reply(&r, 202, J::Null);
        assert!(g.s.is_open(), "{what}");
    }
}

#[test]
fn renewal_failing_transiently_is_retried_then_replays() {
    let mut h = open_session(config());
    let (id, r) = send(&mut h, "hi");
    h.reply(&r, 401, J::Null);
    for _ in 0..5 {
        let t = h.take(Method::Get, "/continuation-access-token");
        h.reply(&t, 503, J::Null);
        assert!(!h.s.is_ended());
        h.advance_to_deadline();
    }
    let t = h.take(Method::Get, "/continuation-access-token");
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
}

#[test]
fn the_stream_never_gives_up_reconnecting() {
    let mut h = open_session(config());
    for _ in 0..100 {
        h.drop_stream();
        h.advance_to_deadline();
        h.stream();
    }
    assert!(!h.s.is_ended());
    let errors = h
        .events()
        .into_iter()
        .filter(|e| matches!(e, MiawEvent::Error { .. }))
        .count();
    assert_eq!(errors, 1, "said once");
    h.connect();
    assert!(h.events().contains(&MiawEvent::ConnectionRestored));
}

#[test]
fn restore_with_dead_token_expires() {
    let h = open_session(config());
    let saved = h.s.persist().unwrap();
    let mut g = H::new(config());
    assert!(g.s.restore(saved.clone(), g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    g.reply(&t, 401, J::Null);
    assert!(g.events().contains(&MiawEvent::Ended {
        reason: EndReason::SessionExpired
    }));
    assert!(!H::new(config()).s.restore_text("garbage", 0));
    assert!(!H::new(config()).s.restore_text("{}", 0));
}

#[test]
fn verified_user_asks_for_identity_token() {
    let mut cfg = config();
    cfg.verified_user = true;
    let mut h = H::new(cfg);
    h.s.start(routing(), h.now);
    assert_eq!(h.events(), vec![MiawEvent::IdentityTokenNeeded]);
    assert!(h.requests.is_empty());
    h.s.set_identity_token("id.jwt", h.now);
    let t = h.take(Method::Post, "/authorization/authenticated/access-token");
    assert_eq!(body(&t)["customerIdentityToken"], "id.jwt");
    h.reply(&t, 200, json!({"accessToken":"tok1"}));
    let c = h.take(Method::Post, "/conversation");
    h.reply(&c, 201, J::Null);
    h.connect();
    // A 401 renews with the identity token (same subject).
    let (_, r) = send(&mut h, "hi");
    h.reply(&r, 401, J::Null);
    let t = h.take(Method::Post, "/authorization/authenticated/access-token");
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let r = h.take(Method::Post, "/message");
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
}

#[test]
fn oversized_event_is_skipped_and_stream_continues() {
    let mut cfg = config();
    cfg.max_event_bytes = 1024;
    let mut h = open_session(cfg);
    let big = format!(
        "event: CONVERSATION_MESSAGE\ndata: {}\n\n",
        "x".repeat(5000)
    );
    let m = h.agent_text("a1", "ok");
    h.push(format!("{big}{m}").as_bytes());
    let ev = h.events();
    assert!(matches!(ev[0], MiawEvent::Skipped { .. }));
    assert!(matches!(&ev[1], MiawEvent::Message { id, .. } if id == "a1"));
}

#[test]
fn events_for_other_conversations_are_ignored() {
    let mut h = open_session(config());
    let m = h
        .agent_text("a1", "x")
        .replace(&h.conv(), "00000000-0000-4000-8000-000000000000");
    h.push(m.as_bytes());
    assert_eq!(h.events(), vec![]);
}

#[test]
fn same_seed_same_ids_different_seed_different_ids() {
    let a = open_session(config()).conv();
    let b = open_session(config()).conv();
    assert_eq!(a, b);
    let mut h = H::new(config());
    h.s = MiawSession::new(config(), 7);
    h.s.start(routing(), 0);
    let t = h.take(Method::Post, "access-token");
    h.reply(&t, 200, json!({"accessToken":"t"}));
    assert_ne!(h.conv(), a);
}

#[test]
fn conference_second_agent_joins_and_leaves() {
    let mut h = open_session(config());
    let a = h.joined("Jane");
    let b = h.joined("Bob");
    h.push(format!("{a}{b}").as_bytes());
    let left = h.frame(
        "CONVERSATION_PARTICIPANT_CHANGED",
        "ParticipantChanged",
        json!({"entryType":"ParticipantChanged","id":"p-left","entries":[{"operation":"remove","displayName":"Bob","participant":{"role":"Agent"}}]}),
        "System",
        "",
        json!([]),
    );
    h.push(left.as_bytes());
    assert_eq!(
        h.events(),
        vec![
            MiawEvent::AgentJoined {
                name: "Jane".into(),
                role: Role::Agent
            },
            MiawEvent::AgentJoined {
                name: "Bob".into(),
                role: Role::Agent
            },
            MiawEvent::AgentLeft {
                name: "Bob".into(),
                role: Role::Agent
            },
        ]
    );
    assert!(h.s.is_open());
}

#[test]
fn messages_sent_before_the_conversation_exists_are_queued() {
    // E.g. the bot transcript sent as the first visitor message right after `start`.
    let mut h = H::new(config());
    h.s.start(routing(), h.now);
    let id = h.s.send_text("Transcript: ...", h.now).unwrap();
    h.none_pending("/message");
    let t = h.take(Method::Post, "access-token");
    h.reply(&t, 200, json!({"accessToken":"tok1"}));
    let c = h.take(Method::Post, "/conversation");
    h.reply(&c, 201, J::Null);
    h.connect();
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    assert_eq!(
        body(&r)["message"]["staticContent"]["text"],
        "Transcript: ..."
    );
}

#[test]
fn failed_token_request_ends_without_leftovers() {
    let mut h = H::new(config());
    h.s.start(routing(), h.now);
    // A new chat (no conversation yet) retries its first token a few times, then gives up.
    for _ in 1..config().max_send_attempts {
        let t = h.take(Method::Post, "access-token");
        h.fail(&t);
        assert!(!h.s.is_ended());
        h.advance_to_deadline();
    }
    let t = h.take(Method::Post, "access-token");
    h.fail(&t);
    let ev = h.events();
    assert!(
        matches!(
            ev.last(),
            Some(MiawEvent::Ended {
                reason: EndReason::Failed(_)
            })
        ),
        "{ev:?}"
    );
    assert_eq!(h.s.next_deadline(), None);
    assert!(h.streams.is_empty());
}

#[test]
fn concurrent_unauthorized_requests_renew_once_and_stale_401_replays() {
    let mut h = open_session(config());
    h.s.typing(true, h.now);
    let ty = h.take(Method::Post, "/entry");
    let (id, r) = send(&mut h, "hi");
    h.take(Method::Post, "/entry"); // typing stopped by the send (answered never)
    h.reply(&ty, 401, J::Null);
    let t = h.take(Method::Get, "/continuation-access-token");
    // The send, made with the old token, also answers 401 while the renewal is in flight.
    h.reply(&r, 401, J::Null);
    h.none_pending("/message");
    h.none_pending("/continuation-access-token");
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok2"));
    // The stream opened with the old token then answers 401: reopened with the new token,
    // no second renewal, no expiry.
    let sid = h.stream().id;
    h.s.handle_stream_closed(sid, Some(StreamError::Status(401)), h.now);
    h.pump();
    let st = h.stream();
    assert_ne!(st.id, sid);
    assert_eq!(header(&st, "Authorization"), Some("Bearer tok2"));
    h.none_pending("access-token");
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, MiawEvent::Ended { .. })));
}

#[test]
fn replayed_typing_indicator_is_not_shown_again() {
    let mut h = open_session(config());
    let ts = h.frame(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "TypingStartedIndicator",
        json!({"entryType":"TypingStartedIndicator","id":"t1"}),
        "Agent",
        "Jane",
        json!([]),
    );
    h.push(ts.as_bytes());
    h.advance_to_deadline();
    assert_eq!(h.events().len(), 2);
    h.drop_stream();
    h.advance_to_deadline();
    h.connect();
    h.events();
    h.push(ts.as_bytes());
    assert_eq!(h.events(), vec![]);
}
