//! The `doku` binary, run as a user runs it, for every command, including bad input.
//! Each row: arguments, environment, stdin, expected exit code and what stdout / stderr hold.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_doku");
const SECRET: &str = "SK-CLI-TEST-SECRET-0001";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    for v in ["DOKU_CLIENT_ID", "DOKU_SECRET_KEY", "DOKU_ENV"] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied());
    c
}

fn run(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut c = command(args, env);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("the binary runs");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    // A command expected to exit that serves instead (a `sim` row whose refusal broke) is
    // killed after two minutes, so that its row fails on the exit code rather than hangs.
    let pid = child.id().to_string();
    let (exited, wait) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            wait.recv_timeout(Duration::from_secs(120))
        {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = exited.send(());
    watchdog.join().unwrap();
    out
}

struct Row<'a> {
    args: Vec<&'a str>,
    env: Vec<(&'a str, &'a str)>,
    stdin: Option<&'a str>,
    code: i32,
    stdout: &'a [&'a str],
    stderr: &'a [&'a str],
}

fn row<'a>(args: Vec<&'a str>, code: i32) -> Row<'a> {
    Row {
        args,
        env: vec![],
        stdin: None,
        code,
        stdout: &[],
        stderr: &[],
    }
}

/// The environment of a command that needs a merchant's credentials and gets made-up ones.
fn merchant_a() -> Vec<(&'static str, &'static str)> {
    vec![("DOKU_CLIENT_ID", "MCH-A"), ("DOKU_SECRET_KEY", "SK-A")]
}

fn check(r: &Row<'_>) {
    let out = run(&r.args, &r.env, r.stdin);
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    let name = r.args.join(" ");
    assert_eq!(
        out.status.code(),
        Some(r.code),
        "`doku {name}`\nstdout:\n{so}\nstderr:\n{se}"
    );
    for s in r.stdout {
        assert!(so.contains(s), "`doku {name}`: stdout lacks {s:?}\n{so}");
    }
    for s in r.stderr {
        assert!(se.contains(s), "`doku {name}`: stderr lacks {s:?}\n{se}");
    }
    for secret in [SECRET, "SK-WRONG-SECRET", "SK-OTHER-SECRET"] {
        assert!(
            !so.contains(secret) && !se.contains(secret),
            "`doku {name}` printed a secret"
        );
    }
}

