"""What charts/bosun hands the operator reaches the pods it creates (imagePullSecrets).

Renders with the real `helm` (helpers from test_charts_render), feeds the control plane's
env to ControllerSettings.from_env exactly as `bosun controlplane` does, and translates the
chart's own prebuilt agents with the resulting options.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_charts_render import HELM, NS, env_of, kinds, merged, named, render

from bosun.api.manifests import load_text
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.translate import check_set

pytestmark = [
    pytest.mark.slow,  # each render is a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        o["metadata"]["name"]: o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] == "Deployment"
    }


def test_image_pull_secrets_reach_the_agent_and_mcp_server_pods(tmp_path: Path) -> None:
    pull = [{"name": "registry-cred"}, {"name": "mirror-cred"}]
    docs = render(tmp_path, merged(imagePullSecrets=pull))
    # The chart's own pods, as before.
    for name in ("bosun", "kagent-tool-server"):
        pod = named(docs, "Deployment", name)["spec"]["template"]["spec"]
        assert pod["imagePullSecrets"] == pull, name
    env = env_of(named(docs, "Deployment", "bosun"))
    assert env["BOSUN_IMAGE_PULL_SECRETS"] == "registry-cred,mirror-cred"
    settings = ControllerSettings.from_env({k: v for k, v in env.items() if isinstance(v, str)})
    assert settings.translate.image_pull_secrets == ("registry-cred", "mirror-cred")

    # The operator's translation of what the chart installed (plus an MCPServer a user
    # adds), with the options the operator built from the chart's env.
    (model,) = kinds(docs, "ModelConfig")
    key_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": model["spec"]["apiKeySecret"], "namespace": NS},
        "stringData": {model["spec"]["apiKeySecretKey"]: "sk-not-real"},
    }
    stdio_server = {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "MCPServer",
        "metadata": {"name": "fetch", "namespace": NS},
        "spec": {"transportType": "stdio", "deployment": {"cmd": "uvx", "args": ["x"]}},
    }
    custom = [d for d in docs if d["apiVersion"].startswith("kagent.dev/")]
    config_maps = kinds(docs, "ConfigMap")
    manifests = load_text(
        yaml.safe_dump_all([*custom, *config_maps, key_secret, stdio_server]), source="chart"
    )
    result = check_set(manifests, options=settings.translate)
    assert not result.errors, [str(p) for p in result.errors]
    specs = pod_specs([o for _, out in result.outputs for o in out.objects])
    assert {"k8s-agent", "fetch"} <= specs.keys()
    for name, spec in specs.items():
        assert spec.get("imagePullSecrets") == pull, name

    # Without imagePullSecrets the operator gets no variable and pods no pull Secrets.
    env = env_of(named(render(tmp_path, merged()), "Deployment", "bosun"))
    assert "BOSUN_IMAGE_PULL_SECRETS" not in env
