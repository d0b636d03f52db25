"""Per-agent tokens of local mode: the agent's ref and an expiry, signed by the secret key.

The control plane mints them (`agent_token`, through governance.agent_token_minter) and
the local supervisor writes one to each agent's token file (the local stand-in for the
projected ServiceAccount token a pod mounts), rewriting it well before it expires. The
model gateway and the A2A proxy check them (`check`, `verify`) without any state, so a
restart or a second replica accepts them too. In a cluster the agent's projected
ServiceAccount token plays this role (TokenReview); like it, a local token lives
`bosun.api.gateway.TOKEN_SECONDS` (an hour), so a leaked one stops working.

Format: `bgw2.<namespace>.<name>.<unix expiry>.<hex hmac of namespace/name/expiry>`. The
earlier `bgw1.` tokens (no expiry) are recognised as ours only to be refused: nothing
stored them (they lived in process environments), so none needs to keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bosun.api import gateway as contract

PREFIX = "bgw2."
_OLD_PREFIXES = ("bgw1.",)  # refused, but still "a gateway token" (a clear 401)
_CONTEXT = b"bosun model gateway agent token v2\n"


@dataclass(frozen=True)
class AgentToken:
    """What a validly signed token says (it may have expired: see `expired`)."""

    namespace: str
    name: str
    expires: int  # unix seconds

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires

    def expires_text(self) -> str:
        return datetime.fromtimestamp(self.expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def agent_token(key: bytes, namespace: str, name: str, *, expires: int | None = None) -> str:
    """`bgw2.<namespace>.<name>.<expires>.<hex hmac>`: the agent, until `expires` (unix
    seconds; default TOKEN_SECONDS from now, as a projected ServiceAccount token)."""
    if expires is None:
        expires = int(time.time()) + contract.TOKEN_SECONDS
    return f"{PREFIX}{namespace}.{name}.{expires}.{_mac(key, namespace, name, expires)}"


def _mac(key: bytes, namespace: str, name: str, expires: int) -> str:
    message = _CONTEXT + f"{namespace}/{name}/{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def check(key: bytes, token: str) -> AgentToken | None:
    """What a token signed by `key` says, expired or not; None when it is not ours,
    forged, or of the old format.

    Namespaces are DNS labels (no dots), so the first dot ends the namespace; agent names
    may hold dots, so the MAC follows the last dot and the expiry the one before it."""
    if not token.startswith(PREFIX):
        return None
    namespace, _, rest = token[len(PREFIX) :].partition(".")
    rest, _, mac = rest.rpartition(".")
    name, _, expires_text = rest.rpartition(".")
    if not namespace or not name or not mac or not expires_text.isdigit():
        return None
    expires = int(expires_text)
    if not hmac.compare_digest(mac, _mac(key, namespace, name, expires)):
        return None
    return AgentToken(namespace, name, expires)


def verify(key: bytes, token: str, now: float | None = None) -> tuple[str, str] | None:
    """(namespace, name) of a valid token that has not expired at `now`, else None."""
    found = check(key, token)
    if found is None or found.expired(now):
        return None
    return found.namespace, found.name


def is_gateway_token(token: str) -> bool:
    return token.startswith((PREFIX, *_OLD_PREFIXES))
