"""Kubernetes ServiceAccount tokens (agent pods calling the control plane), via TokenReview.

An authenticated ServiceAccount is an `agent` user that may act for the user named in the
X-Bosun-User header. Results are cached for a minute by token digest, so an agent persisting
a burst of events costs one TokenReview.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bosun.server.auth.base import User
from bosun.server.errors import Unauthorized


@dataclass(frozen=True)
class Review:
    authenticated: bool
    username: str = ""
    groups: tuple[str, ...] = ()
    error: str = ""


ReviewFn = Callable[[str, list[str] | None], Awaitable[Review]]

SA_PREFIX = "system:serviceaccount:"


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
        )


class ServiceAccountAuthenticator:
    def __init__(
        self,
        review: ReviewFn | None = None,
        *,
        audience: str | None = None,
        ttl: float = 60.0,
    ) -> None:
        self._review = review or LightkubeReview()
        self._audiences = [audience] if audience else None
        self._ttl = ttl
        self._cache: dict[bytes, tuple[float, User | None]] = {}

    async def authenticate(self, token: str) -> User | None:
        key = hashlib.sha256(token.encode()).digest()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        try:
            review = await self._review(token, self._audiences)
        except Exception as exc:  # the API server being down must not look like a bad token
            raise Unauthorized(f"cannot verify the token with the Kubernetes API: {exc}") from exc
        user = None
        if review.authenticated and review.username.startswith(SA_PREFIX):
            user = User(review.username, kind="agent", groups=review.groups, trusted=True)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (time.monotonic() + self._ttl, user)
        return user
