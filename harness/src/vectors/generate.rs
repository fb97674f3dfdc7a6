//! Builds the AAuth vector files from the fixed parties of [`super::fixtures`]: valid
//! baselines (agent, person and auth tokens; Ed25519 and ES256; `GET` at the resource and
//! `POST` with a body at the PS), the requirements §5.4 derived vectors verbatim, and one
//! vector per defect, each an otherwise valid request with exactly one thing wrong.

use serde_json::{json, Value};

use super::fixtures::{
    agent_es256_key, agent_key, ap_key, as_key, ps_key, ps_post, resource_get, Credential, World,
    AGENT_ID, AP, AP_KID, AS, AS_KID, NOW, PS, PS_KID,
};
use super::format::{
    Alternative, DefectRef, Document, ExpectedOutcome, IssuerDocuments, KeyEntry, RequestSpec,
    Vector, VectorFile, VerifierSpec, FORMAT,
};
use crate::defect::{build_signed_request, Expected, RequestDefect, SignedRequestSpec, Tamper};
use crate::httpsig::sign::{AauthSignContext, SignError};
use crate::jose::claims::{TokenClaims, TokenKind};
use crate::jose::jwk::Jwk;
use crate::jose::mutate::{mint, TokenDefect};
use crate::jose::{Alg, SigningKey};
use crate::message::Request;
use crate::profile::Profile;
use crate::role::Role;
use crate::verify::VerifierConfig;
use crate::wire::metadata::well_known_url;
use crate::wire::signature_error::SignatureErrorCode as Code;

/// The files the generator writes, by profile.
pub const FILES: [(&str, Profile); 2] = [
    ("aauth-11.json", Profile::Aauth11),
    ("aauth-10.json", Profile::Aauth10),
];

/// §5.4: the derived agent token.
pub const DERIVED_AGENT_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiYWEtYWdlbnQrand0Iiwia2lkIjoiYXAta2V5LTEifQ.eyJpc3MiOiJodHRwczovL2FnZW50LmV4YW1wbGUiLCJkd2siOiJhYXV0aC1hZ2VudC5qc29uIiwic3ViIjoiYWF1dGg6YXNzaXN0YW50LXYyQGFnZW50LmV4YW1wbGUiLCJqdGkiOiJhZ3QtMDAwMSIsImNuZiI6eyJqd2siOnsia3R5IjoiT0tQIiwiY3J2IjoiRWQyNTUxOSIsIngiOiJKclFMajVQXzg5aVhFUzktdkZnckl5MjljbEY5Q0Nfb1BQc3czYzVEMGJzIiwiYWxnIjoiRWQyNTUxOSJ9fSwicHMiOiJodHRwczovL3BzLmV4YW1wbGUiLCJpYXQiOjE3MzAyMTc2MDAsImV4cCI6MTczMDIyMTIwMH0.jcx5JzSWfLQuOpau5LGBDuKqm5ABipkKqTrxaoNN1lXk0LotOIrQzdMfESBG6Z6Wj-OUnc1IFSVi_LMD0p6bCQ";
/// §5.4 V1: the signature of the `GET`.
pub const DERIVED_V1_SIGNATURE: &str = "sig=:6v/yFLqu6BuVKCR0ApIY9t4nZ9PdBt2d8b3XFBf6cv5+U8NEqglIay5BQ3jk5l+sshkSzGfM1hZUng2XJs/3AQ==:";
/// §5.4 V2: the signature of the `POST`.
pub const DERIVED_V2_SIGNATURE: &str = "sig=:Smj74XuZV2+ZqPpcck5iyVGt/VMvr50xMP9qNlpxAMaZNcGLrVz2o90m8toSj2zuJtliXZTcFCspNyE0mIrlDw==:";
/// §5.4 V2: the body digest.
pub const DERIVED_V2_DIGEST: &str = "sha-256=:nJxjM/eJDL6/sWg44NobfMWuVck7ev1KSiJopPVqF8I=:";
/// §5.4: the AP metadata.
pub const DERIVED_AP_METADATA: &str = r#"{"issuer":"https://agent.example","jwks_uri":"https://agent.example/.well-known/jwks.json"}"#;
/// §5.4: the AP JWKS.
pub const DERIVED_AP_JWKS: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","alg":"Ed25519","kid":"ap-key-1"}]}"#;

/// The request every vector starts from: who signs, with which credential, to whom.
#[derive(Clone, Debug)]
struct Base {
    name: String,
    world: World,
    credential: Credential,
    role: Role,
    unsigned: Request,
}

