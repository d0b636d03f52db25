"""charts/bosun rendered by the real `helm` with each values combination; every object is
checked against Kubernetes' own schemas (kubernetes-validate, strict) or, for kagent.dev
kinds, against Bosun's resource models; values.schema.json refuses bad values clearly.

Needs `helm` ($HELM, PATH or .tools/bin/helm from scripts/bootstrap.sh --test); skipped
without it, except in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

import bosun
from bosun.api.images import MCP_RUNNER_IMAGE, RUNTIME_IMAGE
from bosun.api.manifests import load_text

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "charts" / "bosun"
CRDS = REPO / "charts" / "bosun-crds"
PREBUILT = CHART / "files" / "prebuilt"
HELM = (
    os.environ.get("HELM")
    or shutil.which("helm")
    or next((str(p) for p in [REPO / ".tools" / "bin" / "helm"] if p.exists()), None)
)
KUBERNETES = "1.35.0"
NS = "bosun-system"
BASE = {"auth": {"tokenSecret": "bosun-tokens"}}
pytestmark = [
    pytest.mark.slow,  # each render is a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]


def helm(*args: str, values: dict[str, Any] | None = None, tmp: Path | None = None) -> Any:
    assert HELM is not None
    cmd = [HELM, *args]
    if values is not None:
        assert tmp is not None
        path = tmp / "values.yaml"
        path.write_text(yaml.safe_dump(values))
        cmd += ["-f", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)


def render(tmp_path: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    result = helm("template", "bosun", str(CHART), "-n", NS, values=values, tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def merged(**overrides: Any) -> dict[str, Any]:
    return {**BASE, **overrides}


def check_objects(docs: list[dict[str, Any]]) -> None:
    """Core kinds against Kubernetes' schemas; kagent.dev kinds against Bosun's models."""
    custom = [d for d in docs if d["apiVersion"].startswith("kagent.dev/")]
    for doc in docs:
        # Prometheus Operator kinds have no schema here; test_metrics_scraping checks them.
        if doc in custom or doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {exc.message} at {exc.path}")
    if custom:
        loaded = load_text(yaml.safe_dump_all(custom), source="chart")
        assert not loaded.problems, [str(p) for p in loaded.problems]
        assert len(loaded.resources) == len(custom)


def kinds(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in kinds(docs, kind) if d["metadata"]["name"] == name)


def env_of(deployment: dict[str, Any]) -> dict[str, Any]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


COMBINATIONS = {
    "default": {},
    "watch-namespaces": {"watchNamespaces": ["team-a", "team-b"]},
    "postgres": {"database": {"existingSecret": "bosun-db", "secretKey": "url"}},
    "sqlite-pvc": {"replicaCount": 1, "persistence": {"enabled": True, "size": "5Gi"}},
    "anthropic": {"providers": {"default": "anthropic"}},
    "no-tool-server": {
        "toolServer": {"enabled": False},
        "agents": {"k8s-agent": {"enabled": False}},
    },
    "read-only-tools": {"toolServer": {"readOnly": True}},
    "all-agents": {
        "agents": {n: {"enabled": True} for n in ("k8s-agent", "helm-agent", "observability-agent")}
    },
    "no-providers": {"providers": {"default": ""}},
    "oidc": {
        "auth": {
            "mode": "oidc",
            "oidc": {"issuer": "https://issuer.example", "clientId": "bosun-ui"},
        }
    },
    "service-monitor": {"metrics": {"serviceMonitor": {"enabled": True}}},
}


@pytest.mark.parametrize("case", sorted(COMBINATIONS))
def test_every_combination_renders_valid_objects(case: str, tmp_path: Path) -> None:
    values = COMBINATIONS[case]
    docs = render(tmp_path, {**BASE, **values})
    assert kinds(docs, "Deployment")
    check_objects(docs)


def test_images_are_one_setting_defaulting_to_the_app_version(tmp_path: Path) -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    crds = yaml.safe_load((CRDS / "Chart.yaml").read_text())
    assert chart["appVersion"] == crds["appVersion"] == bosun.__version__
    docs = render(tmp_path, merged())
    images = {
        c["image"]
        for d in kinds(docs, "Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {RUNTIME_IMAGE}  # control plane and tool server
    env = env_of(named(docs, "Deployment", "bosun"))
    assert env["BOSUN_RUNTIME_IMAGE"] == RUNTIME_IMAGE
    assert env["BOSUN_MCP_RUNNER_IMAGE"] == MCP_RUNNER_IMAGE
    assert ":latest" not in RUNTIME_IMAGE + MCP_RUNNER_IMAGE

    docs = render(
        tmp_path, merged(image={"repository": "reg.example:5000/x/bosun", "tag": "1.2.3"})
    )
    env = env_of(named(docs, "Deployment", "bosun"))
    assert env["BOSUN_RUNTIME_IMAGE"] == "reg.example:5000/x/bosun:1.2.3"
    assert env["BOSUN_MCP_RUNNER_IMAGE"] == "reg.example:5000/x/bosun-mcp-runner:1.2.3"
    assert {
        d["spec"]["template"]["spec"]["containers"][0]["image"] for d in kinds(docs, "Deployment")
    } == {"reg.example:5000/x/bosun:1.2.3"}


def test_namespaced_mode_grants_roles_only_in_the_watched_namespaces(tmp_path: Path) -> None:
    docs = render(tmp_path, merged(watchNamespaces=["team-a", "team-b"]))
    assert not kinds(docs, "ClusterRole")
    for doc in kinds(docs, "Role") + kinds(docs, "RoleBinding"):
        ns = doc["metadata"]["namespace"]
        # the release namespace holds only the leader-election Lease's Role
        assert ns in ("team-a", "team-b") or doc["metadata"]["name"].endswith("leader-election")
    for ns in ("team-a", "team-b"):
        assert {
            d["metadata"]["name"] for d in kinds(docs, "Role") if d["metadata"]["namespace"] == ns
        } == {
            "bosun",
            "kagent-tool-server",
        }
    # TokenReview is cluster-scoped: bound through Kubernetes' own role, none created
    (binding,) = kinds(docs, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    assert env_of(named(docs, "Deployment", "bosun"))["BOSUN_WATCH_NAMESPACES"] == "team-a,team-b"

    cluster_wide = render(tmp_path, merged())
    assert {d["metadata"]["name"] for d in kinds(cluster_wide, "ClusterRole")} >= {
        "bosun",
        f"kagent-tool-server-{NS}",
    }


def test_database_postgres_from_a_secret_or_sqlite_on_a_pvc(tmp_path: Path) -> None:
    docs = render(tmp_path, merged(database={"existingSecret": "bosun-db", "secretKey": "url"}))
    env = env_of(named(docs, "Deployment", "bosun"))
    assert env["BOSUN_DATABASE_URL"] == {"secretKeyRef": {"name": "bosun-db", "key": "url"}}
    assert not kinds(docs, "PersistentVolumeClaim")

    docs = render(tmp_path, merged(replicaCount=1, persistence={"enabled": True}))
    (pvc,) = kinds(docs, "PersistentVolumeClaim")
    volumes = named(docs, "Deployment", "bosun")["spec"]["template"]["spec"]["volumes"]
    data = next(v for v in volumes if v["name"] == "data")
    assert data == {"name": "data", "persistentVolumeClaim": {"claimName": pvc["metadata"]["name"]}}
    assert "BOSUN_DATABASE_URL" not in env_of(named(docs, "Deployment", "bosun"))


def test_a_default_model_config_from_the_providers_values(tmp_path: Path) -> None:
    docs = render(tmp_path, merged())
    model = named(docs, "ModelConfig", "default-model-config")
    assert model["metadata"]["namespace"] == NS
    assert model["spec"] == {
        "provider": "OpenAI",
        "model": "gpt-4.1-mini",
        "apiKeySecret": "kagent-openai",
        "apiKeySecretKey": "OPENAI_API_KEY",
    }
    custom = merged(
        providers={
            "default": "azureOpenAI",
            "modelConfigName": "team-model",
            "azureOpenAI": {
                "provider": "AzureOpenAI",
                "model": "gpt-4o",
                "apiKeySecretRef": {"name": "azure", "key": "KEY"},
                "config": {
                    "azureEndpoint": "https://x.openai.azure.com",
                    "apiVersion": "2024-10-21",
                },
            },
        }
    )
    model = named(render(tmp_path, custom), "ModelConfig", "team-model")
    assert model["spec"]["azureOpenAI"]["apiVersion"] == "2024-10-21"
    assert model["spec"]["apiKeySecret"] == "azure"
    ollama = named(
        render(tmp_path, merged(providers={"default": "ollama"})),
        "ModelConfig",
        "default-model-config",
    )
    assert "apiKeySecret" not in ollama["spec"] and ollama["spec"]["ollama"]["host"].startswith(
        "http"
    )
    assert not kinds(render(tmp_path, merged(providers={"default": ""})), "ModelConfig")


def test_the_tool_server_toggle(tmp_path: Path) -> None:
    docs = render(tmp_path, merged())
    deployment = named(docs, "Deployment", "kagent-tool-server")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:2] == ["tools", "serve"] and "--port=8084" in args and "--read-only" not in args
    assert named(docs, "Service", "kagent-tool-server")["spec"]["ports"][0]["port"] == 8084
    remote = named(docs, "RemoteMCPServer", "kagent-tool-server")
    assert remote["spec"]["url"] == f"http://kagent-tool-server.{NS}:8084/mcp"
    assert remote["spec"]["protocol"] == "STREAMABLE_HTTP"

    read_only = render(tmp_path, merged(toolServer={"readOnly": True}))
    args = named(read_only, "Deployment", "kagent-tool-server")["spec"]["template"]["spec"][
        "containers"
    ][0]["args"]
    assert "--read-only" in args
    rules = named(read_only, "ClusterRole", f"kagent-tool-server-{NS}")["rules"]
    assert all(set(r["verbs"]) <= {"get", "list", "watch"} for r in rules)

    off = render(
        tmp_path, merged(toolServer={"enabled": False}, agents={"k8s-agent": {"enabled": False}})
    )
    assert not [d for d in off if d["metadata"]["name"].startswith("kagent-tool-server")]


def prebuilt_agents() -> list[str]:
    names = []
    for path in sorted(PREBUILT.glob("*.y*ml")) if PREBUILT.exists() else []:
        names += [
            d["metadata"]["name"]
            for d in yaml.safe_load_all(path.read_text())
            if d and d.get("kind") == "Agent"
        ]
    return names


@pytest.mark.parametrize("agent", ["k8s-agent", "helm-agent", "observability-agent"])
def test_each_prebuilt_agent_toggle(agent: str, tmp_path: Path) -> None:
    if agent not in prebuilt_agents():
        pytest.skip(f"charts/bosun/files/prebuilt has no Agent {agent} yet")
    toggles = {
        n: {"enabled": n == agent} for n in ("k8s-agent", "helm-agent", "observability-agent")
    }
    docs = render(tmp_path, merged(agents=toggles))
    check_objects(docs)
    (rendered,) = kinds(docs, "Agent")
    assert rendered["metadata"]["name"] == agent and rendered["metadata"]["namespace"] == NS
    model = rendered["spec"].get("declarative", {}).get("modelConfig")
    assert model in (None, "default-model-config")
    assert kinds(docs, "ConfigMap"), "the prompts ConfigMap comes with an agent"
    none = render(tmp_path, merged(agents={n: {"enabled": False} for n in toggles}))
    assert not kinds(none, "Agent")


def test_an_enabled_agent_without_the_tool_server_is_refused(tmp_path: Path) -> None:
    if "k8s-agent" not in prebuilt_agents():
        pytest.skip("charts/bosun/files/prebuilt has no k8s-agent yet")
    result = helm(
        "template", "b", str(CHART), values=merged(toolServer={"enabled": False}), tmp=tmp_path
    )
    assert result.returncode != 0 and "needs toolServer.enabled" in result.stderr


def test_helm_lint_is_clean(tmp_path: Path) -> None:
    for chart, values in ((CHART, BASE), (CRDS, None)):
        result = helm("lint", str(chart), "--strict", values=values, tmp=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr


BAD_VALUES = [
    ({"replicaCount": "two"}, "/replicaCount"),
    ({"watchNamespaces": ["Team_A"]}, "/watchNamespaces/0"),
    ({"auth": {"mode": "basic"}}, "/auth/mode"),
    ({"tooServer": {"enabled": True}}, "tooServer"),
    ({"providers": {"openAI": {"provider": "OpenAl", "model": "m"}}}, "/providers/openAI/provider"),
    (
        {
            "providers": {
                "openAI": {
                    "provider": "OpenAI",
                    "model": "m",
                    "apiKeySecretRef": {"name": "My Key"},
                }
            }
        },
        "/providers/openAI/apiKeySecretRef/name",
    ),
    ({"agents": {"k8s-agent": {"enabled": "yes"}}}, "/agents/k8s-agent/enabled"),
    ({"toolServer": {"port": 70000}}, "/toolServer/port"),
    ({"persistence": {"size": "lots"}}, "/persistence/size"),
]


@pytest.mark.parametrize(("values", "where"), BAD_VALUES, ids=[w for _, w in BAD_VALUES])
def test_the_values_schema_rejects_bad_values(
    values: dict[str, Any], where: str, tmp_path: Path
) -> None:
    result = helm("template", "b", str(CHART), values=merged(**values), tmp=tmp_path)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert where in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"image": {"repository": "r", "tag": "latest"}}, "image.tag: latest is not allowed"),
        ({"persistence": {"enabled": True}}, "supports one replica"),
        (
            {
                "replicaCount": 1,
                "persistence": {"enabled": True},
                "database": {"existingSecret": "db"},
            },
            "persistence.enabled is for SQLite",
        ),
        ({"providers": {"default": "mistral"}}, 'providers.default is "mistral"'),
    ],
)
def test_template_checks_explain_themselves(
    values: dict[str, Any], message: str, tmp_path: Path
) -> None:
    result = helm("template", "b", str(CHART), values=merged(**values), tmp=tmp_path)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_the_schema_is_json_schema_and_knows_every_default_value() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert schema["additionalProperties"] is False
    assert set(defaults) <= set(schema["properties"])


def test_notes_say_how_to_reach_the_ui(tmp_path: Path) -> None:
    assert HELM is not None
    path = tmp_path / "v.yaml"
    path.write_text(yaml.safe_dump(BASE))
    result = subprocess.run(
        [HELM, "install", "bosun", str(CHART), "-n", NS, "--dry-run=client", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert f"bosun dashboard -n {NS}" in notes
    assert f"kubectl -n {NS} port-forward svc/bosun 8083" in notes


FAKE_PREBUILT = {
    "k8s-agent.yaml": """\
