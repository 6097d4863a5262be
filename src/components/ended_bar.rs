use chat_core::MsgKey;
use yew::prelude::*;

use crate::use_chat;

/// Shown instead of the composer once the conversation ended: start a new one.
#[function_component]
pub fn EndedBar() -> Html {
    let chat = use_chat();
    let button = use_node_ref();
    // After "End conversation" (which is gone now), focus moves here.
    crate::hooks::use_focus_if_dropped(button.clone(), None);
    let label = chat.chat().catalogue().text(MsgKey::StartNewChat);
    let onclick = {
        let chat = chat.clone();
        Callback::from(move |_| chat.restart())
    };
    html! {
        <div class="cw-ended" part="ended-bar">
            <button ref={button} type="button" class="cw-restart" part="restart-button" {onclick}>{ label }</button>
        </div>
    }
}
