"""The kubelet rotates an agent's projected ServiceAccount token in place: every client the
runtime has towards the control plane reads the current one for each request.

BOSUN_TOKEN_FILE is rewritten between two calls, and the second request a real HTTP server
receives carries the new token. Written against the public entry points only (the readers
behind them are being merged into one module): the session store (`open_backend`),
memories (`open_memories`), files (`FilePublisher`) and the model client the translator
routes through the gateway (`build_model` with `api_key_file`, against the fake LLM).

Two ways of rewriting: in place (an editor, `kubectl cp`), and the kubelet's own (a new
timestamped directory, then the `..data` symlink swapped atomically).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from pydantic_ai import Agent
from pydantic_ai.messages import BinaryContent
from runtime_helpers import serve_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.api import gateway as gateway_contract
from bosun.api.config import OpenAIModel
from bosun.mockllm.recorder import fingerprint
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.runtime.files import FilePublisher
from bosun.runtime.memory_store import open_memories
from bosun.runtime.models import build_model
from bosun.runtime.store import open_backend

# Same length: a reader cannot tell them apart by size.
FIRST, SECOND = "sa-token-one-aaaa", "sa-token-two-bbbb"

Rotate = Callable[[Path, str], None]


def _after_a_tick(path: Path) -> None:
    """Wait past the file's timestamp: kernels with coarse file times (a jiffy, 1-10 ms)
    give two writes that close together one mtime. A real rotation comes most of an hour
    after the last one; the readers may (and do) notice a change by its mtime."""
    if path.exists():
        time.sleep(0.02)


def in_place(path: Path, token: str) -> None:
    _after_a_tick(path)
    path.write_text(token + "\n")


def kubelet(path: Path, token: str) -> None:
    """The kubelet's atomic writer: DIR/..<ts>/token, DIR/..data -> ..<ts>, DIR/token ->
    ..data/token; a rotation writes a new ..<ts> and renames a new ..data link over the old."""
    _after_a_tick(path)
    directory = path.parent
    generation = len(list(directory.glob("..gen-*")))
    fresh = directory / f"..gen-{generation}"
    fresh.mkdir()
    (fresh / "token").write_text(token)
    link = directory / "..data_tmp"
    link.symlink_to(fresh.name)
    os.replace(link, directory / "..data")
    if not path.is_symlink():
        path.symlink_to("..data/token")
    for old in directory.glob("..gen-*"):
        if old != fresh:
            (old / "token").unlink()
            old.rmdir()


@pytest.fixture(params=[in_place, kubelet], ids=["in-place", "kubelet"])
def token_file(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Rotate]:
    rotate: Rotate = request.param
    directory = tmp_path / "serviceaccount"
    directory.mkdir()
    path = directory / "token"
    rotate(path, FIRST)
    monkeypatch.delenv("BOSUN_TOKEN", raising=False)  # a static token would win
    monkeypatch.setenv("BOSUN_TOKEN_FILE", str(path))
    return path, rotate


class Recorder:
    """The control plane's routes the runtime uses, answering minimally; keeps every
    request's path and Authorization header."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def app(self) -> Starlette:
        async def answer(request: Request) -> JSONResponse:
            self.seen.append((request.url.path, request.headers.get("authorization", "")))
            await request.body()
            path = request.url.path
            if path.endswith("/events"):
                return JSONResponse({"seq": len(self.seen)}, status_code=201)
            if path == "/api/files":
                return JSONResponse({"url": f"{request.base_url}api/files/f{len(self.seen)}"})
            if path == "/api/memories":
                return JSONResponse({"id": f"m{len(self.seen)}", "content": "x"}, status_code=201)
            return JSONResponse({}, status_code=201)

        paths = ["/api/sessions", "/api/sessions/{id}/events", "/api/memories", "/api/files"]
        return Starlette(routes=[Route(p, answer, methods=["POST"]) for p in paths])

    def tokens(self, path: str) -> list[str]:
        return [auth for seen, auth in self.seen if seen == path]


@pytest.fixture
async def controlplane(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    server = await serve_app(recorder.app())
    monkeypatch.setenv("BOSUN_URL", server.url.rstrip("/"))
    try:
        yield recorder
    finally:
        await server.stop()


async def test_session_store_sends_the_rotated_token(
    controlplane: Recorder, token_file: tuple[Path, Rotate], tmp_path: Path
) -> None:
    path, rotate = token_file
    backend = open_backend(agent="default/helper", data_dir=tmp_path / "data")
    try:
        await backend.ensure_session("ctx-1", agent="default/helper", user_id="alice")
        await backend.append_event("ctx-1", {"kind": "messages", "messages": []})
        rotate(path, SECOND)
        await backend.append_event("ctx-1", {"kind": "messages", "messages": []})
    finally:
        await backend.close()
    assert controlplane.tokens("/api/sessions") == [f"Bearer {FIRST}"]
    assert controlplane.tokens("/api/sessions/ctx-1/events") == [
        f"Bearer {FIRST}",
        f"Bearer {SECOND}",
    ]


async def test_memories_send_the_rotated_token(
    controlplane: Recorder, token_file: tuple[Path, Rotate], tmp_path: Path
) -> None:
    path, rotate = token_file
    memories = open_memories(agent="default/helper", data_dir=tmp_path / "data")
    try:
        await memories.add("alice", "likes tea", [0.1, 0.2], None)
        rotate(path, SECOND)
        await memories.add("alice", "likes green tea", [0.1, 0.3], None)
    finally:
        await memories.close()
    assert controlplane.tokens("/api/memories") == [f"Bearer {FIRST}", f"Bearer {SECOND}"]


async def test_files_send_the_rotated_token(
    controlplane: Recorder, token_file: tuple[Path, Rotate]
) -> None:
    path, rotate = token_file
    publisher = FilePublisher(agent="default/helper", user="alice", context_id="c", task_id="t")
    first = await publisher.parts([BinaryContent(data=b"one", media_type="text/plain")])
    rotate(path, SECOND)
    second = await publisher.parts([BinaryContent(data=b"two", media_type="text/plain")])
    assert [p.url for _, p in first + second] == [
        f"{os.environ['BOSUN_URL']}/api/files/f1",
        f"{os.environ['BOSUN_URL']}/api/files/f2",
    ]  # stored in the control plane, not inlined: both requests were answered
    assert controlplane.tokens("/api/files") == [f"Bearer {FIRST}", f"Bearer {SECOND}"]


async def test_gateway_model_client_sends_the_rotated_token(
    token_file: tuple[Path, Rotate],
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    path, rotate = token_file
    llm = mock_llm([{"default": True, "text": "hello"}])
    settings = OpenAIModel(
        model="gpt-test",
        base_url=llm.openai_base_url,
        api_key_env=gateway_contract.TOKEN_ENV,  # as the translator routes a model
        api_key_file=str(path),
    )
    agent = Agent(build_model(settings))
    assert (await agent.run("first")).output == "hello"
    rotate(path, SECOND)
    assert (await agent.run("second")).output == "hello"
    sent = [r.credentials.get("authorization") for r in llm.llm_requests()]
    assert sent == [fingerprint(FIRST), fingerprint(SECOND)]
