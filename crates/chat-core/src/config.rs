//! The widget configuration: typed, validated on load, every problem reported with its path.
//!
//! The configuration is JSON (from `window.ChatWidgetConfig` or `data-config-url`). Keys are
//! lowerCamelCase; docs/configuration.md documents every option.
//!
//! It is decoded leniently, then validated: serde (through the driver's codec, or
//! serde-wasm-bindgen straight from the page's object) reads it into an untyped tree
//! ([`Value`]: no parser or writer of its own), and `reader` walks that tree into the typed
//! [`WidgetConfig`], recording *every* problem with its path and going on, as errors (that
//! part cannot be used) or warnings (ignored). serde's derive stops at the first error and
//! cannot tell the site owner all their mistakes at once; that is why configuration is not a
//! `#[derive(Deserialize)]`.

mod reader;
mod value;

use crate::transcript::QuickReply;
pub use reader::{check_http_url, closest, edit_distance, http_url_host, Report};
pub(crate) use reader::{text_item, type_name, ObjReader};
pub use value::{Object, Value};

/// Where the launcher sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Position {
    #[default]
    BottomRight,
    BottomLeft,
}

/// Colour scheme: follow the visitor's system setting, or force one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

/// An intent of the embedded bot.
#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub name: String,
    /// Example phrases or keywords; matching ignores case, accents and punctuation.
    pub examples: Vec<String>,
    /// The bot's answer. May be empty when `handoff` is set.
    pub reply: String,
    pub quick_replies: Vec<QuickReply>,
    /// Matching this intent asks for a human agent (after `reply`, if any).
    pub handoff: bool,
}

/// The embedded, rule-based bot.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalBotConfig {
    pub name: String,
    pub greeting: String,
    pub greeting_quick_replies: Vec<QuickReply>,
    pub intents: Vec<Intent>,
    /// Phrases that always ask for a human ("talk to a human", "agent", ...).
    pub handoff_phrases: Vec<String>,
    /// The bot's answer when nothing matches; `None` = the catalogue's `botFallback`.
    pub fallback: Option<String>,
    /// After this many consecutive fallbacks the bot offers a human (0 = never).
    pub fallbacks_before_handoff: u32,
    /// Minimum score (0..1) for an intent to match.
    pub match_threshold: f64,
}

/// A bot server speaking the Rasa REST channel protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct RasaConfig {
    pub name: String,
    /// e.g. `https://bot.example.com/webhooks/rest/webhook`
    pub url: String,
    pub timeout_ms: u64,
    /// Sent (not shown) when a conversation starts, e.g. `/greet`; `None` = wait for the visitor.
    pub initial_payload: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BotConfig {
    Local(LocalBotConfig),
    Rasa(RasaConfig),
}

/// How the tabs of one site share the conversation (`tabs` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tabs {
    /// One conversation per visitor and site, shown in every tab (`localStorage`); one tab
    /// holds the connection to the bot server or the agent, the others send through it.
    #[default]
    Shared,
    /// One conversation per tab (`sessionStorage`): each tab has its own.
    PerTab,
}

/// The whole, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// Window title; `None` = the catalogue's `windowTitle`.
    pub title: Option<String>,
    /// A line under the title ("Typically replies in a few minutes").
    pub subtitle: Option<String>,
    /// Launcher icon, header logo, avatars (`brand`).
    pub brand: crate::brand::Brand,
    /// Preferred language (BCP 47); `None` = the page's `lang`, then the browser's.
    pub language: Option<String>,
    pub position: Position,
    pub theme: Theme,
    pub open_on_load: bool,
    /// Keep the conversation across page loads (see `tabs`).
    pub persist: bool,
    /// How the site's tabs share the conversation (`tabs`).
    pub tabs: Tabs,
    pub bot: BotConfig,
    /// The raw `messages` overrides, validated by [`crate::Catalogue::new`].
    pub messages: Option<Value>,
    /// The Salesforce deployment that takes over when the bot hands off (`None`: the visitor
    /// is told that no agent is available).
    pub handoff: Option<crate::handoff::HandoffConfig>,
}

impl Default for WidgetConfig {
    fn default() -> Self {
        Self {
            title: None,
            subtitle: None,
            brand: crate::brand::Brand::default(),
            language: None,
            position: Position::default(),
            theme: Theme::default(),
            open_on_load: false,
            persist: true,
            tabs: Tabs::Shared,
            bot: BotConfig::Local(crate::demo::demo_bot()),
            messages: None,
            handoff: None,
        }
    }
}

/// Result of loading a configuration: always a usable configuration (defaults where a value
/// was unusable) plus the problems found. When `report.errors` is not empty the widget shows
/// them and does not start a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: WidgetConfig,
    pub report: Report,
}

