//! `sf-emulator` binary: serve the Salesforce emulator on one port.

use std::time::Duration;

use sf_emulator::EmulatorConfig;

const USAGE: &str = "\
sf-emulator: local Salesforce MIAW + Live Agent emulator with an agent console

USAGE:
    sf-emulator [OPTIONS]

OPTIONS:
    --port PORT                 port to listen on (default 8090; 0 = any free port)
    --host HOST                 address to bind (default 127.0.0.1)
    --allow-origin ORIGIN       add a CORS origin (repeatable; `scheme://host:*` = any port,
                                `*` = any origin). Replaces the default localhost origins.
    --live-chat-cors            emit CORS headers on /chat/rest/* (off like the real service)
    --poll-timeout SECS         Live Agent long-poll hold time before 204 (default 30)
    --client-poll-timeout SECS  clientPollTimeout reported by System/SessionId (default 40)
    --token-lifetime SECS       MIAW access-token lifetime (default 3600)
    --ping-interval SECS        SSE ping interval (default 15)
    --max-file-bytes N          maximum upload size (default 5242880)
    --auto-accept               the first available agent accepts every new conversation
    --org-id ID                 org id (default 00D5e000000AbCd)
    --es-developer-name NAME    MIAW deployment name (default Web_Custom_Client)
    --deployment-id ID          Live Agent deployment id (default 5725e000000AbCd)
    --button-id ID              Live Agent button id (repeatable; default 5735e000000AbCd)
    --user-verification-secret S  HS256 secret for customerIdentityToken
    --idle-timeout WARN:END     Live Agent visitor idle timeout on (warning after WARN s,
                                end after END s); reported in ChatEstablished/ChatTransferred
    --variant KEY=VALUE         choose a shape where the spec is unconfirmed (repeatable):
                                  session-status=entry|top|entry-type|absent  (default entry)
                                  event-id=numeric|ts                         (default numeric)
                                  replay=full|none|last:N                     (default full)
                                  error-body=status|message-only|empty        (default status)
                                  end-mode=session|conversation               (default session)
    --scenario PATH             a JSON scenario file: scripted agent steps run for every new
                                conversation (see the README, Scenarios); a bad file exits
                                with status 2 and the position of the problem
    --scenario-speed X          run scenario delays X times faster (default 1)
    -h, --help                  print this help
";

fn parse_args() -> Result<(String, u16, EmulatorConfig, Option<String>), String> {
    let mut cfg = EmulatorConfig::default();
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = 8090;
    let mut origins: Vec<String> = Vec::new();
    let mut buttons: Vec<String> = Vec::new();
    let mut scenario_path: Option<String> = None;
    let mut args = std::env::args().skip(1);
    fn value(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
        args.next().ok_or_else(|| format!("{flag} needs a value"))
    }
    fn num<T: std::str::FromStr>(s: String, flag: &str) -> Result<T, String> {
        s.parse().map_err(|_| format!("{flag}: invalid number {s}"))
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--port" => port = num(value(&mut args, &a)?, &a)?,
            "--host" => host = value(&mut args, &a)?,
            "--allow-origin" => origins.push(value(&mut args, &a)?),
            "--live-chat-cors" => cfg.live_chat_cors = true,
            "--poll-timeout" => {
                cfg.long_poll_timeout = Duration::from_secs(num(value(&mut args, &a)?, &a)?)
            }
            "--client-poll-timeout" => {
                cfg.client_poll_timeout_secs = num(value(&mut args, &a)?, &a)?
            }
            "--token-lifetime" => {
                cfg.token_lifetime = Duration::from_secs(num(value(&mut args, &a)?, &a)?)
            }
            "--ping-interval" => {
                cfg.sse_ping_interval =
                    Duration::from_secs(num::<u64>(value(&mut args, &a)?, &a)?.max(1))
            }
            "--max-file-bytes" => cfg.max_file_bytes = num(value(&mut args, &a)?, &a)?,
            "--auto-accept" => cfg.auto_accept = true,
            "--org-id" => cfg.org_id = value(&mut args, &a)?,
            "--es-developer-name" => cfg.es_developer_name = value(&mut args, &a)?,
            "--deployment-id" => cfg.deployment_id = value(&mut args, &a)?,
            "--button-id" => buttons.push(value(&mut args, &a)?),
            "--user-verification-secret" => {
                cfg.user_verification_secret = Some(value(&mut args, &a)?)
            }
            "--variant" => cfg
                .variants
                .set_pair(&value(&mut args, &a)?)
                .map_err(|e| format!("--variant: {e}"))?,
            "--idle-timeout" => {
                let v = value(&mut args, &a)?;
                let (w, t) = v
                    .split_once(':')
                    .ok_or_else(|| format!("{a} expects WARN:END seconds, got {v}"))?;
                cfg.idle_timeout = sf_emulator::IdleTimeoutConfig {
                    enabled: true,
                    warning_time: num(w.to_string(), &a)?,
                    timeout: num(t.to_string(), &a)?,
                };
            }
            "--scenario" => scenario_path = Some(value(&mut args, &a)?),
            "--scenario-speed" => {
                let x: f64 = num(value(&mut args, &a)?, &a)?;
                if !(x.is_finite() && x > 0.0) {
                    return Err(format!("{a} must be a positive number"));
                }
                cfg.scenario_speed = x;
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if !origins.is_empty() {
        cfg.allowed_origins = origins;
    }
    if !buttons.is_empty() {
        cfg.button_ids = buttons;
    }
    if let Some(p) = &scenario_path {
        let sc = sf_emulator::Scenario::load(std::path::Path::new(p))?;
        sc.check_agents(&cfg.agents)
            .map_err(|e| format!("{p}: {e}"))?;
        cfg.scenario = Some(sc);
    }
    Ok((host, port, cfg, scenario_path))
}

#[tokio::main]
async fn main() {
    let (host, port, cfg, scenario_path) = match parse_args() {
        Ok(x) => x,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    if cfg.long_poll_timeout.as_secs() >= cfg.client_poll_timeout_secs {
        eprintln!(
            "warning: --poll-timeout ({}s) should be shorter than --client-poll-timeout ({}s)",
            cfg.long_poll_timeout.as_secs(),
            cfg.client_poll_timeout_secs
        );
    }
    let listener = match tokio::net::TcpListener::bind((host.as_str(), port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot bind {host}:{port}: {e}");
            std::process::exit(1);
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let base = format!("http://{addr}");
    println!("sf-emulator listening on {base}");
    println!("  MIAW SCRT base URL:   {base}   (REST {base}/iamessage/api/v2, SSE {base}/eventrouter/v1/sse)");
    println!("  Live Agent endpoint:  {base}/chat/rest/");
    println!("  Agent console:        {base}/console");
    println!("  Control API:          {base}/control/state");
    println!(
        "  org {}  esDeveloperName {}  deployment {}  button(s) {}",
        cfg.org_id,
        cfg.es_developer_name,
        cfg.deployment_id,
        cfg.button_ids.join(",")
    );
    println!(
        "  CORS origins: {}   live-chat CORS: {}",
        cfg.allowed_origins.join(" "),
        if cfg.live_chat_cors { "on" } else { "off" }
    );
    if cfg.variants != sf_emulator::Variants::default() {
        let v: Vec<String> = cfg
            .variants
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("  variants: {}", v.join(" "));
    }
    if let (Some(p), Some(sc)) = (&scenario_path, &cfg.scenario) {
        println!(
            "  scenario: {p} ({} steps, speed {}) runs for every new conversation",
            sc.steps.len(),
            cfg.scenario_speed
        );
    }
    tokio::select! {
        r = sf_emulator::serve(cfg, listener) => {
            if let Err(e) = r {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        _ = tokio::signal::ctrl_c() => {
            println!("sf-emulator: stopping");
        }
    }
}
