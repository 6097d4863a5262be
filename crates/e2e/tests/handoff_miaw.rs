//! MIAW hand-off end to end: the real widget (script tag, wasm, fetch with a streaming body)
//! in headless Chromium against the Salesforce emulator, driven by real clicks and keys on
//! the visitor side and by the emulator's control API on the agent side.

use e2e::{chatting_with_jane, config_page, dist, miaw_config, serve, Browser, Chatting, Control};
use fantoccini::Locator;
use serde_json::{json, Value};

/// Waits until the agent console shows the visitor typing (or not).
async fn wait_visitor_typing(control: &Control, id: &str, typing: bool) {
    for _ in 0..150 {
        let c = control.get(&format!("/conversations/{id}")).await;
        if c["visitorTyping"] == json!(typing) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the agent never saw visitorTyping = {typing}");
}

/// Fills the pre-chat form and submits it with a click.
async fn fill_prechat(b: &Browser, description: &str, topic: &str) {
    let d = b.widget("textarea[name=description]").await;
    d.send_keys(description).await.unwrap();
    b.js(&format!(
        "const s = document.querySelector('chat-widget').shadowRoot.querySelector('select[name=topic]'); s.value = {topic:?}; return true;"
    ))
    .await;
    b.widget(".cw-pc-submit").await.click().await.unwrap();
}

#[tokio::test]
async fn bot_prechat_agent_messages_typing_transfer_and_agent_end() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let page = config_page(
        &cdn,
        "localhost",
        &miaw_config(&emu.base_url()),
        "window.ChatWidget = []; ChatWidget.push(['setHiddenPrechatFields', {PageUrl: location.href}]);",
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.wait_bubble("bot", "Alpine Outfitters assistant").await;
    b.type_and_send("Where is my order?").await;
    b.wait_bubble("bot", "track your order").await;
    b.type_and_send("I want to talk to a human").await;
    b.wait_bubble("bot", "transfer you to one of our agents")
        .await;

    // Pre-chat: submitting it empty shows the problem and requests nothing.
    b.widget(".cw-pc-submit").await.click().await.unwrap();
    b.widget(".cw-pc-error").await;
    assert!(control
        .get("/conversations")
        .await
        .as_array()
        .unwrap()
        .is_empty());
    fill_prechat(&b, "My parcel is late", "Orders").await;

    let id = control.wait_conversation().await;
    let started = b.wait_event("conversation:started").await;
    assert_eq!(started["conversationId"], json!(id));
    assert_eq!(
        b.js("return ChatWidget.getConversationId()").await,
        json!(id)
    );
    let conv = control.get(&format!("/conversations/{id}")).await;
    let attrs = &conv["details"]["routingAttributes"];
    assert_eq!(attrs["description"], json!("My parcel is late"), "{conv:#}");
    assert_eq!(attrs["Topic"], json!("Orders"));
    assert!(attrs["PageUrl"].as_str().unwrap().contains("/index.html"));
    assert_eq!(attrs["Bot_Intent"], json!("order_status"));
    // The bot conversation reached the agent as the first message, not shown as a bubble.
    control
        .wait_transcript(&id, "the bot transcript", |t| {
            t.iter().any(|e| {
                e["text"]
                    .as_str()
                    .is_some_and(|x| x.contains("Visitor: Where is my order?"))
            })
        })
        .await;
    assert!(!b
        .bubbles("visitor")
        .await
        .iter()
        .any(|t| t.contains("Visitor: Where")));

    // The agent accepts: their name is shown.
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    assert_eq!(b.wait_event("agent:joined").await["name"], json!("Jane"));

    // Agent → visitor, with the typing indicator first.
    control
        .post(
            &format!("/conversations/{id}/typing"),
            json!({"typing": true}),
        )
        .await;
    b.wait_js(
        "agent typing",
        "return document.querySelector('chat-widget').shadowRoot.querySelector('.cw-typing')?.textContent.includes('Jane')",
    )
    .await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "Hi, I am Jane. Let me look."}),
        )
        .await;
    b.wait_bubble("agent", "Let me look.").await;

    // The visitor types: the agent sees the typing indicator (debounced: one start).
    b.widget(".cw-input")
        .await
        .send_keys("Order 1234")
        .await
        .unwrap();
    wait_visitor_typing(&control, &id, true).await;
    // Visitor → agent: reaches the emulator once, shown as delivered.
    b.type_and_send(", thanks").await;
    control
        .wait_transcript(&id, "the visitor message", |t| {
            t.iter()
                .filter(|e| e["text"] == json!("Order 1234, thanks"))
                .count()
                == 1
        })
        .await;
    b.wait_js(
        "delivered",
        "return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-status--delivered, .cw-status--read')].length > 0",
    )
    .await;

    // Transfer to Mark.
    control
        .post(
            &format!("/conversations/{id}/transfer"),
            json!({"toAgentId": "Mark"}),
        )
        .await;
    b.wait_bubble("system", "You have been transferred to Mark.")
        .await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"agentId": "Mark", "text": "Mark here."}),
        )
        .await;
    b.wait_bubble("agent", "Mark here.").await;

    // The agent ends the chat: composer closed, "start a new chat" offered.
    control
        .post(
            &format!("/conversations/{id}/end"),
            json!({"agentId": "Mark"}),
        )
        .await;
    b.wait_bubble("system", "The agent has ended the chat.")
        .await;
    b.widget(".cw-restart").await;
    let closed = b.wait_event("conversation:closed").await;
    assert_eq!(closed["reason"], json!("agent"));
    assert_eq!(closed["conversationId"], json!(id));
    // Exactly one visitor message per thing typed, as seen by the agent.
    let t = control
        .get(&format!("/conversations/{id}/transcript"))
        .await;
    let visitor: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"] == json!("EndUser") && e["kind"] == json!("message"))
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert_eq!(visitor.len(), 2, "{visitor:?}");
    b.close().await;
}

