//! Scripted scenarios (`docs/scenarios/*.json`): loading, the errors of bad files with their
//! positions, and the example files run against MIAW and Live Chat conversations driven through
//! the public APIs. Delays run 50× faster (`scenario_speed`); no timing assertions.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::{json, Value};
use sf_emulator::{EmulatorConfig, Scenario};

fn example(name: &str) -> Scenario {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/scenarios")
        .join(name);
    let sc = Scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
    sc.check_agents(&EmulatorConfig::default().agents)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    sc
}

async fn start_scenario(name: &str) -> Emu {
    start_with(EmulatorConfig {
        scenario: Some(example(name)),
        scenario_speed: 50.0,
        ..test_config()
    })
    .await
}

/// A MIAW visitor of `start_scenario(name)`: its token, its open event stream and its
/// conversation (the scenario starts with it).
async fn miaw_visitor(name: &str) -> (Emu, String, Sse, String) {
    let emu = start_scenario(name).await;
    let jwt = emu.jwt().await;
    let sse = emu.sse(&jwt, None).await;
    let conv = emu.create_conv(&jwt).await;
    (emu, jwt, sse, conv)
}

/// SSE events (name, sender display name, text or format) until the session-status event.
async fn miaw_until_ended(sse: &mut Sse, log: &mut Vec<(String, String, String)>) {
    loop {
        let f = sse.next_frame(std::time::Duration::from_secs(10)).await;
        let f = f.unwrap_or_else(|| panic!("stream ended or stalled; saw {log:?}"));
        let Some(ev) = f.event.clone().filter(|e| e != "ping") else {
            continue;
        };
        let done = ev == "CONVERSATION_SESSION_STATUS_CHANGED";
        log.push(describe(&ev, &f));
        if done {
            return;
        }
    }
}

