"""Policy counters in the database: atomic adds that concurrent writers share."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bosun.gateway.ports import MeteredRequest
from bosun.server.db import Database
from bosun.server.db.metering import CountersRepo, GatewayRequestsRepo


async def test_concurrent_adds_are_all_counted(database: Database) -> None:
    counters = CountersRepo(database)
    results = await asyncio.gather(
        *(counters.add("prod/p/daily", "prod", 60, 120, requests=1, tokens=10) for _ in range(20))
    )
    assert sorted(r.requests for r in results) == list(range(1, 21))
    final = await counters.add("prod/p/daily", "prod", 60, 120)
    assert (final.requests, final.tokens) == (20, 200)
    other_window = await counters.add("prod/p/daily", "prod", 60, 180, tokens=5)
    assert (other_window.requests, other_window.tokens) == (0, 5)
    assert await counters.prune(before=181) == 1


async def test_metered_requests_sum_per_agent_user_and_model(database: Database) -> None:
    repo = GatewayRequestsRepo(database)
    row = MeteredRequest("prod", "helper", "alice", "OpenAI", "gpt-4o", "openai", False, 200, 3, 4)
    await repo.record([row, row, MeteredRequest("prod", "helper", None, "OpenAI", "gpt-4o",
                                                "openai", True, 200, 1, 1)])  # fmt: skip
    totals = await repo.totals(namespace="prod")
    assert totals[0] == {"namespace": "prod", "agent": "helper", "user": "alice",
                         "model": "gpt-4o", "requests": 2, "input_tokens": 6,
                         "output_tokens": 8}  # fmt: skip
    assert totals[1]["user"] is None and totals[1]["requests"] == 1


async def test_adds_written_together_each_see_their_own_totals(database: Database) -> None:
    # Adds that arrive together share one transaction; each still sees the totals just
    # after its own add, as if they had been written one by one.
    counters = CountersRepo(database)
    adds = [counters.add("a", "s", 60, 0, requests=1, tokens=10) for _ in range(15)]
    adds += [counters.add("b", "s", 60, 0, requests=1, tokens=3) for _ in range(10)]
    results = await asyncio.gather(*adds)
    a, b = results[:15], results[15:]
    assert sorted((r.requests, r.tokens) for r in a) == [(n, 10 * n) for n in range(1, 16)]
    assert sorted((r.requests, r.tokens) for r in b) == [(n, 3 * n) for n in range(1, 11)]
    later = await counters.add("a", "s", 60, 0, tokens=7)
    assert (later.requests, later.tokens) == (15, 157)


async def test_a_failed_write_fails_every_add_it_carried(database: Database) -> None:
    counters = CountersRepo(database)
    async with database.write() as s:
        await s.execute(text("DROP TABLE policy_counters"))
    results = await asyncio.gather(
        *(counters.add("a", "s", 60, 0, requests=1) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, DBAPIError) for r in results), results
