//! Token validators against one valid baseline per (kind, profile) plus exactly one defect
//! each: the baseline must pass, every defect must fail the check it targets, with the
//! `Signature-Error` code requirements §2.4 assigns.

use aauth_harness::jose::claims::{
    dwk, AgentClaims, AuthClaims, PersonClaims, ResourceClaims, TokenClaims, TokenIssuer, TokenKind,
};
use aauth_harness::jose::jwk::{Jwk, JwkError, JwkRules};
use aauth_harness::jose::jwks::Jwks;
use aauth_harness::jose::jws::JwsVerifyError;
use aauth_harness::jose::mutate::{mint, stranger_key, TokenDefect};
use aauth_harness::jose::validate::{
    validate, validate_token, Expected, ResolveError, StaticResolver, TokenFailure,
};
use aauth_harness::jose::{b64, Alg, PublicKey, SigningKey};
use aauth_harness::profile::Profile;
use aauth_harness::wire::signature_error::SignatureErrorCode;
use serde_json::{json, Map, Value};

const NOW: i64 = 1_730_217_700;
const AP: &str = "https://ap.example";
const PS: &str = "https://ps.example";
const AS: &str = "https://as.example";
const RESOURCE: &str = "https://resource.example";
const AGENT_ID: &str = "aauth:assistant@ap.example";

struct World {
    profile: Profile,
    ap: TokenIssuer,
    ps: TokenIssuer,
    resource: TokenIssuer,
    access: TokenIssuer,
    agent: PublicKey,
    resolver: StaticResolver,
}

impl World {
    fn new(profile: Profile) -> Self {
        let key =
            |alg: &Alg, seed: u8| SigningKey::from_seed(alg, [seed; 32]).expect("implemented alg");
        let ap = TokenIssuer::new(key(&Alg::ED25519, 1), "ap-1", profile);
        // The PS signs with ES256 so both algorithms go through every check.
        let ps = TokenIssuer::new(key(&Alg::ES256, 2), "ps-1", profile);
        let resource = TokenIssuer::new(key(&Alg::ED25519, 3), "rs-1", profile);
        let access = TokenIssuer::new(key(&Alg::ED25519, 4), "as-1", profile);
        let agent = key(&Alg::ED25519, 7).public_key();
        let mut resolver = StaticResolver::new(JwkRules::for_profile(profile));
        resolver
            .insert(AP, dwk::AGENT, ap.jwks())
            .insert(PS, dwk::PERSON, ps.jwks())
            .insert(RESOURCE, dwk::RESOURCE, resource.jwks())
            .insert(AS, dwk::ACCESS, access.jwks());
        World {
            profile,
            ap,
            ps,
            resource,
            access,
            agent,
            resolver,
        }
    }

    fn issuer(&self, kind: TokenKind) -> &TokenIssuer {
        match kind {
            TokenKind::Agent => &self.ap,
            TokenKind::Person => &self.ps,
            TokenKind::Resource => &self.resource,
            TokenKind::Auth => &self.access,
        }
    }

    fn claims(&self, kind: TokenKind) -> Map<String, Value> {
        let p11 = self.profile.has_person_tokens();
        let (iat, exp) = (NOW - 100, NOW + 3500);
        match kind {
            TokenKind::Agent => {
                let mut c =
                    AgentClaims::new(self.profile, AP, AGENT_ID, "agt-1", &self.agent, iat, exp);
                c.ps = Some(PS.into());
                c.to_map()
            }
            TokenKind::Person => {
                PersonClaims::new(PS, RESOURCE, "sub-1", "pt-1", &self.agent, iat, exp).to_map()
            }
            TokenKind::Resource => {
                let c = ResourceClaims::new(RESOURCE, PS, "rt-1", &self.agent, "read", iat, exp);
                let c = if p11 {
                    c.for_person(PS, "sub-1", "pt-1")
                } else {
                    c.for_agent(AGENT_ID)
                };
                c.to_map()
            }
            TokenKind::Auth => {
                let c = AuthClaims::new(
                    self.profile,
                    AS,
                    dwk::ACCESS,
                    RESOURCE,
                    "at-1",
                    &self.agent,
                    iat,
                    exp,
                );
                let c = if p11 {
                    c.for_person(PS, "sub-1")
                } else {
                    c.for_agent(AGENT_ID).with_scope("read")
                };
                c.to_map()
            }
        }
    }