impl Base {
    fn new(profile: Profile, credential: Credential, agent: SigningKey, role: Role) -> Self {
        let alg = if agent.alg() == Alg::ES256 {
            "es256"
        } else {
            "ed25519"
        };
        let (method, unsigned) = match role {
            Role::PersonServer => ("post-ps", ps_post()),
            _ => ("get", resource_get()),
        };
        let credential_name = match credential {
            Credential::Agent => "agent",
            Credential::Person => "person",
            Credential::Auth => "auth",
        };
        Base {
            name: format!("{credential_name}-{alg}-{method}"),
            world: World::new(profile, agent),
            credential,
            role,
            unsigned: with_host(unsigned),
        }
    }

    fn token(&self, defect: Option<&TokenDefect>) -> String {
        self.world.token(self.credential, defect)
    }

    fn sign_with_member(
        &self,
        member: &str,
        defect: Option<&RequestDefect>,
    ) -> Result<Request, SignError> {
        let spec = SignedRequestSpec {
            request: self.unsigned.clone(),
            key: self.world.agent.clone(),
            label: "sig".to_string(),
            signature_key_member: member.to_string(),
            created: NOW,
            ctx: self.ctx(),
        };
        build_signed_request(&spec, defect)
    }

    fn sign(&self, token: &str, defect: Option<&RequestDefect>) -> Result<Request, SignError> {
        self.sign_with_member(&format!("jwt;jwt=\"{token}\""), defect)
    }

    fn ctx(&self) -> AauthSignContext {
        AauthSignContext::for_role(self.world.profile, self.role)
    }

    fn config(&self) -> VerifierConfig {
        self.world.verifier(self.role)
    }

    fn issuer(&self) -> &'static str {
        match self.credential {
            Credential::Agent => AP,
            Credential::Person => PS,
            Credential::Auth => AS,
        }
    }
}

/// The unsigned request with `Host` first, as it goes on the wire.
fn with_host(mut request: Request) -> Request {
    let host = request.authority.clone();
    request.headers.insert(0, ("Host".to_string(), host));
    request
}

fn request_spec(request: &Request) -> RequestSpec {
    RequestSpec {
        method: request.method.clone(),
        url: request.target_uri(),
        headers: request.headers.clone(),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    }
}

/// What a verifier configured as `config` declares for `request`.
pub fn verifier_spec(config: &VerifierConfig, role: Role, request: &Request) -> VerifierSpec {
    VerifierSpec {
        identifier: config.own_identifier.clone(),
        role: role.as_str().to_string(),
        window: config.requirements.window,
        required_components: config
            .requirements
            .required_for(request)
            .iter()
            .map(|c| c.name.as_str().to_string())
            .collect(),
        accepted_schemes: config
            .accepted_schemes
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        accepted_algs: config
            .accepted_algs
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
    }
}

fn issuer_documents(world: &World, issuer: &str) -> IssuerDocuments {
    let prefix = format!("{issuer}/");
    IssuerDocuments {
        identifier: issuer.to_string(),
        documents: world
            .documents()
            .into_iter()
            .filter(|(url, _)| url.starts_with(&prefix))
            .map(|(url, body)| Document { url, body })
            .collect(),
    }
}

/// Collects the vectors of one profile.
struct Collector {
    profile: Profile,
    vectors: Vec<Vector>,
}

/// One vector's content before it is given an id.
struct Entry<'a> {
    base: &'a Base,
    defect: Option<(&'a str, String)>,
    description: String,
    requirement: &'a str,
    request: Request,
    issuers: Vec<IssuerDocuments>,
    config: Option<VerifierConfig>,
    expected: ExpectedOutcome,
}

impl Collector {
    fn push(&mut self, entry: Entry<'_>) {
        let base = entry.base;
        let defect = entry.defect.map(|(layer, id)| DefectRef {
            layer: layer.to_string(),
            id,
        });
        let id = match &defect {
            Some(d) => format!("{}/{}/{}:{}", self.profile, base.name, d.layer, d.id),
            None => format!("{}/{}/valid", self.profile, base.name),
        };
        let config = entry.config.unwrap_or_else(|| base.config());
        self.vectors.push(Vector {
            id,
            description: entry.description,
            requirement: entry.requirement.to_string(),
            profile: self.profile.as_str().to_string(),
            defect,
            now: NOW,
            verifier: verifier_spec(&config, base.role, &entry.request),
            issuers: entry.issuers,
            request: request_spec(&entry.request),
            expected: entry.expected,
        });
    }

    fn entry<'a>(
        base: &'a Base,
        request: Request,
        requirement: &'a str,
        description: String,
        expected: ExpectedOutcome,
    ) -> Entry<'a> {
        Entry {
            base,
            defect: None,
            description,
            requirement,
            request,
            issuers: vec![issuer_documents(&base.world, base.issuer())],
            config: None,
            expected,
        }
    }
}

/// Why the generator could not build a vector (always a harness bug).
#[derive(Debug, thiserror::Error)]
#[error("cannot build vector {id}: {reason}")]
pub struct GenerateError {
    /// The vector.
    pub id: String,
    /// What failed.
    pub reason: String,
}

