"""/healthz (alive), /readyz (ready to serve), /health, /version and /api/namespaces.

/healthz and /readyz follow Kubernetes' probe conventions: no auth, 200 or 503, and a
body that says why. /health is kept for the clients that already poll it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
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


class Ready(BaseModel):
    status: str
    reasons: list[str] = []


@router.get("/healthz", tags=["meta"])
async def healthz() -> dict[str, str]:
    """Alive: the process serves HTTP (the liveness probe)."""
    return {"status": "ok"}


@router.get("/readyz", tags=["meta"], responses={503: {"model": Ready}})
async def readyz(request: Request) -> JSONResponse:
    """Ready: database migrated, store running, and every gate of the embedder open."""
    if request.app.state.ctx is None:
        reasons = ["starting: opening and migrating the database"]
    else:
        reasons = request.app.state.readiness.reasons()
    if reasons:
        return JSONResponse(Ready(status="not ready", reasons=reasons).model_dump(), 503)
    return JSONResponse(Ready(status="ready").model_dump())


@router.get("/health", tags=["meta"])
async def health(ctx: Ctx) -> Health:
    return Health(status="ok", mode=ctx.settings.mode, database=ctx.db.dialect)


@router.get("/version", tags=["meta"])
async def version() -> Version:
    return Version(version=__version__)


@router.get("/api/namespaces", tags=["namespaces"])
async def namespaces(ctx: Ctx, _: CurrentUser) -> list[Namespace]:
    return [Namespace(name=n) for n in await ctx.namespaces()]
