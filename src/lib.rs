//! # chat-widget
//!
//! The browser side of the chat widget: a thin driver over the pure core (`chat-core`), a Yew UI
//! rendered inside a Shadow DOM root, and the `mount` entry point the loader script
//! (`www/chat-widget.js`) calls. See ARCHITECTURE.md for how the layers fit together.

mod browser;
pub mod components;
mod driver;
mod hooks;
mod json;
mod page;
mod tabs;

use std::rc::Rc;

use crate::json::Chat;
use chat_core::config::Tabs;
use chat_core::tabs::Intent;
use chat_core::{ConfigError, Environment, Loaded, WidgetConfig};
use wasm_bindgen::prelude::*;
use web_sys::{Element, ShadowRoot, ShadowRootInit, ShadowRootMode};

pub use driver::{Driver, Emitter};
pub use hooks::{use_chat, ChatHandle};

/// The theme: every colour, font, radius and size is a documented `--chat-*` custom property.
pub const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/chat-widget.min.css"));

/// Where the conversation is saved (localStorage, or sessionStorage with `tabs: "perTab"`),
/// and the name of the tabs' channel and lock.
pub const DEFAULT_STORAGE_KEY: &str = "chat-widget:v1";

/// Everything `mount` needs.
pub struct MountOptions {
    /// The configuration object, as the page wrote it (`window.ChatWidgetConfig`): what the
    /// loader passes. Read with serde-wasm-bindgen, no JSON text in between.
    pub config: Option<JsValue>,
    /// The configuration as JSON text, for Rust embedders and tests (used when `config` is
    /// `None`; both `None` = no configuration: an error is shown).
    pub config_json: Option<String>,
    /// Set when the loader could not obtain the configuration (e.g. `data-config-url` failed).
    pub load_error: Option<String>,
    pub storage_key: String,
    /// Receives host-page events (`message`, `open`, `handoff:requested`, ...).
    pub emit: Option<Emitter>,
    /// A shipped language's texts as data (`messages/<tag>.json`, fetched by the loader):
    /// only English is compiled into the release build.
    pub language_data: Option<String>,
}

impl Default for MountOptions {
    fn default() -> Self {
        Self {
            config: None,
            config_json: None,
            load_error: None,
            storage_key: DEFAULT_STORAGE_KEY.into(),
            emit: None,
            language_data: None,
        }
    }
}

/// A mounted widget: its host element in the page, its shadow root and its driver.
pub struct Widget {
    driver: Rc<Driver>,
    host: Element,
    shadow: ShadowRoot,
    app: Option<yew::AppHandle<components::App>>,
}

impl Widget {
    pub fn driver(&self) -> &Rc<Driver> {
        &self.driver
    }
    pub fn host(&self) -> &Element {
        &self.host
    }
    pub fn shadow_root(&self) -> &ShadowRoot {
        &self.shadow
    }
    /// Removes the widget from the page and stops all its work.
    pub fn destroy(mut self) {
        self.driver.stop();
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.host.remove();
    }
}

/// The configuration as the loader passed it: no configuration at all, or one the loader could
/// not obtain or read (`load_error`), is reported like any other configuration error; the
/// widget then shows the problem and starts no conversation (never a default bot).
fn load(options: &MountOptions) -> Loaded {
    if let Some(err) = &options.load_error {
        return Loaded {
            config: WidgetConfig::default(),
            report: chat_core::config::Report {
                errors: vec![ConfigError::new("", err.clone())],
                warnings: Vec::new(),
            },
        };
    }
    if let Some(object) = options.config.clone() {
        let read = if nested_too_deeply(&object) {
            Err(chat_core::DecodeError("nested too deeply".into()))
        } else {
            json::from_js::<chat_core::config::Value>(object)
        };
        return match read {
            Ok(value) => WidgetConfig::from_value(&value),
            Err(e) => Loaded {
                config: WidgetConfig::default(),
                report: chat_core::config::Report {
                    errors: vec![ConfigError::new(
                        "",
                        format!("the configuration cannot be read: {e}"),
                    )],
                    warnings: Vec::new(),
                },
            },
        };
    }
    match &options.config_json {
        Some(text) => WidgetConfig::from_json::<json::BrowserJson>(text),
        None => WidgetConfig::from_value(&chat_core::config::Value::Null),
    }
}

