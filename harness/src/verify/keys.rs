//! Where issuer keys come from: the [`KeySource`] trait, the document rules every source
//! applies (metadata `issuer` check, `jwks_uri`, selection by `kid`), and [`StaticKeys`],
//! an in-memory source for vectors and tests.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::jose::jwk::{Jwk, JwkError, JwkRules};
use crate::jose::jwks::Jwks;
use crate::jose::validate::ResolveError;
use crate::jose::PublicKey;
use crate::role::flaw::{Flaw, Flaws};
use crate::wire::metadata::{check_issuer, well_known_url, IssuerProblem};

/// A boxed future borrowing from the source, as [`KeySource::resolve`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Finds the verification key an issuer publishes: `{iss}/.well-known/{dwk}`, the
/// `issuer` check, `jwks_uri`, the member named `kid`. Asynchronous because the real
/// source fetches over HTTP; the in-memory one answers at once.
pub trait KeySource: Send + Sync {
    /// The usable key `kid` of `iss`'s JWKS found through document `dwk`, or why there is
    /// none. A missing `kid` is answered as an unknown key.
    fn resolve<'a>(
        &'a self,
        iss: &'a str,
        dwk: &'a str,
        kid: Option<&'a str>,
    ) -> BoxFuture<'a, Result<PublicKey, ResolveError>>;

    /// As [`KeySource::resolve`], but the cached key for `kid` just failed to verify a
    /// signature: a source that fetches refreshes `iss`'s keys first when its refetch floor
    /// allows (a re-key under the same `kid`). A static source has nothing to refresh.
    fn refresh<'a>(
        &'a self,
        iss: &'a str,
        dwk: &'a str,
        kid: Option<&'a str>,
    ) -> BoxFuture<'a, Result<PublicKey, ResolveError>> {
        self.resolve(iss, dwk, kid)
    }
}

/// Apply the metadata rules to a fetched document: `issuer` present and byte-equal to the
/// identity it was fetched for, then a string `jwks_uri`. The `issuer-mismatch-accepted`
/// flaw skips the comparison (but still needs an `issuer`).
pub(crate) fn jwks_uri_from_metadata(
    body: &[u8],
    iss: &str,
    flaws: &Flaws,
) -> Result<String, ResolveError> {
    match check_issuer(body, iss) {
        Ok(_) => {}
        Err(IssuerProblem::Missing) => return Err(ResolveError::IssuerMissing),
        Err(IssuerProblem::Mismatch { .. }) if flaws.has(Flaw::IssuerMismatchAccepted) => {}
        Err(IssuerProblem::Mismatch { issuer, .. }) => {
            return Err(ResolveError::IssuerMismatch { found: issuer })
        }
        Err(IssuerProblem::Malformed(e)) => {
            return Err(ResolveError::Unavailable(format!(
                "metadata for {iss} is not JSON: {e}"
            )))
        }
    }
    let doc: Value = serde_json::from_slice(body)
        .map_err(|e| ResolveError::Unavailable(format!("metadata for {iss}: {e}")))?;
    doc.get("jwks_uri")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ResolveError::Unavailable(format!("metadata for {iss} has no jwks_uri")))
}

/// Parse a fetched JWKS.
pub(crate) fn parse_jwks(body: &[u8], uri: &str) -> Result<Jwks, ResolveError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ResolveError::Unavailable(format!("JWKS at {uri} is not UTF-8")))?;
    Jwks::parse(text).map_err(|e| ResolveError::Unavailable(format!("JWKS at {uri}: {e}")))
}

/// Select `kid` from `jwks` under `rules`. Other members are never examined, except under
/// the `jwks-all-members-required` flaw, which insists every member be a usable key.
pub(crate) fn select_key(
    jwks: &Jwks,
    kid: Option<&str>,
    rules: JwkRules,
    flaws: &Flaws,
) -> Result<PublicKey, ResolveError> {
    if flaws.has(Flaw::JwksAllMembersRequired) {
        for entry in jwks.entries() {
            let jwk = Jwk::from_value(entry.clone())
                .map_err(|_| ResolveError::UnusableKey(JwkError::Incomplete { member: "kty" }))?;
            jwk.to_public_key(rules)
                .map_err(ResolveError::UnusableKey)?;
        }
    }
    let kid = kid.ok_or(ResolveError::UnknownKey)?;
    jwks.select(kid, rules).into_resolved()
}

