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
    // Where the visitor's focus is, for the elements that replace a focused one (see
    // `use_focus_if_dropped`); a window that (re)opens starts with nothing dropped.
    use_effect_with((), |_| {
        crate::hooks::window_focus_reset();
        crate::hooks::window_focus_reset
    });
    let onfocusin = Callback::from(|_: FocusEvent| crate::hooks::window_focus_in());
    let onfocusout = Callback::from(|e: FocusEvent| crate::hooks::window_focus_out(&e));
    html! {
        <section class="cw-window" part="window" role="dialog" aria-label={title} {onkeydown} {onfocusin} {onfocusout}>
            <Header />
            <Notices />
            <MessageList />
            <TypingIndicator />
            if ended { <EndedBar /> } else if prechat { <PrechatForm /> } else { <Composer /> }
        </section>
    }
}
