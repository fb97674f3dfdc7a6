//! Fuzzing functions for JOSE: compact JWS/JWT decoding, the four token claim models, the
//! token validator, JWKs and JWK Sets.
//!
//! Oracles:
//! - decoding is exact: a decoded JWS re-encodes to the very text it came from (the decoder
//!   only accepts canonical base64url), and its header re-reads to the same members;
//! - every claim model round-trips (read → write → read gives the same claims; writing is a
//!   fixed point);
//! - a token the validator accepts can be read as its typed claim model (otherwise
//!   `validate::<C>` would refuse a token `validate_token` passed);
//! - a JWK usable under the fully-specified rules is usable, as the same key, under the
//!   looser legacy rules; its RFC 7638 thumbprint is the key's; it rebuilds to itself;
//! - JWKS selection finds a key exactly when some member with that `kid` is usable.

use super::oracle::fixed_point;
use crate::jose::b64;
use crate::jose::claims::{
    check_claims, AgentClaims, AuthClaims, PersonClaims, ResourceClaims, TokenClaims, TokenKind,
};
use crate::jose::jwk::{Jwk, JwkRules};
use crate::jose::jwks::{Jwks, KeySelection};
use crate::jose::jws::{self, JwsHeader};
use crate::jose::thumbprint::jwk_thumbprint;
use crate::jose::validate::{validate_token, Expected, KeyResolver, ResolveError, ValidToken};
use crate::jose::{Alg, PublicKey, SigningKey};
use crate::profile::Profile;
use serde_json::{Map, Value};

/// The time every token is judged at: the `valid_at` of `vectors/jose/aauth-agent-token.json`,
/// so the vector token reaches the checks after the signature.
pub const NOW: i64 = 1_730_217_600;

/// RFC 8037 A.1 private key: the issuer of the vector agent token, and the key the fuzzer
/// signs fuzzed claims with.
const ISSUER_SEED: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

/// RFC 9421 B.1.4 `test-key-ed25519`: the agent key the vector token is bound to.
const AGENT_X: &str = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";

fn issuer_key() -> Option<SigningKey> {
    SigningKey::from_seed(&Alg::ED25519, b64::decode_exact::<32>(ISSUER_SEED).ok()?)
}

fn agent_key() -> Option<PublicKey> {
    b64::decode_exact::<32>(AGENT_X)
        .ok()
        .and_then(|x| PublicKey::ed25519_from_bytes(&x).ok())
}

/// Every issuer, every `kid`: the one fixed issuer key. Lets fuzzed tokens signed with that
/// key (and the vector token) reach every check after key resolution.
#[derive(Debug)]
struct FixedIssuer(PublicKey);

impl KeyResolver for FixedIssuer {
    fn resolve(&self, _iss: &str, _dwk: &str, _kid: &str) -> Result<PublicKey, ResolveError> {
        Ok(self.0.clone())
    }
}

/// The verifier context fuzzed tokens are judged in: the vector's agent key and identifiers.
fn expected(profile: Profile, agent: &PublicKey) -> Expected<'_> {
    Expected::new(profile, NOW)
        .audience("https://resource.example")
        .bound_to(agent)
        .agent("aauth:assistant-v2@agent.example")
        .mission_approver("https://ps.example")
}

/// Read → write → read for one claim model. Returns whether the claims fit the model.
fn claims_round_trip<C>(map: &Map<String, Value>) -> bool
where
    C: TokenClaims + PartialEq + std::fmt::Debug,
{
    let Ok(claims) = C::from_map(map.clone()) else {
        return false;
    };
    let name = C::KIND.name();
    let written = claims.to_map();
    let again = C::from_map(written.clone()).unwrap_or_else(|e| {
        panic!(
            "{name}: our claims {} do not read back: {e}",
            Value::Object(written.clone())
        )
    });
    assert_eq!(again, claims, "{name}: claims round trip changed the value");
    fixed_point(
        name,
        &Value::Object(written).to_string(),
        &Value::Object(again.to_map()).to_string(),
    );
    true
}

fn claims_all_kinds(map: &Map<String, Value>) {
    claims_round_trip::<AgentClaims>(map);
    claims_round_trip::<PersonClaims>(map);
    claims_round_trip::<ResourceClaims>(map);
    claims_round_trip::<AuthClaims>(map);
    for kind in TokenKind::ALL {
        for profile in Profile::ALL {
            let _ = check_claims(kind, profile, map);
        }
    }
}

/// A token the validator accepted must fit its kind's claim model.
fn valid_token_is_typed(valid: &ValidToken) {
    let fits = match valid.kind {
        TokenKind::Agent => valid.typed::<AgentClaims>().map(drop),
        TokenKind::Person => valid.typed::<PersonClaims>().map(drop),
        TokenKind::Resource => valid.typed::<ResourceClaims>().map(drop),
        TokenKind::Auth => valid.typed::<AuthClaims>().map(drop),
    };
    if let Err(e) = fits {
        panic!(
            "{}: validate_token accepted claims {} that the claim model refuses: {e}",
            valid.kind.name(),
            Value::Object(valid.claims.clone())
        );
    }
}