/// Documents held in memory, by URL: issuer metadata at `{iss}/.well-known/{dwk}` and the
/// JWKS its `jwks_uri` names. Resolution follows exactly the path a fetching verifier
/// takes, so a deliberately broken document fails the same way it would over HTTP.
///
/// The documents are static by definition, so each `(iss, dwk, kid)` is resolved once and
/// its outcome (key or failure) remembered, as a caching verifier would; every change to
/// the documents, rules or flaws forgets what was remembered.
#[derive(Clone, Debug, Default)]
pub struct StaticKeys {
    documents: BTreeMap<String, Vec<u8>>,
    rules: JwkRules,
    flaws: Flaws,
    resolved: Arc<Mutex<ResolvedMemo>>,
}

/// Outcomes of [`StaticKeys::resolve_now`], by `(iss, dwk, kid)`.
type ResolvedMemo = BTreeMap<(String, String, Option<String>), Result<PublicKey, ResolveError>>;

impl StaticKeys {
    /// No documents; fully-specified key rules.
    pub fn new() -> Self {
        StaticKeys::default()
    }

    /// Publish `body` at `url`.
    pub fn with_document(mut self, url: &str, body: impl Into<Vec<u8>>) -> Self {
        self.insert_document(url, body);
        self
    }

    /// Publish `body` at `url` (in place).
    pub fn insert_document(&mut self, url: &str, body: impl Into<Vec<u8>>) -> &mut Self {
        self.documents.insert(url.to_string(), body.into());
        self.forget();
        self
    }

    /// Publish a well-formed issuer: metadata `{issuer, jwks_uri}` under `dwk` and the JWKS
    /// at `{iss}/.well-known/jwks.json`.
    pub fn with_issuer(self, iss: &str, dwk: &str, jwks: &Jwks) -> Self {
        let jwks_uri = format!("{iss}/.well-known/jwks.json");
        let metadata = serde_json::json!({ "issuer": iss, "jwks_uri": jwks_uri });
        self.with_document(&well_known_url(iss, dwk), metadata.to_string())
            .with_document(&jwks_uri, jwks.to_json())
    }

    /// Apply `rules` to selected keys (legacy profiles relax them).
    pub fn with_rules(mut self, rules: JwkRules) -> Self {
        self.rules = rules;
        self.forget();
        self
    }

    /// Plant key-source flaws (`issuer-mismatch-accepted`, `jwks-all-members-required`).
    pub fn with_flaws(mut self, flaws: Flaws) -> Self {
        self.flaws = flaws;
        self.forget();
        self
    }

    /// Drop remembered outcomes (a fresh memo, so clones made earlier keep theirs).
    fn forget(&mut self) {
        self.resolved = Arc::default();
    }

    /// [`Self::resolve_now`], remembered. The memo grows only with distinct lookups the
    /// caller makes, each a short key; the documents it answers from never change.
    fn resolve_remembered(
        &self,
        iss: &str,
        dwk: &str,
        kid: Option<&str>,
    ) -> Result<PublicKey, ResolveError> {
        let key = (iss.to_string(), dwk.to_string(), kid.map(str::to_string));
        let memo = |m: &Mutex<ResolvedMemo>| {
            m.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&key)
                .cloned()
        };
        if let Some(known) = memo(&self.resolved) {
            return known;
        }
        let outcome = self.resolve_now(iss, dwk, kid);
        self.resolved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, outcome.clone());
        outcome
    }

    fn document(&self, url: &str) -> Result<&[u8], ResolveError> {
        self.documents
            .get(url)
            .map(Vec::as_slice)
            .ok_or_else(|| ResolveError::Unavailable(format!("nothing is published at {url}")))
    }

    fn resolve_now(
        &self,
        iss: &str,
        dwk: &str,
        kid: Option<&str>,
    ) -> Result<PublicKey, ResolveError> {
        let metadata = self.document(&well_known_url(iss, dwk))?;
        let jwks_uri = jwks_uri_from_metadata(metadata, iss, &self.flaws)?;
        let jwks = parse_jwks(self.document(&jwks_uri)?, &jwks_uri)?;
        select_key(&jwks, kid, self.rules, &self.flaws)
    }
}

impl KeySource for StaticKeys {
    fn resolve<'a>(
        &'a self,
        iss: &'a str,
        dwk: &'a str,
        kid: Option<&'a str>,
    ) -> BoxFuture<'a, Result<PublicKey, ResolveError>> {
        let result = self.resolve_remembered(iss, dwk, kid);
        Box::pin(async move { result })
    }
}
