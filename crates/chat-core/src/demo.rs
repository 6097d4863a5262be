//! The demo bot of the demo page (`"bot": {"type": "demo"}`, an explicit opt-in): a small
//! outdoor-gear shop assistant showing every feature (greeting with quick replies, intents,
//! hand-off).

use crate::config::{Intent, LocalBotConfig};
use crate::transcript::QuickReply;

fn intent(name: &str, examples: &[&str], reply: &str, quick: &[&str]) -> Intent {
    Intent {
        name: name.into(),
        examples: examples.iter().map(|s| s.to_string()).collect(),
        reply: reply.into(),
        quick_replies: quick.iter().map(|q| QuickReply::new(*q)).collect(),
        handoff: false,
    }
}

fn human_button() -> QuickReply {
    QuickReply {
        label: "Talk to a human".into(),
        payload: None,
        handoff: true,
    }
}

pub fn demo_bot() -> LocalBotConfig {
    let mut intents = vec![
        intent(
            "greet",
            &["hi", "hello", "hey", "good morning", "good evening", "bonjour", "hallo", "hola"],
            "Hello! How can I help you today?",
            &["Track my order", "Returns", "Shipping"],
        ),
        intent(
            "order_status",
            &["where is my order", "track my order", "order status", "tracking number", "my parcel", "package has not arrived"],
            "You can track your order from the link in your confirmation email, or under Account → Orders. Orders ship within 1 business day.",
            &["Shipping", "Talk to a human"],
        ),
        intent(
            "shipping",
            &["shipping", "delivery", "how long does delivery take", "shipping cost", "do you ship abroad", "free shipping"],
            "Standard delivery takes 2–4 business days and is free over €50. Express delivery (next day) costs €9.90. We ship to all EU countries, the UK and Switzerland.",
            &["Track my order", "Returns"],
        ),
        intent(
            "returns",
            &["return", "returns", "refund", "send back", "exchange", "money back"],
            "You can return any item within 30 days. Start a return under Account → Orders → Return; the label is free. Refunds reach your account within 5 days after we receive the parcel.",
            &["Talk to a human"],
        ),
        intent(
            "sizes",
            &["size", "size guide", "what size", "fit", "sizing", "too small", "too big"],
            "Each product page has a size guide. Our jackets run true to size; for layering, take one size up.",
            &[],
        ),
        intent(
            "hours",
            &["opening hours", "when are you open", "store hours", "customer service hours", "phone number"],
            "Our support team is available Monday to Friday, 8:00–18:00 CET, here in the chat or at +49 30 1234 5678.",
            &[],
        ),
        intent(
            "payment",
            &["payment", "pay", "credit card", "paypal", "invoice", "klarna", "payment methods"],
            "We accept Visa, Mastercard, American Express, PayPal and invoice (Klarna).",
            &[],
        ),
        intent(
            "thanks",
            &["thanks", "thank you", "great", "perfect", "merci", "danke", "gracias"],
            "You're welcome! Anything else I can do for you?",
            &[],
        ),
        intent(
            "goodbye",
            &["bye", "goodbye", "see you", "that's all", "nothing else"],
            "Thanks for chatting with us. Have a great day!",
            &[],
        ),
    ];
    for i in &mut intents {
        for q in &mut i.quick_replies {
            if q.label == "Talk to a human" {
                *q = human_button();
            }
        }
    }
    LocalBotConfig {
        name: "Alpine Assistant".into(),
        greeting: "Hi! I'm the Alpine Outfitters assistant. Ask me about orders, shipping, returns or sizes, or choose a topic below.".into(),
        greeting_quick_replies: vec![
            QuickReply::new("Track my order"),
            QuickReply::new("Returns"),
            QuickReply::new("Shipping"),
            human_button(),
        ],
        intents,
        handoff_phrases: [
            "talk to a human",
            "speak to a human",
            "human",
            "agent",
            "live agent",
            "real person",
            "speak to someone",
            "representative",
            "operator",
            "customer service",
            "live chat",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        fallback: None,
        fallbacks_before_handoff: 2,
        match_threshold: 0.5,
    }
}
