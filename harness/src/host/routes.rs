//! The routing table: which loopback listener stands in for which `https://` identifier.
//!
//! AAuth identifiers are `https://` with a lowercase host and no port or path, so the issuers
//! the harness hosts need names like `https://ap.harness.test`. A target that can be told
//! about an outbound mapping receives the table in `AAUTH_HARNESS_ROUTES`:
//!
//! ```text
//! https://ap.harness.test=http://127.0.0.1:41234,https://ps.harness.test=http://127.0.0.1:41235
//! ```
//!
//! Entries are separated by `,`; each is `identifier=origin`. The identifier is checked the
//! way strict implementations check issuer identifiers; the origin must be plain `http` to a
//! loopback IP literal with an explicit port. The serialized form is exactly what
//! [`Routes::parse`] accepts, in insertion order, so launchers can split it with two string
//! splits. The harness's own client reads the same table through [`SharedRoutes`], which the
//! host updates as it adds names.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, RwLock};

/// The domain every name the harness hosts lives under. The local CA may only sign below it.
pub const HARNESS_DOMAIN: &str = "harness.test";

/// Why a routing table, identifier or origin was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoutesError {
    /// An identifier is not `https://` plus a valid lowercase host without port or path.
    #[error("entry {entry}: identifier {text:?} is not https://lowercase-host: {reason}")]
    BadIdentifier {
        /// Position of the entry, from 0 (0 when checking a single value).
        entry: usize,
        /// The offending text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An origin is not `http://` to a loopback IP with a port.
    #[error("entry {entry}: origin {text:?} is not http://loopback-ip:port: {reason}")]
    BadOrigin {
        /// Position of the entry, from 0 (0 when checking a single value).
        entry: usize,
        /// The offending text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An entry has no `=` between identifier and origin.
    #[error("entry {entry}: {text:?} has no '=' between identifier and origin")]
    MissingSeparator {
        /// Position of the entry, from 0.
        entry: usize,
        /// The offending text.
        text: String,
    },
    /// The same identifier appears twice.
    #[error("entry {entry}: identifier {identifier} appears twice")]
    Duplicate {
        /// Position of the second occurrence, from 0.
        entry: usize,
        /// The repeated identifier.
        identifier: String,
    },
    /// A name to host is not below [`HARNESS_DOMAIN`].
    #[error("{name:?} is not a name under .{HARNESS_DOMAIN}")]
    NotHarnessName {
        /// The offending name.
        name: String,
    },
}

/// An ordered mapping from identifier host to the loopback listener that serves it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routes {
    entries: Vec<(String, SocketAddr)>,
}

impl Routes {
    /// An empty table.
    pub fn new() -> Self {
        Routes::default()
    }

    /// Map `identifier` (`https://host`, or a bare host) to `origin`. Replaces an existing
    /// mapping for the same host. Refuses non-loopback origins.
    pub fn insert(&mut self, identifier: &str, origin: SocketAddr) -> Result<(), RoutesError> {
        let host = identifier_host(identifier, 0)?;
        check_loopback(&origin, 0)?;
        match self.entries.iter_mut().find(|(h, _)| *h == host) {
            Some(entry) => entry.1 = origin,
            None => self.entries.push((host, origin)),
        }
        Ok(())
    }

    /// Remove the mapping for `identifier` (or bare host); true when there was one.
    pub fn remove(&mut self, identifier: &str) -> bool {
        let host = strip_scheme(identifier);
        let before = self.entries.len();
        self.entries.retain(|(h, _)| h != host);
        self.entries.len() != before
    }

    /// The listener for `identifier` (`https://host`, or a bare host; a `:443` port is
    /// tolerated because that is what `https` means).
    pub fn lookup(&self, identifier: &str) -> Option<SocketAddr> {
        let host = strip_scheme(identifier);
        let host = host.strip_suffix(":443").unwrap_or(host);
        self.entries
            .iter()
            .find(|(h, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, a)| *a)
    }

    /// Hosts and listeners in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SocketAddr)> {
        self.entries.iter().map(|(h, a)| (h.as_str(), *a))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parse the `AAUTH_HARNESS_ROUTES` form. The empty string is the empty table.
    pub fn parse(text: &str) -> Result<Routes, RoutesError> {
        let mut routes = Routes::new();
        if text.trim().is_empty() {
            return Ok(routes);
        }
        for (entry, part) in text.split(',').enumerate() {
            let part = part.trim();
            let Some((identifier, origin)) = part.split_once('=') else {
                return Err(RoutesError::MissingSeparator {
                    entry,
                    text: part.to_string(),
                });
            };
            if !identifier.starts_with("https://") {
                return Err(RoutesError::BadIdentifier {
                    entry,
                    text: identifier.to_string(),
                    reason: "must start with https://",
                });
            }
            let host = identifier_host(identifier, entry)?;
            let addr = loopback_origin(origin).map_err(|e| match e {
                RoutesError::BadOrigin { text, reason, .. } => RoutesError::BadOrigin {
                    entry,
                    text,
                    reason,
                },
                other => other,
            })?;
            if routes.entries.iter().any(|(h, _)| *h == host) {
                return Err(RoutesError::Duplicate {
                    entry,
                    identifier: identifier.to_string(),
                });
            }
            routes.entries.push((host, addr));
        }
        Ok(routes)
    }
}

impl FromStr for Routes {
    type Err = RoutesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Routes::parse(s)
    }
}

