//! Emulator configuration. Every value that the spec marks "unconfirmed" is a field here.

use std::time::Duration;

/// Default org id (15 chars, `00D` prefix). The widget's demo configuration uses it.
pub const DEFAULT_ORG_ID: &str = "00D5e000000AbCd";
/// Default MIAW Embedded Service deployment API name.
pub const DEFAULT_ES_DEVELOPER_NAME: &str = "Web_Custom_Client";
/// Default Live Agent (legacy chat) deployment id (`572` prefix).
pub const DEFAULT_DEPLOYMENT_ID: &str = "5725e000000AbCd";
/// Default Live Agent chat button id (`573` prefix).
pub const DEFAULT_BUTTON_ID: &str = "5735e000000AbCd";
/// Default Messaging Channel id reported as `channelAddressIdentifier`.
pub const DEFAULT_CHANNEL_ADDRESS_ID: &str = "0Mj5e000000AbCd";
/// Default HS256 secret for verifying customer identity tokens (verified users).
pub const DEFAULT_USER_VERIFICATION_SECRET: &str = "sf-emulator-user-verification-secret";

/// An agent known to the emulator at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// Salesforce user id (`005` prefix, 15 chars).
    pub id: String,
    /// Display name shown to the visitor.
    pub name: String,
    /// Whether the agent is online (available) at start-up.
    pub available: bool,
}

/// Rate limits (0 disables a limit). Defaults are the documented Salesforce values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Access-token requests (unauthenticated + authenticated + continuation) per minute per org.
    pub access_tokens_per_minute: u32,
    /// Conversations created per client (access token) per 30 seconds ("3 per page per 30 s").
    pub conversations_per_30s: u32,
    /// End-user messages (message + file) per conversation per minute.
    pub messages_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            access_tokens_per_minute: 200,
            conversations_per_30s: 3,
            messages_per_minute: 22,
        }
    }
}

/// Live Agent `chasitorIdleTimeout` reported in ChatEstablished / ChatTransferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleTimeoutConfig {
    pub enabled: bool,
    /// Seconds of visitor silence before the warning (reported as `warningTime`).
    pub warning_time: u32,
    /// Seconds of visitor silence before the chat ends (reported as `timeout`).
    pub timeout: u32,
}

impl Default for IdleTimeoutConfig {
    fn default() -> Self {
        IdleTimeoutConfig {
            enabled: false,
            warning_time: 60,
            timeout: 120,
        }
    }
}

/// MIAW: how an ended messaging session is signalled on SSE (spec §4.17, §5.3, §11.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionStatusSignal {
    /// `CONVERSATION_SESSION_STATUS_CHANGED`, payload
    /// `{entryType: "SessionStatusChanged", id, changedStatus: "Ended", sessionStatus: "Ended"}`.
    #[default]
    Entry,
    /// Same event name; payload `{entryType, id}` only; `"sessionStatus": "CLOSED"` at the top
    /// level of the event's data JSON, beside `conversationEntry`.
    Top,
    /// Event name `CONVERSATION_ENTRY` (unknown to clients); entry type `SessionStatusChanged`,
    /// payload `{entryType, id, status: "inactive"}`.
    EntryType,
    /// No session-status event at all (only the agent's ParticipantChanged `remove`).
    Absent,
}

/// MIAW: format of SSE `id:` values and of `lastEventId` (spec §5.2, §11.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventIdFormat {
    /// Per-subject decimal counters: `"0"`, `"1"`, ...
    #[default]
    Numeric,
    /// Opaque `"<epoch-ms>:<counter>"`, e.g. `1699999999999:42`.
    Ts,
}

/// MIAW: what a `Last-Event-Id` reconnect replays (spec §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplayMode {
    /// Every retained event after the given id.
    #[default]
    Full,
    /// The header is ignored: live events only.
    None,
    /// Only the last N of the events that should be replayed (the older ones are missing).
    Last(u32),
}

