//! The agent's flow driver against deliberately awkward resources: deferred responses,
//! endless pending, hangs and unusable challenges. It must stay bounded and never panic.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aauth_harness::clock::Clock;
use aauth_harness::jose::Alg;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::agent::{FlowFailure, FlowLimits, FlowOutcome, StepKind};
use aauth_harness::world::{World, WorldConfig};

const NOW: i64 = 1_730_217_600;

/// What a case expects of a flow's outcome.
type OutcomeCheck = fn(&FlowOutcome) -> bool;
const SLOW: &str = "https://slow.harness.test";

async fn world() -> World {
    World::start(WorldConfig::new(9, Profile::Aauth11, Clock::fixed(NOW)))
        .await
        .expect("world starts")
}

fn quick() -> FlowLimits {
    FlowLimits {
        max_retry_after: Duration::from_millis(10),
        default_retry_after: Duration::from_millis(10),
        max_polls: 4,
        deadline: Duration::from_secs(5),
        ..FlowLimits::default()
    }
}

fn pending(location: &str, retry_after: &str) -> Response {
    Response::json(
        202,
        "application/json",
        &serde_json::json!({"status": "pending"}),
    )
    .with_header("Location", location)
    .with_header("Retry-After", retry_after)
    .with_header("Cache-Control", "no-store")
}

fn request() -> Request {
    Request::new("GET", "https", "slow.harness.test", "/api/data")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_responses_are_polled_until_done_honouring_retry_after_within_bounds() {
    let world = world().await;
    let polls = Arc::new(AtomicU32::new(0));
    let counter = polls.clone();
    world
        .host()
        .serve("slow", move |req: Request| {
            let counter = counter.clone();
            async move {
                match req.path.as_str() {
                    "/api/data" => pending("/pending/abc", "3600"),
                    "/pending/abc" if counter.fetch_add(1, Ordering::SeqCst) < 1 => {
                        pending("/pending/abc", "0")
                    }
                    "/pending/abc" => {
                        Response::json(200, "application/json", &serde_json::json!({"done": true}))
                    }
                    _ => Response::new(404),
                }
            }
        })
        .expect("served");
    let agent = world.new_agent(&Alg::ED25519);
    let started = std::time::Instant::now();
    let result = world
        .flow(&agent)
        .with_limits(quick())
        .call(SLOW, request())
        .await;
    assert!(result.is_completed(), "{:?}", result.outcome);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "Retry-After was capped"
    );
    assert_eq!(result.steps_of(StepKind::ResourcePoll).count(), 2);
    let poll = result
        .steps_of(StepKind::ResourcePoll)
        .next()
        .expect("a poll");
    assert_eq!(poll.request.method, "GET");
    assert!(poll.request.has_header("signature"));
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_pending_gives_up_after_the_poll_limit() {
    let world = world().await;
    world
        .host()
        .serve("slow", |_req: Request| async { pending("/pending/x", "0") })
        .expect("served");
    let agent = world.new_agent(&Alg::ED25519);
    let result = world
        .flow(&agent)
        .with_limits(quick())
        .call(SLOW, request())
        .await;
    match result.failure() {
        Some(FlowFailure::StillPending { polls, .. }) => assert_eq!(*polls, 4),
        other => panic!("expected StillPending, got {other:?}"),
    }
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_url_on_another_origin_is_not_followed() {
    let world = world().await;
    world
        .host()
        .serve("slow", |_req: Request| async {
            pending("https://ps.harness.test/pending/x", "0")
        })
        .expect("served");
    let agent = world.new_agent(&Alg::ED25519);
    let result = world
        .flow(&agent)
        .with_limits(quick())
        .call(SLOW, request())
        .await;
    assert!(
        matches!(result.failure(), Some(FlowFailure::Refused { .. })),
        "{:?}",
        result.outcome
    );
    assert_eq!(result.steps_of(StepKind::ResourcePoll).count(), 0);
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_resource_hits_the_deadline() {
    let world = world().await;
    world
        .host()
        .serve("slow", |_req: Request| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::new(200)
        })
        .expect("served");
    let agent = world.new_agent(&Alg::ED25519);
    let limits = FlowLimits {
        deadline: Duration::from_millis(300),
        ..quick()
    };
    let result = world
        .flow(&agent)
        .with_limits(limits)
        .call(SLOW, request())
        .await;
    assert!(
        matches!(result.failure(), Some(FlowFailure::Timeout { .. })),
        "{:?}",
        result.outcome
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_challenges_end_the_flow_with_the_resource_to_blame() {
    let world = world().await;
    let cases: [(&str, OutcomeCheck); 4] = [
        // auth-token without the resource token
        ("requirement=auth-token", |o| {
            matches!(o, FlowOutcome::Failed(FlowFailure::BadChallenge(_)))
        }),
        // not a dictionary
        ("(((", |o| {
            matches!(o, FlowOutcome::Failed(FlowFailure::BadChallenge(_)))
        }),
        // an unknown requirement
        ("requirement=telepathy", |o| {
            matches!(o, FlowOutcome::Failed(FlowFailure::Unsatisfiable(_)))
        }),
        // a resource token that is not a JWT
        ("requirement=auth-token; resource-token=\"garbage\"", |o| {
            matches!(o, FlowOutcome::Failed(FlowFailure::ResourceToken(_)))
        }),
    ];
    for (header, check) in cases {
        world
            .host()
            .serve("slow", move |_req: Request| async move {
                Response::new(401).with_header("AAuth-Requirement", header)
            })
            .expect("served");
        let agent = world.new_agent(&Alg::ED25519);
        let result = world
            .flow(&agent)
            .with_limits(quick())
            .call(SLOW, request())
            .await;
        assert!(check(&result.outcome), "{header}: {:?}", result.outcome);
        if let FlowOutcome::Failed(f) = &result.outcome {
            assert_eq!(f.party(), aauth_harness::role::agent::FlowParty::Resource);
        }
    }
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_that_always_challenges_is_bounded() {
    let world = world().await;
    world
        .host()
        .serve("slow", |_req: Request| async {
            Response::new(401).with_header("AAuth-Requirement", "requirement=person-token")
        })
        .expect("served");
    let agent = world.new_agent(&Alg::ED25519);
    let result = world
        .flow(&agent)
        .with_limits(quick())
        .call(SLOW, request())
        .await;
    assert!(
        matches!(result.outcome, FlowOutcome::Refused(_)),
        "{:?}",
        result.outcome
    );
    assert!(result.steps.len() <= FlowLimits::default().max_steps);
    world.shutdown().await;
}
