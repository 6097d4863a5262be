//! Legacy Live Agent chat REST API (`/chat/rest/...`), visitor side: session, chat request,
//! long polling with `ack`/`sequence`/`offset`, visitor actions, reconnect / resync, availability.
//! Wire shapes follow `spec/live-agent.md`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::error::{ApiError, ApiResult, Flavor};
use crate::state::{AppState, Channel, ConvStatus, Inner, LcOut, LcSession};
use crate::util::{header_str, now_ms, parse_json, uuid};

type St = State<Arc<AppState>>;

const P: &str = "/chat/rest";

/// Seen `X-LIVEAGENT-SEQUENCE` numbers per session (duplicates are acknowledged, not processed).
pub type SeenSeqs = HashSet<i64>;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(&format!("{P}/System/SessionId"), get(session_id))
        .route(&format!("{P}/System/Messages"), get(messages))
        .route(&format!("{P}/System/ReconnectSession"), get(reconnect))
        .route(&format!("{P}/System/ResyncSession"), get(resync_session))
        .route(&format!("{P}/Chasitor/ChasitorInit"), post(chasitor_init))
        .route(&format!("{P}/Chasitor/ChatMessage"), post(chat_message))
        .route(&format!("{P}/Chasitor/ChasitorTyping"), post(typing))
        .route(&format!("{P}/Chasitor/ChasitorNotTyping"), post(not_typing))
        .route(&format!("{P}/Chasitor/ChasitorSneakPeek"), post(sneak_peek))
        .route(&format!("{P}/Chasitor/ChatEnd"), post(chat_end))
        .route(&format!("{P}/Chasitor/CustomEvent"), post(custom_event))
        .route(
            &format!("{P}/Chasitor/ChasitorResyncState"),
            post(resync_state),
        )
        .route(&format!("{P}/Visitor/Availability"), get(availability))
        .route(
            &format!("{P}/Visitor/Availability.jsonp"),
            get(availability_jsonp),
        )
        .route(&format!("{P}/Visitor/Settings"), get(settings))
        .with_state(state)
}

fn err(status: StatusCode, msg: &str) -> ApiError {
    ApiError::live(status, msg)
}

fn invalid_session() -> ApiError {
    err(
        StatusCode::FORBIDDEN,
        "Session required but was invalid or not found",
    )
}

fn ok_text(state: &AppState) -> Response {
    let status = StatusCode::from_u16(state.config.live_chat_post_status).unwrap_or(StatusCode::OK);
    let mut r = (status, "OK").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn api_version(headers: &HeaderMap) -> ApiResult<u32> {
    let v = header_str(headers, "x-liveagent-api-version")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "No version header found"))?;
    v.parse::<u32>()
        .map_err(|_| err(StatusCode::BAD_REQUEST, "Invalid version header"))
}

fn random_hex(n: usize) -> String {
    uuid().replace('-', "")[..n].to_string()
}

/// Validate the session headers of a request. Returns the session id, the request's
/// `X-LIVEAGENT-SEQUENCE` (required when `seq`) and whether that number was already processed.
/// The number is recorded only by [`commit_seq`], once the request has succeeded.
fn check_session(
    state: &AppState,
    g: &mut Inner,
    headers: &HeaderMap,
    seq: bool,
) -> ApiResult<(String, Option<i64>, bool)> {
    api_version(headers)?;
    g.expire_lc_sessions(&state.config);
    let key = header_str(headers, "x-liveagent-session-key").ok_or_else(invalid_session)?;
    let sid = g.lc_by_key.get(key).cloned().ok_or_else(invalid_session)?;
    let affinity = header_str(headers, "x-liveagent-affinity")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "No affinity header found"))?
        .to_string();
    let s = g.lc_sessions.get_mut(&sid).ok_or_else(invalid_session)?;
    if s.killed || (s.ended && s.outbox.is_empty()) {
        return Err(invalid_session());
    }
    s.last_seen = std::time::Instant::now();
    if s.affinity_stale || (state.config.strict_affinity && affinity != s.affinity) {
        return Err(err(
            StatusCode::SERVICE_UNAVAILABLE,
            "Affinity token changed; reconnect the session",
        ));
    }
    let mut dup = false;
    let mut number = None;
    if seq {
        let n: i64 = header_str(headers, "x-liveagent-sequence")
            .ok_or_else(|| err(StatusCode::BAD_REQUEST, "No sequence header found"))?
            .parse()
            .map_err(|_| err(StatusCode::BAD_REQUEST, "Invalid sequence header"))?;
        dup = s.seen_seqs.contains(&n);
        number = Some(n);
    }
    Ok((sid, number, dup))
}

