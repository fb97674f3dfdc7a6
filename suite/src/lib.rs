//! aauth-suite: the cases, the runner and the `aauth-conform` command line.
//!
//! The suite core is four pieces of data and one engine:
//!
//! - [`index`]: the requirement catalogue (`spec/requirements.toml`), bundled into the binary,
//!   with the anchors of every pinned draft (`spec/anchors.txt`). Every case cites one row.
//! - [`case`]: what a case is ([`case::Case`], [`case::CaseMeta`]) and what it can conclude
//!   ([`outcome::Outcome`]).
//! - [`registry`]: every case module's `CASES` slice, expanded to one entry per role and
//!   profile, with self-tests in `tests/registry.rs`.
//! - [`filter`] and [`expect`]: which expanded cases run, and which failures are already known.
//! - [`runner`]: runs a plan against an [`runner::Environment`] with timeouts, panic capture and
//!   bounded parallelism, and returns results in plan order whatever the completion order.
//!
//! The command line in [`cli`] validates every argument before it opens a target (ripgrep's
//! split between low-level and resolved arguments), and hands reports to [`report::ReportSink`]
//! implementations so the renderers of `aauth-reports` plug in without the core knowing them;
//! [`render`] is that plug: one conversion to the report model and one sink per format.
#![deny(missing_docs)]

pub mod capability;
pub mod case;
pub mod cases;
pub mod cli;
pub mod connect;
pub mod context;
pub mod coverage;
pub mod expect;
pub mod filter;
pub mod glob;
pub mod index;
pub mod judge;
pub mod netfuzz;
pub mod outcome;
pub mod panic_guard;
pub mod person_hook;
pub mod probe;
pub mod registry;
pub mod render;
pub mod report;
pub mod runner;
pub mod target;
