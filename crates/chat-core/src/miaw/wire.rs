//! The MIAW wire format (`shared/spec/miaw.md`): request builders returning
//! [`HttpRequest`] values (and one [`UploadRequest`] for files), and parsing of responses and SSE event data into typed entries.
//!
//! Parsing never panics and never fails the session: anything unknown or malformed becomes
//! [`Parsed::Skip`] with a reason the browser layer can log.

use crate::codec::Json;
use crate::http::{FileRef, HttpRequest, Method, RequestId, UploadRequest};
use crate::json::Value;
use crate::pairs::Pairs;

const API: &str = "/iamessage/api/v2";

/// The deployment the widget talks to (from the widget configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// SCRT base URL, e.g. `https://acme.my.salesforce-scrt.com` (no trailing slash needed).
    pub base_url: String,
    /// Org id, 15 or 18 characters; `X-Org-Id` always gets the 15-character form.
    pub org_id: String,
    pub es_developer_name: String,
    /// Language code sent with new conversations and messages (e.g. `en_US`).
    pub language: Option<String>,
}

impl Deployment {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }

    /// The 15-character org id required by `X-Org-Id`.
    pub fn org_id_15(&self) -> &str {
        match self.org_id.char_indices().nth(15) {
            Some((i, _)) => &self.org_id[..i],
            None => &self.org_id,
        }
    }
}

fn json_headers() -> Vec<(String, String)> {
    vec![("Content-Type".into(), "application/json".into())]
}

fn auth_headers(token: &str) -> Vec<(String, String)> {
    vec![
        ("Authorization".into(), format!("Bearer {token}")),
        ("Content-Type".into(), "application/json".into()),
    ]
}

/// Percent-encodes a query-string value.
pub fn encode_query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn token_body<J: Json>(d: &Deployment, extra: Vec<(&str, Value)>) -> String {
    let mut members: Vec<(&str, Value)> = vec![
        ("orgId", d.org_id.as_str().into()),
        ("esDeveloperName", d.es_developer_name.as_str().into()),
        ("capabilitiesVersion", "1".into()),
        ("platform", "Web".into()),
    ];
    members.extend(extra);
    J::encode(&Value::object(members))
}

/// §4.1 guest access token.
pub fn unauthenticated_token<J: Json>(d: &Deployment, id: RequestId) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/authorization/unauthenticated/access-token")),
        headers: json_headers(),
        body: Some(token_body::<J>(d, vec![])),
    }
}

/// §4.2 verified-user access token from the customer's identity JWT.
pub fn authenticated_token<J: Json>(
    d: &Deployment,
    id: RequestId,
    identity_jwt: &str,
) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/authorization/authenticated/access-token")),
        headers: json_headers(),
        body: Some(token_body::<J>(
            d,
            vec![
                ("authorizationType", "JWT".into()),
                ("customerIdentityToken", identity_jwt.into()),
            ],
        )),
    }
}

/// §4.3 continuation token (after a page reload).
pub fn continuation_token<J: Json>(d: &Deployment, id: RequestId, token: &str) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Get,
        url: d.url(&format!("{API}/authorization/continuation-access-token")),
        headers: auth_headers(token),
        body: None,
    }
}

fn routing_value(routing: &Pairs) -> Value {
    Value::object(
        routing
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(v.as_str()))),
    )
}

/// §4.5 create conversation.
pub fn create_conversation<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    routing: &Pairs,
) -> HttpRequest {
    let mut members: Vec<(&str, Value)> = vec![
        ("routingAttributes", routing_value(routing)),
        ("esDeveloperName", d.es_developer_name.as_str().into()),
        ("conversationId", conversation_id.into()),
    ];
    if let Some(lang) = &d.language {
        members.push(("language", lang.as_str().into()));
    }
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/conversation")),
        headers: auth_headers(token),
        body: Some(J::encode(&Value::object(members))),
    }
}

/// What a visitor message carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingContent {
    Text(String),
    /// The visitor picked an option of a `ChoicesMessage`.
    Choice {
        in_reply_to: String,
        option_identifier: String,
    },
}

