use chat_core::MsgKey;
use yew::prelude::*;

use crate::use_chat;

#[derive(Properties, PartialEq)]
pub struct QuickRepliesProps {
    pub message_id: String,
}

/// The buttons offered under the latest message.
#[function_component]
pub fn QuickReplies(props: &QuickRepliesProps) -> Html {
    let chat = use_chat();
    let (labels, group_label, enabled) = {
        let c = chat.chat();
        let labels: Vec<String> = c
            .messages()
            .iter()
            .rev()
            .find(|m| m.id == props.message_id)
            .map(|m| m.quick_replies.iter().map(|q| q.label.clone()).collect())
            .unwrap_or_default();
        (
            labels,
            c.catalogue().text(MsgKey::QuickRepliesLabel),
            c.can_send(),
        )
    };
    html! {
        <div class="cw-quick-replies" part="quick-replies" role="group" aria-label={group_label}>
            { for labels.into_iter().enumerate().map(|(i, label)| {
                let chat = chat.clone();
                let id = props.message_id.clone();
                let onclick = Callback::from(move |_| chat.quick_reply(&id, i));
                html! { <button type="button" class="cw-quick-reply" part="quick-reply" disabled={!enabled} {onclick}>{ label }</button> }
            }) }
        </div>
    }
}
