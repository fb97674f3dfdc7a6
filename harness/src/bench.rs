//! The inputs and operations a sign/verify benchmark measures, built once so that
//! `aauth-conform bench` (a quick in-process measurement) and a criterion benchmark measure
//! exactly the same thing.
//!
//! The request is a realistic agent call: `POST https://resource.example/api/documents`
//! with a JSON body of about 1 KB and an agent token in `Signature-Key`, signed at the fixed
//! clock by the agent of [`crate::vectors::fixtures`] and covering
//! `@method @authority @path content-digest signature-key`. The resource verifying it
//! requires `content-digest` on top of the base components and finds the agent provider's
//! documents in a [`StaticKeys`] source.
//!
//! Five operations, all on those inputs:
//!
//! - [`SignVerifyFixture::full_verify`]: [`verify_request`], everything a resource does
//!   (headers, label, covered components, window, scheme, the issuer key from memory
//!   (parsed from the metadata and JWKS once, then remembered, as a caching verifier
//!   would), the agent token
//!   validated, `cnf.jwk`, `@authority`, the HTTP signature, the body digest);
//! - [`SignVerifyFixture::full_sign`]: [`sign_aauth`] (digest the body, build the base,
//!   sign, attach the fields) on a copy of the unsigned request;
//! - [`SignVerifyFixture::raw_sign`]: the primitive (`ed25519-dalek` or `p256`) over the
//!   same base;
//! - [`SignVerifyFixture::raw_verify_http`] and [`SignVerifyFixture::raw_verify_jwt`]: the
//!   primitives (`ed25519-dalek` strict verify, `ring` for ES256) over the same base and the
//!   same JWT signing input, each decoding its public key from bytes, as any verifier that
//!   receives the key inside a token must.
//!
//! So `full_verify / (raw_verify_http + raw_verify_jwt)` is the cost of everything around
//! the two signature checks (the goal: at most [`VERIFY_RATIO_GOAL`]), and
//! `full_sign / raw_sign` the cost around the one signature.

use crate::httpsig::component::ComponentId;
use crate::httpsig::profile::ProfileRequirements;
use crate::httpsig::sign::{sign_aauth, AauthSignContext, SignError};
use crate::httpsig::verify::read_signature;
use crate::jose::{jws, Alg, PublicKey, SigningKey};
use crate::message::{Fields, Request};
use crate::profile::Profile;
use crate::role::Role;
use crate::vectors::check::run_ready;
use crate::vectors::fixtures::{agent_es256_key, agent_key, ap_key, Credential, World, NOW};
use crate::verify::{verify_request, StaticKeys, VerifiedRequest, VerifierConfig};

/// The signature label the fixture signs under.
pub const LABEL: &str = "sig";

/// The goal for `full_verify / (raw_verify_http + raw_verify_jwt)` (issue #2): everything
/// a resource checks around the two signatures may add at most 15% to them.
pub const VERIFY_RATIO_GOAL: f64 = 1.15;

/// Why a fixture could not be built: always a harness bug, since every input is fixed.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// Only `Ed25519` and `ES256` agent keys exist.
    #[error("no agent key for algorithm {0}")]
    UnsupportedAlg(Alg),
    /// Signing the request failed.
    #[error("signing the benchmark request failed: {0}")]
    Sign(#[from] SignError),
    /// The signed request or its token does not read back.
    #[error("the signed benchmark request does not read back: {0}")]
    ReadBack(String),
}

