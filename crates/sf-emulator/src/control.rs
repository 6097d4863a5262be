//! JSON control API for tests and the agent console (`/control/...`), plus `/files/{id}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, Flavor};
use crate::state::{Agent, AppState, FailRule, Inner, LatencyRule};
use crate::util::{header_str, parse_json};

type St = State<Arc<AppState>>;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/control/state", get(get_state))
        .route("/control/reset", post(reset))
        .route("/control/agents", get(list_agents).post(add_agent))
        .route("/control/agents/{agent}", put(update_agent))
        .route("/control/queue", put(set_queue).get(get_queue))
        .route("/control/settings", put(set_settings))
        .route("/control/accept-next", post(accept_next))
        .route("/control/conversations", get(list_convs))
        .route("/control/conversations/{id}", get(get_conv))
        .route(
            "/control/conversations/{id}/transcript",
            get(get_transcript),
        )
        .route("/control/conversations/{id}/accept", post(accept))
        .route("/control/conversations/{id}/messages", post(send_message))
        .route("/control/conversations/{id}/choices", post(send_choices))
        .route("/control/conversations/{id}/files", post(send_file))
        .route("/control/conversations/{id}/typing", post(typing))
        .route("/control/conversations/{id}/transfer", post(transfer))
        .route("/control/conversations/{id}/conference", post(conference))
        .route("/control/conversations/{id}/leave", post(leave))
        .route("/control/conversations/{id}/end", post(end))
        .route("/control/conversations/{id}/read", post(read))
        .route("/control/conversations/{id}/idle", post(idle))
        .route("/control/conversations/{id}/raw", post(raw_event))
        .route("/control/faults", get(get_faults).delete(clear_faults))
        .route("/control/faults/sse-drop", post(fault_sse_drop))
        .route("/control/faults/sse-stall", post(fault_sse_stall))
        .route(
            "/control/faults/truncate-replay",
            post(fault_truncate_replay),
        )
        .route("/control/faults/fail", post(fault_fail))
        .route("/control/faults/latency", post(fault_latency))
        .route("/control/faults/expire-tokens", post(fault_expire_tokens))
        .route("/control/faults/affinity-change", post(fault_affinity))
        .route("/control/faults/stall-poll", post(fault_stall))
        .route("/control/faults/routing-failure", post(fault_routing))
        .route("/control/faults/chat-request-fail", post(fault_chat_fail))
        .route("/files/{id}", get(get_file))
        .with_state(state)
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::control(StatusCode::BAD_REQUEST, msg)
}

fn body_json(body: &Bytes) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let v: Value = parse_json(Flavor::Control, body)?;
    if !v.is_object() {
        return Err(bad("Body must be a JSON object"));
    }
    Ok(v)
}

fn opt_str<'a>(v: &'a Value, k: &str) -> ApiResult<Option<&'a str>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("{k} must be a string"))),
    }
}

fn req_str<'a>(v: &'a Value, k: &str) -> ApiResult<&'a str> {
    opt_str(v, k)?.ok_or_else(|| bad(format!("{k} is required")))
}

fn opt_u64(v: &Value, k: &str) -> ApiResult<Option<u64>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => x
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(format!("{k} must be a non-negative integer"))),
    }
}

fn conv_summary(g: &Inner, cfg: &crate::EmulatorConfig, id: &str) -> Value {
    let Some(c) = g.convs.get(id) else {
        return Value::Null;
    };
    let agents: Vec<Value> = c
        .agents
        .iter()
        .map(|a| {
            let name = g
                .agents
                .iter()
                .find(|x| x.id == *a)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            json!({"id": a, "name": name})
        })
        .collect();
    let last = c
        .transcript
        .iter()
        .rev()
        .find(|t| t.kind != "event" && t.kind != "customEvent");
    json!({
        "id": c.id,
        "channel": c.channel,
        "status": c.status,
        "visitorName": c.visitor_name,
        "details": c.details,
        "agents": agents,
        "createdAt": c.created_ms,
        "endedAt": c.ended_ms,
        "endReason": c.end_reason,
        "routingStatus": c.routing_status,
        "visitorTyping": c.visitor_typing,
        "visitorConnected": g.visitor_connected(cfg, id),
        "sneakPeek": c.sneak_peek,
        "transcriptLength": c.transcript.len(),
        "lastMessage": last.and_then(|t| t.text.clone()),
        "lastActivity": c.transcript.last().map(|t| t.timestamp).unwrap_or(c.created_ms),
    })
}

