//! Identifier and URL rules ([`crate::wire::identifier`]), differentially against the second
//! implementation the token validator carries ([`crate::jose::validate`]) and the `base64url`
//! decoder.
//!
//! The input is split at its first LF: the first part is the value under test, the second a
//! parent agent identifier for the sub-agent rule. Oracles: no panic; server identifiers are
//! accepted by both implementations alike; an agent identifier the wire rules accept is one
//! the validator's syntax accepts, and the validator's syntax accepts more only for nested
//! `+`, which the wire rules refuse on purpose; an `s256` value is valid exactly when it is
//! 43 characters of canonical base64url for 32 bytes; an interaction code normalises
//! idempotently and matches itself; a top-level agent has a valid sub-agent (when the longer
//! local part still fits).

use crate::jose::b64;
use crate::jose::validate::{is_agent_identifier, is_server_identifier};
use crate::wire::identifier::{
    interaction_codes_match, normalize_interaction_code, parse_agent_identifier,
    validate_endpoint_url, validate_host, validate_https_url, validate_interaction_code,
    validate_s256, validate_server_identifier, validate_sub_agent, validate_top_level_agent,
    CROCKFORD_ALPHABET,
};

/// See the module documentation.
pub fn identifiers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (value, parent) = text.split_once('\n').unwrap_or((&text, ""));
    check(value, parent);
    if !parent.is_empty() {
        check(parent, value);
    }
}

fn check(s: &str, parent: &str) {
    let _ = validate_host(s);
    assert_eq!(
        validate_server_identifier(s).is_ok(),
        is_server_identifier(s),
        "server identifier {s:?}: wire::identifier and jose::validate disagree"
    );

    let https = validate_https_url(s);
    if validate_endpoint_url(s).is_ok() {
        assert!(https.is_ok(), "endpoint {s:?} is not an https URL");
    }
    if https.is_ok() {
        assert!(url::Url::parse(s).is_ok(), "https URL {s:?} does not parse");
    }

    let wire_agent = parse_agent_identifier(s);
    let nested = s
        .split_once('@')
        .is_some_and(|(l, _)| l.matches('+').count() > 1);
    assert_eq!(
        wire_agent.is_ok(),
        is_agent_identifier(s) && !nested,
        "agent identifier {s:?}: wire::identifier and jose::validate disagree"
    );
    // A sub-agent name adds `+fuzz` to the local part, which must still fit 255 characters.
    if let Some(top) = validate_top_level_agent(s)
        .ok()
        .filter(|t| t.local.len() <= 250)
    {
        let sub = format!("aauth:{}+fuzz@{}", top.local, top.domain);
        assert!(
            validate_sub_agent(&sub, s).is_ok(),
            "{sub:?} is not a sub-agent of the valid top-level {s:?}"
        );
    }
    let _ = validate_sub_agent(s, parent);

    assert_eq!(
        validate_s256(s).is_ok(),
        s.len() == 43 && b64::decode_exact::<32>(s).is_ok(),
        "s256 {s:?}: the shape rule and the base64url decoder disagree"
    );

    let normal = normalize_interaction_code(s);
    assert_eq!(
        normalize_interaction_code(&normal),
        normal,
        "interaction code normalisation is not idempotent on {s:?}"
    );
    assert!(interaction_codes_match(s, s));
    if validate_interaction_code(s).is_ok() {
        assert!(
            normal.chars().all(|c| CROCKFORD_ALPHABET.contains(c)),
            "valid code {s:?} normalises to {normal:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_implementations_agree_on_typical_values() {
        for v in [
            "https://ps.example",
            "https://PS.example",
            "https://ps.example:443",
            "https://ps.example/",
            "https://-a.example",
            "https://[::1]",
            "aauth:assistant@agent.example",
            "aauth:a+b@agent.example",
            "aauth:a+b+c@agent.example",
            "aauth:+b@agent.example",
            "aauth:a@b@agent.example",
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFV",
            "ABCD-EFGH",
            "abcd-efgh-il0",
            "",
        ] {
            identifiers(v.as_bytes());
        }
        identifiers(b"aauth:a+x@agent.example\naauth:a@agent.example");
        identifiers(b"\xff\n\xfe");
    }
}
