"""Tool servers repository: RemoteMCPServers/MCPServers and the tools discovered on them.

Filled by the store mirror (sync.py) from each server's status.discoveredTools; read by
/api/tools and /api/toolservers.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select

from bosun.server.db.engine import Database
from bosun.server.db.models import ToolRow, ToolServerRow, utcnow
from bosun.server.db.records import Tool, ToolServer


class ToolServersRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(self, server: ToolServer, tools: list[tuple[str, str]]) -> None:
        """Record a server and replace its tools with `tools` [(name, description)]."""
        key = (server.kind, server.namespace, server.name)
        async with self._db.write() as s:
            row = await s.get(ToolServerRow, key)
            if row is None:
                row = ToolServerRow(kind=server.kind, namespace=server.namespace, name=server.name)
                s.add(row)
            row.description, row.url, row.ready = server.description, server.url, server.ready
            row.updated_at = utcnow()
            await s.execute(delete(ToolRow).where(*self._of(*key)))
            seen: set[str] = set()
            for name, description in tools:
                if name in seen:  # a server listing a name twice must not break the mirror
                    continue
                seen.add(name)
                s.add(
                    ToolRow(
                        server_kind=server.kind,
                        server_namespace=server.namespace,
                        server_name=server.name,
                        name=name,
                        description=description,
                    )
                )

    @staticmethod
    def _of(kind: str, namespace: str, name: str) -> tuple[ColumnElement[bool], ...]:
        return (
            ToolRow.server_kind == kind,
            ToolRow.server_namespace == namespace,
            ToolRow.server_name == name,
        )

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        async with self._db.write() as s:
            await s.execute(delete(ToolRow).where(*self._of(kind, namespace, name)))
            await s.execute(
                delete(ToolServerRow).where(
                    ToolServerRow.kind == kind,
                    ToolServerRow.namespace == namespace,
                    ToolServerRow.name == name,
                )
            )

    async def delete_all(self) -> None:
        async with self._db.write() as s:
            await s.execute(delete(ToolRow))
            await s.execute(delete(ToolServerRow))

    async def servers(self, namespace: str | None = None) -> list[ToolServer]:
        query = select(ToolServerRow).order_by(
            ToolServerRow.namespace, ToolServerRow.name, ToolServerRow.kind
        )
        if namespace is not None:
            query = query.where(ToolServerRow.namespace == namespace)
        async with self._db.sessions() as s:
            return [ToolServer.model_validate(r) for r in (await s.scalars(query)).all()]

    async def tools(self, namespace: str | None = None, server: str | None = None) -> list[Tool]:
        query = select(ToolRow).order_by(
            ToolRow.server_namespace, ToolRow.server_name, ToolRow.name
        )
        if namespace is not None:
            query = query.where(ToolRow.server_namespace == namespace)
        if server is not None:
            query = query.where(ToolRow.server_name == server)
        async with self._db.sessions() as s:
            return [Tool.model_validate(r) for r in (await s.scalars(query)).all()]