fn queue_json(g: &Inner) -> Value {
    json!({"position": g.queue_position, "estimatedWaitTime": g.estimated_wait})
}

async fn get_state(State(state): St) -> Json<Value> {
    let mut g = state.lock();
    g.expire_lc_sessions(&state.config);
    let convs: Vec<Value> = g
        .order
        .iter()
        .rev()
        .map(|id| conv_summary(&g, &state.config, id))
        .collect();
    Json(json!({
        "agents": g.agents,
        "queue": queue_json(&g),
        "autoAccept": g.auto_accept,
        "conversations": convs,
        "faults": g.faults,
        "liveChatSessions": g.lc_sessions.values().map(|s| json!({
            "id": s.id,
            "initialized": s.initialized,
            "pollInFlight": s.in_flight.is_some(),
            "ended": s.ended,
            "killed": s.killed,
            "affinityStale": s.affinity_stale,
            "pendingMessages": s.outbox.len(),
        })).collect::<Vec<_>>(),
        "config": {
            "orgId": state.config.org_id,
            "esDeveloperName": state.config.es_developer_name,
            "deploymentId": state.config.deployment_id,
            "buttonIds": state.config.button_ids,
        },
        "variants": state.config.variants.to_json(),
    }))
}

async fn reset(State(state): St) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

async fn list_agents(State(state): St) -> Json<Vec<Agent>> {
    Json(state.lock().agents.clone())
}

async fn add_agent(State(state): St, body: Bytes) -> ApiResult<(StatusCode, Json<Agent>)> {
    let b = body_json(&body)?;
    let name = req_str(&b, "name")?.trim().to_string();
    if name.is_empty() {
        return Err(bad("name must not be empty"));
    }
    let mut g = state.lock();
    let id = match opt_str(&b, "id")? {
        Some(id) => id.to_string(),
        None => format!("0055e00000{:05}", g.agents.len() + 1),
    };
    if g.agents
        .iter()
        .any(|a| a.id == id || a.name.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::control(
            StatusCode::CONFLICT,
            "An agent with this id or name exists",
        ));
    }
    let available = b.get("available").and_then(Value::as_bool).unwrap_or(true);
    let agent = Agent {
        id,
        name,
        available,
    };
    g.agents.push(agent.clone());
    Ok((StatusCode::CREATED, Json(agent)))
}

async fn update_agent(
    State(state): St,
    Path(agent): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Agent>> {
    let b = body_json(&body)?;
    let available = match b.get("available") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(x)) => Some(*x),
        Some(_) => return Err(bad("available must be a boolean")),
    };
    let name = opt_str(&b, "name")?.map(str::to_string);
    let mut g = state.lock();
    let id = g.agent(&agent)?.id;
    let a = g
        .agents
        .iter_mut()
        .find(|a| a.id == id)
        .ok_or_else(|| bad("unknown agent"))?;
    if let Some(x) = available {
        a.available = x;
    }
    if let Some(n) = name {
        a.name = n;
    }
    Ok(Json(a.clone()))
}

async fn get_queue(State(state): St) -> Json<Value> {
    Json(queue_json(&state.lock()))
}

async fn set_queue(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let pos = opt_u64(&b, "position")?;
    let ewt = match b.get("estimatedWaitTime") {
        None | Some(Value::Null) => None,
        Some(x) => Some(
            x.as_i64()
                .ok_or_else(|| bad("estimatedWaitTime must be an integer"))?,
        ),
    };
    let mut g = state.lock();
    if let Some(p) = pos {
        g.queue_position = p as u32;
    }
    if let Some(e) = ewt {
        g.estimated_wait = e;
    }
    g.broadcast_queue();
    Ok(Json(queue_json(&g)))
}

async fn set_settings(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    if let Some(x) = b.get("autoAccept") {
        g.auto_accept = x
            .as_bool()
            .ok_or_else(|| bad("autoAccept must be a boolean"))?;
    }
    Ok(Json(json!({"autoAccept": g.auto_accept})))
}

async fn list_convs(State(state): St) -> Json<Value> {
    let mut g = state.lock();
    g.expire_lc_sessions(&state.config);
    Json(Value::Array(
        g.order
            .iter()
            .map(|id| conv_summary(&g, &state.config, id))
            .collect(),
    ))
}

async fn get_conv(State(state): St, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let mut g = state.lock();
    g.expire_lc_sessions(&state.config);
    let c = g.convs.get(&id).ok_or_else(|| {
        ApiError::control(StatusCode::NOT_FOUND, format!("Unknown conversation {id}"))
    })?;
    let mut v = conv_summary(&g, &state.config, &id);
    v["transcript"] = serde_json::to_value(&c.transcript).unwrap_or(Value::Null);
    Ok(Json(v))
}

