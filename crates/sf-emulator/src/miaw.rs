//! MIAW REST v2 (`/iamessage/api/v2/...`), SSE (`/eventrouter/v1/sse`) and the embedded-service
//! configuration endpoints (`/embeddedservice/v1/...`). Wire shapes follow `spec/miaw.md`.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::config::ReplayMode;
use crate::error::{ApiError, ApiResult, Flavor};
use crate::state::{
    attachments_content, parse_event_id, AppState, Channel, ConvStatus, Inner, TokenInfo,
};
use crate::util::{
    header_str, is_lower_uuid, jwt_sign, jwt_verify, now_ms, parse_json, uuid, JwtError,
};

type St = State<Arc<AppState>>;

const API: &str = "/iamessage/api/v2";

pub fn router(state: Arc<AppState>) -> Router {
    let file_limit = state
        .config
        .max_file_bytes
        .saturating_mul(2)
        .saturating_add(1 << 20);
    Router::new()
        .route(
            &format!("{API}/authorization/unauthenticated/access-token"),
            post(unauth_token).delete(revoke),
        )
        .route(
            &format!("{API}/authorization/authenticated/access-token"),
            post(auth_token).delete(revoke),
        )
        .route(
            &format!("{API}/authorization/continuation-access-token"),
            get(continuation_token),
        )
        .route(&format!("{API}/conversation"), post(create_conversation))
        .route(&format!("{API}/conversation/list"), get(list_conversations))
        .route(
            &format!("{API}/conversation/{{id}}"),
            get(routing_status).delete(close_conversation),
        )
        .route(
            &format!("{API}/conversation/{{id}}/message"),
            post(send_message),
        )
        .route(
            &format!("{API}/conversation/{{id}}/entry"),
            post(send_entry),
        )
        .route(
            &format!("{API}/conversation/{{id}}/acknowledge-entries"),
            post(acknowledge_entries),
        )
        .route(
            &format!("{API}/conversation/{{id}}/file"),
            post(send_file).layer(DefaultBodyLimit::max(file_limit)),
        )
        .route(
            &format!("{API}/conversation/{{id}}/entries"),
            get(list_entries),
        )
        .route(
            &format!("{API}/conversation/{{id}}/session"),
            axum::routing::delete(end_session),
        )
        .route("/eventrouter/v1/sse", get(sse))
        .route(
            "/embeddedservice/v1/embedded-service-config",
            get(es_config_endpoint),
        )
        .route("/embeddedservice/v1/businesshours", get(business_hours))
        .with_state(state)
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::miaw(StatusCode::BAD_REQUEST, msg)
}

fn unauthorized(msg: impl Into<String>) -> ApiError {
    ApiError::miaw(StatusCode::UNAUTHORIZED, msg)
}

fn not_found() -> ApiError {
    ApiError::miaw(StatusCode::NOT_FOUND, "Conversation not found")
}

fn too_many(msg: impl Into<String>) -> ApiError {
    ApiError::miaw(StatusCode::TOO_MANY_REQUESTS, msg)
}

/// Sliding-window rate limit; `limit == 0` disables it.
fn rate_ok(q: &mut VecDeque<Instant>, limit: u32, window: Duration) -> bool {
    if limit == 0 {
        return true;
    }
    let now = Instant::now();
    while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
        q.pop_front();
    }
    if q.len() >= limit as usize {
        return false;
    }
    q.push_back(now);
    true
}

/// The `embeddedServiceConfig` object (also served by the config endpoint).
pub fn es_config(state: &AppState, auth_mode: &str) -> Value {
    let c = &state.config;
    let mut v = json!({
        "name": c.es_developer_name,
        "deploymentType": "api",
        "embeddedServiceMessagingChannel": {
            "channelAddressIdentifier": c.channel_address_identifier,
            "authMode": auth_mode,
        },
        "forms": c.prechat.get("forms").cloned().unwrap_or_else(|| json!([])),
        "choiceListConfig": c.prechat.get("choiceListConfig").cloned().unwrap_or_else(|| json!({"choiceList": []})),
    });
    if let Some(extra) = c.prechat.as_object() {
        for (k, val) in extra {
            if k != "forms" && k != "choiceListConfig" {
                v[k] = val.clone();
            }
        }
    }
    v
}

