//! The verifier fetching issuer keys from a real [`IssuerHost`]: metadata and JWKS served
//! over the routing table, the `issuer` check, caching, the once-per-minute refetch floor,
//! the 24-hour limit and egress admission.

use aauth_harness::clock::Clock;
use aauth_harness::defect::{build_signed_request, SignedRequestSpec};
use aauth_harness::host::{HostConfig, IssuerHost};
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{AgentClaims, TokenClaims, TokenIssuer, TokenKind};
use aauth_harness::jose::mutate::{mint, TokenDefect};
use aauth_harness::message::{Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::flaw::{Flaw, Flaws};
use aauth_harness::vectors::fixtures::{agent_key, ap_key, NOW};
use aauth_harness::verify::{
    verify_request, Discovery, EgressPolicy, EgressRefusal, KeySource, VerifierConfig,
};
use aauth_harness::wire::signature_error::SignatureErrorCode as Code;
use serde_json::json;
use std::sync::{Arc, Mutex};

const RESOURCE: &str = "https://resource.example";

/// Serve `name` as an agent provider whose metadata says `issuer` and `jwks_uri`.
fn serve_ap(host: &IssuerHost, name: &str, issuer: &str, jwks_uri: &str, jwks: String) {
    let metadata = json!({ "issuer": issuer, "jwks_uri": jwks_uri });
    host.serve(name, move |r: Request| {
        let body = match r.path.as_str() {
            "/.well-known/aauth-agent.json" => Some(metadata.clone()),
            "/.well-known/jwks.json" => serde_json::from_str(&jwks).ok(),
            _ => None,
        };
        async move {
            match body {
                Some(b) => Response::json(200, "application/json", &b),
                None => Response::new(404),
            }
        }
    })
    .expect("serve");
}

fn issuer() -> TokenIssuer {
    TokenIssuer::new(ap_key(), "ap-key-1", Profile::Aauth11)
}

fn request_from(iss: &str, defect: Option<&TokenDefect>) -> Request {
    let claims = AgentClaims::new(
        Profile::Aauth11,
        iss,
        "aauth:bot@ap.harness.test",
        "agt-1",
        &agent_key().public_key(),
        NOW,
        NOW + 3600,
    );
    let jwt = mint(&issuer(), TokenKind::Agent, &claims.to_map(), defect, NOW);
    let spec = SignedRequestSpec {
        request: Request::new("GET", "https", "resource.example", "/api"),
        key: agent_key(),
        label: "sig".into(),
        signature_key_member: format!("jwt;jwt=\"{jwt}\""),
        created: NOW,
        ctx: AauthSignContext::resource(),
    };
    build_signed_request(&spec, None).expect("signs")
}

fn config(flaws: Flaws) -> VerifierConfig {
    VerifierConfig::new(Profile::Aauth11, RESOURCE).with_flaws(flaws)
}

async fn code(
    request: &Request,
    config: &VerifierConfig,
    keys: &dyn KeySource,
    now: i64,
) -> Option<Code> {
    verify_request(request, config, keys, now)
        .await
        .err()
        .map(|r| r.code().clone())
}

#[tokio::test]
async fn keys_are_discovered_cached_and_refetched_at_most_once_a_minute() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    let ap = "https://ap.harness.test";
    serve_ap(
        &host,
        "ap",
        ap,
        &format!("{ap}/.well-known/jwks.json"),
        issuer().jwks().to_json(),
    );
    let clock = Clock::fixed(NOW);
    let discovery = Discovery::new(host.client(), clock.clone());
    let cfg = config(Flaws::none());
    // The verifier's clock stays at NOW (the request's created); only the discovery clock
    // moves, so the floor and the cache age are what change.
    let good = request_from(ap, None);
    assert_eq!(code(&good, &cfg, &discovery, NOW).await, None);
    assert_eq!(discovery.fetches(), 2, "metadata and JWKS");
    assert_eq!(host.hits("ap", "/.well-known/jwks.json"), 1);
    assert_eq!(code(&good, &cfg, &discovery, NOW).await, None);
    assert_eq!(discovery.fetches(), 2, "cached");

    // 20 unknown kids within 30 s: no refetch, since the set was fetched moments ago.
    let unknown = request_from(ap, Some(&TokenDefect::KidUnknown));
    for _ in 0..20 {
        assert_eq!(
            code(&unknown, &cfg, &discovery, NOW).await,
            Some(Code::UNKNOWN_KEY)
        );
        clock.advance(1);
    }
    assert_eq!(host.hits("ap", "/.well-known/jwks.json"), 1);

    // After the floor, one refetch, then the floor again.
    clock.advance(60);
    for _ in 0..5 {
        assert_eq!(
            code(&unknown, &cfg, &discovery, NOW).await,
            Some(Code::UNKNOWN_KEY)
        );
    }
    assert_eq!(host.hits("ap", "/.well-known/jwks.json"), 2);
    assert_eq!(
        discovery.fetches_of(&format!("{ap}/.well-known/jwks.json")),
        2
    );

    // After 24 hours the cached set is discarded even for a known kid.
    clock.advance(24 * 3600);
    let later = request_from(ap, None);
    let _ = code(&later, &cfg, &discovery, NOW).await;
    assert_eq!(host.hits("ap", "/.well-known/jwks.json"), 3);

    // The flaw: every unknown kid refetches.
    let flawed =
        Discovery::new(host.client(), clock.clone()).with_flaws(Flaws::one(Flaw::NoRefetchFloor));
    host.reset_hits();
    for _ in 0..5 {
        let _ = code(&unknown, &cfg, &flawed, NOW).await;
    }
    assert_eq!(host.hits("ap", "/.well-known/jwks.json"), 5);
    host.shutdown().await;
}

