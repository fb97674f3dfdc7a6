//! The fixed parties every AAuth vector and verifier test uses: keys from published test
//! vectors or fixed seeds, a fixed clock, and a [`World`] that mints their tokens, publishes
//! their documents and signs requests. Everything is deterministic: Ed25519 signatures are
//! by construction, and ES256 signing uses RFC 6979 nonces.

use sha2::Digest as _;

use crate::defect::{build_signed_request, RequestDefect, SignedRequestSpec};
use crate::httpsig::sign::{AauthSignContext, SignError};
use crate::jose::b64;
use crate::jose::claims::{
    dwk, AgentClaims, AuthClaims, PersonClaims, TokenClaims, TokenIssuer, TokenKind,
};
use crate::jose::jwks::Jwks;
use crate::jose::mutate::{mint, TokenDefect};
use crate::jose::{Alg, SigningKey};
use crate::message::Request;
use crate::profile::Profile;
use crate::role::Role;
use crate::verify::{StaticKeys, VerifierConfig};
use crate::wire::metadata::well_known_url;

/// The fixed clock: 2024-10-29T16:00:00Z, the `iat` of the requirements §5.4 vectors.
pub const NOW: i64 = 1_730_217_600;
/// Agent token lifetime (one hour, as in §5.4).
pub const AGENT_TOKEN_LIFETIME: i64 = 3600;
/// The agent provider.
pub const AP: &str = "https://agent.example";
/// The person server.
pub const PS: &str = "https://ps.example";
/// The access server.
pub const AS: &str = "https://as.example";
/// The resource.
pub const RESOURCE: &str = "https://resource.example";
/// The agent's identifier.
pub const AGENT_ID: &str = "aauth:assistant-v2@agent.example";
/// The person's directed identifier at the resource.
pub const PERSON_SUB: &str = "person-7f3c";
/// The AP's `kid` (as in §5.4).
pub const AP_KID: &str = "ap-key-1";
/// The PS's `kid`.
pub const PS_KID: &str = "ps-key-1";
/// The AS's `kid`.
pub const AS_KID: &str = "as-key-1";

fn ed25519_from_d(d: &str) -> SigningKey {
    let seed = b64::decode_exact::<32>(d).unwrap_or([0; 32]);
    SigningKey::from_seed(&Alg::ED25519, seed).unwrap_or_else(|| seeded(&Alg::ED25519, "fallback"))
}

/// A key derived from a fixed label: seed = SHA-256 of `aauth-conform/<label>`. ES256
/// seeds that are not a valid scalar are hashed again (none of ours needs it).
pub fn seeded(alg: &Alg, label: &str) -> SigningKey {
    let mut seed: [u8; 32] = sha2::Sha256::digest(format!("aauth-conform/{label}")).into();
    loop {
        if let Some(k) = SigningKey::from_seed(alg, seed) {
            return k;
        }
        seed = sha2::Sha256::digest(seed).into();
    }
}

/// The agent provider's key: RFC 8037 Appendix A.1.
pub fn ap_key() -> SigningKey {
    ed25519_from_d("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
}

/// The agent's Ed25519 key: RFC 9421 Appendix B.1.4 `test-key-ed25519`.
pub fn agent_key() -> SigningKey {
    ed25519_from_d("n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU")
}

/// The agent's ES256 key (fixed seed `aauth-conform/agent-es256`).
pub fn agent_es256_key() -> SigningKey {
    seeded(&Alg::ES256, "agent-es256")
}

/// The person server's key (fixed seed `aauth-conform/ps-ed25519`).
pub fn ps_key() -> SigningKey {
    seeded(&Alg::ED25519, "ps-ed25519")
}

/// The access server's key, ES256 so issuer keys of both types occur (fixed seed
/// `aauth-conform/as-es256`).
pub fn as_key() -> SigningKey {
    seeded(&Alg::ES256, "as-es256")
}

/// The parties of one profile, with the agent signing with `agent`.
#[derive(Clone, Debug)]
pub struct World {
    /// The profile spoken.
    pub profile: Profile,
    /// Issues agent tokens.
    pub ap: TokenIssuer,
    /// Issues person tokens (aauth-11).
    pub ps: TokenIssuer,
    /// Issues auth tokens.
    pub access: TokenIssuer,
    /// The agent's request-signing key.
    pub agent: SigningKey,
}

/// Which credential a request carries in `Signature-Key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Credential {
    /// An agent token from the AP.
    Agent,
    /// A person token from the PS, for the resource (aauth-11).
    Person,
    /// An auth token from the AS, for the resource.
    Auth,
}

impl Credential {
    /// The token kind.
    pub fn kind(self) -> TokenKind {
        match self {
            Credential::Agent => TokenKind::Agent,
            Credential::Person => TokenKind::Person,
            Credential::Auth => TokenKind::Auth,
        }
    }
}

impl World {
    /// The fixed parties; the agent signs with `agent`.
    pub fn new(profile: Profile, agent: SigningKey) -> Self {
        World {
            profile,
            ap: TokenIssuer::new(ap_key(), AP_KID, profile),
            ps: TokenIssuer::new(ps_key(), PS_KID, profile),
            access: TokenIssuer::new(as_key(), AS_KID, profile),
            agent,
        }
    }

