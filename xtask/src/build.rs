//! The release bundle: cargo (size profile) → wasm-bindgen (--target web) → wasm-opt -Oz,
//! plus the loader and the demo page.
//!
//! dist/
//!   index.html, shop.css, demo-config.json   the demo host page
//!   theme.html, theme-frame.html,            the theme studio (docs/theme-studio.md): the
//!   theme-studio.js, theme-frame.js,         widget in every state from fixtures, with
//!   theme-sample.svg, theme-sample.txt       controls for the --chat-* properties
//!   widget/chat-widget.js                    the loader (the one <script> a site adds)
//!   widget/chat_widget.js                    wasm-bindgen JS glue (ES module)
//!   widget/chat_widget_bg.wasm               the app
//!   widget/messages/<tag>.json               the texts of each language but English (the
//!                                            wasm compiles in English only; the loader
//!                                            fetches the visitor's language with the wasm)

use std::fs;
use std::process::Command;

use crate::{cargo, root, run, Result};

/// The theme studio's files (`www/` → `dist/`), next to the demo page that links to it.
const THEME_STUDIO: [&str; 6] = [
    "theme.html",
    "theme-frame.html",
    "theme-studio.js",
    "theme-frame.js",
    "theme-sample.svg",
    "theme-sample.txt",
];

pub fn release() -> Result {
    let root = root();
    let dist = root.join("dist");
    let widget = dist.join("widget");
    let _ = fs::remove_dir_all(&dist);
    fs::create_dir_all(&widget).map_err(|e| format!("create {}: {e}", widget.display()))?;

    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "chat-widget",
    ]);
    run(&mut build)?;
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| root.join("target"));
    let wasm = target_dir.join("wasm32-unknown-unknown/release/chat_widget.wasm");
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "chat_widget",
            "--out-dir",
        ])
        .arg(&widget)
        .arg(&wasm))?;
    let bg = widget.join("chat_widget_bg.wasm");
    // `--flatten --rereloop` before two `-Oz` rounds: 2.4 KB (brotli) smaller than one
    // `-Oz`, for about 4 s more (measured; `--converge` adds 12 s for another 0.2 KB).
    run(Command::new("wasm-opt")
        .args([
            "--flatten",
            "--rereloop",
            "-Oz",
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
            "--enable-mutable-globals",
            "-o",
        ])
        .arg(&bg)
        .arg(&bg))?;
    let copy = |from: &str, to: &std::path::Path| -> Result {
        fs::copy(root.join(from), to)
            .map(|_| ())
            .map_err(|e| format!("copy {from}: {e}"))
    };
    // Minify the loader and the wasm-bindgen glue (terser, from npm).
    run(Command::new("terser")
        .arg(root.join("www/chat-widget.js"))
        .args(["--compress", "--mangle", "--comments", "some", "-o"])
        .arg(widget.join("chat-widget.js")))?;
    let glue = widget.join("chat_widget.js");
    run(Command::new("terser")
        .arg(&glue)
        .args(["--module", "--compress", "--mangle", "-o"])
        .arg(&glue))?;
    let messages = widget.join("messages");
    fs::create_dir_all(&messages).map_err(|e| format!("create {}: {e}", messages.display()))?;
    for tag in chat_core::messages::SHIPPED_LANGUAGES {
        if *tag == "en" {
            continue;
        }
        let data = chat_core::LanguageData::shipped(tag)
            .ok_or_else(|| format!("no compiled texts for {tag}"))?;
        let file = messages.join(format!("{tag}.json"));
        fs::write(&file, data.to_json::<chat_core::codec::SerdeJson>())
            .map_err(|e| format!("write {}: {e}", file.display()))?;
    }
    copy("index.html", &dist.join("index.html"))?;
    copy("www/shop.css", &dist.join("shop.css"))?;
    copy("www/demo-config.json", &dist.join("demo-config.json"))?;
    for file in THEME_STUDIO {
        copy(&format!("www/{file}"), &dist.join(file))?;
    }
    eprintln!("\nbuilt {}", dist.display());
    crate::size::report(false)
}
