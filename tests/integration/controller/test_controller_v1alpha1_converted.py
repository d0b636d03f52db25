"""A v1alpha1 Agent converted before it reached the cluster (`bosun apply`, the REST API)
still follows its Tools: the operator resolves the Tools its `bosun.dev/v1alpha1-tools`
annotation names at each reconcile, as for an Agent stored with its v1alpha1 fields
(and as local mode does, tests/integration/local/test_local_v1alpha1_tools.py)."""

from __future__ import annotations

from controller_harness import Cluster, Operator, eventually
from test_controller_v1alpha1 import (
    AGENTS,
    MODEL,
    NS,
    SECRET,
    TOKEN,
    TOOL_SERVER,
    config_json,
    http_tool,
)

from bosun.api.manifests import load_text

AGENT = f"""
apiVersion: kagent.dev/v1alpha1
kind: Agent
metadata: {{name: responder, namespace: {NS}}}
spec:
  systemMessage: You post status updates.
  modelConfigRef: {{name: gpt4-config}}
  tools: [{{name: kubectl-get}}, {{name: status-page}}]
"""


def converted_agent() -> dict:
    """What `bosun apply -f agent.yaml` sends: the Agent converted without its Tools."""
    manifests = load_text(AGENT)
    assert not manifests.errors, manifests.errors
    (agent,) = manifests.of_kind("Agent")
    return agent.to_wire()


async def test_a_converted_agent_follows_its_tool(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(SECRET, TOKEN, TOOL_SERVER, MODEL, converted_agent())

    def message() -> str:
        return str(cluster.condition(AGENTS, NS, "responder", "Accepted")["message"])

    await eventually(lambda: "no Tool ai-agents/status-page exists" in message())
    assert "http_tools" not in await eventually(lambda: config_json(cluster, "responder"))

    await cluster.apply(http_tool())
    config = await eventually(lambda: config_json(cluster, "responder").get("http_tools"))
    assert [t["url"] for t in config] == ["https://status.example.com/api/{service}"]
    assert "status-page" not in message()

    await cluster.delete("kagent.dev/v1alpha1", "Tool", NS, "status-page")
    await eventually(lambda: "no Tool ai-agents/status-page exists" in message())
    await eventually(lambda: "http_tools" not in config_json(cluster, "responder"))
