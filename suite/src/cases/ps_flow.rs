//! The agent side of a person-server or access-server exchange, for cases that need more
//! than one signed request: endpoint discovery, person tokens from the target, resource
//! tokens minted as the World's resource, and redemption at the token endpoint.
//!
//! Everything here is the harness playing correct parties; a case changes one thing and
//! judges the target's answer.

use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::message::{Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{unverified_claims, HarnessAgent};
use aauth_harness::role::agent_provider::AgentTokenRequest;
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::{json, Map, Value};

use crate::context::CaseContext;
use crate::judge::describe;
use crate::outcome::{HarnessError, Outcome};
use crate::probe;

/// Distinguishes the resource tokens this module mints.
static MINTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Seconds a deliberately short-lived agent token lives (well under every server cap).
pub const SHORT_AGENT_LIFETIME: i64 = 600;

/// The path of endpoint `member` in the target's metadata document `dwk`.
pub async fn endpoint(ctx: &CaseContext, dwk: &str, member: &str) -> Result<String, HarnessError> {
    let metadata = probe::target_metadata(ctx, dwk).await?;
    let url = metadata
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            HarnessError::Unsupported(format!("the target's metadata has no {member}"))
        })?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| HarnessError::Unsupported(format!("{member} is not an https URL")))?;
    Ok(rest
        .find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_else(|| "/".into()))
}

/// The PS endpoint an agent redeems resource tokens at under the run's profile.
pub async fn ps_token_path(ctx: &CaseContext) -> Result<String, HarnessError> {
    let member = if ctx.profile() == Profile::Aauth11 {
        "auth_token_endpoint"
    } else {
        "token_endpoint"
    };
    endpoint(ctx, "aauth-person.json", member).await
}

/// POSTs `body` as JSON to `path` at the target, signed by `agent` presenting `token`.
pub async fn post_as_agent(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    token: &str,
    path: &str,
    body: &Value,
) -> Result<Response, HarnessError> {
    let request = ctx
        .request("POST", path)
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string());
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
    let signed = agent
        .sign(request, token, &sign_ctx, ctx.now())
        .map_err(|e| HarnessError::Config(format!("cannot sign: {e}")))?;
    ctx.send(&signed).await
}

