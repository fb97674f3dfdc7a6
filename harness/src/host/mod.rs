//! Issuer hosting: the harness's own agent providers, resources, PSes and ASes under
//! `https://<name>.harness.test`, a local CA, TLS listeners, the routing table handed to
//! launched targets, and an HTTPS CONNECT proxy for targets that cannot be configured.
