//! The provider's context handle and the `use_chat` hook: how components read the
//! conversation and express visitor intents, without touching fetch, timers or storage.

use std::cell::Ref;
use std::rc::Rc;

use crate::json::Chat;
use chat_core::tabs::Intent;
use chat_core::Millis;
use yew::prelude::*;

use crate::driver::Driver;

/// What `use_chat()` returns: read access to the conversation and intent methods.
#[derive(Clone)]
pub struct ChatHandle {
    driver: Rc<Driver>,
    revision: u64,
}

impl PartialEq for ChatHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.driver, &other.driver) && self.revision == other.revision
    }
}

impl ChatHandle {
    pub fn new(driver: Rc<Driver>, revision: u64) -> Self {
        Self { driver, revision }
    }
    pub fn chat(&self) -> Ref<'_, Chat> {
        self.driver.chat()
    }
    pub fn send(&self, text: &str) -> bool {
        self.intent(Intent::Send {
            text: text.to_string(),
        })
    }
    pub fn quick_reply(&self, message_id: &str, index: usize) {
        self.intent(Intent::QuickReply {
            message_id: message_id.to_string(),
            index,
        });
    }
    pub fn retry(&self, message_id: &str) {
        self.intent(Intent::Retry {
            message_id: message_id.to_string(),
        });
    }
    pub fn open(&self) {
        self.driver.dispatch(|c, now| c.handle_open(now));
    }
    pub fn close(&self) {
        self.driver.dispatch(|c, _| c.handle_close());
    }
    pub fn toggle(&self) {
        self.driver.dispatch(|c, now| c.handle_toggle(now));
    }
    pub fn end(&self) {
        self.intent(Intent::End);
    }
    pub fn restart(&self) {
        self.intent(Intent::Restart {
            session_id: crate::browser::random_uuid(),
        });
    }
    /// Submits the pre-chat form; `false` when an answer was refused (shown in the form).
    pub fn prechat_submit(&self, values: chat_core::Pairs) -> bool {
        self.intent(Intent::PrechatSubmit { values })
    }
    pub fn prechat_cancel(&self) {
        self.intent(Intent::PrechatCancel);
    }
    /// The composer's text changed (typing indicator, Live Chat sneak peek).
    pub fn composer_text(&self, text: &str) {
        if self.chat().agent_active() {
            self.intent(Intent::ComposerText {
                text: text.to_string(),
            });
        }
    }
    /// Sends a file the visitor picked, pasted or dropped (checked by the core first).
    pub fn send_file(&self, file: web_sys::File) -> bool {
        let intent = Intent::SendFile {
            file: chat_core::FileRef {
                handle: 0,
                name: file.name(),
                size: file.size().max(0.0) as u64,
                mime_type: file.type_(),
            },
        };
        self.driver.intent(intent, Some(file))
    }
    /// A visitor intent: applied in this tab, or by the tab that owns the conversation.
    fn intent(&self, intent: Intent) -> bool {
        self.driver.intent(intent, None)
    }
    /// "14:05" in the widget's language.
    pub fn format_time(&self, time: Millis) -> String {
        let lang = self.chat().catalogue().language().to_string();
        crate::browser::format_time(time, &lang).unwrap_or_default()
    }
}

/// The conversation handle provided by [`crate::components::ChatProvider`].
#[hook]
pub fn use_chat() -> ChatHandle {
    use_context::<ChatHandle>().expect("use_chat must be called inside <ChatProvider>")
}

thread_local! {
    /// The visitor's focus was in the chat window and nothing else took it since: when the
    /// focused element is removed by a re-render (the composer replaced by the pre-chat form,
    /// "End conversation" replaced by "Start a new chat"), focus falls to `<body>`; the element
    /// that replaces it takes it back ([`use_focus_if_dropped`]).
    static FOCUS_IN_WINDOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The chat window opened or closed: no focus to give back.
pub fn window_focus_reset() {
    FOCUS_IN_WINDOW.with(|f| f.set(false));
}

/// The chat window's `focusin`.
pub fn window_focus_in() {
    FOCUS_IN_WINDOW.with(|f| f.set(true));
}

/// The chat window's `focusout`: focus went to another element (outside), or nowhere; in the
/// latter case it counts as dropped only if the element was removed (checked once the
/// re-render is over), not when the visitor clicked the page.
pub fn window_focus_out(e: &FocusEvent) {
    use wasm_bindgen::JsCast;
    if e.related_target().is_some() {
        FOCUS_IN_WINDOW.with(|f| f.set(false));
        return;
    }
    let Some(target) = e.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) else {
        return;
    };
    gloo_timers::callback::Timeout::new(0, move || {
        if target.is_connected() {
            FOCUS_IN_WINDOW.with(|f| f.set(false));
        }
    })
    .forget();
}

/// Focuses `node` (or its first element matching `inner`) once it is rendered if the visitor's
/// focus was in the chat window and fell to `<body>` because the focused element went away;
/// never takes focus from the page.
#[hook]
pub fn use_focus_if_dropped(node: NodeRef, inner: Option<&'static str>) {
    use_effect_with((), move |_| {
        // Once every component of this change has rendered (the element that had the focus
        // may be removed by another component's render, after this one mounted).
        gloo_timers::callback::Timeout::new(0, move || {
            let dropped = FOCUS_IN_WINDOW.with(|f| f.get());
            let page_focus = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| Some((d.active_element(), d.body()?)));
            let on_body = match page_focus {
                Some((Some(active), body)) => active == *body.as_ref(),
                Some((None, _)) => true,
                None => false,
            };
            if dropped && on_body {
                use wasm_bindgen::JsCast;
                let target = match (node.cast::<web_sys::Element>(), inner) {
                    (Some(el), Some(sel)) => el.query_selector(sel).ok().flatten(),
                    (el, _) => el,
                };
                if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.focus();
                }
            }
        })
        .forget();
    });
}
