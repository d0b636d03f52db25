"""What the control plane still waits for before it is ready (`GET /readyz`).

The app itself gates on its lifespan (database open and migrated, store and mirror
running). Whoever embeds the app adds gates of its own before serving and opens them
when done: `bosun up` until the manifests of `-f` are applied, `bosun controlplane` in
cluster mode until the operator has started. `/readyz` answers 503 naming every gate
still closed, so a probe or a script that waits on it never sees a half-started Bosun.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Readiness:
    pending: dict[str, str] = field(default_factory=dict)  # gate name -> why not ready yet
    failed: dict[str, str] = field(default_factory=dict)  # gate name -> what went wrong

    def wait_for(self, gate: str, reason: str) -> None:
        """Not ready until `done(gate)`; `reason` is what /readyz says meanwhile."""
        self.pending[gate] = reason

    def done(self, gate: str) -> None:
        self.pending.pop(gate, None)

    def fail(self, gate: str, error: str) -> None:
        """The gate will not open: /readyz says why (a probe then keeps the pod out)."""
        self.pending.pop(gate, None)
        self.failed[gate] = error

    def reasons(self) -> list[str]:
        return list(self.failed.values()) + list(self.pending.values())
