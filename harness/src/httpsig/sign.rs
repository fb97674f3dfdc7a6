//! Signing: build the base for one label, sign it with a [`SigningKey`] (Ed25519, or ES256 as
//! raw `r || s`), and attach `Signature-Input` and `Signature`.
//!
//! Two layers. [`sign_request`] / [`sign_response`] are plain RFC 9421: the caller chooses the
//! covered components and parameters, which is what vectors and deliberately wrong requests
//! need. [`sign_aauth`] is the AAuth agent: it sets `Signature-Key`, adds `Content-Digest`
//! when the target needs one, and covers exactly what the profile requires
//! (`@method @authority @path signature-key`, plus `content-type content-digest` on bodies
//! to a PS or AS, `authorization` with `Authorization: AAuth`, and a resource's extra
//! components). [`prepare_aauth`] and [`aauth_covered`] expose the steps so a defect can
//! change one thing between them.

use crate::httpsig::base::{signature_base, BaseError, FieldTypes, Message, SignatureBase};
use crate::httpsig::component::ComponentId;
use crate::jose::SigningKey;
use crate::message::{Fields, Request, Response};
use crate::profile::Profile;
use crate::role::Role;
use crate::wire::signature::Signatures;
use crate::wire::signature_input::{SignatureInput, SignatureParam, SignatureParams};
use base64::Engine as _;
/// Signing could not happen. Always the caller's fault: the message or the parameters
/// cannot produce a base.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// A covered component does not resolve.
    #[error("cannot build the signature base: {0}")]
    Base(#[from] BaseError),
    /// The label is not a structured-field key (lowercase, RFC 8941 §3.1.2).
    #[error("{0:?} is not a valid signature label")]
    InvalidLabel(String),
    /// The message already carries a signature under this label.
    #[error("the message already has a signature labelled {0:?}")]
    DuplicateLabel(String),
}

/// Sign `params` over `message` without touching it: the base and the raw signature.
pub fn signature_over(
    message: Message<'_>,
    key: &SigningKey,
    params: &SignatureParams,
    types: &FieldTypes,
) -> Result<(SignatureBase, Vec<u8>), SignError> {
    let base = signature_base(message, params, types)?;
    let signature = key.sign(base.as_bytes());
    Ok((base, signature))
}

/// Sign a request under `label` and append its `Signature-Input` and `Signature` members
/// (as new field lines, so signatures already present are left as they were).
pub fn sign_request(
    request: &mut Request,
    key: &SigningKey,
    label: &str,
    params: &SignatureParams,
) -> Result<SignatureBase, SignError> {
    check_label(request.fields(), label)?;
    let (base, signature) =
        signature_over(Message::Request(request), key, params, &FieldTypes::aauth())?;
    attach(request, label, params, signature);
    Ok(base)
}

/// Sign a response under `label`; `related` resolves components flagged `req`.
pub fn sign_response(
    response: &mut Response,
    related: Option<&Request>,
    key: &SigningKey,
    label: &str,
    params: &SignatureParams,
) -> Result<SignatureBase, SignError> {
    check_label(response.fields(), label)?;
    let message = Message::Response {
        response,
        request: related,
    };
    let (base, signature) = signature_over(message, key, params, &FieldTypes::aauth())?;
    attach(response, label, params, signature);
    Ok(base)
}

fn check_label(fields: &[crate::message::Field], label: &str) -> Result<(), SignError> {
    if sfv::KeyRef::from_str(label).is_err() {
        return Err(SignError::InvalidLabel(label.to_string()));
    }
    let existing: Vec<&str> = fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("signature-input"))
        .map(|(_, v)| v.as_str())
        .collect();
    if let Ok(input) = SignatureInput::parse(&existing.join(", ")) {
        if input.get(label).is_some() {
            return Err(SignError::DuplicateLabel(label.to_string()));
        }
    }
    Ok(())
}

fn attach(message: &mut impl Fields, label: &str, params: &SignatureParams, signature: Vec<u8>) {
    let mut input = SignatureInput::new();
    input.insert(label, params.clone());
    let mut sigs = Signatures::new();
    sigs.insert(label, signature);
    message.append_header("Signature-Input", input.serialize());
    message.append_header("Signature", sigs.serialize());
}

