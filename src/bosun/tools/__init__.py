"""Bosun's built-in MCP tool server (`bosun tools serve`).

A few safe tools that work offline, for examples, tests and agents that need a clock or
a calculator, plus read-only Kubernetes tools when a cluster is configured. One module
per tool group (`basic`, `calc`, `kubernetes`); `server.build_server` assembles them.
Called by the CLI (bosun.cli.mcp_bridge) and by tests; imports no other bosun package.
"""
