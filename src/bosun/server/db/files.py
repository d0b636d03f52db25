"""Files repository: files agents return (MCP images and resources) and users upload.

Bytes are kept in the database (LargeBinary), bounded by the route's size limit
(routes/files.py), with the owner, the session and task they came with, a name and a
content type. Only the owner reads or deletes a file (another user's is not found).
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bosun.server.db.engine import Database
from bosun.server.db.models import ID, NAME, Base, utcnow
from bosun.server.db.records import Record


class FileRow(Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_user_id_session_id", "user_id", "session_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID))
    session_id: Mapped[str | None] = mapped_column(String(ID))
    task_id: Mapped[str | None] = mapped_column(String(ID))
    agent_namespace: Mapped[str | None] = mapped_column(String(63))
    agent_name: Mapped[str | None] = mapped_column(String(NAME))
    name: Mapped[str] = mapped_column(String(1024))
    media_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoredFile(Record):
    id: str
    user_id: str
    session_id: str | None = None
    task_id: str | None = None
    agent_namespace: str | None = None
    agent_name: str | None = None
    name: str
    media_type: str
    size: int
    created_at: datetime


class FilesRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        user_id: str,
        *,
        name: str,
        media_type: str,
        data: bytes,
        session_id: str | None = None,
        task_id: str | None = None,
        agent: tuple[str, str] | None = None,
    ) -> StoredFile:
        async with self._db.write() as s:
            row = FileRow(
                id=str(uuid.uuid4()),
                user_id=user_id,
                session_id=session_id,
                task_id=task_id,
                agent_namespace=agent[0] if agent else None,
                agent_name=agent[1] if agent else None,
                name=name,
                media_type=media_type,
                size=len(data),
                data=data,
                created_at=utcnow(),
            )
            s.add(row)
            await s.flush()
            return StoredFile.model_validate(row)

    async def get(self, scope: str | None, file_id: str) -> tuple[StoredFile, bytes] | None:
        """The file and its bytes; None when missing or not the caller's (scope None: any)."""
        query = select(FileRow).where(FileRow.id == file_id)
        if scope is not None:
            query = query.where(FileRow.user_id == scope)
        async with self._db.sessions() as s:
            row = (await s.scalars(query)).first()
            if row is None:
                return None
            return StoredFile.model_validate(row), bytes(row.data)

    async def list(
        self, scope: str | None, *, session_id: str | None = None, limit: int = 100
    ) -> builtins.list[StoredFile]:
        query = select(FileRow)
        if scope is not None:
            query = query.where(FileRow.user_id == scope)
        if session_id is not None:
            query = query.where(FileRow.session_id == session_id)
        query = query.order_by(FileRow.created_at.desc()).limit(limit)
        async with self._db.sessions() as s:
            return [StoredFile.model_validate(r) for r in (await s.scalars(query)).all()]

    async def delete(self, scope: str | None, file_id: str) -> bool:
        condition = FileRow.id == file_id
        if scope is not None:
            condition = condition & (FileRow.user_id == scope)
        async with self._db.write() as s:
            result = await s.execute(delete(FileRow).where(condition))
            return bool(getattr(result, "rowcount", 0))