/// `Content-Digest` with SHA-256 (RFC 9530): `sha-256=:<base64>:`.
pub fn content_digest_sha256(body: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// What the target of an AAuth request needs covered, beyond the four base components.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AauthSignContext {
    /// Compute `Content-Digest` and cover `content-type` and `content-digest` whenever the
    /// request has a body (PS and AS endpoints under `aauth-11`).
    pub body_digest: bool,
    /// Extra components the target requires (resource `additional_signature_components`).
    pub additional: Vec<ComponentId>,
    /// An `expires` parameter to add (absolute Unix time), if any.
    pub expires: Option<i64>,
}

impl AauthSignContext {
    /// A resource that asks for nothing beyond the base four.
    pub fn resource() -> Self {
        AauthSignContext::default()
    }

    /// What `profile` requires toward a server playing `role`: bodies to a PS or AS are
    /// digested under `aauth-11`.
    pub fn for_role(profile: Profile, role: Role) -> Self {
        AauthSignContext {
            body_digest: profile == Profile::Aauth11
                && matches!(role, Role::PersonServer | Role::AccessServer),
            ..AauthSignContext::default()
        }
    }

    /// Add components the target requires.
    pub fn with_additional(mut self, ids: impl IntoIterator<Item = ComponentId>) -> Self {
        self.additional.extend(ids);
        self
    }

    fn digests(&self, request: &Request) -> bool {
        (self.body_digest && !request.body.is_empty())
            || self
                .additional
                .iter()
                .any(|c| c.is_plain_field("content-digest"))
    }
}

