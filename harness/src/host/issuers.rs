//! [`IssuerHost`]: the parties the harness plays under `https://<name>.harness.test`.
//!
//! Each hosted name gets a [`Handler`] (a reference role or a case's deliberately broken
//! issuer), its own plain-HTTP listener on 127.0.0.1 (the routing-table entry), and a place on
//! the one shared TLS listener (reached through the CONNECT proxy, with a certificate from the
//! run's [`LocalCa`]). Handlers can be swapped while running, so one host serves a whole run
//! while cases change a name's metadata or keys between them.
//!
//! Every request is counted per name and path before its handler runs (cases assert things
//! like "the verifier fetched the JWKS exactly once") and recorded in the transcript after, as
//! sent by the configured peer party to the hosted name.
//!
//! Lifetime: the host needs a tokio runtime to start; dropping it (or awaiting
//! [`IssuerHost::shutdown`]) aborts every listener and connection and deletes the CA file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::ca::{CaError, CaFile, LocalCa};
use super::proxy::{self, ProxyContext, ProxyLimits};
use super::routes::{harness_name, Routes, RoutesError, SharedRoutes};
use super::server::{
    self, Arrival, BodyProblem, Dispatch, Handler, ServerLimits, SharedHandler, SniNamer,
};
use crate::message::Response;
use crate::target::client::HttpClient;
use crate::target::launch::LaunchContext;
use crate::transcript::{ExchangeRecord, Transcript};

/// Why the host could not start or change. Always the harness's own problem.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// No tokio runtime is running on this thread.
    #[error("the issuer host must be started inside a tokio runtime")]
    NoRuntime,
    /// A loopback listener could not be opened.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
    /// The CA could not be made or written.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// rustls refused the server configuration.
    #[error("TLS configuration refused: {0}")]
    Tls(#[from] rustls::Error),
    /// The name is not a valid name under `harness.test`.
    #[error(transparent)]
    Name(#[from] RoutesError),
    /// The name is not hosted.
    #[error("{0} is not hosted")]
    UnknownName(String),
}

/// How the host behaves.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Where requests to hosted names are recorded.
    pub transcript: Transcript,
    /// Who the transcript says sent them, normally the implementation under test.
    pub peer_party: String,
    /// Bounds per connection.
    pub limits: ServerLimits,
    /// Bounds on the CONNECT proxy.
    pub proxy_limits: ProxyLimits,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            transcript: Transcript::new(),
            peer_party: "implementation under test".to_string(),
            limits: ServerLimits::default(),
            proxy_limits: ProxyLimits::default(),
        }
    }
}

/// A task that is aborted when this guard goes away.
#[derive(Debug)]
struct TaskGuard(Option<JoinHandle<()>>);

impl TaskGuard {
    async fn stop(mut self) {
        if let Some(handle) = self.0.take() {
            handle.abort();
            let _ = handle.await;
        }
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            handle.abort();
        }
    }
}

struct Party {
    socket: SocketAddr,
    handler: RwLock<SharedHandler>,
    hits: Mutex<BTreeMap<String, u64>>,
}

struct Shared {
    ca: LocalCa,
    parties: RwLock<BTreeMap<String, Arc<Party>>>,
    routes: SharedRoutes,
    transcript: Transcript,
    peer_party: Arc<str>,
}

impl Shared {
    fn party(&self, name: &str) -> Option<Arc<Party>> {
        self.parties
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    async fn answer(&self, arrival: Arrival) -> Response {
        let started = Instant::now();
        let party = self.party(&arrival.name);
        let (response, note) = match (party, &arrival.problem) {
            (_, Some(problem)) => {
                let status = match problem {
                    BodyProblem::TooLarge(_) => 413,
                    BodyProblem::TimedOut(_) => 408,
                    BodyProblem::Unreadable(_) => 400,
                };
                (
                    Response::new(status).with_body(problem.to_string()),
                    Some(format!("refused by the host: {problem}")),
                )
            }
            (None, None) => (
                Response::new(404).with_body("name no longer hosted"),
                Some("name no longer hosted".to_string()),
            ),
            (Some(party), None) => {
                {
                    let mut hits = party.hits.lock().unwrap_or_else(|e| e.into_inner());
                    *hits.entry(arrival.request.path.clone()).or_insert(0) += 1;
                }
                let handler = party
                    .handler
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                (handler.handle(arrival.request.clone()).await, None)
            }
        };
        self.transcript.record(ExchangeRecord {
            from: &self.peer_party,
            to: &arrival.name,
            request: &arrival.request,
            result: Ok(&response),
            elapsed: started.elapsed(),
            note,
        });
        response
    }
}

/// Mints certificates only for names currently hosted, so a TLS client asking for anything
/// else fails its handshake.
struct HostedCertResolver(Arc<Shared>);

impl std::fmt::Debug for HostedCertResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostedCertResolver")
    }
}

