use chat_core::http::Method;
use chat_core::miaw::wire::*;
use chat_core::Pairs;
use serde_json::{json, Value as J};

fn dep() -> Deployment {
    Deployment {
        base_url: "https://acme.my.salesforce-scrt.com/".into(),
        org_id: "00D5e000000AbCdXXX".into(),
        es_developer_name: "Web_Custom_Client".into(),
        language: None,
    }
}

fn body(r: &chat_core::HttpRequest) -> J {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

fn header<'a>(r: &'a chat_core::HttpRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

const BASE: &str = "https://acme.my.salesforce-scrt.com/iamessage/api/v2";

#[test]
fn guest_and_verified_token_requests() {
    let r = unauthenticated_token::<chat_core::codec::SerdeJson>(&dep(), 1);
    assert_eq!(r.method, Method::Post);
    assert_eq!(
        r.url,
        format!("{BASE}/authorization/unauthenticated/access-token")
    );
    assert_eq!(header(&r, "Authorization"), None);
    assert_eq!(header(&r, "Content-Type"), Some("application/json"));
    assert_eq!(
        body(&r),
        json!({"orgId":"00D5e000000AbCdXXX","esDeveloperName":"Web_Custom_Client","capabilitiesVersion":"1","platform":"Web"})
    );
    let r = authenticated_token::<chat_core::codec::SerdeJson>(&dep(), 2, "id.jwt");
    assert_eq!(
        r.url,
        format!("{BASE}/authorization/authenticated/access-token")
    );
    assert_eq!(body(&r)["authorizationType"], "JWT");
    assert_eq!(body(&r)["customerIdentityToken"], "id.jwt");
    let r = continuation_token::<chat_core::codec::SerdeJson>(&dep(), 3, "tok");
    assert_eq!(r.method, Method::Get);
    assert_eq!(
        r.url,
        format!("{BASE}/authorization/continuation-access-token")
    );
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok"));
    assert_eq!(r.body, None);
}

#[test]
fn create_conversation_request() {
    let mut d = dep();
    d.language = Some("en_US".into());
    let routing: Pairs = [("_firstName".to_string(), "Ada".to_string())]
        .into_iter()
        .collect();
    let r = create_conversation::<chat_core::codec::SerdeJson>(
        &d,
        4,
        "tok",
        "3f6c8a2e-1b4d-4c7a-9e2f-5a6b7c8d9e01",
        &routing,
    );
    assert_eq!(r.url, format!("{BASE}/conversation"));
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok"));
    assert_eq!(
        body(&r),
        json!({"routingAttributes":{"_firstName":"Ada"},"esDeveloperName":"Web_Custom_Client","conversationId":"3f6c8a2e-1b4d-4c7a-9e2f-5a6b7c8d9e01","language":"en_US"})
    );
}

#[test]
fn send_text_and_choice_and_new_session() {
    let c = "3f6c";
    let r = send_message::<chat_core::codec::SerdeJson>(
        &dep(),
        5,
        "tok",
        c,
        "m1",
        &OutgoingContent::Text("Hello, I need help".into()),
        None,
    );
    assert_eq!(r.url, format!("{BASE}/conversation/3f6c/message"));
    assert_eq!(
        body(&r),
        json!({"message":{"id":"m1","messageType":"StaticContentMessage","staticContent":{"formatType":"Text","text":"Hello, I need help"}},"esDeveloperName":"Web_Custom_Client"})
    );
    let routing: Pairs = [("_firstName".to_string(), "Ada".to_string())]
        .into_iter()
        .collect();
    let r = send_message::<chat_core::codec::SerdeJson>(
        &dep(),
        6,
        "tok",
        c,
        "m1",
        &OutgoingContent::Text("x".into()),
        Some(&routing),
    );
    assert_eq!(body(&r)["isNewMessagingSession"], true);
    assert_eq!(body(&r)["routingAttributes"], json!({"_firstName":"Ada"}));
    let r = send_message::<chat_core::codec::SerdeJson>(
        &dep(),
        7,
        "tok",
        c,
        "m2",
        &OutgoingContent::Choice {
            in_reply_to: "cm".into(),
            option_identifier: "opt-1".into(),
        },
        None,
    );
    assert_eq!(
        body(&r)["message"],
        json!({"id":"m2","messageType":"ChoicesResponseMessage","inReplyToMessageId":"cm","choicesResponse":{"formatType":"Selections","selectedOptions":[{"optionIdentifier":"opt-1"}]}})
    );
}

#[test]
fn typing_close_end_list_sse() {
    let r = typing::<chat_core::codec::SerdeJson>(&dep(), 8, "tok", "c1", "e1", true);
    assert_eq!(r.url, format!("{BASE}/conversation/c1/entry"));
    assert_eq!(
        body(&r),
        json!({"entryType":"TypingStartedIndicator","id":"e1"})
    );
    let r = typing::<chat_core::codec::SerdeJson>(&dep(), 8, "tok", "c1", "e2", false);
    assert_eq!(
        body(&r),
        json!({"entryType":"TypingStoppedIndicator","id":"e2"})
    );
    let r = close_conversation(&dep(), 9, "tok", "c1");
    assert_eq!(r.method, Method::Delete);
    assert_eq!(
        r.url,
        format!("{BASE}/conversation/c1?esDeveloperName=Web_Custom_Client")
    );
    let r = end_session(&dep(), 10, "tok", "c1");
    assert_eq!(
        r.url,
        format!("{BASE}/conversation/c1/session?esDeveloperName=Web_Custom_Client")
    );
    let r = list_entries(&dep(), 11, "tok", "c1", 100);
    assert!(r
        .url
        .starts_with(&format!("{BASE}/conversation/c1/entries?limit=50&")));
    let r = sse(&dep(), 12, "tok", Some("0"), 1732262400000);
    assert_eq!(
        r.url,
        "https://acme.my.salesforce-scrt.com/eventrouter/v1/sse?_ts=1732262400000"
    );
    assert_eq!(header(&r, "Accept"), Some("text/event-stream"));
    assert_eq!(header(&r, "Authorization"), Some("Bearer tok"));
    assert_eq!(header(&r, "X-Org-Id"), Some("00D5e000000AbCd"));
    assert_eq!(header(&r, "Last-Event-Id"), Some("0"));
    let r = sse(&dep(), 13, "tok", None, 1);
    assert_eq!(header(&r, "Last-Event-Id"), None);
}

#[test]
fn token_and_error_bodies() {
    let t = parse_token::<chat_core::codec::SerdeJson>(
        br#"{"accessToken":"eyJ","lastEventId":"0","context":{}}"#,
    )
    .unwrap();
    assert_eq!(t.access_token, "eyJ");
    assert_eq!(t.last_event_id.as_deref(), Some("0"));
    assert!(parse_token::<chat_core::codec::SerdeJson>(b"{}").is_err());
    assert!(parse_token::<chat_core::codec::SerdeJson>(b"nope").is_err());
    assert_eq!(
        error_message::<chat_core::codec::SerdeJson>(br#"{"message":"Jwt is expired"}"#).as_deref(),
        Some("Jwt is expired")
    );
    assert_eq!(
        error_message::<chat_core::codec::SerdeJson>(b"<html>"),
        None
    );
}

fn envelope(entry_type: &str, payload: J, role: &str, name: &str, related: J) -> String {
    json!({
        "channelPlatformKey": "k",
        "channelType": "embedded_messaging",
        "channelAddressIdentifier": "0Mj",
        "conversationId": "conv",
        "conversationEntry": {
            "identifier": payload["id"],
            "entryType": entry_type,
            "entryPayload": payload.to_string(),
            "sender": {"role": role, "appType": "agent", "subject": "s"},
            "senderDisplayName": name,
            "clientTimestamp": 1732262405000u64,
            "transcriptedTimestamp": 1732262405123u64,
            "relatedRecords": related
        }
    })
    .to_string()
}

fn entry(p: Parsed) -> Entry {
    match p {
        Parsed::Entry(e) => e,
        Parsed::Skip { event, reason } => panic!("skipped {event}: {reason}"),
    }
}

#[test]
fn text_message_from_spec() {
    let payload = json!({"entryType":"Message","id":"a1","abstractMessage":{"messageType":"StaticContentMessage","inReplyToMessageId":null,"id":"a1","references":[],"staticContent":{"formatType":"Text","text":"Hi Ada, how can I help?"}},"messageReason":null});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_MESSAGE",
        &envelope("Message", payload, "Agent", "Jane", json!([])),
    ));
    assert_eq!(e.conversation_id.as_deref(), Some("conv"));
    assert_eq!(e.identifier, "a1");
    assert_eq!(e.role, Role::Agent);
    assert_eq!(e.sender_name.as_deref(), Some("Jane"));
    assert_eq!(e.timestamp, Some(1732262405123));
    assert_eq!(
        e.kind,
        EntryKind::Message {
            message_id: "a1".into(),
            in_reply_to: None,
            content: MessageContent::Text("Hi Ada, how can I help?".into())
        }
    );
}

