//! The answers the reference resource gives: challenges, problem bodies, and the flaw-shaped
//! variants of both.
//!
//! Every challenge goes in `AAuth-Requirement` (never `WWW-Authenticate`), every error body
//! is `application/problem+json` with an `error` member, and a policy refusal (`403`) never
//! carries `Signature-Error`, because that header means "your signature failed". Three flaws
//! change exactly those habits, so they live here.

use crate::message::{Fields, Response};
use crate::role::flaw::{Flaw, Flaws};
use crate::wire::aauth_requirement::{AauthRequirement, Requirement, FIELD as REQUIREMENT};
use crate::wire::problem::{ErrorCode, LegacyErrorBody, Problem, PROBLEM_JSON};
use crate::wire::signature_error::{self, SignatureError, SignatureErrorCode};

/// A problem+json answer.
pub fn problem(status: u16, code: ErrorCode, detail: impl Into<String>) -> Response {
    Problem::new(code).with_detail(detail).to_response(status)
}

/// `401` with `Signature-Error: error=<code>`, for credentials refused after the signature
/// layer (a revoked token, an auth token from an issuer the grant does not name).
pub fn credential_refused(code: SignatureErrorCode, detail: impl Into<String>) -> Response {
    let mut response = problem(401, ErrorCode::new(code.as_str()), detail);
    let header = SignatureError::new(code.clone())
        .serialize()
        .unwrap_or_else(|_| format!("error={}", code.as_str()));
    response.set_header(signature_error::FIELD, header);
    response
}

/// A `401` challenge for `requirement`, with the resource token when there is one.
pub fn challenge(
    requirement: Requirement,
    resource_token: Option<&str>,
    flaws: &Flaws,
) -> Response {
    let mut value = AauthRequirement::new(requirement.clone());
    if !flaws.has(Flaw::ChallengeWithoutResourceToken) {
        value.resource_token = resource_token.map(str::to_string);
    }
    let serialized = value
        .serialize()
        .unwrap_or_else(|_| format!("requirement={}", requirement.as_str()));
    let code = format!("{}_required", requirement.as_str().replace('-', "_"));
    let mut response = problem(
        401,
        ErrorCode::new(code),
        format!("this request needs {}", requirement.as_str()),
    );
    if flaws.has(Flaw::ChallengeViaWwwAuthenticate) {
        response.set_header("WWW-Authenticate", format!("AAuth {serialized}"));
    } else {
        response.set_header(REQUIREMENT, serialized);
    }
    response
}

/// `403`: the credential is good but does not allow this operation.
pub fn forbidden(detail: impl Into<String>, flaws: &Flaws) -> Response {
    let mut response = problem(403, ErrorCode::new("insufficient_scope"), detail);
    if flaws.has(Flaw::ForbiddenWithSignatureError) {
        response.set_header(signature_error::FIELD, "error=invalid_request");
    }
    response
}

/// Apply the error-body flaw to any answer: problem+json bodies become the pre-09
/// `application/json` `error` + `error_description` form.
pub fn finish(response: Response, flaws: &Flaws) -> Response {
    if !flaws.has(Flaw::ErrorBodyPlainJson) || response.status < 400 {
        return response;
    }
    let is_problem = response
        .header("content-type")
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case(PROBLEM_JSON));
    if !is_problem {
        return response;
    }
    let Ok(problem) = Problem::parse(&response.body) else {
        return response;
    };
    let legacy = LegacyErrorBody {
        error: problem.error,
        error_description: problem.detail,
        extra: serde_json::Map::new(),
    };
    let mut out = response.clone();
    out.remove_header("content-type");
    out.set_header("content-type", "application/json");
    out.body = legacy.to_json().to_string().into();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::flaw::Flaws;

    #[test]
    fn challenges_use_aauth_requirement_with_the_resource_token() {
        let r = challenge(Requirement::AUTH_TOKEN, Some("a.b.c"), &Flaws::none());
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("aauth-requirement").as_deref(),
            Some("requirement=auth-token;resource-token=\"a.b.c\"")
        );
        assert!(!r.has_header("www-authenticate"));
        let r = challenge(
            Requirement::AUTH_TOKEN,
            Some("a.b.c"),
            &Flaws::one(Flaw::ChallengeViaWwwAuthenticate),
        );
        assert!(!r.has_header("aauth-requirement"));
        assert!(r.has_header("www-authenticate"));
        let r = challenge(
            Requirement::AUTH_TOKEN,
            Some("a.b.c"),
            &Flaws::one(Flaw::ChallengeWithoutResourceToken),
        );
        assert_eq!(
            r.header("aauth-requirement").as_deref(),
            Some("requirement=auth-token")
        );
    }

    #[test]
    fn error_bodies_are_problem_json_unless_the_flaw_is_on() {
        let r = forbidden("no", &Flaws::none());
        assert_eq!(r.header("content-type").as_deref(), Some(PROBLEM_JSON));
        assert!(!r.has_header("signature-error"));
        let flawed = finish(r.clone(), &Flaws::one(Flaw::ErrorBodyPlainJson));
        assert_eq!(
            flawed.header("content-type").as_deref(),
            Some("application/json")
        );
        let body = flawed.body_json().expect("json");
        assert_eq!(body["error"], "insufficient_scope");
        assert_eq!(body["error_description"], "no");
        assert_eq!(finish(r.clone(), &Flaws::none()), r);
        assert!(
            forbidden("no", &Flaws::one(Flaw::ForbiddenWithSignatureError))
                .has_header("signature-error")
        );
    }
}
