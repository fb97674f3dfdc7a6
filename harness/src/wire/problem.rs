//! AAuth error bodies: RFC 9457 `application/problem+json` with an `error` code member
//! (-09 and later), and the older `application/json` `error` + `error_description` form.
//!
//! [`ErrorCode`] is open: every code the drafts define is a constant, anything else an
//! implementation sends is kept verbatim. [`Problem::parse`] fails only when there is no
//! usable `error`; RFC 9457 says a member of the wrong type is ignored, so such members are
//! kept in `extra` and listed in `mistyped` for the report. [`check_error_body`] judges a
//! whole error response (ERR-001) and returns every deviation found.

use std::borrow::Cow;
use std::fmt;

use serde_json::{Map, Value};

use super::error::{WireError, WireErrorKind};
use crate::message::{Fields, Response};

/// The media type AAuth error bodies use from -09 on.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The media type of the pre -09 error body.
pub const JSON: &str = "application/json";
/// What error messages call the body.
pub const FIELD: &str = "problem+json";

/// An AAuth `error` code, open so unknown codes are reported as received.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(Cow<'static, str>);

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        impl ErrorCode {
            $($(#[$doc])* pub const $name: Self = Self(Cow::Borrowed($value));)*

            /// Every code defined by AAuth -10, -11, its companions and earlier names.
            pub const KNOWN: &'static [ErrorCode] = &[$(Self::$name),*];
        }
    };
}

codes! {
    /// 400: malformed JSON, missing or invalid fields, missing/unknown `action`.
    INVALID_REQUEST = "invalid_request";
    /// 400: agent token malformed or not verifiable.
    INVALID_AGENT_TOKEN = "invalid_agent_token";
    /// 400: agent token expired.
    EXPIRED_AGENT_TOKEN = "expired_agent_token";
    /// 400: resource token malformed or not verifiable.
    INVALID_RESOURCE_TOKEN = "invalid_resource_token";
    /// 400: resource token expired.
    EXPIRED_RESOURCE_TOKEN = "expired_resource_token";
    /// 400 [-11]: `presented_jti` names a person token the PS does not retain.
    UNKNOWN_PERSON_TOKEN = "unknown_person_token";
    /// 400 [-11]: person token invalid at the authorization endpoint.
    INVALID_PERSON_TOKEN = "invalid_person_token";
    /// 400 [-11]: `account` not acceptable at the authorization endpoint.
    INVALID_ACCOUNT = "invalid_account";
    /// 400: requested scope unknown to the resource.
    INVALID_SCOPE = "invalid_scope";
    /// 401: signature failure at the authorization endpoint (the header is authoritative).
    INVALID_SIGNATURE = "invalid_signature";
    /// 403, terminal: the PS cannot reach the user at all.
    USER_UNREACHABLE = "user_unreachable";
    /// Pre -02 name of `user_unreachable`.
    INTERACTION_REQUIRED = "interaction_required";
    /// 424, non-terminal: the PS has no channel to relay an interaction.
    INTERACTION_UNAVAILABLE = "interaction_unavailable";
    /// 500: internal error.
    SERVER_ERROR = "server_error";
    /// 403 polling: denied by the user or approver.
    DENIED = "denied";
    /// 403 polling: interaction started but not completed.
    ABANDONED = "abandoned";
    /// 408 polling: timed out.
    EXPIRED = "expired";
    /// 410 polling: interaction code unknown or consumed.
    INVALID_CODE = "invalid_code";
    /// 429 polling: slow down by 5 seconds.
    SLOW_DOWN = "slow_down";
    /// 404 [-11]: no such mission, or not this agent's.
    MISSION_NOT_FOUND = "mission_not_found";
    /// 403: the mission has ended.
    MISSION_TERMINATED = "mission_terminated";
    /// Short-lived -11 draft status folded back into `mission_terminated`.
    MISSION_EXPIRED = "mission_expired";
    /// 400 Budgets: malformed or undeclared budget.
    INVALID_BUDGET = "invalid_budget";
    /// Interaction callback `?error=`: the user declined (maps to `denied`).
    ACCESS_DENIED = "access_denied";
    /// Interaction callback: user left without deciding (maps to `abandoned`).
    USER_ABANDONED = "user_abandoned";
    /// Interaction callback: session expired (maps to `expired`).
    INTERACTION_EXPIRED = "interaction_expired";
    /// Interaction callback: service unavailable (maps to `server_error`).
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable";
}

