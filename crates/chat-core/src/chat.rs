//! The conversation state machine that the widget drives.
//!
//! Inputs are `handle_*` calls (visitor intents, HTTP results, timeouts); outputs are drained
//! with `poll_*` calls (HTTP actions, events for the UI and the host page, state to persist)
//! and [`Chat::next_deadline`]. `now` is always passed in; nothing here reads a clock.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::tabs::Intent;
use crate::Pairs;

use crate::bot::rasa::{parse_response, request_body};
use crate::bot::{Decision, LocalBot};
use crate::codec::Json;
use crate::config::Report;
use crate::config::{BotConfig, Loaded, RasaConfig, WidgetConfig};
use crate::handoff::run::{AgentChat, AgentSaved};
use crate::handoff::PrechatState;
use crate::http::{HttpAction, HttpError, HttpRequest, HttpResponse, Method, RequestId};
use crate::messages::{Catalogue, MsgKey};
use crate::transcript::{Author, Message, Millis, QuickReply, Status, Transcript};

/// Longest visitor message sent as one; longer texts are split, never cut.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// What the browser knows about its environment when the widget starts.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `<html lang>` of the host page.
    pub page_language: Option<String>,
    /// `navigator.languages`, most preferred first.
    pub browser_languages: Vec<String>,
    /// A random id for this browser tab's conversation (the Rasa `sender`).
    pub session_id: String,
    /// The state saved by an earlier page in this tab ([`Chat::poll_persist`]).
    pub persisted: Option<String>,
    /// `navigator.userAgent` (told to Live Chat agents).
    pub user_agent: String,
    /// Screen size, `1920x1080` (told to Live Chat agents).
    pub screen: String,
    /// Random seed for MIAW ids and reconnect jitter (from `crypto.getRandomValues`).
    pub seed: u64,
    /// The page's origin (`https://shop.example.com`), named in connection diagnostics.
    pub page_origin: String,
    /// A shipped language's texts as data ([`crate::messages::LanguageData`] JSON), for a
    /// build that does not compile them in; used when it is the chosen language.
    pub language_data: Option<String>,
}

/// The hand-off request: everything a human agent needs to pick up the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRequest {
    /// The bot conversation so far, one line per message.
    pub transcript: String,
    /// Context the bot collected (last intent, Rasa `custom.context`, ...).
    pub context: Pairs,
}

/// Something that happened, for the UI (announcements) and the host page (`ChatWidget.on`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// A message was added; `incoming` messages are announced by the live region.
    Message {
        id: String,
        author: Author,
        text: String,
        incoming: bool,
    },
    Opened,
    Closed,
    HandoffRequested(HandoffRequest),
    ConversationEnded,
    /// A problem worth telling the host page (bot server unreachable, bad config, ...).
    Error {
        message: String,
    },
    /// The agent conversation exists: MIAW conversation id / Live Chat session id.
    ConversationStarted {
        id: String,
    },
    /// The agent conversation is over (`agent`, `visitor`, `failed`, `unavailable`, `expired`,
    /// `idle`, `connection`, `ended`, `error`).
    ConversationClosed {
        reason: &'static str,
        /// The conversation that closed.
        id: Option<String>,
    },
    AgentJoined {
        name: String,
    },
    AgentLeft {
        name: String,
    },
    /// Verified users: the host page must call `ChatWidget.setIdentityToken(jwt)`.
    IdentityTokenNeeded,
    /// Queue position / estimated wait changed (Live Chat).
    Queue {
        position: Option<u64>,
        wait_secs: Option<u64>,
    },
    /// No agent joined in the configured time; the visitor was offered to keep waiting.
    WaitTimeout,
    /// The connection to the agent service was lost (`false`) or is back (`true`).
    Connection {
        online: bool,
    },
    /// A Live Chat `CustomEvent` from the agent console.
    Custom {
        kind: String,
        data: String,
    },
    /// A diagnostic for the console only (never contains message text).
    Log {
        message: String,
    },
}