fn signed(r: Result<Request, SignError>, what: &str) -> Result<Request, GenerateError> {
    r.map_err(|e| GenerateError {
        id: what.to_string(),
        reason: e.to_string(),
    })
}

fn credential_noun(credential: Credential) -> &'static str {
    match credential {
        Credential::Agent => "an agent token",
        Credential::Person => "a person token",
        Credential::Auth => "an auth token",
    }
}

/// The vector file for `profile`.
pub fn build_file(profile: Profile) -> Result<VectorFile, GenerateError> {
    let mut c = Collector {
        profile,
        vectors: Vec::new(),
    };
    let mut credentials = vec![Credential::Agent];
    if profile.has_person_tokens() {
        credentials.push(Credential::Person);
    }
    credentials.push(Credential::Auth);

    // Valid baselines.
    let mut bases = Vec::new();
    for &credential in &credentials {
        for agent in [agent_key(), agent_es256_key()] {
            bases.push(Base::new(profile, credential, agent, Role::Resource));
        }
    }
    for agent in [agent_key(), agent_es256_key()] {
        bases.push(Base::new(
            profile,
            Credential::Agent,
            agent,
            Role::PersonServer,
        ));
    }
    for base in &bases {
        let request = signed(base.sign(&base.token(None), None), &base.name)?;
        let description = format!(
            "A {} {} signed with the agent's {} key, carrying {}",
            base.unsigned.method,
            if base.role == Role::PersonServer {
                "to the person server with a JSON body"
            } else {
                "to the resource"
            },
            base.world.agent.alg(),
            credential_noun(base.credential)
        );
        c.push(Collector::entry(
            base,
            request,
            "SIG-023",
            description,
            ExpectedOutcome::valid(),
        ));
    }
    if profile == Profile::Aauth11 {
        derived(&mut c, profile);
    }

    let get = Base::new(profile, Credential::Agent, agent_key(), Role::Resource);
    let post = Base::new(profile, Credential::Agent, agent_key(), Role::PersonServer);
    request_defects(&mut c, &get)?;
    ps_request_defects(&mut c, &post)?;
    token_defects(&mut c, &get, &agent_token_defects())?;
    for &credential in &credentials[1..] {
        let base = Base::new(profile, credential, agent_key(), Role::Resource);
        token_defects(&mut c, &base, &shared_token_defects(credential))?;
    }
    dwk_confusion(&mut c, profile)?;
    issuer_defects(&mut c, &get)?;
    scheme_defects(&mut c, &get)?;
    verifier_settings(&mut c, profile)?;

    Ok(VectorFile {
        format: FORMAT.to_string(),
        profile: profile.as_str().to_string(),
        description: format!(
            "Signed AAuth requests under {profile}: valid baselines and one vector per defect, \
             each an otherwise valid request with exactly one thing wrong, with the verdict a \
             conforming server verifier reaches."
        ),
        source: "Generated by aauth-conform (harness/src/vectors/generate.rs) from fixed keys \
                 and a fixed clock; the derived-v1/derived-v2 vectors are requirements.md \
                 section 5.4 verbatim. Regenerate with `aauth-conform vectors generate`."
            .to_string(),
        keys: key_entries(),
        vectors: c.vectors,
    })
}

fn key_entries() -> Vec<KeyEntry> {
    let entry =
        |id: &str, party: &str, key: SigningKey, kid: Option<&str>, source: &str| KeyEntry {
            id: id.to_string(),
            party: party.to_string(),
            jwk: Jwk::from_signing_key(&key, kid).to_value(),
            source: source.to_string(),
        };
    vec![
        entry("ap", AP, ap_key(), Some(AP_KID), "RFC 8037 Appendix A.1"),
        entry(
            "agent-ed25519",
            AGENT_ID,
            agent_key(),
            None,
            "RFC 9421 Appendix B.1.4 test-key-ed25519",
        ),
        entry(
            "agent-es256",
            AGENT_ID,
            agent_es256_key(),
            None,
            "P-256 scalar SHA-256(\"aauth-conform/agent-es256\")",
        ),
        entry(
            "ps",
            PS,
            ps_key(),
            Some(PS_KID),
            "Ed25519 seed SHA-256(\"aauth-conform/ps-ed25519\")",
        ),
        entry(
            "as",
            AS,
            as_key(),
            Some(AS_KID),
            "P-256 scalar SHA-256(\"aauth-conform/as-es256\")",
        ),
    ]
}

