"""The `Ready` condition of a local workload, from its process and its last probe.

Kept apart from the supervisor so the wording users read in `bosun get`/`describe` is in
one place. Reasons: ProcessReady, ProcessStarting, ProcessCrashing, ProcessStopped, and
whatever blocked the workload (ConfigError, NotAccepted, NotSupportedLocally).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bosun.controller.local.conditions import READY, condition
from bosun.controller.local.process import describe_exit

if TYPE_CHECKING:
    from bosun.controller.local.workloads import Workload


def ready_condition(workload: Workload) -> dict[str, Any]:
    kind, namespace, name = workload.key
    if workload.blocked is not None:
        reason, message = workload.blocked
        return condition(READY, False, reason, message)
    process = workload.process
    what = "its agent card" if kind == "Agent" else "its MCP endpoint"
    if process is None:
        return condition(READY, False, "ProcessStarting", "not started yet")
    if process.state == "running" and workload.ready:
        return condition(
            READY, True, "ProcessReady", f"serving {workload.plan.url} (pid {process.pid})"
        )
    if process.state == "running":
        detail = f": {workload.probe_error}" if workload.probe_error else ""
        return condition(
            READY,
            False,
            "ProcessStarting",
            f"pid {process.pid} started, waiting for {what}{detail}",
        )
    if process.state == "backoff":
        why = process.last_error or f"exited with {describe_exit(process.last_exit)}"
        logs = f"bosun logs {kind.lower()}/{name} -n {namespace}"
        return condition(
            READY,
            False,
            "ProcessCrashing",
            f"{why} (restarts: {process.restarts}); restarting with backoff; see `{logs}`",
        )
    if process.state == "starting":
        return condition(READY, False, "ProcessStarting", "starting")
    return condition(READY, False, "ProcessStopped", "stopped")
