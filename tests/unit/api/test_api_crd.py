"""The generated CRDs: up to date, structural, documented, carrying every CEL rule, and
agreeing with the Python validation (the rules are evaluated with a real CEL engine)."""

from __future__ import annotations

import copy
import inspect
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import pytest
from pydantic import ValidationError

from bosun.api import agent, base, k8s, mcpserver, modelconfig
from bosun.api.base import CelRule
from bosun.api.crd import SERVED, crd, crd_files, structural_problems
from bosun.api.manifests import RESOURCE_KINDS, load_manifests

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "charts" / "bosun-crds" / "templates"
EXAMPLES = REPO.parent / "shared" / "examples"

Schema = dict[str, Any]


def schema_of(kind: str) -> Schema:
    cls = RESOURCE_KINDS[kind]
    version = crd(cls)["spec"]["versions"][0]
    schema: Schema = version["schema"]["openAPIV3Schema"]
    return schema


def declared_rules() -> list[CelRule]:
    rules: list[CelRule] = []
    for module in (agent, base, k8s, mcpserver, modelconfig):
        for _, value in inspect.getmembers(module):
            if isinstance(value, CelRule):
                rules.append(value)
            elif isinstance(value, tuple) and value and all(isinstance(v, CelRule) for v in value):
                rules.extend(value)
    return rules


def crd_rules(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        found += [v["rule"] for v in node.get("x-kubernetes-validations", [])]
        for value in node.values():
            found += crd_rules(value)
    elif isinstance(node, list):
        for value in node:
            found += crd_rules(value)
    return found


def test_committed_crds_match_the_models() -> None:
    for name, text in crd_files().items():
        path = TEMPLATES / name
        assert path.exists(), f"{path} missing: run `bosun crds`"
        assert path.read_text() == text, f"{path} is out of date: run `bosun crds`"
    committed = {p.name for p in TEMPLATES.glob("*.yaml")}
    assert committed == set(crd_files()), "stale CRD files in the chart"


def test_every_declared_cel_rule_is_in_a_crd() -> None:
    rules = declared_rules()
    assert len(rules) >= 15
    in_crds = set(crd_rules([crd(cls) for cls in SERVED]))
    # A spec-level rule of a kind that also serves v1alpha1 is wrapped (crd.legacy_rule).
    missing = [
        r.rule for r in rules if not any(c.endswith(f"({r.rule})") or c == r.rule for c in in_crds)
    ]
    assert missing == []


@pytest.mark.parametrize("cls", SERVED, ids=lambda c: c.info.kind)
def test_schemas_are_structural(cls: Any) -> None:
    schema = crd(cls)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert structural_problems(schema) == []
    assert "$ref" not in repr(schema) and "'title'" not in repr(schema)


def test_fields_users_write_have_descriptions_for_kubectl_explain() -> None:
    spec = schema_of("Agent")["properties"]["spec"]
    for name, prop in spec["properties"].items():
        assert prop.get("description"), f"Agent spec.{name}"
    declarative = spec["properties"]["declarative"]["properties"]
    for name in ("systemMessage", "modelConfig", "tools", "stream", "deployment"):
        assert declarative[name].get("description"), f"spec.declarative.{name}"
    for kind in ("ModelConfig", "RemoteMCPServer", "MCPServer"):
        props = schema_of(kind)["properties"]["spec"]["properties"]
        for name in ("model", "provider", "url", "transportType", "deployment"):
            if name in props:
                assert props[name].get("description"), f"{kind} spec.{name}"


def test_printer_columns_short_names_and_status_subresource() -> None:
    by_kind = {cls.info.kind: crd(cls) for cls in SERVED}
    version = by_kind["Agent"]["spec"]["versions"][0]
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Type", "Model", "Ready", "Accepted", "Age",
    ]  # fmt: skip
    assert version["subresources"] == {"status": {}}
    assert by_kind["ModelConfig"]["spec"]["names"]["shortNames"] == ["mc"]
    assert by_kind["RemoteMCPServer"]["spec"]["names"]["shortNames"] == ["rmcps"]
    assert by_kind["MCPServer"]["spec"]["names"]["shortNames"] == ["mcps"]
    assert all(d["spec"]["names"]["categories"] == ["kagent"] for d in by_kind.values())


# --- the CEL rules, evaluated as the API server would -------------------------------------


def apply_defaults(schema: Schema, value: Any) -> Any:
    """Structural defaulting: fill `default`s of absent properties of present objects."""
    if isinstance(value, dict) and "properties" in schema:
        for name, sub in schema["properties"].items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                value[name] = apply_defaults(sub, value[name])
    elif isinstance(value, list) and "items" in schema:
        return [apply_defaults(schema["items"], v) for v in value]
    return value


_ENV = celpy.Environment()


