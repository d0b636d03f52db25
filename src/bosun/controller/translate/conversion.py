"""What a resource converted from kagent.dev/v1alpha1 says in its Accepted condition.

bosun.api.v1alpha1_convert marks a converted object with two annotations; the translator
(agent.py) turns them into notes, which the operator and local mode append to Accepted's
message, so `kubectl describe` / `bosun describe` show which fields were not carried over.
"""

from __future__ import annotations

from collections.abc import Mapping

from bosun.api.v1alpha1 import CONVERTED_FROM, NOT_CARRIED_OVER


def conversion_notes(annotations: Mapping[str, str]) -> list[str]:
    source = annotations.get(CONVERTED_FROM)
    if not source:
        return []
    lost = annotations.get(NOT_CARRIED_OVER, "")
    return [f"converted from {source}" + (f"; not carried over: {lost}" if lost else "")]
