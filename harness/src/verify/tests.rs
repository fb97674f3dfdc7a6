//! Verifier tests: valid requests for every credential and profile, every step's
//! rejection, and every planted flaw.

use serde_json::json;

use super::*;
use crate::defect::{RequestDefect, Tamper};
use crate::jose::claims::TokenKind;
use crate::jose::mutate::TokenDefect;
use crate::jose::Alg;
use crate::message::{Fields, Request};
use crate::profile::Profile;
use crate::role::flaw::{Flaw, Flaws};
use crate::role::Role;
use crate::vectors::fixtures::{
    agent_es256_key, ps_post, resource_get, Credential, World, AP, NOW, RESOURCE,
};
use crate::wire::signature_error::SignatureErrorCode as Code;
use crate::wire::signature_key::Scheme;

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

struct Case {
    world: World,
    role: Role,
    request: Request,
    credential: Credential,
}

impl Case {
    fn resource(profile: Profile, credential: Credential) -> Self {
        Case {
            world: World::ed25519(profile),
            role: Role::Resource,
            request: resource_get(),
            credential,
        }
    }

    fn ps(profile: Profile) -> Self {
        Case {
            world: World::ed25519(profile),
            role: Role::PersonServer,
            request: ps_post(),
            credential: Credential::Agent,
        }
    }

    fn build(&self, token: Option<&TokenDefect>, request: Option<&RequestDefect>) -> Request {
        let jwt = self.world.token(self.credential, token);
        self.world
            .sign(&self.request, &jwt, self.role, request)
            .expect("signs")
    }

    fn run(&self, request: &Request, flaws: Flaws) -> Result<VerifiedRequest, Rejection> {
        let config = self.world.verifier(self.role).with_flaws(flaws);
        block(verify_request(
            request,
            &config,
            &self.world.static_keys(),
            NOW,
        ))
    }

    fn verdict(
        &self,
        token: Option<&TokenDefect>,
        request: Option<&RequestDefect>,
    ) -> Result<VerifiedRequest, Rejection> {
        self.run(&self.build(token, request), Flaws::none())
    }
}

fn code(r: Result<VerifiedRequest, Rejection>) -> Code {
    let rejection = r.expect_err("rejected");
    assert_eq!(rejection.status, 401, "{rejection}");
    rejection.code().clone()
}

#[test]
fn valid_requests_for_every_credential_and_profile() {
    for profile in [Profile::Aauth11, Profile::Aauth10] {
        let mut credentials = vec![Credential::Agent, Credential::Auth];
        if profile.has_person_tokens() {
            credentials.push(Credential::Person);
        }
        for credential in credentials {
            for agent in [crate::vectors::fixtures::agent_key(), agent_es256_key()] {
                let mut case = Case::resource(profile, credential);
                case.world = World::new(profile, agent.clone());
                let v = case
                    .verdict(None, None)
                    .unwrap_or_else(|r| panic!("{profile} {credential:?} {}: {r}", agent.alg()));
                assert_eq!(v.kind(), Some(credential.kind()));
                assert_eq!(v.key, agent.public_key());
                assert_eq!(v.thumbprint(), agent.public_key().thumbprint());
                assert_eq!(v.label, "sig");
                assert_eq!(v.scheme, Scheme::JWT);
                let aud = v.claims().and_then(TypedClaims::aud);
                let kinds = [credential.kind()];
                let expectation = CredentialExpectation::tokens(RESOURCE, &kinds);
                assert_eq!(check_credential(&v, &expectation), Ok(()));
                if credential != Credential::Agent {
                    assert_eq!(aud, Some(RESOURCE));
                }
            }
        }
        let ps = Case::ps(profile);
        let v = ps.verdict(None, None).expect("PS request verifies");
        assert_eq!(v.kind(), Some(TokenKind::Agent));
    }
}

