//! What the network fuzzer does to the valid baseline request, and what it may then expect.
//!
//! Four families, each data:
//! - a [`RequestDefect`] from the harness catalogue (the same defects the conformance cases
//!   and vectors use), whose expected verdict the catalogue already knows;
//! - an agent token with one [`TokenDefect`] from a list every verifier must refuse;
//! - a [`Surface`] change (body, query, path, an extra header) made *before* signing, so the
//!   request carries a valid signature and reaches the target's token and business logic;
//! - a signature header garbled after signing, which the target's parsers must survive.
//!
//! Only the first two may demand a refusal: a re-signed change can be legitimately
//! acceptable (a new body member the target ignores), so for the others the only oracle is
//! that the target answers, promptly and without a server error.

use aauth_harness::defect::{Expected, RequestDefect};
use aauth_harness::fuzzing::dictionaries;
use aauth_harness::fuzzing::inprocess::Mutator;
use aauth_harness::jose::mutate::TokenDefect;
use serde_json::{json, Map, Value};

/// What the target must do with a mutated request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// The request is invalid under every reading of the spec: any 2xx or 3xx is a finding.
    Refuse,
    /// Anything but a server error or silence is acceptable.
    Survive,
}

/// A change made before signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Surface {
    /// The body replaced (the `what` says how).
    Body {
        /// The new content.
        bytes: Vec<u8>,
        /// Which body operation made it, for the family name.
        what: &'static str,
    },
    /// The query replaced.
    Query(String),
    /// A suffix appended to the path.
    PathSuffix(String),
    /// One more header field.
    ExtraHeader(String, String),
}

/// One mutation of the baseline.
#[derive(Clone, Debug, PartialEq)]
pub enum Mutation {
    /// A catalogue defect applied while signing.
    Request(RequestDefect),
    /// The agent token minted with this defect.
    AgentToken(TokenDefect),
    /// A change made before signing.
    Resigned(Surface),
    /// A signature header replaced after signing.
    Garbled {
        /// `Signature-Input`, `Signature` or `Signature-Key`.
        header: &'static str,
        /// The new value (visible ASCII only, so it stays a legal field value).
        value: String,
    },
}

impl Mutation {
    /// The family: findings are grouped by it, so one bug reached a thousand ways is one
    /// finding with a count.
    pub fn family(&self) -> String {
        match self {
            Mutation::Request(d) => format!("defect:{}", d.id()),
            Mutation::AgentToken(d) => format!("agent-token:{}", d.name()),
            Mutation::Resigned(Surface::Body { what, .. }) => format!("resigned:body:{what}"),
            Mutation::Resigned(Surface::Query(_)) => "resigned:query".into(),
            Mutation::Resigned(Surface::PathSuffix(_)) => "resigned:path".into(),
            Mutation::Resigned(Surface::ExtraHeader(name, _)) => {
                format!("resigned:header:{}", name.to_ascii_lowercase())
            }
            Mutation::Garbled { header, .. } => {
                format!("garbled:{}", header.to_ascii_lowercase())
            }
        }
    }

    /// One line saying what was sent.
    pub fn describe(&self) -> String {
        match self {
            Mutation::Request(d) => d.description(),
            Mutation::AgentToken(d) => format!("Sends an agent token with {}", d.describe()),
            Mutation::Resigned(Surface::Body { what, bytes }) => format!(
                "Sends a re-signed request whose body was changed ({what}, {} bytes)",
                bytes.len()
            ),
            Mutation::Resigned(Surface::Query(q)) => {
                format!("Sends a re-signed request with query {:?}", excerpt(q))
            }
            Mutation::Resigned(Surface::PathSuffix(s)) => {
                format!(
                    "Sends a re-signed request with {:?} appended to the path",
                    excerpt(s)
                )
            }
            Mutation::Resigned(Surface::ExtraHeader(n, v)) => {
                format!(
                    "Sends a re-signed request with the extra field {n}: {:?}",
                    excerpt(v)
                )
            }
            Mutation::Garbled { header, value } => {
                format!("Sends {header} garbled after signing: {:?}", excerpt(value))
            }
        }
    }
}

fn excerpt(text: &str) -> String {
    if text.len() <= 80 {
        text.to_string()
    } else {
        let cut = (0..=80)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}… ({} bytes)", &text[..cut], text.len())
    }
}

/// The expectation for a catalogue defect, from the catalogue's own verdict.
pub fn defect_expectation(expected: &Expected) -> Expectation {
    match expected {
        Expected::Reject(_) | Expected::RejectAny => Expectation::Refuse,
        Expected::Accept | Expected::Either => Expectation::Survive,
    }
}

