//! Token validation following the verification recipes of requirements §2.10, for the four
//! token kinds and every profile. Used by the reference roles (to judge what an IUT sends)
//! and by cases that check tokens an IUT issues.
//!
//! Order of checks (the first failure is reported, as a typed [`TokenFailure`]):
//!
//! 1. the profile has the kind; the JWS decodes;
//! 2. header `typ` is the kind's (before anything else is believed);
//! 3. header `alg` is not `none`/`HS*`/`EdDSA` (legacy: `EdDSA` allowed);
//! 4. the payload is a JSON object; `dwk` is one the kind allows; `iss` is a server
//!    identifier; header `kid` is present: all checked *before* the key is resolved, so an
//!    `http://` or malformed issuer never causes a fetch;
//! 5. the key is resolved through a [`KeyResolver`] (no network here) and the signature
//!    verified with the header `alg` required to match the key;
//! 6. `exp` in the future, `iat` not in the future;
//! 7. known claims have their JSON types; the profile's required claims are present; claims
//!    the kind forbids are absent; `ps` is a server identifier;
//! 8. request context: `aud` = the verifier's identifier, `cnf.jwk` present, complete,
//!    decodable and equal to the HTTP-signing key (`agent_jkt` = its thumbprint for resource
//!    tokens), identifiers well formed, and the -10 extras (`agent`, `act.agent`,
//!    `mission.approver`, one of `sub`/`scope`).
//!
//! Context checks are skipped when the caller does not supply the expected value (for
//! example an AS has no HTTP-signing key for a resource token's `agent_jkt`; the PS signed
//! its request).
//!
//! Decisions: `aud` must be a single string (AAuth tokens name one audience); `exp`/`iat`
//! may be any JSON number; `iss` must be a server identifier for every kind, auth tokens
//! included (§2.11 lists every issuer's `iss`).

use crate::clock::Clock;
use crate::jose::alg::Alg;
use crate::jose::b64;
use crate::jose::claims::{forbidden_claims, required_claims, TokenClaims, TokenKind};
use crate::jose::jwk::{Jwk, JwkError, JwkRules};
use crate::jose::jwks::{Jwks, KeySelection};
use crate::jose::jws::{self, DecodedJws, JsonObjectError, JwsDecodeError, JwsVerifyError};
use crate::jose::key::{PublicKey, SignatureCheckError};
use crate::profile::Profile;
use crate::wire::signature_error::SignatureErrorCode;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Finds an issuer's verification key: `{iss}/.well-known/{dwk}` → `issuer` check →
/// `jwks_uri` → member by `kid`. Implemented by the hosting layer over HTTP and by
/// [`StaticResolver`] in memory.
pub trait KeyResolver {
    /// The usable key named `kid` in `iss`'s JWKS, or why there is none.
    fn resolve(&self, iss: &str, dwk: &str, kid: &str) -> Result<PublicKey, ResolveError>;
}

/// Why no key was found for a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No JWKS member has the `kid` (after the one refresh the verifier allows itself).
    #[error("kid not found in the issuer's JWKS")]
    UnknownKey,
    /// A member has the `kid`, but it cannot be used.
    #[error("key for kid is unusable: {0}")]
    UnusableKey(JwkError),
    /// The metadata document has no `issuer`.
    #[error("issuer metadata lacks issuer")]
    IssuerMissing,
    /// The metadata `issuer` is not the identity it was fetched for.
    #[error("issuer metadata names {found:?}")]
    IssuerMismatch {
        /// What the document said.
        found: String,
    },
    /// Metadata or JWKS could not be obtained (refused by egress rules, unreachable,
    /// malformed).
    #[error("issuer keys unavailable: {0}")]
    Unavailable(String),
}

impl ResolveError {
    /// The `Signature-Error` code a verifier answers with.
    pub fn signature_error_code(&self) -> SignatureErrorCode {
        match self {
            ResolveError::UnknownKey => SignatureErrorCode::UNKNOWN_KEY,
            ResolveError::UnusableKey(e) => e.signature_error_code(),
            ResolveError::IssuerMissing => SignatureErrorCode::ISSUER_MISSING,
            ResolveError::IssuerMismatch { .. } => SignatureErrorCode::ISSUER_MISMATCH,
            ResolveError::Unavailable(_) => SignatureErrorCode::INVALID_JWT,
        }
    }
}

impl KeySelection {
    /// The selection as a resolver result.
    pub fn into_resolved(self) -> Result<PublicKey, ResolveError> {
        match self {
            KeySelection::Found { key, .. } => Ok(key),
            KeySelection::KidAbsent => Err(ResolveError::UnknownKey),
            KeySelection::Unusable { error, .. } => Err(ResolveError::UnusableKey(error)),
        }
    }
}

/// In-memory issuers: `(iss, dwk)` → JWKS. For tests and for roles that already hold the
/// keys.
#[derive(Clone, Debug, Default)]
pub struct StaticResolver {
    sets: BTreeMap<(String, String), Jwks>,
    rules: JwkRules,
}

