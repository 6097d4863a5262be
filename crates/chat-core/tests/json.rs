//! Our JSON against serde_json: same acceptance, same values, and our output is read back by
//! serde_json identically.

use chat_core::json::Value;

fn to_serde(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::from_str(n).unwrap(),
        Value::String(s) => s.clone().into(),
        Value::Array(a) => a.iter().map(to_serde).collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (k.clone(), to_serde(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

const DOCS: &[&str] = &[
    "null",
    "true",
    " false ",
    "0",
    "-0",
    "12345678901234567890",
    "1.5e-7",
    "-3.25E+2",
    "\"\"",
    "\"\\u0041\\u00e9\\u4e2d\\ud83d\\ude00\\n\\t\\\\\\\"\\/\"",
    "[]",
    "{}",
    "[[[]]]",
    "{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":\"e\"}",
    "\n\t[1 , 2 ,3 ]\r\n",
    "\"é中😀\"",
    "{\"\":0}",
    "[\"\\u2028\\u2029\"]",
];

const BAD: &[&str] = &[
    "",
    " ",
    "nul",
    "[1,]",
    "{\"a\":1,}",
    "01",
    "-",
    "1.",
    ".5",
    "1e",
    "+1",
    "\"\\x\"",
    "\"abc",
    "{a:1}",
    "{\"a\"}",
    "[1 2]",
    "\"\t\"",
    "[] []",
    "'a'",
    "NaN",
    "Infinity",
    "\u{feff}1",
];

#[test]
fn accepts_what_serde_json_accepts_with_the_same_values() {
    for doc in DOCS {
        let ours = Value::parse(doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
        let theirs: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(to_serde(&ours), theirs, "{doc}");
        // our writer's output means the same to serde_json
        let back: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
        assert_eq!(back, theirs, "{doc} → {}", ours.to_json());
    }
}

#[test]
fn rejects_what_serde_json_rejects() {
    for doc in BAD {
        assert!(
            serde_json::from_str::<serde_json::Value>(doc).is_err(),
            "serde_json accepts {doc:?}"
        );
        assert!(Value::parse(doc).is_err(), "we accept {doc:?}");
    }
}

#[test]
fn every_char_survives_a_round_trip() {
    let all: String = (0u32..0x3000)
        .chain([0xfffd, 0x1f600, 0x10ffff])
        .filter_map(char::from_u32)
        .collect();
    let json = Value::from(all.as_str()).to_json();
    assert_eq!(serde_json::from_str::<String>(&json).unwrap(), all);
    assert_eq!(Value::parse(&json).unwrap().as_str(), Some(all.as_str()));
}
