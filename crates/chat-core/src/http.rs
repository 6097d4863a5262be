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

/// For logs: `network error: <what the browser said>` or `aborted` (no `Debug` formatting in
/// the wasm: its string escaping costs about 1 KB).
impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Network(what) => write!(f, "network error: {what}"),
            HttpError::Aborted => f.write_str("aborted"),
        }
    }
}

/// A file the visitor picked, held by the browser layer (the core never sees its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// The browser layer's handle for the `File` object.
    pub handle: u32,
    pub name: String,
    pub size: u64,
    pub mime_type: String,
}

/// A `multipart/form-data` POST: one JSON part and one file part. The browser builds it with
/// `FormData` (which sets the boundary); the result comes back through `handle_http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub id: RequestId,
    pub url: String,
    /// Headers other than `Content-Type` (the browser sets it with the boundary).
    pub headers: Vec<(String, String)>,
    /// Name and JSON text of the JSON part (sent with type `application/json`).
    pub json_part: (String, String),
    /// Name of the file part, and the file.
    pub file_part: String,
    pub file: FileRef,
}

/// Why a streaming response ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    /// The server answered with this non-200 status (no body is read).
    Status(u16),
    /// The connection failed or was cut.
    Network(String),
}

/// What the browser layer must do: perform a request, or abort one in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAction {
    /// An ordinary request; report with `handle_http`.
    Start(HttpRequest),
    /// A multipart file upload; report with `handle_http`.
    Upload(UploadRequest),
    /// A streaming GET (Server-Sent Events): on a 200 response call `handle_stream_chunk`
    /// once with an empty chunk, then once per body chunk; when it ends call
    /// `handle_stream_closed` (a non-200 status is [`StreamError::Status`]).
    Stream(HttpRequest),
    /// Abort the request or stream with this id; no result is expected for it.
    Abort(RequestId),
}
