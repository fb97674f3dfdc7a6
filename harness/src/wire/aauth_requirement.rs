//! `AAuth-Requirement` (response; Dictionary with a `requirement` Token whose parameters
//! carry the data) and the -10 `AAuth-Mission` request header.
//!
//! Here `;` is right: `resource-token`, `url`, `code` and the Budgets `reason` are parameters
//! of the `requirement` member. A sender that writes them as separate members (`,`) is
//! reported as [`WireErrorKind::Misplaced`]. Unknown parameters and members are kept.
//!
//! `AAuth-Mission` is the opposite case (requirements §6 G10): it is a Dictionary with members
//! `approver` and `s256`, but the -10 example writes `approver="…"; s256="…"`, which a strict
//! parser reads as one member with a parameter. [`AauthMission::parse`] accepts both and says
//! which form it saw, so a case can report `;`-only producers without failing on them.

use std::borrow::Cow;
use std::fmt;

use super::error::{WireError, WireErrorKind};
use super::identifier::{self, IdentifierFault};
use super::sf::{self, Params};

/// The requirement header name.
pub const FIELD: &str = "AAuth-Requirement";
/// The -10 mission header name.
pub const MISSION_FIELD: &str = "AAuth-Mission";

/// A `requirement` value, open so extension values survive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement(Cow<'static, str>);

impl Requirement {
    /// 401: sign with an agent token.
    pub const AGENT_TOKEN: Self = Self(Cow::Borrowed("agent-token"));
    /// 401 [-11]: get a person token from the PS.
    pub const PERSON_TOKEN: Self = Self(Cow::Borrowed("person-token"));
    /// 401/402/202: take the `resource-token` to the PS.
    pub const AUTH_TOKEN: Self = Self(Cow::Borrowed("auth-token"));
    /// 202: send the user to `url` with `code`.
    pub const INTERACTION: Self = Self(Cow::Borrowed("interaction"));
    /// 202: approval pending, poll.
    pub const APPROVAL: Self = Self(Cow::Borrowed("approval"));
    /// 202: a question to answer at the pending URL.
    pub const CLARIFICATION: Self = Self(Cow::Borrowed("clarification"));
    /// 202 (AS to PS): identity claims required.
    pub const CLAIMS: Self = Self(Cow::Borrowed("claims"));

    /// Every value the -11 editor's copy defines.
    pub const KNOWN: [Requirement; 7] = [
        Self::AGENT_TOKEN,
        Self::PERSON_TOKEN,
        Self::AUTH_TOKEN,
        Self::INTERACTION,
        Self::APPROVAL,
        Self::CLARIFICATION,
        Self::CLAIMS,
    ];

    /// Any value, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for the values AAuth defines (-10 lacks `person-token`; callers decide).
    pub fn is_known(&self) -> bool {
        Self::KNOWN.contains(self)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Budgets draft's `reason` parameter on `auth-token`, open.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BudgetReason(Cow<'static, str>);

impl BudgetReason {
    /// The budget is used up.
    pub const BUDGET_EXHAUSTED: Self = Self(Cow::Borrowed("budget-exhausted"));
    /// This request's maximum cost exceeds what remains.
    pub const INSUFFICIENT_BUDGET: Self = Self(Cow::Borrowed("insufficient-budget"));

    /// Any value, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A parsed `AAuth-Requirement` field.
#[derive(Clone, Debug, PartialEq)]
pub struct AauthRequirement {
    /// The `requirement` Token.
    pub requirement: Requirement,
    /// `resource-token` (String): required with `auth-token`.
    pub resource_token: Option<String>,
    /// `url` (String): required with `interaction`.
    pub url: Option<String>,
    /// `code` (String): required with `interaction`.
    pub code: Option<String>,
    /// Budgets `reason` (Token).
    pub reason: Option<BudgetReason>,
    /// Parameters AAuth does not define, as received.
    pub extra_params: sfv::Parameters,
    /// Members other than `requirement`, as received.
    pub other_members: sfv::Dictionary,
}

const KNOWN_PARAMS: [&str; 4] = ["resource-token", "url", "code", "reason"];

impl AauthRequirement {
    /// A requirement with no parameters.
    pub fn new(requirement: Requirement) -> Self {
        AauthRequirement {
            requirement,
            resource_token: None,
            url: None,
            code: None,
            reason: None,
            extra_params: sfv::Parameters::new(),
            other_members: sfv::Dictionary::new(),
        }
    }

