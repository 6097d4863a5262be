//! What the spec marks unconfirmed, in every plausible shape: how the end of a session is
//! signalled (and in which order the signals come), silent streams, replay gaps, ids and
//! bodies in other formats, choices from a bot. Fake clock; no timing assertions.

#[path = "miaw_support.rs"]
mod support;

use chat_core::http::Method;
use chat_core::miaw::{Delivery, EndReason, MessageContent, MiawConfig, MiawEvent, Role};
use serde_json::{json, Value as J};
use support::*;

fn open(cfg: MiawConfig) -> H {
    let mut h = H::new(cfg);
    h.s.start(routing(), h.now);
    let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
    h.reply(&t, 200, json!({"accessToken":"tok1","context":{}}));
    let c = h.take(Method::Post, "/iamessage/api/v2/conversation");
    h.reply(&c, 201, J::Null);
    h.connect();
    h.no_gap(); // connected after the creation: the history catches up
    let j = participant(&mut h, "add", "Jane");
    h.push(j.as_bytes());
    h.events();
    h
}

fn text(h: &mut H, id: &str, body: &str, role: &str) -> String {
    h.frame(
        "CONVERSATION_MESSAGE",
        "Message",
        json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"staticContent":{"formatType":"Text","text":body}}}),
        role,
        "Jane",
        json!([]),
    )
}

fn participant(h: &mut H, op: &str, name: &str) -> String {
    let id = format!("p-{op}-{name}-{}", h.seq);
    h.frame(
        "CONVERSATION_PARTICIPANT_CHANGED",
        "ParticipantChanged",
        json!({"entryType":"ParticipantChanged","id":id,"entries":[{"operation":op,"displayName":name,"participant":{"role":"Agent"}}]}),
        "System",
        "Automated Process",
        json!([]),
    )
}

/// The session-status signal in each plausible shape (`shape`), with `value`.
fn status(h: &mut H, shape: &str, value: &str) -> String {
    let id = format!("st-{}", h.seq);
    match shape {
        // Under the entry payload (the emulator's default guess).
        "entry" => h.frame(
            "CONVERSATION_SESSION_STATUS_CHANGED",
            "SessionStatusChanged",
            json!({"entryType":"SessionStatusChanged","id":id,"changedStatus":value,"sessionStatus":value}),
            "System",
            "",
            json!([]),
        ),
        // At the top level of the event, beside the entry.
        "top" => {
            let f = h.frame(
                "CONVERSATION_SESSION_STATUS_CHANGED",
                "SessionStatusChanged",
                json!({"entryType":"SessionStatusChanged","id":id}),
                "System",
                "",
                json!([]),
            );
            f.replacen(
                "\"channelPlatformKey\"",
                &format!("\"sessionStatus\":\"{value}\",\"channelPlatformKey\""),
                1,
            )
        }
        // An entry of type SessionStatusChanged under an event name we do not know.
        "entry-type" => h.frame(
            "CONVERSATION_ENTRY",
            "SessionStatusChanged",
            json!({"entryType":"SessionStatusChanged","id":id,"status":value}),
            "System",
            "",
            json!([]),
        ),
        other => panic!("shape {other}"),
    }
}

fn ends(ev: &[MiawEvent]) -> Vec<&MiawEvent> {
    ev.iter()
        .filter(|e| matches!(e, MiawEvent::Ended { .. } | MiawEvent::SessionEnded))
        .collect()
}

#[test]
fn the_end_is_read_from_every_shape_and_case_of_the_status() {
    for shape in ["entry", "top", "entry-type"] {
        for value in ["Ended", "CLOSED", "inactive"] {
            let mut h = open(config());
            let st = status(&mut h, shape, value);
            h.push(st.as_bytes());
            let ev = h.events();
            assert_eq!(
                ends(&ev),
                vec![&MiawEvent::Ended {
                    reason: EndReason::Agent
                }],
                "{shape} {value}: {ev:?}"
            );
        }
    }
    // A status that is no end (a new session began) ends nothing.
    let mut h = open(config());
    let st = status(&mut h, "top", "Active");
    h.push(st.as_bytes());
    assert!(ends(&h.events()).is_empty());
}