#[test]
fn person_tokens_do_not_exist_before_aauth_11() {
    let mut case = Case::resource(Profile::Aauth10, Credential::Person);
    case.world = World::ed25519(Profile::Aauth10);
    assert_eq!(code(case.verdict(None, None)), Code::INVALID_JWT);
}

#[test]
fn every_request_defect_gets_its_expected_code() {
    use crate::defect::Expected as E;
    for case in [
        Case::resource(Profile::Aauth11, Credential::Agent),
        Case::ps(Profile::Aauth11),
        Case::ps(Profile::Aauth10),
    ] {
        let config = case.world.verifier(case.role);
        for defect in RequestDefect::catalogue() {
            let got = case.verdict(None, Some(&defect));
            if defect == RequestDefect::ResignAfterMutation(Tamper::Authority) {
                // Validly signed, but for another server.
                assert_eq!(got.expect_err("other host").step, Step::Authority);
                continue;
            }
            if defect == RequestDefect::ResignAfterMutation(Tamper::SignatureKeyBytes) {
                // Signed again, but the token inside no longer parses.
                assert_eq!(code(got), Code::INVALID_JWT);
                continue;
            }
            let ctx =
                crate::httpsig::sign::AauthSignContext::for_role(case.world.profile, case.role);
            match defect.expected(&case.request, &ctx, &config.requirements) {
                E::Accept => assert!(got.is_ok(), "{}: {:?}", defect.id(), got.err()),
                E::Reject(mut codes) => {
                    if defect == RequestDefect::TamperAfterSigning(Tamper::SignatureKeyBytes) {
                        // The token itself no longer parses, and step 5 precedes step 7.
                        codes.push(Code::INVALID_JWT);
                    }
                    let c = code(got);
                    assert!(
                        codes.contains(&c),
                        "{}: got {c}, want {codes:?}",
                        defect.id()
                    );
                }
                E::RejectAny => assert!(got.is_err(), "{}", defect.id()),
                E::Either => {}
            }
        }
    }
}

#[test]
fn step_codes_for_header_coverage_and_window() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let r = case
        .verdict(
            None,
            Some(&RequestDefect::OmitComponent("@authority".into())),
        )
        .expect_err("uncovered");
    assert_eq!(r.step, Step::Covered);
    let response = r.to_response();
    assert_eq!(response.status, 401);
    let header = response.header("signature-error").expect("header");
    assert!(header.starts_with("error=invalid_input"), "{header}");
    assert!(
        header.contains("required_input=(\"@method\" \"@authority\" \"@path\" \"signature-key\")"),
        "{header}"
    );
    let body = response.body_json().expect("json");
    assert_eq!(body["error"], "invalid_input");
    assert_eq!(body["type"], "urn:ietf:params:sig-error:invalid_input");
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    for (defect, step) in [
        (RequestDefect::OmitHeader("Signature".into()), Step::Headers),
        (RequestDefect::CreatedSkew(-61), Step::Freshness),
        (RequestDefect::CreatedSkew(61), Step::Freshness),
        (RequestDefect::Expires(-1), Step::Freshness),
        (RequestDefect::LabelMismatch, Step::Scheme),
        (RequestDefect::SignWithOtherKey, Step::Signature),
    ] {
        let r = case.verdict(None, Some(&defect)).expect_err(&defect.id());
        assert_eq!(r.step, step, "{}", defect.id());
    }
}

