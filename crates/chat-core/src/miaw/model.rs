//! Typed serde models of the MIAW wire format (`shared/spec/miaw.md`), and of the state a
//! session saves across a page reload ([`MiawSaved`]).
//!
//! **Requests** (what we send) derive `Serialize`; [`super::wire`] builds each body with
//! `J::encode(&model)`. Optional members are left out when unset (never written as `null`),
//! and the members are declared in the order the bodies have always had. They derive
//! `Deserialize` too, plainly (for tests: nothing decodes them in the widget).
//!
//! **Responses and events** (what Salesforce sends) derive `Deserialize` and are *tolerant*:
//! every member is optional and read with a [`crate::loose`] helper, so an object always
//! decodes, a member of the wrong type reads as absent, an item of a list that is not an
//! object is skipped, and unknown members are ignored. What is required is checked after
//! decoding, in [`super::wire`], which turns a missing piece into a `Parsed::Skip` with a
//! reason (never an error of the session). They derive `Serialize` too, for round-trip tests
//! (unused code is dropped from the wasm).
//!
//! - Ids and timestamps-as-text read a number as its text (`loose::string`); names, types and
//!   texts must be strings (`loose::text`); counts and timestamps are whole numbers
//!   (`loose::u64`: `3`, `3.0` or `"3"`).
//! - A few members are *tri-state* ([`Tri<T>`], `Option<Option<T>>`): absent (`None`), present but not an
//!   object or not a list (`Some(None)`), or usable (`Some(Some(..))`), where the protocol
//!   core tells the two failures apart (e.g. `conversationEntry` missing from a
//!   `CONVERSATION_CLOSE_CONVERSATION` event is fine; `"conversationEntry": 42` is not).
//! - `entryPayload` is JSON *text* in SSE events and an object in list-entries answers
//!   ([`RawPayload`]): the text is decoded again by the caller, with its codec.
//! - Lists whose skipped items matter keep them as `None` ([`Items<T>`], `Vec<Option<T>>`).
//!
//! No `untagged`, internally tagged or `flatten`ed serde types here (they buffer through
//! serde's `Content`, about 11 KB of wasm): wide structs hold the members of every entry type,
//! and the Rust code dispatches on the event name or `entryType`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::loose::{self, Item};
use crate::Pairs;

// ---------------------------------------------------------------------------------------------
// Tolerant building blocks (beyond `crate::loose`)

/// A tri-state member: absent (`None`), present but unusable (`Some(None)`: not an object, not a
/// list), or usable.
pub type Tri<T> = Option<Option<T>>;

/// The items of a list, those that are not objects kept as `None`.
pub type Items<T> = Vec<Option<T>>;

use crate::loose::otherwise;

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A list of tolerant objects, its items that are not objects kept as `None`; `None` when the
/// value is not a list.
fn array<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Items<T>>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Option<Items<T>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Item<T>>()? {
                items.push(item.0);
            }
            Ok(Some(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map).map(|()| None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        otherwise!(None);
    }
    d.deserialize_any(V(PhantomData))
}

/// [`array`] for a member whose absence differs from a wrong type (tri-state).
fn present_array<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Tri<Items<T>>, D::Error> {
    array(d).map(Some)
}

/// A tolerant nested object whose absence differs from a wrong type (tri-state).
fn present_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Tri<T>, D::Error> {
    loose::object(d).map(Some)
}

/// A list of strings (a number reads as its text); other items are dropped, and anything but a
/// list reads as empty.
fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct S(Option<String>);
    impl<'de> Deserialize<'de> for S {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            loose::string(d).map(S)
        }
    }
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(S(s)) = seq.next_element::<S>()? {
                out.extend(s);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map).map(|()| Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        otherwise!(Vec::new());
    }
    d.deserialize_any(V)
}

/// `true` only for `true`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(loose::bool(d)? == Some(true))
}

fn is_false(b: &bool) -> bool {
    !*b
}

// ---------------------------------------------------------------------------------------------
// Requests (§4)

/// §4.1 / §4.2 access-token body. `authorizationType` and `customerIdentityToken` only for a
/// verified user (§4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub org_id: String,
    pub es_developer_name: String,
    /// `"1"`.
    pub capabilities_version: String,
    /// `"Web"`.
    pub platform: String,
    /// `"JWT"` (verified user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_identity_token: Option<String>,
}