/// An authenticated caller.
struct Caller {
    subject: String,
    client_id: String,
    jti: String,
    org_id: String,
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let Some(auth) = header_str(headers, "authorization") else {
        return Err(unauthorized(
            "Full authentication is required to access this resource",
        ));
    };
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .ok_or_else(|| unauthorized("Authorization header must be a Bearer token"))?
        .trim();
    let claims = jwt_verify(&state.config.token_secret, token).map_err(|e| match e {
        JwtError::Expired => unauthorized("Jwt is expired"),
        _ => unauthorized("Invalid JWT: signature or format is invalid"),
    })?;
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let g = state.lock();
    let info = g
        .tokens
        .get(&jti)
        .ok_or_else(|| unauthorized("Invalid JWT: unknown token"))?;
    if info.revoked {
        return Err(unauthorized("Invalid JWT: token has been revoked"));
    }
    if info.expired {
        return Err(unauthorized("Jwt is expired"));
    }
    Ok(Caller {
        subject: info.subject.clone(),
        client_id: info.client_id.clone(),
        jti,
        org_id: claims
            .get("orgId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

fn issue_token(
    state: &AppState,
    g: &mut Inner,
    subject: &str,
    authenticated: bool,
) -> (String, String) {
    let jti = uuid();
    let client_id = uuid();
    let now = now_ms() / 1000;
    let claims = json!({
        "iss": "sf-emulator",
        "sub": subject,
        "jti": jti,
        "clientId": client_id,
        "orgId": state.config.org_id,
        "esDeveloperName": state.config.es_developer_name,
        "authType": if authenticated { "AUTH" } else { "UNAUTH" },
        "iat": now,
        "exp": now + state.config.token_lifetime.as_secs().max(1),
    });
    let token = jwt_sign(&state.config.token_secret, &claims);
    g.tokens.insert(
        jti.clone(),
        TokenInfo {
            subject: subject.to_string(),
            client_id,
            revoked: false,
            expired: false,
            authenticated,
            conv_creations: VecDeque::new(),
        },
    );
    (token, jti)
}

fn token_response(state: &AppState, g: &mut Inner, subject: &str, authenticated: bool) -> Value {
    let (token, _) = issue_token(state, g, subject, authenticated);
    let last = g.subject_log(subject).last_wire.clone();
    json!({
        "accessToken": token,
        "lastEventId": last,
        "context": {
            "deviceId": uuid(),
            "configuration": {
                "embeddedServiceConfig": es_config(state, if authenticated { "Auth" } else { "UnAuth" }),
            }
        }
    })
}

fn check_token_request(state: &AppState, body: &Value) -> ApiResult<()> {
    let org = body
        .get("orgId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("orgId is required"))?;
    if !state.config.org_matches(org) {
        return Err(bad(format!("Invalid orgId: {org}")));
    }
    let es = body
        .get("esDeveloperName")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("esDeveloperName is required"))?;
    if es != state.config.es_developer_name {
        return Err(bad(format!(
            "No Embedded Service deployment of type api named {es} was found; use a Custom Client (api) deployment"
        )));
    }
    for (k, want) in [("capabilitiesVersion", None), ("platform", Some("Web"))] {
        if let Some(v) = body.get(k) {
            let Some(s) = v.as_str() else {
                return Err(bad(format!("{k} must be a string")));
            };
            if want.is_some_and(|w| w != s) {
                return Err(bad(format!("Unsupported {k}: {s}")));
            }
        }
    }
    Ok(())
}

fn rate_token(state: &AppState, g: &mut Inner) -> ApiResult<()> {
    if rate_ok(
        &mut g.token_times,
        state.config.rate_limits.access_tokens_per_minute,
        Duration::from_secs(60),
    ) {
        Ok(())
    } else {
        Err(too_many(
            "Access token rate limit exceeded (per org per minute)",
        ))
    }
}

async fn unauth_token(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    check_token_request(&state, &body)?;
    let mut g = state.lock();
    rate_token(&state, &mut g)?;
    let subject = format!("v2/iamessage/UNAUTH/NA/uid:{}", uuid());
    Ok(Json(token_response(&state, &mut g, &subject, false)))
}

async fn auth_token(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    check_token_request(&state, &body)?;
    match body.get("authorizationType").and_then(Value::as_str) {
        Some("JWT") => {}
        Some(other) => return Err(bad(format!("Unsupported authorizationType: {other}"))),
        None => return Err(bad("authorizationType is required")),
    }
    let ident = body
        .get("customerIdentityToken")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("customerIdentityToken is required"))?;
    let secret = state
        .config
        .user_verification_secret
        .as_deref()
        .ok_or_else(|| bad("User verification is not configured for this deployment"))?;
    let claims = jwt_verify(secret, ident).map_err(|e| match e {
        JwtError::Expired => unauthorized("Customer identity token is expired"),
        JwtError::BadSignature => unauthorized("Customer identity token signature is invalid"),
        JwtError::Malformed => {
            unauthorized("Customer identity token is malformed (HS256 JWT expected)")
        }
    })?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unauthorized("Customer identity token has no sub claim"))?;
    let mut g = state.lock();
    rate_token(&state, &mut g)?;
    let subject = format!("v2/iamessage/AUTH/NA/uid:{sub}");
    Ok(Json(token_response(&state, &mut g, &subject, true)))
}

async fn continuation_token(State(state): St, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let caller = authenticate(&state, &headers)?;
    let mut g = state.lock();
    rate_token(&state, &mut g)?;
    let authenticated = g.tokens.get(&caller.jti).is_some_and(|t| t.authenticated);
    Ok(Json(token_response(
        &state,
        &mut g,
        &caller.subject,
        authenticated,
    )))
}

async fn revoke(State(state): St, headers: HeaderMap) -> ApiResult<StatusCode> {
    let caller = authenticate(&state, &headers)?;
    if let Some(t) = state.lock().tokens.get_mut(&caller.jti) {
        t.revoked = true;
    }
    Ok(StatusCode::NO_CONTENT)
}

fn check_es_name(state: &AppState, v: Option<&Value>) -> ApiResult<()> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if *s == state.config.es_developer_name => Ok(()),
        Some(other) => Err(bad(format!("Invalid esDeveloperName: {other}"))),
    }
}