/// Remember a processed `X-LIVEAGENT-SEQUENCE` (a failed request may be retried with it).
fn commit_seq(g: &mut Inner, sid: &str, seq: Option<i64>) {
    if let (Some(n), Some(s)) = (seq, g.lc_sessions.get_mut(sid)) {
        s.seen_seqs.insert(n);
    }
}

async fn session_id(State(state): St, headers: HeaderMap) -> ApiResult<Json<Value>> {
    api_version(&headers)?;
    header_str(&headers, "x-liveagent-affinity")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "No affinity header found"))?;
    let id = uuid();
    let sig = base64::engine::general_purpose::STANDARD.encode(&uuid().as_bytes()[..20]);
    let key = format!("{id}!{}!{sig}", now_ms());
    let affinity = random_hex(8);
    let mut g = state.lock();
    g.lc_by_key.insert(key.clone(), id.clone());
    g.lc_sessions.insert(
        id.clone(),
        LcSession {
            id: id.clone(),
            key: key.clone(),
            affinity: affinity.clone(),
            affinity_stale: false,
            force_503: false,
            stall_polls: 0,
            initialized: false,
            api_version: 0,
            seen_seqs: SeenSeqs::new(),
            outbox: Default::default(),
            next_seq: 1,
            max_ack: -1,
            offset_base: now_ms() / 1000,
            last_offset: 0,
            in_flight: None,
            poll_counter: 0,
            ended: false,
            killed: false,
            receive_queue_updates: false,
            idle_since: None,
            idle_warned: false,
            last_seen: std::time::Instant::now(),
            tx: watch::channel(0).0,
        },
    );
    Ok(Json(json!({
        "key": key,
        "id": id,
        "clientPollTimeout": state.config.client_poll_timeout_secs,
        "affinityToken": affinity,
    })))
}

fn req_str<'a>(body: &'a Value, k: &str) -> ApiResult<&'a str> {
    body.get(k).and_then(Value::as_str).ok_or_else(|| {
        err(
            StatusCode::BAD_REQUEST,
            &format!("Missing or invalid field: {k}"),
        )
    })
}

fn req_bool(body: &Value, k: &str) -> ApiResult<bool> {
    body.get(k).and_then(Value::as_bool).ok_or_else(|| {
        err(
            StatusCode::BAD_REQUEST,
            &format!("Missing or invalid field: {k}"),
        )
    })
}

fn req_array<'a>(body: &'a Value, k: &str) -> ApiResult<&'a Vec<Value>> {
    body.get(k).and_then(Value::as_array).ok_or_else(|| {
        err(
            StatusCode::BAD_REQUEST,
            &format!("Missing or invalid field: {k}"),
        )
    })
}

fn opt_typed(body: &Value, k: &str, ok: fn(&Value) -> bool) -> ApiResult<()> {
    match body.get(k) {
        None | Some(Value::Null) => Ok(()),
        Some(v) if ok(v) => Ok(()),
        Some(_) => Err(err(StatusCode::BAD_REQUEST, &format!("Invalid field: {k}"))),
    }
}

fn validate_init(body: &Value) -> ApiResult<()> {
    if !body.is_object() {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object",
        ));
    }
    for k in [
        "organizationId",
        "deploymentId",
        "buttonId",
        "sessionId",
        "userAgent",
        "language",
        "screenResolution",
        "visitorName",
    ] {
        req_str(body, k)?;
    }
    for d in req_array(body, "prechatDetails")? {
        req_str(d, "label")?;
        if !d
            .get("value")
            .is_some_and(|v| v.is_string() || v.is_number() || v.is_boolean())
        {
            return Err(err(
                StatusCode::BAD_REQUEST,
                "Missing or invalid field: prechatDetails[].value",
            ));
        }
        opt_typed(d, "entityMaps", Value::is_array)?;
        opt_typed(d, "transcriptFields", Value::is_array)?;
        opt_typed(d, "displayToAgent", Value::is_boolean)?;
        opt_typed(d, "doKnowledgeSearch", Value::is_boolean)?;
    }
    for e in req_array(body, "prechatEntities")? {
        req_str(e, "entityName")?;
        opt_typed(e, "entityFieldsMaps", Value::is_array)?;
    }
    req_bool(body, "receiveQueueUpdates")?;
    req_bool(body, "isPost")?;
    opt_typed(body, "agentId", Value::is_string)?;
    opt_typed(body, "doFallback", Value::is_boolean)?;
    opt_typed(body, "buttonOverrides", Value::is_array)?;
    opt_typed(body, "trackingId", Value::is_string)?;
    Ok(())
}

