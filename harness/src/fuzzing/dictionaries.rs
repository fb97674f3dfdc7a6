//! libFuzzer dictionaries: the tokens each target's grammar is made of (labels, parameter
//! names, schemes, component names, JSON member names), so mutations produce meaningful
//! fields sooner. Generated from the protocol constants where they exist (metadata member
//! names come from the metadata tables) and written to `fuzz/dict/<target>.dict` by
//! `fuzz/seed.sh`; a test checks the committed files match.

use crate::jose::Alg;
use crate::wire::aauth_requirement::Requirement;
use crate::wire::metadata::{fields, DocumentKind};
use crate::wire::problem::ErrorCode;
use crate::wire::signature_error::SignatureErrorCode;
use crate::wire::signature_key::Scheme;

/// Structured Field punctuation every SF target shares.
const SF: &[&str] = &[
    "=", ";", ", ", "(", ")", "\"", ":", "?1", "?0", "*", "@", "%\"", " ",
];

const COMPONENTS: &[&str] = &[
    "\"@method\"",
    "\"@authority\"",
    "\"@path\"",
    "\"@query\"",
    "\"@query-param\"",
    "\"@target-uri\"",
    "\"@scheme\"",
    "\"@request-target\"",
    "\"@status\"",
    "\"@signature-params\"",
    "\"signature-key\"",
    "\"content-digest\"",
    "\"content-type\"",
    "\"authorization\"",
    "\"aauth-mission\"",
    ";sf",
    ";key=",
    ";bs",
    ";req",
    ";tr",
    ";name=",
];

const JSON: &[&str] = &[
    "{", "}", "[", "]", ":", ",", "\"", "null", "true", "false", "-0.0", "1e999", "\\u0000",
];

fn owned(tokens: &[&str]) -> Vec<String> {
    tokens.iter().map(|s| s.to_string()).collect()
}

fn quoted(names: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    names
        .into_iter()
        .map(|n| format!("\"{}\"", n.as_ref()))
        .collect()
}