    /// `requirement=auth-token; resource-token="…"`.
    pub fn auth_token(resource_token: &str) -> Self {
        AauthRequirement {
            resource_token: Some(resource_token.to_string()),
            ..Self::new(Requirement::AUTH_TOKEN)
        }
    }

    /// `requirement=interaction; url="…"; code="…"`.
    pub fn interaction(url: &str, code: &str) -> Self {
        AauthRequirement {
            url: Some(url.to_string()),
            code: Some(code.to_string()),
            ..Self::new(Requirement::INTERACTION)
        }
    }

    /// Parses a field value strictly. The `requirement` member must be a Token; known
    /// parameters must have their types; `auth-token` needs `resource-token` and `interaction`
    /// needs `url` and `code`. Unknown requirement values parse (the caller decides).
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let mut dict = sf::parse_dictionary(FIELD, input)?;
        if dict.is_empty() {
            return Err(WireError::empty(FIELD));
        }
        let req_key = sf::key(FIELD, "requirement")?;
        let (requirement, params) = match dict.shift_remove(&req_key) {
            None => return Err(WireError::missing(FIELD, "requirement")),
            Some(sfv::ListEntry::Item(sfv::Item {
                bare_item: sfv::BareItem::Token(t),
                params,
            })) => (Requirement::new(t.as_str()), params),
            Some(other) => {
                return Err(WireError::wrong_type(
                    FIELD,
                    "requirement",
                    "a Token",
                    sf::entry_type_name(&other),
                ))
            }
        };
        let p = Params::new(FIELD, "requirement", &params);
        let out = AauthRequirement {
            resource_token: p.string("resource-token")?.map(str::to_string),
            url: p.string("url")?.map(str::to_string),
            code: p.string("code")?.map(str::to_string),
            reason: p.token("reason")?.map(BudgetReason::new),
            extra_params: params
                .iter()
                .filter(|(k, _)| !KNOWN_PARAMS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            requirement,
            other_members: dict,
        };
        let needed: &[&str] = match out.requirement.as_str() {
            "auth-token" => &["resource-token"],
            "interaction" => &["url", "code"],
            _ => &[],
        };
        for name in needed {
            if !p.has(name) {
                let as_member = sfv::KeyRef::from_str(name)
                    .ok()
                    .is_some_and(|k| out.other_members.contains_key(k));
                return Err(if as_member {
                    WireError::new(
                        FIELD,
                        WireErrorKind::Misplaced {
                            name: name.to_string(),
                            found_as: "dictionary member instead of a parameter of `requirement`",
                        },
                    )
                } else {
                    p.missing(name)
                });
            }
        }
        Ok(out)
    }

    /// Canonical serialization: `requirement=<token>`, then the known parameters, then the
    /// unknown ones, then other members.
    pub fn serialize(&self) -> Result<String, WireError> {
        let mut params = sfv::Parameters::new();
        for (name, value) in [
            ("resource-token", &self.resource_token),
            ("url", &self.url),
            ("code", &self.code),
        ] {
            if let Some(v) = value {
                params.insert(sf::key(FIELD, name)?, sf::string_item(FIELD, name, v)?);
            }
        }
        if let Some(r) = &self.reason {
            params.insert(
                sf::key(FIELD, "reason")?,
                sf::token_item(FIELD, "reason", r.as_str())?,
            );
        }
        for (k, v) in &self.extra_params {
            params.insert(k.clone(), v.clone());
        }
        let mut dict = sfv::Dictionary::new();
        dict.insert(
            sf::key(FIELD, "requirement")?,
            sfv::ListEntry::Item(sfv::Item::with_params(
                sf::token_item(FIELD, "requirement", self.requirement.as_str())?,
                params,
            )),
        );
        for (k, v) in &self.other_members {
            dict.insert(k.clone(), v.clone());
        }
        Ok(sf::serialize_dictionary(&dict))
    }

