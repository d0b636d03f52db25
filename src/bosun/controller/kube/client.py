"""The one module that talks to the Kubernetes API (through lightkube), in plain dicts.

Writes follow what a real kube-apiserver expects: server-side apply with field manager
`bosun` (force: Bosun owns the fields it renders), status through the `/status`
subresource with a resourceVersion precondition, listing by label selector to find owned
objects. API errors become `KubeError` values; 409 is `Conflict`, 404 is `NotFound`, so
callers decide (a reconcile turns Conflict into a quick retry).

kopf does the watching; this client does the writing. Both are configured from the same
`ControllerSettings` (`kopf_login` gives kopf the credentials this client uses).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx2
import kopf
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.core import resource as lk_resource
from lightkube.generic_resource import (
    GenericGlobalResource,
    GenericNamespacedResource,
    GenericNamespacedStatus,
    create_api_info,
)
from lightkube.types import PatchType

from bosun.api import KINDS
from bosun.controller.kube.settings import ControllerSettings

logger = logging.getLogger(__name__)

Obj = dict[str, Any]

# (apiVersion, kind) -> (plural, namespaced): everything the operator reads or writes.
RESOURCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("v1", "Secret"): ("secrets", True),
    ("v1", "ConfigMap"): ("configmaps", True),
    ("v1", "Service"): ("services", True),
    ("v1", "ServiceAccount"): ("serviceaccounts", True),
    ("v1", "Namespace"): ("namespaces", False),
    ("v1", "Event"): ("events", True),  # created and patched only (events.py)
    ("apps/v1", "Deployment"): ("deployments", True),
    ("rbac.authorization.k8s.io/v1", "Role"): ("roles", True),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): ("rolebindings", True),
    ("coordination.k8s.io/v1", "Lease"): ("leases", True),
    **{(cls.info.api_version, cls.info.kind): (cls.info.plural, True) for cls in KINDS.values()},
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


def _to_error(exc: Exception) -> KubeError:
    if isinstance(exc, ApiError):
        status = exc.status
        code = int(status.code or 0)
        cls = Conflict if code == 409 else NotFound if code == 404 else KubeError
        return cls(code, str(status.reason or ""), str(status.message or ""))
    if isinstance(exc, httpx2.HTTPStatusError):
        code = exc.response.status_code
        cls = Conflict if code == 409 else NotFound if code == 404 else KubeError
        return cls(code, exc.response.reason_phrase, exc.response.text[:500])
    return KubeError(0, type(exc).__name__, f"Kubernetes API not reachable: {exc}")


_classes: dict[tuple[str, str], type[Any]] = {}


def resource_class(api_version: str, kind: str) -> type[Any]:
    """A lightkube class for the kind that reads and writes plain dicts.

    Built here rather than with lightkube's `create_*_resource` so that nothing is added
    to lightkube's global registry (other code in the process may load the typed models).
    """
    cached = _classes.get((api_version, kind))
    if cached is not None:
        return cached
    try:
        plural, namespaced = RESOURCES[(api_version, kind)]
    except KeyError:
        raise KubeError(0, "UnsupportedKind", f"{api_version} {kind} is not handled") from None
    group, _, version = api_version.rpartition("/")
    info = create_api_info(group, version, kind, plural)
    status_info = lk_resource.ApiInfo(
        resource=info.resource,
        parent=info.resource,
        plural=plural,
        verbs=["get", "patch", "put"],
        action="status",
    )
    status_cls = type(f"{kind}Status", (GenericNamespacedStatus,), {"_api_info": status_info})
    base = GenericNamespacedResource if namespaced else GenericGlobalResource
    cls = type(kind, (base,), {"_api_info": info, "Status": status_cls})
    _classes[(api_version, kind)] = cls
    return cls


def _plain(obj: Any) -> Obj:
    result: Obj = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return result


def kube_config(settings: ControllerSettings) -> KubeConfig:
    if settings.api_server:
        user = User(token=settings.api_token) if settings.api_token else None
        return KubeConfig.from_one(cluster=Cluster(server=settings.api_server), user=user)
    return KubeConfig.from_env()


def kopf_login(ours: ControllerSettings, **kwargs: Any) -> kopf.ConnectionInfo | None:
    """Credentials for kopf's watches: the same API server as the client.

    `kwargs` are kopf's login kwargs (they include kopf's own `settings`).
    """
    if ours.api_server:
        return kopf.ConnectionInfo(server=ours.api_server, token=ours.api_token, scheme="Bearer")
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


class KubeClient:
    """Typed-by-convention access: objects are wire-form dicts with apiVersion and kind."""

    def __init__(self, settings: ControllerSettings) -> None:
        self._field_manager = settings.field_manager
        self._client = AsyncClient(
            kube_config(settings),
            field_manager=settings.field_manager,
            timeout=httpx2.Timeout(30.0),
        )

    async def close(self) -> None:
        await self._client.close()

    async def apply(self, obj: Obj) -> Obj:
        """Server-side apply (force): create or update the fields Bosun renders."""
        cls = resource_class(obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        try:
            result = await self._client.patch(
                cls,
                meta["name"],
                obj,
                namespace=meta.get("namespace"),
                patch_type=PatchType.APPLY,
                field_manager=self._field_manager,
                force=True,
            )
        except (ApiError, httpx2.HTTPError) as exc:
            raise _to_error(exc) from exc
        return _plain(result)

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
        cls = resource_class(api_version, kind)
        body: Obj = {"status": dict(status)}
        if resource_version:
            body["metadata"] = {"resourceVersion": resource_version}
        try:
            result = await self._client.patch(
                cls.Status, name, body, namespace=namespace, patch_type=PatchType.MERGE
            )
        except (ApiError, httpx2.HTTPError) as exc:
            raise _to_error(exc) from exc
        return _plain(result)

    async def patch(
        self, api_version: str, kind: str, namespace: str | None, name: str, patch: Obj
    ) -> Obj:
        """Merge-patch an object (a resourceVersion in `patch` makes it conditional)."""
        cls = resource_class(api_version, kind)
        try:
            result = await self._client.patch(
                cls, name, patch, namespace=namespace, patch_type=PatchType.MERGE
            )
        except (ApiError, httpx2.HTTPError) as exc:
            raise _to_error(exc) from exc
        return _plain(result)

    async def create(self, obj: Obj) -> Obj:
        cls = resource_class(obj["apiVersion"], obj["kind"])
        try:
            result = await self._client.create(cls(obj))
        except (ApiError, httpx2.HTTPError) as exc:
            raise _to_error(exc) from exc
        return _plain(result)

    async def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> Obj | None:
        cls = resource_class(api_version, kind)
        try:
            return _plain(await self._client.get(cls, name, namespace=namespace))
        except (ApiError, httpx2.HTTPError) as exc:
            error = _to_error(exc)
            if isinstance(error, NotFound):
                return None
            raise error from exc

    async def list(
        self, api_version: str, kind: str, namespace: str, labels: Mapping[str, str]
    ) -> list[Obj]:
        """Objects of a kind in a namespace ("*": all) whose labels match all of `labels`."""
        cls = resource_class(api_version, kind)
        try:
            items = [
                _plain(item)
                async for item in self._client.list(cls, namespace=namespace, labels=dict(labels))
            ]
        except (ApiError, httpx2.HTTPError) as exc:
            raise _to_error(exc) from exc
        # Items of a list response may omit apiVersion and kind (built-in kinds do).
        return [{**item, "apiVersion": api_version, "kind": kind} for item in items]

    async def delete(self, api_version: str, kind: str, namespace: str | None, name: str) -> bool:
        """Delete (background propagation); False if it was already gone."""
        cls = resource_class(api_version, kind)
        try:
            await self._client.delete(cls, name, namespace=namespace)
        except (ApiError, httpx2.HTTPError) as exc:
            error = _to_error(exc)
            if isinstance(error, NotFound):
                return False
            raise error from exc
        return True
