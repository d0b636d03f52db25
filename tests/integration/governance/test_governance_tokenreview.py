"""ServiceAccount tokens checked by TokenReview against an emulated Kubernetes API (kmock over
HTTP, lightkube pointed at it), directly and through the real control plane: its REST API
(audience BOSUN_SERVICE_ACCOUNT_AUDIENCE) and its model gateway (audience BOSUN_GATEWAY_AUDIENCE,
"bosun").

The emulated API server answers as a real one does: a token is valid for the audiences it
was minted for, `status.audiences` is the intersection with `spec.audiences` (the API
server's own audience when the review names none). A switch makes it fail (500) or
answer only after a delay; a closed port stands for an API server that is gone.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kmock
import pytest
from lightkube import KubeConfig
from lightkube.config.models import Cluster, User
from server_harness import Plane, control_plane

from bosun.mockllm.recorder import fingerprint
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.auth.serviceaccount import LightkubeReview, ServiceAccountAuthenticator
from bosun.server.db import Database
from bosun.server.errors import Unauthorized, Unavailable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))

from gateway_harness import REAL_KEY, agent, chat, model_config, openai_path, secret

API_SERVER_AUDIENCE = "https://kubernetes.default.svc"
Response = kmock.Response  # type: ignore[attr-defined]  # exported, not in __all__
REVIEWS = "post /apis/authentication.k8s.io/v1/tokenreviews"
# Status and headers on every answer: kmock keeps those of an earlier Response otherwise.
# Exactly application/json, as the API server says (lightkube parses a Status only then).
JSON = {"Content-Type": "application/json"}


@dataclass
class Token:
    username: str
    audiences: tuple[str, ...] = ("bosun",)
    groups: tuple[str, ...] = ("system:serviceaccounts", "system:serviceaccounts:default")


@dataclass
class ApiServer:
    """The TokenReview endpoint of the emulated API server, and what it received."""

    handler: kmock.RawHandler
    url: str
    tokens: dict[str, Token] = field(default_factory=dict)
    failing: int | None = None  # answer this status instead
    plain: bool = False  # ... as text/plain (a proxy in front of it), not a Status
    delay: float = 0.0
    ignores_audiences: bool = False  # an authenticator that is not audience-aware

    def config(self, url: str | None = None) -> KubeConfig:
        # The control plane's own credential towards the API server.
        return KubeConfig.from_one(cluster=Cluster(server=url or self.url), user=User(token="cp"))

    def review(self) -> LightkubeReview:
        return LightkubeReview(self.config())

    def reviews(self) -> list[dict[str, Any]]:
        return [dict(request.data) for request in self.handler[REVIEWS]]

    async def answer(self, request: kmock.Request) -> Any:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failing:
            if self.plain:
                text = {"Content-Type": "text/plain"}
                return Response(status=self.failing, payload=b"bad gateway", headers=text)
            failure = {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                       "code": self.failing, "reason": "InternalError",
                       "message": "etcdserver: request timed out"}  # fmt: skip
            return Response(status=self.failing, payload=failure, headers=JSON)
        spec = request.data["spec"]
        wanted = spec.get("audiences") or [API_SERVER_AUDIENCE]
        found = self.tokens.get(spec["token"])
        status: dict[str, Any] = {"authenticated": False, "error": "invalid bearer token"}
        if found is not None:
            matching = [a for a in wanted if a in found.audiences]
            if self.ignores_audiences:
                status = {"authenticated": True}
            elif matching:
                status = {"authenticated": True, "audiences": matching}
            else:
                status = {"authenticated": False, "error": "token audiences is invalid"}
            if status["authenticated"]:
                status["user"] = {"username": found.username, "groups": list(found.groups)}
        review = {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                  "spec": spec, "status": status}  # fmt: skip
        return Response(status=201, payload=review, headers=JSON)


@pytest.fixture
async def api() -> AsyncIterator[ApiServer]:
    handler = kmock.RawHandler()
    async with kmock.Server(handler) as server:
        emulated = ApiServer(handler, str(server.url).rstrip("/"))
        handler[REVIEWS] << emulated.answer
        emulated.tokens = {
            "sa-helper": Token("system:serviceaccount:default:helper"),
            "sa-team-a": Token("system:serviceaccount:team-a:reporter"),
            "sa-kube-only": Token("system:serviceaccount:default:helper", (API_SERVER_AUDIENCE,)),
            "user-admin": Token("kubernetes-admin", ("bosun",), ("system:masters",)),
        }
        yield emulated


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens once closed


# --- the authenticator itself, against the emulated API server ----------------------------


async def test_a_service_account_token_is_an_agent_reviewed_once(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    user = await sa.authenticate("sa-team-a")
    assert user is not None
    assert (user.id, user.kind, user.trusted) == (
        "system:serviceaccount:team-a:reporter", "agent", True)  # fmt: skip
    assert "system:serviceaccounts" in user.groups
    assert api.reviews() == [
        {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
         "spec": {"token": "sa-team-a", "audiences": ["bosun"]}}
    ]  # fmt: skip
    sent: kmock.Request = next(iter(api.handler[REVIEWS]))
    assert sent.headers["Authorization"] == "Bearer cp"  # the control plane's credential
    assert (await sa.authenticate("sa-team-a")) == user  # cached: no second review
    assert len(api.reviews()) == 1
    assert await sa.authenticate("sa-helper") is not None  # another token: its own review
    assert len(api.reviews()) == 2


async def test_without_audience_the_api_servers_own_is_asked_for(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(api.review(), ttl=0)  # ttl 0: every call reviews
    assert await sa.authenticate("sa-kube-only") is not None
    assert api.reviews()[0]["spec"] == {"token": "sa-kube-only"}  # no audiences sent
    # a token minted for "bosun" only is not valid for the API server's audience
    assert await sa.authenticate("sa-helper") is None
    await sa.authenticate("sa-kube-only")
    assert len(api.reviews()) == 3


async def test_unauthenticated_tokens_are_not_agents_and_the_answer_is_cached(
    api: ApiServer,
) -> None:
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    assert await sa.authenticate("forged") is None
    assert await sa.authenticate("forged") is None
    assert len(api.reviews()) == 1


async def test_a_token_for_another_audience_is_refused(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    assert await sa.authenticate("sa-kube-only") is None  # the API server says: not for bosun
    assert api.reviews()[0]["spec"]["audiences"] == ["bosun"]

    # An authenticator that is not audience-aware says "authenticated" without audiences:
    # the TokenReview API says clients must check status.audiences themselves.
    api.ignores_audiences = True
    with pytest.raises(Unauthorized, match=r"not for audience bosun .*none reported"):
        await ServiceAccountAuthenticator(api.review(), audience="bosun").authenticate(
            "sa-kube-only"
        )


async def test_a_kubernetes_user_that_is_no_service_account_is_refused(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    with pytest.raises(Unauthorized, match="kubernetes-admin is not a Kubernetes ServiceAccount"):
        await sa.authenticate("user-admin")
    with pytest.raises(Unauthorized):  # the refusal is cached as well
        await sa.authenticate("user-admin")
    assert len(api.reviews()) == 1


async def test_a_failing_api_server_is_unavailable_and_not_cached(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    api.failing = 500
    with pytest.raises(Unavailable) as failed:
        await sa.authenticate("sa-helper")
    assert failed.value.status == 503
    assert failed.value.message.startswith("cannot verify the token with the Kubernetes API: ")
    assert failed.value.message.endswith(
        "the API server answered 500: etcdserver: request timed out"
    )
    assert "sa-helper" not in failed.value.message  # never the token
    api.failing = None
    assert await sa.authenticate("sa-helper") is not None  # asked again, not the failure
    assert len(api.reviews()) == 2

    api.failing, api.plain = 502, True
    with pytest.raises(Unavailable, match=r"the API server answered 502: Bad Gateway$"):
        await sa.authenticate("sa-team-a")


async def test_an_unreachable_api_server_is_unavailable(api: ApiServer) -> None:
    sa = ServiceAccountAuthenticator(LightkubeReview(api.config(closed_port_url())))
    with pytest.raises(Unavailable, match="cannot verify the token with the Kubernetes API: Conn"):
        await sa.authenticate("sa-helper")


async def test_a_slow_api_server_times_out(api: ApiServer) -> None:
    api.delay = 2.0
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun", timeout=0.2)
    started = asyncio.get_running_loop().time()
    with pytest.raises(Unavailable, match=r"no answer within 0\.2 s"):
        await sa.authenticate("sa-helper")
    assert asyncio.get_running_loop().time() - started < 1.5


async def test_concurrent_requests_with_one_token_share_one_review(api: ApiServer) -> None:
    api.delay = 0.1
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    users = await asyncio.gather(*(sa.authenticate("sa-helper") for _ in range(5)))
    assert {u.id if u else None for u in users} == {"system:serviceaccount:default:helper"}
    assert len(api.reviews()) == 1

    api.failing = 500  # a shared failure reaches every waiter, and is not kept
    sa = ServiceAccountAuthenticator(api.review(), audience="bosun")
    failed = await asyncio.gather(
        *(sa.authenticate("sa-team-a") for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(f, Unavailable) for f in failed), failed
    api.failing = None
    assert await sa.authenticate("sa-team-a") is not None


# --- through the control plane's REST API ---------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'review.db'}")
    yield database
    await database.close()


@pytest.fixture
async def plane(db: Database, tmp_path: Path, api: ApiServer) -> AsyncIterator[Plane]:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("tok-alice,alice\n")
    rbac = '{"editor": {"team-a": ["serviceaccount:team-a:*", "alice"]}}'
    async with control_plane(
        db, tmp_path, auth="token", token_file=tokens, service_account_auth=True,
        service_account_audience="bosun", rbac=rbac, review=api.review(),
    ) as running:  # fmt: skip
        yield running


async def test_rest_api_knows_the_service_account_as_an_agent_with_its_roles(
    plane: Plane, api: ApiServer
) -> None:
    me = await plane.http.get("/api/me", headers=bearer("sa-team-a"))
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["user"], body["kind"]) == ("system:serviceaccount:team-a:reporter", "agent")
    assert body["roles"] == ["editor:team-a", "viewer:*"]
    helper = (await plane.http.get("/api/me", headers=bearer("sa-helper"))).json()
    assert helper["roles"] == ["viewer:*"]  # default/helper: no grant but an agent's reading
    for _ in range(3):
        assert (await plane.http.get("/api/me", headers=bearer("sa-team-a"))).status_code == 200
    assert [r["spec"] for r in api.reviews()] == [
        {"token": "sa-team-a", "audiences": ["bosun"]},
        {"token": "sa-helper", "audiences": ["bosun"]},
    ]
    alice = await plane.http.get("/api/me", headers=bearer("tok-alice"))
    assert alice.json()["user"] == "alice" and len(api.reviews()) == 2  # static: no review


async def test_rest_api_refuses_what_the_review_refuses_with_a_reason(
    plane: Plane, api: ApiServer
) -> None:
    forged = await plane.http.get("/api/me", headers=bearer("forged"))
    assert forged.status_code == 401 and forged.headers["www-authenticate"] == "Bearer"
    assert forged.json()["error"] == "unauthorized"
    assert forged.json()["message"] == "unknown token"
    other = await plane.http.get("/api/me", headers=bearer("sa-kube-only"))
    assert other.status_code == 401  # valid for the API server only, not for audience bosun
    person = await plane.http.get("/api/me", headers=bearer("user-admin"))
    assert person.status_code == 401
    assert "kubernetes-admin is not a Kubernetes ServiceAccount" in person.json()["message"]


async def test_rest_api_answers_503_while_the_api_server_fails(
    plane: Plane, api: ApiServer
) -> None:
    api.failing = 500
    down = await plane.http.get("/api/me", headers=bearer("sa-helper"))
    assert down.status_code == 503, down.text
    assert down.json()["error"] == "unavailable"
    assert down.json()["message"].startswith("cannot verify the token with the Kubernetes API")
    assert "Traceback" not in down.text
    assert (await plane.http.get("/api/me", headers=bearer("tok-alice"))).status_code == 200
    api.failing = None
    again = await plane.http.get("/api/me", headers=bearer("sa-helper"))
    assert again.status_code == 200 and again.json()["kind"] == "agent"


# --- through the model gateway (audience "bosun", default BOSUN_GATEWAY_AUDIENCE) -----------


async def test_gateway_takes_the_agents_service_account_token(
    db: Database,
    tmp_path: Path,
    api: ApiServer,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm([{"default": True, "text": "hello via the gateway"}])
    async with control_plane(
        db, tmp_path, service_account_auth=True, policy_refresh=0, review=api.review()
    ) as plane:  # auth none for the REST API; the gateway checks its callers regardless
        for body in (secret(), model_config(llm.openai_base_url), agent(), agent("other")):
            await plane.store.apply(body)

        ok = await plane.http.post(openai_path(), json=chat(), headers=bearer("sa-helper"))
        assert ok.status_code == 200, ok.text
        assert ok.json()["choices"][0]["message"]["content"] == "hello via the gateway"
        assert llm.llm_requests()[-1].credentials["authorization"] == fingerprint(REAL_KEY)
        assert api.reviews()[-1]["spec"] == {"token": "sa-helper", "audiences": ["bosun"]}
        await plane.http.post(openai_path(), json=chat(), headers=bearer("sa-helper"))
        assert len(api.reviews()) == 1  # cached
        assert len(llm.llm_requests()) == 2

        # default:helper's token does not open agent other's models (it runs as SA other)
        wrong = await plane.http.post(
            openai_path(agent="other"), json=chat(), headers=bearer("sa-helper")
        )
        assert wrong.status_code == 403
        assert "ServiceAccount helper does not run default/other" in wrong.text

        for token, expected in (
            ("forged", "not a ServiceAccount token of this cluster"),
            ("sa-kube-only", "not a ServiceAccount token of this cluster"),
            ("user-admin", "kubernetes-admin is not a Kubernetes ServiceAccount"),
        ):
            refused = await plane.http.post(openai_path(), json=chat(), headers=bearer(token))
            assert refused.status_code == 401, (token, refused.text)
            assert expected in refused.json()["error"]["message"], (token, refused.text)

        api.failing = 500
        down = await plane.http.post(openai_path(), json=chat(), headers=bearer("sa-team-a"))
        # 503, not 401: the agent's SDK retries it (a 401 would fail the turn at once).
        assert down.status_code == 503, down.text
        assert "cannot verify the token with the Kubernetes API" in down.text
        reviewed = len(api.reviews())
        api.failing = None
        team_a = await plane.http.post(
            openai_path(ns="team-a"), json=chat(), headers=bearer("sa-team-a")
        )
        assert len(api.reviews()) == reviewed + 1  # the failure was not cached: asked again
        assert team_a.status_code == 404, team_a.text  # past the credential: no such agent
        assert "Agent team-a/helper not found" in team_a.text
        assert len(llm.llm_requests()) == 2


async def test_gateway_audience_is_the_one_sent(
    db: Database, tmp_path: Path, api: ApiServer
) -> None:
    async with control_plane(
        db, tmp_path, service_account_auth=True, gateway_audience="models.example",
        review=api.review(),
    ) as plane:  # fmt: skip
        answer = await plane.http.post(openai_path(), json=chat(), headers=bearer("sa-helper"))
        assert answer.status_code == 401  # minted for "bosun" only
        assert api.reviews()[-1]["spec"]["audiences"] == ["models.example"]
