//! Deferred approval at the reference PS: `202` with the required headers, polling with
//! the agent's identity checked, the scripted person's decisions, `Prefer: wait`,
//! clarification POSTs, cancellation and `410` after a terminal answer.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use std::time::{Duration, Instant};

use aauth_harness::message::{Fields, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::approver::ApprovalPolicy;
use role_psas_common::*;
use serde_json::json;

async fn world(approval: ApprovalPolicy) -> World {
    World::start(Options {
        approval,
        ..Options::new(Profile::Aauth11)
    })
    .await
}

fn assert_pending(r: &Response) -> String {
    assert_eq!(r.status, 202, "{}", text(r));
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        r.header("aauth-requirement").as_deref(),
        Some("requirement=approval")
    );
    assert_eq!(r.body_json().expect("json")["status"], "pending");
    let location = r.header("location").expect("Location");
    assert!(location.starts_with("https://ps.harness.test/pending/"));
    location
}

async fn decide(w: &World, location: &str, decision: &str) -> Response {
    let id = location.rsplit('/').next().unwrap();
    let request = aauth_harness::message::Request::new(
        "POST",
        "https",
        "ps.harness.test",
        "/_harness/decide",
    )
    .with_header("Content-Type", "application/json")
    .with_body(json!({ "id": id, "decision": decision }).to_string());
    w.send(&request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_approval_is_polled_to_completion() {
    let w = world(ApprovalPolicy::Manual).await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    assert_eq!(w.ps.approver().waiting().len(), 1);

    let r = w.call(&agent, "GET", &location).await;
    assert_pending(&r);

    // Another agent may not poll it, and learns nothing.
    let stranger = w.agent("stranger", 11);
    let foreign = w.call(&stranger, "GET", &location).await;
    let unknown = w
        .call(
            &stranger,
            "GET",
            "https://ps.harness.test/pending/AAAAAAAAAAAAAAAAAAAAAA",
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(foreign.body, unknown.body);

    // A clarification answer keeps it pending; a POST without action is refused.
    let r = w
        .send(&w.signed(
            &agent,
            "POST",
            &location,
            Some(&json!({ "action": "clarification_response", "clarification_response": "ok" })),
        ))
        .await;
    assert_pending(&r);
    for body in [json!({}), json!({ "action": "zz" })] {
        let r = w
            .send(&w.signed(&agent, "POST", &location, Some(&body)))
            .await;
        assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    }

    assert_eq!(decide(&w, &location, "approve").await.status, 204);
    let r = w.call(&agent, "GET", &location).await;
    let pt = token_in(&r, "person_token");
    assert_eq!(typ_of(&pt), "aa-person+jwt");
    let r = w.call(&agent, "GET", &location).await;
    assert_eq!(r.status, 410, "terminal answer given once, then gone");
    assert_eq!(decide(&w, &location, "approve").await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_wait_holds_the_poll_until_the_decision() {
    let w = world(ApprovalPolicy::AutoApprove).await;
    let agent = w.agent("assistant", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    w.ps.approver().set_policy(ApprovalPolicy::Manual);
    let rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    let location = assert_pending(&r);
    let poll = w
        .signed(&agent, "GET", &location, None)
        .with_header("Prefer", "wait=5");
    let started = Instant::now();
    let (polled, decided) = tokio::join!(w.send(&poll), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        decide(&w, &location, "approve").await
    });
    assert_eq!(decided.status, 204);
    assert_eq!(typ_of(&token_in(&polled, "auth_token")), "aa-auth+jwt");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_after_polls_and_deny() {
    let w = world(ApprovalPolicy::ApproveAfterPolls(2)).await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    assert_pending(&w.call(&agent, "GET", &location).await);
    assert_eq!(w.call(&agent, "GET", &location).await.status, 200);

    w.ps.approver().set_policy(ApprovalPolicy::Deny);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    let r = w.call(&agent, "GET", &location).await;
    assert_eq!((r.status, error_of(&r).as_str()), (403, "denied"));
    assert!(r.header("signature-error").is_none());
    assert_eq!(w.call(&agent, "GET", &location).await.status, 410);

    w.ps.approver().set_policy(ApprovalPolicy::Manual);
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    assert_eq!(decide(&w, &location, "deny").await.status, 204);
    let r = w.call(&agent, "GET", &location).await;
    assert_eq!((r.status, error_of(&r).as_str()), (403, "denied"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_cancels_and_concurrent_requests_are_independent() {
    let w = world(ApprovalPolicy::Manual).await;
    let agent = w.agent("assistant", 10);
    let first = assert_pending(
        &w.post(&agent, "/person", json!({ "resource": w.resource_id }))
            .await,
    );
    let second = assert_pending(
        &w.post(
            &agent,
            "/person",
            json!({ "resource": "https://other.harness.test" }),
        )
        .await,
    );
    assert_ne!(first, second);
    assert_eq!(w.call(&agent, "DELETE", &first).await.status, 204);
    assert_eq!(w.call(&agent, "GET", &first).await.status, 410);
    assert_eq!(decide(&w, &second, "approve").await.status, 204);
    let pt = token_in(&w.call(&agent, "GET", &second).await, "person_token");
    assert_eq!(
        claims_of(&pt)["aud"].as_str(),
        Some("https://other.harness.test")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updated_request_must_keep_issuer_and_key() {
    let w = world(ApprovalPolicy::AutoApprove).await;
    let agent = w.agent("assistant", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    w.ps.approver().set_policy(ApprovalPolicy::Manual);
    let rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read data.write",
        Some(&pc),
        None,
    );
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    let location = assert_pending(&r);

    let mut other_key = rt.clone();
    other_key.agent_jkt = key(77).public_key().thumbprint();
    let r = w
        .send(&w.signed(
            &agent,
            "POST",
            &location,
            Some(&json!({ "action": "updated_request", "resource_token": w.mint_resource(&other_key) })),
        ))
        .await;
    assert_eq!(r.status, 400, "{}", text(&r));

    let mut narrower = rt.clone();
    narrower.scope = Some("data.read".into());
    narrower.jti = "rt-narrower".into();
    let r = w
        .send(&w.signed(
            &agent,
            "POST",
            &location,
            Some(&json!({ "action": "updated_request", "resource_token": w.mint_resource(&narrower), "justification": "read only" })),
        ))
        .await;
    assert_pending(&r);
    assert_eq!(decide(&w, &location, "approve").await.status, 204);
    let at = token_in(&w.call(&agent, "GET", &location).await, "auth_token");
    assert_eq!(claims_of(&at)["scope"].as_str(), Some("data.read"));
}

async fn person_hook(w: &World, body: serde_json::Value) -> Response {
    let request = aauth_harness::message::Request::new(
        "POST",
        "https",
        "ps.harness.test",
        aauth_harness::role::approver::PERSON_HOOK_PATH,
    )
    .with_header("Content-Type", "application/json")
    .with_body(body.to_string());
    w.send(&request).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_person_hook_scripts_one_agent_and_decides_by_pending_url() {
    let w = world(ApprovalPolicy::AutoApprove).await;
    let denied = w.agent("refused", 20);
    let waiting = w.agent("waiting", 21);
    let other = w.agent("other", 22);
    let r = person_hook(&w, json!({ "agent": denied.sub, "policy": "deny" })).await;
    assert_eq!(r.status, 204, "{}", text(&r));
    let r = person_hook(&w, json!({ "agent": waiting.sub, "policy": "defer" })).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        person_hook(&w, json!({ "agent": other.sub, "policy": "sometimes" }))
            .await
            .status,
        400
    );

    // Unscripted agents keep the global policy.
    let r = w
        .post(&other, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));

    // deny: 202, then 403 denied.
    let r = w
        .post(&denied, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    let r = w.call(&denied, "GET", &location).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body_json().unwrap()["error"], "denied");

    // defer: pending until the hook decides the Location it was given.
    let r = w
        .post(&waiting, "/person", json!({ "resource": w.resource_id }))
        .await;
    let location = assert_pending(&r);
    assert_eq!(w.call(&waiting, "GET", &location).await.status, 202);
    let r = person_hook(&w, json!({ "pending": location, "decision": "approve" })).await;
    assert_eq!(r.status, 204, "{}", text(&r));
    let r = w.call(&waiting, "GET", &location).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let again = person_hook(&w, json!({ "pending": location, "decision": "approve" })).await;
    assert_eq!(again.status, 404);
}
