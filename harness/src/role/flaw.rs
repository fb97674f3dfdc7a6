//! Switchable flaws: one realistic planted bug each, used to prove that the suite can fail.
//!
//! The reference roles are correct by default. A built-in target such as
//! `builtin:resource?flaw=no-created-window` runs the same role with exactly one flaw switched
//! on; the mutation-score test runs the suite against every flaw and requires at least one
//! case to fail for it. A flaw nothing catches is a hole in the suite.
//!
//! Every flaw names the catalogue requirement it breaks, so a report can say which case
//! caught which planted bug.

use crate::role::Role;

/// Declares the flaw catalogue once: variant, stable id, role, broken requirement, summary.
macro_rules! flaws {
    ($( $(#[$doc:meta])* $variant:ident = ($id:literal, $role:ident, $req:literal, $what:literal), )*) => {
        /// A planted bug a reference role can be told to have.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Flaw {
            $( $(#[$doc])* $variant, )*
        }

        impl Flaw {
            /// Every flaw, in catalogue order.
            pub const ALL: &'static [Flaw] = &[$(Flaw::$variant,)*];

            /// Stable id used in `builtin:ROLE?flaw=ID` and in reports.
            pub fn id(self) -> &'static str {
                match self { $(Flaw::$variant => $id,)* }
            }

            /// The role whose reference implementation carries the flaw.
            pub fn role(self) -> Role {
                match self { $(Flaw::$variant => Role::$role,)* }
            }

            /// The catalogue requirement the flaw breaks (e.g. `SIG-007`).
            pub fn requirement(self) -> &'static str {
                match self { $(Flaw::$variant => $req,)* }
            }

            /// What is wrong, in one line.
            pub fn description(self) -> &'static str {
                match self { $(Flaw::$variant => $what,)* }
            }
        }
    };
}

