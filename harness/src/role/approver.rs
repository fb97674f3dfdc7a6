//! The scripted person behind a reference PS (or any role that asks someone): approves at
//! once, denies at once, approves after a number of polls, or waits for a test to decide
//! through the admin hook `POST /_harness/decide {"id": "...", "decision": "approve"|"deny"}`.
//!
//! The approver only decides; the role owns the work to run on approval and the pending
//! request (see [`crate::role::pending`]). The `id` is the pending request's id, i.e. the
//! last path segment of the `Location` the role answered with.
//!
//! # The person hook (the contract a target file's `person_hook` names)
//!
//! A test that needs a person to say something posts unsigned JSON to the target's
//! `person_hook` path ([`PERSON_HOOK_PATH`] here). Two messages, strictly read:
//!
//! - `{"agent": "aauth:…", "policy": "approve"|"deny"|"defer"}`, with optional
//!   `"reachable": false` and `"mission_lifetime": <seconds>`: from now on, every prompt
//!   raised for a request this agent makes is answered that way. `approve`: the person
//!   agrees (the server may still answer `202` first); `deny`: the person refuses, so the
//!   request ends, on its pending URL, in `403 denied`; `defer`: the person has not answered
//!   yet and the request stays pending until the second message decides it. `reachable:
//!   false` says the server has no channel to this person, so only an agent that can drive
//!   `interaction` can bring them in; `mission_lifetime` is the `expires_at` the person
//!   gives the missions they approve, counted from approval. Answer: `204`.
//! - `{"pending": "<Location URL as the server sent it>", "decision": "approve"|"deny"}`:
//!   the person decides one deferred request. Answer: `204`, or `404` when nothing waits
//!   there.
//!
//! Scripts are keyed by agent and decisions by pending URL, and every test uses a fresh
//! agent, so concurrent tests never share a setting. An agent with no script gets the
//! approver's global [`ApprovalPolicy`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use crate::message::{Request, Response};
use crate::wire::problem::{ErrorCode, Problem};

/// Where tests post decisions.
pub const DECIDE_PATH: &str = "/_harness/decide";

/// Where tests script the person (the person-hook contract above).
pub const PERSON_HOOK_PATH: &str = "/_harness/person";

/// How the person answers prompts raised for one agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentPolicy {
    /// Agree.
    Approve,
    /// Refuse.
    Deny,
    /// Say nothing until a decision arrives through the hook.
    Defer,
}

/// Everything the hook can say about one agent's person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentScript {
    /// The answer to every prompt.
    pub policy: AgentPolicy,
    /// False: the server has no channel to the person (only `interaction` reaches them).
    pub reachable: bool,
    /// Seconds from approval to the `expires_at` of missions the person approves.
    pub mission_lifetime: Option<i64>,
}

/// One message to the person hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HookMessage {
    /// Script the person for one agent.
    Script {
        /// The agent identifier.
        agent: String,
        /// What the person will say.
        script: AgentScript,
    },
    /// Decide one deferred request.
    Decide {
        /// The pending URL as the server sent it in `Location`.
        pending: String,
        /// The answer.
        decision: Decision,
    },
}

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
    /// Opened by [`Approver::open_prompted`] under auto-approval: the person approves as
    /// soon as the agent first polls.
    approve_on_poll: bool,
}

/// The scripted person. Cheap to clone; clones share state.
#[derive(Clone, Debug, Default)]
pub struct Approver {
    policy: Arc<Mutex<ApprovalPolicy>>,
    open: Arc<Mutex<HashMap<String, Ticket>>>,
    scripts: Arc<Mutex<HashMap<String, AgentScript>>>,
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
            scripts: Arc::default(),
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

    /// Script the person for `agent` (replaces an earlier script).
    pub fn script(&self, agent: &str, script: AgentScript) {
        self.scripts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(agent.to_string(), script);
    }

    /// The script for `agent`, if a test set one.
    pub fn script_for(&self, agent: &str) -> Option<AgentScript> {
        self.scripts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(agent)
            .copied()
    }

