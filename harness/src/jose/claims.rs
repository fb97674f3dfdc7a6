//! The AAuth token claim sets (requirements §2.10) for each profile, and the issuer that signs
//! them.
//!
//! One struct per token kind carries the claims of every profile: the -11 ones (`ps`, `sub`,
//! `presented_jti`, `mission_s256`, `tenant`) and the -10/legacy ones (`agent`, `act`,
//! `mission{approver,s256}`) are optional fields, and [`required_claims`] says which a profile
//! requires. Serialisation follows field order (the order the drafts list claims in), then any
//! extra claims in insertion order, so tokens are byte-reproducible. Every struct keeps claims
//! it does not model in `extra`, both when reading and when building.
//!
//! [`TokenIssuer`] is the one place that turns claims into a signed token: the reference roles
//! and the vectors generator use it for valid tokens, and [`crate::jose::mutate`] uses its
//! unchecked half to sign defective ones.

use crate::jose::alg::Alg;
use crate::jose::jwk::Jwk;
use crate::jose::jwks::Jwks;
use crate::jose::jws::{self, JwsHeader};
use crate::jose::key::{PublicKey, SigningKey};
use crate::profile::Profile;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Well-known metadata document names (`dwk` values).
pub mod dwk {
    /// Agent provider metadata.
    pub const AGENT: &str = "aauth-agent.json";
    /// Person server metadata.
    pub const PERSON: &str = "aauth-person.json";
    /// Resource metadata.
    pub const RESOURCE: &str = "aauth-resource.json";
    /// Access server metadata.
    pub const ACCESS: &str = "aauth-access.json";
}

/// The four AAuth JWT kinds, each identified on the wire by its `typ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// `aa-agent+jwt`: agent provider → agent; the agent's identity and key.
    Agent,
    /// `aa-person+jwt` (-11 only): PS → agent → resource; who the person is.
    Person,
    /// `aa-resource+jwt`: resource → agent → PS/AS; what access is asked for.
    Resource,
    /// `aa-auth+jwt`: PS/AS → agent → resource; what access is granted.
    Auth,
}

impl TokenKind {
    /// Every kind.
    pub const ALL: [TokenKind; 4] = [
        TokenKind::Agent,
        TokenKind::Person,
        TokenKind::Resource,
        TokenKind::Auth,
    ];

    /// The header `typ`.
    pub fn typ(self) -> &'static str {
        match self {
            TokenKind::Agent => "aa-agent+jwt",
            TokenKind::Person => "aa-person+jwt",
            TokenKind::Resource => "aa-resource+jwt",
            TokenKind::Auth => "aa-auth+jwt",
        }
    }

    /// The kind a `typ` names (exact, case-sensitive match).
    pub fn from_typ(typ: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.typ() == typ)
    }

    /// The `dwk` values a token of this kind may carry: auth tokens come from an AS or from
    /// a PS asserting identity.
    pub fn allowed_dwk(self) -> &'static [&'static str] {
        match self {
            TokenKind::Agent => &[dwk::AGENT],
            TokenKind::Person => &[dwk::PERSON],
            TokenKind::Resource => &[dwk::RESOURCE],
            TokenKind::Auth => &[dwk::ACCESS, dwk::PERSON],
        }
    }

    /// True when the profile has this kind at all (person tokens are new in -11).
    pub fn in_profile(self, profile: Profile) -> bool {
        self != TokenKind::Person || profile.has_person_tokens()
    }

    /// Human name for reports.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Agent => "agent token",
            TokenKind::Person => "person token",
            TokenKind::Resource => "resource token",
            TokenKind::Auth => "auth token",
        }
    }
}

/// The claims a token of `kind` must carry under `profile` (requirements §2.10). Conditional
/// rules (-10 auth tokens need `sub` or `scope`; `scope` may be replaced by a companion
/// claim) are applied by the validator, not listed here.
pub fn required_claims(kind: TokenKind, profile: Profile) -> &'static [&'static str] {
    let p11 = profile.has_person_tokens();
    match kind {
        TokenKind::Agent => &["iss", "dwk", "sub", "jti", "cnf", "iat", "exp"],
        TokenKind::Person => &["iss", "dwk", "aud", "sub", "cnf", "jti", "iat", "exp"],
        TokenKind::Resource if p11 => &[
            "iss",
            "dwk",
            "aud",
            "jti",
            "ps",
            "sub",
            "presented_jti",
            "agent_jkt",
            "iat",
            "exp",
        ],
        TokenKind::Resource => &[
            "iss",
            "dwk",
            "aud",
            "jti",
            "agent",
            "agent_jkt",
            "iat",
            "exp",
        ],
        TokenKind::Auth if p11 => &["iss", "dwk", "aud", "jti", "ps", "sub", "cnf", "iat", "exp"],
        TokenKind::Auth => &["iss", "dwk", "aud", "jti", "agent", "cnf", "iat", "exp"],
    }
}

