//! Person-server governance and identity rows that need more than one exchange: the
//! permission and interaction endpoints (PS-037, PS-038), mission updates (PS-035) and
//! revocation (PS-040), `updated_request` at a pending URL (PS-029), revocation keyed by
//! `(iss, jti)` (REV-002), directed identifiers (PS-006) and what a PS does with a resource
//! it has not seen before (PS-010).
//!
//! Several cases need a resource other than the World's: [`extra_resource`] hosts a fresh
//! reference resource under its own `https://rs-….harness.test` name for the one case, so
//! its hit counters and keys are that case's alone. A target reaches it like every hosted
//! name (live routes, or the CONNECT proxy).

use std::sync::atomic::{AtomicU64, Ordering};

use aauth_harness::host::Handler;
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{MissionRef, ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::jose::mutate::{mint, TokenDefect};
use aauth_harness::jose::{Alg, SigningKey};
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::flaw::Flaws;
use aauth_harness::role::resource::{Resource, ResourceConfig};
use aauth_harness::role::Role;
use aauth_harness::wire::metadata::RESOURCE_DWK;
use aauth_harness::world::{OddProvider, Party};
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::agent_token::local_of;
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    body_member, endpoint, fail, mint_resource_token, post_as_agent, precondition_skip,
    ps_token_path, redeem, redeemable, resource_claims, send_as_agent, text_claim, with_hints,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{describe, judge, problem_code, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, step};

/// A case body's nested result: the value, or the outcome the case ends with.
type Step<T> = Result<Result<T, Outcome>, HarnessError>;

/// Distinguishes the names [`extra_resource`] hosts and the `jti`s minted here.
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// Polls a case spends on a pending URL before calling the answer inconclusive.
const MAX_POLLS: usize = 3;

/// Distinct resources the fan-out case names at most (PS-010): bounded so the case takes
/// seconds; a limit above it cannot be told from none.
pub const FANOUT_PROBE: usize = 100;

/// A reference resource hosted for one case.
struct ExtraResource {
    /// Hosted name, e.g. `rs-ps006-7`.
    name: String,
    /// `https://<name>.harness.test`.
    identifier: String,
    /// The role itself (its key signs the resource tokens the case mints).
    resource: Resource,
}

/// Hosts a fresh reference resource that also trusts the target as an auth-token issuer.
fn extra_resource(ctx: &CaseContext, tag: &str) -> Result<ExtraResource, HarnessError> {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let name = format!("rs-{tag}-{n}");
    let identifier = format!("https://{name}.harness.test");
    let mut trusted = ctx.world.trusted_identifiers();
    trusted.push(ctx.target.identifier.clone());
    let config = ResourceConfig::new(
        &identifier,
        ctx.profile(),
        ctx.world.clock().clone(),
        ctx.world.config().seed,
    )
    .with_trusted(trusted);
    let resource = Resource::new(config, ctx.world.key_source(&Flaws::none()));
    ctx.world
        .host()
        .serve(&name, resource.clone())
        .map_err(|e| HarnessError::Config(format!("cannot host {name}: {e}")))?;
    Ok(ExtraResource {
        name,
        identifier,
        resource,
    })
}

impl ExtraResource {
    /// Resource-token claims for `agent` as this resource writes them (citing
    /// `person_token` under -11).
    fn claims(
        &self,
        ctx: &CaseContext,
        agent: &HarnessAgent,
        person_token: Option<&str>,
        scope: &str,
    ) -> ResourceClaims {
        let mut rt = resource_claims(ctx, agent, person_token, scope);
        rt.iss = self.identifier.clone();
        rt
    }

    /// Signs resource-token claims with this resource's key.
    fn mint(&self, ctx: &CaseContext, rt: &ResourceClaims) -> String {
        mint(
            self.resource.issuer(),
            TokenKind::Resource,
            &rt.to_map(),
            None,
            ctx.now(),
        )
    }

    /// Requests this resource received for its metadata document so far.
    fn metadata_hits(&self, ctx: &CaseContext) -> u64 {
        let path = format!("/.well-known/{RESOURCE_DWK}");
        ctx.world.host().hits(&self.name, &path)
    }

    /// Presents `auth_token` at this resource's protected data path, signed by `agent`.
    async fn present(
        &self,
        ctx: &CaseContext,
        agent: &HarnessAgent,
        auth_token: &str,
    ) -> Result<Response, HarnessError> {
        let authority = self
            .identifier
            .strip_prefix("https://")
            .unwrap_or(&self.identifier);
        let request = Request::new("GET", "https", authority, "/api/data");
        let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::Resource);
        let signed = agent
            .sign(request, auth_token, &sign_ctx, ctx.now())
            .map_err(|e| HarnessError::Config(format!("cannot sign: {e}")))?;
        Ok(self.resource.handle(signed).await)
    }
}

