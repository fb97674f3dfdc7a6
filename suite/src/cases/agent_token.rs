//! `{#agent-token-verification}` and its neighbours: an agent token that deviates in one way
//! from a valid one (its `typ`, `dwk`, `kid`, `alg`, times, `iss`, `cnf`), presented in
//! `Signature-Key` at every role that takes agent tokens (the resource's identity path and
//! the person server's token endpoint; the access server takes a PS signature instead).
//!
//! Each case first sends the valid baseline with the same agent, so a target that refuses
//! everything is skipped rather than passed, and a verifier that pins the first key it saw
//! for an agent has seen one.

use aauth_harness::jose::claims::{TokenClaims, TokenIssuer, TokenKind};
use aauth_harness::jose::mutate::{mint, TokenDefect};
use aauth_harness::jose::{Alg, SigningKey};
use aauth_harness::role::agent::HarnessAgent;
use aauth_harness::role::agent_provider::AgentProvider;
use aauth_harness::role::Role;
use aauth_harness::world::{OddProvider, Party};
use serde_json::{json, Map, Value};

use crate::case::{profiles, Case, CaseFuture, CaseId, CaseMeta, CaseRun, Level};
use crate::context::CaseContext;
use crate::index::ReqId;
use crate::judge::{judge, Expect};
use crate::outcome::Outcome;
use crate::probe;

/// The roles whose endpoints take an agent token in `Signature-Key`.
pub const AGENT_TOKEN_VERIFIERS: &[Role] = &[Role::Resource, Role::PersonServer];
/// The person server only (agent-token claims it must ignore).
pub const PS_ONLY: &[Role] = &[Role::PersonServer];

/// What a case puts on the wire: a token and, when it is not the agent's own key, the key
/// that signs the request.
#[derive(Debug)]
pub struct Presented {
    /// The compact JWS presented in `Signature-Key`.
    pub token: String,
    /// The signing key instead of the agent's.
    pub signer: Option<SigningKey>,
}

impl Presented {
    /// `token`, signed by the agent itself.
    pub fn token(token: String) -> Presented {
        Presented {
            token,
            signer: None,
        }
    }

    /// `token`, in a request signed by `key`.
    pub fn signed_by(token: String, key: SigningKey) -> Presented {
        Presented {
            token,
            signer: Some(key),
        }
    }
}

/// Builds the stimulus from the context and the agent the baseline used.
pub type Stimulus = fn(&CaseContext, &HarnessAgent) -> Presented;

/// The local part of `aauth:<local>@<host>`.
pub fn local_of(agent: &HarnessAgent) -> &str {
    agent.local()
}

/// An agent token for `agent` from `ap`, with at most one defect and extra claims.
pub fn agent_token_from(
    ap: &AgentProvider,
    agent: &HarnessAgent,
    defect: Option<TokenDefect>,
    extra: Map<String, Value>,
) -> String {
    let mut request = ap.request(local_of(agent), &agent.key.public_key());
    request.ps = agent.ps.clone().or(request.ps);
    request.defect = defect;
    request.extra = extra;
    ap.mint(&request).token
}

/// An agent token for `agent` from the trusted AP with one defect.
pub fn agent_token(ctx: &CaseContext, agent: &HarnessAgent, defect: TokenDefect) -> String {
    agent_token_from(ctx.world.ap(), agent, Some(defect), Map::new())
}

/// Agent-token claims for `agent` as the trusted AP writes them, for hand-minted variants.
fn agent_claims(ctx: &CaseContext, agent: &HarnessAgent) -> Map<String, Value> {
    let ap = ctx.world.ap();
    let mut request = ap.request(local_of(agent), &agent.key.public_key());
    request.ps = agent.ps.clone().or(request.ps);
    ap.mint(&request).claims.to_map()
}

/// A token of `kind` minted with the AP's key over the agent's claims (typ and dwk as for
/// `kind`), with one defect.
fn minted_as(
    ctx: &CaseContext,
    agent: &HarnessAgent,
    issuer: &TokenIssuer,
    kind: TokenKind,
    defect: Option<&TokenDefect>,
) -> String {
    mint(issuer, kind, &agent_claims(ctx, agent), defect, ctx.now())
}

