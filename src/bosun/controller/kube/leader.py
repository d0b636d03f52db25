"""Leader election with a coordination.k8s.io/v1 Lease, so two replicas are safe.

Chosen over kopf's peering (when kopf ran the watches) because it needs no extra CRDs and
because it is *election*: exactly one holder, where kopf's peering only pauses
lower-priority peers. Every replica runs the watches (caches stay warm, keys keep being
queued); only the Lease holder's work queues run.

The algorithm is client-go's: a holder renews every `lease_renew_interval`; a candidate
takes the Lease over when its record has not changed for `lease_duration` seconds of the
candidate's own clock (no trust in other clocks); every write is conditional on the
Lease's resourceVersion, so of two candidates exactly one wins (the other gets 409). A
holder that cannot renew for `lease_duration` steps down by itself; on shutdown it
releases the Lease so a successor takes over at once.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from bosun.controller.kube.client import Conflict, KubeClient, KubeError
from bosun.controller.kube.settings import ControllerSettings

logger = logging.getLogger(__name__)

LEASE = ("coordination.k8s.io/v1", "Lease")


def _micro_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(
        self,
        client: KubeClient,
        settings: ControllerSettings,
        on_started_leading: Callable[[], None],
        on_stopped_leading: Callable[[], None],
    ) -> None:
        self._client = client
        self._name = settings.lease_name
        self._namespace = settings.effective_lease_namespace()
        self._identity = settings.identity
        self._duration = settings.lease_duration
        self._interval = settings.lease_renew_interval
        self._started = on_started_leading
        self._stopped = on_stopped_leading
        self.is_leader = False
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._renewed_at = 0.0

    @property
    def identity(self) -> str:
        return self._identity

    async def run(self) -> None:
        """Contend for and hold the Lease until cancelled; then release it if held."""
        try:
            while True:
                try:
                    leader = await self._try()
                except KubeError as exc:
                    logger.warning("lease %s/%s: %s", self._namespace, self._name, exc)
                    leader = self.is_leader and time.monotonic() - self._renewed_at < self._duration
                self._set(leader)
                await asyncio.sleep(self._interval)
        finally:
            if self.is_leader:
                self._set(False)
                await asyncio.shield(self._release())

    def _set(self, leader: bool) -> None:
        if leader == self.is_leader:
            return
        self.is_leader = leader
        if leader:
            logger.info(
                "%s is now the leader (lease %s/%s)", self._identity, self._namespace, self._name
            )
            self._started()
        else:
            logger.info("%s stopped leading", self._identity)
            self._stopped()

    def _spec(self, transitions: int) -> dict[str, Any]:
        now = _micro_now()
        return {
            "holderIdentity": self._identity,
            "leaseDurationSeconds": max(1, round(self._duration)),
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": transitions,
        }

    async def _try(self) -> bool:
        lease = await self._client.get(*LEASE, self._namespace, self._name)
        now = time.monotonic()
        if lease is None:
            body = {
                "apiVersion": LEASE[0],
                "kind": LEASE[1],
                "metadata": {"name": self._name, "namespace": self._namespace},
                "spec": self._spec(0),
            }
            try:
                await self._client.create(body)
            except Conflict:
                return False
            self._renewed_at = now
            return True
        spec = lease.get("spec") or {}
        rv = lease["metadata"]["resourceVersion"]
        holder = spec.get("holderIdentity") or ""
        record = (holder, spec.get("renewTime"), spec.get("leaseTransitions"))
        if record != self._observed:
            self._observed, self._observed_at = record, now
        if holder == self._identity:
            patch = {"metadata": {"resourceVersion": rv}, "spec": {"renewTime": _micro_now()}}
        elif not holder or now - self._observed_at > self._duration:
            transitions = int(spec.get("leaseTransitions") or 0) + 1
            patch = {"metadata": {"resourceVersion": rv}, "spec": self._spec(transitions)}
        else:
            return False
        try:
            await self._client.patch(*LEASE, self._namespace, self._name, patch)
        except Conflict:
            return False
        self._renewed_at = now
        return True

    async def _release(self) -> None:
        try:
            lease = await self._client.get(*LEASE, self._namespace, self._name)
            if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self._identity:
                return
            patch = {
                "metadata": {"resourceVersion": lease["metadata"]["resourceVersion"]},
                "spec": {"holderIdentity": "", "renewTime": _micro_now()},
            }
            await self._client.patch(*LEASE, self._namespace, self._name, patch)
        except KubeError as exc:
            logger.warning("releasing lease %s/%s: %s", self._namespace, self._name, exc)