fn describe(ev: &str, f: &Frame) -> (String, String, String) {
    let v = f.json();
    let who = v["conversationEntry"]["senderDisplayName"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let p = f.payload();
    let detail = match ev {
        "CONVERSATION_MESSAGE" => {
            let m = &p["abstractMessage"];
            match m["messageType"].as_str() {
                Some("ChoicesMessage") => format!(
                    "choices: {}",
                    m["choices"]["text"]
                        .as_str()
                        .or(m["choices"]["formatType"].as_str())
                        .unwrap_or("")
                ),
                _ => {
                    let sc = &m["staticContent"];
                    match sc["formatType"].as_str() {
                        Some("Attachments") => {
                            format!(
                                "file: {}",
                                sc["attachments"][0]["name"].as_str().unwrap_or("")
                            )
                        }
                        _ => sc["text"].as_str().unwrap_or("").to_string(),
                    }
                }
            }
        }
        "CONVERSATION_PARTICIPANT_CHANGED" => {
            let e = &p["entries"][0];
            format!(
                "{} {}",
                e["operation"].as_str().unwrap_or(""),
                e["displayName"].as_str().unwrap_or("")
            )
        }
        _ => String::new(),
    };
    (ev.to_string(), who, detail)
}

/// Waits (on the SSE stream) for an agent message containing `text`, logging every event.
async fn miaw_until_text(sse: &mut Sse, text: &str, log: &mut Vec<(String, String, String)>) {
    loop {
        let f = sse
            .next_event()
            .await
            .unwrap_or_else(|| panic!("no message with {text:?}; saw {log:?}"));
        let ev = f.event.clone().unwrap_or_default();
        let d = describe(&ev, &f);
        let hit = ev == "CONVERSATION_MESSAGE" && d.2.contains(text);
        log.push(d);
        if hit {
            return;
        }
    }
}

/// The names of the interesting events in order (acks and routing results dropped).
fn story(log: &[(String, String, String)]) -> Vec<String> {
    log.iter()
        .filter(|(e, _, _)| !e.contains("ACKNOWLEDGEMENT") && e != "CONVERSATION_ROUTING_RESULT")
        .map(|(e, who, d)| {
            let e = e.trim_start_matches("CONVERSATION_");
            if d.is_empty() {
                format!("{e} {who}")
            } else {
                format!("{e} {who}: {d}")
            }
        })
        .collect()
}

async fn agent_texts(emu: &Emu, conv: &str) -> Vec<String> {
    emu.transcript(conv)
        .await
        .iter()
        .filter(|t| t["kind"] != "event")
        .map(|t| {
            format!(
                "{}: {}",
                t["name"].as_str().unwrap(),
                t["text"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn every_example_scenario_loads() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/scenarios");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["agent-answers.json", "slow-queue.json", "transfer.json"]
    );
    for n in &names {
        let sc = example(n);
        assert!(sc.description.is_some(), "{n} has a description");
        assert!(sc.steps.len() >= 5, "{n}");
    }
}

#[tokio::test]
async fn agent_answers_miaw() {
    let (emu, jwt, mut sse, conv) = miaw_visitor("agent-answers.json").await;
    let mut log = Vec::new();
    miaw_until_text(&mut sse, "How can I help?", &mut log).await;
    let (st, _) = emu.send_text(&jwt, &conv, "Where is my ORDER 42?").await;
    assert_eq!(st, 202);
    miaw_until_ended(&mut sse, &mut log).await;
    assert_eq!(
        story(&log),
        [
            "PARTICIPANT_CHANGED Automated Process: add Jane",
            "TYPING_STARTED_INDICATOR Jane",
            "TYPING_STOPPED_INDICATOR Jane",
            "MESSAGE Jane: Hi, I'm Jane. How can I help?",
            "MESSAGE Guest: Where is my ORDER 42?",
            "TYPING_STARTED_INDICATOR Jane",
            "TYPING_STOPPED_INDICATOR Jane",
            "MESSAGE Jane: Your order shipped yesterday and arrives on Friday.",
            "MESSAGE Jane: Anything else? I'm closing this chat now, have a nice day!",
            "PARTICIPANT_CHANGED Automated Process: remove Jane",
            "SESSION_STATUS_CHANGED Automated Process",
        ]
    );
    assert_eq!(
        agent_texts(&emu, &conv).await,
        [
            "Jane: Hi, I'm Jane. How can I help?",
            "Ada: Where is my ORDER 42?",
            "Jane: Your order shipped yesterday and arrives on Friday.",
            "Jane: Anything else? I'm closing this chat now, have a nice day!",
        ]
    );
    let c = emu
        .control(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(c["status"], "ended");
    assert_eq!(c["endReason"], "agent");
}

#[tokio::test]
async fn waiting_for_the_visitor_ignores_other_messages() {
    let (emu, jwt, mut sse, conv) = miaw_visitor("agent-answers.json").await;
    let mut log = Vec::new();
    miaw_until_text(&mut sse, "How can I help?", &mut log).await;
    assert_eq!(emu.send_text(&jwt, &conv, "hello?").await.0, 202);
    assert_eq!(emu.send_text(&jwt, &conv, "about my order").await.0, 202);
    miaw_until_ended(&mut sse, &mut log).await;
    let texts = agent_texts(&emu, &conv).await;
    assert_eq!(texts[1], "Ada: hello?");
    assert_eq!(texts[2], "Ada: about my order");
    assert_eq!(
        texts[3],
        "Jane: Your order shipped yesterday and arrives on Friday."
    );
}

#[tokio::test]
async fn transfer_miaw() {
    let (emu, jwt, mut sse, conv) = miaw_visitor("transfer.json").await;
    let mut log = Vec::new();
    miaw_until_text(&mut sse, "What's the question?", &mut log).await;
    assert_eq!(emu.send_text(&jwt, &conv, "I want a refund").await.0, 202);
    miaw_until_ended(&mut sse, &mut log).await;
    assert_eq!(
        story(&log),
        [
            "PARTICIPANT_CHANGED Automated Process: add Jane",
            "MESSAGE Jane: Hi, I'm Jane. Let me get you a billing specialist.",
            "PARTICIPANT_CHANGED Automated Process: remove Jane",
            "PARTICIPANT_CHANGED Automated Process: add Mark",
            "MESSAGE Mark: Hello, Mark from billing here. What's the question?",
            "MESSAGE Guest: I want a refund",
            "TYPING_STARTED_INDICATOR Mark",
            "TYPING_STOPPED_INDICATOR Mark",
            "MESSAGE Mark: Done: the refund is on its way. Goodbye!",
            "PARTICIPANT_CHANGED Automated Process: remove Mark",
            "SESSION_STATUS_CHANGED Automated Process",
        ]
    );
    // The transfer is a real one (routing result `Transfer` between the two agents).
    assert!(log
        .iter()
        .any(|(e, _, _)| e == "CONVERSATION_ROUTING_RESULT"));
    let t = emu.transcript(&conv).await;
    assert!(t
        .iter()
        .any(|x| x["text"] == "Jane transferred the conversation to Mark"));
}

#[tokio::test]
async fn slow_queue_with_file_and_choices_miaw() {
    let (emu, jwt, mut sse, conv) = miaw_visitor("slow-queue.json").await;
    let mut log = Vec::new();
    miaw_until_text(&mut sse, "choices", &mut log).await;
    assert_eq!(emu.send_text(&jwt, &conv, "Yes").await.0, 202);
    miaw_until_ended(&mut sse, &mut log).await;
    assert_eq!(
        story(&log),
        [
            "PARTICIPANT_CHANGED Automated Process: add Mark",
            "MESSAGE Mark: Sorry for the wait! Here is your return label.",
            "MESSAGE Mark: file: label.pdf",
            "MESSAGE Mark: choices: Did that help?",
            "MESSAGE Guest: Yes",
            "MESSAGE Mark: Thanks, goodbye!",
            "PARTICIPANT_CHANGED Automated Process: remove Mark",
            "SESSION_STATUS_CHANGED Automated Process",
        ]
    );
    let q = emu.control("GET", "/control/queue", Value::Null).await;
    assert_eq!(q, json!({"position": 1, "estimatedWaitTime": 30}));
    // The file is served like one sent from the console.
    let t = emu.transcript(&conv).await;
    let file = t.iter().find(|x| x["kind"] == "file").unwrap();
    assert_eq!(file["text"], "Your label");
    let url = file["data"]["url"].as_str().unwrap();
    let body = emu
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"%PDF-1.4\n");
}

#[tokio::test]
async fn agent_answers_live_chat() {
    let emu = start_scenario("agent-answers.json").await;
    let mut s = emu.la_session().await;
    let body = init_body(&s);
    assert_eq!(emu.la_init(&mut s, body).await.status(), 200);
    let mut seen = Vec::new();
    while !seen.iter().any(|m: &Value| m["type"] == "ChatMessage") {
        seen.extend(emu.poll_until(&mut s, "ChatMessage", 20).await);
    }
    let r = emu
        .la_post(&mut s, "ChatMessage", json!({"text": "my order is late"}))
        .await;
    assert_eq!(r.status(), 200);
    seen.extend(emu.poll_until(&mut s, "ChatEnded", 20).await);
    let types: Vec<String> = seen
        .iter()
        .map(|m| {
            let t = m["type"].as_str().unwrap();
            match m["message"]["text"].as_str() {
                Some(x) => format!("{t}: {x}"),
                None => t.to_string(),
            }
        })
        .filter(|t| !t.starts_with("QueueUpdate"))
        .collect();
    assert_eq!(
        types,
        [
            "ChatRequestSuccess",
            "ChatEstablished",
            "AgentTyping",
            "AgentNotTyping",
            "ChatMessage: Hi, I'm Jane. How can I help?",
            "AgentTyping",
            "AgentNotTyping",
            "ChatMessage: Your order shipped yesterday and arrives on Friday.",
            "ChatMessage: Anything else? I'm closing this chat now, have a nice day!",
            "ChatEnded",
        ]
    );
    assert_eq!(seen.last().unwrap()["message"]["reason"], "agent");
}

#[tokio::test]
async fn miaw_only_steps_are_skipped_in_live_chat() {
    let emu = start_scenario("slow-queue.json").await;
    let mut s = emu.la_session().await;
    let body = init_body(&s);
    assert_eq!(emu.la_init(&mut s, body).await.status(), 200);
    let mut seen = emu.poll_until(&mut s, "ChatMessage", 20).await;
    let t = emu.transcript(&s.id).await;
    let skipped = |t: &[Value]| {
        t.iter()
            .filter(|x| {
                x["text"]
                    .as_str()
                    .is_some_and(|x| x.ends_with("skipped: MIAW only"))
            })
            .count()
    };
    // The file and the choices follow the first message at once (1 s / 50).
    let mut t = t;
    for _ in 0..100 {
        if skipped(&t) == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        t = emu.transcript(&s.id).await;
    }
    assert_eq!(skipped(&t), 2, "{t:?}");
    assert_eq!(
        emu.la_post(&mut s, "ChatMessage", json!({"text": "ok"}))
            .await
            .status(),
        200
    );
    seen.extend(emu.poll_until(&mut s, "ChatEnded", 20).await);
    let queue: Vec<i64> = seen
        .iter()
        .filter(|m| m["type"] == "QueueUpdate")
        .map(|m| m["message"]["position"].as_i64().unwrap())
        .collect();
    assert_eq!(
        queue,
        [5, 3, 1, 0],
        "queue updates as the queue moves, 0 when accepted"
    );
}

#[tokio::test]
async fn reset_during_a_scenario_is_harmless() {
    let emu = start_with(EmulatorConfig {
        scenario: Some(
            Scenario::from_json(
                r#"[{"after": 0.2, "do": "accept"}, {"after": 5, "do": "say", "text": "late"}]"#,
            )
            .unwrap(),
        ),
        ..test_config()
    })
    .await;
    let jwt = emu.jwt().await;
    let conv = emu.create_conv(&jwt).await;
    for _ in 0..100 {
        let c = emu
            .control(
                "GET",
                &format!("/control/conversations/{conv}"),
                Value::Null,
            )
            .await;
        if c["status"] == "active" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    emu.control("POST", "/control/reset", Value::Null).await;
    // The old run is gone with its conversation; a new conversation gets its own run.
    let jwt = emu.jwt().await;
    let conv2 = emu.create_conv(&jwt).await;
    assert_ne!(conv, conv2);
    let r = emu
        .control_raw(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[test]
fn bad_scenarios_are_reported_with_their_position() {
    // (file, line, column, step, message fragment)
    let cases: &[(&str, usize, usize, Option<usize>, &str)] = &[
        (r#"[{"do": "dance"}]"#, 1, 2, Some(1), "unknown step kind `dance`"),
        (
            "{\"steps\": [\n  {\"do\": \"accept\"},\n  {\"do\": \"say\"}\n]}",
            3,
            3,
            Some(2),
            "`say`: `text` is required",
        ),
        (
            "[\n {\"do\": \"accept\"},\n {\"do\": \"say\", \"text\": \"hi\", \"agnt\": \"Jane\"}\n]",
            3,
            2,
            Some(2),
            "unknown field `agnt`",
        ),
        (r#"[{"after": -1, "do": "end"}]"#, 1, 2, Some(1), "`after` must be a non-negative number"),
        (r#"[{"after": "2", "do": "end"}]"#, 1, 2, Some(1), "`after` must be"),
        (r#"[{"text": "hi"}]"#, 1, 2, Some(1), "`do` is required"),
        (r#"["accept"]"#, 1, 2, Some(1), "a step must be an object"),
        (
            r#"[{"do": "file", "name": "a.pdf", "contentBase64": "%%%"}]"#,
            1,
            2,
            Some(1),
            "not valid base64",
        ),
        (r#"[{"do": "file", "contentBase64": ""}]"#, 1, 2, Some(1), "`name` is required"),
        (r#"[{"do": "choices", "choices": []}]"#, 1, 2, Some(1), "non-empty array"),
        (
            r#"[{"do": "choices", "choices": ["A"], "formatType": "Dropdown"}]"#,
            1,
            2,
            Some(1),
            "formatType",
        ),
        (r#"[{"do": "transfer"}]"#, 1, 2, Some(1), "`to` is required"),
        (r#"[{"do": "end", "silent": "yes"}]"#, 1, 2, Some(1), "`silent` must be true or false"),
        (r#"[{"do": "waitForVisitor", "timeout": 0}]"#, 1, 2, Some(1), "positive number"),
        (r#"[{"do": "queue"}]"#, 1, 2, Some(1), "give `position`"),
        (r#"[{"do": "typing", "on": 1}]"#, 1, 2, Some(1), "`on` must be true or false"),
        (r#"[{"do": "accept",}]"#, 1, 18, None, "invalid JSON"),
        ("[\n  {\"do\": \"accept\"}\n  {\"do\": \"end\"}\n]", 3, 3, None, "invalid JSON"),
        (r#"{"step": []}"#, 1, 1, None, "unknown field `step`"),
        (r#"{"description": "x"}"#, 1, 1, None, "`steps`"),
        ("42", 1, 1, None, "array of steps"),
    ];
    for (src, line, column, step, msg) in cases {
        let e = Scenario::from_json(src).expect_err(src);
        assert_eq!(
            (e.line, e.column, e.step),
            (*line, *column, *step),
            "{src}: {e}"
        );
        assert!(e.message.contains(msg), "{src}: {e}");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("line {line}, column {column}: ")),
            "{shown}"
        );
    }
    // Agent names are checked against the configured agents.
    let sc = Scenario::from_json(
        "[\n {\"do\": \"accept\"},\n {\"do\": \"transfer\", \"to\": \"Bob\"}\n]",
    )
    .unwrap();
    let e = sc
        .check_agents(&EmulatorConfig::default().agents)
        .unwrap_err();
    assert_eq!((e.line, e.step), (3, Some(2)));
    assert!(e.message.contains("unknown agent `Bob`"), "{e}");
}

#[test]
fn binary_refuses_a_bad_scenario_with_its_position() {
    let dir = std::env::temp_dir().join(format!("sf-emu-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "[\n  {\"do\": \"accept\"},\n  {\"do\": \"shout\"}\n]").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .args(["--port", "0", "--scenario"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json: line 3, column 3: step 2: unknown step kind `shout`"),
        "{err}"
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .args(["--scenario", "/nonexistent/scenario.json"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
