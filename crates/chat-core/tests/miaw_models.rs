//! The MIAW wire models (`chat_core::miaw::model`) against the spec's examples
//! (`fixtures/miaw`, sources in its README): decode → encode → decode round trips, our request
//! bodies against the spec's shapes and byte for byte against version 1, the saved state of
//! version 1, tolerance of wrong-typed members, and a fuzz-style pass of random and damaged
//! documents through every MIAW decoder (none may panic).

#[path = "miaw_support.rs"]
mod support;

use std::fmt::Debug;

use chat_core::codec::{Json, SerdeJson};
use chat_core::http::{FileRef, HttpError, HttpResponse, Method};
use chat_core::loose::Item;
use chat_core::miaw::model::*;
use chat_core::miaw::wire::{self, AckEntry, Entry, EntryKind, OutgoingContent, Parsed};
use chat_core::miaw::{
    ChoicesFormat, Delivery, Deployment, MessageContent, MiawConfig, MiawEvent, MiawSaved, Role,
};
use chat_core::Pairs;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value as J};
use support::*;

type MiawSession = chat_core::miaw::MiawSession<SerdeJson>;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/miaw/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_json(name: &str) -> J {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// Decodes `text` as `T`, checks that encoding and decoding again gives the same model, and
/// returns it.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(text: &str) -> T {
    let model: T = SerdeJson::decode(text).unwrap();
    let again: T = SerdeJson::decode(&SerdeJson::encode(&model)).unwrap();
    assert_eq!(again, model);
    model
}