impl ErrorCode {
    /// Any code, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The code as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for codes some AAuth draft defines.
    pub fn is_known(&self) -> bool {
        Self::KNOWN.contains(self)
    }

    /// The status the error tables pin for this code, where exactly one is given.
    pub fn expected_status(&self) -> Option<u16> {
        Some(match self.as_str() {
            "invalid_request"
            | "invalid_agent_token"
            | "expired_agent_token"
            | "invalid_resource_token"
            | "expired_resource_token"
            | "unknown_person_token"
            | "invalid_person_token"
            | "invalid_account"
            | "invalid_scope"
            | "invalid_budget" => 400,
            "invalid_signature" => 401,
            "user_unreachable" | "denied" | "abandoned" | "mission_terminated" => 403,
            "mission_not_found" => 404,
            "expired" => 408,
            "invalid_code" => 410,
            "interaction_unavailable" => 424,
            "slow_down" => 429,
            "server_error" => 500,
            _ => return None,
        })
    }

    /// The polling error a PS returns for an interaction callback `?error=` value.
    pub fn callback_to_polling(&self) -> Option<ErrorCode> {
        Some(match self.as_str() {
            "access_denied" => Self::DENIED,
            "user_abandoned" => Self::ABANDONED,
            "interaction_expired" => Self::EXPIRED,
            "server_error" | "temporarily_unavailable" => Self::SERVER_ERROR,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        ErrorCode::new(s)
    }
}

/// Why a mission ended (`termination_reason`), an open set.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TerminationReason(Cow<'static, str>);

impl TerminationReason {
    /// The agent completed it.
    pub const COMPLETED: Self = Self(Cow::Borrowed("completed"));
    /// The person or an administrator revoked it.
    pub const REVOKED: Self = Self(Cow::Borrowed("revoked"));
    /// It reached `expires_at`.
    pub const EXPIRED: Self = Self(Cow::Borrowed("expired"));
    /// A newer mission replaced it.
    pub const SUPERSEDED: Self = Self(Cow::Borrowed("superseded"));
    /// Ended by administrative action.
    pub const ADMINISTRATIVE: Self = Self(Cow::Borrowed("administrative"));

    /// Any value, kept verbatim.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Cow::Owned(s.into()))
    }

    /// The value as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A parsed problem+json error body.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// `error` (REQUIRED).
    pub error: ErrorCode,
    /// `detail`: human-readable text for this occurrence.
    pub detail: Option<String>,
    /// RFC 9457 `type` (AAuth defines none; SK-08 wants `urn:ietf:params:sig-error:<code>`).
    pub problem_type: Option<String>,
    /// RFC 9457 `title`.
    pub title: Option<String>,
    /// RFC 9457 `status`.
    pub status: Option<u16>,
    /// RFC 9457 `instance`.
    pub instance: Option<String>,
    /// `mission_status` (`terminated`) with `mission_terminated`.
    pub mission_status: Option<String>,
    /// `termination_reason` with `mission_terminated`.
    pub termination_reason: Option<TerminationReason>,
    /// `required_claims` (AS `claims` requirement bodies).
    pub required_claims: Option<Vec<String>>,
    /// Every other member, and known members whose type was wrong, as received.
    pub extra: Map<String, Value>,
    /// Names of known members that had the wrong JSON type (their values are in `extra`).
    pub mistyped: Vec<String>,
}

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, WireError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(WireError::new(
            FIELD,
            WireErrorKind::Json(format!("expected an object, found {}", json_type(&other))),
        )),
        Err(e) => Err(WireError::new(FIELD, WireErrorKind::Json(e.to_string()))),
    }
}

/// The JSON type name of a value, for messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn take_error(map: &mut Map<String, Value>, field: &'static str) -> Result<ErrorCode, WireError> {
    match map.shift_remove("error") {
        None => Err(WireError::missing(field, "error")),
        Some(Value::String(s)) => Ok(ErrorCode::new(s)),
        Some(other) => Err(WireError::wrong_type(
            field,
            "error",
            "a string",
            json_type(&other),
        )),
    }
}

