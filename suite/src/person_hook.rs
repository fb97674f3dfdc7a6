//! The scripted person, from the suite's side: how a case tells the target's person what to
//! answer, through the hook the target file names (`person_hook` in `[person-server]` or
//! `[access-server]`, with the `person-hook` capability).
//!
//! The contract (README, "The person hook"): unsigned JSON `POST`s to the hook path.
//!
//! - `{"agent": "<agent identifier>", "policy": "approve"|"deny"|"defer"}`, optionally with
//!   `"reachable": false` (the server has no channel to this person) and
//!   `"mission_lifetime": <seconds>` (missions the person approves expire that long after
//!   approval): how the person answers every prompt raised from then on for requests made by
//!   that agent. Any `2xx` means done.
//! - `{"pending": "<Location URL as sent>", "decision": "approve"|"deny"}`: the person
//!   decides one deferred request.
//!
//! Every case scripts a fresh agent, and decisions name a pending URL, so cases running at
//! once never touch each other's settings. A target that declares `person-hook` but names no
//! path, or whose hook refuses a message, makes the case skip with that reason: the hook is
//! test equipment, not conformance.

use std::time::Duration;

use aauth_harness::message::{Fields, Response};
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::cases::ps_flow::send_as_agent;
use crate::context::CaseContext;
use crate::judge::describe;
use crate::outcome::{HarnessError, Outcome};

/// How the person answers prompts for one agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Agree.
    Approve,
    /// Refuse: the request ends in `403 denied` on its pending URL.
    Deny,
    /// Keep the request pending until [`decide`].
    Defer,
}

impl Policy {
    fn as_str(self) -> &'static str {
        match self {
            Policy::Approve => "approve",
            Policy::Deny => "deny",
            Policy::Defer => "defer",
        }
    }
}

/// One script for one agent's person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Script {
    /// The answer to every prompt.
    pub policy: Policy,
    /// False: the server has no channel to the person.
    pub reachable: bool,
    /// Seconds from approval to the `expires_at` of approved missions.
    pub mission_lifetime: Option<i64>,
}

impl Script {
    /// A reachable person who answers `policy`.
    pub fn new(policy: Policy) -> Script {
        Script {
            policy,
            reachable: true,
            mission_lifetime: None,
        }
    }

    /// The server has no channel to this person.
    pub fn unreachable(mut self) -> Script {
        self.reachable = false;
        self
    }

    /// Missions the person approves expire `seconds` after approval.
    pub fn mission_lifetime(mut self, seconds: i64) -> Script {
        self.mission_lifetime = Some(seconds);
        self
    }

    fn to_json(self, agent: &str) -> Value {
        let mut body = json!({ "agent": agent, "policy": self.policy.as_str() });
        if !self.reachable {
            body["reachable"] = json!(false);
        }
        if let Some(seconds) = self.mission_lifetime {
            body["mission_lifetime"] = json!(seconds);
        }
        body
    }
}

/// True when the target declares the capability (whether or not it names a path).
pub fn declared(ctx: &CaseContext) -> bool {
    ctx.target
        .declared
        .info
        .capabilities
        .contains(Capability::PERSON_HOOK)
}

/// The hook path of the target's role.
fn path(ctx: &CaseContext) -> Option<String> {
    match ctx.role() {
        Role::AccessServer => ctx.target.access_server.person_hook.clone(),
        _ => ctx.target.person_server.person_hook.clone(),
    }
}

async fn post(
    ctx: &CaseContext,
    body: &Value,
    what: &str,
) -> Result<Result<(), Outcome>, HarnessError> {
    let Some(path) = path(ctx) else {
        return Ok(Err(Outcome::Skip(
            "the target declares person-hook but its target file names no person_hook path".into(),
        )));
    };
    let request = ctx
        .request("POST", &path)
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string());
    let response = ctx.send(&request).await?;
    if (200..300).contains(&response.status) {
        Ok(Ok(()))
    } else {
        Ok(Err(Outcome::Skip(format!(
            "the person hook refused {what} ({})",
            describe(&response)
        ))))
    }
}

/// Script the person for `agent`.
pub async fn script(
    ctx: &CaseContext,
    agent: &str,
    script: Script,
) -> Result<Result<(), Outcome>, HarnessError> {
    post(ctx, &script.to_json(agent), "the script").await
}

/// Have the person decide the request pending at `location` (the `Location` as sent).
pub async fn decide(
    ctx: &CaseContext,
    location: &str,
    approve: bool,
) -> Result<Result<(), Outcome>, HarnessError> {
    let decision = if approve { "approve" } else { "deny" };
    let body = json!({ "pending": location, "decision": decision });
    post(ctx, &body, "the decision").await
}

/// For cases that need the person to agree: script approval for `agent` when the target
/// declares the hook; otherwise leave the target to its own default (most approve).
pub async fn approve_if_hooked(
    ctx: &CaseContext,
    agent: &str,
) -> Result<Result<(), Outcome>, HarnessError> {
    if declared(ctx) {
        script(ctx, agent, Script::new(Policy::Approve)).await
    } else {
        Ok(Ok(()))
    }
}

/// Seconds `Retry-After` asks for, if it is a plain number.
pub fn retry_after(response: &Response) -> Option<u64> {
    response.header("retry-after")?.trim().parse().ok()
}

/// The longest the suite waits between two polls, whatever `Retry-After` says: long
/// intervals belong to real deployments, not to a conformance run.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Polls `path` as `agent` until the answer is not `202` or `polls` polls were made,
/// waiting as `Retry-After` asks (bounded) between polls. Returns the last answer.
pub async fn poll_until_settled(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    path: &str,
    first_wait: Option<u64>,
    polls: u32,
) -> Result<Response, HarnessError> {
    let mut wait = first_wait;
    let mut last = None;
    for _ in 0..polls.max(1) {
        let interval = Duration::from_secs(wait.unwrap_or(0))
            .min(MAX_POLL_INTERVAL)
            .max(Duration::from_millis(50));
        tokio::time::sleep(interval).await;
        let response = send_as_agent(ctx, agent, "GET", path, None).await?;
        if response.status != 202 {
            return Ok(response);
        }
        wait = retry_after(&response).or(wait);
        last = Some(response);
    }
    last.ok_or_else(|| HarnessError::Config("no poll was made".into()))
}
