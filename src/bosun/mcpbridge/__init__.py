"""The stdio → Streamable HTTP bridge behind `bosun mcp-bridge -- CMD ARGS`.

It keeps ONE warm child process (the stdio MCP server) per bridge, started with the
bridge, restarted with backoff when it dies, and multiplexes every HTTP client onto that
child's single MCP session. Used by MCPServer pods (the translator's Deployment runs it)
and by local mode's supervisor. Imports only the mcp SDK, starlette and uvicorn: never
the controller, server or runtime.

Modules: `child` spawns the process and speaks newline-delimited JSON-RPC over its pipes;
`supervisor` keeps one initialized client session alive; `proxy` is the MCP server the
HTTP clients talk to, forwarding each request to the session; `app` is the ASGI app
(/mcp, /sse + /messages/, /healthz); `spawn` starts the child and `run` is
`run_bridge`, which starts it before importing the rest.
"""
