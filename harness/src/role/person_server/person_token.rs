//! `person_token_endpoint` (-11, AAuth "Person Token Endpoint"): an agent asks for a token
//! that names its person to one resource.
//!
//! Order of checks: the agent's request ([`super::caller`]); the body is a JSON object;
//! `resource` is a server identifier (PS-003; the `ps-resource-not-validated` flaw only asks
//! that it parse as a URL); `mission_s256` is well formed, exists, belongs to this agent and
//! is active (PS-004: unknown and foreign missions get the same `400 invalid_request`, a
//! terminated one `403 mission_terminated`; the `ps-terminated-mission-usable` flaw forgets
//! the state); `subagent_token` names the signer as parent (PS-007); `upstream_token` is a
//! verified auth token addressed to the caller's issuer, from a trusted issuer, for a
//! person this PS knows (PS-008, PS-023, see [`upstream_person`]). Then the person decides.
//!
//! The token: `typ` `aa-person+jwt`, `aud` = `resource`, a directed `sub` per resource
//! (never the upstream token's, PS-022: the `ps-upstream-sub-copied` flaw carries it),
//! `cnf.jwk` = the requester's key (the sub-agent's under `subagent_token`), `exp` at most
//! an hour, never after the presenting agent token's `exp` (the `ps-person-token-uncapped`
//! flaw drops this cap) nor the mission's `expires_at`, and no `scope` (the
//! `ps-person-token-with-scope` flaw adds one). One agent may name at most
//! [`MAX_RESOURCES_PER_AGENT`] distinct resources (PS-010). Every issued token is recorded for
//! `presented_jti` resolution, and the record outlives the token.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::jose::claims::{AuthClaims, PersonClaims, TokenClaims, TokenKind};
use crate::jose::jws;
use crate::jose::validate::Expected;
use crate::jose::PublicKey;
use crate::message::{Request, Response};
use crate::role::endpoint::{
    invalid_request, json_ok, new_jti, refuse, server_error, validate_body_token, JsonBody, Reply,
};
use crate::role::flaw::Flaw;
use crate::wire::identifier::{validate_s256, validate_server_identifier};
use crate::wire::metadata::{well_known_url, RESOURCE_DWK};
use crate::wire::problem::{ErrorCode, Problem};

use super::caller::{self, Caller};
use super::deferred::{with_approval, Job};
use super::mission_store::MissionStatus;
use super::records::PersonTokenRecord;
use super::Ps;

/// Seconds a person token may live at most.
pub const MAX_LIFETIME: i64 = 3600;

/// Distinct resources one agent may obtain person tokens for (PS-010).
pub const MAX_RESOURCES_PER_AGENT: usize = 16;

/// How long the PS spends looking at a resource's metadata before issuing anyway.
pub const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `POST /person`.
pub(crate) async fn handle(ps: &Arc<Ps>, request: &Request) -> Response {
    flow(ps, request).await.unwrap_or_else(|r| r)
}

/// Everything a person token is issued from, once the request passed its checks.
#[derive(Clone, Debug)]
pub(crate) struct PersonGrant {
    /// The resource (`aud`).
    pub resource: String,
    /// The mission named, with its `expires_at`.
    pub mission: Option<(String, Option<i64>)>,
    /// The person.
    pub person: String,
    /// The key to bind (`cnf.jwk`).
    pub key: PublicKey,
    /// The latest expiry the token may have (presenting agent tokens).
    pub agent_exp: i64,
    /// The `sub` of the `upstream_token` of a chained request, which the issued token must
    /// not carry (see [`downstream_sub`]).
    pub upstream_sub: Option<String>,
}

async fn flow(ps: &Arc<Ps>, request: &Request) -> Reply {
    let caller = caller::authenticate(ps, request).await?;
    let body = JsonBody::parse(request)?;
    let resource = body.req_str("resource")?;
    check_resource(ps, resource)?;
    within_fanout(ps, caller.id(), resource)?;
    let mission = match body.opt_str("mission_s256")? {
        Some(s256) => Some((s256.to_string(), usable_mission(ps, caller.id(), s256)?)),
        None => None,
    };
    let mut key = caller.key.clone();
    let mut agent_exp = caller.agent.exp;
    if let Some(token) = body.opt_str("subagent_token")? {
        let sub = caller::subagent(ps, &caller, token).await?;
        key = sub.key;
        agent_exp = agent_exp.min(sub.agent.exp);
    }
    let (person, upstream_sub) = match body.opt_str("upstream_token")? {
        Some(token) => {
            let upstream = upstream_person(ps, &caller, token).await?;
            (upstream.person, upstream.sub)
        }
        None => (caller.person.clone(), None),
    };
    let grant = PersonGrant {
        resource: resource.to_string(),
        mission,
        person,
        key,
        agent_exp,
        upstream_sub,
    };
    learn_resource(ps, &grant.resource).await;
    let job = Job::new(Box::new(move |ps: Arc<Ps>, _| {
        Box::pin(async move { issue_response(&ps, &grant) })
    }));
    Ok(with_approval(ps, caller.id(), job).await)
}

