//! The AAuth profile of RFC 9421 (AAuth "HTTP Message Signatures Profile", `{#verification}`),
//! as separately callable checks in the order the spec lists them:
//!
//! 1. [`check_headers_present`]: `Signature`, `Signature-Input`, `Signature-Key` (`invalid_request`)
//! 2. [`check_covered`]: required components covered (`invalid_input` + `required_input`)
//! 3. [`check_freshness`]: `created` present and inside the window in both directions,
//!    `expires` not passed (`invalid_signature`)
//! 4. [`check_signature_key_member`]: the label has a `Signature-Key` member (the scheme and
//!    key resolution of steps 4 to 6 belong to the `Signature-Key` layer)
//! 7. [`crate::httpsig::verify::verify_message`], then [`check_content_digest`] for a
//!    covered `Content-Digest` (RFC 9530).
//!
//! Running the steps one by one lets the reference roles plant a flaw in exactly one of them
//! (mutation testing), and lets a case check that an implementation answers with the code of
//! the *first* failing step. [`verify_aauth`] runs them all.
//!
//! `alg` and `keyid` in `Signature-Input` are never consulted: the algorithm comes from the
//! key and the key from `Signature-Key`. [`ignored_parameters`] exposes them for reports only.

use crate::httpsig::base::{BaseError, FieldTypes, Message, SfType};
use crate::httpsig::component::ComponentId;
use crate::httpsig::sign::has_aauth_authorization;
use crate::httpsig::verify::{
    combined, read_signature_input, verify_message_params, Malformed, Unsupported, Verified,
    VerifyError, Violation,
};
use crate::jose::PublicKey;
use crate::message::{Fields, Request};
use crate::profile::Profile;
use crate::role::Role;
use crate::wire::signature_input::{SignatureInput, SignatureParams, SIGNATURE, SIGNATURE_INPUT};

/// The validity window for `created` when the server publishes none (seconds).
pub const DEFAULT_SIGNATURE_WINDOW: i64 = 60;

/// What a verifier requires of a signed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileRequirements {
    /// `content-type` and `content-digest` must be covered when the request has a body
    /// (PS and AS under `aauth-11`).
    pub body_digest: bool,
    /// `authorization` must be covered when `Authorization: AAuth` is sent.
    pub authorization: bool,
    /// `aauth-mission` must be covered when `AAuth-Mission` is sent (`aauth-10`).
    pub mission_header: bool,
    /// Extra components (resource metadata `additional_signature_components`).
    pub additional: Vec<ComponentId>,
    /// How far `created` may be from the verifier's clock, either way (seconds).
    pub window: i64,
}

impl Default for ProfileRequirements {
    fn default() -> Self {
        ProfileRequirements {
            body_digest: false,
            authorization: true,
            mission_header: true,
            additional: Vec::new(),
            window: DEFAULT_SIGNATURE_WINDOW,
        }
    }
}

impl ProfileRequirements {
    /// A resource with no extra components and the default window.
    pub fn resource() -> Self {
        ProfileRequirements::default()
    }

    /// What `profile` requires at a server playing `role`.
    pub fn for_role(profile: Profile, role: Role) -> Self {
        ProfileRequirements {
            body_digest: profile == Profile::Aauth11
                && matches!(role, Role::PersonServer | Role::AccessServer),
            ..ProfileRequirements::default()
        }
    }

    /// Add required components.
    pub fn with_additional(mut self, ids: impl IntoIterator<Item = ComponentId>) -> Self {
        self.additional.extend(ids);
        self
    }

    /// Use a published `signature_window`.
    pub fn with_window(mut self, seconds: i64) -> Self {
        self.window = seconds;
        self
    }

    /// Every component `request` must cover, in the order `required_input` lists them.
    pub fn required_for(&self, request: &Request) -> Vec<ComponentId> {
        let mut out = vec![
            ComponentId::METHOD,
            ComponentId::AUTHORITY,
            ComponentId::PATH,
            ComponentId::field("signature-key"),
        ];
        let mut add = |c: ComponentId| {
            if !out.contains(&c) {
                out.push(c);
            }
        };
        if self.body_digest && !request.body.is_empty() {
            add(ComponentId::field("content-type"));
            add(ComponentId::field("content-digest"));
        }
        if self.authorization && has_aauth_authorization(request) {
            add(ComponentId::field("authorization"));
        }
        if self.mission_header && request.has_header("aauth-mission") {
            add(ComponentId::field("aauth-mission"));
        }
        for c in &self.additional {
            add(c.clone());
        }
        out
    }
}

