"""Running a team for tests: member agents (real `bosun agent` apps on free ports, the
scripted fake LLM as their model) and the team app in front of them.

Reuses the runtime tests' helpers (runtime_helpers.py: serve_app, Conversation, configs).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from runtime_helpers import (
    Conversation,
    Exchange,
    RunningAgent,
    base_config,
    mcp_server,
    mcp_settings,
    openai_model,
    serve_app,
    write_config,
)

from bosun.api.teamconfig import TeamConfig
from bosun.mockllm import MockLLM
from bosun.runtime.app import create_app
from bosun.runtime.team_app import create_team_app

__all__ = [
    "Conversation",
    "Exchange",
    "MockLLM",
    "mcp_server",
    "mcp_settings",
    "openai_model",
]


class Team:
    """Start members and a team; `conversation()` talks to the team."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: list[RunningAgent] = []
        self.conversations: list[Conversation] = []

    async def member(
        self, llm: MockLLM, name: str, description: str = "", **extra: Any
    ) -> dict[str, Any]:
        config = base_config(
            llm,
            name=f"default/{name}",
            description=description or f"The {name} member",
            instruction=f"You are {name}.",
            **extra,
        )
        directory = self.tmp / name
        write_config(directory, config)
        agent = await serve_app(create_app(directory, data_dir=self.tmp / f"{name}-data"))
        self.running.append(agent)
        return {
            "name": f"default__{name.replace('-', '_')}",
            "ref": f"default/{name}",
            "url": agent.url,
            "description": description or f"The {name} member",
            "member": name,
        }

    async def start(self, team: dict[str, Any], **extra: Any) -> Conversation:
        config = TeamConfig.model_validate({"name": "default/team", "team": team, **extra})
        directory = self.tmp / "team"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.json").write_text(config.to_json())
        app = create_team_app(directory, config=config, data_dir=self.tmp / "team-data")
        agent = await serve_app(app)
        self.running.append(agent)
        conversation = await Conversation.open(agent.url)
        self.conversations.append(conversation)
        return conversation

    async def close(self) -> None:
        for conversation in self.conversations:
            await conversation.close()
        for agent in reversed(self.running):
            await agent.stop()


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Team]:
    running = Team(tmp_path)
    yield running
    await running.close()


def member_turns(exchange: Exchange) -> list[str]:
    """Member tool names of the team's own calls (one per member turn), in order."""
    return [
        d["name"]
        for d in exchange.data("tool_call")
        if str(d.get("id", "")).startswith("team-") and "parentId" not in d and "parent_id" not in d
    ]


def team_result(exchange: Exchange) -> dict[str, Any]:
    found = [d for d in exchange.data("team_result")]
    assert found, f"no team_result in {exchange.final_text()!r}"
    return found[-1]


Starter = Callable[..., Any]
