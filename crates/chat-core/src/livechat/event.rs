//! What a Live Chat session reports to the widget, and the reading of long-poll messages
//! (`live-agent.md` §7, decoded as [`super::model::Message`]) into it: dispatched on the
//! item's `type`, with what each type requires checked here.

use super::model::{Message, MessageBody};
use crate::loose::Item;

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

/// Reads one `{type, message}` item; never fails (bad items become [`Incoming::Skip`]).
pub(crate) fn read_item(item: Item<Message>) -> Incoming {
    let Some(Message {
        kind: Some(kind),
        message,
    }) = item.0
    else {
        return Incoming::Skip("a message without a type".into());
    };
    let m = match message {
        Some(Item(Some(m))) => m,
        None => MessageBody::default(),
        Some(Item(None)) => return Incoming::Skip(format!("{kind}: the message is not an object")),
    };
    let wait = |w: Option<i64>| w.and_then(|w| u64::try_from(w).ok());
    match kind.as_str() {
        "ChatRequestSuccess" => Incoming::RequestSuccess {
            position: m.queue_position,
            wait: wait(m.estimated_wait_time),
            connection_timeout_ms: m.connection_timeout,
        },
        "ChatRequestFail" => {
            Incoming::RequestFail(FailReason::parse(m.reason.as_deref().unwrap_or("")))
        }
        "QueueUpdate" => Incoming::QueueUpdate {
            position: m.position,
            wait: wait(m.estimated_wait_time),
        },
        "ChatEstablished" => Incoming::Established {
            name: m.name.unwrap_or_default(),
            user_id: m.user_id.unwrap_or_default(),
            sneak_peek: m.sneak_peek_enabled == Some(true),
        },
        "ChatMessage" => match m.text {
            Some(text) => Incoming::Message {
                name: m.name.unwrap_or_default(),
                text,
                agent_id: m.agent_id.unwrap_or_default(),
            },
            None => Incoming::Skip("ChatMessage without text".into()),
        },
        "AgentTyping" => Incoming::Typing(true),
        "AgentNotTyping" => Incoming::Typing(false),
        "ChatTransferred" => Incoming::Transferred {
            name: m.name.unwrap_or_default(),
            user_id: m.user_id.unwrap_or_default(),
            sneak_peek: m.sneak_peek_enabled == Some(true),
        },
        "AgentDisconnect" => Incoming::Disconnect,
        "ChatEnded" => Incoming::Ended(EndReason::from_chat_ended(
            m.reason.as_deref().unwrap_or("unknown"),
        )),
        "ChasitorIdleTimeoutWarningEvent" => match m.idle_timeout_warning_event.as_deref() {
            Some("triggered") => Incoming::IdleWarning(true),
            Some("cleared") => Incoming::IdleWarning(false),
            _ => Incoming::Skip("ChasitorIdleTimeoutWarningEvent without triggered/cleared".into()),
        },
        "ChasitorSessionData" => Incoming::SessionData {
            position: m.queue_position,
            sneak_peek: m.sneak_peek_enabled,
            entries: m
                .chat_messages
                .into_iter()
                .map(|e| HistoryEntry {
                    kind: e.kind.unwrap_or_default(),
                    name: e.name.unwrap_or_default(),
                    content: e.content.unwrap_or_default(),
                    timestamp: e.timestamp,
                })
                .collect(),
        },
        "CustomEvent" => Incoming::Custom {
            kind: m.kind.unwrap_or_default(),
            data: m.data.unwrap_or_default(),
        },
        "FileTransfer" => match m.kind.as_deref() {
            Some("Requested") => Incoming::FileRequested,
            Some(other) => Incoming::Skip(format!("FileTransfer {other}")),
            None => Incoming::Skip("FileTransfer without a type".into()),
        },
        // The visitor's own page changes, echoed: nothing to show.
        "NewVisitorBreadcrumb" => Incoming::Skip("NewVisitorBreadcrumb".into()),
        other => Incoming::Skip(format!("message type {other} is not handled")),
    }
}
