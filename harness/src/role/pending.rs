//! Deferred responses (AAuth "Deferred Responses", requirements §2.15), usable by any role.
//!
//! A server that cannot answer at once opens a pending request here and answers `202` with
//! [`PendingStore::accepted`]: `Location` (an absolute URL on the server's own origin, with a
//! 128-bit random path segment so it cannot be guessed), `Retry-After`, `Cache-Control:
//! no-store`, an optional `AAuth-Requirement`, and `{"status":"pending", ...}`.
//!
//! Requests to the pending URL are first authenticated by the role (the store knows nothing
//! about signatures), which passes the caller's identity to [`PendingStore::classify`]. The
//! store then checks, on every request, that the caller is the party that opened it, and
//! sorts the request into a [`PendingStep`]:
//!
//! - `GET` polls. The role may settle the request first (an approver decision), then calls
//!   [`PendingStore::poll`], which honours `Prefer: wait=N` up to a bound and returns either
//!   `202` again or the stored terminal response. After a terminal response has been handed
//!   out once, the URL answers `410`.
//! - `POST` must carry `action`: `clarification_response` (with a string
//!   `clarification_response`) or `updated_request` (with a string `resource_token`);
//!   anything else is `400 invalid_request`.
//! - `DELETE` cancels: `204`, then `410` for every later request.
//!
//! Unknown and foreign pending URLs get the same `404`, so the store discloses nothing about
//! requests the caller does not own. Requests that outlive their lifetime answer `408
//! expired` once, then `410`.
//!
//! Two planted bugs live here because every role shares the store: omitting `Cache-Control`
//! ([`PendingConfig::no_store`]) and accepting a POST without a recognised `action`
//! ([`PendingConfig::action_required`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::RngCore;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::jose::b64;
use crate::message::{Fields, Request, Response};
use crate::wire::aauth_requirement::{self, AauthRequirement};
use crate::wire::problem::{ErrorCode, Problem};

/// The path under which pending URLs live.
pub const PENDING_PREFIX: &str = "/pending/";

/// The longest a single poll is held open, whatever `Prefer: wait` asks for.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// How a pending store behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingConfig {
    /// The server's identifier (`https://ps.harness.test`): pending URLs are on its origin.
    pub origin: String,
    /// Seconds sent in `Retry-After`.
    pub retry_after: u32,
    /// Seconds a pending request lives before polls answer `408 expired`.
    pub lifetime: i64,
    /// Upper bound on a `Prefer: wait` hold.
    pub max_wait: Duration,
    /// Send `Cache-Control: no-store` on every `202` (false only for a planted flaw).
    pub no_store: bool,
    /// Refuse a POST without a recognised `action` (false only for a planted flaw).
    pub action_required: bool,
    /// A `DELETE` really cancels (false only for a planted flaw: `204` and nothing else).
    pub cancel_honoured: bool,
    /// Pending ids are 128 random bits (false only for a planted flaw: a counter).
    pub random_ids: bool,
    /// Every `202` says when to poll again (false only for a planted flaw).
    pub retry_after_sent: bool,
    /// A poll of a request still waiting answers `202` (false only for a planted flaw:
    /// `400 authorization_pending`, the OAuth device flow's habit).
    pub waiting_polls_accepted: bool,
}

impl PendingConfig {
    /// Correct behaviour for a server at `origin`.
    pub fn new(origin: &str) -> Self {
        PendingConfig {
            origin: origin.to_string(),
            retry_after: 0,
            lifetime: 600,
            max_wait: MAX_WAIT,
            no_store: true,
            action_required: true,
            cancel_honoured: true,
            random_ids: true,
            retry_after_sent: true,
            waiting_polls_accepted: true,
        }
    }
}

/// A freshly opened pending request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingTicket {
    /// The random path segment; also what the approver hook calls the request.
    pub id: String,
    /// The absolute pending URL sent in `Location`.
    pub url: String,
}