/// Requirements §5.4 V1 and V2, byte for byte.
fn derived(c: &mut Collector, profile: Profile) {
    let docs = vec![IssuerDocuments {
        identifier: AP.to_string(),
        documents: vec![
            Document {
                url: well_known_url(AP, "aauth-agent.json"),
                body: DERIVED_AP_METADATA.to_string(),
            },
            Document {
                url: format!("{AP}/.well-known/jwks.json"),
                body: DERIVED_AP_JWKS.to_string(),
            },
        ],
    }];
    let member = format!("sig=jwt;jwt=\"{DERIVED_AGENT_TOKEN}\"");
    let v1 = resource_get()
        .with_header("Host", "resource.example")
        .with_header("Signature-Key", member.clone())
        .with_header(
            "Signature-Input",
            "sig=(\"@method\" \"@authority\" \"@path\" \"signature-key\");created=1730217600",
        )
        .with_header("Signature", DERIVED_V1_SIGNATURE);
    let mut v2 = Request::new("POST", "https", "ps.example", "/person")
        .with_header("Host", "ps.example")
        .with_header("Content-Type", "application/json")
        .with_header("Content-Digest", DERIVED_V2_DIGEST)
        .with_header("Signature-Key", member)
        .with_header(
            "Signature-Input",
            "sig=(\"@method\" \"@authority\" \"@path\" \"content-type\" \"content-digest\" \"signature-key\");created=1730217600",
        )
        .with_header("Signature", DERIVED_V2_SIGNATURE);
    v2.body = ps_post().body;
    for (name, role, request, what) in [
        ("derived-v1", Role::Resource, v1, "V1: GET /api/documents"),
        (
            "derived-v2",
            Role::PersonServer,
            v2,
            "V2: POST /person with a digested body",
        ),
    ] {
        let base = Base {
            name: name.to_string(),
            world: World::ed25519(profile),
            credential: Credential::Agent,
            role,
            unsigned: request.clone(),
        };
        c.push(Entry {
            issuers: docs.clone(),
            ..Collector::entry(
                &base,
                request,
                "SIG-023",
                format!("Requirements section 5.4 derived vector {what}, verbatim"),
                ExpectedOutcome::valid()
                    .noting("requirements.md 5.4; signature verified independently with OpenSSL"),
            )
        });
    }
}

fn request_requirement(defect: &RequestDefect) -> &'static str {
    match defect {
        RequestDefect::CreatedSkew(s) if *s > 0 => "SIG-008",
        RequestDefect::CreatedSkew(_) => "SIG-007",
        RequestDefect::OmitCreated => "SIG-006",
        RequestDefect::Expires(_) => "SIG-009",
        RequestDefect::OmitComponent(c) if c.starts_with("content-") => "SIG-003",
        RequestDefect::OmitComponent(_) | RequestDefect::CoverOnly(_) => "SIG-002",
        RequestDefect::AlgParam(_) => "SIG-010",
        RequestDefect::KeyId(_) => "SIG-011",
        RequestDefect::LabelMismatch => "SIG-014",
        RequestDefect::OmitHeader(_) => "SIG-001",
        RequestDefect::WrongDigest => "SIG-004",
        RequestDefect::TamperAfterSigning(Tamper::Body | Tamper::ContentDigest)
        | RequestDefect::ResignAfterMutation(Tamper::Body | Tamper::ContentDigest) => "SIG-004",
        RequestDefect::EquivalentAuthority(_) => "SIG-025",
        _ => "SIG-015",
    }
}

/// The verdict the defect model gives, adjusted where a full verifier (one that also reads
/// the token) meets the fault at an earlier step.
fn request_expected(base: &Base, defect: &RequestDefect) -> ExpectedOutcome {
    match defect {
        RequestDefect::TamperAfterSigning(Tamper::SignatureKeyBytes) => {
            return ExpectedOutcome::signature(&["invalid_signature", "invalid_jwt"]).noting(
                "the space lands inside the JWT, so a verifier may fail the token (step 5) \
                 before the signature (step 7)",
            );
        }
        RequestDefect::ResignAfterMutation(Tamper::SignatureKeyBytes) => {
            return ExpectedOutcome::signature(&["invalid_jwt", "invalid_key"])
                .noting("signed again, but the token inside no longer parses");
        }
        RequestDefect::ResignAfterMutation(Tamper::Authority) => {
            return ExpectedOutcome::any_rejection(
                "validly signed, but for another server than the one verifying",
            );
        }
        _ => {}
    }
    let config = base.config();
    match defect.expected(&base.unsigned, &base.ctx(), &config.requirements) {
        Expected::Accept => ExpectedOutcome::valid(),
        Expected::Reject(codes) => {
            let codes: Vec<&str> = codes.iter().map(Code::as_str).collect();
            ExpectedOutcome::signature(&codes)
        }
        Expected::RejectAny => {
            ExpectedOutcome::any_rejection("refused with any 4xx; the spec names no code")
        }
        Expected::Either => {
            ExpectedOutcome::acceptable("the spec permits both accepting and refusing")
        }
    }
}

