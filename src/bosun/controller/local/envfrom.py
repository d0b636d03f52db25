"""A container's environment, resolved the way the kubelet would, from local Secrets/ConfigMaps.

The translator describes how to run a workload as a Kubernetes container (env with
valueFrom.secretKeyRef / configMapKeyRef / fieldRef, envFrom). The local supervisor runs
the same description as a child process, so it needs the values: this module resolves them
from the data the supervisor mirrors from the store. Problems are returned (not raised),
one clear message each, for the workload's status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# (kind, namespace, name) -> decoded data, or None if there is no such object
DataLookup = Callable[[str, str, str], Mapping[str, str] | None]

_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\$\(")


def resolve_env(
    container: Mapping[str, Any],
    *,
    namespace: str,
    pod_name: str,
    lookup: DataLookup,
) -> tuple[dict[str, str], list[str]]:
    """The container's env as a dict, and the problems that kept a variable from being set."""
    env: dict[str, str] = {}
    problems: list[str] = []
    for source in container.get("envFrom") or []:
        prefix = str(source.get("prefix") or "")
        for ref_key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
            ref = source.get(ref_key)
            if not ref:
                continue
            data = lookup(kind, namespace, str(ref.get("name")))
            if data is None:
                if not ref.get("optional"):
                    problems.append(f"envFrom: {kind} {namespace}/{ref.get('name')} not found")
                continue
            env.update({prefix + k: v for k, v in data.items()})
    for var in container.get("env") or []:
        name = str(var.get("name"))
        if "value" in var or "valueFrom" not in var:
            env[name] = expand(str(var.get("value") or ""), env)
            continue
        value, problem = _value_from(var["valueFrom"], name, namespace, pod_name, lookup)
        if problem:
            problems.append(problem)
        elif value is not None:
            env[name] = value
    return env, problems


def _value_from(
    source: Mapping[str, Any], name: str, namespace: str, pod_name: str, lookup: DataLookup
) -> tuple[str | None, str | None]:
    for ref_key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
        ref = source.get(ref_key)
        if not ref:
            continue
        optional = bool(ref.get("optional"))
        data = lookup(kind, namespace, str(ref.get("name")))
        where = f"env {name}: {kind} {namespace}/{ref.get('name')}"
        if data is None:
            return None, None if optional else f"{where} not found"
        key = str(ref.get("key"))
        if key not in data:
            return None, None if optional else f"{where} has no key {key!r}"
        return data[key], None
    field_ref = source.get("fieldRef")
    if field_ref:
        path = str(field_ref.get("fieldPath"))
        local = {
            "metadata.name": pod_name,
            "metadata.namespace": namespace,
            "status.podIP": "127.0.0.1",
            "status.hostIP": "127.0.0.1",
            "spec.nodeName": "localhost",
            "spec.serviceAccountName": "default",
        }
        if path in local:
            return local[path], None
        return "", None  # labels/annotations etc.: empty locally rather than failing
    if source.get("resourceFieldRef"):
        return "", None
    return None, f"env {name}: unsupported valueFrom {sorted(source)}"


def expand(value: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion against variables defined earlier; $$( escapes."""

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$(":
            return "$("
        var = match.group(1)
        return env[var] if var in env else match.group(0)

    return _REF.sub(sub, value)
