//! What a person server does when the person has to answer: `{#interaction-required}`,
//! `{#approval-pending}`, `{#pending-url-security}`, `{#polling-error-codes}`, mission
//! expiry on a decision path, resource-initiated interaction and `user_unreachable`.
//!
//! Every case here drives the person through the target's person hook
//! ([`crate::person_hook`]) and needs the `person-hook` capability; without it the case is
//! skipped with that reason, because nothing else can make a person approve, refuse or stay
//! silent on cue. Each case scripts its own fresh agent.
//!
//! Left out on purpose (no black-box stimulus in seconds): that pending URLs expire
//! (DEF-003's SHOULD half: lifetimes are minutes or more, and no hook shortens them);
//! `abandoned`, `invalid_code` and `expired` polling errors (DEF-004: they need a person at
//! the interaction page, a consumed code or a pending lifetime run out); and the mapping of
//! a resource's callback `error` to the agent's polling error (PS-024: it happens in the
//! person's browser between the PS interstitial and the resource's page).

// A precondition's `Err(Outcome)` ends the case at once; boxing it buys nothing here.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use aauth_harness::jose::claims::{Interaction, TokenClaims};
use aauth_harness::message::{Fields, Response};
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;
use serde_json::{json, Value};

use crate::capability::Capability;
use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::person_token_endpoint::case;
use crate::cases::ps_flow::{
    self, body_member, endpoint, fail, mint_resource_token, post_as_agent, precondition_skip,
    ps_token_path, redeemable, with_hints,
};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{describe, judge, problem_code, Expect};
use crate::outcome::{HarnessError, Outcome};
use crate::person_hook::{self, poll_until_settled, retry_after, Policy, Script};
use crate::{attempt, step};

/// Polls a case makes before it gives up waiting for a decision to show.
const POLLS: u32 = 5;

/// Pending URLs sampled for the entropy estimate.
const SAMPLES: usize = 8;

/// Bits a pending URL must vary by (DEF-003 suggests 64).
const MIN_BITS: f64 = 64.0;

/// A token request by `agent` for a fresh resource token, made after the person was
/// scripted with `script`; `extra` members join the body. Under -11 the person is first
/// scripted to approve, so the person token the resource token cites is issued.
async fn token_request(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    script: Script,
    extra: &Value,
    adjust: impl FnOnce(&mut aauth_harness::jose::claims::ResourceClaims),
) -> Result<Result<Response, Outcome>, HarnessError> {
    if let Err(o) = person_hook::script(ctx, &agent.id, Script::new(Policy::Approve)).await? {
        return Ok(Err(o));
    }
    let mut rt = match redeemable(ctx, agent, &json!({}), "read").await? {
        Ok(rt) => rt,
        Err(o) => return Ok(Err(o)),
    };
    adjust(&mut rt);
    if let Err(o) = person_hook::script(ctx, &agent.id, script).await? {
        return Ok(Err(o));
    }
    let token = mint_resource_token(ctx, &rt.to_map());
    let path = ps_token_path(ctx).await?;
    let mut body = with_hints(ctx, json!({ "resource_token": token }));
    if let (Some(map), Some(more)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    Ok(Ok(post_as_agent(
        ctx,
        agent,
        &agent.agent_token,
        &path,
        &body,
    )
    .await?))
}

/// The `202` of a request the person was scripted to keep waiting (or the skip).
fn deferred(response: Response, what: &str) -> Result<(Response, String), Outcome> {
    if response.status != 202 {
        return Err(Outcome::Skip(format!(
            "precondition failed: {what} was not deferred ({})",
            describe(&response)
        )));
    }
    match response.header("location") {
        Some(location) => Ok((response, location)),
        None => Err(fail(
            Role::PersonServer,
            "a 202 answer has no Location".into(),
        )),
    }
}

/// The `requirement` token an `AAuth-Requirement` value names, read leniently.
fn requirement_name(value: &str) -> Option<String> {
    let rest = value.trim().strip_prefix("requirement=")?;
    let end = rest.find([';', ',', ' ']).unwrap_or(rest.len());
    rest.get(..end).map(str::to_string)
}

/// DEF-002 (interaction): the person cannot be reached, the agent declares `interaction`;
/// a `202 requirement=interaction` must carry `url` and `code`, `Location` and
/// `Retry-After`.
async fn interaction_params(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Approve).unreachable();
    let extra = json!({ "capabilities": ["interaction"] });
    let response = step!(token_request(ctx, &agent, script, &extra, |_| {}).await);
    let (response, _) = match deferred(response, "a request needing an unreachable person") {
        Ok(d) => d,
        Err(o) => return o,
    };
    let Some(value) = response.header("aauth-requirement") else {
        return Outcome::Skip("the 202 names no requirement; nothing to inspect".into());
    };
    if requirement_name(&value).as_deref() != Some("interaction") {
        return Outcome::Skip(format!(
            "the target reached the person another way (AAuth-Requirement: {value})"
        ));
    }
    if let Err(e) = AauthRequirement::parse(value.as_bytes()) {
        return fail(
            Role::PersonServer,
            format!("requirement=interaction without its url and code ({e}): {value}"),
        );
    }
    if response.header("retry-after").is_none() {
        return fail(
            Role::PersonServer,
            "the interaction 202 has no Retry-After".into(),
        );
    }
    Outcome::Pass
}

