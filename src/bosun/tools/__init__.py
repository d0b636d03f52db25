"""Bosun's built-in MCP tool server (`bosun tools serve`).

Offline tools (clock, calculator, text) and kagent-compatible Kubernetes, Helm and
Prometheus tools (same names and parameters as kagent's tool server). One module
per tool group (basic, calc, k8s_read, k8s_write, k8s_workloads, helm, prometheus);
`server.build_server` assembles them; docs/tools.md lists the tools.
Called by the CLI (bosun.cli.mcp_bridge) and by tests; imports no other bosun package.
"""
