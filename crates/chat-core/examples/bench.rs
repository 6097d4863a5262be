//! Core benchmarks: `cargo xtask bench` (or `cargo run --release -p chat-core --example bench`).
//! Built with the release profile, which is tuned for size like the shipped wasm.
//! Prints figures; asserts nothing about time.

use std::hint::black_box;
use std::time::Instant;

use chat_core::codec::SerdeJson;
use chat_core::{Environment, WidgetConfig};

type Chat = chat_core::Chat<SerdeJson>;

/// The demo shop assistant (a site always names its bot).
const DEMO: &str = r#"{"bot": {"type": "demo"}}"#;

fn measure(name: &str, iterations: u32, mut f: impl FnMut()) {
    f(); // warm up
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let per = start.elapsed() / iterations;
    println!("{name:<58} {:>10.1} µs", per.as_secs_f64() * 1e6);
}

fn env() -> Environment {
    Environment {
        session_id: "bench".into(),
        ..Default::default()
    }
}

fn main() {
    println!("{:<58} {:>13}", "operation", "time per op");
    measure(
        "load + validate the demo configuration, build the chat",
        2_000,
        || {
            black_box(Chat::new(WidgetConfig::from_json::<SerdeJson>(DEMO), env()));
        },
    );
    let mut chat = Chat::new(WidgetConfig::from_json::<SerdeJson>(DEMO), env());
    chat.handle_start(0);
    let questions = [
        "Where is my order?",
        "how long does delivery take",
        "qwerty",
        "Can I get a refund",
        "thanks!",
    ];
    let mut i = 0u64;
    measure(
        "visitor message → local bot answer (demo intents)",
        20_000,
        || {
            i += 1;
            if i % 50 == 0 {
                // keep the conversation at a realistic length
                chat.handle_end(i);
                chat.handle_restart(i, "bench".into());
            }
            chat.handle_send(questions[(i % 5) as usize], i);
            while chat.poll_event().is_some() {}
            while chat.poll_http().is_some() {}
        },
    );
    let mut big = Chat::new(WidgetConfig::from_json::<SerdeJson>(DEMO), env());
    big.handle_start(0);
    for n in 0..100 {
        big.handle_send(&format!("question number {n} about shipping"), n);
    }
    let saved = big.poll_persist().unwrap();
    println!(
        "{:<58} {:>10} B",
        "saved state of a 200-message conversation",
        saved.len()
    );
    measure("save a 200-message conversation (to JSON)", 2_000, || {
        big.handle_open(0);
        big.handle_close();
        black_box(big.poll_persist());
    });
    measure(
        "restore a 200-message conversation (from JSON)",
        2_000,
        || {
            black_box(Chat::new(
                WidgetConfig::from_json::<SerdeJson>(DEMO),
                Environment {
                    persisted: Some(saved.clone()),
                    ..env()
                },
            ));
        },
    );
}
