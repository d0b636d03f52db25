"""`bosun bug-report` against the Kubernetes API emulator and a fake helm: the archive has
statuses, events, workloads and versions, and no secret value (from a Secret, an inline
header or env value, or the helm values) lands in it.
"""

from __future__ import annotations

import asyncio
import base64
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bosun.cli.cluster_report import REDACTED, redact
from bosun.cli.main import app

NS = "bosun-system"
SECRETS = ["sk-IN-A-SECRET-1", "Bearer HEADER-2", "ENV-VALUE-3", "HELM-ENV-4", "HELM-TOKEN-5"]
CP = {"app.kubernetes.io/instance": "bosun", "app.kubernetes.io/component": "controlplane"}


def manifests() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "kagent-openai", "namespace": "team"},
            "stringData": {"OPENAI_API_KEY": SECRETS[0]},
        },
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "Agent",
            "metadata": {"name": "k8s-agent", "namespace": "team"},
            "spec": {"type": "Declarative", "declarative": {"modelConfig": "m"}},
        },
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "RemoteMCPServer",
            "metadata": {
                "name": "github",
                "namespace": "team",
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": SECRETS[1],
                    "team": "platform",
                },
            },
            "spec": {
                "url": "https://mcp.example/mcp",
                "headersFrom": [{"name": "Authorization", "value": SECRETS[1]}],
            },
        },
        {
            "apiVersion": "kagent.dev/v1alpha1",
            "kind": "MCPServer",
            "metadata": {"name": "fs", "namespace": "team"},
            "spec": {
                "deployment": {
                    "env": [
                        {"name": "API_TOKEN", "value": SECRETS[2]},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ]
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "bosun-1", "namespace": NS, "labels": CP},
            "spec": {"containers": [{"name": "controlplane", "image": "bosun:0.1.0"}]},
        },
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "k8s-agent.1", "namespace": "team"},
            "involvedObject": {"kind": "Agent", "name": "k8s-agent", "namespace": "team"},
            "reason": "TranslationFailed",
            "message": 'ModelConfig "team/m" not found',
            "type": "Warning",
        },
    ]


HELM_VALUES = {
    "auth": {"tokenSecret": "bosun-tokens"},
    "controlplane": {"extraEnv": [{"name": "OPENAI_API_KEY", "value": SECRETS[3]}]},
    "gateway": {"adminToken": SECRETS[4]},
}


def archive_text(path: Path) -> dict[str, str]:
    with tarfile.open(path) as tar:
        return {
            m.name.split("/", 1)[1]: tar.extractfile(m).read().decode()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile()
        }


@pytest.mark.slow  # runs the fake helm
async def test_bug_report_collects_state_and_no_secret_value(kube: Any, tmp_path: Path) -> None:
    for obj in manifests():
        await kube.apply(obj)
    await kube.apply(
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "Agent",
            "metadata": {"name": "k8s-agent", "namespace": "team"},
        },
        status={"conditions": [{"type": "Accepted", "status": "False", "reason": "Oops"}]},
    )
    kube.helm_values.write_text(yaml.safe_dump(HELM_VALUES))
    out = tmp_path / "report.tar.gz"
    result = await asyncio.to_thread(
        CliRunner().invoke, app, ["bug-report", "-n", NS, "-o", str(out)], env=kube.env
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)

    files = archive_text(out)
    everything = "\n".join(files.values())
    for secret in SECRETS:
        assert secret not in everything
        assert base64.b64encode(secret.encode()).decode() not in everything
    assert "kind: Secret" not in everything  # Secrets are never read

    agents = yaml.safe_load(files["resources/agents.yaml"])
    assert agents[0]["metadata"]["name"] == "k8s-agent"
    assert agents[0]["status"]["conditions"][0]["reason"] == "Oops"
    (remote,) = yaml.safe_load(files["resources/remotemcpservers.yaml"])
    assert remote["spec"]["headersFrom"] == [{"name": "Authorization", "value": REDACTED}]
    assert remote["metadata"]["annotations"] == {"team": "platform"}
    (server,) = yaml.safe_load(files["resources/mcpservers.yaml"])
    assert {"name": "LOG_LEVEL", "value": "debug"} in server["spec"]["deployment"]["env"]
    events = yaml.safe_load(files["events/team.yaml"])
    assert events[0]["reason"] == "TranslationFailed" and events[0]["object"] == "Agent/k8s-agent"
    values = yaml.safe_load(files["helm/values.yaml"])
    assert values["auth"]["tokenSecret"] == "bosun-tokens"  # a Secret's name is kept
    assert "bosun-1" in files["workloads/pods-controlplane.yaml"]
    versions = yaml.safe_load(files["versions.yaml"])
    assert versions["helm"].strip() == "v3.99.0+fake" and versions["bosun"]
    # the control plane container's log was fetched (the emulator answers /log with the Pod)
    assert "logs/bosun-system/bosun-1/controlplane.log" in files
    assert "resources/policies.yaml" in files  # every kind of bosun.api


def test_redact_keeps_references_and_flags_but_not_values() -> None:
    obj = {
        "apiKeySecret": "kagent-openai",
        "apiKeySecretKey": "OPENAI_API_KEY",
        "password": "hunter2",
        "serviceAccountAuth": True,
        "env": [
            {"name": "DB_PASSWORD", "value": "p"},
            {"name": "DB_PASSWORD_FILE", "valueFrom": {"secretKeyRef": {"name": "db"}}},
            {"name": "PORT", "value": "80"},
        ],
        "managedFields": [{"manager": "x"}],
    }
    assert redact(obj) == {
        "apiKeySecret": "kagent-openai",
        "apiKeySecretKey": "OPENAI_API_KEY",
        "password": REDACTED,
        "serviceAccountAuth": True,
        "env": [
            {"name": "DB_PASSWORD", "value": REDACTED},
            {"name": "DB_PASSWORD_FILE", "valueFrom": {"secretKeyRef": {"name": "db"}}},
            {"name": "PORT", "value": "80"},
        ],
    }
