//! What a Live Chat session reports to the widget, and the reading of long-poll messages
//! (`live-agent.md` §7) into it.

use crate::json::Value;

/// Why `ChatRequestFail` refused the chat (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    Unavailable,
    NoPost,
    InternalFailure,
    Blocked,
    Unknown,
    /// A value this client does not know, as sent.
    Other(String),
}

impl FailReason {
    pub fn parse(s: &str) -> FailReason {
        match s {
            "Unavailable" => FailReason::Unavailable,
            "NoPost" => FailReason::NoPost,
            "InternalFailure" => FailReason::InternalFailure,
            "Blocked" => FailReason::Blocked,
            "Unknown" | "unknown" | "" => FailReason::Unknown,
            other => FailReason::Other(other.to_string()),
        }
    }
}

/// Why the session is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// `ChatEnded` reason `agent`: the agent ended the chat.
    Agent,
    /// `ChatEnded` reason `agentsUnavailable`.
    AgentsUnavailable,
    /// `ChatEnded` reason `agentPushTimeout`.
    AgentPushTimeout,
    /// The visitor ended it ([`super::LiveChatSession::end`], or `ChatEnded` reason `client`).
    Visitor,
    /// `ChatEnded` reason `clientIdleTimeout`: the visitor was silent too long.
    VisitorIdleTimeout,
    /// `ChatEnded` with another reason (`NoPost`, `unknown`, ...), as sent.
    Other(String),
    /// `ChatRequestFail`: no chat was established.
    RequestFailed(FailReason),
    /// `Visitor/Availability` said no agent is available; no session was created.
    NoAgentAvailable,
    /// HTTP 403: the server no longer knows the session (ended, expired, unknown key).
    SessionInvalid,
    /// HTTP 409: two long polls overlapped and the server terminated the chat.
    DuplicatePoll,
    /// The server could not be reached for longer than the session survives.
    ConnectionLost,
    /// The server refused a request this client cannot recover from (e.g. 400 on `ChasitorInit`).
    Error(String),
}

impl EndReason {
    fn from_chat_ended(s: &str) -> EndReason {
        match s {
            "agent" => EndReason::Agent,
            "agentsUnavailable" => EndReason::AgentsUnavailable,
            "agentPushTimeout" => EndReason::AgentPushTimeout,
            "client" => EndReason::Visitor,
            "clientIdleTimeout" => EndReason::VisitorIdleTimeout,
            other => EndReason::Other(other.to_string()),
        }
    }
}

/// A transcript line of `ChasitorSessionData.chatMessages` (the chat so far, after a
/// reconnect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// `Agent`, `Chasitor` or `OperatorTransferred`.
    pub kind: String,
    pub name: String,
    pub content: String,
    pub timestamp: Option<u64>,
}

