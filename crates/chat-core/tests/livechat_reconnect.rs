//! Live Chat session: 503 re-affinity (ReconnectSession, ChasitorResyncState, resend) and
//! resuming after a page reload (persist / restore).

#[path = "livechat_support.rs"]
mod support;

use chat_core::livechat::{EndReason, HistoryEntry, LiveChatEvent, PersistUpdate, Phase};
pub type LiveChatSession = chat_core::livechat::LiveChatSession<chat_core::codec::SerdeJson>;
use chat_core::HttpAction;
use serde_json::json;
use support::*;

fn reconnect_answer(affinity: &str) -> String {
    json!({"messages": [{"type": "ReconnectSession", "message": {"resetSequence": true, "affinityToken": affinity}}]})
        .to_string()
}

#[test]
fn a_503_reconnects_with_the_offset_and_the_new_affinity() {
    let mut h = H::established(config(), false);
    // A message arrives (offset 1000 + 6), then the visitor sends while the poll is open.
    h.poll_reply(
        6,
        json!([{"type": "ChatMessage", "message": {"name": "Jane", "text": "Let me check."}}]),
    );
    let id = h.s.send_text("ok", h.now).unwrap();
    h.drain();
    let post = h.req("/Chasitor/ChatMessage");
    let old_seq = seq(&post);
    let poll = h.req("/System/Messages");
    h.take_events();

    h.reply(&poll, 503, "");
    // Everything in flight is cancelled, one ReconnectSession with affinity null.
    assert!(h.actions.contains(&HttpAction::Abort(post.id)));
    assert!(!h.has("/System/Messages"));
    assert!(!h.has("/Chasitor/"));
    let rc = h.req("/System/ReconnectSession");
    assert!(
        rc.url
            .ends_with("/System/ReconnectSession?ReconnectSession.offset=1006"),
        "{}",
        rc.url
    );
    assert_eq!(header(&rc, "X-LIVEAGENT-AFFINITY"), Some("null"));
    assert_eq!(header(&rc, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
    h.reply(&rc, 200, &reconnect_answer("9c0ffee1"));

    let resync = h.req("/Chasitor/ChasitorResyncState");
    assert_eq!(body(&resync), json!({"organizationId": "00D5e000000AbCd"}));
    assert_eq!(header(&resync, "X-LIVEAGENT-AFFINITY"), Some("9c0ffee1"));
    // The numbering restarted.
    assert_eq!(seq(&resync), 1);
    assert!(!h.has("/System/Messages"));
    h.reply(&resync, 200, "OK");

    let p = h.req("/System/Messages");
    assert_eq!(header(&p, "X-LIVEAGENT-AFFINITY"), Some("9c0ffee1"));
    assert!(p.url.ends_with("?ack=6"));
    // The cut-off message waits for ChasitorSessionData.
    assert!(!h.has("/Chasitor/ChatMessage"));
    h.poll_reply(
        7,
        json!([{"type": "ChasitorSessionData", "message": {"chatMessages": [
            {"type": "Agent", "name": "Jane", "content": "Let me check.", "timestamp": 5}
        ]}}]),
    );
    let again = h.req("/Chasitor/ChatMessage");
    assert_eq!(body(&again), json!({"text": "ok"}));
    assert_eq!(header(&again, "X-LIVEAGENT-AFFINITY"), Some("9c0ffee1"));
    assert_eq!(seq(&again), 2);
    // (Under the old numbering it was also 2: init 1, message 2.)
    assert_eq!(old_seq, 2);
    h.take_events();
    h.reply(&again, 200, "OK");
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::MessageSent { local_id: id }]
    );
    assert_eq!(h.started_matching("/Chasitor/ChatMessage").len(), 2);
}

#[test]
fn a_message_the_restored_transcript_already_holds_is_not_sent_again() {
    let mut h = H::established(config(), false);
    let id = h.s.send_text("my order is late", h.now).unwrap();
    h.drain();
    h.req("/Chasitor/ChatMessage");
    // The POST reached the server, but its answer is lost in the hand-off.
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 200, &reconnect_answer("b2"));
    h.answer("/Chasitor/ChasitorResyncState", 200, "OK");
    h.take_events();
    h.poll_reply(
        3,
        json!([{"type": "ChasitorSessionData", "message": {"queuePosition": 0, "chatMessages": [
            {"type": "Agent", "name": "Jane", "content": "Hi", "timestamp": 1},
            {"type": "Chasitor", "name": "Ada", "content": "my order is late", "timestamp": 2}
        ]}}]),
    );
    let events = h.take_events_no_log();
    assert_eq!(
        events[0],
        LiveChatEvent::MessageSent {
            local_id: id.clone()
        }
    );
    assert!(
        matches!(&events[1], LiveChatEvent::History { entries } if entries.len() == 2 && entries[1] == HistoryEntry {
            kind: "Chasitor".into(), name: "Ada".into(), content: "my order is late".into(), timestamp: Some(2)
        })
    );
    assert!(!h.has("/Chasitor/ChatMessage"));
    assert_eq!(h.started_matching("/Chasitor/ChatMessage").len(), 1);
}