async fn get_transcript(State(state): St, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let g = state.lock();
    let c = g.convs.get(&id).ok_or_else(|| {
        ApiError::control(StatusCode::NOT_FOUND, format!("Unknown conversation {id}"))
    })?;
    Ok(Json(
        serde_json::to_value(&c.transcript).unwrap_or(Value::Null),
    ))
}

/// `agentId` from the body, else the first agent in the conversation.
fn member_agent(g: &Inner, b: &Value, conv: &str) -> ApiResult<String> {
    if let Some(a) = opt_str(b, "agentId")? {
        return Ok(g.agent(a)?.id);
    }
    g.convs
        .get(conv)
        .and_then(|c| c.agents.first().cloned())
        .ok_or_else(|| {
            ApiError::control(
                StatusCode::CONFLICT,
                "No agent is in this conversation (pass agentId)",
            )
        })
}

/// `agentId` from the body, else the first available agent.
fn any_agent(g: &Inner, b: &Value) -> ApiResult<String> {
    if let Some(a) = opt_str(b, "agentId")? {
        return Ok(g.agent(a)?.id);
    }
    g.agents
        .iter()
        .find(|a| a.available)
        .map(|a| a.id.clone())
        .ok_or_else(|| {
            ApiError::control(StatusCode::CONFLICT, "No agent is available (pass agentId)")
        })
}

