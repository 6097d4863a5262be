//! Matching and hand-off rules of the embedded bot.

use chat_core::bot::normalize::tokens;
use chat_core::bot::{Decision, LocalBot};
use chat_core::config::{BotConfig, LocalBotConfig};
use chat_core::WidgetConfig;
use serde_json::json;

/// Loads a configuration written with `json!` (the core has its own JSON type).
fn cfg(v: &serde_json::Value) -> chat_core::Loaded {
    WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&v.to_string())
}

fn bot(config: serde_json::Value) -> LocalBot {
    let loaded = cfg(&json!({ "bot": config }));
    assert!(loaded.report.errors.is_empty(), "{:?}", loaded.report);
    let BotConfig::Local(c) = loaded.config.bot else {
        panic!()
    };
    LocalBot::new(c)
}

fn demo() -> LocalBot {
    let BotConfig::Local(c) = WidgetConfig::default().bot else {
        panic!()
    };
    LocalBot::new(c)
}

fn intent_of(b: &mut LocalBot, text: &str) -> Option<String> {
    match b.decide(text, None) {
        Decision::Intent(i) => Some(i.name.clone()),
        _ => None,
    }
}

#[test]
fn demo_bot_understands_typical_questions() {
    let mut b = demo();
    let cases = [
        ("Where is my order?", "order_status"),
        ("TRACK MY ORDER", "order_status"),
        ("how long does delivery take", "shipping"),
        ("Do you ship abroad?", "shipping"),
        ("I want to return these boots", "returns"),
        ("can I get a refund", "returns"),
        ("what size should I take", "sizes"),
        ("Hello", "greet"),
        ("which payment methods do you accept", "payment"),
        ("thank you!", "thanks"),
    ];
    for (text, expected) in cases {
        assert_eq!(intent_of(&mut b, text).as_deref(), Some(expected), "{text}");
    }
}

#[test]
fn matching_ignores_case_accents_punctuation_and_small_typos() {
    let mut b = bot(json!({"intents": [
        {"name": "delivery", "examples": ["délai de livraison"], "reply": "2 jours"},
        {"name": "shipping", "examples": ["shipping costs"], "reply": "free"}
    ]}));
    assert_eq!(
        intent_of(&mut b, "DELAI DE LIVRAISON ???").as_deref(),
        Some("delivery")
    );
    assert_eq!(
        intent_of(&mut b, "Délai de livraison").as_deref(),
        Some("delivery")
    );
    assert_eq!(
        intent_of(&mut b, "shiping cost").as_deref(),
        Some("shipping")
    );
    assert_eq!(tokens("Élan"), ["elan"]);
}

#[test]
fn handoff_phrases_ask_for_a_human() {
    let mut b = demo();
    for text in [
        "I want to talk to a human",
        "agent please",
        "Can I speak to someone?",
        "REAL PERSON",
    ] {
        assert_eq!(b.decide(text, None), Decision::Handoff, "{text}");
    }
}

#[test]
fn a_more_specific_intent_beats_a_handoff_keyword() {
    let mut b = demo();
    // "customer service" is a hand-off phrase, "customer service hours" an example of `hours`.
    assert_eq!(
        intent_of(&mut b, "customer service hours?").as_deref(),
        Some("hours")
    );
}

#[test]
fn handoff_intent_is_reported_as_intent_with_handoff() {
    let mut b = bot(json!({"intents": [
        {"name": "escalate", "examples": ["complaint"], "reply": "Let me get someone.", "handoff": true}
    ]}));
    match b.decide("I have a complaint", None) {
        Decision::Intent(i) => assert!(i.handoff),
        other => panic!("{other:?}"),
    }
}

#[test]
fn consecutive_fallbacks_offer_handoff_then_reset() {
    let mut b = bot(json!({"fallbacksBeforeHandoff": 2, "intents": [
        {"name": "a", "examples": ["apples"], "reply": "yes"}
    ]}));
    assert_eq!(
        b.decide("qwerty", None),
        Decision::Fallback {
            offer_handoff: false
        }
    );
    assert_eq!(
        b.decide("asdfgh", None),
        Decision::Fallback {
            offer_handoff: true
        }
    );
    assert_eq!(
        b.decide("zxcvbn", None),
        Decision::Fallback {
            offer_handoff: false
        }
    );
    // a match resets the count
    assert!(matches!(b.decide("apples", None), Decision::Intent(_)));
    assert_eq!(
        b.decide("qwerty", None),
        Decision::Fallback {
            offer_handoff: false
        }
    );
}

#[test]
fn zero_disables_the_handoff_offer() {
    let mut b = bot(json!({"fallbacksBeforeHandoff": 0, "intents": [
        {"name": "a", "examples": ["apples"], "reply": "yes"}
    ]}));
    for _ in 0..5 {
        assert_eq!(
            b.decide("qwerty", None),
            Decision::Fallback {
                offer_handoff: false
            }
        );
    }
}

#[test]
fn payload_selects_an_intent_directly() {
    let mut b = demo();
    assert_eq!(
        match b.decide("Anything", Some("/returns")) {
            Decision::Intent(i) => i.name.clone(),
            other => panic!("{other:?}"),
        },
        "returns"
    );
}

#[test]
fn threshold_controls_partial_matches() {
    let strict: LocalBotConfig = {
        let BotConfig::Local(mut c) = WidgetConfig::default().bot else {
            panic!()
        };
        c.match_threshold = 1.0;
        c
    };
    let mut b = LocalBot::new(strict);
    // Half of "tracking number" only: below a threshold of 1.0.
    assert!(matches!(
        b.decide("number", None),
        Decision::Fallback { .. }
    ));
}

/// An exact example wins over a typo-tolerant match on another intent, whichever comes first,
/// and among typo-tolerant matches the closer one wins.
#[test]
fn an_exact_example_beats_a_fuzzy_one() {
    for intents in [
        json!([
            {"name": "shipping", "examples": ["shipping"], "reply": "Ships in 2 days."},
            {"name": "shopping", "examples": ["shopping"], "reply": "Happy shopping!"}
        ]),
        json!([
            {"name": "shopping", "examples": ["shopping"], "reply": "Happy shopping!"},
            {"name": "shipping", "examples": ["shipping"], "reply": "Ships in 2 days."}
        ]),
    ] {
        let mut b = bot(json!({ "intents": intents }));
        let cases = [
            ("shopping", "shopping"),
            ("shipping", "shipping"),
            ("Shopping!", "shopping"),
            ("shiping", "shipping"),
            ("what about shopping", "shopping"),
        ];
        for (text, expected) in cases {
            assert_eq!(intent_of(&mut b, text).as_deref(), Some(expected), "{text}");
        }
    }
    // Two fuzzy candidates: the one with fewer typo-matched words wins.
    let mut b = bot(json!({"intents": [
        {"name": "far", "examples": ["retorn shiping"], "reply": "a"},
        {"name": "near", "examples": ["return shiping"], "reply": "b"}
    ]}));
    assert_eq!(
        intent_of(&mut b, "return shipping").as_deref(),
        Some("near")
    );
}
