//! How a verifier case reaches "a valid signed request" at whichever role is under test.
//!
//! Verifier requirements (SIG, TOK) are written once and expanded to the resource, the person
//! server and the access server. What differs per role is only the endpoint, the body, which
//! credential signs, and what "the signature was accepted" looks like; this module holds those
//! differences so a case is one line of data: a defect and the verdict the spec requires.
//!
//! Acceptance at the signature layer: the response is neither a `401` nor carries
//! `Signature-Error`, and is not a server error. A PS may still refuse the business request
//! (an unknown resource, a missing `login_hint`): that refusal comes after verification, so it
//! still proves the signature passed.

use aauth_harness::defect::{build_signed_request, RequestDefect, SignedRequestSpec};
use aauth_harness::httpsig::component::ComponentId;
use aauth_harness::httpsig::sign::AauthSignContext;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{jwt_member, HarnessAgent};
use aauth_harness::role::Role;
use aauth_harness::world::Party;
use serde_json::{json, Value};

use crate::context::CaseContext;
use crate::judge::describe;
use crate::outcome::{HarnessError, Outcome};

/// A request ready to be signed for the role under test, and how it is signed.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The unsigned request.
    pub request: Request,
    /// The signing spec (key, label, `Signature-Key` member, created, covered components).
    pub spec: SignedRequestSpec,
    /// The agent whose key signs (absent when a server signs, as at an AS).
    pub agent: Option<HarnessAgent>,
}

impl Probe {
    /// The same probe with another token in `Signature-Key` (same signing key).
    pub fn presenting(mut self, token: &str) -> Probe {
        self.spec.signature_key_member = jwt_member(token);
        self
    }

    /// Signs, applying `defect` when given.
    pub fn sign(&self, defect: Option<&RequestDefect>) -> Result<Request, HarnessError> {
        build_signed_request(&self.spec, defect)
            .map_err(|e| HarnessError::Config(format!("cannot build the signed request: {e}")))
    }
}

/// True when the response shows the request passed signature verification.
pub fn passed_verification(response: &Response) -> bool {
    response.status != 401 && response.status < 500 && !response.has_header("signature-error")
}

/// Reads a JSON metadata document of the target.
pub async fn target_metadata(ctx: &CaseContext, dwk: &str) -> Result<Value, HarnessError> {
    let request = ctx.request("GET", &format!("/.well-known/{dwk}"));
    let response = ctx.send(&request).await?;
    response.body_json().ok_or_else(|| {
        HarnessError::Config(format!(
            "the target's /.well-known/{dwk} is not JSON (status {})",
            response.status
        ))
    })
}

/// The components a resource asks agents to cover on top of the base four
/// (`additional_signature_components` in its metadata), so the baseline is valid for it.
/// Unreadable metadata or unparsable entries leave the list empty: cases then see the
/// resource's own refusal of the baseline and skip.
pub async fn resource_extra_components(ctx: &CaseContext) -> Vec<ComponentId> {
    let Ok(metadata) = target_metadata(ctx, "aauth-resource.json").await else {
        return Vec::new();
    };
    metadata
        .get("additional_signature_components")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|c| ComponentId::parse(c).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The path part of an endpoint URL from metadata.
fn endpoint_path(metadata: &Value, member: &str) -> Option<String> {
    let url = metadata.get(member)?.as_str()?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
    Some(path.to_string())
}

/// The valid baseline request for the role under test, signed by a fresh agent (or, at an
/// access server, by the harness's trusted PS).
pub async fn baseline(ctx: &CaseContext) -> Result<Probe, HarnessError> {
    let agent = ctx.agent();
    probe_for(ctx, agent).await
}

/// The baseline request signed by `agent`.
pub async fn probe_for(ctx: &CaseContext, agent: HarnessAgent) -> Result<Probe, HarnessError> {
    let now = ctx.now();
    match ctx.role() {
        Role::Resource => {
            let path = ctx.target.resource.identity_path.clone().ok_or_else(|| {
                HarnessError::Unsupported(
                    "the target file names no [resource] identity_path".into(),
                )
            })?;
            let request = ctx.request("GET", &path);
            let sign_ctx =
                AauthSignContext::resource().with_additional(resource_extra_components(ctx).await);
            let spec = agent.spec(request.clone(), &agent.agent_token, &sign_ctx, now);
            Ok(Probe {
                request,
                spec,
                agent: Some(agent),
            })
        }
        Role::PersonServer => {
            let metadata = target_metadata(ctx, "aauth-person.json").await?;
            let (member, body) = match ctx.profile() {
                Profile::Aauth11 => {
                    let mut body = json!({ "resource": Party::Resource.identifier() });
                    if let Some(hint) = &ctx.target.person_server.login_hint {
                        body["login_hint"] = json!(hint);
                    }
                    ("person_token_endpoint", body)
                }
                _ => ("token_endpoint", json!({ "resource_token": "x" })),
            };
            let path = endpoint_path(&metadata, member).ok_or_else(|| {
                HarnessError::Unsupported(format!("the target's metadata has no usable {member}"))
            })?;
            let request = ctx
                .request("POST", &path)
                .with_header("Content-Type", "application/json")
                .with_body(body.to_string());
            let sign_ctx = AauthSignContext::for_role(ctx.profile(), Role::PersonServer);
            let spec = agent.spec(request.clone(), &agent.agent_token, &sign_ctx, now);
            Ok(Probe {
                request,
                spec,
                agent: Some(agent),
            })
        }
        Role::AccessServer => {
            let metadata = target_metadata(ctx, "aauth-access.json").await?;
            let member = if ctx.profile() == Profile::Aauth11 {
                "auth_token_endpoint"
            } else {
                "token_endpoint"
            };
            let path = endpoint_path(&metadata, member).ok_or_else(|| {
                HarnessError::Unsupported(format!("the target's metadata has no usable {member}"))
            })?;
            let body = json!({ "resource_token": "x", "agent_token": agent.agent_token });
            let request = ctx
                .request("POST", &path)
                .with_header("Content-Type", "application/json")
                .with_body(body.to_string());
            let issuer = ctx.world.issuer(Party::PersonServer);
            let spec = SignedRequestSpec {
                request: request.clone(),
                key: issuer.key.clone(),
                label: "sig".into(),
                signature_key_member: format!(
                    "jwks_uri;id=\"{}\";dwk=\"{}\";kid=\"{}\"",
                    Party::PersonServer.identifier(),
                    Party::PersonServer.dwk(),
                    issuer.kid
                ),
                created: now,
                ctx: AauthSignContext::for_role(ctx.profile(), Role::AccessServer),
            };
            Ok(Probe {
                request,
                spec,
                agent: None,
            })
        }
        role => Err(HarnessError::Unsupported(format!(
            "no verifier probe for the {role} role"
        ))),
    }
}

/// Sends the valid baseline first: when the target refuses even that, no negative verdict can
/// be attributed to the defect, so the case is skipped with the reason (the baseline case
/// reports the refusal itself).
pub async fn precondition(
    ctx: &CaseContext,
    probe: &Probe,
) -> Result<Option<Outcome>, HarnessError> {
    let request = probe.sign(None)?;
    let response = ctx.send(&request).await?;
    if passed_verification(&response) {
        Ok(None)
    } else {
        Ok(Some(Outcome::Skip(format!(
            "precondition failed: the valid baseline request was refused ({}); see sig.baseline.accepted",
            describe(&response)
        ))))
    }
}
