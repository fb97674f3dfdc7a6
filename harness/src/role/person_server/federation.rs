//! Four-party: the PS asks the access server named by the resource token's `aud`
//! (AAuth "PS-AS Federation", PS-014 to PS-018).
//!
//! 1. Discover `{aud}/.well-known/aauth-access.json`, require `issuer` = `aud`, and take
//!    `auth_token_endpoint` (-11) or `token_endpoint` (-10).
//! 2. POST `{resource_token, agent_token[, subagent_token][, upstream_token]}` signed as
//!    this PS (`Signature-Key: sig=jwks_uri;id=...;dwk="aauth-person.json";kid=...`,
//!    covering `content-type` and `content-digest`).
//! 3. Follow the deferred loop: `202 requirement=claims` → POST the claims (always with
//!    the directed `sub`) to `Location`; `402` → settle (nothing to do for the harness's
//!    scripted billing) and poll `Location`; other `202`s → poll. `Location` must be on the
//!    AS's origin. The loop is bounded.
//! 4. Verify the AS's auth token before returning it (PS-016): signature through the AS
//!    JWKS, `typ`, `dwk` `aauth-access.json`, `iss` = the AS, `aud` = the resource, `cnf` =
//!    the agent's key, `sub` = this PS's directed identifier for the person at that
//!    resource, `ps` = this PS (-11), `agent` (-10), `scope` within the resource token's.
//!
//! The `ps-as-token-unverified` flaw skips step 4 and relays whatever the AS sent. The
//! `ps-claims-sub-omitted`, `ps-payment-not-followed` and `ps-approval-not-polled` flaws
//! each break one branch of step 3.
//!
//! An AS refusal (4xx) is passed to the agent as received, except a `401`: that is about
//! this PS's own signature, not the agent's, so the PS reads the AS's `Signature-Error`
//! header (never the body, ERR-002) into a `500 server_error` detail. (The
//! `ps-as-401-relayed` flaw passes the 401 on with the AS's body and no header.) Anything
//! else the PS cannot make sense of is `500 server_error`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::jose::claims::{dwk, AuthClaims, TokenKind};
use crate::jose::validate::Expected;
use crate::message::{Fields, Request, Response};
use crate::role::endpoint::{
    json_ok, scope_within, server_error, sign_as_server, validate_body_token,
};
use crate::role::flaw::Flaw;
use crate::target::client::request_for_url;
use crate::wire::aauth_requirement::{AauthRequirement, Requirement};
use crate::wire::metadata::{check_issuer, well_known_url, AccessServerMetadata, ACCESS_DWK};
use crate::wire::signature_error::{self, SignatureError};

use super::auth_token::{CheckedResourceToken, TokenGrant};
use super::Ps;

/// Most round trips one federation may take before the PS gives up.
pub const MAX_STEPS: usize = 8;

/// The longest the PS sleeps for one `Retry-After`.
pub const MAX_RETRY_SLEEP: Duration = Duration::from_secs(2);

