//! Missions at the reference PS: creation (-11 and -10), update, completion, termination,
//! expiry, and non-disclosure of other agents' missions.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use aauth_harness::jose::b64;
use aauth_harness::message::Fields;
use aauth_harness::profile::Profile;
use aauth_harness::wire::aauth_requirement::AauthMission;
use role_psas_common::*;
use serde_json::{json, Value};
use sha2::Digest as _;

async fn world(profile: Profile) -> World {
    World::start(Options::new(profile)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mission_approval_returns_blob_hash_and_person_tokens() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(
            &agent,
            "/mission",
            json!({
                "description": "# Plan a trip",
                "tools": [{ "name": "WebSearch", "description": "Search the web" }],
                "resources": [w.resource_id, "https://hotels.harness.test"],
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let body = r.body_json().expect("json");
    let s256 = body["s256"].as_str().expect("s256");
    let blob = b64::decode(body["mission"].as_str().expect("mission")).expect("b64");
    assert_eq!(b64::encode(sha2::Sha256::digest(&blob)), s256);
    let blob: Value = serde_json::from_slice(&blob).expect("blob json");
    assert_eq!(blob["approver"], w.ps_id.as_str());
    assert_eq!(blob["agent"], agent.sub.as_str());
    assert_eq!(blob["approved_at"], "2024-10-29T16:00:00Z");
    assert_eq!(blob["description"], "# Plan a trip");
    assert_eq!(blob["approved_resources"][1], "https://hotels.harness.test");
    assert!(body["capabilities"].is_array());
    let tokens = body["person_tokens"].as_object().expect("person_tokens");
    assert_eq!(tokens.len(), 2);
    for (resource, token) in tokens {
        let c = claims_of(token.as_str().unwrap());
        assert_eq!(c["aud"].as_str(), Some(resource.as_str()));
        assert_eq!(c["mission_s256"].as_str(), Some(s256));
    }

    // The same proposal again is a different mission.
    let again = w
        .post(
            &agent,
            "/mission",
            json!({ "description": "# Plan a trip" }),
        )
        .await;
    let again2 = w
        .post(
            &agent,
            "/mission",
            json!({ "description": "# Plan a trip" }),
        )
        .await;
    assert_ne!(token_in(&again, "s256"), token_in(&again2, "s256"));

    for bad in [
        json!({}),
        json!({ "description": 5 }),
        json!({ "description": "x", "resources": ["http://nope"] }),
        json!({ "description": "x", "tools": ["nope"] }),
    ] {
        let r = w.post(&agent, "/mission", bad).await;
        assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mission_update_completion_and_termination() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let s256 = token_in(
        &w.post(&agent, "/mission", json!({ "description": "Book travel" }))
            .await,
        "s256",
    );
    let url = format!("/mission/{s256}");
    let (_, pc) = w.person_token(&agent, &w.resource_id, Some(&s256)).await;

    // Update: accepted, hash of the update, mission unchanged.
    let r = w
        .post(
            &agent,
            &url,
            json!({ "action": "update", "description": "Hotel moved" }),
        )
        .await;
    let update = token_in(&r, "s256");
    assert_eq!(update.len(), 43);
    assert_ne!(update, s256);

    // Malformed requests.
    for (path, body) in [
        (url.clone(), json!({ "description": "no action" })),
        (url.clone(), json!({ "action": "pause" })),
        (url.clone(), json!({ "action": "update" })),
        (
            "/mission/not-a-hash".to_string(),
            json!({ "action": "update", "description": "x" }),
        ),
    ] {
        let r = w.post(&agent, &path, body).await;
        assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    }

    // Non-disclosure: another agent's mission looks exactly like no mission.
    let stranger = w.agent("stranger", 11);
    let foreign = w
        .post(
            &stranger,
            &url,
            json!({ "action": "update", "description": "x" }),
        )
        .await;
    let unknown = w
        .post(
            &stranger,
            &format!("/mission/{}", b64::encode([7u8; 32])),
            json!({ "action": "update", "description": "x" }),
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert_eq!(error_of(&foreign), "mission_not_found");
    assert_eq!(
        (foreign.status, foreign.body.clone(), foreign.headers.len()),
        (unknown.status, unknown.body.clone(), unknown.headers.len())
    );
    // Nor can another agent use it for person tokens.
    let r = w
        .post(
            &stranger,
            "/person",
            json!({ "resource": w.resource_id, "mission_s256": s256 }),
        )
        .await;
    assert_eq!(r.status, 400);

    // Completion terminates.
    let r = w
        .post(
            &agent,
            &url,
            json!({ "action": "completion", "summary": "Booked." }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(r.body_json().unwrap()["termination_reason"], "completed");

    let terminated = |r: &aauth_harness::message::Response| {
        assert_eq!(r.status, 403, "{}", text(r));
        let b = r.body_json().expect("json");
        assert_eq!(b["error"], "mission_terminated");
        assert_eq!(b["mission_status"], "terminated");
        assert_eq!(b["termination_reason"], "completed");
        assert!(r.header("signature-error").is_none());
    };
    terminated(
        &w.post(
            &agent,
            &url,
            json!({ "action": "update", "description": "more" }),
        )
        .await,
    );
    terminated(
        &w.post(
            &agent,
            "/person",
            json!({ "resource": w.resource_id, "mission_s256": s256 }),
        )
        .await,
    );
    let rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    terminated(
        &w.post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await,
    );
    terminated(
        &w.post(
            &agent,
            "/permission",
            json!({ "action": "send", "mission_s256": s256 }),
        )
        .await,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missions_expire_and_cap_token_lifetimes() {
    let w = World::start(Options {
        mission_lifetime: Some(600),
        ..Options::new(Profile::Aauth11)
    })
    .await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(&agent, "/mission", json!({ "description": "Short job" }))
        .await;
    let s256 = token_in(&r, "s256");
    let (_, pc) = w.person_token(&agent, &w.resource_id, Some(&s256)).await;
    assert!(pc.exp <= w.now() + 600);
    w.clock.advance(601);
    let agent = w.agent("assistant", 10);
    let r = w
        .post(
            &agent,
            "/person",
            json!({ "resource": w.resource_id, "mission_s256": s256 }),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body_json().unwrap()["termination_reason"], "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aauth10_mission_blob_header_and_completion() {
    let w = world(Profile::Aauth10).await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(&agent, "/mission", json!({ "description": "Plan" }))
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let header = AauthMission::parse(r.header("aauth-mission").expect("AAuth-Mission").as_bytes())
        .expect("AAuth-Mission");
    assert_eq!(header.approver, w.ps_id);
    assert_eq!(header.s256, b64::encode(sha2::Sha256::digest(&r.body)));
    let blob: Value = serde_json::from_slice(&r.body).expect("blob");
    assert_eq!(blob["agent"], agent.sub.as_str());
    assert!(blob["capabilities"].is_array());

    // A resource token carrying the mission reference.
    let mut rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        None,
        Some(&agent.sub),
    );
    rt.mission = Some(aauth_harness::jose::claims::MissionRef {
        approver: w.ps_id.clone(),
        s256: header.s256.clone(),
        ..Default::default()
    });
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    let at = token_in(&r, "auth_token");
    assert_eq!(
        claims_of(&at)["mission"]["s256"].as_str(),
        Some(header.s256.as_str())
    );

    // Completion through the interaction endpoint ends it.
    let mission = json!({ "approver": w.ps_id, "s256": header.s256 });
    let r = w
        .post(
            &agent,
            "/interaction",
            json!({ "type": "completion", "summary": "done", "mission": mission }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (403, "mission_terminated")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_endpoints_answer_in_shape() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let s256 = token_in(
        &w.post(&agent, "/mission", json!({ "description": "Audit me" }))
            .await,
        "s256",
    );
    let r = w
        .post(&agent, "/permission", json!({ "action": "send_email" }))
        .await;
    assert_eq!(r.body_json().unwrap()["permission"], "granted");
    let r = w.post(&agent, "/permission", json!({})).await;
    assert_eq!(r.status, 400);
    let r = w
        .post(
            &agent,
            "/audit",
            json!({ "action": "read", "mission_s256": s256 }),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = w.post(&agent, "/audit", json!({ "action": "read" })).await;
    assert_eq!(r.status, 400);
    let r = w
        .post(
            &agent,
            "/interaction",
            json!({ "type": "interaction", "url": "https://x.example/i", "code": "ABCD2345" }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (424, "interaction_unavailable")
    );
    let r = w
        .post(
            &agent,
            "/interaction",
            json!({ "type": "question", "question": "May I?" }),
        )
        .await;
    assert!(r.body_json().unwrap()["answer"].is_string());
}