fn geo() -> Value {
    json!({
        "countryCode": "US",
        "countryName": "United States",
        "region": "CA",
        "city": "San Francisco",
        "organization": "sf-emulator",
        "latitude": 37.7749,
        "longitude": -122.4194,
    })
}

async fn chasitor_init(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let cfg = &state.config;
    let version = api_version(&headers)?;
    let mut g = state.lock();
    let (sid, seq, dup) = check_session(&state, &mut g, &headers, true)?;
    if dup {
        return Ok(ok_text(&state));
    }
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    validate_init(&body)?;
    if body["sessionId"].as_str() != Some(sid.as_str()) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "sessionId does not match the session key",
        ));
    }
    if g.lc_sessions.get(&sid).is_some_and(|s| s.initialized) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "Chat already requested for this session",
        ));
    }
    let rq = body["receiveQueueUpdates"].as_bool().unwrap_or(false);
    commit_seq(&mut g, &sid, seq);
    if let Some(s) = g.lc_sessions.get_mut(&sid) {
        s.initialized = true;
        s.api_version = version;
        s.receive_queue_updates = rq;
    }
    // Decide the outcome like the real router would.
    let agent_id = body.get("agentId").and_then(Value::as_str);
    let fallback = body
        .get("doFallback")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let button = body["buttonId"].as_str().unwrap_or("");
    let mut fail: Option<String> = None;
    if let Some((reason, n)) = g.faults.chat_request_fail.as_mut() {
        fail = Some(reason.clone());
        *n = n.saturating_sub(1);
        if *n == 0 {
            g.faults.chat_request_fail = None;
        }
    }
    if fail.is_none() {
        fail = if !body["isPost"].as_bool().unwrap_or(false) {
            Some("NoPost".into())
        } else if !cfg.org_matches(body["organizationId"].as_str().unwrap_or(""))
            || body["deploymentId"].as_str() != Some(cfg.deployment_id.as_str())
        {
            Some("InternalFailure".into())
        } else if !cfg.button_ids.iter().any(|b| b == button) {
            Some("Unavailable".into())
        } else {
            let direct_ok = agent_id.map(|a| g.agents.iter().any(|x| x.id == a && x.available));
            match direct_ok {
                Some(false) if !fallback => Some("Unavailable".into()),
                _ if !g.any_agent_available() => Some("Unavailable".into()),
                _ => None,
            }
        };
    }
    if let Some(reason) = fail {
        g.lc_push(
            &sid,
            "ChatRequestFail",
            json!({"reason": reason, "postChatUrl": ""}),
        );
        g.lc_end(&sid);
        return Ok(ok_text(&state));
    }
    let mut success = json!({
        "queuePosition": g.queue_position,
        "geoLocation": geo(),
        "url": "",
        "oref": "",
        "postChatUrl": "",
        "customDetails": body["prechatDetails"].clone(),
        "visitorId": uuid(),
        "connectionTimeout": cfg.connection_timeout_ms,
        "sensitiveDataRules": [],
        "transcriptSaveEnabled": false,
    });
    if version >= 47 {
        success["estimatedWaitTime"] = json!(g.estimated_wait);
    }
    g.lc_push(&sid, "ChatRequestSuccess", success);
    let name = body["visitorName"]
        .as_str()
        .unwrap_or("Visitor")
        .to_string();
    let details = json!({
        "prechatDetails": body["prechatDetails"],
        "prechatEntities": body["prechatEntities"],
        "buttonId": button,
        "agentId": agent_id,
        "userAgent": body["userAgent"],
        "language": body["language"],
        "screenResolution": body["screenResolution"],
    });
    g.new_conv(&sid, Channel::LiveChat, name, details, None);
    g.record(
        &sid,
        "event",
        "System",
        "System",
        None,
        Some("Chat requested"),
        None,
        None,
    );
    let preferred = agent_id
        .filter(|a| g.agents.iter().any(|x| x.id == *a && x.available))
        .map(str::to_string);
    if g.auto_accept {
        if let Some(a) =
            preferred.or_else(|| g.agents.iter().find(|a| a.available).map(|a| a.id.clone()))
        {
            let _ = g.join(cfg, &sid, &a, false);
        }
    }
    drop(g);
    crate::scenario::start(&state, &sid, String::new());
    Ok(ok_text(&state))
}

