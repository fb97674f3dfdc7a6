//! An HTTPS CONNECT proxy for targets whose outbound HTTP cannot be re-pointed: hand them
//! `HTTPS_PROXY` and the CA file, and their `https://ap.harness.test/...` fetches arrive at
//! the host's TLS listener with a certificate they trust.
//!
//! Only `CONNECT <hosted name>:443` is tunnelled, and only ever to the TLS listener on
//! loopback: the proxy never dials anywhere a client names. Everything else (other hosts,
//! other ports, plain `GET http://...` proxying, garbage) gets `403` and a closed connection,
//! and is recorded in the transcript so a report can show what the target tried to reach.
//! The request head is bounded in size and time; a tunnel lives at most
//! [`ProxyLimits::max_tunnel_lifetime`] and ends when the proxy is dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::message::{Request, Response};
use crate::transcript::{ExchangeRecord, Transcript};

/// The transcript name of the proxy.
pub const PROXY_PARTY: &str = "harness proxy";

/// Bounds on what a proxy client may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyLimits {
    /// Time allowed for the CONNECT request head to arrive.
    pub head_timeout: Duration,
    /// Largest CONNECT request head.
    pub max_head_bytes: usize,
    /// Longest a tunnel stays open.
    pub max_tunnel_lifetime: Duration,
    /// Most simultaneous client connections.
    pub max_connections: usize,
}

impl Default for ProxyLimits {
    fn default() -> Self {
        ProxyLimits {
            head_timeout: Duration::from_secs(10),
            max_head_bytes: 8 * 1024,
            max_tunnel_lifetime: Duration::from_secs(600),
            max_connections: 256,
        }
    }
}

/// Says whether a host name (lowercase, no port) is one the host serves.
pub(crate) type NameFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Everything a proxy connection needs.
#[derive(Clone)]
pub(crate) struct ProxyContext {
    pub tls_addr: SocketAddr,
    pub hosted: NameFilter,
    pub transcript: Transcript,
    pub peer_party: Arc<str>,
    pub limits: ProxyLimits,
}

/// Accept proxy clients until aborted.
pub(crate) async fn serve_proxy(listener: TcpListener, context: ProxyContext) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= context.limits.max_connections {
            drop(stream);
            continue;
        }
        connections.spawn(serve_client(stream, context.clone()));
    }
}

enum Verdict {
    Tunnel,
    Refuse(&'static str),
}

async fn serve_client(mut client: TcpStream, context: ProxyContext) {
    let started = Instant::now();
    let mut buf = BytesMut::with_capacity(1024);
    let head = tokio::time::timeout(
        context.limits.head_timeout,
        read_head(&mut client, &mut buf, context.limits.max_head_bytes),
    )
    .await;
    let (request, head_len) = match head {
        Ok(Ok(parsed)) => parsed,
        // Garbage, oversize, silence or hang-up: nothing worth recording beyond a refusal.
        Ok(Err(reason)) => {
            let _ = refuse(&mut client, reason).await;
            return;
        }
        Err(_) => return,
    };

    let verdict = judge(&request, &context);
    let response = match verdict {
        Verdict::Tunnel => Response::new(200),
        Verdict::Refuse(reason) => Response::new(403).with_body(reason),
    };
    context.transcript.record(ExchangeRecord {
        from: &context.peer_party,
        to: PROXY_PARTY,
        request: &request,
        result: Ok(&response),
        elapsed: started.elapsed(),
        note: match verdict {
            Verdict::Tunnel => Some(format!("tunnelled to {}", context.tls_addr)),
            Verdict::Refuse(reason) => Some(format!("refused: {reason}")),
        },
    });
    match verdict {
        Verdict::Refuse(reason) => {
            let _ = refuse(&mut client, reason).await;
        }
        Verdict::Tunnel => {
            debug_assert!(context.tls_addr.ip().is_loopback());
            let Ok(Ok(mut upstream)) =
                tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(context.tls_addr))
                    .await
            else {
                let _ = client
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    .await;
                return;
            };
            if client
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            // Bytes the client sent right after its CONNECT head belong to the tunnel.
            let early = buf.split_off(head_len.min(buf.len()));
            if !early.is_empty() && upstream.write_all(&early).await.is_err() {
                return;
            }
            let _ = tokio::time::timeout(
                context.limits.max_tunnel_lifetime,
                tokio::io::copy_bidirectional(&mut client, &mut upstream),
            )
            .await;
        }
    }
}

fn judge(request: &Request, context: &ProxyContext) -> Verdict {
    if !request.method.eq_ignore_ascii_case("CONNECT") {
        return Verdict::Refuse("this proxy only tunnels CONNECT to harness names");
    }
    let Some((host, port)) = request.authority.rsplit_once(':') else {
        return Verdict::Refuse("CONNECT target has no port");
    };
    if port != "443" {
        return Verdict::Refuse("only port 443 is tunnelled");
    }
    let host = host.to_ascii_lowercase();
    if !(context.hosted)(&host) {
        return Verdict::Refuse("not a name the harness hosts; the proxy never dials out");
    }
    Verdict::Tunnel
}

async fn refuse(client: &mut TcpStream, reason: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reason.len()
    );
    client.write_all(head.as_bytes()).await?;
    client.write_all(reason.as_bytes()).await?;
    client.shutdown().await
}

/// Read and parse the proxy request head; returns it with the byte length of the head.
async fn read_head(
    client: &mut TcpStream,
    buf: &mut BytesMut,
    max: usize,
) -> Result<(Request, usize), &'static str> {
    loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => {
                let target = parsed.path.unwrap_or("").to_string();
                let request = Request {
                    method: parsed.method.unwrap_or("").to_string(),
                    scheme: "http".to_string(),
                    authority: target.clone(),
                    path: String::new(),
                    query: None,
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                    body: bytes::Bytes::new(),
                };
                return Ok((request, len));
            }
            Ok(httparse::Status::Partial) if buf.len() > max => {
                return Err("request head too large")
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => return Err("malformed proxy request"),
        }
        buf.reserve(1024);
        match client.read_buf(buf).await {
            Ok(0) | Err(_) => return Err("connection closed before a complete request"),
            Ok(_) => {}
        }
    }
}
