"""The MCP servers pages (ui/src/resources/mcp): the examples' MCPServer with its
discovered tools, a RemoteMCPServer made with the form (pointing at that same server)
discovering them too, the API's field error next to the URL, and the MCPServer form's
YAML. Servers made here are deleted."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]

SERVER = "everyday-tools"


def server_row(page: Any, name: str) -> Any:
    table = page.get_by_role("table", name="MCP servers")
    return table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def discovered(ui_up: UiUp) -> dict[str, Any]:
    return ui_up.api("GET", f"/api/toolservers/default/{SERVER}?kind=MCPServer").json()["status"]


def test_mcp_servers_page_lists_the_example_server_with_its_tools(page: Any, ui_up: UiUp) -> None:
    tools = discovered(ui_up)["discoveredTools"]
    page.goto("/mcp-servers")
    row = server_row(page, SERVER)
    for text in ("MCPServer", "✓ Ready", "✓ Accepted", f"{len(tools)} tools"):
        expect(row).to_contain_text(text)
    row.get_by_role("link", name=SERVER, exact=True).click()
    page.wait_for_url(f"**/mcp-servers/default/{SERVER}?kind=MCPServer")
    table = page.get_by_role("table", name="Discovered tools")
    expect(table.get_by_role("row")).to_have_count(len(tools) + 1)
    word_count = next(t for t in tools if t["name"] == "word_count")
    expect(table.get_by_role("row").filter(has_text="word_count")).to_contain_text(
        word_count["description"]
    )
    expect(page.get_by_role("region", name="Used by")).to_contain_text("helper")
    screenshot(page, "mcp-servers")


def test_create_a_remote_server_with_the_form_and_see_its_tools(page: Any, ui_up: UiUp) -> None:
    status = discovered(ui_up)
    name = f"ui-remote-{uuid.uuid4().hex[:6]}"
    try:
        page.goto("/mcp-servers")
        page.get_by_role("link", name="New MCP server").click()
        expect(page.get_by_label("Kind")).to_have_value("RemoteMCPServer")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("URL", exact=True).fill("ftp://nowhere/mcp")
        page.get_by_role("button", name="Create server").click()
        expect(page.get_by_label("URL", exact=True)).to_have_accessible_error_message(
            re.compile("should match pattern")
        )
        page.get_by_label("URL", exact=True).fill(status["url"])
        expect(page.get_by_label("YAML manifest")).to_have_value(
            re.compile(rf"url: {re.escape(status['url'])}\n")
        )
        page.get_by_role("button", name="Create server").click()
        page.wait_for_url(f"**/mcp-servers/default/{name}?kind=RemoteMCPServer")
        count = len(status["discoveredTools"])
        expect(page.get_by_role("heading", name=f"Discovered tools ({count})")).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_role("region", name="Status")).to_contain_text("✓ Accepted")

        # edit it: the form opens filled in, and the change is saved
        page.get_by_role("link", name="Edit", exact=True).click()
        page.wait_for_url(f"**/mcp-servers/default/{name}/edit?kind=RemoteMCPServer")
        expect(page.get_by_label("URL", exact=True)).to_have_value(status["url"])
        page.get_by_label("Description").fill("edited by the UI test")
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_url(f"**/mcp-servers/default/{name}?kind=RemoteMCPServer")
        expect(page.get_by_text("edited by the UI test")).to_be_visible()
        path = f"/api/toolservers/default/{name}?kind=RemoteMCPServer"
        spec = ui_up.api("GET", path).json()["spec"]
        assert (spec["description"], spec["url"]) == ("edited by the UI test", status["url"])

        page.get_by_role("button", name="Delete", exact=True).click()
        dialog = page.get_by_role("dialog", name=f"Delete RemoteMCPServer {name}?")
        dialog.get_by_role("button", name=f"Delete RemoteMCPServer {name}").click()
        page.wait_for_url("**/mcp-servers")
        expect(server_row(page, SERVER)).to_be_visible()
        expect(server_row(page, name)).to_have_count(0)
    finally:
        ui_up.api("DELETE", f"/api/toolservers/default/{name}?kind=RemoteMCPServer")


def test_mcpserver_form_writes_its_manifest_and_follows_the_yaml(page: Any) -> None:
    page.goto("/mcp-servers/new")
    page.get_by_label("Kind").select_option("MCPServer")
    page.get_by_label("Name", exact=True).fill("fetcher")
    page.get_by_label("Command").fill("uvx")
    page.get_by_label("Arguments (one per line)").fill("mcp-server-fetch\n--ignore-robots-txt")
    yaml = page.get_by_label("YAML manifest")
    expect(yaml).to_have_value(re.compile(r"apiVersion: kagent\.dev/v1alpha1\nkind: MCPServer\n"))
    expect(yaml).to_have_value(
        re.compile(r"cmd: uvx\n[\s\S]*args:\n\s+- mcp-server-fetch\n\s+- --ignore-robots-txt\n")
    )
    yaml.fill(yaml.input_value().replace("port: 3000", "port: 4000"))
    expect(page.get_by_label("Port", exact=True)).to_have_value("4000")
    page.get_by_label("Transport").select_option("http")
    expect(page.get_by_label("HTTP path")).to_be_visible()
    expect(yaml).to_have_value(re.compile(r"transportType: http\n"))