/// Build `ChasitorSessionData` from the conversation transcript.
fn session_data(g: &Inner, sid: &str) -> Value {
    let conv = g.convs.get(sid);
    let msgs: Vec<Value> = conv
        .map(|c| {
            c.transcript
                .iter()
                .filter(|t| t.kind == "message")
                .enumerate()
                .map(|(i, t)| {
                    json!({
                        "type": if t.role == "Agent" { "Agent" } else { "Chasitor" },
                        "name": t.name,
                        "content": t.text,
                        "timestamp": t.timestamp,
                        "sequence": i + 1,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "queuePosition": if conv.is_some_and(|c| c.status == ConvStatus::Waiting) { g.queue_position } else { 0 },
        "geoLocation": geo(),
        "url": "",
        "oref": "",
        "postChatUrl": "",
        "sneakPeekEnabled": true,
        "chatMessages": msgs,
    })
}

/// After a reconnect: `ChasitorSessionData` first, then unacknowledged non-transcript messages.
fn queue_session_data(g: &mut Inner, sid: &str) {
    let data = session_data(g, sid);
    let Some(s) = g.lc_sessions.get_mut(sid) else {
        return;
    };
    let kept: Vec<LcOut> = s
        .outbox
        .drain(..)
        .filter(|m| m.ty != "ChatMessage")
        .collect();
    let mut push = |ty: String, message: Value| {
        let seq = s.next_seq;
        s.next_seq += 1;
        s.outbox.push_back(LcOut { seq, ty, message });
    };
    push("ChasitorSessionData".into(), data);
    for m in kept {
        push(m.ty, m.message);
    }
    s.tx.send_modify(|v| *v += 1);
}

/// Clears the in-flight marker when a poll finishes or is dropped (client went away).
struct InFlight {
    state: Arc<AppState>,
    sid: String,
    poll: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut g = self.state.lock();
        if let Some(s) = g.lc_sessions.get_mut(&self.sid) {
            if s.in_flight == Some(self.poll) {
                s.in_flight = None;
                s.last_seen = std::time::Instant::now();
            }
        }
    }
}

enum PollStart {
    Stall(watch::Receiver<u64>),
    Wait(watch::Receiver<u64>, InFlight),
}

async fn messages(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let ack: i64 = match q.get("ack") {
        None => -1,
        Some(s) => s
            .parse()
            .map_err(|_| err(StatusCode::BAD_REQUEST, "Invalid ack parameter"))?,
    };
    let start = {
        let mut g = state.lock();
        let (sid, _, _) = check_session(&state, &mut g, &headers, false)?;
        let global_stall = g.faults.stall_polls > 0;
        let s = g.lc_sessions.get_mut(&sid).ok_or_else(invalid_session)?;
        if s.force_503 {
            s.force_503 = false;
            s.affinity_stale = true;
            return Err(err(
                StatusCode::SERVICE_UNAVAILABLE,
                "Affinity token changed; reconnect the session",
            ));
        }
        if ack > s.max_ack {
            s.max_ack = ack;
            while s.outbox.front().is_some_and(|m| (m.seq as i64) <= ack) {
                s.outbox.pop_front();
            }
        }
        let stall = if s.stall_polls > 0 {
            s.stall_polls -= 1;
            true
        } else {
            false
        };
        if stall || global_stall {
            if !stall {
                g.faults.stall_polls -= 1;
            }
            let rx = g.lc_sessions[&sid].tx.subscribe();
            PollStart::Stall(rx)
        } else if s.in_flight.is_some() {
            // Two overlapping polls: the chat is terminated (both polls answer 409).
            s.killed = true;
            s.ended = true;
            s.outbox.clear();
            s.tx.send_modify(|v| *v += 1);
            if let Some(c) = g.convs.get_mut(&sid) {
                c.status = ConvStatus::Ended;
                c.end_reason = Some("duplicateLongPoll".into());
                c.ended_ms = Some(now_ms());
                c.agents.clear();
            }
            g.record(
                &sid,
                "event",
                "System",
                "System",
                None,
                Some("Chat terminated: two overlapping long polls (409)"),
                None,
                None,
            );
            return Err(err(
                StatusCode::CONFLICT,
                "Duplicate long poll; the chat was terminated",
            ));
        } else {
            s.poll_counter += 1;
            s.in_flight = Some(s.poll_counter);
            let guard = InFlight {
                state: state.clone(),
                sid: sid.clone(),
                poll: s.poll_counter,
            };
            PollStart::Wait(s.tx.subscribe(), guard)
        }
    };
    match start {
        PollStart::Stall(mut rx) => {
            // Never answer within the client's poll timeout; end only when the session goes away.
            let hold = Duration::from_secs(
                state
                    .config
                    .client_poll_timeout_secs
                    .saturating_mul(10)
                    .max(60),
            );
            let _ = tokio::time::timeout(hold, async { while rx.changed().await.is_ok() {} }).await;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        PollStart::Wait(mut rx, guard) => {
            let deadline = tokio::time::Instant::now() + state.config.long_poll_timeout;
            loop {
                rx.borrow_and_update();
                let idle_wake;
                {
                    let mut g = state.lock();
                    idle_wake = g.lc_idle_tick(&state.config, &guard.sid);
                    let s = g
                        .lc_sessions
                        .get_mut(&guard.sid)
                        .ok_or_else(invalid_session)?;
                    if s.killed {
                        return Err(err(
                            StatusCode::CONFLICT,
                            "Duplicate long poll; the chat was terminated",
                        ));
                    }
                    if s.force_503 {
                        s.force_503 = false;
                        s.affinity_stale = true;
                        return Err(err(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "Affinity token changed; reconnect the session",
                        ));
                    }
                    if let Some(last) = s.outbox.back().map(|m| m.seq) {
                        let offset = s.offset_base + last;
                        s.last_offset = offset;
                        let msgs: Vec<&LcOut> = s.outbox.iter().collect();
                        let body = json!({"messages": msgs, "sequence": last, "offset": offset});
                        return Ok(Json(body).into_response());
                    }
                    if s.ended {
                        return Err(invalid_session());
                    }
                }
                tokio::select! {
                    r = rx.changed() => {
                        if r.is_err() {
                            return Err(invalid_session());
                        }
                    }
                    _ = tokio::time::sleep_until(deadline) => {
                        return Ok(StatusCode::NO_CONTENT.into_response());
                    }
                    _ = async {
                        match idle_wake {
                            Some(t) => tokio::time::sleep_until(t.into()).await,
                            None => std::future::pending().await,
                        }
                    } => {}
                }
            }
        }
    }
}

async fn reconnect(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    api_version(&headers)?;
    q.get("ReconnectSession.offset")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing ReconnectSession.offset"))?
        .parse::<u64>()
        .map_err(|_| err(StatusCode::BAD_REQUEST, "Invalid ReconnectSession.offset"))?;
    header_str(&headers, "x-liveagent-affinity")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "No affinity header found"))?;
    let key = header_str(&headers, "x-liveagent-session-key").ok_or_else(invalid_session)?;
    let mut g = state.lock();
    g.expire_lc_sessions(&state.config);
    let sid = g.lc_by_key.get(key).cloned().ok_or_else(invalid_session)?;
    let token = random_hex(8);
    {
        let s = g.lc_sessions.get_mut(&sid).ok_or_else(invalid_session)?;
        if s.killed || (s.ended && s.outbox.is_empty()) {
            return Err(invalid_session());
        }
        s.affinity = token.clone();
        s.affinity_stale = false;
        s.force_503 = false;
        s.seen_seqs.clear();
    }
    queue_session_data(&mut g, &sid);
    g.record(
        &sid,
        "event",
        "System",
        "System",
        None,
        Some("Session reconnected (affinity changed)"),
        None,
        None,
    );
    Ok(Json(
        json!({"messages": [{"type": "ReconnectSession", "message": {"resetSequence": true, "affinityToken": token}}]}),
    ))
}

async fn resync_session(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    api_version(&headers)?;
    let sid = q
        .get("SessionId")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing SessionId"))?;
    let mut g = state.lock();
    let token = random_hex(8);
    match g.lc_sessions.get_mut(sid) {
        Some(s) if !(s.killed || (s.ended && s.outbox.is_empty())) => {
            s.affinity = token.clone();
            s.affinity_stale = false;
            s.force_503 = false;
            s.seen_seqs.clear();
            Ok(Json(
                json!({"isValid": true, "key": s.key, "affinityToken": token}),
            ))
        }
        _ => Ok(Json(json!({"isValid": false}))),
    }
}

async fn resync_state(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let mut g = state.lock();
    // The sequence header is optional here (unconfirmed in the spec).
    let has_seq = headers.contains_key("x-liveagent-sequence");
    let (sid, seq, dup) = check_session(&state, &mut g, &headers, has_seq)?;
    if dup {
        return Ok(ok_text(&state));
    }
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    let org = req_str(&body, "organizationId")?;
    if !state.config.org_matches(org) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "organizationId does not match",
        ));
    }
    commit_seq(&mut g, &sid, seq);
    queue_session_data(&mut g, &sid);
    Ok(ok_text(&state))
}

