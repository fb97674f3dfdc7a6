//! [`verify_request`]: the AAuth "Verification (Server)" steps over one request.

use crate::httpsig::base::{normalize_authority, FieldTypes, Message};
use crate::httpsig::component::ComponentId;
use crate::httpsig::profile::{check_content_digest, select_signature};
use crate::httpsig::verify::{verify_message_params, Malformed, VerifyError, Violation};
use crate::jose::claims::{AgentClaims, AuthClaims, PersonClaims, TokenClaims, TokenKind};
use crate::jose::jwk::{Jwk, JwkRules};
use crate::jose::jws;
use crate::jose::validate::{
    begin_decoded, Expected, Lenience, ResolveError, TokenFailure, ValidToken,
};
use crate::jose::{Alg, PublicKey};
use crate::message::{Fields, Request};
use crate::role::flaw::Flaw;
use crate::wire::signature_error::SignatureErrorCode as Code;
use crate::wire::signature_input::{SignatureParams, SIGNATURE, SIGNATURE_INPUT};
use crate::wire::signature_key::{self, HwkKey, KeyScheme, Member, Scheme, SignatureKey};

use super::config::VerifierConfig;
use super::keys::KeySource;
use super::rejection::{Rejection, Step};

/// Token kinds an agent may present in `Signature-Key` (resource tokens travel in bodies).
const SIGNATURE_KEY_KINDS: [TokenKind; 3] = [TokenKind::Agent, TokenKind::Person, TokenKind::Auth];

/// A token's claims read into the model of its kind.
// Held inside the boxed `Signer::Token`, so the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum TypedClaims {
    /// `aa-agent+jwt`.
    Agent(AgentClaims),
    /// `aa-person+jwt` (aauth-11).
    Person(PersonClaims),
    /// `aa-auth+jwt`.
    Auth(AuthClaims),
}

impl TypedClaims {
    /// `iss`.
    pub fn iss(&self) -> &str {
        match self {
            TypedClaims::Agent(c) => &c.iss,
            TypedClaims::Person(c) => &c.iss,
            TypedClaims::Auth(c) => &c.iss,
        }
    }

    /// `aud`, which agent tokens do not carry.
    pub fn aud(&self) -> Option<&str> {
        match self {
            TypedClaims::Agent(_) => None,
            TypedClaims::Person(c) => Some(&c.aud),
            TypedClaims::Auth(c) => Some(&c.aud),
        }
    }

    /// `sub`, when present.
    pub fn sub(&self) -> Option<&str> {
        match self {
            TypedClaims::Agent(c) => Some(&c.sub),
            TypedClaims::Person(c) => Some(&c.sub),
            TypedClaims::Auth(c) => c.sub.as_deref(),
        }
    }
}

/// The token a `jwt` member carried, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenCredential {
    /// Its kind, from `typ`.
    pub kind: TokenKind,
    /// The validated token (header, raw claims, issuer key, `cnf` key).
    pub token: ValidToken,
    /// The claims in their kind's model.
    pub claims: TypedClaims,
}

/// Who signed, as the scheme established it.
#[derive(Clone, Debug, PartialEq)]
pub enum Signer {
    /// `jwt`: an agent presenting a token whose `cnf.jwk` signed the request.
    Token(Box<TokenCredential>),
    /// `jwks_uri`: a server signing as itself (PS to AS).
    Server {
        /// The server identifier (`id`).
        id: String,
        /// The metadata document (`dwk`).
        dwk: String,
        /// The key id.
        kid: String,
    },
    /// `hwk`: a bare key with no identity. Only the `hwk-accepted` flaw lets one through.
    BareKey,
}

/// A request whose signature verified, with everything later checks need.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedRequest {
    /// The label verified.
    pub label: String,
    /// The scheme of its `Signature-Key` member.
    pub scheme: Scheme,
    /// Who signed.
    pub signer: Signer,
    /// The key that verified the HTTP signature (its thumbprint:
    /// [`VerifiedRequest::thumbprint`]).
    pub key: PublicKey,
    /// The label's covered components and parameters (`None` only when a planted flaw
    /// served a request without `Signature-Input`).
    pub params: Option<SignatureParams>,
    /// `keyid` as sent (agents should not send it; reported, never used).
    pub keyid: Option<String>,
    /// `alg` as sent (agents must not send it; reported, never used).
    pub alg: Option<String>,
}

