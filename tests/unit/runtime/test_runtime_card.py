"""The served agent card: the 0.3 view matches what the a2a-sdk's own card route would serve
(v1.0 + v0.3 fields); the 1.0 view has 1.0 fields only; the A2A-Version header picks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from a2a.server.request_handlers.response_helpers import agent_card_to_dict
from a2a.types import AgentCard
from google.protobuf import json_format

from bosun.api.config import AgentConfig, CardSkill, agent_card
from bosun.runtime.card import CardError, card_view, load_card, served_card, wants_v1

CONFIG = AgentConfig.model_validate(
    {"name": "ns/a", "instruction": "x", "model": {"type": "openai", "model": "m"}}
)


def _card(url: str = "http://agent.ns:8080/") -> dict:
    return agent_card(
        name="ns/a",
        description="An agent",
        url=url,
        streaming=True,
        skills=[CardSkill(id="k8s", name="Kubernetes", description="d", tags=["ops"])],
        version="1.2.3",
    )


def _drop_empty(value):
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v not in ([], {}, "", None)}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def test_served_card_equals_the_sdk_view() -> None:
    ours = served_card(_card(), url=None)
    proto = json_format.ParseDict(ours, AgentCard(), ignore_unknown_fields=True)
    sdk = agent_card_to_dict(proto)
    assert _drop_empty(ours) == _drop_empty(sdk)
    assert ours["protocolVersion"] == "0.3" and ours["url"] == "http://agent.ns:8080/"
    versions = [i["protocolVersion"] for i in ours["supportedInterfaces"]]
    assert versions == ["1.0", "1.0", "0.3", "0.3"]


def test_the_version_header_picks_the_view() -> None:
    assert wants_v1("1.0") and wants_v1("1.2") and wants_v1("2")
    assert not wants_v1(None) and not wants_v1("0.3") and not wants_v1("garbage")
    v1 = card_view(_card(), url=None, version="1.0")
    assert "url" not in v1 and "preferredTransport" not in v1
    assert card_view(_card(), url=None, version=None)["url"] == "http://agent.ns:8080/"


def test_public_url_replaces_every_interface_url() -> None:
    served = served_card(_card(), url="http://127.0.0.1:9999/")
    urls = {i["url"] for i in served["supportedInterfaces"]}
    assert urls == {"http://127.0.0.1:9999/", "http://127.0.0.1:9999/v1"}
    assert served["url"] == "http://127.0.0.1:9999/"


def test_load_card_from_file_or_config(tmp_path: Path) -> None:
    assert load_card(tmp_path, CONFIG)["name"] == "ns/a"  # no file: made from config.json
    (tmp_path / "agent-card.json").write_text(json.dumps(_card()))
    assert load_card(tmp_path, CONFIG)["version"] == "1.2.3"
    (tmp_path / "agent-card.json").write_text("{not json")
    with pytest.raises(CardError, match=r"agent-card\.json"):
        load_card(tmp_path, CONFIG)
