//! `{#missions}` (-11): mission approval at `mission_endpoint`, the mission's own URL
//! (`{mission_endpoint}/{s256}`), and how a mission binds later person and auth tokens.

use aauth_harness::jose::b64;
use aauth_harness::message::Response;
use aauth_harness::role::agent::{unverified_claims, HarnessAgent};
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    self, body_member, endpoint, fail, post_as_agent, precondition_skip, redeem_claims, with_hints,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, problem_code, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, step};

/// A mission approved for `agent` at the World's resource: `(s256, response)`.
async fn create_mission(
    ctx: &CaseContext,
    agent: &HarnessAgent,
) -> Result<Result<(String, Response), Outcome>, HarnessError> {
    let path = endpoint(ctx, "aauth-person.json", "mission_endpoint").await?;
    ps_flow::approve_first(ctx, agent).await?;
    let body = with_hints(
        ctx,
        json!({
            "description": "Read the harness resource for a conformance case",
            "resources": [Party::Resource.identifier()],
        }),
    );
    let response = post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await?;
    Ok(match body_member(&response, "s256") {
        Some(s256) if response.status == 200 => Ok((s256, response)),
        _ => Err(precondition_skip("the mission proposal", &response)),
    })
}

/// POSTs `body` to the mission URL of `s256` as `agent`.
async fn act(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    s256: &str,
    body: &Value,
) -> Result<Response, HarnessError> {
    let base = endpoint(ctx, "aauth-person.json", "mission_endpoint").await?;
    let path = format!("{}/{s256}", base.trim_end_matches('/'));
    post_as_agent(ctx, agent, &agent.agent_token, &path, body).await
}

/// PS-031: `s256` is the SHA-256 of the mission blob's bytes, and the person token for the
/// approved resource carries it.
async fn approval_output(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (s256, response) = step!(create_mission(ctx, &agent).await);
    let Some(blob) = body_member(&response, "mission").and_then(|m| b64::decode(&m).ok()) else {
        return fail(
            Role::PersonServer,
            "the approval has no base64url mission blob".into(),
        );
    };
    let digest = b64::encode(Sha256::digest(&blob));
    if digest != s256 {
        return fail(
            Role::PersonServer,
            format!("s256 is {s256} but the blob hashes to {digest}"),
        );
    }
    let resource = Party::Resource.identifier();
    let token = response.body_json().and_then(|v| {
        v.get("person_tokens")?
            .get(&resource)?
            .as_str()
            .map(str::to_string)
    });
    if let Some(token) = token {
        let bound = unverified_claims(&token).and_then(|c| {
            c.get("mission_s256")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        if bound.as_deref() != Some(s256.as_str()) {
            return fail(
                Role::PersonServer,
                format!("the returned person token carries mission_s256 {bound:?}"),
            );
        }
    }
    Outcome::Pass
}

/// PS-032: an action the mission URL does not define is refused with `invalid_request`.
async fn unknown_action(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (s256, _) = step!(create_mission(ctx, &agent).await);
    let response = attempt!(act(ctx, &agent, &s256, &json!({ "action": "pause" })).await);
    judge(
        &Expect::Problem {
            status: 400,
            codes: &["invalid_request"],
        },
        &response,
        ctx.role(),
    )
}

/// PS-033: another agent's mission and a mission that does not exist look the same.
async fn foreign_looks_unknown(ctx: &CaseContext) -> Outcome {
    let owner = ctx.agent();
    let (s256, _) = step!(create_mission(ctx, &owner).await);
    let stranger = ctx.agent();
    let update = json!({ "action": "update", "description": "take it over" });
    let foreign = attempt!(act(ctx, &stranger, &s256, &update).await);
    let refusal = judge(&Expect::Refused, &foreign, ctx.role());
    if refusal != Outcome::Pass {
        return refusal;
    }
    // A well-formed digest nobody holds: the stranger's key thumbprint.
    let unknown = attempt!(act(ctx, &stranger, &stranger.thumbprint(), &update).await);
    let (a, b) = (
        (foreign.status, problem_code(&foreign)),
        (unknown.status, problem_code(&unknown)),
    );
    if a == b {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "another agent's mission answers {a:?} while an unknown one answers {b:?}, \
                 disclosing that the mission exists"
            ),
        )
    }
}

/// PS-034: after completion, a person token naming the mission is refused with
/// `403 mission_terminated`.
async fn completed_mission(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (s256, _) = step!(create_mission(ctx, &agent).await);
    let done = json!({ "action": "completion", "summary": "finished" });
    let response = attempt!(act(ctx, &agent, &s256, &done).await);
    if response.status != 200 {
        return precondition_skip("completing the mission", &response);
    }
    let response = attempt!(
        ps_flow::request_person_token(ctx, &agent, &json!({ "mission_s256": s256 })).await
    );
    judge(
        &Expect::Problem {
            status: 403,
            codes: &["mission_terminated"],
        },
        &response,
        ctx.role(),
    )
}

/// PS-012: a resource token that drops the person token's `mission_s256` is refused.
async fn mission_stripped(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (s256, _) = step!(create_mission(ctx, &agent).await);
    let token = step!(ps_flow::person_token(ctx, &agent, &json!({ "mission_s256": s256 })).await);
    let mut rt = ps_flow::resource_claims(ctx, &agent, Some(&token), "read");
    if rt.mission_s256.is_none() {
        return fail(
            Role::PersonServer,
            "the person token issued under a mission does not carry mission_s256".into(),
        );
    }
    rt.mission_s256 = None;
    let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// PS-036: an audit record under an approved mission is answered `201`; the same record
/// without `mission_s256` is `400 invalid_request`.
async fn audit_needs_mission(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let path = attempt!(endpoint(ctx, "aauth-person.json", "audit_endpoint").await);
    let (s256, _) = step!(create_mission(ctx, &agent).await);
    let record = json!({ "mission_s256": s256, "action": "read", "result": "ok" });
    let logged = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &record).await);
    if logged.status != 201 {
        return crate::cases::ps_flow::fail(
            Role::PersonServer,
            format!(
                "a valid audit record was answered {}, not 201",
                crate::judge::describe(&logged)
            ),
        );
    }
    let bare = json!({ "action": "read", "result": "ok" });
    let response = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &bare).await);
    judge(
        &Expect::Problem {
            status: 400,
            codes: &["invalid_request"],
        },
        &response,
        ctx.role(),
    )
}

/// The mission cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.mission.approval-output",
        "Proposes a mission for the World's resource",
        "PS-031",
        Must,
        profiles::ONLY_11,
        approval_output,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.mission.unknown-action",
        "Posts an undefined action to the mission's URL",
        "PS-032",
        Must,
        profiles::ONLY_11,
        unknown_action,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.mission.foreign-looks-unknown",
        "Updates another agent's mission, then a mission nobody holds",
        "PS-033",
        Must,
        profiles::ONLY_11,
        foreign_looks_unknown,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.mission.completed-refuses-person-token",
        "Asks for a person token naming a mission the agent completed",
        "PS-034",
        Must,
        profiles::ONLY_11,
        completed_mission,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.token.mission-stripped",
        "Redeems a resource token that drops the cited person token's mission_s256",
        "PS-012",
        Must,
        profiles::ONLY_11,
        mission_stripped,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "ps.audit.needs-mission",
        "Posts an audit record with mission_s256, then one without it",
        "PS-036",
        Must,
        profiles::ONLY_11,
        audit_needs_mission,
        needs & [Capability::MISSIONS]
    ),
];
