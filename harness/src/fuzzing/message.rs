//! The RFC 9421 signature base over fuzzed messages.
//!
//! Two ways in, one oracle. [`signature_base`] reads its input either as an
//! `arbitrary`-derived message (request, optional response, covered components and
//! signature parameters, all structure-aware) or, when the first byte is `T`, as a small text
//! form that seeds can be written in:
//!
//! ```text
//! T("@method" "@authority" "content-type");created=1     <- the Signature-Input member
//! POST https://example.com/foo?param=Value               <- method and target URI
//! Content-Type: application/json                         <- zero or more fields
//!                                                        <- empty line
//! {"hello": "world"}                                     <- body
//! ```
//!
//! Both end in [`signature_base_over`], whose oracle is: building the base never panics; a
//! base that builds ends with the `@signature-params` line of exactly the parameters given;
//! and the signer and the verifier agree: signing the message under a fresh label and
//! verifying it gives back the same parameters and the same base. The last check only runs
//! when the message carries no signature fields of its own and the components do not cover
//! them (signing adds those fields, which would change what is covered). The verifier's
//! AAuth profile checks also run on the message as received.

use crate::httpsig::base::{self, FieldTypes, Message};
use crate::httpsig::component::{ComponentId, ComponentName, ComponentParam};
use crate::httpsig::profile::{self, ProfileRequirements};
use crate::httpsig::sign::{sign_request, sign_response};
use crate::httpsig::verify::{verify_request, verify_response};
use crate::jose::{Alg, SigningKey};
use crate::message::{Fields, Request, Response};
use crate::wire::signature_input::{SignatureParam, SignatureParams};
use arbitrary::{Arbitrary, Unstructured};
use bytes::Bytes;

/// Field names the structure-aware generator prefers, so fuzzed messages hit the fields
/// AAuth signs and the ones with a known structured type.
const FIELD_NAMES: [&str; 14] = [
    "content-type",
    "content-digest",
    "content-length",
    "signature-key",
    "authorization",
    "aauth-mission",
    "aauth-requirement",
    "accept-signature-alg",
    "date",
    "host",
    "example-dict",
    "priority",
    "signature-error",
    "x-empty",
];

/// Derived component names, with one nobody registered.
const DERIVED: [&str; 10] = [
    "@method",
    "@target-uri",
    "@authority",
    "@scheme",
    "@request-target",
    "@path",
    "@query",
    "@query-param",
    "@status",
    "@frobnicate",
];

/// A field name: one of [`FIELD_NAMES`] or anything.
#[derive(Debug, Arbitrary)]
enum FieldName {
    Known(u8),
    Any(String),
}

