"""The prebuilt agents (charts/bosun/files/prebuilt): they validate and render with the
translator, examples/prebuilt holds identical copies, and every tool they list is one
that `bosun tools serve` serves (listed through the mcp SDK's client)."""

from __future__ import annotations

from pathlib import Path

import yaml
from mcp import Client
from tools_harness import Kube

from bosun.api.manifests import load_manifests
from bosun.controller.translate import check_set
from bosun.tools.server import build_server

REPO = Path(__file__).resolve().parents[3]
PREBUILT = REPO / "charts/bosun/files/prebuilt"
EXAMPLES = REPO / "examples/prebuilt"
AGENTS = {"k8s-agent", "helm-agent", "observability-agent"}


def docs() -> list[dict]:  # type: ignore[type-arg]
    return [d for p in sorted(PREBUILT.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text())]


def test_examples_hold_identical_copies() -> None:
    chart = {p.name: p.read_text() for p in PREBUILT.glob("*.yaml")}
    examples = {p.name: p.read_text() for p in EXAMPLES.glob("*.yaml")}
    assert chart == examples, "copy charts/bosun/files/prebuilt/*.yaml to examples/prebuilt/"
    assert (EXAMPLES / "README.md").exists()


def test_prebuilt_agents_validate_and_render() -> None:
    manifests = load_manifests([PREBUILT, REPO / "examples/modelconfig.yaml"])
    result = check_set(manifests)
    assert [str(p) for p in result.problems] == []
    outputs = {resource.name: out for resource, out in result.outputs if resource.kind == "Agent"}
    assert set(outputs) == AGENTS
    for name, out in outputs.items():
        kinds = {o["kind"] for o in out.objects}
        assert {"Deployment", "Service", "Secret"} <= kinds, name
        config = out.config
        assert config is not None
        assert "{{include" not in config.instruction, "prompt includes were not resolved"
        assert "## Safety" in config.instruction or name == "observability-agent"
        (server,) = config.mcp_servers
        assert server.require_approval_for_destructive is True


async def test_every_listed_tool_is_served(kube: Kube) -> None:
    async with Client(build_server().server) as client:
        served = {t.name for t in (await client.list_tools()).tools}
    for doc in docs():
        if doc["kind"] != "Agent":
            continue
        for tool in doc["spec"]["declarative"]["tools"]:
            ref = tool["mcpServer"]
            assert ref["name"] == "kagent-tool-server"
            missing = set(ref["toolNames"]) - served
            assert not missing, f"{doc['metadata']['name']}: not served: {sorted(missing)}"
