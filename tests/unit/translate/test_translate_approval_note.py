"""The note an Agent gets when the built-in tools' default approval applies to it: it names
every built-in server (RemoteMCPServer or MCPServer) and the opt-out annotation, once; no
note without a built-in server or after opting out. Local mode shows the same note."""

from __future__ import annotations

from bosun.api.agent import Agent
from bosun.api.manifests import load_text
from bosun.controller.local.plans import plan_agent
from bosun.controller.translate import TranslateOptions, references_from_set, translate_agent

SERVERS = """
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {name: model, namespace: ops}
spec: {provider: Ollama, model: m-1}
---
apiVersion: kagent.dev/v1alpha2
kind: RemoteMCPServer
metadata: {name: cluster-tools, namespace: ops, annotations: {bosun.dev/builtin-tools: "true"}}
spec: {url: "http://tools.ops:8084/mcp"}
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {name: local-tools, namespace: ops, annotations: {bosun.dev/builtin-tools: "True"}}
spec:
  deployment: {image: "ghcr.io/example/tools:1", cmd: bosun, args: [tools, serve], port: 3000}
---
apiVersion: kagent.dev/v1alpha2
kind: RemoteMCPServer
metadata: {name: untrusted, namespace: ops}
spec: {url: "http://other.ops:8084/mcp"}
"""
AGENT = """
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: a, namespace: ops, annotations: {%s}}
spec:
  description: d
  declarative:
    systemMessage: hi
    modelConfig: model
    tools: [%s]
"""
REMOTE = "{type: McpServer, mcpServer: {kind: RemoteMCPServer, name: %s}}"
LOCAL = "{type: McpServer, mcpServer: {kind: MCPServer, name: local-tools}}"
NOTE = (
    "destructive tools of the built-in tool server {} pause for approval by default; "
    'annotate the Agent bosun.dev/require-approval-for-destructive-tools: "false" to opt out'
)


def notes(tools: list[str], annotations: str = "") -> list[str]:
    manifests = load_text(SERVERS + AGENT % (annotations, ", ".join(tools)))
    assert not manifests.problems, manifests.problems
    agent = next(r for r in manifests.resources if isinstance(r, Agent))
    return translate_agent(agent, references_from_set(manifests), TranslateOptions()).notes


def test_the_note_names_every_built_in_server_once() -> None:
    tools = [REMOTE % "cluster-tools", LOCAL, REMOTE % "untrusted", REMOTE % "cluster-tools"]
    assert notes(tools) == [NOTE.format("ops/cluster-tools, ops/local-tools")]
    assert notes([REMOTE % "cluster-tools"]) == [NOTE.format("ops/cluster-tools")]


def test_no_note_without_a_built_in_server_or_after_opting_out() -> None:
    assert notes([REMOTE % "untrusted"]) == []
    assert notes([]) == []
    opted_out = "bosun.dev/require-approval-for-destructive-tools: 'false'"
    assert notes([REMOTE % "cluster-tools", LOCAL], opted_out) == []


def test_local_mode_puts_the_note_in_accepted() -> None:
    manifests = load_text(SERVERS + AGENT % ("", REMOTE % "cluster-tools"))
    agent = next(r for r in manifests.resources if isinstance(r, Agent))
    plan = plan_agent(agent, references_from_set(manifests), TranslateOptions(), 18080)
    assert plan.accepted["status"] == "True"
    assert plan.accepted["message"] == "translated; " + NOTE.format("ops/cluster-tools")
