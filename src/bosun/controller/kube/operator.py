"""The operator's entry point: `run_operator(settings, sink)`, used by `bosun controlplane`.

Wiring: kopf watches (cluster-wide, or the listed namespaces) and keeps the indices
(index.py); its event handlers queue keys (triggers.py); two work queues run the
reconcilers (agent.py, modelconfig.py, mcpserver.py, team.py) and the tool discoveries
(remotemcpserver.py, discovery.py); a Lease decides which replica's queues run
(leader.py). kopf writes nothing to the objects itself: no finalizers, no progress
annotations (only indices and event handlers are registered), so GitOps tools see no
drift made by the operator other than status.

Stop it by cancelling the task that awaits `run_operator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import kopf

from bosun.controller.kube.agent import reconcile_agent
from bosun.controller.kube.client import KubeClient, KubeError, kopf_login
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
from bosun.controller.kube.triggers import Triggers, enqueue, watch_selectors
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


def _kopf_settings(settings: ControllerSettings) -> kopf.OperatorSettings:
    ks = kopf.OperatorSettings()
    ks.peering.standalone = True  # leader election is ours (a Lease), see leader.py
    ks.posting.enabled = False  # no k8s Events for kopf's own logs
    ks.scanning.disabled = True  # no CRD watching: the kinds are known and installed
    ks.watching.server_timeout = settings.watch_timeout
    ks.watching.client_timeout = settings.watch_timeout + 30
    watch_selectors(ks)  # owned ServiceAccounts/Roles/RoleBindings only
    return ks


def build(
    settings: ControllerSettings, sink: ReconcileSink
) -> tuple[Controller, kopf.OperatorRegistry]:
    """The controller state and a kopf registry with its handlers (not started)."""
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
    registry = kopf.OperatorRegistry()
    Triggers(ctl).register(registry)

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        return kopf_login(settings, **kwargs)

    return ctl, registry


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
    """Run until cancelled. `ready` is set once kopf has started; `controller` (a list)
    receives the Controller, for tests and the benchmark to observe it."""
    kopf_objects = logging.getLogger("kopf.objects")
    if kopf_objects.level == logging.NOTSET:  # one INFO line per watch event is noise here
        kopf_objects.setLevel(logging.WARNING)
    ctl, registry = build(settings, sink or LoggingSink())
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
        """Act only with a complete cache: prime it, wait for the watches, then lead."""
        delay = 1.0
        while True:
            try:
                await ctl.cache.prime(ctl.client, settings.watch_namespaces)
                break
            except KubeError as exc:
                logger.warning("listing the cluster failed (retry in %.0fs): %s", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        await ctl.cache.wait_ready(ctl.client)
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
    namespaces = list(settings.watch_namespaces)
    saved = _signal_handlers()
    try:
        kopf_tasks = await kopf.spawn_tasks(
            registry=registry,
            settings=_kopf_settings(settings),
            clusterwide=not namespaces,
            namespaces=namespaces,
            standalone=True,
            ready_flag=ready,
            memo=kopf.Memo(),
        )
        if not settings.handle_signals:
            _restore_signal_handlers(saved)
        await _run(kopf_tasks, own_tasks)
    finally:
        for task in reversed(own_tasks):  # activate first: its elector releases the Lease
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await ctl.client.close()


async def _run(
    kopf_tasks: Collection[asyncio.Task[Any]], own_tasks: list[asyncio.Task[Any]]
) -> None:
    """Run until cancelled or until any task ends (a failure is re-raised); stop kopf's.

    Not `kopf.run_tasks`: at exit it cancels *every* task started after the operator, which
    in `bosun controlplane` includes the HTTP server's connections. Cancelling kopf's root
    tasks stops its watchers and their per-object workers (checked in the tests).
    """
    done: set[asyncio.Task[Any]] = set()
    try:
        done, _ = await asyncio.wait([*kopf_tasks, *own_tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in kopf_tasks:
            task.cancel()
        await asyncio.wait(kopf_tasks, timeout=10)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    raise RuntimeError(f"operator task ended unexpectedly: {[t.get_name() for t in done]}")


def _signal_handlers() -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}


def _restore_signal_handlers(saved: dict[int, Any]) -> None:
    """Undo kopf's SIGINT/SIGTERM handlers: the process that embeds us owns the signals."""
    loop = asyncio.get_running_loop()
    for sig, handler in saved.items():
        loop.remove_signal_handler(sig)
        if handler is not None:
            signal.signal(sig, handler)
