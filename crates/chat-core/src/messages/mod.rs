//! The standard-message catalogue: every text the widget shows or sends on its own.
//!
//! - [`MsgKey`] lists the messages; each has a default text in every shipped language
//!   ([`SHIPPED_LANGUAGES`]), a set of allowed `{{placeholders}}` and a description.
//! - [`Catalogue::new`] picks the language and applies the site owner's overrides (the
//!   configuration's `messages` object), reporting every problem as a [`ConfigError`].
//! - [`Catalogue::render`] fills the placeholders; values are plain text, never re-parsed.
//! - [`reference_markdown`] prints the whole catalogue (`docs/messages.md`).
//!
//! Text resolution for a key: walk the fallback chain of the chosen language (`fr-CA` → `fr`,
//! ending with `en` for a language that ships no defaults); at each tag take the site's override,
//! else the shipped default if that language ships; the first hit wins.

mod defaults;
mod docs;
mod format;
mod keys;
mod lang;
mod template;

use crate::Pairs;

use crate::error::ConfigError;
pub use docs::reference_markdown;
pub use keys::MsgKey;
use lang::Lang;

/// Values substituted into a template: built-ins (`agentName`, `position`, ...) by name.
pub type Args<'a> = &'a [(&'a str, &'a str)];

/// Tags of the languages whose complete defaults ship with the widget.
pub const SHIPPED_LANGUAGES: &[&str] = &["en", "fr", "de", "es", "ar"];

/// Resolved catalogue for one language, with the site owner's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    language: String,
    base: Lang,
    /// The base language's texts when they are loaded as data rather than compiled in.
    data: Option<std::rc::Rc<LanguageData>>,
    overrides: Vec<(MsgKey, String)>,
    variables: Pairs,
}

/// `dist/widget/messages/<tag>.json` as read: every field tolerant (a text that is not a
/// string is dropped and falls back to English).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LanguageFile {
    #[serde(deserialize_with = "crate::loose::text")]
    lang: Option<String>,
    #[serde(deserialize_with = "crate::loose::string_map")]
    messages: Vec<(String, String)>,
    /// The duration words: all strings, or none at all.
    #[serde(deserialize_with = "crate::loose::text_list")]
    wait: Option<Vec<String>>,
}

/// `dist/widget/messages/<tag>.json` as written.
#[derive(serde::Serialize)]
struct LanguageFileOut<'a> {
    lang: &'a str,
    messages: TextsOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wait: Option<&'a [String]>,
}

struct TextsOut<'a>(&'a [(MsgKey, String)]);

impl serde::Serialize for TextsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, t)| (k.name(), t)))
    }
}

/// A shipped language's default texts and duration words as data: what a build without the
/// `all-languages` feature loads instead of compiling them in. Written by
/// [`LanguageData::to_json`] (`cargo xtask build` → `dist/widget/messages/<tag>.json`) and read
/// by [`LanguageData::from_json`]; an entry that is missing or not text falls back to English.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageData {
    tag: String,
    texts: Vec<(MsgKey, String)>,
    wait: Option<format::WaitWords<String>>,
}

impl LanguageData {
    /// The language's tag (`fr`).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Reads `{"lang": "fr", "messages": {"key": "text", ...}, "wait": [14 texts]}`; `None` if
    /// it is not that shape or not a shipped language. Unknown keys are ignored.
    pub fn from_json<J: crate::codec::Json>(text: &str) -> Option<LanguageData> {
        let file = J::decode::<crate::loose::Item<LanguageFile>>(text)
            .ok()?
            .0?;
        let tag = lang::normalize(&file.lang?)?;
        Lang::from_tag(&tag)?;
        let texts = file
            .messages
            .into_iter()
            .filter_map(|(k, t)| Some((MsgKey::from_name(&k)?, t)))
            .collect();
        let wait = file.wait.and_then(|w| w.try_into().ok());
        Some(LanguageData { tag, texts, wait })
    }

    /// The compiled-in texts of a shipped language as data (`None`: unknown tag, or not
    /// compiled into this build).
    pub fn shipped(tag: &str) -> Option<LanguageData> {
        let lang = Lang::from_tag(tag)?;
        let texts = MsgKey::ALL
            .iter()
            .map(|&k| Some((k, lang.text(k)?.to_string())))
            .collect::<Option<_>>()?;
        let wait = format::words(lang).map(|w| (*w).map(str::to_string));
        Some(LanguageData {
            tag: tag.to_string(),
            texts,
            wait,
        })
    }

    /// The JSON [`LanguageData::from_json`] reads.
    pub fn to_json<J: crate::codec::Json>(&self) -> String {
        J::encode(&LanguageFileOut {
            lang: &self.tag,
            messages: TextsOut(&self.texts),
            wait: self.wait.as_ref().map(|w| &w[..]),
        })
    }