/// The event's `detail` for the host page (`ChatWidget.on(name, fn)` gets it as a plain
/// object): `message` → `{id, author, name?, text, incoming}`, `handoff:requested` →
/// `{transcript, context}`, `error` → `{message}`, `conversation:started` →
/// `{conversationId}`, `conversation:closed` → `{reason, conversationId}`, `agent:joined` /
/// `agent:left` → `{name}`, `queue:update` → `{position, waitSeconds}`, `connection` →
/// `{online}`, `custom` → `{type, data}`; the others → `{}`.
impl Serialize for ChatEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            ChatEvent::Message {
                id,
                author,
                text,
                incoming,
            } => {
                let (kind, name) = match author {
                    Author::Visitor => ("visitor", None),
                    Author::Bot { name } => ("bot", Some(name)),
                    Author::Agent { name } => ("agent", Some(name)),
                    Author::System => ("system", None),
                };
                m.serialize_entry("id", id)?;
                m.serialize_entry("author", kind)?;
                if let Some(n) = name {
                    m.serialize_entry("name", n)?;
                }
                m.serialize_entry("text", text)?;
                m.serialize_entry("incoming", incoming)?;
            }
            ChatEvent::HandoffRequested(h) => {
                m.serialize_entry("transcript", &h.transcript)?;
                m.serialize_entry("context", &h.context)?;
            }
            ChatEvent::Error { message } => m.serialize_entry("message", message)?,
            ChatEvent::ConversationStarted { id } => m.serialize_entry("conversationId", id)?,
            ChatEvent::ConversationClosed { reason, id } => {
                m.serialize_entry("reason", reason)?;
                m.serialize_entry("conversationId", id)?;
            }
            ChatEvent::AgentJoined { name } | ChatEvent::AgentLeft { name } => {
                m.serialize_entry("name", name)?
            }
            ChatEvent::Queue {
                position,
                wait_secs,
            } => {
                m.serialize_entry("position", position)?;
                m.serialize_entry("waitSeconds", wait_secs)?;
            }
            ChatEvent::Connection { online } => m.serialize_entry("online", online)?,
            ChatEvent::Custom { kind, data } => {
                m.serialize_entry("type", kind)?;
                m.serialize_entry("data", data)?;
            }
            ChatEvent::Opened
            | ChatEvent::Closed
            | ChatEvent::ConversationEnded
            | ChatEvent::IdentityTokenNeeded
            | ChatEvent::WaitTimeout
            | ChatEvent::Log { .. } => {}
        }
        m.end()
    }
}

impl ChatEvent {
    /// Name used by `ChatWidget.on(name, fn)`.
    pub fn name(&self) -> &'static str {
        match self {
            ChatEvent::Message { .. } => "message",
            ChatEvent::Opened => "open",
            ChatEvent::Closed => "close",
            ChatEvent::HandoffRequested(_) => "handoff:requested",
            ChatEvent::ConversationEnded => "conversation:ended",
            ChatEvent::Error { .. } => "error",
            ChatEvent::ConversationStarted { .. } => "conversation:started",
            ChatEvent::ConversationClosed { .. } => "conversation:closed",
            ChatEvent::AgentJoined { .. } => "agent:joined",
            ChatEvent::AgentLeft { .. } => "agent:left",
            ChatEvent::IdentityTokenNeeded => "identity:needed",
            ChatEvent::Queue { .. } => "queue:update",
            ChatEvent::WaitTimeout => "wait:timeout",
            ChatEvent::Connection { .. } => "connection",
            ChatEvent::Custom { .. } => "agent:custom",
            ChatEvent::Log { .. } => "log",
        }
    }
}

/// One visitor turn waiting for (or being handled by) the remote bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Turn {
    /// The visitor message in the transcript (`None` for a silent payload such as `/greet`).
    #[serde(default)]
    message_id: Option<String>,
    /// What is sent to the bot (the text, or a quick reply's payload).
    payload: String,
}

#[derive(Debug, Clone)]
struct InFlight {
    request: RequestId,
    turn: Turn,
    deadline: Millis,
}

#[derive(Debug, Clone)]
enum Bot {
    Local(LocalBot),
    Rasa {
        config: RasaConfig,
        queue: VecDeque<Turn>,
        in_flight: Option<InFlight>,
    },
}

/// What survives a page reload (sessionStorage): the saved-state schema, version
/// [`PERSIST_VERSION`]. A state that does not decode (damaged, or from an unknown version)
/// is discarded whole, with a log line: a fresh conversation rather than half of one.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Persisted {
    version: u32,
    transcript: Transcript,
    open: bool,
    ended: bool,
    #[serde(default)]
    fallbacks: u32,
    #[serde(default, deserialize_with = "crate::loose::pairs")]
    context: Pairs,
    #[serde(default)]
    queue: Vec<Turn>,
    session_id: String,
    /// Version 1 held the agent session's state as JSON text, version 2 as an object.
    #[serde(default, deserialize_with = "crate::loose::lenient")]
    agent: Option<AgentSaved>,
    /// The pre-chat form was open (it is shown again after the reload).
    #[serde(default)]
    prechat: bool,
    /// Ids of the latest intents applied (see [`crate::tabs`]).
    #[serde(default)]
    intents: Vec<String>,
}

