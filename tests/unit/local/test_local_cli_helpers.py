"""Pure helpers of the local-mode CLI: apply order, kubectl-like columns, provider choice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bosun.cli.restclient import apply_order, resolve_kind
from bosun.cli.tables import age, json_path, resource_table
from bosun.cli.up_models import choose, ollama_url

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def obj(kind: str, name: str, **spec: Any) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name}, "spec": spec}


def agent(name: str, *uses: str) -> dict[str, Any]:
    tools = [{"type": "Agent", "agent": {"name": u}} for u in uses]
    return obj("Agent", name, declarative={"tools": tools})


def test_apply_order_puts_references_first_and_sub_agents_before_callers() -> None:
    bodies = [
        agent("boss", "middle"),
        agent("middle", "leaf"),
        obj("ModelConfig", "m"),
        agent("leaf"),
        {"kind": "Secret", "metadata": {"name": "s"}},
        obj("MCPServer", "t"),
    ]
    names = [b["metadata"]["name"] for b in apply_order(bodies)]
    assert names == ["s", "m", "t", "leaf", "middle", "boss"]


def test_kind_names_like_kubectl() -> None:
    assert resolve_kind("agents") == "Agent"
    assert resolve_kind("mc") == "ModelConfig"
    assert resolve_kind("rmcps") == "RemoteMCPServer"
    assert resolve_kind("agents.kagent.dev") == "Agent"
    assert resolve_kind("pods") is None


def test_printer_columns_give_the_agent_table() -> None:
    item = {
        "metadata": {"name": "helper", "namespace": "default", "creationTimestamp": None},
        "spec": {"type": "Declarative", "declarative": {"modelConfig": "m"}},
        "status": {
            "conditions": [
                {"type": "Accepted", "status": "True"},
                {"type": "Ready", "status": "False"},
            ]
        },
    }
    lines = resource_table("Agent", [item], all_namespaces=True).splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "TYPE", "MODEL", "READY", "ACCEPTED", "AGE"]
    assert lines[1].split() == [
        "default",
        "helper",
        "Declarative",
        "m",
        "False",
        "True",
        "<unknown>",
    ]


def test_json_path_forms() -> None:
    data = {"status": {"discoveredTools": [{"name": "a"}, {"name": "b"}]}}
    assert json_path(data, ".status.discoveredTools[*].name") == ["a", "b"]
    assert json_path(data, ".status.missing") == []


def test_age_like_kubectl() -> None:
    now = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC)
    assert age("2026-01-02T11:59:15Z", now) == "45s"
    assert age("2026-01-02T11:30:00Z", now) == "30m"
    assert age("2026-01-02T10:00:00Z", now) == "2h0m"
    assert age("2025-12-30T12:00:00Z", now) == "3d"


def test_one_env_var_picks_the_provider() -> None:
    assert choose(EXAMPLES, {}).provider == "mock"
    openai = choose(EXAMPLES, {"OPENAI_API_KEY": "sk-test"})
    assert openai.provider == "openai" and not openai.problems
    secret = next(b for b in openai.bodies if b["kind"] == "Secret")
    assert secret["metadata"]["name"] == "openai-api-key"
    assert secret["stringData"] == {"api-key": "sk-test"}
    model = next(b for b in openai.bodies if b["kind"] == "ModelConfig")
    assert model["metadata"]["name"] == "default-model-config"
    forced = choose(EXAMPLES, {"OPENAI_API_KEY": "sk-test", "BOSUN_PROVIDER": "mock"})
    assert forced.provider == "mock" and not forced.bodies
    ollama = choose(EXAMPLES, {"OLLAMA_HOST": "0.0.0.0"})
    host = next(b for b in ollama.bodies if b["kind"] == "ModelConfig")["spec"]["ollama"]["host"]
    assert host == "http://127.0.0.1:11434"
    assert choose(EXAMPLES, {"BOSUN_PROVIDER": "anthropic"}).problems  # no key given


def test_ollama_host_forms() -> None:
    assert ollama_url("localhost:11434") == "http://localhost:11434"
    assert ollama_url("https://ollama.example.com") == "https://ollama.example.com"
    assert ollama_url("http://10.0.0.2:8080/") == "http://10.0.0.2:8080"
    assert ollama_url("gpu-box") == "http://gpu-box:11434"


def test_up_points_example_model_configs_at_the_chosen_mock_port() -> None:
    from bosun.cli.up_run import _with_mock_port

    mock_model = {
        "kind": "ModelConfig",
        "metadata": {"name": "m"},
        "spec": {"model": "x", "openAI": {"baseUrl": "http://127.0.0.1:8090/v1"}},
    }
    real_model = {
        "kind": "ModelConfig",
        "metadata": {"name": "real"},
        "spec": {"model": "x", "openAI": {"baseUrl": "https://api.example.com/v1"}},
    }
    moved = _with_mock_port([mock_model, real_model], 18093)
    assert moved[0]["spec"]["openAI"]["baseUrl"] == "http://127.0.0.1:18093/v1"
    assert moved[1] == real_model
    assert _with_mock_port([mock_model], 8090) == [mock_model]
