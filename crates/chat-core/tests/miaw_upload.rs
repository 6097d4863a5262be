//! Visitor file uploads in a MIAW session (§4.9), with a fake clock.
//!
//! The harness (`miaw_support.rs`) records uploads apart from ordinary requests.

#[path = "miaw_support.rs"]
mod support;

use chat_core::http::{FileRef, Method, UploadRequest};
use chat_core::miaw::wire;
use chat_core::miaw::{Attachment, Delivery, MessageContent, MiawConfig, MiawEvent, Role};
use serde_json::{json, Value as J};
use support::*;

impl H {
    /// The echo of an uploaded file, as the emulator sends it.
    fn file_echo(&mut self, id: &str, file_id: &str, name: &str, caption: Option<&str>) -> String {
        self.frame(
            "CONVERSATION_MESSAGE",
            "Message",
            json!({"entryType":"Message","id":id,"abstractMessage":{"messageType":"StaticContentMessage","id":id,"references":[],
                "staticContent":attachments(file_id, name, caption)}}),
            "EndUser",
            "Guest",
            json!([]),
        )
    }
}

/// `staticContent` of an attachments message (the emulator's `attachments_content`).
fn attachments(file_id: &str, name: &str, caption: Option<&str>) -> J {
    json!({"formatType":"Attachments","text":caption,"attachments":[{"id":file_id,"name":name,
        "mimeType":"application/pdf","url":format!("{BASE}/files/{file_id}"),"contentLength":2048,
        "referenceId":file_id}]})
}

/// The `messageEntry` JSON part of an upload.
fn entry(u: &UploadRequest) -> J {
    assert_eq!(u.json_part.0, "messageEntry");
    serde_json::from_str(&u.json_part.1).unwrap()
}

fn msg_id(u: &UploadRequest) -> String {
    entry(u)["message"]["id"].as_str().unwrap().to_string()
}

fn file_id(u: &UploadRequest) -> String {
    entry(u)["message"]["fileId"].as_str().unwrap().to_string()
}

fn pdf(handle: u32) -> FileRef {
    FileRef {
        handle,
        name: format!("invoice-{handle}.pdf"),
        size: 2048,
        mime_type: "application/pdf".into(),
    }
}

/// Start → token → stream + create → created → connected.
fn open_session(cfg: MiawConfig) -> H {
    let mut h = H::new(cfg);
    h.s.start(routing(), h.now);
    let t = h.take(Method::Post, "/authorization/unauthenticated/access-token");
    h.reply(
        &t,
        200,
        json!({"accessToken":"tok1","lastEventId":"0","context":{}}),
    );
    let c = h.take(Method::Post, "/iamessage/api/v2/conversation");
    h.reply(&c, 201, J::Null);
    h.connect();
    h.no_gap(); // connected after the creation: the history catches up
    h.events();
    h
}

fn send(h: &mut H, file: FileRef, caption: Option<&str>) -> (String, UploadRequest) {
    let id = h.s.send_file(file, caption, h.now).unwrap();
    let u = h.upload();
    assert_eq!(msg_id(&u), id);
    (id, u)
}

fn delivery_changes(ev: &[MiawEvent]) -> Vec<(String, Delivery)> {
    ev.iter()
        .filter_map(|e| match e {
            MiawEvent::DeliveryChanged { id, delivery } => Some((id.clone(), *delivery)),
            _ => None,
        })
        .collect()
}

