//! Golden files of the payloads the emulator emits (normalised), checked against the spec's
//! examples (every field the spec shows must be present with the same JSON kind).

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Spec examples (miaw.md §4.1, §5.4, §5.5, §6) reduced to their shapes.
fn miaw_spec() -> Vec<(&'static str, Value)> {
    vec![
        (
            "envelope",
            json!({"channelPlatformKey": "…", "channelType": "embedded_messaging", "channelAddressIdentifier": "…", "conversationId": "…",
            "conversationEntry": {"identifier": "…", "entryType": "Message", "entryPayload": "…", "sender": {"role": "Agent", "appType": "…", "subject": "…"}, "senderDisplayName": "Jane", "clientTimestamp": 1, "transcriptedTimestamp": 1, "relatedRecords": []}}),
        ),
        (
            "Message",
            json!({"entryType": "Message", "id": "…", "abstractMessage": {"messageType": "StaticContentMessage", "inReplyToMessageId": null, "id": "…", "references": [], "staticContent": {"formatType": "Text", "text": "…"}}, "messageReason": null}),
        ),
        (
            "ParticipantChanged",
            json!({"entryType": "ParticipantChanged", "id": "…", "entries": [{"operation": "add", "displayName": "Jane Agent", "participant": {"role": "Agent", "appType": "…", "subject": "…", "clientIdentifier": "…"}, "menuMetadata": null}]}),
        ),
        (
            "RoutingResult",
            json!({"entryType": "RoutingResult", "id": "…", "routingType": "Initial", "failureType": "None", "failureReason": null, "errorMessages": [], "recordId": "…", "pendingServiceRoutingId": "…", "workOwnerId": null, "isExternallyRouted": false, "skipRouterCPRemovalIfNoRoutingFailures": false, "estimatedWaitTime": {"estimatedWaitTimeInSeconds": 45, "isEWTRequested": true}, "routingConfigurationDetails": {"routingConfigurationType": "…", "queueId": "…"}}),
        ),
        (
            "DeliveryAcknowledgement",
            json!({"entryType": "DeliveryAcknowledgement", "id": "…", "acknowledgedConversationEntryIdentifier": "…", "acknowledgementTimestamp": 1}),
        ),
        (
            "TypingStartedIndicator",
            json!({"entryType": "TypingStartedIndicator", "id": "…"}),
        ),
        (
            "ChoicesMessage",
            json!({"messageType": "ChoicesMessage", "id": "…", "choices": {"formatType": "Buttons", "text": "Pick one", "optionItems": [{"itemType": "TitleOptionItem", "optionIdentifier": "opt-1", "optionId": "…", "titleItem": {"itemType": "TitleItem", "title": "Billing", "subTitle": null, "secondarySubTitle": null, "tertiarySubTitle": null, "referenceId": "…"}}]}}),
        ),
    ]
}

fn spec(name: &str) -> Value {
    miaw_spec().into_iter().find(|(n, _)| *n == name).unwrap().1
}

