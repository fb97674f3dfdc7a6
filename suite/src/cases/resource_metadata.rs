//! `{#resource-metadata}` and the revocation advertisement of `{#token-revocation}`: the
//! resource's `/.well-known/aauth-resource.json`.

use aauth_harness::role::Role;
use serde_json::Value;

use crate::case::{profiles, roles, Case};
use crate::cases::resource_common::{claim_fail, metadata, res_case, Step};
use crate::context::CaseContext;
use crate::outcome::Outcome;

/// RES-033: `issuer` is the resource's origin, `jwks_uri` is there when it issues tokens, and
/// every endpoint or URI member is https.
async fn issuer_and_urls(ctx: &CaseContext) -> Step<Outcome> {
    let meta = metadata(ctx).await?;
    let role = Role::Resource;
    let issuer = meta.get("issuer");
    if issuer.and_then(Value::as_str) != Some(ctx.target.identifier.as_str()) {
        return Ok(claim_fail(
            role,
            "issuer",
            ctx.target.identifier.clone(),
            issuer,
        ));
    }
    let issues_tokens =
        meta.get("authorization_endpoint").is_some() || ctx.target.resource.auth_path.is_some();
    if issues_tokens && meta.get("jwks_uri").is_none() {
        return Ok(claim_fail(
            role,
            "jwks_uri",
            "present (the resource signs resource tokens)",
            None,
        ));
    }
    if let Some(members) = meta.as_object() {
        for (name, value) in members {
            if !(name.ends_with("_endpoint") || name.ends_with("_uri")) {
                continue;
            }
            if !value.as_str().is_some_and(|u| u.starts_with("https://")) {
                return Ok(claim_fail(role, name, "an https URL", Some(value)));
            }
        }
    }
    Ok(Outcome::Pass)
}

/// RES-031: a resource that takes agent tokens offers a revocation endpoint.
async fn revocation_endpoint(ctx: &CaseContext) -> Step<Outcome> {
    let meta = metadata(ctx).await?;
    match meta.get("revocation_endpoint") {
        Some(Value::String(_)) => Ok(Outcome::Pass),
        other => Ok(claim_fail(
            Role::Resource,
            "revocation_endpoint",
            "present",
            other,
        )),
    }
}

/// The metadata cases.
pub const CASES: &[Case<CaseContext>] = &[
    res_case!(
        "res.metadata.issuer-and-https-urls",
        "Fetches /.well-known/aauth-resource.json and checks issuer, jwks_uri and URL schemes",
        "RES-033",
        Must,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        issuer_and_urls
    ),
    res_case!(
        "res.metadata.revocation-endpoint",
        "Fetches /.well-known/aauth-resource.json and looks for revocation_endpoint",
        "RES-031",
        Should,
        roles::RESOURCE,
        profiles::ALL,
        &[],
        revocation_endpoint
    ),
];