fn errors(ev: &[MiawEvent]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            MiawEvent::Error { message } => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn upload_request_shape_and_visitor_bubble() {
    let mut h = open_session(config());
    let file = pdf(3);
    let id =
        h.s.send_file(file.clone(), Some("my invoice"), h.now)
            .unwrap();
    assert!(is_uuid_v4(&id));
    let u = h.upload();
    h.none_pending("/message");
    assert_eq!(
        u.url,
        format!("{BASE}/iamessage/api/v2/conversation/{}/file", h.conv())
    );
    assert_eq!(header_in(&u.headers, "Authorization"), Some("Bearer tok1"));
    assert_eq!(header_in(&u.headers, "X-Org-Id"), Some("00D5e000000AbCd"));
    assert_eq!(header_in(&u.headers, "Content-Type"), None);
    assert_eq!(u.file_part, "fileData");
    assert_eq!(u.file, file);
    let e = entry(&u);
    let fid = file_id(&u);
    assert!(is_uuid_v4(&fid), "{e}");
    assert_ne!(fid, id);
    assert_eq!(
        e,
        json!({
            "esDeveloperName": "Web_Custom_Client",
            "isNewMessagingSession": false,
            "message": {"id": id, "fileId": fid, "text": "my invoice"}
        })
    );
    let ev = h.events();
    assert_eq!(
        ev,
        vec![MiawEvent::Message {
            id: id.clone(),
            role: Role::EndUser,
            sender_name: None,
            content: MessageContent::Attachments {
                text: Some("my invoice".into()),
                files: vec![Attachment {
                    id: Some(fid),
                    name: "invoice-3.pdf".into(),
                    size: Some(2048),
                    mime_type: Some("application/pdf".into()),
                    url: None,
                }],
            },
            timestamp: Some(h.now),
            delivery: Some(Delivery::Sending),
            history: false,
        }]
    );

    // Without a caption (or a blank one) the message has no `text`.
    h.answer(u.id, 202, J::Null);
    for caption in [None, Some("  ")] {
        h.events();
        let (_, u) = send(&mut h, pdf(4), caption);
        let m = &entry(&u)["message"];
        assert!(m.get("text").is_none(), "{m}");
        h.answer(u.id, 202, J::Null);
        let ev = h.events();
        assert!(
            matches!(
                &ev[0],
                MiawEvent::Message {
                    content: MessageContent::Attachments { text: None, .. },
                    ..
                }
            ),
            "{ev:?}"
        );
    }
}

#[test]
fn wire_send_file_with_new_session() {
    let d = config().deployment;
    let u = wire::send_file::<chat_core::codec::SerdeJson>(
        &d,
        9,
        "tok",
        "conv-1",
        "m-1",
        "f-1",
        Some("hi"),
        &pdf(1),
        Some(&routing()),
    );
    assert_eq!(u.id, 9);
    assert_eq!(
        u.url,
        format!("{BASE}/iamessage/api/v2/conversation/conv-1/file")
    );
    assert_eq!(
        entry(&u),
        json!({
            "esDeveloperName": "Web_Custom_Client",
            "isNewMessagingSession": true,
            "routingAttributes": {"_firstName": "Ada", "Topic": "Billing"},
            "message": {"id": "m-1", "fileId": "f-1", "text": "hi"}
        })
    );
}

#[test]
fn queued_before_the_conversation_exists_and_sent_in_order_with_texts() {
    let mut h = H::new(config());
    h.s.start(routing(), h.now);
    let f1 = h.s.send_file(pdf(1), None, h.now).unwrap();
    let t = h.take(Method::Post, "access-token");
    let t2 = h.s.send_text("between", h.now).unwrap();
    h.reply(&t, 200, json!({"accessToken":"tok1"}));
    let f2 = h.s.send_file(pdf(2), Some("second"), h.now).unwrap();
    h.no_upload();
    h.none_pending("/message");
    let c = h.take(Method::Post, "/conversation");
    h.reply(&c, 201, J::Null);
    h.no_upload(); // the stream is not connected yet
    h.none_pending("/message");
    h.connect();

    let u = h.upload();
    assert_eq!(msg_id(&u), f1);
    assert_eq!(u.file.handle, 1);
    h.none_pending("/message");
    h.answer(u.id, 202, J::Null);

    let r = h.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], t2.as_str());
    h.no_upload();
    h.reply(&r, 202, J::Null);

    let u = h.upload();
    assert_eq!(msg_id(&u), f2);
    assert_eq!(u.file.handle, 2);
    h.answer(u.id, 202, J::Null);
    h.no_upload();
    h.none_pending("/message");
    assert_eq!(
        delivery_changes(&h.events()),
        vec![
            (f1, Delivery::Sent),
            (t2, Delivery::Sent),
            (f2, Delivery::Sent)
        ]
    );
}

