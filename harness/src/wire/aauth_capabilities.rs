//! `AAuth-Capabilities` (request header, List of Tokens): what an agent can handle, so a
//! resource picks a flow the agent can finish. Unknown values and parameters are kept (the
//! recipient must ignore them, the report must show them); an absent or empty header means
//! no capabilities.

use std::borrow::Cow;
use std::fmt;

use super::error::WireError;
use super::sf::TokenList;

/// The header name.
pub const FIELD: &str = "AAuth-Capabilities";

/// One capability value, open so future values survive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Capability(Cow<'static, str>);

impl Capability {
    /// The agent can get a user to a URL.
    pub const INTERACTION: Self = Self(Cow::Borrowed("interaction"));
    /// The agent can answer clarification questions.
    pub const CLARIFICATION: Self = Self(Cow::Borrowed("clarification"));
    /// The agent can handle `402` payment flows.
    pub const PAYMENT: Self = Self(Cow::Borrowed("payment"));
    /// Budgets draft: the agent understands budget semantics.
    pub const BUDGET: Self = Self(Cow::Borrowed("budget"));

    /// Any value, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed `AAuth-Capabilities` field.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AauthCapabilities {
    /// The list as received, parameters included.
    pub list: TokenList,
}

impl AauthCapabilities {
    /// Parses a field value; empty means no capabilities.
    pub fn parse(input: impl AsRef<[u8]>) -> Result<Self, WireError> {
        Ok(AauthCapabilities {
            list: TokenList::parse(FIELD, input)?,
        })
    }

    /// Builds the header.
    pub fn new<'a>(caps: impl IntoIterator<Item = &'a Capability>) -> Result<Self, WireError> {
        Ok(AauthCapabilities {
            list: TokenList::from_tokens(FIELD, caps.into_iter().map(Capability::as_str))?,
        })
    }

    /// The capabilities in order.
    pub fn capabilities(&self) -> Vec<Capability> {
        self.list.tokens().map(Capability::new).collect()
    }

    /// True when `cap` is declared.
    pub fn has(&self, cap: &Capability) -> bool {
        self.list.tokens().any(|t| t == cap.as_str())
    }

    /// Canonical serialization (empty string: send no header).
    pub fn serialize(&self) -> String {
        self.list.serialize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_known_and_unknown() {
        let c = AauthCapabilities::parse("interaction, clarification, payment, teleport;range=5")
            .unwrap();
        assert!(c.has(&Capability::INTERACTION));
        assert!(c.has(&Capability::new("teleport")));
        assert!(!c.has(&Capability::BUDGET));
        assert_eq!(
            c.serialize(),
            "interaction, clarification, payment, teleport;range=5"
        );
        assert!(AauthCapabilities::parse("")
            .unwrap()
            .capabilities()
            .is_empty());
    }

    #[test]
    fn rejects_strings() {
        assert!(AauthCapabilities::parse(r#""interaction""#).is_err());
        assert!(AauthCapabilities::parse("interaction;").is_err());
    }

    proptest! {
        #[test]
        fn round_trip(tokens in proptest::collection::vec("[a-z*][a-z0-9_.:/-]{0,12}", 0..6)) {
            let caps: Vec<Capability> = tokens.iter().map(|t| Capability::new(t.as_str())).collect();
            let c = AauthCapabilities::new(&caps).unwrap();
            prop_assert_eq!(AauthCapabilities::parse(c.serialize()).unwrap().capabilities(), caps);
        }
    }
}
