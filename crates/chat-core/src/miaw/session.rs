//! [`MiawSession`]: the MIAW client session state machine.
//!
//! Driven like [`crate::Chat`]: inputs are `handle_*` calls and visitor intents with `now`
//! passed in; outputs are drained with [`MiawSession::poll_action`] /
//! [`MiawSession::poll_event`], state to save is read with [`MiawSession::persist`], and the
//! browser layer calls [`MiawSession::handle_timeout`] at [`MiawSession::next_deadline`].
//!
//! The SSE stream is a streaming GET ([`MiawAction::OpenStream`]): the browser layer performs
//! it with `fetch`, calls [`MiawSession::handle_stream_chunk`] once with an empty chunk when a
//! 200 response arrives (the stream is then "connected"), then with every body chunk, and
//! [`MiawSession::handle_stream_closed`] when it ends (error, non-200 status or end of body).
//!
//! Randomness (UUIDs, reconnect jitter) comes from a PRNG seeded at construction; the browser
//! layer seeds it from `crypto.getRandomValues`. Nothing here reads a clock or does I/O.
//!
//! # File uploads
//!
//! [`MiawSession::send_file`] queues a file in the same outbox as text messages: it is sent in
//! order, when the conversation exists and the stream is up, as
//! `MiawAction::Http(HttpAction::Upload(..))` (§4.9, built by [`wire::send_file`]), with the
//! same client message id on every retry (the file id is fixed too). Delivery states, 401
//! renewal, 417 (resent starting a new messaging session), 429 and network / 5xx retries work
//! as for texts. A 413 (too large) or 415 (type not accepted) fails it at once with a
//! [`MiawEvent::Error`]; such a file is never retried, not even by [`MiawSession::retry`].
//!
//! Persistence: the browser's `File` cannot be saved, so [`MiawSession::persist`] keeps only
//! an upload's metadata (id, file id, name, size, type, caption). After
//! [`MiawSession::restore`], an upload still pending at the reload is **reported as
//! [`Delivery::Failed`]** — never silently dropped and never resent: once the history is in,
//! its bubble is shown (`Message { history: true, delivery: Some(Failed) }`) followed by a
//! [`MiawEvent::Error`] saying the page was reloaded before the upload finished. If the
//! history (or the stream) shows that it reached the server after all, it is shown as sent
//! like any echoed message instead. The failed entry stays in the saved state (so later
//! reloads still show it) but cannot be retried: the visitor picks the file again.
//!
//! # Receipts
//!
//! With [`MiawConfig::send_receipts`] (off by default: the official sample never sends them,
//! and the endpoint is unconfirmed, `shared/spec/miaw.md` §4.8) the session acknowledges the
//! messages of the agents (every role but `EndUser`, bots included) with
//! `POST …/conversation/{id}/acknowledge-entries`:
//!
//! - **Delivery**, as soon as the message arrives. The messages of one stream chunk go in one
//!   request; while a request is in flight, later receipts wait and go together in the next.
//! - **Read**, for every message received and not yet read-acknowledged, when the browser
//!   layer calls [`MiawSession::mark_read`] (the visitor can see the messages).
//!
//! Each receipt is sent at most once per message (stream replays are dropped with the other
//! duplicates). Receipts are best-effort: they wait while the stream is down, a failed batch is
//! retried with the same ack ids on network errors, 401, 408, 429 and 5xx, with the session's
//! backoff, up to `max_send_attempts` times, then dropped without any event; another status
//! drops it at once, and a 404 or 405 (no such endpoint) stops receipts for the session. A
//! receipt never renews the token, delays a message or ends the session.
//!
//! Persistence and history: [`MiawSession::persist`] keeps the entry ids of the (at most 50)
//! latest agent messages, split into read and unread (nothing is added with `send_receipts`
//! off). After [`MiawSession::restore`], those messages get no delivery receipt again (one
//! still on its way at the reload is lost; the read receipt implies it) and the unread ones get
//! their read receipt at the next `mark_read`. An agent message of the restored history that
//! the list lacks arrived while the page was away: it gets receipts like a live one. When the
//! saved state has no list (saved with receipts off), history messages get none.

use std::collections::VecDeque;

use super::model::{MiawSaved, SavedFile, SavedMessage, SavedReceipts};
use super::sse::{SseItem, SseParser, DEFAULT_MAX_EVENT_BYTES};
use super::wire::{
    self, Attachment, Deployment, EntryKind, MessageContent, OutgoingContent, Parsed, Role,
};
use crate::codec::Json;
pub use crate::http::StreamError;
use crate::http::{
    FileRef, HttpAction, HttpError, HttpRequest, HttpResponse, RequestId, UploadRequest,
};
use crate::transcript::Millis;
use crate::Pairs;

/// Tunables; [`MiawConfig::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiawConfig {
    pub deployment: Deployment,
    /// Verified users: an identity JWT is required before the session starts
    /// ([`MiawEvent::IdentityTokenNeeded`], [`MiawSession::set_identity_token`]).
    pub verified_user: bool,
    /// Offer "keep waiting / leave" when no agent joined within this time (`None`: never).
    pub wait_for_agent_ms: Option<u64>,
    /// The visitor's typing indicator stops after this long without a keystroke.
    pub typing_idle_ms: u64,
    /// A remote typing indicator is hidden after this long without a new start.
    pub typing_display_ms: u64,
    /// Reconnect / retry backoff: `base × 1.5^n`, capped, with jitter (50–100 %).
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// Attempts at creating a new conversation (network / 5xx / 429) before routing is
    /// reported as failed. Messages of a conversation that exists are never given up on a
    /// transient failure: they wait ([`Delivery::Waiting`]) and are retried with the backoff.
    pub max_send_attempts: u32,
    /// Consecutive stream reconnect attempts after which an error is logged once; the session
    /// keeps reconnecting (at the capped backoff): only the server ends a conversation.
    pub max_reconnect_attempts: u32,
    pub max_event_bytes: usize,
    /// `limit` of the list-entries request used to restore history.
    pub history_limit: u32,
    /// Send delivery and read receipts for the agents' messages (§4.8, unconfirmed; off by
    /// default). See "Receipts" in the module documentation.
    pub send_receipts: bool,
    /// The last agent left (`ParticipantChanged` remove) and neither a routing result, a
    /// transfer nor another agent followed within this time: the agent ended the session
    /// (Salesforce may send no session-status event, §5.3 / §11.8).
    pub end_grace_ms: u64,
    /// Not a byte on the event stream (event, ping or comment) for this long, or no answer to
    /// opening it: the stream is dead without knowing it (a proxy or NAT dropped it); it is
    /// aborted and reopened from `Last-Event-Id`. `None`: no watchdog.
    pub stream_idle_ms: Option<u64>,
    /// A stream request that neither answered nor failed for this long is taken as up (some
    /// browsers, Firefox among them, resolve a streaming fetch only with its first byte, and
    /// a stream with nothing to replay may send none until its first ping): what waits is
    /// sent and the history fills any gap, as on a first byte. `None`: wait for a byte.
    pub stream_assume_up_ms: Option<u64>,
    /// After the agent ends the messaging session: `false` (default) the chat is over for the
    /// visitor, who may start a new one; `true` (Salesforce's own client, whose conversations
    /// outlive their sessions) the end is shown, the conversation goes on, and the visitor's
    /// next message starts a new messaging session (`isNewMessagingSession`).
    pub continue_after_end: bool,
}

impl MiawConfig {
    pub fn new(deployment: Deployment) -> Self {
        MiawConfig {
            deployment,
            verified_user: false,
            wait_for_agent_ms: None,
            typing_idle_ms: 5_000,
            typing_display_ms: 5_000,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 30_000,
            max_send_attempts: 5,
            max_reconnect_attempts: 10,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            history_limit: 50,
            send_receipts: false,
            end_grace_ms: 10_000,
            stream_idle_ms: Some(60_000),
            stream_assume_up_ms: Some(2_000),
            continue_after_end: false,
        }
    }
}

/// What the browser layer must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MiawAction {
    /// Perform (`Start`), upload (`Upload`, a multipart file POST) or abort (`Abort`) a
    /// request; report `Start` and `Upload` results with `handle_http`.
    Http(HttpAction),
    /// Open the SSE stream: a streaming GET; report with `handle_stream_chunk` /
    /// `handle_stream_closed` using the request's id.
    OpenStream(HttpRequest),
    /// Close (abort) the stream with this id; no further calls are expected for it.
    CloseStream(RequestId),
}

/// Delivery state of one of the visitor's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delivery {
    /// Queued while the connection is down (or after a transient failure): it goes out by
    /// itself, in order, when the connection is back. Never needs a click.
    Waiting,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The visitor ended the chat ([`MiawSession::end`]) or closed it in another tab.
    Visitor,
    /// The agent ended the session: show "agent ended the chat", offer a new chat.
    Agent,
    /// The token could not be renewed after a 401.
    SessionExpired,
    /// The conversation was closed after its session's end was shown
    /// ([`MiawEvent::SessionEnded`]): nothing more to tell the visitor.
    Closed,
    /// Routing failed or the conversation could not be created.
    Failed(String),
}

