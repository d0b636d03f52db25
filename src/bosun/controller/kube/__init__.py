"""The operator (cluster mode): kagent.dev resources in, Kubernetes objects and status out.

Entry point: `operator.run_operator(settings, sink)` (used by `bosun controlplane`).
Map, one line per module:
- operator.py: wiring — watches, caches, event handlers, two work queues, Lease.
- watch.py: list-then-watch loops, one per kind and namespace (the event source).
- settings.py: ControllerSettings. sink.py: ReconcileSink, what the database receives.
- client.py: the one module that calls the Kubernetes API (aiohttp; lightkube's config).
- index.py: the caches and the dependency index (who uses what).
- triggers.py: watch event handlers that queue keys (and dependants) on relevant changes.
- workqueue.py: deduplicating, backoff-retrying, pausable queue of keys.
- context.py: Controller, the shared state, and the conditional status writer.
- gather.py: References for the translator from the caches. owned.py: apply (skipped when
  unchanged) and prune.
- agent.py, modelconfig.py, mcpserver.py: one reconciler per kind.
- remotemcpserver.py + discovery.py: MCP tool discovery (RemoteMCPServer and MCPServer).
- status.py: condition builders. leader.py: Lease-based leader election.
See docs/operator.md.
"""