/// What a caller POSTed to a pending URL.
#[derive(Clone, Debug, PartialEq)]
pub enum PendingPost {
    /// `{"action":"clarification_response","clarification_response":"…"}`.
    ClarificationResponse(String),
    /// `{"action":"updated_request","resource_token":"…","justification":"…"}`.
    UpdatedRequest {
        /// The new resource token.
        resource_token: String,
        /// Why the request changed.
        justification: Option<String>,
    },
    /// Anything else (only reaches the role when the action check is switched off, or
    /// for roles that define their own body, like an AS receiving claims).
    Other(Map<String, Value>),
}

/// What the role must do with a request to a pending URL.
#[derive(Clone, Debug, PartialEq)]
pub enum PendingStep {
    /// Answer with this response as it stands (errors, `410`, cancellation).
    Respond(Response),
    /// A `GET`: settle the request if possible, then call [`PendingStore::poll`].
    Poll {
        /// The pending request.
        id: String,
        /// How long the caller is willing to wait (already bounded).
        wait: Duration,
    },
    /// A `POST` the role must act on; afterwards answer with [`PendingStore::accepted`]
    /// or resolve the request.
    Post {
        /// The pending request.
        id: String,
        /// What was posted.
        post: PendingPost,
    },
    /// A `DELETE`: the store has already cancelled the request; the role drops its work.
    Cancelled {
        /// The cancelled request.
        id: String,
        /// The response to send (`204`).
        response: Response,
    },
}

#[derive(Debug)]
enum State {
    Waiting,
    Ready(Response),
    Finished,
}

#[derive(Debug)]
struct Entry {
    owner: String,
    expires_at: i64,
    requirement: Option<AauthRequirement>,
    extra: Map<String, Value>,
    state: State,
}

/// The pending requests of one server. Cheap to clone; clones share state.
#[derive(Clone, Debug)]
pub struct PendingStore {
    config: Arc<PendingConfig>,
    clock: Clock,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    settled: Arc<Notify>,
    /// Requests opened so far (numbers the ids when they are not random).
    issued: Arc<std::sync::atomic::AtomicU64>,
}

/// Which body a POST carries: AAuth actions, or claims (an AS asking a PS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostKind {
    /// The body must carry an `action` (agents answering a PS or resource).
    Action,
    /// Any JSON object is passed through (a PS posting claims to an AS).
    Claims,
}