    /// The fixed parties with the RFC 9421 Ed25519 agent key.
    pub fn ed25519(profile: Profile) -> Self {
        World::new(profile, agent_key())
    }

    /// Metadata and JWKS documents, `(url, body)`, exactly as a verifier would fetch them:
    /// `{iss}/.well-known/{dwk}` with `issuer` and `jwks_uri`, and the JWKS at
    /// `{iss}/.well-known/jwks.json`.
    pub fn documents(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (iss, dwk, issuer) in [
            (AP, dwk::AGENT, &self.ap),
            (PS, dwk::PERSON, &self.ps),
            (AS, dwk::ACCESS, &self.access),
        ] {
            let jwks_uri = format!("{iss}/.well-known/jwks.json");
            let metadata = serde_json::json!({ "issuer": iss, "jwks_uri": jwks_uri });
            out.push((well_known_url(iss, dwk), metadata.to_string()));
            out.push((jwks_uri, issuer.jwks().to_json()));
        }
        out
    }

    /// The documents as an in-memory key source.
    pub fn static_keys(&self) -> StaticKeys {
        self.documents()
            .into_iter()
            .fold(StaticKeys::new(), |keys, (url, body)| {
                keys.with_document(&url, body)
            })
    }

    /// A JWKS holding only `issuer`'s key.
    pub fn jwks_of(issuer: &TokenIssuer) -> Jwks {
        issuer.jwks()
    }

    /// The agent token claims (with `ps`, as §5.4's token has).
    pub fn agent_claims(&self) -> AgentClaims {
        let mut claims = AgentClaims::new(
            self.profile,
            AP,
            AGENT_ID,
            "agt-0001",
            &self.agent.public_key(),
            NOW,
            NOW + AGENT_TOKEN_LIFETIME,
        );
        claims.ps = Some(PS.to_string());
        claims
    }

    /// The person token claims: PS-issued, for the resource.
    pub fn person_claims(&self) -> PersonClaims {
        PersonClaims::new(
            PS,
            RESOURCE,
            PERSON_SUB,
            "per-0001",
            &self.agent.public_key(),
            NOW,
            NOW + 1800,
        )
    }

    /// The auth token claims: AS-issued, for the resource.
    pub fn auth_claims(&self) -> AuthClaims {
        let claims = AuthClaims::new(
            self.profile,
            AS,
            dwk::ACCESS,
            RESOURCE,
            "ath-0001",
            &self.agent.public_key(),
            NOW,
            NOW + 1800,
        )
        .with_scope("documents.read");
        if self.profile.has_person_tokens() {
            claims.for_person(PS, PERSON_SUB)
        } else {
            claims.for_agent(AGENT_ID)
        }
    }

    /// A token of `credential`'s kind, with `defect` applied when given.
    pub fn token(&self, credential: Credential, defect: Option<&TokenDefect>) -> String {
        let (issuer, claims) = match credential {
            Credential::Agent => (&self.ap, self.agent_claims().to_map()),
            Credential::Person => (&self.ps, self.person_claims().to_map()),
            Credential::Auth => (&self.access, self.auth_claims().to_map()),
        };
        mint(issuer, credential.kind(), &claims, defect, NOW)
    }

    /// `request` signed by the agent at [`NOW`] with `token` in `Signature-Key` (label
    /// `sig`), as the verifier `role` expects, with `defect` applied when given.
    pub fn sign(
        &self,
        request: &Request,
        token: &str,
        role: Role,
        defect: Option<&RequestDefect>,
    ) -> Result<Request, SignError> {
        let spec = SignedRequestSpec {
            request: request.clone(),
            key: self.agent.clone(),
            label: "sig".to_string(),
            signature_key_member: format!("jwt;jwt=\"{token}\""),
            created: NOW,
            ctx: AauthSignContext::for_role(self.profile, role),
        };
        build_signed_request(&spec, defect)
    }

    /// The verifier for `role` at its fixed identifier.
    pub fn verifier(&self, role: Role) -> VerifierConfig {
        VerifierConfig::for_role(self.profile, role, identifier_of(role))
    }
}

/// The fixed identifier of the server playing `role`.
pub fn identifier_of(role: Role) -> &'static str {
    match role {
        Role::PersonServer => PS,
        Role::AccessServer => AS,
        Role::AgentProvider | Role::Agent => AP,
        Role::Resource => RESOURCE,
    }
}

/// `GET https://resource.example/api/documents`, the §5.4 V1 request.
pub fn resource_get() -> Request {
    Request::new("GET", "https", "resource.example", "/api/documents")
}

/// `POST https://ps.example/person` with a JSON body, the §5.4 V2 request.
pub fn ps_post() -> Request {
    Request::new("POST", "https", "ps.example", "/person")
        .with_header("Content-Type", "application/json")
        .with_body(r#"{"resource":"https://resource.example"}"#)
}
