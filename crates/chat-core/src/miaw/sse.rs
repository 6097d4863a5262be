//! Incremental `text/event-stream` parser following the WHATWG EventSource rules
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>).
//!
//! Bytes go in ([`SseParser::push`]) in chunks split anywhere — inside a UTF-8 sequence, inside
//! a CRLF — and complete items come out. Memory is bounded: an event (or a single line) larger
//! than the cap produces [`SseItem::TooLarge`] and the rest of it is skipped up to the next
//! blank line.

/// Default cap on the bytes of one event (all its lines).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 256 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field, or `"message"` when absent.
    pub event: String,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last event id after this event (the stream's `lastEventId`; sticky across events).
    pub id: String,
}

/// What the parser produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    Event(SseEvent),
    /// A `retry` field with a valid integer: the new reconnection time in milliseconds.
    Retry(u64),
    /// An event exceeded the size cap and was skipped (up to the next blank line).
    TooLarge {
        bytes: usize,
    },
}

/// The parser. Keep one per stream connection (the `last_event_id` can be carried over by
/// constructing a new parser with [`SseParser::with_last_event_id`]).
#[derive(Debug, Clone)]
pub struct SseParser {
    max_event_bytes: usize,
    /// Bytes of the current, incomplete line.
    line: Vec<u8>,
    /// The previous chunk ended with CR: a leading LF of the next chunk belongs to it.
    after_cr: bool,
    /// Still expecting a possible BOM at the very start of the stream.
    at_start: bool,
    event_type: String,
    data: String,
    has_data: bool,
    last_event_id: String,
    /// Bytes counted for the current event so far.
    event_bytes: usize,
    /// Skipping the rest of an oversized event.
    skipping: bool,
    skipped_bytes: usize,
    /// Bytes of the current line while skipping (0 at a blank line).
    skip_line_bytes: usize,
    /// The `id` buffer: committed to `last_event_id` when the event is dispatched.
    id_buffer: Option<String>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_EVENT_BYTES)
    }
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

impl SseParser {
    pub fn new(max_event_bytes: usize) -> Self {
        SseParser {
            max_event_bytes: max_event_bytes.max(1),
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event_type: String::new(),
            data: String::new(),
            has_data: false,
            last_event_id: String::new(),
            event_bytes: 0,
            skipping: false,
            skipped_bytes: 0,
            skip_line_bytes: 0,
            id_buffer: None,
        }
    }

    /// A parser whose `lastEventId` starts at `id` (a reconnection).
    pub fn with_last_event_id(max_event_bytes: usize, id: &str) -> Self {
        let mut p = Self::new(max_event_bytes);
        p.last_event_id = id.to_string();
        p
    }

    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Feeds bytes; returns the items completed by them, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseItem> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.at_start {
                // Accumulate up to 3 bytes to recognise a BOM split across chunks.
                self.line.push(b);
                let n = self.line.len();
                if self.line[..] == BOM[..n] {
                    if n == 3 {
                        self.line.clear();
                        self.at_start = false;
                    }
                    continue;
                }
                self.at_start = false;
                let pending = std::mem::take(&mut self.line);
                for c in pending {
                    self.byte(c, &mut out);
                }
                continue;
            }
            self.byte(b, &mut out);
        }
        out
    }

    /// The stream ended: an incomplete event is discarded (per the spec), the state reset.
    pub fn finish(&mut self) {
        let id = std::mem::take(&mut self.last_event_id);
        *self = Self::with_last_event_id(self.max_event_bytes, &id);
    }

    fn byte(&mut self, b: u8, out: &mut Vec<SseItem>) {
        if self.after_cr {
            self.after_cr = false;
            if b == b'\n' {
                return;
            }
        }
        match b {
            b'\r' => {
                self.after_cr = true;
                self.end_line(out);
            }
            b'\n' => self.end_line(out),
            _ => {
                if self.skipping {
                    self.skipped_bytes += 1;
                    self.skip_line_bytes += 1;
                    return;
                }
                self.line.push(b);
                if self.event_bytes + self.line.len() > self.max_event_bytes {
                    self.start_skipping();
                }
            }
        }
    }

    fn start_skipping(&mut self) {
        self.skipping = true;
        self.skipped_bytes = self.event_bytes + self.line.len();
        self.skip_line_bytes = self.line.len();
        self.line = Vec::new();
        self.data = String::new();
        self.event_type.clear();
        self.has_data = false;
        self.id_buffer = None;
    }

    fn end_line(&mut self, out: &mut Vec<SseItem>) {
        if self.skipping {
            if self.skip_line_bytes == 0 {
                out.push(SseItem::TooLarge {
                    bytes: self.skipped_bytes,
                });
                self.skipping = false;
                self.skipped_bytes = 0;
                self.event_bytes = 0;
            } else {
                self.skipped_bytes += 1;
                self.skip_line_bytes = 0;
            }
            return;
        }
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        self.event_bytes += line.len() + 1;
        let text = String::from_utf8_lossy(&line);
        if text.starts_with(':') {
            return;
        }
        let (field, value) = match text.find(':') {
            Some(i) => {
                let v = &text[i + 1..];
                (&text[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (&text[..], ""),
        };
        match field {
            "event" => self.event_type = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id_buffer = Some(value.to_string()),
            "retry" if !value.is_empty() && value.bytes().all(|c| c.is_ascii_digit()) => {
                if let Ok(ms) = value.parse::<u64>() {
                    out.push(SseItem::Retry(ms));
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseItem>) {
        self.event_bytes = 0;
        if let Some(id) = self.id_buffer.take() {
            self.last_event_id = id;
        }
        let event_type = std::mem::take(&mut self.event_type);
        if !self.has_data {
            return;
        }
        self.has_data = false;
        let data = std::mem::take(&mut self.data);
        out.push(SseItem::Event(SseEvent {
            event: if event_type.is_empty() {
                "message".to_string()
            } else {
                event_type
            },
            data,
            id: self.last_event_id.clone(),
        }));
    }
}
