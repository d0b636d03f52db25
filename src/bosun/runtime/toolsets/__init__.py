"""Tool sources of an agent, as small pydantic-ai toolset wrappers that compose.

`engine` builds, per config.json: an MCP server (`mcp`) -> tool filter -> approval
(`approval`) -> per-tool timeout (`timeout`) -> output truncation (`truncation`); remote
agents (`remote_agent`) and the built-in `ask_user` tool (`ask_user`) join them. Each
module is one concept and knows nothing of A2A servers or sessions.
"""
