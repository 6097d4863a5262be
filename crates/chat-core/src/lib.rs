//! # chat-core
//!
//! The pure core of the chat widget. Nothing in this crate performs I/O, reads a clock, spawns a
//! task or touches the browser: every input arrives through a `handle_*` call (visitor intents,
//! HTTP results, timeouts with `now` passed in) and every output is drained with a `poll_*` call
//! (HTTP actions to perform, events for the UI and host page, state to persist) or read with
//! [`Chat::next_deadline`]. The browser layer (`src/driver.rs` of the widget crate) performs them.

pub mod bot;
pub mod brand;
pub mod chat;
pub mod codec;
pub mod config;
mod demo;
pub mod error;
pub mod handoff;
pub mod http;
pub mod livechat;
pub mod loose;
pub mod messages;
pub mod miaw;
pub mod tabs;
pub mod transcript;

pub use chat::{Chat, ChatEvent, Environment, HandoffRequest};
pub use codec::{DecodeError, Json};
pub use config::{Loaded, WidgetConfig};
pub use error::ConfigError;
pub use http::{
    FileRef, HttpAction, HttpError, HttpRequest, HttpResponse, Method, RequestId, StreamError,
    UploadRequest,
};
pub use messages::{Catalogue, LanguageData, MsgKey};
/// An insertion-ordered string map: host-page variables, hidden fields, routing attributes,
/// the bot's context. Written as a JSON object in that order.
pub type Pairs<V = String> = indexmap::IndexMap<String, V>;
pub use transcript::{Author, FileInfo, Message, Millis, QuickReply, Status};
