"""Metadata shared by every generated object: names, labels, owner references.

Called by the object builders (deployment, service, secret, serviceaccount, mcpserver).
"""

from __future__ import annotations

import re
from typing import Any

from bosun.api.base import Resource

MANAGED_BY = "bosun"
CONFIG_HASH_ANNOTATION = "kagent.dev/config-hash"
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

Obj = dict[str, Any]


def labels(name: str, component: str, owner_label: str) -> dict[str, str]:
    """Standard labels of every object generated for one resource.

    `owner_label` is `kagent.dev/agent` or `kagent.dev/mcpserver`, so that
    `kubectl get all -l kagent.dev/agent=NAME` lists what an agent owns.
    """
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        owner_label: name,
    }


def selector(name: str, owner_label: str) -> dict[str, str]:
    """Pod selector: small on purpose, because a Deployment's selector is immutable."""
    return {"app.kubernetes.io/instance": name, owner_label: name}


def owner_reference(owner: Resource[Any, Any]) -> Obj | None:
    """The controller owner reference, or None when the owner has no uid yet.

    Offline (`bosun render`, `bosun validate`) resources have no uid; an API server
    rejects an ownerReference without one, so the reference is left out rather than
    faked. The operator always translates stored objects, which have a uid.
    """
    if not owner.metadata.uid:
        return None
    return {
        "apiVersion": owner.api_version,
        "kind": owner.kind,
        "name": owner.name,
        "uid": owner.metadata.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(
    name: str,
    namespace: str,
    labels_: dict[str, str],
    owner: Obj | None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    meta: Obj = {"name": name, "namespace": namespace, "labels": dict(labels_)}
    if annotations:
        meta["annotations"] = dict(annotations)
    if owner is not None:
        meta["ownerReferences"] = [owner]
    return meta


def is_dns1035_label(name: str) -> bool:
    """Whether `name` may name a Service (letters first, no dots, at most 63 characters)."""
    return len(name) <= 63 and DNS1035_LABEL.match(name) is not None


def env_name(*parts: str) -> str:
    """An environment variable name built from free text: `BOSUN_TOOL0_HEADER_X_API_KEY`."""
    return "_".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_").upper() for p in parts if p)