/// §4.5 create conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConversationRequest {
    /// Always written (`{}` when there are none).
    #[serde(default)]
    pub routing_attributes: Pairs,
    pub es_developer_name: String,
    pub conversation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// §4.6 send message. `routingAttributes` and `isNewMessagingSession: true` only to start a new
/// messaging session (the answer to a 417).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    pub message: OutgoingMessage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_attributes: Option<Pairs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_new_messaging_session: Option<bool>,
    pub es_developer_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The `message` of §4.6: a text (`StaticContentMessage` + `staticContent`) or the choice of an
/// option (`ChoicesResponseMessage` + `inReplyToMessageId` + `choicesResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMessage {
    /// The client message id (a lowercase UUID; the echo's entry `identifier`).
    pub id: String,
    pub message_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to_message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub static_content: Option<OutgoingText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices_response: Option<OutgoingChoices>,
}

/// `{"formatType": "Text", "text"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingText {
    pub format_type: String,
    pub text: String,
}

/// `{"formatType": "Selections", "selectedOptions": [{"optionIdentifier"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingChoices {
    pub format_type: String,
    pub selected_options: Vec<OutgoingOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingOption {
    pub option_identifier: String,
}

/// §4.9 the `messageEntry` JSON part of a file upload. `language` is not sent (unconfirmed for
/// this endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMessageEntry {
    pub es_developer_name: String,
    pub is_new_messaging_session: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing_attributes: Option<Pairs>,
    pub message: FileMessage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMessage {
    pub id: String,
    pub file_id: String,
    /// The caption; left out when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// In the spec's example; the widget does not send it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to_message_id: Option<String>,
}

/// §4.7 send entry: `{"entryType": "TypingStartedIndicator" | "TypingStoppedIndicator", "id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryRequest {
    pub entry_type: String,
    pub id: String,
}

/// §4.8 acknowledge entries (unconfirmed): `{"acks": [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcknowledgeEntriesRequest {
    pub acks: Vec<Ack>,
}

/// One acknowledgement: `entryType` is `Delivery` or `Read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    pub id: String,
    pub entry_type: String,
    pub conversation_entry_id: String,
}

// ---------------------------------------------------------------------------------------------
// Responses (§3.3, §4)

/// §4.1–4.3 access-token answer (`accessToken` is required by the caller).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AccessTokenResponse {
    #[serde(deserialize_with = "loose::text")]
    pub access_token: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub last_event_id: Option<String>,
    #[serde(deserialize_with = "loose::object")]
    pub context: Option<TokenContext>,
}

/// The access-token answer's `context`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenContext {
    #[serde(deserialize_with = "loose::string")]
    pub device_id: Option<String>,
    #[serde(deserialize_with = "loose::object")]
    pub configuration: Option<TokenConfiguration>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenConfiguration {
    #[serde(deserialize_with = "loose::object")]
    pub embedded_service_config: Option<EmbeddedServiceConfig>,
}

/// §3.3 an error body: `message` (or `text`, as the configuration endpoint's 412 has it, or a
/// Spring-style `error`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(deserialize_with = "loose::text")]
    pub message: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub error: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub status: Option<u64>,
}

/// §4.11 list conversation entries (newest first). `None`: the member is missing or not a
/// list; entries that are not objects are kept as `None` (logged as skipped).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EntriesResponse {
    #[serde(deserialize_with = "array")]
    pub conversation_entries: Option<Items<ConversationEntry>>,
}

/// §4.15 the embedded-service configuration (pre-chat form). In the access-token answer it is
/// `context.configuration.embeddedServiceConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EmbeddedServiceConfig {
    #[serde(deserialize_with = "loose::text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub deployment_type: Option<String>,
    /// Tri-state: `Some(None)` when present but not a list.
    #[serde(
        deserialize_with = "present_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub forms: Tri<Items<Form>>,
    #[serde(deserialize_with = "loose::object")]
    pub choice_list_config: Option<ChoiceListConfig>,
}

/// A document that holds an embedded-service configuration: the configuration itself (the
/// configuration endpoint), or one wrapping it in `embeddedServiceConfig`, or an access-token
/// answer (`context.configuration.embeddedServiceConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigDocument {
    #[serde(
        deserialize_with = "present_array",
        skip_serializing_if = "Option::is_none"
    )]
    pub forms: Tri<Items<Form>>,
    #[serde(deserialize_with = "loose::object")]
    pub choice_list_config: Option<ChoiceListConfig>,
    #[serde(deserialize_with = "loose::object")]
    pub embedded_service_config: Option<EmbeddedServiceConfig>,
    #[serde(deserialize_with = "loose::object")]
    pub context: Option<TokenContext>,
}