fn check_routing_attributes(v: Option<&Value>) -> ApiResult<Value> {
    match v {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::Object(m)) => {
            if m.values().any(|x| x.is_object() || x.is_array()) {
                return Err(bad(
                    "routingAttributes values must be strings, numbers or booleans",
                ));
            }
            Ok(Value::Object(m.clone()))
        }
        Some(_) => Err(bad("routingAttributes must be an object")),
    }
}

fn visitor_name(attrs: &Value) -> String {
    let first = attrs
        .get("_firstName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let last = attrs.get("_lastName").and_then(Value::as_str).unwrap_or("");
    let name = format!("{first} {last}").trim().to_string();
    if name.is_empty() {
        "Guest".to_string()
    } else {
        name
    }
}

async fn create_conversation(
    State(state): St,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&state, &headers)?;
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    if !body.is_object() {
        return Err(bad("Request body must be a JSON object"));
    }
    let id = body
        .get("conversationId")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("conversationId is required"))?
        .to_string();
    if !is_lower_uuid(&id) {
        return Err(bad("conversationId must be a lowercase UUID"));
    }
    match body.get("esDeveloperName") {
        None | Some(Value::Null) => return Err(bad("esDeveloperName is required")),
        v => check_es_name(&state, v)?,
    }
    let attrs = check_routing_attributes(body.get("routingAttributes"))?;
    if let Some(l) = body.get("language") {
        if !l.is_string() && !l.is_null() {
            return Err(bad("language must be a string"));
        }
    }
    let cfg = &state.config;
    let mut g = state.lock();
    if g.convs.contains_key(&id) {
        return Err(ApiError::miaw(
            StatusCode::CONFLICT,
            "A conversation with this conversationId already exists",
        ));
    }
    let limit = cfg.rate_limits.conversations_per_30s;
    let ok = match g.tokens.get_mut(&caller.jti) {
        Some(t) => rate_ok(&mut t.conv_creations, limit, Duration::from_secs(30)),
        None => true,
    };
    if !ok {
        return Err(too_many("Conversation creation rate limit exceeded"));
    }
    let name = visitor_name(&attrs);
    g.new_conv(
        &id,
        Channel::Miaw,
        name,
        json!({"routingAttributes": attrs, "language": body.get("language")}),
        Some(caller.subject.clone()),
    );
    g.record(
        &id,
        "event",
        "System",
        "System",
        None,
        Some("Conversation created"),
        None,
        Some(attrs),
    );
    g.miaw_routing_result(&cfg.channel_address_identifier, &id, "Initial");
    if g.auto_accept {
        if let Some(a) = g.agents.iter().find(|a| a.available).map(|a| a.id.clone()) {
            let _ = g.join(cfg, &id, &a, false);
        }
    }
    drop(g);
    let base = format!(
        "http://{}",
        crate::util::header_str(&headers, "host").unwrap_or("127.0.0.1")
    );
    crate::scenario::start(&state, &id, base);
    Ok((StatusCode::CREATED, Json(json!({"conversationId": id}))).into_response())
}

/// The caller's conversation, or 404 (also for other subjects' conversations).
fn owned<'a>(g: &'a Inner, caller: &Caller, id: &str) -> ApiResult<&'a crate::state::Conv> {
    g.convs
        .get(id)
        .filter(|c| {
            c.channel == Channel::Miaw && c.subject.as_deref() == Some(caller.subject.as_str())
        })
        .ok_or_else(not_found)
}

/// Checks shared by message and file sends; may start a new messaging session.
fn prepare_send(
    state: &AppState,
    g: &mut Inner,
    caller: &Caller,
    id: &str,
    body: &Value,
) -> ApiResult<()> {
    check_es_name(state, body.get("esDeveloperName"))?;
    let attrs = check_routing_attributes(body.get("routingAttributes"))?;
    let new_session = match body.get("isNewMessagingSession") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("isNewMessagingSession must be a boolean")),
    };
    let conv = owned(g, caller, id)?;
    match conv.status {
        ConvStatus::Closed => return Err(bad("Conversation is closed")),
        ConvStatus::Ended if !new_session => {
            return Err(ApiError::miaw(
                StatusCode::EXPECTATION_FAILED,
                "No active messaging session exists for this conversation; send the message with isNewMessagingSession=true",
            ))
        }
        ConvStatus::Ended => {
            let chan = state.config.channel_address_identifier.clone();
            if let Some(c) = g.convs.get_mut(id) {
                c.status = ConvStatus::Waiting;
                c.end_reason = None;
                c.ended_ms = None;
                if attrs.as_object().is_some_and(|m| !m.is_empty()) {
                    c.details["routingAttributes"] = attrs.clone();
                    c.visitor_name = visitor_name(&attrs);
                }
            }
            g.record(id, "event", "System", "System", None, Some("New messaging session started"), None, Some(attrs));
            g.miaw_routing_result(&chan, id, "Initial");
        }
        _ => {}
    }
    let limit = state.config.rate_limits.messages_per_minute;
    let c = g.convs.get_mut(id).ok_or_else(not_found)?;
    if !rate_ok(&mut c.msg_times, limit, Duration::from_secs(60)) {
        return Err(too_many(
            "Inbound message rate limit exceeded for this conversation",
        ));
    }
    Ok(())
}

