//! Browser tests: the widget mounted in a real page (headless Chromium via wasm-pack).
//! Run with `cargo xtask test`, or alone:
//! `wasm-pack test --headless --chrome --mode no-install --chromedriver /usr/bin/chromedriver .`

use std::time::Duration;

use chat_widget::{mount_widget, MountOptions, Widget};
use gloo_timers::future::sleep;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};

wasm_bindgen_test_configure!(run_in_browser);

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Names the demo shop assistant when the test's configuration names no bot (a site always
/// names its bot: the demo one is an explicit opt-in).
fn with_demo_bot(config: &str) -> String {
    let c = config.trim();
    match c.strip_prefix('{') {
        Some(rest) if !c.contains("\"bot\"") => {
            let sep = if rest.trim_start().starts_with('}') {
                ""
            } else {
                ","
            };
            format!("{{\"bot\": {{\"type\": \"demo\"}}{sep}{rest}")
        }
        _ => config.to_string(),
    }
}

/// Mounts with a fixed storage key (tests that reload, or look into the storage).
fn mount_keyed(config: &str, key: &str) -> Widget {
    mount_widget(MountOptions {
        config_json: Some(with_demo_bot(config)),
        storage_key: key.into(),
        ..Default::default()
    })
    .expect("mounted")
}

fn mount(config: &str) -> Widget {
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    mount_keyed(config, &format!("chat-widget-test-{n}"))
}

