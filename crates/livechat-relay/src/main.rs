//! `livechat-relay --upstream URL --allow-origin ORIGIN [...]` — see README.md.

use std::time::Duration;

use livechat_relay::RelayConfig;

const USAGE: &str =
    "usage: livechat-relay --upstream URL --allow-origin ORIGIN [--allow-origin ORIGIN]...
                      [--listen 0.0.0.0:8443] [--max-body-bytes 65536] [--upstream-timeout-secs 90]
environment (used when the flag is absent): RELAY_UPSTREAM, RELAY_ALLOWED_ORIGINS (comma-separated),
RELAY_LISTEN, RELAY_MAX_BODY_BYTES, RELAY_UPSTREAM_TIMEOUT_SECS";

fn parse() -> Result<(RelayConfig, String), String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut config = RelayConfig {
        upstream: env("RELAY_UPSTREAM").unwrap_or_default(),
        allowed_origins: env("RELAY_ALLOWED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        ..RelayConfig::default()
    };
    let mut listen = env("RELAY_LISTEN").unwrap_or_else(|| "127.0.0.1:8443".into());
    if let Some(v) = env("RELAY_MAX_BODY_BYTES") {
        config.max_body_bytes = v
            .parse()
            .map_err(|_| "RELAY_MAX_BODY_BYTES: not a number")?;
    }
    if let Some(v) = env("RELAY_UPSTREAM_TIMEOUT_SECS") {
        config.upstream_timeout = Duration::from_secs(
            v.parse()
                .map_err(|_| "RELAY_UPSTREAM_TIMEOUT_SECS: not a number")?,
        );
    }
    let mut origins_from_flags = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--upstream" => config.upstream = value()?,
            "--allow-origin" => origins_from_flags.push(value()?),
            "--listen" => listen = value()?,
            "--max-body-bytes" => {
                config.max_body_bytes = value()?
                    .parse()
                    .map_err(|_| "--max-body-bytes: not a number")?
            }
            "--upstream-timeout-secs" => {
                config.upstream_timeout = Duration::from_secs(
                    value()?
                        .parse()
                        .map_err(|_| "--upstream-timeout-secs: not a number")?,
                )
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if !origins_from_flags.is_empty() {
        config.allowed_origins = origins_from_flags;
    }
    config.validate()?;
    Ok((config, listen))
}

#[tokio::main]
async fn main() {
    let (config, listen) = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("livechat-relay: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("livechat-relay: cannot listen on {listen}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "livechat-relay on http://{listen} → {} for {}",
        config.upstream,
        config.allowed_origins.join(", ")
    );
    tokio::select! {
        r = livechat_relay::serve(config, listener) => if let Err(e) = r { eprintln!("livechat-relay: {e}"); std::process::exit(1); },
        _ = tokio::signal::ctrl_c() => {}
    }
}
