"""config.json model settings -> engine models: provider, parameters, keys, TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from bosun.api.config import ModelSettings, TLSSettings
from bosun.runtime.models import ModelConfigError, build_model, model_settings, ssl_verify

ADAPTER: TypeAdapter[ModelSettings] = TypeAdapter(ModelSettings)


def settings(**data):
    return ADAPTER.validate_python(data)


def test_openai_parameters_become_model_settings() -> None:
    result = model_settings(
        settings(type="openai", model="m", temperature=0.1, max_tokens=10, seed=3, timeout=9)
    )
    assert result["temperature"] == 0.1 and result["max_tokens"] == 10 and result["seed"] == 3
    assert result["timeout"] == 9


def test_retries_are_the_clients_not_per_request_settings(monkeypatch) -> None:
    # A `max_retries` model setting makes the engine copy the SDK client on every request;
    # the clients Bosun builds carry the retries instead. Google's client is not ours.
    monkeypatch.setenv("BOSUN_MODEL_API_KEY", "k")
    for data in (
        dict(type="openai", model="m"),
        dict(type="anthropic", model="claude"),
        dict(type="ollama", model="llama3", host="http://ollama:11434"),
    ):
        model = build_model(settings(**data))
        assert model.settings is not None and "max_retries" not in model.settings
        assert model.client.max_retries == 3
    gemini = build_model(settings(type="gemini", model="gemini-2.5-flash"))
    assert gemini.settings is not None and gemini.settings["max_retries"] == 3


def test_each_provider_type_builds_its_model(monkeypatch) -> None:
    monkeypatch.setenv("BOSUN_MODEL_API_KEY", "k")
    cases = {
        "openai": dict(type="openai", model="gpt-4o"),
        "azure_openai": dict(
            type="azure_openai", model="gpt-4o", azure_endpoint="https://x", api_version="v"
        ),
        "anthropic": dict(type="anthropic", model="claude"),
        "ollama": dict(type="ollama", model="llama3", host="http://ollama:11434"),
        "gemini": dict(type="gemini", model="gemini-2.5-flash"),
        "bedrock": dict(type="bedrock", model="anthropic.claude", region="us-east-1"),
    }
    systems = {name: build_model(settings(**data)).system for name, data in cases.items()}
    assert systems["openai"] == "openai" and systems["anthropic"] == "anthropic"
    assert systems["azure_openai"] == "azure" and systems["ollama"] == "ollama"
    assert systems["gemini"] == "google" and systems["bedrock"] == "bedrock"


def test_missing_api_key_names_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("BOSUN_MODEL_API_KEY", raising=False)
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(ModelConfigError, match="MY_KEY"):
        build_model(settings(type="anthropic", model="claude", api_key_env="MY_KEY"))
    # An OpenAI-compatible server at a base URL may need no key at all.
    build_model(settings(type="openai", model="m", base_url="http://vllm:8000/v1"))


def test_tls_settings(tmp_path: Path) -> None:
    assert ssl_verify(None) is True
    assert ssl_verify(TLSSettings(disable_verify=True)) is False
    with pytest.raises(ModelConfigError, match="does not exist"):
        ssl_verify(TLSSettings(ca_cert_file=str(tmp_path / "missing.pem")))
    ca = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    if ca.exists():
        context = ssl_verify(TLSSettings(ca_cert_file=str(ca), disable_system_cas=True))
        assert isinstance(context, ssl.SSLContext)


def test_instruction_from_a_mounted_file(tmp_path: Path) -> None:
    from bosun.api.config import AgentConfig
    from bosun.runtime.engine import instruction

    prompt = tmp_path / "prompt.txt"
    prompt.write_text("You are kept in a Secret.")
    base = {"name": "ns/a", "instruction": "inline", "model": {"type": "openai", "model": "m"}}
    assert instruction(AgentConfig.model_validate(base)) == "inline"
    config = AgentConfig.model_validate({**base, "instruction_file": str(prompt)})
    assert instruction(config) == "You are kept in a Secret."
    missing = AgentConfig.model_validate({**base, "instruction_file": str(tmp_path / "nope")})
    with pytest.raises(ModelConfigError, match="instruction_file"):
        instruction(missing)
