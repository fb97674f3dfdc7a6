//! Shared set-up for the PS and AS role tests: an [`IssuerHost`] serving an agent
//! provider and a resource (both as plain metadata + JWKS), the reference PS and,
//! optionally, the reference AS, all on one fixed clock; and a minimal agent built from
//! `TokenIssuer` and `sign_aauth`.
#![allow(dead_code)]

use std::sync::Arc;

use aauth_harness::clock::Clock;
use aauth_harness::host::{HostConfig, IssuerHost};
use aauth_harness::httpsig::sign::{sign_aauth, AauthSignContext};
use aauth_harness::jose::claims::{
    AgentClaims, PersonClaims, ResourceClaims, TokenClaims, TokenIssuer, TokenKind,
};
use aauth_harness::jose::jws;
use aauth_harness::jose::{Alg, PublicKey, SigningKey};
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::access_server::{AccessPolicy, AccessServer, AccessServerConfig};
use aauth_harness::role::approver::{ApprovalPolicy, Approver};
use aauth_harness::role::flaw::Flaws;
use aauth_harness::role::person_server::{PersonServer, PersonServerConfig};
use aauth_harness::role::Role;
use aauth_harness::verify::Discovery;
use aauth_harness::wire::metadata::{AGENT_DWK, RESOURCE_DWK};
use serde_json::{json, Map, Value};

/// The fixed clock's start.
pub const NOW: i64 = 1_730_217_600;

/// What a test world holds.
#[derive(Clone, Debug)]
pub struct Options {
    pub profile: Profile,
    pub ps_flaws: Flaws,
    pub as_flaws: Flaws,
    pub with_as: bool,
    pub approval: ApprovalPolicy,
    pub policy: AccessPolicy,
    pub mission_lifetime: Option<i64>,
    /// Agent providers the PS trusts besides the harness AP.
    pub more_agent_providers: Vec<String>,
}

impl Options {
    pub fn new(profile: Profile) -> Self {
        Options {
            profile,
            ps_flaws: Flaws::none(),
            as_flaws: Flaws::none(),
            with_as: false,
            approval: ApprovalPolicy::AutoApprove,
            policy: AccessPolicy::default(),
            mission_lifetime: None,
            more_agent_providers: Vec::new(),
        }
    }
}

/// An agent: its key, identifier and agent token.
#[derive(Clone, Debug)]
pub struct Agent {
    pub key: SigningKey,
    pub sub: String,
    pub token: String,
}

pub struct World {
    pub host: IssuerHost,
    pub clock: Clock,
    pub profile: Profile,
    pub ap: TokenIssuer,
    pub ap_id: String,
    pub resource: TokenIssuer,
    pub resource_id: String,
    pub ps: PersonServer,
    pub ps_id: String,
    pub access: Option<AccessServer>,
    pub as_id: String,
    pub keys: Arc<Discovery>,
}

/// Serve `name` as a bare issuer: metadata naming its JWKS, and the JWKS.
pub fn serve_issuer(host: &IssuerHost, name: &str, dwk: &str, issuer: &TokenIssuer) -> String {
    let id = format!("https://{name}.harness.test");
    let metadata = json!({ "issuer": id, "jwks_uri": format!("{id}/.well-known/jwks.json") });
    let metadata_path = format!("/.well-known/{dwk}");
    let jwks: Value = serde_json::from_str(&issuer.jwks().to_json()).expect("jwks json");
    host.serve(name, move |r: Request| {
        let body = if r.path == metadata_path {
            Some(metadata.clone())
        } else if r.path == "/.well-known/jwks.json" {
            Some(jwks.clone())
        } else {
            None
        };
        async move {
            match body {
                Some(b) => Response::json(200, "application/json", &b),
                None => Response::new(404),
            }
        }
    })
    .expect("serve issuer")
}

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&Alg::ED25519, [seed; 32]).expect("ed25519")
}