fn validate_every_way(token: &str, kinds: &[TokenKind], profiles: &[Profile]) {
    let (Some(issuer), Some(agent)) = (issuer_key(), agent_key()) else {
        return;
    };
    let resolver = FixedIssuer(issuer.public_key());
    for &kind in kinds {
        for &profile in profiles {
            if let Ok(valid) = validate_token(kind, token, &expected(profile, &agent), &resolver) {
                valid_token_is_typed(&valid);
            }
        }
    }
}

/// A compact JWS/JWT: decode exactly, re-read the header, read the claims as every token
/// kind, check the header `alg` under both rule sets, and run the validator for every kind
/// and profile (with the vector issuer's key, so the vector token gets past the signature).
pub fn jws(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(decoded) = jws::decode(text) else {
        return;
    };
    let rebuilt = jws::with_raw_signature(
        decoded.header_bytes(),
        decoded.payload(),
        decoded.signature(),
    );
    assert_eq!(rebuilt, text, "JWS: decoding is not exact");
    assert!(
        text.starts_with(decoded.signing_input()),
        "JWS: signing input is not the prefix of the token"
    );
    let header_json = decoded.header().to_json();
    let header = jws::parse_json_object(header_json.as_bytes())
        .unwrap_or_else(|e| panic!("JWS: our header {header_json:?} does not re-read: {e}"));
    assert_eq!(
        &header,
        decoded.header().members(),
        "JWS: header round trip"
    );
    for rules in [JwkRules::FULLY_SPECIFIED, JwkRules::LEGACY] {
        let _ = jws::acceptable_header_alg(decoded.header(), rules);
        if let Some(agent) = agent_key() {
            let _ = jws::verify_with(&decoded, &agent, rules);
        }
    }
    if let Ok(claims) = decoded.payload_object() {
        claims_all_kinds(&claims);
    }
    validate_every_way(text, &TokenKind::ALL, &Profile::ALL);
}

/// Fuzzed claims, signed: the first byte picks the token kind (`byte % 4`, in
/// [`TokenKind::ALL`] order) and the profile (`byte / 4 % 3`, in [`Profile::ALL`] order), the
/// rest is the payload, signed with the fixed issuer key under that kind's `typ`. This gets
/// fuzzed claims past the signature into the time, type, profile and binding checks of the
/// validator, one signature and one validation per input.
pub fn jwt_claims(data: &[u8]) {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let selector = usize::from(selector);
    let (Some(&kind), Some(&profile)) = (
        TokenKind::ALL.get(selector % TokenKind::ALL.len()),
        Profile::ALL.get(selector / TokenKind::ALL.len() % Profile::ALL.len()),
    ) else {
        return;
    };
    let Some(issuer) = issuer_key() else {
        return;
    };
    let header = JwsHeader::new(&Alg::ED25519)
        .with_typ(kind.typ())
        .with_kid("fuzz-key");
    let token = jws::sign_header(&header, payload, &issuer);
    if let Ok(claims) = jws::parse_json_object(payload) {
        claims_all_kinds(&claims);
    }
    validate_every_way(&token, &[kind], &[profile]);
}

/// A JWK: shape round trip, key extraction under both rule sets, thumbprint agreement, and
/// rebuilding from the extracted key.
pub fn jwk(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = Jwk::parse(text) else {
        return;
    };
    let out = parsed.to_json();
    let again =
        Jwk::parse(&out).unwrap_or_else(|e| panic!("JWK: our serialization {out:?} fails: {e}"));
    assert_eq!(again, parsed, "JWK: round trip changed the members");
    fixed_point("JWK", &out, &again.to_json());
    let thumbprint = jwk_thumbprint(&parsed);
    let strict = parsed.to_public_key(JwkRules::FULLY_SPECIFIED);
    let legacy = parsed.to_public_key(JwkRules::LEGACY);
    if let Ok(key) = &strict {
        assert_eq!(
            legacy.as_ref(),
            Ok(key),
            "JWK: usable under the fully-specified rules but not, as the same key, under legacy"
        );
    }
    for key in [&strict, &legacy].into_iter().flatten() {
        assert_eq!(
            thumbprint.as_deref(),
            Ok(key.thumbprint().as_str()),
            "JWK: thumbprint of the members differs from the key's"
        );
        let rebuilt = Jwk::from_public(key, parsed.kid());
        for rules in [JwkRules::FULLY_SPECIFIED, JwkRules::LEGACY] {
            assert_eq!(
                rebuilt.to_public_key(rules).as_ref(),
                Ok(key),
                "JWK: the key rebuilt as {} reads differently",
                rebuilt.to_json()
            );
        }
        let _ = crate::jose::mutate::public_key_bytes(key);
    }
    if let Err(e) = &strict {
        let _ = (e.signature_error_code(), e.is_structural(), e.to_string());
    }
}

