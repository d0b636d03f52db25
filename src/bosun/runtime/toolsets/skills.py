"""The skills tools the model sees: list_skills, load_skill, read_skill_file (runtime/skills.py).

Errors (an unknown skill, a file outside the skill) go back to the model as text it can
act on.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai.toolsets import FunctionToolset

from bosun.runtime.deps import TurnDeps
from bosun.runtime.skills import SkillError, Skills


def skills_toolset(skills: Skills) -> FunctionToolset[TurnDeps]:
    toolset: FunctionToolset[TurnDeps] = FunctionToolset()

    @toolset.tool_plain
    def list_skills() -> list[dict[str, str]]:
        """The skills you can load: name and what each is for."""
        return [{"name": s.name, "description": s.description} for s in skills.all()]

    @toolset.tool_plain
    def load_skill(name: str) -> dict[str, Any] | str:
        """A skill's instructions (its SKILL.md) and the names of its other files."""
        try:
            skill = skills.get(name)
            return {
                "name": skill.name,
                "instructions": skill.instructions(),
                "files": skill.files(),
            }
        except (SkillError, OSError) as exc:
            return str(exc)

    @toolset.tool_plain
    def read_skill_file(name: str, path: str) -> str:
        """One file of a skill (a path from load_skill's `files`)."""
        try:
            return skills.get(name).read(path)
        except (SkillError, OSError) as exc:
            return str(exc)

    return toolset
