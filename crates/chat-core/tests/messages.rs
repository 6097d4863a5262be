//! Native tests of the standard-message catalogue (issue 6).

use chat_core::Pairs;

use chat_core::messages::{self, default_text, Catalogue, MsgKey, SHIPPED_LANGUAGES};
use chat_core::ConfigError;
use serde_json::{json, Value};

fn cat(languages: &[&str], overrides: Value) -> (Catalogue, Vec<ConfigError>) {
    // Our own JSON value, from serde_json's `json!` text.
    let overrides = <chat_core::codec::SerdeJson as chat_core::Json>::decode::<
        chat_core::config::Value,
    >(&overrides.to_string())
    .expect("valid JSON");
    Catalogue::new(languages, Some(&overrides))
}

/// Every allowed built-in of `key`, with a recognisable value.
fn all_args(key: MsgKey) -> Vec<(&'static str, String)> {
    key.placeholders()
        .iter()
        .map(|p| (*p, format!("<{p}>")))
        .collect()
}

fn render_all(c: &Catalogue, key: MsgKey) -> String {
    let owned = all_args(key);
    let args: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (*n, v.as_str())).collect();
    c.render(key, &args)
}

fn paths(errors: &[ConfigError]) -> Vec<&str> {
    errors.iter().map(|e| e.path.as_str()).collect()
}

#[test]
fn contract_keys_keep_their_names() {
    for (key, name) in [
        (MsgKey::HandoffUtterance, "handoffUtterance"),
        (MsgKey::NoAgentAvailable, "noAgentAvailable"),
        (MsgKey::ComposerPlaceholder, "composerPlaceholder"),
        (MsgKey::LauncherOpenLabel, "launcherOpenLabel"),
        (MsgKey::WindowTitle, "windowTitle"),
        (MsgKey::ConfigurationError, "configurationError"),
        (MsgKey::BotUnavailable, "botUnavailable"),
        (MsgKey::StartNewChat, "startNewChat"),
    ] {
        assert_eq!(key.name(), name);
        assert!(MsgKey::ALL.contains(&key));
    }
}