fn request_defects(c: &mut Collector, base: &Base) -> Result<(), GenerateError> {
    let token = base.token(None);
    for defect in RequestDefect::catalogue() {
        let request = signed(base.sign(&token, Some(&defect)), &defect.id())?;
        let expected = request_expected(base, &defect);
        c.push(Entry {
            defect: Some(("request", defect.id())),
            ..Collector::entry(
                base,
                request,
                request_requirement(&defect),
                defect.description(),
                expected,
            )
        });
    }
    Ok(())
}

fn ps_request_defects(c: &mut Collector, base: &Base) -> Result<(), GenerateError> {
    let token = base.token(None);
    let mut defects = vec![
        RequestDefect::WrongDigest,
        RequestDefect::TamperAfterSigning(Tamper::Body),
        RequestDefect::TamperAfterSigning(Tamper::ContentDigest),
    ];
    if base.world.profile == Profile::Aauth11 {
        defects.push(RequestDefect::OmitComponent("content-digest".into()));
        defects.push(RequestDefect::OmitComponent("content-type".into()));
    }
    for defect in defects {
        let request = signed(base.sign(&token, Some(&defect)), &defect.id())?;
        let expected = request_expected(base, &defect);
        c.push(Entry {
            defect: Some(("request", defect.id())),
            ..Collector::entry(
                base,
                request,
                request_requirement(&defect),
                defect.description(),
                expected,
            )
        });
    }
    Ok(())
}

/// One token defect: id, requirement, the `Signature-Error` codes allowed (first
/// preferred), and whether the endpoint alternative of requirements §6 G1 applies.
struct TokenCase {
    id: &'static str,
    defect: TokenDefect,
    requirement: &'static str,
    codes: &'static [&'static str],
    endpoint_alternative: bool,
}

fn tc(
    id: &'static str,
    defect: TokenDefect,
    requirement: &'static str,
    codes: &'static [&'static str],
) -> TokenCase {
    TokenCase {
        id,
        defect,
        requirement,
        codes,
        endpoint_alternative: codes
            .first()
            .is_some_and(|c| *c == "invalid_jwt" || *c == "expired_jwt"),
    }
}

const JWT: &[&str] = &["invalid_jwt"];

fn agent_token_defects() -> Vec<TokenCase> {
    use TokenDefect as T;
    let mut cases = vec![
        tc("typ:JWT", T::Typ("JWT".into()), "TOK-001", JWT),
        tc(
            "typ:aa-resource+jwt",
            T::Typ("aa-resource+jwt".into()),
            "TOK-001",
            JWT,
        ),
        tc(
            "typ:aa-subscribe+jwt",
            T::Typ("aa-subscribe+jwt".into()),
            "TOK-001",
            JWT,
        ),
        tc("typ-missing", T::TypMissing, "TOK-001", JWT),
        tc(
            "dwk:aauth-person.json",
            T::Dwk("aauth-person.json".into()),
            "TOK-002",
            JWT,
        ),
        tc("dwk-missing", T::RemoveClaim("dwk".into()), "TOK-002", JWT),
        tc(
            "kid-unknown",
            T::KidUnknown,
            "TOK-003",
            &["unknown_key", "invalid_jwt"],
        ),
        tc(
            "kid-missing",
            T::KidMissing,
            "TOK-003",
            &["invalid_jwt", "unknown_key"],
        ),
        tc("sign-with-other-key", T::SignWithOtherKey, "TOK-003", JWT),
        tc("alg-none", T::AlgNone, "TOK-004", JWT),
        tc(
            "hs256-with-public-key",
            T::Hs256WithPublicKey,
            "TOK-004",
            JWT,
        ),
        tc("header-alg:EdDSA", T::HeaderAlg(Alg::EDDSA), "TOK-004", JWT),
        tc("expired", T::Expired, "TOK-005", &["expired_jwt"]),
        tc("iat-future:600", T::IatFuture(600), "TOK-005", JWT),
        tc("exp-missing", T::RemoveClaim("exp".into()), "TOK-005", JWT),
        tc(
            "iss:uppercase",
            T::Iss("https://Agent.Example".into()),
            "TOK-006",
            JWT,
        ),
        tc(
            "iss:trailing-slash",
            T::Iss("https://agent.example/".into()),
            "TOK-006",
            JWT,
        ),
        tc(
            "iss:port",
            T::Iss("https://agent.example:8443".into()),
            "TOK-006",
            JWT,
        ),
        tc(
            "iss:http",
            T::Iss("http://agent.example".into()),
            "TOK-006",
            JWT,
        ),
        tc(
            "cnf-other-key",
            T::CnfOtherKey,
            "TOK-007",
            &["invalid_signature"],
        ),
        tc(
            "cnf-missing",
            T::CnfMissing,
            "TOK-008",
            &["invalid_jwt", "invalid_key"],
        ),
        tc(
            "cnf-drop:x",
            T::CnfDrop("x".into()),
            "TOK-008",
            &["invalid_key", "invalid_jwt"],
        ),
        tc(
            "cnf-drop:kty",
            T::CnfDrop("kty".into()),
            "TOK-008",
            &["invalid_key", "invalid_jwt"],
        ),
        tc(
            "cnf-drop:crv",
            T::CnfDrop("crv".into()),
            "TOK-008",
            &["invalid_key", "invalid_jwt"],
        ),
        tc(
            "cnf-member:x-31-bytes",
            T::CnfMember(
                "x".into(),
                json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            ),
            "TOK-008",
            &["invalid_key", "invalid_jwt"],
        ),
        tc(
            "cnf-member:kty-oct",
            T::CnfMember("kty".into(), json!("oct")),
            "SIG-018",
            &["unsupported_algorithm", "invalid_key"],
        ),
        tc(
            "jwk-alg-missing",
            T::JwkAlg(None),
            "SIG-016",
            &["unsupported_algorithm"],
        ),
        tc(
            "jwk-alg:EdDSA",
            T::JwkAlg(Some("EdDSA".into())),
            "SIG-016",
            &["unsupported_algorithm"],
        ),
        tc(
            "jwk-alg:HS256",
            T::JwkAlg(Some("HS256".into())),
            "SIG-018",
            &["unsupported_algorithm", "invalid_key"],
        ),
        tc(
            "jwk-alg:none",
            T::JwkAlg(Some("none".into())),
            "SIG-018",
            &["unsupported_algorithm", "invalid_key"],
        ),
        tc(
            "jwk-alg:ES256-on-OKP",
            T::JwkAlg(Some("ES256".into())),
            "SIG-017",
            &["invalid_key"],
        ),
        tc("sub-missing", T::RemoveClaim("sub".into()), "TOK-001", JWT),
        tc("jti-missing", T::RemoveClaim("jti".into()), "TOK-001", JWT),
        tc(
            "sub:not-an-agent-identifier",
            T::SetClaim("sub".into(), json!("My Agent@agent.example")),
            "TOK-001",
            JWT,
        ),
    ];
    // Unknown claims are ignored (TOK-016): a valid vector.
    cases.push(tc(
        "extra-claim",
        T::SetClaim("x_vendor".into(), json!({"tier": "gold"})),
        "TOK-016",
        &[],
    ));
    cases
}

