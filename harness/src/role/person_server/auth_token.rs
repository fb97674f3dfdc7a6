//! `auth_token_endpoint` (-11) / `token_endpoint` (-10): an agent hands in a resource token
//! and gets an auth token, issued here (three-party, `aud` = this PS) or obtained from the
//! access server the token names (four-party, see [`super::federation`]).
//!
//! Resource-token checks, in the order of AAuth "Resource Token Verification" (PS-011 to
//! PS-013), each answered with `400 invalid_resource_token` / `expired_resource_token`
//! unless noted:
//!
//! 1. `typ`, `dwk`, the resource's JWKS via its metadata, `exp`/`iat`, required claims;
//! 2. `aud` is this PS, or an access server it federates with. The
//!    `ps-resource-token-aud-ignored` flaw issues for any other `aud` as if it were its own.
//!    An `interaction.url` must be https (PS-024); the scripted person then completes the
//!    resource's own flow without a browser;
//! 3. `agent_jkt` is the thumbprint of the signing key, or of `subagent_token.cnf.jwk`
//!    for a parent-mediated request (`ps-agent-jkt-ignored` skips this);
//! 4. -11: `presented_jti` names a retained person-token record (else `400
//!    unknown_person_token`; `ps-unknown-presented-jti` carries on without one), for the
//!    same person and not revoked, whose `ps`, `sub`, `mission_s256` and `tenant` the
//!    resource token repeats exactly, omission included (`ps-mission-stripping-accepted`
//!    lets a dropped `mission_s256` through). -10: `agent` names the requesting
//!    (sub-)agent and `mission.approver` is this PS;
//! 5. the mission, if any, is this agent's and active (`403 mission_terminated`).
//!
//! Three-party token (PS-017): `iss` = `ps` = this PS, `dwk` `aauth-person.json`, `aud` =
//! the resource, `sub` copied (-11) or directed (-10; never an `upstream_token`'s, PS-022),
//! `cnf.jwk` the agent's (or
//! sub-agent's) key, lifetime at most an hour and never past the agent token or mission,
//! `scope` as in the resource token (the `ps-scope-broadened` flaw grants every scope the
//! person ever consented to at that resource), `mission_s256`/`account`/`tenant` copied.
//! The `ps-auth-token-uncapped` flaw forgets the agent token's `exp`.
//!
//! A request with `prompt` containing `consent` always asks the person, so it is always
//! deferred (`202`); under auto-approval the person approves on the agent's first poll.

use std::sync::Arc;

use serde_json::{json, Map};

use crate::jose::claims::{dwk, Act, AuthClaims, ResourceClaims, TokenKind};
use crate::jose::validate::Expected;
use crate::jose::PublicKey;
use crate::message::{Request, Response};
use crate::role::endpoint::{
    invalid_request, json_ok, new_jti, refuse, server_error, token_refusal, token_refusal_detail,
    validate_body_token, JsonBody, Reply,
};
use crate::role::flaw::Flaw;
use crate::wire::identifier::validate_https_url;
use crate::wire::problem::{ErrorCode, Problem};

use super::caller::{self, Caller, SubAgent};
use super::deferred::{with_person, Ask, Job};
use super::mission_store::MissionStatus;
use super::person_token::{downstream_sub, upstream_person};
use super::{federation, Ps};

/// Seconds an auth token may live at most.
pub const MAX_LIFETIME: i64 = 3600;

/// `POST /token`.
pub(crate) async fn handle(ps: &Arc<Ps>, request: &Request) -> Response {
    flow(ps, request).await.unwrap_or_else(|r| r)
}

/// Where a resource token is redeemed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Redeem {
    /// This PS issues (three-party).
    Here,
    /// The access server named by `aud` issues (four-party).
    AccessServer(String),
}

/// A resource token that passed every check.
#[derive(Clone, Debug)]
pub(crate) struct CheckedResourceToken {
    /// As sent.
    pub raw: String,
    /// Its claims.
    pub claims: ResourceClaims,
    /// Who issues the auth token.
    pub redeem: Redeem,
    /// `expires_at` of the mission it names.
    pub mission_expires: Option<i64>,
}