impl ResolvesServerCert for HostedCertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        self.0.party(&name)?;
        self.0.ca.leaf(&name).ok()
    }
}

/// The harness's hosted issuers, their listeners, the TLS listener, the CONNECT proxy and
/// the CA. Dropping it stops all of them.
pub struct IssuerHost {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    dispatch: Dispatch,
    limits: ServerLimits,
    ca_file: CaFile,
    tls_addr: SocketAddr,
    proxy_addr: SocketAddr,
    listeners: Mutex<BTreeMap<String, TaskGuard>>,
    fixed: Vec<TaskGuard>,
}

impl std::fmt::Debug for IssuerHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerHost")
            .field("routes", &self.routes().to_string())
            .field("tls_addr", &self.tls_addr)
            .field("proxy_addr", &self.proxy_addr)
            .field("ca_file", &self.ca_file.path())
            .finish_non_exhaustive()
    }
}

impl IssuerHost {
    /// Start the TLS listener and the proxy, with no names hosted yet.
    pub async fn start(config: HostConfig) -> Result<IssuerHost, HostError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| HostError::NoRuntime)?;
        let ca = LocalCa::generate()?;
        let ca_file = ca.write_file()?;
        let shared = Arc::new(Shared {
            ca,
            parties: RwLock::default(),
            routes: SharedRoutes::new(),
            transcript: config.transcript,
            peer_party: Arc::from(config.peer_party.as_str()),
        });
        let dispatch: Dispatch = {
            let shared = shared.clone();
            Arc::new(move |arrival| {
                let shared = shared.clone();
                Box::pin(async move { shared.answer(arrival).await })
            })
        };

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(HostedCertResolver(shared.clone())));
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let namer: SniNamer = {
            let shared = shared.clone();
            Arc::new(move |sni: Option<&str>| {
                let name = sni?.to_ascii_lowercase();
                shared.party(&name)?;
                Some(Arc::from(name.as_str()))
            })
        };
        let (tls_listener, tls_addr) = server::bind_loopback()?;
        let tls_task = runtime.spawn(server::serve_tls(
            tls_listener,
            acceptor,
            namer,
            dispatch.clone(),
            config.limits,
        ));

        let (proxy_listener, proxy_addr) = server::bind_loopback()?;
        let hosted: proxy::NameFilter = {
            let shared = shared.clone();
            Arc::new(move |name: &str| shared.party(name).is_some())
        };
        let proxy_task = runtime.spawn(proxy::serve_proxy(
            proxy_listener,
            ProxyContext {
                tls_addr,
                hosted,
                transcript: shared.transcript.clone(),
                peer_party: shared.peer_party.clone(),
                limits: config.proxy_limits,
            },
        ));

        Ok(IssuerHost {
            shared,
            runtime,
            dispatch,
            limits: config.limits,
            ca_file,
            tls_addr,
            proxy_addr,
            listeners: Mutex::default(),
            fixed: vec![TaskGuard(Some(tls_task)), TaskGuard(Some(proxy_task))],
        })
    }

    /// Host `name` (`"ap"`, `"ap.harness.test"` or `"https://ap.harness.test"`) with
    /// `handler`, or swap the handler if the name is already hosted (its port stays).
    /// Returns the identifier, e.g. `https://ap.harness.test`.
    pub fn serve(&self, name: &str, handler: impl Handler) -> Result<String, HostError> {
        let name = harness_name(name)?;
        let handler: SharedHandler = Arc::new(handler);
        if let Some(party) = self.shared.party(&name) {
            *party.handler.write().unwrap_or_else(|e| e.into_inner()) = handler;
            return Ok(identifier(&name));
        }
        let _enter = self.runtime.enter();
        let (listener, socket) = server::bind_loopback()?;
        let party = Arc::new(Party {
            socket,
            handler: RwLock::new(handler),
            hits: Mutex::default(),
        });
        self.shared
            .parties
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.clone(), party);
        self.shared.routes.insert(&name, socket)?;
        let task = self.runtime.spawn(server::serve_plain(
            listener,
            Arc::from(name.as_str()),
            self.dispatch.clone(),
            self.limits,
        ));
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.clone(), TaskGuard(Some(task)));
        Ok(identifier(&name))
    }

    /// Swap the handler of a name that is already hosted.
    pub fn replace(&self, name: &str, handler: impl Handler) -> Result<(), HostError> {
        let name = harness_name(name)?;
        let party = self
            .shared
            .party(&name)
            .ok_or(HostError::UnknownName(name))?;
        *party.handler.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(handler);
        Ok(())
    }

    /// Stop hosting a name: its listener closes, its route and TLS certificate go away.
    /// Returns false when it was not hosted.
    pub fn unserve(&self, name: &str) -> bool {
        let Ok(name) = harness_name(name) else {
            return false;
        };
        let removed = self
            .shared
            .parties
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name)
            .is_some();
        self.shared.routes.remove(&name);
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&name);
        removed
    }

    /// Identifiers of every hosted name, sorted.
    pub fn identifiers(&self) -> Vec<String> {
        self.shared
            .parties
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .map(|n| identifier(n))
            .collect()
    }

    /// The plain listener standing in for a hosted name.
    pub fn address_of(&self, name: &str) -> Option<SocketAddr> {
        let name = harness_name(name).ok()?;
        self.shared.party(&name).map(|p| p.socket)
    }

    /// The routing table as it is now (for `AAUTH_HARNESS_ROUTES`).
    pub fn routes(&self) -> Routes {
        self.shared.routes.snapshot()
    }

    /// The live routing table, which follows later [`IssuerHost::serve`] calls.
    pub fn shared_routes(&self) -> SharedRoutes {
        self.shared.routes.clone()
    }

    /// A client that reaches hosted names through the live routing table. It records
    /// nothing itself: the hosted side already records every request it receives, so adding
    /// [`HttpClient::with_transcript`] here would log each exchange twice. Add it when the
    /// client will also talk to the implementation under test.
    pub fn client(&self) -> HttpClient {
        HttpClient::new().with_routes(self.shared.routes.clone())
    }

    /// The transcript requests are recorded in.
    pub fn transcript(&self) -> &Transcript {
        &self.shared.transcript
    }

    /// The CA certificate in PEM.
    pub fn ca_pem(&self) -> String {
        self.shared.ca.pem()
    }

    /// The CA certificate in DER, for a rustls root store.
    pub fn ca_der(&self) -> rustls::pki_types::CertificateDer<'static> {
        self.shared.ca.der()
    }

    /// Path of the CA PEM file handed to targets.
    pub fn ca_file(&self) -> &Path {
        self.ca_file.path()
    }

    /// The TLS listener serving every hosted name.
    pub fn tls_addr(&self) -> SocketAddr {
        self.tls_addr
    }

    /// The CONNECT proxy.
    pub fn proxy_addr(&self) -> SocketAddr {
        self.proxy_addr
    }

    /// The CONNECT proxy as a URL for `HTTPS_PROXY`.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.proxy_addr)
    }

    /// Requests `name` received for `path` (query ignored) since the last reset.
    pub fn hits(&self, name: &str, path: &str) -> u64 {
        self.hits_by_path(name).get(path).copied().unwrap_or(0)
    }

    /// Requests `name` received, per path, since the last reset.
    pub fn hits_by_path(&self, name: &str) -> BTreeMap<String, u64> {
        let Ok(name) = harness_name(name) else {
            return BTreeMap::new();
        };
        self.shared
            .party(&name)
            .map(|p| p.hits.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }

    /// Zero every counter (between cases).
    pub fn reset_hits(&self) {
        for party in self
            .shared
            .parties
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            party.hits.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }

    /// What a launched target needs to reach the hosted names: routes and CA always, the
    /// proxy when `use_proxy`.
    pub fn launch_context(&self, use_proxy: bool) -> LaunchContext {
        LaunchContext {
            routes: self.routes(),
            ca_file: self.ca_file.path().to_path_buf(),
            proxy: use_proxy.then_some(self.proxy_addr),
        }
    }

    /// Stop everything and wait until the listeners are closed.
    pub async fn shutdown(self) {
        let listeners =
            std::mem::take(&mut *self.listeners.lock().unwrap_or_else(|e| e.into_inner()));
        for (_, task) in listeners {
            task.stop().await;
        }
        let IssuerHost { fixed, .. } = self;
        for task in fixed {
            task.stop().await;
        }
    }
}

fn identifier(name: &str) -> String {
    format!("https://{name}")
}
