//! Shared in-memory state of one emulator: agents, conversations of both APIs, the MIAW SSE
//! event logs, Live Agent sessions and scripted faults. One mutex, never held across `.await`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::config::{EmulatorConfig, EndMode, EventIdFormat, SessionStatusSignal, Variants};
use crate::error::{ApiError, ApiResult};
use crate::util::{now_ms, uuid};

/// Events kept per MIAW subject for `Last-Event-Id` replay.
pub const SSE_RETENTION: usize = 10_000;

pub struct AppState {
    pub config: EmulatorConfig,
    inner: Mutex<Inner>,
    /// Ids of SSE connections (never reused, also across resets).
    next_stream_id: AtomicU64,
    /// Bumped by every reset (running scenarios stop).
    resets: watch::Sender<u64>,
}

impl AppState {
    pub fn new(config: EmulatorConfig) -> Self {
        let inner = Inner::new(&config);
        AppState {
            config,
            inner: Mutex::new(inner),
            next_stream_id: AtomicU64::new(1),
            resets: watch::channel(0).0,
        }
    }

    /// Notified at the next reset.
    pub fn subscribe_reset(&self) -> watch::Receiver<u64> {
        self.resets.subscribe()
    }

    /// A fresh id for an SSE connection.
    pub fn new_stream_id(&self) -> u64 {
        self.next_stream_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forget every conversation, session, token and fault; restore agents and queue.
    pub fn reset(&self) {
        let mut g = self.lock();
        // Wake every waiter so that streams and polls notice the reset.
        for s in g.lc_sessions.values() {
            s.tx.send_modify(|v| *v += 1);
        }
        *g = Inner::new(&self.config);
        drop(g);
        self.resets.send_modify(|v| *v += 1);
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub available: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    Miaw,
    LiveChat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConvStatus {
    /// In the queue, no agent.
    Waiting,
    /// At least one agent is in the conversation.
    Active,
    /// The messaging session (MIAW) or chat (Live Agent) is over.
    Ended,
    /// MIAW: the end user closed the conversation.
    Closed,
}

/// One line of the server-side transcript (what tests assert on).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptEntry {
    pub seq: u64,
    pub timestamp: u64,
    /// `message`, `choices`, `choicesResponse`, `file`, `customEvent`, `event`.
    pub kind: String,
    /// `EndUser`, `Agent` or `System`.
    pub role: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// MIAW: the end user's message was delivered to / read by an agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
}

/// A persisted MIAW conversation entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub identifier: String,
    pub entry_type: String,
    pub payload: Value,
    pub sender: Value,
    pub sender_display_name: String,
    pub client_ts: u64,
    pub transcripted_ts: u64,
    pub related: Vec<String>,
}

impl Entry {
    /// `conversationEntry` JSON; SSE carries `entryPayload` as a string, list-entries as an object.
    pub fn to_json(&self, payload_as_string: bool) -> Value {
        json!({
            "identifier": self.identifier,
            "entryType": self.entry_type,
            "entryPayload": if payload_as_string { Value::String(self.payload.to_string()) } else { self.payload.clone() },
            "sender": self.sender,
            "senderDisplayName": self.sender_display_name,
            "clientTimestamp": self.client_ts,
            "transcriptedTimestamp": self.transcripted_ts,
            "relatedRecords": self.related,
        })
    }
}

/// The SSE event name for an entry type.
pub fn event_name(entry_type: &str) -> &'static str {
    match entry_type {
        "Message" => "CONVERSATION_MESSAGE",
        "ParticipantChanged" => "CONVERSATION_PARTICIPANT_CHANGED",
        "RoutingResult" => "CONVERSATION_ROUTING_RESULT",
        "DeliveryAcknowledgement" => "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        "ReadAcknowledgement" => "CONVERSATION_READ_ACKNOWLEDGEMENT",
        "TypingStartedIndicator" => "CONVERSATION_TYPING_STARTED_INDICATOR",
        "TypingStoppedIndicator" => "CONVERSATION_TYPING_STOPPED_INDICATOR",
        "SessionStatusChanged" => "CONVERSATION_SESSION_STATUS_CHANGED",
        "CloseConversation" => "CONVERSATION_CLOSE_CONVERSATION",
        _ => "CONVERSATION_UNKNOWN",
    }
}

/// A conversation of either API, as seen by the agents.
#[derive(Debug)]
pub struct Conv {
    pub id: String,
    pub channel: Channel,
    pub status: ConvStatus,
    pub created_ms: u64,
    pub visitor_name: String,
    /// MIAW routing attributes, or Live Agent pre-chat details and environment.
    pub details: Value,
    pub agents: Vec<String>,
    pub transcript: Vec<TranscriptEntry>,
    pub visitor_typing: bool,
    pub sneak_peek: Option<String>,
    pub end_reason: Option<String>,
    pub ended_ms: Option<u64>,
    /// MIAW: the end user's subject (MessagingPlatformKey).
    pub subject: Option<String>,
    /// MIAW: persisted conversation entries, oldest first.
    pub entries: Vec<Entry>,
    /// MIAW: end-user message times for the rate limit.
    pub msg_times: VecDeque<Instant>,
    /// MIAW: routing status reported by GET conversation.
    pub routing_status: &'static str,
}

#[derive(Debug, Clone)]
pub struct SseEvent {
    /// The per-subject counter (what replay compares).
    pub id: u64,
    /// The `id:` value on the wire (`event-id` variant: the counter, or `<epoch-ms>:<counter>`).
    pub wire_id: String,
    pub name: String,
    pub data: String,
}

