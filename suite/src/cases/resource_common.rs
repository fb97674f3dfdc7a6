//! What the resource cases share: reaching the target's paths and endpoints, signing as a
//! harness agent with a chosen token, running the full agent flow as a baseline, and reading
//! issued tokens. Every helper answers `Err(Outcome)` when the case cannot go on (a missing
//! knob is a skip, a transport problem an error), so case bodies read as straight lines.
//!
//! The error side of [`Step`] is a whole [`Outcome`]: it is built once per case, on the way
//! out, so its size does not matter.
#![allow(clippy::result_large_err)]

use aauth_harness::defect::RequestDefect;
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::jose::jws;
use aauth_harness::message::{Request, Response};
use aauth_harness::role::agent::{unverified_claims, FlowResult, HarnessAgent};
use aauth_harness::role::Role;
use serde_json::{Map, Value};

use crate::context::CaseContext;
use crate::judge::{describe, judge, Expect};
use crate::outcome::{Failure, HarnessError, Mismatch, Outcome};

/// A case step: the value, or the outcome the case ends with.
pub type Step<T> = Result<T, Outcome>;

/// Declares one case whose body is `async fn(&CaseContext) -> Outcome`.
macro_rules! res_case {
    ($id:literal, $title:literal, $req:literal, $level:ident, $roles:expr, $profiles:expr, $needs:expr, $f:path) => {
        $crate::case::Case {
            meta: $crate::case::CaseMeta::new(
                $crate::case::CaseId::from_static($id),
                $title,
                $crate::index::ReqId::from_static($req),
                $crate::case::Level::$level,
                $roles,
                $profiles,
            )
            .with_needs($needs),
            run: {
                fn body<'a>(
                    ctx: &'a $crate::context::CaseContext,
                    _run: &'a $crate::case::CaseRun,
                ) -> $crate::case::CaseFuture<'a> {
                    Box::pin(async move { $f(ctx).await.unwrap_or_else(|o| o) })
                }
                body
            },
        }
    };
}
pub(crate) use res_case;

/// Sends `request` to the target; a transport failure ends the case as an error.
pub async fn send(ctx: &CaseContext, request: &Request) -> Step<Response> {
    ctx.send(request).await.map_err(Outcome::Error)
}

/// A resource knob the case needs, or a skip naming it.
pub fn knob(value: &Option<String>, name: &str) -> Step<String> {
    value
        .clone()
        .ok_or_else(|| Outcome::Skip(format!("the target file names no [resource] {name}")))
}

/// The path that serves any valid agent token.
pub fn identity_path(ctx: &CaseContext) -> Step<String> {
    knob(&ctx.target.resource.identity_path, "identity_path")
}

/// The path that needs an auth token, and the scope it needs.
pub fn auth_path(ctx: &CaseContext) -> Step<(String, String)> {
    let path = knob(&ctx.target.resource.auth_path, "auth_path")?;
    let scope = knob(&ctx.target.resource.auth_scope, "auth_scope")?;
    Ok((path, scope))
}

/// The target's resource metadata document.
pub async fn metadata(ctx: &CaseContext) -> Step<Value> {
    let request = ctx.request("GET", "/.well-known/aauth-resource.json");
    let response = send(ctx, &request).await?;
    if response.status != 200 {
        return Err(Outcome::Skip(format!(
            "precondition failed: the resource metadata answered {}",
            describe(&response)
        )));
    }
    response.body_json().ok_or_else(|| {
        Outcome::Skip("precondition failed: the resource metadata is not JSON".into())
    })
}

/// The path part of the endpoint URL `member` of the metadata, or a skip.
pub async fn endpoint_path(ctx: &CaseContext, member: &str) -> Step<String> {
    let meta = metadata(ctx).await?;
    let url = meta
        .get(member)
        .and_then(Value::as_str)
        .ok_or_else(|| Outcome::Skip(format!("the resource metadata has no {member}")))?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Outcome::Skip(format!("{member} is not an http(s) URL")))?;
    Ok(rest
        .find('/')
        .map(|i| &rest[i..])
        .unwrap_or("/")
        .to_string())
}

/// Signs `request` as `agent` presenting `token`, with at most one request defect.
pub fn sign(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    request: Request,
    token: &str,
    defect: Option<&RequestDefect>,
) -> Step<Request> {
    agent
        .sign_with_defect(
            request,
            token,
            &AauthSignContext::resource(),
            ctx.now(),
            defect,
        )
        .map_err(|e| Outcome::Error(HarnessError::Config(format!("cannot sign: {e}"))))
}

/// A JSON POST to `path`.
pub fn post_json(ctx: &CaseContext, path: &str, body: &Value) -> Request {
    ctx.request("POST", path)
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string())
}

/// Runs the whole agent flow against the auth path with `agent`; the case is skipped when
/// the flow does not end served, since nothing negative can then be blamed on one defect.
pub async fn served_flow(ctx: &CaseContext, agent: &HarnessAgent) -> Step<FlowResult> {
    let (path, _) = auth_path(ctx)?;
    let request = ctx.request("GET", &path);
    let mut flow = ctx.world.flow(agent);
    let result = flow.call(&ctx.target.address, request).await;
    if result.is_completed() {
        Ok(result)
    } else {
        let seen = result
            .response()
            .map(describe)
            .unwrap_or_else(|| format!("{:?}", result.failure()));
        Err(Outcome::Skip(format!(
            "precondition failed: the full agent flow was not served ({seen})"
        )))
    }
}

/// Sends the valid request first and skips unless it is served (2xx).
pub async fn require_served(ctx: &CaseContext, request: &Request, what: &str) -> Step<()> {
    let response = send(ctx, request).await?;
    if (200..300).contains(&response.status) {
        Ok(())
    } else {
        Err(Outcome::Skip(format!(
            "precondition failed: {what} was not served ({})",
            describe(&response)
        )))
    }
}

/// The header and claims of a compact JWT, without verification.
pub fn decode_token(token: &str) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let decoded = jws::decode(token).ok()?;
    let header = decoded.header().members().clone();
    Some((header, unverified_claims(token)?))
}

/// A claim mismatch blamed on `role`.
pub fn claim_fail(role: Role, name: &str, want: impl Into<String>, got: Option<&Value>) -> Outcome {
    Outcome::Fail(Failure::new(
        role,
        Mismatch::Claim {
            name: name.to_string(),
            want: want.into(),
            got: got.map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        },
    ))
}

/// The response must not be served: any 4xx (never a 2xx, 3xx or 5xx).
pub fn not_served(ctx: &CaseContext, response: &Response) -> Outcome {
    judge(&Expect::Refused, response, ctx.role())
}
