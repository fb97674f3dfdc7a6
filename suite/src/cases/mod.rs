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

#[macro_use]
mod macros;

pub mod aauth_access;
pub mod aauth_capabilities;
pub mod agent_token;
pub mod as_token_endpoint;
pub mod attacks_request;
pub mod attacks_resource;
pub mod attacks_server;
pub mod attacks_token;
pub mod auth_token_verification;
pub mod call_chaining;
pub mod covered_components;
pub mod deferred_responses;
pub mod error_response_format;
pub mod error_responses;
pub mod freshness;
pub mod jwks_discovery;
pub mod metadata_documents;
pub mod missions;
pub mod person_decisions;
pub mod person_token_endpoint;
pub mod person_token_verification;
pub mod ps_federation;
pub mod ps_flow;
pub mod ps_governance;
pub mod ps_metadata;
pub mod ps_token_endpoint;
pub mod requirement_responses;
pub mod resource_common;
pub mod resource_deferred;
pub mod resource_metadata;
pub mod resource_tokens;
pub mod revocation;
pub mod scheme_rejection;
pub mod selftest;
pub mod signature_algorithms;
pub mod token_revocation;
pub mod verification;

use crate::case::Case;
use crate::context::CaseContext;

/// Every case module of the default registry, in listing order.
pub const MODULES: &[&[Case<CaseContext>]] = &[
    verification::CASES,
    verification::DEFECTS,
    verification::BODY_TAMPER,
    covered_components::CASES,
    scheme_rejection::CASES,
    signature_algorithms::CASES,
    freshness::CASES,
    attacks_request::CASES,
    agent_token::CASES,
    jwks_discovery::CASES,
    jwks_discovery::EGRESS,
    jwks_discovery::FLOWS,
    metadata_documents::CASES,
    attacks_token::CASES,
    person_token_endpoint::CASES,
    ps_federation::CASES,
    ps_token_endpoint::CASES,
    as_token_endpoint::CASES,
    missions::CASES,
    deferred_responses::CASES,
    person_decisions::CASES,
    person_decisions::AS_CASES,
    attacks_server::CASES,
    ps_metadata::CASES,
    error_responses::CASES,
    token_revocation::CASES,
    requirement_responses::CASES,
    person_token_verification::CASES,
    resource_tokens::CASES,
    auth_token_verification::CASES,
    aauth_access::CASES,
    aauth_capabilities::CASES,
    resource_deferred::CASES,
    resource_metadata::CASES,
    revocation::CASES,
    error_response_format::CASES,
    attacks_resource::CASES,
    call_chaining::CASES,
    ps_governance::CASES,
];