/// DEF-002 (approval): the person is scripted to take their time; the `202` must carry
/// `Location` and `Retry-After`.
async fn approval_headers(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Defer);
    let response = step!(token_request(ctx, &agent, script, &json!({}), |_| {}).await);
    let (response, _) = match deferred(response, "a request the person has not answered") {
        Ok(d) => d,
        Err(o) => return o,
    };
    let named = response
        .header("aauth-requirement")
        .and_then(|v| requirement_name(&v));
    if named.as_deref().is_some_and(|n| n != "approval") {
        return Outcome::Skip(format!(
            "the 202 asks for {} rather than approval",
            named.unwrap_or_default()
        ));
    }
    if response.header("retry-after").is_none() {
        return fail(
            Role::PersonServer,
            "the approval 202 has no Retry-After".into(),
        );
    }
    Outcome::Pass
}

/// The bits by which `samples` (pending URLs) vary: strip the common prefix and suffix,
/// count the positions where the samples disagree, and weigh each by the alphabet the
/// varying parts draw from. Random ids of any encoding score their true size (8 samples
/// agree on a random position with negligible probability); counters and clocks score only
/// the few low digits that move.
pub fn varying_bits(samples: &[String]) -> f64 {
    let chars: Vec<Vec<char>> = samples.iter().map(|s| s.chars().collect()).collect();
    let shortest = chars.iter().map(Vec::len).min().unwrap_or(0);
    let agree_at = |pick: &dyn Fn(&Vec<char>) -> Option<char>| {
        let first = chars.first().and_then(pick);
        chars.iter().all(|c| pick(c) == first)
    };
    let mut prefix = 0;
    while prefix < shortest && agree_at(&|c: &Vec<char>| c.get(prefix).copied()) {
        prefix += 1;
    }
    let mut suffix = 0;
    while suffix < shortest - prefix
        && agree_at(&|c: &Vec<char>| {
            c.len()
                .checked_sub(suffix + 1)
                .and_then(|i| c.get(i).copied())
        })
    {
        suffix += 1;
    }
    let middles: Vec<&[char]> = chars
        .iter()
        .map(|c| c.get(prefix..c.len().saturating_sub(suffix)).unwrap_or(&[]))
        .collect();
    let longest = middles.iter().map(|m| m.len()).max().unwrap_or(0);
    let varying = (0..longest)
        .filter(|&i| {
            let first = middles.first().and_then(|m| m.get(i));
            !middles.iter().all(|m| m.get(i) == first)
        })
        .count();
    let alphabet: BTreeSet<char> = middles.iter().flat_map(|m| m.iter().copied()).collect();
    let has = |f: fn(&char) -> bool| alphabet.iter().any(f);
    let hex_only = alphabet.iter().all(|c| c.is_ascii_hexdigit());
    let mut size = 0u32;
    if hex_only {
        size = if has(|c| c.is_ascii_alphabetic()) {
            16
        } else {
            10
        };
    } else {
        if has(char::is_ascii_digit) {
            size += 10;
        }
        if has(char::is_ascii_lowercase) {
            size += 26;
        }
        if has(char::is_ascii_uppercase) {
            size += 26;
        }
        size += u32::try_from(
            alphabet
                .iter()
                .filter(|c| !c.is_ascii_alphanumeric())
                .count(),
        )
        .unwrap_or(0);
    }
    f64::from(u32::try_from(varying).unwrap_or(u32::MAX)) * f64::from(size.max(2)).log2()
}