/// Step 1: the three signature headers are present.
pub fn check_headers_present(request: &Request) -> Result<(), VerifyError> {
    for name in [SIGNATURE, SIGNATURE_INPUT, "Signature-Key"] {
        if !request.has_header(name) {
            return Err(Malformed::MissingHeader(name).into());
        }
    }
    Ok(())
}

/// Step 2: every required component is covered.
pub fn check_covered(
    request: &Request,
    params: &SignatureParams,
    reqs: &ProfileRequirements,
) -> Result<(), VerifyError> {
    let required = reqs.required_for(request);
    let missing: Vec<ComponentId> = required
        .iter()
        .filter(|c| !params.covers(c))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Violation::NotCovered { missing, required }.into())
    }
}

/// Step 3: `created` is present and within `window` seconds of `now` in either direction,
/// and `expires`, when present, has not passed.
pub fn check_freshness(params: &SignatureParams, now: i64, window: i64) -> Result<(), VerifyError> {
    let created = params.created().ok_or(Violation::CreatedMissing)?;
    if created < now.saturating_sub(window) {
        return Err(Violation::CreatedTooOld {
            created,
            now,
            window,
        }
        .into());
    }
    if created > now.saturating_add(window) {
        return Err(Violation::CreatedInFuture {
            created,
            now,
            window,
        }
        .into());
    }
    if let Some(expires) = params.expires() {
        if expires < now {
            return Err(Violation::Expired { expires, now }.into());
        }
    }
    Ok(())
}

/// Step 4 (its first half): the label has a member in `Signature-Key`. The caller passes
/// the labels its `Signature-Key` parser found.
pub fn check_signature_key_member(
    label: &str,
    signature_key_labels: &[&str],
) -> Result<(), VerifyError> {
    if signature_key_labels.contains(&label) {
        Ok(())
    } else {
        Err(Violation::NoSignatureKeyMember {
            label: label.to_string(),
        }
        .into())
    }
}

/// The label to verify: the first `Signature-Input` label that has a `Signature-Key`
/// member, else the first label (which then fails step 4).
pub fn select_label(
    request: &Request,
    signature_key_labels: &[&str],
) -> Result<String, VerifyError> {
    select_signature(request, signature_key_labels).map(|(label, _)| label)
}

/// [`select_label`] and that label's `Signature-Input` member, from one parse of the field.
pub fn select_signature(
    request: &Request,
    signature_key_labels: &[&str],
) -> Result<(String, SignatureParams), VerifyError> {
    let value = combined(request.fields(), SIGNATURE_INPUT)
        .ok_or(Malformed::MissingHeader(SIGNATURE_INPUT))?;
    let input = SignatureInput::parse(&value).map_err(Malformed::Field)?;
    let chosen = input
        .iter()
        .find(|(l, _)| signature_key_labels.contains(l))
        .or_else(|| input.iter().next());
    match chosen {
        Some((label, params)) => Ok((label.to_string(), params.clone())),
        None => Err(Malformed::LabelAbsent {
            label: String::new(),
            field: SIGNATURE_INPUT,
        }
        .into()),
    }
}

/// `alg` and `keyid` as sent. Reported, never used: AAuth takes the algorithm from the key
/// and the key from `Signature-Key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IgnoredParameters<'a> {
    /// `alg`, which agents must not send.
    pub alg: Option<&'a str>,
    /// `keyid`, which agents should not send.
    pub keyid: Option<&'a str>,
}

/// See [`IgnoredParameters`].
pub fn ignored_parameters(params: &SignatureParams) -> IgnoredParameters<'_> {
    IgnoredParameters {
        alg: params.alg(),
        keyid: params.keyid(),
    }
}

