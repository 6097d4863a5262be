//! Live Chat session, visitor side: messages (ordering, sequence numbers, retries without
//! duplicates), typing / sneak peek debouncing, ending the chat.

#[path = "livechat_support.rs"]
mod support;

use chat_core::livechat::{EndReason, LiveChatEvent, Phase};
use serde_json::json;
use support::*;

#[test]
fn messages_typed_before_an_agent_joins_are_sent_in_order_with_increasing_sequences() {
    let mut h = H::new(config());
    // Even before the session exists.
    let a = h.s.send_text("first", h.now).unwrap();
    h.start();
    h.answer(
        "/System/SessionId",
        200,
        &json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"}).to_string(),
    );
    let b = h.s.send_text("second", h.now).unwrap();
    h.drain();
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    h.poll_reply(
        1,
        json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 1}}]),
    );
    let c = h.s.send_text("third", h.now).unwrap();
    assert_ne!(a, b);
    assert_ne!(b, c);
    h.drain();
    assert!(h.started_matching("/Chasitor/ChatMessage").is_empty());
    assert_eq!(h.s.unsent_messages().len(), 3);
    h.poll_reply(
        2,
        json!([{"type": "ChatEstablished", "message": {"name": "Jane", "userId": "u"}}]),
    );
    let mut seqs = Vec::new();
    for (text, id) in [("first", &a), ("second", &b), ("third", &c)] {
        // One POST at a time.
        let r = h.req("/Chasitor/ChatMessage");
        assert_eq!(body(&r), json!({"text": text}));
        assert_eq!(header(&r, "X-LIVEAGENT-AFFINITY"), Some("a"));
        assert_eq!(header(&r, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
        seqs.push(seq(&r));
        h.take_events();
        h.reply(&r, 200, "OK");
        assert_eq!(
            h.take_events(),
            vec![LiveChatEvent::MessageSent {
                local_id: id.clone()
            }]
        );
    }
    // ChasitorInit had 1.
    assert_eq!(seqs, vec![2, 3, 4]);
    assert!(h.s.unsent_messages().is_empty());
    assert!(!h.has("/Chasitor/"));
}

#[test]
fn blank_text_is_not_sent() {
    let mut h = H::established(config(), false);
    assert_eq!(h.s.send_text("  \n", h.now), None);
    h.drain();
    assert!(!h.has("/Chasitor/"));
}

#[test]
fn a_failed_post_is_retried_with_the_same_sequence_and_never_sent_twice() {
    let mut h = H::established(config(), false);
    let id = h.s.send_text("Hi, my order is late", h.now).unwrap();
    h.s.send_text("order 42", h.now).unwrap();
    h.drain();
    let first = h.req("/Chasitor/ChatMessage");
    let n = seq(&first);
    h.take_events();
    h.fail(&first);
    assert!(!h.has("/Chasitor/ChatMessage"), "back-off before retrying");
    // Both messages now wait for the connection (shown as such), never failed.
    let waiting = |local_id: &str, waiting: bool| LiveChatEvent::MessageWaiting {
        local_id: local_id.into(),
        waiting,
    };
    let ev = h.take_events();
    assert!(
        ev.contains(&LiveChatEvent::Connection { online: false }),
        "{ev:?}"
    );
    assert!(
        ev.contains(&waiting("lc1", true)) && ev.contains(&waiting("lc2", true)),
        "{ev:?}"
    );
    h.advance(500);
    let second = h.req("/Chasitor/ChatMessage");
    assert_eq!(seq(&second), n);
    assert_eq!(second.body, first.body);
    // Server error, then a timeout: still the same number.
    h.reply(&second, 500, "oops");
    h.advance(1000);
    let third = h.req("/Chasitor/ChatMessage");
    assert_eq!(seq(&third), n);
    h.advance(30_000);
    assert!(h.actions.contains(&chat_core::HttpAction::Abort(third.id)));
    h.advance(2000);
    let fourth = h.req("/Chasitor/ChatMessage");
    assert_eq!(seq(&fourth), n);
    h.take_events();
    h.reply(&fourth, 200, "OK");
    assert_eq!(
        h.take_events(),
        vec![
            LiveChatEvent::Connection { online: true },
            waiting("lc1", false),
            waiting("lc2", false),
            LiveChatEvent::MessageSent { local_id: id }
        ]
    );
    // The next message gets the next number, once.
    let next = h.req("/Chasitor/ChatMessage");
    assert_eq!(body(&next), json!({"text": "order 42"}));
    assert_eq!(seq(&next), n + 1);
    h.reply(&next, 200, "OK");
    // Every ChatMessage POST of the first text carried the same number.
    let all = h.started_matching("/Chasitor/ChatMessage");
    let numbers: std::collections::BTreeSet<_> = all
        .iter()
        .filter(|r| body(r)["text"] == "Hi, my order is late")
        .map(seq)
        .collect();
    assert_eq!(numbers.len(), 1);
}

#[test]
fn a_refused_message_is_reported_failed_and_the_next_goes_on() {
    let mut h = H::established(config(), false);
    let a = h.s.send_text("too long", h.now).unwrap();
    h.s.send_text("ok", h.now).unwrap();
    h.drain();
    h.answer("/Chasitor/ChatMessage", 400, "Bad request");
    let events = h.take_events_no_log();
    assert_eq!(
        events,
        vec![LiveChatEvent::MessageFailed {
            local_id: a,
            reason: "Chasitor/ChatMessage answered HTTP 400".into()
        }]
    );
    assert_eq!(body(&h.req("/Chasitor/ChatMessage")), json!({"text": "ok"}));
}

#[test]
fn posts_run_alongside_the_single_poll() {
    let mut h = H::established(config(), false);
    h.s.send_text("hello", h.now);
    h.drain();
    assert!(h.has("/System/Messages"));
    assert!(h.has("/Chasitor/ChatMessage"));
    // The poll answers first; the POST is still the same request.
    let post = h.req("/Chasitor/ChatMessage");
    h.poll_reply(
        3,
        json!([{"type": "ChatMessage", "message": {"name": "Jane", "text": "Hi"}}]),
    );
    assert_eq!(h.req("/Chasitor/ChatMessage").id, post.id);
}

#[test]
fn typing_is_debounced_and_cleared_after_idle_or_send() {
    let mut h = H::established(config(), false);
    // Keystrokes: one ChasitorTyping.
    for (i, text) in ["H", "He", "Hel", "Hell", "Hello"].iter().enumerate() {
        h.s.set_composer_text(text, h.now + i as u64 * 100);
        h.drain();
    }
    h.now += 400;
    let t = h.req("/Chasitor/ChasitorTyping");
    assert!(header(&t, "X-LIVEAGENT-SEQUENCE").is_some());
    h.reply(&t, 200, "OK");
    assert_eq!(h.started_matching("/Chasitor/ChasitorTyping").len(), 1);
    // 5 s without keystroke: not typing.
    h.advance(5_000);
    let nt = h.req("/Chasitor/ChasitorNotTyping");
    assert!(seq(&nt) > seq(&t));
    h.reply(&nt, 200, "OK");
    // Typing again, then sending: Typing, ChatMessage, NotTyping (spec §10 step 7).
    h.s.set_composer_text("Hi, my order", h.now);
    h.s.send_text("Hi, my order is late", h.now);
    h.drain();
    let mut order = Vec::new();
    while let Some(r) = h
        .inflight
        .iter()
        .find(|r| r.url.contains("/Chasitor/"))
        .cloned()
    {
        order.push((r.url.rsplit('/').next().unwrap().to_string(), seq(&r)));
        h.reply(&r, 200, "OK");
    }
    assert_eq!(
        order.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["ChasitorTyping", "ChatMessage", "ChasitorNotTyping"]
    );
    assert!(order.windows(2).all(|w| w[0].1 < w[1].1));
    // No timer left for typing.
    h.advance(10_000);
    assert!(!h.has("/Chasitor/"));
}

#[test]
fn typing_then_clearing_before_sending_cancels_out() {
    let mut h = H::established(config(), false);
    h.s.send_text("occupy the outbox", h.now);
    h.s.set_composer_text("x", h.now);
    h.s.set_composer_text("", h.now);
    h.drain();
    h.answer("/Chasitor/ChatMessage", 200, "OK");
    assert!(!h.has("/Chasitor/"), "typing and not-typing cancelled out");
}

#[test]
fn no_typing_or_sneak_peek_before_an_agent_joins() {
    let mut h = H::new(config());
    h.start();
    h.s.set_composer_text("hello", h.now);
    h.drain();
    h.advance(10_000);
    assert!(h.started_matching("/Chasitor/ChasitorTyping").is_empty());
}

#[test]
fn sneak_peek_is_debounced_and_only_with_an_agent_who_has_it() {
    let mut h = H::established(config(), true);
    h.s.set_composer_text("H", h.now);
    h.drain();
    h.answer("/Chasitor/ChasitorTyping", 200, "OK");
    // Fast typing: the preview waits for a pause (500 ms) but never more than 2 s.
    let mut text = String::from("H");
    for _ in 0..30 {
        h.advance(100);
        text.push('i');
        h.s.set_composer_text(&text, h.now);
        h.drain();
    }
    let peeks = h.started_matching("/Chasitor/ChasitorSneakPeek");
    assert!(
        (1..=2).contains(&peeks.len()),
        "{} previews for 30 keystrokes",
        peeks.len()
    );
    for p in &peeks {
        h.reply(p, 200, "OK");
    }
    h.advance(500);
    let last = h.req("/Chasitor/ChasitorSneakPeek");
    assert_eq!(
        body(&last),
        json!({"position": text.chars().count(), "text": text})
    );
    h.reply(&last, 200, "OK");
    // Unchanged text: no new preview.
    h.s.set_composer_text(&text, h.now);
    h.drain();
    h.advance(1000);
    assert_eq!(
        h.started_matching("/Chasitor/ChasitorSneakPeek").len(),
        peeks.len() + 1
    );

    // Without sneak peek: typing only.
    let mut h = H::established(config(), false);
    h.s.set_composer_text("Hello", h.now);
    h.drain();
    h.advance(3000);
    assert!(h.started_matching("/Chasitor/ChasitorSneakPeek").is_empty());
}

#[test]
fn visitor_end_sends_chat_end_after_queued_messages() {
    let mut h = H::established(config(), false);
    let id = h.s.send_text("thanks", h.now).unwrap();
    h.s.set_composer_text("x", h.now);
    h.s.end(h.now);
    assert!(h.s.ending());
    assert!(!h.s.can_send());
    assert_eq!(h.s.send_text("after the end", h.now), None);
    h.s.set_composer_text("typing after the end", h.now);
    h.advance(6_000);
    h.drain();
    h.answer("/Chasitor/ChatMessage", 200, "OK");
    let end = h.req("/Chasitor/ChatEnd");
    assert_eq!(body(&end), json!({"reason": "client"}));
    assert!(h.started_matching("/Chasitor/ChasitorTyping").is_empty());
    h.take_events();
    h.reply(&end, 200, "OK");
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::Ended {
            reason: EndReason::Visitor
        }]
    );
    assert!(h.inflight.is_empty(), "polling stopped");
    let _ = id;
    assert_eq!(
        h.s.poll_persist(),
        Some(chat_core::livechat::PersistUpdate::Clear)
    );
    // A second end is a no-op.
    h.s.end(h.now);
    h.drain();
    assert!(h.take_events().is_empty());
}

