"""API authorization: roles (viewer, editor per namespace, admin) from users, groups and
ServiceAccounts, and the checks the routes call.

The mapping comes from BOSUN_RBAC (JSON), e.g.

    {"admin":  ["group:platform", "alice"],
     "editor": {"team-a": ["group:team-a"], "team-b": ["bob"]},
     "viewer": ["group:*"]}

`viewer` and `editor` take a list (every namespace) or a mapping namespace -> subjects;
`admin` is a list. A subject is a user id (`alice`, or `user:alice`), `group:NAME`,
`group:*` / `*` (every authenticated user), or a ServiceAccount
`serviceaccount:NAMESPACE:NAME` (`NAME` may be `*`). BOSUN_ADMINS entries are admins too.

What each role may do: viewer reads resources (and invokes agents); editor also creates,
changes and deletes them in its namespaces, except Policies (ADMIN_KINDS: a team that
could edit its namespace's Policy could lift its own budget or allow any model, so only
admins, the platform team, change them; editors and viewers read them); admin does
everything everywhere, sees every user's usage and reads the audit log. Sessions, tasks
and feedback stay private to their user whatever the role. Without BOSUN_RBAC: auth mode
none makes the local user admin; token and oidc make BOSUN_ADMINS admins and every other
authenticated user a viewer, so nothing changes until someone is granted a role. Agents
(ServiceAccounts, and agents acting for a user) are at least viewers, and never editors
unless the mapping names them.

Built once by auth.build_auth; `Auth.current_user` attaches the caller's `Grants`.
Routes call `require_change` (through server/audit.py `authorize_change`) / `require_read`
(403 naming the role and namespace needed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bosun.server.auth.base import Grants, User
from bosun.server.errors import Forbidden

SA_PREFIX = "system:serviceaccount:"
ANY = "*"
ADMIN_KINDS = frozenset({"Policy"})
"""Kinds only admins may create, change or delete, in any namespace (others may read)."""


class RbacError(ValueError):
    """BOSUN_RBAC is not a valid mapping (raised at start, with the path at fault)."""


def _subjects(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise RbacError(f"BOSUN_RBAC.{where}: expected a list of subjects (strings)")
    for subject in value:
        if subject.startswith("serviceaccount:") and subject.count(":") != 2:
            raise RbacError(
                f"BOSUN_RBAC.{where}: {subject!r} must be serviceaccount:NAMESPACE:NAME"
            )
    return frozenset(value)


def _per_namespace(value: Any, where: str) -> dict[str, frozenset[str]]:
    if isinstance(value, list):
        return {ANY: _subjects(value, where)}
    if not isinstance(value, dict):
        raise RbacError(f"BOSUN_RBAC.{where}: expected a list, or a mapping namespace -> list")
    return {str(ns): _subjects(subjects, f"{where}.{ns}") for ns, subjects in value.items()}


def _matches(user: User, subjects: Iterable[str]) -> bool:
    names = {user.id, f"user:{user.id}"} | {f"group:{g}" for g in user.groups}
    if user.id.startswith(SA_PREFIX):
        namespace, _, name = user.id.removeprefix(SA_PREFIX).partition(":")
        names |= {f"serviceaccount:{namespace}:{name}", f"serviceaccount:{namespace}:*"}
    for subject in subjects:
        if subject in names or subject == ANY:
            return True
        if subject == "group:*" and user.kind == "user":
            return True
    return False


@dataclass(frozen=True)
class Rbac:
    """The role mapping; `configured` is False when BOSUN_RBAC is not set (defaults apply)."""

    admins: frozenset[str] = frozenset()
    editors: Mapping[str, frozenset[str]] = field(default_factory=dict)
    viewers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    configured: bool = False
    everyone_admin: bool = False  # auth mode none

    @classmethod
    def parse(cls, raw: str | Mapping[str, Any] | None, *, admins: Iterable[str] = ()) -> Rbac:
        extra = frozenset(admins)
        if raw is None or raw == "" or raw == {}:
            return cls(admins=extra)
        data: Any = raw
        if isinstance(raw, str):
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise RbacError(f"BOSUN_RBAC is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise RbacError("BOSUN_RBAC: expected an object with admin, editor, viewer")
        unknown = set(data) - {"admin", "editor", "viewer"}
        if unknown:
            raise RbacError(f"BOSUN_RBAC: unknown role(s) {sorted(unknown)}; roles: admin, "
                            "editor, viewer")  # fmt: skip
        return cls(
            admins=extra | _subjects(data.get("admin", []), "admin"),
            editors=_per_namespace(data.get("editor", []), "editor"),
            viewers=_per_namespace(data.get("viewer", []), "viewer"),
            configured=True,
        )

    def grants(self, user: User) -> Grants:
        """What `user` may do. Agents acting for someone get read access only."""
        if self.everyone_admin:
            return Grants(admin=True)
        acting = user.kind == "agent" and not user.trusted  # an agent speaking for a user
        if not acting and (_matches(user, self.admins) or user.admin):
            return Grants(admin=True)
        edit: set[str] = set()
        view: set[str] = set()
        if not acting:
            edit = {ns for ns, subjects in self.editors.items() if _matches(user, subjects)}
        view = {ns for ns, subjects in self.viewers.items() if _matches(user, subjects)}
        if not self.configured or user.kind == "agent":
            view.add(ANY)  # the safe default: everyone reads, nobody but admins writes
        return Grants(edit=frozenset(edit), view=frozenset(view | edit))


def _who(user: User) -> str:
    roles = ", ".join(user.grants.roles()) or "no role"
    return f"{user.id} ({roles})"


def require_write(user: User, namespace: str, what: str) -> None:
    """Raise 403 unless `user` may change `what` in `namespace` ('' = cluster-scoped)."""
    if user.grants.can_write(namespace):
        return
    if not namespace:
        raise Forbidden(f"{_who(user)} may not change {what}: that needs the admin role")
    raise Forbidden(
        f"{_who(user)} may not change {what}: that needs the editor role in namespace "
        f"{namespace!r} (or admin)",
        "metadata.namespace",
    )


def require_change(user: User, kind: str, namespace: str, what: str) -> None:
    """Raise 403 unless `user` may change `what`, an object of `kind` in `namespace`:
    ADMIN_KINDS need the admin role, the others `require_write`'s."""
    if kind in ADMIN_KINDS and not user.grants.admin:
        raise Forbidden(
            f"{_who(user)} may not change {what}: {kind} objects are the platform team's, "
            "that needs the admin role"
        )
    require_write(user, namespace, what)


def require_read(user: User, namespace: str | None, what: str) -> None:
    """Raise 403 unless `user` may read `what` in `namespace` (None: every namespace)."""
    if user.grants.can_read(namespace):
        return
    where = f"in namespace {namespace!r}" if namespace else "in every namespace"
    raise Forbidden(f"{_who(user)} may not read {what}: that needs the viewer role {where}")


def require_admin(user: User, what: str) -> None:
    if not user.grants.admin:
        raise Forbidden(f"{_who(user)} may not read {what}: that needs the admin role")


def readable(user: User, namespaces: Iterable[str]) -> list[str]:
    return [ns for ns in namespaces if user.grants.can_read(ns)]
