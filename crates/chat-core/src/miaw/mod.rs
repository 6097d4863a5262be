//! Messaging for In-App and Web (MIAW) client session (issue 4): the pure protocol core.
//!
//! - [`sse`]: incremental `text/event-stream` parser (WHATWG rules, size cap).
//! - [`model`]: the typed serde models of every body sent and read (tolerant decoding: a member
//!   of the wrong type reads as absent), and [`MiawSaved`], the state saved across a reload.
//! - [`wire`]: request builders and response / SSE event-data parsing, per
//!   `shared/spec/miaw.md`, over those models.
//! - [`session`]: [`MiawSession`], the state machine the browser layer drives.
//!
//! Like the rest of the core: no I/O, no clock, no randomness source. Time (`now`) and a
//! PRNG seed are inputs: the browser layer seeds [`MiawSession::new`] with 8 bytes from
//! `crypto.getRandomValues` (conversation / message / entry UUIDs and reconnect jitter come
//! from that PRNG).
//!
//! Driving a session (browser layer):
//!
//! 1. `MiawSession::new(config, seed)`; then `start(routing_attributes, now)` for a new chat,
//!    or `restore(saved, now)` with what [`MiawSession::persist`] returned before a reload
//!    (`restore_text(&json, now)` from its JSON text).
//!    Verified users: `set_identity_token(jwt, now)` (before `start`, or when
//!    [`MiawEvent::IdentityTokenNeeded`] is emitted).
//! 2. After every call, drain [`MiawSession::poll_action`]:
//!    - `MiawAction::Http(HttpAction::Start(req))`: `fetch` it, then
//!      `handle_http(req.id, result, now)`; `Abort(id)`: abort it (no result expected).
//!    - `MiawAction::Http(HttpAction::Upload(req))`: build a `FormData` with the JSON part
//!      `req.json_part` (a `Blob` of type `application/json`) and the `File` held under
//!      `req.file.handle` as part `req.file_part` (with its file name), POST it to `req.url`
//!      with `req.headers` (no `Content-Type`: `FormData` sets it), then `handle_http` as above.
//!    - `MiawAction::OpenStream(req)`: `fetch` with a streaming body; when a 200 arrives call
//!      `handle_stream_chunk(req.id, &[], now)`, then once per body chunk; when it ends call
//!      `handle_stream_closed(req.id, None | Some(StreamError::…), now)` (a non-200 status is
//!      `StreamError::Status(code)`).
//!    - `MiawAction::CloseStream(id)`: abort that fetch.
//! 3. Drain [`MiawSession::poll_event`] into the UI / host-page events, save
//!    [`MiawSession::persist`] in `sessionStorage` as JSON (remove the key when it is `None`), and arm
//!    one timer for [`MiawSession::next_deadline`] that calls `handle_timeout(now)`.
//! 4. Visitor intents: `send_text`, `send_choice`, `send_file`, `retry`, `typing`,
//!    `keep_waiting`, `end`, and `mark_read` whenever the visitor can see the messages (with
//!    [`MiawConfig::send_receipts`]: read receipts for the agents' messages). Messages may be sent as soon as `start` was called (e.g. the bot
//!    transcript as the first visitor message): they are queued until the conversation exists
//!    and the stream is up. Keep a `File` passed to `send_file` until its message is `Sent`
//!    (or later) or the session ends; it may be uploaded again on a retry.
//!
//! Persistence of uploads: a reload loses the `File` objects, so an upload still pending when
//! the state was saved comes back from `restore` as [`Delivery::Failed`] (bubble shown with
//! `Failed`, plus a [`MiawEvent::Error`]), unless the history shows it reached the server. It
//! is never resent and cannot be retried. See [`session`] ("File uploads").

pub mod model;
pub mod session;
pub mod sse;
pub mod wire;

pub use model::MiawSaved;
pub use session::{
    Delivery, EndReason, MiawAction, MiawConfig, MiawEvent, MiawSession, StreamError,
};
pub use sse::{SseEvent, SseItem, SseParser};
pub use wire::{Attachment, ChoiceOption, ChoicesFormat, Deployment, MessageContent, Role};
