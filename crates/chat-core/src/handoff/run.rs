//! Running an agent session inside [`Chat`]: starting it, routing requests and results, and
//! turning its events into messages (all texts from the catalogue) and host-page events.

use crate::chat::{Chat, ChatEvent};
use crate::codec::Json;
use crate::http::{FileRef, HttpAction, HttpError, HttpResponse, RequestId, StreamError};
use crate::livechat::LiveChatSaved;
use crate::livechat::{
    self, FailReason, HistoryEntry, LiveChatConfig, LiveChatEvent, LiveChatSession, PersistUpdate,
    PrechatDetail,
};
use crate::loose;
use crate::messages::MsgKey;
use crate::miaw::{
    Delivery, Deployment, MessageContent, MiawAction, MiawConfig, MiawEvent, MiawSaved, MiawSession,
};
use crate::transcript::{format_bytes, Author, FileInfo, Millis, QuickReply, Status};
use crate::Pairs;
use serde::{Deserialize, Serialize};

use super::{Channel, HandoffConfig, LiveChatSettings, MiawSettings, PrechatState};

/// A connection drop is shown to the visitor only when it lasts longer than this.
pub const CONNECTION_GRACE_MS: Millis = 3_000;

/// Request ids of session `n` start at `n << ID_SHIFT`.
const ID_SHIFT: u32 = 32;

/// Payloads of the wait-timeout choices (on a system message; never sent anywhere).
const KEEP_WAITING: &str = "\u{1}keep-waiting";
const LEAVE: &str = "\u{1}leave";

#[derive(Debug)]
pub(crate) enum Session<J: Json> {
    Miaw(Box<MiawSession<J>>),
    LiveChat(Box<LiveChatSession<J>>),
}

/// The agent conversation in progress.
#[derive(Debug)]
pub(crate) struct AgentChat<J: Json> {
    pub session: Session<J>,
    pub number: u64,
    pub conversation_id: Option<String>,
    /// Agents in the conversation now.
    pub agents: Vec<String>,
    /// An agent has joined at least once.
    pub joined: bool,
    pub transferring: bool,
    pub typing: Option<String>,
    /// The in-place status line (connecting / queue position / wait estimate).
    pub status_msg: Option<String>,
    /// The in-place connection line (lost / reconnecting / restored).
    pub conn_msg: Option<String>,
    /// Since when the connection is down (a short drop that heals within
    /// [`CONNECTION_GRACE_MS`] is not worth a line in the conversation).
    pub conn_lost_since: Option<Millis>,
    /// When the wait-for-agent offer is due.
    pub wait_deadline: Option<Millis>,
    pub wait_started: Millis,
    /// MIAW client ids of messages sent for the agent only (the bot transcript).
    pub hidden_ids: Vec<String>,
    /// A failure was already shown (no second "chat ended" line).
    pub failure_shown: bool,
    /// The session's last saved state (Chat saves it with the transcript).
    pub saved: Option<SessionSaved>,
    /// The visitor ended it; the session is finishing its last requests.
    pub ending: bool,
    /// The agent who left last (named when the end comes after the leave).
    pub last_agent: Option<String>,
    /// MIAW after a reload, until the history is in (`ConversationStarted`): the replayed
    /// joins, leaves and transfers were shown before the reload, so they only update
    /// `agents` (no second line).
    pub restoring: bool,
}

impl<J: Json> AgentChat<J> {
    fn new(session: Session<J>, number: u64, now: Millis) -> Self {
        AgentChat {
            session,
            number,
            conversation_id: None,
            agents: Vec::new(),
            joined: false,
            transferring: false,
            typing: None,
            status_msg: None,
            conn_msg: None,
            conn_lost_since: None,
            wait_deadline: None,
            wait_started: now,
            hidden_ids: Vec::new(),
            failure_shown: false,
            saved: None,
            ending: false,
            restoring: false,
            last_agent: None,
        }
    }

    fn base(&self) -> u64 {
        self.number << ID_SHIFT
    }

    /// The session's own id for a request id, when it is one of this session's.
    fn local_id(&self, id: RequestId) -> Option<RequestId> {
        (id >> ID_SHIFT == self.number).then(|| id - self.base())
    }

    fn next_deadline(&self) -> Option<Millis> {
        let s = match &self.session {
            Session::Miaw(m) => m.next_deadline(),
            Session::LiveChat(l) => l.next_deadline(),
        };
        let conn = self
            .conn_lost_since
            .filter(|_| self.conn_msg.is_none())
            .map(|t| t + CONNECTION_GRACE_MS);
        [s, self.wait_deadline, conn].into_iter().flatten().min()
    }

    fn is_ended(&self) -> bool {
        match &self.session {
            Session::Miaw(m) => m.is_ended(),
            Session::LiveChat(l) => l.is_ended(),
        }
    }

    /// The agent conversation as saved with the transcript.
    pub(crate) fn to_saved(&self) -> AgentSaved {
        let kind = match &self.session {
            Session::Miaw(_) => "miaw",
            Session::LiveChat(_) => "liveChat",
        };
        let (miaw, live_chat) = match self.saved.clone() {
            Some(SessionSaved::Miaw(m)) => (Some(m), None),
            Some(SessionSaved::LiveChat(l)) => (None, Some(l)),
            None => (None, None),
        };
        AgentSaved {
            kind: kind.to_string(),
            number: self.number,
            miaw,
            live_chat,
            session: None,
            conversation_id: self.conversation_id.clone(),
            agents: self.agents.clone(),
            joined: self.joined,
            status_msg: self.status_msg.clone(),
            hidden_ids: self.hidden_ids.clone(),
            wait_deadline: self.wait_deadline,
            conn_msg: self.conn_msg.clone(),
        }
    }
}

/// An agent session's own saved state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SessionSaved {
    Miaw(MiawSaved),
    LiveChat(LiveChatSaved),
}

fn one() -> u64 {
    1
}

/// The agent conversation as saved (the `agent` member of the saved conversation). Version 2
/// holds the session's state as an object (`miaw` or `liveChat`); version 1 held it as JSON
/// text (`session`), which is still read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgentSaved {
    /// `miaw` or `liveChat`.
    pub kind: String,
    #[serde(default = "one")]
    pub number: u64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::lenient"
    )]
    pub miaw: Option<MiawSaved>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "loose::lenient"
    )]
    pub live_chat: Option<LiveChatSaved>,
    /// Version 1: the session's state as JSON text.
    #[serde(default, skip_serializing)]
    pub session: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub agents: Vec<String>,
    #[serde(default)]
    pub joined: bool,
    #[serde(default)]
    pub status_msg: Option<String>,
    #[serde(default)]
    pub hidden_ids: Vec<String>,
    #[serde(default)]
    pub wait_deadline: Option<u64>,
    #[serde(default)]
    pub conn_msg: Option<String>,
}

fn status_of(d: Delivery) -> Status {
    match d {
        Delivery::Waiting => Status::Waiting,
        Delivery::Sending => Status::Sending,
        Delivery::Sent => Status::Sent,
        Delivery::Delivered => Status::Delivered,
        Delivery::Read => Status::Read,
        Delivery::Failed => Status::Failed,
    }
}

