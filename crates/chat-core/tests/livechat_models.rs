//! Live Chat wire models against the spec's examples (`tests/fixtures/livechat/README.md` says
//! where each comes from), the saved state of the previous release, and a fuzz-style run of
//! every decoder with deterministic pseudo-random input: nothing may panic, and a member of the
//! wrong type may only cost what it belongs to.

#[path = "livechat_support.rs"]
mod support;

use std::fmt::Debug;

use chat_core::codec::{Json, SerdeJson};
use chat_core::http::{HttpError, HttpRequest, HttpResponse};
use chat_core::livechat::model::{
    ChasitorInit, ChasitorResyncState, ChasitorSneakPeek, ChatEnd, ChatMessage, EmptyBody, Message,
    Messages, SessionIdAnswer,
};
use chat_core::livechat::{
    EntityMap, FailReason, HistoryEntry, LiveChatConfig, LiveChatEvent, LiveChatSaved, Phase,
    PrechatDetail, PrechatEntity, SavedOutKind, SavedPhase,
};
use chat_core::loose::Item;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value as J};
use support::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("fixtures/livechat/", $name))
    };
}

/// Decodes `text` as `T`, encodes it and decodes that again: the same model.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(text: &str) -> T {
    let model: T = SerdeJson::decode(text).expect("the fixture decodes");
    let encoded = SerdeJson::encode(&model);
    let again: T = SerdeJson::decode(&encoded).expect("our encoding decodes");
    assert_eq!(again, model, "{encoded}");
    model
}

fn value(text: &str) -> J {
    serde_json::from_str(text).unwrap()
}

fn encoded_value<T: Serialize>(model: &T) -> J {
    value(&SerdeJson::encode(model))
}

// ----- requests ---------------------------------------------------------------------------------

/// The configuration the spec's `ChasitorInit` example (§4.2) describes.
fn spec_config() -> LiveChatConfig {
    LiveChatConfig {
        user_agent: "Mozilla/5.0 ...".into(),
        prechat_details: vec![PrechatDetail {
            label: "E-mail Address".into(),
            value: "ada@example.com".into(),
            entity_maps: vec![EntityMap {
                entity_name: "Contact".into(),
                field_name: "Email".into(),
            }],
            transcript_fields: vec!["Email__c".into()],
            display_to_agent: true,
            do_knowledge_search: false,
        }],
        prechat_entities: vec![contact_entity()],
        button_overrides: vec!["5735e000000AbCd".into()],
        ..config()
    }
}

#[test]
fn chasitor_init_round_trips_the_spec_example() {
    let text = fixture!("chasitor-init.json");
    let init: ChasitorInit = round_trip(text);
    assert_eq!(init.organization_id, "00D5e000000AbCd");
    assert_eq!(init.agent_id.as_deref(), Some("0055e000000AbCd"));
    assert_eq!(init.do_fallback, Some(true));
    assert_eq!(init.session_id, "ec550263-354e-477c-b773-7747ebce3f5e");
    assert_eq!(init.prechat_details[0].entity_maps[0].field_name, "Email");
    assert_eq!(init.prechat_details[0].transcript_fields, ["Email__c"]);
    assert_eq!(
        init.prechat_entities[0].link_to_entity_field.as_deref(),
        Some("ContactId")
    );
    assert!(init.prechat_entities[0].entity_fields_maps[0].is_exact_match);
    assert_eq!(init.button_overrides, ["5735e000000AbCd"]);
    assert!(init.receive_queue_updates && init.is_post);
    // Every member of the example is modelled: encoding gives the example back.
    assert_eq!(encoded_value(&init), value(text));
}

#[test]
fn the_chasitor_init_we_send_is_the_spec_example_without_direct_routing() {
    let mut h = H::new(spec_config());
    h.start();
    h.answer("/System/SessionId", 200, fixture!("session-id.json"));
    let init = h.req("/Chasitor/ChasitorInit");
    let mut expected = value(fixture!("chasitor-init.json"));
    // agentId / doFallback (direct-to-agent routing) are not configurable: never sent.
    let members = expected.as_object_mut().unwrap();
    members.remove("agentId");
    members.remove("doFallback");
    assert_eq!(body(&init), expected);
    // In the example's order.
    let text = init.body.as_deref().unwrap();
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
    let order = [
        "organizationId",
        "deploymentId",
        "buttonId",
        "sessionId",
        "userAgent",
        "language",
        "screenResolution",
        "visitorName",
        "prechatDetails",
        "prechatEntities",
        "buttonOverrides",
        "receiveQueueUpdates",
        "isPost",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
    }
    // The model built from the configuration is the one sent.
    assert_eq!(
        encoded_value(&ChasitorInit::new(
            &spec_config(),
            "ec550263-354e-477c-b773-7747ebce3f5e"
        )),
        expected
    );
}

