//! The conversation model: what the visitor sees in the message list.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

/// How many of the latest messages a saved conversation keeps. Older ones stay on screen for
/// this page view; after a reload a line says that earlier messages are not kept. This bounds
/// the cost of every save and of every restore (about 100 KB of JSON at most for ordinary
/// messages), however long the conversation runs.
pub const KEPT_MESSAGES: usize = 500;

/// Milliseconds since the Unix epoch. The core never reads a clock: callers pass `now`.
pub type Millis = u64;

/// Who wrote a message. Saved as `{"kind": "visitor" | "bot" | "agent" | "system", "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AuthorSaved", into = "AuthorSaved")]
pub enum Author {
    Visitor,
    Bot {
        name: String,
    },
    Agent {
        name: String,
    },
    /// Texts the widget shows on its own (from the message catalogue).
    System,
}

impl Author {
    /// Whether the message came to the visitor (announced by the live region).
    pub fn is_incoming(&self) -> bool {
        !matches!(self, Author::Visitor)
    }
}

/// Delivery state of a visitor message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for the connection (offline, or a transient failure): sent by itself later.
    Waiting,
    Sending,
    Sent,
    Delivered,
    Read,
    /// Not delivered; the visitor can retry (nothing typed is silently lost).
    Failed,
}

/// A button under a message; choosing it sends `label` as the visitor's message and `payload`
/// (when set) to the bot instead of the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub label: String,
    #[serde(default)]
    pub payload: Option<String>,
    /// Choosing this reply asks for a human agent.
    #[serde(default)]
    pub handoff: bool,
}

impl QuickReply {
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            payload: None,
            handoff: false,
        }
    }
}

/// A file attached to a message (agent files: images are shown inline, others as links).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub mime_type: Option<String>,
}

impl FileInfo {
    /// Whether it is an image the browser can show inline.
    pub fn is_image(&self) -> bool {
        self.mime_type
            .as_deref()
            .is_some_and(|m| m.starts_with("image/"))
    }
}

/// The one URL policy for every link and image that comes from a server or a bot: `http:`
/// and `https:` only, plus `blob:` (the visitor's own files, made by the browser). Anything
/// else (`javascript:`, `data:`, `vbscript:`, relative or malformed URLs) is shown as text,
/// never as a link or an image.
pub fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let scheme = url.split_once(':')?.0;
    let allowed = ["http", "https", "blob"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme));
    let rest = &url[scheme.len() + 1..];
    // http(s) needs a host; no control characters or spaces hidden in the URL.
    let well_formed = !url.chars().any(|c| c.is_control() || c == ' ')
        && (scheme.eq_ignore_ascii_case("blob") || rest.starts_with("//") && rest.len() > 2);
    (allowed && well_formed).then_some(url)
}

