//! Verifying one signature label against a given public key, and the typed reasons a
//! verification fails.
//!
//! [`VerifyError`] sorts failures by whose fault they are, as rustls sorts TLS errors:
//! [`Malformed`] (the signer sent something that cannot be read or does not hang together),
//! [`Violation`] (readable, but breaks a rule: stale, uncovered, does not verify) and
//! [`Unsupported`] (valid, but something this verifier does not implement). The mapping to
//! the wire code an AAuth server answers with is a separate `From` impl, so the reason is
//! never lost to the code.
//!
//! This module does RFC 9421 only: it never looks at `alg` or `keyid` (the caller passes the
//! key, which AAuth takes from `Signature-Key`), and it checks no clock. The AAuth checks and
//! their order live in [`crate::httpsig::profile`].

use std::borrow::Cow;

use crate::httpsig::base::{signature_base, BaseError, FieldTypes, Message, SignatureBase};
use crate::httpsig::component::ComponentId;
use crate::jose::{PublicKey, SignatureCheckError};
use crate::message::{Field, Request, Response};
use crate::wire::signature::Signatures;
use crate::wire::signature_error::SignatureErrorCode;
use crate::wire::signature_input::{
    SignatureFieldError, SignatureInput, SignatureParams, SIGNATURE, SIGNATURE_INPUT,
};

/// Why a signature was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signer's message cannot be read or is inconsistent.
    #[error("malformed: {0}")]
    Malformed(#[from] Malformed),
    /// The message is readable but breaks a rule.
    #[error("violation: {0}")]
    Violation(#[from] Violation),
    /// Something valid that this verifier does not implement.
    #[error("unsupported: {0}")]
    Unsupported(#[from] Unsupported),
}

/// The signer sent something unreadable or self-contradictory.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// `Signature`, `Signature-Input` or `Signature-Key` is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// `Signature-Input` or `Signature` does not parse.
    #[error("{0}")]
    Field(SignatureFieldError),
    /// The label being verified is not a member of a field.
    #[error("{field} has no member {label:?}")]
    LabelAbsent {
        /// The label.
        label: String,
        /// `Signature-Input` or `Signature`.
        field: &'static str,
    },
    /// A covered component does not resolve in the message.
    #[error("{0}")]
    Base(BaseError),
    /// The signature bytes have the wrong length or encoding for the key's algorithm.
    #[error("the signature is not a well-formed signature for this key type")]
    SignatureEncoding,
    /// The public key is not a valid key (for example, not a curve point).
    #[error("the public key is not a valid key")]
    PublicKey,
}

/// A readable message that breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Required components are not covered.
    #[error("required components not covered: {}", list(missing))]
    NotCovered {
        /// The required components the signature lacks.
        missing: Vec<ComponentId>,
        /// Everything required, for `required_input`.
        required: Vec<ComponentId>,
    },
    /// `created` is absent.
    #[error("the created parameter is missing")]
    CreatedMissing,
    /// `created` is older than the window allows.
    #[error("created {created} is more than {window}s before now ({now})")]
    CreatedTooOld {
        /// The signature's `created`.
        created: i64,
        /// The verifier's clock.
        now: i64,
        /// The window in seconds.
        window: i64,
    },
    /// `created` is further in the future than the window allows.
    #[error("created {created} is more than {window}s after now ({now})")]
    CreatedInFuture {
        /// The signature's `created`.
        created: i64,
        /// The verifier's clock.
        now: i64,
        /// The window in seconds.
        window: i64,
    },
    /// `expires` has passed.
    #[error("expires {expires} is before now ({now})")]
    Expired {
        /// The signature's `expires`.
        expires: i64,
        /// The verifier's clock.
        now: i64,
    },
    /// `Signature-Key` has no member for the label being verified.
    #[error("Signature-Key has no member {label:?}")]
    NoSignatureKeyMember {
        /// The label.
        label: String,
    },
    /// A covered `Content-Digest` does not match the body.
    #[error("Content-Digest does not match the body ({algorithm})")]
    DigestMismatch {
        /// The digest algorithm that disagreed.
        algorithm: String,
    },
    /// The signature does not verify over the base with the key.
    #[error("the signature does not verify")]
    SignatureMismatch,
}

