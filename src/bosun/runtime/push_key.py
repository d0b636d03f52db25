"""The key that seals push-notification secrets, from the control plane.

Used by `bosun.runtime.push.ConfigSealer` when the agent talks to a control plane
(BOSUN_URL) with a credential of its own and BOSUN_PUSH_KEY is not set: the key then
comes from `GET /api/agents/{namespace}/{name}/push-key`, which the control plane
derives from its secret key and answers only to that agent. A replaced pod (fresh
filesystem) gets the same key again, so it can open the configs its predecessor stored.

An unreachable control plane (or a 5xx) is retried a few times, then reported as
`PushKeyError`; the caller tries again later instead of making up another key. A control
plane without the route (404, an older version) is `NotOffered`: the caller uses its key
file as before.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import urllib.parse
from collections.abc import Awaitable, Callable

import httpx

from bosun.runtime.credential import ControlPlaneToken, Unanswered, send_retried

log = logging.getLogger("bosun.runtime.push")

ROUTE = "/api/agents/{namespace}/{name}/push-key"
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
TIMEOUT = 10.0

KeySource = Callable[[], Awaitable[bytes]]


class PushKeyError(RuntimeError):
    """The control plane did not give the key (the message says why)."""


class NotOffered(PushKeyError):
    """The control plane has no push-key route (an older version): 404."""


def _is_fernet_key(key: bytes) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key)) == 32
    except (binascii.Error, ValueError):
        return False


async def fetch(
    base_url: str,
    agent: str,
    credential: ControlPlaneToken,
    *,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> bytes:
    """The agent's push key (a Fernet key), asked of the control plane at `base_url`."""
    namespace, _, name = agent.rpartition("/")
    path = ROUTE.format(
        namespace=urllib.parse.quote(namespace or "default", safe=""),
        name=urllib.parse.quote(name, safe=""),
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, transport=transport) as http:
        try:
            answer = await send_retried(
                lambda: http.get(path, headers=credential.headers()), retry_delays
            )
        except Unanswered as exc:
            raise PushKeyError(
                f"no push key for {agent}: control plane unreachable ({exc})"
            ) from None
    if answer.status_code == 404:
        raise NotOffered(f"the control plane at {base_url} offers no push keys")
    if answer.status_code != 200:
        raise PushKeyError(
            f"the control plane refused the push key of {agent}: HTTP {answer.status_code}"
        )
    try:
        key = str(answer.json()["key"]).encode()
    except (ValueError, KeyError, TypeError):
        key = b""
    if not _is_fernet_key(key):
        raise PushKeyError("the control plane's push key answer is not a Fernet key")
    return key


def control_plane_source(agent: str) -> KeySource | None:
    """Where the sealer gets its key from, when that is the control plane (module
    docstring); None when BOSUN_URL is unset or the agent has no credential for it."""
    base_url = os.environ.get("BOSUN_URL")
    if not base_url:
        return None
    credential = ControlPlaneToken()
    if credential.get() is None:
        log.warning(
            "no credential for the control plane: push secrets are sealed with a key in the "
            "agent's data dir, which a replaced agent will not have (set BOSUN_PUSH_KEY)"
        )
        return None

    async def source() -> bytes:
        return await fetch(base_url, agent, credential)

    return source