/// Waits (up to 5 s) until `probe` finds something: Yew renders from its scheduler.
async fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    for _ in 0..250 {
        if let Some(v) = probe() {
            return v;
        }
        sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn find(w: &Widget, selector: &str) -> Option<HtmlElement> {
    w.shadow_root()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

/// Adds a `<style>` with `css` to the page (the test removes it).
fn page_stylesheet(css: &str) -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let style = document.create_element("style").unwrap();
    style.set_text_content(Some(css));
    document.head().unwrap().append_child(&style).unwrap();
    style
}

/// The computed `property` of the widget element `selector`.
fn computed(w: &Widget, selector: &str, property: &str) -> String {
    let el = find(w, selector).unwrap_or_else(|| panic!("{selector}"));
    web_sys::window()
        .unwrap()
        .get_computed_style(&el)
        .unwrap()
        .unwrap()
        .get_property_value(property)
        .unwrap()
}

fn all_text(w: &Widget, selector: &str) -> Vec<String> {
    let list = w.shadow_root().query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

async fn open(w: &Widget) {
    let launcher = wait_for("launcher", || find(w, ".cw-launcher")).await;
    launcher.click();
    wait_for("window", || find(w, ".cw-window")).await;
}

async fn type_and_enter(w: &Widget, text: &str, shift: bool) {
    let input: HtmlTextAreaElement = wait_for("composer", || find(w, ".cw-input"))
        .await
        .unchecked_into();
    input.set_value(text);
    let init = KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_shift_key(shift);
    let ev = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// The visitor asks the demo bot about payment methods and waits for its answer.
async fn ask_payment_methods(w: &Widget) {
    type_and_enter(w, "payment methods", false).await;
    wait_for("the bot's answer", || {
        bubbles(w, "bot").into_iter().find(|b| b.contains("PayPal"))
    })
    .await;
}

fn bubbles(w: &Widget, kind: &str) -> Vec<String> {
    all_text(w, &format!(".cw-msg--{kind} .cw-bubble"))
}

#[wasm_bindgen_test]
async fn opens_with_greeting_and_quick_replies() {
    let w = mount("{}");
    let launcher = wait_for("launcher", || find(&w, ".cw-launcher")).await;
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Open chat"),
        "the greeting is not an unread message"
    );
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    open(&w).await;
    let greeting = wait_for("greeting", || bubbles(&w, "bot").first().cloned()).await;
    assert!(
        greeting.contains("Alpine Outfitters assistant"),
        "{greeting}"
    );
    assert!(all_text(&w, ".cw-quick-reply").contains(&"Track my order".to_string()));
    let launcher = find(&w, ".cw-launcher").unwrap();
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    // every button has an accessible name
    let buttons = w.shadow_root().query_selector_all("button").unwrap();
    for i in 0..buttons.length() {
        let b: Element = buttons.item(i).unwrap().unchecked_into();
        let name = b
            .get_attribute("aria-label")
            .unwrap_or_else(|| b.text_content().unwrap_or_default());
        assert!(
            !name.trim().is_empty(),
            "button without a name: {}",
            b.outer_html()
        );
    }
    w.destroy();
}

#[wasm_bindgen_test]
async fn enter_sends_and_the_bot_answers_shift_enter_does_not_send() {
    let w = mount("{\"openOnLoad\": true}");
    type_and_enter(&w, "line one", true).await;
    sleep(Duration::from_millis(50)).await;
    assert!(
        bubbles(&w, "visitor").is_empty(),
        "Shift+Enter must not send"
    );
    type_and_enter(&w, "How long does delivery take?", false).await;
    let answer = wait_for("bot answer", || {
        bubbles(&w, "bot")
            .into_iter()
            .find(|b| b.contains("Standard delivery"))
    })
    .await;
    assert!(answer.contains("2–4 business days"));
    assert_eq!(bubbles(&w, "visitor"), ["How long does delivery take?"]);
    let input: HtmlTextAreaElement = find(&w, ".cw-input").unwrap().unchecked_into();
    assert_eq!(input.value(), "", "the composer is cleared once sent");
    // the live region announces the latest incoming message
    let live = find(&w, "[aria-live=polite]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(live.contains("Standard delivery"), "{live}");
    // sender and time are shown
    let meta = all_text(&w, ".cw-msg--visitor .cw-meta");
    assert!(meta[0].starts_with("You"), "{meta:?}");
    assert!(find(&w, ".cw-msg--visitor time").is_some());
    w.destroy();
}

#[wasm_bindgen_test]
async fn quick_reply_click_sends_it() {
    let w = mount("{\"openOnLoad\": true}");
    let button = wait_for("quick reply", || {
        let list = w.shadow_root().query_selector_all(".cw-quick-reply").ok()?;
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into::<HtmlElement>())
            .find(|b| b.text_content().as_deref() == Some("Returns"))
    })
    .await;
    button.click();
    wait_for("returns answer", || {
        bubbles(&w, "bot")
            .into_iter()
            .find(|b| b.contains("within 30 days"))
    })
    .await;
    assert_eq!(bubbles(&w, "visitor"), ["Returns"]);
    w.destroy();
}

#[wasm_bindgen_test]
async fn handoff_shows_the_no_agent_message() {
    let w = mount("{\"openOnLoad\": true}");
    type_and_enter(&w, "I want to talk to a human", false).await;
    let notice = wait_for("no agent", || bubbles(&w, "system").last().cloned()).await;
    assert_eq!(
        notice,
        "There is no agent available right now. Please contact us again later."
    );
    assert!(bubbles(&w, "bot")
        .iter()
        .any(|b| b == "No problem, I'll transfer you to one of our agents now."));
    w.destroy();
}

#[wasm_bindgen_test]
async fn custom_no_agent_text_and_language() {
    let w = mount(
        r#"{"openOnLoad": true, "language": "fr", "messages": {"fr": {"noAgentAvailable": "Aucun conseiller, désolé."}}}"#,
    );
    type_and_enter(&w, "agent", false).await;
    let notice = wait_for("no agent", || bubbles(&w, "system").last().cloned()).await;
    assert_eq!(notice, "Aucun conseiller, désolé.");
    let root = find(&w, ".cw-root").unwrap();
    assert_eq!(root.get_attribute("lang").as_deref(), Some("fr"));
    w.destroy();
}

#[wasm_bindgen_test]
async fn arabic_renders_right_to_left() {
    let w = mount(r#"{"openOnLoad": true, "language": "ar"}"#);
    let root = wait_for("root", || find(&w, ".cw-root")).await;
    assert_eq!(root.get_attribute("dir").as_deref(), Some("rtl"));
    w.destroy();
}

#[wasm_bindgen_test]
async fn bad_configuration_is_shown_and_blocks_the_composer() {
    let w = mount(
        r#"{"openOnLoad": true, "bot": {"type": "rasa", "url": "ftp://nope"}, "colour": "red"}"#,
    );
    let notice = wait_for("notice", || find(&w, ".cw-notice")).await;
    let text = notice.text_content().unwrap();
    assert!(text.contains("bot.url"), "{text}");
    assert!(text.contains("colour: unknown option"), "{text}");
    assert_eq!(notice.get_attribute("role").as_deref(), Some("alert"));
    let input: HtmlTextAreaElement = find(&w, ".cw-input").unwrap().unchecked_into();
    assert!(input.disabled());
    w.destroy();
}

#[wasm_bindgen_test]
async fn invalid_json_does_not_break_the_page() {
    let w = mount("{ this is not json");
    open(&w).await;
    let notice = wait_for("notice", || find(&w, ".cw-notice")).await;
    assert!(notice.text_content().unwrap().contains("not valid JSON"));
    w.destroy();
}

#[wasm_bindgen_test]
async fn unreachable_bot_server_shows_a_message_and_offers_retry() {
    // Port 9 (discard) is closed on the test machine: the fetch fails at once.
    let w = mount(
        r#"{"openOnLoad": true, "bot": {"type": "rasa", "url": "http://127.0.0.1:9/webhooks/rest/webhook", "timeoutSeconds": 5}}"#,
    );
    type_and_enter(&w, "hello?", false).await;
    let notice = wait_for("bot unavailable", || bubbles(&w, "system").last().cloned()).await;
    assert!(notice.contains("not reachable"), "{notice}");
    let retry = wait_for("retry button", || find(&w, ".cw-retry")).await;
    assert_eq!(
        bubbles(&w, "visitor"),
        ["hello?"],
        "the visitor's text is kept"
    );
    retry.click();
    wait_for("second failure", || {
        (bubbles(&w, "system").len() == 2).then_some(())
    })
    .await;
    w.destroy();
}

#[wasm_bindgen_test]
async fn minimise_and_escape_close_the_window() {
    let w = mount("{\"openOnLoad\": true}");
    let min = wait_for("minimise", || find(&w, ".cw-minimize")).await;
    min.click();
    wait_for("closed", || find(&w, ".cw-window").is_none().then_some(())).await;
    open(&w).await;
    let window = find(&w, ".cw-window").unwrap();
    let init = KeyboardEventInit::new();
    init.set_key("Escape");
    init.set_bubbles(true);
    window
        .dispatch_event(
            &KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap(),
        )
        .unwrap();
    wait_for("closed by Escape", || {
        find(&w, ".cw-window").is_none().then_some(())
    })
    .await;
    w.destroy();
}

#[wasm_bindgen_test]
async fn end_conversation_then_start_a_new_one() {
    let w = mount("{\"openOnLoad\": true}");
    type_and_enter(&w, "returns", false).await;
    wait_for("answer", || (bubbles(&w, "bot").len() == 2).then_some(())).await;
    wait_for("end button", || find(&w, ".cw-end")).await.click();
    let restart = wait_for("start new chat", || find(&w, ".cw-restart")).await;
    assert!(find(&w, ".cw-input").is_none());
    restart.click();
    wait_for("fresh greeting", || {
        (bubbles(&w, "bot").len() == 1 && bubbles(&w, "visitor").is_empty()).then_some(())
    })
    .await;
    w.destroy();
}

#[wasm_bindgen_test]
async fn shadow_dom_isolates_a_hostile_host_stylesheet() {
    let style = page_stylesheet(
        // `body *` rather than `*`: `*` also hides <html> and <body> themselves, and nothing
        // inside a hidden <body> can render, whatever it does. Every element of the page
        // (the widget's host included) is targeted.
        "body * { display: none !important; visibility: hidden !important; opacity: 0 !important; } \
         button { background: red !important; width: 1px !important; }",
    );
    let w = mount("{}");
    let launcher = wait_for("launcher", || find(&w, ".cw-launcher")).await;
    let rect = launcher.get_bounding_client_rect();
    let css = web_sys::window()
        .unwrap()
        .get_computed_style(&launcher)
        .unwrap()
        .unwrap();
    let host_css = web_sys::window()
        .unwrap()
        .get_computed_style(w.host())
        .unwrap()
        .unwrap();
    style.remove();
    assert_eq!(host_css.get_property_value("display").unwrap(), "block");
    assert!(
        rect.width() >= 40.0 && rect.height() >= 40.0,
        "launcher is {}x{}",
        rect.width(),
        rect.height()
    );
    assert_ne!(css.get_property_value("visibility").unwrap(), "hidden");
    assert_ne!(
        css.get_property_value("background-color").unwrap(),
        "rgb(255, 0, 0)"
    );
    w.destroy();
}

#[wasm_bindgen_test]
async fn widget_css_does_not_leak_into_the_page() {
    let document = web_sys::window().unwrap().document().unwrap();
    let probe = document.create_element("button").unwrap();
    probe.set_class_name("cw-launcher");
    document.body().unwrap().append_child(&probe).unwrap();
    let w = mount("{}");
    wait_for("launcher", || find(&w, ".cw-launcher")).await;
    let css = web_sys::window()
        .unwrap()
        .get_computed_style(&probe)
        .unwrap()
        .unwrap();
    assert_ne!(css.get_property_value("position").unwrap(), "fixed");
    probe.remove();
    w.destroy();
}

#[wasm_bindgen_test]
async fn reload_restores_the_conversation() {
    let key = "chat-widget-test-reload";
    let first = mount_keyed("{\"openOnLoad\": true}", key);
    ask_payment_methods(&first).await;
    first.destroy(); // like a page unload: the saved state stays
    let second = mount_keyed("{}", key);
    wait_for("restored", || {
        bubbles(&second, "bot")
            .into_iter()
            .find(|b| b.contains("PayPal"))
    })
    .await;
    assert_eq!(bubbles(&second, "visitor"), ["payment methods"]);
    assert!(
        find(&second, ".cw-window").is_some(),
        "it was open: it stays open"
    );
    second.driver().clear_storage();
    second.destroy();
}

/// Every text the widget shows on its own comes from the catalogue: override the keys used by
/// today's situations with recognisable texts and find each one.
#[wasm_bindgen_test]
async fn every_visible_system_text_comes_from_the_catalogue() {
    let keys = [
        "windowTitle",
        "launcherCloseLabel",
        "minimizeLabel",
        "endConversationLabel",
        "composerPlaceholder",
        "composerLabel",
        "sendLabel",
        "quickRepliesLabel",
        "senderVisitor",
        "handoffUtterance",
        "noAgentAvailable",
        "botFallback",
        "botOfferHandoff",
        "botOfferHandoffAccept",
        "visitorEnded",
        "startNewChat",
    ];
    let overrides: Vec<String> = keys.iter().map(|k| format!("\"{k}\": \"X-{k}\"")).collect();
    let config = format!(
        r#"{{"openOnLoad": true, "bot": {{"intents": [{{"name": "a", "examples": ["apples"], "reply": "ok"}}], "fallbacksBeforeHandoff": 2}},
            "messages": {{"en": {{ {} }}}}}}"#,
        overrides.join(", ")
    );
    let w = mount(&config);
    type_and_enter(&w, "zzz", false).await;
    type_and_enter(&w, "yyy", false).await;
    // the offer's button hands off
    let offer = wait_for("offer button", || find(&w, ".cw-quick-reply")).await;
    let with_offer = w.shadow_root().inner_html();
    offer.click();
    wait_for("no agent", || bubbles(&w, "system").last().cloned()).await;
    let seen_before_end = format!("{with_offer}{}", w.shadow_root().inner_html());
    wait_for("end button", || find(&w, ".cw-end")).await.click();
    wait_for("restart", || find(&w, ".cw-restart")).await;
    let seen = format!("{seen_before_end}{}", w.shadow_root().inner_html());
    for k in keys {
        assert!(
            seen.contains(&format!("X-{k}")),
            "the text of `{k}` is not shown"
        );
    }
    w.destroy();
}

#[wasm_bindgen_test]
async fn focus_follows_the_visitor_never_the_page_load() {
    let document = web_sys::window().unwrap().document().unwrap();
    // Opened on load: the page keeps its focus.
    let w = mount("{\"openOnLoad\": true}");
    wait_for("window", || find(&w, ".cw-window")).await;
    sleep(Duration::from_millis(50)).await;
    assert!(
        w.shadow_root().active_element().is_none(),
        "focus moved into the widget on load"
    );
    w.destroy();
    // Opened with the launcher: focus moves on to the message box.
    let w = mount("{}");
    let launcher = wait_for("launcher", || find(&w, ".cw-launcher")).await;
    launcher.focus().unwrap();
    launcher.click();
    wait_for("focus in the composer", || {
        w.shadow_root()
            .active_element()
            .filter(|e| e.class_name().contains("cw-input"))
    })
    .await;
    // Minimise returns focus to the launcher.
    find(&w, ".cw-minimize").unwrap().click();
    wait_for("focus back on the launcher", || {
        w.shadow_root()
            .active_element()
            .filter(|e| e.class_name().contains("cw-launcher"))
    })
    .await;
    let _ = document;
    w.destroy();
}

#[wasm_bindgen_test]
async fn new_messages_do_not_yank_a_visitor_who_scrolled_up() {
    let w = mount("{\"openOnLoad\": true, \"persist\": false}");
    for i in 0..12 {
        assert!(w
            .driver()
            .dispatch(|c, now| c.handle_send(&format!("shipping question {i}"), now)));
    }
    let list = wait_for("scrolled list", || {
        find(&w, ".cw-messages").filter(|l| l.scroll_height() > l.client_height() + 200)
    })
    .await;
    wait_for("at the bottom", || {
        (list.scroll_height() - list.scroll_top() - list.client_height() <= 48).then_some(())
    })
    .await;
    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    sleep(Duration::from_millis(50)).await;
    // An incoming (system) message while the visitor reads older ones: no jump.
    w.driver().dispatch(|c, now| c.handle_end(now));
    let jump = wait_for("new messages button", || find(&w, ".cw-jump")).await;
    assert_eq!(list.scroll_top(), 0, "the view was moved");
    jump.click();
    wait_for("scrolled down", || (list.scroll_top() > 0).then_some(())).await;
    // The visitor's own message always scrolls down.
    w.driver()
        .dispatch(|c, now| c.handle_restart(now, "s2".into()));
    for i in 0..12 {
        w.driver()
            .dispatch(|c, now| c.handle_send(&format!("shipping question {i}"), now));
    }
    sleep(Duration::from_millis(50)).await;
    list.set_scroll_top(0);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    sleep(Duration::from_millis(50)).await;
    w.driver().dispatch(|c, now| c.handle_send("returns", now));
    wait_for("own message scrolls down", || {
        (list.scroll_height() - list.scroll_top() - list.client_height() <= 48).then_some(())
    })
    .await;
    w.destroy();
}

#[wasm_bindgen_test]
async fn prechat_form_is_labelled_and_reports_problems_accessibly() {
    let w = mount(
        r#"{"openOnLoad": true, "handoff": {
            "miaw": {"url": "http://127.0.0.1:9", "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
            "prechat": {"fields": ["description",
                {"name": "topic", "options": ["Orders", "Returns"]},
                {"name": "email", "required": false},
                {"name": "terms", "type": "checkbox", "label": {"en": "I accept the terms", "fr": "J'accepte"}}]}
        }}"#,
    );
    type_and_enter(&w, "talk to a human", false).await;
    let form = wait_for("pre-chat form", || find(&w, "form.cw-prechat")).await;
    assert!(
        find(&w, ".cw-input").is_none(),
        "the form replaces the composer"
    );
    // Every control has a label pointing at it.
    let labels = all_text(&w, ".cw-pc-label");
    assert_eq!(labels.len(), 4);
    assert!(labels[0].starts_with("How can we help?"), "{labels:?}");
    assert!(labels[3].starts_with("I accept the terms"));
    for name in ["description", "topic", "email", "terms"] {
        let control = find(&w, &format!("[name={name}]")).unwrap();
        let id = control.id();
        assert!(
            find(&w, &format!("label[for=\"{id}\"]")).is_some(),
            "{name} has a label"
        );
    }
    // Submitting empty: problems under the fields, announced through aria-describedby, and
    // focus on the first field with a problem (the visitor's own action).
    form.query_selector(".cw-pc-submit")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    wait_for("errors", || find(&w, ".cw-pc-error")).await;
    let description = find(&w, "[name=description]").unwrap();
    assert_eq!(
        description.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    let described = description.get_attribute("aria-describedby").unwrap();
    let error = find(&w, &format!("#{described}")).unwrap();
    assert_eq!(error.text_content().unwrap(), "This field is required.");
    let email = find(&w, "[name=email]").unwrap();
    assert_eq!(
        email.get_attribute("aria-invalid").as_deref(),
        Some("false"),
        "optional"
    );
    let active = w.shadow_root().active_element().unwrap();
    assert_eq!(active.get_attribute("name").as_deref(), Some("description"));
    // Cancel goes back to the bot's composer.
    find(&w, ".cw-pc-cancel").unwrap().click();
    wait_for("composer back", || find(&w, ".cw-input")).await;
    w.destroy();
}

/// Without Web Locks (a page served over plain `http`), the tabs elect the owner with a lease
/// in `localStorage`: a lone tab still becomes the owner (only the owner's bot answers), and
/// frees the lease when it goes.
#[wasm_bindgen_test]
async fn without_web_locks_a_lease_makes_the_tab_the_owner() {
    let navigator = web_sys::window().unwrap().navigator();
    let hide = js_sys::Function::new_with_args(
        "n",
        "Object.defineProperty(n, 'locks', {value: undefined, configurable: true});",
    );
    hide.call1(&wasm_bindgen::JsValue::NULL, &navigator)
        .unwrap();
    let key = "chat-widget-test-lease";
    let w = mount_keyed("{\"openOnLoad\": true}", key);
    ask_payment_methods(&w).await;
    assert!(w.driver().is_owner());
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let lease = storage.get_item(&format!("{key}:lease")).unwrap();
    assert!(lease.is_some_and(|l| l.contains(' ')), "a lease is held");
    assert!(
        storage.get_item(key).unwrap().is_some(),
        "saved for the other tabs"
    );
    w.driver().clear_storage();
    w.destroy();
    assert_eq!(
        storage.get_item(&format!("{key}:lease")).unwrap(),
        None,
        "freed when the widget goes"
    );
    js_sys::Reflect::delete_property(&navigator, &"locks".into()).unwrap();
}

/// The conversation is shared through `localStorage` (default), and a tab's own window state
/// stays in its `sessionStorage`.
#[wasm_bindgen_test]
async fn the_conversation_is_shared_and_the_window_state_is_per_tab() {
    let key = "chat-widget-test-shared";
    let w = mount_keyed("{}", key);
    open(&w).await;
    ask_payment_methods(&w).await;
    let window = web_sys::window().unwrap();
    let local = window.local_storage().unwrap().unwrap();
    let session = window.session_storage().unwrap().unwrap();
    // Saved in the shared storage (saves are batched: within one interval).
    wait_for("saved in localStorage", || {
        local
            .get_item(key)
            .unwrap()
            .filter(|s| s.contains("payment methods"))
    })
    .await;
    assert_eq!(session.get_item(key).unwrap(), None, "not per tab");
    assert_eq!(
        session.get_item(&format!("{key}:open")).unwrap().as_deref(),
        Some("1")
    );
    w.driver().clear_storage();
    w.destroy();
}

/// A conversation an earlier version kept per tab (`sessionStorage`) carries over to the shared
/// one when the page is loaded with shared tabs.
#[wasm_bindgen_test]
async fn a_per_tab_conversation_carries_over_to_the_shared_one() {
    let key = "chat-widget-test-carry";
    let first = mount_keyed("{\"openOnLoad\": true, \"tabs\": \"perTab\"}", key);
    ask_payment_methods(&first).await;
    first.destroy(); // like a page unload: the per-tab state stays
    let window = web_sys::window().unwrap();
    let session = window.session_storage().unwrap().unwrap();
    let local = window.local_storage().unwrap().unwrap();
    assert!(session.get_item(key).unwrap().is_some());
    assert!(local.get_item(key).unwrap().is_none());
    let second = mount_keyed("{\"openOnLoad\": true}", key);
    wait_for("restored", || {
        bubbles(&second, "bot")
            .into_iter()
            .find(|b| b.contains("PayPal"))
    })
    .await;
    wait_for("owner", || second.driver().is_owner().then_some(())).await;
    assert_eq!(bubbles(&second, "visitor"), ["payment methods"]);
    assert!(local.get_item(key).unwrap().is_some(), "now shared");
    assert!(
        session.get_item(key).unwrap().is_none(),
        "moved, not copied"
    );
    second.driver().clear_storage();
    second.destroy();
}

fn local_item(key: &str) -> Option<String> {
    let window = web_sys::window().unwrap();
    window
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item(key)
        .unwrap()
}

fn send(w: &Widget, text: &str) {
    assert!(w.driver().intent(
        chat_core::tabs::Intent::Send {
            text: text.to_string()
        },
        None
    ));
}

/// Saves are batched (at most one per interval while the page is visible), and what is still
/// waiting is written on `pagehide` (a reload, a navigation, a closed tab) and when the widget
/// stops: a reload right after a message restores it.
#[wasm_bindgen_test]
async fn batched_saves_are_completed_on_pagehide() {
    let key = "chat-widget-test-batched";
    let w = mount_keyed("{\"openOnLoad\": true}", key);
    wait_for("this tab owns the conversation", || {
        w.driver().is_owner().then_some(())
    })
    .await;
    sleep(Duration::from_millis(400)).await; // the last save is older than the interval
    send(&w, "first message");
    assert!(
        local_item(key).is_some_and(|s| s.contains("first message")),
        "the first change is saved at once"
    );
    send(&w, "second message");
    assert!(
        local_item(key).is_some_and(|s| !s.contains("second message")),
        "a change right after it waits for the batch"
    );
    let pagehide = web_sys::Event::new("pagehide").unwrap();
    web_sys::window()
        .unwrap()
        .dispatch_event(&pagehide)
        .unwrap();
    assert!(
        local_item(key).is_some_and(|s| s.contains("second message")),
        "pagehide writes it"
    );
    send(&w, "third message");
    w.destroy(); // a reload right after the message
    let again = mount_keyed("{}", key);
    wait_for("restored", || {
        bubbles(&again, "visitor")
            .contains(&"third message".to_string())
            .then_some(())
    })
    .await;
    assert_eq!(
        bubbles(&again, "visitor"),
        ["first message", "second message", "third message"]
    );
    again.driver().clear_storage();
    again.destroy();
}

/// A long conversation keeps only its latest messages on the page ("Show earlier messages"
/// brings the others), and only the latest ones across a reload, with a line that says so.
#[wasm_bindgen_test]
async fn long_conversations_are_windowed_and_bounded() {
    use chat_core::transcript::KEPT_MESSAGES;
    use chat_widget::components::{STEP, WINDOW};
    let key = "chat-widget-test-long";
    let w = mount_keyed("{\"openOnLoad\": true}", key);
    wait_for("owner", || w.driver().is_owner().then_some(())).await;
    let sends = KEPT_MESSAGES / 2 + 20; // 540 visitor and bot messages, and the greeting
    for i in 0..sends {
        send(&w, &format!("question {i}"));
    }
    let total = w.driver().chat().messages().len();
    assert_eq!(total, 1 + 2 * sends);
    wait_for("the latest message", || {
        bubbles(&w, "visitor")
            .contains(&format!("question {}", sends - 1))
            .then_some(())
    })
    .await;
    let on_page = || all_text(&w, ".cw-msg").len();
    assert!(
        (WINDOW - STEP..=WINDOW).contains(&on_page()),
        "only the latest messages are on the page: {}",
        on_page()
    );
    find(&w, ".cw-earlier")
        .expect("a button shows earlier ones")
        .click();
    wait_for("earlier messages", || (on_page() == total).then_some(())).await;
    assert!(find(&w, ".cw-earlier").is_none(), "all are shown");
    assert_eq!(bubbles(&w, "visitor")[0], "question 0");
    assert!(
        find(&w, ".cw-not-kept").is_none(),
        "nothing was dropped yet"
    );
    w.destroy();
    let again = mount_keyed("{}", key);
    wait_for("restored", || {
        bubbles(&again, "visitor")
            .contains(&format!("question {}", sends - 1))
            .then_some(())
    })
    .await;
    assert_eq!(again.driver().chat().messages().len(), KEPT_MESSAGES);
    find(&again, ".cw-earlier").expect("show earlier").click();
    let note = wait_for("the not-kept line", || find(&again, ".cw-not-kept")).await;
    assert_eq!(
        note.text_content().unwrap_or_default(),
        "Earlier messages are not kept."
    );
    assert_eq!(
        all_text(&again, ".cw-msg").len(),
        KEPT_MESSAGES + 1,
        "the kept messages and the line"
    );
    again.driver().clear_storage();
    again.destroy();
}

fn focused(w: &Widget) -> Option<Element> {
    w.shadow_root().active_element()
}

/// When the element with the visitor's focus goes away, the element that replaces it takes the
/// focus, never `<body>`: the pre-chat form's first field, the composer after a valid
/// submit, "Start a new chat" after "End conversation".
#[wasm_bindgen_test]
async fn focus_is_never_dropped_to_the_page() {
    let w = mount(
        r#"{"openOnLoad": true, "handoff": {
            "miaw": {"url": "http://127.0.0.1:9", "orgId": "00D5e000000AbCd", "developerName": "Web_Custom_Client"},
            "prechat": {"fields": ["description"]}
        }}"#,
    );
    let input = wait_for("composer", || find(&w, ".cw-input")).await;
    input.focus().unwrap();
    type_and_enter(&w, "talk to a human", false).await;
    wait_for("focus on the form's first field", || {
        focused(&w).filter(|e| e.get_attribute("name").as_deref() == Some("description"))
    })
    .await;
    let description: HtmlTextAreaElement = find(&w, "[name=description]").unwrap().unchecked_into();
    description.set_value("My order is late");
    find(&w, ".cw-pc-submit").unwrap().click();
    wait_for("focus back in the composer", || {
        focused(&w).filter(|e| e.class_name().contains("cw-input"))
    })
    .await;
    w.destroy();

    let w = mount("{\"openOnLoad\": true}");
    type_and_enter(&w, "returns", false).await;
    wait_for("answer", || (bubbles(&w, "bot").len() == 2).then_some(())).await;
    let end = wait_for("end button", || find(&w, ".cw-end")).await;
    end.focus().unwrap();
    end.click();
    wait_for("focus on Start a new chat", || {
        focused(&w).filter(|e| e.class_name().contains("cw-restart"))
    })
    .await;
    w.destroy();
}

