//! `aauth-person.json`: the reference document of [`PersonServerMetadata::reference`]
//! (`auth_token_endpoint` + `person_token_endpoint` under -11, `token_endpoint` under -10,
//! plus `mission_endpoint`, the governance endpoints, `revocation_endpoint` and
//! `jwks_uri`), all of which this PS serves.

use crate::message::Response;
use crate::role::endpoint::metadata_response;
use crate::wire::metadata::PersonServerMetadata;

use super::Ps;

/// The metadata document of `ps`.
pub(crate) fn document(ps: &Ps) -> PersonServerMetadata {
    PersonServerMetadata::reference(&ps.cfg.identifier, ps.cfg.profile)
}

/// `GET /.well-known/aauth-person.json`.
pub(crate) fn metadata(ps: &Ps) -> Response {
    metadata_response(&document(ps).to_json())
}