/// Something that happened in the session, drained with
/// [`super::LiveChatSession::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveChatEvent {
    /// A session exists (`System/SessionId` answered): `session_id` is the conversation id the
    /// host page may ask for.
    SessionCreated { session_id: String },
    /// Waiting for an agent (`ChatRequestSuccess`, `QueueUpdate`, `ChasitorSessionData`): one
    /// status line the UI updates in place. `estimated_wait_secs` is `None` when unknown.
    QueueStatus {
        position: Option<u64>,
        estimated_wait_secs: Option<u64>,
    },
    /// `ChatEstablished`: an agent joined.
    AgentJoined {
        name: String,
        user_id: String,
        sneak_peek_enabled: bool,
    },
    /// `ChatMessage` from the agent.
    AgentMessage {
        name: String,
        text: String,
        agent_id: String,
    },
    /// `AgentTyping` (`true`) / `AgentNotTyping` (`false`).
    AgentTyping { typing: bool },
    /// `ChatTransferred`: another agent took over.
    AgentTransferred {
        name: String,
        user_id: String,
        sneak_peek_enabled: bool,
    },
    /// `AgentDisconnect`: the agent dropped; the chat goes on (another agent may pick it up).
    AgentDisconnected,
    /// `ChasitorIdleTimeoutWarningEvent`: `triggered` (`true`) or `cleared` (`false`).
    IdleTimeoutWarning { triggered: bool },
    /// `ChasitorSessionData`: the chat so far (after a reconnect).
    History { entries: Vec<HistoryEntry> },
    /// `CustomEvent` from the agent console.
    CustomEvent { kind: String, data: String },
    /// `FileTransfer` `Requested`: the agent asked for a file (the upload protocol is
    /// unconfirmed, so the widget cannot send one: the visitor is told).
    FileRequested,
    /// The server accepted the visitor message `local_id` (from `send_text`).
    MessageSent { local_id: String },
    /// The visitor message `local_id` could not be delivered (the server refused it, or the
    /// session ended before it could be sent): the UI shows it as failed, never drops it.
    MessageFailed { local_id: String, reason: String },
    /// The visitor message `local_id` waits for the connection (`true`: the server cannot be
    /// reached; it is sent by itself, in order, once it can) or is being sent again (`false`).
    MessageWaiting { local_id: String, waiting: bool },
    /// The server could not be reached (`false`: a poll or a reconnect failed without an
    /// answer) or answers again (`true`). Never ends the session: only the server does that.
    Connection { online: bool },
    /// The session is over; nothing more will be sent or received.
    Ended { reason: EndReason },
    /// A diagnostic for the console: a message skipped (unknown type, malformed body), a
    /// retry, a refused request. Never contains message text or the session key.
    Log { message: String },
}

impl LiveChatEvent {
    /// Name for the host page (`ChatWidget.on(name, fn)`).
    pub fn name(&self) -> &'static str {
        match self {
            LiveChatEvent::SessionCreated { .. } => "livechat:session",
            LiveChatEvent::QueueStatus { .. } => "livechat:queue",
            LiveChatEvent::AgentJoined { .. } => "agent:joined",
            LiveChatEvent::AgentMessage { .. } => "message",
            LiveChatEvent::AgentTyping { .. } => "agent:typing",
            LiveChatEvent::AgentTransferred { .. } => "agent:transferred",
            LiveChatEvent::AgentDisconnected => "agent:disconnected",
            LiveChatEvent::IdleTimeoutWarning { .. } => "livechat:idle",
            LiveChatEvent::History { .. } => "livechat:history",
            LiveChatEvent::CustomEvent { .. } => "livechat:custom",
            LiveChatEvent::FileRequested => "livechat:file",
            LiveChatEvent::MessageSent { .. } => "message:sent",
            LiveChatEvent::MessageFailed { .. } => "message:failed",
            LiveChatEvent::Connection { .. } => "connection",
            LiveChatEvent::MessageWaiting { .. } => "message:waiting",
            LiveChatEvent::Ended { .. } => "conversation:ended",
            LiveChatEvent::Log { .. } => "log",
        }
    }
}

/// One long-poll message, read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    RequestSuccess {
        position: Option<u64>,
        wait: Option<u64>,
        connection_timeout_ms: Option<u64>,
    },
    RequestFail(FailReason),
    QueueUpdate {
        position: Option<u64>,
        wait: Option<u64>,
    },
    Established {
        name: String,
        user_id: String,
        sneak_peek: bool,
    },
    Message {
        name: String,
        text: String,
        agent_id: String,
    },
    Typing(bool),
    Transferred {
        name: String,
        user_id: String,
        sneak_peek: bool,
    },
    Disconnect,
    Ended(EndReason),
    IdleWarning(bool),
    SessionData {
        position: Option<u64>,
        sneak_peek: Option<bool>,
        entries: Vec<HistoryEntry>,
    },
    Custom {
        kind: String,
        data: String,
    },
    FileRequested,
    /// Known or unknown, not acted on; the reason is logged.
    Skip(String),
}

