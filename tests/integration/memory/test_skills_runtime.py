"""Skills in the runtime: a local skill folder and one fetched from a git repository are
listed to the model (in the instructions and by list_skills), and load_skill /
read_skill_file give a skill's instructions and files."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import base_config

from bosun.mockllm import MockLLM

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "which skills", "turn": 0},
     "tool_calls": [{"name": "list_skills", "arguments": {}}]},
    {"match": {"tool_result": "list_skills"}, "text": "Skills: {{last_tool_result}}"},
    {"match": {"contains": "events", "turn": 0},
     "tool_calls": [{"name": "load_skill", "arguments": {"name": "kubectl-tips"}}]},
    {"match": {"tool_result": "load_skill"},
     "tool_calls": [{"name": "read_skill_file",
                     "arguments": {"name": "kubectl-tips", "path": "examples/events.sh"}}]},
    {"match": {"tool_result": "read_skill_file"}, "text": "Run: {{last_tool_result}}"},
    {"default": True, "text": "{{system}}"},
]  # fmt: skip


def skill(directory: Path, name: str, description: str, body: str) -> None:
    directory.mkdir(parents=True)
    front = f"---\nname: {name}\ndescription: {description}\n---\n{body}\n"
    (directory / "SKILL.md").write_text(front)


def git_repo(root: Path) -> str:
    skill(root / "skills" / "helm-release", "helm-release", "Release charts with helm", "helm up")
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "."],
        ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "skills"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)  # fmt: skip
    return f"file://{root}"


@pytest.mark.slow  # runs git
async def test_skills_are_listed_and_loaded(start_agent: Any, connect: Any, tmp_path: Path) -> None:
    local = tmp_path / "local-skills"
    skill(
        local / "kubectl-tips", "kubectl-tips", "Handy kubectl one-liners", "Sort events by time."
    )
    (local / "kubectl-tips" / "examples").mkdir()
    (local / "kubectl-tips" / "examples" / "events.sh").write_text("kubectl get events -A")
    url = git_repo(tmp_path / "repo")
    skills = {
        "directory": str(tmp_path / "fetched"),
        "paths": [str(local)],
        "git": [{"url": url, "ref": "main", "path": "skills", "name": "team"}],
    }
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm, skills=skills))
        conv = await connect(agent.url)
        system = (await conv.send("hello")).final_text()
        assert "- helm-release: Release charts with helm" in system
        assert "- kubectl-tips: Handy kubectl one-liners" in system
        listed = (await conv.send("which skills do you have?")).final_text()
        assert '"name":"helm-release"' in listed and '"name":"kubectl-tips"' in listed
        used = await conv.send("show me the events")
        assert used.final_text() == "Run: kubectl get events -A"
        loaded = next(r for r in used.data("tool_result") if r["name"] == "load_skill")
        assert loaded["result"]["instructions"] == "Sort events by time.\n"
        assert loaded["result"]["files"] == ["examples/events.sh"]
    assert (tmp_path / "fetched" / "team" / "helm-release" / "SKILL.md").is_file()
