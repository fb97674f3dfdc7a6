//! The reference agent provider: publishes `aauth-agent.json` and a JWKS, and mints agent
//! tokens for per-instance agents `aauth:<local>@<ap host>`.
//!
//! The harness needs an agent provider whose tokens an implementation under test will fetch
//! keys for, and it needs the same provider to misbehave in exactly one way on demand: a
//! metadata document without `issuer`, a JWKS key without `alg`, a key rotated under the same
//! `kid`. So the documents it serves are *variants* that a case swaps at run time
//! ([`AgentProvider::set_metadata_variant`], [`AgentProvider::set_jwks_variant`]); the
//! provider is a cheap handle, so the copy the host serves and the copy a case holds are the
//! same provider.
//!
//! Keys are derived from the run seed ([`crate::role::derived_key`]): one Ed25519 and one
//! ES256 key, each published with a fully specified `alg` (or `EdDSA` for Ed25519 under the
//! legacy profile). Tokens are signed with the Ed25519 key unless the request names ES256.
//! Token ids come from a counter, so a run with a fixed clock and seed is byte-reproducible.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{json, Map, Value};

use crate::clock::Clock;
use crate::host::{BoxFuture, Handler};
use crate::jose::claims::{AgentClaims, TokenClaims, TokenIssuer, TokenKind};
use crate::jose::jwk::Jwk;
use crate::jose::jwks::Jwks;
use crate::jose::mutate::{mint, TokenDefect};
use crate::jose::{Alg, PublicKey, SigningKey};
use crate::message::{Request, Response};
use crate::profile::Profile;
use crate::role::agent::HarnessAgent;
use crate::role::flaw::Flaws;
use crate::role::{derived_key, identifier_host};
use crate::wire::metadata::{well_known_url, AgentProviderMetadata, AGENT_DWK, JWKS_PATH};
use crate::wire::problem::{ErrorCode, Problem};

/// Agent tokens live an hour unless the request says otherwise.
pub const DEFAULT_AGENT_TOKEN_LIFETIME: i64 = 3600;

/// How an agent provider is set up.
#[derive(Clone, Debug)]
pub struct AgentProviderConfig {
    /// The provider's server identifier, e.g. `https://ap.harness.test`.
    pub identifier: String,
    /// The profile it speaks (JWK `alg` spelling, claim rules).
    pub profile: Profile,
    /// Where `iat`/`exp` come from.
    pub clock: Clock,
    /// Planted bugs (the catalogue has none for agent providers yet; kept for uniformity).
    pub flaws: Flaws,
    /// Run seed the keys are derived from.
    pub seed: u64,
    /// Lifetime of minted agent tokens, in seconds.
    pub token_lifetime: i64,
    /// The PS named in the `ps` claim of tokens minted through [`AgentProvider::request`].
    pub default_ps: Option<String>,
}

impl AgentProviderConfig {
    /// A provider at `identifier` with default lifetime, no flaws and no default PS.
    pub fn new(identifier: &str, profile: Profile, clock: Clock, seed: u64) -> Self {
        AgentProviderConfig {
            identifier: identifier.to_string(),
            profile,
            clock,
            flaws: Flaws::none(),
            seed,
            token_lifetime: DEFAULT_AGENT_TOKEN_LIFETIME,
            default_ps: None,
        }
    }

    /// Name `ps` in the tokens it mints by default.
    pub fn with_default_ps(mut self, ps: &str) -> Self {
        self.default_ps = Some(ps.to_string());
        self
    }
}

/// Which `aauth-agent.json` the provider serves.
#[derive(Clone, Debug, PartialEq)]
pub enum MetadataVariant {
    /// The correct document.
    Correct,
    /// The correct document without `issuer` (`issuer_missing`).
    NoIssuer,
    /// The correct document naming another issuer (`issuer_mismatch`).
    WrongIssuer(String),
    /// Any JSON a case wants served.
    Custom(Value),
}

/// Which JWKS the provider serves.
#[derive(Clone, Debug, PartialEq)]
pub enum JwksVariant {
    /// Both keys, each with its `alg` and `kid`.
    Correct,
    /// Both keys without `alg` (fully specified profiles must refuse them).
    KeyWithoutAlg,
    /// The correct keys plus members no verifier can use (a post-quantum key, an RSA key
    /// without modulus, a string, a number): verifiers must still select the good key.
    ExtraUnusableMembers,
    /// Different keys published under the same `kid`s, as after a careless rotation: tokens
    /// signed before no longer verify.
    RotatedKeySameKid,
    /// Any JWKS a case wants served.
    Custom(Jwks),
}