#[tokio::test]
async fn miaw_golden_payloads() {
    let e = start().await;
    let tok = e.token().await;
    assert_shape(
        &json!({"accessToken": "…", "lastEventId": "0", "context": {"deviceId": "…", "configuration": {"embeddedServiceConfig": {"name": "…", "deploymentType": "api", "embeddedServiceMessagingChannel": {"channelAddressIdentifier": "…", "authMode": "…"}, "forms": [{"displayContext": "Conversation", "formFields": [{"name": "_firstName", "order": 1, "isHidden": false, "required": true, "type": "Text", "maxLength": 40}]}]}}}}),
        &tok,
        "token",
    );
    golden("miaw/access-token-response", &normalize(&tok, &e.base));
    let jwt = tok["accessToken"].as_str().unwrap().to_string();
    let mut sse = e.sse(&jwt, None).await;
    let conv = e.create_conv(&jwt).await;
    let (_, mid) = e.send_text(&jwt, &conv, "Hello, I need help").await;
    let c = |p: &str| format!("/control/conversations/{conv}/{p}");
    e.control("POST", &c("accept"), json!({"agentId": JANE}))
        .await;
    e.control("POST", &c("typing"), json!({"typing": true}))
        .await;
    e.control("POST", &c("typing"), json!({"typing": false}))
        .await;
    e.control(
        "POST",
        &c("messages"),
        json!({"text": "Hi Ada, how can I help?"}),
    )
    .await;
    e.control(
        "POST",
        &c("choices"),
        json!({"text": "Pick one", "choices": [{"title": "Billing", "optionIdentifier": "opt-1"}]}),
    )
    .await;
    e.control("POST", &c("files"), json!({"fileName": "label.pdf", "mimeType": "application/pdf", "contentBase64": "JVBERg=="})).await;
    e.control("POST", &c("end"), json!({})).await;
    e.miaw(
        Method::DELETE,
        &format!("/conversation/{conv}?esDeveloperName={ES}"),
        &jwt,
    )
    .send()
    .await
    .unwrap();

    let mut events = Vec::new();
    loop {
        let f = sse.next_event().await.unwrap();
        let done = f.event.as_deref() == Some("CONVERSATION_CLOSE_CONVERSATION");
        events.push(f);
        if done {
            break;
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for f in &events {
        let name = f.event.clone().unwrap();
        let env = f.json();
        assert_shape(&spec("envelope"), &env, &name);
        let p = f.payload();
        let ty = p["entryType"].as_str().unwrap().to_string();
        assert_eq!(env["conversationEntry"]["entryType"], ty);
        match ty.as_str() {
            "Message" => {
                let am = &p["abstractMessage"];
                if am["messageType"] == "ChoicesMessage" {
                    assert_shape(&spec("ChoicesMessage"), am, "choices");
                } else if am["staticContent"]["formatType"] == "Text" {
                    assert_shape(&spec("Message"), &p, "message");
                }
            }
            "ParticipantChanged" | "RoutingResult" | "DeliveryAcknowledgement" => {
                assert_shape(&spec(&ty), &p, &ty)
            }
            "ReadAcknowledgement" => assert_shape(&spec("DeliveryAcknowledgement"), &p, &ty),
            "TypingStartedIndicator" | "TypingStoppedIndicator" => {
                assert_shape(&spec("TypingStartedIndicator"), &p, &ty)
            }
            _ => {}
        }
        if ty.ends_with("Acknowledgement") {
            assert_eq!(env["conversationEntry"]["relatedRecords"][0], mid);
        }
        let n = counts.entry(name.clone()).or_insert(0);
        *n += 1;
        let file = format!("miaw/sse-{}-{}", name, n);
        let mut norm = normalize(&env, &e.base);
        norm["entryPayloadParsed"] = normalize(&p, &e.base);
        golden(&file, &json!({"event": name, "data": norm}));
    }
    for name in [
        "CONVERSATION_ROUTING_RESULT",
        "CONVERSATION_MESSAGE",
        "CONVERSATION_PARTICIPANT_CHANGED",
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        "CONVERSATION_READ_ACKNOWLEDGEMENT",
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
        "CONVERSATION_SESSION_STATUS_CHANGED",
        "CONVERSATION_CLOSE_CONVERSATION",
    ] {
        assert!(counts.contains_key(name), "no {name} in {counts:?}");
    }
    let v: Value = e
        .miaw(
            Method::GET,
            &format!("/conversation/{conv}/entries?limit=50&direction=FromStart"),
            &jwt,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    golden("miaw/list-entries", &normalize(&v, &e.base));
    let v: Value = e
        .miaw(Method::GET, "/conversation/list?inclClosedConvs=true", &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_shape(
        &json!({"openConversationsFound": 1, "closedConversationsFound": 0, "conversations": [{"conversationId": "…", "startTimestamp": 1}]}),
        &v,
        "list",
    );
    golden("miaw/list-conversations", &normalize(&v, &e.base));
}

#[tokio::test]
async fn live_agent_golden_payloads() {
    let e = start().await;
    let mut s = e.la_session().await;
    let r = e
        .http
        .get(e.url("/chat/rest/System/SessionId"))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .header("X-LIVEAGENT-AFFINITY", "null")
        .send()
        .await
        .unwrap();
    let sid: Value = r.json().await.unwrap();
    assert_shape(
        &json!({"key": "…", "id": "…", "clientPollTimeout": 40, "affinityToken": "…"}),
        &sid,
        "SessionId",
    );
    golden("live-agent/session-id", &normalize(&sid, &e.base));
    let body = init_body(&s);
    let r = e.la_init(&mut s, body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "OK");
    let mut all = e.poll_until(&mut s, "ChatRequestSuccess", 3).await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/accept", s.id),
        json!({"agentId": JANE}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/typing", s.id),
        json!({"typing": true}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/messages", s.id),
        json!({"text": "Let me check that for you."}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/typing", s.id),
        json!({"typing": false}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/transfer", s.id),
        json!({"toAgentId": MARK}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/idle", s.id),
        json!({"state": "triggered"}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/leave", s.id),
        json!({}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/accept", s.id),
        json!({"agentId": JANE}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{}/end", s.id),
        json!({}),
    )
    .await;
    all.extend(e.poll_until(&mut s, "ChatEnded", 3).await);
    let spec: Vec<(&str, Value)> = vec![
        (
            "ChatRequestSuccess",
            json!({"queuePosition": 1, "geoLocation": {"countryCode": "…", "countryName": "…", "organization": "…", "latitude": 1.5, "longitude": 1.5}, "url": "", "oref": "", "postChatUrl": "", "customDetails": [], "visitorId": "…", "connectionTimeout": 150000, "sensitiveDataRules": [], "transcriptSaveEnabled": false}),
        ),
        ("QueueUpdate", json!({"position": 0})),
        (
            "ChatEstablished",
            json!({"name": "Jane", "userId": "…", "items": [], "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": false}}),
        ),
        (
            "ChatMessage",
            json!({"name": "Jane", "text": "…", "agentId": "…", "schedule": {"responseDelayMilliseconds": 0}}),
        ),
        ("AgentTyping", json!({"name": "Jane", "agentId": "…"})),
        ("AgentNotTyping", json!({"name": "Jane", "agentId": "…"})),
        (
            "ChatTransferred",
            json!({"name": "…", "userId": "…", "sneakPeekEnabled": true, "chasitorIdleTimeout": {"isEnabled": false}}),
        ),
        (
            "ChasitorIdleTimeoutWarningEvent",
            json!({"idleTimeoutWarningEvent": "triggered"}),
        ),
        ("AgentDisconnect", json!({})),
        (
            "ChatEnded",
            json!({"reason": "agent", "attachedRecords": []}),
        ),
    ];
    for (ty, shape) in &spec {
        let m = all
            .iter()
            .find(|m| m["type"] == *ty)
            .unwrap_or_else(|| panic!("no {ty} in {all:?}"));
        assert_shape(shape, &m["message"], ty);
        golden(&format!("live-agent/message-{ty}"), &normalize(m, &e.base));
    }
    // Availability.
    let r = e
        .http
        .get(e.url(&format!("/chat/rest/Visitor/Availability?org_id={ORG}&deployment_id={DEP}&Availability.ids=[{BUTTON},5735e000000AbCe]&Availability.prefix=Visitor")))
        .header("X-LIVEAGENT-API-VERSION", "43")
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_shape(
        &json!({"messages": [{"type": "Availability", "message": {"results": [{"id": "…", "isAvailable": true}]}}]}),
        &v,
        "Availability",
    );
    golden("live-agent/availability", &v);
}
