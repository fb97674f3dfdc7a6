//! Token defects as data: one named deviation applied to an otherwise valid claim set and
//! header before signing (or instead of signing correctly).
//!
//! Negative cases, vectors and the fuzzer all describe a broken token the same way: a valid
//! baseline from [`TokenIssuer`] plus exactly one [`TokenDefect`]. Keeping the defect as a
//! value means a report can say which single thing was wrong, and the same defect can be
//! replayed against every profile and role.
//!
//! Defects that need a second key use [`stranger_key`], a fixed key no issuer publishes, so
//! results are reproducible.

use crate::jose::alg::Alg;
use crate::jose::claims::{TokenClaims, TokenIssuer, TokenKind};
use crate::jose::jwk::Jwk;
use crate::jose::jws::{self, HmacAlg};
use crate::jose::key::{PublicKey, SigningKey};
use serde_json::{Map, Value};

/// One deviation from a valid token.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenDefect {
    /// Header `typ` replaced.
    Typ(String),
    /// Header `typ` removed.
    TypMissing,
    /// `dwk` replaced.
    Dwk(String),
    /// `aud` replaced.
    Aud(String),
    /// `iss` replaced (the key is still looked up under the real issuer by the resolver the
    /// case configures).
    Iss(String),
    /// `exp` one second in the past (lifetime kept, so `iat` moves back too).
    Expired,
    /// `iat` this many seconds in the future (lifetime kept, so `exp` moves too).
    IatFuture(i64),
    /// `cnf.jwk` replaced by the stranger key (token bound to a key that did not sign).
    CnfOtherKey,
    /// `cnf` removed.
    CnfMissing,
    /// One member removed from `cnf.jwk` (e.g. `x`, `kty`, `crv`).
    CnfDrop(String),
    /// One member of `cnf.jwk` set to any value (e.g. `x` of 31 bytes, `kty` `oct`).
    CnfMember(String, Value),
    /// `cnf.jwk.alg` set to this value, or removed.
    JwkAlg(Option<String>),
    /// Header `alg` replaced; still signed with the issuer key.
    HeaderAlg(Alg),
    /// Header `kid` names no key in the issuer's JWKS.
    KidUnknown,
    /// Header `kid` removed.
    KidMissing,
    /// Signed with the stranger key under the issuer's `kid`.
    SignWithOtherKey,
    /// Unsecured: header `alg` `none`, empty signature.
    AlgNone,
    /// HS256 keyed with the issuer's public key bytes (key-confusion attack).
    Hs256WithPublicKey,
    /// A claim removed.
    RemoveClaim(String),
    /// A claim set to any value (added if absent).
    SetClaim(String, Value),
    /// A header member removed.
    RemoveHeader(String),
    /// A header member set to any value.
    SetHeader(String, Value),
}

/// The `kid` [`TokenDefect::KidUnknown`] uses.
pub const UNKNOWN_KID: &str = "zz-unknown-kid";

/// The fixed second key defects use: same algorithm as `alg`, published by nobody.
pub fn stranger_key(alg: &Alg) -> SigningKey {
    let alg = if *alg == Alg::ES256 {
        Alg::ES256
    } else {
        Alg::ED25519
    };
    match SigningKey::from_seed(&alg, [0xD3; 32]) {
        Some(k) => k,
        // Both algorithms above are implemented, so from_seed always succeeds.
        None => SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[0xD3; 32])),
    }
}

