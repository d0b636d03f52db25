"""The skills init step leaves the failing field as the container's termination message.

Kubernetes reads a container's terminationMessagePath (default /dev/termination-log)
when it exits; the operator then puts that line in the Agent's Ready condition. Here
$BOSUN_TERMINATION_MESSAGE_PATH points it at a temporary file. The git sources are local
paths that are not repositories: `git fetch` fails at once, without a network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from bosun.runtime import skills_fetch


def write_config(config_dir: Path, skills: Mapping[str, object]) -> None:
    config_dir.mkdir(exist_ok=True)
    config = {
        "name": "default/skilled",
        "instruction": "You are a test agent.",
        "model": {"type": "openai", "model": "gpt-test", "base_url": "http://127.0.0.1:9/v1"},
        "skills": skills,
    }
    (config_dir / "config.json").write_text(json.dumps(config))


def test_a_failed_fetch_names_each_failing_ref_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    message = tmp_path / "termination-log"
    monkeypatch.setenv(skills_fetch.TERMINATION_PATH_ENV, str(message))
    good = tmp_path / "good"  # a real repository: the first source works
    good.mkdir()
    (good / "SKILL.md").write_text("---\nname: good\ndescription: d\n---\nok\n")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t",
                                                "commit", "-qm", "x"]):  # fmt: skip
        skills_fetch._git(args, token=None, cwd=good)
    missing = tmp_path / "no-such-repo"
    skills = {
        "directory": str(tmp_path / "skills"),
        "paths": [str(tmp_path / "skills")],
        "git": [
            {"url": str(good), "ref": "HEAD", "name": "good"},
            {"url": str(missing), "ref": "main", "name": "broken"},
        ],
    }
    write_config(tmp_path / "config", skills)

    assert skills_fetch.main(["--config", str(tmp_path / "config")]) == 1

    text = message.read_text()
    assert "\n" not in text
    assert text.startswith(f"spec.skills.gitRefs[1]: skills from {missing} (ref main): ")
    assert "gitRefs[0]" not in text  # the source that worked is not named
    assert "spec.skills.gitRefs[1]" in capsys.readouterr().err  # the log line stays too
    assert (tmp_path / "skills" / "good" / "SKILL.md").is_file()


def test_several_failures_share_the_line_and_it_is_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = tmp_path / "termination-log"
    monkeypatch.setenv(skills_fetch.TERMINATION_PATH_ENV, str(message))
    long = tmp_path / ("x" * 240)
    skills = {
        "directory": str(tmp_path / "skills"),
        "git": [{"url": f"{long}-{i}", "ref": "main", "name": f"s{i}"} for i in range(14)],
    }
    write_config(tmp_path / "config", skills)

    assert skills_fetch.main(["--config", str(tmp_path / "config")]) == 1

    raw = message.read_bytes()
    assert len(raw) <= skills_fetch.MAX_TERMINATION_MESSAGE and raw.endswith(b"...")
    text = raw.decode()
    assert text.startswith("spec.skills.gitRefs[0]: ") and "; spec.skills.gitRefs[1]: " in text


def test_success_and_no_pod_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = tmp_path / "termination-log"
    monkeypatch.setenv(skills_fetch.TERMINATION_PATH_ENV, str(message))
    write_config(tmp_path / "config", {"directory": str(tmp_path / "skills")})
    assert skills_fetch.main(["--config", str(tmp_path / "config")]) == 0
    assert not message.exists()

    # Outside a pod (no variable, no /dev/termination-log) the failure is only logged.
    monkeypatch.delenv(skills_fetch.TERMINATION_PATH_ENV)
    monkeypatch.setattr(skills_fetch, "TERMINATION_LOG", str(tmp_path / "absent" / "log"))
    skills = {"directory": str(tmp_path / "skills"),
              "git": [{"url": str(tmp_path / "nope"), "ref": "main", "name": "n"}]}  # fmt: skip
    write_config(tmp_path / "config", skills)
    assert skills_fetch.main(["--config", str(tmp_path / "config")]) == 1
    assert not (tmp_path / "absent").exists()
