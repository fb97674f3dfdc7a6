//! The conversion of a finished run into the `aauth-reports` model, over a synthetic run that
//! covers every outcome, every verdict, every kind of harness error, a multi-party failure and
//! a case without a target: the report must be consistent (`Report::check`), round-trip
//! through JSON, render in every format, feed `baseline`, and match the committed snapshot.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns; a panic is a test failure

use std::path::Path;
use std::time::Duration;

use aauth_harness::message::{Request, Response};
use aauth_harness::profile::Profile;
use aauth_harness::role::Role;
use aauth_harness::transcript::{Exchange, ExchangeRecord, Transcript};
use aauth_harness::wire::signature_error::SignatureErrorCode;
use aauth_reports::{ExpectationStatus, Fault, Format, Outcome as ReportOutcome, Report};
use aauth_suite::case::{profiles, roles, CaseId, CaseMeta, ExpandedId, Level};
use aauth_suite::expect::{Baseline, Judgement, Verdict};
use aauth_suite::index::{self, ReqId};
use aauth_suite::outcome::{Failure, HarnessError, Mismatch, Outcome};
use aauth_suite::render::{self, to_report};
use aauth_suite::report::RunReport;
use aauth_suite::runner::{CaseResult, TargetInfo};
use aauth_suite::target::{DeclaredTarget, TargetSpec};

const fn meta(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    level: Level,
    roles: &'static [Role],
) -> CaseMeta {
    CaseMeta::new(
        CaseId::from_static(id),
        title,
        ReqId::from_static(requirement),
        level,
        roles,
        profiles::FROM_10,
    )
}

static FRESH: CaseMeta = meta(
    "sig.created.fresh",
    "Sends a request signed just now",
    "SIG-007",
    Level::Must,
    roles::RESOURCE,
);
static TOO_OLD: CaseMeta = meta(
    "sig.created.too-old",
    "Sends a request whose created is 61 s in the past",
    "SIG-007",
    Level::Must,
    roles::RESOURCE,
);
static FUTURE: CaseMeta = meta(
    "sig.created.future",
    "Sends a request whose created is 61 s in the future",
    "SIG-007",
    Level::Must,
    roles::RESOURCE,
);
static ACCEPT_ALG: CaseMeta = meta(
    "sig.accept-alg.listed",
    "Sends a request signed with an algorithm the resource does not accept",
    "SIG-022",
    Level::Should,
    roles::RESOURCE,
);
static ERROR_CODE: CaseMeta = meta(
    "sig.error.code",
    "Sends a request whose signature does not verify",
    "SIG-019",
    Level::Must,
    roles::RESOURCE,
);
static ERROR_HEADER: CaseMeta = meta(
    "sig.error.header",
    "Sends a request with a truncated signature",
    "SIG-019",
    Level::Must,
    roles::RESOURCE,
);
static ES256: CaseMeta = meta(
    "sig.alg.es256",
    "Sends a request signed with ES256",
    "SIG-023",
    Level::Must,
    roles::RESOURCE,
);
static NO_AUTH_HEADER: CaseMeta = meta(
    "sig.error.no-www-authenticate",
    "Sends a request whose signature does not verify and reads the challenge",
    "SIG-019",
    Level::MustNot,
    roles::RESOURCE,
);
static TYP_REFUSED: CaseMeta = meta(
    "tok.typ.refused",
    "Sends an auth token with typ JWT",
    "TOK-001",
    Level::Must,
    roles::PERSON_SERVER,
);
static TYP_SLOW: CaseMeta = meta(
    "tok.typ.slow",
    "Sends an auth token with typ JWT and waits",
    "TOK-001",
    Level::Must,
    roles::PERSON_SERVER,
);
static TYP_PANICS: CaseMeta = meta(
    "tok.typ.panics",
    "Sends an auth token with an empty typ",
    "TOK-001",
    Level::Must,
    roles::PERSON_SERVER,
);
static PARENT_LINKS: CaseMeta = meta(
    "ps.parent.links",
    "Sends a parent-mediated request with a broken link",
    "PS-021",
    Level::Must,
    roles::PERSON_SERVER,
);
static PARENT_CHAIN: CaseMeta = meta(
    "ps.parent.chain",
    "Sends a parent-mediated request through the resource under test",
    "PS-021",
    Level::Must,
    roles::PERSON_SERVER,
);
static MISSION_HASH: CaseMeta = meta(
    "agt.mission.s256",
    "Sends a mission whose s256 does not match",
    "AGT-030",
    Level::Should,
    roles::AGENT,
);
static METADATA_EXTRA: CaseMeta = meta(
    "res.metadata.extra-members",
    "Fetches the resource metadata and reads unknown members",
    "RES-001",
    Level::May,
    roles::RESOURCE,
);