fn end_user_sender(caller: &Caller) -> Value {
    json!({"role": "EndUser", "appType": "iamessage", "subject": caller.subject, "clientIdentifier": caller.client_id})
}

fn accepted(msg_id: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({"conversationEntries": [{"id": msg_id, "clientTimestamp": now_ms()}]})),
    )
        .into_response()
}

/// (id, normalised abstractMessage, transcript text, transcript kind, transcript data).
type ValidMessage = (String, Value, Option<String>, &'static str, Option<Value>);

/// Validate `message` of a send-message body; returns (id, normalised abstractMessage, text, kind, data).
fn validate_message(g: &Inner, conv_id: &str, m: &Value) -> ApiResult<ValidMessage> {
    let obj = m
        .as_object()
        .ok_or_else(|| bad("message is required and must be an object"))?;
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("message.id is required"))?;
    if !is_lower_uuid(id) {
        return Err(bad("message.id must be a lowercase UUID"));
    }
    let reply_to = match obj.get("inReplyToMessageId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad("message.inReplyToMessageId must be a string")),
    };
    let mut abs = json!({
        "messageType": obj.get("messageType").cloned().unwrap_or(Value::Null),
        "inReplyToMessageId": reply_to,
        "id": id,
        "references": [],
    });
    match obj.get("messageType").and_then(Value::as_str) {
        Some("StaticContentMessage") => {
            let sc = obj
                .get("staticContent")
                .ok_or_else(|| bad("message.staticContent is required"))?;
            if sc.get("formatType").and_then(Value::as_str) != Some("Text") {
                return Err(bad("staticContent.formatType must be Text"));
            }
            let text = sc
                .get("text")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("staticContent.text is required"))?;
            if text.trim().is_empty() {
                return Err(bad("staticContent.text must not be empty"));
            }
            abs["staticContent"] = json!({"formatType": "Text", "text": text});
            Ok((id.to_string(), abs, Some(text.to_string()), "message", None))
        }
        Some("ChoicesResponseMessage") => {
            let cr = obj
                .get("choicesResponse")
                .ok_or_else(|| bad("message.choicesResponse is required"))?;
            if cr.get("formatType").and_then(Value::as_str) != Some("Selections") {
                return Err(bad("choicesResponse.formatType must be Selections"));
            }
            let sel = cr
                .get("selectedOptions")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| bad("choicesResponse.selectedOptions must be a non-empty array"))?;
            let mut idents = Vec::new();
            for s in sel {
                let i = s
                    .get("optionIdentifier")
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad("selectedOptions[].optionIdentifier is required"))?;
                idents.push(i.to_string());
            }
            // When the reply names a known ChoicesMessage, its options must contain the selection.
            let mut titles = Vec::new();
            if let Some(rt) = &reply_to {
                let choices = g.convs.get(conv_id).and_then(|c| {
                    c.transcript.iter().find(|t| {
                        t.kind == "choices" && t.message_id.as_deref() == Some(rt.as_str())
                    })
                });
                if let Some(ch) = choices {
                    let opts = ch
                        .data
                        .as_ref()
                        .and_then(|d| d.get("options"))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for i in &idents {
                        let Some(o) = opts
                            .iter()
                            .find(|o| o.get("optionIdentifier").and_then(Value::as_str) == Some(i))
                        else {
                            return Err(bad(format!(
                                "Unknown optionIdentifier {i} for message {rt}"
                            )));
                        };
                        titles.push(
                            o.get("title")
                                .and_then(Value::as_str)
                                .unwrap_or(i)
                                .to_string(),
                        );
                    }
                }
            }
            abs["choicesResponse"] = cr.clone();
            let text = if titles.is_empty() {
                idents.join(", ")
            } else {
                titles.join(", ")
            };
            Ok((
                id.to_string(),
                abs,
                Some(text),
                "choicesResponse",
                Some(json!({"selectedOptions": idents})),
            ))
        }
        Some(other) => Err(bad(format!("Unsupported messageType: {other}"))),
        None => Err(bad("message.messageType is required")),
    }
}

