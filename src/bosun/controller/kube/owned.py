"""Apply the translator's objects for one owner, and delete the ones it no longer produces.

Server-side apply, in an order that lets pods start cleanly (ServiceAccount and Secrets
before the Deployment). Every object carries the owner's controller reference (the
translator sets it; it is added here if missing), so Kubernetes' garbage collector deletes
it with its owner. Pruning compares with what was applied last for the owner; on the
first reconcile after a start (or after becoming the leader) "last" is the inventory: the
objects found in the cluster with the owner's uid as controller, listed once per kind for
all owners. So a crash between apply and prune heals, and no reconcile lists anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bosun.controller.kube.client import Conflict
from bosun.controller.kube.context import Controller, ObjKey, key_of
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


async def apply_owned(ctl: Controller, owner: Mapping[str, Any], objects: list[Obj]) -> None:
    """Apply `objects` for `owner`, then delete its objects that are not among them."""
    ordered = sorted(
        (with_owner(o, owner) for o in objects),
        key=lambda o: _ORDER.get((o["apiVersion"], o["kind"]), len(_ORDER)),
    )
    for obj in ordered:
        try:
            await ctl.client.apply(obj)
        except Conflict as exc:
            name = obj["metadata"]["name"]
            raise Requeue(0.5, f"apply conflict on {obj['kind']} {name}") from exc
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