/// Takes a member of the expected shape out of `map`; a wrong shape is put back (so it stays
/// in `extra`) and its name recorded.
fn take<T>(
    map: &mut Map<String, Value>,
    mistyped: &mut Vec<String>,
    name: &str,
    f: impl FnOnce(&Value) -> Option<T>,
) -> Option<T> {
    let v = map.get(name)?;
    match f(v) {
        Some(t) => {
            map.shift_remove(name);
            Some(t)
        }
        None => {
            mistyped.push(name.to_string());
            None
        }
    }
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl Problem {
    /// A body with just `error`.
    pub fn new(error: ErrorCode) -> Self {
        Problem {
            error,
            detail: None,
            problem_type: None,
            title: None,
            status: None,
            instance: None,
            mission_status: None,
            termination_reason: None,
            required_claims: None,
            extra: Map::new(),
            mistyped: Vec::new(),
        }
    }

    /// Adds `detail`.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The -11 `mission_terminated` body.
    pub fn mission_terminated(reason: Option<TerminationReason>) -> Self {
        Problem {
            mission_status: Some("terminated".into()),
            termination_reason: reason,
            ..Problem::new(ErrorCode::MISSION_TERMINATED)
        }
    }

    /// Parses a body. Fails when it is not a JSON object or `error` is absent or not a
    /// string; other known members with the wrong type are kept in `extra` and listed in
    /// `mistyped`.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut map = parse_object(body)?;
        let error = take_error(&mut map, FIELD)?;
        let mut mistyped = Vec::new();
        let m = &mut mistyped;
        let detail = take(&mut map, m, "detail", string);
        let problem_type = take(&mut map, m, "type", string);
        let title = take(&mut map, m, "title", string);
        let status = take(&mut map, m, "status", |v| {
            v.as_u64().and_then(|n| u16::try_from(n).ok())
        });
        let instance = take(&mut map, m, "instance", string);
        let mission_status = take(&mut map, m, "mission_status", string);
        let termination_reason = take(&mut map, m, "termination_reason", |v| {
            v.as_str().map(TerminationReason::new)
        });
        let required_claims = take(&mut map, m, "required_claims", |v| {
            v.as_array()?
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect()
        });
        Ok(Problem {
            error,
            detail,
            problem_type,
            title,
            status,
            instance,
            mission_status,
            termination_reason,
            required_claims,
            extra: map,
            mistyped,
        })
    }

    /// The body as a JSON object: `error` first, then the known members, then `extra`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("error".into(), Value::String(self.error.as_str().into()));
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put("detail", self.detail.clone().map(Value::String));
        put("type", self.problem_type.clone().map(Value::String));
        put("title", self.title.clone().map(Value::String));
        put("status", self.status.map(Value::from));
        put("instance", self.instance.clone().map(Value::String));
        put(
            "mission_status",
            self.mission_status.clone().map(Value::String),
        );
        put(
            "termination_reason",
            self.termination_reason
                .as_ref()
                .map(|r| Value::String(r.as_str().into())),
        );
        put(
            "required_claims",
            self.required_claims
                .as_ref()
                .map(|c| Value::Array(c.iter().cloned().map(Value::String).collect())),
        );
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }

    /// The body bytes (compact JSON).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// A response carrying this body with the right content type.
    pub fn to_response(&self, status: u16) -> Response {
        Response::json(status, PROBLEM_JSON, &self.to_json())
    }
}

/// The pre -09 error body: `application/json` with `error` and `error_description`.
#[derive(Clone, Debug, PartialEq)]
pub struct LegacyErrorBody {
    /// `error` (REQUIRED).
    pub error: ErrorCode,
    /// `error_description`.
    pub error_description: Option<String>,
    /// Every other member.
    pub extra: Map<String, Value>,
}

impl LegacyErrorBody {
    /// Parses a body; `error` must be a string.
    pub fn parse(body: &[u8]) -> Result<Self, WireError> {
        let mut map = parse_object(body)?;
        let error = take_error(&mut map, "error body")?;
        let error_description = match map.get("error_description") {
            Some(Value::String(s)) => {
                let s = s.clone();
                map.shift_remove("error_description");
                Some(s)
            }
            _ => None,
        };
        Ok(LegacyErrorBody {
            error,
            error_description,
            extra: map,
        })
    }

