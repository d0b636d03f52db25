"""The agent card as served: agent-card.json from the config dir, for A2A 1.0 and 0.3 clients.

Used by `bosun.runtime.app` at start (no a2a-sdk import: the card is served before the
heavy imports finish) and by `bosun.runtime.service` (capabilities for the handler).

Two views of one card, chosen by the request's `A2A-Version` header (`card_view`), the
header A2A 1.0 clients send on every request, the card fetch included (the a2a-sdk 1.x
client does):

- 1.0 (`A2A-Version: 1.x`): only A2A 1.0 AgentCard fields, so the card validates against
  the 1.0 schema. Every interface this process serves is in `supportedInterfaces`:
  JSON-RPC at the base URL and HTTP+JSON under `/v1`, each for protocol 1.0 and 0.3.
- 0.3 (no header, or `0.x`): the 1.0 card plus the top-level fields a 0.3 client reads
  (`url`, `preferredTransport`, `protocolVersion`, `additionalInterfaces`), which is what
  the a2a-sdk's own card route serves (a unit test compares the two).

The runtime, not agent-card.json, decides the interfaces and the protocol capabilities:
it is what serves them. `streaming` and `pushNotifications` are always true (SSE streams
and re-subscription work whether or not the model's tokens are streamed, which is
config.json's `stream`).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bosun import __version__
from bosun.api.config import AGENT_CARD_FILE, AgentConfig, agent_card

LEGACY_VERSION = "0.3"
CURRENT_VERSION = "1.0"
VERSION_HEADER = "a2a-version"
REST_PATH = "v1"
"""The HTTP+JSON binding lives under {base}/v1 (both versions: 0.3 clients add /v1 themselves)."""

# A2A 1.0 AgentCard and AgentCapabilities fields (a2a.proto); anything else is 0.3 or unknown.
_V1_FIELDS = frozenset(
    {
        "name", "description", "supportedInterfaces", "provider", "version",
        "documentationUrl", "capabilities", "securitySchemes", "securityRequirements",
        "defaultInputModes", "defaultOutputModes", "skills", "signatures", "iconUrl",
    }
)  # fmt: skip
_V1_CAPABILITIES = frozenset({"streaming", "pushNotifications", "extensions", "extendedAgentCard"})


class CardError(ValueError):
    """agent-card.json cannot be used; the message names the file and the problem."""


def load_card(config_dir: Path, config: AgentConfig) -> dict[str, Any]:
    """agent-card.json, or a card made from config.json when the file is absent."""
    path = config_dir / AGENT_CARD_FILE
    if not path.exists():
        return agent_card(
            name=config.name,
            description=config.description,
            url="",
            streaming=config.stream,
            skills=[],
            version=__version__,
        )
    try:
        card = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CardError(f"{path}: cannot read the agent card: {exc}") from None
    if not isinstance(card, dict) or not card.get("name"):
        raise CardError(f"{path}: an agent card is a JSON object with at least `name`")
    return card


def base_url_of(card: dict[str, Any]) -> str:
    """The URL of the card's first JSON-RPC interface (else any), "" when it has none."""
    interfaces = [i for i in card.get("supportedInterfaces") or [] if isinstance(i, dict)]
    jsonrpc = [i for i in interfaces if i.get("protocolBinding") == "JSONRPC"]
    for interface in jsonrpc + interfaces:
        if interface.get("url"):
            return str(interface["url"])
    return str(card.get("url") or "")


def rest_url(base: str) -> str:
    return f"{base.rstrip('/')}/{REST_PATH}" if base else ""


def interfaces(base: str) -> list[dict[str, str]]:
    """What this process serves: JSON-RPC and HTTP+JSON, each for 1.0 then 0.3."""
    return [
        {"url": base, "protocolBinding": "JSONRPC", "protocolVersion": CURRENT_VERSION},
        {"url": rest_url(base), "protocolBinding": "HTTP+JSON", "protocolVersion": CURRENT_VERSION},
        {"url": base, "protocolBinding": "JSONRPC", "protocolVersion": LEGACY_VERSION},
        # A 0.3 REST client appends /v1/... to the interface URL itself.
        {"url": base, "protocolBinding": "HTTP+JSON", "protocolVersion": LEGACY_VERSION},
    ]


def v1_card(card: dict[str, Any], *, url: str | None) -> dict[str, Any]:
    """The A2A 1.0 card: 1.0 fields only, the interfaces at `url` (else the card's own)."""
    base = url if url is not None else base_url_of(card)
    served = {k: copy.deepcopy(v) for k, v in card.items() if k in _V1_FIELDS}
    served["supportedInterfaces"] = interfaces(base)
    capabilities = {
        k: v for k, v in (card.get("capabilities") or {}).items() if k in _V1_CAPABILITIES
    }
    capabilities["streaming"] = True
    capabilities["pushNotifications"] = True  # bosun.runtime.push
    served["capabilities"] = capabilities
    served.setdefault("description", "")
    served.setdefault("version", __version__)
    served.setdefault("defaultInputModes", ["text"])
    served.setdefault("defaultOutputModes", ["text"])
    served.setdefault("skills", [])
    return served


def compat_card(v1: dict[str, Any]) -> dict[str, Any]:
    """The 1.0 card plus the fields a 0.3 client reads (as the a2a-sdk's card route does)."""
    served = copy.deepcopy(v1)
    legacy = [i for i in v1["supportedInterfaces"] if i["protocolVersion"] == LEGACY_VERSION]
    primary = legacy[0]
    served["url"] = primary["url"]
    served["preferredTransport"] = primary["protocolBinding"]
    served["protocolVersion"] = LEGACY_VERSION
    served["additionalInterfaces"] = [
        {"url": i["url"], "transport": i["protocolBinding"]} for i in legacy[1:]
    ]
    return served


def served_card(card: dict[str, Any], *, url: str | None) -> dict[str, Any]:
    """The 0.3-compatible view (1.0 fields plus 0.3's) with its URLs set to `url`."""
    return compat_card(v1_card(card, url=url))


def wants_v1(version: str | None) -> bool:
    """Whether an A2A-Version header value asks for protocol 1.x (absent means 0.3)."""
    if not version:
        return False
    major = version.strip().split(".", 1)[0]
    return major.isdigit() and int(major) >= 1


def card_view(card: dict[str, Any], *, url: str | None, version: str | None) -> dict[str, Any]:
    """The card for a request that sent `A2A-Version: version` (None when it sent none)."""
    v1 = v1_card(card, url=url)
    return v1 if wants_v1(version) else compat_card(v1)


def has_url(card: dict[str, Any]) -> bool:
    return bool(base_url_of(card))