#[test]
fn chasitor_init_without_overrides_leaves_the_member_out() {
    let init = ChasitorInit::new(&config(), "s");
    let v = encoded_value(&init);
    assert!(v.get("buttonOverrides").is_none());
    assert!(v.get("agentId").is_none());
    assert_eq!(v["prechatDetails"], json!([]));
    let entity = ChasitorInit::new(
        &LiveChatConfig {
            prechat_entities: vec![PrechatEntity {
                entity_name: "Case".into(),
                ..Default::default()
            }],
            ..config()
        },
        "s",
    );
    assert_eq!(
        encoded_value(&entity)["prechatEntities"][0],
        json!({"entityName": "Case", "showOnCreate": false, "entityFieldsMaps": []})
    );
}

#[test]
fn visitor_action_bodies_round_trip_and_are_what_we_send() {
    let m: ChatMessage = round_trip(fixture!("chat-message.json"));
    assert_eq!(m.text, "Hello");
    let t: EmptyBody = round_trip(fixture!("chasitor-typing.json"));
    assert_eq!(SerdeJson::encode(&t), "{}");
    let p: ChasitorSneakPeek = round_trip(fixture!("chasitor-sneak-peek.json"));
    assert_eq!((p.position, p.text.as_str()), (5, "Hello"));
    let e: ChatEnd = round_trip(fixture!("chat-end.json"));
    assert_eq!(e, ChatEnd::client());
    let r: ChasitorResyncState = round_trip(fixture!("chasitor-resync-state.json"));
    assert_eq!(r.organization_id, "00D...");
    for (model, text) in [
        (encoded_value(&m), fixture!("chat-message.json")),
        (encoded_value(&t), fixture!("chasitor-typing.json")),
        (encoded_value(&p), fixture!("chasitor-sneak-peek.json")),
        (encoded_value(&e), fixture!("chat-end.json")),
        (encoded_value(&r), fixture!("chasitor-resync-state.json")),
    ] {
        assert_eq!(model, value(text));
    }

    // What the session sends: the same bodies.
    let mut h = H::established(config(), true);
    h.s.send_text("Hello", h.now);
    h.drain();
    let sent = h.req("/Chasitor/ChatMessage");
    assert_eq!(body(&sent), value(fixture!("chat-message.json")));
    h.reply(&sent, 200, "OK");
    h.s.set_composer_text("Hello", h.now);
    h.drain();
    let typing = h.req("/Chasitor/ChasitorTyping");
    assert_eq!(body(&typing), value(fixture!("chasitor-typing.json")));
    h.reply(&typing, 200, "OK");
    h.advance(600);
    let peek = h.req("/Chasitor/ChasitorSneakPeek");
    assert_eq!(body(&peek), value(fixture!("chasitor-sneak-peek.json")));
    h.reply(&peek, 200, "OK");
    h.s.set_composer_text("", h.now);
    h.drain();
    let not_typing = h.req("/Chasitor/ChasitorNotTyping");
    assert_eq!(body(&not_typing), value(fixture!("chasitor-typing.json")));
    h.reply(&not_typing, 200, "OK");
    // A hand-off: ChasitorResyncState carries the organization id.
    h.answer("/System/Messages", 503, "");
    h.answer(
        "/System/ReconnectSession",
        200,
        fixture!("reconnect-session.json"),
    );
    let resync = h.req("/Chasitor/ChasitorResyncState");
    assert_eq!(
        body(&resync),
        json!({"organizationId": config().organization_id})
    );
    h.reply(&resync, 200, "OK");
    // Visitor actions wait for the first poll answer after a reconnect.
    h.answer("/System/Messages", 204, "");
    h.s.end(h.now);
    h.drain();
    assert_eq!(
        body(&h.req("/Chasitor/ChatEnd")),
        value(fixture!("chat-end.json"))
    );
}

// ----- responses --------------------------------------------------------------------------------

#[test]
fn session_id_answer() {
    let text = fixture!("session-id.json");
    let a: SessionIdAnswer = round_trip(text);
    assert_eq!(
        a.id.as_deref(),
        Some("ec550263-354e-477c-b773-7747ebce3f5e")
    );
    assert!(a
        .key
        .as_deref()
        .unwrap()
        .ends_with("!TrfoJ67wmtlYiENsWdaUBu0xZ7M="));
    assert_eq!(a.affinity_token.as_deref(), Some("878a1fa0"));
    assert_eq!(a.client_poll_timeout, Some(40));
    assert_eq!(encoded_value(&a), value(text));

    let mut h = H::new(config());
    h.start();
    h.answer("/System/SessionId", 200, text);
    assert_eq!(h.s.session_id(), a.id.as_deref());
    let init = h.req("/Chasitor/ChasitorInit");
    assert_eq!(header(&init, "X-LIVEAGENT-AFFINITY"), Some("878a1fa0"));
    assert_eq!(header(&init, "X-LIVEAGENT-SESSION-KEY"), a.key.as_deref());
}