/// Styles the shadow root with a constructable stylesheet (`adoptedStyleSheets`), which a
/// strict Content-Security-Policy (`style-src 'self'`, no `'unsafe-inline'`) allows; browsers
/// without it get a `<style>` element.
fn adopt_stylesheet(document: &web_sys::Document, shadow: &ShadowRoot) -> Result<(), JsValue> {
    let adopted = web_sys::CssStyleSheet::new().ok().and_then(|sheet| {
        sheet.replace_sync(STYLESHEET).ok()?;
        let list = js_sys::Array::of1(&sheet);
        js_sys::Reflect::set(shadow, &"adoptedStyleSheets".into(), &list)
            .ok()
            .filter(|done| *done)
    });
    if adopted.is_none() {
        let style = document.create_element("style")?;
        style.set_text_content(Some(STYLESHEET));
        shadow.append_child(&style)?;
    }
    Ok(())
}

/// Mounts the widget at the end of `<body>` inside a Shadow DOM root. Never panics on bad
/// configuration: problems are logged with their paths and shown in the widget.
pub fn mount_widget(options: MountOptions) -> Result<Widget, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("chat widget: no document"))?;
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("chat widget: the page has no <body>"))?;
    let loaded = load(&options);
    for e in &loaded.report.errors {
        browser::error(&format!("chat widget configuration error at {e}"));
    }
    for w in &loaded.report.warnings {
        browser::warn(&format!("chat widget configuration warning at {w}"));
    }
    // One conversation for all the site's tabs, unless configured per tab, not saved at all,
    // or the browser cannot share it (no BroadcastChannel / localStorage).
    let shared = loaded.config.tabs == Tabs::Shared && loaded.config.persist && tabs::supported();
    if shared {
        tabs::forget_if_stale(&options.storage_key);
    }
    let env = Environment {
        page_language: browser::page_language(),
        browser_languages: browser::browser_languages(),
        session_id: browser::random_uuid(),
        persisted: None,
        user_agent: browser::user_agent(),
        screen: browser::screen_size(),
        seed: 0,
        page_origin: web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
        language_data: options.language_data.clone(),
    };
    let make = Box::new(move |saved: Option<String>| {
        let env = Environment {
            persisted: saved,
            seed: browser::random_seed(),
            ..env.clone()
        };
        let mut chat = Chat::new(loaded.clone(), env);
        chat.handle_start(browser::now());
        chat
    });

    let host = document.create_element("chat-widget")?;
    host.set_attribute("data-chat-widget", "")?;
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
    adopt_stylesheet(&document, &shadow)?;
    let root = document.create_element("div")?;
    shadow.append_child(&root)?;
    body.append_child(&host)?;

    let driver = Driver::new(make, options.storage_key, shared, options.emit);
    {
        let chat = driver.chat();
        let catalogue = chat.catalogue();
        if !catalogue.has_defaults() {
            browser::warn(&format!(
                "chat widget: the texts for \"{}\" were not loaded (messages/{}.json); showing the English defaults",
                catalogue.language(),
                catalogue.language().split('-').next().unwrap_or("en")
            ));
        }
    }
    // Events produced at start (greeting, configuration errors) reach the host page now.
    driver.dispatch(|_, _| ());
    driver.watch_page();
    if shared {
        tabs::connect(&driver);
    }
    let app = yew::Renderer::<components::App>::with_root_and_props(
        root,
        components::AppProps {
            driver: driver.clone(),
        },
    )
    .render();
    Ok(Widget {
        driver,
        host,
        shadow,
        app: Some(app),
    })
}

/// The object the loader gets back from `mount`; `window.ChatWidget` forwards to it.
#[wasm_bindgen]
pub struct WidgetHandle {
    widget: Option<Widget>,
}

