//! What a Live Chat session saves to resume after a page reload ([`LiveChatSaved`]).
//!
//! The JSON is the one version 1 of the widget wrote (camelCase members, absent values as
//! `null`, in this order), so a state saved by an older release restores. Reading it is as
//! tolerant as before: the members a session cannot resume without (`version`, `id`, `key`,
//! `affinity`, `clientPollTimeoutMs`, `nextSequence`, `ack`, `phase`, `outbox`, each item's
//! `kind`) fail the decoding when absent or of the wrong type; the others read as absent.
//! [`super::LiveChatSession::restore`] checks the rest (the version, what each kind of item
//! needs).

use serde::de::{Deserializer, Error};
use serde::{Deserialize, Serialize};

use super::model::count;
use crate::loose;

/// A Live Chat session as [`super::LiveChatSession::persist`] saves it. It holds the session
/// key: keep it where the page keeps the chat (sessionStorage), never in logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveChatSaved {
    /// `1`; another version is not restored.
    #[serde(deserialize_with = "required_count")]
    pub version: u64,
    /// The chat's session id.
    #[serde(deserialize_with = "required_text")]
    pub id: String,
    /// `X-LIVEAGENT-SESSION-KEY`.
    #[serde(deserialize_with = "required_text")]
    pub key: String,
    /// `X-LIVEAGENT-AFFINITY`.
    #[serde(deserialize_with = "required_text")]
    pub affinity: String,
    #[serde(deserialize_with = "required_count")]
    pub client_poll_timeout_ms: u64,
    /// The next `X-LIVEAGENT-SEQUENCE`.
    #[serde(deserialize_with = "required_count")]
    pub next_sequence: u64,
    /// The next poll's `ack` (`-1` before the first 200).
    #[serde(deserialize_with = "required_whole")]
    pub ack: i64,
    /// For `ReconnectSession`.
    #[serde(default, deserialize_with = "count")]
    pub offset: Option<u64>,
    /// `ChatRequestSuccess.connectionTimeout`.
    #[serde(default, deserialize_with = "count")]
    pub connection_timeout_ms: Option<u64>,
    pub phase: SavedPhase,
    #[serde(default, deserialize_with = "loose::text")]
    pub agent_name: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub agent_id: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub sneak_peek: bool,
    /// The last local message id given (`lc<n>`).
    #[serde(default, deserialize_with = "count_or_zero")]
    pub next_local: u64,
    /// Saved mid-reconnect: what was cut off is checked against `ChasitorSessionData` first.
    #[serde(default, deserialize_with = "flag")]
    pub awaiting_session_data: bool,
    /// Visitor actions not yet accepted by the server, in order.
    pub outbox: Vec<SavedOut>,
}

/// The phase a saved session resumes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SavedPhase {
    /// `ChasitorInit` accepted, no answer on the long poll yet.
    Requesting,
    Queued,
    Chatting,
}

/// A visitor action waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedOut {
    pub kind: SavedOutKind,
    /// `message`: required.
    #[serde(default, deserialize_with = "loose::text")]
    pub local_id: Option<String>,
    /// `message` and `sneakPeek`: required.
    #[serde(default, deserialize_with = "loose::text")]
    pub text: Option<String>,
    /// `sneakPeek`: required.
    #[serde(default, deserialize_with = "count")]
    pub position: Option<u64>,
    /// The `X-LIVEAGENT-SEQUENCE` it was (perhaps) sent with.
    #[serde(default, deserialize_with = "count")]
    pub seq: Option<u64>,
    /// Sent under a numbering a reconnect reset.
    #[serde(default, deserialize_with = "flag")]
    pub uncertain: bool,
}

/// What a [`SavedOut`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SavedOutKind {
    /// `Chasitor/ChatMessage`.
    Message,
    /// `Chasitor/ChasitorTyping`.
    Typing,
    /// `Chasitor/ChasitorNotTyping`.
    NotTyping,
    /// `Chasitor/ChasitorSneakPeek`.
    SneakPeek,
    /// `Chasitor/ChatEnd`.
    End,
}

fn required_count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    count(d)?.ok_or_else(|| D::Error::custom("a whole number up to 2^53 - 1"))
}

fn count_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(count(d)?.unwrap_or(0))
}

fn required_whole<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    loose::i64(d)?.ok_or_else(|| D::Error::custom("a whole number"))
}

fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    loose::text(d)?.ok_or_else(|| D::Error::custom("a string"))
}

/// `true` only for `true`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(loose::bool(d)? == Some(true))
}
