//! Adapters to the implementation under test: the outbound HTTP client that reaches it
//! ([`client`]) and the launcher that starts, watches and stops it ([`launch`]).
//!
//! Both treat the target as a stranger: loopback only, every step under a deadline and a
//! size bound, and every failure a typed error rather than a hang or a panic.

pub mod client;
pub mod launch;
