"""Turns resources into running agents.

- `translate/`: pure functions, resources in -> config.json, agent card and Kubernetes
  objects out. Used by both modes and by the server to validate before storing.
- `kube/`: the operator (its own list-then-watch loops, kube/watch.py) that applies the
  translator's output in a cluster.
- `local/`: the supervisor that runs the same output as child processes (`bosun up`).
"""
