//! Where commands send requests: DOKU with the given credentials, or an embedded simulator.

use std::fmt;

use clap::Args;
use doku_pay::sim::{MerchantConfig, SimConfig, SimHandle, Simulator};
use doku_pay::{Client, Credentials, Environment};

use crate::failure::Failure;

/// A secret given by flag or environment: `Debug` prints `[redacted]`, so that no
/// argument struct can show it.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// Merchant credentials and environment.
#[derive(Debug, Clone, Args)]
pub(crate) struct CredArgs {
    /// Merchant Client-Id.
    #[arg(long, env = "DOKU_CLIENT_ID")]
    pub(crate) client_id: Option<String>,
    /// Merchant Secret Key (prefer the environment variable: flags show in process lists).
    #[arg(long, env = "DOKU_SECRET_KEY", hide_env_values = true)]
    pub(crate) secret_key: Option<Secret>,
    /// `sandbox` (default), `production`, or a base URL such as http://127.0.0.1:7070.
    #[arg(long = "env", env = "DOKU_ENV", value_name = "ENV")]
    pub(crate) environment: Option<String>,
}

impl CredArgs {
    /// The credentials given, `None` when neither client id nor secret is.
    pub(crate) fn credentials(&self) -> Result<Option<Credentials>, Failure> {
        match (&self.client_id, &self.secret_key) {
            (None, None) => {
                if let Some(env) = &self.environment {
                    return Err(Failure::input(format!(
                        "DOKU_ENV is `{env}` but no credentials are given: set DOKU_CLIENT_ID and DOKU_SECRET_KEY"
                    )));
                }
                Ok(None)
            }
            (Some(id), Some(secret)) => {
                let environment = match &self.environment {
                    None => Environment::Sandbox,
                    Some(e) => e.parse().map_err(|e: doku_pay::ConfigError| {
                        Failure::input(doku_pay::Error::from(e).to_string())
                    })?,
                };
                Credentials::new(id.as_str(), secret.expose(), environment)
                    .map(Some)
                    .map_err(|e| Failure::input(e.to_string()))
            }
            (Some(_), None) => Err(Failure::input(
                "DOKU_CLIENT_ID is set but DOKU_SECRET_KEY is not (give both, or neither for the embedded simulator)",
            )),
            (None, Some(_)) => Err(Failure::input(
                "DOKU_SECRET_KEY is set but DOKU_CLIENT_ID is not (give both, or neither for the embedded simulator)",
            )),
        }
    }
}

/// A client, and the embedded simulator it talks to when no credentials were given.
pub(crate) struct Target {
    pub(crate) client: Client,
    /// Kept alive for as long as the client is used.
    pub(crate) _sim: Option<SimHandle>,
}

/// Connects to DOKU with the given credentials, or starts an embedded simulator.
pub(crate) async fn connect(args: &CredArgs) -> Result<Target, Failure> {
    if let Some(creds) = args.credentials()? {
        let client = Client::new(creds).map_err(|e| Failure::input(e.to_string()))?;
        return Ok(Target { client, _sim: None });
    }
    // Time factor 1e-4, as the demo: a push payment's customer (OVO answers within 70 s)
    // answers in 7 ms. The simulator lives for this one command and notifies no one, so its
    // clock changes nothing else.
    let (sim, creds) = embedded(None, 1e-4, None).await?;
    eprintln!(
        "note: no credentials given (DOKU_CLIENT_ID, DOKU_SECRET_KEY): using an embedded DOKU simulator at {}; nothing leaves this machine and its state ends with this command",
        sim.base_url()
    );
    let client = Client::new(creds).map_err(|e| Failure::input(e.to_string()))?;
    Ok(Target {
        client,
        _sim: Some(sim),
    })
}

/// Starts a simulator on 127.0.0.1 with a fresh demo merchant, and returns the merchant's
/// credentials pointed at it.
pub(crate) async fn embedded(
    notification_url: Option<&str>,
    time_factor: f64,
    faults: Option<doku_pay::sim::FaultConfig>,
) -> Result<(SimHandle, Credentials), Failure> {
    let client_id = "MCH-DEMO-0001";
    let secret = format!("SK-DEMO-{}", uuid::Uuid::new_v4().simple());
    let mut merchant = MerchantConfig::new(client_id, secret.clone());
    if let Some(url) = notification_url {
        merchant = merchant.notification_url(url);
    }
    let mut config = SimConfig::default()
        .merchant(merchant)
        .time_factor(time_factor);
    if let Some(f) = faults {
        config = config.faults(f);
    }
    let sim = Simulator::builder(config)
        .registered_channels()
        .start()
        .await
        .map_err(|e| Failure::refused(format!("cannot start the embedded simulator: {e}")))?;
    let env = Environment::custom(sim.base_url()).map_err(|e| Failure::input(e.to_string()))?;
    let creds =
        Credentials::new(client_id, secret, env).map_err(|e| Failure::input(e.to_string()))?;
    Ok((sim, creds))
}