/// Common part of visitor actions: session + sequence checks, chat must be requested.
fn visitor_action(
    state: &AppState,
    g: &mut Inner,
    headers: &HeaderMap,
) -> ApiResult<Option<(String, Option<i64>)>> {
    let (sid, seq, dup) = check_session(state, g, headers, true)?;
    if dup {
        return Ok(None);
    }
    if g.lc_sessions.get(&sid).is_some_and(|s| s.ended) {
        return Err(invalid_session());
    }
    if !g.convs.contains_key(&sid) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "No chat has been requested in this session",
        ));
    }
    Ok(Some((sid, seq)))
}

fn optional_body(body: &Bytes) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        parse_json(Flavor::LiveChat, body)
    }
}

async fn chat_message(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let mut g = state.lock();
    let Some((sid, seq)) = visitor_action(&state, &mut g, &headers)? else {
        return Ok(ok_text(&state));
    };
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    let text = req_str(&body, "text")?;
    if text.trim().is_empty() {
        return Err(err(StatusCode::BAD_REQUEST, "text must not be empty"));
    }
    let name = g.convs[&sid].visitor_name.clone();
    g.record(
        &sid,
        "message",
        "EndUser",
        &name,
        None,
        Some(text),
        Some(&uuid()),
        None,
    );
    g.lc_visitor_active(&sid);
    if let Some(c) = g.convs.get_mut(&sid) {
        c.visitor_typing = false;
        c.sneak_peek = None;
    }
    commit_seq(&mut g, &sid, seq);
    Ok(ok_text(&state))
}

