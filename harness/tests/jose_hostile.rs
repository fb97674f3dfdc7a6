//! Properties over arbitrary input: the JOSE parsers never panic, and base64url decoding is
//! canonical (whatever decodes re-encodes to the same text).

use aauth_harness::jose::claims::{dwk, TokenIssuer, TokenKind};
use aauth_harness::jose::jwk::{Jwk, JwkRules};
use aauth_harness::jose::jwks::Jwks;
use aauth_harness::jose::validate::{validate_token, Expected, StaticResolver};
use aauth_harness::jose::{b64, jws, Alg, SigningKey};
use aauth_harness::profile::Profile;
use proptest::prelude::*;

const CLAIM_NAMES: [&str; 14] = [
    "iss",
    "dwk",
    "sub",
    "jti",
    "aud",
    "cnf",
    "iat",
    "exp",
    "ps",
    "agent",
    "act",
    "mission",
    "mission_s256",
    "agent_jkt",
];

fn leaf() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z:/.+@-]{0,24}".prop_map(serde_json::Value::from),
        Just(serde_json::json!("https://ap.example")),
        Just(serde_json::json!("aauth-agent.json")),
        Just(
            serde_json::json!({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "alg": "Ed25519"}})
        ),
        Just(serde_json::json!({"agent": 5, "approver": [], "s256": {}})),
    ]
}

fn claim_sets() -> impl Strategy<Value = serde_json::Map<String, serde_json::Value>> {
    proptest::collection::vec((0..CLAIM_NAMES.len(), leaf()), 0..14).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(i, v)| (CLAIM_NAMES[i].to_string(), v))
            .collect()
    })
}

proptest! {
    #[test]
    fn validators_never_panic_on_structured_claims(claims in claim_sets(), now in any::<i64>()) {
        let issuer = TokenIssuer::new(
            SigningKey::from_seed(&Alg::ED25519, [1; 32]).expect("implemented"),
            "k",
            Profile::Aauth10,
        );
        let mut resolver = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
        resolver.insert("https://ap.example", dwk::AGENT, issuer.jwks());
        for kind in TokenKind::ALL {
            let token = issuer.sign_unchecked(&issuer.header(kind), &claims);
            for profile in Profile::ALL {
                let _ = validate_token(kind, &token, &Expected::new(profile, now), &resolver);
            }
        }
    }

    #[test]
    fn base64url_decoding_is_canonical(s in "[A-Za-z0-9_=+/ -]{0,64}") {
        if let Ok(bytes) = b64::decode(&s) {
            prop_assert_eq!(b64::encode(bytes), s);
        }
    }

    #[test]
    fn base64url_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        prop_assert_eq!(b64::decode(&b64::encode(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn jws_decode_never_panics(s in "\\PC{0,200}") {
        let _ = jws::decode(&s);
    }

    #[test]
    fn jws_decode_never_panics_on_near_tokens(h in "[A-Za-z0-9_-]{0,40}", p in "[A-Za-z0-9_-]{0,40}", sig in "[A-Za-z0-9_.-]{0,90}") {
        let _ = jws::decode(&format!("{h}.{p}.{sig}"));
    }

    #[test]
    fn jwk_and_jwks_never_panic(json in "\\PC{0,200}") {
        if let Ok(jwk) = Jwk::parse(&json) {
            let _ = jwk.to_public_key(JwkRules::FULLY_SPECIFIED);
            let _ = jwk.to_public_key(JwkRules::LEGACY);
        }
        if let Ok(set) = Jwks::parse(&json) {
            let _ = set.select("k", JwkRules::FULLY_SPECIFIED);
        }
    }

    #[test]
    fn jwk_members_of_any_json_type_never_panic(
        kty in prop_oneof![Just(serde_json::json!("OKP")), Just(serde_json::json!("EC")), Just(serde_json::json!(1)), Just(serde_json::json!("RSA"))],
        crv in prop_oneof![Just(serde_json::json!("Ed25519")), Just(serde_json::json!("P-256")), Just(serde_json::json!(null))],
        alg in prop_oneof![Just(serde_json::json!("Ed25519")), Just(serde_json::json!("ES256")), Just(serde_json::json!("EdDSA")), Just(serde_json::json!([]))],
        x in "[A-Za-z0-9_-]{0,50}",
        y in "[A-Za-z0-9_-]{0,50}",
    ) {
        let jwk = Jwk::from_value(serde_json::json!({"kty": kty, "crv": crv, "alg": alg, "x": x, "y": y})).unwrap();
        let _ = jwk.to_public_key(JwkRules::FULLY_SPECIFIED);
        let _ = jwk.to_public_key(JwkRules::LEGACY);
    }

    #[test]
    fn validators_never_panic(claims in "\\PC{0,200}") {
        let issuer = TokenIssuer::new(
            SigningKey::from_seed(&Alg::ED25519, [1; 32]).expect("implemented"),
            "k",
            Profile::Aauth11,
        );
        let mut resolver = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
        resolver.insert("https://ap.example", dwk::AGENT, issuer.jwks());
        let token = jws::sign_header(&issuer.header(TokenKind::Agent), claims.as_bytes(), &issuer.key);
        for kind in TokenKind::ALL {
            let _ = validate_token(kind, &token, &Expected::new(Profile::Aauth11, 0), &resolver);
        }
    }
}