#[tokio::test]
async fn host_poisoned_metadata_is_refused() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    let evil = "https://evil.harness.test";
    // Served at evil, claiming to be ap.
    serve_ap(
        &host,
        "evil",
        "https://ap.harness.test",
        &format!("{evil}/.well-known/jwks.json"),
        issuer().jwks().to_json(),
    );
    serve_ap(
        &host,
        "bare",
        "",
        "https://bare.harness.test/.well-known/jwks.json",
        issuer().jwks().to_json(),
    );
    let clock = Clock::fixed(NOW);
    let cfg = config(Flaws::none());
    let discovery = Discovery::new(host.client(), clock.clone());
    assert_eq!(
        code(&request_from(evil, None), &cfg, &discovery, NOW).await,
        Some(Code::ISSUER_MISMATCH)
    );
    assert_eq!(
        host.hits("evil", "/.well-known/jwks.json"),
        0,
        "no JWKS fetch"
    );
    let flawed =
        Discovery::new(host.client(), clock).with_flaws(Flaws::one(Flaw::IssuerMismatchAccepted));
    assert_eq!(
        code(&request_from(evil, None), &cfg, &flawed, NOW).await,
        None
    );
    host.shutdown().await;
}

#[tokio::test]
async fn cross_origin_jwks_and_local_targets_are_not_fetched() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    let ap = "https://ap.harness.test";
    serve_ap(
        &host,
        "ap",
        ap,
        "https://keys.harness.test/.well-known/jwks.json",
        issuer().jwks().to_json(),
    );
    serve_ap(
        &host,
        "keys",
        "https://keys.harness.test",
        "",
        issuer().jwks().to_json(),
    );
    let cfg = config(Flaws::none());
    let clock = Clock::fixed(NOW);
    let strict = Discovery::new(host.client(), clock.clone());
    assert_eq!(
        code(&request_from(ap, None), &cfg, &strict, NOW).await,
        Some(Code::INVALID_JWT)
    );
    assert_eq!(host.hits("keys", "/.well-known/jwks.json"), 0);
    let policy = EgressPolicy {
        cross_origin_jwks: vec!["https://keys.harness.test".into()],
        ..EgressPolicy::default()
    };
    let admitted = Discovery::with_policy(host.client(), clock, policy);
    assert_eq!(
        code(&request_from(ap, None), &cfg, &admitted, NOW).await,
        None
    );
    assert_eq!(host.hits("keys", "/.well-known/jwks.json"), 1);

    let policy = EgressPolicy::default();
    let never = |_: &str| false;
    for url in [
        "https://127.0.0.1/.well-known/aauth-agent.json",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://10.0.0.1/x",
    ] {
        assert!(
            matches!(
                policy.admit(url, None, never),
                Err(EgressRefusal::IpLiteral(_))
            ),
            "{url}"
        );
    }
    assert!(matches!(
        policy.admit("https://localhost/x", None, never),
        Err(EgressRefusal::LocalHost(_))
    ));
    assert!(matches!(
        policy.admit("http://ap.example/x", None, never),
        Err(EgressRefusal::NotHttps(_))
    ));
    assert!(policy.admit("https://ap.example/x", None, never).is_ok());
    assert!(matches!(
        policy.admit(
            "https://other.example/jwks",
            Some("https://ap.example"),
            never
        ),
        Err(EgressRefusal::CrossOrigin { .. })
    ));
    host.shutdown().await;
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    host.serve("moved", |_r: Request| async {
        Response::new(302).with_header(
            "Location",
            "https://ap.harness.test/.well-known/aauth-agent.json",
        )
    })
    .expect("serve");
    let discovery = Discovery::new(host.client(), Clock::fixed(NOW));
    let r = code(
        &request_from("https://moved.harness.test", None),
        &config(Flaws::none()),
        &discovery,
        NOW,
    )
    .await;
    assert_eq!(r, Some(Code::INVALID_JWT));
    assert_eq!(discovery.fetches(), 1);
    host.shutdown().await;
}

