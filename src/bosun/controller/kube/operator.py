"""The operator's entry point: `run_operator(settings, sink)`, used by `bosun controlplane`.

Wiring: list-then-watch loops (watch.py; cluster-wide, or the listed namespaces) feed
the indices (index.py); their event handlers queue keys (triggers.py); two work queues run the
reconcilers (agent.py, modelconfig.py, mcpserver.py, team.py) and the tool discoveries
(remotemcpserver.py, discovery.py); a Lease decides which replica's queues run
(leader.py). The watches write nothing: no finalizers, no progress annotations, so GitOps
tools see no drift made by the operator other than status (and the applied-hash
annotation on the objects it owns, owned.py).

Stop it by cancelling the task that awaits `run_operator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from bosun.controller.kube.agent import reconcile_agent
from bosun.controller.kube.client import KubeClient
from bosun.controller.kube.context import Controller
from bosun.controller.kube.events import EventRecorder
from bosun.controller.kube.index import BOSUN_KINDS, Cache
from bosun.controller.kube.leader import LeaderElector
from bosun.controller.kube.mcpserver import reconcile_mcpserver
from bosun.controller.kube.modelconfig import reconcile_modelconfig
from bosun.controller.kube.remotemcpserver import discover_server
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.kube.sink import LoggingSink, ReconcileSink
from bosun.controller.kube.team import reconcile_team
from bosun.controller.kube.tool import reconcile_tool
from bosun.controller.kube.triggers import Triggers, enqueue
from bosun.controller.kube.watch import Watches
from bosun.controller.kube.workqueue import QueueKey, WorkQueue

logger = logging.getLogger(__name__)

Reconciler = Callable[[Controller, str, str], Awaitable[Any]]
RECONCILERS: dict[str, Reconciler] = {
    "Agent": reconcile_agent,
    "ModelConfig": reconcile_modelconfig,
    "MCPServer": reconcile_mcpserver,
    "AgentTeam": reconcile_team,
    "Tool": reconcile_tool,
}


def build(settings: ControllerSettings, sink: ReconcileSink) -> tuple[Controller, Watches]:
    """The controller state and the watches with their handlers (not started)."""
    ctl: Controller

    async def reconcile(key: QueueKey) -> float | None:
        kind, namespace, name = key
        await RECONCILERS[kind](ctl, namespace, name)
        return None

    async def discover(key: QueueKey) -> float | None:
        again = await discover_server(ctl, *key)
        if again is None:
            ctl.discovering.discard(key)
        else:
            ctl.discovering.add(key)
        return again

    client = KubeClient(settings)
    ctl = Controller(
        settings=settings,
        client=client,
        cache=Cache(),
        sink=sink,
        reconciles=WorkQueue(
            "reconcile",
            reconcile,
            workers=settings.workers,
            base_delay=settings.retry_backoff,
            max_delay=settings.max_retry_backoff,
        ),
        discoveries=WorkQueue(
            "discovery",
            discover,
            workers=settings.discovery_workers,
            base_delay=settings.discovery_backoff,
            max_delay=settings.discovery_interval,
        ),
        events=EventRecorder(client, settings.identity),
    )
    watches = Watches()
    Triggers(ctl).register(watches)
    return ctl, watches


def resync(ctl: Controller) -> None:
    """Queue every known object (after becoming the leader)."""
    for kind in BOSUN_KINDS:
        for namespace, name in ctl.cache.keys(kind):
            enqueue(ctl, (kind, namespace, name))


async def run_operator(
    settings: ControllerSettings,
    sink: ReconcileSink | None = None,
    *,
    ready: asyncio.Event | None = None,
    controller: list[Controller] | None = None,
) -> None:
    """Run until cancelled. `ready` is set once every watch has delivered its first list
    (the cache is complete: what the control plane's /readyz waits for); `controller` (a
    list) receives the Controller, for tests and the benchmark to observe it."""
    ctl, watches = build(settings, sink or LoggingSink())
    if controller is not None:
        controller.append(ctl)
    queues = [ctl.reconciles, ctl.discoveries]

    def start() -> None:
        ctl.reset()
        resync(ctl)
        for queue in queues:
            queue.resume()

    def stop() -> None:
        for queue in queues:
            queue.pause()

    async def activate() -> None:
        """Act only with a complete cache: every watch has delivered its list; then lead."""
        await watches.synced.wait()
        ctl.cache.mark_synced()
        if ready is not None:
            ready.set()
        if settings.leader_election:
            logger.info("cache complete: contending for the lease as %s", settings.identity)
            await LeaderElector(ctl.client, settings, start, stop).run()
        else:
            logger.info("cache complete: reconciling")
            start()
            await asyncio.Event().wait()

    stop()
    own_tasks = [asyncio.create_task(q.run(), name=f"bosun-{q.name}") for q in queues]
    own_tasks.append(asyncio.create_task(activate(), name="bosun-activate"))
    watch_tasks = watches.tasks(ctl.client, list(settings.watch_namespaces), settings.watch_timeout)
    if settings.handle_signals:  # standalone: SIGINT/SIGTERM stop the operator
        _cancel_on_signals()
    try:
        await _run(watch_tasks, own_tasks)
    finally:
        for task in reversed(own_tasks):  # activate first: its elector releases the Lease
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await ctl.client.close()


async def _run(
    watch_tasks: Collection[asyncio.Task[Any]], own_tasks: list[asyncio.Task[Any]]
) -> None:
    """Run until cancelled or until any task ends (a failure is re-raised); stop the watches.

    Only the operator's own tasks are cancelled at exit (in `bosun controlplane` the same
    loop runs the HTTP server's connections).
    """
    done: set[asyncio.Task[Any]] = set()
    try:
        done, _ = await asyncio.wait(
            [*watch_tasks, *own_tasks], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        for task in watch_tasks:
            task.cancel()
        if watch_tasks:
            await asyncio.wait(watch_tasks, timeout=10)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    raise RuntimeError(f"operator task ended unexpectedly: {[t.get_name() for t in done]}")


def _cancel_on_signals() -> None:
    """Cancel the task running the operator on SIGINT/SIGTERM (when it owns the process)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, task.cancel)