/// Valid input this verifier does not implement.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// A covered component uses a name, parameter, structured type or trailer the base
    /// cannot resolve.
    #[error("{0}")]
    Component(BaseError),
    /// `Content-Digest` names no algorithm this verifier computes.
    #[error("Content-Digest has no supported algorithm (have sha-256, sha-512)")]
    DigestAlgorithm,
}

fn list(ids: &[ComponentId]) -> String {
    ids.iter()
        .map(ComponentId::serialize)
        .collect::<Vec<_>>()
        .join(" ")
}

impl VerifyError {
    /// The components to list in `required_input`, for `invalid_input`.
    pub fn required_input(&self) -> Option<&[ComponentId]> {
        match self {
            VerifyError::Violation(Violation::NotCovered { required, .. }) => Some(required),
            _ => None,
        }
    }
}

impl From<BaseError> for VerifyError {
    fn from(e: BaseError) -> Self {
        if e.is_unsupported() {
            VerifyError::Unsupported(Unsupported::Component(e))
        } else {
            VerifyError::Malformed(Malformed::Base(e))
        }
    }
}

/// The `Signature-Error` code an AAuth server answers with (AAuth "Verification" steps;
/// requirements §2.4). Missing headers are `invalid_request` (step 1), uncovered components
/// `invalid_input` (step 2), an unusable key `invalid_key` (step 5); everything else about
/// the signature itself, including unparsable `Signature-Input`/`Signature` (HTTP Signature
/// Keys calls a malformed signature `invalid_signature`), is `invalid_signature`.
impl From<&VerifyError> for SignatureErrorCode {
    fn from(e: &VerifyError) -> Self {
        match e {
            VerifyError::Malformed(Malformed::MissingHeader(_)) => {
                SignatureErrorCode::INVALID_REQUEST
            }
            VerifyError::Malformed(Malformed::PublicKey) => SignatureErrorCode::INVALID_KEY,
            VerifyError::Violation(Violation::NotCovered { .. }) => {
                SignatureErrorCode::INVALID_INPUT
            }
            VerifyError::Malformed(_) | VerifyError::Violation(_) | VerifyError::Unsupported(_) => {
                SignatureErrorCode::INVALID_SIGNATURE
            }
        }
    }
}

/// A signature that verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The label verified.
    pub label: String,
    /// Its covered components and parameters.
    pub params: SignatureParams,
    /// The base it was verified over.
    pub base: SignatureBase,
}

/// The combined value of every line of `name`, or `None` when absent.
pub(crate) fn combined<'f>(fields: &'f [Field], name: &str) -> Option<Cow<'f, str>> {
    let mut values = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim());
    let first = values.next()?;
    match values.next() {
        // One line, the usual case: borrowed as it is.
        None => Some(Cow::Borrowed(first)),
        Some(second) => {
            let mut joined = format!("{first}, {second}");
            for v in values {
                joined.push_str(", ");
                joined.push_str(v);
            }
            Some(Cow::Owned(joined))
        }
    }
}

/// Parse `Signature-Input` and return the member for `label`.
pub fn read_signature_input(fields: &[Field], label: &str) -> Result<SignatureParams, VerifyError> {
    let value =
        combined(fields, SIGNATURE_INPUT).ok_or(Malformed::MissingHeader(SIGNATURE_INPUT))?;
    let input = SignatureInput::parse(&value).map_err(Malformed::Field)?;
    input.get(label).cloned().ok_or_else(|| {
        Malformed::LabelAbsent {
            label: label.to_string(),
            field: SIGNATURE_INPUT,
        }
        .into()
    })
}

/// Parse `Signature` and return the bytes for `label`.
pub fn read_signature(fields: &[Field], label: &str) -> Result<Vec<u8>, VerifyError> {
    let value = combined(fields, SIGNATURE).ok_or(Malformed::MissingHeader(SIGNATURE))?;
    let sigs = Signatures::parse(&value).map_err(Malformed::Field)?;
    sigs.get(label).map(<[u8]>::to_vec).ok_or_else(|| {
        Malformed::LabelAbsent {
            label: label.to_string(),
            field: SIGNATURE,
        }
        .into()
    })
}

