"""/api/files: files agents return (tool images and resources) and users upload.

`POST /api/files` stores one (base64 in JSON, at most BOSUN_MAX_FILE_BYTES, default 5 MiB,
which keeps it under the request body limit); `GET /api/files/{id}` downloads it with its
content type, as an attachment (never rendered inline from this origin, so an uploaded
HTML or SVG cannot run script here); `GET /api/files?session_id=` lists the caller's
files; `DELETE /api/files/{id}`. Files are the caller's own: an agent acting for a user
stores them for that user, and another user's file is 404.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from bosun.server.context import Ctx, CurrentUser
from bosun.server.db.files import StoredFile
from bosun.server.errors import ERROR_RESPONSES, InvalidInput, NotFoundError
from bosun.server.routes.common import AGENT_REF, IdPath, Limit, split_agent_ref

router = APIRouter(prefix="/api/files", tags=["files"], responses=ERROR_RESPONSES)

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
MEDIA_TYPE = r"^[\w.+-]+/[\w.+-]+$"


def max_file_bytes() -> int:
    try:
        return int(os.environ.get("BOSUN_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))
    except ValueError:
        return DEFAULT_MAX_FILE_BYTES


class FileUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=1024, pattern=r"^[^\x00]*$")
    media_type: str = Field(default="application/octet-stream", max_length=255, pattern=MEDIA_TYPE)
    data: str = Field(description="The file's bytes, base64")
    session_id: str | None = Field(default=None, max_length=255, pattern=r"^[^\x00]*$")
    task_id: str | None = Field(default=None, max_length=255, pattern=r"^[^\x00]*$")
    agent: str | None = Field(default=None, pattern=AGENT_REF, max_length=317)


class FileInfo(StoredFile):
    url: str = Field(description="Where to download it (relative to the control plane)")


class FileList(BaseModel):
    items: list[FileInfo]


def _info(stored: StoredFile) -> FileInfo:
    return FileInfo(**stored.model_dump(), url=f"/api/files/{stored.id}")


@router.post("", status_code=201)
async def upload_file(ctx: Ctx, user: CurrentUser, body: FileUpload) -> FileInfo:
    try:
        data = base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("data must be base64", "data") from None
    limit = max_file_bytes()
    if len(data) > limit:
        raise InvalidInput(
            f"the file has {len(data)} bytes; at most {limit} are kept (BOSUN_MAX_FILE_BYTES)",
            "data",
        )
    stored = await ctx.repos.files.create(
        user.id,
        name=body.name,
        media_type=body.media_type,
        data=data,
        session_id=body.session_id,
        task_id=body.task_id,
        agent=split_agent_ref(body.agent) if body.agent else None,
    )
    return _info(stored)


@router.get("")
async def list_files(
    ctx: Ctx,
    user: CurrentUser,
    session_id: str | None = Query(default=None, max_length=255),
    limit: Limit = 100,
) -> FileList:
    found = await ctx.repos.files.list(user.scope, session_id=session_id, limit=limit)
    return FileList(items=[_info(f) for f in found])


def _disposition(name: str) -> str:
    """ASCII for every client, and the UTF-8 name (RFC 6266 `filename*`) for those that
    read it: a header must be latin-1, and a stored name may be any Unicode."""
    ascii_name = re.sub(r"[^\w.\- ]", "_", name, flags=re.ASCII)[:200] or "file"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != name:
        header += f"; filename*=UTF-8''{quote(name[:200], safe='')}"
    return header


def _media_type(value: str) -> str:
    """The stored type when it is a plain type/subtype, else a download of bytes."""
    ok = re.fullmatch(r"[\w.+-]+/[\w.+-]+(; *[\w.+-]+=[\w.+-]+)*", value, flags=re.ASCII)
    return value if ok else "application/octet-stream"


@router.get("/{file_id}", response_class=Response)
async def download_file(ctx: Ctx, user: CurrentUser, file_id: IdPath) -> Response:
    found = await ctx.repos.files.get(user.scope, file_id)
    if found is None:
        raise NotFoundError(f"file {file_id!r} not found")
    info, data = found
    return Response(
        content=data,
        media_type=_media_type(info.media_type),
        headers={
            "Content-Disposition": _disposition(info.name),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )


@router.delete("/{file_id}", status_code=204)
async def delete_file(ctx: Ctx, user: CurrentUser, file_id: IdPath) -> Response:
    if not await ctx.repos.files.delete(user.scope, file_id):
        raise NotFoundError(f"file {file_id!r} not found")
    return Response(status_code=204)
