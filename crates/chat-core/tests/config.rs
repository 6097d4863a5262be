//! Configuration validation: a table of bad configurations, each with its expected error path
//! and message fragment.

use chat_core::config::{BotConfig, Position, Theme};
use chat_core::WidgetConfig;
use serde_json::json;

#[path = "common/bot.rs"]
mod bot;
use bot::with_bot;

/// Loads a configuration written with `json!` (the core has its own JSON type).
fn cfg(v: &serde_json::Value) -> chat_core::Loaded {
    WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&with_bot(v).to_string())
}

/// No configuration, or one that names no bot, is an error (shown by the widget and in the
/// console); the demo shop assistant runs only when asked for.
#[test]
fn a_missing_configuration_or_bot_is_an_error_and_the_demo_bot_an_opt_in() {
    let null = WidgetConfig::from_json::<chat_core::codec::SerdeJson>("null");
    assert_eq!(null.report.errors.len(), 1);
    assert_eq!(null.report.errors[0].path, "");
    assert!(null.report.errors[0]
        .message
        .contains("window.ChatWidgetConfig"));
    for text in [
        "{}",
        r#"{"title": "Acme"}"#,
        r#"{"handoff": {"miaw": {"url": "https://a.my.salesforce-scrt.com", "orgId": "00D5e000000AbCd", "developerName": "W"}}}"#,
    ] {
        let loaded = WidgetConfig::from_json::<chat_core::codec::SerdeJson>(text);
        assert_eq!(loaded.report.errors.len(), 1, "{text}: {:?}", loaded.report);
        assert_eq!(loaded.report.errors[0].path, "bot", "{text}");
        assert!(
            loaded.report.errors[0].message.contains("\"demo\""),
            "{text}"
        );
    }
    for text in ["[]", "\"config\"", "42", "true"] {
        let loaded = WidgetConfig::from_json::<chat_core::codec::SerdeJson>(text);
        assert_eq!(loaded.report.errors.len(), 1, "{text}");
        assert!(
            loaded.report.errors[0]
                .message
                .contains("must be a JSON object"),
            "{text}"
        );
    }
    let demo =
        WidgetConfig::from_json::<chat_core::codec::SerdeJson>(r#"{"bot": {"type": "demo"}}"#);
    assert!(
        demo.report.errors.is_empty() && demo.report.warnings.is_empty(),
        "{:?}",
        demo.report
    );
    let BotConfig::Local(bot) = &demo.config.bot else {
        panic!("demo bot expected")
    };
    assert!(!bot.intents.is_empty());
    assert!(!bot.greeting.is_empty());
    let extra = WidgetConfig::from_json::<chat_core::codec::SerdeJson>(
        r#"{"bot": {"type": "demo", "intents": []}}"#,
    );
    assert!(
        extra
            .report
            .warnings
            .iter()
            .any(|w| w.path == "bot.intents"),
        "{:?}",
        extra.report
    );
}

#[test]
fn a_full_valid_configuration_is_read() {
    let loaded = cfg(&json!({
        "title": "Acme Help",
        "language": "fr-CA",
        "position": "bottom-left",
        "theme": "dark",
        "openOnLoad": true,
        "persist": false,
        "tabs": "perTab",
        "preload": "intent",
        "bot": {
            "type": "local",
            "name": "Acme Bot",
            "greeting": "Bonjour !",
            "greetingQuickReplies": ["Livraison", {"label": "Un humain", "handoff": true}],
            "intents": [
                {"name": "shipping", "examples": ["livraison"], "reply": "2 jours."},
                {"name": "human", "examples": ["parler a quelqu'un"], "handoff": true}
            ],
            "handoffPhrases": ["agent"],
            "fallback": "Pardon ?",
            "fallbacksBeforeHandoff": 3,
            "matchThreshold": 0.6
        },
        "messages": {"fr": {"noAgentAvailable": "Personne."}}
    }));
    assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
    assert!(loaded.report.warnings.is_empty(), "{:?}", loaded.report);
    let c = loaded.config;
    assert_eq!(c.title.as_deref(), Some("Acme Help"));
    assert_eq!(c.language.as_deref(), Some("fr-CA"));
    assert_eq!(c.position, Position::BottomLeft);
    assert_eq!(c.theme, Theme::Dark);
    assert!(c.open_on_load);
    assert!(!c.persist);
    assert_eq!(c.tabs, chat_core::config::Tabs::PerTab);
    assert_eq!(
        WidgetConfig::default().tabs,
        chat_core::config::Tabs::Shared,
        "shared by default"
    );
    let BotConfig::Local(bot) = c.bot else {
        panic!()
    };
    assert_eq!(bot.name, "Acme Bot");
    assert_eq!(bot.intents.len(), 2);
    assert!(bot.intents[1].handoff);
    assert!(bot.greeting_quick_replies[1].handoff);
    assert_eq!(bot.fallbacks_before_handoff, 3);
}

#[test]
fn rasa_configuration() {
    let loaded = cfg(&json!({
        "bot": {"type": "rasa", "url": "http://localhost:5005/webhooks/rest/webhook", "timeoutSeconds": 5, "initialPayload": "/greet"}
    }));
    assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
    let BotConfig::Rasa(r) = loaded.config.bot else {
        panic!()
    };
    assert_eq!(r.timeout_ms, 5000);
    assert_eq!(r.initial_payload.as_deref(), Some("/greet"));
}

/// (configuration, expected error path, fragment of the message)
fn bad_configs() -> Vec<(serde_json::Value, &'static str, &'static str)> {
    vec![
        (json!([1, 2]), "", "must be a JSON object"),
        (
            json!({"title": 3}),
            "title",
            "expected a string, found a number",
        ),
        (json!({"title": "  "}), "title", "must not be empty"),
        (
            json!({"language": "english!"}),
            "language",
            "not a language tag",
        ),
        (
            json!({"position": "top"}),
            "position",
            "expected one of: bottom-right, bottom-left",
        ),
        (json!({"theme": "pink"}), "theme", "unknown value \"pink\""),
        (json!({"tabs": "each"}), "tabs", "unknown value \"each\""),
        (
            json!({"bot": {"name": "Acme"}}),
            "bot.intents",
            "for the demo shop assistant, use",
        ),
        (
            json!({"preload": "hover"}),
            "preload",
            "expected one of: intent, idle, eager",
        ),
        (
            json!({"openOnLoad": "yes"}),
            "openOnLoad",
            "expected true or false",
        ),
        (
            json!({"bot": "rasa"}),
            "bot",
            "expected an object, found a string",
        ),
        (
            json!({"bot": {"type": "watson"}}),
            "bot.type",
            "expected one of: local, rasa",
        ),
        (
            json!({"bot": {"type": "rasa"}}),
            "bot.url",
            "is required for a Rasa bot",
        ),
        (
            json!({"bot": {"type": "rasa", "url": "ftp://bot"}}),
            "bot.url",
            "not an http(s) URL",
        ),
        (
            json!({"bot": {"type": "rasa", "url": "https://"}}),
            "bot.url",
            "no valid host",
        ),
        (
            json!({"bot": {"type": "rasa", "url": "https://b.example", "timeoutSeconds": 0}}),
            "bot.timeoutSeconds",
            "between 1 and 120",
        ),
        (
            json!({"bot": {"intents": []}}),
            "bot.intents",
            "at least one intent",
        ),
        (
            json!({"bot": {"intents": {}}}),
            "bot.intents",
            "expected a list",
        ),
        (
            json!({"bot": {"intents": [{"examples": ["x"], "reply": "y"}]}}),
            "bot.intents[0].name",
            "is required",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "reply": "y"}]}}),
            "bot.intents[0].examples",
            "at least one example",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": ["x", 5], "reply": "y"}]}}),
            "bot.intents[0].examples[1]",
            "expected a string, found a number",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": [""], "reply": "y"}]}}),
            "bot.intents[0].examples[0]",
            "must not be empty",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": ["x"]}]}}),
            "bot.intents[0].reply",
            "is required unless",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": ["x"], "reply": "y"}, {"name": "a", "examples": ["z"], "reply": "w"}]}}),
            "bot.intents[1].name",
            "duplicate intent name",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": ["x"], "reply": "y", "quickReplies": [{"payload": "p"}]}]}}),
            "bot.intents[0].quickReplies[0].label",
            "is required",
        ),
        (
            json!({"bot": {"intents": [{"name": "a", "examples": ["x"], "reply": "y", "quickReplies": [7]}]}}),
            "bot.intents[0].quickReplies[0]",
            "expected a button text",
        ),
        (
            json!({"bot": {"fallbacksBeforeHandoff": -1}}),
            "bot.fallbacksBeforeHandoff",
            "between 0 and 100",
        ),
        (
            json!({"bot": {"matchThreshold": 2}}),
            "bot.matchThreshold",
            "between 0.1 and 1",
        ),
        (
            json!({"handoff": {"miaw": {"url": "https://acme.my.salesforce-scrt.com", "orgId": "00D5e000000AbCd", "developerName": "Web", "sendReceipts": "yes"}}}),
            "handoff.miaw.sendReceipts",
            "expected true or false",
        ),
        (
            json!({"handoff": {"miaw": {"url": "https://acme.my.salesforce-scrt.com", "orgId": "00D5e000000AbCd", "developerName": "Web", "sessionEnd": "reopen"}}}),
            "handoff.miaw.sessionEnd",
            "expected one of: endChat, continue",
        ),
        (
            json!({"handoff": {"miaw": {"url": "https://acme.my.salesforce-scrt.com", "orgId": "00D5e000000AbCd", "developerName": "Web", "endGraceSeconds": 0}}}),
            "handoff.miaw.endGraceSeconds",
            "between 1 and 600",
        ),
        (
            json!({"handoff": {"miaw": {"url": "https://acme.my.salesforce-scrt.com", "orgId": "00D5e000000AbCd", "developerName": "Web", "streamIdleSeconds": 5}}}),
            "handoff.miaw.streamIdleSeconds",
            "between 20 and 3600",
        ),
    ]
}

