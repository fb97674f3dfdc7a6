//! The outbound client against hostile and odd peers: every misbehaviour must end quickly in
//! a typed error, never a hang or a panic; and what it sends must be exactly what was built.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aauth_harness::message::{Fields, Request};
use aauth_harness::target::client::{ClientLimits, HttpClient, Part, Phase, TransportError};
use aauth_harness::transcript::Transcript;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A one-connection raw TCP server running `behave` on the accepted socket.
async fn raw_server<F, Fut>(behave: F) -> SocketAddr
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((socket, _)) = listener.accept().await {
            behave(socket).await;
        }
    });
    addr
}

/// Read until the end of a request head (requests here have no body).
async fn read_request_head(socket: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    seen
}

fn quick_client() -> HttpClient {
    HttpClient::new().with_limits(ClientLimits {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_millis(800),
        ..ClientLimits::default()
    })
}

fn get(addr: SocketAddr) -> (String, Request) {
    let authority = addr.to_string();
    (
        format!("http://{addr}"),
        Request::new("GET", "http", &authority, "/"),
    )
}

#[tokio::test]
async fn a_peer_that_never_answers_times_out_within_the_bound() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let (address, request) = get(addr);
    let started = Instant::now();
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            TransportError::Timeout {
                phase: Phase::ResponseHead,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_peer_that_trickles_a_response_still_times_out() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")
            .await;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if s.write_all(b"x").await.is_err() {
                break;
            }
        }
    })
    .await;
    let (address, request) = get(addr);
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            TransportError::Timeout {
                phase: Phase::ResponseBody,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn garbage_bytes_are_a_protocol_error() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        let _ = s.write_all(b"\x00\x01\x02 not http at all\r\n\r\n").await;
    })
    .await;
    let (address, request) = get(addr);
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(matches!(err, TransportError::Protocol { .. }), "{err:?}");
}

async fn flood(s: &mut TcpStream, prefix: &[u8], unit: &[u8]) {
    let _ = read_request_head(s).await;
    let _ = s.write_all(prefix).await;
    let block = unit.repeat(64 * 1024 / unit.len().max(1));
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if s.write_all(&block).await.is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn an_endless_body_is_too_large_quickly() {
    let addr = raw_server(|mut s| async move {
        flood(&mut s, b"HTTP/1.1 200 OK\r\n\r\n", b"a").await;
    })
    .await;
    let (address, request) = get(addr);
    let started = Instant::now();
    let client = HttpClient::new();
    let err = client
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(err, TransportError::TooLarge { part: Part::Body, limit } if limit == 1024 * 1024),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn an_endless_chunked_body_is_too_large_quickly() {
    let addr = raw_server(|mut s| async move {
        flood(
            &mut s,
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
            b"10\r\n0123456789abcdef\r\n",
        )
        .await;
    })
    .await;
    let (address, request) = get(addr);
    let err = HttpClient::new()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            TransportError::TooLarge {
                part: Part::Body,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_huge_declared_length_is_refused_before_reading_it() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let (address, request) = get(addr);
    let started = Instant::now();
    let err = HttpClient::new()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            TransportError::TooLarge {
                part: Part::Body,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn an_endless_head_is_too_large() {
    let addr = raw_server(|mut s| async move {
        flood(
            &mut s,
            b"HTTP/1.1 200 OK\r\n",
            b"x-filler: yyyyyyyyyyyyyyyy\r\n",
        )
        .await;
    })
    .await;
    let (address, request) = get(addr);
    let err = HttpClient::new()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(
        matches!(
            err,
            TransportError::TooLarge {
                part: Part::Head,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_peer_that_hangs_up_mid_body_is_an_error() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this")
            .await;
    })
    .await;
    let (address, request) = get(addr);
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(matches!(err, TransportError::Closed { .. }), "{err:?}");
}

#[tokio::test]
async fn a_peer_that_hangs_up_without_answering_is_an_error() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
    })
    .await;
    let (address, request) = get(addr);
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(matches!(err, TransportError::Closed { .. }), "{err:?}");
}

#[tokio::test]
async fn nobody_listening_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let (address, request) = get(addr);
    let err = quick_client()
        .send(&address, &request)
        .await
        .expect_err("must fail");
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn the_request_goes_on_the_wire_exactly_as_built() {
    let (tx, rx) = oneshot::channel();
    let addr = raw_server(|mut s| async move {
        let mut seen = read_request_head(&mut s).await;
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"hello") && seen.len() < 4096 {
            match s.read(&mut byte).await {
                Ok(1) => seen.push(byte[0]),
                _ => break,
            }
        }
        let _ = tx.send(seen);
        let _ = s
            .write_all(b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\ncontent-length: 0\r\n\r\n")
            .await;
    })
    .await;
    let request = Request::new("POST", "https", "resource.example", "/api/x?b=2&a=1")
        .with_header("Host", "not-the-socket.example")
        .with_header("X-Dup", "1")
        .with_header("x-other", "2")
        .with_header("X-DUP", "3")
        .with_body("hello");
    let response = quick_client()
        .send(&format!("http://{addr}"), &request)
        .await
        .expect("response");
    let seen = rx.await.expect("captured");
    assert_eq!(
        String::from_utf8_lossy(&seen),
        "POST /api/x?b=2&a=1 HTTP/1.1\r\nHost: not-the-socket.example\r\nX-Dup: 1\r\n\
         x-other: 2\r\nX-DUP: 3\r\nContent-Length: 5\r\n\r\nhello"
    );
    // Redirects are reported, not followed; response fields keep order, case and repeats.
    assert_eq!(response.status, 302);
    assert_eq!(
        response.headers[1..4],
        [
            ("X-B".to_string(), "1".to_string()),
            ("x-a".to_string(), "2".to_string()),
            ("X-B".to_string(), "3".to_string())
        ]
    );
    assert_eq!(response.header("x-b").as_deref(), Some("1, 3"));
}

#[tokio::test]
async fn chunked_responses_are_decoded_and_the_exchange_is_recorded() {
    let addr = raw_server(|mut s| async move {
        let _ = read_request_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let transcript = Transcript::new();
    let client = quick_client()
        .with_transcript(transcript.clone())
        .as_party("harness agent");
    let (address, request) = get(addr);
    let response = client
        .send_to("resource under test", &address, &request)
        .await
        .expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(&response.body[..], b"hello world");
    let log = transcript.snapshot();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].from, "harness agent");
    assert_eq!(log[0].to, "resource under test");
    assert_eq!(log[0].request.header("host"), Some(addr.to_string()));
    assert!(log[0].error.is_none());
}

#[tokio::test]
async fn failures_are_recorded_too() {
    let transcript = Transcript::new();
    let client = HttpClient::new().with_transcript(transcript.clone());
    let request = Request::new("GET", "http", "example.com", "/");
    let err = client
        .send("http://192.0.2.1:80", &request)
        .await
        .expect_err("must refuse");
    assert!(matches!(err, TransportError::NotLoopback { .. }));
    let log = transcript.snapshot();
    assert_eq!(log.len(), 1);
    assert!(log[0].error.as_deref().unwrap_or("").contains("loopback"));
}
