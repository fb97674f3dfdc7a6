//! `Signature-Key` (HTTP Signature Keys -08 §3): a Dictionary from signature label to the
//! scheme that conveys the verification key, with the key material as parameters.
//!
//! Parsing is two-stage on purpose. [`SignatureKey::parse`] only checks RFC 9651 syntax and
//! keeps every member and parameter as received, plus the raw field value (the signature
//! base covers `signature-key` as sent, so the bytes matter). [`SignatureKey::select`] then
//! reads the one member a verifier is checking: a known scheme has its required parameters
//! checked and typed; an unknown scheme comes back as [`KeyScheme::Unknown`], so the verifier
//! answers `unsupported_scheme`. Other members are never looked at, so a member with an
//! unknown scheme or odd parameters cannot make selection fail (SK §3).

use std::borrow::Cow;
use std::fmt;

use super::error::WireError;
use super::sf::{self, Params};
use crate::jose::Alg;

/// The header name.
pub const FIELD: &str = "Signature-Key";

/// A `Signature-Key` scheme token, open so unregistered values survive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scheme(Cow<'static, str>);

impl Scheme {
    /// JWT whose `cnf.jwk` is the signing key; the only scheme AAuth agents use.
    pub const JWT: Self = Self(Cow::Borrowed("jwt"));
    /// Self-issued delegation JWT with the identity key in its header.
    pub const JKT_JWT: Self = Self(Cow::Borrowed("jkt-jwt"));
    /// Identity + metadata document name + `kid`; servers signing as themselves.
    pub const JWKS_URI: Self = Self(Cow::Borrowed("jwks_uri"));
    /// A JWKS URL that is also the signer's identity.
    pub const JWKS: Self = Self(Cow::Borrowed("jwks"));
    /// Inline public key.
    pub const HWK: Self = Self(Cow::Borrowed("hwk"));
    /// JWT signed by the same key that signs the request (Events).
    pub const SELF_JWT: Self = Self(Cow::Borrowed("self-jwt"));
    /// Certificate chain URL plus thumbprint.
    pub const X509: Self = Self(Cow::Borrowed("x509"));
    /// Reference to an assertion the verifier cached (SK-08 strawman).
    pub const CACHED: Self = Self(Cow::Borrowed("cached"));

    /// Every scheme SK-08 registers.
    pub const REGISTERED: [Scheme; 8] = [
        Self::JWT,
        Self::JKT_JWT,
        Self::JWKS_URI,
        Self::JWKS,
        Self::HWK,
        Self::SELF_JWT,
        Self::X509,
        Self::CACHED,
    ];

    /// Any scheme, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the eight SK-08 schemes (case-sensitive).
    pub fn is_registered(&self) -> bool {
        Self::REGISTERED.contains(self)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Scheme {
    fn from(s: &str) -> Self {
        Scheme::new(s)
    }
}

/// An inline key (`hwk`). Shape checked per `kty`; `alg` is optional here because its absence
/// is a different error (`unsupported_algorithm`) from a malformed key (`invalid_key`), and
/// the legacy profile sent none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HwkKey {
    /// `OKP`, `EC`, `RSA`, or anything else (kept; the verifier answers unsupported).
    pub kty: String,
    /// Curve, for OKP and EC.
    pub crv: Option<String>,
    /// Public value (OKP) or x coordinate (EC).
    pub x: Option<String>,
    /// y coordinate (EC).
    pub y: Option<String>,
    /// Modulus (RSA).
    pub n: Option<String>,
    /// Exponent (RSA).
    pub e: Option<String>,
    /// Fully-specified algorithm, REQUIRED from SK-08 on.
    pub alg: Option<Alg>,
}

/// The typed content of one member, by scheme.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyScheme {
    /// `jwt`: `jwt` String, optional `cache` Boolean.
    Jwt {
        /// Compact JWS.
        jwt: String,
        /// `cache` flag as sent (`Some(true)` for bare `cache`).
        cache: Option<bool>,
    },
    /// `jkt-jwt`: `jwt` String, optional `cache` Boolean.
    JktJwt {
        /// Compact JWS with `jwk` in its header.
        jwt: String,
        /// `cache` flag as sent.
        cache: Option<bool>,
    },
    /// `jwks_uri`: `id`, `dwk`, `kid` Strings.
    JwksUri {
        /// Signer identifier (HTTPS URL).
        id: String,
        /// Metadata document name under `/.well-known/`.
        dwk: String,
        /// Key id in the JWKS.
        kid: String,
    },
    /// `jwks`: `url`, `kid` Strings.
    Jwks {
        /// JWKS URL and identity.
        url: String,
        /// Key id.
        kid: String,
    },
    /// `hwk`: inline JWK members.
    Hwk(HwkKey),
    /// `self-jwt`: `jwt` String.
    SelfJwt {
        /// Compact JWS.
        jwt: String,
    },
    /// `x509`: `x5u` String, `x5t` Byte Sequence.
    X509 {
        /// PEM chain URL.
        x5u: String,
        /// SHA-256 of the DER leaf.
        x5t: Vec<u8>,
    },
    /// `cached`: `cid` String.
    Cached {
        /// Cache identifier.
        cid: String,
    },
    /// A scheme SK-08 does not register (or not in this case), with its parameters as sent.
    Unknown {
        /// The scheme token.
        scheme: Scheme,
        /// All parameters.
        params: sfv::Parameters,
    },
}