impl StaticResolver {
    /// An empty resolver applying `rules` to selected keys.
    pub fn new(rules: JwkRules) -> Self {
        StaticResolver {
            sets: BTreeMap::new(),
            rules,
        }
    }

    /// Publish `jwks` for `iss` under `dwk`.
    pub fn insert(&mut self, iss: &str, dwk: &str, jwks: Jwks) -> &mut Self {
        self.sets.insert((iss.to_string(), dwk.to_string()), jwks);
        self
    }
}

impl KeyResolver for StaticResolver {
    fn resolve(&self, iss: &str, dwk: &str, kid: &str) -> Result<PublicKey, ResolveError> {
        let jwks = self
            .sets
            .get(&(iss.to_string(), dwk.to_string()))
            .ok_or_else(|| ResolveError::Unavailable(format!("no metadata for {iss} {dwk}")))?;
        jwks.select(kid, self.rules).into_resolved()
    }
}

/// What the verifier knows about the request the token arrived with.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The profile whose rules apply.
    pub profile: Profile,
    /// Current Unix time.
    pub now: i64,
    /// Seconds of tolerance for `exp` and `iat` (0: none, as the drafts specify none).
    pub leeway: i64,
    /// The verifier's own identifier, which `aud` must equal.
    pub audience: Option<&'a str>,
    /// The key that signed the HTTP request: `cnf.jwk` must equal it; a resource token's
    /// `agent_jkt` must be its thumbprint.
    pub bound_key: Option<&'a PublicKey>,
    /// -10/legacy: the agent identifier of the signing context (`agent` claim).
    pub agent: Option<&'a str>,
    /// -10/legacy: the PS that sent the request (`mission.approver` of a resource token).
    pub mission_approver: Option<&'a str>,
    /// Checks to skip or loosen: only the reference roles' planted flaws set these.
    pub lenience: Lenience,
}

/// Deliberate loosening of single checks, so a reference verifier can carry one planted
/// bug (see `role::flaw`) at exactly the spot a real implementation would have it. The
/// default loosens nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lenience {
    /// Header `typ` is not compared with the kind.
    pub skip_typ: bool,
    /// `dwk` is not compared with the kind's values; keys are looked up under whatever it says.
    pub skip_dwk: bool,
    /// Header `alg` `none` is taken to mean "nothing to verify".
    pub accept_alg_none: bool,
    /// `exp` is not compared with the clock.
    pub skip_exp: bool,
    /// `iat` is not compared with the clock.
    pub skip_iat: bool,
    /// `iss` is lowercased and stripped of trailing slashes before use.
    pub normalise_iss: bool,
    /// A token without `cnf` is accepted (its `cnf_key` is then `None`).
    pub cnf_optional: bool,
    /// Algorithm Determination rules for `cnf.jwk` instead of the profile's.
    pub cnf_rules: Option<JwkRules>,
    /// A `cnf.jwk` whose `kty`/`crv` disagree with `alg` is used as its `kty`/`crv` say.
    pub ignore_cnf_kty_mismatch: bool,
}

impl<'a> Expected<'a> {
    /// Only the profile and time; add the context the verifier has.
    pub fn new(profile: Profile, now: i64) -> Self {
        Expected {
            profile,
            now,
            leeway: 0,
            audience: None,
            bound_key: None,
            agent: None,
            mission_approver: None,
            lenience: Lenience::default(),
        }
    }

    /// Loosen the checks `lenience` names (planted flaws only).
    pub fn lenient(mut self, lenience: Lenience) -> Self {
        self.lenience = lenience;
        self
    }

    /// As [`Expected::new`], reading the time from a clock.
    pub fn at(profile: Profile, clock: &Clock) -> Self {
        Self::new(profile, clock.now())
    }

