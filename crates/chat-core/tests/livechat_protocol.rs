//! Live Chat session: session creation, the long poll and every message type and status code,
//! scripted with a fake clock.

#[path = "livechat_support.rs"]
mod support;

use chat_core::http::Method;
use chat_core::livechat::{EndReason, EntityMap, FailReason, LiveChatEvent, Phase, PrechatDetail};
use serde_json::json;
use support::*;

#[test]
fn session_id_then_chasitor_init_with_prechat_then_poll() {
    let mut c = config();
    c.endpoint = "https://relay.example.com/chat/rest/".into();
    c.prechat_details = vec![
        PrechatDetail {
            label: "E-mail Address".into(),
            value: "ada@example.com".into(),
            entity_maps: vec![EntityMap {
                entity_name: "Contact".into(),
                field_name: "Email".into(),
            }],
            transcript_fields: vec!["Email__c".into()],
            display_to_agent: true,
            do_knowledge_search: false,
        },
        PrechatDetail::new("Page", "https://shop.example.com/cart"),
    ];
    c.prechat_entities = vec![contact_entity()];
    let mut h = H::new(c);
    assert_eq!(h.s.phase(), Phase::Idle);
    h.start();
    let r = h.req("/System/SessionId");
    assert_eq!(
        r.url,
        "https://relay.example.com/chat/rest/System/SessionId"
    );
    assert_eq!(r.method, Method::Get);
    assert_eq!(header(&r, "X-LIVEAGENT-API-VERSION"), Some("52"));
    assert_eq!(header(&r, "X-LIVEAGENT-AFFINITY"), Some("null"));
    assert_eq!(header(&r, "X-LIVEAGENT-SESSION-KEY"), None);
    assert_eq!(header(&r, "X-LIVEAGENT-SEQUENCE"), None);
    h.reply_json(
        &r,
        200,
        json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "878a1fa0"}),
    );
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::SessionCreated {
            session_id: SID.into()
        }]
    );
    assert_eq!(h.s.session_id(), Some(SID));

    let init = h.req("/Chasitor/ChasitorInit");
    assert_eq!(init.method, Method::Post);
    assert_eq!(header(&init, "X-LIVEAGENT-AFFINITY"), Some("878a1fa0"));
    assert_eq!(header(&init, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
    assert_eq!(seq(&init), 1);
    assert_eq!(
        body(&init),
        json!({
            "organizationId": "00D5e000000AbCd",
            "deploymentId": "5725e000000AbCd",
            "buttonId": "5735e000000AbCd",
            "sessionId": SID,
            "userAgent": "Mozilla/5.0 test",
            "language": "en-US",
            "screenResolution": "1920x1080",
            "visitorName": "Ada",
            "prechatDetails": [
                {"label": "E-mail Address", "value": "ada@example.com",
                 "entityMaps": [{"entityName": "Contact", "fieldName": "Email"}],
                 "transcriptFields": ["Email__c"], "displayToAgent": true, "doKnowledgeSearch": false},
                {"label": "Page", "value": "https://shop.example.com/cart", "entityMaps": [],
                 "transcriptFields": [], "displayToAgent": true, "doKnowledgeSearch": false}
            ],
            "prechatEntities": [
                {"entityName": "Contact", "showOnCreate": true, "linkToEntityName": "Case",
                 "linkToEntityField": "ContactId", "saveToTranscript": "ContactId",
                 "entityFieldsMaps": [{"fieldName": "Email", "label": "E-mail Address",
                                       "doFind": true, "isExactMatch": true, "doCreate": true}]}
            ],
            "receiveQueueUpdates": true,
            "isPost": true
        })
    );
    // No poll before the chat was requested.
    assert!(!h.has("/System/Messages"));
    h.reply(&init, 200, "OK");
    assert_eq!(h.s.phase(), Phase::Requesting);

    let p = h.req("/System/Messages");
    assert!(p.url.ends_with("/System/Messages?ack=-1"), "{}", p.url);
    assert_eq!(header(&p, "X-LIVEAGENT-AFFINITY"), Some("878a1fa0"));
    assert_eq!(header(&p, "X-LIVEAGENT-SESSION-KEY"), Some(KEY));
    assert_eq!(header(&p, "X-LIVEAGENT-SEQUENCE"), None);
    h.poll_reply(
        1,
        json!([{"type": "ChatRequestSuccess", "message": {"queuePosition": 3, "estimatedWaitTime": 45, "connectionTimeout": 150000, "visitorId": "v"}}]),
    );
    assert_eq!(h.s.phase(), Phase::Queued);
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::QueueStatus {
            position: Some(3),
            estimated_wait_secs: Some(45)
        }]
    );
    // ack = the previous 200's sequence.
    assert!(h.req("/System/Messages").url.ends_with("?ack=1"));
    h.poll_reply(
        3,
        json!([
            {"type": "QueueUpdate", "message": {"position": 1, "estimatedWaitTime": -1}},
            {"type": "QueueUpdate", "message": {"position": 0, "estimatedWaitTime": 0}},
            {"type": "ChatEstablished", "message": {"name": "Jane", "userId": "0055e000001JaNe", "items": [], "sneakPeekEnabled": true, "chasitorIdleTimeout": {"isEnabled": false}}}
        ]),
    );
    assert_eq!(
        h.take_events(),
        vec![
            LiveChatEvent::QueueStatus {
                position: Some(1),
                estimated_wait_secs: None
            },
            LiveChatEvent::QueueStatus {
                position: Some(0),
                estimated_wait_secs: Some(0)
            },
            LiveChatEvent::AgentJoined {
                name: "Jane".into(),
                user_id: "0055e000001JaNe".into(),
                sneak_peek_enabled: true
            },
        ]
    );
    assert_eq!(h.s.phase(), Phase::Chatting);
    assert_eq!(h.s.agent_name(), Some("Jane"));
    assert!(h.s.sneak_peek_enabled());
    assert!(h.req("/System/Messages").url.ends_with("?ack=3"));
}

