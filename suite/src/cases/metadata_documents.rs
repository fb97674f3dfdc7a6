//! placeholder
use crate::case::Case;
use crate::context::CaseContext;
/// Cases.
pub const CASES: &[Case<CaseContext>] = &[];