    /// Require `aud` = `audience`.
    pub fn audience(mut self, audience: &'a str) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Require the token to be bound to `key`.
    pub fn bound_to(mut self, key: &'a PublicKey) -> Self {
        self.bound_key = Some(key);
        self
    }

    /// -10: require `agent` = `agent`.
    pub fn agent(mut self, agent: &'a str) -> Self {
        self.agent = Some(agent);
        self
    }

    /// -10: require `mission.approver` = `ps`.
    pub fn mission_approver(mut self, ps: &'a str) -> Self {
        self.mission_approver = Some(ps);
        self
    }
}

/// Why a token was refused: the check that failed, with what was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenFailure {
    /// The profile has no such token kind (person tokens before -11).
    #[error("{} does not exist in this profile", kind.typ())]
    KindNotInProfile {
        /// The kind.
        kind: TokenKind,
    },
    /// Not a compact JWS.
    #[error("malformed JWS: {0}")]
    Malformed(JwsDecodeError),
    /// Header `typ` is not the kind's.
    #[error("typ is {found:?}")]
    WrongTyp {
        /// What the header says (None: absent or not a string).
        found: Option<String>,
    },
    /// Header `alg` is missing, forbidden, polymorphic or not the key's.
    #[error("header alg: {0}")]
    HeaderAlg(JwsVerifyError),
    /// The payload is not a JSON object.
    #[error("claims: {0}")]
    ClaimsMalformed(JsonObjectError),
    /// `dwk` is not one the kind allows.
    #[error("dwk is {found:?}")]
    WrongDwk {
        /// What the token says.
        found: Option<String>,
    },
    /// `iss` is not a server identifier.
    #[error("iss {0:?} is not a server identifier")]
    InvalidIssuer(String),
    /// Header `kid` is absent.
    #[error("header has no kid")]
    MissingKid,
    /// The issuer key could not be found or used.
    #[error("issuer key: {0}")]
    Key(ResolveError),
    /// The signature does not verify under the issuer key.
    #[error("signature does not verify: {0}")]
    BadSignature(SignatureCheckError),
    /// `exp` is not in the future.
    #[error("expired: exp {exp} <= now {now}")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The verifier's time.
        now: i64,
    },
    /// `iat` is in the future.
    #[error("iat {iat} is after now {now}")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The verifier's time.
        now: i64,
    },
    /// A claim the profile requires is absent.
    #[error("claim {0:?} missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type.
    #[error("claim {claim:?} is not {expected}")]
    ClaimType {
        /// Claim name.
        claim: &'static str,
        /// The type it must have.
        expected: &'static str,
    },
    /// A claim the kind must not carry.
    #[error("claim {0:?} not allowed")]
    ForbiddenClaim(&'static str),
    /// `ps` is not a server identifier.
    #[error("ps {0:?} is not a server identifier")]
    InvalidPs(String),
    /// `aud` is not the verifier's identifier.
    #[error("aud is {found:?}, expected {expected:?}")]
    WrongAud {
        /// Expected identifier.
        expected: String,
        /// What the token says.
        found: String,
    },
    /// `cnf` or `cnf.jwk` absent.
    #[error("cnf.jwk missing")]
    CnfMissing,
    /// `cnf` or `cnf.jwk` is not an object.
    #[error("cnf.jwk is not an object")]
    CnfNotObject,
    /// `cnf.jwk` is incomplete, unusable or not a key.
    #[error("cnf.jwk: {0}")]
    CnfKey(JwkError),
    /// `cnf.jwk` is not the key that signed the request.
    #[error("cnf.jwk is not the HTTP-signing key")]
    CnfMismatch,
    /// `agent_jkt` is not the thumbprint of the HTTP-signing key.
    #[error("agent_jkt {found:?} is not the signing key's thumbprint")]
    AgentJktMismatch {
        /// What the token says.
        found: String,
    },
    /// An agent identifier claim is malformed.
    #[error("{claim} {value:?} is not an agent identifier")]
    InvalidAgentIdentifier {
        /// Which claim (`sub`, `parent_agent`, `agent`, `act.agent`).
        claim: &'static str,
        /// Its value.
        value: String,
    },
    /// -10: `agent` is not the requesting agent.
    #[error("agent is {found:?}, expected {expected:?}")]
    WrongAgent {
        /// Expected agent identifier.
        expected: String,
        /// What the token says.
        found: String,
    },
    /// -10: `mission.approver` is not the PS that sent the request, or is malformed.
    #[error("mission.approver is {found:?}")]
    MissionApproverMismatch {
        /// What the token says.
        found: String,
    },
    /// `mission_s256` (or `mission.s256`) is not 43 characters of base64url SHA-256.
    #[error("mission hash {0:?} is not a base64url SHA-256")]
    InvalidMissionHash(String),
    /// -10 auth token with neither `sub` nor `scope`.
    #[error("neither sub nor scope present")]
    SubOrScopeMissing,
    /// The claims passed every check but do not fit the typed model.
    #[error("claims do not fit the model: {0}")]
    ClaimsShape(String),
}