/// §4.6 send message. `new_session` adds `isNewMessagingSession: true` and the routing
/// attributes (the answer to a 417).
pub fn send_message<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    message_id: &str,
    content: &OutgoingContent,
    new_session: Option<&Pairs>,
) -> HttpRequest {
    let message = match content {
        OutgoingContent::Text(text) => Value::object([
            ("id", Value::from(message_id)),
            ("messageType", "StaticContentMessage".into()),
            (
                "staticContent",
                Value::object([
                    ("formatType", Value::from("Text")),
                    ("text", text.as_str().into()),
                ]),
            ),
        ]),
        OutgoingContent::Choice {
            in_reply_to,
            option_identifier,
        } => Value::object([
            ("id", Value::from(message_id)),
            ("messageType", "ChoicesResponseMessage".into()),
            ("inReplyToMessageId", in_reply_to.as_str().into()),
            (
                "choicesResponse",
                Value::object([
                    ("formatType", Value::from("Selections")),
                    (
                        "selectedOptions",
                        Value::Array(vec![Value::object([(
                            "optionIdentifier",
                            Value::from(option_identifier.as_str()),
                        )])]),
                    ),
                ]),
            ),
        ]),
    };
    let mut members: Vec<(&str, Value)> = vec![("message", message)];
    if let Some(routing) = new_session {
        members.push(("routingAttributes", routing_value(routing)));
        members.push(("isNewMessagingSession", true.into()));
    }
    members.push(("esDeveloperName", d.es_developer_name.as_str().into()));
    if let Some(lang) = &d.language {
        members.push(("language", lang.as_str().into()));
    }
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/conversation/{conversation_id}/message")),
        headers: auth_headers(token),
        body: Some(J::encode(&Value::object(members))),
    }
}

/// §4.9 upload a file: a `multipart/form-data` POST with a `messageEntry` JSON part and a
/// `fileData` file part. Headers: `Authorization` and `X-Org-Id` only (the browser's
/// `FormData` sets `Content-Type` with the boundary).
///
/// `messageEntry` is `{"esDeveloperName", "isNewMessagingSession", "message": {"id",
/// "fileId", "text"?}}`; `text` (the caption) is left out when `caption` is `None` or blank.
/// `new_session` sets `isNewMessagingSession: true` and adds the routing attributes (the
/// answer to a 417, as for [`send_message`]). `language` is not sent: the spec does not
/// confirm it for this endpoint.
#[allow(clippy::too_many_arguments)]
pub fn send_file<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    message_id: &str,
    file_id: &str,
    caption: Option<&str>,
    file: &FileRef,
    new_session: Option<&Pairs>,
) -> UploadRequest {
    let mut message: Vec<(&str, Value)> =
        vec![("id", message_id.into()), ("fileId", file_id.into())];
    if let Some(text) = caption.filter(|c| !c.trim().is_empty()) {
        message.push(("text", text.into()));
    }
    let mut members: Vec<(&str, Value)> = vec![
        ("esDeveloperName", d.es_developer_name.as_str().into()),
        ("isNewMessagingSession", new_session.is_some().into()),
    ];
    if let Some(routing) = new_session {
        members.push(("routingAttributes", routing_value(routing)));
    }
    members.push(("message", Value::object(message)));
    UploadRequest {
        id,
        url: d.url(&format!("{API}/conversation/{conversation_id}/file")),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("X-Org-Id".into(), d.org_id_15().to_string()),
        ],
        json_part: ("messageEntry".into(), J::encode(&Value::object(members))),
        file_part: "fileData".into(),
        file: file.clone(),
    }
}

/// §4.7 typing started / stopped.
pub fn typing<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    entry_id: &str,
    started: bool,
) -> HttpRequest {
    let kind = if started {
        "TypingStartedIndicator"
    } else {
        "TypingStoppedIndicator"
    };
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/conversation/{conversation_id}/entry")),
        headers: auth_headers(token),
        body: Some(J::encode(&Value::object([
            ("entryType", Value::from(kind)),
            ("id", entry_id.into()),
        ]))),
    }
}