/// A JWK Set: document round trip, and selection by every `kid` present (plus one absent)
/// under both rule sets, checked against the members themselves.
pub fn jwks(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = Jwks::parse(text) else {
        return;
    };
    let out = set.to_json();
    let again =
        Jwks::parse(&out).unwrap_or_else(|e| panic!("JWKS: our serialization {out:?} fails: {e}"));
    assert_eq!(again, set, "JWKS: round trip changed the document");
    fixed_point("JWKS", &out, &again.to_json());
    let mut kids: Vec<String> = set
        .jwks()
        .filter_map(|j| j.kid().map(str::to_string))
        .collect();
    kids.push("\u{0}absent kid".into());
    for kid in &kids {
        let with_kid: Vec<Jwk> = set.jwks().filter(|j| j.kid() == Some(kid)).collect();
        for rules in [JwkRules::FULLY_SPECIFIED, JwkRules::LEGACY] {
            let first_usable = with_kid.iter().find_map(|j| j.to_public_key(rules).ok());
            match set.select(kid, rules) {
                KeySelection::Found { key, jwk } => {
                    assert_eq!(
                        Some(&key),
                        first_usable.as_ref(),
                        "JWKS: {kid:?} found wrongly"
                    );
                    assert_eq!(jwk.kid(), Some(kid.as_str()));
                }
                KeySelection::KidAbsent => {
                    assert!(
                        with_kid.is_empty(),
                        "JWKS: {kid:?} present but reported absent"
                    );
                }
                KeySelection::Unusable { jwk, error } => {
                    assert!(
                        first_usable.is_none(),
                        "JWKS: {kid:?} usable but reported not"
                    );
                    assert_eq!(jwk.to_public_key(rules), Err(error));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiYWEtYWdlbnQrand0Iiwia2lkIjoiYXAta2V5LTEifQ.eyJpc3MiOiJodHRwczovL2FnZW50LmV4YW1wbGUiLCJkd2siOiJhYXV0aC1hZ2VudC5qc29uIiwic3ViIjoiYWF1dGg6YXNzaXN0YW50LXYyQGFnZW50LmV4YW1wbGUiLCJqdGkiOiJhZ3QtMDAwMSIsImNuZiI6eyJqd2siOnsia3R5IjoiT0tQIiwiY3J2IjoiRWQyNTUxOSIsIngiOiJKclFMajVQXzg5aVhFUzktdkZnckl5MjljbEY5Q0Nfb1BQc3czYzVEMGJzIiwiYWxnIjoiRWQyNTUxOSJ9fSwicHMiOiJodHRwczovL3BzLmV4YW1wbGUiLCJpYXQiOjE3MzAyMTc2MDAsImV4cCI6MTczMDIyMTIwMH0.jcx5JzSWfLQuOpau5LGBDuKqm5ABipkKqTrxaoNN1lXk0LotOIrQzdMfESBG6Z6Wj-OUnc1IFSVi_LMD0p6bCQ";

    #[test]
    fn the_vector_token_validates_with_the_fixed_issuer() {
        let agent = agent_key().expect("agent key");
        let resolver = FixedIssuer(issuer_key().expect("issuer").public_key());
        let valid = validate_token(
            TokenKind::Agent,
            VECTOR_TOKEN,
            &expected(Profile::Aauth11, &agent),
            &resolver,
        )
        .expect("vector token validates");
        valid_token_is_typed(&valid);
        jws(VECTOR_TOKEN.as_bytes());
    }

    #[test]
    fn jws_survives_odd_tokens() {
        for t in [
            "",
            "a.b",
            "a.b.c.d",
            "e30.e30.",
            "eyJhbGciOiJub25lIn0.e30.",
            "e30=.e30.x",
        ] {
            jws(t.as_bytes());
        }
    }

    #[test]
    fn signed_claims_reach_the_validator() {
        let claims = br#"{"iss":"https://agent.example","dwk":"aauth-agent.json","sub":"aauth:a@agent.example","jti":"j","cnf":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs","alg":"Ed25519"}},"iat":1730217600,"exp":1730221200}"#;
        let mut input = vec![0u8];
        input.extend_from_slice(claims);
        jwt_claims(&input);
        jwt_claims(b"");
        jwt_claims(b"\x03{}");
    }

    #[test]
    fn jwk_rules_and_thumbprints_agree() {
        jwk(br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#);
        jwk(br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"Ed25519","kid":"k"}"#);
        jwk(br#"{"kty":"EC","crv":"P-256","x":"qIVYZVLCrPZHGHjP17CTW0_-D9Lfw0EkjqF7xB4FivA","y":"Mc4nN9LTDOBhfoUeg8Ye9WedFRhnZXZJA12Qp0zZ6F0","alg":"ES256"}"#);
        jwk(br#"{"kty":"oct","k":"AA"}"#);
        jwk(b"[1]");
    }

    #[test]
    fn jwks_selection_matches_the_members() {
        jwks(br#"{"keys":[{"kid":"a","kty":"RSA"},{"kid":"a","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"Ed25519"},7,{"kid":"b"}],"other":1}"#);
        jwks(br#"{"keys":{}}"#);
    }
}