/// The deployment part of a Live Chat session's configuration.
fn live_chat_config(l: &LiveChatSettings) -> LiveChatConfig {
    LiveChatConfig {
        endpoint: l.endpoint.clone(),
        organization_id: l.organization_id.clone(),
        deployment_id: l.deployment_id.clone(),
        button_id: l.button_id.clone(),
        api_version: l
            .api_version
            .clone()
            .unwrap_or_else(|| livechat::DEFAULT_API_VERSION.to_string()),
        ..Default::default()
    }
}

impl<J: Json> Chat<J> {
    /// The configured MIAW language, else the widget's (`fr-CA` → `fr_CA`).
    fn miaw_language(&self, m: &MiawSettings) -> String {
        m.language
            .clone()
            .unwrap_or_else(|| self.catalogue.language().replace('-', "_"))
    }

    /// A new (not yet started) MIAW session for agent session `number`.
    fn miaw_session(&self, m: &MiawSettings, number: u64) -> MiawSession<J> {
        let mut mc = MiawConfig::new(Deployment {
            base_url: m.url.clone(),
            org_id: m.org_id.clone(),
            es_developer_name: m.developer_name.clone(),
            language: Some(self.miaw_language(m)),
        });
        mc.verified_user = m.verified_user;
        mc.send_receipts = m.send_receipts;
        mc.continue_after_end = m.continue_after_end;
        mc.end_grace_ms = m.end_grace_secs * 1000;
        mc.stream_idle_ms = Some(m.stream_idle_secs * 1000);
        MiawSession::new(mc, self.seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    // ----- starting ------------------------------------------------------------------------

    /// After the bot handed off: show the pre-chat form, or request the chat at once.
    /// Returns `false` when no deployment is configured.
    pub(crate) fn begin_handoff(&mut self, now: Millis) -> bool {
        let Some(cfg) = self.config.handoff.clone() else {
            return false;
        };
        if self.agent.is_some() || self.prechat.is_some() || self.form_request.is_some() {
            return true;
        }
        match (&cfg.prechat, &cfg.channel) {
            (Some(form), Channel::Miaw(m)) if form.from_deployment => {
                // Ask the deployment for its form first (unauthenticated GET, §4.15).
                self.next_request += 1;
                let id = self.next_request;
                let url = format!(
                    "{}/embeddedservice/v1/embedded-service-config?orgId={}&esConfigName={}&language={}",
                    m.url,
                    crate::miaw::wire::encode_query(&m.org_id),
                    crate::miaw::wire::encode_query(&m.developer_name),
                    crate::miaw::wire::encode_query(&self.miaw_language(m)),
                );
                self.http
                    .push_back(HttpAction::Start(crate::http::HttpRequest {
                        id,
                        method: crate::http::Method::Get,
                        url,
                        headers: Vec::new(),
                        body: None,
                    }));
                self.form_request = Some(id);
                self.changed();
            }
            (Some(form), _) => self.show_prechat(form.clone(), &cfg, now),
            (None, _) => self.start_agent(&cfg, Pairs::new(), now),
        }
        true
    }

    /// Shows `form`, or requests the chat at once when it has no field to fill.
    fn show_prechat(&mut self, form: super::PrechatForm, cfg: &HandoffConfig, now: Millis) {
        if form.fields.is_empty() {
            self.prechat_form = None;
            self.start_agent(cfg, Pairs::new(), now);
            return;
        }
        self.prechat_form = Some(form);
        self.prechat = Some(PrechatState::default());
        self.changed();
    }

    /// The deployment's configuration arrived (or not): its visible fields, then the
    /// configured ones. On failure the configured fields alone are used.
    pub(crate) fn deployment_form(&mut self, result: Result<HttpResponse, HttpError>, now: Millis) {
        self.form_request = None;
        let Some(cfg) = self.config.handoff.clone() else {
            return;
        };
        let Some(configured) = cfg.prechat.clone() else {
            return;
        };
        let fetched = match result {
            Ok(r) if r.is_success() => super::prechat::fields_from_deployment::<J>(&r.body),
            Ok(r) => Err(format!("HTTP {}", r.status)),
            Err(e) => Err(e.to_string()),
        };
        let mut fields = match fetched {
            Ok(f) => f,
            Err(e) => {
                self.events.push_back(ChatEvent::Error {
                    message: format!(
                        "could not read the deployment's pre-chat form ({e}); using the configured fields"
                    ),
                });
                Vec::new()
            }
        };
        for f in configured.fields {
            if !fields
                .iter()
                .any(|x| x.attribute == f.attribute || x.name == f.name)
            {
                fields.push(f);
            }
        }
        let form = super::PrechatForm {
            fields,
            from_deployment: true,
        };
        if !self.ended {
            self.show_prechat(form, &cfg, now);
        }
    }

    fn start_agent(&mut self, cfg: &HandoffConfig, values: Pairs, now: Millis) {
        self.agent_count += 1;
        let number = self.agent_count;
        let transcript = self.transcript.to_plain_text();
        let form = self.prechat_form.take();
        let form = form.as_ref();
        let field_values: Vec<(String, String)> = form
            .map(|f| {
                f.fields
                    .iter()
                    .map(|field| {
                        let v = values.get(&field.name).map(String::as_str).unwrap_or("");
                        (field.attribute.clone(), field.wire_value(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Fixed hidden fields, then the host page's, then the bot's context (mapped names).
        let mut hidden: Pairs = cfg.hidden_fields.clone();
        hidden.extend(self.hidden_fields.clone());
        for (key, attr) in cfg.context_attributes.iter() {
            if let Some(v) = self.context.get(key) {
                hidden.insert(attr.clone(), v.clone());
            }
        }
        let session = match &cfg.channel {
            Channel::Miaw(m) => {
                let mut s = self.miaw_session(m, number);
                if let Some(jwt) = self.identity_token.clone() {
                    s.set_identity_token(jwt, now);
                }
                let mut routing: Pairs = field_values.into_iter().collect();
                routing.extend(hidden.clone());
                s.start(routing, now);
                Session::Miaw(Box::new(s))
            }
            Channel::LiveChat(l) => {
                let mut details: Vec<PrechatDetail> = Vec::new();
                if let Some(form) = form {
                    for field in &form.fields {
                        let v = values.get(&field.name).map(String::as_str).unwrap_or("");
                        let mut d =
                            PrechatDetail::new(field.attribute.clone(), field.wire_value(v));
                        d.transcript_fields = field.transcript_fields.clone();
                        d.entity_maps = field.entity_maps.clone();
                        details.push(d);
                    }
                }
                details.extend(hidden.iter().map(|(k, v)| PrechatDetail::new(k, v.clone())));
                if cfg.send_transcript && !transcript.is_empty() {
                    details.push(PrechatDetail::new("Bot conversation", transcript.clone()));
                }
                let visitor_name = values
                    .get("name")
                    .filter(|v| !v.trim().is_empty())
                    .cloned()
                    .or_else(|| {
                        // `_firstName` / `_lastName` style answers, when the form has them.
                        let first = values.get("_firstName").or(values.get("firstName"))?;
                        let last = values.get("_lastName").or(values.get("lastName"));
                        let full = format!("{} {}", first.trim(), last.map_or("", |l| l.trim()));
                        Some(full.trim().to_string()).filter(|n| !n.is_empty())
                    })
                    .or_else(|| l.visitor_name.clone())
                    .unwrap_or_else(|| self.catalogue.text(MsgKey::VisitorDefaultName));
                let lc = LiveChatConfig {
                    check_availability: l.check_availability,
                    language: l
                        .language
                        .clone()
                        .unwrap_or_else(|| self.catalogue.language().to_string()),
                    visitor_name,
                    user_agent: self.user_agent.clone(),
                    screen_resolution: self.screen.clone(),
                    prechat_details: details,
                    prechat_entities: l.entities.clone(),
                    ..live_chat_config(l)
                };
                let mut s = LiveChatSession::new(lc);
                s.start(now);
                Session::LiveChat(Box::new(s))
            }
        };
        let mut agent = AgentChat::new(session, number, now);
        agent.wait_deadline = cfg.wait_timeout_secs.map(|s| now + s * 1000);
        if let Session::Miaw(m) = &mut agent.session {
            if cfg.send_transcript && !transcript.is_empty() {
                if let Some(id) = m.send_text(&transcript, now) {
                    agent.hidden_ids.push(id);
                }
            }
        }
        self.agent = Some(agent);
        if let Some(text) = self.catalogue.render_opt(MsgKey::ConnectingToAgent, &[]) {
            self.set_status_line(text, now);
        }
        self.pump_agent(now);
    }

    /// The session's saved state: the object (version 2), or the JSON text version 1 wrote.
    fn saved_session<T: serde::de::DeserializeOwned>(
        &mut self,
        object: Option<T>,
        text: &Option<String>,
    ) -> Option<T> {
        if object.is_some() {
            return object;
        }
        match J::decode::<T>(text.as_deref()?) {
            Ok(state) => Some(state),
            Err(e) => {
                self.log_saved(&format!("the session's saved state does not decode: {e}"));
                None
            }
        }
    }

    fn log_saved(&mut self, why: &str) {
        self.events.push_back(ChatEvent::Log {
            message: format!("the saved agent conversation cannot be resumed ({why})"),
        });
    }

    /// Restores the agent conversation saved before a reload (called from `handle_start`).
    /// When it cannot be resumed, visitor messages still on their way are marked failed.
    pub(crate) fn restore_agent(&mut self, saved: AgentSaved, now: Millis) {
        if !self.resume_agent(saved, now) {
            let stuck: Vec<String> = self
                .transcript
                .messages()
                .iter()
                .filter(|m| {
                    matches!(m.status, Some(Status::Sending | Status::Waiting))
                        && m.remote_id.is_some()
                })
                .map(|m| m.id.clone())
                .collect();
            for id in stuck {
                self.set_status(Some(&id), Status::Failed);
            }
            self.changed();
        }
    }

    fn resume_agent(&mut self, saved: AgentSaved, now: Millis) -> bool {
        let Some(cfg) = self.config.handoff.clone() else {
            return false;
        };
        let number = saved.number;
        let (session, state) = match (&cfg.channel, saved.kind.as_str()) {
            (Channel::Miaw(m), "miaw") => {
                let Some(state) = self.saved_session::<MiawSaved>(saved.miaw, &saved.session)
                else {
                    return false;
                };
                let mut s = self.miaw_session(m, number);
                if !s.restore(state.clone(), now) {
                    self.log_saved("the MIAW session's state is not usable");
                    return false;
                }
                (Session::Miaw(Box::new(s)), SessionSaved::Miaw(state))
            }
            (Channel::LiveChat(l), "liveChat") => {
                let Some(state) =
                    self.saved_session::<LiveChatSaved>(saved.live_chat, &saved.session)
                else {
                    return false;
                };
                // Only the deployment matters: the session was initialised before the reload.
                let Some(mut s) = LiveChatSession::restore(live_chat_config(l), state.clone())
                else {
                    self.log_saved("the Live Chat session's state is not usable");
                    return false;
                };
                s.start(now);
                (
                    Session::LiveChat(Box::new(s)),
                    SessionSaved::LiveChat(state),
                )
            }
            _ => return false, // the deployment changed since: the saved chat cannot be resumed
        };
        let mut agent = AgentChat::new(session, number, now);
        agent.conversation_id = saved.conversation_id;
        agent.agents = saved.agents;
        agent.joined = saved.joined;
        agent.status_msg = saved.status_msg;
        agent.hidden_ids = saved.hidden_ids;
        agent.wait_deadline = saved.wait_deadline;
        agent.conn_msg = saved.conn_msg;
        agent.saved = Some(state);
        agent.restoring = matches!(agent.session, Session::Miaw(_));
        self.agent_count = self.agent_count.max(number);
        self.agent = Some(agent);
        self.pump_agent(now);
        true
    }

    // ----- visitor intents while with an agent --------------------------------------------

    /// The visitor submits the pre-chat form. `false` (with the problems shown) when an
    /// answer is missing or invalid.
    pub fn handle_prechat_submit(&mut self, values: Pairs, now: Millis) -> bool {
        let Some(cfg) = self.config.handoff.clone() else {
            return false;
        };
        if !self.check_prechat(&values) {
            return false;
        }
        self.prechat = None;
        self.changed();
        self.start_agent(&cfg, values, now);
        true
    }

    /// Checks the pre-chat answers without submitting them (a mirror tab, before it sends
    /// them to the owner): `false` with the problems shown in the form.
    pub(crate) fn check_prechat(&mut self, values: &Pairs) -> bool {
        let Some(form) = self.prechat_form.as_ref() else {
            return false;
        };
        if self.prechat.is_none() || self.ended {
            return false;
        }
        let errors = form.check(values);
        if errors.is_empty() {
            return true;
        }
        self.prechat = Some(PrechatState {
            values: values.clone(),
            errors,
        });
        self.changed();
        false
    }

    /// The visitor closes the pre-chat form without requesting a chat: back to the bot.
    pub fn handle_prechat_cancel(&mut self) {
        self.form_request = None;
        if self.prechat.take().is_some() {
            self.changed();
        }
    }

    /// The host page's hidden pre-chat fields (`ChatWidget.setHiddenPrechatFields`).
    pub fn handle_set_hidden_fields(&mut self, fields: Pairs) {
        self.hidden_fields = fields;
    }

    /// The verified user's identity JWT (`ChatWidget.setIdentityToken`).
    pub fn handle_identity_token(&mut self, jwt: String, now: Millis) {
        self.identity_token = Some(jwt.clone());
        if let Some(AgentChat {
            session: Session::Miaw(m),
            ..
        }) = &mut self.agent
        {
            m.set_identity_token(jwt, now);
            self.pump_agent(now);
        }
    }

    /// The browser went offline or came back online (`navigator.onLine` events). Back online,
    /// whatever waits for a retry is sent at once, in order; see `MiawSession::set_online` and
    /// `LiveChatSession::set_online`.
    pub fn handle_online(&mut self, online: bool, now: Millis) {
        let Some(agent) = &mut self.agent else {
            return;
        };
        match &mut agent.session {
            Session::Miaw(m) => m.set_online(online, now),
            Session::LiveChat(l) => l.set_online(online, now),
        }
        self.pump_agent(now);
    }

    /// The composer's text changed: typing indicators (and Live Chat sneak peek).
    pub fn handle_composer_text(&mut self, text: &str, now: Millis) {
        let Some(agent) = &mut self.agent else {
            return;
        };
        match &mut agent.session {
            Session::Miaw(m) => m.typing(!text.trim().is_empty(), now),
            Session::LiveChat(l) => l.set_composer_text(text, now),
        }
        self.pump_agent(now);
    }

    /// Whether the visitor may attach a file now (MIAW with attachments on).
    pub fn can_attach(&self) -> bool {
        self.can_send()
            && self
                .config
                .handoff
                .as_ref()
                .is_some_and(|h| h.attachments.is_some())
            && matches!(&self.agent, Some(a) if !a.ending && matches!(a.session, Session::Miaw(_)))
    }

    /// The visitor picked (or pasted, or dropped) a file. Checked against the configured size
    /// and types first: a refused file gets a clear message and is not uploaded.
    pub fn handle_send_file(&mut self, file: FileRef, now: Millis) -> bool {
        if !self.can_attach() {
            return false;
        }
        let Some(rules) = self
            .config
            .handoff
            .as_ref()
            .and_then(|h| h.attachments.clone())
        else {
            return false;
        };
        if file.size > rules.max_bytes {
            let max = format_bytes(rules.max_bytes);
            self.system(
                MsgKey::AttachmentTooLarge,
                &[("fileName", file.name.as_str()), ("maxSize", max.as_str())],
                now,
            );
            return false;
        }
        if !rules.allows(&file.mime_type) {
            let kind = if file.mime_type.is_empty() {
                file.name.rsplit('.').next().unwrap_or("").to_string()
            } else {
                file.mime_type.clone()
            };
            self.system(
                MsgKey::AttachmentTypeNotAllowed,
                &[
                    ("fileName", file.name.as_str()),
                    ("fileType", kind.as_str()),
                ],
                now,
            );
            return false;
        }
        let info = FileInfo {
            name: file.name.clone(),
            url: None,
            size: Some(file.size),
            mime_type: Some(file.mime_type.clone()),
        };
        let Some(AgentChat {
            session: Session::Miaw(m),
            ..
        }) = &mut self.agent
        else {
            return false;
        };
        let remote = m.send_file(file, None, now);
        let id = self.add_message(Author::Visitor, String::new(), Vec::new(), now);
        if let Some(msg) = self.transcript.get_mut(&id) {
            msg.files = vec![info];
            match remote {
                Some(r) => msg.remote_id = Some(r),
                None => msg.status = Some(Status::Failed),
            }
        }
        self.pump_agent(now);
        true
    }

    /// Whether visitor messages go to an agent session now.
    pub(crate) fn with_agent(&self) -> bool {
        self.agent.as_ref().is_some_and(|a| !a.ending)
    }

    /// Sends visitor text to the agent; the bubble is added here (status from the session).
    pub(crate) fn agent_send(&mut self, text: String, now: Millis) {
        let Some(agent) = &mut self.agent else {
            return;
        };
        let remote = match &mut agent.session {
            Session::Miaw(m) => m.send_text(&text, now),
            Session::LiveChat(l) => l.send_text(&text, now),
        };
        let id = self.add_message(Author::Visitor, text, Vec::new(), now);
        match remote {
            Some(r) => {
                if let Some(m) = self.transcript.get_mut(&id) {
                    m.remote_id = Some(r);
                }
            }
            None => self.set_status(Some(&id), Status::Failed),
        }
        self.pump_agent(now);
    }

    /// Retries a failed visitor message in the agent conversation.
    pub(crate) fn agent_retry(&mut self, message_id: &str, now: Millis) -> bool {
        let Some(agent) = &mut self.agent else {
            return false;
        };
        let Some(m) = self.transcript.get_mut(message_id) else {
            return false;
        };
        match &mut agent.session {
            Session::Miaw(s) => match m.remote_id.clone() {
                Some(r) => {
                    m.status = Some(Status::Sending);
                    s.retry(&r, now);
                }
                None => {
                    let Some(r) = s.send_text(&m.text, now) else {
                        return false;
                    };
                    m.status = Some(Status::Sending);
                    m.remote_id = Some(r);
                }
            },
            Session::LiveChat(s) => {
                // The server never took it: send it again under a new local id.
                let Some(r) = s.send_text(&m.text, now) else {
                    return false;
                };
                m.status = Some(Status::Sending);
                m.remote_id = Some(r);
            }
        }
        self.changed();
        self.pump_agent(now);
        true
    }

    /// A quick reply under an agent or system message in the agent conversation.
    pub(crate) fn agent_quick_reply(
        &mut self,
        author: &Author,
        remote_id: Option<String>,
        reply: QuickReply,
        now: Millis,
    ) -> bool {
        match (author, reply.payload.as_deref()) {
            (Author::System, Some(KEEP_WAITING)) => {
                self.transcript.clear_quick_replies();
                let wait = self
                    .config
                    .handoff
                    .as_ref()
                    .and_then(|h| h.wait_timeout_secs);
                if let Some(a) = &mut self.agent {
                    a.wait_deadline = wait.map(|w| now + w * 1000);
                    if let Session::Miaw(m) = &mut a.session {
                        m.keep_waiting(now);
                    }
                }
                self.changed();
                true
            }
            (Author::System, Some(LEAVE)) => {
                self.transcript.clear_quick_replies();
                self.handle_end(now);
                true
            }
            (Author::Agent { .. }, Some(option)) => {
                let Some(AgentChat {
                    session: Session::Miaw(m),
                    ..
                }) = &mut self.agent
                else {
                    return false;
                };
                let Some(in_reply_to) = remote_id else {
                    return false;
                };
                let Some(id) = m.send_choice(&in_reply_to, option, &reply.label, now) else {
                    return false;
                };
                let mid = self.add_message(Author::Visitor, reply.label, Vec::new(), now);
                if let Some(msg) = self.transcript.get_mut(&mid) {
                    msg.remote_id = Some(id);
                }
                self.pump_agent(now);
                true
            }
            _ => false,
        }
    }

    /// The visitor ends the agent conversation.
    pub(crate) fn agent_end(&mut self, now: Millis) {
        let Some(agent) = &mut self.agent else {
            return;
        };
        agent.ending = true;
        agent.wait_deadline = None;
        agent.typing = None;
        match &mut agent.session {
            Session::Miaw(m) => m.end(now),
            Session::LiveChat(l) => l.end(now),
        }
        self.pump_agent(now);
    }

    // ----- results ---------------------------------------------------------------------------

    /// Routes a request result to the agent session it belongs to. `false`: not an agent id.
    pub(crate) fn agent_http(
        &mut self,
        id: RequestId,
        result: Result<HttpResponse, HttpError>,
        now: Millis,
    ) -> bool {
        if id >> ID_SHIFT == 0 {
            return false;
        }
        if let Some(agent) = &mut self.agent {
            if let Some(local) = agent.local_id(id) {
                match &mut agent.session {
                    Session::Miaw(m) => m.handle_http(local, result, now),
                    Session::LiveChat(l) => l.handle_http(local, result, now),
                }
                self.pump_agent(now);
                return true;
            }
        }
        if let Some(i) = self.retired.iter().position(|a| a.local_id(id).is_some()) {
            let a = &mut self.retired[i];
            let local = a.local_id(id).unwrap_or(0);
            if let Session::LiveChat(l) = &mut a.session {
                l.handle_http(local, result, now);
            }
            self.pump_retired(now);
        }
        true
    }

    /// A chunk of the MIAW event stream (empty when the 200 response arrived).
    pub fn handle_stream_chunk(&mut self, id: RequestId, bytes: &[u8], now: Millis) {
        if let Some(agent) = &mut self.agent {
            if let (Some(local), Session::Miaw(m)) = (agent.local_id(id), &mut agent.session) {
                m.handle_stream_chunk(local, bytes, now);
                self.pump_agent(now);
            }
        }
    }

    /// The MIAW event stream ended (`None`: the body ended normally).
    pub fn handle_stream_closed(&mut self, id: RequestId, error: Option<StreamError>, now: Millis) {
        if let Some(agent) = &mut self.agent {
            if let (Some(local), Session::Miaw(m)) = (agent.local_id(id), &mut agent.session) {
                m.handle_stream_closed(local, error, now);
                self.pump_agent(now);
            }
        }
    }

    pub(crate) fn agent_deadline(&self) -> Option<Millis> {
        let own = self.agent.as_ref().and_then(AgentChat::next_deadline);
        let retired = self
            .retired
            .iter()
            .filter_map(AgentChat::next_deadline)
            .min();
        [own, retired].into_iter().flatten().min()
    }

    pub(crate) fn agent_timeout(&mut self, now: Millis) {
        let mut wait_due = false;
        let mut conn_due = false;
        if let Some(agent) = &mut self.agent {
            conn_due = agent.conn_msg.is_none()
                && agent
                    .conn_lost_since
                    .is_some_and(|t| now >= t + CONNECTION_GRACE_MS);
            if agent.wait_deadline.is_some_and(|d| now >= d) {
                agent.wait_deadline = None;
                wait_due = !agent.joined || agent.agents.is_empty();
            }
            let due = match &agent.session {
                Session::Miaw(m) => m.next_deadline(),
                Session::LiveChat(l) => l.next_deadline(),
            }
            .is_some_and(|d| now >= d);
            if due {
                match &mut agent.session {
                    Session::Miaw(m) => m.handle_timeout(now),
                    Session::LiveChat(l) => l.handle_timeout(now),
                }
            }
        }
        if wait_due {
            self.offer_wait(now);
        }
        if conn_due {
            let text = format!(
                "{} {}",
                self.catalogue.text(MsgKey::ConnectionLost),
                self.catalogue.text(MsgKey::Reconnecting)
            );
            self.set_connection_line(text, now);
        }
        for a in &mut self.retired {
            if let Session::LiveChat(l) = &mut a.session {
                if l.next_deadline().is_some_and(|d| now >= d) {
                    l.handle_timeout(now);
                }
            }
        }
        self.pump_retired(now);
        self.pump_agent(now);
    }

    fn offer_wait(&mut self, now: Millis) {
        let waited = self
            .agent
            .as_ref()
            .map_or(0, |a| now.saturating_sub(a.wait_started) / 1000);
        let wait = self
            .catalogue
            .format_wait(waited.min(u32::MAX as u64) as u32);
        let text = self
            .catalogue
            .render(MsgKey::WaitTimeout, &[("wait", wait.as_str())]);
        let replies = vec![
            QuickReply {
                label: self.catalogue.text(MsgKey::WaitTimeoutKeepWaiting),
                payload: Some(KEEP_WAITING.into()),
                handoff: false,
            },
            QuickReply {
                label: self.catalogue.text(MsgKey::WaitTimeoutLeave),
                payload: Some(LEAVE.into()),
                handoff: false,
            },
        ];
        self.add_message(Author::System, text, replies, now);
        self.events.push_back(ChatEvent::WaitTimeout);
    }

    /// Who is typing in the agent conversation.
    pub(crate) fn agent_typing(&self) -> Option<String> {
        self.agent.as_ref().and_then(|a| a.typing.clone())
    }

    /// The conversation id (MIAW conversation / Live Chat session), for the host page.
    pub fn conversation_id(&self) -> Option<&str> {
        self.agent
            .as_ref()
            .and_then(|a| a.conversation_id.as_deref())
    }

    /// The pre-chat form, when it is shown.
    pub fn prechat(&self) -> Option<(&super::PrechatForm, &PrechatState)> {
        Some((self.prechat_form.as_ref()?, self.prechat.as_ref()?))
    }

    /// Whether an agent conversation is running (requested, waiting or with an agent).
    pub fn agent_active(&self) -> bool {
        self.agent.is_some()
    }

    /// Names of the agents in the conversation now.
    pub fn agents(&self) -> &[String] {
        self.agent.as_ref().map_or(&[], |a| &a.agents)
    }

    // ----- outputs of the session ------------------------------------------------------------

    fn pump_retired(&mut self, _now: Millis) {
        for a in &mut self.retired {
            let base = a.base();
            if let Session::LiveChat(l) = &mut a.session {
                while let Some(action) = l.poll_action() {
                    self.http.push_back(shift(action, base));
                }
                while l.poll_event().is_some() {}
                let _ = l.poll_persist();
            }
        }
        self.retired.retain(|a| !a.is_ended());
    }

    /// Drains the session's outputs: requests to the browser layer, events to messages.
    pub(crate) fn pump_agent(&mut self, now: Millis) {
        loop {
            let Some(agent) = &mut self.agent else {
                return;
            };
            let base = agent.base();
            let mut actions = Vec::new();
            let mut events = Vec::new();
            let mut saved_changed = None;
            match &mut agent.session {
                Session::Miaw(m) => {
                    while let Some(a) = m.poll_action() {
                        actions.push(match a {
                            MiawAction::Http(h) => shift(h, base),
                            MiawAction::OpenStream(mut r) => {
                                r.id += base;
                                HttpAction::Stream(r)
                            }
                            MiawAction::CloseStream(id) => HttpAction::Abort(id + base),
                        });
                    }
                    while let Some(e) = m.poll_event() {
                        events.push(Ev::Miaw(e));
                    }
                    // Reloaded during an outage (the line came with the transcript): the new
                    // session's stream is up, which it does not report as a restored one.
                    if agent.conn_msg.is_some()
                        && agent.conn_lost_since.is_none()
                        && m.is_connected()
                    {
                        events.push(Ev::Miaw(MiawEvent::ConnectionRestored));
                    }
                    let p = m.persist().map(SessionSaved::Miaw);
                    if p != agent.saved {
                        saved_changed = Some(p);
                    }
                }
                Session::LiveChat(l) => {
                    while let Some(a) = l.poll_action() {
                        actions.push(shift(a, base));
                    }
                    while let Some(e) = l.poll_event() {
                        events.push(Ev::Live(e));
                    }
                    match l.poll_persist() {
                        Some(PersistUpdate::Save(s)) => {
                            saved_changed = Some(Some(SessionSaved::LiveChat(s)))
                        }
                        Some(PersistUpdate::Clear) => saved_changed = Some(None),
                        None => {}
                    }
                }
            }
            if let Some(s) = saved_changed {
                agent.saved = s;
                self.dirty = true;
            }
            self.http.extend(actions);
            if events.is_empty() {
                return;
            }
            for e in events {
                match e {
                    Ev::Miaw(e) => self.on_miaw(e, now),
                    Ev::Live(e) => self.on_live(e, now),
                }
            }
            if self.is_open() && !self.page_hidden {
                // What just arrived is in sight: read receipts (MIAW with `sendReceipts`);
                // their requests are drained by the next round.
                if let Some(AgentChat {
                    session: Session::Miaw(m),
                    ..
                }) = &mut self.agent
                {
                    m.mark_read(now);
                }
            }
            self.changed();
        }
    }

    /// The window was opened: the agents' messages are in sight (MIAW read receipts).
    pub(crate) fn agent_seen(&mut self, now: Millis) {
        if let Some(AgentChat {
            session: Session::Miaw(m),
            ..
        }) = &mut self.agent
        {
            m.mark_read(now);
            self.pump_agent(now);
        }
    }

    // ----- events → messages -----------------------------------------------------------------

    /// Replaces the text of the status line (queue / wait), or adds it.
    fn set_status_line(&mut self, text: String, now: Millis) {
        let existing = self.agent.as_ref().and_then(|a| a.status_msg.clone());
        if let Some(id) = existing {
            if let Some(m) = self.transcript.get_mut(&id) {
                if m.text != text {
                    m.text = text;
                    self.changed();
                }
                return;
            }
        }
        let id = self.add_message(Author::System, text, Vec::new(), now);
        if let Some(a) = &mut self.agent {
            a.status_msg = Some(id);
        }
    }

    fn set_connection_line(&mut self, text: String, now: Millis) {
        let existing = self.agent.as_ref().and_then(|a| a.conn_msg.clone());
        if let Some(id) = existing {
            let is_last = self.transcript.messages().last().map(|m| &m.id) == Some(&id);
            if is_last {
                if let Some(m) = self.transcript.get_mut(&id) {
                    m.text = text;
                    self.changed();
                    return;
                }
            }
        }
        let id = self.add_message(Author::System, text, Vec::new(), now);
        if let Some(a) = &mut self.agent {
            a.conn_msg = Some(id);
        }
    }

    fn system(&mut self, key: MsgKey, args: &[(&str, &str)], now: Millis) {
        if let Some(text) = self.catalogue.render_opt(key, args) {
            self.add_message(Author::System, text, Vec::new(), now);
        }
    }

    fn agent_joined(&mut self, name: String, now: Millis) {
        let Some(a) = &mut self.agent else { return };
        let first = !a.joined;
        let transfer = a.transferring;
        let conference = !a.agents.is_empty() && !transfer;
        if !a.agents.contains(&name) {
            a.agents.push(name.clone());
        }
        a.joined = true;
        a.transferring = false;
        a.wait_deadline = None;
        let visitor = self
            .catalogue
            .variables()
            .get("visitorName")
            .cloned()
            .unwrap_or_default();
        if transfer {
            self.system(MsgKey::TransferredToAgent, &[("agentName", &name)], now);
        } else if conference {
            self.system(MsgKey::SecondAgentJoined, &[("agentName", &name)], now);
        } else {
            self.system(MsgKey::AgentJoined, &[("agentName", &name)], now);
            if first {
                self.system(
                    MsgKey::AgentGreeting,
                    &[("agentName", &name), ("visitorName", &visitor)],
                    now,
                );
            }
        }
        self.events.push_back(ChatEvent::AgentJoined { name });
    }

    fn agent_left(&mut self, name: String, now: Millis) {
        let Some(a) = &mut self.agent else { return };
        a.agents.retain(|n| *n != name);
        a.last_agent = Some(name.clone());
        if a.typing.as_deref() == Some(name.as_str()) {
            a.typing = None;
        }
        let transferring = a.transferring;
        let others = !a.agents.is_empty();
        if a.ending {
            return;
        }
        if others {
            self.system(MsgKey::SecondAgentLeft, &[("agentName", &name)], now);
        } else if !transferring {
            self.system(MsgKey::AgentLeft, &[("agentName", &name)], now);
        }
        self.events.push_back(ChatEvent::AgentLeft { name });
    }

    fn current_agent_name(&self) -> String {
        self.agent
            .as_ref()
            .and_then(|a| a.agents.last().or(a.last_agent.as_ref()).cloned())
            .unwrap_or_else(|| self.catalogue.text(MsgKey::SenderAgent))
    }

    fn request_failed(&mut self, code: &str, now: Millis) {
        let reason = self.catalogue.reason_text(code);
        self.system(MsgKey::ChatRequestFailed, &[("reason", &reason)], now);
        if let Some(a) = &mut self.agent {
            a.failure_shown = true;
        }
    }

    /// The agent session is over: the composer closes, "start a new chat" is offered.
    fn agent_finished(&mut self, reason: &'static str) {
        let mut id = None;
        if let Some(a) = self.agent.take() {
            id = a.conversation_id.clone();
            if !a.is_ended() {
                self.retired.push(a);
            }
        }
        self.ended = true;
        self.transcript.clear_quick_replies();
        self.events
            .push_back(ChatEvent::ConversationClosed { reason, id });
        self.dirty = true;
    }

    fn on_miaw(&mut self, e: MiawEvent, now: Millis) {
        match e {
            MiawEvent::IdentityTokenNeeded => {
                self.system(MsgKey::IdentityRequired, &[], now);
                self.events.push_back(ChatEvent::IdentityTokenNeeded);
            }
            MiawEvent::ConversationStarted { conversation_id } => {
                let Some(a) = &mut self.agent else { return };
                a.restoring = false;
                if a.conversation_id.as_deref() != Some(conversation_id.as_str()) {
                    a.conversation_id = Some(conversation_id.clone());
                    self.events.push_back(ChatEvent::ConversationStarted {
                        id: conversation_id,
                    });
                }
            }
            MiawEvent::AgentJoined { name, .. } => {
                if let Some(a) = self.agent.as_mut().filter(|a| a.restoring) {
                    if !a.agents.contains(&name) {
                        a.agents.push(name);
                    }
                    a.joined = true;
                    a.wait_deadline = None;
                } else if !self.agents().contains(&name)
                    || self.agent.as_ref().is_some_and(|a| a.transferring)
                {
                    self.agent_joined(name, now);
                }
            }
            MiawEvent::AgentLeft { name, .. } => {
                if let Some(a) = self.agent.as_mut().filter(|a| a.restoring) {
                    a.agents.retain(|n| *n != name);
                } else {
                    self.agent_left(name, now);
                }
            }
            MiawEvent::Transferred if self.agent.as_ref().is_some_and(|a| a.restoring) => {}
            MiawEvent::Transferred => {
                if let Some(a) = &mut self.agent {
                    a.transferring = true;
                }
                self.system(MsgKey::TransferInProgress, &[], now);
            }
            MiawEvent::Message {
                id,
                sender_name,
                content,
                delivery,
                ..
            } => {
                if self
                    .agent
                    .as_ref()
                    .is_some_and(|a| a.hidden_ids.contains(&id))
                {
                    return;
                }
                if let Some(m) = self
                    .transcript
                    .messages()
                    .iter()
                    .find(|m| m.remote_id.as_deref() == Some(id.as_str()))
                {
                    // Known (our own bubble, or a history echo of a message already shown).
                    if let Some(d) = delivery {
                        let mid = m.id.clone();
                        self.update_status(&mid, status_of(d));
                    }
                    return;
                }
                let (text, replies, files) = match content {
                    MessageContent::Text(t) => (t, Vec::new(), Vec::new()),
                    MessageContent::Choices { text, options, .. } => (
                        text,
                        options
                            .into_iter()
                            .map(|o| QuickReply {
                                label: o.title,
                                payload: Some(o.identifier),
                                handoff: false,
                            })
                            .collect(),
                        Vec::new(),
                    ),
                    MessageContent::ChoicesResponse { selected } => {
                        (selected.join(", "), Vec::new(), Vec::new())
                    }
                    MessageContent::Attachments { text, files } => (
                        text.unwrap_or_default(),
                        Vec::new(),
                        files
                            .into_iter()
                            .map(|f| FileInfo {
                                name: f.name,
                                url: f.url,
                                size: f.size,
                                mime_type: f.mime_type,
                            })
                            .collect(),
                    ),
                };
                let author = if delivery.is_some() {
                    Author::Visitor
                } else {
                    Author::Agent {
                        name: sender_name.unwrap_or_else(|| self.current_agent_name()),
                    }
                };
                let mid = self.add_message(author, text, replies, now);
                if let Some(m) = self.transcript.get_mut(&mid) {
                    m.remote_id = Some(id);
                    m.files = files;
                    if let Some(d) = delivery {
                        m.status = Some(status_of(d));
                    }
                }
                if let Some(a) = &mut self.agent {
                    a.typing = None;
                }
            }
            MiawEvent::DeliveryChanged { id, delivery } => {
                let mid = self
                    .transcript
                    .messages()
                    .iter()
                    .find(|m| m.remote_id.as_deref() == Some(id.as_str()))
                    .map(|m| m.id.clone());
                if let Some(mid) = mid {
                    self.update_status(&mid, status_of(delivery));
                }
            }
            MiawEvent::Typing { name, typing } => {
                if let Some(a) = &mut self.agent {
                    a.typing = typing.then_some(name);
                }
            }
            MiawEvent::RoutingFailed { reason } => {
                self.request_failed(&reason, now);
                if let Some(a) = &mut self.agent {
                    if let Session::Miaw(m) = &mut a.session {
                        a.ending = true;
                        m.end(now);
                    }
                }
            }
            MiawEvent::EstimatedWait { seconds } => {
                self.events.push_back(ChatEvent::Queue {
                    position: None,
                    wait_secs: Some(seconds),
                });
                if !self.agent.as_ref().is_some_and(|a| a.joined) {
                    let wait = self
                        .catalogue
                        .format_wait(seconds.min(u32::MAX as u64) as u32);
                    if let Some(t) = self
                        .catalogue
                        .render_opt(MsgKey::EstimatedWait, &[("wait", wait.as_str())])
                    {
                        self.set_status_line(t, now);
                    }
                }
            }
            MiawEvent::WaitTimeout => self.offer_wait(now),
            MiawEvent::ConnectionLost => self.connection_changed(false, now),
            MiawEvent::ConnectionRestored => self.connection_changed(true, now),
            MiawEvent::Ended { reason } => {
                use crate::miaw::EndReason as R;
                let ending = self.agent.as_ref().is_some_and(|a| a.ending);
                let failure_shown = self.agent.as_ref().is_some_and(|a| a.failure_shown);
                let reason = match reason {
                    // Routing failed (already shown): the session was closed because of it.
                    R::Visitor if failure_shown => "failed",
                    R::Visitor => {
                        if !ending {
                            // Closed from another tab of the same visitor.
                            self.system(MsgKey::ChatEnded, &[], now);
                        }
                        "visitor"
                    }
                    R::Agent => {
                        let name = self.current_agent_name();
                        self.system(MsgKey::AgentEnded, &[("agentName", &name)], now);
                        "agent"
                    }
                    R::SessionExpired => {
                        self.system(MsgKey::SessionExpired, &[], now);
                        "expired"
                    }
                    // Its end was shown already (`SessionEnded`).
                    R::Closed => "agent",
                    R::Failed(code) => {
                        if !failure_shown {
                            self.request_failed(&code, now);
                        }
                        "failed"
                    }
                };
                self.agent_finished(reason);
            }
            MiawEvent::Error { message } => {
                let message = if message.starts_with("access token: network error") {
                    // The browser cannot tell a CORS refusal from a network failure: say
                    // what to check, with this site's origin.
                    let url = match &self.config.handoff {
                        Some(HandoffConfig {
                            channel: Channel::Miaw(m),
                            ..
                        }) => m.url.clone(),
                        _ => String::new(),
                    };
                    format!(
                        "could not reach Salesforce Messaging at {url} ({message}). If the browser console shows a CORS error, add this site's origin {} to Setup > CORS > Allowed Origins List in your Salesforce org; otherwise check handoff.miaw.url (the SCRT URL, https://<MyDomain>.my.salesforce-scrt.com).",
                        self.page_origin
                    )
                } else {
                    message
                };
                self.events.push_back(ChatEvent::Error { message })
            }
            MiawEvent::Log { message } => self.events.push_back(ChatEvent::Log { message }),
            MiawEvent::SessionEnded => {
                // The conversation goes on (`sessionEnd: "continue"`): the end is told once,
                // the composer stays, the next message starts a new session.
                let name = self.current_agent_name();
                self.system(MsgKey::AgentEnded, &[("agentName", &name)], now);
                if let Some(a) = &mut self.agent {
                    a.agents.clear();
                    a.typing = None;
                }
            }
            MiawEvent::Skipped { event, reason } => self.events.push_back(ChatEvent::Log {
                message: format!("skipped MIAW event {event}: {reason}"),
            }),
        }
    }

    /// The agent connection was lost or is back (either API): the page is told at once; the
    /// visitor gets a line only when it lasts (see `agent_timeout`), resolved in place.
    fn connection_changed(&mut self, online: bool, now: Millis) {
        if !online {
            if let Some(a) = &mut self.agent {
                a.conn_lost_since.get_or_insert(now);
            }
            self.events
                .push_back(ChatEvent::Connection { online: false });
            return;
        }
        if let Some(a) = &mut self.agent {
            a.conn_lost_since = None;
        }
        if self.agent.as_ref().is_some_and(|a| a.conn_msg.is_some()) {
            if let Some(t) = self.catalogue.render_opt(MsgKey::ConnectionRestored, &[]) {
                self.set_connection_line(t, now);
            }
            if let Some(a) = &mut self.agent {
                a.conn_msg = None;
            }
        }
        self.events
            .push_back(ChatEvent::Connection { online: true });
    }

    fn update_status(&mut self, message_id: &str, status: Status) {
        if let Some(m) = self.transcript.get_mut(message_id) {
            // Never go back (a late "sent" after "read"), except to retry a failure.
            let rank = |s: Status| match s {
                Status::Waiting | Status::Sending => 0,
                Status::Sent => 1,
                Status::Delivered => 2,
                Status::Read => 3,
                Status::Failed => 4,
            };
            let cur = m.status.unwrap_or(Status::Sending);
            let allowed = match (cur, status) {
                (Status::Failed, Status::Sending) => true,
                (Status::Failed, _) => rank(status) < 4,
                (_, Status::Failed) => true,
                _ => rank(status) >= rank(cur),
            };
            if allowed && m.status != Some(status) {
                m.status = Some(status);
                self.changed();
            }
        }
    }

    fn on_live(&mut self, e: LiveChatEvent, now: Millis) {
        match e {
            LiveChatEvent::SessionCreated { session_id } => {
                if let Some(a) = &mut self.agent {
                    a.conversation_id = Some(session_id.clone());
                }
                self.events
                    .push_back(ChatEvent::ConversationStarted { id: session_id });
            }
            LiveChatEvent::QueueStatus {
                position,
                estimated_wait_secs,
            } => {
                if self.agent.as_ref().is_some_and(|a| a.joined) {
                    return;
                }
                let mut lines = Vec::new();
                if let Some(p) = position.filter(|p| *p > 0) {
                    lines.extend(self.catalogue.render_opt(
                        MsgKey::QueuePosition,
                        &[("position", p.to_string().as_str())],
                    ));
                }
                if let Some(s) = estimated_wait_secs {
                    let wait = self.catalogue.format_wait(s.min(u32::MAX as u64) as u32);
                    lines.extend(
                        self.catalogue
                            .render_opt(MsgKey::EstimatedWait, &[("wait", wait.as_str())]),
                    );
                }
                if !lines.is_empty() {
                    self.set_status_line(lines.join("\n"), now);
                }
                self.events.push_back(ChatEvent::Queue {
                    position,
                    wait_secs: estimated_wait_secs,
                });
            }
            LiveChatEvent::AgentJoined { name, .. } => self.agent_joined(name, now),
            LiveChatEvent::AgentMessage { name, text, .. } => {
                if let Some(a) = &mut self.agent {
                    a.typing = None;
                }
                self.add_message(Author::Agent { name }, text, Vec::new(), now);
            }
            LiveChatEvent::AgentTyping { typing } => {
                let name = self.current_agent_name();
                if let Some(a) = &mut self.agent {
                    a.typing = typing.then_some(name);
                }
            }
            LiveChatEvent::AgentTransferred { name, .. } => {
                if let Some(a) = &mut self.agent {
                    a.agents.clear();
                    a.transferring = true;
                }
                self.agent_joined(name, now);
            }
            LiveChatEvent::AgentDisconnected => {
                let name = self.current_agent_name();
                if let Some(a) = &mut self.agent {
                    a.agents.clear();
                    a.typing = None;
                }
                self.system(MsgKey::AgentLeft, &[("agentName", &name)], now);
                self.events.push_back(ChatEvent::AgentLeft { name });
            }
            LiveChatEvent::IdleTimeoutWarning { triggered } => {
                if triggered {
                    self.system(MsgKey::IdleTimeoutWarning, &[], now);
                }
            }
            LiveChatEvent::History { entries } => self.merge_history(entries, now),
            LiveChatEvent::CustomEvent { kind, data } => {
                self.events.push_back(ChatEvent::Custom { kind, data })
            }
            LiveChatEvent::FileRequested => {
                let name = self.current_agent_name();
                self.system(MsgKey::FileRequestUnavailable, &[("agentName", &name)], now);
            }
            LiveChatEvent::MessageWaiting { local_id, waiting } => {
                if let Some(mid) = self.message_by_remote(&local_id) {
                    let s = if waiting {
                        Status::Waiting
                    } else {
                        Status::Sending
                    };
                    self.update_status(&mid, s);
                }
            }
            LiveChatEvent::MessageSent { local_id } => {
                if let Some(mid) = self.message_by_remote(&local_id) {
                    self.update_status(&mid, Status::Sent);
                }
            }
            LiveChatEvent::MessageFailed { local_id, reason } => {
                if let Some(mid) = self.message_by_remote(&local_id) {
                    self.update_status(&mid, Status::Failed);
                }
                self.events.push_back(ChatEvent::Log {
                    message: format!("a message was not delivered: {reason}"),
                });
            }
            LiveChatEvent::Ended { reason } => {
                use livechat::EndReason as R;
                let ending = self.agent.as_ref().is_some_and(|a| a.ending);
                let name = self.current_agent_name();
                let tag = match reason {
                    R::Agent => {
                        self.system(MsgKey::AgentEnded, &[("agentName", &name)], now);
                        "agent"
                    }
                    R::Visitor => {
                        if !ending {
                            self.system(MsgKey::ChatEnded, &[], now);
                        }
                        "visitor"
                    }
                    R::NoAgentAvailable => {
                        self.system(MsgKey::NoAgentAvailable, &[], now);
                        "unavailable"
                    }
                    R::RequestFailed(f) => {
                        let code = match f {
                            FailReason::Unavailable => "Unavailable".to_string(),
                            FailReason::NoPost => "NoPost".into(),
                            FailReason::InternalFailure => "InternalFailure".into(),
                            FailReason::Blocked => "Blocked".into(),
                            FailReason::Unknown => "Unknown".into(),
                            FailReason::Other(s) => s,
                        };
                        self.request_failed(&code, now);
                        "failed"
                    }
                    R::AgentsUnavailable => {
                        self.request_failed("agentsUnavailable", now);
                        "failed"
                    }
                    R::AgentPushTimeout => {
                        self.request_failed("agentPushTimeout", now);
                        "failed"
                    }
                    R::VisitorIdleTimeout => {
                        self.system(MsgKey::IdleTimeoutEnded, &[], now);
                        "idle"
                    }
                    R::SessionInvalid => {
                        self.system(MsgKey::SessionExpired, &[], now);
                        "expired"
                    }
                    R::ConnectionLost => {
                        self.system(MsgKey::ConnectionLost, &[], now);
                        "connection"
                    }
                    R::DuplicatePoll | R::Other(_) => {
                        self.system(MsgKey::ChatEnded, &[], now);
                        "ended"
                    }
                    R::Error(message) => {
                        self.events.push_back(ChatEvent::Error { message });
                        self.system(MsgKey::ChatEnded, &[], now);
                        "error"
                    }
                };
                // Visitor messages the session could not deliver stay, marked failed.
                self.agent_finished(tag);
            }
            LiveChatEvent::Log { message } => self.events.push_back(ChatEvent::Log { message }),
            LiveChatEvent::Connection { online } => self.connection_changed(online, now),
        }
    }

    fn message_by_remote(&self, remote: &str) -> Option<String> {
        self.transcript
            .messages()
            .iter()
            .find(|m| m.remote_id.as_deref() == Some(remote))
            .map(|m| m.id.clone())
    }

    /// `ChasitorSessionData` after a reconnect: adds the lines this transcript lacks (each
    /// known line is matched once, in order), so nothing is shown twice or lost.
    fn merge_history(&mut self, entries: Vec<HistoryEntry>, now: Millis) {
        let mut used = vec![false; self.transcript.messages().len()];
        for e in entries {
            let visitor = e.kind == "Chasitor";
            if !visitor && e.kind != "Agent" {
                continue;
            }
            let found = self
                .transcript
                .messages()
                .iter()
                .enumerate()
                .position(|(i, m)| {
                    !used[i]
                        && m.text == e.content
                        && matches!(
                            (&m.author, visitor),
                            (Author::Visitor, true) | (Author::Agent { .. }, false)
                        )
                });
            match found {
                Some(i) => used[i] = true,
                None => {
                    let author = if visitor {
                        Author::Visitor
                    } else {
                        Author::Agent { name: e.name }
                    };
                    let id =
                        self.add_message(author, e.content, Vec::new(), e.timestamp.unwrap_or(now));
                    if visitor {
                        self.set_status(Some(&id), Status::Sent);
                    }
                    used.push(true);
                }
            }
        }
    }
}

enum Ev {
    Miaw(MiawEvent),
    Live(LiveChatEvent),
}

fn shift(a: HttpAction, base: u64) -> HttpAction {
    match a {
        HttpAction::Start(mut r) => {
            r.id += base;
            HttpAction::Start(r)
        }
        HttpAction::Upload(mut u) => {
            u.id += base;
            HttpAction::Upload(u)
        }
        HttpAction::Stream(mut r) => {
            r.id += base;
            HttpAction::Stream(r)
        }
        HttpAction::Abort(id) => HttpAction::Abort(id + base),
    }
}