/// Verify the signature `label` of `message` with `key`. `alg` and `keyid` are never read.
pub fn verify_message(
    message: Message<'_>,
    label: &str,
    key: &PublicKey,
    types: &FieldTypes,
) -> Result<Verified, VerifyError> {
    let params = read_signature_input(message.fields(), label)?;
    verify_message_params(message, label, params, key, types)
}

/// [`verify_message`] for a verifier that already read `label`'s `Signature-Input` member
/// (to check covered components and freshness first), so it is not parsed again.
pub fn verify_message_params(
    message: Message<'_>,
    label: &str,
    params: SignatureParams,
    key: &PublicKey,
    types: &FieldTypes,
) -> Result<Verified, VerifyError> {
    let signature = read_signature(message.fields(), label)?;
    let base = signature_base(message, &params, types)?;
    key.verify(base.as_bytes(), &signature)
        .map_err(|e| match e {
            SignatureCheckError::Malformed => VerifyError::from(Malformed::SignatureEncoding),
            SignatureCheckError::BadKey => Malformed::PublicKey.into(),
            SignatureCheckError::Mismatch => Violation::SignatureMismatch.into(),
        })?;
    Ok(Verified {
        label: label.to_string(),
        params,
        base,
    })
}

/// [`verify_message`] for a request, with the AAuth field-type table.
pub fn verify_request(
    request: &Request,
    label: &str,
    key: &PublicKey,
) -> Result<Verified, VerifyError> {
    verify_message(Message::Request(request), label, key, &FieldTypes::aauth())
}