impl World {
    pub async fn start(options: Options) -> World {
        let host = IssuerHost::start(HostConfig::default())
            .await
            .expect("issuer host");
        let clock = Clock::fixed(NOW);
        let profile = options.profile;
        let ap = TokenIssuer::new(key(1), "ap-1", profile);
        let ap_id = serve_issuer(&host, "ap", AGENT_DWK, &ap);
        let resource = TokenIssuer::new(key(2), "res-1", profile);
        let resource_id = serve_issuer(&host, "resource", RESOURCE_DWK, &resource);
        let keys = Arc::new(Discovery::new(host.client(), clock.clone()));
        let ps_id = "https://ps.harness.test".to_string();
        let as_id = "https://as.harness.test".to_string();
        let mut ps_config = PersonServerConfig::new(&ps_id, profile, keys.clone(), host.client())
            .with_clock(clock.clone())
            .with_flaws(options.ps_flaws.clone())
            .trust_agent_provider(&ap_id)
            .trust_access_server(&as_id)
            .with_approver(Approver::new(options.approval));
        for ap in &options.more_agent_providers {
            ps_config = ps_config.trust_agent_provider(ap);
        }
        if let Some(l) = options.mission_lifetime {
            ps_config = ps_config.with_mission_lifetime(l);
        }
        let ps = PersonServer::new(ps_config).expect("ps");
        host.serve("ps", ps.clone()).expect("serve ps");
        let access = if options.with_as {
            let config = AccessServerConfig::new(&as_id, profile, keys.clone(), host.client())
                .with_clock(clock.clone())
                .with_flaws(options.as_flaws.clone())
                .trust_person_server(&ps_id)
                .with_policy(options.policy.clone());
            let access = AccessServer::new(config).expect("as");
            host.serve("as", access.clone()).expect("serve as");
            Some(access)
        } else {
            None
        };
        World {
            host,
            clock,
            profile,
            ap,
            ap_id,
            resource,
            resource_id,
            ps,
            ps_id,
            access,
            as_id,
            keys,
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// An agent of the harness AP, token valid for an hour.
    pub fn agent(&self, name: &str, seed: u8) -> Agent {
        self.agent_with(name, seed, self.now() + 3600, None)
    }

    pub fn agent_with(&self, name: &str, seed: u8, exp: i64, parent: Option<&str>) -> Agent {
        let key = key(seed);
        let sub = format!("aauth:{name}@ap.harness.test");
        let mut claims = AgentClaims::new(
            self.profile,
            &self.ap_id,
            &sub,
            &format!("agt-{name}-{seed}"),
            &key.public_key(),
            self.now(),
            exp,
        );
        claims.ps = Some(self.ps_id.clone());
        claims.parent_agent = parent.map(str::to_string);
        let token = self.ap.issue(&claims).expect("agent token");
        Agent { key, sub, token }
    }

    /// A signed request from `agent` to `url` (`https://<name>.harness.test/path`).
    pub fn signed(&self, agent: &Agent, method: &str, url: &str, body: Option<&Value>) -> Request {
        let rest = url.strip_prefix("https://").expect("https url");
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut request = Request::new(method, "https", authority, path);
        if let Some(b) = body {
            request.set_header("Content-Type", "application/json");
            request.body = b.to_string().into();
        }
        sign_aauth(
            &mut request,
            &agent.key,
            "sig",
            &format!("jwt;jwt=\"{}\"", agent.token),
            self.now(),
            &AauthSignContext::for_role(self.profile, Role::PersonServer),
        )
        .expect("sign");
        request
    }

    pub async fn send(&self, request: &Request) -> Response {
        self.host
            .client()
            .send_routed(request)
            .await
            .expect("transport")
    }

    /// POST JSON to a PS path as `agent`.
    pub async fn post(&self, agent: &Agent, path: &str, body: Value) -> Response {
        let url = format!("{}{path}", self.ps_id);
        self.send(&self.signed(agent, "POST", &url, Some(&body)))
            .await
    }

    /// Any method to an absolute URL as `agent`, no body.
    pub async fn call(&self, agent: &Agent, method: &str, url: &str) -> Response {
        self.send(&self.signed(agent, method, url, None)).await
    }

    /// A person token for `resource` (-11), with its claims.
    pub async fn person_token(
        &self,
        agent: &Agent,
        resource: &str,
        mission: Option<&str>,
    ) -> (String, PersonClaims) {
        let mut body = json!({ "resource": resource });
        if let Some(m) = mission {
            body["mission_s256"] = m.into();
        }
        let r = self.post(agent, "/person", body).await;
        assert_eq!(r.status, 200, "person token: {}", text(&r));
        let token = r.body_json().expect("json")["person_token"]
            .as_str()
            .expect("person_token")
            .to_string();
        let claims: PersonClaims = PersonClaims::from_map(claims_of(&token)).expect("claims");
        (token, claims)
    }

    /// The resource token the harness resource would issue after verifying `person`.
    pub fn resource_claims(
        &self,
        agent_key: &PublicKey,
        aud: &str,
        scope: &str,
        person: Option<&PersonClaims>,
        agent: Option<&str>,
    ) -> ResourceClaims {
        let now = self.now();
        let mut rt = ResourceClaims::new(
            &self.resource_id,
            aud,
            &format!("rt-{now}-{}", rand_suffix()),
            agent_key,
            scope,
            now,
            now + 300,
        );
        if let Some(p) = person {
            rt = rt.for_person(&p.iss, &p.sub, &p.jti);
            rt.mission_s256 = p.mission_s256.clone();
            rt.tenant = p.tenant.clone();
        }
        if let Some(a) = agent {
            rt = rt.for_agent(a);
        }
        rt
    }

    /// Sign resource-token claims as the harness resource, unchecked (so tests can break
    /// them).
    pub fn mint_resource(&self, claims: &ResourceClaims) -> String {
        self.resource
            .sign_unchecked(&self.resource.header(TokenKind::Resource), &claims.to_map())
    }

    /// Agent → person token → resource token (aud) → PS token endpoint.
    pub async fn auth_token_response(&self, agent: &Agent, aud: &str, scope: &str) -> Response {
        let rt = if self.profile.has_person_tokens() {
            let (_, pc) = self.person_token(agent, &self.resource_id, None).await;
            self.resource_claims(&agent.key.public_key(), aud, scope, Some(&pc), None)
        } else {
            self.resource_claims(&agent.key.public_key(), aud, scope, None, Some(&agent.sub))
        };
        let token = self.mint_resource(&rt);
        self.post(agent, "/token", json!({ "resource_token": token }))
            .await
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::SeqCst)
}

/// A token's claims, unverified.
pub fn claims_of(token: &str) -> Map<String, Value> {
    jws::decode(token)
        .expect("jws")
        .payload_object()
        .expect("claims")
}

/// A token's header `typ`.
pub fn typ_of(token: &str) -> String {
    jws::decode(token)
        .expect("jws")
        .header()
        .typ()
        .unwrap_or_default()
        .to_string()
}

/// The body as text, for assertion messages.
pub fn text(r: &Response) -> String {
    format!(
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
            .chars()
            .take(400)
            .collect::<String>()
    )
}

/// The problem `error` of a response.
pub fn error_of(r: &Response) -> String {
    r.body_json()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default()
}

/// A token string member of a 200 body.
pub fn token_in(r: &Response, member: &str) -> String {
    assert_eq!(r.status, 200, "expected 200: {}", text(r));
    r.body_json().expect("json")[member]
        .as_str()
        .expect("token member")
        .to_string()
}
