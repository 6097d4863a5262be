//! The Chat REST API's bodies as typed models (`live-agent.md` §4, §7).
//!
//! Requests derive `Serialize` (the session encodes them with its [`crate::codec::Json`]);
//! their members are written in the order the spec's examples show them, and the optional ones
//! only when present. Responses derive `Deserialize` and read every member tolerantly
//! ([`crate::loose`]): an object always decodes, a member of the wrong type reads as absent, and
//! what is required is checked afterwards, in Rust, by the session (which logs what it skips).
//! Both directions derive the other trait too, for the round-trip tests; what the browser build
//! never calls costs it nothing.
//!
//! The long poll's messages share one wide body, [`MessageBody`]: the union of the members of
//! every message type the session reads. The session dispatches on the item's `type` in Rust
//! (`event.rs`); a type it does not know is skipped, never an error. No untagged, internally
//! tagged or flattened serde types: they buffer through serde's `Content`, which the wasm
//! budget cannot afford.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::config::{LiveChatConfig, PrechatDetail, PrechatEntity};
use crate::loose::{self, Item};

// ----- requests ---------------------------------------------------------------------------------

/// `POST Chasitor/ChasitorInit` (§4.2): the chat request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChasitorInit {
    pub organization_id: String,
    pub deployment_id: String,
    pub button_id: String,
    /// Direct-to-agent routing (not configurable yet: never sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// With `agentId`: fall back to the button's queue (never sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_fallback: Option<bool>,
    pub session_id: String,
    pub user_agent: String,
    pub language: String,
    pub screen_resolution: String,
    pub visitor_name: String,
    pub prechat_details: Vec<PrechatDetail>,
    pub prechat_entities: Vec<PrechatEntity>,
    /// Sent only when not empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub button_overrides: Vec<String>,
    pub receive_queue_updates: bool,
    pub is_post: bool,
}

impl ChasitorInit {
    /// The chat request of `config` for session `session_id`.
    pub fn new(config: &LiveChatConfig, session_id: &str) -> Self {
        ChasitorInit {
            organization_id: config.organization_id.clone(),
            deployment_id: config.deployment_id.clone(),
            button_id: config.button_id.clone(),
            agent_id: None,
            do_fallback: None,
            session_id: session_id.to_string(),
            user_agent: config.user_agent.clone(),
            language: config.language.clone(),
            screen_resolution: config.screen_resolution.clone(),
            visitor_name: config.visitor_name.clone(),
            prechat_details: config.prechat_details.clone(),
            prechat_entities: config.prechat_entities.clone(),
            button_overrides: config.button_overrides.clone(),
            receive_queue_updates: true,
            is_post: true,
        }
    }
}

/// `POST Chasitor/ChatMessage` (§4.5): a visitor message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatMessage {
    pub text: String,
}

/// The body of `POST Chasitor/ChasitorTyping` and `Chasitor/ChasitorNotTyping` (§4.5): `{}`
/// (the docs say "none"; an empty object is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmptyBody {}

/// `POST Chasitor/ChasitorTyping`.
pub type ChasitorTyping = EmptyBody;
/// `POST Chasitor/ChasitorNotTyping`.
pub type ChasitorNotTyping = EmptyBody;

/// `POST Chasitor/ChasitorSneakPeek` (§4.5): the composer text as the visitor types it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChasitorSneakPeek {
    /// Length of `text` in characters.
    pub position: u64,
    pub text: String,
}

/// `POST Chasitor/ChatEnd` (§4.5): the visitor ends the chat; `reason` is required (`client`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatEnd {
    pub reason: String,
}

impl ChatEnd {
    /// `{"reason": "client"}`.
    pub fn client() -> Self {
        ChatEnd {
            reason: "client".to_string(),
        }
    }
}

/// `POST Chasitor/ChasitorResyncState` (§4.4), after a `ReconnectSession`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChasitorResyncState {
    pub organization_id: String,
}

// ----- responses --------------------------------------------------------------------------------

/// `GET System/SessionId` (§4.1). The session requires `id`, `key` and `affinityToken`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionIdAnswer {
    /// `X-LIVEAGENT-SESSION-KEY`: a secret, never logged.
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub affinity_token: Option<String>,
    /// Seconds.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub client_poll_timeout: Option<u64>,
}

/// A `{"messages": [...]}` answer: `System/Messages` (§4.3, with `sequence` and `offset`),
/// `System/ReconnectSession` (§4.4) and `Visitor/Availability` (§4.6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Messages {
    /// `None` when absent or not an array; an item that is not an object is `Item(None)`.
    #[serde(
        deserialize_with = "present_items",
        serialize_with = "write_items",
        skip_serializing_if = "Option::is_none"
    )]
    pub messages: Option<Vec<Item<Message>>>,
    /// The next poll's `ack`.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// Kept for `ReconnectSession`.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Messages {
    /// The items that are objects, in order.
    pub fn items(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter().flatten().filter_map(|i| i.0.as_ref())
    }

    /// The body of the first item of type `kind`; `None` if there is none or its `message` is
    /// not an object.
    pub fn first(&self, kind: &str) -> Option<&MessageBody> {
        let item = self.items().find(|m| m.kind.as_deref() == Some(kind))?;
        item.message.as_ref()?.0.as_ref()
    }

    /// A `Visitor/Availability` answer: `Some(available)` for the button or agent `id` (15- and
    /// 18-character forms match), `None` if unreadable. An entity that is not available comes
    /// without `isAvailable`.
    pub fn availability(&self, id: &str) -> Option<bool> {
        let results = self.first("Availability")?.results.as_ref()?;
        let entry = results.iter().filter_map(|r| r.0.as_ref()).find(|r| {
            r.id.as_deref().is_some_and(|rid| {
                rid == id
                    || (rid.len() >= 15 && id.starts_with(rid))
                    || (id.len() >= 15 && rid.starts_with(id))
            })
        });
        Some(entry.and_then(|e| e.is_available) == Some(true))
    }
}

