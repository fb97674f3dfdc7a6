//! Token-level attacks of the threat catalogue, at the roles that take agent tokens: a
//! stolen agent token used with the thief's key (A2), other token kinds in the agent-token
//! slot of the person server (A9), and a symmetric `cnf` key (A8). Host-poisoned metadata
//! (A21), the kid flood (A23) and SSRF through `iss` (A22) are the `meta.issuer.*`,
//! `jwks.refetch.kid-flood` and `jwks.egress.*` cases.

use aauth_harness::jose::claims::{ResourceClaims, TokenClaims, TokenKind};
use aauth_harness::jose::mutate::TokenDefect;
use aauth_harness::jose::Alg;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::world::Party;
use serde_json::json;

use crate::case::{profiles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::agent_token::{
    agent_token, token_case, token_cases, Presented, AGENT_TOKEN_VERIFIERS, INVALID_JWT, PS_ONLY,
    WRONG_SIGNER,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::Expect;

/// Another agent's valid token, in a request the attacker (the baseline agent, which the
/// target has just seen) signs with its own key.
fn stolen_token(ctx: &CaseContext, thief: &HarnessAgent) -> Presented {
    let victim = ctx.bound(ctx.world.ap(), ctx.world.new_agent(&Alg::ED25519));
    Presented::signed_by(victim.agent_token, thief.key.clone())
}

/// A person token for the agent, issued by the trusted PS for the target.
fn person_token(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(ctx.world.mint_person_token(a, &ctx.target.identifier, None))
}

/// An auth token for the agent from the trusted PS, audience the target.
fn auth_token(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(
        ctx.world
            .mint_auth_token(a, &ctx.target.identifier, "read", None),
    )
}

/// A resource token from the World's resource, audience the target.
fn resource_token(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    let now = ctx.now();
    let claims = ResourceClaims::new(
        &Party::Resource.identifier(),
        &ctx.target.identifier,
        &format!("rt-attack-{}", crate::cases::agent_token::local_of(a)),
        &a.key.public_key(),
        "read",
        now,
        now.saturating_add(300),
    )
    .for_person(&ctx.target.identifier, "someone", "pt-attack");
    Presented::token(ctx.world.mint_from(
        Party::Resource,
        TokenKind::Resource,
        &claims.to_map(),
        None,
    ))
}

/// `cnf.jwk` turned into a symmetric key.
fn cnf_oct(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(agent_token(
        ctx,
        a,
        TokenDefect::CnfMember("kty".into(), json!("oct")),
    ))
}

/// The token attacks.
pub const CASES: &[Case<CaseContext>] = token_cases! {
    "attack.theft.agent-token-thief-key" => "Presents another agent's valid token in a request signed by the presenter's own key",
        "TOK-007", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, stolen_token, WRONG_SIGNER;
    "attack.kind.person-token-as-agent" => "Presents a person token in the agent-token slot of the person server",
        "TOK-001", Must, PS_ONLY, profiles::ONLY_11, person_token, Expect::Refused;
    "attack.kind.auth-token-as-agent" => "Presents an auth token in the agent-token slot of the person server",
        "TOK-001", Must, PS_ONLY, profiles::ALL, auth_token, Expect::Refused;
    "attack.kind.resource-token-as-agent" => "Presents a resource token in the agent-token slot of the person server",
        "TOK-001", Must, PS_ONLY, profiles::ALL, resource_token, INVALID_JWT;
    "attack.alg-confusion.cnf-oct" => "Presents an agent token whose cnf.jwk is a symmetric oct key",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_oct, Expect::Refused;
};
