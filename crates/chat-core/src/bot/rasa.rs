//! Remote bot adapter for the Rasa REST channel
//! (`POST {url}` with `{"sender", "message"}` → a list of `{text, buttons, image, custom}`).
//! Any bot server that speaks this shape works (Rasa, Botpress/BotKit bridges, ...).

use crate::pairs::Pairs;

use crate::codec::Json;
use crate::json::Value;

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

/// The JSON body for one visitor turn.
pub fn request_body<J: Json>(sender: &str, message: &str) -> String {
    J::encode(&Value::object([
        ("sender", Value::from(sender)),
        ("message", Value::from(message)),
    ]))
}

/// Parses the server's answer. Unknown members are ignored; a body that is not a list of
/// objects is an error (shown to the visitor as "assistant unavailable").
pub fn parse_response<J: Json>(body: &[u8]) -> Result<Vec<RasaReply>, String> {
    let value = J::decode_bytes::<Value>(body)
        .map_err(|e| format!("the bot server's answer is not JSON: {e}"))?;
    let Value::Array(items) = value else {
        return Err("the bot server's answer is not a list of messages".into());
    };
    let mut out = Vec::new();
    for item in items {
        let obj = &item;
        let Value::Object(_) = item else {
            return Err("the bot server's answer contains a message that is not an object".into());
        };
        let mut reply = RasaReply {
            text: obj
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            ..Default::default()
        };
        if let Some(Value::Array(buttons)) = obj.get("buttons") {
            for b in buttons {
                let title = b.get("title").and_then(Value::as_str).unwrap_or("").trim();
                if title.is_empty() {
                    continue;
                }
                reply.buttons.push(QuickReply {
                    label: title.to_string(),
                    payload: b.get("payload").and_then(Value::as_str).map(str::to_string),
                    handoff: false,
                });
            }
        }
        reply.image = obj
            .get("image")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_string);
        if let Some(custom) = obj.get("custom") {
            reply.handoff = match custom.get("handoff") {
                Some(Value::Bool(b)) => *b,
                Some(Value::Null) | None => false,
                Some(_) => true,
            };
            if let Some(Value::Object(ctx)) = custom.get("context") {
                for (k, v) in ctx {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        other => J::encode(other),
                    };
                    reply.context.insert(k.clone(), v);
                }
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
        let v = J::decode::<Value>(&request_body::<J>("abc", "hi \"there\"")).unwrap();
        assert_eq!(v.get("sender").unwrap().as_str(), Some("abc"));
        assert_eq!(v.get("message").unwrap().as_str(), Some("hi \"there\""));
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