fn shared_token_defects(credential: Credential) -> Vec<TokenCase> {
    use TokenDefect as T;
    let wrong_typ = match credential {
        Credential::Person => "aa-auth+jwt",
        _ => "aa-person+jwt",
    };
    vec![
        tc(
            "typ:aa-agent+jwt",
            T::Typ("aa-agent+jwt".into()),
            "TOK-001",
            JWT,
        ),
        tc(
            if credential == Credential::Person {
                "typ:aa-auth+jwt"
            } else {
                "typ:aa-person+jwt"
            },
            T::Typ(wrong_typ.into()),
            "TOK-001",
            JWT,
        ),
        tc(
            "dwk:aauth-resource.json",
            T::Dwk("aauth-resource.json".into()),
            "TOK-002",
            JWT,
        ),
        tc(
            "kid-unknown",
            T::KidUnknown,
            "TOK-003",
            &["unknown_key", "invalid_jwt"],
        ),
        tc("sign-with-other-key", T::SignWithOtherKey, "TOK-003", JWT),
        tc("alg-none", T::AlgNone, "TOK-004", JWT),
        tc("expired", T::Expired, "TOK-005", &["expired_jwt"]),
        tc("iat-future:600", T::IatFuture(600), "TOK-005", JWT),
        tc(
            "cnf-other-key",
            T::CnfOtherKey,
            "TOK-007",
            &["invalid_signature"],
        ),
        tc(
            "cnf-missing",
            T::CnfMissing,
            "TOK-008",
            &["invalid_jwt", "invalid_key"],
        ),
        tc(
            "cnf-drop:x",
            T::CnfDrop("x".into()),
            "TOK-008",
            &["invalid_key", "invalid_jwt"],
        ),
        tc(
            "jwk-alg-missing",
            T::JwkAlg(None),
            "SIG-016",
            &["unsupported_algorithm"],
        ),
    ]
}

fn endpoint_alternative(credential: Credential, code: &str) -> Option<Alternative> {
    match credential {
        Credential::Agent if code == "expired_jwt" => {
            Some(Alternative::endpoint("expired_agent_token"))
        }
        Credential::Agent => Some(Alternative::endpoint("invalid_agent_token")),
        Credential::Person => Some(Alternative::endpoint("invalid_person_token")),
        Credential::Auth => None,
    }
}