    /// Value rules beyond the syntax: the interaction `url` is an endpoint URL and `code` an
    /// interaction code. Every violation is returned.
    pub fn validate(&self) -> Vec<WireError> {
        let mut out = Vec::new();
        if let Some(url) = &self.url {
            if let Err(f) = identifier::validate_endpoint_url(url) {
                out.push(identifier_error(FIELD, "url", IdentifierFault::Url(f)));
            }
        }
        if let Some(code) = &self.code {
            if let Err(f) = identifier::validate_interaction_code(code) {
                out.push(identifier_error(FIELD, "code", IdentifierFault::Code(f)));
            }
        }
        out
    }
}

fn identifier_error(field: &'static str, name: &str, fault: IdentifierFault) -> WireError {
    WireError::new(
        field,
        WireErrorKind::Identifier {
            name: name.to_string(),
            fault,
        },
    )
}

// ---------------------------------------------------------------------------------------
// AAuth-Mission (-10)
// ---------------------------------------------------------------------------------------

/// How an `AAuth-Mission` value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissionForm {
    /// `approver="…", s256="…"`: two Dictionary members, as the header's registration says.
    Members,
    /// `approver="…"; s256="…"`: the -10 example, which makes `s256` a parameter of
    /// `approver` under RFC 9651.
    Parameters,
}

/// A parsed `AAuth-Mission` field (-10 only; removed in -11).
#[derive(Clone, Debug, PartialEq)]
pub struct AauthMission {
    /// The approving PS (a server identifier).
    pub approver: String,
    /// The mission hash (43 base64url characters).
    pub s256: String,
    /// Which form the sender used.
    pub form: MissionForm,
    /// Other members, as received.
    pub other_members: sfv::Dictionary,
}

impl AauthMission {
    /// A mission reference in the correct form.
    pub fn new(approver: &str, s256: &str) -> Self {
        AauthMission {
            approver: approver.to_string(),
            s256: s256.to_string(),
            form: MissionForm::Members,
            other_members: sfv::Dictionary::new(),
        }
    }

    /// Parses either form, recording which one was used.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        let mut dict = sf::parse_dictionary(MISSION_FIELD, input)?;
        if dict.is_empty() {
            return Err(WireError::empty(MISSION_FIELD));
        }
        let member_string =
            |dict: &sfv::Dictionary, name: &str| -> Result<Option<String>, WireError> {
                let Some(entry) = sfv::KeyRef::from_str(name).ok().and_then(|k| dict.get(k)) else {
                    return Ok(None);
                };
                match entry {
                    sfv::ListEntry::Item(sfv::Item {
                        bare_item: sfv::BareItem::String(s),
                        ..
                    }) => Ok(Some(s.as_str().to_string())),
                    other => Err(WireError::wrong_type(
                        MISSION_FIELD,
                        name,
                        "a String",
                        sf::entry_type_name(other),
                    )),
                }
            };
        let approver_m = member_string(&dict, "approver")?;
        let s256_m = member_string(&dict, "s256")?;
        let (approver, s256, form) = match (approver_m, s256_m) {
            (Some(a), Some(s)) => (a, s, MissionForm::Members),
            (a, s) => {
                // Look for the missing one as a parameter of the other member.
                let (have, want) = if a.is_some() {
                    ("approver", "s256")
                } else {
                    ("s256", "approver")
                };
                let Some(have_value) = a.or(s) else {
                    return Err(WireError::missing(MISSION_FIELD, "approver"));
                };
                let params = sfv::KeyRef::from_str(have)
                    .ok()
                    .and_then(|k| dict.get(k))
                    .and_then(|e| match e {
                        sfv::ListEntry::Item(i) => Some(&i.params),
                        sfv::ListEntry::InnerList(_) => None,
                    });
                let found = match params {
                    Some(p) => Params::new(MISSION_FIELD, have, p)
                        .string(want)?
                        .map(str::to_string),
                    None => None,
                };
                let Some(want_value) = found else {
                    return Err(WireError::missing(MISSION_FIELD, want));
                };
                if have == "approver" {
                    (have_value, want_value, MissionForm::Parameters)
                } else {
                    (want_value, have_value, MissionForm::Parameters)
                }
            }
        };
        for k in ["approver", "s256"] {
            if let Ok(k) = sfv::KeyRef::from_str(k) {
                dict.shift_remove(k);
            }
        }
        Ok(AauthMission {
            approver,
            s256,
            form,
            other_members: dict,
        })
    }

