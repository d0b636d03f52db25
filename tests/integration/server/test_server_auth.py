"""Authentication modes over real HTTP: static tokens, OIDC against a served JWKS, and
ServiceAccount tokens checked by TokenReview (a kmock Kubernetes API).

Valid, expired, wrong audience, wrong issuer, unknown key, missing token; users see only
their own sessions; agents act for the user they name.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import kmock
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lightkube import KubeConfig
from lightkube.config.models import Cluster, User
from server_harness import Plane, control_plane, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.server.auth.serviceaccount import LightkubeReview
from bosun.server.db import Database

ISSUER = "https://issuer.test"
AUDIENCE = "bosun"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}")
    yield database
    await database.close()


@pytest.fixture
async def token_plane(db: Database, tmp_path: Path) -> AsyncIterator[Plane]:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('# token,user,uid,groups\ntok-alice,alice\ntok-bob,bob,2,"dev,ops"\n')
    async with control_plane(db, tmp_path, auth="token", token_file=tokens) as plane:
        yield plane


async def test_token_mode(token_plane: Plane) -> None:
    http = token_plane.http
    missing = await http.get("/api/sessions")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert "missing bearer token" in missing.json()["message"]
    assert (await http.get("/api/sessions", headers=bearer("nope"))).status_code == 401
    basic = await http.get("/api/sessions", headers={"Authorization": "Basic dG9rLWFsaWNl"})
    assert basic.status_code == 401
    assert (await http.get("/health")).status_code == 200  # health needs no token
    # Users cannot act for others: X-Bosun-User from a user is ignored.
    created = await http.post(
        "/api/sessions", json={}, headers={**bearer("tok-alice"), "X-Bosun-User": "bob"}
    )
    assert created.status_code == 201 and created.json()["user_id"] == "alice"
    sid = created.json()["id"]
    assert (await http.get(f"/api/sessions/{sid}", headers=bearer("tok-bob"))).status_code == 404
    assert (await http.get("/api/sessions", headers=bearer("tok-bob"))).json() == []
    on_behalf = await http.post(
        "/api/sessions", json={"user_id": "carol"}, headers=bearer("tok-bob")
    )
    assert on_behalf.status_code == 403 and on_behalf.json()["field"] == "user_id"
    # Usage: non-admins see their own only.
    denied = await http.get("/api/usage", params={"user_id": "alice"}, headers=bearer("tok-bob"))
    assert denied.status_code == 422
    a2a = await http.post("/api/a2a/default/x", json={}, headers={})
    assert a2a.status_code == 401


# --- OIDC -------------------------------------------------------------------------------


class Issuer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def token(self, *, key: Any = None, kid: str = "k1", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "u-123", "email": "alice@example.com",
                "iat": now, "exp": now + 300, **claims}  # fmt: skip
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def oidc(db: Database, tmp_path: Path) -> AsyncIterator[tuple[Plane, Issuer]]:
    issuer = Issuer()

    async def jwks(_: Request) -> JSONResponse:
        return JSONResponse(issuer.jwks())

    app = Starlette(routes=[Route("/jwks", jwks)])
    async with (
        serving(app) as url,
        control_plane(
            db,
            tmp_path,
            auth="oidc",
            oidc_issuer=ISSUER,
            oidc_audience=AUDIENCE,
            oidc_jwks_url=f"{url}/jwks",
            oidc_user_claim="email",
        ) as plane,
    ):
        yield plane, issuer


async def test_oidc_valid_expired_wrong_audience_issuer_key_and_missing(
    oidc: tuple[Plane, Issuer],
) -> None:
    plane, issuer = oidc
    ok = await plane.http.post("/api/sessions", json={}, headers=bearer(issuer.token()))
    assert ok.status_code == 201 and ok.json()["user_id"] == "alice@example.com"
    cases = {
        "token expired": issuer.token(exp=int(time.time()) - 3600),
        "audience": issuer.token(aud="someone-else"),
        "issuer": issuer.token(iss="https://evil.test"),
        "signing key": issuer.token(key=issuer.other, kid="k2"),
        "Signature verification failed": issuer.token(key=issuer.other),
        "has no 'email' claim": issuer.token(email=None),
        "missing bearer token": "",
    }
    for expected, token in cases.items():
        headers = bearer(token) if token else {}
        response = await plane.http.get("/api/sessions", headers=headers)
        assert response.status_code == 401, expected
        assert expected in response.json()["message"], (expected, response.json())
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "email": "x"}, key="", algorithm="none")
    assert (await plane.http.get("/api/sessions", headers=bearer(unsigned))).status_code == 401


# --- ServiceAccount tokens (TokenReview) --------------------------------------------------


@pytest.fixture
async def kube() -> AsyncIterator[tuple[kmock.RawHandler, str]]:
    handler = kmock.RawHandler()

    def review(request: Any) -> dict[str, Any]:
        token = request.data["spec"]["token"]
        if token != "sa-token":
            return {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                    "spec": {"token": token}, "status": {"authenticated": False}}  # fmt: skip
        user = {
            "username": "system:serviceaccount:default:helper",
            "groups": ["system:serviceaccounts"],
        }
        status = {"authenticated": True, "user": user}
        return {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                "spec": {"token": token}, "status": status}  # fmt: skip

    handler["post /apis/authentication.k8s.io/v1/tokenreviews"] << review
    async with kmock.Server(handler) as server:
        yield handler, str(server.url).rstrip("/")


async def test_agents_authenticate_with_service_account_tokens(
    db: Database, tmp_path: Path, kube: tuple[kmock.RawHandler, str]
) -> None:
    handler, url = kube
    config = KubeConfig.from_one(cluster=Cluster(server=url), user=User(token="cp"))
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("tok-alice,alice\n")
    async with control_plane(
        db, tmp_path, auth="token", token_file=tokens, service_account_auth=True,
        review=LightkubeReview(config),
    ) as plane:  # fmt: skip
        agent = bearer("sa-token")
        body = {"id": "ctx-1", "agent_ref": "default/helper", "user_id": "alice"}
        created = await plane.http.post("/api/sessions", json=body, headers=agent)
        assert created.status_code == 201 and created.json()["user_id"] == "alice"
        event = await plane.http.post(
            "/api/sessions/ctx-1/events", json={"data": {}}, headers=agent
        )
        assert event.status_code == 201
        mine = await plane.http.get("/api/sessions", headers=bearer("tok-alice"))
        assert [s["id"] for s in mine.json()] == ["ctx-1"]
        for_bob = await plane.http.get("/api/sessions", headers={**agent, "X-Bosun-User": "bob"})
        assert for_bob.json() == []
        assert (await plane.http.get("/api/sessions", headers=bearer("forged"))).status_code == 401
        for _ in range(3):  # cached: one review per token
            await plane.http.get("/api/sessions", headers=agent)
    # Cached: one review per token and audience (the gateway's "bosun", which agents' own
    # projected tokens carry, then the API server's, which this token has).
    audiences = [r.data["spec"].get("audiences") for r in handler["post"]]
    assert audiences == [["bosun"], None, ["bosun"], None]  # sa-token, then forged
