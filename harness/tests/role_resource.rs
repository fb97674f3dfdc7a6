//! The reference resource served as a built-in target: correct behaviour, and for every
//! planted resource flaw, the same stimulus answered differently.

use aauth_harness::clock::Clock;
use aauth_harness::defect::RequestDefect;
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::TokenKind;
use aauth_harness::jose::Alg;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{unverified_claims, HarnessAgent};
use aauth_harness::role::flaw::{Flaw, Flaws};
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;
use aauth_harness::world::{Party, World, WorldConfig};
use serde_json::{json, Value};

const NOW: i64 = 1_730_217_600;
const HOST: &str = "target-resource.harness.test";
const TARGET: &str = "https://target-resource.harness.test";

struct Bench {
    world: World,
    agent: HarnessAgent,
}

impl Bench {
    async fn new(profile: Profile) -> Bench {
        let world = World::start(WorldConfig::new(11, profile, Clock::fixed(NOW)))
            .await
            .expect("world starts");
        let agent = world.new_agent(&Alg::ED25519);
        Bench { world, agent }
    }

    /// Serve the reference resource with `flaw` switched on (or not) as the target.
    fn target(&self, flaw: Flaw, on: bool) {
        let flaws = if on { Flaws::one(flaw) } else { Flaws::none() };
        let (id, _) = self
            .world
            .serve_target(Role::Resource, flaws)
            .expect("served");
        assert_eq!(id, TARGET);
    }

    fn request(method: &str, path: &str, body: Option<Value>) -> Request {
        let mut r = Request::new(method, "https", HOST, path);
        if let Some(b) = body {
            r.set_header("Content-Type", "application/json");
            r.body = b.to_string().into();
        }
        r
    }

    async fn send(&self, request: Request) -> Response {
        self.world
            .client()
            .send(TARGET, &request)
            .await
            .expect("target answers")
    }

