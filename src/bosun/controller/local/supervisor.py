"""The local supervisor: runs the translator's output as child processes (local mode).

`bosun up` starts one `LocalSupervisor` next to the control plane. It follows the
ResourceStore (list, then watch), and on every change that is not only a status write it
reconciles everything: translate each Agent and MCPServer with local resolvers (127.0.0.1
ports; a v1alpha1 Agent's Tools resolved against the stored ones, `tools.py`), run each
as a supervised child (`process.py`), restart the ones whose config hash
or command changed (so a ModelConfig, Secret or tool-server change reaches its dependants),
stop the ones removed, and write status conditions through the store in the shape a
cluster shows (`conditions.py`). Readiness is probed over HTTP (`probe.py`). `stop()` (or
cancelling `run()`) stops every child: nothing stays running.
An agent's credential (the projected ServiceAccount token of its pod) is a token file
holding a token minted for it (`gateway_token`), rewritten every `token_refresh` seconds
(a third of its lifetime), never a static env variable: a leaked one expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bosun.api import MCPServer, ModelConfig, gateway
from bosun.api.store import NotFound, ResourceStore, StoreEvent
from bosun.controller.local.conditions import ACCEPTED, condition, merge_status, same_status
from bosun.controller.local.mirror import WATCHED_KINDS, Mirror, ObjKey
from bosun.controller.local.plans import (
    Plan,
    agent_base_url,
    byo_port,
    mcp_http_port,
    mcp_path,
    model_config_status,
    plan_agent,
    plan_mcpserver,
)
from bosun.controller.local.ports import LOCALHOST, PortBook
from bosun.controller.local.process import SupervisedProcess
from bosun.controller.local.readiness import ready_condition
from bosun.controller.local.refs import gather_references
from bosun.controller.local.remote import RemoteServers
from bosun.controller.local.teams import KIND as TEAM
from bosun.controller.local.teams import plan_team, team_status
from bosun.controller.local.tools import resolved_agents, tool_status
from bosun.controller.local.workload import plan_process, write_token_file
from bosun.controller.local.workloads import Workload, probe
from bosun.controller.translate.interface import TranslateOptions

log = logging.getLogger("bosun.local")

RESYNC_SECONDS = 30.0  # re-list the store now and then, in case a watch event was lost


class LocalSupervisor:
    def __init__(
        self,
        store: ResourceStore,
        *,
        data_dir: Path,
        controlplane_url: str | None = None,
        probe_interval: float = 0.25,
        debounce: float = 0.05,
        backoff_start: float = 0.5,
        base_env: dict[str, str] | None = None,
        model_gateway: bool = False,
        gateway_token: Callable[[str, str], str] | None = None,
        token_refresh: float = gateway.TOKEN_SECONDS / 3,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.controlplane_url = controlplane_url
        self.mirror = Mirror()
        self.ports = PortBook(LOCALHOST)
        self.workloads: dict[ObjKey, Workload] = {}
        self.remotes = RemoteServers(self.mirror, self._write_status)
        self._probe_interval = probe_interval
        self._debounce = debounce
        self._backoff_start = backoff_start
        self._base_env = base_env
        self.model_gateway = model_gateway  # BOSUN_MODEL_GATEWAY: route models by default
        self._gateway_token = gateway_token  # (namespace, agent) -> a fresh credential
        self._token_refresh = token_refresh
        self._token_files: dict[ObjKey, tuple[Path, ...]] = {}  # of running workloads
        self._dirty = asyncio.Event()
        self._status_dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self.reconciled = asyncio.Event()  # set after each completed reconcile

    # --- what others ask -------------------------------------------------------------------

    def agent_url(self, namespace: str, name: str) -> str:
        """Where the agent serves A2A locally (known before it runs)."""
        agent = self.mirror.typed(("Agent", namespace, name))
        if agent is None and self.mirror.typed((TEAM, namespace, name)) is not None:
            return agent_base_url(self.ports.port(TEAM, namespace, name))  # teams serve A2A too
        port = byo_port(agent) if agent is not None else None  # type: ignore[arg-type]
        return agent_base_url(port or self.ports.port("Agent", namespace, name))

    def mcp_server_url(self, server: MCPServer) -> str:
        port = mcp_http_port(server) or self.ports.port("MCPServer", server.namespace, server.name)
        return f"http://{LOCALHOST}:{port}{mcp_path(server)}"

    def ready_url(self, namespace: str, name: str) -> str | None:
        """The agent's URL if it is Ready, else None (for the A2A proxy)."""
        workload = self.workloads.get(("Agent", namespace, name))
        workload = workload or self.workloads.get((TEAM, namespace, name))
        return workload.plan.url if workload and workload.ready else None

    def log_path(self, kind: str, namespace: str, name: str) -> Path | None:
        workload = self.workloads.get((kind, namespace, name))
        return workload.log_path if workload else None

    # --- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the store and keep workloads converged until cancelled; then stop them."""
        try:
            self._tasks.append(asyncio.create_task(self._watch_loop(), name="local watch"))
            for _ in range(3):  # let the watch subscribe before listing: no event is lost
                await asyncio.sleep(0)
            await self._relist()
            self._tasks.append(asyncio.create_task(self._probe_loop(), name="local probes"))
            self._tasks.append(asyncio.create_task(self._status_loop(), name="local status"))
            self._tasks.append(asyncio.create_task(self._resync_loop(), name="local resync"))
            self._tasks.append(asyncio.create_task(self._token_loop(), name="local tokens"))
            self._dirty.set()
            while True:
                await self._dirty.wait()
                await asyncio.sleep(self._debounce)  # a burst of applies: one reconcile
                self._dirty.clear()
                try:
                    await self._reconcile()
                except Exception:
                    log.exception("local reconcile failed; retrying on the next change")
                self.reconciled.set()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop every child process and background task. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        tasks += [w.tools_task for w in self.workloads.values() if w.tools_task]
        tasks += self.remotes.tasks()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        procs = [w.process for w in self.workloads.values() if w.process]
        await asyncio.gather(*(p.stop() for p in procs), return_exceptions=True)

    async def _watch_loop(self) -> None:
        while True:
            try:
                async for event in self.store.watch():
                    self._on_event(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("store watch failed; re-listing")
            await asyncio.sleep(1.0)
            await self._relist()

    def _on_event(self, event: StoreEvent) -> None:
        if event.obj.kind in WATCHED_KINDS and self.mirror.apply(event):
            self._dirty.set()

    async def _relist(self) -> None:
        # What the mirror held before listing: only those may be found deleted (an object
        # the watch delivered while we listed is newer than the list, not gone).
        before = {k: o.resource_version for k, o in self.mirror.objects.items()}
        listed: set[ObjKey] = set()
        for kind in WATCHED_KINDS:
            try:
                objects = await self.store.list(kind)
            except Exception as exc:  # a store that does not hold this kind: nothing of it
                log.debug("listing %s failed: %s", kind, exc)
                continue
            for obj in objects:
                listed.add((obj.kind, obj.namespace, obj.name))
                self._on_event(StoreEvent("ADDED", obj))
        for key, version in before.items():
            current = self.mirror.objects.get(key)
            if key not in listed and current is not None and current.resource_version == version:
                self._on_event(StoreEvent("DELETED", current))

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_SECONDS)
            await self._relist()

    async def _token_loop(self) -> None:
        while True:
            await asyncio.sleep(self._token_refresh)
            self.refresh_tokens()

    def refresh_tokens(self) -> None:
        """Rewrite every running workload's token files with freshly minted tokens (the
        kubelet does the same with a pod's projected token, well before it expires)."""
        for key, paths in list(self._token_files.items()):
            minted = self._minter_of(key)
            if minted is None:
                continue
            for path in paths:
                try:
                    write_token_file(path, minted())
                except OSError as exc:  # e.g. its run dir was removed: the next start rewrites
                    log.warning("refreshing the token of %s %s/%s failed: %s", *key, exc)

    # --- reconcile ------------------------------------------------------------------------

    async def _reconcile(self) -> None:
        refs = gather_references(self.mirror)
        options = TranslateOptions(
            controlplane_url=self.controlplane_url,
            agent_url=self.agent_url,
            mcp_server_url=self.mcp_server_url,
            model_gateway=self.model_gateway,
        )
        for model in self.mirror.of_kind("ModelConfig"):
            await self._write_model_config(model)
        for tool in self.mirror.of_kind("Tool"):  # kagent.dev/v1alpha1 (tools.py)
            accepted, fields = tool_status(tool, self.mirror)  # type: ignore[arg-type]
            generation = tool.metadata.generation or 0
            await self._write_status(tool.key, [accepted], generation=generation, extra=fields)
        self.remotes.reconcile()
        seen: set[ObjKey] = set()
        for server in self.mirror.of_kind("MCPServer"):
            seen.add(server.key)
            port = self.ports.port("MCPServer", server.namespace, server.name)
            await self._guarded(server.key, plan_mcpserver, server, refs, options, port)
        for agent in resolved_agents(self.mirror):  # v1alpha1 Agents: their Tools resolved
            seen.add(agent.key)
            port = byo_port(agent) or self.ports.port("Agent", agent.namespace, agent.name)
            await self._guarded(agent.key, plan_agent, agent, refs, options, port)
        for team in self.mirror.of_kind(TEAM):
            seen.add(team.key)
            port = self.ports.port(TEAM, team.namespace, team.name)
            await self._guarded(team.key, plan_team, team, refs, options, port)
        for key, message in list(self.mirror.invalid.items()):
            bad = condition(ACCEPTED, False, "InvalidSpec", message)
            await self._write_status(key, [bad], generation=0)
        for key in [k for k in self.workloads if k not in seen]:
            await self._remove(key)
        self._status_dirty.set()

    async def _guarded(self, key: ObjKey, planner: Any, *args: Any) -> None:
        """Plan and converge one workload; a bug with one resource must not stop the others."""
        try:
            await self._converge(planner(*args))
        except Exception:
            log.exception("reconciling %s %s/%s failed", *key)

    def _minter_of(self, key: ObjKey) -> Callable[[], str] | None:
        """Mints the tokens of an agent's or team's projected ServiceAccount token file: its
        credential at the model gateway and (BOSUN_TOKEN_FILE) at the control plane, whose
        Policies then see the agent's namespace when it calls other agents."""
        kind, namespace, name = key
        mint = self._gateway_token
        if mint is None or kind not in ("Agent", TEAM):
            return None
        return lambda: mint(namespace, name)

    def _env_of(self, plan: Plan) -> dict[str, str] | None:
        """The base env; for a pod with the agent token volume, without any static
        BOSUN_TOKEN / BOSUN_GATEWAY_TOKEN of this machine's, which would win over the
        rotated token file (the runtime reads BOSUN_TOKEN first)."""
        deployment = plan.deployment or {}
        volumes = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
        wants = any(v.get("name") == gateway.TOKEN_VOLUME for v in volumes.get("volumes") or [])
        if not wants or self._minter_of(plan.key) is None:
            return self._base_env
        env = dict(os.environ if self._base_env is None else self._base_env)
        env.pop(gateway.TOKEN_ENV, None)
        env.pop(gateway.CONTROLPLANE_TOKEN_ENV, None)
        return env

    async def _converge(self, plan: Plan) -> None:
        kind, namespace, name = plan.key
        workload = self.workloads.get(plan.key)
        if workload is None:
            run_dir = self.data_dir / "run" / kind.lower() / namespace / name
            log_path = self.data_dir / "logs" / kind.lower() / namespace / f"{name}.log"
            workload = Workload(plan, run_dir, log_path)
            self.workloads[plan.key] = workload
        if plan.keep_previous:  # not translatable: what runs keeps running, as in a cluster
            workload.plan.accepted, workload.plan.generation = plan.accepted, plan.generation
            if workload.process is None:
                workload.blocked = ("NotAccepted", "not running: the spec is not accepted")
            return
        workload.plan = plan
        if plan.blocked is not None or plan.deployment is None:
            workload.blocked = plan.blocked or ("ConfigError", "no Deployment")
            await self._stop_process(workload)
            return

        def planned(write: bool) -> Any:
            assert plan.deployment is not None
            return plan_process(
                plan.deployment,
                objects=plan.objects,
                namespace=namespace,
                run_dir=workload.run_dir,
                log_path=workload.log_path,
                port=plan.port,
                lookup=self.mirror.data,
                base_env=self._env_of(plan),
                rewrite_options=plan.rewrite_options,
                write_files=write,
                mint_token=self._minter_of(plan.key),
            )

        dry = planned(write=False)
        if dry.spec is None:
            workload.blocked = ("ConfigError", "; ".join(dry.problems))
            await self._stop_process(workload)
            return
        workload.blocked = None
        running = workload.process
        if (
            running is not None
            and running.state != "stopped"
            and dry.spec.same_as(running.spec)
            and workload.config_hash == plan.config_hash
        ):
            return
        await self._stop_process(workload)
        workload.run_dir.mkdir(parents=True, exist_ok=True)
        written = planned(write=True)
        spec = written.spec
        if written.token_files:
            self._token_files[plan.key] = written.token_files
        workload.config_hash = plan.config_hash
        workload.process = SupervisedProcess(
            f"{kind} {namespace}/{name}",
            spec,
            on_change=lambda: self._on_process_change(workload),
            backoff_start=self._backoff_start,
        )
        workload.probe_error = "starting"
        workload.process.start()
        log.info("started %s %s/%s on %s", kind, namespace, name, plan.url)

    async def _stop_process(self, workload: Workload) -> None:
        self._token_files.pop(workload.key, None)
        if workload.process is not None:
            process, workload.process = workload.process, None
            workload.ready = False
            await process.stop()

    async def _remove(self, key: ObjKey) -> None:
        workload = self.workloads.pop(key)
        if workload.tools_task:
            workload.tools_task.cancel()
        await self._stop_process(workload)
        log.info("stopped %s %s/%s (deleted)", *key)

    def _on_process_change(self, workload: Workload) -> None:
        if workload.process is None or workload.process.state != "running":
            workload.ready = False
        self._status_dirty.set()

    # --- readiness and status ---------------------------------------------------------------

    async def _probe_loop(self) -> None:
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:
            await self._probe_with(client)

    async def _probe_with(self, client: httpx.AsyncClient) -> None:
        tick = 0
        while True:
            await asyncio.sleep(self._probe_interval)
            tick += 1
            # not ready yet: every tick; ready ones now and then, to notice a hang
            every = tick % 20 == 0
            due = [w for w in self.workloads.values() if w.running and (not w.ready or every)]
            results = await asyncio.gather(*(probe(w, client) for w in due), return_exceptions=True)
            for workload, flipped in zip(due, results, strict=True):
                if flipped is not True:
                    continue
                self._status_dirty.set()
                if workload.ready and workload.key[0] == "MCPServer":
                    self._discover_later(workload)

    def _discover_later(self, workload: Workload) -> None:
        from bosun.controller.discovery import DiscoveryFailed, Endpoint, list_tools

        async def discover() -> None:
            try:
                tools = await list_tools(Endpoint(workload.plan.url, timeout=10.0))
                workload.tools = [tool.to_wire() for tool in tools]
            except DiscoveryFailed as exc:
                log.warning("%s %s/%s: %s", *workload.key, exc)
                return
            self._status_dirty.set()

        if workload.tools_task is None or workload.tools_task.done():
            workload.tools_task = asyncio.create_task(discover())

    async def _status_loop(self) -> None:
        while True:
            await self._status_dirty.wait()
            await asyncio.sleep(self._debounce)
            self._status_dirty.clear()
            # Teams last: their status reads the members' status written in this pass.
            ordered = sorted(self.workloads.values(), key=lambda w: w.key[0] == TEAM)
            for workload in ordered:
                # status.url: where the control plane's A2A proxy reaches the agent
                extra: dict[str, Any] = {"url": workload.plan.url}
                if workload.tools is not None:
                    extra["discoveredTools"] = workload.tools
                ready = ready_condition(workload)
                team = self.mirror.typed(workload.key) if workload.key[0] == TEAM else None
                if team is not None:  # members and their readiness
                    members, ready = team_status(team, gather_references(self.mirror), ready)  # type: ignore[arg-type]
                    extra.update(members)
                try:
                    await self._write_status(
                        workload.key,
                        [workload.plan.accepted, ready],
                        generation=workload.plan.generation,
                        extra=extra,
                    )
                except Exception:  # e.g. the database is busy: try again shortly
                    log.exception("writing the status of %s %s/%s failed", *workload.key)
                    self._status_dirty.set()
                    await asyncio.sleep(1.0)

    async def _write_model_config(self, model: Any) -> None:
        assert isinstance(model, ModelConfig)
        accepted, secret_hash = model_config_status(model, self.mirror)
        extra = {"secretHash": secret_hash} if secret_hash else None
        generation = model.metadata.generation or 0
        await self._write_status(model.key, [accepted], generation=generation, extra=extra)

    async def _write_status(
        self,
        key: ObjKey,
        conditions: list[dict[str, Any]],
        *,
        generation: int,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if key not in self.mirror.objects:
            return
        old = self.mirror.status(key)
        new = merge_status(old, conditions, generation=generation, extra=extra)
        if same_status(old, new):
            return
        with contextlib.suppress(NotFound):
            stored = await self.store.patch_status(*key, new)
            self.mirror.apply(StoreEvent("MODIFIED", stored))
