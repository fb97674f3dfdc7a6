//! The AS token endpoint (AAuth "PS-to-AS Token Request", AS-001 to AS-009).
//!
//! Checks, in order: the PS's signature ([`super::caller`]); a JSON body with string
//! `resource_token`; `agent_token` present (`400 invalid_request`; the
//! `as-agent-token-optional` flaw carries on without it and binds the token by
//! thumbprint) and valid (`invalid_agent_token`/`expired_agent_token`), top-level; a
//! `subagent_token` whose `parent_agent` is the agent token's `sub`; the resource token
//! (`typ`, `dwk`, resource JWKS, `exp`/`iat`, `aud` = this AS:
//! `invalid_resource_token`/`expired_resource_token`), its `ps` = the signing PS (-11; the
//! `as-ps-claim-ignored` flaw skips it) or `mission.approver` = the PS (-10), `agent` = the
//! agent (-10), and `agent_jkt` = the thumbprint of `subagent_token.cnf.jwk` or
//! `agent_token.cnf.jwk` (`as-agent-jkt-ignored` skips it; requirements §6 G7); an
//! `upstream_token` (call chaining, AS-010) valid, addressed to `agent_token.iss` and issued
//! by this AS, the asking PS or a PS it trusts (`400 invalid_request` otherwise).
//!
//! Policy ([`super::AccessPolicy`], narrowed to the resource token's scope): a PS that has
//! not settled billing gets `402` with `Location`; polling it counts as settlement (the
//! `as-payment-no-location` flaw leaves `Location` out). When approval is required, `202
//! requirement=approval`; the next poll finds it given. When claims are required, `202
//! requirement=claims` with `required_claims` (the `as-claims-list-missing` flaw names the
//! list `claims`); the PS POSTs them (with a `sub` equal to the resource token's, -11) to
//! `Location` and gets the token in answer.
//!
//! The token (AS-007): `iss` = this AS, `dwk` `aauth-access.json`, `aud` = the resource,
//! `ps` = the requesting PS and `sub` = the resource token's (-11; never the upstream
//! token's), `agent` (-10),
//! `cnf.jwk` = the agent's (or sub-agent's) key, lifetime at most an hour and not past the
//! agent token (the `as-auth-token-long-lived` flaw issues for a day), `scope`,
//! `mission_s256`/`mission`, `account`, `tenant` copied.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::jose::claims::{
    dwk, Act, AgentClaims, AuthClaims, ResourceClaims, TokenClaims, TokenKind,
};
use crate::jose::jws;
use crate::jose::validate::Expected;
use crate::jose::PublicKey;
use crate::message::{Fields, Request, Response};
use crate::role::endpoint::{
    invalid_request, json_ok, new_jti, refuse, server_error, token_refusal, token_refusal_detail,
    validate_body_token, JsonBody, Reply,
};
use crate::role::flaw::Flaw;
use crate::role::pending::{PendingPost, PendingStep, PostKind};
use crate::wire::aauth_requirement::{AauthRequirement, Requirement};
use crate::wire::problem::ErrorCode;

use super::{caller, As};

/// Seconds an auth token may live at most.
pub const MAX_LIFETIME: i64 = 3600;

/// What the `as-auth-token-long-lived` flaw issues for.
const FLAWED_LIFETIME: i64 = 86_400;

/// A request that passed every check, waiting to be issued.
#[derive(Clone, Debug)]
pub(crate) struct AsGrant {
    /// The requesting PS.
    ps: String,
    /// The resource token's claims.
    rt: ResourceClaims,
    /// The (top-level) agent, when an agent token was sent.
    agent: Option<AgentClaims>,
    /// The sub-agent, for a parent-mediated request.
    subagent: Option<AgentClaims>,
    /// The key to bind: the sub-agent's, else the agent's.
    key: Option<PublicKey>,
    /// Claims the PS supplied.
    claims: Map<String, Value>,
    /// The `sub` of a call-chaining `upstream_token`: directed at the intermediary, never
    /// carried into the issued token (AS-010) except by the `as-upstream-sub-copied` flaw.
    upstream_sub: Option<String>,
    /// Whether the approval step (if the policy has one) is behind it.
    approved: bool,
}

