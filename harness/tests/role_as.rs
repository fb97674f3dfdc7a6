//! The reference Access Server, alone (signed by the reference PS's key) and in four-party
//! flows through the reference PS.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod role_psas_common;

use aauth_harness::jose::claims::{AuthClaims, TokenClaims, TokenIssuer};
use aauth_harness::jose::jwk::JwkRules;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::access_server::AccessPolicy;
use aauth_harness::role::endpoint::sign_as_server;
use aauth_harness::wire::metadata::AccessServerMetadata;
use role_psas_common::*;
use serde_json::{json, Value};

async fn world(profile: Profile, policy: AccessPolicy) -> World {
    World::start(Options {
        with_as: true,
        policy,
        ..Options::new(profile)
    })
    .await
}

/// A request to the AS signed as the server `issuer` speaks for.
fn as_request(
    w: &World,
    issuer: &TokenIssuer,
    id: &str,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Request {
    let rest = url.strip_prefix("https://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut request = Request::new(method, "https", authority, path);
    if let Some(b) = body {
        request.set_header("Content-Type", "application/json");
        request.body = b.to_string().into();
    }
    sign_as_server(&mut request, issuer, id, "aauth-person.json", w.now()).expect("sign");
    request
}

async fn from_ps(w: &World, body: Value) -> Response {
    let url = format!("{}/token", w.as_id);
    w.send(&as_request(
        w,
        w.ps.issuer(),
        &w.ps_id,
        "POST",
        &url,
        Some(&body),
    ))
    .await
}

/// A resource token addressed to the AS, bound to `agent`, after a real person token.
async fn rt_for_as(
    w: &World,
    agent: &Agent,
    scope: &str,
) -> aauth_harness::jose::claims::ResourceClaims {
    if w.profile.has_person_tokens() {
        let (_, pc) = w.person_token(agent, &w.resource_id, None).await;
        w.resource_claims(&agent.key.public_key(), &w.as_id, scope, Some(&pc), None)
    } else {
        w.resource_claims(
            &agent.key.public_key(),
            &w.as_id,
            scope,
            None,
            Some(&agent.sub),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_per_profile() {
    for (profile, eleven) in [(Profile::Aauth11, true), (Profile::Aauth10, false)] {
        let w = world(profile, AccessPolicy::default()).await;
        let r = w
            .host
            .client()
            .get("https://as.harness.test/.well-known/aauth-access.json")
            .await
            .expect("get");
        let m = AccessServerMetadata::parse(&r.body).expect("metadata");
        assert_eq!(m.common.issuer.as_deref(), Some(w.as_id.as_str()));
        assert!(m.common.jwks_uri.is_some());
        assert_eq!(m.auth_token_endpoint.is_some(), eleven);
        assert_eq!(m.token_endpoint.is_some(), !eleven);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_party_through_the_person_server() {
    let w = world(Profile::Aauth11, AccessPolicy::default()).await;
    let agent = w.agent("assistant", 10);
    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    let at = token_in(&r, "auth_token");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("claims");
    assert_eq!(ac.iss, w.as_id);
    assert_eq!(ac.dwk, "aauth-access.json");
    assert_eq!(ac.aud, w.resource_id);
    assert_eq!(ac.ps.as_deref(), Some(w.ps_id.as_str()));
    assert_eq!(
        ac.sub.as_deref(),
        Some(w.ps.directed_sub("person-1", &w.resource_id).as_str())
    );
    assert_eq!(ac.scope.as_deref(), Some("data.read"));
    assert!(ac.exp - ac.iat <= 3600);
    assert_eq!(
        ac.cnf.jwk.to_public_key(JwkRules::FULLY_SPECIFIED),
        Ok(agent.key.public_key())
    );
    assert!(w.host.hits("as", "/token") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_party_under_aauth10() {
    let w = world(Profile::Aauth10, AccessPolicy::default()).await;
    let agent = w.agent("assistant", 10);
    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    let at = token_in(&r, "auth_token");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("claims");
    assert_eq!(ac.iss, w.as_id);
    assert_eq!(ac.agent.as_deref(), Some(agent.sub.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_trusted_person_servers_signing_as_themselves() {
    let w = world(Profile::Aauth11, AccessPolicy::default()).await;
    let agent = w.agent("assistant", 10);
    let rt = w.mint_resource(&rt_for_as(&w, &agent, "data.read").await);
    let body = json!({ "resource_token": rt, "agent_token": agent.token });

    // An agent signing with its agent token: unsupported scheme.
    let r = w
        .send(&w.signed(&agent, "POST", "https://as.harness.test/token", Some(&body)))
        .await;
    assert_eq!(r.status, 401, "{}", text(&r));
    assert!(r
        .header("signature-error")
        .is_some_and(|e| e.contains("unsupported_scheme")));

    // An untrusted PS with valid keys.
    let rogue = TokenIssuer::new(key(60), "ps-rogue", w.profile);
    let rogue_id = serve_issuer(&w.host, "rogue-ps", "aauth-person.json", &rogue);
    let r = w
        .send(&as_request(
            &w,
            &rogue,
            &rogue_id,
            "POST",
            "https://as.harness.test/token",
            Some(&body),
        ))
        .await;
    assert_eq!((r.status, error_of(&r).as_str()), (403, "denied"));
    assert!(r.header("signature-error").is_none());

    // Unsigned.
    let r = w
        .send(
            &Request::new("POST", "https", "as.harness.test", "/token")
                .with_header("Content-Type", "application/json")
                .with_body(body.to_string()),
        )
        .await;
    assert_eq!(r.status, 401);

    // The trusted PS.
    let r = from_ps(&w, body).await;
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_request_checks() {
    let w = world(Profile::Aauth11, AccessPolicy::default()).await;
    let agent = w.agent("assistant", 10);
    let claims = rt_for_as(&w, &agent, "data.read").await;
    let rt = w.mint_resource(&claims);

    let r = from_ps(&w, json!({ "resource_token": rt })).await;
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));
    let r = from_ps(&w, json!({ "agent_token": agent.token })).await;
    assert_eq!((r.status, error_of(&r).as_str()), (400, "invalid_request"));

    let mut other_ps = claims.clone();
    other_ps.ps = Some("https://other-ps.harness.test".into());
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&other_ps), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut jkt = claims.clone();
    jkt.agent_jkt = key(70).public_key().thumbprint();
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&jkt), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut aud = claims.clone();
    aud.aud = w.ps_id.clone();
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&aud), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_resource_token")
    );

    let mut expired = claims.clone();
    expired.exp = w.now() - 1;
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&expired), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "expired_resource_token")
    );

    let r = from_ps(&w, json!({ "resource_token": rt, "agent_token": "junk" })).await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (400, "invalid_agent_token")
    );

    // Sub-agent: the token binds the sub-agent's key.
    let child = w.agent_with("assistant+w1", 15, w.now() + 3600, Some(&agent.sub));
    let mut child_rt = claims.clone();
    child_rt.agent_jkt = child.key.public_key().thumbprint();
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&child_rt), "agent_token": agent.token, "subagent_token": child.token }),
    )
    .await;
    let at = token_in(&r, "auth_token");
    let ac = AuthClaims::from_map(claims_of(&at)).expect("claims");
    assert_eq!(
        ac.cnf.jwk.to_public_key(JwkRules::FULLY_SPECIFIED),
        Ok(child.key.public_key())
    );

    let r = from_ps(
        &w,
        json!({ "resource_token": rt, "agent_token": agent.token }),
    )
    .await;
    let ac = AuthClaims::from_map(claims_of(&token_in(&r, "auth_token"))).expect("claims");
    assert_eq!(ac.sub, claims.sub);
    assert_eq!(ac.ps.as_deref(), Some(w.ps_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_required_then_issued() {
    let policy = AccessPolicy {
        required_claims: Some(vec!["email".into(), "tenant".into()]),
        payment_required: false,
        ..AccessPolicy::default()
    };
    let w = world(Profile::Aauth11, policy).await;
    let agent = w.agent("assistant", 10);
    let claims = rt_for_as(&w, &agent, "data.read").await;
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&claims), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(r.status, 202, "{}", text(&r));
    assert_eq!(
        r.header("aauth-requirement").as_deref(),
        Some("requirement=claims")
    );
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let body = r.body_json().unwrap();
    assert_eq!(body["required_claims"], json!(["email", "tenant"]));
    let location = r.header("location").expect("Location");
    assert!(location.starts_with("https://as.harness.test/pending/"));

    // Polling keeps it pending; a wrong sub is refused; the right one gets the token.
    let poll = w
        .send(&as_request(
            &w,
            w.ps.issuer(),
            &w.ps_id,
            "GET",
            &location,
            None,
        ))
        .await;
    assert_eq!(poll.status, 202);
    let bad = w
        .send(&as_request(
            &w,
            w.ps.issuer(),
            &w.ps_id,
            "POST",
            &location,
            Some(&json!({ "sub": "nobody" })),
        ))
        .await;
    assert_eq!(bad.status, 400);
    let good = w
        .send(&as_request(
            &w,
            w.ps.issuer(),
            &w.ps_id,
            "POST",
            &location,
            Some(&json!({ "sub": claims.sub, "email": "a@b.example" })),
        ))
        .await;
    assert_eq!(typ_of(&token_in(&good, "auth_token")), "aa-auth+jwt");
    let again = w
        .send(&as_request(
            &w,
            w.ps.issuer(),
            &w.ps_id,
            "GET",
            &location,
            None,
        ))
        .await;
    assert_eq!(again.status, 410);

    // Through the PS, the claims step is handled for the agent.
    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_required_then_issued_through_the_person_server() {
    let policy = AccessPolicy {
        required_claims: None,
        payment_required: true,
        ..AccessPolicy::default()
    };
    let w = world(Profile::Aauth11, policy).await;
    let agent = w.agent("assistant", 10);
    let claims = rt_for_as(&w, &agent, "data.read").await;
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&claims), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(r.status, 402, "{}", text(&r));
    let location = r.header("location").expect("402 carries Location");
    assert!(location.starts_with("https://as.harness.test/"));

    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_then_issued_and_payment_only_for_its_scope() {
    let policy = AccessPolicy {
        approval_required: true,
        by_scope: vec![(
            "data.write".into(),
            AccessPolicy {
                payment_required: true,
                ..AccessPolicy::default()
            },
        )],
        ..AccessPolicy::default()
    };
    let w = world(Profile::Aauth11, policy).await;
    let agent = w.agent("assistant", 10);
    let claims = rt_for_as(&w, &agent, "data.read").await;
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&claims), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(r.status, 202, "{}", text(&r));
    assert_eq!(
        r.header("aauth-requirement").as_deref(),
        Some("requirement=approval")
    );
    let location = r.header("location").expect("Location");
    let poll = w
        .send(&as_request(
            &w,
            w.ps.issuer(),
            &w.ps_id,
            "GET",
            &location,
            None,
        ))
        .await;
    assert_eq!(typ_of(&token_in(&poll, "auth_token")), "aa-auth+jwt");

    // The payment rule applies to its scope only.
    let claims = rt_for_as(&w, &agent, "data.write").await;
    let r = from_ps(
        &w,
        json!({ "resource_token": w.mint_resource(&claims), "agent_token": agent.token }),
    )
    .await;
    assert_eq!(r.status, 402, "{}", text(&r));

    // Through the PS, approval is polled for the agent.
    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    assert_eq!(r.status, 200, "{}", text(&r));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_server_refuses_a_bad_token_from_its_access_server() {
    let w = World::start(Options::new(Profile::Aauth11)).await;
    // A fake AS that issues a token for the wrong audience.
    let fake = TokenIssuer::new(key(80), "as-fake", w.profile);
    let fake_for_handler = fake.clone();
    let as_id = w.as_id.clone();
    let jwks: Value = serde_json::from_str(&fake.jwks().to_json()).unwrap();
    w.host
        .serve("as", move |r: Request| {
            let fake = fake_for_handler.clone();
            let as_id = as_id.clone();
            let jwks = jwks.clone();
            async move {
                match r.path.as_str() {
                    "/.well-known/aauth-access.json" => Response::json(
                        200,
                        "application/json",
                        &json!({ "issuer": as_id, "jwks_uri": format!("{as_id}/.well-known/jwks.json"), "auth_token_endpoint": format!("{as_id}/token") }),
                    ),
                    "/.well-known/jwks.json" => Response::json(200, "application/json", &jwks),
                    _ => {
                        let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                        let rt = claims_of(body["resource_token"].as_str().unwrap_or_default());
                        let agent = claims_of(body["agent_token"].as_str().unwrap_or_default());
                        let mut claims = serde_json::Map::new();
                        for (k, v) in [
                            ("iss", json!(as_id)),
                            ("dwk", json!("aauth-access.json")),
                            ("aud", json!("https://somewhere-else.harness.test")),
                            ("jti", json!("x")),
                            ("ps", rt["ps"].clone()),
                            ("sub", rt["sub"].clone()),
                            ("cnf", agent["cnf"].clone()),
                            ("iat", json!(1_730_217_600)),
                            ("exp", json!(1_730_217_600 + 600)),
                        ] {
                            claims.insert(k.into(), v);
                        }
                        let token = fake.sign_unchecked(
                            &fake.header(aauth_harness::jose::claims::TokenKind::Auth),
                            &claims,
                        );
                        Response::json(200, "application/json", &json!({ "auth_token": token, "expires_in": 600 }))
                    }
                }
            }
        })
        .expect("serve fake as");
    let agent = w.agent("assistant", 10);
    let r = w.auth_token_response(&agent, &w.as_id, "data.read").await;
    assert_eq!(
        (r.status, error_of(&r).as_str()),
        (500, "server_error"),
        "{}",
        text(&r)
    );
    assert!(text(&r).contains("fails verification"), "{}", text(&r));
}