#[test]
fn endpoint_forms_all_reach_chat_rest() {
    for endpoint in [
        "https://d.la1-c2-ord.salesforceliveagent.com",
        "https://d.la1-c2-ord.salesforceliveagent.com/",
        "https://d.la1-c2-ord.salesforceliveagent.com/chat",
        "https://d.la1-c2-ord.salesforceliveagent.com/chat/rest/",
    ] {
        let mut c = config();
        c.endpoint = endpoint.into();
        assert_eq!(
            c.url("System/SessionId"),
            "https://d.la1-c2-ord.salesforceliveagent.com/chat/rest/System/SessionId"
        );
    }
}

#[test]
fn no_content_polls_again_with_the_same_ack() {
    let mut h = H::established(config(), false);
    let r = h.answer("/System/Messages", 204, "");
    assert!(r.url.ends_with("?ack=2"));
    let again = h.req("/System/Messages");
    assert!(again.url.ends_with("?ack=2"));
    assert_ne!(again.id, r.id);
    assert!(h.take_events().is_empty());
}

#[test]
fn availability_unavailable_creates_no_session() {
    let mut c = config();
    c.check_availability = true;
    let mut h = H::new(c);
    h.start();
    assert_eq!(h.s.phase(), Phase::CheckingAvailability);
    let r = h.req("/Visitor/Availability");
    assert!(r.url.contains("org_id=00D5e000000AbCd"));
    assert!(r.url.contains("deployment_id=5725e000000AbCd"));
    assert!(r.url.contains("Availability.ids=[5735e000000AbCd]"));
    assert_eq!(header(&r, "X-LIVEAGENT-API-VERSION"), Some("52"));
    assert_eq!(header(&r, "X-LIVEAGENT-SESSION-KEY"), None);
    // Not available: the entity comes without `isAvailable`.
    h.reply_json(
        &r,
        200,
        json!({"messages": [{"type": "Availability", "message": {"results": [{"id": "5735e000000AbCd"}]}}]}),
    );
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::Ended {
            reason: EndReason::NoAgentAvailable
        }]
    );
    assert!(h.inflight.is_empty());
    assert!(h.started_matching("/System/SessionId").is_empty());
    assert_eq!(h.s.next_deadline(), None);
    assert_eq!(h.s.persist(), None);
}

#[test]
fn availability_available_goes_on_to_the_session() {
    let mut c = config();
    c.check_availability = true;
    let mut h = H::new(c);
    h.start();
    h.answer(
        "/Visitor/Availability",
        200,
        &json!({"messages": [{"type": "Availability", "message": {"results": [{"id": "5735e000000AbCd", "isAvailable": true}]}}]}).to_string(),
    );
    assert_eq!(h.s.phase(), Phase::CreatingSession);
    h.req("/System/SessionId");
}

