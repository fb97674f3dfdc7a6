//! `{#deferred-responses}` at the person server: a token request the person must look at
//! (`prompt=consent`) is answered `202` with a pending URL; what that answer carries and
//! how the pending URL behaves. A target that approves even a consent prompt silently has
//! nothing deferred to test: those cases skip.

use aauth_harness::message::{Fields, Response};
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use serde_json::json;

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    self, body_member, fail, mint_resource_token, ps_token_path, redeemable, send_as_agent,
    with_hints,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::{attempt, step};

/// A token request the person must consent to, answered `202`: the response and the
/// pending URL's path.
async fn deferred(
    ctx: &CaseContext,
    agent: &HarnessAgent,
) -> Result<Result<(Response, String), Outcome>, HarnessError> {
    let rt = match redeemable(ctx, agent, &json!({}), "read").await? {
        Ok(rt) => rt,
        Err(o) => return Ok(Err(o)),
    };
    let token = mint_resource_token(ctx, &aauth_harness::jose::claims::TokenClaims::to_map(&rt));
    let path = ps_token_path(ctx).await?;
    let body = with_hints(ctx, json!({ "resource_token": token, "prompt": "consent" }));
    let response = ps_flow::post_as_agent(ctx, agent, &agent.agent_token, &path, &body).await?;
    if response.status != 202 {
        return Ok(Err(Outcome::Skip(format!(
            "precondition failed: a prompt=consent token request was not deferred ({})",
            describe(&response)
        ))));
    }
    let Some(location) = response.header("location") else {
        return Ok(Err(fail(
            Role::PersonServer,
            "a 202 answer has no Location".into(),
        )));
    };
    let path = ctx.target_path(&location);
    Ok(Ok((response, path)))
}

/// DEF-001: the `202` carries a same-origin `Location`, `Retry-After`,
/// `Cache-Control: no-store` and a JSON body with `status`.
async fn pending_headers(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (response, path) = step!(deferred(ctx, &agent).await);
    if !path.starts_with('/') {
        return fail(
            Role::PersonServer,
            format!("Location {path} is not on the PS's origin"),
        );
    }
    if response.header("retry-after").is_none() {
        return fail(Role::PersonServer, "the 202 has no Retry-After".into());
    }
    let no_store = response.header("cache-control").is_some_and(|v| {
        v.split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
    });
    if !no_store {
        return fail(
            Role::PersonServer,
            "the 202 does not say Cache-Control: no-store".into(),
        );
    }
    if body_member(&response, "status").is_none() {
        return fail(
            Role::PersonServer,
            "the 202 body has no status member".into(),
        );
    }
    Outcome::Pass
}

/// PS-019: two token requests pending at once get distinct pending URLs.
async fn concurrent_pending(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (_, first) = step!(deferred(ctx, &agent).await);
    let (_, second) = step!(deferred(ctx, &agent).await);
    if first == second {
        return fail(
            Role::PersonServer,
            format!("two pending requests share the pending URL {first}"),
        );
    }
    // Each polls on its own: still pending, or done with its own token.
    let mut tokens = Vec::new();
    for path in [&first, &second] {
        let response = attempt!(send_as_agent(ctx, &agent, "GET", path, None).await);
        match response.status {
            202 => {}
            200 => match body_member(&response, "auth_token") {
                Some(token) => tokens.push(token),
                None => {
                    return fail(
                        Role::PersonServer,
                        format!("polling {path} answered 200 without auth_token"),
                    )
                }
            },
            _ => {
                return fail(
                    Role::PersonServer,
                    format!("polling {path} answered {}", describe(&response)),
                )
            }
        }
    }
    if tokens.len() == 2 && tokens.first() == tokens.get(1) {
        return fail(
            Role::PersonServer,
            "both pending requests delivered the same auth token".into(),
        );
    }
    Outcome::Pass
}

/// PS-027: a POST to the pending URL without a recognised `action` gets `400`.
async fn post_without_action(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (_, path) = step!(deferred(ctx, &agent).await);
    let response = attempt!(
        send_as_agent(
            ctx,
            &agent,
            "POST",
            &path,
            Some(&json!({ "note": "no action here" }))
        )
        .await
    );
    let refused = judge(&Expect::Refused, &response, ctx.role());
    if refused != Outcome::Pass {
        return refused;
    }
    if response.status == 400 {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!("answered {} where 400 is required", describe(&response)),
        )
    }
}

/// PS-028: `DELETE` on a pending URL cancels it; a later poll answers `410`.
async fn cancel_then_gone(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let (_, path) = step!(deferred(ctx, &agent).await);
    let cancelled = attempt!(send_as_agent(ctx, &agent, "DELETE", &path, None).await);
    if !(200..300).contains(&cancelled.status) {
        return judge(&Expect::Served, &cancelled, ctx.role());
    }
    let poll = attempt!(send_as_agent(ctx, &agent, "GET", &path, None).await);
    if poll.status == 410 {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "a poll after DELETE was answered {}, not 410",
                describe(&poll)
            ),
        )
    }
}

/// The deferred-response cases.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.deferred.pending-headers",
        "Asks for a token with prompt=consent and reads the 202",
        "DEF-001",
        Must,
        profiles::FROM_10,
        pending_headers,
        needs & [Capability::DEFERRED]
    ),
    case!(
        "ps.deferred.concurrent-pending-urls",
        "Makes two deferred token requests at once",
        "PS-019",
        Must,
        profiles::FROM_10,
        concurrent_pending,
        needs & [Capability::DEFERRED]
    ),
    case!(
        "ps.deferred.post-without-action",
        "Posts a body without action to a pending URL",
        "PS-027",
        Must,
        profiles::FROM_10,
        post_without_action,
        needs & [Capability::DEFERRED]
    ),
    case!(
        "ps.deferred.cancel-then-gone",
        "Deletes a pending URL, then polls it",
        "PS-028",
        Must,
        profiles::FROM_10,
        cancel_then_gone,
        needs & [Capability::DEFERRED]
    ),
];