impl KeyScheme {
    /// The scheme token this content belongs to.
    pub fn scheme(&self) -> Scheme {
        match self {
            KeyScheme::Jwt { .. } => Scheme::JWT,
            KeyScheme::JktJwt { .. } => Scheme::JKT_JWT,
            KeyScheme::JwksUri { .. } => Scheme::JWKS_URI,
            KeyScheme::Jwks { .. } => Scheme::JWKS,
            KeyScheme::Hwk(_) => Scheme::HWK,
            KeyScheme::SelfJwt { .. } => Scheme::SELF_JWT,
            KeyScheme::X509 { .. } => Scheme::X509,
            KeyScheme::Cached { .. } => Scheme::CACHED,
            KeyScheme::Unknown { scheme, .. } => scheme.clone(),
        }
    }

    /// The JWT carried by `jwt`, `jkt-jwt` and `self-jwt`.
    pub fn jwt(&self) -> Option<&str> {
        match self {
            KeyScheme::Jwt { jwt, .. }
            | KeyScheme::JktJwt { jwt, .. }
            | KeyScheme::SelfJwt { jwt } => Some(jwt),
            _ => None,
        }
    }

    /// Reads a member's parameters for `scheme`, checking the scheme's required parameters.
    pub fn from_params(
        label: &str,
        scheme: Scheme,
        params: &sfv::Parameters,
    ) -> Result<Self, WireError> {
        let p = Params::new(FIELD, label, params);
        let s = |v: &str| v.to_string();
        Ok(match scheme.as_str() {
            "jwt" => KeyScheme::Jwt {
                jwt: s(p.require_string("jwt")?),
                cache: p.boolean("cache")?,
            },
            "jkt-jwt" => KeyScheme::JktJwt {
                jwt: s(p.require_string("jwt")?),
                cache: p.boolean("cache")?,
            },
            "jwks_uri" => KeyScheme::JwksUri {
                id: s(p.require_string("id")?),
                dwk: s(p.require_string("dwk")?),
                kid: s(p.require_string("kid")?),
            },
            "jwks" => KeyScheme::Jwks {
                url: s(p.require_string("url")?),
                kid: s(p.require_string("kid")?),
            },
            "hwk" => KeyScheme::Hwk(hwk_from_params(&p)?),
            "self-jwt" => KeyScheme::SelfJwt {
                jwt: s(p.require_string("jwt")?),
            },
            "x509" => KeyScheme::X509 {
                x5u: s(p.require_string("x5u")?),
                x5t: p.require_bytes("x5t")?.to_vec(),
            },
            "cached" => KeyScheme::Cached {
                cid: s(p.require_string("cid")?),
            },
            _ => KeyScheme::Unknown {
                scheme,
                params: params.clone(),
            },
        })
    }