#[test]
fn every_agent_side_message_type_becomes_an_event() {
    let mut h = H::established(config(), false);
    h.poll_reply(
        12,
        json!([
            {"type": "AgentTyping", "message": {"name": "Jane", "agentId": "0055e000001JaNe"}},
            {"type": "ChatMessage", "message": {"name": "Jane", "text": "Let me check.", "agentId": "0055e000001JaNe", "schedule": {"responseDelayMilliseconds": 0}}},
            {"type": "AgentNotTyping", "message": {}},
            {"type": "ChasitorIdleTimeoutWarningEvent", "message": {"idleTimeoutWarningEvent": "triggered"}},
            {"type": "ChasitorIdleTimeoutWarningEvent", "message": {"idleTimeoutWarningEvent": "cleared"}},
            {"type": "ChatTransferred", "message": {"name": "Mark", "userId": "0055e000001MaRk", "sneakPeekEnabled": true, "chasitorIdleTimeout": {"isEnabled": false}}},
            {"type": "AgentDisconnect"},
            {"type": "CustomEvent", "message": {"type": "Cobrowse", "data": "x"}},
            {"type": "ChasitorSessionData", "message": {"queuePosition": 0, "chatMessages": [
                {"type": "Agent", "name": "Jane", "content": "Hi", "timestamp": 1, "sequence": 1}]}},
        ]),
    );
    assert_eq!(
        h.take_events_no_log(),
        vec![
            LiveChatEvent::AgentTyping { typing: true },
            LiveChatEvent::AgentMessage {
                name: "Jane".into(),
                text: "Let me check.".into(),
                agent_id: "0055e000001JaNe".into()
            },
            LiveChatEvent::AgentTyping { typing: false },
            LiveChatEvent::IdleTimeoutWarning { triggered: true },
            LiveChatEvent::IdleTimeoutWarning { triggered: false },
            LiveChatEvent::AgentTransferred {
                name: "Mark".into(),
                user_id: "0055e000001MaRk".into(),
                sneak_peek_enabled: true
            },
            LiveChatEvent::AgentDisconnected,
            LiveChatEvent::CustomEvent {
                kind: "Cobrowse".into(),
                data: "x".into()
            },
            LiveChatEvent::History {
                entries: vec![chat_core::livechat::HistoryEntry {
                    kind: "Agent".into(),
                    name: "Jane".into(),
                    content: "Hi".into(),
                    timestamp: Some(1)
                }]
            },
        ]
    );
    assert!(h.s.sneak_peek_enabled());
    assert_eq!(h.s.phase(), Phase::Chatting);
    assert!(h.req("/System/Messages").url.ends_with("?ack=12"));
}

#[test]
fn unknown_types_and_malformed_items_are_skipped_with_a_reason() {
    let mut h = H::established(config(), false);
    h.poll_reply(
        7,
        json!([
            {"type": "RichMessage", "message": {"whatever": 1}},
            {"type": "SomethingNew"},
            {"message": {}},
            {"type": "ChatMessage", "message": "not an object"},
            {"type": "ChatMessage", "message": {"name": "Jane"}},
            42,
            {"type": "ChasitorIdleTimeoutWarningEvent", "message": {"idleTimeoutWarningEvent": "maybe"}},
            {"type": "ChatMessage", "message": {"name": "Jane", "text": "still here"}},
        ]),
    );
    let logs = h.logs();
    assert_eq!(logs.len(), 7, "{logs:?}");
    assert!(logs.iter().any(|l| l.contains("RichMessage")));
    assert!(logs.iter().any(|l| l.contains("SomethingNew")));
    assert_eq!(
        h.take_events_no_log(),
        vec![LiveChatEvent::AgentMessage {
            name: "Jane".into(),
            text: "still here".into(),
            agent_id: String::new()
        }]
    );
    assert!(h.req("/System/Messages").url.ends_with("?ack=7"));
}

#[test]
fn malformed_poll_bodies_are_skipped_and_the_poll_repeats_with_the_same_ack() {
    let mut h = H::established(config(), false);
    for bad in [
        "not json",
        "{\"messages\": 3}",
        "[]",
        "{\"sequence\": \"x\"}",
        "\u{ff}\u{fe}",
    ] {
        h.answer("/System/Messages", 200, bad);
        assert!(h.req("/System/Messages").url.ends_with("?ack=2"), "{bad}");
        assert!(!h.s.is_ended());
    }
    let mut bytes_h = H::established(config(), false);
    let r = bytes_h.req("/System/Messages");
    bytes_h.s.handle_http(
        r.id,
        Ok(chat_core::HttpResponse {
            status: 200,
            body: vec![0xff, 0x00, 0x80],
        }),
        bytes_h.now,
    );
    bytes_h.inflight.retain(|x| x.id != r.id);
    bytes_h.drain();
    assert!(bytes_h.has("/System/Messages"));
    assert!(!h.logs().is_empty());
}