/// The parties an auth token is issued for.
#[derive(Clone, Debug)]
pub(crate) struct TokenGrant {
    /// The authenticated (parent) agent.
    pub caller: Caller,
    /// The sub-agent the token is for, in a parent-mediated request.
    pub subagent: Option<SubAgent>,
    /// A call-chaining `upstream_token`, forwarded to an AS.
    pub upstream: Option<String>,
    /// The `sub` of that upstream token, never to be carried into the issued token.
    pub upstream_sub: Option<String>,
    /// The person.
    pub person: String,
}

impl TokenGrant {
    /// The key the auth token binds: the sub-agent's, or the caller's.
    pub fn key(&self) -> &PublicKey {
        self.subagent
            .as_ref()
            .map(|s| &s.key)
            .unwrap_or(&self.caller.key)
    }

    /// The identifier of the agent the token is for.
    pub fn agent_id(&self) -> &str {
        self.subagent
            .as_ref()
            .map(|s| s.agent.sub.as_str())
            .unwrap_or(self.caller.id())
    }

    /// The latest `exp` the agent tokens allow.
    pub fn agent_exp(&self) -> i64 {
        let parent = self.caller.agent.exp;
        self.subagent
            .as_ref()
            .map_or(parent, |s| parent.min(s.agent.exp))
    }
}

async fn flow(ps: &Arc<Ps>, request: &Request) -> Reply {
    let caller = caller::authenticate(ps, request).await?;
    let body = JsonBody::parse(request)?;
    let resource_token = body.req_str("resource_token")?.to_string();
    check_hints(&body)?;
    let subagent = match body.opt_str("subagent_token")? {
        Some(token) => Some(caller::subagent(ps, &caller, token).await?),
        None => None,
    };
    let (person, upstream, upstream_sub) = match body.opt_str("upstream_token")? {
        Some(token) => {
            let upstream = upstream_person(ps, &caller, token).await?;
            (upstream.person, Some(token.to_string()), upstream.sub)
        }
        None => (caller.person.clone(), None, None),
    };
    let checked =
        check_resource_token(ps, &caller, subagent.as_ref(), &person, &resource_token).await?;
    let owner = caller.id().to_string();
    let grant = TokenGrant {
        caller,
        subagent,
        upstream,
        upstream_sub,
        person,
    };
    let job = Job::with_resource_token(
        Box::new(move |ps: Arc<Ps>, updated: Option<String>| {
            Box::pin(async move {
                let checked = match updated {
                    None => checked,
                    Some(token) => match check_resource_token(
                        &ps,
                        &grant.caller,
                        grant.subagent.as_ref(),
                        &grant.person,
                        &token,
                    )
                    .await
                    {
                        Ok(c) => c,
                        Err(r) => return r,
                    },
                };
                respond(&ps, &grant, &checked).await
            })
        }),
        &resource_token,
    );
    // `prompt=consent` (OIDC): the person is asked even when policy would approve silently.
    let prompted = body
        .opt_str("prompt")?
        .is_some_and(|p| p.split(' ').any(|v| v == "consent"));
    let interaction_capable = body
        .opt_strings("capabilities")?
        .is_some_and(|c| c.iter().any(|v| v == "interaction"));
    let ask = Ask {
        prompted,
        interaction_capable,
    };
    Ok(with_person(ps, &owner, job, ask).await)
}

/// The optional request parameters: types, the `prompt` and `platform` vocabularies, and
/// `device` (at most 64 printable characters).
fn check_hints(body: &JsonBody) -> Result<(), Response> {
    for name in ["justification", "login_hint", "tenant", "domain_hint"] {
        body.opt_str(name)?;
    }
    if let Some(prompt) = body.opt_str("prompt")? {
        const PROMPTS: [&str; 4] = ["none", "login", "consent", "select_account"];
        if prompt.split(' ').any(|p| !PROMPTS.contains(&p)) {
            return Err(invalid_request("prompt holds an undefined value"));
        }
    }
    if let Some(platform) = body.opt_str("platform")? {
        const PLATFORMS: [&str; 5] = ["web", "mobile", "desktop", "workload", "self-hosted"];
        if !PLATFORMS.contains(&platform) {
            return Err(invalid_request("platform is not a registered value"));
        }
    }
    if let Some(device) = body.opt_str("device")? {
        if device.chars().count() > 64 || device.chars().any(char::is_control) {
            return Err(invalid_request(
                "device must be at most 64 printable characters",
            ));
        }
    }
    body.opt_strings("capabilities")?;
    Ok(())
}