#[test]
fn accepted_upload_is_sent_then_delivered_and_read() {
    let mut h = open_session(config());
    let (id, u) = send(&mut h, pdf(1), None);
    h.events();
    h.answer(u.id, 202, json!({"conversationEntries":[{"id": id}]}));
    assert_eq!(
        delivery_changes(&h.events()),
        vec![(id.clone(), Delivery::Sent)]
    );
    assert_eq!(h.s.next_deadline(), None);
    let d = h.ack(false, &id);
    let r = h.ack(true, &id);
    h.push(format!("{d}{r}").as_bytes());
    assert_eq!(
        delivery_changes(&h.events()),
        vec![(id.clone(), Delivery::Delivered), (id, Delivery::Read)]
    );
}

#[test]
fn network_and_server_errors_wait_and_retry_with_the_same_ids() {
    let mut h = open_session(config());
    let (id, u) = send(&mut h, pdf(1), Some("c"));
    let fid = file_id(&u);
    h.fail_id(u.id);
    h.no_upload();
    assert!(h.s.next_deadline().is_some());
    for _ in 1..20 {
        h.advance_to_deadline();
        let u = h.upload();
        assert_eq!(msg_id(&u), id);
        assert_eq!(file_id(&u), fid);
        assert_eq!(u.file, pdf(1));
        h.answer(u.id, 503, J::Null);
    }
    let ev = h.events();
    assert_eq!(
        delivery_changes(&ev),
        vec![(id.clone(), Delivery::Waiting)],
        "waiting, never failed: {ev:?}"
    );
    // Back online: at once, same ids again.
    h.s.set_online(true, h.now);
    h.pump();
    h.connect();
    let u = h.upload();
    assert_eq!(msg_id(&u), id);
    assert_eq!(file_id(&u), fid);
    h.answer(u.id, 202, J::Null);
    assert_eq!(delivery_changes(&h.events()), vec![(id, Delivery::Sent)]);
}

#[test]
fn too_large_and_unsupported_type_fail_at_once_with_an_error() {
    for (status, words) in [(413, "too large"), (415, "type of file is not accepted")] {
        let mut h = open_session(config());
        let (id, u) = send(&mut h, pdf(1), None);
        let next = h.s.send_text("after", h.now).unwrap();
        h.events();
        h.answer(
            u.id,
            status,
            json!({"message": format!("server says {status}")}),
        );
        let ev = h.events();
        assert_eq!(
            delivery_changes(&ev),
            vec![(id.clone(), Delivery::Failed)],
            "{ev:?}"
        );
        let errs = errors(&ev);
        assert_eq!(errs.len(), 1, "{ev:?}");
        assert!(errs[0].contains("invoice-1.pdf"), "{}", errs[0]);
        assert!(errs[0].contains(words), "{}", errs[0]);
        assert!(errs[0].contains(&format!("HTTP {status}")), "{}", errs[0]);
        assert!(
            errs[0].contains(&format!("server says {status}")),
            "{}",
            errs[0]
        );
        // No automatic retry and none on demand; the queue moves on.
        let r = h.take(Method::Post, "/message");
        assert_eq!(body(&r)["message"]["id"], next.as_str());
        h.reply(&r, 202, J::Null);
        assert_eq!(h.s.next_deadline(), None);
        h.s.retry(&id, h.now);
        h.no_upload();
        assert!(delivery_changes(&h.events()).iter().all(|(i, _)| *i != id));
    }
}

#[test]
fn unauthorized_upload_renews_the_token_and_replays_it() {
    let mut h = open_session(config());
    let (id, u) = send(&mut h, pdf(1), None);
    h.answer(u.id, 401, json!({"message":"Jwt is expired"}));
    h.no_upload();
    let t = h.take(Method::Get, "/continuation-access-token");
    h.reply(&t, 200, json!({"accessToken":"tok2"}));
    let u2 = h.upload();
    assert_eq!(msg_id(&u2), id);
    assert_eq!(file_id(&u2), file_id(&u));
    assert_eq!(header_in(&u2.headers, "Authorization"), Some("Bearer tok2"));
    h.answer(u2.id, 202, J::Null);
    let ev = h.events();
    assert!(!ev.iter().any(|e| matches!(e, MiawEvent::Ended { .. })));
    assert_eq!(delivery_changes(&ev), vec![(id, Delivery::Sent)]);
}

