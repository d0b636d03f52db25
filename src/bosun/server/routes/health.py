"""/health, /version and /api/namespaces."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from bosun import __version__
from bosun.server.context import Ctx, CurrentUser

router = APIRouter()


class Health(BaseModel):
    status: str
    mode: str
    database: str


class Version(BaseModel):
    version: str


class Namespace(BaseModel):
    name: str


@router.get("/health", tags=["meta"])
async def health(ctx: Ctx) -> Health:
    return Health(status="ok", mode=ctx.settings.mode, database=ctx.db.dialect)


@router.get("/version", tags=["meta"])
async def version() -> Version:
    return Version(version=__version__)


@router.get("/api/namespaces", tags=["namespaces"])
async def namespaces(ctx: Ctx, _: CurrentUser) -> list[Namespace]:
    return [Namespace(name=n) for n in await ctx.namespaces()]
