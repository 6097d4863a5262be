use chat_core::miaw::sse::{SseEvent, SseItem, SseParser, DEFAULT_MAX_EVENT_BYTES};

fn ev(event: &str, data: &str, id: &str) -> SseItem {
    SseItem::Event(SseEvent {
        event: event.into(),
        data: data.into(),
        id: id.into(),
    })
}

fn parse_all(bytes: &[u8]) -> Vec<SseItem> {
    SseParser::default().push(bytes)
}

fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseItem> {
    let mut p = SseParser::default();
    let mut out = Vec::new();
    for c in chunks {
        out.extend(p.push(c));
    }
    out
}

const SAMPLE: &str = "\u{feff}: comment\r\nid: 1:7\r\nevent: CONVERSATION_MESSAGE\r\ndata: {\"a\":\"h\u{e9}llo \u{1f600}\"}\r\n\r\nretry: 3000\nevent: ping\ndata\n\n\rdata: line1\rdata:line2\r\rid\nevent: x\ndata: y\n\n";

fn sample_expected() -> Vec<SseItem> {
    vec![
        ev(
            "CONVERSATION_MESSAGE",
            "{\"a\":\"h\u{e9}llo \u{1f600}\"}",
            "1:7",
        ),
        SseItem::Retry(3000),
        ev("ping", "", "1:7"),
        ev("message", "line1\nline2", "1:7"),
        ev("x", "y", ""),
    ]
}

#[test]
fn sample_stream_whole() {
    assert_eq!(parse_all(SAMPLE.as_bytes()), sample_expected());
}

#[test]
fn sample_stream_every_single_split() {
    let b = SAMPLE.as_bytes();
    for i in 0..=b.len() {
        assert_eq!(
            parse_chunks(&[&b[..i], &b[i..]]),
            sample_expected(),
            "split at {i}"
        );
    }
}

#[test]
fn sample_stream_every_double_split() {
    let b = SAMPLE.as_bytes();
    for i in 0..=b.len() {
        for j in i..=b.len() {
            assert_eq!(
                parse_chunks(&[&b[..i], &b[i..j], &b[j..]]),
                sample_expected(),
                "split at {i},{j}"
            );
        }
    }
}

#[test]
fn sample_stream_byte_by_byte() {
    let b = SAMPLE.as_bytes();
    let chunks: Vec<&[u8]> = b.chunks(1).collect();
    assert_eq!(parse_chunks(&chunks), sample_expected());
}

#[test]
fn line_endings_cr_lf_crlf() {
    for nl in ["\n", "\r", "\r\n"] {
        let s = format!("event: a{nl}data: 1{nl}data: 2{nl}{nl}");
        assert_eq!(parse_all(s.as_bytes()), vec![ev("a", "1\n2", "")], "{nl:?}");
    }
}

#[test]
fn crlf_split_between_chunks_is_one_line_end() {
    // "\r" then "\n" in the next chunk must not make a blank line.
    let out = parse_chunks(&[b"data: a\r", b"\ndata: b\r\n\r\n"]);
    assert_eq!(out, vec![ev("message", "a\nb", "")]);
}

#[test]
fn bom_only_stripped_at_start() {
    assert_eq!(
        parse_all(b"\xEF\xBB\xBFdata: x\n\n"),
        vec![ev("message", "x", "")]
    );
    // A second BOM is part of the field name, making an unknown field.
    assert_eq!(parse_all(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"), vec![]);
    // Partial BOM-looking prefix that is not a BOM is kept (lossy).
    let out = parse_all(b"\xEF\xBBdata: x\n\ndata: y\n\n");
    assert_eq!(out, vec![ev("message", "y", "")]);
}

#[test]
fn comments_and_unknown_fields_ignored() {
    let out = parse_all(b":hi\nfoo: bar\ndata: 1\n:another\n\n");
    assert_eq!(out, vec![ev("message", "1", "")]);
}

#[test]
fn field_without_colon_and_space_rules() {
    // "data" without colon = empty data line; only one leading space stripped.
    let out = parse_all(b"data\ndata:  two\n\n");
    assert_eq!(out, vec![ev("message", "\n two", "")]);
}

#[test]
fn no_data_no_dispatch_but_id_sticks() {
    let out = parse_all(b"id: 5\nevent: e\n\ndata: z\n\n");
    assert_eq!(out, vec![ev("message", "z", "5")]);
}

#[test]
fn id_with_nul_ignored_and_empty_id_resets() {
    let out = parse_all(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\nid\ndata: c\n\n");
    assert_eq!(
        out,
        vec![
            ev("message", "a", "1"),
            ev("message", "b", "1"),
            ev("message", "c", "")
        ]
    );
}

#[test]
fn retry_only_digits() {
    let out = parse_all(b"retry: 12\nretry: x1\nretry: -5\nretry:\nretry: 7 \n");
    assert_eq!(out, vec![SseItem::Retry(12)]);
}

#[test]
fn incomplete_event_at_end_not_dispatched() {
    let mut p = SseParser::default();
    assert_eq!(p.push(b"id: 9\ndata: partial\n"), vec![]);
    p.finish();
    assert_eq!(p.last_event_id(), "");
    assert_eq!(p.push(b"data: next\n\n"), vec![ev("message", "next", "")]);
}

#[test]
fn last_event_id_carried_over() {
    let mut p = SseParser::with_last_event_id(DEFAULT_MAX_EVENT_BYTES, "42");
    assert_eq!(p.push(b"data: x\n\n"), vec![ev("message", "x", "42")]);
}

#[test]
fn utf8_split_inside_sequence() {
    let s = "data: \u{1f600}\u{e9}\n\n".as_bytes();
    for i in 0..=s.len() {
        assert_eq!(
            parse_chunks(&[&s[..i], &s[i..]]),
            vec![ev("message", "\u{1f600}\u{e9}", "")]
        );
    }
}

#[test]
fn invalid_utf8_replaced() {
    assert_eq!(
        parse_all(b"data: \xff\n\n"),
        vec![ev("message", "\u{fffd}", "")]
    );
}

#[test]
fn oversized_event_skipped_then_next_parsed() {
    let mut p = SseParser::new(64);
    let big = format!(
        "id: 7\ndata: {}\ndata: more\n\ndata: ok\n\n",
        "x".repeat(200)
    );
    let out = p.push(big.as_bytes());
    assert_eq!(out.len(), 2);
    assert!(matches!(out[0], SseItem::TooLarge { bytes } if bytes > 64));
    // The skipped event's id is not committed.
    assert_eq!(out[1], ev("message", "ok", ""));
}

#[test]
fn oversized_single_line_never_buffers_unbounded() {
    let mut p = SseParser::new(100);
    for _ in 0..1000 {
        assert!(p.push(&[b'a'; 1000]).is_empty());
    }
    let out = p.push(b"\n\ndata: fine\n\n");
    assert!(matches!(out[0], SseItem::TooLarge { .. }));
    assert_eq!(out[1], ev("message", "fine", ""));
}

#[test]
fn oversized_across_many_lines() {
    let mut p = SseParser::new(50);
    let mut s = String::new();
    for _ in 0..20 {
        s.push_str("data: 0123456789\n");
    }
    s.push_str("\ndata: a\n\n");
    let out = p.push(s.as_bytes());
    assert!(matches!(out[0], SseItem::TooLarge { .. }));
    assert_eq!(out[1], ev("message", "a", ""));
}

#[test]
fn event_type_reset_between_events() {
    let out = parse_all(b"event: a\ndata: 1\n\ndata: 2\n\n");
    assert_eq!(out, vec![ev("a", "1", ""), ev("message", "2", "")]);
}
