//! One fuzzing function per header parser in [`crate::wire`].
//!
//! Each takes the raw field value, never panics on its own account, and asserts three
//! oracles when our parser accepts the value:
//!
//! - **round trip**: parse → serialize → parse gives an equal value, and serializing that
//!   gives the same text (serialization is a fixed point after one round);
//! - **differential against `sfv`** (Structured Field headers): sfv parses the input as the
//!   same Structured Field type, and sfv's reading of our output equals sfv's reading of the
//!   input, through the [`View`] that says what the typed model keeps;
//! - a header-specific consistency check where there is one (every `Signature-Key` label
//!   selects without panicking and its typed content rebuilds to the same content; an
//!   `AAuth-Access` value is judged by an independent `token68` grammar).

use super::oracle::{agrees_with_sfv, fixed_point, SfKind, View};
use crate::wire::aauth_access::SessionToken;
use crate::wire::aauth_capabilities::AauthCapabilities;
use crate::wire::aauth_requirement::{AauthMission, AauthRequirement, MissionForm};
use crate::wire::accept_signature::{AcceptSignatureAlg, AcceptSignatureScheme};
use crate::wire::content_digest::ContentDigest;
use crate::wire::signature::Signatures;
use crate::wire::signature_error::SignatureError;
use crate::wire::signature_input::{SignatureInput, SignatureParams};
use crate::wire::signature_key::SignatureKey;

/// `Signature-Input` (RFC 9421 §4.1). The model keeps labels, components, parameters and
/// their order, so the differential view is exact; every member must also re-read alone.
pub fn signature_input(data: &[u8]) {
    const FIELD: &str = "Signature-Input";
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = SignatureInput::parse(text) else {
        return;
    };
    let out = parsed.serialize();
    let again = SignatureInput::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    fixed_point(FIELD, &out, &again.serialize());
    for (label, params) in parsed.iter() {
        let member = params.serialize();
        assert_eq!(
            SignatureParams::parse(&member).as_ref(),
            Ok(params),
            "{FIELD}: member {label:?} serialized as {member:?} does not re-read alone"
        );
    }
    agrees_with_sfv(FIELD, SfKind::Dictionary, data, &out, View::Exact);
}

/// `Signature` (RFC 9421 §4.2). Member parameters are allowed by the grammar and ignored by
/// the model, so the view drops them.
pub fn signature(data: &[u8]) {
    const FIELD: &str = "Signature";
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = Signatures::parse(text) else {
        return;
    };
    let out = parsed.serialize();
    let again = Signatures::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(
        FIELD,
        SfKind::Dictionary,
        data,
        &out,
        View::WithoutMemberParams,
    );
}

/// `Signature-Key` (HTTP Signature Keys §3): parse, then select every label. The dictionary
/// is kept as received (exact view); each selected member's typed content must rebuild into
/// a field that selects to the same content.
pub fn signature_key(data: &[u8]) {
    const FIELD: &str = "Signature-Key";
    let Ok(parsed) = SignatureKey::parse(data) else {
        return;
    };
    let labels: Vec<String> = parsed.labels().map(str::to_string).collect();
    for label in &labels {
        let Ok(typed) = parsed.select(label) else {
            continue;
        };
        let rebuilt =
            SignatureKey::from_members([(label.as_str(), typed.clone())]).unwrap_or_else(|e| {
                panic!("{FIELD}: member {label:?} read as {typed:?} cannot be rebuilt: {e}")
            });
        assert_eq!(
            rebuilt.select(label).as_ref(),
            Ok(&typed),
            "{FIELD}: member {label:?} rebuilt as {:?} selects differently",
            rebuilt.raw()
        );
    }
    let out = parsed.serialize();
    let again = SignatureKey::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(
        again.dictionary(),
        parsed.dictionary(),
        "{FIELD}: round trip changed the members"
    );
    for label in &labels {
        assert_eq!(
            again.select(label),
            parsed.select(label),
            "{FIELD}: label {label:?} selects differently after a round trip"
        );
    }
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(FIELD, SfKind::Dictionary, data, &out, View::Exact);
}

