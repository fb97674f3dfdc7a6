"""Serves the stand-in issuers of issuers.py on 127.0.0.1 for the smoke test.

  stub_server.py --port P --ca-out FILE

Writes a throwaway self-signed CA to FILE (the launchers insist on
AAUTH_HARNESS_CA naming a real PEM, though the smoke routes are plain http),
then answers `/.well-known/<document>` and `/jwks.json` for whichever
`<name>.harness.test` the Host header names. Each request is logged to
stderr, so the smoke log shows which launcher fetched what.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from issuers import DOCUMENTS, DOMAIN, issuer_jwk, metadata


def write_ca(path: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aauth-conform smoke CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(path, "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        host = (self.headers.get("Host") or "").split(":")[0]
        name = host.removesuffix("." + DOMAIN) if host.endswith("." + DOMAIN) else ""
        body: object | None = None
        if name in DOCUMENTS and self.path == f"/.well-known/{DOCUMENTS[name]}":
            body = metadata(name)
        elif name in DOCUMENTS and self.path == "/jwks.json":
            body = {"keys": [issuer_jwk(name)]}
        data = json.dumps(body).encode() if body is not None else b'{"error":"not_found"}'
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args: object) -> None:
        print(f"stub: Host={self.headers.get('Host')} {fmt % args}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca-out", required=True)
    args = parser.parse_args()
    write_ca(args.ca_out)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"stub: serving {', '.join(DOCUMENTS)} .{DOMAIN} on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
