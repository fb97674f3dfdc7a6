//! aauth-reports: the report model of an aauth-conform run and its renderers.
//!
//! This crate depends on nothing of the harness or the suite: a report is a file format that
//! other tools parse, so its model is defined here, once, and versioned.
#![deny(missing_docs)]
