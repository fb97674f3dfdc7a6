//! The fixed sample report every renderer is golden-tested over.
//!
//! It covers every outcome, every level, an expected failure and an unexpected pass, two
//! roles and two profiles, several mismatch kinds, accepted alternatives, a binary and a
//! truncated body, a transport error, and a response whose body and headers are hostile
//! (markup, quotes, an ANSI escape, a bidirectional override): renderers must escape them.
#![allow(dead_code)]

use aauth_reports::{
    Body, CaseReport, Exchange, Fault, HttpRequest, HttpResponse, Level, Mismatch, Outcome, Quirk,
    Report, Run, SpecRef, Target, Tool,
};

pub const HOSTILE_BODY: &str =
    "<script>document.title='owned'</script></pre><img src=x onerror=alert(1)> \"quoted\" & 'single'";

fn protocol(anchor: &str, section: &str) -> SpecRef {
    SpecRef::new("draft-hardt-oauth-aauth-protocol-11", anchor, section)
}

fn signed_get(url: &str, created: &str) -> HttpRequest {
    HttpRequest::new("GET", url)
        .header("host", "resource.example")
        .header(
            "signature-input",
            format!(
                "sig=(\"@method\" \"@authority\" \"@path\" \"signature-key\");created={created}"
            ),
        )
        .header("signature", "sig=:dGVzdCBzaWduYXR1cmUgYnl0ZXM=:")
        .header(
            "signature-key",
            "sig=jwt;jwt=\"eyJhbGciOiJFZDI1NTE5In0.e30.c2ln\"",
        )
}

