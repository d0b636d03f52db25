"""A change to something an Agent uses re-reconciles the Agent (by the dependency index)."""

from __future__ import annotations

from controller_harness import Cluster, Operator, eventually

NS = "deps"
AGENTS = "kagent.dev/v1alpha2/agents"
DEPLOYMENTS = "apps/v1/deployments"
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def agent(name: str, description: str = "an agent", **declarative: object) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "description": description,
            "declarative": {"systemMessage": "hi", "modelConfig": "m", **declarative},
        },
    }


def accepted(cluster: Cluster, name: str) -> str:
    return str(cluster.condition(AGENTS, NS, name, "Accepted")["status"])


def config_hash(cluster: Cluster, name: str) -> str:
    deployment = cluster.get(DEPLOYMENTS, NS, name)
    return str(deployment["spec"]["template"]["metadata"]["annotations"]["kagent.dev/config-hash"])


async def test_model_config_created_later(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(agent("early"))
    await eventually(lambda: accepted(cluster, "early") == "False")
    assert "ModelConfig" in cluster.condition(AGENTS, NS, "early", "Accepted")["message"]
    await cluster.apply(MODEL)
    await eventually(lambda: accepted(cluster, "early") == "True", what="accepted once it exists")
    assert cluster.exists(DEPLOYMENTS, NS, "early")


async def test_prompt_config_map_change(cluster: Cluster, operator: Operator) -> None:
    prompts = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "prompts", "namespace": NS},
        "data": {"main": "You are terse."},
    }
    spec = agent("prompted")
    del spec["spec"]["declarative"]["systemMessage"]
    spec["spec"]["declarative"]["systemMessageFrom"] = {
        "type": "ConfigMap",
        "name": "prompts",
        "key": "main",
    }
    await cluster.apply(MODEL, prompts, spec)
    first = await eventually(lambda: config_hash(cluster, "prompted"))
    await cluster.apply({**prompts, "data": {"main": "You are verbose."}})
    await eventually(lambda: config_hash(cluster, "prompted") != first, what="a new config hash")


async def test_agent_used_as_tool(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(
        MODEL,
        agent("child", description="answers about products"),
        agent("parent", tools=[{"type": "Agent", "agent": {"name": "child"}}]),
    )
    first = await eventually(lambda: config_hash(cluster, "parent"))
    await cluster.apply(agent("child", description="answers about prices"))
    await eventually(lambda: config_hash(cluster, "parent") != first, what="the parent re-rendered")


async def test_remote_server_created_later(cluster: Cluster, operator: Operator) -> None:
    tool = {"type": "McpServer", "mcpServer": {"name": "later", "toolNames": ["a"]}}
    await cluster.apply(MODEL, agent("user", tools=[tool]))
    await eventually(lambda: accepted(cluster, "user") == "False")
    assert "later" in cluster.condition(AGENTS, NS, "user", "Accepted")["message"]
    await cluster.apply(
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "RemoteMCPServer",
            "metadata": {"name": "later", "namespace": NS},
            "spec": {"url": "http://127.0.0.1:1/mcp", "timeout": "1s"},
        }
    )
    await eventually(lambda: accepted(cluster, "user") == "True")


async def test_objects_no_longer_produced_are_deleted(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(MODEL, agent("pruned"))
    await eventually(lambda: cluster.exists("v1/serviceaccounts", NS, "pruned"))
    own_sa = agent("pruned", deployment={"serviceAccountName": "shared"})
    await cluster.apply(own_sa)
    await eventually(
        lambda: not cluster.exists("v1/serviceaccounts", NS, "pruned"),
        what="the generated ServiceAccount pruned",
    )
    pod = cluster.get(DEPLOYMENTS, NS, "pruned")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "shared"


async def test_drifted_deployment_is_restored(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(MODEL, agent("steady"))
    original = await eventually(lambda: config_hash(cluster, "steady"))
    await cluster.user.patch(
        "apps/v1",
        "Deployment",
        NS,
        "steady",
        {"spec": {"template": {"metadata": {"annotations": {"kagent.dev/config-hash": "edited"}}}}},
    )
    await eventually(lambda: config_hash(cluster, "steady") == original, what="drift undone")
    await cluster.delete("apps/v1", "Deployment", NS, "steady")
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "steady"), what="recreated")
