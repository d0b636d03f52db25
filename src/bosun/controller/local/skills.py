"""Skills in local mode: one skills directory per workload, and config.json told where it is.

In a pod, ConfigMap skills are mounted at /skills/<name> and git/OCI sources are fetched
by the `skills-fetch` init container into an emptyDir at /skills (translate/skills.py).
Locally nothing may land in the host's /skills: every mount at or under /skills goes under
the workload's own `<run dir>/skills`, config.json's `skills.directory` and `skills.paths`
are rewritten to point there, and the init container runs before the agent
(workload.py, process.py). The directory is kept across restarts, so a fetched source is
reused until its URL, ref or path changes (skills_fetch records what it fetched), and
entries no source names any more are removed.
Called by workload.py when it plans and writes a workload's volumes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SKILLS_DIR = "/skills"
CONFIG_FILE = "config.json"


def local_root(run_dir: Path) -> Path:
    return run_dir / "skills"


def under_skills(mount_path: str) -> bool:
    return mount_path == SKILLS_DIR or mount_path.startswith(SKILLS_DIR + "/")


def local_target(mount_path: str, run_dir: Path) -> Path:
    """Where a mount at or under /skills goes locally."""
    relative = mount_path[len(SKILLS_DIR) :].strip("/")
    return local_root(run_dir) / relative if relative else local_root(run_dir)


def config_skills(text: str) -> dict[str, Any] | None:
    """config.json's `skills` section, if the text is such a config."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    skills = data.get("skills") if isinstance(data, dict) else None
    return skills if isinstance(skills, dict) else None


def rewrite_config(text: str, remap: Callable[[str], str]) -> str:
    """config.json with its skills directory and paths moved to their local places."""
    if config_skills(text) is None:
        return text
    data = json.loads(text)
    skills = data["skills"]
    skills["directory"] = remap(str(skills.get("directory") or SKILLS_DIR))
    skills["paths"] = [remap(str(p)) for p in skills.get("paths") or []]
    return json.dumps(data, indent=2)


def prune(root: Path, skills: dict[str, Any] | None, mounted: Iterable[str]) -> None:
    """Remove entries of `root` that neither a mount nor a git/OCI source names now."""
    if not root.is_dir():
        return
    keep = set(mounted)
    for key in ("git", "oci"):
        keep.update(str(s.get("name")) for s in (skills or {}).get(key) or [])
    for entry in root.iterdir():
        if entry.name.startswith(".") or entry.name in keep:
            continue  # .sources.json (what skills_fetch fetched), its temporary dirs
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