    fn expected(&self, kind: TokenKind) -> Expected<'_> {
        let e = Expected::new(self.profile, NOW)
            .bound_to(&self.agent)
            .agent(AGENT_ID);
        match kind {
            TokenKind::Agent => e,
            TokenKind::Person | TokenKind::Auth => e.audience(RESOURCE),
            TokenKind::Resource => e.audience(PS).mission_approver(PS),
        }
    }

    fn mint(&self, kind: TokenKind, defect: Option<&TokenDefect>) -> String {
        mint(self.issuer(kind), kind, &self.claims(kind), defect, NOW)
    }

    fn check(&self, kind: TokenKind, defect: Option<&TokenDefect>) -> Result<(), TokenFailure> {
        let token = self.mint(kind, defect);
        validate_token(kind, &token, &self.expected(kind), &self.resolver).map(|_| ())
    }

    fn kinds(&self) -> Vec<TokenKind> {
        TokenKind::ALL
            .into_iter()
            .filter(|k| k.in_profile(self.profile))
            .collect()
    }
}

fn worlds() -> Vec<World> {
    Profile::ALL.into_iter().map(World::new).collect()
}

#[test]
fn every_baseline_token_validates_and_reads_back_typed() {
    for w in worlds() {
        for kind in w.kinds() {
            assert_eq!(w.check(kind, None), Ok(()), "{kind:?} {}", w.profile);
        }
        let token = w.mint(TokenKind::Agent, None);
        let (valid, claims) =
            validate::<AgentClaims>(&token, &w.expected(TokenKind::Agent), &w.resolver).unwrap();
        assert_eq!(claims.sub, AGENT_ID);
        assert_eq!(valid.cnf_key, Some(w.agent.clone()));
    }
}

/// Defects every kind must reject, with the check that must catch them.
#[test]
fn common_defects_fail_the_check_they_target() {
    let cases: Vec<(TokenDefect, &str)> = vec![
        (TokenDefect::Typ("JWT".into()), "typ"),
        (TokenDefect::TypMissing, "typ"),
        (TokenDefect::Dwk("aauth-other.json".into()), "dwk"),
        (TokenDefect::RemoveClaim("dwk".into()), "dwk"),
        (TokenDefect::Iss("https://AP.example".into()), "iss"),
        (TokenDefect::Iss("https://ap.example/".into()), "iss"),
        (TokenDefect::Iss("https://ap.example:8443".into()), "iss"),
        (TokenDefect::Iss("http://ap.example".into()), "iss"),
        (TokenDefect::Expired, "exp"),
        (TokenDefect::IatFuture(600), "iat"),
        (TokenDefect::HeaderAlg(Alg::NONE), "alg"),
        (TokenDefect::HeaderAlg(Alg::HS256), "alg"),
        (TokenDefect::HeaderAlg(Alg::new("ES384")), "alg"),
        (TokenDefect::AlgNone, "alg"),
        (TokenDefect::Hs256WithPublicKey, "alg"),
        (TokenDefect::KidUnknown, "key"),
        (TokenDefect::KidMissing, "kid"),
        (TokenDefect::SignWithOtherKey, "signature"),
        (TokenDefect::RemoveClaim("exp".into()), "required-claim"),
        (TokenDefect::RemoveClaim("iat".into()), "required-claim"),
        (TokenDefect::RemoveClaim("jti".into()), "required-claim"),
        (
            TokenDefect::SetClaim("exp".into(), json!("soon")),
            "claim-type",
        ),
        (TokenDefect::SetClaim("jti".into(), json!(5)), "claim-type"),
    ];
    for w in worlds() {
        for kind in w.kinds() {
            for (defect, check) in &cases {
                let got = w.check(kind, Some(defect));
                let failure = got.expect_err(&format!("{kind:?} {} {defect:?}", w.profile));
                assert_eq!(
                    failure.check(),
                    *check,
                    "{kind:?} {} {defect:?}: {failure}",
                    w.profile
                );
            }
        }
    }
}

#[test]
fn expired_tokens_map_to_expired_codes() {
    for w in worlds() {
        for kind in w.kinds() {
            let f = w.check(kind, Some(&TokenDefect::Expired)).unwrap_err();
            assert_eq!(f.signature_error_code(), SignatureErrorCode::EXPIRED_JWT);
            let want = match kind {
                TokenKind::Agent => Some("expired_agent_token"),
                TokenKind::Person => Some("invalid_person_token"),
                TokenKind::Resource => Some("expired_resource_token"),
                TokenKind::Auth => None,
            };
            assert_eq!(f.endpoint_error_code(kind), want);
        }
    }
}

