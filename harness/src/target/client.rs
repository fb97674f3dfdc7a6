//! The harness's outbound HTTP/1.1 client: sends a [`Request`] exactly as built and returns
//! the [`Response`], or a typed [`TransportError`] saying what went wrong and where.
//!
//! Why not hyper's or reqwest's client: a negative case must be able to send duplicate fields
//! interleaved with others, names in odd case, a `Host` that disagrees with the socket, or a
//! `Content-Length` that disagrees with the body. hyper keeps header case and interleaving
//! only through crate-private extensions, and reqwest normalises more. So this client writes
//! the request bytes itself and parses the response with `httparse`, reading the body by
//! hand (length, chunked, or until close).
//!
//! What it adds to the request, and only when the request lacks it: a `Host` line first,
//! taken from `request.authority`, and a `Content-Length` line last when there is a body and
//! neither `Content-Length` nor `Transfer-Encoding` is present. The transcript records the
//! request with those additions, i.e. as it went on the wire.
//!
//! Invariants, because the peer is the implementation under test and may be hostile:
//! - It connects to loopback only. Addresses are IP literals (or `localhost`) or harness
//!   names resolved through the routing table; names are never looked up in DNS.
//! - Every step runs under one overall deadline (connect has its own shorter one), and every
//!   read is bounded: head bytes, header count, body bytes. Exceeding a bound is
//!   [`TransportError::TooLarge`], raised as soon as the bound is crossed.
//! - One request per connection; redirects are returned, never followed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout_at;

use crate::host::routes::SharedRoutes;
use crate::message::{Fields, Request, Response};
use crate::transcript::{ExchangeRecord, Transcript};

/// Bounds on one exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientLimits {
    /// Time allowed to establish the TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole exchange, connect included.
    pub total_timeout: Duration,
    /// Largest response head (status line and fields), and largest chunked trailer section.
    pub max_header_bytes: usize,
    /// Most response header fields.
    pub max_headers: usize,
    /// Largest response body after de-chunking.
    pub max_body_bytes: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            max_headers: 256,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// Where in the exchange a timeout struck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Establishing the TCP connection.
    Connect,
    /// Writing the request.
    Send,
    /// Waiting for or reading the status line and fields.
    ResponseHead,
    /// Reading the body.
    ResponseBody,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Connect => "connecting",
            Phase::Send => "sending the request",
            Phase::ResponseHead => "reading the response head",
            Phase::ResponseBody => "reading the response body",
        })
    }
}

/// Which part of the response crossed a size bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Status line and fields (or chunked trailers).
    Head,
    /// The content.
    Body,
}

/// Who is to blame for a transport error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The harness asked for something it must not do (bad address, unframeable request).
    Harness,
    /// The peer did not answer acceptably (refused, hung, garbage, flood, hang-up).
    Peer,
}

/// Why an exchange produced no usable response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The address is not loopback; the harness never connects anywhere else.
    #[error("refusing to connect to {address}: not a loopback address")]
    NotLoopback {
        /// The address as given.
        address: String,
    },
    /// The address could not be understood.
    #[error("bad address {address:?}: {reason}")]
    BadAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `https://` name has no entry in the routing table.
    #[error("no route for {identifier}: not a name the harness hosts")]
    Unrouted {
        /// The identifier that was asked for.
        identifier: String,
    },
    /// The request cannot be framed as HTTP/1.1 (for example a CR or LF inside a field).
    #[error("request cannot be sent: {reason}")]
    InvalidRequest {
        /// What is wrong with it.
        reason: String,
    },
    /// The TCP connection could not be established.
    #[error("cannot connect to {address}: {detail}")]
    Connect {
        /// Where the harness tried to connect.
        address: SocketAddr,
        /// The operating system's reason.
        detail: String,
    },
    /// A deadline passed.
    #[error("timed out {phase} after {} ms", after.as_millis())]
    Timeout {
        /// What the client was doing.
        phase: Phase,
        /// Time since the exchange started.
        after: Duration,
    },
    /// The response crossed a size bound.
    #[error("response {part:?} larger than the {limit}-byte limit")]
    TooLarge {
        /// Head or body.
        part: Part,
        /// The bound that was crossed.
        limit: usize,
    },
    /// The bytes received are not an HTTP/1.1 response.
    #[error("malformed response: {detail}")]
    Protocol {
        /// What could not be parsed, and where.
        detail: String,
    },
    /// The peer closed or reset the connection before the response was complete.
    #[error("connection closed early: {detail}")]
    Closed {
        /// How far the exchange got.
        detail: String,
    },
    /// Any other I/O failure.
    #[error("i/o error: {detail}")]
    Io {
        /// The operating system's reason.
        detail: String,
    },
}

