//! The driver loop: the only place where the core's outputs meet the browser.
//!
//! Every input (a visitor intent from the UI or the host page, an HTTP result, a timer) goes
//! through [`Driver::dispatch`], which feeds the core and then [`Driver::pump`]s its outputs:
//! HTTP actions are performed with fetch, events go to the host page, state to sessionStorage,
//! the next deadline becomes one timer, and the UI is told to re-render.

use std::cell::{Ref, RefCell};
use std::rc::{Rc, Weak};

use chat_core::{Author, Chat, ChatEvent, HttpAction, Millis};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;
use web_sys::AbortController;

use crate::browser;

/// Receives `(event name, detail)` for the host page (`ChatWidget.on`).
pub type Emitter = Box<dyn Fn(&str, JsValue)>;

/// The UI's re-render hook, called with the core's revision.
type OnChange = Box<dyn Fn(u64)>;

pub struct Driver {
    chat: RefCell<Chat>,
    storage_key: String,
    emit: Option<Emitter>,
    on_change: RefCell<Option<OnChange>>,
    in_flight: RefCell<Vec<(u64, AbortController)>>,
    timer: RefCell<Option<(Millis, Timeout)>>,
    me: Weak<Driver>,
    /// Set once the widget is unmounted: late fetch results and timers are dropped.
    stopped: std::cell::Cell<bool>,
}

impl Driver {
    pub fn new(chat: Chat, storage_key: String, emit: Option<Emitter>) -> Rc<Driver> {
        Rc::new_cyclic(|me| Driver {
            chat: RefCell::new(chat),
            storage_key,
            emit,
            on_change: RefCell::new(None),
            in_flight: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            me: me.clone(),
            stopped: std::cell::Cell::new(false),
        })
    }

    /// Read access for rendering.
    pub fn chat(&self) -> Ref<'_, Chat> {
        self.chat.borrow()
    }

    /// The UI's re-render hook (called with the core's revision).
    pub fn set_on_change(&self, f: impl Fn(u64) + 'static) {
        *self.on_change.borrow_mut() = Some(Box::new(f));
    }

    /// Feeds one input to the core and performs what follows.
    pub fn dispatch<R>(&self, input: impl FnOnce(&mut Chat, Millis) -> R) -> R {
        let result = input(&mut self.chat.borrow_mut(), browser::now());
        self.pump();
        result
    }

    /// Stops all work: aborts requests, cancels the timer.
    pub fn stop(&self) {
        self.stopped.set(true);
        for (_, c) in self.in_flight.borrow_mut().drain(..) {
            c.abort();
        }
        self.timer.borrow_mut().take();
        self.on_change.borrow_mut().take();
    }

    fn pump(&self) {
        if self.stopped.get() {
            return;
        }
        loop {
            let action = self.chat.borrow_mut().poll_http();
            let Some(action) = action else { break };
            match action {
                HttpAction::Start(request) => self.start_request(request),
                HttpAction::Abort(id) => {
                    if let Some(c) = self.take_in_flight(id) {
                        c.abort();
                    }
                }
            }
        }
        loop {
            let event = self.chat.borrow_mut().poll_event();
            let Some(event) = event else { break };
            self.emit_event(&event);
        }
        let saved = self.chat.borrow_mut().poll_persist();
        if let Some(state) = saved {
            browser::storage_set(&self.storage_key, &state);
        }
        self.schedule_timer();
        let revision = self.chat.borrow().revision();
        if let Some(f) = self.on_change.borrow().as_ref() {
            f(revision);
        }
    }

    fn take_in_flight(&self, id: u64) -> Option<AbortController> {
        let mut list = self.in_flight.borrow_mut();
        let i = list.iter().position(|(r, _)| *r == id)?;
        Some(list.swap_remove(i).1)
    }

    fn start_request(&self, request: chat_core::HttpRequest) {
        let Ok(controller) = AbortController::new() else {
            browser::error("chat widget: AbortController is not available");
            return;
        };
        let signal = controller.signal();
        self.in_flight.borrow_mut().push((request.id, controller));
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = browser::fetch(&request, &signal).await;
            if let Some(driver) = me.upgrade() {
                driver.take_in_flight(request.id);
                if !driver.stopped.get() {
                    driver.dispatch(|chat, now| chat.handle_http(request.id, result, now));
                }
            }
        });
    }

    /// One timer for the core's next deadline, replaced when the deadline changes.
    fn schedule_timer(&self) {
        let deadline = self.chat.borrow().next_deadline();
        let mut timer = self.timer.borrow_mut();
        if timer.as_ref().map(|(d, _)| *d) == deadline {
            return;
        }
        *timer = deadline.map(|d| {
            let delay = d.saturating_sub(browser::now()).min(u32::MAX as u64) as u32;
            let me = self.me.clone();
            let t = Timeout::new(delay, move || {
                if let Some(driver) = me.upgrade() {
                    driver.timer.borrow_mut().take();
                    driver.dispatch(|chat, now| chat.handle_timeout(now));
                }
            });
            (d, t)
        });
    }

    fn emit_event(&self, event: &ChatEvent) {
        if let ChatEvent::Error { message } = event {
            browser::warn(&format!("chat widget: {message}"));
        }
        let Some(emit) = &self.emit else { return };
        let detail = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(k), &v);
        };
        match event {
            ChatEvent::Message {
                id,
                author,
                text,
                incoming,
            } => {
                let (kind, name) = match author {
                    Author::Visitor => ("visitor", None),
                    Author::Bot { name } => ("bot", Some(name)),
                    Author::Agent { name } => ("agent", Some(name)),
                    Author::System => ("system", None),
                };
                set("id", id.as_str().into());
                set("author", kind.into());
                if let Some(n) = name {
                    set("name", n.as_str().into());
                }
                set("text", text.as_str().into());
                set("incoming", (*incoming).into());
            }
            ChatEvent::HandoffRequested(h) => {
                set("transcript", h.transcript.as_str().into());
                let ctx = js_sys::Object::new();
                for (k, v) in h.context.iter() {
                    let _ = js_sys::Reflect::set(&ctx, &k.into(), &v.into());
                }
                set("context", ctx.into());
            }
            ChatEvent::Error { message } => set("message", message.as_str().into()),
            ChatEvent::Opened | ChatEvent::Closed | ChatEvent::ConversationEnded => {}
        }
        emit(event.name(), detail.into());
    }

    /// Forgets the saved conversation (used by tests and `ChatWidget.reset()`).
    pub fn clear_storage(&self) {
        browser::storage_remove(&self.storage_key);
    }
}
