"""The operator's pure pieces: conditions, the work queue, settings, and the emulator's rules."""

from __future__ import annotations

import asyncio

import pytest
from kube_semantics import merge_patch, parse_selector, server_side_apply

from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.kube.status import Cond, DeploymentState, build_status, ready_condition
from bosun.controller.kube.workqueue import Requeue, WorkQueue


def test_transition_time_changes_only_with_the_status() -> None:
    first = build_status(None, [Cond("Ready", False, "DeploymentNotReady", "0/1")], 1)
    ready = first["conditions"][0]
    ready["lastTransitionTime"] = "2020-01-01T00:00:00Z"
    same = build_status(first, [Cond("Ready", False, "DeploymentNotReady", "0/2")], 2)
    assert same["conditions"][0]["lastTransitionTime"] == "2020-01-01T00:00:00Z"
    assert same["conditions"][0]["observedGeneration"] == 2 and same["observedGeneration"] == 2
    flipped = build_status(same, [Cond("Ready", True, "DeploymentReady", "1/1")], 2)
    assert flipped["conditions"][0]["lastTransitionTime"] != "2020-01-01T00:00:00Z"


def test_foreign_conditions_are_kept() -> None:
    current = {"conditions": [{"type": "Custom", "status": "True", "reason": "X", "message": ""}]}
    status = build_status(current, [Cond("Accepted", True, "Reconciled", "ok")], 1)
    assert [c["type"] for c in status["conditions"]] == ["Accepted", "Custom"]


def test_ready_from_deployment() -> None:
    assert ready_condition("ns", "a", None).reason == "DeploymentNotFound"
    rolling = DeploymentState(
        "ns", "a", generation=2, observed_generation=1, replicas=1, available=1, ready=1, updated=0
    )
    assert ready_condition("ns", "a", rolling).status is False
    done = DeploymentState("ns", "a", 2, 2, replicas=2, available=2, ready=2, updated=2)
    cond = ready_condition("ns", "a", done)
    assert cond.status is True and "2/2 replicas available" in cond.message


async def test_queue_deduplicates_and_retries_with_backoff() -> None:
    calls: list[tuple[str, str, str]] = []
    failures = {"flaky": 2}

    async def handler(key: tuple[str, str, str]) -> float | None:
        calls.append(key)
        if failures.get(key[2], 0):
            failures[key[2]] -= 1
            raise ConnectionError("try again")
        if key[2] == "conflict" and calls.count(key) == 1:
            raise Requeue(0.01)
        return None

    queue = WorkQueue("t", handler, workers=2, base_delay=0.01, max_delay=0.05)
    task = asyncio.create_task(queue.run())
    for _ in range(5):
        queue.add(("Agent", "ns", "same"))
    queue.add(("Agent", "ns", "flaky"))
    queue.add(("Agent", "ns", "conflict"))
    for _ in range(100):
        if queue.idle and calls.count(("Agent", "ns", "flaky")) == 3 and len(calls) >= 6:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert calls.count(("Agent", "ns", "same")) == 1
    assert calls.count(("Agent", "ns", "flaky")) == 3
    assert calls.count(("Agent", "ns", "conflict")) == 2


def test_settings_from_env() -> None:
    s = ControllerSettings.from_env(
        {
            "BOSUN_WATCH_NAMESPACES": "a, b",
            "BOSUN_LEADER_ELECTION": "false",
            "BOSUN_INTERNAL_URL": "http://cp:8083",
        }
    )
    assert s.watch_namespaces == ("a", "b") and s.leader_election is False
    assert s.translate.controlplane_url == "http://cp:8083"
    with pytest.raises(ValueError, match="BOSUN_LEADER_ELECTION"):
        ControllerSettings.from_env({"BOSUN_LEADER_ELECTION": "maybe"})


def test_emulator_apply_removes_only_what_the_manager_dropped() -> None:
    current = {"metadata": {"labels": {"user": "x", "mine": "1"}}, "spec": {"a": 1, "b": 2}}
    previous = {"metadata": {"labels": {"mine": "1"}}, "spec": {"a": 1, "b": 2}}
    applied = {"metadata": {"labels": {}}, "spec": {"a": 3}}
    result = server_side_apply(current, previous, applied)
    assert result == {"metadata": {"labels": {"user": "x"}}, "spec": {"a": 3}}
    assert merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"b": None}}) == {"a": {"c": 2}}


def test_emulator_label_selectors() -> None:
    labels = {"app": "a", "tier": "web"}
    assert parse_selector("app=a,tier in (web, api)")(labels)
    assert not parse_selector("app!=a")(labels)
    assert parse_selector("!missing,tier")(labels)
    assert not parse_selector("tier notin (web)")(labels)