#[test]
fn unknown_kid_is_unknown_key_and_bad_signature_is_invalid_jwt() {
    let w = World::new(Profile::Aauth11);
    let f = w
        .check(TokenKind::Agent, Some(&TokenDefect::KidUnknown))
        .unwrap_err();
    assert_eq!(f, TokenFailure::Key(ResolveError::UnknownKey));
    assert_eq!(f.signature_error_code(), SignatureErrorCode::UNKNOWN_KEY);
    let f = w
        .check(TokenKind::Agent, Some(&TokenDefect::SignWithOtherKey))
        .unwrap_err();
    assert_eq!(f.signature_error_code(), SignatureErrorCode::INVALID_JWT);
}

#[test]
fn eddsa_header_is_rejected_by_aauth_11_and_10_and_accepted_by_legacy() {
    for profile in [Profile::Aauth11, Profile::Aauth10] {
        let w = World::new(profile);
        let f = w
            .check(TokenKind::Agent, Some(&TokenDefect::HeaderAlg(Alg::EDDSA)))
            .unwrap_err();
        assert_eq!(
            f,
            TokenFailure::HeaderAlg(JwsVerifyError::AlgPolymorphic(Alg::EDDSA))
        );
    }
    let legacy = World::new(Profile::Legacy);
    assert_eq!(legacy.ap.header_alg(), Alg::EDDSA);
    assert_eq!(legacy.check(TokenKind::Agent, None), Ok(()));
    // A legacy-minted token is refused by a -11 verifier.
    let token = legacy.mint(TokenKind::Agent, None);
    let w11 = World::new(Profile::Aauth11);
    let f = validate_token(
        TokenKind::Agent,
        &token,
        &w11.expected(TokenKind::Agent),
        &legacy.resolver,
    )
    .unwrap_err();
    assert_eq!(f.check(), "alg");
}

#[test]
fn hs256_token_never_verifies_in_any_profile() {
    for w in worlds() {
        for kind in w.kinds() {
            let f = w
                .check(kind, Some(&TokenDefect::Hs256WithPublicKey))
                .unwrap_err();
            assert_eq!(
                f,
                TokenFailure::HeaderAlg(JwsVerifyError::AlgForbidden(Alg::HS256))
            );
        }
    }
}

#[test]
fn cnf_defects_fail_with_the_code_of_their_cause() {
    let key_bound = [TokenKind::Agent, TokenKind::Person, TokenKind::Auth];
    for w in worlds() {
        let strict = w.profile.fully_specified_algs();
        for kind in key_bound.into_iter().filter(|k| k.in_profile(w.profile)) {
            let run = |d: TokenDefect| w.check(kind, Some(&d));
            let ctx = format!("{kind:?} {}", w.profile);

            assert_eq!(
                run(TokenDefect::CnfMissing),
                Err(TokenFailure::CnfMissing),
                "{ctx}"
            );
            let f = run(TokenDefect::CnfOtherKey).unwrap_err();
            assert_eq!(f, TokenFailure::CnfMismatch, "{ctx}");
            assert_eq!(
                f.signature_error_code(),
                SignatureErrorCode::INVALID_SIGNATURE
            );

            for member in ["x", "kty", "crv"] {
                let f = run(TokenDefect::CnfDrop(member.into())).unwrap_err();
                assert!(
                    matches!(f, TokenFailure::CnfKey(ref e) if e.is_structural()),
                    "{ctx} drop {member}: {f}"
                );
                assert_eq!(f.signature_error_code(), SignatureErrorCode::INVALID_KEY);
            }
            let f = run(TokenDefect::CnfMember(
                "x".into(),
                json!(b64::encode([1u8; 31])),
            ))
            .unwrap_err();
            assert!(matches!(
                f,
                TokenFailure::CnfKey(JwkError::InvalidMaterial { member: "x", .. })
            ));
            assert_eq!(f.signature_error_code(), SignatureErrorCode::INVALID_KEY);

            // kty OKP with alg ES256: invalid_key everywhere.
            let f = run(TokenDefect::JwkAlg(Some("ES256".into()))).unwrap_err();
            assert!(matches!(
                f,
                TokenFailure::CnfKey(JwkError::KtyMismatch { .. })
            ));
            assert_eq!(f.signature_error_code(), SignatureErrorCode::INVALID_KEY);

            // No alg / EdDSA: unsupported_algorithm from -10 on, fine for legacy.
            for alg in [None, Some("EdDSA".to_string())] {
                let got = run(TokenDefect::JwkAlg(alg.clone()));
                if strict {
                    let f = got.unwrap_err();
                    assert_eq!(
                        f.signature_error_code(),
                        SignatureErrorCode::UNSUPPORTED_ALGORITHM,
                        "{ctx} {alg:?}"
                    );
                } else {
                    assert_eq!(got, Ok(()), "{ctx} {alg:?}");
                }
            }
            // A shared secret in cnf is forbidden in every profile.
            let f = run(TokenDefect::CnfMember("kty".into(), json!("oct"))).unwrap_err();
            assert_eq!(f.check(), "cnf-key");
        }
    }
}

