use yew::prelude::*;

use crate::use_chat;

/// "… is typing" with animated dots, while the bot or an agent is writing.
#[function_component]
pub fn TypingIndicator() -> Html {
    let chat = use_chat();
    let typing = chat.chat().typing();
    match typing {
        Some(name) => html! {
            <div class="cw-typing" part="typing" aria-hidden="true">
                <span class="cw-typing-name">{ name }</span>
                <span class="cw-dots"><i></i><i></i><i></i></span>
            </div>
        },
        None => html! {},
    }
}
