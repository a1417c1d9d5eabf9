//! The HTTP side (axum): one route per channel endpoint, Check Status, the control API under
//! `/_sim/` and the simulated payment page. It reads requests, hands them to the
//! [`Engine`], and writes its [`Reply`]s; all state and every decision is the engine's.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use doku_pay_core::transport::headers as h;
use serde_json::json;

use crate::config::FaultConfig;
use crate::engine::{Engine, Reply, error_body, header_str};
use crate::error::SimError;
use crate::status::Outcome;
use crate::store::Delivery;

type St = State<Arc<Engine>>;

/// An engine reply as an HTTP response (JSON).
fn respond(reply: Reply) -> Response {
    match reply {
        Reply::Answer {
            status,
            headers,
            body,
        } => {
            let mut resp = unsigned(status, body);
            let hs = resp.headers_mut();
            for (name, value) in headers {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    hs.insert(name, v);
                }
            }
            resp
        }
        Reply::Dropped => dropped(),
    }
}

fn unsigned(status: u16, body: Bytes) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A response whose connection is closed before anything is written: the body fails at once,
/// so the server aborts the connection without sending the status line.
fn dropped() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("dropped by fault injection"))
    });
    Response::new(Body::from_stream(stream))
}

// ---------------------------------------------------------------------------------------------
// Control API under /_sim/.

fn control_error(e: &SimError) -> Response {
    unsigned(
        e.http_status(),
        error_body(e.code(), &e.to_string(), "simulator", &[]),
    )
}

fn json_ok<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => unsigned(200, Bytes::from(b)),
        Err(e) => control_error(&SimError::Config(e.to_string())),
    }
}

/// `client_id` from the query string (`?client_id=...`) or the `Client-Id` header.
fn control_client(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    uri.query()
        .and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "client_id")
                .map(|(_, v)| v.to_owned())
        })
        .or_else(|| header_str(headers, h::CLIENT_ID).map(str::to_owned))
}

async fn control_order(
    State(st): St,
    Path(invoice): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let client = control_client(&uri, &headers);
    match st.order_snapshot(client.as_deref(), &invoice) {
        Ok(s) => json_ok(&s),
        Err(e) => control_error(&e),
    }
}

async fn control_deliveries(
    State(st): St,
    Path(invoice): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let client = control_client(&uri, &headers);
    match st.order_snapshot(client.as_deref(), &invoice) {
        Ok(s) => json_ok::<Vec<Delivery>>(&s.deliveries),
        Err(e) => control_error(&e),
    }
}

async fn control_complete(
    State(st): St,
    Path((invoice, outcome)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(outcome) = Outcome::parse(&outcome) else {
        return control_error(&SimError::Config(format!(
            "outcome `{outcome}` is not paid, failed or expired"
        )));
    };
    let client = control_client(&uri, &headers);
    match st.complete(client.as_deref(), &invoice, outcome) {
        Ok(s) => json_ok(&s),
        Err(e) => control_error(&e),
    }
}

async fn control_get_faults(State(st): St) -> Response {
    json_ok(&st.faults().config)
}

async fn control_put_faults(State(st): St, body: Bytes) -> Response {
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return control_error(&SimError::Config(e.to_string())),
    };
    match st.set_faults(config) {
        Ok(()) => json_ok(&st.faults().config),
        Err(e) => control_error(&e),
    }
}

async fn control_stats(State(st): St) -> Response {
    json_ok(&st.lock().stats())
}

async fn control_reset(State(st): St) -> Response {
    st.reset();
    json_ok(&json!({"reset": true}))
}

async fn control_health() -> Response {
    json_ok(&json!({"status": "ok"}))
}

async fn pay_page(Path(order_id): Path<String>) -> Response {
    let digits: String = order_id
        .chars()
        .filter(char::is_ascii_digit)
        .take(20)
        .collect();
    let mut resp = format!(
        "<!doctype html><title>DOKU simulator</title><p>Simulated payment page for order {digits}. \
         Complete it through the control API: POST /_sim/orders/{{invoice}}/paid</p>"
    )
    .into_response();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

async fn fallback() -> Response {
    unsigned(
        404,
        error_body("not_found", "Not Found", "invalid_request_error", &[]),
    )
}

/// The router: one route per channel endpoint, Check Status, and the control API.
pub(crate) fn router(state: Arc<Engine>) -> Router {
    let mut r = Router::new();
    for (idx, route) in state.routes.iter().enumerate() {
        r = r.route(
            route.path,
            post(
                move |State(st): St, headers: HeaderMap, uri: Uri, body: Body| async move {
                    let limit = st.config.max_body_bytes;
                    let read = async move { axum::body::to_bytes(body, limit).await.ok() };
                    respond(st.channel_request(idx, &headers, uri.path(), read).await)
                },
            ),
        );
    }
    r.route(
        "/orders/v1/status/{id}",
        get(
            |State(st): St, Path(id): Path<String>, headers: HeaderMap, uri: Uri| async move {
                respond(st.check_status(&id, &headers, uri.path()).await)
            },
        ),
    )
    .route("/_sim/health", get(control_health))
    .route("/_sim/stats", get(control_stats))
    .route("/_sim/reset", post(control_reset))
    .route(
        "/_sim/faults",
        get(control_get_faults).put(control_put_faults),
    )
    .route("/_sim/orders/{invoice}", get(control_order))
    .route("/_sim/orders/{invoice}/deliveries", get(control_deliveries))
    .route("/_sim/orders/{invoice}/{outcome}", post(control_complete))
    .route("/_sim/pay/{order_id}", get(pay_page))
    .fallback(fallback)
    .with_state(state)
}
