use yew::prelude::*;

use super::{Composer, EndedBar, Header, MessageList, Notices, PrechatForm, TypingIndicator};
use crate::use_chat;

/// The chat window: header, configuration notices, messages, typing indicator and composer.
#[function_component]
pub fn ChatWindow() -> Html {
    let chat = use_chat();
    let (title, ended, prechat) = {
        let c = chat.chat();
        (c.title(), c.is_ended(), c.prechat().is_some())
    };
    let onkeydown = {
        let chat = chat.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                chat.close();
            }
        })
    };
    html! {
        <section class="cw-window" role="dialog" aria-label={title} {onkeydown}>
            <Header />
            <Notices />
            <MessageList />
            <TypingIndicator />
            if ended { <EndedBar /> } else if prechat { <PrechatForm /> } else { <Composer /> }
        </section>
    }
}