def failed_rules(schema: Schema, value: Any, path: str = "") -> list[str]:
    failures = []
    for rule in schema.get("x-kubernetes-validations", []):
        program = _ENV.program(_ENV.compile(rule["rule"]))
        result = program.evaluate({"self": celpy.json_to_cel(value)})
        if not (isinstance(result, celpy.celtypes.BoolType) and bool(result)):
            failures.append(f"{path}: {rule['message']}")
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                failures += failed_rules(sub, value[name], f"{path}.{name}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            failures += failed_rules(schema["items"], item, f"{path}[{i}]")
    return failures


def meta(kind: str) -> dict[str, Any]:
    version = "v1alpha1" if kind == "MCPServer" else "v1alpha2"
    return {"apiVersion": f"kagent.dev/{version}", "kind": kind, "metadata": {"name": "x"}}


def agent_with(declarative: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {**meta("Agent"), "spec": {"declarative": declarative, **spec}}


MCP = {"type": "McpServer", "mcpServer": {"name": "s", "toolNames": ["a"]}}


def approval(tool_names: list[str] | None, required: list[str]) -> dict[str, Any]:
    server: dict[str, Any] = {"name": "s", "requireApproval": required}
    if tool_names is not None:
        server["toolNames"] = tool_names
    return agent_with({"tools": [{"type": "McpServer", "mcpServer": server}]})


SECRET_SOURCE = {"type": "Secret", "name": "s", "key": "k"}
CASES: dict[str, dict[str, Any]] = {
    "agent-minimal": agent_with({"systemMessage": "hi"}),
    "agent-both-messages": agent_with(
        {"systemMessage": "hi", "systemMessageFrom": {"type": "ConfigMap", "name": "p", "key": "k"}}
    ),
    "agent-byo-with-declarative": agent_with(
        {"systemMessage": "hi"}, type="BYO", byo={"deployment": {"image": "i"}}
    ),
    "agent-byo": {**meta("Agent"), "spec": {"type": "BYO", "byo": {"deployment": {"image": "i"}}}},
    "agent-declarative-missing": {**meta("Agent"), "spec": {"type": "Declarative"}},
    "tool-ok": agent_with({"tools": [MCP]}),
    "tool-type-agent-with-mcp": agent_with({"tools": [{**MCP, "type": "Agent"}]}),
    "tool-both-blocks": agent_with({"tools": [{**MCP, "agent": {"name": "b"}}]}),
    "tool-approval-ok": approval(["a"], ["a"]),
    "tool-approval-outside": approval(["a"], ["b"]),
    "tool-approval-no-toolnames": approval(None, ["b"]),
    "header-value-and-from": agent_with(
        {
            "tools": [
                {**MCP, "headersFrom": [{"name": "h", "value": "v", "valueFrom": SECRET_SOURCE}]}
            ]
        }
    ),
    "header-neither": agent_with({"tools": [{**MCP, "headersFrom": [{"name": "h"}]}]}),
    "sa-both": agent_with(
        {"deployment": {"serviceAccountName": "a", "serviceAccountConfig": {"labels": {}}}}
    ),
    "mc-openai": {**meta("ModelConfig"), "spec": {"model": "m", "openAI": {"temperature": "1"}}},
    "mc-block-mismatch": {
        **meta("ModelConfig"),
        "spec": {"model": "m", "provider": "Anthropic", "openAI": {}},
    },
    "mc-key-without-secret": {
        **meta("ModelConfig"),
        "spec": {"model": "m", "apiKeySecretKey": "k"},
    },
    "mc-tls-http": {
        **meta("ModelConfig"),
        "spec": {"model": "m", "openAI": {"baseUrl": "http://x"}, "tls": {"disableVerify": True}},
    },
    "mc-tls-https": {
        **meta("ModelConfig"),
        "spec": {"model": "m", "openAI": {"baseUrl": "https://x"}, "tls": {"disableVerify": True}},
    },
    "rmcp-tls-http": {**meta("RemoteMCPServer"), "spec": {"url": "http://x", "tls": {}}},
    "rmcp-ok": {**meta("RemoteMCPServer"), "spec": {"url": "https://x", "tls": {}}},
    "mcps-npx": {**meta("MCPServer"), "spec": {"deployment": {"cmd": "npx"}}},
    "mcps-no-image": {**meta("MCPServer"), "spec": {"deployment": {"cmd": "python"}}},
    "mcps-http-block-on-stdio": {
        **meta("MCPServer"),
        "spec": {"httpTransport": {"path": "/mcp"}, "deployment": {"image": "i"}},
    },
    "mcps-sa-both": {
        **meta("MCPServer"),
        "spec": {"deployment": {"image": "i", "serviceAccountName": "a", "serviceAccount": {}}},
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cel_rules_agree_with_python_validation(case: str) -> None:
    obj = CASES[case]
    try:
        RESOURCE_KINDS[obj["kind"]].model_validate(obj)
        python_ok = True
    except ValidationError:
        python_ok = False
    schema = schema_of(obj["kind"])
    failures = failed_rules(schema, apply_defaults(schema, copy.deepcopy(obj)))
    assert (failures == []) == python_ok, f"python ok={python_ok}, CEL failures={failures}"


def test_every_cel_rule_is_exercised_by_a_failing_case() -> None:
    messages = set()
    for obj in CASES.values():
        schema = schema_of(obj["kind"])
        for failure in failed_rules(schema, apply_defaults(schema, copy.deepcopy(obj))):
            messages.add(failure.split(": ", 1)[1])
    rules = {r.message for r in declared_rules()}
    provider_rules = {r.message for r in modelconfig.PROVIDER_RULES}
    # One provider-mismatch case stands for all eight generated provider rules.
    assert rules - messages - provider_rules == set()


@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
def test_examples_are_accepted_by_the_crd_schemas() -> None:
    manifests = load_manifests([EXAMPLES])
    assert manifests.resources
    for resource in manifests.resources:
        wire = resource.to_wire()
        schema = schema_of(resource.kind)
        jsonschema.Draft4Validator(schema).validate(wire)
        assert failed_rules(schema, apply_defaults(schema, wire)) == []