/// PS-003: `resource` must be a server identifier. The `ps-resource-not-validated` flaw
/// settles for anything a URL parser takes.
fn check_resource(ps: &Ps, resource: &str) -> Result<(), Response> {
    if ps.has(Flaw::PsResourceNotValidated) {
        return url::Url::parse(resource)
            .map(|_| ())
            .map_err(|e| invalid_request(format!("resource is not a URL: {e}")));
    }
    validate_server_identifier(resource)
        .map_err(|f| invalid_request(format!("resource is not a server identifier: {f}")))
}

/// PS-010: one agent may name at most [`MAX_RESOURCES_PER_AGENT`] distinct resources (each
/// costs a retained directed `sub`); the next new one is refused with `429`. The
/// `ps-resource-fanout-unlimited` flaw never refuses.
fn within_fanout(ps: &Ps, agent: &str, resource: &str) -> Result<(), Response> {
    if ps.has(Flaw::PsResourceFanoutUnlimited) {
        return Ok(());
    }
    let mut state = ps.state();
    let seen = state
        .resources_by_agent
        .entry(agent.to_string())
        .or_default();
    if seen.contains(resource) {
        return Ok(());
    }
    if seen.len() >= MAX_RESOURCES_PER_AGENT {
        return Err(refuse(
            429,
            ErrorCode::new("too_many_resources"),
            "this agent has asked for person tokens at too many distinct resources",
        ));
    }
    seen.insert(resource.to_string());
    Ok(())
}

/// PS-004: the mission named at the person-token endpoint exists, is this agent's, and is
/// active; returns its `expires_at`.
pub(crate) fn usable_mission(ps: &Ps, agent: &str, s256: &str) -> Result<Option<i64>, Response> {
    validate_s256(s256).map_err(|f| invalid_request(format!("mission_s256 is malformed: {f}")))?;
    let now = ps.now();
    let mut state = ps.state();
    let Some(mission) = state.missions.owned_by(agent, s256) else {
        return Err(invalid_request("no such mission for this agent"));
    };
    let expires_at = mission.expires_at;
    if ps.has(Flaw::PsTerminatedMissionUsable) {
        return Ok(expires_at);
    }
    // `ps-mission-expiry-unchecked` reads the stored state without comparing the clock.
    let status = if ps.has(Flaw::PsMissionExpiryUnchecked) {
        &mission.status
    } else {
        mission.status_at(now)
    };
    match status {
        MissionStatus::Active => Ok(expires_at),
        MissionStatus::Terminated(reason) => {
            Err(Problem::mission_terminated(Some(reason.clone())).to_response(403))
        }
    }
}

/// What an accepted `upstream_token` establishes.
#[derive(Clone, Debug)]
pub(crate) struct Upstream {
    /// The person it was issued for.
    pub person: String,
    /// Its directed `sub`: meaningful only at the upstream resource, never to be carried
    /// downstream (PS-022) except by the `ps-upstream-sub-copied` flaw.
    pub sub: Option<String>,
}

/// The person an `upstream_token` was issued for (call chaining, PS-008/PS-023), in the
/// order of AAuth "Upstream Token Verification": a valid auth token (`typ`, `dwk`,
/// signature, `exp`/`iat`; the `ps-upstream-unverified` flaw only decodes it), addressed to
/// the intermediary, i.e. `aud` = the `iss` of the caller's agent token
/// (`ps-upstream-aud-unchecked` skips this), issued by this PS or an access server it
/// federates with (`ps-upstream-issuer-untrusted` takes any issuer whose keys it can
/// find), and naming (-11: `ps` = this PS) a subject this PS issued. The
/// `ps-upstream-person-fallback` flaw skips the last step and issues for the caller's own
/// person. The upstream token's `cnf` is the original agent's key, not the intermediary's,
/// so it is not compared with the signer (see the module notes of the call-chaining cases).
pub(crate) async fn upstream_person(
    ps: &Ps,
    caller: &Caller,
    token: &str,
) -> Result<Upstream, Response> {
    let refused = |detail: &str| {
        refuse(
            400,
            ErrorCode::INVALID_REQUEST,
            format!("upstream_token: {detail}"),
        )
    };
    let claims: AuthClaims = if ps.has(Flaw::PsUpstreamUnverified) {
        jws::decode(token)
            .ok()
            .and_then(|d| d.payload_object().ok())
            .and_then(|map| AuthClaims::from_map(map).ok())
            .ok_or_else(|| refused("not a decodable auth token"))?
    } else {
        let expected = Expected::new(ps.cfg.profile, ps.now());
        let valid = validate_body_token(TokenKind::Auth, token, &expected, ps.cfg.keys.as_ref())
            .await
            .map_err(|f| refused(&f.to_string()))?;
        valid.typed().map_err(|f| refused(&f.to_string()))?
    };
    if !ps.has(Flaw::PsUpstreamAudUnchecked) && claims.aud != caller.agent.iss {
        return Err(refused(
            "aud is not the issuer of the requesting agent's token: it was issued to someone else",
        ));
    }
    let trusted_issuer =
        claims.iss == ps.cfg.identifier || ps.cfg.trusted_access_servers.contains(&claims.iss);
    if !trusted_issuer && !ps.has(Flaw::PsUpstreamIssuerUntrusted) {
        return Err(refused("issued by a server this PS does not trust"));
    }
    if ps.has(Flaw::PsUpstreamPersonFallback) {
        return Ok(Upstream {
            person: caller.person.clone(),
            sub: claims.sub,
        });
    }
    if ps.p11() && claims.ps.as_deref() != Some(ps.id()) {
        return Err(refused("issued for another person server's person"));
    }
    let sub = claims
        .sub
        .as_deref()
        .ok_or_else(|| refused("no sub to find the person by"))?;
    let person = ps
        .state()
        .records
        .person_of(sub)
        .map(str::to_string)
        .ok_or_else(|| refused("names a person this PS never identified"))?;
    Ok(Upstream {
        person,
        sub: claims.sub.clone(),
    })
}

