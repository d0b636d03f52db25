"""Embeddings for long-term memory: the memory ModelConfig's provider, or a keyword vector.

Built once by `bosun.runtime.memory.build_memory` from config.json's `memory.model`:

- OpenAI, Azure OpenAI, Ollama and any OpenAI-compatible base URL: the provider's
  `/embeddings` endpoint through pydantic-ai's OpenAIEmbeddingModel, reusing the openai
  client `bosun.runtime.models` builds (so base URL, key, headers and TLS are the same).
- Gemini: pydantic-ai's GoogleEmbeddingModel; Bedrock: its BedrockEmbeddingModel.
- Anthropic (either flavour) and Gemini on Vertex AI: no embedding model here; a
  MemoryConfigError names the setting.
- no `memory.model`: a built-in hashed bag of words (no network; near for texts that share
  words, not for synonyms) so memory works offline.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from typing import Any, Protocol

from bosun.api.config import (
    AzureOpenAIModel,
    BedrockModel,
    GeminiModel,
    ModelSettings,
    OllamaModel,
    OpenAIModel,
)
from bosun.runtime.models import ModelConfigError, api_key, build_model

KEYWORD_DIMENSIONS = 256


class MemoryConfigError(ModelConfigError):
    """memory.model cannot give embeddings; the message says why."""


class Embedder(Protocol):
    name: str

    async def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


_WORD = re.compile(r"[a-z0-9]+")


class KeywordEmbedder:
    """Hashed bag of words, normalised to length 1 (the same idea as the fake LLM's)."""

    name = "keywords"

    def vector(self, text: str) -> list[float]:
        vector = [0.0] * KEYWORD_DIMENSIONS
        for word in _WORD.findall(text.lower()):
            if len(word) > 3 and word.endswith("s"):
                word = word[:-1]
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vector[int.from_bytes(digest, "little") % KEYWORD_DIMENSIONS] += 1.0
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector] if norm else vector

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vector(t) for t in texts]


class PydanticAIEmbedder:
    """One of pydantic-ai's embedding models."""

    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        result = await self._model.embed(list(texts), input_type="document")
        return [list(map(float, e)) for e in result.embeddings]


def build_embedder(settings: ModelSettings | None) -> Embedder:
    """The embedder for memory.model (None: keywords). Raises MemoryConfigError."""
    if settings is None:
        return KeywordEmbedder()
    name = f"{settings.type}:{settings.model}"
    if isinstance(settings, OpenAIModel | AzureOpenAIModel | OllamaModel):
        from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel
        from pydantic_ai.providers.openai import OpenAIProvider

        chat: Any = build_model(settings)  # the configured openai client, reused
        model_name = settings.model
        if isinstance(settings, AzureOpenAIModel) and settings.azure_deployment:
            model_name = settings.azure_deployment
        provider = OpenAIProvider(openai_client=chat.client)
        return PydanticAIEmbedder(OpenAIEmbeddingModel(model_name, provider=provider), name)
    if isinstance(settings, GeminiModel):
        from pydantic_ai.embeddings.google import GoogleEmbeddingModel
        from pydantic_ai.providers.google import GoogleProvider

        key = api_key(settings)
        if key is None:
            raise MemoryConfigError("memory.model (Gemini) needs an API key")
        provider_g = GoogleProvider(api_key=key, base_url=settings.base_url)
        return PydanticAIEmbedder(GoogleEmbeddingModel(settings.model, provider=provider_g), name)
    if isinstance(settings, BedrockModel):
        from pydantic_ai.embeddings.bedrock import BedrockEmbeddingModel
        from pydantic_ai.providers.bedrock import BedrockProvider

        provider_b = BedrockProvider(region_name=settings.region, base_url=settings.base_url)
        return PydanticAIEmbedder(BedrockEmbeddingModel(settings.model, provider=provider_b), name)
    raise MemoryConfigError(
        f"memory.model: provider type {settings.type!r} offers no embeddings in Bosun; use an "
        "OpenAI-compatible, Azure OpenAI, Ollama, Gemini or Bedrock ModelConfig for memory"
    )