/// MIAW: body of error responses (spec §3.3, §11.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorBody {
    /// Spring-style `{timestamp, status, error, message, path?}`.
    #[default]
    Status,
    /// `{"message": "..."}` only.
    MessageOnly,
    /// No body at all: the status code only.
    Empty,
}

/// MIAW: what "the agent ends the chat" does (spec §4.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndMode {
    /// The messaging session ends, the conversation stays open (next send → 417).
    #[default]
    Session,
    /// Session-Based Chat: the conversation is closed too (`CONVERSATION_CLOSE_CONVERSATION`;
    /// next send → 400 `Conversation is closed`).
    Conversation,
}

/// One switch per point the spec marks "unconfirmed", chosen per run. `Default` is the
/// emulator's historical behaviour. CLI: `--variant KEY=VALUE` (see [`Variants::set`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Variants {
    /// `session-status=entry|top|entry-type|absent`.
    pub session_status: SessionStatusSignal,
    /// `event-id=numeric|ts`.
    pub event_id: EventIdFormat,
    /// `replay=full|none|last:N`.
    pub replay: ReplayMode,
    /// `error-body=status|message-only|empty`.
    pub error_body: ErrorBody,
    /// `end-mode=session|conversation`.
    pub end_mode: EndMode,
}

impl Variants {
    /// The keys and their values, as spelled on the command line.
    pub const CHOICES: [(&'static str, &'static str); 5] = [
        ("session-status", "entry|top|entry-type|absent"),
        ("event-id", "numeric|ts"),
        ("replay", "full|none|last:N"),
        ("error-body", "status|message-only|empty"),
        ("end-mode", "session|conversation"),
    ];