/// The dictionary tokens of `target`, or an empty list for targets without one.
pub fn tokens(target: &str) -> Vec<String> {
    let mut out = match target {
        "signature_input" => {
            let mut t = owned(SF);
            t.extend(owned(COMPONENTS));
            t.extend(owned(&[
                "sig=",
                "sig1=",
                "sig-b26=",
                ";created=",
                ";expires=",
                ";nonce=",
                ";alg=",
                ";keyid=",
                ";tag=",
                "1618884473",
                "()",
                "(\"@method\" \"@authority\" \"@path\" \"signature-key\")",
            ]));
            t
        }
        "signature" => {
            let mut t = owned(SF);
            t.extend(owned(&["sig=:", ":", "==", "sig1=:"]));
            t
        }
        "signature_key" => {
            let mut t = owned(SF);
            t.extend(Scheme::REGISTERED.iter().map(|s| format!("sig={s}")));
            t.extend(owned(&[
                ";jwt=\"",
                ";cache",
                ";cache=?0",
                ";id=\"https://",
                ";dwk=\"aauth-agent.json\"",
                ";kid=\"",
                ";url=\"https://",
                ";kty=\"OKP\"",
                ";kty=\"EC\"",
                ";kty=\"RSA\"",
                ";crv=\"Ed25519\"",
                ";crv=\"P-256\"",
                ";x=\"",
                ";y=\"",
                ";n=\"",
                ";e=\"",
                ";alg=\"Ed25519\"",
                ";alg=\"ES256\"",
                ";x5u=\"https://",
                ";x5t=:",
                ";cid=\"",
                "eyJ",
            ]));
            t
        }
        "signature_error" => {
            let mut t = owned(SF);
            t.extend(
                SignatureErrorCode::KNOWN
                    .iter()
                    .map(|c| format!("error={c}")),
            );
            t.extend(owned(&[
                "required_input=(",
                "\"@method\"",
                "\"signature-key\"",
            ]));
            t
        }
        "accept_signature_scheme" => {
            let mut t = owned(SF);
            t.extend(Scheme::REGISTERED.iter().map(|s| s.to_string()));
            t
        }
        "accept_signature_alg" => {
            let mut t = owned(SF);
            t.extend(
                [Alg::ED25519, Alg::ES256, Alg::EDDSA, Alg::NONE, Alg::HS256]
                    .iter()
                    .map(|a| a.to_string()),
            );
            t
        }
        "aauth_requirement" => {
            let mut t = owned(SF);
            t.extend(
                Requirement::KNOWN
                    .iter()
                    .map(|r| format!("requirement={r}")),
            );
            t.extend(owned(&[
                ";resource-token=\"",
                ";url=\"https://",
                ";code=\"",
                ";reason=",
                "budget-exhausted",
                "insufficient-budget",
                "resource-token=\"",
            ]));
            t
        }
        "aauth_mission" => {
            let mut t = owned(SF);
            t.extend(owned(&[
                "approver=\"https://",
                "s256=\"",
                ";s256=\"",
                ", s256=\"",
            ]));
            t
        }
        "aauth_capabilities" => {
            let mut t = owned(SF);
            t.extend(owned(&[
                "interaction",
                "clarification",
                "payment",
                "budget",
            ]));
            t
        }
        "content_digest" => {
            let mut t = owned(SF);
            t.extend(owned(&["sha-256=:", "sha-512=:", "md5=:", "sha=:"]));
            t
        }
        "aauth_access" => owned(&[
            "AAuth ", "aauth ", "Bearer ", "=", ",", " ", "\t", "\n", "~+/",
        ]),
        "problem_json" => {
            let mut t = owned(JSON);
            t.extend(quoted([
                "error",
                "detail",
                "type",
                "title",
                "status",
                "instance",
                "mission_status",
                "termination_reason",
                "required_claims",
                "error_description",
            ]));
            t.extend(quoted(ErrorCode::KNOWN.iter().map(ErrorCode::as_str)));
            t
        }
        "metadata" => {
            let mut t = owned(JSON);
            let mut names: Vec<&str> = DocumentKind::ALL
                .into_iter()
                .flat_map(|k| fields(k).into_iter().map(|f| f.name))
                .collect();
            names.sort_unstable();
            names.dedup();
            t.extend(quoted(names));
            t.extend(quoted([
                "https://x.example",
                "Ed25519",
                "EdDSA",
                "token_endpoint",
            ]));
            t
        }
        "jws" | "jwt_claims" => {
            let mut t = owned(JSON);
            t.extend(owned(&[
                ".",
                "eyJ",
                "e30",
                "eyJhbGciOiJFZDI1NTE5In0",
                ".5",
                "e3",
                "1730217600",
                "18446744073709551616",
            ]));
            t.extend(quoted([
                "iss",
                "dwk",
                "sub",
                "jti",
                "cnf",
                "jwk",
                "iat",
                "exp",
                "aud",
                "ps",
                "agent",
                "act",
                "scope",
                "mission",
                "approver",
                "s256",
                "mission_s256",
                "agent_jkt",
                "presented_jti",
                "parent_agent",
                "interaction",
                "tenant",
                "account",
                "aauth-agent.json",
                "aauth-person.json",
                "aauth-resource.json",
                "aauth-access.json",
                "https://agent.example",
                "aauth:a@agent.example",
            ]));
            t
        }
        "jwk" | "jwks" => {
            let mut t = owned(JSON);
            t.extend(quoted([
                "keys",
                "kty",
                "crv",
                "x",
                "y",
                "n",
                "e",
                "alg",
                "kid",
                "OKP",
                "EC",
                "RSA",
                "oct",
                "Ed25519",
                "Ed448",
                "P-256",
                "ES256",
                "EdDSA",
                "none",
                "HS256",
                "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            ]));
            t
        }
        "signature_base" => {
            let mut t = owned(SF);
            t.extend(owned(COMPONENTS));
            t.extend(owned(&[
                "T",
                "\n",
                "\n\n",
                "GET ",
                "POST ",
                "https://",
                "http://",
                ":443",
                "?",
                "&",
                "Content-Type: ",
                "Content-Digest: ",
                "Signature-Key: ",
                "Example-Dict: ",
                "Authorization: AAuth ",
            ]));
            t
        }
        "identifiers" => owned(&[
            "https://",
            "http://",
            "HTTPS://",
            "aauth:",
            "@",
            "+",
            "xn--",
            ":443",
            "/",
            "?",
            "#",
            "-",
            ".",
            "[::1]",
            "\n",
            "ABCD-EFGH",
            "IL0O",
        ]),
        _ => Vec::new(),
    };
    out.dedup();
    out
}

/// The libFuzzer `.dict` text for `target`: one quoted token per line, with `"` and `\`
/// escaped and non-printable bytes as `\xNN`.
pub fn render(target: &str) -> String {
    let mut out = format!("# libFuzzer dictionary for `{target}`, generated by aauth_harness::fuzzing::dictionaries; do not edit.\n");
    for token in tokens(target) {
        out.push('"');
        for b in token.bytes() {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e => out.push(char::from(b)),
                _ => out.push_str(&format!("\\x{b:02X}")),
            }
        }
        out.push_str("\"\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_a_dictionary() {
        for t in super::super::TARGETS {
            assert!(!tokens(t.name).is_empty(), "{}", t.name);
        }
    }

    #[test]
    fn rendering_escapes_quotes_backslashes_and_controls() {
        let text = render("signature_input");
        assert!(text.contains("\"\\\"@method\\\"\"\n"));
        assert!(render("aauth_access").contains("\"\\x09\"\n"));
        assert!(render("nope").lines().count() == 1);
    }
}