/// Asks the target for a person token for `agent` at `resource` (-11), with `extra` members.
async fn request_person_token_at(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    resource: &str,
    extra: &Value,
) -> Result<Response, HarnessError> {
    let path = endpoint(ctx, "aauth-person.json", "person_token_endpoint").await?;
    let mut body = with_hints(ctx, json!({ "resource": resource }));
    if let (Some(map), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await
}

/// A person token the target issued for `agent` at `resource`.
async fn person_token_at(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    resource: &str,
    extra: &Value,
) -> Step<String> {
    let response = request_person_token_at(ctx, agent, resource, extra).await?;
    Ok(match body_member(&response, "person_token") {
        Some(token) if response.status == 200 => Ok(token),
        _ => Err(precondition_skip(
            &format!("the person token request for {resource}"),
            &response,
        )),
    })
}

/// The auth token in a token-endpoint answer, if it issued one.
fn issued_auth_token(response: &Response) -> Option<String> {
    match body_member(response, "auth_token") {
        Some(token) if response.status == 200 => Some(token),
        _ => None,
    }
}

/// Polls `path` as `agent` until it stops answering `202` (at most [`MAX_POLLS`] times).
async fn settle(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    path: &str,
) -> Result<Response, HarnessError> {
    let mut last = send_as_agent(ctx, agent, "GET", path, None).await?;
    for _ in 1..MAX_POLLS {
        if last.status != 202 {
            break;
        }
        last = send_as_agent(ctx, agent, "GET", path, None).await?;
    }
    Ok(last)
}

/// A `5xx` is never an acceptable answer; anything else is `None`.
fn server_fault(response: &Response, what: &str) -> Option<Outcome> {
    (response.status >= 500).then(|| {
        fail(
            Role::PersonServer,
            format!("{what} was answered {}", describe(response)),
        )
    })
}

// ---- PS-037: permission endpoint ----

/// PS-037: a well-formed permission request is answered `200` with `permission`
/// `granted` or `denied` (optionally with a string `reason`), or deferred with `202`.
async fn permission_shape(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let path = attempt!(endpoint(ctx, "aauth-person.json", "permission_endpoint").await);
    let body = json!({
        "action": "SendEmail",
        "description": "Send the itinerary to the person",
        "parameters": { "to": "person@example.com", "subject": "Itinerary" },
    });
    let response = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    if response.status == 202 {
        return match response.header("location") {
            Some(_) => Outcome::Pass,
            None => fail(
                Role::PersonServer,
                "a deferred permission answer has no Location".into(),
            ),
        };
    }
    if response.status != 200 {
        return fail(
            Role::PersonServer,
            format!(
                "a well-formed permission request was answered {}, not 200 or 202",
                describe(&response)
            ),
        );
    }
    let Some(answer) = response.body_json() else {
        return fail(
            Role::PersonServer,
            "the permission answer is not JSON".into(),
        );
    };
    match answer.get("permission").and_then(Value::as_str) {
        Some("granted") => Outcome::Pass,
        Some("denied") if answer.get("reason").is_none_or(Value::is_string) => Outcome::Pass,
        Some("denied") => fail(
            Role::PersonServer,
            "a denied permission carries a reason that is not a string".into(),
        ),
        other => fail(
            Role::PersonServer,
            format!("permission is {other:?}, not \"granted\" or \"denied\""),
        ),
    }
}

/// PS-037: a permission request without `action` is refused.
async fn permission_action_required(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let path = attempt!(endpoint(ctx, "aauth-person.json", "permission_endpoint").await);
    let body = json!({ "description": "Something, unnamed" });
    let response = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    judge(&Expect::Refused, &response, ctx.role())
}

// ---- PS-038: interaction endpoint ----

/// POSTs `body` to the target's `interaction_endpoint` as a fresh agent.
async fn interact(ctx: &CaseContext, body: &Value) -> Result<Response, HarnessError> {
    let agent = ctx.agent();
    let path = endpoint(ctx, "aauth-person.json", "interaction_endpoint").await?;
    post_as_agent(ctx, &agent, &agent.agent_token, &path, body).await
}

/// PS-038: an interaction request without `type` is refused.
async fn interaction_type_required(ctx: &CaseContext) -> Outcome {
    let body = json!({ "description": "No type given", "question": "Shall I go on?" });
    let response = attempt!(interact(ctx, &body).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// PS-038: a `question` is answered `200 {"answer": "…"}`, deferred with `202`, or, when
/// no one can reach the person, refused with the terminal `403 user_unreachable`.
async fn interaction_question(ctx: &CaseContext) -> Outcome {
    let body = json!({
        "type": "question",
        "question": "Is the refundable fare acceptable?",
        "description": "Choosing between two fares",
    });
    let response = attempt!(interact(ctx, &body).await);
    match response.status {
        200 if body_member(&response, "answer").is_some() => Outcome::Pass,
        200 => fail(
            Role::PersonServer,
            "a question was answered 200 without a string answer".into(),
        ),
        202 if response.header("location").is_some() => Outcome::Pass,
        403 if problem_code(&response).as_deref() == Some("user_unreachable") => Outcome::Pass,
        _ => fail(
            Role::PersonServer,
            format!(
                "a question was answered {}, not 200 with answer, 202 or 403 user_unreachable",
                describe(&response)
            ),
        ),
    }
}

/// PS-038: relaying an `interaction` the agent holds the URL and code of is `202` when the
/// PS can reach the person, and the non-terminal `424 interaction_unavailable` when it
/// cannot; the terminal `user_unreachable` is for an agent that could not drive it itself.
async fn interaction_relay(ctx: &CaseContext) -> Outcome {
    let body = json!({
        "type": "interaction",
        "description": "The resource needs the person to confirm",
        "url": format!("{}/interact", Party::Resource.identifier()),
        "code": "X7K2-M9P4",
    });
    let response = attempt!(interact(ctx, &body).await);
    match response.status {
        202 if response.header("location").is_some() => Outcome::Pass,
        424 if problem_code(&response).as_deref() == Some("interaction_unavailable") => {
            Outcome::Pass
        }
        _ => fail(
            Role::PersonServer,
            format!(
                "a relay of an interaction the agent could drive itself was answered {}, \
                 not 202 or 424 interaction_unavailable",
                describe(&response)
            ),
        ),
    }
}

// ---- PS-035 and PS-040: missions ----

/// A mission approved for `agent` naming `resources`: its `s256` (-11: the `s256` member;
/// -10: the digest of the blob, which is the whole body).
async fn mission_for(ctx: &CaseContext, agent: &HarnessAgent, resources: &[&str]) -> Step<String> {
    let path = endpoint(ctx, "aauth-person.json", "mission_endpoint").await?;
    let body = with_hints(
        ctx,
        json!({
            "description": "Read data at the named resources for a conformance case",
            "resources": resources,
        }),
    );
    let response = post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await?;
    let s256 = if ctx.profile() == Profile::Aauth11 {
        body_member(&response, "s256")
    } else {
        use sha2::Digest as _;
        Some(aauth_harness::jose::b64::encode(sha2::Sha256::digest(
            &response.body,
        )))
    };
    Ok(match s256 {
        Some(s256) if response.status == 200 => Ok(s256),
        _ => Err(precondition_skip("the mission proposal", &response)),
    })
}

/// The token flow under a mission at `resource`: -11 asks for a person token naming the
/// mission and cites it; -10 puts the mission reference in the resource token.
async fn auth_token_under_mission(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    resource: &ExtraResource,
    s256: &str,
) -> Step<String> {
    let rt = if ctx.profile() == Profile::Aauth11 {
        let mission = json!({ "mission_s256": s256 });
        let pt = match person_token_at(ctx, agent, &resource.identifier, &mission).await? {
            Ok(t) => t,
            Err(o) => return Ok(Err(o)),
        };
        resource.claims(ctx, agent, Some(&pt), "data.read")
    } else {
        let mut rt = resource.claims(ctx, agent, None, "data.read");
        rt.mission = Some(MissionRef {
            approver: ctx.target.identifier.clone(),
            s256: s256.to_string(),
            extra: Default::default(),
        });
        rt
    };
    let redeemed = redeem(ctx, agent, &resource.mint(ctx, &rt)).await?;
    Ok(issued_auth_token(&redeemed)
        .ok_or_else(|| precondition_skip("the token request under the mission", &redeemed)))
}

/// PS-035: an accepted update answers `200 {"s256": …}` with the update's own digest, and
/// leaves the mission as it was: the person token issued before the update still redeems,
/// and new person tokens still name the same `mission_s256`.
async fn mission_update_keeps_tokens(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let world_resource = Party::Resource.identifier();
    let s256 = step!(mission_for(ctx, &agent, &[&world_resource]).await);
    let mission = json!({ "mission_s256": s256 });
    let before = step!(person_token_at(ctx, &agent, &world_resource, &mission).await);

    let base = attempt!(endpoint(ctx, "aauth-person.json", "mission_endpoint").await);
    let url = format!("{}/{s256}", base.trim_end_matches('/'));
    let update = json!({
        "action": "update",
        "description": "The first resource is slow; also reading its mirror.",
    });
    let mut response =
        attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &url, &update).await);
    if response.status == 202 {
        let Some(path) = response.header("location").map(|l| ctx.target_path(&l)) else {
            return fail(
                Role::PersonServer,
                "a deferred update answer has no Location".into(),
            );
        };
        response = attempt!(settle(ctx, &agent, &path).await);
        if response.status == 202 {
            return Outcome::Skip("the update is still waiting for the person".into());
        }
    }
    if let Some(outcome) = server_fault(&response, "a mission update") {
        return outcome;
    }
    if response.status != 200 {
        return precondition_skip("the mission update", &response);
    }
    match body_member(&response, "s256") {
        Some(digest) if digest == s256 => {
            return fail(
                Role::PersonServer,
                "the update answer repeats the mission's s256 instead of the update's digest"
                    .into(),
            )
        }
        Some(digest) if digest.len() == 43 && aauth_harness::jose::b64::decode(&digest).is_ok() => {
        }
        other => {
            return fail(
                Role::PersonServer,
                format!("the update answer's s256 is {other:?}, not a base64url SHA-256 digest"),
            )
        }
    }

    let after = attempt!(request_person_token_at(ctx, &agent, &world_resource, &mission).await);
    if after.status != 200 {
        return fail(
            Role::PersonServer,
            format!(
                "after an accepted update a person token naming the mission was answered {}",
                describe(&after)
            ),
        );
    }
    let rt = resource_claims(ctx, &agent, Some(&before), "read");
    let token = mint_resource_token(ctx, &rt.to_map());
    let redeemed = attempt!(redeem(ctx, &agent, &token).await);
    let auth = match issued_auth_token(&redeemed) {
        Some(t) => t,
        None => {
            return fail(
                Role::PersonServer,
                format!(
                    "a person token issued before the update no longer redeems ({})",
                    describe(&redeemed)
                ),
            )
        }
    };
    match text_claim(&auth, "mission_s256") {
        Some(m) if m == s256 => Outcome::Pass,
        other => fail(
            Role::PersonServer,
            format!("the auth token after the update carries mission_s256 {other:?}, not {s256}"),
        ),
    }
}

/// PS-040: when the person revokes a mission, the auth tokens issued under it are revoked
/// at their resource, so the resource refuses one it had served.
async fn mission_revocation_reaches_resource(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let extra = attempt!(extra_resource(ctx, "ps040"));
    let s256 = step!(mission_for(ctx, &agent, &[&extra.identifier]).await);
    let auth = step!(auth_token_under_mission(ctx, &agent, &extra, &s256).await);
    let served = attempt!(extra.present(ctx, &agent, &auth).await);
    if served.status != 200 {
        return precondition_skip("the auth token at its resource", &served);
    }
    let hook = ctx
        .request(
            "POST",
            aauth_harness::role::person_server::paths::REVOKE_MISSION,
        )
        .with_header("Content-Type", "application/json")
        .with_body(json!({ "mission_s256": s256 }).to_string());
    let revoked = attempt!(ctx.send(&hook).await);
    if !(200..300).contains(&revoked.status) {
        return Outcome::Skip(format!(
            "the target offers no hook to revoke a mission (the spec leaves mission control \
             to a companion document): {}",
            describe(&revoked)
        ));
    }
    let again = attempt!(extra.present(ctx, &agent, &auth).await);
    if again.status == 200 {
        fail(
            Role::PersonServer,
            "after the mission was revoked, the resource still serves the auth token issued \
             under it: the PS did not revoke it there"
                .into(),
        )
    } else {
        Outcome::Pass
    }
}

// ---- PS-029: updated_request ----

/// PS-029: an `updated_request` whose resource token comes from another resource is
/// refused, or at least never turns into an auth token for that other resource.
async fn updated_request_other_resource(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    let token = mint_resource_token(ctx, &rt.to_map());
    let path = attempt!(ps_token_path(ctx).await);
    let body = with_hints(ctx, json!({ "resource_token": token, "prompt": "consent" }));
    let response = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    if response.status != 202 {
        return Outcome::Skip(format!(
            "precondition failed: a prompt=consent token request was not deferred ({})",
            describe(&response)
        ));
    }
    let Some(pending) = response.header("location").map(|l| ctx.target_path(&l)) else {
        return fail(Role::PersonServer, "a 202 answer has no Location".into());
    };
    let other = attempt!(extra_resource(ctx, "ps029"));
    let mut swapped = rt.clone();
    swapped.iss = other.identifier.clone();
    swapped.jti = format!("{}-other", rt.jti);
    let update = json!({
        "action": "updated_request",
        "resource_token": other.mint(ctx, &swapped),
        "justification": "Asking the other resource instead.",
    });
    let posted = attempt!(send_as_agent(ctx, &agent, "POST", &pending, Some(&update)).await);
    if let Some(outcome) = server_fault(&posted, "an updated_request from another resource") {
        return outcome;
    }
    if (400..500).contains(&posted.status) {
        return Outcome::Pass;
    }
    let last = attempt!(settle(ctx, &agent, &pending).await);
    if let Some(outcome) = server_fault(&last, "a poll after the updated_request") {
        return outcome;
    }
    match body_member(&last, "auth_token").and_then(|t| text_claim(&t, "aud")) {
        Some(aud) if aud == other.identifier => fail(
            Role::PersonServer,
            format!(
                "an updated_request naming another resource ({aud}) was accepted and \
                 issued for it"
            ),
        ),
        _ => Outcome::Pass,
    }
}

// ---- REV-002: revocation keyed by (iss, jti) ----

/// An agent of `provider` (the trusted AP or an odd one) with `key`, whose agent token
/// carries `jti`.
fn agent_with_jti(
    ctx: &CaseContext,
    provider: Option<OddProvider>,
    local: &str,
    key: SigningKey,
    jti: &str,
) -> HarnessAgent {
    let ap = match provider {
        Some(which) => ctx.world.odd_ap(which),
        None => ctx.world.ap(),
    };
    let mut request = ap.request(local, &key.public_key());
    request.ps = ctx.agent_ps().or(request.ps);
    request.defect = Some(TokenDefect::SetClaim("jti".into(), json!(jti)));
    let minted = ap.mint(&request);
    HarnessAgent::new(&minted.claims.sub, key, &minted.token).with_ps(minted.claims.ps.as_deref())
}

/// The whole token flow for `agent` at the target (person token first under -11): the
/// first answer that is not `200`, or the token endpoint's.
async fn try_redeem(ctx: &CaseContext, agent: &HarnessAgent) -> Result<Response, HarnessError> {
    let person_token = if ctx.profile() == Profile::Aauth11 {
        let world_resource = Party::Resource.identifier();
        let response = request_person_token_at(ctx, agent, &world_resource, &json!({})).await?;
        match body_member(&response, "person_token") {
            Some(token) if response.status == 200 => Some(token),
            _ => return Ok(response),
        }
    } else {
        None
    };
    let rt = resource_claims(ctx, agent, person_token.as_deref(), "read");
    let token = mint_resource_token(ctx, &rt.to_map());
    redeem(ctx, agent, &token).await
}

/// REV-002: two agent tokens from different providers share a `jti`; revoking one at the
/// PS leaves the other usable.
async fn revocation_keyed_by_pair(ctx: &CaseContext) -> Outcome {
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    let jti = format!("agt-shared-{n}-{}", ctx.now());
    let (one, two) = (ctx.agent(), ctx.agent());
    let revoked = agent_with_jti(ctx, None, local_of(&one), one.key.clone(), &jti);
    let spared = agent_with_jti(
        ctx,
        Some(OddProvider::DualRole),
        local_of(&two),
        two.key.clone(),
        &jti,
    );
    for agent in [&revoked, &spared] {
        let response = attempt!(try_redeem(ctx, agent).await);
        if response.status != 200 {
            return precondition_skip("a token request before revocation", &response);
        }
    }
    let path = attempt!(endpoint(ctx, "aauth-person.json", "revocation_endpoint").await);
    let request = ctx
        .request("POST", &path)
        .with_header("Content-Type", "application/json")
        .with_body(json!({ "iss": Party::AgentProvider.identifier(), "jti": jti }).to_string());
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
    let signed = attempt!(ctx
        .world
        .sign_as(Party::AgentProvider, request, &sign_ctx)
        .map_err(|e| HarnessError::Config(format!("cannot sign: {e}"))));
    let answer = attempt!(ctx.send(&signed).await);
    if answer.status != 200 {
        return precondition_skip("the agent provider's revocation", &answer);
    }
    let gone = attempt!(try_redeem(ctx, &revoked).await);
    if gone.status == 200 {
        return Outcome::Skip(
            "precondition failed: the revoked agent token is still served (PS-039's to report)"
                .into(),
        );
    }
    let other = attempt!(try_redeem(ctx, &spared).await);
    if other.status == 200 {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "revoking ({}, {jti}) also refused the agent token with that jti from {} ({})",
                Party::AgentProvider.identifier(),
                OddProvider::DualRole.identifier(),
                describe(&other)
            ),
        )
    }
}

