"""Local mode: a routed agent's process gets its gateway token file, and never the provider key."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bosun.api import gateway as contract
from bosun.api.manifests import load_text
from bosun.controller.local.supervisor import LocalSupervisor
from bosun.controller.local.workload import find_deployment, plan_process
from bosun.controller.translate import TranslateOptions, references_from_set, translate_agent

KEY = "sk-real-provider-key"
MANIFESTS = f"""
apiVersion: v1
kind: Secret
metadata: {{name: llm-key, namespace: default}}
stringData: {{apiKey: {KEY}}}
---
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {{name: gpt, namespace: default}}
spec: {{provider: OpenAI, model: gpt-4o, apiKeySecret: llm-key, apiKeySecretKey: apiKey}}
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {{name: helper, namespace: default}}
spec: {{declarative: {{systemMessage: hi, modelConfig: gpt}}}}
"""


def test_the_local_process_gets_the_agent_token_file_not_the_key(tmp_path: Path) -> None:
    manifests = load_text(MANIFESTS)
    refs = references_from_set(manifests)
    options = TranslateOptions(controlplane_url="http://127.0.0.1:8083", model_gateway=True)
    out = translate_agent(manifests.of_kind("Agent")[0], refs, options)  # type: ignore[arg-type]
    deployment = find_deployment(out.objects)
    assert deployment is not None

    def lookup(kind: str, namespace: str, name: str) -> dict[str, str] | None:
        return {"apiKey": KEY} if (kind, name) == ("Secret", "llm-key") else None

    supervisor = LocalSupervisor(
        store=None,  # type: ignore[arg-type]
        data_dir=tmp_path,
        base_env={"PATH": "/usr/bin"},
        gateway_token=lambda ns, name: f"token-of-{ns}-{name}",
    )
    plan: Any = SimpleNamespace(deployment=deployment, key=("Agent", "default", "helper"))
    planned = plan_process(
        deployment, objects=out.objects, namespace="default", run_dir=tmp_path / "run",
        log_path=tmp_path / "log", port=9, lookup=lookup, base_env=supervisor._env_of(plan),
        mint_token=supervisor._minter_of(plan.key),
    )  # fmt: skip
    assert planned.spec is not None, planned.problems
    env = planned.spec.env
    assert contract.TOKEN_ENV not in env and contract.CONTROLPLANE_TOKEN_ENV not in env
    (token_file,) = planned.token_files
    assert token_file.read_text() == "token-of-default-helper"
    assert env[contract.CONTROLPLANE_TOKEN_FILE_ENV] == str(token_file)
    written = json.loads((tmp_path / "run" / "volumes" / "config" / "config.json").read_text())
    assert written["model"]["api_key_file"] == str(token_file)
    assert KEY not in json.dumps(dict(env))
    config = next(o for o in out.objects if o["kind"] == "Secret")
    assert KEY not in json.dumps(config)
    assert out.config is not None and KEY not in out.config.to_json()
    assert "/gateway/default/helper/gpt/openai/v1" in out.config.to_json()
