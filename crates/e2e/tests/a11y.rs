//! Accessibility: axe-core (npm `axe-core`, installed by `cargo xtask setup`) run inside the
//! widget's shadow roots over every state a visitor meets — the loader's own launcher before
//! the widget loaded, the launcher with an unread badge, the bot chat, the pre-chat form
//! without and with errors, the agent chat (the emulator's MIAW), the ended chat — in the
//! light theme, the dark theme and right to left (Arabic). The bar is zero violations; the
//! table of violations by state is printed either way.

use e2e::{config_page, dist, miaw_config, serve, AxeResults, AxeViolation, Browser, Control};
use serde_json::{json, Value};

/// The states, in the order a visitor meets them.
const STATES: [&str; 7] = [
    "loader launcher (preload intent)",
    "launcher, unread badge",
    "bot chat",
    "pre-chat form",
    "pre-chat form with errors",
    "agent chat (MIAW)",
    "ended",
];

/// The shadow root of the widget, for scripts.
const ROOT: &str =
    "const r = document.querySelector('chat-widget')?.shadowRoot; if (!r) return null;";

/// Walks one page through every state (configuration edited by `edit`; the system's colour
/// scheme dark when `os_dark`), running axe in each.
async fn states(edit: impl FnOnce(&mut Value), os_dark: bool) -> Vec<AxeResults> {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let mut config = miaw_config(&emu.base_url());
    config["openOnLoad"] = json!(false);
    config["preload"] = json!("intent");
    // The local emulator is not on *.salesforce-scrt.com: without this the window would show
    // a configuration warning, which no real site has.
    config["handoff"]["anyHost"] = json!(true);
    config["handoff"]["attachments"] = json!({"maxBytes": 100000, "types": ["image/*"]});
    // Every brand asset, so that axe checks them too (decorative images, initials' contrast).
    let svg = r##"<svg viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="#fff"/></svg>"##;
    config["subtitle"] = json!("Typically replies in a few minutes");
    config["brand"] =
        json!({"launcherIcon": svg, "logo": svg, "botAvatar": svg, "agentAvatar": "initials"});
    edit(&mut config);
    let page = config_page(&cdn, "localhost", &config, "").await;
    let b = if os_dark {
        Browser::start_dark().await
    } else {
        Browser::start().await
    };
    b.client.goto(&page).await.unwrap();
    let mut found = Vec::new();

    // The loader's launcher, before anything of the widget loaded.
    b.loader_launcher().await;
    assert_eq!(
        b.js("return !!document.querySelector('chat-widget')").await,
        json!(false),
        "preload intent: the widget must not have loaded yet"
    );
    found.push(b.axe_results().await);

    // A message sent by the page while the window is closed: the bot's answer is unread.
    b.js("ChatWidget.send('Where is my order?'); return true")
        .await;
    let badge = format!("{ROOT} return r.querySelector('.cw-badge')?.textContent");
    for _ in 0..100 {
        if b.js(&badge).await.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        b.js(&badge).await.is_string(),
        "no unread badge; events {}, logs {}",
        b.js("return window.events").await,
        b.js("return window.logs").await
    );
    found.push(b.axe_results().await);

    // The visitor opens the window: the bot chat.
    b.widget(".cw-launcher").await.click().await.unwrap();
    b.wait_bubble("bot", "track your order").await;
    if os_dark {
        let header = b
            .js(&format!(
                "{ROOT} return getComputedStyle(r.querySelector('.cw-header')).backgroundColor"
            ))
            .await;
        assert_eq!(header, json!("rgb(96, 165, 250)"), "the dark colours apply");
    }
    found.push(b.axe_results().await);

    // The hand-off's pre-chat form, empty, then submitted empty.
    b.type_and_send("I want to talk to a human").await;
    b.widget(".cw-pc-submit").await;
    found.push(b.axe_results().await);
    b.widget(".cw-pc-submit").await.click().await.unwrap();
    b.widget(".cw-pc-error").await;
    found.push(b.axe_results().await);

    // The agent chat: Jane joins, writes, sends an image; the visitor answers (delivered).
    b.widget("textarea[name=description]")
        .await
        .send_keys("My parcel is late")
        .await
        .unwrap();
    b.js(&format!(
        "{ROOT} r.querySelector('select[name=topic]').value = 'Orders'; return true"
    ))
    .await;
    b.widget(".cw-pc-submit").await.click().await.unwrap();
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane").await; // "Jane has joined." in the page's language
    control.say(&id, "Hi, I am Jane. Let me look.").await;
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    control
        .post(
            &format!("/conversations/{id}/files"),
            json!({"fileName": "parcel.png", "mimeType": "image/png", "contentBase64": png, "text": "Your parcel"}),
        )
        .await;
    b.wait_bubble("agent", "Your parcel").await;
    b.type_and_send("Thanks").await;
    b.wait_js(
        "delivered",
        &format!("{ROOT} return r.querySelector('.cw-status--delivered, .cw-status--read')"),
    )
    .await;
    control
        .post(
            &format!("/conversations/{id}/typing"),
            json!({"typing": true}),
        )
        .await;
    b.wait_js(
        "agent typing",
        &format!("{ROOT} return r.querySelector('.cw-typing')"),
    )
    .await;
    found.push(b.axe_results().await);

    // The agent ends the chat: the ended bar.
    control
        .post(&format!("/conversations/{id}/end"), json!({}))
        .await;
    b.widget(".cw-restart").await;
    found.push(b.axe_results().await);

    // The control: a button without a name put into the widget's shadow root is found, so
    // the runs above did look inside it.
    b.js(&format!(
        "{ROOT} const x = document.createElement('button'); x.className = 'axe-control'; r.querySelector('.cw-window').append(x); return true"
    ))
    .await;
    let control_run = b.axe().await;
    assert!(
        control_run
            .iter()
            .any(|v| v.id == "button-name" && v.nodes.iter().any(|n| n.contains("axe-control"))),
        "axe did not see inside the shadow root: {control_run:?}"
    );
    b.close().await;
    found
}