/// Runs one agent-token case: baseline with a fresh agent, then the stimulus, then the verdict.
pub async fn token_case(ctx: &CaseContext, stimulus: Stimulus, expect: Expect) -> Outcome {
    let agent = ctx.agent();
    let probe = match probe::probe_for(ctx, agent.clone()).await {
        Ok(p) => p,
        Err(e) => return Outcome::Error(e),
    };
    match probe::precondition(ctx, &probe).await {
        Ok(None) => {}
        Ok(Some(skip)) => return skip,
        Err(e) => return Outcome::Error(e),
    }
    let presented = stimulus(ctx, &agent);
    present(ctx, probe, presented, expect).await
}

/// Signs `probe` presenting `presented` and judges the answer.
pub async fn present(
    ctx: &CaseContext,
    probe: probe::Probe,
    presented: Presented,
    expect: Expect,
) -> Outcome {
    let mut probe = probe.presenting(&presented.token);
    if let Some(key) = presented.signer {
        probe.spec.key = key;
    }
    let request = match probe.sign(None) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(e),
    };
    match ctx.send(&request).await {
        Ok(response) => judge(&expect, &response, ctx.role()),
        Err(e) => Outcome::Error(e),
    }
}

/// A bad agent token: `invalid_jwt`, or the endpoint's `400 invalid_agent_token` (G1).
pub const INVALID_JWT: Expect = Expect::SignatureRejected {
    codes: &["invalid_jwt"],
    alternatives: &[(400, "invalid_agent_token")],
};
/// A token whose header names a forbidden algorithm: the JWT fails verification
/// (`invalid_jwt`), though a verifier applying the algorithm rules first may say
/// `unsupported_algorithm` or `invalid_key`; all are refusals of the token.
pub const ALG_REFUSED: Expect = Expect::SignatureRejected {
    codes: &["invalid_jwt", "unsupported_algorithm", "invalid_key"],
    alternatives: &[(400, "invalid_agent_token")],
};
/// An unknown key: `unknown_key` or `invalid_jwt` (or the endpoint code).
pub const UNKNOWN_KEY: Expect = Expect::SignatureRejected {
    codes: &["unknown_key", "invalid_jwt"],
    alternatives: &[(400, "invalid_agent_token")],
};
/// An expired token: `expired_jwt`, or the endpoint's expiry or invalid-token code.
pub const EXPIRED: Expect = Expect::SignatureRejected {
    codes: &["expired_jwt", "invalid_jwt"],
    alternatives: &[
        (400, "expired_agent_token"),
        (401, "expired_agent_token"),
        (400, "invalid_agent_token"),
    ],
};
/// A request whose signature is not by the token's `cnf` key.
pub const WRONG_SIGNER: Expect = Expect::SignatureRejected {
    codes: &["invalid_signature", "invalid_jwt", "invalid_key"],
    alternatives: &[(400, "invalid_agent_token")],
};
/// Declares agent-token cases: id, stimulus title, requirement, level, roles, profiles,
/// stimulus, verdict.
/// Starting with `needs: [..];` marks every case of the table as needing those capabilities.
macro_rules! token_cases {
    ($( $id:literal => $title:literal, $req:literal, $level:ident, $roles:expr, $profiles:expr, $stimulus:expr, $expect:expr; )*) => {
        $crate::cases::agent_token::token_cases!(needs: &[]; $( $id => $title, $req, $level, $roles, $profiles, $stimulus, $expect; )*)
    };
    (needs: $needs:expr; $( $id:literal => $title:literal, $req:literal, $level:ident, $roles:expr, $profiles:expr, $stimulus:expr, $expect:expr; )*) => {
        &[ $( Case {
            meta: CaseMeta::new(
                CaseId::from_static($id),
                $title,
                ReqId::from_static($req),
                Level::$level,
                $roles,
                $profiles,
            )
            .with_needs($needs),
            run: {
                fn body<'a>(ctx: &'a CaseContext, _run: &'a CaseRun) -> CaseFuture<'a> {
                    Box::pin(token_case(ctx, $stimulus, $expect))
                }
                body
            },
        }, )* ]
    };
}
pub(crate) use token_cases;

fn with(defect: TokenDefect) -> impl Fn(&CaseContext, &HarnessAgent) -> Presented {
    move |ctx, agent| Presented::token(agent_token(ctx, agent, defect.clone()))
}

