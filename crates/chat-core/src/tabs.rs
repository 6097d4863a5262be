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
use crate::json::Value;
use crate::pairs::Pairs;
use crate::transcript::Millis;

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

fn pairs_value(p: &Pairs) -> Value {
    Value::object(p.iter().map(|(k, v)| (k, Value::from(v.as_str()))))
}

fn pairs_from(v: Option<&Value>) -> Pairs {
    match v {
        Some(Value::Object(o)) => o
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        _ => Pairs::new(),
    }
}

impl Intent {
    /// Typing and "seen": sent once, never kept until acknowledged nor remembered (a lost one
    /// is replaced by the next keystroke or the next look), so they crowd out nothing.
    pub fn is_ephemeral(&self) -> bool {
        matches!(self, Intent::ComposerText { .. } | Intent::Seen)
    }

    pub fn to_value(&self) -> Value {
        let s = |v: &str| Value::from(v);
        let (kind, members): (&str, Vec<(&str, Value)>) = match self {
            Intent::Send { text } => ("send", vec![("text", s(text))]),
            Intent::QuickReply { message_id, index } => (
                "quickReply",
                vec![
                    ("messageId", s(message_id)),
                    ("index", Value::from(*index as u64)),
                ],
            ),
            Intent::Retry { message_id } => ("retry", vec![("messageId", s(message_id))]),
            Intent::End => ("end", vec![]),
            Intent::Restart { session_id } => ("restart", vec![("sessionId", s(session_id))]),
            Intent::PrechatSubmit { values } => {
                ("prechatSubmit", vec![("values", pairs_value(values))])
            }
            Intent::PrechatCancel => ("prechatCancel", vec![]),
            Intent::ComposerText { text } => ("composerText", vec![("text", s(text))]),
            Intent::SendFile { file } => (
                "sendFile",
                vec![
                    ("name", s(&file.name)),
                    ("size", Value::from(file.size)),
                    ("mimeType", s(&file.mime_type)),
                ],
            ),
            Intent::SetVariables { vars } => ("setVariables", vec![("vars", pairs_value(vars))]),
            Intent::SetHiddenFields { fields } => {
                ("setHiddenFields", vec![("fields", pairs_value(fields))])
            }
            Intent::IdentityToken { jwt } => ("identityToken", vec![("jwt", s(jwt))]),
            Intent::Seen => ("seen", vec![]),
        };
        let mut all = vec![("kind", Value::from(kind))];
        all.extend(members);
        Value::object(all)
    }

    /// Reads an intent; `None` for anything malformed or unknown (a newer widget version in
    /// another tab): it is then acknowledged and dropped by the owner, never applied wrongly.
    pub fn from_value(v: &Value) -> Option<Intent> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(match v.get("kind")?.as_str()? {
            "send" => Intent::Send {
                text: text("text")?,
            },
            "quickReply" => Intent::QuickReply {
                message_id: text("messageId")?,
                index: usize::try_from(v.get("index")?.as_u64()?).ok()?,
            },
            "retry" => Intent::Retry {
                message_id: text("messageId")?,
            },
            "end" => Intent::End,
            "restart" => Intent::Restart {
                session_id: text("sessionId")?,
            },
            "prechatSubmit" => Intent::PrechatSubmit {
                values: pairs_from(v.get("values")),
            },
            "prechatCancel" => Intent::PrechatCancel,
            "composerText" => Intent::ComposerText {
                text: text("text")?,
            },
            "sendFile" => Intent::SendFile {
                file: FileRef {
                    handle: 0,
                    name: text("name")?,
                    size: v.get("size")?.as_u64()?,
                    mime_type: text("mimeType").unwrap_or_default(),
                },
            },
            "setVariables" => Intent::SetVariables {
                vars: pairs_from(v.get("vars")),
            },
            "setHiddenFields" => Intent::SetHiddenFields {
                fields: pairs_from(v.get("fields")),
            },
            "identityToken" => Intent::IdentityToken { jwt: text("jwt")? },
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

impl TabMessage {
    pub fn to_json<J: crate::codec::Json>(&self) -> String {
        J::encode(&match self {
            TabMessage::Intent { id, intent } => Value::object([
                ("type", Value::from("intent")),
                ("id", Value::from(id.as_str())),
                (
                    "intent",
                    intent.as_ref().map_or(Value::Null, Intent::to_value),
                ),
            ]),
            TabMessage::Ack { id } => Value::object([
                ("type", Value::from("ack")),
                ("id", Value::from(id.as_str())),
            ]),
            TabMessage::Owner => Value::object([("type", Value::from("owner"))]),
        })
    }

    /// `None` for text that is not a message of ours.
    pub fn from_json<J: crate::codec::Json>(text: &str) -> Option<TabMessage> {
        let v = J::decode::<Value>(text).ok()?;
        let id = || v.get("id").and_then(Value::as_str).map(str::to_string);
        Some(match v.get("type")?.as_str()? {
            "intent" => TabMessage::Intent {
                id: id()?,
                intent: v.get("intent").and_then(Intent::from_value),
            },
            "ack" => TabMessage::Ack { id: id()? },
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
