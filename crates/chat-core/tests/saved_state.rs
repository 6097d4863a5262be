//! The saved conversation's schema across versions: a state saved by version 1 (captured from
//! that release, `fixtures/saved/`) resumes the same agent conversation and is saved again as
//! version 2; a state of an unknown version, or a damaged one, is discarded with a log line.

use chat_core::codec::SerdeJson;
use chat_core::{ChatEvent, Environment, HttpAction, Status, WidgetConfig};
use serde_json::{json, Value};

#[path = "common/bot.rs"]
mod bot;
#[path = "common/handoff.rs"]
mod handoff;

type Chat = chat_core::Chat<SerdeJson>;

const MIAW_V1: &str = include_str!("fixtures/saved/chat-v1-miaw.json");
const LIVECHAT_V1: &str = include_str!("fixtures/saved/chat-v1-livechat.json");

/// The configurations the fixtures were saved with.
fn miaw_config() -> Value {
    bot::with_bot(&handoff::miaw(json!({})))
}

fn livechat_config() -> Value {
    bot::with_bot(&handoff::live_chat(json!({})))
}

fn start(config: &Value, saved: &str) -> (Chat, Vec<ChatEvent>) {
    let mut c = Chat::new(
        WidgetConfig::from_json::<SerdeJson>(&config.to_string()),
        Environment {
            session_id: "s-2".into(),
            persisted: Some(saved.to_string()),
            seed: 7,
            ..Default::default()
        },
    );
    c.handle_start(1_732_262_500_000);
    let mut events = Vec::new();
    while let Some(e) = c.poll_event() {
        events.push(e);
    }
    (c, events)
}

fn texts(c: &Chat) -> Vec<String> {
    c.messages().iter().map(|m| m.text.clone()).collect()
}

fn saved_texts(saved: &Value) -> Vec<String> {
    saved["transcript"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

fn logs(events: &[ChatEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Log { message } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

/// Resumes `fixture` (version 1), checks the same conversation continues, and returns what
/// the chat saves next.
fn resumes(config: &Value, fixture: &str) -> Value {
    let v1: Value = serde_json::from_str(fixture).unwrap();
    assert_eq!(v1["version"], 1);
    let (mut c, events) = start(config, fixture);
    assert!(logs(&events).is_empty(), "{:?}", logs(&events));
    assert_eq!(texts(&c), saved_texts(&v1), "the same transcript");
    assert!(c.agent_active(), "the agent conversation resumes");
    assert_eq!(
        c.conversation_id(),
        v1["agent"]["conversationId"].as_str(),
        "the same conversation"
    );
    let mut requests = Vec::new();
    while let Some(a) = c.poll_http() {
        requests.push(a);
    }
    assert!(
        requests
            .iter()
            .any(|a| matches!(a, HttpAction::Start(_) | HttpAction::Stream(_))),
        "it talks to the server again: {requests:?}"
    );
    // The visitor writes again: the conversation is saved, now as version 2.
    let _ = c.poll_persist();
    assert!(c.handle_send("still there?", 1_732_262_501_000));
    let saved = c.poll_persist().expect("saved again after the restore");
    let v2: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["agent"]["kind"], v1["agent"]["kind"]);
    assert!(
        v2["agent"].get("session").is_none(),
        "no JSON text inside JSON"
    );
    v2
}

#[test]
fn a_miaw_conversation_saved_by_version_1_resumes_and_is_saved_as_version_2() {
    let v2 = resumes(&miaw_config(), MIAW_V1);
    let session = &v2["agent"]["miaw"];
    assert_eq!(session["token"], "tok1");
    assert_eq!(
        session["conversationId"],
        "0ad32b09-4bb0-4f6f-9fbe-bb6002fb0f26"
    );
    // Version 2 resumes too, to the same conversation.
    let (c, events) = start(&miaw_config(), &v2.to_string());
    assert!(logs(&events).is_empty(), "{:?}", logs(&events));
    assert!(c.agent_active());
    assert_eq!(
        c.conversation_id(),
        Some("0ad32b09-4bb0-4f6f-9fbe-bb6002fb0f26")
    );
}

#[test]
fn a_live_chat_saved_by_version_1_resumes_and_is_saved_as_version_2() {
    let v2 = resumes(&livechat_config(), LIVECHAT_V1);
    let session = &v2["agent"]["liveChat"];
    assert_eq!(session["id"], "sid-1");
    assert_eq!(session["affinity"], "aff1");
    let (c, events) = start(&livechat_config(), &v2.to_string());
    assert!(logs(&events).is_empty(), "{:?}", logs(&events));
    assert!(c.agent_active());
    assert_eq!(c.conversation_id(), Some("sid-1"));
}

#[test]
fn a_state_of_an_unknown_version_is_discarded_with_a_log_line() {
    let mut future: Value = serde_json::from_str(MIAW_V1).unwrap();
    future["version"] = json!(3);
    let (c, events) = start(&miaw_config(), &future.to_string());
    assert!(!c.agent_active());
    assert!(
        !texts(&c).iter().any(|t| t == "track my order"),
        "nothing of it is shown"
    );
    let logs = logs(&events);
    assert!(
        logs.iter()
            .any(|l| l.contains("cannot be restored") && l.contains("version 3")),
        "{logs:?}"
    );
}

#[test]
fn a_damaged_state_is_discarded_with_a_log_line() {
    for damaged in ["{\"version\": 2, \"transcript\": 5}", "not json", "[]"] {
        let (c, events) = start(&miaw_config(), damaged);
        assert!(!c.agent_active());
        assert!(
            logs(&events)
                .iter()
                .any(|l| l.contains("cannot be restored")),
            "{damaged}: {:?}",
            logs(&events)
        );
    }
}

#[test]
fn a_damaged_agent_session_keeps_the_transcript_and_fails_what_was_on_its_way() {
    let mut v1: Value = serde_json::from_str(MIAW_V1).unwrap();
    v1["agent"]["session"] = json!("{\"token\": ");
    // A visitor message to the agent was on its way when the page unloaded.
    let messages = v1["transcript"]["messages"].as_array_mut().unwrap();
    let last = messages.len() - 1;
    messages[last]["author"] = json!({"kind": "visitor", "name": null});
    messages[last]["status"] = json!("sending");
    messages[last]["remoteId"] = json!("c-9");
    let (c, events) = start(&miaw_config(), &v1.to_string());
    assert_eq!(texts(&c), saved_texts(&v1), "the transcript is kept");
    assert!(!c.agent_active());
    assert!(
        logs(&events)
            .iter()
            .any(|l| l.contains("cannot be resumed") && l.contains("does not decode")),
        "{:?}",
        logs(&events)
    );
    assert_eq!(
        c.messages().last().unwrap().status,
        Some(Status::Failed),
        "nothing typed is silently lost: it can be retried"
    );
}
