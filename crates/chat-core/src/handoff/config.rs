//! The `handoff` section of the configuration: which Salesforce API carries the conversation
//! to a human agent, the pre-chat form, and what the agent is told about the bot conversation.

use crate::config::{check_http_url, text_item, ObjReader, Report, Value};
use crate::livechat::{EntityFieldMap, EntityMap, PrechatEntity};
use crate::Pairs;

use super::prechat::{FieldKind, PrechatField, PrechatForm};

/// A MIAW (Messaging for In-App and Web) deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiawSettings {
    /// SCRT base URL, e.g. `https://acme.my.salesforce-scrt.com`.
    pub url: String,
    pub org_id: String,
    /// Embedded Service deployment API name, e.g. `Web_Custom_Client`.
    pub developer_name: String,
    /// Language sent with the conversation (`en_US`); `None` = the widget's language.
    pub language: Option<String>,
    /// Verified users: the host page provides the customer's identity JWT
    /// (`ChatWidget.setIdentityToken`).
    pub verified_user: bool,
    /// Name of a global function of the host page returning the identity JWT (or a promise of
    /// it); the loader calls it when the widget asks for a token. Read by the loader only.
    pub identity_token_function: Option<String>,
    /// Send delivery and read receipts for the agents' messages (`sendReceipts`, default
    /// `false`: the endpoint is unconfirmed and the official client never sends them).
    pub send_receipts: bool,
    /// After the agent ends the session (`sessionEnd`): `false` (`"endChat"`, default) the chat
    /// is over and the visitor may start a new one; `true` (`"continue"`, Salesforce's own
    /// client) the conversation goes on and the next message starts a new session.
    pub continue_after_end: bool,
    /// `endGraceSeconds`: the last agent left with no routing or agent following for this
    /// long counts as the end (default 10).
    pub end_grace_secs: u64,
    /// `streamIdleSeconds`: a silent event stream is reopened after this long (default 60).
    pub stream_idle_secs: u64,
}

/// A legacy Live Chat deployment (Chat REST API), usually reached through the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChatSettings {
    /// The Chat REST API endpoint or the relay in front of it.
    pub endpoint: String,
    pub organization_id: String,
    pub deployment_id: String,
    pub button_id: String,
    pub api_version: Option<String>,
    pub check_availability: bool,
    /// Name shown to the agent when the pre-chat form has no `name` field.
    pub visitor_name: Option<String>,
    pub language: Option<String>,
    /// Records (Contact, Case, ...) the agent console finds or creates from pre-chat values.
    pub entities: Vec<PrechatEntity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    Miaw(MiawSettings),
    LiveChat(LiveChatSettings),
}

/// The validated `handoff` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffConfig {
    pub channel: Channel,
    /// The form shown before the chat is requested (`None`: request at once).
    pub prechat: Option<PrechatForm>,
    /// Send the bot conversation to the agent (MIAW: as the first visitor message, not shown
    /// in the widget; Live Chat: as a pre-chat detail).
    pub send_transcript: bool,
    /// Offer "keep waiting / leave" when no agent joined within this many seconds.
    pub wait_timeout_secs: Option<u64>,
    /// Bot context key → routing attribute (MIAW) or pre-chat detail label (Live Chat).
    pub context_attributes: Pairs,
    /// Fixed routing attributes / details, merged under the host page's hidden fields.
    pub hidden_fields: Pairs,
    /// Visitor file uploads (MIAW only; `None`: no attach button).
    pub attachments: Option<AttachmentRules>,
}

/// What the visitor may upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRules {
    pub max_bytes: u64,
    /// Allowed MIME types (`image/*` allows every image type).
    pub types: Vec<String>,
}

