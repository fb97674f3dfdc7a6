//! The resource's deferred mode: `GET /api/deferred` cannot be answered at once, so the
//! resource opens a pending request (see [`crate::role::pending`]) and answers `202` with an
//! interaction requirement pointing at its own `/interact` page and a fresh code.
//!
//! The pending URL is polled by the agent that opened it (any other signer gets the store's
//! `404`); the request completes on the [`POLLS_TO_COMPLETE`]th poll, whose answer is the
//! terminal `200`, and the URL answers `410` from then on. Nothing here is shared with the
//! other paths, so cases exercising it cannot disturb cases running in parallel.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::Rng as _;
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::message::{Fields, Response};
use crate::role::flaw::{Flaw, Flaws};
use crate::role::pending::{PendingConfig, PendingStep, PendingStore, PostKind};
use crate::wire::aauth_requirement::AauthRequirement;

/// The path answered with a deferred `202`.
pub const DEFERRED_PATH: &str = "/api/deferred";
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
}

/// The deferred requests of one resource.
#[derive(Debug)]
pub struct Deferred {
    identifier: String,
    store: PendingStore,
    flaws: Flaws,
    progress: Mutex<HashMap<String, Progress>>,
}

impl Deferred {
    /// An empty set of deferred requests for the resource at `identifier`.
    pub fn new(identifier: &str, clock: Clock, flaws: Flaws) -> Self {
        let mut config = PendingConfig::new(identifier);
        config.retry_after = 1;
        Deferred {
            identifier: identifier.to_string(),
            store: PendingStore::new(config, clock),
            flaws,
            progress: Mutex::default(),
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
}
