//! Shared by the test files that load configurations written with `json!`.

/// Names the demo bot unless the test configures one (a site always names its bot; the demo
/// shop assistant is an explicit opt-in).
pub fn with_bot(v: &serde_json::Value) -> serde_json::Value {
    let mut v = if v.is_null() {
        serde_json::json!({})
    } else {
        v.clone()
    };
    if v.is_object() && v.get("bot").is_none() {
        v["bot"] = serde_json::json!({"type": "demo"});
    }
    v
}