#[test]
fn messages_of_the_worked_example() {
    let m: Messages = round_trip(fixture!("messages-established.json"));
    assert_eq!((m.sequence, m.offset), (Some(3), Some(1636520500)));
    let items: Vec<&Message> = m.items().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].kind.as_deref(), Some("QueueUpdate"));
    let queue = m.first("QueueUpdate").unwrap();
    assert_eq!(
        (queue.position, queue.estimated_wait_time),
        (Some(0), Some(0))
    );
    let est = m.first("ChatEstablished").unwrap();
    assert_eq!(est.name.as_deref(), Some("Jane"));
    assert_eq!(est.user_id.as_deref(), Some("0055e000000AbCd"));
    assert_eq!(est.sneak_peek_enabled, Some(false));

    let m: Messages = round_trip(fixture!("messages-agent.json"));
    assert_eq!((m.sequence, m.offset), (Some(6), Some(1636522046)));
    let msg = m.first("ChatMessage").unwrap();
    assert_eq!(msg.text.as_deref(), Some("Let me check that for you."));
    assert_eq!(msg.agent_id.as_deref(), Some("0055e000000AbCd"));
    assert_eq!(
        m.first("AgentTyping").unwrap().agent_id.as_deref(),
        Some("…")
    );

    // Through the session, as the worked example runs.
    let mut h = H::new(config());
    h.start();
    h.answer("/System/SessionId", 200, fixture!("session-id.json"));
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    h.take_events();
    h.answer(
        "/System/Messages",
        200,
        fixture!("messages-established.json"),
    );
    assert_eq!(
        h.take_events(),
        vec![
            LiveChatEvent::QueueStatus {
                position: Some(0),
                estimated_wait_secs: Some(0)
            },
            LiveChatEvent::AgentJoined {
                name: "Jane".into(),
                user_id: "0055e000000AbCd".into(),
                sneak_peek_enabled: false
            }
        ]
    );
    assert!(h.req("/System/Messages").url.ends_with("?ack=3"));
    h.answer("/System/Messages", 200, fixture!("messages-agent.json"));
    assert_eq!(
        h.take_events(),
        vec![
            LiveChatEvent::AgentTyping { typing: true },
            LiveChatEvent::AgentMessage {
                name: "Jane".into(),
                text: "Let me check that for you.".into(),
                agent_id: "0055e000000AbCd".into()
            },
            LiveChatEvent::AgentTyping { typing: false },
        ]
    );
    assert!(h.req("/System/Messages").url.ends_with("?ack=6"));
    // The hand-off of step 9: the offset of the last answer, then the new affinity.
    h.answer("/System/Messages", 503, "");
    assert!(h
        .req("/System/ReconnectSession")
        .url
        .ends_with("?ReconnectSession.offset=1636522046"));
    h.answer(
        "/System/ReconnectSession",
        200,
        fixture!("reconnect-session-handoff.json"),
    );
    assert_eq!(
        header(
            &h.req("/Chasitor/ChasitorResyncState"),
            "X-LIVEAGENT-AFFINITY"
        ),
        Some("9c0ffee1")
    );
    // Step 10, the agent ends it.
    h.answer("/Chasitor/ChasitorResyncState", 200, "OK");
    let ended = format!(
        "{{\"messages\":[{}],\"sequence\":7}}",
        fixture!("chat-ended.json").trim()
    );
    h.answer("/System/Messages", 200, &ended);
    assert_eq!(
        h.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: chat_core::livechat::EndReason::Agent
        })
    );
}