async fn accept_next(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = any_agent(&g, &b)?;
    let id = g
        .next_waiting()
        .ok_or_else(|| ApiError::control(StatusCode::NOT_FOUND, "No conversation is waiting"))?;
    g.join(&state.config, &id, &agent, false)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn accept(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = any_agent(&g, &b)?;
    g.join(&state.config, &id, &agent, false)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn conference(
    State(state): St,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = g.agent(req_str(&b, "agentId")?)?.id;
    g.join(&state.config, &id, &agent, true)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn send_message(
    State(state): St,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let text = req_str(&b, "text")?;
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    let mid = g.agent_message(&state.config, &id, &agent, text)?;
    Ok(Json(json!({"id": mid})))
}

async fn send_choices(
    State(state): St,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let text = opt_str(&b, "text")?.unwrap_or("");
    let format = opt_str(&b, "formatType")?.unwrap_or("Buttons");
    let list = b
        .get("choices")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("choices must be an array"))?;
    let mut options = Vec::new();
    for (i, c) in list.iter().enumerate() {
        match c {
            Value::String(t) => options.push((format!("opt-{}", i + 1), t.clone())),
            Value::Object(_) => {
                let title = req_str(c, "title")?.to_string();
                let ident = opt_str(c, "optionIdentifier")?
                    .or(opt_str(c, "id")?)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("opt-{}", i + 1));
                options.push((ident, title));
            }
            _ => {
                return Err(bad(
                    "choices[] must be strings or {title, optionIdentifier}",
                ))
            }
        }
    }
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    let mid = g.agent_choices(&state.config, &id, &agent, text, format, &options)?;
    Ok(Json(
        json!({"id": mid, "options": options.iter().map(|(i, t)| json!({"optionIdentifier": i, "title": t})).collect::<Vec<_>>()}),
    ))
}

async fn send_file(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let name = req_str(&b, "fileName")?;
    let mime = opt_str(&b, "mimeType")?.unwrap_or("application/octet-stream");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(req_str(&b, "contentBase64")?)
        .map_err(|_| bad("contentBase64 is not valid base64"))?;
    let text = opt_str(&b, "text")?;
    let claimed_url = opt_str(&b, "url")?;
    let base = format!(
        "http://{}",
        header_str(&headers, "host").unwrap_or("127.0.0.1")
    );
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    let mid = g.agent_file(
        &state.config,
        &base,
        &id,
        &agent,
        name,
        mime,
        bytes,
        text,
        claimed_url,
    )?;
    Ok(Json(json!({"id": mid})))
}

async fn typing(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<StatusCode> {
    let b = body_json(&body)?;
    let on = b
        .get("typing")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("typing (boolean) is required"))?;
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    g.agent_typing(&state.config, &id, &agent, on)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn transfer(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let to = req_str(&b, "toAgentId")?;
    let mut g = state.lock();
    let from = member_agent(&g, &b, &id)?;
    g.transfer(&state.config, &id, &from, to)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn leave(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    g.leave(&state.config, &id, &agent)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn end(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = opt_str(&b, "agentId")?.map(str::to_string);
    let silent = match b.get("silent") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(x)) => *x,
        Some(_) => return Err(bad("silent must be a boolean")),
    };
    g.agent_end(&state.config, &id, agent.as_deref(), silent)?;
    Ok(Json(conv_summary(&g, &state.config, &id)))
}

async fn read(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<StatusCode> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let agent = member_agent(&g, &b, &id)?;
    g.agent_read(&state.config, &id, &agent)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn idle(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<StatusCode> {
    let b = body_json(&body)?;
    let st = req_str(&b, "state")?;
    state.lock().idle_event(&id, st)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Test hook: publish an arbitrary event (MIAW: SSE event with an entry; Live Agent: a
/// long-poll message), e.g. to check that clients ignore unknown types.
async fn raw_event(State(state): St, Path(id): Path<String>, body: Bytes) -> ApiResult<StatusCode> {
    let b = body_json(&body)?;
    let mut g = state.lock();
    let channel = g.convs.get(&id).map(|c| c.channel).ok_or_else(|| {
        ApiError::control(StatusCode::NOT_FOUND, format!("Unknown conversation {id}"))
    })?;
    match channel {
        crate::state::Channel::Miaw => {
            let event = req_str(&b, "event")?.to_string();
            let entry_type = opt_str(&b, "entryType")?.unwrap_or("Unknown").to_string();
            let eid = crate::util::uuid();
            let mut payload = b.get("payload").cloned().unwrap_or_else(|| json!({}));
            if let Some(p) = payload.as_object_mut() {
                p.entry("entryType").or_insert_with(|| json!(entry_type));
                p.entry("id").or_insert_with(|| json!(eid));
            }
            let e = Inner::make_entry(
                &entry_type,
                &eid,
                payload,
                json!({"role": "System", "appType": "custom", "subject": "system"}),
                "Automated Process",
                vec![],
            );
            let chan = state.config.channel_address_identifier.clone();
            g.miaw_emit_named(&chan, &id, &event, e, false);
        }
        crate::state::Channel::LiveChat => {
            let ty = req_str(&b, "type")?.to_string();
            let message = b.get("message").cloned().unwrap_or_else(|| json!({}));
            g.lc_push(&id, &ty, message);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn get_faults(State(state): St) -> Json<Value> {
    Json(serde_json::to_value(&state.lock().faults).unwrap_or(Value::Null))
}

async fn clear_faults(State(state): St) -> StatusCode {
    let mut g = state.lock();
    let had_stalled = !g.faults.sse_stalled.is_empty();
    g.faults = Default::default();
    for s in g.lc_sessions.values_mut() {
        s.force_503 = false;
        s.stall_polls = 0;
    }
    if had_stalled {
        // Stalled SSE streams resume (with the events they missed).
        for log in g.subjects.values() {
            log.tx.send_modify(|_| {});
        }
    }
    StatusCode::NO_CONTENT
}

/// Every SSE stream open now (optionally: only the streams of one MIAW conversation's end
/// user) stays open but sends nothing more; new connections are normal.
async fn fault_sse_stall(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let only = opt_str(&b, "conversationId")?;
    let mut g = state.lock();
    let subject = match only {
        None => None,
        Some(id) => {
            let c = g.convs.get(id).ok_or_else(|| {
                ApiError::control(StatusCode::NOT_FOUND, format!("Unknown conversation {id}"))
            })?;
            if c.channel != crate::state::Channel::Miaw {
                return Err(bad("sse-stall applies only to MIAW conversations"));
            }
            c.subject.clone()
        }
    };
    let ids: Vec<u64> = g
        .streams
        .iter()
        .filter(|(_, s)| subject.as_ref().is_none_or(|x| x == *s))
        .map(|(id, _)| *id)
        .collect();
    g.faults.sse_stalled.extend(ids.iter().copied());
    Ok(Json(json!({"stalledStreams": ids.len()})))
}

async fn fault_truncate_replay(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let keep = opt_u64(&b, "keep")?.ok_or_else(|| bad("keep is required"))?;
    let keep = u32::try_from(keep).map_err(|_| bad("keep is too large"))?;
    state.lock().faults.truncate_replay = Some(keep);
    Ok(Json(json!({"truncateReplay": keep})))
}

async fn fault_sse_drop(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let n = opt_u64(&b, "afterEvents")?.ok_or_else(|| bad("afterEvents is required"))?;
    let mut g = state.lock();
    g.faults.sse_drop_after = Some(n as u32);
    // Wake idle streams so that afterEvents = 0 drops them at once.
    for log in g.subjects.values() {
        log.tx.send_modify(|_| {});
    }
    Ok(Json(json!({"sseDropAfter": n})))
}

fn opt_method(b: &Value) -> ApiResult<Option<String>> {
    Ok(opt_str(b, "method")?.map(|m| m.to_ascii_uppercase()))
}

async fn fault_fail(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let path = req_str(&b, "path")?.to_string();
    if !path.starts_with('/') {
        return Err(bad("path must start with /"));
    }
    let status = opt_u64(&b, "status")?.ok_or_else(|| bad("status is required"))?;
    if !(400..=599).contains(&status) {
        return Err(bad("status must be 400..599"));
    }
    let count = opt_u64(&b, "count")?.unwrap_or(1).max(1) as u32;
    let rule = FailRule {
        method: opt_method(&b)?,
        path,
        status: status as u16,
        remaining: count,
        message: opt_str(&b, "message")?.map(str::to_string),
    };
    state.lock().faults.fail.push(rule.clone());
    Ok(Json(serde_json::to_value(rule).unwrap_or(Value::Null)))
}

async fn fault_latency(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let path = req_str(&b, "path")?.to_string();
    let ms = opt_u64(&b, "ms")?.ok_or_else(|| bad("ms is required"))?;
    let rule = LatencyRule {
        method: opt_method(&b)?,
        path,
        ms,
        remaining: opt_u64(&b, "count")?.map(|c| c as u32),
    };
    state.lock().faults.latency.push(rule.clone());
    Ok(Json(serde_json::to_value(rule).unwrap_or(Value::Null)))
}

async fn fault_expire_tokens(State(state): St) -> Json<Value> {
    let mut g = state.lock();
    let mut n = 0;
    for t in g.tokens.values_mut().filter(|t| !t.expired) {
        t.expired = true;
        n += 1;
    }
    Json(json!({"expired": n}))
}

async fn fault_affinity(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let only = opt_str(&b, "sessionId")?.map(str::to_string);
    let mut g = state.lock();
    let mut n = 0;
    for s in g.lc_sessions.values_mut() {
        if only.as_ref().is_none_or(|o| *o == s.id) && !s.ended {
            s.force_503 = true;
            s.tx.send_modify(|v| *v += 1);
            n += 1;
        }
    }
    if only.is_some() && n == 0 {
        return Err(ApiError::control(
            StatusCode::NOT_FOUND,
            "Unknown or ended session",
        ));
    }
    Ok(Json(json!({"sessions": n})))
}

async fn fault_stall(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let count = opt_u64(&b, "count")?.unwrap_or(1) as u32;
    let only = opt_str(&b, "sessionId")?.map(str::to_string);
    let mut g = state.lock();
    match only {
        Some(sid) => {
            let s = g
                .lc_sessions
                .get_mut(&sid)
                .ok_or_else(|| ApiError::control(StatusCode::NOT_FOUND, "Unknown session"))?;
            s.stall_polls += count;
        }
        None => g.faults.stall_polls += count,
    }
    Ok(Json(json!({"stallPolls": count})))
}

async fn fault_routing(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let ft = opt_str(&b, "failureType")?
        .unwrap_or("RoutingError")
        .to_string();
    if !matches!(ft.as_str(), "Unknown" | "SubmissionError" | "RoutingError") {
        return Err(bad(
            "failureType must be Unknown, SubmissionError or RoutingError",
        ));
    }
    state.lock().faults.routing_failure = Some(ft.clone());
    Ok(Json(json!({"failureType": ft})))
}

async fn fault_chat_fail(State(state): St, body: Bytes) -> ApiResult<Json<Value>> {
    let b = body_json(&body)?;
    let reason = opt_str(&b, "reason")?.unwrap_or("Unavailable").to_string();
    let count = opt_u64(&b, "count")?.unwrap_or(1).max(1) as u32;
    state.lock().faults.chat_request_fail = Some((reason.clone(), count));
    Ok(Json(json!({"reason": reason, "count": count})))
}

async fn get_file(State(state): St, Path(id): Path<String>) -> ApiResult<Response> {
    let g = state.lock();
    let f = g
        .files
        .get(&id)
        .ok_or_else(|| ApiError::control(StatusCode::NOT_FOUND, "Unknown file"))?;
    let mut r = f.bytes.clone().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&f.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disp = format!(
        "inline; filename=\"{}\"",
        f.name.replace(['"', '\\', '\r', '\n'], "_")
    );
    if let Ok(v) = HeaderValue::from_str(&disp) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(r)
}