async fn send_message(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&state, &headers)?;
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    let mut g = state.lock();
    owned(&g, &caller, &id)?;
    let (msg_id, abs, text, kind, data) =
        validate_message(&g, &id, body.get("message").unwrap_or(&Value::Null))?;
    // A retried send with the same message id is accepted once (no duplicate echo).
    if g.convs[&id].entries.iter().any(|e| e.identifier == msg_id) {
        return Ok(accepted(&msg_id));
    }
    prepare_send(&state, &mut g, &caller, &id, &body)?;
    deliver_end_user_message(
        &state,
        &mut g,
        &caller,
        &id,
        &msg_id,
        abs,
        text.as_deref(),
        kind,
        data,
    );
    Ok(accepted(&msg_id))
}

#[allow(clippy::too_many_arguments)]
fn deliver_end_user_message(
    state: &AppState,
    g: &mut Inner,
    caller: &Caller,
    conv_id: &str,
    msg_id: &str,
    abs: Value,
    text: Option<&str>,
    kind: &str,
    data: Option<Value>,
) {
    let chan = state.config.channel_address_identifier.clone();
    let payload = json!({"entryType": "Message", "id": msg_id, "abstractMessage": abs, "messageReason": Value::Null});
    let entry = Inner::make_entry(
        "Message",
        msg_id,
        payload,
        end_user_sender(caller),
        "Guest",
        vec![],
    );
    let name = g
        .convs
        .get(conv_id)
        .map(|c| c.visitor_name.clone())
        .unwrap_or_default();
    g.record(
        conv_id,
        kind,
        "EndUser",
        &name,
        None,
        text,
        Some(msg_id),
        data,
    );
    if let Some(c) = g.convs.get_mut(conv_id) {
        c.visitor_typing = false;
    }
    g.miaw_emit(&chan, conv_id, entry, true);
    if state.config.auto_delivery_ack {
        let first_agent = g.convs.get(conv_id).and_then(|c| c.agents.first().cloned());
        if let Some(a) = first_agent.and_then(|a| g.agent(&a).ok()) {
            g.miaw_ack(&chan, conv_id, false, &a);
        }
    }
}

