"""The /metrics answer in the Prometheus text format (prometheus_client imported on call),
and `Children`: label children bound once, for hot paths.

Used by the control plane's /metrics route (prometheus_client's default registry, which
also carries the process_* and python_* metrics) and by `bosun agent`'s (a registry of
its own, `process_registry`).
"""

from __future__ import annotations

from typing import Any


def render(registry: Any = None) -> tuple[bytes, str]:
    """The body and content type of a scrape of `registry` (default: prometheus_client's
    global one, where the control plane's metrics are)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    return generate_latest(registry or REGISTRY), CONTENT_TYPE_LATEST


def process_registry() -> Any:
    """A registry of its own with the process_*, python_* and gc metrics in it: the agent's
    (so that an agent run inside another process, as in tests, keeps its metrics apart)."""
    from prometheus_client import (
        CollectorRegistry,
        GCCollector,
        PlatformCollector,
        ProcessCollector,
    )

    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


class Children:
    """Label children of one metric, bound on first use and kept."""

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._bound: dict[tuple[str, ...], Any] = {}

    def get(self, *labels: str) -> Any:
        child = self._bound.get(labels)
        if child is None:
            if len(self._bound) > 50_000:  # a bug sending raw values must not eat memory
                self._bound.clear()
            child = self._bound[labels] = self._metric.labels(*labels)
        return child
