//! One conversation per visitor across the site's tabs (`tabs: "shared"`, the default).
//!
//! The conversation is saved in shared storage (`localStorage`). Exactly one tab, the
//! **owner**, runs it: it holds the connection to the bot server and to the agent (the MIAW
//! event stream or the Live Chat long poll), makes every request and writes the saved state.
//! The browser layer elects the owner (Web Locks, else a lease in storage). Every other tab
//! is a **mirror**: it shows the saved state (rebuilt with [`crate::Chat::new`] +
//! `handle_start` each time the owner writes it, its requests never performed) and sends what
//! the visitor does there to the owner as an [`Intent`] over a `BroadcastChannel`
//! ([`TabMessage`]). When the owner tab closes, another tab becomes the owner and resumes the
//! saved conversation exactly like a reload does (continuation token and stream from the last
//! event id, or the Live Chat session with its sequence numbers).
//!
//! Nothing typed in a mirror is lost or applied twice: a mirror keeps each intent in its
//! [`Forwarder`] until the owner acknowledges it, sends it again when a new owner announces
//! itself (or after [`RESEND_MS`]), and applies its own leftovers when it becomes the owner.
//! The owner remembers the ids of the intents it applied in the saved state
//! ([`crate::Chat::handle_intent`]), so a repeat is acknowledged and skipped even by the next
//! owner.

use crate::http::FileRef;
use serde::{Deserialize, Serialize};

use crate::codec::Json;
use crate::loose;
use crate::transcript::Millis;
use crate::Pairs;

/// A mirror sends an unacknowledged intent again after this long.
pub const RESEND_MS: Millis = 1_000;
/// How many applied intent ids the saved state remembers.
pub const REMEMBERED_INTENTS: usize = 64;

/// Something the visitor (or the host page) did in a tab, to be applied by the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Send {
        text: String,
    },
    QuickReply {
        message_id: String,
        index: usize,
    },
    Retry {
        message_id: String,
    },
    End,
    /// "Start a new chat" (`session_id`: the new bot session id).
    Restart {
        session_id: String,
    },
    PrechatSubmit {
        values: Pairs,
    },
    PrechatCancel,
    ComposerText {
        text: String,
    },
    /// A file: its metadata travels here, the `File` itself beside the message (the browser
    /// clones it); `file.handle` is the receiving tab's own handle.
    SendFile {
        file: FileRef,
    },
    SetVariables {
        vars: Pairs,
    },
    SetHiddenFields {
        fields: Pairs,
    },
    IdentityToken {
        jwt: String,
    },
    /// The visitor sees the conversation in that tab (read receipts).
    Seen,
}

/// An intent on the wire: one wide, tolerant object (`kind` says which fields count).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IntentWire {
    #[serde(deserialize_with = "loose::text")]
    pub kind: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub text: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub message_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::u64"
    )]
    pub index: Option<u64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub session_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::some_pairs"
    )]
    pub values: Option<Pairs>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub name: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::u64"
    )]
    pub size: Option<u64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub mime_type: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::some_pairs"
    )]
    pub vars: Option<Pairs>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::some_pairs"
    )]
    pub fields: Option<Pairs>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    pub jwt: Option<String>,
}

impl Intent {
    /// Typing and "seen": sent once, never kept until acknowledged nor remembered (a lost one
    /// is replaced by the next keystroke or the next look), so they crowd out nothing.
    pub fn is_ephemeral(&self) -> bool {
        matches!(self, Intent::ComposerText { .. } | Intent::Seen)
    }

    pub fn to_wire(&self) -> IntentWire {
        let s = |v: &str| Some(v.to_string());
        let (kind, wire) = match self {
            Intent::Send { text } => (
                "send",
                IntentWire {
                    text: s(text),
                    ..Default::default()
                },
            ),
            Intent::QuickReply { message_id, index } => (
                "quickReply",
                IntentWire {
                    message_id: s(message_id),
                    index: Some(*index as u64),
                    ..Default::default()
                },
            ),
            Intent::Retry { message_id } => (
                "retry",
                IntentWire {
                    message_id: s(message_id),
                    ..Default::default()
                },
            ),
            Intent::End => ("end", IntentWire::default()),
            Intent::Restart { session_id } => (
                "restart",
                IntentWire {
                    session_id: s(session_id),
                    ..Default::default()
                },
            ),
            Intent::PrechatSubmit { values } => (
                "prechatSubmit",
                IntentWire {
                    values: Some(values.clone()),
                    ..Default::default()
                },
            ),
            Intent::PrechatCancel => ("prechatCancel", IntentWire::default()),
            Intent::ComposerText { text } => (
                "composerText",
                IntentWire {
                    text: s(text),
                    ..Default::default()
                },
            ),
            Intent::SendFile { file } => (
                "sendFile",
                IntentWire {
                    name: s(&file.name),
                    size: Some(file.size),
                    mime_type: s(&file.mime_type),
                    ..Default::default()
                },
            ),
            Intent::SetVariables { vars } => (
                "setVariables",
                IntentWire {
                    vars: Some(vars.clone()),
                    ..Default::default()
                },
            ),
            Intent::SetHiddenFields { fields } => (
                "setHiddenFields",
                IntentWire {
                    fields: Some(fields.clone()),
                    ..Default::default()
                },
            ),
            Intent::IdentityToken { jwt } => (
                "identityToken",
                IntentWire {
                    jwt: s(jwt),
                    ..Default::default()
                },
            ),
            Intent::Seen => ("seen", IntentWire::default()),
        };
        IntentWire {
            kind: s(kind),
            ..wire
        }
    }

