//! Continuity end to end: the widget never ends, forks or stalls the one conversation a
//! visitor waited for — through transient errors while resuming, reload storms, a second (or
//! duplicated) tab, the owner tab closing, and the network going away for 30 s — over MIAW
//! and Live Chat, in headless Chromium against the emulator.
//!
//! Each scenario prints a `continuity:` line (lost / duplicated / out of order) for the
//! README's figures.

use std::time::Duration;

use e2e::{chatting_with_jane, chatting_with_jane_on, livechat_page, Browser, Chatting, Control};
use serde_json::json;

/// An emulator without Salesforce's message rate limit (22 a minute per conversation), for the
/// scenarios that send more than that.
fn unlimited() -> sf_emulator::EmulatorConfig {
    let mut c = sf_emulator::EmulatorConfig::default();
    c.rate_limits.messages_per_minute = 10_000;
    c
}

/// Lost, duplicated and out-of-order items of `expected` in `got`.
fn tally(expected: &[String], got: &[String]) -> (usize, usize, usize) {
    let lost = expected.iter().filter(|e| !got.contains(e)).count();
    let dup = expected
        .iter()
        .map(|e| got.iter().filter(|g| *g == e).count().saturating_sub(1))
        .sum();
    let order: Vec<usize> = got
        .iter()
        .filter_map(|g| expected.iter().position(|e| e == g))
        .collect();
    let out_of_order = order.windows(2).filter(|w| w[1] < w[0]).count();
    (lost, dup, out_of_order)
}

/// Prints the scenario's figures and asserts that nothing was lost, repeated or reordered.
fn assert_exactly_once_in_order(scenario: &str, what: &str, expected: &[String], got: &[String]) {
    let (lost, dup, ooo) = tally(expected, got);
    println!(
        "continuity: {scenario}: {what}: {} expected, lost {lost}, duplicated {dup}, out of order {ooo}",
        expected.len()
    );
    assert_eq!(
        (lost, dup, ooo),
        (0, 0, 0),
        "{scenario}: {what}\nexpected {expected:?}\ngot {got:?}"
    );
}

/// How many conversations reached the emulator.
async fn conversations(control: &Control) -> usize {
    control
        .get("/conversations")
        .await
        .as_array()
        .map_or(0, Vec::len)
}

/// The visitor's messages the agent received starting with `prefix`, in order.
async fn received(control: &Control, id: &str, prefix: &str, count: usize) -> Vec<String> {
    control
        .wait_transcript(id, &format!("{count} messages {prefix}…"), |t| {
            t.iter()
                .filter(|e| e["kind"] == json!("message"))
                .filter(|e| e["text"].as_str().is_some_and(|x| x.starts_with(prefix)))
                .count()
                >= count
        })
        .await;
    control.texts(id, prefix).await
}

/// No system line says the chat expired, failed or ended.
async fn assert_not_ended(b: &Browser, scenario: &str) {
    let system = b.bubbles("system").await;
    for bad in ["expired", "start a new chat", "could not", "ended"] {
        assert!(
            !system.iter().any(|t| t.to_lowercase().contains(bad)),
            "{scenario}: the widget ended the chat: {system:?}"
        );
    }
}

#[tokio::test]
async fn miaw_reload_while_resuming_fails_transiently_resumes_with_nothing_lost() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    const TOKEN: &str = "/iamessage/api/v2/authorization/continuation-access-token";
    const ENTRIES: &str = "/iamessage/api/v2/conversation/*/entries";
    let faults = [
        (
            "503 on the continuation token",
            json!({"path": TOKEN, "status": 503, "count": 3}),
        ),
        (
            "429 on the continuation token",
            json!({"path": TOKEN, "status": 429, "count": 3}),
        ),
        (
            "503 on the history",
            json!({"path": ENTRIES, "status": 503, "count": 2}),
        ),
    ];
    let mut agent = Vec::new();
    let mut visitor = Vec::new();
    for (n, (what, fault)) in faults.iter().enumerate() {
        control.post("/faults/fail", fault.clone()).await;
        b.client.refresh().await.unwrap();
        // Jane writes while the widget is retrying.
        let text = format!("agent during reload {n}");
        control.say(&id, &text).await;
        agent.push(text.clone());
        b.wait_bubble("agent", &text).await;
        assert_not_ended(&b, what).await;
        let mine = format!("visitor after reload {n}");
        b.type_and_send(&mine).await;
        visitor.push(mine);
        received(&control, &id, "visitor after reload", visitor.len()).await;
    }
    // Slow: the page is reloaded again while the continuation token is still on its way.
    control
        .post(
            "/faults/latency",
            json!({"path": TOKEN, "ms": 4000, "count": 1}),
        )
        .await;
    b.client.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    control.say(&id, "agent during reload 3").await;
    agent.push("agent during reload 3".into());
    b.client.refresh().await.unwrap();
    b.wait_bubble("agent", "agent during reload 3").await;
    b.type_and_send("visitor after reload 3").await;
    visitor.push("visitor after reload 3".into());
    assert_not_ended(&b, "reload during a slow continuation token").await;

    let got = received(&control, &id, "visitor after reload", visitor.len()).await;
    assert_exactly_once_in_order(
        "MIAW transient errors on every resume request",
        "visitor messages at the agent",
        &visitor,
        &got,
    );
    assert_exactly_once_in_order(
        "MIAW transient errors on every resume request",
        "agent messages on screen",
        &agent,
        &b.agent_texts("agent during reload").await,
    );
    let conv = control.get(&format!("/conversations/{id}")).await;
    assert_eq!(conv["status"], json!("active"), "{conv:#}");
    assert_eq!(conversations(&control).await, 1, "no second conversation");
    b.close().await;
}

