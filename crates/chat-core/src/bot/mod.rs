//! Bots that talk to the visitor before (or instead of) a human: the embedded rule-based bot
//! and the adapter for a remote bot server (Rasa REST channel).

pub mod local;
pub mod normalize;
pub mod rasa;

pub use local::{Decision, LocalBot};