#[test]
fn schemes_other_than_jwt_are_unsupported_and_unselected_members_do_not_matter() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let jwt = case.world.token(Credential::Agent, None);
    for member in [
        "sig=hwk;kty=\"OKP\";crv=\"Ed25519\";x=\"JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs\";alg=\"Ed25519\"",
        "sig=jwks_uri;id=\"https://agent.example\";dwk=\"aauth-agent.json\";kid=\"ap-key-1\"",
        "sig=zz-unknown;a=\"b\"",
        "sig=cached;cid=\"x\"",
    ] {
        let spec_req = case.request.clone();
        let signed = crate::defect::build_signed_request(
            &crate::defect::SignedRequestSpec {
                request: spec_req,
                key: case.world.agent.clone(),
                label: "sig".into(),
                signature_key_member: member.trim_start_matches("sig=").to_string(),
                created: NOW,
                ctx: crate::httpsig::sign::AauthSignContext::resource(),
            },
            None,
        )
        .expect("signs");
        let r = case.run(&signed, Flaws::none()).expect_err(member);
        assert_eq!(*r.code(), Code::UNSUPPORTED_SCHEME, "{member}");
        assert_eq!(r.accept_scheme, Some(vec![Scheme::JWT]));
        let response = r.to_response();
        assert_eq!(response.header("accept-signature-scheme").as_deref(), Some("jwt"));
    }
    // A second member with an unknown scheme, for another label, is never looked at.
    let member = format!("jwt;jwt=\"{jwt}\", other=zz-unknown;a=\"b\"");
    let signed = crate::defect::build_signed_request(
        &crate::defect::SignedRequestSpec {
            request: case.request.clone(),
            key: case.world.agent.clone(),
            label: "sig".into(),
            signature_key_member: member,
            created: NOW,
            ctx: crate::httpsig::sign::AauthSignContext::resource(),
        },
        None,
    )
    .expect("signs");
    assert!(case.run(&signed, Flaws::none()).is_ok());
    let flawed = case.run(&signed, Flaws::one(Flaw::UnselectedMemberRejected));
    assert_eq!(code(flawed), Code::UNSUPPORTED_SCHEME);
}

#[test]
fn token_defects_get_their_codes() {
    let agent = Case::resource(Profile::Aauth11, Credential::Agent);
    let checks: Vec<(TokenDefect, Code)> = vec![
        (TokenDefect::Typ("JWT".into()), Code::INVALID_JWT),
        (
            TokenDefect::Typ("aa-resource+jwt".into()),
            Code::INVALID_JWT,
        ),
        (TokenDefect::TypMissing, Code::INVALID_JWT),
        (
            TokenDefect::Dwk("aauth-person.json".into()),
            Code::INVALID_JWT,
        ),
        (
            TokenDefect::Iss("https://Agent.Example".into()),
            Code::INVALID_JWT,
        ),
        (
            TokenDefect::Iss("https://agent.example/".into()),
            Code::INVALID_JWT,
        ),
        (
            TokenDefect::Iss("http://agent.example".into()),
            Code::INVALID_JWT,
        ),
        (TokenDefect::Expired, Code::EXPIRED_JWT),
        (TokenDefect::IatFuture(600), Code::INVALID_JWT),
        (TokenDefect::CnfOtherKey, Code::INVALID_SIGNATURE),
        (TokenDefect::CnfMissing, Code::INVALID_JWT),
        (TokenDefect::CnfDrop("x".into()), Code::INVALID_KEY),
        (TokenDefect::CnfDrop("kty".into()), Code::INVALID_KEY),
        (
            TokenDefect::CnfMember("x".into(), json!("AAAA")),
            Code::INVALID_KEY,
        ),
        (TokenDefect::JwkAlg(None), Code::UNSUPPORTED_ALGORITHM),
        (
            TokenDefect::JwkAlg(Some("EdDSA".into())),
            Code::UNSUPPORTED_ALGORITHM,
        ),
        // ES512 on an OKP key: the kty disagreement is found first.
        (TokenDefect::JwkAlg(Some("ES512".into())), Code::INVALID_KEY),
        (TokenDefect::JwkAlg(Some("ES256".into())), Code::INVALID_KEY),
        (
            TokenDefect::CnfMember("kty".into(), json!("oct")),
            Code::UNSUPPORTED_ALGORITHM,
        ),
        (TokenDefect::HeaderAlg(Alg::EDDSA), Code::INVALID_JWT),
        (TokenDefect::KidUnknown, Code::UNKNOWN_KEY),
        (TokenDefect::KidMissing, Code::INVALID_JWT),
        (TokenDefect::SignWithOtherKey, Code::INVALID_JWT),
        (TokenDefect::AlgNone, Code::INVALID_JWT),
        (TokenDefect::Hs256WithPublicKey, Code::INVALID_JWT),
    ];
    for (defect, want) in checks {
        let r = agent.verdict(Some(&defect), None);
        let c = code(r.clone());
        assert_eq!(c, want, "{defect:?}: {:?}", r.err().map(|r| r.detail));
        if c == Code::UNSUPPORTED_ALGORITHM {
            let rejection = r.expect_err("rejected");
            assert_eq!(rejection.accept_alg, Some(vec![Alg::ED25519, Alg::ES256]));
            assert_eq!(
                rejection
                    .to_response()
                    .header("accept-signature-alg")
                    .as_deref(),
                Some("Ed25519, ES256")
            );
        }
    }
    // An auth token minted by the AP key with the agent document's dwk (TOK-002).
    let auth = Case::resource(Profile::Aauth11, Credential::Auth);
    let world = &auth.world;
    let mut claims = crate::jose::claims::TokenClaims::to_map(&world.auth_claims());
    claims.insert("iss".into(), AP.into());
    claims.insert("dwk".into(), "aauth-agent.json".into());
    let jwt = crate::jose::mutate::mint(&world.ap, TokenKind::Auth, &claims, None, NOW);
    let request = world
        .sign(&auth.request, &jwt, Role::Resource, None)
        .expect("signs");
    assert_eq!(code(auth.run(&request, Flaws::none())), Code::INVALID_JWT);
    assert!(auth.run(&request, Flaws::one(Flaw::DwkNotChecked)).is_ok());
}

