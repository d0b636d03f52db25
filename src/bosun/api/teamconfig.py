"""config.json of a team workload: the contract between translate/team.py and runtime/team*.

Same file name and place as an agent's (`/config/config.json`, read by `bosun agent
--config`); a top-level `team` key tells the two apart (`is_team_config`). Members are
reached like sub-agents (`RemoteAgentSettings`: URL, description), so the team loop
reuses the remote-agent client. No secret inline: the selector's API key is named by
`api_key_env`, as for an agent's model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from bosun.api.config import CONFIG_FILE, ConfigModel, ModelSettings, RemoteAgentSettings

TEAM_HANDOFF_HEADER = "X-Bosun-Team-Handoffs"
"""Request header a Swarm team sends to a member: a JSON list of {name, description} of
the handoff tools (`transfer_to_<name>`) the member's model may call in that turn."""


class TerminationSettings(ConfigModel):
    type: Literal["TextMention", "MaxMessages", "Timeout", "And", "Or"]
    text: str | None = None
    max_messages: int | None = None
    timeout_seconds: float | None = None
    conditions: list[TerminationSettings] = Field(default_factory=list)


class MemberSettings(RemoteAgentSettings):
    """A member: reached like a sub-agent; `member` is its short name in the conversation."""

    member: str = Field(description="The Agent's name (how the conversation names it).")
    handoffs: list[str] = Field(
        default_factory=list, description="Swarm: members this one may hand off to."
    )


class SelectorSettings(ConfigModel):
    model: ModelSettings
    instruction: str
    allow_repeated_speaker: bool = True
    max_retries: int = 2


class TeamSettings(ConfigModel):
    type: Literal["RoundRobin", "Selector", "Swarm"]
    members: list[MemberSettings] = Field(min_length=1)
    termination: TerminationSettings | None = None
    max_turns: int = 10
    member_timeout: float = Field(default=300.0, description="Seconds per member turn.")
    selector: SelectorSettings | None = None


class TeamConfig(ConfigModel):
    """config.json of a team."""

    name: str = Field(description="namespace/name of the AgentTeam.")
    description: str = ""
    stream: bool = True
    team: TeamSettings

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)

    @classmethod
    def load(cls, config_dir: Path) -> TeamConfig:
        return cls.model_validate_json((config_dir / CONFIG_FILE).read_text())


def is_team_config(config_dir: Path) -> bool:
    """Whether config_dir/config.json is a team's (False when unreadable: the agent
    loader then reports the problem)."""
    try:
        data: Any = json.loads((config_dir / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "team" in data
