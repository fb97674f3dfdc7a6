//! End-to-end flows through real loopback HTTP: a harness agent, the World's trusted PS and
//! the reference resource (World-hosted, or served as a built-in target).

use aauth_harness::clock::Clock;
use aauth_harness::jose::claims::TokenKind;
use aauth_harness::jose::Alg;
use aauth_harness::message::{Fields, Request};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{unverified_claims, FlowOutcome, StepKind};
use aauth_harness::role::flaw::Flaws;
use aauth_harness::role::Role;
use aauth_harness::world::{Party, World, WorldConfig};

const NOW: i64 = 1_730_217_600;

async fn world(profile: Profile) -> World {
    World::start(WorldConfig::new(7, profile, Clock::fixed(NOW)))
        .await
        .expect("world starts")
}

fn get(authority: &str, path: &str) -> Request {
    Request::new("GET", "https", authority, path)
}

fn describe(result: &aauth_harness::role::agent::FlowResult) -> String {
    let mut out = format!("{:?}\n", result.outcome);
    for s in &result.steps {
        let status = match &s.response {
            Ok(r) => format!("{} {}", r.status, String::from_utf8_lossy(&r.body)),
            Err(e) => e.to_string(),
        };
        out.push_str(&format!(
            "{:?} {} {} -> {status}\n",
            s.kind, s.request.method, s.request.path
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aauth_11_three_party_flow_reaches_the_data() {
    let world = world(Profile::Aauth11).await;
    let agent = world.new_agent(&Alg::ED25519);
    let mut flow = world.flow(&agent);
    let result = flow
        .call(
            &Party::Resource.identifier(),
            get("resource.harness.test", "/api/data"),
        )
        .await;
    assert!(result.is_completed(), "{}", describe(&result));
    let kinds: Vec<StepKind> = result.steps.iter().map(|s| s.kind).collect();
    assert!(kinds.contains(&StepKind::PersonToken), "{kinds:?}");
    assert!(kinds.contains(&StepKind::AuthToken), "{kinds:?}");
    let resource_calls: Vec<u16> = result
        .steps_of(StepKind::Resource)
        .filter_map(|s| s.response.as_ref().ok().map(|r| r.status))
        .collect();
    assert_eq!(resource_calls, [401, 401, 200]);
    let creds = &result.credentials;
    assert!(creds.session_token.is_some(), "session adopted");
    let rt = unverified_claims(creds.resource_token.as_deref().expect("resource token"))
        .expect("claims");
    let pt =
        unverified_claims(creds.person_token.as_deref().expect("person token")).expect("claims");
    assert_eq!(rt["presented_jti"], pt["jti"]);
    assert_eq!(rt["aud"], "https://ps.harness.test");
    assert_eq!(rt["agent_jkt"], agent.thumbprint().as_str());

    // A second call rides the session token: one exchange, covered authorization.
    let again = flow
        .call(
            &Party::Resource.identifier(),
            get("resource.harness.test", "/api/data"),
        )
        .await;
    assert!(again.is_completed(), "{}", describe(&again));
    assert_eq!(again.steps.len(), 1);
    let sent = &again.steps[0].request;
    assert!(sent
        .header("authorization")
        .unwrap_or_default()
        .starts_with("AAuth "));
    assert!(sent
        .header("signature-input")
        .unwrap_or_default()
        .contains("\"authorization\""));
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aauth_10_flow_goes_straight_from_agent_token_to_auth_token() {
    let world = world(Profile::Aauth10).await;
    let agent = world.new_agent(&Alg::ES256);
    let mut flow = world.flow(&agent);
    let result = flow
        .call(
            &Party::Resource.identifier(),
            get("resource.harness.test", "/api/data"),
        )
        .await;
    assert!(result.is_completed(), "{}", describe(&result));
    assert_eq!(result.steps_of(StepKind::PersonToken).count(), 0);
    let rt = unverified_claims(result.credentials.resource_token.as_deref().expect("rt"))
        .expect("claims");
    assert_eq!(rt["agent"], agent.id.as_str());
    assert!(rt.get("presented_jti").is_none());
    let at =
        unverified_claims(result.credentials.auth_token.as_deref().expect("at")).expect("claims");
    assert_eq!(at["agent"], agent.id.as_str());
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_party_flow_redeems_at_the_access_server() {
    let mut config = WorldConfig::new(7, Profile::Aauth11, Clock::fixed(NOW));
    config.four_party = true;
    let world = World::start(config).await.expect("world starts");
    let agent = world.new_agent(&Alg::ED25519);
    let result = world
        .flow(&agent)
        .call(
            &Party::Resource.identifier(),
            get("resource.harness.test", "/api/data"),
        )
        .await;
    assert!(result.is_completed(), "{}", describe(&result));
    let rt = unverified_claims(result.credentials.resource_token.as_deref().expect("rt"))
        .expect("claims");
    assert_eq!(rt["aud"], "https://as.harness.test");
    let at =
        unverified_claims(result.credentials.auth_token.as_deref().expect("at")).expect("claims");
    assert_eq!(at["iss"], "https://as.harness.test");
    assert_eq!(at["dwk"], "aauth-access.json");
    assert_eq!(result.steps_of(StepKind::IssuerKeys).count(), 2);
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_resource_served_as_a_built_in_target_completes_both_profiles() {
    for profile in [Profile::Aauth11, Profile::Aauth10] {
        let world = world(profile).await;
        let (identifier, _) = world
            .serve_target(Role::Resource, Flaws::none())
            .expect("served");
        assert_eq!(identifier, "https://target-resource.harness.test");
        let agent = world.new_agent(&Alg::ED25519);
        let mut flow = world.flow(&agent);
        let mut write = Request::new(
            "POST",
            "https",
            "target-resource.harness.test",
            "/api/write",
        )
        .with_body("hello");
        write.set_header("Content-Type", "text/plain");
        let result = flow.call(&identifier, write).await;
        assert!(result.is_completed(), "{profile}: {}", describe(&result));
        let body = result.response().and_then(|r| r.body_json()).expect("json");
        assert_eq!(body["bytes"], 5);
        world.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_without_a_person_server_fails_and_blames_the_harness() {
    let world = world(Profile::Aauth11).await;
    let agent = world.new_agent(&Alg::ED25519).with_ps(None);
    let result = world
        .flow(&agent)
        .call(
            &Party::Resource.identifier(),
            get("resource.harness.test", "/api/data"),
        )
        .await;
    match &result.outcome {
        FlowOutcome::Failed(f) => {
            assert_eq!(
                f.party(),
                aauth_harness::role::agent::FlowParty::Harness,
                "{f}"
            )
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_resource_is_a_transport_failure_not_a_panic() {
    let world = world(Profile::Aauth11).await;
    let agent = world.new_agent(&Alg::ED25519);
    let result = world
        .flow(&agent)
        .call(
            "http://127.0.0.1:1",
            get("nowhere.harness.test", "/api/data"),
        )
        .await;
    assert!(matches!(result.outcome, FlowOutcome::Failed(_)));
    assert!(!result.steps.is_empty());
    let _ = TokenKind::Agent;
    world.shutdown().await;
}