impl TokenFailure {
    /// A short name of the failed check, for reports and case expectations.
    pub fn check(&self) -> &'static str {
        match self {
            TokenFailure::KindNotInProfile { .. } => "kind",
            TokenFailure::Malformed(_) => "jws",
            TokenFailure::WrongTyp { .. } => "typ",
            TokenFailure::HeaderAlg(_) => "alg",
            TokenFailure::ClaimsMalformed(_) => "claims",
            TokenFailure::WrongDwk { .. } => "dwk",
            TokenFailure::InvalidIssuer(_) => "iss",
            TokenFailure::MissingKid => "kid",
            TokenFailure::Key(_) => "key",
            TokenFailure::BadSignature(_) => "signature",
            TokenFailure::Expired { .. } => "exp",
            TokenFailure::IssuedInFuture { .. } => "iat",
            TokenFailure::MissingClaim(_) => "required-claim",
            TokenFailure::ClaimType { .. } => "claim-type",
            TokenFailure::ForbiddenClaim(_) => "forbidden-claim",
            TokenFailure::InvalidPs(_) => "ps",
            TokenFailure::WrongAud { .. } => "aud",
            TokenFailure::CnfMissing | TokenFailure::CnfNotObject => "cnf",
            TokenFailure::CnfKey(_) => "cnf-key",
            TokenFailure::CnfMismatch => "cnf-binding",
            TokenFailure::AgentJktMismatch { .. } => "agent_jkt",
            TokenFailure::InvalidAgentIdentifier { .. } => "agent-identifier",
            TokenFailure::WrongAgent { .. } => "agent",
            TokenFailure::MissionApproverMismatch { .. } => "mission",
            TokenFailure::InvalidMissionHash(_) => "mission-hash",
            TokenFailure::SubOrScopeMissing => "sub-or-scope",
            TokenFailure::ClaimsShape(_) => "claims-shape",
        }
    }

    /// The `Signature-Error` code for this failure when the token travelled in
    /// `Signature-Key` (requirements §2.4). A token bound to another key surfaces as a
    /// signature that does not verify under `cnf.jwk`, hence `invalid_signature`.
    pub fn signature_error_code(&self) -> SignatureErrorCode {
        match self {
            TokenFailure::Expired { .. } => SignatureErrorCode::EXPIRED_JWT,
            TokenFailure::Key(e) => e.signature_error_code(),
            TokenFailure::CnfKey(e) => e.signature_error_code(),
            TokenFailure::CnfMissing | TokenFailure::CnfNotObject => {
                SignatureErrorCode::INVALID_JWT
            }
            TokenFailure::CnfMismatch => SignatureErrorCode::INVALID_SIGNATURE,
            _ => SignatureErrorCode::INVALID_JWT,
        }
    }

    /// The endpoint error code (requirements §2.14) for a token of `kind` refused at a PS,
    /// AS or authorization endpoint. Auth tokens have none: they are only presented in
    /// `Signature-Key`, where [`TokenFailure::signature_error_code`] applies.
    pub fn endpoint_error_code(&self, kind: TokenKind) -> Option<&'static str> {
        let expired = matches!(self, TokenFailure::Expired { .. });
        match kind {
            TokenKind::Agent if expired => Some("expired_agent_token"),
            TokenKind::Agent => Some("invalid_agent_token"),
            TokenKind::Person => Some("invalid_person_token"),
            TokenKind::Resource if expired => Some("expired_resource_token"),
            TokenKind::Resource => Some("invalid_resource_token"),
            TokenKind::Auth => None,
        }
    }
}

/// A token that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidToken {
    /// Its kind.
    pub kind: TokenKind,
    /// The decoded JWS (exact header and payload bytes).
    pub decoded: DecodedJws,
    /// The claims, in order.
    pub claims: Map<String, Value>,
    /// The issuer key it verified under.
    pub issuer_key: PublicKey,
    /// The decoded `cnf.jwk`, for kinds that carry one.
    pub cnf_key: Option<PublicKey>,
}

impl ValidToken {
    /// The claims as their typed model.
    pub fn typed<C: TokenClaims>(&self) -> Result<C, TokenFailure> {
        C::from_claims(&self.claims).map_err(|e| TokenFailure::ClaimsShape(e.to_string()))
    }
}