/// The saved-state schema's version. 2: the agent session's state is an object (1 held it as
/// JSON text, still read).
const PERSIST_VERSION: u32 = 2;

/// The conversation.
#[derive(Debug)]
pub struct Chat<J: Json> {
    pub(crate) config: WidgetConfig,
    pub(crate) catalogue: Catalogue,
    report: Report,
    bot: Bot,
    pub(crate) transcript: Transcript,
    open: bool,
    unread: u32,
    pub(crate) ended: bool,
    started: bool,
    pub(crate) context: Pairs,
    session_id: String,
    pub(crate) next_request: RequestId,
    pub(crate) http: VecDeque<HttpAction>,
    pub(crate) events: VecDeque<ChatEvent>,
    pub(crate) dirty: bool,
    /// The agent conversation (MIAW or Live Chat), once the bot handed off.
    pub(crate) agent: Option<AgentChat<J>>,
    /// Ended agent sessions still finishing a last request (Live Chat `ChatEnd`).
    pub(crate) retired: Vec<AgentChat<J>>,
    /// Agent sessions started so far (numbers their request ids).
    pub(crate) agent_count: u64,
    /// The pre-chat form, while shown.
    pub(crate) prechat: Option<PrechatState>,
    /// The form shown (configured fields, or the deployment's merged with them).
    pub(crate) prechat_form: Option<crate::handoff::PrechatForm>,
    /// The request for the deployment's pre-chat form, while in flight.
    pub(crate) form_request: Option<RequestId>,
    pub(crate) hidden_fields: Pairs,
    pub(crate) identity_token: Option<String>,
    pub(crate) seed: u64,
    pub(crate) user_agent: String,
    pub(crate) screen: String,
    pub(crate) page_origin: String,
    /// A saved agent conversation, resumed by `handle_start`.
    restore_agent: Option<AgentSaved>,
    /// The pre-chat form was open before the reload.
    restore_prechat: bool,
    /// The page is in a background tab (`document.hidden`): nothing is "seen" then.
    pub(crate) page_hidden: bool,
    /// Bumped on every visible change, so the UI can skip re-rendering when nothing changed.
    revision: u64,
    /// Ids of the latest intents applied ([`Chat::handle_intent`]), oldest first; saved.
    applied_intents: VecDeque<String>,
}

impl<J: Json> Chat<J> {
    /// Builds the conversation from a loaded configuration, restoring persisted state if any.
    pub fn new(loaded: Loaded, env: Environment) -> Self {
        let Loaded { config, mut report } = loaded;
        let mut languages: Vec<&str> = Vec::new();
        languages.extend(config.language.as_deref());
        languages.extend(env.page_language.as_deref().filter(|l| !l.is_empty()));
        languages.extend(env.browser_languages.iter().map(String::as_str));
        let data = env
            .language_data
            .as_deref()
            .and_then(crate::messages::LanguageData::from_json::<J>);
        let (catalogue, message_problems) =
            Catalogue::with_data(&languages, config.messages.as_ref(), data);
        report.warnings.extend(message_problems);
        let bot = match &config.bot {
            BotConfig::Local(c) => Bot::Local(LocalBot::new(c.clone())),
            BotConfig::Rasa(c) => Bot::Rasa {
                config: c.clone(),
                queue: VecDeque::new(),
                in_flight: None,
            },
        };
        let mut chat = Chat {
            open: config.open_on_load,
            config,
            catalogue,
            report,
            bot,
            transcript: Transcript::default(),
            unread: 0,
            ended: false,
            started: false,
            context: Pairs::new(),
            session_id: env.session_id,
            next_request: 0,
            http: VecDeque::new(),
            events: VecDeque::new(),
            dirty: false,
            revision: 1,
            agent: None,
            retired: Vec::new(),
            agent_count: 0,
            prechat: None,
            prechat_form: None,
            form_request: None,
            hidden_fields: Pairs::new(),
            identity_token: None,
            seed: env.seed,
            user_agent: env.user_agent,
            screen: env.screen,
            page_origin: env.page_origin,
            restore_agent: None,
            restore_prechat: false,
            page_hidden: false,
            applied_intents: VecDeque::new(),
        };
        if let Some(saved) = env.persisted.as_deref().filter(|_| chat.config.persist) {
            chat.restore(saved);
        }
        for problem in chat.report.errors.clone() {
            chat.events.push_back(ChatEvent::Error {
                message: format!("configuration: {problem}"),
            });
        }
        chat
    }

