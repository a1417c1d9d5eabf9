//! `doku sim`: the local DOKU simulator, standalone.

use std::net::SocketAddr;

use clap::Args;
use doku_pay::sim::{MerchantConfig, SimConfig, Simulator};
use doku_pay_receiver::serve::serve;

use crate::failure::Failure;
use crate::input::read_json;
use crate::listen::ServeArgs;
use crate::target::Secret;

/// Arguments of `sim`.
#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7070")]
    addr: SocketAddr,
    /// A JSON configuration file (merchants, storage bounds, time factor, faults).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// A merchant as CLIENT_ID:SECRET_KEY (repeatable). DOKU_CLIENT_ID and DOKU_SECRET_KEY
    /// add one too, unless the same merchant is already given.
    #[arg(long = "merchant", value_name = "CLIENT_ID:SECRET")]
    merchants: Vec<Secret>,
    /// Where notifications go, for merchants given by flag or environment.
    #[arg(long, value_name = "URL")]
    notification_url: Option<String>,
    /// Multiplies DOKU's notification retry schedule (30 min, 6 h, 12 h).
    #[arg(long)]
    time_factor: Option<f64>,
    /// Merchant Client-Id.
    #[arg(long, env = "DOKU_CLIENT_ID")]
    client_id: Option<String>,
    /// Merchant Secret Key.
    #[arg(long, env = "DOKU_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<Secret>,
    #[command(flatten)]
    serve: ServeArgs,
}

pub(crate) async fn run(a: SimArgs) -> Result<(), Failure> {
    let mut config: SimConfig = match &a.config {
        Some(path) => read_json(path, "simulator configuration")?,
        None => SimConfig::default(),
    };
    let mut given: Vec<(&str, &str)> = Vec::new();
    for m in &a.merchants {
        // The value is never echoed: without a `:` it may be the secret itself.
        let (id, secret) = m.expose().split_once(':').ok_or_else(|| {
            Failure::input("--merchant takes CLIENT_ID:SECRET_KEY (no `:` in the value given)")
        })?;
        given.push((id, secret));
    }
    // The environment's merchant is often also given by flag or in the configuration (one
    // shell exporting DOKU_CLIENT_ID and DOKU_SECRET_KEY for `create` and `listen`): the same
    // merchant twice is one merchant, notified where --notification-url says; the same
    // Client-Id with another key, or notified elsewhere, is a mistake to name.
    if let (Some(id), Some(secret)) = (
        a.client_id.as_deref(),
        a.secret_key.as_ref().map(Secret::expose),
    ) {
        let twice = || {
            Failure::input(format!(
                "merchant `{id}` is given twice with different secret keys: by \
                 DOKU_CLIENT_ID / --client-id and by --merchant or --config"
            ))
        };
        if let Some((_, known)) = given.iter().find(|(known, _)| *known == id) {
            if *known != secret {
                return Err(twice());
            }
        } else if let Some(m) = config.merchants.iter_mut().find(|m| m.client_id == id) {
            if m.secret_key != secret {
                return Err(twice());
            }
            match (&m.notification_url, &a.notification_url) {
                (None, Some(url)) => m.notification_url = Some(url.clone()),
                (Some(configured), Some(url)) if configured != url => {
                    return Err(Failure::input(format!(
                        "merchant `{id}` is notified at {configured} by --config and at {url} \
                         by --notification-url: give one"
                    )));
                }
                _ => {}
            }
        } else {
            given.push((id, secret));
        }
    }
    for (id, secret) in given {
        let mut m = MerchantConfig::new(id, secret);
        if let Some(url) = &a.notification_url {
            m = m.notification_url(url.clone());
        }
        config.merchants.push(m);
    }
    if let Some(f) = a.time_factor {
        config.time_factor = f;
    }
    if config.merchants.is_empty() {
        return Err(Failure::input(
            "no merchant: give --merchant CLIENT_ID:SECRET, DOKU_CLIENT_ID and DOKU_SECRET_KEY, or a --config file",
        ));
    }
    let ids: Vec<String> = config
        .merchants
        .iter()
        .map(|m| m.client_id.clone())
        .collect();
    let serve_config = a.serve.config()?;
    crate::listen::init_logging();
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .map_err(|e| Failure::input(format!("cannot listen on {}: {e}", a.addr)))?;
    // Read timeouts, a connection limit and a bounded graceful shutdown, as `listen`.
    let sim = Simulator::builder(config)
        .registered_channels()
        .start_with_server(listener, move |listener, app, shutdown| async move {
            if let Err(e) = serve(listener, app, serve_config, shutdown).await {
                eprintln!("simulator server stopped: {e}");
            }
        })
        .map_err(|e| Failure::input(format!("cannot start the simulator: {e}")))?;
    eprintln!("DOKU simulator listening at {}", sim.base_url());
    eprintln!("  merchants: {}", ids.join(", "));
    for e in sim.endpoints() {
        eprintln!("  POST {e}");
    }
    eprintln!(
        "  GET  {}{{invoice number or Request-Id}} (Check Status)",
        doku_pay::transport::CHECK_STATUS_PATH
    );
    eprintln!(
        "  control API under {base}/_sim/: the customer pays with POST {base}/_sim/orders/{{invoice}}/paid \
         (or failed, expired); Ctrl-C or SIGTERM to stop",
        base = sim.base_url()
    );
    crate::listen::shutdown_requested().await;
    sim.shutdown().await;
    Ok(())
}