    /// Set one variant from its CLI spelling (`key`, `value`). The error names the choices.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let bad = |choices: &str| {
            Err(format!(
                "unknown value {value:?} for variant {key}; choose one of {choices}"
            ))
        };
        match key {
            "session-status" => {
                self.session_status = match value {
                    "entry" => SessionStatusSignal::Entry,
                    "top" => SessionStatusSignal::Top,
                    "entry-type" => SessionStatusSignal::EntryType,
                    "absent" => SessionStatusSignal::Absent,
                    _ => return bad(Self::CHOICES[0].1),
                }
            }
            "event-id" => {
                self.event_id = match value {
                    "numeric" => EventIdFormat::Numeric,
                    "ts" => EventIdFormat::Ts,
                    _ => return bad(Self::CHOICES[1].1),
                }
            }
            "replay" => {
                self.replay = match value {
                    "full" => ReplayMode::Full,
                    "none" => ReplayMode::None,
                    _ => match value.strip_prefix("last:").map(str::parse::<u32>) {
                        Some(Ok(n)) => ReplayMode::Last(n),
                        _ => return bad("full|none|last:N (N a whole number)"),
                    },
                }
            }
            "error-body" => {
                self.error_body = match value {
                    "status" => ErrorBody::Status,
                    "message-only" => ErrorBody::MessageOnly,
                    "empty" => ErrorBody::Empty,
                    _ => return bad(Self::CHOICES[3].1),
                }
            }
            "end-mode" => {
                self.end_mode = match value {
                    "session" => EndMode::Session,
                    "conversation" => EndMode::Conversation,
                    _ => return bad(Self::CHOICES[4].1),
                }
            }
            _ => {
                let keys: Vec<String> = Self::CHOICES
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                return Err(format!(
                    "unknown variant key {key:?}; keys: {}",
                    keys.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Set one variant from `KEY=VALUE`.
    pub fn set_pair(&mut self, pair: &str) -> Result<(), String> {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=VALUE, got {pair:?}"))?;
        self.set(k.trim(), v.trim())
    }

    /// `(key, value)` pairs in their CLI spellings.
    pub fn pairs(&self) -> [(&'static str, String); 5] {
        let s = |x: &str| x.to_string();
        [
            (
                "session-status",
                s(match self.session_status {
                    SessionStatusSignal::Entry => "entry",
                    SessionStatusSignal::Top => "top",
                    SessionStatusSignal::EntryType => "entry-type",
                    SessionStatusSignal::Absent => "absent",
                }),
            ),
            (
                "event-id",
                s(match self.event_id {
                    EventIdFormat::Numeric => "numeric",
                    EventIdFormat::Ts => "ts",
                }),
            ),
            (
                "replay",
                match self.replay {
                    ReplayMode::Full => s("full"),
                    ReplayMode::None => s("none"),
                    ReplayMode::Last(n) => format!("last:{n}"),
                },
            ),
            (
                "error-body",
                s(match self.error_body {
                    ErrorBody::Status => "status",
                    ErrorBody::MessageOnly => "message-only",
                    ErrorBody::Empty => "empty",
                }),
            ),
            (
                "end-mode",
                s(match self.end_mode {
                    EndMode::Session => "session",
                    EndMode::Conversation => "conversation",
                }),
            ),
        ]
    }

    /// The active variants as a JSON object keyed by CLI spelling (shown in `/control/state`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.pairs()
                .into_iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                .collect(),
        )
    }
}

/// Configuration of one emulator instance. `Default` gives the documented demo values.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Salesforce org id (15 chars). Requests may use the 15- or 18-char form except `X-Org-Id`.
    pub org_id: String,
    /// MIAW Embedded Service deployment API name (`esDeveloperName`).
    pub es_developer_name: String,
    /// Messaging Channel id (`channelAddressIdentifier` in SSE envelopes and config).
    pub channel_address_identifier: String,
    /// Live Agent deployment id (`572...`).
    pub deployment_id: String,
    /// Live Agent chat button ids (`573...`). The first one is the default button.
    pub button_ids: Vec<String>,
    /// Allowed CORS origins. Exact origins (`https://shop.example.com`), `scheme://host:*`
    /// (any port) or `*` (any origin).
    pub allowed_origins: Vec<String>,
    /// Emit CORS headers on `/chat/rest/*` (the real service does not; default off).
    pub live_chat_cors: bool,
    /// How long the server holds a Live Agent `System/Messages` poll before answering 204.
    pub long_poll_timeout: Duration,
    /// `clientPollTimeout` (seconds) reported by `System/SessionId`.
    pub client_poll_timeout_secs: u64,
    /// `connectionTimeout` (ms) reported in ChatRequestSuccess.
    pub connection_timeout_ms: u64,
    /// Require `X-LIVEAGENT-AFFINITY` to equal the session's current affinity token (a
    /// mismatch answers 503, as a request that reached the wrong server would).
    pub strict_affinity: bool,
    /// Status of successful Live Agent POSTs (body `OK`): 200 as observed, or 202 as documented.
    pub live_chat_post_status: u16,
    /// Live Agent idle-timeout settings reported to the visitor.
    pub idle_timeout: IdleTimeoutConfig,
    /// Lifetime of MIAW access tokens (`exp` claim).
    pub token_lifetime: Duration,
    /// Secret used to sign the emulator's own access tokens (HS256).
    pub token_secret: String,
    /// HS256 secret to verify `customerIdentityToken`s (verified users). `None` disables the
    /// authenticated access-token endpoint (it answers 400).
    pub user_verification_secret: Option<String>,
    /// Interval between SSE `ping` events.
    pub sse_ping_interval: Duration,
    /// Echo the end user's own typing indicators on SSE (the sample client ignores echoes).
    pub echo_end_user_typing: bool,
    /// Send `CONVERSATION_DELIVERY_ACKNOWLEDGEMENT` for end-user messages when an agent is present.
    pub auto_delivery_ack: bool,
    /// Send `CONVERSATION_READ_ACKNOWLEDGEMENT` for the end user's messages when an agent replies.
    pub auto_read_ack_on_reply: bool,
    /// Maximum uploaded file size in bytes (413 above).
    pub max_file_bytes: usize,
    /// Accepted MIME types for uploads (415 otherwise). Empty = accept all.
    pub allowed_file_types: Vec<String>,
    /// Whether `/embeddedservice/v1/embedded-service-config` is "published" (412 otherwise).
    pub config_published: bool,
    /// Pre-chat form and choice lists (`forms` / `choiceListConfig`) as JSON.
    pub prechat: serde_json::Value,
    /// Rate limits (429 above).
    pub rate_limits: RateLimits,
    /// Agents present at start-up.
    pub agents: Vec<AgentConfig>,
    /// Initial queue position reported to new chats.
    pub queue_position: u32,
    /// Initial estimated wait time in seconds.
    pub estimated_wait_time_secs: i64,
    /// Accept agents (auto-accept new conversations) — off by default: a person or a test accepts.
    pub auto_accept: bool,
    /// Which shape the emulator uses where the spec is unconfirmed (default: the historical one).
    pub variants: Variants,
    /// A scripted agent run for every new conversation (see `crate::scenario`); `None` = none.
    pub scenario: Option<crate::scenario::Scenario>,
    /// Scenario delays are divided by this (e.g. `100.0` in tests); default `1.0`.
    pub scenario_speed: f64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            org_id: DEFAULT_ORG_ID.to_string(),
            es_developer_name: DEFAULT_ES_DEVELOPER_NAME.to_string(),
            channel_address_identifier: DEFAULT_CHANNEL_ADDRESS_ID.to_string(),
            deployment_id: DEFAULT_DEPLOYMENT_ID.to_string(),
            button_ids: vec![DEFAULT_BUTTON_ID.to_string()],
            allowed_origins: vec![
                "http://localhost:*".to_string(),
                "http://127.0.0.1:*".to_string(),
            ],
            live_chat_cors: false,
            long_poll_timeout: Duration::from_secs(30),
            client_poll_timeout_secs: 40,
            connection_timeout_ms: 150_000,
            strict_affinity: true,
            live_chat_post_status: 200,
            idle_timeout: IdleTimeoutConfig::default(),
            token_lifetime: Duration::from_secs(3600),
            token_secret: "sf-emulator-token-signing-secret".to_string(),
            user_verification_secret: Some(DEFAULT_USER_VERIFICATION_SECRET.to_string()),
            sse_ping_interval: Duration::from_secs(15),
            echo_end_user_typing: true,
            auto_delivery_ack: true,
            auto_read_ack_on_reply: true,
            max_file_bytes: 5 * 1024 * 1024,
            allowed_file_types: [
                "image/png",
                "image/jpeg",
                "image/jpg",
                "image/bmp",
                "image/gif",
                "image/tiff",
                "application/pdf",
                "text/plain",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            config_published: true,
            prechat: default_prechat(),
            rate_limits: RateLimits::default(),
            agents: vec![
                AgentConfig {
                    id: "0055e000001JaNe".to_string(),
                    name: "Jane".to_string(),
                    available: true,
                },
                AgentConfig {
                    id: "0055e000001MaRk".to_string(),
                    name: "Mark".to_string(),
                    available: true,
                },
            ],
            queue_position: 1,
            estimated_wait_time_secs: 45,
            auto_accept: false,
            variants: Variants::default(),
            scenario: None,
            scenario_speed: 1.0,
        }
    }
}

