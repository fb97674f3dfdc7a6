//! One fuzzing session against an opened target: take the valid baseline of the role under
//! test, mutate it, send, judge, group findings.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aauth_harness::defect::build_signed_request;
use aauth_harness::httpsig::profile::ProfileRequirements;
use aauth_harness::message::{Fields, Request, Response};
use aauth_harness::role::agent::jwt_member;
use aauth_harness::target::client::ClientLimits;
use futures::future::join_all;
use serde_json::Map;

use super::finding::{Finding, FindingKind};
use super::mutation::{
    defect_expectation, Expectation, Generator, Mutation, SignedHeaders, Surface,
};
use crate::cases::agent_token::agent_token_from;
use crate::context::CaseContext;
use crate::outcome::HarnessError;
use crate::probe::{self, passed_verification, Probe};

/// How long and how hard to fuzz.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// Most requests to send.
    pub iterations: u64,
    /// Stop after this long even if iterations remain.
    pub duration: Duration,
    /// The generator seed.
    pub seed: u64,
    /// Requests in flight at once.
    pub jobs: usize,
    /// Time allowed for one exchange; longer is an `unresponsive` finding.
    pub request_timeout: Duration,
}

/// What a session did.
#[derive(Debug)]
pub struct SessionReport {
    /// Requests sent (mutations, not counting liveness checks).
    pub sent: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Status of the valid baseline.
    pub baseline_status: u16,
    /// Findings, one per (kind, family), in the order first seen.
    pub findings: Vec<Finding>,
    /// Responses per status class (`2xx`, `4xx`...), for the summary.
    pub statuses: BTreeMap<String, u64>,
    /// Why the session ended before its budget, if it did.
    pub stopped: Option<String>,
}

