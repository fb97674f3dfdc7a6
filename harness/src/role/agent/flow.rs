//! The agent's flow driver: call a resource, act on its challenges, and come back with the
//! answer and every exchange on the way.
//!
//! ```text
//! call resource ─ 2xx ─────────────────────────────────────────────── Completed
//!      │ 401 requirement=agent-token ── present the agent token, retry
//!      │ 401 requirement=person-token ─ POST PS person_token_endpoint {resource} (aauth-11)
//!      │                                 → present the person token, retry
//!      │ 401 requirement=auth-token ─── check the resource token (iss, agent_jkt, ps, sub,
//!      │                                 exp, signature), POST PS auth_token_endpoint
//!      │                                 (token_endpoint in aauth-10) → check the auth token
//!      │                                 → present it, retry
//!      │ 202 ─────────────────────────── poll Location (Retry-After honoured, bounded);
//!      │                                 requirement=auth-token there: get the token, then
//!      │                                 poll presenting it
//!      └ anything else ───────────────── Refused (the resource's final word)
//! ```
//!
//! The PS endpoints come from the PS metadata the agent fetches (and checks `issuer` of);
//! `AAuth-Access` session tokens are adopted from any resource response and sent back as
//! `Authorization: AAuth` (covered by the signature) until the resource refuses them.
//!
//! Invariants: the driver never panics and never loops unboundedly. Every exchange counts
//! against [`FlowLimits::max_steps`], every pending URL against [`FlowLimits::max_polls`],
//! every wait is capped, and the whole call runs under one deadline. The outcome says whose
//! fault a failure is ([`FlowFailure::party`]), so a case can blame the right party.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::{unverified_claims, HarnessAgent};
use crate::clock::Clock;
use crate::httpsig::component::ComponentId;
use crate::httpsig::sign::{AauthSignContext, SignError};
use crate::jose::claims::{dwk, TokenKind};
use crate::jose::jwk::JwkRules;
use crate::jose::jwks::Jwks;
use crate::jose::validate::{validate_token, Expected, StaticResolver, ValidToken};
use crate::message::{Fields, Request, Response};
use crate::profile::Profile;
use crate::role::Role;
use crate::target::client::{request_for_url, Fault, HttpClient, TransportError};
use crate::wire::aauth_access::SessionToken;
use crate::wire::aauth_requirement::{AauthRequirement, Requirement};
use crate::wire::metadata::{check_issuer, well_known_url, PersonServerMetadata, ResourceMetadata};
use crate::wire::problem::Problem;

/// Bounds on one [`AgentFlow::call`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowLimits {
    /// Most HTTP exchanges in one call, metadata fetches and polls included.
    pub max_steps: usize,
    /// Time allowed for the whole call.
    pub deadline: Duration,
    /// Most polls of one pending URL.
    pub max_polls: usize,
    /// Longest single wait between polls, whatever `Retry-After` says.
    pub max_retry_after: Duration,
    /// Wait when a `202` carries no usable `Retry-After` (the drafts suggest 5 s; capped by
    /// `max_retry_after`).
    pub default_retry_after: Duration,
    /// `Prefer: wait=N` to send on PS token requests and polls.
    pub prefer_wait: Option<u32>,
}

impl Default for FlowLimits {
    fn default() -> Self {
        FlowLimits {
            max_steps: 24,
            deadline: Duration::from_secs(60),
            max_polls: 10,
            max_retry_after: Duration::from_secs(5),
            default_retry_after: Duration::from_secs(5),
            prefer_wait: None,
        }
    }
}

/// What an exchange was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// The call to the resource (and its retries).
    Resource,
    /// Fetching the resource's metadata or JWKS.
    ResourceKeys,
    /// Fetching the PS metadata.
    PersonServerMetadata,
    /// Fetching an issuer's metadata or JWKS to check a token it issued.
    IssuerKeys,
    /// `person_token_endpoint`.
    PersonToken,
    /// `auth_token_endpoint` / `token_endpoint`.
    AuthToken,
    /// Polling a pending URL of the resource.
    ResourcePoll,
    /// Polling a pending URL of the PS.
    PersonServerPoll,
}

impl StepKind {
    /// The party the exchange was with.
    pub fn party(self) -> FlowParty {
        match self {
            StepKind::Resource | StepKind::ResourceKeys | StepKind::ResourcePoll => {
                FlowParty::Resource
            }
            StepKind::PersonServerMetadata
            | StepKind::PersonToken
            | StepKind::AuthToken
            | StepKind::PersonServerPoll => FlowParty::PersonServer,
            StepKind::IssuerKeys => FlowParty::Issuer,
        }
    }
}

