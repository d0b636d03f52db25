"""Host/Origin validation (DNS-rebinding protection) on every MCP endpoint Bosun serves:
the control plane's /mcp, `bosun tools serve` and `bosun mcp-bridge`, over real HTTP.
A foreign Host or a foreign browser Origin gets 403; loopback, IPs, allowed names and
same-origin pages pass; the health probes are never checked."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from server_harness import control_plane, serving

from bosun.mcpbridge.app import create_app as bridge_app
from bosun.mcpbridge.supervisor import ChildSupervisor
from bosun.server.db import Database
from bosun.tools.server import build_server, http_app

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


async def _post(url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=20) as http:
        return await http.post(url, json=INIT, headers={**MCP_HEADERS, **headers})


async def _check_endpoint(url: str, port: str) -> None:
    evil = await _post(url, host=f"evil.example:{port}")
    assert evil.status_code == 403 and "Host 'evil.example" in evil.text
    rebound = await _post(url, host=f"localhost:{port}", origin="http://evil.example")
    assert rebound.status_code == 403 and "Origin 'http://evil.example'" in rebound.text
    assert (await _post(url)).status_code != 403  # 127.0.0.1:port
    assert (await _post(url, host=f"localhost:{port}")).status_code != 403
    assert (await _post(url, host="10.1.2.3:8080")).status_code != 403  # an IP: not rebindable
    local_page = await _post(url, origin="http://localhost:5173")
    assert local_page.status_code != 403
    allowed = await _post(url, host="mcp.example.com", origin="https://app.example.com")
    assert allowed.status_code != 403, allowed.text


async def test_control_plane_mcp(sqlite_db: Database, tmp_path: Path) -> None:
    async with control_plane(
        sqlite_db, tmp_path, allowed_hosts="mcp.example.com",
        allowed_origins="https://app.example.com",
    ) as plane:  # fmt: skip
        port = plane.url.rsplit(":", 1)[1]
        await _check_endpoint(f"{plane.url}/mcp", port)
        same_origin = await _post(f"{plane.url}/mcp", origin=plane.url)
        assert same_origin.status_code == 200
        # Cluster names are not accepted in local mode.
        assert (await _post(f"{plane.url}/mcp", host="bosun.bosun-system.svc")).status_code == 403


async def test_tools_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSUN_ALLOWED_HOSTS", "mcp.example.com")
    monkeypatch.setenv("BOSUN_ALLOWED_ORIGINS", "https://app.example.com")
    tools = build_server(kubernetes_tools=False)
    async with serving(http_app(tools, "127.0.0.1")) as url:
        await _check_endpoint(f"{url}/mcp", url.rsplit(":", 1)[1])
        async with httpx.AsyncClient() as http:
            assert (
                await http.get(f"{url}/healthz", headers={"host": "evil.example"})
            ).status_code == 200


async def test_tools_serve_in_a_pod_accepts_service_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POD_NAMESPACE", "kagent")
    monkeypatch.delenv("BOSUN_ALLOWED_HOSTS", raising=False)
    tools = build_server(kubernetes_tools=False)
    async with serving(http_app(tools, "0.0.0.0")) as url:
        mcp = f"{url}/mcp"
        for host in ("kagent-tools:8084", "kagent-tools.kagent:8084",
                     "kagent-tools.kagent.svc.cluster.local:8084", "10.244.0.7:8084"):  # fmt: skip
            assert (await _post(mcp, host=host)).status_code != 403, host
        assert (await _post(mcp, host="kagent-tools.other:8084")).status_code == 403
        assert (await _post(mcp, host="evil.example")).status_code == 403


async def test_mcp_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOSUN_ALLOWED_HOSTS", "mcp.example.com")
    monkeypatch.setenv("BOSUN_ALLOWED_ORIGINS", "https://app.example.com")
    child = [sys.executable, "-c", "import sys; sys.exit(3)"]  # never serves: not needed here
    app = bridge_app(ChildSupervisor(child, init_timeout=1), host="127.0.0.1", wait_timeout=0.2)
    async with serving(app) as url:
        await _check_endpoint(f"{url}/mcp", url.rsplit(":", 1)[1])
        async with httpx.AsyncClient() as http:
            sse = await http.get(f"{url}/sse", headers={"host": "evil.example"})
            assert sse.status_code == 403
            health = await http.get(f"{url}/healthz", headers={"host": "evil.example"})
            assert health.status_code in (200, 503)  # probes are never Host-checked