/// A fixed run: every input of [`RunReport`], owned.
struct Fixture {
    results: Vec<CaseResult>,
    judgement: Judgement,
    baseline: Baseline,
    targets: Vec<DeclaredTarget>,
    warnings: Vec<String>,
    filters: Vec<String>,
    command_line: Vec<String>,
}

impl Fixture {
    fn report(&self) -> RunReport<'_> {
        RunReport {
            results: &self.results,
            judgement: &self.judgement,
            baseline: Some(&self.baseline),
            baseline_path: Some(Path::new("ci/baseline.toml")),
            filters: &self.filters,
            command_line: &self.command_line,
            index: index::bundled().unwrap(),
            targets: &self.targets,
            seed: 42,
            started_unix: 1_767_225_600, // 2026-01-01T00:00:00Z
            elapsed: Duration::from_millis(1_234),
            warnings: &self.warnings,
        }
    }
}

const BASELINE: &str = r#"
[[expected]]
id = "sig.error.code@resource"
reason = "SIG-019: answers with its own error code (issue #3)"

[[expected]]
id = "sig.error.header@resource"
reason = "SIG-019: omitted Signature-Error in release 0.2"

[[expected]]
id = "sig.created.future@resource"
reason = "SIG-007: accepts created in the future"

[[expected]]
id = "ps.parent.links@person-server"
reason = "PS-021: does not check the parent link"
"#;

fn exchanges(status: Option<u16>, note: &str) -> Vec<Exchange> {
    let transcript = Transcript::new();
    let request = Request::new("GET", "https", "resource.example", "/data?x=1")
        .with_header(
            "Signature-Input",
            "sig=(\"@method\" \"@authority\");created=1767225539",
        )
        .with_header("Signature", "sig=:AAAA:")
        .with_header("Signature-Key", "sig=jwt;jwt=\"eyJ...\"");
    let response = status.map(|status| {
        Response::new(status)
            .with_header("Content-Type", "text/plain")
            .with_header("WWW-Authenticate", "AAuth")
            .with_body(&b"ok\n"[..])
    });
    transcript.record(ExchangeRecord {
        from: "harness (agent)",
        to: "resource under test",
        request: &request,
        result: response
            .as_ref()
            .ok_or_else(|| "connection refused by 127.0.0.1:8443".to_string()),
        elapsed: Duration::from_millis(7),
        note: Some(note.to_string()),
    });
    transcript.snapshot()
}

fn result(
    meta: &'static CaseMeta,
    role: Role,
    profile: Profile,
    target: Option<&str>,
    outcome: Outcome,
    transcript: Vec<Exchange>,
) -> CaseResult {
    CaseResult {
        id: ExpandedId {
            case: meta.id.clone(),
            role,
        },
        profile,
        meta,
        target: target.map(str::to_string),
        seed: 7,
        outcome,
        duration: Duration::from_millis(25),
        transcript,
    }
}

