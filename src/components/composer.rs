use chat_core::chat::MAX_MESSAGE_CHARS;
use chat_core::MsgKey;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::icons;
use crate::use_chat;

/// The message box: Enter sends, Shift+Enter adds a line; disabled while the chat cannot send.
/// The text is cleared only once the core accepted it, so nothing typed is lost.
#[function_component]
pub fn Composer() -> Html {
    let chat = use_chat();
    let input = use_node_ref();
    let (enabled, placeholder, label, send_label) = {
        let c = chat.chat();
        let cat = c.catalogue();
        (
            c.can_send(),
            cat.text(MsgKey::ComposerPlaceholder),
            cat.text(MsgKey::ComposerLabel),
            cat.text(MsgKey::SendLabel),
        )
    };
    // When the visitor opened the window from inside the widget (the launcher has focus),
    // focus moves on to the message box. A window opened by the page (`openOnLoad`,
    // `ChatWidget.open()`) leaves the page's focus alone.
    {
        let input = input.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                let focus_in_widget = el
                    .get_root_node()
                    .dyn_into::<web_sys::ShadowRoot>()
                    .ok()
                    .and_then(|root| root.active_element())
                    .is_some();
                if focus_in_widget {
                    let _ = el.focus();
                }
            }
        });
    }
    let submit = {
        let chat = chat.clone();
        let input = input.clone();
        move || {
            if let Some(el) = input.cast::<HtmlTextAreaElement>() {
                if chat.send(&el.value()) {
                    el.set_value("");
                }
            }
        }
    };
    let onkeydown = {
        let submit = submit.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                submit();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit();
    });
    html! {
        <form class="cw-composer" {onsubmit}>
            <textarea ref={input} class="cw-input" rows="1" dir="auto" placeholder={placeholder}
                      aria-label={label} disabled={!enabled}
                      maxlength={(MAX_MESSAGE_CHARS * 4).to_string()} {onkeydown} />
            <button type="submit" class="cw-send" aria-label={send_label} disabled={!enabled}>
                { icons::send() }
            </button>
        </form>
    }
}