#[test]
fn issuer_documents_are_checked() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let request = case.build(None, None);
    let config = case.world.verifier(Role::Resource);
    let jwks = case.world.ap.jwks().to_json();
    let meta_url = format!("{AP}/.well-known/aauth-agent.json");
    let jwks_url = format!("{AP}/.well-known/jwks.json");
    let run = |keys: StaticKeys| block(verify_request(&request, &config, &keys, NOW));
    let keys = |meta: serde_json::Value, jwks: &str| {
        StaticKeys::new()
            .with_document(&meta_url, meta.to_string())
            .with_document(&jwks_url, jwks.to_string())
    };
    assert!(run(keys(json!({"issuer": AP, "jwks_uri": jwks_url}), &jwks)).is_ok());
    assert_eq!(
        code(run(keys(json!({"jwks_uri": jwks_url}), &jwks))),
        Code::ISSUER_MISSING
    );
    for wrong in ["https://evil.example", "https://agent.example/"] {
        let mismatch = keys(json!({"issuer": wrong, "jwks_uri": jwks_url}), &jwks);
        assert_eq!(code(run(mismatch.clone())), Code::ISSUER_MISMATCH);
        let flawed = mismatch.with_flaws(Flaws::one(Flaw::IssuerMismatchAccepted));
        assert!(run(flawed).is_ok());
    }
    // A JWKS member without alg is unusable; unusable extra members do not matter.
    let mut no_alg = case.world.ap.jwk();
    no_alg.remove("alg");
    let bare = crate::jose::jwks::Jwks::from_keys([no_alg]).to_json();
    assert_eq!(
        code(run(keys(
            json!({"issuer": AP, "jwks_uri": jwks_url}),
            &bare
        ))),
        Code::UNSUPPORTED_ALGORITHM
    );
    let mut mixed = case.world.ap.jwks();
    mixed.push_raw(json!({"kty":"AKP","alg":"ML-DSA-65","kid":"pq","pub":"AAAA"}));
    mixed.push_raw(json!("garbage"));
    let mixed_keys = keys(
        json!({"issuer": AP, "jwks_uri": jwks_url}),
        &mixed.to_json(),
    );
    assert!(run(mixed_keys.clone()).is_ok());
    let flawed = mixed_keys.with_flaws(Flaws::one(Flaw::JwksAllMembersRequired));
    assert!(run(flawed).is_err());
}