    fn text(&self, key: MsgKey) -> Option<&str> {
        self.texts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| t.as_str())
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::new(&["en"], None).0
    }
}

impl Catalogue {
    /// Builds the catalogue for the first supported language among `languages` (most preferred
    /// first: configuration, page `lang`, browser), applying `overrides` (the configuration's
    /// `messages` object: `{ "en": { "noAgentAvailable": "..." }, "fr-CA": {...} }`).
    ///
    /// A candidate is supported when a tag of its fallback chain (`fr-CA` → `fr`) ships defaults
    /// or has an override object; tags are case-insensitive and accept `_` for `-`. Without any
    /// supported candidate the language is English. Every problem in `overrides` (in any
    /// language, not only the chosen one) is returned with its path; the default is used for
    /// that key. Never panics.
    pub fn new(
        languages: &[&str],
        overrides: Option<&crate::config::Value>,
    ) -> (Catalogue, Vec<ConfigError>) {
        Self::with_data(languages, overrides, None)
    }

    /// [`Catalogue::new`] with a shipped language's texts loaded as data: used when the chosen
    /// language's base is that language (else ignored). Without it, a language that is not
    /// compiled in shows the English defaults (with its own overrides).
    pub fn with_data(
        languages: &[&str],
        overrides: Option<&crate::config::Value>,
        data: Option<LanguageData>,
    ) -> (Catalogue, Vec<ConfigError>) {
        let mut errors = Vec::new();
        let table = parse_overrides(overrides, &mut errors);

        let language = languages
            .iter()
            .filter_map(|c| lang::normalize(c))
            .find_map(|tag| {
                lang::chain(&tag)
                    .find(|t| Lang::from_tag(t).is_some() || table.contains_key(*t))
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "en".to_string());

        let mut chain: Vec<&str> = lang::chain(&language).collect();
        if !chain.contains(&"en") {
            chain.push("en");
        }
        let base = chain
            .iter()
            .find_map(|t| Lang::from_tag(t))
            .unwrap_or(Lang::En);
        let mut resolved = Vec::new();
        for &key in MsgKey::ALL {
            for t in &chain {
                if let Some(text) = table
                    .get(*t)
                    .and_then(|m| m.iter().find(|(k, _)| *k == key))
                    .map(|(_, text)| text)
                {
                    resolved.push((key, text.clone()));
                    break;
                }
                if Lang::from_tag(t).is_some() {
                    break;
                }
            }
        }

        let data = data.filter(|d| d.tag == base.tag()).map(std::rc::Rc::new);
        let catalogue = Catalogue {
            language,
            base,
            data,
            overrides: resolved,
            variables: Pairs::new(),
        };
        (catalogue, errors)
    }

    /// BCP 47 tag of the language in use (`en`, `fr`, `fr-CA` when the site overrides `fr-CA`,
    /// `ar`, ...): the most specific tag of the visitor's preference that ships defaults or has
    /// overrides.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Whether the language is written right to left (the widget root gets `dir="rtl"`).
    pub fn is_rtl(&self) -> bool {
        lang::is_rtl(&self.language)
    }

    /// Host-page variables (`ChatWidget.setVariables({...})`), used as `{{vars.NAME}}`. Replaces
    /// the previous set.
    pub fn set_variables(&mut self, vars: Pairs) {
        self.variables = vars;
    }

    /// The host-page variables currently set.
    pub fn variables(&self) -> &Pairs {
        &self.variables
    }

    /// The raw template in use for `key` (override or shipped default), placeholders unfilled.
    pub fn template(&self, key: MsgKey) -> &str {
        match self.overrides.iter().find(|(k, _)| *k == key) {
            Some((_, t)) => t,
            None => self
                .data
                .as_ref()
                .and_then(|d| d.text(key))
                .or_else(|| self.base.text(key))
                .unwrap_or_else(|| english(key)),
        }
    }

    /// Whether the base language's defaults are available (compiled in or loaded as data);
    /// `false` means English defaults are shown for a language that was not loaded.
    pub fn has_defaults(&self) -> bool {
        self.data.is_some() || self.base.text(MsgKey::WindowTitle).is_some()
    }

    /// The text for `key` with `{{placeholders}}` substituted: built-ins from `args`,
    /// `{{vars.NAME}}` from [`Catalogue::set_variables`]; a missing value is an empty string.
    /// Values are plain text: they are never parsed as templates (a value containing `{{x}}`
    /// stays literal) nor escaped (the UI renders text nodes, never HTML).
    pub fn render(&self, key: MsgKey, args: Args<'_>) -> String {
        template::render(self.template(key), args, &self.variables)
    }

    /// Shorthand for `render(key, &[])`.
    pub fn text(&self, key: MsgKey) -> String {
        self.render(key, &[])
    }

    /// Like [`Catalogue::render`], but `None` when the message is turned off (an optional key
    /// whose text is empty, such as the default `agentGreeting`): show nothing then.
    pub fn render_opt(&self, key: MsgKey, args: Args<'_>) -> Option<String> {
        if self.template(key).trim().is_empty() {
            None
        } else {
            Some(self.render(key, args))
        }
    }

    /// A wait duration in words in the catalogue's language, for `{{wait}}`: "less than a
    /// minute" (0), "45 seconds", "about 2 minutes", "about 1 hour". Languages without shipped
    /// defaults use English.
    pub fn format_wait(&self, seconds: u32) -> String {
        match (
            self.data.as_ref().and_then(|d| d.wait.as_ref()),
            format::words(self.base),
        ) {
            (Some(words), _) => format::wait(words, seconds),
            (None, Some(words)) => format::wait(words, seconds),
            (None, None) => format::wait(format::words(Lang::En).expect("English"), seconds),
        }
    }

    /// A readable text for a failure or end reason code, for `{{reason}}` of
    /// `chatRequestFailed`: Live Chat `ChatRequestFail.reason` (`Unavailable`, `NoPost`,
    /// `InternalFailure`, `Blocked`, `Unknown`), `ChatEnded.reason` (`agent`, `agentsUnavailable`,
    /// `agentPushTimeout`, `client`, `clientIdleTimeout`, `NoPost`, `unknown`) and MIAW
    /// `RoutingResult.failureType` (`Unknown`, `SubmissionError`, `RoutingError`); matched
    /// case-insensitively (see [`MsgKey::for_reason`]). Any other code gives `reasonOther`,
    /// which includes the raw code.
    pub fn reason_text(&self, code: &str) -> String {
        self.render(MsgKey::for_reason(code), &[("code", code.trim())])
    }
}

/// The shipped default of `key` for a language tag (fallback chain, then English), when
/// compiled in.
pub fn default_text(key: MsgKey, language: &str) -> &'static str {
    let lang = lang::normalize(language)
        .and_then(|t| lang::chain(&t).find_map(Lang::from_tag))
        .unwrap_or(Lang::En);
    lang.text(key).unwrap_or_else(|| english(key))
}