async fn set_typing(
    state: Arc<AppState>,
    headers: HeaderMap,
    body: Bytes,
    on: bool,
) -> ApiResult<Response> {
    let mut g = state.lock();
    let Some((sid, seq)) = visitor_action(&state, &mut g, &headers)? else {
        return Ok(ok_text(&state));
    };
    optional_body(&body)?;
    if let Some(c) = g.convs.get_mut(&sid) {
        c.visitor_typing = on;
        if !on {
            c.sneak_peek = None;
        }
    }
    commit_seq(&mut g, &sid, seq);
    Ok(ok_text(&state))
}

async fn typing(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    set_typing(state, headers, body, true).await
}

async fn not_typing(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    set_typing(state, headers, body, false).await
}

async fn sneak_peek(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let mut g = state.lock();
    let Some((sid, seq)) = visitor_action(&state, &mut g, &headers)? else {
        return Ok(ok_text(&state));
    };
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    let text = req_str(&body, "text")?.to_string();
    if !body.get("position").is_some_and(Value::is_i64) {
        return Err(err(
            StatusCode::BAD_REQUEST,
            "Missing or invalid field: position",
        ));
    }
    if let Some(c) = g.convs.get_mut(&sid) {
        c.sneak_peek = Some(text);
    }
    commit_seq(&mut g, &sid, seq);
    Ok(ok_text(&state))
}

