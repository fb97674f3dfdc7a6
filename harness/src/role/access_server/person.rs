//! The person behind the reference AS: the last step before issuing asks them, through the
//! shared scripted person ([`crate::role::approver`]). Unscripted agents are approved at
//! once, so four-party flows run as before; a test scripts the person for one agent with
//! the person hook (`POST /_harness/person`, the contract in [`crate::role::approver`]):
//! `deny` answers the PS `202 requirement=approval` and the PS's poll `403 denied`; `defer`
//! parks the request until the hook decides it by pending URL. The
//! `as-denial-as-oauth-error` flaw answers a denial with OAuth's `400 access_denied`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Map;

use crate::message::{Request, Response};
use crate::role::approver::{self, Approver, Decision, HookMessage, Opening};
use crate::role::endpoint::refuse;
use crate::role::flaw::Flaw;
use crate::role::pending::PendingStore;
use crate::wire::aauth_requirement::{AauthRequirement, Requirement};
use crate::wire::problem::ErrorCode;
use crate::wire::problem::Problem;

use super::token::{issue, AsGrant};
use super::As;

/// The scripted person and the requests waiting for them.
#[derive(Debug, Default)]
pub(crate) struct Person {
    approver: Approver,
    awaiting: Mutex<HashMap<String, AsGrant>>,
}

impl Person {
    fn awaiting(&self) -> MutexGuard<'_, HashMap<String, AsGrant>> {
        self.awaiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Ask the person about `grant`; issue now, or answer `202` and wait.
pub(crate) fn ask(inner: &As, grant: AsGrant) -> Response {
    let opening = match grant.agent_id() {
        Some(agent) => inner.person.approver.open_for(agent, false).0,
        None => Opening::Approved,
    };
    let Opening::Deferred { decided } = opening else {
        return issue(inner, &grant);
    };
    let ticket = inner.pending.open(
        grant.ps(),
        Some(AauthRequirement::new(Requirement::APPROVAL)),
        Map::new(),
    );
    match decided {
        Some(Decision::Deny) => {
            inner.pending.resolve(&ticket.id, denied(inner));
        }
        Some(Decision::Approve) => {
            inner.pending.resolve(&ticket.id, issue(inner, &grant));
        }
        None => {
            inner.person.approver.track(&ticket.id);
            inner.person.awaiting().insert(ticket.id.clone(), grant);
        }
    }
    inner.pending.accepted(&ticket.id)
}

/// The polling error a denial produces.
fn denied(inner: &As) -> Response {
    if inner.has(Flaw::AsDenialAsOauthError) {
        return Problem::new(ErrorCode::ACCESS_DENIED)
            .with_detail("the person declined the request")
            .to_response(400);
    }
    approver::denied()
}

/// `POST /_harness/person`.
pub(crate) async fn hook(inner: &Arc<As>, request: &Request) -> Response {
    match approver::parse_hook(request) {
        Err(r) => r,
        Ok(HookMessage::Script { agent, script }) => {
            inner.person.approver.script(&agent, script);
            Response::new(204)
        }
        Ok(HookMessage::Decide { pending, decision }) => {
            let path = pending
                .strip_prefix(inner.pending.config().origin.as_str())
                .unwrap_or(&pending);
            let id = PendingStore::id_from_path(path).unwrap_or_default();
            let grant = inner.person.awaiting().remove(id);
            let Some(grant) = grant.filter(|_| inner.person.approver.decide(id)) else {
                return refuse(
                    404,
                    ErrorCode::INVALID_REQUEST,
                    "nothing is waiting at that pending URL",
                );
            };
            let response = match decision {
                Decision::Approve => issue(inner, &grant),
                Decision::Deny => denied(inner),
            };
            inner.pending.resolve(id, response);
            Response::new(204)
        }
    }
}