/// Shown (with the widget's other configuration errors) when there is none at all.
pub const NO_CONFIGURATION: &str = "there is no configuration: set window.ChatWidgetConfig to an object before the widget's script tag, or give the tag a data-config-url";

const BOT_REQUIRED: &str = "is required: a bot with intents ({\"greeting\": \"...\", \"intents\": [...]}), a Rasa bot ({\"type\": \"rasa\", \"url\": \"...\"}), or {\"type\": \"demo\"} for the demo shop assistant";

const TOP_KEYS_HINT: &str =
    "title, subtitle, brand, language, position, theme, openOnLoad, persist, tabs, preload, bot, handoff, messages";

impl WidgetConfig {
    /// Parses configuration JSON text.
    pub fn from_json<J: crate::codec::Json>(text: &str) -> Loaded {
        match J::decode::<Value>(text) {
            Ok(v) => Self::from_value(&v),
            Err(e) => {
                let mut report = Report::default();
                report.error("", format!("the configuration is not valid JSON: {e}"));
                Loaded {
                    config: WidgetConfig::default(),
                    report,
                }
            }
        }
    }

    /// Validates a configuration value. `null` (no configuration, or a configuration URL that
    /// answered `null`) is an error: a site always says which bot it runs (the demo shop bot
    /// only with `"bot": {"type": "demo"}`).
    pub fn from_value(value: &Value) -> Loaded {
        let mut report = Report::default();
        let mut config = WidgetConfig::default();
        if value.is_null() {
            report.error("", NO_CONFIGURATION);
            return Loaded { config, report };
        }
        let Some(mut r) = ObjReader::new(value, "", &mut report) else {
            report.errors[0].message = format!(
                "the configuration must be a JSON object with options such as {TOP_KEYS_HINT}"
            );
            return Loaded { config, report };
        };
        config.title = r.text("title", &mut report);
        config.subtitle = r.text("subtitle", &mut report);
        if let Some(b) = r.raw("brand") {
            config.brand = crate::brand::read_brand(b, "brand", &mut report);
        }
        config.language = r.string("language", &mut report).and_then(|l| {
            if valid_language_tag(&l) {
                Some(l)
            } else {
                report.error(
                    "language",
                    format!("\"{l}\" is not a language tag such as \"en\" or \"fr-CA\""),
                );
                None
            }
        });
        config.position = match r.choice("position", &["bottom-right", "bottom-left"], &mut report)
        {
            Some("bottom-left") => Position::BottomLeft,
            _ => Position::BottomRight,
        };
        config.theme = match r.choice("theme", &["auto", "light", "dark"], &mut report) {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        };
        config.open_on_load = r.bool("openOnLoad", &mut report).unwrap_or(false);
        config.persist = r.bool("persist", &mut report).unwrap_or(true);
        config.tabs = match r.choice("tabs", &["shared", "perTab"], &mut report) {
            Some("perTab") => Tabs::PerTab,
            _ => Tabs::Shared,
        };
        // Read by the loader (when to fetch the widget); checked here so that a typo is
        // reported with the other problems.
        let _ = r.choice("preload", &["intent", "idle", "eager"], &mut report);
        match r.raw("bot") {
            Some(bot) => {
                if let Some(b) = read_bot(bot, "bot", &mut report) {
                    config.bot = b;
                }
            }
            None => report.error("bot", BOT_REQUIRED),
        }
        if let Some(h) = r.raw("handoff") {
            config.handoff = crate::handoff::read_handoff(h, "handoff", &mut report);
        }
        config.messages = r.raw("messages").cloned();
        r.finish(&mut report);
        Loaded { config, report }
    }
}

fn valid_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn read_bot(value: &Value, path: &str, report: &mut Report) -> Option<BotConfig> {
    let mut r = ObjReader::new(value, path, report)?;
    let type_given = value.get("type").is_some_and(|t| !t.is_null());
    let bot = match r.choice("type", &["local", "rasa", "demo"], report) {
        Some("rasa") => read_rasa(&mut r, report).map(BotConfig::Rasa),
        // The demo shop assistant of the demo page: an explicit opt-in, never a default.
        Some("demo") => Some(BotConfig::Local(crate::demo::demo_bot())),
        Some(_) => read_local(&mut r, report).map(BotConfig::Local),
        None if !type_given => read_local(&mut r, report).map(BotConfig::Local),
        // An unknown `type` was reported; the other members cannot be checked against it.
        None => return None,
    };
    r.finish(report);
    bot
}

