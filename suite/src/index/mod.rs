//! The requirement index: the catalogue rows every case cites, bundled from `spec/`.
//!
//! Three data files, each loaded strictly (`deny_unknown_fields`, duplicates rejected, every
//! value checked), so a typo in the data fails the build's tests instead of a user's run:
//!
//! - [`requirement`]: `spec/requirements.toml`, one [`Requirement`] per catalogue row.
//! - [`anchors`]: `spec/anchors.txt`, the sections of every pinned draft; a requirement's
//!   anchor and section must be found there, which is how a renumbered draft shows up.
//! - [`exclusions`]: `spec/exclusions.toml`, rows deliberately left without a case.
//!
//! The bundled copies are parsed once, on first use ([`bundled`]).

pub mod anchors;
pub mod exclusions;
pub mod id;
pub mod requirement;

use std::sync::OnceLock;

pub use anchors::AnchorList;
pub use exclusions::Exclusions;
pub use id::{ReqId, ReqIdError, GROUPS};
pub use requirement::{
    Doc, IndexError, Requirement, RequirementIndex, RequirementLevel, Testability,
};

/// The bundled `spec/requirements.toml`.
pub const REQUIREMENTS_TOML: &str = include_str!("../../spec/requirements.toml");
/// The bundled `spec/anchors.txt`.
pub const ANCHORS_TXT: &str = include_str!("../../spec/anchors.txt");
/// The bundled `spec/exclusions.toml`.
pub const EXCLUSIONS_TOML: &str = include_str!("../../spec/exclusions.toml");

/// The bundled index, its anchors checked. An error here is a bug in the committed data (the
/// registry tests catch it first); callers report it as a harness error.
pub fn bundled() -> Result<&'static RequirementIndex, &'static IndexError> {
    static INDEX: OnceLock<Result<RequirementIndex, IndexError>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let index = RequirementIndex::parse(REQUIREMENTS_TOML)?;
            index.check_anchors(bundled_anchors()?)?;
            Ok(index)
        })
        .as_ref()
}

/// The bundled anchor list.
pub fn bundled_anchors() -> Result<&'static AnchorList, IndexError> {
    static ANCHORS: OnceLock<Result<AnchorList, IndexError>> = OnceLock::new();
    ANCHORS
        .get_or_init(|| AnchorList::parse(ANCHORS_TXT))
        .as_ref()
        .map_err(Clone::clone)
}

/// The bundled exclusions.
pub fn bundled_exclusions() -> Result<&'static Exclusions, IndexError> {
    static EXCLUSIONS: OnceLock<Result<Exclusions, IndexError>> = OnceLock::new();
    EXCLUSIONS
        .get_or_init(|| Exclusions::parse(EXCLUSIONS_TOML))
        .as_ref()
        .map_err(Clone::clone)
}
