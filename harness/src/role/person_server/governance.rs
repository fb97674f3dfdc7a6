//! The PS governance endpoints, kept small: enough for an agent to exercise them against
//! the reference PS and for a case to check the shapes (PS-036 to PS-038).
//!
//! - `permission_endpoint`: `action` REQUIRED (the `ps-permission-action-optional` flaw
//!   grants without it); `200 {"permission":"granted"}` when the person approves,
//!   `{"permission":"denied","reason":…}` under the deny policy, `202` while deferred.
//! - `audit_endpoint`: `mission_s256` (-10: `mission`) and `action` REQUIRED; `201`.
//! - `interaction_endpoint`: `type` REQUIRED. The scripted person has no channel to be sent
//!   to a URL, so `interaction` and `payment` get `424 interaction_unavailable` (the
//!   `ps-interaction-relay-terminal` flaw answers the terminal `403 user_unreachable`);
//!   `question` is answered; -10 `completion` ends the named mission.
//!
//! Any mission named must be the caller's and active (`403 mission_terminated`).

use std::sync::Arc;

use serde_json::{json, Value};

use crate::message::{Request, Response};
use crate::role::approver::ApprovalPolicy;
use crate::role::endpoint::{invalid_request, json_ok, refuse, JsonBody, Reply};
use crate::role::flaw::Flaw;
use crate::wire::identifier::validate_s256;
use crate::wire::problem::ErrorCode;

use super::caller::{self, Caller};
use super::deferred::{with_approval, Job};
use super::missions::{complete, owned_and_active};
use super::{paths, Ps};

/// `POST /permission`, `/audit`, `/interaction`.
pub(crate) async fn handle(ps: &Arc<Ps>, request: &Request) -> Response {
    flow(ps, request).await.unwrap_or_else(|r| r)
}

async fn flow(ps: &Arc<Ps>, request: &Request) -> Reply {
    let caller = caller::authenticate(ps, request).await?;
    let body = JsonBody::parse(request)?;
    let mission = mission_param(ps, &body)?;
    if let Some(s256) = &mission {
        owned_and_active(ps, caller.id(), s256)?;
    }
    match request.path.as_str() {
        paths::PERMISSION => permission(ps, caller, &body).await,
        paths::AUDIT => {
            body.req_str("action")?;
            for name in ["description", "result"] {
                body.opt_str(name)?;
            }
            if mission.is_none() && !ps.has(Flaw::PsAuditMissionOptional) {
                return Err(invalid_request("an audit record needs a mission"));
            }
            Ok(Response::new(201))
        }
        _ => interaction(ps, caller, &body, mission).await,
    }
}

/// The mission a governance request names: `mission_s256` (-11) or `mission.s256` (-10).
fn mission_param(ps: &Ps, body: &JsonBody) -> Result<Option<String>, Response> {
    let s256 = if ps.p11() {
        body.opt_str("mission_s256")?.map(str::to_string)
    } else {
        match body.get("mission") {
            None | Some(Value::Null) => None,
            Some(m) => {
                let approver = m.get("approver").and_then(Value::as_str);
                let s256 = m.get("s256").and_then(Value::as_str);
                match (approver, s256) {
                    (Some(a), Some(s)) if a == ps.cfg.identifier => Some(s.to_string()),
                    (Some(_), Some(_)) => {
                        return Err(invalid_request("mission.approver is another server"))
                    }
                    _ => return Err(invalid_request("mission needs approver and s256")),
                }
            }
        }
    };
    if let Some(s) = &s256 {
        validate_s256(s).map_err(|f| invalid_request(format!("mission hash malformed: {f}")))?;
    }
    Ok(s256)
}

async fn permission(ps: &Arc<Ps>, caller: Caller, body: &JsonBody) -> Reply {
    if ps.has(Flaw::PsPermissionActionOptional) {
        body.opt_str("action")?;
    } else {
        body.req_str("action")?;
    }
    body.opt_str("description")?;
    if ps.cfg.approver.policy() == ApprovalPolicy::Deny {
        return Ok(json_ok(json!({
            "permission": "denied",
            "reason": "The person declined.",
        })));
    }
    let job = Job::new(Box::new(|_, _| {
        Box::pin(async { json_ok(json!({ "permission": "granted" })) })
    }));
    Ok(with_approval(ps, caller.id(), job).await)
}

async fn interaction(
    ps: &Arc<Ps>,
    caller: Caller,
    body: &JsonBody,
    mission: Option<String>,
) -> Reply {
    match body.req_str("type")? {
        "interaction" | "payment" if ps.has(Flaw::PsInteractionRelayTerminal) => Err(refuse(
            403,
            ErrorCode::USER_UNREACHABLE,
            "the person cannot be reached",
        )),
        "interaction" | "payment" => Err(refuse(
            424,
            ErrorCode::INTERACTION_UNAVAILABLE,
            "this person server has no channel to relay the interaction",
        )),
        "question" => {
            body.req_str("question")?;
            let job = Job::new(Box::new(|_, _| {
                Box::pin(async { json_ok(json!({ "answer": "Yes, go ahead." })) })
            }));
            Ok(with_approval(ps, caller.id(), job).await)
        }
        "completion" if !ps.p11() => {
            let Some(s256) = mission else {
                return Err(invalid_request("completion needs a mission"));
            };
            let owner = caller.id().to_string();
            let job = Job::new(Box::new(move |ps: Arc<Ps>, _| {
                Box::pin(async move { complete(&ps, &caller, &s256) })
            }));
            Ok(with_approval(ps, &owner, job).await)
        }
        other => Err(invalid_request(format!(
            "unknown interaction type {other:?}"
        ))),
    }
}