#[test]
fn key_names_are_unique_lower_camel_case_and_described() {
    let mut seen = std::collections::BTreeSet::new();
    for &key in MsgKey::ALL {
        let name = key.name();
        assert!(seen.insert(name), "duplicate key name {name}");
        assert!(name.starts_with(|c: char| c.is_ascii_lowercase()), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        assert_eq!(MsgKey::from_name(name), Some(key));
        assert!(!key.description().is_empty(), "{name} has no description");
    }
}

#[test]
fn issue_defaults_in_english() {
    let c = Catalogue::default();
    assert_eq!(c.language(), "en");
    assert!(!c.is_rtl());
    assert_eq!(
        c.text(MsgKey::HandoffUtterance),
        "No problem, I'll transfer you to one of our agents now."
    );
    assert_eq!(
        c.text(MsgKey::NoAgentAvailable),
        "There is no agent available right now. Please contact us again later."
    );
    assert_eq!(c.text(MsgKey::AgentEnded), "The agent has ended the chat.");
    assert_eq!(
        c.render(MsgKey::QueuePosition, &[("position", "3")]),
        "You are in position: 3"
    );
    assert_eq!(
        c.render(MsgKey::AgentJoined, &[("agentName", "Ana")]),
        "Ana has joined."
    );
    assert_eq!(
        c.render(MsgKey::TransferredToAgent, &[("agentName", "Bo")]),
        "You have been transferred to Bo."
    );
    let wait = c.format_wait(120);
    assert_eq!(
        c.render(MsgKey::EstimatedWait, &[("wait", &wait)]),
        "Estimated wait time: about 2 minutes"
    );
    let reason = c.reason_text("Unavailable");
    assert_eq!(
        c.render(MsgKey::ChatRequestFailed, &[("reason", &reason)]),
        "Chat request failed. Reason: No agents are available."
    );
}

#[test]
fn every_key_renders_in_every_shipped_language() {
    for lang in SHIPPED_LANGUAGES {
        let (c, errors) = Catalogue::new(&[lang], None);
        assert!(errors.is_empty());
        assert_eq!(c.language(), *lang);
        for &key in MsgKey::ALL {
            let text = render_all(&c, key);
            assert!(
                !text.contains("{{") && !text.contains("}}"),
                "{lang}.{}: {text}",
                key.name()
            );
            if key.is_optional() {
                // Only the greeting is off by default.
                assert_eq!(
                    text.is_empty(),
                    key == MsgKey::AgentGreeting,
                    "{lang}.{}",
                    key.name()
                );
            } else {
                assert!(!text.trim().is_empty(), "{lang}.{} is empty", key.name());
            }
            assert_eq!(
                text.trim(),
                text,
                "{lang}.{} has stray whitespace",
                key.name()
            );
            assert_eq!(c.template(key), default_text(key, lang));
        }
    }
}

#[test]
fn translations_use_the_same_placeholders_as_english() {
    let used = |t: &str| {
        let mut v: Vec<String> = t
            .split("{{")
            .skip(1)
            .map(|s| s.split("}}").next().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    for &key in MsgKey::ALL {
        let en = used(default_text(key, "en"));
        for p in &en {
            assert!(
                key.placeholders().contains(&p.as_str()),
                "{}: {p}",
                key.name()
            );
        }
        for lang in SHIPPED_LANGUAGES {
            assert_eq!(used(default_text(key, lang)), en, "{lang}.{}", key.name());
            if *lang != "en" && !default_text(key, "en").is_empty() {
                let same = default_text(key, lang) == default_text(key, "en");
                // A few words are the same in several languages ("Bot", "Message").
                let allowed = matches!(key, MsgKey::SenderBot | MsgKey::ComposerLabel);
                assert!(!same || allowed, "{lang}.{} is not translated", key.name());
            }
        }
    }
}

#[test]
fn every_key_overridden_in_every_language() {
    let mut overrides = serde_json::Map::new();
    for lang in SHIPPED_LANGUAGES {
        let mut texts = serde_json::Map::new();
        for &key in MsgKey::ALL {
            let mut t = format!("CUSTOM {lang} {}", key.name());
            for p in key.placeholders() {
                t.push_str(&format!(" [{{{{ {p} }}}}]"));
            }
            t.push_str(" {{vars.site}}");
            texts.insert(key.name().to_string(), Value::String(t));
        }
        overrides.insert(lang.to_string(), Value::Object(texts));
    }
    let overrides = Value::Object(overrides);
    for lang in SHIPPED_LANGUAGES {
        let (mut c, errors) = cat(&[lang], overrides.clone());
        assert!(errors.is_empty(), "{errors:?}");
        c.set_variables(Pairs::from_iter([("site".to_string(), "ACME".to_string())]));
        for &key in MsgKey::ALL {
            let mut expected = format!("CUSTOM {lang} {}", key.name());
            for p in key.placeholders() {
                expected.push_str(&format!(" [<{p}>]"));
            }
            expected.push_str(" ACME");
            assert_eq!(render_all(&c, key), expected);
        }
    }
}

#[test]
fn language_fallback_chains() {
    let lang = |langs: &[&str]| Catalogue::new(langs, None).0.language().to_string();
    assert_eq!(lang(&["fr-CA"]), "fr");
    assert_eq!(lang(&["FR_ca"]), "fr");
    assert_eq!(lang(&["de-AT", "fr"]), "de");
    assert_eq!(lang(&["es-419"]), "es");
    assert_eq!(lang(&["ar-EG"]), "ar");
    assert_eq!(lang(&["zh-Hant-TW"]), "en");
    assert_eq!(lang(&["pt-BR", "it", "es-MX"]), "es");
    assert_eq!(lang(&["not a tag", "", "-", "de"]), "de");
    assert_eq!(lang(&[]), "en");
    assert_eq!(lang(&["he"]), "en");
    let (c, _) = Catalogue::new(&["fr-CA"], None);
    assert_eq!(c.text(MsgKey::SendLabel), "Envoyer");
    assert_eq!(default_text(MsgKey::SendLabel, "de_CH"), "Senden");
    assert_eq!(default_text(MsgKey::SendLabel, "xx"), "Send");
}

#[test]
fn override_precedence_by_language() {
    let overrides = json!({
        "en": { "windowTitle": "EN title", "sendLabel": "EN send" },
        "fr": { "windowTitle": "FR title", "minimizeLabel": "FR min" },
        "fr-CA": { "windowTitle": "Clavardez avec nous" },
    });
    let (ca, errors) = cat(&["fr-CA"], overrides.clone());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ca.language(), "fr-CA");
    assert_eq!(ca.text(MsgKey::WindowTitle), "Clavardez avec nous");
    assert_eq!(ca.text(MsgKey::MinimizeLabel), "FR min");
    assert_eq!(
        ca.text(MsgKey::SendLabel),
        "Envoyer",
        "en overrides never apply to French"
    );

    let (fr, _) = cat(&["fr-FR"], overrides.clone());
    assert_eq!(fr.language(), "fr");
    assert_eq!(fr.text(MsgKey::WindowTitle), "FR title");

    let (en, _) = cat(&["en-GB"], overrides.clone());
    assert_eq!(en.language(), "en");
    assert_eq!(en.text(MsgKey::SendLabel), "EN send");

    // Tag keys of the overrides are case-insensitive and accept '_'.
    let (c, errors) = cat(&["fr-ca"], json!({ "FR_ca": { "sendLabel": "Go" } }));
    assert!(errors.is_empty());
    assert_eq!(c.language(), "fr-CA");
    assert_eq!(c.text(MsgKey::SendLabel), "Go");
}

#[test]
fn language_with_overrides_only() {
    let overrides = json!({
        "it": { "windowTitle": "Chatta con noi" },
        "en": { "sendLabel": "Send it" },
    });
    let (c, errors) = cat(&["it-IT", "fr"], overrides);
    assert!(errors.is_empty());
    assert_eq!(c.language(), "it");
    assert_eq!(c.text(MsgKey::WindowTitle), "Chatta con noi");
    // Keys Italian does not override fall back to en (overrides, then defaults).
    assert_eq!(c.text(MsgKey::SendLabel), "Send it");
    assert_eq!(c.text(MsgKey::StatusRead), "Read");
    assert_eq!(c.format_wait(45), "45 seconds");
}

#[test]
fn right_to_left() {
    assert!(Catalogue::new(&["ar"], None).0.is_rtl());
    let (c, _) = Catalogue::new(&["ar-SA"], None);
    assert!(c.is_rtl());
    assert_eq!(c.text(MsgKey::SendLabel), "إرسال");
    for lang in ["en", "fr", "de", "es"] {
        assert!(!Catalogue::new(&[lang], None).0.is_rtl(), "{lang}");
    }
    // Hebrew is RTL only when it is the resolved language (here thanks to overrides).
    assert!(!Catalogue::new(&["he"], None).0.is_rtl());
    let (he, _) = cat(&["he-IL"], json!({ "he": { "sendLabel": "שלח" } }));
    assert_eq!(he.language(), "he");
    assert!(he.is_rtl());
    let (fa, _) = cat(&["fa"], json!({ "fa": {} }));
    assert!(fa.is_rtl());
}

#[test]
fn host_page_variables() {
    let (mut c, errors) = cat(
        &["en"],
        json!({ "en": { "noAgentAvailable": "Offline. Order {{vars.orderId}}; call {{ vars.phone }}.{{vars.missing}}" } }),
    );
    assert!(errors.is_empty());
    assert_eq!(c.text(MsgKey::NoAgentAvailable), "Offline. Order ; call .");
    c.set_variables(Pairs::from_iter([
        ("orderId".to_string(), "A-17".to_string()),
        ("phone".to_string(), "555 0100".to_string()),
    ]));
    assert_eq!(c.variables().len(), 2);
    assert_eq!(
        c.text(MsgKey::NoAgentAvailable),
        "Offline. Order A-17; call 555 0100."
    );
    c.set_variables(Pairs::new());
    assert_eq!(c.text(MsgKey::NoAgentAvailable), "Offline. Order ; call .");
}

#[test]
fn substituted_values_stay_literal() {
    let (mut c, _) = cat(
        &["en"],
        json!({ "en": { "agentJoined": "{{agentName}} joined {{vars.x}}" } }),
    );
    c.set_variables(Pairs::from_iter([
        ("x".to_string(), "{{agentName}} <b>&amp;".to_string()),
        ("y".to_string(), "Y".to_string()),
    ]));
    assert_eq!(
        c.render(MsgKey::AgentJoined, &[("agentName", "{{vars.y}} <i>")]),
        "{{vars.y}} <i> joined {{agentName}} <b>&amp;"
    );
    // Missing built-ins render as nothing; unknown args are ignored.
    assert_eq!(
        c.render(MsgKey::AgentJoined, &[("other", "z")]),
        " joined {{agentName}} <b>&amp;"
    );
}

#[test]
fn validation_errors_have_paths_and_defaults_are_used() {
    let overrides = json!({
        "en": {
            "queuPosition": "x",
            "QueuePosition": "x",
            "totallyUnrelatedThing": "x",
            "sendLabel": 42,
            "agentJoined": "{{agentNme}} is here",
            "estimatedWait": "Wait: {{wait",
            "agentTyping": "{{agent name}} types",
            "windowTitle": "",
            "agentGreeting": "",
            "composerPlaceholder": "Ask {{vars.}}",
            "minimizeLabel": "{{}}",
            "waitTimeout": "Waited {{ wait }} so far",
        },
        "fr": "nope",
        "français": { "sendLabel": "x" },
        "de": { "queuePosition": "Platz {{position}} {{agentName}}" },
    });
    let (c, errors) = cat(&["en"], overrides);
    let mut got = paths(&errors);
    got.sort();
    assert_eq!(
        got,
        [
            "messages.de.queuePosition",
            "messages.en.QueuePosition",
            "messages.en.agentJoined",
            "messages.en.agentTyping",
            "messages.en.composerPlaceholder",
            "messages.en.estimatedWait",
            "messages.en.minimizeLabel",
            "messages.en.queuPosition",
            "messages.en.sendLabel",
            "messages.en.totallyUnrelatedThing",
            "messages.en.windowTitle",
            "messages.fr",
            "messages.français",
        ]
    );
    let msg = |p: &str| errors.iter().find(|e| e.path == p).unwrap().message.clone();
    assert!(msg("messages.en.queuPosition").contains("did you mean \"queuePosition\""));
    assert!(msg("messages.en.QueuePosition").contains("did you mean \"queuePosition\""));
    assert!(msg("messages.en.totallyUnrelatedThing").contains("unknown message key"));
    assert!(!msg("messages.en.totallyUnrelatedThing").contains("did you mean"));
    assert!(msg("messages.en.sendLabel").contains("must be a string"));
    let agent = msg("messages.en.agentJoined");
    assert!(
        agent.contains("unknown placeholder \"{{agentNme}}\""),
        "{agent}"
    );
    assert!(agent.contains("did you mean \"{{agentName}}\""), "{agent}");
    assert!(msg("messages.en.estimatedWait").contains("unclosed \"{{\" at character 7"));
    assert!(msg("messages.en.agentTyping").contains("invalid placeholder"));
    assert!(msg("messages.en.windowTitle").contains("must not be empty"));
    assert!(msg("messages.de.queuePosition").contains("{{agentName}}"));
    assert!(msg("messages.fr").contains("must be an object"));
    assert!(msg("messages.français").contains("not a language tag"));

    // Defaults are used for the bad keys, valid ones apply.
    assert_eq!(
        c.render(MsgKey::QueuePosition, &[("position", "2")]),
        "You are in position: 2"
    );
    assert_eq!(c.text(MsgKey::SendLabel), "Send");
    assert_eq!(
        c.render(MsgKey::AgentJoined, &[("agentName", "Ana")]),
        "Ana has joined."
    );
    assert_eq!(c.text(MsgKey::WindowTitle), "Chat with us");
    assert_eq!(
        c.render(MsgKey::WaitTimeout, &[("wait", "5 minutes")]),
        "Waited 5 minutes so far"
    );
    assert_eq!(c.render_opt(MsgKey::AgentGreeting, &[]), None);
    assert_eq!(
        c.render_opt(MsgKey::AgentJoined, &[("agentName", "Ana")]),
        Some("Ana has joined.".to_string())
    );
    for e in &errors {
        assert!(e.to_string().starts_with(&e.path), "{e}");
    }
}

#[test]
fn overrides_must_be_an_object() {
    for bad in [json!("en"), json!([1, 2]), json!(3), json!(true)] {
        let (c, errors) = cat(&["fr"], bad);
        assert_eq!(paths(&errors), ["messages"]);
        assert_eq!(c, Catalogue::new(&["fr"], None).0);
    }
    let (_, errors) = cat(&["fr"], Value::Null);
    assert!(errors.is_empty());
}

#[test]
fn optional_messages_can_be_turned_off() {
    let mut texts = serde_json::Map::new();
    for &key in MsgKey::ALL.iter().filter(|k| k.is_optional()) {
        texts.insert(key.name().into(), Value::String(String::new()));
    }
    let (c, errors) = cat(&["en"], json!({ "en": texts }));
    assert!(errors.is_empty(), "{errors:?}");
    for &key in MsgKey::ALL {
        assert_eq!(
            c.render_opt(key, &[]).is_none(),
            key.is_optional(),
            "{}",
            key.name()
        );
    }
    let (c, _) = cat(
        &["en"],
        json!({ "en": { "agentGreeting": "Welcome to HR Live Chat!" } }),
    );
    assert_eq!(
        c.render_opt(MsgKey::AgentGreeting, &[]).as_deref(),
        Some("Welcome to HR Live Chat!")
    );
}

#[test]
fn wait_formatting() {
    let w = |lang: &str, s: u32| Catalogue::new(&[lang], None).0.format_wait(s);
    assert_eq!(w("en", 0), "less than a minute");
    assert_eq!(w("en", 1), "1 second");
    assert_eq!(w("en", 45), "45 seconds");
    assert_eq!(w("en", 60), "about 1 minute");
    assert_eq!(w("en", 89), "about 1 minute");
    assert_eq!(w("en", 90), "about 2 minutes");
    assert_eq!(w("en", 120), "about 2 minutes");
    assert_eq!(w("en", 3569), "about 59 minutes");
    assert_eq!(w("en", 3570), "about 1 hour");
    assert_eq!(w("en", 9000), "about 3 hours");
    assert_eq!(w("en", u32::MAX), "about 1193046 hours");
    assert_eq!(w("fr", 45), "45 secondes");
    assert_eq!(w("fr", 120), "environ 2 minutes");
    assert_eq!(w("fr", 0), "moins d'une minute");
    assert_eq!(w("de", 1), "1 Sekunde");
    assert_eq!(w("de", 120), "etwa 2 Minuten");
    assert_eq!(w("de", 3600), "etwa 1 Stunde");
    assert_eq!(w("es", 45), "45 segundos");
    assert_eq!(w("es", 60), "aproximadamente 1 minuto");
    assert_eq!(w("ar", 1), "ثانية واحدة");
    assert_eq!(w("ar", 2), "ثانيتان");
    assert_eq!(w("ar", 5), "5 ثوانٍ");
    assert_eq!(w("ar", 45), "45 ثانية");
    assert_eq!(w("ar", 120), "دقيقتان تقريبًا");
    assert_eq!(w("ar", 600), "10 دقائق تقريبًا");
    assert_eq!(w("ar", 900), "15 دقيقة تقريبًا");
    assert_eq!(w("ar", 0), "أقل من دقيقة");
}

#[test]
fn reason_texts() {
    let c = Catalogue::default();
    let cases = [
        ("Unavailable", MsgKey::ReasonNoAgents),
        ("agentsUnavailable", MsgKey::ReasonNoAgents),
        ("NoPost", MsgKey::ReasonNoPost),
        ("InternalFailure", MsgKey::ReasonInternalFailure),
        ("Blocked", MsgKey::ReasonBlocked),
        ("Unknown", MsgKey::ReasonUnknown),
        ("unknown", MsgKey::ReasonUnknown),
        ("", MsgKey::ReasonUnknown),
        ("SubmissionError", MsgKey::ReasonSubmissionError),
        ("RoutingError", MsgKey::ReasonRoutingError),
        ("agentPushTimeout", MsgKey::ReasonAgentTimeout),
        ("clientIdleTimeout", MsgKey::ReasonIdleTimeout),
        ("agent", MsgKey::AgentEnded),
        ("client", MsgKey::VisitorEnded),
        ("SomethingNew", MsgKey::ReasonOther),
    ];
    for (code, key) in cases {
        assert_eq!(MsgKey::for_reason(code), key, "{code}");
        assert!(!c.reason_text(code).is_empty());
    }
    assert_eq!(
        MsgKey::for_reason("ROUTINGERROR"),
        MsgKey::ReasonRoutingError
    );
    assert_eq!(c.reason_text("Unavailable"), "No agents are available.");
    assert_eq!(
        c.reason_text("SomethingNew"),
        "An unexpected error occurred (code: SomethingNew)."
    );
    // The raw code is plain text, even when it looks like a placeholder.
    assert_eq!(
        c.reason_text("{{vars.x}}"),
        "An unexpected error occurred (code: {{vars.x}})."
    );
    let (fr, _) = Catalogue::new(&["fr"], None);
    assert_eq!(
        fr.reason_text("RoutingError"),
        "La demande de chat n'a pas pu être acheminée vers un conseiller."
    );
    assert!(fr.reason_text("Bizarre").contains("Bizarre"));
    let (custom, errors) = cat(
        &["en"],
        json!({ "en": { "reasonBlocked": "Blocked ({{code}})." } }),
    );
    assert!(errors.is_empty());
    assert_eq!(custom.reason_text("blocked"), "Blocked (blocked).");
}

#[test]
fn never_panics_on_odd_input() {
    let odd_texts = [
        "{{",
        "}}",
        "{{{{",
        "{{}}",
        "}}{{",
        "{{{agentName}}}",
        "{{agentName}",
        "{{ vars.a.b }}",
        "{{vars.}}",
        "é{{",
        "{{é}}",
        "\u{0}",
        "🙂{{agentName}}🙂",
        "{{vars.x-y_z}}",
    ];
    let mut texts = serde_json::Map::new();
    for (i, t) in odd_texts.iter().enumerate() {
        let key = MsgKey::ALL[i % MsgKey::ALL.len()];
        texts.insert(key.name().into(), Value::String(t.to_string()));
    }
    texts.insert("".into(), json!(null));
    texts.insert("🙂".into(), json!({}));
    let overrides = json!({ "en": texts, "": {}, "-": {}, "en--US": {}, "x": [], "abcdefghi": {} });
    let langs = [
        "",
        "-",
        "_",
        "en--US",
        "x",
        "🙂",
        "en-",
        "e",
        "toolongtag",
        "en-abcdefghi",
    ];
    let (c, errors) = cat(&langs, overrides);
    assert_eq!(c.language(), "en");
    assert!(!errors.is_empty());
    for &key in MsgKey::ALL {
        let _ = render_all(&c, key);
    }
    // The template walker on valid-but-odd inputs.
    let (c, errors) = cat(
        &["en"],
        json!({ "en": { "agentJoined": "}} {{agentName}} }}{", "sendLabel": "{{vars.x-y_z}}!" } }),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        c.render(MsgKey::AgentJoined, &[("agentName", "A")]),
        "}} A }}{"
    );
    assert_eq!(c.text(MsgKey::SendLabel), "!");
}

#[test]
fn docs_page_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/messages.md");
    let generated = messages::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).expect("write docs/messages.md");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/messages.md is out of date with the catalogue in crates/chat-core/src/messages; \
         regenerate it with `UPDATE_DOCS=1 cargo test -p chat-core --test messages` and commit it"
    );
}

