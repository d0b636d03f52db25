"""A small OpenID Connect provider for the UI's SSO test (test_ui_oidc_login.py).

Discovery, /authorize (no login form: it redirects straight back with a code for one
fixed user), /token (checks the PKCE verifier against the S256 challenge it was given,
the redirect URI and the client; answers an RS256 ID token) and the JWKS the control
plane verifies it with. CORS for the control plane's origin only, as a real provider
configured with that web origin. Runs uvicorn in a thread: `with FakeOIDC(origin) as idp`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bosun.controller.local.ports import free_port

CLIENT_ID = "bosun-ui"
USER = {"sub": "u-alice", "email": "alice@example.com", "name": "Alice Example"}


@dataclass
class Grant:
    challenge: str
    redirect_uri: str
    nonce: str | None


@dataclass
class FakeOIDC:
    origin: str  # the control plane's: the only registered redirect and CORS origin
    port: int = field(default_factory=free_port)
    deny: bool = False  # /authorize answers error=access_denied
    fail_token: bool = False  # /token answers 400 invalid_grant
    token_requests: int = 0
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    _grants: dict[str, Grant] = field(default_factory=dict)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.origin}/auth/callback"

    def id_token(self, *, expires_in: int = 300, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + expires_in}
        body.update(USER)
        body.update(claims)
        return jwt.encode(body, self.key, algorithm="RS256", headers={"kid": "test-key"})

    # --- the endpoints ---------------------------------------------------------------

    async def discovery(self, _: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/.well-known/jwks.json",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(self, _: Request) -> JSONResponse:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**jwk, "kid": "test-key", "use": "sig", "alg": "RS256"}]})

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != self.redirect_uri:
            # a real provider shows an error page, never redirects to an unregistered URI
            return Response("unknown client or redirect_uri", status_code=400)
        back = {"state": q.get("state", "")}
        if self.deny:
            back.update(error="access_denied", error_description="The user said no")
        elif q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            back.update(error="invalid_request", error_description="code + S256 only")
        elif "openid" not in q.get("scope", "").split():
            back.update(error="invalid_scope", error_description="openid is required")
        else:
            code = secrets.token_urlsafe(16)
            challenge = q.get("code_challenge", "")
            self._grants[code] = Grant(challenge, self.redirect_uri, q.get("nonce"))
            back["code"] = code
        return RedirectResponse(f"{self.redirect_uri}?{urlencode(back)}", status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        self.token_requests += 1
        form = await request.form()

        def refuse(description: str) -> JSONResponse:
            body = {"error": "invalid_grant", "error_description": description}
            return JSONResponse(body, status_code=400)

        if self.fail_token:
            return refuse("the code was revoked")
        if form.get("grant_type") != "authorization_code" or form.get("client_id") != CLIENT_ID:
            return refuse("authorization_code for bosun-ui only")
        grant = self._grants.pop(str(form.get("code", "")), None)  # single use
        if grant is None:
            return refuse("unknown or used code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return refuse("redirect_uri differs from the authorize request's")
        digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return refuse("PKCE verification failed")
        nonce: dict[str, Any] = {"nonce": grant.nonce} if grant.nonce else {}
        id_token = self.id_token(**nonce)
        access = secrets.token_urlsafe(16)
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
        return JSONResponse({**body, "id_token": id_token})

    # --- running -----------------------------------------------------------------------

    def __enter__(self) -> FakeOIDC:
        cors = Middleware(
            CORSMiddleware, allow_origins=[self.origin], allow_methods=["GET", "POST"]
        )
        app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/.well-known/jwks.json", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ],
            middleware=[cors],
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the fake OIDC provider did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(10)