    /// The body as JSON.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("error".into(), Value::String(self.error.as_str().into()));
        if let Some(d) = &self.error_description {
            m.insert("error_description".into(), Value::String(d.clone()));
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

/// One way an error response deviates from AAuth's error format.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorBodyViolation {
    /// No `Content-Type`.
    ContentTypeMissing,
    /// `Content-Type` is not `application/problem+json` (the value received is given).
    ContentTypeNotProblemJson(String),
    /// The body is not a JSON object with a string `error`.
    Malformed(WireError),
    /// The body uses the pre -09 `error_description` member.
    LegacyErrorDescription,
    /// A known member has the wrong JSON type (RFC 9457 says ignore it).
    MemberWrongType(String),
    /// The body's `status` member differs from the HTTP status.
    StatusMismatch {
        /// The HTTP status.
        http: u16,
        /// The `status` member.
        body: u16,
    },
}

impl fmt::Display for ErrorBodyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorBodyViolation::ContentTypeMissing => f.write_str("no Content-Type"),
            ErrorBodyViolation::ContentTypeNotProblemJson(c) => {
                write!(f, "Content-Type {c:?} is not application/problem+json")
            }
            ErrorBodyViolation::Malformed(e) => write!(f, "{e}"),
            ErrorBodyViolation::LegacyErrorDescription => {
                f.write_str("uses `error_description` (pre -09) instead of `detail`")
            }
            ErrorBodyViolation::MemberWrongType(n) => write!(f, "`{n}` has the wrong JSON type"),
            ErrorBodyViolation::StatusMismatch { http, body } => {
                write!(f, "body `status` {body} differs from HTTP status {http}")
            }
        }
    }
}

/// The verdict on one error response body.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ErrorBodyCheck {
    /// The body, when it had a usable `error`.
    pub problem: Option<Problem>,
    /// Every deviation found.
    pub violations: Vec<ErrorBodyViolation>,
}