    /// The parameters this content serializes to, in the order SK-08 lists them.
    pub fn to_params(&self) -> Result<sfv::Parameters, WireError> {
        let mut out = sfv::Parameters::new();
        let put_str = |out: &mut sfv::Parameters, k: &str, v: &str| -> Result<(), WireError> {
            out.insert(sf::key(FIELD, k)?, sf::string_item(FIELD, k, v)?);
            Ok(())
        };
        match self {
            KeyScheme::Jwt { jwt, cache } | KeyScheme::JktJwt { jwt, cache } => {
                put_str(&mut out, "jwt", jwt)?;
                if let Some(c) = cache {
                    out.insert(sf::key(FIELD, "cache")?, sfv::BareItem::Boolean(*c));
                }
            }
            KeyScheme::JwksUri { id, dwk, kid } => {
                put_str(&mut out, "id", id)?;
                put_str(&mut out, "dwk", dwk)?;
                put_str(&mut out, "kid", kid)?;
            }
            KeyScheme::Jwks { url, kid } => {
                put_str(&mut out, "url", url)?;
                put_str(&mut out, "kid", kid)?;
            }
            KeyScheme::Hwk(k) => {
                put_str(&mut out, "kty", &k.kty)?;
                for (name, v) in [
                    ("crv", &k.crv),
                    ("x", &k.x),
                    ("y", &k.y),
                    ("n", &k.n),
                    ("e", &k.e),
                ] {
                    if let Some(v) = v {
                        put_str(&mut out, name, v)?;
                    }
                }
                if let Some(a) = &k.alg {
                    put_str(&mut out, "alg", a.as_str())?;
                }
            }
            KeyScheme::SelfJwt { jwt } => put_str(&mut out, "jwt", jwt)?,
            KeyScheme::X509 { x5u, x5t } => {
                put_str(&mut out, "x5u", x5u)?;
                out.insert(
                    sf::key(FIELD, "x5t")?,
                    sfv::BareItem::ByteSequence(x5t.clone()),
                );
            }
            KeyScheme::Cached { cid } => put_str(&mut out, "cid", cid)?,
            KeyScheme::Unknown { params, .. } => out = params.clone(),
        }
        Ok(out)
    }
}

fn hwk_from_params(p: &Params<'_>) -> Result<HwkKey, WireError> {
    p.forbid("kid")?;
    let kty = p.require_string("kty")?.to_string();
    let opt =
        |n: &str| -> Result<Option<String>, WireError> { Ok(p.string(n)?.map(str::to_string)) };
    let key = HwkKey {
        crv: opt("crv")?,
        x: opt("x")?,
        y: opt("y")?,
        n: opt("n")?,
        e: opt("e")?,
        alg: p.string("alg")?.map(Alg::new),
        kty,
    };
    let required: &[&str] = match key.kty.as_str() {
        "OKP" => &["crv", "x"],
        "EC" => &["crv", "x", "y"],
        "RSA" => &["n", "e"],
        _ => &[],
    };
    for name in required {
        p.require_string(name)?;
    }
    Ok(key)
}

/// One member of a parsed `Signature-Key`, as received.
#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    /// The label.
    pub label: &'a str,
    /// The member value and parameters.
    pub entry: &'a sfv::ListEntry,
}

impl<'a> Member<'a> {
    /// The scheme token, or a wire error when the member value is not a Token.
    pub fn scheme(&self) -> Result<Scheme, WireError> {
        match self.entry {
            sfv::ListEntry::Item(sfv::Item {
                bare_item: sfv::BareItem::Token(t),
                ..
            }) => Ok(Scheme::new(t.as_str())),
            other => Err(WireError::wrong_type(
                FIELD,
                self.label,
                "a Token naming the scheme",
                sf::entry_type_name(other),
            )
            .at(self.label.to_string())),
        }
    }

    /// The member's parameters (none for an inner list).
    pub fn params(&self) -> Option<&'a sfv::Parameters> {
        match self.entry {
            sfv::ListEntry::Item(i) => Some(&i.params),
            sfv::ListEntry::InnerList(_) => None,
        }
    }

    /// The typed content, with the scheme's required parameters checked.
    pub fn typed(&self) -> Result<KeyScheme, WireError> {
        let scheme = self.scheme()?;
        let params = self
            .params()
            .ok_or_else(|| WireError::wrong_type(FIELD, self.label, "a Token", "an Inner List"))?;
        KeyScheme::from_params(self.label, scheme, params)
    }
}

/// A `Signature-Key` field: ordered label → member, plus the raw value as received.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureKey {
    raw: String,
    members: sfv::Dictionary,
    duplicates: Vec<String>,
}

