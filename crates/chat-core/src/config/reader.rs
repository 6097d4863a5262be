//! A small reader over [`Value`] that checks types, records every problem with its
//! JSON path and keeps going, so the site owner sees *all* configuration mistakes at once
//! (serde stops at the first one and does not say where it was).

use super::value::{Object, Value};

use crate::error::ConfigError;

/// Problems found while reading: `errors` make a part of the configuration unusable,
/// `warnings` are ignored values (unknown keys, ...) that do not change behaviour.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<ConfigError>,
}

impl Report {
    pub fn error(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(ConfigError::new(path, message));
    }
    pub fn warning(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(ConfigError::new(path, message));
    }
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads the members of one JSON object. Call [`ObjReader::finish`] to report unknown keys.
pub(crate) struct ObjReader<'a> {
    map: &'a Object,
    pub path: String,
    known: Vec<&'static str>,
}

impl<'a> ObjReader<'a> {
    /// `None` (and an error) when `value` is not an object.
    pub fn new(value: &'a Value, path: &str, report: &mut Report) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Self {
                map,
                path: path.to_string(),
                known: Vec::new(),
            }),
            other => {
                report.error(
                    path,
                    format!("expected an object, found {}", type_name(other)),
                );
                None
            }
        }
    }

    pub fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The raw value of `key` (`null` counts as absent).
    pub fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.map
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    pub fn string(&mut self, key: &'static str, report: &mut Report) -> Option<String> {
        let path = self.path_of(key);
        match self.raw(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                report.error(
                    &path,
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A string that must not be blank.
    pub fn text(&mut self, key: &'static str, report: &mut Report) -> Option<String> {
        let s = self.string(key, report)?;
        if s.trim().is_empty() {
            report.error(&self.path_of(key), "must not be empty");
            return None;
        }
        Some(s)
    }

    pub fn bool(&mut self, key: &'static str, report: &mut Report) -> Option<bool> {
        let path = self.path_of(key);
        match self.raw(key)? {
            Value::Bool(b) => Some(*b),
            other => {
                report.error(
                    &path,
                    format!("expected true or false, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub fn int(
        &mut self,
        key: &'static str,
        min: u64,
        max: u64,
        report: &mut Report,
    ) -> Option<u64> {
        let path = self.path_of(key);
        let v = self.raw(key)?;
        match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                report.error(&path, format!("must be between {min} and {max}, found {n}"));
                None
            }
            None => {
                report.error(
                    &path,
                    format!("expected a whole number between {min} and {max}, found {v}"),
                );
                None
            }
        }
    }

    /// A number in `min..=max` (`range` is how the range reads in messages, e.g. "0.1 and 1":
    /// formatting floats would pull float-printing code into the wasm bundle).
    pub fn float(
        &mut self,
        key: &'static str,
        min: f64,
        max: f64,
        range: &str,
        report: &mut Report,
    ) -> Option<f64> {
        let path = self.path_of(key);
        let v = self.raw(key)?;
        match v.as_f64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                report.error(
                    &path,
                    format!("expected a number between {range}, found {v}"),
                );
                None
            }
        }
    }

    /// A list; each element is handed to `item` with its path (`key[3]`).
    pub fn list<T>(
        &mut self,
        key: &'static str,
        report: &mut Report,
        mut item: impl FnMut(&'a Value, &str, &mut Report) -> Option<T>,
    ) -> Option<Vec<T>> {
        let path = self.path_of(key);
        match self.raw(key)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| item(v, &format!("{path}[{i}]"), report))
                    .collect(),
            ),
            other => {
                report.error(
                    &path,
                    format!("expected a list, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// One of `choices` (the configuration's spelling).
    pub fn choice(
        &mut self,
        key: &'static str,
        choices: &[&'static str],
        report: &mut Report,
    ) -> Option<&'static str> {
        let path = self.path_of(key);
        let s = self.string(key, report)?;
        match choices.iter().find(|c| **c == s) {
            Some(c) => Some(c),
            None => {
                report.error(
                    &path,
                    format!(
                        "unknown value \"{s}\"; expected one of: {}",
                        choices.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// Reports every key that no getter asked for, suggesting the closest known key.
    pub fn finish(self, report: &mut Report) {
        let mut reported: Vec<&str> = Vec::new();
        for (key, _) in self.map {
            if self.known.contains(&key.as_str()) || reported.contains(&key.as_str()) {
                continue;
            }
            reported.push(key);
            let hint = closest(key, &self.known)
                .map(|k| format!(" (did you mean \"{k}\"?)"))
                .unwrap_or_default();
            report.warning(&self.path_of(key), format!("unknown option, ignored{hint}"));
        }
    }
}

/// A string element of a list (`examples`, `handoffPhrases`, ...); blank strings are errors.
pub(crate) fn text_item(v: &Value, path: &str, report: &mut Report) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::String(_) => {
            report.error(path, "must not be empty");
            None
        }
        other => {
            report.error(
                path,
                format!("expected a string, found {}", type_name(other)),
            );
            None
        }
    }
}

/// The known name closest to `key` by edit distance, when it is plausibly a typo.
pub fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    // Keys are ASCII: no Unicode case tables for this.
    let key_l = key.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&key_l, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Checks that `url` is an absolute `http(s)` URL with a host. Kept dependency-free (the `url`
/// crate would add its IDNA tables to the wasm bundle).
pub fn check_http_url(url: &str) -> Result<(), String> {
    http_url_host(url).map(|_| ())
}

/// Parses an absolute `http(s)` URL and returns its host (lower case; an IPv6 address without
/// its brackets). Checked like a browser's URL parser would refuse it: a scheme of `http` or
/// `https`; no user name or password; a host that is a bracketed IPv6 address, an IPv4
/// address or a DNS name (labels of 1–63 letters, digits or hyphens, not starting or ending
/// with a hyphen, 253 characters at most; internationalised names in their `xn--` form); an
/// optional port of 1–65535; no spaces or control characters anywhere.
pub fn http_url_host(url: &str) -> Result<String, String> {
    let show = |u: &str| -> String {
        let mut s: String = u.chars().take(60).collect();
        if u.chars().count() > 60 {
            s.push('…');
        }
        s
    };
    let shown = show(url);
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        format!("\"{shown}\" is not an http(s) URL (it must start with https://)")
    })?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(format!(
            "\"{shown}\" is not an http(s) URL (it must start with https://)"
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("\"{shown}\" contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(format!(
            "\"{shown}\" contains a user name or password; leave them out"
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("\"{shown}\" has an unclosed \"[\" in its host"))?;
        // Hex groups and colons (an IPv4 tail allowed); `std::net`'s parser would add 2.5 KB.
        let ipv6 = addr.contains(':')
            && addr.len() <= 45
            && addr
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if !ipv6 {
            return Err(format!(
                "\"{shown}\" has an invalid IPv6 address \"{addr}\""
            ));
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| {
                format!("\"{shown}\" has unexpected text after its IPv6 address")
            })?),
        };
        (addr.to_ascii_lowercase(), port)
    } else {
        let (h, p) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        (h.to_ascii_lowercase(), p)
    };
    if let Some(p) = port {
        if !p.is_empty() && !matches!(p.parse::<u32>(), Ok(1..=65_535)) {
            return Err(format!("\"{shown}\" has an invalid port \"{}\"", show(p)));
        }
    }
    if host.is_empty() {
        return Err(format!("\"{shown}\" has no valid host name"));
    }
    // A DNS name (an IPv4 address is one too: labels of digits).
    if !authority.starts_with('[') {
        let name = host.strip_suffix('.').unwrap_or(&host);
        let labels_ok = name.len() <= 253
            && name.split('.').all(|l| {
                (1..=63).contains(&l.len())
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            let hint = if name.is_ascii() {
                "labels of 1 to 63 letters, digits or hyphens, 253 characters in all"
            } else {
                "write an internationalised name in its xn-- form"
            };
            return Err(format!(
                "\"{shown}\" has an invalid host name \"{}\" ({hint})",
                show(&host)
            ));
        }
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_http_url("https://bot.example.com/webhooks/rest/webhook").is_ok());
        assert!(check_http_url("http://localhost:5005/webhooks/rest/webhook").is_ok());
        assert!(check_http_url("http://[::1]:5005/x").is_ok());
        assert!(check_http_url("ftp://x").is_err());
        assert!(check_http_url("https://").is_err());
        assert!(check_http_url("https://host:abc/").is_err());
        assert!(check_http_url("https://a b/").is_err());
        assert!(check_http_url("/relative").is_err());
        let long = format!("https://{}.com", "a".repeat(64));
        for bad in [
            "http://[::1",
            "http://[::1]x/",
            "http://[zz::1]/",
            "https://user:pw@acme.my.salesforce-scrt.com",
            "https://-acme.example.com",
            "https://acme..example.com",
            "https://exa_mple.com",
            "https://bücher.example",
            "https://host:0/",
            "https://host:70000/",
            long.as_str(),
        ] {
            assert!(check_http_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            http_url_host("HTTPS://Acme.My.Salesforce-Scrt.com:443/x?y#z").unwrap(),
            "acme.my.salesforce-scrt.com"
        );
        assert_eq!(http_url_host("http://[::1]:8080").unwrap(), "::1");
        assert_eq!(http_url_host("http://127.0.0.1:9/").unwrap(), "127.0.0.1");
        assert!(check_http_url("https://xn--bcher-kva.example/").is_ok());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("greting", &["greeting", "intents"]),
            Some("greeting")
        );
        assert_eq!(closest("zzzzzz", &["greeting", "intents"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