#[test]
fn every_bad_configuration_is_reported_with_its_path() {
    for (value, path, fragment) in bad_configs() {
        let loaded = cfg(&value);
        let found = loaded
            .report
            .errors
            .iter()
            .find(|e| e.path == path)
            .unwrap_or_else(|| panic!("{value}: no error at `{path}`, got {:?}", loaded.report));
        assert!(
            found.message.contains(fragment),
            "{value}: error at `{path}` is \"{}\", expected it to contain \"{fragment}\"",
            found.message
        );
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let loaded = cfg(&json!({
        "title": 1, "theme": "pink", "bot": {"type": "rasa", "url": "nope"}
    }));
    let paths: Vec<&str> = loaded
        .report
        .errors
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(paths, ["title", "theme", "bot.url"]);
}

#[test]
fn unknown_keys_are_warnings_with_a_suggestion() {
    let loaded = cfg(&json!({
        "titel": "x", "bot": {"greting": "hi", "zzz": 1,
            "intents": [{"name": "hi", "examples": ["hello"], "reply": "Hello!"}]}
    }));
    assert!(loaded.report.errors.is_empty());
    let w: Vec<String> = loaded
        .report
        .warnings
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        w.contains(&"titel: unknown option, ignored (did you mean \"title\"?)".to_string()),
        "{w:?}"
    );
    assert!(
        w.contains(
            &"bot.greting: unknown option, ignored (did you mean \"greeting\"?)".to_string()
        ),
        "{w:?}"
    );
    assert!(
        w.contains(&"bot.zzz: unknown option, ignored".to_string()),
        "{w:?}"
    );
}

