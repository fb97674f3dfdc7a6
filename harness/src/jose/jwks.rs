//! JWK Sets as issuers publish them at `jwks_uri`, and key selection by `kid`.
//!
//! AAuth verifiers pick one member by the JWT header `kid` and must not fail because some
//! other member is unusable (TOK-011: a set may mix in ML-DSA keys, RSA keys, or garbage). So
//! parsing only requires the document shape (`{"keys": [...]}`); members are kept as raw JSON
//! and judged one at a time when selected. The outcome of a selection says which of three
//! things happened, because a verifier answers them differently: found (verify), `kid` absent
//! (`unknown_key`, after one refresh), `kid` present but unusable (the key's own error:
//! `unsupported_algorithm` or `invalid_key`).

use crate::jose::jwk::{Jwk, JwkError, JwkRules};
use crate::jose::key::PublicKey;
use serde_json::{Map, Value};

/// A parsed JWKS: the whole document, other top-level members included.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Jwks {
    keys: Vec<Value>,
    others: Map<String, Value>,
}

/// The document is not a JWKS.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    /// Not JSON.
    #[error("JWKS is not valid JSON: {0}")]
    NotJson(String),
    /// JSON but not an object.
    #[error("JWKS is not a JSON object")]
    NotObject,
    /// No `keys` member.
    #[error("JWKS has no \"keys\" member")]
    KeysMissing,
    /// `keys` is not an array.
    #[error("JWKS \"keys\" is not an array")]
    KeysNotArray,
}

/// What selecting a key by `kid` found.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySelection {
    /// A usable key with that `kid`.
    Found {
        /// The decoded key.
        key: PublicKey,
        /// The member it came from.
        jwk: Jwk,
    },
    /// No member carries that `kid`.
    KidAbsent,
    /// Members carry that `kid`, but none is usable; the first one's reason is given.
    Unusable {
        /// The first member with that `kid`.
        jwk: Jwk,
        /// Why it cannot be used.
        error: JwkError,
    },
}

impl Jwks {
    /// Parse a JWKS document.
    pub fn parse(json: &str) -> Result<Self, JwksError> {
        let v: Value = serde_json::from_str(json).map_err(|e| JwksError::NotJson(e.to_string()))?;
        Self::from_value(v)
    }

    /// A JWKS from an already-parsed JSON value.
    pub fn from_value(v: Value) -> Result<Self, JwksError> {
        let Value::Object(mut others) = v else {
            return Err(JwksError::NotObject);
        };
        match others.shift_remove("keys") {
            Some(Value::Array(keys)) => Ok(Jwks { keys, others }),
            Some(_) => Err(JwksError::KeysNotArray),
            None => Err(JwksError::KeysMissing),
        }
    }

    /// A JWKS holding these keys, in order.
    pub fn from_keys(keys: impl IntoIterator<Item = Jwk>) -> Self {
        Jwks {
            keys: keys.into_iter().map(|k| k.to_value()).collect(),
            others: Map::new(),
        }
    }

    /// Append any member, even one that is not a JWK (for sets that mix in garbage).
    pub fn push_raw(&mut self, member: Value) {
        self.keys.push(member);
    }

    /// Append a JWK.
    pub fn push(&mut self, jwk: Jwk) {
        self.keys.push(jwk.to_value());
    }

    /// Every member of `keys`, as received.
    pub fn entries(&self) -> &[Value] {
        &self.keys
    }