impl VerifiedRequest {
    /// The RFC 7638 thumbprint of the key that signed (what resource tokens carry as
    /// `agent_jkt`). Computed on demand: a hash the verification itself never needs.
    pub fn thumbprint(&self) -> String {
        self.key.thumbprint()
    }

    /// The token credential, for the `jwt` scheme.
    pub fn credential(&self) -> Option<&TokenCredential> {
        match &self.signer {
            Signer::Token(c) => Some(c),
            _ => None,
        }
    }

    /// The token kind, for the `jwt` scheme.
    pub fn kind(&self) -> Option<TokenKind> {
        self.credential().map(|c| c.kind)
    }

    /// The typed claims, for the `jwt` scheme.
    pub fn claims(&self) -> Option<&TypedClaims> {
        self.credential().map(|c| &c.claims)
    }
}

fn reject(step: Step, code: Code, detail: impl Into<String>) -> Rejection {
    Rejection::new(step, code, detail)
}

/// Verify `request` as the server `config` describes, at time `now`, finding issuer keys
/// through `keys`. Steps, each answering with its own code:
///
/// 1. `Signature`, `Signature-Input`, `Signature-Key` present (`invalid_request`);
/// 2. the label: the first `Signature-Input` label with a `Signature-Key` member;
/// 3. required components covered (`invalid_input` with `required_input`);
/// 4. `created` within the window both ways, `expires` not passed (`invalid_signature`);
/// 5. the label's `Signature-Key` member (other members never matter) and its scheme
///    (`unsupported_scheme` with `Accept-Signature-Scheme`);
/// 6. `jwt`: the token (`typ` an accepted kind, `dwk`, issuer key via `keys`, signature,
///    `exp`/`iat`, `iss`, claims, `cnf.jwk`): `invalid_jwt`, `expired_jwt`, `unknown_key`,
///    `issuer_missing`/`issuer_mismatch`, `invalid_key`, `unsupported_algorithm`;
/// 7. the key's algorithm is one accepted (`unsupported_algorithm` with
///    `Accept-Signature-Alg`);
/// 8. `@authority` names this server, then the HTTP signature (`invalid_signature`);
/// 9. a covered `Content-Digest` matches the body.
pub async fn verify_request(
    request: &Request,
    config: &VerifierConfig,
    keys: &dyn KeySource,
    now: i64,
) -> Result<VerifiedRequest, Rejection> {
    let flaws = &config.flaws;
    let fail = |r: Rejection| {
        if flaws.has(Flaw::SignatureFailure400) {
            Rejection { status: 400, ..r }
        } else {
            r
        }
    };

    // Step 1: the three headers.
    let bearer = check_headers(request, config).map_err(fail)?;
    let sk_value = request
        .header(signature_key::FIELD)
        .ok_or_else(|| {
            reject(
                Step::Headers,
                Code::INVALID_REQUEST,
                "Signature-Key is missing",
            )
        })
        .map_err(fail)?;
    let signature_key = SignatureKey::parse(&sk_value)
        .map_err(|e| reject(Step::Headers, Code::INVALID_REQUEST, e.to_string()))
        .map_err(fail)?;
    let sk_labels: Vec<&str> = signature_key.labels().collect();

    // The label and its parameters.
    let (label, params) = if request.has_header(SIGNATURE_INPUT) {
        let (label, params) = select_signature(request, &sk_labels)
            .map_err(|e| Rejection::from_verify(Step::Label, &e))
            .map_err(fail)?;
        (label, Some(params))
    } else {
        // Only the missing-header-tolerated flaw gets here.
        let first = sk_labels.first().copied().unwrap_or_default();
        (first.to_string(), None)
    };

    if let Some(params) = &params {
        check_covered(request, params, config).map_err(fail)?;
        check_freshness(params, now, config).map_err(fail)?;
    }

    // Step 4: the member for the label, and its scheme.
    let member = select_member(&signature_key, &label, config).map_err(fail)?;
    let scheme = member
        .scheme()
        .map_err(|e| reject(Step::Scheme, Code::INVALID_KEY, e.to_string()))
        .map_err(fail)?;
    check_scheme(&scheme, config).map_err(fail)?;
    if flaws.has(Flaw::UnselectedMemberRejected) {
        check_every_member(&signature_key, config).map_err(fail)?;
    }
    let typed = member
        .typed()
        .map_err(|e| reject(Step::Key, Code::INVALID_KEY, e.to_string()))
        .map_err(fail)?;

    // Steps 5 and 6: the key.
    let (signer, mut key) = match typed {
        KeyScheme::Jwt { jwt, .. } => {
            let credential = verify_token(&jwt, config, keys, now).await.map_err(fail)?;
            let key = credential
                .token
                .cnf_key
                .clone()
                .unwrap_or_else(|| credential.token.issuer_key.clone());
            (Signer::Token(Box::new(credential)), key)
        }
        KeyScheme::JwksUri { id, dwk, kid } => {
            let key = keys
                .resolve(&id, &dwk, Some(&kid))
                .await
                .map_err(|e| resolve_rejection(&e, config))
                .map_err(fail)?;
            (Signer::Server { id, dwk, kid }, key)
        }
        KeyScheme::Hwk(hwk) if flaws.has(Flaw::HwkAccepted) => {
            let key = hwk_key(&hwk, config)
                .map_err(|r| with_accept_alg(r, config))
                .map_err(fail)?;
            (Signer::BareKey, key)
        }
        other => {
            return Err(fail(unsupported_scheme(&other.scheme(), config)));
        }
    };
    if !config.accepted_algs.contains(&key.alg()) {
        return Err(fail(with_accept_alg(
            reject(
                Step::Algorithm,
                Code::UNSUPPORTED_ALGORITHM,
                format!("{} keys are not accepted", key.alg()),
            ),
            config,
        )));
    }
    if flaws.has(Flaw::NoCnfBinding) {
        if let Signer::Token(c) = &signer {
            let agent = format!("{} {}", c.claims.iss(), c.claims.sub().unwrap_or_default());
            key = config.key_memory.remember(&agent, &key);
        }
    }

    // Step 7: authority, signature, digest.
    check_authority(request, config).map_err(fail)?;
    if let Some(params) = &params {
        if flaws.has(Flaw::AlgParamHonoured) {
            check_alg_param(params, &key).map_err(fail)?;
        }
        let skip = bearer || flaws.has(Flaw::SignatureNotChecked);
        if !skip {
            verify_message_params(
                Message::Request(request),
                &label,
                params.clone(),
                &key,
                &FieldTypes::aauth(),
            )
            .map_err(|e| Rejection::from_verify(Step::Signature, &e))
            .map_err(fail)?;
        }
        check_content_digest(request, params)
            .map_err(|e| Rejection::from_verify(Step::Digest, &e))
            .map_err(fail)?;
    }

    Ok(VerifiedRequest {
        keyid: params.as_ref().and_then(|p| p.keyid()).map(str::to_string),
        alg: params.as_ref().and_then(|p| p.alg()).map(str::to_string),
        label,
        scheme,
        signer,
        key,
        params,
    })
}