/// DEF-003: pending URLs of requests made one after the other vary by at least 64 bits.
async fn pending_unguessable(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let mut samples = Vec::new();
    for _ in 0..SAMPLES {
        let script = Script::new(Policy::Defer);
        let response = step!(token_request(ctx, &agent, script, &json!({}), |_| {}).await);
        match deferred(response, "a request the person has not answered") {
            Ok((_, location)) => samples.push(location),
            Err(o) => return o,
        }
    }
    let bits = varying_bits(&samples);
    if bits >= MIN_BITS {
        Outcome::Pass
    } else {
        fail(
            Role::PersonServer,
            format!(
                "{SAMPLES} pending URLs vary by about {bits:.0} bits (at least {MIN_BITS:.0} wanted): {}",
                samples.join(", ")
            ),
        )
    }
}

/// DEF-004: the person refuses; the agent's poll gets `403 denied`.
async fn denied_polls_403(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Deny);
    let response = step!(token_request(ctx, &agent, script, &json!({}), |_| {}).await);
    let (response, location) = match deferred(response, "a request the person refused") {
        Ok(d) => d,
        Err(o) => return o,
    };
    let path = ctx.target_path(&location);
    let settled =
        attempt!(poll_until_settled(ctx, &agent, &path, retry_after(&response), POLLS).await);
    if settled.status == 202 {
        return Outcome::Skip(format!(
            "the refusal did not reach the pending URL after {POLLS} polls"
        ));
    }
    judge(
        &Expect::Problem {
            status: 403,
            codes: &["denied"],
        },
        &settled,
        ctx.role(),
    )
}

/// DEF-004: a deferred request decided `deny` through the hook polls as `403 denied`.
async fn decided_deny_polls_403(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Defer);
    let response = step!(token_request(ctx, &agent, script, &json!({}), |_| {}).await);
    let (response, location) = match deferred(response, "a request the person has not answered") {
        Ok(d) => d,
        Err(o) => return o,
    };
    step!(person_hook::decide(ctx, &location, false).await);
    let path = ctx.target_path(&location);
    let settled =
        attempt!(poll_until_settled(ctx, &agent, &path, retry_after(&response), POLLS).await);
    if settled.status == 202 {
        return Outcome::Skip(format!(
            "the decision did not reach the pending URL after {POLLS} polls"
        ));
    }
    judge(
        &Expect::Problem {
            status: 403,
            codes: &["denied"],
        },
        &settled,
        ctx.role(),
    )
}

/// DEF-004: two polls back to back, whatever `Retry-After` said: each is still pending, or
/// asked to slow down with `429 slow_down`.
async fn fast_polls(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Defer);
    let response = step!(token_request(ctx, &agent, script, &json!({}), |_| {}).await);
    let (_, location) = match deferred(response, "a request the person has not answered") {
        Ok(d) => d,
        Err(o) => return o,
    };
    let path = ctx.target_path(&location);
    for _ in 0..2 {
        let poll = attempt!(ps_flow::send_as_agent(ctx, &agent, "GET", &path, None).await);
        match poll.status {
            202 => {}
            429 if problem_code(&poll).as_deref() == Some("slow_down") => return Outcome::Pass,
            _ => {
                return fail(
                    Role::PersonServer,
                    format!(
                    "a fast poll of an undecided request was answered {}, not 202 or 429 slow_down",
                    describe(&poll)
                ),
                )
            }
        }
    }
    Outcome::Pass
}

/// Unix time of an RFC 3339 UTC timestamp `YYYY-MM-DDTHH:MM:SS[.frac]Z`.
fn unix_time(text: &str) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    // Days from the civil date (proleptic Gregorian), after H. Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// The `expires_at` inside a mission approval's `mission` blob (base64url JSON).
fn mission_expires_at(response: &Response) -> Option<i64> {
    let blob = body_member(response, "mission")?;
    let bytes = aauth_harness::jose::b64::decode(&blob).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    unix_time(value.get("expires_at")?.as_str()?)
}

