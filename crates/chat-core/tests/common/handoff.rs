//! The hand-off configurations the core's tests share (what `fixtures/saved/` was saved with):
//! a MIAW deployment and a Live Chat one, each with a pre-chat form. `extra` is merged into
//! the `handoff` section.
#![allow(dead_code)]

use serde_json::{json, Value as J};

pub const MIAW_URL: &str = "https://acme.my.salesforce-scrt.com";
pub const ORG_ID: &str = "00D5e000000AbCd";

fn merged(mut c: J, extra: J) -> J {
    if let (J::Object(h), J::Object(e)) = (&mut c["handoff"], extra) {
        for (k, v) in e {
            h.insert(k, v);
        }
    }
    c
}

pub fn miaw(extra: J) -> J {
    merged(
        json!({
            "persist": true,
            "handoff": {
                "miaw": {
                    "url": MIAW_URL,
                    "orgId": ORG_ID,
                    "developerName": "Web_Custom_Client"
                },
                "prechat": {"fields": [
                    "description",
                    {"name": "topic", "options": ["Orders", "Returns"], "attribute": "Topic"}
                ]},
                "contextAttributes": {"lastIntent": "BotIntent"},
                "waitTimeoutSeconds": 60
            }
        }),
        extra,
    )
}

pub fn live_chat(extra: J) -> J {
    merged(
        json!({
            "persist": true,
            "handoff": {
                "liveChat": {
                    "endpoint": "https://relay.example.com",
                    "organizationId": "00D5e000000AbCd",
                    "deploymentId": "5725e000000AbCd",
                    "buttonId": "5735e000000AbCd",
                    "checkAvailability": false
                },
                "prechat": {"fields": [
                    "description",
                    {"name": "topic", "options": ["Orders", "Returns"], "attribute": "Topic"},
                    {"name": "email", "required": false, "entityMaps": [{"entityName": "Contact", "fieldName": "Email"}]}
                ]},
                "waitTimeoutSeconds": 60
            }
        }),
        extra,
    )
}