/// True for an AAuth server identifier: `https://` + lowercase host (LDH labels, A-labels
/// for IDNs), no port, path, query, fragment or trailing slash.
///
/// Local to this module until `wire::identifier` lands; the lead will unify them.
pub fn is_server_identifier(s: &str) -> bool {
    s.strip_prefix("https://").is_some_and(is_host)
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// True for an AAuth agent identifier `aauth:local@domain`: `local` 1-255 characters of
/// `[a-z0-9._+-]`, not starting or ending with `+` and without an empty `+` segment; `domain`
/// a host as in server identifiers. (The single-level sub-agent rule is PS policy, not
/// syntax.)
pub fn is_agent_identifier(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("aauth:") else {
        return false;
    };
    let Some((local, domain)) = rest.split_once('@') else {
        return false;
    };
    (1..=255).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._+-".contains(&b))
        && local.split('+').all(|seg| !seg.is_empty())
        && is_host(domain)
}

fn is_mission_hash(s: &str) -> bool {
    s.len() == 43 && b64::decode_exact::<32>(s).is_ok()
}

/// The JSON type a known claim must have.
#[derive(Clone, Copy)]
enum JsonType {
    String,
    Number,
    Object,
}

impl JsonType {
    fn admits(self, v: &Value) -> bool {
        match self {
            JsonType::String => v.is_string(),
            JsonType::Number => v.is_number(),
            JsonType::Object => v.is_object(),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            JsonType::String => "a string",
            JsonType::Number => "a number",
            JsonType::Object => "an object",
        }
    }
}

/// Every claim the models know, with its type.
const CLAIM_TYPES: [(&str, JsonType); 20] = [
    ("iss", JsonType::String),
    ("dwk", JsonType::String),
    ("aud", JsonType::String),
    ("sub", JsonType::String),
    ("jti", JsonType::String),
    ("ps", JsonType::String),
    ("parent_agent", JsonType::String),
    ("presented_jti", JsonType::String),
    ("agent", JsonType::String),
    ("agent_jkt", JsonType::String),
    ("scope", JsonType::String),
    ("account", JsonType::String),
    ("mission_s256", JsonType::String),
    ("tenant", JsonType::String),
    ("iat", JsonType::Number),
    ("exp", JsonType::Number),
    ("cnf", JsonType::Object),
    ("mission", JsonType::Object),
    ("interaction", JsonType::Object),
    ("act", JsonType::Object),
];

fn str_claim<'c>(claims: &'c Map<String, Value>, name: &'static str) -> Option<&'c str> {
    claims.get(name).and_then(Value::as_str)
}

fn time_claim(claims: &Map<String, Value>, name: &'static str) -> Result<i64, TokenFailure> {
    let v = claims.get(name).ok_or(TokenFailure::MissingClaim(name))?;
    if let Some(i) = v.as_i64() {
        return Ok(i);
    }
    match v.as_f64() {
        // Fractional NumericDate (RFC 7519 §2): compare on whole seconds.
        Some(f) if f.is_finite() => Ok(f.floor() as i64),
        _ => Err(TokenFailure::ClaimType {
            claim: name,
            expected: "a number",
        }),
    }
}

/// A token that passed the checks made before its issuer key is needed (steps 1 to 4),
/// holding what the rest of the validation uses, so nothing is decoded twice. A caller
/// whose key source is asynchronous resolves [`PendingToken::iss`], [`PendingToken::dwk`]
/// and [`PendingToken::kid`] itself and then calls [`PendingToken::finish`];
/// [`validate_token`] is exactly [`begin_token`], a [`KeyResolver`] lookup and `finish`.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingToken {
    kind: TokenKind,
    decoded: DecodedJws,
    claims: Map<String, Value>,
    iss: String,
    dwk: String,
    kid: String,
    unsecured: bool,
}

impl PendingToken {
    /// The token kind being validated.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The issuer whose key is needed (as the verifier compares it).
    pub fn iss(&self) -> &str {
        &self.iss
    }

    /// The metadata document the issuer's key is published through.
    pub fn dwk(&self) -> &str {
        &self.dwk
    }

    /// The header `kid` naming the key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Steps 5 to 8 of [`validate_token`] with the issuer key the caller resolved (or why it
    /// could not).
    pub fn finish(
        self,
        expected: &Expected<'_>,
        issuer_key: Result<PublicKey, ResolveError>,
    ) -> Result<ValidToken, TokenFailure> {
        finish_token(self, expected, issuer_key, false)
    }

    /// Step 5 alone: the key was resolved and the signature verifies under it. On
    /// [`TokenFailure::BadSignature`] the token is still here, so a caller can resolve the
    /// key again (an issuer that re-keyed under the same `kid`) without cloning it first.
    pub fn check_signature(
        &self,
        expected: &Expected<'_>,
        issuer_key: &Result<PublicKey, ResolveError>,
    ) -> Result<(), TokenFailure> {
        let issuer_key = issuer_key
            .as_ref()
            .map_err(|e| TokenFailure::Key(e.clone()))?;
        if self.unsecured {
            return Ok(());
        }
        let rules = JwkRules::for_profile(expected.profile);
        jws::verify_with(&self.decoded, issuer_key, rules).map_err(|e| match e {
            JwsVerifyError::Signature(s) => TokenFailure::BadSignature(s),
            other => TokenFailure::HeaderAlg(other),
        })
    }

    /// Steps 6 to 8, for a token whose step 5 [`PendingToken::check_signature`] passed
    /// with `issuer_key`.
    pub fn finish_checked(
        self,
        expected: &Expected<'_>,
        issuer_key: PublicKey,
    ) -> Result<ValidToken, TokenFailure> {
        finish_token(self, expected, Ok(issuer_key), true)
    }
}

/// Validate a token of `kind`; see the module documentation for the order of checks.
pub fn validate_token(
    kind: TokenKind,
    token: &str,
    expected: &Expected<'_>,
    resolver: &dyn KeyResolver,
) -> Result<ValidToken, TokenFailure> {
    let pending = begin_token(kind, token, expected)?;
    let issuer_key = resolver.resolve(&pending.iss, &pending.dwk, &pending.kid);
    pending.finish(expected, issuer_key)
}

