"""Skills: folders with a SKILL.md (Anthropic's agent-skills format) the agent can load.

Built by `bosun.runtime.engine.build_engine` when config.json has `skills`. Each directory
of `skills.paths` is scanned: a directory holding SKILL.md is one skill, otherwise each of
its subdirectories (and theirs, one level more: a git repo of skills) that holds one is.
SKILL.md starts with YAML front matter (`name`, `description`); the rest is the skill's
instructions. Progressive disclosure: the instructions list only the names and
descriptions; the model loads a skill's instructions with `load_skill` and its other
files with `read_skill_file` (toolsets/skills.py). Git and OCI sources that are not on
disk yet, or were fetched from another ref (no init container ran: `bosun agent` started
by hand), are fetched first (skills_fetch.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bosun.api.config import SkillsSettings

log = logging.getLogger("bosun.runtime")

MAX_FILE_CHARS = 50_000
MAX_FILES_LISTED = 200


class SkillError(ValueError):
    """A skill or one of its files cannot be read; the message says which."""


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    root: Path

    def instructions(self) -> str:
        return split_front_matter((self.root / "SKILL.md").read_text(errors="replace"))[1]

    def files(self) -> list[str]:
        found = []
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if path.is_file() and relative.parts[0] != ".git" and str(relative) != "SKILL.md":
                found.append(str(relative))
            if len(found) >= MAX_FILES_LISTED:
                break
        return found

    def read(self, relative: str) -> str:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            raise SkillError(f"skill {self.name!r} has no file {relative!r}")
        data = target.read_bytes()
        if b"\0" in data[:4096]:
            return f"[{relative}: binary file, {len(data)} bytes]"
        text = data.decode("utf-8", errors="replace")
        if len(text) > MAX_FILE_CHARS:
            text = text[:MAX_FILE_CHARS] + f"\n…[cut: {MAX_FILE_CHARS} of {len(text)} characters]"
        return text


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body) of a SKILL.md; no front matter gives ({}, text)."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    import yaml  # here: an agent without skills never needs it (~15 ms, 1 MB at start)

    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError:
        meta = {}
    body = text[end + 4 :].lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body


def _skill(root: Path) -> Skill:
    meta, body = split_front_matter((root / "SKILL.md").read_text(errors="replace"))
    description = str(meta.get("description") or body.strip().split("\n", 1)[0][:200])
    return Skill(name=str(meta.get("name") or root.name), description=description, root=root)


def discover(paths: list[str]) -> list[Skill]:
    found: dict[str, Skill] = {}

    def visit(directory: Path, depth: int) -> None:
        if (directory / "SKILL.md").is_file():
            skill = _skill(directory)
            found.setdefault(skill.name, skill)
            return
        if depth == 0:
            return
        for child in sorted(p for p in directory.iterdir() if p.is_dir()):
            if not child.name.startswith("."):
                visit(child, depth - 1)

    for path in paths:
        directory = Path(path)
        if directory.is_dir():
            visit(directory, 2)
        else:
            log.warning("skills directory %s does not exist", directory)
    return sorted(found.values(), key=lambda s: s.name)


class Skills:
    """The agent's skills, looked up again when asked (a fetched or mounted skill appears)."""

    def __init__(self, settings: SkillsSettings, extra_paths: list[str] | None = None) -> None:
        self.settings = settings
        self.paths = [*settings.paths, *(extra_paths or [])]

    def all(self) -> list[Skill]:
        return discover(self.paths)

    def get(self, name: str) -> Skill:
        for skill in self.all():
            if skill.name == name:
                return skill
        known = ", ".join(s.name for s in self.all()) or "none"
        raise SkillError(f"no skill named {name!r} (skills: {known})")

    def instructions(self) -> str | None:
        skills = self.all()
        if not skills:
            return None
        lines = [f"- {s.name}: {s.description}" for s in skills]
        return "\n".join(
            ["Skills you can use (read one with load_skill before following it):", *lines]
        )


def build_skills(settings: SkillsSettings, *, data_dir: Path | None = None) -> Skills:
    """Fetch git sources that are not on disk yet (local mode), then the skills."""
    from bosun.runtime.skills_fetch import ensure_fetched

    extra = ensure_fetched(settings, data_dir=data_dir)
    return Skills(settings, extra_paths=extra)