/// Every end signal, alone and in every order of pairs and triples: the end is shown exactly
/// once, and nothing the visitor writes afterwards is re-queued.
#[test]
fn every_end_signal_in_every_order_ends_once_and_requeues_nothing() {
    #[derive(Clone, Copy, Debug)]
    enum Signal {
        Status,
        LastAgentLeft,
        Rejected417,
        Closed,
    }
    use Signal::*;
    let all = [Status, LastAgentLeft, Rejected417, Closed];
    let mut orders: Vec<Vec<Signal>> = all.iter().map(|s| vec![*s]).collect();
    for a in all {
        for b in all {
            if a as u8 != b as u8 {
                orders.push(vec![a, b]);
                for c in all {
                    if c as u8 != a as u8 && c as u8 != b as u8 {
                        orders.push(vec![a, b, c]);
                    }
                }
            }
        }
    }
    for continue_after_end in [false, true] {
        for order in &orders {
            let mut cfg = config();
            cfg.continue_after_end = continue_after_end;
            let mut h = open(cfg);
            let mut sent = Vec::new();
            for signal in order {
                match signal {
                    Status => {
                        let f = status(&mut h, "entry", "Ended");
                        h.push(f.as_bytes());
                    }
                    LastAgentLeft => {
                        let f = participant(&mut h, "remove", "Jane");
                        h.push(f.as_bytes());
                        // Nothing follows within the grace period.
                        if h.s.next_deadline().is_some() {
                            h.advance_to_deadline();
                        }
                    }
                    Rejected417 => {
                        if let Some(id) = h.s.send_text("still there?", h.now) {
                            sent.push(id);
                            h.pump();
                            if let Some(r) = h.requests.iter().find(|r| r.url.ends_with("/message"))
                            {
                                let r = r.clone();
                                h.reply(&r, 417, json!({"message":"no messaging session"}));
                            }
                        }
                    }
                    Closed => {
                        let f = h.frame(
                            "CONVERSATION_CLOSE_CONVERSATION",
                            "CloseConversation",
                            json!({"entryType":"CloseConversation","id":format!("c-{}", h.seq)}),
                            "System",
                            "",
                            json!([]),
                        );
                        h.push(f.as_bytes());
                    }
                }
            }
            let ev = h.events();
            let shown: Vec<_> = ev
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        MiawEvent::SessionEnded
                            | MiawEvent::Ended {
                                reason: EndReason::Agent
                            }
                    )
                })
                .collect();
            assert_eq!(
                shown.len(),
                1,
                "continue={continue_after_end} {order:?}: the end shown once: {ev:?}"
            );
            // Nothing was resent as a new session, except with continue_after_end.
            let requeued = h
                .requests
                .iter()
                .filter(|r| r.url.ends_with("/message"))
                .filter(|r| body(r)["isNewMessagingSession"] == json!(true))
                .count();
            if !continue_after_end {
                assert_eq!(requeued, 0, "{order:?}: re-queued silently");
                for id in &sent {
                    assert!(
                        ev.contains(&MiawEvent::DeliveryChanged {
                            id: id.clone(),
                            delivery: Delivery::Failed
                        }) || !h.s.is_ended(),
                        "{order:?}: the message is shown as not sent"
                    );
                }
            }
        }
    }
}

#[test]
fn a_leave_followed_by_routing_or_an_agent_is_no_end() {
    // A transfer: the agent leaves, routing follows.
    let mut h = open(config());
    let l = participant(&mut h, "remove", "Jane");
    let r = h.frame(
        "CONVERSATION_ROUTING_RESULT",
        "RoutingResult",
        json!({"entryType":"RoutingResult","id":"rr","routingType":"Transfer","failureType":"None"}),
        "Router",
        "",
        json!([]),
    );
    h.push(format!("{l}{r}").as_bytes());
    assert_eq!(h.s.next_deadline(), None, "no end pending");
    // Another agent joins after a leave (a conference handing over).
    let mut h = open(config());
    let l = participant(&mut h, "remove", "Jane");
    h.push(l.as_bytes());
    assert!(h.s.next_deadline().is_some(), "the grace period runs");
    let j = participant(&mut h, "add", "Mark");
    h.push(j.as_bytes());
    assert_eq!(h.s.next_deadline(), None);
    assert!(ends(&h.events()).is_empty());
    assert!(h.s.is_open());
}