// ---- PS-006: directed identifiers ----

/// The `sub` the target gives `agent`'s person at `resource` (the World's when `None`):
/// the auth token's, after checking under -11 that the person token said the same.
async fn subject_at(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    resource: Option<&ExtraResource>,
) -> Step<String> {
    let resource_id =
        resource.map_or_else(|| Party::Resource.identifier(), |r| r.identifier.clone());
    let person_token = if ctx.profile() == Profile::Aauth11 {
        match person_token_at(ctx, agent, &resource_id, &json!({})).await? {
            Ok(t) => Some(t),
            Err(o) => return Ok(Err(o)),
        }
    } else {
        None
    };
    let token = match resource {
        Some(r) => r.mint(ctx, &r.claims(ctx, agent, person_token.as_deref(), "read")),
        None => mint_resource_token(
            ctx,
            &resource_claims(ctx, agent, person_token.as_deref(), "read").to_map(),
        ),
    };
    let response = redeem(ctx, agent, &token).await?;
    let Some(auth) = issued_auth_token(&response) else {
        return Ok(Err(precondition_skip("the token request", &response)));
    };
    let Some(sub) = text_claim(&auth, "sub") else {
        return Ok(Err(fail(
            Role::PersonServer,
            "the auth token has no sub".into(),
        )));
    };
    if let Some(pt) = &person_token {
        let person_sub = text_claim(pt, "sub");
        if person_sub.as_deref() != Some(sub.as_str()) {
            return Ok(Err(fail(
                Role::PersonServer,
                format!(
                    "the person token's sub {person_sub:?} differs from the auth token's \
                     {sub} at the same resource"
                ),
            )));
        }
    }
    Ok(Ok(sub))
}