/// Claims a token of `kind` must not carry (a person token is not an authorization).
pub fn forbidden_claims(kind: TokenKind) -> &'static [&'static str] {
    match kind {
        TokenKind::Person => &["scope", "account"],
        _ => &[],
    }
}

/// `iat` and `exp` as the models read them: any JSON number (RFC 7519 §2 NumericDate), with
/// fractional seconds floored and values beyond `i64` saturated, exactly as the validator
/// compares them, so every token the validator accepts also reads as its model.
mod numeric_date {
    use serde::de::{Deserializer, Error, Visitor};
    use std::fmt;

    struct NumericDate;

    impl Visitor<'_> for NumericDate {
        type Value = i64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON number (NumericDate)")
        }

        fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }

        fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
            Ok(i64::try_from(v).unwrap_or(i64::MAX))
        }

        fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
            if v.is_finite() {
                // `as` saturates, like the validator's comparison.
                Ok(v.floor() as i64)
            } else {
                Err(E::custom("NumericDate is not finite"))
            }
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        d.deserialize_any(NumericDate)
    }
}

/// `cnf` (RFC 7800) with the presenter's key.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Confirmation {
    /// The key the token is bound to.
    pub jwk: Jwk,
    /// Other members of `cnf`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Confirmation {
    /// `cnf` holding this JWK.
    pub fn new(jwk: Jwk) -> Self {
        Confirmation {
            jwk,
            extra: Map::new(),
        }
    }
}

/// -10 mission reference `{approver, s256}` in resource and auth tokens.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MissionRef {
    /// Server identifier of the approving PS.
    pub approver: String,
    /// base64url SHA-256 of the approved mission JSON.
    pub s256: String,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource token's `interaction` `{url, code}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Interaction {
    /// The resource's interaction URL.
    pub url: String,
    /// The interaction code.
    pub code: String,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// -10 delegation chain `act` (RFC 8693 §4.1); a nested `act` stays in `extra`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Act {
    /// The immediate upstream agent identifier.
    pub agent: String,
    /// Other members, including a nested `act`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `aa-agent+jwt` claims (same in every profile).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentClaims {
    /// Agent provider server identifier.
    pub iss: String,
    /// `aauth-agent.json`.
    pub dwk: String,
    /// Agent identifier `aauth:local@domain`.
    pub sub: String,
    /// Token identifier.
    pub jti: String,
    /// The agent's signing key.
    pub cnf: Confirmation,
    /// The agent's PS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ps: Option<String>,
    /// Parent agent identifier, for sub-agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_agent: Option<String>,
    /// Issued at.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub iat: i64,
    /// Expiry.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub exp: i64,
    /// Claims not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `aa-person+jwt` claims (-11 only).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct PersonClaims {
    /// PS server identifier.
    pub iss: String,
    /// `aauth-person.json`.
    pub dwk: String,
    /// The one resource this token is for.
    pub aud: String,
    /// Directed person identifier for `aud`.
    pub sub: String,
    /// The agent's signing key.
    pub cnf: Confirmation,
    /// Mission the agent acts under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_s256: Option<String>,
    /// The person's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Token identifier (what resource tokens cite as `presented_jti`).
    pub jti: String,
    /// Issued at.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub iat: i64,
    /// Expiry.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub exp: i64,
    /// Claims not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `aa-resource+jwt` claims: -11 uses `ps`/`sub`/`presented_jti`/`mission_s256`/`tenant`,
