//! [`Discovery`]: issuer keys fetched over HTTP the way a careful verifier fetches them.
//!
//! Rules (AAuth "JWKS Discovery and Caching", "Metadata Documents"; requirements TOK-010 to
//! TOK-015):
//! - egress admission before every fetch ([`EgressPolicy::admit`]): `https` only; no IP
//!   literals, `localhost` or local-only names, except names the harness routes (which are
//!   loopback by construction); a `jwks_uri` on another origin than its issuer only when
//!   admitted; redirects are never followed; size and time bounded by the client limits;
//! - metadata `issuer` byte-equal to the identifier it was fetched for;
//! - one JWKS per issuer and document, selected by `kid`, other members never examined;
//! - an unknown `kid` refetches at most once per minute per issuer (the floor); so does a
//!   cached key that fails to verify a signature ([`KeySource::refresh`]: a re-key under the
//!   same `kid`); a cached set older than 24 hours is discarded; a failed refetch falls back
//!   to the cached set.
//!
//! Every GET is counted ([`Discovery::fetches`]) so a test can prove the floor holds.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::Clock;
use crate::jose::jwk::JwkRules;
use crate::jose::jwks::Jwks;
use crate::jose::validate::ResolveError;
use crate::jose::PublicKey;
use crate::role::flaw::{Flaw, Flaws};
use crate::target::client::{ClientLimits, HttpClient};
use crate::wire::metadata::well_known_url;

use super::keys::{jwks_uri_from_metadata, parse_jwks, select_key, BoxFuture, KeySource};

/// The minimum time between two fetches of one issuer's keys (seconds).
pub const REFETCH_FLOOR: i64 = 60;
/// The longest a fetched JWKS is trusted (seconds).
pub const MAX_CACHE_AGE: i64 = 24 * 60 * 60;

/// What the verifier may fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Origins (`https://host`) a `jwks_uri` may point at besides its issuer's own.
    pub cross_origin_jwks: Vec<String>,
    /// Largest document accepted.
    pub max_bytes: usize,
    /// Time allowed for one fetch.
    pub timeout: Duration,
}

