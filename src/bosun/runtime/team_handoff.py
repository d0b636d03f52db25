"""Handoff tools a Swarm team gives a member for one turn: `transfer_to_<member>`.

The member side of a Swarm team (bosun.runtime.team_loop is the other). A team calls a
member over A2A with the header `X-Bosun-Team-Handoffs` (bosun.api.teamconfig), a JSON
list of `{name, description}`; for that turn only, the member's model sees one tool per
entry. Calling it does nothing here but answer "Transferred to NAME": the team watches the
member's streamed tool calls, sees the transfer and makes NAME the active member when the
member's turn ends. The tools have no side effect, so a caller that sets the header
gains nothing it could misuse. Without the header (every ordinary request) there are
no such tools. Added to every agent's engine by bosun.runtime.engine.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import TypeAdapter
from pydantic_ai import RunContext
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from bosun.api.teamconfig import TEAM_HANDOFF_HEADER

PREFIX = "transfer_to_"
MAX_HANDOFFS = 20
_ARGS = TypeAdapter(dict[str, Any])


def handoff_tool_name(member: str) -> str:
    """`transfer_to_<member>`, with characters models reject in tool names replaced."""
    return PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", member)[:48]


def parse_handoffs(raw: str | None) -> list[tuple[str, str]]:
    """(member, description) pairs from the header value; malformed entries are skipped."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    found: list[tuple[str, str]] = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
            found.append((item["name"], str(item.get("description", ""))))
    return found[:MAX_HANDOFFS]


class HandoffToolset(AbstractToolset[Any]):
    """The transfer tools named in the request that started the turn."""

    @property
    def id(self) -> str | None:
        return "bosun-team-handoffs"

    def _requested(self, ctx: RunContext[Any]) -> dict[str, tuple[str, str]]:
        headers = getattr(ctx.deps, "request_headers", None) or {}
        raw = headers.get(TEAM_HANDOFF_HEADER.lower()) or headers.get(TEAM_HANDOFF_HEADER)
        return {handoff_tool_name(m): (m, d) for m, d in parse_handoffs(raw)}

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        tools: dict[str, ToolsetTool[Any]] = {}
        for name, (member, description) in self._requested(ctx).items():
            text = f"Hand the conversation over to the team member {member}"
            tools[name] = ToolsetTool(
                toolset=self,
                tool_def=ToolDefinition(
                    name=name,
                    description=f"{text}: {description}" if description else text + ".",
                    parameters_json_schema={"type": "object", "properties": {}},
                ),
                max_retries=1,
                args_validator=_ARGS.validator,  # type: ignore[arg-type]
            )
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        member = self._requested(ctx).get(name, (name.removeprefix(PREFIX), ""))[0]
        return f"Transferred to {member}. Finish your turn with a short note for {member}."
