"""The translator's Deployment becomes a local command: executable, config dir, port, env."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path

from bosun.controller.local.workload import bosun_command, plan_process


def deployment(args: list[str], env: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "helper", "namespace": "ns"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "agent",
                            "command": ["bosun"],
                            "args": args,
                            "env": env or [],
                            "volumeMounts": [{"name": "config", "mountPath": "/config"}],
                        }
                    ],
                    "volumes": [{"name": "config", "secret": {"secretName": "helper-config"}}],
                }
            }
        },
    }


CONFIG_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "helper-config", "namespace": "ns"},
    "data": {"config.json": base64.b64encode(json.dumps({"name": "ns/helper"}).encode()).decode()},
    "stringData": {"agent-card.json": "{}"},
}


def no_data(kind: str, namespace: str, name: str) -> Mapping[str, str] | None:
    return {"k": "v"} if (kind, name) == ("Secret", "keys") else None


def test_agent_deployment_runs_local_bosun_with_its_config_dir_and_port(tmp_path: Path) -> None:
    dep = deployment(
        ["agent", "--config", "/config"],
        env=[{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "k"}}}],
    )
    planned = plan_process(
        dep,
        objects=[dep, CONFIG_SECRET],
        namespace="ns",
        run_dir=tmp_path,
        log_path=tmp_path / "log",
        port=4567,
        lookup=no_data,
        base_env={"PATH": "/bin"},
    )
    assert planned.problems == []
    assert planned.spec is not None
    config_dir = tmp_path / "volumes" / "config"
    assert planned.spec.argv == (
        *bosun_command(),
        "agent",
        "--config",
        str(config_dir),
        "--port",
        "4567",
        "--host",
        "127.0.0.1",
    )
    bin_dir = str(Path(bosun_command()[0]).parent)
    assert planned.spec.env == {"PATH": f"{bin_dir}:/bin", "KEY": "v", "PORT": "4567"}
    assert json.loads((config_dir / "config.json").read_text()) == {"name": "ns/helper"}
    assert (config_dir / "agent-card.json").read_text() == "{}"
    assert oct(config_dir.stat().st_mode & 0o777) == "0o700"


def test_options_after_double_dash_belong_to_the_wrapped_command(tmp_path: Path) -> None:
    dep = deployment(["mcp-bridge", "--port=3000", "--", "srv", "--port", "9"])
    planned = plan_process(
        dep,
        objects=[dep, CONFIG_SECRET],
        namespace="ns",
        run_dir=tmp_path,
        log_path=tmp_path / "log",
        port=5000,
        lookup=no_data,
        base_env={},
        write_files=False,
    )
    assert planned.spec is not None
    assert planned.spec.argv[len(bosun_command()) :] == (
        "mcp-bridge",
        "--port=5000",
        "--host",
        "127.0.0.1",
        "--",
        "srv",
        "--port",
        "9",
    )
    assert not (tmp_path / "volumes").exists()


def test_missing_secret_blocks_the_workload_with_a_clear_problem(tmp_path: Path) -> None:
    dep = deployment(
        ["agent"],
        env=[{"name": "KEY", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k"}}}],
    )
    planned = plan_process(
        dep,
        objects=[dep, CONFIG_SECRET],
        namespace="ns",
        run_dir=tmp_path,
        log_path=tmp_path / "log",
        port=1,
        lookup=no_data,
        base_env={},
    )
    assert planned.spec is None
    assert planned.problems == ["env KEY: Secret ns/gone not found"]