fn fixture() -> Fixture {
    use Profile::{Aauth10, Aauth11};
    use Role::{Agent, PersonServer, Resource};
    let resource = Some("built-in resource");
    let person_server = Some("built-in person-server");
    let results = vec![
        result(
            &FRESH,
            Resource,
            Aauth11,
            resource,
            Outcome::Pass,
            exchanges(Some(200), "created = now"),
        ),
        result(
            &TOO_OLD,
            Resource,
            Aauth11,
            resource,
            Outcome::Fail(
                Failure::new(
                    Resource,
                    Mismatch::Status {
                        want: vec![401],
                        got: 200,
                    },
                )
                .accepting(["401 invalid_signature"])
                .saw("200"),
            ),
            exchanges(Some(200), "created = now - 61 s"),
        ),
        result(
            &TOO_OLD,
            Resource,
            Aauth10,
            Some("example resource"),
            Outcome::fail(Resource, Mismatch::UnexpectedSuccess { got: 204 }),
            exchanges(Some(204), "created = now - 61 s"),
        ),
        result(
            &ACCEPT_ALG,
            Resource,
            Aauth11,
            resource,
            Outcome::fail(
                Resource,
                Mismatch::MissingHeader("Accept-Signature-Alg".into()),
            ),
            exchanges(Some(401), "alg = hmac-sha256"),
        ),
        result(
            &ERROR_CODE,
            Resource,
            Aauth11,
            resource,
            Outcome::Fail(
                Failure::new(
                    Resource,
                    Mismatch::SignatureError {
                        want: vec![SignatureErrorCode::INVALID_SIGNATURE],
                        got: Some(SignatureErrorCode::new("zz_custom")),
                    },
                )
                .detail("the implementation's own code"),
            ),
            exchanges(Some(401), "signature bytes flipped"),
        ),
        result(
            &ERROR_HEADER,
            Resource,
            Aauth11,
            resource,
            Outcome::Pass,
            exchanges(Some(401), "signature cut"),
        ),
        result(
            &ES256,
            Resource,
            Aauth11,
            resource,
            Outcome::Skip("target does not declare capability es256".into()),
            Vec::new(),
        ),
        result(
            &FUTURE,
            Resource,
            Aauth11,
            resource,
            Outcome::Skip("adapter declined: cannot send a future created".into()),
            Vec::new(),
        ),
        result(
            &NO_AUTH_HEADER,
            Resource,
            Aauth11,
            resource,
            Outcome::fail(
                Resource,
                Mismatch::UnexpectedHeader("WWW-Authenticate".into()),
            ),
            exchanges(Some(401), "signature bytes flipped"),
        ),
        result(
            &METADATA_EXTRA,
            Resource,
            Aauth11,
            resource,
            Outcome::fail(
                Resource,
                Mismatch::Other("refused to parse metadata with an unknown member".into()),
            ),
            exchanges(Some(500), "unknown member x-extra"),
        ),
        result(
            &TYP_REFUSED,
            PersonServer,
            Aauth11,
            person_server,
            Outcome::Error(HarnessError::Transport(
                "connection refused by 127.0.0.1:8443".into(),
            )),
            exchanges(None, "typ = JWT"),
        ),
        result(
            &TYP_SLOW,
            PersonServer,
            Aauth11,
            person_server,
            Outcome::Error(HarnessError::Timeout(Duration::from_secs(30))),
            Vec::new(),
        ),
        result(
            &TYP_PANICS,
            PersonServer,
            Aauth11,
            person_server,
            Outcome::Error(HarnessError::Panic("index out of bounds".into())),
            Vec::new(),
        ),
        result(
            &PARENT_LINKS,
            PersonServer,
            Aauth11,
            person_server,
            Outcome::Error(HarnessError::Config(
                "no person-server knobs in the target file".into(),
            )),
            Vec::new(),
        ),
        result(
            &PARENT_CHAIN,
            PersonServer,
            Aauth11,
            person_server,
            Outcome::Fail(
                Failure::new(
                    Resource,
                    Mismatch::ProblemCode {
                        want: vec!["invalid_resource_token".into()],
                        got: Some("invalid_request".into()),
                    },
                )
                .accepting(["400 invalid_resource_token", "401 invalid_resource_token"])
                .saw("400 invalid_request"),
            ),
            exchanges(Some(400), "resource token signed by the wrong key"),
        ),
        result(
            &MISSION_HASH,
            Agent,
            Aauth11,
            None,
            Outcome::fail(
                Agent,
                Mismatch::Claim {
                    name: "mission s256".into(),
                    want: "SHA-256 of the decoded mission".into(),
                    got: Some("AAAA".into()),
                },
            ),
            Vec::new(),
        ),
    ];
    let baseline = Baseline::parse(BASELINE).unwrap();
    let judgement = Judgement::of(&results, Some(&baseline));
    let file_target = DeclaredTarget {
        spec: TargetSpec::File("targets/example.toml".into()),
        role: Resource,
        profile: Aauth10,
        info: TargetInfo {
            name: "example resource".into(),
            capabilities: aauth_suite::capability::Capabilities::all(),
        },
    };
    Fixture {
        results,
        judgement,
        baseline,
        targets: vec![
            DeclaredTarget::builtin(Resource, None, Aauth11),
            DeclaredTarget::builtin(PersonServer, None, Aauth11),
            file_target,
        ],
        warnings: vec!["baseline ci/baseline.toml: entry zz.gone@resource matches no case".into()],
        filters: vec![
            "sig.*,-sig.replay.*".into(),
            "tok.*,ps.*,agt.*,res.*".into(),
        ],
        command_line: [
            "aauth-conform",
            "run",
            "--expect",
            "ci/baseline.toml",
            "--seed",
            "42",
        ]
        .map(String::from)
        .to_vec(),
    }
}