#[test]
fn chat_request_fail_reasons() {
    for (wire, reason) in [
        ("Unavailable", FailReason::Unavailable),
        ("NoPost", FailReason::NoPost),
        ("InternalFailure", FailReason::InternalFailure),
        ("Blocked", FailReason::Blocked),
        ("Unknown", FailReason::Unknown),
        ("Weird", FailReason::Other("Weird".into())),
    ] {
        let mut h = H::new(config());
        h.start();
        h.answer(
            "/System/SessionId",
            200,
            &json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"})
                .to_string(),
        );
        h.answer("/Chasitor/ChasitorInit", 200, "OK");
        h.take_events();
        h.poll_reply(
            1,
            json!([{"type": "ChatRequestFail", "message": {"reason": wire, "postChatUrl": ""}}]),
        );
        assert_eq!(
            h.take_events(),
            vec![LiveChatEvent::Ended {
                reason: EndReason::RequestFailed(reason)
            }]
        );
        assert!(h.s.is_ended());
        assert!(h.inflight.is_empty(), "no poll after the chat failed");
    }
}

#[test]
fn chat_ended_reasons_stop_polling() {
    for (wire, reason) in [
        ("agent", EndReason::Agent),
        ("agentsUnavailable", EndReason::AgentsUnavailable),
        ("agentPushTimeout", EndReason::AgentPushTimeout),
        ("client", EndReason::Visitor),
        ("clientIdleTimeout", EndReason::VisitorIdleTimeout),
        ("NoPost", EndReason::Other("NoPost".into())),
    ] {
        let mut h = H::established(config(), false);
        h.poll_reply(
            5,
            json!([
                {"type": "ChatMessage", "message": {"name": "Jane", "text": "Bye"}},
                {"type": "ChatEnded", "message": {"reason": wire, "attachedRecords": []}}
            ]),
        );
        let events = h.take_events();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1], LiveChatEvent::Ended { reason });
        assert!(h.inflight.is_empty());
        assert_eq!(h.s.next_deadline(), None);
        assert!(!h.s.can_send());
        assert_eq!(h.s.send_text("hello?", h.now), None);
        assert_eq!(
            h.s.poll_persist(),
            Some(chat_core::livechat::PersistUpdate::Clear)
        );
    }
    // ChatEnded without a body.
    let mut h = H::established(config(), false);
    h.poll_reply(3, json!([{"type": "ChatEnded"}]));
    assert_eq!(
        h.take_events(),
        vec![LiveChatEvent::Ended {
            reason: EndReason::Other("unknown".into())
        }]
    );
}

#[test]
fn status_403_409_and_400_on_the_poll_end_the_session() {
    for (status, reason) in [
        (403, EndReason::SessionInvalid),
        (409, EndReason::DuplicatePoll),
        (
            400,
            EndReason::Error("System/Messages answered HTTP 400".into()),
        ),
    ] {
        let mut h = H::established(config(), false);
        h.s.send_text("queued", h.now);
        h.drain();
        let post = h.req("/Chasitor/ChatMessage");
        h.answer(
            "/System/Messages",
            status,
            "Session required but was invalid or not found",
        );
        assert_eq!(
            h.take_events(),
            vec![
                LiveChatEvent::MessageFailed {
                    local_id: "lc1".into(),
                    reason: "the chat ended before the message could be sent".into()
                },
                LiveChatEvent::Ended { reason }
            ]
        );
        assert!(h.inflight.is_empty(), "everything in flight is aborted");
        assert!(h.actions.contains(&chat_core::HttpAction::Abort(post.id)));
        // A late answer is ignored.
        h.s.handle_http(
            post.id,
            Ok(chat_core::HttpResponse {
                status: 200,
                body: b"OK".to_vec(),
            }),
            h.now,
        );
        h.drain();
        assert!(h.take_events().is_empty());
    }
}

