"""The agent process (`bosun agent`): serves A2A, runs the agent loop, calls tools.

Knows nothing of Kubernetes: it reads config.json (bosun.api.config) and talks to the
control plane over HTTP. Map (one concept per module):

- app          the HTTP app: card, /health, JSON-RPC, HTTP+JSON; starts `service` in the background
- card         agent-card.json as served to v1.0 and v0.3 clients (by the A2A-Version header)
- bindings     JSON-RPC on /, HTTP+JSON under /v1 (1.0 and 0.3), Content-Type errors
- service      a2a-sdk request handler + executor + engine + stores, wired together
- push         push-notification configs (kept in the task's session) and webhook delivery
- executor     the a2a-sdk AgentExecutor: engine events -> A2A task updates (the seam)
- protocol     Bosun's A2A DataPart/metadata formats (tool calls, approvals, usage)
- turn         one turn of the engine loop, reported to a sink
- turn_meter   the turn's LLM and tool calls as Prometheus observations (metrics)
- pending      calls waiting for the user and resolving them from the user's answer
- engine       the pydantic-ai Agent built from config.json
- models       config.json model settings -> engine model (the only provider switch)
- openai_params  OpenAI chat requests without the SDK's no-op parameter transform
- prices       genai-prices' usage extractors without its price table (`bosun agent`)
- toolsets/    MCP servers (mcp_client: the SDK's client without its server side),
               approval, remote agents, ask_user, timeout, truncation
- sessions     contextId -> history, from events in a store (store/: SQLite, control plane)
- taskstore    the a2a-sdk TaskStore, persisted through the same store (interrupted tasks fail)
- compaction   summarising older turns of long sessions
- telemetry    OpenTelemetry spans exported over OTLP
- errors       failures as messages a person can act on
"""