async fn chat_end(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let mut g = state.lock();
    let Some((sid, seq)) = visitor_action(&state, &mut g, &headers)? else {
        return Ok(ok_text(&state));
    };
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    let reason = req_str(&body, "reason")?.to_string();
    if let Some(c) = g.convs.get_mut(&sid) {
        c.status = ConvStatus::Ended;
        c.end_reason = Some(reason.clone());
        c.ended_ms = Some(now_ms());
        c.agents.clear();
        c.visitor_typing = false;
    }
    g.record(
        &sid,
        "event",
        "System",
        "System",
        None,
        Some(&format!("The visitor ended the chat ({reason})")),
        None,
        None,
    );
    if let Some(s) = g.lc_sessions.get_mut(&sid) {
        s.outbox.clear();
    }
    g.lc_end(&sid);
    commit_seq(&mut g, &sid, seq);
    Ok(ok_text(&state))
}

async fn custom_event(State(state): St, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let mut g = state.lock();
    let Some((sid, seq)) = visitor_action(&state, &mut g, &headers)? else {
        return Ok(ok_text(&state));
    };
    let body: Value = parse_json(Flavor::LiveChat, &body)?;
    let ty = req_str(&body, "type")?.to_string();
    let data = req_str(&body, "data")?.to_string();
    let name = g.convs[&sid].visitor_name.clone();
    g.record(
        &sid,
        "customEvent",
        "EndUser",
        &name,
        None,
        Some(&data),
        None,
        Some(json!({"type": ty, "data": data})),
    );
    commit_seq(&mut g, &sid, seq);
    Ok(ok_text(&state))
}

/// Parse `[id1,id2]` (brackets optional, no quotes).
fn parse_ids(s: &str) -> Vec<String> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|x| x.trim().trim_matches('"').to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn availability_body(state: &AppState, q: &HashMap<String, String>) -> ApiResult<Value> {
    let ids = q
        .get("Availability.ids")
        .map(|s| parse_ids(s))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing Availability.ids"))?;
    let org = q
        .get("org_id")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing org_id"))?;
    let dep = q
        .get("deployment_id")
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing deployment_id"))?;
    let known = state.config.org_matches(org) && *dep == state.config.deployment_id;
    let ewt = q
        .get("Availability.needEstimatedWaitTime")
        .map(String::as_str)
        == Some("1");
    let g = state.lock();
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            let available = known
                && if state.config.button_ids.contains(id) {
                    g.any_agent_available()
                } else {
                    g.agents.iter().any(|a| a.id == *id && a.available)
                };
            if available {
                let mut v = json!({"id": id, "isAvailable": true});
                if ewt {
                    v["estimatedWaitTime"] = json!(g.estimated_wait);
                }
                v
            } else {
                json!({"id": id})
            }
        })
        .collect();
    Ok(json!({"messages": [{"type": "Availability", "message": {"results": results}}]}))
}

async fn availability(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    api_version(&headers)?;
    Ok(Json(availability_body(&state, &q)?))
}

async fn availability_jsonp(
    State(state): St,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let cb = q
        .get("callback")
        .filter(|c| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_.$".contains(ch))
        })
        .ok_or_else(|| err(StatusCode::BAD_REQUEST, "Missing or invalid callback"))?
        .clone();
    let body = availability_body(&state, &q)?;
    let mut r = format!("{cb}({body});").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/javascript; charset=utf-8"),
    );
    Ok(r)
}

async fn settings(
    State(state): St,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    api_version(&headers)?;
    let ids = q
        .get("Settings.buttonIds")
        .map(|s| parse_ids(s))
        .unwrap_or_else(|| state.config.button_ids.clone());
    let g = state.lock();
    let buttons: Vec<Value> = ids
        .iter()
        .filter(|id| state.config.button_ids.contains(id))
        .map(|id| {
            json!({"id": id, "type": "Standard", "endpointUrl": "", "prechatUrl": "", "language": "", "isAvailable": g.any_agent_available()})
        })
        .collect();
    Ok(Json(
        json!({"messages": [{"type": "Settings", "message": {"pingRate": 50000, "contentServerUrl": "", "buttons": buttons}}]}),
    ))
}
