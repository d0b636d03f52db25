"""Authentication: bearer token -> `User`, by the mode chosen in Settings.auth.

- none: no check; everyone is the default user (or the X-Bosun-User they send). Local only:
  `bosun controlplane` refuses to bind anything but loopback in this mode.
- token: static tokens from a file (tokens.py); oidc: JWTs against a JWKS (oidc.py).
- ServiceAccount tokens (serviceaccount.py) are accepted in addition, in cluster mode.

`Auth.current_user` is the FastAPI dependency every /api route uses; it also attaches the
caller's roles (rbac.py: viewer, editor per namespace, admin) as `User.grants`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from bosun.server.auth.base import USER_HEADER, Authenticator, User
from bosun.server.auth.rbac import Rbac
from bosun.server.auth.serviceaccount import ReviewFn, ServiceAccountAuthenticator
from bosun.server.auth.tokens import StaticTokens
from bosun.server.errors import InvalidInput, Unauthorized
from bosun.server.settings import Settings

MAX_USER_ID = 255


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _acting_for(request: Request) -> str | None:
    value = request.headers.get(USER_HEADER)
    if value is None:
        return None
    value = value.strip()
    if not value or len(value) > MAX_USER_ID:
        raise InvalidInput(f"{USER_HEADER} must be 1 to {MAX_USER_ID} characters", USER_HEADER)
    return value


class Auth:
    def __init__(
        self,
        authenticators: Sequence[Authenticator],
        *,
        default_user: User | None = None,
        rbac: Rbac | None = None,
    ) -> None:
        self._authenticators = list(authenticators)
        self._default = default_user  # set only in mode none
        self.rbac = rbac or Rbac(everyone_admin=default_user is not None)

    @property
    def enabled(self) -> bool:
        return self._default is None

    async def user_for_token(self, token: str | None) -> User:
        if self._default is not None:
            return self._default
        if token is None:
            raise Unauthorized("missing bearer token (Authorization: Bearer ...)")
        first_error: Unauthorized | None = None
        for authenticator in self._authenticators:
            try:
                user = await authenticator.authenticate(token)
            except Unauthorized as exc:
                first_error = first_error or exc
                continue
            if user is not None:
                return user
        raise first_error or Unauthorized("unknown token")

    async def current_user(self, request: Request) -> User:
        """The caller, after X-Bosun-User is applied for those who may act for others."""
        user = await self.user_for_token(_bearer(request))
        acting_for = _acting_for(request)
        if acting_for is not None and user.trusted:
            user = user.acting_for(acting_for)
        return user.with_grants(self.rbac.grants(user))


def build_auth(settings: Settings, *, review: ReviewFn | None = None) -> Auth:
    admins = frozenset(settings.admins)
    authenticators: list[Authenticator] = []
    if settings.auth == "none":
        default = User(settings.default_user, admin=True, trusted=True)
        return Auth([], default_user=default, rbac=Rbac(everyone_admin=True))
    rbac = Rbac.parse(settings.rbac, admins=admins)  # a bad mapping fails at start
    if settings.auth == "token":
        if settings.token_file is None:
            raise ValueError("auth mode token needs BOSUN_TOKEN_FILE")
        authenticators.append(StaticTokens.from_file(settings.token_file, admins))
    elif settings.auth == "oidc":
        if not settings.oidc_issuer or not settings.oidc_audience:
            raise ValueError("auth mode oidc needs BOSUN_OIDC_ISSUER and BOSUN_OIDC_AUDIENCE")
        from bosun.server.auth.oidc import OIDCAuthenticator  # PyJWT + cryptography: ~0.1 s

        authenticators.append(
            OIDCAuthenticator(
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience,
                jwks_url=settings.oidc_jwks_url,
                user_claim=settings.oidc_user_claim,
                algorithms=settings.oidc_algorithms,
                admins=admins,
            )
        )
    if settings.accept_service_accounts:
        # Agents send their projected token of the gateway's audience (one token for the
        # gateway and the API); other workloads the token of the API's audience (default:
        # the Kubernetes API server's own, as `kubectl create token` makes).
        audiences = dict.fromkeys([settings.gateway_audience, settings.service_account_audience])
        authenticators += [ServiceAccountAuthenticator(review, audience=a) for a in audiences]
    return Auth(authenticators, rbac=rbac)


__all__ = ["USER_HEADER", "Auth", "User", "build_auth"]
