//! `Content-Digest` (RFC 9530): a Dictionary from hash algorithm to the Byte Sequence digest
//! of the message content. -11 makes it mandatory, and covered, on every PS and AS request
//! with a body.
//!
//! Checking a digest against a body has four outcomes that a verifier must tell apart: the
//! digest matches, it does not, the header names only algorithms the verifier does not
//! implement, or the header is malformed. [`DigestCheck`] keeps them separate.

use std::borrow::Cow;
use std::fmt;

use super::error::WireError;
use super::sf;

/// The header name.
pub const FIELD: &str = "Content-Digest";

/// A digest algorithm key, open so deprecated and unknown ones survive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DigestAlgorithm(Cow<'static, str>);

impl DigestAlgorithm {
    /// SHA-256 (RFC 9530 Active).
    pub const SHA_256: Self = Self(Cow::Borrowed("sha-256"));
    /// SHA-512 (RFC 9530 Active).
    pub const SHA_512: Self = Self(Cow::Borrowed("sha-512"));
    /// MD5 (Deprecated; never accepted).
    pub const MD5: Self = Self(Cow::Borrowed("md5"));
    /// SHA-1 (Deprecated; never accepted).
    pub const SHA: Self = Self(Cow::Borrowed("sha"));

    /// Any key, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the algorithms the harness computes (`sha-256`, `sha-512`).
    pub fn is_supported(&self) -> bool {
        *self == Self::SHA_256 || *self == Self::SHA_512
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The digest of `body` under `alg`, or `None` when the algorithm is not supported.
pub fn compute(alg: &DigestAlgorithm, body: &[u8]) -> Option<Vec<u8>> {
    match alg.as_str() {
        // ring's SHA-2 uses the CPU's SHA extensions or vector code where it has them.
        "sha-256" => Some(
            ring::digest::digest(&ring::digest::SHA256, body)
                .as_ref()
                .to_vec(),
        ),
        "sha-512" => Some(
            ring::digest::digest(&ring::digest::SHA512, body)
                .as_ref()
                .to_vec(),
        ),
        _ => None,
    }
}

/// One member of the header.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestEntry {
    /// The algorithm key.
    pub algorithm: DigestAlgorithm,
    /// The digest bytes as sent.
    pub value: Vec<u8>,
    /// Parameters, kept (RFC 9530 defines none).
    pub params: sfv::Parameters,
}

/// A parsed `Content-Digest` field.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ContentDigest {
    /// Members in received order.
    pub entries: Vec<DigestEntry>,
}

/// The result of checking a `Content-Digest` against a body.
#[derive(Clone, Debug, PartialEq)]
pub enum DigestCheck {
    /// Every supported algorithm present matched (those algorithms are listed).
    Match(Vec<DigestAlgorithm>),
    /// A supported algorithm's digest differs from the body's.
    Mismatch {
        /// The algorithm that failed.
        algorithm: DigestAlgorithm,
        /// The digest of the body received.
        computed: Vec<u8>,
        /// The digest the header carried.
        received: Vec<u8>,
    },
    /// No member uses an algorithm the harness computes (the keys sent are listed).
    Unsupported(Vec<DigestAlgorithm>),
    /// The header does not parse or a member is not a Byte Sequence.
    Malformed(WireError),
}

impl ContentDigest {
    /// Parses a field value strictly: every member must be a Byte Sequence. Empty is an
    /// error (a present `Content-Digest` must carry a digest).
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let dict = sf::parse_dictionary(FIELD, input)?;
        if dict.is_empty() {
            return Err(WireError::empty(FIELD));
        }
        let mut entries = Vec::with_capacity(dict.len());
        for (k, v) in dict {
            match v {
                sfv::ListEntry::Item(sfv::Item {
                    bare_item: sfv::BareItem::ByteSequence(value),
                    params,
                }) => entries.push(DigestEntry {
                    algorithm: DigestAlgorithm::new(k.as_str()),
                    value,
                    params,
                }),
                other => {
                    return Err(WireError::wrong_type(
                        FIELD,
                        k.as_str(),
                        "a Byte Sequence",
                        sf::entry_type_name(&other),
                    ))
                }
            }
        }
        Ok(ContentDigest { entries })
    }

    /// The header for `body` under each supported algorithm given, in that order.
    pub fn for_body(body: &[u8], algorithms: &[DigestAlgorithm]) -> Self {
        ContentDigest {
            entries: algorithms
                .iter()
                .filter_map(|a| {
                    Some(DigestEntry {
                        value: compute(a, body)?,
                        algorithm: a.clone(),
                        params: sfv::Parameters::new(),
                    })
                })
                .collect(),
        }
    }

    /// `sha-256=:…:` for `body`, the form the harness sends by default.
    pub fn sha256(body: &[u8]) -> Self {
        Self::for_body(body, &[DigestAlgorithm::SHA_256])
    }

    /// Canonical serialization; members whose key is not a valid SF key are skipped (only
    /// possible when built by hand).
    pub fn serialize(&self) -> String {
        let mut dict = sfv::Dictionary::new();
        for e in &self.entries {
            if let Ok(k) = sf::key(FIELD, e.algorithm.as_str()) {
                dict.insert(
                    k,
                    sfv::ListEntry::Item(sfv::Item::with_params(
                        sfv::BareItem::ByteSequence(e.value.clone()),
                        e.params.clone(),
                    )),
                );
            }
        }
        sf::serialize_dictionary(&dict)
    }

    /// Checks every supported member against `body`.
    pub fn check(&self, body: &[u8]) -> DigestCheck {
        let mut matched = Vec::new();
        for e in &self.entries {
            let Some(computed) = compute(&e.algorithm, body) else {
                continue;
            };
            if computed != e.value {
                return DigestCheck::Mismatch {
                    algorithm: e.algorithm.clone(),
                    computed,
                    received: e.value.clone(),
                };
            }
            matched.push(e.algorithm.clone());
        }
        if matched.is_empty() {
            DigestCheck::Unsupported(self.entries.iter().map(|e| e.algorithm.clone()).collect())
        } else {
            DigestCheck::Match(matched)
        }
    }
}