#[test]
fn typ_confusion_is_rejected_in_every_slot() {
    for w in worlds() {
        for presented in w.kinds() {
            for slot in w.kinds().into_iter().filter(|k| *k != presented) {
                let token = w.mint(presented, None);
                let f = validate_token(slot, &token, &w.expected(slot), &w.resolver).unwrap_err();
                assert_eq!(
                    f,
                    TokenFailure::WrongTyp {
                        found: Some(presented.typ().into())
                    }
                );
            }
        }
    }
}

#[test]
fn auth_token_accepts_either_issuer_dwk_but_not_agent() {
    let w = World::new(Profile::Aauth11);
    let mut resolver = w.resolver.clone();
    resolver.insert(AS, dwk::PERSON, w.access.jwks());
    let token = w.mint(TokenKind::Auth, Some(&TokenDefect::Dwk(dwk::PERSON.into())));
    assert!(validate_token(
        TokenKind::Auth,
        &token,
        &w.expected(TokenKind::Auth),
        &resolver
    )
    .is_ok());
    let f = w
        .check(TokenKind::Auth, Some(&TokenDefect::Dwk(dwk::AGENT.into())))
        .unwrap_err();
    assert_eq!(f.check(), "dwk");
}

#[test]
fn audience_and_binding_checks() {
    for w in worlds() {
        for kind in w.kinds().into_iter().filter(|k| *k != TokenKind::Agent) {
            let f = w
                .check(
                    kind,
                    Some(&TokenDefect::Aud("https://other.example".into())),
                )
                .unwrap_err();
            assert_eq!(f.check(), "aud", "{kind:?}");
            let f = w
                .check(
                    kind,
                    Some(&TokenDefect::SetClaim("aud".into(), json!([RESOURCE, PS]))),
                )
                .unwrap_err();
            assert_eq!(f.check(), "claim-type", "{kind:?}");
        }
        let other = stranger_key(&Alg::ED25519).public_key().thumbprint();
        let f = w
            .check(
                TokenKind::Resource,
                Some(&TokenDefect::SetClaim("agent_jkt".into(), json!(other))),
            )
            .unwrap_err();
        assert_eq!(f.check(), "agent_jkt");
    }
}

#[test]
fn every_required_claim_is_required() {
    for w in worlds() {
        for kind in w.kinds() {
            for &claim in aauth_harness::jose::claims::required_claims(kind, w.profile) {
                let got = w.check(kind, Some(&TokenDefect::RemoveClaim(claim.into())));
                assert!(got.is_err(), "{kind:?} {} without {claim}", w.profile);
            }
        }
    }
}

#[test]
fn unknown_claims_are_ignored() {
    for w in worlds() {
        for kind in w.kinds() {
            let d = TokenDefect::SetClaim("x_foo".into(), json!({"nested": [1, 2]}));
            assert_eq!(w.check(kind, Some(&d)), Ok(()));
        }
    }
}