/// Runs a session. Harness problems (the baseline cannot be built or is refused) are errors;
/// everything the target does wrong is a finding.
pub async fn run_session(
    ctx: &CaseContext,
    settings: &SessionSettings,
) -> Result<SessionReport, HarnessError> {
    let probe = probe::baseline(ctx).await?;
    let client = ctx.world.host().client().with_limits(ClientLimits {
        total_timeout: settings.request_timeout,
        ..ClientLimits::default()
    });
    let party = format!("{} under test", ctx.role());
    let address = ctx.target.address.clone();

    let baseline = sign_now(ctx, &probe, None)?;
    let first = client
        .send_to(&party, &address, &baseline)
        .await
        .map_err(|e| HarnessError::Transport(format!("the valid baseline request: {e}")))?;
    if !passed_verification(&first) {
        return Err(HarnessError::Unsupported(format!(
            "the target refuses the valid baseline request ({}); run `aauth-conform run` first, \
             fuzzing needs a request it accepts",
            crate::judge::describe(&first)
        )));
    }
    let signed = SignedHeaders {
        signature_input: baseline.header("signature-input").unwrap_or_default(),
        signature: baseline.header("signature").unwrap_or_default(),
        signature_key: baseline.header("signature-key").unwrap_or_default(),
    };
    let reqs = ProfileRequirements::for_role(ctx.profile(), ctx.role());
    let mut generator = Generator::new(settings.seed, probe.agent.is_some());
    let mut report = SessionReport {
        sent: 0,
        elapsed: Duration::ZERO,
        baseline_status: first.status,
        findings: Vec::new(),
        statuses: BTreeMap::new(),
        stopped: None,
    };
    let mut seen: BTreeMap<(FindingKind, String), usize> = BTreeMap::new();
    let started = Instant::now();
    let jobs = settings.jobs.max(1) as u64;

    while report.sent < settings.iterations && started.elapsed() < settings.duration {
        let batch = jobs.min(settings.iterations - report.sent);
        let mut prepared = Vec::new();
        for _ in 0..batch {
            let mutation = generator.next(&probe.request.body, &signed);
            let (request, expectation) = build(ctx, &probe, &reqs, &mutation)?;
            prepared.push((mutation, request, expectation));
        }
        let answers = join_all(
            prepared
                .iter()
                .map(|(_, request, _)| client.send_to(&party, &address, request)),
        )
        .await;
        report.sent += batch;
        let mut transport_failure = false;
        for ((mutation, request, expectation), answer) in prepared.into_iter().zip(answers) {
            let (kind, detail, response) = match answer {
                Ok(response) => {
                    let class = format!("{}xx", response.status / 100);
                    *report.statuses.entry(class).or_default() += 1;
                    match judge(expectation, &response) {
                        Some((kind, detail)) => (kind, detail, Some(response)),
                        None => continue,
                    }
                }
                Err(error) => {
                    transport_failure = true;
                    *report.statuses.entry("no answer".into()).or_default() += 1;
                    (FindingKind::Unresponsive, error.to_string(), None)
                }
            };
            record(
                &mut report.findings,
                &mut seen,
                Finding {
                    kind,
                    family: mutation.family(),
                    mutation,
                    request,
                    response,
                    detail,
                    address: address.clone(),
                    occurrences: 1,
                },
            );
        }
        if transport_failure {
            // Is it still alive? A target that no longer answers the valid request has
            // crashed or wedged: say so once and stop, instead of timing out a thousand times.
            let check = sign_now(ctx, &probe, None)?;
            if let Err(error) = client.send_to(&party, &address, &check).await {
                if let Some(last) = report
                    .findings
                    .iter()
                    .rev()
                    .find(|f| f.kind == FindingKind::Unresponsive)
                    .cloned()
                {
                    record(
                        &mut report.findings,
                        &mut seen,
                        Finding {
                            kind: FindingKind::TargetDown,
                            detail: format!(
                                "the valid baseline got no answer after this request: {error}"
                            ),
                            ..last
                        },
                    );
                }
                report.stopped = Some(format!("the target stopped answering: {error}"));
                break;
            }
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn record(
    findings: &mut Vec<Finding>,
    seen: &mut BTreeMap<(FindingKind, String), usize>,
    finding: Finding,
) {
    let key = (finding.kind, finding.family.clone());
    match seen.get(&key).and_then(|i| findings.get_mut(*i)) {
        Some(known) => known.occurrences += 1,
        None => {
            seen.insert(key, findings.len());
            findings.push(finding);
        }
    }
}

/// The oracle. A 5xx is always a finding; a 2xx/3xx is one only when the mutation is
/// invalid under every reading ([`Expectation::Refuse`]). Any 4xx is an acceptable refusal:
/// which code is right is for the conformance cases, not the fuzzer.
pub fn judge(expectation: Expectation, response: &Response) -> Option<(FindingKind, String)> {
    if response.status >= 500 {
        return Some((
            FindingKind::ServerError,
            format!("answered {}", crate::judge::describe(response)),
        ));
    }
    if expectation == Expectation::Refuse && response.status < 400 {
        return Some((
            FindingKind::AcceptedInvalid,
            format!("accepted it with {}", crate::judge::describe(response)),
        ));
    }
    None
}

fn sign_now(
    ctx: &CaseContext,
    probe: &Probe,
    defect: Option<&aauth_harness::defect::RequestDefect>,
) -> Result<Request, HarnessError> {
    let mut spec = probe.spec.clone();
    spec.created = ctx.now();
    build_signed_request(&spec, defect)
        .map_err(|e| HarnessError::Config(format!("cannot build the signed request: {e}")))
}

fn build(
    ctx: &CaseContext,
    probe: &Probe,
    reqs: &ProfileRequirements,
    mutation: &Mutation,
) -> Result<(Request, Expectation), HarnessError> {
    match mutation {
        Mutation::Request(defect) => {
            let expected = defect.expected(&probe.request, &probe.spec.ctx, reqs);
            Ok((
                sign_now(ctx, probe, Some(defect))?,
                defect_expectation(&expected),
            ))
        }
        Mutation::AgentToken(defect) => {
            let Some(agent) = &probe.agent else {
                return Ok((sign_now(ctx, probe, None)?, Expectation::Survive));
            };
            let token = agent_token_from(ctx.world.ap(), agent, Some(defect.clone()), Map::new());
            let mut with_token = probe.clone();
            with_token.spec.signature_key_member = jwt_member(&token);
            Ok((sign_now(ctx, &with_token, None)?, Expectation::Refuse))
        }
        Mutation::Resigned(surface) => {
            let mut changed = probe.clone();
            let request = &mut changed.spec.request;
            match surface {
                Surface::Body { bytes, .. } => request.body = bytes.clone().into(),
                Surface::Query(q) => request.query = Some(q.clone()),
                Surface::PathSuffix(s) => request.path.push_str(s),
                Surface::ExtraHeader(n, v) => request.append_header(n, v.clone()),
            }
            Ok((sign_now(ctx, &changed, None)?, Expectation::Survive))
        }
        Mutation::Garbled { header, value } => {
            let mut request = sign_now(ctx, probe, None)?;
            request.set_header(header, value.clone());
            Ok((request, Expectation::Survive))
        }
    }
}
