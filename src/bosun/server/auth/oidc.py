"""OIDC bearer JWTs (auth mode `oidc`): signature by the issuer's JWKS, exp, aud and iss.

The JWKS is fetched (and cached, refetched on an unknown key id) by PyJWT's PyJWKClient,
in a worker thread because it uses blocking urllib. A token is never decoded without
verification. The user is the configured claim (default `sub`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import jwt

from bosun.server.auth.base import User
from bosun.server.errors import Unauthorized


class OIDCAuthenticator:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        user_claim: str = "sub",
        algorithms: Sequence[str] = ("RS256", "ES256"),
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.user_claim = user_claim
        self.algorithms = list(algorithms)
        self.admins = admins
        url = jwks_url or issuer.rstrip("/") + "/.well-known/jwks.json"
        self._jwks = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=10)

    def _verify(self, token: str) -> dict[str, object]:
        key = self._jwks.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key,
            algorithms=self.algorithms,
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iss", "aud"]},
            leeway=30,
        )

    async def authenticate(self, token: str) -> User | None:
        try:
            claims = await asyncio.to_thread(self._verify, token)
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized(f"token audience is not {self.audience!r}") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized(f"token issuer is not {self.issuer!r}") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("cannot fetch the issuer's signing keys") from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"token signing key not found: {exc}") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        subject = claims.get(self.user_claim)
        if not isinstance(subject, str) or not subject:
            raise Unauthorized(f"token has no {self.user_claim!r} claim")
        raw_groups = claims.get("groups")
        groups = tuple(str(g) for g in raw_groups) if isinstance(raw_groups, list) else ()
        admin = subject in self.admins or any(f"group:{g}" in self.admins for g in groups)
        return User(subject, groups=groups, admin=admin)