#[test]
fn choices_buttons_and_quick_replies() {
    for (fmt, expect) in [
        ("Buttons", ChoicesFormat::Buttons),
        ("QuickReplies", ChoicesFormat::QuickReplies),
    ] {
        let payload = json!({"entryType":"Message","id":"c1","abstractMessage":{"messageType":"ChoicesMessage","id":"c1","choices":{"formatType":fmt,"text":"Pick one","optionItems":[
            {"itemType":"TitleOptionItem","optionIdentifier":"opt-1","optionId":"x","titleItem":{"itemType":"TitleItem","title":"Billing"}},
            {"itemType":"TitleOptionItem","optionIdentifier":"opt-2","titleItem":{"title":"Tech"}}]}}});
        let e = entry(parse_event::<chat_core::codec::SerdeJson>(
            "CONVERSATION_MESSAGE",
            &envelope("Message", payload, "Agent", "Jane", json!([])),
        ));
        assert_eq!(
            e.kind,
            EntryKind::Message {
                message_id: "c1".into(),
                in_reply_to: None,
                content: MessageContent::Choices {
                    format: expect,
                    text: "Pick one".into(),
                    options: vec![
                        ChoiceOption {
                            identifier: "opt-1".into(),
                            title: "Billing".into()
                        },
                        ChoiceOption {
                            identifier: "opt-2".into(),
                            title: "Tech".into()
                        },
                    ]
                }
            }
        );
    }
}

