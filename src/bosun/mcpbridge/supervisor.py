"""Keep one initialized MCP client session to one warm stdio child, restarting it on exit.

`ChildSupervisor.run()` is a task that lives as long as the bridge: it starts the child,
negotiates the protocol (`mode="auto"`: the 2026 `server/discover` probe, falling back to
the `initialize` handshake that older servers such as most npx packages speak), publishes
the session, waits for the child to go, and starts it again after a backoff (0.5 s,
doubling to 30 s; reset once a child stayed up for 10 s). `session()` is what request
handlers await; `status()` feeds /healthz.
"""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import anyio
from anyio.abc import Process
from mcp import Client, ClientSession
from mcp_types import Implementation

from bosun.mcpbridge.child import StdioChild

logger = logging.getLogger("bosun.mcpbridge")


class NotReady(Exception):
    """The child's session is not available (starting, restarting, stopped); says why."""


@dataclass(frozen=True)
class Status:
    ready: bool
    state: str  # starting | ready | restarting | stopped
    reason: str
    pid: int | None
    restarts: int
    protocol_version: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.state,
            "ready": self.ready,
            "reason": self.reason,
            "pid": self.pid,
            "restarts": self.restarts,
            "protocolVersion": self.protocol_version,
        }


class ChildSupervisor:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        init_timeout: float = 60.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        healthy_after: float = 10.0,
        stderr: TextIO | None = None,
        started: Process | None = None,
    ) -> None:
        """`started`: the first child, already started by the caller (spawn.py)."""
        if not argv:
            raise ValueError("the child command is empty")
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd
        self.init_timeout = init_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after
        self._stderr = stderr
        self._prefix = Path(self.argv[0]).name
        self._client: Client | None = None
        self._ready = anyio.Event()
        self._state = "starting"
        self._reason = f"starting {shlex.join(self.argv)}"
        self._child: StdioChild | None = None
        self._restarts = 0
        self._started = started

    # -- what request handlers and /healthz use ---------------------------------------

    def status(self) -> Status:
        client = self._client
        return Status(
            ready=client is not None,
            state=self._state,
            reason=self._reason,
            pid=self._child.pid if self._child is not None else None,
            restarts=self._restarts,
            protocol_version=client.session.protocol_version if client is not None else None,
        )

    async def session(self, wait_seconds: float) -> ClientSession:
        """The child's session, waiting up to `wait_seconds` for a (re)start to finish."""
        if self._client is None:
            with anyio.move_on_after(wait_seconds):
                await self._ready.wait()
        client = self._client
        if client is None:
            raise NotReady(f"the stdio MCP server is not ready ({self._state}): {self._reason}")
        return client.session

    # -- the supervising task -----------------------------------------------------------

    async def run(self) -> None:
        """Run the child until cancelled, restarting it whenever it goes."""
        failures = 0
        try:
            while True:
                started = anyio.current_time()
                was_ready, reason = await self._run_once()
                if was_ready and anyio.current_time() - started >= self.healthy_after:
                    failures = 0
                failures += 1
                delay = min(self.backoff_max, self.backoff_initial * 2 ** (failures - 1))
                self._state = "restarting"
                self._reason = f"{reason}; restarting in {delay:.1f}s"
                logger.warning(
                    "mcp-bridge: stdio server %s; restart #%d in %.1fs",
                    reason,
                    self._restarts + 1,
                    delay,
                )
                await anyio.sleep(delay)
                self._restarts += 1
        finally:
            self._unpublish()
            logger.info("mcp-bridge: stdio server stopped")
            self._state = "stopped"
            self._reason = "the bridge is shutting down"

    async def _run_once(self) -> tuple[bool, str]:
        """Start one child and serve it until it goes; return (became ready, why it ended)."""
        started, self._started = self._started, None
        child = StdioChild(
            self.argv, env=self.env, cwd=self.cwd, on_stderr=self._forward_stderr, started=started
        )
        self._child = child
        client = Client(
            child.connect(),
            mode="auto",
            cache=None,  # a bridge forwards; caching is the HTTP clients' business
            client_info=Implementation(name="bosun-mcp-bridge", version=_version()),
        )
        self._state = "starting"
        self._reason = f"starting {shlex.join(self.argv)}"
        ready = False
        timed_out = False
        try:
            async with anyio.create_task_group() as tg:
                watchdog = anyio.CancelScope()

                async def expire() -> None:
                    nonlocal timed_out
                    with watchdog:
                        await anyio.sleep(self.init_timeout)
                        timed_out = True
                        tg.cancel_scope.cancel()

                tg.start_soon(expire)
                async with client:
                    watchdog.cancel()
                    ready = True
                    self._publish(client, child)
                    await child.gone.wait()
                    self._unpublish()
                    self._state = "restarting"
                    self._reason = f"pid {child.pid} {child.gone_reason}"
        except Exception as exc:
            leaf = innermost(exc)
            if child.pid is None and isinstance(leaf, OSError):  # cannot be started at all
                return False, f"cannot start {self.argv[0]!r}: {leaf.strerror or leaf}"
            if child.gone.is_set():
                return ready, f"pid {child.pid} {child.gone_reason}"
            return ready, f"session with pid {child.pid} failed: {describe_error(exc)}"
        finally:
            self._unpublish()
        if timed_out:
            limit = f"{self.init_timeout:g}s"
            return False, f"pid {child.pid} did not answer the MCP handshake within {limit}"
        return ready, f"pid {child.pid} {child.gone_reason or 'ended its session'}"

    def _publish(self, client: Client, child: StdioChild) -> None:
        self._client = client
        self._state = "ready"
        self._reason = "the stdio MCP server is initialized"
        self._ready.set()
        logger.info(
            "mcp-bridge: stdio server ready: pid %s, protocol %s, %s",
            child.pid,
            client.session.protocol_version,
            shlex.join(self.argv),
        )

    def _unpublish(self) -> None:
        if self._client is not None:
            self._client = None
            self._ready = anyio.Event()

    def _forward_stderr(self, pid: int, line: str) -> None:
        stream = self._stderr or sys.stderr
        stream.write(f"[{self._prefix} {pid}] {line}\n")
        stream.flush()


def innermost(exc: BaseException) -> BaseException:
    """The first leaf of a (possibly nested) exception group."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def describe_error(exc: BaseException) -> str:
    """The innermost meaningful error of a (possibly grouped) exception, in one line."""
    exc = innermost(exc)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _version() -> str:
    from bosun import __version__

    return __version__