    /// Sign presenting `token` and send.
    async fn signed(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Response {
        self.signed_with(Self::request(method, path, body), token, None)
            .await
    }

    async fn signed_with(
        &self,
        request: Request,
        token: &str,
        defect: Option<&RequestDefect>,
    ) -> Response {
        let signed = self
            .agent
            .sign_with_defect(request, token, &AauthSignContext::resource(), NOW, defect)
            .expect("signs");
        self.send(signed).await
    }

    fn person_token(&self, aud: &str) -> String {
        self.world.mint_person_token(&self.agent, aud, None)
    }

    fn auth_token(&self, aud: &str, scope: &str) -> String {
        self.world.mint_auth_token(&self.agent, aud, scope, None)
    }

    async fn resource_token(&self) -> Value {
        let pt = self.person_token(TARGET);
        let r = self
            .signed(
                "POST",
                "/authorize",
                &pt,
                Some(json!({"scope": "data.read"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let token = r.body_json().expect("json")["resource_token"]
            .as_str()
            .expect("resource_token")
            .to_string();
        Value::Object(unverified_claims(&token).expect("claims"))
    }
}

fn requirement(r: &Response) -> Option<AauthRequirement> {
    AauthRequirement::parse(r.header("aauth-requirement")?).ok()
}

fn body_of(r: &Response) -> String {
    format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
}

// ---- correct behaviour ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correct_resource_challenges_and_serves_per_the_rules() {
    let b = Bench::new(Profile::Aauth11).await;
    b.target(Flaw::ScopeNotEnforced, false);

    // No credential at all: agent-token challenge.
    let r = b.send(Bench::request("GET", "/api/whoami", None)).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        requirement(&r).expect("challenge").requirement.as_str(),
        "agent-token"
    );

    // Identity: the agent token is enough for whoami.
    let r = b
        .signed("GET", "/api/whoami", &b.agent.agent_token, None)
        .await;
    assert_eq!(r.status, 200, "{}", body_of(&r));
    assert_eq!(r.body_json().expect("json")["sub"], b.agent.id.as_str());

    // Metadata names the endpoints and the revocation endpoint.
    let meta = b
        .send(Bench::request(
            "GET",
            "/.well-known/aauth-resource.json",
            None,
        ))
        .await
        .body_json()
        .expect("metadata");
    assert_eq!(meta["issuer"], TARGET);
    assert_eq!(meta["revocation_endpoint"], format!("{TARGET}/revoke"));
    assert_eq!(
        meta["authorization_endpoint"],
        format!("{TARGET}/authorize")
    );

    // Unknown scope at the authorization endpoint.
    let pt = b.person_token(TARGET);
    let r = b
        .signed("POST", "/authorize", &pt, Some(json!({"scope": "bogus"})))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body_json().expect("json")["error"], "invalid_scope");

    // The resource token is well formed.
    let rt = b.resource_token().await;
    assert_eq!(rt["iss"], TARGET);
    assert_eq!(rt["aud"], "https://ps.harness.test");
    assert_eq!(rt["ps"], "https://ps.harness.test");
    assert!(rt.get("agent").is_none());
    assert_eq!(rt["agent_jkt"], b.agent.thumbprint().as_str());
    assert!(rt["exp"].as_i64().expect("exp") - rt["iat"].as_i64().expect("iat") <= 300);

    // An auth token from the trusted PS is served and yields a session token.
    let at = b.auth_token(TARGET, "data.read");
    let r = b.signed("GET", "/api/data", &at, None).await;
    assert_eq!(r.status, 200, "{}", body_of(&r));
    assert!(r.has_header("aauth-access"));
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_need_a_signature_covering_authorization_by_the_same_key() {
    let b = Bench::new(Profile::Aauth11).await;
    b.target(Flaw::SessionTokenBearer, false);
    let at = b.auth_token(TARGET, "data.read");
    let r = b.signed("GET", "/api/data", &at, None).await;
    let session = r.header("aauth-access").expect("session");
    let with_session = || {
        Bench::request("GET", "/api/data", None)
            .with_header("Authorization", format!("AAuth {session}"))
    };
    // Same agent, signature covers authorization: served.
    let r = b
        .signed_with(with_session(), &b.agent.agent_token, None)
        .await;
    assert_eq!(r.status, 200, "{}", body_of(&r));
    // Signature leaves authorization out: refused.
    let r = b
        .signed_with(
            with_session(),
            &b.agent.agent_token,
            Some(&RequestDefect::OmitComponent("authorization".into())),
        )
        .await;
    assert_eq!(r.status, 401, "{}", body_of(&r));
    // Another agent presenting the session: not served from the session.
    let other = b.world.new_agent(&Alg::ED25519);
    let signed = other
        .sign(
            with_session(),
            &other.agent_token,
            &AauthSignContext::resource(),
            NOW,
        )
        .expect("signs");
    let r = b.send(signed).await;
    assert_ne!(r.status, 200, "{}", body_of(&r));
    // Two credentials: refused.
    let r = b
        .signed_with(
            with_session().with_header("Authorization", "AAuth second"),
            &b.agent.agent_token,
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", body_of(&r));
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_is_keyed_by_issuer_and_jti_and_needs_the_issuer() {
    let b = Bench::new(Profile::Aauth11).await;
    b.target(Flaw::ScopeNotEnforced, false);
    let at = b.auth_token(TARGET, "data.read");
    let at_claims = unverified_claims(&at).expect("claims");
    assert_eq!(b.signed("GET", "/api/data", &at, None).await.status, 200);
    let body = json!({"iss": at_claims["iss"], "jti": at_claims["jti"]});
    // An agent (token signer) cannot revoke, even naming its own provider.
    let r = b
        .signed("POST", "/revoke", &b.agent.agent_token, Some(body.clone()))
        .await;
    assert_eq!(r.status, 403, "{}", body_of(&r));
    // Missing jti: 400.
    let r = b
        .signed(
            "POST",
            "/revoke",
            &b.agent.agent_token,
            Some(json!({"iss": "https://ps.harness.test"})),
        )
        .await;
    assert_eq!(r.status, 400, "{}", body_of(&r));
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sig_and_tok_flaws_reach_the_verifier() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::NoCreatedWindow, on);
        let r = b
            .signed_with(
                Bench::request("GET", "/api/whoami", None),
                &b.agent.agent_token,
                Some(&RequestDefect::CreatedSkew(-3600)),
            )
            .await;
        assert_eq!(r.status, if on { 200 } else { 401 }, "{}", body_of(&r));
    }
    b.world.shutdown().await;
}

// ---- one test per resource flaw ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_challenge_via_www_authenticate() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ChallengeViaWwwAuthenticate, on);
        let r = b
            .signed("GET", "/api/data", &b.agent.agent_token, None)
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(r.has_header("aauth-requirement"), !on, "{}", body_of(&r));
        assert_eq!(r.has_header("www-authenticate"), on);
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_resource_token_without_person_token() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ResourceTokenWithoutPersonToken, on);
        let r = b
            .signed(
                "POST",
                "/authorize",
                &b.agent.agent_token,
                Some(json!({"scope": "data.read"})),
            )
            .await;
        if on {
            assert_eq!(r.status, 200, "{}", body_of(&r));
            assert!(r.body_json().expect("json")["resource_token"].is_string());
        } else {
            assert_eq!(r.status, 401);
            assert_eq!(
                requirement(&r).expect("challenge").requirement.as_str(),
                "person-token"
            );
        }
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_person_token_aud_ignored() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::PersonTokenAudIgnored, on);
        let pt = b.person_token("https://other.harness.test");
        let r = b
            .signed(
                "POST",
                "/authorize",
                &pt,
                Some(json!({"scope": "data.read"})),
            )
            .await;
        if on {
            assert_eq!(r.status, 200, "{}", body_of(&r));
        } else {
            assert_eq!(r.status, 400, "{}", body_of(&r));
            assert_eq!(
                r.body_json().expect("json")["error"],
                "invalid_person_token"
            );
        }
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_auth_token_aud_ignored() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::AuthTokenAudIgnored, on);
        let at = b.auth_token("https://other.harness.test", "data.read");
        let r = b.signed("GET", "/api/data", &at, None).await;
        assert_eq!(r.status, if on { 200 } else { 401 }, "{}", body_of(&r));
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_person_token_as_auth_token() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::PersonTokenAsAuthToken, on);
        let pt = b.person_token(TARGET);
        let r = b.signed("GET", "/api/data", &pt, None).await;
        if on {
            assert_eq!(r.status, 200, "{}", body_of(&r));
        } else {
            assert_eq!(r.status, 401);
            let req = requirement(&r).expect("challenge");
            assert_eq!(req.requirement.as_str(), "auth-token");
            assert!(req.resource_token.is_some());
        }
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_any_auth_token_issuer() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::AnyAuthTokenIssuer, on);
        let claims =
            b.world
                .auth_token_claims(Party::EvilPersonServer, &b.agent, TARGET, "data.read");
        let at = b.world.mint_from(
            Party::EvilPersonServer,
            TokenKind::Auth,
            &aauth_harness::jose::claims::TokenClaims::to_map(&claims),
            None,
        );
        let r = b.signed("GET", "/api/data", &at, None).await;
        assert_eq!(r.status, if on { 200 } else { 401 }, "{}", body_of(&r));
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_scope_not_enforced_and_forbidden_with_signature_error() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ScopeNotEnforced, on);
        let at = b.auth_token(TARGET, "data.read");
        let r = b
            .signed("POST", "/api/write", &at, Some(json!({"x": 1})))
            .await;
        assert_eq!(r.status, if on { 200 } else { 403 }, "{}", body_of(&r));
    }
    for on in [false, true] {
        b.target(Flaw::ForbiddenWithSignatureError, on);
        let at = b.auth_token(TARGET, "data.read");
        let r = b
            .signed("POST", "/api/write", &at, Some(json!({"x": 1})))
            .await;
        assert_eq!(r.status, 403, "{}", body_of(&r));
        assert_eq!(r.has_header("signature-error"), on);
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaws_in_issued_resource_tokens() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ResourceTokenMissingPresentedJti, on);
        let rt = b.resource_token().await;
        assert_eq!(rt.get("presented_jti").is_some(), !on, "{rt}");
    }
    for on in [false, true] {
        b.target(Flaw::ResourceTokenWrongAgentJkt, on);
        let rt = b.resource_token().await;
        assert_eq!(
            rt["agent_jkt"] == b.agent.thumbprint().as_str(),
            !on,
            "{rt}"
        );
    }
    for on in [false, true] {
        b.target(Flaw::ResourceTokenLongLived, on);
        let rt = b.resource_token().await;
        let life = rt["exp"].as_i64().expect("exp") - rt["iat"].as_i64().expect("iat");
        assert_eq!(life, if on { 3600 } else { 300 });
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_challenge_without_resource_token() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ChallengeWithoutResourceToken, on);
        let pt = b.person_token(TARGET);
        let r = b.signed("GET", "/api/data", &pt, None).await;
        assert_eq!(r.status, 401);
        let value = r.header("aauth-requirement").expect("header");
        assert_eq!(value.contains("resource-token="), !on, "{value}");
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_session_token_bearer() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::SessionTokenBearer, on);
        let at = b.auth_token(TARGET, "data.read");
        let r = b.signed("GET", "/api/data", &at, None).await;
        let session = r.header("aauth-access").expect("session");
        let unsigned = Bench::request("GET", "/api/data", None)
            .with_header("Authorization", format!("AAuth {session}"));
        let r = b.send(unsigned).await;
        assert_eq!(r.status, if on { 200 } else { 401 }, "{}", body_of(&r));
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_unknown_capability_rejected() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::UnknownCapabilityRejected, on);
        let request = Bench::request("GET", "/api/whoami", None)
            .with_header("AAuth-Capabilities", "zz;p=1, interaction");
        let r = b.signed_with(request, &b.agent.agent_token, None).await;
        assert_eq!(r.status, if on { 400 } else { 200 }, "{}", body_of(&r));
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flaw_error_body_plain_json() {
    let b = Bench::new(Profile::Aauth11).await;
    for on in [false, true] {
        b.target(Flaw::ErrorBodyPlainJson, on);
        let pt = b.person_token(TARGET);
        let r = b
            .signed("POST", "/authorize", &pt, Some(json!({"scope": "bogus"})))
            .await;
        assert_eq!(r.status, 400);
        let ct = r.header("content-type").unwrap_or_default();
        let body = r.body_json().expect("json");
        if on {
            assert_eq!(ct, "application/json");
            assert!(body.get("error_description").is_some());
        } else {
            assert_eq!(ct, "application/problem+json");
            assert!(body.get("detail").is_some());
        }
    }
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_resource_flaw_of_the_catalogue_has_a_test_here() {
    let tested = [
        Flaw::ChallengeViaWwwAuthenticate,
        Flaw::ResourceTokenWithoutPersonToken,
        Flaw::PersonTokenAudIgnored,
        Flaw::AuthTokenAudIgnored,
        Flaw::PersonTokenAsAuthToken,
        Flaw::AnyAuthTokenIssuer,
        Flaw::ScopeNotEnforced,
        Flaw::ResourceTokenMissingPresentedJti,
        Flaw::ResourceTokenWrongAgentJkt,
        Flaw::ResourceTokenLongLived,
        Flaw::ChallengeWithoutResourceToken,
        Flaw::SessionTokenBearer,
        Flaw::UnknownCapabilityRejected,
        Flaw::ErrorBodyPlainJson,
        Flaw::ForbiddenWithSignatureError,
        // The deferred-mode and window flaws have unit tests in role/resource/deferred.rs or
        // are probed by the suite (res.deferred.*, res.signature-window.honoured); the
        // mutation test proves each is caught.
        Flaw::DeferredHeadersMissing,
        Flaw::InteractionCodeShort,
        Flaw::PendingAnyAgent,
        Flaw::PendingNotGone,
        Flaw::SignatureWindowIgnored,
        Flaw::DeferredResultReExecuted,
        Flaw::DeferredResultForgotten,
    ];
    for flaw in Flaw::for_role(Role::Resource) {
        let resource_rule =
            flaw.requirement().starts_with("RES-") || flaw.requirement().starts_with("ERR-");
        if resource_rule {
            assert!(tested.contains(&flaw), "{} has no test", flaw.id());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issuer_revokes_an_auth_token_and_it_is_refused_afterwards() {
    let b = Bench::new(Profile::Aauth11).await;
    b.target(Flaw::ScopeNotEnforced, false);
    let at = b.auth_token(TARGET, "data.read");
    let claims = unverified_claims(&at).expect("claims");
    assert_eq!(b.signed("GET", "/api/data", &at, None).await.status, 200);
    let revoke = |iss: &Value, jti: &Value| {
        Bench::request("POST", "/revoke", Some(json!({"iss": iss, "jti": jti})))
    };
    let ctx = AauthSignContext::resource();
    // A PS nobody trusts, signing as itself: refused.
    let r = b
        .send(
            b.world
                .sign_as(
                    Party::EvilPersonServer,
                    revoke(&claims["iss"], &claims["jti"]),
                    &ctx,
                )
                .expect("signs"),
        )
        .await;
    assert_eq!(r.status, 403, "{}", body_of(&r));
    // Same jti under another issuer: unknown.
    let r = b
        .send(
            b.world
                .sign_as(
                    Party::PersonServer,
                    revoke(&json!("https://as.harness.test"), &claims["jti"]),
                    &ctx,
                )
                .expect("signs"),
        )
        .await;
    assert_eq!(r.status, 404, "{}", body_of(&r));
    // The issuer: revoked, twice is still fine.
    for _ in 0..2 {
        let r = b
            .send(
                b.world
                    .sign_as(
                        Party::PersonServer,
                        revoke(&claims["iss"], &claims["jti"]),
                        &ctx,
                    )
                    .expect("signs"),
            )
            .await;
        assert_eq!(r.status, 200, "{}", body_of(&r));
    }
    let r = b.signed("GET", "/api/data", &at, None).await;
    assert_eq!(r.status, 401, "{}", body_of(&r));
    assert_eq!(
        r.header("signature-error").as_deref(),
        Some("error=revoked_jwt")
    );
    b.world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_window_and_extra_components_are_enforced_and_followed_by_the_agent() {
    use aauth_harness::role::resource::ResourceOptions;
    let b = Bench::new(Profile::Aauth11).await;
    let options = ResourceOptions {
        signature_window: Some(10),
        additional_signature_components: vec!["@query".into()],
        ..ResourceOptions::default()
    };
    b.world
        .serve_resource_target(options, Flaws::none())
        .expect("served");
    let meta = b
        .send(Bench::request(
            "GET",
            "/.well-known/aauth-resource.json",
            None,
        ))
        .await
        .body_json()
        .expect("metadata");
    assert_eq!(meta["signature_window"], 10);
    assert_eq!(meta["additional_signature_components"], json!(["@query"]));
    // The base components alone no longer satisfy it.
    let r = b
        .signed("GET", "/api/whoami", &b.agent.agent_token, None)
        .await;
    assert_eq!(r.status, 401, "{}", body_of(&r));
    assert_eq!(
        r.header("signature-error")
            .as_deref()
            .map(|v| v.starts_with("error=invalid_input")),
        Some(true)
    );
    // The flow reads the metadata and covers @query, within the 10 s window.
    let result = b
        .world
        .flow(&b.agent)
        .call(TARGET, Bench::request("GET", "/api/data", None))
        .await;
    assert!(result.is_completed(), "{:?}", result.outcome);
    b.world.shutdown().await;
}
