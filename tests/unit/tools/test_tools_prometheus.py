"""The prometheus_* tools against a fake Prometheus: a small real HTTP server on 127.0.0.1
that answers the four API endpoints as Prometheus does and records the queries."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp.web
import pytest
from mcp import Client
from mcp_types import CallToolResult, TextContent

from bosun.tools.prometheus import parse_time
from bosun.tools.server import build_server

VECTOR = {"resultType": "vector", "result": [{"metric": {"job": "api"}, "value": [1, "1"]}]}
MATRIX = {"resultType": "matrix", "result": [{"metric": {"job": "api"}, "values": [[1, "1"]]}]}
TARGETS = {
    "activeTargets": [
        {"labels": {"job": "api", "instance": "10.0.0.1:8080"}, "health": "up", "lastError": "",
         "scrapeUrl": "http://10.0.0.1:8080/metrics", "lastScrape": "2024-01-01T00:00:00Z"},
        {"labels": {"job": "db", "instance": "10.0.0.2:9187"}, "health": "down",
         "lastError": "connection refused", "scrapeUrl": "http://10.0.0.2:9187/metrics"},
    ],
    "droppedTargets": [],
}  # fmt: skip


@pytest.fixture
async def prometheus() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    async def handle(request: aiohttp.web.Request) -> aiohttp.web.Response:
        seen.append({"path": request.path, **request.query})
        query = request.query.get("query", "")
        if query.count("(") != query.count(")"):
            error = {"status": "error", "errorType": "bad_data", "error": "parse error: unclosed"}
            return aiohttp.web.json_response(error, status=400)
        data = {
            "/api/v1/query": VECTOR,
            "/api/v1/query_range": MATRIX,
            "/api/v1/labels": ["__name__", "job", "instance"],
            "/api/v1/targets": TARGETS,
        }[request.path]
        return aiohttp.web.json_response({"status": "success", "data": data})

    app = aiohttp.web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def call(url: str | None, tool: str, /, **arguments: Any) -> CallToolResult:
    tools = build_server(kubernetes_tools=True, prometheus_url=url)
    async with Client(tools.server) as client:
        return await client.call_tool(tool, arguments)


async def test_queries_labels_and_targets(prometheus: tuple[str, list[dict[str, str]]]) -> None:
    url, seen = prometheus
    instant = await call(url, "prometheus_query_tool", query="up")
    assert json.loads(text(instant)) == VECTOR
    ranged = await call(
        url, "prometheus_query_range_tool", query="rate(x[5m])", start="now-2h", step="1m"
    )
    assert json.loads(text(ranged)) == MATRIX
    query = seen[-1]
    assert query["path"] == "/api/v1/query_range" and query["step"] == "1m"
    assert float(query["end"]) - float(query["start"]) == pytest.approx(7200, abs=5)
    labels = await call(url, "prometheus_label_names_tool")
    assert json.loads(text(labels)) == ["__name__", "job", "instance"]
    targets = json.loads(text(await call(url, "prometheus_targets_tool")))
    assert (targets["up"], targets["down"]) == (1, 1)
    assert targets["targets"][1]["lastError"] == "connection refused"


async def test_errors_are_prometheus_own_words(
    prometheus: tuple[str, list[dict[str, str]]],
) -> None:
    url, _ = prometheus
    bad = await call(url, "prometheus_query_tool", query="sum(rate(x[5m])")
    assert bad.is_error and "Prometheus bad_data: parse error: unclosed" in text(bad)
    other = await call(url, "prometheus_query_tool", query="up", prometheus_url="http://evil:9090")
    assert other.is_error and f"set up for Prometheus at {url}" in text(other)
    unreachable = await call("http://127.0.0.1:9", "prometheus_label_names_tool")
    assert unreachable.is_error and "cannot reach Prometheus at http://127.0.0.1:9" in text(
        unreachable
    )


async def test_without_a_configured_url(
    prometheus: tuple[str, list[dict[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    url, _ = prometheus
    none = await call(None, "prometheus_query_tool", query="up")
    assert none.is_error and "no Prometheus URL" in text(none)
    given = await call(None, "prometheus_query_tool", query="up", prometheus_url=url)
    assert json.loads(text(given)) == VECTOR
    monkeypatch.setenv("PROMETHEUS_URL", url)
    from_env = await call(None, "prometheus_label_names_tool")
    assert not from_env.is_error


def test_time_forms() -> None:
    now = 1_700_000_000.0
    assert parse_time("now", 0, now) == now
    assert parse_time("now-1h", 0, now) == now - 3600
    assert parse_time("-30m", 0, now) == now - 1800
    assert parse_time("2d", 0, now) == now - 172800
    assert parse_time("1699990000", 0, now) == 1699990000
    assert parse_time("2023-11-14T22:13:20Z", 0, now) == now
    assert parse_time(None, 42, now) == 42
    with pytest.raises(Exception, match="cannot read the time 'yesterday'"):
        parse_time("yesterday", 0, now)
