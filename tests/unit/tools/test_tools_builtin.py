"""Bosun's built-in tool server, called through the mcp SDK's in-memory client."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client
from mcp_types import CallToolResult, TextContent

from bosun.tools.k8s_client import load_config
from bosun.tools.server import build_server

# Inside a pod, lightkube finds the in-cluster configuration before $KUBECONFIG.
outside_a_pod = pytest.mark.skipif(
    Path("/var/run/secrets/kubernetes.io/serviceaccount/token").exists(),
    reason="running inside a pod: the in-cluster configuration is always found",
)
BASIC_TOOLS = {
    "current_time", "echo", "word_count", "add", "calculate", "bar_chart", "server_info",
}  # fmt: skip
PROMETHEUS_TOOLS = {
    "prometheus_query_tool",
    "prometheus_query_range_tool",
    "prometheus_label_names_tool",
    "prometheus_targets_tool",
}


def offline_tools() -> Client:
    # Entered in each test, not in a fixture: the SDK's task groups must be entered and
    # exited in the same task, and pytest-asyncio runs fixture teardown in another one.
    return Client(build_server(kubernetes_tools=False).server)


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def test_lists_the_offline_tools_with_descriptions() -> None:
    async with offline_tools() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == BASIC_TOOLS
        assert all(tool.description for tool in tools.values())
        assert tools["calculate"].annotations is not None
        assert tools["calculate"].annotations.read_only_hint is True
        assert "timezone" in tools["current_time"].input_schema["properties"]


async def test_current_time_in_utc_and_in_a_named_zone() -> None:
    async with offline_tools() as client:
        utc = text(await client.call_tool("current_time", {}))
        stamp, _, rest = utc.partition(" ")
        assert abs(datetime.fromisoformat(stamp) - datetime.now().astimezone()) < timedelta(
            minutes=1
        )
        assert rest.endswith("UTC)")
        tokyo = text(await client.call_tool("current_time", {"timezone": "Asia/Tokyo"}))
        assert "+09:00" in tokyo and "Asia/Tokyo" in tokyo


async def test_current_time_names_an_unknown_zone() -> None:
    async with offline_tools() as client:
        result = await client.call_tool("current_time", {"timezone": "Mars/Olympus"})
        assert result.is_error
        assert "unknown time zone 'Mars/Olympus'" in text(result)


async def test_add_and_calculate() -> None:
    async with offline_tools() as client:
        assert (await client.call_tool("add", {"a": 2, "b": 40})).structured_content == {
            "result": 42
        }
        assert (await client.call_tool("add", {"a": 0.5, "b": 0.25})).structured_content == {
            "result": 0.75
        }
        result = await client.call_tool("calculate", {"expression": "(2 + 3) * 4 / 5"})
        assert result.structured_content == {"result": 4.0}


async def test_calculate_refuses_code_with_a_reason() -> None:
    async with offline_tools() as client:
        result = await client.call_tool("calculate", {"expression": "__import__('os')"})
        assert result.is_error
        assert "unknown function '__import__'" in text(result)


async def test_echo_and_word_count() -> None:
    async with offline_tools() as client:
        assert text(await client.call_tool("echo", {"text": "héllo  wörld"})) == "héllo  wörld"
        counted = await client.call_tool("word_count", {"text": "one two\nthree"})
        assert counted.structured_content == {"words": 3, "characters": 13, "lines": 2}


async def test_server_info_reports_this_process() -> None:
    async with offline_tools() as client:
        info = (await client.call_tool("server_info", {})).structured_content
        assert info is not None
        assert info["pid"] == os.getpid()
        assert info["name"] == "bosun-tools"
        assert info["kubernetes"].startswith("disabled: turned off")


@outside_a_pod
async def test_kubernetes_tools_are_absent_without_a_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing-kubeconfig"))
    config, status = load_config()
    assert config is None
    assert status.startswith("disabled: no Kubernetes configuration")
    assert "missing-kubeconfig" in status
    tools = build_server()
    assert tools.kubernetes_status == status
    async with Client(tools.server) as connected:
        names = {tool.name for tool in (await connected.list_tools()).tools}
    # Prometheus needs no cluster configuration; the k8s_* and helm_* tools do.
    assert names == BASIC_TOOLS | PROMETHEUS_TOOLS


@outside_a_pod
async def test_a_malformed_kubeconfig_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("clusters: [this is not a kubeconfig\n")
    monkeypatch.setenv("KUBECONFIG", str(broken))
    config, status = load_config()
    assert config is None
    assert status.startswith("disabled: cannot load the Kubernetes configuration")
