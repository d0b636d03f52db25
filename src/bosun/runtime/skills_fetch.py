"""Fetching git and OCI skill sources: the agent pod's init container, and local mode.

`python -m bosun.runtime.skills_fetch --config /config` (the init container the
translator adds, same image; local mode runs it before the agent, as a pod would) fetches
every `skills.git` and `skills.oci` source of config.json into `skills.directory/<name>`.
It tries every source and exits 1 if one failed, with one stderr line per failure naming
the Agent's field (`spec.skills.gitRefs[i]`, `spec.skills.refs[i]`: the translator keeps
their order, and an invalid entry stops translation) and why. The same lines, joined into
one, are written to the container's termination message (`TERMINATION_LOG`, Kubernetes'
terminationMessagePath; `$BOSUN_TERMINATION_MESSAGE_PATH` instead when set), so the
operator can put the failing field in the Agent's Ready condition (controller/kube/pods.py)
without reading logs. Outside a pod (no such file, no variable) nothing is written.
The `git` command does the git fetching (a shallow fetch of the ref: branch, tag or
commit), with the token of `skills.git_token_env` sent as HTTP basic auth
(`x-access-token:<token>`, which GitHub and GitLab accept) and never written to disk or
logs. The repo's `path` (or all of it) becomes the skill directory; `.git` is removed.
Images are pulled over the OCI distribution API by skills_oci.py (no container runtime).

What was fetched is recorded in `<directory>/.sources.json` (name -> source): a source
whose record matches and whose directory exists is not fetched again, one whose URL, ref
or path changed is. A moving tag or branch is not followed while its name stays the same.

`ensure_fetched` (runtime start, no init container ran): the same, into the directory or,
when that cannot be written, under the agent's data directory.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bosun.api.config import AgentConfig, GitSkillSource, SkillsSettings
from bosun.runtime.skills_oci import OciError, fetch_oci

log = logging.getLogger("bosun.runtime")

GIT_TIMEOUT = 120
TERMINATION_LOG = "/dev/termination-log"  # the kubelet mounts it in every container
TERMINATION_PATH_ENV = "BOSUN_TERMINATION_MESSAGE_PATH"
MAX_TERMINATION_MESSAGE = 4096  # bytes the kubelet keeps of a termination message


class FetchError(RuntimeError):
    pass


def _git(args: list[str], *, token: str | None, cwd: Path | None = None) -> None:
    command = ["git"]
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        command += ["-c", f"http.extraHeader=Authorization: Basic {basic}"]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            [*command, *args], cwd=cwd, env=env, capture_output=True, timeout=GIT_TIMEOUT
        )
    except FileNotFoundError:
        raise FetchError("the git command is not installed in this image") from None
    except subprocess.TimeoutExpired:
        raise FetchError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        # git's first fatal line says what is wrong; its last is often advice
        raise FetchError((fatal or lines or [f"git {args[0]} failed"])[0])


def fetch_git(source: GitSkillSource, directory: Path, *, token: str | None = None) -> Path:
    """Fetch `source` into directory/<name> (replacing it); returns that path."""
    target = directory / source.name
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".fetch-") as tmp:
        repo = Path(tmp) / "repo"
        try:
            _git(["init", "-q", str(repo)], token=None)
            _git(["fetch", "-q", "--depth", "1", source.url, source.ref], token=token, cwd=repo)
            _git(["checkout", "-q", "FETCH_HEAD"], token=None, cwd=repo)
        except FetchError as exc:
            raise FetchError(f"skills from {source.url} (ref {source.ref}): {exc}") from None
        root = (repo / source.path).resolve() if source.path else repo
        if not root.is_relative_to(repo.resolve()) or not root.is_dir():
            raise FetchError(f"skills from {source.url}: no directory {source.path!r} in the repo")
        shutil.rmtree(repo / ".git", ignore_errors=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(root), target)
    return target


def _token(settings: SkillsSettings) -> str | None:
    return os.environ.get(settings.git_token_env) if settings.git_token_env else None


Fetch = Callable[[Path], Path]  # fetch into this directory; returns the skill's path


@dataclass(frozen=True)
class Source:
    """One source to fetch: the Agent field it came from, what it is, and how to fetch it."""

    field: str  # spec.skills.gitRefs[i] / spec.skills.refs[i]
    label: str  # what it fetches (URL@ref:path, image ref): recorded, compared
    name: str  # directory under skills.directory
    fetch: Fetch


def sources(settings: SkillsSettings) -> list[Source]:
    """Every source to fetch: git repos, then images."""
    found: list[Source] = []
    for i, git in enumerate(settings.git):

        def fetch(directory: Path, git: GitSkillSource = git) -> Path:
            return fetch_git(git, directory, token=_token(settings))

        label = f"{git.url}@{git.ref}" + (f":{git.path}" if git.path else "")
        found.append(Source(f"spec.skills.gitRefs[{i}]", label, git.name, fetch))
    for i, oci in enumerate(settings.oci):

        def pull(directory: Path, ref: str = oci.ref, name: str = oci.name) -> Path:
            try:
                return fetch_oci(ref, directory, name, insecure=settings.oci_insecure)
            except OciError as exc:
                raise FetchError(f"skills from image {ref}: {exc}") from None

        found.append(Source(f"spec.skills.refs[{i}]", oci.ref, oci.name, pull))
    return found


RECORD = ".sources.json"


def _record(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / RECORD).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _note(directory: Path, name: str, label: str | None) -> None:
    record = _record(directory)
    if label is None:
        record.pop(name, None)
    else:
        record[name] = label
    (directory / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True))


def is_current(source: Source, directory: Path) -> bool:
    """Fetched before from the same URL/ref/path or image, and still on disk."""
    recorded = _record(directory).get(source.name)
    return (directory / source.name).is_dir() and recorded == source.label


def fetch_into(source: Source, directory: Path) -> Path:
    """Fetch (unless current) and record it; FetchError/OSError say why not."""
    if is_current(source, directory):
        return directory / source.name
    try:
        path = source.fetch(directory)
    except FetchError:
        # what an earlier URL/ref left there is not what the Agent asks for now
        stale = directory / source.name
        if stale.is_dir() and source.name in _record(directory):
            shutil.rmtree(stale, ignore_errors=True)
            _note(directory, source.name, None)
        raise
    _note(directory, source.name, source.label)
    return path


def ensure_fetched(settings: SkillsSettings, *, data_dir: Path | None = None) -> list[str]:
    """Fetch missing or changed sources; returns extra directories to scan (fallback)."""
    extra: list[str] = []
    for source in sources(settings):
        try:
            fetch_into(source, Path(settings.directory))
            if settings.directory not in settings.paths:
                extra.append(settings.directory)
            continue
        except FetchError as exc:
            log.warning("skills: %s: %s", source.field, exc)
            continue
        except OSError:  # the directory cannot be written here: data dir
            pass
        from bosun.runtime.store import default_data_dir

        fallback = (data_dir or default_data_dir()) / "skills"
        try:
            fetch_into(source, fallback)
        except (OSError, FetchError) as exc:
            log.warning("skills: %s: %s", source.field, exc)
            continue
        if str(fallback) not in extra:
            extra.append(str(fallback))
    return sorted(set(extra), key=extra.index)


def write_termination_message(lines: list[str]) -> None:
    """Leave `lines` as one line (capped at what the kubelet keeps) where Kubernetes reads
    the container's termination message; nothing outside a pod, errors ignored."""
    override = os.environ.get(TERMINATION_PATH_ENV)
    path = Path(override) if override else Path(TERMINATION_LOG)
    if not override and not path.exists():
        return  # not in a container (local mode, by hand): never create files in /dev
    message = "; ".join(" ".join(line.split()) for line in lines).encode()
    if len(message) > MAX_TERMINATION_MESSAGE:
        message = message[: MAX_TERMINATION_MESSAGE - 3].decode(errors="ignore").encode() + b"..."
    try:
        path.write_bytes(message)
    except OSError as exc:
        log.debug("skills-fetch: cannot write the termination message to %s: %s", path, exc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch an agent's git and OCI skill sources.")
    parser.add_argument("--config", type=Path, required=True, help="The config.json directory.")
    args = parser.parse_args(argv)
    config = AgentConfig.load(args.config)
    if config.skills is None:
        return 0
    directory = Path(config.skills.directory)
    failed: list[str] = []
    for source in sources(config.skills):
        try:
            path = fetch_into(source, directory)
        except (OSError, FetchError) as exc:
            failed.append(f"{source.field}: {exc}")
            print(f"skills-fetch: {failed[-1]}", file=sys.stderr)
            continue
        print(f"skills-fetch: {source.field} {source.label} -> {path}")
    if failed:
        write_termination_message(failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
