//! Random and damaged JSON fed to every decoder a visitor's conversation depends on never
//! panics: configuration, saved state (from this version and the previous one), tab
//! messages, language files, the bot server's answers, and whatever a MIAW or Live Chat
//! server answers, request after request, stream chunk after stream chunk.

#[path = "common/bot.rs"]
mod bot;
#[path = "common/fuzz.rs"]
mod fuzz;
#[path = "common/handoff.rs"]
mod handoff;

use chat_core::codec::SerdeJson;
use chat_core::tabs::TabMessage;
use chat_core::{Environment, HttpAction, HttpResponse, LanguageData, WidgetConfig};
use fuzz::{keys_of, Gen};
use serde_json::{json, Value};

type Chat = chat_core::Chat<SerdeJson>;

const ROUNDS: u64 = 300;

fn miaw_config() -> Value {
    bot::with_bot(&handoff::miaw(json!({})))
}

/// With the availability check, to read its answers too.
fn livechat_config() -> Value {
    let mut c = bot::with_bot(&handoff::live_chat(json!({})));
    c["handoff"]["liveChat"]["checkAvailability"] = json!(true);
    c
}

fn rasa_config() -> Value {
    json!({"persist": true, "bot": {"type": "rasa", "url": "https://bot.example.com/webhook"}})
}

fn chat(config: &Value, persisted: Option<String>, seed: u64) -> Chat {
    Chat::new(
        WidgetConfig::from_json::<SerdeJson>(&config.to_string()),
        Environment {
            session_id: "s-1".into(),
            persisted,
            seed,
            ..Default::default()
        },
    )
}

