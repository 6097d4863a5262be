//! The conversation model: what the visitor sees in the message list.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch. The core never reads a clock: callers pass `now`.
pub type Millis = u64;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
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
#[serde(rename_all = "camelCase")]
pub enum Status {
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
#[serde(rename_all = "camelCase")]
pub struct QuickReply {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Choosing this reply asks for a human agent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
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

/// One entry of the message list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Unique within the conversation (`m1`, `m2`, ...).
    pub id: String,
    pub author: Author,
    pub text: String,
    /// Image shown under the text (bot image replies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    pub time: Millis,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quick_replies: Vec<QuickReply>,
    /// Delivery state, for visitor messages only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// The ordered list of messages with id allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    messages: Vec<Message>,
    next_id: u64,
}

impl Transcript {
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn get(&self, id: &str) -> Option<&Message> {
        self.messages.iter().find(|m| m.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Message> {
        self.messages.iter_mut().find(|m| m.id == id)
    }

    /// Appends a message and returns its id.
    pub fn push(&mut self, author: Author, text: impl Into<String>, time: Millis) -> String {
        self.next_id += 1;
        let id = format!("m{}", self.next_id);
        let status = matches!(author, Author::Visitor).then_some(Status::Sending);
        self.messages.push(Message {
            id: id.clone(),
            author,
            text: text.into(),
            image_url: None,
            time,
            quick_replies: Vec::new(),
            status,
        });
        id
    }

    pub fn last_mut(&mut self) -> Option<&mut Message> {
        self.messages.last_mut()
    }

    /// Quick replies are only offered on the latest message: once the visitor answers or the
    /// conversation moves on, older buttons are removed.
    pub fn clear_quick_replies(&mut self) {
        for m in &mut self.messages {
            m.quick_replies.clear();
        }
    }

    pub fn clear(&mut self) {
        self.messages.clear();
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
        let json = serde_json::to_string(&t).unwrap();
        let back: Transcript = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        // ids continue after a restore
        let mut back = back;
        assert_eq!(back.push(Author::Visitor, "again", 2), "m2");
    }
}