pub fn sample() -> Report {
    let resource = Fault::Implementation {
        role: "resource".into(),
        target: Some("example resource".into()),
    };
    let person_server = Fault::Implementation {
        role: "person-server".into(),
        target: Some("example ps".into()),
    };
    let cases = vec![
        CaseReport::new(
            "sig.created.too-old",
            "resource",
            "aauth-11",
            Level::Must,
            Outcome::Fail,
        )
        .with_title("Sends a request whose created is 61 s in the past")
        .with_requirement("SIG-007")
        .with_spec(protocol("verification", "13.8.4"))
        .with_target("example resource")
        .with_duration_ms(14)
        .with_message("a request signed 61 s ago was accepted")
        .with_fault(resource.clone())
        .with_mismatch(Mismatch::UnexpectedSuccess { got: 200 })
        .with_alternatives(["401 invalid_signature"], None)
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "resource under test",
                signed_get("https://resource.example/data", "1767225539"),
            )
            .at_ms(2)
            .with_note("created = now - 61 s")
            .with_response(
                HttpResponse::new(200)
                    .header("content-type", "text/html")
                    .header(
                        "x-evil",
                        "\u{1b}[2J\u{202e}gnp.exe\" onmouseover=\"alert(2)",
                    )
                    .body(Body::text(HOSTILE_BODY)),
            ),
        ),
        CaseReport::new(
            "sig.created.within-window",
            "resource",
            "aauth-11",
            Level::Must,
            Outcome::Pass,
        )
        .with_title("Sends a request whose created is 30 s in the past")
        .with_requirement("SIG-007")
        .with_spec(protocol("verification", "13.8.4"))
        .with_target("example resource")
        .with_duration_ms(9)
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "resource under test",
                signed_get("https://resource.example/data", "1767225570"),
            )
            .at_ms(1)
            .with_response(
                HttpResponse::new(200)
                    .header("content-type", "application/json")
                    .body(Body::text("{\"data\":\"ok\"}")),
            ),
        ),
        CaseReport::new(
            "sig.components.missing-authority",
            "resource",
            "aauth-11",
            Level::Must,
            Outcome::Fail,
        )
        .with_title("Sends a request that does not cover @authority")
        .with_requirement("SIG-002")
        .with_spec(protocol("covered-components", "13.8.3.1"))
        .with_target("example resource")
        .with_duration_ms(11)
        .with_message("rejected with the wrong Signature-Error code")
        .with_fault(resource.clone())
        .with_mismatch(Mismatch::signature_error(
            "invalid_input",
            Some("invalid_signature".into()),
        ))
        .with_expected_failure(
            "reports invalid_signature for every coverage problem (upstream issue 12)",
        )
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "resource under test",
                HttpRequest::new("GET", "https://resource.example/data"),
            )
            .with_response(
                HttpResponse::new(401).header("signature-error", "error=invalid_signature"),
            ),
        ),
        CaseReport::new(
            "sig.error.accept-alg-listed",
            "resource",
            "aauth-11",
            Level::Should,
            Outcome::Pass,
        )
        .with_title("Sends a key with an unsupported alg and reads Accept-Signature-Alg")
        .with_requirement("SIG-022")
        .with_spec(protocol("verification", "13.8.4"))
        .with_target("example resource")
        .with_duration_ms(8)
        .with_expected_failure("did not send Accept-Signature-Alg in release 0.3"),
        CaseReport::new(
            "sig.alg-param.ignored",
            "resource",
            "aauth-10",
            Level::MustNot,
            Outcome::Fail,
        )
        .with_title("Sends a valid signature with alg=\"hmac-sha256\" in Signature-Input")
        .with_requirement("SIG-010")
        .with_spec(SpecRef::new(
            "draft-hardt-oauth-aauth-protocol-10",
            "signature-algorithms",
            "12.8.3.2",
        ))
        .with_target("example resource")
        .with_duration_ms(10)
        .with_message("the alg parameter was used to pick the algorithm")
        .with_fault(resource)
        .with_mismatch(Mismatch::Status {
            want: vec![200, 204],
            got: 401,
        })
        .with_alternatives(["200", "204"], None),
        CaseReport::new(
            "tok.typ.checked",
            "person-server",
            "aauth-11",
            Level::Must,
            Outcome::Error,
        )
        .with_title("Presents a resource token where an agent token belongs")
        .with_requirement("TOK-001")
        .with_spec(protocol("agent-token-verification", "5.2.4"))
        .with_target("example ps")
        .with_duration_ms(3001)
        .with_message("connection refused by 127.0.0.1:8443")
        .with_fault(Fault::Transport)
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "person-server under test",
                HttpRequest::new("POST", "https://ps.example/token"),
            )
            .with_error("connection refused"),
        ),
        CaseReport::new(
            "ps.token.expired-resource-token",
            "person-server",
            "aauth-11",
            Level::Must,
            Outcome::Fail,
        )
        .with_title("Posts an expired resource token to the token endpoint")
        .with_requirement("PS-021")
        .with_spec(protocol("ps-token-endpoint", "8.2"))
        .with_target("example ps")
        .with_duration_ms(21)
        .with_message("answered with a generic error code")
        .with_fault(person_server.clone())
        .with_mismatch(Mismatch::ProblemCode {
            want: vec!["expired_resource_token".into()],
            got: Some("invalid_request".into()),
        })
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "person-server under test",
                HttpRequest::new("POST", "https://ps.example/token")
                    .header("content-type", "application/json")
                    .body(Body::text(
                        "{\"resource_token\":\"eyJ0eXAiOiJhYS1yZXNvdXJjZStqd3QifQ.e30.c2ln\"}",
                    )),
            )
            .at_ms(4)
            .with_response(
                HttpResponse::new(400)
                    .header("content-type", "application/problem+json")
                    .body(Body::text(
                        "{\"type\":\"about:blank\",\"error\":\"invalid_request\"}",
                    )),
            ),
        ),
        CaseReport::new(
            "tok.agent.unknown-claims",
            "person-server",
            "aauth-11",
            Level::Must,
            Outcome::Pass,
        )
        .with_title("Presents an agent token with extra unregistered claims")
        .with_requirement("TOK-016")
        .with_spec(protocol("agent-token-verification", "5.2.2"))
        .with_target("example ps")
        .with_duration_ms(17)
        .with_alternatives(
            ["200 with a person token", "202 deferred"],
            Some("202 deferred".into()),
        )
        .with_exchange(
            Exchange::new(
                1,
                "harness (agent)",
                "person-server under test",
                HttpRequest::new("POST", "https://ps.example/token").body(Body::from_bytes(
                    &[0x00, 0xff, 0x10, 0x80],
                    Body::DEFAULT_LIMIT,
                )),
            )
            .with_response(
                HttpResponse::new(202)
                    .header("location", "https://ps.example/pending/1")
                    .body(Body::from_bytes("pending ".repeat(8).as_bytes(), 20)),
            ),
        ),
        CaseReport::new(
            "ps.deferred.poll-interval",
            "person-server",
            "aauth-11",
            Level::Should,
            Outcome::Skip,
        )
        .with_title("Polls a pending request faster than the advertised interval")
        .with_requirement("PS-040")
        .with_spec(protocol("deferred-responses", "9.3"))
        .with_target("example ps")
        .with_skip_reason("capability deferred not declared by the target"),
        CaseReport::new(
            "sig.replay.in-window",
            "resource",
            "aauth-11",
            Level::May,
            Outcome::Pass,
        )
        .with_title("Replays a signed request within the window")
        .with_requirement("SIG-024")
        .with_spec(protocol("replay", "13.8.4.2"))
        .with_target("example resource")
        .with_duration_ms(5)
        .with_alternatives(
            ["accepted", "rejected as a replay"],
            Some("accepted".into()),
        ),
        CaseReport::new(
            "agt.claims.no-secret",
            "agent",
            "aauth-11",
            Level::ShouldNot,
            Outcome::Fail,
        )
        .with_title("Asks the agent to call a harness resource and inspects its token")
        .with_requirement("AGT-030")
        .with_spec(protocol("agent-tokens", "5.2.1"))
        .with_duration_ms(40)
        .with_message("the agent token carries a private key member")
        .with_fault(Fault::implementation("agent"))
        .with_mismatch(Mismatch::Claim {
            claim: "aa-agent+jwt cnf.jwk.d".into(),
            want: None,
            got: Some("\"nWGxne...\"".into()),
        }),
    ];
    let run = Run {
        started_at: "2026-01-01T00:00:00Z".into(),
        duration_ms: 4120,
        seed: 42,
        profiles: vec!["aauth-11".into(), "aauth-10".into()],
        filter: Some("sig.*,tok.*,ps.*,agt.*".into()),
        baseline: Some("baselines/example.toml".into()),
        command_line: vec![
            "aauth-conform".into(),
            "run".into(),
            "--target".into(),
            "example.toml".into(),
            "--expect".into(),
            "baselines/example.toml".into(),
        ],
        targets: vec![
            Target {
                name: "example resource".into(),
                role: "resource".into(),
                profile: "aauth-11".into(),
                url: Some("http://127.0.0.1:8080".into()),
                identifier: Some("https://resource.example".into()),
                quirks: vec![],
            },
            Target {
                name: "example ps".into(),
                role: "person-server".into(),
                profile: "aauth-11".into(),
                url: Some("http://127.0.0.1:8443".into()),
                identifier: Some("https://ps.example".into()),
                quirks: vec![Quirk::new(
                    "token-endpoint-requires-scope",
                    "demands a scope member the spec never defines",
                )],
            },
        ],
    };
    Report::new(Tool::new("aauth-conform", "0.1.0"), run, cases)
}