#[tokio::test]
async fn axe_finds_no_violation_in_any_state_light_dark_or_rtl() {
    let variants: [(&str, Value, bool); 4] = [
        ("light", json!({}), false),
        ("dark", json!({"theme": "dark"}), false),
        ("auto, system dark", json!({}), true),
        ("rtl (ar)", json!({"language": "ar"}), false),
    ];
    let mut table: Vec<(&str, Vec<AxeResults>)> = Vec::new();
    for (name, extra, os_dark) in variants {
        let found = states(
            |c| {
                if let (Value::Object(c), Value::Object(e)) = (c, extra) {
                    c.extend(e);
                }
            },
            os_dark,
        )
        .await;
        table.push((name, found));
    }

    // The table: rules broken (number of elements) per state and variant.
    let cell = |v: &[AxeViolation]| {
        if v.is_empty() {
            "0".to_string()
        } else {
            v.iter()
                .map(|x| format!("{} ×{}", x.id, x.nodes.len()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    println!(
        "a11y: | state | {} |",
        table
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("a11y: |---|{}", "---|".repeat(table.len()));
    for (i, state) in STATES.iter().enumerate() {
        println!(
            "a11y: | {state} | {} |",
            table
                .iter()
                .map(|(_, f)| cell(&f[i].violations))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    let mut details = Vec::new();
    let mut review = Vec::new();
    for (variant, found) in &table {
        for (i, r) in found.iter().enumerate() {
            assert!(
                r.passes > 0,
                "[{variant} / {}] axe checked nothing",
                STATES[i]
            );
            for x in &r.violations {
                details.push(format!("[{variant} / {}] {x}", STATES[i]));
            }
            for x in &r.incomplete {
                review.push(format!("[{variant} / {}] {x}", STATES[i]));
            }
        }
    }
    let total: usize = table
        .iter()
        .flat_map(|(_, f)| f.iter())
        .map(|r| r.violations.len())
        .sum();
    println!("a11y: {total} violations");
    for d in &details {
        println!("a11y: {d}");
    }
    println!("a11y: {} to review (axe: incomplete)", review.len());
    for d in &review {
        println!("a11y: review {d}");
    }
    assert_eq!(total, 0, "axe-core violations:\n{}", details.join("\n"));
}
