"""The store of resources: where desired state (CRs) and their status live.

Two implementations meet this protocol: the Kubernetes API (cluster mode) and the
database (local mode). The HTTP API writes through it and the local supervisor reads
from it, so neither knows which mode it runs in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class StoredObject:
    """A resource or core object as stored, in wire form (camelCase dict)."""

    kind: str
    namespace: str
    name: str
    body: dict[str, Any]  # full object: apiVersion, kind, metadata, spec, status

    @property
    def generation(self) -> int:
        return int(self.body.get("metadata", {}).get("generation") or 0)

    @property
    def resource_version(self) -> str:
        return str(self.body.get("metadata", {}).get("resourceVersion") or "")


@dataclass(frozen=True)
class StoreEvent:
    type: Literal["ADDED", "MODIFIED", "DELETED"]
    obj: StoredObject


class NotFound(LookupError):
    """No object of that kind, namespace and name."""


class Conflict(RuntimeError):
    """The object changed since it was read (stale resourceVersion)."""


class ResourceStore(Protocol):
    async def list(self, kind: str, namespace: str | None = None) -> list[StoredObject]: ...

    async def get(self, kind: str, namespace: str, name: str) -> StoredObject:
        """Raises NotFound."""
        ...

    async def apply(self, body: dict[str, Any]) -> StoredObject:
        """Create or replace the spec (and metadata labels/annotations) of an object.

        Bumps metadata.generation when the spec changes; keeps status.
        """
        ...

    async def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> StoredObject: ...

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        """Raises NotFound."""
        ...

    def watch(self) -> AsyncIterator[StoreEvent]:
        """Every change from now on, in order."""
        ...