/// Where a parked request stands.
#[derive(Clone, Debug)]
pub(crate) enum Stage {
    /// Waiting for the PS to settle billing.
    Payment,
    /// Waiting for the PS to POST claims.
    Claims,
    /// Waiting for approval; the next poll finds it given.
    Approval,
}

/// A request parked under a pending id.
#[derive(Clone, Debug)]
pub(crate) struct Parked {
    stage: Stage,
    grant: AsGrant,
}

/// `POST /token`.
pub(crate) async fn handle(inner: &Arc<As>, request: &Request) -> Response {
    flow(inner, request).await.unwrap_or_else(|r| r)
}

async fn flow(inner: &As, request: &Request) -> Reply {
    let ps = caller::authenticate(inner, request).await?;
    let body = JsonBody::parse(request)?;
    let resource_token = body.req_str("resource_token")?;
    let expected = Expected::new(inner.cfg.profile, inner.now());
    let keys = inner.cfg.keys.as_ref();

    let agent = match body.opt_str("agent_token")? {
        Some(token) => Some(agent_token(inner, token).await?),
        None if inner.has(Flaw::AsAgentTokenOptional) => None,
        None => return Err(invalid_request("agent_token is required")),
    };
    if agent
        .as_ref()
        .is_some_and(|(a, _)| a.parent_agent.is_some())
    {
        return Err(token_refusal_detail(
            TokenKind::Agent,
            "agent_token must be the top-level (parent) agent's",
        ));
    }
    let subagent = match body.opt_str("subagent_token")? {
        Some(token) => {
            let (claims, key) = agent_token(inner, token).await?;
            let parent = agent.as_ref().map(|(a, _)| a.sub.as_str());
            if claims.parent_agent.is_none() || claims.parent_agent.as_deref() != parent {
                return Err(token_refusal_detail(
                    TokenKind::Agent,
                    "subagent_token's parent_agent does not name the agent_token's agent",
                ));
            }
            Some((claims, key))
        }
        None => None,
    };

    let own = inner.cfg.identifier.as_str();
    let valid = validate_body_token(
        TokenKind::Resource,
        resource_token,
        &expected.audience(own),
        keys,
    )
    .await
    .map_err(|f| token_refusal(TokenKind::Resource, &f))?;
    let rt: ResourceClaims = valid
        .typed()
        .map_err(|f| token_refusal(TokenKind::Resource, &f))?;
    let rt_refusal = |detail: &str| token_refusal_detail(TokenKind::Resource, detail);

    if inner.p11() {
        if !inner.has(Flaw::AsPsClaimIgnored) && rt.ps.as_deref() != Some(ps.as_str()) {
            return Err(rt_refusal(
                "ps does not name the person server that sent it",
            ));
        }
    } else if rt.mission.as_ref().is_some_and(|m| m.approver != ps) {
        return Err(rt_refusal(
            "mission.approver does not name the person server that sent it",
        ));
    }
    let acting = subagent.as_ref().or(agent.as_ref());
    if !inner.p11() {
        if let Some((a, _)) = acting {
            if rt.agent.as_deref() != Some(a.sub.as_str()) {
                return Err(rt_refusal("agent does not name the agent the token is for"));
            }
        }
    }
    let key = acting.map(|(_, k)| k.clone());
    if let Some(k) = &key {
        if !inner.has(Flaw::AsAgentJktIgnored) && rt.agent_jkt != k.thumbprint() {
            return Err(rt_refusal(
                "agent_jkt is not the thumbprint of the agent's (or sub-agent's) cnf.jwk",
            ));
        }
    }
    let key = if inner.has(Flaw::AsBindsParentKey) {
        agent.as_ref().map(|(_, k)| k.clone()).or(key)
    } else {
        key
    };
    let upstream_sub = match body.opt_str("upstream_token")? {
        Some(token) => {
            let agent_iss = agent.as_ref().map(|(a, _)| a.iss.as_str());
            upstream(inner, &ps, agent_iss, token).await?
        }
        None => None,
    };

    let grant = AsGrant {
        ps,
        rt,
        agent: agent.map(|(a, _)| a),
        subagent: subagent.map(|(a, _)| a),
        key,
        claims: Map::new(),
        upstream_sub,
        approved: false,
    };
    Ok(next_step(inner, grant))
}