/// Step 1. Returns true when the `missing-header-tolerated` flaw lets a request without
/// `Signature` or `Signature-Input` through on its token alone.
fn check_headers(request: &Request, config: &VerifierConfig) -> Result<bool, Rejection> {
    let missing: Vec<&str> = [SIGNATURE, SIGNATURE_INPUT, signature_key::FIELD]
        .into_iter()
        .filter(|h| !request.has_header(h))
        .collect();
    let Some(first) = missing.first() else {
        return Ok(false);
    };
    let tolerated =
        config.flaws.has(Flaw::MissingHeaderTolerated) && request.has_header(signature_key::FIELD);
    if tolerated {
        return Ok(true);
    }
    Err(Rejection::from_verify(
        Step::Headers,
        &VerifyError::from(Malformed::MissingHeader(first)),
    ))
}

/// Step 2, with the component a flaw forgets left out of the required list.
fn check_covered(
    request: &Request,
    params: &SignatureParams,
    config: &VerifierConfig,
) -> Result<(), Rejection> {
    let mut required = config.requirements.required_for(request);
    if config.flaws.has(Flaw::AuthorityNotRequired) {
        required.retain(|c| *c != ComponentId::AUTHORITY);
    }
    if config.flaws.has(Flaw::SignatureKeyNotRequired) {
        required.retain(|c| !c.is_plain_field("signature-key"));
    }
    if config.flaws.has(Flaw::PsBodyDigestNotRequired) {
        required
            .retain(|c| !c.is_plain_field("content-digest") && !c.is_plain_field("content-type"));
    }
    let missing: Vec<ComponentId> = required
        .iter()
        .filter(|c| !params.covers(c))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Rejection::from_verify(
        Step::Covered,
        &Violation::NotCovered { missing, required }.into(),
    ))
}

