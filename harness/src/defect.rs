//! Deliberate deviations as data: each [`RequestDefect`] turns an otherwise valid AAuth
//! signed request into one that differs in exactly one named way.
//!
//! Cases, vectors and the fuzzer share these values so that "sends `created` 61 s in the
//! past" means the same bytes everywhere. A defect is applied by
//! [`build_signed_request`], which signs like an AAuth agent and changes the one thing at
//! the right moment: before signing (a parameter, the covered list, the `Signature-Key`
//! label, the digest, the key) or after it (a header dropped, a covered value tampered
//! with). [`RequestDefect::expected`] says what a conforming verifier answers, including
//! the defects a verifier must *accept* (an `alg` parameter, an equivalent `@authority`).

use crate::httpsig::component::ComponentId;
use crate::httpsig::profile::ProfileRequirements;
use crate::httpsig::sign::{
    aauth_covered, content_digest_sha256, prepare_aauth, sign_request, AauthSignContext, SignError,
};
use crate::jose::SigningKey;
use crate::message::{Fields, Request};
use crate::wire::signature::Signatures;
use crate::wire::signature_error::SignatureErrorCode;
use crate::wire::signature_input::{SignatureParam, SignatureParams};
use sha2::Digest as _;

/// A change to a covered (or coverable) part of a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tamper {
    /// Change the method (`GET` becomes `DELETE`, anything else `GET`).
    Method,
    /// Extend the path by one segment.
    Path,
    /// Point at another host (`other-<authority>`), as a cross-host replay would.
    Authority,
    /// Add a query parameter.
    Query,
    /// Append a byte to the body.
    Body,
    /// Insert a space inside the quoted value of `Signature-Key` (or add a parameter).
    SignatureKeyBytes,
    /// Flip one bit of the signature.
    SignatureBit,
    /// Replace `Content-Digest` with the digest of other content.
    ContentDigest,
}

impl Tamper {
    /// Every tamper, for catalogues.
    pub const ALL: [Tamper; 8] = [
        Tamper::Method,
        Tamper::Path,
        Tamper::Authority,
        Tamper::Query,
        Tamper::Body,
        Tamper::SignatureKeyBytes,
        Tamper::SignatureBit,
        Tamper::ContentDigest,
    ];

    /// A stable name.
    pub fn id(&self) -> &'static str {
        match self {
            Tamper::Method => "method",
            Tamper::Path => "path",
            Tamper::Authority => "authority",
            Tamper::Query => "query",
            Tamper::Body => "body",
            Tamper::SignatureKeyBytes => "signature-key-bytes",
            Tamper::SignatureBit => "signature-bit",
            Tamper::ContentDigest => "content-digest",
        }
    }

    /// Apply the change; `label` names the signature whose bit [`Tamper::SignatureBit`]
    /// flips.
    pub fn apply(&self, request: &mut Request, label: &str) {
        match self {
            Tamper::Method => {
                request.method = if request.method == "GET" {
                    "DELETE"
                } else {
                    "GET"
                }
                .to_string();
            }
            Tamper::Path => {
                let sep = if request.path.ends_with('/') { "" } else { "/" };
                request.path = format!("{}{sep}x", request.path);
            }
            Tamper::Authority => {
                request.authority = format!("other-{}", request.authority);
                if request.has_header("host") {
                    request.set_header("Host", request.authority.clone());
                }
            }
            Tamper::Query => {
                request.query = Some(match request.query.take() {
                    Some(q) if !q.is_empty() => format!("{q}&tampered=1"),
                    _ => "tampered=1".to_string(),
                });
            }
            Tamper::Body => {
                let mut body = request.body.to_vec();
                body.push(b' ');
                request.body = body.into();
            }
            Tamper::SignatureKeyBytes => {
                let value = request.header("signature-key").unwrap_or_default();
                let changed = match value.find('"') {
                    Some(i) => format!("{} {}", &value[..=i], &value[i + 1..]),
                    None => format!("{value};tampered"),
                };
                request.set_header("Signature-Key", changed);
            }
            Tamper::SignatureBit => {
                let value = request.header("signature").unwrap_or_default();
                let changed = match Signatures::parse(&value) {
                    Ok(mut sigs) => {
                        let mut bytes = sigs.get(label).map(<[u8]>::to_vec).unwrap_or_default();
                        if let Some(b) = bytes.first_mut() {
                            *b ^= 1;
                        }
                        sigs.insert(label, bytes);
                        sigs.serialize()
                    }
                    Err(_) => format!("{value}x"),
                };
                request.set_header("Signature", changed);
            }
            Tamper::ContentDigest => {
                let mut other = request.body.to_vec();
                other.extend_from_slice(b"tampered");
                request.set_header("Content-Digest", content_digest_sha256(&other));
            }
        }
    }
}

