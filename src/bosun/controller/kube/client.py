"""The one module that talks to the Kubernetes API, in plain dicts.

Writes follow what a real kube-apiserver expects: server-side apply with field manager
`bosun` (force: Bosun owns the fields it renders), status through the `/status`
subresource with a resourceVersion precondition, listing by label selector to find owned
objects. API errors become `KubeError` values; 409 is `Conflict`, 404 is `NotFound`, so
callers decide (a reconcile turns Conflict into a quick retry).

The requests go over one pooled aiohttp session (HTTP/1.1 keep-alive), with the URL built
here from `RESOURCES`. lightkube is used for what it is good at, the configuration: the
kubeconfig or in-cluster service account, the TLS context (cluster CA, client
certificates) and the credentials (token, token file, exec plugin, basic), whose httpx
auth flow is run here to get the Authorization header (again after a 401, so rotated
tokens and exec plugins work). Why not lightkube's own client: its pure-Python httpx2 /
httpcore2 / anyio stack cost ~1.0 ms of CPU per request against ~0.26 ms for aiohttp
(bench/controller.py, docs/operator.md), and the operator sends thousands of requests
when many Agents arrive at once.

The watches (watch.py) stream through the same session (`watch`, one event per line).
"""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx2
from lightkube import KubeConfig
from lightkube.config.client_adapter import user_auth, verify_cluster
from lightkube.config.models import Cluster, User

from bosun.api import KINDS
from bosun.controller.kube.settings import ControllerSettings

Obj = dict[str, Any]
Objs = list[Obj]  # (a name: inside KubeClient, `list` is the method)

# (apiVersion, kind) -> (plural, namespaced): everything the operator reads or writes.
RESOURCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("v1", "Secret"): ("secrets", True),
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Service"): ("services", True),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "Event"): ("events", True),  # created and patched only (events.py)
    ("v1", "Pod"): ("pods", True),  # listed only, for init failures (pods.py)
    ("apps/v1", "Deployment"): ("deployments", True),
    ("rbac.authorization.k8s.io/v1", "Role"): ("roles", True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rolebindings", True),
    ("coordination.k8s.io/v1", "Lease"): ("leases", True),
    **{(cls.info.api_version, cls.info.kind): (cls.info.plural, True) for cls in KINDS.values()},
    ("kagent.dev/v1alpha1", "Tool"): ("tools", True),  # v1alpha1 Agents' Tools (tool.py)
}


class KubeError(Exception):
    """A failed API call: HTTP status (0 when the server was not reached), reason, message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}" if status else message)
        self.status = status
        self.reason = reason
        self.message = message


class Conflict(KubeError):
    """409: the object changed since it was read, or already exists."""


class NotFound(KubeError):
    """404."""


def _error(status: int, body: bytes, phrase: str) -> KubeError:
    """The error of a failed response: the API's Status object when it sent one."""
    reason, message = phrase, body.decode(errors="replace")[:500]
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("kind") == "Status":
        reason = str(parsed.get("reason") or phrase)
        message = str(parsed.get("message") or "")
    cls = Conflict if status == 409 else NotFound if status == 404 else KubeError
    return cls(status, reason, message)


def path_of(api_version: str, kind: str, namespace: str | None, name: str | None = None) -> str:
    """The API path of a kind's collection (namespace "*" or None: all), or of one object."""
    try:
        plural, namespaced = RESOURCES[(api_version, kind)]
    except KeyError:
        raise KubeError(0, "UnsupportedKind", f"{api_version} {kind} is not handled") from None
    root = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    if namespaced and namespace and namespace != "*":
        root = f"{root}/namespaces/{quote(namespace, safe='')}"
    path = f"{root}/{plural}"
    return f"{path}/{quote(name, safe='')}" if name is not None else path


def kube_config(settings: ControllerSettings) -> KubeConfig:
    if settings.api_server:
        user = User(token=settings.api_token) if settings.api_token else None
        return KubeConfig.from_one(cluster=Cluster(server=settings.api_server), user=user)
    return KubeConfig.from_env()