#[test]
fn malformed_json_text_is_an_error_not_a_panic() {
    let loaded = WidgetConfig::from_json::<chat_core::codec::SerdeJson>("{ \"title\": ");
    assert_eq!(loaded.report.errors.len(), 1);
    assert!(loaded.report.errors[0].message.contains("not valid JSON"));
}

/// Hand-off URLs are parsed like a browser would, and one that is not on a Salesforce host is
/// accepted with a warning, unless `handoff.anyHost` says it is intended.
#[test]
fn handoff_urls_are_parsed_and_non_salesforce_hosts_are_flagged() {
    let miaw = |url: &str, any: Option<bool>| {
        let mut h =
            json!({"miaw": {"url": url, "orgId": "00D5e000000AbCd", "developerName": "Web"}});
        if let Some(a) = any {
            h["anyHost"] = json!(a);
        }
        cfg(&json!({ "handoff": h }))
    };
    for bad in [
        "http://[::1",
        "https://acme..my.salesforce-scrt.com",
        "https://user@acme.my.salesforce-scrt.com",
    ] {
        let l = miaw(bad, None);
        assert!(
            l.report.errors.iter().any(|e| e.path == "handoff.miaw.url"),
            "{bad}: {:?}",
            l.report
        );
    }
    let long = format!("https://{}.my.salesforce-scrt.com", "a".repeat(70));
    assert!(
        !miaw(&long, None).report.errors.is_empty(),
        "a 70-letter label"
    );

    let ok = miaw("https://acme.my.salesforce-scrt.com", None);
    assert!(
        ok.report.errors.is_empty() && ok.report.warnings.is_empty(),
        "{:?}",
        ok.report
    );
    let other = miaw("https://acme.my.salesforce.com", None);
    assert!(other.report.errors.is_empty());
    let w = &other.report.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].path, "handoff.miaw.url");
    assert!(
        w[0].message.contains("salesforce-scrt.com") && w[0].message.contains("anyHost"),
        "{w:?}"
    );
    let intended = miaw("http://127.0.0.1:8090", Some(true));
    assert!(intended.report.warnings.is_empty(), "{:?}", intended.report);

    let live = |endpoint: &str| {
        cfg(
            &json!({"handoff": {"liveChat": {"endpoint": endpoint, "organizationId": "00D5e000000AbCd", "deploymentId": "5725e000000AbCd", "buttonId": "5735e000000AbCd"}}}),
        )
    };
    assert!(live("https://d.la1-c2-ph2.salesforceliveagent.com/chat")
        .report
        .warnings
        .is_empty());
    let relay = live("https://shop.example.com/chat-relay");
    assert_eq!(relay.report.warnings.len(), 1);
    assert_eq!(relay.report.warnings[0].path, "handoff.liveChat.endpoint");
}

