//! `{#person-token-endpoint}` (-11): what a person server issues to an agent for one
//! resource, and which requests it must refuse. The harness plays a fresh agent each time.

use aauth_harness::role::agent::unverified_claims;
use aauth_harness::role::Role;
use serde_json::{json, Value};

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::ps_flow::{self, agent_exp, exp_within, fail, person_token, short_lived_agent};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::{attempt, step};

const INVALID_REQUEST: Expect = Expect::Problem {
    status: 400,
    codes: &["invalid_request"],
};

/// PS-005: the token a fresh agent receives has the person-token shape and no `scope`.
async fn token_shape(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let token = step!(person_token(ctx, &agent, &json!({})).await);
    let Some(claims) = unverified_claims(&token) else {
        return fail(Role::PersonServer, "the person token is not a JWS".into());
    };
    if claims.contains_key("scope") {
        return fail(
            Role::PersonServer,
            "the person token carries a scope claim".into(),
        );
    }
    let aud = claims.get("aud").and_then(Value::as_str);
    if aud != Some(aauth_harness::world::Party::Resource.identifier().as_str()) {
        return fail(
            Role::PersonServer,
            format!("aud is {aud:?}, not the requested resource"),
        );
    }
    let cnf = claims
        .get("cnf")
        .and_then(|c| c.get("jwk"))
        .and_then(Value::as_object);
    if cnf.is_none() {
        return fail(Role::PersonServer, "the person token has no cnf.jwk".into());
    }
    Outcome::Pass
}

/// PS-005: a person token never outlives the agent token that asked for it.
async fn capped_by_agent_token(ctx: &CaseContext) -> Outcome {
    let agent = short_lived_agent(ctx);
    let Some(cap) = agent_exp(&agent) else {
        return Outcome::Error(crate::outcome::HarnessError::Config(
            "the short-lived agent token has no exp".into(),
        ));
    };
    let token = step!(person_token(ctx, &agent, &json!({})).await);
    exp_within(&token, cap, "the person token", Role::PersonServer)
}

/// PS-003: `resource` values that parse as URLs but are not server identifiers.
async fn resource_not_identifier(ctx: &CaseContext, resource: &str) -> Outcome {
    let agent = ctx.agent();
    let _ = step!(person_token(ctx, &agent, &json!({})).await);
    let response = attempt!(
        ps_flow::request_person_token(ctx, &agent, &json!({ "resource": resource })).await
    );
    judge(&INVALID_REQUEST, &response, ctx.role())
}

async fn resource_with_path(ctx: &CaseContext) -> Outcome {
    resource_not_identifier(ctx, "https://resource.harness.test/api/v1").await
}

async fn resource_plain_http(ctx: &CaseContext) -> Outcome {
    resource_not_identifier(ctx, "http://resource.harness.test").await
}

async fn resource_with_query(ctx: &CaseContext) -> Outcome {
    resource_not_identifier(ctx, "https://resource.harness.test?tenant=a").await
}

/// PS-020: a sub-agent signing its own person-token request is refused.
async fn subagent_signer(ctx: &CaseContext) -> Outcome {
    let parent = ctx.agent();
    let _ = step!(person_token(ctx, &parent, &json!({})).await);
    let sub = ps_flow::sub_agent(ctx, &parent);
    let response = attempt!(ps_flow::request_person_token(ctx, &sub, &json!({})).await);
    judge(&Expect::Refused, &response, ctx.role())
}

macro_rules! case {
    ($id:literal, $title:literal, $req:literal, $level:ident, $profiles:expr, $f:ident) => {
        Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                roles::PERSON_SERVER,
                $profiles,
            ),
            run: {
                fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
                    Box::pin($f(ctx))
                }
                body
            },
        }
    };
    ($id:literal, $title:literal, $req:literal, $level:ident, $profiles:expr, $f:ident, needs $needs:expr) => {
        Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                roles::PERSON_SERVER,
                $profiles,
            )
            .with_needs($needs),
            run: {
                fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
                    Box::pin($f(ctx))
                }
                body
            },
        }
    };
}
pub(crate) use case;

/// PS-007: a parent asks for a person token for a sub-agent whose `parent_agent` is another
/// agent. The same request with its own sub-agent must be served first (else Skip).
async fn subagent_foreign_parent(ctx: &CaseContext) -> Outcome {
    let parent = ctx.agent();
    let own = ps_flow::sub_agent(ctx, &parent);
    let baseline = attempt!(
        ps_flow::request_person_token(ctx, &parent, &json!({ "subagent_token": own.agent_token }))
            .await
    );
    let Some(token) = ps_flow::body_member(&baseline, "person_token") else {
        return ps_flow::precondition_skip(
            "a person token request for the parent's own sub-agent",
            &baseline,
        );
    };
    // A PS without sub-agent support ignores `subagent_token` and issues for the caller;
    // it then ignores the foreign one too, which breaks nothing. Only a PS that bound the
    // token to the sub-agent's key has shown it honours `subagent_token`.
    if ps_flow::cnf_thumbprint(&token).as_deref() != Some(own.thumbprint().as_str()) {
        return Outcome::Skip(
            "the target ignored subagent_token (the person token is not bound to the \
             sub-agent's key): it does not support parent-mediated sub-agents"
                .into(),
        );
    }
    let other_parent = ctx.agent();
    let foreign = ps_flow::sub_agent(ctx, &other_parent);
    let response = attempt!(
        ps_flow::request_person_token(
            ctx,
            &parent,
            &json!({ "subagent_token": foreign.agent_token })
        )
        .await
    );
    judge(&Expect::Refused, &response, ctx.role())
}

/// The person-token endpoint cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.person-token.shape",
        "Asks for a person token for the World's resource as a fresh agent",
        "PS-005",
        Must,
        profiles::ONLY_11,
        token_shape
    ),
    case!(
        "ps.person-token.capped-by-agent-token",
        "Asks for a person token presenting an agent token that expires in ten minutes",
        "PS-005",
        Must,
        profiles::ONLY_11,
        capped_by_agent_token
    ),
    case!(
        "ps.person-token.resource-with-path",
        "Asks for a person token for a resource URL with a path",
        "PS-003",
        Must,
        profiles::ONLY_11,
        resource_with_path
    ),
    case!(
        "ps.person-token.resource-plain-http",
        "Asks for a person token for an http resource URL",
        "PS-003",
        Must,
        profiles::ONLY_11,
        resource_plain_http
    ),
    case!(
        "ps.person-token.resource-with-query",
        "Asks for a person token for a resource URL with a query",
        "PS-003",
        Must,
        profiles::ONLY_11,
        resource_with_query
    ),
    case!(
        "ps.person-token.subagent-signer",
        "Asks for a person token signed by a sub-agent whose agent token names a parent",
        "PS-020",
        Must,
        profiles::ONLY_11,
        subagent_signer
    ),
    case!(
        "ps.person-token.subagent-foreign-parent",
        "Asks for a person token with a subagent_token whose parent_agent is another agent",
        "PS-007",
        Must,
        profiles::ONLY_11,
        subagent_foreign_parent
    ),
];