    /// A request by `agent` needs the person: its script decides, else the global policy.
    /// Returns the opening and whether the person approves on the agent's first poll.
    pub fn open_for(&self, agent: &str, prompted: bool) -> (Opening, bool) {
        match self.script_for(agent).map(|s| s.policy) {
            Some(AgentPolicy::Approve) if prompted => (Opening::Deferred { decided: None }, true),
            Some(AgentPolicy::Approve) => (Opening::Approved, false),
            Some(AgentPolicy::Deny) => (
                Opening::Deferred {
                    decided: Some(Decision::Deny),
                },
                false,
            ),
            Some(AgentPolicy::Defer) => (Opening::Deferred { decided: None }, false),
            None if prompted => self.open_prompted(),
            None => (self.open(), false),
        }
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

    /// The agent asked for the person to be prompted (`prompt=consent`): never decided on
    /// the spot. Under [`ApprovalPolicy::AutoApprove`] the person approves on the first poll
    /// (pass `true` as `approve_on_poll` to [`Approver::track_prompted`]); other policies
    /// behave as for [`Approver::open`].
    pub fn open_prompted(&self) -> (Opening, bool) {
        match self.open() {
            Opening::Approved => (Opening::Deferred { decided: None }, true),
            other => (other, false),
        }
    }

    /// Remember a prompted request under its pending id.
    pub fn track_prompted(&self, id: &str, approve_on_poll: bool) {
        self.tickets().insert(
            id.to_string(),
            Ticket {
                polls: 0,
                approve_on_poll,
            },
        );
    }

    /// Remember a deferred request under its pending id.
    pub fn track(&self, id: &str) {
        self.tickets().insert(id.to_string(), Ticket::default());
    }

    /// Count a poll of `id`; under [`ApprovalPolicy::ApproveAfterPolls`] the n-th poll
    /// approves (and forgets the ticket).
    pub fn on_poll(&self, id: &str) -> Option<Decision> {
        if self.tickets().get(id).is_some_and(|t| t.approve_on_poll) {
            self.tickets().remove(id);
            return Some(Decision::Approve);
        }
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

/// Read a person-hook message (strict: unknown members and wrong types are `400`).
pub fn parse_hook(request: &Request) -> Result<HookMessage, Response> {
    let bad = |detail: String| {
        Problem::new(ErrorCode::INVALID_REQUEST)
            .with_detail(detail)
            .to_response(400)
    };
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(bad("expected a JSON object".into()));
    };
    let text = |name: &str| map.get(name).and_then(Value::as_str);
    let allowed: &[&str] = if map.contains_key("pending") {
        &["pending", "decision"]
    } else {
        &["agent", "policy", "reachable", "mission_lifetime"]
    };
    if let Some(extra) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(format!("unknown member {extra}")));
    }
    if let Some(pending) = text("pending") {
        let decision = match text("decision") {
            Some("approve") => Decision::Approve,
            Some("deny") => Decision::Deny,
            _ => return Err(bad("decision must be approve or deny".into())),
        };
        return Ok(HookMessage::Decide {
            pending: pending.to_string(),
            decision,
        });
    }
    let agent = text("agent").ok_or_else(|| bad("agent or pending must be a string".into()))?;
    let policy = match text("policy") {
        Some("approve") => AgentPolicy::Approve,
        Some("deny") => AgentPolicy::Deny,
        Some("defer") => AgentPolicy::Defer,
        _ => return Err(bad("policy must be approve, deny or defer".into())),
    };
    let reachable = match map.get("reachable") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("reachable must be a boolean".into())),
    };
    let mission_lifetime = match map.get("mission_lifetime") {
        None => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Some(n),
            _ => return Err(bad("mission_lifetime must be a non-negative integer".into())),
        },
    };
    Ok(HookMessage::Script {
        agent: agent.to_string(),
        script: AgentScript {
            policy,
            reachable,
            mission_lifetime,
        },
    })
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
    fn prompted_requests_defer_and_auto_approve_on_the_first_poll() {
        let a = Approver::default();
        let (opening, on_poll) = a.open_prompted();
        assert_eq!(opening, Opening::Deferred { decided: None });
        a.track_prompted("x", on_poll);
        assert_eq!(a.on_poll("x"), Some(Decision::Approve));
        assert_eq!(a.on_poll("x"), None);
        let manual = Approver::new(ApprovalPolicy::Manual);
        let (opening, on_poll) = manual.open_prompted();
        assert_eq!(opening, Opening::Deferred { decided: None });
        manual.track_prompted("y", on_poll);
        assert_eq!(manual.on_poll("y"), None);
        assert!(manual.decide("y"));
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
    fn scripts_override_the_global_policy_per_agent() {
        let a = Approver::default();
        let script = |policy| AgentScript {
            policy,
            reachable: true,
            mission_lifetime: None,
        };
        a.script("aauth:d@ap", script(AgentPolicy::Deny));
        a.script("aauth:w@ap", script(AgentPolicy::Defer));
        assert_eq!(
            a.open_for("aauth:d@ap", false).0,
            Opening::Deferred {
                decided: Some(Decision::Deny)
            }
        );
        assert_eq!(
            a.open_for("aauth:w@ap", false),
            (Opening::Deferred { decided: None }, false)
        );
        assert_eq!(a.open_for("aauth:other@ap", false).0, Opening::Approved);
    }

    #[test]
    fn hook_messages_parse_strictly() {
        let r = |b: &str| {
            Request::new("POST", "https", "ps", PERSON_HOOK_PATH).with_body(b.to_string())
        };
        assert_eq!(
            parse_hook(&r(
                r#"{"agent":"aauth:a@b","policy":"defer","reachable":false}"#
            ))
            .ok(),
            Some(HookMessage::Script {
                agent: "aauth:a@b".into(),
                script: AgentScript {
                    policy: AgentPolicy::Defer,
                    reachable: false,
                    mission_lifetime: None
                }
            })
        );
        assert_eq!(
            parse_hook(&r(
                r#"{"pending":"https://ps/pending/x","decision":"deny"}"#
            ))
            .ok(),
            Some(HookMessage::Decide {
                pending: "https://ps/pending/x".into(),
                decision: Decision::Deny
            })
        );
        assert!(parse_hook(&r(r#"{"agent":"a","policy":"maybe"}"#)).is_err());
        assert!(parse_hook(&r(r#"{"agent":"a","policy":"deny","extra":1}"#)).is_err());
        assert!(parse_hook(&r(r#"{"agent":"a","policy":"deny","mission_lifetime":-1}"#)).is_err());
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