/// One pre-chat form (`displayContext`: `Conversation` or `Session`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Form {
    #[serde(deserialize_with = "loose::text")]
    pub display_context: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub form_fields: Vec<FormField>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FormField {
    #[serde(deserialize_with = "loose::text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub label: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub order: Option<u64>,
    #[serde(deserialize_with = "loose::bool")]
    pub is_hidden: Option<bool>,
    #[serde(deserialize_with = "loose::bool")]
    pub required: Option<bool>,
    /// `Text`, `Email`, `Number`, `Phone`, `Checkbox` or `ChoiceList`.
    #[serde(rename = "type", deserialize_with = "loose::text")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub max_length: Option<u64>,
    #[serde(deserialize_with = "loose::text")]
    pub choice_list_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChoiceListConfig {
    #[serde(deserialize_with = "loose::list")]
    pub choice_list: Vec<ChoiceList>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChoiceList {
    #[serde(deserialize_with = "loose::text")]
    pub choice_list_id: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub choice_list_values: Vec<ChoiceListValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChoiceListValue {
    #[serde(deserialize_with = "loose::string")]
    pub choice_list_value_id: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub choice_list_value_name: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub label: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// SSE events (§5)

/// §5.4 the `data` of every SSE event. `conversationEntry` is tri-state: a
/// `CONVERSATION_CLOSE_CONVERSATION` may come without one. The status members are read for
/// `CONVERSATION_SESSION_STATUS_CHANGED`, whose payload is unconfirmed (see
/// [`EventData::status_text`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EventData {
    #[serde(deserialize_with = "loose::string")]
    pub channel_platform_key: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub channel_type: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub channel_address_identifier: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub conversation_id: Option<String>,
    #[serde(
        deserialize_with = "present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub conversation_entry: Tri<ConversationEntry>,
    #[serde(deserialize_with = "loose::text")]
    pub changed_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub session_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub status: Option<String>,
}

/// §5.4 `conversationEntry` (also an item of §4.11's `conversationEntries`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConversationEntry {
    #[serde(deserialize_with = "loose::string")]
    pub identifier: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub entry_type: Option<String>,
    #[serde(deserialize_with = "raw_payload")]
    pub entry_payload: Option<RawPayload>,
    #[serde(deserialize_with = "loose::object")]
    pub sender: Option<Participant>,
    #[serde(deserialize_with = "loose::text")]
    pub sender_display_name: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub client_timestamp: Option<u64>,
    #[serde(deserialize_with = "loose::u64")]
    pub transcripted_timestamp: Option<u64>,
    /// For acknowledgements, `[0]` is the acknowledged message.
    #[serde(deserialize_with = "strings")]
    pub related_records: Vec<String>,
    #[serde(deserialize_with = "loose::text")]
    pub changed_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub session_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub status: Option<String>,
}

/// `sender` of an entry, `participant` of a participant change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Participant {
    /// `EndUser`, `Agent`, `Chatbot`, `System`, `Router` or `Supervisor`.
    #[serde(deserialize_with = "loose::text")]
    pub role: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub app_type: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub client_identifier: Option<String>,
}

/// `entryPayload` as it arrives: JSON text (SSE, to be decoded again) or an object
/// (list-entries); `Invalid` for anything else but `null`, which is absent.
#[derive(Debug, Clone, PartialEq)]
pub enum RawPayload {
    Text(String),
    Object(Box<EntryPayload>),
    Invalid,
}

/// `entryPayload`'s JSON text, decoded (by [`raw_payload`], the same path as the object form).
#[derive(Debug, Default)]
pub struct PayloadText(pub Option<RawPayload>);

impl<'de> Deserialize<'de> for PayloadText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        raw_payload(d).map(PayloadText)
    }
}

/// Reads `entryPayload` without buffering: a string is kept as text, an object decoded in place.
fn raw_payload<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawPayload>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<RawPayload>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or an object")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Text(v.to_string())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Text(v)))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            let p = EntryPayload::deserialize(MapAccessDeserializer::new(map))?;
            Ok(Some(RawPayload::Object(Box::new(p))))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq).map(|()| Some(RawPayload::Invalid))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Invalid))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Invalid))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Invalid))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Some(RawPayload::Invalid))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V)
}

