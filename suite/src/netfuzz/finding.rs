//! A finding of the network fuzzer: what broke, the exact request, and how to send it again.

use std::fmt::Write as _;

use aauth_harness::message::{Request, Response};
use base64::Engine as _;
use serde_json::{json, Value};

use super::mutation::Mutation;

/// What the target did wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A 5xx: the target failed on input a client can send.
    ServerError,
    /// A 2xx or 3xx for a request every reading of the spec refuses.
    AcceptedInvalid,
    /// No answer within the time limit, or the connection broke mid-exchange.
    Unresponsive,
    /// After that request the target stopped answering even the valid baseline.
    TargetDown,
}

impl FindingKind {
    /// The kebab-case name used in output and file names.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::ServerError => "server-error",
            FindingKind::AcceptedInvalid => "accepted-invalid",
            FindingKind::Unresponsive => "unresponsive",
            FindingKind::TargetDown => "target-down",
        }
    }
}

/// One finding, with the first request that showed it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// What went wrong.
    pub kind: FindingKind,
    /// The mutation family ([`Mutation::family`]).
    pub family: String,
    /// The mutation.
    pub mutation: Mutation,
    /// The request exactly as sent.
    pub request: Request,
    /// The answer (`None` when there was none).
    pub response: Option<Response>,
    /// A sentence: the status or the transport error.
    pub detail: String,
    /// Where the request went (`http://127.0.0.1:PORT`).
    pub address: String,
    /// How many requests of this family showed the same kind.
    pub occurrences: u64,
}

impl Finding {
    /// A file name: kind, then the family with unsafe characters replaced.
    pub fn file_stem(&self, index: usize) -> String {
        let family: String = self
            .family
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        format!("{index:03}-{}-{family}", self.kind.name())
    }

    /// The record written to the findings directory: everything needed to reproduce it
    /// without aauth-conform (the curl line) or to turn it into a vector.
    pub fn to_json(&self) -> Value {
        let headers: Vec<Value> = self
            .request
            .headers
            .iter()
            .map(|(n, v)| json!([n, v]))
            .collect();
        let response = self.response.as_ref().map(|r| {
            json!({
                "status": r.status,
                "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                "body_excerpt": String::from_utf8_lossy(&r.body[..r.body.len().min(2048)]),
            })
        });
        json!({
            "kind": self.kind.name(),
            "family": self.family,
            "mutation": self.mutation.describe(),
            "detail": self.detail,
            "occurrences": self.occurrences,
            "request": {
                "method": self.request.method,
                "url": format!("{}{}", self.address, self.request.target()),
                "authority": self.request.authority,
                "headers": headers,
                "body_base64": base64::engine::general_purpose::STANDARD.encode(&self.request.body),
            },
            "response": response,
            "curl": self.curl(),
        })
    }

    /// A curl command sending the same bytes (the signature's `created` ages, so a replay
    /// after the window tests freshness instead; re-run the fuzzer with the same seed to get
    /// a fresh one).
    pub fn curl(&self) -> String {
        curl_line(&self.address, &self.request)
    }
}

/// Single-quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A curl command for `request` sent to `address`. `Host` is sent explicitly because the
/// harness signs for the target's identifier, not the socket address.
pub fn curl_line(address: &str, request: &Request) -> String {
    let mut out = format!(
        "curl -sS -i -X {} {}",
        shell_quote(&request.method),
        shell_quote(&format!("{address}{}", request.target()))
    );
    let has_host = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("host"));
    if !has_host {
        let _ = write!(
            out,
            " -H {}",
            shell_quote(&format!("Host: {}", request.authority))
        );
    }
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let _ = write!(out, " -H {}", shell_quote(&format!("{name}: {value}")));
    }
    if !request.body.is_empty() {
        match std::str::from_utf8(&request.body) {
            Ok(text) if !text.contains('\0') => {
                let _ = write!(out, " --data-binary {}", shell_quote(text));
            }
            _ => {
                let b64 = base64::engine::general_purpose::STANDARD.encode(&request.body);
                out = format!(
                    "printf %s {} | base64 -d | {out} --data-binary @-",
                    shell_quote(&b64)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_and_keeps_host() {
        let request = Request::new("POST", "https", "ps.example", "/token")
            .with_header("Content-Type", "application/json")
            .with_body("{\"a\":\"it's\"}");
        let line = curl_line("http://127.0.0.1:9", &request);
        assert!(line.starts_with("curl -sS -i -X 'POST' 'http://127.0.0.1:9/token'"));
        assert!(line.contains("-H 'Host: ps.example'"));
        assert!(line.contains("--data-binary '{\"a\":\"it'\\''s\"}'"));
    }

    #[test]
    fn binary_bodies_go_through_base64() {
        let request = Request::new("POST", "https", "ps.example", "/t").with_body(vec![0u8, 1, 2]);
        let line = curl_line("http://127.0.0.1:9", &request);
        assert!(line.starts_with("printf %s 'AAEC' | base64 -d | curl"));
        assert!(line.ends_with("--data-binary @-"));
    }
}
