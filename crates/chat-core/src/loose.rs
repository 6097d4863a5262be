//! Tolerant serde building blocks for what Salesforce (or a page, or an older version of the
//! widget) sends: a field of the wrong type reads as absent instead of failing the whole
//! document, and one malformed item of a list is skipped, not fatal.
//!
//! serde stops at the first error, and serde_json cannot resume inside a document after one,
//! so tolerance has to be decided per field, at the leaves:
//! - [`Item<T>`]: a list element or nested object; anything but an object reads as
//!   `Item(None)`. `T` must itself be tolerant (all its fields loose), so an object always
//!   reads.
//! - `#[serde(default, deserialize_with = "loose::string")]` and its siblings: a field of the
//!   wrong type is `None`.
//! - [`list`]: a list, or an empty one when the field is not an array.
//!
//! These are small serde visitors; no value is buffered (serde's `Content`, which untagged and
//! internally tagged enums use, costs about 11 KB of wasm).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The visit methods of a tolerant visitor for the scalars it does not want: they read as
/// `$none` (a visitor states what it accepts, then `otherwise!(..)` for the rest).
macro_rules! otherwise {
    ($none:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}
pub(crate) use otherwise;

/// A nested object read tolerantly: `Item(None)` for anything that is not an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<T>(pub Option<T>);

impl<T> Default for Item<T> {
    fn default() -> Self {
        Item(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
    /// `T` read directly, its error (a scalar where an object was expected; `T`'s fields being
    /// loose, nothing else fails) making the item absent. Both codecs decode one value at a
    /// time (`JSON.parse` then serde-wasm-bindgen; `serde_json::Value` then `T`), so a failed
    /// item leaves nothing half-read.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Item(T::deserialize(d).ok()))
    }
}

impl<T> Item<T> {
    pub fn into_option(self) -> Option<T> {
        self.0
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A scalar as the visitor sees it.
enum Scalar {
    Str(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    Null,
    Other,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
        drain_seq(seq).map(|()| Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
        drain_map(map).map(|()| Scalar::Other)
    }
}

fn scalar_of<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

/// A string, or a number as its decimal text.
fn scalar_text(s: Scalar) -> Option<String> {
    match s {
        Scalar::Str(s) => Some(s),
        Scalar::Int(n) => Some(n.to_string()),
        Scalar::UInt(n) => Some(n.to_string()),
        Scalar::Float(f) => Some(match whole(f) {
            Some(n) => n.to_string(),
            // As JavaScript writes them (a page's `setVariables({n: Infinity})`).
            None if f.is_nan() => "NaN".to_string(),
            None if f.is_infinite() => if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string(),
            None => f.to_string(),
        }),
        Scalar::Bool(_) | Scalar::Null | Scalar::Other => None,
    }
}

/// A whole number as `f64` holds it exactly (JavaScript numbers), or `None`.
fn whole(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

/// A string; a number reads as its decimal text (ids and timestamps Salesforce sometimes sends
/// as numbers); anything else is `None`.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_of(d).map(scalar_text)
}

/// A string only (a number is `None`).
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::Str(s) => Some(s),
        _ => None,
    })
}

/// A non-negative whole number (`3` and `3.0`; a numeric string such as `"3"` too).
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::UInt(n) => Some(n),
        Scalar::Int(n) => u64::try_from(n).ok(),
        Scalar::Float(f) => whole(f).and_then(|n| u64::try_from(n).ok()),
        Scalar::Str(s) => s.trim().parse().ok(),
        Scalar::Bool(_) | Scalar::Null | Scalar::Other => None,
    })
}

/// A whole number, negative allowed (`-1`).
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::Int(n) => Some(n),
        Scalar::UInt(n) => i64::try_from(n).ok(),
        Scalar::Float(f) => whole(f),
        Scalar::Str(s) => s.trim().parse().ok(),
        Scalar::Bool(_) | Scalar::Null | Scalar::Other => None,
    })
}

/// A scalar as text: a string as is, a number as its decimal text, a boolean as `true` /
/// `false`; `None` for null, arrays and objects.
pub fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::Bool(b) => Some(if b { "true" } else { "false" }.to_string()),
        other => scalar_text(other),
    })
}

/// JavaScript-like truthiness of a flag: `false`/`null`/absent are false, anything else true.
pub fn truthy<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::Bool(b) => b,
        Scalar::Null => false,
        _ => true,
    })
}

/// A boolean (`true`/`false` only).
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match scalar_of(d)? {
        Scalar::Bool(b) => Some(b),
        _ => None,
    })
}

