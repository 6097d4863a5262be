//! What the widget does to the host page while its window covers a phone's screen: the page
//! behind must not scroll (a swipe on the window's header or composer moved it by hundreds of
//! pixels), it gets back the exact scroll position on close, and the window follows the
//! visual viewport so that the on-screen keyboard never hides the composer.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

/// The window covers the whole screen at this width and below (as in the stylesheet).
pub const FULL_SCREEN_QUERY: &str = "(max-width: 480px)";

/// CSS pixels, rounded: integer formatting only (formatting an `f64` would add about 15 KB of
/// float-printing code to the wasm).
fn px(v: f64) -> String {
    format!("{}px", v.round() as i64)
}

/// Whether the open window covers the screen now.
pub fn full_screen() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(FULL_SCREEN_QUERY).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// The page's scroll is locked while this lives; dropping it restores the page's own inline
/// styles and its exact scroll position.
pub struct ScrollLock {
    body: HtmlElement,
    root: HtmlElement,
    saved: Vec<(bool, &'static str, String)>,
    x: f64,
    y: f64,
}

/// Locks the page's scroll (`position: fixed` on `<body>` at the current offset: the one
/// method that also holds on iOS Safari, where `overflow: hidden` does not stop touch scrolls).
pub fn lock_scroll() -> Option<ScrollLock> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let body = document.body()?;
    let root: HtmlElement = document.document_element()?.dyn_into().ok()?;
    let x = window.scroll_x().unwrap_or(0.0);
    let y = window.scroll_y().unwrap_or(0.0);
    let set: [(bool, &'static str, String); 6] = [
        (true, "position", "fixed".into()),
        (true, "top", px(-y)),
        (true, "left", px(-x)),
        (true, "right", "0".into()),
        (true, "overflow", "hidden".into()),
        (false, "overflow", "hidden".into()),
    ];
    let mut saved = Vec::new();
    for (on_body, prop, value) in set {
        let style = if on_body { body.style() } else { root.style() };
        saved.push((
            on_body,
            prop,
            style.get_property_value(prop).unwrap_or_default(),
        ));
        let _ = style.set_property(prop, &value);
    }
    Some(ScrollLock {
        body,
        root,
        saved,
        x,
        y,
    })
}

impl Drop for ScrollLock {
    fn drop(&mut self) {
        for (on_body, prop, value) in self.saved.drain(..).rev() {
            let style = if on_body {
                self.body.style()
            } else {
                self.root.style()
            };
            let _ = if value.is_empty() {
                style.remove_property(prop).map(|_| ())
            } else {
                style.set_property(prop, &value)
            };
        }
        if let Some(w) = web_sys::window() {
            // Instantly, whatever the page's `scroll-behavior`.
            let options = web_sys::ScrollToOptions::new();
            options.set_left(self.x);
            options.set_top(self.y);
            options.set_behavior(web_sys::ScrollBehavior::Instant);
            w.scroll_to_with_scroll_to_options(&options);
        }
    }
}

/// Keeps `--_vv-top` and `--_vv-height` on `el` equal to the visual viewport (the part of the
/// page not covered by the on-screen keyboard) while this lives.
pub struct ViewportFollower {
    viewport: web_sys::EventTarget,
    listener: Closure<dyn FnMut()>,
}

pub fn follow_viewport(el: HtmlElement) -> Option<ViewportFollower> {
    let window = web_sys::window()?;
    let viewport = js_sys::Reflect::get(&window, &JsValue::from_str("visualViewport")).ok()?;
    if viewport.is_undefined() || viewport.is_null() {
        return None;
    }
    let target: web_sys::EventTarget = viewport.clone().dyn_into().ok()?;
    let update = move || {
        let get = |k: &str| {
            js_sys::Reflect::get(&viewport, &JsValue::from_str(k))
                .ok()
                .and_then(|v| v.as_f64())
        };
        if let (Some(top), Some(height)) = (get("offsetTop"), get("height")) {
            let style = el.style();
            let _ = style.set_property("--_vv-top", &px(top));
            let _ = style.set_property("--_vv-height", &px(height));
        }
    };
    update();
    let listener = Closure::<dyn FnMut()>::new(update);
    for event in ["resize", "scroll"] {
        let _ = target.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    }
    Some(ViewportFollower {
        viewport: target,
        listener,
    })
}

impl Drop for ViewportFollower {
    fn drop(&mut self) {
        for event in ["resize", "scroll"] {
            let _ = self
                .viewport
                .remove_event_listener_with_callback(event, self.listener.as_ref().unchecked_ref());
        }
    }
}
