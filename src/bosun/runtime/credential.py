"""The agent's credential for the control plane, and the user a turn works for.

Everything the runtime sends to the control plane (BOSUN_URL) carries the agent's own
credential: the session store, files, memories, and calls to other agents through the
A2A proxy. It is BOSUN_TOKEN when set (local mode: the per-agent token the supervisor
mints), else the file BOSUN_TOKEN_FILE (in a cluster: the pod's projected ServiceAccount
token, audience `bosun`, rotated in place by the kubelet, so it is re-read when it
changes). `send_retried` is how each of them retries a call the control plane did not
answer.

`calls_for_user` marks the user of a turn (the A2A caller the control plane named in
X-Bosun-User); the model gateway's client and the sub-agent client send it on, only to
the control plane, so metering, budgets, Policy invokers and session ownership see the
person and not just the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bosun.api import gateway as contract

if TYPE_CHECKING:
    import httpx

USER_HEADER = "x-bosun-user"

_turn_user: ContextVar[str | None] = ContextVar("bosun_turn_user", default=None)


@contextlib.contextmanager
def calls_for_user(user: str | None) -> Iterator[None]:
    """Calls to the control plane made inside (the executor wraps a turn) are for `user`."""
    token = _turn_user.set(user or None)
    try:
        yield
    finally:
        _turn_user.reset(token)


def turn_user() -> str | None:
    return _turn_user.get()


class TokenFile:
    """A token file's stripped content, re-read when it changed. The kubelet rotates a
    projected token by swapping a symlinked directory, which changes the inode even when
    a coarse clock leaves the mtime alone; while the file is briefly missing (mid-swap),
    the last token read is kept."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._seen: tuple[int, int, int] | None = None
        self._cached: str | None = None

    def get(self) -> str | None:
        try:
            stat = self._path.stat()
            seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if seen != self._seen:
                self._cached, self._seen = self._path.read_text().strip() or None, seen
        except OSError:
            pass
        return self._cached


class ControlPlaneToken:
    """The bearer token (BOSUN_TOKEN, else the file BOSUN_TOKEN_FILE)."""

    def __init__(self) -> None:
        self._static = os.environ.get(contract.CONTROLPLANE_TOKEN_ENV) or None
        file = os.environ.get(contract.CONTROLPLANE_TOKEN_FILE_ENV)
        self._file = TokenFile(file) if file else None

    def get(self) -> str | None:
        if self._static or self._file is None:
            return self._static
        return self._file.get()

    def headers(self, user: str | None = None) -> dict[str, str]:
        """Authorization (when there is a token) and X-Bosun-User (when given)."""
        headers: dict[str, str] = {}
        token = self.get()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if user:
            headers[USER_HEADER] = user
        return headers


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def is_control_plane(url: str) -> bool:
    """Whether `url` is on the control plane's origin (BOSUN_URL): the only place the
    agent's credential and its user are sent to."""
    base = os.environ.get("BOSUN_URL")
    return bool(base) and _origin(url) == _origin(base or "")


RETRY_DELAYS = (0.2, 0.5, 1.0)
"""Seconds before each retry of a control-plane call that got no answer (or a 5xx)."""


class Unanswered(Exception):
    """The control plane did not answer below 500 after the retries; says what it did."""


async def send_retried(
    send: Callable[[], Awaitable[httpx.Response]], delays: tuple[float, ...] = RETRY_DELAYS
) -> httpx.Response:
    """`send()` until an answer below 500: a transport error or a 5xx is tried again after
    each of `delays`, then raises Unanswered naming the last problem. What an answer
    below 500 means is the caller's."""
    import httpx

    problem = ""
    for delay in (*delays, None):
        try:
            response = await send()
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code < 500:
                return response
            problem = f"HTTP {response.status_code}"
        if delay is None:
            break
        await asyncio.sleep(delay)
    raise Unanswered(problem)