/// -10 and legacy use `agent`/`mission`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourceClaims {
    /// Resource server identifier.
    pub iss: String,
    /// `aauth-resource.json`.
    pub dwk: String,
    /// The PS or AS that is to redeem it.
    pub aud: String,
    /// Token identifier.
    pub jti: String,
    /// -11: `iss` of the verified person token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ps: Option<String>,
    /// -11: `sub` of the verified person token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// -11: `jti` of the verified person token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presented_jti: Option<String>,
    /// -10/legacy: agent identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// RFC 7638 thumbprint of the agent's signing key.
    pub agent_jkt: String,
    /// Issued at.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub iat: i64,
    /// Expiry.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub exp: i64,
    /// Space-separated scopes (a companion spec may replace it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Account the authorization is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// -11: mission, copied from the person token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_s256: Option<String>,
    /// -10/legacy: mission reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<MissionRef>,
    /// -11: tenant, copied from the person token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The resource's own user-facing step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction: Option<Interaction>,
    /// Claims not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `aa-auth+jwt` claims: -11 requires `ps` and `sub`; -10 and legacy require `agent` and one
/// of `sub`/`scope`, and may carry `act` and `mission`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct AuthClaims {
    /// PS or AS server identifier.
    pub iss: String,
    /// `aauth-access.json` (AS) or `aauth-person.json` (PS).
    pub dwk: String,
    /// The resource.
    pub aud: String,
    /// Token identifier.
    pub jti: String,
    /// -11: the person's PS (= `iss` when a PS issued it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ps: Option<String>,
    /// Directed person identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// -10/legacy: agent identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// -10/legacy: delegation chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Act>,
    /// The agent's signing key.
    pub cnf: Confirmation,
    /// Issued at.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub iat: i64,
    /// Expiry.
    #[serde(deserialize_with = "numeric_date::deserialize")]
    pub exp: i64,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Account the authorization is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// -11: mission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission_s256: Option<String>,
    /// -10/legacy: mission reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mission: Option<MissionRef>,
    /// The person's organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Claims not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A claim set that knows its token kind, so the issuer can pick `typ` and check it.
pub trait TokenClaims: Serialize + DeserializeOwned {
    /// Which token these claims make.
    const KIND: TokenKind;

    /// The claims as an ordered JSON object.
    fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            // Derived Serialize on a struct always yields an object.
            _ => Map::new(),
        }
    }

    /// Read claims from a JSON object (after validation, to get typed access).
    fn from_map(map: Map<String, Value>) -> Result<Self, serde_json::Error> {
        serde_json::from_value(Value::Object(map))
    }

    /// [`TokenClaims::from_map`] on borrowed claims, which a validated token keeps: reads
    /// them in place instead of copying every member first.
    fn from_claims(map: &Map<String, Value>) -> Result<Self, serde_json::Error> {
        Self::deserialize(map)
    }
}

impl TokenClaims for AgentClaims {
    const KIND: TokenKind = TokenKind::Agent;
}
impl TokenClaims for PersonClaims {
    const KIND: TokenKind = TokenKind::Person;
}
impl TokenClaims for ResourceClaims {
    const KIND: TokenKind = TokenKind::Resource;
}
impl TokenClaims for AuthClaims {
    const KIND: TokenKind = TokenKind::Auth;
}

impl AgentClaims {
    /// A complete agent token claim set; `cnf.jwk` written the way `profile` writes keys.
    pub fn new(
        profile: Profile,
        iss: &str,
        sub: &str,
        jti: &str,
        agent_key: &PublicKey,
        iat: i64,
        exp: i64,
    ) -> Self {
        AgentClaims {
            iss: iss.into(),
            dwk: dwk::AGENT.into(),
            sub: sub.into(),
            jti: jti.into(),
            cnf: Confirmation::new(Jwk::for_profile(agent_key, profile, None)),
            iat,
            exp,
            ..Default::default()
        }
    }
}

impl PersonClaims {
    /// A complete person token claim set (-11).
    pub fn new(
        iss: &str,
        aud: &str,
        sub: &str,
        jti: &str,
        agent_key: &PublicKey,
        iat: i64,
        exp: i64,
    ) -> Self {
        PersonClaims {
            iss: iss.into(),
            dwk: dwk::PERSON.into(),
            aud: aud.into(),
            sub: sub.into(),
            cnf: Confirmation::new(Jwk::from_public(agent_key, None)),
            jti: jti.into(),
            iat,
            exp,
            ..Default::default()
        }
    }
}

