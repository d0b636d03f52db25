"""Who is calling: the `User` every route receives, and the authenticator interface.

An authenticator turns a bearer token into a `User` or raises `Unauthorized` with a reason
the client can act on (expired, wrong audience ...). Agents (pods authenticated by their
ServiceAccount) act for the user whose request they serve: the proxy tells them who that
is in the X-Bosun-User header, and they send it back when they persist sessions and tasks.
Ordinary users cannot act for others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

USER_HEADER = "X-Bosun-User"


@dataclass(frozen=True)
class User:
    """The caller. `id` owns what the caller creates; `scope` limits what it may read and
    change (None: everyone's, for trusted callers: agents not acting for a user, and the
    single user of auth mode none)."""

    id: str
    kind: Literal["user", "agent"] = "user"
    groups: tuple[str, ...] = field(default_factory=tuple)
    admin: bool = False
    trusted: bool = False

    @property
    def scope(self) -> str | None:
        return None if self.trusted else self.id

    def acting_for(self, user_id: str) -> User:
        return User(user_id, kind=self.kind, admin=self.admin and self.kind == "user")


class Authenticator(Protocol):
    async def authenticate(self, token: str) -> User | None:
        """The user of the token; None if the token is not of this kind (try the next);
        raises Unauthorized when it is of this kind and invalid."""
        ...
