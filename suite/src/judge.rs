//! Judging a response against what a case expected, with the party at fault named.
//!
//! Cases describe their expectation as data ([`Expect`]) and call [`judge`]; the rules of the
//! profile that are shared by many cases (a 5xx is never an acceptable refusal, a success where
//! a refusal was required is its own mismatch, the endpoint error codes the spec allows beside
//! `Signature-Error`, see requirements §6 G1) live here once.

use aauth_harness::message::{Fields, Response};
use aauth_harness::role::Role;
use aauth_harness::wire::aauth_requirement::AauthRequirement;
use aauth_harness::wire::problem::Problem;
use aauth_harness::wire::signature_error::{SignatureError, SignatureErrorCode};

use crate::outcome::{Failure, Mismatch, Outcome};

/// An endpoint-level refusal the spec allows in place of a `Signature-Error` (status + problem
/// `error` code), e.g. `400 invalid_agent_token` for an agent token that fails verification.
pub type EndpointAlternative = (u16, &'static str);

/// What a case requires of the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Served: any 2xx.
    Served,
    /// Refused as a signature or credential failure: a `Signature-Error` whose code is one of
    /// `codes`, or one of the endpoint alternatives.
    SignatureRejected {
        /// Acceptable `Signature-Error` codes.
        codes: &'static [&'static str],
        /// Acceptable endpoint refusals instead.
        alternatives: &'static [EndpointAlternative],
    },
    /// Refused in any way (4xx); the spec names no code for this fault.
    Refused,
    /// A problem+json refusal with one of `codes`, at `status`.
    Problem {
        /// Required status.
        status: u16,
        /// Acceptable `error` codes.
        codes: &'static [&'static str],
    },
    /// An `AAuth-Requirement` challenge naming `requirement`, at `status`.
    Challenge {
        /// Required status (401, 202, 402).
        status: u16,
        /// The requirement value.
        requirement: &'static str,
    },
}

/// A short rendering of a response for "seen" fields: status plus the code it carried.
pub fn describe(response: &Response) -> String {
    if let Some(code) = signature_error_code(response) {
        return format!("{} Signature-Error {}", response.status, code);
    }
    if let Some(code) = problem_code(response) {
        return format!("{} {}", response.status, code);
    }
    if let Some(req) = response.header("aauth-requirement") {
        return format!("{} AAuth-Requirement {}", response.status, req);
    }
    response.status.to_string()
}

/// The `Signature-Error` code of a response, when it has a parsable header.
pub fn signature_error_code(response: &Response) -> Option<SignatureErrorCode> {
    let value = response.header("signature-error")?;
    SignatureError::parse(value.as_bytes())
        .ok()
        .map(|e| e.error)
}