fn token_defects(c: &mut Collector, base: &Base, cases: &[TokenCase]) -> Result<(), GenerateError> {
    for case in cases {
        let token = base.token(Some(&case.defect));
        let request = signed(base.sign(&token, None), case.id)?;
        let mut expected = if case.codes.is_empty() {
            ExpectedOutcome::valid()
        } else {
            ExpectedOutcome::signature(case.codes)
        };
        if case.endpoint_alternative {
            if let Some(alt) = case
                .codes
                .first()
                .and_then(|code| endpoint_alternative(base.credential, code))
            {
                expected = expected.or(alt);
            }
        }
        let description = format!(
            "Sends {} whose {}",
            credential_noun(base.credential),
            case.defect.describe()
        );
        c.push(Entry {
            defect: Some(("token", case.id.to_string())),
            ..Collector::entry(base, request, case.requirement, description, expected)
        });
    }
    Ok(())
}

/// TOK-002: an auth token minted with the agent provider's key, naming the AP as issuer
/// and the agent document in `dwk`.
fn dwk_confusion(c: &mut Collector, profile: Profile) -> Result<(), GenerateError> {
    let base = Base::new(profile, Credential::Auth, agent_key(), Role::Resource);
    let mut claims = base.world.auth_claims().to_map();
    claims.insert("iss".into(), AP.into());
    claims.insert("dwk".into(), "aauth-agent.json".into());
    let token = mint(&base.world.ap, TokenKind::Auth, &claims, None, NOW);
    let request = signed(base.sign(&token, None), "dwk-confusion")?;
    c.push(Entry {
        defect: Some(("token", "auth-token-from-agent-provider".to_string())),
        issuers: vec![issuer_documents(&base.world, AP)],
        ..Collector::entry(
            &base,
            request,
            "TOK-002",
            "Sends an aa-auth+jwt signed by the agent provider's key with dwk aauth-agent.json"
                .to_string(),
            ExpectedOutcome::signature(JWT),
        )
    });
    Ok(())
}

