//! Who is calling the AS: only a person server signing as itself (AS-001). The shared
//! verifier runs with the `jwks_uri` scheme as the only one accepted (so an agent's `jwt`
//! gets `401 unsupported_scheme`), resolving `{id}/.well-known/{dwk}` → `jwks_uri` →
//! `kid` (requirements §6 G2). Then the AS's own rules: `dwk` must be
//! `aauth-person.json`, and `id` a trusted PS when the AS names any (`403 denied`).
//! Under -11 a body must be digested like any PS/AS request.

use crate::message::{Request, Response};
use crate::role::endpoint::refuse;
use crate::role::Role;
use crate::verify::{verify_request, Signer, VerifierConfig};
use crate::wire::metadata::PERSON_DWK;
use crate::wire::problem::ErrorCode;
use crate::wire::signature_key::Scheme;

use super::As;

/// The verifier configuration of the AS.
pub(crate) fn verifier_config(inner: &As) -> VerifierConfig {
    VerifierConfig::for_role(inner.cfg.profile, Role::AccessServer, &inner.cfg.identifier)
        .with_schemes([Scheme::JWKS_URI])
        .with_flaws(inner.cfg.flaws.clone())
}

/// Authenticate a person server; returns its identifier.
pub(crate) async fn authenticate(inner: &As, request: &Request) -> Result<String, Response> {
    let config = verifier_config(inner);
    let verified = verify_request(request, &config, inner.cfg.keys.as_ref(), inner.now())
        .await
        .map_err(|r| r.to_response())?;
    let (id, dwk) = match &verified.signer {
        Signer::Server { id, dwk, .. } => (id.clone(), dwk.clone()),
        _ => {
            return Err(refuse(
                403,
                ErrorCode::DENIED,
                "only person servers signing as themselves may call this endpoint",
            ))
        }
    };
    if dwk != PERSON_DWK {
        return Err(refuse(
            403,
            ErrorCode::DENIED,
            format!("{id} signed as {dwk}, not as a person server"),
        ));
    }
    let trusted = &inner.cfg.trusted_person_servers;
    if !trusted.is_empty() && !trusted.contains(&id) {
        return Err(refuse(
            403,
            ErrorCode::DENIED,
            format!("{id} is not a person server this access server trusts"),
        ));
    }
    Ok(id)
}