#[test]
fn every_message_type_of_section_7() {
    let m: Messages = round_trip(fixture!("messages-section7.json"));
    assert_eq!(m.items().count(), 16);
    let ok = m.first("ChatRequestSuccess").unwrap();
    assert_eq!(ok.queue_position, Some(1));
    assert_eq!(ok.estimated_wait_time, Some(9));
    assert_eq!(ok.connection_timeout, Some(150000));
    assert_eq!(
        m.first("QueueUpdate").unwrap().estimated_wait_time,
        Some(-1)
    );
    let data = m.first("ChasitorSessionData").unwrap();
    assert_eq!(data.chat_messages.len(), 2);
    assert_eq!(data.chat_messages[1].kind.as_deref(), Some("Chasitor"));
    assert_eq!(data.chat_messages[1].timestamp, Some(1636520610000));
    assert_eq!(
        m.first("CustomEvent").unwrap().data.as_deref(),
        Some("payload string")
    );
    assert_eq!(
        m.first("FileTransfer").unwrap().kind.as_deref(),
        Some("Requested")
    );
    // No `message` at all (AgentDisconnect: "Response body: None").
    let disconnect = m
        .items()
        .find(|i| i.kind.as_deref() == Some("AgentDisconnect"))
        .unwrap();
    assert_eq!(disconnect.message, None);

    let mut h = H::new(config());
    h.start();
    h.answer("/System/SessionId", 200, fixture!("session-id.json"));
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    h.take_events();
    h.answer("/System/Messages", 200, fixture!("messages-section7.json"));
    let jane = |typing| LiveChatEvent::AgentTyping { typing };
    let logs = h.logs();
    assert_eq!(
        h.take_events_no_log(),
        vec![
            LiveChatEvent::QueueStatus {
                position: Some(1),
                estimated_wait_secs: Some(9)
            },
            LiveChatEvent::QueueStatus {
                position: Some(1),
                estimated_wait_secs: None
            },
            LiveChatEvent::AgentJoined {
                name: "Jane".into(),
                user_id: "0055e000000AbCd".into(),
                sneak_peek_enabled: true
            },
            jane(true),
            LiveChatEvent::AgentMessage {
                name: "Jane".into(),
                text: "Let me check that for you.".into(),
                agent_id: "0055e000000AbCd".into()
            },
            jane(false),
            LiveChatEvent::IdleTimeoutWarning { triggered: true },
            LiveChatEvent::IdleTimeoutWarning { triggered: false },
            LiveChatEvent::AgentDisconnected,
            LiveChatEvent::AgentTransferred {
                name: "Joe".into(),
                user_id: "0055e000000JoEe".into(),
                sneak_peek_enabled: false
            },
            LiveChatEvent::History {
                entries: vec![
                    HistoryEntry {
                        kind: "Agent".into(),
                        name: "Jane".into(),
                        content: "Let me check that for you.".into(),
                        timestamp: Some(1636520600000)
                    },
                    HistoryEntry {
                        kind: "Chasitor".into(),
                        name: "Ada".into(),
                        content: "Hi, my order is late".into(),
                        timestamp: Some(1636520610000)
                    }
                ]
            },
            LiveChatEvent::CustomEvent {
                kind: "MyEvent".into(),
                data: "payload string".into()
            },
            LiveChatEvent::FileRequested,
        ]
    );
    // NewVisitorBreadcrumb, RichMessage and TransferToButtonInitiated: skipped, with a reason.
    assert_eq!(logs.len(), 3, "{logs:?}");
    assert!(logs[1].contains("RichMessage") && logs[2].contains("TransferToButtonInitiated"));
    assert_eq!(h.s.phase(), Phase::Chatting);
    assert_eq!(h.s.agent_name(), Some("Joe"));
    assert!(h.req("/System/Messages").url.ends_with("?ack=20"));
}

#[test]
fn chat_request_fail_and_chat_ended_items() {
    let fail: Message = round_trip(fixture!("chat-request-fail.json"));
    assert_eq!(fail.kind.as_deref(), Some("ChatRequestFail"));
    let body = fail.message.as_ref().unwrap().0.as_ref().unwrap();
    assert_eq!(body.reason.as_deref(), Some("Unavailable"));
    let ended: Message = round_trip(fixture!("chat-ended.json"));
    let body = ended.message.as_ref().unwrap().0.as_ref().unwrap();
    assert_eq!(body.reason.as_deref(), Some("agent"));

    let mut h = H::new(config());
    h.start();
    h.answer("/System/SessionId", 200, fixture!("session-id.json"));
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    let text = format!(
        "{{\"messages\":[{}],\"sequence\":1}}",
        fixture!("chat-request-fail.json").trim()
    );
    h.answer("/System/Messages", 200, &text);
    assert_eq!(
        h.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: chat_core::livechat::EndReason::RequestFailed(FailReason::Unavailable)
        })
    );
}

#[test]
fn reconnect_session_answer() {
    let m: Messages = round_trip(fixture!("reconnect-session.json"));
    let r = m.first("ReconnectSession").unwrap();
    assert_eq!(r.affinity_token.as_deref(), Some("a1b2c3d4"));
    assert_eq!(r.reset_sequence, Some(true));
    assert_eq!((m.sequence, m.offset), (None, None));
}

#[test]
fn availability_answer() {
    let m: Messages = round_trip(fixture!("availability.json"));
    let results = m.first("Availability").unwrap().results.as_ref().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1].0.as_ref().unwrap().is_available, None);
    assert_eq!(m.availability("5735e000000AbCd"), Some(true));
    // 18-character form of the same id.
    assert_eq!(m.availability("5735e000000AbCdAAA"), Some(true));
    // Listed without isAvailable: not available.
    assert_eq!(m.availability("5735e000000AbCe"), Some(false));
    assert_eq!(m.availability("5735e000000ZZZZ"), Some(false));
    // Unreadable: unknown (the chat is tried anyway).
    for text in [
        "{}",
        "{\"messages\": []}",
        "{\"messages\": [{\"type\": \"Availability\"}]}",
        "{\"messages\": [{\"type\": \"Availability\", \"message\": {\"results\": 3}}]}",
    ] {
        let m: Messages = SerdeJson::decode(text).unwrap();
        assert_eq!(m.availability("5735e000000AbCd"), None, "{text}");
    }

    for (id, available) in [("5735e000000AbCd", true), ("5735e000000AbCe", false)] {
        let mut h = H::new(LiveChatConfig {
            check_availability: true,
            button_id: id.into(),
            ..config()
        });
        h.start();
        h.answer("/Visitor/Availability", 200, fixture!("availability.json"));
        assert_eq!(h.has("/System/SessionId"), available, "{id}");
        assert_eq!(h.s.is_ended(), !available, "{id}");
    }
}

