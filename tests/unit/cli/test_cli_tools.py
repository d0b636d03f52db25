"""v1alpha1 Tools in the CLI: their kind names, and `bosun apply`/`bosun up` sending them
(before the Agents that name them) with the other objects of the files."""

from __future__ import annotations

from bosun.api.manifests import load_text
from bosun.cli.resources import _label, manifest_bodies
from bosun.cli.restclient import apply_order, resolve_kind

MANIFESTS = """
apiVersion: kagent.dev/v1alpha1
kind: Agent
metadata: {name: helper, namespace: ops}
spec:
  modelConfigRef: {name: model}
  tools: [{name: status-page}]
---
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {name: status-page, namespace: ops}
spec:
  type: http
  http: {url: "https://status.example.com/"}
"""


def test_tool_kind_names_like_kubectl() -> None:
    for text in ("tools", "tool", "Tool", "tools.kagent.dev"):
        assert resolve_kind(text) == "Tool", text


def test_tools_are_applied_before_the_agents_that_name_them() -> None:
    bodies = apply_order(manifest_bodies(load_text(MANIFESTS)))
    assert [(b["kind"], b["apiVersion"]) for b in bodies] == [
        ("Tool", "kagent.dev/v1alpha1"),
        ("Agent", "kagent.dev/v1alpha2"),  # converted as it was read
    ]
    tool = bodies[0]
    assert tool["spec"]["http"]["url"] == "https://status.example.com/"
    assert "status" not in tool
    assert _label(tool) == "tool.kagent.dev/status-page"