impl Default for EgressPolicy {
    fn default() -> Self {
        EgressPolicy {
            cross_origin_jwks: Vec::new(),
            max_bytes: 256 * 1024,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Why a URL was not fetched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EgressRefusal {
    /// Not an `https://` URL.
    #[error("{0} is not an https URL")]
    NotHttps(String),
    /// The host is an IP address.
    #[error("{0} names an IP address")]
    IpLiteral(String),
    /// The host is local-only (`localhost`, `*.localhost`, `*.local`, `*.internal`).
    #[error("{0} names a local-only host")]
    LocalHost(String),
    /// A `jwks_uri` on another origin than its issuer, not admitted.
    #[error("jwks_uri {uri} is not on {issuer}'s origin")]
    CrossOrigin {
        /// The `jwks_uri`.
        uri: String,
        /// The issuer.
        issuer: String,
    },
}

/// `https://host[:port]` of an https URL, lowercased host.
fn origin_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("https://{}", authority.to_ascii_lowercase()))
}

fn host_of(origin: &str) -> &str {
    let authority = origin.strip_prefix("https://").unwrap_or(origin);
    if authority.starts_with('[') {
        return authority
            .find(']')
            .and_then(|i| authority.get(1..i))
            .unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

impl EgressPolicy {
    /// Admit `url` for fetching. `issuer` is given for a `jwks_uri`, whose origin must be
    /// the issuer's unless admitted. `routed` says whether the host is a name the harness
    /// routes (admitted although it lands on loopback).
    pub fn admit(
        &self,
        url: &str,
        issuer: Option<&str>,
        routed: impl Fn(&str) -> bool,
    ) -> Result<(), EgressRefusal> {
        let origin = origin_of(url).ok_or_else(|| EgressRefusal::NotHttps(url.to_string()))?;
        let host = host_of(&origin);
        if host.parse::<IpAddr>().is_ok() {
            return Err(EgressRefusal::IpLiteral(url.to_string()));
        }
        let local = host == "localhost"
            || [".localhost", ".local", ".internal"]
                .iter()
                .any(|s| host.ends_with(s));
        if local && !routed(host) {
            return Err(EgressRefusal::LocalHost(url.to_string()));
        }
        if let Some(issuer) = issuer {
            let same = origin_of(issuer).is_some_and(|o| o == origin);
            if !same && !self.cross_origin_jwks.contains(&origin) {
                return Err(EgressRefusal::CrossOrigin {
                    uri: url.to_string(),
                    issuer: issuer.to_string(),
                });
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct CachedSet {
    jwks: Jwks,
    fetched_at: i64,
}

#[derive(Debug, Default)]
struct State {
    /// (issuer, dwk) → the set last fetched through that document.
    sets: BTreeMap<(String, String), CachedSet>,
    /// (issuer, dwk) → when its keys were last fetched (or tried), and why the last try
    /// failed if it did: within the floor a failure is answered again rather than refetched,
    /// so a flood of tokens naming a broken issuer costs it one fetch a minute.
    last_fetch: BTreeMap<(String, String), (i64, Option<ResolveError>)>,
    /// URL → GETs sent.
    fetches: BTreeMap<String, u64>,
    /// (issuer, dwk) → held while one request resolves that issuer, so concurrent requests
    /// wait for the fetch in flight instead of finding the floor closed and no keys cached.
    in_flight: BTreeMap<(String, String), Arc<tokio::sync::Mutex<()>>>,
}

/// Issuer keys over HTTP with admission, the `issuer` check, caching and the refetch
/// floor. See the module documentation.
pub struct Discovery {
    client: HttpClient,
    policy: EgressPolicy,
    rules: JwkRules,
    flaws: Flaws,
    clock: Clock,
    state: Mutex<State>,
}

impl fmt::Debug for Discovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discovery")
            .field("policy", &self.policy)
            .field("rules", &self.rules)
            .field("flaws", &self.flaws)
            .finish_non_exhaustive()
    }
}

impl Discovery {
    /// Fetch with `client` (its routes decide what is reachable) on `clock`'s time, under
    /// the default policy.
    pub fn new(client: HttpClient, clock: Clock) -> Self {
        Discovery::with_policy(client, clock, EgressPolicy::default())
    }

    /// As [`Discovery::new`] with an explicit policy; the client's size and time limits are
    /// tightened to the policy's.
    pub fn with_policy(client: HttpClient, clock: Clock, policy: EgressPolicy) -> Self {
        let limits = ClientLimits {
            total_timeout: policy.timeout,
            connect_timeout: policy.timeout.min(client.limits().connect_timeout),
            max_body_bytes: policy.max_bytes,
            ..*client.limits()
        };
        Discovery {
            client: client.with_limits(limits),
            policy,
            rules: JwkRules::FULLY_SPECIFIED,
            flaws: Flaws::none(),
            clock,
            state: Mutex::new(State::default()),
        }
    }

    /// Apply `rules` to selected keys.
    pub fn with_rules(mut self, rules: JwkRules) -> Self {
        self.rules = rules;
        self
    }

    /// Plant key-source flaws (`issuer-mismatch-accepted`, `jwks-all-members-required`,
    /// `no-refetch-floor`).
    pub fn with_flaws(mut self, flaws: Flaws) -> Self {
        self.flaws = flaws;
        self
    }

    /// GETs sent so far, all URLs together.
    pub fn fetches(&self) -> u64 {
        self.lock().fetches.values().sum()
    }

    /// GETs sent so far to `url`.
    pub fn fetches_of(&self, url: &str) -> u64 {
        self.lock().fetches.get(url).copied().unwrap_or(0)
    }

    /// Move every fetch of `iss`'s keys `seconds` into the past, as if that much time had
    /// gone by for that issuer alone: the harness's stand-in for waiting out the refetch
    /// floor of one issuer that only one case uses, without touching any other issuer's
    /// floor or the clock. Returns whether anything was fetched for `iss`.
    pub fn backdate(&self, iss: &str, seconds: i64) -> bool {
        let mut state = self.lock();
        let mut found = false;
        for ((issuer, _), (at, _)) in state.last_fetch.iter_mut() {
            if issuer == iss {
                *at = at.saturating_sub(seconds);
                found = true;
            }
        }
        for ((issuer, _), set) in state.sets.iter_mut() {
            if issuer == iss {
                set.fetched_at = set.fetched_at.saturating_sub(seconds);
            }
        }
        found
    }

    /// Forget every cached set (not the counters).
    pub fn clear_cache(&self) {
        let mut state = self.lock();
        state.sets.clear();
        state.last_fetch.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn get(&self, url: &str, issuer: Option<&str>) -> Result<Vec<u8>, ResolveError> {
        let routes = self.client.routes();
        self.policy
            .admit(url, issuer, |host| routes.lookup(host).is_some())
            .map_err(|e| ResolveError::Unavailable(format!("egress refused: {e}")))?;
        *self.lock().fetches.entry(url.to_string()).or_insert(0) += 1;
        let response = self
            .client
            .get(url)
            .await
            .map_err(|e| ResolveError::Unavailable(format!("fetching {url}: {e}")))?;
        match response.status {
            200 => Ok(response.body.to_vec()),
            300..=399 => Err(ResolveError::Unavailable(format!(
                "{url} answered {} (redirects are not followed)",
                response.status
            ))),
            s => Err(ResolveError::Unavailable(format!("{url} answered {s}"))),
        }
    }

    async fn fetch_set(&self, iss: &str, dwk: &str) -> Result<Jwks, ResolveError> {
        let metadata = self.get(&well_known_url(iss, dwk), None).await?;
        let jwks_uri = jwks_uri_from_metadata(&metadata, iss, &self.flaws)?;
        let body = self.get(&jwks_uri, Some(iss)).await?;
        parse_jwks(&body, &jwks_uri)
    }

    /// The key `kid` of `iss`. `refresh`: the cached key just failed a signature, so the
    /// cache is not consulted unless the floor forbids a fetch.
    async fn resolve_async(
        &self,
        iss: &str,
        dwk: &str,
        kid: Option<&str>,
        refresh: bool,
    ) -> Result<PublicKey, ResolveError> {
        let key = (iss.to_string(), dwk.to_string());
        let gate = self
            .lock()
            .in_flight
            .entry(key.clone())
            .or_default()
            .clone();
        let _resolving = gate.lock().await;
        let now = self.clock.now();
        let (cached, may_fetch) = {
            let mut state = self.lock();
            let fresh = match state.sets.get(&key) {
                Some(set) if now.saturating_sub(set.fetched_at) < MAX_CACHE_AGE => {
                    Some(set.clone())
                }
                Some(_) => {
                    state.sets.remove(&key);
                    None
                }
                None => None,
            };
            let last = state.last_fetch.get(&key).cloned();
            let floor_passed = last
                .as_ref()
                .is_none_or(|(t, _)| now.saturating_sub(*t) >= REFETCH_FLOOR);
            let may_fetch = floor_passed || self.flaws.has(Flaw::NoRefetchFloor);
            if !may_fetch && fresh.is_none() {
                if let Some((_, Some(error))) = last {
                    return Err(error);
                }
            }
            (fresh, may_fetch)
        };
        if let Some(set) = &cached {
            match select_key(&set.jwks, kid, self.rules, &self.flaws) {
                // The planted flaw: the cached set is final, however old.
                Err(ResolveError::UnknownKey) if self.flaws.has(Flaw::JwksNoRefreshUnknownKid) => {
                    return Err(ResolveError::UnknownKey)
                }
                Err(ResolveError::UnknownKey) => {}
                other if !(refresh && may_fetch) => return other,
                _ => {}
            }
        }
        if !may_fetch {
            return Err(match cached {
                Some(_) => ResolveError::UnknownKey,
                None => ResolveError::Unavailable(format!(
                    "{iss}'s keys were fetched less than {REFETCH_FLOOR} s ago"
                )),
            });
        }
        self.lock().last_fetch.insert(key.clone(), (now, None));
        match self.fetch_set(iss, dwk).await {
            Ok(jwks) => {
                let result = select_key(&jwks, kid, self.rules, &self.flaws);
                self.lock().sets.insert(
                    key,
                    CachedSet {
                        jwks,
                        fetched_at: now,
                    },
                );
                result
            }
            // A failed refresh keeps trusting what was fetched before.
            Err(e) => match cached {
                Some(set) => select_key(&set.jwks, kid, self.rules, &self.flaws),
                None => {
                    self.lock().last_fetch.insert(key, (now, Some(e.clone())));
                    Err(e)
                }
            },
        }
    }
}

impl KeySource for Discovery {
    fn resolve<'a>(
        &'a self,
        iss: &'a str,
        dwk: &'a str,
        kid: Option<&'a str>,
    ) -> BoxFuture<'a, Result<PublicKey, ResolveError>> {
        Box::pin(self.resolve_async(iss, dwk, kid, false))
    }

    fn refresh<'a>(
        &'a self,
        iss: &'a str,
        dwk: &'a str,
        kid: Option<&'a str>,
    ) -> BoxFuture<'a, Result<PublicKey, ResolveError>> {
        Box::pin(self.resolve_async(iss, dwk, kid, true))
    }
}