/// An agent provider whose JWKS a test can replace while it is served.
fn serve_rotating_ap(host: &IssuerHost, name: &str, iss: &str) -> Arc<Mutex<String>> {
    let jwks = Arc::new(Mutex::new(issuer().jwks().to_json()));
    let served = jwks.clone();
    let metadata = json!({ "issuer": iss, "jwks_uri": format!("{iss}/.well-known/jwks.json") });
    host.serve(name, move |r: Request| {
        let body = match r.path.as_str() {
            "/.well-known/aauth-agent.json" => Some(metadata.to_string()),
            "/.well-known/jwks.json" => Some(served.lock().expect("jwks").clone()),
            _ => None,
        };
        async move {
            match body {
                Some(b) => Response::new(200)
                    .with_header("content-type", "application/json")
                    .with_body(b),
                None => Response::new(404),
            }
        }
    })
    .expect("serve");
    jwks
}

fn request_signed_by(iss: &str, issuer: &TokenIssuer) -> Request {
    let claims = AgentClaims::new(
        Profile::Aauth11,
        iss,
        "aauth:bot@ap.harness.test",
        "agt-2",
        &agent_key().public_key(),
        NOW,
        NOW + 3600,
    );
    let jwt = mint(issuer, TokenKind::Agent, &claims.to_map(), None, NOW);
    let spec = SignedRequestSpec {
        request: Request::new("GET", "https", "resource.example", "/api"),
        key: agent_key(),
        label: "sig".into(),
        signature_key_member: format!("jwt;jwt=\"{jwt}\""),
        created: NOW,
        ctx: AauthSignContext::resource(),
    };
    build_signed_request(&spec, None).expect("signs")
}

/// Where a rotation leaves a verifier that fetched the old set: refused within the floor,
/// accepted after it with exactly one more JWKS fetch; `(code within, code after, fetches)`.
async fn after_rotation(flaws: Flaws, rekey: bool) -> (Option<Code>, Option<Code>, u64) {
    let host = IssuerHost::start(HostConfig::default())
        .await
        .expect("host");
    let ap = "https://ap.harness.test";
    let jwks = serve_rotating_ap(&host, "ap", ap);
    let discovery = Discovery::new(host.client(), Clock::fixed(NOW)).with_flaws(flaws.clone());
    let cfg = config(flaws);
    assert_eq!(
        code(&request_signed_by(ap, &issuer()), &cfg, &discovery, NOW).await,
        None
    );
    let seed = if rekey { [9; 32] } else { [10; 32] };
    let key = aauth_harness::jose::SigningKey::from_seed(&aauth_harness::jose::Alg::ED25519, seed)
        .expect("key");
    let kid = if rekey { "ap-key-1" } else { "ap-key-2" };
    let next = TokenIssuer::new(key, kid, Profile::Aauth11);
    let mut keys = vec![next.jwk()];
    if !rekey {
        keys.push(issuer().jwk());
    }
    *jwks.lock().expect("jwks") = aauth_harness::jose::jwks::Jwks::from_keys(keys).to_json();
    let rotated = request_signed_by(ap, &next);
    let within = code(&rotated, &cfg, &discovery, NOW).await;
    assert!(discovery.backdate(ap, 61));
    let after = code(&rotated, &cfg, &discovery, NOW).await;
    let fetches = host.hits("ap", "/.well-known/jwks.json");
    host.shutdown().await;
    (within, after, fetches)
}

#[tokio::test]
async fn a_rotated_or_re_keyed_kid_is_refreshed_once_after_the_floor() {
    assert_eq!(
        after_rotation(Flaws::none(), false).await,
        (Some(Code::UNKNOWN_KEY), None, 2)
    );
    assert_eq!(
        after_rotation(Flaws::none(), true).await,
        (Some(Code::INVALID_JWT), None, 2)
    );
    let unknown = Flaws::one(Flaw::JwksNoRefreshUnknownKid);
    assert_eq!(
        after_rotation(unknown, false).await,
        (Some(Code::UNKNOWN_KEY), Some(Code::UNKNOWN_KEY), 1)
    );
    let rekeyed = Flaws::one(Flaw::JwksNoRefreshRekeyedKid);
    assert_eq!(
        after_rotation(rekeyed, true).await,
        (Some(Code::INVALID_JWT), Some(Code::INVALID_JWT), 1)
    );
}
