//! # chat-core
//!
//! The pure core of the chat widget. Nothing in this crate performs I/O, reads a clock, spawns a
//! task or touches the browser: every input arrives through a `handle_*` call (visitor intents,
//! HTTP results, timeouts with `now` passed in) and every output is drained with a `poll_*` call
//! (HTTP requests to perform, events for the UI, state to persist, the next deadline).
//! The browser layer (`src/driver.rs` of the widget crate) performs the outputs.

pub mod error;
pub mod messages;

pub use error::ConfigError;
pub use messages::{Catalogue, MsgKey};