#[tokio::test]
async fn visitor_ends_and_reload_mid_conversation_keeps_everything_once() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "First from Jane"}),
        )
        .await;
    b.wait_bubble("agent", "First from Jane").await;
    b.type_and_send("Before reload").await;
    control
        .wait_transcript(&id, "the message before reload", |t| {
            t.iter().any(|e| e["text"] == json!("Before reload"))
        })
        .await;

    // Reload: the same conversation, the same history, nothing twice.
    b.client.refresh().await.unwrap();
    b.wait_bubble("agent", "First from Jane").await;
    // A message sent while the page was away arrives through the stream's replay / history.
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "While you were away"}),
        )
        .await;
    b.wait_bubble("agent", "While you were away").await;
    b.type_and_send("After reload").await;
    control
        .wait_transcript(&id, "the message after reload", |t| {
            t.iter().any(|e| e["text"] == json!("After reload"))
        })
        .await;
    let agent = b.bubbles("agent").await;
    assert_eq!(
        agent
            .iter()
            .filter(|t| t.contains("First from Jane"))
            .count(),
        1,
        "{agent:?}"
    );
    let visitor = b.bubbles("visitor").await;
    assert_eq!(
        visitor
            .iter()
            .filter(|t| t.contains("Before reload"))
            .count(),
        1,
        "{visitor:?}"
    );
    assert_eq!(
        b.js("return ChatWidget.getConversationId()").await,
        json!(id)
    );

    // The visitor ends the chat with the header button.
    b.widget(".cw-end").await.click().await.unwrap();
    b.wait_bubble("system", "You have ended the chat.").await;
    for _ in 0..100 {
        let conv = control.get(&format!("/conversations/{id}")).await;
        if conv["status"] != json!("active") && conv["status"] != json!("waiting") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let conv = control.get(&format!("/conversations/{id}")).await;
    assert!(
        conv["status"] != json!("active"),
        "the conversation was closed on the server: {conv:#}"
    );
    assert_eq!(
        b.bubbles("system")
            .await
            .iter()
            .filter(|t| t.contains("You have ended the chat."))
            .count(),
        1
    );
    b.close().await;
    let _ = Locator::Css("unused");
}