    /// Serialization in the correct `,` form, whatever form was parsed.
    pub fn serialize(&self) -> Result<String, WireError> {
        let mut dict = sfv::Dictionary::new();
        for (name, v) in [("approver", &self.approver), ("s256", &self.s256)] {
            dict.insert(
                sf::key(MISSION_FIELD, name)?,
                sfv::ListEntry::Item(sfv::Item::new(sf::string_item(MISSION_FIELD, name, v)?)),
            );
        }
        for (k, v) in &self.other_members {
            dict.insert(k.clone(), v.clone());
        }
        Ok(sf::serialize_dictionary(&dict))
    }

    /// Serialization in the -10 example's `;` form, for probing how an implementation reads
    /// it.
    pub fn serialize_parameter_form(&self) -> Result<String, WireError> {
        let mut params = sfv::Parameters::new();
        params.insert(
            sf::key(MISSION_FIELD, "s256")?,
            sf::string_item(MISSION_FIELD, "s256", &self.s256)?,
        );
        let mut dict = sfv::Dictionary::new();
        dict.insert(
            sf::key(MISSION_FIELD, "approver")?,
            sfv::ListEntry::Item(sfv::Item::with_params(
                sf::string_item(MISSION_FIELD, "approver", &self.approver)?,
                params,
            )),
        );
        Ok(sf::serialize_dictionary(&dict))
    }

