"""`bosun install` / `uninstall` against a fake helm (records its arguments) and the
Kubernetes API emulator (the control plane Deployment turns Ready as a kubelet would make
it): the CRDs chart goes first, the values pass through, the command waits for Ready,
and it says how to open the UI. Errors (no helm, no context, a stuck pod) are clear.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bosun.cli.main import app

NS = "bosun-system"
LABELS = {
    "app.kubernetes.io/name": "bosun",
    "app.kubernetes.io/instance": "bosun",
    "app.kubernetes.io/component": "controlplane",
}
REPO = Path(__file__).resolve().parents[3]


def deployment(replicas: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bosun", "namespace": NS, "labels": LABELS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {"containers": [{"name": "controlplane", "image": "x:1"}]},
            },
        },
    }


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "bosun", "namespace": NS, "labels": LABELS},
    "spec": {"selector": LABELS, "ports": [{"name": "http", "port": 8083}]},
}


def ready(n: int, replicas: int = 2) -> dict[str, Any]:
    return {
        "observedGeneration": 1,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": n,
        "availableReplicas": n,
    }


STATUS = {"image": "x:1", "imageID": "", "ready": False, "restartCount": 0}


def invoke(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.mark.slow  # runs the fake helm as a process
async def test_install_puts_crds_first_waits_for_ready_and_prints_the_url(
    kube: Any, tmp_path: Path
) -> None:
    await kube.apply(deployment(), status=ready(0))
    await kube.apply(SERVICE)
    values = tmp_path / "mine.yaml"
    values.write_text("replicaCount: 2\n")

    async def kubelet() -> float:
        # Ready only once both charts were installed and the CLI is waiting.
        while len(kube.helm_calls()) < 2:  # noqa: ASYNC110 (a file another process writes)
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)
        await kube.apply(deployment(), status=ready(2))
        return time.monotonic()

    became_ready = asyncio.create_task(kubelet())
    args = ["install", "-n", NS, "--set", "auth.mode=none", "-f", str(values), "--timeout", "20"]
    result = await asyncio.to_thread(invoke, kube.env, *args)
    finished = time.monotonic()
    assert result.exit_code == 0, result.output
    assert finished >= await became_ready  # it waited for Ready

    crds, main = kube.helm_calls()
    charts = REPO / "charts"
    assert crds[:4] == ["upgrade", "--install", "bosun-crds", str(charts / "bosun-crds")]
    assert "--wait" in crds and crds[crds.index("--namespace") + 1] == NS
    assert main[:4] == ["upgrade", "--install", "bosun", str(charts / "bosun")]
    assert main[main.index("--set") + 1] == "auth.mode=none"
    assert main[main.index("--values") + 1] == str(values)
    assert "--version" not in main  # a source checkout installs its own charts

    out = result.output
    assert "control plane 0/2 ready" in out and "control plane 2/2 ready" in out
    assert f"bosun dashboard -n {NS}" in out
    assert f"kubectl -n {NS} port-forward svc/bosun 8083:8083" in out
    assert "http://127.0.0.1:8083/" in out


@pytest.mark.slow
async def test_install_from_oci_names_the_version_and_reports_a_stuck_pod(kube: Any) -> None:
    from bosun import __version__

    await kube.apply(deployment(1), status=ready(0, 1))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bosun-abc", "namespace": NS, "labels": LABELS},
        "spec": {"containers": [{"name": "controlplane", "image": "x:1"}]},
    }
    waiting = {"waiting": {"reason": "ImagePullBackOff", "message": 'pull "x:1": not found'}}
    await kube.apply(
        pod, status={"containerStatuses": [{"name": "controlplane", "state": waiting, **STATUS}]}
    )
    args = ["install", "--charts", "oci://reg.example/charts", "--timeout", "1", "-n", NS]
    result = await asyncio.to_thread(invoke, kube.env, *args)
    assert result.exit_code == 1
    assert "not Ready after 1 s" in result.output and "ImagePullBackOff" in result.output
    assert "bosun bug-report" in result.output
    crds, main = kube.helm_calls()
    assert (
        crds[3] == "oci://reg.example/charts/bosun-crds"
        and main[3] == "oci://reg.example/charts/bosun"
    )
    assert main[main.index("--version") + 1] == __version__
    # No auth chosen: a first admin token is made for the chart's token mode, not shown.
    secret = kube.emulator.get("v1/secrets", NS, "bosun-tokens")
    tokens = (
        secret.get("stringData", {}).get("tokens.csv")
        or base64.b64decode(secret["data"]["tokens.csv"]).decode()
    )
    token, user = tokens.split(",")[:2]
    assert user == "admin" and len(token) >= 32
    assert "auth.tokenSecret=bosun-tokens" in main
    assert token not in result.output


@pytest.mark.slow
async def test_a_helm_failure_stops_before_the_control_plane_chart(kube: Any) -> None:
    env = {**kube.env, "FAKE_HELM_FAIL": "bosun-crds"}
    result = await asyncio.to_thread(invoke, env, "install", "-n", NS)
    assert result.exit_code == 1
    assert "helm upgrade failed: Error: INSTALLATION FAILED: fake failure" in result.output
    assert len(kube.helm_calls()) == 1


@pytest.mark.slow
async def test_uninstall_keeps_the_crds_unless_asked(kube: Any) -> None:
    result = await asyncio.to_thread(invoke, kube.env, "uninstall", "-n", NS)
    assert result.exit_code == 0 and "--crds" in result.output
    assert [c[:2] for c in kube.helm_calls()] == [["uninstall", "bosun"]]
    await asyncio.to_thread(invoke, kube.env, "uninstall", "-n", NS, "--crds")
    assert [c[:2] for c in kube.helm_calls()][1:] == [
        ["uninstall", "bosun"],
        ["uninstall", "bosun-crds"],
    ]


def test_install_without_helm_says_how_to_get_it(tmp_path: Path) -> None:
    result = invoke({"PATH": str(tmp_path), "HELM": ""}, "install")
    assert result.exit_code == 1
    assert "helm not found" in result.output and "https://helm.sh" in result.output


def test_install_without_a_kube_context_says_so(tmp_path: Path) -> None:
    helm = tmp_path / "helm"
    helm.write_text("#!/bin/sh\nexit 0\n")
    helm.chmod(0o755)
    env = {"HELM": str(helm), "KUBECONFIG": str(tmp_path / "missing"), "HOME": str(tmp_path)}
    result = invoke(env, "install")
    assert result.exit_code == 1
    assert "no Kubernetes context" in result.output and "KUBECONFIG" in result.output


FAKE_KUBECTL = """#!{python}
import json, socket, sys
args = sys.argv[1:]
with open({log!r}, "a") as f:
    f.write(json.dumps(args) + "\\n")