/// A way to write an authority that normalizes to the same `@authority` (RFC 9110 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthorityForm {
    /// The host in uppercase (`Resource.Example` is `resource.example`).
    Uppercase,
    /// The scheme's default port written out (`resource.example:443`).
    ExplicitDefaultPort,
}

impl AuthorityForm {
    /// A stable name.
    pub fn id(self) -> &'static str {
        match self {
            AuthorityForm::Uppercase => "uppercase",
            AuthorityForm::ExplicitDefaultPort => "explicit-default-port",
        }
    }

    /// `authority` rewritten in this form for `scheme`.
    pub fn rewrite(self, scheme: &str, authority: &str) -> String {
        match self {
            AuthorityForm::Uppercase => authority.to_ascii_uppercase(),
            AuthorityForm::ExplicitDefaultPort => {
                let port = if scheme.eq_ignore_ascii_case("http") {
                    "80"
                } else {
                    "443"
                };
                format!("{authority}:{port}")
            }
        }
    }
}

/// One named deviation from a valid AAuth signed request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RequestDefect {
    /// `created` moved by this many seconds (negative: into the past).
    CreatedSkew(i64),
    /// No `created` parameter.
    OmitCreated,
    /// An `expires` parameter this many seconds after `created` (negative: already past).
    Expires(i64),
    /// One component (identifier text, e.g. `@authority`) left out of the covered list.
    OmitComponent(String),
    /// Cover exactly these components (identifier texts), e.g. only `signature-key`.
    CoverOnly(Vec<String>),
    /// An `alg` signature parameter, which verifiers must ignore.
    AlgParam(String),
    /// A `keyid` signature parameter naming some other key.
    KeyId(String),
    /// `Signature-Key` keyed by a different label than `Signature-Input`.
    LabelMismatch,
    /// One header (`Signature`, `Signature-Input` or `Signature-Key`) removed after signing.
    OmitHeader(String),
    /// A covered part changed after signing.
    TamperAfterSigning(Tamper),
    /// A second, identical `Signature-Key` field line appended after signing.
    DuplicateSignatureKey,
    /// `Content-Digest` of other content, covered and correctly signed.
    WrongDigest,
    /// Signed with a key other than the one `Signature-Key` conveys.
    SignWithOtherKey,
    /// The authority sent in another form that normalizes to the signed `@authority`;
    /// verifiers must accept it.
    EquivalentAuthority(AuthorityForm),
    /// A change made after signing, then the request signed again, as the fuzzer does to get
    /// past the signature check.
    ResignAfterMutation(Tamper),
}

/// What a conforming verifier answers to a defect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// The request is accepted (at the signature layer).
    Accept,
    /// `401` with one of these `Signature-Error` codes.
    Reject(Vec<SignatureErrorCode>),
    /// Rejected with some 4xx; the spec names no code.
    RejectAny,
    /// The spec permits both outcomes (e.g. a `keyid` for another key).
    Either,
}

impl RequestDefect {
    /// A catalogue with one instance of every defect, at the boundaries the requirements
    /// name (window 60 s).
    pub fn catalogue() -> Vec<RequestDefect> {
        let mut all = vec![
            RequestDefect::CreatedSkew(-61),
            RequestDefect::CreatedSkew(-3600),
            RequestDefect::CreatedSkew(-30),
            RequestDefect::CreatedSkew(120),
            RequestDefect::OmitCreated,
            RequestDefect::Expires(-1),
            RequestDefect::Expires(30),
            RequestDefect::CoverOnly(vec!["signature-key".into()]),
            RequestDefect::AlgParam("hmac-sha256".into()),
            RequestDefect::AlgParam("rsa-pss-sha512".into()),
            RequestDefect::KeyId("other-key".into()),
            RequestDefect::LabelMismatch,
            RequestDefect::DuplicateSignatureKey,
            RequestDefect::WrongDigest,
            RequestDefect::SignWithOtherKey,
            RequestDefect::EquivalentAuthority(AuthorityForm::Uppercase),
            RequestDefect::EquivalentAuthority(AuthorityForm::ExplicitDefaultPort),
        ];
        for c in ["@method", "@authority", "@path", "signature-key"] {
            all.push(RequestDefect::OmitComponent(c.into()));
        }
        for h in ["Signature", "Signature-Input", "Signature-Key"] {
            all.push(RequestDefect::OmitHeader(h.into()));
        }
        for t in Tamper::ALL {
            all.push(RequestDefect::TamperAfterSigning(t.clone()));
            all.push(RequestDefect::ResignAfterMutation(t));
        }
        all
    }