/// Seconds the person gives the mission in PS-013.
const SHORT_MISSION: i64 = 2;

/// PS-013: a mission the person approved for two seconds; past its `expires_at`, a person
/// token under it is `403 mission_terminated` with `termination_reason` `expired`.
async fn expired_mission(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Approve).mission_lifetime(SHORT_MISSION);
    step!(person_hook::script(ctx, &agent.id, script).await);
    let path = attempt!(endpoint(ctx, "aauth-person.json", "mission_endpoint").await);
    let body = with_hints(
        ctx,
        json!({
            "description": "Read the harness resource for a short while",
            "resources": [aauth_harness::world::Party::Resource.identifier()],
        }),
    );
    let mut response = attempt!(post_as_agent(ctx, &agent, &agent.agent_token, &path, &body).await);
    if response.status == 202 {
        if let Some(location) = response.header("location") {
            let pending = ctx.target_path(&location);
            response = attempt!(
                poll_until_settled(ctx, &agent, &pending, retry_after(&response), POLLS).await
            );
        }
    }
    let Some(s256) = body_member(&response, "s256").filter(|_| response.status == 200) else {
        return precondition_skip("the mission proposal", &response);
    };
    let Some(expires_at) = mission_expires_at(&response) else {
        return Outcome::Skip(
            "the approved mission carries no expires_at the harness can read, so the hook's mission_lifetime was not applied".into(),
        );
    };
    let mission = json!({ "mission_s256": s256 });
    let before = attempt!(ps_flow::request_person_token(ctx, &agent, &mission).await);
    if before.status != 200 && ctx.now() < expires_at {
        return precondition_skip("a person token under the fresh mission", &before);
    }
    let wait = expires_at.saturating_sub(ctx.now()).saturating_add(1);
    if wait > SHORT_MISSION + 3 {
        return Outcome::Skip(format!(
            "the mission expires in {wait} s, longer than the case waits"
        ));
    }
    if wait > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
    }
    let after = attempt!(ps_flow::request_person_token(ctx, &agent, &mission).await);
    let verdict = judge(
        &Expect::Problem {
            status: 403,
            codes: &["mission_terminated"],
        },
        &after,
        ctx.role(),
    );
    if verdict != Outcome::Pass {
        return verdict;
    }
    let reason = after.body_json().and_then(|b| {
        b.get("termination_reason")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    match reason.as_deref() {
        Some("expired") => Outcome::Pass,
        other => fail(
            Role::PersonServer,
            format!("mission_terminated after expires_at gives termination_reason {other:?}, not \"expired\""),
        ),
    }
}

/// PS-024: a resource token whose `interaction.url` is plain `http` never yields an auth
/// token, whether the PS refuses at once or after the person approves.
async fn interaction_url_http(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Approve);
    let response = step!(
        token_request(ctx, &agent, script, &json!({}), |rt| {
            rt.interaction = Some(Interaction {
                url: format!(
                    "http://{}/interact",
                    aauth_harness::world::Party::Resource
                        .identifier()
                        .trim_start_matches("https://")
                ),
                code: "7KQ2-M4XZ".into(),
                ..Interaction::default()
            });
        })
        .await
    );
    let settled = if response.status == 202 {
        let Some(location) = response.header("location") else {
            return fail(Role::PersonServer, "a 202 answer has no Location".into());
        };
        // The person approves; the PS must still not send them to (or issue past) http.
        let _ = attempt!(person_hook::decide(ctx, &location, true).await);
        let path = ctx.target_path(&location);
        attempt!(poll_until_settled(ctx, &agent, &path, retry_after(&response), 3).await)
    } else {
        response
    };
    match settled.status {
        200 | 202 if body_member(&settled, "auth_token").is_some() => fail(
            Role::PersonServer,
            "an auth token was issued for a resource token whose interaction.url is http".into(),
        ),
        202 => Outcome::Pass,
        _ => judge(&Expect::Refused, &settled, ctx.role()),
    }
}