impl EmulatorConfig {
    /// True when `id` names the configured org (15-char form, or 18-char form whose first 15
    /// characters match).
    pub fn org_matches(&self, id: &str) -> bool {
        id == self.org_id || (id.len() == 18 && id.get(..15) == Some(self.org_id.as_str()))
    }

    /// True when `origin` is in the CORS allowlist.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|pat| origin_matches(pat, origin))
    }
}

/// Match an origin against one allowlist pattern (`*`, `scheme://host:*` or exact).
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix(":*") {
        if origin == prefix {
            return true;
        }
        if let Some(port) = origin
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix(':'))
        {
            return !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
        }
        return false;
    }
    pattern.eq_ignore_ascii_case(origin)
}

/// The default pre-chat form: first name (required), e-mail (required), a product choice list
/// and a hidden page URL field.
pub fn default_prechat() -> serde_json::Value {
    serde_json::json!({
        "forms": [{
            "displayContext": "Conversation",
            "formFields": [
                {"name": "_firstName", "order": 1, "isHidden": false, "required": true, "type": "Text", "maxLength": 40},
                {"name": "_email", "order": 2, "isHidden": false, "required": true, "type": "Email", "maxLength": 80},
                {"name": "Product", "order": 3, "isHidden": false, "required": false, "type": "ChoiceList", "choiceListId": "0Kx5e000000AbCd"},
                {"name": "PageUrl", "order": 4, "isHidden": true, "required": false, "type": "Text", "maxLength": 255}
            ]
        }],
        "choiceListConfig": {
            "choiceList": [{
                "choiceListId": "0Kx5e000000AbCd",
                "choiceListValues": [
                    {"choiceListValueId": "0Ky5e000000Ab01", "choiceListValueName": "Laptop"},
                    {"choiceListValueId": "0Ky5e000000Ab02", "choiceListValueName": "Phone"},
                    {"choiceListValueId": "0Ky5e000000Ab03", "choiceListValueName": "Other"}
                ]
            }]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_patterns() {
        assert!(origin_matches(
            "http://localhost:*",
            "http://localhost:8080"
        ));
        assert!(origin_matches("http://localhost:*", "http://localhost"));
        assert!(!origin_matches(
            "http://localhost:*",
            "http://localhost.evil.com"
        ));
        assert!(!origin_matches(
            "http://localhost:*",
            "http://localhost:80x"
        ));
        assert!(origin_matches("https://a.example", "https://a.example"));
        assert!(!origin_matches("https://a.example", "https://b.example"));
        assert!(origin_matches("*", "https://b.example"));
    }

    #[test]
    fn variants_parse_and_print() {
        let mut v = Variants::default();
        assert_eq!(
            v.to_json(),
            serde_json::json!({"session-status": "entry", "event-id": "numeric", "replay": "full", "error-body": "status", "end-mode": "session"})
        );
        v.set_pair("session-status=entry-type").unwrap();
        v.set_pair("replay=last:3").unwrap();
        v.set_pair("event-id=ts").unwrap();
        v.set_pair("error-body=message-only").unwrap();
        v.set_pair("end-mode=conversation").unwrap();
        assert_eq!(v.session_status, SessionStatusSignal::EntryType);
        assert_eq!(v.replay, ReplayMode::Last(3));
        assert_eq!(v.to_json()["replay"], "last:3");
        assert_eq!(v.to_json()["error-body"], "message-only");
        let e = v.set_pair("replay=last:x").unwrap_err();
        assert!(e.contains("full|none|last:N"), "{e}");
        let e = v.set_pair("session-status=maybe").unwrap_err();
        assert!(e.contains("entry|top|entry-type|absent"), "{e}");
        let e = v.set_pair("colour=red").unwrap_err();
        assert!(
            e.contains("session-status") && e.contains("end-mode"),
            "{e}"
        );
        assert!(v.set_pair("replay").is_err());
    }

    #[test]
    fn ids_have_salesforce_shape() {
        let c = EmulatorConfig::default();
        assert_eq!(c.org_id.len(), 15);
        assert!(c.org_id.starts_with("00D"));
        assert!(c.deployment_id.starts_with("572") && c.deployment_id.len() == 15);
        assert!(c.button_ids[0].starts_with("573") && c.button_ids[0].len() == 15);
        assert!(c
            .agents
            .iter()
            .all(|a| a.id.starts_with("005") && a.id.len() == 15));
        assert!(c.org_matches("00D5e000000AbCdEAA"));
        assert!(!c.org_matches("00D5e000000AbCe"));
    }
}