/// What one minted agent token should say. Start from [`AgentProvider::request`], which
/// fills in the provider's defaults, and change fields for negative cases.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentTokenRequest {
    /// The local part of the agent identifier (`assistant`, `planner+search1`).
    pub local: String,
    /// The key the agent signs with (`cnf.jwk`).
    pub key: PublicKey,
    /// `ps` claim; `None` leaves it out.
    pub ps: Option<String>,
    /// `parent_agent` claim for sub-agents.
    pub parent_agent: Option<String>,
    /// Lifetime in seconds.
    pub lifetime: i64,
    /// Which provider key signs: `Ed25519` (default) or `ES256`.
    pub signing_alg: Alg,
    /// One deliberate deviation, for negative cases.
    pub defect: Option<TokenDefect>,
    /// Extra claims, appended after the modelled ones.
    pub extra: Map<String, Value>,
}

/// A minted agent token and the claims it was built from (before any defect).
#[derive(Clone, Debug, PartialEq)]
pub struct MintedAgentToken {
    /// The compact JWS.
    pub token: String,
    /// The intended claims.
    pub claims: AgentClaims,
}

struct Inner {
    config: AgentProviderConfig,
    ed25519: TokenIssuer,
    es256: TokenIssuer,
    rotated: [TokenIssuer; 2],
    metadata: RwLock<MetadataVariant>,
    jwks: RwLock<JwksVariant>,
    minted: AtomicU64,
}

/// The reference agent provider. Clones share keys, counters and served variants.
#[derive(Clone)]
pub struct AgentProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AgentProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentProvider")
            .field("identifier", &self.inner.config.identifier)
            .field("profile", &self.inner.config.profile)
            .finish_non_exhaustive()
    }
}

fn issuer_for(config: &AgentProviderConfig, label: &str, alg: &Alg, kid: &str) -> TokenIssuer {
    let party = format!("{}#{label}", config.identifier);
    TokenIssuer::new(derived_key(config.seed, &party, alg), kid, config.profile)
}

impl AgentProvider {
    /// A provider with keys derived from `config.seed` and its identifier.
    pub fn new(config: AgentProviderConfig) -> Self {
        let host = identifier_host(&config.identifier).to_string();
        let ed_kid = format!("{host}-ed25519-1");
        let es_kid = format!("{host}-es256-1");
        let ed25519 = issuer_for(&config, "signing", &Alg::ED25519, &ed_kid);
        let es256 = issuer_for(&config, "signing", &Alg::ES256, &es_kid);
        let rotated = [
            issuer_for(&config, "rotated", &Alg::ED25519, &ed_kid),
            issuer_for(&config, "rotated", &Alg::ES256, &es_kid),
        ];
        AgentProvider {
            inner: Arc::new(Inner {
                config,
                ed25519,
                es256,
                rotated,
                metadata: RwLock::new(MetadataVariant::Correct),
                jwks: RwLock::new(JwksVariant::Correct),
                minted: AtomicU64::new(0),
            }),
        }
    }