# A kagent-shaped prebuilt agent: its prompt uses kagent's own include syntax, which
# the chart must pass through untouched (no tpl).
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata:
  name: k8s-agent
  namespace: kagent
  labels: {app.kubernetes.io/name: k8s-agent}
spec:
  description: Kubernetes expert
  type: Declarative
  declarative:
    modelConfig: some-other-name
    systemMessage: |
      {{include "kagent-builtin-prompts/safety-guardrails"}}
      You are a Kubernetes expert.
    tools:
      - type: McpServer
        mcpServer:
          name: kagent-tool-server
          kind: RemoteMCPServer
          apiGroup: kagent.dev
          toolNames: [k8s_get_resources]
""",
    "prompts.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kagent-builtin-prompts
data:
  safety-guardrails: Never delete anything without asking.
---
apiVersion: kagent.dev/v1alpha2
kind: RemoteMCPServer
metadata:
  name: kagent-tool-server
spec:
  protocol: STREAMABLE_HTTP
  url: http://placeholder/mcp
""",
}


def test_prebuilt_files_are_rendered_as_plain_manifests(tmp_path: Path) -> None:
    """The template logic alone, on a copy of the chart with kagent-shaped files."""
    chart = tmp_path / "bosun"
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("prebuilt"))
    (chart / "files" / "prebuilt").mkdir(parents=True)
    for name, text in FAKE_PREBUILT.items():
        (chart / "files" / "prebuilt" / name).write_text(text)
    values = tmp_path / "v.yaml"
    values.write_text(yaml.safe_dump(BASE))
    assert HELM is not None
    out = subprocess.run(
        [HELM, "template", "bosun", str(chart), "-n", NS, "-f", str(values)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    docs = [d for d in yaml.safe_load_all(out) if d]
    check_objects(docs)
    agent = named(docs, "Agent", "k8s-agent")
    assert agent["metadata"]["namespace"] == NS  # moved into the release namespace
    assert agent["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    assert agent["spec"]["declarative"]["modelConfig"] == "default-model-config"
    assert (
        '{{include "kagent-builtin-prompts/safety-guardrails"}}'
        in agent["spec"]["declarative"]["systemMessage"]
    )
    assert named(docs, "ConfigMap", "kagent-builtin-prompts")["metadata"]["namespace"] == NS
    (remote,) = kinds(docs, "RemoteMCPServer")  # the file's, not a second one
    assert remote["spec"]["url"] == f"http://kagent-tool-server.{NS}:8084/mcp"

    values.write_text(yaml.safe_dump({**BASE, "agents": {"k8s-agent": {"enabled": False}}}))
    out = subprocess.run(
        [HELM, "template", "bosun", str(chart), "-n", NS, "-f", str(values)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert not kinds(docs, "Agent") and not kinds(docs, "ConfigMap")
    assert kinds(docs, "RemoteMCPServer")  # the tool server stays on its own toggle


def test_probes_use_the_control_planes_health_endpoints(tmp_path: Path) -> None:
    container = named(render(tmp_path, merged()), "Deployment", "bosun")["spec"]["template"][
        "spec"
    ]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    from bosun.server.routes.health import router  # the control plane serves both

    assert {"/readyz", "/healthz"} <= {getattr(r, "path", "") for r in router.routes}


def test_metrics_scraping_is_opt_in_and_selects_the_control_plane_and_agents(
    tmp_path: Path,
) -> None:
    assert not kinds(render(tmp_path, BASE), "ServiceMonitor")
    values = merged(
        metrics={"serviceMonitor": {"enabled": True, "labels": {"release": "kps"}}},
        watchNamespaces=["team-a"],
    )
    docs = render(tmp_path, values)
    (monitor,) = kinds(docs, "ServiceMonitor")
    (pods,) = kinds(docs, "PodMonitor")
    service = kinds(docs, "Service")[0]
    assert monitor["metadata"]["labels"]["release"] == "kps"
    selected = monitor["spec"]["selector"]["matchLabels"]
    assert selected.items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
    assert pods["spec"]["namespaceSelector"] == {"matchNames": ["team-a"]}
    assert pods["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "agent"