async fn send_entry(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&state, &headers)?;
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    let ty = body
        .get("entryType")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("entryType is required"))?;
    let entry_id = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("id is required"))?;
    if !is_lower_uuid(entry_id) {
        return Err(bad("id must be a lowercase UUID"));
    }
    let mut g = state.lock();
    let conv = owned(&g, &caller, &id)?;
    if conv.status == ConvStatus::Closed {
        return Err(bad("Conversation is closed"));
    }
    match ty {
        "TypingStartedIndicator" | "TypingStoppedIndicator" => {
            let on = ty == "TypingStartedIndicator";
            if let Some(c) = g.convs.get_mut(&id) {
                c.visitor_typing = on;
            }
            if state.config.echo_end_user_typing {
                let e = Inner::make_entry(
                    ty,
                    entry_id,
                    json!({"entryType": ty, "id": entry_id}),
                    end_user_sender(&caller),
                    "Guest",
                    vec![],
                );
                g.miaw_emit(&state.config.channel_address_identifier, &id, e, false);
            }
        }
        "DeliveryAcknowledgement" | "ReadAcknowledgement" => {
            let acked = body
                .get("acknowledgedConversationEntryIdentifier")
                .or_else(|| {
                    body.get("entryPayload")
                        .and_then(|p| p.get("acknowledgedConversationEntryIdentifier"))
                })
                .and_then(Value::as_str)
                .ok_or_else(|| bad("acknowledgedConversationEntryIdentifier is required"))?
                .to_string();
            end_user_ack(&mut g, &id, &acked, ty == "ReadAcknowledgement");
        }
        other => return Err(bad(format!("Unsupported entryType: {other}"))),
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

/// Record the end user's delivery/read acknowledgement of an agent entry.
fn end_user_ack(g: &mut Inner, conv_id: &str, entry_id: &str, read: bool) {
    if let Some(c) = g.convs.get_mut(conv_id) {
        for t in c
            .transcript
            .iter_mut()
            .filter(|t| t.role == "Agent" && t.message_id.as_deref() == Some(entry_id))
        {
            t.delivered = Some(true);
            if read {
                t.read = Some(true);
            }
        }
    }
}

async fn acknowledge_entries(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&state, &headers)?;
    let body: Value = parse_json(Flavor::Miaw, &body)?;
    let acks = body
        .get("acks")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("acks must be a non-empty array"))?;
    let mut parsed = Vec::new();
    for a in acks {
        let kind = a
            .get("entryType")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("acks[].entryType is required"))?;
        if !matches!(kind, "Delivery" | "Read") {
            return Err(bad("acks[].entryType must be Delivery or Read"));
        }
        let target = a
            .get("conversationEntryId")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("acks[].conversationEntryId is required"))?;
        parsed.push((target.to_string(), kind == "Read"));
    }
    let mut g = state.lock();
    owned(&g, &caller, &id)?;
    for (t, read) in parsed {
        end_user_ack(&mut g, &id, &t, read);
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

fn guess_mime(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

fn base_url(headers: &HeaderMap) -> String {
    format!(
        "http://{}",
        header_str(headers, "host").unwrap_or("127.0.0.1")
    )
}

async fn send_file(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let caller = authenticate(&state, &headers)?;
    let mut mp = multipart.map_err(|e| bad(format!("Expected multipart/form-data: {e}")))?;
    let mut entry: Option<Value> = None;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let status = e.status();
                return Err(ApiError::miaw(
                    if status == StatusCode::PAYLOAD_TOO_LARGE {
                        status
                    } else {
                        StatusCode::BAD_REQUEST
                    },
                    format!("Invalid multipart body: {e}"),
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let filename = field.file_name().map(str::to_string);
        let ctype = field.content_type().map(str::to_string);
        let data = field.bytes().await.map_err(|e| {
            let status = e.status();
            ApiError::miaw(
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    status
                } else {
                    StatusCode::BAD_REQUEST
                },
                format!("Invalid multipart body: {e}"),
            )
        })?;
        match name.as_str() {
            "messageEntry" => entry = Some(parse_json(Flavor::Miaw, &data)?),
            "fileData" => {
                let fname = filename.unwrap_or_else(|| "file".to_string());
                let mime = match ctype.as_deref() {
                    None | Some("application/octet-stream") => guess_mime(&fname).to_string(),
                    Some(m) => m.split(';').next().unwrap_or(m).trim().to_ascii_lowercase(),
                };
                file = Some((fname, mime, data.to_vec()));
            }
            _ => {}
        }
    }
    let entry = entry.ok_or_else(|| bad("messageEntry part is required"))?;
    let (fname, mime, bytes) = file.ok_or_else(|| bad("fileData part is required"))?;
    let msg = entry
        .get("message")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("messageEntry.message is required"))?;
    let msg_id = msg
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("message.id is required"))?
        .to_string();
    if !is_lower_uuid(&msg_id) {
        return Err(bad("message.id must be a lowercase UUID"));
    }
    let file_id = match msg.get("fileId") {
        None | Some(Value::Null) => uuid(),
        Some(Value::String(s)) if is_lower_uuid(s) => s.clone(),
        Some(_) => return Err(bad("message.fileId must be a lowercase UUID")),
    };
    let caption = msg.get("text").and_then(Value::as_str).map(str::to_string);
    let reply_to = msg
        .get("inReplyToMessageId")
        .and_then(Value::as_str)
        .map(str::to_string);
    let cfg = &state.config;
    if bytes.len() > cfg.max_file_bytes {
        return Err(ApiError::miaw(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "File exceeds the maximum size of {} bytes",
                cfg.max_file_bytes
            ),
        ));
    }
    if !cfg.allowed_file_types.is_empty()
        && !cfg
            .allowed_file_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&mime))
    {
        return Err(ApiError::miaw(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported file type: {mime}"),
        ));
    }
    let base = base_url(&headers);
    let mut g = state.lock();
    owned(&g, &caller, &id)?;
    if g.convs[&id].entries.iter().any(|e| e.identifier == msg_id) {
        return Ok(accepted(&msg_id));
    }
    prepare_send(&state, &mut g, &caller, &id, &entry)?;
    let size = bytes.len();
    g.files.insert(
        file_id.clone(),
        crate::state::StoredFile {
            name: fname.clone(),
            mime: mime.clone(),
            bytes,
        },
    );
    let abs = json!({
        "messageType": "StaticContentMessage",
        "inReplyToMessageId": reply_to,
        "id": msg_id,
        "references": [],
        "staticContent": attachments_content(&base, &file_id, &fname, &mime, size, caption.as_deref()),
    });
    let data = json!({"fileId": file_id, "name": fname, "mimeType": mime, "size": size, "url": format!("{base}/files/{file_id}")});
    deliver_end_user_message(
        &state,
        &mut g,
        &caller,
        &id,
        &msg_id,
        abs,
        caption.as_deref(),
        "file",
        Some(data),
    );
    Ok(accepted(&msg_id))
}

fn parse_limit(q: &HashMap<String, String>) -> ApiResult<usize> {
    match q.get("limit") {
        None => Ok(20),
        Some(s) => match s.parse::<usize>() {
            Ok(0) | Err(_) => Err(bad("limit must be a positive integer")),
            Ok(n) => Ok(n.min(50)),
        },
    }
}

async fn list_conversations(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&state, &headers)?;
    let limit = parse_limit(&q)?;
    let incl_closed = match q.get("inclClosedConvs").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad("inclClosedConvs must be true or false")),
    };
    let g = state.lock();
    let mut mine: Vec<&crate::state::Conv> = g
        .convs
        .values()
        .filter(|c| {
            c.channel == Channel::Miaw && c.subject.as_deref() == Some(caller.subject.as_str())
        })
        .collect();
    mine.sort_by_key(|c| std::cmp::Reverse(c.created_ms));
    let open = mine
        .iter()
        .filter(|c| c.status != ConvStatus::Closed)
        .count();
    let closed = mine.len() - open;
    let convs: Vec<Value> = mine
        .iter()
        .filter(|c| incl_closed || c.status != ConvStatus::Closed)
        .take(limit)
        .map(|c| {
            let mut v = json!({"conversationId": c.id, "startTimestamp": c.created_ms});
            if c.status == ConvStatus::Closed {
                v["endTimestamp"] = json!(c.ended_ms);
            }
            v
        })
        .collect();
    Ok(Json(json!({
        "openConversationsFound": open,
        "closedConversationsFound": closed,
        "conversations": convs,
    })))
}

