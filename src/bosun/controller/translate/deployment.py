"""Deployments: the agent runtime (Declarative), the user's image (BYO), and shared pod parts.

Called by `agent.translate_agent`, `team.translate_team` and `mcpserver.translate_mcpserver`.
"""

from __future__ import annotations

import copy
from typing import Any

from bosun.api.agent import ByoDeploymentSpec, DeclarativeDeploymentSpec, SharedDeploymentSpec
from bosun.api.k8s import EnvVar
from bosun.controller.translate.meta import CONFIG_HASH_ANNOTATION, Obj, metadata
from bosun.controller.translate.wiring import PodWiring

AGENT_PORT = 8080
CONFIG_DIR = "/config"
CARD_PATH = "/.well-known/agent-card.json"
READY_PATH = "/readyz"  # served by `bosun agent` (runtime/app.py)
LIVE_PATH = "/healthz"
AGENT_RESOURCES: Obj = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    # No CPU limit: throttling an agent that waits on an LLM only adds latency.
    "limits": {"memory": "1Gi"},
}

# Pod Security Standards "restricted", for pods that run Bosun's own images (non-root user
# 10001): they start in a namespace that enforces it. A user who sets either security
# context takes both over (ours could contradict theirs, e.g. runAsNonRoot and uid 0).
# No readOnlyRootFilesystem: the runtime keeps its task journal and skills on local disk.
RESTRICTED_POD: Obj = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
RESTRICTED_CONTAINER: Obj = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def restrict(pod_spec: Obj, containers: list[Obj]) -> None:
    """The restricted security contexts on a pod of Bosun's image and its containers."""
    pod_spec.setdefault("securityContext", copy.deepcopy(RESTRICTED_POD))
    for container in containers:  # copies: shared dicts would be YAML anchors in output
        container.setdefault("securityContext", copy.deepcopy(RESTRICTED_CONTAINER))


def runtime_env(
    name: str,
    namespace: str,
    controlplane_url: str | None,
    otel: tuple[tuple[str, str], ...] = (),
) -> list[Obj]:
    """Env vars every agent or team pod gets: who it is, the control plane's URL, and the
    operator's OpenTelemetry settings (`otel_env`) with this agent as the service."""
    env: list[Obj] = [
        {"name": "BOSUN_AGENT_NAME", "value": name},
        {"name": "BOSUN_AGENT_NAMESPACE", "value": namespace},
    ]
    if controlplane_url:
        env.append({"name": "BOSUN_URL", "value": controlplane_url})
    return env + otel_env(name, namespace, otel)


def otel_env(name: str, namespace: str, otel: tuple[tuple[str, str], ...]) -> list[Obj]:
    """The operator's OTEL_* settings for one agent's pod; none when it has none. The
    service is the agent, and k8s.namespace.name its namespace (not the control plane's)."""
    settings = dict(otel)  # options.yaml of the goldens gives a mapping
    if not settings:
        return []
    settings["OTEL_SERVICE_NAME"] = name
    attributes = [
        a.strip()
        for a in settings.get("OTEL_RESOURCE_ATTRIBUTES", "").split(",")
        if a.strip() and a.split("=", 1)[0].strip() != "k8s.namespace.name"
    ]
    settings["OTEL_RESOURCE_ATTRIBUTES"] = ",".join(
        [*attributes, f"k8s.namespace.name={namespace}"]
    )
    return [{"name": k, "value": settings[k]} for k in sorted(settings)]


def merge_env(ours: list[Obj], user: list[EnvVar]) -> list[Obj]:
    """Bosun's env vars, then the user's; a user variable of the same name replaces ours."""
    user_wire = [v.to_wire() for v in user]
    names = {v["name"] for v in user_wire}
    return [v for v in ours if v["name"] not in names] + user_wire


def pull_secrets(own: list[str], defaults: tuple[str, ...]) -> Obj:
    """`imagePullSecrets` for a pod: the resource's own Secrets, then the operator's
    (the chart's imagePullSecrets) not already named; empty when there are none."""
    names = list(dict.fromkeys([*own, *defaults]))
    return {"imagePullSecrets": [{"name": n} for n in names]} if names else {}


def pod_spec_extras(
    spec: SharedDeploymentSpec | None, default_pull_secrets: tuple[str, ...]
) -> Obj:
    """Pod-level settings copied from the user's deployment block, plus the operator's
    image pull Secrets (merged after the user's own)."""
    own = [s.name for s in spec.image_pull_secrets] if spec else []
    extras: Obj = pull_secrets(own, default_pull_secrets)
    if spec is None:
        return extras
    if spec.node_selector:
        extras["nodeSelector"] = dict(spec.node_selector)
    if spec.tolerations:
        extras["tolerations"] = list(spec.tolerations)
    if spec.affinity:
        extras["affinity"] = spec.affinity
    if spec.pod_security_context:
        extras["securityContext"] = spec.pod_security_context
    return extras


