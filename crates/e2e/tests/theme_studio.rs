//! The theme studio (`www/theme.html`, docs/theme-studio.md): every frame reaches its state
//! from fixtures alone (no emulator, no relay: the frames' fixture transport answers for the
//! fake Salesforce hosts), a property changed through the page's control restyles the widgets,
//! a low-contrast colour raises a warning, the export shows the changed properties, and the
//! dark toggle reloads the frames with the dark theme. Runs in Chromium and Firefox.

use std::time::Duration;

use e2e::{dist, serve, Browser};
use serde_json::{json, Value};

/// The states of `www/theme-frame.js`, one frame each.
const STATES: [&str; 11] = [
    "badge",
    "greeting",
    "long-answer",
    "statuses",
    "prechat",
    "queue",
    "agent",
    "files",
    "typing",
    "connection",
    "ended",
];

/// A script run against the shadow root `r` of the widget in the grid frame of `state`
/// (`null` while that widget is not there).
fn in_frame(state: &str, body: &str) -> String {
    format!(
        "const f = document.querySelector('.grid iframe[data-state=\"{state}\"]');
         const h = f && f.contentDocument && f.contentDocument.querySelector('chat-widget');
         const r = h && h.shadowRoot; if (!r) return null;
         const all = (css) => [...r.querySelectorAll(css)];
         const texts = (css) => all(css).map(e => e.textContent.trim());
         {body}"
    )
}

/// A script reading the computed `property` (camelCase) of the part `part` in the widget of
/// the frame of `state`.
fn part_style(state: &str, part: &str, property: &str) -> String {
    in_frame(
        state,
        &format!("return getComputedStyle(r.querySelector(\"[part~='{part}']\")).{property};"),
    )
}

/// Every frame's `[state, data-studio, detail]`; a frame whose document is not yet the one
/// with `theme=THEME` in its address counts as loading.
const FRAME_STATUS: &str = "return [...document.querySelectorAll('iframe[data-state]')].map(f => {
    const e = f.contentDocument && f.contentDocument.documentElement;
    const current = !!e && f.contentWindow.location.search.includes('theme=THEME');
    return [f.dataset.state + (f.hasAttribute('data-mobile') ? ' (phone)' : ''),
            (current && e.getAttribute('data-studio')) || 'loading',
            (current && e.getAttribute('data-studio-detail')) || ''];
  })";

