"""Prometheus tools, with kagent's names and parameters, over Prometheus's HTTP API (httpx).

prometheus_query_tool (instant query), prometheus_query_range_tool, prometheus_label_names_tool,
prometheus_targets_tool. The server's URL comes from `--prometheus-url` / $PROMETHEUS_URL.
kagent's tools also take a `prometheus_url` argument; here it is honoured only when the
tool server has no URL of its own (so a model cannot point the server at other hosts when
an operator configured one). Prometheus's own error text is returned as the tool error.
"""

from __future__ import annotations

import json
import re
import time as clock  # `time` is also a tool parameter (kagent's name)
from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from bosun.tools.catalog import READ_OPEN, ToolSpec
from bosun.tools.k8s_format import cap

TIMEOUT = 30.0
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RELATIVE = re.compile(r"^(?:now)?\s*-?\s*(\d+(?:\.\d+)?)([smhdw])(?:\s*ago)?$")
PrometheusUrl = Annotated[
    str | None,
    Field(description="Prometheus URL; only used when the tool server has none configured."),
]


def parse_time(value: str | None, default: float, now: float | None = None) -> float:
    """Unix seconds from '1718000000', RFC 3339, 'now', 'now-1h', '-30m' or '2h' (ago)."""
    now = clock.time() if now is None else now
    if value is None or not value.strip():
        return default
    text = value.strip().lower()
    if text == "now":
        return now
    try:
        return float(text)
    except ValueError:
        pass
    match = _RELATIVE.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2)]
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ToolError(
            f"cannot read the time {value!r}: use a Unix timestamp, RFC 3339, 'now' or 'now-1h'"
        ) from None


class PrometheusTools:
    def __init__(self, url: str | None) -> None:
        self.url = url.rstrip("/") if url else None

    def specs(self) -> list[ToolSpec]:
        return [
            ToolSpec("prometheus_query_tool", self.query, READ_OPEN),
            ToolSpec("prometheus_query_range_tool", self.query_range, READ_OPEN),
            ToolSpec("prometheus_label_names_tool", self.label_names, READ_OPEN),
            ToolSpec("prometheus_targets_tool", self.targets, READ_OPEN),
        ]

    def _base(self, prometheus_url: str | None) -> str:
        if self.url:
            if prometheus_url and prometheus_url.rstrip("/") != self.url:
                raise ToolError(
                    f"this tool server is set up for Prometheus at {self.url}; omit prometheus_url"
                )
            return self.url
        if prometheus_url:
            if not prometheus_url.startswith(("http://", "https://")):
                raise ToolError("prometheus_url must start with http:// or https://")
            return prometheus_url.rstrip("/")
        raise ToolError(
            "no Prometheus URL: start the tool server with --prometheus-url (or PROMETHEUS_URL), "
            "or pass prometheus_url"
        )

    async def _get(self, prometheus_url: str | None, path: str, params: dict[str, Any]) -> Any:
        import httpx

        base = self._base(prometheus_url)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as http:
                response = await http.get(f"{base}{path}", params=params)
        except httpx.HTTPError as exc:
            raise ToolError(
                f"cannot reach Prometheus at {base}: {exc or type(exc).__name__}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise ToolError(
                f"Prometheus at {base} answered HTTP {response.status_code} that is not JSON: "
                f"{response.text[:300]}"
            ) from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            kind = body.get("errorType", "error") if isinstance(body, dict) else "error"
            raise ToolError(f"Prometheus {kind}: {error or f'HTTP {response.status_code}'}")
        return body.get("data")

    async def query(
        self,
        query: Annotated[str, Field(description="PromQL query to execute.")],
        time: Annotated[
            str | None,
            Field(description="Evaluation time (Unix, RFC 3339, 'now-5m'); default now."),
        ] = None,
        prometheus_url: PrometheusUrl = None,
    ) -> str:
        """Execute a PromQL instant query against Prometheus."""
        params: dict[str, Any] = {"query": query}
        if time:
            params["time"] = parse_time(time, 0.0)
        data = await self._get(prometheus_url, "/api/v1/query", params)
        return cap(json.dumps(data, indent=2))

    async def query_range(
        self,
        query: Annotated[str, Field(description="PromQL query to execute.")],
        start: Annotated[
            str | None, Field(description="Start (Unix, RFC 3339, 'now-1h'); default 1 h ago.")
        ] = None,
        end: Annotated[str | None, Field(description="End (same forms); default now.")] = None,
        step: Annotated[str, Field(description="Resolution step, e.g. 15s, 1m.")] = "15s",
        prometheus_url: PrometheusUrl = None,
    ) -> str:
        """Execute a PromQL range query against Prometheus."""
        now = clock.time()
        end_s = parse_time(end, now, now)
        start_s = parse_time(start, end_s - 3600, now)
        if start_s >= end_s:
            raise ToolError("start must be before end")
        params = {"query": query, "start": start_s, "end": end_s, "step": step}
        data = await self._get(prometheus_url, "/api/v1/query_range", params)
        return cap(json.dumps(data, indent=2))

    async def label_names(self, prometheus_url: PrometheusUrl = None) -> str:
        """Get all label names known to Prometheus."""
        data = await self._get(prometheus_url, "/api/v1/labels", {})
        return cap(json.dumps(data, indent=2))

    async def targets(self, prometheus_url: PrometheusUrl = None) -> str:
        """Get Prometheus's scrape targets and their health."""
        data = await self._get(prometheus_url, "/api/v1/targets", {"state": "active"})
        targets = [
            {
                "job": (t.get("labels") or {}).get("job"),
                "instance": (t.get("labels") or {}).get("instance"),
                "health": t.get("health"),
                "lastError": t.get("lastError") or None,
                "lastScrape": t.get("lastScrape"),
                "scrapeUrl": t.get("scrapeUrl"),
            }
            for t in (data or {}).get("activeTargets") or []
        ]
        summary = {
            "up": sum(1 for t in targets if t["health"] == "up"),
            "down": sum(1 for t in targets if t["health"] == "down"),
            "unknown": sum(1 for t in targets if t["health"] not in ("up", "down")),
            "targets": targets,
        }
        return cap(json.dumps(summary, indent=2))