/// Something for the UI and the host page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MiawEvent {
    /// Verified user: ask the host page for the customer's identity JWT.
    IdentityTokenNeeded,
    /// The conversation exists (for `ChatWidget.getConversationId()`).
    ConversationStarted {
        conversation_id: String,
    },
    AgentJoined {
        name: String,
        role: Role,
    },
    AgentLeft {
        name: String,
        role: Role,
    },
    /// Routing transferred the conversation (a new agent will join).
    Transferred,
    /// A message to show. `delivery` is `Some` for the visitor's own messages (keyed by
    /// `id`, the client message id). `history` marks messages restored after a reload.
    Message {
        id: String,
        role: Role,
        sender_name: Option<String>,
        content: MessageContent,
        timestamp: Option<Millis>,
        delivery: Option<Delivery>,
        history: bool,
    },
    /// The delivery state of the visitor's message `id` changed.
    DeliveryChanged {
        id: String,
        delivery: Delivery,
    },
    Typing {
        name: String,
        typing: bool,
    },
    RoutingFailed {
        reason: String,
    },
    EstimatedWait {
        seconds: u64,
    },
    /// No agent joined within `wait_for_agent_ms`: offer keep waiting
    /// ([`MiawSession::keep_waiting`]) or leave ([`MiawSession::end`]).
    WaitTimeout,
    ConnectionLost,
    ConnectionRestored,
    /// The agent ended the messaging session, and the conversation goes on
    /// ([`MiawConfig::continue_after_end`]): shown once; the visitor's next message starts a
    /// new session.
    SessionEnded,
    /// The session is over (no stream, no deadline remain).
    Ended {
        reason: EndReason,
    },
    /// Something worth logging or telling the host page; not fatal.
    Error {
        message: String,
    },
    /// Something for the console only (a transient failure being retried).
    Log {
        message: String,
    },
    /// An SSE event that was skipped (unknown type, malformed payload): log only.
    Skipped {
        event: String,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Verified user waiting for the identity JWT.
    NeedIdentity,
    Authenticating,
    Creating,
    /// Restored from a saved state: continuation token, then history.
    Restoring,
    Open,
    Ended,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    Token { renewal: bool },
    Create,
    Send(String),
    Typing,
    History,
    Close,
    Ack,
}

/// What an outbox entry sends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Body {
    /// A message (§4.6).
    Message(OutgoingContent),
    /// A file upload (§4.9). `file` is `None` once the file can no longer be sent: rejected by
    /// the server (413 / 415) or lost in a page reload. Such an entry stays failed for good.
    File {
        file_id: String,
        caption: Option<String>,
        file: Option<FileRef>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outgoing {
    id: String,
    content: Body,
    /// Shown as the visitor's bubble (the choice title for a choice).
    display: MessageContent,
    in_flight: Option<RequestId>,
    attempts: u32,
    next_try: Option<Millis>,
    new_session: bool,
    failed: bool,
    throttled: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Down,
    Connecting,
    Connected,
}

/// splitmix64: small, seedable, good enough for ids and jitter.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A lowercase UUID v4.
    fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

/// How many entry ids are remembered to drop replays.
const SEEN_CAP: usize = 2_000;

/// How many agent messages receipts are tracked for (and saved): at least the history window
/// (list-entries returns at most 50 entries), so that every agent message a restore's history
/// holds is either tracked or new.
const RECEIPTS_CAP: usize = 50;

/// Where one receipt (delivery or read) of an agent message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AckState {
    /// Not wanted yet (a read receipt before [`MiawSession::mark_read`]).
    NotYet,
    /// To be sent with the next batch.
    Due,
    /// In the current batch (in flight or waiting to be retried).
    Sending,
    /// Sent, or given up (receipts are best-effort): never sent again.
    Done,
}

/// An agent message the visitor's receipts are tracked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Receipt {
    /// The conversation entry identifier (`conversationEntryId` of the ack).
    entry_id: String,
    delivery: AckState,
    read: AckState,
}

/// The one batch of receipts being sent; retried with the same ack ids.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AckBatch {
    acks: Vec<wire::AckEntry>,
    in_flight: Option<RequestId>,
    next_try: Option<Millis>,
    attempts: u32,
}

/// The MIAW session. See the module documentation.
#[derive(Debug)]
pub struct MiawSession<J: Json> {
    codec: std::marker::PhantomData<fn() -> J>,
    config: MiawConfig,
    rng: Rng,
    phase: Phase,
    next_id: RequestId,
    actions: VecDeque<MiawAction>,
    events: VecDeque<MiawEvent>,
    /// Requests in flight, with the token generation they were sent with.
    pending: Vec<(RequestId, Pending, u32)>,
    /// Incremented each time a token is obtained.
    token_gen: u32,
    /// The token generation the current stream was opened with.
    stream_gen: u32,

    token: Option<String>,
    identity_jwt: Option<String>,
    conversation_id: Option<String>,
    routing: Pairs,
    last_event_id: Option<String>,
    /// A 401 was answered with a renewal that has not yet been followed by a success.
    renewed: bool,
    create_attempts: u32,
    create_retry_at: Option<Millis>,
    /// A token request that failed transiently (network, 408, 429, 5xx) is retried then.
    token_retry_at: Option<(Millis, bool)>,
    token_failures: u32,
    /// The history request (restore) that failed transiently is retried then.
    history_retry_at: Option<Millis>,
    history_failures: u32,
    /// A send failed transiently (or the browser is offline): queued messages are shown as
    /// [`Delivery::Waiting`] until a request succeeds or the stream connects.
    trouble: bool,
    /// The last agent left: unless routing or an agent follows, the session ended then.
    end_grace_at: Option<Millis>,
    /// The agent ended the session and the conversation goes on (`continue_after_end`).
    session_over: bool,
    /// The stream must show a byte by then (see [`MiawConfig::stream_idle_ms`]).
    stream_idle_at: Option<Millis>,
    /// Successful stream connections: after the first, a reconnect checks the history for
    /// what the replay may have missed.
    stream_connections: u32,
    /// The conversation was created before its stream connected: the first connection
    /// catches up from the history.
    catch_up_on_connect: bool,
    /// When a stream still connecting is taken as up ([`MiawConfig::stream_assume_up_ms`]).
    stream_assume_up_at: Option<Millis>,
    /// Stream events held while a history request is in flight, so that what the history
    /// brings (older) is shown before them.
    held: Vec<(Parsed, String)>,

    stream_id: Option<RequestId>,
    stream: StreamState,
    parser: SseParser,
    reconnect_attempts: u32,
    reconnect_at: Option<Millis>,
    lost_reported: bool,

    outbox: Vec<Outgoing>,
    /// Uploads that were pending when the page was reloaded: reported when history is in.
    lost_uploads: Vec<String>,
    /// Client ids of the visitor's messages with their last state (echo/ack matching).
    own: Vec<(String, Delivery)>,
    seen: VecDeque<String>,

    agents: Vec<String>,
    wait_deadline: Option<Millis>,
    typing_active: bool,
    typing_idle_at: Option<Millis>,
    remote_typing: Vec<(String, Millis)>,

    /// Agent messages and their receipts (`config.send_receipts`), oldest first.
    receipts: Vec<Receipt>,
    ack_batch: Option<AckBatch>,
    /// The endpoint answered 404 / 405: no more receipts in this session.
    receipts_off: bool,
    /// Restored with a saved receipts list: agent messages of the history that it lacks
    /// arrived while the page was away and get receipts like live ones.
    receipts_restored: bool,
}