#[test]
fn authority_is_compared_normalised_with_the_own_identifier() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let mut other = case.request.clone();
    other.authority = "other.example".into();
    let signed = case
        .world
        .sign(
            &other,
            &case.world.token(Credential::Agent, None),
            Role::Resource,
            None,
        )
        .expect("signs");
    let r = case
        .run(&signed, Flaws::none())
        .expect_err("not this server");
    assert_eq!(r.step, Step::Authority);
    assert_eq!(*r.code(), Code::INVALID_SIGNATURE);
}

#[test]
fn credential_expectations_are_per_endpoint() {
    let person = Case::resource(Profile::Aauth11, Credential::Person);
    let v = person.verdict(None, None).expect("valid");
    let auth_only = CredentialExpectation::tokens(RESOURCE, &[TokenKind::Auth]);
    assert_eq!(
        check_credential(&v, &auth_only),
        Err(CredentialFailure::KindNotAccepted {
            kind: TokenKind::Person
        })
    );
    let elsewhere = CredentialExpectation::tokens("https://other.example", &[TokenKind::Person]);
    let failure = check_credential(&v, &elsewhere).expect_err("wrong aud");
    assert_eq!(
        failure.endpoint_error(),
        Some(crate::wire::problem::ErrorCode::INVALID_PERSON_TOKEN)
    );
}

/// One planted flaw: a request the correct verifier refuses, and what the flawed one does.
struct FlawCheck {
    flaw: Flaw,
    case: Case,
    token: Option<TokenDefect>,
    request: Option<RequestDefect>,
    /// `None`: the flawed verifier accepts; `Some((status, code))`: it refuses differently.
    flawed: Option<(u16, Code)>,
}

fn flaw(flaw: Flaw, token: Option<TokenDefect>, request: Option<RequestDefect>) -> FlawCheck {
    FlawCheck {
        flaw,
        case: Case::resource(Profile::Aauth11, Credential::Agent),
        token,
        request,
        flawed: None,
    }
}

#[test]
fn every_verifier_flaw_lets_a_defect_through() {
    use RequestDefect as R;
    use TokenDefect as T;
    let mut checks = vec![
        flaw(
            Flaw::MissingHeaderTolerated,
            None,
            Some(R::OmitHeader("Signature".into())),
        ),
        flaw(
            Flaw::AuthorityNotRequired,
            None,
            Some(R::OmitComponent("@authority".into())),
        ),
        flaw(
            Flaw::SignatureKeyNotRequired,
            None,
            Some(R::OmitComponent("signature-key".into())),
        ),
        flaw(Flaw::NoCreatedWindow, None, Some(R::CreatedSkew(-3600))),
        flaw(Flaw::FutureCreatedAccepted, None, Some(R::CreatedSkew(120))),
        flaw(Flaw::CreatedOptional, None, Some(R::OmitCreated)),
        flaw(Flaw::ExpiresIgnored, None, Some(R::Expires(-1))),
        flaw(Flaw::LabelNotMatched, None, Some(R::LabelMismatch)),
        flaw(
            Flaw::SignatureNotChecked,
            None,
            Some(R::TamperAfterSigning(Tamper::Path)),
        ),
        flaw(Flaw::TypNotChecked, Some(T::Typ("JWT".into())), None),
        flaw(Flaw::JwtAlgNoneAccepted, Some(T::AlgNone), None),
        flaw(Flaw::TokenExpiryIgnored, Some(T::Expired), None),
        flaw(Flaw::IatFutureAccepted, Some(T::IatFuture(600)), None),
        flaw(
            Flaw::IssuerLoose,
            Some(T::Iss("https://Agent.Example/".into())),
            None,
        ),
        flaw(
            Flaw::EdDsaAccepted,
            Some(T::JwkAlg(Some("EdDSA".into()))),
            None,
        ),
        flaw(Flaw::AlgInferred, Some(T::JwkAlg(None)), None),
        flaw(
            Flaw::KtyAlgMismatchAccepted,
            Some(T::JwkAlg(Some("ES256".into()))),
            None,
        ),
    ];
    let mut ps_digest = flaw(
        Flaw::PsBodyDigestNotRequired,
        None,
        Some(R::CoverOnly(
            ["@method", "@authority", "@path", "signature-key"]
                .map(String::from)
                .to_vec(),
        )),
    );
    ps_digest.case = Case::ps(Profile::Aauth11);
    checks.push(ps_digest);
    let mut wrong_code = flaw(Flaw::SignatureFailure400, None, Some(R::CreatedSkew(-61)));
    wrong_code.flawed = Some((400, Code::INVALID_SIGNATURE));
    checks.push(wrong_code);
    for check in &checks {
        let request = check
            .case
            .build(check.token.as_ref(), check.request.as_ref());
        let correct = check.case.run(&request, Flaws::none());
        assert!(
            correct.is_err(),
            "{:?}: the correct verifier must refuse",
            check.flaw
        );
        let flawed = check.case.run(&request, Flaws::one(check.flaw));
        match &check.flawed {
            None => assert!(flawed.is_ok(), "{:?}: {:?}", check.flaw, flawed.err()),
            Some((status, c)) => {
                let r = flawed.expect_err("still refused");
                assert_eq!((r.status, r.code()), (*status, c), "{:?}", check.flaw);
            }
        }
    }
}