#[test]
fn a_503_on_a_post_also_reconnects_and_repeated_hand_offs_work() {
    let mut h = H::established(config(), false);
    h.s.send_text("one", h.now);
    h.drain();
    h.answer("/Chasitor/ChatMessage", 503, "");
    assert!(!h.has("/System/Messages"), "the poll was cancelled");
    // ReconnectSession fails once on the network: retried.
    h.fail(&h.req("/System/ReconnectSession"));
    h.advance(500);
    h.answer("/System/ReconnectSession", 200, &reconnect_answer("c3"));
    h.answer("/Chasitor/ChasitorResyncState", 200, "OK");
    // No ChasitorSessionData: the first answer (here a 204) releases the outbox.
    h.answer("/System/Messages", 204, "");
    let r = h.req("/Chasitor/ChatMessage");
    assert_eq!(seq(&r), 2);
    assert_eq!(header(&r, "X-LIVEAGENT-AFFINITY"), Some("c3"));
    h.reply(&r, 200, "OK");
    // A second hand-off.
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 200, &reconnect_answer("d4"));
    let resync = h.req("/Chasitor/ChasitorResyncState");
    assert_eq!(seq(&resync), 1);
    h.reply(&resync, 200, "OK");
    assert_eq!(
        header(&h.req("/System/Messages"), "X-LIVEAGENT-AFFINITY"),
        Some("d4")
    );
}

#[test]
fn reconnect_failures() {
    // Unreadable answer: the session cannot go on.
    let mut h = H::established(config(), false);
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 200, "{\"messages\": []}");
    assert!(matches!(
        h.events.last(),
        Some(LiveChatEvent::Ended {
            reason: EndReason::Error(_)
        })
    ));
    // 403: over.
    let mut h = H::established(config(), false);
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 403, "gone");
    assert_eq!(
        h.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: EndReason::SessionInvalid
        })
    );
    // ChasitorResyncState refused: polling goes on anyway.
    let mut h = H::established(config(), false);
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 200, &reconnect_answer("e5"));
    h.answer("/Chasitor/ChasitorResyncState", 400, "no");
    assert!(h.has("/System/Messages"));
    assert!(!h.s.is_ended());
}

#[test]
fn reload_mid_chat_resumes_the_same_chat() {
    let mut h = H::established(config(), false);
    h.poll_reply(
        9,
        json!([{"type": "ChatMessage", "message": {"name": "Jane", "text": "Anything else?"}}]),
    );
    h.s.send_text("yes", h.now);
    h.s.send_text("one more thing", h.now);
    h.drain();
    let cut = h.req("/Chasitor/ChatMessage");
    let cut_seq = seq(&cut);
    let saved = match h.s.poll_persist() {
        Some(PersistUpdate::Save(s)) => serde_json::to_string(&s).unwrap(),
        other => panic!("expected a saved state, got {other:?}"),
    };
    assert_eq!(
        serde_json::to_string(&h.s.persist().unwrap()).unwrap(),
        saved
    );
    let v: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(v["key"], KEY);
    assert_eq!(v["affinity"], "aff1");
    assert_eq!(v["ack"], 9);
    assert_eq!(v["offset"], 1009);
    assert_eq!(v["outbox"].as_array().unwrap().len(), 2);
    assert_eq!(h.s.poll_persist(), None, "nothing changed since");

    // The page reloads: a new session object from the saved text.
    let restored = LiveChatSession::restore_text(config(), &saved).expect("restorable");
    let mut r = H::with(restored);
    r.now = h.now + 2000;
    assert_eq!(r.s.phase(), Phase::Chatting);
    assert_eq!(r.s.session_id(), Some(SID));
    assert_eq!(r.s.agent_name(), Some("Jane"));
    r.start();
    let p = r.req("/System/Messages");
    assert!(p.url.ends_with("?ack=9"));
    assert_eq!(header(&p, "X-LIVEAGENT-AFFINITY"), Some("aff1"));
    assert_eq!(header(&p, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
    // The message that was on the wire goes again with its number (the server drops a repeat).
    let again = r.req("/Chasitor/ChatMessage");
    assert_eq!(seq(&again), cut_seq);
    assert_eq!(body(&again), json!({"text": "yes"}));
    r.reply(&again, 200, "OK");
    let next = r.req("/Chasitor/ChatMessage");
    assert_eq!(body(&next), json!({"text": "one more thing"}));
    assert_eq!(seq(&next), cut_seq + 1);
    r.reply(&next, 200, "OK");
    // New local ids do not collide with the restored ones.
    assert_eq!(r.s.send_text("third", r.now).as_deref(), Some("lc3"));
    r.poll_reply(
        10,
        json!([{"type": "ChatEnded", "message": {"reason": "agent"}}]),
    );
    assert_eq!(
        r.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: EndReason::Agent
        })
    );
}