    /// A stable identifier, `name` or `name:argument`.
    pub fn id(&self) -> String {
        match self {
            RequestDefect::CreatedSkew(s) => format!("created-skew:{s}"),
            RequestDefect::OmitCreated => "omit-created".into(),
            RequestDefect::Expires(s) => format!("expires:{s}"),
            RequestDefect::OmitComponent(c) => format!("omit-component:{c}"),
            RequestDefect::CoverOnly(cs) => format!("cover-only:{}", cs.join(",")),
            RequestDefect::AlgParam(a) => format!("alg-param:{a}"),
            RequestDefect::KeyId(k) => format!("keyid:{k}"),
            RequestDefect::LabelMismatch => "label-mismatch".into(),
            RequestDefect::OmitHeader(h) => format!("omit-header:{}", h.to_ascii_lowercase()),
            RequestDefect::TamperAfterSigning(t) => format!("tamper-after-signing:{}", t.id()),
            RequestDefect::DuplicateSignatureKey => "duplicate-signature-key".into(),
            RequestDefect::WrongDigest => "wrong-digest".into(),
            RequestDefect::SignWithOtherKey => "sign-with-other-key".into(),
            RequestDefect::EquivalentAuthority(a) => format!("equivalent-authority:{}", a.id()),
            RequestDefect::ResignAfterMutation(t) => format!("resign-after-mutation:{}", t.id()),
        }
    }

    /// One line saying what the request does, in the "Sends ..." style of case titles.
    pub fn description(&self) -> String {
        match self {
            RequestDefect::CreatedSkew(s) if *s < 0 => {
                format!("Sends `created` {} s in the past", -s)
            }
            RequestDefect::CreatedSkew(s) => format!("Sends `created` {s} s in the future"),
            RequestDefect::OmitCreated => "Sends a signature without `created`".into(),
            RequestDefect::Expires(s) if *s < 0 => {
                format!("Sends `expires` {} s before `created`", -s)
            }
            RequestDefect::Expires(s) => format!("Sends `expires` {s} s after `created`"),
            RequestDefect::OmitComponent(c) => format!("Sends a signature that does not cover {c}"),
            RequestDefect::CoverOnly(cs) => {
                format!("Sends a signature covering only {}", cs.join(" "))
            }
            RequestDefect::AlgParam(a) => {
                format!("Sends a valid signature with `alg=\"{a}\"` in Signature-Input")
            }
            RequestDefect::KeyId(k) => {
                format!("Sends `keyid=\"{k}\"` naming a key other than Signature-Key's")
            }
            RequestDefect::LabelMismatch => {
                "Sends Signature-Key under a label other than the signature's".into()
            }
            RequestDefect::OmitHeader(h) => format!("Sends a signed request without {h}"),
            RequestDefect::TamperAfterSigning(t) => format!(
                "Sends a signed request whose {} changed after signing",
                t.id()
            ),
            RequestDefect::DuplicateSignatureKey => {
                "Sends a second Signature-Key field line after signing".into()
            }
            RequestDefect::WrongDigest => "Sends a covered Content-Digest of other content".into(),
            RequestDefect::SignWithOtherKey => {
                "Sends a request signed by a key other than Signature-Key's".into()
            }
            RequestDefect::EquivalentAuthority(a) => {
                format!(
                    "Sends the authority in an equivalent form ({}) to the signed one",
                    a.id()
                )
            }
            RequestDefect::ResignAfterMutation(t) => format!(
                "Sends a request whose {} changed and that was signed again",
                t.id()
            ),
        }
    }