/// A signed AAuth request, the verifier that accepts it, and the raw material of its two
/// signatures. Build with [`SignVerifyFixture::new`]; see the module docs for what each
/// operation covers.
#[derive(Clone, Debug)]
pub struct SignVerifyFixture {
    /// The agent's request-signing key.
    pub agent: SigningKey,
    /// The `Signature-Key` member value (`jwt;jwt="..."`).
    pub signature_key_member: String,
    /// What the agent covers beyond the base components (`content-digest`).
    pub sign_context: AauthSignContext,
    /// The request before signing.
    pub unsigned: Request,
    /// The request as signed at [`NOW`].
    pub signed: Request,
    /// The resource's verifier.
    pub verifier: VerifierConfig,
    /// The agent provider's documents, in memory.
    pub keys: StaticKeys,
    /// The verifier's clock.
    pub now: i64,
    /// The RFC 9421 signature base of `signed`.
    pub base: Vec<u8>,
    /// The HTTP signature over `base`.
    pub http_signature: Vec<u8>,
    /// The agent token's JWS signing input (`header.payload`).
    pub jwt_signing_input: Vec<u8>,
    /// The agent token's signature.
    pub jwt_signature: Vec<u8>,
    /// The agent provider's Ed25519 public key, which signed the token.
    pub issuer_public: [u8; 32],
    /// The agent's public key, which signed the request.
    pub agent_public: PublicKey,
}

/// A JSON body of about 1 KB: a batch of document descriptions, the kind of payload an
/// agent posts to a resource.
pub fn request_body() -> String {
    let documents: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            serde_json::json!({
                "id": format!("doc-{i:04}"),
                "title": format!("Quarterly report {i}"),
                "tags": ["finance", "q3", "draft"],
                "owner": "aauth:assistant-v2@agent.example",
                "size": 1024 * i,
            })
        })
        .collect();
    serde_json::json!({ "action": "summarize", "documents": documents }).to_string()
}

fn agent_for(alg: &Alg) -> Result<SigningKey, FixtureError> {
    if *alg == Alg::ED25519 {
        Ok(agent_key())
    } else if *alg == Alg::ES256 {
        Ok(agent_es256_key())
    } else {
        Err(FixtureError::UnsupportedAlg(alg.clone()))
    }
}

impl SignVerifyFixture {
    /// The fixture with an agent key of `alg` (`Ed25519` or `ES256`); the token is always
    /// signed by the agent provider's Ed25519 key.
    pub fn new(alg: &Alg) -> Result<Self, FixtureError> {
        let world = World::new(Profile::Aauth11, agent_for(alg)?);
        let token = world.token(Credential::Agent, None);
        let digest = ComponentId::field("content-digest");
        let sign_context = AauthSignContext::resource().with_additional([digest.clone()]);
        let signature_key_member = format!("jwt;jwt=\"{token}\"");
        let unsigned = Request::new("POST", "https", "resource.example", "/api/documents")
            .with_header("Content-Type", "application/json")
            .with_body(request_body());
        let mut signed = unsigned.clone();
        let base = sign_aauth(
            &mut signed,
            &world.agent,
            LABEL,
            &signature_key_member,
            NOW,
            &sign_context,
        )?;
        let http_signature = read_signature(signed.fields(), LABEL)
            .map_err(|e| FixtureError::ReadBack(e.to_string()))?;
        let decoded = jws::decode(&token).map_err(|e| FixtureError::ReadBack(e.to_string()))?;
        let PublicKey::Ed25519(issuer_public) = ap_key().public_key() else {
            return Err(FixtureError::ReadBack(
                "the agent provider key is not Ed25519".into(),
            ));
        };
        let requirements = ProfileRequirements::for_role(Profile::Aauth11, Role::Resource)
            .with_additional([digest]);
        Ok(SignVerifyFixture {
            agent_public: world.agent.public_key(),
            agent: world.agent.clone(),
            signature_key_member,
            sign_context,
            unsigned,
            signed,
            verifier: world
                .verifier(Role::Resource)
                .with_requirements(requirements),
            keys: world.static_keys(),
            now: NOW,
            base: base.as_bytes().to_vec(),
            http_signature,
            jwt_signing_input: decoded.signing_input().as_bytes().to_vec(),
            jwt_signature: decoded.signature().to_vec(),
            issuer_public: issuer_public.to_bytes(),
        })
    }

    /// The agent key's algorithm.
    pub fn alg(&self) -> Alg {
        self.agent.alg()
    }