fn typ_person(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Typ("aa-person+jwt".into()))(ctx, a)
}
fn typ_resource(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Typ("aa-resource+jwt".into()))(ctx, a)
}
fn typ_auth(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Typ("aa-auth+jwt".into()))(ctx, a)
}
fn typ_jwt(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Typ("JWT".into()))(ctx, a)
}
fn typ_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::TypMissing)(ctx, a)
}
fn dwk_person(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Dwk("aauth-person.json".into()))(ctx, a)
}
fn dwk_access(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Dwk("aauth-access.json".into()))(ctx, a)
}
/// `dwk` naming the person document of a host that serves both documents over one JWKS:
/// the key is found either way, so only the `dwk` check can refuse it.
fn dwk_person_same_keys(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    Presented::token(agent_token_from(
        ctx.world.odd_ap(OddProvider::DualRole),
        a,
        Some(TokenDefect::Dwk("aauth-person.json".into())),
        Map::new(),
    ))
}
fn dwk_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::RemoveClaim("dwk".into()))(ctx, a)
}
/// An `aa-auth+jwt` token signed by the AP's key, `dwk` still naming the agent document.
fn auth_kind_with_agent_dwk(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    let issuer = ctx.world.issuer(Party::AgentProvider);
    Presented::token(minted_as(
        ctx,
        a,
        issuer,
        TokenKind::Auth,
        Some(&TokenDefect::Dwk("aauth-agent.json".into())),
    ))
}
fn kid_unknown(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::KidUnknown)(ctx, a)
}
fn kid_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::KidMissing)(ctx, a)
}
fn kid_right_key_wrong(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::SignWithOtherKey)(ctx, a)
}
fn alg_none(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::AlgNone)(ctx, a)
}
fn hs256_public_key(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Hs256WithPublicKey)(ctx, a)
}
fn eddsa_header(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::HeaderAlg(Alg::EDDSA))(ctx, a)
}
fn expired(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::Expired)(ctx, a)
}
fn iat_future(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::IatFuture(600))(ctx, a)
}
fn issuer_variant(ctx: &CaseContext, a: &HarnessAgent, iss: String) -> Presented {
    with(TokenDefect::Iss(iss))(ctx, a)
}
fn iss_uppercase(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    issuer_variant(ctx, a, "https://AP.harness.test".into())
}
fn iss_trailing_slash(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    issuer_variant(ctx, a, format!("{}/", Party::AgentProvider.identifier()))
}
fn iss_port(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    issuer_variant(
        ctx,
        a,
        format!("{}:8443", Party::AgentProvider.identifier()),
    )
}
fn iss_http(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    issuer_variant(ctx, a, "http://ap.harness.test".into())
}
/// A token naming the agent but bound to another key, in a request signed by the agent's
/// own key (which the verifier has just seen it use).
fn cnf_other_key(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::CnfOtherKey)(ctx, a)
}
fn cnf_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::CnfMissing)(ctx, a)
}
/// No `cnf` at all, the request signed with the AP's own token key: a verifier that falls
/// back to the issuer key accepts it.
fn cnf_missing_issuer_signs(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    let key = ctx.world.issuer(Party::AgentProvider).key.clone();
    Presented::signed_by(agent_token(ctx, a, TokenDefect::CnfMissing), key)
}
fn cnf_x_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::CnfDrop("x".into()))(ctx, a)
}
fn cnf_kty_missing(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    with(TokenDefect::CnfDrop("kty".into()))(ctx, a)
}
fn cnf_x_short(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    // 31 bytes of key material, base64url without padding.
    with(TokenDefect::CnfMember(
        "x".into(),
        json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ))(ctx, a)
}
fn extra_claims(ctx: &CaseContext, a: &HarnessAgent) -> Presented {
    let mut extra = Map::new();
    extra.insert("x_foo".into(), json!("bar"));
    extra.insert("x_nested".into(), json!({ "a": [1, 2, 3], "b": null }));
    Presented::token(agent_token_from(ctx.world.ap(), a, None, extra))
}

