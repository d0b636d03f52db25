"""The CLI's client of the control plane's REST API (docs/api.md), and `apply` ordering.

Used by `bosun apply/get/describe/delete/logs` (resources.py), `bosun up` (up.py) and
`bosun invoke/chat` (invoke.py). Sync httpx: one short request per command. Errors become
`ApiError` with the server's message and field, or a clear "cannot reach" message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx

DEFAULT_SERVER = "http://127.0.0.1:8083"
SERVER_ENV = "BOSUN_SERVER"
TOKEN_ENV = "BOSUN_TOKEN"

# kind -> names a user may type (kubectl style: plural, singular, short names)
KIND_NAMES: dict[str, tuple[str, ...]] = {
    "Agent": ("agents", "agent"),
    "ModelConfig": ("modelconfigs", "modelconfig", "mc"),
    "RemoteMCPServer": ("remotemcpservers", "remotemcpserver", "rmcps", "rmcp"),
    "MCPServer": ("mcpservers", "mcpserver", "mcps"),
    "AgentTeam": ("agentteams", "agentteam", "teams", "team"),
    "Policy": ("policies", "policy", "bpol"),
    "Tool": ("tools", "tool"),  # kagent.dev/v1alpha1; its CRD has no short name
    "Secret": ("secrets", "secret"),
    "ConfigMap": ("configmaps", "configmap", "cm"),
}
# apply order: what others reference first (the API validates references on apply)
# (an AgentTeam after its member Agents: its status is computed from theirs; Tools before
# the v1alpha1 Agents that name them, so the first reconcile already resolves them)
APPLY_ORDER = (
    "Secret",
    "ConfigMap",
    "ModelConfig",
    "RemoteMCPServer",
    "MCPServer",
    "Tool",
    "Agent",
)


def resolve_kind(text: str) -> str | None:
    lowered = text.lower().split(".", 1)[0]  # agents.kagent.dev
    for kind, names in KIND_NAMES.items():
        if lowered == kind.lower() or lowered in names:
            return kind
    return None


def default_server() -> str:
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


class ApiError(Exception):
    """A request the control plane refused, or could not be sent."""

    def __init__(
        self,
        message: str,
        status: int = 0,
        field: str | None = None,
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
        self.problems = problems or []

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}"


class ControlPlane:
    def __init__(self, server: str | None = None, token: str | None = None) -> None:
        self.server = (server or default_server()).rstrip("/")
        token = token or os.environ.get(TOKEN_ENV)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=self.server, headers=headers, timeout=30.0, trust_env=False
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ControlPlane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise ApiError(
                f"cannot reach the control plane at {self.server}: is `bosun up` running? "
                f"(or pass --server URL / set {SERVER_ENV})"
            ) from None
        except httpx.HTTPError as exc:
            raise ApiError(f"{self.server}{path}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise _error(response)
        return response

    # --- resources ---------------------------------------------------------------------------
    def apply(self, body: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
        """(created?, stored object)."""
        response = self.request("POST", "/api/resources", json=body)
        return response.status_code == 201, dict(response.json())

    def list(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        params = {"namespace": namespace} if namespace else {}
        response = self.request("GET", f"/api/resources/{kind}", params=params)
        return list(response.json().get("items") or [])

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/api/resources/{kind}/{namespace}/{name}").json())

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.request("DELETE", f"/api/resources/{kind}/{namespace}/{name}")

    def stream_logs(
        self, kind: str, namespace: str, name: str, *, follow: bool, tail: int | None
    ) -> Iterator[str]:
        params: dict[str, Any] = {"follow": str(follow).lower()}
        if tail is not None:
            params["tail"] = tail
        path = f"/api/logs/{kind}/{namespace}/{name}"
        try:
            with self.http.stream("GET", path, params=params, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                yield from response.iter_text()
        except httpx.ConnectError:
            raise ApiError(f"cannot reach the control plane at {self.server}") from None


def _error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        problems = [
            f"{p.get('field')}: {p.get('message')}" if p.get("field") else str(p.get("message"))
            for p in body.get("errors") or []
        ]
        return ApiError(str(body["message"]), response.status_code, body.get("field"), problems)
    text = response.text.strip()[:300] or response.reason_phrase
    return ApiError(f"HTTP {response.status_code}: {text}", response.status_code)


def apply_order(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Referenced objects first; Agents after the Agents they use as tools; teams last."""
    rank = {kind: i for i, kind in enumerate(APPLY_ORDER)}
    ordered = sorted(bodies, key=lambda b: rank.get(str(b.get("kind")), len(rank)))
    agents = [b for b in ordered if b.get("kind") == "Agent"]
    teams = [b for b in ordered if b.get("kind") == "AgentTeam"]
    others = [b for b in ordered if b.get("kind") not in ("Agent", "AgentTeam")]
    return others + _agents_in_dependency_order(agents) + teams


def _agents_in_dependency_order(agents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(body: dict[str, Any]) -> tuple[str, str]:
        meta = body.get("metadata") or {}
        return (str(meta.get("namespace") or "default"), str(meta.get("name")))

    by_key = {key(b): b for b in agents}
    done: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def visit(k: tuple[str, str], path: frozenset[tuple[str, str]]) -> None:
        if k in seen or k in path or k not in by_key:
            return  # cycles are the translator's to report
        body = by_key[k]
        tools = ((body.get("spec") or {}).get("declarative") or {}).get("tools") or []
        for tool in tools:
            ref = tool.get("agent") if isinstance(tool, dict) else None
            if isinstance(ref, dict) and ref.get("name"):
                visit((str(ref.get("namespace") or k[0]), str(ref["name"])), path | {k})
        seen.add(k)
        done.append(body)

    for k in by_key:
        visit(k, frozenset())
    return done
