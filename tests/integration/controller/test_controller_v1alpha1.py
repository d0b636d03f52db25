"""kagent.dev/v1alpha1 in a cluster: stored objects carrying v1alpha1 fields, and Tools.

kmock keeps each apiVersion's objects apart and does not convert, so these tests write
what a real API server returns after storing a v1alpha1 write with the CRDs' strategy
None: a v1alpha2 object (apiVersion kagent.dev/v1alpha2) whose spec still holds the
v1alpha1 fields. That the API server really does so is not shown here (docs/v1alpha1.md).
"""

from __future__ import annotations

import base64
import json

from controller_harness import Cluster, Operator, eventually

NS = "ai-agents"
AGENTS = "kagent.dev/v1alpha2/agents"
MODELS = "kagent.dev/v1alpha2/modelconfigs"
TOOLS = "kagent.dev/v1alpha1/tools"
DEPLOYMENTS = "apps/v1/deployments"
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "openai-api-key", "namespace": NS},
    "stringData": {"api-key": "sk-one"},
}
TOOL_SERVER = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "RemoteMCPServer",
    "metadata": {
        "name": "kagent-tool-server",
        "namespace": NS,
        "annotations": {"bosun.dev/builtin-tools": "true"},
    },
    "spec": {"url": "http://127.0.0.1:9/mcp"},
}
# As stored from a v1alpha1 write: served back as v1alpha2 with the v1alpha1 fields.
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "gpt4-config", "namespace": NS},
    "spec": {
        "model": "gpt-4o",
        "provider": "openai",
        "apiKeySecretRef": {"name": "openai-api-key", "key": "api-key"},
    },
}
PROMPT = "You are a Kubernetes troubleshooting expert."


def stored_agent(*tools: str) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": "k8s-troubleshooter", "namespace": NS},
        "spec": {
            "type": "Declarative",  # the v1alpha2 schema's default, added on read
            "description": "Diagnoses Kubernetes issues",
            "systemMessage": PROMPT,
            "modelConfigRef": {"name": "gpt4-config"},
            "tools": [{"name": t} for t in tools],
        },
    }


def http_tool(header_secret: str = "status-token") -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "status-page", "namespace": NS},
        "spec": {
            "type": "http",
            "description": "Post to the status page",
            "parameters": {"service": {"type": "string", "description": "The service"}},
            "http": {
                "method": "POST",
                "url": "https://status.example.com/api/{service}",
                "headers": [
                    {
                        "name": "Authorization",
                        "valueFrom": {"secretKeyRef": {"name": header_secret, "key": "token"}},
                    }
                ],
            },
        },
    }


TOKEN = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "status-token", "namespace": NS},
    "stringData": {"token": "Bearer s3cret-value"},
}


async def accepted_is(cluster: Cluster, resource: str, name: str, status: str) -> dict:
    """The Accepted condition, once its status is `status`."""

    def check() -> dict | None:
        cond = cluster.condition(resource, NS, name, "Accepted")
        return cond if cond["status"] == status else None

    return dict(await eventually(check, what=f"{name} Accepted={status}"))


def config_json(cluster: Cluster, name: str) -> dict:
    secret = cluster.get("v1/secrets", NS, f"{name}-config")
    data = secret.get("data") or {}
    if "config.json" in data:
        return dict(json.loads(base64.b64decode(data["config.json"])))
    return dict(json.loads(secret["stringData"]["config.json"]))


