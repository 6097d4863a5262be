//! Hand-off to a human agent: the `handoff` configuration, the pre-chat form, and the glue that
//! runs a MIAW or Live Chat session inside [`crate::Chat`] (mapping the session's events to
//! messages from the catalogue, and its requests to the browser layer).
//!
//! Request ids: [`crate::Chat`]'s own requests (the Rasa bot) use small ids; the agent session
//! number `n` (one per hand-off, counted from 1) uses ids `n << 32 ..`, so a late answer to a
//! request of an earlier session never reaches a newer one.

mod config;
mod prechat;
pub(crate) mod run;

pub(crate) use config::read_handoff;
pub use config::{AttachmentRules, Channel, HandoffConfig, LiveChatSettings, MiawSettings};
pub use prechat::{ChoiceItem, FieldError, FieldKind, PrechatField, PrechatForm};

/// The pre-chat form while it is shown: the visitor's answers and the problems found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrechatState {
    pub values: crate::Pairs,
    /// Field name → problem, from the last submit.
    pub errors: Vec<(String, FieldError)>,
}
