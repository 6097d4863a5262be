//! One conversation across tabs: the intents mirrors send to the owner, their wire format,
//! the forwarder that keeps them until acknowledged, and the hand-over to a new owner with
//! nothing lost and nothing applied twice (see `chat_core::tabs`).

use chat_core::tabs::{Forwarder, Intent, TabMessage, RESEND_MS};
use chat_core::{Author, ChatEvent, Environment, FileRef, Pairs, WidgetConfig};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;

fn env(saved: Option<String>) -> Environment {
    Environment {
        session_id: "s-1".into(),
        persisted: saved,
        ..Default::default()
    }
}

/// The owner tab: a conversation with the demo bot, started.
fn owner(saved: Option<String>) -> Chat {
    let mut c = Chat::new(
        WidgetConfig::from_json::<chat_core::codec::SerdeJson>(r#"{"bot": {"type": "demo"}}"#),
        env(saved),
    );
    c.handle_start(0);
    c
}

/// A mirror: the saved conversation, started, its requests never performed.
fn mirror(saved: &str) -> Chat {
    let mut c = owner(Some(saved.to_string()));
    while c.poll_http().is_some() {}
    while c.poll_event().is_some() {}
    c
}

fn visitor_texts(c: &Chat) -> Vec<String> {
    c.messages()
        .iter()
        .filter(|m| m.author == Author::Visitor)
        .map(|m| m.text.clone())
        .collect()
}

fn all_intents() -> Vec<Intent> {
    let mut p = Pairs::new();
    p.insert("orderId".to_string(), "A-17".to_string());
    vec![
        Intent::Send {
            text: "héllo \"world\"\n".into(),
        },
        Intent::QuickReply {
            message_id: "m3".into(),
            index: 2,
        },
        Intent::Retry {
            message_id: "m4".into(),
        },
        Intent::End,
        Intent::Restart {
            session_id: "s-2".into(),
        },
        Intent::PrechatSubmit { values: p.clone() },
        Intent::PrechatCancel,
        Intent::ComposerText { text: "typ".into() },
        Intent::SendFile {
            file: FileRef {
                handle: 0,
                name: "a.pdf".into(),
                size: 12,
                mime_type: "application/pdf".into(),
            },
        },
        Intent::SetVariables { vars: p.clone() },
        Intent::SetHiddenFields { fields: p },
        Intent::IdentityToken {
            jwt: "x.y.z".into(),
        },
        Intent::Seen,
    ]
}

#[test]
fn every_intent_and_message_survives_the_channel() {
    for intent in all_intents() {
        let m = TabMessage::Intent {
            id: "i-1".into(),
            intent: Some(intent),
        };
        assert_eq!(
            TabMessage::from_json::<chat_core::codec::SerdeJson>(
                &m.to_json::<chat_core::codec::SerdeJson>()
            ),
            Some(m)
        );
    }
    for m in [TabMessage::Ack { id: "i-1".into() }, TabMessage::Owner] {
        assert_eq!(
            TabMessage::from_json::<chat_core::codec::SerdeJson>(
                &m.to_json::<chat_core::codec::SerdeJson>()
            ),
            Some(m)
        );
    }
    // A newer tab's intent this version does not know: acknowledged and dropped, not applied.
    assert_eq!(
        TabMessage::from_json::<chat_core::codec::SerdeJson>(
            r#"{"type":"intent","id":"i-9","intent":{"kind":"teleport"}}"#
        ),
        Some(TabMessage::Intent {
            id: "i-9".into(),
            intent: None
        })
    );
    for junk in [
        "",
        "null",
        "[]",
        "{}",
        r#"{"type":"intent"}"#,
        r#"{"type":"x"}"#,
    ] {
        assert_eq!(
            TabMessage::from_json::<chat_core::codec::SerdeJson>(junk),
            None,
            "{junk}"
        );
    }
}

#[test]
fn the_forwarder_keeps_each_intent_until_acknowledged() {
    let mut f = Forwarder::default();
    let send = Intent::Send { text: "a".into() };
    let m = f.forward("i-1".into(), send.clone(), 1_000);
    assert!(matches!(m, TabMessage::Intent { ref id, .. } if id == "i-1"));
    f.forward("i-2".into(), Intent::End, 1_500);
    // Typing is sent once, never kept.
    f.forward(
        "i-3".into(),
        Intent::ComposerText { text: "t".into() },
        1_500,
    );
    assert_eq!(f.next_deadline(), Some(1_000 + RESEND_MS));
    assert!(f.resend(false, 1_999).is_empty());
    assert_eq!(f.resend(false, 2_000).len(), 1, "only the one due");
    // A new owner: everything unacknowledged, at once.
    assert_eq!(f.resend(true, 2_100).len(), 2);
    f.acked("i-1");
    assert_eq!(
        f.take_all(),
        vec![("i-2".to_string(), Intent::End)],
        "what this tab applies itself when it becomes the owner"
    );
    assert!(f.is_empty());
    assert_eq!(f.next_deadline(), None);
}

#[test]
fn a_mirror_shows_the_owners_conversation_and_sends_through_it() {
    let mut a = owner(None);
    assert!(a.handle_send("where is my order", 1_000));
    let saved = a.poll_persist().unwrap();
    let mut b = mirror(&saved);
    assert_eq!(b.messages(), a.messages());

    // The visitor types in the mirror: checked there, applied by the owner, shown in both.
    let intent = Intent::Send {
        text: "I want a refund".into(),
    };
    assert!(b.accepts(&intent));
    assert!(!b.accepts(&Intent::Send { text: "  ".into() }));
    assert_eq!(a.handle_intent("i-1", intent.clone(), 2_000), Some(true));
    let saved = a.poll_persist().unwrap();
    let b = mirror(&saved);
    assert_eq!(
        visitor_texts(&b),
        vec!["where is my order", "I want a refund"]
    );
    assert_eq!(b.messages(), a.messages());
    // The same intent again (its acknowledgement was lost): skipped.
    assert_eq!(a.handle_intent("i-1", intent, 2_500), None);
    assert_eq!(visitor_texts(&a).len(), 2);
}

#[test]
fn a_new_owner_applies_what_the_old_one_missed_and_nothing_twice() {
    let mut a = owner(None);
    let mut f = Forwarder::default(); // tab B's
    let one = Intent::Send { text: "one".into() };
    let two = Intent::Send { text: "two".into() };
    f.forward("b-1".into(), one.clone(), 1_000);
    f.forward("b-2".into(), two, 1_000);
    // A applied b-1 and saved it, then closed before its acknowledgement reached B, and
    // before it saw b-2.
    assert_eq!(a.handle_intent("b-1", one, 1_100), Some(true));
    let saved = a.poll_persist().unwrap();
    drop(a);
    // B becomes the owner: the saved conversation, resumed, then its own leftovers.
    let mut b = owner(Some(saved));
    let applied: Vec<Option<bool>> = f
        .take_all()
        .into_iter()
        .map(|(id, intent)| b.handle_intent(&id, intent, 2_000))
        .collect();
    assert_eq!(applied, vec![None, Some(true)]);
    assert_eq!(visitor_texts(&b), vec!["one", "two"]);
    // The ids survive another hand-over.
    let saved = b.poll_persist().unwrap();
    let mut c = owner(Some(saved));
    assert_eq!(
        c.handle_intent("b-2", Intent::Send { text: "two".into() }, 3_000),
        None
    );
    assert_eq!(visitor_texts(&c), vec!["one", "two"]);
}

#[test]
fn each_tab_keeps_its_own_window_state_without_events() {
    let mut a = owner(None);
    a.handle_open(0);
    let saved = a.poll_persist().unwrap();
    let mut b = mirror(&saved);
    assert!(
        b.is_open(),
        "a new tab continues as the conversation was left"
    );
    b.restore_open(false);
    assert!(!b.is_open());
    let ev: Vec<ChatEvent> = std::iter::from_fn(|| b.poll_event()).collect();
    assert!(ev.is_empty(), "{ev:?}");
    b.restore_open(true);
    assert!(b.is_open());
}

#[test]
fn a_mirror_checks_the_prechat_form_before_forwarding() {
    let config = r#"{"bot": {"type": "demo"}, "handoff": {"miaw": {"url": "https://x.my.salesforce-scrt.com",
        "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
        "prechat": {"fields": [{"name": "email", "type": "email", "required": true}]}}}"#;
    let mut a = Chat::new(
        WidgetConfig::from_json::<chat_core::codec::SerdeJson>(config),
        env(None),
    );
    a.handle_start(0);
    assert!(a.handle_send("talk to a human", 1_000));
    assert!(a.prechat().is_some());
    let saved = a.poll_persist().unwrap();
    let mut b = Chat::new(
        WidgetConfig::from_json::<chat_core::codec::SerdeJson>(config),
        env(Some(saved)),
    );
    b.handle_start(2_000);
    while b.poll_http().is_some() {}
    assert!(b.prechat().is_some(), "the form shows in the mirror too");
    let mut bad = Pairs::new();
    bad.insert("email".to_string(), "not an address".to_string());
    assert!(!b.accepts(&Intent::PrechatSubmit { values: bad }));
    assert!(
        !b.prechat().unwrap().1.errors.is_empty(),
        "shown in the mirror"
    );
    let mut good = Pairs::new();
    good.insert("email".to_string(), "ada@example.com".to_string());
    let intent = Intent::PrechatSubmit { values: good };
    assert!(b.accepts(&intent));
    assert!(b.prechat().is_some(), "nothing started in the mirror");
    assert_eq!(a.handle_intent("i-1", intent, 3_000), Some(true));
    assert!(a.prechat().is_none());
    assert!(a.agent_active());
}
