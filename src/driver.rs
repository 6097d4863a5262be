//! The driver loop: the only place where the core's outputs meet the browser.
//!
//! Every input (a visitor intent from the UI or the host page, an HTTP result, a timer) goes
//! through [`Driver::dispatch`], which feeds the core and then [`Driver::pump`]s its outputs:
//! HTTP actions are performed with fetch, events go to the host page, state to storage, the
//! next deadline becomes one timer, and the UI is told to re-render.
//!
//! With `tabs: "shared"` (see `chat_core::tabs` and `crate::tabs`) the driver of one tab, the
//! owner, does all of that; the drivers of the other tabs are mirrors: their `Chat` is rebuilt
//! from the owner's saved state, its requests are never performed, and visitor intents go to
//! the owner ([`Driver::intent`]).

use std::cell::{Ref, RefCell};
use std::rc::{Rc, Weak};

use std::cell::Cell;

use crate::json::Chat;
use chat_core::tabs::{Forwarder, Intent, TabMessage};
use chat_core::{ChatEvent, HttpAction, HttpError, Millis, StreamError};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;
use web_sys::AbortController;

use crate::browser::{self, Store};

/// Receives `(event name, detail)` for the host page (`ChatWidget.on`).
pub type Emitter = Box<dyn Fn(&str, JsValue)>;

/// The UI's re-render hook, called with the core's revision.
type OnChange = Box<dyn Fn(u64)>;

pub struct Driver {
    chat: RefCell<Chat>,
    /// Builds the conversation from a saved state (this page's configuration and
    /// environment): at mount, when this tab becomes the owner, and in a mirror each time the
    /// owner saves.
    make: Box<dyn Fn(Option<String>) -> Chat>,
    storage_key: String,
    /// `tabs: "shared"`: the conversation is in `localStorage` and one tab owns it.
    shared: bool,
    /// This tab runs the conversation (always, per tab); else it mirrors the owner's.
    owner: Cell<bool>,
    /// A mirror's intents until the owner acknowledges them (with their files).
    forwarder: RefCell<Forwarder>,
    forwarded_files: RefCell<Vec<(String, web_sys::File)>>,
    /// Posts a message to the other tabs (set by `crate::tabs` in shared mode).
    post: RefCell<Option<Poster>>,
    /// Work to undo at `stop` (release the owner lock, close the channel, ...).
    on_stop: RefCell<Vec<Box<dyn FnOnce()>>>,
    /// Bumped when the conversation is rebuilt (the UI re-renders even if the new `Chat`
    /// happens to have the old one's revision).
    generation: Cell<u64>,
    /// This tab's own window state, kept in `sessionStorage` (shared mode).
    tab_open: Cell<Option<bool>>,
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
    /// Saves are batched: at most one per [`SAVE_INTERVAL_MS`] while the page is visible,
    /// the rest by this timer, and whatever is left on `pagehide` (see [`Driver::persist`]).
    save_timer: RefCell<Option<Timeout>>,
    last_save: Cell<Millis>,
}

/// The shortest time between two saves of the conversation while the page is visible.
const SAVE_INTERVAL_MS: Millis = 250;

/// The saved conversation in `store`; shared (`Local`), else what an earlier version saved
/// per tab in `sessionStorage` (carried over to the shared conversation).
fn saved_state(store: Store, key: &str) -> Option<String> {
    browser::storage_get(store, key).or_else(|| {
        (store == Store::Local)
            .then(|| browser::storage_get(Store::Session, key))
            .flatten()
    })
}

/// Drops what a mirror's conversation would request, announce or save: the owner does that.
fn quiet(chat: &mut Chat) {
    while chat.poll_http().is_some() {}
    while chat.poll_event().is_some() {}
    let _ = chat.poll_persist();
}

/// This tab's window state (shared mode), in `sessionStorage`.
fn open_key(key: &str) -> String {
    format!("{key}:open")
}

/// When the owner last saved or confirmed the shared conversation, in `localStorage`.
pub(crate) fn alive_key(key: &str) -> String {
    format!("{key}:alive")
}

/// Posts a message (and a file) to the other tabs.
type Poster = Box<dyn Fn(&TabMessage, Option<&web_sys::File>)>;

type PageListener = (
    web_sys::EventTarget,
    &'static str,
    wasm_bindgen::closure::Closure<dyn FnMut()>,
);