// ----- the saved state --------------------------------------------------------------------------

const SAVED: [(&str, &str); 6] = [
    ("saved-v1.json", fixture!("saved-v1.json")),
    ("saved-v1-ending.json", fixture!("saved-v1-ending.json")),
    ("saved-v1-queued.json", fixture!("saved-v1-queued.json")),
    (
        "saved-v1-requesting.json",
        fixture!("saved-v1-requesting.json"),
    ),
    (
        "saved-v1-reconnect.json",
        fixture!("saved-v1-reconnect.json"),
    ),
    (
        "saved-v1-not-typing.json",
        fixture!("saved-v1-not-typing.json"),
    ),
];

#[test]
fn states_saved_by_version_1_restore_and_save_the_same_text() {
    for (name, text) in SAVED {
        let saved: LiveChatSaved = round_trip(text);
        assert_eq!(saved.version, 1, "{name}");
        let s = LiveChatSession::restore(config(), saved.clone()).expect(name);
        let again = s.persist().expect(name);
        assert_eq!(again, saved, "{name}");
        // Byte for byte what the previous release wrote.
        assert_eq!(SerdeJson::encode(&again), text.trim_end(), "{name}");
        assert!(
            LiveChatSession::restore_text(config(), text).is_some(),
            "{name}"
        );
    }
}

#[test]
fn the_version_1_mid_chat_state_resumes_the_chat() {
    let saved: LiveChatSaved = SerdeJson::decode(fixture!("saved-v1.json")).unwrap();
    assert_eq!(saved.phase, SavedPhase::Chatting);
    assert_eq!(
        saved.outbox.iter().map(|o| o.kind).collect::<Vec<_>>(),
        [
            SavedOutKind::Message,
            SavedOutKind::Message,
            SavedOutKind::Typing,
            SavedOutKind::SneakPeek
        ]
    );
    let mut r = H::with(LiveChatSession::restore(config(), saved).unwrap());
    assert_eq!(r.s.phase(), Phase::Chatting);
    assert_eq!(r.s.agent_name(), Some("Jane"));
    assert!(r.s.sneak_peek_enabled());
    assert_eq!(
        r.s.unsent_messages(),
        [
            ("lc1".to_string(), "yes".to_string()),
            ("lc2".to_string(), "one more thing".to_string())
        ]
    );
    r.start();
    let p = r.req("/System/Messages");
    assert!(p.url.ends_with("?ack=9"));
    assert_eq!(header(&p, "X-LIVEAGENT-AFFINITY"), Some("aff1"));
    assert_eq!(header(&p, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
    // The message that was on the wire goes again with its number, then the rest in order.
    let again = r.req("/Chasitor/ChatMessage");
    assert_eq!((seq(&again), body(&again)), (2, json!({"text": "yes"})));
    r.reply(&again, 200, "OK");
    let next = r.req("/Chasitor/ChatMessage");
    assert_eq!(
        (seq(&next), body(&next)),
        (3, json!({"text": "one more thing"}))
    );
    r.reply(&next, 200, "OK");
    r.answer("/Chasitor/ChasitorTyping", 200, "OK");
    let peek = r.req("/Chasitor/ChasitorSneakPeek");
    assert_eq!(body(&peek), json!({"position": 8, "text": "and also"}));
    assert_eq!(r.s.send_text("more", r.now).as_deref(), Some("lc3"));
}

#[test]
fn the_version_1_reconnect_state_waits_for_session_data() {
    let mut r = H::with(
        LiveChatSession::restore_text(config(), fixture!("saved-v1-reconnect.json")).unwrap(),
    );
    r.start();
    assert!(!r.has("/Chasitor/ChatMessage"));
    assert_eq!(
        header(&r.req("/System/Messages"), "X-LIVEAGENT-AFFINITY"),
        Some("f6")
    );
}

#[test]
fn a_saved_state_of_another_version_or_incomplete_is_not_restored() {
    let good: LiveChatSaved = SerdeJson::decode(fixture!("saved-v1.json")).unwrap();
    let mut v2 = good.clone();
    v2.version = 2;
    assert!(LiveChatSession::restore(config(), v2).is_none());
    let mut no_text = good.clone();
    no_text.outbox[0].text = None;
    assert!(LiveChatSession::restore(config(), no_text).is_none());
    let mut no_position = good;
    no_position.outbox[3].position = None;
    assert!(LiveChatSession::restore(config(), no_position).is_none());
}

// ----- tolerance and fuzzing --------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every path to a value in `v` (the root included).
fn paths(v: &J) -> Vec<Vec<Seg>> {
    let mut out = vec![vec![]];
    match v {
        J::Object(m) => {
            for (k, child) in m {
                for p in paths(child) {
                    let mut full = vec![Seg::Key(k.clone())];
                    full.extend(p);
                    out.push(full);
                }
            }
        }
        J::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                for p in paths(child) {
                    let mut full = vec![Seg::Index(i)];
                    full.extend(p);
                    out.push(full);
                }
            }
        }
        _ => {}
    }
    out
}