/// Obtain an auth token from `access_server` for `grant`, verified.
pub(crate) async fn obtain(
    ps: &Arc<Ps>,
    access_server: &str,
    grant: &TokenGrant,
    checked: &CheckedResourceToken,
) -> Response {
    match run(ps, access_server, grant, checked).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run(
    ps: &Ps,
    access_server: &str,
    grant: &TokenGrant,
    checked: &CheckedResourceToken,
) -> Result<Response, Response> {
    let endpoint = discover(ps, access_server).await?;
    let mut body = Map::new();
    body.insert("resource_token".into(), checked.raw.clone().into());
    body.insert(
        "agent_token".into(),
        grant.caller.agent_token.clone().into(),
    );
    if let Some(sub) = &grant.subagent {
        body.insert("subagent_token".into(), sub.token.clone().into());
    }
    if let Some(up) = &grant.upstream {
        body.insert("upstream_token".into(), up.clone().into());
    }
    let mut response = send(ps, "POST", &endpoint, Some(Value::Object(body))).await?;
    for _ in 0..MAX_STEPS {
        match response.status {
            200 => return finish(ps, access_server, grant, checked, &response).await,
            202 | 402 => {
                let location = location(&response, access_server)?;
                let requirement = response
                    .header("aauth-requirement")
                    .and_then(|v| AauthRequirement::parse(v.as_bytes()).ok());
                let claims_asked =
                    requirement.is_some_and(|r| r.requirement == Requirement::CLAIMS);
                if response.status == 402 && ps.has(Flaw::PsPaymentNotFollowed) {
                    return Err(pass_through(response));
                }
                if response.status == 202 && !claims_asked && ps.has(Flaw::PsApprovalNotPolled) {
                    return Err(server_error(
                        "the access server asked for something other than claims",
                    ));
                }
                if response.status == 202 && claims_asked {
                    let claims = claims_for(ps, grant, checked, &response);
                    response = send(ps, "POST", &location, Some(claims)).await?;
                } else {
                    pause(&response).await;
                    response = send(ps, "GET", &location, None).await?;
                }
            }
            401 if !ps.has(Flaw::PsAs401Relayed) => return Err(own_signature_refused(&response)),
            400..=499 => return Err(pass_through(response)),
            status => return Err(server_error(format!("the access server answered {status}"))),
        }
    }
    Err(server_error(
        "the access server did not finish within the PS's step limit",
    ))
}

/// Step 1: the AS's token endpoint.
async fn discover(ps: &Ps, access_server: &str) -> Result<String, Response> {
    let url = well_known_url(access_server, ACCESS_DWK);
    let response = ps
        .cfg
        .http
        .get(&url)
        .await
        .map_err(|e| server_error(format!("cannot fetch {url}: {e}")))?;
    if response.status != 200 {
        return Err(server_error(format!("{url} answered {}", response.status)));
    }
    check_issuer(&response.body, access_server)
        .map_err(|e| server_error(format!("{url}: issuer check failed: {e:?}")))?;
    let metadata = AccessServerMetadata::parse(&response.body)
        .map_err(|e| server_error(format!("{url}: {e}")))?;
    let endpoint = if ps.p11() {
        metadata.auth_token_endpoint
    } else {
        metadata.token_endpoint.or(metadata.auth_token_endpoint)
    };
    endpoint.ok_or_else(|| server_error(format!("{url} names no token endpoint")))
}

/// One signed exchange with the AS.
async fn send(ps: &Ps, method: &str, url: &str, body: Option<Value>) -> Result<Response, Response> {
    let (address, mut request): (String, Request) = request_for_url(method, url)
        .map_err(|e| server_error(format!("bad access server URL {url}: {e}")))?;
    if let Some(body) = body {
        request.set_header("Content-Type", "application/json");
        request.body = body.to_string().into();
    }
    sign_as_server(
        &mut request,
        &ps.issuer,
        &ps.cfg.identifier,
        dwk::PERSON,
        ps.now(),
    )
    .map_err(|e| server_error(format!("cannot sign the federation request: {e}")))?;
    ps.cfg
        .http
        .send(&address, &request)
        .await
        .map_err(|e| server_error(format!("access server unreachable: {e}")))
}

/// `Location`, resolved against the AS origin and required to stay on it.
fn location(response: &Response, access_server: &str) -> Result<String, Response> {
    let value = response
        .header("location")
        .ok_or_else(|| server_error("the access server sent no Location"))?;
    let absolute = if value.starts_with('/') {
        format!("{access_server}{value}")
    } else {
        value
    };
    let same_origin = absolute
        .strip_prefix(access_server)
        .is_some_and(|rest| rest.starts_with('/'));
    if !same_origin {
        return Err(server_error(
            "the access server's Location is not on its own origin",
        ));
    }
    Ok(absolute)
}

async fn pause(response: &Response) {
    let seconds = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(seconds).min(MAX_RETRY_SLEEP)).await;
}

