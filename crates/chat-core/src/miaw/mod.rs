//! Messaging for In-App and Web (MIAW) client session (issue 4): the pure protocol core.
//!
//! - [`sse`]: incremental `text/event-stream` parser (WHATWG rules, size cap).
//! - [`wire`]: request builders and SSE event-data parsing, per `shared/spec/miaw.md`.
//! - [`session`]: [`MiawSession`], the state machine the browser layer drives.
//!
//! Like the rest of the core: no I/O, no clock, no randomness source. Time (`now`) and a
//! PRNG seed are inputs; the browser layer seeds [`session::MiawSession::new`] from
//! `crypto.getRandomValues`.

pub mod sse;

pub use sse::{SseEvent, SseItem, SseParser};
pub mod session;
pub mod wire;

pub use session::{
    Delivery, EndReason, MiawAction, MiawConfig, MiawEvent, MiawSession, StreamError,
};
pub use wire::{Deployment, MessageContent, Role};
