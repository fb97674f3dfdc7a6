//! Attacks on person and access servers (requirements §4): each case plays the attacker
//! (a colluding resource, a greedy agent, a rogue PS) with one forged or misdirected
//! element, and expects the server to refuse. Attacks whose stimulus is already a plain
//! requirement case (A12 `agent_jkt`, A16 terminated mission, A32 lifetime caps, A33 scope)
//! live with those cases; these are the variants that need an attacker's view.

use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::claims::{ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::message::Fields;
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::json;

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    self, body_member, precondition_skip, redeem, redeem_claims, redeemable, request_person_token,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, probe, step};

/// A14: a colluding resource swaps the `tenant` of the person token it cites.
async fn tenant_swapped(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let mut rt = step!(redeemable(ctx, &agent, &json!({}), "read").await);
    rt.tenant = Some(match rt.tenant.as_deref() {
        Some(t) => format!("{t}-other"),
        None => "tenant-of-someone-else".into(),
    });
    let response = attempt!(redeem_claims(ctx, &agent, &rt).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// A15: an agent names another agent's mission when asking for a person token.
async fn foreign_mission(ctx: &CaseContext) -> Outcome {
    let owner = ctx.agent();
    let path = attempt!(ps_flow::endpoint(ctx, "aauth-person.json", "mission_endpoint").await);
    let body = ps_flow::with_hints(
        ctx,
        json!({ "description": "A mission another agent will try to borrow" }),
    );
    let created =
        attempt!(ps_flow::post_as_agent(ctx, &owner, &owner.agent_token, &path, &body).await);
    let Some(s256) = body_member(&created, "s256").filter(|_| created.status == 200) else {
        return precondition_skip("the mission proposal", &created);
    };
    let thief = ctx.agent();
    let _ = step!(ps_flow::person_token(ctx, &thief, &json!({})).await);
    let response =
        attempt!(request_person_token(ctx, &thief, &json!({ "mission_s256": s256 })).await);
    judge(
        &Expect::Problem {
            status: 400,
            codes: &["invalid_request"],
        },
        &response,
        ctx.role(),
    )
}

/// A17: a parent presents a `subagent_token` whose `parent_agent` is another agent.
async fn foreign_subagent(ctx: &CaseContext) -> Outcome {
    let parent = ctx.agent();
    let other_parent = ctx.agent();
    let sub = ps_flow::sub_agent(ctx, &other_parent);
    let rt = step!(redeemable(ctx, &parent, &json!({}), "read").await);
    let mut rt = rt;
    rt.agent_jkt = sub.thumbprint();
    if rt.agent.is_some() {
        rt.agent = Some(sub.id.clone());
    }
    let token = ps_flow::mint_resource_token(ctx, &rt.to_map());
    let path = attempt!(ps_flow::ps_token_path(ctx).await);
    let body = ps_flow::with_hints(
        ctx,
        json!({ "resource_token": token, "subagent_token": sub.agent_token }),
    );
    let response =
        attempt!(ps_flow::post_as_agent(ctx, &parent, &parent.agent_token, &path, &body).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// A12 at the PS: an agent redeems a resource token the resource issued to another agent.
async fn stolen_resource_token(ctx: &CaseContext) -> Outcome {
    let victim = ctx.agent();
    let rt = step!(redeemable(ctx, &victim, &json!({}), "read").await);
    let token = ps_flow::mint_resource_token(ctx, &rt.to_map());
    let thief = ctx.agent();
    let _ = step!(redeemable(ctx, &thief, &json!({}), "read").await);
    let response = attempt!(redeem(ctx, &thief, &token).await);
    judge(&Expect::Refused, &response, ctx.role())
}

/// A20: a rogue PS relays a resource token that names the trusted PS.
async fn wrong_ps_relays(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let now = ctx.now();
    let rt = ResourceClaims::new(
        &Party::Resource.identifier(),
        &ctx.target.identifier,
        &format!("rt-a20-{}", agent.thumbprint()),
        &agent.public_key(),
        "read",
        now,
        now.saturating_add(300),
    )
    .for_person(
        &Party::PersonServer.identifier(),
        &ctx.world
            .directed_sub(Party::PersonServer, &Party::Resource.identifier()),
        "pt-a20",
    );
    let token = ctx
        .world
        .mint_from(Party::Resource, TokenKind::Resource, &rt.to_map(), None);
    // Learn the endpoint the way the trusted PS would, then sign as the rogue one.
    let probe = attempt!(probe::baseline(ctx).await);
    let request = probe.request.clone().with_body(
        json!({ "resource_token": token, "agent_token": agent.agent_token }).to_string(),
    );
    let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::AccessServer);
    let signed = match ctx
        .world
        .sign_as(Party::EvilPersonServer, request, &sign_ctx)
    {
        Ok(r) => r,
        Err(e) => return Outcome::Error(HarnessError::Config(format!("cannot sign: {e}"))),
    };
    let response = attempt!(ctx.send(&signed).await);
    // A PS the AS does not deal with at all is refused at the signature layer, which is
    // also a refusal of the relay.
    if response.status == 401 && response.has_header("signature-error") {
        return Outcome::Pass;
    }
    judge(&Expect::Refused, &response, ctx.role())
}

macro_rules! as_case {
    ($id:literal, $title:literal, $req:literal, $level:ident, $profiles:expr, $f:ident) => {
        Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                roles::ACCESS_SERVER,
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
}

/// The server attack cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "attack.a14.tenant-swapped",
        "Redeems a resource token whose tenant differs from the cited person token",
        "PS-012",
        Must,
        profiles::ONLY_11,
        tenant_swapped
    ),
    case!(
        "attack.a15.foreign-mission",
        "Asks for a person token naming another agent's mission",
        "PS-004",
        Must,
        profiles::ONLY_11,
        foreign_mission,
        needs & [Capability::MISSIONS]
    ),
    case!(
        "attack.a17.foreign-subagent-token",
        "Presents a subagent_token whose parent_agent is another agent",
        "PS-021",
        Must,
        profiles::FROM_10,
        foreign_subagent
    ),
    case!(
        "attack.a12.stolen-resource-token",
        "Redeems a resource token issued to another agent",
        "PS-011",
        Must,
        profiles::FROM_10,
        stolen_resource_token
    ),
    as_case!(
        "attack.a20.wrong-ps-relays",
        "Relays, signed by a rogue PS, a resource token naming the trusted PS",
        "AS-003",
        Must,
        profiles::ONLY_11,
        wrong_ps_relays
    ),
];