/// Brand assets: URLs, site paths, `data:image/` URLs and inline SVG are images (an inline
/// SVG becomes a `data:` URL with its namespace); script URLs, other schemes, broken SVG and
/// wrong types are errors with their path; agents get initials or one image.
#[test]
fn brand_assets_are_images_and_bad_ones_are_reported_with_their_path() {
    use chat_core::brand::{image_source, initials, AgentAvatar};
    let ok = cfg(&json!({
        "subtitle": "Typically replies in a few minutes",
        "brand": {
            "launcherIcon": "<svg viewBox=\"0 0 24 24\"><circle cx=\"12\" cy=\"12\" r=\"9\" fill=\"#fff\"/></svg>",
            "logo": "https://cdn.example.com/logo.svg",
            "botAvatar": "/img/bot.png",
            "agentAvatar": "initials"
        }
    }));
    assert!(ok.report.errors.is_empty(), "{:?}", ok.report);
    assert!(ok.report.warnings.is_empty(), "{:?}", ok.report);
    let c = &ok.config;
    assert_eq!(
        c.subtitle.as_deref(),
        Some("Typically replies in a few minutes")
    );
    let icon = c.brand.launcher_icon.as_deref().unwrap();
    assert!(
        icon.starts_with(
            "data:image/svg+xml;charset=utf-8,<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox"
        ),
        "{icon}"
    );
    assert!(icon.contains("%23fff"), "'#' is escaped: {icon}");
    assert_eq!(
        c.brand.logo.as_deref(),
        Some("https://cdn.example.com/logo.svg")
    );
    assert_eq!(c.brand.bot_avatar.as_deref(), Some("/img/bot.png"));
    assert_eq!(c.brand.agent_avatar, AgentAvatar::Initials);
    let photo = cfg(&json!({"brand": {"agentAvatar": "https://cdn.example.com/agent.png"}}));
    assert_eq!(
        photo.config.brand.agent_avatar,
        AgentAvatar::Image("https://cdn.example.com/agent.png".into())
    );
    // An SVG that has its namespace keeps it (not added twice).
    let ns = image_source("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>").unwrap();
    assert_eq!(ns.matches("xmlns").count(), 1, "{ns}");

    let bad = cfg(&json!({
        "subtitle": "  ",
        "brand": {
            "launcherIcon": "javascript:alert(1)",
            "logo": "<svg><script>alert(1)</script>",
            "botAvatar": 42,
            "agentAvatar": "vbscript:x",
            "logoo": "x"
        }
    }));
    let errors: Vec<(&str, &str)> = bad
        .report
        .errors
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    let has = |path: &str, fragment: &str| {
        assert!(
            errors
                .iter()
                .any(|(p, m)| *p == path && m.contains(fragment)),
            "{path}: {fragment:?} not in {errors:?}"
        )
    };
    has("subtitle", "must not be empty");
    has("brand.launcherIcon", "\"javascript:\" is not an image URL");
    has("brand.logo", "a whole <svg>");
    has("brand.botAvatar", "expected a string");
    has("brand.agentAvatar", "expected \"initials\" or an image");
    assert!(
        bad.report
            .warnings
            .iter()
            .any(|w| w.path == "brand.logoo" && w.message.contains("logo")),
        "{:?}",
        bad.report
    );
    assert_eq!(bad.config.brand, Default::default());
    let big = format!("<svg>{}</svg>", " ".repeat(20_000));
    assert!(image_source(&big).unwrap_err().contains("over the limit"));
    assert!(image_source("data:text/html,<script>").is_err());

    assert_eq!(initials("Jane Doe"), "JD");
    assert_eq!(initials("Jane"), "J");
    assert_eq!(
        initials("  jean-luc   picard "),
        "jp",
        "upper case by the stylesheet"
    );
    assert_eq!(initials("Émile Zola"), "ÉZ");
    assert_eq!(initials(""), "?");
}
