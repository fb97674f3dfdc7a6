"""An AAuth resource built on regent-httpsig 0.7.3, for the conformance suite.

Everything protocol-shaped is the library's: `HttpsigVerifier` judges each
request and its FastAPI dependency (`require_signature`) writes the refusals
(`Signature-Error`, `AAuth-Requirement: requirement=agent-token`). This file
only wires it to the harness (routed key fetches, the routed names as the
only insecure hosts) and decides which verified token each path wants.

Paths:
  GET  /.well-known/aauth-resource.json   issuer = --identifier
  GET|POST /api/whoami    any verified AAuth token; echoes who signed
  GET|POST /api/person    a person token whose aud is --identifier
  GET|POST /api/auth      an auth token from a --trusted-ps issuer

`@authority` is taken from the `Host` header, as the library's FastAPI
integration does (`_public_url`): sign for the authority you send in Host.

Run: .install/regent/bin/python regent-resource/serve.py --port P --identifier https://resource.regent.test
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException  # noqa: E402
from regent_httpsig import (  # noqa: E402
    HttpsigConfig,
    HttpsigVerifier,
    VerifiedSignature,
    build_aauth_requirement,
    build_person_token_requirement,
)
from regent_httpsig.fastapi import RequiredSignatureDep, attach  # noqa: E402

from harness_routes import (  # noqa: E402
    checked_identifier,
    launcher_arguments,
    load_from_environment,
    routed_transport,
)

# The `scheme` values regent reports for each AAuth token type.
AGENT_SCHEME, PERSON_SCHEME, AUTH_SCHEME = "aauth", "aauth-person", "aauth-auth"


def identity(sig: VerifiedSignature) -> dict[str, Any]:
    """What the resource learned from a verified request, echoed so the
    harness can check the library attributed it correctly."""
    return {
        "scheme": sig.scheme,
        "issuer": sig.agent,
        "sub": sig.sub,
        "jkt": sig.keyid,
        "trusted": sig.trusted,
        "claims": sig.claims,
    }


def demand(sig: VerifiedSignature, scheme: str, requirement: str) -> None:
    """Refuse a verified request that carries the wrong kind of token with
    the challenge for the kind this path wants (built by the library)."""
    if sig.scheme != scheme:
        raise HTTPException(
            status_code=401,
            headers={"AAuth-Requirement": requirement},
            detail={"error": "wrong_token", "detail": f"this path wants {scheme}, got {sig.scheme}"},
        )


def build_app(identifier: str, verifier: HttpsigVerifier, window: int) -> FastAPI:
    app = FastAPI(title="regent-httpsig resource", openapi_url=None, docs_url=None)
    attach(app, verifier)

    @app.get("/.well-known/aauth-resource.json")
    async def metadata() -> dict[str, Any]:
        return {"issuer": identifier, "name": "regent-httpsig 0.7.3 resource", "signature_window": window}

    @app.api_route("/api/whoami", methods=["GET", "POST"])
    async def whoami(sig: VerifiedSignature = RequiredSignatureDep) -> dict[str, Any]:
        return identity(sig)

    @app.api_route("/api/person", methods=["GET", "POST"])
    async def person(sig: VerifiedSignature = RequiredSignatureDep) -> dict[str, Any]:
        demand(sig, PERSON_SCHEME, build_person_token_requirement())
        return identity(sig)

    @app.api_route("/api/auth", methods=["GET", "POST"])
    async def auth(sig: VerifiedSignature = RequiredSignatureDep) -> dict[str, Any]:
        # regent issues no resource tokens, so this challenge names none.
        demand(sig, AUTH_SCHEME, build_aauth_requirement(reason=None))
        return identity(sig)

    return app


def main() -> None:
    parser = launcher_arguments(__doc__.splitlines()[0])
    parser.add_argument(
        "--agent-provider",
        action="append",
        default=None,
        help="AP marked trusted in the echo (regent verifies tokens from any AP); "
        "default https://ap.harness.test",
    )
    parser.add_argument(
        "--trusted-ps",
        action="append",
        default=None,
        help="PS/AS whose auth tokens are accepted (keys found through its metadata); "
        "default https://ps.harness.test and https://as.harness.test",
    )
    parser.add_argument("--signature-window", type=int, default=60, help="created window, seconds")
    args = parser.parse_args()
    identifier = checked_identifier(parser, args.identifier)
    routes, ca = load_from_environment()

    providers = args.agent_provider or (os.environ.get("AAUTH_HARNESS_TRUSTED", "").split(",") if os.environ.get("AAUTH_HARNESS_TRUSTED") else ["https://ap.harness.test"])
    issuers = args.trusted_ps or ["https://ps.harness.test", "https://as.harness.test"]
    config = HttpsigConfig(
        trusted_agents=frozenset(providers),
        signature_window_seconds=args.signature_window,
        # regent's SSRF guard lets these names resolve to loopback; only the
        # routed names, nothing else.
        insecure_hosts=routes.hosts(),
        resource_url=identifier,
        # "" = find the issuer's JWKS through its metadata document.
        trusted_ps={issuer: "" for issuer in issuers},
    )
    client = httpx.AsyncClient(transport=routed_transport(httpx, routes, ca))
    verifier = HttpsigVerifier(config, http_client=client)
    print(f"regent-resource: {identifier} on 127.0.0.1:{args.port}; routes {routes.describe()}", flush=True)
    uvicorn.run(
        build_app(identifier, verifier, args.signature_window),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
