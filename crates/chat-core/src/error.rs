//! Errors reported to the site owner (console + widget) when configuration is wrong.

use std::fmt;

/// One problem found in the widget configuration, with the JSON path where it was found
/// (`bot.intents[2].examples`, `messages.fr.queuePosition`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted JSON path of the offending value; empty for the configuration as a whole.
    pub path: String,
    /// Plain-words explanation of the problem and, where possible, of the fix.
    pub message: String,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}