/// Written back as it came (`Invalid` as `false`, which reads as `Invalid` again).
impl Serialize for RawPayload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RawPayload::Text(t) => s.serialize_str(t),
            RawPayload::Object(p) => p.serialize(s),
            RawPayload::Invalid => s.serialize_bool(false),
        }
    }
}

/// §5.5 `entryPayload`, one wide struct for every entry type (the members of the others are
/// absent): `Message` (`abstractMessage`), `ParticipantChanged` (`entries`), `RoutingResult`,
/// `DeliveryAcknowledgement` / `ReadAcknowledgement`, typing indicators (nothing but `id`),
/// `SessionStatusChanged` (status, unconfirmed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EntryPayload {
    #[serde(deserialize_with = "loose::text")]
    pub entry_type: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub conversation_id: Option<String>,
    // Message
    #[serde(deserialize_with = "loose::object")]
    pub abstract_message: Option<AbstractMessage>,
    #[serde(deserialize_with = "loose::text")]
    pub message_reason: Option<String>,
    // ParticipantChanged: `None` when missing or not a list.
    #[serde(deserialize_with = "array")]
    pub entries: Option<Items<ParticipantEntry>>,
    // RoutingResult
    /// `Initial` or `Transfer`.
    #[serde(deserialize_with = "loose::text")]
    pub routing_type: Option<String>,
    /// `None`, `Unknown`, `SubmissionError` or `RoutingError`.
    #[serde(deserialize_with = "loose::text")]
    pub failure_type: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub failure_reason: Option<String>,
    #[serde(deserialize_with = "loose::object")]
    pub estimated_wait_time: Option<EstimatedWaitTime>,
    // Acknowledgements
    #[serde(deserialize_with = "loose::string")]
    pub acknowledged_conversation_entry_identifier: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub acknowledgement_timestamp: Option<u64>,
    // SessionStatusChanged (unconfirmed: any of these)
    #[serde(deserialize_with = "loose::text")]
    pub changed_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub session_status: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub status: Option<String>,
}

/// The first of `changedStatus`, `sessionStatus` and `status` that is a string.
fn status_of<'a>(
    changed: &'a Option<String>,
    session: &'a Option<String>,
    status: &'a Option<String>,
) -> Option<&'a str> {
    changed
        .as_deref()
        .or(session.as_deref())
        .or(status.as_deref())
}

impl EventData {
    /// A session status at the top level of the event (unconfirmed place).
    pub fn status_text(&self) -> Option<&str> {
        status_of(&self.changed_status, &self.session_status, &self.status)
    }
}

impl ConversationEntry {
    /// A session status on the entry itself (unconfirmed place).
    pub fn status_text(&self) -> Option<&str> {
        status_of(&self.changed_status, &self.session_status, &self.status)
    }
}

impl EntryPayload {
    /// A session status in the entry payload.
    pub fn status_text(&self) -> Option<&str> {
        status_of(&self.changed_status, &self.session_status, &self.status)
    }
}

/// §5.5.1 / §6 `abstractMessage`. `staticContent` and `choices` are tri-state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AbstractMessage {
    /// `StaticContentMessage`, `ChoicesMessage`, `ChoicesResponseMessage`, ...
    #[serde(deserialize_with = "loose::text")]
    pub message_type: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub in_reply_to_message_id: Option<String>,
    #[serde(
        deserialize_with = "present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub static_content: Tri<StaticContent>,
    #[serde(
        deserialize_with = "present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub choices: Tri<Choices>,
    #[serde(deserialize_with = "loose::object")]
    pub choices_response: Option<ChoicesResponse>,
}

/// `staticContent`: `Text` (`text`) or `Attachments` (`attachments`, optional `text`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StaticContent {
    #[serde(deserialize_with = "loose::text")]
    pub format_type: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub attachments: Vec<WireAttachment>,
}

/// An attachment of an `Attachments` message (members beyond `id`, `mimeType` and
/// `url`/`assetUrl` unconfirmed: `name`/`fileName`, `contentLength`/`size` are all read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WireAttachment {
    #[serde(deserialize_with = "loose::string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub file_name: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub content_length: Option<u64>,
    #[serde(deserialize_with = "loose::u64")]
    pub size: Option<u64>,
    #[serde(deserialize_with = "loose::text")]
    pub mime_type: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub url: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub asset_url: Option<String>,
}