/// A file size for people: `812 B`, `4.2 KB`, `5 MB` (integer arithmetic: no float formatting
/// in the wasm bundle).
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (size, unit) in UNITS {
        if n >= size {
            let tenths = (n * 10 + size / 2) / size;
            return if tenths % 10 == 0 || tenths >= 100 {
                format!("{} {unit}", (tenths + 5) / 10)
            } else {
                format!("{}.{} {unit}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{n} B")
}

/// One entry of the message list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Unique within the conversation (`m1`, `m2`, ...).
    pub id: String,
    pub author: Author,
    pub text: String,
    /// Image shown under the text (bot image replies).
    #[serde(default)]
    pub image_url: Option<String>,
    pub time: Millis,
    #[serde(default)]
    pub quick_replies: Vec<QuickReply>,
    /// Delivery state, for visitor messages only.
    #[serde(default)]
    pub status: Option<Status>,
    /// The server's id for it (MIAW entry / client message id, Live Chat local id).
    #[serde(default)]
    pub remote_id: Option<String>,
    #[serde(default)]
    pub files: Vec<FileInfo>,
}

impl Message {
    /// The delivery state worth showing under the message: sending and failed always;
    /// sent / delivered / read only for messages to an agent (the bot answers at once, so its
    /// receipts would be noise).
    pub fn shown_status(&self) -> Option<Status> {
        match self.status? {
            s @ (Status::Waiting | Status::Sending | Status::Failed) => Some(s),
            s => self.remote_id.is_some().then_some(s),
        }
    }
}

/// The ordered list of messages with id allocation.
///
/// Messages are shared (`Rc`) and copied on write: a message that did not change keeps its
/// allocation, so the UI re-renders exactly the messages whose `Rc` changed
/// (`Rc::ptr_eq`), whatever the length of the conversation.
///
/// Saved as `{"messages": [...], "nextId": n, "dropped"?: n}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    messages: Vec<Rc<Message>>,
    next_id: u64,
    /// Messages older than the ones kept, dropped when the conversation was saved (see
    /// [`KEPT_MESSAGES`]); shown as one "earlier messages are not kept" line.
    #[serde(default, skip_serializing_if = "is_zero")]
    dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// [`Author`] as saved.
#[derive(Serialize, Deserialize)]
struct AuthorSaved {
    kind: String,
    #[serde(default)]
    name: Option<String>,
}

impl From<Author> for AuthorSaved {
    fn from(a: Author) -> Self {
        let (kind, name) = match a {
            Author::Visitor => ("visitor", None),
            Author::Bot { name } => ("bot", Some(name)),
            Author::Agent { name } => ("agent", Some(name)),
            Author::System => ("system", None),
        };
        AuthorSaved {
            kind: kind.to_string(),
            name,
        }
    }
}

impl TryFrom<AuthorSaved> for Author {
    type Error = &'static str;
    fn try_from(a: AuthorSaved) -> Result<Self, Self::Error> {
        let name = || a.name.clone().ok_or("an author without a name");
        Ok(match a.kind.as_str() {
            "visitor" => Author::Visitor,
            "bot" => Author::Bot { name: name()? },
            "agent" => Author::Agent { name: name()? },
            "system" => Author::System,
            _ => return Err("an unknown author kind"),
        })
    }
}

impl Transcript {
    pub fn messages(&self) -> &[Rc<Message>] {
        &self.messages
    }

    /// How many earlier messages a restored conversation no longer has.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Looked up from the end: the messages that change are nearly always the latest.
    pub fn get(&self, id: &str) -> Option<&Message> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.id == id)
            .map(|m| &**m)
    }

    /// Copy on write: only this message gets a new allocation (and is re-rendered).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Message> {
        self.messages
            .iter_mut()
            .rev()
            .find(|m| m.id == id)
            .map(Rc::make_mut)
    }

    /// The first message (from the end) matching `f`, for changing it.
    pub fn find_mut(&mut self, f: impl Fn(&Message) -> bool) -> Option<&mut Message> {
        self.messages
            .iter_mut()
            .rev()
            .find(|m| f(m))
            .map(Rc::make_mut)
    }

    /// Appends a message and returns its id.
    pub fn push(&mut self, author: Author, text: impl Into<String>, time: Millis) -> String {
        self.next_id = self.next_id.saturating_add(1);
        let id = format!("m{}", self.next_id);
        let status = matches!(author, Author::Visitor).then_some(Status::Sending);
        self.messages.push(Rc::new(Message {
            id: id.clone(),
            author,
            text: text.into(),
            image_url: None,
            time,
            quick_replies: Vec::new(),
            status,
            remote_id: None,
            files: Vec::new(),
        }));
        id
    }

    pub fn last_mut(&mut self) -> Option<&mut Message> {
        self.messages.last_mut().map(Rc::make_mut)
    }

    /// Quick replies are only offered on the latest message: once the visitor answers or the
    /// conversation moves on, older buttons are removed.
    pub fn clear_quick_replies(&mut self) {
        // Only the latest message ever carries buttons (every push goes through here first).
        if let Some(m) = self.messages.last_mut() {
            if !m.quick_replies.is_empty() {
                Rc::make_mut(m).quick_replies.clear();
            }
        }
    }

    pub fn clear(&mut self) {
        self.messages.clear();
        self.dropped = 0;
    }

    /// The transcript to save across page loads: the latest [`KEPT_MESSAGES`] only.
    pub fn saved(&self) -> Transcript {
        self.saved_keeping(KEPT_MESSAGES)
    }

    /// The transcript to save, with at most the latest `keep` messages (the others are
    /// counted in `dropped`).
    pub fn saved_keeping(&self, keep: usize) -> Transcript {
        let from = self.messages.len().saturating_sub(keep);
        Transcript {
            messages: self.messages[from..].to_vec(),
            next_id: self.next_id,
            dropped: self.dropped.saturating_add(from as u64),
        }
    }

    /// A plain-text transcript ("Visitor: ...\nBot: ...") handed to an agent on hand-off.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        for m in &self.messages {
            let who = match &m.author {
                Author::Visitor => "Visitor",
                Author::Bot { name } | Author::Agent { name } => name.as_str(),
                Author::System => continue,
            };
            out.push_str(who);
            out.push_str(": ");
            out.push_str(&m.text);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_shown_only_for_messages_to_an_agent() {
        let mut t = Transcript::default();
        let id = t.push(Author::Visitor, "hi", 1);
        let m = t.get_mut(&id).unwrap();
        assert_eq!(m.shown_status(), Some(Status::Sending));
        m.status = Some(Status::Delivered);
        assert_eq!(m.shown_status(), None, "a bot turn");
        m.remote_id = Some("c1".into());
        assert_eq!(m.shown_status(), Some(Status::Delivered));
        m.remote_id = None;
        m.status = Some(Status::Failed);
        assert_eq!(m.shown_status(), Some(Status::Failed));
    }

    #[test]
    fn only_http_https_and_blob_urls_are_links() {
        for ok in [
            "https://files.example.com/a.png",
            "HTTP://x.test/y",
            " https://x.test ",
            "blob:https://shop.test/4b1d",
        ] {
            assert!(safe_url(ok).is_some(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "/relative/path.png",
            "https:",
            "https://",
            "https://x.test/\nx",
            "https://x.test/\u{0}",
            "java\tscript:alert(1)",
            "",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(format_bytes(812), "812 B");
        assert_eq!(format_bytes(4300), "4.2 KB");
        assert_eq!(format_bytes(5 * 1024 * 1024), "5 MB");
        assert_eq!(format_bytes(150 * 1024 * 1024), "150 MB");
    }

    #[test]
    fn ids_are_unique_and_visitor_messages_start_sending() {
        let mut t = Transcript::default();
        let a = t.push(Author::Visitor, "hi", 1);
        let b = t.push(Author::System, "note", 2);
        assert_ne!(a, b);
        assert_eq!(t.get(&a).unwrap().status, Some(Status::Sending));
        assert_eq!(t.get(&b).unwrap().status, None);
    }

    #[test]
    fn plain_text_skips_system_notices() {
        let mut t = Transcript::default();
        t.push(Author::Bot { name: "Ava".into() }, "Hello", 1);
        t.push(Author::System, "note", 2);
        t.push(Author::Visitor, "Hi", 3);
        assert_eq!(t.to_plain_text(), "Ava: Hello\nVisitor: Hi\n");
    }

    #[test]
    fn round_trips_through_json() {
        let mut t = Transcript::default();
        let id = t.push(Author::Visitor, "hi", 1);
        t.get_mut(&id)
            .unwrap()
            .quick_replies
            .push(QuickReply::new("x"));
        t.push(Author::Bot { name: "Ava".into() }, "x\"y", 2);
        t.get_mut("m2").unwrap().status = Some(Status::Failed);
        use crate::codec::{Json, SerdeJson};
        let json = SerdeJson::encode(&t.saved());
        let back = SerdeJson::decode::<Transcript>(&json).unwrap();
        assert_eq!(back, t);
        // ids continue after a restore
        let mut back = back;
        assert_eq!(back.push(Author::Visitor, "again", 2), "m3");
    }
}
