"""Local mode's supervisor: the translator's output run as child processes (`bosun up`).

Called by `bosun up` (cli/up_run.py), which hands it the control plane's ResourceStore.
Never imports the server or the runtime: it meets them through the store and over HTTP.

- `supervisor.py` owns the loop: follow the store, translate, converge processes, status.
- `plans.py`: each Agent/MCPServer translated with local resolvers (127.0.0.1 ports).
- `workload.py`: a Deployment -> argv, env, config files of a child process.
- `envfrom.py`: env valueFrom/envFrom resolved from the store's Secrets and ConfigMaps.
- `process.py`: one child kept running with backoff, logged to a file, stopped with its group.
- `probe.py` / `readiness.py`: when a workload is Ready, and the condition that says so.
- `conditions.py`: Accepted/Ready in metav1.Condition shape.
- `mirror.py`, `refs.py`: the in-memory copy of the store and References built from it.
- `remote.py`, `discovery.py`: tools of RemoteMCPServers and MCPServers -> discoveredTools.
- `ports.py`: free ports, stable per workload.
"""
