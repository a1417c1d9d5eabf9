//! `doku listen` served as in production, tried as an attacker and an operator would: slow
//! connections dripping headers past the connection limit, a body that never ends, a
//! SIGTERM with a half-open connection and a request in flight, a partial request head at
//! shutdown, and a second signal.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_doku");
const PATH: &str = "/hooks/doku";
/// A notification signed for `MCH-0001-10791114622547` / `SK-TESTVECTOR-0001` over `PATH`
/// (the same vector as `cli.rs`).
const BODY: &str = "{\n  \"service\": {\"id\": \"PEER_TO_PEER\"},\n  \"acquirer\": {\"id\": \"AKULAKU\"},\n  \"channel\": {\"id\": \"PEER_TO_PEER_AKULAKU\"},\n  \"order\": {\"invoice_number\": \"INV-20210707-0001\", \"amount\": 90000},\n  \"transaction\": {\"status\": \"SUCCESS\", \"date\": \"2021-07-07T09:00:00Z\", \"original_request_id\": \"baec7d95-f30a-4b78-b711-6ebe0ccdf50b\"},\n  \"customer\": {\"name\": \"Anton Budiman éè 日本\"}\n}";
const SIGNATURE: &str = "HMACSHA256=CbSauTZ/GJvXWP0tCTzErTRpl7IbRHDLwsE6k/UKA1A=";

/// A `doku listen` process, killed on drop if still running.
struct Listener {
    child: Child,
    port: u16,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn listen(extra: &[&str]) -> Listener {
    spawn(&["listen", "--path", PATH], extra)
}

/// Runs `doku {command} --addr 127.0.0.1:{free port} {extra}` and waits until it listens.
fn spawn(command: &[&str], extra: &[&str]) -> Listener {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .args(command)
        .args(["--addr", &addr])
        .args(extra)
        .env("DOKU_CLIENT_ID", "MCH-0001-10791114622547")
        .env("DOKU_SECRET_KEY", "SK-TESTVECTOR-0001")
        .env_remove("DOKU_ENV")
        .env_remove("DOKU_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
    Listener { child, port }
}

/// The genuine notification as raw HTTP/1.1; `body` is how much of the body to send.
fn request(body: &str) -> Vec<u8> {
    format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nClient-Id: MCH-0001-10791114622547\r\n\
         Request-Id: 7a1c9f00-0000-4000-8000-000000000001\r\n\
         Request-Timestamp: 2021-07-07T09:00:00Z\r\nSignature: {SIGNATURE}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        BODY.len()
    )
    .into_bytes()
}

/// Sends `bytes` and reads the status code of the answer (0 if the connection closed
/// without one).
fn exchange(port: u16, bytes: &[u8], read_for: Duration) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(read_for)).unwrap();
    s.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Sends SIGTERM and waits for the exit, up to `limit` (then the test fails: it hangs).
fn terminate(l: &mut Listener, limit: Duration) -> ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &l.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = l.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "doku listen still running {limit:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_exits_despite_a_half_open_connection() {
    // Each row: the command, and what its log says once stopped.
    let rows: &[(&[&str], &str)] = &[
        (&["listen", "--path", PATH], "stopped"),
        // The simulator's merchant comes from DOKU_CLIENT_ID / DOKU_SECRET_KEY.
        (&["sim"], "DOKU simulator listening"),
    ];
    for &(command, said) in rows {
        let mut l = spawn(
            command,
            &["--shutdown-grace", "1", "--header-timeout", "60"],
        );
        // Half-open: a request head that never ends, on a connection never closed.
        let mut half_open = TcpStream::connect(("127.0.0.1", l.port)).unwrap();
        half_open
            .write_all(b"POST /hooks/doku HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        if command[0] == "listen" {
            // An idle keep-alive connection after a served request.
            assert_eq!(
                exchange(l.port, &request(BODY), Duration::from_secs(10)),
                200
            );
        }
        std::thread::sleep(Duration::from_millis(200));
        let status = terminate(&mut l, Duration::from_secs(20));
        assert!(status.success(), "{command:?}: {status}");
        let mut stderr = String::new();
        l.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(stderr.contains(said), "{command:?}: {stderr}");
        drop(half_open);
    }
}