#[tokio::test]
async fn miaw_reload_storm_during_a_busy_chat_loses_and_repeats_nothing() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    let mut agent = Vec::new();
    let mut visitor = Vec::new();
    for r in 0..10 {
        // Jane keeps writing, before, during and after each reload.
        for i in 0..3 {
            let t = format!("storm agent {r:02}.{i}");
            control.say(&id, &t).await;
            agent.push(t);
        }
        b.client.refresh().await.unwrap();
        for i in 3..5 {
            let t = format!("storm agent {r:02}.{i}");
            control.say(&id, &t).await;
            agent.push(t);
        }
        let mine = format!("storm visitor {r:02}");
        b.type_and_send(&mine).await;
        visitor.push(mine);
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    b.wait_bubble("agent", agent.last().unwrap()).await;
    assert_not_ended(&b, "reload storm").await;
    let got = received(&control, &id, "storm visitor", visitor.len()).await;
    assert_exactly_once_in_order(
        "MIAW reload storm (10 reloads)",
        "visitor messages at the agent",
        &visitor,
        &got,
    );
    assert_exactly_once_in_order(
        "MIAW reload storm (10 reloads)",
        "agent messages on screen",
        &agent,
        &b.agent_texts("storm agent").await,
    );
    b.close().await;
}

/// Opens the page again in a new tab that starts with a copy of this tab's `sessionStorage`,
/// as a browser's "duplicate tab" does (a window opened with `window.open` gets that copy).
async fn duplicate_tab(b: &Browser) -> fantoccini::wd::WindowHandle {
    let before = b.client.windows().await.unwrap();
    b.js("window.open(location.href, '_blank'); return true")
        .await;
    for _ in 0..100 {
        let now = b.client.windows().await.unwrap();
        if let Some(w) = now.into_iter().find(|w| !before.contains(w)) {
            b.to_tab(&w).await;
            return w;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the duplicated tab did not open");
}

#[tokio::test]
async fn miaw_two_tabs_one_conversation_and_the_owner_closing_hands_over() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane_on(unlimited(), |_| {}).await;
    control.say(&id, "tabs agent 000").await;
    b.wait_bubble("agent", "tabs agent 000").await;
    let first = b.client.window().await.unwrap();
    // A second tab of the site, duplicated from the first: the same conversation.
    let second = duplicate_tab(&b).await;
    b.wait_bubble("agent", "tabs agent 000").await;
    b.wait_bubble("system", "Jane has joined.").await;

    // 100 messages each way: 50 rounds of one visitor message from each tab and two agent
    // messages.
    let mut visitor = Vec::new();
    let mut agent = vec!["tabs agent 000".to_string()];
    for i in 0..50 {
        for (tab, name) in [(&first, "A"), (&second, "B")] {
            b.to_tab(tab).await;
            let t = format!("tabs visitor {i:02} from {name}");
            b.type_and_send(&t).await;
            visitor.push(t);
            received(&control, &id, "tabs visitor", visitor.len()).await;
            let t = format!("tabs agent {:03}", agent.len());
            control.say(&id, &t).await;
            agent.push(t);
        }
    }
    // Jane's messages show in both tabs, each once, in order.
    for tab in [&first, &second] {
        b.to_tab(tab).await;
        b.wait_bubble("agent", agent.last().unwrap()).await;
        assert_exactly_once_in_order(
            "MIAW two tabs (100 messages each way)",
            "agent messages on screen in each tab",
            &agent,
            &b.agent_texts("tabs agent").await,
        );
    }
    // The tab holding the connection closes: the other takes over and goes on.
    b.to_tab(&first).await;
    b.client.close_window().await.unwrap();
    b.to_tab(&second).await;
    for i in 0..3 {
        let t = format!("tabs agent after close {i}");
        control.say(&id, &t).await;
        agent.push(t.clone());
        b.wait_bubble("agent", &t).await;
        let mine = format!("tabs visitor after close {i}");
        b.type_and_send(&mine).await;
        visitor.push(mine);
    }
    assert_not_ended(&b, "two tabs").await;
    let got = received(&control, &id, "tabs visitor", visitor.len()).await;
    assert_exactly_once_in_order(
        "MIAW two tabs + owner closed",
        "visitor messages at the agent",
        &visitor,
        &got,
    );
    assert_exactly_once_in_order(
        "MIAW two tabs + owner closed",
        "agent messages on screen",
        &agent,
        &b.agent_texts("tabs agent").await,
    );
    assert_eq!(
        conversations(&control).await,
        1,
        "never a second conversation"
    );
    b.close().await;
}

#[tokio::test]
async fn a_new_tab_shows_the_conversation_and_asking_again_does_not_fork_it() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        page,
    } = chatting_with_jane(|_| {}).await;
    control.say(&id, "hello from Jane").await;
    b.wait_bubble("agent", "hello from Jane").await;
    // The page heard of each message once (the tab was a mirror for a moment at load).
    let told = b
        .js("return window.events.filter(e => e[0] === 'message').map(e => e[1].author + ': ' + e[1].text)")
        .await;
    let told: Vec<String> = serde_json::from_value(told).unwrap();
    let mut unique = told.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), told.len(), "{told:?}");
    // Another page of the site, in a new tab: the agent chat, not a fresh bot chat.
    b.open_tab(&page).await;
    b.wait_bubble("agent", "hello from Jane").await;
    // Its page is not told the old messages again: the owner tab's page was.
    let again = b
        .js("return window.events.filter(e => e[0] === 'message').length")
        .await;
    assert_eq!(again, json!(0));
    b.type_and_send("talk to a human").await;
    received(&control, &id, "talk to a human", 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        conversations(&control).await,
        1,
        "asking for a human again stays in the same conversation"
    );
    b.close().await;
}

