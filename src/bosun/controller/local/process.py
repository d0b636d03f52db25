"""One supervised child process: start it, restart it with backoff when it dies, stop it.

Used by the local supervisor (`supervisor.py`) for every workload of `bosun up`: each Agent's
`bosun agent`, each MCPServer's bridge. Output goes straight to a log file per workload (the
child writes to the file descriptor; nothing is pumped through this process). Each child
leads its own process group so that stopping it also stops what it started (npx, uvx ...),
and, on Linux, gets SIGTERM if the supervisor dies without stopping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

MAX_LOG_BYTES = 10 * 1024 * 1024  # a log past this size is started afresh (one old copy kept)
STOP_GRACE_SECONDS = 5.0
BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
STABLE_AFTER = 10.0  # a child that ran this long resets the backoff

State = Literal["starting", "running", "backoff", "failed", "stopped"]


@dataclass(frozen=True)
class InitStep:
    """A pod's init container, run to completion before the child on every start."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(repr=False)  # may hold secrets (a git token): never printed


@dataclass(frozen=True)
class ProcessSpec:
    """What to run: argv, full environment, working directory, log file, init steps."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(repr=False)  # may hold secrets: never printed
    cwd: Path
    log_path: Path
    init: tuple[InitStep, ...] = ()

    def same_as(self, other: ProcessSpec | None) -> bool:
        return other is not None and (self.argv, self.env, self.cwd, self.init) == (
            other.argv,
            other.env,
            other.cwd,
            other.init,
        )


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function asking Linux to SIGTERM the child when its parent dies.

    libc and prctl are looked up here, before any fork, so the child only makes one call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    term = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, term, 0, 0, 0)

    return preexec


_PREEXEC = _parent_death_signal()


class SupervisedProcess:
    """Keeps one child running until `stop()`; restarts it with exponential backoff.

    `on_change` is called (without arguments) whenever the state, pid or restart count
    changes, so the owner can update status. It must not block.
    """

    def __init__(
        self,
        name: str,
        spec: ProcessSpec,
        *,
        on_change: Callable[[], None] | None = None,
        backoff_start: float = BACKOFF_START,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self.name = name
        self.spec = spec
        self.state: State = "starting"
        self.pid: int | None = None
        self.restarts = 0
        self.last_exit: int | None = None  # exit code (negative: killed by that signal)
        self.last_error: str | None = None  # why it could not be started
        self.init_error: str | None = None  # which init step failed last, and its stderr
        self.init_step: str | None = None  # the init step running now
        self.started_at: float | None = None
        self._on_change = on_change or (lambda: None)
        self._backoff_start = backoff_start
        self._backoff_max = backoff_max
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"supervise {self.name}")

    async def _run(self) -> None:
        delay = self._backoff_start
        while not self._stopping.is_set():
            began = time.monotonic()
            code = await self._run_once()
            if self._stopping.is_set():
                break
            if time.monotonic() - began >= STABLE_AFTER:
                delay = self._backoff_start
            self.last_exit = code
            self.restarts += 1
            self._set("backoff")
            why = self.init_error or f"exited with {describe_exit(code)}"
            self._note(f"{why}; restarting in {delay:.1f}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            delay = min(delay * 2, self._backoff_max)
        self._set("stopped")

    async def _run_once(self) -> int | None:
        """Run the init steps, then the child until it exits; the exit code of the child
        (or of the init step that failed), or None if it could not start."""
        for step in self.spec.init:
            code = await self._run_init(step)
            if code != 0 or self._stopping.is_set():
                return code
        self.init_error = None
        log = _open_log(self.spec.log_path)
        try:
            log.write(
                f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} bosun: starting "
                f"{' '.join(self.spec.argv)}\n".encode()
            )
            log.flush()
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    *self.spec.argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    cwd=self.spec.cwd,
                    env=self.spec.env,
                    start_new_session=True,  # own process group: stop() reaches grandchildren
                    preexec_fn=_PREEXEC,
                )
            except OSError as exc:
                self.last_error = f"cannot start {self.spec.argv[0]}: {exc.strerror or exc}"
                log.write(f"--- bosun: {self.last_error}\n".encode())
                self.pid = None
                return None
        finally:
            log.close()
        self.last_error = None
        self.pid = self._proc.pid
        self.started_at = time.time()
        self._set("running")
        code = await self._proc.wait()
        self._kill_group(signal.SIGKILL)  # leftovers of a child that died alone
        self.pid = None
        return code

    async def _run_init(self, step: InitStep) -> int | None:
        """One init step to its end: output in the log, its last stderr lines kept for
        status when it fails (skills-fetch writes one line per source that failed)."""
        self.init_step = step.name
        self._on_change()
        log = _open_log(self.spec.log_path)
        try:
            log.write(
                f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} bosun: init step {step.name}: "
                f"{' '.join(step.argv)}\n".encode()
            )
            log.flush()
            try:
                self._proc = await asyncio.create_subprocess_exec(
                    *step.argv,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=asyncio.subprocess.PIPE,
                    cwd=self.spec.cwd,
                    env=step.env,
                    start_new_session=True,
                    preexec_fn=_PREEXEC,
                )
            except OSError as exc:
                self.init_error = f"init step {step.name} cannot start: {exc.strerror or exc}"
                log.write(f"--- bosun: {self.init_error}\n".encode())
                return None
            _, err = await self._proc.communicate()
            log.write(err)
            code = self._proc.returncode
        finally:
            log.close()
            self.init_step = None
        self._kill_group(signal.SIGKILL)
        if code != 0 and not self._stopping.is_set():
            lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
            detail = "; ".join(lines[-5:])[-1500:] or "no output"
            self.init_error = f"init step {step.name} failed ({describe_exit(code)}): {detail}"
        return code

    def _kill_group(self, sig: signal.Signals) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, sig)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop the child and its process group: SIGTERM, then SIGKILL after `grace`."""
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.returncode is None:
            self._kill_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                self._kill_group(signal.SIGKILL)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), grace)
        self._kill_group(signal.SIGKILL)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.state = "stopped"
        self.pid = None

    def _set(self, state: State) -> None:
        self.state = state
        self._on_change()

    def _note(self, text: str) -> None:
        with contextlib.suppress(OSError), _open_log(self.spec.log_path) as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} bosun: {text}\n".encode())


def describe_exit(code: int | None) -> str:
    """`exit code 1`, `signal SIGKILL`: how logs and status messages name a child's end."""
    if code is None:
        return "a start failure"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _open_log(path: Path) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > MAX_LOG_BYTES:
            path.replace(path.with_name(path.name + ".1"))
    return open(path, "ab")  # handed to the child, closed by the caller