/// Parses `header` and checks it against `body` in one step.
pub fn check_content_digest(header: impl AsRef<[u8]>, body: &[u8]) -> DigestCheck {
    match ContentDigest::parse(header) {
        Ok(d) => d.check(body),
        Err(e) => DigestCheck::Malformed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::WireErrorKind;
    use proptest::prelude::*;

    // RFC 9530 Appendix / requirements §5.4 V2 values.
    const V2_BODY: &[u8] = br#"{"resource":"https://resource.example"}"#;
    const V2_DIGEST: &str = "sha-256=:nJxjM/eJDL6/sWg44NobfMWuVck7ev1KSiJopPVqF8I=:";

    #[test]
    fn computes_the_v2_digest() {
        assert_eq!(ContentDigest::sha256(V2_BODY).serialize(), V2_DIGEST);
        assert_eq!(
            check_content_digest(V2_DIGEST, V2_BODY),
            DigestCheck::Match(vec![DigestAlgorithm::SHA_256])
        );
    }

    #[test]
    fn rfc9530_hello_world_sha512() {
        // RFC 9530 §2 example body `{"hello": "world"}`.
        let d = ContentDigest::for_body(
            br#"{"hello": "world"}"#,
            &[DigestAlgorithm::SHA_256, DigestAlgorithm::SHA_512],
        );
        assert_eq!(
            d.serialize(),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, \
             sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
        );
    }

    #[test]
    fn mismatch_unsupported_malformed() {
        assert!(matches!(
            check_content_digest(V2_DIGEST, b"{}"),
            DigestCheck::Mismatch { .. }
        ));
        assert_eq!(
            check_content_digest("md5=:AAAA:, crc32c=:AAAA:", b"x"),
            DigestCheck::Unsupported(vec![DigestAlgorithm::MD5, DigestAlgorithm::new("crc32c")])
        );
        let DigestCheck::Malformed(e) = check_content_digest(r#"sha-256="abc""#, b"") else {
            panic!()
        };
        assert!(matches!(e.kind, WireErrorKind::WrongType { .. }));
        assert!(matches!(
            check_content_digest("sha-256=:abc", b""),
            DigestCheck::Malformed(_)
        ));
        assert!(matches!(
            check_content_digest("", b""),
            DigestCheck::Malformed(_)
        ));
        // a mismatch on one supported algorithm wins over a match on another
        let both = format!("{V2_DIGEST}, sha-512=:AAAA:");
        assert!(matches!(
            check_content_digest(both, V2_BODY),
            DigestCheck::Mismatch { ref algorithm, .. } if *algorithm == DigestAlgorithm::SHA_512
        ));
    }

    #[test]
    fn unknown_members_and_params_kept() {
        let raw = "sha-256=:AAAA:;x=1, future-hash=:AQ==:";
        assert_eq!(ContentDigest::parse(raw).unwrap().serialize(), raw);
    }

    proptest! {
        #[test]
        fn round_trip_and_self_check(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let d = ContentDigest::for_body(&body, &[DigestAlgorithm::SHA_512, DigestAlgorithm::SHA_256]);
            let back = ContentDigest::parse(d.serialize()).unwrap();
            prop_assert_eq!(&back, &d);
            prop_assert!(matches!(back.check(&body), DigestCheck::Match(ref v) if v.len() == 2));
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = check_content_digest(&input, b"");
        }
    }
}