impl ErrorBodyCheck {
    /// True when nothing was wrong.
    pub fn conforms(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The media type of a `Content-Type` value, lowercased, without parameters.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Judges an error body against ERR-001: `application/problem+json`, a JSON object, a
/// string `error`, `detail` rather than `error_description`, RFC 9457 member types.
pub fn check_error_body(content_type: Option<&str>, body: &[u8]) -> ErrorBodyCheck {
    let mut out = ErrorBodyCheck::default();
    match content_type {
        None => out.violations.push(ErrorBodyViolation::ContentTypeMissing),
        Some(ct) if media_type(ct) != PROBLEM_JSON => {
            out.violations
                .push(ErrorBodyViolation::ContentTypeNotProblemJson(
                    ct.to_string(),
                ))
        }
        Some(_) => {}
    }
    match Problem::parse(body) {
        Ok(p) => {
            if p.extra.contains_key("error_description") {
                out.violations
                    .push(ErrorBodyViolation::LegacyErrorDescription);
            }
            out.violations.extend(
                p.mistyped
                    .iter()
                    .cloned()
                    .map(ErrorBodyViolation::MemberWrongType),
            );
            out.problem = Some(p);
        }
        Err(e) => out.violations.push(ErrorBodyViolation::Malformed(e)),
    }
    out
}

/// [`check_error_body`] on a response, plus the `status` member agreeing with the status.
pub fn check_error_response(response: &Response) -> ErrorBodyCheck {
    let ct = response.header("content-type");
    let mut out = check_error_body(ct.as_deref(), &response.body);
    if let Some(body) = out.problem.as_ref().and_then(|p| p.status) {
        if body != response.status {
            out.violations.push(ErrorBodyViolation::StatusMismatch {
                http: response.status,
                body,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn parses_spec_examples() {
        let p = Problem::parse(
            br#"{"error":"expired_resource_token","detail":"The resource token expired"}"#,
        )
        .unwrap();
        assert_eq!(p.error, ErrorCode::EXPIRED_RESOURCE_TOKEN);
        assert_eq!(p.error.expected_status(), Some(400));
        let p = Problem::parse(
            br#"{"error":"mission_terminated","mission_status":"terminated","termination_reason":"expired"}"#,
        )
        .unwrap();
        assert_eq!(
            p,
            Problem::mission_terminated(Some(TerminationReason::EXPIRED))
        );
        let p = Problem::parse(br#"{"error":"x","required_claims":["email","tenant"]}"#).unwrap();
        assert_eq!(p.required_claims.unwrap(), ["email", "tenant"]);
    }

    #[test]
    fn unknown_members_and_codes_kept_in_order() {
        let body = br#"{"error":"brand_new","detail":"d","zeta":1,"alpha":{"x":[1]}}"#;
        let p = Problem::parse(body).unwrap();
        assert!(!p.error.is_known());
        assert_eq!(p.to_bytes(), body.to_vec());
    }

    #[test]
    fn rfc9457_members_with_wrong_types_are_ignored_not_fatal() {
        let p = Problem::parse(br#"{"error":"denied","status":"403","title":7}"#).unwrap();
        assert_eq!(p.status, None);
        assert_eq!(p.mistyped, ["title", "status"]);
        assert_eq!(p.extra.len(), 2);
        let again = Problem::parse(&p.to_bytes()).unwrap();
        assert_eq!(again, p);
    }

    #[test]
    fn fatal_errors() {
        let e = Problem::parse(b"{}").unwrap_err();
        assert_eq!(e.kind, WireErrorKind::Missing("error".into()));
        let e = Problem::parse(br#"{"error":42}"#).unwrap_err();
        assert!(matches!(
            e.kind,
            WireErrorKind::WrongType {
                found: "a number",
                ..
            }
        ));
        assert!(Problem::parse(b"[]").unwrap_err().is_syntax());
        assert!(Problem::parse(b"<html>").unwrap_err().is_syntax());
        assert!(Problem::parse(b"").unwrap_err().is_syntax());
    }

    #[test]
    fn legacy_body() {
        let l = LegacyErrorBody::parse(br#"{"error":"invalid_request","error_description":"x"}"#)
            .unwrap();
        assert_eq!(l.error, ErrorCode::INVALID_REQUEST);
        assert_eq!(l.error_description.as_deref(), Some("x"));
        assert_eq!(
            l.to_json(),
            json!({"error":"invalid_request","error_description":"x"})
        );
    }

    #[test]
    fn error_body_check() {
        let ok = check_error_body(
            Some("application/problem+json; charset=utf-8"),
            br#"{"error":"denied"}"#,
        );
        assert!(ok.conforms());
        let legacy = check_error_body(
            Some("application/json"),
            br#"{"error":"denied","error_description":"no"}"#,
        );
        assert_eq!(
            legacy.violations,
            [
                ErrorBodyViolation::ContentTypeNotProblemJson("application/json".into()),
                ErrorBodyViolation::LegacyErrorDescription
            ]
        );
        let bad = check_error_body(None, b"oops");
        assert_eq!(bad.violations.len(), 2);
        assert!(bad.problem.is_none());
        let upper = check_error_body(Some("Application/Problem+JSON"), br#"{"error":"x"}"#);
        assert!(upper.conforms());
    }

    #[test]
    fn error_response_status_mismatch() {
        let mut p = Problem::new(ErrorCode::DENIED);
        p.status = Some(400);
        let r = p.to_response(403);
        assert_eq!(
            check_error_response(&r).violations,
            [ErrorBodyViolation::StatusMismatch {
                http: 403,
                body: 400
            }]
        );
        assert!(check_error_response(&Problem::new(ErrorCode::DENIED).to_response(403)).conforms());
    }

    #[test]
    fn callback_mapping() {
        assert_eq!(
            ErrorCode::ACCESS_DENIED.callback_to_polling(),
            Some(ErrorCode::DENIED)
        );
        assert_eq!(
            ErrorCode::TEMPORARILY_UNAVAILABLE.callback_to_polling(),
            Some(ErrorCode::SERVER_ERROR)
        );
        assert_eq!(ErrorCode::DENIED.callback_to_polling(), None);
    }

    proptest! {
        #[test]
        fn round_trip(
            code in "\\PC{0,20}",
            detail in proptest::option::of("\\PC{0,40}"),
            status in proptest::option::of(100u16..600),
            claims in proptest::option::of(proptest::collection::vec("[a-z_]{1,8}", 0..4)),
        ) {
            let p = Problem {
                detail,
                status,
                required_claims: claims,
                ..Problem::new(ErrorCode::new(code))
            };
            prop_assert_eq!(Problem::parse(&p.to_bytes()).unwrap(), p);
        }

        #[test]
        fn parse_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = check_error_body(Some("application/problem+json"), &input);
        }
    }
}