#[tokio::test]
async fn stream_dropped_every_few_events_across_200_agent_messages_loses_and_repeats_nothing() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    for batch in 0..20 {
        // The stream is cut after a few more events, every batch.
        control
            .post("/faults/sse-drop", json!({"afterEvents": 3 + batch % 5}))
            .await;
        for i in 0..10 {
            let n = batch * 10 + i;
            control
                .post(
                    &format!("/conversations/{id}/messages"),
                    json!({"text": format!("agent message #{n:03}")}),
                )
                .await;
        }
        if batch % 5 == 4 {
            // The visitor keeps talking through it.
            b.type_and_send(&format!("visitor message #{batch}")).await;
        }
        // This batch's drop happened and the widget reconnected before the next is armed.
        b.wait_bubble("agent", &format!("agent message #{:03}", batch * 10 + 9))
            .await;
        b.wait_js(
            &format!("drop {batch} and reconnect"),
            &format!(
                "const o = window.events.filter(e => e[0] === 'connection').map(e => e[1].online);
                 return o.filter(x => !x).length >= {} && o[o.length - 1] === true;",
                batch + 1
            ),
        )
        .await;
    }
    b.wait_bubble("agent", "agent message #199").await;
    let shown = b.bubbles("agent").await;
    for n in 0..200 {
        let needle = format!("agent message #{n:03}");
        let count = shown.iter().filter(|t| **t == needle).count();
        assert_eq!(count, 1, "{needle} shown {count} times");
    }
    let visitor = control
        .wait_transcript(&id, "the 4 visitor messages", |t| {
            t.iter()
                .filter(|e| {
                    e["text"]
                        .as_str()
                        .is_some_and(|x| x.starts_with("visitor message #"))
                })
                .count()
                >= 4
        })
        .await;
    let sent: Vec<&str> = visitor
        .iter()
        .filter_map(|e| e["text"].as_str())
        .filter(|x| x.starts_with("visitor message #"))
        .collect();
    assert_eq!(
        sent,
        [
            "visitor message #4",
            "visitor message #9",
            "visitor message #14",
            "visitor message #19"
        ]
    );
    // The widget noticed the drops (short ones heal silently, without a line in the
    // conversation) and told the page each time.
    let online: Vec<bool> = serde_json::from_value(
        b.js("return window.events.filter(e => e[0] === 'connection').map(e => e[1].online)")
            .await,
    )
    .unwrap();
    assert!(
        online.iter().filter(|o| !**o).count() >= 10,
        "drops seen: {online:?}"
    );
    assert_eq!(online.last(), Some(&true), "{online:?}");
    b.close().await;
}

