"""Sends one AAuth request to a launched peer and prints what came back.

  client.py URL [--method M] [--sign-for HOST] [--token KIND] [--json BODY]

URL is where to connect (http://127.0.0.1:PORT/path); the `Host` header is
always that socket address. `--sign-for` is the `@authority` the signature
covers: the socket address by default, or the peer's identifier host for
peers that verify against their identifier.

--token:
  none       no signature at all
  agent      agent token from https://ap.harness.test, bound to the agent key
  person     person token from https://ps.harness.test (aud = --aud)
  auth       auth token from https://ps.harness.test (aud = --aud, scope = --scope)
  ps-server  sign as https://ps.harness.test under the jwks_uri scheme

--as-token-request AS: the body is a PS-to-AS token request for AS (resource,
agent and person tokens minted by the stand-in issuers) and --token should be
ps-server.

The signature covers "@method" "@authority" "@path" "signature-key", plus
"content-type" "content-digest" when there is a body; `created` only.
Our own code: RFC 9421 base built here, signed with `cryptography`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from issuers import b64url, identifier, issuer_jwk, key_for, mint, public_jwk, thumbprint

AGENT_ID = "aauth:smoke@ap.harness.test"
PERSON_SUB = "smoke-person"


def agent_jwk() -> dict[str, str]:
    return public_jwk(key_for("agent"))


def agent_token(ps: str | None) -> str:
    claims: dict[str, Any] = {"sub": AGENT_ID, "cnf": {"jwk": agent_jwk()}}
    if ps:
        claims["ps"] = ps
    return mint("ap", "aa-agent+jwt", claims, lifetime=3600)


def person_token(aud: str) -> str:
    return mint("ps", "aa-person+jwt", {"aud": aud, "sub": PERSON_SUB, "cnf": {"jwk": agent_jwk()}})


def auth_token(aud: str, scope: str) -> str:
    claims = {"aud": aud, "sub": PERSON_SUB, "scope": scope, "ps": identifier("ps"), "cnf": {"jwk": agent_jwk()}}
    return mint("ps", "aa-auth+jwt", claims)


def as_token_request(access_server: str, scope: str) -> dict[str, str]:
    """The three tokens a PS hands an AS, minted consistently: the resource
    token names the person token it was shown and the agent's key."""
    resource = identifier("resource")
    presented = person_token(resource)
    presented_jti = json.loads(base64.urlsafe_b64decode(presented.split(".")[1] + "=="))["jti"]
    resource_token = mint(
        "resource",
        "aa-resource+jwt",
        {
            "aud": access_server,
            "ps": identifier("ps"),
            "sub": PERSON_SUB,
            "presented_jti": presented_jti,
            "agent_jkt": thumbprint(agent_jwk()),
            "scope": scope,
        },
        lifetime=300,
    )
    return {
        "resource_token": resource_token,
        "agent_token": agent_token(identifier("ps")),
        "presented_token": presented,
    }


def signature_key(kind: str, args: argparse.Namespace) -> tuple[str, Any]:
    """The Signature-Key value and the private key that signs under it."""
    if kind == "ps-server":
        kid = issuer_jwk("ps")["kid"]
        return f'sig=jwks_uri;id="{identifier("ps")}";dwk="aauth-person.json";kid="{kid}"', key_for("ps")
    tokens = {
        "agent": lambda: agent_token(args.ps),
        "person": lambda: person_token(args.aud),
        "auth": lambda: auth_token(args.aud, args.scope),
    }
    return f'sig=jwt;jwt="{tokens[kind]()}"', key_for("agent")


def signed_headers(method: str, authority: str, path: str, headers: dict[str, str], kind: str,
                   args: argparse.Namespace) -> dict[str, str]:
    value, key = signature_key(kind, args)
    headers = {**headers, "Signature-Key": value}
    covered = ["@method", "@authority", "@path", "signature-key"]
    if "Content-Digest" in headers:
        covered += ["content-type", "content-digest"]
    params = "(" + " ".join(f'"{c}"' for c in covered) + f");created={int(time.time())}"
    derived = {"@method": method, "@authority": authority, "@path": path}
    lines = [f'"{c}": {derived[c] if c in derived else headers[_header_name(headers, c)].strip()}' for c in covered]
    lines.append(f'"@signature-params": {params}')
    signature = base64.b64encode(key.sign("\n".join(lines).encode())).decode()
    headers["Signature-Input"] = f"sig={params}"
    headers["Signature"] = f"sig=:{signature}:"
    return headers


def _header_name(headers: dict[str, str], lowercase: str) -> str:
    return next(name for name in headers if name.lower() == lowercase)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--sign-for", help="@authority to sign (default: the socket address)")
    parser.add_argument("--token", default="agent", choices=["none", "agent", "person", "auth", "ps-server"])
    parser.add_argument("--ps", help="ps claim of the agent token")
    parser.add_argument("--aud", default=identifier("resource"), help="aud of a person or auth token")
    parser.add_argument("--scope", default="read")
    parser.add_argument("--json", help="JSON body to send (signed with content-digest)")
    parser.add_argument("--as-token-request", metavar="AS", help="send a PS-to-AS token request for AS")
    parser.add_argument("--expect", type=int, help="exit 1 unless the status is this")
    args = parser.parse_args()

    url = urlsplit(args.url)
    path = url.path or "/"
    body: bytes | None = None
    if args.as_token_request:
        body = json.dumps(as_token_request(args.as_token_request, args.scope)).encode()
    elif args.json is not None:
        body = args.json.encode()
    headers: dict[str, str] = {"Host": url.netloc, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(body))
        headers["Content-Digest"] = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    if args.token != "none":
        headers = signed_headers(args.method, args.sign_for or url.netloc, path, headers, args.token, args)

    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    connection.putrequest(args.method, path + (f"?{url.query}" if url.query else ""), skip_host=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    print(f"  -> {response.status} {response.reason}")
    for name, value in response.getheaders():
        if name.lower() in ("date", "server", "content-length", "connection", "keep-alive"):
            continue
        print(f"     {name}: {value[:160]}{'...' if len(value) > 160 else ''}")
    print(f"     body: {text[:400]}{'...' if len(text) > 400 else ''}")
    if args.expect is not None and response.status != args.expect:
        print(f"  !! expected {args.expect}, got {response.status}")
        sys.exit(1)


if __name__ == "__main__":
    main()