impl TransportError {
    /// Whose fault the error is. A peer fault may still be a verdict on the IUT (a case that
    /// expects an answer got none); a harness fault never is.
    pub fn fault(&self) -> Fault {
        match self {
            TransportError::NotLoopback { .. }
            | TransportError::BadAddress { .. }
            | TransportError::Unrouted { .. }
            | TransportError::InvalidRequest { .. } => Fault::Harness,
            _ => Fault::Peer,
        }
    }
}

/// Where a request goes, once the address is understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The loopback socket to connect to.
    pub socket: SocketAddr,
    /// The party name for the transcript: the hosted name for routed identifiers, else the
    /// address as given.
    pub party: String,
}

/// A cheap-to-clone client with bounds, an optional routing table and an optional transcript.
#[derive(Clone, Debug)]
pub struct HttpClient {
    limits: ClientLimits,
    routes: SharedRoutes,
    transcript: Option<Transcript>,
    party: String,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl HttpClient {
    /// A client with default limits, no routes, no transcript, sending as `"harness"`.
    pub fn new() -> Self {
        HttpClient {
            limits: ClientLimits::default(),
            routes: SharedRoutes::new(),
            transcript: None,
            party: "harness".to_string(),
        }
    }

    /// Use these bounds.
    pub fn with_limits(mut self, limits: ClientLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Resolve `https://name` addresses through this table.
    pub fn with_routes(mut self, routes: impl Into<SharedRoutes>) -> Self {
        self.routes = routes.into();
        self
    }

    /// Record every exchange here.
    pub fn with_transcript(mut self, transcript: Transcript) -> Self {
        self.transcript = Some(transcript);
        self
    }

    /// The party name recorded as sender, such as `"harness agent"`.
    pub fn as_party(mut self, party: impl Into<String>) -> Self {
        self.party = party.into();
        self
    }

    /// The bounds in force.
    pub fn limits(&self) -> &ClientLimits {
        &self.limits
    }

    /// The routing table this client resolves `https://` names with.
    pub fn routes(&self) -> &SharedRoutes {
        &self.routes
    }

    /// Understand an address: `http://127.0.0.1:PORT` (IP literal or `localhost`, loopback
    /// only) or `https://name` present in the routing table. A trailing `/` is allowed.
    pub fn resolve(&self, address: &str) -> Result<Destination, TransportError> {
        let trimmed = address.strip_suffix('/').unwrap_or(address);
        if let Some(rest) = trimmed.strip_prefix("http://") {
            let socket = loopback_socket(address, rest)?;
            return Ok(Destination {
                socket,
                party: address.to_string(),
            });
        }
        if let Some(rest) = trimmed.strip_prefix("https://") {
            let host = rest.strip_suffix(":443").unwrap_or(rest);
            return match self.routes.lookup(host) {
                Some(socket) if socket.ip().is_loopback() => Ok(Destination {
                    socket,
                    party: host.to_ascii_lowercase(),
                }),
                Some(_) => Err(TransportError::NotLoopback {
                    address: address.to_string(),
                }),
                None => Err(TransportError::Unrouted {
                    identifier: address.to_string(),
                }),
            };
        }
        Err(TransportError::BadAddress {
            address: address.to_string(),
            reason: "expected http://127.0.0.1:PORT or https://name.harness.test".to_string(),
        })
    }

    /// Send `request` to `address` (see [`HttpClient::resolve`]) and return the response.
    pub async fn send(&self, address: &str, request: &Request) -> Result<Response, TransportError> {
        self.send_to_party(None, address, request).await
    }

    /// Like [`HttpClient::send`], recording the receiver as `party` (such as
    /// `"resource under test"`).
    pub async fn send_to(
        &self,
        party: &str,
        address: &str,
        request: &Request,
    ) -> Result<Response, TransportError> {
        self.send_to_party(Some(party), address, request).await
    }

    /// Send to where the request itself points: `{scheme}://{authority}`. For requests to
    /// names the harness hosts.
    pub async fn send_routed(&self, request: &Request) -> Result<Response, TransportError> {
        let address = format!("{}://{}", request.scheme, request.authority);
        self.send_to_party(None, &address, request).await
    }

    /// GET a URL such as `https://ap.harness.test/.well-known/aauth-agent.json`.
    pub async fn get(&self, url: &str) -> Result<Response, TransportError> {
        let (address, request) = request_for_url("GET", url)?;
        self.send_to_party(None, &address, &request).await
    }

    async fn send_to_party(
        &self,
        party: Option<&str>,
        address: &str,
        request: &Request,
    ) -> Result<Response, TransportError> {
        let started = Instant::now();
        let wire = effective_request(request);
        let resolved = self.resolve(address);
        let to = match (&resolved, party) {
            (_, Some(p)) => p.to_string(),
            (Ok(d), None) => d.party.clone(),
            (Err(_), None) => address.to_string(),
        };
        let result = match resolved {
            Ok(dest) => exchange(&self.limits, dest.socket, &wire, started).await,
            Err(e) => Err(e),
        };
        if let Some(t) = &self.transcript {
            t.record(ExchangeRecord {
                from: &self.party,
                to: &to,
                request: &wire,
                result: result.as_ref().map_err(ToString::to_string),
                elapsed: started.elapsed(),
                note: None,
            });
        }
        result
    }
}

/// Split a URL into the address to send to and a GET-style request for it. Accepts
/// `http://IP:PORT/...` and `https://name/...`.
pub fn request_for_url(method: &str, url: &str) -> Result<(String, Request), TransportError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| TransportError::BadAddress {
            address: url.to_string(),
            reason: "no scheme".to_string(),
        })?;
    if scheme != "http" && scheme != "https" {
        return Err(TransportError::BadAddress {
            address: url.to_string(),
            reason: format!("scheme {scheme:?} is not http or https"),
        });
    }
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(split);
    if authority.is_empty() {
        return Err(TransportError::BadAddress {
            address: url.to_string(),
            reason: "no host".to_string(),
        });
    }
    let target = target.split('#').next().unwrap_or("");
    let target = if target.starts_with('?') {
        format!("/{target}")
    } else {
        target.to_string()
    };
    let address = format!("{scheme}://{authority}");
    Ok((address, Request::new(method, scheme, authority, &target)))
}