fn case<'a>(report: &'a Report, id: &str, profile: &str) -> &'a aauth_reports::CaseReport {
    report
        .cases
        .iter()
        .find(|c| c.id == id && c.profile == profile)
        .unwrap_or_else(|| panic!("no case {id} [{profile}]"))
}

#[test]
fn the_fixture_covers_every_outcome_and_verdict() {
    let fixture = fixture();
    for verdict in Verdict::ALL {
        assert!(
            fixture.judgement.count(verdict) > 0,
            "no {verdict} in the fixture"
        );
    }
    let report = to_report(&fixture.report());
    for outcome in ReportOutcome::ALL {
        assert!(
            report.cases.iter().any(|c| c.outcome == outcome),
            "no {outcome}"
        );
    }
}

#[test]
fn the_report_is_consistent() {
    let report = to_report(&fixture().report());
    assert_eq!(report.check(), vec![]);
    assert_eq!(report.cases.len(), 16);
    assert_eq!(report.summary.expected_failures, 1);
    assert_eq!(report.summary.unexpected_passes, 1);
    assert_eq!(report.summary.errors, 4);
}

#[test]
fn run_parameters_are_carried_over() {
    let report = to_report(&fixture().report());
    assert_eq!(report.tool.name, "aauth-conform");
    assert_eq!(report.tool.version, env!("CARGO_PKG_VERSION"));
    let run = &report.run;
    assert_eq!(run.started_at, "2026-01-01T00:00:00Z");
    assert_eq!(run.duration_ms, 1_234);
    assert_eq!(run.seed, 42);
    assert_eq!(run.profiles, ["aauth-11", "aauth-10"]);
    assert_eq!(
        run.filter.as_deref(),
        Some("sig.*,-sig.replay.*,tok.*,ps.*,agt.*,res.*")
    );
    assert_eq!(run.baseline.as_deref(), Some("ci/baseline.toml"));
    assert_eq!(
        run.command_line.first().map(String::as_str),
        Some("aauth-conform")
    );
    let names: Vec<_> = run
        .targets
        .iter()
        .map(|t| (t.name.as_str(), t.role.as_str(), t.profile.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("built-in resource", "resource", "aauth-11"),
            ("built-in person-server", "person-server", "aauth-11"),
            ("example resource", "resource", "aauth-10"),
        ]
    );
}

