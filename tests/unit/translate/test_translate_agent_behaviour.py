"""translate_agent behaviours that golden files do not show well: hashes, owner references,
resolvers, error collection, warnings under --external-refs, and the config.json contract."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bosun.api.agent import Agent
from bosun.api.config import AgentConfig
from bosun.api.manifests import load_text
from bosun.controller.translate import (
    References,
    TranslateOptions,
    TranslationFailed,
    agent_references,
    agent_tool_name,
    check_set,
    references_from_set,
    translate_agent,
)

BASE = """
apiVersion: v1
kind: Secret
metadata: {name: key, namespace: default}
stringData: {api-key: sk-very-secret-value, other: x}
---
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {name: model, namespace: default}
spec: {provider: OpenAI, model: gpt-4o, apiKeySecret: key, apiKeySecretKey: api-key}
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {name: local-tools, namespace: default}
spec:
  deployment: {cmd: uvx, args: [mcp-server-time], port: 3000}
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: sub, namespace: default}
spec:
  description: The sub-agent
  declarative: {systemMessage: hi, modelConfig: model}
"""

AGENT = """
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: main, namespace: default%s}
spec:
  description: The main agent
  declarative:
    systemMessage: hi
    modelConfig: model
    tools:
    - {type: McpServer, mcpServer: {kind: MCPServer, name: local-tools}}
    - {type: Agent, agent: {name: sub}}
    - {type: McpServer, mcpServer: {kind: Service, name: plain-mcp}}