#[test]
fn attachments_message() {
    let payload = json!({"entryType":"Message","id":"f1","abstractMessage":{"messageType":"StaticContentMessage","id":"f1","staticContent":{"formatType":"Attachments","text":null,"attachments":[{"contentLength":4,"id":"u1","mimeType":"application/pdf","name":"label.pdf","url":"http://x/files/u1"}]}}});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_MESSAGE",
        &envelope("Message", payload, "Agent", "Jane", json!([])),
    ));
    let EntryKind::Message {
        content: MessageContent::Attachments { text, files },
        ..
    } = e.kind
    else {
        panic!()
    };
    assert_eq!(text, None);
    assert_eq!(
        files,
        vec![Attachment {
            id: Some("u1".into()),
            name: "label.pdf".into(),
            size: Some(4),
            mime_type: Some("application/pdf".into()),
            url: Some("http://x/files/u1".into())
        }]
    );
}

#[test]
fn participant_changes() {
    let payload = json!({"entryType":"ParticipantChanged","id":"p1","entries":[{"operation":"add","displayName":"Jane Agent","participant":{"role":"Agent"}},{"operation":"remove","displayName":"","participant":{"role":"Chatbot"}}]});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_PARTICIPANT_CHANGED",
        &envelope(
            "ParticipantChanged",
            payload,
            "System",
            "Automated Process",
            json!([]),
        ),
    ));
    assert_eq!(
        e.kind,
        EntryKind::ParticipantChanged(vec![
            ParticipantChange {
                joined: true,
                display_name: "Jane Agent".into(),
                role: Role::Agent
            },
            ParticipantChange {
                joined: false,
                display_name: "Chatbot".into(),
                role: Role::Chatbot
            },
        ])
    );
}

