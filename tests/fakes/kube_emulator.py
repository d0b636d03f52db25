"""A Kubernetes API emulator for the operator's tests and benchmark: kmock's, made honest.

kmock 0.8's `KubernetesEmulator` stores objects and streams watch events, but it never
assigns uid/resourceVersion/generation, ignores label selectors, lets a `/status` patch
change the spec, re-sends every object as ADDED on each watch and knows only merge patches.
This subclass keeps kmock's HTTP server, API discovery, request log and `objects` view, and
does the object semantics itself, as kube-apiserver does them:

- uid, resourceVersion (one cluster-wide counter), creationTimestamp, generation (bumped
  when anything but metadata and status changes); status is dropped on create for kinds
  with a status subresource.
- 409 AlreadyExists on create; 409 Conflict when a write carries a stale
  metadata.resourceVersion.
- PATCH types: merge (RFC 7386), strategic merge (treated as merge: lists are replaced),
  JSON patch (add/remove/replace/test), and server-side apply
  (application/apply-patch+yaml, fieldManager required): it creates a missing object and
  removes the fields that the same field manager applied before and no longer applies.
- the status subresource: a write to `/status` changes only `.status`; a write to the main
  resource leaves `.status` alone (for kinds declared with `status`).
- a write that changes nothing is a no-op: no new resourceVersion, no watch event.
- label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) on list and watch.
- watch from a resourceVersion replays only newer events (410 Gone when compacted away);
  a watch without one starts with ADDED for the existing objects; `timeoutSeconds` ends it.
- garbage collection: removing an object removes (at once, cascading) the objects whose
  ownerReferences name its uid; finalizers hold an object with a deletionTimestamp.

What it does not fake (a real API server would): schema/CEL validation and defaulting,
admission, RBAC, field selectors, managedFields and field-manager conflicts (apply always
behaves as with force=true), PUT (replace), strategic-merge list keys, and every
controller: no Deployment ever becomes available unless a test patches its status.

Used by tests/integration/controller and bench/controller.py; run it alone with
`python tests/fakes/kube_emulator.py --port 0` (prints its URL).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime
import json
import random
import string
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp.web
import attrs
import kmock
import yaml
from kmock._internal import enums, references, rendering

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kube_semantics import (
    api_error,
    json_patch,
    json_response,
    labels_of,
    merge_patch,
    normalize,
    parse_selector,
    server_side_apply,
    without,
)

Obj = dict[str, Any]
Key = tuple[references.resource, str | None, str]

# (resource, kind, namespaced, has status subresource)
CORE_RESOURCES: list[tuple[str, str, bool, bool]] = [
    ("v1/namespaces", "Namespace", False, True),
    ("v1/secrets", "Secret", True, False),
    ("v1/configmaps", "ConfigMap", True, False),
    ("v1/services", "Service", True, True),
    ("v1/serviceaccounts", "ServiceAccount", True, False),
    ("v1/events", "Event", True, False),
    ("apps/v1/deployments", "Deployment", True, True),
    ("rbac.authorization.k8s.io/v1/roles", "Role", True, False),
    ("rbac.authorization.k8s.io/v1/rolebindings", "RoleBinding", True, False),
    ("coordination.k8s.io/v1/leases", "Lease", True, False),
]
VERBS = {"get", "list", "watch", "create", "patch", "delete"}
LOG_LIMIT = 200_000  # watch events kept for resumption; older resourceVersions get 410 Gone


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define(kw_only=True)
class KubeEmulator(kmock.KubernetesEmulator):
    """kmock's emulator with kube-apiserver's object semantics (see the module docstring)."""

    keep_history: bool = True  # False keeps only the last two versions (benchmarks)
    _rv: int = attrs.field(default=0, init=False)
    _log: list[tuple[int, references.resource, Obj]] = attrs.field(factory=list, init=False)
    _log_floor: int = attrs.field(default=0, init=False)
    _watchers: list[tuple[references.resource, asyncio.Queue[Obj]]] = attrs.field(
        factory=list, init=False
    )
    _applied: dict[tuple[Key, str, str], Obj] = attrs.field(factory=dict, init=False)
    _faults: list[list[Any]] = attrs.field(factory=list, init=False)
    _declared: set[references.resource] = attrs.field(factory=set, init=False)
    # resource -> namespace -> names of live objects (lists without scanning everything)
    _live: dict[references.resource, dict[str | None, set[str]]] = attrs.field(
        factory=dict, init=False
    )
    _status_kinds: set[references.resource] = attrs.field(factory=set, init=False)
    _cluster_kinds: set[references.resource] = attrs.field(factory=set, init=False)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for key, kind, namespaced, status in CORE_RESOURCES:
            self.declare(key, kind, namespaced=namespaced, status=status)

    def declare(
        self,
        key: str,
        kind: str,
        *,
        namespaced: bool = True,
        status: bool = True,
        shortnames: tuple[str, ...] = (),
    ) -> None:
        """Serve a resource ('group/version/plural'); posting a CRD does not do this."""
        res = references.resource(key)
        self.resources[res] = kmock.ResourceInfo(
            kind=kind,
            singular=kind.lower(),
            namespaced=namespaced,
            verbs=VERBS,
            shortnames=set(shortnames),
            subresources={"status"} if status else set(),
        )
        self._declared.add(res)
        if status:
            self._status_kinds.add(res)
        if not namespaced:
            self._cluster_kinds.add(res)

    async def _render_error(self, exc: Exception) -> aiohttp.web.StreamResponse:
        # kube-apiserver answers errors as a Status with exactly this content type (clients
        # such as lightkube only parse a Status when it matches).
        if not isinstance(exc, kmock.KubernetesError):
            return await super()._render_error(exc)
        status = {
            "apiVersion": "v1",
            "kind": "Status",
            "metadata": {},
            "status": "Failure",
            "code": exc.status,
            "reason": exc.reason or "",
            "message": exc.message or "",
        }
        return aiohttp.web.Response(
            body=json.dumps(status).encode(),
            status=exc.status,
            headers={"Content-Type": "application/json"},
        )

    # -- reading ---------------------------------------------------------------------------

    def get(self, resource: str | references.resource, namespace: str | None, name: str) -> Obj:
        """The current object (a copy), or KeyError."""
        key = (references.resource(resource), namespace, name)
        if key not in self._objects or self._objects[key].deleted:
            raise KeyError(key)
        return copy.deepcopy(self._objects[key].raw)

    def live(self, resource: str | references.resource) -> Iterator[Obj]:
        res = references.resource(resource)
        for (r, _, _), obj in list(self._objects.items()):
            if r == res and not obj.deleted:
                yield copy.deepcopy(obj.raw)

    @property
    def resource_version(self) -> int:
        return self._rv

    # -- writing (also used by tests: the same path as an HTTP request) ----------------------

    async def patch_status(self, resource: str, namespace: str, name: str, status: Obj) -> Obj:
        """What a kubelet or controller would do: merge-patch `/status` of an object."""
        request = rendering.Request(
            method="PATCH",
            action=enums.action.UPDATE,
            resource=references.resource(resource),
            namespace=namespace,
            name=name,
            subresource="status",
            headers={"Content-Type": "application/merge-patch+json"},
            data={"status": status},
        )
        async with self._lock:
            self._mutate(request)
        return self.get(resource, namespace, name)

    def inject_fault(
        self,
        status: int,
        *,
        method: str | None = None,
        plural: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with `status` and change nothing.

        For what a real cluster does under load: a 409 from a concurrent writer, a 500.
        """
        self._faults.append([status, method, plural, name, subresource, times])

    def _fault(self, request: rendering.Request) -> kmock.KubernetesError | None:
        for fault in self._faults:
            status, method, plural, name, sub, times = fault
            if (
                times > 0
                and (method is None or request.method.value == method.upper())
                and (plural is None or (request.resource and request.resource.plural == plural))
                and (name is None or request.name == name)
                and (sub is None or request.subresource == sub)
            ):
                fault[5] -= 1
                return api_error(status, "Injected", f"injected by the test: {status}")
        return None

    async def _handle(self, request: rendering.Request) -> Any:
        fault = self._fault(request)
        if fault is not None:
            raise fault
        res = request.resource
        if res is None or request.action is None or res not in self._declared:
            # Discovery (/api, /apis ...) and undeclared resources: kmock's reactions.
            return await kmock.RawHandler._handle(self, request)
        # Object requests are answered here, not through kmock's reaction matching (which
        # costs ~80 ms a request and made the benchmark measure kmock).
        if request.action == enums.action.WATCH:
            return await self._stream(request)
        if request.action == enums.action.LIST:
            return json_response(await self._serve_list(request))
        async with self._lock:
            if request.action == enums.action.FETCH:
                key = self._key(request)
                if key not in self._objects or self._objects[key].deleted:
                    raise api_error(404, "NotFound", f'{res.plural} "{request.name}" not found')
                return json_response(self._objects[key].raw)
            obj = self._mutate(request)
        return json_response(obj, 201 if request.action == enums.action.CREATE else 200)

    def _key(self, request: rendering.Request) -> Key:
        assert request.resource is not None and request.name is not None
        namespaced = request.resource not in self._cluster_kinds
        return (request.resource, request.namespace if namespaced else None, request.name)

    async def _stream(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        raw = request._raw_request
        assert raw is not None
        await response.prepare(raw)
        try:
            async for event in self._serve_watch(request):
                if event != b"":
                    await response.write(json.dumps(event).encode() + b"\n")
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    def _mutate(self, request: rendering.Request) -> Obj:
        """Apply a create, patch or delete; return the object to answer with."""
        assert request.resource is not None
        res = request.resource
        namespaced = res not in self._cluster_kinds
        data = request.data
        if data is None and request.text:
            data = yaml.safe_load(request.text)
        if request.action == enums.action.CREATE:
            return self._create(res, request.namespace if namespaced else None, data or {})
        key = self._key(request)
        if request.action == enums.action.UPDATE:
            return self._update(key, request, data)
        if key not in self._objects or self._objects[key].deleted:
            raise api_error(404, "NotFound", f'{res.plural} "{request.name}" not found')
        self._delete(key)
        return copy.deepcopy(self._objects[key].last.raw)

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _create(self, res: references.resource, namespace: str | None, data: Obj) -> Obj:
        obj = normalize(res, copy.deepcopy(data))
        meta = obj.setdefault("metadata", {})
        if meta.get("resourceVersion"):
            raise api_error(
                400, "BadRequest", "resourceVersion should not be set on objects to be created"
            )
        name = meta.get("name")
        if not name and meta.get("generateName"):
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
            name = meta["name"] = meta["generateName"] + suffix
        if not name:
            raise api_error(422, "Invalid", "metadata.name: Required value")
        namespace = namespace or meta.get("namespace")
        if res not in self._cluster_kinds:
            namespace = namespace or "default"
            meta["namespace"] = namespace
        key = (res, namespace, name)
        if key in self._objects and not self._objects[key].deleted:
            raise api_error(409, "AlreadyExists", f'{res.plural} "{name}" already exists')
        if res in self._status_kinds:
            obj.pop("status", None)
        meta.pop("deletionTimestamp", None)
        meta.update(
            uid=str(uuid.uuid4()),
            resourceVersion=self._next_rv(),
            creationTimestamp=_now(),
            generation=1,
        )
        if key in self._objects:
            self._objects[key].create(obj)
        else:
            self._objects[key] = obj
        self._live.setdefault(res, {}).setdefault(namespace, set()).add(name)
        self._publish(res, "ADDED", obj)
        return obj

    def _update(self, key: Key, request: rendering.Request, data: Any) -> Obj:
        res, _, name = key
        content_type = str(request.headers.get("Content-Type", "")).split(";")[0].strip()
        apply = content_type == "application/apply-patch+yaml"
        sub = request.subresource or ""
        manager = str(request.params.get("fieldManager", ""))
        if apply and not manager:
            raise api_error(400, "BadRequest", "fieldManager is required for apply patch")
        exists = key in self._objects and not self._objects[key].deleted
        if not exists:
            if apply and not sub:
                created = self._create(res, key[1], data or {})
                self._applied[(key, manager, sub)] = copy.deepcopy(data)
                return created
            raise api_error(404, "NotFound", f'{res.plural} "{name}" not found')
        current = self._objects[key].raw
        wanted_rv = (
            (data.get("metadata") or {}).get("resourceVersion") if isinstance(data, dict) else None
        )
        if wanted_rv and str(wanted_rv) != current["metadata"]["resourceVersion"]:
            raise api_error(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {res.plural} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
            )
        if apply:
            previous = self._applied.get((key, manager, sub))
            patched = server_side_apply(current, previous, data or {})
            self._applied[(key, manager, sub)] = copy.deepcopy(data or {})
        elif content_type == "application/json-patch+json":
            patched = json_patch(current, data or [])
        else:  # merge and strategic-merge (lists replaced)
            patched = merge_patch(current, data or {})
        if sub == "status":
            new = copy.deepcopy(current)
            if patched.get("status") is None:
                new.pop("status", None)
            else:
                new["status"] = patched["status"]
        elif sub:
            raise api_error(404, "NotFound", f"subresource {sub} is not served")
        else:
            new = patched
            if res in self._status_kinds:
                new.pop("status", None)
                if "status" in current:
                    new["status"] = current["status"]
        new = normalize(res, new)
        meta = new.setdefault("metadata", {})
        for field in (
            "uid",
            "name",
            "namespace",
            "creationTimestamp",
            "generation",
            "resourceVersion",
            "deletionTimestamp",
        ):
            if field in current["metadata"]:
                meta[field] = current["metadata"][field]
            else:
                meta.pop(field, None)
        if new == current:
            return current  # a no-op write: same resourceVersion, no event
        if without(new, "metadata", "status") != without(current, "metadata", "status"):
            meta["generation"] = int(current["metadata"].get("generation") or 0) + 1
        meta["resourceVersion"] = self._next_rv()
        self._store(key, new)
        self._publish(res, "MODIFIED", new)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self._remove(key)
        return new

    def _delete(self, key: Key) -> None:
        obj = self._objects[key].raw
        meta = obj["metadata"]
        if meta.get("finalizers"):
            if not meta.get("deletionTimestamp"):
                new = copy.deepcopy(obj)
                new["metadata"]["deletionTimestamp"] = _now()
                new["metadata"]["resourceVersion"] = self._next_rv()
                self._store(key, new)
                self._publish(key[0], "MODIFIED", new)
            return
        self._remove(key)

    def _remove(self, key: Key) -> None:
        obj = copy.deepcopy(self._objects[key].raw)
        obj["metadata"]["resourceVersion"] = self._next_rv()
        self._objects[key].delete()
        self._live.get(key[0], {}).get(key[1], set()).discard(key[2])
        self._trim(key)
        for applied_key in [k for k in self._applied if k[0] == key]:
            del self._applied[applied_key]
        self._publish(key[0], "DELETED", obj)
        self._collect_garbage(obj["metadata"]["uid"])

    def _collect_garbage(self, owner_uid: str) -> None:
        for key, stored in list(self._objects.items()):
            if stored.deleted:
                continue
            refs = stored.raw.get("metadata", {}).get("ownerReferences") or []
            if any(ref.get("uid") == owner_uid for ref in refs) and not stored.deleted:
                self._delete(key)

    def _store(self, key: Key, obj: Obj) -> None:
        self._objects[key].history.append(obj)
        self._trim(key)

    def _trim(self, key: Key) -> None:
        history = self._objects[key].history
        if not self.keep_history and len(history) > 2:
            del history[:-2]

    def _publish(self, res: references.resource, type_: str, obj: Obj) -> None:
        event = {"type": type_, "object": copy.deepcopy(obj)}
        rv = int(obj["metadata"]["resourceVersion"])
        self._log.append((rv, res, event))
        if len(self._log) > LOG_LIMIT:
            drop = len(self._log) - LOG_LIMIT
            self._log_floor = self._log[drop - 1][0]
            del self._log[:drop]
        for watched, queue in self._watchers:
            if watched == res:
                queue.put_nowait(event)

    # -- list and watch ----------------------------------------------------------------------

    def _matches(self, request: rendering.Request, obj: Obj, select: Callable[..., bool]) -> bool:
        namespace = (obj.get("metadata") or {}).get("namespace")
        if request.namespace is not None and namespace != request.namespace:
            return False
        if request.name is not None and obj["metadata"].get("name") != request.name:
            return False
        return bool(select(labels_of(obj)))

    def _live_keys(self, request: rendering.Request) -> list[Key]:
        assert request.resource is not None
        by_ns = self._live.get(request.resource, {})
        namespaces = [request.namespace] if request.namespace is not None else list(by_ns)
        return [(request.resource, ns, n) for ns in namespaces for n in sorted(by_ns.get(ns, ()))]

    async def _serve_list(self, request: rendering.Request) -> rendering.Payload:
        if request.resource not in self._declared:
            raise kmock.KubernetesResourceNotFoundError()
        select = parse_selector(request.params.get("labelSelector"))
        async with self._lock:
            items = [
                copy.deepcopy(self._objects[key].raw)
                for key in self._live_keys(request)
                if self._matches(request, self._objects[key].raw, select)
            ]
            rv = str(self._rv)
        return {
            "apiVersion": "v1",
            "kind": "List",
            "metadata": {"resourceVersion": rv},
            "items": items,
        }

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        yield b""  # start the stream at once (kmock sends headers on the first chunk)
        assert request.resource is not None
        select = parse_selector(request.params.get("labelSelector"))
        since = str(request.params.get("resourceVersion") or "")
        timeout = float(request.params.get("timeoutSeconds") or 0) or None
        queue: asyncio.Queue[Obj] = asyncio.Queue()
        async with self._lock:
            if since in ("", "0"):
                backlog = [
                    {"type": "ADDED", "object": copy.deepcopy(self._objects[key].raw)}
                    for key in self._live_keys(request)
                ]
            elif int(since) < self._log_floor:
                yield {
                    "type": "ERROR",
                    "object": {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "code": 410,
                        "reason": "Expired",
                        "message": f"too old resource version: {since}",
                    },
                }
                return
            else:
                backlog = [
                    ev for rv, res, ev in self._log if rv > int(since) and res == request.resource
                ]
            entry = (request.resource, queue)
            self._watchers.append(entry)
        try:
            for event in backlog:
                if self._matches(request, event["object"], select):
                    yield event
            loop = asyncio.get_running_loop()
            deadline = None if timeout is None else loop.time() + timeout
            while True:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    event = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    return
                if self._matches(request, event["object"], select):
                    yield event
        finally:
            self._watchers.remove(entry)


def declare_kagent_kinds(emulator: KubeEmulator) -> None:
    """Serve Bosun's kinds (what installing the CRDs does on a real cluster)."""
    from bosun.api import KINDS

    for cls in KINDS.values():
        info = cls.info
        emulator.declare(
            f"{info.group}/{info.version}/{info.plural}",
            info.kind,
            shortnames=info.short_names,
        )
    emulator.declare("kagent.dev/v1alpha1/tools", "Tool")  # bosun.api.v1alpha1.Tool


async def _serve(port: int) -> None:
    async with (
        KubeEmulator(keep_history=False) as emulator,
        kmock.Server(emulator, port=port) as server,
    ):
        declare_kagent_kinds(emulator)
        print(json.dumps({"url": str(server.url).rstrip("/")}), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(_serve(parser.parse_args().port))