/// Who a flow failure is blamed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowParty {
    /// The resource called.
    Resource,
    /// The agent's person server.
    PersonServer,
    /// Another issuer whose token the agent checked (an AS in four-party flows).
    Issuer,
    /// The harness itself (bad configuration, unsignable request).
    Harness,
}

/// One exchange of a flow, as sent and as answered.
#[derive(Clone, Debug)]
pub struct FlowStep {
    /// What it was for.
    pub kind: StepKind,
    /// Where it was sent (`https://name` or `http://127.0.0.1:port`).
    pub address: String,
    /// The request as signed.
    pub request: Request,
    /// The answer, or why there was none.
    pub response: Result<Response, TransportError>,
}

/// Why a flow could not finish.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FlowFailure {
    /// A party did not answer usably.
    #[error("{kind:?}: {error}")]
    Transport {
        /// The exchange.
        kind: StepKind,
        /// What went wrong.
        error: TransportError,
    },
    /// A party answered with a status the agent cannot proceed from.
    #[error("{kind:?} answered {status}: {detail}")]
    Refused {
        /// The exchange.
        kind: StepKind,
        /// The status.
        status: u16,
        /// The `error`/`detail` of the body, or a note.
        detail: String,
    },
    /// The resource's challenge cannot be acted on (malformed header, missing parameter).
    #[error("unusable challenge: {0}")]
    BadChallenge(String),
    /// The resource asked for something this agent cannot provide.
    #[error("requirement {0:?} cannot be satisfied")]
    Unsatisfiable(String),
    /// The resource token failed the agent's checks.
    #[error("resource token refused: {0}")]
    ResourceToken(String),
    /// The person token the PS returned failed the agent's checks.
    #[error("person token refused: {0}")]
    PersonToken(String),
    /// The auth token returned failed the agent's checks.
    #[error("auth token refused: {0}")]
    AuthToken(String),
    /// The PS metadata is missing, unusable or names another issuer.
    #[error("person server metadata: {0}")]
    PersonServerMetadata(String),
    /// The agent has no person server but the flow needs one.
    #[error("the agent token names no person server")]
    NoPersonServer,
    /// A pending URL kept answering `202`.
    #[error("{kind:?} still pending after {polls} polls")]
    StillPending {
        /// The polled party's exchange kind.
        kind: StepKind,
        /// Polls made.
        polls: usize,
    },
    /// Too many exchanges.
    #[error("step limit of {limit} exchanges reached")]
    StepLimit {
        /// The limit.
        limit: usize,
        /// Who was being talked to last.
        last: Option<StepKind>,
    },
    /// The deadline passed.
    #[error("flow did not finish within {} ms", .after.as_millis())]
    Timeout {
        /// The deadline.
        after: Duration,
        /// Who was being talked to last.
        last: Option<StepKind>,
    },
    /// The harness could not sign a request.
    #[error("cannot sign: {0}")]
    Sign(SignError),
}

impl FlowFailure {
    /// Whose fault the failure is.
    pub fn party(&self) -> FlowParty {
        match self {
            FlowFailure::Transport { error, .. } if error.fault() == Fault::Harness => {
                FlowParty::Harness
            }
            FlowFailure::Transport { kind, .. }
            | FlowFailure::Refused { kind, .. }
            | FlowFailure::StillPending { kind, .. } => kind.party(),
            FlowFailure::BadChallenge(_)
            | FlowFailure::Unsatisfiable(_)
            | FlowFailure::ResourceToken(_) => FlowParty::Resource,
            FlowFailure::PersonToken(_)
            | FlowFailure::AuthToken(_)
            | FlowFailure::PersonServerMetadata(_) => FlowParty::PersonServer,
            FlowFailure::StepLimit { last, .. } | FlowFailure::Timeout { last, .. } => {
                last.map_or(FlowParty::Harness, StepKind::party)
            }
            FlowFailure::NoPersonServer | FlowFailure::Sign(_) => FlowParty::Harness,
        }
    }
}

/// How a flow ended.
#[derive(Clone, Debug)]
pub enum FlowOutcome {
    /// The resource served the request (2xx other than 202).
    Completed(Response),
    /// The resource gave a final answer the agent cannot act on (403, 400, a `401` with only
    /// `Signature-Error`, a challenge in `WWW-Authenticate`...).
    Refused(Response),
    /// The agent could not finish.
    Failed(FlowFailure),
}

