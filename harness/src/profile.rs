//! Which revision of the protocol a party speaks. One scenario graph serves every profile;
//! builders switch claim sets, metadata keys and algorithm names on this value.

use std::fmt;
use std::str::FromStr;

/// A protocol profile (see requirements §1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// AAuth -11 editor's copy with HTTP Signature Keys -08: person tokens,
    /// `auth_token_endpoint`, `mission_s256`, mandatory body digests on PS/AS requests.
    Aauth11,
    /// AAuth -10 (last posted draft) with HTTP Signature Keys -08: `token_endpoint`,
    /// `agent` claims, `AAuth-Mission` header.
    Aauth10,
    /// Drafts -06 to -09: polymorphic `EdDSA`, JWK `alg` optional.
    Legacy,
}

impl Profile {
    /// Every profile, newest first.
    pub const ALL: [Profile; 3] = [Profile::Aauth11, Profile::Aauth10, Profile::Legacy];

    /// The name used on the command line, in target files and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Aauth11 => "aauth-11",
            Profile::Aauth10 => "aauth-10",
            Profile::Legacy => "aauth-legacy",
        }
    }

    /// True when person tokens and the other -11 wire changes apply.
    pub fn has_person_tokens(self) -> bool {
        self == Profile::Aauth11
    }

    /// True when JOSE `alg` must be fully specified (`Ed25519`, never `EdDSA`).
    pub fn fully_specified_algs(self) -> bool {
        self != Profile::Legacy
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The profile name was not one of `aauth-11`, `aauth-10`, `aauth-legacy`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile {0:?}: expected aauth-11, aauth-10 or aauth-legacy")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownProfile(s.to_string()))
    }
}