#[test]
fn visitor_end_while_queued_sends_chat_end_at_once() {
    let mut h = H::new(config());
    h.start();
    h.answer(
        "/System/SessionId",
        200,
        &json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"}).to_string(),
    );
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    h.poll_reply(
        1,
        json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 4}}]),
    );
    let id = h.s.send_text("anyone?", h.now).unwrap();
    h.s.end(h.now);
    h.drain();
    h.take_events();
    let end = h.req("/Chasitor/ChatEnd");
    assert!(!h.has("/Chasitor/ChatMessage"));
    // Even a 403 (already gone) means it is over.
    h.reply(&end, 403, "Session required but was invalid or not found");
    assert_eq!(
        h.take_events(),
        vec![
            LiveChatEvent::MessageFailed {
                local_id: id,
                reason: "the chat ended before the message could be sent".into()
            },
            LiveChatEvent::Ended {
                reason: EndReason::Visitor
            }
        ]
    );
}

#[test]
fn visitor_end_before_the_session_exists_sends_nothing() {
    let mut h = H::new(config());
    h.start();
    let r = h.req("/System/SessionId");
    h.s.end(h.now);
    h.drain();
    assert!(h.actions.contains(&chat_core::HttpAction::Abort(r.id)));
    assert!(h.inflight.is_empty());
    assert_eq!(h.s.phase(), Phase::Ended);
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::Ended {
            reason: EndReason::Visitor
        }]
    );
}

#[test]
fn a_post_answered_403_ends_the_session() {
    let mut h = H::established(config(), false);
    h.s.send_text("hello", h.now);
    h.drain();
    h.answer("/Chasitor/ChatMessage", 403, "gone");
    assert!(h.s.is_ended());
    assert!(h.inflight.is_empty());
}
