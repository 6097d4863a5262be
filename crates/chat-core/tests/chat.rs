//! The conversation state machine, driven as the browser layer drives it, with simulated time.

use chat_core::{
    Author, ChatEvent, Environment, HttpAction, HttpError, HttpRequest, HttpResponse, MsgKey,
    Status, WidgetConfig,
};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;
use serde_json::json;

#[path = "common/bot.rs"]
mod bot;
use bot::with_bot;

/// Loads a configuration written with `json!` (the core has its own JSON type).
fn cfg(v: &serde_json::Value) -> chat_core::Loaded {
    WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&with_bot(v).to_string())
}

fn env() -> Environment {
    Environment {
        session_id: "s-1".into(),
        ..Default::default()
    }
}

fn chat(config: serde_json::Value) -> Chat {
    let mut c = Chat::new(cfg(&config), env());
    c.handle_start(0);
    c
}

fn events(c: &mut Chat) -> Vec<ChatEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn requests(c: &mut Chat) -> Vec<HttpAction> {
    std::iter::from_fn(|| c.poll_http()).collect()
}

fn texts(c: &Chat) -> Vec<String> {
    c.messages().iter().map(|m| m.text.clone()).collect()
}

fn start_request(actions: Vec<HttpAction>) -> HttpRequest {
    match actions.as_slice() {
        [HttpAction::Start(r)] => r.clone(),
        other => panic!("expected one request, got {other:?}"),
    }
}

fn ok(body: serde_json::Value) -> Result<HttpResponse, HttpError> {
    Ok(HttpResponse {
        status: 200,
        body: body.to_string().into_bytes(),
    })
}

#[test]
fn greeting_with_quick_replies_then_a_bot_answer() {
    let mut c = chat(json!(null));
    assert_eq!(c.messages().len(), 1);
    let greeting = &c.messages()[0];
    assert!(matches!(greeting.author, Author::Bot { .. }));
    assert!(!greeting.quick_replies.is_empty());
    assert!(c.handle_send("where is my order", 1_000));
    let m = c.messages();
    assert_eq!(m.len(), 3);
    assert_eq!(m[1].author, Author::Visitor);
    assert_eq!(m[1].status, Some(Status::Delivered));
    assert!(m[2].text.contains("track your order"));
    assert_eq!(m[2].time, 1_000);
    // quick replies are only offered on the latest message
    assert!(c.messages()[0].quick_replies.is_empty());
}

#[test]
fn blank_text_is_not_sent() {
    let mut c = chat(json!(null));
    assert!(!c.handle_send("   \n ", 0));
    assert_eq!(c.messages().len(), 1);
}

#[test]
fn very_long_text_is_split_never_cut() {
    let mut c = chat(
        json!({"bot": {"intents": [{"name": "a", "examples": ["zzz"], "reply": "ok"}], "fallbacksBeforeHandoff": 0}}),
    );
    let long: String = "é".repeat(chat_core::chat::MAX_MESSAGE_CHARS * 2 + 5);
    assert!(c.handle_send(&long, 0));
    let visitor: String = c
        .messages()
        .iter()
        .filter(|m| m.author == Author::Visitor)
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(visitor, long);
}

#[test]
fn quick_reply_sends_its_label_and_can_hand_off() {
    let mut c = chat(json!(null));
    let first = c.messages()[0].clone();
    let human = first.quick_replies.iter().position(|q| q.handoff).unwrap();
    events(&mut c);
    assert!(c.handle_quick_reply(&first.id, human, 5));
    let t = texts(&c);
    assert_eq!(t[1], "Talk to a human");
    assert_eq!(t[2], c.catalogue().text(MsgKey::HandoffUtterance));
    assert_eq!(t[3], c.catalogue().text(MsgKey::NoAgentAvailable));
    assert_eq!(c.messages()[3].author, Author::System);
    let ev = events(&mut c);
    let handoff = ev
        .iter()
        .find_map(|e| match e {
            ChatEvent::HandoffRequested(h) => Some(h.clone()),
            _ => None,
        })
        .expect("hand-off requested");
    assert!(handoff.transcript.contains("Visitor: Talk to a human"));
    // a quick reply of an old message is gone
    assert!(!c.handle_quick_reply(&first.id, 0, 6));
}

