//! The driver loop: the only place where the core's outputs meet the browser.
//!
//! Every input (a visitor intent from the UI or the host page, an HTTP result, a timer) goes
//! through [`Driver::dispatch`], which feeds the core and then [`Driver::pump`]s its outputs:
//! HTTP actions are performed with fetch, events go to the host page, state to sessionStorage,
//! the next deadline becomes one timer, and the UI is told to re-render.

use std::cell::{Ref, RefCell};
use std::rc::{Rc, Weak};

use chat_core::{Author, Chat, ChatEvent, HttpAction, HttpError, Millis, StreamError};
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
    /// Files the visitor picked, by handle (the core only knows their handle, name and size).
    files: RefCell<Vec<(u32, web_sys::File)>>,
    /// The page listeners (`visibilitychange`, `online`, `offline`), removed by
    /// [`Driver::stop`].
    listeners: RefCell<Vec<PageListener>>,
    next_file: std::cell::Cell<u32>,
    me: Weak<Driver>,
    /// Set once the widget is unmounted: late fetch results and timers are dropped.
    stopped: std::cell::Cell<bool>,
}

type PageListener = (
    web_sys::EventTarget,
    &'static str,
    wasm_bindgen::closure::Closure<dyn FnMut()>,
);

impl Driver {
    pub fn new(chat: Chat, storage_key: String, emit: Option<Emitter>) -> Rc<Driver> {
        Rc::new_cyclic(|me| Driver {
            chat: RefCell::new(chat),
            storage_key,
            emit,
            on_change: RefCell::new(None),
            in_flight: RefCell::new(Vec::new()),
            timer: RefCell::new(None),
            files: RefCell::new(Vec::new()),
            listeners: RefCell::new(Vec::new()),
            next_file: std::cell::Cell::new(0),
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

    /// Follows the page: its visibility (a background tab does not read the agents'
    /// messages) and the browser's connectivity (`online` sends what waits at once).
    pub fn watch_page(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        let visible = !document.hidden();
        self.dispatch(|c, now| c.handle_visibility(visible, now));
        let doc = document.clone();
        self.listen(document.into(), "visibilitychange", move |c, now| {
            c.handle_visibility(!doc.hidden(), now)
        });
        self.listen(window.clone().into(), "online", |c, now| {
            c.handle_online(true, now)
        });
        self.listen(window.into(), "offline", |c, now| {
            c.handle_online(false, now)
        });
    }

    fn listen(
        &self,
        target: web_sys::EventTarget,
        event: &'static str,
        input: impl Fn(&mut Chat, Millis) + 'static,
    ) {
        use wasm_bindgen::JsCast;
        let me = self.me.clone();
        let closure = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if let Some(d) = me.upgrade() {
                d.dispatch(&input);
            }
        });
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        self.listeners.borrow_mut().push((target, event, closure));
    }

    /// Stops all work: aborts requests, cancels the timer.
    pub fn stop(&self) {
        use wasm_bindgen::JsCast;
        for (target, event, l) in self.listeners.borrow_mut().drain(..) {
            let _ = target.remove_event_listener_with_callback(event, l.as_ref().unchecked_ref());
        }
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
                HttpAction::Stream(request) => self.start_stream(request),
                HttpAction::Upload(request) => self.start_upload(request),
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
                // An aborted request was abandoned by the core: no result is expected.
                if driver.take_in_flight(request.id).is_some() && !driver.stopped.get() {
                    driver.dispatch(|chat, now| chat.handle_http(request.id, result, now));
                }
            }
        });
    }

    /// Keeps a picked file until its upload is done; returns its handle for the core.
    pub fn keep_file(&self, file: web_sys::File) -> u32 {
        let handle = self.next_file.get() + 1;
        self.next_file.set(handle);
        self.files.borrow_mut().push((handle, file));
        handle
    }

    fn start_upload(&self, request: chat_core::UploadRequest) {
        let file = self
            .files
            .borrow()
            .iter()
            .find(|(h, _)| *h == request.file.handle)
            .map(|(_, f)| f.clone());
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let signal = controller.signal();
        self.in_flight.borrow_mut().push((request.id, controller));
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = match &file {
                Some(f) => browser::upload(&request, f, &signal).await,
                None => Err(HttpError::Network("the file is no longer available".into())),
            };
            if let Some(driver) = me.upgrade() {
                if driver.take_in_flight(request.id).is_some() && !driver.stopped.get() {
                    let ok = matches!(&result, Ok(r) if r.is_success());
                    if ok {
                        driver
                            .files
                            .borrow_mut()
                            .retain(|(h, _)| *h != request.file.handle);
                    }
                    driver.dispatch(|chat, now| chat.handle_http(request.id, result, now));
                }
            }
        });
    }

    /// A streaming GET (the MIAW event stream): chunks go to the core as they arrive.
    fn start_stream(&self, request: chat_core::HttpRequest) {
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let signal = controller.signal();
        let id = request.id;
        self.in_flight.borrow_mut().push((id, controller));
        let me = self.me.clone();
        // Whether the core still wants this stream (not aborted, widget not stopped).
        let alive = move |me: &Weak<Driver>| -> Option<Rc<Driver>> {
            let d = me.upgrade()?;
            let wanted = !d.stopped.get() && d.in_flight.borrow().iter().any(|(r, _)| *r == id);
            wanted.then_some(d)
        };
        wasm_bindgen_futures::spawn_local(async move {
            let closed = |me: &Weak<Driver>, error: Option<StreamError>| {
                if let Some(d) = alive(me) {
                    d.take_in_flight(id);
                    d.dispatch(|chat, now| chat.handle_stream_closed(id, error, now));
                }
            };
            let response = match browser::fetch_stream(&request, &signal).await {
                Ok(r) => r,
                Err(HttpError::Network(e)) => return closed(&me, Some(StreamError::Network(e))),
                Err(HttpError::Aborted) => return,
            };
            if response.status() != 200 {
                return closed(&me, Some(StreamError::Status(response.status())));
            }
            let Some(reader) = browser::body_reader(&response) else {
                return closed(&me, Some(StreamError::Network("no body".into())));
            };
            match alive(&me) {
                Some(d) => d.dispatch(|chat, now| chat.handle_stream_chunk(id, &[], now)),
                None => return,
            }
            loop {
                match browser::read_chunk(&reader).await {
                    Ok(Some(bytes)) => match alive(&me) {
                        Some(d) => {
                            d.dispatch(|chat, now| chat.handle_stream_chunk(id, &bytes, now))
                        }
                        None => return,
                    },
                    Ok(None) => return closed(&me, None),
                    Err(HttpError::Network(e)) => {
                        return closed(&me, Some(StreamError::Network(e)))
                    }
                    Err(HttpError::Aborted) => return,
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
        match event {
            ChatEvent::Error { message } => browser::warn(&format!("chat widget: {message}")),
            ChatEvent::Log { message } => {
                browser::info(&format!("chat widget: {message}"));
                return;
            }
            _ => {}
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
            ChatEvent::ConversationStarted { id } => set("conversationId", id.as_str().into()),
            ChatEvent::ConversationClosed { reason, id } => {
                set("reason", (*reason).into());
                set(
                    "conversationId",
                    id.as_deref().map(JsValue::from).unwrap_or(JsValue::NULL),
                );
            }
            ChatEvent::AgentJoined { name } | ChatEvent::AgentLeft { name } => {
                set("name", name.as_str().into())
            }
            ChatEvent::Queue {
                position,
                wait_secs,
            } => {
                let num =
                    |n: &Option<u64>| n.map(|n| JsValue::from(n as f64)).unwrap_or(JsValue::NULL);
                set("position", num(position));
                set("waitSeconds", num(wait_secs));
            }
            ChatEvent::Connection { online } => set("online", (*online).into()),
            ChatEvent::Custom { kind, data } => {
                set("type", kind.as_str().into());
                set("data", data.as_str().into());
            }
            ChatEvent::Opened
            | ChatEvent::Closed
            | ChatEvent::ConversationEnded
            | ChatEvent::IdentityTokenNeeded
            | ChatEvent::WaitTimeout
            | ChatEvent::Log { .. } => {}
        }
        emit(event.name(), detail.into());
    }

    /// Forgets the saved conversation (used by tests and `ChatWidget.reset()`).
    pub fn clear_storage(&self) {
        browser::storage_remove(&self.storage_key);
    }
}
