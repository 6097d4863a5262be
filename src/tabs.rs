//! The browser side of one conversation across the site's tabs (`tabs: "shared"`; the
//! protocol and its decisions are in `chat_core::tabs`): who owns the conversation (the Web
//! Locks API, else a lease in `localStorage`), the `BroadcastChannel` the tabs talk over, and
//! the `storage` events that refresh the mirrors.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use chat_core::tabs::TabMessage;
use chat_core::Millis;
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::BroadcastChannel;

use crate::browser::{self, Store};
use crate::driver::{alive_key, Driver};

/// A shared conversation nobody has shown for this long is forgotten when a page opens (a new
/// visit starts afresh, like a new tab did with per-tab storage).
pub const STALE_MS: Millis = 30 * 60 * 1000;
/// The owner confirms that the conversation is in use this often.
const ALIVE_EVERY_MS: u32 = 15_000;
/// Lease (browsers without Web Locks): held this long, renewed this often.
const LEASE_MS: Millis = 6_000;
const LEASE_RENEW_MS: u32 = 2_000;
/// After writing its claim a tab reads it back this much later: the last writer wins.
const LEASE_SETTLE_MS: u32 = 250;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, callback)`. web-sys has `LockManager` only behind
    /// `web_sys_unstable_apis`; this one call is all the widget needs.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, callback: &js_sys::Function) -> Result<js_sys::Promise, JsValue>;
}

/// Whether this browser can share the conversation between tabs: `BroadcastChannel` and a
/// usable `localStorage`. Without them each tab keeps its own conversation.
pub fn supported() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let has_channel = js_sys::Reflect::has(&w, &"BroadcastChannel".into()).unwrap_or(false);
    has_channel && w.local_storage().ok().flatten().is_some()
}

/// Forgets a shared conversation that no tab has shown for [`STALE_MS`].
pub fn forget_if_stale(key: &str) {
    if browser::storage_get(Store::Local, key).is_none() {
        return;
    }
    let alive =
        browser::storage_get(Store::Local, &alive_key(key)).and_then(|t| t.parse::<Millis>().ok());
    if alive.is_none_or(|t| browser::now().saturating_sub(t) > STALE_MS) {
        browser::storage_remove(Store::Local, key);
        browser::storage_remove(Store::Local, &alive_key(key));
    }
}

/// Connects a shared-mode driver to the other tabs and starts the owner election.
pub fn connect(driver: &Rc<Driver>) {
    let key = driver.storage_key().to_string();
    let Ok(channel) = BroadcastChannel::new(&key) else {
        browser::warn("chat widget: BroadcastChannel refused; this tab runs on its own");
        driver.become_owner();
        return;
    };
    // The channel: `{m: "<TabMessage JSON>", f?: File}`.
    let weak = Rc::downgrade(driver);
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(d) = weak.upgrade() else { return };
            let data = e.data();
            let text = js_sys::Reflect::get(&data, &"m".into())
                .ok()
                .and_then(|m| m.as_string());
            let Some(m) = text
                .as_deref()
                .and_then(TabMessage::from_json::<crate::json::BrowserJson>)
            else {
                return;
            };
            let file = js_sys::Reflect::get(&data, &"f".into())
                .ok()
                .and_then(|f| f.dyn_into::<web_sys::File>().ok());
            d.tab_message(m, file);
        });
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let out = channel.clone();
    driver.set_post(move |m, file| {
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &data,
            &"m".into(),
            &m.to_json::<crate::json::BrowserJson>().into(),
        );
        if let Some(f) = file {
            let _ = js_sys::Reflect::set(&data, &"f".into(), f);
        }
        if out.post_message(&data).is_err() {
            browser::warn("chat widget: could not reach the other tabs");
        }
    });

    // The owner's saves reach the mirrors as `storage` events.
    let weak = Rc::downgrade(driver);
    let storage_key = key.clone();
    let on_storage =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |e: web_sys::StorageEvent| {
            let Some(d) = weak.upgrade() else { return };
            if e.key().as_deref() == Some(storage_key.as_str()) {
                d.mirror(e.new_value());
            } else if e.key().is_none() {
                d.mirror(None); // localStorage.clear()
            }
        });
    let window = web_sys::window().expect("a window");
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());

    let weak = Rc::downgrade(driver);
    let alive = Interval::new(ALIVE_EVERY_MS, move || {
        if let Some(d) = weak.upgrade() {
            d.keep_alive();
        }
    });

    let release = elect(driver, &key);
    driver.on_stop(move || {
        channel.set_onmessage(None);
        channel.close();
        drop(on_message);
        let _ = window
            .remove_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
        drop(on_storage);
        drop(alive);
        release();
    });
}

/// Starts the election; returns what gives the ownership up (at `stop`).
fn elect(driver: &Rc<Driver>, key: &str) -> Box<dyn FnOnce()> {
    let navigator = web_sys::window().map(|w| w.navigator());
    let has_locks = navigator
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
        .is_some_and(|l| l.is_object());
    if has_locks {
        if let Some(release) = lock(driver, key) {
            return release;
        }
    }
    lease(driver, key)
}

/// Web Locks: the tab granted the lock `<key>:owner` owns the conversation until it closes
/// (the browser releases the lock then, and grants it to the next tab waiting).
fn lock(driver: &Rc<Driver>, key: &str) -> Option<Box<dyn FnOnce()>> {
    let resolve: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
    let held = resolve.clone();
    let weak = Rc::downgrade(driver);
    let granted = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |_lock: JsValue| {
        let keep = js_sys::Promise::new(&mut |res, _rej| {
            *held.borrow_mut() = Some(res);
        });
        let owner = weak.upgrade().is_some_and(|d| {
            d.become_owner();
            d.is_owner()
        });
        if !owner {
            // Unmounted meanwhile: let the next tab have it.
            if let Some(r) = held.borrow_mut().take() {
                let _ = r.call0(&JsValue::NULL);
            }
        }
        keep
    });
    if let Err(e) = request_lock(&format!("{key}:owner"), granted.as_ref().unchecked_ref()) {
        web_sys::console::warn_2(&"chat widget: Web Locks refused; using a lease".into(), &e);
        return None;
    }
    // The callback must outlive the request, which may be granted much later.
    granted.forget();
    Some(Box::new(move || {
        if let Some(r) = resolve.borrow_mut().take() {
            let _ = r.call0(&JsValue::NULL);
        }
    }))
}

/// Without Web Locks: a lease `"<tab id> <expiry>"` in `localStorage` under `<key>:lease`,
/// renewed by the owner; a tab claims it when it is free or expired, and owns it if its claim
/// is still there a moment later (the last writer wins). The owner frees it when the page goes.
fn lease(driver: &Rc<Driver>, key: &str) -> Box<dyn FnOnce()> {
    let tab = browser::random_uuid();
    let lease_key = format!("{key}:lease");
    let holder = {
        let lease_key = lease_key.clone();
        move || -> Option<(String, Millis)> {
            let v = browser::storage_get(Store::Local, &lease_key)?;
            let (t, exp) = v.split_once(' ')?;
            Some((t.to_string(), exp.parse().ok()?))
        }
    };
    let claim = {
        let (lease_key, tab) = (lease_key.clone(), tab.clone());
        move || {
            let v = format!("{tab} {}", browser::now() + LEASE_MS);
            browser::storage_set(Store::Local, &lease_key, &v);
        }
    };
    let settle: Rc<RefCell<Option<Timeout>>> = Rc::new(RefCell::new(None));
    let weak: Weak<Driver> = Rc::downgrade(driver);
    let tick = {
        let (tab, settle) = (tab.clone(), settle.clone());
        move || {
            let Some(d) = weak.upgrade() else { return };
            if d.is_owner() {
                claim();
                return;
            }
            let free = holder().is_none_or(|(t, exp)| t == tab || exp < browser::now());
            if !free || settle.borrow().is_some() {
                return;
            }
            claim();
            let (weak, tab, holder, s) =
                (weak.clone(), tab.clone(), holder.clone(), settle.clone());
            *settle.borrow_mut() = Some(Timeout::new(LEASE_SETTLE_MS, move || {
                s.borrow_mut().take();
                if holder().is_some_and(|(t, _)| t == tab) {
                    if let Some(d) = weak.upgrade() {
                        d.become_owner();
                    }
                }
            }));
        }
    };
    tick();
    let renew = Interval::new(LEASE_RENEW_MS, tick);
    // The owner frees the lease as the page goes, so that another tab takes over at once.
    let weak = Rc::downgrade(driver);
    let free_key = lease_key.clone();
    let on_hide = Closure::<dyn FnMut()>::new(move || {
        if weak.upgrade().is_some_and(|d| d.is_owner()) {
            browser::storage_remove(Store::Local, &free_key);
        }
    });
    let window = web_sys::window().expect("a window");
    let _ = window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    let weak = Rc::downgrade(driver);
    Box::new(move || {
        drop(renew);
        settle.borrow_mut().take();
        let _ = window
            .remove_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        drop(on_hide);
        let owner = weak.upgrade().is_none_or(|d| d.is_owner());
        if owner
            && browser::storage_get(Store::Local, &lease_key).is_some_and(|v| v.starts_with(&tab))
        {
            browser::storage_remove(Store::Local, &lease_key);
        }
    })
}