#[test]
fn cases_carry_requirement_spec_fault_and_evidence() {
    let report = to_report(&fixture().report());

    let fail = case(&report, "sig.created.too-old@resource", "aauth-11");
    assert_eq!(fail.base_id, "sig.created.too-old");
    assert_eq!(fail.requirement, "SIG-007");
    assert_eq!(
        (
            fail.spec.doc.as_str(),
            fail.spec.anchor.as_str(),
            fail.spec.section.as_str()
        ),
        ("aauth-11", "verification", "13.8.4")
    );
    assert_eq!(
        fail.title,
        "Sends a request whose created is 61 s in the past"
    );
    assert_eq!(fail.target.as_deref(), Some("built-in resource"));
    assert_eq!(fail.duration_ms, 25);
    assert_eq!(
        fail.message.as_deref(),
        Some("status 200, wanted 401 (at fault: resource); accepted: 401 invalid_signature; seen: 200")
    );
    assert_eq!(
        fail.evidence.fault,
        Some(Fault::Implementation {
            role: "resource".into(),
            target: Some("built-in resource".into())
        })
    );
    assert_eq!(
        fail.evidence.accepted_alternatives,
        ["401 invalid_signature"]
    );
    assert_eq!(fail.evidence.seen_alternative.as_deref(), Some("200"));
    let exchange = &fail.evidence.transcript[0];
    assert_eq!(exchange.request.url, "https://resource.example/data?x=1");
    assert_eq!(exchange.response.as_ref().map(|r| r.status), Some(200));
    assert_eq!(exchange.note.as_deref(), Some("created = now - 61 s"));
    assert!(fail.expectation.is_none());

    let other_profile = case(&report, "sig.created.too-old@resource", "aauth-10");
    assert_eq!(other_profile.target.as_deref(), Some("example resource"));

    // A multi-party failure blames the party at fault, with its own target.
    let chain = case(&report, "ps.parent.chain@person-server", "aauth-11");
    assert_eq!(
        chain.evidence.fault,
        Some(Fault::Implementation {
            role: "resource".into(),
            target: Some("built-in resource".into())
        })
    );
    // No target plays the agent: the fault names the role alone.
    let mission = case(&report, "agt.mission.s256@agent", "aauth-11");
    assert_eq!(mission.target, None);
    assert_eq!(
        mission.evidence.fault,
        Some(Fault::Implementation {
            role: "agent".into(),
            target: None
        })
    );

    // Errors are never the implementation's.
    for (id, fault) in [
        ("tok.typ.refused@person-server", Fault::Transport),
        ("tok.typ.slow@person-server", Fault::Transport),
        ("tok.typ.panics@person-server", Fault::Harness),
        ("ps.parent.links@person-server", Fault::Harness),
    ] {
        let error = case(&report, id, "aauth-11");
        assert_eq!(error.evidence.fault.as_ref(), Some(&fault), "{id}");
        assert!(error.message.is_some(), "{id}");
    }
    let refused = case(&report, "tok.typ.refused@person-server", "aauth-11");
    assert_eq!(
        refused.message.as_deref(),
        Some("transport: connection refused by 127.0.0.1:8443")
    );
    assert_eq!(
        refused.evidence.transcript[0].error.as_deref(),
        Some("connection refused by 127.0.0.1:8443")
    );

    let skip = case(&report, "sig.alg.es256@resource", "aauth-11");
    assert_eq!(
        skip.skip_reason.as_deref(),
        Some("target does not declare capability es256")
    );
    assert_eq!(skip.message, None);
    assert_eq!(skip.evidence.fault, None);
}

#[test]
fn baseline_entries_become_expectations_with_their_reasons() {
    let report = to_report(&fixture().report());
    let expectation = |id: &str| case(&report, id, "aauth-11").expectation.clone();
    let xfail = expectation("sig.error.code@resource").unwrap();
    assert_eq!(xfail.status, ExpectationStatus::XFail);
    assert_eq!(
        xfail.reason,
        "SIG-019: answers with its own error code (issue #3)"
    );
    assert_eq!(xfail.expected, ReportOutcome::Fail);
    let xpass = expectation("sig.error.header@resource").unwrap();
    assert_eq!(xpass.status, ExpectationStatus::XPass);
    assert_eq!(
        xpass.reason,
        "SIG-019: omitted Signature-Error in release 0.2"
    );
    assert_eq!(
        expectation("sig.created.future@resource").unwrap().status,
        ExpectationStatus::Unresolved
    );
    assert_eq!(
        expectation("ps.parent.links@person-server").unwrap().status,
        ExpectationStatus::Unresolved
    );
    // A SHOULD-level failure without an entry (warn) has no expectation; its level says it.
    let warn = case(&report, "sig.accept-alg.listed@resource", "aauth-11");
    assert_eq!(warn.expectation, None);
    assert_eq!(warn.level, aauth_reports::Level::Should);
    assert_eq!(
        case(
            &report,
            "sig.error.no-www-authenticate@resource",
            "aauth-11"
        )
        .level,
        aauth_reports::Level::MustNot
    );
    assert_eq!(
        case(&report, "res.metadata.extra-members@resource", "aauth-11").level,
        aauth_reports::Level::May
    );
}

