//! The Yew UI: one small component per file. Components read the conversation through
//! [`crate::use_chat`] and express visitor intents through it; none touches fetch, timers or
//! storage.

mod app;
mod chat_window;
mod composer;
mod ended_bar;
mod header;
mod icons;
mod launcher;
mod live_region;
mod message_item;
mod message_list;
mod notices;
mod prechat_form;
mod provider;
mod quick_replies;
mod typing_indicator;

pub use app::{App, AppProps};
pub use chat_window::ChatWindow;
pub use composer::Composer;
pub use ended_bar::EndedBar;
pub use header::Header;
pub use launcher::Launcher;
pub use live_region::LiveRegion;
pub use message_item::MessageItem;
pub use message_list::{MessageList, STEP, WINDOW};
pub use notices::Notices;
pub use prechat_form::PrechatForm;
pub use provider::ChatProvider;
pub use quick_replies::QuickReplies;
pub use typing_indicator::TypingIndicator;
