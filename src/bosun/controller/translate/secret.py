"""The config Secret of a Declarative agent: config.json and agent-card.json, mounted at /config."""

from __future__ import annotations

from bosun.api.config import AGENT_CARD_FILE, CONFIG_FILE
from bosun.controller.translate.meta import Obj, metadata


def config_secret_name(agent_name: str) -> str:
    return f"{agent_name}-config"


def config_secret(
    agent_name: str,
    namespace: str,
    labels: dict[str, str],
    owner: Obj | None,
    *,
    config_json: str,
    card_json: str,
) -> Obj:
    """In wire form with stringData, so `bosun render` output is readable in a review."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(config_secret_name(agent_name), namespace, labels, owner),
        "type": "Opaque",
        "stringData": {CONFIG_FILE: config_json, AGENT_CARD_FILE: card_json},
    }
