"""The agent card as served: agent-card.json from the config dir, readable by v1.0 and v0.3.

Used by `bosun.runtime.app` at start (no a2a-sdk import: the card is served before the
heavy imports finish). The v0.3 view follows what the a2a-sdk's own card route adds
(a unit test compares the two): an interface entry for protocol 0.3 and the top-level
`url`, `preferredTransport` and `protocolVersion` fields v0.3 clients read.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bosun import __version__
from bosun.api.config import AGENT_CARD_FILE, AgentConfig, agent_card

LEGACY_VERSION = "0.3"


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


def _is_legacy(version: Any) -> bool:
    return not version or str(version).startswith("0.")


def served_card(card: dict[str, Any], *, url: str | None) -> dict[str, Any]:
    """The card with its interface URLs set to `url` (if given) and the v0.3 fields added."""
    served = copy.deepcopy(card)
    interfaces = served.setdefault("supportedInterfaces", [])
    if not interfaces:
        interfaces.append({"url": "", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"})
    if url is not None:
        for interface in interfaces:
            interface["url"] = url
    if not any(_is_legacy(i.get("protocolVersion")) for i in interfaces):
        first = next(
            (i for i in interfaces if i.get("protocolBinding") == "JSONRPC"), interfaces[0]
        )
        interfaces.append({**first, "protocolVersion": LEGACY_VERSION})
    legacy = next(i for i in interfaces if _is_legacy(i.get("protocolVersion")))
    served.setdefault("preferredTransport", legacy.get("protocolBinding", "JSONRPC"))
    served.setdefault("protocolVersion", legacy.get("protocolVersion") or LEGACY_VERSION)
    served.setdefault("url", legacy.get("url", ""))
    served.setdefault("capabilities", {})
    served.setdefault("defaultInputModes", ["text"])
    served.setdefault("defaultOutputModes", ["text"])
    served.setdefault("skills", [])
    return served


def has_url(card: dict[str, Any]) -> bool:
    return any(i.get("url") for i in card.get("supportedInterfaces") or [])
