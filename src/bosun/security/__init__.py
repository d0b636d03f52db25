"""Checks shared by every HTTP server Bosun runs, importable by all of them (imports only api).

`hosts.py`: Host/Origin validation for MCP endpoints (DNS-rebinding protection), used by the
control plane's /mcp, `bosun tools serve` and `bosun mcp-bridge`.
"""