fn read_rasa(r: &mut ObjReader<'_>, report: &mut Report) -> Option<RasaConfig> {
    let name = r.text("name", report).unwrap_or_else(|| "Assistant".into());
    let url_path = r.path_of("url");
    let url = match r.text("url", report) {
        Some(u) => match check_http_url(&u) {
            Ok(()) => Some(u),
            Err(e) => {
                report.error(&url_path, e);
                None
            }
        },
        None => {
            if !report.errors.iter().any(|e| e.path == url_path) {
                report.error(&url_path, "is required for a Rasa bot (the REST channel webhook, e.g. https://bot.example.com/webhooks/rest/webhook)");
            }
            None
        }
    };
    let timeout_ms = r.int("timeoutSeconds", 1, 120, report).unwrap_or(15) * 1000;
    let initial_payload = r.text("initialPayload", report);
    Some(RasaConfig {
        name,
        url: url?,
        timeout_ms,
        initial_payload,
    })
}

fn read_quick_reply(v: &Value, path: &str, report: &mut Report) -> Option<QuickReply> {
    match v {
        Value::String(_) => text_item(v, path, report).map(QuickReply::new),
        Value::Object(_) => {
            let mut r = ObjReader::new(v, path, report)?;
            let label = r.text("label", report);
            if label.is_none() && !report.errors.iter().any(|e| e.path == r.path_of("label")) {
                report.error(&r.path_of("label"), "is required (the button's text)");
            }
            let payload = r.text("payload", report);
            let handoff = r.bool("handoff", report).unwrap_or(false);
            r.finish(report);
            Some(QuickReply {
                label: label?,
                payload,
                handoff,
            })
        }
        other => {
            report.error(
                path,
                format!(
                    "expected a button text or an object {{\"label\", \"payload\", \"handoff\"}}, found {}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

fn read_intent(v: &Value, path: &str, report: &mut Report) -> Option<Intent> {
    let mut r = ObjReader::new(v, path, report)?;
    let before = report.errors.len();
    let name = r.text("name", report);
    if name.is_none() && report.errors.len() == before {
        report.error(&r.path_of("name"), "is required");
    }
    let examples = r.list("examples", report, text_item).unwrap_or_default();
    if examples.is_empty()
        && !report
            .errors
            .iter()
            .any(|e| e.path.starts_with(&r.path_of("examples")))
    {
        report.error(
            &r.path_of("examples"),
            "needs at least one example phrase or keyword the visitor might type",
        );
    }
    let reply = r.string("reply", report).unwrap_or_default();
    let quick_replies = r
        .list("quickReplies", report, read_quick_reply)
        .unwrap_or_default();
    let handoff = r.bool("handoff", report).unwrap_or(false);
    if reply.trim().is_empty() && !handoff {
        report.error(
            &r.path_of("reply"),
            "is required unless the intent hands off to an agent (\"handoff\": true)",
        );
    }
    r.finish(report);
    if report.errors.len() > before {
        return None;
    }
    Some(Intent {
        name: name?,
        examples,
        reply,
        quick_replies,
        handoff,
    })
}

fn read_local(r: &mut ObjReader<'_>, report: &mut Report) -> Option<LocalBotConfig> {
    // Only the generic parts of the demo bot are defaults (hand-off phrases); its shop
    // intents, greeting and name are the demo's (`"type": "demo"`), never a site's default.
    let demo = crate::demo::demo_bot();
    let before = report.errors.len();
    let name = r.text("name", report).unwrap_or_else(|| "Assistant".into());
    let intents_path = r.path_of("intents");
    let intents = match r.list("intents", report, read_intent) {
        Some(l) if !l.is_empty() => l,
        Some(_)
            if report
                .errors
                .iter()
                .any(|e| e.path.starts_with(&intents_path)) =>
        {
            Vec::new()
        }
        _ => {
            report.error(
                &intents_path,
                "must list at least one intent (for the demo shop assistant, use \"bot\": {\"type\": \"demo\"})",
            );
            Vec::new()
        }
    };
    let greeting = r.text("greeting", report).unwrap_or_default();
    let greeting_quick_replies = r
        .list("greetingQuickReplies", report, read_quick_reply)
        .unwrap_or_default();
    let handoff_phrases = r
        .list("handoffPhrases", report, text_item)
        .unwrap_or(demo.handoff_phrases.clone());
    let fallback = r.text("fallback", report);
    let fallbacks_before_handoff =
        r.int("fallbacksBeforeHandoff", 0, 100, report).unwrap_or(2) as u32;
    let match_threshold = r
        .float("matchThreshold", 0.1, 1.0, "0.1 and 1", report)
        .unwrap_or(0.5);
    let mut seen: Vec<&str> = Vec::new();
    for (i, intent) in intents.iter().enumerate() {
        if seen.contains(&intent.name.as_str()) {
            report.error(
                &format!("{intents_path}[{i}].name"),
                format!("duplicate intent name \"{}\"", intent.name),
            );
        }
        seen.push(&intent.name);
    }
    if report.errors.len() > before {
        return None;
    }
    Some(LocalBotConfig {
        name,
        greeting,
        greeting_quick_replies,
        intents,
        handoff_phrases,
        fallback,
        fallbacks_before_handoff,
        match_threshold,
    })
}
