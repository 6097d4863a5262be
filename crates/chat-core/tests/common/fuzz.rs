//! Deterministic pseudo-random JSON for "never panics" tests: random documents, documents
//! derived from a real one (a node replaced by a value of another type, a member dropped),
//! and damaged text (truncated, bytes flipped, not UTF-8). No dependency: xorshift64*.
#![allow(dead_code)]

use serde_json::{Map, Value};

pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A scalar of any JSON type, with the awkward cases over-represented.
    pub fn scalar(&mut self) -> Value {
        match self.below(14) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => 0.into(),
            3 => (-1).into(),
            4 => u64::MAX.into(),
            5 => i64::MIN.into(),
            6 => serde_json::json!(1.5),
            7 => serde_json::json!(1e300),
            8 => serde_json::json!(-0.0),
            9 => "".into(),
            10 => "é中😀\u{2028}\"\\<script>".into(),
            11 => "x".repeat(self.below(3000)).into(),
            12 => self.next().to_string().into(),
            _ => (self.next() % 1000).into(),
        }
    }

    /// A random document; object keys come from `keys` (the names a decoder looks for) or are
    /// made up.
    pub fn value(&mut self, keys: &[&str], depth: usize) -> Value {
        if depth == 0 {
            return self.scalar();
        }
        match self.below(6) {
            0 | 1 => self.scalar(),
            2 => Value::Array(
                (0..self.below(5))
                    .map(|_| self.value(keys, depth - 1))
                    .collect(),
            ),
            _ => {
                let mut map = Map::new();
                for _ in 0..self.below(8) {
                    let key = if keys.is_empty() || self.below(5) == 0 {
                        format!("k{}", self.below(20))
                    } else {
                        self.pick(keys).to_string()
                    };
                    map.insert(key, self.value(keys, depth - 1));
                }
                Value::Object(map)
            }
        }
    }

    /// `doc` with one node replaced by a random value, or one member removed.
    pub fn mutate(&mut self, doc: &Value, keys: &[&str]) -> Value {
        let mut doc = doc.clone();
        self.mutate_in(&mut doc, keys);
        doc
    }

    fn mutate_in(&mut self, node: &mut Value, keys: &[&str]) {
        let stop = self.below(4) == 0;
        match node {
            Value::Object(map) if !map.is_empty() && !stop => {
                let key = map.keys().nth(self.below(map.len())).unwrap().clone();
                if self.below(6) == 0 {
                    map.remove(&key);
                } else {
                    self.mutate_in(map.get_mut(&key).unwrap(), keys);
                }
            }
            Value::Array(items) if !items.is_empty() && !stop => {
                let i = self.below(items.len());
                self.mutate_in(&mut items[i], keys);
            }
            _ => *node = self.value(keys, 3),
        }
    }

    /// Damaged text: cut short, a byte changed, invalid UTF-8 or a lone surrogate.
    pub fn damage(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = text.as_bytes().to_vec();
        match self.below(5) {
            0 => bytes.truncate(self.below(bytes.len() + 1)),
            1 if !bytes.is_empty() => {
                let i = self.below(bytes.len());
                bytes[i] = *self.pick(b"{}[],:\"\\0a-e\xff\x00");
            }
            2 => {
                let i = self.below(bytes.len() + 1);
                bytes.splice(i..i, [0xc3, 0x28]);
            }
            3 => bytes = format!("{text}\"\\ud800\"").into_bytes(),
            _ => bytes.extend_from_slice(b"]]]}}}"),
        }
        bytes
    }

    /// Deeply nested arrays (a stack-depth attack).
    pub fn deep(&mut self) -> String {
        let n = 100 + self.below(20_000);
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }
}

/// Every object key in `doc` (to aim random documents at the names a decoder reads).
pub fn keys_of(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                    walk(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}