    /// Value rules: `approver` is a server identifier, `s256` a 43-character base64url
    /// digest. Every violation is returned; the `;` form is not one of them (see `form`).
    pub fn validate(&self) -> Vec<WireError> {
        let mut out = Vec::new();
        if let Err(f) = identifier::validate_server_identifier(&self.approver) {
            out.push(identifier_error(
                MISSION_FIELD,
                "approver",
                IdentifierFault::Server(f),
            ));
        }
        if let Err(f) = identifier::validate_s256(&self.s256) {
            out.push(identifier_error(
                MISSION_FIELD,
                "s256",
                IdentifierFault::S256(f),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S256: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn parses_spec_examples() {
        let r =
            AauthRequirement::parse(r#"requirement=auth-token; resource-token="eyJ...""#).unwrap();
        assert_eq!(r.requirement, Requirement::AUTH_TOKEN);
        assert_eq!(r.resource_token.as_deref(), Some("eyJ..."));
        assert_eq!(r, AauthRequirement::auth_token("eyJ..."));
        let r = AauthRequirement::parse(
            "requirement=interaction;\n url=\"https://example.com/interact\";\n code=\"A1B2-C3D4\"",
        );
        // A newline is not allowed inside an SF value: field folding must have been undone.
        assert!(r.is_err());
        let r = AauthRequirement::parse(
            r#"requirement=interaction; url="https://example.com/interact"; code="A1B2-C3D4""#,
        )
        .unwrap();
        assert_eq!(
            r,
            AauthRequirement::interaction("https://example.com/interact", "A1B2-C3D4")
        );
        assert!(r.validate().is_empty());
        let r = AauthRequirement::parse(
            r#"requirement=auth-token; resource-token="eyJ..."; reason=budget-exhausted"#,
        )
        .unwrap();
        assert_eq!(r.reason, Some(BudgetReason::BUDGET_EXHAUSTED));
        for v in [
            "agent-token",
            "person-token",
            "approval",
            "clarification",
            "claims",
        ] {
            let r = AauthRequirement::parse(format!("requirement={v}")).unwrap();
            assert!(r.requirement.is_known());
            assert_eq!(r.serialize().unwrap(), format!("requirement={v}"));
        }
    }

    #[test]
    fn unknowns_are_kept() {
        let raw = r#"requirement=teleport;url="https://a.example/x";future=?0, extra=1"#;
        let r = AauthRequirement::parse(raw).unwrap();
        assert!(!r.requirement.is_known());
        assert_eq!(r.extra_params.len(), 1);
        assert_eq!(r.other_members.len(), 1);
        assert_eq!(r.serialize().unwrap(), raw);
    }

    #[test]
    fn strict_errors() {
        let e = AauthRequirement::parse(r#"requirement="auth-token""#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a String",
                ..
            }
        ));
        let e = AauthRequirement::parse("requirement=auth-token").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("resource-token".into()));
        let e =
            AauthRequirement::parse(r#"requirement=auth-token, resource-token="x""#).unwrap_err();
        assert!(
            matches!(e.kind, WireErrorKind::Misplaced { ref name, .. } if name == "resource-token")
        );
        let e = AauthRequirement::parse(r#"requirement=interaction;url="https://a.example""#)
            .unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("code".into()));
        let e = AauthRequirement::parse("requirement=interaction;url=x;code=y").unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a Token",
                ..
            }
        ));
        let e = AauthRequirement::parse(r#"requirement=auth-token;resource-token="x";reason="r""#)
            .unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                expected: "a Token",
                ..
            }
        ));
        let e = AauthRequirement::parse("resource-token=x").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("requirement".into()));
        assert!(AauthRequirement::parse("Requirement=x")
            .unwrap_err()
            .is_syntax());
    }

    #[test]
    fn validate_reports_url_and_code_faults() {
        let r = AauthRequirement::interaction("https://a.example/i?x=1", "MNOP");
        let errs = r.validate();
        assert_eq!(errs.len(), 2);
        assert!(errs
            .iter()
            .all(|e| matches!(e.kind, WireErrorKind::Identifier { .. })));
    }

    #[test]
    fn mission_both_forms() {
        let good = format!(r#"approver="https://ps.example", s256="{S256}""#);
        let m = AauthMission::parse(&good).unwrap();
        assert_eq!(m.form, MissionForm::Members);
        assert_eq!(m.approver, "https://ps.example");
        assert!(m.validate().is_empty());
        assert_eq!(m.serialize().unwrap(), good);

        let example = format!(r#"approver="https://ps.example"; s256="{S256}""#);
        let m2 = AauthMission::parse(&example).unwrap();
        assert_eq!(m2.form, MissionForm::Parameters);
        assert_eq!((&m2.approver, &m2.s256), (&m.approver, &m.s256));
        assert_eq!(m2.serialize().unwrap(), good);
        assert_eq!(
            m2.serialize_parameter_form().unwrap(),
            format!(r#"approver="https://ps.example";s256="{S256}""#)
        );
        let rev = format!(r#"s256="{S256}";approver="https://ps.example""#);
        assert_eq!(
            AauthMission::parse(rev).unwrap().form,
            MissionForm::Parameters
        );
    }

    #[test]
    fn mission_errors() {
        let e = AauthMission::parse(r#"approver="https://ps.example""#).unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("s256".into()));
        let e = AauthMission::parse("approver=x, s256=y").unwrap_err();
        assert!(matches!(e.kind, WireErrorKind::WrongType { .. }));
        let e = AauthMission::parse("other=1").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("approver".into()));
        let m = AauthMission::new("https://PS.example/", "short");
        assert_eq!(m.validate().len(), 2);
    }

    proptest! {
        #[test]
        fn requirement_round_trip(
            req in "[a-z*][a-z0-9-]{0,15}",
            rt in proptest::option::of("[ -~]{0,30}"),
            url in proptest::option::of("[ -~]{0,30}"),
            code in proptest::option::of("[ -~]{0,10}"),
            reason in proptest::option::of("[a-z][a-z-]{0,15}"),
        ) {
            let mut r = AauthRequirement::new(Requirement::new(req.clone()));
            r.resource_token = rt.or_else(|| (req == "auth-token").then(String::new));
            if req == "interaction" {
                r.url = Some(url.unwrap_or_default());
                r.code = Some(code.unwrap_or_default());
            } else {
                r.url = url;
                r.code = code;
            }
            r.reason = reason.map(BudgetReason::new);
            let s = r.serialize().unwrap();
            prop_assert_eq!(AauthRequirement::parse(&s).unwrap(), r);
        }

        #[test]
        fn mission_round_trip(a in "[ -~]{0,30}", s in "[ -~]{0,50}") {
            let m = AauthMission::new(&a, &s);
            prop_assert_eq!(AauthMission::parse(m.serialize().unwrap()).unwrap(), m.clone());
            let p = AauthMission::parse(m.serialize_parameter_form().unwrap()).unwrap();
            prop_assert_eq!((p.approver, p.s256, p.form), (a, s, MissionForm::Parameters));
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = AauthRequirement::parse(&input);
            let _ = AauthMission::parse(&input);
        }
    }
}