/// Step 3, with the window flaws at the comparisons they skip.
fn check_freshness(
    params: &SignatureParams,
    now: i64,
    config: &VerifierConfig,
) -> Result<(), Rejection> {
    let flaws = &config.flaws;
    let window = config.requirements.window;
    let stale = |v: Violation| Err(Rejection::from_verify(Step::Freshness, &v.into()));
    let created = match params.created() {
        Some(c) => c,
        None if flaws.has(Flaw::CreatedOptional) => now,
        None => return stale(Violation::CreatedMissing),
    };
    if !flaws.has(Flaw::NoCreatedWindow) {
        if created < now.saturating_sub(window) {
            return stale(Violation::CreatedTooOld {
                created,
                now,
                window,
            });
        }
        if created > now.saturating_add(window) && !flaws.has(Flaw::FutureCreatedAccepted) {
            return stale(Violation::CreatedInFuture {
                created,
                now,
                window,
            });
        }
    }
    if let Some(expires) = params.expires() {
        if expires < now && !flaws.has(Flaw::ExpiresIgnored) {
            return stale(Violation::Expired { expires, now });
        }
    }
    Ok(())
}

/// Step 4, first half: the member named by the label (the `label-not-matched` flaw takes
/// the first member instead).
fn select_member<'k>(
    signature_key: &'k SignatureKey,
    label: &str,
    config: &VerifierConfig,
) -> Result<Member<'k>, Rejection> {
    let member = if config.flaws.has(Flaw::LabelNotMatched) {
        signature_key.members().next()
    } else {
        signature_key.member(label)
    };
    member.ok_or_else(|| {
        Rejection::from_verify(
            Step::Scheme,
            &Violation::NoSignatureKeyMember {
                label: label.to_string(),
            }
            .into(),
        )
    })
}

fn unsupported_scheme(scheme: &Scheme, config: &VerifierConfig) -> Rejection {
    if config.flaws.has(Flaw::SchemeRejectedWrongCode) {
        return reject(
            Step::Scheme,
            Code::INVALID_KEY,
            format!("cannot read a key from scheme {scheme}"),
        );
    }
    let mut r = reject(
        Step::Scheme,
        Code::UNSUPPORTED_SCHEME,
        format!("scheme {scheme} is not accepted here"),
    );
    r.accept_scheme = Some(config.accepted_schemes.clone());
    r
}

/// Step 4, second half: the scheme is one this server accepts.
fn check_scheme(scheme: &Scheme, config: &VerifierConfig) -> Result<(), Rejection> {
    let hwk_flaw = *scheme == Scheme::HWK && config.flaws.has(Flaw::HwkAccepted);
    if config.accepted_schemes.contains(scheme) || hwk_flaw {
        Ok(())
    } else {
        Err(unsupported_scheme(scheme, config))
    }
}

/// The `unselected-member-rejected` flaw: every member must be readable and accepted.
fn check_every_member(
    signature_key: &SignatureKey,
    config: &VerifierConfig,
) -> Result<(), Rejection> {
    for member in signature_key.members() {
        let scheme = member
            .scheme()
            .map_err(|e| reject(Step::Scheme, Code::INVALID_KEY, e.to_string()))?;
        check_scheme(&scheme, config)?;
        member
            .typed()
            .map_err(|e| reject(Step::Scheme, Code::INVALID_KEY, e.to_string()))?;
    }
    Ok(())
}