#[wasm_bindgen]
impl WidgetHandle {
    fn driver(&self) -> Option<&Rc<Driver>> {
        self.widget.as_ref().map(Widget::driver)
    }
    pub fn open(&self) {
        if let Some(d) = self.driver() {
            d.dispatch(|c, now| c.handle_open(now));
        }
    }
    pub fn close(&self) {
        if let Some(d) = self.driver() {
            d.dispatch(|c, _| c.handle_close());
        }
    }
    pub fn toggle(&self) {
        if let Some(d) = self.driver() {
            d.dispatch(|c, now| c.handle_toggle(now));
        }
    }
    /// Sends `text` as the visitor; `false` when it cannot be sent now.
    pub fn send(&self, text: &str) -> bool {
        self.driver().is_some_and(|d| {
            d.intent(
                Intent::Send {
                    text: text.to_string(),
                },
                None,
            )
        })
    }
    /// Host-page variables for `{{vars.NAME}}` in messages; values are converted to text.
    #[wasm_bindgen(js_name = setVariables)]
    pub fn set_variables(&self, vars: JsValue) {
        let Some(d) = self.driver() else { return };
        let Some(vars) = page_values("setVariables", vars) else {
            return;
        };
        d.intent(Intent::SetVariables { vars }, None);
    }
    /// Hidden pre-chat fields for the agent (MIAW routing attributes / Live Chat details).
    #[wasm_bindgen(js_name = setHiddenPrechatFields)]
    pub fn set_hidden_prechat_fields(&self, fields: JsValue) {
        let Some(d) = self.driver() else { return };
        let Some(fields) = page_values("setHiddenPrechatFields", fields) else {
            return;
        };
        d.intent(Intent::SetHiddenFields { fields }, None);
    }
    /// The verified user's identity token (a JWT signed by the site), for MIAW verified users.
    #[wasm_bindgen(js_name = setIdentityToken)]
    pub fn set_identity_token(&self, jwt: &str) {
        if let Some(d) = self.driver() {
            let jwt = jwt.to_string();
            d.intent(Intent::IdentityToken { jwt }, None);
        }
    }
    /// The agent conversation's id (MIAW conversation id / Live Chat session id), if any.
    #[wasm_bindgen(js_name = getConversationId)]
    pub fn get_conversation_id(&self) -> Option<String> {
        let d = self.driver()?;
        let id = d.chat().conversation_id().map(str::to_string);
        id
    }
    /// Forgets the saved conversation and removes the widget from the page.
    pub fn destroy(&mut self) {
        if let Some(w) = self.widget.take() {
            w.driver.clear_storage();
            w.destroy();
        }
    }
}

/// The values a page passes to `setVariables` / `setHiddenPrechatFields`: an object's
/// scalar members as text (strings as they are, numbers as their decimal text, booleans as
/// `true`/`false`); `null`, `undefined`, objects and arrays are left out.
#[derive(Default)]
struct PageValues(chat_core::Pairs);

impl<'de> serde::Deserialize<'de> for PageValues {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        chat_core::loose::scalar_map(d).map(|pairs| PageValues(pairs.into_iter().collect()))
    }
}

/// Reads [`PageValues`]; a value serde-wasm-bindgen cannot read at all (a function, a symbol)
/// refuses the whole call with a console warning rather than applying part of it.
fn page_values(call: &str, value: JsValue) -> Option<chat_core::Pairs> {
    match json::from_js::<PageValues>(value) {
        Ok(PageValues(pairs)) => Some(pairs),
        Err(e) => {
            browser::warn(&format!("chat widget: {call}() ignored: {e}"));
            None
        }
    }
}

/// Whether `value` nests objects or arrays deeper than [`json::MAX_DEPTH`] (as deep as JSON
/// text may: the text codec refuses deeper text before decoding), measured without
/// recursion. serde-wasm-bindgen recurses once per level and the wasm stack has no guard
/// page: a configuration a few thousand levels deep, which `JSON.parse` and the loader pass
/// on, would otherwise exhaust the stack inside `mount` (no widget, so no configuration
/// error shown). (`setVariables` values need no such check: nested members are skipped
/// unread.) Out of line: measured smaller in the release bundle.
#[inline(never)]
fn nested_too_deeply(value: &JsValue) -> bool {
    let mut stack = vec![(value.clone(), 0)];
    while let Some((v, depth)) = stack.pop() {
        if !v.is_object() {
            continue;
        }
        if depth >= json::MAX_DEPTH {
            return true;
        }
        // `Object.entries`, as serde-wasm-bindgen reads objects (no other import).
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            stack.push((entry.unchecked_into::<js_sys::Array>().get(1), depth + 1));
        }
    }
    false
}

/// Entry point for the loader: mounts the widget and returns its handle.
/// `emit(name, detail)` receives the host-page events; `language_data` is the visitor's
/// language file (`messages/<tag>.json`) when it is not English.
#[wasm_bindgen]
pub fn mount(
    config: JsValue,
    load_error: Option<String>,
    emit: Option<js_sys::Function>,
    language_data: Option<String>,
) -> Result<WidgetHandle, JsValue> {
    let emit: Option<Emitter> = emit.map(|f| {
        Box::new(move |name: &str, detail: JsValue| {
            if let Err(e) = f.call2(&JsValue::NULL, &JsValue::from_str(name), &detail) {
                web_sys::console::error_2(&"chat widget: an event listener threw".into(), &e);
            }
        }) as Emitter
    });
    let widget = mount_widget(MountOptions {
        config: (!config.is_null() && !config.is_undefined()).then_some(config),
        load_error,
        emit,
        language_data,
        ..Default::default()
    })?;
    Ok(WidgetHandle {
        widget: Some(widget),
    })
}