    /// The members of `keys` that are JSON objects.
    pub fn jwks(&self) -> impl Iterator<Item = Jwk> + '_ {
        self.keys
            .iter()
            .filter_map(|v| v.as_object().map(|m| Jwk::from_map(m.clone())))
    }

    /// Top-level members other than `keys`.
    pub fn other_members(&self) -> &Map<String, Value> {
        &self.others
    }

    /// The document as JSON text (`keys` first, then the other members).
    pub fn to_json(&self) -> String {
        let mut m = Map::new();
        m.insert("keys".into(), Value::Array(self.keys.clone()));
        for (k, v) in &self.others {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m).to_string()
    }

    /// Select the key named `kid`. Members without that `kid` are never examined, so their
    /// problems cannot fail the selection. When several members share the `kid`, the first
    /// usable one wins.
    pub fn select(&self, kid: &str, rules: JwkRules) -> KeySelection {
        let mut first_error: Option<(Jwk, JwkError)> = None;
        for jwk in self.jwks().filter(|j| j.kid() == Some(kid)) {
            match jwk.to_public_key(rules) {
                Ok(key) => return KeySelection::Found { key, jwk },
                Err(error) => {
                    if first_error.is_none() {
                        first_error = Some((jwk, error));
                    }
                }
            }
        }
        match first_error {
            Some((jwk, error)) => KeySelection::Unusable { jwk, error },
            None => KeySelection::KidAbsent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::{Alg, SigningKey};
    use serde_json::json;

    fn good() -> (PublicKey, Jwk) {
        let pk = SigningKey::from_seed(&Alg::ED25519, [3; 32])
            .unwrap()
            .public_key();
        let jwk = Jwk::from_public(&pk, Some("good"));
        (pk, jwk)
    }

    #[test]
    fn selects_by_kid_among_unusable_and_garbage_members() {
        let (pk, jwk) = good();
        let mut set = Jwks::default();
        set.push_raw(json!({"kty":"AKP","alg":"ML-DSA-65","kid":"pq","pub":"AAAA"}));
        set.push_raw(json!("garbage"));
        set.push_raw(json!(42));
        set.push_raw(json!({"kid": 7}));
        set.push(jwk.clone());
        let parsed = Jwks::parse(&set.to_json()).unwrap();
        assert_eq!(
            parsed.select("good", JwkRules::FULLY_SPECIFIED),
            KeySelection::Found { key: pk, jwk }
        );
        assert_eq!(
            parsed.select("nope", JwkRules::FULLY_SPECIFIED),
            KeySelection::KidAbsent
        );
        match parsed.select("pq", JwkRules::FULLY_SPECIFIED) {
            KeySelection::Unusable { error, .. } => {
                assert_eq!(error, JwkError::UnimplementedKty("AKP".into()))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selected_key_without_alg_is_unusable() {
        let (_, mut jwk) = good();
        jwk.remove("alg");
        let set = Jwks::from_keys([jwk]);
        assert!(matches!(
            set.select("good", JwkRules::FULLY_SPECIFIED),
            KeySelection::Unusable {
                error: JwkError::AlgMissing,
                ..
            }
        ));
        assert!(matches!(
            set.select("good", JwkRules::LEGACY),
            KeySelection::Found { .. }
        ));
    }

    #[test]
    fn a_usable_duplicate_kid_wins_over_an_unusable_one() {
        let (pk, jwk) = good();
        let mut broken = jwk.clone();
        broken.set("alg", "EdDSA");
        let set = Jwks::from_keys([broken, jwk]);
        assert!(
            matches!(set.select("good", JwkRules::FULLY_SPECIFIED), KeySelection::Found { key, .. } if key == pk)
        );
    }

    #[test]
    fn document_shape_errors_are_typed_and_other_members_kept() {
        assert_eq!(Jwks::parse("[]"), Err(JwksError::NotObject));
        assert_eq!(Jwks::parse("{}"), Err(JwksError::KeysMissing));
        assert_eq!(Jwks::parse(r#"{"keys":{}}"#), Err(JwksError::KeysNotArray));
        assert!(matches!(Jwks::parse("{"), Err(JwksError::NotJson(_))));
        let set = Jwks::parse(r#"{"keys":[],"x-note":"hi"}"#).unwrap();
        assert_eq!(set.other_members().get("x-note"), Some(&json!("hi")));
        assert_eq!(set.to_json(), r#"{"keys":[],"x-note":"hi"}"#);
    }
}