/// Every path of a document with the type found there (values ignored; list items as `[]`).
fn shape(v: &J) -> Vec<String> {
    fn walk(v: &J, path: &str, out: &mut Vec<String>) {
        let kind = match v {
            J::Null => "null",
            J::Bool(_) => "bool",
            J::Number(_) => "number",
            J::String(_) => "string",
            J::Array(items) => {
                for item in items {
                    walk(item, &format!("{path}[]"), out);
                }
                "list"
            }
            J::Object(map) => {
                for (k, item) in map {
                    walk(item, &format!("{path}.{k}"), out);
                }
                "object"
            }
        };
        out.push(format!("{path}: {kind}"));
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out.sort();
    out.dedup();
    out
}

/// `shape(spec)` without the paths starting with one of `unsent` (optional members the widget
/// does not send).
fn shape_without(spec: &J, unsent: &[&str]) -> Vec<String> {
    shape(spec)
        .into_iter()
        .filter(|p| !unsent.iter().any(|u| p.starts_with(u)))
        .collect()
}

fn dep() -> Deployment {
    Deployment {
        base_url: "https://acme.my.salesforce-scrt.com".into(),
        org_id: "00D5e000000AbCd".into(),
        es_developer_name: "Web_Custom_Client".into(),
        language: None,
    }
}

fn pairs(list: &[(&str, &str)]) -> Pairs {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn body_of(r: &chat_core::HttpRequest) -> J {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

fn pdf() -> FileRef {
    FileRef {
        handle: 1,
        name: "label.pdf".into(),
        size: 4,
        mime_type: "application/pdf".into(),
    }
}

fn entry(p: Parsed) -> Entry {
    match p {
        Parsed::Entry(e) => e,
        Parsed::Skip { event, reason } => panic!("skipped {event}: {reason}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn request_bodies_have_the_spec_shapes() {
    let d = dep();
    let r = wire::unauthenticated_token::<SerdeJson>(&d, 1);
    assert_eq!(
        body_of(&r),
        fixture_json("token-unauthenticated-request.json"),
        "§4.1: the same values too"
    );
    let r = wire::authenticated_token::<SerdeJson>(&d, 2, "<JWT signed by the customer's keyset>");
    assert_eq!(
        body_of(&r),
        fixture_json("token-authenticated-request.json")
    );

    let r = wire::create_conversation::<SerdeJson>(
        &d,
        3,
        "tok",
        "3f6c8a2e-1b4d-4c7a-9e2f-5a6b7c8d9e01",
        &pairs(&[("_firstName", "Ada"), ("_email", "ada@example.com")]),
    );
    assert_eq!(
        body_of(&r),
        fixture_json("create-conversation-request.json")
    );

    let text = OutgoingContent::Text("Hello, I need help".into());
    let r = wire::send_message::<SerdeJson>(&d, 4, "tok", "c", "m1", &text, None);
    assert_eq!(
        shape(&body_of(&r)),
        shape(&fixture_json("send-message-text-minimal-request.json"))
    );
    let mut with_language = dep();
    with_language.language = Some("en_US".into());
    let routing = pairs(&[("_firstName", "Ada")]);
    let r =
        wire::send_message::<SerdeJson>(&with_language, 5, "tok", "c", "m1", &text, Some(&routing));
    assert_eq!(
        shape(&body_of(&r)),
        shape_without(
            &fixture_json("send-message-text-request.json"),
            &[".message.inReplyToMessageId"]
        ),
        "§4.6 with every optional member but inReplyToMessageId (a text replies to nothing)"
    );
    let choice = OutgoingContent::Choice {
        in_reply_to: "<id of the ChoicesMessage>".into(),
        option_identifier: "<optionIdentifier from the choice>".into(),
    };
    let r = wire::send_message::<SerdeJson>(&d, 6, "tok", "c", "<uuid>", &choice, None);
    assert_eq!(
        body_of(&r),
        fixture_json("send-message-choice-request.json")
    );

    for (started, name) in [
        (true, "typing-started-request.json"),
        (false, "typing-stopped-request.json"),
    ] {
        let spec = fixture_json(name);
        let r = wire::typing::<SerdeJson>(&d, 7, "tok", "c", spec["id"].as_str().unwrap(), started);
        assert_eq!(body_of(&r), spec);
    }

    let acks = [
        AckEntry {
            id: "<uuid>".into(),
            read: false,
            entry_id: "<acked entry identifier>".into(),
        },
        AckEntry {
            id: "<uuid 2>".into(),
            read: true,
            entry_id: "<acked entry identifier>".into(),
        },
    ];
    let r = wire::acknowledge_entries::<SerdeJson>(&d, 8, "tok", "c", &acks);
    assert_eq!(
        body_of(&r),
        fixture_json("acknowledge-entries-request.json")
    );

    let u = wire::send_file::<SerdeJson>(
        &d,
        9,
        "tok",
        "c",
        "<uuid>",
        "<uuid>",
        Some("optional caption"),
        &pdf(),
        None,
    );
    let entry: J = serde_json::from_str(&u.json_part.1).unwrap();
    let spec = fixture_json("file-message-entry.json");
    let mut expected = spec.clone();
    expected["message"]
        .as_object_mut()
        .unwrap()
        .remove("inReplyToMessageId");
    assert_eq!(entry, expected, "§4.9 (the widget replies to nothing)");
    assert_eq!(
        shape(&entry),
        shape_without(&spec, &[".message.inReplyToMessageId"])
    );
}

#[test]
fn request_models_round_trip_the_spec_examples() {
    fn check<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str) -> T {
        let text = fixture(name);
        let model: T = round_trip(&text);
        let written: J = serde_json::from_str(&SerdeJson::encode(&model)).unwrap();
        assert_eq!(written, fixture_json(name), "{name}");
        model
    }
    let t: TokenRequest = check("token-unauthenticated-request.json");
    assert_eq!(t.capabilities_version, "1");
    assert_eq!(t.authorization_type, None);
    let t: TokenRequest = check("token-authenticated-request.json");
    assert_eq!(t.authorization_type.as_deref(), Some("JWT"));
    let c: CreateConversationRequest = check("create-conversation-request.json");
    assert_eq!(
        c.routing_attributes.get("_email").map(String::as_str),
        Some("ada@example.com")
    );
    assert_eq!(c.language, None);
    let m: SendMessageRequest = check("send-message-text-request.json");
    assert_eq!(m.is_new_messaging_session, Some(true));
    assert_eq!(m.message.static_content.unwrap().text, "Hello, I need help");
    let m: SendMessageRequest = check("send-message-text-minimal-request.json");
    assert_eq!(m.routing_attributes, None);
    let m: SendMessageRequest = check("send-message-choice-request.json");
    let choices = m.message.choices_response.unwrap();
    assert_eq!(choices.format_type, "Selections");
    assert_eq!(
        choices.selected_options[0].option_identifier,
        "<optionIdentifier from the choice>"
    );
    let e: EntryRequest = check("typing-started-request.json");
    assert_eq!(e.entry_type, "TypingStartedIndicator");
    let e: EntryRequest = check("typing-stopped-request.json");
    assert_eq!(e.entry_type, "TypingStoppedIndicator");
    let a: AcknowledgeEntriesRequest = check("acknowledge-entries-request.json");
    assert_eq!(a.acks[1].entry_type, "Read");
    let f: FileMessageEntry = check("file-message-entry.json");
    assert!(!f.is_new_messaging_session);
    assert_eq!(f.message.text.as_deref(), Some("optional caption"));
}

/// The exact text every request body had before the serde models (member order included):
/// `Option` members that are unset are left out, never written as `null`.
#[test]
fn request_bodies_are_byte_for_byte_those_of_version_1() {
    let mut d = dep();
    let t = |r: chat_core::HttpRequest| r.body.unwrap();
    assert_eq!(
        t(wire::unauthenticated_token::<SerdeJson>(&d, 1)),
        r#"{"orgId":"00D5e000000AbCd","esDeveloperName":"Web_Custom_Client","capabilitiesVersion":"1","platform":"Web"}"#
    );
    assert_eq!(
        t(wire::authenticated_token::<SerdeJson>(&d, 1, "id.jwt")),
        r#"{"orgId":"00D5e000000AbCd","esDeveloperName":"Web_Custom_Client","capabilitiesVersion":"1","platform":"Web","authorizationType":"JWT","customerIdentityToken":"id.jwt"}"#
    );
    let routing = pairs(&[("_firstName", "Ada \"é\"\n"), ("Topic", "Billing")]);
    assert_eq!(
        t(wire::create_conversation::<SerdeJson>(
            &d,
            1,
            "tok",
            "c1",
            &Pairs::new()
        )),
        r#"{"routingAttributes":{},"esDeveloperName":"Web_Custom_Client","conversationId":"c1"}"#
    );
    let text = OutgoingContent::Text("Hi <b> \"you\"".into());
    assert_eq!(
        t(wire::send_message::<SerdeJson>(
            &d, 1, "tok", "c1", "m1", &text, None
        )),
        r#"{"message":{"id":"m1","messageType":"StaticContentMessage","staticContent":{"formatType":"Text","text":"Hi <b> \"you\""}},"esDeveloperName":"Web_Custom_Client"}"#
    );
    d.language = Some("en_US".into());
    assert_eq!(
        t(wire::create_conversation::<SerdeJson>(
            &d, 1, "tok", "c1", &routing
        )),
        r#"{"routingAttributes":{"_firstName":"Ada \"é\"\n","Topic":"Billing"},"esDeveloperName":"Web_Custom_Client","conversationId":"c1","language":"en_US"}"#
    );
    assert_eq!(
        t(wire::send_message::<SerdeJson>(
            &d,
            1,
            "tok",
            "c1",
            "m1",
            &text,
            Some(&routing)
        )),
        r#"{"message":{"id":"m1","messageType":"StaticContentMessage","staticContent":{"formatType":"Text","text":"Hi <b> \"you\""}},"routingAttributes":{"_firstName":"Ada \"é\"\n","Topic":"Billing"},"isNewMessagingSession":true,"esDeveloperName":"Web_Custom_Client","language":"en_US"}"#
    );
    let choice = OutgoingContent::Choice {
        in_reply_to: "cm".into(),
        option_identifier: "opt-1".into(),
    };
    assert_eq!(
        t(wire::send_message::<SerdeJson>(
            &d, 1, "tok", "c1", "m2", &choice, None
        )),
        r#"{"message":{"id":"m2","messageType":"ChoicesResponseMessage","inReplyToMessageId":"cm","choicesResponse":{"formatType":"Selections","selectedOptions":[{"optionIdentifier":"opt-1"}]}},"esDeveloperName":"Web_Custom_Client","language":"en_US"}"#
    );
    let file = |caption, new_session| {
        wire::send_file::<SerdeJson>(&d, 1, "tok", "c1", "m3", "f3", caption, &pdf(), new_session)
            .json_part
            .1
    };
    assert_eq!(
        file(Some("cap"), None),
        r#"{"esDeveloperName":"Web_Custom_Client","isNewMessagingSession":false,"message":{"id":"m3","fileId":"f3","text":"cap"}}"#
    );
    assert_eq!(
        file(Some("  "), Some(&routing)),
        r#"{"esDeveloperName":"Web_Custom_Client","isNewMessagingSession":true,"routingAttributes":{"_firstName":"Ada \"é\"\n","Topic":"Billing"},"message":{"id":"m3","fileId":"f3"}}"#
    );
    assert_eq!(
        t(wire::typing::<SerdeJson>(&d, 1, "tok", "c1", "e1", false)),
        r#"{"entryType":"TypingStoppedIndicator","id":"e1"}"#
    );
    let acks = [AckEntry {
        id: "k1".into(),
        read: false,
        entry_id: "a1".into(),
    }];
    assert_eq!(
        t(wire::acknowledge_entries::<SerdeJson>(
            &d, 1, "tok", "c1", &acks
        )),
        r#"{"acks":[{"id":"k1","entryType":"Delivery","conversationEntryId":"a1"}]}"#
    );
    assert_eq!(
        t(wire::acknowledge_entries::<SerdeJson>(
            &d,
            1,
            "tok",
            "c1",
            &[]
        )),
        r#"{"acks":[]}"#
    );
}

// ---------------------------------------------------------------------------------------------
// Responses

#[test]
fn token_response_round_trips_and_parses() {
    let text = fixture("token-response.json");
    let t: AccessTokenResponse = round_trip(&text);
    assert_eq!(t.access_token.as_deref(), Some("eyJ…"));
    assert_eq!(t.last_event_id.as_deref(), Some("0"));
    let context = t.context.unwrap();
    assert_eq!(context.device_id.as_deref(), Some("d-1"));
    let config = context
        .configuration
        .unwrap()
        .embedded_service_config
        .unwrap();
    assert_eq!(config.name.as_deref(), Some("Web_Custom_Client"));
    let forms = config.forms.unwrap().unwrap();
    let form = forms[0].as_ref().unwrap();
    assert_eq!(form.display_context.as_deref(), Some("Conversation"));
    assert_eq!(form.form_fields[0].max_length, Some(40));
    assert_eq!(form.form_fields[0].kind.as_deref(), Some("Text"));

    let parsed = wire::parse_token::<SerdeJson>(text.as_bytes()).unwrap();
    assert_eq!(parsed.access_token, "eyJ…");
    assert_eq!(parsed.last_event_id.as_deref(), Some("0"));
    // A byte-order mark, and a numeric lastEventId (read as its text).
    let parsed = wire::parse_token::<SerdeJson>(
        "\u{feff}{\"accessToken\":\"t\",\"lastEventId\":17}".as_bytes(),
    )
    .unwrap();
    assert_eq!(parsed.last_event_id.as_deref(), Some("17"));
    for bad in [
        &br#"{"accessToken":""}"#[..],
        br#"{"accessToken":42}"#,
        br#"["accessToken"]"#,
        b"\"eyJ\"",
        b"null",
    ] {
        let e = wire::parse_token::<SerdeJson>(bad).unwrap_err();
        assert_eq!(e, "token response without accessToken");
    }
    let e = wire::parse_token::<SerdeJson>(b"{\"accessToken\":").unwrap_err();
    assert!(e.starts_with("token response: "), "{e}");
}

#[test]
fn error_bodies_round_trip_and_give_their_message() {
    for (name, message) in [
        ("error-message.json", "Jwt is expired"),
        (
            "error-text.json",
            "Embedded Messaging Config is not Published",
        ),
        ("error-spring.json", "Unauthorized"),
    ] {
        let text = fixture(name);
        let _: ErrorBody = round_trip(&text);
        assert_eq!(
            wire::error_message::<SerdeJson>(text.as_bytes()).as_deref(),
            Some(message),
            "{name}"
        );
    }
    let spring: ErrorBody = round_trip(&fixture("error-spring.json"));
    assert_eq!(spring.status, Some(401));
    // `message` first; a member of the wrong type gives way to the next.
    assert_eq!(
        wire::error_message::<SerdeJson>(br#"{"error":"e","text":"t","message":"m"}"#).as_deref(),
        Some("m")
    );
    assert_eq!(
        wire::error_message::<SerdeJson>(br#"{"message":{"x":1},"error":"e"}"#).as_deref(),
        Some("e")
    );
    for none in [&b""[..], b"[]", b"{}", b"<html>", b"\xff\xfe"] {
        assert_eq!(wire::error_message::<SerdeJson>(none), None);
    }
}

#[test]
fn list_entries_round_trip_and_parse_oldest_first() {
    let text = fixture("list-entries-response.json");
    let r: EntriesResponse = round_trip(&text);
    let entries = r.conversation_entries.unwrap();
    assert_eq!(entries.len(), 2);
    let first = entries[0].as_ref().unwrap();
    assert_eq!(first.entry_type.as_deref(), Some("Message"));
    assert_eq!(
        first.sender.as_ref().unwrap().role.as_deref(),
        Some("Agent")
    );
    assert_eq!(first.transcripted_timestamp, Some(1732262405123));
    let Some(RawPayload::Object(p)) = &first.entry_payload else {
        panic!("an object payload: {:?}", first.entry_payload)
    };
    let msg = p.abstract_message.as_ref().unwrap();
    assert_eq!(msg.message_type.as_deref(), Some("StaticContentMessage"));
    assert_eq!(msg.in_reply_to_message_id, None, "null reads as absent");
    let sc = msg.static_content.clone().unwrap().unwrap();
    assert_eq!(sc.text.as_deref(), Some("Hi Ada, how can I help?"));

    let parsed = wire::parse_entries::<SerdeJson>(text.as_bytes()).unwrap();
    let parsed: Vec<Entry> = parsed.into_iter().map(entry).collect();
    assert_eq!(parsed[0].identifier, "6e0c5b8a-4d2f-4b1e-8c3a-1f2e3d4c5b6a");
    assert_eq!(parsed[0].role, Role::EndUser);
    assert_eq!(parsed[1].role, Role::Agent);
    assert_eq!(parsed[1].sender_name.as_deref(), Some("Jane"));
    assert_eq!(
        parsed[1].kind,
        EntryKind::Message {
            message_id: "a1b2c3d4-0000-4000-8000-000000000001".into(),
            in_reply_to: None,
            content: MessageContent::Text("Hi Ada, how can I help?".into())
        }
    );

    // Items that are not objects are kept (as skips), the member must be a list.
    let out = wire::parse_entries::<SerdeJson>(
        br#"{"conversationEntries":[3,null,{"entryType":"Nope"}]}"#,
    )
    .unwrap();
    assert_eq!(out.len(), 3);
    assert!(
        out.iter().all(|p| matches!(p, Parsed::Skip { .. })),
        "{out:?}"
    );
    for bad in [&b"{}"[..], br#"{"conversationEntries":{}}"#, b"[]", b"7"] {
        assert_eq!(
            wire::parse_entries::<SerdeJson>(bad).unwrap_err(),
            "entries response without conversationEntries"
        );
    }
}

/// Every event fixture: the data round-trips, its `entryPayload` text round-trips as an
/// [`EntryPayload`], and `parse_event` reads what the spec says.
#[test]
fn events_round_trip_and_parse() {
    let event = |name: &str, file: &str| -> (EventData, EntryPayload, Entry) {
        let text = fixture(file);
        let data: EventData = round_trip(&text);
        let payload = match data
            .conversation_entry
            .clone()
            .flatten()
            .and_then(|e| e.entry_payload)
        {
            Some(RawPayload::Text(t)) => round_trip(&t),
            None => EntryPayload::default(),
            other => panic!("{file}: payload {other:?}"),
        };
        let parsed = entry(wire::parse_event::<SerdeJson>(name, &text));
        assert_eq!(
            parsed.conversation_id.as_deref(),
            Some("3f6c8a2e-1b4d-4c7a-9e2f-5a6b7c8d9e01"),
            "{file}"
        );
        (data, payload, parsed)
    };

    let (data, payload, e) = event("CONVERSATION_MESSAGE", "event-message.json");
    assert_eq!(data.channel_type.as_deref(), Some("embedded_messaging"));
    let ce = data.conversation_entry.unwrap().unwrap();
    assert_eq!(ce.sender_display_name.as_deref(), Some("Jane"));
    assert_eq!(ce.client_timestamp, Some(1732262405000));
    assert_eq!(payload.entry_type.as_deref(), Some("Message"));
    assert_eq!(e.role, Role::Agent);
    assert_eq!(e.timestamp, Some(1732262405123));
    assert!(matches!(
        e.kind,
        EntryKind::Message {
            content: MessageContent::Text(ref t),
            ..
        } if t == "Hi Ada, how can I help?"
    ));

    let (_, payload, e) = event("CONVERSATION_MESSAGE", "event-choices.json");
    let choices = payload.abstract_message.unwrap().choices.unwrap().unwrap();
    assert_eq!(
        choices.option_items[0].item_type.as_deref(),
        Some("TitleOptionItem")
    );
    assert_eq!(e.role, Role::Chatbot);
    let EntryKind::Message {
        content:
            MessageContent::Choices {
                format,
                text,
                options,
            },
        ..
    } = e.kind
    else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(format, ChoicesFormat::Buttons);
    assert_eq!(text, "Pick one");
    assert_eq!(
        (options[0].identifier.as_str(), options[0].title.as_str()),
        ("opt-1", "Billing")
    );

    let (_, payload, e) = event(
        "CONVERSATION_PARTICIPANT_CHANGED",
        "event-participant-changed.json",
    );
    let change = payload.entries.unwrap()[0].clone().unwrap();
    assert_eq!(change.operation.as_deref(), Some("add"));
    assert_eq!(
        change.participant.unwrap().client_identifier.as_deref(),
        Some("…")
    );
    assert_eq!(
        e.kind,
        EntryKind::ParticipantChanged(vec![wire::ParticipantChange {
            joined: true,
            display_name: "Jane Agent".into(),
            role: Role::Agent
        }])
    );

    let (_, payload, e) = event("CONVERSATION_ROUTING_RESULT", "event-routing-result.json");
    assert_eq!(payload.failure_reason, None);
    assert_eq!(
        payload.estimated_wait_time.unwrap().is_ewt_requested,
        Some(true)
    );
    assert_eq!(e.sender_name, None, "an empty name is no name");
    assert_eq!(
        e.kind,
        EntryKind::RoutingResult(wire::RoutingResult {
            transfer: false,
            failure: None,
            failure_reason: None,
            estimated_wait_secs: Some(45)
        })
    );

    let (_, _, e) = event(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "event-typing-started.json",
    );
    assert_eq!(e.kind, EntryKind::TypingStarted);
    assert_eq!(e.sender_name.as_deref(), Some("Jane"));

    let (data, payload, e) = event(
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        "event-delivery-acknowledgement.json",
    );
    assert_eq!(
        data.conversation_entry.unwrap().unwrap().related_records,
        ["6e0c5b8a-4d2f-4b1e-8c3a-1f2e3d4c5b6a"]
    );
    assert_eq!(payload.acknowledgement_timestamp, Some(1732262406000));
    assert_eq!(
        e.kind,
        EntryKind::Delivered {
            message_id: "6e0c5b8a-4d2f-4b1e-8c3a-1f2e3d4c5b6a".into(),
            timestamp: Some(1732262406000)
        }
    );

    let (data, _, e) = event(
        "CONVERSATION_CLOSE_CONVERSATION",
        "event-close-conversation.json",
    );
    assert_eq!(data.conversation_entry, None);
    assert_eq!(e.kind, EntryKind::Closed);
}

#[test]
fn the_payload_may_be_text_or_an_object_and_nothing_else() {
    let payload = json!({"entryType":"TypingStoppedIndicator","id":"t2"});
    let data = |p: J| {
        json!({"conversationId":"c","conversationEntry":{"identifier":"t2","entryType":"TypingStoppedIndicator","entryPayload":p}}).to_string()
    };
    for p in [J::String(payload.to_string()), payload.clone()] {
        let e = entry(wire::parse_event::<SerdeJson>(
            "CONVERSATION_TYPING_STOPPED_INDICATOR",
            &data(p),
        ));
        assert_eq!(e.kind, EntryKind::TypingStopped);
    }
    // No payload at all is an empty one; a list or a number is refused; text that is not JSON
    // is refused with the decoder's error.
    let e = entry(wire::parse_event::<SerdeJson>(
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
        &data(J::Null),
    ));
    assert_eq!(e.identifier, "t2");
    for (p, reason) in [
        (
            json!([payload]),
            "entryPayload is neither a string nor an object",
        ),
        (json!(4), "entryPayload is neither a string nor an object"),
        (
            json!(true),
            "entryPayload is neither a string nor an object",
        ),
        (json!("{\"id\":"), "entryPayload is not JSON: "),
    ] {
        let Parsed::Skip { reason: r, .. } = wire::parse_event::<SerdeJson>(
            "CONVERSATION_TYPING_STOPPED_INDICATOR",
            &data(p.clone()),
        ) else {
            panic!("{p} read")
        };
        assert!(r.starts_with(reason), "{p}: {r}");
    }
    // The model keeps what came, and writes it back the same way.
    let ce: ConversationEntry = round_trip(r#"{"entryPayload":[1]}"#);
    assert_eq!(ce.entry_payload, Some(RawPayload::Invalid));
    let ce: ConversationEntry = round_trip(r#"{"entryPayload":"{}"}"#);
    assert_eq!(ce.entry_payload, Some(RawPayload::Text("{}".into())));
}

/// A member of the wrong type reads as absent (or as its text, for ids), never failing the
/// document; tri-state members tell "absent" from "not an object".
#[test]
fn wrong_types_read_as_absent() {
    let d: EventData = SerdeJson::decode(
        r#"{"conversationId":42,"channelType":7,"conversationEntry":"x","status":["Ended"]}"#,
    )
    .unwrap();
    assert_eq!(d.conversation_id.as_deref(), Some("42"));
    assert_eq!(d.channel_type, None);
    assert_eq!(d.conversation_entry, Some(None));
    assert_eq!(d.status, None);
    let d: EventData = SerdeJson::decode(r#"{"conversationEntry":null}"#).unwrap();
    assert_eq!(d.conversation_entry, Some(None));
    assert_eq!(
        SerdeJson::decode::<EventData>("{}")
            .unwrap()
            .conversation_entry,
        None
    );

    let e: ConversationEntry = SerdeJson::decode(
        r#"{"identifier":1.0,"sender":"Agent","senderDisplayName":{"a":1},"clientTimestamp":-5,
            "transcriptedTimestamp":"12","relatedRecords":[{"id":"x"},7,"r"],"entryType":null}"#,
    )
    .unwrap();
    assert_eq!(e.identifier.as_deref(), Some("1"));
    assert_eq!(e.sender, None);
    assert_eq!(e.sender_display_name, None);
    assert_eq!(e.client_timestamp, None);
    assert_eq!(e.transcripted_timestamp, Some(12));
    assert_eq!(e.related_records, ["7", "r"]);
    assert_eq!(e.entry_type, None);

    let m: AbstractMessage = SerdeJson::decode(
        r#"{"messageType":"ChoicesMessage","choices":[],"staticContent":{"formatType":1,
            "attachments":[3,{"name":"a.pdf","contentLength":"4"}]}}"#,
    )
    .unwrap();
    assert_eq!(m.choices, Some(None));
    let sc = m.static_content.unwrap().unwrap();
    assert_eq!(sc.format_type, None);
    assert_eq!(
        sc.attachments.len(),
        1,
        "the item that is not an object is dropped"
    );
    assert_eq!(sc.attachments[0].content_length, Some(4));

    let p: EntryPayload =
        SerdeJson::decode(r#"{"entries":{"operation":"add"},"estimatedWaitTime":45}"#).unwrap();
    assert_eq!(p.entries, None);
    assert_eq!(p.estimated_wait_time, None);
    let p: EntryPayload = SerdeJson::decode(r#"{"entries":[null,{"operation":"add"}]}"#).unwrap();
    assert_eq!(
        p.entries.unwrap().len(),
        2,
        "skipped items are kept as None"
    );

    // And through the parser: an entry with wrong-typed members still reads.
    let e = entry(wire::parse_event::<SerdeJson>(
        "CONVERSATION_MESSAGE",
        r#"{"conversationId":7,"conversationEntry":{"identifier":"m","sender":{"role":1},
            "entryPayload":{"abstractMessage":{"messageType":"StaticContentMessage",
            "inReplyToMessageId":5,"staticContent":{"formatType":"Text","text":"hi"}}}}}"#,
    ));
    assert_eq!(e.conversation_id.as_deref(), Some("7"));
    assert_eq!(e.role, Role::Other);
    assert_eq!(
        e.kind,
        EntryKind::Message {
            message_id: "m".into(),
            in_reply_to: None,
            content: MessageContent::Text("hi".into())
        }
    );
}

#[test]
fn unknown_events_and_entry_types_are_skipped() {
    let skip = |event: &str, data: &str| match wire::parse_event::<SerdeJson>(event, data) {
        Parsed::Skip { reason, .. } => reason,
        Parsed::Entry(e) => panic!("{event} read: {e:?}"),
    };
    assert_eq!(
        skip("CONVERSATION_STREAMING_TOKEN", "{}"),
        "unknown event type"
    );
    assert_eq!(
        skip("CONVERSATION_STREAMING_TOKEN", "not json"),
        "unknown event type"
    );
    assert_eq!(
        skip(
            "CONVERSATION_PROGRESS_INDICATOR",
            r#"{"conversationEntry":{"entryType":"ProgressIndicator"}}"#
        ),
        "unknown event type"
    );
    assert_eq!(skip("ping", "{}"), "keep-alive");
    assert!(skip("CONVERSATION_MESSAGE", "{").starts_with("data is not JSON: "));
    assert_eq!(skip("CONVERSATION_MESSAGE", "[]"), "no conversationEntry");
    assert_eq!(
        skip("CONVERSATION_MESSAGE", r#"{"conversationEntry":[]}"#),
        "conversationEntry is not an object"
    );
    // An unknown event name carrying a known entry type is read as that entry.
    let e = entry(wire::parse_event::<SerdeJson>(
        "CONVERSATION_SOMETHING_NEW",
        r#"{"conversationEntry":{"entryType":"TypingStartedIndicator","identifier":"t"}}"#,
    ));
    assert_eq!(e.kind, EntryKind::TypingStarted);
    // A list-entries item of an unknown type is skipped, not an error.
    let out = wire::parse_entries::<SerdeJson>(
        br#"{"conversationEntries":[{"entryType":"ClientMenu","entryPayload":{}}]}"#,
    )
    .unwrap();
    assert!(matches!(&out[0], Parsed::Skip { reason, .. } if reason == "unsupported entry type"));
}

#[test]
fn the_embedded_service_configuration_round_trips() {
    let c: ConfigDocument = round_trip(&fixture("embedded-service-config.json"));
    let forms = c.forms.clone().unwrap().unwrap();
    let fields = &forms[0].as_ref().unwrap().form_fields;
    assert_eq!(fields.len(), 4);
    assert_eq!(fields[2].choice_list_id.as_deref(), Some("0Kxx0000000abcd"));
    assert_eq!(fields[3].is_hidden, Some(true));
    let lists = c.choice_list_config.unwrap().choice_list;
    assert_eq!(
        lists[0].choice_list_values[0]
            .choice_list_value_name
            .as_deref(),
        Some("Laptop")
    );
    // Nested as in the access-token answer.
    let t: ConfigDocument = round_trip(&fixture("token-response.json"));
    assert!(t.forms.is_none());
    let nested = t
        .context
        .unwrap()
        .configuration
        .unwrap()
        .embedded_service_config;
    assert!(nested.unwrap().forms.unwrap().is_some());
    // `forms` that is not a list is told apart from no `forms`.
    let c: ConfigDocument = SerdeJson::decode(r#"{"forms":{"a":1}}"#).unwrap();
    assert_eq!(c.forms, Some(None));
}

// ---------------------------------------------------------------------------------------------
// Saved state

fn receipts_config() -> MiawConfig {
    let mut c = config();
    c.send_receipts = true;
    c.continue_after_end = true;
    c
}

#[test]
fn the_saved_state_of_version_1_decodes_and_encodes_byte_for_byte() {
    for name in ["saved-v1.json", "saved-v1-plain.json"] {
        let text = fixture(name);
        let saved: MiawSaved = round_trip(&text);
        assert_eq!(SerdeJson::encode(&saved), text, "{name}");
    }
    let saved: MiawSaved = SerdeJson::decode(&fixture("saved-v1.json")).unwrap();
    assert_eq!(saved.token.as_deref(), Some("tok1"));
    assert_eq!(saved.last_event_id.as_deref(), Some("1732262405000:2"));
    assert_eq!(
        saved.routing.get("Topic").map(String::as_str),
        Some("Billing")
    );
    assert_eq!(saved.outbox.len(), 4);
    assert!(saved.outbox[0].failed);
    assert_eq!(
        saved.outbox[0].file.clone().unwrap().unwrap().size,
        Some(2048)
    );
    assert!(saved.outbox[1].new_session);
    assert_eq!(saved.outbox[2].option.as_deref(), Some("opt-1"));
    assert_eq!(saved.outbox[3].caption.as_deref(), Some("cap"));
    let receipts = saved.receipts.unwrap();
    assert_eq!(
        (receipts.read, receipts.unread),
        (vec!["a1".to_string()], vec!["a2".to_string()])
    );
    let plain: MiawSaved = SerdeJson::decode(&fixture("saved-v1-plain.json")).unwrap();
    assert_eq!(plain.last_event_id, None);
    assert_eq!(plain.receipts, None);
}

/// A state saved by version 1 restores: same conversation, token, stream position, routing,
/// outbox (in order, a new messaging session where it was one, uploads reported failed) and
/// receipts.
#[test]
fn a_state_saved_by_version_1_restores() {
    let text = fixture("saved-v1.json");
    let mut g = H::new(receipts_config());
    assert!(g.s.restore_text(&text, g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    assert_eq!(header(&t, "Authorization"), Some("Bearer tok1"));
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    assert_eq!(
        g.s.conversation_id(),
        Some("956eeb2f-2632-47bd-83f1-66b233e3ef28")
    );
    let st = g.stream();
    assert_eq!(header(&st, "Last-Event-Id"), Some("1732262405000:2"));
    let l = g.take(Method::Get, "/entries?");
    g.reply(
        &l,
        200,
        json!({"conversationEntries":[
            history_message("a2", "Anything else?", "Agent", "Jane", 2),
            history_message("a1", "Hello", "Agent", "Jane", 1)]}),
    );
    let ev = g.events();
    let shown: Vec<(String, Option<Delivery>)> = ev
        .iter()
        .filter_map(|e| match e {
            MiawEvent::Message { id, delivery, .. } => Some((id.clone(), *delivery)),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("a1".to_string(), None),
            ("a2".to_string(), None),
            (
                "bf195b77-4a72-4434-be50-16450e8a347e".to_string(),
                Some(Delivery::Failed)
            ),
            (
                "e6463e7f-89ed-4d83-b76d-ed4773971f85".to_string(),
                Some(Delivery::Sending)
            ),
            (
                "dc8ee702-1ce3-47aa-b233-7c4dc5521434".to_string(),
                Some(Delivery::Sending)
            ),
            (
                "076aa848-f4df-4a17-a0b8-72291aca5eb0".to_string(),
                Some(Delivery::Failed)
            ),
        ],
        "{ev:?}"
    );
    let errors = ev
        .iter()
        .filter(|e| matches!(e, MiawEvent::Error { .. }))
        .count();
    assert_eq!(
        errors, 1,
        "only the upload pending at the reload is reported: {ev:?}"
    );
    // The outbox goes on, in order: the text as a new messaging session, then the choice.
    g.connect();
    let r = g.take(Method::Post, "/message");
    let b = body(&r);
    assert_eq!(b["message"]["id"], "e6463e7f-89ed-4d83-b76d-ed4773971f85");
    assert_eq!(b["message"]["staticContent"]["text"], "are you there?");
    assert_eq!(b["isNewMessagingSession"], true);
    assert_eq!(
        b["routingAttributes"],
        json!({"_firstName":"Ada","Topic":"Billing"})
    );
    g.reply(&r, 202, J::Null);
    let r = g.take(Method::Post, "/message");
    let b = body(&r);
    assert_eq!(b["message"]["inReplyToMessageId"], "m-choices");
    assert_eq!(
        b["message"]["choicesResponse"]["selectedOptions"],
        json!([{"optionIdentifier":"opt-1"}])
    );
    g.reply(&r, 202, J::Null);
    g.none_pending("/message");
    g.no_upload();
    // Receipts: a1 was read before the reload, a2 only delivered.
    g.s.mark_read(g.now);
    let r = g.take(Method::Post, "/acknowledge-entries");
    let acks: Vec<(String, String)> = body(&r)["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["entryType"].as_str().unwrap().to_string(),
                a["conversationEntryId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(acks, [("Read".to_string(), "a2".to_string())]);
}

#[test]
fn a_plain_state_of_version_1_restores_and_is_saved_again_unchanged() {
    let text = fixture("saved-v1-plain.json");
    let mut g = H::new(config());
    assert!(g.s.restore_text(&text, g.now));
    assert_eq!(SerdeJson::encode(&g.s.persist().unwrap()), text);
    let t = g.take(Method::Get, "/continuation-access-token");
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    assert_eq!(header(&g.stream(), "Last-Event-Id"), None);
}

#[test]
fn unusable_saved_states_are_refused() {
    for text in [
        "",
        "garbage",
        "[\"tok\",\"conv\"]",
        "null",
        "{}",
        r#"{"token":"t"}"#,
        r#"{"token":1,"conversationId":"c"}"#,
        r#"{"token":"t","conversationId":{"id":"c"}}"#,
    ] {
        let mut g = H::new(config());
        assert!(!g.s.restore_text(text, g.now), "{text}");
        g.none_pending("/continuation-access-token");
    }
    let mut g = H::new(config());
    assert!(!g.s.restore(MiawSaved::default(), g.now));
    // A started session does not restore.
    let mut g = H::new(config());
    g.s.start(routing(), g.now);
    let saved: MiawSaved = SerdeJson::decode(&fixture("saved-v1-plain.json")).unwrap();
    assert!(!g.s.restore(saved, g.now));
}

#[test]
fn wrong_members_of_a_saved_state_cost_only_themselves() {
    let text = r#"{"token":"t","conversationId":"c","lastEventId":5,"routing":{"a":"1","b":2},
        "outbox":[7,{"text":"no id"},{"id":"m1","text":"hi","newSession":"yes"},
            {"id":"m2","file":null,"fileId":"f"},{"id":"m3"}],
        "receipts":{"read":"a1","unread":[1,"a2"]}}"#;
    let saved: MiawSaved = SerdeJson::decode(text).unwrap();
    assert_eq!(saved.last_event_id, None);
    assert_eq!(saved.routing, pairs(&[("a", "1")]));
    assert_eq!(
        saved.outbox.len(),
        4,
        "the item that is not an object is dropped"
    );
    assert!(!saved.outbox[1].new_session);
    assert_eq!(saved.outbox[2].file, Some(None), "present: an upload");
    let receipts = saved.receipts.clone().unwrap();
    assert!(receipts.read.is_empty());
    assert_eq!(receipts.unread, ["1", "a2"]);
    let mut g = H::new(receipts_config());
    assert!(g.s.restore(saved, g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    let l = g.take(Method::Get, "/entries?");
    g.reply(&l, 200, json!({"conversationEntries":[]}));
    let shown: Vec<(String, Option<Delivery>)> = g
        .events()
        .into_iter()
        .filter_map(|e| match e {
            MiawEvent::Message { id, delivery, .. } => Some((id, delivery)),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("m1".to_string(), Some(Delivery::Sending)),
            ("m2".to_string(), Some(Delivery::Failed)),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Fuzz: random and damaged documents through every decoder

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn scalar(&mut self) -> J {
        match self.below(12) {
            0 => J::Null,
            1 => J::Bool(self.below(2) == 0),
            2 => json!(-1),
            3 => json!(u64::MAX),
            4 => json!(i64::MIN),
            5 => json!(1.5),
            6 => json!(1e300),
            7 => json!(""),
            8 => json!("é中😀\u{2028}\"\\"),
            9 => json!(self.next().to_string()),
            10 => json!("{\"entryType\":\"Message\",\"abstractMessage\":"),
            _ => json!(self.below(1000)),
        }
    }

    /// A random document whose keys are mostly the names the decoders look for.
    fn value(&mut self, depth: usize) -> J {
        if depth == 0 {
            return self.scalar();
        }
        match self.below(6) {
            0 | 1 => self.scalar(),
            2 => J::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            3 => {
                // A payload as text, as the stream sends it.
                J::String(self.value(depth - 1).to_string())
            }
            _ => {
                let mut map = serde_json::Map::new();
                for _ in 0..self.below(7) {
                    let key = if self.below(6) == 0 {
                        format!("k{}", self.below(9))
                    } else {
                        self.pick(KEYS).to_string()
                    };
                    map.insert(key, self.value(depth - 1));
                }
                J::Object(map)
            }
        }
    }

    /// `doc` with one node replaced by a random value (a wrong type, most likely), or one
    /// member dropped; JSON text inside strings (payloads) is mutated too.
    fn mutate(&mut self, doc: &J) -> J {
        let mut doc = doc.clone();
        self.mutate_in(&mut doc);
        doc
    }

    fn mutate_in(&mut self, node: &mut J) {
        let stop = self.below(4) == 0;
        match node {
            J::Object(map) if !map.is_empty() && !stop => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let k = self.pick(&keys).clone();
                if self.below(8) == 0 {
                    map.remove(&k);
                } else {
                    self.mutate_in(map.get_mut(&k).unwrap());
                }
            }
            J::Array(items) if !items.is_empty() && !stop => {
                let i = self.below(items.len());
                self.mutate_in(&mut items[i]);
            }
            J::String(s) if s.starts_with('{') && !stop => match serde_json::from_str::<J>(s) {
                Ok(mut inner) => {
                    self.mutate_in(&mut inner);
                    *s = inner.to_string();
                }
                Err(_) => *node = self.value(3),
            },
            _ => *node = self.value(3),
        }
    }

    /// Text damaged at the byte level: truncated, a byte replaced (maybe not UTF-8 any more),
    /// or a slice repeated.
    fn damage(&mut self, text: &str) -> Vec<u8> {
        let mut b = text.as_bytes().to_vec();
        if b.is_empty() {
            return vec![0xff];
        }
        match self.below(4) {
            0 => b.truncate(self.below(b.len())),
            1 => {
                let i = self.below(b.len());
                b[i] = *self.pick(&[0xff, 0xc3, 0x80, b'"', b'{', b']', b'\\', 0, b'9']);
            }
            2 => {
                let i = self.below(b.len());
                b.insert(i, 0xfe);
            }
            _ => {
                let i = self.below(b.len());
                let tail = b[i..].to_vec();
                b.extend_from_slice(&tail);
            }
        }
        b
    }
}

/// The member names the MIAW decoders read.
const KEYS: &[&str] = &[
    "accessToken",
    "lastEventId",
    "context",
    "configuration",
    "embeddedServiceConfig",
    "forms",
    "formFields",
    "message",
    "text",
    "error",
    "conversationEntries",
    "conversationId",
    "conversationEntry",
    "identifier",
    "entryType",
    "entryPayload",
    "sender",
    "role",
    "senderDisplayName",
    "clientTimestamp",
    "transcriptedTimestamp",
    "relatedRecords",
    "id",
    "abstractMessage",
    "messageType",
    "inReplyToMessageId",
    "staticContent",
    "formatType",
    "attachments",
    "name",
    "contentLength",
    "choices",
    "optionItems",
    "optionIdentifier",
    "titleItem",
    "title",
    "choicesResponse",
    "selectedOptions",
    "entries",
    "operation",
    "displayName",
    "participant",
    "routingType",
    "failureType",
    "failureReason",
    "estimatedWaitTime",
    "estimatedWaitTimeInSeconds",
    "acknowledgedConversationEntryIdentifier",
    "acknowledgementTimestamp",
    "changedStatus",
    "sessionStatus",
    "status",
    "token",
    "routing",
    "outbox",
    "inReplyTo",
    "option",
    "fileId",
    "file",
    "size",
    "mimeType",
    "caption",
    "failed",
    "newSession",
    "receipts",
    "read",
    "unread",
];

const EVENTS: &[&str] = &[
    "CONVERSATION_MESSAGE",
    "CONVERSATION_PARTICIPANT_CHANGED",
    "CONVERSATION_ROUTING_RESULT",
    "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
    "CONVERSATION_READ_ACKNOWLEDGEMENT",
    "CONVERSATION_TYPING_STARTED_INDICATOR",
    "CONVERSATION_TYPING_STOPPED_INDICATOR",
    "CONVERSATION_CLOSE_CONVERSATION",
    "CONVERSATION_SESSION_STATUS_CHANGED",
    "CONVERSATION_STREAMING_TOKEN",
    "ping",
    "message",
];

const FIXTURES: &[&str] = &[
    "token-response.json",
    "error-message.json",
    "error-spring.json",
    "list-entries-response.json",
    "event-message.json",
    "event-choices.json",
    "event-participant-changed.json",
    "event-routing-result.json",
    "event-typing-started.json",
    "event-delivery-acknowledgement.json",
    "event-close-conversation.json",
    "embedded-service-config.json",
    "saved-v1.json",
];

/// Random bodies: a mutated fixture, a random document, damaged text, or a few fixed awkward
/// ones (deep nesting, huge numbers, not UTF-8).
fn random_body(g: &mut Rng, docs: &[(String, J)]) -> Vec<u8> {
    let (text, doc) = g.pick(docs);
    match g.below(8) {
        0..=2 => g.mutate(doc).to_string().into_bytes(),
        3 => g.value(6).to_string().into_bytes(),
        4 | 5 => g.damage(text),
        _ => match g.below(7) {
            0 => format!("{}1{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
            1 => format!(
                "{}{}",
                "{\"conversationEntry\":".repeat(200),
                "}".repeat(200)
            )
            .into_bytes(),
            2 => br#"{"conversationEntries":[{"transcriptedTimestamp":1e999}]}"#.to_vec(),
            3 => br#"{"accessToken":"t","lastEventId":123456789012345678901234567890}"#.to_vec(),
            4 => b"\xef\xbb\xbf\xff\xfe{\"accessToken\":\"t\"}".to_vec(),
            5 => b"{\"accessToken\":\"\xc3\x28\"}".to_vec(),
            _ => Vec::new(),
        },
    }
}

fn fixtures() -> Vec<(String, J)> {
    FIXTURES
        .iter()
        .map(|name| (fixture(name), fixture_json(name)))
        .collect()
}

/// Every decoder on random bodies: none panics (the answers themselves are not checked).
#[test]
fn random_documents_never_panic_the_decoders() {
    let docs = fixtures();
    let mut g = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3_000 {
        let body = random_body(&mut g, &docs);
        let text = String::from_utf8_lossy(&body);
        let _ = wire::parse_token::<SerdeJson>(&body);
        let _ = wire::error_message::<SerdeJson>(&body);
        let _ = wire::parse_entries::<SerdeJson>(&body);
        let event = *g.pick(EVENTS);
        let _ = wire::parse_event::<SerdeJson>(event, &text);
        let _ = SerdeJson::decode_bytes::<Item<EmbeddedServiceConfig>>(&body);
        let _ = SerdeJson::decode_bytes::<Item<ConfigDocument>>(&body);
        let _ = SerdeJson::decode::<Item<MiawSaved>>(&text);
        let mut s = MiawSession::new(receipts_config(), g.next());
        let _ = s.restore_text(&text, 0);
        if let Ok(Item(Some(saved))) = SerdeJson::decode::<Item<MiawSaved>>(&text) {
            let _ = SerdeJson::encode(&saved);
            let mut s = MiawSession::new(config(), 1);
            let _ = s.restore(saved, 0);
            let _ = s.persist();
        }
    }
}

const EVENT_FIXTURES: &[(&str, &str)] = &[
    ("CONVERSATION_MESSAGE", "event-message.json"),
    ("CONVERSATION_MESSAGE", "event-choices.json"),
    (
        "CONVERSATION_PARTICIPANT_CHANGED",
        "event-participant-changed.json",
    ),
    ("CONVERSATION_ROUTING_RESULT", "event-routing-result.json"),
    (
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "event-typing-started.json",
    ),
    (
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        "event-delivery-acknowledgement.json",
    ),
    (
        "CONVERSATION_READ_ACKNOWLEDGEMENT",
        "event-delivery-acknowledgement.json",
    ),
    (
        "CONVERSATION_CLOSE_CONVERSATION",
        "event-close-conversation.json",
    ),
];

/// A success as the request's endpoint would answer it (its body sometimes mutated), so that
/// sessions get far enough to exercise the stream and the outbox.
fn plausible_answer(g: &mut Rng, url: &str) -> HttpResponse {
    let doc = if url.contains("access-token") {
        Some(fixture_json("token-response.json"))
    } else if url.contains("/entries?") {
        Some(fixture_json("list-entries-response.json"))
    } else {
        None
    };
    let body = match doc {
        Some(d) if g.below(3) == 0 => g.mutate(&d).to_string().into_bytes(),
        Some(d) => d.to_string().into_bytes(),
        None => Vec::new(),
    };
    let status = if url.contains("/conversation") && !url.contains("/conversation/") {
        201
    } else if body.is_empty() {
        202
    } else {
        200
    };
    HttpResponse { status, body }
}

/// Sessions answered with random statuses and bodies, fed random stream chunks and visitor
/// intents, and saved / restored along the way: none panics.
#[test]
fn random_answers_and_streams_never_panic_a_session() {
    let docs = fixtures();
    let mut g = Rng(0x2545_F491_4F6C_DD1D);
    let statuses = [
        200, 201, 202, 204, 400, 401, 404, 405, 408, 413, 415, 417, 429, 500, 503,
    ];
    for round in 0..300 {
        let cfg = if round % 2 == 0 {
            receipts_config()
        } else {
            config()
        };
        let mut h = H::with_seed(cfg.clone(), round);
        if round % 5 == 0 {
            let _ = h.s.restore_text(&fixture("saved-v1.json"), h.now);
        } else {
            h.s.start(routing(), h.now);
        }
        for step in 0..80 {
            h.pump();
            match g.below(10) {
                0..=3 if !h.requests.is_empty() || !h.uploads.is_empty() => {
                    let (id, url) = if !h.uploads.is_empty() && g.below(3) == 0 {
                        let u = h.uploads.remove(0);
                        (u.id, u.url)
                    } else if !h.requests.is_empty() {
                        let i = g.below(h.requests.len());
                        let r = h.requests.remove(i);
                        (r.id, r.url)
                    } else {
                        let u = h.uploads.remove(0);
                        (u.id, u.url)
                    };
                    let result = match g.below(8) {
                        0 => Err(HttpError::Network("offline".into())),
                        1..=3 => Ok(HttpResponse {
                            status: *g.pick(&statuses),
                            body: random_body(&mut g, &docs),
                        }),
                        _ => Ok(plausible_answer(&mut g, &url)),
                    };
                    h.s.handle_http(id, result, h.now);
                }
                4..=6 if !h.streams.is_empty() => {
                    let id = h.streams.last().unwrap().id;
                    let (event, data) = if g.below(3) == 0 {
                        (*g.pick(EVENTS), random_body(&mut g, &docs))
                    } else {
                        let (event, file) = *g.pick(EVENT_FIXTURES);
                        let doc = fixture_json(file);
                        let data = match g.below(3) {
                            0 => doc.to_string(),
                            _ => g.mutate(&doc).to_string(),
                        };
                        (event, data.into_bytes())
                    };
                    let mut chunk = format!("id: x:{step}\nevent: {event}\ndata: ").into_bytes();
                    chunk.extend(data.iter().map(|b| if *b == b'\n' { b' ' } else { *b }));
                    chunk.extend_from_slice(b"\n\n");
                    // Split anywhere.
                    let cut = g.below(chunk.len() + 1);
                    h.s.handle_stream_chunk(id, &chunk[..cut], h.now);
                    h.s.handle_stream_chunk(id, &chunk[cut..], h.now);
                }
                7 => match g.below(8) {
                    0 => {
                        let _ = h.s.send_text("hello", h.now);
                    }
                    1 => {
                        let _ = h.s.send_choice("c1", "opt-1", "Billing", h.now);
                    }
                    2 => {
                        let _ = h.s.send_file(pdf(), Some("cap"), h.now);
                    }
                    3 => h.s.typing(true, h.now),
                    4 => h.s.mark_read(h.now),
                    5 => h.s.set_online(g.below(2) == 0, h.now),
                    6 => h.s.keep_waiting(h.now),
                    _ => {
                        if let Some(id) = h.streams.last().map(|s| s.id) {
                            h.s.handle_stream_closed(id, None, h.now);
                        }
                    }
                },
                8 => {
                    if let Some(d) = h.s.next_deadline() {
                        h.now = h.now.max(d);
                        h.s.handle_timeout(h.now);
                    }
                }
                _ => {
                    // Save and reload mid-way.
                    if let Some(saved) = h.s.persist() {
                        let text = SerdeJson::encode(&saved);
                        let mut k = H::with_seed(cfg.clone(), round + 1000);
                        k.now = h.now;
                        assert!(k.s.restore_text(&text, k.now), "{text}");
                        k.pump();
                        assert_eq!(
                            k.s.persist().map(|s| s.conversation_id),
                            Some(saved.conversation_id)
                        );
                    }
                }
            }
        }
        h.s.end(h.now);
        h.pump();
    }
}