/// The agent-token cases.
pub const CASES: &[Case<CaseContext>] = token_cases! {
    "tok.typ.person-in-agent-slot" => "Presents an agent token whose typ is aa-person+jwt",
        "TOK-001", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, typ_person, INVALID_JWT;
    "tok.typ.resource-in-agent-slot" => "Presents an agent token whose typ is aa-resource+jwt",
        "TOK-001", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, typ_resource, INVALID_JWT;
    "tok.typ.auth-in-agent-slot" => "Presents an agent token whose typ is aa-auth+jwt",
        "TOK-001", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, typ_auth, Expect::Refused;
    "tok.typ.plain-jwt" => "Presents an agent token whose typ is JWT",
        "TOK-001", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, typ_jwt, INVALID_JWT;
    "tok.typ.missing" => "Presents an agent token without a typ header",
        "TOK-001", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, typ_missing, INVALID_JWT;
    "tok.dwk.person-document" => "Presents an agent token whose dwk is aauth-person.json",
        "TOK-002", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, dwk_person, INVALID_JWT;
    "tok.dwk.access-document" => "Presents an agent token whose dwk is aauth-access.json",
        "TOK-002", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, dwk_access, INVALID_JWT;
    "tok.dwk.person-document-same-keys" => "Presents an agent token whose dwk names the person document of a host that publishes both over one JWKS",
        "TOK-002", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, dwk_person_same_keys, INVALID_JWT;
    "tok.dwk.missing" => "Presents an agent token without a dwk claim",
        "TOK-002", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, dwk_missing, INVALID_JWT;
    "tok.dwk.auth-typ-agent-document" => "Presents an aa-auth+jwt signed by an agent provider key with dwk aauth-agent.json",
        "TOK-002", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, auth_kind_with_agent_dwk, Expect::Refused;
    "tok.kid.unknown" => "Presents an agent token whose kid is not in the provider's JWKS",
        "TOK-003", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, kid_unknown, UNKNOWN_KEY;
    "tok.kid.missing" => "Presents an agent token without a kid header",
        "TOK-003", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, kid_missing, UNKNOWN_KEY;
    "tok.kid.right-kid-wrong-key" => "Presents an agent token signed by another key under the provider's kid",
        "TOK-003", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, kid_right_key_wrong, INVALID_JWT;
    "tok.alg.none" => "Presents an unsigned agent token with header alg none",
        "TOK-004", MustNot, AGENT_TOKEN_VERIFIERS, profiles::FROM_10, alg_none, ALG_REFUSED;
    "tok.alg.hs256-public-key" => "Presents an agent token MACed with HS256 keyed by the provider's public key",
        "TOK-004", MustNot, AGENT_TOKEN_VERIFIERS, profiles::FROM_10, hs256_public_key, ALG_REFUSED;
    "tok.alg.eddsa-header" => "Presents an Ed25519-signed agent token whose header alg is EdDSA",
        "TOK-004", MustNot, AGENT_TOKEN_VERIFIERS, profiles::FROM_10, eddsa_header, ALG_REFUSED;
    "tok.time.expired" => "Presents an agent token whose exp passed five minutes ago",
        "TOK-005", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, expired, EXPIRED;
    "tok.time.iat-future" => "Presents an agent token whose iat is ten minutes in the future",
        "TOK-005", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iat_future, Expect::Refused;
    "tok.iss.uppercase" => "Presents an agent token whose iss spells the provider's host in capitals",
        "TOK-006", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_uppercase, Expect::Refused;
    "tok.iss.trailing-slash" => "Presents an agent token whose iss has a trailing slash",
        "TOK-006", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_trailing_slash, Expect::Refused;
    "tok.iss.port" => "Presents an agent token whose iss carries an explicit port",
        "TOK-006", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_port, Expect::Refused;
    "tok.iss.http" => "Presents an agent token whose iss uses http",
        "TOK-006", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, iss_http, Expect::Refused;
    "tok.cnf.other-key" => "Presents the agent's token re-bound to another key in a request the agent signs",
        "TOK-007", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_other_key, WRONG_SIGNER;
    "tok.cnf.missing" => "Presents an agent token without cnf",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_missing, Expect::Refused;
    "tok.cnf.missing-issuer-signs" => "Presents an agent token without cnf in a request signed by the provider's token key",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_missing_issuer_signs, Expect::Refused;
    "tok.cnf.x-missing" => "Presents an agent token whose cnf.jwk has no x",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_x_missing, Expect::Refused;
    "tok.cnf.kty-missing" => "Presents an agent token whose cnf.jwk has no kty",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_kty_missing, Expect::Refused;
    "tok.cnf.x-31-bytes" => "Presents an agent token whose cnf.jwk x is 31 bytes long",
        "TOK-008", Must, AGENT_TOKEN_VERIFIERS, profiles::ALL, cnf_x_short, Expect::Refused;
    "tok.claims.unknown-ignored" => "Presents an agent token with unrecognised extra claims",
        "TOK-016", Must, PS_ONLY, profiles::ALL, extra_claims, Expect::SignatureAccepted;
};
