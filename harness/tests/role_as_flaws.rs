//! Every planted Access Server flaw changes what the AS does: each probe passes against the
//! correct AS and fails against the AS carrying exactly that flaw.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::endpoint::sign_as_server;
use aauth_harness::role::flaw::{Flaw, Flaws};
use aauth_harness::role::Role;
use role_psas_common::*;
use serde_json::{json, Value};

fn options(flaws: Flaws) -> Options {
    Options {
        with_as: true,
        as_flaws: flaws,
        ..Options::new(Profile::Aauth11)
    }
}

macro_rules! flaw_test {
    ($name:ident, $flaw:expr, $probe:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let correct = World::start(options(Flaws::none())).await;
            assert!($probe(&correct).await, "the correct AS fails the probe");
            let flawed = World::start(options(Flaws::one($flaw))).await;
            assert!(
                !$probe(&flawed).await,
                "flaw {} does not change the behaviour",
                $flaw.id()
            );
        }
    };
}

const COVERED: &[Flaw] = &[
    Flaw::AsPsClaimIgnored,
    Flaw::AsAgentTokenOptional,
    Flaw::AsAuthTokenLongLived,
    Flaw::AsAgentJktIgnored,
    Flaw::AsAuthTokenAudSelf,
];

/// Flaws whose probe needs a caller this file's World cannot play (an agent signing at the AS,
/// a parent-mediated sub-agent, a call chain, a scripted person); the suite's cases probe them
/// (`as.token.agent-signed`, `as.token.subagent-bound`, `as.chaining.*`, `as.polling.denied-403`,
/// `as.token.claims-requirement-listed`, `as.token.payment-has-location`) and
/// `suite/tests/mutation.rs` proves they are caught.
const PROBED_BY_THE_SUITE: &[Flaw] = &[
    Flaw::AsAgentCallerAccepted,
    Flaw::AsBindsParentKey,
    Flaw::AsUpstreamUnverified,
    Flaw::AsUpstreamAudUnchecked,
    Flaw::AsUpstreamIssuerUntrusted,
    Flaw::AsUpstreamSubCopied,
    Flaw::AsClaimsListMissing,
    Flaw::AsPaymentNoLocation,
    Flaw::AsDenialAsOauthError,
];

#[test]
fn every_access_server_flaw_has_a_probe() {
    let mut catalogue: Vec<Flaw> = Flaw::for_role(Role::AccessServer).collect();
    let mut covered: Vec<Flaw> = COVERED.iter().chain(PROBED_BY_THE_SUITE).copied().collect();
    catalogue.sort();
    covered.sort();
    assert_eq!(catalogue, covered);
}

async fn from_ps(w: &World, body: Value) -> Response {
    let mut request = Request::new("POST", "https", "as.harness.test", "/token");
    request.set_header("Content-Type", "application/json");
    request.body = body.to_string().into();
    sign_as_server(
        &mut request,
        w.ps.issuer(),
        &w.ps_id,
        "aauth-person.json",
        w.now(),
    )
    .expect("sign");
    w.send(&request).await
}

async fn claims_for(w: &World, agent: &Agent) -> aauth_harness::jose::claims::ResourceClaims {
    let (_, pc) = w.person_token(agent, &w.resource_id, None).await;
    w.resource_claims(
        &agent.key.public_key(),
        &w.as_id,
        "data.read",
        Some(&pc),
        None,
    )
}

async fn ps_claim_checked(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let mut rt = claims_for(w, &agent).await;
    rt.ps = Some("https://other-ps.harness.test".into());
    let r = from_ps(
        w,
        json!({ "resource_token": w.mint_resource(&rt), "agent_token": agent.token }),
    )
    .await;
    r.status == 400
}
flaw_test!(
    as_ps_claim_ignored,
    Flaw::AsPsClaimIgnored,
    ps_claim_checked
);

async fn agent_token_required(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let rt = claims_for(w, &agent).await;
    let r = from_ps(w, json!({ "resource_token": w.mint_resource(&rt) })).await;
    r.status == 400 && error_of(&r) == "invalid_request"
}
flaw_test!(
    as_agent_token_optional,
    Flaw::AsAgentTokenOptional,
    agent_token_required
);

async fn auth_token_lifetime_capped(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let rt = claims_for(w, &agent).await;
    let r = from_ps(
        w,
        json!({ "resource_token": w.mint_resource(&rt), "agent_token": agent.token }),
    )
    .await;
    let c = claims_of(&token_in(&r, "auth_token"));
    c["exp"].as_i64().unwrap_or(i64::MAX) - c["iat"].as_i64().unwrap_or(0) <= 3600
}
flaw_test!(
    as_auth_token_long_lived,
    Flaw::AsAuthTokenLongLived,
    auth_token_lifetime_capped
);

async fn agent_jkt_checked(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let mut rt = claims_for(w, &agent).await;
    rt.agent_jkt = key(33).public_key().thumbprint();
    let r = from_ps(
        w,
        json!({ "resource_token": w.mint_resource(&rt), "agent_token": agent.token }),
    )
    .await;
    r.status == 400
}
flaw_test!(
    as_agent_jkt_ignored,
    Flaw::AsAgentJktIgnored,
    agent_jkt_checked
);

async fn auth_token_aud_is_the_resource(w: &World) -> bool {
    let agent = w.agent("a", 10);
    let rt = claims_for(w, &agent).await;
    let r = from_ps(
        w,
        json!({ "resource_token": w.mint_resource(&rt), "agent_token": agent.token }),
    )
    .await;
    claims_of(&token_in(&r, "auth_token"))["aud"] == json!(w.resource_id)
}
flaw_test!(
    as_auth_token_aud_self,
    Flaw::AsAuthTokenAudSelf,
    auth_token_aud_is_the_resource
);
