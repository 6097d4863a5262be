use chat_core::MsgKey;
use yew::prelude::*;

use super::icons;
use crate::use_chat;

#[derive(Properties, PartialEq)]
pub struct LauncherProps {
    #[prop_or_default]
    pub node_ref: NodeRef,
}

/// The round button that opens and closes the chat window, with an unread badge.
#[function_component]
pub fn Launcher(props: &LauncherProps) -> Html {
    let chat = use_chat();
    let (open, unread, label, icon) = {
        let c = chat.chat();
        let cat = c.catalogue();
        let unread = c.unread().min(99);
        // The name includes the badge's count (what is seen is what is announced).
        let label = if c.is_open() {
            cat.text(MsgKey::LauncherCloseLabel)
        } else if unread > 0 {
            cat.render(
                MsgKey::LauncherUnreadLabel,
                &[("count", &unread.to_string())],
            )
        } else {
            cat.text(MsgKey::LauncherOpenLabel)
        };
        (c.is_open(), unread, label, c.brand().launcher_icon.clone())
    };
    let onclick = {
        let chat = chat.clone();
        Callback::from(move |_| chat.toggle())
    };
    html! {
        <button ref={props.node_ref.clone()} type="button" class="cw-launcher" part="launcher"
                aria-label={label} aria-expanded={open.to_string()} {onclick}>
            if open {
                { icons::close() }
            } else if let Some(src) = icon {
                <img class="cw-launcher-icon" src={src} alt="" />
            } else {
                { icons::chat() }
            }
            if unread > 0 && !open {
                <span class="cw-badge" part="badge" aria-hidden="true">{ unread }</span>
            }
        </button>
    }
}
