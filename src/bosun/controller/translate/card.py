"""The agent card (agent-card.json) of a Declarative agent: name, description, skills, URL."""

from __future__ import annotations

from typing import Any

from bosun.api.agent import Agent
from bosun.api.config import CardSkill, agent_card
from bosun.controller.translate.interface import TranslateOptions
from bosun.controller.translate.tools import agent_url


def build_card(agent: Agent, options: TranslateOptions) -> dict[str, Any]:
    spec = agent.spec.declarative
    assert spec is not None
    skills = spec.a2a_config.skills if spec.a2a_config else []
    return agent_card(
        name=agent.name,
        description=agent.spec.description,
        url=agent_url(agent.namespace, agent.name, options),
        streaming=spec.stream,
        skills=[CardSkill.model_validate(s.to_wire()) for s in skills],
        # The card's version follows the Agent's spec generation (1 when not stored yet).
        version=str(agent.metadata.generation or 1),
    )
