//! The MIAW wire format (`shared/spec/miaw.md`): request builders returning
//! [`HttpRequest`] values (and one [`UploadRequest`] for files), and parsing of responses and
//! SSE event data into typed entries.
//!
//! Bodies are the serde models of [`super::model`], encoded and decoded with the session's
//! codec (`J`). Decoding is tolerant (see the models): a member of the wrong type reads as
//! absent, and what is required is checked here, after decoding. Parsing never panics and
//! never fails the session: anything unknown or malformed becomes [`Parsed::Skip`] with a
//! reason the browser layer can log. Events are dispatched on their name (or, for a name we do
//! not know and for list-entries items, on the entry's `entryType`); unknown ones are skipped.

use super::model::{
    AbstractMessage, AccessTokenResponse, Ack, AcknowledgeEntriesRequest, ConversationEntry,
    CreateConversationRequest, EntriesResponse, EntryPayload, EntryRequest, ErrorBody, EventData,
    FileMessage, FileMessageEntry, OutgoingChoices, OutgoingMessage, OutgoingOption, OutgoingText,
    PayloadText, RawPayload, SendMessageRequest, TokenRequest, WireAttachment,
};
use crate::codec::Json;
use crate::http::{FileRef, HttpRequest, Method, RequestId, UploadRequest};
use crate::loose::Item;
use crate::Pairs;

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

fn token_body<J: Json>(d: &Deployment, identity_jwt: Option<&str>) -> String {
    J::encode(&TokenRequest {
        org_id: d.org_id.clone(),
        es_developer_name: d.es_developer_name.clone(),
        capabilities_version: "1".into(),
        platform: "Web".into(),
        authorization_type: identity_jwt.map(|_| "JWT".into()),
        customer_identity_token: identity_jwt.map(str::to_string),
    })
}