flaws! {
    // ---- request verification (resource, PS and AS share the verifier) ----
    /// Any header may be missing; the verifier carries on with what it has.
    MissingHeaderTolerated = ("missing-header-tolerated", Resource, "SIG-001",
        "a request without Signature or Signature-Input is served on its Signature-Key token alone"),
    /// `@authority` is not among the components the verifier insists on.
    AuthorityNotRequired = ("authority-not-required", Resource, "SIG-002",
        "a signature that does not cover @authority is accepted"),
    /// `signature-key` is not among the required components.
    SignatureKeyNotRequired = ("signature-key-not-required", Resource, "SIG-002",
        "a signature that does not cover signature-key is accepted"),
    /// `created` is read but its age is never compared with the window.
    NoCreatedWindow = ("no-created-window", Resource, "SIG-007",
        "created is never compared with the validity window, so old signatures verify"),
    /// Only the past side of the window is checked.
    FutureCreatedAccepted = ("future-created-accepted", Resource, "SIG-008",
        "created in the far future is accepted (only the past side of the window is checked)"),
    /// A missing `created` is treated as "now".
    CreatedOptional = ("created-optional", Resource, "SIG-006",
        "a Signature-Input without created is accepted"),
    /// `expires` is parsed and ignored.
    ExpiresIgnored = ("expires-ignored", Resource, "SIG-009",
        "an expires parameter in the past is ignored"),
    /// The algorithm named by the Signature-Input `alg` parameter is honoured, and an
    /// unknown one makes verification fail.
    AlgParamHonoured = ("alg-param-honoured", Resource, "SIG-010",
        "a Signature-Input alg parameter steers verification instead of being ignored"),
    /// Any scheme other than `jwt` gets a generic `invalid_key` instead of
    /// `unsupported_scheme`.
    SchemeRejectedWrongCode = ("scheme-rejected-wrong-code", Resource, "SIG-012",
        "a non-jwt Signature-Key scheme is refused with invalid_key instead of unsupported_scheme"),
    /// `hwk` keys are accepted as if they were agent tokens.
    HwkAccepted = ("hwk-accepted", Resource, "SIG-012",
        "scheme=hwk is accepted, so a bare key without an agent token gets through"),
    /// Every `Signature-Key` member must parse, even those for other labels.
    UnselectedMemberRejected = ("unselected-member-rejected", Resource, "SIG-013",
        "an unknown scheme on a Signature-Key member for another label causes rejection"),
    /// The verifier takes the key for `sig` from whatever member comes first.
    LabelNotMatched = ("label-not-matched", Resource, "SIG-014",
        "the Signature-Key member is taken by position rather than by the verified label"),
    /// Signature failures are answered with 400 instead of 401.
    SignatureFailure400 = ("signature-failure-400", Resource, "SIG-019",
        "signature failures are answered with 400 rather than 401"),
    /// Policy refusals carry `Signature-Error`.
    ForbiddenWithSignatureError = ("forbidden-with-signature-error", Resource, "SIG-020",
        "a 403 policy refusal carries a Signature-Error header"),
    /// `EdDSA` keys are accepted as Ed25519.
    EdDsaAccepted = ("eddsa-accepted", Resource, "SIG-016",
        "a cnf.jwk with the polymorphic alg EdDSA is accepted as Ed25519"),
    /// A key without `alg` is accepted; the algorithm is inferred from `kty`/`crv`.
    AlgInferred = ("alg-inferred", Resource, "SIG-016",
        "a cnf.jwk without alg is accepted and the algorithm inferred from kty and crv"),
    /// `kty`/`crv` are not compared with `alg`.
    KtyAlgMismatchAccepted = ("kty-alg-mismatch-accepted", Resource, "SIG-017",
        "a cnf.jwk whose kty or crv disagrees with its alg is used anyway"),
    /// The final RFC 9421 signature check is skipped when the token verifies.
    SignatureNotChecked = ("signature-not-checked", Resource, "SIG-015",
        "the HTTP signature itself is never verified once the token checks out"),
    /// `@authority` is compared byte for byte with the configured identifier.
    AuthorityCaseSensitive = ("authority-case-sensitive", Resource, "SIG-025",
        "@authority is compared without normalising case, so Host: Resource.Example fails"),

    // ---- token verification ----
    /// `typ` is never looked at.
    TypNotChecked = ("typ-not-checked", Resource, "TOK-001",
        "the JWT typ header is never checked, so any AAuth token kind is accepted as any other"),
    /// `dwk` is not compared with the value for the token kind.
    DwkNotChecked = ("dwk-not-checked", Resource, "TOK-002",
        "the dwk claim is not compared with the value expected for the token type"),
    /// JWT header `alg: none` is accepted without a signature.
    JwtAlgNoneAccepted = ("jwt-alg-none-accepted", Resource, "TOK-004",
        "a JWT with header alg none and an empty signature is accepted"),
    /// Expired tokens are accepted.
    TokenExpiryIgnored = ("token-expiry-ignored", Resource, "TOK-005",
        "the token exp claim is not checked"),
    /// `iat` in the future is accepted.
    IatFutureAccepted = ("iat-future-accepted", Resource, "TOK-005",
        "a token whose iat is in the future is accepted"),
    /// The issuer identifier is compared case-insensitively and with trailing slashes
    /// trimmed.
    IssuerLoose = ("issuer-loose", Resource, "TOK-006",
        "token iss is normalised (case, trailing slash) instead of compared exactly"),
    /// `cnf.jwk` is never compared with the signing key: the verifier pins the first key it
    /// saw for an agent and checks later signatures with that.
    NoCnfBinding = ("no-cnf-binding", Resource, "TOK-007",
        "the request signature is checked with the key first seen for the agent, not the token's cnf.jwk"),
    /// A token without `cnf` falls back to the key in the JWKS.
    CnfOptional = ("cnf-optional", Resource, "TOK-008",
        "a token without cnf is accepted, the request signature being checked with the issuer key"),
    /// Metadata `issuer` is not compared with the fetch identity.
    IssuerMismatchAccepted = ("issuer-mismatch-accepted", Resource, "TOK-010",
        "an issuer metadata document naming another issuer is accepted"),
    /// A JWKS with any unusable member is rejected as a whole.
    JwksAllMembersRequired = ("jwks-all-members-required", Resource, "TOK-011",
        "a JWKS is rejected when any member (not just the selected one) is unusable"),
    /// The JWKS is refetched on every unknown `kid`.
    NoRefetchFloor = ("no-refetch-floor", Resource, "TOK-012",
        "the issuer JWKS is refetched on every unknown kid, with no once-per-minute floor"),
    /// A cached JWKS is never refreshed for an unknown `kid`.
    JwksNoRefreshUnknownKid = ("jwks-no-refresh-unknown-kid", Resource, "TOK-013",
        "a token under a kid missing from the cached JWKS is refused without refreshing it, however old the cache"),
    /// A cached key that fails a signature is never refreshed.
    JwksNoRefreshRekeyedKid = ("jwks-no-refresh-rekeyed-kid", Resource, "TOK-013",
        "a token whose signature fails under the cached key for its kid is refused without refreshing the JWKS"),

    // ---- resource behaviour ----
    /// The resource answers a missing credential with `WWW-Authenticate`.
    ChallengeViaWwwAuthenticate = ("challenge-via-www-authenticate", Resource, "RES-025",
        "requirements are sent in WWW-Authenticate instead of AAuth-Requirement"),
    /// The authorization endpoint accepts a bare agent token.
    ResourceTokenWithoutPersonToken = ("resource-token-without-person-token", Resource, "RES-002",
        "the authorization endpoint issues a resource token to an agent token (no person token)"),
    /// The person token's `aud` is not checked.
    PersonTokenAudIgnored = ("person-token-aud-ignored", Resource, "RES-004",
        "a person token issued for another resource is accepted"),
    /// The auth token's `aud` is not checked.
    AuthTokenAudIgnored = ("auth-token-aud-ignored", Resource, "RES-014",
        "an auth token issued for another resource is accepted"),
    /// A person token is accepted where an auth token is required.
    PersonTokenAsAuthToken = ("person-token-as-auth-token", Resource, "RES-006",
        "a person token is served on an operation that requires an auth token"),
    /// Any issuer with valid metadata may mint auth tokens.
    AnyAuthTokenIssuer = ("any-auth-token-issuer", Resource, "RES-015",
        "auth tokens from an issuer the resource never sent a resource token to are accepted"),
    /// `scope` is not enforced.
    ScopeNotEnforced = ("scope-not-enforced", Resource, "RES-016",
        "an auth token without the operation's scope is served"),
    /// The resource token lacks `presented_jti`.
    ResourceTokenMissingPresentedJti = ("resource-token-missing-presented-jti", Resource, "RES-007",
        "issued resource tokens omit presented_jti"),
    /// The resource token `agent_jkt` is the thumbprint of the wrong key.
    ResourceTokenWrongAgentJkt = ("resource-token-wrong-agent-jkt", Resource, "RES-007",
        "issued resource tokens carry agent_jkt computed over the JWK including alg"),
    /// Resource tokens live for an hour.
    ResourceTokenLongLived = ("resource-token-long-lived", Resource, "RES-008",
        "issued resource tokens are valid for an hour instead of at most five minutes"),
    /// The auth-token challenge lacks the `resource-token` parameter.
    ChallengeWithoutResourceToken = ("challenge-without-resource-token", Resource, "RES-012",
        "requirement=auth-token is sent without a resource-token parameter"),
    /// Session tokens work as bearer tokens.
    SessionTokenBearer = ("session-token-bearer", Resource, "RES-017",
        "Authorization: AAuth works without a signature covering authorization"),
    /// Unknown capabilities cause an error.
    UnknownCapabilityRejected = ("unknown-capability-rejected", Resource, "RES-026",
        "an unknown AAuth-Capabilities value makes the resource answer 400"),
    /// The deferred `202` omits `Retry-After`.
    DeferredHeadersMissing = ("deferred-headers-missing", Resource, "RES-019",
        "the deferred 202 answer carries no Retry-After"),
    /// Interaction codes are six symbols long.
    InteractionCodeShort = ("interaction-code-short", Resource, "RES-020",
        "interaction codes are six symbols, below the eight-symbol minimum"),
    /// Pending URLs are served to whoever signs a poll.
    PendingAnyAgent = ("pending-any-agent", Resource, "RES-022",
        "a pending URL answers polls signed by any agent, not only the one that opened it"),
    /// The metadata advertises a wider window than the verifier applies.
    SignatureWindowIgnored = ("signature-window-ignored", Resource, "RES-034",
        "the metadata publishes signature_window 120 while signatures older than 60 s are refused"),
    /// The terminal response is replayed instead of `410`.
    PendingNotGone = ("pending-not-gone", Resource, "RES-022",
        "after the terminal response a pending URL keeps answering it instead of 410"),
    /// A held invocation runs again whenever its auth token is presented.
    DeferredResultReExecuted = ("deferred-result-re-executed", Resource, "RES-013",
        "a held invocation runs again on each presentation of its auth token instead of answering from the stored result"),
    /// A held invocation's result is dropped once handed out.
    DeferredResultForgotten = ("deferred-result-forgotten", Resource, "RES-013",
        "a held invocation's result is dropped once handed out, so presenting its auth token again gets 410"),
    /// Error bodies are plain JSON.
    ErrorBodyPlainJson = ("error-body-plain-json", Resource, "ERR-001",
        "error bodies are application/json with error_description instead of problem+json"),

    // ---- person server ----
    /// The person token endpoint takes any identifier string as `resource`.
    PsResourceNotValidated = ("ps-resource-not-validated", PersonServer, "PS-003",
        "person_token_endpoint accepts a resource that is not a server identifier"),
    /// The person token lives as long as the agent token asks.
    PsPersonTokenUncapped = ("ps-person-token-uncapped", PersonServer, "PS-005",
        "person tokens outlive the presenting agent token"),
    /// The person token carries `scope`.
    PsPersonTokenWithScope = ("ps-person-token-with-scope", PersonServer, "PS-005",
        "person tokens carry a scope claim"),
    /// An unknown `presented_jti` is accepted.
    PsUnknownPresentedJti = ("ps-unknown-presented-jti", PersonServer, "PS-009",
        "a resource token naming a presented_jti the PS never issued is redeemed"),
    /// `agent_jkt` is not compared with the signer.
    PsAgentJktIgnored = ("ps-agent-jkt-ignored", PersonServer, "PS-011",
        "a resource token bound to another agent's key is redeemed"),
    /// Resource-token `aud` is not checked.
    PsResourceTokenAudIgnored = ("ps-resource-token-aud-ignored", PersonServer, "PS-011",
        "a resource token addressed to another PS is redeemed"),
    /// Mission stripping goes unnoticed.
    PsMissionStrippingAccepted = ("ps-mission-stripping-accepted", PersonServer, "PS-012",
        "a resource token that dropped the person token's mission_s256 is redeemed"),
    /// The auth token's scope is what the agent asked for, not what the resource token allows.
    PsScopeBroadened = ("ps-scope-broadened", PersonServer, "PS-017",
        "the issued auth token carries scope beyond the resource token's scope"),
    /// PS/AS requests with a body need not cover content-digest.
    PsBodyDigestNotRequired = ("ps-body-digest-not-required", PersonServer, "SIG-003",
        "a PS request with a body whose signature omits content-digest is accepted"),
    /// Sub-agents may call the PS directly.
    PsSubAgentDirect = ("ps-subagent-direct", PersonServer, "PS-020",
        "a request signed by a sub-agent (agent token with parent_agent) is served"),
    /// A parent may present any sub-agent's token.
    PsSubAgentParentUnchecked = ("ps-subagent-parent-unchecked", PersonServer, "PS-021",
        "a subagent_token whose parent_agent names another agent is honoured"),
    /// Pending responses may be cached by intermediaries.
    PsPendingCacheable = ("ps-pending-cacheable", PersonServer, "DEF-001",
        "202 responses omit Cache-Control: no-store"),
    /// Missing `action` on a pending POST is accepted.
    PsPendingActionOptional = ("ps-pending-action-optional", PersonServer, "PS-027",
        "a POST to a pending URL without a recognised action is accepted"),
    /// Mission existence is disclosed to other agents.
    PsMissionOracle = ("ps-mission-oracle", PersonServer, "PS-033",
        "another agent's mission gets 403 while an unknown one gets 404, disclosing existence"),
    /// A terminated mission keeps working.
    PsTerminatedMissionUsable = ("ps-terminated-mission-usable", PersonServer, "PS-034",
        "person tokens are still issued for a completed mission"),
    /// The three-party auth token ignores the agent token's expiry.
    PsAuthTokenUncapped = ("ps-auth-token-uncapped", PersonServer, "PS-017",
        "three-party auth tokens outlive the presenting agent token"),
    /// A person or auth token is taken as the caller's credential.
    PsCredentialKindUnchecked = ("ps-credential-kind-unchecked", PersonServer, "PS-002",
        "a request presenting a person or auth token instead of an agent token is served"),
    /// `DELETE` on a pending URL answers `204` but the request stays pending.
    PsPendingCancelIgnored = ("ps-pending-cancel-ignored", PersonServer, "PS-028",
        "a cancelled pending request keeps answering polls as pending"),
    /// An audit record without a mission is accepted.
    PsAuditMissionOptional = ("ps-audit-mission-optional", PersonServer, "PS-036",
        "audit records that name no mission are logged with 201"),
    /// Whatever the AS returns is handed to the agent unverified.
    PsAsTokenUnverified = ("ps-as-token-unverified", PersonServer, "PS-016",
        "an auth token from the access server is returned to the agent without verification"),
    /// The upstream token is only decoded: signature, `typ` and lifetime go unchecked.
    PsUpstreamUnverified = ("ps-upstream-unverified", PersonServer, "PS-023",
        "an upstream_token is decoded for its claims without verifying signature, typ or exp"),
    /// The upstream token may be addressed to anyone.
    PsUpstreamAudUnchecked = ("ps-upstream-aud-unchecked", PersonServer, "PS-023",
        "an upstream_token whose aud is not the intermediary's agent-token iss is honoured"),
    /// Any issuer whose keys can be discovered may mint upstream tokens.
    PsUpstreamIssuerUntrusted = ("ps-upstream-issuer-untrusted", PersonServer, "PS-023",
        "an upstream_token from an issuer the PS neither is nor federates with is honoured"),
    /// The person of a chained request is the intermediary's own, whoever the upstream
    /// token names.
    PsUpstreamPersonFallback = ("ps-upstream-person-fallback", PersonServer, "PS-008",
        "with an upstream_token naming a person the PS never issued, it issues for the caller's own person"),
    /// The upstream `sub` is carried into the downstream token.
    PsUpstreamSubCopied = ("ps-upstream-sub-copied", PersonServer, "PS-022",
        "a chained request's token carries the upstream token's sub instead of the downstream directed sub"),
    /// The claims posted to the AS are only the ones it named, without the directed `sub`.
    PsClaimsSubOmitted = ("ps-claims-sub-omitted", PersonServer, "PS-018",
        "claims posted to an access server's Location carry only the requested names, no directed sub"),
    /// A `402` from the AS is handed to the agent as a refusal instead of being settled.
    PsPaymentNotFollowed = ("ps-payment-not-followed", PersonServer, "PS-018",
        "an access server's 402 is relayed to the agent instead of settling and polling Location"),
    /// Only `requirement=claims` 202s are understood; any other 202 ends the federation.
    PsApprovalNotPolled = ("ps-approval-not-polled", PersonServer, "PS-018",
        "an access server's 202 requirement=approval ends the request instead of being polled"),
    /// A `401` from the AS is relayed to the agent as the AS's body, without `Signature-Error`.
    PsAs401Relayed = ("ps-as-401-relayed", PersonServer, "ERR-002",
        "an access server's 401 is relayed to the agent with its body but no Signature-Error"),
    /// `updated_request` swaps in any resource token.
    PsUpdatedRequestUnchecked = ("ps-updated-request-unchecked", PersonServer, "PS-029",
        "an updated_request resource token from another resource replaces the original"),
    /// A mission update is taken as a replacement of the mission.
    PsMissionUpdateSupersedes = ("ps-mission-update-supersedes", PersonServer, "PS-035",
        "an accepted mission update terminates the mission as superseded"),
    /// `action` is optional at the permission endpoint.
    PsPermissionActionOptional = ("ps-permission-action-optional", PersonServer, "PS-037",
        "a permission request without action is granted"),
    /// A relay the PS cannot deliver is reported as terminal.
    PsInteractionRelayTerminal = ("ps-interaction-relay-terminal", PersonServer, "PS-038",
        "a relay with no channel gets 403 user_unreachable instead of 424 interaction_unavailable"),
    /// Revoking a mission leaves its auth tokens live at the resources.
    PsMissionRevocationKeepsTokens = ("ps-mission-revocation-keeps-tokens", PersonServer, "PS-040",
        "revoking a mission does not revoke the auth tokens issued under it"),
    /// Agent-token revocation is looked up by `jti` alone.
    PsRevocationKeyedByJti = ("ps-revocation-keyed-by-jti", PersonServer, "REV-002",
        "revoking one provider's agent token also refuses another provider's token with the same jti"),
    /// The directed `sub` depends on the agent's key.
    PsSubPerKey = ("ps-sub-per-key", PersonServer, "PS-006",
        "the directed sub is derived with the agent key's thumbprint, so it changes when the key rotates"),
    /// One `sub` for the person at every resource.
    PsSubNotPairwise = ("ps-sub-not-pairwise", PersonServer, "PS-006",
        "the person gets the same sub at every resource"),
    /// No look at the resource's metadata before the first person token for it.
    PsResourceMetadataSkipped = ("ps-resource-metadata-skipped", PersonServer, "PS-010",
        "person tokens for a new resource are issued without fetching its metadata"),
    /// No limit on the distinct resources one agent may ask for.
    PsResourceFanoutUnlimited = ("ps-resource-fanout-unlimited", PersonServer, "PS-010",
        "one agent may obtain person tokens for any number of distinct resources"),
    /// The interaction `202` names the URL but forgets the code.
    PsInteractionCodeMissing = ("ps-interaction-code-missing", PersonServer, "DEF-002",
        "a 202 requirement=interaction carries url but no code"),
    /// Deferred `202`s name their `Location` but never say when to poll.
    PsPendingRetryAfterMissing = ("ps-pending-retry-after-missing", PersonServer, "DEF-002",
        "a deferred 202 (approval, interaction) carries Location but no Retry-After"),
    /// An undecided request polls as the OAuth device flow's error instead of `202`.
    PsPollAuthorizationPending = ("ps-poll-authorization-pending", PersonServer, "DEF-004",
        "a poll of a request still waiting for the person gets 400 authorization_pending, not 202"),
    /// Pending URLs are numbered, not random.
    PsPendingIdsSequential = ("ps-pending-ids-sequential", PersonServer, "DEF-003",
        "pending URLs end in a sequence number (req-000001, req-000002...)"),
    /// A denial polls as the OAuth error.
    PsDenialAsOauthError = ("ps-denial-as-oauth-error", PersonServer, "DEF-004",
        "a request the person denied polls as 400 access_denied instead of 403 denied"),
    /// The person-token endpoint trusts the stored mission state and never looks at the clock.
    PsMissionExpiryUnchecked = ("ps-mission-expiry-unchecked", PersonServer, "PS-013",
        "a mission past its expires_at still yields person tokens"),
    /// `interaction.url` in a resource token is taken as it comes.
    PsInteractionUrlUnchecked = ("ps-interaction-url-unchecked", PersonServer, "PS-024",
        "a resource token whose interaction.url is plain http is redeemed"),
    /// No channel to the person ends every request, whatever the agent can do.
    PsUserUnreachableIgnoresCapability = ("ps-user-unreachable-ignores-capability", PersonServer, "PS-025",
        "403 user_unreachable even when the agent declared the interaction capability"),
    /// Interaction is offered to every agent, capable or not.
    PsInteractionWithoutCapability = ("ps-interaction-without-capability", PersonServer, "PS-025",
        "an agent that declared no interaction capability is still sent requirement=interaction"),

    // ---- access server ----
    /// The AS accepts a resource token relayed by a PS other than the one it names.
    AsPsClaimIgnored = ("as-ps-claim-ignored", AccessServer, "AS-003",
        "the resource token's ps claim is not compared with the PS that signed the request"),
    /// The AS does not require `agent_token`.
    AsAgentTokenOptional = ("as-agent-token-optional", AccessServer, "AS-005",
        "a federation request without agent_token is served"),
    /// The AS issues tokens whose lifetime exceeds one hour.
    AsAuthTokenLongLived = ("as-auth-token-long-lived", AccessServer, "AS-007",
        "issued auth tokens are valid for a day"),
    /// `agent_jkt` is not compared with `agent_token.cnf.jwk`.
    AsAgentJktIgnored = ("as-agent-jkt-ignored", AccessServer, "AS-004",
        "a resource token whose agent_jkt names another key than agent_token.cnf.jwk is redeemed"),
    /// The AS takes an agent-signed request as coming from the agent token's `ps`.
    AsAgentCallerAccepted = ("as-agent-caller-accepted", AccessServer, "AS-001",
        "a request signed by an agent is served as if its person server had sent it"),
    /// With a sub-agent, the auth token is bound to the parent's key.
    AsBindsParentKey = ("as-binds-parent-key", AccessServer, "AS-006",
        "with subagent_token the issued auth token's cnf is the parent agent's key"),
    /// A denial polls as the OAuth error.
    AsDenialAsOauthError = ("as-denial-as-oauth-error", AccessServer, "DEF-004",
        "a request the person denied polls as 400 access_denied instead of 403 denied"),
    /// The AS writes its own identifier as the auth token's audience.
    AsAuthTokenAudSelf = ("as-auth-token-aud-self", AccessServer, "AS-007",
        "issued auth tokens name the access server, not the resource, as aud"),
    /// The upstream token is only decoded: signature, `typ` and lifetime go unchecked.
    AsUpstreamUnverified = ("as-upstream-unverified", AccessServer, "AS-010",
        "an upstream_token is decoded without verifying signature, typ or exp"),
    /// The upstream token may be addressed to anyone.
    AsUpstreamAudUnchecked = ("as-upstream-aud-unchecked", AccessServer, "AS-010",
        "an upstream_token whose aud is not the agent_token's iss is honoured"),
    /// Any issuer whose keys can be discovered may mint upstream tokens.
    AsUpstreamIssuerUntrusted = ("as-upstream-issuer-untrusted", AccessServer, "AS-010",
        "an upstream_token from a server that is neither this AS nor a PS it takes requests from is honoured"),
    /// The upstream `sub` is carried into the issued token.
    AsUpstreamSubCopied = ("as-upstream-sub-copied", AccessServer, "AS-010",
        "a chained request's auth token carries the upstream token's sub"),
    /// The claims requirement names its list `claims` instead of `required_claims`.
    AsClaimsListMissing = ("as-claims-list-missing", AccessServer, "AS-008",
        "a 202 requirement=claims body lists the claims under claims, not required_claims"),
    /// The `402` carries the payment challenge but no `Location`.
    AsPaymentNoLocation = ("as-payment-no-location", AccessServer, "AS-009",
        "a 402 payment-required answer carries no Location to poll"),
}

