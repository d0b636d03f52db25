"""GET /api/auth/config: what the web UI needs before anyone is signed in (no auth).

The UI calls it when /api/me answers 401: in auth mode `oidc` with a client id set, it
runs the authorization-code flow with PKCE against the issuer (ui/src/auth/oidc.ts) and
sends the ID token it gets as the bearer token. Only public values: the issuer, the
public client's id, the scopes, the audience the API checks and the redirect path. A
public client has no secret, and nothing else of the settings is returned.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bosun.server.context import Ctx
from bosun.server.errors import ERROR_RESPONSES
from bosun.server.settings import AuthMode

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)


class OIDCLogin(BaseModel):
    issuer: str
    client_id: str = Field(description="the UI's public client (no secret)")
    scopes: str = Field(description="space-separated, as sent in the authorize request")
    audience: str | None = Field(description="the `aud` the API requires (the client id)")
    redirect_path: str = Field(description="redirect URI = the UI's origin + this path")


class AuthConfig(BaseModel):
    auth: AuthMode = Field(description="the server's auth mode")
    oidc: OIDCLogin | None = Field(
        default=None,
        description="set in mode oidc with BOSUN_OIDC_CLIENT_ID: the UI offers SSO sign-in",
    )


@router.get("/config")
async def auth_config(ctx: Ctx) -> AuthConfig:
    settings = ctx.settings
    if settings.auth != "oidc" or not settings.oidc_issuer or not settings.oidc_client_id:
        return AuthConfig(auth=settings.auth)
    return AuthConfig(
        auth=settings.auth,
        oidc=OIDCLogin(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            scopes=settings.oidc_scopes,
            audience=settings.oidc_audience,
            redirect_path=settings.oidc_redirect_path,
        ),
    )