/// The wire form of event counter `counter` minted now.
pub fn wire_event_id(fmt: EventIdFormat, counter: u64) -> String {
    match fmt {
        EventIdFormat::Numeric => counter.to_string(),
        EventIdFormat::Ts => format!("{}:{counter}", now_ms()),
    }
}

/// The counter of a `Last-Event-Id` value in either format (the part after the last `:`);
/// `None` when it cannot be read.
pub fn parse_event_id(s: &str) -> Option<u64> {
    s.rsplit(':').next()?.trim().parse().ok()
}

/// SSE event log of one MIAW subject (all of its conversations).
pub struct SubjectLog {
    pub events: VecDeque<SseEvent>,
    pub last_id: u64,
    /// Wire id of `last_id` (what `lastEventId` of a token response reports).
    pub last_wire: String,
    fmt: EventIdFormat,
    pub tx: watch::Sender<u64>,
    /// Open SSE connections of this subject (shown as "online" in the console).
    pub open_streams: usize,
}

impl SubjectLog {
    fn new(fmt: EventIdFormat) -> Self {
        SubjectLog {
            events: VecDeque::new(),
            last_id: 0,
            last_wire: wire_event_id(fmt, 0),
            fmt,
            tx: watch::channel(0).0,
            open_streams: 0,
        }
    }

