"""Kubernetes ServiceAccount tokens (agent pods calling the control plane), via TokenReview.

Used by the REST API (auth/__init__.py) and by the model gateway (governance.py), each
asking for the audience it accepts (BOSUN_SERVICE_ACCOUNT_AUDIENCE, BOSUN_GATEWAY_AUDIENCE).
An authenticated ServiceAccount is an `agent` user that may act for the user named in the
X-Bosun-User header.

- Not authenticated by the API server: None (not a token of this kind: Auth tries the
  next authenticator, or answers 401).
- Authenticated, but not a ServiceAccount, or not for the wanted audience: Unauthorized.
  An audience is checked in `status.audiences` as the TokenReview API asks of its clients:
  an authenticator that is not audience-aware answers with none, and would otherwise pass
  a token of any audience (one meant for the API server itself, say).
- The API server unreachable, failing or slow (REVIEW_TIMEOUT): Unavailable (503), never
  cached, so the next request asks again.

Results are cached for a minute by token digest, and concurrent requests with the same
token share one review, so an agent persisting a burst of events costs one TokenReview.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bosun.server.auth.base import User
from bosun.server.errors import Unauthorized, Unavailable


@dataclass(frozen=True)
class Review:
    authenticated: bool
    username: str = ""
    groups: tuple[str, ...] = ()
    error: str = ""
    audiences: tuple[str, ...] = ()  # status.audiences: those the token is valid for


ReviewFn = Callable[[str, list[str] | None], Awaitable[Review]]

SA_PREFIX = "system:serviceaccount:"
REVIEW_TIMEOUT = 10.0
"""Seconds a TokenReview may take before the request is answered 503."""


class LightkubeReview:
    """Asks the Kubernetes API about a token (in-cluster config or kubeconfig by default)."""

    def __init__(self, config: Any = None) -> None:
        self._config = config
        self._client: Any = None

    async def __call__(self, token: str, audiences: list[str] | None) -> Review:
        from lightkube import AsyncClient
        from lightkube.models.authentication_v1 import TokenReviewSpec
        from lightkube.resources.authentication_v1 import TokenReview

        if self._client is None:
            self._client = AsyncClient(config=self._config)
        result = await self._client.create(
            TokenReview(spec=TokenReviewSpec(token=token, audiences=audiences))
        )
        status = result.status
        if status is None:
            return Review(False, error="TokenReview returned no status")
        user = status.user
        return Review(
            bool(status.authenticated),
            username=(user.username or "") if user else "",
            groups=tuple(user.groups or ()) if user else (),
            error=status.error or "",
            audiences=tuple(status.audiences or ()),
        )


def _why(exc: BaseException, timeout: float) -> str:
    """What went wrong asking the API server, in words (never the token: it is in no
    error lightkube or httpx raise)."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    response = getattr(exc, "response", None)  # httpx.HTTPStatusError (lightkube's ApiError)
    code = getattr(response, "status_code", None)
    if isinstance(code, int):
        status = getattr(exc, "status", None)  # ApiError: the API server's Status object
        said = getattr(status, "message", None) or getattr(response, "reason_phrase", "")
        return f"the API server answered {code}" + (f": {said}" if said else "")
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class ServiceAccountAuthenticator:
    def __init__(
        self,
        review: ReviewFn | None = None,
        *,
        audience: str | None = None,
        ttl: float = 60.0,
        timeout: float = REVIEW_TIMEOUT,
    ) -> None:
        self._review = review or LightkubeReview()
        self._audiences = [audience] if audience else None
        self._ttl = ttl
        self._timeout = timeout
        # token digest -> (expiry, the user, or None (not ours), or why it is refused)
        self._cache: dict[bytes, tuple[float, User | str | None]] = {}
        self._pending: dict[bytes, asyncio.Future[User | str | None]] = {}

    async def authenticate(self, token: str) -> User | None:
        key = hashlib.sha256(token.encode()).digest()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            outcome = hit[1]
        else:
            pending = self._pending.get(key)
            if pending is not None:  # the same token is being reviewed: share its answer
                outcome = await asyncio.shield(pending)
            else:
                outcome = await self._reviewed(key, token)
        if isinstance(outcome, str):
            raise Unauthorized(outcome)
        return outcome

    async def _reviewed(self, key: bytes, token: str) -> User | str | None:
        future: asyncio.Future[User | str | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            try:
                async with asyncio.timeout(self._timeout):
                    review = await self._review(token, self._audiences)
            except Exception as exc:  # the API server being down must not look like a bad token
                error = Unavailable(
                    f"cannot verify the token with the Kubernetes API: {_why(exc, self._timeout)}"
                )
                future.set_exception(error)
                raise error from exc
            outcome = self._judge(review)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (time.monotonic() + self._ttl, outcome)
            future.set_result(outcome)
            return outcome
        except BaseException as exc:  # cancelled: whoever waits on it must not hang
            if not future.done():
                future.set_exception(Unavailable(f"the token review was interrupted: {exc!r}"))
            raise
        finally:
            del self._pending[key]
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: no "never retrieved" warning without waiters

    def _judge(self, review: Review) -> User | str | None:
        if not review.authenticated:
            return None
        if not review.username.startswith(SA_PREFIX):
            return f"{review.username or 'the token'} is not a Kubernetes ServiceAccount"
        if self._audiences is not None and not set(self._audiences) & set(review.audiences):
            got = ", ".join(review.audiences) or "none reported"
            return (
                f"the ServiceAccount token is not for audience {self._audiences[0]} "
                f"(the TokenReview says: {got})"
            )
        return User(review.username, kind="agent", groups=review.groups, trusted=True)