/// Waits (up to 40 s: twelve widgets load at once) until every frame, in `theme`, says it
/// reached its state; fails at once, with every frame's status, when one could not.
async fn wait_all_reached(b: &Browser, theme: &str) {
    let what = format!("{theme} theme");
    let script = FRAME_STATUS.replace("THEME", theme);
    let mut last = Value::Null;
    for _ in 0..400 {
        last = b.js(&script).await;
        let frames = last.as_array().cloned().unwrap_or_default();
        assert_eq!(frames.len(), STATES.len() + 1, "{last}");
        assert!(
            !frames.iter().any(|f| f[1] == "failed"),
            "{what}: a frame could not reach its state: {last:#}"
        );
        if frames.iter().all(|f| f[1] == "reached") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: timed out waiting for every frame: {last:#}");
}

/// Waits until `script` returns `want`.
async fn wait_eq(b: &Browser, what: &str, script: &str, want: Value) {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = b.js(script).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: want {want}, have {last}");
}

/// Sets a control of the studio as a person would (the value, then `input` and `change`).
async fn set_control(b: &Browser, id: &str, value: &str) {
    let done = b
        .js(&format!(
            "const i = document.getElementById('{id}'); if (!i) return false;
             i.value = '{value}';
             i.dispatchEvent(new Event('input', {{bubbles: true}}));
             i.dispatchEvent(new Event('change', {{bubbles: true}}));
             return i.value;"
        ))
        .await;
    assert_eq!(done, json!(value), "control #{id}");
}

async fn contrast_row(b: &Browser, pair: &str) -> Value {
    b.js(&format!(
        "const tr = document.querySelector('tr[data-pair=\"{pair}\"]');
         return tr && [tr.getAttribute('data-pass'), tr.querySelector('.verdict').textContent];"
    ))
    .await
}

#[tokio::test]
async fn theme_studio_shows_every_state_and_themes_them_live() {
    let site = serve(dist(), "127.0.0.1").await;
    let b = Browser::start().await;
    b.client.goto(&format!("{site}/theme.html")).await.unwrap();
    wait_all_reached(&b, "light").await;

    // Launcher closed; the agent's two messages (and the hand-off's lines) are unread.
    let badge = b
        .js(&in_frame(
            "badge",
            "return [texts(\"[part~='badge']\"), all(\"[part~='window']\").length];",
        ))
        .await;
    let count: u32 = badge[0][0].as_str().unwrap_or("").parse().unwrap_or(0);
    assert!(count >= 2 && badge[1] == 0, "badge frame: {badge}");

    // The greeting's quick replies.
    let replies = b
        .js(&in_frame(
            "greeting",
            "return texts(\"[part~='quick-reply']\");",
        ))
        .await;
    assert_eq!(
        replies,
        json!(["Where is my order?", "Returns", "Talk to a human"]),
        "greeting frame"
    );

    // The long bot answer.
    let long = b
        .js(&in_frame(
            "long-answer",
            "return texts(\"[part~='bubble-bot']\").pop();",
        ))
        .await;
    let long = long.as_str().unwrap_or_default();
    assert!(
        long.contains("prepaid label") && long.len() > 400,
        "long-answer frame: {long}"
    );

    // Visitor messages in every state, the failed one with Retry.
    let statuses = b
        .js(&in_frame(
            "statuses",
            "return all('.cw-msg--visitor').filter(m => m.querySelector('.cw-status')).map(m =>
               [m.querySelector('.cw-bubble').textContent.trim(),
                m.querySelector('.cw-status').className.replace(/.*cw-status--/, ''),
                m.querySelector('.cw-status').textContent.trim()]);",
        ))
        .await;
    assert_eq!(
        statuses,
        json!([
            ["My parcel hasn’t arrived yet.", "delivered", "Delivered"],
            ["It’s order A-1042.", "read", "Read"],
            ["Can you check the address?", "failed", "Not sentRetry"],
            ["I’m at home all day.", "sending", "Sending…"]
        ]),
        "statuses frame"
    );

    // The pre-chat form submitted empty.
    let prechat = b
        .js(&in_frame(
            "prechat",
            "return [texts('.cw-pc-error'), all(\"[part~='prechat-form'] [aria-invalid='true']\").length];",
        ))
        .await;
    assert_eq!(
        prechat,
        json!([["This field is required.", "This field is required."], 2]),
        "prechat frame"
    );

    // The Live Chat queue line.
    let queue = b
        .js(&in_frame(
            "queue",
            "return texts(\"[part~='bubble-system']\").filter(t => t.includes('position'));",
        ))
        .await;
    let queue = queue.to_string();
    assert!(
        queue.contains("You are in position: 3"),
        "queue frame: {queue}"
    );

    // The agent joined and answered.
    let agent = b
        .js(&in_frame(
            "agent",
            "return [texts(\"[part~='bubble-system']\").some(t => t === 'Jane has joined.'),
                     texts(\"[part~='bubble-agent']\")];",
        ))
        .await;
    assert_eq!(
        agent,
        json!([
            true,
            ["Hi, I’m Jane. I can see order A-1042 — how can I help?"]
        ]),
        "agent frame"
    );

    // Files: the agent's image (loaded from the page's origin) and text file, the visitor's PDF.
    // The widget's images load lazily: bring the frame into view first.
    b.js("document.querySelector('.grid iframe[data-state=\"files\"]').scrollIntoView(); return true;")
        .await;
    b.wait_js(
        "the agent's image to load in the files frame",
        &in_frame(
            "files",
            "const i = r.querySelector('.cw-msg--agent img.cw-image');
             return !!i && i.complete && i.naturalWidth > 0 && i.src.endsWith('/theme-sample.svg');",
        ),
    )
    .await;
    let files = b
        .js(&in_frame(
            "files",
            "return [all('.cw-msg--agent a.cw-file-link').map(a => a.getAttribute('href').split('/').pop()),
                     texts('.cw-msg--visitor .cw-file-name, .cw-msg--visitor .cw-file-link')];",
        ))
        .await;
    assert_eq!(
        files[0],
        json!(["theme-sample.svg", "theme-sample.txt"]),
        "files frame: {files}"
    );
    assert!(
        files[1].to_string().contains("receipt.pdf"),
        "files frame: the visitor's file: {files}"
    );

    // The agent typing: her name and the dots.
    let typing = b
        .js(&in_frame(
            "typing",
            "return [texts(\"[part~='typing']\"), all(\"[part~='typing'] .cw-dots i\").length];",
        ))
        .await;
    assert_eq!(typing, json!([["Jane"], 3]), "typing frame");

    // The connection lost.
    let connection = b
        .js(&in_frame(
            "connection",
            "return texts(\"[part~='bubble-system']\").filter(t => /connection|Reconnecting/i.test(t));",
        ))
        .await;
    assert!(
        connection.to_string().contains("Reconnecting"),
        "connection frame: {connection}"
    );

    // The agent ended the chat.
    let ended = b
        .js(&in_frame(
            "ended",
            "return [all(\"[part~='ended-bar']\").length, all(\"[part~='restart-button']\").length,
                     texts(\"[part~='bubble-system']\").some(t => t.includes('ended the chat'))];",
        ))
        .await;
    assert_eq!(ended, json!([1, 1, true]), "ended frame");

    // The phone frame: the window takes the whole 375 px width.
    let phone = b
        .js("const f = document.querySelector('iframe[data-mobile]');
             const w = f.contentDocument.querySelector('chat-widget').shadowRoot.querySelector(\"[part~='window']\");
             return [f.clientWidth, w && Math.round(w.getBoundingClientRect().width)];")
        .await;
    assert_eq!(phone, json!([375, 375]), "phone frame");

    // The defaults pass where the widget's own colours were chosen for it: every pair,
    // the focus ring on the light background included (it was 2.1:1 before #b45309).
    assert_eq!(
        contrast_row(&b, "text-background").await,
        json!(["true", "Pass"])
    );
    wait_eq(
        &b,
        "every default pair passing",
        "return document.getElementById('contrast-summary').textContent",
        json!("All 12 pairs pass WCAG AA."),
    )
    .await;
    assert_eq!(
        contrast_row(&b, "focus-background").await,
        json!(["true", "Pass"])
    );
    assert_eq!(
        b.js("return document.getElementById('export-config').textContent.trim()")
            .await,
        json!(r#"{"theme": "light"}"#)
    );

    // A property changed through the page's controls restyles every frame.
    set_control(&b, "prop-chat-accent", "#aa0000").await;
    let send_bg = part_style("agent", "send-button", "backgroundColor");
    wait_eq(
        &b,
        "the send button in the accent",
        &send_bg,
        json!("rgb(170, 0, 0)"),
    )
    .await;
    wait_eq(
        &b,
        "the launcher in the accent",
        &part_style("badge", "launcher", "backgroundColor"),
        json!("rgb(170, 0, 0)"),
    )
    .await;
    set_control(&b, "prop-chat-radius", "4").await;
    wait_eq(
        &b,
        "the window's corners",
        &part_style("agent", "window", "borderTopLeftRadius"),
        json!("4px"),
    )
    .await;

    // A low-contrast text colour: the warning appears.
    set_control(&b, "prop-chat-text", "#eeeeee").await;
    wait_eq(
        &b,
        "the contrast warning",
        "const tr = document.querySelector('tr[data-pair=\"text-background\"]');
         return tr.getAttribute('data-pass') === 'false' && tr.querySelector('.verdict').textContent.includes('Fails AA')
           && document.getElementById('contrast-summary').textContent.includes('Text / background');",
        json!(true),
    )
    .await;

    // The export: only the changed properties.
    let css = b
        .js("return document.getElementById('export-css').textContent")
        .await;
    assert_eq!(
        css,
        json!(":root {\n  --chat-accent: #aa0000;\n  --chat-text: #eeeeee;\n  --chat-radius: 4px;\n}\n"),
        "exported CSS"
    );

    // Dark: the frames reload with the dark theme and keep the properties.
    b.js("document.getElementById('scheme-dark').click(); return true;")
        .await;
    wait_eq(
        &b,
        "the dark configuration export",
        "return document.getElementById('export-config').textContent.trim()",
        json!(r#"{"theme": "dark"}"#),
    )
    .await;
    wait_eq(
        &b,
        "the frames in the dark theme",
        &in_frame(
            "agent",
            "return r.querySelector('.cw-root').getAttribute('data-theme');",
        ),
        json!("dark"),
    )
    .await;
    wait_all_reached(&b, "dark").await;
    wait_eq(
        &b,
        "the accent kept in the dark theme",
        &send_bg,
        json!("rgb(170, 0, 0)"),
    )
    .await;
    b.close().await;
}