impl Default for AttachmentRules {
    fn default() -> Self {
        AttachmentRules {
            max_bytes: 5 * 1024 * 1024,
            types: [
                "image/png",
                "image/jpeg",
                "image/gif",
                "image/bmp",
                "image/tiff",
                "application/pdf",
                "text/plain",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

impl AttachmentRules {
    pub fn allows(&self, mime: &str) -> bool {
        let mime = mime.trim().to_ascii_lowercase();
        self.types.iter().any(|t| {
            let t = t.to_ascii_lowercase();
            t == mime
                || t.strip_suffix("/*")
                    .is_some_and(|p| mime.split('/').next() == Some(p))
        })
    }
}

const MIAW_HINT: &str = "url, orgId, developerName, language, verifiedUser";

pub(crate) fn read_handoff(
    value: &Value,
    path: &str,
    report: &mut Report,
) -> Option<HandoffConfig> {
    let mut r = ObjReader::new(value, path, report)?;
    let before = report.errors.len();
    let miaw = r.raw("miaw");
    let live = r.raw("liveChat");
    let channel = match (miaw, live) {
        (Some(m), None) => read_miaw(m, &r.path_of("miaw"), report).map(Channel::Miaw),
        (None, Some(l)) => read_live(l, &r.path_of("liveChat"), report).map(Channel::LiveChat),
        (Some(_), Some(_)) => {
            report.error(
                path,
                "names both \"miaw\" and \"liveChat\": choose the one API your org uses",
            );
            None
        }
        (None, None) => {
            report.error(
                path,
                format!("needs \"miaw\" ({{{MIAW_HINT}}}) or \"liveChat\" (endpoint, organizationId, deploymentId, buttonId)"),
            );
            None
        }
    };
    let prechat_path = r.path_of("prechat");
    let prechat = match r.raw("prechat") {
        None | Some(Value::Bool(false)) => None,
        Some(v) => super::prechat::read_form(v, &prechat_path, report),
    };
    if prechat.as_ref().is_some_and(|p| p.from_deployment) && live.is_some() {
        report.error(
            &format!("{prechat_path}.fromDeployment"),
            "only MIAW deployments publish their pre-chat form; list the fields instead",
        );
    }
    // A URL that is not Salesforce's own is usually a mistake (a My Domain URL instead of the
    // SCRT one, a typo); the local emulator and proxies (such as the Live Chat relay) are
    // legitimate: `anyHost: true` says so and silences the warning.
    let any_host = r.bool("anyHost", report).unwrap_or(false);
    if !any_host {
        host_warning(&channel, &r.path_of("miaw"), &r.path_of("liveChat"), report);
    }
    let send_transcript = r.bool("sendTranscript", report).unwrap_or(true);
    let wait_timeout_secs = r.int("waitTimeoutSeconds", 10, 86_400, report);
    let context_attributes = read_string_map(&mut r, "contextAttributes", report);
    let hidden_fields = read_string_map(&mut r, "hiddenFields", report);
    let attachments_path = r.path_of("attachments");
    let attachments = match r.raw("attachments") {
        Some(Value::Bool(false)) => None,
        None | Some(Value::Bool(true)) => Some(AttachmentRules::default()),
        Some(v) => read_attachments(v, &attachments_path, report),
    };
    let attachments = if matches!(channel, Some(Channel::LiveChat(_))) {
        if matches!(value.get("attachments"), Some(v) if !matches!(v, Value::Bool(false) | Value::Null))
        {
            report.warning(
                &attachments_path,
                "is ignored with Live Chat (the Chat REST API has no visitor uploads)",
            );
        }
        None
    } else {
        attachments
    };
    r.finish(report);
    if report.errors.len() > before {
        return None;
    }
    Some(HandoffConfig {
        channel: channel?,
        prechat,
        send_transcript,
        wait_timeout_secs,
        context_attributes,
        hidden_fields,
        attachments,
    })
}

/// Salesforce's hosts for each API (MIAW: the SCRT domain; Live Chat: the Live Agent
/// endpoints and Salesforce's own domains).
const MIAW_HOSTS: &[&str] = &["salesforce-scrt.com"];
const LIVE_CHAT_HOSTS: &[&str] = &["salesforceliveagent.com", "salesforce.com", "force.com"];

fn host_warning(channel: &Option<Channel>, miaw_path: &str, live_path: &str, report: &mut Report) {
    let (path, url, hosts, what) = match channel {
        Some(Channel::Miaw(m)) => (
            format!("{miaw_path}.url"),
            &m.url,
            MIAW_HOSTS,
            "a Salesforce Messaging (SCRT) host, *.salesforce-scrt.com",
        ),
        Some(Channel::LiveChat(l)) => (
            format!("{live_path}.endpoint"),
            &l.endpoint,
            LIVE_CHAT_HOSTS,
            "a Salesforce Live Agent host (*.salesforceliveagent.com)",
        ),
        None => return,
    };
    let Ok(host) = crate::config::http_url_host(url) else {
        return;
    };
    let host = host.trim_end_matches('.');
    let salesforce = hosts
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")));
    if !salesforce {
        report.warning(
            &path,
            format!(
                "\"{host}\" is not {what}; if this is intended (the local emulator, a proxy or the Live Chat relay), set \"handoff.anyHost\": true"
            ),
        );
    }
}

fn read_attachments(v: &Value, path: &str, report: &mut Report) -> Option<AttachmentRules> {
    let mut r = ObjReader::new(v, path, report)?;
    let mut rules = AttachmentRules::default();
    if let Some(mb) = r.int("maxBytes", 1, 100 * 1024 * 1024, report) {
        rules.max_bytes = mb;
    }
    if r.raw("types").is_some() {
        rules.types = read_text_list(&mut r, "types", report);
    }
    r.finish(report);
    Some(rules)
}

fn read_string_map(r: &mut ObjReader<'_>, key: &'static str, report: &mut Report) -> Pairs {
    let path = r.path_of(key);
    let mut out = Pairs::new();
    match r.raw(key) {
        None => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    Value::Number(_) | Value::Bool(_) => {
                        out.insert(k.clone(), v.to_string());
                    }
                    other => report.error(
                        &format!("{path}.{k}"),
                        format!(
                            "expected a string, found {}",
                            crate::config::type_name(other)
                        ),
                    ),
                }
            }
        }
        Some(other) => report.error(
            &path,
            format!(
                "expected an object of names to texts, found {}",
                crate::config::type_name(other)
            ),
        ),
    }
    out
}

fn required(
    r: &mut ObjReader<'_>,
    key: &'static str,
    what: &str,
    report: &mut Report,
) -> Option<String> {
    let path = r.path_of(key);
    let v = r.text(key, report);
    if v.is_none() && !report.errors.iter().any(|e| e.path == path) {
        report.error(&path, format!("is required ({what})"));
    }
    v
}

fn url(
    r: &mut ObjReader<'_>,
    key: &'static str,
    what: &str,
    report: &mut Report,
) -> Option<String> {
    let path = r.path_of(key);
    let u = required(r, key, what, report)?;
    match check_http_url(&u) {
        Ok(()) => Some(u.trim_end_matches('/').to_string()),
        Err(e) => {
            report.error(&path, e);
            None
        }
    }
}

fn salesforce_id(
    r: &mut ObjReader<'_>,
    key: &'static str,
    prefix: &str,
    report: &mut Report,
) -> Option<String> {
    let path = r.path_of(key);
    let id = required(
        r,
        key,
        &format!("a Salesforce id starting with {prefix}"),
        report,
    )?;
    let ok = (id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric());
    if !ok {
        report.error(
            &path,
            format!(
                "\"{id}\" is not a 15- or 18-character Salesforce id (it starts with {prefix})"
            ),
        );
        return None;
    }
    if !id.starts_with(prefix) {
        report.warning(
            &path,
            format!("\"{id}\" does not start with {prefix}; check that it is the right id"),
        );
    }
    Some(id)
}

fn read_miaw(v: &Value, path: &str, report: &mut Report) -> Option<MiawSettings> {
    let mut r = ObjReader::new(v, path, report)?;
    let url = url(
        &mut r,
        "url",
        "the SCRT URL, e.g. https://acme.my.salesforce-scrt.com",
        report,
    );
    let org_id = salesforce_id(&mut r, "orgId", "00D", report);
    let developer_name = required(
        &mut r,
        "developerName",
        "the Embedded Service deployment's API name",
        report,
    );
    let language = r.text("language", report);
    let verified_user = r.bool("verifiedUser", report).unwrap_or(false);
    let fn_path = r.path_of("identityTokenFunction");
    let identity_token_function = r.text("identityTokenFunction", report);
    if let Some(f) = &identity_token_function {
        let ok = f.split('.').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        });
        if !ok {
            report.error(
                &fn_path,
                format!("\"{f}\" is not the name of a global function (e.g. \"getChatIdentityToken\" or \"myApp.chatToken\")"),
            );
        }
        if !verified_user {
            report.warning(&fn_path, "is only used with \"verifiedUser\": true");
        }
    }
    let send_receipts = r.bool("sendReceipts", report).unwrap_or(false);
    let continue_after_end =
        r.choice("sessionEnd", &["endChat", "continue"], report) == Some("continue");
    let end_grace_secs = r.int("endGraceSeconds", 1, 600, report).unwrap_or(10);
    let stream_idle_secs = r.int("streamIdleSeconds", 20, 3_600, report).unwrap_or(60);
    r.finish(report);
    Some(MiawSettings {
        url: url?,
        org_id: org_id?,
        developer_name: developer_name?,
        language,
        verified_user,
        identity_token_function,
        send_receipts,
        continue_after_end,
        end_grace_secs,
        stream_idle_secs,
    })
}