/// `choices` of a `ChoicesMessage` (`Buttons`, `QuickReplies`, `Carousel`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Choices {
    #[serde(deserialize_with = "loose::text")]
    pub format_type: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub text: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub option_items: Vec<OptionItem>,
}

/// One option: sent back by `optionIdentifier` (or `optionId`), shown by `titleItem.title`
/// (or `title`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OptionItem {
    #[serde(deserialize_with = "loose::text")]
    pub item_type: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub option_identifier: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub option_id: Option<String>,
    #[serde(deserialize_with = "loose::object")]
    pub title_item: Option<TitleItem>,
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TitleItem {
    #[serde(deserialize_with = "loose::text")]
    pub title: Option<String>,
}

/// `choicesResponse` of a `ChoicesResponseMessage` (the echo of the visitor's choice).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChoicesResponse {
    #[serde(deserialize_with = "loose::text")]
    pub format_type: Option<String>,
    #[serde(deserialize_with = "loose::list")]
    pub selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SelectedOption {
    #[serde(deserialize_with = "loose::string")]
    pub option_identifier: Option<String>,
    #[serde(deserialize_with = "loose::string")]
    pub title: Option<String>,
}

/// §5.5.2 one participant change: `operation` is `add` or `remove`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ParticipantEntry {
    #[serde(deserialize_with = "loose::text")]
    pub operation: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub display_name: Option<String>,
    #[serde(deserialize_with = "loose::object")]
    pub participant: Option<Participant>,
}

/// §5.5.3 `estimatedWaitTime`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EstimatedWaitTime {
    #[serde(deserialize_with = "loose::u64")]
    pub estimated_wait_time_in_seconds: Option<u64>,
    #[serde(rename = "isEWTRequested", deserialize_with = "loose::bool")]
    pub is_ewt_requested: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Saved state

/// What [`super::MiawSession::persist`] saves across a page reload (in `sessionStorage`, as
/// JSON) and [`super::MiawSession::restore`] reads back.
///
/// The JSON is the one the widget has written since its first release (version 1): member
/// names, shapes and order are kept, and reading is tolerant like the wire models (a state
/// written by another version, or edited, never fails to decode: what is unusable reads as
/// absent). `token` and `conversationId` are required by `restore`; `lastEventId` is written
/// as `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MiawSaved {
    #[serde(deserialize_with = "loose::text")]
    pub token: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub conversation_id: Option<String>,
    #[serde(deserialize_with = "loose::text")]
    pub last_event_id: Option<String>,
    /// The routing attributes (for a new messaging session after a 417).
    #[serde(deserialize_with = "crate::loose::pairs")]
    pub routing: Pairs,
    /// The visitor's messages not yet confirmed, in order.
    #[serde(deserialize_with = "loose::list")]
    pub outbox: Vec<SavedMessage>,
    /// Only with receipts on (`MiawConfig::send_receipts`).
    #[serde(
        deserialize_with = "loose::object",
        skip_serializing_if = "Option::is_none"
    )]
    pub receipts: Option<SavedReceipts>,
}

/// An outbox entry: a text (`text`), a choice (`inReplyTo`, `option`, and its title as
/// `text`), or a file upload's metadata (`fileId`, `file`, `caption`, `failed`; the file itself
/// cannot be saved).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SavedMessage {
    /// The client message id (required).
    #[serde(deserialize_with = "loose::text")]
    pub id: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_reply_to: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub option: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub text: Option<String>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub file_id: Option<String>,
    /// Tri-state: present (whatever its value) marks an upload.
    #[serde(
        deserialize_with = "present_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub file: Tri<SavedFile>,
    #[serde(
        deserialize_with = "loose::text",
        skip_serializing_if = "Option::is_none"
    )]
    pub caption: Option<String>,
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub failed: bool,
    #[serde(deserialize_with = "flag", skip_serializing_if = "is_false")]
    pub new_session: bool,
}

/// An upload's file: `size` and `mimeType` are written as `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SavedFile {
    #[serde(deserialize_with = "loose::text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "loose::u64")]
    pub size: Option<u64>,
    #[serde(deserialize_with = "loose::text")]
    pub mime_type: Option<String>,
}

/// The entry ids of the latest agent messages, read-acknowledged or not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedReceipts {
    #[serde(deserialize_with = "strings")]
    pub read: Vec<String>,
    #[serde(deserialize_with = "strings")]
    pub unread: Vec<String>,
}
