//! Transport edges that need a server misbehaving below HTTP: a raw TCP server on 127.0.0.1
//! that reads each request and then follows a script (answer, close without a status line,
//! stop listening). Each case states what the caller sees and how many requests arrived.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use doku_pay_core::{Api, Credentials, Environment, Error, RequestId, RetryPolicy, Sent};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CLIENT: &str = "MCH-0001";
const SECRET: &str = "SK-EDGE-SECRET-0001";

#[derive(Clone, Debug)]
enum Step {
    /// Answer with this raw status line, headers and body.
    Answer(&'static str),
    /// Read the request, then close without writing a byte.
    Close,
    /// Answer, then stop listening (later connections are refused).
    AnswerThenStop(&'static str),
}

/// Reads one HTTP/1.1 request (headers and Content-Length body); returns its Request-Id.
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = sock.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("request-id: ")
                        .or_else(|| l.strip_prefix("Request-Id: "))
                })
                .map(str::to_owned);
        }
    }
}

/// Serves `script`, one step per request, on fresh connections; records Request-Ids.
async fn serve(script: Vec<Step>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        for step in script {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let rid = read_request(&mut sock).await.unwrap_or_default();
            seen2.lock().unwrap().push(rid);
            match step {
                Step::Answer(raw) => {
                    let _ = sock.write_all(raw.as_bytes()).await;
                    let _ = sock.shutdown().await;
                }
                Step::Close => drop(sock),
                Step::AnswerThenStop(raw) => {
                    let _ = sock.write_all(raw.as_bytes()).await;
                    let _ = sock.shutdown().await;
                    return; // drops the listener: the next connection is refused
                }
            }
        }
    });
    (base, seen)
}

fn api(base: &str, max_response_bytes: usize) -> Api {
    let creds = Credentials::new(CLIENT, SECRET, Environment::custom(base).unwrap()).unwrap();
    let mut config = doku_pay_core::TransportConfig {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        },
        verify_response_signature: false,
        ..Default::default()
    };
    config.max_response_bytes = max_response_bytes;
    Api::builder(creds).config(config).build().unwrap()
}

fn outcome(r: &Result<Sent<serde_json::Value>, Error>) -> String {
    match r {
        Ok(s) => format!("ok attempts={}", s.attempts),
        Err(e @ Error::OutcomeUnknown { reason, .. }) => {
            format!(
                "unknown ({:?}): {}",
                e.delivery(),
                reason.split(':').next().unwrap_or("")
            )
        }
        Err(e @ Error::Unreachable { .. }) => format!("unreachable ({:?})", e.delivery()),
        Err(Error::Doku(d)) => format!("doku {}", d.status),
        Err(e) => format!("other: {e}"),
    }
}

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
const BUSY: &str =
    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
const SLOW_DOWN_AN_HOUR: &str = "HTTP/1.1 429 Too Many Requests\r\nretry-after: 3600\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// The two tests of this binary take turns: tracing caches a callsite's interest, and a
/// request traced on one thread (no subscriber) while the other test's thread-local
/// subscriber is installed can leave the transport's span disabled for it.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn below_http_cases() {
    let _turn = SERIAL.lock().await;
    let huge: &'static str = Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2048\r\nconnection: close\r\n\r\n\"{}\"",
            "x".repeat(2046)
        )
        .into_boxed_str(),
    );
    let cases: Vec<(&str, Vec<Step>, usize, &str, usize)> = vec![
        (
            "closed before any status line",
            vec![Step::Close],
            1 << 20,
            "unknown (Unknown): connection lost after sending",
            1,
        ),
        (
            "5xx, then nothing listens",
            vec![Step::AnswerThenStop(BUSY)],
            1 << 20,
            "unknown (Unknown): an earlier attempt was answered 5xx/429, then error sending request",
            1,
        ),
        (
            "429 asking for an hour is capped at max_backoff",
            vec![Step::Answer(SLOW_DOWN_AN_HOUR), Step::Answer(OK)],
            1 << 20,
            "ok attempts=2",
            2,
        ),
        (
            "answer larger than the limit",
            vec![Step::Answer(huge)],
            1024,
            "unknown (Unknown): answer larger than 1024 bytes",
            1,
        ),
    ];
    for (name, script, limit, expect, requests) in cases {
        let (base, seen) = serve(script).await;
        let rid = RequestId::new("edge-request-0001").unwrap();
        let got = tokio::time::timeout(
            Duration::from_secs(30),
            api(&base, limit).post::<_, serde_json::Value>(
                "/x",
                &serde_json::json!({"a": 1}),
                Some(&rid),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}: did not finish (Retry-After not capped?)"));
        assert_eq!(outcome(&got), expect, "{name}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), requests, "{name}: requests received");
        assert!(
            seen.iter().all(|r| r == "edge-request-0001"),
            "{name}: {seen:?}"
        );
    }
}

/// A writer the subscriber formats into, shared with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::Write::write(&mut *self.0.lock().unwrap(), buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_request_is_traced_without_the_secret() {
    let _turn = SERIAL.blocking_lock();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Another test of this binary may have met the transport's callsites first, on a thread
    // without a subscriber, and cached "never interested": make them ask again.
    tracing::callsite::rebuild_interest_cache();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (base, _) = serve(vec![Step::Answer(BUSY), Step::Answer(OK)]).await;
        let rid = RequestId::new("traced-request-0001").unwrap();
        let got = api(&base, 1 << 20)
            .post::<_, serde_json::Value>(
                "/akulaku-peer-to-peer/v2/generate-order",
                &serde_json::json!({}),
                Some(&rid),
            )
            .await;
        assert_eq!(outcome(&got), "ok attempts=2");
    });
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    let answered = text
        .lines()
        .find(|l| l.contains("DOKU request answered"))
        .unwrap_or_else(|| panic!("{text}"));
    // OpenTelemetry's HTTP client conventions.
    for field in [
        "doku.request",
        "otel.kind=\"client\"",
        "http.request.method=POST",
        "url.path=/akulaku-peer-to-peer/v2/generate-order",
        "doku.request_id=traced-request-0001",
        "http.response.status_code=200",
        "http.request.resend_count=1",
    ] {
        assert!(answered.contains(field), "{field} missing from {answered}");
    }
    assert!(!text.contains(SECRET), "the secret reached the logs");
    assert!(
        !text.contains("HMACSHA256="),
        "a signature reached the logs"
    );
}