#[tokio::test]
async fn attachments_both_ways() {
    let Chatting {
        emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|config| {
        config["handoff"]["attachments"] =
            json!({"maxBytes": 1000, "types": ["text/plain", "image/*"]});
    })
    .await;

    // Agent → visitor: an image shown inline, a PDF as a link with its name and size.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    control
        .post(
            &format!("/conversations/{id}/files"),
            json!({"fileName": "dot.png", "mimeType": "image/png", "contentBase64": png}),
        )
        .await;
    control
        .post(&format!("/conversations/{id}/files"), json!({"fileName": "label.pdf", "mimeType": "application/pdf", "contentBase64": "JVBERi0xLjQK", "text": "Your return label"}))
        .await;
    b.wait_bubble("agent", "Your return label").await;
    let files = b
        .wait_js(
            "agent files",
            "const r = document.querySelector('chat-widget').shadowRoot;
             const img = r.querySelector('.cw-msg--agent img.cw-image');
             const link = [...r.querySelectorAll('.cw-msg--agent a.cw-file-link')].find(a => a.textContent.includes('label.pdf'));
             return img && link ? [img.getAttribute('src'), link.textContent, link.getAttribute('href')] : null;",
        )
        .await;
    assert!(
        files[0].as_str().unwrap().starts_with(&emu.base_url()),
        "{files}"
    );
    assert!(
        files[1].as_str().unwrap().contains("label.pdf ("),
        "{files}"
    );

    // Visitor → agent through the attach button's file input: a refused type, a too-large
    // file, then an accepted one.
    let pick = |name: &str, kind: &str, size: usize| {
        format!(
            "const r = document.querySelector('chat-widget').shadowRoot;
             const input = r.querySelector('input.cw-file');
             const dt = new DataTransfer();
             dt.items.add(new File(['x'.repeat({size})], {name:?}, {{type: {kind:?}}}));
             input.files = dt.files;
             input.dispatchEvent(new Event('change', {{bubbles: true}}));
             return true;"
        )
    };
    b.widget(".cw-attach").await;
    b.js(&pick("tool.exe", "application/x-msdownload", 10))
        .await;
    b.wait_bubble("system", "tool.exe").await;
    b.js(&pick("big.txt", "text/plain", 5000)).await;
    b.wait_bubble("system", "big.txt").await;
    b.js(&pick("note.txt", "text/plain", 42)).await;
    let t = control
        .wait_transcript(&id, "the uploaded file", |t| {
            t.iter()
                .any(|e| e["kind"] == json!("file") && e["role"] == json!("EndUser"))
        })
        .await;
    let files: Vec<&Value> = t.iter().filter(|e| e["kind"] == json!("file")).collect();
    assert_eq!(
        files
            .iter()
            .filter(|e| e["role"] == json!("EndUser"))
            .count(),
        1,
        "only the accepted file was uploaded: {t:#?}"
    );
    b.wait_js(
        "upload sent",
        "return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-msg--visitor')].some(m => m.textContent.includes('note.txt') && m.querySelector('.cw-status--sent, .cw-status--delivered, .cw-status--read'))",
    )
    .await;
    b.close().await;
}

#[tokio::test]
async fn verified_user_gets_the_identity_token_from_the_page() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let jwt = sf_emulator::sign_hs256_jwt(
        sf_emulator::DEFAULT_USER_VERIFICATION_SECRET,
        &json!({"sub": "customer-42", "exp": exp}),
    );
    let mut config = miaw_config(&emu.base_url());
    config["handoff"]["prechat"] = json!(false);
    config["handoff"]["miaw"]["verifiedUser"] = json!(true);
    config["handoff"]["miaw"]["identityTokenFunction"] = json!("shop.chatToken");
    // The site's function answers asynchronously, as a real sign-in backend would.
    let page = config_page(
        &cdn,
        "localhost",
        &config,
        &format!(
            "window.calls = 0; window.shop = {{ chatToken: function () {{ window.calls++; return new Promise(function (ok) {{ setTimeout(function () {{ ok({jwt:?}); }}, 50); }}); }} }};"
        ),
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.type_and_send("talk to a human").await;
    b.wait_event("identity:needed").await;
    let id = control.wait_conversation().await;
    assert_eq!(b.js("return window.calls").await, json!(1));
    control.accept(&id, "Jane").await;
    b.wait_bubble("system", "Jane has joined.").await;
    b.type_and_send("Signed in and chatting").await;
    control
        .wait_transcript(&id, "the verified visitor's message", |t| {
            t.iter()
                .any(|e| e["text"] == json!("Signed in and chatting"))
        })
        .await;
    b.close().await;
}

