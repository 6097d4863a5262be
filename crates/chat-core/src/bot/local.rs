//! The embedded rule-based bot: intents matched by example phrases with a simple score.

use crate::config::{Intent, LocalBotConfig};
use crate::transcript::QuickReply;

use super::normalize::{content_tokens, word_matches};

/// Score of `input` against one example phrase. The whole example found in the input scores
/// above 1: 2 and more when every word is exactly the visitor's (after normalisation), between
/// 1 and 2 when a word only matched with a typo tolerance (fewer such words score higher), plus
/// a small bonus per word so that longer, more specific examples win ties. A partial match
/// scores at most 0.9. So an exact example always beats a fuzzy one, whatever the intents'
/// order.
pub fn phrase_score(example: &str, input_tokens: &[String]) -> f64 {
    tokens_score(&content_tokens(example), input_tokens)
}

/// [`phrase_score`] for an example already split into content tokens.
fn tokens_score(ex: &[String], input_tokens: &[String]) -> f64 {
    if ex.is_empty() || input_tokens.is_empty() {
        return 0.0;
    }
    // The whole example, in order, inside the input: the window with the fewest typos.
    let fuzzy_words = input_tokens
        .windows(ex.len())
        .filter_map(|w| {
            w.iter().zip(ex).try_fold(0usize, |fuzzy, (i, e)| match () {
                _ if i == e => Some(fuzzy),
                _ if word_matches(e, i) => Some(fuzzy + 1),
                _ => None,
            })
        })
        .min();
    let bonus = 0.01 * ex.len().min(50) as f64;
    match fuzzy_words {
        Some(0) => 2.0 + bonus,
        Some(n) => 1.0 + bonus * 0.5 + 0.49 / (n as f64 + 1.0),
        None => {
            let matched = ex
                .iter()
                .filter(|e| input_tokens.iter().any(|i| word_matches(e, i)))
                .count();
            // A partial match never beats a full one.
            0.9 * matched as f64 / ex.len() as f64
        }
    }
}

/// Examples split into content tokens once, when the bot is built.
type Prepared = Vec<Vec<String>>;

fn prepare(examples: &[String]) -> Prepared {
    examples.iter().map(|e| content_tokens(e)).collect()
}

fn intent_score(examples: &Prepared, input_tokens: &[String]) -> f64 {
    examples
        .iter()
        .map(|e| tokens_score(e, input_tokens))
        .fold(0.0, f64::max)
}

/// What the bot decided for one visitor turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<'a> {
    /// A configured intent matched (it may itself ask for hand-off).
    Intent(&'a Intent),
    /// One of the hand-off phrases matched.
    Handoff,
    /// Nothing matched; `offer_handoff` after too many consecutive misses.
    Fallback { offer_handoff: bool },
}

/// The local bot's matching state (consecutive misses).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalBot {
    pub config: LocalBotConfig,
    consecutive_fallbacks: u32,
    intents: Vec<Prepared>,
    handoff: Prepared,
}

impl LocalBot {
    pub fn new(config: LocalBotConfig) -> Self {
        Self {
            intents: config
                .intents
                .iter()
                .map(|i| prepare(&i.examples))
                .collect(),
            handoff: prepare(&config.handoff_phrases),
            config,
            consecutive_fallbacks: 0,
        }
    }

    pub fn consecutive_fallbacks(&self) -> u32 {
        self.consecutive_fallbacks
    }

    pub fn set_consecutive_fallbacks(&mut self, n: u32) {
        self.consecutive_fallbacks = n;
    }

    /// Decides the answer to `text`. `payload` (from a quick reply) naming an intent, as
    /// `name` or Rasa-style `/name`, selects it directly.
    pub fn decide(&mut self, text: &str, payload: Option<&str>) -> Decision<'_> {
        if let Some(p) = payload {
            let name = p.strip_prefix('/').unwrap_or(p);
            if let Some(i) = self.config.intents.iter().position(|i| i.name == name) {
                self.consecutive_fallbacks = 0;
                return Decision::Intent(&self.config.intents[i]);
            }
        }
        let input = content_tokens(payload.unwrap_or(text));
        let mut best: Option<(usize, f64)> = None;
        for (idx, examples) in self.intents.iter().enumerate() {
            let s = intent_score(examples, &input);
            if s >= self.config.match_threshold && best.is_none_or(|(_, b)| s > b) {
                best = Some((idx, s));
            }
        }
        let handoff = intent_score(&self.handoff, &input);
        match best {
            Some((_, s)) if s >= handoff => {}
            _ if handoff >= self.config.match_threshold.max(0.75) => {
                self.consecutive_fallbacks = 0;
                return Decision::Handoff;
            }
            _ => {}
        }
        match best {
            Some((idx, _)) => {
                self.consecutive_fallbacks = 0;
                Decision::Intent(&self.config.intents[idx])
            }
            None => {
                self.consecutive_fallbacks += 1;
                let n = self.config.fallbacks_before_handoff;
                let offer = n > 0 && self.consecutive_fallbacks >= n;
                if offer {
                    self.consecutive_fallbacks = 0;
                }
                Decision::Fallback {
                    offer_handoff: offer,
                }
            }
        }
    }

    pub fn greeting(&self) -> (&str, &[QuickReply]) {
        (&self.config.greeting, &self.config.greeting_quick_replies)
    }
}