impl ResourceClaims {
    /// The claims common to every profile; add [`ResourceClaims::for_person`] (-11) or
    /// [`ResourceClaims::for_agent`] (-10, legacy) to complete them.
    pub fn new(
        iss: &str,
        aud: &str,
        jti: &str,
        agent_key: &PublicKey,
        scope: &str,
        iat: i64,
        exp: i64,
    ) -> Self {
        ResourceClaims {
            iss: iss.into(),
            dwk: dwk::RESOURCE.into(),
            aud: aud.into(),
            jti: jti.into(),
            agent_jkt: agent_key.thumbprint(),
            iat,
            exp,
            scope: Some(scope.into()),
            ..Default::default()
        }
    }

    /// -11: bind to the person token the resource verified.
    pub fn for_person(mut self, ps: &str, sub: &str, presented_jti: &str) -> Self {
        self.ps = Some(ps.into());
        self.sub = Some(sub.into());
        self.presented_jti = Some(presented_jti.into());
        self
    }

    /// -10/legacy: name the agent.
    pub fn for_agent(mut self, agent: &str) -> Self {
        self.agent = Some(agent.into());
        self
    }
}

impl AuthClaims {
    /// The claims common to every profile; add [`AuthClaims::for_person`] (-11) or
    /// [`AuthClaims::for_agent`] (-10, legacy) to complete them. `dwk` says who issues it
    /// ([`dwk::ACCESS`] or [`dwk::PERSON`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        profile: Profile,
        iss: &str,
        dwk: &str,
        aud: &str,
        jti: &str,
        agent_key: &PublicKey,
        iat: i64,
        exp: i64,
    ) -> Self {
        AuthClaims {
            iss: iss.into(),
            dwk: dwk.into(),
            aud: aud.into(),
            jti: jti.into(),
            cnf: Confirmation::new(Jwk::for_profile(agent_key, profile, None)),
            iat,
            exp,
            ..Default::default()
        }
    }

    /// -11: the person's PS and directed identifier.
    pub fn for_person(mut self, ps: &str, sub: &str) -> Self {
        self.ps = Some(ps.into());
        self.sub = Some(sub.into());
        self
    }

    /// -10/legacy: the agent identifier.
    pub fn for_agent(mut self, agent: &str) -> Self {
        self.agent = Some(agent.into());
        self
    }

    /// Granted scopes.
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

