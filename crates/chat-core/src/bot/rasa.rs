//! Remote bot adapter for the Rasa REST channel
//! (`POST {url}` with `{"sender", "message"}` → a list of `{text, buttons, image, custom}`).
//! Any bot server that speaks this shape works (Rasa, Botpress/BotKit bridges, ...).

use crate::Pairs;

use serde::{Deserialize, Serialize};

use crate::codec::Json;
use crate::loose::{self, Item};

use crate::transcript::QuickReply;

/// One reply of the bot server, made safe for display.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RasaReply {
    pub text: String,
    pub buttons: Vec<QuickReply>,
    /// `http(s)` image URL (other schemes are dropped).
    pub image: Option<String>,
    /// `custom.handoff` was set: the bot asks for a human agent.
    pub handoff: bool,
    /// `custom.context` (string values) collected for the agent.
    pub context: Pairs,
}

/// The request body for one visitor turn.
#[derive(Debug, Serialize)]
pub struct RasaRequest<'a> {
    pub sender: &'a str,
    pub message: &'a str,
}

/// One message of the server's answer, as sent (every field tolerant: a wrong type reads as
/// absent).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RasaMessage {
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub buttons: Vec<RasaButton>,
    #[serde(deserialize_with = "loose::text")]
    pub image: Option<String>,
    pub custom: Item<RasaCustom>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RasaButton {
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub payload: Option<String>,
}

/// `custom`: our hand-off convention.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RasaCustom {
    /// Any value but `false`/`null` asks for a human.
    #[serde(deserialize_with = "loose::truthy")]
    pub handoff: bool,
    /// Scalar values (strings, numbers, booleans as text); others are dropped.
    #[serde(deserialize_with = "loose::scalar_map")]
    pub context: Vec<(String, String)>,
}

/// The JSON body for one visitor turn.
pub fn request_body<J: Json>(sender: &str, message: &str) -> String {
    J::encode(&RasaRequest { sender, message })
}

/// Parses the server's answer. Unknown members are ignored; a body that is not a list of
/// objects is an error (shown to the visitor as "assistant unavailable").
pub fn parse_response<J: Json>(body: &[u8]) -> Result<Vec<RasaReply>, String> {
    let items: Vec<Item<RasaMessage>> = J::decode_bytes(body)
        .map_err(|e| format!("the bot server's answer is not a list of messages: {e}"))?;
    let mut out = Vec::new();
    for item in items {
        let Some(m) = item.0 else {
            return Err("the bot server's answer contains a message that is not an object".into());
        };
        let mut reply = RasaReply {
            text: m.text.unwrap_or_default(),
            ..Default::default()
        };
        for b in m.buttons {
            let title = b.title.as_deref().unwrap_or("").trim();
            if title.is_empty() {
                continue;
            }
            reply.buttons.push(QuickReply {
                label: title.to_string(),
                payload: b.payload,
                handoff: false,
            });
        }
        reply.image = m
            .image
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        if let Some(custom) = m.custom.0 {
            reply.handoff = custom.handoff;
            for (k, v) in custom.context {
                reply.context.insert(k, v);
            }
        }
        if reply.text.is_empty()
            && reply.image.is_none()
            && reply.buttons.is_empty()
            && !reply.handoff
        {
            continue;
        }
        out.push(reply);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SerdeJson as J;

    #[test]
    fn body_shape() {
        let v: serde_json::Value =
            serde_json::from_str(&request_body::<J>("abc", "hi \"there\"")).unwrap();
        assert_eq!(v["sender"], "abc");
        assert_eq!(v["message"], "hi \"there\"");
    }

    #[test]
    fn parses_text_buttons_image_and_custom() {
        let body = br#"[
            {"recipient_id":"abc","text":"Hi!","buttons":[{"title":"Yes","payload":"/affirm"},{"title":""}]},
            {"recipient_id":"abc","image":"https://example.com/a.png"},
            {"recipient_id":"abc","image":"javascript:alert(1)"},
            {"recipient_id":"abc","text":"Transferring","custom":{"handoff":true,"context":{"topic":"billing","n":3}}}
        ]"#;
        let r = parse_response::<J>(body).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].text, "Hi!");
        assert_eq!(r[0].buttons.len(), 1);
        assert_eq!(r[0].buttons[0].payload.as_deref(), Some("/affirm"));
        assert_eq!(r[1].image.as_deref(), Some("https://example.com/a.png"));
        assert!(r[2].handoff);
        assert_eq!(r[2].context["topic"], "billing");
        assert_eq!(r[2].context["n"], "3");
    }

    #[test]
    fn bad_bodies_are_errors_not_panics() {
        assert!(parse_response::<J>(b"<html>").is_err());
        assert!(parse_response::<J>(b"{\"text\":\"x\"}").is_err());
        assert!(parse_response::<J>(b"[1]").is_err());
        assert_eq!(parse_response::<J>(b"[]").unwrap(), vec![]);
    }
}
