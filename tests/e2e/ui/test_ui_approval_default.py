"""The built-in tool server's default approval in the UI: kagent's prebuilt k8s-agent
(examples/prebuilt) on Bosun's real `bosun tools serve` (kagent-tool-server, annotated
bosun.dev/builtin-tools) shows on its page which tools pause for approval, the Accepted
message says so, and the form's "require approval" toggles show the default."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import expect
from ui_harness import ROOT, UiUp

from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]

PREBUILT = ROOT / "examples" / "prebuilt"
SERVER = "kagent-tool-server"
AGENT = "k8s-agent"
# The default pauses these of k8s-agent's tools (destructiveHint=true); the reads and the
# additive ones (create, label, annotate: destructiveHint=false) run freely.
PAUSING = ("k8s_delete_resource", "k8s_apply_manifest", "k8s_patch_resource", "k8s_execute_command")
FREE = ("k8s_get_resources", "k8s_get_pod_logs", "k8s_label_resource", "k8s_create_resource")
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
"""


@pytest.fixture
def tool_server(tmp_path: Path) -> Iterator[str]:
    """The real built-in tool server over HTTP; a kubeconfig (of an unreachable cluster)
    makes it serve the k8s_* tools with their annotations (listing needs no cluster)."""
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    port = free_port()
    bosun = Path(sys.executable).parent / "bosun"
    env = {"PATH": "/usr/bin:/bin", "KUBECONFIG": str(tmp_path / "kubeconfig")}
    log = (tmp_path / "tools.log").open("wb")
    process = subprocess.Popen(
        [str(bosun), "tools", "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "tools.log").read_text()
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "bosun tools serve did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@pytest.fixture
def k8s_agent(ui_up: UiUp, tool_server: str) -> Iterator[None]:
    """The example tool server (URL pointed at the process above) and k8s-agent with the
    example's tools; its prompt is a plain one (the includes need kagent-builtin-prompts)."""
    server = yaml.safe_load((PREBUILT / "tool-server.yaml").read_text())
    server["metadata"]["namespace"] = "default"
    server["spec"]["url"] = tool_server
    agent = yaml.safe_load((PREBUILT / "k8s-agent.yaml").read_text())
    agent["metadata"]["namespace"] = "default"
    declarative = agent["spec"]["declarative"]
    declarative.pop("promptTemplate", None)
    declarative["systemMessage"] = "You operate Kubernetes."
    for path, body in (("/api/toolservers", server), ("/api/agents", agent)):
        response = ui_up.api("POST", path, json=body)
        assert response.status_code == 201, response.text
    try:
        yield
    finally:
        ui_up.api("DELETE", f"/api/agents/default/{AGENT}")
        ui_up.api("DELETE", f"/api/toolservers/default/{SERVER}")


def test_the_agent_page_and_form_show_which_tools_pause(page: Any, k8s_agent: None) -> None:
    page.goto(f"/agents/default/{AGENT}")
    deps = page.get_by_role("region", name="Dependencies")
    server = deps.get_by_role("listitem", name=f"RemoteMCPServer {SERVER}")
    expect(server.get_by_role("note")).to_contain_text(
        "destructive tools pause for approval by default"
    )
    tools = server.get_by_role("table", name=f"Tools from {SERVER}")
    # Until discovery ends the rows say "not discovered" (which contains "discovered"):
    # wait for that to go, on a loaded machine discovery takes more than a few seconds.
    expect(tools.get_by_role("row").filter(has_text="k8s_get_resources")).not_to_contain_text(
        "not discovered", timeout=30_000
    )
    for name in PAUSING:
        row = tools.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text("needs approval (destructive, default)")
    for name in FREE:
        cell = page.get_by_role("cell", name=name, exact=True)
        expect(tools.get_by_role("row").filter(has=cell)).not_to_contain_text("approval")
    expect(page.get_by_role("region", name="Conditions")).to_contain_text(
        f"destructive tools of the built-in tool server default/{SERVER} pause for approval"
        " by default; annotate the Agent bosun.dev/require-approval-for-destructive-tools:"
        ' "false" to opt out'
    )

    page.goto(f"/agents/default/{AGENT}/edit")
    for name in PAUSING:
        toggle = page.get_by_label(f"Require approval for {name} from {SERVER}", exact=True)
        expect(toggle).to_be_checked()
        expect(toggle).to_be_disabled()
    for name in FREE:
        toggle = page.get_by_label(f"Require approval for {name} from {SERVER}", exact=True)
        expect(toggle).not_to_be_checked()
        expect(toggle).to_be_enabled()
