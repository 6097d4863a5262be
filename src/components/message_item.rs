use std::rc::Rc;

use chat_core::brand::{initials, AgentAvatar};
use chat_core::transcript::{format_bytes, safe_url};
use chat_core::{Author, Message, Status};
use yew::prelude::*;

use super::QuickReplies;

/// The catalogue texts every message may show, looked up once per list render and shared by
/// all items (so an item's props change only when its own message, or the language, does).
#[derive(PartialEq, Default)]
pub struct ItemTexts {
    pub visitor: String,
    pub waiting: String,
    pub sending: String,
    pub failed: String,
    pub sent: String,
    pub delivered: String,
    pub read: String,
    pub retry: String,
    /// The language times are formatted in.
    pub language: String,
    /// Pictures beside the bot's and the agents' messages (`brand` in the configuration).
    pub bot_avatar: Option<String>,
    pub agent_avatar: AgentAvatar,
}

#[derive(Properties)]
pub struct MessageItemProps {
    pub message: Rc<Message>,
    pub texts: Rc<ItemTexts>,
    /// Called with the message id when the visitor retries a failed message.
    pub on_retry: Callback<String>,
}

/// Items compare by identity: the core gives a message a new allocation only when it
/// changes, so a new message in a long conversation renders only itself.
impl PartialEq for MessageItemProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.message, &other.message)
            && Rc::ptr_eq(&self.texts, &other.texts)
            && self.on_retry == other.on_retry
    }
}

/// One message: sender, time, text (always as text, never HTML), image, delivery state with a
/// retry button when it failed, and its quick replies.
#[function_component]
pub fn MessageItem(props: &MessageItemProps) -> Html {
    let m = &props.message;
    let t = &props.texts;
    // The time is formatted once per message (and again only if the language changes).
    let time = use_memo((m.time, t.language.clone()), |(time, lang)| {
        (
            crate::browser::format_time(*time, lang).unwrap_or_default(),
            crate::browser::iso_time(*time),
        )
    });
    let (kind, sender) = match &m.author {
        Author::Visitor => ("visitor", t.visitor.as_str()),
        Author::Bot { name } => ("bot", name.as_str()),
        Author::Agent { name } => ("agent", name.as_str()),
        Author::System => ("system", ""),
    };
    let status = m.shown_status().map(|s| match s {
        Status::Waiting => ("waiting", &t.waiting),
        Status::Sending => ("sending", &t.sending),
        Status::Failed => ("failed", &t.failed),
        Status::Sent => ("sent", &t.sent),
        Status::Delivered => ("delivered", &t.delivered),
        Status::Read => ("read", &t.read),
    });
    let files = m.files.iter().map(|f| {
        let size = f.size.map(format_bytes);
        let meta = match &size {
            Some(s) => format!("{} ({s})", f.name),
            None => f.name.clone(),
        };
        match (f.url.as_deref().and_then(safe_url), f.is_image()) {
            (Some(url), true) => html! {
                <a class="cw-file-link cw-file-link--image" href={url.to_string()} target="_blank" rel="noopener noreferrer">
                    <img class="cw-image" src={url.to_string()} alt={f.name.clone()} loading="lazy" />
                </a>
            },
            (Some(url), false) => html! {
                <a class="cw-file-link" href={url.to_string()} target="_blank" rel="noopener noreferrer"
                   download={f.name.clone()}>{ meta }</a>
            },
            (None, _) => html! { <span class="cw-file-name">{ meta }</span> },
        }
    });
    // Decorative (the sender's name is next to it): hidden from assistive technology.
    let avatar = match (&m.author, &t.agent_avatar) {
        (Author::Bot { .. }, _) => t.bot_avatar.clone().map(|src| (src, "avatar avatar-bot")),
        (Author::Agent { .. }, AgentAvatar::Image(src)) => {
            Some((src.clone(), "avatar avatar-agent"))
        }
        _ => None,
    };
    let initials = match (&m.author, &t.agent_avatar) {
        (Author::Agent { name }, AgentAvatar::Initials) => Some(initials(name)),
        _ => None,
    };
    let on_retry = {
        let cb = props.on_retry.clone();
        let id = m.id.clone();
        Callback::from(move |_| cb.emit(id.clone()))
    };
    html! {
        <li class={classes!("cw-msg", format!("cw-msg--{kind}"))} data-author={kind}>
            if kind != "system" {
                <div class="cw-meta">
                    if let Some((src, part)) = avatar {
                        <img class="cw-avatar" {part} {src} alt="" aria-hidden="true" />
                    }
                    if let Some(text) = initials {
                        <span class="cw-avatar" part="avatar avatar-agent" aria-hidden="true">{ text }</span>
                    }
                    <span class="cw-sender">{ sender }</span>
                    <time class="cw-time" datetime={time.1.clone()}>{ time.0.clone() }</time>
                </div>
            }
            <div class="cw-bubble" part={format!("bubble bubble-{kind}")} dir="auto">
                { m.text.clone() }
                if let Some(url) = m.image_url.as_deref().and_then(safe_url) {
                    <img class="cw-image" src={url.to_string()} alt="" loading="lazy" />
                }
                { for files }
            </div>
            if let Some((class, label)) = status {
                <div class={classes!("cw-status", format!("cw-status--{class}"))}>
                    <span>{ label.clone() }</span>
                    if class == "failed" {
                        <button type="button" class="cw-retry" onclick={on_retry}>{ t.retry.clone() }</button>
                    }
                </div>
            }
            if !m.quick_replies.is_empty() {
                <QuickReplies message_id={m.id.clone()} />
            }
        </li>
    }
}