async def test_stored_v1alpha1_agent_and_model_become_a_deployment(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(SECRET, TOOL_SERVER, MODEL, stored_agent("kubectl-get", "kubectl-logs"))
    accepted = await accepted_is(cluster, AGENTS, "k8s-troubleshooter", "True")
    assert "converted from kagent.dev/v1alpha1" in accepted["message"], accepted
    deployment = cluster.get(DEPLOYMENTS, NS, "k8s-troubleshooter")
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    key_env = [e for e in env.values() if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]]
    assert {"name": "openai-api-key", "key": "api-key"} in [
        e["valueFrom"]["secretKeyRef"] for e in key_env
    ]
    config = config_json(cluster, "k8s-troubleshooter")
    assert config["instruction"] == PROMPT
    assert (config["model"]["type"], config["model"]["model"]) == ("openai", "gpt-4o")
    tools = config["mcp_servers"][0]["tools"]
    assert tools == ["k8s_get_resources", "k8s_get_pod_logs"]
    mc = await eventually(lambda: cluster.condition(MODELS, NS, "gpt4-config", "Accepted"))
    assert mc["status"] == "True" and "converted from kagent.dev/v1alpha1" in mc["message"], mc
    record = await eventually(lambda: operator.sink.agents[(NS, "k8s-troubleshooter")])
    assert record.resource["spec"]["declarative"]["systemMessage"] == PROMPT  # v1alpha2 form
    # The stored object itself is untouched: only status was written.
    stored = cluster.get(AGENTS, NS, "k8s-troubleshooter")
    assert stored["spec"]["systemMessage"] == PROMPT and "declarative" not in stored["spec"]


async def test_an_agent_follows_its_tool_appearing_and_changing(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(SECRET, TOOL_SERVER, MODEL, stored_agent("kubectl-get", "status-page"))
    accepted = await eventually(
        lambda: cluster.condition(AGENTS, NS, "k8s-troubleshooter", "Accepted")
    )
    assert "spec.tools[1] (status-page): no built-in tool matches" in accepted["message"]

    await cluster.apply(TOKEN, http_tool())
    tool = await accepted_is(cluster, TOOLS, "status-page", "True")
    assert "POST https://status.example.com/api/{service}" in tool["message"]
    assert cluster.get(TOOLS, NS, "status-page")["status"]["runsAs"] == "http"

    def has_http_tool() -> dict:
        return next(t for t in config_json(cluster, "k8s-troubleshooter")["http_tools"])

    entry = await eventually(has_http_tool, what="the http tool in config.json")
    assert entry["url"] == "https://status.example.com/api/{service}"
    (var,) = entry["headers_from_env"].values()
    deployment = cluster.get(DEPLOYMENTS, NS, "k8s-troubleshooter")
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env[var]["valueFrom"]["secretKeyRef"] == {"name": "status-token", "key": "token"}
    secret = cluster.get("v1/secrets", NS, "k8s-troubleshooter-config")
    assert "s3cret-value" not in json.dumps(secret) and "s3cret-value" not in json.dumps(
        cluster.get(AGENTS, NS, "k8s-troubleshooter")
    )

    # The Tool now reads a Secret that does not exist: the Tool says so, the Agent too.
    await cluster.apply(http_tool(header_secret="absent"))
    tool = await accepted_is(cluster, TOOLS, "status-page", "False")
    assert tool["reason"] == "SecretNotFound" and "absent" in tool["message"], tool
    agent = await accepted_is(cluster, AGENTS, "k8s-troubleshooter", "False")
    assert 'Secret "ai-agents/absent" not found' in agent["message"], agent


async def test_tool_status_says_whether_it_can_run(cluster: Cluster, operator: Operator) -> None:
    custom = {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "my-script", "namespace": NS},
        "spec": {"type": "custom"},
    }
    kubectl = {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "kubectl-describe", "namespace": NS},
        "spec": {"type": "kubernetes", "description": "Describe a resource"},
    }
    await cluster.apply(custom, kubectl)
    cannot = await eventually(lambda: cluster.condition(TOOLS, NS, "my-script", "Accepted"))
    assert (cannot["status"], cannot["reason"]) == ("False", "CannotRun")
    builtin = await eventually(lambda: cluster.condition(TOOLS, NS, "kubectl-describe", "Accepted"))
    assert builtin["status"] == "True"
    status = cluster.get(TOOLS, NS, "kubectl-describe")["status"]
    assert (status["runsAs"], status["builtinTool"]) == ("builtin", "k8s_describe_resource")
