//! `{#error-responses}` at the person and access servers: a token request the server must
//! refuse (no `resource_token`) is answered with an `application/problem+json` body whose
//! `error` member names the fault.

use aauth_harness::message::{Fields, Response};
use aauth_harness::wire::problem::Problem;
use serde_json::json;

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::ps_flow::{self, fail, with_body};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::{attempt, probe};

/// The refusal must be a 4xx with a problem+json body carrying `error`.
fn problem_shape(ctx: &CaseContext, response: &Response) -> Outcome {
    let refused = judge(&Expect::Refused, response, ctx.role());
    if refused != Outcome::Pass {
        return refused;
    }
    let content_type = response.header("content-type").unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/problem+json" {
        return fail(
            ctx.role(),
            format!("the error body is {content_type:?}, not application/problem+json"),
        );
    }
    match Problem::parse(&response.body) {
        Ok(_) => Outcome::Pass,
        Err(e) => fail(
            ctx.role(),
            format!("the problem body has no usable error: {e}"),
        ),
    }
}

/// ERR-001 at the PS token endpoint.
async fn ps_missing_resource_token(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let path = attempt!(ps_flow::ps_token_path(ctx).await);
    let body = ps_flow::with_hints(ctx, json!({ "justification": "no token at all" }));
    let response =
        attempt!(ps_flow::post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    problem_shape(ctx, &response)
}

/// ERR-001 at the AS token endpoint.
async fn as_missing_resource_token(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let probe = attempt!(probe::baseline(ctx).await);
    let probe = with_body(probe, &json!({ "agent_token": agent.agent_token }));
    let request = attempt!(probe.sign(None));
    let response = attempt!(ctx.send(&request).await);
    problem_shape(ctx, &response)
}

fn body_ps<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(ps_missing_resource_token(ctx))
}

fn body_as<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(as_missing_resource_token(ctx))
}

/// The error-format cases.
pub const CASES: &[Case<CaseContext>] = &[
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("ps.errors.problem-json"),
            "Sends a token request without resource_token to the PS",
            ReqId::from_static("ERR-001"),
            Level::Must,
            roles::PERSON_SERVER,
            profiles::FROM_10,
        ),
        run: body_ps,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("as.errors.problem-json"),
            "Sends a token request without resource_token to the AS",
            ReqId::from_static("ERR-001"),
            Level::Must,
            roles::ACCESS_SERVER,
            profiles::FROM_10,
        ),
        run: body_as,
    },
];