    /// The full verification a resource performs (see the module docs). `Err` carries the
    /// rejection; it never happens for this fixture.
    pub fn full_verify(&self) -> Result<VerifiedRequest, String> {
        run_ready(verify_request(
            &self.signed,
            &self.verifier,
            &self.keys,
            self.now,
        ))
        .ok_or_else(|| "the in-memory key source waited".to_string())?
        .map_err(|r| r.to_string())
    }

    /// The full AAuth signing of a copy of the unsigned request.
    pub fn full_sign(&self) -> Result<Request, SignError> {
        let mut request = self.unsigned.clone();
        sign_aauth(
            &mut request,
            &self.agent,
            LABEL,
            &self.signature_key_member,
            self.now,
            &self.sign_context,
        )?;
        Ok(request)
    }

    /// The signing primitive alone over the request's base.
    pub fn raw_sign(&self) -> Vec<u8> {
        use ed25519_dalek::Signer as _;
        match &self.agent {
            SigningKey::Ed25519(k) => k.sign(&self.base).to_bytes().to_vec(),
            SigningKey::Es256(k) => {
                let signature: p256::ecdsa::Signature = k.sign(&self.base);
                signature.to_bytes().to_vec()
            }
        }
    }

    /// The verification primitive alone over the request's base and HTTP signature.
    pub fn raw_verify_http(&self) -> bool {
        match &self.agent_public {
            PublicKey::Ed25519(key) => {
                raw_verify_ed25519(key.as_bytes(), &self.base, &self.http_signature)
            }
            PublicKey::Es256 { x, y } => raw_verify_es256(x, y, &self.base, &self.http_signature),
        }
    }

    /// The verification primitive alone over the agent token's signing input.
    pub fn raw_verify_jwt(&self) -> bool {
        raw_verify_ed25519(
            &self.issuer_public,
            &self.jwt_signing_input,
            &self.jwt_signature,
        )
    }
}

fn raw_verify_ed25519(public: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(message, &signature).is_ok()
}

fn raw_verify_es256(x: &[u8; 32], y: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..33].copy_from_slice(x);
    point[33..].copy_from_slice(y);
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(message, signature)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_succeeds_on_both_fixtures() {
        for alg in [Alg::ED25519, Alg::ES256] {
            let fixture = SignVerifyFixture::new(&alg).expect("builds");
            assert_eq!(fixture.alg(), alg);
            assert!((900..1300).contains(&fixture.unsigned.body.len()));
            assert_eq!(
                fixture.signed.header("signature-input").as_deref(),
                Some(
                    r#"sig=("@method" "@authority" "@path" "content-digest" "signature-key");created=1730217600"#
                )
            );
            let verified = fixture.full_verify().expect("verifies");
            assert_eq!(verified.key, fixture.agent_public);
            let signed = fixture.full_sign().expect("signs");
            assert_eq!(
                signed.header("content-digest"),
                fixture.signed.header("content-digest")
            );
            assert!(fixture.raw_verify_http());
            assert!(fixture.raw_verify_jwt());
            assert_eq!(fixture.raw_sign().len(), 64);
            // Both algorithms sign deterministically (ES256 with RFC 6979 nonces).
            assert_eq!(fixture.raw_sign(), fixture.http_signature);
            assert_eq!(
                signed.header("signature"),
                fixture.signed.header("signature")
            );
        }
    }

    #[test]
    fn raw_checks_refuse_a_flipped_bit() {
        let mut fixture = SignVerifyFixture::new(&Alg::ED25519).expect("builds");
        if let Some(b) = fixture.http_signature.get_mut(3) {
            *b ^= 1;
        }
        if let Some(b) = fixture.jwt_signature.get_mut(3) {
            *b ^= 1;
        }
        assert!(!fixture.raw_verify_http());
        assert!(!fixture.raw_verify_jwt());
    }

    #[test]
    fn an_unknown_alg_is_refused() {
        assert!(matches!(
            SignVerifyFixture::new(&Alg::new("RS256")),
            Err(FixtureError::UnsupportedAlg(_))
        ));
    }
}
