//! Legacy Live Chat (Chat REST API, long polling) client session, as `shared/spec/live-agent.md`
//! describes it.
//!
//! [`LiveChatSession`] is a pure state machine driven like [`crate::Chat`]: inputs are
//! [`LiveChatSession::start`], [`send_text`](LiveChatSession::send_text),
//! [`set_composer_text`](LiveChatSession::set_composer_text), [`end`](LiveChatSession::end),
//! [`handle_http`](LiveChatSession::handle_http) and
//! [`handle_timeout`](LiveChatSession::handle_timeout) (with `now` passed in); outputs are
//! drained with [`poll_action`](LiveChatSession::poll_action),
//! [`poll_event`](LiveChatSession::poll_event) and
//! [`poll_persist`](LiveChatSession::poll_persist), and the driver keeps one timer for
//! [`next_deadline`](LiveChatSession::next_deadline).
//!
//! Rules kept here (see the spec): exactly one `System/Messages` poll in flight; `ack` = the
//! previous 200's `sequence` (`-1` first, unchanged after 204); `offset` remembered for
//! `ReconnectSession`; every POST gets the next `X-LIVEAGENT-SEQUENCE` once and keeps it for
//! its retries (the server drops repeats), and POSTs go one at a time so the agent sees the
//! visitor's messages in order; 503 → cancel everything, `ReconnectSession` (affinity `null`),
//! new affinity, sequence restarted, `ChasitorResyncState`, poll again, resend what was cut
//! off once `ChasitorSessionData` arrived.
//!
//! ## Driving it (browser layer)
//!
//! ```text
//! let mut lc = LiveChatSession::new(config)            // or LiveChatSession::restore(config, saved)?
//!     .with_first_request_id(1 << 32);                 // if ids must stay apart from others'
//!                                                      // (Chat offsets them itself instead)
//! lc.start(now);
//! loop after every input:
//!     while let Some(a) = lc.poll_action()  { Start(req) → fetch(req.url, method, headers, body)
//!                                               (one AbortController per id);
//!                                             Abort(id) → abort that fetch }
//!     while let Some(e) = lc.poll_event()   { show / announce / forward to the host page }
//!     if let Some(p) = lc.poll_persist()    { Save(saved) → sessionStorage (J::encode),
//!                                             Clear → remove }
//!     timer ← lc.next_deadline()            (one timer; on expiry lc.handle_timeout(now))
//! fetch done  → lc.handle_http(id, Ok(HttpResponse{status, body}) | Err(Network(..)), now)
//! composer    → lc.set_composer_text(text, now) on input, lc.send_text(text, now) on Enter,
//!               lc.end(now) on "end chat"
//! ```
//!
//! The bodies are typed ([`model`]): requests are encoded and responses decoded with the
//! session's [`Json`] codec, tolerantly (a member of the wrong type reads as absent; a
//! malformed long-poll message is skipped with a [`LiveChatEvent::Log`], never fatal). The
//! saved state is [`LiveChatSaved`], whose JSON is the one version 1 wrote.
//!
//! Give every request the full response body (the long poll's body arrives at once). An
//! aborted fetch needs no `handle_http` (it is ignored if given). The endpoint may be a relay:
//! [`LiveChatConfig::endpoint`] replaces the Live Agent host, the paths stay `/chat/rest/...`.

mod config;
mod event;
pub mod model;
mod saved;

use std::collections::VecDeque;

pub use config::{
    EntityFieldMap, EntityMap, LiveChatConfig, PrechatDetail, PrechatEntity, DEFAULT_API_VERSION,
};
pub use event::{EndReason, FailReason, HistoryEntry, LiveChatEvent};
pub use saved::{LiveChatSaved, SavedOut, SavedOutKind, SavedPhase};

use crate::codec::Json;
use crate::http::{HttpAction, HttpError, HttpRequest, HttpResponse, Method, RequestId};
use crate::loose::Item;
use crate::transcript::Millis;
use event::{read_item, Incoming};
use model::{
    ChasitorInit, ChasitorResyncState, ChasitorSneakPeek, ChatEnd, ChatMessage, EmptyBody,
    Messages, SessionIdAnswer,
};

/// Timeout of every request except the long poll (whose timeout is `clientPollTimeout`).
pub const REQUEST_TIMEOUT_MS: Millis = 30_000;
/// First retry delay after a failure; doubled per failure up to [`MAX_BACKOFF_MS`].
pub const FIRST_BACKOFF_MS: Millis = 500;
pub const MAX_BACKOFF_MS: Millis = 8_000;
/// `clientPollTimeout` assumed until `System/SessionId` says otherwise.
pub const DEFAULT_CLIENT_POLL_TIMEOUT_MS: Millis = 40_000;
/// Without a keystroke for this long, the visitor is reported as not typing.
pub const TYPING_IDLE_MS: Millis = 5_000;
/// Sneak peek: the composer text is sent this long after the last change ...
pub const SNEAK_PEEK_DEBOUNCE_MS: Millis = 500;
/// ... or at the latest this long after the first unsent change.
pub const SNEAK_PEEK_MAX_DELAY_MS: Millis = 2_000;

const PERSIST_VERSION: u64 = 1;

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Not started.
    Idle,
    /// `Visitor/Availability` in flight.
    CheckingAvailability,
    /// `System/SessionId` or `Chasitor/ChasitorInit` in flight.
    CreatingSession,
    /// `ChasitorInit` accepted; waiting for `ChatRequestSuccess`/`ChatRequestFail`.
    Requesting,
    /// In the queue, waiting for an agent.
    Queued,
    /// An agent joined: visitor messages are sent.
    Chatting,
    Ended,
}

