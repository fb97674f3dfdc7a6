//! The reference agent: an identity (`aauth:local@domain`), a signing key and an agent
//! token, able to sign requests exactly as AAuth requires or with one named
//! [`RequestDefect`], and to drive a whole access flow ([`flow::AgentFlow`]).
//!
//! Signing is separate from flow driving on purpose. A case that tests a resource's
//! verifier signs one request with one defect and looks at one answer; a case that tests a
//! resource's challenges, or a PS, runs the flow and looks at every step. Both present
//! tokens the same way: `Signature-Key: <label>=jwt;jwt="<token>"`, where the token is
//! whichever one the step presents (agent, person or auth token).

pub mod flow;

use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::defect::{build_signed_request, RequestDefect, SignedRequestSpec};
use crate::httpsig::sign::{AauthSignContext, SignError};
use crate::jose::jws;
use crate::jose::{PublicKey, SigningKey};
use crate::message::Request;
use crate::profile::Profile;
use crate::target::client::HttpClient;

pub use flow::{
    AgentFlow, Credentials, FlowFailure, FlowLimits, FlowOutcome, FlowParty, FlowResult, FlowStep,
    StepKind,
};

/// The signature label the harness agent uses unless told otherwise.
pub const DEFAULT_LABEL: &str = "sig";

/// An agent the harness plays.
#[derive(Clone, Debug)]
pub struct HarnessAgent {
    /// Agent identifier, `aauth:local@domain`.
    pub id: String,
    /// The key requests are signed with (the agent token's `cnf.jwk`).
    pub key: SigningKey,
    /// The agent token from its provider.
    pub agent_token: String,
    /// The agent's person server (the agent token's `ps`), if any.
    pub ps: Option<String>,
    /// The signature label (`sig`).
    pub label: String,
}

/// The `Signature-Key` member value (without label) that presents `token`.
pub fn jwt_member(token: &str) -> String {
    format!("jwt;jwt=\"{token}\"")
}

/// The claims of a compact JWT, without verifying anything (the harness reads its own
/// tokens and tokens it is about to judge with the proper validator).
pub fn unverified_claims(token: &str) -> Option<Map<String, Value>> {
    jws::decode(token).ok()?.payload_object().ok()
}

impl HarnessAgent {
    /// An agent with this identity, key and token. `ps` is read from the token.
    pub fn new(id: &str, key: SigningKey, agent_token: &str) -> Self {
        let ps = unverified_claims(agent_token)
            .and_then(|c| c.get("ps").and_then(Value::as_str).map(str::to_string));
        HarnessAgent {
            id: id.to_string(),
            key,
            agent_token: agent_token.to_string(),
            ps,
            label: DEFAULT_LABEL.to_string(),
        }
    }

    /// Override the person server the agent believes it has.
    pub fn with_ps(mut self, ps: Option<&str>) -> Self {
        self.ps = ps.map(str::to_string);
        self
    }

    /// Sign under another label.
    pub fn with_label(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }

    /// The same agent presenting another agent token (e.g. one minted with a defect).
    pub fn with_agent_token(mut self, token: &str) -> Self {
        self.agent_token = token.to_string();
        self
    }

    /// The local part of the agent's identifier `aauth:<local>@<domain>` (`agent` when the
    /// identifier does not have that shape).
    pub fn local(&self) -> &str {
        self.id
            .strip_prefix("aauth:")
            .and_then(|rest| rest.rsplit_once('@'))
            .map(|(local, _)| local)
            .unwrap_or("agent")
    }

    /// The public half of the signing key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// RFC 7638 thumbprint of the signing key (what resource tokens carry as `agent_jkt`).
    pub fn thumbprint(&self) -> String {
        self.key.public_key().thumbprint()
    }

    /// The agent token's claims (unverified).
    pub fn agent_token_claims(&self) -> Option<Map<String, Value>> {
        unverified_claims(&self.agent_token)
    }

    /// What [`build_signed_request`] needs to sign `request` presenting `token`.
    pub fn spec(
        &self,
        request: Request,
        token: &str,
        ctx: &AauthSignContext,
        created: i64,
    ) -> SignedRequestSpec {
        SignedRequestSpec {
            request,
            key: self.key.clone(),
            label: self.label.clone(),
            signature_key_member: jwt_member(token),
            created,
            ctx: ctx.clone(),
        }
    }

    /// Sign `request` presenting `token` in `Signature-Key`, covering what `ctx` requires.
    pub fn sign(
        &self,
        request: Request,
        token: &str,
        ctx: &AauthSignContext,
        created: i64,
    ) -> Result<Request, SignError> {
        self.sign_with_defect(request, token, ctx, created, None)
    }

    /// As [`HarnessAgent::sign`], with one deliberate deviation.
    pub fn sign_with_defect(
        &self,
        request: Request,
        token: &str,
        ctx: &AauthSignContext,
        created: i64,
        defect: Option<&RequestDefect>,
    ) -> Result<Request, SignError> {
        build_signed_request(&self.spec(request, token, ctx, created), defect)
    }

    /// Sign `request` presenting the agent token.
    pub fn sign_with_agent_token(
        &self,
        request: Request,
        ctx: &AauthSignContext,
        created: i64,
    ) -> Result<Request, SignError> {
        self.sign(request, &self.agent_token.clone(), ctx, created)
    }

    /// A flow driver for this agent.
    pub fn flow(&self, client: HttpClient, clock: Clock, profile: Profile) -> AgentFlow {
        AgentFlow::new(self.clone(), client, clock, profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::httpsig::profile::{verify_aauth, ProfileRequirements};
    use crate::jose::Alg;
    use crate::message::Fields;

    #[test]
    fn signs_with_the_presented_token_and_verifies() {
        let key = SigningKey::from_seed(&Alg::ED25519, [9; 32]).expect("key");
        let agent = HarnessAgent::new("aauth:a@ap.harness.test", key, "a.b.c");
        let req = Request::new("GET", "https", "resource.harness.test", "/api/data");
        let signed = agent
            .sign(req, "x.y.z", &AauthSignContext::resource(), 100)
            .expect("signs");
        assert_eq!(
            signed.header("signature-key").as_deref(),
            Some("sig=jwt;jwt=\"x.y.z\"")
        );
        let verified = verify_aauth(
            &signed,
            "sig",
            &["sig"],
            &agent.public_key(),
            &ProfileRequirements::resource(),
            100,
        );
        assert!(verified.is_ok(), "{verified:?}");
        let broken = agent
            .sign_with_defect(
                Request::new("GET", "https", "resource.harness.test", "/api/data"),
                "x.y.z",
                &AauthSignContext::resource(),
                100,
                Some(&RequestDefect::OmitComponent("@authority".into())),
            )
            .expect("signs");
        assert!(!broken
            .header("signature-input")
            .unwrap_or_default()
            .contains("@authority"));
    }
}
