"""One stdio MCP server child process, as an `mcp` client transport.

Why not the SDK's `stdio_client`: the bridge needs the child's pid and a signal when it
dies (to restart it at once rather than on the next failed request), its stderr forwarded
line by line with a prefix, the full environment of the pod passed through (the SDK keeps
only HOME, PATH, ...: an MCPServer's env and secretRefs would be lost), and the whole
process group stopped, so that wrappers such as `npx` leave no grandchild behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import anyio
import mcp_types
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client._transport import TransportStreams
from mcp.shared.message import SessionMessage

from bosun.mcpbridge.spawn import open_child

logger = logging.getLogger("bosun.mcpbridge")

# After stdin closes, a well-behaved server exits on its own; then SIGTERM, then SIGKILL.
GRACE_SECONDS = 2.0
TERM_SECONDS = 2.0
_POLL_SECONDS = 0.05


class StdioChild:
    """Spawns `argv` on `connect()` (or adopts `started`, a process already running it);
    `pid`, `returncode` and `gone` describe the process."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        on_stderr: Callable[[int, str], None] | None = None,
        started: Process | None = None,
    ) -> None:
        if not argv:
            raise ValueError("the child command is empty")
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd
        self.on_stderr = on_stderr
        self.started = started  # already running (spawn.py): adopted by connect()
        self.pid: int | None = None
        self.returncode: int | None = None
        self.gone = anyio.Event()  # set when the process exits or closes its stdout
        self.gone_reason = ""

    def connect(self) -> contextlib.AbstractAsyncContextManager[TransportStreams]:
        return self._connect()

    @contextlib.asynccontextmanager
    async def _connect(self) -> AsyncIterator[TransportStreams]:
        process, self.started = self.started, None
        if process is None:
            process = await open_child(self.argv, env=self.env, cwd=self.cwd)
        self.pid = process.pid
        to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](0)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._read_stdout, process, to_session)
            tg.start_soon(self._write_stdin, process, from_session, to_session)
            tg.start_soon(self._forward_stderr, process)
            tg.start_soon(self._watch_exit, process)
            try:
                yield read_stream, write_stream
            finally:
                # Stopping must complete even when the bridge itself is being cancelled.
                with anyio.CancelScope(shield=True):
                    await self._stop(process)
                    for stream in (read_stream, write_stream, to_session, from_session):
                        await stream.aclose()
                tg.cancel_scope.cancel()

    def _mark_gone(self, reason: str) -> None:
        if not self.gone.is_set():
            self.gone_reason = reason
            self.gone.set()

    async def _read_stdout(
        self, process: Process, to_session: MemoryObjectSendStream[SessionMessage | Exception]
    ) -> None:
        assert process.stdout is not None
        try:
            async for line in _lines(process.stdout):
                if not line.strip():
                    continue
                try:
                    message = mcp_types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                except ValueError:
                    # Some servers print banners to stdout; that is not protocol, keep it visible.
                    self._stderr_line(f"(stdout, not JSON-RPC) {line}")
                    continue
                await to_session.send(SessionMessage(message))
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            return
        # Usually the process is exiting; wait a moment to report how, not just "EOF".
        if await _exited(process, 0.5):
            self.returncode = process.returncode
            self._mark_gone(describe_exit(process.returncode))
        else:
            self._mark_gone("closed its stdout while still running")
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            await to_session.aclose()

    async def _write_stdin(
        self,
        process: Process,
        from_session: MemoryObjectReceiveStream[SessionMessage],
        to_session: MemoryObjectSendStream[SessionMessage | Exception],
    ) -> None:
        assert process.stdin is not None
        try:
            async for item in from_session:
                data = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                await process.stdin.send((data + "\n").encode())
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            self._mark_gone("stopped reading its stdin")
            # End the session's reads too, so no request waits for an answer forever.
            await to_session.aclose()

    async def _forward_stderr(self, process: Process) -> None:
        assert process.stderr is not None
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            async for line in _lines(process.stderr):
                self._stderr_line(line)

    def _stderr_line(self, line: str) -> None:
        if self.on_stderr is not None and self.pid is not None:
            self.on_stderr(self.pid, line)

    async def _watch_exit(self, process: Process) -> None:
        # Polled, not process.wait(): on asyncio that also waits for the pipes to close,
        # which a grandchild holding them open would delay forever.
        while process.returncode is None:  # noqa: ASYNC110 (no exit event to await)
            await anyio.sleep(_POLL_SECONDS)
        self.returncode = process.returncode
        self._mark_gone(describe_exit(process.returncode))

    async def _stop(self, process: Process) -> None:
        """Close stdin, give the server a moment, then SIGTERM and SIGKILL its group."""
        if process.stdin is not None:
            with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                await process.stdin.aclose()
        if not await _exited(process, GRACE_SECONDS):
            _signal_group(process.pid, signal.SIGTERM)
            if not await _exited(process, TERM_SECONDS):
                _signal_group(process.pid, signal.SIGKILL)
                await _exited(process, TERM_SECONDS)
        # The server is gone; anything it started in its group goes with it.
        await _stop_group(process.pid)
        self.returncode = process.returncode
        self._mark_gone(describe_exit(process.returncode))
        with anyio.move_on_after(1.0):
            await process.aclose()


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "is still running"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


async def _exited(process: Process, seconds: float) -> bool:
    with anyio.move_on_after(seconds):
        while process.returncode is None:  # noqa: ASYNC110 (no exit event to await)
            await anyio.sleep(_POLL_SECONDS)
    return process.returncode is not None


async def _stop_group(pgid: int) -> None:
    """SIGTERM what is left of the child's process group, then SIGKILL it."""
    if not _signal_group(pgid, signal.SIGTERM):
        return
    with anyio.move_on_after(TERM_SECONDS):
        while _signal_group(pgid, 0):  # noqa: ASYNC110 (no event for a group's end)
            await anyio.sleep(_POLL_SECONDS)
        return
    _signal_group(pgid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> bool:
    """Send `sig` to the group; False when no process of the group is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _lines(stream: ByteReceiveStream) -> AsyncIterator[str]:
    """Decoded lines of a byte stream (without the newline), the last one even if unended."""
    buffer = bytearray()
    while True:
        try:
            chunk = await stream.receive()
        except anyio.EndOfStream:
            break
        # Search only the new bytes: a multi-megabyte message arrives in many chunks.
        scan_from = len(buffer)
        buffer += chunk
        newline = buffer.find(b"\n", scan_from)
        while newline != -1:
            yield bytes(buffer[:newline]).decode(errors="replace").rstrip("\r")
            del buffer[: newline + 1]
            newline = buffer.find(b"\n")
    if buffer:
        yield bytes(buffer).decode(errors="replace")
