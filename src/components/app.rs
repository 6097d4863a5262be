use std::rc::Rc;

use chat_core::config::{Position, Theme};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{ChatProvider, ChatWindow, Launcher, LiveRegion};
use crate::driver::Driver;
use crate::use_chat;

#[derive(Properties)]
pub struct AppProps {
    pub driver: Rc<Driver>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.driver, &other.driver)
    }
}

/// The widget's root: provider, launcher, window and the live region.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    html! {
        <ChatProvider driver={props.driver.clone()}>
            <Root />
        </ChatProvider>
    }
}

#[function_component]
fn Root() -> Html {
    let chat = use_chat();
    let launcher_ref = use_node_ref();
    let (open, position, theme, lang, rtl) = {
        let c = chat.chat();
        let cfg = c.config();
        (
            c.is_open(),
            match cfg.position {
                Position::BottomRight => "cw-right",
                Position::BottomLeft => "cw-left",
            },
            match cfg.theme {
                Theme::Auto => "auto",
                Theme::Light => "light",
                Theme::Dark => "dark",
            },
            c.catalogue().language().to_string(),
            c.catalogue().is_rtl(),
        )
    };
    // When the window closes while focus was inside it, focus returns to the launcher (this
    // follows the visitor's own action; incoming messages never move focus).
    {
        let launcher_ref = launcher_ref.clone();
        let was_open = use_mut_ref(|| open);
        use_effect_with(open, move |open| {
            let closed_now = *was_open.borrow() && !*open;
            *was_open.borrow_mut() = *open;
            if closed_now {
                if let Some(el) = launcher_ref.cast::<web_sys::HtmlElement>() {
                    let root = el.get_root_node();
                    let focus_lost = root
                        .dyn_ref::<web_sys::ShadowRoot>()
                        .map(|s| s.active_element().is_none())
                        .unwrap_or(true);
                    if focus_lost {
                        let _ = el.focus();
                    }
                }
            }
        });
    }
    // On a phone the open window covers the page: the page must not scroll behind it, and
    // the window follows the visual viewport (on-screen keyboard).
    let root_ref = use_node_ref();
    {
        let root_ref = root_ref.clone();
        let held = use_mut_ref(|| {
            None::<(
                crate::page::ScrollLock,
                Option<crate::page::ViewportFollower>,
            )>
        });
        use_effect_with(open, move |open| {
            if *open && crate::page::full_screen() {
                if held.borrow().is_none() {
                    let follower = root_ref
                        .cast::<web_sys::HtmlElement>()
                        .and_then(crate::page::follow_viewport);
                    *held.borrow_mut() = crate::page::lock_scroll().map(|l| (l, follower));
                }
            } else {
                held.borrow_mut().take();
            }
            move || {
                held.borrow_mut().take();
            }
        });
    }
    html! {
        <div ref={root_ref} class={classes!("cw-root", position, open.then_some("cw-open"))}
             data-theme={theme} lang={lang} dir={if rtl { "rtl" } else { "ltr" }}>
            <LiveRegion />
            if open { <ChatWindow /> }
            <Launcher node_ref={launcher_ref} />
        </div>
    }
}
