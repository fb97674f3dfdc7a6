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

use std::sync::Arc;

use crate::message::{Request, Response};
use crate::role::endpoint::{refuse, JsonBody, Reply};
use crate::verify::{verify_request, Signer};
use crate::wire::problem::ErrorCode;
use crate::wire::signature_key::Scheme;

use super::caller::verifier_config;
use super::Ps;

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