/// AS-010: a call-chaining `upstream_token` per AAuth "Upstream Token Verification"; returns
/// its `sub`. It must be a valid auth token (`as-upstream-unverified` only decodes it),
/// addressed to the intermediary, i.e. `aud` = `agent_token.iss` (`as-upstream-aud-unchecked`
/// skips this), and issued by this AS, by the PS asking, or by a PS this AS is configured to
/// take requests from (`as-upstream-issuer-untrusted` takes any issuer whose keys it finds).
/// Its `cnf` is the original agent's key, not the intermediary's, so it is not compared with
/// `agent_token.cnf`.
async fn upstream(
    inner: &As,
    ps: &str,
    agent_iss: Option<&str>,
    token: &str,
) -> Result<Option<String>, Response> {
    let refused = |detail: &str| invalid_request(format!("upstream_token: {detail}"));
    let claims: AuthClaims = if inner.has(Flaw::AsUpstreamUnverified) {
        jws::decode(token)
            .ok()
            .and_then(|d| d.payload_object().ok())
            .and_then(|map| AuthClaims::from_map(map).ok())
            .ok_or_else(|| refused("not a decodable auth token"))?
    } else {
        let expected = Expected::new(inner.cfg.profile, inner.now());
        let valid = validate_body_token(TokenKind::Auth, token, &expected, inner.cfg.keys.as_ref())
            .await
            .map_err(|f| refused(&f.to_string()))?;
        valid.typed().map_err(|f| refused(&f.to_string()))?
    };
    if !inner.has(Flaw::AsUpstreamAudUnchecked) && Some(claims.aud.as_str()) != agent_iss {
        return Err(refused(
            "aud is not the issuer of agent_token: it was issued to someone else",
        ));
    }
    let trusted = claims.iss == inner.cfg.identifier
        || claims.iss == ps
        || inner.cfg.trusted_person_servers.contains(&claims.iss);
    if !trusted && !inner.has(Flaw::AsUpstreamIssuerUntrusted) {
        return Err(refused(
            "issued by a server that is neither this AS nor a PS it takes requests from",
        ));
    }
    Ok(claims.sub)
}

/// The `sub` the auth token carries: `own` (the resource token's under -11, the PS's claims
/// under -10), never the upstream token's (AS-010) unless the `as-upstream-sub-copied` flaw
/// is planted.
fn issued_sub(inner: &As, grant: &AsGrant, own: Option<String>) -> Option<String> {
    match &grant.upstream_sub {
        Some(sub) if inner.has(Flaw::AsUpstreamSubCopied) => Some(sub.clone()),
        _ => own,
    }
}

impl AsGrant {
    /// The requesting PS.
    pub(crate) fn ps(&self) -> &str {
        &self.ps
    }

    /// The agent the request is for, when an agent token came with it.
    pub(crate) fn agent_id(&self) -> Option<&str> {
        self.agent.as_ref().map(|a| a.sub.as_str())
    }
}

/// Validate an agent token sent in the body; returns its claims and `cnf` key.
async fn agent_token(inner: &As, token: &str) -> Result<(AgentClaims, PublicKey), Response> {
    let expected = Expected::new(inner.cfg.profile, inner.now());
    let valid = validate_body_token(TokenKind::Agent, token, &expected, inner.cfg.keys.as_ref())
        .await
        .map_err(|f| token_refusal(TokenKind::Agent, &f))?;
    let claims: AgentClaims = valid
        .typed()
        .map_err(|f| token_refusal(TokenKind::Agent, &f))?;
    let key = valid
        .cnf_key
        .ok_or_else(|| token_refusal_detail(TokenKind::Agent, "no usable cnf.jwk"))?;
    Ok((claims, key))
}

