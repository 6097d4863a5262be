//! Local emulator of the Salesforce chat APIs a website widget talks to:
//!
//! * Messaging for In-App and Web (MIAW) REST v2 + SSE (`/iamessage/api/v2/...`,
//!   `/eventrouter/v1/sse`, `/embeddedservice/v1/...`),
//! * legacy Live Agent chat REST + long polling (`/chat/rest/...`),
//! * an agent console for people (`/console`) and a JSON control API for tests (`/control/...`),
//!   with deterministic scripted faults.
//!
//! The wire types are written from `shared/spec/miaw.md` and `shared/spec/live-agent.md` and are
//! deliberately not shared with the widget. See the crate README for every choice made where the
//! spec says "unconfirmed".

pub mod config;
mod console;
mod control;
mod error;
mod livechat;
mod miaw;
mod middleware;
pub mod scenario;
mod sse;
mod state;
mod util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    AgentConfig, EmulatorConfig, EndMode, ErrorBody, EventIdFormat, IdleTimeoutConfig, RateLimits,
    ReplayMode, SessionStatusSignal, Variants, DEFAULT_BUTTON_ID, DEFAULT_CHANNEL_ADDRESS_ID,
    DEFAULT_DEPLOYMENT_ID, DEFAULT_ES_DEVELOPER_NAME, DEFAULT_ORG_ID,
    DEFAULT_USER_VERIFICATION_SECRET,
};
pub use error::{ApiError, Flavor};
pub use scenario::{Scenario, ScenarioError};
pub use util::jwt_sign as sign_hs256_jwt;

use state::AppState;

/// Build the complete application (all four routers plus CORS and fault middleware).
pub fn app(config: EmulatorConfig) -> Router {
    build(Arc::new(AppState::new(config)))
}

fn build(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(miaw::router(state.clone()))
        .merge(livechat::router(state.clone()))
        .merge(console::router())
        .merge(control::router(state.clone()))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::middleware::from_fn(middleware::shape_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::faults,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::cors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::error_body,
        ))
}

/// Serve the emulator on `listener` until the process ends.
pub async fn serve(config: EmulatorConfig, listener: TcpListener) -> std::io::Result<()> {
    let state = Arc::new(AppState::new(config));
    axum::serve(listener, build(state)).await
}

/// An emulator running in a background task (see [`spawn`]).
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT` (no trailing slash). MIAW SCRT base URL and Live Agent host.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The agent console URL.
    pub fn console_url(&self) -> String {
        format!("{}/console", self.base_url())
    }

    /// The configuration the emulator runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.state.config
    }

    /// Stop serving: ends open SSE streams and long polls, then the server task.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(3), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            // Dropping every stream's and poll's notifier ends them so that the graceful
            // shutdown does not wait for long-lived requests.
            self.state.reset();
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("base_url", &self.base_url())
            .field("running", &self.stop.is_some())
            .finish()
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Bind `127.0.0.1:0` and serve `config` in a background tokio task.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AppState::new(config));
    let (stop, stopped) = oneshot::channel::<()>();
    let router = build(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningEmulator {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}