/// PS-025: the person cannot be reached and the agent declares no capabilities: the PS may
/// issue without the person, or answer `403 user_unreachable`, but must not hand the agent
/// an interaction it said it cannot drive.
async fn unreachable_without_interaction(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Approve).unreachable();
    let extra = json!({ "capabilities": [] });
    let response = step!(token_request(ctx, &agent, script, &extra, |_| {}).await);
    let named = response
        .header("aauth-requirement")
        .and_then(|v| requirement_name(&v));
    match response.status {
        200 => Outcome::Pass,
        202 if named.as_deref() == Some("interaction") => fail(
            Role::PersonServer,
            "requirement=interaction sent to an agent that declared no interaction capability"
                .into(),
        ),
        202 => Outcome::Pass,
        _ => judge(
            &Expect::Problem {
                status: 403,
                codes: &["user_unreachable"],
            },
            &response,
            ctx.role(),
        ),
    }
}

/// PS-025: the person cannot be reached but the agent declares `interaction`: not the
/// terminal `403 user_unreachable`; a `202` (interaction) or the token.
async fn unreachable_with_interaction(ctx: &CaseContext) -> Outcome {
    let agent = ctx.agent();
    let script = Script::new(Policy::Approve).unreachable();
    let extra = json!({ "capabilities": ["interaction"] });
    let response = step!(token_request(ctx, &agent, script, &extra, |_| {}).await);
    match response.status {
        200 | 202 => Outcome::Pass,
        403 if problem_code(&response).as_deref() == Some("user_unreachable") => fail(
            Role::PersonServer,
            "403 user_unreachable although the agent declared the interaction capability".into(),
        ),
        _ => judge(&Expect::Served, &response, ctx.role()),
    }
}

/// DEF-004 at an access server: the person refuses the request the harness PS relays; the
/// PS's poll of the AS's pending URL gets `403 denied`.
async fn as_denied_polls_403(ctx: &CaseContext) -> Outcome {
    use crate::cases::as_token_endpoint as as_flow;
    let agent = ctx.agent();
    step!(person_hook::script(ctx, &agent.id, Script::new(Policy::Deny)).await);
    let rt = as_flow::resource_claims(ctx, &agent);
    let response = attempt!(as_flow::send(ctx, &as_flow::body(ctx, &agent, &rt)).await);
    let (response, location) = match deferred(response, "a request the person refused") {
        Ok(d) => d,
        Err(o) => return o,
    };
    let path = ctx.target_path(&location);
    let mut settled = response;
    for _ in 0..POLLS {
        let wait = retry_after(&settled).unwrap_or(0).min(2);
        tokio::time::sleep(std::time::Duration::from_millis(50 + wait * 1000)).await;
        let mut probe = attempt!(crate::probe::baseline(ctx).await);
        probe.request = ctx.request("GET", &path);
        probe.spec.request = probe.request.clone();
        let request = attempt!(probe.sign(None));
        settled = attempt!(ctx.send(&request).await);
        if settled.status != 202 {
            break;
        }
    }
    if settled.status == 202 {
        return Outcome::Skip(format!(
            "the refusal did not reach the pending URL after {POLLS} polls"
        ));
    }
    judge(
        &Expect::Problem {
            status: 403,
            codes: &["denied"],
        },
        &settled,
        ctx.role(),
    )
}

/// The access-server case that needs a person.
pub const AS_CASES: &[Case<CaseContext>] = &[Case {
    meta: CaseMeta::new(
        CaseId::from_static("as.polling.denied-403"),
        "Relays a token request the person refuses, then polls the AS as the PS",
        ReqId::from_static("DEF-004"),
        Level::Must,
        roles::ACCESS_SERVER,
        profiles::FROM_10,
    )
    .with_needs(&[Capability::PERSON_HOOK, Capability::DEFERRED]),
    run: {
        fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
            Box::pin(as_denied_polls_403(ctx))
        }
        body
    },
}];