/// `Signature-Error` (HTTP Signature Keys §5). The model writes `error` first and
/// `required_input` second, so member and parameter order is not compared.
pub fn signature_error(data: &[u8]) {
    const FIELD: &str = "Signature-Error";
    let Ok(parsed) = SignatureError::parse(data) else {
        return;
    };
    let out = parsed
        .serialize()
        .unwrap_or_else(|e| panic!("{FIELD}: a parsed value does not serialize: {e}"));
    let again = SignatureError::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    fixed_point(FIELD, &out, &again.serialize().unwrap_or_default());
    agrees_with_sfv(FIELD, SfKind::Dictionary, data, &out, View::Unordered);
}

/// `Accept-Signature-Scheme` (HTTP Signature Keys §4): a List of Tokens kept exactly.
pub fn accept_signature_scheme(data: &[u8]) {
    const FIELD: &str = "Accept-Signature-Scheme";
    let Ok(parsed) = AcceptSignatureScheme::parse(data) else {
        return;
    };
    let out = parsed.serialize();
    let again = AcceptSignatureScheme::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    for scheme in parsed.schemes() {
        assert!(
            parsed.accepts(&scheme),
            "{FIELD}: listed {scheme} not accepted"
        );
    }
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(FIELD, SfKind::List, data, &out, View::Exact);
}

/// `Accept-Signature-Alg` (HTTP Signature Keys §4): a List of Tokens kept exactly.
pub fn accept_signature_alg(data: &[u8]) {
    const FIELD: &str = "Accept-Signature-Alg";
    let Ok(parsed) = AcceptSignatureAlg::parse(data) else {
        return;
    };
    let out = parsed.serialize();
    let again = AcceptSignatureAlg::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    for alg in parsed.algs() {
        assert!(parsed.accepts(&alg), "{FIELD}: listed {alg} not accepted");
    }
    let _ = parsed.forbidden_listed();
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(FIELD, SfKind::List, data, &out, View::Exact);
}

/// `AAuth-Capabilities`: a List of Tokens kept exactly.
pub fn aauth_capabilities(data: &[u8]) {
    const FIELD: &str = "AAuth-Capabilities";
    let Ok(parsed) = AauthCapabilities::parse(data) else {
        return;
    };
    let out = parsed.serialize();
    let again = AauthCapabilities::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    for cap in parsed.capabilities() {
        assert!(parsed.has(&cap), "{FIELD}: listed {cap} not found");
    }
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(FIELD, SfKind::List, data, &out, View::Exact);
}

/// `AAuth-Requirement`. The model writes `requirement` first and its known parameters
/// before unknown ones, so order is not compared; the value rules run too.
pub fn aauth_requirement(data: &[u8]) {
    const FIELD: &str = "AAuth-Requirement";
    let Ok(parsed) = AauthRequirement::parse(data) else {
        return;
    };
    let _ = parsed.validate();
    let out = parsed
        .serialize()
        .unwrap_or_else(|e| panic!("{FIELD}: a parsed value does not serialize: {e}"));
    let again = AauthRequirement::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    fixed_point(FIELD, &out, &again.serialize().unwrap_or_default());
    agrees_with_sfv(FIELD, SfKind::Dictionary, data, &out, View::Unordered);
}

