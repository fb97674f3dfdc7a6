//! `mission_endpoint` (AAuth "Mission"): proposals, and under -11 the mission's own URL
//! with `action` `update` or `completion`.
//!
//! Approval (PS-031) builds the blob (`approver`, `agent`, `approved_at`, optional
//! `expires_at`, `description`, `approved_tools`, `approved_resources`), persists its exact
//! bytes and returns `s256` over them. -11 answers `{s256, mission, capabilities,
//! person_tokens}` with a person token per approved resource; -10 answers with the blob as
//! the body and an `AAuth-Mission` header. Two proposals that would produce the same bytes
//! (same agent, text and second) get `approved_at` one second apart, so `s256` stays unique.
//!
//! At `POST {mission_endpoint}/{s256}` (PS-032 to PS-035): the agent is authenticated
//! first, then the segment and `action` are checked (`400 invalid_request`), then the
//! mission is looked up under (agent, `s256`), so a mission that does not exist and one
//! that belongs to another agent give the same `404 mission_not_found`. The
//! `ps-mission-oracle` flaw looks the mission up by `s256` alone and answers a foreign one
//! with `403`. A terminated mission answers `403 mission_terminated` with its reason.
//!
//! An accepted update (PS-035) appends the digest of its record to the mission's log and
//! answers `200 {"s256": <that digest>}`; the mission and every token naming it are left
//! alone. The `ps-mission-update-supersedes` flaw ends the mission as `superseded` instead.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::jose::b64;
use crate::message::{Request, Response};
use crate::role::endpoint::{invalid_request, json_ok, refuse, JsonBody, Reply};
use crate::role::flaw::Flaw;
use crate::wire::aauth_requirement::{AauthMission, MISSION_FIELD};
use crate::wire::identifier::{validate_s256, validate_server_identifier};
use crate::wire::problem::{ErrorCode, Problem, TerminationReason};

use super::caller::{self, Caller};
use super::deferred::{with_approval, Job};
use super::mission_store::{blob_bytes, iso8601, s256, BlobInput, Mission, MissionStatus};
use super::person_token::{self, PersonGrant};
use super::Ps;

/// `POST /mission`.
pub(crate) async fn create(ps: &Arc<Ps>, request: &Request) -> Response {
    create_flow(ps, request).await.unwrap_or_else(|r| r)
}

/// A proposal that passed its checks.
#[derive(Clone, Debug)]
struct Proposal {
    description: String,
    tools: Option<Value>,
    resources: Vec<String>,
}

async fn create_flow(ps: &Arc<Ps>, request: &Request) -> Reply {
    let caller = caller::authenticate(ps, request).await?;
    let body = JsonBody::parse(request)?;
    let description = body.req_str("description")?.to_string();
    let tools = match body.get("tools") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.iter().all(is_tool) => Some(Value::Array(items.clone())),
        Some(_) => {
            return Err(invalid_request(
                "tools must be an array of {name, description} objects",
            ))
        }
    };
    let resources = body.opt_strings("resources")?.unwrap_or_default();
    for r in &resources {
        validate_server_identifier(r).map_err(|f| {
            invalid_request(format!("resource {r:?} is not a server identifier: {f}"))
        })?;
    }
    let proposal = Proposal {
        description,
        tools,
        resources,
    };
    let owner = caller.id().to_string();
    let job = Job::new(Box::new(move |ps: Arc<Ps>, _| {
        Box::pin(async move { approve(&ps, &caller, &proposal) })
    }));
    Ok(with_approval(ps, &owner, job).await)
}

fn is_tool(v: &Value) -> bool {
    v.get("name").is_some_and(Value::is_string) && v.get("description").is_none_or(Value::is_string)
}

fn approve(ps: &Ps, caller: &Caller, proposal: &Proposal) -> Response {
    let now = ps.now();
    // The person may give the mission a lifetime (person hook), else the PS's default.
    let lifetime = ps
        .cfg
        .approver
        .script_for(caller.id())
        .and_then(|s| s.mission_lifetime)
        .or(ps.cfg.mission_lifetime);
    let expires_at = lifetime.map(|l| now.saturating_add(l));
    let capabilities: Vec<String> = Vec::new();
    let resources: &[String] = if ps.p11() { &proposal.resources } else { &[] };
    let (bytes, digest) = {
        let mut state = ps.state();
        let mut approved_at = now;
        loop {
            let bytes = blob_bytes(&BlobInput {
                approver: &ps.cfg.identifier,
                agent: caller.id(),
                approved_at,
                expires_at,
                description: &proposal.description,
                tools: proposal.tools.as_ref(),
                resources,
                capabilities: (!ps.p11()).then_some(capabilities.as_slice()),
            });
            let digest = s256(&bytes);
            if state.missions.any(&digest).is_none() {
                state.missions.insert(Mission {
                    s256: digest.clone(),
                    blob: bytes.clone(),
                    owner: caller.id().to_string(),
                    person: caller.person.clone(),
                    resources: resources.to_vec(),
                    expires_at,
                    status: MissionStatus::Active,
                    updates: Vec::new(),
                });
                break (bytes, digest);
            }
            approved_at = approved_at.saturating_add(1);
        }
    };
    if !ps.p11() {
        let mut response = Response::new(200)
            .with_header("content-type", "application/json")
            .with_body(bytes);
        if let Ok(header) = AauthMission::new(&ps.cfg.identifier, &digest).serialize() {
            response = response.with_header(MISSION_FIELD, header);
        }
        return response;
    }
    let mut person_tokens = Map::new();
    for resource in resources {
        let grant = PersonGrant {
            resource: resource.clone(),
            mission: Some((digest.clone(), expires_at)),
            person: caller.person.clone(),
            key: caller.key.clone(),
            agent_exp: caller.agent.exp,
            upstream_sub: None,
        };
        if let Ok((token, _)) = person_token::issue(ps, &grant) {
            person_tokens.insert(resource.clone(), token.into());
        }
    }
    let mut answer = json!({
        "s256": digest,
        "mission": b64::encode(&bytes),
        "capabilities": capabilities,
    });
    if !person_tokens.is_empty() {
        answer["person_tokens"] = Value::Object(person_tokens);
    }
    json_ok(answer)
}