impl SignatureKey {
    /// Parses a field value: RFC 9651 syntax only, members kept as received. Empty is an
    /// error (a present but empty `Signature-Key` names no key).
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let input = input.as_ref();
        let (members, duplicates) = sf::parse_dictionary_noting_duplicates(FIELD, input)?;
        if members.is_empty() {
            return Err(WireError::empty(FIELD));
        }
        Ok(SignatureKey {
            raw: match std::str::from_utf8(input) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(input).into_owned(),
            },
            duplicates,
            members,
        })
    }

    /// A single `jwt` member: `label=jwt;jwt="<token>"`, the AAuth agent form.
    pub fn jwt(label: &str, token: &str) -> Result<Self, WireError> {
        Self::from_members([(
            label,
            KeyScheme::Jwt {
                jwt: token.to_string(),
                cache: None,
            },
        )])
    }

    /// Builds a field from typed members in order.
    pub fn from_members<'l>(
        members: impl IntoIterator<Item = (&'l str, KeyScheme)>,
    ) -> Result<Self, WireError> {
        let mut dict = sfv::Dictionary::new();
        for (label, scheme) in members {
            let token = sf::token_item(FIELD, label, scheme.scheme().as_str())?;
            let params = scheme.to_params()?;
            dict.insert(
                sf::key(FIELD, label)?,
                sfv::ListEntry::Item(sfv::Item::with_params(token, params)),
            );
        }
        Ok(Self::from_dictionary(dict))
    }

    /// Wraps an already-built dictionary (e.g. with extra parameters added).
    pub fn from_dictionary(members: sfv::Dictionary) -> Self {
        SignatureKey {
            raw: sf::serialize_dictionary(&members),
            members,
            duplicates: Vec::new(),
        }
    }

    /// The field value exactly as received (or as serialized, when built).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Canonical serialization of the members.
    pub fn serialize(&self) -> String {
        sf::serialize_dictionary(&self.members)
    }

    /// The parsed dictionary.
    pub fn dictionary(&self) -> &sfv::Dictionary {
        &self.members
    }

    /// Labels in order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(|k| k.as_str())
    }

    /// Labels that appeared more than once in the received value (RFC 9651 keeps the last).
    pub fn duplicate_labels(&self) -> &[String] {
        &self.duplicates
    }

    /// The member for `label`, if any, untyped.
    pub fn member(&self, label: &str) -> Option<Member<'_>> {
        let key = sfv::KeyRef::from_str(label).ok()?;
        let (k, entry) = self.members.get_key_value(key)?;
        Some(Member {
            label: k.as_str(),
            entry,
        })
    }

    /// Every member, untyped, in order.
    pub fn members(&self) -> impl Iterator<Item = Member<'_>> {
        self.members.iter().map(|(k, entry)| Member {
            label: k.as_str(),
            entry,
        })
    }

    /// The typed content of the member for `label`: `Missing` when the label has no member,
    /// a typed error when a known scheme's parameters are wrong, [`KeyScheme::Unknown`] for
    /// an unknown scheme. Other members are not examined.
    pub fn select(&self, label: &str) -> Result<KeyScheme, WireError> {
        self.member(label)
            .ok_or_else(|| WireError::missing(FIELD, label).at(label.to_string()))?
            .typed()
    }
}

