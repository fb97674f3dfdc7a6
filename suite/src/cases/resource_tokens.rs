//! `{#resource-token-structure}` and `{#scopes}`: the resource tokens a resource issues,
//! decoded and compared claim by claim with the person token and key they rest on.

use aauth_harness::jose::claims::{TokenClaims, TokenKind};
use aauth_harness::message::Fields;
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case};
use crate::cases::person_token_verification::request_scope;
use crate::cases::resource_common::{
    auth_path, claim_fail, decode_token, metadata, post_json, res_case, send, sign, Step,
};
use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::Outcome;

/// A resource token for `agent` presenting `token` (a person token under `aauth-11`, the
/// agent token before): from the authorization endpoint when the metadata names one, else
/// from the auth path's challenge. `scope` overrides the requested scope.
pub async fn issued_resource_token(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    token: &str,
    scope: Option<&str>,
) -> Step<String> {
    let meta = metadata(ctx).await?;
    let endpoint = meta
        .get("authorization_endpoint")
        .and_then(Value::as_str)
        .and_then(|u| {
            u.strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
        })
        .map(|rest| {
            rest.find('/')
                .map(|i| &rest[i..])
                .unwrap_or("/")
                .to_string()
        });
    let response = match endpoint {
        Some(path) => {
            let scope = match scope {
                Some(s) => s.to_string(),
                None => request_scope(ctx).await?,
            };
            let request = post_json(ctx, &path, &json!({ "scope": scope }));
            send(ctx, &sign(ctx, agent, request, token, None)?).await?
        }
        None => {
            let (path, _) = auth_path(ctx)?;
            send(
                ctx,
                &sign(ctx, agent, ctx.request("GET", &path), token, None)?,
            )
            .await?
        }
    };
    let from_body = response.body_json().and_then(|b| {
        b.get("resource_token")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let from_challenge = response
        .header("aauth-requirement")
        .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok())
        .and_then(|r| r.resource_token);
    from_body.or(from_challenge).ok_or_else(|| {
        Outcome::Skip(format!(
            "precondition failed: no resource token was issued ({})",
            describe(&response)
        ))
    })
}

/// The credential that earns a resource token under the run's profile.
fn grounding_token(ctx: &CaseContext, agent: &HarnessAgent) -> String {
    if ctx.profile().has_person_tokens() {
        ctx.world
            .mint_person_token(agent, &ctx.target.identifier, None)
    } else {
        agent.agent_token.clone()
    }
}

const MISSION: &str = "u6X8sM4dtB2JkWlQ0kFZ3n3xJrV8t1c1oPjY9QqgW0E";
const TENANT: &str = "tenant-7";

/// Algorithms a resource token must not be signed with (not fully specified, or not
/// asymmetric).
const WEAK_ALGS: &[&str] = &["none", "EdDSA", "HS256", "HS384", "HS512"];

/// RES-007: every claim of the resource token issued on a person token carrying a mission and
/// a tenant.
async fn claims_follow_the_person_token(ctx: &CaseContext) -> Step<Outcome> {
    let agent = ctx.agent();
    let target = ctx.target.identifier.clone();
    let mut person = ctx
        .world
        .person_token_claims(Party::PersonServer, &agent, &target);
    person.mission_s256 = Some(MISSION.into());
    person.tenant = Some(TENANT.into());
    let token = ctx.world.mint_from(
        Party::PersonServer,
        TokenKind::Person,
        &person.to_map(),
        None,
    );
    let resource_token = issued_resource_token(ctx, &agent, &token, None).await?;
    let role = Role::Resource;
    let Some((header, claims)) = decode_token(&resource_token) else {
        return Ok(claim_fail(
            role,
            "(token)",
            "a compact JWS with a JSON payload",
            None,
        ));
    };
    let typ = header.get("typ");
    if typ.and_then(Value::as_str) != Some(TokenKind::Resource.typ()) {
        return Ok(claim_fail(role, "typ", TokenKind::Resource.typ(), typ));
    }
    let alg = header.get("alg");
    match alg.and_then(Value::as_str) {
        Some(a) if !WEAK_ALGS.contains(&a) => {}
        _ => {
            return Ok(claim_fail(
                role,
                "alg",
                "a fully-specified asymmetric algorithm",
                alg,
            ))
        }
    }
    let exact: [(&str, String); 6] = [
        ("iss", target.clone()),
        ("dwk", "aauth-resource.json".into()),
        ("ps", person.iss.clone()),
        ("sub", person.sub.clone()),
        ("presented_jti", person.jti.clone()),
        ("agent_jkt", agent.thumbprint()),
    ];
    for (name, want) in exact {
        let got = claims.get(name);
        if got.and_then(Value::as_str) != Some(want.as_str()) {
            return Ok(claim_fail(role, name, want, got));
        }
    }
    for (name, want) in [("mission_s256", MISSION), ("tenant", TENANT)] {
        let got = claims.get(name);
        if got.and_then(Value::as_str) != Some(want) {
            return Ok(claim_fail(
                role,
                name,
                format!("{want} (copied unchanged from the person token)"),
                got,
            ));
        }
    }
    let aud = claims.get("aud");
    let aud_ok = match aud.and_then(Value::as_str) {
        Some(a) => a == person.iss || (a.starts_with("https://") && a != target),
        None => false,
    };
    if !aud_ok {
        return Ok(claim_fail(
            role,
            "aud",
            format!("{} or the resource's access server", person.iss),
            aud,
        ));
    }
    if let Some(agent_claim) = claims.get("agent") {
        return Ok(claim_fail(
            role,
            "agent",
            "absent (the agent identifier is never disclosed)",
            Some(agent_claim),
        ));
    }
    Ok(Outcome::Pass)
}

/// RES-008: a resource token lives at most five minutes.
async fn lifetime_at_most_five_minutes(ctx: &CaseContext) -> Step<Outcome> {
    let agent = ctx.agent();
    let token = grounding_token(ctx, &agent);
    let resource_token = issued_resource_token(ctx, &agent, &token, None).await?;
    let claims = decode_token(&resource_token)
        .map(|(_, c)| c)
        .unwrap_or_default();
    let iat = claims.get("iat").and_then(Value::as_i64);
    let exp = claims.get("exp").and_then(Value::as_i64);
    match (iat, exp) {
        (Some(iat), Some(exp)) if exp.saturating_sub(iat) <= 300 => Ok(Outcome::Pass),
        (Some(iat), Some(exp)) => Ok(claim_fail(
            Role::Resource,
            "exp",
            "at most iat + 300",
            Some(&json!(format!("iat + {}", exp.saturating_sub(iat)))),
        )),
        _ => Ok(claim_fail(
            Role::Resource,
            "exp",
            "numeric iat and exp",
            claims.get("exp"),
        )),
    }
}

/// RES-010: an undeclared scope is refused with `invalid_scope`, or left out of the token.
async fn undeclared_scope(ctx: &CaseContext) -> Step<Outcome> {
    let meta = metadata(ctx).await?;
    let Some(path) = meta
        .get("authorization_endpoint")
        .and_then(Value::as_str)
        .and_then(|u| {
            u.strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
        })
        .map(|rest| {
            rest.find('/')
                .map(|i| &rest[i..])
                .unwrap_or("/")
                .to_string()
        })
    else {
        return Err(Outcome::Skip(
            "the resource metadata has no authorization_endpoint".into(),
        ));
    };
    let agent = ctx.agent();
    let token = grounding_token(ctx, &agent);
    const BOGUS: &str = "aauth-conform.undeclared";
    let request = post_json(ctx, &path, &json!({ "scope": BOGUS }));
    let response = send(ctx, &sign(ctx, &agent, request, &token, None)?).await?;
    if response.status == 200 {
        let scope = response
            .body_json()
            .and_then(|b| {
                b.get("resource_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .and_then(|t| decode_token(&t))
            .and_then(|(_, c)| c.get("scope").cloned());
        let carries = scope
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|s| s.split(' ').any(|x| x == BOGUS));
        if carries {
            return Ok(claim_fail(
                Role::Resource,
                "scope",
                "only scopes from scope_descriptions",
                scope.as_ref(),
            ));
        }
        return Ok(Outcome::Pass);
    }
    Ok(judge(
        &Expect::Problem {
            status: 400,
            codes: &["invalid_scope"],
        },
        &response,
        ctx.role(),
    ))
}

/// RES-011: a named `account` is echoed into the resource token, or refused with
/// `invalid_account` (the harness cannot know which accounts the person holds).
async fn account_echoed(ctx: &CaseContext) -> Step<Outcome> {
    let meta = metadata(ctx).await?;
    let Some(path) = meta
        .get("authorization_endpoint")
        .and_then(Value::as_str)
        .and_then(|u| {
            u.strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
        })
        .map(|rest| {
            rest.find('/')
                .map(|i| &rest[i..])
                .unwrap_or("/")
                .to_string()
        })
    else {
        return Err(Outcome::Skip(
            "the resource metadata has no authorization_endpoint".into(),
        ));
    };
    let scope = request_scope(ctx).await?;
    let agent = ctx.agent();
    let token = grounding_token(ctx, &agent);
    const ACCOUNT: &str = "acct-conform-1";
    let request = post_json(ctx, &path, &json!({ "scope": scope, "account": ACCOUNT }));
    let response = send(ctx, &sign(ctx, &agent, request, &token, None)?).await?;
    if response.status != 200 {
        return Ok(judge(
            &Expect::Problem {
                status: 400,
                codes: &["invalid_account"],
            },
            &response,
            ctx.role(),
        ));
    }
    let claims = response
        .body_json()
        .and_then(|b| {
            b.get("resource_token")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .and_then(|t| decode_token(&t))
        .map(|(_, c)| c)
        .unwrap_or_default();
    let got = claims.get("account");
    if got.and_then(Value::as_str) == Some(ACCOUNT) {
        Ok(Outcome::Pass)
    } else {
        Ok(claim_fail(
            Role::Resource,
            "account",
            format!("{ACCOUNT} (echoed from the request)"),
            got,
        ))
    }
}

/// Cases that need an authorization endpoint issuing resource tokens.
const ISSUES: &[Capability] = &[Capability::RESOURCE_TOKENS];

/// The resource-token cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.resource-token.claims-follow-person-token",
        "Presents a person token with mission_s256 and tenant and decodes the resource token issued",
        "RES-007",
        Must,
        roles::RESOURCE,
        profiles::ONLY_11,
        ISSUES,
        claims_follow_the_person_token
    ),
    res_case!(
        "res.resource-token.lifetime-five-minutes",
        "Obtains a resource token and compares exp with iat",
        "RES-008",
        Should,
        roles::RESOURCE,
        profiles::ALL,
        ISSUES,
        lifetime_at_most_five_minutes
    ),
    res_case!(
        "res.resource-token.undeclared-scope",
        "Asks the authorization endpoint for a scope its metadata does not describe",
        "RES-010",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        ISSUES,
        undeclared_scope
    ),
    res_case!(
        "res.resource-token.account-echoed",
        "Names an account at the authorization endpoint and reads the resource token issued",
        "RES-011",
        Must,
        roles::RESOURCE,
        profiles::FROM_10,
        ISSUES,
        account_echoed
    ),
];
