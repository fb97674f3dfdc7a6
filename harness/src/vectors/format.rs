//! The AAuth vector file format (`vectors/aauth/*.json`). Every structure rejects unknown
//! members, so a file that drifts from this definition fails to load instead of being half
//! understood. `vectors/README.md` describes the same format for other languages.

use serde::{Deserialize, Serialize};

/// The `format` string of every AAuth vector file.
pub const FORMAT: &str = "aauth-conform/aauth-vectors/1";

/// One file: the vectors of one profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// [`FORMAT`].
    pub format: String,
    /// `aauth-11` or `aauth-10`.
    pub profile: String,
    /// What the file holds.
    pub description: String,
    /// Where the values come from.
    pub source: String,
    /// The parties' keys, so a consumer can re-sign or re-derive anything.
    pub keys: Vec<KeyEntry>,
    /// The vectors, valid baselines first.
    pub vectors: Vec<Vector>,
}

/// A fixed key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// Stable name (`ap`, `agent-ed25519`, ...).
    pub id: String,
    /// The party holding it.
    pub party: String,
    /// The private JWK (public members, `alg`, `kid` where published, and `d`).
    pub jwk: serde_json::Value,
    /// Where it comes from (a published test vector, or the fixed seed label).
    pub source: String,
}

/// One signed request and the verdict a conforming verifier reaches on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Unique within the file: `<profile>/<baseline>/<layer>:<defect>`.
    pub id: String,
    /// What the request does, in one sentence.
    pub description: String,
    /// The catalogue requirement it exercises (`SIG-007`).
    pub requirement: String,
    /// `aauth-11` or `aauth-10`.
    pub profile: String,
    /// The one defect, or `null` for a valid baseline.
    pub defect: Option<DefectRef>,
    /// The verifier's clock (Unix seconds).
    pub now: i64,
    /// Who verifies.
    pub verifier: VerifierSpec,
    /// What the verifier sees when it fetches issuer documents.
    pub issuers: Vec<IssuerDocuments>,
    /// The request as received.
    pub request: RequestSpec,
    /// The verdict.
    pub expected: ExpectedOutcome,
}

/// Names the defect applied to the baseline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectRef {
    /// `request` (signature), `token` (the JWT in `Signature-Key`), `issuer` (metadata or
    /// JWKS), `scheme` (the `Signature-Key` member) or `verifier` (its configuration).
    pub layer: String,
    /// The defect's stable id within its layer (`created-skew:-61`).
    pub id: String,
}

/// The verifying server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierSpec {
    /// Its server identifier: `@authority` must name its host, `aud` must equal it.
    pub identifier: String,
    /// `resource`, `person-server` or `access-server`.
    pub role: String,
    /// The `created` window in seconds, both directions.
    pub window: i64,
    /// The components this request must cover (depends on the request: body digests,
    /// `authorization`).
    pub required_components: Vec<String>,
    /// `Signature-Key` schemes accepted (`Accept-Signature-Scheme`).
    pub accepted_schemes: Vec<String>,
    /// Key algorithms accepted (`Accept-Signature-Alg`).
    pub accepted_algs: Vec<String>,
}

/// The documents one issuer serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerDocuments {
    /// The issuer identifier tokens name in `iss`.
    pub identifier: String,
    /// What a GET of each URL returns (200, the exact body text).
    pub documents: Vec<Document>,
}

/// One fetched document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Its URL (`{iss}/.well-known/{dwk}`, or a `jwks_uri`).
    pub url: String,
    /// The exact body, possibly deliberately broken.
    pub body: String,
}

/// The request as the verifier receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Method.
    pub method: String,
    /// `scheme://authority/path?query`; the authority is what `@authority` is derived from.
    pub url: String,
    /// Header fields in order, duplicates kept, as `[name, value]` pairs.
    pub headers: Vec<(String, String)>,
    /// The body (UTF-8; empty for none).
    pub body: String,
}

/// `valid`, `invalid` or `acceptable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A conforming verifier accepts the request.
    Valid,
    /// A conforming verifier refuses it (see the outcome for how).
    Invalid,
    /// The spec permits accepting and refusing.
    Acceptable,
}

/// The verdict and, for `invalid`, the answers the spec allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedOutcome {
    /// The verdict.
    pub result: Verdict,
    /// For `invalid`: the status of the preferred answer (`null`: any 4xx, the spec names
    /// none).
    pub status: Option<u16>,
    /// For `invalid`: the preferred `Signature-Error` code (`null` when none is pinned).
    pub signature_error: Option<String>,
    /// Other answers the spec allows for the same fault.
    pub alternatives: Vec<Alternative>,
    /// Why the verdict is what it is, where that is not obvious.
    pub note: Option<String>,
}

/// One more allowed answer: a `Signature-Error` code, or an endpoint problem `error` code
/// (requirements §6 G1: `400 invalid_agent_token` for a bad agent token at a PS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// Status.
    pub status: u16,
    /// `Signature-Error` code, when the answer is a signature failure.
    pub signature_error: Option<String>,
    /// Problem `error` code, when the answer is an endpoint error.
    pub error: Option<String>,
}

impl Alternative {
    /// A `401` with `Signature-Error: error=<code>`.
    pub fn signature(code: &str) -> Self {
        Alternative {
            status: 401,
            signature_error: Some(code.to_string()),
            error: None,
        }
    }

    /// A `400` problem with `error`.
    pub fn endpoint(code: &str) -> Self {
        Alternative {
            status: 400,
            signature_error: None,
            error: Some(code.to_string()),
        }
    }
}

impl ExpectedOutcome {
    /// The request is accepted.
    pub fn valid() -> Self {
        ExpectedOutcome {
            result: Verdict::Valid,
            status: None,
            signature_error: None,
            alternatives: Vec::new(),
            note: None,
        }
    }

    /// Either outcome conforms.
    pub fn acceptable(note: &str) -> Self {
        ExpectedOutcome {
            result: Verdict::Acceptable,
            note: Some(note.to_string()),
            ..Self::valid()
        }
    }

    /// `401` with `codes[0]`, the others allowed too.
    pub fn signature(codes: &[&str]) -> Self {
        ExpectedOutcome {
            result: Verdict::Invalid,
            status: Some(401),
            signature_error: codes.first().map(|c| c.to_string()),
            alternatives: codes
                .iter()
                .skip(1)
                .map(|c| Alternative::signature(c))
                .collect(),
            note: None,
        }
    }

    /// Refused, with no code pinned.
    pub fn any_rejection(note: &str) -> Self {
        ExpectedOutcome {
            result: Verdict::Invalid,
            note: Some(note.to_string()),
            ..Self::valid()
        }
    }

    /// Add an allowed answer.
    pub fn or(mut self, alternative: Alternative) -> Self {
        self.alternatives.push(alternative);
        self
    }

    /// Add a note.
    pub fn noting(mut self, note: &str) -> Self {
        self.note = Some(note.to_string());
        self
    }
}