fn english(key: MsgKey) -> &'static str {
    defaults::en::text(key)
}

type Table = Pairs<Vec<(MsgKey, String)>>;

/// Validates the configuration's `messages` object into tag → key → template (valid entries
/// only; a language with an object is present even if all its entries are invalid).
fn parse_overrides(value: Option<&crate::config::Value>, errors: &mut Vec<ConfigError>) -> Table {
    use crate::config::Value;
    let mut table = Table::new();
    let obj = match value {
        None | Some(Value::Null) => return table,
        Some(Value::Object(obj)) => obj,
        Some(_) => {
            errors.push(ConfigError::new(
                "messages",
                "must be an object mapping language tags to messages, such as \
                 {\"en\": {\"noAgentAvailable\": \"...\"}}; using the default messages",
            ));
            return table;
        }
    };
    for (raw_tag, texts) in obj {
        let path = format!("messages.{raw_tag}");
        let Some(tag) = lang::normalize(raw_tag) else {
            errors.push(ConfigError::new(
                path,
                format!(
                    "\"{raw_tag}\" is not a language tag; use a tag such as \"en\", \"fr\" or \
                     \"fr-CA\""
                ),
            ));
            continue;
        };
        let Value::Object(texts) = texts else {
            errors.push(ConfigError::new(
                path,
                "must be an object mapping message keys to texts, such as \
                 {\"noAgentAvailable\": \"...\"}",
            ));
            continue;
        };
        let entry = table.entry(tag.clone()).or_default();
        for (name, text) in texts {
            let path = format!("{path}.{name}");
            let Some(key) = MsgKey::from_name(name) else {
                let hint = match MsgKey::nearest(name) {
                    Some(k) => format!("; did you mean \"{}\"?", k.name()),
                    None => "; see docs/messages.md for the list of keys".to_string(),
                };
                errors.push(ConfigError::new(
                    path,
                    format!("unknown message key \"{name}\"{hint}"),
                ));
                continue;
            };
            let Value::String(text) = text else {
                errors.push(ConfigError::new(
                    path,
                    "must be a string (the message text); using the default",
                ));
                continue;
            };
            if text.trim().is_empty() && !key.is_optional() {
                errors.push(ConfigError::new(
                    path,
                    "must not be empty (only optional messages can be turned off with an empty \
                     text); using the default",
                ));
                continue;
            }
            if let Err(problem) = template::check(text, key.placeholders()) {
                errors.push(ConfigError::new(
                    path,
                    format!("{problem}; using the default"),
                ));
                continue;
            }
            match entry.iter_mut().find(|(k, _)| *k == key) {
                Some((_, t)) => *t = text.clone(),
                None => entry.push((key, text.clone())),
            }
        }
    }
    table
}