/// Steps 1 to 4 of [`validate_token`]: everything checked before the issuer key is needed.
pub fn begin_token(
    kind: TokenKind,
    token: &str,
    expected: &Expected<'_>,
) -> Result<PendingToken, TokenFailure> {
    if !kind.in_profile(expected.profile) {
        return Err(TokenFailure::KindNotInProfile { kind });
    }
    let decoded = jws::decode(token).map_err(TokenFailure::Malformed)?;
    begin_decoded(kind, decoded, expected)
}

/// [`begin_token`] for a token the caller has already decoded (to pick the kind from its
/// `typ`, say), so it is not decoded twice.
pub fn begin_decoded(
    kind: TokenKind,
    decoded: DecodedJws,
    expected: &Expected<'_>,
) -> Result<PendingToken, TokenFailure> {
    let profile = expected.profile;
    let rules = JwkRules::for_profile(profile);
    if !kind.in_profile(profile) {
        return Err(TokenFailure::KindNotInProfile { kind });
    }
    let header = decoded.header();

    // (2) typ first.
    let lenience = expected.lenience;
    if !lenience.skip_typ && header.typ() != Some(kind.typ()) {
        return Err(TokenFailure::WrongTyp {
            found: header.typ().map(str::to_string),
        });
    }
    // (3) header alg classes that no key could rescue.
    let unsecured = match jws::acceptable_header_alg(header, rules) {
        Err(JwsVerifyError::AlgForbidden(alg)) if lenience.accept_alg_none && alg == Alg::NONE => {
            true
        }
        Err(e) => return Err(TokenFailure::HeaderAlg(e)),
        Ok(_) => false,
    };

    // (4) what is needed to find the key.
    let claims = decoded
        .payload_object()
        .map_err(TokenFailure::ClaimsMalformed)?;
    let dwk = str_claim(&claims, "dwk");
    if !lenience.skip_dwk && !dwk.is_some_and(|d| kind.allowed_dwk().contains(&d)) {
        return Err(TokenFailure::WrongDwk {
            found: dwk.map(str::to_string),
        });
    }
    let dwk = dwk
        .or_else(|| kind.allowed_dwk().first().copied())
        .unwrap_or_default();
    let normalised;
    let iss = match claims.get("iss") {
        None => return Err(TokenFailure::MissingClaim("iss")),
        Some(Value::String(s)) if lenience.normalise_iss => {
            normalised = s.trim_end_matches('/').to_ascii_lowercase();
            normalised.as_str()
        }
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(TokenFailure::ClaimType {
                claim: "iss",
                expected: "a string",
            })
        }
    };
    if !is_server_identifier(iss) {
        return Err(TokenFailure::InvalidIssuer(iss.to_string()));
    }
    let kid = header.kid().ok_or(TokenFailure::MissingKid)?;

    let (iss, dwk, kid) = (iss.to_string(), dwk.to_string(), kid.to_string());
    Ok(PendingToken {
        kind,
        decoded,
        claims,
        iss,
        dwk,
        kid,
        unsecured,
    })
}