class KubeClient:
    """Typed-by-convention access: objects are wire-form dicts with apiVersion and kind."""

    def __init__(self, settings: ControllerSettings) -> None:
        self._field_manager = settings.field_manager
        config = kube_config(settings).get()
        assert config is not None  # from_one / from_env give a current context
        self._base = config.cluster.server.rstrip("/")
        user = config.user or User()
        self._ssl: ssl.SSLContext | None = None
        if self._base.startswith("https:"):
            self._ssl = verify_cluster(config.cluster, user, config.abs_file)
        self._auth = user_auth(user)
        self._authorization: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(total=30.0)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        # Created on first use: a session belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64, ssl=self._ssl or True),
                timeout=self._timeout,
                auto_decompress=True,
            )
        return self._session

    async def _authorize(self, url: str, unauthorized: bool) -> str | None:
        """The Authorization header from lightkube's auth for the user; renewed after a 401."""
        if self._auth is None:
            return None
        if self._authorization is not None and not unauthorized:
            return self._authorization
        flow = self._auth.async_auth_flow(httpx2.Request("GET", url))
        request = await flow.__anext__()
        if unauthorized:
            # A credential that does not renew stops here: the 401 stands.
            with contextlib.suppress(StopAsyncIteration):
                request = await flow.asend(httpx2.Response(401))
        self._authorization = request.headers.get("Authorization")
        return self._authorization

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Obj | None = None,
        content_type: str = "application/json",
    ) -> Obj:
        url = self._base + path
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            authorization = await self._authorize(url, unauthorized=attempt > 0)
            if authorization:
                headers["Authorization"] = authorization
            try:
                async with self._open().request(
                    method, url, params=params, data=data, headers=headers
                ) as response:
                    raw = await response.read()
                    status, phrase = response.status, response.reason or ""
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                raise KubeError(
                    0, type(exc).__name__, f"Kubernetes API not reachable: {exc}"
                ) from exc
            if status == 401 and attempt == 0 and self._auth is not None:
                continue
            if status >= 400:
                raise _error(status, raw, phrase)
            break
        result: Obj = json.loads(raw) if raw else {}
        return result

    async def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str,
        params: Mapping[str, str],
        read_timeout: float,
    ) -> AsyncIterator[Obj]:
        """The events of one watch request (`params` carry resourceVersion, selector and
        timeoutSeconds), one dict per line, until the server ends the stream."""
        url = self._base + path_of(api_version, kind, namespace)
        headers = {"Accept": "application/json"}
        authorization = await self._authorize(url, unauthorized=False)
        if authorization:
            headers["Authorization"] = authorization
        query = {**params, "watch": "true"}
        # No total timeout (the server ends the stream); a silent connection is dropped.
        limit = aiohttp.ClientTimeout(total=None, sock_connect=30.0, sock_read=read_timeout)
        try:
            async with self._open().get(
                url, params=query, headers=headers, timeout=limit
            ) as response:
                if response.status >= 400:
                    if response.status == 401:  # renew the credential for the next watch
                        await self._authorize(url, unauthorized=True)
                    raise _error(response.status, await response.read(), response.reason or "")
                buffer = b""
                async for chunk in response.content.iter_any():
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        if line.strip():
                            yield json.loads(line)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise KubeError(0, type(exc).__name__, f"watch of {kind} failed: {exc}") from exc

    async def apply(self, obj: Obj) -> Obj:
        """Server-side apply (force): create or update the fields Bosun renders."""
        meta = obj["metadata"]
        path = path_of(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])
        params = {"fieldManager": self._field_manager, "force": "true"}
        return await self._request(
            "PATCH", path, params=params, body=obj, content_type="application/apply-patch+yaml"
        )

    async def patch_status(
        self,
        api_version: str,
        kind: str,
        namespace: str,
        name: str,
        status: Mapping[str, Any],
        *,
        resource_version: str | None = None,
    ) -> Obj:
        """Merge-patch `.status` through the status subresource.

        With `resource_version`, the write fails with Conflict if the object changed since
        (so conditions computed from a stale read never overwrite newer ones).
        """
        body: Obj = {"status": dict(status)}
        if resource_version:
            body["metadata"] = {"resourceVersion": resource_version}
        path = path_of(api_version, kind, namespace, name) + "/status"
        return await self._merge(path, body)

    async def patch(
        self, api_version: str, kind: str, namespace: str | None, name: str, patch: Obj
    ) -> Obj:
        """Merge-patch an object (a resourceVersion in `patch` makes it conditional)."""
        return await self._merge(path_of(api_version, kind, namespace, name), patch)

    async def _merge(self, path: str, body: Obj) -> Obj:
        params = {"fieldManager": self._field_manager}
        return await self._request(
            "PATCH", path, params=params, body=body, content_type="application/merge-patch+json"
        )

    async def create(self, obj: Obj) -> Obj:
        path = path_of(obj["apiVersion"], obj["kind"], obj["metadata"].get("namespace"))
        return await self._request(
            "POST", path, params={"fieldManager": self._field_manager}, body=obj
        )

    async def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> Obj | None:
        try:
            return await self._request("GET", path_of(api_version, kind, namespace, name))
        except NotFound:
            return None

    async def list(
        self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]
    ) -> list[Obj]:
        """Objects of a kind in a namespace ("*": all) whose labels match all of `labels`."""
        selector = ",".join(f"{k}={v}" for k, v in labels.items())
        items, _ = await self.list_page(api_version, kind, namespace, selector)
        return items

    async def list_page(
        self, api_version: str, kind: str, namespace: str, selector: str = ""
    ) -> tuple[Objs, str]:
        """All objects matching a label selector, and the list's resourceVersion."""
        path = path_of(api_version, kind, namespace)
        params: dict[str, str] = {"labelSelector": selector} if selector else {}
        items: Objs = []
        while True:
            page = await self._request("GET", path, params=params)
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            if not meta.get("continue"):
                break
            params["continue"] = str(meta["continue"])
        # Items of a list response may omit apiVersion and kind (built-in kinds do).
        for item in items:
            item["apiVersion"], item["kind"] = api_version, kind
        return items, str(meta.get("resourceVersion") or "")

    async def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
        """Delete (background propagation); False if it was already gone."""
        path = path_of(api_version, kind, namespace, name)
        try:
            await self._request("DELETE", path, params={"propagationPolicy": "Background"})
        except NotFound:
            return False
        return True