/// PS-006 (MUST): the same agent with a new key (a fresh agent token for the same
/// identifier) gets the same `sub` at the same resource.
async fn sub_independent_of_key(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let first = step!(subject_at(ctx, &agent, None).await);
    let Some(key) = SigningKey::from_seed(&Alg::ED25519, rotated_seed(&agent)) else {
        return Outcome::Error(HarnessError::Config("cannot derive a key".into()));
    };
    let rotated = ctx.bound(
        ctx.world.ap(),
        ctx.world.ap().agent_with_key(local_of(&agent), key),
    );
    if rotated.id != agent.id || rotated.thumbprint() == agent.thumbprint() {
        return Outcome::Error(HarnessError::Config(
            "the rotated agent is not the same agent with a new key".into(),
        ));
    }
    let second = step!(subject_at(ctx, &rotated, None).await);
    if first == second {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "the same agent got sub {first} and, after rotating its key, sub {second} at \
                 the same resource"
            ),
        )
    }
}

/// A seed for the rotated key, distinct from every World-derived one.
fn rotated_seed(agent: &HarnessAgent) -> [u8; 32] {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(format!("rotated:{}", agent.id).as_bytes());
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&digest);
    seed
}

/// PS-006 (SHOULD): one person gets different `sub`s at two resources.
async fn sub_pairwise(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let other = attempt!(extra_resource(ctx, "ps006"));
    let here = step!(subject_at(ctx, &agent, None).await);
    let there = step!(subject_at(ctx, &agent, Some(&other)).await);
    if here != there {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "the person has sub {here} at both {} and {}, so the resources can correlate them",
                Party::Resource.identifier(),
                other.identifier
            ),
        )
    }
}