/// The claims an AS asked for, always with the directed `sub` (PS-018).
fn claims_for(
    ps: &Ps,
    grant: &TokenGrant,
    checked: &CheckedResourceToken,
    response: &Response,
) -> Value {
    let resource = &checked.claims.iss;
    let sub = ps.directed_sub(&grant.person, resource);
    let asked: Vec<String> = response
        .body_json()
        .and_then(|b| b.get("required_claims").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut claims = Map::new();
    if !ps.has(Flaw::PsClaimsSubOmitted) {
        claims.insert("sub".into(), sub.into());
    }
    for name in asked {
        let value = match name.as_str() {
            "email" => Some(format!("{}@people.harness.test", grant.person)),
            "name" => Some(grant.person.clone()),
            "tenant" => ps.cfg.people.tenant_of(&grant.person).map(str::to_string),
            _ => None,
        };
        if let Some(v) = value {
            claims.insert(name, v.into());
        }
    }
    Value::Object(claims)
}

/// `exp` read without verification (only the unverified-relay flaw needs it).
fn claim_exp(token: &str) -> Option<i64> {
    let decoded = crate::jose::jws::decode(token).ok()?;
    decoded.payload_object().ok()?.get("exp")?.as_i64()
}

/// The AS refused this PS's signature: a fault of the PS, reported from the AS's
/// `Signature-Error` header alone (the body may say anything).
fn own_signature_refused(response: &Response) -> Response {
    let code = response
        .header(signature_error::FIELD)
        .and_then(|v| SignatureError::parse(v.as_bytes()).ok())
        .map_or_else(
            || "no Signature-Error header".to_string(),
            |e| e.error.as_str().to_string(),
        );
    server_error(format!(
        "the access server refused this person server's signature ({code})"
    ))
}

fn pass_through(response: Response) -> Response {
    let mut out = Response::new(response.status).with_body(response.body.clone());
    if let Some(ct) = response.header("content-type") {
        out.set_header("content-type", ct);
    }
    out
}

/// Step 4: verify the AS's token, then hand it to the agent.
async fn finish(
    ps: &Ps,
    access_server: &str,
    grant: &TokenGrant,
    checked: &CheckedResourceToken,
    response: &Response,
) -> Result<Response, Response> {
    let token = response
        .body_json()
        .and_then(|b| {
            b.get("auth_token")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .ok_or_else(|| server_error("the access server's 200 carries no auth_token"))?;
    let rt = &checked.claims;
    let now = ps.now();
    if ps.has(Flaw::PsAsTokenUnverified) {
        let expires_in = claim_exp(&token).map_or(3600, |exp| exp - now);
        return Ok(json_ok(
            json!({ "auth_token": token, "expires_in": expires_in }),
        ));
    }
    let mut expected = Expected::new(ps.cfg.profile, now)
        .audience(&rt.iss)
        .bound_to(grant.key());
    if !ps.p11() {
        expected = expected.agent(grant.agent_id());
    }
    let bad = |detail: String| {
        server_error(format!(
            "the access server's auth token fails verification: {detail}"
        ))
    };
    let valid = validate_body_token(TokenKind::Auth, &token, &expected, ps.cfg.keys.as_ref())
        .await
        .map_err(|f| bad(f.to_string()))?;
    let claims: AuthClaims = valid.typed().map_err(|f| bad(f.to_string()))?;
    if claims.iss != access_server {
        return Err(bad(format!("iss is {}", claims.iss)));
    }
    if claims.dwk != dwk::ACCESS {
        return Err(bad(format!("dwk is {}", claims.dwk)));
    }
    let directed = ps.directed_sub(&grant.person, &rt.iss);
    if ps.p11() {
        if claims.sub.as_deref() != Some(directed.as_str()) {
            return Err(bad("sub is not this PS's identifier for the person".into()));
        }
        if claims.ps.as_deref() != Some(ps.id()) {
            return Err(bad("ps does not name this person server".into()));
        }
    } else if claims.sub.as_deref().is_some_and(|s| s != directed) {
        return Err(bad("sub is not this PS's identifier for the person".into()));
    }
    let within = match (&claims.scope, &rt.scope) {
        (None, _) => true,
        (Some(granted), Some(asked)) => scope_within(granted, asked),
        (Some(granted), None) => granted.trim().is_empty(),
    };
    if !within {
        return Err(bad("scope is broader than the resource token's".into()));
    }
    let expires_in = (claims.exp - now).max(0);
    Ok(json_ok(
        json!({ "auth_token": token, "expires_in": expires_in }),
    ))
}
