//! [`Pairs`]: a small insertion-ordered string map.
//!
//! The core's maps hold a handful of entries (host-page variables, bot context, per-language
//! message overrides); a vector is as fast at that size and keeps the B-tree code (about
//! 30 KB of wasm) out of the bundle.

use std::ops::Index;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairs<V = String>(Vec<(String, V)>);

impl<V> Default for Pairs<V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<V> Pairs<V> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key` (replacing its value, keeping its place) and returns the old value.
    pub fn insert(&mut self, key: impl Into<String>, value: V) -> Option<V> {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }
    /// The value of `key`, inserted as `V::default()` first if absent.
    pub fn entry_or_default(&mut self, key: impl Into<String>) -> &mut V
    where
        V: Default,
    {
        let key = key.into();
        let i = match self.0.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                self.0.push((key, V::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn clear(&mut self) {
        self.0.clear()
    }
}

impl<V> Index<&str> for Pairs<V> {
    type Output = V;
    /// Panics when `key` is absent, like `BTreeMap`'s index (for tests and known keys).
    fn index(&self, key: &str) -> &V {
        self.get(key).expect("key present in Pairs")
    }
}

impl<K: Into<String>, V> FromIterator<(K, V)> for Pairs<V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut p = Pairs::new();
        p.extend(iter);
        p
    }
}

impl<K: Into<String>, V> Extend<(K, V)> for Pairs<V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V> IntoIterator for Pairs<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Written as a JSON object, in order.
impl serde::Serialize for Pairs<String> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Read from a JSON object; members that are not strings are dropped (and anything but an
/// object reads as empty).
impl<'de> serde::Deserialize<'de> for Pairs<String> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::loose::string_map(d).map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_in_place() {
        let mut p: Pairs = [("a", "1".to_string()), ("b", "2".to_string())]
            .into_iter()
            .collect();
        assert_eq!(p.insert("a", "3".into()), Some("1".into()));
        assert_eq!(
            p.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
            ["a=3", "b=2"]
        );
        assert_eq!(p["b"], "2");
        p.entry_or_default("c").push('x');
        assert_eq!(p.get("c").map(String::as_str), Some("x"));
        assert_eq!(p.len(), 3);
    }
}