#[tokio::test]
async fn origin_missing_from_the_cors_allowlist_is_diagnosed() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig {
        allowed_origins: vec!["https://only-this-site.example".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    let cdn = serve(dist(), "127.0.0.1").await;
    let mut config = miaw_config(&emu.base_url());
    config["handoff"]["prechat"] = json!(false);
    let page = config_page(&cdn, "localhost", &config, "").await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.type_and_send("talk to a human").await;
    b.wait_bubble("system", "Chat request failed").await;
    let error = b
        .wait_js(
            "a CORS diagnosis",
            "const e = window.events.find(e => e[0] === 'error' && /CORS/.test(e[1].message)); return e ? e[1].message : null;",
        )
        .await;
    let origin = page.trim_end_matches("/index.html");
    assert!(error.as_str().unwrap().contains(origin), "{error}");
    b.close().await;
}

#[tokio::test]
async fn prechat_form_read_from_the_deployment() {
    let emu = sf_emulator::spawn(sf_emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let control = Control(emu.base_url());
    let cdn = serve(dist(), "127.0.0.1").await;
    let mut config = miaw_config(&emu.base_url());
    // The emulator's deployment publishes _firstName, _email, Product (choice) and a hidden
    // PageUrl; the site adds its own description field after them.
    config["handoff"]["prechat"] = json!({"fromDeployment": true, "fields": ["description"]});
    let page = config_page(
        &cdn,
        "localhost",
        &config,
        "window.ChatWidget = []; ChatWidget.push(['setHiddenPrechatFields', {PageUrl: 'https://shop.example/cart'}]);",
    )
    .await;
    let b = Browser::start().await;
    b.client.goto(&page).await.unwrap();
    b.type_and_send("talk to a human").await;
    b.widget("input[name=_firstName]")
        .await
        .send_keys("Ada")
        .await
        .unwrap();
    b.widget("input[name=_email]")
        .await
        .send_keys("ada@example.com")
        .await
        .unwrap();
    let labels: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-pc-label')].map(l => l.textContent.replace(' *', ''))").await,
    )
    .unwrap();
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert_eq!(labels[2], "Product");
    b.js("const s = document.querySelector('chat-widget').shadowRoot.querySelector('select[name=Product]'); s.value = 'Phone'; return true;").await;
    b.widget("textarea[name=description]")
        .await
        .send_keys("The screen flickers")
        .await
        .unwrap();
    b.widget(".cw-pc-submit").await.click().await.unwrap();
    let id = control.wait_conversation().await;
    let conv = control.get(&format!("/conversations/{id}")).await;
    let attrs = &conv["details"]["routingAttributes"];
    assert_eq!(attrs["_firstName"], json!("Ada"), "{conv:#}");
    assert_eq!(attrs["_email"], json!("ada@example.com"));
    assert_eq!(attrs["Product"], json!("Phone"));
    assert_eq!(attrs["PageUrl"], json!("https://shop.example/cart"));
    assert_eq!(attrs["description"], json!("The screen flickers"));
    assert_eq!(conv["visitorName"], json!("Ada"));
    b.close().await;
}

#[tokio::test]
async fn agent_choices_are_buttons_and_the_answer_goes_back_as_a_choice() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    control
        .post(
            &format!("/conversations/{id}/choices"),
            json!({"text": "Which size?", "formatType": "Buttons", "choices": ["Small", "Medium", "Large"]}),
        )
        .await;
    b.wait_bubble("agent", "Which size?").await;
    let labels: Vec<String> = serde_json::from_value(
        b.js("return [...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-quick-reply')].map(e => e.textContent)").await,
    )
    .unwrap();
    assert_eq!(labels, ["Small", "Medium", "Large"]);
    b.js("[...document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-quick-reply')][1].click(); return true;").await;
    b.wait_bubble("visitor", "Medium").await;
    let t = control
        .wait_transcript(&id, "the choice", |t| {
            t.iter().any(|e| e["kind"] == json!("choicesResponse"))
        })
        .await;
    let answer = t
        .iter()
        .find(|e| e["kind"] == json!("choicesResponse"))
        .unwrap();
    assert!(answer.to_string().contains("Medium"), "{answer}");
    // The buttons are gone once answered.
    b.wait_js(
        "buttons removed",
        "return document.querySelector('chat-widget').shadowRoot.querySelectorAll('.cw-quick-reply').length === 0",
    )
    .await;
    b.close().await;
}

/// The emulator's transcript entry of the agent message `text`, when it satisfies `pred`.
async fn wait_agent_entry(
    control: &Control,
    id: &str,
    text: &str,
    what: &str,
    pred: fn(&Value) -> bool,
) {
    control
        .wait_transcript(id, what, |t| {
            t.iter()
                .any(|e| e["role"] == json!("Agent") && e["text"] == json!(text) && pred(e))
        })
        .await;
}

