//! The demo page's configurations (`www/demo-config.json`, and the Live Chat variant that
//! `index.html?api=livechat` sets as `window.ChatWidgetConfig`) are valid — no error, no
//! warning — and really hand off to the Salesforce emulator (MIAW on :8090) or to the Live
//! Chat relay in front of it (:8091), as `cargo xtask demo` serves them.

use std::path::PathBuf;

use chat_core::handoff::{Channel, FieldKind, HandoffConfig};
use chat_core::{Environment, HttpAction, Pairs, WidgetConfig};
type Chat = chat_core::Chat<chat_core::codec::SerdeJson>;
use serde_json::Value as J;

/// The emulator's default identities (crates/sf-emulator/README.md).
const ORG_ID: &str = "00D5e000000AbCd";
const DEPLOYMENT_ID: &str = "5725e000000AbCd";
const BUTTON_ID: &str = "5735e000000AbCd";

fn repo_file(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn demo_config() -> J {
    serde_json::from_str(&repo_file("www/demo-config.json")).expect("demo-config.json is JSON")
}

/// The text of `<script id="livechat-handoff" type="application/json">` in index.html.
fn livechat_handoff() -> J {
    let page = repo_file("index.html");
    let open = r#"<script id="livechat-handoff" type="application/json">"#;
    let start = page
        .find(open)
        .expect("index.html has the Live Chat variant")
        + open.len();
    let len = page[start..]
        .find("</script>")
        .expect("closed script element");
    serde_json::from_str(&page[start..start + len]).expect("the Live Chat variant is JSON")
}

/// `demo-config.json` with `window.ChatWidgetConfig = {handoff: ...}` merged over it, the way
/// the loader merges them (top-level members of the inline configuration win).
fn livechat_config() -> J {
    let mut c = demo_config();
    c["handoff"] = livechat_handoff();
    c
}

fn load(config: &J) -> WidgetConfig {
    let loaded = WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&config.to_string());
    assert!(
        loaded.report.errors.is_empty(),
        "errors: {:?}",
        loaded.report.errors
    );
    assert!(
        loaded.report.warnings.is_empty(),
        "warnings: {:?}",
        loaded.report.warnings
    );
    loaded.config
}

fn check_prechat(h: &HandoffConfig) {
    let form = h.prechat.as_ref().expect("a pre-chat form");
    let fields: Vec<(&str, FieldKind, &str)> = form
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.attribute.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("description", FieldKind::Textarea, "description"),
            ("topic", FieldKind::Choice, "Topic"),
        ]
    );
    let options: Vec<&str> = form.fields[1]
        .options
        .iter()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(options, ["Orders", "Returns", "Sizing"]);
    assert_eq!(h.wait_timeout_secs, Some(120));
}

/// Asks the demo bot for a person, fills in the pre-chat form and returns the first request
/// of the agent session.
fn first_agent_request(config: &J) -> (u64, String) {
    let mut chat = Chat::new(
        WidgetConfig::from_json::<chat_core::codec::SerdeJson>(&config.to_string()),
        Environment {
            session_id: "demo".into(),
            seed: 1,
            ..Default::default()
        },
    );
    chat.handle_start(0);
    assert!(chat.handle_send("talk to a human", 1));
    assert!(chat.prechat().is_some(), "the pre-chat form is shown");
    let values: Pairs = [("description", "Where is my parcel?"), ("topic", "Orders")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(chat.handle_prechat_submit(values, 2));
    while let Some(action) = chat.poll_http() {
        if let HttpAction::Start(r) | HttpAction::Stream(r) = action {
            return (r.id, r.url);
        }
    }
    panic!("the agent session requested nothing");
}

#[test]
fn demo_config_hands_off_to_the_emulator_over_miaw() {
    let config = load(&demo_config());
    let h = config.handoff.as_ref().expect("a handoff section");
    let Channel::Miaw(m) = &h.channel else {
        panic!("MIAW expected, found {:?}", h.channel)
    };
    assert_eq!(m.url, "http://127.0.0.1:8090");
    assert_eq!(m.org_id, ORG_ID);
    assert_eq!(m.developer_name, "Web_Custom_Client");
    check_prechat(h);

    let (id, url) = first_agent_request(&demo_config());
    assert!(id >= 1 << 32, "agent session ids are n << 32, got {id}");
    assert!(
        url.starts_with("http://127.0.0.1:8090/iamessage/api/v2/"),
        "{url}"
    );
}

#[test]
fn livechat_variant_hands_off_through_the_relay() {
    let config = load(&livechat_config());
    let h = config.handoff.as_ref().expect("a handoff section");
    let Channel::LiveChat(l) = &h.channel else {
        panic!("Live Chat expected, found {:?}", h.channel)
    };
    assert_eq!(l.endpoint, "http://127.0.0.1:8091");
    assert_eq!(
        (
            l.organization_id.as_str(),
            l.deployment_id.as_str(),
            l.button_id.as_str()
        ),
        (ORG_ID, DEPLOYMENT_ID, BUTTON_ID)
    );
    check_prechat(h);

    let (_, url) = first_agent_request(&livechat_config());
    assert!(url.starts_with("http://127.0.0.1:8091/chat/rest/"), "{url}");
}