/// One acknowledgement sent by [`acknowledge_entries`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckEntry {
    /// A fresh lowercase UUID (the same one again when the request is retried).
    pub id: String,
    /// `Read` when `true`, else `Delivery`.
    pub read: bool,
    /// The `identifier` of the acknowledged conversation entry (an agent's message).
    pub entry_id: String,
}

/// §4.8 the end user acknowledges entries (unconfirmed; the `acknowledge-entries` variant):
/// `{"acks": [{"id", "entryType": "Delivery" | "Read", "conversationEntryId"}]}`.
pub fn acknowledge_entries<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    acks: &[AckEntry],
) -> HttpRequest {
    let list = acks
        .iter()
        .map(|a| {
            Value::object([
                ("id", Value::from(a.id.as_str())),
                (
                    "entryType",
                    Value::from(if a.read { "Read" } else { "Delivery" }),
                ),
                ("conversationEntryId", a.entry_id.as_str().into()),
            ])
        })
        .collect();
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!(
            "{API}/conversation/{conversation_id}/acknowledge-entries"
        )),
        headers: auth_headers(token),
        body: Some(J::encode(&Value::object([("acks", Value::Array(list))]))),
    }
}

/// §4.13 close conversation (visitor ends).
pub fn close_conversation(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Delete,
        url: d.url(&format!(
            "{API}/conversation/{conversation_id}?esDeveloperName={}",
            encode_query(&d.es_developer_name)
        )),
        headers: auth_headers(token),
        body: None,
    }
}

/// §4.14 end the messaging session.
pub fn end_session(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Delete,
        url: d.url(&format!(
            "{API}/conversation/{conversation_id}/session?esDeveloperName={}",
            encode_query(&d.es_developer_name)
        )),
        headers: auth_headers(token),
        body: None,
    }
}

/// §4.11 list entries (history after a reload), newest first.
pub fn list_entries(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    limit: u32,
) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Get,
        url: d.url(&format!(
            "{API}/conversation/{conversation_id}/entries?limit={}&direction=FromEnd&entryTypeFilter=Message,ParticipantChanged,RoutingResult",
            limit.min(50)
        )),
        headers: auth_headers(token),
        body: None,
    }
}

