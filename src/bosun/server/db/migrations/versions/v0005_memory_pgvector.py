"""memories searched with pgvector where PostgreSQL has it

On PostgreSQL whose server offers the `vector` extension (`pg_available_extensions`), create
it (when this role may: it needs a superuser or an extension already created by an admin)
and add the untyped `vector` column `memories.embedding_vec`, filled from the float32 blobs
of the existing rows. Without the extension nothing changes: memories are scored in Python
(bosun.server.db.memories). SQLite: nothing.

Revision ID: 0005_memory_pgvector
Revises: 0004_memory_files
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from bosun.server.db.memories import VECTOR_COLUMN, add_vector_column

revision: str = "0005_memory_pgvector"
down_revision: str | None = "0004_memory_files"
branch_labels: str | None = None
depends_on: str | None = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    available = connection.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    ).first()
    if available is None:
        log.info("PostgreSQL has no pgvector: memories are searched in Python")
        return
    try:
        with connection.begin_nested():  # a refusal must not abort the migration
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError as exc:
        log.warning(
            "pgvector is available but could not be created (%s): memories are searched in"
            " Python; run CREATE EXTENSION vector as a superuser to use it",
            str(exc.orig).splitlines()[0] if exc.orig else exc,
        )
        return
    add_vector_column(connection)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"ALTER TABLE memories DROP COLUMN IF EXISTS {VECTOR_COLUMN}"))
