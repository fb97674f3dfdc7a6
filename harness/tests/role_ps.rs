//! The reference Person Server: metadata, person tokens, three-party auth tokens (-11),
//! the -10 token endpoint, sub-agents and request verification.

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
        .post(&agent, "/token", json!({ "resource_token": w.mint_resource(&rt) }))
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
        ac.cnf.jwk.to_public_key(aauth_harness::jose::jwk::JwkRules::FULLY_SPECIFIED),
        Ok(agent.key.public_key())
    );
    assert!(r.body_json().expect("json")["expires_in"].as_i64().unwrap() <= 3600);
}