def deployment(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    owner: Obj | None,
    *,
    replicas: int,
    container: Obj,
    pod_spec: Obj,
    pod_labels: dict[str, str] | None = None,
    pod_annotations: dict[str, str] | None = None,
) -> Obj:
    template_labels = {**(pod_labels or {}), **labels}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, namespace, labels, owner),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(selector)},
            "template": {
                "metadata": {
                    "labels": template_labels,
                    "annotations": dict(pod_annotations or {}),
                },
                "spec": {"containers": [container], **pod_spec},
            },
        },
    }


def _container_extras(spec: SharedDeploymentSpec | None, default_resources: Obj) -> Obj:
    extras: Obj = {"resources": default_resources}
    if spec is None:
        return extras
    if spec.image_pull_policy:
        extras["imagePullPolicy"] = spec.image_pull_policy
    if spec.resources:
        extras["resources"] = spec.resources
    if spec.security_context:
        extras["securityContext"] = spec.security_context
    return extras


def agent_deployment(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    owner: Obj | None,
    *,
    spec: DeclarativeDeploymentSpec | None,
    image: str,
    wiring: PodWiring,
    base_env: list[Obj],
    config_secret: str,
    service_account: str,
    config_hash: str,
    default_pull_secrets: tuple[str, ...],
) -> Obj:
    mounts: list[Any] = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
    volumes: list[Any] = [{"name": "config", "secret": {"secretName": config_secret}}]
    mounts += wiring.mounts + (spec.volume_mounts if spec else [])
    volumes += wiring.volumes + (spec.volumes if spec else [])
    container: Obj = {
        "name": "agent",
        "image": image,
        "command": ["bosun"],
        "args": ["agent", "--config", CONFIG_DIR],
        "ports": [{"name": "http", "containerPort": AGENT_PORT, "protocol": "TCP"}],
        "env": merge_env(base_env + wiring.env, spec.env if spec else []),
        "volumeMounts": mounts,
        # /readyz is 503 until the engine is loaded (or says why it failed to load);
        # /healthz only says the process serves, so a slow start is never a restart.
        "readinessProbe": {
            "httpGet": {"path": READY_PATH, "port": "http"},
            "initialDelaySeconds": 1,
            "periodSeconds": 5,
        },
        "livenessProbe": {
            "httpGet": {"path": LIVE_PATH, "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 6,
        },
        **_container_extras(spec, AGENT_RESOURCES),
    }
    pod_spec: Obj = {"serviceAccountName": service_account, "volumes": volumes}
    if wiring.init_containers:  # e.g. fetching skills (translate/skills.py)
        config_mount = {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}
        pod_spec["initContainers"] = [
            {**c, "image": image, "volumeMounts": [config_mount, *c.get("volumeMounts", [])]}
            for c in wiring.init_containers
        ]
    pod_spec.update(pod_spec_extras(spec, default_pull_secrets))
    if not (spec and (spec.security_context or spec.pod_security_context)):
        restrict(pod_spec, [container, *pod_spec.get("initContainers", [])])
    return deployment(
        name,
        namespace,
        labels,
        selector,
        owner,
        replicas=spec.replicas if spec and spec.replicas is not None else 1,
        container=container,
        pod_spec=pod_spec,
        pod_labels=spec.labels if spec else None,
        pod_annotations={**(spec.annotations if spec else {}), CONFIG_HASH_ANNOTATION: config_hash},
    )


def byo_deployment(
    name: str,
    namespace: str,
    labels: dict[str, str],
    selector: dict[str, str],
    owner: Obj | None,
    *,
    spec: ByoDeploymentSpec,
    base_env: list[Obj],
    service_account: str,
    config_hash: str,
    default_pull_secrets: tuple[str, ...],
) -> Obj:
    container: Obj = {
        "name": "agent",
        "image": spec.image,
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "env": merge_env(base_env, spec.env),
        # BYO images may serve an older A2A card path: a TCP check is what they all pass.
        "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5},
        **_container_extras(spec, AGENT_RESOURCES),
    }
    if spec.cmd:
        container["command"] = [spec.cmd]
    if spec.args:
        container["args"] = list(spec.args)
    if spec.volume_mounts:
        container["volumeMounts"] = list(spec.volume_mounts)
    pod_spec: Obj = {"serviceAccountName": service_account}
    if spec.volumes:
        pod_spec["volumes"] = list(spec.volumes)
    pod_spec.update(pod_spec_extras(spec, default_pull_secrets))
    return deployment(
        name,
        namespace,
        labels,
        selector,
        owner,
        replicas=spec.replicas if spec.replicas is not None else 1,
        container=container,
        pod_spec=pod_spec,
        pod_labels=spec.labels,
        pod_annotations={**spec.annotations, CONFIG_HASH_ANNOTATION: config_hash},
    )