async fn list_entries(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&state, &headers)?;
    let limit = parse_limit(&q)?;
    let ts = |k: &str| -> ApiResult<Option<u64>> {
        match q.get(k) {
            None => Ok(None),
            Some(s) => s
                .parse::<u64>()
                .map(Some)
                .map_err(|_| bad(format!("{k} must be epoch milliseconds"))),
        }
    };
    let (start, end) = (ts("startTimestamp")?, ts("endTimestamp")?);
    let from_start = match q.get("direction").map(String::as_str) {
        None | Some("FromEnd") => false,
        Some("FromStart") => true,
        Some(d) => {
            return Err(bad(format!(
                "Invalid direction: {d} (FromStart or FromEnd)"
            )))
        }
    };
    const TYPES: [&str; 7] = [
        "Message",
        "ParticipantChanged",
        "RoutingResult",
        "DeliveryAcknowledgement",
        "ReadAcknowledgement",
        "SessionStatusChanged",
        "CloseConversation",
    ];
    let filter: Option<Vec<String>> = match q.get("entryTypeFilter") {
        None => None,
        Some(s) => {
            let list: Vec<String> = s
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect();
            if let Some(badt) = list
                .iter()
                .find(|t| !TYPES.contains(&t.as_str()) && !t.ends_with("Indicator"))
            {
                return Err(bad(format!("Invalid entryTypeFilter value: {badt}")));
            }
            Some(list)
        }
    };
    let g = state.lock();
    let conv = owned(&g, &caller, &id)?;
    let matching = conv.entries.iter().filter(|e| {
        start.is_none_or(|s| e.transcripted_ts >= s)
            && end.is_none_or(|x| e.transcripted_ts <= x)
            && filter.as_ref().is_none_or(|f| f.contains(&e.entry_type))
    });
    let list: Vec<Value> = if from_start {
        matching.take(limit).map(|e| e.to_json(false)).collect()
    } else {
        matching
            .rev()
            .take(limit)
            .map(|e| e.to_json(false))
            .collect()
    };
    Ok(Json(json!({"conversationEntries": list})))
}

async fn routing_status(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&state, &headers)?;
    let g = state.lock();
    let c = owned(&g, &caller, &id)?;
    Ok(Json(
        json!({"conversationId": c.id, "routingStatus": c.routing_status}),
    ))
}

async fn close_conversation(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let caller = authenticate(&state, &headers)?;
    check_es_name(
        &state,
        q.get("esDeveloperName")
            .map(|s| Value::String(s.clone()))
            .as_ref(),
    )?;
    let cfg = &state.config;
    let mut g = state.lock();
    let c = owned(&g, &caller, &id)?;
    if c.status == ConvStatus::Closed {
        return Ok(StatusCode::NO_CONTENT);
    }
    let agents: Vec<String> = c.agents.clone();
    for a in &agents {
        let _ = g.leave_silently(cfg, &id, a);
    }
    if let Some(c) = g.convs.get_mut(&id) {
        c.status = ConvStatus::Closed;
        c.end_reason = Some("client".into());
        c.ended_ms = Some(now_ms());
        c.routing_status = "NEEDS_ROUTING";
        c.visitor_typing = false;
    }
    g.record(
        &id,
        "event",
        "System",
        "System",
        None,
        Some("The end user closed the conversation"),
        None,
        None,
    );
    let eid = uuid();
    let e = Inner::make_entry(
        "CloseConversation",
        &eid,
        json!({"entryType": "CloseConversation", "id": eid, "conversationId": id}),
        end_user_sender(&caller),
        "Guest",
        vec![],
    );
    g.miaw_emit(&cfg.channel_address_identifier, &id, e, true);
    Ok(StatusCode::NO_CONTENT)
}

