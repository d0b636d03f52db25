"""Skills under the local supervisor (`bosun up`): ConfigMap, localPaths and git sources land
in the workload's own directory, the agent lists and loads them, a changed git ref is
fetched again, and sources that cannot be fetched make Ready=False naming the field.

The git "server" is a local bare repository reached through an https:// URL that git's
own `url.<base>.insteadOf` (GIT_CONFIG_* in the supervisor's env) rewrites to file://:
the translator accepts only https/ssh URLs, and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from localmode_helpers import condition_of, eventually

from bosun.api.store import ResourceStore
from bosun.controller.local.supervisor import LocalSupervisor
from bosun.mockllm import MockLLM

sys.path.append(str(Path(__file__).parents[1] / "runtime"))
from runtime_helpers import Conversation

pytestmark = pytest.mark.slow  # starts agents and runs git

GIT_BASE = "https://git.example.test/"

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "which skills", "turn": 0},
     "tool_calls": [{"name": "list_skills", "arguments": {}}]},
    {"match": {"tool_result": "list_skills"}, "text": "Skills: {{last_tool_result}}"},
    {"match": {"contains": "tips", "turn": 0},
     "tool_calls": [{"name": "load_skill", "arguments": {"name": "kubectl-tips"}}]},
    {"match": {"tool_result": "load_skill"}, "text": "Loaded: {{last_tool_result}}"},
    {"default": True, "text": "ok"},
]  # fmt: skip


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _skill_md(name: str, description: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}\n"


def git_server(root: Path) -> Path:
    """A repo with tags v1 and v2 of skill helm-release (different descriptions)."""
    work = root / "team.git"
    (work / "helm-release").mkdir(parents=True)
    _git(work, "init", "-q", "-b", "main")
    for tag in ("v1", "v2"):
        text = _skill_md("helm-release", f"Release charts ({tag})", "helm upgrade --install")
        (work / "helm-release" / "SKILL.md").write_text(text)
        _git(work, "add", ".")
        _git(work, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", tag)
        _git(work, "tag", tag)
    return work


@pytest.fixture
async def llm() -> AsyncIterator[MockLLM]:
    with MockLLM(SCRIPT) as mock:
        yield mock


@pytest.fixture
async def local(
    store: ResourceStore, tmp_path: Path, llm: MockLLM
) -> AsyncIterator[LocalSupervisor]:
    repos = tmp_path / "git"
    git_server(repos)
    env = {
        **os.environ,
        "BOSUN_AGENT_DATA": str(tmp_path / "agent-data"),
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.file://{repos}/.insteadOf",
        "GIT_CONFIG_VALUE_0": GIT_BASE,
    }
    sup = LocalSupervisor(store, data_dir=tmp_path / "data", backoff_start=0.2, base_env=env)
    task = asyncio.create_task(sup.run())
    await store.apply(
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "ModelConfig",
            "metadata": {"name": "mock", "namespace": "default"},
            "spec": {
                "provider": "OpenAI",
                "model": "gpt-test",
                "openAI": {"baseUrl": llm.openai_base_url},
            },
        }
    )
    yield sup
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await sup.stop()


def agent(name: str, skills: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "type": "Declarative",
            "declarative": {"modelConfig": "mock", "systemMessage": "You help."},
            "skills": skills,
        },
    }


async def _ready(store: ResourceStore, name: str, within: float = 30.0) -> dict[str, Any]:
    last: dict[str, Any] = {}

    async def ready() -> dict[str, Any] | None:
        last.update(await condition_of(store, "Agent", "default", name, "Ready"))
        return dict(last) if last.get("status") == "True" else None

    try:
        return dict(await eventually(ready, within=within, what=f"{name} Ready"))
    except AssertionError:
        accepted = await condition_of(store, "Agent", "default", name, "Accepted")
        raise AssertionError(f"not Ready: {last} {accepted}") from None


async def _ask(url: str, text: str) -> str:
    conversation = await Conversation.open(url)
    try:
        return (await conversation.send(text, limit=30.0)).final_text()
    finally:
        await conversation.close()


async def test_configmap_local_and_git_skills_are_listed_loaded_and_refetched(
    store: ResourceStore, local: LocalSupervisor, tmp_path: Path
) -> None:
    mine = tmp_path / "my-skills" / "deploy-checklist"
    mine.mkdir(parents=True)
    (mine / "SKILL.md").write_text(_skill_md("deploy-checklist", "Before deploying", "Check."))
    await store.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kubectl-tips", "namespace": "default"},
            "data": {
                "SKILL.md": _skill_md("kubectl-tips", "Handy kubectl", "Sort events by time."),
                "events.sh": "kubectl get events -A",
            },
        }
    )
    skills: dict[str, Any] = {
        "configMapRefs": [{"name": "kubectl-tips"}],
        "localPaths": [str(tmp_path / "my-skills")],
        "gitRefs": [{"url": f"{GIT_BASE}team.git", "ref": "v1", "name": "team"}],
    }
    await store.apply(agent("skilled", skills))
    await _ready(store, "skilled")
    url = local.agent_url("default", "skilled")

    listed = json.loads((await _ask(url, "which skills do you have?")).removeprefix("Skills: "))
    assert {s["name"]: s["description"] for s in listed} == {
        "kubectl-tips": "Handy kubectl",
        "deploy-checklist": "Before deploying",
        "helm-release": "Release charts (v1)",
    }
    loaded = json.loads((await _ask(url, "kubectl tips please")).removeprefix("Loaded: "))
    assert loaded["instructions"] == "Sort events by time.\n"
    assert loaded["files"] == ["events.sh"]

    # every source sits in the workload's own directory, and config.json says so
    run_dir = local.data_dir / "run" / "agent" / "default" / "skilled"
    assert (run_dir / "skills" / "kubectl-tips" / "SKILL.md").is_file()
    assert (run_dir / "skills" / "team" / "helm-release" / "SKILL.md").is_file()
    config = json.loads((run_dir / "volumes" / "config" / "config.json").read_text())
    assert config["skills"]["directory"] == str(run_dir / "skills")
    assert str(run_dir / "skills") in config["skills"]["paths"]
    assert "/skills" not in config["skills"]["paths"]

    # a new ref is fetched again (the directory is kept otherwise)
    skills["gitRefs"][0]["ref"] = "v2"
    pid = local.workloads[("Agent", "default", "skilled")].pid
    await store.apply(agent("skilled", skills))

    async def restarted() -> bool:
        workload = local.workloads[("Agent", "default", "skilled")]
        return workload.ready and workload.pid not in (None, pid)

    await eventually(restarted, within=60.0, what="restart after the ref changed")
    listed = json.loads((await _ask(url, "which skills do you have?")).removeprefix("Skills: "))
    assert {s["name"]: s["description"] for s in listed}["helm-release"] == "Release charts (v2)"


async def test_skill_sources_that_cannot_be_fetched_are_named_in_ready(
    store: ResourceStore, local: LocalSupervisor
) -> None:
    skills = {
        "gitRefs": [
            {"url": f"{GIT_BASE}team.git", "ref": "v1", "name": "team"},
            {"url": f"{GIT_BASE}missing.git", "ref": "main"},
        ],
        "refs": ["127.0.0.1:9/skills/none:v1"],
    }
    await store.apply(agent("broken", skills))

    async def failed() -> dict[str, Any] | None:
        found = await condition_of(store, "Agent", "default", "broken", "Ready")
        return found if found.get("reason") == "InitFailed" else None

    ready = await eventually(failed, within=60.0, what="Ready=False InitFailed")
    assert ready["status"] == "False"
    message = ready["message"]
    assert (
        "spec.skills.gitRefs[1]: skills from https://git.example.test/missing.git (ref main): "
        "fatal: " in message
    )
    assert "spec.skills.refs[0]: skills from image 127.0.0.1:9/skills/none:v1" in message
    assert "spec.skills.gitRefs[0]" not in message  # that one was fetched
    workload = local.workloads[("Agent", "default", "broken")]
    assert workload.process is not None and workload.process.pid is None  # agent not started


async def test_a_missing_git_auth_secret_is_named_in_ready(
    store: ResourceStore, local: LocalSupervisor
) -> None:
    skills = {
        "gitRefs": [{"url": f"{GIT_BASE}team.git", "ref": "v1", "name": "team"}],
        "gitAuthSecretRef": {"name": "git-token"},
    }
    await store.apply(agent("private", skills))

    async def blocked() -> dict[str, Any] | None:
        found = await condition_of(store, "Agent", "default", "private", "Ready")
        return found if found.get("reason") == "ConfigError" else None

    ready = await eventually(blocked, within=30.0, what="Ready=False ConfigError")
    assert "git-token" in ready["message"]
