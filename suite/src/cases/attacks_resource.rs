//! The attack scenarios of requirements §4 aimed at a resource, each run as the attacker
//! would: token-type confusion (A9), audience swap (A10), a rogue issuer (A19) and a
//! `aauth-10`-style request to an `aauth-11` resource (A24 b). Revocation spoofing (A30) is in
//! `revocation`, cross-issuer `sub` collision (A31) in `person_token_verification`; deferred
//! double execution (A29) needs a resource that defers, which no knob can trigger yet.

use aauth_harness::jose::mutate::TokenDefect;
use aauth_harness::message::{Fields, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::{AauthRequirement, MISSION_FIELD};
use aauth_harness::world::Party;
use serde_json::json;

use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::cases::auth_token_verification::rogue_issuer;
use crate::cases::person_token_verification::request_scope;
use crate::cases::resource_common::{
    auth_path, endpoint_path, not_served, post_json, res_case, send, sign, Step,
};
use crate::cases::resource_tokens::issued_resource_token;
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, Mismatch, Outcome};

/// Not served, and no resource token handed out on the strength of the presented token.
fn refused_without_resource_token(ctx: &CaseContext, response: &Response) -> Outcome {
    let leaked = response
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok())
        .is_some_and(|r| r.resource_token.is_some());
    if leaked {
        return Outcome::Fail(
            Failure::new(
                Role::Resource,
                Mismatch::Other(
                    "a resource token was issued on a token addressed to another resource".into(),
                ),
            )
            .accepting([
                "400 invalid_person_token",
                "401 Signature-Error invalid_jwt",
            ])
            .saw(describe(response)),
        );
    }
    not_served(ctx, response)
}

/// A9: the agent token on the operation that needs an auth token.
async fn agent_token_on_operation(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let request = sign(
        ctx,
        &agent,
        ctx.request("GET", &path),
        &agent.agent_token,
        None,
    )?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// A9: a resource token the resource itself issued, presented back as the credential.
async fn resource_token_as_credential(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let grounding = if ctx.profile().has_person_tokens() {
        ctx.world
            .mint_person_token(&agent, &ctx.target.identifier, None)
    } else {
        agent.agent_token.clone()
    };
    let resource_token = issued_resource_token(ctx, &agent, &grounding, None).await?;
    let request = sign(
        ctx,
        &agent,
        ctx.request("GET", &path),
        &resource_token,
        None,
    )?;
    Ok(not_served(ctx, &send(ctx, &request).await?))
}

/// A10: a person token for another resource, presented on the operation.
async fn person_token_audience_swap(ctx: &CaseContext) -> Step<Outcome> {
    let (path, _) = auth_path(ctx)?;
    let agent = ctx.agent();
    let defect = TokenDefect::Aud("https://other-resource.harness.test".into());
    let token = ctx
        .world
        .mint_person_token(&agent, &ctx.target.identifier, Some(&defect));
    let request = sign(ctx, &agent, ctx.request("GET", &path), &token, None)?;
    Ok(refused_without_resource_token(
        ctx,
        &send(ctx, &request).await?,
    ))
}

/// A19: a rogue access server with its own metadata mints a perfect auth token.
async fn rogue_access_server(ctx: &CaseContext) -> Step<Outcome> {
    rogue_issuer(ctx, Party::EvilAccessServer).await
}

/// A24 (b): an `aauth-10`-style authorization request (agent token, `AAuth-Mission`) to an
/// `aauth-11` resource is still challenged for a person token.
async fn p10_request_to_p11(ctx: &CaseContext) -> Step<Outcome> {
    let path = endpoint_path(ctx, "authorization_endpoint").await?;
    let scope = request_scope(ctx).await?;
    let agent = ctx.agent();
    let mission = format!(
        "approver=\"{}\", s256=\"u6X8sM4dtB2JkWlQ0kFZ3n3xJrV8t1c1oPjY9QqgW0E\"",
        Party::PersonServer.identifier()
    );
    let request =
        post_json(ctx, &path, &json!({ "scope": scope })).with_header(MISSION_FIELD, mission);
    let request = sign(ctx, &agent, request, &agent.agent_token, None)?;
    Ok(judge(
        &Expect::Challenge {
            status: 401,
            requirement: "person-token",
        },
        &send(ctx, &request).await?,
        ctx.role(),
    ))
}

/// Cases that need an authorization endpoint issuing resource tokens.
const ISSUES: &[Capability] = &[Capability::RESOURCE_TOKENS];

/// The resource attack cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "attack.token-confusion.agent-token-on-operation",
        "Presents only the agent token on the operation that needs an auth token",
        "RES-014",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        agent_token_on_operation
    ),
    res_case!(
        "attack.token-confusion.resource-token-as-credential",
        "Presents a resource token the resource issued as the request credential",
        "RES-014",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        ISSUES,
        resource_token_as_credential
    ),
    res_case!(
        "attack.audience-swap.person-token-on-operation",
        "Presents a person token issued for another resource on the operation",
        "RES-004",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        &[],
        person_token_audience_swap
    ),
    res_case!(
        "attack.rogue-issuer.access-server",
        "Presents a well-formed auth token minted by an access server the resource never used",
        "RES-015",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        rogue_access_server
    ),
    res_case!(
        "attack.downgrade.p10-request-to-p11",
        "Posts an aauth-10-style authorization request (agent token, AAuth-Mission) to an aauth-11 resource",
        "RES-002",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        p10_request_to_p11
    ),
];