impl Flaw {
    /// Look a flaw up by its stable id.
    pub fn from_id(id: &str) -> Option<Flaw> {
        Flaw::ALL.iter().copied().find(|f| f.id() == id)
    }

    /// The flaws a role can carry.
    pub fn for_role(role: Role) -> impl Iterator<Item = Flaw> {
        Flaw::ALL.iter().copied().filter(move |f| f.role() == role)
    }
}

/// The set of flaws switched on for one reference role instance (usually empty or one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flaws(Vec<Flaw>);

impl Flaws {
    /// No flaws: the correct reference behaviour.
    pub fn none() -> Self {
        Flaws(Vec::new())
    }

    /// Exactly one flaw.
    pub fn one(flaw: Flaw) -> Self {
        Flaws(vec![flaw])
    }

    /// True when `flaw` is switched on.
    pub fn has(&self, flaw: Flaw) -> bool {
        self.0.contains(&flaw)
    }

    /// The flaws switched on.
    pub fn iter(&self) -> impl Iterator<Item = Flaw> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn flaw_ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = HashSet::new();
        for f in Flaw::ALL {
            assert!(seen.insert(f.id()), "duplicate flaw id {}", f.id());
            assert!(
                f.id()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                f.id()
            );
            assert_eq!(Flaw::from_id(f.id()), Some(*f));
            assert!(f.requirement().contains('-'));
        }
        assert!(Flaw::ALL.len() >= 30);
    }
}