fn rt_refusal(detail: impl Into<String>) -> Response {
    token_refusal_detail(TokenKind::Resource, detail)
}

/// Check a resource token presented by `caller` (for `subagent`, when present) on behalf
/// of `person`.
pub(crate) async fn check_resource_token(
    ps: &Ps,
    caller: &Caller,
    subagent: Option<&SubAgent>,
    person: &str,
    token: &str,
) -> Result<CheckedResourceToken, Response> {
    let expected = Expected::new(ps.cfg.profile, ps.now());
    let valid = validate_body_token(TokenKind::Resource, token, &expected, ps.cfg.keys.as_ref())
        .await
        .map_err(|f| token_refusal(TokenKind::Resource, &f))?;
    let claims: ResourceClaims = valid
        .typed()
        .map_err(|f| token_refusal(TokenKind::Resource, &f))?;
    let redeem = redeem_at(ps, &claims.aud)?;
    if let Some(interaction) = &claims.interaction {
        if validate_https_url(&interaction.url).is_err() && !ps.has(Flaw::PsInteractionUrlUnchecked)
        {
            return Err(rt_refusal("interaction.url must be an https URL"));
        }
    }

    let bound = subagent.map(|s| &s.key).unwrap_or(&caller.key);
    if !ps.has(Flaw::PsAgentJktIgnored) && claims.agent_jkt != bound.thumbprint() {
        return Err(rt_refusal(
            "agent_jkt is not the thumbprint of the requesting agent's key",
        ));
    }

    let mission = if ps.p11() {
        check_person_record(ps, &claims, person)?;
        claims.mission_s256.clone()
    } else {
        let agent = subagent
            .map(|s| s.agent.sub.as_str())
            .unwrap_or(caller.id());
        if claims.agent.as_deref() != Some(agent) {
            return Err(rt_refusal("agent does not name the requesting agent"));
        }
        match &claims.mission {
            Some(m) if m.approver != ps.cfg.identifier => {
                return Err(rt_refusal("mission.approver is not this person server"))
            }
            Some(m) => Some(m.s256.clone()),
            None => None,
        }
    };
    let mission_expires = match mission {
        Some(s256) => active_mission(ps, caller.id(), &s256)?,
        None => None,
    };
    Ok(CheckedResourceToken {
        raw: token.to_string(),
        claims,
        redeem,
        mission_expires,
    })
}

/// Step 2: whose token this is to be.
fn redeem_at(ps: &Ps, aud: &str) -> Result<Redeem, Response> {
    if aud == ps.cfg.identifier {
        Ok(Redeem::Here)
    } else if ps.cfg.trusted_access_servers.iter().any(|a| a == aud) {
        Ok(Redeem::AccessServer(aud.to_string()))
    } else if ps.has(Flaw::PsResourceTokenAudIgnored) {
        Ok(Redeem::Here)
    } else {
        Err(rt_refusal(format!(
            "aud {aud} is neither this person server nor an access server it federates with"
        )))
    }
}

/// Step 4 (-11): the resource token cites a person token this PS issued and agrees with it.
fn check_person_record(ps: &Ps, claims: &ResourceClaims, person: &str) -> Result<(), Response> {
    let presented = claims.presented_jti.as_deref().unwrap_or_default();
    let (record, revoked) = {
        let state = ps.state();
        (
            state.records.person_token(presented).cloned(),
            state.records.is_revoked(ps.id(), presented),
        )
    };
    if revoked {
        return Err(rt_refusal(
            "the person token named by presented_jti was revoked",
        ));
    }
    let Some(record) = record else {
        if ps.has(Flaw::PsUnknownPresentedJti) {
            return Ok(());
        }
        return Err(refuse(
            400,
            ErrorCode::UNKNOWN_PERSON_TOKEN,
            "presented_jti names no person token this person server retains",
        ));
    };
    let mission_matches = if ps.has(Flaw::PsMissionStrippingAccepted) {
        claims.mission_s256.is_none() || claims.mission_s256 == record.mission_s256
    } else {
        claims.mission_s256 == record.mission_s256
    };
    if record.person != person {
        return Err(rt_refusal(
            "presented_jti names a person token issued for someone else",
        ));
    }
    let mismatch = [
        ("ps", claims.ps.as_deref() == Some(record.ps.as_str())),
        ("sub", claims.sub.as_deref() == Some(record.sub.as_str())),
        ("mission_s256", mission_matches),
        ("tenant", claims.tenant == record.tenant),
    ]
    .into_iter()
    .find(|(_, ok)| !ok);
    if let Some((name, _)) = mismatch {
        tracing::warn!(
            presented_jti = presented,
            claim = name,
            "resource token disagrees with the person token it cites: possible tampering"
        );
        return Err(rt_refusal(format!(
            "{name} does not match the person token named by presented_jti"
        )));
    }
    Ok(())
}