    fn restore(&mut self, saved: &str) {
        // A state from another version or a damaged value is ignored: a fresh conversation.
        let p = match J::decode::<Persisted>(saved) {
            Ok(p) if (1..=PERSIST_VERSION).contains(&p.version) => p,
            Ok(p) => return self.discard_saved(&format!("version {}", p.version)),
            Err(e) => return self.discard_saved(&e.0),
        };
        self.transcript = p.transcript;
        self.open = p.open || self.open;
        self.ended = p.ended;
        self.context = p.context;
        self.session_id = p.session_id;
        self.restore_agent = p.agent;
        self.restore_prechat = p.prechat;
        self.applied_intents = p.intents.into();
        self.started = !self.transcript.messages().is_empty() || self.ended;
        match &mut self.bot {
            Bot::Local(bot) => bot.set_consecutive_fallbacks(p.fallbacks),
            Bot::Rasa { queue, .. } => queue.extend(p.queue),
        }
        // A visitor message that was on its way when the page unloaded is sent again.
        let unsent: Vec<String> = self
            .transcript
            .messages()
            .iter()
            .filter(|m| m.status == Some(Status::Sending))
            .map(|m| m.id.clone())
            .collect();
        // Messages to an agent are resumed by the agent session (see `restore_agent`).
        let unsent: Vec<String> = unsent
            .into_iter()
            .filter(|id| {
                self.restore_agent.is_none()
                    || self
                        .transcript
                        .get(id)
                        .is_some_and(|m| m.remote_id.is_none())
            })
            .collect();
        for id in unsent {
            let queued = matches!(&self.bot, Bot::Rasa { queue, .. } if queue.iter().any(|t| t.message_id.as_deref() == Some(id.as_str())));
            if !queued {
                if let Some(m) = self.transcript.get_mut(&id) {
                    m.status = Some(Status::Failed);
                }
            }
        }
    }

    fn discard_saved(&mut self, why: &str) {
        self.events.push_back(ChatEvent::Log {
            message: format!("the saved conversation cannot be restored ({why}); starting afresh"),
        });
    }

    // ----- read access for the UI -------------------------------------------------------

    pub fn messages(&self) -> &[std::rc::Rc<Message>] {
        self.transcript.messages()
    }
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    pub fn config(&self) -> &WidgetConfig {
        &self.config
    }
    /// Configuration problems: errors (the chat cannot start) and warnings (ignored values).
    pub fn report(&self) -> &Report {
        &self.report
    }
    pub fn is_open(&self) -> bool {
        self.open
    }
    pub fn unread(&self) -> u32 {
        self.unread
    }
    pub fn is_ended(&self) -> bool {
        self.ended
    }
    pub fn revision(&self) -> u64 {
        self.revision
    }
    /// Earlier messages a restored conversation no longer has (only the latest
    /// [`crate::transcript::KEPT_MESSAGES`] are saved).
    pub fn dropped_messages(&self) -> u64 {
        self.transcript.dropped()
    }
    /// Whether something changed since the last [`Chat::poll_persist`] (the browser batches
    /// saves and polls when it is time to write).
    pub fn persist_pending(&self) -> bool {
        self.dirty && self.config.persist
    }
    /// Window title (configuration, else the catalogue).
    pub fn title(&self) -> String {
        self.config
            .title
            .clone()
            .unwrap_or_else(|| self.catalogue.text(MsgKey::WindowTitle))
    }
    /// The line under the title (configuration), if any.
    pub fn subtitle(&self) -> Option<&str> {
        self.config.subtitle.as_deref()
    }
    /// Launcher icon, logo and avatars (configuration).
    pub fn brand(&self) -> &crate::brand::Brand {
        &self.config.brand
    }
    /// Who is typing right now, if anyone (the bot while it is thinking).
    pub fn typing(&self) -> Option<String> {
        if self.agent.is_some() {
            return self.agent_typing();
        }
        match &self.bot {
            Bot::Rasa {
                in_flight: Some(_),
                config,
                ..
            } => Some(config.name.clone()),
            _ => None,
        }
    }
    /// Whether the composer accepts input.
    pub fn can_send(&self) -> bool {
        self.report.errors.is_empty()
            && !self.ended
            && self.prechat.is_none()
            && self.form_request.is_none()
    }

    // ----- outputs ----------------------------------------------------------------------