/// Payment, then approval, then claims, then the token.
fn next_step(inner: &As, grant: AsGrant) -> Response {
    let policy = inner.cfg.policy.for_scope(grant.rt.scope.as_deref());
    if policy.payment_required && !inner.state().paid.contains(&grant.ps) {
        let ticket = inner.pending.open(&grant.ps, None, Map::new());
        inner.state().parked.insert(
            ticket.id.clone(),
            Parked {
                stage: Stage::Payment,
                grant,
            },
        );
        let mut response = Response::new(402)
            .with_header("Cache-Control", "no-store")
            .with_header(
                "WWW-Authenticate",
                format!(
                    "Payment id=\"{}\", method=\"harness\", request=\"e30\"",
                    ticket.id
                ),
            );
        if !inner.has(Flaw::AsPaymentNoLocation) {
            response.set_header("Location", ticket.url);
        }
        return response;
    }
    if policy.approval_required && !grant.approved {
        let ticket = inner.pending.open(
            &grant.ps,
            Some(AauthRequirement::new(Requirement::APPROVAL)),
            Map::new(),
        );
        inner.state().parked.insert(
            ticket.id.clone(),
            Parked {
                stage: Stage::Approval,
                grant,
            },
        );
        return inner.pending.accepted(&ticket.id);
    }
    match &policy.required_claims {
        Some(names) if grant.claims.is_empty() => {
            let member = if inner.has(Flaw::AsClaimsListMissing) {
                "claims"
            } else {
                "required_claims"
            };
            let mut extra = Map::new();
            extra.insert(member.into(), json!(names));
            let ticket = inner.pending.open(
                &grant.ps,
                Some(AauthRequirement::new(Requirement::CLAIMS)),
                extra,
            );
            inner.state().parked.insert(
                ticket.id.clone(),
                Parked {
                    stage: Stage::Claims,
                    grant,
                },
            );
            inner.pending.accepted(&ticket.id)
        }
        _ => super::person::ask(inner, grant),
    }
}

/// `GET`/`POST /pending/{id}`: the PS polls after paying, or posts claims.
pub(crate) async fn pending(inner: &Arc<As>, request: &Request) -> Response {
    let ps = match caller::authenticate(inner, request).await {
        Ok(ps) => ps,
        Err(r) => return r,
    };
    match inner.pending.classify(request, &ps, PostKind::Claims) {
        PendingStep::Respond(r) => r,
        PendingStep::Cancelled { id, response } => {
            inner.state().parked.remove(&id);
            response
        }
        PendingStep::Poll { id, wait } => {
            let parked = inner.state().parked.remove(&id);
            match parked {
                Some(Parked {
                    stage: Stage::Payment,
                    grant,
                }) => {
                    inner.state().paid.insert(grant.ps.clone());
                    inner.pending.finish(&id);
                    next_step(inner, grant)
                }
                Some(Parked {
                    stage: Stage::Approval,
                    mut grant,
                }) => {
                    grant.approved = true;
                    inner.pending.finish(&id);
                    next_step(inner, grant)
                }
                Some(parked) => {
                    inner.state().parked.insert(id.clone(), parked);
                    inner.pending.accepted(&id)
                }
                // Waiting for (or decided by) the person: the store holds the answer.
                None => inner.pending.poll(&id, wait).await,
            }
        }
        PendingStep::Post { id, post } => {
            let claims = match post {
                PendingPost::Other(map) => map,
                _ => return invalid_request("expected a JSON object of claims"),
            };
            let parked = inner.state().parked.remove(&id);
            match parked {
                Some(Parked {
                    stage: Stage::Claims,
                    mut grant,
                }) => match accept_claims(inner, &grant, &claims) {
                    Ok(()) => {
                        grant.claims = claims;
                        inner.pending.finish(&id);
                        issue(inner, &grant)
                    }
                    Err(r) => {
                        inner.state().parked.insert(
                            id,
                            Parked {
                                stage: Stage::Claims,
                                grant,
                            },
                        );
                        r
                    }
                },
                Some(parked) => {
                    inner.state().parked.insert(id, parked);
                    invalid_request("nothing to post here until payment or approval is settled")
                }
                None => server_error("pending request without state"),
            }
        }
    }
}

