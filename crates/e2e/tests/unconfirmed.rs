//! The MIAW hand-off against every variant the emulator can speak where the spec says
//! "unconfirmed" (`sf_emulator::Variants`), and against a stream that goes silent: the visitor
//! sees the same conversation in each — the agent joined, every agent message once and in
//! order, the end shown once, nothing re-queued. Each scenario prints an `unconfirmed:` line
//! (the matrix in the README).

use std::time::Duration;

use e2e::{chatting_with_jane_on, Chatting};
use serde_json::json;
use sf_emulator::{
    EmulatorConfig, EndMode, ErrorBody, EventIdFormat, ReplayMode, SessionStatusSignal, Variants,
};

/// One hand-off against `variants`: five agent messages across a stream drop, two visitor
/// messages, then the agent ends the chat (`silent`: without a session-status event).
async fn scenario(name: &str, variants: Variants, silent: bool) {
    let emu = EmulatorConfig {
        variants,
        ..Default::default()
    };
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane_on(emu, |c| {
        c["handoff"]["miaw"]["endGraceSeconds"] = json!(2);
    })
    .await;
    let joined = b.bubbles("system").await;
    assert!(joined.iter().any(|t| t == "Jane has joined."), "{name}");
    let expected: Vec<String> = (0..5).map(|i| format!("variant agent {i}")).collect();
    // The stream is cut after two events: the rest comes back through the replay (as the
    // variant gives it) and the history.
    control
        .post("/faults/sse-drop", json!({"afterEvents": 2}))
        .await;
    for t in &expected {
        control.say(&id, t).await;
    }
    b.wait_bubble("agent", expected.last().unwrap()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = b.agent_texts("variant agent").await;
    for v in ["variant visitor 0", "variant visitor 1"] {
        b.type_and_send(v).await;
    }
    control
        .wait_transcript(&id, "the visitor's messages", |t| {
            t.iter()
                .filter(|e| {
                    e["text"]
                        .as_str()
                        .is_some_and(|x| x.starts_with("variant visitor"))
                })
                .count()
                >= 2
        })
        .await;
    control
        .post(
            &format!("/conversations/{id}/end"),
            json!({ "silent": silent }),
        )
        .await;
    b.wait_bubble("system", "has ended the chat").await;
    tokio::time::sleep(Duration::from_millis(2500)).await; // any late signal, the grace period
    let ends = b
        .bubbles("system")
        .await
        .iter()
        .filter(|t| t.contains("ended the chat"))
        .count();
    let visitor = control.texts(&id, "variant visitor").await;
    let conv = control.get(&format!("/conversations/{id}")).await;
    let requeued = conv["status"] == json!("waiting")
        || control
            .get("/conversations")
            .await
            .as_array()
            .unwrap()
            .len()
            != 1;
    let lost = expected.iter().filter(|e| !got.contains(e)).count();
    let dup = got.len() - (expected.len() - lost);
    let in_order = got == expected;
    println!(
        "unconfirmed: {name}: joined yes, agent messages lost {lost} duplicated {dup} in order {in_order}, visitor messages {}/2, end shown {ends}, re-queued {requeued}",
        visitor.len()
    );
    assert_eq!(got, expected, "{name}: every agent message once, in order");
    assert_eq!(
        visitor,
        ["variant visitor 0", "variant visitor 1"],
        "{name}"
    );
    assert_eq!(ends, 1, "{name}: the end shown once");
    assert!(!requeued, "{name}: nothing re-queued: {conv:#}");
    assert!(
        b.widget(".cw-ended").await.is_displayed().await.unwrap(),
        "{name}: start a new chat offered"
    );
    b.close().await;
}

#[tokio::test]
async fn the_same_conversation_in_every_variant() {
    let v = Variants::default;
    let matrix: Vec<(&str, Variants, bool)> = vec![
        ("defaults", v(), false),
        (
            "session-status=top",
            Variants {
                session_status: SessionStatusSignal::Top,
                ..v()
            },
            false,
        ),
        (
            "session-status=entry-type",
            Variants {
                session_status: SessionStatusSignal::EntryType,
                ..v()
            },
            false,
        ),
        (
            "session-status=absent",
            Variants {
                session_status: SessionStatusSignal::Absent,
                ..v()
            },
            false,
        ),
        ("silent end (fault)", v(), true),
        (
            "event-id=ts, replay=last:1",
            Variants {
                event_id: EventIdFormat::Ts,
                replay: ReplayMode::Last(1),
                ..v()
            },
            false,
        ),
        (
            "replay=none",
            Variants {
                replay: ReplayMode::None,
                ..v()
            },
            false,
        ),
        (
            "error-body=empty",
            Variants {
                error_body: ErrorBody::Empty,
                ..v()
            },
            false,
        ),
        (
            "error-body=message-only",
            Variants {
                error_body: ErrorBody::MessageOnly,
                ..v()
            },
            false,
        ),
        (
            "end-mode=conversation, session-status=absent",
            Variants {
                end_mode: EndMode::Conversation,
                session_status: SessionStatusSignal::Absent,
                ..v()
            },
            false,
        ),
    ];
    for (name, variants, silent) in matrix {
        scenario(name, variants, silent).await;
    }
}

/// Salesforce's own behaviour (`sessionEnd: "continue"`, conversation outliving its session):
/// the end is shown once, the composer stays, the next message starts a new session in the same
/// conversation, which an agent takes again.
#[tokio::test]
async fn with_session_end_continue_the_next_message_starts_a_new_session() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane_on(EmulatorConfig::default(), |c| {
        c["handoff"]["miaw"]["sessionEnd"] = json!("continue");
    })
    .await;
    control
        .post(&format!("/conversations/{id}/end"), json!({}))
        .await;
    b.wait_bubble("system", "has ended the chat").await;
    b.type_and_send("one more question").await;
    control
        .wait_transcript(&id, "the message in a new session", |t| {
            t.iter().any(|e| e["text"] == json!("one more question"))
        })
        .await;
    for _ in 0..100 {
        if control.get(&format!("/conversations/{id}")).await["status"] == json!("waiting") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    control.accept(&id, "Mark").await;
    control.say(&id, "Mark here").await;
    b.wait_bubble("agent", "Mark here").await;
    let ends = b
        .bubbles("system")
        .await
        .iter()
        .filter(|t| t.contains("ended the chat"))
        .count();
    assert_eq!(ends, 1);
    assert_eq!(
        control
            .get("/conversations")
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "the same conversation"
    );
    println!("unconfirmed: sessionEnd continue: end shown 1, new session in the same conversation, agent joined again");
    b.close().await;
}

/// The stream stays open and sends nothing, not even a ping: after `streamIdleSeconds` the
/// widget reopens it from the last event; what the agent wrote meanwhile shows once, what the
/// visitor wrote arrives once.
#[tokio::test]
async fn a_silent_stall_of_the_stream_heals_by_itself() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane_on(EmulatorConfig::default(), |c| {
        c["handoff"]["miaw"]["streamIdleSeconds"] = json!(20);
    })
    .await;
    control.say(&id, "stall agent 0").await;
    b.wait_bubble("agent", "stall agent 0").await;
    let stalled = control.post("/faults/sse-stall", json!({})).await;
    assert_eq!(stalled["stalledStreams"], json!(1), "{stalled}");
    for i in 1..3 {
        control.say(&id, &format!("stall agent {i}")).await;
        b.type_and_send(&format!("stall visitor {i}")).await;
    }
    // Up to the watchdog (20 s) and the reconnect.
    for _ in 0..300 {
        if b.agent_texts("stall agent").await.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = b.agent_texts("stall agent").await;
    assert_eq!(got, ["stall agent 0", "stall agent 1", "stall agent 2"]);
    let visitor = control.texts(&id, "stall visitor").await;
    assert_eq!(visitor, ["stall visitor 1", "stall visitor 2"]);
    println!(
        "unconfirmed: silent stall: agent messages lost 0 duplicated 0, visitor messages 2/2 once"
    );
    b.close().await;
}