/// §5.1 the SSE stream request (a streaming GET). `now` is the cache-buster `_ts`.
pub fn sse(
    d: &Deployment,
    id: RequestId,
    token: &str,
    last_event_id: Option<&str>,
    now: u64,
) -> HttpRequest {
    let mut headers = vec![
        ("Accept".to_string(), "text/event-stream".to_string()),
        ("Authorization".to_string(), format!("Bearer {token}")),
        ("X-Org-Id".to_string(), d.org_id_15().to_string()),
        ("Cache-Control".to_string(), "no-cache".to_string()),
    ];
    if let Some(last) = last_event_id.filter(|s| !s.is_empty()) {
        headers.push(("Last-Event-Id".to_string(), last.to_string()));
    }
    HttpRequest {
        id,
        method: Method::Get,
        url: d.url(&format!("/eventrouter/v1/sse?_ts={now}")),
        headers,
        body: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

/// An access-token response (§4.1–4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub last_event_id: Option<String>,
}

pub fn parse_token<J: Json>(body: &[u8]) -> Result<TokenResponse, String> {
    let v = J::decode_bytes::<Value>(body).map_err(|e| format!("token response: {e}"))?;
    let access_token = v
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or("token response without accessToken")?
        .to_string();
    let last_event_id = v.get("lastEventId").and_then(scalar_string);
    Ok(TokenResponse {
        access_token,
        last_event_id,
    })
}

/// The `message` of an error body (§3.3), if any.
pub fn error_message<J: Json>(body: &[u8]) -> Option<String> {
    let v = J::decode_bytes::<Value>(body).ok()?;
    v.get("message")
        .or_else(|| v.get("text"))
        .or_else(|| v.get("error"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The entries of a list-entries response (§4.11), oldest first. `entryPayload` may be an
/// object (as the official API returns it) or a string.
pub fn parse_entries<J: Json>(body: &[u8]) -> Result<Vec<Parsed>, String> {
    let v = J::decode_bytes::<Value>(body).map_err(|e| format!("entries response: {e}"))?;
    let list = v
        .get("conversationEntries")
        .and_then(Value::as_array)
        .ok_or("entries response without conversationEntries")?;
    let mut out: Vec<Parsed> = list
        .iter()
        .map(|e| parse_entry::<J>(e, None, event_for_entry_type(e), None))
        .collect();
    out.reverse();
    Ok(out)
}

/// The event an entry type travels in (§5.3): used for list-entries items, and for an event
/// whose name is unknown but whose `conversationEntry` names a known `entryType`.
fn event_for_entry_type(entry: &Value) -> &'static str {
    match entry.get("entryType").and_then(Value::as_str) {
        Some("Message") => "CONVERSATION_MESSAGE",
        Some("ParticipantChanged") => "CONVERSATION_PARTICIPANT_CHANGED",
        Some("RoutingResult") => "CONVERSATION_ROUTING_RESULT",
        Some("DeliveryAcknowledgement") => "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
        Some("ReadAcknowledgement") => "CONVERSATION_READ_ACKNOWLEDGEMENT",
        Some("TypingStartedIndicator") => "CONVERSATION_TYPING_STARTED_INDICATOR",
        Some("TypingStoppedIndicator") => "CONVERSATION_TYPING_STOPPED_INDICATOR",
        Some("SessionStatusChanged") => "CONVERSATION_SESSION_STATUS_CHANGED",
        Some("CloseConversation") => "CONVERSATION_CLOSE_CONVERSATION",
        _ => "",
    }
}

/// Whether a session status (any case) means the messaging session is over: `Ended`,
/// `Closed` or `Inactive` (§5.3, §11.8: the real values are unconfirmed).
pub fn is_end_status(status: &str) -> bool {
    ["ended", "closed", "inactive"]
        .iter()
        .any(|s| status.trim().eq_ignore_ascii_case(s))
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) => Some(v.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// SSE events

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    EndUser,
    Agent,
    Chatbot,
    System,
    Router,
    Supervisor,
    Other,
}

impl Role {
    pub fn parse(s: &str) -> Role {
        match s {
            "EndUser" => Role::EndUser,
            "Agent" => Role::Agent,
            "Chatbot" => Role::Chatbot,
            "System" => Role::System,
            "Router" => Role::Router,
            "Supervisor" => Role::Supervisor,
            _ => Role::Other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoicesFormat {
    Buttons,
    QuickReplies,
    Carousel,
}

/// One option of a choices message; send `identifier` back with [`OutgoingContent::Choice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOption {
    pub identifier: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: Option<String>,
    pub name: String,
    pub size: Option<u64>,
    pub mime_type: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageContent {
    Text(String),
    Choices {
        format: ChoicesFormat,
        text: String,
        options: Vec<ChoiceOption>,
    },
    /// The visitor's own choice (an echo of a choices response).
    ChoicesResponse {
        selected: Vec<String>,
    },
    Attachments {
        text: Option<String>,
        files: Vec<Attachment>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantChange {
    /// `true` for `add`, `false` for `remove`.
    pub joined: bool,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingResult {
    /// `true` for `Transfer`, `false` for `Initial`.
    pub transfer: bool,
    /// `None` when `failureType` is `None` (or absent).
    pub failure: Option<String>,
    pub failure_reason: Option<String>,
    pub estimated_wait_secs: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Message {
        message_id: String,
        in_reply_to: Option<String>,
        content: MessageContent,
    },
    ParticipantChanged(Vec<ParticipantChange>),
    RoutingResult(RoutingResult),
    TypingStarted,
    TypingStopped,
    Delivered {
        message_id: String,
        timestamp: Option<u64>,
    },
    Read {
        message_id: String,
        timestamp: Option<u64>,
    },
    /// The conversation was closed (`CONVERSATION_CLOSE_CONVERSATION`).
    Closed,
    /// `SessionStatusChanged`, e.g. `Ended` when an agent ends the session.
    SessionStatus(String),
}

/// A conversation entry with its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub conversation_id: Option<String>,
    pub identifier: String,
    pub role: Role,
    pub sender_name: Option<String>,
    pub timestamp: Option<u64>,
    pub kind: EntryKind,
}

/// The result of parsing one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Entry(Entry),
    /// Not an entry for the UI (unknown type, keep-alive, malformed payload): log and skip.
    Skip {
        event: String,
        reason: String,
    },
}

fn skip(event: &str, reason: impl Into<String>) -> Parsed {
    Parsed::Skip {
        event: event.to_string(),
        reason: reason.into(),
    }
}

/// Parses the `data` of one SSE event named `event`.
pub fn parse_event<J: Json>(event: &str, data: &str) -> Parsed {
    if event == "ping" {
        return skip(event, "keep-alive");
    }
    let known = matches!(
        event,
        "CONVERSATION_MESSAGE"
            | "CONVERSATION_PARTICIPANT_CHANGED"
            | "CONVERSATION_ROUTING_RESULT"
            | "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT"
            | "CONVERSATION_READ_ACKNOWLEDGEMENT"
            | "CONVERSATION_TYPING_STARTED_INDICATOR"
            | "CONVERSATION_TYPING_STOPPED_INDICATOR"
            | "CONVERSATION_CLOSE_CONVERSATION"
            | "CONVERSATION_SESSION_STATUS_CHANGED"
    );
    let v = match J::decode::<Value>(data) {
        Ok(v) => v,
        Err(e) if known => return skip(event, format!("data is not JSON: {e}")),
        Err(_) => return skip(event, "unknown event type"),
    };
    // An event name we do not know, carrying an entry type we do: read it as that entry.
    let event = if known {
        event
    } else {
        match v.get("conversationEntry").map(event_for_entry_type) {
            Some(e) if !e.is_empty() => e,
            _ => return skip(event, "unknown event type"),
        }
    };
    let conversation_id = v.get("conversationId").and_then(scalar_string);
    let Some(entry) = v.get("conversationEntry") else {
        if event == "CONVERSATION_CLOSE_CONVERSATION" {
            return Parsed::Entry(Entry {
                conversation_id,
                identifier: String::new(),
                role: Role::Other,
                sender_name: None,
                timestamp: None,
                kind: EntryKind::Closed,
            });
        }
        return skip(event, "no conversationEntry");
    };
    parse_entry::<J>(entry, conversation_id, event, Some(&v))
}

/// One entry; `top` is the whole event data (a status may sit there, beside the entry).
fn parse_entry<J: Json>(
    entry: &Value,
    conversation_id: Option<String>,
    event: &str,
    top: Option<&Value>,
) -> Parsed {
    if entry.as_object().is_none() {
        return skip(event, "conversationEntry is not an object");
    }
    let payload = match entry.get("entryPayload") {
        Some(Value::String(s)) => match J::decode::<Value>(s) {
            Ok(p) => p,
            Err(e) => return skip(event, format!("entryPayload is not JSON: {e}")),
        },
        Some(v @ Value::Object(_)) => v.clone(),
        None | Some(Value::Null) => Value::object(Vec::<(String, Value)>::new()),
        Some(_) => return skip(event, "entryPayload is neither a string nor an object"),
    };
    let identifier = entry
        .get("identifier")
        .and_then(scalar_string)
        .or_else(|| payload.get("id").and_then(scalar_string))
        .unwrap_or_default();
    let sender = entry.get("sender");
    let role = sender
        .and_then(|s| s.get("role"))
        .and_then(Value::as_str)
        .map(Role::parse)
        .unwrap_or(Role::Other);
    let sender_name = entry
        .get("senderDisplayName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let timestamp = entry
        .get("transcriptedTimestamp")
        .and_then(Value::as_u64)
        .filter(|t| *t > 0)
        .or_else(|| entry.get("clientTimestamp").and_then(Value::as_u64));
    let conversation_id =
        conversation_id.or_else(|| payload.get("conversationId").and_then(scalar_string));
    let kind = match event {
        "CONVERSATION_MESSAGE" => match parse_message::<J>(&payload, &identifier) {
            Ok(k) => k,
            Err(reason) => return skip(event, reason),
        },
        "CONVERSATION_PARTICIPANT_CHANGED" => {
            let Some(list) = payload.get("entries").and_then(Value::as_array) else {
                return skip(event, "ParticipantChanged without entries");
            };
            let changes: Vec<ParticipantChange> = list
                .iter()
                .filter_map(|e| {
                    let joined = match e.get("operation").and_then(Value::as_str)? {
                        "add" => true,
                        "remove" => false,
                        _ => return None,
                    };
                    let prole = e
                        .get("participant")
                        .and_then(|p| p.get("role"))
                        .and_then(Value::as_str);
                    let display_name = e
                        .get("displayName")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .or(prole)
                        .unwrap_or("")
                        .to_string();
                    Some(ParticipantChange {
                        joined,
                        display_name,
                        role: prole.map(Role::parse).unwrap_or(Role::Other),
                    })
                })
                .collect();
            if changes.is_empty() {
                return skip(event, "ParticipantChanged without usable entries");
            }
            EntryKind::ParticipantChanged(changes)
        }
        "CONVERSATION_ROUTING_RESULT" => {
            let failure = payload
                .get("failureType")
                .and_then(Value::as_str)
                .filter(|f| *f != "None")
                .map(str::to_string);
            EntryKind::RoutingResult(RoutingResult {
                transfer: payload.get("routingType").and_then(Value::as_str) == Some("Transfer"),
                failure,
                failure_reason: payload
                    .get("failureReason")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                estimated_wait_secs: payload
                    .get("estimatedWaitTime")
                    .and_then(|w| w.get("estimatedWaitTimeInSeconds"))
                    .and_then(Value::as_u64),
            })
        }
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT" | "CONVERSATION_READ_ACKNOWLEDGEMENT" => {
            let acked = entry
                .get("relatedRecords")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(scalar_string)
                .or_else(|| {
                    payload
                        .get("acknowledgedConversationEntryIdentifier")
                        .and_then(scalar_string)
                });
            let Some(message_id) = acked else {
                return skip(event, "acknowledgement without relatedRecords[0]");
            };
            let ts = payload
                .get("acknowledgementTimestamp")
                .and_then(Value::as_u64);
            if event == "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT" {
                EntryKind::Delivered {
                    message_id,
                    timestamp: ts,
                }
            } else {
                EntryKind::Read {
                    message_id,
                    timestamp: ts,
                }
            }
        }
        "CONVERSATION_TYPING_STARTED_INDICATOR" => EntryKind::TypingStarted,
        "CONVERSATION_TYPING_STOPPED_INDICATOR" => EntryKind::TypingStopped,
        "CONVERSATION_CLOSE_CONVERSATION" => EntryKind::Closed,
        "CONVERSATION_SESSION_STATUS_CHANGED" => {
            // The payload's shape is unconfirmed: the status may be in the entry payload, at
            // the top level of the event, or on the entry itself, under any of these names.
            let keys = ["changedStatus", "sessionStatus", "status"];
            let status = [Some(&payload), top, Some(entry)]
                .into_iter()
                .flatten()
                .flat_map(|v| keys.iter().filter_map(move |k| v.get(k)))
                .find_map(Value::as_str)
                .unwrap_or("");
            EntryKind::SessionStatus(status.to_string())
        }
        _ => return skip(event, "unsupported entry type"),
    };
    Parsed::Entry(Entry {
        conversation_id,
        identifier,
        role,
        sender_name,
        timestamp,
        kind,
    })
}

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn parse_message<J: Json>(payload: &Value, identifier: &str) -> Result<EntryKind, String> {
    let msg = payload
        .get("abstractMessage")
        .filter(|m| m.as_object().is_some())
        .ok_or("Message without abstractMessage")?;
    let message_id = msg
        .get("id")
        .and_then(scalar_string)
        .unwrap_or_else(|| identifier.to_string());
    let in_reply_to = str_of(msg.get("inReplyToMessageId"));
    let content = match msg.get("messageType").and_then(Value::as_str) {
        Some("StaticContentMessage") => {
            let sc = msg
                .get("staticContent")
                .ok_or("StaticContentMessage without staticContent")?;
            match sc.get("formatType").and_then(Value::as_str) {
                Some("Text") => {
                    MessageContent::Text(str_of(sc.get("text")).ok_or("Text message without text")?)
                }
                Some("Attachments") => {
                    let files = sc
                        .get("attachments")
                        .and_then(Value::as_array)
                        .map(|l| l.iter().filter_map(parse_attachment).collect::<Vec<_>>())
                        .unwrap_or_default();
                    let text = str_of(sc.get("text")).filter(|t| !t.is_empty());
                    if files.is_empty() && text.is_none() {
                        return Err("Attachments message without attachments".into());
                    }
                    MessageContent::Attachments { text, files }
                }
                Some(other) => return Err(format!("unsupported formatType {other}")),
                None => return Err("staticContent without formatType".into()),
            }
        }
        Some("ChoicesMessage") => {
            let ch = msg.get("choices").ok_or("ChoicesMessage without choices")?;
            let format = match ch.get("formatType").and_then(Value::as_str) {
                Some("Buttons") => ChoicesFormat::Buttons,
                Some("QuickReplies") => ChoicesFormat::QuickReplies,
                Some("Carousel") => ChoicesFormat::Carousel,
                other => {
                    return Err(format!(
                        "unsupported choices formatType \"{}\"",
                        other.unwrap_or("(none)")
                    ))
                }
            };
            let options: Vec<ChoiceOption> = ch
                .get("optionItems")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|o| {
                            let identifier = o
                                .get("optionIdentifier")
                                .and_then(scalar_string)
                                .or_else(|| o.get("optionId").and_then(scalar_string))?;
                            let title = o
                                .get("titleItem")
                                .and_then(|t| t.get("title"))
                                .or_else(|| o.get("title"))
                                .and_then(Value::as_str)
                                .unwrap_or(&identifier)
                                .to_string();
                            Some(ChoiceOption { identifier, title })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if options.is_empty() {
                return Err("ChoicesMessage without options".into());
            }
            MessageContent::Choices {
                format,
                text: str_of(ch.get("text")).unwrap_or_default(),
                options,
            }
        }
        Some("ChoicesResponseMessage") => {
            let selected = msg
                .get("choicesResponse")
                .and_then(|c| c.get("selectedOptions"))
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(|o| {
                            o.get("title")
                                .or_else(|| o.get("optionIdentifier"))
                                .and_then(scalar_string)
                        })
                        .collect()
                })
                .unwrap_or_default();
            MessageContent::ChoicesResponse { selected }
        }
        Some(other) => return Err(format!("unsupported messageType {other}")),
        None => return Err("abstractMessage without messageType".into()),
    };
    Ok(EntryKind::Message {
        message_id,
        in_reply_to,
        content,
    })
}

fn parse_attachment(a: &Value) -> Option<Attachment> {
    a.as_object()?;
    let name = str_of(a.get("name"))
        .or_else(|| str_of(a.get("fileName")))
        .unwrap_or_else(|| "attachment".to_string());
    Some(Attachment {
        id: a.get("id").and_then(scalar_string),
        name,
        size: a
            .get("contentLength")
            .or_else(|| a.get("size"))
            .and_then(Value::as_u64),
        mime_type: str_of(a.get("mimeType")),
        url: str_of(a.get("url")).or_else(|| str_of(a.get("assetUrl"))),
    })
}