async fn end_session(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<StatusCode> {
    let caller = authenticate(&state, &headers)?;
    check_es_name(
        &state,
        q.get("esDeveloperName")
            .map(|s| Value::String(s.clone()))
            .as_ref(),
    )?;
    let cfg = &state.config;
    let mut g = state.lock();
    let c = owned(&g, &caller, &id)?;
    match c.status {
        ConvStatus::Closed => return Err(bad("Conversation is closed")),
        ConvStatus::Ended => return Ok(StatusCode::NO_CONTENT),
        _ => {}
    }
    g.end_user_end_session(cfg, &id);
    Ok(StatusCode::NO_CONTENT)
}

async fn sse(State(state): St, headers: HeaderMap) -> Response {
    match sse_inner(state, &headers) {
        Ok(r) => r,
        Err(e) => e.with_path("/eventrouter/v1/sse").into_response(),
    }
}

fn sse_inner(state: Arc<AppState>, headers: &HeaderMap) -> ApiResult<Response> {
    let caller = authenticate(&state, headers)?;
    let org = header_str(headers, "x-org-id").ok_or_else(|| bad("X-Org-Id header is required"))?;
    if org != state.config.org_id
        || (!caller.org_id.is_empty() && !state.config.org_matches(&caller.org_id))
    {
        return Err(unauthorized("OrgId in the header and token must match"));
    }
    // Either id format is understood (the counter after the last `:`); an unreadable value
    // means "live events only". `replay=none` ignores the header.
    let last_event: Option<u64> = match state.config.variants.replay {
        ReplayMode::None => None,
        _ => header_str(headers, "last-event-id").and_then(parse_event_id),
    };
    let (rx, start) = {
        let mut g = state.lock();
        let log = g.subject_log(&caller.subject);
        let newest = log.last_id;
        let rx = log.tx.subscribe();
        let mut start = last_event.unwrap_or(newest).min(newest);
        if let ReplayMode::Last(n) = state.config.variants.replay {
            start = start.max(newest.saturating_sub(n.into()));
        }
        // The truncate-replay fault fires on the next connect that has events to replay.
        if start < newest {
            if let Some(keep) = g.faults.truncate_replay.take() {
                start = start.max(newest.saturating_sub(keep.into()));
            }
        }
        (rx, start)
    };
    let stream = crate::sse::event_stream(state.clone(), caller.subject, start, rx);
    let body = Body::from_stream(futures_util::StreamExt::map(
        stream,
        Ok::<Bytes, Infallible>,
    ));
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream;charset=UTF-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

fn es_query_check(state: &AppState, q: &HashMap<String, String>) -> ApiResult<()> {
    let es_err = |s, m: String| ApiError::new(Flavor::EmbeddedService, s, m);
    let org = q
        .get("orgId")
        .ok_or_else(|| es_err(StatusCode::BAD_REQUEST, "orgId is required".into()))?;
    let name = q
        .get("esConfigName")
        .ok_or_else(|| es_err(StatusCode::BAD_REQUEST, "esConfigName is required".into()))?;
    if !state.config.org_matches(org) || *name != state.config.es_developer_name {
        return Err(es_err(
            StatusCode::NOT_FOUND,
            format!("No Embedded Service deployment {name} in org {org}"),
        ));
    }
    if !state.config.config_published {
        return Err(es_err(
            StatusCode::PRECONDITION_FAILED,
            "Embedded Messaging Config is not Published".into(),
        ));
    }
    Ok(())
}

async fn es_config_endpoint(
    State(state): St,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    es_query_check(&state, &q)?;
    Ok(Json(es_config(&state, "UnAuth")))
}

async fn business_hours(
    State(state): St,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    es_query_check(&state, &q)?;
    let now = now_ms();
    Ok(Json(json!({
        "businessHoursInfo": {
            "businessHours": [{"startTime": now - 3_600_000, "endTime": now + 86_400_000}]
        }
    })))
}

impl Inner {
    /// Remove an agent without putting the conversation back in the queue (used on close).
    pub fn leave_silently(
        &mut self,
        cfg: &crate::EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
    ) -> ApiResult<()> {
        let agent = self.agent(agent_id)?;
        if let Some(c) = self.convs.get_mut(conv_id) {
            c.agents.retain(|a| a != &agent.id);
        }
        let id = uuid();
        let payload = json!({
            "entryType": "ParticipantChanged",
            "id": id,
            "entries": [{
                "operation": "remove",
                "displayName": agent.name,
                "participant": {"role": "Agent", "appType": "agent", "subject": agent.id, "clientIdentifier": agent.id},
                "menuMetadata": Value::Null,
            }],
        });
        let e = Inner::make_entry(
            "ParticipantChanged",
            &id,
            payload,
            json!({"role": "System", "appType": "custom", "subject": "system"}),
            "Automated Process",
            vec![],
        );
        self.miaw_emit(&cfg.channel_address_identifier, conv_id, e, true);
        Ok(())
    }

    /// The end user ends the messaging session (conversation stays open).
    pub fn end_user_end_session(&mut self, cfg: &crate::EmulatorConfig, conv_id: &str) {
        let agents: Vec<String> = self
            .convs
            .get(conv_id)
            .map(|c| c.agents.clone())
            .unwrap_or_default();
        for a in &agents {
            let _ = self.leave_silently(cfg, conv_id, a);
        }
        if let Some(c) = self.convs.get_mut(conv_id) {
            c.status = ConvStatus::Ended;
            c.end_reason = Some("client".into());
            c.ended_ms = Some(now_ms());
            c.routing_status = "NEEDS_ROUTING";
            c.visitor_typing = false;
        }
        self.record(
            conv_id,
            "event",
            "System",
            "System",
            None,
            Some("The end user ended the messaging session"),
            None,
            None,
        );
        self.miaw_session_ended(&cfg.channel_address_identifier, conv_id, false);
    }
}
