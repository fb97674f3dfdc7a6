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
  POST /_harness/person                 the suite's person hook (README, "The person hook"):
       {"agent": ..., "policy": "approve"|"deny"|"defer"}   how the person answers requests
           for that agent from now on (the --policy covers the others): approve is the
           policy's allow, deny and defer wait for approval, and a deny is decided at once;
       {"pending": <Location URL>, "decision": "approve"|"deny"}   decides one request.
     "reachable" and "mission_lifetime" mean nothing to an access server: refused (422).

`@authority` is the --identifier's host whatever the socket, as for the
library's Person Server.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import urlsplit

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


def fixed_policy(kind: str, required_scope: str | None, scripts: dict[str, str]) -> Any:
    """The policy the harness asked for: one verdict for every request, except
    that --require-scope denies a request not asking for that scope, and an
    agent the person hook scripted gets its script (deny and defer both wait
    for the person; `remember` settles a deny at once)."""

    def policy(request: AccessRequest) -> Verdict:
        asked = set((request.scope or "").split())
        if required_scope is not None and required_scope not in asked:
            return Verdict.deny(f"scope {required_scope} is required")
        scripted = scripts.get(request.agent_id or "")
        if scripted == "approve":
            return Verdict.allow()
        if scripted in ("deny", "defer"):
            return Verdict.approval()
        if kind == "deny":
            return Verdict.deny("the harness policy refuses every request")
        if kind == "approval":
            return Verdict.approval()
        return Verdict.allow()

    return policy


def build_app(
    server: AccessServer, waiting: dict[str, dict[str, Any]], scripts: dict[str, str]
) -> FastAPI:
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

    @app.post("/_harness/person", status_code=204)
    async def person(message: dict[str, Any]) -> None:
        if "pending" in message:
            if set(message) != {"pending", "decision"} or not isinstance(message["pending"], str):
                raise HTTPException(400, "a decision is {pending, decision}")
            if message["decision"] not in ("approve", "deny"):
                raise HTTPException(400, "decision is approve or deny")
            pending_id = urlsplit(message["pending"]).path.rstrip("/").rpartition("/")[2]
            try:
                await server.decide(pending_id, message["decision"] == "approve", decided_by=DECIDED_BY)
            except AAuthError:
                raise HTTPException(404, "nothing is waiting at that pending URL") from None
            if pending_id in waiting:
                waiting[pending_id]["decision"] = message["decision"]
            return None
        allowed = {"agent", "policy", "reachable", "mission_lifetime"}
        if not set(message) <= allowed or not isinstance(message.get("agent"), str):
            raise HTTPException(400, "a script is {agent, policy, reachable?, mission_lifetime?}")
        if message.get("policy") not in ("approve", "deny", "defer"):
            raise HTTPException(400, "policy is approve, deny or defer")
        if message.get("reachable", True) is not True or "mission_lifetime" in message:
            raise HTTPException(422, "an access server has no reachability or mission lifetime to script")
        scripts[message["agent"]] = message["policy"]
        return None

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
    scripts: dict[str, str] = {}
    server: AccessServer | None = None

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
        if scripts.get(request.agent_id or "") == "deny" and server is not None:
            await server.decide(pending.id, False, decided_by=DECIDED_BY)
            waiting[pending.id]["decision"] = "deny"

    key = SigningKey.from_seed(bytes.fromhex(args.seed)) if args.seed else SigningKey.generate()
    server = AccessServer(
        identifier,
        key,
        fixed_policy(args.policy, args.require_scope, scripts),
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
    uvicorn.run(build_app(server, waiting, scripts), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
