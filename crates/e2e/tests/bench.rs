//! Load-time benchmark (run by `cargo xtask bench`, ignored by `cargo test`): how long after
//! navigation the widget is ready, and how long `open()` takes to show the greeting. Prints
//! figures (measured in the page with `performance.now()`), asserts nothing about time.

use e2e::{dist, serve, temp_dir, Browser};

#[tokio::test]
#[ignore = "benchmark: run with `cargo xtask bench`"]
async fn widget_load_time() {
    let cdn = serve(dist(), "127.0.0.1").await;
    let dir = temp_dir("bench");
    let page = serve(dir.clone(), "127.0.0.1").await;
    std::fs::write(
        dir.join("index.html"),
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body><h1>Shop</h1>
<script src="{cdn}/widget/chat-widget.js"></script>
<script>
  ChatWidget.on("ready", function () {{
    window.readyAt = performance.now();
    var t0 = performance.now();
    ChatWidget.open();
    (function check() {{
      var h = document.querySelector("chat-widget");
      if (h && h.shadowRoot.querySelector(".cw-msg--bot")) window.greetingAfterOpen = performance.now() - t0;
      else requestAnimationFrame(check);
    }})();
  }});
</script></body></html>"#
        ),
    )
    .unwrap();
    let b = Browser::start().await;
    let (mut ready, mut shown) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        b.client.goto(&format!("{page}/index.html")).await.unwrap();
        let r = b.wait_js("ready", "return window.readyAt || null").await;
        let s = b
            .wait_js("greeting", "return window.greetingAfterOpen || null")
            .await;
        ready.push(r.as_f64().unwrap());
        shown.push(s.as_f64().unwrap());
        b.js("sessionStorage.clear(); return true").await;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!(
        "widget ready after navigation start (median of 15): {:.0} ms",
        median(&mut ready)
    );
    println!(
        "open() → greeting on screen (median of 15): {:.1} ms",
        median(&mut shown)
    );
    b.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
