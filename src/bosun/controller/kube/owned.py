"""Apply the translator's objects for one owner, and delete the ones it no longer produces.

Server-side apply, in an order that lets pods start cleanly (ServiceAccount and Secrets
before the Deployment). Every object must carry the owner's controller reference (the
translator sets it; it is added here if missing), so Kubernetes' garbage collector deletes
it with its owner. Pruning lists each owned kind by the owner's labels and deletes what
has our owner reference and is no longer produced; it runs on the first reconcile after a
start and whenever the produced set changes (so a crash between apply and prune heals).
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


def _owned_by(obj: Mapping[str, Any], uid: str) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(r.get("uid") == uid for r in refs)


async def apply_owned(
    ctl: Controller, owner: Mapping[str, Any], objects: list[Obj], labels: Mapping[str, str]
) -> None:
    """Apply `objects` for `owner`, then prune its objects (found by `labels`) not among them."""
    ordered = sorted(
        (with_owner(o, owner) for o in objects),
        key=lambda o: _ORDER.get((o["apiVersion"], o["kind"]), len(_ORDER)),
    )
    for obj in ordered:
        try:
            await ctl.client.apply(obj)
        except Conflict as exc:
            raise Requeue(
                0.5, f"apply conflict on {obj['kind']} {obj['metadata']['name']}"
            ) from exc
    desired = {obj_key(o) for o in ordered}
    key = key_of(owner)
    if ctl.applied.get(key) == desired:
        return
    await prune(ctl, owner, desired, labels)
    ctl.applied[key] = desired


async def prune(
    ctl: Controller, owner: Mapping[str, Any], keep: set[ObjKey], labels: Mapping[str, str]
) -> None:
    namespace = owner["metadata"]["namespace"]
    uid = owner["metadata"]["uid"]
    kinds = set(OWNED_KINDS) | {(k[0], k[1]) for k in keep}
    for api_version, kind in sorted(kinds, key=lambda k: _ORDER.get(k, len(_ORDER))):
        for obj in await ctl.client.list(api_version, kind, namespace, labels):
            if not _owned_by(obj, uid) or obj_key(obj) in keep:
                continue
            meta = obj["metadata"]
            logger.info(
                "%s %s/%s: deleting %s %s (no longer produced)",
                owner["kind"],
                namespace,
                owner["metadata"]["name"],
                kind,
                meta["name"],
            )
            await ctl.client.delete(api_version, kind, namespace, meta["name"])
