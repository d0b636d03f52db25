"""The fake LLM's embeddings: `POST /v1/embeddings` (OpenAI's shape), deterministic.

Each text becomes a hashed bag of words: its lower-cased words (a trailing plural `s`
dropped) are hashed into `dimensions` buckets (default 256) and the counts normalised to
length 1. Texts that share words are near in cosine distance, texts that share none are
orthogonal, and the same text always gives the same vector, so memory tests and
`bosun up --mock-llm` can use semantic search offline. Mounted by `app.create_app`.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

DEFAULT_DIMENSIONS = 256
MAX_DIMENSIONS = 4096
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        out.append(word)
    return out


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The hashed bag-of-words vector of `text` (all zeros for a text without words)."""
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest, "little") % dimensions] += 1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def _encode(vector: list[float], encoding: str) -> Any:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


def embeddings_route(
    record: Callable[[Request], Awaitable[tuple[Any, Any, str | None]]],
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint, recording each request through the app's `record`."""

    async def embeddings(request: Request) -> Response:
        _, body, problem = await record(request)
        if problem is not None or not isinstance(body, dict):
            return _error(problem or "the request body must be a JSON object")
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            return _error("`input` must be a string or a list of strings (token arrays: no)")
        dimensions = body.get("dimensions")
        dimensions = DEFAULT_DIMENSIONS if dimensions is None else dimensions  # 0 is an error
        if (
            not isinstance(dimensions, int)
            or isinstance(dimensions, bool)
            or not 1 <= dimensions <= MAX_DIMENSIONS
        ):
            return _error(f"`dimensions` must be an integer from 1 to {MAX_DIMENSIONS}")
        enc = body.get("encoding_format") or "float"
        if enc not in ("float", "base64"):
            return _error("`encoding_format` must be float or base64")
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(embed(t, dimensions), enc)}
            for i, t in enumerate(inputs)
        ]
        tokens = sum(len(words(t)) for t in inputs)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": str(body.get("model") or "mock-embedding"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )

    return embeddings


def _error(message: str) -> Response:
    return JSONResponse(
        {"error": {"message": f"mockllm: {message}", "type": "invalid_request_error"}},
        status_code=400,
    )
