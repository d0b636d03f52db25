"""Resources repository: the rows behind the local-mode store (store_db.py).

Gives store_db a unit of work (`transaction()`) with row access and the global
resourceVersion counter; the semantics (generation, conflicts, events, encryption) live in
store_db, the SQL here.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bosun.server.db.engine import Database
from bosun.server.db.models import CounterRow, ResourceRow

VERSION_COUNTER = "resourceVersion"


class ResourceTx:
    """One transaction over the resources table."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, kind: str, namespace: str, name: str) -> ResourceRow | None:
        query = select(ResourceRow).where(
            ResourceRow.kind == kind, ResourceRow.namespace == namespace, ResourceRow.name == name
        )
        if self._s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self._s.scalars(query)).first()

    async def next_version(self) -> int:
        """Bump and return the global counter; its row lock orders concurrent writers."""
        value = await self._s.scalar(
            update(CounterRow)
            .where(CounterRow.name == VERSION_COUNTER)
            .values(value=CounterRow.value + 1)
            .returning(CounterRow.value)
        )
        if value is None:  # a database migrated without the seed row
            self._s.add(CounterRow(name=VERSION_COUNTER, value=1))
            await self._s.flush()
            return 1
        return int(value)

    def add(self, row: ResourceRow) -> None:
        self._s.add(row)

    async def delete(self, row: ResourceRow) -> None:
        await self._s.delete(row)

    async def in_namespace(self, namespace: str) -> list[ResourceRow]:
        rows = await self._s.scalars(select(ResourceRow).where(ResourceRow.namespace == namespace))
        return list(rows.all())

    async def flush(self) -> None:
        await self._s.flush()


class ResourcesRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ResourceTx]:
        async with self._db.write() as s:
            yield ResourceTx(s)

    async def get(self, kind: str, namespace: str, name: str) -> ResourceRow | None:
        async with self._db.sessions() as s:
            return await s.get(ResourceRow, (kind, namespace, name))

    async def list(self, kind: str, namespace: str | None = None) -> builtins.list[ResourceRow]:
        query = select(ResourceRow).where(ResourceRow.kind == kind)
        if namespace is not None:
            query = query.where(ResourceRow.namespace == namespace)
        query = query.order_by(ResourceRow.namespace, ResourceRow.name)
        async with self._db.sessions() as s:
            return list((await s.scalars(query)).all())

    async def namespaces(self) -> builtins.list[str]:
        async with self._db.sessions() as s:
            rows = await s.scalars(select(ResourceRow.namespace).distinct())
            return sorted(set(rows.all()))