fn finish_token(
    pending: PendingToken,
    expected: &Expected<'_>,
    issuer_key: Result<PublicKey, ResolveError>,
    signature_checked: bool,
) -> Result<ValidToken, TokenFailure> {
    let PendingToken {
        kind,
        decoded,
        claims,
        unsecured,
        ..
    } = pending;
    let profile = expected.profile;
    let rules = JwkRules::for_profile(profile);
    let lenience = expected.lenience;

    // (5) key and signature.
    let issuer_key = issuer_key.map_err(TokenFailure::Key)?;
    if !unsecured && !signature_checked {
        jws::verify_with(&decoded, &issuer_key, rules).map_err(|e| match e {
            JwsVerifyError::Signature(s) => TokenFailure::BadSignature(s),
            other => TokenFailure::HeaderAlg(other),
        })?;
    }

    // (6) time.
    let exp = time_claim(&claims, "exp")?;
    if !lenience.skip_exp && exp.saturating_add(expected.leeway) <= expected.now {
        return Err(TokenFailure::Expired {
            exp,
            now: expected.now,
        });
    }
    let iat = time_claim(&claims, "iat")?;
    if !lenience.skip_iat && iat > expected.now.saturating_add(expected.leeway) {
        return Err(TokenFailure::IssuedInFuture {
            iat,
            now: expected.now,
        });
    }

    // (7) claim shapes.
    for (name, want) in CLAIM_TYPES {
        if claims.get(name).is_some_and(|v| !want.admits(v)) {
            return Err(TokenFailure::ClaimType {
                claim: name,
                expected: want.describe(),
            });
        }
    }
    // A resource token's `interaction` is `{url, code}` (strings), as its model reads it.
    if kind == TokenKind::Resource {
        if let Some(interaction) = claims.get("interaction").and_then(Value::as_object) {
            for (member, claim) in [("url", "interaction.url"), ("code", "interaction.code")] {
                if !interaction.get(member).is_some_and(Value::is_string) {
                    return Err(TokenFailure::ClaimType {
                        claim,
                        expected: "a string",
                    });
                }
            }
        }
    }
    for &name in required_claims(kind, profile) {
        if name == "cnf" && lenience.cnf_optional {
            continue;
        }
        if !claims.contains_key(name) {
            return Err(match name {
                "cnf" => TokenFailure::CnfMissing,
                _ => TokenFailure::MissingClaim(name),
            });
        }
    }
    // `scope` is required of resource tokens unless a companion claim replaces it (R3).
    if kind == TokenKind::Resource
        && !claims.contains_key("scope")
        && !claims.contains_key("r3_uri")
    {
        return Err(TokenFailure::MissingClaim("scope"));
    }
    for &name in forbidden_claims(kind) {
        if claims.contains_key(name) {
            return Err(TokenFailure::ForbiddenClaim(name));
        }
    }
    if let Some(ps) = str_claim(&claims, "ps") {
        if !is_server_identifier(ps) {
            return Err(TokenFailure::InvalidPs(ps.to_string()));
        }
    }

    // (8) request context.
    if kind != TokenKind::Agent {
        if let (Some(want), Some(found)) = (expected.audience, str_claim(&claims, "aud")) {
            if want != found {
                return Err(TokenFailure::WrongAud {
                    expected: want.to_string(),
                    found: found.to_string(),
                });
            }
        }
    }
    let cnf_key = match kind {
        TokenKind::Resource => None,
        _ if lenience.cnf_optional && !claims.contains_key("cnf") => None,
        _ => Some(check_cnf(&claims, expected, rules)?),
    };
    match kind {
        TokenKind::Agent => check_agent_claims(&claims)?,
        TokenKind::Person => {}
        TokenKind::Resource => check_resource_claims(&claims, expected)?,
        TokenKind::Auth => check_auth_claims(&claims, expected)?,
    }
    check_mission(&claims, expected)?;

    Ok(ValidToken {
        kind,
        decoded,
        claims,
        issuer_key,
        cnf_key,
    })
}

/// Validate and read the claims as `C`'s model (the kind comes from `C`).
pub fn validate<C: TokenClaims>(
    token: &str,
    expected: &Expected<'_>,
    resolver: &dyn KeyResolver,
) -> Result<(ValidToken, C), TokenFailure> {
    let valid = validate_token(C::KIND, token, expected, resolver)?;
    let claims = valid.typed::<C>()?;
    Ok((valid, claims))
}

fn check_cnf(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
    rules: JwkRules,
) -> Result<PublicKey, TokenFailure> {
    let cnf = claims.get("cnf").ok_or(TokenFailure::CnfMissing)?;
    let cnf = cnf.as_object().ok_or(TokenFailure::CnfNotObject)?;
    let jwk = cnf.get("jwk").ok_or(TokenFailure::CnfMissing)?;
    let jwk = jwk.as_object().ok_or(TokenFailure::CnfNotObject)?;
    let lenience = expected.lenience;
    let key = match Jwk::key_from_members(jwk, lenience.cnf_rules.unwrap_or(rules)) {
        Err(JwkError::KtyMismatch { .. } | JwkError::CrvMismatch { .. })
            if lenience.ignore_cnf_kty_mismatch =>
        {
            // Planted flaw: believe kty/crv and forget the alg that contradicts them.
            let mut loose = Jwk::from_map(jwk.clone());
            loose.remove("alg");
            loose.to_public_key(JwkRules::LEGACY)
        }
        other => other,
    }
    .map_err(TokenFailure::CnfKey)?;
    if let Some(want) = expected.bound_key {
        if *want != key {
            return Err(TokenFailure::CnfMismatch);
        }
    }
    Ok(key)
}

fn agent_identifier(claims: &Map<String, Value>, claim: &'static str) -> Result<(), TokenFailure> {
    match str_claim(claims, claim) {
        Some(v) if !is_agent_identifier(v) => Err(TokenFailure::InvalidAgentIdentifier {
            claim,
            value: v.to_string(),
        }),
        _ => Ok(()),
    }
}

fn check_agent_claims(claims: &Map<String, Value>) -> Result<(), TokenFailure> {
    agent_identifier(claims, "sub")?;
    agent_identifier(claims, "parent_agent")
}

