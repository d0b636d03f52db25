"""Apply the translator's objects for one owner, and delete the ones it no longer produces.

Server-side apply, in an order that lets pods start cleanly (ServiceAccount and Secrets
before the Deployment). Every object carries the owner's controller reference (the
translator sets it; it is added here if missing), so Kubernetes' garbage collector deletes
it with its owner. Pruning compares with what was applied last for the owner; on the
first reconcile after a start (or after becoming the leader) "last" is the inventory: the
objects found in the cluster with the owner's uid as controller, listed once per kind for
all owners. So a crash between apply and prune heals, and no reconcile lists anything.

An object whose apply would change nothing is not sent (a restart over 1000 Agents
otherwise re-applies 4000 unchanged objects). Each applied object carries the hash of
what Bosun rendered for it (annotation `bosun.dev/applied-hash`), and the watches keep
the live owned objects (`observe`, called by triggers.py; Secrets as hashes of their
values). The apply is skipped when the live object carries the same hash *and* still
has every field Bosun renders with Bosun's value (so an edit made by someone else, even
while the operator was down, is undone by the next apply). The hash covers the case the
comparison cannot see: a field Bosun rendered before and no longer renders, which only
an apply removes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from bosun.controller.kube.client import Conflict
from bosun.controller.kube.context import Controller, ObjKey, key_of
from bosun.controller.kube.index import secret_hashes
from bosun.controller.kube.status import DeploymentState
from bosun.controller.kube.workqueue import Requeue

logger = logging.getLogger(__name__)

Obj = dict[str, Any]

# Kinds the translator may produce for an owner, in apply order.
OWNED_KINDS: list[tuple[str, str]] = [
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("apps/v1", "Deployment"),
]
_ORDER = {kind: i for i, kind in enumerate(OWNED_KINDS)}
MANAGED_BY = {"app.kubernetes.io/managed-by": "bosun"}
APPLIED_HASH = "bosun.dev/applied-hash"


def obj_key(obj: Mapping[str, Any]) -> ObjKey:
    meta = obj.get("metadata") or {}
    return (
        str(obj["apiVersion"]),
        str(obj["kind"]),
        str(meta.get("namespace") or ""),
        str(meta["name"]),
    )


def owner_ref(owner: Mapping[str, Any]) -> Obj:
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def with_owner(obj: Obj, owner: Mapping[str, Any]) -> Obj:
    """`obj` with the owner's controller reference (and the owner's namespace)."""
    uid = owner["metadata"]["uid"]
    meta = dict(obj.get("metadata") or {})
    meta.setdefault("namespace", owner["metadata"]["namespace"])
    refs = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != uid]
    meta["ownerReferences"] = [*refs, owner_ref(owner)]
    return {**obj, "metadata": meta}


def stamped(obj: Obj) -> Obj:
    """`obj` with the hash of its own content in the applied-hash annotation."""
    meta = dict(obj.get("metadata") or {})
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != APPLIED_HASH}
    meta["annotations"] = annotations
    canonical = json.dumps({**obj, "metadata": meta}, sort_keys=True, default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    meta["annotations"] = {**annotations, APPLIED_HASH: digest}
    return {**obj, "metadata": meta}


def _comparable(obj: Mapping[str, Any]) -> Obj:
    """What is compared: no status or managedFields; a Secret's values as hashes."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (out.get("metadata") or {}).items() if k != "managedFields"}
    out["metadata"] = meta
    if out.get("kind") == "Secret" and out.get("apiVersion") == "v1":
        data = dict(secret_hashes(out))
        for key, value in (out.pop("stringData", None) or {}).items():
            data[key] = hashlib.sha256(str(value).encode()).hexdigest()
        out["data"] = data
    return out


def observe(ctl: Controller, body: Mapping[str, Any], gone: bool) -> bool:
    """Keep (or drop, when `gone` or no longer owned) the live copy of an owned object.

    True when the event is the echo of Bosun's own apply (the resourceVersion its answer
    carried): the owner need not be reconciled for it (triggers.py)."""
    key = obj_key(body)
    ours = ctl.applied_rv.pop(key, None)
    if gone:
        ctl.owned.pop(key, None)
        return False
    # compact JSON: a fraction of the memory of the dict, parsed only when compared
    ctl.owned[key] = json.dumps(_comparable(body), separators=(",", ":")).encode()
    rv = str((body.get("metadata") or {}).get("resourceVersion") or "")
    return bool(rv) and rv == ours