/// Why claims do not make a valid token for a profile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The profile has no such token (person tokens before -11).
    #[error("{} does not exist in profile {profile}", kind.typ())]
    KindNotInProfile {
        /// The kind asked for.
        kind: TokenKind,
        /// The profile.
        profile: Profile,
    },
    /// A claim the profile requires is absent.
    #[error("claim {0:?} is required")]
    MissingClaim(&'static str),
    /// A claim the kind must not carry is present.
    #[error("claim {0:?} is not allowed")]
    ForbiddenClaim(&'static str),
    /// `dwk` is not one the kind allows.
    #[error("dwk {0:?} is not allowed for this token")]
    WrongDwk(String),
    /// -10 auth token with neither `sub` nor `scope`.
    #[error("at least one of sub and scope is required")]
    SubOrScopeMissing,
}

/// Check a claim object against the profile's rules for `kind` (presence only; the validator
/// judges values).
pub fn check_claims(
    kind: TokenKind,
    profile: Profile,
    claims: &Map<String, Value>,
) -> Result<(), BuildError> {
    if !kind.in_profile(profile) {
        return Err(BuildError::KindNotInProfile { kind, profile });
    }
    for &name in required_claims(kind, profile) {
        if !claims.contains_key(name) {
            return Err(BuildError::MissingClaim(name));
        }
    }
    for &name in forbidden_claims(kind) {
        if claims.contains_key(name) {
            return Err(BuildError::ForbiddenClaim(name));
        }
    }
    let dwk = claims
        .get("dwk")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !kind.allowed_dwk().contains(&dwk) {
        return Err(BuildError::WrongDwk(dwk.to_string()));
    }
    if kind == TokenKind::Auth
        && !profile.has_person_tokens()
        && !claims.contains_key("sub")
        && !claims.contains_key("scope")
    {
        return Err(BuildError::SubOrScopeMissing);
    }
    Ok(())
}

/// A party that issues AAuth tokens: its key, the `kid` its JWKS publishes, and the profile
/// that decides header `alg` spelling and claim rules.
#[derive(Clone, Debug)]
pub struct TokenIssuer {
    /// The signing key.
    pub key: SigningKey,
    /// The `kid` in token headers and in the published JWKS.
    pub kid: String,
    /// The profile spoken.
    pub profile: Profile,
}

impl TokenIssuer {
    /// An issuer.
    pub fn new(key: SigningKey, kid: &str, profile: Profile) -> Self {
        TokenIssuer {
            key,
            kid: kid.into(),
            profile,
        }
    }

    /// The header `alg`: the key's fully-specified algorithm, or `EdDSA` for an Ed25519 key
    /// under the legacy profile.
    pub fn header_alg(&self) -> Alg {
        match (&self.key, self.profile.fully_specified_algs()) {
            (SigningKey::Ed25519(_), false) => Alg::EDDSA,
            _ => self.key.alg(),
        }
    }

    /// The header of a `kind` token: `alg`, `typ`, `kid`, in that order.
    pub fn header(&self, kind: TokenKind) -> JwsHeader {
        JwsHeader::new(&self.header_alg())
            .with_typ(kind.typ())
            .with_kid(&self.kid)
    }

    /// The JWKS member this issuer publishes.
    pub fn jwk(&self) -> Jwk {
        Jwk::for_profile(&self.key.public_key(), self.profile, Some(&self.kid))
    }

    /// A JWKS holding only this issuer's key.
    pub fn jwks(&self) -> Jwks {
        Jwks::from_keys([self.jwk()])
    }

    /// Sign a valid token: the claims are checked against the profile first.
    pub fn issue<C: TokenClaims>(&self, claims: &C) -> Result<String, BuildError> {
        let map = claims.to_map();
        check_claims(C::KIND, self.profile, &map)?;
        Ok(self.sign_unchecked(&self.header(C::KIND), &map))
    }

    /// Sign any header and claims with this issuer's key, unchecked (for defective tokens).
    pub fn sign_unchecked(&self, header: &JwsHeader, claims: &Map<String, Value>) -> String {
        let payload = Value::Object(claims.clone()).to_string();
        jws::sign_header(header, payload.as_bytes(), &self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::b64;

    fn rfc8037_key() -> SigningKey {
        let d = b64::decode_exact::<32>("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").unwrap();
        SigningKey::from_seed(&Alg::ED25519, d).unwrap()
    }

    fn rfc9421_agent_key() -> PublicKey {
        PublicKey::ed25519_from_bytes(
            &b64::decode_exact::<32>("JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs").unwrap(),
        )
        .unwrap()
    }

    /// Requirements §5.4: the derived agent token, reproduced byte for byte.
    #[test]
    fn agent_token_matches_the_derived_vector() {
        let issuer = TokenIssuer::new(rfc8037_key(), "ap-key-1", Profile::Aauth11);
        let mut claims = AgentClaims::new(
            Profile::Aauth11,
            "https://agent.example",
            "aauth:assistant-v2@agent.example",
            "agt-0001",
            &rfc9421_agent_key(),
            1730217600,
            1730221200,
        );
        claims.ps = Some("https://ps.example".into());
        let token = issuer.issue(&claims).unwrap();
        assert_eq!(
            token,
            "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiYWEtYWdlbnQrand0Iiwia2lkIjoiYXAta2V5LTEifQ.eyJpc3MiOiJodHRwczovL2FnZW50LmV4YW1wbGUiLCJkd2siOiJhYXV0aC1hZ2VudC5qc29uIiwic3ViIjoiYWF1dGg6YXNzaXN0YW50LXYyQGFnZW50LmV4YW1wbGUiLCJqdGkiOiJhZ3QtMDAwMSIsImNuZiI6eyJqd2siOnsia3R5IjoiT0tQIiwiY3J2IjoiRWQyNTUxOSIsIngiOiJKclFMajVQXzg5aVhFUzktdkZnckl5MjljbEY5Q0Nfb1BQc3czYzVEMGJzIiwiYWxnIjoiRWQyNTUxOSJ9fSwicHMiOiJodHRwczovL3BzLmV4YW1wbGUiLCJpYXQiOjE3MzAyMTc2MDAsImV4cCI6MTczMDIyMTIwMH0.jcx5JzSWfLQuOpau5LGBDuKqm5ABipkKqTrxaoNN1lXk0LotOIrQzdMfESBG6Z6Wj-OUnc1IFSVi_LMD0p6bCQ"
        );
        assert_eq!(
            issuer.jwks().to_json(),
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"Ed25519","kid":"ap-key-1"}]}"#
        );
    }

    #[test]
    fn typ_round_trips_and_dwk_sets_are_per_kind() {
        for kind in TokenKind::ALL {
            assert_eq!(TokenKind::from_typ(kind.typ()), Some(kind));
        }
        assert_eq!(TokenKind::from_typ("AA-AGENT+JWT"), None);
        assert_eq!(
            TokenKind::Auth.allowed_dwk(),
            ["aauth-access.json", "aauth-person.json"]
        );
        assert!(!TokenKind::Person.in_profile(Profile::Aauth10));
        assert!(TokenKind::Person.in_profile(Profile::Aauth11));
    }

    #[test]
    fn extra_claims_survive_a_round_trip_in_order() {
        let agent = rfc9421_agent_key();
        let mut c = AgentClaims::new(
            Profile::Aauth11,
            "https://a.example",
            "aauth:x@a.example",
            "j",
            &agent,
            1,
            2,
        );
        c.extra.insert("x_foo".into(), Value::from(1));
        c.extra.insert("x_bar".into(), Value::from("b"));
        let map = c.to_map();
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["iss", "dwk", "sub", "jti", "cnf", "iat", "exp", "x_foo", "x_bar"]
        );
        assert_eq!(AgentClaims::from_map(map).unwrap(), c);
    }

    #[test]
    fn profiles_require_their_own_claims() {
        let agent = rfc9421_agent_key();
        let ps = TokenIssuer::new(rfc8037_key(), "ps-1", Profile::Aauth11);
        let base = ResourceClaims::new(
            "https://resource.example",
            "https://ps.example",
            "rt-1",
            &agent,
            "read",
            10,
            20,
        );
        assert_eq!(ps.issue(&base), Err(BuildError::MissingClaim("ps")));
        assert!(ps
            .issue(&base.clone().for_person("https://ps.example", "s", "pt-1"))
            .is_ok());
        let ps10 = TokenIssuer::new(rfc8037_key(), "ps-1", Profile::Aauth10);
        assert_eq!(ps10.issue(&base), Err(BuildError::MissingClaim("agent")));
        assert!(ps10.issue(&base.for_agent("aauth:a@agent.example")).is_ok());

        let auth10 = AuthClaims::new(
            Profile::Aauth10,
            "https://as.example",
            dwk::ACCESS,
            "https://resource.example",
            "at-1",
            &agent,
            10,
            20,
        )
        .for_agent("aauth:a@agent.example");
        assert_eq!(ps10.issue(&auth10), Err(BuildError::SubOrScopeMissing));
        assert!(ps10.issue(&auth10.with_scope("read")).is_ok());

        let person = PersonClaims::new(
            "https://ps.example",
            "https://r.example",
            "s",
            "pt",
            &agent,
            1,
            2,
        );
        assert_eq!(
            ps10.issue(&person),
            Err(BuildError::KindNotInProfile {
                kind: TokenKind::Person,
                profile: Profile::Aauth10
            })
        );
        let mut bad = person.clone();
        bad.extra.insert("scope".into(), "x".into());
        assert_eq!(ps.issue(&bad), Err(BuildError::ForbiddenClaim("scope")));
        let mut bad = person;
        bad.dwk = dwk::AGENT.into();
        assert_eq!(
            ps.issue(&bad),
            Err(BuildError::WrongDwk("aauth-agent.json".into()))
        );
    }

    #[test]
    fn legacy_issuer_says_eddsa_in_header_and_jwk() {
        let issuer = TokenIssuer::new(rfc8037_key(), "k", Profile::Legacy);
        assert_eq!(issuer.header_alg(), Alg::EDDSA);
        assert_eq!(issuer.jwk().alg(), Some(Alg::EDDSA));
        let es = TokenIssuer::new(
            SigningKey::from_seed(&Alg::ES256, [1; 32]).unwrap(),
            "k",
            Profile::Legacy,
        );
        assert_eq!(es.header_alg(), Alg::ES256);
    }
}
