"""The prebuilt agents' files (the chart's and examples/prebuilt/) name the tool server
the chart really creates: Service `kagent-tool-server`, which `kubectl apply -f
examples/prebuilt/` in the release namespace must reach too.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from test_charts_render import CHART, HELM, merged, named, render

REPO = CHART.parents[1]
EXAMPLES = REPO / "examples" / "prebuilt"
pytestmark = [
    pytest.mark.slow,  # a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]


def test_the_prebuilt_files_name_the_chart_tool_server(tmp_path: Path) -> None:
    docs = render(tmp_path, merged())
    service = named(docs, "Service", "kagent-tool-server")
    port = service["spec"]["ports"][0]["port"]
    for folder in (CHART / "files" / "prebuilt", EXAMPLES):
        files = list(yaml.safe_load_all((folder / "tool-server.yaml").read_text()))
        (remote,) = [d for d in files if d and d["kind"] == "RemoteMCPServer"]
        url = urlsplit(remote["spec"]["url"])
        # Same namespace: the Service's short name; what `kubectl apply -n NS` gives.
        assert (url.hostname, url.port) == (service["metadata"]["name"], port), folder
        assert url.path == "/mcp"
        agents = [
            d
            for path in sorted(folder.glob("*.yaml"))
            for d in yaml.safe_load_all(path.read_text())
            if d and d["kind"] == "Agent"
        ]
        assert agents
        for agent in agents:
            servers = {
                t["mcpServer"]["name"]
                for t in agent["spec"]["declarative"].get("tools", [])
                if t.get("type") == "McpServer"
            }
            assert servers == {remote["metadata"]["name"]}, agent["metadata"]["name"]
    docs_text = (REPO / "docs" / "tools.md").read_text() + (EXAMPLES / "README.md").read_text()
    assert "bosun-tools:" not in docs_text and "Service `bosun-tools`" not in docs_text