    /// The provider's server identifier.
    pub fn identifier(&self) -> &str {
        &self.inner.config.identifier
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &AgentProviderConfig {
        &self.inner.config
    }

    /// The agent identifier for `local` at this provider: `aauth:<local>@<host>`.
    pub fn agent_id(&self, local: &str) -> String {
        format!("aauth:{local}@{}", identifier_host(self.identifier()))
    }

    /// The token issuer for `alg` (ES256, or Ed25519 for anything else).
    pub fn issuer(&self, alg: &Alg) -> &TokenIssuer {
        if *alg == Alg::ES256 {
            &self.inner.es256
        } else {
            &self.inner.ed25519
        }
    }

    /// The correct metadata document.
    pub fn metadata(&self) -> AgentProviderMetadata {
        AgentProviderMetadata::reference(self.identifier())
    }

    /// The correct JWKS: both keys, `alg` and `kid` on each.
    pub fn jwks(&self) -> Jwks {
        Jwks::from_keys([self.inner.ed25519.jwk(), self.inner.es256.jwk()])
    }

    /// Serve `variant` as `aauth-agent.json` from now on.
    pub fn set_metadata_variant(&self, variant: MetadataVariant) {
        *self
            .inner
            .metadata
            .write()
            .unwrap_or_else(|e| e.into_inner()) = variant;
    }

    /// Serve `variant` as the JWKS from now on.
    pub fn set_jwks_variant(&self, variant: JwksVariant) {
        *self.inner.jwks.write().unwrap_or_else(|e| e.into_inner()) = variant;
    }

    /// Back to the correct documents.
    pub fn reset_variants(&self) {
        self.set_metadata_variant(MetadataVariant::Correct);
        self.set_jwks_variant(JwksVariant::Correct);
    }

    /// The metadata document as currently served.
    pub fn served_metadata(&self) -> Value {
        let variant = self
            .inner
            .metadata
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut doc = self.metadata().to_json();
        match variant {
            MetadataVariant::Correct => doc,
            MetadataVariant::NoIssuer => {
                if let Some(m) = doc.as_object_mut() {
                    m.shift_remove("issuer");
                }
                doc
            }
            MetadataVariant::WrongIssuer(other) => {
                if let Some(m) = doc.as_object_mut() {
                    m.insert("issuer".into(), Value::String(other));
                }
                doc
            }
            MetadataVariant::Custom(v) => v,
        }
    }

    /// The JWKS as currently served.
    pub fn served_jwks(&self) -> Jwks {
        let variant = self
            .inner
            .jwks
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match variant {
            JwksVariant::Correct => self.jwks(),
            JwksVariant::KeyWithoutAlg => Jwks::from_keys(
                [self.inner.ed25519.jwk(), self.inner.es256.jwk()].map(|mut k| {
                    k.remove("alg");
                    k
                }),
            ),
            JwksVariant::ExtraUnusableMembers => {
                let mut set = Jwks::default();
                set.push_raw(
                    json!({"kty": "AKP", "alg": "ML-DSA-65", "kid": "pq-1", "pub": "AAAA"}),
                );
                set.push_raw(json!({"kty": "RSA", "alg": "RS256", "kid": "rsa-1", "e": "AQAB"}));
                set.push_raw(json!("not a key"));
                set.push_raw(json!(42));
                set.push(self.inner.ed25519.jwk());
                set.push(self.inner.es256.jwk());
                set
            }
            JwksVariant::RotatedKeySameKid => {
                Jwks::from_keys(self.inner.rotated.each_ref().map(TokenIssuer::jwk))
            }
            JwksVariant::Custom(set) => set,
        }
    }

    /// A request for a token for `local` bound to `key`, with the provider's defaults:
    /// default PS, default lifetime, Ed25519 signature, no defect.
    pub fn request(&self, local: &str, key: &PublicKey) -> AgentTokenRequest {
        AgentTokenRequest {
            local: local.to_string(),
            key: key.clone(),
            ps: self.inner.config.default_ps.clone(),
            parent_agent: None,
            lifetime: self.inner.config.token_lifetime,
            signing_alg: Alg::ED25519,
            defect: None,
            extra: Map::new(),
        }
    }

    /// Mint the token `request` describes. Never fails: a defective request produces a
    /// defective token, which is the point.
    pub fn mint(&self, request: &AgentTokenRequest) -> MintedAgentToken {
        self.mint_signed_by(request, self.issuer(&request.signing_alg))
    }

    /// Publish a new Ed25519 key under `kid`, derived from the run seed and `label`: in place
    /// of the key that had `kid` (a re-key under the same `kid`) or beside the published
    /// keys (a rotation to a new `kid`). Returns the issuer signing with it, for
    /// [`AgentProvider::mint_signed_by`]. The served JWKS becomes a
    /// [`JwksVariant::Custom`] set.
    pub fn rotate_key(&self, kid: &str, label: &str) -> TokenIssuer {
        let issuer = issuer_for(&self.inner.config, label, &Alg::ED25519, kid);
        let mut set = Jwks::default();
        for entry in self.served_jwks().entries() {
            if entry.get("kid").and_then(Value::as_str) != Some(kid) {
                set.push_raw(entry.clone());
            }
        }
        set.push(issuer.jwk());
        self.set_jwks_variant(JwksVariant::Custom(set));
        issuer
    }

    /// As [`AgentProvider::mint`], signed by `issuer` (a key [`AgentProvider::rotate_key`]
    /// published) instead of the provider's own key; `signing_alg` is not consulted.
    pub fn mint_signed_by(
        &self,
        request: &AgentTokenRequest,
        issuer: &TokenIssuer,
    ) -> MintedAgentToken {
        let n = self.inner.minted.fetch_add(1, Ordering::SeqCst) + 1;
        let host = identifier_host(self.identifier());
        let now = self.inner.config.clock.now();
        let mut claims = AgentClaims::new(
            self.inner.config.profile,
            self.identifier(),
            &self.agent_id(&request.local),
            &format!("agt-{host}-{n}"),
            &request.key,
            now,
            now.saturating_add(request.lifetime),
        );
        claims.ps = request.ps.clone();
        claims.parent_agent = request.parent_agent.clone();
        claims.extra = request.extra.clone();
        let token = mint(
            issuer,
            TokenKind::Agent,
            &claims.to_map(),
            request.defect.as_ref(),
            now,
        );
        MintedAgentToken { token, claims }
    }

    /// A fresh agent: a key derived from the seed and `local`, and a valid token for it.
    pub fn new_agent(&self, local: &str, alg: &Alg) -> HarnessAgent {
        let party = format!("agent:{}:{local}", self.identifier());
        let key = derived_key(self.inner.config.seed, &party, alg);
        self.agent_with_key(local, key)
    }

    /// An agent with the given key and a valid token for it.
    pub fn agent_with_key(&self, local: &str, key: SigningKey) -> HarnessAgent {
        let minted = self.mint(&self.request(local, &key.public_key()));
        HarnessAgent::new(&minted.claims.sub, key, &minted.token)
            .with_ps(minted.claims.ps.as_deref())
    }

    /// `agent` again (same identifier, same key) with a token naming `ps` as its person
    /// server: what an agent provider issues to an agent enrolled with that PS.
    pub fn rebind(&self, agent: &HarnessAgent, ps: &str) -> HarnessAgent {
        let mut request = self.request(agent.local(), &agent.key.public_key());
        request.ps = Some(ps.to_string());
        let minted = self.mint(&request);
        HarnessAgent::new(&minted.claims.sub, agent.key.clone(), &minted.token)
            .with_ps(minted.claims.ps.as_deref())
    }

    /// A sub-agent of `parent`: identifier `<parent local>+<discriminator>`, its own key,
    /// `parent_agent` naming the parent.
    pub fn sub_agent(&self, parent: &HarnessAgent, discriminator: &str, alg: &Alg) -> HarnessAgent {
        let local = format!("{}+{discriminator}", parent.local());
        let party = format!("agent:{}:{local}", self.identifier());
        let key = derived_key(self.inner.config.seed, &party, alg);
        let mut request = self.request(&local, &key.public_key());
        request.parent_agent = Some(parent.id.clone());
        request.ps = parent.ps.clone().or(request.ps);
        let minted = self.mint(&request);
        HarnessAgent::new(&minted.claims.sub, key, &minted.token)
            .with_ps(minted.claims.ps.as_deref())
    }

    /// Where the metadata document lives.
    pub fn metadata_url(&self) -> String {
        well_known_url(self.identifier(), AGENT_DWK)
    }

    fn answer(&self, request: &Request) -> Response {
        let well_known = format!("/.well-known/{AGENT_DWK}");
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", p) if p == well_known => {
                Response::json(200, "application/json", &self.served_metadata())
                    .with_header("cache-control", "max-age=300")
            }
            ("GET", JWKS_PATH) => Response::new(200)
                .with_header("content-type", "application/json")
                .with_header("cache-control", "max-age=300")
                .with_body(self.served_jwks().to_json()),
            (_, p) if p == well_known || p == JWKS_PATH => Problem::new(ErrorCode::INVALID_REQUEST)
                .with_detail("only GET is served here")
                .to_response(405)
                .with_header("allow", "GET"),
            _ => Problem::new(ErrorCode::new("not_found"))
                .with_detail("the agent provider serves only its metadata and JWKS")
                .to_response(404),
        }
    }
}