/// The launcher's accessible name says what its badge shows.
#[wasm_bindgen_test]
async fn the_launcher_name_includes_the_unread_count() {
    let w = mount("{}");
    wait_for("owner", || w.driver().is_owner().then_some(())).await;
    let label = || find(&w, ".cw-launcher").and_then(|l| l.get_attribute("aria-label"));
    let badge = || find(&w, ".cw-badge").and_then(|b| b.text_content());
    wait_for("the greeting", || {
        (w.driver().chat().messages().len() == 1).then_some(())
    })
    .await;
    assert_eq!(label().as_deref(), Some("Open chat"));
    assert!(badge().is_none(), "the greeting is not an unread message");
    send(&w, "returns"); // answered while the window is closed: one unread message
    wait_for("badge 1", || badge().filter(|b| b == "1")).await;
    assert_eq!(label().as_deref(), Some("Open chat, unread messages: 1"));
    open(&w).await;
    assert_eq!(label().as_deref(), Some("Close chat"));
    assert!(badge().is_none());
    w.driver().clear_storage();
    w.destroy();
}

/// The stylesheet is a constructable one (`adoptedStyleSheets`): a strict CSP without
/// `'unsafe-inline'` styles does not block it, and no `<style>` element is needed.
#[wasm_bindgen_test]
async fn the_stylesheet_is_adopted_not_inline() {
    let w = mount("{}");
    let launcher = wait_for("launcher", || find(&w, ".cw-launcher")).await;
    let sheets = js_sys::Reflect::get(w.shadow_root(), &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&sheets).length(), 1);
    assert!(w.shadow_root().query_selector("style").unwrap().is_none());
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&launcher)
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("position").unwrap(), "fixed");
    w.destroy();
}