/// True when `request` carries `Authorization: AAuth ...`, which must then be covered.
pub fn has_aauth_authorization(request: &Request) -> bool {
    request.header_all("authorization").any(|v| {
        let v = v.trim_start();
        let scheme = v.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("aauth"));
        scheme
            && v.get(5..)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// The components an AAuth agent covers for `request`, in signing order:
/// `@method @authority @path`, then `content-type content-digest` (digested bodies),
/// `authorization` (AAuth credential), `aauth-mission` (when sent), the target's extra
/// components, and `signature-key` last.
pub fn aauth_covered(request: &Request, ctx: &AauthSignContext) -> Vec<ComponentId> {
    let mut covered = vec![
        ComponentId::METHOD,
        ComponentId::AUTHORITY,
        ComponentId::PATH,
    ];
    let mut add = |c: ComponentId| {
        if !covered.contains(&c) {
            covered.push(c);
        }
    };
    if ctx.body_digest && !request.body.is_empty() {
        add(ComponentId::field("content-type"));
        add(ComponentId::field("content-digest"));
    }
    if has_aauth_authorization(request) {
        add(ComponentId::field("authorization"));
    }
    if request.has_header("aauth-mission") {
        add(ComponentId::field("aauth-mission"));
    }
    let signature_key = ComponentId::field("signature-key");
    for c in &ctx.additional {
        if *c != signature_key {
            add(c.clone());
        }
    }
    add(signature_key);
    covered
}

/// Set `Signature-Key: <label>=<member>` and, when the target needs it, `Content-Digest`;
/// drop any earlier `Signature` and `Signature-Input`. `signature_key_member` is the member
/// value without the label, e.g. `jwt;jwt="eyJ..."`.
pub fn prepare_aauth(
    request: &mut Request,
    label: &str,
    signature_key_member: &str,
    ctx: &AauthSignContext,
) {
    request.remove_header("signature");
    request.remove_header("signature-input");
    request.set_header("Signature-Key", format!("{label}={signature_key_member}"));
    if ctx.digests(request) {
        let digest = content_digest_sha256(&request.body);
        request.set_header("Content-Digest", digest);
    }
}

/// Sign `request` the way an AAuth agent does (see the module docs). Any earlier signature
/// is replaced.
pub fn sign_aauth(
    request: &mut Request,
    key: &SigningKey,
    label: &str,
    signature_key_member: &str,
    created: i64,
    ctx: &AauthSignContext,
) -> Result<SignatureBase, SignError> {
    prepare_aauth(request, label, signature_key_member, ctx);
    let mut params =
        SignatureParams::new(aauth_covered(request, ctx)).with(SignatureParam::Created(created));
    if let Some(expires) = ctx.expires {
        params.set(SignatureParam::Expires(expires));
    }
    sign_request(request, key, label, &params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::Alg;

    fn key() -> SigningKey {
        SigningKey::from_seed(&Alg::ED25519, [1; 32]).expect("ed25519")
    }

    #[test]
    fn aauth_covers_base_four_and_signature_key_last() {
        let mut r = Request::new("GET", "https", "resource.example", "/api/documents");
        let base = sign_aauth(
            &mut r,
            &key(),
            "sig",
            "jwt;jwt=\"t\"",
            1730217600,
            &AauthSignContext::resource(),
        )
        .expect("signs");
        assert_eq!(
            r.header("signature-input").as_deref(),
            Some(r#"sig=("@method" "@authority" "@path" "signature-key");created=1730217600"#)
        );
        assert_eq!(
            r.header("signature-key").as_deref(),
            Some("sig=jwt;jwt=\"t\"")
        );
        assert!(!r.has_header("content-digest"));
        assert_eq!(
            base.lines().last(),
            Some(
                r#""@signature-params": ("@method" "@authority" "@path" "signature-key");created=1730217600"#
            )
        );
    }

    #[test]
    fn ps_bodies_are_digested_and_authorization_is_covered() {
        let mut r = Request::new("POST", "https", "ps.example", "/person")
            .with_header("Content-Type", "application/json")
            .with_header("Authorization", "AAuth abc")
            .with_body(r#"{"resource":"https://resource.example"}"#);
        let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
        sign_aauth(&mut r, &key(), "sig", "jwt;jwt=\"t\"", 1, &ctx).expect("signs");
        assert_eq!(
            r.header("content-digest").as_deref(),
            Some("sha-256=:nJxjM/eJDL6/sWg44NobfMWuVck7ev1KSiJopPVqF8I=:")
        );
        assert_eq!(
            r.header("signature-input").as_deref(),
            Some(
                r#"sig=("@method" "@authority" "@path" "content-type" "content-digest" "authorization" "signature-key");created=1"#
            )
        );
        assert!(!AauthSignContext::for_role(Profile::Aauth10, Role::PersonServer).body_digest);
        assert!(!AauthSignContext::for_role(Profile::Aauth11, Role::Resource).body_digest);
    }

    #[test]
    fn resource_extra_components_and_expires_are_added_once() {
        let mut r = Request::new("PUT", "https", "r.example", "/x?y=1").with_body("abc");
        let ctx = AauthSignContext {
            expires: Some(99),
            ..AauthSignContext::resource().with_additional([
                ComponentId::QUERY,
                ComponentId::field("content-digest"),
                ComponentId::PATH,
            ])
        };
        sign_aauth(&mut r, &key(), "s1", "jwt;jwt=\"t\"", 1, &ctx).expect("signs");
        assert!(r.has_header("content-digest"));
        assert_eq!(
            r.header("signature-input").as_deref(),
            Some(
                r#"s1=("@method" "@authority" "@path" "@query" "content-digest" "signature-key");created=1;expires=99"#
            )
        );
    }

    #[test]
    fn labels_are_checked() {
        let mut r = Request::new("GET", "https", "r.example", "/");
        let params = SignatureParams::new(vec![ComponentId::METHOD]);
        assert_eq!(
            sign_request(&mut r, &key(), "Sig", &params),
            Err(SignError::InvalidLabel("Sig".into()))
        );
        sign_request(&mut r, &key(), "a", &params).expect("first");
        assert_eq!(
            sign_request(&mut r, &key(), "a", &params),
            Err(SignError::DuplicateLabel("a".into()))
        );
        sign_request(&mut r, &key(), "b", &params).expect("second label");
        assert_eq!(r.header_all("signature").count(), 2);
        assert!(matches!(
            sign_request(
                &mut r,
                &key(),
                "c",
                &SignatureParams::new(vec![ComponentId::field("x-absent")])
            ),
            Err(SignError::Base(BaseError::FieldAbsent { .. }))
        ));
    }

    #[test]
    fn authorization_detection_needs_the_aauth_scheme() {
        let r = |v: &str| Request::new("GET", "https", "r", "/").with_header("Authorization", v);
        assert!(has_aauth_authorization(&r("AAuth tok")));
        assert!(has_aauth_authorization(&r("aauth tok")));
        assert!(!has_aauth_authorization(&r("Bearer tok")));
        assert!(!has_aauth_authorization(&r("AAuthx tok")));
    }
}
