//! `Signature` (RFC 9421 §4.2): the signature bytes, one Byte Sequence per label.
//!
//! Kept apart from `Signature-Input` because the two fields fail independently: a verifier
//! can be handed one without the other, and a harness must be able to send a `Signature`
//! whose labels disagree with `Signature-Input`.

use crate::httpsig::component::{bare_item_kind, sf_bare_item};
use crate::wire::signature_input::{SignatureFieldError, SignatureFieldErrorKind, SIGNATURE};

/// The `Signature` field (RFC 9421 §4.2): a Byte Sequence per label.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Signatures {
    members: Vec<(String, Vec<u8>)>,
}

impl Signatures {
    /// An empty field.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse a field value (field lines already combined with `", "`). Parameters on a
    /// member are allowed by the grammar and ignored.
    pub fn parse(value: &str) -> Result<Self, SignatureFieldError> {
        let dict: sfv::Dictionary = sfv::Parser::new(value)
            .with_version(sfv::Version::Rfc8941)
            .parse()
            .map_err(|e| SignatureFieldError::syntax(SIGNATURE, &e))?;
        let mut members = Vec::with_capacity(dict.len());
        for (label, entry) in &dict {
            let err = |kind| SignatureFieldError {
                field: SIGNATURE,
                label: Some(label.as_str().to_string()),
                kind,
            };
            match entry {
                sfv::ListEntry::Item(sfv::Item {
                    bare_item: sfv::BareItem::ByteSequence(b),
                    ..
                }) => members.push((label.as_str().to_string(), b.clone())),
                sfv::ListEntry::Item(item) => {
                    return Err(err(SignatureFieldErrorKind::NotByteSequence(
                        bare_item_kind(&item.bare_item),
                    )))
                }
                sfv::ListEntry::InnerList(_) => {
                    return Err(err(SignatureFieldErrorKind::NotByteSequence(
                        "an Inner List",
                    )))
                }
            }
        }
        Ok(Signatures { members })
    }

    /// The signature bytes for `label`.
    pub fn get(&self, label: &str) -> Option<&[u8]> {
        self.members
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, b)| b.as_slice())
    }

    /// Labels in field order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(l, _)| l.as_str())
    }

    /// Set the member for `label`, replacing it in place or appending it.
    pub fn insert(&mut self, label: &str, signature: Vec<u8>) {
        match self.members.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 = signature,
            None => self.members.push((label.to_string(), signature)),
        }
    }

    /// The field value: `label=:base64:, ...`.
    pub fn serialize(&self) -> String {
        self.members
            .iter()
            .map(|(l, b)| {
                format!(
                    "{l}={}",
                    sf_bare_item(&sfv::BareItem::ByteSequence(b.clone()))
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_field_round_trips_and_rejects_non_bytes() {
        let v = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:";
        let s = Signatures::parse(v).expect("valid");
        assert_eq!(s.get("sig-b26").map(<[u8]>::len), Some(64));
        assert_eq!(s.serialize(), v);
        let e = Signatures::parse(r#"sig="abc""#).expect_err("string");
        assert_eq!(e.kind, SignatureFieldErrorKind::NotByteSequence("a String"));
        assert!(Signatures::parse("sig=:not base64!:").is_err());
    }
}