    pub fn poll_http(&mut self) -> Option<HttpAction> {
        self.http.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<ChatEvent> {
        self.events.pop_front()
    }

    /// The state to save in sessionStorage, when it changed (and persistence is on).
    pub fn poll_persist(&mut self) -> Option<String> {
        if !std::mem::take(&mut self.dirty) || !self.config.persist {
            return None;
        }
        let (fallbacks, queue) = match &self.bot {
            Bot::Local(b) => (b.consecutive_fallbacks(), Vec::new()),
            Bot::Rasa {
                queue, in_flight, ..
            } => (
                0,
                in_flight
                    .iter()
                    .map(|f| f.turn.clone())
                    .chain(queue.iter().cloned())
                    .collect(),
            ),
        };
        let agent = self.agent.as_ref().map(|a| a.to_saved());
        let p = Persisted {
            agent,
            prechat: self.prechat.is_some() || self.form_request.is_some(),
            version: PERSIST_VERSION,
            transcript: self.transcript.saved(),
            open: self.open,
            ended: self.ended,
            fallbacks,
            context: self.context.clone(),
            queue,
            session_id: self.session_id.clone(),
            intents: self.applied_intents.iter().cloned().collect(),
        };
        Some(J::encode(&p))
    }

    /// When [`Chat::handle_timeout`] must be called next.
    pub fn next_deadline(&self) -> Option<Millis> {
        let bot = match &self.bot {
            Bot::Rasa {
                in_flight: Some(f), ..
            } => Some(f.deadline),
            _ => None,
        };
        [bot, self.agent_deadline()].into_iter().flatten().min()
    }

    pub(crate) fn changed(&mut self) {
        self.revision += 1;
        self.dirty = true;
    }

    // ----- inputs -----------------------------------------------------------------------

    /// The widget is mounted: greet (unless a conversation was restored) and resume work.
    pub fn handle_start(&mut self, now: Millis) {
        if !self.report.errors.is_empty() {
            return;
        }
        if !self.started {
            self.started = true;
            self.greet(now);
        }
        let has_form = self
            .config
            .handoff
            .as_ref()
            .is_some_and(|h| h.prechat.is_some());
        if std::mem::take(&mut self.restore_prechat) && has_form && !self.ended {
            // The visitor reloaded while the form was open: it is asked again.
            self.begin_handoff(now);
        }
        if let Some(saved) = self.restore_agent.take() {
            if !self.ended {
                self.restore_agent(saved, now);
            }
        }
        self.pump_bot(now);
    }

    fn greet(&mut self, now: Millis) {
        match &self.bot {
            Bot::Local(bot) => {
                let (text, quick) = bot.greeting();
                if !text.trim().is_empty() {
                    let (text, quick, name) =
                        (text.to_string(), quick.to_vec(), bot.config.name.clone());
                    // Not unread: the greeting waits for the visitor, it does not call them
                    // (no badge on every page view, nor one appearing when the widget loads).
                    self.push_message(Author::Bot { name }, text, quick, false, now);
                }
            }
            Bot::Rasa { config, .. } => {
                if let Some(payload) = config.initial_payload.clone() {
                    self.queue_turn(Turn {
                        message_id: None,
                        payload,
                    });
                }
            }
        }
        self.changed();
    }

    /// Opens the window; `now` is for the read receipts of an agent conversation.
    pub fn handle_open(&mut self, now: Millis) {
        if !self.open {
            self.open = true;
            self.unread = 0;
            self.events.push_back(ChatEvent::Opened);
            self.changed();
            if !self.page_hidden {
                self.agent_seen(now);
            }
        }
    }

    /// The page became visible (`true`) or went to a background tab (`false`). Agents' messages
    /// count as read only while the window is open on a visible page.
    pub fn handle_visibility(&mut self, visible: bool, now: Millis) {
        let was_hidden = std::mem::replace(&mut self.page_hidden, !visible);
        if visible && was_hidden && self.open {
            self.agent_seen(now);
        }
    }

    pub fn handle_close(&mut self) {
        if self.open {
            self.open = false;
            self.events.push_back(ChatEvent::Closed);
            self.changed();
        }
    }

    pub fn handle_toggle(&mut self, now: Millis) {
        if self.open {
            self.handle_close()
        } else {
            self.handle_open(now)
        }
    }

    /// Host-page variables for `{{vars.NAME}}` templates.
    pub fn handle_set_variables(&mut self, vars: Pairs) {
        self.catalogue.set_variables(vars);
        self.changed();
    }

    /// Applies a visitor intent, from this tab or forwarded by another one (see
    /// [`crate::tabs`]). `id` identifies it across tabs: an intent applied already, by this
    /// tab or by an earlier owner (the ids are saved with the conversation), is skipped and
    /// `None` returned; otherwise the answer of the `handle_*` it stands for.
    pub fn handle_intent(&mut self, id: &str, intent: Intent, now: Millis) -> Option<bool> {
        if !intent.is_ephemeral() {
            if self.applied_intents.iter().any(|i| i == id) {
                return None;
            }
            if self.applied_intents.len() >= crate::tabs::REMEMBERED_INTENTS {
                self.applied_intents.pop_front();
            }
            self.applied_intents.push_back(id.to_string());
            self.dirty = true;
        }
        Some(match intent {
            Intent::Send { text } => self.handle_send(&text, now),
            Intent::QuickReply { message_id, index } => {
                self.handle_quick_reply(&message_id, index, now)
            }
            Intent::Retry { message_id } => self.handle_retry(&message_id, now),
            Intent::End => {
                self.handle_end(now);
                true
            }
            Intent::Restart { session_id } => {
                self.handle_restart(now, session_id);
                true
            }
            Intent::PrechatSubmit { values } => self.handle_prechat_submit(values, now),
            Intent::PrechatCancel => {
                self.handle_prechat_cancel();
                true
            }
            Intent::ComposerText { text } => {
                self.handle_composer_text(&text, now);
                true
            }
            Intent::SendFile { file } => self.handle_send_file(file, now),
            Intent::SetVariables { vars } => {
                self.handle_set_variables(vars);
                true
            }
            Intent::SetHiddenFields { fields } => {
                self.handle_set_hidden_fields(fields);
                true
            }
            Intent::IdentityToken { jwt } => {
                self.handle_identity_token(jwt, now);
                true
            }
            Intent::Seen => {
                self.agent_seen(now);
                true
            }
        })
    }

    /// Whether `intent` can be applied now, as far as this tab can tell: a mirror tab (see
    /// [`crate::tabs`]) asks before it forwards, so that the composer keeps a text that cannot
    /// be sent and the pre-chat form shows its problems at once.
    pub fn accepts(&mut self, intent: &Intent) -> bool {
        match intent {
            Intent::Send { text } => !text.trim().is_empty() && self.can_send(),
            Intent::QuickReply { .. } | Intent::SendFile { .. } => self.can_send(),
            Intent::PrechatSubmit { values } => self.check_prechat(values),
            _ => true,
        }
    }

    /// Shows the window (or not) without an `open`/`close` event: a tab's own window state
    /// laid over the conversation it shares with the other tabs.
    pub fn restore_open(&mut self, open: bool) {
        if self.open != open {
            self.open = open;
            if open {
                self.unread = 0;
            }
            self.changed();
        }
    }

    /// The visitor sends text. Returns `false` (and changes nothing) when it cannot be sent
    /// now: blank text, a configuration error, or an ended conversation — the composer keeps
    /// the text in those cases.
    pub fn handle_send(&mut self, text: &str, now: Millis) -> bool {
        let text = text.trim();
        if text.is_empty() || !self.can_send() {
            return false;
        }
        let chars: Vec<char> = text.chars().collect();
        for part in chars.chunks(MAX_MESSAGE_CHARS) {
            let part: String = part.iter().collect();
            if self.with_agent() {
                self.agent_send(part, now);
            } else {
                self.visitor_turn(part.clone(), None, false, now);
            }
        }
        true
    }

    /// The visitor chose quick reply `index` of message `message_id`.
    pub fn handle_quick_reply(&mut self, message_id: &str, index: usize, now: Millis) -> bool {
        if !self.can_send() {
            return false;
        }
        let Some((reply, author, remote)) = self.transcript.get(message_id).and_then(|m| {
            let r = m.quick_replies.get(index)?.clone();
            Some((r, m.author.clone(), m.remote_id.clone()))
        }) else {
            return false;
        };
        if matches!(author, Author::System | Author::Agent { .. }) {
            return self.agent_quick_reply(&author, remote, reply, now);
        }
        self.visitor_turn(reply.label, reply.payload, reply.handoff, now);
        true
    }

    /// The visitor asks to send a failed message again.
    pub fn handle_retry(&mut self, message_id: &str, now: Millis) -> bool {
        let with_agent = self.with_agent();
        let Some(m) = self.transcript.get_mut(message_id) else {
            return false;
        };
        if m.status != Some(Status::Failed) || !matches!(m.author, Author::Visitor) {
            return false;
        }
        if m.remote_id.is_some() || with_agent {
            return self.agent_retry(message_id, now);
        }
        m.status = Some(Status::Sending);
        let text = m.text.clone();
        self.changed();
        self.route_to_bot(message_id.to_string(), text, None, now);
        true
    }

    /// The visitor ends the conversation (header button).
    pub fn handle_end(&mut self, now: Millis) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.prechat = None;
        self.form_request = None;
        self.transcript.clear_quick_replies();
        if self.agent.is_some() {
            self.agent_end(now);
        }
        if let Bot::Rasa {
            queue, in_flight, ..
        } = &mut self.bot
        {
            if let Some(f) = in_flight.take() {
                self.http.push_back(HttpAction::Abort(f.request));
            }
            queue.clear();
        }
        let text = self.catalogue.text(MsgKey::VisitorEnded);
        self.add_message(Author::System, text, Vec::new(), now);
        self.events.push_back(ChatEvent::ConversationEnded);
        self.changed();
    }

