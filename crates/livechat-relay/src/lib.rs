//! A small, stateless relay that lets a browser call the legacy Salesforce Chat REST API.
//!
//! The Chat REST API (`https://<Live Agent host>/chat/rest/...`) answers no CORS pre-flight, so
//! a page cannot call it directly. A site owner runs this relay next to their site; the widget
//! still speaks the Chat REST API itself, the relay only carries it:
//!
//! - forwards only the resources the widget uses, under `/chat/rest/`, with GET or POST;
//! - passes the `X-LIVEAGENT-*` headers (and `Content-Type`, `Accept`) through, nothing else
//!   (no cookies, no `Authorization`);
//! - answers CORS for an origin allowlist only, and refuses other origins without forwarding;
//! - caps request bodies; waits longer than the long poll; streams responses back;
//! - holds no state, so any number of instances can run behind a load balancer (the Live Agent
//!   affinity travels in the `X-LIVEAGENT-AFFINITY` header, not in the relay);
//! - logs method, resource, status and duration — never a body, so no message text.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::{BodyExt, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The Chat REST resources the widget calls. Anything else is refused with 404.
pub const RESOURCES: &[&str] = &[
    "System/SessionId",
    "System/Messages",
    "System/ReconnectSession",
    "Chasitor/ChasitorInit",
    "Chasitor/ChasitorResyncState",
    "Chasitor/ChatMessage",
    "Chasitor/ChasitorTyping",
    "Chasitor/ChasitorNotTyping",
    "Chasitor/ChasitorSneakPeek",
    "Chasitor/ChatEnd",
    "Chasitor/CustomEvent",
    "Visitor/Availability",
];

/// Request headers passed upstream (lower case).
const FORWARDED_HEADERS: &[&str] = &[
    "x-liveagent-api-version",
    "x-liveagent-affinity",
    "x-liveagent-session-key",
    "x-liveagent-sequence",
    "content-type",
    "accept",
];

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The Live Agent endpoint host, e.g. `https://d.la1-c2-ord.salesforceliveagent.com`
    /// (Setup → Chat Settings → Chat API Endpoint, without `/chat/rest/`).
    pub upstream: String,
    /// Exact origins allowed to call the relay (`https://www.example.com`), or `*` for any.
    pub allowed_origins: Vec<String>,
    /// Largest request body accepted (bytes); larger → 413.
    pub max_body_bytes: usize,
    /// How long an upstream call may take. Must exceed the long poll (`clientPollTimeout`,
    /// 40 s by default on Salesforce's side).
    pub upstream_timeout: Duration,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            upstream: String::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: 64 * 1024,
            upstream_timeout: Duration::from_secs(90),
        }
    }
}

impl RelayConfig {
    /// Checks the configuration; the message says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        let up = self.upstream.trim_end_matches('/');
        if !(up.starts_with("https://") || up.starts_with("http://"))
            || up.split("://").nth(1).is_none_or(str::is_empty)
        {
            return Err(format!(
                "upstream \"{}\" must be the Live Agent endpoint URL, e.g. https://d.la1-c2-ord.salesforceliveagent.com",
                self.upstream
            ));
        }
        if up.contains("/chat/rest") {
            return Err("upstream must not include /chat/rest (the relay adds the path)".into());
        }
        if self.allowed_origins.is_empty() {
            return Err("no allowed origin: list the site's origins (e.g. https://www.example.com), or * for any".into());
        }
        for o in &self.allowed_origins {
            if o != "*" && !(o.starts_with("https://") || o.starts_with("http://"))
                || o.ends_with('/')
            {
                return Err(format!("allowed origin \"{o}\" must look like https://www.example.com (no path, no trailing slash)"));
            }
        }
        if self.max_body_bytes == 0 {
            return Err("max body size must be positive".into());
        }
        Ok(())
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o == origin)
    }
}

type HttpsClient =
    Client<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, Body>;

struct Relay {
    config: RelayConfig,
    client: HttpsClient,
}