/// Claims must carry a string `sub`, under -11 equal to the resource token's.
fn accept_claims(inner: &As, grant: &AsGrant, claims: &Map<String, Value>) -> Result<(), Response> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_request("claims must include the directed sub"))?;
    if inner.p11() && grant.rt.sub.as_deref() != Some(sub) {
        return Err(invalid_request("sub differs from the resource token's sub"));
    }
    Ok(())
}

/// Sign the auth token.
pub(crate) fn issue(inner: &As, grant: &AsGrant) -> Response {
    let now = inner.now();
    let rt = &grant.rt;
    let exp = if inner.has(Flaw::AsAuthTokenLongLived) {
        now.saturating_add(FLAWED_LIFETIME)
    } else {
        let agent_exp = [&grant.agent, &grant.subagent]
            .into_iter()
            .flatten()
            .map(|a| a.exp)
            .min()
            .unwrap_or(i64::MAX);
        now.saturating_add(MAX_LIFETIME).min(agent_exp)
    };
    let jti = new_jti("as");
    let own = inner.cfg.identifier.as_str();
    let acting_agent = grant
        .subagent
        .as_ref()
        .or(grant.agent.as_ref())
        .map(|a| a.sub.clone())
        .or_else(|| rt.agent.clone());
    let claim_str = |n: &str| {
        grant
            .claims
            .get(n)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut claims = AuthClaims {
        iss: own.to_string(),
        dwk: dwk::ACCESS.to_string(),
        aud: if inner.has(Flaw::AsAuthTokenAudSelf) {
            inner.cfg.identifier.clone()
        } else {
            rt.iss.clone()
        },
        jti: jti.clone(),
        iat: now,
        exp,
        scope: rt.scope.clone(),
        account: rt.account.clone(),
        ..AuthClaims::default()
    };
    if inner.p11() {
        claims.ps = Some(grant.ps.clone());
        claims.sub = issued_sub(inner, grant, rt.sub.clone());
        claims.mission_s256 = rt.mission_s256.clone();
        claims.tenant = rt.tenant.clone().or_else(|| claim_str("tenant"));
    } else {
        claims.agent = acting_agent;
        claims.sub = issued_sub(inner, grant, claim_str("sub"));
        claims.mission = rt.mission.clone();
        claims.tenant = claim_str("tenant");
        if let (Some(_), Some(parent)) = (&grant.subagent, &grant.agent) {
            claims.act = Some(Act {
                agent: parent.sub.clone(),
                extra: Map::new(),
            });
        }
    }
    let token = match &grant.key {
        Some(key) => {
            claims.cnf = crate::jose::claims::Confirmation::new(
                crate::jose::jwk::Jwk::for_profile(key, inner.cfg.profile, None),
            );
            match inner.issuer.issue(&claims) {
                Ok(t) => t,
                Err(e) => return server_error(format!("cannot build the auth token: {e}")),
            }
        }
        // Only under the `as-agent-token-optional` flaw: no agent key is known, so the token
        // is bound by thumbprint, the way a DPoP-minded AS would.
        None => {
            let mut map = claims.to_map();
            map.insert("cnf".into(), json!({ "jkt": rt.agent_jkt }));
            inner
                .issuer
                .sign_unchecked(&inner.issuer.header(TokenKind::Auth), &map)
        }
    };
    inner.state().issued.insert(jti);
    json_ok(json!({ "auth_token": token, "expires_in": exp - now }))
}

/// `POST /revoke`: a trusted PS revokes a token this AS issued.
pub(crate) async fn revoke(inner: &Arc<As>, request: &Request) -> Response {
    let flow = async {
        caller::authenticate(inner, request).await?;
        let body = JsonBody::parse(request)?;
        let iss = body.req_str("iss")?;
        let jti = body.req_str("jti")?;
        if iss == inner.cfg.identifier && inner.state().issued.contains(jti) {
            Ok(Response::new(200))
        } else {
            Err(refuse(
                404,
                ErrorCode::INVALID_REQUEST,
                "unknown (iss, jti)",
            ))
        }
    };
    flow.await.unwrap_or_else(|r: Response| r)
}