/// What the agent holds for one resource.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Credentials {
    /// Person token for this resource (aauth-11).
    pub person_token: Option<String>,
    /// The last resource token received.
    pub resource_token: Option<String>,
    /// Auth token for this resource.
    pub auth_token: Option<String>,
    /// Session token from `AAuth-Access`.
    pub session_token: Option<SessionToken>,
}

/// Everything one call did.
#[derive(Clone, Debug)]
pub struct FlowResult {
    /// Every exchange, in order.
    pub steps: Vec<FlowStep>,
    /// How it ended.
    pub outcome: FlowOutcome,
    /// What the agent held for the resource at the end.
    pub credentials: Credentials,
}

impl FlowResult {
    /// The resource's final response, served or refused.
    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            FlowOutcome::Completed(r) | FlowOutcome::Refused(r) => Some(r),
            FlowOutcome::Failed(_) => None,
        }
    }

    /// True when the resource served the request.
    pub fn is_completed(&self) -> bool {
        matches!(self.outcome, FlowOutcome::Completed(_))
    }

    /// The failure, when the agent could not finish.
    pub fn failure(&self) -> Option<&FlowFailure> {
        match &self.outcome {
            FlowOutcome::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// The exchanges of one kind.
    pub fn steps_of(&self, kind: StepKind) -> impl Iterator<Item = &FlowStep> {
        self.steps.iter().filter(move |s| s.kind == kind)
    }
}

/// Which token a resource request presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presented {
    Agent,
    Person,
    Auth,
}

/// Drives flows for one agent; credentials are kept per resource across calls.
#[derive(Debug)]
pub struct AgentFlow {
    agent: HarnessAgent,
    client: HttpClient,
    clock: Clock,
    profile: Profile,
    limits: FlowLimits,
    mission_s256: Option<String>,
    credentials: HashMap<String, Credentials>,
    resource_contexts: HashMap<String, AauthSignContext>,
    ps_metadata: Option<PersonServerMetadata>,
    key_sets: HashMap<(String, String), Jwks>,
    steps: Vec<FlowStep>,
    aliases: HashMap<String, String>,
}

type Step<T> = Result<T, FlowFailure>;

fn problem_detail(response: &Response) -> String {
    match Problem::parse(&response.body) {
        Ok(p) => match p.detail {
            Some(d) => format!("{}: {d}", p.error.as_str()),
            None => p.error.as_str().to_string(),
        },
        Err(_) => {
            String::from_utf8_lossy(response.body.get(..200).unwrap_or(&response.body)).into_owned()
        }
    }
}

