"""charts/bosun's `tracing` values reach the control plane and, through the operator, the
agent and team pods it creates (OTEL_* settings, each pod its own OTEL_SERVICE_NAME).

Renders with the real `helm` (helpers from test_charts_render), feeds the control plane's
env to ControllerSettings.from_env exactly as `bosun controlplane` does, and translates the
chart's own prebuilt agent with the resulting options.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_charts_render import CHART, HELM, NS, env_of, helm, kinds, merged, named, render

from bosun.api.manifests import load_text
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.translate import check_set

pytestmark = [
    pytest.mark.slow,  # each render is a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]

COLLECTOR = "http://otel-collector.observability:4318"


def agent_envs(docs: list[dict[str, Any]], settings: ControllerSettings) -> dict[str, Any]:
    """The env of each Deployment the operator makes of the chart's kagent.dev objects."""
    (model,) = kinds(docs, "ModelConfig")
    key_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": model["spec"]["apiKeySecret"], "namespace": NS},
        "stringData": {model["spec"]["apiKeySecretKey"]: "sk-not-real"},
    }
    custom = [d for d in docs if d["apiVersion"].startswith("kagent.dev/")]
    manifests = load_text(
        yaml.safe_dump_all([*custom, *kinds(docs, "ConfigMap"), key_secret]), source="chart"
    )
    result = check_set(manifests, options=settings.translate)
    assert not result.errors, [str(p) for p in result.errors]
    return {
        o["metadata"]["name"]: env_of(o)
        for _, out in result.outputs
        for o in out.objects
        if o["kind"] == "Deployment"
    }


def test_the_otlp_endpoint_reaches_the_control_plane_and_every_agent_pod(
    tmp_path: Path,
) -> None:
    values = merged(
        tracing={"otlpEndpoint": COLLECTOR},
        controlplane={
            "extraEnv": [
                {"name": "OTEL_TRACES_SAMPLER", "value": "parentbased_traceidratio"},
                {"name": "OTEL_EXPORTER_OTLP_HEADERS", "value": "x-api-key=not-for-agents"},
            ]
        },
    )
    docs = render(tmp_path, values)
    env = env_of(named(docs, "Deployment", "bosun"))
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == COLLECTOR
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    settings = ControllerSettings.from_env({k: v for k, v in env.items() if isinstance(v, str)})
    assert dict(settings.translate.otel_env) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": COLLECTOR,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
    }

    envs = agent_envs(docs, settings)
    assert "k8s-agent" in envs
    for name, agent_env in envs.items():
        assert agent_env["OTEL_EXPORTER_OTLP_ENDPOINT"] == COLLECTOR, name
        assert agent_env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio", name
        assert agent_env["OTEL_SERVICE_NAME"] == name
        assert agent_env["OTEL_RESOURCE_ATTRIBUTES"] == f"k8s.namespace.name={NS}"
        # A collector credential stays in the control plane's pod.
        assert "OTEL_EXPORTER_OTLP_HEADERS" not in agent_env, name


def test_without_tracing_values_no_pod_gets_otel_settings(tmp_path: Path) -> None:
    docs = render(tmp_path, merged())
    env = env_of(named(docs, "Deployment", "bosun"))
    assert not [k for k in env if k.startswith("OTEL_")]
    settings = ControllerSettings.from_env({k: v for k, v in env.items() if isinstance(v, str)})
    assert settings.translate.otel_env == ()
    for name, agent_env in agent_envs(docs, settings).items():
        assert not [k for k in agent_env if k.startswith("OTEL_")], name


def test_the_schema_refuses_an_endpoint_without_a_scheme_and_grpc(tmp_path: Path) -> None:
    for tracing, word in (
        ({"otlpEndpoint": "otel-collector:4318"}, "otlpEndpoint"),
        ({"otlpEndpoint": COLLECTOR, "protocol": "grpc"}, "protocol"),
    ):
        result = helm(
            "template", "bosun", str(CHART), "-n", NS, values=merged(tracing=tracing), tmp=tmp_path
        )
        assert result.returncode != 0, tracing
        assert word in result.stderr, result.stderr