impl TokenDefect {
    /// A stable kebab-case name, for case IDs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            TokenDefect::Typ(_) => "typ",
            TokenDefect::TypMissing => "typ-missing",
            TokenDefect::Dwk(_) => "dwk",
            TokenDefect::Aud(_) => "aud",
            TokenDefect::Iss(_) => "iss",
            TokenDefect::Expired => "expired",
            TokenDefect::IatFuture(_) => "iat-future",
            TokenDefect::CnfOtherKey => "cnf-other-key",
            TokenDefect::CnfMissing => "cnf-missing",
            TokenDefect::CnfDrop(_) => "cnf-drop",
            TokenDefect::CnfMember(..) => "cnf-member",
            TokenDefect::JwkAlg(_) => "jwk-alg",
            TokenDefect::HeaderAlg(_) => "header-alg",
            TokenDefect::KidUnknown => "kid-unknown",
            TokenDefect::KidMissing => "kid-missing",
            TokenDefect::SignWithOtherKey => "sign-with-other-key",
            TokenDefect::AlgNone => "alg-none",
            TokenDefect::Hs256WithPublicKey => "hs256-with-public-key",
            TokenDefect::RemoveClaim(_) => "remove-claim",
            TokenDefect::SetClaim(..) => "set-claim",
            TokenDefect::RemoveHeader(_) => "remove-header",
            TokenDefect::SetHeader(..) => "set-header",
        }
    }

    /// One line saying what was done to the token.
    pub fn describe(&self) -> String {
        match self {
            TokenDefect::Typ(t) => format!("header typ set to {t:?}"),
            TokenDefect::TypMissing => "header typ removed".into(),
            TokenDefect::Dwk(d) => format!("dwk set to {d:?}"),
            TokenDefect::Aud(a) => format!("aud set to {a:?}"),
            TokenDefect::Iss(i) => format!("iss set to {i:?}"),
            TokenDefect::Expired => {
                "exp five minutes in the past (beyond any clock-skew leeway)".into()
            }
            TokenDefect::IatFuture(s) => format!("iat {s} s in the future"),
            TokenDefect::CnfOtherKey => "cnf.jwk is a key other than the signer's".into(),
            TokenDefect::CnfMissing => "cnf removed".into(),
            TokenDefect::CnfDrop(m) => format!("cnf.jwk member {m:?} removed"),
            TokenDefect::CnfMember(m, v) => format!("cnf.jwk member {m:?} set to {v}"),
            TokenDefect::JwkAlg(Some(a)) => format!("cnf.jwk alg set to {a:?}"),
            TokenDefect::JwkAlg(None) => "cnf.jwk alg removed".into(),
            TokenDefect::HeaderAlg(a) => format!("header alg set to {a:?}, signed as before"),
            TokenDefect::KidUnknown => format!("header kid set to unpublished {UNKNOWN_KID:?}"),
            TokenDefect::KidMissing => "header kid removed".into(),
            TokenDefect::SignWithOtherKey => "signed with a key the issuer does not publish".into(),
            TokenDefect::AlgNone => "unsigned, header alg none".into(),
            TokenDefect::Hs256WithPublicKey => {
                "HS256 MAC keyed with the issuer's public key bytes".into()
            }
            TokenDefect::RemoveClaim(c) => format!("claim {c:?} removed"),
            TokenDefect::SetClaim(c, v) => format!("claim {c:?} set to {v}"),
            TokenDefect::RemoveHeader(h) => format!("header member {h:?} removed"),
            TokenDefect::SetHeader(h, v) => format!("header member {h:?} set to {v}"),
        }
    }
}

/// The bytes [`TokenDefect::Hs256WithPublicKey`] uses as the MAC secret: the raw Ed25519 key,
/// or the uncompressed SEC1 point of a P-256 key.
pub fn public_key_bytes(key: &PublicKey) -> Vec<u8> {
    key.to_bytes()
}

fn int(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

fn lifetime(claims: &Map<String, Value>) -> i64 {
    match (int(claims, "iat"), int(claims, "exp")) {
        (Some(iat), Some(exp)) => exp.checked_sub(iat).filter(|l| *l > 0).unwrap_or(3600),
        _ => 3600,
    }
}

fn cnf_jwk_mut(claims: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    claims
        .get_mut("cnf")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.get_mut("jwk"))
        .and_then(Value::as_object_mut)
}

