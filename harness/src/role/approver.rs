//! The scripted person behind a reference PS (or any role that asks someone): approves at
//! once, denies at once, approves after a number of polls, or waits for a test to decide
//! through the admin hook `POST /_harness/decide {"id": "...", "decision": "approve"|"deny"}`.
//!
//! The approver only decides; the role owns the work to run on approval and the pending
//! request (see [`crate::role::pending`]). The `id` is the pending request's id, i.e. the
//! last path segment of the `Location` the role answered with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use crate::message::{Request, Response};
use crate::wire::problem::{ErrorCode, Problem};

/// Where tests post decisions.
pub const DECIDE_PATH: &str = "/_harness/decide";

/// What the person decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Approve,
    /// Refuse (the poll answers `403 denied`).
    Deny,
}

/// How the scripted person behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ApprovalPolicy {
    /// Approve immediately: no deferred response at all.
    #[default]
    AutoApprove,
    /// Deny: the role answers `202`, and the first poll gets `403 denied`.
    Deny,
    /// Answer `202` and approve on the n-th poll (n ≥ 1).
    ApproveAfterPolls(u32),
    /// Answer `202` and wait for [`DECIDE_PATH`].
    Manual,
}

#[derive(Debug, Default)]
struct Ticket {
    polls: u32,
}

/// The scripted person. Cheap to clone; clones share state.
#[derive(Clone, Debug, Default)]
pub struct Approver {
    policy: Arc<Mutex<ApprovalPolicy>>,
    open: Arc<Mutex<HashMap<String, Ticket>>>,
}

/// What the approver says when a request first needs a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Decided on the spot: approve without deferring.
    Approved,
    /// Deferred: answer `202` and call [`Approver::track`] with the pending id.
    Deferred {
        /// Already decided (`Deny` policy): settle the pending request now.
        decided: Option<Decision>,
    },
}

impl Approver {
    /// A person following `policy`.
    pub fn new(policy: ApprovalPolicy) -> Self {
        Approver {
            policy: Arc::new(Mutex::new(policy)),
            open: Arc::default(),
        }
    }

    fn tickets(&self) -> MutexGuard<'_, HashMap<String, Ticket>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The policy in force.
    pub fn policy(&self) -> ApprovalPolicy {
        *self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Change the policy for requests opened from now on.
    pub fn set_policy(&self, policy: ApprovalPolicy) {
        *self.policy.lock().unwrap_or_else(|e| e.into_inner()) = policy;
    }

    /// A request needs the person: decide now or defer.
    pub fn open(&self) -> Opening {
        match self.policy() {
            ApprovalPolicy::AutoApprove => Opening::Approved,
            ApprovalPolicy::Deny => Opening::Deferred {
                decided: Some(Decision::Deny),
            },
            ApprovalPolicy::ApproveAfterPolls(_) | ApprovalPolicy::Manual => {
                Opening::Deferred { decided: None }
            }
        }
    }

    /// Remember a deferred request under its pending id.
    pub fn track(&self, id: &str) {
        self.tickets().insert(id.to_string(), Ticket::default());
    }

    /// Count a poll of `id`; under [`ApprovalPolicy::ApproveAfterPolls`] the n-th poll
    /// approves (and forgets the ticket).
    pub fn on_poll(&self, id: &str) -> Option<Decision> {
        let ApprovalPolicy::ApproveAfterPolls(n) = self.policy() else {
            return None;
        };
        let mut tickets = self.tickets();
        let ticket = tickets.get_mut(id)?;
        ticket.polls = ticket.polls.saturating_add(1);
        if ticket.polls >= n.max(1) {
            tickets.remove(id);
            Some(Decision::Approve)
        } else {
            None
        }
    }

    /// A decision arrived through the admin hook: true when `id` was waiting for one (the
    /// ticket is then forgotten, and the role carries the decision out).
    pub fn decide(&self, id: &str) -> bool {
        self.tickets().remove(id).is_some()
    }

    /// Drop a ticket (cancelled or settled elsewhere).
    pub fn forget(&self, id: &str) {
        self.tickets().remove(id);
    }

    /// Ids still waiting for a decision, for tests that do not read `Location`.
    pub fn waiting(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.tickets().keys().cloned().collect();
        ids.sort();
        ids
    }
}

/// Read an admin decision `{"id": "...", "decision": "approve"|"deny"}`, or the `400` to
/// answer with.
pub fn parse_decision(request: &Request) -> Result<(String, Decision), Response> {
    let bad = |detail: &str| {
        Problem::new(ErrorCode::INVALID_REQUEST)
            .with_detail(detail)
            .to_response(400)
    };
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(bad("expected a JSON object"));
    };
    let id = map
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("id must be a string"))?;
    let decision = match map.get("decision").and_then(Value::as_str) {
        Some("approve") => Decision::Approve,
        Some("deny") => Decision::Deny,
        _ => return Err(bad("decision must be approve or deny")),
    };
    Ok((id.to_string(), decision))
}

/// The polling error a denial produces.
pub fn denied() -> Response {
    Problem::new(ErrorCode::DENIED)
        .with_detail("the person declined the request")
        .to_response(403)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_open_as_expected() {
        assert_eq!(Approver::default().open(), Opening::Approved);
        assert_eq!(
            Approver::new(ApprovalPolicy::Deny).open(),
            Opening::Deferred {
                decided: Some(Decision::Deny)
            }
        );
        assert_eq!(
            Approver::new(ApprovalPolicy::Manual).open(),
            Opening::Deferred { decided: None }
        );
    }

    #[test]
    fn approve_after_polls_counts() {
        let a = Approver::new(ApprovalPolicy::ApproveAfterPolls(2));
        a.track("x");
        assert_eq!(a.on_poll("x"), None);
        assert_eq!(a.on_poll("x"), Some(Decision::Approve));
        assert_eq!(a.on_poll("x"), None);
    }

    #[test]
    fn manual_decisions_need_a_tracked_id() {
        let a = Approver::new(ApprovalPolicy::Manual);
        a.track("x");
        assert_eq!(a.waiting(), vec!["x".to_string()]);
        assert!(a.decide("x"));
        assert!(!a.decide("x"));
    }

    #[test]
    fn decisions_parse_strictly() {
        let r = |b: &str| Request::new("POST", "https", "ps", DECIDE_PATH).with_body(b.to_string());
        assert_eq!(
            parse_decision(&r(r#"{"id":"a","decision":"deny"}"#)).ok(),
            Some(("a".into(), Decision::Deny))
        );
        assert!(parse_decision(&r(r#"{"id":"a","decision":"maybe"}"#)).is_err());
        assert!(parse_decision(&r("nope")).is_err());
    }
}