/// The directed `sub` of `person` at `resource` (PS-022): always this PS's own value for
/// that resource, even in a chained request, where `upstream_sub` (the upstream token's
/// `sub`, directed at the intermediary) is what the `ps-upstream-sub-copied` flaw carries
/// forward instead.
pub(crate) fn downstream_sub(
    ps: &Ps,
    person: &str,
    resource: &str,
    key: &PublicKey,
    upstream_sub: Option<&str>,
) -> String {
    match upstream_sub {
        Some(sub) if ps.has(Flaw::PsUpstreamSubCopied) => sub.to_string(),
        _ => ps.directed_sub_for(person, resource, key),
    }
}

/// PS-010: look at a resource's metadata before first issuing for it (what a consent
/// screen would show). Best effort: the answer never blocks issuance. The
/// `ps-resource-metadata-skipped` flaw never looks.
async fn learn_resource(ps: &Ps, resource: &str) {
    if ps.has(Flaw::PsResourceMetadataSkipped) {
        return;
    }
    let first = ps.state().seen_resources.insert(resource.to_string());
    if first && validate_server_identifier(resource).is_ok() {
        let url = well_known_url(resource, RESOURCE_DWK);
        let _ = tokio::time::timeout(LOOKUP_TIMEOUT, ps.cfg.http.get(&url)).await;
    }
}

/// Sign and record a person token.
pub(crate) fn issue(ps: &Ps, grant: &PersonGrant) -> Result<(String, i64), Response> {
    let now = ps.now();
    let sub = downstream_sub(
        ps,
        &grant.person,
        &grant.resource,
        &grant.key,
        grant.upstream_sub.as_deref(),
    );
    let mut exp = now.saturating_add(MAX_LIFETIME);
    if !ps.has(Flaw::PsPersonTokenUncapped) {
        exp = exp.min(grant.agent_exp);
    }
    if let Some(limit) = grant.mission.as_ref().and_then(|(_, e)| *e) {
        exp = exp.min(limit);
    }
    let jti = new_jti("pt");
    let tenant = ps.cfg.people.tenant_of(&grant.person).map(str::to_string);
    let mut claims = PersonClaims::new(
        &ps.cfg.identifier,
        &grant.resource,
        &sub,
        &jti,
        &grant.key,
        now,
        exp,
    );
    claims.mission_s256 = grant.mission.as_ref().map(|(s, _)| s.clone());
    claims.tenant = tenant.clone();
    let token = if ps.has(Flaw::PsPersonTokenWithScope) {
        let mut map = claims.to_map();
        map.insert("scope".into(), Value::String("openid profile".into()));
        ps.issuer
            .sign_unchecked(&ps.issuer.header(TokenKind::Person), &map)
    } else {
        ps.issuer
            .issue(&claims)
            .map_err(|e| server_error(format!("cannot build the person token: {e}")))?
    };
    ps.state().records.keep_person_token(PersonTokenRecord {
        jti,
        ps: ps.cfg.identifier.clone(),
        sub,
        mission_s256: claims.mission_s256.clone(),
        tenant,
        exp,
        resource: grant.resource.clone(),
        person: grant.person.clone(),
    });
    Ok((token, exp - now))
}

fn issue_response(ps: &Ps, grant: &PersonGrant) -> Response {
    match issue(ps, grant) {
        Ok((token, expires_in)) => json_ok(json!({
            "person_token": token,
            "expires_in": expires_in,
        })),
        Err(r) => r,
    }
}
