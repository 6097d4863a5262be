//! Scripted scenarios: a JSON list of agent steps run for every new conversation, through the
//! same state operations the control API and the agent console use.
//!
//! Everything that can be wrong in a file is reported by [`Scenario::from_json`] with its
//! position (line, column, step number); at run time a step can only fail because of what the
//! people on both sides did (e.g. the visitor ended the chat), which is noted in the transcript.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::{Map, Value};
use tokio::sync::watch;

use crate::state::{AppState, Channel, ConvStatus, Inner};

/// A parsed scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Free text from the file's `description` (when the file is an object).
    pub description: Option<String>,
    pub steps: Vec<Step>,
}

/// One step: wait `after`, then do `action`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Delay from the previous step (at speed 1).
    pub after: Duration,
    pub action: Action,
    /// 1-based line of the step in its file.
    pub line: usize,
}

/// What a step does. `agent: None` = the first agent in the conversation (for `Accept`: the
/// first available agent), as in the control API.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Accept {
        agent: Option<String>,
    },
    Typing {
        agent: Option<String>,
        on: bool,
    },
    Say {
        agent: Option<String>,
        text: String,
    },
    /// MIAW only (skipped in Live Chat).
    File {
        agent: Option<String>,
        name: String,
        mime_type: String,
        bytes: Vec<u8>,
        text: Option<String>,
    },
    /// MIAW only (skipped in Live Chat). Options are `(optionIdentifier, title)`.
    Choices {
        agent: Option<String>,
        text: String,
        format_type: String,
        options: Vec<(String, String)>,
    },
    Transfer {
        agent: Option<String>,
        to: String,
    },
    Conference {
        agent: String,
    },
    Leave {
        agent: Option<String>,
    },
    End {
        agent: Option<String>,
        silent: bool,
    },
    /// MIAW only (skipped in Live Chat).
    Read {
        agent: Option<String>,
    },
    Queue {
        position: Option<u32>,
        estimated_wait_time: Option<i64>,
    },
    WaitForVisitor {
        contains: Option<String>,
        timeout: Duration,
    },
}

impl Action {
    /// The step's `do` value.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Typing { .. } => "typing",
            Action::Say { .. } => "say",
            Action::File { .. } => "file",
            Action::Choices { .. } => "choices",
            Action::Transfer { .. } => "transfer",
            Action::Conference { .. } => "conference",
            Action::Leave { .. } => "leave",
            Action::End { .. } => "end",
            Action::Read { .. } => "read",
            Action::Queue { .. } => "queue",
            Action::WaitForVisitor { .. } => "waitForVisitor",
        }
    }

    fn miaw_only(&self) -> bool {
        matches!(
            self,
            Action::File { .. } | Action::Choices { .. } | Action::Read { .. }
        )
    }

    fn agents(&self) -> Vec<&str> {
        match self {
            Action::Accept { agent }
            | Action::Typing { agent, .. }
            | Action::Say { agent, .. }
            | Action::File { agent, .. }
            | Action::Choices { agent, .. }
            | Action::Leave { agent }
            | Action::End { agent, .. }
            | Action::Read { agent } => agent.iter().map(String::as_str).collect(),
            Action::Transfer { agent, to } => agent
                .iter()
                .map(String::as_str)
                .chain([to.as_str()])
                .collect(),
            Action::Conference { agent } => vec![agent.as_str()],
            Action::Queue { .. } | Action::WaitForVisitor { .. } => vec![],
        }
    }
}

/// Default `timeout` of `waitForVisitor`, in seconds.
pub const DEFAULT_WAIT_TIMEOUT_SECS: f64 = 300.0;

/// The step kinds, as written in `do`.
pub const STEP_KINDS: &[&str] = &[
    "accept",
    "typing",
    "say",
    "file",
    "choices",
    "transfer",
    "conference",
    "leave",
    "end",
    "read",
    "queue",
    "waitForVisitor",
];