/// The `AAUTH_HARNESS_ROUTES` form, accepted back by [`Routes::parse`].
impl fmt::Display for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (host, addr)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "https://{host}=http://{addr}")?;
        }
        Ok(())
    }
}

/// A routing table shared between the host (which adds names) and clients (which read it),
/// so a client made early still reaches names hosted later. Clones share one table.
#[derive(Clone, Debug, Default)]
pub struct SharedRoutes(Arc<RwLock<Routes>>);

impl SharedRoutes {
    /// A shared empty table.
    pub fn new() -> Self {
        SharedRoutes::default()
    }

    /// A copy of the table as it is now (for handing to a target).
    pub fn snapshot(&self) -> Routes {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// See [`Routes::lookup`].
    pub fn lookup(&self, identifier: &str) -> Option<SocketAddr> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .lookup(identifier)
    }

    /// See [`Routes::insert`].
    pub fn insert(&self, identifier: &str, origin: SocketAddr) -> Result<(), RoutesError> {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(identifier, origin)
    }

    /// See [`Routes::remove`].
    pub fn remove(&self, identifier: &str) -> bool {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(identifier)
    }
}

impl From<Routes> for SharedRoutes {
    fn from(routes: Routes) -> Self {
        SharedRoutes(Arc::new(RwLock::new(routes)))
    }
}

fn strip_scheme(identifier: &str) -> &str {
    identifier.strip_prefix("https://").unwrap_or(identifier)
}

/// The host of an `https://host` identifier (or of a bare host), checked: lowercase
/// letters, digits, `-` and `.`, labels of 1 to 63 characters not starting or ending in `-`,
/// at most 253 characters, no port, path, query or userinfo.
pub fn identifier_host(identifier: &str, entry: usize) -> Result<String, RoutesError> {
    let bad = |reason| RoutesError::BadIdentifier {
        entry,
        text: identifier.to_string(),
        reason,
    };
    let host = strip_scheme(identifier);
    if host.is_empty() {
        return Err(bad("empty host"));
    }
    if host.len() > 253 {
        return Err(bad("host longer than 253 characters"));
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(match c {
            ':' => bad("has a port"),
            '/' => bad("has a path"),
            '?' | '#' => bad("has a query or fragment"),
            '@' => bad("has userinfo"),
            c if c.is_ascii_uppercase() => bad("has uppercase letters"),
            _ => bad("has a character not allowed in a host name"),
        });
    }
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(bad("a label is empty or longer than 63 characters"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label starts or ends with '-'"));
        }
    }
    Ok(host.to_string())
}

/// Normalise a name to host: `"ap"`, `"ap.harness.test"` and `"https://ap.harness.test"` all
/// give `"ap.harness.test"`. Refuses anything that would not end up under [`HARNESS_DOMAIN`].
pub fn harness_name(name: &str) -> Result<String, RoutesError> {
    let host = strip_scheme(name);
    let full = if host.contains('.') {
        host.to_string()
    } else {
        format!("{host}.{HARNESS_DOMAIN}")
    };
    let full = identifier_host(&full, 0)?;
    let Some(prefix) = full.strip_suffix(HARNESS_DOMAIN) else {
        return Err(RoutesError::NotHarnessName {
            name: name.to_string(),
        });
    };
    if !prefix.ends_with('.') {
        return Err(RoutesError::NotHarnessName {
            name: name.to_string(),
        });
    }
    Ok(full)
}

fn check_loopback(addr: &SocketAddr, entry: usize) -> Result<(), RoutesError> {
    if !addr.ip().is_loopback() {
        return Err(RoutesError::BadOrigin {
            entry,
            text: addr.to_string(),
            reason: "not a loopback address",
        });
    }
    if addr.port() == 0 {
        return Err(RoutesError::BadOrigin {
            entry,
            text: addr.to_string(),
            reason: "port 0",
        });
    }
    Ok(())
}

/// Parse `http://127.0.0.1:PORT` (or `http://[::1]:PORT`, or `http://localhost:PORT`, with an
/// optional trailing `/`) into a socket address, refusing anything that is not loopback.
pub fn loopback_origin(origin: &str) -> Result<SocketAddr, RoutesError> {
    let bad = |reason| RoutesError::BadOrigin {
        entry: 0,
        text: origin.to_string(),
        reason,
    };
    let rest = origin
        .strip_prefix("http://")
        .ok_or_else(|| bad("must start with http://"))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') || rest.contains('?') || rest.contains('@') {
        return Err(bad("must be an origin: no path, query or userinfo"));
    }
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("needs a port"))?;
    let port: u16 = port.parse().map_err(|_| bad("port is not a number"))?;
    let ip: IpAddr = if host == "localhost" {
        IpAddr::from([127, 0, 0, 1])
    } else {
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        literal
            .parse()
            .map_err(|_| bad("host is not an IP literal or localhost"))?
    };
    let addr = SocketAddr::new(ip, port);
    check_loopback(&addr, 0)?;
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_names_normalise_from_short_and_full_forms() {
        assert_eq!(harness_name("ap").as_deref(), Ok("ap.harness.test"));
        assert_eq!(
            harness_name("https://evil.harness.test").as_deref(),
            Ok("evil.harness.test")
        );
        assert!(harness_name("example.com").is_err());
        assert!(harness_name("notharness.test").is_err());
        assert!(harness_name("AP").is_err());
    }
}
