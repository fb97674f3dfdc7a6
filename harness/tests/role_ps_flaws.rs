//! Every planted Person Server flaw changes what the PS does: each probe passes against the
//! correct PS and fails against the PS carrying exactly that flaw.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::role::approver::ApprovalPolicy;
use aauth_harness::role::flaw::{Flaw, Flaws};
use aauth_harness::role::Role;
use role_psas_common::*;
use serde_json::{json, Value};

fn plain(flaws: Flaws) -> Options {
    Options {
        ps_flaws: flaws,
        ..Options::new(Profile::Aauth11)
    }
}

fn manual(flaws: Flaws) -> Options {
    Options {
        approval: ApprovalPolicy::Manual,
        ..plain(flaws)
    }
}

fn with_as(flaws: Flaws) -> Options {
    Options {
        with_as: true,
        ..plain(flaws)
    }
}

macro_rules! flaw_test {
    ($name:ident, $flaw:expr, $options:expr, $probe:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let correct = World::start($options(Flaws::none())).await;
            assert!($probe(&correct).await, "the correct PS fails the probe");
            let flawed = World::start($options(Flaws::one($flaw))).await;
            assert!(
                !$probe(&flawed).await,
                "flaw {} does not change the behaviour",
                $flaw.id()
            );
        }
    };
}

/// The flaws this file covers; checked against the catalogue below.
const COVERED: &[Flaw] = &[
    Flaw::PsResourceNotValidated,
    Flaw::PsPersonTokenUncapped,
    Flaw::PsPersonTokenWithScope,
    Flaw::PsUnknownPresentedJti,
    Flaw::PsAgentJktIgnored,
    Flaw::PsResourceTokenAudIgnored,
    Flaw::PsMissionStrippingAccepted,
    Flaw::PsScopeBroadened,
    Flaw::PsBodyDigestNotRequired,
    Flaw::PsSubAgentDirect,
    Flaw::PsSubAgentParentUnchecked,
    Flaw::PsPendingCacheable,
    Flaw::PsPendingActionOptional,
    Flaw::PsMissionOracle,
    Flaw::PsTerminatedMissionUsable,
    Flaw::PsAuthTokenUncapped,
    Flaw::PsAsTokenUnverified,
];

#[test]
fn every_person_server_flaw_has_a_probe() {
    let mut catalogue: Vec<Flaw> = Flaw::for_role(Role::PersonServer).collect();
    // Probed by the suite's cases, because they need parties this file's World does not
    // play (ps.token.issued-token-as-credential, ps.deferred.cancel-then-gone,
    // ps.audit.needs-mission, the call-chaining cases ps.chaining.*, the federation cases
    // ps.federation.*, the ps_governance.rs cases, and the person-hook cases of
    // person_decisions.rs); suite/tests/mutation.rs proves each is caught.
    let probed_by_the_suite = [
        Flaw::PsCredentialKindUnchecked,
        Flaw::PsPendingCancelIgnored,
        Flaw::PsAuditMissionOptional,
        Flaw::PsUpstreamUnverified,
        Flaw::PsUpstreamAudUnchecked,
        Flaw::PsUpstreamIssuerUntrusted,
        Flaw::PsUpstreamPersonFallback,
        Flaw::PsUpstreamSubCopied,
        // ps.federation.claims-posted, ps.federation.payment-followed,
        // ps.federation.approval-polled, ps.federation.as-signature-error
        Flaw::PsClaimsSubOmitted,
        Flaw::PsPaymentNotFollowed,
        Flaw::PsApprovalNotPolled,
        Flaw::PsAs401Relayed,
        // ps_governance.rs: one case each.
        Flaw::PsUpdatedRequestUnchecked,
        Flaw::PsMissionUpdateSupersedes,
        Flaw::PsPermissionActionOptional,
        Flaw::PsInteractionRelayTerminal,
        Flaw::PsMissionRevocationKeepsTokens,
        Flaw::PsRevocationKeyedByJti,
        Flaw::PsSubPerKey,
        Flaw::PsSubNotPairwise,
        Flaw::PsResourceMetadataSkipped,
        Flaw::PsResourceFanoutUnlimited,
        Flaw::PsInteractionCodeMissing,
        Flaw::PsPendingRetryAfterMissing,
        Flaw::PsPollAuthorizationPending,
        Flaw::PsPendingIdsSequential,
        Flaw::PsDenialAsOauthError,
        Flaw::PsMissionExpiryUnchecked,
        Flaw::PsInteractionUrlUnchecked,
        Flaw::PsUserUnreachableIgnoresCapability,
        Flaw::PsInteractionWithoutCapability,
    ];
    let mut covered: Vec<Flaw> = COVERED
        .iter()
        .chain(&probed_by_the_suite)
        .copied()
        .collect();
    catalogue.sort();
    covered.sort();
    assert_eq!(catalogue, covered);
}

