//! The standard-message catalogue: every text the widget shows or sends on its own.
//!
//! TEMPORARY MINIMAL VERSION — being replaced by the full catalogue (issue 6). The public API
//! below is the contract the rest of the crate and the widget use.

use std::collections::BTreeMap;

use crate::error::ConfigError;

/// A catalogue key. `name()` is the key used in configuration (`messages.en.noAgentAvailable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MsgKey {
    HandoffUtterance,
    NoAgentAvailable,
    ComposerPlaceholder,
    LauncherOpenLabel,
    WindowTitle,
    ConfigurationError,
    BotUnavailable,
    StartNewChat,
    BotFallback,
    BotOfferHandoff,
    HandoffButton,
    VisitorEnded,
}

impl MsgKey {
    pub const ALL: &'static [MsgKey] = &[
        MsgKey::HandoffUtterance,
        MsgKey::NoAgentAvailable,
        MsgKey::ComposerPlaceholder,
        MsgKey::LauncherOpenLabel,
        MsgKey::WindowTitle,
        MsgKey::ConfigurationError,
        MsgKey::BotUnavailable,
        MsgKey::StartNewChat,
        MsgKey::BotFallback,
        MsgKey::BotOfferHandoff,
        MsgKey::HandoffButton,
        MsgKey::VisitorEnded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MsgKey::HandoffUtterance => "handoffUtterance",
            MsgKey::NoAgentAvailable => "noAgentAvailable",
            MsgKey::ComposerPlaceholder => "composerPlaceholder",
            MsgKey::LauncherOpenLabel => "launcherOpenLabel",
            MsgKey::WindowTitle => "windowTitle",
            MsgKey::ConfigurationError => "configurationError",
            MsgKey::BotUnavailable => "botUnavailable",
            MsgKey::StartNewChat => "startNewChat",
            MsgKey::BotFallback => "botFallback",
            MsgKey::BotOfferHandoff => "botOfferHandoff",
            MsgKey::HandoffButton => "handoffButton",
            MsgKey::VisitorEnded => "visitorEnded",
        }
    }

    fn default_en(self) -> &'static str {
        match self {
            MsgKey::HandoffUtterance => "No problem, I'll transfer you to one of our agents now.",
            MsgKey::NoAgentAvailable => {
                "There is no agent available right now. Please contact us again later."
            }
            MsgKey::ComposerPlaceholder => "Type your message…",
            MsgKey::LauncherOpenLabel => "Open chat",
            MsgKey::WindowTitle => "Chat with us",
            MsgKey::ConfigurationError => "The chat is not configured correctly: {{reason}}",
            MsgKey::BotUnavailable => {
                "Sorry, our assistant is not reachable right now. Please try again in a moment."
            }
            MsgKey::StartNewChat => "Start a new chat",
            MsgKey::BotFallback => "Sorry, I didn't get that. Could you rephrase?",
            MsgKey::BotOfferHandoff => {
                "I'm having trouble understanding. Would you like to talk to a person?"
            }
            MsgKey::HandoffButton => "Talk to a human",
            MsgKey::VisitorEnded => "You ended the chat.",
        }
    }
}

/// Values substituted into a template: built-ins (`agentName`, `position`, ...) by name.
pub type Args<'a> = &'a [(&'a str, &'a str)];

/// Resolved catalogue for one language, with the site owner's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    language: String,
    overrides: BTreeMap<MsgKey, String>,
    variables: BTreeMap<String, String>,
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::new(&["en"], None).0
    }
}

impl Catalogue {
    /// Builds the catalogue for the first supported language among `languages` (most preferred
    /// first: configuration, page `lang`, browser), applying `overrides` (the configuration's
    /// `messages` object: `{ "en": { "noAgentAvailable": "..." }, "fr": {...} }`). Problems in the
    /// overrides are returned with their paths and the default is used for that key.
    pub fn new(
        languages: &[&str],
        overrides: Option<&serde_json::Value>,
    ) -> (Catalogue, Vec<ConfigError>) {
        let _ = (languages, overrides);
        (
            Catalogue {
                language: "en".into(),
                overrides: BTreeMap::new(),
                variables: BTreeMap::new(),
            },
            Vec::new(),
        )
    }

    /// BCP 47 tag of the language in use (`en`, `fr`, `ar`, ...).
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Whether the language is written right to left (the widget root gets `dir="rtl"`).
    pub fn is_rtl(&self) -> bool {
        false
    }

    /// Host-page variables (`ChatWidget.setVariables({...})`), used as `{{vars.NAME}}`.
    pub fn set_variables(&mut self, vars: BTreeMap<String, String>) {
        self.variables = vars;
    }

    /// The text for `key` with `{{placeholders}}` substituted (values are plain text; the UI
    /// never interprets them as HTML).
    pub fn render(&self, key: MsgKey, args: Args<'_>) -> String {
        let template = self
            .overrides
            .get(&key)
            .map(String::as_str)
            .unwrap_or(key.default_en());
        let mut out = template.to_string();
        for (name, value) in args {
            out = out.replace(&format!("{{{{{name}}}}}"), value);
        }
        out
    }

    /// Shorthand for `render(key, &[])`.
    pub fn text(&self, key: MsgKey) -> String {
        self.render(key, &[])
    }
}