/// §4.1 guest access token.
pub fn unauthenticated_token<J: Json>(d: &Deployment, id: RequestId) -> HttpRequest {
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/authorization/unauthenticated/access-token")),
        headers: json_headers(),
        body: Some(token_body::<J>(d, None)),
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
        body: Some(token_body::<J>(d, Some(identity_jwt))),
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

/// §4.5 create conversation.
pub fn create_conversation<J: Json>(
    d: &Deployment,
    id: RequestId,
    token: &str,
    conversation_id: &str,
    routing: &Pairs,
) -> HttpRequest {
    let body = CreateConversationRequest {
        routing_attributes: routing.clone(),
        es_developer_name: d.es_developer_name.clone(),
        conversation_id: conversation_id.to_string(),
        language: d.language.clone(),
    };
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/conversation")),
        headers: auth_headers(token),
        body: Some(J::encode(&body)),
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
        OutgoingContent::Text(text) => OutgoingMessage {
            id: message_id.to_string(),
            message_type: "StaticContentMessage".into(),
            in_reply_to_message_id: None,
            static_content: Some(OutgoingText {
                format_type: "Text".into(),
                text: text.clone(),
            }),
            choices_response: None,
        },
        OutgoingContent::Choice {
            in_reply_to,
            option_identifier,
        } => OutgoingMessage {
            id: message_id.to_string(),
            message_type: "ChoicesResponseMessage".into(),
            in_reply_to_message_id: Some(in_reply_to.clone()),
            static_content: None,
            choices_response: Some(OutgoingChoices {
                format_type: "Selections".into(),
                selected_options: vec![OutgoingOption {
                    option_identifier: option_identifier.clone(),
                }],
            }),
        },
    };
    let body = SendMessageRequest {
        message,
        routing_attributes: new_session.cloned(),
        is_new_messaging_session: new_session.map(|_| true),
        es_developer_name: d.es_developer_name.clone(),
        language: d.language.clone(),
    };
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!("{API}/conversation/{conversation_id}/message")),
        headers: auth_headers(token),
        body: Some(J::encode(&body)),
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
    let entry = FileMessageEntry {
        es_developer_name: d.es_developer_name.clone(),
        is_new_messaging_session: new_session.is_some(),
        routing_attributes: new_session.cloned(),
        message: FileMessage {
            id: message_id.to_string(),
            file_id: file_id.to_string(),
            text: caption.filter(|c| !c.trim().is_empty()).map(str::to_string),
            in_reply_to_message_id: None,
        },
    };
    UploadRequest {
        id,
        url: d.url(&format!("{API}/conversation/{conversation_id}/file")),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("X-Org-Id".into(), d.org_id_15().to_string()),
        ],
        json_part: ("messageEntry".into(), J::encode(&entry)),
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
        body: Some(J::encode(&EntryRequest {
            entry_type: kind.into(),
            id: entry_id.to_string(),
        })),
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
    let body = AcknowledgeEntriesRequest {
        acks: acks
            .iter()
            .map(|a| Ack {
                id: a.id.clone(),
                entry_type: if a.read { "Read" } else { "Delivery" }.into(),
                conversation_entry_id: a.entry_id.clone(),
            })
            .collect(),
    };
    HttpRequest {
        id,
        method: Method::Post,
        url: d.url(&format!(
            "{API}/conversation/{conversation_id}/acknowledge-entries"
        )),
        headers: auth_headers(token),
        body: Some(J::encode(&body)),
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

/// Decodes a top-level object; anything else (a list, a string, ...) reads as an empty model.
fn decode_object<J: Json, T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, crate::codec::DecodeError> {
    J::decode_bytes::<Item<T>>(body).map(|i| i.0.unwrap_or_default())
}

pub fn parse_token<J: Json>(body: &[u8]) -> Result<TokenResponse, String> {
    let v: AccessTokenResponse =
        decode_object::<J, _>(body).map_err(|e| format!("token response: {e}"))?;
    let access_token = v
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or("token response without accessToken")?;
    Ok(TokenResponse {
        access_token,
        last_event_id: v.last_event_id,
    })
}

/// The `message` of an error body (§3.3), if any (else its `text`, else its `error`).
pub fn error_message<J: Json>(body: &[u8]) -> Option<String> {
    let v: ErrorBody = decode_object::<J, _>(body).ok()?;
    v.message.or(v.text).or(v.error)
}

/// The entries of a list-entries response (§4.11), oldest first. `entryPayload` may be an
/// object (as the official API returns it) or a string.
pub fn parse_entries<J: Json>(body: &[u8]) -> Result<Vec<Parsed>, String> {
    let v: EntriesResponse =
        decode_object::<J, _>(body).map_err(|e| format!("entries response: {e}"))?;
    let list = v
        .conversation_entries
        .ok_or("entries response without conversationEntries")?;
    let mut out: Vec<Parsed> = list
        .into_iter()
        .map(|e| {
            let event = e.as_ref().map_or("", event_for_entry_type);
            parse_entry::<J>(e, None, event, None)
        })
        .collect();
    out.reverse();
    Ok(out)
}

/// The event an entry type travels in (§5.3): used for list-entries items, and for an event
/// whose name is unknown but whose `conversationEntry` names a known `entryType`.
fn event_for_entry_type(entry: &ConversationEntry) -> &'static str {
    match entry.entry_type.as_deref() {
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
    let mut v: EventData = match decode_object::<J, _>(data.as_bytes()) {
        Ok(v) => v,
        Err(e) if known => return skip(event, format!("data is not JSON: {e}")),
        Err(_) => return skip(event, "unknown event type"),
    };
    // An event name we do not know, carrying an entry type we do: read it as that entry.
    let event = if known {
        event
    } else {
        match &v.conversation_entry {
            Some(Some(entry)) if !event_for_entry_type(entry).is_empty() => {
                event_for_entry_type(entry)
            }
            _ => return skip(event, "unknown event type"),
        }
    };
    let conversation_id = v.conversation_id.take();
    let Some(entry) = v.conversation_entry.take() else {
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

/// One entry (`None`: it is not an object); `top` is the whole event data (a status may sit
/// there, beside the entry).
fn parse_entry<J: Json>(
    entry: Option<ConversationEntry>,
    conversation_id: Option<String>,
    event: &str,
    top: Option<&EventData>,
) -> Parsed {
    let Some(mut entry) = entry else {
        return skip(event, "conversationEntry is not an object");
    };
    let payload = match entry.entry_payload.take() {
        // Decoded through the same path as the object form (one copy of the widest model's
        // decoder in the wasm, not two).
        Some(RawPayload::Text(s)) => match J::decode::<PayloadText>(&s) {
            Ok(PayloadText(Some(RawPayload::Object(p)))) => *p,
            Ok(_) => EntryPayload::default(),
            Err(e) => return skip(event, format!("entryPayload is not JSON: {e}")),
        },
        Some(RawPayload::Object(p)) => *p,
        None => EntryPayload::default(),
        Some(RawPayload::Invalid) => {
            return skip(event, "entryPayload is neither a string nor an object")
        }
    };
    let identifier = entry
        .identifier
        .take()
        .or_else(|| payload.id.clone())
        .unwrap_or_default();
    let role = entry
        .sender
        .as_ref()
        .and_then(|s| s.role.as_deref())
        .map(Role::parse)
        .unwrap_or(Role::Other);
    let sender_name = entry.sender_display_name.take().filter(|s| !s.is_empty());
    let timestamp = entry
        .transcripted_timestamp
        .filter(|t| *t > 0)
        .or(entry.client_timestamp);
    let conversation_id = conversation_id.or_else(|| payload.conversation_id.clone());
    let kind = match event {
        "CONVERSATION_MESSAGE" => match parse_message(payload.abstract_message, &identifier) {
            Ok(k) => k,
            Err(reason) => return skip(event, reason),
        },
        "CONVERSATION_PARTICIPANT_CHANGED" => {
            let Some(list) = payload.entries else {
                return skip(event, "ParticipantChanged without entries");
            };
            let changes: Vec<ParticipantChange> = list
                .into_iter()
                .flatten()
                .filter_map(|e| {
                    let joined = match e.operation.as_deref()? {
                        "add" => true,
                        "remove" => false,
                        _ => return None,
                    };
                    let prole = e.participant.and_then(|p| p.role);
                    let display_name = e
                        .display_name
                        .filter(|s| !s.is_empty())
                        .or_else(|| prole.clone())
                        .unwrap_or_default();
                    Some(ParticipantChange {
                        joined,
                        display_name,
                        role: prole.as_deref().map(Role::parse).unwrap_or(Role::Other),
                    })
                })
                .collect();
            if changes.is_empty() {
                return skip(event, "ParticipantChanged without usable entries");
            }
            EntryKind::ParticipantChanged(changes)
        }
        "CONVERSATION_ROUTING_RESULT" => EntryKind::RoutingResult(RoutingResult {
            transfer: payload.routing_type.as_deref() == Some("Transfer"),
            failure: payload.failure_type.filter(|f| f != "None"),
            failure_reason: payload.failure_reason,
            estimated_wait_secs: payload
                .estimated_wait_time
                .and_then(|w| w.estimated_wait_time_in_seconds),
        }),
        "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT" | "CONVERSATION_READ_ACKNOWLEDGEMENT" => {
            let acked = entry
                .related_records
                .into_iter()
                .next()
                .or(payload.acknowledged_conversation_entry_identifier);
            let Some(message_id) = acked else {
                return skip(event, "acknowledgement without relatedRecords[0]");
            };
            let timestamp = payload.acknowledgement_timestamp;
            if event == "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT" {
                EntryKind::Delivered {
                    message_id,
                    timestamp,
                }
            } else {
                EntryKind::Read {
                    message_id,
                    timestamp,
                }
            }
        }
        "CONVERSATION_TYPING_STARTED_INDICATOR" => EntryKind::TypingStarted,
        "CONVERSATION_TYPING_STOPPED_INDICATOR" => EntryKind::TypingStopped,
        "CONVERSATION_CLOSE_CONVERSATION" => EntryKind::Closed,
        "CONVERSATION_SESSION_STATUS_CHANGED" => {
            // The payload's shape is unconfirmed: the status may be in the entry payload, at
            // the top level of the event, or on the entry itself, under any of three names.
            let status = payload
                .status_text()
                .or_else(|| top.and_then(EventData::status_text))
                .or_else(|| entry.status_text())
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

fn parse_message(msg: Option<AbstractMessage>, identifier: &str) -> Result<EntryKind, String> {
    let msg = msg.ok_or("Message without abstractMessage")?;
    let message_id = msg.id.unwrap_or_else(|| identifier.to_string());
    let in_reply_to = msg.in_reply_to_message_id;
    let content = match msg.message_type.as_deref() {
        Some("StaticContentMessage") => {
            let sc = msg
                .static_content
                .ok_or("StaticContentMessage without staticContent")?
                .unwrap_or_default();
            match sc.format_type.as_deref() {
                Some("Text") => MessageContent::Text(sc.text.ok_or("Text message without text")?),
                Some("Attachments") => {
                    let files: Vec<Attachment> =
                        sc.attachments.into_iter().map(attachment).collect();
                    let text = sc.text.filter(|t| !t.is_empty());
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
            let ch = msg
                .choices
                .ok_or("ChoicesMessage without choices")?
                .unwrap_or_default();
            let format = match ch.format_type.as_deref() {
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
                .option_items
                .into_iter()
                .filter_map(|o| {
                    let identifier = o.option_identifier.or(o.option_id)?;
                    let title = o
                        .title_item
                        .and_then(|t| t.title)
                        .or(o.title)
                        .unwrap_or_else(|| identifier.clone());
                    Some(ChoiceOption { identifier, title })
                })
                .collect();
            if options.is_empty() {
                return Err("ChoicesMessage without options".into());
            }
            MessageContent::Choices {
                format,
                text: ch.text.unwrap_or_default(),
                options,
            }
        }
        Some("ChoicesResponseMessage") => {
            let selected = msg
                .choices_response
                .map(|c| {
                    c.selected_options
                        .into_iter()
                        .filter_map(|o| o.title.or(o.option_identifier))
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

fn attachment(a: WireAttachment) -> Attachment {
    Attachment {
        id: a.id,
        name: a
            .name
            .or(a.file_name)
            .unwrap_or_else(|| "attachment".to_string()),
        size: a.content_length.or(a.size),
        mime_type: a.mime_type,
        url: a.url.or(a.asset_url),
    }
}
