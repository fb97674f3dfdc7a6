"""How a Python launcher reaches the issuers the harness hosts.

The harness serves its agent providers, person servers and so on as
`https://<name>.harness.test` identifiers, but listens on loopback ports. It
hands a launched target `AAUTH_HARNESS_ROUTES` (comma-separated
`https://name=http://127.0.0.1:PORT` pairs) and `AAUTH_HARNESS_CA` (the PEM
of the CA behind any https listener). This module turns that table into an
httpx transport: a fetch of a routed name goes to its loopback listener with
the original `Host` kept, so one listener may serve several names; a fetch
of anything else fails as a connection error, before any socket is opened.

Written against the httpx API, which both `httpx` (regent-httpsig) and
`httpx2` (introspection-aauth) provide: the caller passes its module in.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import ssl
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

ROUTES_VARIABLE = "AAUTH_HARNESS_ROUTES"
CA_VARIABLE = "AAUTH_HARNESS_CA"


class RouteError(ValueError):
    """The routes table or an identifier is not what the harness contract says."""


@dataclass(frozen=True)
class Listener:
    """Where one routed name is really served: always a loopback address."""

    scheme: str
    host: str
    port: int


def is_identifier(value: str) -> bool:
    """An AAuth server identifier: https, lowercase host, no port, path,
    query, fragment or userinfo. Launchers refuse anything else for their
    own `--identifier`, since the packages under test do too."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and bool(host)
        and parts.netloc == host == host.lower()
        and port is None
        and not (parts.path or parts.query or parts.fragment)
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listener(value: str) -> Listener:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.port is None:
        raise RouteError(f"route target {value!r} is not http(s)://HOST:PORT")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise RouteError(f"route target {value!r} carries a path or query")
    host = parts.hostname or ""
    if not _is_loopback(host):
        raise RouteError(f"route target {value!r} is not a loopback address")
    return Listener(parts.scheme, host, parts.port)


class Routes:
    """The routes table: routed host name to its loopback listener."""

    def __init__(self, table: dict[str, Listener]):
        self._table = table

    @classmethod
    def parse(cls, text: str) -> Routes:
        table: dict[str, Listener] = {}
        for entry in filter(None, (e.strip() for e in text.split(","))):
            name, sep, target = entry.partition("=")
            if not sep:
                raise RouteError(f"route {entry!r} has no '='")
            if not is_identifier(name):
                raise RouteError(f"routed name {name!r} is not an https identifier")
            table[urlsplit(name).hostname or ""] = _listener(target)
        if not table:
            raise RouteError("the routes table is empty")
        return cls(table)

    def hosts(self) -> frozenset[str]:
        """The routed host names: what an SSRF guard may let through."""
        return frozenset(self._table)

    def listener(self, scheme: str, host: str, port: int | None) -> Listener | None:
        """Where an https URL on a routed name goes; None for anything else."""
        if scheme != "https" or port not in (None, 443):
            return None
        return self._table.get(host.lower())

    def describe(self) -> str:
        return ", ".join(
            f"https://{name} -> {t.scheme}://{t.host}:{t.port}"
            for name, t in sorted(self._table.items())
        )


def load_from_environment() -> tuple[Routes, str]:
    """The routes table and CA file, or exit 2 saying what is missing."""
    text = os.environ.get(ROUTES_VARIABLE, "")
    ca = os.environ.get(CA_VARIABLE, "")
    problems = []
    if not text:
        problems.append(f"{ROUTES_VARIABLE} is not set (https://name=http://127.0.0.1:PORT,...)")
    if not ca:
        problems.append(f"{CA_VARIABLE} is not set (path of the harness CA PEM)")
    elif not os.path.isfile(ca):
        problems.append(f"{CA_VARIABLE}={ca} is not a file")
    routes = None
    if text:
        try:
            routes = Routes.parse(text)
        except RouteError as exc:
            problems.append(f"{ROUTES_VARIABLE}: {exc}")
    if problems or routes is None:
        for problem in problems:
            print(f"launcher: {problem}", file=sys.stderr)
        raise SystemExit(2)
    return routes, ca


def routed_transport(httpx: ModuleType, routes: Routes, ca_file: str) -> Any:
    """An `httpx.AsyncBaseTransport` (of the given httpx-like module) that
    sends routed names to their listeners and refuses everything else."""
    context = ssl.create_default_context(cafile=ca_file)

    class RoutedTransport(httpx.AsyncBaseTransport):  # type: ignore[name-defined, misc]
        def __init__(self) -> None:
            self._inner = httpx.AsyncHTTPTransport(verify=context)

        async def handle_async_request(self, request: Any) -> Any:
            url = request.url
            target = routes.listener(url.scheme, url.host, url.port)
            if target is None:
                raise httpx.ConnectError(
                    f"{url} is not in {ROUTES_VARIABLE}; refused", request=request
                )
            authority = url.host
            request.url = url.copy_with(scheme=target.scheme, host=target.host, port=target.port)
            request.headers["Host"] = authority
            # An https listener is checked against the routed name, not 127.0.0.1.
            request.extensions = {**request.extensions, "sni_hostname": authority}
            return await self._inner.handle_async_request(request)

        async def aclose(self) -> None:
            await self._inner.aclose()

    return RoutedTransport()


def launcher_arguments(description: str) -> argparse.ArgumentParser:
    """The flags every launcher shares: `--port` and `--identifier`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True, help="port to listen on, on 127.0.0.1")
    parser.add_argument(
        "--identifier",
        required=True,
        help="this server's AAuth identifier, e.g. https://resource.regent.test",
    )
    return parser


def checked_identifier(parser: argparse.ArgumentParser, value: str) -> str:
    if not is_identifier(value):
        parser.error(f"--identifier {value!r} is not https://lowercase-host (no port, no path)")
    return value