/// No configuration at all, or one without a bot, shows the configuration error, in the
/// widget and in the console, and never the demo shop assistant.
#[wasm_bindgen_test]
async fn a_missing_configuration_shows_the_error_not_a_demo_bot() {
    for config in [
        None,
        Some("null"),
        Some(r#"{"openOnLoad": true, "bot": null}"#),
    ] {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let w = mount_widget(MountOptions {
            config_json: config.map(str::to_string),
            storage_key: format!("chat-widget-test-{n}"),
            ..Default::default()
        })
        .expect("mounted");
        wait_for("rendered", || find(&w, ".cw-launcher")).await;
        if find(&w, ".cw-window").is_none() {
            open(&w).await;
        }
        let notice = wait_for("the configuration error", || find(&w, ".cw-notice")).await;
        let text = notice.text_content().unwrap_or_default();
        assert!(
            text.contains("window.ChatWidgetConfig") || text.contains("bot"),
            "{config:?}: {text}"
        );
        sleep(Duration::from_millis(50)).await;
        assert!(bubbles(&w, "bot").is_empty(), "{config:?}: no bot greets");
        let input: HtmlTextAreaElement = find(&w, ".cw-input")
            .unwrap_or_else(|| panic!("{config:?}: no composer"))
            .unchecked_into();
        assert!(input.disabled());
        w.destroy();
    }
}

/// A full storage never breaks the chat: the conversation goes on, and the console says once
/// (not at every save) that it could not be saved.
#[wasm_bindgen_test]
async fn a_full_storage_is_reported_once_and_the_chat_goes_on() {
    let window = web_sys::window().unwrap();
    let storage = window.local_storage().unwrap().unwrap();
    // Fill it up to the last few bytes: big chunks, then smaller ones.
    let mut fillers = 0;
    for size in [512 * 1024, 32 * 1024, 1024, 64, 4] {
        let chunk = "x".repeat(size);
        while fillers < 2_000
            && storage
                .set_item(&format!("filler-{fillers}"), &chunk)
                .is_ok()
        {
            fillers += 1;
        }
    }
    let spy = js_sys::Function::new_no_args(
        "window.__warns = []; window.__warn = console.warn; console.warn = function () { window.__warns.push([].join.call(arguments, ' ')); window.__warn.apply(console, arguments); };",
    );
    spy.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    let key = "chat-widget-test-full";
    let w = mount_keyed("{\"openOnLoad\": true}", key);
    wait_for("owner", || w.driver().is_owner().then_some(())).await;
    for i in 0..5 {
        send(&w, &format!("question {i}"));
        sleep(Duration::from_millis(300)).await; // past the batching interval: one save each
    }
    wait_for("the answers", || {
        (bubbles(&w, "visitor").len() == 5 && bubbles(&w, "bot").len() == 6).then_some(())
    })
    .await;
    let warns = js_sys::Reflect::get(&window, &"__warns".into()).unwrap();
    let saves_failed = js_sys::Array::from(&warns)
        .iter()
        .filter(|w| w.as_string().is_some_and(|w| w.contains("could not save")))
        .count();
    let restore = js_sys::Function::new_no_args("console.warn = window.__warn;");
    restore.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    for i in 0..fillers {
        storage.remove_item(&format!("filler-{i}")).unwrap();
    }
    assert!(fillers > 0);
    assert_eq!(saves_failed, 1, "reported once");
    w.driver().clear_storage();
    w.destroy();
}

/// Brands restyle documented parts from the page (`chat-widget::part(...)`), without depending
/// on the widget's private class names.
#[wasm_bindgen_test]
async fn the_page_styles_the_documented_parts() {
    let style = page_stylesheet(
        "chat-widget::part(launcher) { background: rgb(1, 2, 3); }
         chat-widget::part(bubble-bot) { color: rgb(4, 5, 6); }
         chat-widget::part(bubble-visitor) { color: rgb(7, 8, 9); }
         chat-widget::part(title) { letter-spacing: 3px; }
         chat-widget::part(send-button) { border-radius: 1px; }
         chat-widget::part(quick-reply) { text-transform: uppercase; }",
    );
    let w = mount("{\"openOnLoad\": true}");
    type_and_enter(&w, "returns", false).await;
    wait_for("answer", || (bubbles(&w, "bot").len() == 2).then_some(())).await;
    let computed = |selector: &str, property: &str| computed(&w, selector, property);
    assert_eq!(computed(".cw-launcher", "background-color"), "rgb(1, 2, 3)");
    assert_eq!(computed(".cw-msg--bot .cw-bubble", "color"), "rgb(4, 5, 6)");
    assert_eq!(
        computed(".cw-msg--visitor .cw-bubble", "color"),
        "rgb(7, 8, 9)"
    );
    assert_eq!(computed(".cw-title", "letter-spacing"), "3px");
    assert_eq!(computed(".cw-send", "border-top-left-radius"), "1px");
    style.remove();
    w.driver().clear_storage();
    w.destroy();
}

/// Brand assets from the configuration: the launcher icon, the header logo and subtitle, the
/// bot's avatar, each a decorative image (inline SVG as a `data:` URL) with its part; none of
/// them without `brand`.
#[wasm_bindgen_test]
async fn brand_assets_are_shown_as_images_with_their_parts() {
    let style = page_stylesheet(
        "chat-widget::part(logo) { width: 41px; }
         chat-widget::part(subtitle) { letter-spacing: 2px; }
         chat-widget::part(avatar-bot) { width: 31px; }",
    );
    let plain = mount("{}");
    wait_for("the default icon", || {
        plain
            .shadow_root()
            .query_selector(".cw-launcher svg")
            .ok()
            .flatten()
    })
    .await;
    assert!(find(&plain, ".cw-launcher img").is_none());
    plain.driver().clear_storage();
    plain.destroy();

    let w = mount(
        r##"{"openOnLoad": true, "subtitle": "Typically replies in a few minutes",
             "brand": {"launcherIcon": "<svg viewBox='0 0 2 2'><rect width='2' height='2' fill='#fff'/></svg>",
                       "logo": "/logo.png", "botAvatar": "https://cdn.example.com/bot.png"}}"##,
    );
    type_and_enter(&w, "returns", false).await;
    wait_for("answer", || (bubbles(&w, "bot").len() == 2).then_some(())).await;
    let attr = |selector: &str, name: &str| {
        find(&w, selector)
            .unwrap_or_else(|| panic!("{selector}"))
            .get_attribute(name)
            .unwrap_or_default()
    };
    let computed = |selector: &str, property: &str| computed(&w, selector, property);
    w.driver().dispatch(|c, _| c.handle_close());
    wait_for("closed", || find(&w, ".cw-launcher img").map(|_| ())).await;
    assert!(attr(".cw-launcher img", "src")
        .starts_with("data:image/svg+xml;charset=utf-8,<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(attr(".cw-launcher img", "alt"), "");
    w.driver().dispatch(|c, now| c.handle_open(now));
    wait_for("open", || find(&w, ".cw-logo").map(|_| ())).await;
    assert!(attr(".cw-logo", "src").ends_with("/logo.png"));
    assert_eq!(attr(".cw-logo", "alt"), "");
    assert_eq!(computed(".cw-logo", "width"), "41px");
    assert_eq!(
        find(&w, ".cw-subtitle").unwrap().text_content().unwrap(),
        "Typically replies in a few minutes"
    );
    assert_eq!(computed(".cw-subtitle", "letter-spacing"), "2px");
    let avatars = w
        .shadow_root()
        .query_selector_all(".cw-msg--bot img.cw-avatar")
        .unwrap()
        .length();
    assert_eq!(avatars, 2, "one beside each bot message");
    assert_eq!(
        attr(".cw-msg--bot img.cw-avatar", "src"),
        "https://cdn.example.com/bot.png"
    );
    assert_eq!(attr(".cw-msg--bot img.cw-avatar", "aria-hidden"), "true");
    assert_eq!(computed(".cw-msg--bot img.cw-avatar", "width"), "31px");
    assert!(find(&w, ".cw-msg--visitor .cw-avatar").is_none());
    style.remove();
    w.driver().clear_storage();
    w.destroy();
}

fn next_key() -> String {
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("chat-widget-test-{n}")
}

fn mount_object(config: wasm_bindgen::JsValue, emit: Option<chat_widget::Emitter>) -> Widget {
    mount_widget(MountOptions {
        config: Some(config),
        storage_key: next_key(),
        emit,
        ..Default::default()
    })
    .expect("mounted")
}

fn parse(json: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(json).unwrap_or_else(|e| panic!("{json}: {e:?}"))
}

fn set(object: &wasm_bindgen::JsValue, key: &str, value: &wasm_bindgen::JsValue) {
    assert!(js_sys::Reflect::set(object, &key.into(), value).unwrap());
}

fn get(object: &wasm_bindgen::JsValue, key: &str) -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap()
}

/// A value nested `depth` arrays deep (`[[...]]`), as JSON text.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// What a widget shows of its configuration: the title, the composer's placeholder, the bot's
/// messages, the configuration notice (if any); checks that the window opened by itself
/// exactly when `open_on_load`.
async fn shown(w: &Widget, open_on_load: bool) -> (String, String, Vec<String>, Option<String>) {
    wait_for("rendered", || find(w, ".cw-launcher")).await;
    if open_on_load {
        wait_for("the window, opened on load", || find(w, ".cw-window")).await;
    } else {
        sleep(Duration::from_millis(50)).await;
        assert!(find(w, ".cw-window").is_none(), "not opened on load");
        open(w).await;
    }
    let input = wait_for("composer", || find(w, ".cw-input")).await;
    sleep(Duration::from_millis(50)).await;
    (
        find(w, ".cw-title").unwrap().text_content().unwrap(),
        input.get_attribute("placeholder").unwrap_or_default(),
        bubbles(w, "bot"),
        find(w, ".cw-notice").and_then(|n| n.text_content()),
    )
}

/// The loader passes the configuration as an object (`MountOptions::config`): it reads exactly
/// like the same JSON text, options and problems alike (nesting limit included).
#[wasm_bindgen_test]
async fn a_configuration_object_reads_like_its_json_text() {
    let text = r#"{"bot": {"type": "demo"}, "title": "Object Support", "openOnLoad": true,
                   "messages": {"en": {"composerPlaceholder": "Ask the objects"}}}"#;
    let from_text = mount(text);
    let by_text = shown(&from_text, true).await;
    from_text.driver().clear_storage();
    from_text.destroy();
    let from_object = mount_object(parse(text), None);
    let by_object = shown(&from_object, true).await;
    from_object.driver().clear_storage();
    from_object.destroy();
    assert_eq!(by_object, by_text);
    assert_eq!(by_object.0, "Object Support");
    assert_eq!(by_object.1, "Ask the objects");
    assert!(
        by_object.2.len() == 1 && by_object.2[0].contains("Alpine Outfitters assistant"),
        "{:?}",
        by_object.2
    );
    assert_eq!(by_object.3, None, "no configuration problem");

    // Built member by member, with a problem: reported like the text's.
    let config = js_sys::Object::new();
    let bot = js_sys::Object::new();
    set(&bot, "type", &"demo".into());
    set(&config, "bot", &bot);
    set(&config, "openOnLoad", &false.into());
    set(&config, "colour", &"red".into());
    let w = mount_object(config.into(), None);
    let (_, _, bots, notice) = shown(&w, false).await;
    w.driver().clear_storage();
    w.destroy();
    assert_eq!(
        bots.len(),
        1,
        "the greeting: an unknown option is only a warning"
    );
    let notice = notice.expect("the unknown option is reported");
    assert!(notice.contains("colour: unknown option"), "{notice}");

    // As deep as JSON text may nest (128 levels: the object and 127 arrays), and one level
    // deeper: the same verdict for the text and the object.
    for depth in [127, 128] {
        let text = format!(r#"{{"bot": {{"type": "demo"}}, "x": {}}}"#, nested(depth));
        let from_text = mount(&text);
        let by_text = shown(&from_text, false).await;
        from_text.driver().clear_storage();
        from_text.destroy();
        let from_object = mount_object(parse(&text), None);
        let by_object = shown(&from_object, false).await;
        from_object.driver().clear_storage();
        from_object.destroy();
        let too_deep = |n: &Option<String>| {
            n.as_deref()
                .is_some_and(|n| n.contains("nested too deeply"))
        };
        assert_eq!(too_deep(&by_text.3), depth == 128, "text: {:?}", by_text.3);
        assert_eq!(
            too_deep(&by_object.3),
            depth == 128,
            "object: {:?}",
            by_object.3
        );
        assert_eq!(by_object.2.is_empty(), by_text.2.is_empty(), "{depth}");
    }
}

/// What serde-wasm-bindgen cannot read (a function value), or an object nested thousands of
/// levels deep (which `JSON.parse` accepts and the loader passes on), is a configuration error
/// the widget shows, never a crash nor a bot.
#[wasm_bindgen_test]
async fn an_unreadable_configuration_object_is_shown_as_an_error() {
    let function =
        parse(r#"{"bot": {"type": "demo"}, "title": "Never shown", "openOnLoad": true}"#);
    set(
        &get(&function, "bot"),
        "greeting",
        &js_sys::Function::new_no_args("return 'hi'"),
    );
    let deep = parse(&format!(
        r#"{{"bot": {{"type": "demo"}}, "title": "Never shown", "x": {}}}"#,
        nested(20_000)
    ));
    for (what, config, expected) in [
        ("a function value", function, "cannot be read"),
        ("20,000 levels deep", deep, "nested too deeply"),
    ] {
        let w = mount_object(config, None);
        let (title, _, bots, notice) = shown(&w, false).await;
        let input: HtmlTextAreaElement = find(&w, ".cw-input").unwrap().unchecked_into();
        let disabled = input.disabled();
        w.driver().clear_storage();
        w.destroy();
        let notice = notice.unwrap_or_else(|| panic!("{what}: no configuration notice"));
        assert!(notice.contains(expected), "{what}: {notice}");
        assert_ne!(title, "Never shown", "{what}: nothing of it applies");
        assert!(bots.is_empty(), "{what}: no bot greets: {bots:?}");
        assert!(disabled, "{what}: the composer is blocked");
    }
}

type Recorded = std::rc::Rc<std::cell::RefCell<Vec<(String, wasm_bindgen::JsValue)>>>;

/// An `emit` for `MountOptions` recording every host-page event as `(name, detail)`.
fn recorder() -> (Recorded, chat_widget::Emitter) {
    let events = Recorded::default();
    let sink = events.clone();
    let emit = Box::new(move |name: &str, detail: wasm_bindgen::JsValue| {
        sink.borrow_mut().push((name.to_string(), detail));
    });
    (events, emit)
}

fn details(events: &Recorded, name: &str) -> Vec<wasm_bindgen::JsValue> {
    events
        .borrow()
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, d)| d.clone())
        .collect()
}

