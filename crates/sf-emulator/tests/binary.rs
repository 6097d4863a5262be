//! The `sf-emulator` binary starts, prints its URLs and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_urls_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .args([
            "--port",
            "0",
            "--allow-origin",
            "https://shop.example.com",
            "--live-chat-cors",
            "--poll-timeout",
            "1",
            "--client-poll-timeout",
            "5",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    for _ in 0..7 {
        out.push(lines.next().unwrap().unwrap());
    }
    let first = &out[0];
    let base = first.rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let all = out.join("\n");
    assert!(all.contains("MIAW SCRT base URL"));
    assert!(all.contains(&format!("{base}/chat/rest/")));
    assert!(all.contains(&format!("{base}/console")));
    assert!(all.contains("https://shop.example.com"));
    assert!(all.contains("live-chat CORS: on"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{base}/control/state"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn binary_rejects_unknown_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument"));
    let out = Command::new(env!("CARGO_BIN_EXE_sf-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--allow-origin"));
}