impl Handler for AgentProvider {
    fn handle(&self, request: Request) -> BoxFuture<Response> {
        let response = self.answer(&request);
        Box::pin(async move { response })
    }
}

/// The JWK an agent token's `cnf` carries for `key` under `profile`.
pub fn cnf_jwk(key: &PublicKey, profile: Profile) -> Jwk {
    Jwk::for_profile(key, profile, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::jwk::JwkRules;
    use crate::jose::validate::{validate_token, Expected, StaticResolver};

    const NOW: i64 = 1_730_217_600;

    fn provider() -> AgentProvider {
        AgentProvider::new(
            AgentProviderConfig::new(
                "https://ap.harness.test",
                Profile::Aauth11,
                Clock::fixed(NOW),
                7,
            )
            .with_default_ps("https://ps.harness.test"),
        )
    }

    fn resolver(ap: &AgentProvider) -> StaticResolver {
        let mut r = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
        r.insert(ap.identifier(), AGENT_DWK, ap.served_jwks());
        r
    }

    #[test]
    fn minted_tokens_validate_under_the_published_jwks() {
        let ap = provider();
        for alg in [Alg::ED25519, Alg::ES256] {
            let agent = ap.new_agent("assistant", &alg);
            let key = agent.key.public_key();
            let valid = validate_token(
                TokenKind::Agent,
                &agent.agent_token,
                &Expected::new(Profile::Aauth11, NOW).bound_to(&key),
                &resolver(&ap),
            )
            .expect("valid agent token");
            assert_eq!(valid.claims["sub"], "aauth:assistant@ap.harness.test");
            assert_eq!(valid.claims["ps"], "https://ps.harness.test");
            assert_eq!(valid.claims["exp"], NOW + 3600);
        }
        let mut es = ap.request("x", &ap.new_agent("x", &Alg::ED25519).key.public_key());
        es.signing_alg = Alg::ES256;
        let token = ap.mint(&es).token;
        assert!(validate_token(
            TokenKind::Agent,
            &token,
            &Expected::new(Profile::Aauth11, NOW),
            &resolver(&ap)
        )
        .is_ok());
    }

    #[test]
    fn keys_and_tokens_are_deterministic_per_seed() {
        let a = provider().new_agent("a", &Alg::ED25519);
        let b = provider().new_agent("a", &Alg::ED25519);
        assert_eq!(a.agent_token, b.agent_token);
        assert_eq!(provider().jwks(), provider().jwks());
        let other = AgentProvider::new(AgentProviderConfig::new(
            "https://ap.harness.test",
            Profile::Aauth11,
            Clock::fixed(NOW),
            8,
        ));
        assert_ne!(other.jwks(), provider().jwks());
    }

    #[test]
    fn every_published_key_has_alg_and_kid() {
        for jwk in provider().jwks().jwks() {
            assert!(jwk.alg().is_some() && jwk.kid().is_some(), "{jwk:?}");
        }
    }

    #[test]
    fn variants_break_verification_the_way_they_should() {
        let ap = provider();
        let agent = ap.new_agent("a", &Alg::ED25519);
        let expected = Expected::new(Profile::Aauth11, NOW);
        ap.set_jwks_variant(JwksVariant::ExtraUnusableMembers);
        assert!(validate_token(
            TokenKind::Agent,
            &agent.agent_token,
            &expected,
            &resolver(&ap)
        )
        .is_ok());
        ap.set_jwks_variant(JwksVariant::KeyWithoutAlg);
        assert!(validate_token(
            TokenKind::Agent,
            &agent.agent_token,
            &expected,
            &resolver(&ap)
        )
        .is_err());
        ap.set_jwks_variant(JwksVariant::RotatedKeySameKid);
        assert!(validate_token(
            TokenKind::Agent,
            &agent.agent_token,
            &expected,
            &resolver(&ap)
        )
        .is_err());
        ap.set_metadata_variant(MetadataVariant::NoIssuer);
        assert!(ap.served_metadata().get("issuer").is_none());
        ap.set_metadata_variant(MetadataVariant::WrongIssuer(
            "https://evil.harness.test".into(),
        ));
        assert_eq!(ap.served_metadata()["issuer"], "https://evil.harness.test");
        ap.reset_variants();
        assert_eq!(ap.served_metadata()["issuer"], "https://ap.harness.test");
    }

    #[test]
    fn sub_agents_carry_parent_agent_and_a_plus_local() {
        let ap = provider();
        let parent = ap.new_agent("planner", &Alg::ED25519);
        let child = ap.sub_agent(&parent, "search1", &Alg::ES256);
        assert_eq!(child.id, "aauth:planner+search1@ap.harness.test");
        let claims = child.agent_token_claims().expect("decodes");
        assert_eq!(claims["parent_agent"], "aauth:planner@ap.harness.test");
        assert_ne!(child.key.public_key(), parent.key.public_key());
    }

    #[test]
    fn defects_are_applied() {
        let ap = provider();
        let key = ap.new_agent("a", &Alg::ED25519).key.public_key();
        let mut req = ap.request("a", &key);
        req.defect = Some(TokenDefect::Expired);
        let token = ap.mint(&req).token;
        assert!(validate_token(
            TokenKind::Agent,
            &token,
            &Expected::new(Profile::Aauth11, NOW),
            &resolver(&ap)
        )
        .is_err());
    }
}
