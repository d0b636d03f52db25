"""The `Ready` condition of a local workload, from its process and its last probe.

Kept apart from the supervisor so the wording users read in `bosun get`/`describe` is in
one place. Reasons: ProcessReady, ProcessStarting, ProcessCrashing, InitFailed (an init step such as
skills-fetch failed; its message names the source), ProcessStopped, and
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
    if process.state == "backoff" and process.init_error:  # e.g. a skill that cannot be fetched
        logs = f"bosun logs {kind.lower()}/{name} -n {namespace}"
        return condition(
            READY,
            False,
            "InitFailed",
            f"{process.init_error} (restarts: {process.restarts}); retrying with backoff; "
            f"see `{logs}`",
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
    if process.state == "starting" and process.init_step:
        return condition(READY, False, "ProcessStarting", f"running init step {process.init_step}")
    if process.state == "starting":
        return condition(READY, False, "ProcessStarting", "starting")
    return condition(READY, False, "ProcessStopped", "stopped")