#[test]
fn offline_commands() {
    let order = fixture("akulaku-order.json");
    let bad = fixture("akulaku-order-bad.json");
    let cancel = fixture("cancel.json");
    let truncated = fixture("truncated.json");
    let trailing = fixture("akulaku-order-trailing.json");
    let order_json = std::fs::read_to_string(&order).unwrap();
    let bad_signatures = fixture("faults-bad-signature.json");
    let merchant = format!("MCH-CLI-0001:{SECRET}");
    let sim_config = fixture("sim-config.json");
    // The environment's merchant for `sim`, with the key of `merchant` and `sim_config`, or
    // another.
    let same_key = vec![
        ("DOKU_CLIENT_ID", "MCH-CLI-0001"),
        ("DOKU_SECRET_KEY", SECRET),
    ];
    let other_key = vec![
        ("DOKU_CLIENT_ID", "MCH-CLI-0001"),
        ("DOKU_SECRET_KEY", "SK-OTHER-SECRET"),
    ];
    const TWICE: &str = "merchant `MCH-CLI-0001` is given twice with different secret keys";
    let duplicates = fixture("faults-duplicate-notifications.json");
    let early = fixture("faults-notify-before-response.json");
    let rows = vec![
        Row {
            stdout: &[
                "demo", "channels", "create", "listen", "sign", "verify", "sim",
            ],
            ..row(vec!["--help"], 0)
        },
        Row {
            stdout: &["Usage: doku demo"],
            ..row(vec!["demo", "--help"], 0)
        },
        Row {
            stdout: &["--request"],
            ..row(vec!["create", "--help"], 0)
        },
        Row {
            stdout: &["--addr"],
            ..row(vec!["listen", "--help"], 0)
        },
        Row {
            stdout: &["--signature"],
            ..row(vec!["verify", "--help"], 0)
        },
        Row {
            // Every channel linked, every operation its descriptor offers (or refuses): the
            // number of steps follows from the linked channels, not from this test.
            stdout: &[
                "steps checked out",
                ": create payment",
                ": notification verified",
                "is refused unsent",
            ],
            ..row(vec!["demo"], 0)
        },
        Row {
            stdout: &["\"step\": \"simulator holds exactly ", "\"ok\": true"],
            ..row(vec!["demo", "--json"], 0)
        },
        Row {
            // The first channel's create is the first signed answer.
            stdout: &["FAIL ", ": create payment"],
            stderr: &[
                ": create payment` did not check out",
                "not trusted: response signature does not match",
            ],
            ..row(vec!["demo", "--faults", &bad_signatures], 1)
        },
        Row {
            stdout: &["steps checked out"],
            ..row(vec!["demo", "--faults", &duplicates], 0)
        },
        Row {
            // Paid and notified before the create answer: the customer has nothing to do.
            stdout: &[
                "already paid: notified before the create answer",
                "steps checked out",
            ],
            ..row(vec!["demo", "--faults", &early], 0)
        },
        Row {
            stderr: &["is not a valid FaultConfig"],
            ..row(vec!["demo", "--faults", &truncated], 2)
        },
        Row {
            stdout: &[
                "akulaku",
                "PEER_TO_PEER_AKULAKU",
                "full_only",
                "linkaja",
                "EMONEY_LINKAJA",
            ],
            ..row(vec!["channels"], 0)
        },
        Row {
            stdout: &["\"id\": \"akulaku\"", "\"id\": \"linkaja\""],
            ..row(vec!["channels", "--json"], 0)
        },
        Row {
            stdout: &["created akulaku payment INV-CLI-0001: PENDING", "ORDER_ID"],
            stderr: &["embedded DOKU simulator"],
            ..row(vec!["create", "akulaku", "--request", &order], 0)
        },
        Row {
            stdin: Some(&order_json),
            stdout: &["\"status\": \"PENDING\"", "\"channel\": \"akulaku\""],
            ..row(vec!["create", "akulaku", "--request", "-", "--json"], 0)
        },
        Row {
            stderr: &["cannot read `/nonexistent/order.json`"],
            ..row(
                vec!["create", "akulaku", "--request", "/nonexistent/order.json"],
                2,
            )
        },
        Row {
            stderr: &["is not a valid PaymentRequest", "EOF"],
            ..row(vec!["create", "akulaku", "--request", &truncated], 2)
        },
        // A whole request followed by more bytes (a corrupted file): refused, nothing sent.
        Row {
            stderr: &["is not a valid PaymentRequest", "trailing characters"],
            ..row(vec!["create", "akulaku", "--request", &trailing], 2)
        },
        Row {
            stdin: Some(
                r#"{"invoice_number":"I","amount":1,"callback_url":"https://x.example","colour":"red"}"#,
            ),
            stderr: &["unknown field `colour`"],
            ..row(vec!["create", "akulaku", "--request", "-"], 2)
        },
        Row {
            stderr: &[
                "not sent: invalid request:",
                "  line_items[0].sku: required",
                "customer.phone: digits only",
                "90000 != amount 100000",
            ],
            ..row(vec!["create", "akulaku", "--request", &bad], 2)
        },
        Row {
            // Under --json the broken rules come as one JSON object on stderr.
            stderr: &[
                r#"{"error":{"#,
                r#""exit_code":2"#,
                r#""message":"not sent: invalid request:"#,
                r#""violations":[{"field":"line_items[0].sku","rule":"required"}"#,
            ],
            ..row(vec!["create", "akulaku", "--request", &bad, "--json"], 2)
        },
        Row {
            stderr: &["no channel `nope` is registered"],
            ..row(vec!["create", "nope", "--request", &order], 2)
        },
        Row {
            stderr: &[
                r#"{"error":{"#,
                r#""exit_code":2"#,
                r#""message":"not sent: no channel `nope` is registered""#,
            ],
            ..row(vec!["create", "nope", "--request", &order, "--json"], 2)
        },
        Row {
            stderr: &["channel `linkaja` does not support cancel"],
            ..row(vec!["cancel", "linkaja", "--request", &cancel], 2)
        },
        Row {
            stderr: &["DOKU answered HTTP 404"],
            ..row(vec!["status", "INV-NOT-THERE"], 1)
        },
        Row {
            env: vec![("DOKU_CLIENT_ID", "MCH-1")],
            stderr: &["DOKU_SECRET_KEY is not"],
            ..row(vec!["status", "INV-1"], 2)
        },
        Row {
            env: vec![("DOKU_ENV", "production")],
            stderr: &["no credentials are given"],
            ..row(vec!["status", "INV-1"], 2)
        },
        Row {
            env: vec![
                ("DOKU_CLIENT_ID", "MCH-1"),
                ("DOKU_SECRET_KEY", SECRET),
                ("DOKU_ENV", "ftp://x"),
            ],
            stderr: &["must be http"],
            ..row(vec!["status", "INV-1"], 2)
        },
        Row {
            stderr: &["no merchant"],
            ..row(vec!["sim", "--addr", "127.0.0.1:0"], 2)
        },
        // A `--merchant` value without `:` may be the secret itself: never echoed (`check`
        // asserts that the secret appears nowhere in the output).
        Row {
            stderr: &["--merchant takes CLIENT_ID:SECRET_KEY"],
            ..row(
                vec!["sim", "--addr", "127.0.0.1:0", "--merchant", SECRET],
                2,
            )
        },
        // The same Client-Id from the environment and by flag or in the configuration with
        // another key, or notified elsewhere: named, and neither key echoed. The same
        // merchant twice is one merchant: the simulator goes on to its address (192.0.2.1,
        // a documentation address, cannot be bound: the row exits there instead of serving;
        // the standalone simulator test serves so).
        Row {
            env: other_key.clone(),
            stderr: &[TWICE],
            ..row(
                vec!["sim", "--addr", "127.0.0.1:0", "--merchant", &merchant],
                2,
            )
        },
        Row {
            env: other_key.clone(),
            stderr: &[TWICE],
            ..row(
                vec!["sim", "--addr", "127.0.0.1:0", "--config", &sim_config],
                2,
            )
        },
        Row {
            env: same_key.clone(),
            stderr: &[
                "merchant `MCH-CLI-0001` is notified at http://127.0.0.1:9/configured by \
                 --config and at http://127.0.0.1:9/other by --notification-url",
            ],
            ..row(
                vec![
                    "sim",
                    "--addr",
                    "127.0.0.1:0",
                    "--config",
                    &sim_config,
                    "--notification-url",
                    "http://127.0.0.1:9/other",
                ],
                2,
            )
        },
        Row {
            env: same_key.clone(),
            stderr: &["cannot listen on 192.0.2.1:9"],
            ..row(
                vec![
                    "sim",
                    "--addr",
                    "192.0.2.1:9",
                    "--config",
                    &sim_config,
                    "--notification-url",
                    "http://127.0.0.1:9/configured",
                    "--merchant",
                    "MCH-CLI-0002:SK-CLI-TEST-SECRET-0002",
                ],
                2,
            )
        },
        Row {
            stderr: &["needs the merchant's credentials"],
            ..row(vec!["listen"], 2)
        },
        // Serving limits that would serve nothing (`listen` and `sim` share them).
        Row {
            env: merchant_a(),
            stderr: &["--header-timeout must be more than 0 seconds"],
            ..row(vec!["listen", "--header-timeout", "0"], 2)
        },
        Row {
            env: merchant_a(),
            stderr: &["--body-timeout must be more than 0 seconds"],
            ..row(vec!["listen", "--body-timeout", "0.0"], 2)
        },
        Row {
            env: merchant_a(),
            stderr: &["--max-connections must be at least 1"],
            ..row(vec!["listen", "--max-connections", "0"], 2)
        },
        Row {
            env: merchant_a(),
            stderr: &["--max-connections must be at least 1"],
            ..row(vec!["sim", "--max-connections", "0"], 2)
        },
        Row {
            env: merchant_a(),
            stderr: &["not a store URL"],
            ..row(vec!["listen", "--store", "redis:/:pw@127.0.0.1:6379"], 2)
        },
        // Redis TLS files: only with a TLS store URL, a client certificate with its key, a
        // file that can be read.
        Row {
            env: merchant_a(),
            stderr: &["given for a store URL without Redis over TLS"],
            ..row(
                vec![
                    "listen",
                    "--store",
                    "redis://127.0.0.1:1/",
                    "--store-ca",
                    "Cargo.toml",
                ],
                2,
            )
        },
        Row {
            env: merchant_a(),
            stderr: &["--store-client-key <FILE>"],
            ..row(vec!["listen", "--store-client-cert", "Cargo.toml"], 2)
        },
        Row {
            env: merchant_a(),
            stderr: &["--store-ca /nonexistent/ca.crt: No such file or directory"],
            ..row(
                vec![
                    "listen",
                    "--store",
                    "rediss://127.0.0.1:1/",
                    "--store-ca",
                    "/nonexistent/ca.crt",
                ],
                2,
            )
        },
        Row {
            env: merchant_a(),
            stderr: &["the CA holds no PEM certificate", "; here: --store-ca"],
            ..row(
                vec![
                    "listen",
                    "--store",
                    "rediss://127.0.0.1:1/",
                    "--store-ca",
                    "Cargo.toml",
                ],
                2,
            )
        },
        // A store that cannot be reached is a failed check (1), not bad input.
        Row {
            env: merchant_a(),
            stderr: &["cannot open the store: deduplication store failed: cannot connect to Redis"],
            ..row(vec!["listen", "--store", "redis://127.0.0.1:1/"], 1)
        },
        Row {
            stderr: &["unrecognized subcommand"],
            ..row(vec!["frobnicate"], 2)
        },
    ];
    for r in &rows {
        check(r);
    }
}

