"""Stand-in issuers for the smoke test: deterministic keys, JWTs, and an
HTTP server that plays the harness's hosted issuers.

Every issuer is a `https://<name>.harness.test` identifier whose Ed25519 key
is derived from its name, so the server that publishes the keys and the
signer that uses them agree without sharing state. One server answers for
all of them and picks the issuer by the `Host` header, which is also how the
smoke test checks that a launcher keeps `Host` when it follows a route.

Our own code, for the oracle venv (needs only `cryptography`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DOMAIN = "harness.test"

# Which metadata document each stand-in issuer publishes.
DOCUMENTS = {
    "ap": "aauth-agent.json",
    "ps": "aauth-person.json",
    "as": "aauth-access.json",
    "resource": "aauth-resource.json",
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def identifier(name: str) -> str:
    return f"https://{name}.{DOMAIN}"


def key_for(label: str) -> Ed25519PrivateKey:
    """A fixed key per label: the smoke test needs no key files."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"aauth-smoke:{label}".encode()).digest())


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "alg": "Ed25519"}


def thumbprint(jwk: dict[str, str]) -> str:
    members = {k: jwk[k] for k in ("crv", "kty", "x")}
    return b64url(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())


def issuer_jwk(name: str) -> dict[str, str]:
    jwk = public_jwk(key_for(name))
    return {**jwk, "kid": thumbprint(jwk), "use": "sig"}


def metadata(name: str) -> dict[str, Any]:
    """The metadata document of a stand-in issuer, with the endpoints its role needs."""
    base = identifier(name)
    document: dict[str, Any] = {"issuer": base, "jwks_uri": f"{base}/jwks.json"}
    if name == "ps":
        document["person_token_endpoint"] = f"{base}/person-token"
        document["auth_token_endpoint"] = f"{base}/token"
    if name == "as":
        document["auth_token_endpoint"] = f"{base}/token"
    return document


def mint(name: str, typ: str, claims: dict[str, Any], lifetime: int = 600) -> str:
    """A compact JWS (alg Ed25519) from the stand-in issuer `name`."""
    now = int(time.time())
    header = {"alg": "Ed25519", "typ": typ, "kid": issuer_jwk(name)["kid"]}
    payload = {
        "iss": identifier(name),
        "dwk": DOCUMENTS[name],
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + lifetime,
        **claims,
    }
    signing_input = ".".join(b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = key_for(name).sign(signing_input.encode())
    return f"{signing_input}.{b64url(signature)}"
