"""Helpers for the local supervisor's tests: poll until true, read a status condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bosun.api.store import NotFound, ResourceStore


async def eventually(
    check: Callable[[], Any], *, within: float = 15.0, what: str = "condition"
) -> Any:
    """Poll an (async or plain) check until it returns something truthy."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} not reached in {within}s (last: {last!r})")


async def condition_of(
    store: ResourceStore, kind: str, ns: str, name: str, type_: str
) -> dict[str, Any]:
    try:
        obj = await store.get(kind, ns, name)
    except NotFound:
        return {}
    for cond in (obj.body.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            return dict(cond)
    return {}