/// Answers every request with a random (or damaged) body and a random status, feeds random
/// stream chunks, and lets time run, for a few rounds.
fn drive(c: &mut Chat, g: &mut Gen, keys: &[&str]) {
    let mut now = 1_000;
    c.handle_start(now);
    c.handle_send("I want to talk to a human", now);
    for _ in 0..12 {
        while c.poll_event().is_some() {}
        let _ = c.poll_persist();
        let mut actions = Vec::new();
        while let Some(a) = c.poll_http() {
            actions.push(a);
        }
        for a in actions {
            let doc = g.value(keys, 5).to_string();
            let body = match g.below(4) {
                0 => g.damage(&doc),
                1 => g.deep().into_bytes(),
                _ => doc.into_bytes(),
            };
            let status = *g.pick(&[200u16, 200, 201, 204, 400, 401, 404, 500, 503]);
            match a {
                HttpAction::Start(r) => c.handle_http(r.id, Ok(HttpResponse { status, body }), now),
                HttpAction::Upload(r) => {
                    c.handle_http(r.id, Ok(HttpResponse { status, body }), now)
                }
                HttpAction::Stream(r) => {
                    c.handle_stream_chunk(r.id, b"", now);
                    let event = *g.pick(&[
                        "CONVERSATION_MESSAGE",
                        "CONVERSATION_PARTICIPANT_CHANGED",
                        "CONVERSATION_ROUTING_RESULT",
                        "CONVERSATION_CLOSE_CONVERSATION",
                        "CONVERSATION_TYPING_STARTED_INDICATOR",
                        "CONVERSATION_READ_ACKNOWLEDGEMENT",
                        "SOMETHING_NEW",
                    ]);
                    let data = String::from_utf8_lossy(&body).replace('\n', " ");
                    let chunk = format!("id: {}\nevent: {event}\ndata: {data}\n\n", g.next());
                    c.handle_stream_chunk(r.id, chunk.as_bytes(), now);
                    c.handle_stream_chunk(r.id, &body, now);
                }
                HttpAction::Abort(_) => {}
            }
        }
        c.handle_prechat_submit(
            [("description", "help"), ("topic", "Orders")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            now,
        );
        now += 1 + g.below(40_000) as u64;
        c.handle_timeout(now);
    }
}

/// The names MIAW and Live Chat payloads use (aims the random documents at real fields).
const WIRE_KEYS: &[&str] = &[
    "accessToken",
    "lastEventId",
    "context",
    "configuration",
    "embeddedServiceConfig",
    "conversationId",
    "conversationEntry",
    "entryType",
    "entryPayload",
    "identifier",
    "id",
    "sender",
    "role",
    "appType",
    "subject",
    "senderDisplayName",
    "transcriptedTimestamp",
    "clientTimestamp",
    "abstractMessage",
    "messageType",
    "staticContent",
    "formatType",
    "text",
    "choices",
    "optionItems",
    "titleItem",
    "title",
    "optionIdentifier",
    "attachments",
    "url",
    "name",
    "mimeType",
    "contentLength",
    "entries",
    "conversationEntries",
    "participants",
    "operation",
    "displayName",
    "routingType",
    "failureType",
    "estimatedWaitTime",
    "status",
    "conversationStatus",
    "messages",
    "type",
    "message",
    "key",
    "affinityToken",
    "clientPollTimeout",
    "sequence",
    "offset",
    "results",
    "isAvailable",
    "agent",
    "userId",
    "position",
    "estimatedWaitTime",
    "reason",
    "chasitorIdleTimeout",
    "isEnabled",
    "sneakPeekEnabled",
    "visitorId",
    "forms",
    "formFields",
    "order",
    "isHidden",
    "labels",
    "choiceListConfig",
    "choiceList",
    "choiceListValues",
    "label",
    "value",
    "isDefaultValue",
    "recipient_id",
    "buttons",
    "payload",
    "image",
    "custom",
    "handoff",
];

#[test]
fn random_configuration_never_panics() {
    let mut g = Gen::new(1);
    let base = miaw_config();
    let owned = keys_of(&base);
    let mut keys: Vec<&str> = owned.iter().map(String::as_str).collect();
    keys.extend([
        "title", "theme", "language", "messages", "brand", "tabs", "position",
    ]);
    for _ in 0..ROUNDS {
        let doc = g.mutate(&base, &keys);
        let _ = WidgetConfig::from_json::<SerdeJson>(&doc.to_string());
        let _ = WidgetConfig::from_json::<SerdeJson>(&g.value(&keys, 6).to_string());
        let damaged = g.damage(&doc.to_string());
        let _ = WidgetConfig::from_json::<SerdeJson>(&String::from_utf8_lossy(&damaged));
    }
    let _ = WidgetConfig::from_json::<SerdeJson>(&g.deep());
}

#[test]
fn random_tab_messages_and_language_files_never_panic() {
    let mut g = Gen::new(2);
    let tab = json!({"type": "intent", "id": "i-1", "intent": {"kind": "send", "text": "hi",
        "messageId": "m1", "index": 0, "values": {"a": "b"}, "size": 3, "name": "f.png"}});
    let lang: Value =
        serde_json::from_str(&LanguageData::shipped("fr").unwrap().to_json::<SerdeJson>()).unwrap();
    for (doc, keys) in [(tab, keys_of(&tab_keys())), (lang.clone(), keys_of(&lang))] {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        for _ in 0..ROUNDS {
            for text in [
                g.mutate(&doc, &keys).to_string(),
                g.value(&keys, 5).to_string(),
                String::from_utf8_lossy(&g.damage(&doc.to_string())).into_owned(),
            ] {
                let _ = TabMessage::from_json::<SerdeJson>(&text);
                let _ = LanguageData::from_json::<SerdeJson>(&text);
            }
        }
    }
}

fn tab_keys() -> Value {
    json!({"type": 0, "id": 0, "intent": {"kind": 0, "text": 0, "messageId": 0, "index": 0,
        "sessionId": 0, "values": 0, "name": 0, "size": 0, "mimeType": 0, "vars": 0,
        "fields": 0, "jwt": 0}})
}

#[test]
fn damaged_saved_state_never_panics_and_a_fresh_chat_still_runs() {
    let mut g = Gen::new(3);
    for (fixture, config) in [
        (
            include_str!("fixtures/saved/chat-v1-miaw.json"),
            miaw_config(),
        ),
        (
            include_str!("fixtures/saved/chat-v1-livechat.json"),
            livechat_config(),
        ),
    ] {
        let doc: Value = serde_json::from_str(fixture).unwrap();
        let owned = keys_of(&doc);
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        for round in 0..ROUNDS {
            let saved = match round % 3 {
                0 => g.mutate(&doc, &keys).to_string(),
                1 => String::from_utf8_lossy(&g.damage(fixture)).into_owned(),
                _ => {
                    let once = g.mutate(&doc, &keys);
                    g.mutate(&once, &keys).to_string()
                }
            };
            let mut c = chat(&config, Some(saved), round);
            drive(&mut c, &mut g, WIRE_KEYS);
        }
    }
}

#[test]
fn random_server_answers_never_panic() {
    let mut g = Gen::new(4);
    for round in 0..ROUNDS {
        for config in [miaw_config(), livechat_config(), rasa_config()] {
            let mut c = chat(&config, None, round);
            drive(&mut c, &mut g, WIRE_KEYS);
        }
    }
}
