//! Who is calling the PS. Every agent endpoint (and every poll of a pending URL) runs the
//! shared verifier ([`crate::verify::verify_request`]) and then the PS's own rules:
//!
//! - the credential must be an agent token (a person or auth token is refused with `400
//!   invalid_agent_token`, the endpoint-table reading of requirements §6 G1);
//! - its issuer must be a trusted agent provider when the PS names any;
//! - it must not have been revoked at this PS (`{iss, jti}`; the `ps-revocation-keyed-by-jti`
//!   flaw looks at `jti` alone);
//! - it must not carry `parent_agent`: sub-agents go through their parent (PS-020). The
//!   `ps-subagent-direct` flaw skips this one check.
//!
//! Under -11 a request with a body must cover `content-type` and `content-digest`; the
//! `ps-body-digest-not-required` flaw turns that requirement off in the verifier config.
//!
//! [`subagent`] validates a `subagent_token` body parameter the same way, plus the
//! parent-child link (PS-007, PS-021; the `ps-subagent-parent-unchecked` flaw takes any
//! sub-agent token that names some parent).

use crate::jose::claims::{AgentClaims, TokenClaims, TokenKind};
use crate::jose::validate::Expected;
use crate::jose::PublicKey;
use crate::message::{Fields, Request, Response};
use crate::role::endpoint::{token_refusal, token_refusal_detail, validate_body_token};
use crate::role::flaw::Flaw;
use crate::role::Role;
use crate::verify::{verify_request, Signer, TypedClaims, VerifierConfig};
use crate::wire::signature_key::SignatureKey;

use super::Ps;

/// An authenticated agent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Caller {
    /// Its agent token's claims.
    pub agent: AgentClaims,
    /// The agent token as presented (forwarded to an AS as `agent_token`).
    pub agent_token: String,
    /// The key that signed the request (= `cnf.jwk`).
    pub key: PublicKey,
    /// The person it acts for.
    pub person: String,
}

impl Caller {
    /// The agent identifier.
    pub fn id(&self) -> &str {
        &self.agent.sub
    }
}

/// A validated `subagent_token`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SubAgent {
    /// Its claims.
    pub agent: AgentClaims,
    /// The token as sent.
    pub token: String,
    /// The sub-agent's key (`cnf.jwk`).
    pub key: PublicKey,
}

/// The verifier configuration of `ps`.
pub(crate) fn verifier_config(ps: &Ps) -> VerifierConfig {
    let mut config =
        VerifierConfig::for_role(ps.cfg.profile, Role::PersonServer, &ps.cfg.identifier)
            .with_flaws(ps.cfg.flaws.clone());
    if ps.has(Flaw::PsBodyDigestNotRequired) {
        config.requirements.body_digest = false;
    }
    config
}

/// Authenticate an agent request.
pub(crate) async fn authenticate(ps: &Ps, request: &Request) -> Result<Caller, Response> {
    let config = verifier_config(ps);
    let verified = verify_request(request, &config, ps.cfg.keys.as_ref(), ps.now())
        .await
        .map_err(|r| r.to_response())?;
    let agent = match &verified.signer {
        Signer::Token(credential) => match &credential.claims {
            TypedClaims::Agent(claims) => claims.clone(),
            // Under `ps-credential-kind-unchecked`: any bound token the signature checks
            // out for is read as if it were an agent token.
            _ if ps.has(Flaw::PsCredentialKindUnchecked) => {
                AgentClaims::from_map(credential.token.claims.clone()).map_err(|e| {
                    token_refusal_detail(TokenKind::Agent, format!("unreadable claims: {e}"))
                })?
            }
            _ => {
                return Err(token_refusal_detail(
                    TokenKind::Agent,
                    format!(
                        "this endpoint takes an agent token, not {}",
                        credential.kind.typ()
                    ),
                ))
            }
        },
        _ => {
            return Err(token_refusal_detail(
                TokenKind::Agent,
                "this endpoint takes an agent token (scheme jwt)",
            ))
        }
    };
    check_agent(ps, &agent)?;
    if agent.parent_agent.is_some() && !ps.has(Flaw::PsSubAgentDirect) {
        return Err(token_refusal_detail(
            TokenKind::Agent,
            "a sub-agent must not call the person server; its parent agent requests for it",
        ));
    }
    let agent_token = presented_token(request, &verified.label).unwrap_or_default();
    let person = ps.cfg.people.person_for(&agent.sub).to_string();
    Ok(Caller {
        agent,
        agent_token,
        key: verified.key,
        person,
    })
}

/// Trust and revocation rules for any agent token the PS acts on.
fn check_agent(ps: &Ps, agent: &AgentClaims) -> Result<(), Response> {
    let trusted = &ps.cfg.trusted_agent_providers;
    if !trusted.is_empty() && !trusted.contains(&agent.iss) {
        return Err(token_refusal_detail(
            TokenKind::Agent,
            format!("agent provider {} is not trusted here", agent.iss),
        ));
    }
    let revoked = {
        let state = ps.state();
        if ps.has(Flaw::PsRevocationKeyedByJti) {
            state.records.is_jti_revoked(&agent.jti)
        } else {
            state.records.is_revoked(&agent.iss, &agent.jti)
        }
    };
    if revoked {
        return Err(token_refusal_detail(
            TokenKind::Agent,
            "the agent token has been revoked",
        ));
    }
    Ok(())
}

/// The compact token the verified label's `Signature-Key` member carried.
fn presented_token(request: &Request, label: &str) -> Option<String> {
    let field = request.header("signature-key")?;
    let parsed = SignatureKey::parse(field.as_bytes()).ok()?;
    let member = parsed.select(label).ok()?;
    member.jwt().map(str::to_string)
}

/// Validate a `subagent_token` sent by `caller` (its parent).
pub(crate) async fn subagent(ps: &Ps, caller: &Caller, token: &str) -> Result<SubAgent, Response> {
    let expected = Expected::new(ps.cfg.profile, ps.now());
    let valid = validate_body_token(TokenKind::Agent, token, &expected, ps.cfg.keys.as_ref())
        .await
        .map_err(|f| token_refusal(TokenKind::Agent, &f))?;
    let agent: AgentClaims = valid
        .typed()
        .map_err(|f| token_refusal(TokenKind::Agent, &f))?;
    check_agent(ps, &agent)?;
    let parent_ok = agent.parent_agent.as_deref() == Some(caller.id())
        || (ps.has(Flaw::PsSubAgentParentUnchecked) && agent.parent_agent.is_some());
    if !parent_ok {
        return Err(token_refusal_detail(
            TokenKind::Agent,
            "the subagent_token's parent_agent does not name the signing agent",
        ));
    }
    let key = valid.cnf_key.ok_or_else(|| {
        token_refusal_detail(TokenKind::Agent, "the subagent_token has no usable cnf.jwk")
    })?;
    Ok(SubAgent {
        agent,
        token: token.to_string(),
        key,
    })
}