async fn redeem(
    w: &World,
    agent: &Agent,
    rt: &aauth_harness::jose::claims::ResourceClaims,
) -> aauth_harness::message::Response {
    w.post(
        agent,
        "/token",
        json!({ "resource_token": w.mint_resource(rt) }),
    )
    .await
}

async fn resource_must_be_server_identifier(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let r = w
        .post(
            &agent,
            "/person",
            json!({ "resource": "https://resource.harness.test/v1/" }),
        )
        .await;
    r.status == 400
}
flaw_test!(
    ps_resource_not_validated,
    Flaw::PsResourceNotValidated,
    plain,
    resource_must_be_server_identifier
);

async fn person_token_capped_by_agent_token(w: &World) -> bool {
    let agent = w.agent_with("a", 10, w.now() + 300, None);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    pc.exp <= w.now() + 300
}
flaw_test!(
    ps_person_token_uncapped,
    Flaw::PsPersonTokenUncapped,
    plain,
    person_token_capped_by_agent_token
);

async fn person_token_without_scope(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let (pt, _) = w.person_token(&agent, &w.resource_id, None).await;
    !claims_of(&pt).contains_key("scope")
}
flaw_test!(
    ps_person_token_with_scope,
    Flaw::PsPersonTokenWithScope,
    plain,
    person_token_without_scope
);

async fn unknown_presented_jti_refused(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    let mut rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    rt.presented_jti = Some("pt-forged".into());
    let r = redeem(w, &agent, &rt).await;
    r.status == 400 && error_of(&r) == "unknown_person_token"
}
flaw_test!(
    ps_unknown_presented_jti,
    Flaw::PsUnknownPresentedJti,
    plain,
    unknown_presented_jti_refused
);

async fn agent_jkt_checked(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    let rt = w.resource_claims(
        &key(44).public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    redeem(w, &agent, &rt).await.status == 400
}
flaw_test!(
    ps_agent_jkt_ignored,
    Flaw::PsAgentJktIgnored,
    plain,
    agent_jkt_checked
);

async fn resource_token_aud_checked(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    let rt = w.resource_claims(
        &agent.key.public_key(),
        "https://ps2.harness.test",
        "data.read",
        Some(&pc),
        None,
    );
    redeem(w, &agent, &rt).await.status == 400
}
flaw_test!(
    ps_resource_token_aud_ignored,
    Flaw::PsResourceTokenAudIgnored,
    plain,
    resource_token_aud_checked
);

async fn mission_stripping_refused(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let s256 = token_in(
        &w.post(&agent, "/mission", json!({ "description": "m" }))
            .await,
        "s256",
    );
    let (_, pc) = w.person_token(&agent, &w.resource_id, Some(&s256)).await;
    let mut rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    rt.mission_s256 = None;
    redeem(w, &agent, &rt).await.status == 400
}
flaw_test!(
    ps_mission_stripping_accepted,
    Flaw::PsMissionStrippingAccepted,
    plain,
    mission_stripping_refused
);

async fn scope_not_broadened(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    let first = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    token_in(&redeem(w, &agent, &first).await, "auth_token");
    let second = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.write",
        Some(&pc),
        None,
    );
    let at = token_in(&redeem(w, &agent, &second).await, "auth_token");
    claims_of(&at)["scope"] == "data.write"
}
flaw_test!(
    ps_scope_broadened,
    Flaw::PsScopeBroadened,
    plain,
    scope_not_broadened
);

async fn body_digest_required(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let mut request = Request::new("POST", "https", "ps.harness.test", "/person")
        .with_header("Content-Type", "application/json")
        .with_body(json!({ "resource": w.resource_id }).to_string());
    aauth_harness::httpsig::sign::sign_aauth(
        &mut request,
        &agent.key,
        "sig",
        &format!("jwt;jwt=\"{}\"", agent.token),
        w.now(),
        &aauth_harness::httpsig::sign::AauthSignContext::resource(),
    )
    .expect("sign");
    w.send(&request).await.status == 401
}
flaw_test!(
    ps_body_digest_not_required,
    Flaw::PsBodyDigestNotRequired,
    plain,
    body_digest_required
);

async fn sub_agent_refused(w: &World) -> bool {
    let parent = w.agent("p", 10);
    let child = w.agent_with("p+c", 11, w.now() + 3600, Some(&parent.sub));
    let r = w
        .post(&child, "/person", json!({ "resource": w.resource_id }))
        .await;
    r.status == 400
}
flaw_test!(
    ps_subagent_direct,
    Flaw::PsSubAgentDirect,
    plain,
    sub_agent_refused
);