fn text(m: &Value, key: &str) -> String {
    m.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn number(m: &Value, key: &str) -> Option<u64> {
    m.get(key).and_then(Value::as_u64)
}

/// Reads one `{type, message}` item; never fails (bad items become [`Incoming::Skip`]).
pub(crate) fn read_item(item: &Value) -> Incoming {
    let Some(kind) = item.get("type").and_then(Value::as_str) else {
        return Incoming::Skip("a message without a type".into());
    };
    let empty = Value::Object(Vec::new());
    let m = match item.get("message") {
        Some(v @ Value::Object(_)) => v,
        None | Some(Value::Null) => &empty,
        Some(_) => return Incoming::Skip(format!("{kind}: the message is not an object")),
    };
    match kind {
        "ChatRequestSuccess" => Incoming::RequestSuccess {
            position: number(m, "queuePosition"),
            wait: number(m, "estimatedWaitTime"),
            connection_timeout_ms: number(m, "connectionTimeout"),
        },
        "ChatRequestFail" => Incoming::RequestFail(FailReason::parse(
            m.get("reason").and_then(Value::as_str).unwrap_or(""),
        )),
        "QueueUpdate" => Incoming::QueueUpdate {
            position: number(m, "position"),
            wait: number(m, "estimatedWaitTime"),
        },
        "ChatEstablished" => Incoming::Established {
            name: text(m, "name"),
            user_id: text(m, "userId"),
            sneak_peek: m.get("sneakPeekEnabled").and_then(Value::as_bool) == Some(true),
        },
        "ChatMessage" => match m.get("text").and_then(Value::as_str) {
            Some(t) => Incoming::Message {
                name: text(m, "name"),
                text: t.to_string(),
                agent_id: text(m, "agentId"),
            },
            None => Incoming::Skip("ChatMessage without text".into()),
        },
        "AgentTyping" => Incoming::Typing(true),
        "AgentNotTyping" => Incoming::Typing(false),
        "ChatTransferred" => Incoming::Transferred {
            name: text(m, "name"),
            user_id: text(m, "userId"),
            sneak_peek: m.get("sneakPeekEnabled").and_then(Value::as_bool) == Some(true),
        },
        "AgentDisconnect" => Incoming::Disconnect,
        "ChatEnded" => Incoming::Ended(EndReason::from_chat_ended(
            m.get("reason").and_then(Value::as_str).unwrap_or("unknown"),
        )),
        "ChasitorIdleTimeoutWarningEvent" => {
            match m.get("idleTimeoutWarningEvent").and_then(Value::as_str) {
                Some("triggered") => Incoming::IdleWarning(true),
                Some("cleared") => Incoming::IdleWarning(false),
                _ => Incoming::Skip(
                    "ChasitorIdleTimeoutWarningEvent without triggered/cleared".into(),
                ),
            }
        }
        "ChasitorSessionData" => Incoming::SessionData {
            position: number(m, "queuePosition"),
            sneak_peek: m.get("sneakPeekEnabled").and_then(Value::as_bool),
            entries: m
                .get("chatMessages")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter(|e| e.as_object().is_some())
                        .map(|e| HistoryEntry {
                            kind: text(e, "type"),
                            name: text(e, "name"),
                            content: text(e, "content"),
                            timestamp: number(e, "timestamp"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        },
        "CustomEvent" => Incoming::Custom {
            kind: text(m, "type"),
            data: text(m, "data"),
        },
        "FileTransfer" => match m.get("type").and_then(Value::as_str) {
            Some("Requested") => Incoming::FileRequested,
            Some(other) => Incoming::Skip(format!("FileTransfer {other}")),
            None => Incoming::Skip("FileTransfer without a type".into()),
        },
        // The visitor's own page changes, echoed: nothing to show.
        "NewVisitorBreadcrumb" => Incoming::Skip("NewVisitorBreadcrumb".into()),
        other => Incoming::Skip(format!("message type {other} is not handled")),
    }
}