/// `AAuth-Mission` (-10). Either form parses; serialization always writes the member form,
/// so the round trip compares the content, and the differential runs on member-form input
/// (the parameter form is a different Structured Field by design). The model keeps no
/// parameters on `approver` and `s256`, so the view drops them from those two members.
pub fn aauth_mission(data: &[u8]) {
    const FIELD: &str = "AAuth-Mission";
    let Ok(parsed) = AauthMission::parse(data) else {
        return;
    };
    let _ = parsed.validate();
    let content = |m: &AauthMission| (m.approver.clone(), m.s256.clone(), m.other_members.clone());
    let out = parsed
        .serialize()
        .unwrap_or_else(|e| panic!("{FIELD}: a parsed value does not serialize: {e}"));
    let again = AauthMission::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again.form, MissionForm::Members, "{FIELD}: {out:?}");
    assert_eq!(
        content(&again),
        content(&parsed),
        "{FIELD}: round trip changed the value"
    );
    fixed_point(FIELD, &out, &again.serialize().unwrap_or_default());
    let param_form = parsed
        .serialize_parameter_form()
        .unwrap_or_else(|e| panic!("{FIELD}: parameter form does not serialize: {e}"));
    let reread = AauthMission::parse(&param_form)
        .unwrap_or_else(|e| panic!("{FIELD}: parameter form {param_form:?} does not parse: {e}"));
    assert_eq!(
        reread.form,
        MissionForm::Parameters,
        "{FIELD}: {param_form:?}"
    );
    assert_eq!(
        (&reread.approver, &reread.s256),
        (&parsed.approver, &parsed.s256),
        "{FIELD}: parameter form {param_form:?} changed the value"
    );
    if parsed.form == MissionForm::Members {
        let strip = |input: &[u8]| -> Option<String> {
            let d = super::oracle::sfv_dictionary(input)?;
            let d: sfv::Dictionary = d
                .into_iter()
                .map(|(k, v)| match (k.as_str(), v) {
                    ("approver" | "s256", sfv::ListEntry::Item(i)) => {
                        (k, sfv::ListEntry::Item(sfv::Item::new(i.bare_item)))
                    }
                    (_, v) => (k, v),
                })
                .collect();
            Some(crate::wire::sf::serialize_dictionary(
                &super::oracle::dictionary_view(d, View::Unordered),
            ))
        };
        let theirs = strip(data).unwrap_or_else(|| {
            panic!("{FIELD}: our parser accepted input sfv refuses as a Dictionary")
        });
        let ours = strip(out.as_bytes())
            .unwrap_or_else(|| panic!("{FIELD}: sfv refuses our serialization {out:?}"));
        assert_eq!(
            ours, theirs,
            "{FIELD}: our serialization means something else"
        );
    }
}

/// `Content-Digest` (RFC 9530): members and parameters kept exactly; checking it against a
/// body (the input itself) must not panic.
pub fn content_digest(data: &[u8]) {
    const FIELD: &str = "Content-Digest";
    let Ok(parsed) = ContentDigest::parse(data) else {
        return;
    };
    let _ = parsed.check(data);
    let out = parsed.serialize();
    let again = ContentDigest::parse(&out)
        .unwrap_or_else(|e| panic!("{FIELD}: our serialization {out:?} does not parse: {e}"));
    assert_eq!(again, parsed, "{FIELD}: round trip changed the value");
    fixed_point(FIELD, &out, &again.serialize());
    agrees_with_sfv(FIELD, SfKind::Dictionary, data, &out, View::Exact);
}

/// The reference `token68` grammar (RFC 9110 §11.2) the differential compares against,
/// written independently of the parser: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
/// "/" ) *"="`, nothing else.
fn reference_token68(v: &[u8]) -> Option<&[u8]> {
    let body_len = v
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b))
        .count();
    let rest = v.get(body_len..)?;
    (body_len > 0 && rest.iter().all(|b| *b == b'=')).then_some(v)
}

/// A field value without surrounding SP and HTAB (RFC 9110 §5.5).
fn trim_ows(value: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let Some(start) = value.iter().position(|b| !ows(b)) else {
        return &[];
    };
    let end = value.iter().rposition(|b| !ows(b)).map_or(start, |e| e + 1);
    value.get(start..end).unwrap_or_default()
}

/// The reference `Authorization: AAuth <token68>` check: scheme `AAuth` in any case, one or
/// more SP, then a `token68`.
fn reference_authorization(value: &[u8]) -> Option<&[u8]> {
    let v = trim_ows(value);
    let scheme = v.get(..5)?;
    if !scheme.eq_ignore_ascii_case(b"AAuth") {
        return None;
    }
    let rest = v.get(5..)?;
    let spaces = rest.iter().take_while(|b| **b == b' ').count();
    if spaces == 0 {
        return None;
    }
    reference_token68(rest.get(spaces..)?)
}

