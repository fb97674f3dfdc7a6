//! `{#covered-components}` and the resource's `additional_signature_components`
//! (`{#resource-metadata}`): what a signature must cover beyond the base four, and what a
//! covered `Content-Digest` promises about the body.

use aauth_harness::defect::{RequestDefect, Tamper};
use aauth_harness::httpsig::component::ComponentId;
use aauth_harness::role::Role;

use super::verification::{defect_case, PS_AND_AS};
use crate::case::{profiles, roles, Case};
use crate::context::CaseContext;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::probe;

const INVALID_INPUT: Expect = Expect::SignatureRejected {
    codes: &["invalid_input"],
    alternatives: &[],
};

/// The components every AAuth signature covers.
fn base_four() -> Vec<String> {
    ["@method", "@authority", "@path", "signature-key"]
        .into_iter()
        .map(String::from)
        .collect()
}

/// The covered-component cases.
pub const CASES: &[Case<CaseContext>] = cases! {
    "sig.covered.body-base-four-only" => "Sends a PS/AS request with a body whose signature covers only the base four components",
        "SIG-003", Must, PS_AND_AS, profiles::ONLY_11, &[],
        |ctx| defect_case(ctx, RequestDefect::CoverOnly(base_four()), INVALID_INPUT);
    "sig.covered.content-digest-missing" => "Sends a PS/AS request with a body whose signature leaves out content-digest",
        "SIG-003", Must, PS_AND_AS, profiles::ONLY_11, &[],
        |ctx| defect_case(ctx, RequestDefect::OmitComponent("content-digest".into()), INVALID_INPUT);
    "sig.covered.content-type-missing" => "Sends a PS/AS request with a body whose signature leaves out content-type",
        "SIG-003", Must, PS_AND_AS, profiles::ONLY_11, &[],
        |ctx| defect_case(ctx, RequestDefect::OmitComponent("content-type".into()), INVALID_INPUT);
    "sig.digest.other-body" => "Sends a correctly signed, covered Content-Digest computed over a different body",
        "SIG-004", Must, roles::VERIFIERS, profiles::ALL, &[],
        |ctx| defect_case(ctx, RequestDefect::WrongDigest, Expect::Refused);
    "sig.covered.additional-component-missing" => "Leaves out a component the resource lists in additional_signature_components",
        "SIG-005", Must, roles::RESOURCE, profiles::ALL, &[],
        |ctx| additional_component(ctx, None);
    "attack.query-tamper.required" => "Alters the query of a request to a resource that requires @query coverage",
        "SIG-005", Must, roles::RESOURCE, profiles::ALL, &[],
        |ctx| additional_component(ctx, Some(Tamper::Query));
    "attack.body-tamper.digested" => "Swaps the body of a signed PS/AS request for another one",
        "SIG-003", Must, PS_AND_AS, profiles::ONLY_11, &[],
        |ctx| defect_case(ctx, RequestDefect::TamperAfterSigning(Tamper::Body), Expect::Refused);
};

/// Reads the resource's `additional_signature_components`; covers them in the baseline and
/// then either leaves the first out (`tamper` absent, `invalid_input` required) or, when
/// `@query` is listed, alters the query after signing (any refusal). Skipped when the target
/// lists nothing.
async fn additional_component(ctx: &CaseContext, tamper: Option<Tamper>) -> Outcome {
    if ctx.role() != Role::Resource {
        return Outcome::Skip("only resources publish additional_signature_components".into());
    }
    let mut probe = match probe::baseline(ctx).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    let metadata = match probe::target_metadata(ctx, "aauth-resource.json").await {
        Ok(m) => m,
        Err(e) => return Outcome::Error(e),
    };
    let listed: Vec<String> = metadata
        .get("additional_signature_components")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<ComponentId> = listed
        .iter()
        .filter_map(|c| ComponentId::parse(c).ok())
        .collect();
    let Some(first) = listed.first().cloned() else {
        return Outcome::Skip("the resource lists no additional_signature_components".into());
    };
    probe.spec.ctx = probe.spec.ctx.clone().with_additional(ids);
    if tamper.is_some() && !listed.iter().any(|c| c.trim_matches('"') == "@query") {
        return Outcome::Skip("the resource does not require @query".into());
    }
    if tamper.is_some() && probe.spec.request.query.is_none() {
        probe.spec.request.query = Some("q=1".into());
    }
    match probe::precondition(ctx, &probe).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let (defect, expect) = match tamper {
        Some(t) => (RequestDefect::TamperAfterSigning(t), Expect::Refused),
        None => (RequestDefect::OmitComponent(first), INVALID_INPUT),
    };
    let request = match probe.sign(Some(&defect)) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&expect, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}