/// The shared vectors, through `sign` and `verify`.
/// `doku sample` gives, for every linked channel, a request that `doku create` takes as it
/// is (on the embedded simulator), with the invoice number asked for.
#[test]
fn every_channels_sample_creates_a_payment() {
    for id in &channel_ids() {
        let sample = run(&["sample", id, "--invoice", "INV-SAMPLE-9"], &[], None);
        assert!(sample.status.success(), "sample {id}: {sample:?}");
        let text = String::from_utf8(sample.stdout).unwrap();
        assert!(
            text.contains(r#""invoice_number": "INV-SAMPLE-9""#),
            "{id}: {text}"
        );
        check(&Row {
            stdin: Some(&text),
            stdout: &["payment INV-SAMPLE-9:"],
            ..row(vec!["create", id, "--request", "-"], 0)
        });
    }
    check(&Row {
        stderr: &["no channel `nope` is registered"],
        ..row(vec!["sample", "nope"], 2)
    });
}

/// The ids `doku channels` lists (every linked channel).
fn channel_ids() -> Vec<String> {
    let channels = run(&["channels", "--json"], &[], None);
    let channels: serde_json::Value = serde_json::from_slice(&channels.stdout).unwrap();
    let ids: Vec<String> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    ids
}

/// A notification by hand, as the README shows, for every linked channel: `doku sample
/// --notification` gives the body, `doku sign --kind notification --headers-only` the
/// headers, and a `doku listen` takes each once and prints it.
#[test]
fn a_notification_by_hand_reaches_the_listener_for_every_channel() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = command(&["listen", "--addr", &addr], &merchant_a())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut listener = Running(child);
    wait_until_listening(&mut listener, port);
    let dir = std::env::temp_dir().join(format!("doku-pay-cli-by-hand-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ids = channel_ids();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (i, id) in ids.iter().enumerate() {
        let invoice = format!("INV-BY-HAND-{i}");
        let sample = run(
            &["sample", id, "--notification", "--invoice", &invoice],
            &[],
            None,
        );
        assert!(
            sample.status.success(),
            "sample {id} --notification: {sample:?}"
        );
        let notification: serde_json::Value = serde_json::from_slice(&sample.stdout).unwrap();
        assert_eq!(notification["order"]["invoice_number"], *invoice, "{id}");
        assert_eq!(notification["transaction"]["status"], "SUCCESS", "{id}");
        let body = dir.join(format!("{id}.json"));
        std::fs::write(&body, &sample.stdout).unwrap();
        let request_id = format!("N-BY-HAND-{i}");
        let sign = run(
            &[
                "sign",
                "--kind",
                "notification",
                "--path",
                "/payments/notifications",
                "--request-id",
                &request_id,
                "--body",
                body.to_str().unwrap(),
                "--headers-only",
            ],
            &merchant_a(),
            None,
        );
        assert!(sign.status.success(), "sign {id}: {sign:?}");
        let headers = String::from_utf8(sign.stdout).unwrap();
        let names: Vec<&str> = headers
            .lines()
            .filter_map(|l| l.split(": ").next())
            .collect();
        assert_eq!(
            names,
            [
                "Client-Id",
                "Request-Id",
                "Request-Timestamp",
                "Signature",
                "Content-Type"
            ],
            "{headers}"
        );
        let post = || {
            rt.block_on(async {
                let mut request = doku_pay_testkit::http_client()
                    .post(format!("http://{addr}/payments/notifications"))
                    .body(sample.stdout.clone());
                for line in headers.lines() {
                    let (name, value) = line.split_once(": ").unwrap();
                    request = request.header(name, value);
                }
                request.send().await.unwrap().status().as_u16()
            })
        };
        assert_eq!(post(), 200, "{id}");
        assert_eq!(post(), 200, "{id}: DOKU's retry");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let out = listener.kill_for_output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(printed.len(), ids.len(), "each printed once: {stdout}");
    for (i, (n, id)) in printed.iter().zip(&ids).enumerate() {
        assert_eq!(n["channel"], **id);
        assert_eq!(n["invoice_number"], *format!("INV-BY-HAND-{i}"));
        assert_eq!(n["status"], "SUCCESS");
    }
}

#[test]
fn sign_and_verify_reproduce_the_vectors() {
    let dir = std::env::temp_dir().join(format!("doku-pay-cli-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("body.json");
    std::fs::write(
        &body,
        r#"{"order":{"invoice_number":"INV-20210124-0001","amount":150000}}"#,
    )
    .unwrap();
    let headers = dir.join("headers.txt");
    std::fs::write(
        &headers,
        "Client-Id: MCH-0001-10791114622547\nRequest-Id: cc682442-6c22-493e-8121-b9ef6b3fa728\nRequest-Timestamp: 2020-08-11T08:45:42Z\nSignature: HMACSHA256=4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU=\nContent-Type: application/json\n",
    )
    .unwrap();
    let (body, headers) = (body.to_str().unwrap(), headers.to_str().unwrap());
    let key = [("DOKU_SECRET_KEY", "SK-TESTVECTOR-0001")];
    let path = "/linkaja-emoney/v2/ServiceRequestPayment";
    // The LinkAja request vector's inputs.
    let vector = [
        "--client-id",
        "MCH-0001-10791114622547",
        "--request-id",
        "cc682442-6c22-493e-8121-b9ef6b3fa728",
        "--timestamp",
        "2020-08-11T08:45:42Z",
        "--path",
        path,
        "--body",
        body,
    ];
    let rows = vec![
        Row {
            env: key.to_vec(),
            stdout: &[
                "  Digest:seFaeAITBKFUYwpMONoHD0ZvT4YocI4tad6gBSMaqVE=",
                "signature: HMACSHA256=4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU=",
                // The headers as sent: the lines `verify --headers` reads below.
                "\nClient-Id: MCH-0001-10791114622547\nRequest-Id: cc682442-6c22-493e-8121-b9ef6b3fa728\nRequest-Timestamp: 2020-08-11T08:45:42Z\nSignature: HMACSHA256=4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU=\n",
            ],
            ..row([&["sign"][..], &vector].concat(), 0)
        },
        Row {
            env: key.to_vec(),
            stdout: &[
                "Client-Id: MCH-0001-10791114622547\nRequest-Id: cc682442-6c22-493e-8121-b9ef6b3fa728\nRequest-Timestamp: 2020-08-11T08:45:42Z\nSignature: HMACSHA256=4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU=\nContent-Type: application/json\n",
            ],
            ..row([&["sign", "--headers-only"][..], &vector].concat(), 0)
        },
        Row {
            env: key.to_vec(),
            stderr: &["give one of --headers-only and --json"],
            ..row(
                vec![
                    "--json",
                    "sign",
                    "--headers-only",
                    "--request-id",
                    "R",
                    "--path",
                    path,
                    "--body",
                    body,
                ],
                2,
            )
        },
        Row {
            env: key.to_vec(),
            stdout: &[
                "\"signature\": \"HMACSHA256=VU1TDo+WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc=\"",
                "\"digest\": null",
                "\"Signature: HMACSHA256=VU1TDo+WQmEPU1xIOUlKJNAhnc0g8OYMJt48dz0A4Mc=\"",
            ],
            ..row(
                vec![
                    "sign",
                    "--json",
                    "--client-id",
                    "MCH-0001-10791114622547",
                    "--request-id",
                    "d895fb53-479c-4f77-a76a-ab81b40d77cb",
                    "--timestamp",
                    "2020-08-11T08:45:42Z",
                    "--path",
                    "/orders/v1/status/INV-123123-12313",
                ],
                0,
            )
        },
        Row {
            env: key.to_vec(),
            stdout: &["result:    signature matches"],
            ..row(
                vec![
                    "verify",
                    "--headers",
                    headers,
                    "--path",
                    path,
                    "--body",
                    body,
                ],
                0,
            )
        },
        Row {
            env: key.to_vec(),
            stdout: &["MISMATCH"],
            stderr: &["signature does not match"],
            ..row(
                vec![
                    "verify",
                    "--headers",
                    headers,
                    "--path",
                    "/linkaja-emoney/v2/ServiceRequestPayment/",
                    "--body",
                    body,
                ],
                1,
            )
        },
        Row {
            env: vec![("DOKU_SECRET_KEY", "SK-WRONG-SECRET")],
            stdout: &["MISMATCH"],
            ..row(
                vec![
                    "verify",
                    "--headers",
                    headers,
                    "--path",
                    path,
                    "--body",
                    body,
                ],
                1,
            )
        },
        Row {
            env: key.to_vec(),
            stdout: &["MISMATCH (signature must start with `HMACSHA256=`)"],
            ..row(
                vec![
                    "verify",
                    "--headers",
                    headers,
                    "--path",
                    path,
                    "--body",
                    body,
                    "--signature",
                    "4qihvVmDFQ0qqoq28IMt1pB46FcbHf5kzRlTmGZvmgU=",
                ],
                1,
            )
        },
        Row {
            stderr: &["no secret key"],
            ..row(
                vec![
                    "sign",
                    "--client-id",
                    "C",
                    "--request-id",
                    "R",
                    "--path",
                    "/x",
                ],
                2,
            )
        },
        Row {
            env: key.to_vec(),
            stderr: &["path only"],
            ..row(
                vec![
                    "sign",
                    "--client-id",
                    "C",
                    "--request-id",
                    "R",
                    "--path",
                    "https://api.doku.com/x",
                ],
                2,
            )
        },
        Row {
            env: key.to_vec(),
            stderr: &["no timestamp"],
            ..row(
                vec![
                    "verify",
                    "--client-id",
                    "C",
                    "--request-id",
                    "R",
                    "--path",
                    "/x",
                    "--signature",
                    "HMACSHA256=x",
                ],
                2,
            )
        },
    ];
    for r in &rows {
        check(r);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A child process killed on drop.
struct Running(Child);

impl Running {
    /// Kills the process and returns what it printed (a finished child left in its place for
    /// `Drop`).
    fn kill_for_output(&mut self) -> Output {
        let _ = self.0.kill();
        std::mem::replace(&mut self.0, command(&["--version"], &[]).spawn().unwrap())
            .wait_with_output()
            .unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for `server` to listen on `port`; a server that exited instead fails the test with
/// what it said on stderr.
fn wait_until_listening(server: &mut Running, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            let mut said = String::new();
            if let Some(mut stderr) = server.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
            }
            panic!("the server exited ({status}) instead of listening on {port}:\n{said}");
        }
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `doku sim` standalone, then the operations against it with the right and a wrong secret.
#[test]
fn standalone_simulator_with_right_and_wrong_secret() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("http://{addr}");
    let merchant = format!("MCH-CLI-0001:{SECRET}");
    // As one shell does it: the credentials exported for `create` and `listen`, and the same
    // merchant given to the simulator by flag.
    let sim = command(
        &["sim", "--addr", &addr, "--merchant", &merchant],
        &[
            ("DOKU_CLIENT_ID", "MCH-CLI-0001"),
            ("DOKU_SECRET_KEY", SECRET),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut sim = Running(sim);
    wait_until_listening(&mut sim, port);
    let order = fixture("akulaku-order.json");
    let cancel = fixture("cancel.json");
    let right = vec![
        ("DOKU_CLIENT_ID", "MCH-CLI-0001"),
        ("DOKU_SECRET_KEY", SECRET),
        ("DOKU_ENV", url.as_str()),
    ];
    let wrong = vec![
        ("DOKU_CLIENT_ID", "MCH-CLI-0001"),
        ("DOKU_SECRET_KEY", "SK-WRONG-SECRET"),
        ("DOKU_ENV", url.as_str()),
    ];
    let rows = vec![
        Row {
            env: wrong.clone(),
            stderr: &["DOKU answered HTTP 401", "Invalid Header Signature"],
            ..row(vec!["create", "akulaku", "--request", &order], 1)
        },
        Row {
            env: right.clone(),
            stdout: &["created akulaku payment INV-CLI-0001: PENDING"],
            ..row(vec!["create", "akulaku", "--request", &order], 0)
        },
        Row {
            env: right.clone(),
            stderr: &["DOKU answered HTTP 422", "duplicate_invoice_number"],
            ..row(vec!["create", "akulaku", "--request", &order], 1)
        },
        Row {
            env: right.clone(),
            stderr: &[
                r#"{"error":{"#,
                r#""code":"duplicate_invoice_number""#,
                r#""kind":"invalid_request""#,
                r#""status":422"#,
                r#""exit_code":1"#,
                r#""raw":"{"#,
                r#""request_id":""#,
            ],
            ..row(vec!["create", "akulaku", "--request", &order, "--json"], 1)
        },
        Row {
            env: right.clone(),
            stdout: &["status of INV-CLI-0001: PENDING", "PEER_TO_PEER_AKULAKU"],
            ..row(vec!["status", "INV-CLI-0001"], 0)
        },
        Row {
            env: right.clone(),
            stdout: &["cancel of akulaku payment INV-CLI-0001: SUCCESS (payment CANCELLED)"],
            ..row(vec!["cancel", "akulaku", "--request", &cancel], 0)
        },
        Row {
            env: right.clone(),
            stdout: &["\"status\": \"FAILED\""],
            ..row(vec!["status", "INV-CLI-0001", "--json"], 0)
        },
        // A second cancel: answered, FAILED, a refusal (exit 1), the answer still printed.
        Row {
            env: right.clone(),
            stdout: &["cancel of akulaku payment INV-CLI-0001: FAILED"],
            stderr: &["DOKU refused the cancel of INV-CLI-0001 (FAILED)"],
            ..row(vec!["cancel", "akulaku", "--request", &cancel], 1)
        },
        Row {
            env: right.clone(),
            stdout: &["\"cancel_status\": \"FAILED\""],
            stderr: &["DOKU refused the cancel"],
            ..row(vec!["cancel", "akulaku", "--request", &cancel, "--json"], 1)
        },
    ];
    for r in &rows {
        check(r);
    }
}

/// `doku listen` prints verified notifications as JSON lines and rejects forged ones.
#[test]
fn listen_prints_verified_and_rejects_forged() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = command(
        &["listen", "--addr", &addr, "--path", "/hooks/doku"],
        &[
            ("DOKU_CLIENT_ID", "MCH-0001-10791114622547"),
            ("DOKU_SECRET_KEY", "SK-TESTVECTOR-0001"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut listener = Running(child);
    wait_until_listening(&mut listener, port);
    let body = "{\n  \"service\": {\"id\": \"PEER_TO_PEER\"},\n  \"acquirer\": {\"id\": \"AKULAKU\"},\n  \"channel\": {\"id\": \"PEER_TO_PEER_AKULAKU\"},\n  \"order\": {\"invoice_number\": \"INV-20210707-0001\", \"amount\": 90000},\n  \"transaction\": {\"status\": \"SUCCESS\", \"date\": \"2021-07-07T09:00:00Z\", \"original_request_id\": \"baec7d95-f30a-4b78-b711-6ebe0ccdf50b\"},\n  \"customer\": {\"name\": \"Anton Budiman éè 日本\"}\n}";
    let post = |sig: &str, body: &str| -> u16 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            doku_pay_testkit::http_client()
                .post(format!("http://{addr}/hooks/doku"))
                .header("Client-Id", "MCH-0001-10791114622547")
                .header("Request-Id", "7a1c9f00-0000-4000-8000-000000000001")
                .header("Request-Timestamp", "2021-07-07T09:00:00Z")
                .header("Signature", sig)
                .body(body.to_owned())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let genuine = "HMACSHA256=CbSauTZ/GJvXWP0tCTzErTRpl7IbRHDLwsE6k/UKA1A=";
    assert_eq!(post(genuine, body), 200);
    assert_eq!(
        post(genuine, &body.replace("90000", "9000000")),
        401,
        "tampered"
    );
    assert_eq!(
        post(
            "HMACSHA256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            body
        ),
        401,
        "forged"
    );
    assert_eq!(post(genuine, body), 200, "replay acknowledged");
    let out = listener.kill_for_output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one verified notification, printed once: {stdout}"
    );
    let n: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(n["channel"], "akulaku");
    assert_eq!(n["invoice_number"], "INV-20210707-0001");
    assert_eq!(n["amount"], 90000);
    assert_eq!(n["status"], "SUCCESS");
    assert_eq!(
        stderr.matches("rejected POST /hooks/doku: 401").count(),
        2,
        "{stderr}"
    );
    assert!(!stderr.contains("SK-TESTVECTOR-0001"));
}