impl fmt::Display for SignatureKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Fuzzing entry point: parse, then select every label. Never panics.
pub fn fuzz_parse(input: &[u8]) {
    if let Ok(sk) = SignatureKey::parse(input) {
        let labels: Vec<String> = sk.labels().map(str::to_string).collect();
        for l in labels {
            let _ = sk.select(&l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::error::WireErrorKind;
    use proptest::prelude::*;

    #[test]
    fn parses_the_aauth_agent_form() {
        let raw = r#"sig=jwt;jwt="eyJ.eyJ.sig""#;
        let sk = SignatureKey::parse(raw).unwrap();
        assert_eq!(sk.raw(), raw);
        assert_eq!(
            sk.select("sig").unwrap(),
            KeyScheme::Jwt {
                jwt: "eyJ.eyJ.sig".into(),
                cache: None
            }
        );
        assert_eq!(SignatureKey::jwt("sig", "eyJ.eyJ.sig").unwrap().raw(), raw);
    }

    #[test]
    fn raw_value_is_kept_verbatim() {
        let raw = r#"sig=jwt; jwt="a.b.c" "#;
        let sk = SignatureKey::parse(raw).unwrap();
        assert_eq!(sk.raw(), raw);
        assert_eq!(sk.serialize(), r#"sig=jwt;jwt="a.b.c""#);
    }

    #[test]
    fn every_registered_scheme_parses() {
        let raw = concat!(
            r#"a=jwt;jwt="t";cache, "#,
            r#"b=jkt-jwt;jwt="t", "#,
            r#"c=jwks_uri;id="https://ps.example";dwk="aauth-person.json";kid="k1", "#,
            r#"d=jwks;url="https://c.example/keys.jwks";kid="k1", "#,
            r#"e=hwk;kty="OKP";crv="Ed25519";x="JrQ";alg="Ed25519", "#,
            r#"f=self-jwt;jwt="t", "#,
            r#"g=x509;x5u="https://c.example/cert.pem";x5t=:AQID:, "#,
            r#"h=cached;cid="2f9c""#
        );
        let sk = SignatureKey::parse(raw).unwrap();
        let schemes: Vec<Scheme> = sk.members().map(|m| m.scheme().unwrap()).collect();
        assert_eq!(schemes, Scheme::REGISTERED);
        assert_eq!(
            sk.select("a").unwrap(),
            KeyScheme::Jwt {
                jwt: "t".into(),
                cache: Some(true)
            }
        );
        assert_eq!(
            sk.select("c").unwrap(),
            KeyScheme::JwksUri {
                id: "https://ps.example".into(),
                dwk: "aauth-person.json".into(),
                kid: "k1".into()
            }
        );
        let KeyScheme::Hwk(k) = sk.select("e").unwrap() else {
            panic!()
        };
        assert_eq!(k.alg, Some(Alg::ED25519));
        assert_eq!(
            sk.select("g").unwrap(),
            KeyScheme::X509 {
                x5u: "https://c.example/cert.pem".into(),
                x5t: vec![1, 2, 3]
            }
        );
        for l in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            let typed = sk.select(l).unwrap();
            let rebuilt = SignatureKey::from_members([(l, typed.clone())]).unwrap();
            assert_eq!(rebuilt.select(l).unwrap(), typed);
        }
        assert_eq!(
            SignatureKey::parse(sk.serialize()).unwrap().serialize(),
            raw
        );
    }

    #[test]
    fn required_parameters_are_checked() {
        let missing = |raw: &str, name: &str| {
            let e = SignatureKey::parse(raw).unwrap().select("sig").unwrap_err();
            assert!(
                matches!(e.kind, WireErrorKind::Missing(ref n) if n == name),
                "{raw}: {e}"
            );
        };
        missing("sig=jwt", "jwt");
        missing(r#"sig=jwks_uri;id="https://a.example";kid="k""#, "dwk");
        missing(r#"sig=jwks;url="https://a.example/k""#, "kid");
        missing(r#"sig=hwk;kty="OKP";x="a""#, "crv");
        missing(r#"sig=hwk;kty="EC";crv="P-256";x="a""#, "y");
        missing(r#"sig=hwk;kty="RSA";n="a""#, "e");
        missing(r#"sig=x509;x5u="https://a.example/c""#, "x5t");
        missing("sig=cached", "cid");
        missing("sig=self-jwt", "jwt");
        missing(r#"sig=hwk;crv="Ed25519""#, "kty");
    }

    #[test]
    fn wrong_types_and_forbidden_kid() {
        let sel = |raw: &str| SignatureKey::parse(raw).unwrap().select("sig");
        let e = sel("sig=jwt;jwt=abc").unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a Token",
                ..
            }
        ));
        let e = sel(r#"sig=jwt;jwt="a";cache="yes""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                expected: "a Boolean",
                ..
            }
        ));
        let e = sel(r#"sig=x509;x5u="u";x5t="AQID""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                expected: "a Byte Sequence",
                ..
            }
        ));
        let e = sel(r#"sig=hwk;kty="OKP";crv="Ed25519";x="a";alg="Ed25519";kid="k""#).unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Forbidden("kid".into()));
        let e = sel(r#"sig="jwt";jwt="a""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a String",
                ..
            }
        ));
        let e = sel(r#"sig=("jwt")"#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "an Inner List",
                ..
            }
        ));
        // hwk without alg parses: the verifier answers unsupported_algorithm.
        let KeyScheme::Hwk(k) = sel(r#"sig=hwk;kty="OKP";crv="Ed25519";x="a""#).unwrap() else {
            panic!()
        };
        assert_eq!(k.alg, None);
    }

    #[test]
    fn unknown_scheme_is_kept_and_does_not_block_other_labels() {
        let raw = r#"sig=jwt;jwt="a.b.c", other=future-scheme;blob=:AAA=:;n=1, bad=("x")"#;
        let sk = SignatureKey::parse(raw).unwrap();
        assert!(sk.select("sig").is_ok());
        let KeyScheme::Unknown { scheme, params } = sk.select("other").unwrap() else {
            panic!()
        };
        assert_eq!(scheme.as_str(), "future-scheme");
        assert!(!scheme.is_registered());
        assert_eq!(params.len(), 2);
        // unknown params on a known scheme are kept in the dictionary
        let sk = SignatureKey::parse(r#"sig=jwt;jwt="a";future=?0"#).unwrap();
        assert!(sk.select("sig").is_ok());
        assert_eq!(sk.serialize(), r#"sig=jwt;jwt="a";future=?0"#);
        // case matters
        let sk = SignatureKey::parse(r#"sig=JWT;jwt="a""#).unwrap();
        assert!(matches!(
            sk.select("sig").unwrap(),
            KeyScheme::Unknown { .. }
        ));
    }

    #[test]
    fn missing_label_and_syntax_errors() {
        let sk = SignatureKey::parse(r#"sig1=jwt;jwt="a""#).unwrap();
        let e = sk.select("sig").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("sig".into()));
        let e = SignatureKey::parse(r#"Sig=jwt;jwt="a""#).unwrap_err();
        assert_eq!(e.offset, Some(0));
        assert!(e.is_syntax());
        let e = SignatureKey::parse(r#"sig=jwt;jwt="a"#).unwrap_err();
        assert!(e.is_syntax());
        assert_eq!(
            SignatureKey::parse("").unwrap_err().kind,
            WireErrorKind::Empty
        );
    }

    #[test]
    fn duplicate_labels_are_reported_last_wins() {
        let sk = SignatureKey::parse(r#"sig=jwt;jwt="a", sig=jwt;jwt="b""#).unwrap();
        assert_eq!(sk.duplicate_labels(), ["sig".to_string()]);
        assert_eq!(sk.select("sig").unwrap().jwt(), Some("b"));
    }

    #[test]
    fn builder_rejects_unrepresentable_values() {
        assert!(SignatureKey::jwt("Sig", "a").is_err());
        assert!(SignatureKey::jwt("sig", "é").is_err());
    }

    fn jwt_chars() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_.-]{1,40}"
    }

    fn any_scheme() -> impl Strategy<Value = KeyScheme> {
        let s = || "[ -~]{0,20}";
        prop_oneof![
            (jwt_chars(), proptest::option::of(any::<bool>()))
                .prop_map(|(jwt, cache)| KeyScheme::Jwt { jwt, cache }),
            (jwt_chars(), proptest::option::of(any::<bool>()))
                .prop_map(|(jwt, cache)| KeyScheme::JktJwt { jwt, cache }),
            (s(), s(), s()).prop_map(|(id, dwk, kid)| KeyScheme::JwksUri { id, dwk, kid }),
            (s(), s()).prop_map(|(url, kid)| KeyScheme::Jwks { url, kid }),
            (s(), s(), proptest::option::of(s())).prop_map(|(crv, x, alg)| KeyScheme::Hwk(
                HwkKey {
                    kty: "OKP".into(),
                    crv: Some(crv),
                    x: Some(x),
                    y: None,
                    n: None,
                    e: None,
                    alg: alg.map(Alg::new),
                }
            )),
            jwt_chars().prop_map(|jwt| KeyScheme::SelfJwt { jwt }),
            (s(), proptest::collection::vec(any::<u8>(), 0..40))
                .prop_map(|(x5u, x5t)| KeyScheme::X509 { x5u, x5t }),
            s().prop_map(|cid| KeyScheme::Cached { cid }),
        ]
    }

    proptest! {
        #[test]
        fn typed_round_trip(
            members in proptest::collection::vec(("[a-z*][a-z0-9_.*-]{0,8}", any_scheme()), 1..4)
        ) {
            let refs: Vec<(&str, KeyScheme)> =
                members.iter().map(|(l, s)| (l.as_str(), s.clone())).collect();
            let sk = SignatureKey::from_members(refs).unwrap();
            let reparsed = SignatureKey::parse(sk.serialize()).unwrap();
            prop_assert_eq!(reparsed.serialize(), sk.serialize());
            for label in sk.labels() {
                prop_assert_eq!(reparsed.select(label).unwrap(), sk.select(label).unwrap());
            }
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            fuzz_parse(&input);
        }
    }
}
