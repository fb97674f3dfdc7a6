//! `Accept-Signature-Scheme` and `Accept-Signature-Alg` (HTTP Signature Keys -08 §4): Lists of
//! Tokens stating exactly which `Signature-Key` schemes and JOSE algorithms a server accepts.
//!
//! Tokens are case-sensitive (`ES256` is not `es256`) and kept verbatim, unknown ones
//! included; items that are not Tokens make the header invalid. Item parameters, which SK
//! does not define, are kept.

use super::error::WireError;
use super::sf::TokenList;
use super::signature_key::Scheme;
use crate::jose::Alg;

/// The scheme header name.
pub const SCHEME_FIELD: &str = "Accept-Signature-Scheme";
/// The algorithm header name.
pub const ALG_FIELD: &str = "Accept-Signature-Alg";

/// A parsed `Accept-Signature-Scheme`, in the server's order of preference.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AcceptSignatureScheme {
    /// The list as received.
    pub list: TokenList,
}

impl AcceptSignatureScheme {
    /// Parses a field value; empty means an empty list.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        Ok(AcceptSignatureScheme {
            list: TokenList::parse(SCHEME_FIELD, input)?,
        })
    }

    /// Builds the header from schemes.
    pub fn new<'a>(schemes: impl IntoIterator<Item = &'a Scheme>) -> Result<Self, WireError> {
        Ok(AcceptSignatureScheme {
            list: TokenList::from_tokens(SCHEME_FIELD, schemes.into_iter().map(Scheme::as_str))?,
        })
    }

    /// The schemes in order.
    pub fn schemes(&self) -> Vec<Scheme> {
        self.list.tokens().map(Scheme::new).collect()
    }

    /// True when `scheme` is listed (case-sensitive).
    pub fn accepts(&self, scheme: &Scheme) -> bool {
        self.list.tokens().any(|t| t == scheme.as_str())
    }

    /// Canonical serialization.
    pub fn serialize(&self) -> String {
        self.list.serialize()
    }
}

/// A parsed `Accept-Signature-Alg`: exactly the accepted set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AcceptSignatureAlg {
    /// The list as received.
    pub list: TokenList,
}

impl AcceptSignatureAlg {
    /// Parses a field value; empty means an empty list.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        Ok(AcceptSignatureAlg {
            list: TokenList::parse(ALG_FIELD, input)?,
        })
    }

    /// Builds the header from algorithms.
    pub fn new<'a>(algs: impl IntoIterator<Item = &'a Alg>) -> Result<Self, WireError> {
        Ok(AcceptSignatureAlg {
            list: TokenList::from_tokens(ALG_FIELD, algs.into_iter().map(Alg::as_str))?,
        })
    }

    /// The algorithms in order.
    pub fn algs(&self) -> Vec<Alg> {
        self.list.tokens().map(Alg::new).collect()
    }

    /// True when `alg` is listed (case-sensitive).
    pub fn accepts(&self, alg: &Alg) -> bool {
        self.list.tokens().any(|t| t == alg.as_str())
    }

    /// Listed values a server must never advertise: `none`, symmetric MACs, polymorphic
    /// `EdDSA`.
    pub fn forbidden_listed(&self) -> Vec<Alg> {
        self.algs().into_iter().filter(Alg::is_forbidden).collect()
    }

    /// Canonical serialization.
    pub fn serialize(&self) -> String {
        self.list.serialize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::WireErrorKind;
    use proptest::prelude::*;

    #[test]
    fn scheme_list() {
        let h = AcceptSignatureScheme::parse("hwk, jwks_uri, jwt").unwrap();
        assert_eq!(h.schemes(), [Scheme::HWK, Scheme::JWKS_URI, Scheme::JWT]);
        assert!(h.accepts(&Scheme::JWT));
        assert!(!h.accepts(&Scheme::new("JWT")));
        assert_eq!(h.serialize(), "hwk, jwks_uri, jwt");
        assert_eq!(
            AcceptSignatureScheme::new(&[Scheme::JWT])
                .unwrap()
                .serialize(),
            "jwt"
        );
    }

    #[test]
    fn alg_list_case_sensitive_and_unknowns_kept() {
        let h = AcceptSignatureAlg::parse("Ed25519, ES256, es256, ML-DSA-65;x").unwrap();
        assert!(h.accepts(&Alg::ES256));
        assert_eq!(h.algs().len(), 4);
        assert_eq!(h.serialize(), "Ed25519, ES256, es256, ML-DSA-65;x");
        let h = AcceptSignatureAlg::parse("Ed25519, none, HS256").unwrap();
        assert_eq!(h.forbidden_listed(), [Alg::NONE, Alg::HS256]);
    }

    #[test]
    fn non_tokens_rejected() {
        let e = AcceptSignatureAlg::parse(r#""Ed25519""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a String",
                ..
            }
        ));
        let e = AcceptSignatureScheme::parse("(jwt hwk)").unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "an Inner List",
                ..
            }
        ));
        assert!(AcceptSignatureScheme::parse("jwt,")
            .unwrap_err()
            .is_syntax());
    }

    proptest! {
        #[test]
        fn round_trip(tokens in proptest::collection::vec("[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]{0,15}", 0..6)) {
            let algs: Vec<Alg> = tokens.iter().map(|t| Alg::new(t.as_str())).collect();
            let h = AcceptSignatureAlg::new(&algs).unwrap();
            let back = AcceptSignatureAlg::parse(h.serialize()).unwrap();
            prop_assert_eq!(back.algs(), algs);
            let schemes: Vec<Scheme> = tokens.iter().map(|t| Scheme::new(t.as_str())).collect();
            let h = AcceptSignatureScheme::new(&schemes).unwrap();
            prop_assert_eq!(AcceptSignatureScheme::parse(h.serialize()).unwrap().schemes(), schemes);
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..100)) {
            let _ = AcceptSignatureAlg::parse(&input);
            let _ = AcceptSignatureScheme::parse(&input);
        }
    }
}
