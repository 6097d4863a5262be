use chat_core::{Author, MsgKey};
use web_sys::HtmlElement;
use yew::prelude::*;

use super::MessageItem;
use crate::use_chat;

/// Distance from the bottom (px) under which the list counts as "at the bottom".
const STICK_THRESHOLD: i32 = 48;

fn at_bottom(el: &HtmlElement) -> bool {
    el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_THRESHOLD
}

/// The scrolling message list. New messages scroll into view only while the visitor is at the
/// bottom (or just sent something); otherwise a "new messages" button appears instead of
/// yanking the view.
#[function_component]
pub fn MessageList() -> Html {
    let chat = use_chat();
    let scroller = use_node_ref();
    let stick = use_mut_ref(|| true);
    let pending_below = use_state(|| false);
    let seen = use_mut_ref(|| 0usize);
    let (count, visitor_sent, ids, new_label, list_label) = {
        let c = chat.chat();
        let m = c.messages();
        let from = (*seen.borrow()).min(m.len());
        (
            m.len(),
            // The visitor's own new message always brings the view down.
            m[from..].iter().any(|m| m.author == Author::Visitor),
            m.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
            c.catalogue().text(MsgKey::NewMessagesLabel),
            c.title(),
        )
    };
    {
        let scroller = scroller.clone();
        let stick = stick.clone();
        let pending_below = pending_below.clone();
        use_effect_with(count, move |count| {
            *seen.borrow_mut() = *count;
            if let Some(el) = scroller.cast::<HtmlElement>() {
                if *stick.borrow() || visitor_sent {
                    el.set_scroll_top(el.scroll_height());
                    *stick.borrow_mut() = true;
                    pending_below.set(false);
                } else {
                    pending_below.set(true);
                }
            }
        });
    }
    // Any other change (a status, a file, the typing indicator taking room below the list)
    // keeps a visitor who was at the bottom at the bottom.
    {
        let scroller = scroller.clone();
        let stick = stick.clone();
        let revision = chat.chat().revision();
        use_effect_with(revision, move |_| {
            if *stick.borrow() {
                if let Some(el) = scroller.cast::<HtmlElement>() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        });
    }
    let onscroll = {
        let stick = stick.clone();
        let pending_below = pending_below.clone();
        Callback::from(move |e: Event| {
            if let Some(el) = e.target_dyn_into::<HtmlElement>() {
                let bottom = at_bottom(&el);
                *stick.borrow_mut() = bottom;
                if bottom && *pending_below {
                    pending_below.set(false);
                }
            }
        })
    };
    let jump = {
        let scroller = scroller.clone();
        let pending_below = pending_below.clone();
        Callback::from(move |_| {
            if let Some(el) = scroller.cast::<HtmlElement>() {
                el.set_scroll_top(el.scroll_height());
            }
            pending_below.set(false);
        })
    };
    html! {
        <div class="cw-messages-wrap">
            <div class="cw-messages" ref={scroller} {onscroll} tabindex="0" role="region" aria-label={list_label}>
                <ol class="cw-message-list">
                    { for ids.into_iter().map(|id| html! { <MessageItem key={id.as_str()} id={id.clone()} /> }) }
                </ol>
            </div>
            if *pending_below {
                <button type="button" class="cw-jump" onclick={jump}>{ new_label }{ " ↓" }</button>
            }
        </div>
    }
}
