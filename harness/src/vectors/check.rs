//! Replays a vector through [`crate::verify::verify_request`] and judges the verdict.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::format::{ExpectedOutcome, Vector, Verdict};
use crate::httpsig::profile::ProfileRequirements;
use crate::jose::Alg;
use crate::message::Request;
use crate::profile::Profile;
use crate::role::flaw::Flaws;
use crate::role::Role;
use crate::verify::{verify_request, Rejection, StaticKeys, VerifiedRequest, VerifierConfig};
use crate::wire::signature_key::Scheme;

/// Rebuild the verifier a vector describes.
pub fn verifier_for(vector: &Vector) -> Result<VerifierConfig, String> {
    let profile: Profile = vector.profile.parse().map_err(|e| format!("{e}"))?;
    let role: Role = vector.verifier.role.parse().map_err(|e| format!("{e}"))?;
    let requirements =
        ProfileRequirements::for_role(profile, role).with_window(vector.verifier.window);
    Ok(
        VerifierConfig::for_role(profile, role, &vector.verifier.identifier)
            .with_requirements(requirements)
            .with_schemes(
                vector
                    .verifier
                    .accepted_schemes
                    .iter()
                    .map(|s| Scheme::new(s.as_str())),
            )
            .with_algs(
                vector
                    .verifier
                    .accepted_algs
                    .iter()
                    .map(|a| Alg::new(a.as_str())),
            ),
    )
}

/// Rebuild the request a vector describes.
pub fn request_for(vector: &Vector) -> Result<Request, String> {
    let spec = &vector.request;
    let (scheme, rest) = spec
        .url
        .split_once("://")
        .ok_or_else(|| format!("url {:?} has no scheme", spec.url))?;
    let split = rest.find('/').unwrap_or(rest.len());
    let (authority, target) = rest.split_at(split);
    let mut request = Request::new(&spec.method, scheme, authority, target);
    request.headers = spec.headers.clone();
    request.body = spec.body.clone().into_bytes().into();
    Ok(request)
}

/// The documents a vector publishes, as a key source.
pub fn keys_for(vector: &Vector) -> StaticKeys {
    vector
        .issuers
        .iter()
        .flat_map(|i| i.documents.iter())
        .fold(StaticKeys::new(), |keys, d| {
            keys.with_document(&d.url, d.body.clone())
        })
}

/// Drive a future that never waits (the in-memory key source answers at once), without a
/// runtime, so the checker can run inside or outside one.
fn run_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

/// Run `vector` through the harness verifier: `Ok` when the verdict matches `expected`,
/// else what went wrong.
pub fn check_vector(vector: &Vector) -> Result<(), String> {
    check_vector_with(vector, &Flaws::none())
}

/// [`check_vector`] against a verifier (and key source) carrying `flaws`: how the vectors
/// prove they catch planted bugs.
pub fn check_vector_with(vector: &Vector, flaws: &Flaws) -> Result<(), String> {
    let config = verifier_for(vector)?.with_flaws(flaws.clone());
    let request = request_for(vector)?;
    let required: Vec<String> = config
        .requirements
        .required_for(&request)
        .iter()
        .map(|c| c.name.as_str().to_string())
        .collect();
    if required != vector.verifier.required_components {
        return Err(format!(
            "required_components {:?} disagree with the profile's {required:?}",
            vector.verifier.required_components
        ));
    }
    let keys = keys_for(vector).with_flaws(flaws.clone());
    let outcome = run_ready(verify_request(&request, &config, &keys, vector.now))
        .ok_or("the verifier waited on the in-memory key source")?;
    judge(&vector.expected, &outcome)
}

fn judge(
    expected: &ExpectedOutcome,
    outcome: &Result<VerifiedRequest, Rejection>,
) -> Result<(), String> {
    match (expected.result, outcome) {
        (Verdict::Acceptable, _) | (Verdict::Valid, Ok(_)) => Ok(()),
        (Verdict::Valid, Err(r)) => Err(format!("expected valid, got {r}")),
        (Verdict::Invalid, Ok(_)) => Err("expected invalid, the request was accepted".into()),
        (Verdict::Invalid, Err(r)) => {
            let Some(status) = expected.status else {
                return Ok(());
            };
            let code = r.code().as_str();
            let preferred = status == r.status && expected.signature_error.as_deref() == Some(code);
            let alternative = expected
                .alternatives
                .iter()
                .any(|a| a.status == r.status && a.signature_error.as_deref() == Some(code));
            if preferred || alternative {
                Ok(())
            } else {
                Err(format!(
                    "expected {status} {:?} (or an alternative), got {r}",
                    expected.signature_error
                ))
            }
        }
    }
}