fn loopback_socket(address: &str, rest: &str) -> Result<SocketAddr, TransportError> {
    let bad = |reason: &str| TransportError::BadAddress {
        address: address.to_string(),
        reason: reason.to_string(),
    };
    if rest.contains(['/', '?', '#', '@']) {
        return Err(bad("must be an origin without path, query or userinfo"));
    }
    let (host, port) = if rest.starts_with('[') {
        match rest.split_once(']') {
            Some((h, p)) => (h.trim_start_matches('['), p.strip_prefix(':')),
            None => return Err(bad("unclosed IPv6 literal")),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    let port: u16 = match port {
        Some(p) => p.parse().map_err(|_| bad("port is not a number"))?,
        None => 80,
    };
    let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::from([127, 0, 0, 1])
    } else {
        host.parse().map_err(|_| TransportError::NotLoopback {
            address: address.to_string(),
        })?
    };
    if !ip.is_loopback() {
        return Err(TransportError::NotLoopback {
            address: address.to_string(),
        });
    }
    Ok(SocketAddr::new(ip, port))
}

/// The request with the `Host` and `Content-Length` lines the client adds when missing.
fn effective_request(request: &Request) -> Request {
    let mut wire = request.clone();
    if !wire.has_header("host") {
        wire.headers
            .insert(0, ("Host".to_string(), wire.authority.clone()));
    }
    if !wire.body.is_empty()
        && !wire.has_header("content-length")
        && !wire.has_header("transfer-encoding")
    {
        let len = wire.body.len().to_string();
        wire.append_header("Content-Length", len);
    }
    wire
}

fn is_token_free_of_space(s: &str) -> bool {
    !s.is_empty() && !s.bytes().any(|b| b <= b' ' || b == 0x7f)
}

/// The request serialised byte for byte.
fn encode(request: &Request) -> Result<Vec<u8>, TransportError> {
    let invalid = |reason: String| TransportError::InvalidRequest { reason };
    if !is_token_free_of_space(&request.method) {
        return Err(invalid(format!("method {:?}", request.method)));
    }
    let target = request.target();
    if !is_token_free_of_space(&target) {
        return Err(invalid(format!("request target {target:?}")));
    }
    let mut out = Vec::with_capacity(256 + request.body.len());
    out.extend_from_slice(request.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &request.headers {
        if !is_token_free_of_space(name) || name.contains(':') {
            return Err(invalid(format!("field name {name:?}")));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(invalid(format!(
                "field {name} has CR, LF or NUL in its value"
            )));
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&request.body);
    Ok(out)
}

async fn exchange(
    limits: &ClientLimits,
    socket: SocketAddr,
    request: &Request,
    started: Instant,
) -> Result<Response, TransportError> {
    // The resolver already refuses anything else; this is the last line of defence.
    if !socket.ip().is_loopback() {
        return Err(TransportError::NotLoopback {
            address: socket.to_string(),
        });
    }
    let bytes = encode(request)?;
    let deadline = tokio::time::Instant::from_std(started + limits.total_timeout);
    let connect_deadline = deadline.min(tokio::time::Instant::from_std(
        started + limits.connect_timeout,
    ));
    let timeout = |phase| TransportError::Timeout {
        phase,
        after: started.elapsed(),
    };

    let stream = timeout_at(connect_deadline, TcpStream::connect(socket))
        .await
        .map_err(|_| timeout(Phase::Connect))?
        .map_err(|e| TransportError::Connect {
            address: socket,
            detail: e.to_string(),
        })?;
    let _ = stream.set_nodelay(true);
    let mut conn = Connection {
        stream,
        buf: BytesMut::with_capacity(8 * 1024),
        limits: *limits,
    };

    timeout_at(deadline, conn.write_all(&bytes))
        .await
        .map_err(|_| timeout(Phase::Send))??;

    let (status, headers) = timeout_at(deadline, conn.read_final_head())
        .await
        .map_err(|_| timeout(Phase::ResponseHead))??;

    let framing = framing(&request.method, status, &headers)?;
    let body = timeout_at(deadline, conn.read_body(framing))
        .await
        .map_err(|_| timeout(Phase::ResponseBody))??;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// How the response body is delimited (RFC 9112 section 6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

fn framing(
    method: &str,
    status: u16,
    headers: &[(String, String)],
) -> Result<Framing, TransportError> {
    if method.eq_ignore_ascii_case("HEAD") || status == 204 || status == 304 {
        return Ok(Framing::Empty);
    }
    let te: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if let Some(last) = te.last() {
        return Ok(if last.eq_ignore_ascii_case("chunked") {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let mut length: Option<u64> = None;
    for (_, value) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        for v in value.split(',').map(str::trim) {
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) || v.len() > 19 {
                return Err(TransportError::Protocol {
                    detail: format!("Content-Length {value:?} is not a number"),
                });
            }
            let n: u64 = v.parse().map_err(|_| TransportError::Protocol {
                detail: format!("Content-Length {value:?} is not a number"),
            })?;
            if length.is_some_and(|l| l != n) {
                return Err(TransportError::Protocol {
                    detail: "conflicting Content-Length values".to_string(),
                });
            }
            length = Some(n);
        }
    }
    Ok(match length {
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

struct Connection {
    stream: TcpStream,
    buf: BytesMut,
    limits: ClientLimits,
}

fn io_error(e: std::io::Error, doing: &str) -> TransportError {
    use std::io::ErrorKind::*;
    match e.kind() {
        BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof => {
            TransportError::Closed {
                detail: format!("{doing}: {e}"),
            }
        }
        _ => TransportError::Io {
            detail: format!("{doing}: {e}"),
        },
    }
}

impl Connection {
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| io_error(e, "sending the request"))?;
        self.stream
            .flush()
            .await
            .map_err(|e| io_error(e, "sending the request"))
    }

    /// Read more bytes into the buffer; false at end of stream.
    async fn fill(&mut self, doing: &str) -> Result<bool, TransportError> {
        self.buf.reserve(8 * 1024);
        let n = self
            .stream
            .read_buf(&mut self.buf)
            .await
            .map_err(|e| io_error(e, doing))?;
        Ok(n > 0)
    }

    /// The status and fields of the final (non-1xx) response.
    async fn read_final_head(&mut self) -> Result<(u16, Vec<(String, String)>), TransportError> {
        // A peer could send interim responses forever; a few are plenty.
        for _ in 0..8 {
            let (status, headers) = self.read_head().await?;
            if status == 101 {
                return Err(TransportError::Protocol {
                    detail: "101 Switching Protocols to a request that asked for no upgrade"
                        .to_string(),
                });
            }
            if !(100..200).contains(&status) {
                return Ok((status, headers));
            }
        }
        Err(TransportError::Protocol {
            detail: "more than 8 interim (1xx) responses".to_string(),
        })
    }

    async fn read_head(&mut self) -> Result<(u16, Vec<(String, String)>), TransportError> {
        let max = self.limits.max_header_bytes;
        loop {
            let mut slots = vec![httparse::EMPTY_HEADER; self.limits.max_headers];
            let mut parsed = httparse::Response::new(&mut slots);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = parsed.code.unwrap_or(0);
                    if !(100..=999).contains(&status) {
                        return Err(TransportError::Protocol {
                            detail: format!("status code {status} out of range"),
                        });
                    }
                    let headers = parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).trim().to_string(),
                            )
                        })
                        .collect();
                    self.buf.advance(len);
                    return Ok((status, headers));
                }
                Ok(httparse::Status::Partial) => {
                    if self.buf.len() > max {
                        return Err(TransportError::TooLarge {
                            part: Part::Head,
                            limit: max,
                        });
                    }
                }
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(TransportError::TooLarge {
                        part: Part::Head,
                        limit: self.limits.max_headers,
                    })
                }
                Err(e) => {
                    let shown =
                        String::from_utf8_lossy(&self.buf[..self.buf.len().min(64)]).into_owned();
                    return Err(TransportError::Protocol {
                        detail: format!("{e} in response head starting {shown:?}"),
                    });
                }
            }
            if !self.fill("reading the response head").await? {
                return Err(TransportError::Closed {
                    detail: if self.buf.is_empty() {
                        "no response before the connection closed".to_string()
                    } else {
                        "connection closed inside the response head".to_string()
                    },
                });
            }
        }
    }

    async fn read_body(&mut self, framing: Framing) -> Result<Bytes, TransportError> {
        let max = self.limits.max_body_bytes;
        let too_large = TransportError::TooLarge {
            part: Part::Body,
            limit: max,
        };
        match framing {
            Framing::Empty => Ok(Bytes::new()),
            Framing::Length(n) => {
                let n = usize::try_from(n).map_err(|_| too_large.clone())?;
                if n > max {
                    return Err(too_large);
                }
                self.read_exact(n).await
            }
            Framing::UntilClose => {
                while self.fill("reading a body delimited by close").await? {
                    if self.buf.len() > max {
                        return Err(too_large);
                    }
                }
                if self.buf.len() > max {
                    return Err(too_large);
                }
                Ok(self.buf.split().freeze())
            }
            Framing::Chunked => self.read_chunked().await,
        }
    }

    async fn read_exact(&mut self, n: usize) -> Result<Bytes, TransportError> {
        while self.buf.len() < n {
            if !self.fill("reading the response body").await? {
                return Err(TransportError::Closed {
                    detail: format!("body ended after {} of {n} bytes", self.buf.len()),
                });
            }
        }
        Ok(self.buf.split_to(n).freeze())
    }

    /// One line without its CRLF (or bare LF), bounded by `max` bytes.
    async fn read_line(&mut self, max: usize, doing: &str) -> Result<Bytes, TransportError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line = self.buf.split_to(pos + 1);
                line.truncate(pos);
                if line.last() == Some(&b'\r') {
                    line.truncate(pos - 1);
                }
                return Ok(line.freeze());
            }
            if self.buf.len() > max {
                return Err(TransportError::Protocol {
                    detail: format!("line longer than {max} bytes while {doing}"),
                });
            }
            if !self.fill(doing).await? {
                return Err(TransportError::Closed {
                    detail: format!("connection closed while {doing}"),
                });
            }
        }
    }

    async fn read_chunked(&mut self) -> Result<Bytes, TransportError> {
        let max = self.limits.max_body_bytes;
        let mut body = BytesMut::new();
        loop {
            let line = self.read_line(4096, "reading a chunk size").await?;
            let text = String::from_utf8_lossy(&line);
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = if !size_text.is_empty()
                && size_text.len() <= 16
                && size_text.bytes().all(|b| b.is_ascii_hexdigit())
            {
                u64::from_str_radix(size_text, 16).ok()
            } else {
                None
            };
            let Some(size) = size else {
                return Err(TransportError::Protocol {
                    detail: format!("chunk size line {text:?} after {} body bytes", body.len()),
                });
            };
            if size == 0 {
                let mut trailer_bytes = 0usize;
                loop {
                    let line = self
                        .read_line(self.limits.max_header_bytes, "reading chunked trailers")
                        .await?;
                    if line.is_empty() {
                        return Ok(body.freeze());
                    }
                    trailer_bytes += line.len();
                    if trailer_bytes > self.limits.max_header_bytes {
                        return Err(TransportError::TooLarge {
                            part: Part::Head,
                            limit: self.limits.max_header_bytes,
                        });
                    }
                }
            }
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if size > max.saturating_sub(body.len()) {
                return Err(TransportError::TooLarge {
                    part: Part::Body,
                    limit: max,
                });
            }
            let chunk = self.read_exact(size).await?;
            body.extend_from_slice(&chunk);
            let end = self.read_line(2, "reading the end of a chunk").await?;
            if !end.is_empty() {
                return Err(TransportError::Protocol {
                    detail: "chunk data longer than its declared size".to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_added_first_only_when_missing() {
        let r = Request::new("GET", "https", "ap.harness.test", "/x");
        let w = effective_request(&r);
        assert_eq!(w.headers[0], ("Host".into(), "ap.harness.test".into()));
        let r = r.with_header("x-a", "1").with_header("HOST", "elsewhere");
        let w = effective_request(&r);
        assert_eq!(w.header_all("host").collect::<Vec<_>>(), ["elsewhere"]);
    }

    #[test]
    fn addresses_outside_loopback_are_refused_before_connecting() {
        let c = HttpClient::new();
        for a in [
            "http://10.0.0.1:80",
            "http://example.com",
            "http://[2001:db8::1]:80",
        ] {
            assert!(
                matches!(c.resolve(a), Err(TransportError::NotLoopback { .. })),
                "{a}"
            );
        }
        assert!(matches!(
            c.resolve("https://ap.harness.test"),
            Err(TransportError::Unrouted { .. })
        ));
        assert_eq!(
            c.resolve("http://[::1]:8080/").map(|d| d.socket.port()),
            Ok(8080)
        );
    }

    #[test]
    fn urls_split_into_address_and_request() {
        let (a, r) =
            request_for_url("GET", "https://ap.harness.test/.well-known/x?y=1").expect("url");
        assert_eq!(a, "https://ap.harness.test");
        assert_eq!(r.path, "/.well-known/x");
        assert_eq!(r.query.as_deref(), Some("y=1"));
        let (_, r) = request_for_url("GET", "http://127.0.0.1:9").expect("url");
        assert_eq!(r.path, "/");
    }

    #[test]
    fn fields_with_line_breaks_cannot_be_sent() {
        let r = Request::new("GET", "http", "a", "/").with_header("x", "a\r\nb: c");
        assert!(matches!(
            encode(&r),
            Err(TransportError::InvalidRequest { .. })
        ));
    }
}
