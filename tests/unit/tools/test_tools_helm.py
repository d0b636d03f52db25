"""The helm_* tools through the real helm binary (.tools/bin/helm or PATH) against
tests/fakes/kube_emulator, a local chart and a local chart repository over HTTP.

The emulator cannot take a real `helm install` (helm wants the protobuf OpenAPI document
and a REST mapping the emulator's discovery does not give), and helm reads no release
Secret written by hand into it: listing and getting are checked on an empty cluster and
for errors, helm_upgrade as a client-side dry run, and a real upgrade is checked to come
back as a tool error with helm's own message. Listing real releases is not covered here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, TextContent
from tools_harness import Kube, http_server

from bosun.tools.server import build_server

REPO = Path(__file__).resolve().parents[3]
HELM = (
    str(REPO / ".tools/bin/helm") if (REPO / ".tools/bin/helm").exists() else shutil.which("helm")
)
pytestmark = [
    pytest.mark.slow,  # every call runs the helm binary
    pytest.mark.skipif(HELM is None, reason="no helm binary (scripts/bootstrap.sh --test)"),
]


@pytest.fixture
def helm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CACHE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"HELM_{name}_HOME", str(tmp_path / f"helm-{name.lower()}"))
    assert HELM is not None
    monkeypatch.setenv("BOSUN_HELM", HELM)
    chart = tmp_path / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("greeting: hello\n")
    (chart / "templates/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n"
        "data:\n  greeting: {{ .Values.greeting }}\n"
    )
    return chart


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def call(tool: str, /, **arguments: Any) -> CallToolResult:
    async with Client(build_server().server) as client:
        return await client.call_tool(tool, arguments)


async def test_list_get_and_uninstall_answer_from_the_cluster(kube: Kube, helm_home: Path) -> None:
    listed = await call("helm_list_releases", namespace="shop", all=True)
    assert not listed.is_error, text(listed)
    assert text(listed).split()[:3] == ["NAME", "NAMESPACE", "REVISION"]
    assert any(
        q.get("labelSelector", "").startswith("owner=helm")
        or "owner=helm" in q.get("labelSelector", "")
        for _, _, q in kube.emulator.seen
    )
    as_json = await call("helm_list_releases", all_namespaces=True, output="json")
    assert json.loads(text(as_json)) == []
    missing = await call("helm_get_release", name="nope", namespace="shop")
    assert missing.is_error and "helm get all failed" in text(missing)
    assert "not found" in text(missing)
    gone = await call("helm_uninstall", name="nope", namespace="shop")
    assert gone.is_error and "helm uninstall nope failed" in text(gone)


async def test_upgrade_dry_run_renders_the_chart_with_the_values(
    kube: Kube, helm_home: Path
) -> None:
    result = await call(
        "helm_upgrade",
        name="demo",
        chart=str(helm_home),
        namespace="shop",
        install=True,
        dry_run=True,
        values="greeting: from-values\n",
    )
    assert not result.is_error, text(result)
    assert "name: demo-cm" in text(result) and "greeting: from-values" in text(result)
    with_set = await call(
        "helm_upgrade",
        name="demo",
        chart=str(helm_home),
        install=True,
        dry_run=True,
        set="greeting=from-set",
    )
    assert "greeting: from-set" in text(with_set)
    invalid = await call("helm_upgrade", name="Not_Valid", chart=str(helm_home))
    assert invalid.is_error and "release name 'Not_Valid' is not valid" in text(invalid)
    # Against the emulator a real install fails in helm: the failure is a readable result.
    real = await call("helm_upgrade", name="demo", chart=str(helm_home), install=True)
    assert real.is_error and "helm upgrade demo failed:" in text(real)


async def test_repo_add_and_update_with_a_local_repository(kube: Kube, helm_home: Path) -> None:
    index = (
        b"apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: 0.1.0\n"
        b"    urls: [demo-0.1.0.tgz]\ngenerated: '2024-01-01T00:00:00Z'\n"
    )
    async with http_server(index, "application/yaml") as port:
        added = await call("helm_repo_add", name="local", url=f"http://127.0.0.1:{port}")
        updated = await call("helm_repo_update")
    assert not added.is_error, text(added)
    assert '"local" has been added' in text(added)
    assert not updated.is_error, text(updated)
    assert "local" in text(updated)
    bad = await call("helm_repo_add", name="x", url="file:///etc")
    assert bad.is_error and "url must start with" in text(bad)


async def test_a_missing_helm_binary_is_a_tool_error(
    kube: Kube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_HELM", "/nonexistent/helm")
    result = await call("helm_list_releases")
    assert result.is_error and "cannot run /nonexistent/helm" in text(result)