#[tokio::test]
async fn livechat_duplicated_tab_transient_resume_errors_and_owner_closing_lose_nothing() {
    let s = livechat_page(json!(false), json!({})).await;
    let (b, control) = (&s.b, &s.control);
    b.type_and_send("talk to a human").await;
    let id = control.wait_conversation().await;
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    let mut visitor = Vec::new();
    let mut agent = Vec::new();

    // A reload while the server answers the resume path with errors: polls failing, then a
    // re-affinity whose ReconnectSession fails twice.
    control
        .post(
            "/faults/fail",
            json!({"path": "/chat/rest/System/Messages", "status": 500, "count": 3}),
        )
        .await;
    b.client.refresh().await.unwrap();
    control.post("/faults/affinity-change", json!({})).await;
    control
        .post(
            "/faults/fail",
            json!({"path": "/chat/rest/System/ReconnectSession", "status": 500, "count": 2}),
        )
        .await;
    control.say(&id, "lc agent 0").await;
    agent.push("lc agent 0".to_string());
    // Five failures in a row back off 0.5 + 1 + 2 + 4 + 8 s (`livechat::FIRST_BACKOFF_MS`,
    // doubled, at most `MAX_BACKOFF_MS`): the message comes after about 16 s.
    b.wait_bubble_within("agent", "lc agent 0", Duration::from_secs(40))
        .await;
    assert_not_ended(b, "Live Chat transient resume errors").await;

    // A duplicated tab: same sequence numbers in its copied state, never reused.
    let first = b.client.window().await.unwrap();
    let second = duplicate_tab(b).await;
    b.wait_bubble("agent", "lc agent 0").await;
    for i in 0..5 {
        for (tab, name) in [(&first, "A"), (&second, "B")] {
            b.to_tab(tab).await;
            let t = format!("lc visitor {i} from {name}");
            b.type_and_send(&t).await;
            visitor.push(t);
            received(control, &id, "lc visitor", visitor.len()).await;
        }
        let t = format!("lc agent {}", i + 1);
        control.say(&id, &t).await;
        agent.push(t);
    }
    b.to_tab(&second).await;
    b.wait_bubble("agent", agent.last().unwrap()).await;
    // The tab polling closes; the other takes over.
    b.to_tab(&first).await;
    b.client.close_window().await.unwrap();
    b.to_tab(&second).await;
    control.say(&id, "lc agent after close").await;
    agent.push("lc agent after close".into());
    b.wait_bubble("agent", "lc agent after close").await;
    b.type_and_send("lc visitor after close").await;
    visitor.push("lc visitor after close".into());
    let got = received(control, &id, "lc visitor", visitor.len()).await;
    assert_exactly_once_in_order(
        "Live Chat duplicated tab + resume errors + owner closed",
        "visitor messages at the agent",
        &visitor,
        &got,
    );
    assert_exactly_once_in_order(
        "Live Chat duplicated tab + resume errors + owner closed",
        "agent messages on screen",
        &agent,
        &b.agent_texts("lc agent").await,
    );
    assert_not_ended(b, "Live Chat two tabs").await;
    s.b.close().await;
    s.emu.shutdown().await;
}