impl<J: Json> MiawSession<J> {
    /// A new session; `seed` must come from a real randomness source
    /// (`crypto.getRandomValues` in the browser).
    pub fn new(config: MiawConfig, seed: u64) -> Self {
        let parser = SseParser::new(config.max_event_bytes);
        MiawSession {
            codec: std::marker::PhantomData,
            config,
            rng: Rng(seed),
            phase: Phase::Idle,
            next_id: 1,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            pending: Vec::new(),
            token_gen: 0,
            stream_gen: 0,
            token: None,
            identity_jwt: None,
            conversation_id: None,
            routing: Pairs::new(),
            last_event_id: None,
            renewed: false,
            create_attempts: 0,
            create_retry_at: None,
            token_retry_at: None,
            token_failures: 0,
            history_retry_at: None,
            history_failures: 0,
            trouble: false,
            end_grace_at: None,
            session_over: false,
            stream_idle_at: None,
            stream_connections: 0,
            catch_up_on_connect: false,
            stream_assume_up_at: None,
            held: Vec::new(),
            stream_id: None,
            stream: StreamState::Down,
            parser,
            reconnect_attempts: 0,
            reconnect_at: None,
            lost_reported: false,
            outbox: Vec::new(),
            lost_uploads: Vec::new(),
            own: Vec::new(),
            seen: VecDeque::new(),
            agents: Vec::new(),
            wait_deadline: None,
            typing_active: false,
            typing_idle_at: None,
            remote_typing: Vec::new(),
            receipts: Vec::new(),
            ack_batch: None,
            receipts_off: false,
            receipts_restored: false,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Accessors

    pub fn conversation_id(&self) -> Option<&str> {
        self.conversation_id.as_deref()
    }

    pub fn is_open(&self) -> bool {
        self.phase == Phase::Open
    }

    pub fn is_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// Whether the SSE stream is currently connected.
    pub fn is_connected(&self) -> bool {
        self.stream == StreamState::Connected
    }

    pub fn poll_action(&mut self) -> Option<MiawAction> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<MiawEvent> {
        self.events.pop_front()
    }

    /// The earliest time [`MiawSession::handle_timeout`] must be called.
    pub fn next_deadline(&self) -> Option<Millis> {
        if self.phase == Phase::Ended {
            return None;
        }
        let mut all = vec![
            self.reconnect_at,
            self.create_retry_at,
            self.token_retry_at.map(|(t, _)| t),
            self.history_retry_at,
            self.end_grace_at,
            self.stream_idle_at,
            self.stream_assume_up_at
                .filter(|_| self.stream == StreamState::Connecting),
            self.wait_deadline,
            self.typing_idle_at,
        ];
        all.extend(self.outbox.iter().map(|o| o.next_try));
        all.extend(self.ack_batch.as_ref().map(|b| b.next_try));
        all.extend(self.remote_typing.iter().map(|(_, t)| Some(*t)));
        // `Millis::MAX` marks work parked until a token renewal answers.
        all.into_iter()
            .flatten()
            .filter(|t| *t != Millis::MAX)
            .min()
    }

    // -----------------------------------------------------------------------------------------
    // Intents

    /// Starts a new conversation with these routing attributes (pre-chat values, hidden
    /// fields, bot context).
    pub fn start(&mut self, routing: Pairs, now: Millis) {
        if self.phase != Phase::Idle {
            return;
        }
        let _ = now;
        self.routing = routing;
        if self.config.verified_user && self.identity_jwt.is_none() {
            self.phase = Phase::NeedIdentity;
            self.events.push_back(MiawEvent::IdentityTokenNeeded);
            return;
        }
        self.phase = Phase::Authenticating;
        self.request_token(false);
    }

    /// The customer's identity JWT (verified users), from the host page's callback.
    pub fn set_identity_token(&mut self, jwt: impl Into<String>, now: Millis) {
        let _ = now;
        self.identity_jwt = Some(jwt.into());
        if self.phase == Phase::NeedIdentity {
            self.phase = Phase::Authenticating;
            self.request_token(false);
        }
    }

    /// Restores a session saved with [`MiawSession::persist`] (after a page reload):
    /// continuation token, stream from the saved `Last-Event-Id`, history, then the outbox.
    /// Returns `false` (and does nothing) if `saved` is unusable (no token or conversation id)
    /// or the session was already started.
    pub fn restore(&mut self, saved: MiawSaved, now: Millis) -> bool {
        let _ = now;
        if self.phase != Phase::Idle {
            return false;
        }
        let (Some(token), Some(conv)) = (saved.token, saved.conversation_id) else {
            return false;
        };
        self.token = Some(token);
        self.conversation_id = Some(conv);
        self.last_event_id = saved.last_event_id;
        for (k, v) in saved.routing {
            self.routing.insert(k, v);
        }
        if let Some(r) = saved.receipts.filter(|_| self.config.send_receipts) {
            self.receipts_restored = true;
            for (ids, read) in [(r.read, AckState::Done), (r.unread, AckState::NotYet)] {
                for id in ids.into_iter().filter(|i| !i.is_empty()) {
                    self.push_receipt(Receipt {
                        entry_id: id,
                        delivery: AckState::Done,
                        read,
                    });
                }
            }
        }
        for o in saved.outbox {
            let Some(id) = o.id.clone() else {
                continue;
            };
            if let Some(file) = &o.file {
                // The `File` object did not survive the reload: the upload is failed for good.
                self.restore_lost_upload(id, &o, file.as_ref());
                continue;
            }
            let (body, display) = match (o.in_reply_to, o.option) {
                (Some(in_reply_to), Some(option_identifier)) => {
                    let title = o.text.unwrap_or_else(|| option_identifier.clone());
                    (
                        OutgoingContent::Choice {
                            in_reply_to,
                            option_identifier,
                        },
                        MessageContent::ChoicesResponse {
                            selected: vec![title],
                        },
                    )
                }
                _ => match o.text {
                    Some(t) => (OutgoingContent::Text(t.clone()), MessageContent::Text(t)),
                    None => continue,
                },
            };
            self.outbox.push(Outgoing {
                id: id.clone(),
                content: Body::Message(body),
                display,
                in_flight: None,
                attempts: 0,
                next_try: None,
                new_session: o.new_session,
                failed: false,
                throttled: 0,
            });
            self.own.push((id, Delivery::Sending));
        }
        self.phase = Phase::Restoring;
        let id = self.alloc();
        let d = &self.config.deployment;
        let req = wire::continuation_token::<J>(d, id, self.token.as_deref().unwrap_or(""));
        self.start_http(req, Pending::Token { renewal: false });
        true
    }

    /// [`MiawSession::restore`] from the saved JSON text: `false` (with a
    /// [`MiawEvent::Log`]) when it does not decode as a saved state.
    pub fn restore_text(&mut self, saved: &str, now: Millis) -> bool {
        match J::decode::<crate::loose::Item<MiawSaved>>(saved) {
            Ok(crate::loose::Item(Some(saved))) => self.restore(saved, now),
            Ok(crate::loose::Item(None)) => {
                self.events.push_back(MiawEvent::Log {
                    message: "saved MIAW state not restored: not an object".to_string(),
                });
                false
            }
            Err(e) => {
                self.events.push_back(MiawEvent::Log {
                    message: format!("saved MIAW state not restored: {e}"),
                });
                false
            }
        }
    }

    /// The visitor sends a text; returns its client message id (the id of the `Message`
    /// event and of later `DeliveryChanged` events). Queued while the stream is down.
    pub fn send_text(&mut self, text: &str, now: Millis) -> Option<String> {
        if text.trim().is_empty() {
            return None;
        }
        self.enqueue(
            Body::Message(OutgoingContent::Text(text.to_string())),
            MessageContent::Text(text.to_string()),
            now,
        )
    }

    /// The visitor picked option `option_identifier` (titled `title`) of the choices message
    /// `in_reply_to`.
    pub fn send_choice(
        &mut self,
        in_reply_to: &str,
        option_identifier: &str,
        title: &str,
        now: Millis,
    ) -> Option<String> {
        self.enqueue(
            Body::Message(OutgoingContent::Choice {
                in_reply_to: in_reply_to.to_string(),
                option_identifier: option_identifier.to_string(),
            }),
            MessageContent::ChoicesResponse {
                selected: vec![title.to_string()],
            },
            now,
        )
    }

    /// The visitor sends a file (held by the browser layer as `file.handle`) with an optional
    /// caption; returns its client message id, like [`MiawSession::send_text`]. Queued and sent
    /// in order with the other messages as [`HttpAction::Upload`]; shown at once as a
    /// [`MessageContent::Attachments`] bubble. A 413 (too large) or 415 (type not accepted)
    /// fails it for good with a [`MiawEvent::Error`]; network / 5xx errors are retried with the
    /// same ids. Keep the `File` until the message is `Sent` or the session ends.
    pub fn send_file(
        &mut self,
        file: FileRef,
        caption: Option<&str>,
        now: Millis,
    ) -> Option<String> {
        if !self.accepts_messages() {
            return None;
        }
        let caption = caption.filter(|c| !c.trim().is_empty()).map(str::to_string);
        let file_id = self.rng.uuid();
        let display = file_display(&file_id, &file, caption.clone());
        self.enqueue(
            Body::File {
                file_id,
                caption,
                file: Some(file),
            },
            display,
            now,
        )
    }

    /// Retries a message marked [`Delivery::Failed`] (same id: never a second message). A file
    /// that was rejected (413 / 415) or lost in a reload cannot be retried: nothing happens.
    pub fn retry(&mut self, id: &str, now: Millis) {
        if let Some(o) = self
            .outbox
            .iter_mut()
            .find(|o| o.id == id && o.failed && !is_lost(&o.content))
        {
            o.failed = false;
            o.attempts = 0;
            o.next_try = None;
            self.set_own(id, Delivery::Sending, true);
            self.flush(now);
        }
    }

    /// The visitor is typing (`true` on each keystroke) or stopped (`false`, e.g. the input was
    /// cleared). Debounced: one `TypingStartedIndicator` per burst, a stop after
    /// `typing_idle_ms` without keystrokes.
    pub fn typing(&mut self, typing: bool, now: Millis) {
        if !self.can_send() {
            return;
        }
        if typing {
            self.typing_idle_at = Some(now + self.config.typing_idle_ms);
            if !self.typing_active {
                self.typing_active = true;
                self.send_typing(true);
            }
        } else {
            self.stop_typing();
        }
    }

    /// The browser's connectivity changed (`online` / `offline` events). Offline: queued
    /// messages show as waiting and the connection as lost. Online: everything waiting for a
    /// retry goes now, and the stream is reopened from `Last-Event-Id` (a stream that stayed
    /// open through the outage may be dead without knowing it; replayed events are dropped as
    /// duplicates).
    pub fn set_online(&mut self, online: bool, now: Millis) {
        if matches!(self.phase, Phase::Idle | Phase::NeedIdentity | Phase::Ended) {
            return;
        }
        if !online {
            self.set_trouble(true);
            self.report_lost();
            return;
        }
        if let Some((_, renewal)) = self.token_retry_at.take() {
            self.retry_token(renewal);
        }
        if self.history_retry_at.take().is_some() {
            self.request_history();
        }
        if self.create_retry_at.is_some_and(|t| t != Millis::MAX) {
            self.create_retry_at = None;
            self.create_conversation();
        }
        for o in &mut self.outbox {
            if o.next_try.is_some_and(|t| t != Millis::MAX) {
                o.next_try = None;
            }
        }
        if let Some(b) = &mut self.ack_batch {
            b.next_try = None;
        }
        if self.stream_id.is_some() || self.reconnect_at.is_some() {
            self.reconnect_at = None;
            self.reconnect_attempts = 0;
            self.open_stream(now);
        }
        self.flush(now);
    }

    /// After [`MiawEvent::WaitTimeout`]: keep waiting for another `wait_for_agent_ms`.
    pub fn keep_waiting(&mut self, now: Millis) {
        if self.phase == Phase::Open && self.agents.is_empty() {
            self.wait_deadline = self.config.wait_for_agent_ms.map(|w| now + w);
        }
    }

    /// The visitor has seen the conversation (the window is open): sends a read receipt for
    /// every agent message received and not yet read-acknowledged (with `send_receipts`;
    /// otherwise nothing). Cheap when there is nothing to acknowledge: call it whenever the
    /// messages become visible, and when one arrives while they are.
    pub fn mark_read(&mut self, now: Millis) {
        if !self.config.send_receipts || self.receipts_off || self.phase == Phase::Ended {
            return;
        }
        let mut any = false;
        for r in &mut self.receipts {
            if r.read == AckState::NotYet {
                r.read = AckState::Due;
                any = true;
            }
        }
        if any {
            self.flush_acks(now);
        }
    }

    /// The visitor ends the chat: close conversation + end session, then nothing remains.
    pub fn end(&mut self, now: Millis) {
        let _ = now;
        if self.phase == Phase::Ended {
            return;
        }
        if let (Some(token), Some(conv)) = (self.token.clone(), self.conversation_id.clone()) {
            if matches!(self.phase, Phase::Open | Phase::Creating | Phase::Restoring) {
                let d = self.config.deployment.clone();
                let id = self.alloc();
                let close = wire::close_conversation(&d, id, &token, &conv);
                let id = self.alloc();
                let end = wire::end_session(&d, id, &token, &conv);
                self.teardown();
                self.start_http(close, Pending::Close);
                self.start_http(end, Pending::Close);
                self.finish(EndReason::Visitor);
                return;
            }
        }
        self.teardown();
        self.finish(EndReason::Visitor);
    }

    /// The state to save in `sessionStorage` (`None`: nothing to resume; clear it), for
    /// [`MiawSession::restore`] after a reload. The browser layer stores it as JSON (its
    /// codec's `encode`); see [`MiawSaved`] for the format.
    pub fn persist(&self) -> Option<MiawSaved> {
        if self.phase == Phase::Ended {
            return None;
        }
        let token = self.token.as_deref()?;
        let conv = self.conversation_id.as_deref()?;
        if !matches!(self.phase, Phase::Open | Phase::Restoring) {
            return None;
        }
        let outbox = self
            .outbox
            .iter()
            .map(|o| {
                let mut m = SavedMessage {
                    id: Some(o.id.clone()),
                    new_session: o.new_session,
                    ..SavedMessage::default()
                };
                match &o.content {
                    Body::Message(OutgoingContent::Text(t)) => m.text = Some(t.clone()),
                    Body::File {
                        file_id, caption, ..
                    } => {
                        // Metadata only: the `File` cannot be saved, so a restore reports the
                        // upload as failed (see `restore_lost_upload`).
                        m.file_id = Some(file_id.clone());
                        if let MessageContent::Attachments { files, .. } = &o.display {
                            m.file = files.first().map(|a| {
                                Some(SavedFile {
                                    name: Some(a.name.clone()),
                                    size: a.size,
                                    mime_type: a.mime_type.clone(),
                                })
                            });
                        }
                        m.caption = caption.clone();
                        m.failed = o.failed;
                    }
                    Body::Message(OutgoingContent::Choice {
                        in_reply_to,
                        option_identifier,
                    }) => {
                        m.in_reply_to = Some(in_reply_to.clone());
                        m.option = Some(option_identifier.clone());
                        if let MessageContent::ChoicesResponse { selected } = &o.display {
                            m.text = selected.first().cloned();
                        }
                    }
                }
                m
            })
            .collect();
        // Which agent messages are known, and which still need a read receipt (see
        // "Receipts"); delivery receipts still on their way are not kept.
        let receipts = self.config.send_receipts.then(|| {
            let ids = |read: bool| {
                self.receipts
                    .iter()
                    .filter(|r| (r.read == AckState::Done) == read)
                    .map(|r| r.entry_id.clone())
                    .collect()
            };
            SavedReceipts {
                read: ids(true),
                unread: ids(false),
            }
        });
        Some(MiawSaved {
            token: Some(token.to_string()),
            conversation_id: Some(conv.to_string()),
            last_event_id: self.last_event_id.clone(),
            routing: self.routing.clone(),
            outbox,
            receipts,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Results

    /// The result of a request started with [`MiawAction::Http`].
    pub fn handle_http(
        &mut self,
        id: RequestId,
        result: Result<HttpResponse, HttpError>,
        now: Millis,
    ) {
        let Some(pos) = self.pending.iter().position(|(p, _, _)| *p == id) else {
            return;
        };
        let (_, what, gen) = self.pending.remove(pos);
        if self.phase == Phase::Ended {
            return;
        }
        let status = result.as_ref().map(|r| r.status).ok();
        // Receipts are best-effort: a 401 on one is retried later (with whatever token the
        // session has by then), never a reason to renew the token or to end the session.
        if status == Some(401) && !matches!(what, Pending::Close | Pending::Ack) {
            self.on_unauthorized(what, gen, now);
            return;
        }
        if matches!(&result, Ok(r) if r.is_success()) && !matches!(what, Pending::Token { .. }) {
            self.renewed = false;
        }
        match what {
            Pending::Token { renewal } => self.on_token(result, renewal, now),
            Pending::Create => self.on_created(result, now),
            Pending::Send(client_id) => self.on_sent(&client_id, result, now),
            Pending::History => self.on_history(result, now),
            Pending::Ack => self.on_acked(result, now),
            Pending::Typing | Pending::Close => {}
        }
    }

    /// A chunk of the stream `id`'s body. Call once with an empty chunk when the 200 response
    /// arrives.
    pub fn handle_stream_chunk(&mut self, id: RequestId, bytes: &[u8], now: Millis) {
        if self.stream_id != Some(id) || self.phase == Phase::Ended {
            return;
        }
        // Any byte (an event, a ping, a comment) shows the stream is alive.
        self.stream_idle_at = self.config.stream_idle_ms.map(|ms| now + ms);
        self.stream_up(now);
        for item in self.parser.push(bytes) {
            match item {
                SseItem::Event(ev) => {
                    let parsed = wire::parse_event::<J>(&ev.event, &ev.data);
                    if self.history_in_flight() {
                        // Shown after what the history brings (which is older).
                        self.held.push((parsed, ev.id.clone()));
                    } else {
                        self.on_parsed(parsed, false, &ev.id, now);
                    }
                    if !ev.id.is_empty() {
                        self.last_event_id = Some(ev.id);
                    }
                    if self.phase == Phase::Ended {
                        return;
                    }
                }
                SseItem::Retry(_) => {}
                SseItem::TooLarge { bytes } => self.events.push_back(MiawEvent::Skipped {
                    event: String::new(),
                    reason: format!("event of {bytes} bytes over the size cap"),
                }),
            }
        }
        // One batch for the agent messages of this chunk.
        self.flush_acks(now);
    }

    /// The stream `id` ended: `None` for a clean end of body, otherwise why.
    pub fn handle_stream_closed(&mut self, id: RequestId, error: Option<StreamError>, now: Millis) {
        if self.stream_id != Some(id) || self.phase == Phase::Ended {
            return;
        }
        self.stream_id = None;
        self.stream = StreamState::Down;
        self.stream_idle_at = None;
        self.parser.finish();
        if let Some(StreamError::Status(401)) = error {
            self.report_lost();
            if self.stream_gen < self.token_gen {
                // Opened with a token that has been replaced since: reopen with the new one.
                self.open_stream(now);
            } else if self.renewal_in_flight() {
                // The renewal reopens the stream when it answers.
            } else if self.renewed {
                self.expire();
            } else {
                self.renewed = true;
                self.request_token(true);
            }
            return;
        }
        self.report_lost();
        self.schedule_reconnect(now);
    }

    /// Call at (or after) [`MiawSession::next_deadline`].
    pub fn handle_timeout(&mut self, now: Millis) {
        if self.phase == Phase::Ended {
            return;
        }
        if self.stream_idle_at.is_some_and(|t| t <= now) {
            // Silent (no event, no ping) or never answered: dead without an error. Reopen.
            self.stream_idle_at = None;
            self.events.push_back(MiawEvent::Log {
                message: format!(
                    "the event stream was silent for {} s; reconnecting",
                    self.config.stream_idle_ms.unwrap_or(0) / 1000
                ),
            });
            if let Some(id) = self.stream_id.take() {
                self.actions.push_back(MiawAction::CloseStream(id));
            }
            self.stream = StreamState::Down;
            self.parser.finish();
            self.report_lost();
            self.reconnect_at = Some(now);
        }
        if self.stream_assume_up_at.is_some_and(|t| t <= now) {
            self.stream_assume_up_at = None;
            if self.stream == StreamState::Connecting && self.stream_id.is_some() {
                self.events.push_back(MiawEvent::Log {
                    message: "the event stream has sent nothing yet: taken as up".into(),
                });
                self.stream_up(now);
            }
        }
        if self.end_grace_at.is_some_and(|t| t <= now) {
            self.end_grace_at = None;
            self.session_ended();
            if self.phase == Phase::Ended {
                return;
            }
        }
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
            self.open_stream(now);
        }
        if self.create_retry_at.is_some_and(|t| t <= now) {
            self.create_retry_at = None;
            self.create_conversation();
        }
        if let Some((t, renewal)) = self.token_retry_at {
            if t <= now {
                self.token_retry_at = None;
                self.retry_token(renewal);
            }
        }
        if self.history_retry_at.is_some_and(|t| t <= now) {
            self.history_retry_at = None;
            self.request_history();
        }
        if self.wait_deadline.is_some_and(|t| t <= now) {
            self.wait_deadline = None;
            self.events.push_back(MiawEvent::WaitTimeout);
        }
        if self.typing_idle_at.is_some_and(|t| t <= now) {
            self.stop_typing();
        }
        let (expired, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.remote_typing)
            .into_iter()
            .partition(|(_, t)| *t <= now);
        self.remote_typing = kept;
        for (name, _) in expired {
            self.events.push_back(MiawEvent::Typing {
                name,
                typing: false,
            });
        }
        for o in &mut self.outbox {
            if o.next_try.is_some_and(|t| t <= now) {
                o.next_try = None;
            }
        }
        if let Some(b) = &mut self.ack_batch {
            if b.next_try.is_some_and(|t| t <= now) {
                b.next_try = None;
            }
        }
        self.flush(now);
    }

    // -----------------------------------------------------------------------------------------
    // Internals

    fn alloc(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn start_http(&mut self, req: HttpRequest, what: Pending) {
        self.pending.push((req.id, what, self.token_gen));
        self.actions
            .push_back(MiawAction::Http(HttpAction::Start(req)));
    }

    fn backoff(&mut self, attempt: u32) -> u64 {
        let mut d = self.config.backoff_base_ms as f64;
        for _ in 0..attempt.min(30) {
            d *= 1.5;
        }
        let capped = d.min(self.config.backoff_cap_ms as f64);
        let jitter = 0.5 + (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 0.5;
        ((capped * jitter) as u64).max(1)
    }

    fn request_token(&mut self, renewal: bool) {
        let id = self.alloc();
        let d = &self.config.deployment;
        let req = match (&self.identity_jwt, &self.token, renewal) {
            (Some(jwt), _, _) => wire::authenticated_token::<J>(d, id, jwt),
            (None, Some(token), true) => wire::continuation_token::<J>(d, id, token),
            _ => wire::unauthenticated_token::<J>(d, id),
        };
        self.start_http(req, Pending::Token { renewal });
    }

    /// Repeats a token request that failed transiently: the restore's continuation token
    /// (with the saved token), a renewal, or the first token of a new chat.
    fn retry_token(&mut self, renewal: bool) {
        if self.phase == Phase::Restoring && !renewal {
            let id = self.alloc();
            let d = &self.config.deployment;
            let req = wire::continuation_token::<J>(d, id, self.token.as_deref().unwrap_or(""));
            self.start_http(req, Pending::Token { renewal: false });
        } else {
            self.request_token(renewal);
        }
    }

    /// A renewal is in flight or waiting to be retried.
    fn renewal_in_flight(&self) -> bool {
        self.token_retry_at.is_some_and(|(_, renewal)| renewal)
            || self
                .pending
                .iter()
                .any(|(_, p, _)| *p == Pending::Token { renewal: true })
    }

    /// A 401: renew the token once (parking the interrupted work), then give up.
    fn on_unauthorized(&mut self, what: Pending, gen: u32, now: Millis) {
        if matches!(what, Pending::Token { .. }) {
            self.expire();
            return;
        }
        self.park(what);
        if gen < self.token_gen {
            // Sent with a token that has been replaced since: replay with the new one.
            self.unpark(now);
        } else if self.renewal_in_flight() {
            // Replayed when the renewal answers.
        } else if self.renewed {
            self.expire();
        } else {
            self.renewed = true;
            self.request_token(true);
        }
    }

    /// Puts work interrupted by a 401 back, to be replayed by [`Self::unpark`].
    fn park(&mut self, what: Pending) {
        match what {
            Pending::Send(client_id) => {
                if let Some(o) = self.outbox.iter_mut().find(|o| o.id == client_id) {
                    o.in_flight = None;
                    o.next_try = Some(Millis::MAX);
                }
            }
            Pending::Create => self.create_retry_at = Some(Millis::MAX),
            _ => {}
        }
    }

    /// Replays parked work with the current token.
    fn unpark(&mut self, now: Millis) {
        if self.create_retry_at == Some(Millis::MAX) {
            self.create_retry_at = None;
            self.create_conversation();
        }
        for o in &mut self.outbox {
            if o.next_try == Some(Millis::MAX) {
                o.next_try = None;
            }
        }
        if self.stream_id.is_none() && self.reconnect_at.is_none() {
            self.open_stream(now);
        }
        if self.phase == Phase::Restoring
            && !self.pending.iter().any(|(_, p, _)| *p == Pending::History)
        {
            self.request_history();
        }
        self.flush(now);
    }

    fn expire(&mut self) {
        self.teardown();
        self.finish(EndReason::SessionExpired);
    }

    fn on_token(&mut self, result: Result<HttpResponse, HttpError>, renewal: bool, now: Millis) {
        let parsed = match &result {
            Ok(r) if r.is_success() => wire::parse_token::<J>(&r.body),
            Ok(r) => Err(format!(
                "access token: HTTP {}{}",
                r.status,
                wire::error_message::<J>(&r.body)
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            )),
            Err(e) => Err(format!("access token: {e}")),
        };
        let t = match parsed {
            Ok(t) => t,
            Err(message) => {
                // Only a definitive answer ends a conversation that exists: a continuation or
                // renewal that failed transiently is retried (the visitor sees "reconnecting").
                let resuming = renewal || self.phase == Phase::Restoring;
                self.token_failures += 1;
                if transient(&result)
                    && (resuming || self.token_failures < self.config.max_send_attempts)
                {
                    let delay = self.backoff(self.token_failures - 1);
                    self.token_retry_at = Some((now + delay, renewal));
                    if resuming {
                        self.report_lost();
                    }
                    self.events.push_back(MiawEvent::Log {
                        message: format!("{message}; retrying in {delay} ms"),
                    });
                    return;
                }
                self.events.push_back(MiawEvent::Error { message });
                if resuming {
                    self.expire();
                } else {
                    self.teardown();
                    self.finish(EndReason::Failed("no access token".into()));
                }
                return;
            }
        };
        self.token_failures = 0;
        self.token = Some(t.access_token);
        if self.last_event_id.is_none() {
            self.last_event_id = t.last_event_id;
        }
        self.token_gen += 1;
        if renewal {
            // Replay what the 401 interrupted, with the new token.
            self.unpark(now);
            return;
        }
        match self.phase {
            Phase::Authenticating => {
                self.phase = Phase::Creating;
                self.conversation_id = Some(self.rng.uuid());
                self.open_stream(now);
                self.create_conversation();
            }
            Phase::Restoring => {
                self.open_stream(now);
                self.request_history();
            }
            _ => {}
        }
    }

    fn history_in_flight(&self) -> bool {
        self.pending.iter().any(|(_, p, _)| *p == Pending::History)
    }

    /// Stream events held during a history request, handled now, in order.
    fn release_held(&mut self, now: Millis) {
        for (parsed, id) in std::mem::take(&mut self.held) {
            if self.phase == Phase::Ended {
                return;
            }
            self.on_parsed(parsed, false, &id, now);
        }
    }

    /// The agent ended the messaging session (whichever signal said so first: a status
    /// event, the last agent gone for `end_grace_ms`, a 417). Shown once.
    fn session_ended(&mut self) {
        self.end_grace_at = None;
        if self.phase == Phase::Ended || self.session_over {
            return;
        }
        if self.config.continue_after_end {
            self.session_over = true;
            self.agents.clear();
            self.wait_deadline = None;
            self.remote_typing.clear();
            self.events.push_back(MiawEvent::SessionEnded);
            return;
        }
        self.teardown();
        self.finish(EndReason::Agent);
    }

    fn request_history(&mut self) {
        let id = self.alloc();
        let req = wire::list_entries(
            &self.config.deployment,
            id,
            self.token.as_deref().unwrap_or(""),
            self.conversation_id.as_deref().unwrap_or(""),
            self.config.history_limit,
        );
        self.start_http(req, Pending::History);
    }

    fn create_conversation(&mut self) {
        let id = self.alloc();
        let req = wire::create_conversation::<J>(
            &self.config.deployment,
            id,
            self.token.as_deref().unwrap_or(""),
            self.conversation_id.as_deref().unwrap_or(""),
            &self.routing,
        );
        self.create_attempts += 1;
        self.start_http(req, Pending::Create);
    }

    fn on_created(&mut self, result: Result<HttpResponse, HttpError>, now: Millis) {
        let retry = match &result {
            // 409: the id exists — a retry of ours after a lost response.
            Ok(r) if r.is_success() || r.status == 409 => {
                self.phase = Phase::Open;
                self.events.push_back(MiawEvent::ConversationStarted {
                    conversation_id: self.conversation_id.clone().unwrap_or_default(),
                });
                if self.agents.is_empty() {
                    self.wait_deadline = self.config.wait_for_agent_ms.map(|w| now + w);
                }
                // The stream and the creation race: if the stream was up first, what the
                // server emitted before it subscribed is caught up from the history (the
                // stream connecting later does the same, in `handle_stream_chunk`).
                if self.stream == StreamState::Connected {
                    if !self.history_in_flight() {
                        self.request_history();
                    }
                } else {
                    self.catch_up_on_connect = true;
                }
                self.flush(now);
                return;
            }
            Ok(r) => r.status == 429 || r.status >= 500,
            Err(_) => true,
        };
        if retry && self.create_attempts < self.config.max_send_attempts {
            let delay = self.backoff(self.create_attempts - 1);
            self.create_retry_at = Some(now + delay);
            return;
        }
        let reason = match &result {
            Ok(r) => {
                wire::error_message::<J>(&r.body).unwrap_or_else(|| format!("HTTP {}", r.status))
            }
            Err(e) => e.to_string(),
        };
        self.events.push_back(MiawEvent::RoutingFailed {
            reason: reason.clone(),
        });
        self.teardown();
        self.finish(EndReason::Failed(reason));
    }

    fn on_history(&mut self, result: Result<HttpResponse, HttpError>, now: Millis) {
        let entries = match &result {
            Ok(r) if r.is_success() => wire::parse_entries::<J>(&r.body),
            Ok(r) => Err(format!("history: HTTP {}", r.status)),
            Err(e) => Err(format!("history: {e}")),
        };
        let gap_fill = self.phase != Phase::Restoring;
        match entries {
            Ok(list) => {
                self.history_failures = 0;
                // After a reconnect (not a reload) what the history brings was missed live:
                // it is handled like live events (entries already seen are dropped by id).
                for p in list {
                    self.on_parsed(p, !gap_fill, "", now);
                }
                if gap_fill {
                    self.release_held(now);
                    return;
                }
            }
            Err(message) if gap_fill => {
                self.events.push_back(MiawEvent::Log {
                    message: format!("{message}: the replay is trusted as it is"),
                });
                self.release_held(now);
                return;
            }
            Err(message) if transient(&result) && self.phase == Phase::Restoring => {
                // The history carries what arrived while the page was away: try again (the
                // stream's replay goes on meanwhile; duplicates are dropped by entry id).
                let delay = self.backoff(self.history_failures);
                self.history_failures += 1;
                self.history_retry_at = Some(now + delay);
                self.events.push_back(MiawEvent::Log {
                    message: format!("{message}; retrying in {delay} ms"),
                });
                self.release_held(now);
                return;
            }
            Err(message) => self.events.push_back(MiawEvent::Error { message }),
        }
        if self.phase != Phase::Restoring {
            return;
        }
        self.phase = Phase::Open;
        self.events.push_back(MiawEvent::ConversationStarted {
            conversation_id: self.conversation_id.clone().unwrap_or_default(),
        });
        // Messages still in the outbox were not seen by the server: show them, then send.
        let pending: Vec<(String, MessageContent, bool)> = self
            .outbox
            .iter()
            .map(|o| (o.id.clone(), o.display.clone(), o.failed))
            .collect();
        for (id, content, failed) in pending {
            self.events.push_back(MiawEvent::Message {
                id,
                role: Role::EndUser,
                sender_name: None,
                content,
                timestamp: None,
                delivery: Some(if failed {
                    Delivery::Failed
                } else {
                    Delivery::Sending
                }),
                history: true,
            });
        }
        // Uploads cut by the reload and not in the history: say why they show as failed.
        for id in std::mem::take(&mut self.lost_uploads) {
            if let Some(o) = self.outbox.iter().find(|o| o.id == id) {
                let what = describe(o);
                self.events.push_back(MiawEvent::Error {
                    message: format!(
                        "{what} not sent: the page was reloaded before the upload finished"
                    ),
                });
            }
        }
        self.release_held(now);
        self.flush(now);
    }

    fn can_send(&self) -> bool {
        self.phase == Phase::Open && self.stream == StreamState::Connected && self.token.is_some()
    }

    /// Whether visitor messages can be queued (from `start` until the session ends).
    fn accepts_messages(&self) -> bool {
        !matches!(self.phase, Phase::Ended | Phase::Idle | Phase::NeedIdentity)
    }

    fn enqueue(&mut self, content: Body, display: MessageContent, now: Millis) -> Option<String> {
        if !self.accepts_messages() {
            return None;
        }
        let id = self.rng.uuid();
        self.outbox.push(Outgoing {
            id: id.clone(),
            content,
            display: display.clone(),
            in_flight: None,
            attempts: 0,
            next_try: None,
            new_session: false,
            failed: false,
            throttled: 0,
        });
        let delivery = if self.trouble {
            Delivery::Waiting
        } else {
            Delivery::Sending
        };
        self.own.push((id.clone(), delivery));
        self.events.push_back(MiawEvent::Message {
            id: id.clone(),
            role: Role::EndUser,
            sender_name: None,
            content: display,
            timestamp: Some(now),
            delivery: Some(delivery),
            history: false,
        });
        if self.typing_active {
            self.stop_typing();
        }
        self.flush(now);
        Some(id)
    }

    /// Sends the head of the outbox when possible (one at a time keeps the order), and the
    /// receipts that are due.
    fn flush(&mut self, now: Millis) {
        self.flush_acks(now);
        if !self.can_send() {
            return;
        }
        let Some(head) = self.outbox.iter().position(|o| !o.failed) else {
            return;
        };
        let o = &self.outbox[head];
        if o.in_flight.is_some() || o.next_try.is_some() {
            return;
        }
        // A failed message earlier in the queue blocks nothing: order is kept among the rest.
        let id = self.alloc();
        let routing = self.routing.clone();
        let o = &mut self.outbox[head];
        o.in_flight = Some(id);
        o.attempts += 1;
        let d = &self.config.deployment;
        let token = self.token.as_deref().unwrap_or("");
        let conv = self.conversation_id.as_deref().unwrap_or("");
        let new_session = o.new_session.then_some(&routing);
        let client_id = o.id.clone();
        match &o.content {
            Body::Message(content) => {
                let req = wire::send_message::<J>(d, id, token, conv, &o.id, content, new_session);
                self.start_http(req, Pending::Send(client_id));
            }
            Body::File {
                file_id,
                caption,
                file: Some(file),
            } => {
                let req = wire::send_file::<J>(
                    d,
                    id,
                    token,
                    conv,
                    &o.id,
                    file_id,
                    caption.as_deref(),
                    file,
                    new_session,
                );
                self.start_upload(req, Pending::Send(client_id));
            }
            Body::File { file: None, .. } => {
                // Unreachable (such entries are failed); never send an upload without a file.
                o.in_flight = None;
                o.failed = true;
            }
        }
    }

    fn on_sent(&mut self, client_id: &str, result: Result<HttpResponse, HttpError>, now: Millis) {
        let Some(pos) = self.outbox.iter().position(|o| o.id == client_id) else {
            // Already confirmed by its echo.
            self.flush(now);
            return;
        };
        self.outbox[pos].in_flight = None;
        let status = result.as_ref().map(|r| r.status).ok();
        match status {
            Some(s) if (200..300).contains(&s) => {
                self.outbox.remove(pos);
                self.set_own(client_id, Delivery::Sent, false);
            }
            Some(417) if !self.outbox[pos].new_session => {
                // The messaging session ended (perhaps unannounced): the end is shown once.
                // By default the chat is over and the message is not sent (the visitor sees
                // it, and may start a new chat); it is never silently re-queued. With
                // `continue_after_end` it is resent starting a new session.
                self.session_ended();
                if self.phase == Phase::Ended {
                    return;
                }
                self.outbox[pos].new_session = true;
            }
            Some(429) => {
                // Rate limited: back off (growing) and retry; not counted as a failure.
                let throttled = self.outbox[pos].throttled;
                let delay = self.backoff(throttled);
                let o = &mut self.outbox[pos];
                o.throttled += 1;
                o.attempts = o.attempts.saturating_sub(1);
                o.next_try = Some(now + delay);
            }
            Some(s @ (413 | 415)) if matches!(self.outbox[pos].content, Body::File { .. }) => {
                // The server will never take this file: no retry, not even on demand.
                let why = if s == 413 {
                    "the file is too large"
                } else {
                    "this type of file is not accepted"
                };
                let detail = result
                    .as_ref()
                    .ok()
                    .and_then(|r| wire::error_message::<J>(&r.body))
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                if let Body::File { file, .. } = &mut self.outbox[pos].content {
                    *file = None;
                }
                self.fail(pos, format!("{why} (HTTP {s}{detail})"));
            }
            Some(s) if s < 500 && s != 408 => self.fail(pos, format!("HTTP {s}")),
            _ => {
                // No answer, 408 or 5xx: the message waits for the connection and is sent
                // again (same id) after the backoff, or at once when the browser is back
                // online or another request succeeds. It is never marked failed for this.
                let attempts = self.outbox[pos].attempts;
                let delay = self.backoff(attempts.saturating_sub(1));
                self.outbox[pos].next_try = Some(now + delay);
                self.set_trouble(true);
            }
        }
        if status.is_some_and(|s| (200..300).contains(&s)) {
            self.set_trouble(false);
        }
        self.flush(now);
    }

    /// Connection trouble starts (a send failed transiently, the browser went offline) or
    /// ends (a send succeeded): queued messages are shown as waiting for the connection, then
    /// as sending again and sent at once, in order.
    fn set_trouble(&mut self, trouble: bool) {
        if self.trouble == trouble {
            return;
        }
        self.trouble = trouble;
        let ids: Vec<String> = self
            .outbox
            .iter()
            .filter(|o| !o.failed)
            .map(|o| o.id.clone())
            .collect();
        for id in &ids {
            if trouble {
                self.set_own(id, Delivery::Waiting, true);
            } else {
                self.set_own(id, Delivery::Sending, false);
            }
        }
        if !trouble {
            for o in &mut self.outbox {
                if o.next_try.is_some_and(|t| t != Millis::MAX) {
                    o.next_try = None;
                }
            }
        }
    }

    fn fail(&mut self, pos: usize, why: String) {
        let id = self.outbox[pos].id.clone();
        self.outbox[pos].failed = true;
        self.set_own(&id, Delivery::Failed, true);
        let what = describe(&self.outbox[pos]);
        self.events.push_back(MiawEvent::Error {
            message: format!("{what} not sent: {why}"),
        });
    }

    fn start_upload(&mut self, req: UploadRequest, what: Pending) {
        self.pending.push((req.id, what, self.token_gen));
        self.actions
            .push_back(MiawAction::Http(HttpAction::Upload(req)));
    }

    /// A saved upload after a reload: the browser's `File` is gone, so it can never be sent.
    /// It is kept (failed, not retryable, still persisted) so that its bubble is shown as
    /// [`Delivery::Failed`] instead of vanishing, unless history or the stream shows that it
    /// reached the server before the reload.
    fn restore_lost_upload(&mut self, id: String, saved: &SavedMessage, file: Option<&SavedFile>) {
        let file = file.cloned().unwrap_or_default();
        let file_id = saved.file_id.clone().unwrap_or_default();
        let caption = saved.caption.clone();
        let display = MessageContent::Attachments {
            text: caption.clone(),
            files: vec![Attachment {
                id: Some(file_id.clone()).filter(|f| !f.is_empty()),
                name: file.name.unwrap_or_else(|| "file".to_string()),
                size: file.size,
                mime_type: file.mime_type,
                url: None,
            }],
        };
        if !saved.failed {
            // Still pending at the reload: reported (once) when the history is in.
            self.lost_uploads.push(id.clone());
        }
        self.outbox.push(Outgoing {
            id: id.clone(),
            content: Body::File {
                file_id,
                caption,
                file: None,
            },
            display,
            in_flight: None,
            attempts: 0,
            next_try: None,
            new_session: false,
            failed: true,
            throttled: 0,
        });
        self.own.push((id, Delivery::Failed));
    }

    /// Updates the state of one of the visitor's messages; only moves forward unless `force`.
    fn set_own(&mut self, id: &str, delivery: Delivery, force: bool) {
        let Some(entry) = self.own.iter_mut().find(|(i, _)| i == id) else {
            return;
        };
        let forward = entry.1 == Delivery::Failed || delivery > entry.1;
        if (force || forward) && entry.1 != delivery {
            entry.1 = delivery;
            self.events.push_back(MiawEvent::DeliveryChanged {
                id: id.to_string(),
                delivery,
            });
        }
    }

    fn send_typing(&mut self, started: bool) {
        let (Some(token), Some(conv)) = (self.token.clone(), self.conversation_id.clone()) else {
            return;
        };
        let id = self.alloc();
        let entry_id = self.rng.uuid();
        let req = wire::typing::<J>(
            &self.config.deployment,
            id,
            &token,
            &conv,
            &entry_id,
            started,
        );
        self.start_http(req, Pending::Typing);
    }

    fn stop_typing(&mut self) {
        self.typing_idle_at = None;
        if self.typing_active {
            self.typing_active = false;
            if self.can_send() {
                self.send_typing(false);
            }
        }
    }

    /// The stream is up: its response (or a first byte) arrived, or it neither answered nor
    /// failed for [`MiawConfig::stream_assume_up_ms`].
    fn stream_up(&mut self, now: Millis) {
        self.stream_assume_up_at = None;
        if self.stream == StreamState::Connected {
            return;
        }
        self.stream = StreamState::Connected;
        self.reconnect_attempts = 0;
        self.renewed = false;
        if self.lost_reported {
            self.lost_reported = false;
            self.events.push_back(MiawEvent::ConnectionRestored);
        }
        // After a reconnect the replay may have a gap (its retention is unconfirmed), and
        // a stream that connects after the conversation was created missed what came
        // before it (a bot's greeting, a fast agent; the replay of a stream opened without
        // `Last-Event-Id` is unconfirmed): the history fills it, entries already seen are
        // dropped by id.
        let catch_up = std::mem::take(&mut self.catch_up_on_connect);
        if self.phase == Phase::Open
            && (self.stream_connections > 0 || catch_up)
            && !self.history_in_flight()
        {
            self.request_history();
        }
        self.stream_connections += 1;
        self.flush(now);
    }

    fn open_stream(&mut self, now: Millis) {
        if let Some(old) = self.stream_id.take() {
            self.actions.push_back(MiawAction::CloseStream(old));
        }
        let Some(token) = self.token.clone() else {
            return;
        };
        let id = self.alloc();
        let req = wire::sse(
            &self.config.deployment,
            id,
            &token,
            self.last_event_id.as_deref(),
            now,
        );
        self.parser = SseParser::with_last_event_id(
            self.config.max_event_bytes,
            self.last_event_id.as_deref().unwrap_or(""),
        );
        self.stream_id = Some(id);
        self.stream_gen = self.token_gen;
        self.stream = StreamState::Connecting;
        self.stream_idle_at = self.config.stream_idle_ms.map(|ms| now + ms);
        self.stream_assume_up_at = self.config.stream_assume_up_ms.map(|ms| now + ms);
        self.actions.push_back(MiawAction::OpenStream(req));
    }

    fn report_lost(&mut self) {
        if !self.lost_reported {
            self.lost_reported = true;
            self.events.push_back(MiawEvent::ConnectionLost);
        }
    }

    /// Reconnects after the backoff. Never gives up: the conversation lives on Salesforce's
    /// side, and only Salesforce ends it (after `max_reconnect_attempts` an error is reported
    /// once and the attempts go on at the capped delay).
    fn schedule_reconnect(&mut self, now: Millis) {
        if self.reconnect_attempts == self.config.max_reconnect_attempts {
            self.events.push_back(MiawEvent::Error {
                message: "the connection to the agent is still down; reconnecting".into(),
            });
        }
        let delay = self.backoff(self.reconnect_attempts);
        self.reconnect_attempts += 1;
        self.reconnect_at = Some(now + delay);
    }

    fn remember(&mut self, key: &str) -> bool {
        if key.is_empty() {
            return true;
        }
        if self.seen.iter().any(|s| s == key) {
            return false;
        }
        if self.seen.len() >= SEEN_CAP {
            self.seen.pop_front();
        }
        self.seen.push_back(key.to_string());
        true
    }

    fn on_parsed(&mut self, parsed: Parsed, history: bool, sse_id: &str, now: Millis) {
        let entry = match parsed {
            Parsed::Entry(e) => e,
            Parsed::Skip { event, reason } => {
                if event != "ping" {
                    self.events.push_back(MiawEvent::Skipped { event, reason });
                }
                return;
            }
        };
        if let (Some(ours), Some(theirs)) = (&self.conversation_id, &entry.conversation_id) {
            if !ours.eq_ignore_ascii_case(theirs) {
                return;
            }
        }
        // Replays after a reconnect (and history overlapping the stream) carry the same
        // entry identifier: handle each entry once. Acks share nothing with their message.
        let key = match &entry.kind {
            EntryKind::Delivered { message_id, .. } => format!("d:{message_id}"),
            EntryKind::Read { message_id, .. } => format!("r:{message_id}"),
            // Typing indicators share one identifier scheme with nothing: use the SSE id.
            EntryKind::TypingStarted | EntryKind::TypingStopped if !sse_id.is_empty() => {
                format!("t:{sse_id}")
            }
            EntryKind::TypingStarted | EntryKind::TypingStopped => String::new(),
            _ => entry.identifier.clone(),
        };
        if !self.remember(&key) {
            return;
        }
        let name = entry.sender_name.clone();
        match entry.kind {
            EntryKind::Message {
                message_id,
                content,
                ..
            } => {
                if entry.role == Role::EndUser {
                    let mine = [&entry.identifier, &message_id]
                        .into_iter()
                        .find(|i| self.own.iter().any(|(o, _)| o == *i))
                        .cloned();
                    if let Some(id) = mine {
                        // Echo of our own message: it reached the server.
                        if let Some(pos) = self.outbox.iter().position(|o| o.id == id) {
                            self.outbox.remove(pos);
                        }
                        if history {
                            // Shown below with its state; no separate change event.
                            if let Some(e) = self.own.iter_mut().find(|(o, _)| *o == id) {
                                if e.1 < Delivery::Sent || e.1 == Delivery::Failed {
                                    e.1 = Delivery::Sent;
                                }
                            }
                        } else {
                            self.set_own(&id, Delivery::Sent, false);
                        }
                        if history {
                            self.events.push_back(MiawEvent::Message {
                                id: id.clone(),
                                role: Role::EndUser,
                                sender_name: None,
                                content,
                                timestamp: entry.timestamp,
                                delivery: Some(Delivery::Sent),
                                history,
                            });
                        }
                        return;
                    }
                    self.own.push((entry.identifier.clone(), Delivery::Sent));
                }
                if let Some(n) = &name {
                    self.clear_remote_typing(n);
                }
                if entry.role != Role::EndUser {
                    let key = if entry.identifier.is_empty() {
                        &message_id
                    } else {
                        &entry.identifier
                    };
                    self.track_receipt(key, history);
                }
                self.events.push_back(MiawEvent::Message {
                    id: entry.identifier,
                    role: entry.role,
                    sender_name: name,
                    content,
                    timestamp: entry.timestamp,
                    delivery: (entry.role == Role::EndUser).then_some(Delivery::Sent),
                    history,
                });
            }
            EntryKind::ParticipantChanged(changes) => {
                for c in changes {
                    if c.role == Role::EndUser {
                        continue;
                    }
                    if c.joined {
                        if !self.agents.contains(&c.display_name) {
                            self.agents.push(c.display_name.clone());
                        }
                        self.end_grace_at = None;
                        self.session_over = false;
                        self.wait_deadline = None;
                        self.events.push_back(MiawEvent::AgentJoined {
                            name: c.display_name,
                            role: c.role,
                        });
                    } else {
                        self.agents.retain(|a| *a != c.display_name);
                        self.clear_remote_typing(&c.display_name);
                        if self.agents.is_empty() && !history && !self.session_over {
                            // Perhaps the end (with no status event), perhaps a transfer:
                            // routing or another agent would follow soon.
                            self.end_grace_at = Some(now + self.config.end_grace_ms);
                        }
                        self.events.push_back(MiawEvent::AgentLeft {
                            name: c.display_name,
                            role: c.role,
                        });
                    }
                }
            }
            EntryKind::RoutingResult(r) => {
                // Routing goes on (a transfer, a new session): the agent leaving was no end.
                self.end_grace_at = None;
                if r.failure.is_none() && !history {
                    self.session_over = false;
                }
                if let Some(failure) = r.failure {
                    // No agent is coming: the wait-for-agent offer no longer applies.
                    self.wait_deadline = None;
                    // The type (`RoutingError`, ...) is what the widget explains to the
                    // visitor; the free-text reason is a diagnostic.
                    if let Some(detail) = r.failure_reason.filter(|d| !d.trim().is_empty()) {
                        self.events.push_back(MiawEvent::Error {
                            message: format!("routing failed ({failure}): {detail}"),
                        });
                    }
                    self.events
                        .push_back(MiawEvent::RoutingFailed { reason: failure });
                    return;
                }
                if r.transfer {
                    self.events.push_back(MiawEvent::Transferred);
                }
                if let Some(seconds) = r.estimated_wait_secs {
                    self.events.push_back(MiawEvent::EstimatedWait { seconds });
                }
            }
            EntryKind::TypingStarted | EntryKind::TypingStopped => {
                if entry.role == Role::EndUser || history {
                    return;
                }
                let who = name.unwrap_or_else(|| format!("{:?}", entry.role));
                let started = matches!(entry.kind, EntryKind::TypingStarted);
                let was = self.remote_typing.iter().any(|(n, _)| *n == who);
                self.remote_typing.retain(|(n, _)| *n != who);
                if started {
                    self.remote_typing
                        .push((who.clone(), now + self.config.typing_display_ms));
                }
                if started != was {
                    self.events.push_back(MiawEvent::Typing {
                        name: who,
                        typing: started,
                    });
                }
            }
            EntryKind::Delivered { message_id, .. } => {
                self.confirm_by_ack(&message_id);
                self.set_own(&message_id, Delivery::Delivered, false);
            }
            EntryKind::Read { message_id, .. } => {
                self.confirm_by_ack(&message_id);
                self.set_own(&message_id, Delivery::Read, false);
            }
            EntryKind::Closed => {
                // Not by this page (which ends with `end`, and ignores what follows). Sent by
                // the end user: closed from elsewhere by the same visitor. Else the agent or
                // Salesforce closed it ("Session-Based Chat" ends the conversation with the
                // session). Its end is shown once: not again if the session's end was.
                if !history {
                    let reason = if entry.role == Role::EndUser {
                        EndReason::Visitor
                    } else if self.session_over {
                        EndReason::Closed
                    } else {
                        EndReason::Agent
                    };
                    self.teardown();
                    self.finish(reason);
                }
            }
            EntryKind::SessionStatus(status) => {
                if history {
                    return;
                }
                if wire::is_end_status(&status) {
                    self.session_ended();
                } else {
                    self.events.push_back(MiawEvent::Log {
                        message: format!("session status \"{status}\""),
                    });
                }
            }
        }
    }

    /// An acknowledged message certainly reached the server: drop it from the outbox.
    fn confirm_by_ack(&mut self, id: &str) {
        if let Some(pos) = self.outbox.iter().position(|o| o.id == id) {
            self.outbox.remove(pos);
        }
    }

    /// An agent message arrived (`history`: from the list-entries request of a restore).
    fn track_receipt(&mut self, entry_id: &str, history: bool) {
        if !self.config.send_receipts || entry_id.is_empty() {
            return;
        }
        if self.receipts.iter().any(|r| r.entry_id == entry_id) {
            // Known before a reload (or replayed): acknowledged once only.
            return;
        }
        if history && !self.receipts_restored {
            // Saved without a receipts list: nothing tells which were acknowledged.
            return;
        }
        self.push_receipt(Receipt {
            entry_id: entry_id.to_string(),
            delivery: AckState::Due,
            read: AckState::NotYet,
        });
    }

    fn push_receipt(&mut self, r: Receipt) {
        if self.receipts.len() >= RECEIPTS_CAP {
            self.receipts.remove(0);
        }
        self.receipts.push(r);
    }

    /// Sends the receipts that are due, in one request, when none is in flight or waiting to
    /// be retried (a batch that failed is retried as it was, with the same ack ids).
    fn flush_acks(&mut self, now: Millis) {
        let _ = now;
        if !self.config.send_receipts || self.receipts_off || !self.can_send() {
            return;
        }
        match &self.ack_batch {
            Some(b) if b.in_flight.is_some() || b.next_try.is_some() => return,
            Some(_) => {}
            None => {
                let mut due: Vec<(String, bool)> = Vec::new();
                for r in &mut self.receipts {
                    if r.delivery == AckState::Due {
                        r.delivery = AckState::Sending;
                        due.push((r.entry_id.clone(), false));
                    }
                    if r.read == AckState::Due {
                        r.read = AckState::Sending;
                        due.push((r.entry_id.clone(), true));
                    }
                }
                if due.is_empty() {
                    return;
                }
                let acks = due
                    .into_iter()
                    .map(|(entry_id, read)| wire::AckEntry {
                        id: self.rng.uuid(),
                        read,
                        entry_id,
                    })
                    .collect();
                self.ack_batch = Some(AckBatch {
                    acks,
                    in_flight: None,
                    next_try: None,
                    attempts: 0,
                });
            }
        }
        let id = self.alloc();
        let (Some(token), Some(conv), Some(b)) = (
            self.token.as_deref(),
            self.conversation_id.as_deref(),
            self.ack_batch.as_mut(),
        ) else {
            return;
        };
        b.in_flight = Some(id);
        b.attempts += 1;
        let req = wire::acknowledge_entries::<J>(&self.config.deployment, id, token, conv, &b.acks);
        self.start_http(req, Pending::Ack);
    }

    /// The answer to a batch of receipts: done, retried later (network, 401, 408, 429, 5xx,
    /// up to `max_send_attempts`), or given up without a word (receipts are best-effort). A 404
    /// or 405 means the endpoint is not there: no more receipts in this session.
    fn on_acked(&mut self, result: Result<HttpResponse, HttpError>, now: Millis) {
        let Some(mut batch) = self.ack_batch.take() else {
            return;
        };
        batch.in_flight = None;
        let retry = match result.as_ref().map(|r| r.status) {
            Ok(s) if (200..300).contains(&s) => false,
            Ok(401 | 408 | 429) | Err(_) => true,
            Ok(s) if s >= 500 => true,
            Ok(404 | 405) => {
                self.receipts_off = true;
                false
            }
            Ok(_) => false,
        };
        if retry && batch.attempts < self.config.max_send_attempts {
            batch.next_try = Some(now + self.backoff(batch.attempts - 1));
            self.ack_batch = Some(batch);
            return;
        }
        for a in &batch.acks {
            if let Some(r) = self.receipts.iter_mut().find(|r| r.entry_id == a.entry_id) {
                if a.read {
                    r.read = AckState::Done;
                } else {
                    r.delivery = AckState::Done;
                }
            }
        }
        // Receipts that became due meanwhile.
        self.flush_acks(now);
    }

    fn clear_remote_typing(&mut self, name: &str) {
        let before = self.remote_typing.len();
        self.remote_typing.retain(|(n, _)| n != name);
        if self.remote_typing.len() != before {
            self.events.push_back(MiawEvent::Typing {
                name: name.to_string(),
                typing: false,
            });
        }
    }

    /// Stops everything: stream closed, requests aborted, no deadlines.
    fn teardown(&mut self) {
        if let Some(id) = self.stream_id.take() {
            self.actions.push_back(MiawAction::CloseStream(id));
        }
        for (id, _, _) in std::mem::take(&mut self.pending) {
            self.actions
                .push_back(MiawAction::Http(HttpAction::Abort(id)));
        }
        self.stream = StreamState::Down;
        self.stream_idle_at = None;
        self.end_grace_at = None;
        self.reconnect_at = None;
        self.create_retry_at = None;
        self.wait_deadline = None;
        self.typing_idle_at = None;
        self.typing_active = false;
        self.remote_typing.clear();
        for o in &mut self.outbox {
            o.next_try = None;
            o.in_flight = None;
        }
        if let Some(b) = &mut self.ack_batch {
            b.next_try = None;
            b.in_flight = None;
        }
    }

    fn finish(&mut self, reason: EndReason) {
        self.phase = Phase::Ended;
        // Unsent messages will never be sent now.
        let unsent: Vec<String> = self.outbox.drain(..).map(|o| o.id).collect();
        for id in unsent {
            self.set_own(&id, Delivery::Failed, true);
        }
        self.events.push_back(MiawEvent::Ended { reason });
    }
}

/// A failure worth retrying: no answer (network error, aborted, timed out), 408, 429 or 5xx.
fn transient(result: &Result<HttpResponse, HttpError>) -> bool {
    match result {
        Ok(r) => r.status == 408 || r.status == 429 || r.status >= 500,
        Err(_) => true,
    }
}

/// The visitor's bubble for a file.
fn file_display(file_id: &str, file: &FileRef, caption: Option<String>) -> MessageContent {
    MessageContent::Attachments {
        text: caption,
        files: vec![Attachment {
            id: Some(file_id.to_string()),
            name: file.name.clone(),
            size: Some(file.size),
            mime_type: Some(file.mime_type.clone()).filter(|m| !m.is_empty()),
            url: None,
        }],
    }
}

/// A file that can no longer be sent (rejected, or lost in a reload).
fn is_lost(content: &Body) -> bool {
    matches!(content, Body::File { file: None, .. })
}

/// How an outbox entry is named in error messages.
fn describe(o: &Outgoing) -> String {
    match (&o.content, &o.display) {
        (Body::File { .. }, MessageContent::Attachments { files, .. }) if !files.is_empty() => {
            format!("file \"{}\" (message {})", files[0].name, o.id)
        }
        _ => format!("message {}", o.id),
    }
}
