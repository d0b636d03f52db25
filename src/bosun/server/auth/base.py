"""Who is calling: the `User` every route receives, and the authenticator interface.

An authenticator turns a bearer token into a `User` or raises `Unauthorized` with a reason
the client can act on (expired, wrong audience ...). Agents (pods authenticated by their
ServiceAccount) act for the user whose request they serve: the proxy tells them who that
is in the X-Bosun-User header, and they send it back when they persist sessions and tasks.
Ordinary users cannot act for others.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

USER_HEADER = "X-Bosun-User"
ALL_NAMESPACES = "*"


@dataclass(frozen=True)
class Grants:
    """What a caller may do with resources (set by rbac.py): `view`/`edit` are namespaces,
    `*` meaning all of them; admin may do everything. The default grants nothing."""

    admin: bool = False
    edit: frozenset[str] = frozenset()
    view: frozenset[str] = frozenset()

    def can_write(self, namespace: str) -> bool:
        if self.admin:
            return True
        return bool(namespace) and (namespace in self.edit or ALL_NAMESPACES in self.edit)

    def can_read(self, namespace: str | None) -> bool:
        if self.admin or ALL_NAMESPACES in self.view:
            return True
        return namespace is not None and namespace in self.view

    def roles(self) -> list[str]:
        """As /api/me shows them: `admin`, `editor:team-a`, `viewer:*` ..."""
        if self.admin:
            return ["admin"]
        out = [f"editor:{ns}" for ns in sorted(self.edit)]
        out += [f"viewer:{ns}" for ns in sorted(self.view - self.edit)]
        return out


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
    grants: Grants = field(default_factory=Grants, compare=False)

    @property
    def scope(self) -> str | None:
        return None if self.trusted else self.id

    def acting_for(self, user_id: str) -> User:
        return User(user_id, kind=self.kind, admin=self.admin and self.kind == "user")

    def with_grants(self, grants: Grants) -> User:
        return replace(self, grants=grants, admin=self.admin or grants.admin)


class Authenticator(Protocol):
    async def authenticate(self, token: str) -> User | None:
        """The user of the token; None if the token is not of this kind (try the next);
        raises Unauthorized when it is of this kind and invalid."""
        ...
