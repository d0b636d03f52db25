"""Running the fake LLM: `MockLLM` in a background thread for tests, `serve` for the CLI.

Tests (and users testing their own agents) use `MockLLM` as a context manager; it
listens on 127.0.0.1 on a free port and runs uvicorn on its own event loop in a daemon
thread, so it works the same from sync and async tests. `bosun mockllm` calls `serve`,
which runs in the foreground until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from bosun.mockllm.engine import RuleBook
from bosun.mockllm.recorder import KEEP, RecordedRequest, Recorder
from bosun.mockllm.script import Script, ScriptLike, load_script

_START_TIMEOUT = 10.0


def _watch_path(source: ScriptLike | None) -> Path | None:
    return Path(source) if isinstance(source, str | Path) else None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port. Raises OSError (e.g. address in use)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it each keep-alive answer waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def _server(state: Any, graceful_seconds: int) -> Any:
    import uvicorn  # here, so importing bosun.mockllm stays cheap

    from bosun.mockllm.app import create_app

    config = uvicorn.Config(
        create_app(state),
        log_config=None,  # leave the host program's logging configuration alone
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=graceful_seconds,
    )
    return uvicorn.Server(config)


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class MockLLM:
    """A scripted fake LLM server for tests.

    >>> with MockLLM({"rules": [{"match": {}, "text": "hi"}]}) as llm:
    ...     llm.openai_base_url  # 'http://127.0.0.1:PORT/v1'
    """

    def __init__(
        self,
        script: ScriptLike | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keep: int = KEEP,
    ) -> None:
        from bosun.mockllm.app import MockState

        loaded = load_script(script) if script is not None else Script()
        self._state = MockState(RuleBook(loaded, _watch_path(script)), Recorder(keep))
        self._host, self._port = host, port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        self._failure: BaseException | None = None

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> MockLLM:
        """Start serving (returns once the port accepts connections). Returns self."""
        if self._thread is not None:
            return self
        sock = bind(self._host, self._port)
        self._url = _url(sock)
        self._server = _server(self._state, graceful_seconds=1)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), name=f"mockllm {self._url}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mockllm did not start on {self._url}: {self._failure!r}")
            time.sleep(0.002)
        return self

    def _run(self, sock: socket.socket) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[sock]))
        except BaseException as exc:  # reported by start(); a thread must not die silently
            self._failure = exc
        finally:
            sock.close()

    def stop(self) -> None:
        """Stop serving; requests still waiting in a `delay` are cut off. Idempotent."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._server.should_exit = True
        self._server.force_exit = True  # do not wait for slow (delayed) requests to finish
        thread.join(timeout=5)

    def __enter__(self) -> MockLLM:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockLLM:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # --- where to point clients ------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (Anthropic clients use this one)."""
        if self._url is None:
            raise RuntimeError(
                "MockLLM is not started: use it as a context manager or call start()"
            )
        return self._url

    @property
    def openai_base_url(self) -> str:
        """OpenAI-compatible base URL: {url}/v1."""
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        """Anthropic base URL (the SDK adds /v1/messages itself)."""
        return self.url

    # --- script and records ----------------------------------------------------------------
    @property
    def script(self) -> Script:
        return self._state.rules.script

    def set_script(self, script: ScriptLike) -> None:
        """Replace the rules (use counts start again at zero)."""
        self._state.rules.set_script(load_script(script), _watch_path(script))

    def rule_uses(self) -> list[int]:
        """How many times each rule (by index) has answered."""
        return self._state.rules.uses()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (copies), oldest first."""
        return self._state.recorder.snapshot()

    def llm_requests(self) -> list[RecordedRequest]:
        """Only the chat/messages calls (not /v1/models, count_tokens or unknown paths)."""
        return [r for r in self.requests if r.api is not None]

    def clear_requests(self) -> None:
        self._state.recorder.clear()

    def wait_for_requests(self, count: int = 1, timeout: float = 5.0) -> list[RecordedRequest]:
        """Block until at least `count` LLM requests arrived; raises TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while len(found := self.llm_requests()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"mockllm got {len(found)} of {count} requests in {timeout}s")
            time.sleep(0.01)
        return found


def serve(
    script: Script,
    host: str,
    port: int,
    *,
    watch: Path | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (used by `bosun mockllm`).

    `on_ready(url)` is called once the address is bound. Raises OSError when it cannot be
    bound. uvicorn re-raises the signal it stopped on, so Ctrl-C ends in KeyboardInterrupt.
    Requests are logged on the `bosun.mockllm` logger.
    """
    from bosun.mockllm.app import MockState

    sock = bind(host, port)
    try:
        server = _server(MockState(RuleBook(script, watch), Recorder()), graceful_seconds=2)
        if on_ready is not None:
            on_ready(_url(sock))
        server.run(sockets=[sock])
    finally:
        sock.close()
