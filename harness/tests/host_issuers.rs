//! The issuer host reached the way a configurable target reaches it: through the routing
//! table, on plain loopback listeners standing in for `https://<name>.harness.test`.

use std::sync::{Arc, Mutex};

use aauth_harness::host::{HostConfig, IssuerHost, Routes};
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::target::client::TransportError;
use serde_json::json;

fn metadata(issuer: &str) -> Response {
    Response::json(
        200,
        "application/json",
        &json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/jwks.json") }),
    )
}

#[tokio::test]
async fn the_client_reaches_a_hosted_name_through_the_routing_table() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    let seen: Arc<Mutex<Vec<Request>>> = Arc::default();
    let log = seen.clone();
    let id = host
        .serve("ap", move |request: Request| {
            log.lock().expect("lock").push(request);
            async { metadata("https://ap.harness.test") }
        })
        .expect("serve");
    assert_eq!(id, "https://ap.harness.test");
    assert_eq!(host.identifiers(), ["https://ap.harness.test"]);

    let client = host.client();
    let response = client
        .get("https://ap.harness.test/.well-known/aauth-agent.json")
        .await
        .expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(
        response
            .body_json()
            .and_then(|v| v["issuer"].as_str().map(String::from)),
        Some("https://ap.harness.test".to_string())
    );

    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].scheme, "https");
    assert_eq!(seen[0].authority, "ap.harness.test");
    assert_eq!(seen[0].path, "/.well-known/aauth-agent.json");
    assert_eq!(host.hits("ap", "/.well-known/aauth-agent.json"), 1);
    assert_eq!(host.hits("ap", "/jwks.json"), 0);

    let log = host.transcript().snapshot();
    assert_eq!(log.len(), 1, "only the hosted side records");
    assert_eq!(log[0].from, "implementation under test");
    assert_eq!(log[0].to, "ap.harness.test");
    assert_eq!(log[0].response.as_ref().map(|r| r.status), Some(200));

    // The routing table handed to targets names the same listener.
    let routes = Routes::parse(&host.routes().to_string()).expect("routes");
    assert_eq!(
        routes.lookup("https://ap.harness.test"),
        host.address_of("ap")
    );
    host.shutdown().await;
}

#[tokio::test]
async fn a_handler_can_be_swapped_between_cases_and_counters_reset() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ps", |_r: Request| async {
        Response::new(200).with_body("one")
    })
    .expect("serve");
    let port = host.address_of("ps");
    let client = host.client();
    let first = client
        .get("https://ps.harness.test/x")
        .await
        .expect("first");
    assert_eq!(&first.body[..], b"one");

    host.replace("https://ps.harness.test", |_r: Request| async {
        Response::new(503).with_body("two")
    })
    .expect("replace");
    let second = client
        .get("https://ps.harness.test/x")
        .await
        .expect("second");
    assert_eq!((second.status, &second.body[..]), (503, &b"two"[..]));
    assert_eq!(host.address_of("ps"), port, "the port stays");
    assert_eq!(host.hits("ps", "/x"), 2);
    host.reset_hits();
    assert_eq!(host.hits("ps", "/x"), 0);
    assert!(host
        .replace("as", |_r: Request| async { Response::new(200) })
        .is_err());
}

#[tokio::test]
async fn the_host_header_the_client_sent_is_the_authority_handlers_see() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("resource", |r: Request| async move {
        Response::new(200).with_header("x-authority", r.authority.clone())
    })
    .expect("serve");
    let request = Request::new("GET", "https", "resource.harness.test", "/api")
        .with_header("Host", "evil.example");
    let response = host.client().send_routed(&request).await.expect("response");
    assert_eq!(
        response.header("x-authority").as_deref(),
        Some("evil.example")
    );
}

#[tokio::test]
async fn names_outside_the_harness_domain_cannot_be_hosted() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    assert!(host
        .serve("https://example.com", |_r: Request| async {
            Response::new(200)
        })
        .is_err());
    assert!(host
        .serve("evil.harness.test", |_r: Request| async {
            Response::new(200)
        })
        .is_ok());
}

#[tokio::test]
async fn an_unserved_name_becomes_unreachable() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("as", |_r: Request| async { Response::new(200) })
        .expect("serve");
    let address = host.address_of("as").expect("address");
    assert!(host.unserve("as"));
    let err = host
        .client()
        .get("https://as.harness.test/")
        .await
        .expect_err("gone");
    assert!(matches!(err, TransportError::Unrouted { .. }), "{err:?}");
    // The listener itself is closed too, shortly after.
    let mut closed = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(closed);
}

#[tokio::test]
async fn an_oversized_request_body_is_refused_before_the_handler() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ap", |_r: Request| async { Response::new(200) })
        .expect("serve");
    let request = Request::new("POST", "https", "ap.harness.test", "/token")
        .with_body(vec![b'a'; 2 * 1024 * 1024]);
    // Either the 413 arrives, or the host hangs up while the client is still writing.
    match host.client().send_routed(&request).await {
        Ok(response) => assert_eq!(response.status, 413),
        Err(e) => assert!(matches!(e, TransportError::Closed { .. }), "{e:?}"),
    }
    assert_eq!(host.hits("ap", "/token"), 0);
}

#[tokio::test]
async fn dropping_the_host_closes_its_listeners() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ap", |_r: Request| async { Response::new(200) })
        .expect("serve");
    let addresses = [
        host.address_of("ap").expect("ap"),
        host.tls_addr(),
        host.proxy_addr(),
    ];
    let ca = host.ca_file().to_path_buf();
    assert!(ca.exists());
    host.shutdown().await;
    for address in addresses {
        assert!(
            tokio::net::TcpStream::connect(address).await.is_err(),
            "{address} still open"
        );
    }
    assert!(!ca.exists());
}

#[tokio::test]
async fn hostile_clients_do_not_stop_the_host_serving_others() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = HostConfig::default();
    config.limits.header_read_timeout = std::time::Duration::from_millis(300);
    let host = IssuerHost::start(config).await.expect("host");
    host.serve("ap", |_r: Request| async { Response::new(200) })
        .expect("serve");
    let address = host.address_of("ap").expect("address");
    // Idle connections that never send a byte, one that sends garbage, one that sends half
    // a head, and one that floods an endless head.
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(
            tokio::net::TcpStream::connect(address)
                .await
                .expect("connect"),
        );
    }
    let mut garbage = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    garbage.write_all(b"\x00\xff\r\n\r\n").await.expect("write");
    let mut half = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    half.write_all(b"GET / HTTP/1.1\r\nHost: ap")
        .await
        .expect("write");
    let mut flood = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let flooder = tokio::spawn(async move {
        let _ = flood.write_all(b"GET / HTTP/1.1\r\n").await;
        let line = b"x-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(1000);
        for _ in 0..200 {
            if flood.write_all(&line).await.is_err() {
                return true;
            }
        }
        false
    });

    let response = host
        .client()
        .get("https://ap.harness.test/")
        .await
        .expect("served");
    assert_eq!(response.status, 200);
    assert!(
        flooder.await.expect("join"),
        "the host must cut off an endless head"
    );
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        garbage.read_to_end(&mut answer),
    )
    .await
    .expect("garbage connection closed");
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        half.read_to_end(&mut rest),
    )
    .await
    .expect("half-sent head times out");
}