fn str_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Seconds from a `Retry-After` value (delta-seconds only; dates are treated as absent).
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.header("retry-after")?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl AgentFlow {
    /// A driver for `agent` talking through `client`.
    pub fn new(agent: HarnessAgent, client: HttpClient, clock: Clock, profile: Profile) -> Self {
        AgentFlow {
            agent,
            client,
            clock,
            profile,
            limits: FlowLimits::default(),
            mission_s256: None,
            credentials: HashMap::new(),
            resource_contexts: HashMap::new(),
            ps_metadata: None,
            key_sets: HashMap::new(),
            steps: Vec::new(),
            aliases: HashMap::new(),
        }
    }

    /// Use these bounds.
    pub fn with_limits(mut self, limits: FlowLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Ask for person tokens under this mission (`mission_s256`).
    pub fn with_mission(mut self, s256: &str) -> Self {
        self.mission_s256 = Some(s256.to_string());
        self
    }

    /// The agent driven.
    pub fn agent(&self) -> &HarnessAgent {
        &self.agent
    }

    /// What the agent holds for `resource` (an identifier such as `https://r.example`).
    pub fn credentials(&self, resource: &str) -> Option<&Credentials> {
        self.credentials.get(resource)
    }

    /// Replace what the agent holds for `resource` (a case planting a token).
    pub fn set_credentials(&mut self, resource: &str, credentials: Credentials) {
        self.credentials.insert(resource.to_string(), credentials);
    }

    /// Forget every cached credential, metadata document and key set.
    pub fn forget(&mut self) {
        self.credentials.clear();
        self.resource_contexts.clear();
        self.ps_metadata = None;
        self.key_sets.clear();
    }

    /// Call the resource at `address` with `request` (unsigned; its `authority` names the
    /// resource, whose identifier is `https://<authority>`), acting on challenges until the
    /// resource gives a final answer or the flow fails.
    pub async fn call(&mut self, address: &str, request: Request) -> FlowResult {
        self.steps.clear();
        let resource = format!("https://{}", request.authority.to_ascii_lowercase());
        self.aliases
            .insert(request.authority.to_ascii_lowercase(), address.to_string());
        let deadline = self.limits.deadline;
        let outcome =
            match tokio::time::timeout(deadline, self.drive(address, &resource, &request)).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(failure)) => FlowOutcome::Failed(failure),
                Err(_) => FlowOutcome::Failed(FlowFailure::Timeout {
                    after: deadline,
                    last: self.steps.last().map(|s| s.kind),
                }),
            };
        FlowResult {
            steps: std::mem::take(&mut self.steps),
            outcome,
            credentials: self.credentials.get(&resource).cloned().unwrap_or_default(),
        }
    }

    fn creds(&mut self, resource: &str) -> &mut Credentials {
        self.credentials.entry(resource.to_string()).or_default()
    }

    /// Drop cached tokens that have expired.
    fn prune(&mut self, resource: &str) {
        let now = self.clock.now();
        let live = |t: &Option<String>| {
            t.as_deref()
                .and_then(unverified_claims)
                .and_then(|c| c.get("exp").and_then(Value::as_i64))
                .is_some_and(|exp| exp > now)
        };
        let creds = self.creds(resource);
        if !live(&creds.person_token) {
            creds.person_token = None;
        }
        if !live(&creds.auth_token) {
            creds.auth_token = None;
        }
    }

    async fn drive(
        &mut self,
        address: &str,
        resource: &str,
        request: &Request,
    ) -> Step<FlowOutcome> {
        let ctx = self.resource_context(resource).await;
        let mut auth_rounds = 0usize;
        let mut person_rounds = 0usize;
        loop {
            self.prune(resource);
            let creds = self.creds(resource).clone();
            let (presented, token) = match (&creds.auth_token, &creds.person_token) {
                (Some(t), _) => (Presented::Auth, t.clone()),
                (None, Some(t)) if self.profile.has_person_tokens() => {
                    (Presented::Person, t.clone())
                }
                _ => (Presented::Agent, self.agent.agent_token.clone()),
            };
            let mut outgoing = request.clone();
            let with_session = creds.session_token.is_some();
            if let Some(session) = &creds.session_token {
                outgoing.set_header("Authorization", session.authorization_value());
            }
            let signed = self
                .agent
                .sign(outgoing, &token, &ctx, self.clock.now())
                .map_err(FlowFailure::Sign)?;
            let response = self.exchange(StepKind::Resource, address, signed).await?;
            self.adopt_session(resource, &response);
            match response.status {
                202 => {
                    return self
                        .resource_pending(address, resource, &ctx, &token, response)
                        .await
                }
                200..=299 => return Ok(FlowOutcome::Completed(response)),
                401 => {}
                _ => return Ok(FlowOutcome::Refused(response)),
            }
            let requirement = match response.header("aauth-requirement") {
                None if with_session => {
                    // The session may have ended; fall back to the tokens.
                    self.creds(resource).session_token = None;
                    continue;
                }
                None => return Ok(FlowOutcome::Refused(response)),
                Some(value) => AauthRequirement::parse(&value)
                    .map_err(|e| FlowFailure::BadChallenge(e.to_string()))?,
            };
            match requirement.requirement.as_str() {
                "agent-token" => {
                    if presented == Presented::Agent && !with_session {
                        return Ok(FlowOutcome::Refused(response));
                    }
                    let creds = self.creds(resource);
                    creds.session_token = None;
                    creds.auth_token = None;
                    creds.person_token = None;
                }
                "person-token" => {
                    if !self.profile.has_person_tokens() {
                        return Err(FlowFailure::Unsatisfiable("person-token".into()));
                    }
                    person_rounds += 1;
                    if person_rounds > 2 {
                        return Ok(FlowOutcome::Refused(response));
                    }
                    let person = self.person_token(resource).await?;
                    let creds = self.creds(resource);
                    creds.person_token = Some(person);
                    creds.auth_token = None;
                    creds.session_token = None;
                }
                "auth-token" => {
                    auth_rounds += 1;
                    if auth_rounds > 2 {
                        return Ok(FlowOutcome::Refused(response));
                    }
                    let resource_token = requirement.resource_token.ok_or_else(|| {
                        FlowFailure::BadChallenge("auth-token without resource-token".into())
                    })?;
                    let auth = self.obtain_auth_token(resource, &resource_token).await?;
                    let creds = self.creds(resource);
                    creds.auth_token = Some(auth);
                    creds.session_token = None;
                }
                other => return Err(FlowFailure::Unsatisfiable(other.to_string())),
            }
        }
    }

    /// A `202` from the resource: obtain an auth token first when the pending response asks
    /// for one (deferred delivery), then poll presenting the right token.
    async fn resource_pending(
        &mut self,
        address: &str,
        resource: &str,
        ctx: &AauthSignContext,
        token: &str,
        pending: Response,
    ) -> Step<FlowOutcome> {
        let mut token = token.to_string();
        if let Some(value) = pending.header("aauth-requirement") {
            let requirement = AauthRequirement::parse(&value)
                .map_err(|e| FlowFailure::BadChallenge(e.to_string()))?;
            if requirement.requirement == Requirement::AUTH_TOKEN {
                let resource_token = requirement.resource_token.ok_or_else(|| {
                    FlowFailure::BadChallenge("auth-token without resource-token".into())
                })?;
                let auth = self.obtain_auth_token(resource, &resource_token).await?;
                self.creds(resource).auth_token = Some(auth.clone());
                token = auth;
            }
        }
        let final_response = self
            .poll(
                StepKind::ResourcePoll,
                address,
                resource,
                ctx,
                &token,
                pending,
            )
            .await?;
        self.adopt_session(resource, &final_response);
        Ok(match final_response.status {
            200..=299 => FlowOutcome::Completed(final_response),
            _ => FlowOutcome::Refused(final_response),
        })
    }

    fn adopt_session(&mut self, resource: &str, response: &Response) {
        let values: Vec<&str> = response.header_all("aauth-access").collect();
        if values.is_empty() {
            return;
        }
        if let Ok(session) = SessionToken::parse_fields(&values) {
            self.creds(resource).session_token = Some(session);
        }
    }

    /// Send one request, record it, and turn a transport failure into a flow failure.
    async fn exchange(
        &mut self,
        kind: StepKind,
        address: &str,
        request: Request,
    ) -> Step<Response> {
        if self.steps.len() >= self.limits.max_steps {
            return Err(FlowFailure::StepLimit {
                limit: self.limits.max_steps,
                last: self.steps.last().map(|s| s.kind),
            });
        }
        let result = self.client.send(address, &request).await;
        self.steps.push(FlowStep {
            kind,
            address: address.to_string(),
            request,
            response: result.clone(),
        });
        result.map_err(|error| FlowFailure::Transport { kind, error })
    }

    /// Where to send a request for `url`: the resource's own address when the URL is on the
    /// resource's host (an implementation under test need not be routed), else the URL's
    /// origin through the routing table.
    fn locate(&self, method: &str, url: &str) -> Result<(String, Request), TransportError> {
        let (origin, request) = request_for_url(method, url)?;
        let address = self
            .aliases
            .get(&request.authority.to_ascii_lowercase())
            .cloned()
            .unwrap_or(origin);
        Ok((address, request))
    }

    async fn get_json(&mut self, kind: StepKind, url: &str) -> Step<(Response, Value)> {
        let (address, request) = self
            .locate("GET", url)
            .map_err(|error| FlowFailure::Transport { kind, error })?;
        let response = self.exchange(kind, &address, request).await?;
        if response.status != 200 {
            return Err(FlowFailure::Refused {
                kind,
                status: response.status,
                detail: format!("GET {url}"),
            });
        }
        let value = response.body_json().ok_or_else(|| FlowFailure::Refused {
            kind,
            status: response.status,
            detail: format!("{url} is not JSON"),
        })?;
        Ok((response, value))
    }

    /// The signing context the resource asks for (`additional_signature_components`), from
    /// its metadata. A resource without usable metadata gets the base components.
    async fn resource_context(&mut self, resource: &str) -> AauthSignContext {
        if let Some(ctx) = self.resource_contexts.get(resource) {
            return ctx.clone();
        }
        let url = well_known_url(resource, dwk::RESOURCE);
        let mut ctx = AauthSignContext::resource();
        if let Ok((response, _)) = self.get_json(StepKind::ResourceKeys, &url).await {
            if let Ok(meta) = ResourceMetadata::parse(&response.body) {
                let extra = meta
                    .additional_signature_components
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| ComponentId::parse(c).ok())
                    .collect::<Vec<_>>();
                ctx = ctx.with_additional(extra);
            }
        }
        self.resource_contexts
            .insert(resource.to_string(), ctx.clone());
        ctx
    }

    async fn person_server(&mut self) -> Step<(String, PersonServerMetadata)> {
        let ps = self.agent.ps.clone().ok_or(FlowFailure::NoPersonServer)?;
        if let Some(meta) = &self.ps_metadata {
            return Ok((ps, meta.clone()));
        }
        let url = well_known_url(&ps, dwk::PERSON);
        let (response, _) = self
            .get_json(StepKind::PersonServerMetadata, &url)
            .await
            .map_err(|f| match f {
                FlowFailure::Refused { detail, status, .. } => {
                    FlowFailure::PersonServerMetadata(format!("{status}: {detail}"))
                }
                other => other,
            })?;
        check_issuer(&response.body, &ps)
            .map_err(|p| FlowFailure::PersonServerMetadata(format!("{p:?}")))?;
        let meta = PersonServerMetadata::parse(&response.body)
            .map_err(|e| FlowFailure::PersonServerMetadata(e.to_string()))?;
        self.ps_metadata = Some(meta.clone());
        Ok((ps, meta))
    }

    /// The JWKS `iss` publishes under `dwk`, fetched once and kept.
    async fn keys(&mut self, kind: StepKind, iss: &str, dwk_name: &str) -> Step<StaticResolver> {
        let key = (iss.to_string(), dwk_name.to_string());
        if !self.key_sets.contains_key(&key) {
            let (response, doc) = self.get_json(kind, &well_known_url(iss, dwk_name)).await?;
            check_issuer(&response.body, iss).map_err(|p| FlowFailure::Refused {
                kind,
                status: response.status,
                detail: format!("{iss} metadata: {p:?}"),
            })?;
            let jwks_uri = doc
                .get("jwks_uri")
                .and_then(Value::as_str)
                .ok_or_else(|| FlowFailure::Refused {
                    kind,
                    status: response.status,
                    detail: format!("{iss} metadata has no jwks_uri"),
                })?
                .to_string();
            let (response, _) = self.get_json(kind, &jwks_uri).await?;
            let jwks = Jwks::parse(&String::from_utf8_lossy(&response.body)).map_err(|e| {
                FlowFailure::Refused {
                    kind,
                    status: response.status,
                    detail: format!("{jwks_uri}: {e}"),
                }
            })?;
            self.key_sets.insert(key.clone(), jwks);
        }
        let mut resolver = StaticResolver::new(JwkRules::for_profile(self.profile));
        if let Some(jwks) = self.key_sets.get(&key) {
            resolver.insert(iss, dwk_name, jwks.clone());
        }
        Ok(resolver)
    }

    /// POST JSON to a PS endpoint presenting the agent token; a `202` is polled to its end.
    async fn ps_post(&mut self, kind: StepKind, endpoint: &str, body: &Value) -> Step<Response> {
        let (address, request) = self
            .locate("POST", endpoint)
            .map_err(|error| FlowFailure::Transport { kind, error })?;
        let mut request = request
            .with_header("Content-Type", "application/json")
            .with_body(body.to_string());
        if let Some(wait) = self.limits.prefer_wait {
            request.set_header("Prefer", format!("wait={wait}"));
        }
        let ctx = AauthSignContext::for_role(self.profile, Role::PersonServer);
        let token = self.agent.agent_token.clone();
        let signed = self
            .agent
            .sign(request, &token, &ctx, self.clock.now())
            .map_err(FlowFailure::Sign)?;
        let mut response = self.exchange(kind, &address, signed).await?;
        if response.status == 202 {
            let origin = endpoint_origin(endpoint);
            response = self
                .poll(
                    StepKind::PersonServerPoll,
                    &address,
                    &origin,
                    &ctx,
                    &token,
                    response,
                )
                .await?;
        }
        if response.status != 200 {
            return Err(FlowFailure::Refused {
                kind,
                status: response.status,
                detail: problem_detail(&response),
            });
        }
        Ok(response)
    }

    /// Poll the `Location` of `pending` until it stops answering `202`.
    async fn poll(
        &mut self,
        kind: StepKind,
        address: &str,
        origin: &str,
        ctx: &AauthSignContext,
        token: &str,
        pending: Response,
    ) -> Step<Response> {
        let mut response = pending;
        let mut extra_wait = Duration::ZERO;
        for _ in 0..self.limits.max_polls {
            let location = response
                .header("location")
                .ok_or_else(|| FlowFailure::Refused {
                    kind,
                    status: response.status,
                    detail: "pending response without Location".into(),
                })?;
            let url = if location.starts_with('/') {
                format!("{origin}{location}")
            } else {
                location
            };
            let wait = retry_after(&response)
                .unwrap_or(self.limits.default_retry_after)
                .saturating_add(extra_wait)
                .min(self.limits.max_retry_after);
            tokio::time::sleep(wait).await;
            let (url_origin, mut request) = request_for_url("GET", &url)
                .map_err(|error| FlowFailure::Transport { kind, error })?;
            if url_origin != origin {
                return Err(FlowFailure::Refused {
                    kind,
                    status: response.status,
                    detail: format!("Location {url} is not on {origin}"),
                });
            }
            if let Some(wait) = self.limits.prefer_wait {
                request.set_header("Prefer", format!("wait={wait}"));
            }
            let signed = self
                .agent
                .sign(request, token, ctx, self.clock.now())
                .map_err(FlowFailure::Sign)?;
            response = self.exchange(kind, address, signed).await?;
            match response.status {
                202 => {}
                429 => extra_wait = extra_wait.saturating_add(Duration::from_secs(5)),
                _ => return Ok(response),
            }
        }
        Err(FlowFailure::StillPending {
            kind,
            polls: self.limits.max_polls,
        })
    }

    /// Get a person token for `resource` from the agent's PS and check it.
    async fn person_token(&mut self, resource: &str) -> Step<String> {
        let (ps, meta) = self.person_server().await?;
        let endpoint = meta
            .person_token_endpoint
            .clone()
            .ok_or_else(|| FlowFailure::PersonServerMetadata("no person_token_endpoint".into()))?;
        let mut body = json!({ "resource": resource });
        if let (Some(s256), Some(m)) = (&self.mission_s256, body.as_object_mut()) {
            m.insert("mission_s256".into(), Value::String(s256.clone()));
        }
        let response = self
            .ps_post(StepKind::PersonToken, &endpoint, &body)
            .await?;
        let token = response
            .body_json()
            .and_then(|v| {
                v.get("person_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| FlowFailure::PersonToken("no person_token in the response".into()))?;
        let resolver = self
            .keys(StepKind::PersonServerMetadata, &ps, dwk::PERSON)
            .await?;
        let key = self.agent.public_key();
        let expected = Expected::new(self.profile, self.clock.now())
            .audience(resource)
            .bound_to(&key);
        let valid = validate_token(TokenKind::Person, &token, &expected, &resolver)
            .map_err(|f| FlowFailure::PersonToken(f.to_string()))?;
        if str_claim(&valid.claims, "iss") != Some(ps.as_str()) {
            return Err(FlowFailure::PersonToken(format!("iss is not {ps}")));
        }
        Ok(token)
    }

    /// Check a resource token from `resource`'s challenge, redeem it at the PS, and check
    /// the auth token that comes back.
    async fn obtain_auth_token(&mut self, resource: &str, resource_token: &str) -> Step<String> {
        self.creds(resource).resource_token = Some(resource_token.to_string());
        let checked = self.check_resource_token(resource, resource_token).await?;
        let (_, meta) = self.person_server().await?;
        let endpoint = meta.auth_endpoint().map(str::to_string).ok_or_else(|| {
            FlowFailure::PersonServerMetadata("no auth_token_endpoint or token_endpoint".into())
        })?;
        let body = json!({ "resource_token": resource_token });
        let response = self.ps_post(StepKind::AuthToken, &endpoint, &body).await?;
        let token = response
            .body_json()
            .and_then(|v| {
                v.get("auth_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| FlowFailure::AuthToken("no auth_token in the response".into()))?;
        self.check_auth_token(resource, &checked, &token).await?;
        Ok(token)
    }

    /// The agent's checks on a resource token before sending it anywhere.
    async fn check_resource_token(&mut self, resource: &str, token: &str) -> Step<ValidToken> {
        let claims = unverified_claims(token)
            .ok_or_else(|| FlowFailure::ResourceToken("not a JWT with a JSON payload".into()))?;
        let iss = str_claim(&claims, "iss").unwrap_or_default().to_string();
        if iss != resource {
            return Err(FlowFailure::ResourceToken(format!(
                "iss {iss:?} is not the resource called ({resource})"
            )));
        }
        let resolver = self
            .keys(StepKind::ResourceKeys, resource, dwk::RESOURCE)
            .await?;
        let key = self.agent.public_key();
        let mut expected = Expected::new(self.profile, self.clock.now()).bound_to(&key);
        let agent_id = self.agent.id.clone();
        if !self.profile.has_person_tokens() {
            expected = expected.agent(&agent_id);
        }
        let valid = validate_token(TokenKind::Resource, token, &expected, &resolver)
            .map_err(|f| FlowFailure::ResourceToken(f.to_string()))?;
        if self.profile.has_person_tokens() {
            let ps = self.agent.ps.clone().unwrap_or_default();
            if str_claim(&valid.claims, "ps") != Some(ps.as_str()) {
                return Err(FlowFailure::ResourceToken(format!("ps is not {ps}")));
            }
            let person_sub = self
                .credentials
                .get(resource)
                .and_then(|c| c.person_token.as_deref())
                .and_then(unverified_claims)
                .and_then(|c| str_claim(&c, "sub").map(str::to_string));
            if let Some(sub) = person_sub {
                if str_claim(&valid.claims, "sub") != Some(sub.as_str()) {
                    return Err(FlowFailure::ResourceToken(
                        "sub is not the person token's".into(),
                    ));
                }
            }
        }
        Ok(valid)
    }

    /// The agent's checks on an auth token returned for `resource_token`.
    async fn check_auth_token(
        &mut self,
        resource: &str,
        resource_token: &ValidToken,
        token: &str,
    ) -> Step<()> {
        let claims = unverified_claims(token)
            .ok_or_else(|| FlowFailure::AuthToken("not a JWT with a JSON payload".into()))?;
        let iss = str_claim(&claims, "iss").unwrap_or_default().to_string();
        let dwk_name = str_claim(&claims, "dwk").unwrap_or_default().to_string();
        if !TokenKind::Auth.allowed_dwk().contains(&dwk_name.as_str()) {
            return Err(FlowFailure::AuthToken(format!("dwk {dwk_name:?}")));
        }
        let expected_iss = str_claim(&resource_token.claims, "aud").unwrap_or_default();
        if iss != expected_iss {
            return Err(FlowFailure::AuthToken(format!(
                "iss {iss:?} is not the resource token's aud {expected_iss:?}"
            )));
        }
        let resolver = self.keys(StepKind::IssuerKeys, &iss, &dwk_name).await?;
        let key = self.agent.public_key();
        let mut expected = Expected::new(self.profile, self.clock.now())
            .audience(resource)
            .bound_to(&key);
        let agent_id = self.agent.id.clone();
        if !self.profile.has_person_tokens() {
            expected = expected.agent(&agent_id);
        }
        let valid = validate_token(TokenKind::Auth, token, &expected, &resolver)
            .map_err(|f| FlowFailure::AuthToken(f.to_string()))?;
        if self.profile.has_person_tokens()
            && str_claim(&valid.claims, "sub") != str_claim(&resource_token.claims, "sub")
        {
            return Err(FlowFailure::AuthToken(
                "sub is not the resource token's".into(),
            ));
        }
        Ok(())
    }
}

/// `https://ps.example/token` → `https://ps.example`.
fn endpoint_origin(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            format!("{scheme}://{}", rest.get(..end).unwrap_or(rest))
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_retry_after_are_read_safely() {
        assert_eq!(
            endpoint_origin("https://ps.example/token"),
            "https://ps.example"
        );
        assert_eq!(endpoint_origin("https://ps.example"), "https://ps.example");
        assert_eq!(endpoint_origin("garbage"), "garbage");
        let r = Response::new(202).with_header("Retry-After", "3");
        assert_eq!(retry_after(&r), Some(Duration::from_secs(3)));
        let r = Response::new(202).with_header("Retry-After", "soon");
        assert_eq!(retry_after(&r), None);
    }

    #[test]
    fn failures_blame_the_right_party() {
        assert_eq!(
            FlowFailure::ResourceToken("x".into()).party(),
            FlowParty::Resource
        );
        assert_eq!(
            FlowFailure::Refused {
                kind: StepKind::AuthToken,
                status: 400,
                detail: String::new()
            }
            .party(),
            FlowParty::PersonServer
        );
        assert_eq!(
            FlowFailure::Transport {
                kind: StepKind::Resource,
                error: TransportError::Unrouted {
                    identifier: "https://x".into()
                }
            }
            .party(),
            FlowParty::Harness
        );
    }
}
