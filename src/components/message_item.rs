use chat_core::transcript::format_bytes;
use chat_core::{Author, MsgKey, Status};
use yew::prelude::*;

use super::QuickReplies;
use crate::use_chat;

#[derive(Properties, PartialEq)]
pub struct MessageItemProps {
    pub id: String,
}

/// One message: sender, time, text (always as text, never HTML), image, delivery state with a
/// retry button when it failed, and its quick replies.
#[function_component]
pub fn MessageItem(props: &MessageItemProps) -> Html {
    let chat = use_chat();
    let c = chat.chat();
    let Some(m) = c.messages().iter().find(|m| m.id == props.id) else {
        return html! {};
    };
    let cat = c.catalogue();
    let (kind, sender) = match &m.author {
        Author::Visitor => ("visitor", cat.text(MsgKey::SenderVisitor)),
        Author::Bot { name } => ("bot", name.clone()),
        Author::Agent { name } => ("agent", name.clone()),
        Author::System => ("system", String::new()),
    };
    let time = chat.format_time(m.time);
    let status = match m.shown_status() {
        Some(Status::Waiting) => Some(("waiting", cat.text(MsgKey::StatusWaiting))),
        Some(Status::Sending) => Some(("sending", cat.text(MsgKey::StatusSending))),
        Some(Status::Failed) => Some(("failed", cat.text(MsgKey::StatusFailed))),
        Some(Status::Sent) => Some(("sent", cat.text(MsgKey::StatusSent))),
        Some(Status::Delivered) => Some(("delivered", cat.text(MsgKey::StatusDelivered))),
        Some(Status::Read) => Some(("read", cat.text(MsgKey::StatusRead))),
        None => None,
    };
    let files = m.files.iter().map(|f| {
        let size = f.size.map(format_bytes);
        let meta = match &size {
            Some(s) => format!("{} ({s})", f.name),
            None => f.name.clone(),
        };
        match (&f.url, f.is_image()) {
            (Some(url), true) => html! {
                <a class="cw-file-link cw-file-link--image" href={url.clone()} target="_blank" rel="noopener noreferrer">
                    <img class="cw-image" src={url.clone()} alt={f.name.clone()} loading="lazy" />
                </a>
            },
            (Some(url), false) => html! {
                <a class="cw-file-link" href={url.clone()} target="_blank" rel="noopener noreferrer"
                   download={f.name.clone()}>{ meta }</a>
            },
            (None, _) => html! { <span class="cw-file-name">{ meta }</span> },
        }
    });
    let retry_label = cat.text(MsgKey::MessageRetry);
    let on_retry = {
        let chat = chat.clone();
        let id = m.id.clone();
        Callback::from(move |_| chat.retry(&id))
    };
    let datetime = crate::hooks::iso_time(m.time);
    html! {
        <li class={classes!("cw-msg", format!("cw-msg--{kind}"))} data-author={kind}>
            if kind != "system" {
                <div class="cw-meta">
                    <span class="cw-sender">{ sender }</span>
                    <time class="cw-time" datetime={datetime}>{ time.clone() }</time>
                </div>
            }
            <div class="cw-bubble" dir="auto">
                { m.text.clone() }
                if let Some(url) = &m.image_url {
                    <img class="cw-image" src={url.clone()} alt="" loading="lazy" />
                }
                { for files }
            </div>
            if let Some((class, label)) = status {
                <div class={classes!("cw-status", format!("cw-status--{class}"))}>
                    <span>{ label }</span>
                    if class == "failed" {
                        <button type="button" class="cw-retry" onclick={on_retry}>{ retry_label }</button>
                    }
                </div>
            }
            if !m.quick_replies.is_empty() {
                <QuickReplies message_id={m.id.clone()} />
            }
        </li>
    }
}