#[test]
fn session_ended_417_reuploads_as_a_new_session_with_continue_after_end() {
    let mut cfg = config();
    cfg.continue_after_end = true;
    let mut h = open_session(cfg);
    let (id, u) = send(&mut h, pdf(1), None);
    h.answer(u.id, 417, json!({"message":"no messaging session"}));
    let u = h.upload();
    let e = entry(&u);
    assert_eq!(e["message"]["id"], id.as_str());
    assert_eq!(e["isNewMessagingSession"], true);
    assert_eq!(
        e["routingAttributes"],
        json!({"_firstName":"Ada","Topic":"Billing"})
    );
}

#[test]
fn echo_of_the_upload_is_not_a_second_bubble() {
    let mut h = open_session(config());
    let (id, u) = send(&mut h, pdf(1), Some("see attached"));
    let fid = file_id(&u);
    h.events();
    // The echo comes before the POST answers.
    let e = h.file_echo(&id, &fid, "invoice-1.pdf", Some("see attached"));
    h.push(e.as_bytes());
    assert_eq!(
        h.events(),
        vec![MiawEvent::DeliveryChanged {
            id: id.clone(),
            delivery: Delivery::Sent
        }]
    );
    // The POST then fails: the file is known to have arrived; no re-upload.
    h.fail_id(u.id);
    assert_eq!(h.events(), vec![]);
    assert_eq!(h.s.next_deadline(), None);
    h.no_upload();
    // A replay after a reconnect is not shown either.
    h.drop_stream();
    h.advance_to_deadline();
    h.connect();
    h.no_gap();
    h.events();
    h.push(e.as_bytes());
    assert_eq!(h.events(), vec![]);
    // An upload by the same visitor in another tab (unknown id) is shown.
    let other = h.file_echo("0a0a0a0a-0000-4000-8000-000000000001", "f", "x.pdf", None);
    h.push(other.as_bytes());
    let ev = h.events();
    assert!(
        matches!(
            &ev[..],
            [MiawEvent::Message {
                role: Role::EndUser,
                delivery: Some(Delivery::Sent),
                content: MessageContent::Attachments { .. },
                ..
            }]
        ),
        "{ev:?}"
    );
}

