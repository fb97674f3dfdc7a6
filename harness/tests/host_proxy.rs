//! The CONNECT proxy path, as an unmodifiable target would use it: an ordinary HTTPS client
//! configured only with `HTTPS_PROXY` and the CA file reaches the hosted names over real
//! TLS, and nothing else gets through.

use std::time::Duration;

use aauth_harness::host::{HostConfig, IssuerHost};
use aauth_harness::message::{Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn host_with_ap() -> IssuerHost {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("ap", |r: Request| async move {
        Response::new(200)
            .with_header("content-type", "application/json")
            .with_body(format!(
                r#"{{"issuer":"https://ap.harness.test","seen":"{}://{}{}"}}"#,
                r.scheme, r.authority, r.path
            ))
    })
    .expect("serve");
    host
}

#[tokio::test]
async fn an_https_client_with_the_proxy_and_ca_file_reaches_a_hosted_name() {
    let host = host_with_ap().await;
    let pem = std::fs::read(host.ca_file()).expect("ca file");
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .proxy(reqwest::Proxy::https(host.proxy_url()).expect("proxy"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let response = client
        .get("https://ap.harness.test/.well-known/aauth-agent.json")
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body["seen"],
        "https://ap.harness.test/.well-known/aauth-agent.json"
    );
    assert_eq!(host.hits("ap", "/.well-known/aauth-agent.json"), 1);

    let log = host.transcript().snapshot();
    assert!(log
        .iter()
        .any(|e| e.request.method == "CONNECT" && e.request.authority == "ap.harness.test:443"));
    assert!(log
        .iter()
        .any(|e| e.to == "ap.harness.test" && e.request.path == "/.well-known/aauth-agent.json"));
}

#[tokio::test]
async fn a_name_the_host_does_not_serve_fails_the_tls_handshake() {
    let host = host_with_ap().await;
    let pem = std::fs::read(host.ca_file()).expect("ca file");
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .proxy(reqwest::Proxy::https(host.proxy_url()).expect("proxy"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    assert!(client.get("https://ps.harness.test/").send().await.is_err());
}

/// Send a raw proxy request and return the status line and the rest.
async fn raw_proxy(host: &IssuerHost, head: &str) -> String {
    let mut socket = tokio::net::TcpStream::connect(host.proxy_addr())
        .await
        .expect("connect");
    socket.write_all(head.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_proxy_refuses_everything_but_hosted_names_on_443() {
    let host = host_with_ap().await;
    for head in [
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "CONNECT ap.harness.test:80 HTTP/1.1\r\nHost: ap.harness.test:80\r\n\r\n",
        "CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n",
        "GET http://ap.harness.test/ HTTP/1.1\r\nHost: ap.harness.test\r\n\r\n",
        "\x16\x03\x01 garbage\r\n\r\n",
    ] {
        let answer = raw_proxy(&host, head).await;
        assert!(
            answer.starts_with("HTTP/1.1 403"),
            "{head:?} got {answer:?}"
        );
    }
    let refused = host
        .transcript()
        .snapshot()
        .into_iter()
        .filter(|e| e.note.as_deref().is_some_and(|n| n.starts_with("refused")))
        .count();
    assert_eq!(refused, 4, "every parsable refusal is recorded");
}

#[tokio::test]
async fn a_silent_proxy_client_is_dropped_after_the_head_timeout() {
    let mut config = HostConfig::default();
    config.proxy_limits.head_timeout = Duration::from_millis(200);
    let host = IssuerHost::start(config).await.expect("host");
    let mut socket = tokio::net::TcpStream::connect(host.proxy_addr())
        .await
        .expect("connect");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), socket.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the proxy must close a silent connection");
}