fn replaced(v: &J, path: &[Seg], with: &J) -> J {
    let mut v = v.clone();
    let mut at = &mut v;
    for seg in path {
        at = match seg {
            Seg::Key(k) => &mut at[k.as_str()],
            Seg::Index(i) => &mut at[*i],
        };
    }
    *at = with.clone();
    v
}

/// Values of every JSON type, numbers past every limit, and deep nesting.
fn wrong_values() -> Vec<J> {
    let deep: J = serde_json::from_str(&format!("{}{}", "[".repeat(100), "]".repeat(100))).unwrap();
    vec![
        J::Null,
        json!(true),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(9007199254740993u64),
        json!(""),
        json!("x"),
        json!("123"),
        json!([]),
        json!([1, "a", null]),
        json!({}),
        json!({"type": 1, "message": []}),
        deep,
    ]
}

#[test]
fn a_member_of_the_wrong_type_costs_only_its_own_message() {
    let wrong = wrong_values();
    for text in [
        fixture!("messages-section7.json"),
        fixture!("messages-established.json"),
        fixture!("messages-agent.json"),
        fixture!("reconnect-session.json"),
        fixture!("availability.json"),
    ] {
        let original = value(text);
        let decoded: Messages = SerdeJson::decode(text).unwrap();
        let items: Vec<Item<Message>> = decoded.messages.clone().unwrap();
        for path in paths(&original) {
            for w in &wrong {
                let changed = replaced(&original, &path, w).to_string();
                let got: Item<Messages> =
                    SerdeJson::decode(&changed).unwrap_or_else(|e| panic!("{changed}: {e}"));
                // Below an item: every other item reads as before.
                if let [Seg::Key(k), Seg::Index(i), _, ..] = path.as_slice() {
                    assert_eq!(k, "messages");
                    let got = got.0.unwrap().messages.unwrap();
                    for (j, item) in items.iter().enumerate() {
                        if j != *i {
                            assert_eq!(&got[j], item, "{changed}");
                        }
                    }
                }
            }
        }
    }
    let original = value(fixture!("session-id.json"));
    for path in paths(&original) {
        for w in &wrong {
            let changed = replaced(&original, &path, w).to_string();
            let got: Item<SessionIdAnswer> = SerdeJson::decode(&changed).unwrap();
            if let [Seg::Key(k)] = path.as_slice() {
                let got = got.0.unwrap();
                // The other members are intact.
                if k != "id" {
                    assert_eq!(
                        got.id.as_deref(),
                        Some("ec550263-354e-477c-b773-7747ebce3f5e")
                    );
                }
                if k != "affinityToken" {
                    assert_eq!(got.affinity_token.as_deref(), Some("878a1fa0"));
                }
            }
        }
    }
}

#[test]
fn a_saved_state_with_a_wrong_optional_member_still_restores() {
    let wrong = wrong_values();
    let original = value(fixture!("saved-v1.json"));
    let optional = |path: &[Seg]| -> bool {
        match path {
            [Seg::Key(k)] => [
                "offset",
                "connectionTimeoutMs",
                "agentName",
                "agentId",
                "sneakPeek",
                "nextLocal",
                "awaitingSessionData",
            ]
            .contains(&k.as_str()),
            [Seg::Key(o), Seg::Index(i), Seg::Key(k)] if o == "outbox" => {
                matches!(k.as_str(), "seq" | "uncertain")
                    || (*i < 2 && k == "position")
                    || (*i == 2 && k != "kind")
                    || (*i == 3 && k == "localId")
            }
            _ => false,
        }
    };
    let mut restored = 0;
    for path in paths(&original) {
        for w in &wrong {
            let changed = replaced(&original, &path, w).to_string();
            let s = LiveChatSession::restore_text(config(), &changed);
            if optional(&path) {
                assert!(s.is_some(), "{changed}");
            }
            if let Some(s) = s {
                restored += 1;
                let mut h = H::with(s);
                h.start();
                h.advance(60_000);
            }
        }
    }
    assert!(restored > 100, "{restored}");
}

/// xorshift64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const KEYS: &[&str] = &[
    "messages",
    "type",
    "message",
    "sequence",
    "offset",
    "key",
    "id",
    "affinityToken",
    "clientPollTimeout",
    "queuePosition",
    "position",
    "estimatedWaitTime",
    "connectionTimeout",
    "reason",
    "name",
    "userId",
    "sneakPeekEnabled",
    "text",
    "agentId",
    "idleTimeoutWarningEvent",
    "chatMessages",
    "content",
    "timestamp",
    "data",
    "resetSequence",
    "results",
    "isAvailable",
    "version",
    "affinity",
    "clientPollTimeoutMs",
    "nextSequence",
    "ack",
    "connectionTimeoutMs",
    "phase",
    "agentName",
    "sneakPeek",
    "nextLocal",
    "awaitingSessionData",
    "outbox",
    "kind",
    "localId",
    "seq",
    "uncertain",
    "",
    "\\u0000",
];