/// A problem in a scenario file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// 1-based line (of the step, or of a JSON syntax error).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 1-based step number, when the problem is in a step.
    pub step: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(s) = self.step {
            write!(f, "step {s}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parse and check a scenario: either a JSON array of steps or
    /// `{"description"?: "...", "steps": [...]}`.
    pub fn from_json(src: &str) -> Result<Scenario, ScenarioError> {
        let root: Value = serde_json::from_str(src).map_err(|e| ScenarioError {
            line: e.line().max(1),
            column: e.column().max(1),
            step: None,
            message: format!("invalid JSON: {e}"),
        })?;
        let top = |message: String| ScenarioError {
            line: 1,
            column: 1,
            step: None,
            message,
        };
        let (description, steps) = match &root {
            Value::Array(a) => (None, a),
            Value::Object(o) => {
                for k in o.keys() {
                    if k != "description" && k != "steps" {
                        return Err(top(format!(
                            "unknown field `{k}` (expected `description`, `steps`)"
                        )));
                    }
                }
                let d = match o.get("description") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => return Err(top("`description` must be a string".into())),
                };
                match o.get("steps") {
                    Some(Value::Array(a)) => (d, a),
                    _ => return Err(top("`steps` (an array of steps) is required".into())),
                }
            }
            _ => {
                return Err(top(
                    "a scenario is an array of steps or {\"steps\": [...]}".into()
                ))
            }
        };
        let positions = step_positions(src, matches!(root, Value::Object(_)));
        let mut out = Vec::with_capacity(steps.len());
        for (i, v) in steps.iter().enumerate() {
            let (line, column) = positions.get(i).copied().unwrap_or((1, 1));
            let step = parse_step(v, line).map_err(|message| ScenarioError {
                line,
                column,
                step: Some(i + 1),
                message,
            })?;
            out.push(step);
        }
        Ok(Scenario {
            description,
            steps: out,
        })
    }

    /// Read and parse a file; the error names the file and the position.
    pub fn load(path: &std::path::Path) -> Result<Scenario, String> {
        let src = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        Scenario::from_json(&src).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Every agent a step names must be one of `agents` (by id or case-insensitive name).
    pub fn check_agents(&self, agents: &[crate::AgentConfig]) -> Result<(), ScenarioError> {
        for (i, s) in self.steps.iter().enumerate() {
            for a in s.action.agents() {
                if !agents
                    .iter()
                    .any(|x| x.id == a || x.name.eq_ignore_ascii_case(a))
                {
                    let names: Vec<&str> = agents.iter().map(|x| x.name.as_str()).collect();
                    return Err(ScenarioError {
                        line: s.line,
                        column: 1,
                        step: Some(i + 1),
                        message: format!("unknown agent `{a}` (agents: {})", names.join(", ")),
                    });
                }
            }
        }
        Ok(())
    }
}

fn parse_step(v: &Value, line: usize) -> Result<Step, String> {
    let o = v
        .as_object()
        .ok_or("a step must be an object like {\"do\": \"say\", \"text\": \"Hi\"}")?;
    let kind = match o.get("do") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("`do` must be a string".into()),
        None => return Err("`do` is required".into()),
    };
    let allowed: &[&str] = match kind {
        "accept" | "leave" | "read" => &["agent"],
        "typing" => &["agent", "on"],
        "say" => &["agent", "text"],
        "file" => &["agent", "name", "mimeType", "contentBase64", "text"],
        "choices" => &["agent", "text", "formatType", "choices"],
        "transfer" => &["agent", "to"],
        "conference" => &["agent"],
        "end" => &["agent", "silent"],
        "queue" => &["position", "estimatedWaitTime"],
        "waitForVisitor" => &["contains", "timeout"],
        other => {
            return Err(format!(
                "unknown step kind `{other}` (expected one of: {})",
                STEP_KINDS.join(", ")
            ))
        }
    };
    for k in o.keys() {
        if !matches!(k.as_str(), "do" | "after" | "comment") && !allowed.contains(&k.as_str()) {
            let mut fields = vec!["after", "comment"];
            fields.extend_from_slice(allowed);
            return Err(format!(
                "`{kind}`: unknown field `{k}` (allowed: {})",
                fields.join(", ")
            ));
        }
    }
    let after = match o.get("after") {
        None => Duration::ZERO,
        Some(x) => secs(x).ok_or(format!(
            "`{kind}`: `after` must be a non-negative number of seconds"
        ))?,
    };
    let f = Fields { o, kind };
    let action = match kind {
        "accept" => Action::Accept { agent: f.agent()? },
        "typing" => Action::Typing {
            agent: f.agent()?,
            on: f.opt_bool("on")?.unwrap_or(true),
        },
        "say" => Action::Say {
            agent: f.agent()?,
            text: f.req_text("text")?,
        },
        "file" => {
            let data = f.req_str("contentBase64")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| format!("`file`: `contentBase64` is not valid base64 ({e})"))?;
            Action::File {
                agent: f.agent()?,
                name: f.req_text("name")?,
                mime_type: f
                    .opt_str("mimeType")?
                    .unwrap_or_else(|| "application/octet-stream".into()),
                bytes,
                text: f.opt_str("text")?,
            }
        }
        "choices" => {
            let format_type = f.opt_str("formatType")?.unwrap_or_else(|| "Buttons".into());
            if format_type != "Buttons" && format_type != "QuickReplies" {
                return Err(
                    "`choices`: `formatType` must be \"Buttons\" or \"QuickReplies\"".into(),
                );
            }
            let list = match o.get("choices") {
                Some(Value::Array(a)) if !a.is_empty() => a,
                _ => return Err("`choices`: `choices` (a non-empty array) is required".into()),
            };
            let mut options = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let default_id = format!("opt-{}", i + 1);
                match c {
                    Value::String(t) if !t.trim().is_empty() => {
                        options.push((default_id, t.clone()))
                    }
                    Value::Object(m) => {
                        let title = m.get("title").and_then(Value::as_str).ok_or(format!(
                            "`choices`: choices[{i}] needs a string `title`"
                        ))?;
                        let id = match m.get("optionIdentifier") {
                            None => default_id,
                            Some(Value::String(s)) => s.clone(),
                            Some(_) => {
                                return Err(format!(
                                    "`choices`: choices[{i}].optionIdentifier must be a string"
                                ))
                            }
                        };
                        options.push((id, title.to_string()));
                    }
                    _ => {
                        return Err(format!(
                        "`choices`: choices[{i}] must be a non-empty string or {{title, optionIdentifier?}}"
                    ))
                    }
                }
            }
            Action::Choices {
                agent: f.agent()?,
                text: f.opt_str("text")?.unwrap_or_default(),
                format_type,
                options,
            }
        }
        "transfer" => Action::Transfer {
            agent: f.agent()?,
            to: f.req_text("to")?,
        },
        "conference" => Action::Conference {
            agent: f.req_text("agent")?,
        },
        "leave" => Action::Leave { agent: f.agent()? },
        "end" => Action::End {
            agent: f.agent()?,
            silent: f.opt_bool("silent")?.unwrap_or(false),
        },
        "read" => Action::Read { agent: f.agent()? },
        "queue" => {
            let position = match o.get("position") {
                None => None,
                Some(x) => Some(
                    x.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or("`queue`: `position` must be a non-negative integer")?,
                ),
            };
            let estimated_wait_time = match o.get("estimatedWaitTime") {
                None => None,
                Some(x) => Some(
                    x.as_i64()
                        .ok_or("`queue`: `estimatedWaitTime` must be an integer (seconds)")?,
                ),
            };
            if position.is_none() && estimated_wait_time.is_none() {
                return Err("`queue`: give `position` and/or `estimatedWaitTime`".into());
            }
            Action::Queue {
                position,
                estimated_wait_time,
            }
        }
        "waitForVisitor" => Action::WaitForVisitor {
            contains: f.opt_str("contains")?,
            timeout: match o.get("timeout") {
                None => Duration::from_secs_f64(DEFAULT_WAIT_TIMEOUT_SECS),
                Some(x) => secs(x)
                    .filter(|d| !d.is_zero())
                    .ok_or("`waitForVisitor`: `timeout` must be a positive number of seconds")?,
            },
        },
        _ => unreachable!("kinds are checked above"),
    };
    Ok(Step {
        after,
        action,
        line,
    })
}