impl FieldName {
    fn resolve(&self) -> String {
        match self {
            FieldName::Known(i) => FIELD_NAMES
                .get(usize::from(*i) % FIELD_NAMES.len())
                .copied()
                .unwrap_or("x")
                .to_string(),
            FieldName::Any(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum ArbitraryComponentParam {
    Sf,
    Key(String),
    Bs,
    Req,
    Tr,
    Name(String),
    Other(String),
}

impl ArbitraryComponentParam {
    fn resolve(&self) -> ComponentParam {
        match self {
            Self::Sf => ComponentParam::Sf,
            Self::Key(k) => ComponentParam::Key(k.clone()),
            Self::Bs => ComponentParam::Bs,
            Self::Req => ComponentParam::Req,
            Self::Tr => ComponentParam::Tr,
            Self::Name(n) => ComponentParam::Name(n.clone()),
            Self::Other(k) => ComponentParam::Other(k.clone(), sfv::BareItem::Boolean(true)),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum ArbitraryComponent {
    Derived(u8, Vec<ArbitraryComponentParam>),
    Field(FieldName, Vec<ArbitraryComponentParam>),
    /// The name of the message's n-th field, so covered fields exist.
    Existing(u8, Vec<ArbitraryComponentParam>),
    /// Any text, read with [`ComponentId::parse`].
    Text(String),
}

#[derive(Debug, Arbitrary)]
enum ArbitrarySignatureParam {
    Created(i64),
    Expires(i64),
    Nonce(String),
    Alg(String),
    KeyId(String),
    Tag(String),
}

#[derive(Debug, Arbitrary)]
struct ArbitraryResponse {
    status: u16,
    fields: Vec<(FieldName, String)>,
    body: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct ArbitraryMessage {
    method: String,
    scheme: Option<String>,
    authority: String,
    path: String,
    query: Option<String>,
    fields: Vec<(FieldName, String)>,
    body: Vec<u8>,
    covered: Vec<ArbitraryComponent>,
    params: Vec<ArbitrarySignatureParam>,
    response: Option<ArbitraryResponse>,
}

fn fields_of(fields: &[(FieldName, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(n, v)| (n.resolve(), v.clone()))
        .collect()
}

/// An identifier only when it reads back as itself: the generator must produce what a
/// `Signature-Input` can carry, so that the signer/verifier check is meaningful.
fn usable(id: ComponentId) -> Option<ComponentId> {
    (ComponentId::parse(&id.serialize()).ok()? == id).then_some(id)
}

fn component(c: &ArbitraryComponent, message_fields: &[(String, String)]) -> Option<ComponentId> {
    let with = |name: ComponentName, params: &[ArbitraryComponentParam]| ComponentId {
        name,
        params: params
            .iter()
            .map(ArbitraryComponentParam::resolve)
            .collect(),
    };
    let id = match c {
        ArbitraryComponent::Derived(i, params) => {
            let name = DERIVED.get(usize::from(*i) % DERIVED.len())?;
            with(ComponentName::parse(name), params)
        }
        ArbitraryComponent::Field(name, params) => with(
            ComponentName::Field(name.resolve().to_ascii_lowercase()),
            params,
        ),
        ArbitraryComponent::Existing(i, params) => {
            let (name, _) = message_fields.get(usize::from(*i) % message_fields.len().max(1))?;
            with(ComponentName::Field(name.to_ascii_lowercase()), params)
        }
        ArbitraryComponent::Text(t) => ComponentId::parse(t).ok()?,
    };
    usable(id)
}

fn signature_param(p: &ArbitrarySignatureParam) -> Option<SignatureParam> {
    let param = match p {
        ArbitrarySignatureParam::Created(n) => SignatureParam::Created(*n),
        ArbitrarySignatureParam::Expires(n) => SignatureParam::Expires(*n),
        ArbitrarySignatureParam::Nonce(s) => SignatureParam::Nonce(s.clone()),
        ArbitrarySignatureParam::Alg(s) => SignatureParam::Alg(s.clone()),
        ArbitrarySignatureParam::KeyId(s) => SignatureParam::KeyId(s.clone()),
        ArbitrarySignatureParam::Tag(s) => SignatureParam::Tag(s.clone()),
    };
    // Only values a Signature-Input can carry (Integers of at most 15 digits, valid Strings).
    let alone = SignatureParams::default().with(param.clone());
    (SignatureParams::parse(&alone.serialize()).ok()? == alone).then_some(param)
}

fn params_of(
    covered: &[ArbitraryComponent],
    params: &[ArbitrarySignatureParam],
    fields: &[(String, String)],
) -> SignatureParams {
    let mut out = SignatureParams::default();
    for c in covered {
        if let Some(id) = component(c, fields) {
            if !out.covers(&id) {
                out.covered.push(id);
            }
        }
    }
    for p in params.iter().filter_map(signature_param) {
        out.set(p);
    }
    out
}

fn from_arbitrary(data: &[u8]) {
    let Ok(m) = Unstructured::new(data).arbitrary::<ArbitraryMessage>() else {
        return;
    };
    let request = Request {
        method: m.method.clone(),
        scheme: m.scheme.clone().unwrap_or_else(|| "https".into()),
        authority: m.authority.clone(),
        path: m.path.clone(),
        query: m.query.clone(),
        headers: fields_of(&m.fields),
        body: Bytes::from(m.body.clone()),
    };
    match &m.response {
        None => {
            let params = params_of(&m.covered, &m.params, &request.headers);
            signature_base_over(Message::Request(&request), &params);
        }
        Some(r) => {
            let response = Response {
                status: r.status,
                headers: fields_of(&r.fields),
                body: Bytes::from(r.body.clone()),
            };
            let params = params_of(&m.covered, &m.params, &response.headers);
            signature_base_over(
                Message::Response {
                    response: &response,
                    request: Some(&request),
                },
                &params,
            );
        }
    }
}

/// Reads the text form described in the module documentation.
pub fn parse_text_form(text: &str) -> Option<(Request, SignatureParams)> {
    let (params_line, rest) = text.split_once('\n')?;
    let params = SignatureParams::parse(params_line).ok()?;
    let (head, body) = rest.split_once("\n\n").unwrap_or((rest, ""));
    let mut lines = head.split('\n');
    let (method, uri) = lines.next()?.split_once(' ')?;
    let (scheme, after) = uri.split_once("://")?;
    let split = after.find(['/', '?']).unwrap_or(after.len());
    let (authority, target) = after.split_at(split);
    let mut request = Request::new(method, scheme, authority, target);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            request.append_header(name, value.trim_start_matches([' ', '\t']));
        }
    }
    request.body = Bytes::from(body.to_string());
    Some((request, params))
}

/// Writes a request and a `Signature-Input` member in the text form (the inverse of
/// [`parse_text_form`] for messages whose fields have no line breaks), with the leading `T`.
pub fn text_form(request: &Request, params: &SignatureParams) -> Vec<u8> {
    let mut out = format!(
        "T{}\n{} {}\n",
        params.serialize(),
        request.method,
        request.target_uri()
    );
    for (name, value) in &request.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&request.body);
    bytes
}

/// The signature base target: `T` + text form, or an `arbitrary`-derived message.
pub fn signature_base(data: &[u8]) {
    match data.split_first() {
        Some((b'T', rest)) => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            if let Some((request, params)) = parse_text_form(text) {
                signature_base_over(Message::Request(&request), &params);
            }
        }
        _ => from_arbitrary(data),
    }
}

/// The key the signer/verifier check signs with (any fixed key does).
fn signer() -> Option<SigningKey> {
    SigningKey::from_seed(&Alg::ED25519, [3; 32])
}

fn signs_itself(message: Message<'_>, params: &SignatureParams) -> bool {
    let is_signature_field =
        |n: &str| n.eq_ignore_ascii_case("signature") || n.eq_ignore_ascii_case("signature-input");
    let own = message.fields().iter().any(|(n, _)| is_signature_field(n));
    let related = match message {
        Message::Response {
            request: Some(r), ..
        } => r.headers.iter().any(|(n, _)| is_signature_field(n)),
        _ => false,
    };
    let covers = params
        .covered
        .iter()
        .any(|c| matches!(&c.name, ComponentName::Field(f) if is_signature_field(f)));
    !(own || related || covers)
}

/// The oracle for one message and one set of signature parameters (see the module docs).
pub fn signature_base_over(message: Message<'_>, params: &SignatureParams) {
    let types = FieldTypes::aauth();
    for id in &params.covered {
        let _ = base::component_values(message, id, &types);
    }
    if let Message::Request(request) = message {
        profile_checks(request);
    }
    let Ok(built) = base::signature_base(message, params, &types) else {
        return;
    };
    let last = format!("\"@signature-params\": {}", params.serialize());
    assert_eq!(
        built.lines().last(),
        Some(last.as_str()),
        "signature base: the last line is not the @signature-params line"
    );
    assert!(
        built.lines().count() > params.covered.len(),
        "signature base: fewer lines than covered components"
    );
    if !signs_itself(message, params) {
        return;
    }
    let Some(key) = signer() else {
        return;
    };
    let public = key.public_key();
    let verified = match message {
        Message::Request(request) => {
            let mut signed = request.clone();
            let base = sign_request(&mut signed, &key, "fuzz", params)
                .unwrap_or_else(|e| panic!("signer refuses a base the builder made: {e}"));
            assert_eq!(base, built, "signer and base builder disagree");
            verify_request(&signed, "fuzz", &public)
        }
        Message::Response { response, request } => {
            let mut signed = response.clone();
            let base = sign_response(&mut signed, request, &key, "fuzz", params)
                .unwrap_or_else(|e| panic!("signer refuses a base the builder made: {e}"));
            assert_eq!(base, built, "signer and base builder disagree");
            verify_response(&signed, request, "fuzz", &public)
        }
    };
    let verified = verified.unwrap_or_else(|e| {
        panic!(
            "verifier refuses what the signer signed over {:?}: {e}",
            built.as_str()
        )
    });
    assert_eq!(&verified.params, params, "verifier read other parameters");
    assert_eq!(verified.base, built, "verifier rebuilt another base");
}

/// The AAuth verifier's steps on the message as received: never a panic.
fn profile_checks(request: &Request) {
    let Some(key) = signer() else {
        return;
    };
    let labels = ["sig", "fuzz"];
    let reqs = ProfileRequirements::resource();
    let _ = profile::check_headers_present(request);
    if let Ok(label) = profile::select_label(request, &labels) {
        let _ = profile::check_before_key(request, &label, &labels, &reqs, 0);
        let _ = profile::verify_aauth(request, &label, &labels, &key.public_key(), &reqs, 0);
    }
    let _ = crate::httpsig::sign::has_aauth_authorization(request);
    let _ = reqs.required_for(request);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request::new("POST", "https", "example.com", "/foo?param=Value&Pet=dog")
            .with_header("Content-Type", "application/json")
            .with_header("Example-Dict", "a=1,    b=2;x=1;y=2,   c=(a   b   c)")
            .with_body("{}")
    }

    #[test]
    fn text_form_round_trips_and_signs() {
        let params = SignatureParams::parse(
            r#"("@method" "@authority" "content-type" "example-dict";sf "@query-param";name="Pet");created=1"#,
        )
        .expect("params");
        let bytes = text_form(&request(), &params);
        let text = std::str::from_utf8(&bytes[1..]).expect("utf-8");
        let (read, read_params) = parse_text_form(text).expect("reads back");
        assert_eq!(read, request());
        assert_eq!(read_params, params);
        signature_base(&bytes);
    }

    #[test]
    fn responses_with_related_requests_sign_and_verify() {
        let response = Response::new(200).with_header("Content-Type", "text/plain");
        let params =
            SignatureParams::parse(r#"("@status" "content-type" "@method";req "@authority";req)"#)
                .expect("params");
        signature_base_over(
            Message::Response {
                response: &response,
                request: Some(&request()),
            },
            &params,
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for data in [
            &b""[..],
            b"\x00",
            b"\xff\xff\xff\xff",
            b"T",
            b"Tnot params\n",
            &[7u8; 300],
        ] {
            signature_base(data);
        }
        let noise: Vec<u8> = (0..2048u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for window in noise.chunks(97) {
            signature_base(window);
        }
    }

    #[test]
    fn the_generator_keeps_only_identifiers_a_signature_input_can_carry() {
        assert!(usable(ComponentId::field("ok")).is_some());
        assert!(usable(ComponentId::field("sp ace")).is_none());
        assert!(usable(ComponentId::field("x").with(ComponentParam::Key("é".into()))).is_none());
        assert!(signature_param(&ArbitrarySignatureParam::Created(1 << 60)).is_none());
        assert!(signature_param(&ArbitrarySignatureParam::Nonce("n".into())).is_some());
    }
}