#[test]
fn scheme_flaws() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let agent = case.world.agent.public_key();
    let jwk = crate::jose::jwk::Jwk::from_public(&agent, None);
    let member = format!(
        "hwk;kty=\"OKP\";crv=\"Ed25519\";x=\"{}\";alg=\"Ed25519\"",
        jwk.x().unwrap_or_default()
    );
    let signed = crate::defect::build_signed_request(
        &crate::defect::SignedRequestSpec {
            request: case.request.clone(),
            key: case.world.agent.clone(),
            label: "sig".into(),
            signature_key_member: member,
            created: NOW,
            ctx: crate::httpsig::sign::AauthSignContext::resource(),
        },
        None,
    )
    .expect("signs");
    assert_eq!(
        code(case.run(&signed, Flaws::none())),
        Code::UNSUPPORTED_SCHEME
    );
    let wrong = case.run(&signed, Flaws::one(Flaw::SchemeRejectedWrongCode));
    assert_eq!(code(wrong), Code::INVALID_KEY);
    let accepted = case
        .run(&signed, Flaws::one(Flaw::HwkAccepted))
        .expect("hwk through");
    assert_eq!(accepted.signer, Signer::BareKey);
    let expectation = CredentialExpectation::tokens(RESOURCE, &[TokenKind::Agent]);
    assert_eq!(check_credential(&accepted, &expectation), Ok(()));
}

#[test]
fn alg_param_flaw_refuses_what_must_be_ignored() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let request = case.build(None, Some(&RequestDefect::AlgParam("hmac-sha256".into())));
    assert!(case.run(&request, Flaws::none()).is_ok());
    let flawed = case.run(&request, Flaws::one(Flaw::AlgParamHonoured));
    assert_eq!(code(flawed), Code::INVALID_SIGNATURE);
}

#[test]
fn authority_case_flaw_refuses_an_equivalent_authority() {
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let request = case.build(
        None,
        Some(&RequestDefect::EquivalentAuthority(
            crate::defect::AuthorityForm::Uppercase,
        )),
    );
    assert!(case.run(&request, Flaws::none()).is_ok());
    let flawed = case.run(&request, Flaws::one(Flaw::AuthorityCaseSensitive));
    assert_eq!(code(flawed), Code::INVALID_SIGNATURE);
}

