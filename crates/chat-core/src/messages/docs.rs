//! The catalogue reference page (`docs/messages.md`), generated from the code.

use super::lang::Lang;
use super::{format, MsgKey};

/// Renders the Markdown reference of the whole catalogue: every key with its description,
/// placeholders and default text in every shipped language. Committed as `docs/messages.md`
/// (regenerate with `UPDATE_DOCS=1 cargo test -p chat-core --test messages`).
pub fn reference_markdown() -> String {
    let mut md = String::from(HEADER);
    md.push_str("\n## Keys\n\n| Key | Placeholders | Optional |\n|---|---|---|\n");
    for &key in MsgKey::ALL {
        md.push_str(&format!(
            "| [`{0}`](#{1}) | {2} | {3} |\n",
            key.name(),
            key.name().to_ascii_lowercase(),
            placeholders(key),
            if key.is_optional() { "yes" } else { "" }
        ));
    }
    for &key in MsgKey::ALL {
        md.push_str(&format!(
            "\n### `{}`\n\n{}\n\n",
            key.name(),
            key.description()
        ));
        md.push_str(&format!("Placeholders: {}.", placeholders(key)));
        if key.is_optional() {
            md.push_str(" Optional: an empty text turns this message off.");
        }
        md.push_str("\n\n| Language | Default text |\n|---|---|\n");
        for lang in Lang::ALL {
            md.push_str(&format!(
                "| `{}` | {} |\n",
                lang.tag(),
                cell(lang.text(key).unwrap_or(""))
            ));
        }
    }
    md.push_str(REASONS);
    md.push_str("\n## Wait times (`{{wait}}`)\n\n| Seconds |");
    for lang in Lang::ALL {
        md.push_str(&format!(" `{}` |", lang.tag()));
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(Lang::ALL.len()));
    md.push('\n');
    for secs in [0, 1, 45, 90, 150, 600, 3600, 9000] {
        md.push_str(&format!("| {secs} |"));
        for lang in Lang::ALL {
            let words = format::words(lang).map(|w| format::wait(w, secs));
            md.push_str(&format!(" {} |", words.unwrap_or_default()));
        }
        md.push('\n');
    }
    md
}

fn placeholders(key: MsgKey) -> String {
    let mut s: Vec<String> = key
        .placeholders()
        .iter()
        .map(|p| format!("`{{{{{p}}}}}`"))
        .collect();
    s.push("`{{vars.NAME}}`".to_string());
    s.join(", ")
}

/// A table cell: `|` escaped, empty text made visible.
fn cell(text: &str) -> String {
    if text.is_empty() {
        "*(empty: not shown)*".to_string()
    } else {
        text.replace('|', "\\|")
    }
}

const HEADER: &str = r#"# Standard messages

<!-- Generated from crates/chat-core/src/messages by `messages::reference_markdown()`. Do not edit
by hand: run `UPDATE_DOCS=1 cargo test -p chat-core --test messages` to regenerate. -->

Every text the widget shows or sends on its own (not typed by a person) comes from this
catalogue. The widget ships complete defaults in English (`en`), French (`fr`), German (`de`),
Spanish (`es`) and Arabic (`ar`, right to left).

## Overriding messages

Override any message per language in the `messages` object of the configuration:

```json
{
  "messages": {
    "en": { "noAgentAvailable": "Our team is offline. Call us on {{vars.phone}}." },
    "fr": { "noAgentAvailable": "Notre équipe est absente. Appelez le {{vars.phone}}." },
    "fr-CA": { "windowTitle": "Clavardez avec nous" }
  }
}
```

- **Language.** The widget uses the first of its candidate languages (configuration, then the
  page's `lang`, then the browser's languages) that is supported: a candidate is supported when
  a tag of its fallback chain (`fr-CA` → `fr`) ships defaults or has an override object in
  `messages`. Tags are case-insensitive and `_` is accepted for `-`. Otherwise: English.
- **Resolution of each text.** Walk the fallback chain of the chosen language, most specific
  first; at each tag take the override, else the shipped default if the language ships; the
  first hit wins. So an override in `fr-CA` beats one in `fr`, which beats the French default,
  and an override in `en` never applies to French. A language that ships no defaults (say `it`
  with overrides in `messages.it`) falls back to `en` (overrides, then defaults) for the keys it
  does not override.
- **Right to left.** Arabic, Hebrew, Persian, Urdu (and other right-to-left languages or
  scripts) are laid out right to left when they are the chosen language.
- **Placeholders.** `{{name}}` inserts a value supplied by the widget; each key lists the ones
  it accepts. `{{vars.NAME}}` inserts a host-page variable set with
  `ChatWidget.setVariables({ NAME: "..." })` and is accepted everywhere; an unset variable
  inserts nothing. Whitespace inside the braces is ignored. Inserted values are plain text:
  never interpreted as HTML nor as placeholders.
- **Optional messages.** Keys marked optional may be set to `""` to turn the message off.
  An empty text for any other key is an error.
- **Validation.** An unknown language tag shape, an unknown key, a value that is not a
  string, an unknown placeholder or a malformed template (such as an unclosed `{{`) is reported
  with its path (`messages.fr.queuePosition`) in the browser console and in the widget, and the
  default is used for that key.
"#;

const REASONS: &str = r#"
## Reason codes (`{{reason}}`)

`chatRequestFailed` receives a readable reason chosen from the code Salesforce sent
(case-insensitive):

| Code | Source | Key |
|---|---|---|
| `Unavailable` | Live Chat `ChatRequestFail` | `reasonNoAgents` |
| `agentsUnavailable` | Live Chat `ChatEnded` | `reasonNoAgents` |
| `NoPost` | Live Chat `ChatRequestFail`, `ChatEnded` | `reasonNoPost` |
| `InternalFailure` | Live Chat `ChatRequestFail` | `reasonInternalFailure` |
| `Blocked` | Live Chat `ChatRequestFail` | `reasonBlocked` |
| `Unknown`, empty | Live Chat, MIAW `failureType` | `reasonUnknown` |
| `SubmissionError` | MIAW `RoutingResult.failureType` | `reasonSubmissionError` |
| `RoutingError` | MIAW `RoutingResult.failureType` | `reasonRoutingError` |
| `agentPushTimeout` | Live Chat `ChatEnded` | `reasonAgentTimeout` |
| `clientIdleTimeout` | Live Chat `ChatEnded` | `reasonIdleTimeout` |
| `agent` | Live Chat `ChatEnded` | `agentEnded` |
| `client` | Live Chat `ChatEnded` | `visitorEnded` |
| anything else | | `reasonOther` (with `{{code}}`) |
"#;