/// [`verify_message`] for a response and its related request.
pub fn verify_response(
    response: &Response,
    related: Option<&Request>,
    label: &str,
    key: &PublicKey,
) -> Result<Verified, VerifyError> {
    let message = Message::Response {
        response,
        request: related,
    };
    verify_message(message, label, key, &FieldTypes::aauth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::sign::{sign_request, sign_response};
    use crate::jose::{Alg, SigningKey};
    use crate::message::Fields;
    use crate::wire::signature_input::SignatureParam;

    fn signed(alg: &Alg) -> (Request, SigningKey) {
        let key = SigningKey::from_seed(alg, [9; 32]).expect("alg");
        let mut r = Request::new("POST", "https", "resource.example", "/x?q=1")
            .with_header("Content-Type", "text/plain")
            .with_body("hi");
        let params = SignatureParams::new(vec![
            ComponentId::METHOD,
            ComponentId::AUTHORITY,
            ComponentId::field("content-type"),
        ])
        .with(SignatureParam::Created(5));
        sign_request(&mut r, &key, "sig", &params).expect("signs");
        (r, key)
    }

    #[test]
    fn round_trip_for_both_algorithms_and_tamper_detection() {
        for alg in [Alg::ED25519, Alg::ES256] {
            let (mut r, key) = signed(&alg);
            let ok = verify_request(&r, "sig", &key.public_key()).expect("verifies");
            assert_eq!(ok.params.created(), Some(5));
            r.method = "PUT".into();
            assert_eq!(
                verify_request(&r, "sig", &key.public_key()),
                Err(VerifyError::Violation(Violation::SignatureMismatch))
            );
        }
    }

    #[test]
    fn uncovered_parts_may_change_but_the_wrong_key_fails() {
        let (mut r, key) = signed(&Alg::ED25519);
        r.path = "/elsewhere".into();
        r.body = "other".into();
        assert!(verify_request(&r, "sig", &key.public_key()).is_ok());
        let other = SigningKey::from_seed(&Alg::ED25519, [8; 32]).expect("key");
        let e = verify_request(&r, "sig", &other.public_key()).expect_err("wrong key");
        assert_eq!(
            SignatureErrorCode::from(&e),
            SignatureErrorCode::INVALID_SIGNATURE
        );
    }

    #[test]
    fn missing_and_malformed_fields_are_named() {
        let (r, key) = signed(&Alg::ED25519);
        let pk = key.public_key();
        let mut no_sig = r.clone();
        no_sig.remove_header("signature");
        let e = verify_request(&no_sig, "sig", &pk).expect_err("missing");
        assert_eq!(
            e,
            VerifyError::Malformed(Malformed::MissingHeader("Signature"))
        );
        assert_eq!(
            SignatureErrorCode::from(&e),
            SignatureErrorCode::INVALID_REQUEST
        );
        assert!(matches!(
            verify_request(&r, "other", &pk),
            Err(VerifyError::Malformed(Malformed::LabelAbsent {
                field: "Signature-Input",
                ..
            }))
        ));
        let mut bad = r.clone();
        bad.set_header("Signature", "sig=:AAAA:");
        assert_eq!(
            verify_request(&bad, "sig", &pk),
            Err(VerifyError::Malformed(Malformed::SignatureEncoding))
        );
        bad.set_header("Signature", "sig=\"x\"");
        assert!(matches!(
            verify_request(&bad, "sig", &pk),
            Err(VerifyError::Malformed(Malformed::Field(_)))
        ));
        let mut gone = r.clone();
        gone.remove_header("content-type");
        let e = verify_request(&gone, "sig", &pk).expect_err("field gone");
        assert!(matches!(
            e,
            VerifyError::Malformed(Malformed::Base(BaseError::FieldAbsent { .. }))
        ));
        let bad_point = PublicKey::Es256 {
            x: [0; 32],
            y: [0; 32],
        };
        let e = verify_request(&r, "sig", &bad_point).expect_err("bad key");
        assert!(matches!(
            e,
            VerifyError::Violation(Violation::SignatureMismatch)
                | VerifyError::Malformed(Malformed::PublicKey)
        ));
    }

    #[test]
    fn alg_and_keyid_parameters_are_never_used() {
        let key = SigningKey::from_seed(&Alg::ED25519, [3; 32]).expect("key");
        let mut r = Request::new("GET", "https", "r.example", "/");
        let params = SignatureParams::new(vec![ComponentId::METHOD])
            .with(SignatureParam::Alg("hmac-sha256".into()))
            .with(SignatureParam::KeyId("someone-else".into()));
        sign_request(&mut r, &key, "sig", &params).expect("signs");
        assert!(verify_request(&r, "sig", &key.public_key()).is_ok());
    }

    #[test]
    fn responses_verify_with_their_related_request() {
        let key = SigningKey::from_seed(&Alg::ES256, [4; 32]).expect("key");
        let request = Request::new("GET", "https", "r.example", "/a");
        let mut response = Response::new(200).with_header("Content-Type", "text/plain");
        let params = SignatureParams::new(vec![
            ComponentId::STATUS,
            ComponentId::parse(r#""@path";req"#).expect("id"),
        ]);
        sign_response(&mut response, Some(&request), &key, "res", &params).expect("signs");
        assert!(verify_response(&response, Some(&request), "res", &key.public_key()).is_ok());
        let other = Request::new("GET", "https", "r.example", "/b");
        assert!(verify_response(&response, Some(&other), "res", &key.public_key()).is_err());
        assert!(matches!(
            verify_response(&response, None, "res", &key.public_key()),
            Err(VerifyError::Malformed(Malformed::Base(
                BaseError::NoRelatedRequest { .. }
            )))
        ));
    }

    #[test]
    fn unsupported_components_are_sorted_apart() {
        let e = VerifyError::from(BaseError::Trailers {
            component: "\"x\";tr".into(),
        });
        assert!(matches!(e, VerifyError::Unsupported(_)));
        let nc = VerifyError::Violation(Violation::NotCovered {
            missing: vec![ComponentId::PATH],
            required: vec![ComponentId::METHOD, ComponentId::PATH],
        });
        assert_eq!(
            SignatureErrorCode::from(&nc),
            SignatureErrorCode::INVALID_INPUT
        );
        assert_eq!(nc.required_input().map(<[ComponentId]>::len), Some(2));
        assert_eq!(
            nc.to_string(),
            "violation: required components not covered: \"@path\""
        );
    }
}