/// Step 5: the mission is the caller's and active; returns its `expires_at`.
fn active_mission(ps: &Ps, owner: &str, s256: &str) -> Result<Option<i64>, Response> {
    let now = ps.now();
    let mut state = ps.state();
    let Some(mission) = state.missions.owned_by(owner, s256) else {
        return Err(rt_refusal("names a mission this agent does not hold"));
    };
    let expires_at = mission.expires_at;
    match mission.status_at(now) {
        MissionStatus::Active => Ok(expires_at),
        MissionStatus::Terminated(reason) => {
            Err(Problem::mission_terminated(Some(reason.clone())).to_response(403))
        }
    }
}

async fn respond(ps: &Arc<Ps>, grant: &TokenGrant, checked: &CheckedResourceToken) -> Response {
    match &checked.redeem {
        Redeem::Here => issue_here(ps, grant, checked),
        Redeem::AccessServer(access_server) => {
            federation::obtain(ps, access_server, grant, checked).await
        }
    }
}

/// The three-party auth token.
fn issue_here(ps: &Ps, grant: &TokenGrant, checked: &CheckedResourceToken) -> Response {
    let now = ps.now();
    let rt = &checked.claims;
    let mut exp = now.saturating_add(MAX_LIFETIME);
    if !ps.has(Flaw::PsAuthTokenUncapped) {
        exp = exp.min(grant.agent_exp());
    }
    if let Some(limit) = checked.mission_expires {
        exp = exp.min(limit);
    }
    let scope = rt.scope.as_deref().map(|requested| {
        let consented = ps
            .state()
            .records
            .consent(&grant.person, &rt.iss, requested);
        if ps.has(Flaw::PsScopeBroadened) {
            consented
        } else {
            requested.to_string()
        }
    });
    let jti = new_jti("at");
    let mut claims = AuthClaims::new(
        ps.cfg.profile,
        &ps.cfg.identifier,
        dwk::PERSON,
        &rt.iss,
        &jti,
        grant.key(),
        now,
        exp,
    );
    if ps.p11() {
        let sub = rt.sub.clone().unwrap_or_default();
        claims = claims.for_person(&ps.cfg.identifier, &sub);
        claims.mission_s256 = rt.mission_s256.clone();
        claims.tenant = rt.tenant.clone();
    } else {
        claims = claims.for_agent(grant.agent_id());
        claims.sub = Some(downstream_sub(
            ps,
            &grant.person,
            &rt.iss,
            grant.key(),
            grant.upstream_sub.as_deref(),
        ));
        claims.mission = rt.mission.clone();
        claims.tenant = ps.cfg.people.tenant_of(&grant.person).map(str::to_string);
        if grant.subagent.is_some() {
            claims.act = Some(Act {
                agent: grant.caller.id().to_string(),
                extra: Map::new(),
            });
        }
    }
    claims.scope = scope;
    claims.account = rt.account.clone();
    match ps.issuer.issue(&claims) {
        Ok(token) => {
            let mission = rt
                .mission_s256
                .clone()
                .or_else(|| rt.mission.as_ref().map(|m| m.s256.clone()));
            let mut state = ps.state();
            state.records.keep_issued(&jti);
            if let Some(s256) = mission {
                state
                    .mission_tokens
                    .entry(s256)
                    .or_default()
                    .push((rt.iss.clone(), jti.clone()));
            }
            drop(state);
            json_ok(json!({ "auth_token": token, "expires_in": exp - now }))
        }
        Err(e) => server_error(format!("cannot build the auth token: {e}")),
    }
}
