"""The model gateway: agents' LLM calls forwarded to the real provider, metered, governed.

Mounted by `bosun.server.app.create_app`; it imports `bosun.api` and the small store
interfaces of `gateway.ports` (which the server implements), never `bosun.runtime`,
`bosun.controller` or `bosun.server`.

- `policy.py`: evaluation of Policy resources, one pure function per decision (model
  allowed? within budget and rate? may this caller invoke that agent? A2A between these
  namespaces?). Called by the gateway, the A2A proxy and /mcp alike.
- `windows.py`: fixed time windows (24h, 1h, 1m): where one starts, when it resets.
- `ports.py`: what the gateway needs from the control plane (counters, usage, resources,
  who is calling), as Protocols.
- `tokens.py`: per-agent gateway tokens of local mode (an HMAC of the agent's ref).
- `upstream.py`, `metering.py`, `routes.py`: the HTTP side (OpenAI Chat Completions and
  Anthropic Messages, streaming and not), the token counts taken from the provider's
  usage, and what each answer records (GenAI metrics, budget rejections, audit events).
- `refusals.py`: the gateway's own error answers, marked so the agent runtime shows
  their message verbatim.
"""
