//! The resource's deferred modes, both on one pending store (see [`crate::role::pending`]).
//!
//! Interaction: `GET /api/deferred` cannot be answered at once, so the resource opens a
//! pending request and answers `202` with an interaction requirement pointing at its own
//! `/interact` page and a fresh code. The pending URL is polled by the agent that opened it
//! (any other signer gets the store's `404`); the request completes on the
//! [`POLLS_TO_COMPLETE`]th poll, whose answer is the terminal `200`, and the URL answers `410`
//! from then on.
//!
//! Held invocation (deferred delivery of `requirement=auth-token`): `GET /api/deferred-auth`
//! is held ([`Deferred::hold`]) behind a `202` whose requirement carries a resource token.
//! Polls without an auth token get the `202` again; the first poll presenting a valid auth
//! token runs the invocation, whose result carries an `invocation` id of its own. The
//! result is kept until that auth token's `exp`, and a repeated presentation of the same
//! token (same `iss` and `jti`, same agent key) is answered from it, never by running the
//! invocation again: a lost response can be fetched again without a second side effect.
//!
//! Nothing here is shared with the other paths, so cases exercising it cannot disturb cases
//! running in parallel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rand::Rng as _;
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::message::{Fields, Response};
use crate::role::flaw::{Flaw, Flaws};
use crate::role::pending::{PendingConfig, PendingStep, PendingStore, PostKind};
use crate::wire::aauth_requirement::AauthRequirement;

/// The path answered with a deferred `202` (interaction).
pub const DEFERRED_PATH: &str = "/api/deferred";
/// The path whose invocation is held behind a `202` asking for an auth token.
pub const DEFERRED_AUTH_PATH: &str = "/api/deferred-auth";
/// Where the interaction requirement sends the person.
pub const INTERACT_PATH: &str = "/interact";
/// The poll that completes a deferred request (the earlier ones get `202` again).
pub const POLLS_TO_COMPLETE: u32 = 2;
/// Crockford base32: digits and upper-case letters without I, L, O and U.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Default)]
struct Progress {
    polls: u32,
    result: Map<String, Value>,
    terminal: Option<Response>,
    /// A held invocation (completes on an auth token, not on a poll count).
    held: bool,
    /// The auth token that completed a held invocation, and the answer it got.
    completion: Option<(AuthPresentation, Response)>,
}

/// A valid auth token presented at a held invocation's pending URL, as the resource checked
/// it: what identifies the token, and until when its result must be kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthPresentation {
    /// The token's `iss`.
    pub iss: String,
    /// Its `jti`.
    pub jti: String,
    /// Its `exp`: the stored result is answered until then.
    pub exp: i64,
}

/// The deferred requests of one resource.
#[derive(Debug)]
pub struct Deferred {
    identifier: String,
    store: PendingStore,
    clock: Clock,
    flaws: Flaws,
    progress: Mutex<HashMap<String, Progress>>,
    invocations: AtomicU64,
}

impl Deferred {
    /// An empty set of deferred requests for the resource at `identifier`.
    pub fn new(identifier: &str, clock: Clock, flaws: Flaws) -> Self {
        let mut config = PendingConfig::new(identifier);
        config.retry_after = 1;
        Deferred {
            identifier: identifier.to_string(),
            store: PendingStore::new(config, clock.clone()),
            clock,
            flaws,
            progress: Mutex::default(),
            invocations: AtomicU64::new(0),
        }
    }

