//! MIAW REST v2: every endpoint's happy path and documented errors.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn err_message(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert!(
        v["message"].is_string(),
        "error body must carry message: {v}"
    );
    assert_eq!(v["status"], status);
    (status, v)
}

#[tokio::test]
async fn unauthenticated_token_shape() {
    let e = start().await;
    let v = e.token().await;
    let jwt = v["accessToken"].as_str().unwrap();
    assert_eq!(jwt.split('.').count(), 3);
    assert_eq!(v["lastEventId"], "0");
    let cfg = &v["context"]["configuration"]["embeddedServiceConfig"];
    assert_eq!(cfg["name"], ES);
    assert_eq!(cfg["deploymentType"], "api");
    assert_eq!(cfg["embeddedServiceMessagingChannel"]["authMode"], "UnAuth");
    assert!(cfg["forms"][0]["formFields"].as_array().unwrap().len() >= 2);
    assert!(v["context"]["deviceId"].is_string());
}

#[tokio::test]
async fn token_request_errors() {
    let e = start().await;
    let url = e.url("/iamessage/api/v2/authorization/unauthenticated/access-token");
    for body in [
        json!({"orgId": "00D000000000000", "esDeveloperName": ES}),
        json!({"orgId": ORG, "esDeveloperName": "Other"}),
        json!({"esDeveloperName": ES}),
        json!({"orgId": ORG, "esDeveloperName": ES, "platform": "iOS"}),
    ] {
        let r = e.http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(err_message(r).await.0, 400, "{body}");
    }
    let r = e.http.post(&url).body("{not json").send().await.unwrap();
    assert_eq!(err_message(r).await.0, 400);
    // 18-char org id is accepted for tokens.
    let r = e
        .http
        .post(&url)
        .json(&json!({"orgId": format!("{ORG}EAA"), "esDeveloperName": ES}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn authenticated_token_verified_user() {
    let e = start().await;
    let url = e.url("/iamessage/api/v2/authorization/authenticated/access-token");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ident = sf_emulator::sign_hs256_jwt(
        sf_emulator::DEFAULT_USER_VERIFICATION_SECRET,
        &json!({"sub": "customer-42", "exp": now + 600}),
    );
    let body = json!({"orgId": ORG, "esDeveloperName": ES, "capabilitiesVersion": "1", "platform": "Web", "authorizationType": "JWT", "customerIdentityToken": ident});
    let r = e.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["context"]["configuration"]["embeddedServiceConfig"]["embeddedServiceMessagingChannel"]
            ["authMode"],
        "Auth"
    );
    let jwt = v["accessToken"].as_str().unwrap().to_string();
    let conv = e.create_conv(&jwt).await;
    // Same customer on another device sees the same conversation.
    let r2: Value = e
        .http
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list: Value = e
        .miaw(
            Method::GET,
            "/conversation/list",
            r2["accessToken"].as_str().unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["conversations"][0]["conversationId"], conv);

    let bad_sig = sf_emulator::sign_hs256_jwt("wrong", &json!({"sub": "x"}));
    let expired = sf_emulator::sign_hs256_jwt(
        sf_emulator::DEFAULT_USER_VERIFICATION_SECRET,
        &json!({"sub": "x", "exp": 1}),
    );
    for tok in [bad_sig.as_str(), expired.as_str(), "garbage"] {
        let mut b = body.clone();
        b["customerIdentityToken"] = json!(tok);
        let r = e.http.post(&url).json(&b).send().await.unwrap();
        assert_eq!(err_message(r).await.0, 401);
    }
    let mut b = body.clone();
    b["authorizationType"] = json!("SAML");
    assert_eq!(
        err_message(e.http.post(&url).json(&b).send().await.unwrap())
            .await
            .0,
        400
    );
    let mut b = body.clone();
    b.as_object_mut().unwrap().remove("customerIdentityToken");
    assert_eq!(
        err_message(e.http.post(&url).json(&b).send().await.unwrap())
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn continuation_token_and_revoke() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let r = e
        .miaw(
            Method::GET,
            "/authorization/continuation-access-token",
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let jwt2 = v["accessToken"].as_str().unwrap().to_string();
    assert_ne!(jwt2, jwt);
    // Same subject: the new token sees the conversation.
    let list: Value = e
        .miaw(Method::GET, "/conversation/list", &jwt2)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["openConversationsFound"], 1);
    assert_eq!(list["conversations"][0]["conversationId"], conv);
    // Revoke the first token: it stops working, the continuation token still works.
    let r = e
        .miaw(
            Method::DELETE,
            "/authorization/authenticated/access-token",
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = e
        .miaw(Method::GET, "/conversation/list", &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 401);
    let r = e
        .miaw(Method::GET, "/conversation/list", &jwt2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn unauthorized_requests() {
    let e = start().await;
    let r = e
        .http
        .get(e.url("/iamessage/api/v2/conversation/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 401);
    let r = e
        .miaw(Method::GET, "/conversation/list", "a.b.c")
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 401);
    // A token signed by someone else.
    let forged = sf_emulator::sign_hs256_jwt("not-the-secret", &json!({"sub": "x", "jti": "y"}));
    let r = e
        .miaw(Method::GET, "/conversation/list", &forged)
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 401);
}

#[tokio::test]
async fn create_conversation_and_errors() {
    let e = start().await;
    let jwt = e.jwt().await;
    let id = uuid();
    let r = e
        .miaw(Method::POST, "/conversation", &jwt)
        .json(&json!({"routingAttributes": {"_firstName": "Ada"}, "esDeveloperName": ES, "conversationId": id, "language": "en_US"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["conversationId"], id);
    // Duplicate id → 409.
    let r = e
        .miaw(Method::POST, "/conversation", &jwt)
        .json(&json!({"esDeveloperName": ES, "conversationId": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 409);
    for body in [
        json!({"esDeveloperName": ES}),
        json!({"esDeveloperName": ES, "conversationId": id.to_uppercase()}),
        json!({"esDeveloperName": ES, "conversationId": "not-a-uuid"}),
        json!({"conversationId": uuid()}),
        json!({"esDeveloperName": "Nope", "conversationId": uuid()}),
        json!({"esDeveloperName": ES, "conversationId": uuid(), "routingAttributes": "x"}),
        json!({"esDeveloperName": ES, "conversationId": uuid(), "routingAttributes": {"a": {"b": 1}}}),
        json!([1, 2]),
    ] {
        let r = e
            .miaw(Method::POST, "/conversation", &jwt)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(err_message(r).await.0, 400, "{body}");
    }
    // Visible to agents with its routing attributes.
    let c = e
        .control("GET", &format!("/control/conversations/{id}"), Value::Null)
        .await;
    assert_eq!(c["status"], "waiting");
    assert_eq!(c["channel"], "miaw");
    assert_eq!(c["details"]["routingAttributes"]["_firstName"], "Ada");
    assert_eq!(c["visitorName"], "Ada");
}

#[tokio::test]
async fn conversation_rate_limit_429() {
    let e = start().await;
    let jwt = e.jwt().await;
    for _ in 0..3 {
        e.create_conv(&jwt).await;
    }
    let r = e
        .miaw(Method::POST, "/conversation", &jwt)
        .json(&json!({"esDeveloperName": ES, "conversationId": uuid()}))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 429);
    // Another client (page) is not affected.
    let other = e.jwt().await;
    e.create_conv(&other).await;
}

#[tokio::test]
async fn message_and_token_rate_limits_429() {
    let mut cfg = test_config();
    cfg.rate_limits.messages_per_minute = 2;
    cfg.rate_limits.access_tokens_per_minute = 3;
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    assert_eq!(e.send_text(&jwt, &conv, "1").await.0, 202);
    assert_eq!(e.send_text(&jwt, &conv, "2").await.0, 202);
    assert_eq!(e.send_text(&jwt, &conv, "3").await.0, 429);
    e.jwt().await;
    e.jwt().await;
    let r = e
        .http
        .post(e.url("/iamessage/api/v2/authorization/unauthenticated/access-token"))
        .json(&json!({"orgId": ORG, "esDeveloperName": ES}))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 429);
}

#[tokio::test]
async fn send_message_happy_path_and_idempotency() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let id = uuid();
    let body = json!({"message": {"id": id, "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "Hello"}}, "esDeveloperName": ES});
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["conversationEntries"][0]["id"], id);
    // Retry with the same id: accepted, not duplicated.
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let t = e.transcript(&conv).await;
    let msgs: Vec<&Value> = t.iter().filter(|x| x["kind"] == "message").collect();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["text"], "Hello");
    assert_eq!(msgs[0]["messageId"], id);
    assert_eq!(msgs[0]["role"], "EndUser");
}

#[tokio::test]
async fn send_message_errors() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let path = format!("/conversation/{conv}/message");
    for m in [
        json!(null),
        json!({"messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "x"}}),
        json!({"id": "nope", "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "x"}}),
        json!({"id": uuid(), "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": ""}}),
        json!({"id": uuid(), "messageType": "StaticContentMessage", "staticContent": {"formatType": "RichLink"}}),
        json!({"id": uuid(), "messageType": "Bogus"}),
        json!({"id": uuid(), "messageType": "ChoicesResponseMessage", "choicesResponse": {"formatType": "Selections", "selectedOptions": []}}),
    ] {
        let r = e
            .miaw(Method::POST, &path, &jwt)
            .json(&json!({"message": m, "esDeveloperName": ES}))
            .send()
            .await
            .unwrap();
        assert_eq!(err_message(r).await.0, 400, "{m}");
    }
    let r = e
        .miaw(Method::POST, &path, &jwt)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
    // Unknown conversation and somebody else's conversation → 404.
    let (st, _) = e.send_text(&jwt, &uuid(), "x").await;
    assert_eq!(st, 404);
    let other = e.jwt().await;
    let (st, _) = e.send_text(&other, &conv, "x").await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn session_ended_417_then_new_session() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/end"),
        json!({"agentId": JANE}),
    )
    .await;
    let (st, _) = e.send_text(&jwt, &conv, "still there?").await;
    assert_eq!(st, 417);
    let id = uuid();
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .json(&json!({"message": {"id": id, "messageType": "StaticContentMessage", "staticContent": {"formatType": "Text", "text": "again"}}, "isNewMessagingSession": true, "routingAttributes": {"_firstName": "Ada"}, "esDeveloperName": ES}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(c["status"], "waiting");
    let r = e
        .miaw(Method::GET, &format!("/conversation/{conv}"), &jwt)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["routingStatus"], "INITIAL");
}

#[tokio::test]
async fn choices_and_choices_response() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    let ch = e
        .control("POST", &format!("/control/conversations/{conv}/choices"), json!({"text": "Pick one", "choices": [{"title": "Billing", "optionIdentifier": "billing"}, "Shipping"]}))
        .await;
    let choice_id = ch["id"].as_str().unwrap().to_string();
    let body = |opt: &str| json!({"message": {"id": uuid(), "messageType": "ChoicesResponseMessage", "inReplyToMessageId": choice_id, "choicesResponse": {"formatType": "Selections", "selectedOptions": [{"optionIdentifier": opt}]}}, "esDeveloperName": ES});
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .json(&body("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
    let r = e
        .miaw(Method::POST, &format!("/conversation/{conv}/message"), &jwt)
        .json(&body("billing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let t = e.transcript(&conv).await;
    let resp = t.iter().find(|x| x["kind"] == "choicesResponse").unwrap();
    assert_eq!(resp["text"], "Billing");
    assert_eq!(resp["data"]["selectedOptions"][0], "billing");
}

#[tokio::test]
async fn entries_typing_and_acks() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let path = format!("/conversation/{conv}/entry");
    let r = e
        .miaw(Method::POST, &path, &jwt)
        .json(&json!({"entryType": "TypingStartedIndicator", "id": uuid()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(c["visitorTyping"], true);
    let r = e
        .miaw(Method::POST, &path, &jwt)
        .json(&json!({"entryType": "TypingStoppedIndicator", "id": uuid()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    for b in [
        json!({"entryType": "Bogus", "id": uuid()}),
        json!({"entryType": "TypingStartedIndicator"}),
        json!({"id": uuid()}),
    ] {
        let r = e
            .miaw(Method::POST, &path, &jwt)
            .json(&b)
            .send()
            .await
            .unwrap();
        assert_eq!(err_message(r).await.0, 400, "{b}");
    }
    // End-user acknowledgements, both variants.
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({}),
    )
    .await;
    let m = e
        .control(
            "POST",
            &format!("/control/conversations/{conv}/messages"),
            json!({"text": "Hi"}),
        )
        .await;
    let mid = m["id"].as_str().unwrap();
    let r = e.miaw(Method::POST, &path, &jwt).json(&json!({"entryType": "DeliveryAcknowledgement", "id": uuid(), "acknowledgedConversationEntryIdentifier": mid})).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let r = e
        .miaw(
            Method::POST,
            &format!("/conversation/{conv}/acknowledge-entries"),
            &jwt,
        )
        .json(&json!({"acks": [{"id": uuid(), "entryType": "Read", "conversationEntryId": mid}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let t = e.transcript(&conv).await;
    let agent_msg = t.iter().find(|x| x["messageId"] == mid).unwrap();
    assert_eq!(agent_msg["delivered"], true);
    assert_eq!(agent_msg["read"], true);
    let r = e
        .miaw(
            Method::POST,
            &format!("/conversation/{conv}/acknowledge-entries"),
            &jwt,
        )
        .json(&json!({"acks": [{"entryType": "Seen"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
}

fn file_form(entry: Value, bytes: Vec<u8>, name: &str, mime: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "messageEntry",
            reqwest::multipart::Part::text(entry.to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .part(
            "fileData",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_string())
                .mime_str(mime)
                .unwrap(),
        )
}

#[tokio::test]
async fn file_upload_and_limits() {
    let mut cfg = test_config();
    cfg.max_file_bytes = 1024;
    let e = start_with(cfg).await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let url = e.url(&format!("/iamessage/api/v2/conversation/{conv}/file"));
    let entry = || json!({"esDeveloperName": ES, "isNewMessagingSession": false, "message": {"id": uuid(), "fileId": uuid(), "text": "my receipt"}});
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(file_form(
            entry(),
            b"%PDF-1.4 test".to_vec(),
            "receipt.pdf",
            "application/pdf",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let t = e.transcript(&conv).await;
    let f = t.iter().find(|x| x["kind"] == "file").unwrap();
    assert_eq!(f["data"]["name"], "receipt.pdf");
    assert_eq!(f["text"], "my receipt");
    // The stored file can be downloaded.
    let got = e
        .http
        .get(f["data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"%PDF-1.4 test");
    // octet-stream is typed from the extension.
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(file_form(
            entry(),
            vec![1, 2, 3],
            "a.png",
            "application/octet-stream",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // 413 / 415.
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(file_form(entry(), vec![0u8; 2048], "big.png", "image/png"))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 413);
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(file_form(
            entry(),
            vec![0u8; 10],
            "x.exe",
            "application/x-msdownload",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 415);
    // 400: missing parts, not multipart, bad entry.
    let only_entry = reqwest::multipart::Form::new().text("messageEntry", entry().to_string());
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(only_entry)
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
    let r = e
        .http
        .post(&url)
        .bearer_auth(&jwt)
        .multipart(file_form(
            json!({"message": {"id": "x"}}),
            vec![1],
            "a.png",
            "image/png",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
}

#[tokio::test]
async fn list_conversations_open_and_closed() {
    let e = start().await;
    let jwt = e.jwt().await;
    let a = e.create_conv(&jwt).await;
    let b = e.create_conv(&jwt).await;
    let r = e
        .miaw(
            Method::DELETE,
            &format!("/conversation/{a}?esDeveloperName={ES}"),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v: Value = e
        .miaw(
            Method::GET,
            "/conversation/list?inclClosedConvs=false&limit=20",
            &jwt,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["openConversationsFound"], 1);
    assert_eq!(v["closedConversationsFound"], 1);
    assert_eq!(v["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(v["conversations"][0]["conversationId"], b);
    assert!(v["conversations"][0]["startTimestamp"].is_u64());
    let v: Value = e
        .miaw(Method::GET, "/conversation/list?inclClosedConvs=true", &jwt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["conversations"].as_array().unwrap().len(), 2);
    let closed = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversationId"] == a)
        .unwrap();
    assert!(closed["endTimestamp"].is_u64());
    let v: Value = e
        .miaw(
            Method::GET,
            "/conversation/list?inclClosedConvs=true&limit=1",
            &jwt,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["conversations"].as_array().unwrap().len(), 1);
    for q in ["limit=0", "limit=x", "inclClosedConvs=maybe"] {
        let r = e
            .miaw(Method::GET, &format!("/conversation/list?{q}"), &jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(err_message(r).await.0, 400, "{q}");
    }
}

#[tokio::test]
async fn list_entries_order_limit_filters() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    for i in 0..3 {
        assert_eq!(e.send_text(&jwt, &conv, &format!("m{i}")).await.0, 202);
    }
    let get = |q: String| {
        let req = e.miaw(
            Method::GET,
            &format!("/conversation/{conv}/entries{q}"),
            &jwt,
        );
        async move { req.send().await.unwrap() }
    };
    let v: Value = get(String::new()).await.json().await.unwrap();
    let all = v["conversationEntries"].as_array().unwrap();
    // Newest first by default; payload is an object here.
    assert!(all.len() >= 5);
    let ts: Vec<u64> = all
        .iter()
        .map(|x| x["transcriptedTimestamp"].as_u64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] >= w[1]));
    let msgs: Vec<&Value> = all.iter().filter(|x| x["entryType"] == "Message").collect();
    assert_eq!(
        msgs[0]["entryPayload"]["abstractMessage"]["staticContent"]["text"],
        "m2"
    );
    assert!(msgs[0]["entryPayload"].is_object());
    let v: Value = get("?direction=FromStart&limit=1".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["conversationEntries"].as_array().unwrap().len(), 1);
    assert_eq!(v["conversationEntries"][0]["entryType"], "RoutingResult");
    let v: Value = get("?entryTypeFilter=Message,ParticipantChanged&limit=50".into())
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = v["conversationEntries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["entryType"].as_str().unwrap())
        .collect();
    assert!(types
        .iter()
        .all(|t| *t == "Message" || *t == "ParticipantChanged"));
    assert_eq!(types.iter().filter(|t| **t == "Message").count(), 3);
    let v: Value = get("?endTimestamp=1".into()).await.json().await.unwrap();
    assert_eq!(v["conversationEntries"].as_array().unwrap().len(), 0);
    let v: Value = get(format!("?startTimestamp={}", ts[ts.len() - 1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["conversationEntries"].as_array().unwrap().len(),
        all.len()
    );
    for q in [
        "?direction=Sideways",
        "?limit=-1",
        "?startTimestamp=yesterday",
        "?entryTypeFilter=Bogus",
    ] {
        assert_eq!(err_message(get(q.into()).await).await.0, 400, "{q}");
    }
    let r = e
        .miaw(
            Method::GET,
            &format!("/conversation/{}/entries", uuid()),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 404);
}

#[tokio::test]
async fn routing_status_values() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let status = |e: &Emu| {
        let req = e.miaw(Method::GET, &format!("/conversation/{conv}"), &jwt);
        async move {
            let v: Value = req.send().await.unwrap().json().await.unwrap();
            v["routingStatus"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(status(&e).await, "INITIAL");
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/accept"),
        json!({"agentId": JANE}),
    )
    .await;
    assert_eq!(status(&e).await, "ROUTED");
    e.control(
        "POST",
        &format!("/control/conversations/{conv}/end"),
        json!({}),
    )
    .await;
    assert_eq!(status(&e).await, "NEEDS_ROUTING");
    let r = e
        .miaw(Method::GET, &format!("/conversation/{}", uuid()), &jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 404);
}

#[tokio::test]
async fn close_conversation_and_end_session() {
    let e = start().await;
    let jwt = e.jwt().await;
    let conv = e.create_conv(&jwt).await;
    let r = e.end_session(&jwt, &conv).await;
    assert_eq!(r.status(), 204);
    assert_eq!(e.send_text(&jwt, &conv, "x").await.0, 417);
    let r = e
        .miaw(
            Method::DELETE,
            &format!("/conversation/{conv}?esDeveloperName=Wrong"),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 400);
    let r = e
        .miaw(
            Method::DELETE,
            &format!("/conversation/{conv}?esDeveloperName={ES}"),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Closing twice is harmless; sending to a closed conversation is refused.
    let r = e
        .miaw(
            Method::DELETE,
            &format!("/conversation/{conv}?esDeveloperName={ES}"),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(e.send_text(&jwt, &conv, "x").await.0, 400);
    let r = e.end_session(&jwt, &conv).await;
    assert_eq!(err_message(r).await.0, 400);
    let c = e
        .control(
            "GET",
            &format!("/control/conversations/{conv}"),
            Value::Null,
        )
        .await;
    assert_eq!(c["status"], "closed");
    let r = e
        .miaw(
            Method::DELETE,
            &format!("/conversation/{}?esDeveloperName={ES}", uuid()),
            &jwt,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 404);
}

#[tokio::test]
async fn embedded_service_config_endpoints() {
    let e = start().await;
    let r = e.http.get(e.url(&format!("/embeddedservice/v1/embedded-service-config?orgId={ORG}&esConfigName={ES}&language=en_US"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["name"], ES);
    assert_eq!(v["forms"][0]["displayContext"], "Conversation");
    assert!(v["choiceListConfig"]["choiceList"][0]["choiceListValues"].is_array());
    let r = e
        .http
        .get(e.url(&format!(
            "/embeddedservice/v1/businesshours?orgId={ORG}&esConfigName={ES}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = e
        .http
        .get(e.url(&format!(
            "/embeddedservice/v1/embedded-service-config?orgId={ORG}&esConfigName=Other"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = e
        .http
        .get(e.url("/embeddedservice/v1/embedded-service-config"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(v["text"].is_string());

    let mut cfg = test_config();
    cfg.config_published = false;
    let e2 = start_with(cfg).await;
    let r = e2
        .http
        .get(e2.url(&format!(
            "/embeddedservice/v1/embedded-service-config?orgId={ORG}&esConfigName={ES}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 412);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["text"], "Embedded Messaging Config is not Published");
}

#[tokio::test]
async fn unknown_route_and_method_are_salesforce_shaped() {
    let e = start().await;
    let r = e
        .http
        .get(e.url("/iamessage/api/v2/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 404);
    let r = e
        .http
        .put(e.url("/iamessage/api/v2/conversation"))
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 405);
}

#[tokio::test]
async fn framework_rejections_are_salesforce_shaped() {
    let e = start().await;
    let jwt = e.jwt().await;
    // Body over the JSON body limit.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let r = e
        .miaw(Method::POST, "/conversation", &jwt)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(err_message(r).await.0, 413);
    // Malformed query string.
    let r = e
        .miaw(Method::GET, "/conversation/list?limit=%zz", &jwt)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert!(status == 400 || status == 200, "{status}");
    if status == 400 {
        err_message(r).await;
    }
    // Control API rejections are JSON too.
    let r = e
        .http
        .post(e.url("/control/agents"))
        .body(big_json())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert!(v["message"].is_string());
}

fn big_json() -> String {
    format!("{{\"name\":\"{}\"}}", "a".repeat(3 * 1024 * 1024))
}