/// The problem+json (or legacy JSON) `error` member of a response body.
pub fn problem_code(response: &Response) -> Option<String> {
    if let Ok(problem) = Problem::parse(&response.body) {
        return Some(problem.error.as_str().to_string());
    }
    response
        .body_json()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Judge `response` against `expect`; a difference is blamed on `at_fault`.
pub fn judge(expect: &Expect, response: &Response, at_fault: Role) -> Outcome {
    let seen = describe(response);
    let fail = |mismatch: Mismatch, accepted: Vec<String>| {
        Outcome::Fail(
            Failure::new(at_fault, mismatch)
                .accepting(accepted)
                .saw(seen.clone()),
        )
    };
    match *expect {
        Expect::Served => {
            if is_success(response.status) {
                Outcome::Pass
            } else {
                fail(
                    Mismatch::Status {
                        want: vec![200],
                        got: response.status,
                    },
                    vec!["2xx".into()],
                )
            }
        }
        Expect::Refused => {
            refused(response, at_fault, &seen, vec!["any 4xx".into()]).unwrap_or(Outcome::Pass)
        }
        Expect::SignatureRejected {
            codes,
            alternatives,
        } => {
            let accepted: Vec<String> = codes
                .iter()
                .map(|c| format!("401 Signature-Error {c}"))
                .chain(alternatives.iter().map(|(s, c)| format!("{s} {c}")))
                .collect();
            if let Some(outcome) = refused(response, at_fault, &seen, accepted.clone()) {
                return outcome;
            }
            let got = signature_error_code(response);
            if let Some(code) = &got {
                if codes.contains(&code.as_str()) {
                    return Outcome::Pass;
                }
            }
            if let Some(problem) = problem_code(response) {
                if alternatives
                    .iter()
                    .any(|(s, c)| *s == response.status && *c == problem)
                {
                    return Outcome::Pass;
                }
            }
            fail(
                Mismatch::SignatureError {
                    want: codes.iter().map(|c| SignatureErrorCode::new(*c)).collect(),
                    got,
                },
                accepted,
            )
        }
        Expect::Problem { status, codes } => {
            let accepted: Vec<String> = codes.iter().map(|c| format!("{status} {c}")).collect();
            if let Some(outcome) = refused(response, at_fault, &seen, accepted.clone()) {
                return outcome;
            }
            let got = problem_code(response);
            match &got {
                Some(code) if codes.contains(&code.as_str()) => {
                    if response.status == status {
                        Outcome::Pass
                    } else {
                        fail(
                            Mismatch::Status {
                                want: vec![status],
                                got: response.status,
                            },
                            accepted,
                        )
                    }
                }
                _ => fail(
                    Mismatch::ProblemCode {
                        want: codes.iter().map(|c| c.to_string()).collect(),
                        got,
                    },
                    accepted,
                ),
            }
        }
        Expect::Challenge {
            status,
            requirement,
        } => {
            let accepted = vec![format!(
                "{status} AAuth-Requirement: requirement={requirement}"
            )];
            let Some(value) = response.header("aauth-requirement") else {
                if is_success(response.status) {
                    return fail(
                        Mismatch::UnexpectedSuccess {
                            got: response.status,
                        },
                        accepted,
                    );
                }
                return fail(
                    Mismatch::MissingHeader("AAuth-Requirement".into()),
                    accepted,
                );
            };
            match AauthRequirement::parse(value.as_bytes()) {
                Ok(req) if req.requirement.as_str() == requirement => {
                    if response.status == status {
                        Outcome::Pass
                    } else {
                        fail(
                            Mismatch::Status {
                                want: vec![status],
                                got: response.status,
                            },
                            accepted,
                        )
                    }
                }
                Ok(req) => fail(
                    Mismatch::Other(format!(
                        "AAuth-Requirement names {}, wanted {requirement}",
                        req.requirement.as_str()
                    )),
                    accepted,
                ),
                Err(e) => fail(
                    Mismatch::Other(format!("AAuth-Requirement does not parse: {e}")),
                    accepted,
                ),
            }
        }
    }
}

/// The shared part of every refusal expectation: a success or a server error is a failure
/// on its own. Returns `None` when the response is a 4xx and the caller should look closer.
fn refused(
    response: &Response,
    at_fault: Role,
    seen: &str,
    accepted: Vec<String>,
) -> Option<Outcome> {
    let failure = |mismatch| {
        Some(Outcome::Fail(
            Failure::new(at_fault, mismatch)
                .accepting(accepted.clone())
                .saw(seen.to_string()),
        ))
    };
    if is_success(response.status) || (300..400).contains(&response.status) {
        return failure(Mismatch::UnexpectedSuccess {
            got: response.status,
        });
    }
    if response.status >= 500 {
        return failure(Mismatch::Status {
            want: vec![401, 400, 403],
            got: response.status,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig_error(status: u16, code: &str) -> Response {
        Response::new(status).with_header("Signature-Error", format!("error={code}"))
    }

    const CREATED: Expect = Expect::SignatureRejected {
        codes: &["invalid_signature"],
        alternatives: &[],
    };

    #[test]
    fn the_named_code_passes_and_any_other_fails() {
        assert_eq!(
            judge(
                &CREATED,
                &sig_error(401, "invalid_signature"),
                Role::Resource
            ),
            Outcome::Pass
        );
        assert!(matches!(
            judge(&CREATED, &sig_error(401, "invalid_key"), Role::Resource),
            Outcome::Fail(_)
        ));
    }

    #[test]
    fn success_and_server_errors_are_never_acceptable_refusals() {
        for status in [200, 204, 302, 500, 503] {
            assert!(
                matches!(
                    judge(&CREATED, &Response::new(status), Role::Resource),
                    Outcome::Fail(_)
                ),
                "{status}"
            );
        }
        assert_eq!(
            judge(&Expect::Refused, &Response::new(403), Role::Resource),
            Outcome::Pass
        );
    }

    #[test]
    fn endpoint_alternatives_are_accepted_where_the_spec_allows_them() {
        let expect = Expect::SignatureRejected {
            codes: &["invalid_jwt"],
            alternatives: &[(400, "invalid_agent_token")],
        };
        let body = r#"{"error":"invalid_agent_token","detail":"bad"}"#;
        let response = Response::new(400)
            .with_header("content-type", "application/problem+json")
            .with_body(body);
        assert_eq!(judge(&expect, &response, Role::PersonServer), Outcome::Pass);
    }

    #[test]
    fn challenges_need_the_header_and_the_status() {
        let expect = Expect::Challenge {
            status: 401,
            requirement: "agent-token",
        };
        let ok = Response::new(401).with_header("AAuth-Requirement", "requirement=agent-token");
        assert_eq!(judge(&expect, &ok, Role::Resource), Outcome::Pass);
        let www =
            Response::new(401).with_header("WWW-Authenticate", "AAuth requirement=agent-token");
        assert!(matches!(
            judge(&expect, &www, Role::Resource),
            Outcome::Fail(_)
        ));
    }
}