fn with_accept_alg(mut r: Rejection, config: &VerifierConfig) -> Rejection {
    if *r.code() == Code::UNSUPPORTED_ALGORITHM {
        r.accept_alg = Some(config.accepted_algs.clone());
    }
    r
}

fn resolve_rejection(e: &ResolveError, config: &VerifierConfig) -> Rejection {
    with_accept_alg(
        reject(Step::Key, e.signature_error_code(), e.to_string()),
        config,
    )
}

/// The planted-flaw path for `hwk`: the inline key, under the profile's key rules.
fn hwk_key(hwk: &HwkKey, config: &VerifierConfig) -> Result<PublicKey, Rejection> {
    let mut jwk = Jwk::default();
    jwk.set("kty", hwk.kty.clone());
    let members = [
        ("crv", &hwk.crv),
        ("x", &hwk.x),
        ("y", &hwk.y),
        ("n", &hwk.n),
        ("e", &hwk.e),
    ];
    for (name, value) in members {
        if let Some(v) = value {
            jwk.set(name, v.clone());
        }
    }
    if let Some(alg) = &hwk.alg {
        jwk.set("alg", alg.as_str());
    }
    jwk.to_public_key(JwkRules::for_profile(config.profile))
        .map_err(|e| reject(Step::Key, e.signature_error_code(), e.to_string()))
}

/// What the token flaws loosen.
fn lenience(config: &VerifierConfig) -> Lenience {
    let has = |f| config.flaws.has(f);
    let base = JwkRules::for_profile(config.profile);
    let cnf_rules = (has(Flaw::EdDsaAccepted) || has(Flaw::AlgInferred)).then(|| JwkRules {
        alg_required: base.alg_required && !has(Flaw::AlgInferred),
        polymorphic_eddsa_allowed: base.polymorphic_eddsa_allowed || has(Flaw::EdDsaAccepted),
    });
    Lenience {
        skip_typ: has(Flaw::TypNotChecked),
        skip_dwk: has(Flaw::DwkNotChecked),
        accept_alg_none: has(Flaw::JwtAlgNoneAccepted),
        skip_exp: has(Flaw::TokenExpiryIgnored),
        skip_iat: has(Flaw::IatFutureAccepted),
        normalise_iss: has(Flaw::IssuerLoose),
        cnf_optional: has(Flaw::CnfOptional),
        cnf_rules,
        ignore_cnf_kty_mismatch: has(Flaw::KtyAlgMismatchAccepted),
    }
}

fn token_rejection(failure: &TokenFailure, config: &VerifierConfig) -> Rejection {
    let step = match failure {
        TokenFailure::CnfKey(_) => Step::Algorithm,
        _ => Step::Key,
    };
    with_accept_alg(
        reject(step, failure.signature_error_code(), failure.to_string()),
        config,
    )
}