    /// Reads an intent; `None` for anything malformed or unknown (a newer widget version in
    /// another tab): it is then acknowledged and dropped by the owner, never applied wrongly.
    pub fn from_wire(v: IntentWire) -> Option<Intent> {
        Some(match v.kind.as_deref()? {
            "send" => Intent::Send { text: v.text? },
            "quickReply" => Intent::QuickReply {
                message_id: v.message_id?,
                index: usize::try_from(v.index?).ok()?,
            },
            "retry" => Intent::Retry {
                message_id: v.message_id?,
            },
            "end" => Intent::End,
            "restart" => Intent::Restart {
                session_id: v.session_id?,
            },
            "prechatSubmit" => Intent::PrechatSubmit {
                values: v.values.unwrap_or_default(),
            },
            "prechatCancel" => Intent::PrechatCancel,
            "composerText" => Intent::ComposerText { text: v.text? },
            "sendFile" => Intent::SendFile {
                file: FileRef {
                    handle: 0,
                    name: v.name?,
                    size: v.size?,
                    mime_type: v.mime_type.unwrap_or_default(),
                },
            },
            "setVariables" => Intent::SetVariables {
                vars: v.vars.unwrap_or_default(),
            },
            "setHiddenFields" => Intent::SetHiddenFields {
                fields: v.fields.unwrap_or_default(),
            },
            "identityToken" => Intent::IdentityToken { jwt: v.jwt? },
            "seen" => Intent::Seen,
            _ => return None,
        })
    }
}

/// What tabs say to each other over the `BroadcastChannel` (as JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabMessage {
    /// A mirror asks the owner to apply an intent (`intent: None`: one this version cannot
    /// read; acknowledged and dropped).
    Intent { id: String, intent: Option<Intent> },
    /// The owner applied intent `id` (or had already applied it).
    Ack { id: String },
    /// A tab became the owner: mirrors send it what is still unacknowledged.
    Owner,
}

/// A [`TabMessage`] on the wire: `{"type": "intent" | "ack" | "owner", "id"?, "intent"?}`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct TabWire {
    #[serde(rename = "type", deserialize_with = "loose::text")]
    kind: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::text"
    )]
    id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::object"
    )]
    intent: Option<IntentWire>,
}

impl TabMessage {
    pub fn to_json<J: Json>(&self) -> String {
        let kind = |k: &str| Some(k.to_string());
        J::encode(&match self {
            TabMessage::Intent { id, intent } => TabWire {
                kind: kind("intent"),
                id: Some(id.clone()),
                intent: intent.as_ref().map(Intent::to_wire),
            },
            TabMessage::Ack { id } => TabWire {
                kind: kind("ack"),
                id: Some(id.clone()),
                intent: None,
            },
            TabMessage::Owner => TabWire {
                kind: kind("owner"),
                ..Default::default()
            },
        })
    }

    /// `None` for text that is not a message of ours.
    pub fn from_json<J: Json>(text: &str) -> Option<TabMessage> {
        let v = J::decode::<crate::loose::Item<TabWire>>(text).ok()?.0?;
        Some(match v.kind.as_deref()? {
            "intent" => TabMessage::Intent {
                id: v.id?,
                intent: v.intent.and_then(Intent::from_wire),
            },
            "ack" => TabMessage::Ack { id: v.id? },
            "owner" => TabMessage::Owner,
            _ => return None,
        })
    }
}

/// A mirror's intents on their way to the owner, kept until acknowledged.
#[derive(Debug, Default)]
pub struct Forwarder {
    pending: Vec<(String, Intent, Millis)>,
}

impl Forwarder {
    /// Queues `intent` (with a fresh random `id`) and returns the message to post now.
    pub fn forward(&mut self, id: String, intent: Intent, now: Millis) -> TabMessage {
        if !intent.is_ephemeral() {
            self.pending.push((id.clone(), intent.clone(), now));
        }
        TabMessage::Intent {
            id,
            intent: Some(intent),
        }
    }

    /// The owner acknowledged `id`.
    pub fn acked(&mut self, id: &str) {
        self.pending.retain(|(i, _, _)| i != id);
    }

    /// The messages to post again: all of them when a new owner announced itself (`all`),
    /// else those unacknowledged for [`RESEND_MS`] (the owner may be gone, or busy loading).
    pub fn resend(&mut self, all: bool, now: Millis) -> Vec<TabMessage> {
        self.pending
            .iter_mut()
            .filter(|(_, _, at)| all || now >= *at + RESEND_MS)
            .map(|(id, intent, at)| {
                *at = now;
                TabMessage::Intent {
                    id: id.clone(),
                    intent: Some(intent.clone()),
                }
            })
            .collect()
    }

    /// This tab became the owner: it applies what it still holds itself.
    pub fn take_all(&mut self) -> Vec<(String, Intent)> {
        self.pending
            .drain(..)
            .map(|(id, intent, _)| (id, intent))
            .collect()
    }

    /// When [`Forwarder::resend`] has something to send again.
    pub fn next_deadline(&self) -> Option<Millis> {
        self.pending.iter().map(|(_, _, at)| at + RESEND_MS).min()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}