#[test]
fn docs_page_lists_every_key_and_default() {
    let md = messages::reference_markdown();
    for &key in MsgKey::ALL {
        assert!(
            md.contains(&format!("### `{}`", key.name())),
            "{}",
            key.name()
        );
        for lang in SHIPPED_LANGUAGES {
            let text = default_text(key, lang);
            if !text.is_empty() {
                assert!(md.contains(text), "{lang}.{}", key.name());
            }
        }
    }
}

/// A language loaded as data (what the browser build does for every language but English)
/// reads exactly like the compiled-in one: every text and every duration.
#[test]
fn languages_loaded_as_data_match_the_compiled_ones() {
    use chat_core::LanguageData;
    for tag in ["fr", "de", "es", "ar"] {
        let json = LanguageData::shipped(tag)
            .expect("shipped")
            .to_json::<chat_core::codec::SerdeJson>();
        let data =
            LanguageData::from_json::<chat_core::codec::SerdeJson>(&json).expect("reads back");
        assert_eq!(data.tag(), tag);
        let (compiled, _) = Catalogue::new(&[tag], None);
        let (loaded, _) = Catalogue::with_data(&[tag], None, Some(data));
        assert!(loaded.has_defaults());
        for &key in MsgKey::ALL {
            assert_eq!(
                loaded.template(key),
                compiled.template(key),
                "{tag} {key:?}"
            );
        }
        for secs in [0, 1, 2, 3, 11, 45, 90, 150, 600, 3600, 9000, 36000] {
            assert_eq!(
                loaded.format_wait(secs),
                compiled.format_wait(secs),
                "{tag} {secs}"
            );
        }
    }
}