/// Steps 5 and 6 for `jwt`: validate the token, fetching its issuer key through `keys`.
/// The validator runs twice: first to every check that precedes the key lookup (so a
/// malformed token or an `http://` issuer never causes a fetch), then with the key.
async fn verify_token(
    jwt: &str,
    config: &VerifierConfig,
    keys: &dyn KeySource,
    now: i64,
) -> Result<TokenCredential, Rejection> {
    let decoded = jws::decode(jwt)
        .map_err(|e| reject(Step::Key, Code::INVALID_JWT, format!("malformed JWT: {e}")))?;
    let typ = decoded.header().typ();
    let kind = typ
        .and_then(TokenKind::from_typ)
        .filter(|k| SIGNATURE_KEY_KINDS.contains(k));
    let kind = match kind {
        Some(k) => k,
        // A verifier that never looks at typ treats whatever arrives as an agent token.
        None if config.flaws.has(Flaw::TypNotChecked) => TokenKind::Agent,
        None => {
            return Err(reject(
                Step::Key,
                Code::INVALID_JWT,
                format!("typ {typ:?} is not a token accepted in Signature-Key"),
            ))
        }
    };
    let expected = Expected::new(config.profile, now).lenient(lenience(config));
    // Steps before the key, then the key from the (asynchronous) source, then the rest: one
    // decode, one pass.
    let pending =
        begin_decoded(kind, decoded, &expected).map_err(|f| token_rejection(&f, config))?;
    let issuer_key = keys
        .resolve(pending.iss(), pending.dwk(), Some(pending.kid()))
        .await;
    let token = match pending.check_signature(&expected, &issuer_key) {
        // The key cached for this kid does not verify: the issuer may have re-keyed under
        // the same kid, so its keys are refreshed once (floor permitting) and the token
        // tried again with whatever the refresh found.
        Err(TokenFailure::BadSignature(_)) if !config.flaws.has(Flaw::JwksNoRefreshRekeyedKid) => {
            let refreshed = keys
                .refresh(pending.iss(), pending.dwk(), Some(pending.kid()))
                .await;
            pending.finish(&expected, refreshed)
        }
        Err(failure) => Err(failure),
        Ok(()) => match issuer_key {
            Ok(key) => pending.finish_checked(&expected, key),
            Err(e) => Err(TokenFailure::Key(e)),
        },
    }
    .map_err(|f| token_rejection(&f, config))?;
    let claims = typed_claims(kind, &token).map_err(|e| {
        reject(
            Step::Key,
            Code::INVALID_JWT,
            format!("claims do not fit the model: {e}"),
        )
    })?;
    Ok(TokenCredential {
        kind,
        token,
        claims,
    })
}

/// The claims in their kind's model. A token without `cnf` (only the `cnf-optional` flaw
/// admits one) is read as if confirmed by its issuer's key, which is what that verifier
/// goes on to check the request with.
fn typed_claims(kind: TokenKind, token: &ValidToken) -> Result<TypedClaims, serde_json::Error> {
    let with_issuer_cnf;
    let map = if token.cnf_key.is_none() {
        let mut map = token.claims.clone();
        let jwk = Jwk::from_public(&token.issuer_key, None).to_value();
        map.insert("cnf".into(), serde_json::json!({ "jwk": jwk }));
        with_issuer_cnf = map;
        &with_issuer_cnf
    } else {
        &token.claims
    };
    Ok(match kind {
        TokenKind::Person => TypedClaims::Person(PersonClaims::from_claims(map)?),
        TokenKind::Auth => TypedClaims::Auth(AuthClaims::from_claims(map)?),
        _ => TypedClaims::Agent(AgentClaims::from_claims(map)?),
    })
}

/// `@authority` names this server: normalised (lowercase, default port dropped) and
/// compared with the host of `own_identifier`. The `authority-case-sensitive` flaw compares
/// the raw value.
fn check_authority(request: &Request, config: &VerifierConfig) -> Result<(), Rejection> {
    let own = config.own_host();
    if own.is_empty() {
        return Ok(());
    }
    let seen = if config.flaws.has(Flaw::AuthorityCaseSensitive) {
        request.authority.clone()
    } else {
        normalize_authority(&request.scheme, &request.authority)
    };
    if seen == own {
        Ok(())
    } else {
        Err(reject(
            Step::Authority,
            Code::INVALID_SIGNATURE,
            format!("@authority {seen:?} is not this server ({own:?})"),
        ))
    }
}

/// The `alg-param-honoured` flaw: a `Signature-Input` `alg` must name the key's algorithm
/// (in JOSE or RFC 9421 spelling) or verification fails.
fn check_alg_param(params: &SignatureParams, key: &PublicKey) -> Result<(), Rejection> {
    let Some(alg) = params.alg() else {
        return Ok(());
    };
    let names_key = match key.alg() {
        a if a == Alg::ED25519 => ["Ed25519", "ed25519"].contains(&alg),
        a if a == Alg::ES256 => ["ES256", "ecdsa-p256-sha256"].contains(&alg),
        _ => false,
    };
    if names_key {
        Ok(())
    } else {
        Err(reject(
            Step::Signature,
            Code::INVALID_SIGNATURE,
            format!("alg {alg:?} does not match the key"),
        ))
    }
}
