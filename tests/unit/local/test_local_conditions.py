"""Status conditions keep their transition time while unchanged, and no-op writes are seen."""

from __future__ import annotations

from bosun.controller.local.conditions import condition, merge_status, same_status


def test_transition_time_kept_while_status_unchanged_and_other_fields_kept() -> None:
    first = merge_status(
        {"discoveredTools": [{"name": "t"}]},
        [condition("Ready", False, "ProcessStarting", "starting")],
        generation=1,
    )
    stamp = first["conditions"][0]["lastTransitionTime"]
    first["conditions"][0]["lastTransitionTime"] = "2020-01-01T00:00:00Z"
    second = merge_status(
        first, [condition("Ready", False, "ProcessStarting", "pid 3 started")], generation=2
    )
    assert stamp
    assert second["conditions"][0]["lastTransitionTime"] == "2020-01-01T00:00:00Z"
    assert second["conditions"][0]["observedGeneration"] == 2
    assert second["observedGeneration"] == 2
    assert second["discoveredTools"] == [{"name": "t"}]
    third = merge_status(second, [condition("Ready", True, "ProcessReady", "ok")], generation=2)
    assert third["conditions"][0]["lastTransitionTime"] != "2020-01-01T00:00:00Z"


def test_same_status_ignores_transition_times_only() -> None:
    a = merge_status({}, [condition("Ready", True, "ProcessReady", "ok")], generation=1)
    b = merge_status({}, [condition("Ready", True, "ProcessReady", "ok")], generation=1)
    b["conditions"][0]["lastTransitionTime"] = "1999-01-01T00:00:00Z"
    assert same_status(a, b)
    c = merge_status({}, [condition("Ready", True, "ProcessReady", "other")], generation=1)
    assert not same_status(a, c)
