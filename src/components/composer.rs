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
    let file_input = use_node_ref();
    // Back after the pre-chat form (submitted, so gone): focus returns to the message box.
    crate::hooks::use_focus_if_dropped(input.clone(), None);
    let (enabled, attach, placeholder, label, send_label, attach_label) = {
        let c = chat.chat();
        let cat = c.catalogue();
        (
            c.can_send(),
            c.can_attach(),
            cat.text(MsgKey::ComposerPlaceholder),
            cat.text(MsgKey::ComposerLabel),
            cat.text(MsgKey::SendLabel),
            cat.text(MsgKey::AttachLabel),
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
                    chat.composer_text("");
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
    let oninput = {
        let chat = chat.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(el) = e.target_dyn_into::<HtmlTextAreaElement>() {
                chat.composer_text(&el.value());
            }
        })
    };
    // Files: the attach button's picker, paste and drop (only while an agent chat takes files).
    let send_files = {
        let chat = chat.clone();
        move |files: Option<web_sys::FileList>| -> bool {
            let Some(files) = files else { return false };
            let mut any = false;
            for i in 0..files.length() {
                if let Some(f) = files.get(i) {
                    chat.send_file(f);
                    any = true;
                }
            }
            any
        }
    };
    let onpick = {
        let send_files = send_files.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                send_files(input.files());
                input.set_value("");
            }
        })
    };
    let onattach = {
        let file_input = file_input.clone();
        Callback::from(move |_| {
            if let Some(i) = file_input.cast::<web_sys::HtmlInputElement>() {
                i.click();
            }
        })
    };
    let onpaste = {
        let send_files = send_files.clone();
        Callback::from(move |e: Event| {
            if !attach {
                return;
            }
            let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else {
                return;
            };
            let files = e.clipboard_data().and_then(|d| d.files());
            if files.as_ref().is_some_and(|f| f.length() > 0) {
                e.prevent_default();
                send_files(files);
            }
        })
    };
    let ondragover = Callback::from(move |e: DragEvent| {
        if attach {
            e.prevent_default();
        }
    });
    let ondrop = Callback::from(move |e: DragEvent| {
        if !attach {
            return;
        }
        let files = e.data_transfer().and_then(|d| d.files());
        if files.as_ref().is_some_and(|f| f.length() > 0) {
            e.prevent_default();
            send_files(files);
        }
    });
    html! {
        <form class="cw-composer" part="composer" {onsubmit} {ondragover} {ondrop}>
            if attach {
                <input ref={file_input} type="file" class="cw-file" hidden=true tabindex="-1"
                       aria-hidden="true" onchange={onpick} />
                <button type="button" class="cw-attach" part="attach-button" aria-label={attach_label.clone()}
                        title={attach_label} onclick={onattach}>{ icons::attach() }</button>
            }
            <textarea ref={input} class="cw-input" part="input" rows="1" dir="auto" placeholder={placeholder}
                      aria-label={label} disabled={!enabled}
                      maxlength={(MAX_MESSAGE_CHARS * 4).to_string()} {onkeydown} {oninput}
                      onpaste={onpaste} />
            <button type="submit" class="cw-send" part="send-button" aria-label={send_label} disabled={!enabled}>
                { icons::send() }
            </button>
        </form>
    }
}
