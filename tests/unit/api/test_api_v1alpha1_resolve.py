"""A converted v1alpha1 Agent's Tools resolved again against the Tools stored later
(bosun.api.v1alpha1_resolve), as the local supervisor and the operator do at each reconcile."""

from __future__ import annotations

from typing import Any

from bosun.api import Agent
from bosun.api.v1alpha1 import HTTP_TOOLS, NOT_CARRIED_OVER, TOOL_REFS, AgentV1Alpha1, Tool
from bosun.api.v1alpha1_convert import convert_agent, http_tools_of
from bosun.api.v1alpha1_resolve import names_tools, resolve_stored, tool_refs_of

NS = "ops"


def legacy_agent() -> AgentV1Alpha1:
    return AgentV1Alpha1.model_validate(
        {
            "apiVersion": "kagent.dev/v1alpha1",
            "kind": "Agent",
            "metadata": {"name": "helper", "namespace": NS},
            "spec": {
                "systemMessage": "Help.",
                "modelConfigRef": {"name": "model"},
                "tools": [{"name": "kubectl-get"}, {"name": "status-page"}],
                "memory": ["x"],
            },
        }
    )


def http_tool(url: str) -> dict[str, Any]:
    tool = Tool.model_validate(
        {
            "apiVersion": "kagent.dev/v1alpha1",
            "kind": "Tool",
            "metadata": {"name": "status-page", "namespace": NS},
            "spec": {"type": "http", "http": {"method": "POST", "url": url}},
        }
    )
    return {**tool.to_wire(), "status": {"runsAs": "http"}}  # status is not read


def stored_alone() -> dict[str, Any]:
    """The Agent converted without its Tools (applied on its own), as the store keeps it."""
    body = convert_agent(legacy_agent()).body
    return Agent.model_validate(body).to_wire()


def test_an_agent_converted_alone_names_its_tools_and_the_missing_one() -> None:
    body = stored_alone()
    annotations = body["metadata"]["annotations"]
    assert annotations[TOOL_REFS] == '[{"name":"kubectl-get"},{"name":"status-page"}]'
    assert "no Tool ops/status-page exists" in annotations[NOT_CARRIED_OVER]
    assert names_tools("Agent", body)
    assert tool_refs_of("Agent", body) == {(NS, "kubectl-get"), (NS, "status-page")}


def test_a_tool_stored_later_is_resolved_and_other_notes_stay() -> None:
    tools = {(NS, "status-page"): http_tool("https://status.example.com/{service}")}
    out = resolve_stored("Agent", stored_alone(), lambda ns, n: tools.get((ns, n)))
    agent = Agent.model_validate(out)  # still a valid v1alpha2 Agent
    refs = http_tools_of(agent.metadata.annotations)
    assert [(r.name, r.http.url) for r in refs] == [
        ("status-page", "https://status.example.com/{service}")
    ]
    notes = agent.metadata.annotations[NOT_CARRIED_OVER]
    assert "status-page" not in notes
    assert "spec.memory: not a v1alpha1 field Bosun knows" in notes
    tools_out = out["spec"]["declarative"]["tools"]
    assert [t["mcpServer"]["toolNames"] for t in tools_out] == [["k8s_get_resources"]]
    assert out["spec"]["declarative"]["systemMessage"] == "Help."


def test_a_changed_or_deleted_tool_changes_the_resolution() -> None:
    tools = {(NS, "status-page"): http_tool("https://a.example.com/")}
    first = resolve_stored("Agent", stored_alone(), lambda ns, n: tools.get((ns, n)))
    tools[(NS, "status-page")] = http_tool("https://b.example.com/")
    # resolving the resolved body again is the same as resolving the stored one
    second = resolve_stored("Agent", first, lambda ns, n: tools.get((ns, n)))
    assert http_tools_of(second["metadata"]["annotations"])[0].http.url == "https://b.example.com/"
    tools.clear()
    gone = resolve_stored("Agent", second, lambda ns, n: tools.get((ns, n)))
    assert HTTP_TOOLS not in gone["metadata"]["annotations"]
    assert "no Tool ops/status-page exists" in gone["metadata"]["annotations"][NOT_CARRIED_OVER]


def test_a_kubernetes_tool_with_builtin_replaces_the_name_mapping() -> None:
    kube = Tool.model_validate(
        {
            "apiVersion": "kagent.dev/v1alpha1",
            "kind": "Tool",
            "metadata": {"name": "status-page", "namespace": NS},
            "spec": {"type": "kubernetes", "builtin": "k8s_get_events"},
        }
    ).to_wire()
    out = resolve_stored(
        "Agent", stored_alone(), lambda ns, n: kube if n == "status-page" else None
    )
    names = out["spec"]["declarative"]["tools"][0]["mcpServer"]["toolNames"]
    assert names == ["k8s_get_resources", "k8s_get_events"]
    assert NOT_CARRIED_OVER in out["metadata"]["annotations"]  # spec.memory is still lost


def test_a_v1alpha2_agent_is_left_alone() -> None:
    body = {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": "plain", "namespace": NS},
        "spec": {"type": "Declarative", "declarative": {"systemMessage": "x"}},
    }
    assert not names_tools("Agent", body)
    assert resolve_stored("Agent", body, lambda ns, n: None) is body
