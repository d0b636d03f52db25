"""Text the Kubernetes tools return: kubectl-like tables, YAML, ages, events, length caps.

Pure functions over plain dicts, used by the k8s_* tool modules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

MAX_OUTPUT_CHARS = 60_000


def to_yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)


def age(timestamp: Any) -> str:
    if not timestamp:
        return "?"
    try:
        when = (
            timestamp
            if isinstance(timestamp, datetime)
            else datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
        )
    except ValueError:
        return "?"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _columns(kind: str, obj: dict[str, Any], wide: bool) -> dict[str, str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Pod":
        containers = status.get("containerStatuses") or []
        ready = sum(1 for c in containers if c.get("ready"))
        total = len(containers) or len(spec.get("containers") or [])
        columns = {
            "READY": f"{ready}/{total}",
            "STATUS": _pod_status(status),
            "RESTARTS": str(sum(int(c.get("restartCount") or 0) for c in containers)),
        }
        if wide:
            columns |= {"IP": str(status.get("podIP") or ""), "NODE": str(spec.get("nodeName", ""))}
        return columns
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        columns = {
            "READY": f"{status.get('readyReplicas') or 0}/{spec.get('replicas', 1)}",
            "UP-TO-DATE": str(status.get("updatedReplicas") or 0),
            "AVAILABLE": str(status.get("availableReplicas") or 0),
        }
        if wide:
            containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
            columns["IMAGES"] = ",".join(str(c.get("image", "")) for c in containers)
        return columns
    if kind == "Service":
        ports = ",".join(
            f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or []
        )
        columns = {
            "TYPE": spec.get("type", "ClusterIP"),
            "CLUSTER-IP": spec.get("clusterIP", ""),
            "PORTS": ports,
        }
        if wide:
            columns["SELECTOR"] = ",".join(
                f"{k}={v}" for k, v in (spec.get("selector") or {}).items()
            )
        return columns
    if kind == "Node":
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        return {"STATUS": "Ready" if conditions.get("Ready") == "True" else "NotReady"}
    if kind == "Event":
        involved = obj.get("involvedObject") or {}
        return {
            "TYPE": str(obj.get("type", "")),
            "REASON": str(obj.get("reason", "")),
            "OBJECT": f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
            "MESSAGE": str(obj.get("message", "")).replace("\n", " ")[:160],
        }
    condition = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return {"READY": str(condition.get("status"))} if condition else {}


def _pod_status(status: dict[str, Any]) -> str:
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
    return str(status.get("phase") or "Unknown")


def table(
    kind: str, items: list[dict[str, Any]], *, with_namespace: bool, wide: bool, limit: int
) -> str:
    shown = items[:limit] if limit > 0 else items
    rows: list[dict[str, str]] = []
    for obj in shown:
        metadata = obj.get("metadata") or {}
        row = {"NAMESPACE": str(metadata.get("namespace", ""))} if with_namespace else {}
        row["NAME"] = str(metadata.get("name", ""))
        row.update(_columns(kind, obj, wide))
        row["AGE"] = age(metadata.get("creationTimestamp"))
        if wide and metadata.get("labels") and kind not in ("Event",):
            row["LABELS"] = ",".join(f"{k}={v}" for k, v in metadata["labels"].items())
        rows.append(row)
    headers = list(dict.fromkeys(key for row in rows for key in row))
    widths = {h: max(len(h), *(len(row.get(h, "")) for row in rows)) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) for h in headers).rstrip()]
    lines += ["  ".join(row.get(h, "").ljust(widths[h]) for h in headers).rstrip() for row in rows]
    if len(shown) < len(items):
        lines.append(
            f"... truncated: showing {len(shown)} of {len(items)} resources. Narrow with "
            "namespace or resource_name, or pass limit=0 for all."
        )
    return cap("\n".join(lines) + "\n")


def event_lines(events: list[dict[str, Any]]) -> list[str]:
    def when(event: dict[str, Any]) -> str:
        return str(event.get("lastTimestamp") or event.get("eventTime") or "")

    return [
        f"{age(when(event))} ago  {event.get('type', '')}  {event.get('reason', '')}: "
        f"{str(event.get('message', '')).strip()}"
        for event in sorted(events, key=when)
    ]


def cap(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    return text[:MAX_OUTPUT_CHARS] + f"\n... (truncated, {len(text)} characters in all)\n"