    /// What a conforming verifier with `reqs` answers, given the unsigned `request` the
    /// defect is applied to and the signing context used.
    pub fn expected(
        &self,
        request: &Request,
        ctx: &AauthSignContext,
        reqs: &ProfileRequirements,
    ) -> Expected {
        let sig = || Expected::Reject(vec![SignatureErrorCode::INVALID_SIGNATURE]);
        let input = || Expected::Reject(vec![SignatureErrorCode::INVALID_INPUT]);
        let required = reqs.required_for(request);
        let covered = aauth_covered(request, ctx);
        let digest_covered = covered.iter().any(|c| c.is_plain_field("content-digest"));
        let covered_or_required = |c: &ComponentId| covered.contains(c) || required.contains(c);
        match self {
            RequestDefect::CreatedSkew(s) if s.abs() <= reqs.window => Expected::Accept,
            RequestDefect::CreatedSkew(s) if *s > 0 => Expected::Reject(vec![
                SignatureErrorCode::INVALID_SIGNATURE,
                SignatureErrorCode::CLOCK_SKEW,
            ]),
            RequestDefect::CreatedSkew(_) | RequestDefect::OmitCreated => sig(),
            RequestDefect::Expires(s) if *s < 0 => sig(),
            RequestDefect::Expires(_) => Expected::Accept,
            RequestDefect::OmitComponent(c) => match ComponentId::parse(c) {
                Ok(id) if required.contains(&id) => input(),
                Ok(_) => Expected::Accept,
                Err(_) => Expected::RejectAny,
            },
            RequestDefect::CoverOnly(cs) => {
                let ids: Vec<ComponentId> = cs
                    .iter()
                    .filter_map(|c| ComponentId::parse(c).ok())
                    .collect();
                if required.iter().all(|r| ids.contains(r)) {
                    Expected::Accept
                } else {
                    input()
                }
            }
            RequestDefect::AlgParam(_) | RequestDefect::EquivalentAuthority(_) => Expected::Accept,
            RequestDefect::KeyId(_) => Expected::Either,
            RequestDefect::LabelMismatch => Expected::Reject(vec![
                SignatureErrorCode::INVALID_SIGNATURE,
                SignatureErrorCode::INVALID_REQUEST,
            ]),
            RequestDefect::OmitHeader(_) => {
                Expected::Reject(vec![SignatureErrorCode::INVALID_REQUEST])
            }
            RequestDefect::DuplicateSignatureKey => Expected::Reject(vec![
                SignatureErrorCode::INVALID_SIGNATURE,
                SignatureErrorCode::INVALID_REQUEST,
            ]),
            RequestDefect::SignWithOtherKey => sig(),
            RequestDefect::WrongDigest => Expected::RejectAny,
            RequestDefect::TamperAfterSigning(t) => match t {
                Tamper::Method
                | Tamper::Path
                | Tamper::Authority
                | Tamper::SignatureKeyBytes
                | Tamper::SignatureBit => sig(),
                Tamper::Query if covered_or_required(&ComponentId::QUERY) => sig(),
                Tamper::Body | Tamper::ContentDigest if digest_covered => Expected::RejectAny,
                Tamper::ContentDigest if request.body.is_empty() && !digest_covered => {
                    Expected::Accept
                }
                Tamper::ContentDigest => Expected::Either,
                Tamper::Query | Tamper::Body => Expected::Accept,
            },
            RequestDefect::ResignAfterMutation(t) => match t {
                Tamper::Body | Tamper::ContentDigest if digest_covered => Expected::RejectAny,
                Tamper::ContentDigest => Expected::Either,
                _ => Expected::Accept,
            },
        }
    }
}

/// Everything needed to sign a valid AAuth request; a defect changes one thing in it.
#[derive(Clone, Debug)]
pub struct SignedRequestSpec {
    /// The unsigned request.
    pub request: Request,
    /// The agent's signing key (the one `Signature-Key` conveys).
    pub key: SigningKey,
    /// The signature label.
    pub label: String,
    /// The `Signature-Key` member value without its label, e.g. `jwt;jwt="..."`.
    pub signature_key_member: String,
    /// The `created` value of a correct signature (normally the clock's now).
    pub created: i64,
    /// What the target requires covered.
    pub ctx: AauthSignContext,
}

/// A signing key other than `key`, of the same algorithm, derived deterministically.
pub fn other_key(key: &SigningKey) -> SigningKey {
    let seed: [u8; 32] = sha2::Sha256::digest(key.secret_bytes()).into();
    SigningKey::from_seed(&key.alg(), seed).unwrap_or_else(|| key.clone())
}

/// A label other than `label` (still a valid structured-field key).
pub fn other_label(label: &str) -> String {
    format!("{label}-other")
}

