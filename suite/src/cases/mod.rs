//! The cases, one module per spec area, named after the draft anchor they test
//! (`scheme_rejection.rs` for `{#scheme-rejection}`), never after section numbers.
//!
//! How a module registers its cases: it exports
//! `pub const CASES: &[Case<CaseContext>] = &[Case { meta: CaseMeta { .. }, run: body }, ..];`
//! and gets one line in [`MODULES`] below. Ids and requirement ids are written with
//! `CaseId::from_static` / `ReqId::from_static`, which reject a malformed literal at compile
//! time; `tests/registry.rs` checks the rest (uniqueness, index, levels, profiles, needs).
//!
//! [`selftest`] is not in [`MODULES`]: its cases exercise the runner against a dummy context
//! and only run from the suite's own tests.

pub mod selftest;

use crate::case::Case;
use crate::context::CaseContext;

/// Every case module of the default registry, in listing order.
pub const MODULES: &[&[Case<CaseContext>]] = &[];