fn issuer_defects(c: &mut Collector, base: &Base) -> Result<(), GenerateError> {
    let request = signed(base.sign(&base.token(None), None), "issuer")?;
    let metadata_url = well_known_url(AP, "aauth-agent.json");
    let jwks_url = format!("{AP}/.well-known/jwks.json");
    let good_jwks = base.world.ap.jwks();
    let docs = |metadata: String, jwks: String| {
        vec![IssuerDocuments {
            identifier: AP.to_string(),
            documents: vec![
                Document {
                    url: metadata_url.clone(),
                    body: metadata,
                },
                Document {
                    url: jwks_url.clone(),
                    body: jwks,
                },
            ],
        }]
    };
    let meta = |v: Value| v.to_string();
    let mut no_alg = base.world.ap.jwk();
    no_alg.remove("alg");
    let mut mixed = good_jwks.clone();
    mixed.push_raw(json!({"kty": "AKP", "alg": "ML-DSA-65", "kid": "pq-1", "pub": "AAAA"}));
    mixed.push_raw(json!({"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "e": "AQAB"}));
    mixed.push_raw(json!("not a key"));
    let cases: Vec<(&str, &str, &str, Vec<IssuerDocuments>, ExpectedOutcome)> = vec![
        (
            "metadata-without-issuer",
            "TOK-010",
            "Serves agent provider metadata without issuer",
            docs(meta(json!({"jwks_uri": jwks_url})), good_jwks.to_json()),
            ExpectedOutcome::signature(&["issuer_missing"]),
        ),
        (
            "metadata-issuer-mismatch",
            "TOK-010",
            "Serves agent provider metadata whose issuer names another host",
            docs(
                meta(json!({"issuer": "https://evil.example", "jwks_uri": jwks_url})),
                good_jwks.to_json(),
            ),
            ExpectedOutcome::signature(&["issuer_mismatch"]),
        ),
        (
            "metadata-issuer-trailing-slash",
            "TOK-010",
            "Serves agent provider metadata whose issuer has a trailing slash",
            docs(
                meta(json!({"issuer": format!("{AP}/"), "jwks_uri": jwks_url})),
                good_jwks.to_json(),
            ),
            ExpectedOutcome::signature(&["issuer_mismatch"]),
        ),
        (
            "metadata-without-jwks-uri",
            "TOK-003",
            "Serves agent provider metadata without jwks_uri",
            docs(meta(json!({"issuer": AP})), good_jwks.to_json()),
            ExpectedOutcome::any_rejection("no key can be found; the spec names no code"),
        ),
        (
            "jwks-key-without-alg",
            "TOK-009",
            "Publishes the agent provider's key without alg",
            docs(
                meta(json!({"issuer": AP, "jwks_uri": jwks_url})),
                crate::jose::jwks::Jwks::from_keys([no_alg]).to_json(),
            ),
            ExpectedOutcome::signature(&["unsupported_algorithm", "invalid_jwt", "invalid_key"]),
        ),
        (
            "jwks-unusable-extra-members",
            "TOK-011",
            "Publishes the agent provider's key alongside an ML-DSA key, an incomplete RSA key \
             and a string",
            docs(
                meta(json!({"issuer": AP, "jwks_uri": jwks_url})),
                mixed.to_json(),
            ),
            ExpectedOutcome::valid().noting("members other than the kid's are never examined"),
        ),
    ];
    for (id, requirement, description, issuers, expected) in cases {
        c.push(Entry {
            defect: Some(("issuer", id.to_string())),
            issuers,
            ..Collector::entry(
                base,
                request.clone(),
                requirement,
                description.to_string(),
                expected,
            )
        });
    }
    Ok(())
}

fn scheme_defects(c: &mut Collector, base: &Base) -> Result<(), GenerateError> {
    let x = Jwk::from_public(&base.world.agent.public_key(), None)
        .x()
        .unwrap_or_default()
        .to_string();
    let jwt = base.token(None);
    let members = [
        (
            "hwk",
            format!("hwk;kty=\"OKP\";crv=\"Ed25519\";x=\"{x}\";alg=\"Ed25519\""),
        ),
        (
            "jwks_uri",
            format!("jwks_uri;id=\"{AP}\";dwk=\"aauth-agent.json\";kid=\"{AP_KID}\""),
        ),
        (
            "jwks",
            format!("jwks;url=\"{AP}/.well-known/jwks.json\";kid=\"{AP_KID}\""),
        ),
        ("jkt-jwt", format!("jkt-jwt;jwt=\"{jwt}\"")),
        (
            "x509",
            format!(
                "x509;x5u=\"{AP}/cert.pem\";x5t=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
            ),
        ),
        ("cached", "cached;cid=\"agent-1\"".to_string()),
        ("zz-unknown", "zz-unknown;a=\"b\"".to_string()),
    ];
    for (scheme, member) in members {
        let request = signed(base.sign_with_member(&member, None), scheme)?;
        c.push(Entry {
            defect: Some(("scheme", scheme.to_string())),
            ..Collector::entry(
                base,
                request,
                "SIG-012",
                format!("Sends Signature-Key with scheme {scheme} for the signature's label"),
                ExpectedOutcome::signature(&["unsupported_scheme"]),
            )
        });
    }
    let member = format!("jwt;jwt=\"{jwt}\", other=zz-unknown;a=\"b\"");
    let request = signed(base.sign_with_member(&member, None), "unselected")?;
    c.push(Entry {
        defect: Some(("scheme", "unselected-unknown-member".to_string())),
        ..Collector::entry(
            base,
            request,
            "SIG-013",
            "Sends a second Signature-Key member with an unknown scheme under another label"
                .to_string(),
            ExpectedOutcome::valid().noting("members for labels not being verified never matter"),
        )
    });
    Ok(())
}

/// Vectors that depend on the verifier's configuration: a published window and an
/// algorithm set.
fn verifier_settings(c: &mut Collector, profile: Profile) -> Result<(), GenerateError> {
    let base = Base::new(profile, Credential::Agent, agent_key(), Role::Resource);
    let token = base.token(None);
    let wide = base
        .config()
        .with_requirements(base.config().requirements.with_window(300));
    for (skew, expected) in [
        (-295, ExpectedOutcome::valid()),
        (-305, ExpectedOutcome::signature(&["invalid_signature"])),
        (295, ExpectedOutcome::valid()),
        (
            305,
            ExpectedOutcome::signature(&["invalid_signature", "clock_skew"]),
        ),
    ] {
        let defect = RequestDefect::CreatedSkew(skew);
        let request = signed(base.sign(&token, Some(&defect)), "window")?;
        c.push(Entry {
            defect: Some(("verifier", format!("window-300:created-skew:{skew}"))),
            config: Some(wide.clone()),
            ..Collector::entry(
                &base,
                request,
                if skew > 0 { "SIG-008" } else { "SIG-007" },
                format!(
                    "{} to a verifier publishing signature_window 300",
                    defect.description()
                ),
                expected,
            )
        });
    }
    let es = Base::new(
        profile,
        Credential::Agent,
        agent_es256_key(),
        Role::Resource,
    );
    let request = signed(es.sign(&es.token(None), None), "algs")?;
    c.push(Entry {
        defect: Some(("verifier", "accepts-ed25519-only:es256-key".to_string())),
        config: Some(es.config().with_algs([Alg::ED25519])),
        ..Collector::entry(
            &es,
            request,
            "SIG-022",
            "Signs with an ES256 key at a verifier that accepts only Ed25519".to_string(),
            ExpectedOutcome::signature(&["unsupported_algorithm"]),
        )
    });
    Ok(())
}
