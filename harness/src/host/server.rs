//! The listeners behind the hosted names: plain HTTP/1.1 per name (what the routing table
//! points at) and one TLS listener for all names (what the CONNECT proxy tunnels to).
//!
//! This module only moves messages: it turns what arrives into a [`Request`], hands it to a
//! dispatcher together with the name it arrived for, and writes the [`Response`] back. Which
//! party answers, counting and recording belong to [`super::issuers`].
//!
//! The clients here are implementations under test, so every connection is bounded: a
//! deadline for the request head and for the body, a size bound on both, a cap on concurrent
//! connections per listener, and a TLS handshake deadline. Each listener runs as one task
//! that owns its connection tasks; aborting the listener task ends all of them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::message::{Request, Response};

/// A boxed, sendable future: what handlers return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Something that answers requests for a hosted name: a reference role, or a case's own
/// deliberately broken issuer. Any `Fn(Request) -> impl Future<Output = Response>` closure
/// is a handler.
pub trait Handler: Send + Sync + 'static {
    /// Produce the response to one request. May take as long as it likes (a case may make
    /// an issuer hang on purpose); the host aborts it when shut down.
    fn handle(&self, request: Request) -> BoxFuture<Response>;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        Box::pin(self(request))
    }
}

/// A handler shared between the host and its connections.
pub type SharedHandler = Arc<dyn Handler>;

/// Bounds on what a connecting client may cost the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// Time allowed for a request head to arrive once a connection is waiting for one.
    pub header_read_timeout: Duration,
    /// Time allowed for a request body to arrive.
    pub body_read_timeout: Duration,
    /// Time allowed for a TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Largest request head buffer (at least 8192, hyper's minimum).
    pub max_head_bytes: usize,
    /// Most request header fields.
    pub max_headers: usize,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Most simultaneous connections per listener; further ones are closed at once.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            max_head_bytes: 64 * 1024,
            max_headers: 200,
            max_body_bytes: 1024 * 1024,
            max_connections: 256,
        }
    }
}

/// One request as it arrived, before any party looked at it.
#[derive(Debug)]
pub(crate) struct Arrival {
    /// The hosted name the connection belongs to (by listener or by SNI).
    pub name: Arc<str>,
    /// The request. `scheme` is `https` (routed names stand in for https), `authority` is
    /// the `Host` the client sent (or the name when it sent none).
    pub request: Request,
    /// Set when the body could not be read in full; the request then has an empty body and
    /// must be refused rather than handled.
    pub problem: Option<BodyProblem>,
}

/// Why a request body was not read in full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// It crossed [`ServerLimits::max_body_bytes`].
    TooLarge(usize),
    /// It did not arrive within [`ServerLimits::body_read_timeout`].
    TimedOut(Duration),
    /// The framing was broken or the client hung up.
    Unreadable(String),
}

impl std::fmt::Display for BodyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyProblem::TooLarge(max) => write!(f, "request body larger than {max} bytes"),
            BodyProblem::TimedOut(d) => {
                write!(f, "request body not complete within {} ms", d.as_millis())
            }
            BodyProblem::Unreadable(e) => write!(f, "request body unreadable: {e}"),
        }
    }
}

/// What the host does with an arrival.
pub(crate) type Dispatch = Arc<dyn Fn(Arrival) -> BoxFuture<Response> + Send + Sync>;

/// Decides, after the TLS handshake, which hosted name a connection is for.
pub(crate) type SniNamer = Arc<dyn Fn(Option<&str>) -> Option<Arc<str>> + Send + Sync>;

/// Accept plain connections for one name until aborted.
pub(crate) async fn serve_plain(
    listener: TcpListener,
    name: Arc<str>,
    dispatch: Dispatch,
    limits: ServerLimits,
) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            // Out of descriptors and the like: back off instead of spinning.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= limits.max_connections {
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        connections.spawn(serve_connection(
            stream,
            name.clone(),
            dispatch.clone(),
            limits,
        ));
    }
}

/// Accept TLS connections for every hosted name until aborted.
pub(crate) async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    namer: SniNamer,
    dispatch: Dispatch,
    limits: ServerLimits,
) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _peer)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= limits.max_connections {
            drop(stream);
            continue;
        }
        let acceptor = acceptor.clone();
        let namer = namer.clone();
        let dispatch = dispatch.clone();
        connections.spawn(async move {
            let handshake =
                tokio::time::timeout(limits.tls_handshake_timeout, acceptor.accept(stream)).await;
            let Ok(Ok(tls)) = handshake else {
                return;
            };
            let Some(name) = namer(tls.get_ref().1.server_name()) else {
                return;
            };
            serve_connection(tls, name, dispatch, limits).await;
        });
    }
}

async fn serve_connection<Io>(io: Io, name: Arc<str>, dispatch: Dispatch, limits: ServerLimits)
where
    Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |incoming: hyper::Request<Incoming>| {
        let name = name.clone();
        let dispatch = dispatch.clone();
        async move {
            let arrival = arrival(incoming, name, limits).await;
            let response = dispatch(arrival).await;
            Ok::<_, Infallible>(to_hyper(response))
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_head_bytes.max(8192))
        .max_headers(limits.max_headers);
    // Errors here are the client's doing (garbage, hang-up, timeout); nothing to report.
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

async fn arrival(
    incoming: hyper::Request<Incoming>,
    name: Arc<str>,
    limits: ServerLimits,
) -> Arrival {
    let (parts, body) = incoming.into_parts();
    let authority = parts
        .headers
        .get(hyper::header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_else(|| name.to_string());
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let (body, problem) = match tokio::time::timeout(
        limits.body_read_timeout,
        collect(body, limits.max_body_bytes),
    )
    .await
    {
        Ok(Ok(bytes)) => (bytes, None),
        Ok(Err(problem)) => (Bytes::new(), Some(problem)),
        Err(_) => (
            Bytes::new(),
            Some(BodyProblem::TimedOut(limits.body_read_timeout)),
        ),
    };
    let path = parts.uri.path();
    Arrival {
        name,
        request: Request {
            method: parts.method.as_str().to_string(),
            scheme: "https".to_string(),
            authority,
            path: if path.is_empty() { "/" } else { path }.to_string(),
            query: parts.uri.query().map(str::to_string),
            headers,
            body,
        },
        problem,
    }
}

async fn collect(mut body: Incoming, max: usize) -> Result<Bytes, BodyProblem> {
    let mut out = BytesMut::new();
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => return Ok(out.freeze()),
            Some(Err(e)) => return Err(BodyProblem::Unreadable(e.to_string())),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if data.len() > max.saturating_sub(out.len()) {
                        return Err(BodyProblem::TooLarge(max));
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
}

fn to_hyper(response: Response) -> hyper::Response<axum::body::Body> {
    let status = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = hyper::Response::new(axum::body::Body::from(response.body));
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in response.headers {
        // A field hyper cannot express is dropped; handlers are ours, so this is a harness
        // bug, not something a peer can cause.
        let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            tracing::warn!("dropping a response field hyper cannot encode");
            continue;
        };
        headers.append(name, value);
    }
    out
}

/// Bind a loopback listener on a free port.
pub(crate) fn bind_loopback() -> std::io::Result<(TcpListener, SocketAddr)> {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    debug_assert!(addr.ip().is_loopback());
    Ok((TcpListener::from_std(std_listener)?, addr))
}
