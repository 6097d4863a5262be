//! The one error type of the emulator. It renders the body shape of the API it belongs to.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Which API an error belongs to; decides the body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// MIAW REST / SSE: Spring-style JSON `{"timestamp","status","error","message","path"}`.
    Miaw,
    /// `/embeddedservice/v1/*`: `{"text": "..."}`.
    EmbeddedService,
    /// Live Agent `/chat/rest/*`: short plain-text body.
    LiveChat,
    /// Control API / console: `{"error","message"}`.
    Control,
}

impl Flavor {
    /// The flavour of a request path.
    pub fn for_path(path: &str) -> Flavor {
        if path.starts_with("/chat/rest") {
            Flavor::LiveChat
        } else if path.starts_with("/embeddedservice") {
            Flavor::EmbeddedService
        } else if path.starts_with("/iamessage") || path.starts_with("/eventrouter") {
            Flavor::Miaw
        } else {
            Flavor::Control
        }
    }
}

/// An HTTP error answered in the shape of the API it occurred in.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub flavor: Flavor,
    pub path: Option<String>,
}

impl ApiError {
    pub fn new(flavor: Flavor, status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            flavor,
            path: None,
        }
    }
    pub fn miaw(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(Flavor::Miaw, status, message)
    }
    pub fn live(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(Flavor::LiveChat, status, message)
    }
    pub fn control(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(Flavor::Control, status, message)
    }
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
    /// Same error, rendered for another API.
    pub fn flavored(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Response extension marking a body already rendered by [`ApiError`].
#[derive(Debug, Clone, Copy)]
pub struct Shaped;

/// Response extension on MIAW-flavoured errors: the message, so that the `error-body` variant
/// can re-render the body (see `middleware::error_body`).
#[derive(Debug, Clone)]
pub struct MiawErrorMessage(pub String);

fn reason(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let miaw_message = (self.flavor == Flavor::Miaw).then(|| self.message.clone());
        let (body, ctype) = match self.flavor {
            Flavor::Miaw => {
                let mut v = serde_json::json!({
                    "timestamp": crate::util::now_ms(),
                    "status": self.status.as_u16(),
                    "error": reason(self.status),
                    "message": self.message,
                });
                if let Some(p) = self.path {
                    v["path"] = serde_json::Value::String(p);
                }
                (v.to_string(), "application/json")
            }
            Flavor::EmbeddedService => (
                serde_json::json!({ "text": self.message }).to_string(),
                "application/json",
            ),
            Flavor::LiveChat => (self.message, "text/plain; charset=utf-8"),
            Flavor::Control => (
                serde_json::json!({ "error": reason(self.status), "message": self.message })
                    .to_string(),
                "application/json",
            ),
        };
        let mut resp = (self.status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
        resp.extensions_mut().insert(Shaped);
        if let Some(m) = miaw_message {
            resp.extensions_mut().insert(MiawErrorMessage(m));
        }
        resp
    }
}
