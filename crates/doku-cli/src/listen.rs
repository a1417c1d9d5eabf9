//! `doku listen`: a notification receiver that prints each verified notification as one JSON
//! line on stdout and reports every rejection on stderr.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use clap::Args;
use doku::Notification;
use doku::receiver::{BoxError, Receiver};

use crate::failure::Failure;
use crate::target::CredArgs;

/// Arguments of `listen`.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The path of your notification URL (it is part of what DOKU signs).
    #[arg(long, default_value = "/payments/notifications")]
    path: String,
    #[command(flatten)]
    creds: CredArgs,
}

pub(crate) async fn run(a: ListenArgs) -> Result<(), Failure> {
    let creds = a.creds.credentials()?.ok_or_else(|| {
        Failure::input(
            "listen needs the merchant's credentials: set DOKU_CLIENT_ID and DOKU_SECRET_KEY",
        )
    })?;
    if !a.path.starts_with('/') {
        return Err(Failure::input(format!(
            "--path must start with `/`, got `{}`",
            a.path
        )));
    }
    let receiver = Receiver::builder(a.path.clone(), |n: Notification| async move {
        // One JSON document per line. The raw body is kept byte for byte, so it may span
        // lines; a line break in valid JSON is only ever whitespace between tokens (inside
        // strings it is escaped), so turning it into a space keeps the same document.
        let line = serde_json::to_string(&n)?.replace(['\n', '\r'], " ");
        println!("{line}");
        Ok::<(), BoxError>(())
    })
    .credentials(&creds)
    .build()
    .map_err(Failure::from)?;
    let app = receiver.router().layer(middleware::from_fn(report));
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .map_err(|e| Failure::input(format!("cannot listen on {}: {e}", a.addr)))?;
    eprintln!(
        "listening for DOKU notifications for {} on http://{}{} (Ctrl-C to stop)",
        creds.client_id, a.addr, a.path
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Failure::refused(format!("server error: {e}")))
}

/// Reports every answer other than 200 on stderr, with the receiver's short reason.
async fn report(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let resp = next.run(req).await;
    if resp.status().is_success() {
        return resp;
    }
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    eprintln!(
        "rejected {method} {path}: {} {}",
        status.as_u16(),
        String::from_utf8_lossy(&bytes).trim()
    );
    Response::from_parts(parts, Body::from(bytes))
}