/// A list of tolerant items: not an array reads as empty; items that are not objects are
/// dropped (callers that must log a skipped item use `Vec<Item<T>>` with [`items`]).
pub fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(items::<D, T>(d)?.into_iter().flat_map(|i| i.0).collect())
}

/// A list of tolerant items, kept as [`Item`]s (so the caller can count the skipped ones);
/// not an array reads as empty.
pub fn items<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<Item<T>>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<Item<T>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Item<T>>()? {
                out.push(item);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map).map(|()| Vec::new())
        }
        otherwise!(Vec::new());
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V(PhantomData))
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// A list of strings: `None` unless it is an array of strings only.
pub fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Some(Vec::new());
            while let Some(item) = seq.next_element::<Scalar>()? {
                match (item, out.as_mut()) {
                    (Scalar::Str(s), Some(list)) => list.push(s),
                    _ => out = None,
                }
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map).map(|()| None)
        }
        otherwise!(None);
    }
    d.deserialize_any(V)
}

/// `T` read strictly, or `None` when it does not decode (for what the widget saved itself:
/// one damaged part must not cost the rest). Both codecs decode one value at a time, so a
/// failed part leaves nothing half-read.
pub fn lenient<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(T::deserialize(d).ok())
}

/// A nested tolerant object as an `Option` (for `#[serde(default, deserialize_with = ...)]`).
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Item::<T>::deserialize(d).map(|i| i.0)
}

/// String values of an object, in document order; members that are not strings are dropped.
pub fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    d.deserialize_any(MapVisitor(false))
}

/// [`string_map`] as an insertion-ordered [`crate::Pairs`].
pub fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<crate::Pairs, D::Error> {
    string_map(d).map(|v| v.into_iter().collect())
}

/// [`pairs`] for an `Option` field (`Some` whenever the member is there).
pub fn some_pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<crate::Pairs>, D::Error> {
    pairs(d).map(Some)
}

/// Scalar values of an object as text ([`scalar`]), in document order; other members are
/// dropped.
pub fn scalar_map<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    d.deserialize_any(MapVisitor(true))
}

/// `true`: scalars as text; `false`: strings only.
struct MapVisitor(bool);

impl<'de> Visitor<'de> for MapVisitor {
    type Value = Vec<(String, String)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = match map.next_value::<Scalar>()? {
                Scalar::Str(s) => Some(s),
                Scalar::Bool(b) if self.0 => Some(if b { "true" } else { "false" }.to_string()),
                other if self.0 => scalar_text(other),
                _ => None,
            };
            if let Some(v) = v {
                out.push((k, v));
            }
        }
        Ok(out)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Vec::new())
    }
    otherwise!(Vec::new());
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_of(d)
    }
}

#[cfg(all(test, feature = "serde-json"))]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct T {
        #[serde(deserialize_with = "string")]
        id: Option<String>,
        #[serde(deserialize_with = "u64")]
        n: Option<u64>,
        #[serde(deserialize_with = "list")]
        items: Vec<T>,
    }

    fn read(text: &str) -> Item<T> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn numbers_read_as_text_as_javascript_writes_them() {
        let text = |f: f64| scalar_text(Scalar::Float(f));
        assert_eq!(text(18.0).as_deref(), Some("18"));
        assert_eq!(text(1.5).as_deref(), Some("1.5"));
        assert_eq!(text(f64::INFINITY).as_deref(), Some("Infinity"));
        assert_eq!(text(f64::NEG_INFINITY).as_deref(), Some("-Infinity"));
        assert_eq!(text(f64::NAN).as_deref(), Some("NaN"));
    }

    #[test]
    fn wrong_types_read_as_absent() {
        let t = read(r#"{"id": 12, "n": "x", "items": [{"id": "a"}, 3, null, {"n": [1]}]}"#);
        let t = t.0.unwrap();
        assert_eq!(t.id.as_deref(), Some("12"));
        assert_eq!(t.n, None);
        assert_eq!(t.items.len(), 2);
        assert_eq!(t.items[0].id.as_deref(), Some("a"));
        assert_eq!(read("\"x\""), Item(None));
        assert_eq!(read("3"), Item(None));
        assert_eq!(read("null"), Item(None));
        let t = read(r#"{"items": {"a": 1}, "n": 3.0}"#).0.unwrap();
        assert!(t.items.is_empty());
        assert_eq!(t.n, Some(3));
    }
}