/// Sends `signal` to the listener.
fn send(l: &Listener, signal: &str) {
    let status = Command::new("kill")
        .args([format!("-{signal}"), l.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits up to `limit` for the listener to exit; `None` if it still runs.
fn exited_within(l: &mut Listener, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = l.child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// What the listener wrote on stderr (once it exited).
fn stderr(l: &mut Listener) -> String {
    let mut out = String::new();
    l.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    out
}

/// A connection that has sent part of a request head holds the shutdown for about a second
/// (`HEAD_AFTER_SHUTDOWN`), not for its header timeout nor the whole grace: nothing of
/// it reached the receiver, and its sender retries.
#[test]
fn a_partial_request_head_does_not_hold_the_shutdown() {
    let mut l = listen(&["--header-timeout", "60", "--shutdown-grace", "30"]);
    let mut partial = TcpStream::connect(("127.0.0.1", l.port)).unwrap();
    partial
        .write_all(b"POST /hooks/doku HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    send(&l, "TERM");
    let status = exited_within(&mut l, Duration::from_secs(10))
        .expect("doku listen still running 10 s after SIGTERM");
    let took = start.elapsed();
    assert!(status.success(), "{status}");
    let said = stderr(&mut l);
    assert!(said.contains("stopped"), "{said}");
    assert!(
        !said.contains("still open after the shutdown grace"),
        "{took:?}: {said}"
    );
    drop(partial);
}

/// A second SIGINT or SIGTERM during the graceful shutdown exits at once (status 130),
/// without waiting for the request in flight (here, a body still arriving).
#[test]
fn a_second_signal_exits_at_once() {
    for signal in ["INT", "TERM"] {
        let mut l = listen(&["--body-timeout", "60", "--shutdown-grace", "30"]);
        let mut in_flight = TcpStream::connect(("127.0.0.1", l.port)).unwrap();
        in_flight
            .write_all(&request(&BODY[..BODY.len() / 2]))
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        send(&l, signal);
        assert!(
            exited_within(&mut l, Duration::from_secs(2)).is_none(),
            "{signal}: the first signal waits for the request in flight"
        );
        send(&l, signal);
        let status = exited_within(&mut l, Duration::from_secs(5))
            .unwrap_or_else(|| panic!("{signal}: still running after a second signal"));
        assert_eq!(status.code(), Some(130), "{signal}");
        let said = stderr(&mut l);
        assert!(
            said.contains("stopped at once by a second signal"),
            "{signal}: {said}"
        );
        drop(in_flight);
    }
}

#[test]
fn dripping_connections_past_the_limit_do_not_starve_a_genuine_notification() {
    let l = listen(&["--max-connections", "8", "--header-timeout", "1"]);
    // Twenty attackers, each sending a byte of header now and then, never finishing.
    let mut drips: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", l.port)).unwrap();
            let _ = s.write_all(b"POST /hooks/doku HTTP/1.1\r\nX-Slow: a");
            s
        })
        .collect();
    for s in &mut drips {
        let _ = s.write_all(b"a");
    }
    // The header timeout closes each attacker in turn, freeing its slot; the genuine
    // notification waits in the backlog and is answered.
    assert_eq!(
        exchange(l.port, &request(BODY), Duration::from_secs(30)),
        200
    );
    // Every attacker's connection is closed by the server, with no 2xx.
    for s in &mut drips {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(n) => assert!(!String::from_utf8_lossy(&buf[..n]).contains(" 200 ")),
            Err(e) => assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "an attacker's connection is still open: {e}"
            ),
        }
    }
}

#[test]
fn a_body_that_never_ends_is_answered_408() {
    let l = listen(&["--body-timeout", "1"]);
    let half = &BODY[..BODY.len() / 2];
    assert_eq!(
        exchange(l.port, &request(half), Duration::from_secs(20)),
        408
    );
    // The listener still serves genuine notifications.
    assert_eq!(
        exchange(l.port, &request(BODY), Duration::from_secs(10)),
        200
    );
}
