"""The shipped examples stay valid: `bosun validate` and `bosun render` accept them, the
provider variants validate on their own, and the fake LLM's script loads.

In-process through the CLI (typer's runner), so it is fast; the slow end-to-end test
(test_e2e_local_up.py) runs the same examples for real.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bosun.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def test_examples_validate() -> None:
    result = runner.invoke(app, ["validate", "-f", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


def test_examples_render_every_agent_and_the_mcp_server() -> None:
    result = runner.invoke(app, ["render", "-f", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
    assert deployments == {"helper", "haiku-writer", "coordinator", "everyday-tools"}
    bridge = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "everyday-tools"
    )
    container = bridge["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][:1] == ["mcp-bridge"]
    assert container["args"][-4:] == ["tools", "serve", "--stdio", "--no-kubernetes"]


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
def test_provider_variants_validate(provider: str) -> None:
    path = EXAMPLES / "providers" / f"{provider}.yaml"
    # The key Secret is created by `bosun up` from the environment: it is external here.
    result = runner.invoke(app, ["validate", "--external-refs", "-f", str(path)])
    assert result.exit_code == 0, result.output
    model = yaml.safe_load(path.read_text())
    assert model["kind"] == "ModelConfig"
    assert model["metadata"]["name"] == "default-model-config"  # replaces the mock's


def test_mock_script_loads_and_the_examples_need_no_key() -> None:
    from bosun.mockllm.script import load_script

    script = load_script(EXAMPLES / "mockllm" / "script.yaml")
    assert any(rule.default for rule in script.rules)
    text = (EXAMPLES / "modelconfig.yaml").read_text()
    assert "baseUrl: http://127.0.0.1:8090/v1" in text  # the port `bosun up --mock-llm` uses
