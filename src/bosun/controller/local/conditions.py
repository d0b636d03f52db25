"""Status conditions in the shape a cluster shows them (metav1.Condition), for local mode.

`kubectl get agents` and `bosun get agents` read the same `Accepted` and `Ready` conditions
whichever mode wrote them. Reasons used locally (cluster mode uses Deployment* reasons):

Accepted: Accepted / TranslationFailed / InvalidSpec
Ready:    ProcessReady / ProcessStarting / ProcessCrashing / InitFailed / ConfigError /
          NotAccepted / NotSupportedLocally
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ACCEPTED = "Accepted"
READY = "Ready"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(type_: str, ok: bool | None, reason: str, message: str) -> dict[str, Any]:
    status = "Unknown" if ok is None else ("True" if ok else "False")
    return {"type": type_, "status": status, "reason": reason, "message": message}


def merge_status(
    old: dict[str, Any],
    conditions: list[dict[str, Any]],
    *,
    generation: int,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The new status: given conditions (lastTransitionTime kept when status is unchanged),
    observedGeneration, and extra fields; other fields of the old status are kept."""
    previous = {c.get("type"): c for c in old.get("conditions") or []}
    merged: list[dict[str, Any]] = []
    for cond in conditions:
        before = previous.get(cond["type"])
        changed = before is None or before.get("status") != cond["status"]
        stamp = now() if changed or not before else before.get("lastTransitionTime") or now()
        merged.append({**cond, "lastTransitionTime": stamp, "observedGeneration": generation})
    kept = [c for t, c in previous.items() if t not in {c["type"] for c in conditions}]
    status = {**old, **(extra or {})}
    status["conditions"] = merged + kept
    status["observedGeneration"] = generation
    return status


def same_status(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from transition times (so unchanged conditions cause no write)."""

    def strip(status: dict[str, Any]) -> dict[str, Any]:
        conds = [
            {k: v for k, v in c.items() if k != "lastTransitionTime"}
            for c in status.get("conditions") or []
        ]
        # a field set to None is a removal (merge patch): equal to the field being absent
        fields = {k: v for k, v in status.items() if v is not None}
        return {**fields, "conditions": conds}

    return strip(a) == strip(b)