// ---- PS-010: new resources ----

/// PS-010: before issuing the first person token for a resource, the PS fetches the
/// resource's metadata.
async fn fetches_resource_metadata(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let fresh = attempt!(extra_resource(ctx, "ps010"));
    let before = fresh.metadata_hits(ctx);
    step!(person_token_at(ctx, &agent, &fresh.identifier, &json!({})).await);
    if fresh.metadata_hits(ctx) > before {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "a person token for {} was issued without fetching its metadata",
                fresh.identifier
            ),
        )
    }
}

/// PS-010: one agent naming ever more distinct resources is limited at some point within
/// [`FANOUT_PROBE`] of them (any refusal or deferral to the person counts).
async fn resource_fanout_limited(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let n = SERIAL.fetch_add(1, Ordering::Relaxed);
    for i in 0..FANOUT_PROBE {
        let resource = format!("https://fan-{n}-{i}.harness.test");
        let response = attempt!(request_person_token_at(ctx, &agent, &resource, &json!({})).await);
        if let Some(outcome) = server_fault(&response, "a person token request") {
            return outcome;
        }
        match response.status {
            200 => {}
            _ if i == 0 => return precondition_skip("the first person token request", &response),
            _ => return Outcome::Pass,
        }
    }
    fail(
        Role::PersonServer,
        format!(
            "one agent obtained person tokens for {FANOUT_PROBE} distinct resources without \
             being limited (a higher limit cannot be told apart from none in a short run)"
        ),
    )
}