#[test]
fn cnf_flaws() {
    // no-cnf-binding: the verifier pins the first key it saw for an agent, so a token bound
    // to another key goes through once the agent has signed before.
    let case = Case::resource(Profile::Aauth11, Credential::Agent);
    let config = case
        .world
        .verifier(Role::Resource)
        .with_flaws(Flaws::one(Flaw::NoCnfBinding));
    let keys = case.world.static_keys();
    let good = case.build(None, None);
    let stolen = case.build(Some(&TokenDefect::CnfOtherKey), None);
    assert_eq!(
        code(case.run(&stolen, Flaws::none())),
        Code::INVALID_SIGNATURE
    );
    assert!(block(verify_request(&good, &config, &keys, NOW)).is_ok());
    assert!(block(verify_request(&stolen, &config, &keys, NOW)).is_ok());

    // cnf-optional: a token without cnf, the request signed with the issuer's key.
    let jwt = case
        .world
        .token(Credential::Agent, Some(&TokenDefect::CnfMissing));
    let mut by_issuer = case.world.clone();
    by_issuer.agent = case.world.ap.key.clone();
    let request = by_issuer
        .sign(&case.request, &jwt, Role::Resource, None)
        .expect("signs");
    assert_eq!(code(case.run(&request, Flaws::none())), Code::INVALID_JWT);
    let flawed = case.run(&request, Flaws::one(Flaw::CnfOptional));
    assert!(flawed.is_ok(), "{:?}", flawed.err());
}

#[test]
fn algorithms_outside_the_accepted_set_are_refused() {
    let mut case = Case::resource(Profile::Aauth11, Credential::Agent);
    case.world = World::new(Profile::Aauth11, agent_es256_key());
    let request = case.build(None, None);
    let config = case
        .world
        .verifier(Role::Resource)
        .with_algs([Alg::ED25519]);
    let r = block(verify_request(
        &request,
        &config,
        &case.world.static_keys(),
        NOW,
    ))
    .expect_err("ES256 not accepted");
    assert_eq!(*r.code(), Code::UNSUPPORTED_ALGORITHM);
    assert_eq!(r.accept_alg, Some(vec![Alg::ED25519]));
}

#[test]
fn every_sig_and_tok_flaw_is_planted_here() {
    let here = [
        Flaw::MissingHeaderTolerated,
        Flaw::AuthorityNotRequired,
        Flaw::SignatureKeyNotRequired,
        Flaw::NoCreatedWindow,
        Flaw::FutureCreatedAccepted,
        Flaw::CreatedOptional,
        Flaw::ExpiresIgnored,
        Flaw::AlgParamHonoured,
        Flaw::SchemeRejectedWrongCode,
        Flaw::HwkAccepted,
        Flaw::UnselectedMemberRejected,
        Flaw::LabelNotMatched,
        Flaw::SignatureFailure400,
        Flaw::EdDsaAccepted,
        Flaw::AlgInferred,
        Flaw::KtyAlgMismatchAccepted,
        Flaw::SignatureNotChecked,
        Flaw::AuthorityCaseSensitive,
        Flaw::TypNotChecked,
        Flaw::DwkNotChecked,
        Flaw::JwtAlgNoneAccepted,
        Flaw::TokenExpiryIgnored,
        Flaw::IatFutureAccepted,
        Flaw::IssuerLoose,
        Flaw::NoCnfBinding,
        Flaw::CnfOptional,
        Flaw::IssuerMismatchAccepted,
        Flaw::JwksAllMembersRequired,
        Flaw::NoRefetchFloor,
        Flaw::JwksNoRefreshUnknownKid,
        Flaw::JwksNoRefreshRekeyedKid,
        Flaw::PsBodyDigestNotRequired,
    ];
    for f in Flaw::ALL {
        let verifier_level =
            f.requirement().starts_with("SIG-") || f.requirement().starts_with("TOK-");
        let elsewhere = [Flaw::ForbiddenWithSignatureError];
        if verifier_level && !elsewhere.contains(f) {
            assert!(here.contains(f), "{f:?} is not planted in the verifier");
        }
    }
}