#[test]
fn continue_after_end_starts_a_new_session_with_the_next_message() {
    let mut cfg = config();
    cfg.continue_after_end = true;
    let mut h = open(cfg);
    let st = status(&mut h, "entry", "Ended");
    h.push(st.as_bytes());
    assert_eq!(ends(&h.events()), vec![&MiawEvent::SessionEnded]);
    assert!(!h.s.is_ended(), "the conversation goes on");
    let id = h.s.send_text("one more question", h.now).unwrap();
    let r = h.take(Method::Post, "/message");
    h.reply(&r, 417, J::Null);
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], id.as_str());
    assert_eq!(body(&r)["isNewMessagingSession"], true);
    h.reply(&r, 202, J::Null);
    assert!(ends(&h.events()).is_empty(), "the end is not shown twice");
    // Routed again, an agent joins: a later end is shown again.
    let j = participant(&mut h, "add", "Mark");
    h.push(j.as_bytes());
    let st = status(&mut h, "top", "Ended");
    h.push(st.as_bytes());
    assert_eq!(ends(&h.events()), vec![&MiawEvent::SessionEnded]);
}

#[test]
fn a_silent_stream_is_reopened_from_the_last_event_and_nothing_is_lost() {
    let mut cfg = config();
    cfg.stream_idle_ms = Some(45_000);
    let mut h = open(cfg);
    let m = text(&mut h, "a1", "one", "Agent");
    h.push(m.as_bytes());
    let last = format!("1732262405000:{}", h.seq);
    let first = h.stream().id;
    // Nothing at all (no event, no ping) for 45 s: the watchdog fires.
    let id = h.s.send_text("typed during the stall", h.now).unwrap();
    let r = h.take(Method::Post, "/message");
    h.reply(&r, 202, J::Null);
    h.events();
    h.advance_to_deadline();
    assert!(h.closed_streams.contains(&first));
    let st = h.stream();
    assert_ne!(st.id, first);
    assert_eq!(header(&st, "Last-Event-Id"), Some(last.as_str()));
    h.connect();
    // The gap check finds what the stall hid; the replay repeats it too: shown once.
    let a2 = text(&mut h, "a2", "two", "Agent");
    let entries = json!({"conversationEntries": [
        history_message("a2", "two", "Agent", "Jane", 3),
        history_message(&id, "typed during the stall", "EndUser", "Guest", 2),
    ]});
    h.push(a2.as_bytes()); // held while the history is asked
    let l = h.take(Method::Get, "/entries?");
    h.reply(&l, 200, entries);
    let shown: Vec<String> = h
        .events()
        .into_iter()
        .filter_map(|e| match e {
            MiawEvent::Message { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(shown, vec!["a2".to_string()], "once, in order");
}

#[test]
fn a_replay_gap_is_filled_from_the_history_in_order() {
    let mut h = open(config());
    let a1 = text(&mut h, "a1", "one", "Agent");
    h.push(a1.as_bytes());
    h.drop_stream();
    h.advance_to_deadline();
    h.connect();
    h.events();
    // Salesforce replays only a4 (a2 and a3 fell out of its retention); live a5 follows.
    h.seq += 2;
    let a4 = text(&mut h, "a4", "four", "Agent");
    let a5 = text(&mut h, "a5", "five", "Agent");
    h.push(format!("{a4}{a5}").as_bytes());
    assert!(
        !h.events()
            .iter()
            .any(|e| matches!(e, MiawEvent::Message { .. })),
        "held until the history answers"
    );
    let entry = |id: &str, t: u64| history_message(id, id, "Agent", "Jane", t);
    // Newest first, as list-entries answers with direction=FromEnd.
    let l = h.take(Method::Get, "/entries?");
    h.reply(
        &l,
        200,
        json!({"conversationEntries":[entry("a4",4), entry("a3",3), entry("a2",2), entry("a1",1)]}),
    );
    assert_eq!(shown_live(h.events()), ["a2", "a3", "a4", "a5"]);
}

/// The stream and the conversation's creation race. Whatever the server emitted before the
/// stream subscribed (a bot's greeting, an agent who accepts at once) is not in a stream opened
/// without a `Last-Event-Id` when there is no replay (unconfirmed): the history catches it up,
/// whichever of the two came first, and a replay of it is not shown twice.
#[test]
fn what_came_before_the_stream_subscribed_is_caught_up_from_the_history() {
    let joined_entry = json!({"identifier":"p-early","entryType":"ParticipantChanged","entryPayload":{"entryType":"ParticipantChanged","id":"p-early","entries":[{"operation":"add","displayName":"Jane","participant":{"role":"Agent"}}]},"sender":{"role":"System"},"senderDisplayName":"","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    let greeting = history_message("g1", "Hi, I am Jane", "Agent", "Jane", 2);
    for stream_first in [false, true] {
        let mut h = H::new(config());
        h.s.start(routing(), h.now);
        let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
        h.reply(&t, 200, json!({"accessToken":"tok1","context":{}}));
        let c = h.take(Method::Post, "/iamessage/api/v2/conversation");
        if stream_first {
            h.connect();
            h.none_pending("/entries?"); // nothing to catch up before the conversation exists
        }
        h.reply(&c, 201, J::Null);
        if !stream_first {
            h.none_pending("/entries?"); // caught up once the stream is there
            h.connect();
        }
        // A live message while the history is on its way is shown after what it brings.
        let live = text(&mut h, "a2", "live", "Agent");
        h.push(live.as_bytes());
        let l = h.take(Method::Get, "/entries?");
        h.reply(
            &l,
            200,
            json!({"conversationEntries":[greeting.clone(), joined_entry.clone()]}),
        );
        let ev = h.events();
        let joined = ev
            .iter()
            .filter(|e| matches!(e, MiawEvent::AgentJoined { name, .. } if name == "Jane"))
            .count();
        assert_eq!(joined, 1, "stream first {stream_first}: {ev:?}");
        assert_eq!(shown_live(ev), ["g1", "a2"], "stream first {stream_first}");
        // A late replay of the greeting is not shown again; nothing else is asked.
        let again = text(&mut h, "g1", "Hi, I am Jane", "Agent");
        h.push(again.as_bytes());
        assert!(
            !h.events()
                .iter()
                .any(|e| matches!(e, MiawEvent::Message { .. })),
            "stream first {stream_first}"
        );
        h.none_pending("/entries?");
    }
}

/// A stream whose response never shows (a browser that resolves a streaming fetch only with
/// its first byte, Firefox among them, and a server with nothing to replay and no ping yet)
/// is taken as up after `stream_assume_up_ms`: after a drop, the history fills the gap and
/// what the visitor typed goes out, without waiting for the first ping.
#[test]
fn a_stream_that_sends_nothing_is_taken_as_up_after_a_while() {
    let mut cfg = config();
    cfg.stream_assume_up_ms = Some(2_000);
    let mut h = open(cfg);
    let a1 = text(&mut h, "a1", "one", "Agent");
    h.push(a1.as_bytes());
    h.drop_stream();
    h.advance_to_deadline(); // the reconnect
    let st = h.stream();
    let typed = h.s.send_text("typed while reconnecting", h.now).unwrap();
    h.none_pending("/message");
    h.none_pending("/entries?");
    // Nothing from the new stream: neither its response nor a byte.
    h.advance_to_deadline();
    assert_eq!(h.stream().id, st.id, "the same stream, not reopened");
    let l = h.take(Method::Get, "/entries?");
    let entry = history_message("a2", "two", "Agent", "Jane", 2);
    h.reply(&l, 200, json!({"conversationEntries":[entry]}));
    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], typed.as_str());
    let ev = h.events();
    assert!(ev.contains(&MiawEvent::ConnectionRestored), "{ev:?}");
    assert!(
        ev.iter()
            .any(|e| matches!(e, MiawEvent::Message { id, .. } if id == "a2")),
        "the gap filled: {ev:?}"
    );
    // Its first byte later changes nothing: no second history, nothing sent twice.
    h.connect();
    h.none_pending("/entries?");
    h.none_pending("/message");
}

#[test]
fn other_formats_are_read_or_skipped_never_fatal() {
    let mut h = open(config());
    // Unknown event and entry types, a malformed payload, odd sender app types: skipped or read.
    let unknown = "id: 1699999999999:42\nevent: CONVERSATION_SOMETHING_NEW\ndata: {\"x\":1}\n\n";
    let odd_entry = h.frame(
        "CONVERSATION_ENTRY",
        "SomethingNew",
        json!({"entryType":"SomethingNew","id":"n1"}),
        "System",
        "",
        json!([]),
    );
    let bad = "id: 1699999999999:43\nevent: CONVERSATION_MESSAGE\ndata: {not json\n\n";
    let routing_without_wait = h.frame(
        "CONVERSATION_ROUTING_RESULT",
        "RoutingResult",
        json!({"entryType":"RoutingResult","id":"r2","routingType":"Initial"}),
        "Router",
        "",
        json!([]),
    );
    let by_bot = text(&mut h, "b1", "hello from the bot", "Chatbot");
    h.push(format!("{unknown}{odd_entry}{bad}{routing_without_wait}{by_bot}").as_bytes());
    let ev = h.events();
    assert!(
        ev.iter()
            .filter(|e| matches!(e, MiawEvent::Skipped { .. }))
            .count()
            >= 3,
        "{ev:?}"
    );
    assert!(ev.iter().any(|e| matches!(e,
        MiawEvent::Message { role: Role::Chatbot, content: MessageContent::Text(t), .. } if t == "hello from the bot")));
    assert!(h.s.is_open());
    // The opaque SSE id is what the next reconnect sends back.
    h.drop_stream();
    h.advance_to_deadline();
    let st = h.stream();
    assert_eq!(header(&st, "Last-Event-Id"), Some(h_last(&h).as_str()));
    // An error body with neither status nor message (or none at all) is still an error.
    h.connect();
    h.no_gap();
    let id = h.s.send_text("hi", h.now).unwrap();
    let r = h.take(Method::Post, "/message");
    h.s.handle_http(
        r.id,
        Ok(chat_core::HttpResponse {
            status: 400,
            body: Vec::new(),
        }),
        h.now,
    );
    h.pump();
    assert!(h.events().contains(&MiawEvent::DeliveryChanged {
        id,
        delivery: Delivery::Failed
    }));
}

/// The id of the last frame built (frames use opaque `"<ms>:<n>"` ids).
fn h_last(h: &H) -> String {
    format!("1732262405000:{}", h.seq)
}

#[test]
fn choices_from_a_bot_are_buttons_too() {
    let mut h = open(config());
    let f = h.frame(
        "CONVERSATION_MESSAGE",
        "Message",
        json!({"entryType":"Message","id":"c1","abstractMessage":{"messageType":"ChoicesMessage","id":"c1","choices":{"formatType":"Buttons","text":"Pick one","optionItems":[{"optionIdentifier":"o1","titleItem":{"title":"Orders"}},{"optionIdentifier":"o2","titleItem":{"title":"Returns"}}]}}}),
        "Chatbot",
        "Einstein",
        json!([]),
    );
    h.push(f.as_bytes());
    let ev = h.events();
    assert!(
        ev.iter().any(|e| matches!(e,
            MiawEvent::Message { role: Role::Chatbot, content: MessageContent::Choices { options, .. }, .. }
                if options.len() == 2)),
        "{ev:?}"
    );
}

#[test]
fn a_token_without_last_event_id_and_a_numeric_one_are_both_fine() {
    for last in [J::Null, json!(42), json!("1699999999999:42")] {
        let mut h = H::new(config());
        h.s.start(routing(), h.now);
        let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
        let mut body = json!({"accessToken":"tok1"});
        if !last.is_null() {
            body["lastEventId"] = last.clone();
        }
        h.reply(&t, 200, body);
        let st = h.stream();
        let want = match &last {
            J::Null => None,
            J::Number(n) => Some(n.to_string()),
            J::String(s) => Some(s.clone()),
            _ => unreachable!(),
        };
        assert_eq!(
            header(&st, "Last-Event-Id").map(str::to_string),
            want,
            "{last}"
        );
    }
}