/// Sign `claims` as a `kind` token from `issuer`, with `defect` applied (None: a valid
/// token, unchecked). `now` anchors the time defects.
pub fn mint(
    issuer: &TokenIssuer,
    kind: TokenKind,
    claims: &Map<String, Value>,
    defect: Option<&TokenDefect>,
    now: i64,
) -> String {
    let mut header = issuer.header(kind);
    let mut claims = claims.clone();
    let Some(defect) = defect else {
        return issuer.sign_unchecked(&header, &claims);
    };
    match defect {
        TokenDefect::Typ(t) => header.set("typ", t.as_str()),
        TokenDefect::TypMissing => {
            header.remove("typ");
        }
        TokenDefect::Dwk(v) => {
            claims.insert("dwk".into(), v.as_str().into());
        }
        TokenDefect::Aud(v) => {
            claims.insert("aud".into(), v.as_str().into());
        }
        TokenDefect::Iss(v) => {
            claims.insert("iss".into(), v.as_str().into());
        }
        TokenDefect::Expired => {
            let life = lifetime(&claims);
            // Five minutes, not one second: an implementation's clock-skew leeway must not
            // decide whether an expired token is caught.
            let exp = now.saturating_sub(300);
            claims.insert("exp".into(), exp.into());
            claims.insert("iat".into(), exp.saturating_sub(life).into());
        }
        TokenDefect::IatFuture(s) => {
            let life = lifetime(&claims);
            let iat = now.saturating_add(*s);
            claims.insert("iat".into(), iat.into());
            claims.insert("exp".into(), iat.saturating_add(life).into());
        }
        TokenDefect::CnfOtherKey => {
            let jwk = cnf_jwk_mut(&mut claims);
            let alg = match jwk.as_ref().and_then(|j| j.get("kty")) {
                Some(Value::String(k)) if k == "EC" => Alg::ES256,
                _ => Alg::ED25519,
            };
            let other = stranger_key(&alg).public_key();
            let replacement = Jwk::for_profile(&other, issuer.profile, None).into_map();
            if let Some(jwk) = jwk {
                *jwk = replacement;
            }
        }
        TokenDefect::CnfMissing => {
            claims.shift_remove("cnf");
        }
        TokenDefect::CnfDrop(m) => {
            if let Some(jwk) = cnf_jwk_mut(&mut claims) {
                jwk.shift_remove(m);
            }
        }
        TokenDefect::CnfMember(m, v) => {
            if let Some(jwk) = cnf_jwk_mut(&mut claims) {
                jwk.insert(m.clone(), v.clone());
            }
        }
        TokenDefect::JwkAlg(alg) => {
            if let Some(jwk) = cnf_jwk_mut(&mut claims) {
                match alg {
                    Some(a) => {
                        jwk.insert("alg".into(), a.as_str().into());
                    }
                    None => {
                        jwk.shift_remove("alg");
                    }
                }
            }
        }
        TokenDefect::HeaderAlg(a) => header.set("alg", a.as_str()),
        TokenDefect::KidUnknown => header.set("kid", UNKNOWN_KID),
        TokenDefect::KidMissing => {
            header.remove("kid");
        }
        TokenDefect::SignWithOtherKey => {
            let payload = Value::Object(claims).to_string();
            return jws::sign_header(
                &header,
                payload.as_bytes(),
                &stranger_key(&issuer.key.alg()),
            );
        }
        TokenDefect::AlgNone => {
            let payload = Value::Object(claims).to_string();
            return jws::unsigned_none(&header, payload.as_bytes());
        }
        TokenDefect::Hs256WithPublicKey => {
            let payload = Value::Object(claims).to_string();
            let secret = public_key_bytes(&issuer.key.public_key());
            return jws::sign_hmac(HmacAlg::Hs256, &header, payload.as_bytes(), &secret);
        }
        TokenDefect::RemoveClaim(c) => {
            claims.shift_remove(c);
        }
        TokenDefect::SetClaim(c, v) => {
            claims.insert(c.clone(), v.clone());
        }
        TokenDefect::RemoveHeader(h) => {
            header.remove(h);
        }
        TokenDefect::SetHeader(h, v) => header.set(h, v.clone()),
    }
    issuer.sign_unchecked(&header, &claims)
}

