//! Phones: a 375×667 touch screen (chromedriver's mobile emulation) on a long page. The
//! window opens full screen, its fields use 16px text (iOS zooms the page into smaller
//! ones), touch swipes on the window's header and composer do not scroll the page behind it,
//! and closing the window gives the page back its exact scroll position.

use e2e::{dist, page_site, serve, write_page, Browser};
use serde_json::json;

/// Where the page is scrolled before the widget opens.
const OFFSET: u32 = 1234;

/// The page's content position as the visitor sees it: the top of a marker at the page's
/// top, relative to the viewport (it moves when the page scrolls, whether through the
/// window's scroll position or by the body being moved).
const CONTENT_TOP: &str = "return document.getElementById('top').getBoundingClientRect().top";

async fn content_top(b: &Browser) -> f64 {
    b.js(CONTENT_TOP).await.as_f64().unwrap()
}

/// The content position once the page stopped moving (a swipe ends with a fling).
async fn settled_top(b: &Browser) -> f64 {
    let mut last = content_top(b).await;
    let mut same = 0;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = content_top(b).await;
        same = if now == last { same + 1 } else { 0 };
        if same == 3 {
            break;
        }
        last = now;
    }
    last
}

/// Swipes the finger from (`x`, `y`) by `dy` px (negative = up) and returns how far the
/// page's content moved (px).
async fn swipe_moves_page(b: &Browser, x: f64, y: f64, dy: f64) -> f64 {
    let before = content_top(b).await;
    b.touch_swipe(x, y, dy, 10).await;
    (settled_top(b).await - before).abs()
}

/// The centre of a widget element (viewport coordinates).
async fn centre(b: &Browser, css: &str) -> (f64, f64) {
    b.widget(css).await;
    let c = b
        .js(&format!(
            "const r = document.querySelector('chat-widget').shadowRoot.querySelector({css:?}).getBoundingClientRect();
             return [r.left + r.width / 2, r.top + r.height / 2]"
        ))
        .await;
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

#[tokio::test]
async fn full_screen_window_on_a_phone_keeps_the_page_still_and_its_scroll_position() {
    if e2e::skip_in_firefox("needs chromedriver's mobile emulation (goog:chromeOptions)") {
        return;
    }
    let cdn = serve(dist(), "127.0.0.1").await;
    let (dir, site) = page_site("localhost").await;
    write_page(&dir, &cdn, &json!({"title": "Shop support"}), "");
    // A phone page: laid out at the device's width, long enough to scroll.
    let paragraphs = (1..=80)
        .map(|i| format!("<p>Product {i}: a paragraph of the long shop page.</p>"))
        .collect::<String>();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let html = html
        .replace(
            "<title>",
            r#"<meta name="viewport" content="width=device-width, initial-scale=1"><title>"#,
        )
        .replace(
            "<h1>Shop</h1>",
            &format!("<h1 id=\"top\">Shop</h1>{paragraphs}"),
        );
    assert!(html.contains("id=\"top\"") && html.contains("viewport"));
    std::fs::write(dir.join("index.html"), html).unwrap();
    let b = Browser::start_mobile(375, 667).await;
    b.client.goto(&format!("{site}/index.html")).await.unwrap();
    b.widget(".cw-launcher").await;
    let viewport = b
        .js("return [innerWidth, innerHeight, document.documentElement.scrollHeight, matchMedia('(pointer: coarse)').matches]")
        .await;
    assert_eq!(viewport[0], json!(375), "{viewport}");
    assert_eq!(viewport[1], json!(667), "{viewport}");
    assert!(viewport[2].as_f64().unwrap() > 3000.0, "{viewport}");

    b.js(&format!("scrollTo(0, {OFFSET}); return true")).await;
    assert_eq!(b.js("return scrollY").await, json!(OFFSET));

    // The control: with the widget closed, the same swipes on the page do scroll it (a
    // finger moving down near the top, as on the header; up near the bottom, as on the
    // composer).
    let closed_down = swipe_moves_page(&b, 187.0, 30.0, 250.0).await;
    b.js(&format!("scrollTo(0, {OFFSET}); return true")).await;
    let closed_up = swipe_moves_page(&b, 187.0, 600.0, -250.0).await;
    b.js(&format!("scrollTo(0, {OFFSET}); return true")).await;
    assert!(
        closed_down > 100.0 && closed_up > 100.0,
        "the swipes did not scroll the page: {closed_down} px, {closed_up} px"
    );
    let before = content_top(&b).await;

    // The visitor opens the window: full screen, 16px text in the composer.
    b.widget(".cw-launcher").await.click().await.unwrap();
    b.widget(".cw-input").await;
    let window = b
        .js("const w = document.querySelector('chat-widget').shadowRoot.querySelector('.cw-window').getBoundingClientRect();
             return [w.left, w.top, w.width, w.height]")
        .await;
    assert_eq!(window, json!([0, 0, 375, 667]), "full screen: {window}");
    let font = b
        .js("return getComputedStyle(document.querySelector('chat-widget').shadowRoot.querySelector('.cw-input')).fontSize")
        .await;
    let font_px: f64 = font
        .as_str()
        .and_then(|s| s.strip_suffix("px"))
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(font_px >= 16.0, "composer font-size {font}");

    // The full-screen window passes axe-core too.
    let axe = b.axe().await;
    assert!(axe.is_empty(), "axe-core on the phone: {axe:#?}");

    // Swipes on the header and on the composer: the page stays where it was. (Opening may
    // shift the hidden page by its body's collapsed top margin, since the locked `<body>` is
    // `position: fixed`; the full-screen window covers it, and closing restores it.)
    let open_top = content_top(&b).await;
    let (hx, hy) = centre(&b, ".cw-title").await;
    let header = swipe_moves_page(&b, hx, hy, 250.0).await;
    let (cx, cy) = centre(&b, ".cw-input").await;
    let composer = swipe_moves_page(&b, cx, cy, -250.0).await;
    let still = content_top(&b).await;
    println!(
        "mobile: page moved by a swipe: widget closed {closed_down} px down / {closed_up} px up (control), on the open window's header {header} px, on its composer {composer} px; hidden page shifted {} px on opening; composer font-size {font}",
        open_top - before
    );
    assert_eq!(header, 0.0, "a swipe on the header scrolled the page");
    assert_eq!(composer, 0.0, "a swipe on the composer scrolled the page");
    assert_eq!(still, open_top, "the page moved while the window was open");

    // Closing gives the page back its exact scroll position.
    b.widget(".cw-minimize").await.click().await.unwrap();
    b.wait_js(
        "the window closed",
        "return !document.querySelector('chat-widget').shadowRoot.querySelector('.cw-window')",
    )
    .await;
    let after = b.js("return [scrollX, scrollY]").await;
    println!("mobile: scroll position after closing {after} (was [0, {OFFSET}])");
    assert_eq!(after, json!([0, OFFSET]));
    assert_eq!(content_top(&b).await, before);
    b.close().await;
}