/// The relay's router (everything is handled by one fallback handler).
pub fn app(config: RelayConfig) -> Router {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let relay = Arc::new(Relay { config, client });
    Router::new().fallback(handle).with_state(relay)
}

/// Serves the relay on `listener` until the process ends.
pub async fn serve(config: RelayConfig, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app(config)).await
}

fn cors_headers(origin: &str, headers: &mut HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

fn resource_of(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/chat/rest/")?;
    // Live Agent also accepts `.json`-less and JSONP forms; the widget uses the plain ones.
    RESOURCES.iter().copied().find(|r| *r == rest)
}

async fn handle(State(relay): State<Arc<Relay>>, req: Request) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = route(&relay, req, origin.as_deref()).await;
    let mut response = response;
    if let Some(o) = origin.as_deref().filter(|o| relay.config.origin_allowed(o)) {
        cors_headers(o, response.headers_mut());
    }
    // Never the body or the query (which may carry ids): method, resource, status, time.
    eprintln!(
        "{method} {} → {} in {} ms",
        resource_of(&path).unwrap_or("(refused path)"),
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

async fn route(relay: &Relay, req: Request, origin: Option<&str>) -> Response {
    let cfg = &relay.config;
    if let Some(o) = origin {
        if !cfg.origin_allowed(o) {
            return plain(StatusCode::FORBIDDEN, "origin not allowed by this relay");
        }
    }
    let Some(resource) = resource_of(req.uri().path()) else {
        return plain(
            StatusCode::NOT_FOUND,
            "not a Chat REST resource this relay forwards",
        );
    };
    if req.method() == Method::OPTIONS {
        if origin.is_none() {
            return plain(StatusCode::BAD_REQUEST, "pre-flight without Origin");
        }
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "Content-Type, Accept, X-LIVEAGENT-API-VERSION, X-LIVEAGENT-AFFINITY, X-LIVEAGENT-SESSION-KEY, X-LIVEAGENT-SEQUENCE",
            ),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        return r;
    }
    if req.method() != Method::GET && req.method() != Method::POST {
        let mut r = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and POST are forwarded",
        );
        r.headers_mut().insert(
            header::ALLOW,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        return r;
    }
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > cfg.max_body_bytes {
            return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        }
    }
    let (parts, body) = req.into_parts();
    // The body is read (bounded) before forwarding: a chunked body over the cap is refused too.
    let body = match Limited::new(body, cfg.max_body_bytes).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    };
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let url = format!(
        "{}/chat/rest/{resource}{query}",
        cfg.upstream.trim_end_matches('/')
    );
    let mut upstream = hyper::Request::builder()
        .method(parts.method.clone())
        .uri(url);
    for name in FORWARDED_HEADERS {
        if let Some(v) = parts.headers.get(*name) {
            upstream = upstream.header(HeaderName::from_static(name), v.clone());
        }
    }
    let Ok(upstream) = upstream.body(Body::from(body)) else {
        return plain(StatusCode::BAD_REQUEST, "request cannot be forwarded");
    };
    let answer =
        match tokio::time::timeout(cfg.upstream_timeout, relay.client.request(upstream)).await {
            Err(_) => {
                return plain(
                    StatusCode::GATEWAY_TIMEOUT,
                    "the Live Agent endpoint did not answer in time",
                )
            }
            Ok(Err(_)) => {
                return plain(
                    StatusCode::BAD_GATEWAY,
                    "the Live Agent endpoint cannot be reached",
                )
            }
            Ok(Ok(r)) => r,
        };
    let (up_parts, up_body) = answer.into_parts();
    let mut r = Response::new(Body::new(up_body));
    *r.status_mut() = up_parts.status;
    for (name, value) in &up_parts.headers {
        let n = name.as_str();
        if n == "content-type" || n.starts_with("x-liveagent-") {
            r.headers_mut().insert(name.clone(), value.clone());
        }
    }
    r
}