const WORDS: &[&str] = &[
    "ChatRequestSuccess",
    "ChatRequestFail",
    "QueueUpdate",
    "ChatEstablished",
    "ChatMessage",
    "AgentTyping",
    "AgentNotTyping",
    "ChatTransferred",
    "AgentDisconnect",
    "ChatEnded",
    "ChasitorIdleTimeoutWarningEvent",
    "ChasitorSessionData",
    "CustomEvent",
    "FileTransfer",
    "NewVisitorBreadcrumb",
    "ReconnectSession",
    "Availability",
    "Requested",
    "triggered",
    "cleared",
    "agent",
    "client",
    "Chasitor",
    "requesting",
    "queued",
    "chatting",
    "message",
    "typing",
    "notTyping",
    "sneakPeek",
    "end",
    "5735e000000AbCd",
    "lc1",
    "",
    "\\ud83d\\ude00",
    "\\ud800",
    "\\u0000\\n\\t\\\"",
    "é中🙂",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "40",
    "150000",
    "9007199254740992",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "-1e308",
    "1e400",
    "1.5",
    "-0",
    "0.0",
    "3.0",
    "1e2",
    "123456789012345678901234567890",
];

fn gen_value(r: &mut Rng, depth: usize, out: &mut String) {
    let kinds = if depth > 5 { 5 } else { 9 };
    match r.below(kinds) {
        0 => out.push_str("null"),
        1 => out.push_str(if r.chance(50) { "true" } else { "false" }),
        2 => out.push_str(r.pick(NUMBERS)),
        3 | 4 => {
            out.push('"');
            out.push_str(if r.chance(70) {
                r.pick(WORDS)
            } else {
                r.pick(NUMBERS)
            });
            out.push('"');
        }
        5 | 6 => {
            out.push('[');
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push(',');
                }
                gen_value(r, depth + 1, out);
            }
            out.push(']');
        }
        _ => gen_object(r, depth, out),
    }
}

fn gen_object(r: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    for i in 0..r.below(7) {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(r.pick(KEYS));
        out.push_str("\":");
        gen_value(r, depth + 1, out);
    }
    out.push('}');
}

/// A poll-like answer: an envelope of items with known types and random members.
fn gen_messages(r: &mut Rng) -> String {
    let mut out = String::from("{\"messages\":[");
    for i in 0..r.below(6) {
        if i > 0 {
            out.push(',');
        }
        if r.chance(10) {
            gen_value(r, 1, &mut out);
            continue;
        }
        out.push_str("{\"type\":\"");
        out.push_str(r.pick(WORDS));
        out.push_str("\",\"message\":");
        if r.chance(85) {
            gen_object(r, 2, &mut out);
        } else {
            gen_value(r, 2, &mut out);
        }
        out.push('}');
    }
    out.push_str("],\"sequence\":");
    gen_value(r, 4, &mut out);
    out.push_str(",\"offset\":");
    out.push_str(r.pick(NUMBERS));
    out.push('}');
    out
}

/// A body of any kind: JSON (random, poll-like, a fixture with one member swapped), then perhaps
/// damaged (truncated, a byte replaced, so not UTF-8), or deeply nested.
fn gen_body(r: &mut Rng) -> Vec<u8> {
    let text = match r.below(6) {
        0 => {
            let mut s = String::new();
            gen_value(r, 0, &mut s);
            s
        }
        1 | 2 => gen_messages(r),
        3 => {
            let fixtures = [
                fixture!("session-id.json"),
                fixture!("messages-section7.json"),
                fixture!("reconnect-session.json"),
                fixture!("availability.json"),
                fixture!("messages-agent.json"),
                fixture!("saved-v1.json"),
            ];
            let original = value(fixtures[r.below(fixtures.len())]);
            let all = paths(&original);
            let path = &all[r.below(all.len())];
            let wrong = wrong_values();
            replaced(&original, path, &wrong[r.below(wrong.len())]).to_string()
        }
        4 => {
            let n = [10, 127, 128, 129, 1000, 20_000][r.below(6)];
            let open = if r.chance(50) { "[" } else { "{\"messages\":[" };
            format!("{}{}", open.repeat(n), "]".repeat(n))
        }
        _ => [
            "",
            "OK",
            "null",
            "{}",
            "[]",
            "\u{feff}{}",
            "  ",
            "{\"messages\":null}",
        ][r.below(8)]
        .to_string(),
    };
    let mut bytes = text.into_bytes();
    if !bytes.is_empty() && r.chance(20) {
        let at = r.below(bytes.len());
        bytes.truncate(at);
    }
    if !bytes.is_empty() && r.chance(10) {
        let at = r.below(bytes.len());
        bytes[at] = [0xff, 0x80, 0xc3, 0x00, b'"', b'\\'][r.below(6)];
    }
    bytes
}