    fn progress(&self) -> std::sync::MutexGuard<'_, HashMap<String, Progress>> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Who may poll: the opener's key thumbprint, or anybody when that check is the flaw.
    fn owner<'a>(&self, thumbprint: &'a str) -> &'a str {
        if self.flaws.has(Flaw::PendingAnyAgent) {
            "anyone"
        } else {
            thumbprint
        }
    }

    /// Open a deferred request for the agent with key `thumbprint`; `result` is the body
    /// of the eventual `200`.
    pub fn open(&self, thumbprint: &str, result: Map<String, Value>) -> Response {
        let code = interaction_code(self.flaws.has(Flaw::InteractionCodeShort));
        let url = format!("{}{INTERACT_PATH}", self.identifier);
        let requirement = AauthRequirement::interaction(&url, &code);
        let ticket = self
            .store
            .open(self.owner(thumbprint), Some(requirement), Map::new());
        self.progress().insert(
            ticket.id.clone(),
            Progress {
                result,
                ..Progress::default()
            },
        );
        self.finish(self.store.accepted(&ticket.id))
    }

    /// Answer a request to a pending URL signed by the key `thumbprint`.
    pub async fn pending(&self, request: &crate::message::Request, thumbprint: &str) -> Response {
        let step = self
            .store
            .classify(request, self.owner(thumbprint), PostKind::Action);
        let response = match step {
            PendingStep::Respond(response) => {
                if response.status == 410 && self.flaws.has(Flaw::PendingNotGone) {
                    let replay = PendingStore::id_from_path(&request.path)
                        .and_then(|id| self.progress().get(id).and_then(|p| p.terminal.clone()));
                    replay.unwrap_or(response)
                } else {
                    response
                }
            }
            PendingStep::Poll { id, wait } => {
                let complete = {
                    let mut progress = self.progress();
                    progress.get_mut(&id).and_then(|p| {
                        p.polls = p.polls.saturating_add(1);
                        (p.polls >= POLLS_TO_COMPLETE).then(|| p.result.clone())
                    })
                };
                if let Some(mut result) = complete {
                    result.insert("status".into(), Value::String("complete".into()));
                    let terminal = Response::json(200, "application/json", &Value::Object(result))
                        .with_header("Cache-Control", "no-store");
                    self.store.resolve(&id, terminal);
                }
                let response = self.store.poll(&id, wait).await;
                if response.status == 200 {
                    if let Some(p) = self.progress().get_mut(&id) {
                        p.terminal = Some(response.clone());
                    }
                }
                response
            }
            PendingStep::Post { id, .. } => self.store.accepted(&id),
            PendingStep::Cancelled { response, .. } => response,
        };
        self.finish(response)
    }

    /// Hold an invocation for the agent with key `thumbprint` until it presents an auth
    /// token answering `resource_token`; `result` is the body of the invocation's answer.
    pub fn hold(
        &self,
        thumbprint: &str,
        resource_token: &str,
        result: Map<String, Value>,
    ) -> Response {
        let requirement = AauthRequirement::auth_token(resource_token);
        let ticket = self
            .store
            .open(self.owner(thumbprint), Some(requirement), Map::new());
        self.progress().insert(
            ticket.id.clone(),
            Progress {
                result,
                held: true,
                ..Progress::default()
            },
        );
        self.finish(self.store.accepted(&ticket.id))
    }

    /// True when `path` is the pending URL of a held invocation.
    pub fn is_held(&self, path: &str) -> bool {
        PendingStore::id_from_path(path)
            .is_some_and(|id| self.progress().get(id).is_some_and(|p| p.held))
    }

    /// Answer a poll of a held invocation signed by the key `thumbprint`, presenting the
    /// auth token `presented` (already checked by the resource) or none.
    pub async fn poll_held(
        &self,
        request: &crate::message::Request,
        thumbprint: &str,
        presented: Option<AuthPresentation>,
    ) -> Response {
        let owner = self.owner(thumbprint).to_string();
        if let (Some(token), Some(id)) = (&presented, PendingStore::id_from_path(&request.path)) {
            if let Some(stored) = self.stored_result(id, token) {
                if self.flaws.has(Flaw::DeferredResultReExecuted) {
                    return self.execute(id);
                }
                return stored;
            }
        }
        match self.store.classify(request, &owner, PostKind::Action) {
            PendingStep::Respond(response) | PendingStep::Cancelled { response, .. } => response,
            PendingStep::Post { id, .. } => self.finish(self.store.accepted(&id)),
            PendingStep::Poll { id, wait } => match presented {
                None => self.finish(self.store.poll(&id, wait).await),
                Some(token) => {
                    self.store.resolve(&id, self.execute(&id));
                    let response = self.store.poll(&id, Duration::ZERO).await;
                    let keep =
                        response.status == 200 && !self.flaws.has(Flaw::DeferredResultForgotten);
                    if let (true, Some(p)) = (keep, self.progress().get_mut(&id)) {
                        p.completion = Some((token, response.clone()));
                    }
                    response
                }
            },
        }
    }

    /// The answer kept for `token` at held invocation `id`, while the token lives.
    fn stored_result(&self, id: &str, token: &AuthPresentation) -> Option<Response> {
        let now = self.clock.now();
        let progress = self.progress();
        let (kept, response) = progress.get(id)?.completion.as_ref()?;
        (kept.iss == token.iss && kept.jti == token.jti && now < kept.exp).then(|| response.clone())
    }

    /// Run held invocation `id`: its result with a fresh invocation id.
    fn execute(&self, id: &str) -> Response {
        let n = self.invocations.fetch_add(1, Ordering::SeqCst) + 1;
        let mut result = self
            .progress()
            .get(id)
            .map(|p| p.result.clone())
            .unwrap_or_default();
        result.insert("invocation".into(), Value::String(format!("inv-{n}")));
        Response::json(200, "application/json", &Value::Object(result))
            .with_header("Cache-Control", "no-store")
    }

    /// Apply the header flaw to every `202`.
    fn finish(&self, mut response: Response) -> Response {
        if response.status == 202 && self.flaws.has(Flaw::DeferredHeadersMissing) {
            response.remove_header("Retry-After");
        }
        response
    }
}

