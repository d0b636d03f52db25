"""The Selector team's speaker choice: an LLM reads the conversation and names the next member.

Used by bosun.runtime.team_loop. The selector model (config.json `team.selector.model`,
built with the agents' one provider switch, bosun.runtime.models) gets the members'
names and descriptions and the conversation, and answers with a name. An answer that
names no member (or the previous speaker when repeats are not allowed) is sent back with
the list of valid names, up to `max_retries` times; then the run fails with a message
quoting what the selector said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bosun.api.teamconfig import MemberSettings, SelectorSettings


class SelectorFailed(RuntimeError):
    """The selector did not name a member; the message says what it answered."""


def selector_instruction(settings: SelectorSettings, members: Sequence[MemberSettings]) -> str:
    listing = "\n".join(f"- {m.member}: {m.description or '(no description)'}" for m in members)
    return (
        f"{settings.instruction}\n\nThe members:\n{listing}\n\n"
        "Answer with the name of the member who speaks next, and nothing else."
    )


def match_member(answer: str, names: Sequence[str]) -> str | None:
    """The member an answer names: exactly, ignoring case and punctuation, or as a word."""
    cleaned = answer.strip().strip("`'\".:*").strip()
    for name in names:
        if cleaned.lower() == name.lower():
            return name
    hits = [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", answer, re.I)]
    return hits[0] if len(hits) == 1 else None


class Selector:
    """Asks the selector model; one pydantic-ai Agent per team process."""

    def __init__(self, settings: SelectorSettings, members: Sequence[MemberSettings]) -> None:
        self.settings = settings
        self.members = list(members)
        self._agent: Any = None

    def _engine(self) -> Any:
        if self._agent is None:
            from pydantic_ai import Agent

            from bosun.runtime.models import build_model

            self._agent = Agent(
                build_model(self.settings.model),
                instructions=selector_instruction(self.settings, self.members),
                output_type=str,
                name="team-selector",
            )
        return self._agent

    async def pick(self, transcript: str, previous: str | None) -> str:
        """The next speaker's member name. Raises SelectorFailed."""
        names = [m.member for m in self.members]
        allowed = names
        if previous is not None and not self.settings.allow_repeated_speaker and len(names) > 1:
            allowed = [n for n in names if n != previous]
        agent = self._engine()
        prompt = f"The conversation so far:\n{transcript}\n\nWho speaks next? One of: " + ", ".join(
            allowed
        )
        history: list[Any] | None = None
        answers: list[str] = []
        for _ in range(self.settings.max_retries + 1):
            result = await agent.run(prompt, message_history=history)
            answer = str(result.output)
            answers.append(answer)
            picked = match_member(answer, allowed)
            if picked is not None:
                return picked
            history = result.all_messages()
            prompt = (
                f"{answer.strip()!r} is not one of the members who may speak next. "
                f"Answer with exactly one of: {', '.join(allowed)}."
            )
        quoted = "; ".join(repr(a.strip()[:80]) for a in answers)
        raise SelectorFailed(
            f"the selector did not name a member who may speak next ({', '.join(allowed)}) "
            f"in {len(answers)} tries: it answered {quoted}"
        )

    async def close(self) -> None:
        client = getattr(getattr(self._agent, "model", None), "client", None)
        close = getattr(client, "close", None)
        if close is not None:
            try:
                await close()
            except Exception:  # closing a pool is best effort
                return