async fn foreign_subagent_refused(w: &World) -> bool {
    let parent = w.agent("p", 10);
    let stranger = w.agent("q", 12);
    let child = w.agent_with("q+c", 11, w.now() + 3600, Some(&stranger.sub));
    let r = w
        .post(
            &parent,
            "/person",
            json!({ "resource": w.resource_id, "subagent_token": child.token }),
        )
        .await;
    r.status == 400
}
flaw_test!(
    ps_subagent_parent_unchecked,
    Flaw::PsSubAgentParentUnchecked,
    plain,
    foreign_subagent_refused
);

async fn pending_not_cacheable(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    r.status == 202 && r.header("cache-control").as_deref() == Some("no-store")
}
flaw_test!(
    ps_pending_cacheable,
    Flaw::PsPendingCacheable,
    manual,
    pending_not_cacheable
);

async fn pending_action_required(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = r.header("location").expect("Location");
    let r = w
        .send(&w.signed(&agent, "POST", &location, Some(&json!({ "answer": "yes" }))))
        .await;
    r.status == 400
}
flaw_test!(
    ps_pending_action_optional,
    Flaw::PsPendingActionOptional,
    manual,
    pending_action_required
);

async fn no_mission_oracle(w: &World) -> bool {
    let owner = w.agent("a", 10);
    let s256 = token_in(
        &w.post(&owner, "/mission", json!({ "description": "m" }))
            .await,
        "s256",
    );
    let other = w.agent("b", 11);
    let body = json!({ "action": "update", "description": "x" });
    let foreign = w
        .post(&other, &format!("/mission/{s256}"), body.clone())
        .await;
    let unknown = w
        .post(
            &other,
            &format!("/mission/{}", aauth_harness::jose::b64::encode([9u8; 32])),
            body,
        )
        .await;
    foreign.status == unknown.status && foreign.body == unknown.body
}
flaw_test!(
    ps_mission_oracle,
    Flaw::PsMissionOracle,
    plain,
    no_mission_oracle
);

async fn terminated_mission_refused(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let s256 = token_in(
        &w.post(&agent, "/mission", json!({ "description": "m" }))
            .await,
        "s256",
    );
    let done = w
        .post(
            &agent,
            &format!("/mission/{s256}"),
            json!({ "action": "completion", "summary": "ok" }),
        )
        .await;
    assert_eq!(done.status, 200);
    let r = w
        .post(
            &agent,
            "/person",
            json!({ "resource": w.resource_id, "mission_s256": s256 }),
        )
        .await;
    r.status == 403
}
flaw_test!(
    ps_terminated_mission_usable,
    Flaw::PsTerminatedMissionUsable,
    plain,
    terminated_mission_refused
);

async fn auth_token_capped_by_agent_token(w: &World) -> bool {
    let agent = w.agent_with("a", 10, w.now() + 300, None);
    let at = token_in(
        &w.auth_token_response(&agent, &w.ps_id, "data.read").await,
        "auth_token",
    );
    claims_of(&at)["exp"].as_i64().unwrap_or(i64::MAX) <= w.now() + 300
}
flaw_test!(
    ps_auth_token_uncapped,
    Flaw::PsAuthTokenUncapped,
    plain,
    auth_token_capped_by_agent_token
);

/// The AS answers with a token for the wrong audience; the correct PS must not relay it.
async fn as_token_verified(w: &World) -> bool {
    let as_id = w.as_id.clone();
    let issuer = w.access.as_ref().expect("as").issuer().clone();
    let jwks: Value = serde_json::from_str(&issuer.jwks().to_json()).unwrap();
    w.host
        .serve("as", move |r: Request| {
            let (as_id, issuer, jwks) = (as_id.clone(), issuer.clone(), jwks.clone());
            async move {
                match r.path.as_str() {
                    "/.well-known/aauth-access.json" => aauth_harness::message::Response::json(
                        200,
                        "application/json",
                        &json!({ "issuer": as_id, "jwks_uri": format!("{as_id}/.well-known/jwks.json"), "auth_token_endpoint": format!("{as_id}/token") }),
                    ),
                    "/.well-known/jwks.json" => {
                        aauth_harness::message::Response::json(200, "application/json", &jwks)
                    }
                    _ => {
                        let claims = json!({ "iss": as_id, "dwk": "aauth-access.json", "aud": "https://wrong.harness.test", "jti": "x", "ps": "https://ps.harness.test", "sub": "s", "cnf": {}, "iat": 1, "exp": 2_000_000_000 });
                        let token = issuer.sign_unchecked(
                            &issuer.header(aauth_harness::jose::claims::TokenKind::Auth),
                            claims.as_object().unwrap(),
                        );
                        aauth_harness::message::Response::json(200, "application/json", &json!({ "auth_token": token }))
                    }
                }
            }
        })
        .expect("replace as");
    let agent = w.agent("a", 10);
    w.auth_token_response(&agent, &w.as_id, "data.read")
        .await
        .status
        != 200
}
flaw_test!(
    ps_as_token_unverified,
    Flaw::PsAsTokenUnverified,
    with_as,
    as_token_verified
);