impl Driver {
    /// A driver for the conversation `make` builds. Per tab (`shared == false`) it owns the
    /// conversation at once, saved in `sessionStorage`; shared, it starts as a mirror of the
    /// saved one until `crate::tabs` makes it the owner ([`Driver::become_owner`]).
    pub fn new(
        make: Box<dyn Fn(Option<String>) -> Chat>,
        storage_key: String,
        shared: bool,
        emit: Option<Emitter>,
    ) -> Rc<Driver> {
        let store = if shared { Store::Local } else { Store::Session };
        let tab_open = shared
            .then(|| browser::storage_get(Store::Session, &open_key(&storage_key)))
            .flatten()
            .map(|v| v == "1");
        let mut chat = make(saved_state(store, &storage_key));
        if let Some(open) = tab_open {
            chat.restore_open(open);
        }
        if shared {
            // A mirror until elected: what this first start produced is the owner's to do.
            quiet(&mut chat);
        }
        Rc::new_cyclic(|me| Driver {
            chat: RefCell::new(chat),
            make,
            shared,
            owner: Cell::new(!shared),
            forwarder: RefCell::new(Forwarder::default()),
            forwarded_files: RefCell::new(Vec::new()),
            post: RefCell::new(None),
            on_stop: RefCell::new(Vec::new()),
            generation: Cell::new(0),
            tab_open: Cell::new(tab_open),
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
            save_timer: RefCell::new(None),
            last_save: Cell::new(0),
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

    fn store(&self) -> Store {
        if self.shared {
            Store::Local
        } else {
            Store::Session
        }
    }

    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// Whether this tab runs the conversation (see the module documentation).
    pub fn is_owner(&self) -> bool {
        self.owner.get()
    }

    pub(crate) fn set_post(&self, post: impl Fn(&TabMessage, Option<&web_sys::File>) + 'static) {
        *self.post.borrow_mut() = Some(Box::new(post));
    }

    pub(crate) fn on_stop(&self, f: impl FnOnce() + 'static) {
        self.on_stop.borrow_mut().push(Box::new(f));
    }

    fn post(&self, m: &TabMessage, file: Option<&web_sys::File>) {
        if let Some(post) = self.post.borrow().as_ref() {
            post(m, file);
        }
    }

    /// A visitor intent (from the UI or the page API). The owner applies it; a mirror checks
    /// it (`false`: it cannot be applied now, e.g. blank text or a refused pre-chat answer) and
    /// sends it to the owner, keeping it until acknowledged.
    pub fn intent(&self, intent: Intent, file: Option<web_sys::File>) -> bool {
        let id = browser::random_uuid();
        if self.owner.get() {
            return self.apply(&id, intent, file).unwrap_or(false);
        }
        let ok = self.chat.borrow_mut().accepts(&intent);
        if ok {
            let m = self
                .forwarder
                .borrow_mut()
                .forward(id.clone(), intent, browser::now());
            if let Some(f) = &file {
                self.forwarded_files.borrow_mut().push((id, f.clone()));
            }
            self.post(&m, file.as_ref());
        }
        self.pump();
        ok
    }

    /// Applies an intent in the owner (its own, or one a mirror sent with its file).
    fn apply(&self, id: &str, mut intent: Intent, file: Option<web_sys::File>) -> Option<bool> {
        if let (Intent::SendFile { file: f }, Some(file)) = (&mut intent, file) {
            f.handle = self.keep_file(file);
        }
        self.dispatch(|c, now| c.handle_intent(id, intent, now))
    }

    /// A message from another tab (`crate::tabs` reads the channel).
    pub(crate) fn tab_message(&self, m: TabMessage, file: Option<web_sys::File>) {
        match m {
            TabMessage::Intent { id, intent } if self.owner.get() => {
                if let Some(intent) = intent {
                    self.apply(&id, intent, file);
                }
                // Saved (with the intent's id) before it is acknowledged: if this tab closes
                // now, the next owner neither loses nor repeats it.
                self.save_now();
                self.post(&TabMessage::Ack { id }, None);
            }
            TabMessage::Intent { .. } => {} // another mirror's, for the owner
            TabMessage::Ack { id } => {
                self.forwarder.borrow_mut().acked(&id);
                self.forwarded_files.borrow_mut().retain(|(i, _)| *i != id);
                self.schedule_timer();
            }
            TabMessage::Owner if !self.owner.get() => self.resend(true),
            TabMessage::Owner => {}
        }
    }

    fn resend(&self, all: bool) {
        let again = self.forwarder.borrow_mut().resend(all, browser::now());
        for m in again {
            let file = match &m {
                TabMessage::Intent { id, .. } => self
                    .forwarded_files
                    .borrow()
                    .iter()
                    .find(|(i, _)| i == id)
                    .map(|(_, f)| f.clone()),
                _ => None,
            };
            self.post(&m, file.as_ref());
        }
        self.schedule_timer();
    }

    /// A mirror: the owner saved the conversation (`None`: it was forgotten). Shown as saved,
    /// with this tab's own window state; nothing it would request is performed.
    pub(crate) fn mirror(&self, saved: Option<String>) {
        if self.owner.get() || self.stopped.get() {
            return;
        }
        let mut chat = (self.make)(saved);
        if let Some(open) = self.tab_open.get() {
            chat.restore_open(open);
        }
        quiet(&mut chat);
        let seen = chat.is_open() && chat.agent_active() && !browser::page_hidden();
        *self.chat.borrow_mut() = chat;
        self.generation.set(self.generation.get() + 1);
        if seen {
            // Read receipts: the visitor sees the agent's messages in this tab.
            self.intent(Intent::Seen, None);
        }
        self.pump();
    }

    /// This tab now runs the conversation: resumed from the saved state like after a reload
    /// (continuation token and stream from the last event id, or the Live Chat session with
    /// its sequence numbers), then what this tab had sent and not seen acknowledged, then the
    /// other mirrors are asked to send theirs again.
    pub(crate) fn become_owner(&self) {
        if self.owner.get() || self.stopped.get() {
            return;
        }
        let saved = saved_state(Store::Local, &self.storage_key);
        if let Some(state) = &saved {
            // From now on shared: a copy an earlier version kept per tab is moved over.
            browser::storage_set(Store::Local, &self.storage_key, state);
            browser::storage_remove(Store::Session, &self.storage_key);
        }
        let mut chat = (self.make)(saved);
        if let Some(open) = self.tab_open.get() {
            chat.restore_open(open);
        }
        chat.handle_visibility(!browser::page_hidden(), browser::now());
        *self.chat.borrow_mut() = chat;
        self.generation.set(self.generation.get() + 1);
        self.owner.set(true);
        let leftovers = self.forwarder.borrow_mut().take_all();
        let mut files = std::mem::take(&mut *self.forwarded_files.borrow_mut());
        for (id, intent) in leftovers {
            let file = files
                .iter()
                .position(|(i, _)| *i == id)
                .map(|p| files.swap_remove(p).1);
            self.apply(&id, intent, file);
        }
        self.post(&TabMessage::Owner, None);
        self.pump();
        self.keep_alive();
    }

    /// The owner notes that the shared conversation is in use (see `crate::tabs::STALE_MS`).
    pub(crate) fn keep_alive(&self) {
        if self.owner.get() && self.shared && !self.stopped.get() {
            browser::storage_set(
                Store::Local,
                &alive_key(&self.storage_key),
                &browser::now().to_string(),
            );
        }
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
        self.listen(document.into(), "visibilitychange", move |d| {
            let visible = !doc.hidden();
            d.dispatch(|c, now| c.handle_visibility(visible, now));
            if !visible {
                d.save_now(); // the page may be discarded from here on, without `pagehide`
            }
        });
        // A reload, a navigation or a closed tab: what a batched save still holds is written.
        self.listen(window.clone().into(), "pagehide", |d| d.save_now());
        self.listen(window.clone().into(), "online", |d| {
            d.dispatch(|c, now| c.handle_online(true, now))
        });
        self.listen(window.into(), "offline", |d| {
            d.dispatch(|c, now| c.handle_online(false, now))
        });
    }

    fn listen(
        &self,
        target: web_sys::EventTarget,
        event: &'static str,
        handler: impl Fn(&Driver) + 'static,
    ) {
        use wasm_bindgen::JsCast;
        let me = self.me.clone();
        let closure = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if let Some(d) = me.upgrade() {
                handler(&d);
            }
        });
        let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        self.listeners.borrow_mut().push((target, event, closure));
    }

    /// Stops all work: saves what a batched save still holds, aborts requests, cancels the
    /// timers.
    pub fn stop(&self) {
        use wasm_bindgen::JsCast;
        self.save_now();
        for (target, event, l) in self.listeners.borrow_mut().drain(..) {
            let _ = target.remove_event_listener_with_callback(event, l.as_ref().unchecked_ref());
        }
        self.stopped.set(true);
        for (_, c) in self.in_flight.borrow_mut().drain(..) {
            c.abort();
        }
        self.timer.borrow_mut().take();
        self.on_change.borrow_mut().take();
        let undo = std::mem::take(&mut *self.on_stop.borrow_mut());
        for f in undo {
            f();
        }
    }

    fn pump(&self) {
        if self.stopped.get() {
            return;
        }
        loop {
            let action = self.chat.borrow_mut().poll_http();
            let Some(action) = action else { break };
            if !self.owner.get() {
                continue; // a mirror performs nothing: the owner does
            }
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
        self.persist();
        let open = self.chat.borrow().is_open();
        if self.shared && self.tab_open.get() != Some(open) {
            self.tab_open.set(Some(open));
            browser::storage_set(
                Store::Session,
                &open_key(&self.storage_key),
                if open { "1" } else { "0" },
            );
        }
        self.schedule_timer();
        let revision = self.chat.borrow().revision() + (self.generation.get() << 40);
        if let Some(f) = self.on_change.borrow().as_ref() {
            f(revision);
        }
    }

    /// Saves the conversation, batched: at once when the last save is older than
    /// [`SAVE_INTERVAL_MS`] (or the page is hidden: a background tab's timers are throttled
    /// and other tabs show what it saves), else once when that interval is over. A long
    /// burst of changes therefore costs a few saves, each of a bounded size (see
    /// `chat_core::transcript::KEPT_MESSAGES`).
    fn persist(&self) {
        if !self.owner.get() || !self.chat.borrow().persist_pending() {
            return;
        }
        let now = browser::now();
        let due = self.last_save.get() + SAVE_INTERVAL_MS;
        if now >= due || browser::page_hidden() {
            self.save_now();
        } else if self.save_timer.borrow().is_none() {
            let me = self.me.clone();
            let timer = Timeout::new((due - now) as u32, move || {
                if let Some(d) = me.upgrade() {
                    d.save_now();
                }
            });
            *self.save_timer.borrow_mut() = Some(timer);
        }
    }

    /// Writes what changed since the last save, now.
    pub(crate) fn save_now(&self) {
        self.save_timer.borrow_mut().take();
        if !self.owner.get() || self.stopped.get() {
            return;
        }
        let saved = self.chat.borrow_mut().poll_persist();
        if let Some(state) = saved {
            browser::storage_set(self.store(), &self.storage_key, &state);
            self.last_save.set(browser::now());
            self.keep_alive();
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
        let deadline = if self.owner.get() {
            self.chat.borrow().next_deadline()
        } else {
            self.forwarder.borrow().next_deadline()
        };
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
                    if driver.owner.get() {
                        driver.dispatch(|chat, now| chat.handle_timeout(now));
                    } else {
                        driver.resend(false);
                    }
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
            ChatEvent::IdentityTokenNeeded => self.call_identity_function(),
            _ => {}
        }
        let Some(emit) = &self.emit else { return };
        // The detail as a plain object (serde-wasm-bindgen); see `ChatEvent`'s `Serialize`.
        let detail = crate::json::to_js(event).unwrap_or_else(|_| js_sys::Object::new().into());
        emit(event.name(), detail);
    }

    /// MIAW verified users: `handoff.miaw.identityTokenFunction` names a global function
    /// (`"getChatToken"`, `"myApp.chat.token"`) that returns the customer's identity JWT, or a
    /// promise of it; it is called, with its object as `this`, whenever the session asks for a
    /// token (the page also gets `identity:needed`).
    fn call_identity_function(&self) {
        use chat_core::handoff::Channel;
        use wasm_bindgen::JsCast;
        let name = {
            let chat = self.chat.borrow();
            match chat.config().handoff.as_ref().map(|h| &h.channel) {
                Some(Channel::Miaw(m)) => m.identity_token_function.clone(),
                _ => None,
            }
        };
        let Some(name) = name else { return };
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut this = JsValue::NULL;
        let mut target: JsValue = window.into();
        for part in name.split('.') {
            let next = js_sys::Reflect::get(&target, &JsValue::from_str(part))
                .unwrap_or(JsValue::UNDEFINED);
            this = std::mem::replace(&mut target, next);
            if target.is_undefined() || target.is_null() {
                break;
            }
        }
        let Some(function) = target.dyn_ref::<js_sys::Function>() else {
            browser::error(&format!(
                "chat widget: handoff.miaw.identityTokenFunction \"{name}\" is not a function on this page"
            ));
            return;
        };
        let promise = match function.call0(&this) {
            Ok(value) => js_sys::Promise::resolve(&value),
            Err(e) => js_sys::Promise::reject(&e),
        };
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(promise).await {
                Ok(jwt) => match jwt.as_string().filter(|t| !t.is_empty()) {
                    Some(jwt) => {
                        if let Some(d) = me.upgrade() {
                            d.intent(Intent::IdentityToken { jwt }, None);
                        }
                    }
                    // No token (nobody signed in): nothing to send.
                    None if jwt.is_null() || jwt.is_undefined() => {}
                    None => browser::error(&format!(
                        "chat widget: {name}() gave no identity token (a JWT as text is expected)"
                    )),
                },
                Err(e) => web_sys::console::error_2(
                    &JsValue::from_str(&format!("chat widget: {name}() failed")),
                    &e,
                ),
            }
        });
    }

    /// Forgets the saved conversation (used by tests and `ChatWidget.destroy()`).
    pub fn clear_storage(&self) {
        // Nothing batched may write it again.
        self.save_timer.borrow_mut().take();
        let _ = self.chat.borrow_mut().poll_persist();
        browser::storage_remove(self.store(), &self.storage_key);
        if self.shared {
            browser::storage_remove(Store::Local, &alive_key(&self.storage_key));
            browser::storage_remove(Store::Session, &open_key(&self.storage_key));
        }
    }
}
