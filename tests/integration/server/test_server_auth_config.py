"""GET /api/auth/config over real HTTP: unauthenticated, only public values (the exact
body is asserted, so a secret added later fails here), the audience defaulting to the
public client's id, and an ID token issued to that client accepted by the API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from server_harness import control_plane, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.server.db import Database
from bosun.server.settings import Settings

ISSUER = "https://sso.example.test/realms/dev"
CLIENT = "bosun-ui"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'authcfg.db'}")
    yield database
    await database.close()


async def test_oidc_config_is_public_and_the_client_ids_token_is_accepted(
    db: Database, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)

    async def jwks(_: Request) -> JSONResponse:
        return JSONResponse({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    tokens = tmp_path / "tokens.csv"
    tokens.write_text("tok-secret-value,alice\n")
    async with (
        serving(Starlette(routes=[Route("/jwks", jwks)])) as url,
        control_plane(
            db,
            tmp_path,
            auth="oidc",
            oidc_issuer=ISSUER,
            oidc_client_id=CLIENT,  # no audience: it defaults to the client id
            oidc_jwks_url=f"{url}/jwks",
            oidc_user_claim="email",
            token_file=tokens,
        ) as plane,
    ):
        assert (await plane.http.get("/api/me")).status_code == 401
        config = await plane.http.get("/api/auth/config")  # no token
        assert config.status_code == 200
        assert config.json() == {
            "auth": "oidc",
            "oidc": {
                "issuer": ISSUER,
                "client_id": CLIENT,
                "scopes": "openid profile email",
                "audience": CLIENT,
                "redirect_path": "/auth/callback",
            },
        }
        assert "tok-secret-value" not in config.text and str(tmp_path) not in config.text
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": CLIENT, "sub": "u-1", "iat": now}
        claims.update(email="alice@example.com", exp=now + 60)
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        me = await plane.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["user"] == "alice@example.com"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"auth": "none"}, {"auth": "none", "oidc": None}),
        # oidc without a client id: no SSO button, the paste-a-token form only
        (
            {"auth": "oidc", "oidc_issuer": ISSUER, "oidc_audience": "api"},
            {"auth": "oidc", "oidc": None},
        ),
    ],
)
async def test_without_a_client_id_there_is_no_sso(
    db: Database, tmp_path: Path, settings: dict[str, Any], expected: dict[str, Any]
) -> None:
    async with control_plane(db, tmp_path, **settings) as plane:
        response = await plane.http.get("/api/auth/config")
        assert response.status_code == 200 and response.json() == expected


def test_settings_audience_and_redirect_path(tmp_path: Path) -> None:
    explicit = Settings(data_dir=tmp_path, oidc_client_id=CLIENT, oidc_audience="api://bosun")
    assert explicit.oidc_audience == "api://bosun"  # an explicit audience is kept
    # the chart sets BOSUN_OIDC_AUDIENCE="" when auth.oidc.audience is empty
    empty = Settings(data_dir=tmp_path, oidc_client_id=CLIENT, oidc_audience="")
    assert empty.oidc_audience == CLIENT
    with pytest.raises(ValidationError, match="oidc_redirect_path"):
        Settings(data_dir=tmp_path, oidc_redirect_path="//evil.example/cb")