/// One `{"type": ..., "message": {...}}` item (§7).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Message {
    #[serde(
        rename = "type",
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// `None`: absent or `null` (read as an empty body); `Some(Item(None))`: not an object.
    #[serde(serialize_with = "write_item", skip_serializing_if = "Option::is_none")]
    pub message: Option<Item<MessageBody>>,
}

/// The members of every message type the session reads (§7), each `None`/empty when absent or
/// of the wrong type. Which ones a type uses:
/// - `ChatRequestSuccess`: `queuePosition`, `estimatedWaitTime`, `connectionTimeout`;
/// - `ChatRequestFail`, `ChatEnded`: `reason`;
/// - `QueueUpdate`: `position`, `estimatedWaitTime`;
/// - `ChatEstablished`, `ChatTransferred`: `name`, `userId`, `sneakPeekEnabled`;
/// - `ChatMessage`: `name`, `text`, `agentId` (`AgentTyping`/`AgentNotTyping` may carry
///   `name` and `agentId`, unused);
/// - `ChasitorIdleTimeoutWarningEvent`: `idleTimeoutWarningEvent`;
/// - `ChasitorSessionData`: `queuePosition`, `sneakPeekEnabled`, `chatMessages`;
/// - `CustomEvent`: `type`, `data`; `FileTransfer`: `type`;
/// - `ReconnectSession`: `affinityToken`, `resetSequence`;
/// - `Availability`: `results`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MessageBody {
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<u64>,
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub position: Option<u64>,
    /// Seconds; `-1` when unknown (§6).
    #[serde(
        deserialize_with = "loose::i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub estimated_wait_time: Option<i64>,
    /// Milliseconds.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub connection_timeout: Option<u64>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    #[serde(
        deserialize_with = "loose::bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub sneak_peek_enabled: Option<bool>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub text: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub agent_id: Option<String>,
    /// `triggered` or `cleared`.
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub idle_timeout_warning_event: Option<String>,
    /// The transcript so far; items that are not objects are dropped.
    #[serde(
        deserialize_with = "loose::list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub chat_messages: Vec<TranscriptEntry>,
    /// `CustomEvent`'s event type; `FileTransfer`'s `Requested`, `Canceled`, ...
    #[serde(
        rename = "type",
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub affinity_token: Option<String>,
    #[serde(
        deserialize_with = "loose::bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub reset_sequence: Option<bool>,
    /// `None` when absent or not an array.
    #[serde(
        deserialize_with = "present_items",
        serialize_with = "write_items",
        skip_serializing_if = "Option::is_none"
    )]
    pub results: Option<Vec<Item<AvailabilityResult>>>,
}

/// A `TranscriptEntry` of `ChasitorSessionData.chatMessages`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TranscriptEntry {
    /// `Agent`, `Chasitor` or `OperatorTransferred`.
    #[serde(
        rename = "type",
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub content: Option<String>,
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
}

/// One of `Availability.results`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AvailabilityResult {
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(
        deserialize_with = "loose::bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_available: Option<bool>,
}

// ----- tolerant pieces --------------------------------------------------------------------------

/// `Number.MAX_SAFE_INTEGER` (2^53 - 1): the largest count the browser's codec writes back.
pub(crate) const MAX_SAFE: u64 = (1 << 53) - 1;

/// A count or duration: a non-negative whole number up to `Number.MAX_SAFE_INTEGER` (what
/// JavaScript holds exactly, and small enough that the session's arithmetic on it cannot
/// overflow); else `None`.
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(loose::u64(d)?.filter(|n| *n <= MAX_SAFE))
}

/// A list that may be absent: `None` when the member is not an array; items as [`Item`]s.
fn present_items<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<Item<T>>>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Option<Vec<Item<T>>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Item<T>>()? {
                items.push(item);
            }
            Ok(Some(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        crate::loose::otherwise!(None);
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// Writes the items that are objects (the others have nothing left to write).
fn write_items<S: Serializer, T: Serialize>(
    items: &Option<Vec<Item<T>>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(items.iter().flatten().filter_map(|i| i.0.as_ref()))
}

/// Writes a nested object, or `null` for one that was not an object.
fn write_item<S: Serializer, T: Serialize>(
    item: &Option<Item<T>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match item {
        Some(Item(Some(t))) => t.serialize(s),
        _ => s.serialize_unit(),
    }
}