#[test]
fn typed_handoff_request_and_context() {
    let mut c = chat(json!(null));
    c.handle_send("track my order", 1);
    events(&mut c);
    c.handle_send("I want to talk to an agent", 2);
    let ev = events(&mut c);
    let h = ev
        .iter()
        .find_map(|e| match e {
            ChatEvent::HandoffRequested(h) => Some(h),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        h.context.get("lastIntent").map(String::as_str),
        Some("order_status")
    );
    assert!(texts(&c).last().unwrap().contains("no agent available"));
}

#[test]
fn repeated_misunderstanding_offers_a_human() {
    let mut c = chat(json!(null));
    c.handle_send("blorp", 1);
    c.handle_send("florp", 2);
    let last = c.messages().last().unwrap();
    assert!(last
        .text
        .contains(&c.catalogue().text(MsgKey::BotOfferHandoff)));
    assert_eq!(last.quick_replies.len(), 1);
    assert!(last.quick_replies[0].handoff);
}

#[test]
fn open_close_and_unread_count() {
    let mut c = chat(json!(null));
    assert!(!c.is_open());
    assert_eq!(c.unread(), 0, "the greeting is not an unread message");
    assert!(c.handle_send("returns", 1));
    assert_eq!(c.unread(), 1, "the answer, while the window is closed");
    c.handle_open(0);
    assert_eq!(c.unread(), 0);
    c.handle_toggle(0);
    assert!(!c.is_open());
    assert_eq!(
        events(&mut c)
            .iter()
            .filter(|e| matches!(e, ChatEvent::Opened | ChatEvent::Closed))
            .count(),
        2
    );
}

#[test]
fn ending_disables_sending_and_restart_greets_again() {
    let mut c = chat(json!(null));
    c.handle_send("hello", 1);
    c.handle_end(2);
    assert!(c.is_ended());
    assert!(!c.can_send());
    assert!(!c.handle_send("still there?", 3));
    assert_eq!(
        texts(&c).last().unwrap(),
        &c.catalogue().text(MsgKey::VisitorEnded)
    );
    assert!(events(&mut c).contains(&ChatEvent::ConversationEnded));
    c.handle_restart(4, "s-2".into());
    assert!(c.can_send());
    assert_eq!(c.messages().len(), 1);
}

#[test]
fn configuration_errors_block_the_conversation() {
    let mut c = chat(json!({"bot": {"type": "rasa"}}));
    assert!(!c.can_send());
    assert!(c.messages().is_empty());
    assert!(!c.handle_send("hi", 1));
    assert!(events(&mut c)
        .iter()
        .any(|e| matches!(e, ChatEvent::Error { message } if message.contains("bot.url"))));
}

// ----- Rasa ---------------------------------------------------------------------------------

fn rasa() -> Chat {
    chat(
        json!({"bot": {"type": "rasa", "name": "Rasa", "url": "http://bot.test/webhooks/rest/webhook", "timeoutSeconds": 10}}),
    )
}

#[test]
fn rasa_turns_are_sent_one_at_a_time_in_order() {
    let mut c = rasa();
    assert!(
        c.messages().is_empty(),
        "no greeting without initialPayload"
    );
    c.handle_send("first", 0);
    c.handle_send("second", 1);
    let r1 = start_request(requests(&mut c));
    assert_eq!(r1.url, "http://bot.test/webhooks/rest/webhook");
    let body: serde_json::Value = serde_json::from_str(r1.body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"sender": "s-1", "message": "first"}));
    assert_eq!(c.typing().as_deref(), Some("Rasa"));
    assert_eq!(c.next_deadline(), Some(10_000));
    c.handle_http(
        r1.id,
        ok(json!([{"text": "one", "buttons": [{"title": "Yes", "payload": "/affirm"}]}])),
        2,
    );
    let r2 = start_request(requests(&mut c));
    assert!(r2.body.unwrap().contains("second"));
    assert_eq!(c.messages()[0].status, Some(Status::Delivered));
    assert_eq!(c.messages()[1].status, Some(Status::Sending));
    // the button sends its payload, shows its title
    let bot_msg = c
        .messages()
        .iter()
        .find(|m| m.text == "one")
        .unwrap()
        .id
        .clone();
    c.handle_http(r2.id, ok(json!([])), 3);
    // buttons were cleared by the empty answer? no: an empty answer adds nothing
    assert!(c.handle_quick_reply(&bot_msg, 0, 4));
    let r3 = start_request(requests(&mut c));
    assert!(r3.body.unwrap().contains("/affirm"));
    assert_eq!(texts(&c).last().unwrap(), "Yes");
}

#[test]
fn rasa_custom_handoff_triggers_handoff_with_context() {
    let mut c = rasa();
    c.handle_send("I need a person", 0);
    let r = start_request(requests(&mut c));
    events(&mut c);
    c.handle_http(r.id, ok(json!([{"text": "Sure.", "custom": {"handoff": true, "context": {"topic": "billing"}}}])), 1);
    let ev = events(&mut c);
    let h = ev
        .iter()
        .find_map(|e| match e {
            ChatEvent::HandoffRequested(h) => Some(h),
            _ => None,
        })
        .unwrap();
    assert_eq!(h.context["topic"], "billing");
    assert_eq!(
        texts(&c).last().unwrap(),
        &c.catalogue().text(MsgKey::NoAgentAvailable)
    );
}

