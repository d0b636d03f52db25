"""pytest support: the `mock_llm` fixture, a factory of started MockLLM servers.

Any test module can use it without a conftest.py:

    from bosun.mockllm.testing import mock_llm  # noqa: F401  (pytest finds the fixture)

    def test_agent(mock_llm):
        llm = mock_llm([{"match": {}, "text": "hello"}])
        ...  # point a model at llm.openai_base_url or llm.anthropic_base_url

Every server the factory started is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bosun.mockllm.harness import MockLLM
from bosun.mockllm.script import ScriptLike

MockLLMFactory = Callable[..., MockLLM]


@pytest.fixture
def mock_llm() -> Iterator[MockLLMFactory]:
    """`mock_llm(script=None, **kwargs) -> MockLLM`, started; all stopped at teardown."""
    started: list[MockLLM] = []

    def start(script: ScriptLike | None = None, **kwargs: Any) -> MockLLM:
        server = MockLLM(script, **kwargs).start()
        started.append(server)
        return server

    yield start
    if len(started) > 1:  # stopping takes ~0.15 s (uvicorn's shutdown): do them side by side
        with ThreadPoolExecutor(len(started)) as pool:
            list(pool.map(MockLLM.stop, started))
    elif started:
        started[0].stop()
