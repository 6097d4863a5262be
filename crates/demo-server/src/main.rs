//! `demo-server --dist DIR [--host 127.0.0.1] [--port 8080] [--emulator-port 8090] [--relay-port 8091] [--variant KEY=VALUE]... [--scenario PATH]`
//!
//! `--variant` picks the emulator's answer where the Salesforce spec is unconfirmed (see
//! `crates/sf-emulator/README.md`, "Variants"); `--scenario` gives the emulator a scripted agent
//! (`docs/scenarios/*.json`, see the same README, "Scenarios").
//!
//! Serves the demo shop page with the widget (from `cargo xtask build`'s `dist/`) and runs the
//! Salesforce emulator (MIAW + Live Chat) with its agent console beside it, plus the Live Chat
//! CORS relay in front of the emulator's Chat REST API (as a site owner would run it).

use std::path::PathBuf;

use tokio::net::TcpListener;

struct Args {
    dist: PathBuf,
    host: String,
    port: u16,
    emulator_port: u16,
    relay_port: u16,
    variants: sf_emulator::Variants,
    scenario: Option<(String, sf_emulator::Scenario)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dist: PathBuf::from("dist"),
        host: "127.0.0.1".into(),
        port: 8080,
        emulator_port: 8090,
        relay_port: 8091,
        variants: sf_emulator::Variants::default(),
        scenario: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--dist" => args.dist = value()?.into(),
            "--variant" => args.variants.set_pair(&value()?)?,
            "--scenario" => {
                let path = value()?;
                let sc = sf_emulator::Scenario::load(std::path::Path::new(&path))?;
                sc.check_agents(&sf_emulator::EmulatorConfig::default().agents)
                    .map_err(|e| format!("{path}: {e}"))?;
                args.scenario = Some((path, sc));
            }
            "--host" => args.host = value()?,
            "--port" => args.port = value()?.parse().map_err(|_| "--port: not a port number")?,
            "--emulator-port" => {
                args.emulator_port = value()?.parse().map_err(|_| "--emulator-port: not a port number")?
            }
            "--relay-port" => {
                args.relay_port = value()?.parse().map_err(|_| "--relay-port: not a port number")?
            }
            "-h" | "--help" => {
                return Err("usage: demo-server --dist DIR [--host 127.0.0.1] [--port 8080] [--emulator-port 8090] [--relay-port 8091] [--variant KEY=VALUE]... [--scenario PATH]".into())
            }
            other => return Err(format!("unknown option {other} (see --help)")),
        }
    }
    if !args.dist.join("widget/chat-widget.js").exists() {
        return Err(format!(
            "{} has no widget build: run `cargo xtask build` (or `cargo xtask demo`)",
            args.dist.display()
        ));
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("demo-server: {e}");
            std::process::exit(2);
        }
    };
    let bind = |port: u16| {
        let addr = format!("{}:{port}", args.host);
        async move {
            TcpListener::bind(&addr).await.unwrap_or_else(|e| {
                eprintln!("demo-server: cannot listen on {addr}: {e} (is another demo running? use --port/--emulator-port)");
                std::process::exit(1);
            })
        }
    };
    let site = bind(args.port).await;
    let emulator = bind(args.emulator_port).await;
    let relay = bind(args.relay_port).await;
    let host = &args.host;
    let relay_config = livechat_relay::RelayConfig {
        upstream: format!("http://{host}:{}", args.emulator_port),
        allowed_origins: vec![
            format!("http://{host}:{}", args.port),
            format!("http://localhost:{}", args.port),
            format!("http://127.0.0.1:{}", args.port),
        ],
        ..Default::default()
    };
    println!();
    println!(
        "  Demo shop with the chat widget:  http://{host}:{}/",
        args.port
    );
    println!(
        "  Theme studio (for designers):    http://{host}:{}/theme.html",
        args.port
    );
    println!(
        "  Salesforce emulator:             http://{host}:{}/",
        args.emulator_port
    );
    println!(
        "  Agent console:                   http://{host}:{}/console",
        args.emulator_port
    );
    println!(
        "  Live Chat relay → emulator:      http://{host}:{}/chat/rest/",
        args.relay_port
    );
    if let Some((path, sc)) = &args.scenario {
        println!(
            "  Scenario (every new chat):       {path} ({} steps)",
            sc.steps.len()
        );
    }
    println!();
    println!("  Press Ctrl+C to stop.");
    let dist = args.dist.clone();
    let emulator_config = sf_emulator::EmulatorConfig {
        variants: args.variants,
        scenario: args.scenario.map(|(_, sc)| sc),
        ..Default::default()
    };
    tokio::select! {
        r = demo_server::serve_static(dist, site) => if let Err(e) = r { eprintln!("demo-server: {e}"); },
        r = sf_emulator::serve(emulator_config, emulator) => if let Err(e) = r { eprintln!("emulator: {e}"); },
        r = livechat_relay::serve(relay_config, relay) => if let Err(e) = r { eprintln!("relay: {e}"); },
        _ = tokio::signal::ctrl_c() => {}
    }
}