impl PendingStore {
    /// An empty store.
    pub fn new(config: PendingConfig, clock: Clock) -> Self {
        PendingStore {
            config: Arc::new(config),
            clock,
            entries: Arc::default(),
            settled: Arc::new(Notify::new()),
            issued: Arc::default(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &PendingConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Open a pending request owned by `owner` (the identity that must poll it).
    pub fn open(
        &self,
        owner: &str,
        requirement: Option<AauthRequirement>,
        extra: Map<String, Value>,
    ) -> PendingTicket {
        let id = if self.config.random_ids {
            let mut raw = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut raw);
            b64::encode(raw)
        } else {
            let n = self
                .issued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("req-{n:06}")
        };
        let url = format!("{}{PENDING_PREFIX}{id}", self.config.origin);
        self.lock().insert(
            id.clone(),
            Entry {
                owner: owner.to_string(),
                expires_at: self.clock.now().saturating_add(self.config.lifetime),
                requirement,
                extra,
                state: State::Waiting,
            },
        );
        PendingTicket { id, url }
    }

    /// Replace what the `202` for `id` says (for example a new clarification question).
    pub fn update(
        &self,
        id: &str,
        requirement: Option<AauthRequirement>,
        extra: Map<String, Value>,
    ) {
        if let Some(e) = self.lock().get_mut(id) {
            e.requirement = requirement;
            e.extra = extra;
        }
    }

    /// The `202 Accepted` for `id` (Location, Retry-After, Cache-Control, requirement, body).
    pub fn accepted(&self, id: &str) -> Response {
        let (requirement, extra) = match self.lock().get(id) {
            Some(e) => (e.requirement.clone(), e.extra.clone()),
            None => (None, Map::new()),
        };
        let mut body = Map::new();
        body.insert("status".into(), Value::String("pending".into()));
        for (k, v) in extra {
            body.insert(k, v);
        }
        let mut response = Response::json(202, "application/json", &Value::Object(body))
            .with_header(
                "Location",
                format!("{}{PENDING_PREFIX}{id}", self.config.origin),
            );
        if self.config.retry_after_sent {
            response.append_header("Retry-After", self.config.retry_after.to_string());
        }
        if self.config.no_store {
            response.append_header("Cache-Control", "no-store");
        }
        if let Some(Ok(value)) = requirement.map(|r| r.serialize()) {
            response.append_header(aauth_requirement::FIELD, value);
        }
        response
    }

    /// Settle `id` with its final response; the next poll receives it. False when `id` is
    /// not waiting (unknown, cancelled or already settled).
    pub fn resolve(&self, id: &str, response: Response) -> bool {
        let settled = match self.lock().get_mut(id) {
            Some(e) if matches!(e.state, State::Waiting) => {
                e.state = State::Ready(response);
                true
            }
            _ => false,
        };
        if settled {
            self.settled.notify_waiters();
        }
        settled
    }

    /// Mark `id` finished after the role answered it directly (for example a POST that
    /// completed the request): later requests get `410`.
    pub fn finish(&self, id: &str) {
        if let Some(e) = self.lock().get_mut(id) {
            e.state = State::Finished;
        }
        self.settled.notify_waiters();
    }

    /// True while `id` exists and has not been settled or cancelled.
    pub fn is_waiting(&self, id: &str) -> bool {
        self.lock()
            .get(id)
            .is_some_and(|e| matches!(e.state, State::Waiting))
    }

    /// The pending id named by `path`, when it is a pending URL of this store's shape.
    pub fn id_from_path(path: &str) -> Option<&str> {
        path.strip_prefix(PENDING_PREFIX)
            .filter(|id| !id.is_empty() && !id.contains('/'))
    }

    /// Sort a request to a pending URL, after the role authenticated `caller`.
    pub fn classify(&self, request: &Request, caller: &str, kind: PostKind) -> PendingStep {
        let Some(id) = Self::id_from_path(&request.path) else {
            return PendingStep::Respond(not_found());
        };
        let id = id.to_string();
        {
            let mut entries = self.lock();
            let Some(entry) = entries.get_mut(&id).filter(|e| e.owner == caller) else {
                return PendingStep::Respond(not_found());
            };
            if matches!(entry.state, State::Finished) {
                return PendingStep::Respond(gone());
            }
            if matches!(entry.state, State::Waiting) && self.clock.now() >= entry.expires_at {
                entry.state = State::Finished;
                return PendingStep::Respond(
                    Problem::new(ErrorCode::EXPIRED)
                        .with_detail("the pending request timed out")
                        .to_response(408),
                );
            }
        }
        match request.method.as_str() {
            "GET" => PendingStep::Poll {
                wait: prefer_wait(request).min(self.config.max_wait),
                id,
            },
            "DELETE" if !self.config.cancel_honoured => PendingStep::Respond(Response::new(204)),
            "DELETE" => {
                if let Some(e) = self.lock().get_mut(&id) {
                    e.state = State::Finished;
                }
                self.settled.notify_waiters();
                PendingStep::Cancelled {
                    id,
                    response: Response::new(204),
                }
            }
            "POST" => match parse_post(&request.body, kind, self.config.action_required) {
                Ok(post) => PendingStep::Post { id, post },
                Err(response) => PendingStep::Respond(response),
            },
            _ => PendingStep::Respond(
                Problem::new(ErrorCode::INVALID_REQUEST)
                    .with_detail("pending URLs accept GET, POST and DELETE")
                    .to_response(405)
                    .with_header("Allow", "GET, POST, DELETE"),
            ),
        }
    }

    /// Answer a poll of `id`: the terminal response once settled (and `410` afterwards),
    /// otherwise `202`, after holding the request open for up to `wait`.
    pub async fn poll(&self, id: &str, wait: Duration) -> Response {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(response) = self.take_ready(id) {
                return response;
            }
            if !self.is_waiting(id) {
                return gone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self
                    .take_ready(id)
                    .unwrap_or_else(|| self.still_waiting(id));
            }
        }
    }

    /// The answer to a poll that finds `id` still waiting.
    fn still_waiting(&self, id: &str) -> Response {
        if self.config.waiting_polls_accepted {
            self.accepted(id)
        } else {
            Problem::new(ErrorCode::new("authorization_pending"))
                .with_detail("the person has not answered yet")
                .to_response(400)
        }
    }

    fn take_ready(&self, id: &str) -> Option<Response> {
        let mut entries = self.lock();
        let entry = entries.get_mut(id)?;
        match std::mem::replace(&mut entry.state, State::Finished) {
            State::Ready(response) => Some(response),
            other => {
                entry.state = other;
                None
            }
        }
    }
}

/// The seconds a request's `Prefer: wait=N` asks for (RFC 7240), zero when absent.
pub fn prefer_wait(request: &Request) -> Duration {
    request
        .header_all("prefer")
        .flat_map(|v| v.split(','))
        .filter_map(|pref| {
            let pref = pref.trim();
            let (name, value) = pref.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("wait")
                .then(|| value.trim().trim_matches('"').parse::<u64>().ok())
                .flatten()
        })
        .next()
        .map(Duration::from_secs)
        .unwrap_or(Duration::ZERO)
}

fn not_found() -> Response {
    Problem::new(ErrorCode::INVALID_REQUEST)
        .with_detail("no such pending request")
        .to_response(404)
}

fn gone() -> Response {
    Problem::new(ErrorCode::INVALID_CODE)
        .with_detail("the pending request has finished")
        .to_response(410)
}

fn invalid(detail: &str) -> Response {
    Problem::new(ErrorCode::INVALID_REQUEST)
        .with_detail(detail)
        .to_response(400)
}

fn parse_post(body: &[u8], kind: PostKind, action_required: bool) -> Result<PendingPost, Response> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid("the body must be a JSON object"));
    };
    if kind == PostKind::Claims {
        return Ok(PendingPost::Other(map));
    }
    let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_string);
    match map.get("action").and_then(Value::as_str) {
        Some("clarification_response") => text("clarification_response")
            .map(PendingPost::ClarificationResponse)
            .ok_or_else(|| invalid("clarification_response must be a string")),
        Some("updated_request") => match text("resource_token") {
            Some(resource_token) => Ok(PendingPost::UpdatedRequest {
                resource_token,
                justification: text("justification"),
            }),
            None => Err(invalid("updated_request needs a resource_token string")),
        },
        _ if !action_required => Ok(PendingPost::Other(map)),
        Some(_) => Err(invalid("unrecognised action")),
        None => Err(invalid("action is required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> PendingStore {
        PendingStore::new(
            PendingConfig::new("https://ps.example"),
            Clock::fixed(1_000),
        )
    }

    fn get(url: &str) -> Request {
        let path = url.strip_prefix("https://ps.example").unwrap_or(url);
        Request::new("GET", "https", "ps.example", path)
    }

    #[tokio::test]
    async fn accepted_has_every_required_header_and_pending_status() {
        let s = store();
        let t = s.open("agent", None, Map::new());
        let r = s.accepted(&t.id);
        assert_eq!(r.status, 202);
        assert_eq!(r.header("location").as_deref(), Some(t.url.as_str()));
        assert!(t.url.starts_with("https://ps.example/pending/"));
        assert_eq!(r.header("retry-after").as_deref(), Some("0"));
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(r.body_json().unwrap()["status"], "pending");
        assert!(t.id.len() >= 22, "128 bits of randomness");
    }

    #[tokio::test]
    async fn poll_returns_result_once_then_gone() {
        let s = store();
        let t = s.open("agent", None, Map::new());
        let PendingStep::Poll { id, wait } = s.classify(&get(&t.url), "agent", PostKind::Action)
        else {
            panic!("poll expected")
        };
        assert_eq!(s.poll(&id, wait).await.status, 202);
        assert!(s.resolve(&id, Response::new(200)));
        assert_eq!(s.poll(&id, wait).await.status, 200);
        let PendingStep::Respond(r) = s.classify(&get(&t.url), "agent", PostKind::Action) else {
            panic!("respond expected")
        };
        assert_eq!(r.status, 410);
    }

    #[tokio::test]
    async fn foreign_and_unknown_are_indistinguishable() {
        let s = store();
        let t = s.open("agent", None, Map::new());
        let PendingStep::Respond(foreign) = s.classify(&get(&t.url), "other", PostKind::Action)
        else {
            panic!()
        };
        let PendingStep::Respond(unknown) =
            s.classify(&get("/pending/nope"), "agent", PostKind::Action)
        else {
            panic!()
        };
        assert_eq!(foreign, unknown);
        assert_eq!(foreign.status, 404);
    }

    #[tokio::test]
    async fn prefer_wait_is_woken_by_resolution() {
        let s = store();
        let t = s.open("agent", None, Map::new());
        let s2 = s.clone();
        let id = t.id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            s2.resolve(&id, Response::new(200));
        });
        let started = std::time::Instant::now();
        let r = s.poll(&t.id, Duration::from_secs(5)).await;
        assert_eq!(r.status, 200);
        assert!(started.elapsed() < Duration::from_secs(4));
    }

    #[test]
    fn prefer_wait_parses_rfc7240() {
        let r = get("/x").with_header("Prefer", "respond-async, wait=45");
        assert_eq!(prefer_wait(&r), Duration::from_secs(45));
        assert_eq!(prefer_wait(&get("/x")), Duration::ZERO);
    }

    #[test]
    fn post_needs_a_known_action() {
        for body in [r#"{}"#, r#"{"action":"zz"}"#, r#"[]"#] {
            assert!(parse_post(body.as_bytes(), PostKind::Action, true).is_err());
        }
        assert!(matches!(
            parse_post(br#"{"summary":"x"}"#, PostKind::Action, false),
            Ok(PendingPost::Other(_))
        ));
        assert_eq!(
            parse_post(
                br#"{"action":"clarification_response","clarification_response":"ok"}"#,
                PostKind::Action,
                true
            ),
            Ok(PendingPost::ClarificationResponse("ok".into()))
        );
    }

    #[tokio::test]
    async fn delete_cancels_then_gone_and_expiry_is_408() {
        let s = store();
        let t = s.open("agent", None, Map::new());
        let del = Request::new(
            "DELETE",
            "https",
            "ps.example",
            &format!("/pending/{}", t.id),
        );
        assert!(matches!(
            s.classify(&del, "agent", PostKind::Action),
            PendingStep::Cancelled { .. }
        ));
        let PendingStep::Respond(r) = s.classify(&get(&t.url), "agent", PostKind::Action) else {
            panic!()
        };
        assert_eq!(r.status, 410);

        let clock = Clock::fixed(0);
        let s = PendingStore::new(PendingConfig::new("https://ps.example"), clock.clone());
        let t = s.open("agent", None, Map::new());
        clock.advance(601);
        let PendingStep::Respond(r) = s.classify(&get(&t.url), "agent", PostKind::Action) else {
            panic!()
        };
        assert_eq!(r.status, 408);
    }
}