    /// "Start a new chat" after the conversation ended: a fresh conversation and greeting.
    pub fn handle_restart(&mut self, now: Millis, new_session_id: String) {
        if !self.ended {
            return;
        }
        self.ended = false;
        if let Some(a) = self.agent.take() {
            self.retired.push(a);
        }
        self.transcript.clear();
        self.context.clear();
        self.session_id = new_session_id;
        if let Bot::Local(bot) = &mut self.bot {
            bot.set_consecutive_fallbacks(0);
        }
        self.started = true;
        self.greet(now);
        self.pump_bot(now);
    }

    /// A request started by [`Chat::poll_http`] finished.
    pub fn handle_http(
        &mut self,
        id: RequestId,
        result: Result<HttpResponse, HttpError>,
        now: Millis,
    ) {
        if self.form_request == Some(id) {
            self.deployment_form(result, now);
            return;
        }
        if self.agent_http(id, result.clone(), now) {
            return;
        }
        let Bot::Rasa { in_flight, .. } = &mut self.bot else {
            return;
        };
        if in_flight.as_ref().map(|f| f.request) != Some(id) {
            return; // a late answer to an aborted request
        }
        let turn = in_flight.take().expect("checked above").turn;
        let outcome = match result {
            Ok(r) if r.is_success() => parse_response::<J>(&r.body),
            Ok(r) => Err(format!("the bot server answered HTTP {}", r.status)),
            Err(HttpError::Network(e)) => Err(format!("the bot server could not be reached ({e})")),
            Err(HttpError::Aborted) => Err("the bot server did not answer in time".into()),
        };
        match outcome {
            Ok(replies) => {
                self.set_status(turn.message_id.as_deref(), Status::Delivered);
                let name = self.bot_name();
                let mut handoff = false;
                for r in replies {
                    self.context.extend(r.context);
                    handoff |= r.handoff;
                    if !r.text.is_empty() || r.image.is_some() || !r.buttons.is_empty() {
                        self.add_message(
                            Author::Bot { name: name.clone() },
                            r.text,
                            r.buttons,
                            now,
                        );
                        if let Some(url) = r.image {
                            if let Some(m) = self.transcript.last_mut() {
                                m.image_url = Some(url);
                            }
                        }
                    }
                }
                if handoff {
                    self.request_handoff(now, false);
                }
            }
            Err(reason) => self.bot_failed(turn, reason, now),
        }
        self.changed();
        self.pump_bot(now);
    }

