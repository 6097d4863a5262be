//! Static file serving for the demo and the end-to-end tests.
//!
//! Files are served with `Access-Control-Allow-Origin: *` (the widget is meant to be loaded
//! from a CDN on another origin than the page: the loader imports the glue module and fetches
//! the wasm with CORS) and `Cache-Control: no-cache` (a rebuilt widget is picked up at once).

use std::path::PathBuf;

use axum::http::{header, HeaderValue};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// A router serving the files under `root` (`/` → `index.html`).
pub fn static_files(root: PathBuf) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(root).append_index_html_on_directories(true))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// Serves `root` on `listener` until the task is dropped.
pub async fn serve_static(root: PathBuf, listener: TcpListener) -> std::io::Result<()> {
    axum::serve(listener, static_files(root)).await
}
