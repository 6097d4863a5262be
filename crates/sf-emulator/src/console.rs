//! The agent console: one static HTML page (embedded at compile time) that drives the control API.

use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;

const CONSOLE_HTML: &str = include_str!("console.html");

pub fn router() -> Router {
    Router::new()
        .route("/console", get(console))
        .route("/console/", get(console))
        .route("/", get(|| async { Redirect::temporary("/console") }))
}

async fn console() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CONSOLE_HTML,
    )
}
