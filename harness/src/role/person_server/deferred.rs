//! Approval and deferred delivery at the PS: every request that needs the person goes
//! through [`with_approval`], which runs the work at once when the scripted person
//! approves on the spot, and otherwise answers `202` (`requirement=approval`) and parks the
//! work as a [`Job`] under the pending id until a decision arrives, by poll count or
//! through `POST /_harness/decide`.
//!
//! The person hook ([`crate::role::approver`], `POST /_harness/person`) scripts the person
//! per agent. A script saying the person is unreachable changes what a request needing them
//! gets: `202 requirement=interaction` (a URL and a Crockford code the agent brings the
//! person to) when the agent declared the `interaction` capability, else the terminal `403
//! user_unreachable` (PS-025). Planted here: `ps-interaction-code-missing` (the interaction
//! `202` has no `code`), `ps-user-unreachable-ignores-capability` (`403` even for an agent
//! that can drive interaction), `ps-interaction-without-capability` (interaction offered
//! to an agent that cannot drive it) and `ps-denial-as-oauth-error` (a denial polls as
//! `400 access_denied`).
//!
//! The pending URL itself ([`pending`]) is authenticated like any agent endpoint, and only
//! the agent that made the request may poll, post to or cancel it (the store compares
//! identities on every request). `updated_request` replaces the parked resource token when
//! the new one has the same `iss` and `agent_jkt` as the original (PS-029; -11 dropped the
//! `agent` claim, see requirements §6 G5; the `ps-updated-request-unchecked` flaw takes any
//! token); the work re-verifies it when it runs.

use std::sync::Arc;

use serde_json::Map;

use crate::host::BoxFuture;
use crate::jose::jws;
use crate::message::{Request, Response};
use crate::role::approver::{self, Decision, HookMessage, Opening};
use crate::role::endpoint::{invalid_request, refuse};
use crate::role::flaw::Flaw;
use crate::role::pending::{PendingPost, PendingStep, PendingStore, PostKind};
use crate::wire::aauth_requirement::{AauthRequirement, Requirement};
use crate::wire::problem::{ErrorCode, Problem};

use super::{caller, Ps};

/// What to run on approval: given the PS and, after `updated_request`, the replacement
/// resource token, produce the final response.
pub(crate) type Work = Box<dyn FnOnce(Arc<Ps>, Option<String>) -> BoxFuture<Response> + Send>;

/// Parked work.
pub(crate) struct Job {
    work: Work,
    /// The resource token the request was made with, if it has one.
    original: Option<String>,
    /// A replacement posted with `updated_request`.
    updated: Option<String>,
}

impl Job {
    /// Work without a resource token.
    pub fn new(work: Work) -> Self {
        Job {
            work,
            original: None,
            updated: None,
        }
    }

    /// Work for a token request made with `resource_token`.
    pub fn with_resource_token(work: Work, resource_token: &str) -> Self {
        Job {
            original: Some(resource_token.to_string()),
            ..Job::new(work)
        }
    }

    async fn run(self, ps: Arc<Ps>) -> Response {
        (self.work)(ps, self.updated).await
    }
}

/// How a request asks for the person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ask {
    /// `prompt=consent`: the person is always asked, so the answer is always deferred.
    pub prompted: bool,
    /// The agent declared the `interaction` capability (the `capabilities` parameter).
    pub interaction_capable: bool,
}

/// Ask the person; run `job` now or defer it.
pub(crate) async fn with_approval(ps: &Arc<Ps>, owner: &str, job: Job) -> Response {
    with_person(ps, owner, job, Ask::default()).await
}

/// Ask the person as `ask` says; run `job` now, defer it, or say the person cannot be
/// reached.
pub(crate) async fn with_person(ps: &Arc<Ps>, owner: &str, job: Job, ask: Ask) -> Response {
    let approver = &ps.cfg.approver;
    let unreachable = approver.script_for(owner).is_some_and(|s| !s.reachable);
    if unreachable {
        let capable = (ask.interaction_capable || ps.has(Flaw::PsInteractionWithoutCapability))
            && !ps.has(Flaw::PsUserUnreachableIgnoresCapability);
        if !capable {
            return refuse(
                403,
                ErrorCode::USER_UNREACHABLE,
                "the person cannot be reached and the agent did not declare interaction",
            );
        }
        let (opening, approve_on_poll) = approver.open_for(owner, true);
        let mut requirement =
            AauthRequirement::interaction(&format!("{}/consent", ps.id()), &interaction_code());
        if ps.has(Flaw::PsInteractionCodeMissing) {
            requirement.code = None;
        }
        return defer(ps, owner, job, requirement, opening, approve_on_poll).await;
    }
    let (opening, approve_on_poll) = approver.open_for(owner, ask.prompted);
    let requirement = AauthRequirement::new(Requirement::APPROVAL);
    defer(ps, owner, job, requirement, opening, approve_on_poll).await
}

/// Eight Crockford base32 symbols (40 bits) shown as `XXXX-XXXX`.
fn interaction_code() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut raw = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    let symbols: String = raw
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(b & 31)).copied().unwrap_or(b'0')))
        .collect();
    format!("{}-{}", &symbols[..4], &symbols[4..])
}

