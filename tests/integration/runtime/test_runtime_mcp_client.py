"""The lean MCP client (runtime/toolsets/mcp_client.py) in a fresh interpreter: importing it
loads none of the SDK's server side, it lists and calls tools of a real MCP server, and the
`mcp` package still offers everything its `__init__` defines to code that asks later."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, socket, sys, threading, time

    from bosun.runtime.toolsets.mcp_client import McpClient, import_client_modules

    sdk = import_client_modules()
    server_side = sorted(m for m in sys.modules if m.startswith("mcp.server"))
    assert not server_side and "cryptography" not in sys.modules, server_side

    # Code that imports the server side or the package's names afterwards still gets them.
    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from mcp import Client, Tool
    import mcp
    assert mcp.Client is Client and mcp.Tool is Tool and mcp.types.Tool is Tool

    server = MCPServer("t")

    @server.tool()
    def double(n: int) -> int:
        return 2 * n

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(server.streamable_http_app(), log_level="warning")
    running = uvicorn.Server(config)
    threading.Thread(target=lambda: asyncio.run(running.serve(sockets=[sock])), daemon=True).start()
    while not running.started:
        time.sleep(0.01)

    async def main():
        transport = sdk.streamable_http_client(f"http://127.0.0.1:{port}/mcp")
        async with McpClient(transport, read_timeout_seconds=10) as client:
            page = await client.list_tools()
            assert [t.name for t in page.tools] == ["double"], page
            result = await client.call_tool("double", {"n": 21})
            assert not result.is_error and result.structured_content == {"result": 42}, result
            failed = await client.call_tool("double", {"n": "x"})
            assert failed.is_error, failed
        print("ok")

    asyncio.run(main())
    running.should_exit = True
    """
)


@pytest.mark.slow
def test_lean_client_without_the_server_side_lists_and_calls() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), (
        result.stdout + result.stderr
    )