def covers(live: Any, desired: Any) -> bool:
    """Whether `live` has every field of `desired` with the same value (lists: item-wise,
    same length; the API server's defaults in `live` do not matter)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(
            k in live and covers(live[k], v) for k, v in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(live) == len(desired)
            and all(covers(a, b) for a, b in zip(live, desired, strict=True))
        )
    return bool(live == desired)


def unchanged(ctl: Controller, obj: Obj) -> bool:
    """Whether applying `obj` (stamped) would change nothing in the live object."""
    raw = ctl.owned.get(obj_key(obj))
    if raw is None:
        return False
    live = json.loads(raw)
    wanted = obj["metadata"]["annotations"][APPLIED_HASH]
    if ((live.get("metadata") or {}).get("annotations") or {}).get(APPLIED_HASH) != wanted:
        return False
    return covers(live, _comparable(obj))


async def apply_owned(
    ctl: Controller, owner: Mapping[str, Any], objects: list[Obj]
) -> dict[ObjKey, Obj]:
    """Apply `objects` for `owner`, then delete its objects that are not among them.

    Returns the API server's answers to the applies sent (not to those skipped)."""
    answers: dict[ObjKey, Obj] = {}
    ordered = sorted(
        (stamped(with_owner(o, owner)) for o in objects),
        key=lambda o: _ORDER.get((o["apiVersion"], o["kind"]), len(_ORDER)),
    )
    for obj in ordered:
        if unchanged(ctl, obj):
            continue
        try:
            answer = await ctl.client.apply(obj)
        except Conflict as exc:
            name = obj["metadata"]["name"]
            raise Requeue(0.5, f"apply conflict on {obj['kind']} {name}") from exc
        answers[obj_key(obj)] = answer
        rv = str((answer.get("metadata") or {}).get("resourceVersion") or "")
        if rv:  # its watch event is not news (observe); a stale entry is dropped by the next
            ctl.applied_rv[obj_key(obj)] = rv
    desired = {obj_key(o) for o in ordered}
    key = key_of(owner)
    previous = ctl.applied.get(key)
    if previous is None:  # first time since start (or leadership): what is in the cluster
        previous = (await inventory(ctl)).pop(owner["metadata"]["uid"], set())
    for stale in sorted(previous - desired, key=lambda k: -_ORDER.get(k[:2], 0)):
        api_version, kind, namespace, name = stale
        logger.info("%s %s/%s: deleting %s %s (no longer produced)", *key, kind, name)
        await ctl.client.delete(api_version, kind, namespace, name)
    ctl.applied[key] = desired
    return answers


def deployment_state(
    ctl: Controller, namespace: str, name: str, answers: Mapping[ObjKey, Obj]
) -> DeploymentState | None:
    """The Deployment as `apply_owned` just got it answered, else as the cache has it: a
    new owner's first status says "0/1 replicas available", not "not found" (the echo of
    its own apply does not reconcile it again, see `observe`)."""
    answer = answers.get(("apps/v1", "Deployment", namespace, name))
    if answer is not None:
        return DeploymentState.from_body(answer)
    return ctl.cache.deployment(namespace, name)


async def inventory(ctl: Controller) -> dict[str, set[ObjKey]]:
    """Objects Bosun owns in the cluster, by owner uid: listed once per kind and leadership.

    One list per kind (by the managed-by label, in the watched namespaces) instead of one
    per owner; each owner then takes its entry on its first reconcile.
    """
    async with ctl.inventory_lock:
        if ctl.inventory is None:
            found: dict[str, set[ObjKey]] = {}
            namespaces = list(ctl.settings.watch_namespaces) or ["*"]
            for api_version, kind in OWNED_KINDS:
                for namespace in namespaces:
                    for obj in await ctl.client.list(api_version, kind, namespace, MANAGED_BY):
                        for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
                            if ref.get("controller") and ref.get("uid"):
                                found.setdefault(str(ref["uid"]), set()).add(obj_key(obj))
            ctl.inventory = found
        return ctl.inventory
