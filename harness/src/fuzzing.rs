//! Fuzzing functions for every parser the harness owns, with their oracles, seeds and
//! dictionaries. The cargo-fuzz package in `fuzz/` is glue over this module: each target is
//! three lines naming a marker type from [`target`].
//!
//! Why a library and not logic in the targets: the functions are ordinary, tested code
//! (`cargo test` runs each over a few inputs and over every seed from `vectors/`), a finding
//! replays as a plain unit test, and the fuzz package never needs to be built for the oracles
//! to be checked. Generators (how bytes become inputs: [`message`]'s `arbitrary` message,
//! [`seeds`]) are kept apart from oracles ([`oracle`] and the assertions in each function).
//!
//! Contract of every fuzzing function: it takes `&[u8]`, returns nothing, never panics on
//! its own account, and panics with a sentence saying what disagreed when an oracle fails.
//! A panic is how libFuzzer sees a finding.
//!
//! A finding prints a ready-to-commit regression test: [`Input`]'s `Debug` writes the
//! snippet (cargo-fuzz prints the `Debug` of a failing input), to be pasted into
//! `harness/tests/fuzz_regressions.rs` with what broke and the commit that fixed it.

pub mod dictionaries;
pub mod documents;
pub mod headers;
pub mod identifiers;
pub mod inprocess;
pub mod message;
pub mod oracle;
pub mod seeds;
pub mod tokens;

pub use documents::{metadata, problem_json};
pub use headers::{
    aauth_access, aauth_capabilities, aauth_mission, aauth_requirement, accept_signature_alg,
    accept_signature_scheme, content_digest, signature, signature_error, signature_input,
    signature_key,
};
pub use identifiers::identifiers;
pub use message::signature_base;
pub use tokens::{jwk, jwks, jws, jwt_claims};

use std::fmt;
use std::marker::PhantomData;

/// One fuzz target: its name (the cargo-fuzz binary, the corpus directory, the dictionary
/// file) and its function.
pub trait Target {
    /// The target name.
    const NAME: &'static str;
    /// Runs the fuzzing function on one input.
    fn run(data: &[u8]);
}

/// A registry entry, for code that walks every target (tests, the seed writer).
#[derive(Clone, Copy)]
pub struct TargetInfo {
    /// The target name.
    pub name: &'static str,
    /// Its fuzzing function.
    pub run: fn(&[u8]),
    /// What it fuzzes, for the README and `--help` style listings.
    pub about: &'static str,
}

impl fmt::Debug for TargetInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetInfo")
            .field("name", &self.name)
            .field("about", &self.about)
            .finish()
    }
}

macro_rules! targets {
    ($($marker:ident => $name:literal, $func:ident, $about:literal;)*) => {
        /// Marker types, one per fuzz target, for `Input<Marker>` in the target files.
        pub mod target {
            $(
                #[doc = $about]
                #[derive(Clone, Copy, Debug)]
                pub struct $marker;

                impl super::Target for $marker {
                    const NAME: &'static str = $name;
                    fn run(data: &[u8]) {
                        super::$func(data)
                    }
                }
            )*
        }

        /// Every fuzz target, in one place: the fuzz package, the seed writer and the tests
        /// are checked against this list.
        pub const TARGETS: &[TargetInfo] = &[
            $(TargetInfo { name: $name, run: $func, about: $about },)*
        ];
    };
}

