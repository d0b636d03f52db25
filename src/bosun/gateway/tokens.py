"""Per-agent gateway tokens of local mode: an HMAC of the agent's ref with the secret key.

The control plane mints one per agent (`agent_token`) and the local supervisor puts it in
that agent's environment instead of the provider's API key; the gateway checks it
(`verify`) without any state, so a restart or a second replica accepts it too. In a
cluster the agent's projected ServiceAccount token plays this role (TokenReview).
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "bgw1."
_CONTEXT = b"bosun model gateway agent token v1\n"


def agent_token(key: bytes, namespace: str, name: str) -> str:
    """`bgw1.<namespace>.<name>.<hex hmac>`: names the agent, signed by the secret key."""
    return f"{PREFIX}{namespace}.{name}.{_mac(key, namespace, name)}"


def _mac(key: bytes, namespace: str, name: str) -> str:
    message = _CONTEXT + f"{namespace}/{name}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(key: bytes, token: str) -> tuple[str, str] | None:
    """(namespace, name) of a valid token, None for anything else (not ours, or forged).

    Namespaces are DNS labels (no dots), so the first dot ends the namespace; agent names
    may hold dots, so the MAC is what follows the last one."""
    if not token.startswith(PREFIX):
        return None
    namespace, _, rest = token[len(PREFIX) :].partition(".")
    name, _, mac = rest.rpartition(".")
    if not namespace or not name or not mac:
        return None
    if not hmac.compare_digest(mac, _mac(key, namespace, name)):
        return None
    return namespace, name


def is_gateway_token(token: str) -> bool:
    return token.startswith(PREFIX)