/// Data for another language than the chosen one, or damaged data, is not used; the site's
/// overrides still win over loaded defaults.
#[test]
fn language_data_is_used_only_for_its_language_and_under_overrides() {
    use chat_core::LanguageData;
    let fr = || {
        LanguageData::from_json::<chat_core::codec::SerdeJson>(
            &LanguageData::shipped("fr")
                .unwrap()
                .to_json::<chat_core::codec::SerdeJson>(),
        )
    };
    let (de, _) = Catalogue::with_data(&["de"], None, fr());
    assert_eq!(de.language(), "de");
    assert_eq!(de.text(MsgKey::LauncherOpenLabel), "Chat öffnen");
    for bad in [
        "",
        "[]",
        "{\"lang\": \"xx\"}",
        "{\"messages\": {}}",
        "{\"lang\": 3}",
    ] {
        assert_eq!(
            LanguageData::from_json::<chat_core::codec::SerdeJson>(bad),
            None,
            "{bad}"
        );
    }
    let partial = LanguageData::from_json::<chat_core::codec::SerdeJson>(
        "{\"lang\": \"fr\", \"messages\": {\"launcherOpenLabel\": \"Ouvrir\", \"nope\": \"x\", \"windowTitle\": 3}}",
    )
    .unwrap();
    let overrides = <chat_core::codec::SerdeJson as chat_core::Json>::decode::<
        chat_core::config::Value,
    >("{\"fr\": {\"windowTitle\": \"Bonjour\"}}")
    .unwrap();
    let (c, problems) = Catalogue::with_data(&["fr-CA"], Some(&overrides), Some(partial));
    assert!(problems.is_empty());
    assert_eq!(c.text(MsgKey::LauncherOpenLabel), "Ouvrir", "from the data");
    assert_eq!(c.text(MsgKey::WindowTitle), "Bonjour", "the override wins");
    assert_eq!(
        c.text(MsgKey::SendLabel),
        "Envoyer",
        "missing in the data: the compiled default (English in the browser build)"
    );
}