/// Agent-token defects no verifier may accept: each is refused by a conformance case too
/// (suite/src/cases/agent_token.rs), so a 2xx here is the same bug seen by the fuzzer.
pub fn refused_token_defects() -> Vec<TokenDefect> {
    vec![
        TokenDefect::Typ("aa-person+jwt".into()),
        TokenDefect::Typ("JWT".into()),
        TokenDefect::TypMissing,
        TokenDefect::Dwk("aauth-person.json".into()),
        TokenDefect::KidUnknown,
        TokenDefect::SignWithOtherKey,
        TokenDefect::AlgNone,
        TokenDefect::Hs256WithPublicKey,
        TokenDefect::Expired,
        TokenDefect::CnfOtherKey,
        TokenDefect::CnfMissing,
        TokenDefect::CnfDrop("x".into()),
        TokenDefect::RemoveClaim("iss".into()),
        TokenDefect::RemoveClaim("exp".into()),
        TokenDefect::RemoveClaim("sub".into()),
    ]
}

/// Body members worth setting: those AAuth endpoints read.
const MEMBERS: &[&str] = &[
    "resource",
    "resource_token",
    "agent_token",
    "upstream_token",
    "subagent_token",
    "login_hint",
    "tenant",
    "scope",
    "mission",
    "justification",
    "prompt",
    "capabilities",
    "action",
    "type",
    "iss",
    "jti",
    "s256",
    "description",
];

/// Builds mutations from a seeded generator.
#[derive(Debug)]
pub struct Generator {
    mutator: Mutator,
    defects: Vec<RequestDefect>,
    tokens: Vec<TokenDefect>,
    dictionary: Vec<String>,
}

impl Generator {
    /// A generator whose sequence follows from `seed`; `agent_tokens` says whether the
    /// baseline carries an agent token (not at an access server, where the harness PS signs).
    pub fn new(seed: u64, agent_tokens: bool) -> Generator {
        let mut dictionary = Vec::new();
        for target in ["signature_input", "signature_key", "jws", "problem_json"] {
            dictionary.extend(dictionaries::tokens(target));
        }
        Generator {
            mutator: Mutator::new(seed, &dictionary),
            defects: RequestDefect::catalogue(),
            tokens: if agent_tokens {
                refused_token_defects()
            } else {
                Vec::new()
            },
            dictionary,
        }
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.mutator.below(items.len())).cloned()
    }

    /// The next mutation of a baseline with this body and these signature header values.
    pub fn next(&mut self, body: &[u8], signed: &SignedHeaders) -> Mutation {
        let roll = self.mutator.below(100);
        if roll < 25 {
            if let Some(d) = self.pick(&self.defects.clone()) {
                return Mutation::Request(d);
            }
        }
        if roll < 40 {
            if let Some(d) = self.pick(&self.tokens.clone()) {
                return Mutation::AgentToken(d);
            }
        }
        if roll < 85 {
            return Mutation::Resigned(self.surface(body));
        }
        self.garble(signed)
    }

    fn surface(&mut self, body: &[u8]) -> Surface {
        match self.mutator.below(10) {
            0..=5 => self.body(body),
            6 => Surface::Query(self.query()),
            7 => Surface::PathSuffix(self.path_suffix()),
            _ => {
                let (name, value) = self.extra_header();
                Surface::ExtraHeader(name, value)
            }
        }
    }

    fn body(&mut self, body: &[u8]) -> Surface {
        let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
        let Some(mut object) = parsed else {
            let value = self.value(3);
            return Surface::Body {
                bytes: value.to_string().into_bytes(),
                what: "new-json",
            };
        };
        let (what, bytes) = match self.mutator.below(6) {
            0 if !object.is_empty() => {
                let keys: Vec<String> = object.keys().cloned().collect();
                if let Some(k) = self.pick(&keys) {
                    object.remove(&k);
                }
                (
                    "member-removed",
                    Value::Object(object).to_string().into_bytes(),
                )
            }
            1 | 2 => {
                let name = self.pick(MEMBERS).unwrap_or("resource").to_string();
                let value = self.value(4);
                object.insert(name, value);
                ("member-set", Value::Object(object).to_string().into_bytes())
            }
            3 => {
                let value = self.value(4);
                ("replaced", value.to_string().into_bytes())
            }
            4 => {
                let text = Value::Object(object).to_string().into_bytes();
                let other = self.pick(&self.dictionary.clone()).unwrap_or_default();
                ("bytes", self.mutator.mutate(&text, other.as_bytes()))
            }
            _ => {
                let depth = 1 + self.mutator.below(200);
                let nested = "[".repeat(depth) + &"]".repeat(depth);
                let mut text = Value::Object(object).to_string();
                text.pop();
                let sep = if text.len() > 1 { "," } else { "" };
                (
                    "deep-nesting",
                    format!("{text}{sep}\"resource\":{nested}}}").into_bytes(),
                )
            }
        };
        Surface::Body { bytes, what }
    }

    /// A JSON value of bounded depth, biased to the values parsers get wrong.
    fn value(&mut self, depth: usize) -> Value {
        let choice = self.mutator.below(if depth == 0 { 9 } else { 12 });
        match choice {
            0 => Value::Null,
            1 => json!(self.mutator.below(2) == 0),
            2 => json!(-1),
            3 => json!(1.0e308),
            4 => json!(i64::MAX),
            5 => json!(""),
            6 => json!("A".repeat(1 + self.mutator.below(8192))),
            7 => json!("\u{202e}\u{0}ab\u{fffd}"),
            8 => json!(self.pick(&self.dictionary.clone()).unwrap_or_default()),
            9 => json!("eyJhbGciOiJub25lIn0.e30."),
            10 => {
                let n = self.mutator.below(4);
                Value::Array((0..n).map(|_| self.value(depth - 1)).collect())
            }
            _ => {
                let n = self.mutator.below(4);
                let mut object = Map::new();
                for _ in 0..n {
                    let key = self.pick(MEMBERS).unwrap_or("x").to_string();
                    let value = self.value(depth - 1);
                    object.insert(key, value);
                }
                Value::Object(object)
            }
        }
    }

    fn query(&mut self) -> String {
        const QUERIES: &[&str] = &[
            "a=1&a=2",
            "%zz",
            "%00",
            "x=%E2%80%AE",
            "=&&=",
            "scope=..%2F..%2F",
            "?",
        ];
        match self.mutator.below(3) {
            0 => format!("x={}", "q".repeat(1 + self.mutator.below(4000))),
            _ => self.pick(QUERIES).unwrap_or("a=1").to_string(),
        }
    }

    fn path_suffix(&mut self) -> String {
        const SUFFIXES: &[&str] = &[
            "/..", "/%2e%2e", "/%00", "//", "/.", ";x=1", "/%2F", "%20", "/%ff", "/~",
        ];
        match self.mutator.below(4) {
            0 => format!("/{}", "p".repeat(1 + self.mutator.below(2000))),
            _ => self.pick(SUFFIXES).unwrap_or("/x").to_string(),
        }
    }

    fn extra_header(&mut self) -> (String, String) {
        const HEADERS: &[(&str, &str)] = &[
            ("Content-Type", "text/plain"),
            ("Content-Type", "application/json; charset=utf-16"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Type", ""),
            ("Accept", "*/*;q=ab"),
            ("Prefer", "wait=99999999999999999999"),
            ("Prefer", "wait=-1"),
            ("AAuth-Capabilities", "interaction, \"x\", ((("),
            ("AAuth-Mission", "approver=?1"),
            ("Authorization", "AAuth"),
            ("Expect", "100-continue"),
            ("X-Forwarded-Host", "evil.example"),
        ];
        match self.mutator.below(4) {
            0 => (
                "X-Aauth-Fuzz".to_string(),
                "v".repeat(1 + self.mutator.below(7000)),
            ),
            _ => {
                let (n, v) = self.pick(HEADERS).unwrap_or(("X-Fuzz", "1"));
                (n.to_string(), v.to_string())
            }
        }
    }

    fn garble(&mut self, signed: &SignedHeaders) -> Mutation {
        let (header, value) = match self.mutator.below(3) {
            0 => ("Signature-Input", &signed.signature_input),
            1 => ("Signature", &signed.signature),
            _ => ("Signature-Key", &signed.signature_key),
        };
        let other = self.pick(&self.dictionary.clone()).unwrap_or_default();
        let bytes = self.mutator.mutate(value.as_bytes(), other.as_bytes());
        // Keep it a legal field value: visible ASCII and spaces, no line breaks.
        let value: String = bytes
            .into_iter()
            .map(|b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '~'
                }
            })
            .collect();
        Mutation::Garbled {
            header,
            value: value.trim().to_string(),
        }
    }
}