#[test]
fn mismatches_keep_their_kind_and_evidence() {
    let report = to_report(&fixture().report());
    let kind = |id: &str| {
        case(&report, id, "aauth-11")
            .evidence
            .mismatch
            .as_ref()
            .map(|m| m.kind().as_str())
            .unwrap()
    };
    assert_eq!(kind("sig.created.too-old@resource"), "status");
    assert_eq!(kind("sig.accept-alg.listed@resource"), "missing_header");
    assert_eq!(kind("sig.error.code@resource"), "signature_error");
    assert_eq!(
        kind("sig.error.no-www-authenticate@resource"),
        "unexpected_header"
    );
    assert_eq!(kind("res.metadata.extra-members@resource"), "other");
    assert_eq!(kind("ps.parent.chain@person-server"), "problem_code");
    assert_eq!(kind("agt.mission.s256@agent"), "claim");
    let header = case(
        &report,
        "sig.error.no-www-authenticate@resource",
        "aauth-11",
    );
    assert_eq!(
        header.evidence.mismatch,
        Some(aauth_reports::Mismatch::UnexpectedHeader {
            header: "www-authenticate".into(),
            got: "AAuth".into()
        })
    );
    // `Other` states what was wanted with the requirement's summary from the index.
    let other = case(&report, "res.metadata.extra-members@resource", "aauth-11");
    let row = index::bundled()
        .unwrap()
        .get(&ReqId::parse("RES-001").unwrap())
        .unwrap();
    assert_eq!(
        other.evidence.mismatch,
        Some(aauth_reports::Mismatch::Other {
            want: row.summary.clone(),
            got: "refused to parse metadata with an unknown member".into()
        })
    );
}

#[test]
fn the_json_round_trips_and_matches_the_snapshot() {
    let mut report = to_report(&fixture().report());
    let json = report.to_json().unwrap();
    assert_eq!(Report::from_json(&json).unwrap(), report);
    // The version changes with every release; the snapshot is about everything else.
    report.tool.version = "VERSION".into();
    insta::assert_snapshot!("synthetic_run.json", report.to_json().unwrap());
}

#[test]
fn every_format_renders_the_synthetic_run() {
    let report = to_report(&fixture().report());
    let html = Format::Html.render(&report).unwrap();
    for case in &report.cases {
        assert!(html.contains(&case.id), "{} missing from the HTML", case.id);
    }
    let junit = Format::Junit.render(&report).unwrap();
    assert!(junit.contains("<failure"), "{junit}");
    assert!(junit.contains("<error"), "{junit}");
    let sarif: serde_json::Value =
        serde_json::from_str(&Format::Sarif.render(&report).unwrap()).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["SIG-007", "SIG-022", "SIG-019", "SIG-023", "RES-001", "TOK-001", "PS-021", "AGT-030"]
    );
    let text = Format::Text.render(&report).unwrap();
    assert!(text.contains("sig.created.too-old@resource"), "{text}");
}

#[test]
fn baseline_reads_the_failures_back_from_the_json() {
    let report = to_report(&fixture().report());
    let entries =
        aauth_suite::cli::baseline::entries_from_report(&report.to_json().unwrap()).unwrap();
    let failed: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.outcome == ReportOutcome::Fail)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(
        entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        failed
    );
    let first = &entries[0];
    assert_eq!(first.id, "sig.created.too-old@resource");
    // The run covered two profiles, so each entry is pinned to its own.
    assert_eq!(first.profile, Some(Profile::Aauth11));
    assert_eq!(entries[1].profile, Some(Profile::Aauth10));
    assert_eq!(
        first.reason,
        "SIG-007 aauth-11 §13.8.4: status 200, wanted 401 (at fault: resource); accepted: 401 invalid_signature; seen: 200"
    );
    // And the rendered baseline loads and predicts exactly those failures.
    let text = aauth_suite::expect::render_baseline("report.json", &entries).unwrap();
    let baseline = Baseline::parse(&text).unwrap();
    let fixture = fixture();
    let judgement = Judgement::of(&fixture.results, Some(&baseline));
    assert_eq!(judgement.count(Verdict::Fail), 0);
    assert_eq!(judgement.count(Verdict::Warn), 0);
    assert_eq!(judgement.count(Verdict::XFail), failed.len());
}

#[test]
fn the_sinks_render_the_same_model() {
    let fixture = fixture();
    let sinks = render::all_sinks();
    let mut out = Vec::new();
    sinks
        .get(aauth_suite::report::ReportFormat::Json)
        .unwrap()
        .write(&fixture.report(), &mut out)
        .unwrap();
    let parsed = Report::from_json(std::str::from_utf8(&out).unwrap()).unwrap();
    assert_eq!(parsed, to_report(&fixture.report()));
}