targets! {
    SignatureInput => "signature_input", signature_input, "`Signature-Input` (RFC 9421 §4.1)";
    Signature => "signature", signature, "`Signature` (RFC 9421 §4.2)";
    SignatureKey => "signature_key", signature_key, "`Signature-Key`, selecting every label";
    SignatureError => "signature_error", signature_error, "`Signature-Error`";
    AcceptSignatureScheme => "accept_signature_scheme", accept_signature_scheme, "`Accept-Signature-Scheme`";
    AcceptSignatureAlg => "accept_signature_alg", accept_signature_alg, "`Accept-Signature-Alg`";
    AauthRequirement => "aauth_requirement", aauth_requirement, "`AAuth-Requirement`";
    AauthMission => "aauth_mission", aauth_mission, "`AAuth-Mission` (-10), both forms";
    AauthAccess => "aauth_access", aauth_access, "`AAuth-Access` and `Authorization: AAuth`";
    AauthCapabilities => "aauth_capabilities", aauth_capabilities, "`AAuth-Capabilities`";
    ContentDigest => "content_digest", content_digest, "`Content-Digest` (RFC 9530)";
    ProblemJson => "problem_json", problem_json, "problem+json and legacy error bodies";
    Metadata => "metadata", metadata, "the four metadata documents and their validator";
    Jws => "jws", jws, "compact JWS/JWT decoding, claims of every kind, the validator";
    JwtClaims => "jwt_claims", jwt_claims, "fuzzed claims signed and validated as each token kind";
    Jwk => "jwk", jwk, "JWK shape and key extraction under both rule sets";
    Jwks => "jwks", jwks, "JWK Sets and key selection by `kid`";
    SignatureBase => "signature_base", signature_base, "the RFC 9421 signature base over fuzzed messages";
    Identifiers => "identifiers", identifiers, "identifier and URL rules";
}

/// Runs the target called `name` on `data`; false when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|t| t.name == name) {
        Some(t) => {
            (t.run)(data);
            true
        }
        None => false,
    }
}

/// A fuzz input for target `T`: the raw bytes, plus a `Debug` that prints a ready-to-commit
/// regression test. cargo-fuzz shows this `Debug` for a failing input.
pub struct Input<T> {
    data: Vec<u8>,
    target: PhantomData<T>,
}

impl<T: Target> Input<T> {
    /// Wraps bytes (for tests; libFuzzer builds inputs through `Arbitrary`).
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Input {
            data: data.into(),
            target: PhantomData,
        }
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Runs the target on the bytes.
    pub fn run(&self) {
        T::run(&self.data)
    }
}

impl<'a, T> arbitrary::Arbitrary<'a> for Input<T> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n = u.len();
        Ok(Input {
            data: u.bytes(n)?.to_vec(),
            target: PhantomData,
        })
    }

    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Input {
            data: u.take_rest().to_vec(),
            target: PhantomData,
        })
    }
}

impl<T: Target> fmt::Debug for Input<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&regression_snippet(T::NAME, &self.data))
    }
}

/// Bytes as a Rust byte-string literal.
pub fn byte_literal(data: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in data {
        out.extend(std::ascii::escape_default(b).map(char::from));
    }
    out.push('"');
    out
}

/// The regression test for a finding of `target` on `data`, named after the input's hash
/// like regex's `crash-<sha>` files.
pub fn regression_snippet(target: &str, data: &[u8]) -> String {
    use sha2::Digest as _;
    let id: String = hex::encode(sha2::Sha256::digest(data))
        .chars()
        .take(12)
        .collect();
    format!(
        "\n// Paste into harness/tests/fuzz_regressions.rs; say what broke and which commit fixed it.\n\
         /// What broke: TODO.\n\
         /// Found by: `cargo fuzz run {target}`; fixed in: TODO.\n\
         #[test]\n\
         fn {target}_{id}() {{\n    \
             aauth_harness::fuzzing::{target}({});\n\
         }}\n",
        byte_literal(data)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_unique_and_runnable() {
        let mut names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TARGETS.len());
        for t in TARGETS {
            assert!(run(t.name, b""), "{}", t.name);
        }
        assert!(!run("nope", b""));
        assert_eq!(<target::SignatureKey as Target>::NAME, "signature_key");
    }

    #[test]
    fn debug_prints_a_runnable_regression_test() {
        let input = Input::<target::SignatureInput>::new(&b"sig=(\"@x\"\n\xff"[..]);
        let text = format!("{input:?}");
        assert!(text.contains("#[test]"));
        assert!(text.contains("fn signature_input_"));
        assert!(
            text.contains(r#"aauth_harness::fuzzing::signature_input(b"sig=(\"@x\"\n\xff");"#),
            "{text}"
        );
        input.run();
    }

    #[test]
    fn arbitrary_takes_every_byte() {
        use arbitrary::Arbitrary as _;
        let input = Input::<target::Jws>::arbitrary_take_rest(arbitrary::Unstructured::new(b"abc"))
            .expect("input");
        assert_eq!(input.bytes(), b"abc");
    }
}
