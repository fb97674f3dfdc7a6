//! `{#metadata-documents}`: the `issuer` of an agent provider's metadata document must be
//! present and equal, byte for byte, the identifier it was fetched for. Each case presents
//! a valid token from one of the World's odd providers whose document gets `issuer` wrong;
//! the wrong-issuer one is also the host-poisoned-metadata attack (A21).

use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::world::OddProvider;

use crate::case::{profiles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::cases::agent_token::{token_case, token_cases, Presented, AGENT_TOKEN_VERIFIERS};
use crate::cases::jwks_discovery::from_odd;
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::Expect;

const ISSUER_MISSING: Expect = Expect::SignatureRejected {
    codes: &["issuer_missing"],
    alternatives: &[(400, "invalid_agent_token")],
};
const ISSUER_MISMATCH: Expect = Expect::SignatureRejected {
    codes: &["issuer_mismatch"],
    alternatives: &[(400, "invalid_agent_token")],
};

fn no_issuer(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::NoIssuer)
}
fn wrong_issuer(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::WrongIssuer)
}
fn slash_issuer(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    from_odd(ctx, a, OddProvider::SlashIssuer)
}

/// The metadata `issuer` cases.
pub const CASES: &[Case<CaseContext>] = token_cases! {
    "meta.issuer.missing" => "Presents a token from a provider whose metadata has no issuer",
        "TOK-010", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, no_issuer, ISSUER_MISSING;
    "meta.issuer.other-party" => "Presents a token from a provider whose metadata names another issuer",
        "TOK-010", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, wrong_issuer, ISSUER_MISMATCH;
    "meta.issuer.trailing-slash" => "Presents a token from a provider whose metadata issuer has a trailing slash",
        "TOK-010", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, slash_issuer, ISSUER_MISMATCH;
};
