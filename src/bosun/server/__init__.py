"""The control plane: HTTP API, A2A proxy, agents over MCP, authentication, database.

Started by `bosun controlplane` (cli/controlplane.py) and `bosun up` via
`app.create_app(settings)`. Documented for users in docs/api.md. Map:

- app.py: the FastAPI app and its lifespan (database, store, mirror, /mcp).
- settings.py: BOSUN_* settings. context.py: what routes share (Ctx, CurrentUser).
- errors.py: coded service errors and their one mapping to HTTP JSON errors.
- routes/: one module per area (agents, modelconfigs, toolservers+tools, resources,
  sessions+events, tasks, feedback, usage, health+namespaces, workload_logs).
- objects.py: validate resources with the translator and write them through the store;
  references.py gathers what the translator needs from the store.
- a2a_proxy.py (forwarding), a2a_record.py (access checks, recording sessions, tasks
  and usage), a2a_rest.py (the HTTP+JSON binding as the proxy sees it, ListTasks from
  our records), agent_lookup.py (Ready agents and where they are), upstream.py (the
  proxy's pooled aiohttp client to agents); limits.py is the one ASGI layer in front of
  everything and hands proxied POSTs to a2a_proxy.fast_post (docs/performance.md).
- mcp_bridge.py: /mcp, agents as MCP tools (mcp_lazy.py starts it on the first request).
- auth/: none, static tokens, OIDC (JWKS), ServiceAccount tokens (TokenReview).
- db/: SQLAlchemy models, Alembic migrations, one repository per aggregate.
- store_db.py (local mode) and store_kube.py (cluster mode): the ResourceStore.
- sync.py: mirrors agents and discovered tools from the store into the database.
- secretbox.py: encryption of local-mode Secrets; broadcast.py: watch fan-out.

May import bosun.api and bosun.controller.translate only (import-linter).
"""
