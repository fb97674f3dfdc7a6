//! Issuer hosting: the harness's own agent providers, resources, PSes and ASes under
//! `https://<name>.harness.test`, a local CA, TLS listeners, the routing table handed to
//! launched targets, and an HTTPS CONNECT proxy for targets that cannot be configured.
//!
//! Start one [`IssuerHost`] per run, [`IssuerHost::serve`] each name with a [`Handler`], hand a
//! launched target [`IssuerHost::launch_context`], and reach the names yourself with
//! [`IssuerHost::client`]. Everything listens on 127.0.0.1 only and stops when the host is
//! dropped.

pub mod ca;
pub mod issuers;
pub mod proxy;
pub mod routes;
pub mod server;

pub use issuers::{HostConfig, HostError, IssuerHost};
pub use routes::{Routes, SharedRoutes};
pub use server::{BoxFuture, Handler, ServerLimits, SharedHandler};