/// A plain object's own keys, in order; panics on anything but a plain object (a `Map`, a class
/// instance, `null`...).
fn plain_keys(detail: &wasm_bindgen::JsValue) -> Vec<String> {
    assert!(
        detail.is_object() && !js_sys::Array::is_array(detail),
        "{detail:?}"
    );
    let proto = js_sys::Object::get_prototype_of(detail);
    let plain = js_sys::Object::get_prototype_of(&js_sys::Object::new());
    assert!(
        wasm_bindgen::JsValue::from(proto) == wasm_bindgen::JsValue::from(plain),
        "not a plain object: {detail:?}"
    );
    js_sys::Object::keys(detail.unchecked_ref::<js_sys::Object>())
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect()
}

/// The host page's event details are plain objects with the documented fields (README, "The
/// page API"): `message` → `{id, author, name?, text, incoming}`, `open` → `{}`.
#[wasm_bindgen_test]
async fn event_details_are_plain_objects_with_the_documented_fields() {
    let (events, emit) = recorder();
    let w = mount_object(
        parse(r#"{"bot": {"type": "demo"}, "openOnLoad": true}"#),
        Some(emit),
    );
    wait_for("greeting", || bubbles(&w, "bot").first().cloned()).await;
    ask_payment_methods(&w).await;
    wait_for("three message events", || {
        (details(&events, "message").len() == 3).then_some(())
    })
    .await;
    let messages = details(&events, "message");
    let text = |d: &wasm_bindgen::JsValue, k: &str| get(d, k).as_string();
    let (greeting, visitor, answer) = (&messages[0], &messages[1], &messages[2]);
    for bot in [greeting, answer] {
        assert_eq!(
            plain_keys(bot),
            ["id", "author", "name", "text", "incoming"]
        );
        assert_eq!(text(bot, "author").as_deref(), Some("bot"));
        assert!(text(bot, "name").is_some_and(|n| !n.is_empty()), "{bot:?}");
        assert_eq!(get(bot, "incoming").as_bool(), Some(true));
    }
    assert!(text(greeting, "text")
        .unwrap()
        .contains("Alpine Outfitters assistant"));
    assert!(text(answer, "text").unwrap().contains("PayPal"));
    assert_eq!(plain_keys(visitor), ["id", "author", "text", "incoming"]);
    assert_eq!(text(visitor, "author").as_deref(), Some("visitor"));
    assert_eq!(text(visitor, "text").as_deref(), Some("payment methods"));
    assert_eq!(get(visitor, "incoming").as_bool(), Some(false));
    let ids: Vec<String> = messages.iter().map(|m| text(m, "id").unwrap()).collect();
    assert!(
        ids.iter().all(|i| !i.is_empty()) && ids[0] != ids[1] && ids[1] != ids[2],
        "{ids:?}"
    );
    // Opened on load is not the visitor's doing: `close`, then `open`, each with `{}`.
    find(&w, ".cw-minimize").unwrap().click();
    open(&w).await;
    for name in ["close", "open"] {
        let detail = wait_for(name, || details(&events, name).first().cloned()).await;
        assert!(plain_keys(&detail).is_empty(), "{name}: {detail:?}");
    }
    w.driver().clear_storage();
    w.destroy();
}

/// A hand-off that never got a conversation (Live Chat's first request refused: this test
/// server answers 404) closes with `conversationId: null`, and `handoff:requested` carries
/// `{transcript, context}`.
#[wasm_bindgen_test]
async fn a_chat_that_never_started_closes_with_a_null_conversation_id() {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let config = format!(
        r#"{{"bot": {{"type": "demo"}}, "openOnLoad": true,
            "handoff": {{"anyHost": true, "contextAttributes": {{"lastIntent": "Bot_Intent"}},
              "liveChat": {{"endpoint": "{origin}/no-live-chat-here",
                "organizationId": "00D5e000000AbCd", "deploymentId": "5725e000000AbCd",
                "buttonId": "5735e000000AbCd"}}}}}}"#
    );
    let (events, emit) = recorder();
    let w = mount_object(parse(&config), Some(emit));
    wait_for("greeting", || bubbles(&w, "bot").first().cloned()).await;
    type_and_enter(&w, "I want to talk to a human", false).await;
    let closed = wait_for("conversation:closed", || {
        details(&events, "conversation:closed").first().cloned()
    })
    .await;
    assert_eq!(plain_keys(&closed), ["reason", "conversationId"]);
    assert!(get(&closed, "reason").as_string().is_some(), "{closed:?}");
    assert!(get(&closed, "conversationId").is_null(), "{closed:?}");
    let requested = details(&events, "handoff:requested");
    assert_eq!(requested.len(), 1);
    assert_eq!(plain_keys(&requested[0]), ["transcript", "context"]);
    let transcript = get(&requested[0], "transcript").as_string().unwrap();
    assert!(
        transcript.contains("I want to talk to a human"),
        "{transcript}"
    );
    let context = get(&requested[0], "context");
    plain_keys(&context);
    for (k, v) in js_sys::Object::entries(context.unchecked_ref::<js_sys::Object>())
        .iter()
        .map(|e| js_sys::Array::from(&e))
        .map(|e| (e.get(0), e.get(1)))
    {
        assert!(v.as_string().is_some(), "context.{k:?} is text: {v:?}");
    }
    for error in details(&events, "error") {
        assert_eq!(plain_keys(&error), ["message"]);
    }
    w.driver().clear_storage();
    w.destroy();
}