async fn defer(
    ps: &Arc<Ps>,
    owner: &str,
    job: Job,
    requirement: AauthRequirement,
    opening: Opening,
    approve_on_poll: bool,
) -> Response {
    let approver = &ps.cfg.approver;
    match opening {
        Opening::Approved => job.run(ps.clone()).await,
        Opening::Deferred { decided } => {
            let ticket = ps.pending.open(owner, Some(requirement), Map::new());
            match decided {
                Some(Decision::Deny) => {
                    ps.pending.resolve(&ticket.id, denied(ps));
                }
                Some(Decision::Approve) => {
                    let response = job.run(ps.clone()).await;
                    ps.pending.resolve(&ticket.id, response);
                }
                None => {
                    approver.track_prompted(&ticket.id, approve_on_poll);
                    ps.jobs().insert(ticket.id.clone(), job);
                }
            }
            ps.pending.accepted(&ticket.id)
        }
    }
}

/// The polling error a denial produces (`ps-denial-as-oauth-error`: OAuth's
/// `400 access_denied` instead).
fn denied(ps: &Ps) -> Response {
    if ps.has(Flaw::PsDenialAsOauthError) {
        return Problem::new(ErrorCode::ACCESS_DENIED)
            .with_detail("the person declined the request")
            .to_response(400);
    }
    approver::denied()
}

/// Carry out a decision on pending request `id`. False when nothing was waiting.
pub(crate) async fn settle(ps: &Arc<Ps>, id: &str, decision: Decision) -> bool {
    let job = ps.jobs().remove(id);
    let Some(job) = job else {
        return false;
    };
    let response = match decision {
        Decision::Approve => job.run(ps.clone()).await,
        Decision::Deny => denied(ps),
    };
    ps.pending.resolve(id, response)
}

/// `GET`/`POST`/`DELETE /pending/{id}`.
pub(crate) async fn pending(ps: &Arc<Ps>, request: &Request) -> Response {
    let caller = match caller::authenticate(ps, request).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match ps.pending.classify(request, caller.id(), PostKind::Action) {
        PendingStep::Respond(response) => response,
        PendingStep::Poll { id, wait } => {
            if let Some(decision) = ps.cfg.approver.on_poll(&id) {
                settle(ps, &id, decision).await;
            }
            ps.pending.poll(&id, wait).await
        }
        PendingStep::Post { id, post } => match post {
            PendingPost::UpdatedRequest { resource_token, .. } => {
                match replace_resource_token(ps, &id, resource_token) {
                    Ok(()) => ps.pending.accepted(&id),
                    Err(r) => r,
                }
            }
            // The scripted person asks no questions, so an answer changes nothing; the
            // request stays pending. (A body without a recognised action only gets here
            // under the `ps-pending-action-optional` flaw.)
            PendingPost::ClarificationResponse(_) | PendingPost::Other(_) => {
                ps.pending.accepted(&id)
            }
        },
        PendingStep::Cancelled { id, response } => {
            ps.jobs().remove(&id);
            ps.cfg.approver.forget(&id);
            response
        }
    }
}

fn claim(token: &str, name: &str) -> Option<String> {
    let decoded = jws::decode(token).ok()?;
    let claims = decoded.payload_object().ok()?;
    claims.get(name)?.as_str().map(str::to_string)
}

fn replace_resource_token(ps: &Ps, id: &str, token: String) -> Result<(), Response> {
    let mut jobs = ps.jobs();
    let Some(job) = jobs.get_mut(id) else {
        return Err(invalid_request(
            "this pending request can no longer be updated",
        ));
    };
    let Some(original) = job.original.as_deref() else {
        return Err(invalid_request(
            "this pending request has no resource token",
        ));
    };
    let compared: &[&str] = if ps.has(Flaw::PsUpdatedRequestUnchecked) {
        &[]
    } else {
        &["iss", "agent_jkt"]
    };
    for name in compared {
        let (was, now) = (claim(original, name), claim(&token, name));
        if was.is_none() || was != now {
            return Err(refuse(
                400,
                ErrorCode::INVALID_RESOURCE_TOKEN,
                format!("the updated resource token must keep the original {name}"),
            ));
        }
    }
    job.updated = Some(token);
    Ok(())
}

/// `POST /_harness/person`: the person hook.
pub(crate) async fn person_hook(ps: &Arc<Ps>, request: &Request) -> Response {
    match approver::parse_hook(request) {
        Err(r) => r,
        Ok(HookMessage::Script { agent, script }) => {
            ps.cfg.approver.script(&agent, script);
            Response::new(204)
        }
        Ok(HookMessage::Decide { pending, decision }) => {
            let id = pending_id(&ps.pending, &pending).unwrap_or_default();
            if !ps.cfg.approver.decide(&id) || !settle(ps, &id, decision).await {
                return refuse(
                    404,
                    ErrorCode::INVALID_REQUEST,
                    "nothing is waiting at that pending URL",
                );
            }
            Response::new(204)
        }
    }
}

/// The pending id of a `Location` this server sent (absolute on its origin, or a path).
pub(crate) fn pending_id(store: &PendingStore, location: &str) -> Option<String> {
    let path = location
        .strip_prefix(store.config().origin.as_str())
        .unwrap_or(location);
    PendingStore::id_from_path(path).map(str::to_string)
}

/// `POST /_harness/decide`.
pub(crate) async fn decide(ps: &Arc<Ps>, request: &Request) -> Response {
    let (id, decision) = match approver::parse_decision(request) {
        Ok(d) => d,
        Err(r) => return r,
    };
    if !ps.cfg.approver.decide(&id) || !settle(ps, &id, decision).await {
        return refuse(
            404,
            ErrorCode::INVALID_REQUEST,
            "nothing is waiting under that id",
        );
    }
    Response::new(204)
}
