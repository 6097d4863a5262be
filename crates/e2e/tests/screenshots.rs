//! The screenshots of docs/theming.md and docs/configuration.md (`docs/img/*.png`), taken from
//! the release build in headless Chromium: the same conversation (bot, hand-off, agent) with
//! the default look, with brand assets and part rules, in the dark theme, and the closed
//! launcher with an unread badge. Not part of the test run (`#[ignore]`): `cargo xtask
//! screenshots` writes them again after a visual change.

use std::path::PathBuf;

use e2e::{config_page, dist, miaw_config, serve, Browser, Control};
use serde_json::{json, Value};

/// The brand of the examples: a logo, a launcher icon and a bot avatar as inline SVG, agents'
/// initials, a subtitle.
fn brand(config: &mut Value) {
    let mark = r##"<svg viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#ffffff"/><path d="M6 24 13 10l5 9 3-5 5 10z" fill="#0b7a53"/></svg>"##;
    let icon =
        r##"<svg viewBox="0 0 24 24"><path d="M3 20 10 6l4 7 2-3 5 10z" fill="#ffffff"/></svg>"##;
    config["title"] = json!("Alpine Outfitters");
    config["subtitle"] = json!("Typically replies in a few minutes");
    config["brand"] =
        json!({"logo": mark, "launcherIcon": icon, "botAvatar": mark, "agentAvatar": "initials"});
}

/// The part rules of docs/theming.md's examples, and a green accent.
const PART_RULES: &str = r#":root { --chat-accent: #0b7a53; --chat-radius: 20px; }
chat-widget::part(header) { background: linear-gradient(90deg, #0b7a53, #065f46); }
chat-widget::part(bubble-agent) { border-inline-start: 3px solid #0b7a53; }
chat-widget::part(quick-reply) { border-radius: 6px; }
chat-widget::part(avatar-agent) { background: #0b7a53; color: #fff; }"#;

fn out(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/img");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// JavaScript for the page's head that adds the stylesheet `css`.
fn stylesheet(css: &str) -> String {
    format!(
        "var s = document.createElement('style'); s.textContent = {}; document.head.appendChild(s);",
        json!(css)
    )
}

/// Opens the widget on a blank page of 560×800, has the bot answer, hands off to Jane, who
/// writes; then saves a screenshot as `name`.
async fn shoot(name: &str, edit: impl FnOnce(&mut Value), head: &str, dark: bool, closed: bool) {
    let mut emulator = sf_emulator::EmulatorConfig::default();
    emulator.agents[0].name = "Jane Doe".into();
    let emu = sf_emulator::spawn(emulator).await.unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let mut config = miaw_config(&emu.base_url());
    config["handoff"]["prechat"] = json!(false);
    config["handoff"]["anyHost"] = json!(true);
    config["bot"] = json!({"type": "demo"});
    edit(&mut config);
    let page = config_page(&cdn, "localhost", &config, head).await;
    let b = if dark {
        Browser::start_dark().await
    } else {
        Browser::start().await
    };
    b.client.set_window_size(560, 800).await.unwrap();
    b.client.goto(&page).await.unwrap();
    b.js("ChatWidget.open(); return true").await;
    b.widget(".cw-input").await;
    let problems = b
        .js("const r = document.querySelector('chat-widget').shadowRoot; return [...r.querySelectorAll('.cw-notice')].map(n => n.textContent)")
        .await;
    assert_eq!(
        problems,
        json!([]),
        "{name}: the configuration has problems"
    );
    b.type_and_send("Where is my order?").await;
    b.wait_bubble("bot", "track your order").await;
    b.type_and_send("I want to talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "0055e000001JaNe").await;
    b.wait_bubble("system", "has joined").await;
    control
        .say(
            &id,
            "Hi, I'm Jane. I can see order 10432: it left our warehouse this morning.",
        )
        .await;
    b.wait_bubble("agent", "warehouse").await;
    if closed {
        b.js("ChatWidget.close(); return true").await;
        control.say(&id, "It should arrive on Thursday.").await;
        b.wait_js(
            "the unread badge",
            "const r = document.querySelector('chat-widget').shadowRoot; return r.querySelector('.cw-badge') ? true : null",
        )
        .await;
    }
    // Let images decode and the last message scroll into view.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let png = b.client.screenshot().await.unwrap();
    std::fs::write(out(name), png).unwrap();
    println!("screenshots: wrote docs/img/{name}");
    b.close().await;
}

#[tokio::test]
#[ignore = "writes docs/img: run by `cargo xtask screenshots`"]
async fn write_the_documentation_screenshots() {
    shoot("default.png", |_| {}, "", false, false).await;
    let parts = stylesheet(PART_RULES);
    shoot("brand.png", brand, &parts, false, false).await;
    shoot(
        "dark.png",
        |c| {
            brand(c);
            c["theme"] = json!("dark");
        },
        "",
        true,
        false,
    )
    .await;
    shoot("launcher-badge.png", brand, &parts, false, true).await;
}