#[test]
fn profile_specific_claim_rules() {
    let w11 = World::new(Profile::Aauth11);
    let f = w11
        .check(
            TokenKind::Person,
            Some(&TokenDefect::SetClaim("scope".into(), json!("read"))),
        )
        .unwrap_err();
    assert_eq!(f, TokenFailure::ForbiddenClaim("scope"));
    let f = w11
        .check(
            TokenKind::Resource,
            Some(&TokenDefect::SetClaim(
                "mission_s256".into(),
                json!("short"),
            )),
        )
        .unwrap_err();
    assert_eq!(f.check(), "mission-hash");
    for claim in ["ps", "sub", "presented_jti"] {
        let f = w11
            .check(
                TokenKind::Resource,
                Some(&TokenDefect::RemoveClaim(claim.into())),
            )
            .unwrap_err();
        assert_eq!(f, TokenFailure::MissingClaim(claim));
    }
    let f = w11
        .check(
            TokenKind::Auth,
            Some(&TokenDefect::RemoveClaim("sub".into())),
        )
        .unwrap_err();
    assert_eq!(f, TokenFailure::MissingClaim("sub"));
    let f = w11
        .check(
            TokenKind::Agent,
            Some(&TokenDefect::SetClaim(
                "ps".into(),
                json!("http://ps.example"),
            )),
        )
        .unwrap_err();
    assert_eq!(f.check(), "ps");
    let f = w11
        .check(
            TokenKind::Agent,
            Some(&TokenDefect::SetClaim(
                "sub".into(),
                json!("My Agent@ap.example"),
            )),
        )
        .unwrap_err();
    assert_eq!(f.check(), "agent-identifier");

    let w10 = World::new(Profile::Aauth10);
    let f = w10
        .check(
            TokenKind::Resource,
            Some(&TokenDefect::SetClaim(
                "agent".into(),
                json!("aauth:other@ap.example"),
            )),
        )
        .unwrap_err();
    assert_eq!(f.check(), "agent");
    let mission = json!({"approver": "https://evil.example",
                         "s256": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"});
    let f = w10
        .check(
            TokenKind::Resource,
            Some(&TokenDefect::SetClaim("mission".into(), mission)),
        )
        .unwrap_err();
    assert_eq!(f.check(), "mission");
    let good_mission =
        json!({"approver": PS, "s256": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"});
    assert_eq!(
        w10.check(
            TokenKind::Resource,
            Some(&TokenDefect::SetClaim("mission".into(), good_mission))
        ),
        Ok(())
    );
    // -10 auth token: sub or scope suffices; neither fails.
    assert_eq!(w10.check(TokenKind::Auth, None), Ok(()));
    let mut claims = w10.claims(TokenKind::Auth);
    claims.shift_remove("scope");
    let token = mint(&w10.access, TokenKind::Auth, &claims, None, NOW);
    assert_eq!(
        validate_token(
            TokenKind::Auth,
            &token,
            &w10.expected(TokenKind::Auth),
            &w10.resolver
        ),
        Err(TokenFailure::SubOrScopeMissing)
    );
    let f = w10
        .check(
            TokenKind::Auth,
            Some(&TokenDefect::SetClaim(
                "act".into(),
                json!({"agent": "nobody"}),
            )),
        )
        .unwrap_err();
    assert_eq!(f.check(), "agent-identifier");
    assert_eq!(
        w10.check(
            TokenKind::Auth,
            Some(&TokenDefect::SetClaim(
                "act".into(),
                json!({"agent": "aauth:up@ap.example"})
            ))
        ),
        Ok(())
    );
    // Person tokens do not exist before -11.
    let token = w11.mint(TokenKind::Person, None);
    assert_eq!(
        validate_token(
            TokenKind::Person,
            &token,
            &w10.expected(TokenKind::Person),
            &w10.resolver
        ),
        Err(TokenFailure::KindNotInProfile {
            kind: TokenKind::Person
        })
    );
}

#[test]
fn jwks_with_unusable_neighbours_still_resolves_and_alg_less_key_is_unusable() {
    let w = World::new(Profile::Aauth11);
    let mut jwks = Jwks::default();
    jwks.push_raw(json!({"kty":"AKP","alg":"ML-DSA-65","kid":"pq","pub":"AAAA"}));
    jwks.push_raw(json!("garbage"));
    jwks.push(w.ap.jwk());
    let mut resolver = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
    resolver.insert(AP, dwk::AGENT, jwks);
    let token = w.mint(TokenKind::Agent, None);
    assert!(validate_token(
        TokenKind::Agent,
        &token,
        &w.expected(TokenKind::Agent),
        &resolver
    )
    .is_ok());

    let mut no_alg: Jwk = w.ap.jwk();
    no_alg.remove("alg");
    let mut resolver = StaticResolver::new(JwkRules::FULLY_SPECIFIED);
    resolver.insert(AP, dwk::AGENT, Jwks::from_keys([no_alg]));
    let f = validate_token(
        TokenKind::Agent,
        &token,
        &w.expected(TokenKind::Agent),
        &resolver,
    )
    .unwrap_err();
    assert_eq!(
        f,
        TokenFailure::Key(ResolveError::UnusableKey(JwkError::AlgMissing))
    );
    assert_eq!(
        f.signature_error_code(),
        SignatureErrorCode::UNSUPPORTED_ALGORITHM
    );
}

#[test]
fn hostile_strings_never_panic() {
    let w = World::new(Profile::Aauth11);
    let e = w.expected(TokenKind::Agent);
    for s in [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "\u{0}.\u{0}.\u{0}",
        "e30.e30.",
        "ey.ey.ey",
        "é.é.é",
    ] {
        assert!(validate_token(TokenKind::Agent, s, &e, &w.resolver).is_err());
    }
}