/// A fresh interaction code: `XXXX-XXXX` in Crockford base32 (`XXX-XXX` when `short`).
pub fn interaction_code(short: bool) -> String {
    let half = if short { 3 } else { 4 };
    let mut rng = rand::thread_rng();
    let mut symbol = || {
        let i = rng.gen_range(0..CROCKFORD.len());
        CROCKFORD.get(i).copied().map(char::from).unwrap_or('0')
    };
    let first: String = (0..half).map(|_| symbol()).collect();
    let second: String = (0..half).map(|_| symbol()).collect();
    format!("{first}-{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_crockford_with_eight_symbols_unless_short() {
        for _ in 0..50 {
            let code = interaction_code(false);
            let symbols: Vec<u8> = code.bytes().filter(|b| *b != b'-').collect();
            assert_eq!(symbols.len(), 8);
            assert!(symbols.iter().all(|b| CROCKFORD.contains(b)));
        }
        assert_eq!(interaction_code(true).replace('-', "").len(), 6);
    }

    fn poll_request(response: &Response) -> crate::message::Request {
        let location = response.header("location").unwrap_or_default();
        let path = location.trim_start_matches("https://resource.harness.test");
        crate::message::Request::new("GET", "https", "resource.harness.test", path)
    }

    async fn statuses(flaws: Flaws, poller: &str) -> Vec<u16> {
        let deferred = Deferred::new("https://resource.harness.test", Clock::fixed(0), flaws);
        let opened = deferred.open("owner", Map::new());
        assert_eq!(opened.status, 202);
        let request = poll_request(&opened);
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(deferred.pending(&request, poller).await.status);
        }
        seen
    }

    #[tokio::test]
    async fn owner_polls_to_completion_then_gone() {
        assert_eq!(statuses(Flaws::none(), "owner").await, [202, 200, 410, 410]);
    }

    #[tokio::test]
    async fn another_agent_is_not_served_unless_the_flaw_is_on() {
        assert_eq!(statuses(Flaws::none(), "other").await, [404; 4]);
        let any = Flaws::one(Flaw::PendingAnyAgent);
        assert_eq!(statuses(any, "other").await, [202, 200, 410, 410]);
    }

    #[tokio::test]
    async fn not_gone_flaw_replays_the_terminal_answer() {
        let flaws = Flaws::one(Flaw::PendingNotGone);
        assert_eq!(statuses(flaws, "owner").await, [202, 200, 200, 200]);
    }

    async fn held_twice(flaws: Flaws) -> (Response, Response, Response) {
        let deferred = Deferred::new("https://resource.harness.test", Clock::fixed(0), flaws);
        let opened = deferred.hold("owner", "rt", Map::new());
        assert_eq!(opened.status, 202);
        let requirement = opened.header("aauth-requirement").unwrap_or_default();
        assert!(requirement.contains("auth-token"), "{requirement}");
        let request = poll_request(&opened);
        assert_eq!(
            deferred.poll_held(&request, "owner", None).await.status,
            202
        );
        let token = AuthPresentation {
            iss: "https://ps.harness.test".into(),
            jti: "at-1".into(),
            exp: 100,
        };
        let first = deferred
            .poll_held(&request, "owner", Some(token.clone()))
            .await;
        let again = deferred
            .poll_held(&request, "owner", Some(token.clone()))
            .await;
        let other = AuthPresentation {
            jti: "at-2".into(),
            ..token
        };
        let stranger = deferred.poll_held(&request, "owner", Some(other)).await;
        (first, again, stranger)
    }

    #[tokio::test]
    async fn a_held_invocation_answers_its_token_again_from_the_stored_result() {
        let (first, again, other) = held_twice(Flaws::none()).await;
        assert_eq!(first.status, 200);
        assert_eq!((again.status, &again.body), (200, &first.body));
        assert_eq!(other.status, 410);
    }

    #[tokio::test]
    async fn the_held_invocation_flaws_re_execute_or_forget() {
        let (first, again, _) = held_twice(Flaws::one(Flaw::DeferredResultReExecuted)).await;
        assert_eq!((first.status, again.status), (200, 200));
        assert_ne!(first.body, again.body);
        let (first, again, _) = held_twice(Flaws::one(Flaw::DeferredResultForgotten)).await;
        assert_eq!((first.status, again.status), (200, 410));
    }
}