fn status(r: &mut Rng) -> u16 {
    if r.chance(70) {
        200
    } else {
        [200, 202, 204, 400, 403, 404, 408, 409, 429, 500, 503][r.below(11)]
    }
}

fn reply_bytes(h: &mut H, req: &HttpRequest, status: u16, body: Vec<u8>) {
    h.inflight.retain(|x| x.id != req.id);
    h.s.handle_http(req.id, Ok(HttpResponse { status, body }), h.now);
    h.drain();
}

/// A session with the request matching `kind` in flight.
fn at_request(kind: usize) -> (H, &'static str) {
    let session_id = fixture!("session-id.json");
    match kind {
        0 => {
            let mut h = H::new(LiveChatConfig {
                check_availability: true,
                ..config()
            });
            h.start();
            (h, "/Visitor/Availability")
        }
        1 => {
            let mut h = H::new(config());
            h.start();
            (h, "/System/SessionId")
        }
        2 => {
            let mut h = H::new(config());
            h.start();
            h.answer("/System/SessionId", 200, session_id);
            (h, "/Chasitor/ChasitorInit")
        }
        3 => {
            let mut h = H::new(config());
            h.start();
            h.answer("/System/SessionId", 200, session_id);
            h.answer("/Chasitor/ChasitorInit", 200, "OK");
            (h, "/System/Messages")
        }
        4 => (H::established(config(), true), "/System/Messages"),
        5 => {
            let mut h = H::established(config(), true);
            h.s.send_text("hi", h.now);
            h.drain();
            (h, "/Chasitor/ChatMessage")
        }
        6 => {
            let mut h = H::established(config(), true);
            h.s.set_composer_text("hi", h.now);
            h.drain();
            (h, "/Chasitor/ChasitorTyping")
        }
        7 => {
            let mut h = H::established(config(), true);
            h.s.set_composer_text("hi", h.now);
            h.drain();
            h.answer("/Chasitor/ChasitorTyping", 200, "OK");
            h.advance(600);
            (h, "/Chasitor/ChasitorSneakPeek")
        }
        8 => {
            let mut h = H::established(config(), true);
            h.s.end(h.now);
            h.drain();
            (h, "/Chasitor/ChatEnd")
        }
        9 => {
            let mut h = H::established(config(), true);
            h.answer("/System/Messages", 503, "");
            (h, "/System/ReconnectSession")
        }
        _ => {
            let mut h = H::established(config(), true);
            h.answer("/System/Messages", 503, "");
            h.answer(
                "/System/ReconnectSession",
                200,
                fixture!("reconnect-session.json"),
            );
            (h, "/Chasitor/ChasitorResyncState")
        }
    }
}

/// Answers what is in flight with random bodies, types, clicks and lets time pass, a few
/// rounds (the harness checks that two polls never overlap).
fn keep_going(h: &mut H, r: &mut Rng, rounds: usize) {
    for _ in 0..rounds {
        for req in h.inflight.clone() {
            if r.chance(15) {
                h.inflight.retain(|x| x.id != req.id);
                h.s.handle_http(req.id, Err(HttpError::Network("x".into())), h.now);
                h.drain();
            } else {
                let (st, body) = (status(r), gen_body(r));
                reply_bytes(h, &req, st, body);
            }
        }
        match r.below(6) {
            0 => {
                h.s.send_text(r.pick(WORDS), h.now);
            }
            1 => h.s.set_composer_text(r.pick(WORDS), h.now),
            2 if r.chance(20) => h.s.end(h.now),
            3 => h.s.set_online(r.chance(50), h.now),
            _ => {}
        }
        h.drain();
        h.advance([0, 100, 600, 5_000, 60_000][r.below(5)]);
        let _ = h.s.persist();
        let _ = h.s.poll_persist();
    }
}

#[test]
fn fuzz_every_request_kind_with_random_answers() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..120 {
        for kind in 0..11 {
            let (mut h, part) = at_request(kind);
            let req = h.req(part);
            let body = gen_body(&mut r);
            let st = if round % 3 == 0 { 200 } else { status(&mut r) };
            reply_bytes(&mut h, &req, st, body);
            keep_going(&mut h, &mut r, 3);
        }
    }
}

#[test]
fn fuzz_the_decoders_and_restore() {
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    let mut decoded = 0;
    for _ in 0..4000 {
        let bytes = gen_body(&mut r);
        if let Ok(m) = SerdeJson::decode_bytes::<Item<Messages>>(&bytes) {
            decoded += 1;
            if let Some(m) = m.0 {
                let _ = m.availability("5735e000000AbCd");
                let _ = m.first("ReconnectSession");
                let _ = SerdeJson::encode(&m);
            }
        }
        let _ = SerdeJson::decode_bytes::<Item<SessionIdAnswer>>(&bytes);
        let _ = SerdeJson::decode_bytes::<Item<Message>>(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        if let Some(s) = LiveChatSession::restore_text(config(), &text) {
            let mut h = H::with(s);
            h.start();
            keep_going(&mut h, &mut r, 2);
        }
    }
    assert!(decoded > 1000, "{decoded}");
}
