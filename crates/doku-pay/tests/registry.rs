//! Through the facade, the global registry holds exactly the enabled channels: with the
//! default features, exactly `{akulaku, linkaja}`.

/// The facade's channel features, read from its manifest: a feature `x = ["dep:doku-pay-x"]`
/// where `doku-pay-x` is the channel crate `channels/x` (folder name = channel id), not another
/// framework crate such as `doku-pay-receiver`.
fn channel_features() -> Vec<String> {
    let manifest = include_str!("../Cargo.toml");
    let mut in_features = false;
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_features = line == "[features]";
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../channels")
            .join(name);
        if in_features
            && value.trim() == format!("[\"dep:doku-pay-{name}\"]")
            && crate_dir.join("Cargo.toml").is_file()
        {
            out.push(name.to_owned());
        }
    }
    out
}

/// The ids the enabled features should register, ordered: the channel features of the
/// manifest that this build enables (as the build script saw them).
fn expected_ids() -> Vec<String> {
    let enabled: Vec<&str> = env!("DOKU_ENABLED_FEATURES").split(',').collect();
    let mut ids: Vec<String> = channel_features()
        .into_iter()
        .filter(|f| enabled.contains(&f.as_str()))
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_manifest_has_channel_features_and_the_build_script_reports_features() {
    // Guards the derivation above: with no channel feature read, an empty registry would
    // pass.
    assert!(!channel_features().is_empty());
    assert!(channel_features().iter().all(|f| !f.is_empty()));
    let enabled = env!("DOKU_ENABLED_FEATURES");
    if cfg!(feature = "default") {
        assert!(enabled.split(',').any(|f| f == "default"), "{enabled}");
    }
}

#[test]
fn registry_holds_exactly_the_enabled_channels() {
    assert_eq!(doku_pay::Registry::global().ids(), expected_ids());
    let linked: Vec<&str> = doku_pay::linked_channels().iter().map(|d| d.id).collect();
    assert_eq!(linked, expected_ids());
}

#[test]
fn every_linked_channel_is_found_by_its_code_without_conflicts() {
    let registry = doku_pay::Registry::global();
    assert!(registry.conflicts().is_empty());
    assert!(!registry.descriptors().is_empty() || expected_ids().is_empty());
    for d in registry.descriptors() {
        let channel = registry
            .by_channel_code(d.channel_code)
            .expect(d.channel_code);
        assert_eq!(channel.descriptor().id, d.id);
    }
}

#[cfg(feature = "linkaja")]
#[test]
fn client_refuses_what_a_channel_lacks_without_a_request() {
    // An unreachable base URL: any request would fail as Unreachable, not Unsupported.
    let credentials = doku_pay::Credentials::new(
        "MCH-0001-10791114622547",
        "SK-TESTVECTOR-0001",
        doku_pay::Environment::custom("http://127.0.0.1:9").expect("env"),
    )
    .expect("credentials");
    let client = doku_pay::Client::new(credentials).expect("client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let req = doku_pay::CancelRequest {
        request_id: None,
        invoice_number: "INV-1".into(),
        merchant_reference: None,
        identifiers: vec![],
    };
    let err = rt
        .block_on(client.cancel("linkaja", &req))
        .expect_err("unsupported");
    assert!(
        matches!(
            err,
            doku_pay::Error::Unsupported {
                operation: doku_pay::Operation::Cancel,
                ..
            }
        ),
        "{err}"
    );
}

/// Signs `body` as DOKU would for `/payments/notifications` and verifies it.
#[cfg(all(feature = "linkaja", feature = "akulaku"))]
fn verified(body: &[u8]) -> doku_pay::VerifiedNotification {
    use doku_pay::signature::Components;
    let (client_id, request_id, timestamp) = (
        "MCH-0001-10791114622547",
        "479b663f-5c9d-400d-8e80-3e548a8f7639",
        "2021-01-27T03:24:24Z",
    );
    let secret = doku_pay::SecretKey::new("SK-TESTVECTOR-0001").expect("secret");
    let path = "/payments/notifications";
    let signature =
        Components::notification(client_id, request_id, timestamp, path, body).sign(&secret);
    let mut headers = http::HeaderMap::new();
    for (name, value) in [
        ("Client-Id", client_id),
        ("Request-Id", request_id),
        ("Request-Timestamp", timestamp),
        ("Signature", signature.as_str()),
    ] {
        headers.insert(name, http::HeaderValue::from_str(value).expect("header"));
    }
    doku_pay::NotificationVerifier::new()
        .merchant(
            doku_pay::ClientId::new(client_id).expect("client id"),
            secret,
        )
        .verify(&headers, path, body)
        .expect("verifies")
}

#[cfg(all(feature = "linkaja", feature = "akulaku"))]
#[test]
fn notifications_route_to_their_channel_by_channel_id() {
    let rows: &[(&str, &str, &str, u64, doku_pay::PaymentStatus)] = &[
        (
            "EMONEY_LINKAJA",
            "linkaja",
            "INV-L-1",
            150_000,
            doku_pay::PaymentStatus::Success,
        ),
        (
            "PEER_TO_PEER_AKULAKU",
            "akulaku",
            "INV-A-1",
            90_000,
            doku_pay::PaymentStatus::Failed,
        ),
    ];
    for (code, id, invoice, amount, status) in rows {
        let body = format!(
            r#"{{"channel":{{"id":"{code}"}},"order":{{"invoice_number":"{invoice}","amount":{amount}}},"transaction":{{"status":"{}","original_request_id":"orig-{id}"}}}}"#,
            status.as_str()
        );
        let n = doku_pay::client::route_notification(
            doku_pay::Registry::global(),
            &verified(body.as_bytes()),
        )
        .expect(code);
        assert_eq!(
            (
                n.channel.as_deref(),
                n.channel_code.as_str(),
                n.invoice_number.as_str()
            ),
            (Some(*id), *code, *invoice)
        );
        assert_eq!((n.amount.rupiah(), &n.status), (*amount, status));
        assert_eq!(n.original_request_id, Some(format!("orig-{id}")));
    }
    // A code DOKU can never send: its channel ids are upper-case letters, digits and `_`
    // (`EMONEY_LINKAJA`, `PEER_TO_PEER_AKULAKU`, `VIRTUAL_ACCOUNT_BCA`), so one with lower-case
    // letters and `-` names no channel, today or after any channel crate is added (a real
    // code such as `EMONEY_OVO` would stop being unknown the day its crate is linked).
    let unknown = br#"{"channel":{"id":"not-a-doku-channel"},"order":{"invoice_number":"X","amount":1},"transaction":{"status":"SUCCESS"}}"#;
    assert!(matches!(
        doku_pay::client::route_notification(doku_pay::Registry::global(), &verified(unknown)),
        Err(doku_pay::NotificationError::UnknownChannel(_))
    ));
}

#[test]
fn every_linked_channel_has_endpoints_and_wire_tables_for_exactly_what_it_offers() {
    // What the generated schemas and the fuzz targets read: a channel without them, or with
    // one for an operation it lacks, would go unfuzzed or be fuzzed against the wrong table.
    for channel in doku_pay::Registry::global().all() {
        let d = channel.descriptor();
        let wire = channel
            .wire_models()
            .unwrap_or_else(|| panic!("{}: no wire tables", d.id));
        wire.check_against(d).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = channel.wire_schemas().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names.len(),
            2 * (1 + usize::from(wire.cancel.is_some()) + usize::from(wire.refund.is_some())),
            "{}",
            d.id
        );
    }
}
