"""An AAuth Person Server: introspection-aauth 0.1.0's `PersonServer`, for the
conformance suite.

The protocol is the library's (`person_server_router` on FastAPI, served by
uvicorn, state in its `MemoryStore`). This file wires it to the harness:
issuer metadata and keys are fetched through AAUTH_HARNESS_ROUTES only, and
the approvals a person would decide are decided by the harness through a
small admin API on the same app (or at once, with --auto-approve).

Protocol paths (the library's; also in /.well-known/aauth-person.json):
  POST /mission, /mission/{s256}, /person-token, /token;  GET /pending/{tenant}/{id}
Admin paths (ours, test-only, unsigned):
  GET  /_harness/approvals              approvals raised so far
  POST /_harness/decide                 {"approval_id": ..., "decision": "approved"|"denied"}
  POST /_harness/person                 the suite's person hook (README, "The person hook"):
       {"agent": ..., "policy": "approve"|"deny"|"defer"}   how the person answers every
           approval raised from now on for that agent (--auto-approve covers the others);
       {"pending": <Location URL>, "decision": "approve"|"deny"}   decides one request.
     The library has no notion of an unreachable person and lets nobody set a mission's
     expires_at at approval, so "reachable": false and "mission_lifetime" are refused (422)
     and the suite skips the cases that need them.

`@authority` is the --identifier's host whatever the socket: the library
verifies every request as addressed to its configured identifier.
"""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

import httpx2  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI, HTTPException  # noqa: E402
from introspection_aauth.fastapi import person_server_router  # noqa: E402
from introspection_aauth.person_server import (  # noqa: E402
    Approval,
    ApprovalStatus,
    MemoryStore,
    PersonServer,
)
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
    """The harness's answer to one approval, as a person would give it."""

    approval_id: str
    decision: str
    tenant: str | None = None


class Approvals:
    """Remembers each approval the Person Server raises, so the harness can
    list them and decide them; decides them at once when told to."""

    def __init__(self, auto_approve: bool, default_tenant: str):
        self.auto_approve = auto_approve
        self.default_tenant = default_tenant
        self.seen: dict[str, dict[str, Any]] = {}
        self.server: PersonServer | None = None
        # The person hook's scripts: agent identifier -> "approve" | "deny" | "defer".
        self.scripts: dict[str, str] = {}

    async def raised(self, tenant: str, approval: Approval) -> None:
        self.seen[approval.id] = {
            "approval_id": approval.id,
            "tenant": tenant,
            "kind": approval.kind.value,
            "agent": approval.agent_id,
            "person": approval.person,
            "description": approval.description,
            "resource": approval.resource,
            "decision": None,
        }
        policy = self.scripts.get(approval.agent_id)
        if policy == "approve" or (policy is None and self.auto_approve):
            await self.decide(tenant, approval.id, ApprovalStatus.APPROVED)
        elif policy == "deny":
            await self.decide(tenant, approval.id, ApprovalStatus.DENIED)

    async def decide(self, tenant: str, approval_id: str, status: ApprovalStatus) -> bool:
        if self.server is None:
            return False
        decided = await self.server.decide(tenant, approval_id, status, decided_by=DECIDED_BY)
        if decided is None:
            return False
        if approval_id in self.seen:
            self.seen[approval_id]["decision"] = status.value
        return True


def build_app(ps: PersonServer, approvals: Approvals) -> FastAPI:
    app = FastAPI(title="introspection-aauth Person Server", openapi_url=None, docs_url=None)
    app.include_router(person_server_router(ps))

    @app.get("/_harness/approvals")
    async def list_approvals() -> list[dict[str, Any]]:
        return list(approvals.seen.values())

    @app.post("/_harness/decide")
    async def decide(decision: Decision) -> dict[str, Any]:
        statuses = {"approved": ApprovalStatus.APPROVED, "denied": ApprovalStatus.DENIED}
        status = statuses.get(decision.decision)
        if status is None:
            raise HTTPException(422, "decision is approved or denied")
        known = approvals.seen.get(decision.approval_id, {})
        tenant = decision.tenant or known.get("tenant") or approvals.default_tenant
        if not await approvals.decide(tenant, decision.approval_id, status):
            raise HTTPException(404, "no such approval, or already decided")
        return {"approval_id": decision.approval_id, "decision": status.value}

    @app.post("/_harness/person", status_code=204)
    async def person(message: dict[str, Any]) -> None:
        if "pending" in message:
            if set(message) != {"pending", "decision"} or not isinstance(message["pending"], str):
                raise HTTPException(400, "a decision is {pending, decision}")
            statuses = {"approve": ApprovalStatus.APPROVED, "deny": ApprovalStatus.DENIED}
            status = statuses.get(message["decision"])
            if status is None:
                raise HTTPException(400, "decision is approve or deny")
            path = urlsplit(message["pending"]).path
            _, marker, rest = path.partition("/pending/")
            parts = ps.pending_parts(rest) if marker else None
            if parts is None or not await approvals.decide(parts[0], parts[1], status):
                raise HTTPException(404, "nothing is waiting at that pending URL")
            return None
        allowed = {"agent", "policy", "reachable", "mission_lifetime"}
        if not set(message) <= allowed or not isinstance(message.get("agent"), str):
            raise HTTPException(400, "a script is {agent, policy, reachable?, mission_lifetime?}")
        if message.get("policy") not in ("approve", "deny", "defer"):
            raise HTTPException(400, "policy is approve, deny or defer")
        if message.get("reachable", True) is not True:
            raise HTTPException(422, "this person server has no notion of an unreachable person")
        if "mission_lifetime" in message:
            raise HTTPException(422, "this person server cannot give a mission an expires_at")
        approvals.scripts[message["agent"]] = message["policy"]
        return None

    return app


def main() -> None:
    parser = launcher_arguments(__doc__.splitlines()[0])
    parser.add_argument(
        "--agent-provider",
        action="append",
        default=None,
        help="agent provider whose agent tokens are trusted; default https://ap.harness.test",
    )
    parser.add_argument("--tenant", default="harness", help="tenant used when a request names none")
    parser.add_argument("--auto-approve", action="store_true", help="approve every approval as it is raised")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After on 202 answers, seconds")
    parser.add_argument("--seed", help="hex Ed25519 seed for the signing key (default: fresh key)")
    args = parser.parse_args()
    identifier = checked_identifier(parser, args.identifier)
    routes, ca = load_from_environment()

    key = SigningKey.from_seed(bytes.fromhex(args.seed)) if args.seed else SigningKey.generate()
    approvals = Approvals(args.auto_approve, args.tenant)
    ps = PersonServer(
        identifier,
        key,
        MemoryStore(),
        subject_secret=secrets.token_bytes(32),
        agent_providers=args.agent_provider or (os.environ.get("AAUTH_HARNESS_TRUSTED", "").split(",") if os.environ.get("AAUTH_HARNESS_TRUSTED") else ["https://ap.harness.test"]),
        http=httpx2.AsyncClient(transport=routed_transport(httpx2, routes, ca)),
        default_tenant=args.tenant,
        on_approval=approvals.raised,
        retry_after=args.retry_after,
        name="introspection-aauth 0.1.0 Person Server",
    )
    approvals.server = ps
    print(
        f"introspection-ps: {identifier} on 127.0.0.1:{args.port}; auto-approve={args.auto_approve}; "
        f"routes {routes.describe()}",
        flush=True,
    )
    uvicorn.run(build_app(ps, approvals), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
