//! `revocation_endpoint` (AAuth "Token Revocation", REV-001, REV-002, PS-039).
//!
//! The caller signs as a server (`jwks_uri` scheme): an agent provider revoking an agent
//! token it issued, or this PS's own tokens. Agents (`jwt` scheme) may not revoke. The
//! body must carry string `iss` and `jti`. Only the token's issuer may revoke it (`403
//! denied` otherwise). Revocation state is keyed by `(iss, jti)`:
//!
//! - `iss` an agent provider this PS serves: recorded, so that agent token is refused from
//!   then on (`200`, also when already revoked);
//! - `iss` this PS: `200` for a person or auth token it issued, `404` for an unknown `jti`;
//! - anything else: `404`.
//!
//! Outbound (PS-040): when the person revokes a mission (the admin hook
//! `POST /_harness/revoke-mission`), the PS revokes each auth token it issued under the
//! mission at the resource it was issued for.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::jose::claims::dwk;
use crate::message::{Fields, Request, Response};
use crate::role::endpoint::{refuse, sign_as_server, JsonBody, Reply};
use crate::role::flaw::Flaw;
use crate::target::client::request_for_url;
use crate::verify::{verify_request, Signer};
use crate::wire::metadata::{well_known_url, ResourceMetadata, RESOURCE_DWK};
use crate::wire::problem::{ErrorCode, TerminationReason};
use crate::wire::signature_key::Scheme;

use super::caller::verifier_config;
use super::Ps;

/// How long one outbound revocation step (metadata fetch, revocation call) may take.
pub const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(2);

/// `POST /revoke`.
pub(crate) async fn handle(ps: &Arc<Ps>, request: &Request) -> Response {
    flow(ps, request).await.unwrap_or_else(|r| r)
}

async fn flow(ps: &Ps, request: &Request) -> Reply {
    let config = verifier_config(ps).with_schemes([Scheme::JWT, Scheme::JWKS_URI]);
    let verified = verify_request(request, &config, ps.cfg.keys.as_ref(), ps.now())
        .await
        .map_err(|r| r.to_response())?;
    let caller = match &verified.signer {
        Signer::Server { id, .. } => id.clone(),
        _ => {
            return Err(refuse(
                403,
                ErrorCode::DENIED,
                "only a token's issuer, signing as itself, may revoke it",
            ))
        }
    };
    let body = JsonBody::parse(request)?;
    let iss = body.req_str("iss")?;
    let jti = body.req_str("jti")?;
    if caller != iss {
        return Err(refuse(
            403,
            ErrorCode::DENIED,
            "only the issuer of a token may revoke it here",
        ));
    }
    let trusted = &ps.cfg.trusted_agent_providers;
    let mut state = ps.state();
    let known = if iss == ps.cfg.identifier {
        state.records.issued(jti)
    } else {
        iss.starts_with("https://") && (trusted.is_empty() || trusted.iter().any(|t| t == iss))
    };
    if !known {
        return Err(refuse(
            404,
            ErrorCode::INVALID_REQUEST,
            "unknown (iss, jti)",
        ));
    }
    state.records.revoke(iss, jti);
    Ok(Response::new(200))
}

/// `POST /_harness/revoke-mission {"mission_s256": "…"}` (admin hook, like the scripted
/// person's decisions): the person withdraws a mission. The mission terminates as
/// `revoked`, and every auth token this PS issued under it is revoked at its resource's
/// `revocation_endpoint` (PS-040), signed as this PS. The
/// `ps-mission-revocation-keeps-tokens` flaw terminates the mission and stops there.
pub(crate) async fn revoke_mission(ps: &Arc<Ps>, request: &Request) -> Response {
    let body = match JsonBody::parse(request) {
        Ok(body) => body,
        Err(r) => return r,
    };
    let s256 = match body.req_str("mission_s256") {
        Ok(s) => s.to_string(),
        Err(r) => return r,
    };
    let tokens = {
        let mut state = ps.state();
        match state.missions.any(&s256) {
            Some(mission) => mission.terminate(TerminationReason::REVOKED),
            None => {
                return refuse(404, ErrorCode::MISSION_NOT_FOUND, "no such mission");
            }
        }
        state.mission_tokens.remove(&s256).unwrap_or_default()
    };
    if !ps.has(Flaw::PsMissionRevocationKeepsTokens) {
        for (resource, jti) in tokens {
            revoke_at_resource(ps, &resource, &jti).await;
        }
    }
    Response::new(204)
}

/// Revoke `(this PS, jti)` at `resource`'s `revocation_endpoint`. Best effort: a resource
/// without one, or one that cannot be reached in time, is left to the token's expiry.
async fn revoke_at_resource(ps: &Ps, resource: &str, jti: &str) {
    let url = well_known_url(resource, RESOURCE_DWK);
    let Ok(Ok(response)) = tokio::time::timeout(OUTBOUND_TIMEOUT, ps.cfg.http.get(&url)).await
    else {
        return;
    };
    let endpoint = match ResourceMetadata::parse(&response.body) {
        Ok(metadata) if response.status == 200 => metadata.revocation_endpoint,
        _ => None,
    };
    let Some(endpoint) = endpoint else {
        return;
    };
    let Ok((address, mut call)) = request_for_url("POST", &endpoint) else {
        return;
    };
    call.set_header("Content-Type", "application/json");
    call.body = json!({ "iss": ps.id(), "jti": jti }).to_string().into();
    if sign_as_server(&mut call, &ps.issuer, ps.id(), dwk::PERSON, ps.now()).is_err() {
        return;
    }
    let _ = tokio::time::timeout(OUTBOUND_TIMEOUT, ps.cfg.http.send(&address, &call)).await;
}
