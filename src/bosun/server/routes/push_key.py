"""GET /api/agents/{namespace}/{name}/push-key: the key an agent seals its push secrets with.

The agent runtime (`bosun.runtime.push_key`) asks for it when it stores push-notification
configs through the control plane and has no BOSUN_PUSH_KEY: the key is derived from the
control plane's secret key and the agent's ref, so a replaced pod gets the same key and
can open what its predecessor stored (docs/a2a.md, "Secrets at rest"). Only that agent
gets it: the caller is identified as the model gateway identifies agents (a local
per-agent token, or a ServiceAccount token that runs the agent in cluster mode); anyone
else, users and other agents alike, is refused with 403 (401 without an agent credential).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from bosun.api.agent import Agent
from bosun.api.store import NotFound
from bosun.gateway.ports import AgentIdentity
from bosun.gateway.refusals import GatewayError
from bosun.gateway.routes import service_account_of
from bosun.server.context import Ctx
from bosun.server.errors import ERROR_RESPONSES, Forbidden, Unauthorized, Unavailable
from bosun.server.routes.common import NamePath, NamespacePath

router = APIRouter(prefix="/api/agents", tags=["agents"], responses=ERROR_RESPONSES)

INFO = b"bosun push key v1\n"


class PushKey(BaseModel):
    key: str  # a Fernet key (32 bytes, base64url)


def derive(secret_key_file: Path, namespace: str, name: str) -> str:
    """The agent's push key: HMAC-SHA256 of the secret key over INFO + namespace/name."""
    from bosun.server.secretbox import secret_key

    secret = secret_key(secret_key_file)
    digest = hmac.new(secret, INFO + f"{namespace}/{name}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


async def _identity(request: Request) -> AgentIdentity:
    gateway = getattr(request.app.state, "gateway", None)
    if gateway is None:
        raise Unavailable("the control plane is starting; retry")
    try:
        identity: AgentIdentity = await gateway.identify(request)
    except GatewayError as exc:
        if exc.status == 503:  # the API server could not review a ServiceAccount token
            raise Unavailable(str(exc)) from None
        raise Unauthorized(f"an agent's own credential is needed: {exc}") from None
    return identity


@router.get("/{namespace}/{name}/push-key", response_model=PushKey)
async def push_key(
    ctx: Ctx, request: Request, response: Response, namespace: NamespacePath, name: NamePath
) -> PushKey:
    """The push-secret sealing key of this agent, to this agent only."""
    identity = await _identity(request)
    refused = Forbidden(f"only agent {namespace}/{name} gets its push key")
    if identity.namespace != namespace:
        raise refused
    if identity.agent is not None and identity.agent != name:
        raise refused
    if identity.service_account is not None:
        try:
            found = await ctx.store.get("Agent", namespace, name)
            agent = Agent.model_validate(found.body)
        except (NotFound, ValueError):
            raise refused from None
        if identity.service_account != service_account_of(agent):
            raise refused
    if identity.agent is None and identity.service_account is None:
        raise refused
    response.headers["Cache-Control"] = "no-store"
    return PushKey(key=derive(ctx.settings.secret_key_file, namespace, name))