"""


def load(extra_meta: str = "") -> tuple[Agent, References]:
    manifests = load_text(BASE + AGENT % extra_meta)
    assert not manifests.problems, manifests.problems
    refs = references_from_set(manifests)
    refs = replace(refs, services={("default", "plain-mcp"): 9000})
    agent = next(r for r in manifests.resources if r.kind == "Agent" and r.name == "main")
    assert isinstance(agent, Agent)
    return agent, refs


def test_config_json_round_trips_through_the_contract() -> None:
    agent, refs = load()
    out = translate_agent(agent, refs, TranslateOptions())
    assert out.config is not None
    secret = next(o for o in out.objects if o["kind"] == "Secret")
    text = secret["stringData"]["config.json"]
    assert AgentConfig.model_validate_json(text) == out.config


def test_secret_values_never_appear_in_the_output() -> None:
    agent, refs = load()
    out = translate_agent(agent, refs, TranslateOptions())
    assert "sk-very-secret-value" not in repr(out)
    assert out.config is not None and out.config.model.api_key_env == "BOSUN_MODEL_API_KEY"


def test_rotating_a_referenced_secret_changes_the_config_hash_only() -> None:
    agent, refs = load()
    before = translate_agent(agent, refs, TranslateOptions()).config_hash
    rotated = dict(refs.secrets)
    rotated[("default", "key")] = {**rotated[("default", "key")], "api-key": "new-hash"}
    after = translate_agent(agent, replace(refs, secrets=rotated), TranslateOptions())
    assert after.config_hash != before
    deployment = next(o for o in after.objects if o["kind"] == "Deployment")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kagent.dev/config-hash"] == after.config_hash
    unrelated = dict(refs.secrets)
    unrelated[("default", "key")] = {**unrelated[("default", "key")], "other": "changed"}
    same = translate_agent(agent, replace(refs, secrets=unrelated), TranslateOptions())
    assert same.config_hash == before


def test_owner_references_need_a_uid() -> None:
    agent, refs = load()
    out = translate_agent(agent, refs, TranslateOptions())
    assert all("ownerReferences" not in o["metadata"] for o in out.objects)
    stored, refs = load(", uid: 1234-abcd")
    out = translate_agent(stored, refs, TranslateOptions())
    for obj in out.objects:
        (owner,) = obj["metadata"]["ownerReferences"]
        assert owner == {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "Agent",
            "name": "main",
            "uid": "1234-abcd",
            "controller": True,
            "blockOwnerDeletion": True,
        }


def test_urls_come_from_the_resolvers_in_local_mode() -> None:
    agent, refs = load()
    options = TranslateOptions(
        agent_url=lambda ns, name: f"http://127.0.0.1:9{len(name)}/{ns}/{name}",
        mcp_server_url=lambda server: f"http://127.0.0.1:7000/{server.name}/mcp",
        controlplane_url="http://127.0.0.1:8083",
    )
    out = translate_agent(agent, refs, options)
    assert out.config is not None
    urls = {s.name: s.url for s in out.config.mcp_servers}
    assert urls["default/local-tools"] == "http://127.0.0.1:7000/local-tools/mcp"
    assert urls["default/plain-mcp"] == "http://plain-mcp.default:9000/mcp"
    # Agents call agents through the control plane's A2A proxy, where Policies apply.
    assert out.config.remote_agents[0].url == "http://127.0.0.1:8083/api/a2a/default/sub"
    assert out.config.remote_agents[0].description == "The sub-agent"
    assert out.card is not None
    assert out.card["supportedInterfaces"][0]["url"] == "http://127.0.0.1:94/default/main"
    env = next(o for o in out.objects if o["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]["env"]
    assert {"name": "BOSUN_URL", "value": "http://127.0.0.1:8083"} in env
    # Its credential there: the projected ServiceAccount token (the supervisor's locally).
    token = {"name": "BOSUN_TOKEN_FILE", "value": "/var/run/secrets/bosun/gateway/token"}
    assert token in env


def test_default_urls_are_cluster_dns_names() -> None:
    agent, refs = load()
    out = translate_agent(agent, refs, TranslateOptions())
    assert out.config is not None
    urls = {s.name: s.url for s in out.config.mcp_servers}
    assert urls["default/local-tools"] == "http://local-tools.default:3000/mcp"
    assert out.config.remote_agents[0].url == "http://sub.default:8080"


def test_every_problem_is_reported_at_once() -> None:
    agent, _ = load()
    empty = References()
    with pytest.raises(TranslationFailed) as failed:
        translate_agent(agent, empty, TranslateOptions())
    text = [str(e) for e in failed.value.errors]
    assert text == [
        'spec.declarative.modelConfig: ModelConfig "default/model" not found',
        'spec.declarative.tools[0].mcpServer: MCPServer "default/local-tools" not found',
        'spec.declarative.tools[1].agent: Agent "default/sub" not found',
        'spec.declarative.tools[2].mcpServer: Service "default/plain-mcp" not found',
    ]
    assert all(e.missing is not None for e in failed.value.errors)
    assert str(failed.value).count("not found") == 4


def test_external_refs_turn_missing_objects_into_warnings_only() -> None:
    agent_only = load_text(
        "apiVersion: kagent.dev/v1alpha2\nkind: Agent\nmetadata: {name: a, namespace: default}\n"
        "spec: {declarative: {systemMessage: hi, modelConfig: in-cluster}}\n"
    )
    assert check_set(agent_only).errors
    relaxed = check_set(agent_only, external_refs=True)
    assert relaxed.errors == [] and len(relaxed.problems) == 1 and relaxed.problems[0].warning
    # A Secret that is in the set but lacks the key is still an error.
    wrong_key = load_text(BASE.replace("api-key: sk-very-secret-value", "apikey: typo"))
    result = check_set(wrong_key, external_refs=True)
    assert any('has no key "api-key"' in p.message for p in result.errors)


def test_agent_references_list_what_the_operator_must_watch() -> None:
    agent, _ = load()
    assert agent_references(agent) == {
        ("ModelConfig", "default", "model"),
        ("MCPServer", "default", "local-tools"),
        ("Agent", "default", "sub"),
        ("Service", "default", "plain-mcp"),
    }


def test_agent_tool_names_are_safe_for_every_provider() -> None:
    assert agent_tool_name("ai-agents", "sub.agent-1") == "ai_agents__sub_agent_1"
    long = agent_tool_name("n" * 63, "a" * 200)
    assert len(long) == 64 and long != agent_tool_name("n" * 63, "a" * 199)


def test_go_runtime_runs_on_python_with_a_note() -> None:
    agent, refs = load()
    assert agent.spec.declarative is not None
    go = agent.model_copy(
        update={
            "spec": agent.spec.model_copy(
                update={"declarative": agent.spec.declarative.model_copy(update={"runtime": "go"})}
            )
        }
    )
    out = translate_agent(go, refs, TranslateOptions())
    assert any("Python runtime" in n for n in out.notes)
    assert translate_agent(agent, refs, TranslateOptions()).notes == []


def test_only_the_model_module_knows_provider_names() -> None:
    """Provider facts live in one module (STYLE.md 5): no other translator module names one."""
    package = Path(__file__).resolve().parents[3] / "src" / "bosun" / "controller" / "translate"
    providers = ["OpenAI", "Anthropic", "AzureOpenAI", "Ollama", "Gemini", "Bedrock"]
    for path in package.glob("*.py"):
        if path.name == "model.py":
            continue
        text = path.read_text()
        for name in providers:
            assert f'"{name}"' not in text, f"{path.name} branches on provider {name}"
