"""v1alpha1 in a cluster: the CRDs serve it without a webhook, stored bodies convert."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from bosun.api.agent import Agent
from bosun.api.crd import crd, legacy_rule
from bosun.api.modelconfig import ModelConfig
from bosun.api.v1alpha1 import HTTP_TOOLS, Tool
from bosun.api.v1alpha1_convert import carries_v1alpha1, convert_stored, http_tools_of

STORED_AGENT = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "Agent",
    "metadata": {"name": "a", "namespace": "n", "resourceVersion": "7", "uid": "u-1"},
    "spec": {
        "type": "Declarative",
        "description": "d",
        "systemMessage": "You help.",
        "modelConfigRef": {"name": "m"},
        "tools": [{"name": "kubectl-get"}, {"name": "status"}],
    },
    "status": {"observedGeneration": 1},
}
HTTP_TOOL = Tool.model_validate(
    {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "status", "namespace": "n"},
        "spec": {
            "type": "http",
            "parameters": {"id": {"type": "string"}},
            "http": {"url": "http://x/{id}"},
        },
    }
)


def test_agent_and_model_config_serve_v1alpha1_stored_as_v1alpha2() -> None:
    for cls in (Agent, ModelConfig):
        spec = crd(cls)["spec"]
        assert spec["conversion"] == {"strategy": "None"}
        versions = {v["name"]: v for v in spec["versions"]}
        assert versions["v1alpha2"]["storage"] and versions["v1alpha2"]["served"]
        assert versions["v1alpha1"]["served"] and not versions["v1alpha1"]["storage"]
    agent_versions = {v["name"]: v for v in crd(Agent)["spec"]["versions"]}
    storage = agent_versions["v1alpha2"]["schema"]["openAPIV3Schema"]
    # The stored form of a v1alpha1 write validates against the storage schema.
    jsonschema.Draft4Validator(storage).validate(copy.deepcopy(STORED_AGENT))
    rules = storage["properties"]["spec"]["x-kubernetes-validations"]
    assert all(r["rule"].startswith("has(self.systemMessage) || ") for r in rules)
    assert legacy_rule("x", ["a"]) == "has(self.a) || (x)"


def test_a_stored_v1alpha1_agent_converts_keeping_metadata_and_status() -> None:
    out = convert_stored("Agent", STORED_AGENT, {("n", "status"): HTTP_TOOL})
    assert out is not None
    assert out["metadata"]["resourceVersion"] == "7" and out["status"] == {"observedGeneration": 1}
    agent = Agent.model_validate(out)
    declarative = agent.spec.declarative
    assert declarative is not None and declarative.system_message == "You help."
    assert declarative.model_config_ == "m"
    (tools,) = declarative.tools
    assert tools.mcp_server is not None and tools.mcp_server.tool_names == ["k8s_get_resources"]
    (http,) = http_tools_of(agent.metadata.annotations)
    assert (http.name, http.http.url) == ("status", "http://x/{id}")
    assert "spec.type" not in agent.metadata.annotations.get("bosun.dev/not-carried-over", "")


def test_plain_v1alpha2_bodies_are_left_alone() -> None:
    plain = {"kind": "Agent", "spec": {"declarative": {"systemMessage": "x"}}}
    assert not carries_v1alpha1("Agent", plain) and convert_stored("Agent", plain) is None
    model = {"kind": "ModelConfig", "spec": {"model": "m", "provider": "OpenAI"}}
    assert not carries_v1alpha1("ModelConfig", model)
    assert carries_v1alpha1("ModelConfig", {"spec": {"model": "m", "provider": "openai"}})


@pytest.mark.parametrize(
    "annotation", ["not json", '[{"name": "x"}]', "{}"], ids=["text", "incomplete", "object"]
)
def test_an_unreadable_http_tools_annotation_carries_no_tools(annotation: str) -> None:
    assert http_tools_of({HTTP_TOOLS: annotation}) == []


HEADER = {"name": "A", "value": "v"}
TOOL_CASES = {
    "kubernetes": {"type": "kubernetes"},
    "http-ok": {"type": "http", "http": {"url": "https://x/{a}", "headers": [HEADER]}},
    "http-without-block": {"type": "http"},
    "block-on-kubernetes": {"type": "kubernetes", "http": {"url": "https://x"}},
    "url-not-http": {"type": "http", "http": {"url": "ftp://x"}},
    "header-both": {"type": "http", "http": {"url": "http://x", "headers": [
        {**HEADER, "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}},
    "header-neither": {"type": "http", "http": {"url": "http://x", "headers": [{"name": "A"}]}},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TOOL_CASES))
def test_tool_cel_rules_agree_with_python_validation(case: str) -> None:
    from pydantic import ValidationError
    from test_api_crd import apply_defaults, failed_rules

    obj = {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "t"},
        "spec": TOOL_CASES[case],
    }
    try:
        Tool.model_validate(obj)
        python_ok = True
    except ValidationError:
        python_ok = False
    schema = crd(Tool)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    failures = failed_rules(schema, apply_defaults(schema, copy.deepcopy(obj)))
    assert (failures == []) == python_ok, f"python ok={python_ok}, CEL failures={failures}"
    assert python_ok == (case in ("kubernetes", "http-ok", "http-without-block"))