#[test]
fn routing_results() {
    let payload = json!({"entryType":"RoutingResult","id":"r1","routingType":"Initial","failureType":"None","estimatedWaitTime":{"estimatedWaitTimeInSeconds":45,"isEWTRequested":true}});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_ROUTING_RESULT",
        &envelope("RoutingResult", payload, "Router", "", json!([])),
    ));
    assert_eq!(e.sender_name, None);
    assert_eq!(
        e.kind,
        EntryKind::RoutingResult(RoutingResult {
            transfer: false,
            failure: None,
            failure_reason: None,
            estimated_wait_secs: Some(45)
        })
    );
    let payload = json!({"entryType":"RoutingResult","id":"r2","routingType":"Transfer","failureType":"RoutingError","failureReason":"No agents"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_ROUTING_RESULT",
        &envelope("RoutingResult", payload, "Router", "", json!([])),
    ));
    assert_eq!(
        e.kind,
        EntryKind::RoutingResult(RoutingResult {
            transfer: true,
            failure: Some("RoutingError".into()),
            failure_reason: Some("No agents".into()),
            estimated_wait_secs: None
        })
    );
}

#[test]
fn acknowledgements_prefer_related_records() {
    let payload = json!({"entryType":"DeliveryAcknowledgement","id":"d1","acknowledgedConversationEntryIdentifier":"other","acknowledgementTimestamp":1732262406000u64});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        &envelope(
            "DeliveryAcknowledgement",
            payload,
            "Agent",
            "Jane",
            json!(["6e0c"]),
        ),
    ));
    assert_eq!(
        e.kind,
        EntryKind::Delivered {
            message_id: "6e0c".into(),
            timestamp: Some(1732262406000)
        }
    );
    let payload = json!({"entryType":"ReadAcknowledgement","id":"d2","acknowledgedConversationEntryIdentifier":"fallback"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_READ_ACKNOWLEDGEMENT",
        &envelope("ReadAcknowledgement", payload, "Agent", "Jane", json!([])),
    ));
    assert_eq!(
        e.kind,
        EntryKind::Read {
            message_id: "fallback".into(),
            timestamp: None
        }
    );
    let payload = json!({"entryType":"ReadAcknowledgement","id":"d3"});
    assert!(matches!(
        parse_event::<chat_core::codec::SerdeJson>(
            "CONVERSATION_READ_ACKNOWLEDGEMENT",
            &envelope("ReadAcknowledgement", payload, "Agent", "Jane", json!([]))
        ),
        Parsed::Skip { .. }
    ));
}

#[test]
fn typing_close_session_status() {
    let p = json!({"entryType":"TypingStartedIndicator","id":"t1"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        &envelope("TypingStartedIndicator", p, "Agent", "Jane", json!([])),
    ));
    assert_eq!(e.kind, EntryKind::TypingStarted);
    assert_eq!(e.sender_name.as_deref(), Some("Jane"));
    let p = json!({"entryType":"TypingStoppedIndicator","id":"t2"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
        &envelope("TypingStoppedIndicator", p, "Agent", "Jane", json!([])),
    ));
    assert_eq!(e.kind, EntryKind::TypingStopped);
    let p = json!({"entryType":"CloseConversation","id":"x","conversationId":"conv"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_CLOSE_CONVERSATION",
        &envelope("CloseConversation", p, "System", "", json!([])),
    ));
    assert_eq!(e.kind, EntryKind::Closed);
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_CLOSE_CONVERSATION",
        r#"{"conversationId":"conv"}"#,
    ));
    assert_eq!(e.kind, EntryKind::Closed);
    let p = json!({"entryType":"SessionStatusChanged","id":"s","changedStatus":"Ended"});
    let e = entry(parse_event::<chat_core::codec::SerdeJson>(
        "CONVERSATION_SESSION_STATUS_CHANGED",
        &envelope("SessionStatusChanged", p, "System", "", json!([])),
    ));
    assert_eq!(e.kind, EntryKind::SessionStatus("Ended".into()));
}