/// 30 s offline (the browser's network emulation) while the visitor writes 10 messages:
/// they wait, then go by themselves, in order, once the network is back — no click.
async fn offline_30s(b: &Browser, control: &Control, id: &str, scenario: &str, drop: bool) {
    b.set_offline(true).await;
    b.wait_js("the offline event", "return navigator.onLine === false")
        .await;
    if drop {
        // The server side of the stream goes too.
        control
            .post("/faults/sse-drop", json!({"afterEvents": 0}))
            .await;
    }
    let mut visitor = Vec::new();
    for i in 0..10 {
        let t = format!("offline visitor {i}");
        b.type_and_send(&t).await;
        visitor.push(t);
        tokio::time::sleep(Duration::from_millis(3000)).await;
    }
    let statuses: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-status')].map(e => e.className)")
            .await,
    )
    .unwrap();
    assert!(
        statuses.iter().any(|c| c.contains("cw-status--waiting")),
        "{scenario}: messages shown as waiting for the connection: {statuses:?}"
    );
    b.set_offline(false).await;
    let got = received(control, id, "offline visitor", visitor.len()).await;
    assert_exactly_once_in_order(scenario, "visitor messages at the agent", &visitor, &got);
    let failed = b
        .js("return document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-status--failed, .cw-retry').length")
        .await;
    assert_eq!(failed, json!(0), "{scenario}: no message failed, no Retry");
    assert_not_ended(b, scenario).await;
}

/// A MIAW chat with Jane through [`offline_30s`] (the stream dropped meanwhile or not), then
/// the agent's next message still arrives.
async fn miaw_offline_30s(scenario: &str, drop_stream: bool) {
    if e2e::skip_in_firefox("needs chromedriver's network conditions (offline)") {
        return;
    }
    let c = chatting_with_jane(|_| {}).await;
    offline_30s(&c.b, &c.control, &c.id, scenario, drop_stream).await;
    c.control.say(&c.id, "back online").await;
    c.b.wait_bubble("agent", "back online").await;
    c.b.close().await;
}

#[tokio::test]
async fn miaw_30s_offline_with_the_stream_kept_sends_everything_once_in_order() {
    miaw_offline_30s("MIAW 30 s offline, stream kept", false).await;
}

#[tokio::test]
async fn miaw_30s_offline_with_the_stream_dropped_sends_everything_once_in_order() {
    miaw_offline_30s("MIAW 30 s offline, stream dropped", true).await;
}

#[tokio::test]
async fn livechat_30s_offline_sends_everything_once_in_order() {
    if e2e::skip_in_firefox("needs chromedriver's network conditions (offline)") {
        return;
    }
    let s = livechat_page(json!(false), json!({})).await;
    s.b.type_and_send("talk to a human").await;
    let id = s.control.wait_conversation().await;
    s.control.accept(&id, "Jane").await;
    s.b.wait_bubble("system", "Jane has joined.").await;
    offline_30s(&s.b, &s.control, &id, "Live Chat 30 s offline", false).await;
    s.control.say(&id, "back online").await;
    s.b.wait_bubble("agent", "back online").await;
    s.b.close().await;
    s.emu.shutdown().await;
}