/// Sign `spec.request` as an AAuth agent, with `defect` (if any) applied at its moment.
pub fn build_signed_request(
    spec: &SignedRequestSpec,
    defect: Option<&RequestDefect>,
) -> Result<Request, SignError> {
    let mut request = spec.request.clone();
    let label = spec.label.as_str();
    let key_label = match defect {
        Some(RequestDefect::LabelMismatch) => other_label(label),
        _ => label.to_string(),
    };
    prepare_aauth(
        &mut request,
        &key_label,
        &spec.signature_key_member,
        &spec.ctx,
    );
    let mut params = SignatureParams::new(aauth_covered(&request, &spec.ctx))
        .with(SignatureParam::Created(spec.created));
    if let Some(expires) = spec.ctx.expires {
        params.set(SignatureParam::Expires(expires));
    }
    if let Some(d) = defect {
        before_signing(d, &mut request, &mut params, spec.created);
    }
    let other;
    let key = match defect {
        Some(RequestDefect::SignWithOtherKey) => {
            other = other_key(&spec.key);
            &other
        }
        _ => &spec.key,
    };
    sign_request(&mut request, key, label, &params)?;
    if let Some(d) = defect {
        after_signing(d, &mut request, &params, key, label)?;
    }
    Ok(request)
}

fn before_signing(
    defect: &RequestDefect,
    request: &mut Request,
    params: &mut SignatureParams,
    created: i64,
) {
    match defect {
        RequestDefect::CreatedSkew(s) => {
            params.set(SignatureParam::Created(created.saturating_add(*s)))
        }
        RequestDefect::OmitCreated => params.remove("created"),
        RequestDefect::Expires(s) => {
            params.set(SignatureParam::Expires(created.saturating_add(*s)))
        }
        RequestDefect::OmitComponent(c) => {
            if let Ok(id) = ComponentId::parse(c) {
                params.covered.retain(|x| *x != id);
            }
        }
        RequestDefect::CoverOnly(cs) => {
            params.covered = cs
                .iter()
                .filter_map(|c| ComponentId::parse(c).ok())
                .collect();
        }
        RequestDefect::AlgParam(a) => params.set(SignatureParam::Alg(a.clone())),
        RequestDefect::KeyId(k) => params.set(SignatureParam::KeyId(k.clone())),
        RequestDefect::WrongDigest => {
            let mut other = request.body.to_vec();
            other.extend_from_slice(b"other content");
            request.set_header("Content-Digest", content_digest_sha256(&other));
            let digest = ComponentId::field("content-digest");
            if !params.covers(&digest) {
                let at = params.covered.len().saturating_sub(1);
                params.covered.insert(at, digest);
            }
        }
        _ => {}
    }
}

