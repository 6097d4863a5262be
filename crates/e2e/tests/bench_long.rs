//! Long-conversation benchmark (run by `cargo xtask bench`, ignored by `cargo test`): 5,000
//! visitor messages to the embedded bot in headless Chromium (10,001 messages in the
//! conversation), then a reload that restores it. Prints figures measured in the page; asserts
//! nothing about time.
//!
//! For each message: the synchronous `ChatWidget.send` call, and send → the message in the DOM
//! (a `MutationObserver` sees it). Between two messages the page yields a task, so each
//! message's work is its own task and the long-task observer can tell which ones block.

use std::time::Duration;

use e2e::{config_page, dist, serve, Browser};
use serde_json::json;

/// Visitor messages sent (`BENCH_MESSAGES` changes it, e.g. 2000 for the issue's figure).
fn messages() -> usize {
    std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

/// The page script: sends `n` messages one after the other, collecting figures in
/// `window.bench`.
const RUN: &str = r#"
const n = arguments[0];
const host = document.querySelector('chat-widget');
const root = host.shadowRoot;
window.bench = { send: [], dom: [], done: false };
const longTasks = [];
new PerformanceObserver(l => l.getEntries().forEach(e => longTasks.push(e.duration)))
  .observe({ type: 'longtask' });
const yieldTask = () => new Promise(r => setTimeout(r, 0));
function shown(text) {
  return new Promise(resolve => {
    const has = () => {
      const b = root.querySelectorAll('.cw-msg--visitor .cw-bubble');
      return b.length && b[b.length - 1].textContent === text;
    };
    if (has()) return resolve(performance.now());
    const o = new MutationObserver(() => { if (has()) { o.disconnect(); resolve(performance.now()); } });
    o.observe(root, { childList: true, subtree: true, characterData: true });
  });
}
(async () => {
  for (let i = 0; i < n; i++) {
    const text = 'question ' + i + ' about my order';
    const t0 = performance.now();
    const seen = shown(text);
    ChatWidget.send(text);
    const t1 = performance.now();
    const t2 = await seen;
    window.bench.send.push(t1 - t0);
    window.bench.dom.push(t2 - t0);
    await yieldTask();
  }
  await new Promise(r => setTimeout(r, 1000)); // the last batched save
  const stats = ChatWidget.stats ? ChatWidget.stats() : null;
  window.bench.longTasks = longTasks;
  window.bench.heap = performance.memory ? performance.memory.usedJSHeapSize : null;
  window.bench.wasm = stats ? stats.wasmMemoryBytes : null;
  window.bench.saved = (localStorage.getItem('chat-widget:v1') || '').length;
  window.bench.onPage = root.querySelectorAll('.cw-msg').length;
  window.bench.done = true;
})();
return true;
"#;

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(0.0, f64::max)
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "benchmark: run with `cargo xtask bench`"]
async fn long_conversation() {
    if e2e::skip_in_firefox("needs CDP (CPU throttling) and performance.memory") {
        return;
    }
    let total = messages();
    let cdn = serve(dist(), "127.0.0.1").await;
    // Long tasks during the restore are collected from the start of the page.
    let observe = "window.restoreLongTasks = []; new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { window.restoreLongTasks.push(e.duration); }); }).observe({ type: 'longtask', buffered: true });";
    let page = config_page(
        &cdn,
        "127.0.0.1",
        &json!({"openOnLoad": true, "preload": "eager"}),
        observe,
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.wait_js("ready", "return ChatWidget.isReady() && !!document.querySelector('chat-widget').shadowRoot.querySelector('.cw-input')").await;
    b.client
        .execute(RUN, vec![json!(total)])
        .await
        .expect("benchmark script");
    let mut result = serde_json::Value::Null;
    for _ in 0..1_200 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        result = b.js("return window.bench.done ? window.bench : null").await;
        if !result.is_null() {
            break;
        }
    }
    assert!(
        !result.is_null(),
        "the benchmark did not finish in 10 minutes"
    );
    let send = floats(&result["send"]);
    let dom = floats(&result["dom"]);
    let long_tasks = floats(&result["longTasks"]);
    let (first, last) = (0..100, total - 100..total);
    println!("long conversation: {total} visitor messages to the embedded bot ({} in the conversation), headless Chromium, 1× CPU", 2 * total + 1);
    println!(
        "  send → message in the DOM, median: messages 1–100 {:.2} ms, {}–{} {:.2} ms (max {:.1} ms)",
        median(&dom[first.clone()]),
        total - 99,
        total,
        median(&dom[last.clone()]),
        max(&dom)
    );
    println!(
        "  ChatWidget.send call, median: messages 1–100 {:.2} ms, {}–{} {:.2} ms",
        median(&send[first]),
        total - 99,
        total,
        median(&send[last])
    );
    println!(
        "  long tasks (> 50 ms) during the run: {} (total {:.0} ms, longest {:.0} ms)",
        long_tasks.len(),
        long_tasks.iter().sum::<f64>() + 0.0,
        max(&long_tasks)
    );
    let mb = |v: &serde_json::Value| v.as_f64().map(|b| format!("{:.1} MB", b / 1e6));
    println!(
        "  at the end: JS heap {}, wasm memory {}, saved state {:.0} KB, {} messages on the page",
        mb(&result["heap"]).unwrap_or_else(|| "n/a".into()),
        mb(&result["wasm"]).unwrap_or_else(|| "n/a (loader without stats())".into()),
        result["saved"].as_f64().unwrap_or(0.0) / 1e3,
        result["onPage"]
    );

    // Reload with the saved conversation (its latest messages) and the window open, at 1× and
    // at 4× CPU: long tasks from navigation start, and when the launcher and the messages were
    // on screen.
    for rate in [1, 4] {
        b.cdp("Emulation.setCPUThrottlingRate", json!({"rate": rate}))
            .await;
        b.client.refresh().await.unwrap();
        b.wait_js(
            "restored",
            "var h = document.querySelector('chat-widget'); return !!(h && h.shadowRoot.querySelectorAll('.cw-msg--visitor').length > 100)",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1_000)).await;
        let restore = b
            .js("var m = function (n) { var e = performance.getEntriesByName(n); return e.length ? e[0].startTime : null; };
                 return { tasks: window.restoreLongTasks, launcher: m('chat-widget:launcher'), shown: window.shownAt || null };")
            .await;
        let tasks = floats(&restore["tasks"]);
        println!(
            "  reload with the saved conversation, {rate}× CPU: {} long tasks (longest {:.0} ms, total {:.0} ms), the loader's launcher at {:.0} ms",
            tasks.len(),
            max(&tasks),
            tasks.iter().sum::<f64>() + 0.0,
            restore["launcher"].as_f64().unwrap_or(f64::NAN)
        );
    }
    b.cdp("Emulation.setCPUThrottlingRate", json!({"rate": 1}))
        .await;
    b.js("localStorage.clear(); sessionStorage.clear(); return true")
        .await;
    b.close().await;
}