/// After step 7: a covered `Content-Digest` must match the body (RFC 9530). Every
/// `sha-256`/`sha-512` member must match; other algorithms are skipped; none known is
/// unsupported.
pub fn check_content_digest(
    request: &Request,
    params: &SignatureParams,
) -> Result<(), VerifyError> {
    if !params
        .covered
        .iter()
        .any(|c| c.is_plain_field("content-digest"))
    {
        return Ok(());
    }
    let value = request.header("content-digest").ok_or_else(|| {
        VerifyError::from(BaseError::FieldAbsent {
            field: "content-digest".into(),
        })
    })?;
    let malformed = |reason: String| {
        VerifyError::from(BaseError::NotStructured {
            field: "content-digest".into(),
            expected: SfType::Dictionary,
            reason,
        })
    };
    let dict: sfv::Dictionary = sfv::Parser::new(&value)
        .parse()
        .map_err(|e| malformed(e.to_string()))?;
    let mut checked = false;
    for (alg, entry) in &dict {
        let expected = match alg.as_str() {
            "sha-256" => ring::digest::digest(&ring::digest::SHA256, &request.body),
            "sha-512" => ring::digest::digest(&ring::digest::SHA512, &request.body),
            _ => continue,
        };
        let got = match entry {
            sfv::ListEntry::Item(sfv::Item {
                bare_item: sfv::BareItem::ByteSequence(b),
                ..
            }) => b,
            _ => {
                return Err(malformed(format!(
                    "member {} is not a Byte Sequence",
                    alg.as_str()
                )))
            }
        };
        if got.as_slice() != expected.as_ref() {
            return Err(Violation::DigestMismatch {
                algorithm: alg.as_str().to_string(),
            }
            .into());
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(Unsupported::DigestAlgorithm.into())
    }
}

/// Steps 1 to 4 for `label`, in order, before any key is resolved. Returns the label's
/// parameters so the caller can go on to resolve the key from `Signature-Key`.
pub fn check_before_key(
    request: &Request,
    label: &str,
    signature_key_labels: &[&str],
    reqs: &ProfileRequirements,
    now: i64,
) -> Result<SignatureParams, VerifyError> {
    check_headers_present(request)?;
    let params = read_signature_input(request.fields(), label)?;
    check_covered(request, &params, reqs)?;
    check_freshness(&params, now, reqs.window)?;
    check_signature_key_member(label, signature_key_labels)?;
    Ok(params)
}

/// Every profile check and the signature itself, in the spec's order, with `key` already
/// resolved from `Signature-Key` (steps 5 and 6 are the caller's).
pub fn verify_aauth(
    request: &Request,
    label: &str,
    signature_key_labels: &[&str],
    key: &PublicKey,
    reqs: &ProfileRequirements,
    now: i64,
) -> Result<Verified, VerifyError> {
    let params = check_before_key(request, label, signature_key_labels, reqs, now)?;
    let verified = verify_message_params(
        Message::Request(request),
        label,
        params,
        key,
        &FieldTypes::aauth(),
    )?;
    check_content_digest(request, &verified.params)?;
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::sign::{content_digest_sha256, sign_aauth, sign_request, AauthSignContext};
    use crate::jose::{Alg, SigningKey};
    use crate::wire::signature_error::SignatureErrorCode as Code;
    use crate::wire::signature_input::SignatureParam;

    const NOW: i64 = 1_730_217_600;

    fn key() -> SigningKey {
        SigningKey::from_seed(&Alg::ED25519, [5; 32]).expect("key")
    }

    fn signed(created: i64) -> Request {
        let mut r = Request::new("GET", "https", "resource.example", "/api");
        sign_aauth(
            &mut r,
            &key(),
            "sig",
            "jwt;jwt=\"t\"",
            created,
            &AauthSignContext::resource(),
        )
        .expect("signs");
        r
    }

    fn verdict(r: &Request, reqs: &ProfileRequirements) -> Result<Verified, VerifyError> {
        verify_aauth(r, "sig", &["sig"], &key().public_key(), reqs, NOW)
    }

    fn code(r: Result<Verified, VerifyError>) -> Code {
        Code::from(&r.expect_err("rejected"))
    }

    #[test]
    fn a_correct_request_passes_every_step() {
        assert!(verdict(&signed(NOW), &ProfileRequirements::resource()).is_ok());
    }

    #[test]
    fn step1_missing_headers_are_invalid_request() {
        for h in ["Signature", "Signature-Input", "Signature-Key"] {
            let mut r = signed(NOW);
            r.remove_header(h);
            let e = check_headers_present(&r).expect_err("missing");
            assert_eq!(e, VerifyError::Malformed(Malformed::MissingHeader(h)));
            assert_eq!(
                code(verdict(&r, &ProfileRequirements::resource())),
                Code::INVALID_REQUEST
            );
        }
    }

    #[test]
    fn step2_each_base_component_is_required() {
        for omit in ["@method", "@authority", "@path", "signature-key"] {
            let mut r = Request::new("GET", "https", "resource.example", "/api");
            r.set_header("Signature-Key", "sig=jwt;jwt=\"t\"");
            let covered = ["@method", "@authority", "@path", "signature-key"]
                .iter()
                .filter(|c| **c != omit)
                .map(|c| ComponentId::parse(c).expect("id"))
                .collect();
            sign_request(
                &mut r,
                &key(),
                "sig",
                &SignatureParams::new(covered).with(SignatureParam::Created(NOW)),
            )
            .expect("signs");
            let e = verdict(&r, &ProfileRequirements::resource()).expect_err("uncovered");
            assert_eq!(Code::from(&e), Code::INVALID_INPUT);
            assert_eq!(e.required_input().map(<[ComponentId]>::len), Some(4));
        }
    }

    #[test]
    fn step2_body_digest_authorization_and_extra_components() {
        let body = Request::new("POST", "https", "ps.example", "/token")
            .with_header("Content-Type", "application/json")
            .with_body("{}");
        let reqs = ProfileRequirements::for_role(Profile::Aauth11, Role::PersonServer);
        let mut r = body.clone();
        sign_aauth(
            &mut r,
            &key(),
            "sig",
            "jwt;jwt=\"t\"",
            NOW,
            &AauthSignContext::resource(),
        )
        .expect("signs");
        let e = verdict(&r, &reqs).expect_err("no digest");
        assert!(
            matches!(&e, VerifyError::Violation(Violation::NotCovered { missing, .. }) if missing.len() == 2)
        );
        let mut r = body.clone();
        sign_aauth(
            &mut r,
            &key(),
            "sig",
            "jwt;jwt=\"t\"",
            NOW,
            &AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer),
        )
        .expect("signs");
        assert!(verdict(&r, &reqs).is_ok());
        assert!(
            ProfileRequirements::for_role(Profile::Aauth10, Role::AccessServer)
                .required_for(&body)
                .len()
                == 4
        );

        let mut r = Request::new("GET", "https", "r.example", "/")
            .with_header("Authorization", "AAuth sess");
        let params = SignatureParams::new(
            ProfileRequirements::resource().required_for(&Request::new("GET", "https", "r", "/")),
        )
        .with(SignatureParam::Created(NOW));
        r.set_header("Signature-Key", "sig=jwt;jwt=\"t\"");
        sign_request(&mut r, &key(), "sig", &params).expect("signs");
        assert_eq!(
            code(verdict(&r, &ProfileRequirements::resource())),
            Code::INVALID_INPUT
        );

        let extra = ProfileRequirements::resource().with_additional([ComponentId::QUERY]);
        assert_eq!(code(verdict(&signed(NOW), &extra)), Code::INVALID_INPUT);
    }

    #[test]
    fn step3_created_window_both_ways_and_expires() {
        let reqs = ProfileRequirements::resource();
        assert!(verdict(&signed(NOW - 30), &reqs).is_ok());
        assert!(verdict(&signed(NOW - 60), &reqs).is_ok());
        assert!(verdict(&signed(NOW + 60), &reqs).is_ok());
        for skew in [-61, -3600, 61, 120] {
            let e = verdict(&signed(NOW + skew), &reqs).expect_err("outside window");
            assert_eq!(Code::from(&e), Code::INVALID_SIGNATURE);
        }
        assert!(matches!(
            check_freshness(&SignatureParams::default(), NOW, 60),
            Err(VerifyError::Violation(Violation::CreatedMissing))
        ));
        let wide = ProfileRequirements::resource().with_window(300);
        assert!(verdict(&signed(NOW - 295), &wide).is_ok());
        assert!(verdict(&signed(NOW - 305), &wide).is_err());

        let p = SignatureParams::default()
            .with(SignatureParam::Created(NOW))
            .with(SignatureParam::Expires(NOW - 1));
        assert_eq!(
            check_freshness(&p, NOW, 60),
            Err(Violation::Expired {
                expires: NOW - 1,
                now: NOW
            }
            .into())
        );
        let p = SignatureParams::default()
            .with(SignatureParam::Created(NOW))
            .with(SignatureParam::Expires(NOW + 30));
        assert!(check_freshness(&p, NOW, 60).is_ok());
    }

    #[test]
    fn step4_label_needs_a_signature_key_member() {
        let r = signed(NOW);
        let e = verify_aauth(
            &r,
            "sig",
            &["sig2"],
            &key().public_key(),
            &ProfileRequirements::resource(),
            NOW,
        )
        .expect_err("no member");
        assert_eq!(
            e,
            Violation::NoSignatureKeyMember {
                label: "sig".into()
            }
            .into()
        );
        assert_eq!(select_label(&r, &["sig"]).as_deref().ok(), Some("sig"));
        assert_eq!(select_label(&r, &["other"]).as_deref().ok(), Some("sig"));
    }

    #[test]
    fn steps_run_in_spec_order() {
        // Uncovered @path and a stale created: step 2 answers first.
        let mut r = Request::new("GET", "https", "r.example", "/");
        r.set_header("Signature-Key", "sig=jwt;jwt=\"t\"");
        let params = SignatureParams::new(vec![ComponentId::METHOD])
            .with(SignatureParam::Created(NOW - 1000));
        sign_request(&mut r, &key(), "sig", &params).expect("signs");
        assert_eq!(
            code(verdict(&r, &ProfileRequirements::resource())),
            Code::INVALID_INPUT
        );
    }

    #[test]
    fn alg_and_keyid_are_reported_but_ignored() {
        let mut r = Request::new("GET", "https", "r.example", "/");
        r.set_header("Signature-Key", "sig=jwt;jwt=\"t\"");
        let params = SignatureParams::new(ProfileRequirements::resource().required_for(&r))
            .with(SignatureParam::Created(NOW))
            .with(SignatureParam::Alg("rsa-pss-sha512".into()))
            .with(SignatureParam::KeyId("not-this-key".into()));
        sign_request(&mut r, &key(), "sig", &params).expect("signs");
        let ok = verdict(&r, &ProfileRequirements::resource()).expect("accepted");
        assert_eq!(
            ignored_parameters(&ok.params),
            IgnoredParameters {
                alg: Some("rsa-pss-sha512"),
                keyid: Some("not-this-key")
            }
        );
    }

    #[test]
    fn covered_digest_must_match_the_body() {
        let mut r = Request::new("POST", "https", "ps.example", "/token")
            .with_header("Content-Type", "application/json")
            .with_body("{}");
        let ctx = AauthSignContext::for_role(Profile::Aauth11, Role::PersonServer);
        sign_aauth(&mut r, &key(), "sig", "jwt;jwt=\"t\"", NOW, &ctx).expect("signs");
        let reqs = ProfileRequirements::for_role(Profile::Aauth11, Role::PersonServer);
        assert!(verdict(&r, &reqs).is_ok());
        let mut swapped = r.clone();
        swapped.body = "{\"x\":1}".into();
        let e = verdict(&swapped, &reqs).expect_err("digest");
        assert_eq!(
            e,
            Violation::DigestMismatch {
                algorithm: "sha-256".into()
            }
            .into()
        );
        let params = read_signature_input(r.fields(), "sig").expect("params");
        let mut md5 = r.clone();
        md5.set_header("Content-Digest", "md5=:AAAA:");
        assert_eq!(
            check_content_digest(&md5, &params),
            Err(Unsupported::DigestAlgorithm.into())
        );
        let mut both = r.clone();
        both.set_header(
            "Content-Digest",
            format!("{}, md5=:AAAA:", content_digest_sha256(b"{}")),
        );
        assert!(check_content_digest(&both, &params).is_ok());
    }
}