/// The cases that need a person.
pub const CASES: &[Case<CaseContext>] = &[
    case!(
        "ps.interaction.requirement-parameters",
        "Asks for a token for an unreachable person as an agent that can drive interaction",
        "DEF-002",
        Must,
        profiles::FROM_10,
        interaction_params,
        needs & [Capability::PERSON_HOOK, Capability::INTERACTION]
    ),
    case!(
        "ps.approval.requirement-headers",
        "Asks for a token while the person has not answered yet",
        "DEF-002",
        Must,
        profiles::FROM_10,
        approval_headers,
        needs & [Capability::PERSON_HOOK, Capability::DEFERRED]
    ),
    case!(
        "ps.pending.unguessable-urls",
        "Makes eight deferred token requests and compares their pending URLs",
        "DEF-003",
        Must,
        profiles::FROM_10,
        pending_unguessable,
        needs & [Capability::PERSON_HOOK, Capability::DEFERRED]
    ),
    case!(
        "ps.polling.denied-403",
        "Polls a token request the person refused",
        "DEF-004",
        Must,
        profiles::FROM_10,
        denied_polls_403,
        needs & [Capability::PERSON_HOOK, Capability::DEFERRED]
    ),
    case!(
        "ps.polling.decided-deny-403",
        "Polls a deferred token request after the person denies it",
        "DEF-004",
        Must,
        profiles::FROM_10,
        decided_deny_polls_403,
        needs & [Capability::PERSON_HOOK, Capability::DEFERRED]
    ),
    case!(
        "ps.polling.fast-polls",
        "Polls an undecided request twice back to back",
        "DEF-004",
        Must,
        profiles::FROM_10,
        fast_polls,
        needs & [Capability::PERSON_HOOK, Capability::DEFERRED]
    ),
    case!(
        "ps.mission.expired-refuses-person-token",
        "Asks for a person token under a mission after its expires_at",
        "PS-013",
        Must,
        profiles::ONLY_11,
        expired_mission,
        needs & [Capability::PERSON_HOOK, Capability::MISSIONS]
    ),
    case!(
        "ps.token.interaction-url-http",
        "Redeems a resource token whose interaction.url is plain http",
        "PS-024",
        Must,
        profiles::FROM_10,
        interaction_url_http,
        needs & [Capability::PERSON_HOOK]
    ),
    case!(
        "ps.token.unreachable-no-interaction",
        "Asks for a token for an unreachable person, declaring no capabilities",
        "PS-025",
        Must,
        profiles::FROM_10,
        unreachable_without_interaction,
        needs & [Capability::PERSON_HOOK]
    ),
    case!(
        "ps.token.unreachable-with-interaction",
        "Asks for a token for an unreachable person, declaring the interaction capability",
        "PS-025",
        Must,
        profiles::FROM_10,
        unreachable_with_interaction,
        needs & [Capability::PERSON_HOOK]
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_score_high_and_counters_low() {
        let random: Vec<String> = (0..8u64)
            .map(|i| {
                let x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF_CAFE_F00D;
                let y = x.rotate_left(17).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                format!("https://ps.example/pending/{x:016x}{y:016x}")
            })
            .collect();
        assert!(varying_bits(&random) >= 64.0, "{}", varying_bits(&random));
        let counter: Vec<String> = (1..=8)
            .map(|i| format!("https://ps.example/pending/req-{i:06}"))
            .collect();
        assert!(varying_bits(&counter) < 8.0);
        let uuid_like: Vec<String> = (0..8u64)
            .map(|i| {
                let x = (i + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let h = format!("{x:016x}{:016x}", x.rotate_left(29) ^ 0x5555_AAAA_5555_AAAA);
                format!(
                    "/pending/t/{}-{}-4{}-a{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[13..16],
                    &h[17..20],
                    &h[20..32]
                )
            })
            .collect();
        assert!(
            varying_bits(&uuid_like) >= 64.0,
            "{}",
            varying_bits(&uuid_like)
        );
    }

    #[test]
    fn rfc3339_times_convert() {
        assert_eq!(unix_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_time("2026-05-07T14:30:00Z"), Some(1_778_164_200));
        assert_eq!(unix_time("nonsense"), None);
    }

    #[test]
    fn requirement_names_read_leniently() {
        assert_eq!(
            requirement_name("requirement=interaction; url=\"x\"").as_deref(),
            Some("interaction")
        );
        assert_eq!(
            requirement_name("requirement=approval").as_deref(),
            Some("approval")
        );
    }
}
