"""The Policies of each namespace, read from the ResourceStore and kept a few seconds.

Shared by the gateway, the A2A proxy and /mcp (the server keeps one on `app.state`).
A namespace's Policies are listed at most once per `refresh` seconds (default 2 s), so a
change applied through any replica or kubectl takes effect within that time everywhere.
On each read the cache also writes the `Accepted` condition of Policies whose
generation it has not judged yet (naming the field at fault when there is one), and
`judge_as_applied` (a task of the control plane, server/governance.py) writes it as soon
as a Policy is applied, so `bosun get policies` says whether it holds before any traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bosun.api.manifests import problems_from_validation
from bosun.api.policy import Policy
from bosun.api.store import ResourceStore, StoredObject
from bosun.gateway.policy import check_policy

log = logging.getLogger(__name__)


class PolicyCache:
    def __init__(
        self,
        store: ResourceStore,
        *,
        refresh: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._refresh = refresh
        self._clock = clock
        self._entries: dict[str, tuple[float, list[Policy]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._judged: dict[tuple[str, str], int] = {}  # (ns, name) -> generation judged

    def invalidate(self, namespace: str | None = None) -> None:
        if namespace is None:
            self._entries.clear()
        else:
            self._entries.pop(namespace, None)

    async def policies(self, namespace: str) -> list[Policy]:
        """The accepted Policies of `namespace` (invalid ones are left out, and say why)."""
        hit = self._entries.get(namespace)
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        lock = self._locks.setdefault(namespace, asyncio.Lock())
        async with lock:
            hit = self._entries.get(namespace)
            if hit is not None and hit[0] > self._clock():
                return hit[1]
            try:
                objects = await self._store.list("Policy", namespace)
            except Exception as exc:  # a store hiccup must not open every door: keep the last
                if hit is not None:
                    log.warning("cannot list Policies of %s (%s); using the last", namespace, exc)
                    return hit[1]
                raise
            policies = [p for p in [await self._typed(o) for o in objects] if p is not None]
            self._entries[namespace] = (self._clock() + self._refresh, policies)
            return policies

    async def judge_as_applied(self, *, retry: float = 1.0) -> None:
        """Write the Accepted condition of every Policy there is, then of each one applied
        from now on (through the API, `bosun apply`, `bosun up` or kubectl: the store's
        watch), and drop that namespace's cached Policies. Runs until cancelled or the
        store closes; a failed list or watch is retried after `retry` seconds (doubling)."""
        delay = retry
        while True:
            watch = self._store.watch()  # before the list, so no change falls between
            try:
                for obj in await self._store.list("Policy"):
                    await self._typed(obj)
                async for event in watch:
                    obj = event.obj
                    if obj.kind != "Policy" or event.type == "DELETED":
                        continue
                    if self._judged.get((obj.namespace, obj.name)) != obj.generation:
                        self.invalidate(obj.namespace)  # a new spec: enforce it now
                    await self._typed(obj)
                    delay = retry
                return  # the store closed its watches: the control plane is stopping
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Policy status: watch failed (%s); again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                close = getattr(watch, "aclose", None)
                if close is not None:
                    with contextlib.suppress(Exception):
                        await close()

    async def _typed(self, obj: StoredObject) -> Policy | None:
        try:
            policy = Policy.model_validate(obj.body)
        except ValidationError as exc:
            problem = problems_from_validation(exc)[0]
            await self._judge(obj, [(problem.path, problem.message)])
            return None
        problems = check_policy(policy)
        await self._judge(obj, problems)
        return None if problems else policy

    async def _judge(self, obj: StoredObject, problems: list[tuple[str, str]]) -> None:
        key = (obj.namespace, obj.name)
        generation = obj.generation
        if self._judged.get(key) == generation:
            return
        status = obj.body.get("status") or {}
        if status.get("observedGeneration") == generation and status.get("conditions"):
            self._judged[key] = generation
            return
        if problems:
            field, message = problems[0]
            condition = _condition("False", "InvalidSpec", f"{field}: {message}", generation)
        else:
            condition = _condition("True", "Accepted", "enforced", generation)
        try:
            await self._store.patch_status(
                "Policy",
                obj.namespace,
                obj.name,
                {"observedGeneration": generation, "conditions": [condition]},
            )
            self._judged[key] = generation
        except Exception as exc:  # status is informative; enforcement does not wait on it
            log.warning("cannot write the status of Policy %s/%s: %s", *key, exc)


def _condition(status: str, reason: str, message: str, generation: int) -> dict[str, Any]:
    return {
        "type": "Accepted",
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
