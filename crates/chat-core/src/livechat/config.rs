//! What a Live Chat session needs to know: the deployment, the visitor's environment and the
//! pre-chat data (the `ChasitorInit` body built from them is `model::ChasitorInit`,
//! `live-agent.md` §4.2).

use serde::{Deserialize, Serialize};

/// `X-LIVEAGENT-API-VERSION` used when the configuration does not name one (≥ 37 for
/// `ReconnectSession`, ≥ 47 for estimated wait times).
pub const DEFAULT_API_VERSION: &str = "52";

/// One Live Chat deployment plus what `ChasitorInit` tells the agent about the visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChatConfig {
    /// Base URL of the Chat REST API: the Live Agent endpoint (`https://d.la1-….salesforceliveagent.com`,
    /// with or without the trailing `/chat/rest/`) or, in a browser, the relay that forwards
    /// to it (`https://relay.example.com` or `https://relay.example.com/chat/rest`). Resources
    /// are requested at `<base>/chat/rest/<Resource>`.
    pub endpoint: String,
    pub organization_id: String,
    pub deployment_id: String,
    pub button_id: String,
    /// `X-LIVEAGENT-API-VERSION`, e.g. `"52"`.
    pub api_version: String,
    /// Ask `Visitor/Availability` before creating a session.
    pub check_availability: bool,
    /// `language` of `ChasitorInit`, e.g. `en-US`.
    pub language: String,
    /// Name shown to the agent.
    pub visitor_name: String,
    /// `navigator.userAgent`.
    pub user_agent: String,
    /// `1920x1080`.
    pub screen_resolution: String,
    pub prechat_details: Vec<PrechatDetail>,
    pub prechat_entities: Vec<PrechatEntity>,
    /// Optional routing overrides (`buttonId`, `agentId` or `agentId_buttonId`).
    pub button_overrides: Vec<String>,
}

impl Default for LiveChatConfig {
    fn default() -> Self {
        LiveChatConfig {
            endpoint: String::new(),
            organization_id: String::new(),
            deployment_id: String::new(),
            button_id: String::new(),
            api_version: DEFAULT_API_VERSION.to_string(),
            check_availability: false,
            language: "en-US".to_string(),
            visitor_name: String::new(),
            user_agent: String::new(),
            screen_resolution: String::new(),
            prechat_details: Vec::new(),
            prechat_entities: Vec::new(),
            button_overrides: Vec::new(),
        }
    }
}

/// A `CustomDetail` of `prechatDetails`: one labelled value (from the pre-chat prompt, a
/// hidden field of the host page, ...), optionally saved to transcript fields and mapped onto
/// fields of records the agent's console finds or creates.
///
/// Serialized as is into `ChasitorInit` ([`super::model::ChasitorInit`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PrechatDetail {
    pub label: String,
    pub value: String,
    pub entity_maps: Vec<EntityMap>,
    /// Field API names on `LiveChatTranscript`.
    pub transcript_fields: Vec<String>,
    pub display_to_agent: bool,
    pub do_knowledge_search: bool,
}

impl PrechatDetail {
    /// A detail shown to the agent, without mappings.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        PrechatDetail {
            label: label.into(),
            value: value.into(),
            display_to_agent: true,
            ..Default::default()
        }
    }
}

/// `entityMaps[]` member: which field of which record a detail fills.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EntityMap {
    pub entity_name: String,
    pub field_name: String,
}

/// An `Entity` of `prechatEntities`: a record (Contact, Case, ...) to find or create.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PrechatEntity {
    pub entity_name: String,
    pub show_on_create: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_to_entity_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_to_entity_field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub save_to_transcript: Option<String>,
    pub entity_fields_maps: Vec<EntityFieldMap>,
}

/// `entityFieldsMaps[]` member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EntityFieldMap {
    pub field_name: String,
    /// The `label` of the [`PrechatDetail`] whose value fills this field.
    pub label: String,
    pub do_find: bool,
    pub is_exact_match: bool,
    pub do_create: bool,
}

impl LiveChatConfig {
    /// `<base>/chat/rest/<resource>` (`resource` may carry a query).
    pub fn url(&self, resource: &str) -> String {
        let mut base = self.endpoint.trim().trim_end_matches('/').to_string();
        if base.ends_with("/chat") {
            base.push_str("/rest");
        } else if !base.ends_with("/chat/rest") {
            base.push_str("/chat/rest");
        }
        format!("{base}/{resource}")
    }
}