/// Reload with uploads: `pending` never answered, `rejected` got a 415, `arrived` answered
/// never but reached the server (it is in the history).
#[test]
fn reload_reports_pending_uploads_as_failed() {
    let mut h = open_session(config());
    let (rejected, u) = send(&mut h, pdf(1), None);
    let text = h.s.send_text("queued text", h.now).unwrap();
    h.answer(u.id, 415, J::Null);
    h.take(Method::Post, "/message"); // never answered
    let arrived = h.s.send_file(pdf(2), None, h.now).unwrap();
    let pending = h.s.send_file(pdf(3), Some("cap"), h.now).unwrap();
    let saved = serde_json::to_string(&h.s.persist().expect("state to persist")).unwrap();
    let sv: J = serde_json::from_str(&saved).unwrap();
    // No browser handle is saved.
    assert!(!saved.contains("handle"), "{saved}");
    assert_eq!(sv["outbox"].as_array().unwrap().len(), 4, "{saved}");
    let arrived_fid = sv["outbox"][2]["fileId"].as_str().unwrap().to_string();

    let mut g = H::new(config());
    assert!(g.s.restore_text(&saved, g.now));
    let t = g.take(Method::Get, "/continuation-access-token");
    g.reply(&t, 200, json!({"accessToken":"tok2"}));
    let l = g.take(Method::Get, "/entries?");
    g.no_upload();
    let echo = json!({"identifier":arrived,"entryType":"Message","entryPayload":{"entryType":"Message","id":arrived,
        "abstractMessage":{"messageType":"StaticContentMessage","id":arrived,"staticContent":attachments(&arrived_fid, "invoice-2.pdf", None)}},
        "sender":{"role":"EndUser"},"senderDisplayName":"Guest","clientTimestamp":1,"transcriptedTimestamp":1,"relatedRecords":[]});
    g.reply(&l, 200, json!({"conversationEntries":[echo]}));
    let ev = g.events();
    let shown: Vec<(String, Option<Delivery>, bool)> = ev
        .iter()
        .filter_map(|e| match e {
            MiawEvent::Message {
                id,
                delivery,
                history,
                ..
            } => Some((id.clone(), *delivery, *history)),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (arrived.clone(), Some(Delivery::Sent), true),
            (rejected.clone(), Some(Delivery::Failed), true),
            (text.clone(), Some(Delivery::Sending), true),
            (pending.clone(), Some(Delivery::Failed), true),
        ],
        "{ev:?}"
    );
    assert!(delivery_changes(&ev).is_empty(), "{ev:?}");
    // The pending upload is shown with its caption and metadata.
    assert!(ev.iter().any(|e| matches!(e,
        MiawEvent::Message { id, content: MessageContent::Attachments { text: Some(c), files }, .. }
            if *id == pending && c == "cap" && files[0].name == "invoice-3.pdf"
                && files[0].size == Some(2048) && files[0].mime_type.as_deref() == Some("application/pdf"))));
    // One error, for the upload cut by the reload (the 415 was reported before it).
    let errs = errors(&ev);
    assert_eq!(errs.len(), 1, "{ev:?}");
    assert!(
        errs[0].contains("invoice-3.pdf") && errs[0].contains("reloaded"),
        "{}",
        errs[0]
    );

    // Only the text is sent; the lost uploads are never uploaded, not even on demand.
    g.connect();
    let r = g.take(Method::Post, "/message");
    assert_eq!(body(&r)["message"]["id"], text.as_str());
    g.reply(&r, 202, J::Null);
    g.s.retry(&pending, g.now);
    g.s.retry(&rejected, g.now);
    g.no_upload();
    assert_eq!(g.s.next_deadline(), None);

    // A second reload still shows them as failed, without a second error.
    let saved2 = g.s.persist().unwrap();
    let mut k = H::new(config());
    assert!(k.s.restore(saved2, k.now));
    let t = k.take(Method::Get, "/continuation-access-token");
    k.reply(&t, 200, json!({"accessToken":"tok3"}));
    let l = k.take(Method::Get, "/entries?");
    k.reply(&l, 200, json!({"conversationEntries":[]}));
    let ev = k.events();
    let failed: Vec<&String> = ev
        .iter()
        .filter_map(|e| match e {
            MiawEvent::Message {
                id,
                delivery: Some(Delivery::Failed),
                ..
            } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![&rejected, &pending], "{ev:?}");
    assert!(errors(&ev).is_empty(), "{ev:?}");

    // If the pending upload did arrive after all, its late echo turns it to sent.
    k.connect();
    k.events();
    let pending_fid = sv["outbox"][3]["fileId"].as_str().unwrap().to_string();
    k.seq = 100;
    let e = k.file_echo(&pending, &pending_fid, "invoice-3.pdf", Some("cap"));
    k.push(e.as_bytes());
    assert_eq!(
        k.events(),
        vec![MiawEvent::DeliveryChanged {
            id: pending.clone(),
            delivery: Delivery::Sent
        }]
    );
    let saved3: J = serde_json::to_value(k.s.persist().unwrap()).unwrap();
    let left: Vec<&str> = saved3["outbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(left, vec![rejected.as_str()]);
}

#[test]
fn send_file_before_start_or_after_end_is_refused() {
    let mut h = H::new(config());
    assert_eq!(h.s.send_file(pdf(1), None, h.now), None);
    let mut h = open_session(config());
    let (id, u) = send(&mut h, pdf(1), None);
    h.events();
    h.s.end(h.now);
    let ev = h.events();
    assert!(
        delivery_changes(&ev).contains(&(id, Delivery::Failed)),
        "{ev:?}"
    );
    assert!(h.aborted.contains(&u.id), "the upload in flight is aborted");
    let sid = h.stream().id;
    assert!(h.closed_streams.contains(&sid));
    assert_eq!(h.s.send_file(pdf(2), None, h.now), None);
    h.no_upload();
}