local = int(next(a for a in args if a.partition(":")[0].isdigit()).partition(":")[0])
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", local))
    s.listen()
    conn, _ = s.accept()  # the CLI's check that the forward is up; then "Ctrl-C"
    conn.close()
"""


@pytest.mark.slow  # runs a fake kubectl
async def test_dashboard_port_forwards_to_the_control_plane_service(
    kube: Any, tmp_path: Path
) -> None:
    await kube.apply(SERVICE)
    kubectl, log = tmp_path / "kubectl", tmp_path / "kubectl.log"
    kubectl.write_text(FAKE_KUBECTL.format(python=sys.executable, log=str(log)))
    kubectl.chmod(0o755)
    env = {**kube.env, "KUBECTL": str(kubectl)}
    result = await asyncio.to_thread(invoke, env, "dashboard", "-n", NS, "--port", "0", "--no-open")
    assert result.exit_code == 0, result.output
    (args,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert args[:4] == ["port-forward", "--namespace", NS, "svc/bosun"]
    local, _, remote = args[4].partition(":")
    assert remote == "8083" and f"Bosun UI: http://127.0.0.1:{local}/" in result.output


async def test_dashboard_without_a_control_plane_says_how_to_install(kube: Any) -> None:
    result = await asyncio.to_thread(invoke, kube.env, "dashboard", "-n", "elsewhere", "--no-open")
    assert result.exit_code == 1
    assert "no Bosun control plane Service" in result.output and "bosun install" in result.output
