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
    /// be left mid-document; a repeated key keeps its last value, as `JSON.parse` does; and a
    /// struct is read from an object only, as serde-wasm-bindgen does (serde_json would also
    /// read one from an array, by position).
    fn decode<T: DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DecodeError(e.to_string()))?;
        T::deserialize(native::AsInBrowser(value)).map_err(|e| DecodeError(e.to_string()))
    }

    fn encode<T: Serialize + ?Sized>(value: &T) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// serde_json's values read the way serde-wasm-bindgen reads JavaScript values, so that the
/// core's native tests describe what the browser does: the one difference that matters is
/// that a struct comes from an object only (serde_json also accepts an array, by position).
#[cfg(feature = "serde-json")]
mod native {
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::forward_to_deserialize_any;
    use serde_json::{Map, Value};

    pub struct AsInBrowser(pub Value);

    type Error = serde_json::Error;

    impl<'de> Deserializer<'de> for AsInBrowser {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => v.visit_unit(),
                Value::Bool(b) => v.visit_bool(b),
                Value::Number(n) => {
                    if let Some(i) = n.as_i64() {
                        v.visit_i64(i)
                    } else if let Some(u) = n.as_u64() {
                        v.visit_u64(u)
                    } else {
                        v.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                    }
                }
                Value::String(s) => v.visit_string(s),
                Value::Array(items) => v.visit_seq(Seq(items.into_iter())),
                Value::Object(map) => v.visit_map(Obj(map.into_iter(), None)),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => v.visit_none(),
                other => v.visit_some(AsInBrowser(other)),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            match self.0 {
                Value::Object(map) => v.visit_map(Obj(map.into_iter(), None)),
                other => Err(de::Error::invalid_type(unexpected(&other), &v)),
            }
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            self.0.deserialize_enum(name, variants, v)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, Error> {
            v.visit_newtype_struct(self)
        }

        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
        }
    }

    fn unexpected(v: &Value) -> de::Unexpected<'_> {
        match v {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(_) => de::Unexpected::Other("a number"),
            Value::String(s) => de::Unexpected::Str(s),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }

    struct Seq(std::vec::IntoIter<Value>);

    impl<'de> SeqAccess<'de> for Seq {
        type Error = Error;
        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            self.0
                .next()
                .map(|v| seed.deserialize(AsInBrowser(v)))
                .transpose()
        }
    }

    struct Obj(
        <Map<String, Value> as IntoIterator>::IntoIter,
        Option<Value>,
    );

    impl<'de> MapAccess<'de> for Obj {
        type Error = Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            let Some((k, v)) = self.0.next() else {
                return Ok(None);
            };
            self.1 = Some(v);
            seed.deserialize(AsInBrowser(Value::String(k))).map(Some)
        }
        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            seed.deserialize(AsInBrowser(self.1.take().unwrap_or(Value::Null)))
        }
    }
}