fn read_live(v: &Value, path: &str, report: &mut Report) -> Option<LiveChatSettings> {
    let mut r = ObjReader::new(v, path, report)?;
    let endpoint = url(
        &mut r,
        "endpoint",
        "the relay's URL, or the Chat API endpoint",
        report,
    );
    let organization_id = salesforce_id(&mut r, "organizationId", "00D", report);
    let deployment_id = salesforce_id(&mut r, "deploymentId", "572", report);
    let button_id = salesforce_id(&mut r, "buttonId", "573", report);
    let api_version = r.text("apiVersion", report);
    let check_availability = r.bool("checkAvailability", report).unwrap_or(true);
    let visitor_name = r.text("visitorName", report);
    let language = r.text("language", report);
    let entities = r.list("entities", report, read_entity).unwrap_or_default();
    r.finish(report);
    Some(LiveChatSettings {
        endpoint: endpoint?,
        organization_id: organization_id?,
        deployment_id: deployment_id?,
        button_id: button_id?,
        api_version,
        check_availability,
        visitor_name,
        language,
        entities,
    })
}

fn read_entity(v: &Value, path: &str, report: &mut Report) -> Option<PrechatEntity> {
    let mut r = ObjReader::new(v, path, report)?;
    let entity_name = required(&mut r, "entityName", "e.g. Contact or Case", report);
    let show_on_create = r.bool("showOnCreate", report).unwrap_or(true);
    let link_to_entity_name = r.text("linkToEntityName", report);
    let link_to_entity_field = r.text("linkToEntityField", report);
    let save_to_transcript = r.text("saveToTranscript", report);
    let fields = r
        .list("fields", report, |v, p, rep| {
            let mut f = ObjReader::new(v, p, rep)?;
            let field_name = required(&mut f, "fieldName", "the record field's API name", rep);
            let label = required(
                &mut f,
                "field",
                "the label of the pre-chat detail whose value fills it: a field's \"attribute\" (its name by default) or a hidden field's name",
                rep,
            );
            let do_find = f.bool("doFind", rep).unwrap_or(true);
            let is_exact_match = f.bool("isExactMatch", rep).unwrap_or(true);
            let do_create = f.bool("doCreate", rep).unwrap_or(true);
            f.finish(rep);
            Some(EntityFieldMap {
                field_name: field_name?,
                label: label?,
                do_find,
                is_exact_match,
                do_create,
            })
        })
        .unwrap_or_default();
    r.finish(report);
    Some(PrechatEntity {
        entity_name: entity_name?,
        show_on_create,
        link_to_entity_name,
        link_to_entity_field,
        save_to_transcript,
        entity_fields_maps: fields,
    })
}

/// Entity maps of one pre-chat field (`entityMaps: [{"entityName", "fieldName"}]`).
pub(crate) fn read_entity_map(v: &Value, path: &str, report: &mut Report) -> Option<EntityMap> {
    let mut r = ObjReader::new(v, path, report)?;
    let entity_name = required(&mut r, "entityName", "e.g. Contact", report);
    let field_name = required(&mut r, "fieldName", "e.g. Email", report);
    r.finish(report);
    Some(EntityMap {
        entity_name: entity_name?,
        field_name: field_name?,
    })
}

pub(crate) fn read_text_list(
    r: &mut ObjReader<'_>,
    key: &'static str,
    report: &mut Report,
) -> Vec<String> {
    r.list(key, report, text_item).unwrap_or_default()
}

impl FieldKind {
    pub(crate) const NAMES: &'static [&'static str] = &[
        "text", "textarea", "email", "number", "phone", "checkbox", "choice",
    ];
}

impl PrechatField {
    /// The field's value as sent to Salesforce (`true`/`false` for a checkbox).
    pub fn wire_value(&self, value: &str) -> String {
        match self.kind {
            FieldKind::Checkbox => (value == "true").to_string(),
            _ => value.trim().to_string(),
        }
    }
}
