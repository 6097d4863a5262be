use chat_core::Author;
use yew::prelude::*;

use crate::use_chat;

/// A visually hidden polite live region announcing each new incoming message
/// ("Alpine Assistant: Hello!"). It never takes focus.
#[function_component]
pub fn LiveRegion() -> Html {
    let chat = use_chat();
    let announcement = {
        let c = chat.chat();
        c.messages()
            .iter()
            .rev()
            .find(|m| m.author.is_incoming())
            .map(|m| match &m.author {
                Author::Bot { name } | Author::Agent { name } => format!("{name}: {}", m.text),
                _ => m.text.clone(),
            })
            .unwrap_or_default()
    };
    html! {
        <div class="cw-sr-only" role="status" aria-live="polite" aria-atomic="true">{ announcement }</div>
    }
}
