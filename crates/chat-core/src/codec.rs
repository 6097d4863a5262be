//! The JSON seam: how the core turns text into its typed models and back, without carrying a
//! JSON parser of its own.
//!
//! The core's models derive serde's `Serialize`/`Deserialize`; the text itself is handled by
//! whoever drives the core, through [`Json`]:
//! - in the browser (the widget crate's `BrowserJson`), by the browser's native `JSON.parse` /
//!   `JSON.stringify`, with serde-wasm-bindgen between JavaScript values and the models, so
//!   the wasm holds no JSON parser or writer;
//! - natively and in tests, by serde_json ([`SerdeJson`], feature `serde-json`).
//!
//! The sessions that need it (`Chat`, `MiawSession`, `LiveChatSession`) take the codec as a
//! type parameter: it is chosen once, at compile time, and costs no indirection.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a body could not be decoded (for logs and error lines; never shown raw to visitors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Text ⇄ typed value. Implementations must accept any JSON text (RFC 8259) and never panic,
/// whatever the text.
pub trait Json {
    /// Decodes JSON text into `T`.
    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError>;

    /// Encodes `value` as compact JSON text. The core only encodes its own models (strings,
    /// whole numbers, booleans, sequences and string-keyed maps), which always succeeds.
    fn encode<T: Serialize + ?Sized>(value: &T) -> String;

    /// Decodes an HTTP body: UTF-8, an optional byte-order mark, then JSON.
    fn decode_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| DecodeError("the body is not UTF-8".to_string()))?;
        Self::decode(text.strip_prefix('\u{feff}').unwrap_or(text))
    }
}

/// serde_json as the codec: for native use and the core's tests.
#[cfg(feature = "serde-json")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SerdeJson;

#[cfg(feature = "serde-json")]
impl Json for SerdeJson {
    /// Text → `serde_json::Value` → `T`, in two steps like the browser (`JSON.parse`, then
    /// serde-wasm-bindgen): a member that fails to decode fails alone (a tolerant
    /// [`crate::loose::Item`] then reads as absent), where serde_json's streaming decoder would
    /// be left mid-document; and a repeated key keeps its last value, as `JSON.parse` does.
    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DecodeError(e.to_string()))?;
        T::deserialize(value).map_err(|e| DecodeError(e.to_string()))
    }

    fn encode<T: Serialize + ?Sized>(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }
}