#[tokio::test]
async fn send_receipts_acknowledge_agent_messages_delivered_and_read_when_shown() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|config| {
        // Closed on load: the page opens the window itself.
        config["openOnLoad"] = json!(false);
        config["handoff"]["miaw"]["sendReceipts"] = json!(true);
    })
    .await;
    let read = |e: &Value| e["delivered"] == json!(true) && e["read"] == json!(true);
    let delivered_only = |e: &Value| e["delivered"] == json!(true) && e["read"] != json!(true);

    // The window is open: delivered and read.
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "Seen at once"}),
        )
        .await;
    b.wait_bubble("agent", "Seen at once").await;
    wait_agent_entry(&control, &id, "Seen at once", "delivered and read", read).await;

    // Closed: delivered only, also across a reload (the window stays closed).
    b.js("ChatWidget.close(); return true").await;
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "Sent while closed"}),
        )
        .await;
    wait_agent_entry(&control, &id, "Sent while closed", "delivered", |e| {
        e["delivered"] == json!(true)
    })
    .await;
    b.client.refresh().await.unwrap();
    control
        .post(
            &format!("/conversations/{id}/messages"),
            json!({"text": "Sent after the reload"}),
        )
        .await;
    wait_agent_entry(&control, &id, "Sent after the reload", "delivered", |e| {
        e["delivered"] == json!(true)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    wait_agent_entry(
        &control,
        &id,
        "Sent while closed",
        "still unread",
        delivered_only,
    )
    .await;
    wait_agent_entry(
        &control,
        &id,
        "Sent after the reload",
        "still unread",
        delivered_only,
    )
    .await;
    assert_eq!(
        b.js("return ChatWidget.getConversationId()").await,
        json!(id)
    );

    // Opening the window reads both.
    b.js("ChatWidget.open(); return true").await;
    b.wait_bubble("agent", "Sent after the reload").await;
    wait_agent_entry(&control, &id, "Sent while closed", "read", read).await;
    wait_agent_entry(&control, &id, "Sent after the reload", "read", read).await;
    b.close().await;
}

/// Attachment URLs from Salesforce go through one URL policy: `javascript:`, `data:` and
/// `vbscript:` attachments (and such images) are shown as their names, never as links or images.
#[tokio::test]
async fn hostile_attachment_urls_are_never_links() {
    let Chatting {
        emu: _emu,
        control,
        b,
        id,
        ..
    } = chatting_with_jane(|_| {}).await;
    let hostile = [
        ("a.txt", "text/plain", "javascript:alert(document.domain)"),
        (
            "b.html",
            "text/html",
            "data:text/html,<script>alert(1)</script>",
        ),
        ("c.txt", "text/plain", "vbscript:msgbox(1)"),
        ("d.png", "image/png", "javascript:alert(2)"),
        (
            "e.png",
            "image/png",
            "data:image/svg+xml,<svg onload=alert(3)>",
        ),
    ];
    for (name, mime, url) in hostile {
        control
            .post(
                &format!("/conversations/{id}/files"),
                json!({"fileName": name, "mimeType": mime, "contentBase64": "eA==", "url": url, "text": format!("file {name}")}),
            )
            .await;
    }
    b.wait_bubble("agent", "file e.png").await;
    let found = b
        .js("const r = document.querySelector('chat-widget').shadowRoot;
             const links = [...r.querySelectorAll('.cw-msg--agent a')].map(a => a.getAttribute('href'));
             const images = [...r.querySelectorAll('.cw-msg--agent img')].map(i => i.getAttribute('src'));
             const names = [...r.querySelectorAll('.cw-msg--agent .cw-file-name')].map(s => s.textContent);
             return [links, images, names];")
        .await;
    assert_eq!(found[0], json!([]), "no link: {found}");
    assert_eq!(found[1], json!([]), "no image: {found}");
    let names = found[2].as_array().unwrap();
    assert_eq!(names.len(), 5, "each file shown by its name: {found}");
    assert!(names[0].as_str().unwrap().starts_with("a.txt"), "{found}");
}