/// `AAuth-Access` and `Authorization: AAuth`: accepted values agree with an independent
/// `token68` grammar, round-trip through both headers, and several field lines (the input
/// split on LF) are refused as more than one credential.
pub fn aauth_access(data: &[u8]) {
    const FIELD: &str = "AAuth-Access";
    let ours = SessionToken::parse(data);
    let reference = reference_token68(trim_ows(data));
    assert_eq!(
        ours.as_ref().ok().map(|t| t.as_str().as_bytes()),
        reference,
        "{FIELD}: our token68 check and the reference disagree on {:?}",
        String::from_utf8_lossy(data)
    );
    if let Ok(token) = &ours {
        assert_eq!(
            SessionToken::parse(token.serialize()).as_ref(),
            Ok(token),
            "{FIELD}: round trip"
        );
        assert_eq!(
            SessionToken::parse_authorization(token.authorization_value()).as_ref(),
            Ok(token),
            "{FIELD}: the Authorization form does not read back"
        );
        assert_eq!(SessionToken::new(token.as_str()).as_ref(), Ok(token));
    }
    let auth = SessionToken::parse_authorization(data);
    assert_eq!(
        auth.as_ref().ok().map(|t| t.as_str().as_bytes()),
        reference_authorization(data),
        "Authorization: our AAuth credential check and the reference disagree on {:?}",
        String::from_utf8_lossy(data)
    );
    if let Ok(token) = &auth {
        assert_eq!(SessionToken::parse(token.as_str()).as_ref(), Ok(token));
    }
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let many = SessionToken::parse_fields(&lines);
    let many_auth = SessionToken::parse_authorization_fields(&lines);
    if lines.len() > 1 {
        assert!(
            many.is_err() && many_auth.is_err(),
            "{FIELD}: two lines accepted"
        );
    } else {
        assert_eq!(many, ours);
        assert_eq!(many_auth, auth);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_input_accepts_rfc_examples_and_survives_garbage() {
        signature_input(br#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#);
        signature_input(br#"sig=( "@method"  "@query-param";name="a";req );created=1 , x=()"#);
        signature_input(b"sig=(\"@method\" \"@method\")");
        signature_input(b"\xff\xfe");
        signature_input(b"");
    }

    #[test]
    fn signature_ignores_member_parameters() {
        signature(b"sig=:AQID:;p=1, other=:AA==:");
        signature(b"sig=\"not bytes\"");
    }

    #[test]
    fn signature_key_selects_every_label() {
        signature_key(br#"a=jwt;jwt="t";cache, b=hwk;kty="OKP";crv="Ed25519";x="a";future=?0, c=x509;x5u="u";x5t=:AQID:, d=odd;n=1, e=("x")"#);
        signature_key(br#"sig=jwt;jwt="a", sig=jwt;jwt="b""#);
        signature_key(b"Sig=jwt");
    }

    #[test]
    fn signature_error_round_trips_in_its_own_order() {
        signature_error(
            br#"required_input=("@method" "@authority"), error=invalid_input;x=1, z=?0"#,
        );
        signature_error(b"error=\"string\"");
    }

    #[test]
    fn token_lists_round_trip() {
        accept_signature_scheme(b"hwk, jwt;q=1");
        accept_signature_alg(b"Ed25519,ES256, none");
        aauth_capabilities(b"interaction, budget;x");
        accept_signature_alg(b"\"Ed25519\"");
    }

    #[test]
    fn requirement_and_mission_round_trip() {
        aauth_requirement(
            br#"requirement=interaction;url="https://r.example/i";code="ABCD-EFGH";z=1, extra=2"#,
        );
        aauth_requirement(br#"requirement=auth-token"#);
        aauth_mission(br#"approver="https://ps.example", s256="x", more=1"#);
        aauth_mission(br#"approver="https://ps.example";s256="x""#);
        aauth_mission(br#"s256="x";approver="https://ps.example""#);
    }

    #[test]
    fn content_digest_round_trips() {
        content_digest(b"sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:, md5=:AA==:;p");
        content_digest(b"sha-256=1");
    }

    #[test]
    fn access_tokens_agree_with_the_reference_grammar() {
        for v in [
            &b"abc"[..],
            b"  abc==  ",
            b"a=b",
            b"=",
            b"a b",
            b"a,b",
            b"",
            b"AAuth abc",
            b"aauth   abc=",
            b"AAuth",
            b"AAuth\tabc",
            b"Bearer abc",
            b"a\nb",
            b"\xc3\xa9",
        ] {
            aauth_access(v);
        }
    }
}