#[test]
fn reload_while_queued_resumes_polling() {
    let mut h = H::new(config());
    h.start();
    assert_eq!(
        h.s.persist(),
        None,
        "nothing to resume before a session exists"
    );
    h.answer(
        "/System/SessionId",
        200,
        &json!({"key": KEY, "id": SID, "clientPollTimeout": 20, "affinityToken": "a"}).to_string(),
    );
    assert_eq!(
        h.s.persist(),
        None,
        "nothing to resume before ChasitorInit was accepted"
    );
    h.answer("/Chasitor/ChasitorInit", 200, "OK");
    h.poll_reply(
        1,
        json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 2}}]),
    );
    let saved = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    let mut r = H::with(LiveChatSession::restore_text(config(), &saved).unwrap());
    assert_eq!(r.s.phase(), Phase::Queued);
    r.start();
    let p = r.req("/System/Messages");
    assert!(p.url.ends_with("?ack=1"));
    // clientPollTimeout 20 s survives the reload.
    assert_eq!(r.s.next_deadline(), Some(r.now + 20_000));
    // A second start does not open a second poll.
    r.start();
    assert_eq!(r.req("/System/Messages").id, p.id);
}

#[test]
fn damaged_or_foreign_saved_state_is_refused() {
    let h = H::established(config(), false);
    let good = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    assert!(LiveChatSession::restore_text(config(), &good).is_some());
    for bad in [
        "",
        "null",
        "[]",
        "{}",
        "{\"version\": 2}",
        &good.replace("\"chatting\"", "\"dancing\""),
        &good.replace("\"version\":1", "\"version\":7"),
        &good.replace("\"key\":", "\"keys\":"),
    ] {
        assert!(
            LiveChatSession::restore_text(config(), bad).is_none(),
            "accepted {bad}"
        );
    }
}

#[test]
fn the_reconnect_offset_is_the_one_of_the_last_response_that_carried_one() {
    let mut h = H::established(config(), false);
    // offset 1002 from the established helper; a 200 without offset and a 204 keep it.
    let r = h.req("/System/Messages");
    h.reply_json(
        &r,
        200,
        json!({"messages": [{"type": "AgentTyping"}], "sequence": 4}),
    );
    assert!(h.req("/System/Messages").url.ends_with("?ack=4"));
    h.answer("/System/Messages", 204, "");
    h.answer("/System/Messages", 503, "");
    assert!(h
        .req("/System/ReconnectSession")
        .url
        .ends_with("ReconnectSession.offset=1002"));
}

#[test]
fn reload_during_a_reconnect_still_checks_the_cut_off_message() {
    let mut h = H::established(config(), false);
    let id = h.s.send_text("hello?", h.now).unwrap();
    h.drain();
    h.req("/Chasitor/ChatMessage");
    h.answer("/System/Messages", 503, "");
    h.answer("/System/ReconnectSession", 200, &reconnect_answer("f6"));
    h.answer("/Chasitor/ChasitorResyncState", 200, "OK");
    let saved = serde_json::to_string(&h.s.persist().unwrap()).unwrap();
    let mut r = H::with(LiveChatSession::restore_text(config(), &saved).unwrap());
    r.start();
    assert!(
        !r.has("/Chasitor/ChatMessage"),
        "waits for ChasitorSessionData"
    );
    assert_eq!(
        header(&r.req("/System/Messages"), "X-LIVEAGENT-AFFINITY"),
        Some("f6")
    );
    r.poll_reply(
        5,
        json!([{"type": "ChasitorSessionData", "message": {"chatMessages": [
            {"type": "Chasitor", "name": "Ada", "content": "hello?"}]}}]),
    );
    assert_eq!(
        r.take_events_no_log()[0],
        LiveChatEvent::MessageSent { local_id: id }
    );
    assert!(!r.has("/Chasitor/ChatMessage"));
}
