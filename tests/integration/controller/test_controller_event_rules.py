"""Which condition transitions post an Event (events.transitions, pure)."""

from __future__ import annotations

from typing import Any

from bosun.controller.kube.events import EventSpec, transitions
from bosun.controller.kube.status import Cond, DeploymentState, build_status, ready_condition


def status(*conds: Cond) -> dict[str, Any]:
    return build_status(None, list(conds), 1)


def accepted(ok: bool, reason: str, message: str = "m") -> Cond:
    return Cond("Accepted", ok, reason, message)


def test_a_failure_warns_and_only_a_change_of_it_warns_again() -> None:
    failing = status(accepted(False, "TranslationFailed", "ModelConfig x not found"))
    assert transitions(None, failing) == [
        EventSpec("Warning", "TranslationFailed", "ModelConfig x not found")
    ]
    assert transitions(failing, failing) == []
    other = status(accepted(False, "TranslationFailed", "ModelConfig y not found"))
    assert [e.message for e in transitions(failing, other)] == ["ModelConfig y not found"]


def test_recovery_is_normal_but_a_first_success_is_quiet() -> None:
    ok = status(accepted(True, "Reconciled", "Agent reconciled"))
    assert transitions(None, ok) == []
    assert transitions(status(accepted(False, "InvalidSpec")), ok) == [
        EventSpec("Normal", "Reconciled", "Agent reconciled")
    ]
    assert transitions(ok, status(accepted(True, "Reconciled", "new note"))) == []


def test_ready_warns_only_when_lost_and_not_during_a_rollout() -> None:
    def deployment(generation: int, observed: int, available: int) -> DeploymentState:
        return DeploymentState("ns", "a", generation, observed, 1, available, available, 1)

    starting = status(ready_condition("ns", "a", deployment(1, 1, 0)))
    ready = status(ready_condition("ns", "a", deployment(1, 1, 1)))
    rolling = status(ready_condition("ns", "a", deployment(2, 1, 1)))
    lost = status(ready_condition("ns", "a", deployment(1, 1, 0)))
    gone = status(ready_condition("ns", "a", None))
    assert transitions(None, starting) == []
    assert [e.type for e in transitions(starting, ready)] == ["Normal"]
    assert transitions(ready, rolling) == []
    assert [(e.type, e.reason) for e in transitions(ready, lost)] == [
        ("Warning", "DeploymentNotReady")
    ]
    assert [(e.type, e.reason) for e in transitions(ready, gone)] == [
        ("Warning", "DeploymentNotFound")
    ]
    assert transitions(lost, gone) == []  # still not ready: no news
