//! The reference Person Server: metadata, person tokens, three-party auth tokens (-11),
//! the -10 token endpoint, sub-agents and request verification.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use aauth_harness::jose::claims::{AuthClaims, PersonClaims, TokenClaims};
use aauth_harness::jose::jwk::Jwk;
use aauth_harness::message::Fields;
use aauth_harness::profile::Profile;
use aauth_harness::wire::metadata::PersonServerMetadata;
use role_psas_common::*;
use serde_json::json;

async fn world(profile: Profile) -> World {
    World::start(Options::new(profile)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_names_the_profiles_endpoints() {
    let w = world(Profile::Aauth11).await;
    let r = w
        .host
        .client()
        .get("https://ps.harness.test/.well-known/aauth-person.json")
        .await
        .expect("get");
    let m = PersonServerMetadata::parse(&r.body).expect("metadata");
    assert_eq!(m.common.issuer.as_deref(), Some(w.ps_id.as_str()));
    assert_eq!(
        m.person_token_endpoint.as_deref(),
        Some("https://ps.harness.test/person")
    );
    assert!(m.auth_token_endpoint.is_some() && m.token_endpoint.is_none());
    assert!(m.mission_endpoint.is_some() && m.revocation_endpoint.is_some());
    let jwks = w
        .host
        .client()
        .get(m.common.jwks_uri.as_deref().expect("jwks_uri"))
        .await
        .expect("jwks");
    assert!(String::from_utf8_lossy(&jwks.body).contains(&w.ps.issuer().kid));

    let w10 = world(Profile::Aauth10).await;
    let r = w10
        .host
        .client()
        .get("https://ps.harness.test/.well-known/aauth-person.json")
        .await
        .expect("get");
    let m = PersonServerMetadata::parse(&r.body).expect("metadata");
    assert!(m.token_endpoint.is_some());
    assert!(m.auth_token_endpoint.is_none() && m.person_token_endpoint.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_party_person_token_then_auth_token() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let (pt, pc) = w.person_token(&agent, &w.resource_id, None).await;
    assert_eq!(typ_of(&pt), "aa-person+jwt");
    assert_eq!(pc.iss, w.ps_id);
    assert_eq!(pc.dwk, "aauth-person.json");
    assert_eq!(pc.aud, w.resource_id);
    assert_eq!(pc.cnf.jwk, Jwk::from_public(&agent.key.public_key(), None));
    assert!(pc.exp <= w.now() + 3600);
    assert!(!claims_of(&pt).contains_key("scope"));

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
    let at = token_in(&r, "auth_token");
    assert_eq!(typ_of(&at), "aa-auth+jwt");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("auth claims");
    assert_eq!(ac.iss, w.ps_id);
    assert_eq!(ac.dwk, "aauth-person.json");
    assert_eq!(ac.aud, w.resource_id);
    assert_eq!(ac.ps.as_deref(), Some(w.ps_id.as_str()));
    assert_eq!(ac.sub.as_deref(), Some(pc.sub.as_str()));
    assert_eq!(ac.scope.as_deref(), Some("data.read data.write"));
    assert!(ac.agent.is_none() && ac.act.is_none());
    assert!(ac.exp - ac.iat <= 3600);
    assert_eq!(
        ac.cnf
            .jwk
            .to_public_key(aauth_harness::jose::jwk::JwkRules::FULLY_SPECIFIED),
        Ok(agent.key.public_key())
    );
    assert!(r.body_json().expect("json")["expires_in"].as_i64().unwrap() <= 3600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_token_resource_must_be_a_server_identifier() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    for bad in [
        json!({ "resource": "http://resource.harness.test" }),
        json!({ "resource": "https://resource.harness.test/" }),
        json!({ "resource": "https://resource.harness.test:8443" }),
        json!({ "resource": "https://resource.harness.test/v1" }),
        json!({ "resource": "https://Resource.harness.test" }),
        json!({ "resource": 7 }),
        json!({}),
    ] {
        let r = w.post(&agent, "/person", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", text(&r));
        assert_eq!(error_of(&r), "invalid_request");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_token_is_capped_by_the_agent_token_and_pairwise() {
    let w = world(Profile::Aauth11).await;
    let short = w.agent_with("short", 11, w.now() + 600, None);
    let (_, pc) = w.person_token(&short, &w.resource_id, None).await;
    assert!(
        pc.exp <= w.now() + 600,
        "exp {} past the agent token",
        pc.exp
    );

    let other = w.agent("other", 12);
    let (_, pc2) = w.person_token(&other, &w.resource_id, None).await;
    assert_eq!(pc.sub, pc2.sub, "same person, same resource: same sub");
    let (_, pc3) = w
        .person_token(&other, "https://elsewhere.harness.test", None)
        .await;
    assert_ne!(pc.sub, pc3.sub, "pairwise per resource");
    assert_ne!(pc.jti, pc2.jti);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_token_checks_refuse_tampering() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let (_, pc) = w.person_token(&agent, &w.resource_id, None).await;
    let base = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    let redeem = |claims: aauth_harness::jose::claims::ResourceClaims| {
        let token = w.mint_resource(&claims);
        let agent = agent.clone();
        let w = &w;
        async move {
            w.post(&agent, "/token", json!({ "resource_token": token }))
                .await
        }
    };

    let mut unknown = base.clone();
    unknown.presented_jti = Some("pt-never-issued".into());
    let r = redeem(unknown).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "unknown_person_token")
    );

    let mut other_sub = base.clone();
    other_sub.sub = Some("someone-else".into());
    let r = redeem(other_sub).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut tenant = base.clone();
    tenant.tenant = Some("acme".into());
    let r = redeem(tenant).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut jkt = base.clone();
    jkt.agent_jkt = key(99).public_key().thumbprint();
    let r = redeem(jkt).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut aud = base.clone();
    aud.aud = "https://other-ps.harness.test".into();
    let r = redeem(aud).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut expired = base.clone();
    expired.exp = w.now() - 1;
    let r = redeem(expired).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "expired_resource_token")
    );

    let r = w
        .post(&agent, "/token", json!({ "resource_token": "not-a-jwt" }))
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );
    let r = w.post(&agent, "/token", json!({})).await;
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));

    // The untouched token still works.
    let r = redeem(base).await;
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mission_stripping_is_detected() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let r = w
        .post(&agent, "/mission", json!({ "description": "Plan a trip" }))
        .await;
    let s256 = token_in(&r, "s256");
    let (_, pc) = w.person_token(&agent, &w.resource_id, Some(&s256)).await;
    assert_eq!(pc.mission_s256.as_deref(), Some(s256.as_str()));
    let mut rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    rt.mission_s256 = None;
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );
    rt.mission_s256 = Some(s256.clone());
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    let at = token_in(&r, "auth_token");
    assert_eq!(
        claims_of(&at)["mission_s256"].as_str(),
        Some(s256.as_str()),
        "mission copied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sub_agents_go_through_their_parent() {
    let w = world(Profile::Aauth11).await;
    let parent = w.agent("planner", 10);
    let child = w.agent_with("planner+search1", 13, w.now() + 3600, Some(&parent.sub));

    // Directly: refused at both token endpoints.
    let r = w
        .post(&child, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_agent_token")
    );

    // Parent-mediated: the person token binds the sub-agent's key.
    let r = w
        .post(
            &parent,
            "/person",
            json!({ "resource": w.resource_id, "subagent_token": child.token }),
        )
        .await;
    let pt = token_in(&r, "person_token");
    let pc = PersonClaims::from_map(claims_of(&pt)).expect("claims");
    assert_eq!(pc.cnf.jwk, Jwk::from_public(&child.key.public_key(), None));

    // The sub-agent's resource token, redeemed by the parent.
    let rt = w.resource_claims(
        &child.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    let token = w.mint_resource(&rt);
    let r = w
        .post(
            &parent,
            "/token",
            json!({ "resource_token": token, "subagent_token": child.token }),
        )
        .await;
    let at = token_in(&r, "auth_token");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("claims");
    assert_eq!(
        ac.cnf
            .jwk
            .to_public_key(aauth_harness::jose::jwk::JwkRules::FULLY_SPECIFIED),
        Ok(child.key.public_key())
    );

    // Without subagent_token the agent_jkt names the wrong key.
    let r = w
        .post(&parent, "/token", json!({ "resource_token": token }))
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    // A sub-agent token whose parent is someone else.
    let stranger = w.agent("stranger", 14);
    let r = w
        .post(
            &stranger,
            "/person",
            json!({ "resource": w.resource_id, "subagent_token": child.token }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_agent_token")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_must_be_signed_with_an_agent_token_and_digest() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    // No content-digest covered.
    let mut request =
        aauth_harness::message::Request::new("POST", "https", "ps.harness.test", "/person")
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
    let r = w.send(&request).await;
    assert_eq!(r.status, 401, "{}", text(&r));
    assert!(r
        .header("signature-error")
        .is_some_and(|e| e.contains("invalid_input")));

    // A person token as the credential.
    let (pt, _) = w.person_token(&agent, &w.ps_id, None).await;
    let as_person = Agent {
        token: pt,
        ..agent.clone()
    };
    let r = w
        .post(&as_person, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(r.status, 400, "{}", text(&r));
    assert_eq!(error_of(&r), "invalid_agent_token");

    // An agent provider the PS does not trust.
    let rogue = aauth_harness::jose::claims::TokenIssuer::new(key(50), "rogue", w.profile);
    serve_issuer(&w.host, "rogue", "aauth-agent.json", &rogue);
    let claims = aauth_harness::jose::claims::AgentClaims::new(
        w.profile,
        "https://rogue.harness.test",
        "aauth:x@rogue.harness.test",
        "j",
        &agent.key.public_key(),
        w.now(),
        w.now() + 60,
    );
    let rogue_agent = Agent {
        token: rogue.issue(&claims).expect("token"),
        ..agent.clone()
    };
    let r = w
        .post(
            &rogue_agent,
            "/person",
            json!({ "resource": w.resource_id }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_agent_token")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aauth10_token_endpoint_uses_agent_claims() {
    let w = world(Profile::Aauth10).await;
    let agent = w.agent("assistant", 10);
    // No person-token endpoint under -10.
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(r.status, 404);

    let r = w.auth_token_response(&agent, &w.ps_id, "data.read").await;
    let at = token_in(&r, "auth_token");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("claims");
    assert_eq!(ac.agent.as_deref(), Some(agent.sub.as_str()));
    assert_eq!(ac.dwk, "aauth-person.json");
    assert!(ac.sub.is_some() && ac.ps.is_none());
    assert_eq!(ac.scope.as_deref(), Some("data.read"));

    // A resource token naming another agent.
    let rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        None,
        Some("aauth:other@ap.harness.test"),
    );
    let r = w
        .post(
            &agent,
            "/token",
            json!({ "resource_token": w.mint_resource(&rt) }),
        )
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_by_the_agent_provider() {
    let w = world(Profile::Aauth11).await;
    let agent = w.agent("assistant", 10);
    let jti = claims_of(&agent.token)["jti"].as_str().unwrap().to_string();
    let revoke = |body: serde_json::Value, signer: &'static str| {
        let mut request =
            aauth_harness::message::Request::new("POST", "https", "ps.harness.test", "/revoke")
                .with_header("Content-Type", "application/json")
                .with_body(body.to_string());
        let issuer = if signer == "ap" {
            w.ap.clone()
        } else {
            w.ps.issuer().clone()
        };
        aauth_harness::role::endpoint::sign_as_server(
            &mut request,
            &issuer,
            &format!("https://{signer}.harness.test"),
            if signer == "ap" {
                "aauth-agent.json"
            } else {
                "aauth-person.json"
            },
            w.now(),
        )
        .expect("sign");
        request
    };
    let r = w.send(&revoke(json!({ "iss": w.ap_id }), "ap")).await;
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    let r = w
        .send(&revoke(json!({ "iss": w.ps_id, "jti": "unknown" }), "ps"))
        .await;
    assert_eq!(r.status, 404);
    let r = w
        .send(&revoke(json!({ "iss": w.ap_id, "jti": jti }), "ps"))
        .await;
    assert_eq!(r.status, 403, "only the issuer may revoke");

    // Works before, refused after.
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(r.status, 200);
    let r = w
        .send(&revoke(json!({ "iss": w.ap_id, "jti": jti }), "ap"))
        .await;
    assert_eq!(r.status, 200, "{}", text(&r));
    let r = w
        .post(&agent, "/person", json!({ "resource": w.resource_id }))
        .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_agent_token")
    );

    // An agent may not revoke.
    let r = w
        .post(&agent, "/revoke", json!({ "iss": w.ap_id, "jti": jti }))
        .await;
    assert!(r.status == 403 || r.status == 401, "{}", text(&r));
}

/// Call chaining: a resource ("mid") that is also an agent asks for a person token for a
/// downstream resource with the upstream auth token it received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_token_carries_the_person_downstream() {
    use aauth_harness::jose::claims::{AgentClaims, TokenIssuer};
    use aauth_harness::message::{Request, Response};
    let w = World::start(Options {
        more_agent_providers: vec!["https://mid.harness.test".into()],
        ..Options::new(Profile::Aauth11)
    })
    .await;
    let mid_id = "https://mid.harness.test".to_string();
    let mid = TokenIssuer::new(key(40), "mid-1", w.profile);
    let jwks: serde_json::Value = serde_json::from_str(&mid.jwks().to_json()).unwrap();
    let meta = json!({ "issuer": mid_id, "jwks_uri": format!("{mid_id}/.well-known/jwks.json") });
    w.host
        .serve("mid", move |r: Request| {
            let body = match r.path.as_str() {
                "/.well-known/aauth-agent.json" | "/.well-known/aauth-resource.json" => {
                    Some(meta.clone())
                }
                "/.well-known/jwks.json" => Some(jwks.clone()),
                _ => None,
            };
            async move {
                body.map_or(Response::new(404), |b| {
                    Response::json(200, "application/json", &b)
                })
            }
        })
        .unwrap();

    // The user's agent gets an auth token for mid.
    let agent = w.agent("assistant", 10);
    let (_, pc) = w.person_token(&agent, &mid_id, None).await;
    let mut rt = w.resource_claims(
        &agent.key.public_key(),
        &w.ps_id,
        "data.read",
        Some(&pc),
        None,
    );
    rt.iss = mid_id.clone();
    let rt = mid.sign_unchecked(
        &mid.header(aauth_harness::jose::claims::TokenKind::Resource),
        &rt.to_map(),
    );
    let upstream = token_in(
        &w.post(&agent, "/token", json!({ "resource_token": rt }))
            .await,
        "auth_token",
    );

    // mid, acting as an agent with its own agent token, asks downstream. (The shared
    // Discovery applies its once-a-minute floor per issuer even to a first fetch under a
    // second dwk, so let a minute pass before mid's agent metadata is needed.)
    w.clock.advance(61);
    let mid_key = key(41);
    let claims = AgentClaims::new(
        w.profile,
        &mid_id,
        "aauth:svc@mid.harness.test",
        "mid-agent-1",
        &mid_key.public_key(),
        w.now(),
        w.now() + 3600,
    );
    let mid_agent = Agent {
        key: mid_key,
        sub: claims.sub.clone(),
        token: mid.issue(&claims).unwrap(),
    };
    let downstream = "https://downstream.harness.test";
    let r = w
        .post(
            &mid_agent,
            "/person",
            json!({ "resource": downstream, "upstream_token": upstream }),
        )
        .await;
    let pt = token_in(&r, "person_token");
    let c = claims_of(&pt);
    assert_eq!(
        c["sub"].as_str(),
        Some(w.ps.directed_sub("person-1", downstream).as_str()),
        "the upstream person, under the downstream directed id"
    );
    assert_ne!(c["sub"], claims_of(&upstream)["sub"], "sub is never copied");

    // The upstream token must be addressed to the intermediary.
    let r = w
        .post(
            &agent,
            "/person",
            json!({ "resource": downstream, "upstream_token": upstream }),
        )
        .await;
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
}