/// `POST /mission/{s256}` (-11).
pub(crate) async fn act(ps: &Arc<Ps>, request: &Request) -> Response {
    act_flow(ps, request).await.unwrap_or_else(|r| r)
}

/// What the agent asked the mission URL for.
#[derive(Clone, Debug)]
enum MissionAction {
    Update(String),
    Completion,
}

async fn act_flow(ps: &Arc<Ps>, request: &Request) -> Reply {
    let caller = caller::authenticate(ps, request).await?;
    let segment = request.path.strip_prefix("/mission/").unwrap_or_default();
    validate_s256(segment)
        .map_err(|f| invalid_request(format!("the mission segment is malformed: {f}")))?;
    let body = JsonBody::parse(request)?;
    let action = match body.opt_str("action")? {
        Some("update") => MissionAction::Update(body.req_str("description")?.to_string()),
        Some("completion") => {
            body.req_str("summary")?;
            MissionAction::Completion
        }
        Some(other) => return Err(invalid_request(format!("unrecognised action {other:?}"))),
        None => return Err(invalid_request("action is required")),
    };
    owned_and_active(ps, caller.id(), segment)?;
    let s256_segment = segment.to_string();
    let owner = caller.id().to_string();
    let job = Job::new(Box::new(move |ps: Arc<Ps>, _| {
        Box::pin(async move { carry_out(&ps, &caller, &s256_segment, &action) })
    }));
    Ok(with_approval(ps, &owner, job).await)
}

/// The one `404` both unknown and foreign missions get.
fn mission_not_found() -> Response {
    Problem::new(ErrorCode::MISSION_NOT_FOUND)
        .with_detail("no such mission")
        .to_response(404)
}

/// Find the caller's mission and require it active.
pub(crate) fn owned_and_active(ps: &Ps, agent: &str, mission_s256: &str) -> Result<(), Response> {
    let now = ps.now();
    let mut state = ps.state();
    let mission = if ps.has(Flaw::PsMissionOracle) {
        match state.missions.any(mission_s256) {
            None => return Err(mission_not_found()),
            Some(m) if m.owner != agent => {
                return Err(refuse(
                    403,
                    ErrorCode::new("access_denied"),
                    "this mission belongs to another agent",
                ))
            }
            Some(m) => m,
        }
    } else {
        state
            .missions
            .owned_by(agent, mission_s256)
            .ok_or_else(mission_not_found)?
    };
    match mission.status_at(now) {
        MissionStatus::Active => Ok(()),
        MissionStatus::Terminated(reason) => {
            Err(Problem::mission_terminated(Some(reason.clone())).to_response(403))
        }
    }
}

fn carry_out(ps: &Ps, caller: &Caller, mission_s256: &str, action: &MissionAction) -> Response {
    if let Err(r) = owned_and_active(ps, caller.id(), mission_s256) {
        return r;
    }
    let now = ps.now();
    let mut state = ps.state();
    let Some(mission) = state.missions.owned_by(caller.id(), mission_s256) else {
        return mission_not_found();
    };
    match action {
        MissionAction::Update(description) => {
            let record = json!({
                "action": "update",
                "description": description,
                "accepted_at": iso8601(now),
            });
            let digest = s256(record.to_string().as_bytes());
            mission.updates.push(digest.clone());
            if ps.has(Flaw::PsMissionUpdateSupersedes) {
                mission.terminate(TerminationReason::SUPERSEDED);
            }
            json_ok(json!({ "s256": digest }))
        }
        MissionAction::Completion => {
            mission.terminate(TerminationReason::COMPLETED);
            json_ok(json!({
                "s256": mission.s256,
                "mission_status": "terminated",
                "termination_reason": "completed",
            }))
        }
    }
}

/// -10 completion through the interaction endpoint: terminate the caller's mission.
pub(crate) fn complete(ps: &Ps, caller: &Caller, mission_s256: &str) -> Response {
    carry_out(ps, caller, mission_s256, &MissionAction::Completion)
}