/// The cases of this module.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.permission.answer-shape",
        "Asks the permission endpoint about a described action",
        "PS-037",
        Must,
        profiles::FROM_10,
        permission_shape
    ),
    case!(
        "ps.permission.action-required",
        "Asks the permission endpoint without naming the action",
        "PS-037",
        Must,
        profiles::FROM_10,
        permission_action_required
    ),
    case!(
        "ps.interaction.type-required",
        "Posts to the interaction endpoint without a type",
        "PS-038",
        Must,
        profiles::FROM_10,
        interaction_type_required
    ),
    case!(
        "ps.interaction.question-answer",
        "Asks the person a question through the interaction endpoint",
        "PS-038",
        Must,
        profiles::FROM_10,
        interaction_question
    ),
    case!(
        "ps.interaction.relay-unavailable-not-terminal",
        "Asks the PS to relay an interaction URL and code the agent holds",
        "PS-038",
        Should,
        profiles::FROM_10,
        interaction_relay
    ),
    case!(
        "ps.mission.update-keeps-tokens",
        "Updates a mission, then uses the person token issued before the update",
        "PS-035",
        Must,
        profiles::ONLY_11,
        mission_update_keeps_tokens,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.mission.revocation-revokes-auth-tokens",
        "Has the person revoke a mission, then presents its auth token at the resource",
        "PS-040",
        Should,
        profiles::FROM_10,
        mission_revocation_reaches_resource,
        needs & [Capability::MISSIONS, Capability::PERSON_HOOK]
    ),
    case!(
        "ps.deferred.updated-request-other-resource",
        "Posts an updated_request whose resource token comes from another resource",
        "PS-029",
        Must,
        profiles::FROM_10,
        updated_request_other_resource,
        needs & [Capability::DEFERRED]
    ),
    case!(
        "ps.revocation.keyed-by-issuer-and-jti",
        "Revokes one of two agent tokens from different providers sharing a jti",
        "REV-002",
        Must,
        profiles::FROM_10,
        revocation_keyed_by_pair,
        needs & [Capability::REVOCATION]
    ),
    case!(
        "ps.subject.same-after-key-rotation",
        "Obtains tokens at one resource before and after the agent rotates its key",
        "PS-006",
        Must,
        profiles::FROM_10,
        sub_independent_of_key
    ),
    case!(
        "ps.subject.pairwise-per-resource",
        "Obtains tokens for one person at two resources",
        "PS-006",
        Should,
        profiles::FROM_10,
        sub_pairwise
    ),
    case!(
        "ps.person-token.fetches-resource-metadata",
        "Asks for the first person token at a resource the PS has never seen",
        "PS-010",
        Should,
        profiles::ONLY_11,
        fetches_resource_metadata
    ),
    case!(
        "ps.person-token.resource-fanout-limited",
        "Asks for person tokens at ever more distinct resources as one agent",
        "PS-010",
        Should,
        profiles::ONLY_11,
        resource_fanout_limited
    ),
];
