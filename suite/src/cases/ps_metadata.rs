//! `{#ps-metadata}` and `{#as-metadata}`: the discovery documents a person server and an
//! access server publish at `/.well-known/aauth-person.json` / `aauth-access.json`.

use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use serde_json::Value;

use crate::case::{profiles, roles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::ps_flow::fail;
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::outcome::Outcome;
use crate::{attempt, probe};

/// Checks that `document` names the target as `issuer` and carries an https URL on the
/// target's origin for each of `members`.
fn check(ctx: &CaseContext, document: &Value, members: &[&str], role: Role) -> Outcome {
    let issuer = document.get("issuer").and_then(Value::as_str);
    if issuer != Some(ctx.target.identifier.as_str()) {
        return fail(
            role,
            format!(
                "issuer is {issuer:?}, not the server identifier {}",
                ctx.target.identifier
            ),
        );
    }
    for member in members {
        match document.get(*member).and_then(Value::as_str) {
            Some(url) if url.starts_with("https://") => {}
            Some(url) => return fail(role, format!("{member} is not an https URL: {url}")),
            None => return fail(role, format!("the metadata has no {member}")),
        }
    }
    Outcome::Pass
}

/// PS-001: the PS document names itself and its -11 endpoints.
async fn ps_document(ctx: &CaseContext) -> Outcome {
    let document = attempt!(probe::target_metadata(ctx, "aauth-person.json").await);
    check(
        ctx,
        &document,
        &["person_token_endpoint", "auth_token_endpoint", "jwks_uri"],
        Role::PersonServer,
    )
}

/// AS-011: the AS document names itself, its keys and its token endpoint.
async fn as_document(ctx: &CaseContext) -> Outcome {
    let document = attempt!(probe::target_metadata(ctx, "aauth-access.json").await);
    let endpoint = if ctx.profile() == Profile::Aauth11 {
        "auth_token_endpoint"
    } else {
        "token_endpoint"
    };
    check(ctx, &document, &[endpoint, "jwks_uri"], Role::AccessServer)
}

fn body_ps<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(ps_document(ctx))
}

fn body_as<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
    Box::pin(as_document(ctx))
}

/// The metadata cases.
pub const CASES: &[Case<CaseContext>] = &[
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("ps.metadata.document"),
            "Fetches /.well-known/aauth-person.json",
            ReqId::from_static("PS-001"),
            Level::Must,
            roles::PERSON_SERVER,
            profiles::ONLY_11,
        ),
        run: body_ps,
    },
    Case {
        meta: CaseMeta::new(
            CaseId::from_static("as.metadata.document"),
            "Fetches /.well-known/aauth-access.json",
            ReqId::from_static("AS-011"),
            Level::Must,
            roles::ACCESS_SERVER,
            profiles::ALL,
        ),
        run: body_as,
    },
];