/// Sends `method` to `path` at the target as `agent` (presenting its agent token), with a
/// JSON body when given: polls, cancellations and posts to pending URLs.
pub async fn send_as_agent(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Response, HarnessError> {
    let mut request = ctx.request(method, path);
    if let Some(body) = body {
        request = request
            .with_header("Content-Type", "application/json")
            .with_body(body.to_string());
    }
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
    let signed = agent
        .sign(request, &agent.agent_token, &sign_ctx, ctx.now())
        .map_err(|e| HarnessError::Config(format!("cannot sign: {e}")))?;
    ctx.send(&signed).await
}

/// Adds the target's `login_hint` and `tenant` knobs to a first request's body.
pub fn with_hints(ctx: &CaseContext, mut body: Value) -> Value {
    if let Some(hint) = &ctx.target.person_server.login_hint {
        body["login_hint"] = json!(hint);
    }
    if let Some(tenant) = &ctx.target.person_server.tenant {
        body["tenant"] = json!(tenant);
    }
    body
}

/// Asks the target's `person_token_endpoint` for a person token for `agent` at the World's
/// resource (-11), with `extra` members merged into the body.
pub async fn request_person_token(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    extra: &Value,
) -> Result<Response, HarnessError> {
    let path = endpoint(ctx, "aauth-person.json", "person_token_endpoint").await?;
    approve_first(ctx, agent).await?;
    let mut body = with_hints(ctx, json!({ "resource": Party::Resource.identifier() }));
    if let (Some(map), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await
}

/// A string member of a JSON response body.
pub fn body_member(response: &Response, name: &str) -> Option<String> {
    response
        .body_json()?
        .get(name)?
        .as_str()
        .map(str::to_string)
}

/// The skip a case reports when a step the harness needs as a precondition was refused.
pub fn precondition_skip(step: &str, response: &Response) -> Outcome {
    Outcome::Skip(format!(
        "precondition failed: {step} was refused ({})",
        describe(response)
    ))
}

/// A person token the target issued to `agent`, or the outcome to report when it would not.
pub async fn person_token(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    extra: &Value,
) -> Result<Result<String, Outcome>, HarnessError> {
    let response = request_person_token(ctx, agent, extra).await?;
    Ok(match body_member(&response, "person_token") {
        Some(token) if response.status == 200 => Ok(token),
        _ => Err(precondition_skip(
            "the person token request of a fresh agent",
            &response,
        )),
    })
}

/// The resource-token claims a correct resource writes for `agent` redeeming at the target
/// PS, citing `person_token` under -11 (`ps`, `sub`, `presented_jti`, `mission_s256`,
/// `tenant` copied) or naming the agent under -10.
pub fn resource_claims(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    person_token: Option<&str>,
    scope: &str,
) -> ResourceClaims {
    let now = ctx.now();
    let n = MINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let jti = format!("rt-case-{n}-{now}");
    let claims = ResourceClaims::new(
        &Party::Resource.identifier(),
        &ctx.target.identifier,
        &jti,
        &agent.public_key(),
        scope,
        now,
        now.saturating_add(300),
    );
    match person_token.and_then(unverified_claims) {
        Some(pt) => {
            let text = |n: &str| pt.get(n).and_then(Value::as_str).map(str::to_string);
            let mut c = claims.for_person(
                &text("iss").unwrap_or_default(),
                &text("sub").unwrap_or_default(),
                &text("jti").unwrap_or_default(),
            );
            c.mission_s256 = text("mission_s256");
            c.tenant = text("tenant");
            c
        }
        None => claims.for_agent(&agent.id),
    }
}

/// Signs resource-token claims as the World's resource.
pub fn mint_resource_token(ctx: &CaseContext, claims: &Map<String, Value>) -> String {
    ctx.world
        .mint_from(Party::Resource, TokenKind::Resource, claims, None)
}

/// Everything needed to redeem at the target PS: a valid resource token for `agent`
/// (under -11 citing a person token the target issued), as claims to vary.
pub async fn redeemable(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    extra: &Value,
    scope: &str,
) -> Result<Result<ResourceClaims, Outcome>, HarnessError> {
    if ctx.profile() == Profile::Aauth11 {
        let token = match person_token(ctx, agent, extra).await? {
            Ok(t) => t,
            Err(o) => return Ok(Err(o)),
        };
        Ok(Ok(resource_claims(ctx, agent, Some(&token), scope)))
    } else {
        Ok(Ok(resource_claims(ctx, agent, None, scope)))
    }
}

/// Redeems `resource_token` at the target PS's token endpoint as `agent`.
pub async fn redeem(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    resource_token: &str,
) -> Result<Response, HarnessError> {
    let path = ps_token_path(ctx).await?;
    approve_first(ctx, agent).await?;
    let body = with_hints(ctx, json!({ "resource_token": resource_token }));
    post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await
}

/// These flows need the person to agree: say so through the person hook when the target
/// declares one, rather than counting on the target approving by default. A hook that
/// refuses is reported as unsupported (the flow itself then shows what the target does).
pub async fn approve_first(ctx: &CaseContext, agent: &HarnessAgent) -> Result<(), HarnessError> {
    match crate::person_hook::approve_if_hooked(ctx, &agent.id).await? {
        Ok(()) => Ok(()),
        Err(outcome) => Err(HarnessError::Unsupported(format!(
            "cannot script the person through the hook: {outcome:?}"
        ))),
    }
}

/// Redeems claims `rt` (minted as the World's resource) as `agent`.
pub async fn redeem_claims(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    rt: &ResourceClaims,
) -> Result<Response, HarnessError> {
    let token = mint_resource_token(ctx, &rt.to_map());
    redeem(ctx, agent, &token).await
}

/// A fresh agent whose agent token lives only [`SHORT_AGENT_LIFETIME`] seconds.
pub fn short_lived_agent(ctx: &CaseContext) -> HarnessAgent {
    let base = ctx.agent();
    let ap = ctx.world.ap();
    let request = AgentTokenRequest {
        lifetime: SHORT_AGENT_LIFETIME,
        ps: base.ps.clone(),
        ..ap.request(base.local(), &base.public_key())
    };
    let minted = ap.mint(&request);
    HarnessAgent::new(&minted.claims.sub, base.key.clone(), &minted.token)
        .with_ps(minted.claims.ps.as_deref())
}

/// A fresh sub-agent of `parent`: its own key, an agent token naming `parent` as
/// `parent_agent`.
pub fn sub_agent(ctx: &CaseContext, parent: &HarnessAgent) -> HarnessAgent {
    let base = ctx.agent();
    let ap = ctx.world.ap();
    let request = AgentTokenRequest {
        parent_agent: Some(parent.id.clone()),
        ps: parent.ps.clone().or(base.ps.clone()),
        ..ap.request(&format!("{}-sub", base.local()), &base.public_key())
    };
    let minted = ap.mint(&request);
    HarnessAgent::new(&minted.claims.sub, base.key.clone(), &minted.token)
        .with_ps(minted.claims.ps.as_deref())
}

/// The RFC 7638 thumbprint of a compact JWT's `cnf.jwk` (unverified): which key the
/// token was bound to, comparable with [`HarnessAgent::thumbprint`].
pub fn cnf_thumbprint(token: &str) -> Option<String> {
    let jwk = unverified_claims(token)?.get("cnf")?.get("jwk")?.clone();
    let jwk = aauth_harness::jose::jwk::Jwk::from_value(jwk).ok()?;
    aauth_harness::jose::thumbprint::jwk_thumbprint(&jwk).ok()
}

/// A string claim of a compact JWT (unverified).
pub fn text_claim(token: &str, name: &str) -> Option<String> {
    unverified_claims(token)?
        .get(name)?
        .as_str()
        .map(str::to_string)
}

/// A numeric claim of a compact JWT (unverified).
pub fn numeric_claim(token: &str, name: &str) -> Option<i64> {
    unverified_claims(token)?.get(name)?.as_i64()
}

/// The `exp` of `agent`'s own agent token.
pub fn agent_exp(agent: &HarnessAgent) -> Option<i64> {
    numeric_claim(&agent.agent_token, "exp")
}

/// Checks an issued token's lifetime: `exp` no later than `cap`; a failure blames `role`.
pub fn exp_within(token: &str, cap: i64, what: &str, role: Role) -> Outcome {
    match numeric_claim(token, "exp") {
        Some(exp) if exp <= cap => Outcome::Pass,
        Some(exp) => crate::cases::ps_flow::fail(
            role,
            format!("{what} expires at {exp}, after the latest allowed {cap}"),
        ),
        None => crate::cases::ps_flow::fail(role, format!("{what} has no numeric exp")),
    }
}

/// A failure blamed on `role` with a free-text reason.
pub fn fail(role: Role, reason: String) -> Outcome {
    Outcome::Fail(crate::outcome::Failure::new(
        role,
        crate::outcome::Mismatch::Other(reason),
    ))
}

/// Unwraps a nested precondition: `Ok(Ok(v))` gives `v`, anything else returns the outcome
/// from the enclosing case body.
#[macro_export]
macro_rules! step {
    ($e:expr) => {
        match $e {
            Ok(Ok(v)) => v,
            Ok(Err(outcome)) => return outcome,
            Err(e) => return $crate::outcome::Outcome::Error(e),
        }
    };
}

/// Unwraps a harness step: `Ok(v)` gives `v`, an error ends the case as `Error`.
#[macro_export]
macro_rules! attempt {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $crate::outcome::Outcome::Error(e),
        }
    };
}

/// A request whose body is replaced (the probe's signing spec kept), for AS cases.
pub fn with_body(mut probe: probe::Probe, body: &Value) -> probe::Probe {
    let request: Request = probe.request.clone().with_body(body.to_string());
    probe.request = request.clone();
    probe.spec.request = request;
    probe
}
