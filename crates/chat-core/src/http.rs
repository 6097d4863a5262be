//! HTTP requests the core asks the browser layer to perform, and their results.

/// Identifies one request so its result can be matched when it comes back.
pub type RequestId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub id: RequestId,
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// Network failure, DNS, refused connection or a CORS refusal (the browser cannot tell
    /// these apart).
    Network(String),
    /// The request was aborted because the core asked for it (timeout).
    Aborted,
}

/// What the browser layer must do: perform a request, or abort one in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAction {
    Start(HttpRequest),
    Abort(RequestId),
}
