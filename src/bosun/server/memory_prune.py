"""The interval of the scheduled TTL pruning of long-term memories (BOSUN_MEMORY_PRUNE_SECONDS).

Expired memories (`expires_at` passed, from the Agent's `memory.ttlDays`) are never
returned, and each new memory's write deletes them; an agent or user that stops writing
would keep them on disk. The retention scheduler (retention.py, entered by app.py's
lifespan) calls `MemoriesRepo.prune()` at start and then every
`BOSUN_MEMORY_PRUNE_SECONDS` (default 3600; 0 turns it off), in a loop of its own beside
the other retention passes (BOSUN_RETENTION_INTERVAL_SECONDS). A failed pass is logged and
retried on the next tick. This module only reads that interval, as it always did.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("bosun.server")

INTERVAL_ENV = "BOSUN_MEMORY_PRUNE_SECONDS"
DEFAULT_INTERVAL = 3600.0


def interval() -> float:
    raw = os.environ.get(INTERVAL_ENV, "")
    try:
        return max(float(raw), 0.0) if raw.strip() else DEFAULT_INTERVAL
    except ValueError:
        log.warning(
            "%s=%r is not a number of seconds; using %g", INTERVAL_ENV, raw, DEFAULT_INTERVAL
        )
        return DEFAULT_INTERVAL