/// `ChatWidget.setVariables` (the handle `mount` gives the loader): numbers and booleans as
/// their text, `null`, `undefined`, objects and arrays left out (an unset variable inserts
/// nothing); an object with a value that cannot be read (a function) is ignored as a whole,
/// with a console warning, and the previous values stay.
#[wasm_bindgen_test]
async fn set_variables_reads_numbers_and_booleans_as_text_and_ignores_a_function() {
    let config = parse(
        r#"{"bot": {"type": "demo"}, "tabs": "perTab", "openOnLoad": true,
            "messages": {"en": {"noAgentAvailable":
              "Call {{vars.phone}} before {{vars.hour}}h (open: {{vars.open}}, rate {{vars.rate}}){{vars.none}}{{vars.undef}}{{vars.obj}}{{vars.list}}."}}}"#,
    );
    let mut handle = chat_widget::mount(config, None, None, None).expect("mounted");
    let document = web_sys::window().unwrap().document().unwrap();
    let hosts = document.query_selector_all("chat-widget").unwrap();
    let host: Element = hosts.item(hosts.length() - 1).unwrap().unchecked_into();
    let root = host.shadow_root().unwrap();
    let notices = || -> Vec<String> {
        let list = root
            .query_selector_all(".cw-msg--system .cw-bubble")
            .unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.text_content().unwrap_or_default())
            .collect()
    };
    wait_for("the window", || {
        root.query_selector(".cw-window").ok().flatten()
    })
    .await;

    // (`obj` nested 20,000 levels deep: skipped unread, like any object.)
    let vars = parse(&format!(
        r#"{{"phone": "555-0100", "hour": 18, "open": true, "rate": 1.5, "none": null,
            "obj": {{"a": {}}}, "list": [1, 2]}}"#,
        nested(20_000)
    ));
    set(&vars, "undef", &wasm_bindgen::JsValue::UNDEFINED);
    handle.set_variables(vars);
    assert!(handle.send("I want to talk to a human"));
    let expected = "Call 555-0100 before 18h (open: true, rate 1.5).";
    let first = wait_for("the no-agent notice", || notices().first().cloned()).await;
    assert_eq!(first, expected);

    let spy = js_sys::Function::new_no_args(
        "window.__warns = []; window.__warn = console.warn; console.warn = function () { window.__warns.push([].join.call(arguments, ' ')); window.__warn.apply(console, arguments); };",
    );
    spy.call0(&wasm_bindgen::JsValue::NULL).unwrap();
    let unreadable = parse(r#"{"phone": "999", "hour": 7, "open": false}"#);
    set(
        &unreadable,
        "callback",
        &js_sys::Function::new_no_args("return 1"),
    );
    handle.set_variables(unreadable);
    let warns = get(&web_sys::window().unwrap(), "__warns");
    js_sys::Function::new_no_args("console.warn = window.__warn;")
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
    let warned = js_sys::Array::from(&warns)
        .iter()
        .filter_map(|w| w.as_string())
        .any(|w| w.contains("setVariables() ignored"));
    assert!(warned, "a console warning: {warns:?}");
    assert!(handle.send("agent, please"));
    let second = wait_for("the second no-agent notice", || notices().get(1).cloned()).await;
    assert_eq!(second, expected, "the previous values are kept");
    handle.destroy();
}