fn check_expected_agent(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<(), TokenFailure> {
    agent_identifier(claims, "agent")?;
    if let (Some(want), Some(found)) = (expected.agent, str_claim(claims, "agent")) {
        if want != found {
            return Err(TokenFailure::WrongAgent {
                expected: want.to_string(),
                found: found.to_string(),
            });
        }
    }
    Ok(())
}

fn check_resource_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<(), TokenFailure> {
    if let (Some(key), Some(found)) = (expected.bound_key, str_claim(claims, "agent_jkt")) {
        if key.thumbprint() != found {
            return Err(TokenFailure::AgentJktMismatch {
                found: found.to_string(),
            });
        }
    }
    check_expected_agent(claims, expected)
}

fn check_auth_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
) -> Result<(), TokenFailure> {
    check_expected_agent(claims, expected)?;
    if let Some(act) = claims.get("act").and_then(Value::as_object) {
        match act.get("agent").and_then(Value::as_str) {
            Some(a) if is_agent_identifier(a) => {}
            other => {
                return Err(TokenFailure::InvalidAgentIdentifier {
                    claim: "act.agent",
                    value: other.unwrap_or_default().to_string(),
                })
            }
        }
    }
    if !expected.profile.has_person_tokens()
        && !claims.contains_key("sub")
        && !claims.contains_key("scope")
    {
        return Err(TokenFailure::SubOrScopeMissing);
    }
    Ok(())
}

fn check_mission(claims: &Map<String, Value>, expected: &Expected<'_>) -> Result<(), TokenFailure> {
    if let Some(h) = str_claim(claims, "mission_s256") {
        if !is_mission_hash(h) {
            return Err(TokenFailure::InvalidMissionHash(h.to_string()));
        }
    }
    if let Some(m) = claims.get("mission").and_then(Value::as_object) {
        let approver = m
            .get("approver")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let wrong = !is_server_identifier(approver)
            || expected
                .mission_approver
                .is_some_and(|want| want != approver);
        if wrong {
            return Err(TokenFailure::MissionApproverMismatch {
                found: approver.to_string(),
            });
        }
        let s256 = m.get("s256").and_then(Value::as_str).unwrap_or_default();
        if !is_mission_hash(s256) {
            return Err(TokenFailure::InvalidMissionHash(s256.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identifiers_follow_section_2_11() {
        for ok in [
            "https://agent.example",
            "https://xn--nxasmq6b.example",
            "https://a-b.c9",
        ] {
            assert!(is_server_identifier(ok), "{ok}");
        }
        for bad in [
            "http://agent.example",
            "https://Agent.Example",
            "https://agent.example:8443",
            "https://agent.example/v1",
            "https://agent.example/",
            "https://",
            "https://agent..example",
            "https://-agent.example",
            "https://agent.example?x",
            "https://agent.example#f",
            "https://user@agent.example",
            " https://agent.example",
        ] {
            assert!(!is_server_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn agent_identifiers_follow_section_2_11() {
        for ok in [
            "aauth:assistant-v2@agent.example",
            "aauth:planner.7f3c+search1@vendor.example",
            "aauth:a@b",
        ] {
            assert!(is_agent_identifier(ok), "{ok}");
        }
        for bad in [
            "My Agent@agent.example",
            "aauth:@agent.example",
            "aauth:agent@http://agent.example",
            "aauth:Agent@agent.example",
            "aauth:+x@agent.example",
            "aauth:x+@agent.example",
            "aauth:x@Agent.example",
            "agent@agent.example",
        ] {
            assert!(!is_agent_identifier(bad), "{bad}");
        }
        assert!(!is_agent_identifier(&format!(
            "aauth:{}@a.example",
            "a".repeat(256)
        )));
    }

    #[test]
    fn mission_hashes_are_43_char_sha256() {
        assert!(is_mission_hash(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!is_mission_hash("aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcd"));
        assert!(!is_mission_hash(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk="
        ));
    }

    #[test]
    fn failures_map_to_both_error_vocabularies() {
        let expired = TokenFailure::Expired { exp: 1, now: 2 };
        assert_eq!(
            expired.signature_error_code(),
            SignatureErrorCode::EXPIRED_JWT
        );
        assert_eq!(
            expired.endpoint_error_code(TokenKind::Agent),
            Some("expired_agent_token")
        );
        assert_eq!(
            expired.endpoint_error_code(TokenKind::Resource),
            Some("expired_resource_token")
        );
        assert_eq!(
            expired.endpoint_error_code(TokenKind::Person),
            Some("invalid_person_token")
        );
        assert_eq!(expired.endpoint_error_code(TokenKind::Auth), None);
        let typ = TokenFailure::WrongTyp { found: None };
        assert_eq!(typ.signature_error_code(), SignatureErrorCode::INVALID_JWT);
        assert_eq!(
            typ.endpoint_error_code(TokenKind::Agent),
            Some("invalid_agent_token")
        );
        assert_eq!(
            TokenFailure::Key(ResolveError::UnknownKey).signature_error_code(),
            SignatureErrorCode::UNKNOWN_KEY
        );
        assert_eq!(
            TokenFailure::Key(ResolveError::UnusableKey(JwkError::AlgMissing))
                .signature_error_code(),
            SignatureErrorCode::UNSUPPORTED_ALGORITHM
        );
        assert_eq!(
            TokenFailure::CnfKey(JwkError::Incomplete { member: "x" }).signature_error_code(),
            SignatureErrorCode::INVALID_KEY
        );
    }
}
