//! The MIAW `text/event-stream` body: replay from `Last-Event-Id`, live events, `ping`s and the
//! scripted "drop after N events" and "stall" faults.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use futures_util::Stream;
use tokio::sync::watch;

use crate::state::{AppState, SseEvent};
use crate::util::now_ms;

/// Frame one event (`id`, `event`, `data`, blank line). `data` is always one line of JSON.
pub fn frame(out: &mut String, id: &str, name: &str, data: &str) {
    let _ = write!(out, "id: {id}\nevent: {name}\ndata: {data}\n\n");
}

struct StreamState {
    state: Arc<AppState>,
    /// This connection's id (the `sse-stall` fault names connections).
    stream_id: u64,
    subject: String,
    /// Counter of the last event sent (or the replay start).
    last: u64,
    /// Its wire id (what pings carry).
    last_wire: String,
    rx: watch::Receiver<u64>,
    done: bool,
}

impl StreamState {
    fn stalled(&self) -> bool {
        self.state
            .lock()
            .faults
            .sse_stalled
            .contains(&self.stream_id)
    }
}

impl Drop for StreamState {
    fn drop(&mut self) {
        let mut g = self.state.lock();
        if let Some(log) = g.subjects.get_mut(&self.subject) {
            log.open_streams = log.open_streams.saturating_sub(1);
        }
        g.streams.remove(&self.stream_id);
        g.faults.sse_stalled.remove(&self.stream_id);
    }
}

enum Step {
    Events(String, bool),
    Wait,
    Stalled,
    End,
}

fn step(s: &mut StreamState) -> Step {
    let mut g = s.state.lock();
    if g.faults.sse_stalled.contains(&s.stream_id) {
        return Step::Stalled;
    }
    if g.faults.sse_drop_after == Some(0) {
        g.faults.sse_drop_after = None;
        return Step::End;
    }
    let Some(log) = g.subjects.get(&s.subject) else {
        return Step::End;
    };
    let last = s.last;
    let evs: Vec<SseEvent> = log
        .events
        .iter()
        .filter(|e| e.id > last)
        .take(200)
        .cloned()
        .collect();
    if evs.is_empty() {
        return Step::Wait;
    }
    let mut out = String::new();
    let mut drop_now = false;
    for e in evs {
        frame(&mut out, &e.wire_id, &e.name, &e.data);
        s.last = e.id;
        s.last_wire = e.wire_id;
        if let Some(n) = g.faults.sse_drop_after.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                g.faults.sse_drop_after = None;
                drop_now = true;
                break;
            }
        }
    }
    Step::Events(out, drop_now)
}

/// The event stream of one SSE connection, starting after event counter `start`.
pub fn event_stream(
    state: Arc<AppState>,
    subject: String,
    start: u64,
    rx: watch::Receiver<u64>,
) -> impl Stream<Item = Bytes> + Send + 'static {
    let ping = state.config.sse_ping_interval;
    let stream_id = state.new_stream_id();
    let last_wire = {
        let mut g = state.lock();
        g.streams.insert(stream_id, subject.clone());
        let log = g.subject_log(&subject);
        log.open_streams += 1;
        log.wire_for(start)
    };
    let st = StreamState {
        state,
        stream_id,
        subject,
        last: start,
        last_wire,
        rx,
        done: false,
    };
    futures_util::stream::unfold(st, move |mut s| async move {
        if s.done {
            return None;
        }
        loop {
            s.rx.borrow_and_update();
            match step(&mut s) {
                Step::End => return None,
                Step::Events(out, drop_now) => {
                    s.done = drop_now;
                    return Some((Bytes::from(out), s));
                }
                Step::Stalled => {
                    // Send nothing (no events, no pings) and never close by ourselves; the
                    // events are still logged for replay. Clearing the faults resumes the
                    // stream; a reset or shutdown (the log's sender dropped) ends it.
                    loop {
                        if s.rx.changed().await.is_err() {
                            return None;
                        }
                        if !s.stalled() {
                            break;
                        }
                    }
                    continue;
                }
                Step::Wait => {}
            }
            tokio::select! {
                r = s.rx.changed() => {
                    if r.is_err() {
                        return None;
                    }
                }
                _ = tokio::time::sleep(ping) => {
                    if s.stalled() {
                        continue;
                    }
                    let mut out = String::new();
                    frame(&mut out, &s.last_wire, "ping", &format!("{{\"timestamp\":{}}}", now_ms()));
                    return Some((Bytes::from(out), s));
                }
            }
        }
    })
}