/// [`mint`] from a typed claim set.
pub fn mint_defective<C: TokenClaims>(
    issuer: &TokenIssuer,
    claims: &C,
    defect: &TokenDefect,
    now: i64,
) -> String {
    mint(issuer, C::KIND, &claims.to_map(), Some(defect), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::claims::AgentClaims;
    use crate::profile::Profile;

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            SigningKey::from_seed(&Alg::ED25519, [1; 32]).unwrap(),
            "k1",
            Profile::Aauth11,
        )
    }

    fn claims() -> AgentClaims {
        let agent = SigningKey::from_seed(&Alg::ED25519, [2; 32])
            .unwrap()
            .public_key();
        AgentClaims::new(
            Profile::Aauth11,
            "https://ap.example",
            "aauth:a@ap.example",
            "j1",
            &agent,
            1000,
            4600,
        )
    }

    fn parts(token: &str) -> (Map<String, Value>, Map<String, Value>) {
        let d = jws::decode(token).unwrap();
        (d.header().members().clone(), d.payload_object().unwrap())
    }

    #[test]
    fn names_are_unique_and_descriptions_are_one_line() {
        let all = [
            TokenDefect::Typ("JWT".into()),
            TokenDefect::TypMissing,
            TokenDefect::Dwk("x".into()),
            TokenDefect::Aud("x".into()),
            TokenDefect::Iss("x".into()),
            TokenDefect::Expired,
            TokenDefect::IatFuture(600),
            TokenDefect::CnfOtherKey,
            TokenDefect::CnfMissing,
            TokenDefect::CnfDrop("x".into()),
            TokenDefect::CnfMember("x".into(), Value::Null),
            TokenDefect::JwkAlg(None),
            TokenDefect::HeaderAlg(Alg::EDDSA),
            TokenDefect::KidUnknown,
            TokenDefect::KidMissing,
            TokenDefect::SignWithOtherKey,
            TokenDefect::AlgNone,
            TokenDefect::Hs256WithPublicKey,
            TokenDefect::RemoveClaim("x".into()),
            TokenDefect::SetClaim("x".into(), Value::Null),
            TokenDefect::RemoveHeader("x".into()),
            TokenDefect::SetHeader("x".into(), Value::Null),
        ];
        let mut names: Vec<_> = all.iter().map(TokenDefect::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for d in &all {
            let text = d.describe();
            assert!(!text.is_empty() && !text.contains('\n'), "{d:?}");
        }
    }

    #[test]
    fn each_defect_changes_only_its_target() {
        let iss = issuer();
        let base = mint(&iss, TokenKind::Agent, &claims().to_map(), None, 2000);
        let (bh, bc) = parts(&base);

        let (h, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::Typ("JWT".into()),
            2000,
        ));
        assert_eq!(h.get("typ"), Some(&Value::from("JWT")));
        assert_eq!(c, bc);

        let (h, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::Expired,
            2000,
        ));
        assert_eq!(h, bh);
        assert_eq!(c.get("exp"), Some(&Value::from(1700)));
        assert_eq!(c.get("iat"), Some(&Value::from(1700 - 3600)));

        let (_, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::IatFuture(600),
            2000,
        ));
        assert_eq!(c.get("iat"), Some(&Value::from(2600)));
        assert_eq!(c.get("exp"), Some(&Value::from(6200)));

        let (_, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::CnfDrop("x".into()),
            2000,
        ));
        let jwk = c["cnf"]["jwk"].as_object().unwrap();
        assert!(!jwk.contains_key("x") && jwk.contains_key("kty"));

        let (_, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::JwkAlg(None),
            2000,
        ));
        assert!(!c["cnf"]["jwk"].as_object().unwrap().contains_key("alg"));

        let (_, c) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::CnfOtherKey,
            2000,
        ));
        assert_ne!(c["cnf"], bc["cnf"]);
        assert_eq!(
            c["cnf"]["jwk"]["x"],
            Value::from(crate::jose::b64::encode(public_key_bytes(
                &stranger_key(&Alg::ED25519).public_key()
            )))
        );

        let (h, _) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::KidUnknown,
            2000,
        ));
        assert_eq!(h.get("kid"), Some(&Value::from(UNKNOWN_KID)));

        let (h, _) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::AlgNone,
            2000,
        ));
        assert_eq!(h.get("alg"), Some(&Value::from("none")));
        let (h, _) = parts(&mint_defective(
            &iss,
            &claims(),
            &TokenDefect::Hs256WithPublicKey,
            2000,
        ));
        assert_eq!(h.get("alg"), Some(&Value::from("HS256")));
    }
}
