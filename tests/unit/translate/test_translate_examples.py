"""The shared example manifests: valid ones validate and render as one set; each invalid one
fails with every word of its `# Expected:` header in the output of `bosun validate`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bosun.api.manifests import iter_manifest_files, load_manifests
from bosun.cli.main import app
from bosun.controller.translate import check_set

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO.parent / "shared" / "examples"
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml")) if EXAMPLES.exists() else []

pytestmark = pytest.mark.skipif(not EXAMPLES.exists(), reason=f"{EXAMPLES} not present")


def test_examples_validate_clean_as_one_set() -> None:
    manifests = load_manifests([EXAMPLES])
    assert manifests.resources, "no example was loaded"
    result = check_set(manifests)
    assert [str(p) for p in result.problems] == []
    translated = {(r.kind, r.name) for r, _ in result.outputs}
    assert ("Agent", "my-agent") in translated
    assert ("MCPServer", "everything") in translated


def test_examples_render_kubernetes_objects() -> None:
    result = check_set(load_manifests([EXAMPLES]))
    kinds = {o["kind"] for _, out in result.outputs for o in out.objects}
    assert {"Deployment", "Service", "Secret", "ServiceAccount"} <= kinds
    for _, out in result.outputs:
        for obj in out.objects:
            assert obj["apiVersion"] and obj["metadata"]["name"] and obj["metadata"]["namespace"]


def test_bosun_validate_reports_every_example_file_ok() -> None:
    result = CliRunner().invoke(app, ["validate", "-f", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    files = list(iter_manifest_files([EXAMPLES]))
    for path in files:
        assert f"ok      {path}" in result.output
    assert f"{len(files)} file(s), 0 error(s)" in result.output


def test_bosun_render_prints_yaml_with_a_header_per_resource() -> None:
    result = CliRunner().invoke(app, ["render", "-f", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "# Agent ai-agents/my-agent (from " in result.output
    docs = [d for d in yaml.safe_load_all(result.output) if d]
    assert any(d["kind"] == "Deployment" and d["metadata"]["name"] == "my-agent" for d in docs)


def _expected_words(path: Path) -> list[str]:
    for line in path.read_text().splitlines():
        if line.startswith("# Expected:"):
            return line.removeprefix("# Expected:").split()
    raise AssertionError(f"{path} has no '# Expected:' line")


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_example_fails_naming_the_field(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "-f", str(path)])
    assert result.exit_code == 1, result.output
    for word in _expected_words(path):
        assert word in result.output, f"{word!r} missing from:\n{result.output}"