#[test]
fn session_creation_failures() {
    // Unreadable SessionId answer.
    let mut h = H::new(config());
    h.start();
    h.answer("/System/SessionId", 200, "{\"id\": 3}");
    assert!(matches!(
        h.take_events().as_slice(),
        [LiveChatEvent::Ended {
            reason: EndReason::Error(_)
        }]
    ));
    // ChasitorInit refused.
    let mut h = H::new(config());
    h.start();
    h.answer(
        "/System/SessionId",
        200,
        &json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"}).to_string(),
    );
    h.answer("/Chasitor/ChasitorInit", 400, "Bad request");
    assert_eq!(
        h.take_events()[1],
        LiveChatEvent::Ended {
            reason: EndReason::Error("Chasitor/ChasitorInit answered HTTP 400".into())
        }
    );
}

#[test]
fn init_network_failure_is_retried_with_sequence_one() {
    let mut h = H::new(config());
    h.start();
    h.fail(&h.req("/System/SessionId"));
    assert!(!h.has("/System/SessionId"));
    h.advance(500);
    h.answer(
        "/System/SessionId",
        200,
        &json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"}).to_string(),
    );
    let first = h.req("/Chasitor/ChasitorInit");
    h.fail(&first);
    h.advance(10_000);
    let second = h.req("/Chasitor/ChasitorInit");
    assert_eq!(seq(&first), 1);
    assert_eq!(seq(&second), 1);
    assert_eq!(first.body, second.body);
    h.reply(&second, 200, "OK");
    h.req("/System/Messages");
}

#[test]
fn session_creation_gives_up_when_the_server_stays_unreachable() {
    let mut h = H::new(config());
    h.start();
    for _ in 0..100 {
        if h.s.is_ended() {
            break;
        }
        if h.has("/System/SessionId") {
            h.fail(&h.req("/System/SessionId"));
        }
        h.advance(10_000);
    }
    assert_eq!(
        h.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: EndReason::ConnectionLost
        })
    );
}

#[test]
fn a_poll_without_answer_is_aborted_before_the_next_starts() {
    let mut h = H::established(config(), false);
    let p = h.req("/System/Messages");
    // clientPollTimeout is 40 s.
    assert_eq!(h.s.next_deadline(), Some(h.now + 40_000));
    h.advance(40_000);
    let q = h.req("/System/Messages");
    assert_ne!(p.id, q.id);
    assert!(q.url.ends_with("?ack=2"));
    let abort = h
        .actions
        .iter()
        .position(|a| a == &chat_core::HttpAction::Abort(p.id))
        .expect("aborted");
    let restart = h
        .actions
        .iter()
        .position(|a| matches!(a, chat_core::HttpAction::Start(r) if r.id == q.id))
        .unwrap();
    assert!(abort < restart);
    // The late answer of the aborted poll changes nothing.
    h.s.handle_http(
        p.id,
        Ok(chat_core::HttpResponse {
            status: 200,
            body: json!({"messages": [{"type": "ChatMessage", "message": {"text": "late"}}], "sequence": 9})
                .to_string()
                .into_bytes(),
        }),
        h.now,
    );
    h.drain();
    // The missed answer is reported as a connection problem (the session goes on).
    assert_eq!(
        h.take_events_no_log(),
        vec![LiveChatEvent::Connection { online: false }]
    );
    assert_eq!(h.req("/System/Messages").id, q.id);
}

#[test]
fn network_errors_back_off_and_never_end_the_chat() {
    let mut h = H::established(config(), false);
    h.take_events_no_log();
    let mut gaps = Vec::new();
    let mut last = h.now;
    for _ in 0..200 {
        if h.s.is_ended() {
            break;
        }
        let p = h.req("/System/Messages");
        assert!(p.url.ends_with("?ack=2"));
        h.fail(&p);
        if h.s.is_ended() {
            break;
        }
        // Nothing is started before the back-off delay.
        assert!(!h.has("/System/Messages"));
        let d = h.s.next_deadline().unwrap();
        gaps.push(d - last);
        h.advance(d - h.now);
        last = h.now;
    }
    assert_eq!(&gaps[..5], &[500, 1000, 2000, 4000, 8000]);
    assert!(gaps.iter().all(|g| *g <= 8000), "capped");
    // 200 failures (over 25 minutes): still polling; only the server may end the chat (a 403
    // when it comes back, if it dropped the session meanwhile).
    assert!(!h.s.is_ended());
    assert_eq!(gaps.len(), 200);
    assert_eq!(
        h.take_events_no_log(),
        vec![LiveChatEvent::Connection { online: false }],
        "reported once"
    );
    let p = h.req("/System/Messages");
    h.reply(&p, 204, "");
    assert_eq!(
        h.take_events_no_log(),
        vec![LiveChatEvent::Connection { online: true }]
    );
}

