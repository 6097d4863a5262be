//! Cross-cutting layers: CORS like a configured org, scripted faults (fail / latency) and the
//! Salesforce-shaped 404 / 405 fallbacks.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::ErrorBody;
use crate::error::{ApiError, Flavor, MiawErrorMessage, Shaped};
use crate::state::AppState;

/// Headers a browser client may send (MIAW spec §9, plus the Live Agent headers).
pub const ALLOWED_HEADERS: &str =
    "Authorization, Content-Type, X-Org-Id, Last-Event-Id, Cache-Control, Accept, \
X-LIVEAGENT-API-VERSION, X-LIVEAGENT-AFFINITY, X-LIVEAGENT-SESSION-KEY, X-LIVEAGENT-SEQUENCE";
pub const ALLOWED_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";

/// Paths the CORS allowlist protects (the console page and file downloads are always served).
fn cors_guarded(path: &str) -> bool {
    path.starts_with("/iamessage")
        || path.starts_with("/eventrouter")
        || path.starts_with("/embeddedservice")
        || path.starts_with("/chat/rest")
        || path.starts_with("/control")
}

pub async fn cors(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(origin) = origin else {
        return next.run(req).await;
    };
    // Like the real Live Agent service: no CORS on /chat/rest unless switched on.
    if path.starts_with("/chat/rest") && !state.config.live_chat_cors {
        return next.run(req).await;
    }
    if !cors_guarded(&path) {
        return next.run(req).await;
    }
    let allowed = state.config.origin_allowed(&origin);
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !allowed {
        return ApiError::new(
            Flavor::for_path(&path),
            StatusCode::FORBIDDEN,
            format!("CORS: origin {origin} is not in the allowlist"),
        )
        .with_path(path)
        .into_response();
    }
    let origin_value = HeaderValue::from_str(&origin).unwrap_or(HeaderValue::from_static("null"));
    if preflight {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin_value);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        return resp;
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin_value);
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// Segment-wise match: `*` matches one segment; a shorter pattern matches as a prefix.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    pat.len() <= segs.len() && pat.iter().zip(&segs).all(|(p, s)| *p == "*" || p == s)
}

fn method_matches(rule: &Option<String>, m: &Method) -> bool {
    rule.as_deref()
        .is_none_or(|r| r.eq_ignore_ascii_case(m.as_str()))
}

pub async fn faults(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if method == Method::OPTIONS
        || path.starts_with("/control")
        || path.starts_with("/console")
        || path.starts_with("/files")
    {
        return next.run(req).await;
    }
    let (latency, fail) = {
        let mut g = state.lock();
        let mut latency = 0u64;
        for r in g.faults.latency.iter_mut() {
            if path_matches(&r.path, &path)
                && method_matches(&r.method, &method)
                && r.remaining != Some(0)
            {
                latency += r.ms;
                if let Some(n) = r.remaining.as_mut() {
                    *n -= 1;
                }
            }
        }
        g.faults.latency.retain(|r| r.remaining != Some(0));
        let mut fail = None;
        if let Some(r) = g.faults.fail.iter_mut().find(|r| {
            r.remaining > 0 && path_matches(&r.path, &path) && method_matches(&r.method, &method)
        }) {
            r.remaining -= 1;
            fail = Some((r.status, r.message.clone()));
        }
        g.faults.fail.retain(|r| r.remaining > 0);
        (latency, fail)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some((status, message)) = fail {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let msg = message.unwrap_or_else(|| {
            format!(
                "Scripted fault: {}",
                status.canonical_reason().unwrap_or("error")
            )
        });
        return ApiError::new(Flavor::for_path(&path), status, msg)
            .with_path(path)
            .into_response();
    }
    next.run(req).await
}

/// Re-render error responses produced outside our handlers (axum extractor rejections such as
/// an over-long body or a malformed query) in the API's error shape.
pub async fn shape_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error())
        || resp.extensions().get::<Shaped>().is_some()
    {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let msg = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    ApiError::new(Flavor::for_path(&path), status, msg)
        .with_path(path)
        .into_response()
}

/// The `error-body` variant: re-render MIAW error responses (including fault and CORS
/// responses) as `{"message"}` only or as no body at all. The default leaves them untouched.
pub async fn error_body(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let variant = state.config.variants.error_body;
    let resp = next.run(req).await;
    if variant == ErrorBody::Status {
        return resp;
    }
    let Some(MiawErrorMessage(message)) = resp.extensions().get::<MiawErrorMessage>().cloned()
    else {
        return resp;
    };
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match variant {
        ErrorBody::MessageOnly => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            axum::body::Body::from(serde_json::json!({ "message": message }).to_string())
        }
        _ => {
            parts.headers.remove(header::CONTENT_TYPE);
            axum::body::Body::empty()
        }
    };
    Response::from_parts(parts, body)
}

pub async fn not_found(req: Request) -> Response {
    let path = req.uri().path().to_string();
    let msg = match Flavor::for_path(&path) {
        Flavor::LiveChat => "Resource not found".to_string(),
        _ => format!("No resource at {path}"),
    };
    ApiError::new(Flavor::for_path(&path), StatusCode::NOT_FOUND, msg)
        .with_path(path)
        .into_response()
}

pub async fn method_not_allowed(req: Request) -> Response {
    let path = req.uri().path().to_string();
    ApiError::new(
        Flavor::for_path(&path),
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method {} not allowed", req.method()),
    )
    .with_path(path)
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn patterns() {
        assert!(path_matches(
            "/chat/rest/System/Messages",
            "/chat/rest/System/Messages"
        ));
        assert!(path_matches("/iamessage", "/iamessage/api/v2/conversation"));
        assert!(path_matches(
            "/iamessage/api/v2/conversation/*/message",
            "/iamessage/api/v2/conversation/abc/message"
        ));
        assert!(!path_matches(
            "/iamessage/api/v2/conversation/*/message",
            "/iamessage/api/v2/conversation/abc/entry"
        ));
        assert!(!path_matches(
            "/chat/rest/System/Messages",
            "/chat/rest/System"
        ));
    }
}
