"""The fake LLM's `POST /v1/embeddings` (bosun.mockllm.embeddings) over real HTTP: the same
text always gives the same unit vector, float and base64 agree, `dimensions` is honoured,
texts that share words are nearer than texts that share none, and bad requests are 400."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bosun.mockllm import MockLLM


@pytest.fixture(scope="module")
def llm() -> Iterator[MockLLM]:
    with MockLLM([{"default": True, "text": "ok"}]) as server:
        yield server


def post(llm: MockLLM, body: dict[str, Any], path: str = "/v1/embeddings") -> httpx.Response:
    return httpx.post(llm.url + path, json=body, timeout=10.0)


def vectors(response: httpx.Response) -> list[list[float]]:
    assert response.status_code == 200, response.text
    return [item["embedding"] for item in response.json()["data"]]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_deterministic_unit_vectors(llm: MockLLM) -> None:
    texts = ["The user's favourite colour is green", "favourite colour", "deploy on friday"]
    first = vectors(post(llm, {"model": "emb", "input": texts}))
    again = vectors(post(llm, {"model": "emb", "input": texts}))
    assert first == again
    assert [len(v) for v in first] == [256, 256, 256]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0) for v in first)
    assert cosine(first[0], first[1]) > 0.5 > cosine(first[0], first[2])
    assert cosine(first[1], first[2]) < cosine(first[0], first[1])
    body = post(llm, {"model": "emb", "input": "one"}).json()
    assert body["model"] == "emb" and body["data"][0]["index"] == 0
    unversioned = post(llm, {"input": "one"}, path="/embeddings")
    assert vectors(unversioned) == [body["data"][0]["embedding"]]


def test_base64_and_dimensions(llm: MockLLM) -> None:
    plain = vectors(post(llm, {"input": ["green colour"], "dimensions": 16}))[0]
    packed = post(llm, {"input": ["green colour"], "dimensions": 16, "encoding_format": "base64"})
    raw = base64.b64decode(packed.json()["data"][0]["embedding"])
    decoded = list(struct.unpack("<16f", raw))
    assert len(plain) == 16
    assert all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(plain, decoded, strict=True))


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"input": [1, 2]}, "`input`"),
        ({"input": "x", "dimensions": 0}, "`dimensions`"),
        ({"input": "x", "dimensions": 5000}, "`dimensions`"),
        ({"input": "x", "encoding_format": "int8"}, "`encoding_format`"),
    ],
)
def test_bad_requests_are_400(llm: MockLLM, body: dict[str, Any], says: str) -> None:
    response = post(llm, body)
    assert response.status_code == 400
    assert says in response.json()["error"]["message"]