#[test]
fn back_online_the_waiting_poll_goes_at_once() {
    let mut h = H::established(config(), false);
    for _ in 0..6 {
        let p = h.req("/System/Messages");
        h.fail(&p);
        let d = h.s.next_deadline().unwrap();
        h.advance(d - h.now);
    }
    let p = h.req("/System/Messages");
    h.fail(&p);
    assert!(h.s.next_deadline().unwrap() >= h.now + 4_000);
    h.s.set_online(true, h.now);
    h.drain();
    let q = h.req("/System/Messages");
    assert_ne!(p.id, q.id);
    assert!(q.url.ends_with("?ack=2"));
}

#[test]
fn a_poll_recovering_after_errors_resets_the_backoff() {
    let mut h = H::established(config(), false);
    for _ in 0..3 {
        h.fail(&h.req("/System/Messages"));
        let d = h.s.next_deadline().unwrap();
        h.advance(d - h.now);
    }
    h.answer("/System/Messages", 204, "");
    h.fail(&h.req("/System/Messages"));
    assert_eq!(h.s.next_deadline(), Some(h.now + 500));
}

#[test]
fn server_errors_on_the_poll_are_retried() {
    let mut h = H::established(config(), false);
    h.answer("/System/Messages", 500, "oops");
    assert!(!h.s.is_ended());
    h.advance(500);
    assert!(h.req("/System/Messages").url.ends_with("?ack=2"));
}

#[test]
fn init_answered_503_is_retried_and_request_ids_can_be_offset() {
    let s = chat_core::livechat::LiveChatSession::new(config()).with_first_request_id(1 << 32);
    let mut h = H::with(s);
    h.start();
    let r = h.req("/System/SessionId");
    assert_eq!(r.id, 1 << 32);
    h.reply_json(
        &r,
        200,
        json!({"key": KEY, "id": SID, "clientPollTimeout": 40, "affinityToken": "a"}),
    );
    h.answer("/Chasitor/ChasitorInit", 503, "");
    assert!(!h.s.is_ended());
    h.advance(500);
    assert_eq!(seq(&h.req("/Chasitor/ChasitorInit")), 1);
}

#[test]
fn a_409_on_a_post_is_fatal() {
    let mut h = H::established(config(), false);
    h.s.send_text("hello", h.now);
    h.drain();
    h.answer("/Chasitor/ChatMessage", 409, "");
    assert_eq!(
        h.events.last(),
        Some(&LiveChatEvent::Ended {
            reason: EndReason::DuplicatePoll
        })
    );
    assert!(h.inflight.is_empty());
}

/// The documented types this client has no use for, an idle-timeout-enabled establishment and
/// a file request: handled or skipped, and the poll loop goes on.
#[test]
fn file_requests_breadcrumbs_rich_messages_and_idle_settings_never_break_the_poll_loop() {
    let mut h = H::established(config(), false);
    h.poll_reply(
        9,
        json!([
            {"type": "NewVisitorBreadcrumb", "message": {"location": "https://shop.example.com/cart"}},
            {"type": "FileTransfer", "message": {"type": "Requested", "uploadServletUrl": "https://x/upload", "fileToken": "t", "cdmServletUrl": "https://x/cdm"}},
            {"type": "FileTransfer", "message": {"type": "Canceled"}},
            {"type": "RichMessage", "message": {"type": "ChatWindowMenu", "items": []}},
            {"type": "TransferToButtonInitiated", "message": {}},
            {"type": "ChatTransferred", "message": {"name": "Mark", "userId": "0055e000001MaRk", "sneakPeekEnabled": false, "chasitorIdleTimeout": {"isEnabled": true, "warningTime": 120, "timeout": 180}}},
            {"type": "ChatMessage", "message": {"name": "Mark", "text": "Still there?", "agentId": "0055e000001MaRk"}},
        ]),
    );
    assert_eq!(
        h.take_events_no_log(),
        vec![
            LiveChatEvent::FileRequested,
            LiveChatEvent::AgentTransferred {
                name: "Mark".into(),
                user_id: "0055e000001MaRk".into(),
                sneak_peek_enabled: false
            },
            LiveChatEvent::AgentMessage {
                name: "Mark".into(),
                text: "Still there?".into(),
                agent_id: "0055e000001MaRk".into()
            },
        ]
    );
    assert_eq!(h.s.phase(), Phase::Chatting);
    assert!(h.req("/System/Messages").url.ends_with("?ack=9"));
}
