"""Settings of the operator (`bosun controlplane` builds them from its flags and env).

Defaults suit a controller running in-cluster with one Deployment of two replicas; tests
and the benchmark point `api_server` at the Kubernetes emulator and shorten the timings.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bosun.controller.translate.interface import TranslateOptions


@dataclass(frozen=True)
class ControllerSettings:
    """What `run_operator` needs to know. Every field has a production default."""

    watch_namespaces: tuple[str, ...] = ()
    """Namespaces to watch; empty means all (cluster-wide, needs a ClusterRole)."""

    api_server: str | None = None
    """Kubernetes API URL. None: in-cluster service account, else KUBECONFIG/~/.kube/config."""
    api_token: str | None = None
    """Bearer token to use with `api_server` (tests use any string)."""

    field_manager: str = "bosun"
    translate: TranslateOptions = field(default_factory=TranslateOptions)

    workers: int = 16
    """Concurrent reconciles of Agents, ModelConfigs and MCPServers."""
    discovery_workers: int = 8
    """Concurrent MCP tool discoveries (separate, so a slow server never delays a reconcile)."""
    discovery_interval: float = 60.0
    """Seconds between two discoveries of the same server."""
    discovery_backoff: float = 5.0
    """First retry delay after a failed discovery; doubles up to `discovery_interval`."""
    retry_backoff: float = 0.5
    """First retry delay after a failed reconcile; doubles up to `max_retry_backoff`."""
    max_retry_backoff: float = 60.0
    pod_check_interval: float = 15.0
    """Seconds between two looks at the pods of an Agent whose Deployment has unavailable
    replicas (a failing init container changes no Deployment status; agent.py, pods.py)."""

    leader_election: bool = True
    """Two replicas are safe: only the holder of the Lease reconciles."""
    lease_name: str = "bosun-controller"
    lease_namespace: str | None = None
    """Default: $POD_NAMESPACE, else the first watched namespace, else "default"."""
    lease_duration: float = 15.0
    lease_renew_interval: float = 5.0
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}")

    handle_signals: bool = False
    """SIGINT/SIGTERM stop the operator (only when it runs alone in its process)."""
    watch_timeout: float = 300.0
    """Server-side timeout of each watch request (then re-watched from where it was)."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> ControllerSettings:
        """Settings from BOSUN_* variables (what the Helm chart sets), then `overrides`.

        BOSUN_WATCH_NAMESPACES (comma-separated), BOSUN_LEADER_ELECTION (true/false),
        BOSUN_LEASE_NAME, BOSUN_LEASE_NAMESPACE, BOSUN_CONTROLLER_WORKERS,
        BOSUN_DISCOVERY_INTERVAL (seconds); without `translate` in `overrides`:
        BOSUN_RUNTIME_IMAGE, BOSUN_MCP_RUNNER_IMAGE, BOSUN_IMAGE_PULL_SECRETS (comma-separated
        Secret names every agent and MCPServer pod gets), BOSUN_INTERNAL_URL (the runtime's
        BOSUN_URL), and the standard OTEL_* variables agent and team pods get
        (`otel_settings`). Raises ValueError naming the variable on a bad value.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if env.get("BOSUN_WATCH_NAMESPACES"):
            values["watch_namespaces"] = _names(env["BOSUN_WATCH_NAMESPACES"])
        if env.get("BOSUN_LEADER_ELECTION"):
            flag = env["BOSUN_LEADER_ELECTION"].strip().lower()
            if flag not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(f"BOSUN_LEADER_ELECTION: expected true or false, got {flag!r}")
            values["leader_election"] = flag in ("true", "1", "yes")
        for var, field_name in (
            ("BOSUN_LEASE_NAME", "lease_name"),
            ("BOSUN_LEASE_NAMESPACE", "lease_namespace"),
        ):
            if env.get(var):
                values[field_name] = env[var]
        for var, field_name, kind in (
            ("BOSUN_CONTROLLER_WORKERS", "workers", int),
            ("BOSUN_DISCOVERY_INTERVAL", "discovery_interval", float),
        ):
            if env.get(var):
                try:
                    values[field_name] = kind(env[var])
                except ValueError:
                    raise ValueError(f"{var}: not a number: {env[var]!r}") from None
        if "translate" not in overrides:
            defaults = TranslateOptions()
            values["translate"] = TranslateOptions(
                runtime_image=env.get("BOSUN_RUNTIME_IMAGE") or defaults.runtime_image,
                mcp_runner_image=env.get("BOSUN_MCP_RUNNER_IMAGE") or defaults.mcp_runner_image,
                image_pull_secrets=_names(env.get("BOSUN_IMAGE_PULL_SECRETS")),
                otel_env=otel_settings(env),
                controlplane_url=env.get("BOSUN_INTERNAL_URL") or None,
                # BOSUN_MODEL_GATEWAY=on: route models through the gateway (docs/gateway.md)
                model_gateway=_on(env.get("BOSUN_MODEL_GATEWAY")),
            )
        return cls(**{**values, **overrides})

    def effective_lease_namespace(self) -> str:
        if self.lease_namespace:
            return self.lease_namespace
        if os.environ.get("POD_NAMESPACE"):
            return os.environ["POD_NAMESPACE"]
        return self.watch_namespaces[0] if self.watch_namespaces else "default"


# Not handed on to agent pods: the service name is each agent's own, headers may hold
# a collector's credentials (they would be copied as plain values into every Deployment:
# give them to an Agent with deployment.env valueFrom), and certificate and key settings
# are paths of files in the control plane's pod.
_OTEL_KEPT_BACK = ("OTEL_SERVICE_NAME",)
_OTEL_KEPT_BACK_SUFFIXES = ("_HEADERS", "_CERTIFICATE", "_CLIENT_KEY")


def otel_settings(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The operator's own OpenTelemetry settings agent and team pods get
    (TranslateOptions.otel_env): every non-empty OTEL_* variable (OTEL_EXPORTER_OTLP_*,
    OTEL_TRACES_EXPORTER, OTEL_RESOURCE_ATTRIBUTES ...), sorted, but for those kept back."""
    return tuple(
        sorted(
            (name, value)
            for name, value in env.items()
            if name.startswith("OTEL_")
            and value
            and name not in _OTEL_KEPT_BACK
            and not name.endswith(_OTEL_KEPT_BACK_SUFFIXES)
        )
    )


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


def _names(value: str | None) -> tuple[str, ...]:
    """A comma-separated list of names, blanks dropped."""
    return tuple(n.strip() for n in (value or "").split(",") if n.strip())
