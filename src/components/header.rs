use chat_core::MsgKey;
use yew::prelude::*;

use super::icons;
use crate::use_chat;

/// Title, minimise and end-conversation buttons.
#[function_component]
pub fn Header() -> Html {
    let chat = use_chat();
    let (title, subtitle, logo, minimize, end, ended) = {
        let c = chat.chat();
        let cat = c.catalogue();
        (
            c.title(),
            c.subtitle().map(str::to_string),
            c.brand().logo.clone(),
            cat.text(MsgKey::MinimizeLabel),
            cat.text(MsgKey::EndConversationLabel),
            c.is_ended() || !c.report().errors.is_empty(),
        )
    };
    let on_min = {
        let chat = chat.clone();
        Callback::from(move |_| chat.close())
    };
    let on_end = {
        let chat = chat.clone();
        Callback::from(move |_| chat.end())
    };
    html! {
        <header class="cw-header" part="header">
            if let Some(src) = logo {
                // Decorative: the title says who this is.
                <img class="cw-logo" part="logo" src={src} alt="" />
            }
            <div class="cw-heading">
                <h2 class="cw-title" part="title">{ title }</h2>
                if let Some(sub) = subtitle {
                    <p class="cw-subtitle" part="subtitle">{ sub }</p>
                }
            </div>
            if !ended {
                <button type="button" class="cw-icon-button cw-end" aria-label={end.clone()} title={end} onclick={on_end}>
                    { icons::end() }
                </button>
            }
            <button type="button" class="cw-icon-button cw-minimize" aria-label={minimize.clone()} title={minimize} onclick={on_min}>
                { icons::minimize() }
            </button>
        </header>
    }
}
