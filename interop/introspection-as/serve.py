"""An AAuth Access Server: introspection-aauth 0.1.0's `AccessServer`, for the
conformance suite.

The protocol is the library's (`access_server_router` on FastAPI, served by
uvicorn, its in-memory store). This file wires it to the harness: it takes
token requests from the --person-server issuers only, for the --resource
identifiers it decides for, fetches their keys through AAUTH_HARNESS_ROUTES,
and answers with a fixed --policy. A request the policy waits on
(--policy approval) is settled through a small admin API on the same app.

Protocol paths (the library's; also in /.well-known/aauth-access.json):
  POST /token;  GET /pending/{id}
Admin paths (ours, test-only, unsigned):
  GET  /_harness/pending                requests the policy is waiting on
  POST /_harness/decide                 {"pending_id": ..., "decision": "approved"|"denied"}

`@authority` is the --identifier's host whatever the socket, as for the
library's Person Server.
"""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

import httpx2  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException  # noqa: E402
from introspection_aauth.access_server import (  # noqa: E402
    AccessRequest,
    AccessServer,
    MemoryStore,
    PendingAccess,
    Verdict,
)
from introspection_aauth.fastapi import access_server_router  # noqa: E402
from introspection_aauth.protocol.errors import AAuthError  # noqa: E402
from introspection_aauth.protocol.keys import SigningKey  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from harness_routes import (  # noqa: E402
    checked_identifier,
    launcher_arguments,
    load_from_environment,
    routed_transport,
)

DECIDED_BY = "aauth-conform harness"


class Decision(BaseModel):
    """The harness's answer to a request the policy waited on."""

    pending_id: str
    decision: str


def fixed_policy(kind: str, required_scope: str | None) -> Any:
    """The policy the harness asked for: one verdict for every request, except
    that --require-scope denies a request not asking for that scope."""

    def policy(request: AccessRequest) -> Verdict:
        asked = set((request.scope or "").split())
        if required_scope is not None and required_scope not in asked:
            return Verdict.deny(f"scope {required_scope} is required")
        if kind == "deny":
            return Verdict.deny("the harness policy refuses every request")
        if kind == "approval":
            return Verdict.approval()
        return Verdict.allow()

    return policy


def build_app(server: AccessServer, waiting: dict[str, dict[str, Any]]) -> FastAPI:
    app = FastAPI(title="introspection-aauth Access Server", openapi_url=None, docs_url=None)
    app.include_router(access_server_router(server))

    @app.get("/_harness/pending")
    async def list_pending() -> list[dict[str, Any]]:
        return list(waiting.values())

    @app.post("/_harness/decide")
    async def decide(decision: Decision) -> dict[str, Any]:
        if decision.decision not in ("approved", "denied"):
            raise HTTPException(422, "decision is approved or denied")
        try:
            await server.decide(
                decision.pending_id, decision.decision == "approved", decided_by=DECIDED_BY
            )
        except AAuthError as exc:
            raise HTTPException(exc.answer().status, "no such pending request, or already decided") from None
        if decision.pending_id in waiting:
            waiting[decision.pending_id]["decision"] = decision.decision
        return {"pending_id": decision.pending_id, "decision": decision.decision}

    return app


def main() -> None:
    parser = launcher_arguments(__doc__.splitlines()[0])
    parser.add_argument(
        "--resource", action="append", default=None,
        help="resource this AS decides for; default https://resource.harness.test",
    )
    parser.add_argument(
        "--person-server", action="append", default=None,
        help="PS whose token requests are taken; default https://ps.harness.test",
    )
    parser.add_argument(
        "--agent-provider", action="append", default=None,
        help="agent provider whose agent tokens are trusted; default https://ap.harness.test",
    )
    parser.add_argument(
        "--policy", choices=["allow", "deny", "approval"], default="allow",
        help="verdict for every request (approval waits for /_harness/decide)",
    )
    parser.add_argument("--require-scope", help="deny any request whose scope lacks this value")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After on 202 answers, seconds")
    parser.add_argument("--seed", help="hex Ed25519 seed for the signing key (default: fresh key)")
    args = parser.parse_args()
    identifier = checked_identifier(parser, args.identifier)
    routes, ca = load_from_environment()

    waiting: dict[str, dict[str, Any]] = {}

    async def remember(pending: PendingAccess) -> None:
        request = pending.request
        waiting[pending.id] = {
            "pending_id": pending.id,
            "resource": request.resource,
            "ps": request.ps,
            "scope": request.scope,
            "agent": request.agent_id,
            "decision": None,
        }

    key = SigningKey.from_seed(bytes.fromhex(args.seed)) if args.seed else SigningKey.generate()
    server = AccessServer(
        identifier,
        key,
        fixed_policy(args.policy, args.require_scope),
        resources=args.resource or ["https://resource.harness.test"],
        person_servers=args.person_server or ["https://ps.harness.test"],
        agent_providers=args.agent_provider or (os.environ.get("AAUTH_HARNESS_TRUSTED", "").split(",") if os.environ.get("AAUTH_HARNESS_TRUSTED") else ["https://ap.harness.test"]),
        http=httpx2.AsyncClient(transport=routed_transport(httpx2, routes, ca)),
        store=MemoryStore(),
        on_pending=remember,
        retry_after=args.retry_after,
        name="introspection-aauth 0.1.0 Access Server",
    )
    print(
        f"introspection-as: {identifier} on 127.0.0.1:{args.port}; policy={args.policy}; "
        f"routes {routes.describe()}",
        flush=True,
    )
    uvicorn.run(build_app(server, waiting), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
