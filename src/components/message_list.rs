use std::rc::Rc;

use chat_core::{Author, Message, MsgKey};
use web_sys::HtmlElement;
use yew::prelude::*;

use super::message_item::ItemTexts;
use super::MessageItem;
use crate::use_chat;

/// Distance from the bottom (px) under which the list counts as "at the bottom".
const STICK_THRESHOLD: i32 = 48;

/// At most this many of the latest messages are on the page; "Show earlier messages" adds as
/// many again each time. This keeps every update and every restore cheap however long the
/// conversation (what is shown stays in the DOM: screen readers and find-in-page see it).
pub const WINDOW: usize = 400;

/// Messages are rendered in blocks of this many (by their index in the conversation): a
/// change reconciles the list's few blocks and the items of the blocks whose messages changed,
/// never every message on the page. The first message on the page moves a block at a time,
/// so the page holds between `WINDOW - STEP` and `WINDOW` messages.
pub const STEP: usize = 40;

/// Index of the first message on the page when `len` messages exist and `limit` may be shown.
fn first_shown(len: usize, limit: usize) -> usize {
    len.saturating_sub(limit).div_ceil(STEP) * STEP
}

#[derive(Properties)]
struct BlockProps {
    messages: Vec<Rc<Message>>,
    texts: Rc<ItemTexts>,
    on_retry: Callback<String>,
}

impl PartialEq for BlockProps {
    fn eq(&self, other: &Self) -> bool {
        self.messages.len() == other.messages.len()
            && self
                .messages
                .iter()
                .zip(&other.messages)
                .all(|(a, b)| Rc::ptr_eq(a, b))
            && Rc::ptr_eq(&self.texts, &other.texts)
            && self.on_retry == other.on_retry
    }
}

/// A block of consecutive messages (a fragment of `<li>`s in the list).
#[function_component]
fn Block(props: &BlockProps) -> Html {
    html! {
        { for props.messages.iter().map(|m| {
            let key = m.id.clone();
            html! {
                <MessageItem {key} message={m.clone()} texts={props.texts.clone()} on_retry={props.on_retry.clone()} />
            }
        }) }
    }
}

fn at_bottom(el: &HtmlElement) -> bool {
    el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_THRESHOLD
}

/// The scrolling message list. New messages scroll into view only while the visitor is at the
/// bottom (or just sent something); otherwise a "new messages" button appears instead of
/// yanking the view.
///
/// A change re-renders this list, but each [`MessageItem`] only when its own message changed
/// (the core replaces a message's `Rc` only then).
#[function_component]
pub fn MessageList() -> Html {
    let chat = use_chat();
    let scroller = use_node_ref();
    let stick = use_mut_ref(|| true);
    let pending_below = use_state(|| false);
    let seen = use_mut_ref(|| 0usize);
    // Earlier messages the visitor asked to see, beyond the window.
    let extra = use_state(|| 0usize);
    let texts = use_mut_ref(|| Rc::new(ItemTexts::default()));
    let on_retry = {
        let chat = chat.clone();
        // The same callback for every render: items keep equal props.
        use_memo((), move |_| {
            Callback::from(move |id: String| chat.retry(&id))
        })
    };
    let (count, visitor_sent, shown, hidden, dropped, new_label, list_label, earlier_labels) = {
        let c = chat.chat();
        let m = c.messages();
        let from = (*seen.borrow()).min(m.len());
        let cat = c.catalogue();
        let fresh = ItemTexts {
            visitor: cat.text(MsgKey::SenderVisitor),
            waiting: cat.text(MsgKey::StatusWaiting),
            sending: cat.text(MsgKey::StatusSending),
            failed: cat.text(MsgKey::StatusFailed),
            sent: cat.text(MsgKey::StatusSent),
            delivered: cat.text(MsgKey::StatusDelivered),
            read: cat.text(MsgKey::StatusRead),
            retry: cat.text(MsgKey::MessageRetry),
            language: cat.language().to_string(),
            bot_avatar: c.brand().bot_avatar.clone(),
            agent_avatar: c.brand().agent_avatar.clone(),
        };
        if **texts.borrow() != fresh {
            *texts.borrow_mut() = Rc::new(fresh);
        }
        let start = first_shown(m.len(), WINDOW + *extra);
        (
            m.len(),
            // The visitor's own new message always brings the view down.
            m[from..].iter().any(|m| m.author == Author::Visitor),
            m[start..].to_vec(),
            start,
            c.dropped_messages(),
            cat.text(MsgKey::NewMessagesLabel),
            c.title(),
            (
                cat.text(MsgKey::ShowEarlier),
                cat.text(MsgKey::EarlierNotKept),
            ),
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
    let show_earlier = {
        let extra = extra.clone();
        let stick = stick.clone();
        Callback::from(move |_| {
            *stick.borrow_mut() = false; // stay with what the visitor is reading
            extra.set(*extra + WINDOW);
        })
    };
    let texts = texts.borrow().clone();
    let blocks = shown.chunks(STEP).map(|chunk| {
        let key = chunk[0].id.clone();
        html! {
            <Block {key} messages={chunk.to_vec()} texts={texts.clone()} on_retry={(*on_retry).clone()} />
        }
    });
    html! {
        <div class="cw-messages-wrap">
            <div class="cw-messages" ref={scroller} {onscroll} tabindex="0" role="region" aria-label={list_label}>
                if hidden > 0 {
                    <button type="button" class="cw-earlier" onclick={show_earlier}>
                        { earlier_labels.0 }
                    </button>
                }
                <ol class="cw-message-list">
                    if hidden == 0 && dropped > 0 {
                        <li class="cw-msg cw-msg--system cw-not-kept">
                            <div class="cw-bubble" part="bubble bubble-system">{ earlier_labels.1 }</div>
                        </li>
                    }
                    { for blocks }
                </ol>
            </div>
            if *pending_below {
                <button type="button" class="cw-jump" onclick={jump}>{ new_label }{ " ↓" }</button>
            }
        </div>
    }
}