fn secs(v: &Value) -> Option<Duration> {
    let x = v.as_f64()?;
    (x.is_finite() && (0.0..=86_400.0).contains(&x)).then(|| Duration::from_secs_f64(x))
}

struct Fields<'a> {
    o: &'a Map<String, Value>,
    kind: &'a str,
}

impl Fields<'_> {
    fn opt_str(&self, k: &str) -> Result<Option<String>, String> {
        match self.o.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{}`: `{k}` must be a string", self.kind)),
        }
    }
    fn req_str(&self, k: &str) -> Result<String, String> {
        self.opt_str(k)?
            .ok_or_else(|| format!("`{}`: `{k}` is required", self.kind))
    }
    fn req_text(&self, k: &str) -> Result<String, String> {
        let s = self.req_str(k)?;
        if s.trim().is_empty() {
            return Err(format!("`{}`: `{k}` must not be empty", self.kind));
        }
        Ok(s)
    }
    fn agent(&self) -> Result<Option<String>, String> {
        match self.opt_str("agent")? {
            Some(s) if s.trim().is_empty() => {
                Err(format!("`{}`: `agent` must not be empty", self.kind))
            }
            x => Ok(x),
        }
    }
    fn opt_bool(&self, k: &str) -> Result<Option<bool>, String> {
        match self.o.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(format!("`{}`: `{k}` must be true or false", self.kind)),
        }
    }
}

/// (line, column) of each element of the steps array in `src` (valid JSON): the root array,
/// or the value of the root object's `steps` key.
fn step_positions(src: &str, in_object: bool) -> Vec<(usize, usize)> {
    let target_depth = if in_object { 2 } else { 1 };
    let b = src.as_bytes();
    let (mut depth, mut i, mut line, mut col) = (0usize, 0usize, 1usize, 1usize);
    let mut out = Vec::new();
    // Inside the target array: waiting for the next element to start.
    let mut in_steps = false;
    let mut expect_elem = false;
    // At depth 1 of the root object: the last key read.
    let mut last_key = String::new();
    let mut after_colon = false;
    while i < b.len() {
        let c = b[i];
        let start = (line, col);
        if c == b'\n' {
            line += 1;
            col = 1;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            col += 1;
            i += 1;
            continue;
        }
        if in_steps && expect_elem && depth == target_depth {
            out.push(start);
            expect_elem = false;
        }
        match c {
            b'"' => {
                let s0 = i + 1;
                i += 1;
                col += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                        col += 1;
                    }
                    if i < b.len() && b[i] == b'\n' {
                        line += 1;
                        col = 0;
                    }
                    // Columns count characters, not bytes.
                    if i < b.len() && (b[i] & 0xC0) != 0x80 {
                        col += 1;
                    }
                    i += 1;
                }
                if in_object && depth == 1 && !after_colon {
                    last_key = String::from_utf8_lossy(&b[s0..i.min(b.len())]).into_owned();
                }
                i += 1;
                col += 1;
                after_colon = false;
                continue;
            }
            b':' => after_colon = true,
            b'[' | b'{' => {
                depth += 1;
                if c == b'['
                    && depth == target_depth
                    && (!in_object || last_key == "steps")
                    && out.is_empty()
                    && !in_steps
                {
                    in_steps = true;
                    expect_elem = true;
                }
                after_colon = false;
            }
            b']' | b'}' => {
                if in_steps && depth == target_depth {
                    in_steps = false;
                    // An empty array pushes nothing; a done one must not be re-entered.
                    last_key.clear();
                }
                depth = depth.saturating_sub(1);
                after_colon = false;
            }
            b',' => {
                if in_steps && depth == target_depth {
                    expect_elem = true;
                }
                after_colon = false;
            }
            _ => after_colon = false,
        }
        if (c & 0xC0) != 0x80 {
            col += 1;
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------- runner

/// Start the configured scenario (if any) for a conversation that was just created.
/// `base_url` is the emulator's own URL as the visitor reached it (for file links).
pub(crate) fn start(state: &Arc<AppState>, conv_id: &str, base_url: String) {
    let Some(scenario) = state.config.scenario.clone() else {
        return;
    };
    let stop = state.subscribe_reset();
    let state = state.clone();
    let conv = conv_id.to_string();
    tokio::spawn(async move { run(state, scenario, conv, base_url, stop).await });
}

fn note(g: &mut Inner, conv: &str, text: &str) {
    g.record(
        conv,
        "event",
        "System",
        "Scenario",
        None,
        Some(text),
        None,
        None,
    );
}

/// Whether the conversation still exists and can take agent actions.
fn open(g: &Inner, conv: &str) -> Option<Channel> {
    g.convs
        .get(conv)
        .filter(|c| !matches!(c.status, ConvStatus::Ended | ConvStatus::Closed))
        .map(|c| c.channel)
}

/// Sleep `d`; false when the emulator was reset meanwhile (the scenario stops).
async fn sleep(d: Duration, stop: &mut watch::Receiver<u64>) -> bool {
    if d.is_zero() {
        return !stop.has_changed().unwrap_or(true);
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => !stop.has_changed().unwrap_or(true),
        _ = stop.changed() => false,
    }
}

async fn run(
    state: Arc<AppState>,
    scenario: Scenario,
    conv: String,
    base_url: String,
    mut stop: watch::Receiver<u64>,
) {
    let speed = state.config.scenario_speed;
    let scaled = |d: Duration| {
        if speed > 0.0 && speed.is_finite() {
            d.div_f64(speed)
        } else {
            d
        }
    };
    let n = scenario.steps.len();
    // Visitor messages up to this transcript seq have been used by a waitForVisitor.
    let mut seen_seq = 0u64;
    // Agents this scenario set typing (stopped before they say something, like the console).
    let mut typing: Vec<String> = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let label = format!("Scenario step {}/{n} ({})", i + 1, step.action.kind());
        if !sleep(scaled(step.after), &mut stop).await {
            return;
        }
        if let Action::WaitForVisitor { contains, timeout } = &step.action {
            let needle = contains.as_deref().map(str::to_lowercase);
            let deadline = tokio::time::Instant::now() + scaled(*timeout);
            loop {
                {
                    let g = state.lock();
                    let Some(c) = g.convs.get(&conv) else { return };
                    let hit = c.transcript.iter().find(|t| {
                        t.seq > seen_seq
                            && t.role == "EndUser"
                            && t.kind != "event"
                            && needle.as_ref().is_none_or(|n| {
                                t.text
                                    .as_deref()
                                    .is_some_and(|x| x.to_lowercase().contains(n.as_str()))
                            })
                    });
                    if let Some(t) = hit {
                        seen_seq = t.seq;
                        break;
                    }
                    if open(&g, &conv).is_none() {
                        return;
                    }
                }
                if tokio::time::Instant::now() >= deadline {
                    let what = contains
                        .as_deref()
                        .map(|c| format!("a visitor message containing \"{c}\""))
                        .unwrap_or_else(|| "a visitor message".into());
                    note(
                        &mut state.lock(),
                        &conv,
                        &format!("{label}: no {what} in time; the scenario stops"),
                    );
                    return;
                }
                if !sleep(Duration::from_millis(25), &mut stop).await {
                    return;
                }
            }
            continue;
        }
        let mut g = state.lock();
        let Some(channel) = open(&g, &conv) else {
            return;
        };
        if channel == Channel::LiveChat && step.action.miaw_only() {
            note(&mut g, &conv, &format!("{label} skipped: MIAW only"));
            continue;
        }
        if let Err(e) = apply(&state, &mut g, &conv, &base_url, &step.action, &mut typing) {
            note(&mut g, &conv, &format!("{label} failed: {e}"));
            if open(&g, &conv).is_none() {
                return;
            }
        }
    }
}

/// The agent a step acts as: the named one, else the first in the conversation.
fn member(g: &Inner, conv: &str, agent: &Option<String>) -> Result<String, String> {
    match agent {
        Some(a) => g.agent(a).map(|a| a.id).map_err(|e| e.message),
        None => g
            .convs
            .get(conv)
            .and_then(|c| c.agents.first().cloned())
            .ok_or_else(|| "no agent is in the conversation".to_string()),
    }
}

fn stop_typing(state: &AppState, g: &mut Inner, conv: &str, agent: &str, typing: &mut Vec<String>) {
    if let Some(p) = typing.iter().position(|a| a == agent) {
        typing.remove(p);
        let _ = g.agent_typing(&state.config, conv, agent, false);
    }
}

fn apply(
    state: &AppState,
    g: &mut Inner,
    conv: &str,
    base_url: &str,
    action: &Action,
    typing: &mut Vec<String>,
) -> Result<(), String> {
    let cfg = &state.config;
    let e = |e: crate::ApiError| e.message;
    match action {
        Action::Accept { agent } => {
            let id = match agent {
                Some(a) => g.agent(a).map_err(e)?.id,
                None => g
                    .agents
                    .iter()
                    .find(|a| a.available)
                    .map(|a| a.id.clone())
                    .ok_or("no agent is available")?,
            };
            g.join(cfg, conv, &id, false).map_err(e)
        }
        Action::Conference { agent } => {
            let id = g.agent(agent).map_err(e)?.id;
            g.join(cfg, conv, &id, true).map_err(e)
        }
        Action::Typing { agent, on } => {
            let id = member(g, conv, agent)?;
            g.agent_typing(cfg, conv, &id, *on).map_err(e)?;
            typing.retain(|a| a != &id);
            if *on {
                typing.push(id);
            }
            Ok(())
        }
        Action::Say { agent, text } => {
            let id = member(g, conv, agent)?;
            stop_typing(state, g, conv, &id, typing);
            g.agent_message(cfg, conv, &id, text).map(|_| ()).map_err(e)
        }
        Action::File {
            agent,
            name,
            mime_type,
            bytes,
            text,
        } => {
            let id = member(g, conv, agent)?;
            stop_typing(state, g, conv, &id, typing);
            g.agent_file(
                cfg,
                base_url,
                conv,
                &id,
                name,
                mime_type,
                bytes.clone(),
                text.as_deref(),
                None,
            )
            .map(|_| ())
            .map_err(e)
        }
        Action::Choices {
            agent,
            text,
            format_type,
            options,
        } => {
            let id = member(g, conv, agent)?;
            stop_typing(state, g, conv, &id, typing);
            g.agent_choices(cfg, conv, &id, text, format_type, options)
                .map(|_| ())
                .map_err(e)
        }
        Action::Transfer { agent, to } => {
            let from = member(g, conv, agent)?;
            stop_typing(state, g, conv, &from, typing);
            g.transfer(cfg, conv, &from, to).map_err(e)
        }
        Action::Leave { agent } => {
            let id = member(g, conv, agent)?;
            stop_typing(state, g, conv, &id, typing);
            g.leave(cfg, conv, &id).map_err(e)
        }
        Action::End { agent, silent } => {
            let id = match agent {
                Some(a) => Some(g.agent(a).map_err(e)?.id),
                None => None,
            };
            typing.clear();
            g.agent_end(cfg, conv, id.as_deref(), *silent).map_err(e)
        }
        Action::Read { agent } => {
            let id = member(g, conv, agent)?;
            g.agent_read(cfg, conv, &id).map_err(e)
        }
        Action::Queue {
            position,
            estimated_wait_time,
        } => {
            if let Some(p) = position {
                g.queue_position = *p;
            }
            if let Some(w) = estimated_wait_time {
                g.estimated_wait = *w;
            }
            g.broadcast_queue();
            Ok(())
        }
        Action::WaitForVisitor { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_steps() {
        let src = "{\"description\": \"x [\",\n \"steps\": [\n  {\"do\": \"accept\"},\n  {\"do\": \"say\", \"text\": \"a]\"}\n]}";
        assert_eq!(step_positions(src, true), vec![(3, 3), (4, 3)]);
        let src = "[{\"do\":\"end\"}, {\"do\":\"end\"}]";
        assert_eq!(step_positions(src, false), vec![(1, 2), (1, 16)]);
    }
}