#[test]
fn rasa_failures_mark_the_message_failed_and_retry_resends_it() {
    for failure in [
        Err(HttpError::Network("refused".into())),
        Ok(HttpResponse {
            status: 500,
            body: b"oops".to_vec(),
        }),
        Ok(HttpResponse {
            status: 200,
            body: b"<html>".to_vec(),
        }),
    ] {
        let mut c = rasa();
        c.handle_send("hello", 0);
        let r = start_request(requests(&mut c));
        c.handle_http(r.id, failure.clone(), 1);
        let visitor = c.messages()[0].clone();
        assert_eq!(visitor.status, Some(Status::Failed), "{failure:?}");
        assert_eq!(
            texts(&c).last().unwrap(),
            &c.catalogue().text(MsgKey::BotUnavailable)
        );
        assert!(events(&mut c)
            .iter()
            .any(|e| matches!(e, ChatEvent::Error { .. })));
        assert!(c.typing().is_none());
        assert!(c.handle_retry(&visitor.id, 2));
        let again = start_request(requests(&mut c));
        assert!(again.body.unwrap().contains("hello"));
        c.handle_http(again.id, ok(json!([{"text": "hi!"}])), 3);
        assert_eq!(c.messages()[0].status, Some(Status::Delivered));
    }
}

#[test]
fn rasa_timeout_aborts_and_reports_then_continues_with_the_queue() {
    let mut c = rasa();
    c.handle_send("a", 0);
    c.handle_send("b", 0);
    let r = start_request(requests(&mut c));
    c.handle_timeout(9_999);
    assert!(requests(&mut c).is_empty(), "not yet");
    c.handle_timeout(10_000);
    let actions = requests(&mut c);
    assert_eq!(actions[0], HttpAction::Abort(r.id));
    let HttpAction::Start(next) = &actions[1] else {
        panic!("{actions:?}")
    };
    assert!(next.body.as_deref().unwrap().contains("\"b\""));
    assert_eq!(c.messages()[0].status, Some(Status::Failed));
    // the late answer to the aborted request is ignored
    c.handle_http(r.id, ok(json!([{"text": "late"}])), 10_001);
    assert!(!texts(&c).contains(&"late".to_string()));
}

#[test]
fn rasa_initial_payload_is_sent_silently() {
    let mut c = chat(
        json!({"bot": {"type": "rasa", "url": "http://bot.test/hook", "initialPayload": "/greet"}}),
    );
    let r = start_request(requests(&mut c));
    assert!(r.body.unwrap().contains("/greet"));
    assert!(c.messages().is_empty());
}

// ----- persistence ----------------------------------------------------------------------

#[test]
fn reload_restores_the_conversation_without_greeting_twice() {
    let mut c = chat(json!(null));
    c.handle_open(0);
    c.handle_send("returns", 1);
    let saved = c.poll_persist().expect("state to save");
    assert!(c.poll_persist().is_none(), "nothing new to save");
    let mut again = Chat::new(
        cfg(&json!(null)),
        Environment {
            persisted: Some(saved),
            ..env()
        },
    );
    again.handle_start(5);
    assert_eq!(texts(&again), texts(&c));
    assert!(again.is_open());
    // new messages continue with fresh ids
    again.handle_send("hello", 6);
    let ids: std::collections::BTreeSet<_> =
        again.messages().iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), again.messages().len());
}

#[test]
fn reload_during_a_bot_request_sends_the_message_again() {
    let mut c = rasa();
    c.handle_send("are you there", 0);
    let _lost = requests(&mut c);
    let saved = c.poll_persist().unwrap();
    let mut again = Chat::new(
        cfg(&json!({"bot": {"type": "rasa", "url": "http://bot.test/webhooks/rest/webhook"}})),
        Environment {
            persisted: Some(saved),
            ..env()
        },
    );
    again.handle_start(1);
    let r = start_request(requests(&mut again));
    assert!(r.body.unwrap().contains("are you there"));
    assert_eq!(again.messages().len(), 1);
}

#[test]
fn damaged_or_foreign_saved_state_starts_fresh() {
    for saved in ["not json", "{\"version\": 99}", "[]"] {
        let mut c = Chat::new(
            cfg(&json!(null)),
            Environment {
                persisted: Some(saved.into()),
                ..env()
            },
        );
        c.handle_start(0);
        assert_eq!(c.messages().len(), 1, "{saved}");
    }
}

#[test]
fn persistence_can_be_turned_off() {
    let mut c = chat(json!({"persist": false}));
    c.handle_send("hi", 1);
    assert!(c.poll_persist().is_none());
}