    /// The wire id of event counter `counter` (as sent, when the event is still retained).
    pub fn wire_for(&self, counter: u64) -> String {
        if counter == self.last_id {
            return self.last_wire.clone();
        }
        let retained = self.events.front().and_then(|f| {
            let i = usize::try_from(counter.checked_sub(f.id)?).ok()?;
            self.events.get(i).filter(|e| e.id == counter)
        });
        match retained {
            Some(e) => e.wire_id.clone(),
            None => wire_event_id(self.fmt, counter),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub subject: String,
    pub client_id: String,
    pub revoked: bool,
    pub expired: bool,
    pub authenticated: bool,
    pub conv_creations: VecDeque<Instant>,
}

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LcOut {
    #[serde(skip)]
    pub seq: u64,
    #[serde(rename = "type")]
    pub ty: String,
    pub message: Value,
}

/// A Live Agent visitor session.
pub struct LcSession {
    pub id: String,
    pub key: String,
    pub affinity: String,
    /// A simulated server hand-off happened: every request answers 503 until ReconnectSession.
    pub affinity_stale: bool,
    /// Fault: answer the next Messages poll (or the one in flight) with 503.
    pub force_503: bool,
    /// Fault: the next N Messages polls stall.
    pub stall_polls: u32,
    pub initialized: bool,
    /// `X-LIVEAGENT-API-VERSION` of ChasitorInit (EWT is reported from 47 on).
    pub api_version: u32,
    pub seen_seqs: std::collections::HashSet<i64>,
    pub outbox: VecDeque<LcOut>,
    pub next_seq: u64,
    pub max_ack: i64,
    pub offset_base: u64,
    pub last_offset: u64,
    pub in_flight: Option<u64>,
    pub poll_counter: u64,
    pub ended: bool,
    pub killed: bool,
    pub receive_queue_updates: bool,
    /// Visitor idle-timeout clock: started by the agent, cleared by a visitor message.
    pub idle_since: Option<Instant>,
    pub idle_warned: bool,
    /// Last request or poll end: the chat ends when the visitor stops polling for longer than
    /// `connection_timeout_ms`.
    pub last_seen: Instant,
    pub tx: watch::Sender<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    pub status: u16,
    pub remaining: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    pub ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Close the SSE stream after this many more events (pings excluded).
    pub sse_drop_after: Option<u32>,
    /// SSE connections (ids) that send nothing more until the faults are cleared.
    pub sse_stalled: BTreeSet<u64>,
    /// The next `Last-Event-Id` replay sends only the last N events it should replay.
    pub truncate_replay: Option<u32>,
    pub fail: Vec<FailRule>,
    pub latency: Vec<LatencyRule>,
    /// Global: the next N Messages polls of any session stall.
    pub stall_polls: u32,
    /// The next MIAW routing result reports this `failureType` (e.g. `RoutingError`).
    pub routing_failure: Option<String>,
    /// The next N Live Agent ChasitorInit requests fail with this reason.
    pub chat_request_fail: Option<(String, u32)>,
}

pub struct Inner {
    pub agents: Vec<Agent>,
    pub queue_position: u32,
    pub estimated_wait: i64,
    pub convs: HashMap<String, Conv>,
    pub order: Vec<String>,
    pub tokens: HashMap<String, TokenInfo>,
    pub subjects: HashMap<String, SubjectLog>,
    pub files: HashMap<String, StoredFile>,
    pub token_times: VecDeque<Instant>,
    pub lc_sessions: HashMap<String, LcSession>,
    pub lc_by_key: HashMap<String, String>,
    pub faults: Faults,
    pub transcript_seq: u64,
    pub auto_accept: bool,
    /// Open SSE connections: stream id → subject.
    pub streams: HashMap<u64, String>,
    /// `config.variants` (copied here so that state methods need no config).
    pub variants: Variants,
}

fn agent_sender(a: &Agent) -> Value {
    json!({"role": "Agent", "appType": "agent", "subject": a.id})
}

fn system_sender() -> Value {
    json!({"role": "System", "appType": "custom", "subject": "system"})
}

impl Inner {
    fn new(c: &EmulatorConfig) -> Self {
        Inner {
            agents: c
                .agents
                .iter()
                .map(|a| Agent {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    available: a.available,
                })
                .collect(),
            queue_position: c.queue_position,
            estimated_wait: c.estimated_wait_time_secs,
            convs: HashMap::new(),
            order: Vec::new(),
            tokens: HashMap::new(),
            subjects: HashMap::new(),
            files: HashMap::new(),
            token_times: VecDeque::new(),
            lc_sessions: HashMap::new(),
            lc_by_key: HashMap::new(),
            faults: Faults::default(),
            transcript_seq: 0,
            auto_accept: c.auto_accept,
            streams: HashMap::new(),
            variants: c.variants,
        }
    }

    pub fn agent(&self, id: &str) -> ApiResult<Agent> {
        self.agents
            .iter()
            .find(|a| a.id == id || a.name.eq_ignore_ascii_case(id))
            .cloned()
            .ok_or_else(|| ApiError::control(StatusCode::NOT_FOUND, format!("Unknown agent {id}")))
    }

    pub fn any_agent_available(&self) -> bool {
        self.agents.iter().any(|a| a.available)
    }

    pub fn conv_mut(&mut self, id: &str) -> ApiResult<&mut Conv> {
        self.convs.get_mut(id).ok_or_else(|| {
            ApiError::control(StatusCode::NOT_FOUND, format!("Unknown conversation {id}"))
        })
    }

    pub fn new_conv(
        &mut self,
        id: &str,
        channel: Channel,
        visitor_name: String,
        details: Value,
        subject: Option<String>,
    ) {
        let conv = Conv {
            id: id.to_string(),
            channel,
            status: ConvStatus::Waiting,
            created_ms: now_ms(),
            visitor_name,
            details,
            agents: Vec::new(),
            transcript: Vec::new(),
            visitor_typing: false,
            sneak_peek: None,
            end_reason: None,
            ended_ms: None,
            subject,
            entries: Vec::new(),
            msg_times: VecDeque::new(),
            routing_status: "INITIAL",
        };
        self.convs.insert(id.to_string(), conv);
        self.order.push(id.to_string());
    }

    /// Append to a conversation's server-side transcript.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        conv_id: &str,
        kind: &str,
        role: &str,
        name: &str,
        agent_id: Option<&str>,
        text: Option<&str>,
        message_id: Option<&str>,
        data: Option<Value>,
    ) {
        self.transcript_seq += 1;
        let seq = self.transcript_seq;
        if let Some(c) = self.convs.get_mut(conv_id) {
            let is_user_msg = role == "EndUser" && c.channel == Channel::Miaw && kind != "event";
            c.transcript.push(TranscriptEntry {
                seq,
                timestamp: now_ms(),
                kind: kind.to_string(),
                role: role.to_string(),
                name: name.to_string(),
                agent_id: agent_id.map(str::to_string),
                text: text.map(str::to_string),
                message_id: message_id.map(str::to_string),
                data,
                delivered: is_user_msg.then_some(false),
                read: is_user_msg.then_some(false),
            });
        }
    }

    fn system_note(&mut self, conv_id: &str, text: &str) {
        self.record(
            conv_id,
            "event",
            "System",
            "System",
            None,
            Some(text),
            None,
            None,
        );
    }

    // ------------------------------------------------------------------ MIAW events

    pub fn subject_log(&mut self, subject: &str) -> &mut SubjectLog {
        let fmt = self.variants.event_id;
        self.subjects
            .entry(subject.to_string())
            .or_insert_with(|| SubjectLog::new(fmt))
    }

    /// Publish an entry on the conversation owner's SSE stream (and persist it if asked).
    pub fn miaw_emit(&mut self, channel_addr: &str, conv_id: &str, entry: Entry, persist: bool) {
        let name = event_name(&entry.entry_type).to_string();
        self.miaw_emit_named(channel_addr, conv_id, &name, entry, persist);
    }

    /// Publish an entry under an explicit SSE event name (the control API's raw-event hook).
    pub fn miaw_emit_named(
        &mut self,
        channel_addr: &str,
        conv_id: &str,
        name: &str,
        entry: Entry,
        persist: bool,
    ) {
        self.miaw_emit_with(channel_addr, conv_id, name, entry, persist, &[]);
    }

    /// Publish an entry with extra top-level members in the event's data JSON.
    pub fn miaw_emit_with(
        &mut self,
        channel_addr: &str,
        conv_id: &str,
        name: &str,
        entry: Entry,
        persist: bool,
        extra: &[(&str, Value)],
    ) {
        let Some(conv) = self.convs.get_mut(conv_id) else {
            return;
        };
        let Some(subject) = conv.subject.clone() else {
            return;
        };
        let mut envelope = json!({
            "channelPlatformKey": subject,
            "channelType": "embedded_messaging",
            "channelAddressIdentifier": channel_addr,
            "conversationId": conv_id,
            "conversationEntry": entry.to_json(true),
        });
        for (k, v) in extra {
            envelope[*k] = v.clone();
        }
        if persist {
            conv.entries.push(entry);
        }
        let log = self.subject_log(&subject);
        log.last_id += 1;
        let id = log.last_id;
        log.last_wire = wire_event_id(log.fmt, id);
        log.events.push_back(SseEvent {
            id,
            wire_id: log.last_wire.clone(),
            name: name.to_string(),
            data: envelope.to_string(),
        });
        while log.events.len() > SSE_RETENTION {
            log.events.pop_front();
        }
        log.tx.send_replace(id);
    }

    pub fn make_entry(
        entry_type: &str,
        identifier: &str,
        payload: Value,
        sender: Value,
        display: &str,
        related: Vec<String>,
    ) -> Entry {
        let now = now_ms();
        Entry {
            identifier: identifier.to_string(),
            entry_type: entry_type.to_string(),
            payload,
            sender,
            sender_display_name: display.to_string(),
            client_ts: now,
            transcripted_ts: now,
            related,
        }
    }

    /// Emit the initial (or transfer) routing result of a MIAW conversation.
    pub fn miaw_routing_result(&mut self, chan: &str, conv_id: &str, routing_type: &str) {
        let failure = self
            .faults
            .routing_failure
            .take()
            .unwrap_or_else(|| "None".to_string());
        let id = uuid();
        let ok = failure == "None";
        let payload = json!({
            "entryType": "RoutingResult",
            "id": id,
            "routingType": routing_type,
            "failureType": failure,
            "failureReason": if ok { Value::Null } else { json!("No agent could be assigned (scripted fault)") },
            "errorMessages": [],
            "recordId": "0Mw5e000000AbCd",
            "pendingServiceRoutingId": "0JR5e000000AbCd",
            "workOwnerId": Value::Null,
            "isExternallyRouted": false,
            "skipRouterCPRemovalIfNoRoutingFailures": false,
            "estimatedWaitTime": {"estimatedWaitTimeInSeconds": self.estimated_wait, "isEWTRequested": true},
            "routingConfigurationDetails": {"routingConfigurationType": "Queue", "queueId": "00G5e000000AbCd"},
        });
        let e = Self::make_entry(
            "RoutingResult",
            &id,
            payload,
            json!({"role": "Router", "appType": "custom", "subject": "router"}),
            "Automated Process",
            vec![],
        );
        self.miaw_emit(chan, conv_id, e, true);
        if let Some(c) = self.convs.get_mut(conv_id) {
            c.routing_status = if ok { "INITIAL" } else { "NEEDS_ROUTING" };
        }
        self.system_note(
            conv_id,
            &format!(
                "Routing result: {routing_type}, failureType {}",
                if ok { "None" } else { "RoutingError" }
            ),
        );
    }

    fn miaw_participant(&mut self, chan: &str, conv_id: &str, agent: &Agent, op: &str) {
        let id = uuid();
        let payload = json!({
            "entryType": "ParticipantChanged",
            "id": id,
            "entries": [{
                "operation": op,
                "displayName": agent.name,
                "participant": {"role": "Agent", "appType": "agent", "subject": agent.id, "clientIdentifier": agent.id},
                "menuMetadata": Value::Null,
            }],
        });
        let e = Self::make_entry(
            "ParticipantChanged",
            &id,
            payload,
            system_sender(),
            "Automated Process",
            vec![],
        );
        self.miaw_emit(chan, conv_id, e, true);
    }

    /// Signal that the messaging session ended, in the shape of the `session-status` variant
    /// (nothing when it is `absent` or `silent` is set).
    pub fn miaw_session_ended(&mut self, chan: &str, conv_id: &str, silent: bool) {
        let id = uuid();
        let ty = "SessionStatusChanged";
        let (name, payload, extra) = match self.variants.session_status {
            _ if silent => return,
            SessionStatusSignal::Absent => return,
            SessionStatusSignal::Entry => (
                "CONVERSATION_SESSION_STATUS_CHANGED",
                json!({"entryType": ty, "id": id, "changedStatus": "Ended", "sessionStatus": "Ended"}),
                None,
            ),
            SessionStatusSignal::Top => (
                "CONVERSATION_SESSION_STATUS_CHANGED",
                json!({"entryType": ty, "id": id}),
                Some(("sessionStatus", json!("CLOSED"))),
            ),
            SessionStatusSignal::EntryType => (
                "CONVERSATION_ENTRY",
                json!({"entryType": ty, "id": id, "status": "inactive"}),
                None,
            ),
        };
        let e = Self::make_entry(
            ty,
            &id,
            payload,
            system_sender(),
            "Automated Process",
            vec![],
        );
        let extra: Vec<(&str, Value)> = extra.into_iter().collect();
        self.miaw_emit_with(chan, conv_id, name, e, true, &extra);
    }

    /// Acknowledge (delivery or read) the end user's unacknowledged messages.
    pub fn miaw_ack(&mut self, chan: &str, conv_id: &str, read: bool, agent: &Agent) {
        let pending: Vec<String> = match self.convs.get_mut(conv_id) {
            Some(c) => c
                .transcript
                .iter_mut()
                .filter(|t| t.role == "EndUser" && t.message_id.is_some())
                .filter_map(|t| {
                    let flag = if read { &mut t.read } else { &mut t.delivered };
                    if *flag == Some(false) {
                        *flag = Some(true);
                        if read {
                            t.delivered = Some(true);
                        }
                        t.message_id.clone()
                    } else {
                        None
                    }
                })
                .collect(),
            None => return,
        };
        let ty = if read {
            "ReadAcknowledgement"
        } else {
            "DeliveryAcknowledgement"
        };
        for msg_id in pending {
            let id = uuid();
            let now = now_ms();
            let payload = json!({
                "entryType": ty,
                "id": id,
                "acknowledgedConversationEntryIdentifier": msg_id,
                "acknowledgementTimestamp": now,
            });
            let e = Self::make_entry(
                ty,
                &id,
                payload,
                agent_sender(agent),
                &agent.name,
                vec![msg_id.clone()],
            );
            self.miaw_emit(chan, conv_id, e, true);
        }
    }

    // ------------------------------------------------------------------ Live Agent

    pub fn lc_push(&mut self, sid: &str, ty: &str, message: Value) {
        if let Some(s) = self.lc_sessions.get_mut(sid) {
            let seq = s.next_seq;
            s.next_seq += 1;
            s.outbox.push_back(LcOut {
                seq,
                ty: ty.to_string(),
                message,
            });
            s.tx.send_modify(|v| *v += 1);
        }
    }

    fn lc_idle(&self, c: &EmulatorConfig) -> Value {
        if c.idle_timeout.enabled {
            json!({"isEnabled": true, "warningTime": c.idle_timeout.warning_time, "timeout": c.idle_timeout.timeout})
        } else {
            json!({"isEnabled": false})
        }
    }

    /// Live Agent chat over: no more messages are queued; later polls drain then answer 403.
    pub fn lc_end(&mut self, sid: &str) {
        if let Some(s) = self.lc_sessions.get_mut(sid) {
            s.ended = true;
            s.tx.send_modify(|v| *v += 1);
        }
    }

    /// Push QueueUpdate to waiting Live Agent chats that asked for them.
    pub fn broadcast_queue(&mut self) {
        let waiting: Vec<String> = self
            .convs
            .values()
            .filter(|c| c.channel == Channel::LiveChat && c.status == ConvStatus::Waiting)
            .map(|c| c.id.clone())
            .collect();
        let (pos, ewt) = (self.queue_position, self.estimated_wait);
        for sid in waiting {
            let Some(s) = self.lc_sessions.get(&sid) else {
                continue;
            };
            if s.receive_queue_updates && !s.ended {
                let mut m = json!({"position": pos});
                if s.api_version >= 47 {
                    m["estimatedWaitTime"] = json!(ewt);
                }
                self.lc_push(&sid, "QueueUpdate", m);
            }
        }
    }

    // ------------------------------------------------------------------ agent actions

    fn check_open(&self, conv_id: &str) -> ApiResult<&Conv> {
        let c = self.convs.get(conv_id).ok_or_else(|| {
            ApiError::control(
                StatusCode::NOT_FOUND,
                format!("Unknown conversation {conv_id}"),
            )
        })?;
        if matches!(c.status, ConvStatus::Ended | ConvStatus::Closed) {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                format!("Conversation {conv_id} is {:?}", c.status).to_lowercase(),
            ));
        }
        Ok(c)
    }

    fn check_member(&self, conv_id: &str, agent_id: &str) -> ApiResult<()> {
        let c = self.check_open(conv_id)?;
        if !c.agents.iter().any(|a| a == agent_id) {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                format!("Agent {agent_id} is not in conversation {conv_id}"),
            ));
        }
        Ok(())
    }

    /// The oldest waiting conversation.
    pub fn next_waiting(&self) -> Option<String> {
        self.order
            .iter()
            .find(|id| {
                self.convs
                    .get(*id)
                    .is_some_and(|c| c.status == ConvStatus::Waiting)
            })
            .cloned()
    }

    /// Agent joins (accept or conference).
    pub fn join(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
        conference: bool,
    ) -> ApiResult<()> {
        let agent = self.agent(agent_id)?;
        let c = self.check_open(conv_id)?;
        if c.agents.contains(&agent.id) {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                format!("{} is already in the conversation", agent.name),
            ));
        }
        if !conference && !c.agents.is_empty() {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                "Conversation was already accepted; use conference",
            ));
        }
        if conference && c.agents.is_empty() {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                "Nobody accepted the conversation yet; use accept",
            ));
        }
        let channel = c.channel;
        let first = c.agents.is_empty();
        {
            let c = self.conv_mut(conv_id)?;
            c.agents.push(agent.id.clone());
            c.status = ConvStatus::Active;
            c.routing_status = "ROUTED";
        }
        let verb = if conference {
            "joined (conference)"
        } else {
            "accepted the conversation"
        };
        self.system_note(conv_id, &format!("{} {verb}", agent.name));
        match channel {
            Channel::Miaw => {
                let chan = cfg.channel_address_identifier.clone();
                self.miaw_participant(&chan, conv_id, &agent, "add");
                if cfg.auto_delivery_ack {
                    self.miaw_ack(&chan, conv_id, false, &agent);
                }
            }
            Channel::LiveChat => {
                if first {
                    let (rq, v) = self
                        .lc_sessions
                        .get(conv_id)
                        .map(|s| (s.receive_queue_updates, s.api_version))
                        .unwrap_or((false, 0));
                    if rq {
                        let mut m = json!({"position": 0});
                        if v >= 47 {
                            m["estimatedWaitTime"] = json!(0);
                        }
                        self.lc_push(conv_id, "QueueUpdate", m);
                    }
                    let idle = self.lc_idle(cfg);
                    if let Some(s) = self.lc_sessions.get_mut(conv_id) {
                        s.idle_since = Some(Instant::now());
                        s.idle_warned = false;
                    }
                    self.lc_push(
                        conv_id,
                        "ChatEstablished",
                        json!({"name": agent.name, "userId": agent.id, "items": [], "sneakPeekEnabled": true, "chasitorIdleTimeout": idle}),
                    );
                }
                // A conference join has no documented Live Agent message; the second agent's
                // messages simply carry their name.
            }
        }
        Ok(())
    }

    pub fn agent_message(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
        text: &str,
    ) -> ApiResult<String> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        if text.trim().is_empty() {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "text is required",
            ));
        }
        let channel = self.convs[conv_id].channel;
        let id = uuid();
        self.record(
            conv_id,
            "message",
            "Agent",
            &agent.name,
            Some(&agent.id),
            Some(text),
            Some(&id),
            None,
        );
        match channel {
            Channel::Miaw => {
                let chan = cfg.channel_address_identifier.clone();
                if cfg.auto_read_ack_on_reply {
                    self.miaw_ack(&chan, conv_id, true, &agent);
                }
                let payload = json!({
                    "entryType": "Message",
                    "id": id,
                    "abstractMessage": {
                        "messageType": "StaticContentMessage",
                        "inReplyToMessageId": Value::Null,
                        "id": id,
                        "references": [],
                        "staticContent": {"formatType": "Text", "text": text},
                    },
                    "messageReason": Value::Null,
                });
                let e = Self::make_entry(
                    "Message",
                    &id,
                    payload,
                    agent_sender(&agent),
                    &agent.name,
                    vec![],
                );
                self.miaw_emit(&chan, conv_id, e, true);
            }
            Channel::LiveChat => {
                if let Some(s) = self.lc_sessions.get_mut(conv_id) {
                    s.idle_since.get_or_insert_with(Instant::now);
                }
                self.lc_push(
                    conv_id,
                    "ChatMessage",
                    json!({"name": agent.name, "text": text, "agentId": agent.id, "schedule": {"responseDelayMilliseconds": 0}}),
                );
            }
        }
        Ok(id)
    }

    /// MIAW only: a ChoicesMessage (`Buttons` or `QuickReplies`).
    pub fn agent_choices(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
        text: &str,
        format: &str,
        options: &[(String, String)],
    ) -> ApiResult<String> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        if self.convs[conv_id].channel != Channel::Miaw {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "Choices exist only in MIAW conversations",
            ));
        }
        if !matches!(format, "Buttons" | "QuickReplies") {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "formatType must be Buttons or QuickReplies",
            ));
        }
        if options.is_empty() {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "at least one choice is required",
            ));
        }
        let id = uuid();
        let items: Vec<Value> = options
            .iter()
            .map(|(ident, title)| {
                json!({
                    "itemType": "TitleOptionItem",
                    "optionIdentifier": ident,
                    "optionId": uuid(),
                    "titleItem": {
                        "itemType": "TitleItem",
                        "title": title,
                        "subTitle": Value::Null,
                        "secondarySubTitle": Value::Null,
                        "tertiarySubTitle": Value::Null,
                        "referenceId": uuid(),
                    }
                })
            })
            .collect();
        let payload = json!({
            "entryType": "Message",
            "id": id,
            "abstractMessage": {
                "messageType": "ChoicesMessage",
                "inReplyToMessageId": Value::Null,
                "id": id,
                "references": [],
                "choices": {"formatType": format, "text": text, "optionItems": items},
            },
            "messageReason": Value::Null,
        });
        let data = json!({"formatType": format, "options": options.iter().map(|(i, t)| json!({"optionIdentifier": i, "title": t})).collect::<Vec<_>>()});
        self.record(
            conv_id,
            "choices",
            "Agent",
            &agent.name,
            Some(&agent.id),
            Some(text),
            Some(&id),
            Some(data),
        );
        let chan = cfg.channel_address_identifier.clone();
        if cfg.auto_read_ack_on_reply {
            self.miaw_ack(&chan, conv_id, true, &agent);
        }
        let e = Self::make_entry(
            "Message",
            &id,
            payload,
            agent_sender(&agent),
            &agent.name,
            vec![],
        );
        self.miaw_emit(&chan, conv_id, e, true);
        Ok(id)
    }

    /// MIAW only: the agent sends a file (stored, served from `/files/{id}`); `claimed_url`
    /// replaces the attachment's URL in the entry (to test what the widget does with it).
    #[allow(clippy::too_many_arguments)]
    pub fn agent_file(
        &mut self,
        cfg: &EmulatorConfig,
        base_url: &str,
        conv_id: &str,
        agent_id: &str,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
        text: Option<&str>,
        claimed_url: Option<&str>,
    ) -> ApiResult<String> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        if self.convs[conv_id].channel != Channel::Miaw {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "Files can be sent only in MIAW conversations",
            ));
        }
        let file_id = uuid();
        let id = uuid();
        let size = bytes.len();
        self.files.insert(
            file_id.clone(),
            StoredFile {
                name: file_name.to_string(),
                mime: mime.to_string(),
                bytes,
            },
        );
        let mut static_content =
            attachments_content(base_url, &file_id, file_name, mime, size, text);
        if let Some(url) = claimed_url {
            // A scripted hostile or broken URL instead of the file's own.
            static_content["attachments"][0]["url"] = json!(url);
        }
        let payload = json!({
            "entryType": "Message",
            "id": id,
            "abstractMessage": {
                "messageType": "StaticContentMessage",
                "inReplyToMessageId": Value::Null,
                "id": id,
                "references": [],
                "staticContent": static_content,
            },
            "messageReason": Value::Null,
        });
        self.record(
            conv_id,
            "file",
            "Agent",
            &agent.name,
            Some(&agent.id),
            text,
            Some(&id),
            Some(json!({"fileId": file_id, "name": file_name, "mimeType": mime, "size": size, "url": format!("{base_url}/files/{file_id}")})),
        );
        let chan = cfg.channel_address_identifier.clone();
        let e = Self::make_entry(
            "Message",
            &id,
            payload,
            agent_sender(&agent),
            &agent.name,
            vec![],
        );
        self.miaw_emit(&chan, conv_id, e, true);
        Ok(id)
    }

    pub fn agent_typing(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
        on: bool,
    ) -> ApiResult<()> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        match self.convs[conv_id].channel {
            Channel::Miaw => {
                let ty = if on {
                    "TypingStartedIndicator"
                } else {
                    "TypingStoppedIndicator"
                };
                let id = uuid();
                let e = Self::make_entry(
                    ty,
                    &id,
                    json!({"entryType": ty, "id": id}),
                    agent_sender(&agent),
                    &agent.name,
                    vec![],
                );
                let chan = cfg.channel_address_identifier.clone();
                self.miaw_emit(&chan, conv_id, e, false);
            }
            Channel::LiveChat => {
                let ty = if on { "AgentTyping" } else { "AgentNotTyping" };
                self.lc_push(
                    conv_id,
                    ty,
                    json!({"name": agent.name, "agentId": agent.id}),
                );
            }
        }
        Ok(())
    }

    pub fn transfer(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        from: &str,
        to: &str,
    ) -> ApiResult<()> {
        let from = self.agent(from)?;
        let to = self.agent(to)?;
        self.check_member(conv_id, &from.id)?;
        if from.id == to.id {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "Cannot transfer to the same agent",
            ));
        }
        if self.convs[conv_id].agents.contains(&to.id) {
            return Err(ApiError::control(
                StatusCode::CONFLICT,
                format!("{} is already in the conversation", to.name),
            ));
        }
        let channel = self.convs[conv_id].channel;
        {
            let c = self.conv_mut(conv_id)?;
            c.agents.retain(|a| a != &from.id);
            c.agents.push(to.id.clone());
        }
        self.system_note(
            conv_id,
            &format!("{} transferred the conversation to {}", from.name, to.name),
        );
        match channel {
            Channel::Miaw => {
                let chan = cfg.channel_address_identifier.clone();
                self.miaw_participant(&chan, conv_id, &from, "remove");
                self.miaw_routing_result(&chan, conv_id, "Transfer");
                if let Some(c) = self.convs.get_mut(conv_id) {
                    c.routing_status = "ROUTED";
                }
                self.miaw_participant(&chan, conv_id, &to, "add");
            }
            Channel::LiveChat => {
                let idle = self.lc_idle(cfg);
                self.lc_push(
                    conv_id,
                    "ChatTransferred",
                    json!({"name": to.name, "userId": to.id, "sneakPeekEnabled": true, "chasitorIdleTimeout": idle}),
                );
            }
        }
        Ok(())
    }

    /// The agent leaves. If nobody is left the conversation goes back to the queue
    /// (Live Agent: `AgentDisconnect`).
    pub fn leave(&mut self, cfg: &EmulatorConfig, conv_id: &str, agent_id: &str) -> ApiResult<()> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        let (channel, empty) = {
            let c = self.conv_mut(conv_id)?;
            c.agents.retain(|a| a != &agent.id);
            if c.agents.is_empty() {
                c.status = ConvStatus::Waiting;
                c.routing_status = "NEEDS_ROUTING";
            }
            (c.channel, c.agents.is_empty())
        };
        self.system_note(conv_id, &format!("{} left", agent.name));
        match channel {
            Channel::Miaw => {
                let chan = cfg.channel_address_identifier.clone();
                self.miaw_participant(&chan, conv_id, &agent, "remove");
            }
            Channel::LiveChat => {
                if empty {
                    self.lc_push(conv_id, "AgentDisconnect", json!({}));
                }
            }
        }
        Ok(())
    }

    /// The agent ends the session (MIAW: the conversation stays open, next send → 417; with
    /// `end-mode=conversation` it is closed too). `silent` (MIAW): no session-status event.
    pub fn agent_end(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: Option<&str>,
        silent: bool,
    ) -> ApiResult<()> {
        self.check_open(conv_id)?;
        if silent && self.convs[conv_id].channel != Channel::Miaw {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "silent applies only to MIAW conversations",
            ));
        }
        let (channel, agents) = {
            let c = self.conv_mut(conv_id)?;
            c.status = ConvStatus::Ended;
            c.end_reason = Some("agent".into());
            c.ended_ms = Some(now_ms());
            c.routing_status = "NEEDS_ROUTING";
            c.visitor_typing = false;
            (c.channel, std::mem::take(&mut c.agents))
        };
        let who = match agent_id {
            Some(a) => self
                .agent(a)
                .map(|a| a.name)
                .unwrap_or_else(|_| a.to_string()),
            None => "An agent".to_string(),
        };
        let how = if silent {
            " (silently: no session-status event)"
        } else {
            ""
        };
        self.system_note(conv_id, &format!("{who} ended the conversation{how}"));
        match channel {
            Channel::Miaw => {
                let chan = cfg.channel_address_identifier.clone();
                for a in agents {
                    if let Ok(agent) = self.agent(&a) {
                        self.miaw_participant(&chan, conv_id, &agent, "remove");
                    }
                }
                self.miaw_session_ended(&chan, conv_id, silent);
                if self.variants.end_mode == EndMode::Conversation {
                    self.miaw_close_by_agent(&chan, conv_id);
                }
            }
            Channel::LiveChat => {
                self.lc_push(
                    conv_id,
                    "ChatEnded",
                    json!({"reason": "agent", "attachedRecords": []}),
                );
                self.lc_end(conv_id);
            }
        }
        Ok(())
    }

    /// Session-Based Chat (`end-mode=conversation`): the conversation ends with the session.
    fn miaw_close_by_agent(&mut self, chan: &str, conv_id: &str) {
        if let Some(c) = self.convs.get_mut(conv_id) {
            c.status = ConvStatus::Closed;
        }
        self.system_note(
            conv_id,
            "The conversation was closed with the session (Session-Based Chat)",
        );
        let id = uuid();
        let e = Self::make_entry(
            "CloseConversation",
            &id,
            json!({"entryType": "CloseConversation", "id": id, "conversationId": conv_id}),
            system_sender(),
            "Automated Process",
            vec![],
        );
        self.miaw_emit(chan, conv_id, e, true);
    }

    /// MIAW: read acknowledgement of the end user's messages by this agent.
    pub fn agent_read(
        &mut self,
        cfg: &EmulatorConfig,
        conv_id: &str,
        agent_id: &str,
    ) -> ApiResult<()> {
        let agent = self.agent(agent_id)?;
        self.check_member(conv_id, &agent.id)?;
        if self.convs[conv_id].channel != Channel::Miaw {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "Read receipts exist only in MIAW",
            ));
        }
        let chan = cfg.channel_address_identifier.clone();
        self.miaw_ack(&chan, conv_id, true, &agent);
        Ok(())
    }

    /// End Live Agent chats whose visitor stopped polling for longer than `connection_timeout_ms`.
    pub fn expire_lc_sessions(&mut self, cfg: &EmulatorConfig) {
        let limit = std::time::Duration::from_millis(cfg.connection_timeout_ms);
        let now = Instant::now();
        let expired: Vec<String> = self
            .lc_sessions
            .values()
            .filter(|s| {
                s.initialized
                    && !s.ended
                    && s.in_flight.is_none()
                    && now.duration_since(s.last_seen) > limit
            })
            .map(|s| s.id.clone())
            .collect();
        for sid in expired {
            if let Some(s) = self.lc_sessions.get_mut(&sid) {
                s.ended = true;
                s.outbox.clear();
                s.tx.send_modify(|v| *v += 1);
            }
            let open = self
                .convs
                .get(&sid)
                .is_some_and(|c| matches!(c.status, ConvStatus::Waiting | ConvStatus::Active));
            if open {
                if let Some(c) = self.convs.get_mut(&sid) {
                    c.status = ConvStatus::Ended;
                    c.end_reason = Some("visitorStoppedPolling".into());
                    c.ended_ms = Some(now_ms());
                    c.agents.clear();
                    c.visitor_typing = false;
                }
                self.system_note(
                    &sid,
                    "The visitor stopped polling: the chat session expired",
                );
            }
        }
    }

    /// Whether the visitor is connected (MIAW: an open SSE stream; Live Agent: polling).
    pub fn visitor_connected(&self, cfg: &EmulatorConfig, conv_id: &str) -> bool {
        let Some(c) = self.convs.get(conv_id) else {
            return false;
        };
        match c.channel {
            Channel::Miaw => c
                .subject
                .as_ref()
                .and_then(|s| self.subjects.get(s))
                .is_some_and(|l| l.open_streams > 0),
            Channel::LiveChat => self.lc_sessions.get(conv_id).is_some_and(|s| {
                !s.ended
                    && (s.in_flight.is_some()
                        || s.last_seen.elapsed()
                            < cfg.long_poll_timeout + std::time::Duration::from_secs(5))
            }),
        }
    }

    /// The visitor spoke: stop the idle clock (and clear a pending warning).
    pub fn lc_visitor_active(&mut self, sid: &str) {
        let warned = match self.lc_sessions.get_mut(sid) {
            Some(s) => {
                s.idle_since = None;
                std::mem::take(&mut s.idle_warned)
            }
            None => false,
        };
        if warned {
            self.lc_push(
                sid,
                "ChasitorIdleTimeoutWarningEvent",
                json!({"idleTimeoutWarningEvent": "cleared"}),
            );
        }
    }

    /// Run the visitor idle timer (when enabled): warn after `warning_time`, end after `timeout`
    /// seconds. Returns when it next needs to run.
    pub fn lc_idle_tick(&mut self, cfg: &EmulatorConfig, sid: &str) -> Option<Instant> {
        if !cfg.idle_timeout.enabled {
            return None;
        }
        let active = self
            .convs
            .get(sid)
            .is_some_and(|c| c.status == ConvStatus::Active);
        let s = self.lc_sessions.get(sid)?;
        let since = s.idle_since.filter(|_| active && !s.ended)?;
        let warn_at = since + std::time::Duration::from_secs(cfg.idle_timeout.warning_time.into());
        let end_at = since + std::time::Duration::from_secs(cfg.idle_timeout.timeout.into());
        let now = Instant::now();
        if now >= end_at {
            let _ = self.idle_event(sid, "timeout");
            return None;
        }
        if now >= warn_at && !s.idle_warned {
            if let Some(s) = self.lc_sessions.get_mut(sid) {
                s.idle_warned = true;
            }
            let _ = self.idle_event(sid, "triggered");
            return Some(end_at);
        }
        Some(if s.idle_warned { end_at } else { warn_at })
    }

    /// Live Agent: idle-timeout warning `triggered` / `cleared`, or `timeout` (ends the chat).
    pub fn idle_event(&mut self, conv_id: &str, state: &str) -> ApiResult<()> {
        self.check_open(conv_id)?;
        if self.convs[conv_id].channel != Channel::LiveChat {
            return Err(ApiError::control(
                StatusCode::BAD_REQUEST,
                "Idle timeout events exist only in Live Agent chats",
            ));
        }
        match state {
            "triggered" | "cleared" => {
                self.lc_push(
                    conv_id,
                    "ChasitorIdleTimeoutWarningEvent",
                    json!({"idleTimeoutWarningEvent": state}),
                );
                self.system_note(conv_id, &format!("Idle-timeout warning {state}"));
            }
            "timeout" => {
                let c = self.conv_mut(conv_id)?;
                c.status = ConvStatus::Ended;
                c.end_reason = Some("clientIdleTimeout".into());
                c.ended_ms = Some(now_ms());
                c.agents.clear();
                self.system_note(conv_id, "Chat ended: visitor idle timeout");
                self.lc_push(
                    conv_id,
                    "ChatEnded",
                    json!({"reason": "clientIdleTimeout", "attachedRecords": []}),
                );
                self.lc_end(conv_id);
            }
            _ => {
                return Err(ApiError::control(
                    StatusCode::BAD_REQUEST,
                    "state must be triggered, cleared or timeout",
                ))
            }
        }
        Ok(())
    }
}

/// `staticContent` of an Attachments message.
pub fn attachments_content(
    base_url: &str,
    file_id: &str,
    name: &str,
    mime: &str,
    size: usize,
    text: Option<&str>,
) -> Value {
    json!({
        "formatType": "Attachments",
        "text": text,
        "attachments": [{
            "id": file_id,
            "name": name,
            "mimeType": mime,
            "url": format!("{base_url}/files/{file_id}"),
            "contentLength": size,
            "referenceId": file_id,
        }],
    })
}
