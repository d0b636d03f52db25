"""Fetching git and OCI skill sources: the agent pod's init container, and local mode at start.

`python -m bosun.runtime.skills_fetch --config /config` (the init container the
translator adds, same image) fetches every `skills.git` and `skills.oci` source of
config.json into `skills.directory/<name>` and exits 1 naming the source that failed.
The `git` command does the git fetching (a shallow fetch of the ref: branch, tag or
commit), with the token of `skills.git_token_env` sent as HTTP basic auth
(`x-access-token:<token>`, which GitHub and GitLab accept) and never written to disk or
logs. The repo's `path` (or all of it) becomes the skill directory; `.git` is removed.
Images are pulled over the OCI distribution API by skills_oci.py (no container runtime).

`ensure_fetched` (runtime start, local mode): sources already on disk are used as they
are; missing ones are fetched into the directory, or, when that cannot be written, under
the agent's data directory.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bosun.api.config import AgentConfig, GitSkillSource, SkillsSettings
from bosun.runtime.skills_oci import OciError, fetch_oci

log = logging.getLogger("bosun.runtime")

GIT_TIMEOUT = 120


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
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise FetchError(message[-1] if message else f"git {args[0]} failed")


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


def sources(settings: SkillsSettings) -> list[tuple[str, str, Fetch]]:
    """(label, name, fetch) of every source to fetch: git repos, then images."""
    found: list[tuple[str, str, Fetch]] = []
    for git in settings.git:

        def fetch(directory: Path, git: GitSkillSource = git) -> Path:
            return fetch_git(git, directory, token=_token(settings))

        found.append((f"{git.url}@{git.ref}", git.name, fetch))
    for oci in settings.oci:

        def pull(directory: Path, ref: str = oci.ref, name: str = oci.name) -> Path:
            try:
                return fetch_oci(ref, directory, name, insecure=settings.oci_insecure)
            except OciError as exc:
                raise FetchError(f"skills from image {ref}: {exc}") from None

        found.append((oci.ref, oci.name, pull))
    return found


def ensure_fetched(settings: SkillsSettings, *, data_dir: Path | None = None) -> list[str]:
    """Fetch missing sources; returns extra directories to scan (fallback location)."""
    extra: list[str] = []
    for _label, name, fetch in sources(settings):
        if (Path(settings.directory) / name).is_dir():
            continue
        try:
            fetch(Path(settings.directory))
            if settings.directory not in settings.paths:
                extra.append(settings.directory)
            continue
        except FetchError as exc:
            log.warning("skills: %s", exc)
            continue
        except OSError:  # the directory cannot be written here (local mode): data dir
            pass
        from bosun.runtime.store import default_data_dir

        fallback = (data_dir or default_data_dir()) / "skills"
        try:
            fetch(fallback)
        except (OSError, FetchError) as exc:
            log.warning("skills: %s", exc)
            continue
        if str(fallback) not in extra:
            extra.append(str(fallback))
    return sorted(set(extra), key=extra.index)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch an agent's git and OCI skill sources.")
    parser.add_argument("--config", type=Path, required=True, help="The config.json directory.")
    args = parser.parse_args(argv)
    config = AgentConfig.load(args.config)
    if config.skills is None:
        return 0
    for label, _name, fetch in sources(config.skills):
        try:
            path = fetch(Path(config.skills.directory))
        except (OSError, FetchError) as exc:
            print(f"skills-fetch: {label}: {exc}", file=sys.stderr)
            return 1
        print(f"skills-fetch: {label} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
