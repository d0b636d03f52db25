"""Agents repository: the cache of reconciled Agents (filled by the store mirror, sync.py)."""

from __future__ import annotations

import builtins

from sqlalchemy import delete, select

from bosun.server.db.engine import Database
from bosun.server.db.models import AgentRow, utcnow
from bosun.server.db.records import AgentRecord


class AgentsRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, record: AgentRecord) -> AgentRecord:
        values = record.model_dump(exclude={"updated_at"})
        async with self._db.write() as s:
            row = await s.get(AgentRow, (record.namespace, record.name))
            if row is None:
                row = AgentRow(**values)
                s.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            row.updated_at = utcnow()
            await s.flush()
            return AgentRecord.model_validate(row)

    async def delete(self, namespace: str, name: str) -> bool:
        async with self._db.write() as s:
            result = await s.execute(
                delete(AgentRow).where(AgentRow.namespace == namespace, AgentRow.name == name)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, namespace: str, name: str) -> AgentRecord | None:
        async with self._db.sessions() as s:
            row = await s.get(AgentRow, (namespace, name))
            return AgentRecord.model_validate(row) if row else None

    async def list(self, namespace: str | None = None) -> builtins.list[AgentRecord]:
        query = select(AgentRow).order_by(AgentRow.namespace, AgentRow.name)
        if namespace is not None:
            query = query.where(AgentRow.namespace == namespace)
        async with self._db.sessions() as s:
            return [AgentRecord.model_validate(r) for r in (await s.scalars(query)).all()]

    async def replace_all(self, records: builtins.list[AgentRecord]) -> None:
        """Make the cache equal to `records` (after a full re-list of the store)."""
        async with self._db.write() as s:
            await s.execute(delete(AgentRow))
            for record in records:
                s.add(AgentRow(**record.model_dump(exclude={"updated_at"}), updated_at=utcnow()))