fn after_signing(
    defect: &RequestDefect,
    request: &mut Request,
    params: &SignatureParams,
    key: &SigningKey,
    label: &str,
) -> Result<(), SignError> {
    match defect {
        RequestDefect::OmitHeader(h) => request.remove_header(h),
        RequestDefect::TamperAfterSigning(t) => t.apply(request, label),
        RequestDefect::DuplicateSignatureKey => {
            let first = request
                .header_all("signature-key")
                .next()
                .map(str::to_string);
            if let Some(value) = first {
                request.append_header("Signature-Key", value);
            }
        }
        RequestDefect::EquivalentAuthority(form) => {
            request.authority = form.rewrite(&request.scheme, &request.authority);
            if request.has_header("host") {
                request.set_header("Host", request.authority.clone());
            }
        }
        RequestDefect::ResignAfterMutation(t) => {
            t.apply(request, label);
            request.remove_header("signature");
            request.remove_header("signature-input");
            sign_request(request, key, label, params)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::profile::verify_aauth;
    use crate::httpsig::verify::VerifyError;
    use crate::jose::Alg;
    use crate::profile::Profile;
    use crate::role::Role;
    use std::collections::HashSet;

    const NOW: i64 = 1_730_217_600;

    fn spec(request: Request, ctx: AauthSignContext) -> SignedRequestSpec {
        SignedRequestSpec {
            request,
            key: SigningKey::from_seed(&Alg::ED25519, [2; 32]).expect("key"),
            label: "sig".into(),
            signature_key_member: "jwt;jwt=\"eyJ.payload.sig\"".into(),
            created: NOW,
            ctx,
        }
    }

    fn verdict(
        spec: &SignedRequestSpec,
        request: &Request,
        reqs: &ProfileRequirements,
    ) -> Result<(), VerifyError> {
        let labels: Vec<String> = request
            .header("signature-key")
            .map(|v| {
                v.split(", ")
                    .filter_map(|m| m.split_once('='))
                    .map(|(l, _)| l.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        verify_aauth(
            request,
            &spec.label,
            &labels,
            &spec.key.public_key(),
            reqs,
            NOW,
        )
        .map(|_| ())
    }

    fn check_catalogue(spec: &SignedRequestSpec, reqs: &ProfileRequirements) {
        let baseline = build_signed_request(spec, None).expect("baseline");
        assert!(
            verdict(spec, &baseline, reqs).is_ok(),
            "baseline must verify"
        );
        for defect in RequestDefect::catalogue() {
            let built = build_signed_request(spec, Some(&defect)).expect("defect builds");
            let got = verdict(spec, &built, reqs);
            match defect.expected(&spec.request, &spec.ctx, reqs) {
                Expected::Accept => {
                    assert!(got.is_ok(), "{}: expected accept, got {got:?}", defect.id())
                }
                Expected::Reject(codes) => {
                    let e = got.expect_err(&defect.id());
                    let code = SignatureErrorCode::from(&e);
                    assert!(
                        codes.contains(&code),
                        "{}: got {code} ({e}), want {codes:?}",
                        defect.id()
                    );
                    assert_ne!(built, baseline, "{} must change the request", defect.id());
                }
                Expected::RejectAny => {
                    assert!(got.is_err(), "{}: expected a rejection", defect.id())
                }
                Expected::Either => {}
            }
        }
    }

    #[test]
    fn every_defect_gets_its_expected_verdict_at_a_resource() {
        let request = Request::new("GET", "https", "resource.example", "/api/documents?page=2");
        check_catalogue(
            &spec(request, AauthSignContext::resource()),
            &ProfileRequirements::resource(),
        );
    }

    #[test]
    fn every_defect_gets_its_expected_verdict_at_a_person_server() {
        let request = Request::new("POST", "https", "ps.example", "/token")
            .with_header("Content-Type", "application/json")
            .with_body(r#"{"resource_token":"x"}"#);
        let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
        check_catalogue(
            &spec(request, ctx),
            &ProfileRequirements::for_role(Profile::Aauth11, Role::PersonServer),
        );
    }

    #[test]
    fn a_resource_that_requires_the_query_rejects_query_tampering() {
        let request = Request::new("GET", "https", "resource.example", "/api?x=1");
        let ctx = AauthSignContext::resource().with_additional([ComponentId::QUERY]);
        let reqs = ProfileRequirements::resource().with_additional([ComponentId::QUERY]);
        let s = spec(request, ctx);
        let d = RequestDefect::TamperAfterSigning(Tamper::Query);
        assert_eq!(
            d.expected(&s.request, &s.ctx, &reqs),
            Expected::Reject(vec![SignatureErrorCode::INVALID_SIGNATURE])
        );
        check_catalogue(&s, &reqs);
    }

    #[test]
    fn ids_are_unique_and_descriptions_are_sentences() {
        let all = RequestDefect::catalogue();
        let ids: HashSet<String> = all.iter().map(RequestDefect::id).collect();
        assert_eq!(ids.len(), all.len());
        for d in &all {
            assert!(d.description().starts_with("Sends "), "{}", d.id());
        }
    }

    #[test]
    fn defects_change_exactly_the_named_thing() {
        let s = spec(
            Request::new("GET", "https", "resource.example", "/a"),
            AauthSignContext::resource(),
        );
        let base = build_signed_request(&s, None).expect("base");
        let skewed =
            build_signed_request(&s, Some(&RequestDefect::CreatedSkew(-61))).expect("built");
        assert_eq!(
            skewed
                .header("signature-input")
                .map(|v| v.contains(&format!("created={}", NOW - 61))),
            Some(true)
        );
        assert_eq!(skewed.header("signature-key"), base.header("signature-key"));
        let mismatch =
            build_signed_request(&s, Some(&RequestDefect::LabelMismatch)).expect("built");
        assert!(mismatch
            .header("signature-key")
            .is_some_and(|v| v.starts_with("sig-other=")));
        let dup =
            build_signed_request(&s, Some(&RequestDefect::DuplicateSignatureKey)).expect("built");
        assert_eq!(dup.header_all("signature-key").count(), 2);
        let spaced = build_signed_request(
            &s,
            Some(&RequestDefect::TamperAfterSigning(
                Tamper::SignatureKeyBytes,
            )),
        )
        .expect("built");
        assert_eq!(
            spaced.header("signature-key").as_deref(),
            Some("sig=jwt;jwt=\" eyJ.payload.sig\"")
        );
    }
}