/// What to do with the saved state ([`LiveChatSession::poll_persist`]).
#[derive(Debug, Clone, PartialEq, Eq)]
// Handed over once per change, never stored: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum PersistUpdate {
    /// Save this state (sessionStorage, as JSON text); give it to [`LiveChatSession::restore`]
    /// after a reload.
    Save(LiveChatSaved),
    /// Nothing to resume any more: delete the saved state.
    Clear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Availability,
    SessionId,
    Init,
    Reconnect,
    Resync,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Flight {
    id: RequestId,
    deadline: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Session {
    id: String,
    key: String,
    affinity: String,
    client_poll_timeout_ms: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Message { local_id: String, text: String },
    Typing,
    NotTyping,
    SneakPeek { position: u64, text: String },
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OutItem {
    out: Out,
    /// `X-LIVEAGENT-SEQUENCE`, given at the first attempt and kept for retries.
    seq: Option<u64>,
    /// Was (perhaps) received under a sequence numbering that a reconnect reset: checked
    /// against `ChasitorSessionData` before being sent again.
    uncertain: bool,
}

/// How a response is treated.
enum Outcome {
    Ok(HttpResponse),
    /// Network failure, timeout, 5xx other than 503, 429: try again later.
    Retry(String),
    /// 403 / 409: the session is over.
    Gone(EndReason),
    /// 503: the affinity changed.
    Reaffinity,
    /// Another 4xx: this request will never succeed.
    Refused(u16),
}

fn classify(result: Result<HttpResponse, HttpError>) -> Outcome {
    match result {
        Ok(r) if r.is_success() => Outcome::Ok(r),
        Ok(r) => match r.status {
            403 => Outcome::Gone(EndReason::SessionInvalid),
            409 => Outcome::Gone(EndReason::DuplicatePoll),
            503 => Outcome::Reaffinity,
            s if s >= 500 || s == 429 || s == 408 => Outcome::Retry(format!("HTTP {s}")),
            s => Outcome::Refused(s),
        },
        Err(HttpError::Network(e)) => Outcome::Retry(format!("network error ({e})")),
        Err(HttpError::Aborted) => Outcome::Retry("no answer in time".into()),
    }
}

/// One Live Chat session (one chat with a human agent).
#[derive(Debug, Clone)]
pub struct LiveChatSession<J: Json> {
    codec: std::marker::PhantomData<fn() -> J>,
    config: LiveChatConfig,
    phase: Phase,
    session: Option<Session>,
    next_sequence: u64,
    /// `-1` until the first 200 of `System/Messages`.
    ack: i64,
    offset: Option<u64>,
    connection_timeout_ms: Option<Millis>,
    control: Option<(Control, Flight)>,
    control_retry: Option<(Control, Millis)>,
    poll: Option<Flight>,
    poll_retry_at: Option<Millis>,
    post: Option<Flight>,
    post_retry_at: Option<Millis>,
    backoff_ms: Millis,
    post_backoff_ms: Millis,
    /// When the server last answered anything: a chat that cannot even get a session id gives
    /// up [`Self::give_up_ms`] after it (no conversation exists yet then).
    last_contact: Millis,
    /// A poll or reconnect failed without an answer ([`LiveChatEvent::Connection`] sent);
    /// cleared by the next answer.
    unreachable: bool,
    outbox: VecDeque<OutItem>,
    /// After a reconnect: visitor POSTs wait for `ChasitorSessionData` (or the first answer).
    awaiting_session_data: bool,
    agent_name: Option<String>,
    agent_id: Option<String>,
    sneak_peek_enabled: bool,
    typing_sent: bool,
    typing_idle_at: Option<Millis>,
    /// Composer text to show the agent, when due, and since when it is unsent.
    sneak_pending: Option<(String, Millis, Millis)>,
    sneak_sent: Option<String>,
    next_request: RequestId,
    next_local: u64,
    actions: VecDeque<HttpAction>,
    events: VecDeque<LiveChatEvent>,
    dirty: bool,
}

impl<J: Json> LiveChatSession<J> {
    pub fn new(config: LiveChatConfig) -> Self {
        LiveChatSession {
            codec: std::marker::PhantomData,
            config,
            phase: Phase::Idle,
            session: None,
            next_sequence: 1,
            ack: -1,
            offset: None,
            connection_timeout_ms: None,
            control: None,
            control_retry: None,
            poll: None,
            poll_retry_at: None,
            post: None,
            post_retry_at: None,
            backoff_ms: FIRST_BACKOFF_MS,
            post_backoff_ms: FIRST_BACKOFF_MS,
            last_contact: 0,
            unreachable: false,
            outbox: VecDeque::new(),
            awaiting_session_data: false,
            agent_name: None,
            agent_id: None,
            sneak_peek_enabled: false,
            typing_sent: false,
            typing_idle_at: None,
            sneak_pending: None,
            sneak_sent: None,
            next_request: 1,
            next_local: 0,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            dirty: false,
        }
    }

    /// Request ids start at `first` (so a driver can keep them apart from other machines').
    pub fn with_first_request_id(mut self, first: RequestId) -> Self {
        self.next_request = first;
        self
    }

    // ----- reading ------------------------------------------------------------------------

    pub fn config(&self) -> &LiveChatConfig {
        &self.config
    }
    pub fn phase(&self) -> Phase {
        self.phase
    }
    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }
    /// The chat's session id (the conversation id for the host page), once created.
    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }
    /// The agent now in the chat.
    pub fn agent_name(&self) -> Option<&str> {
        self.agent_name.as_deref()
    }
    /// Whether the agent sees the composer text live (sneak peek).
    pub fn sneak_peek_enabled(&self) -> bool {
        self.sneak_peek_enabled
    }
    /// Whether the composer should accept text ([`Self::send_text`] queues until an agent joins).
    pub fn can_send(&self) -> bool {
        self.phase != Phase::Ended && !self.ending()
    }

    /// The visitor ended the chat and `ChatEnd` is on its way.
    pub fn ending(&self) -> bool {
        self.outbox.iter().any(|i| i.out == Out::End)
    }
    /// Visitor messages not yet accepted by the server, `(local id, text)`, in order.
    pub fn unsent_messages(&self) -> Vec<(String, String)> {
        self.outbox
            .iter()
            .filter_map(|i| match &i.out {
                Out::Message { local_id, text } => Some((local_id.clone(), text.clone())),
                _ => None,
            })
            .collect()
    }

    /// When [`Self::handle_timeout`] must be called next.
    pub fn next_deadline(&self) -> Option<Millis> {
        [
            self.control.map(|(_, f)| f.deadline),
            self.control_retry.map(|(_, t)| t),
            self.poll.map(|f| f.deadline),
            self.poll_retry_at,
            self.post.map(|f| f.deadline),
            self.post_retry_at,
            self.typing_idle_at,
            self.sneak_pending.as_ref().map(|p| p.1),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ----- outputs ------------------------------------------------------------------------

    /// The next request to start or abort.
    pub fn poll_action(&mut self) -> Option<HttpAction> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<LiveChatEvent> {
        self.events.pop_front()
    }

    /// The state to save, when it changed since the last call.
    pub fn poll_persist(&mut self) -> Option<PersistUpdate> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        Some(match self.persist() {
            Some(saved) => PersistUpdate::Save(saved),
            None => PersistUpdate::Clear,
        })
    }

    /// What a reload needs to resume the same chat: key, affinity, sequence, ack/offset,
    /// unsent visitor actions. `None` when there is no chat to resume.
    pub fn persist(&self) -> Option<LiveChatSaved> {
        let s = self.session.as_ref()?;
        let phase = match self.phase {
            Phase::Requesting => SavedPhase::Requesting,
            Phase::Queued => SavedPhase::Queued,
            Phase::Chatting => SavedPhase::Chatting,
            // Not started, over, or ChasitorInit not yet accepted (resuming could not tell
            // whether a chat exists).
            _ => return None,
        };
        let outbox = self
            .outbox
            .iter()
            .map(|i| {
                let (kind, local_id, text, position) = match &i.out {
                    Out::Message { local_id, text } => (
                        SavedOutKind::Message,
                        Some(local_id.clone()),
                        Some(text.clone()),
                        None,
                    ),
                    Out::Typing => (SavedOutKind::Typing, None, None, None),
                    Out::NotTyping => (SavedOutKind::NotTyping, None, None, None),
                    Out::SneakPeek { position, text } => (
                        SavedOutKind::SneakPeek,
                        None,
                        Some(text.clone()),
                        Some(*position),
                    ),
                    Out::End => (SavedOutKind::End, None, None, None),
                };
                SavedOut {
                    kind,
                    local_id,
                    text,
                    position,
                    seq: i.seq,
                    uncertain: i.uncertain,
                }
            })
            .collect();
        Some(LiveChatSaved {
            version: PERSIST_VERSION,
            id: s.id.clone(),
            key: s.key.clone(),
            affinity: s.affinity.clone(),
            client_poll_timeout_ms: s.client_poll_timeout_ms,
            next_sequence: self.next_sequence,
            ack: self.ack,
            offset: self.offset,
            connection_timeout_ms: self.connection_timeout_ms,
            phase,
            agent_name: self.agent_name.clone(),
            agent_id: self.agent_id.clone(),
            sneak_peek: self.sneak_peek_enabled,
            next_local: self.next_local,
            awaiting_session_data: self.awaiting_session_data,
            outbox,
        })
    }

    /// A session saved by [`Self::persist`] before a reload; `None` if it is of another version
    /// or incomplete (an outbox item without what its kind needs). Call [`Self::start`] to
    /// resume polling.
    pub fn restore(config: LiveChatConfig, saved: LiveChatSaved) -> Option<Self> {
        if saved.version != PERSIST_VERSION {
            return None;
        }
        let mut s = LiveChatSession::new(config);
        s.session = Some(Session {
            id: saved.id,
            key: saved.key,
            affinity: saved.affinity,
            client_poll_timeout_ms: saved.client_poll_timeout_ms,
        });
        s.next_sequence = saved.next_sequence;
        s.ack = saved.ack;
        s.offset = saved.offset;
        s.connection_timeout_ms = saved.connection_timeout_ms;
        s.phase = match saved.phase {
            SavedPhase::Requesting => Phase::Requesting,
            SavedPhase::Queued => Phase::Queued,
            SavedPhase::Chatting => Phase::Chatting,
        };
        s.agent_name = saved.agent_name;
        s.agent_id = saved.agent_id;
        s.sneak_peek_enabled = saved.sneak_peek;
        s.next_local = saved.next_local;
        // Mid-reconnect: what was cut off is checked against ChasitorSessionData first.
        s.awaiting_session_data = saved.awaiting_session_data;
        for item in saved.outbox {
            let out = match item.kind {
                SavedOutKind::Message => Out::Message {
                    local_id: item.local_id?,
                    text: item.text?,
                },
                SavedOutKind::Typing => Out::Typing,
                SavedOutKind::NotTyping => Out::NotTyping,
                SavedOutKind::SneakPeek => Out::SneakPeek {
                    position: item.position?,
                    text: item.text?,
                },
                SavedOutKind::End => Out::End,
            };
            s.outbox.push_back(OutItem {
                out,
                seq: item.seq,
                uncertain: item.uncertain,
            });
        }
        Some(s)
    }

    /// [`Self::restore`] from the JSON text of a [`LiveChatSaved`] (decoded with `J`); `None`
    /// if the text is damaged or foreign.
    pub fn restore_text(config: LiveChatConfig, saved: &str) -> Option<Self> {
        Self::restore(config, J::decode::<LiveChatSaved>(saved).ok()?)
    }

    // ----- inputs -------------------------------------------------------------------------

    /// Starts the session: the availability check (if configured), `SessionId`,
    /// `ChasitorInit`, then the long poll. On a restored session: resumes polling and sending.
    pub fn start(&mut self, now: Millis) {
        self.last_contact = now;
        match self.phase {
            Phase::Idle => {
                if self.config.check_availability {
                    self.phase = Phase::CheckingAvailability;
                    self.start_control(Control::Availability, now);
                } else {
                    self.phase = Phase::CreatingSession;
                    self.start_control(Control::SessionId, now);
                }
            }
            Phase::Requesting | Phase::Queued | Phase::Chatting => {
                if self.poll.is_none() && self.control.is_none() {
                    self.start_poll(now);
                }
                self.pump_post(now);
            }
            _ => {}
        }
        self.dirty = true;
    }

    /// The visitor sends `text`. Returns the message's local id (for [`LiveChatEvent::MessageSent`]
    /// / [`LiveChatEvent::MessageFailed`]), or `None` if the text is blank or the chat is over.
    /// Messages typed before an agent joins are queued and sent in order once one does.
    pub fn send_text(&mut self, text: &str, now: Millis) -> Option<String> {
        if !self.can_send() || text.trim().is_empty() {
            return None;
        }
        self.next_local += 1;
        let local_id = format!("lc{}", self.next_local);
        self.push_out(Out::Message {
            local_id: local_id.clone(),
            text: text.to_string(),
        });
        self.sneak_pending = None;
        self.sneak_sent = None;
        if self.typing_sent {
            self.typing_sent = false;
            self.typing_idle_at = None;
            self.push_out(Out::NotTyping);
        }
        if self.unreachable {
            self.events.push_back(LiveChatEvent::MessageWaiting {
                local_id: local_id.clone(),
                waiting: true,
            });
        }
        self.pump_post(now);
        self.dirty = true;
        Some(local_id)
    }

    /// The composer's text changed (on every keystroke): typing / not typing and sneak peek
    /// are sent, debounced, while an agent is in the chat.
    pub fn set_composer_text(&mut self, text: &str, now: Millis) {
        if self.phase != Phase::Chatting || self.ending() {
            return;
        }
        if text.trim().is_empty() {
            self.sneak_pending = None;
            if self.typing_sent {
                self.typing_sent = false;
                self.typing_idle_at = None;
                self.push_out(Out::NotTyping);
            }
        } else {
            if !self.typing_sent {
                self.typing_sent = true;
                self.push_out(Out::Typing);
            }
            self.typing_idle_at = Some(now + TYPING_IDLE_MS);
            if self.sneak_peek_enabled && self.sneak_sent.as_deref() != Some(text) {
                let since = self.sneak_pending.as_ref().map_or(now, |p| p.2);
                let due = (now + SNEAK_PEEK_DEBOUNCE_MS).min(since + SNEAK_PEEK_MAX_DELAY_MS);
                self.sneak_pending = Some((text.to_string(), due, since));
            }
        }
        self.pump_post(now);
    }

    /// The visitor ends the chat: `ChatEnd` after the messages already typed (if an agent is
    /// in the chat), or at once. Without a session yet, the session just stops.
    pub fn end(&mut self, now: Millis) {
        match self.phase {
            Phase::Ended => return,
            Phase::Idle | Phase::CheckingAvailability => {
                self.finish(EndReason::Visitor);
                return;
            }
            Phase::CreatingSession if self.session.is_none() => {
                self.finish(EndReason::Visitor);
                return;
            }
            _ => {}
        }
        if self.ending() {
            return;
        }
        self.sneak_pending = None;
        self.typing_idle_at = None;
        self.typing_sent = false;
        // Typing and sneak peek no longer matter (unless one is on the wire).
        let in_flight = self.post.is_some() || self.post_retry_at.is_some();
        let mut kept = VecDeque::new();
        for (n, item) in std::mem::take(&mut self.outbox).into_iter().enumerate() {
            let head_busy = n == 0 && in_flight;
            if head_busy || matches!(item.out, Out::Message { .. }) {
                kept.push_back(item);
            }
        }
        self.outbox = kept;
        let item = OutItem {
            out: Out::End,
            seq: None,
            uncertain: false,
        };
        if self.phase == Phase::Chatting {
            self.outbox.push_back(item);
        } else {
            // No agent to read them: the queued messages will be reported as not sent.
            let at = usize::from(in_flight).min(self.outbox.len());
            self.outbox.insert(at, item);
        }
        self.pump_post(now);
        self.dirty = true;
    }

    /// A request started through [`Self::poll_action`] finished. Answers to requests the
    /// session aborted or forgot are ignored.
    pub fn handle_http(
        &mut self,
        id: RequestId,
        result: Result<HttpResponse, HttpError>,
        now: Millis,
    ) {
        if self.phase == Phase::Ended {
            return;
        }
        let ours = self.poll.map(|f| f.id) == Some(id)
            || self.post.map(|f| f.id) == Some(id)
            || self.control.is_some_and(|(_, f)| f.id == id);
        if !ours {
            // Aborted or forgotten: its late answer changes nothing.
            return;
        }
        if let Ok(r) = &result {
            if r.status != 503 {
                self.last_contact = now;
                self.reachable(true);
            }
        }
        if self.poll.map(|f| f.id) == Some(id) {
            self.poll = None;
            self.on_poll(classify(result), now);
        } else if self.post.map(|f| f.id) == Some(id) {
            self.post = None;
            self.on_post(classify(result), now);
        } else if let Some((kind, f)) = self.control {
            if f.id == id {
                self.control = None;
                self.on_control(kind, classify(result), now);
            }
        }
        self.dirty = true;
    }

    /// The browser's connectivity changed (`online` / `offline` events). Back online, every
    /// request waiting for its retry goes now (the backoff starts again); offline changes
    /// nothing (requests fail fast and wait by themselves).
    pub fn set_online(&mut self, online: bool, now: Millis) {
        if !online || matches!(self.phase, Phase::Idle | Phase::Ended) {
            return;
        }
        self.backoff_ms = FIRST_BACKOFF_MS;
        self.post_backoff_ms = FIRST_BACKOFF_MS;
        if let Some((_, at)) = &mut self.control_retry {
            *at = now;
        }
        if self.poll_retry_at.is_some() {
            self.poll_retry_at = Some(now);
        }
        if self.post_retry_at.is_some() {
            self.post_retry_at = Some(now);
        }
        self.handle_timeout(now);
    }

    /// Time passed (at or after [`Self::next_deadline`]).
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.phase == Phase::Ended {
            return;
        }
        if let Some((kind, f)) = self.control {
            if now >= f.deadline {
                self.control = None;
                self.actions.push_back(HttpAction::Abort(f.id));
                self.on_control(kind, Outcome::Retry("no answer in time".into()), now);
            }
        }
        if let Some((kind, at)) = self.control_retry {
            if now >= at {
                self.control_retry = None;
                self.start_control(kind, now);
            }
        }
        if let Some(f) = self.poll {
            if now >= f.deadline {
                // clientPollTimeout passed without an answer: the network is broken; abort
                // (so two polls never overlap) and poll again.
                self.poll = None;
                self.actions.push_back(HttpAction::Abort(f.id));
                self.log("System/Messages: no answer within clientPollTimeout, polling again");
                self.reachable(false);
                self.start_poll(now);
            }
        }
        if self.poll_retry_at.is_some_and(|t| now >= t) {
            self.poll_retry_at = None;
            self.start_poll(now);
        }
        if let Some(f) = self.post {
            if now >= f.deadline {
                self.post = None;
                self.actions.push_back(HttpAction::Abort(f.id));
                self.on_post(Outcome::Retry("no answer in time".into()), now);
            }
        }
        if self.post_retry_at.is_some_and(|t| now >= t) {
            self.post_retry_at = None;
        }
        if self.typing_idle_at.is_some_and(|t| now >= t) {
            self.typing_idle_at = None;
            if self.typing_sent {
                self.typing_sent = false;
                self.push_out(Out::NotTyping);
            }
        }
        if self.sneak_pending.as_ref().is_some_and(|p| now >= p.1) {
            let (text, _, _) = self.sneak_pending.take().expect("checked");
            if self.phase == Phase::Chatting && self.sneak_peek_enabled && !self.ending() {
                self.sneak_sent = Some(text.clone());
                let position = text.chars().count() as u64;
                self.push_out(Out::SneakPeek { position, text });
            }
        }
        if self.phase != Phase::Ended {
            self.pump_post(now);
        }
        self.dirty = true;
    }

    // ----- requests -----------------------------------------------------------------------

    fn request(
        &mut self,
        method: Method,
        resource: &str,
        headers: Vec<(String, String)>,
        body: Option<String>,
        timeout: Millis,
        now: Millis,
    ) -> Flight {
        let id = self.next_request;
        self.next_request += 1;
        let mut headers = headers;
        headers.insert(0, ("Accept".into(), "application/json".into()));
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        self.actions.push_back(HttpAction::Start(HttpRequest {
            id,
            method,
            url: self.config.url(resource),
            headers,
            body,
        }));
        Flight {
            id,
            deadline: now + timeout,
        }
    }

    /// `X-LIVEAGENT-*` headers: version always; affinity (`null` when `null_affinity`) and key
    /// with a session; the sequence when given.
    fn headers(&self, null_affinity: bool, seq: Option<u64>) -> Vec<(String, String)> {
        let mut h = vec![(
            "X-LIVEAGENT-API-VERSION".to_string(),
            self.config.api_version.clone(),
        )];
        match &self.session {
            Some(s) => {
                let affinity = if null_affinity { "null" } else { &s.affinity };
                h.push(("X-LIVEAGENT-AFFINITY".into(), affinity.to_string()));
                h.push(("X-LIVEAGENT-SESSION-KEY".into(), s.key.clone()));
            }
            None => h.push(("X-LIVEAGENT-AFFINITY".into(), "null".into())),
        }
        if let Some(seq) = seq {
            h.push(("X-LIVEAGENT-SEQUENCE".into(), seq.to_string()));
        }
        h
    }

    fn take_sequence(&mut self) -> u64 {
        let s = self.next_sequence;
        self.next_sequence += 1;
        s
    }

    fn start_control(&mut self, kind: Control, now: Millis) {
        let flight = match kind {
            Control::Availability => {
                let c = &self.config;
                let resource = format!(
                    "Visitor/Availability?org_id={}&deployment_id={}&Availability.ids=[{}]&Availability.prefix=Visitor&Availability.needEstimatedWaitTime=1",
                    encode(&c.organization_id),
                    encode(&c.deployment_id),
                    encode(&c.button_id)
                );
                let h = vec![(
                    "X-LIVEAGENT-API-VERSION".to_string(),
                    self.config.api_version.clone(),
                )];
                self.request(Method::Get, &resource, h, None, REQUEST_TIMEOUT_MS, now)
            }
            Control::SessionId => {
                let h = self.headers(true, None);
                self.request(
                    Method::Get,
                    "System/SessionId",
                    h,
                    None,
                    REQUEST_TIMEOUT_MS,
                    now,
                )
            }
            Control::Init => {
                // ChasitorInit keeps sequence 1 (its first number) across retries.
                let seq = 1;
                self.next_sequence = self.next_sequence.max(2);
                let h = self.headers(false, Some(seq));
                let id = self
                    .session
                    .as_ref()
                    .map_or(String::new(), |s| s.id.clone());
                let body = J::encode(&ChasitorInit::new(&self.config, &id));
                let r = "Chasitor/ChasitorInit";
                self.request(Method::Post, r, h, Some(body), REQUEST_TIMEOUT_MS, now)
            }
            Control::Reconnect => {
                let resource = format!(
                    "System/ReconnectSession?ReconnectSession.offset={}",
                    self.offset.unwrap_or(0)
                );
                let h = self.headers(true, None);
                self.request(Method::Get, &resource, h, None, REQUEST_TIMEOUT_MS, now)
            }
            Control::Resync => {
                let seq = self.take_sequence();
                let h = self.headers(false, Some(seq));
                let body = J::encode(&ChasitorResyncState {
                    organization_id: self.config.organization_id.clone(),
                });
                let r = "Chasitor/ChasitorResyncState";
                self.request(Method::Post, r, h, Some(body), REQUEST_TIMEOUT_MS, now)
            }
        };
        self.control = Some((kind, flight));
    }

    /// Starts the long poll. Never a second one: the server would kill the chat (409).
    fn start_poll(&mut self, now: Millis) {
        if self.poll.is_some() || self.phase == Phase::Ended || self.session.is_none() {
            return;
        }
        let timeout = self
            .session
            .as_ref()
            .map_or(DEFAULT_CLIENT_POLL_TIMEOUT_MS, |s| s.client_poll_timeout_ms);
        let resource = format!("System/Messages?ack={}", self.ack);
        let h = self.headers(false, None);
        self.poll_retry_at = None;
        self.poll = Some(self.request(Method::Get, &resource, h, None, timeout, now));
    }

    /// Sends the head of the outbox when nothing else is being sent and the session allows it.
    fn pump_post(&mut self, now: Millis) {
        if self.post.is_some()
            || self.post_retry_at.is_some()
            || self.awaiting_session_data
            || self.session.is_none()
            || matches!(
                self.control,
                Some((Control::Reconnect | Control::Resync | Control::Init, _))
            )
            || matches!(
                self.control_retry,
                Some((Control::Reconnect | Control::Resync | Control::Init, _))
            )
        {
            return;
        }
        let Some(head) = self.outbox.front() else {
            return;
        };
        let allowed = match head.out {
            Out::End => matches!(
                self.phase,
                Phase::Requesting | Phase::Queued | Phase::Chatting
            ),
            _ => self.phase == Phase::Chatting,
        };
        if !allowed {
            return;
        }
        let seq = match head.seq {
            Some(s) => s,
            None => {
                let s = self.take_sequence();
                self.outbox[0].seq = Some(s);
                s
            }
        };
        let (resource, body) = match &self.outbox[0].out {
            Out::Message { text, .. } => (
                "Chasitor/ChatMessage",
                J::encode(&ChatMessage { text: text.clone() }),
            ),
            Out::Typing => ("Chasitor/ChasitorTyping", J::encode(&EmptyBody {})),
            Out::NotTyping => ("Chasitor/ChasitorNotTyping", J::encode(&EmptyBody {})),
            Out::SneakPeek { position, text } => (
                "Chasitor/ChasitorSneakPeek",
                J::encode(&ChasitorSneakPeek {
                    position: *position,
                    text: text.clone(),
                }),
            ),
            Out::End => ("Chasitor/ChatEnd", J::encode(&ChatEnd::client())),
        };
        let h = self.headers(false, Some(seq));
        self.post = Some(self.request(
            Method::Post,
            resource,
            h,
            Some(body),
            REQUEST_TIMEOUT_MS,
            now,
        ));
    }

    fn push_out(&mut self, out: Out) {
        if self.ending() {
            return; // nothing after ChatEnd
        }
        let unsent = |i: &OutItem| i.seq.is_none();
        match &out {
            // A typing indicator not yet sent is cancelled by its opposite.
            Out::NotTyping | Out::Typing => {
                if let Some(last) = self.outbox.back() {
                    let opposite = matches!(
                        (&last.out, &out),
                        (Out::Typing, Out::NotTyping) | (Out::NotTyping, Out::Typing)
                    );
                    if opposite && unsent(last) {
                        self.outbox.pop_back();
                        return;
                    }
                }
            }
            // Only the latest sneak peek matters.
            Out::SneakPeek { .. } => self
                .outbox
                .retain(|i| !(matches!(i.out, Out::SneakPeek { .. }) && unsent(i))),
            _ => {}
        }
        self.outbox.push_back(OutItem {
            out,
            seq: None,
            uncertain: false,
        });
    }

    // ----- results ------------------------------------------------------------------------

    fn give_up_ms(&self) -> Millis {
        let cpt = self
            .session
            .as_ref()
            .map_or(DEFAULT_CLIENT_POLL_TIMEOUT_MS, |s| s.client_poll_timeout_ms);
        self.connection_timeout_ms.unwrap_or(2 * cpt).max(cpt)
    }

    /// Tracks whether the server answers; reports each change once. An unreachable server
    /// never ends the session here: the chat goes on being retried until the server answers,
    /// and only its answer (403 for a session it dropped, `ChatEnded`) ends it.
    fn reachable(&mut self, yes: bool) {
        if self.unreachable == yes {
            self.unreachable = !yes;
            self.events
                .push_back(LiveChatEvent::Connection { online: yes });
            let waiting: Vec<String> = self
                .outbox
                .iter()
                .filter_map(|i| match &i.out {
                    Out::Message { local_id, .. } => Some(local_id.clone()),
                    _ => None,
                })
                .collect();
            for local_id in waiting {
                self.events.push_back(LiveChatEvent::MessageWaiting {
                    local_id,
                    waiting: !yes,
                });
            }
        }
    }

    fn next_backoff(current: &mut Millis) -> Millis {
        let d = *current;
        *current = (*current * 2).min(MAX_BACKOFF_MS);
        d
    }

    fn on_control(&mut self, kind: Control, outcome: Outcome, now: Millis) {
        let name = match kind {
            Control::Availability => "Visitor/Availability",
            Control::SessionId => "System/SessionId",
            Control::Init => "Chasitor/ChasitorInit",
            Control::Reconnect => "System/ReconnectSession",
            Control::Resync => "Chasitor/ChasitorResyncState",
        };
        let response = match outcome {
            Outcome::Ok(r) => {
                self.backoff_ms = FIRST_BACKOFF_MS;
                r
            }
            Outcome::Gone(reason) if kind != Control::Availability => {
                self.finish(reason);
                return;
            }
            Outcome::Reaffinity if matches!(kind, Control::Resync) => {
                self.start_reconnect(now);
                return;
            }
            Outcome::Refused(status)
                if matches!(
                    kind,
                    Control::SessionId | Control::Init | Control::Reconnect
                ) =>
            {
                self.finish(EndReason::Error(format!("{name} answered HTTP {status}")));
                return;
            }
            other => {
                let why = match other {
                    Outcome::Retry(why) => why,
                    Outcome::Reaffinity => "HTTP 503".into(),
                    Outcome::Refused(s) => format!("HTTP {s}"),
                    Outcome::Gone(_) => "HTTP 403/409".into(),
                    Outcome::Ok(_) => unreachable!(),
                };
                match kind {
                    // The check is optional: when it cannot be made, try the chat anyway.
                    Control::Availability => {
                        self.log(&format!("{name} failed ({why}); requesting a chat anyway"));
                        self.phase = Phase::CreatingSession;
                        self.start_control(Control::SessionId, now);
                    }
                    // Its outcome is not needed to go on polling.
                    Control::Resync => {
                        self.log(&format!("{name} failed ({why}); polling anyway"));
                        self.after_resync(now);
                    }
                    // No session exists yet: a chat that cannot start is over.
                    Control::SessionId
                        if now.saturating_sub(self.last_contact) >= self.give_up_ms() =>
                    {
                        self.finish(EndReason::ConnectionLost)
                    }
                    _ => {
                        if matches!(kind, Control::Reconnect) {
                            self.reachable(false);
                        }
                        self.log(&format!("{name} failed ({why}); retrying"));
                        let at = now + Self::next_backoff(&mut self.backoff_ms);
                        self.control_retry = Some((kind, at));
                    }
                }
                return;
            }
        };
        match kind {
            Control::Availability => {
                if availability::<J>(&response.body, &self.config.button_id) == Some(false) {
                    self.finish(EndReason::NoAgentAvailable);
                } else {
                    self.phase = Phase::CreatingSession;
                    self.start_control(Control::SessionId, now);
                }
            }
            Control::SessionId => {
                let answer = J::decode_bytes::<Item<SessionIdAnswer>>(&response.body)
                    .ok()
                    .and_then(|i| i.0)
                    .unwrap_or_default();
                let (Some(id), Some(key), Some(affinity)) =
                    (answer.id, answer.key, answer.affinity_token)
                else {
                    self.finish(EndReason::Error(format!("{name}: unreadable answer")));
                    return;
                };
                let cpt = answer
                    .client_poll_timeout
                    .filter(|s| *s > 0)
                    .map_or(DEFAULT_CLIENT_POLL_TIMEOUT_MS, |s| s * 1000);
                self.session = Some(Session {
                    id: id.clone(),
                    key,
                    affinity,
                    client_poll_timeout_ms: cpt,
                });
                self.events
                    .push_back(LiveChatEvent::SessionCreated { session_id: id });
                self.start_control(Control::Init, now);
            }
            Control::Init => {
                self.phase = Phase::Requesting;
                self.start_poll(now);
                self.pump_post(now);
            }
            Control::Reconnect => {
                let answer = decode_messages::<J>(&response.body).unwrap_or_default();
                let msg = answer.first("ReconnectSession");
                let Some(affinity) = msg.and_then(|m| m.affinity_token.clone()) else {
                    self.finish(EndReason::Error(format!("{name}: unreadable answer")));
                    return;
                };
                if let Some(s) = self.session.as_mut() {
                    s.affinity = affinity;
                }
                if msg.and_then(|m| m.reset_sequence) != Some(false) {
                    self.next_sequence = 1;
                }
                self.start_control(Control::Resync, now);
            }
            Control::Resync => self.after_resync(now),
        }
    }

    fn after_resync(&mut self, now: Millis) {
        self.awaiting_session_data = true;
        self.start_poll(now);
    }

    /// 503: cancel everything in flight, then `ReconnectSession`.
    fn start_reconnect(&mut self, now: Millis) {
        self.log("the server asked to reconnect (HTTP 503)");
        if let Some(f) = self.poll.take() {
            self.actions.push_back(HttpAction::Abort(f.id));
        }
        self.poll_retry_at = None;
        if let Some(f) = self.post.take() {
            self.actions.push_back(HttpAction::Abort(f.id));
        }
        self.post_retry_at = None;
        self.post_backoff_ms = FIRST_BACKOFF_MS;
        if let Some((_, f)) = self.control.take() {
            self.actions.push_back(HttpAction::Abort(f.id));
        }
        self.control_retry = None;
        // The numbering restarts: what carried an old number may have arrived.
        for item in self.outbox.iter_mut() {
            if item.seq.take().is_some() {
                item.uncertain = true;
            }
        }
        self.start_control(Control::Reconnect, now);
    }

    fn on_poll(&mut self, outcome: Outcome, now: Millis) {
        match outcome {
            Outcome::Ok(r) => {
                self.backoff_ms = FIRST_BACKOFF_MS;
                if r.status == 200 && !r.body.is_empty() {
                    self.read_messages(&r.body, now);
                }
                if self.phase == Phase::Ended {
                    return;
                }
                if self.awaiting_session_data {
                    self.awaiting_session_data = false;
                    self.clear_uncertain();
                }
                self.start_poll(now);
                self.pump_post(now);
            }
            Outcome::Gone(reason) => self.finish(reason),
            Outcome::Reaffinity => self.start_reconnect(now),
            Outcome::Refused(s) => self.finish(EndReason::Error(format!(
                "System/Messages answered HTTP {s}"
            ))),
            Outcome::Retry(why) => {
                self.reachable(false);
                self.log(&format!("System/Messages failed ({why}); retrying"));
                self.poll_retry_at = Some(now + Self::next_backoff(&mut self.backoff_ms));
            }
        }
    }

    fn on_post(&mut self, outcome: Outcome, now: Millis) {
        let is_end = self.outbox.front().is_some_and(|i| i.out == Out::End);
        match outcome {
            Outcome::Ok(_) => {
                self.post_backoff_ms = FIRST_BACKOFF_MS;
                let item = self.outbox.pop_front();
                if let Some(OutItem {
                    out: Out::Message { local_id, .. },
                    ..
                }) = item
                {
                    self.events
                        .push_back(LiveChatEvent::MessageSent { local_id });
                }
                if is_end {
                    self.finish(EndReason::Visitor);
                    return;
                }
                self.pump_post(now);
            }
            Outcome::Gone(reason) => {
                self.finish(if is_end { EndReason::Visitor } else { reason });
            }
            Outcome::Reaffinity => self.start_reconnect(now),
            Outcome::Refused(status) => {
                let item = self.outbox.pop_front();
                let what = match item.map(|i| i.out) {
                    Some(Out::Message { local_id, .. }) => {
                        let reason = format!("Chasitor/ChatMessage answered HTTP {status}");
                        self.events.push_back(LiveChatEvent::MessageFailed {
                            local_id,
                            reason: reason.clone(),
                        });
                        reason
                    }
                    _ => format!("a visitor action was refused (HTTP {status})"),
                };
                self.log(&what);
                if is_end {
                    self.finish(EndReason::Visitor);
                    return;
                }
                self.pump_post(now);
            }
            Outcome::Retry(why) => {
                // Same sequence number next time: the server drops it if it got it already.
                self.reachable(false);
                self.log(&format!("a visitor action failed ({why}); retrying"));
                self.post_retry_at = Some(now + Self::next_backoff(&mut self.post_backoff_ms));
            }
        }
    }

    fn read_messages(&mut self, body: &[u8], now: Millis) {
        let answer = match decode_messages::<J>(body) {
            Ok(answer) => answer,
            Err(e) => {
                self.log(&format!("System/Messages: unreadable body skipped ({e})"));
                return;
            }
        };
        match answer.sequence {
            // At most 2^53 - 1: a valid `ack`.
            Some(seq) => self.ack = seq as i64,
            None => self.log("System/Messages: a 200 without sequence"),
        }
        if let Some(offset) = answer.offset {
            self.offset = Some(offset);
        }
        let Some(items) = answer.messages else {
            self.log("System/Messages: no messages array, skipped");
            return;
        };
        for item in items {
            self.apply(read_item(item), now);
            if self.phase == Phase::Ended {
                break;
            }
        }
    }

    fn apply(&mut self, incoming: Incoming, now: Millis) {
        let ev = &mut self.events;
        match incoming {
            Incoming::RequestSuccess {
                position,
                wait,
                connection_timeout_ms,
            } => {
                if connection_timeout_ms.is_some() {
                    self.connection_timeout_ms = connection_timeout_ms;
                }
                if self.phase == Phase::Requesting {
                    self.phase = Phase::Queued;
                }
                ev.push_back(LiveChatEvent::QueueStatus {
                    position,
                    estimated_wait_secs: wait,
                });
            }
            Incoming::RequestFail(reason) => self.finish(EndReason::RequestFailed(reason)),
            Incoming::QueueUpdate { position, wait } => {
                if self.phase == Phase::Requesting {
                    self.phase = Phase::Queued;
                }
                ev.push_back(LiveChatEvent::QueueStatus {
                    position,
                    estimated_wait_secs: wait,
                });
            }
            Incoming::Established {
                name,
                user_id,
                sneak_peek,
            } => {
                self.phase = Phase::Chatting;
                self.agent_name = Some(name.clone());
                self.agent_id = Some(user_id.clone());
                self.sneak_peek_enabled = sneak_peek;
                ev.push_back(LiveChatEvent::AgentJoined {
                    name,
                    user_id,
                    sneak_peek_enabled: sneak_peek,
                });
                self.pump_post(now);
            }
            Incoming::Message {
                name,
                text,
                agent_id,
            } => ev.push_back(LiveChatEvent::AgentMessage {
                name,
                text,
                agent_id,
            }),
            Incoming::Typing(typing) => ev.push_back(LiveChatEvent::AgentTyping { typing }),
            Incoming::Transferred {
                name,
                user_id,
                sneak_peek,
            } => {
                self.phase = Phase::Chatting;
                self.agent_name = Some(name.clone());
                self.agent_id = Some(user_id.clone());
                self.sneak_peek_enabled = sneak_peek;
                ev.push_back(LiveChatEvent::AgentTransferred {
                    name,
                    user_id,
                    sneak_peek_enabled: sneak_peek,
                });
            }
            Incoming::Disconnect => {
                self.agent_name = None;
                ev.push_back(LiveChatEvent::AgentDisconnected);
            }
            Incoming::Ended(reason) => self.finish(reason),
            Incoming::IdleWarning(triggered) => {
                ev.push_back(LiveChatEvent::IdleTimeoutWarning { triggered })
            }
            Incoming::SessionData {
                position,
                sneak_peek,
                entries,
            } => {
                if let Some(sp) = sneak_peek {
                    self.sneak_peek_enabled = sp;
                }
                if let (Some(p), Phase::Requesting | Phase::Queued) = (position, self.phase) {
                    ev.push_back(LiveChatEvent::QueueStatus {
                        position: Some(p),
                        estimated_wait_secs: None,
                    });
                }
                self.settle_uncertain(&entries);
                self.events.push_back(LiveChatEvent::History { entries });
                self.awaiting_session_data = false;
            }
            Incoming::Custom { kind, data } => {
                ev.push_back(LiveChatEvent::CustomEvent { kind, data })
            }
            Incoming::FileRequested => ev.push_back(LiveChatEvent::FileRequested),
            Incoming::Skip(reason) => self.log(&format!("System/Messages: {reason}")),
        }
    }

    /// After a reconnect: a visitor message that was on the wire when the numbering reset and
    /// that the restored transcript already holds (as its latest visitor line) is not sent
    /// again.
    fn settle_uncertain(&mut self, entries: &[HistoryEntry]) {
        let last_visitor = entries.iter().rev().find(|e| e.kind == "Chasitor");
        if let Some(OutItem {
            out: Out::Message { local_id, text },
            uncertain: true,
            ..
        }) = self.outbox.front()
        {
            if last_visitor.is_some_and(|e| &e.content == text) {
                let local_id = local_id.clone();
                self.outbox.pop_front();
                self.events
                    .push_back(LiveChatEvent::MessageSent { local_id });
            }
        }
        self.clear_uncertain();
    }

    fn clear_uncertain(&mut self) {
        for item in self.outbox.iter_mut() {
            item.uncertain = false;
        }
    }

    fn finish(&mut self, reason: EndReason) {
        if self.phase == Phase::Ended {
            return;
        }
        self.phase = Phase::Ended;
        for id in [
            self.poll.take().map(|f| f.id),
            self.post.take().map(|f| f.id),
            self.control.take().map(|(_, f)| f.id),
        ]
        .into_iter()
        .flatten()
        {
            self.actions.push_back(HttpAction::Abort(id));
        }
        self.poll_retry_at = None;
        self.post_retry_at = None;
        self.control_retry = None;
        self.typing_idle_at = None;
        self.sneak_pending = None;
        for item in std::mem::take(&mut self.outbox) {
            if let Out::Message { local_id, .. } = item.out {
                self.events.push_back(LiveChatEvent::MessageFailed {
                    local_id,
                    reason: "the chat ended before the message could be sent".into(),
                });
            }
        }
        self.events.push_back(LiveChatEvent::Ended { reason });
        self.dirty = true;
    }

    fn log(&mut self, message: &str) {
        self.events.push_back(LiveChatEvent::Log {
            message: message.to_string(),
        });
    }
}

/// A `{"messages": [...]}` answer; a body that is JSON but not an object reads as empty.
fn decode_messages<J: Json>(body: &[u8]) -> Result<Messages, crate::codec::DecodeError> {
    J::decode_bytes::<Item<Messages>>(body).map(|i| i.0.unwrap_or_default())
}

/// Reads a `Visitor/Availability` answer: `Some(available)` for `id`, `None` if unreadable.
fn availability<J: Json>(body: &[u8], id: &str) -> Option<bool> {
    decode_messages::<J>(body).ok()?.availability(id)
}

/// Percent-encodes a query value (ids are plain, but configuration is not trusted).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