/// The signature header values of the valid baseline, for garbling.
#[derive(Clone, Debug, Default)]
pub struct SignedHeaders {
    /// `Signature-Input`.
    pub signature_input: String,
    /// `Signature`.
    pub signature: String,
    /// `Signature-Key`.
    pub signature_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> SignedHeaders {
        SignedHeaders {
            signature_input: "sig=(\"@method\");created=1".into(),
            signature: "sig=:AAAA:".into(),
            signature_key: "sig=jwt;jwt=\"a.b.c\"".into(),
        }
    }

    #[test]
    fn the_sequence_follows_the_seed() {
        let mut a = Generator::new(5, true);
        let mut b = Generator::new(5, true);
        for _ in 0..300 {
            assert_eq!(
                a.next(b"{\"resource\":\"x\"}", &signed()),
                b.next(b"{\"resource\":\"x\"}", &signed())
            );
        }
    }

    #[test]
    fn every_family_appears_and_garbled_values_stay_legal() {
        let mut g = Generator::new(1, true);
        let mut families = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let m = g.next(b"{\"resource\":\"x\"}", &signed());
            if let Mutation::Garbled { value, .. } = &m {
                assert!(value.bytes().all(|b| (0x20..0x7f).contains(&b)));
            }
            families.insert(m.family().split(':').next().unwrap_or_default().to_string());
        }
        for f in ["defect", "agent-token", "resigned", "garbled"] {
            assert!(families.contains(f), "{f} never generated: {families:?}");
        }
    }

    #[test]
    fn without_agent_tokens_no_token_mutation() {
        let mut g = Generator::new(2, false);
        for _ in 0..500 {
            assert!(!matches!(g.next(b"", &signed()), Mutation::AgentToken(_)));
        }
    }
}
