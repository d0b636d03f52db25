"""Pods of Bosun's own images meet the Pod Security Standard "restricted", so agents start
in a namespace that enforces it (`pod-security.kubernetes.io/enforce: restricted`); a
user's own security context is left as they wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bosun.api.manifests import load_manifests, load_text
from bosun.controller.translate import TranslateOptions, check_set

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO.parent / "shared" / "examples"
ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                   "persistentVolumeClaim", "projected", "secret"}  # fmt: skip


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """What the restricted profile (Kubernetes 1.30 rules) refuses in this pod spec."""
    problems = []
    pod_context = pod.get("securityContext") or {}
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            problems.append(f"volume {volume['name']}: {sorted(kinds)}")
    containers = [*pod.get("initContainers", []), *pod["containers"]]
    for container in containers:
        context = container.get("securityContext") or {}
        name = container["name"]
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation != false")
        if "ALL" not in ((context.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{name}: capabilities.drop lacks ALL")
        if set((context.get("capabilities") or {}).get("add") or []) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        if not context.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runAsUser 0")
        seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get(
            "type"
        )
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile {seccomp}")
    return problems


def pods(manifests: Any) -> dict[tuple[str, str], dict[str, Any]]:
    result = check_set(manifests, options=TranslateOptions(controlplane_url="http://cp:8083"))
    assert [str(p) for p in result.problems] == []
    return {
        (resource.kind, resource.name): obj["spec"]["template"]["spec"]
        for resource, out in result.outputs
        for obj in out.objects
        if obj["kind"] == "Deployment"
    }


@pytest.mark.skipif(not EXAMPLES.exists(), reason=f"{EXAMPLES} not present")
def test_every_pod_of_the_examples_on_bosuns_images_is_restricted() -> None:
    found = pods(load_manifests([EXAMPLES]))
    assert ("Agent", "my-agent") in found
    for key, pod in found.items():
        image = pod["containers"][0]["image"]
        if image.startswith("ghcr.io/bosun-dev/"):
            assert restricted_violations(pod) == [], key


AGENTS = """
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {name: m, namespace: default}
spec: {provider: Ollama, model: llama3}
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: plain, namespace: default}
spec:
  description: d
  skills: {gitRefs: [{url: "https://github.com/example/skills", ref: main}]}
  declarative:
    modelConfig: m
    systemMessage: hi
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: as-root, namespace: default}
spec:
  description: d
  declarative:
    modelConfig: m
    systemMessage: hi
    deployment:
      securityContext: {runAsUser: 0}
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {name: fetch, namespace: default}
spec:
  transportType: stdio
  deployment: {cmd: uvx, args: [mcp-server-fetch], port: 3000}
---
apiVersion: kagent.dev/v1alpha1
kind: MCPServer
metadata: {name: own-image, namespace: default}
spec:
  transportType: http
  deployment: {image: "example.com/mcp:1.0", port: 8000}
"""


def test_bosuns_pods_are_restricted_and_a_users_own_context_is_kept() -> None:
    found = pods(load_text(AGENTS))
    plain = found[("Agent", "plain")]
    assert plain.get("initContainers"), "the skills init step is checked too"
    assert restricted_violations(plain) == []
    assert restricted_violations(found[("MCPServer", "fetch")]) == []
    as_root = found[("Agent", "as-root")]
    assert "securityContext" not in as_root  # nothing of ours to contradict theirs
    assert as_root["containers"][0]["securityContext"] == {"runAsUser": 0}
    # An image of the user's: its user is unknown, so nothing is imposed on it.
    own = found[("MCPServer", "own-image")]
    assert "securityContext" not in own and "securityContext" not in own["containers"][0]


def test_the_restricted_check_itself_refuses_what_it_should() -> None:
    pod = yaml.safe_load("""
    containers: [{name: c, securityContext: {runAsUser: 0, capabilities: {add: [SYS_ADMIN]}}}]
    volumes: [{name: h, hostPath: {path: /}}]
    """)
    assert len(restricted_violations(pod)) == 7