#[test]
fn unknown_and_malformed_are_skips() {
    let cases: Vec<(&str, String)> = vec![
        ("ping", "{}".into()),
        ("CONVERSATION_STREAMING_TOKEN", "{}".into()),
        ("CONVERSATION_MESSAGE", "not json".into()),
        ("CONVERSATION_MESSAGE", "[]".into()),
        (
            "CONVERSATION_MESSAGE",
            r#"{"conversationEntry":{"entryPayload":"{bad"}}"#.into(),
        ),
        (
            "CONVERSATION_MESSAGE",
            r#"{"conversationEntry":{"entryPayload":"{}"}}"#.into(),
        ),
        (
            "CONVERSATION_MESSAGE",
            r#"{"conversationEntry":{"entryPayload":42}}"#.into(),
        ),
        (
            "CONVERSATION_MESSAGE",
            r#"{"conversationEntry":"x"}"#.into(),
        ),
        (
            "CONVERSATION_MESSAGE",
            envelope(
                "Message",
                json!({"id":"1","abstractMessage":{"messageType":"FormMessage"}}),
                "Agent",
                "J",
                json!([]),
            ),
        ),
        (
            "CONVERSATION_MESSAGE",
            envelope(
                "Message",
                json!({"id":"1","abstractMessage":{"messageType":"StaticContentMessage","staticContent":{"formatType":"RichLink"}}}),
                "Agent",
                "J",
                json!([]),
            ),
        ),
        (
            "CONVERSATION_MESSAGE",
            envelope(
                "Message",
                json!({"id":"1","abstractMessage":{"messageType":"StaticContentMessage","staticContent":{"formatType":"Text"}}}),
                "Agent",
                "J",
                json!([]),
            ),
        ),
        (
            "CONVERSATION_MESSAGE",
            envelope(
                "Message",
                json!({"id":"1","abstractMessage":{"messageType":"ChoicesMessage","choices":{"formatType":"Buttons","optionItems":[]}}}),
                "Agent",
                "J",
                json!([]),
            ),
        ),
        (
            "CONVERSATION_PARTICIPANT_CHANGED",
            envelope(
                "ParticipantChanged",
                json!({"id":"1"}),
                "System",
                "",
                json!([]),
            ),
        ),
        (
            "CONVERSATION_PARTICIPANT_CHANGED",
            envelope(
                "ParticipantChanged",
                json!({"id":"1","entries":[{"operation":"weird"}]}),
                "System",
                "",
                json!([]),
            ),
        ),
    ];
    for (ev, data) in cases {
        assert!(
            matches!(
                parse_event::<chat_core::codec::SerdeJson>(ev, &data),
                Parsed::Skip { .. }
            ),
            "{ev} {data}"
        );
    }
}

#[test]
fn list_entries_accepts_object_payloads_oldest_first() {
    let body = json!({"conversationEntries":[
        {"identifier":"m2","entryType":"Message","entryPayload":{"entryType":"Message","id":"m2","abstractMessage":{"messageType":"StaticContentMessage","id":"m2","staticContent":{"formatType":"Text","text":"second"}}},"sender":{"role":"Agent"},"senderDisplayName":"Jane","clientTimestamp":2,"transcriptedTimestamp":2,"relatedRecords":[]},
        {"identifier":"m1","entryType":"Message","entryPayload":"{\"entryType\":\"Message\",\"id\":\"m1\",\"abstractMessage\":{\"messageType\":\"StaticContentMessage\",\"id\":\"m1\",\"staticContent\":{\"formatType\":\"Text\",\"text\":\"first\"}}}","sender":{"role":"EndUser"},"senderDisplayName":"Guest","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]},
        {"identifier":"x","entryType":"Weird","entryPayload":{}}
    ]});
    let out = parse_entries::<chat_core::codec::SerdeJson>(body.to_string().as_bytes()).unwrap();
    assert!(matches!(out[0], Parsed::Skip { .. }));
    assert_eq!(entry(out[1].clone()).identifier, "m1");
    assert_eq!(entry(out[1].clone()).role, Role::EndUser);
    assert_eq!(entry(out[2].clone()).identifier, "m2");
    assert!(parse_entries::<chat_core::codec::SerdeJson>(b"{}").is_err());
}
