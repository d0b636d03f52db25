"""Chat Completions requests without the OpenAI SDK's parameter transform when it is a no-op.

Installed by `bosun.runtime.models` when it builds an OpenAI, Azure OpenAI or Ollama model.
The SDK passes every request's parameters through `async_maybe_transform`, which walks
them against their TypedDict annotations to apply key aliases and formats (dates, base64
files). The Chat Completions parameters declare neither, so for the plain JSON the engine
sends (dicts, lists, strings, numbers) the result equals the input, minus the omitted
arguments; yet the walk tries each of the six message types on every message and was
the largest single cost of a turn (about a fifth of its CPU with 3 tool calls).

We replace the name in the SDK's chat-completions module only, with a function that
returns plain data as it is and hands anything else (pydantic models, iterators, files,
a type it does not know) to the SDK's own transform. A unit test compares both on a
full request, so an SDK version that starts transforming these parameters is noticed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("bosun.runtime")

Transform = Callable[[object, object], Coroutine[Any, Any, Any]]

_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})
_installed = False


def is_plain(value: object) -> bool:
    """Whether `value` is JSON made of dicts with str keys, lists and scalars only."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return True
    # Exact types: a subclass (an enum, a custom mapping) may serialise differently.
    if kind is dict and isinstance(value, dict):
        return all(type(k) is str and is_plain(v) for k, v in value.items())
    if kind is list and isinstance(value, list):
        return all(is_plain(v) for v in value)
    return False


def plain_transform(sdk_transform: Transform, params_types: tuple[object, ...]) -> Transform:
    """`sdk_transform`, short-cut for plain request parameters of one of `params_types`."""
    from openai import NotGiven, Omit

    async def transform(data: object, expected_type: object) -> Any:
        if expected_type in params_types and type(data) is dict:
            given = {k: v for k, v in data.items() if not isinstance(v, NotGiven | Omit)}
            try:
                plain = is_plain(given)
            except RecursionError:  # absurdly deep: let the SDK decide
                plain = False
            if plain:
                return given
        return await sdk_transform(data, expected_type)

    return transform


def install() -> None:
    """Use the short-cut for chat completion requests in this process (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from openai.resources.chat.completions import completions as module
    from openai.types.chat import completion_create_params as params

    sdk_transform = getattr(module, "async_maybe_transform", None)
    if sdk_transform is None:  # another SDK layout: keep its own behaviour
        log.debug("openai SDK without async_maybe_transform in chat completions; not replaced")
        return
    module.async_maybe_transform = plain_transform(  # type: ignore[attr-defined,assignment]
        sdk_transform,
        (params.CompletionCreateParamsNonStreaming, params.CompletionCreateParamsStreaming),
    )
