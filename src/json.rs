//! The browser's JSON as the core's codec ([`chat_core::Json`]): `JSON.parse` / `JSON.stringify`
//! do the text, serde-wasm-bindgen turns the JavaScript values into the core's typed models
//! and back. The wasm carries no JSON parser or writer.

use chat_core::{DecodeError, Json};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserJson;

/// Plain objects for maps (not `Map`), `null` for `None`: what `JSON.stringify` writes as
/// the JSON the core's models describe.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::json_compatible();

impl Json for BrowserJson {
    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
        check_depth(text)?;
        let value = js_sys::JSON::parse(text)
            .map_err(|e| DecodeError(crate::browser::js_error_text(&e)))?;
        from_js(value)
    }

    fn encode<T: Serialize + ?Sized>(value: &T) -> String {
        to_js(value)
            .ok()
            .and_then(|v| js_sys::JSON::stringify(&v).ok())
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// Deeper nesting than serde_json accepts (its recursion limit) is refused before decoding:
/// serde-wasm-bindgen recurses once per level, and the wasm stack has no guard page.
pub(crate) const MAX_DEPTH: usize = 128;

/// Refuses text nested deeper than [`MAX_DEPTH`] (brackets inside strings do not count). Not a
/// parser: `JSON.parse` judges the syntax.
fn check_depth(text: &str) -> Result<(), DecodeError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(DecodeError("nested too deeply".to_string()));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A JavaScript value (a page-API argument, the configuration object) as a typed model.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, DecodeError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| DecodeError(e.to_string()))
}

/// A typed model as a plain JavaScript value (an event's `detail`, a page-API answer).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, DecodeError> {
    value
        .serialize(&SERIALIZER)
        .map_err(|e| DecodeError(e.to_string()))
}

/// The conversation, with the browser's JSON.
pub type Chat = chat_core::Chat<BrowserJson>;
