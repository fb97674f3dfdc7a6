//! Resource tokens as the reference resource issues them.
//!
//! Under `aauth-11` a resource token is always grounded in a verified person token: `ps`,
//! `sub` and `presented_jti` come from it, `mission_s256` and `tenant` are copied unchanged,
//! and no agent identifier appears. Under `aauth-10` it names the agent (`agent`) and carries
//! the `AAuth-Mission` reference as `mission{approver, s256}`. Either way `agent_jkt` is the
//! RFC 7638 thumbprint of the key that signed the request, `aud` is the AS (four-party) or
//! the agent's PS, and the lifetime is at most five minutes. Three planted flaws change one
//! of those facts each.

use serde_json::{Map, Value};
use sha2::Digest as _;

use crate::jose::b64;
use crate::jose::claims::{MissionRef, ResourceClaims, TokenClaims};
use crate::jose::jwk::Jwk;
use crate::jose::PublicKey;
use crate::role::flaw::{Flaw, Flaws};

/// The longest lifetime the reference resource gives a resource token (seconds).
pub const RESOURCE_TOKEN_LIFETIME: i64 = 300;
/// What the `resource-token-long-lived` flaw uses instead.
pub const LONG_LIFETIME: i64 = 3600;

/// The person token a resource token is grounded in (`aauth-11`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonBasis {
    /// The person token's `iss`.
    pub ps: String,
    /// Its `sub`.
    pub sub: String,
    /// Its `jti`.
    pub jti: String,
    /// Its `mission_s256`.
    pub mission_s256: Option<String>,
    /// Its `tenant`.
    pub tenant: Option<String>,
}

/// What one resource token says.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceTokenSpec {
    /// The resource's identifier (`iss`).
    pub iss: String,
    /// Who is to redeem it: the AS, or the person's PS.
    pub aud: String,
    /// `jti`.
    pub jti: String,
    /// The key that signed the request.
    pub agent_key: PublicKey,
    /// Scopes asked for.
    pub scope: String,
    /// `account`, when the request named one.
    pub account: Option<String>,
    /// `aauth-11`: the person token it rests on.
    pub person: Option<PersonBasis>,
    /// `aauth-10`: the agent identifier.
    pub agent: Option<String>,
    /// `aauth-10`: the mission reference from `AAuth-Mission`.
    pub mission: Option<MissionRef>,
    /// `iat`.
    pub now: i64,
    /// Lifetime in seconds.
    pub lifetime: i64,
}

/// The thumbprint a careless resource computes: SHA-256 over the whole JWK as serialised,
/// `alg` included, instead of the RFC 7638 canonical members.
pub fn careless_thumbprint(key: &PublicKey) -> String {
    let jwk = Jwk::from_public(key, None);
    b64::encode(sha2::Sha256::digest(jwk.to_json().as_bytes()))
}

/// The claims of the token `spec` describes, with the resource's planted flaws applied.
pub fn claims(spec: &ResourceTokenSpec, flaws: &Flaws) -> Map<String, Value> {
    let lifetime = if flaws.has(Flaw::ResourceTokenLongLived) {
        LONG_LIFETIME
    } else {
        spec.lifetime
    };
    let mut claims = ResourceClaims::new(
        &spec.iss,
        &spec.aud,
        &spec.jti,
        &spec.agent_key,
        &spec.scope,
        spec.now,
        spec.now.saturating_add(lifetime),
    );
    if let Some(person) = &spec.person {
        claims = claims.for_person(&person.ps, &person.sub, &person.jti);
        claims.mission_s256 = person.mission_s256.clone();
        claims.tenant = person.tenant.clone();
    }
    if let Some(agent) = &spec.agent {
        claims = claims.for_agent(agent);
    }
    claims.mission = spec.mission.clone();
    claims.account = spec.account.clone();
    if flaws.has(Flaw::ResourceTokenWrongAgentJkt) {
        claims.agent_jkt = careless_thumbprint(&spec.agent_key);
    }
    let mut map = claims.to_map();
    if flaws.has(Flaw::ResourceTokenMissingPresentedJti) {
        map.shift_remove("presented_jti");
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{Alg, SigningKey};

    fn spec() -> ResourceTokenSpec {
        ResourceTokenSpec {
            iss: "https://r.example".into(),
            aud: "https://ps.example".into(),
            jti: "rt-1".into(),
            agent_key: SigningKey::from_seed(&Alg::ED25519, [4; 32])
                .expect("key")
                .public_key(),
            scope: "data.read".into(),
            account: None,
            person: Some(PersonBasis {
                ps: "https://ps.example".into(),
                sub: "s".into(),
                jti: "pt-1".into(),
                mission_s256: Some("m".into()),
                tenant: None,
            }),
            agent: None,
            mission: None,
            now: 100,
            lifetime: RESOURCE_TOKEN_LIFETIME,
        }
    }

    #[test]
    fn correct_claims_copy_the_person_token_and_live_five_minutes() {
        let c = claims(&spec(), &Flaws::none());
        assert_eq!(c["presented_jti"], "pt-1");
        assert_eq!(c["mission_s256"], "m");
        assert_eq!(c["exp"], 400);
        assert_eq!(c["agent_jkt"], spec().agent_key.thumbprint().as_str());
        assert!(c.get("agent").is_none());
    }

    #[test]
    fn each_flaw_changes_one_claim() {
        let c = claims(&spec(), &Flaws::one(Flaw::ResourceTokenMissingPresentedJti));
        assert!(c.get("presented_jti").is_none());
        let c = claims(&spec(), &Flaws::one(Flaw::ResourceTokenLongLived));
        assert_eq!(c["exp"], 3700);
        let c = claims(&spec(), &Flaws::one(Flaw::ResourceTokenWrongAgentJkt));
        assert_ne!(c["agent_jkt"], spec().agent_key.thumbprint().as_str());
    }
}