    /// Time passed: a bot request that took too long is aborted and reported.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.agent_timeout(now);
        let expired =
            matches!(&self.bot, Bot::Rasa { in_flight: Some(f), .. } if now >= f.deadline);
        if !expired {
            return;
        }
        let Bot::Rasa { in_flight, .. } = &mut self.bot else {
            return;
        };
        let f = in_flight.take().expect("checked above");
        self.http.push_back(HttpAction::Abort(f.request));
        self.bot_failed(f.turn, "the bot server did not answer in time".into(), now);
        self.changed();
        self.pump_bot(now);
    }

    // ----- internals ----------------------------------------------------------------------

    fn bot_name(&self) -> String {
        match &self.bot {
            Bot::Local(b) => b.config.name.clone(),
            Bot::Rasa { config, .. } => config.name.clone(),
        }
    }

    fn bot_failed(&mut self, turn: Turn, reason: String, now: Millis) {
        self.set_status(turn.message_id.as_deref(), Status::Failed);
        let text = self.catalogue.text(MsgKey::BotUnavailable);
        self.add_message(Author::System, text, Vec::new(), now);
        self.events.push_back(ChatEvent::Error { message: reason });
    }

    pub(crate) fn set_status(&mut self, message_id: Option<&str>, status: Status) {
        if let Some(m) = message_id.and_then(|id| self.transcript.get_mut(id)) {
            m.status = Some(status);
        }
    }

    pub(crate) fn add_message(
        &mut self,
        author: Author,
        text: String,
        quick: Vec<QuickReply>,
        now: Millis,
    ) -> String {
        let unread = author.is_incoming() && !self.open;
        self.push_message(author, text, quick, unread, now)
    }

    /// Adds a message; `unread`: it counts on the launcher's badge.
    fn push_message(
        &mut self,
        author: Author,
        text: String,
        quick: Vec<QuickReply>,
        unread: bool,
        now: Millis,
    ) -> String {
        self.transcript.clear_quick_replies();
        let incoming = author.is_incoming();
        let id = self.transcript.push(author.clone(), text.clone(), now);
        if let Some(m) = self.transcript.last_mut() {
            m.quick_replies = quick;
        }
        if unread {
            self.unread += 1;
        }
        self.events.push_back(ChatEvent::Message {
            id: id.clone(),
            author,
            text,
            incoming,
        });
        self.changed();
        id
    }

    fn visitor_turn(&mut self, text: String, payload: Option<String>, handoff: bool, now: Millis) {
        let id = self.add_message(Author::Visitor, text.clone(), Vec::new(), now);
        if handoff {
            self.set_status(Some(&id), Status::Delivered);
            self.request_handoff(now, true);
            return;
        }
        self.route_to_bot(id, text, payload, now);
    }

    fn route_to_bot(&mut self, id: String, text: String, payload: Option<String>, now: Millis) {
        match &mut self.bot {
            Bot::Local(bot) => {
                let name = bot.config.name.clone();
                let decision = bot.decide(&text, payload.as_deref());
                let (reply, quick, handoff, intent) = match decision {
                    Decision::Intent(i) => (
                        i.reply.clone(),
                        i.quick_replies.clone(),
                        i.handoff,
                        Some(i.name.clone()),
                    ),
                    Decision::Handoff => (String::new(), Vec::new(), true, None),
                    Decision::Fallback { offer_handoff } => {
                        let fallback = bot
                            .config
                            .fallback
                            .clone()
                            .unwrap_or_else(|| self.catalogue.text(MsgKey::BotFallback));
                        let (text, quick) = if offer_handoff {
                            let offer = self.catalogue.text(MsgKey::BotOfferHandoff);
                            let button = QuickReply {
                                label: self.catalogue.text(MsgKey::BotOfferHandoffAccept),
                                payload: None,
                                handoff: true,
                            };
                            (format!("{fallback} {offer}"), vec![button])
                        } else {
                            (fallback, Vec::new())
                        };
                        (text, quick, false, None)
                    }
                };
                self.set_status(Some(&id), Status::Delivered);
                if let Some(intent) = intent {
                    self.context.insert("lastIntent".to_string(), intent);
                }
                if !reply.trim().is_empty() {
                    self.add_message(Author::Bot { name }, reply, quick, now);
                }
                if handoff {
                    self.request_handoff(now, true);
                }
            }
            Bot::Rasa { .. } => {
                self.queue_turn(Turn {
                    message_id: Some(id),
                    payload: payload.unwrap_or(text),
                });
                self.pump_bot(now);
            }
        }
    }

    fn queue_turn(&mut self, turn: Turn) {
        if let Bot::Rasa { queue, .. } = &mut self.bot {
            queue.push_back(turn);
        }
    }

    /// Sends the next queued visitor turn to the remote bot: one at a time, in order, so the
    /// bot sees the conversation as the visitor wrote it.
    fn pump_bot(&mut self, now: Millis) {
        if !self.report.errors.is_empty() || self.ended {
            return;
        }
        let Bot::Rasa {
            config,
            queue,
            in_flight,
        } = &mut self.bot
        else {
            return;
        };
        if in_flight.is_some() {
            return;
        }
        let Some(turn) = queue.pop_front() else {
            return;
        };
        self.next_request += 1;
        let request = HttpRequest {
            id: self.next_request,
            method: Method::Post,
            url: config.url.clone(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(request_body::<J>(&self.session_id, &turn.payload)),
        };
        *in_flight = Some(InFlight {
            request: request.id,
            turn,
            deadline: now + config.timeout_ms,
        });
        self.http.push_back(HttpAction::Start(request));
        self.changed();
    }

    /// The bot (or the visitor) asks for a human agent.
    fn request_handoff(&mut self, now: Millis, say_utterance: bool) {
        let name = self.bot_name();
        if say_utterance {
            let text = self.catalogue.text(MsgKey::HandoffUtterance);
            self.add_message(Author::Bot { name }, text, Vec::new(), now);
        }
        let request = HandoffRequest {
            transcript: self.transcript.to_plain_text(),
            context: self.context.clone(),
        };
        self.events.push_back(ChatEvent::HandoffRequested(request));
        if self.begin_handoff(now) {
            return;
        }
        // No Salesforce deployment is configured: tell the visitor plainly.
        let text = self.catalogue.text(MsgKey::NoAgentAvailable);
        self.add_message(Author::System, text, Vec::new(), now);
    }
}