#[test]
fn language_comes_from_config_then_page_then_browser() {
    let lang = |config: serde_json::Value, page: Option<&str>, browser: &[&str]| {
        let c = Chat::new(
            cfg(&config),
            Environment {
                page_language: page.map(String::from),
                browser_languages: browser.iter().map(|s| s.to_string()).collect(),
                ..env()
            },
        );
        (c.catalogue().language().to_string(), c.catalogue().is_rtl())
    };
    assert_eq!(
        lang(json!({"language": "es"}), Some("de"), &["fr-FR"]).0,
        "es"
    );
    assert_eq!(lang(json!(null), Some("de"), &["fr-FR"]).0, "de");
    assert_eq!(lang(json!(null), None, &["fr-FR", "en"]).0, "fr");
    assert_eq!(lang(json!(null), Some("xx"), &["zz"]).0, "en");
    assert_eq!(lang(json!(null), Some("ar"), &[]), ("ar".to_string(), true));
}

#[test]
fn greeting_and_system_texts_follow_the_language_and_overrides() {
    let mut c = Chat::new(
        cfg(
            &json!({"language": "fr", "messages": {"fr": {"noAgentAvailable": "Personne n'est là, {{vars.name}}."}}}),
        ),
        env(),
    );
    c.handle_start(0);
    let mut vars = chat_core::Pairs::new();
    vars.insert("name".to_string(), "Ada".to_string());
    c.handle_set_variables(vars);
    c.handle_send("agent", 1);
    assert_eq!(texts(&c).last().unwrap(), "Personne n'est là, Ada.");
}

#[test]
fn a_long_conversation_saves_a_bounded_state_and_restores_the_latest_messages() {
    use chat_core::transcript::KEPT_MESSAGES;
    let mut c = chat(json!(null));
    let mut sizes = Vec::new();
    for i in 0..700u64 {
        assert!(c.handle_send(&format!("question {i}"), 1_000 + i));
        if i == 299 || i == 699 {
            sizes.push(c.poll_persist().expect("a change to save").len());
        }
    }
    assert_eq!(c.messages().len(), 1 + 2 * 700);
    // 300 and 700 exchanges (601 and 1,401 messages) cost the same to save.
    let (at_300, at_700) = (sizes[0], sizes[1]);
    assert!(
        at_700 < at_300 + at_300 / 10,
        "saved size grows with the conversation: {at_300} then {at_700} bytes"
    );
    c.handle_send("last one", 5_000);
    let saved = c.poll_persist().unwrap();
    let mut again = Chat::new(
        cfg(&json!(null)),
        Environment {
            persisted: Some(saved),
            ..env()
        },
    );
    again.handle_start(6_000);
    assert_eq!(again.messages().len(), KEPT_MESSAGES);
    let kept = &texts(&c)[c.messages().len() - KEPT_MESSAGES..];
    assert_eq!(texts(&again), kept, "exactly the latest messages, in order");
    assert_eq!(
        again.dropped_messages(),
        (c.messages().len() - KEPT_MESSAGES) as u64
    );
    // Ids continue after the restore, and the count of dropped ones survives the next save.
    again.handle_send("after the reload", 6_001);
    let ids: std::collections::BTreeSet<_> = c
        .messages()
        .iter()
        .chain(again.messages())
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ids.len(), c.messages().len() + 2, "no id is reused");
    let saved = again.poll_persist().unwrap();
    let third = Chat::new(
        cfg(&json!(null)),
        Environment {
            persisted: Some(saved),
            ..env()
        },
    );
    assert_eq!(
        third.dropped_messages(),
        again.dropped_messages() + 2,
        "older ones dropped again, counted"
    );
}

#[test]
fn only_the_messages_that_change_get_a_new_allocation() {
    use std::rc::Rc;
    let mut c = rasa();
    c.handle_send("first", 0);
    let r = start_request(requests(&mut c));
    c.handle_http(r.id, ok(json!([{"text": "one"}])), 1);
    let before: Vec<Rc<chat_core::Message>> = c.messages().to_vec();
    // A new message leaves the others untouched...
    c.handle_send("second", 2);
    assert!(before
        .iter()
        .zip(c.messages())
        .all(|(a, b)| Rc::ptr_eq(a, b)));
    // ...and its delivery state changing touches only itself.
    let mid: Vec<Rc<chat_core::Message>> = c.messages().to_vec();
    let r = start_request(requests(&mut c));
    c.handle_http(r.id, ok(json!([{"text": "two"}])), 3);
    let changed: Vec<bool> = mid
        .iter()
        .zip(c.messages())
        .map(|(a, b)| !Rc::ptr_eq(a, b))
        .collect();
    assert_eq!(
        changed,
        [false, false, true],
        "only the sent message changed"
    );
    assert_eq!(c.messages().len(), 4);
}
