"""Which tasks this agent process is running, kept on local disk for the next process.

Written by `bosun.runtime.taskstore` (attached to the backend by `open_backend`). A process
killed mid-turn (SIGKILL, OOM, a crash) leaves its running tasks `working` in the backend;
nobody would fail them until a client read each one back. With this journal the next
process of the same agent fails them at start (taskstore `recover`), so the control plane
and the UI stop showing them as running.

One small JSON file per process, `<dir>/<key>.<pid>.json`, holding the ids of the tasks in
state submitted or working; `key` names the agent and the backend (its control plane URL
or SQLite file), so processes of other agents, or of the same agent against another store,
never touch each other's tasks. At start a process takes over the files whose process is
gone (or had its own pid: a restarted container is pid 1 again): their ids are the tasks
that were left. Files of processes still alive (another replica on this host) are left
alone, so a scale-up or a rolling update never fails a sibling's running task. The ids
taken over stay in this process's own file until they are recovered, so a crash during
recovery loses none.

Best effort: if the directory is not writable (a read-only root filesystem in a pod), the
journal logs once and does nothing; tasks left behind are then failed when read back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

log = logging.getLogger("bosun.runtime")


def journal_key(agent: str, location: str) -> str:
    """A file-name-safe key for one agent against one backend location."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in agent)[:80]
    digest = hashlib.sha256(f"{agent}\n{location}".encode()).hexdigest()[:12]
    return f"{safe}-{digest}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is gone all the same
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


class RunningJournal:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.key = key
        self.path = directory / f"{key}.{os.getpid()}.json"
        self._running: set[str] = set()
        self._left: set[str] = set()
        self._enabled = True

    def take_left(self) -> set[str]:
        """The ids of running tasks that gone processes left; this process now holds them."""
        left: set[str] = set()
        taken: list[Path] = []
        try:
            files = sorted(self.directory.glob(f"{self.key}.*.json"))
        except OSError:
            files = []
        for file in files:
            pid_text = file.name[len(self.key) + 1 : -len(".json")]
            if not pid_text.isdigit():
                continue
            pid = int(pid_text)
            if pid != os.getpid() and _alive(pid):
                continue
            try:
                ids = json.loads(file.read_text())
            except (OSError, ValueError):
                ids = []
            left.update(str(i) for i in ids if isinstance(i, str))
            taken.append(file)
        self._left |= left
        self._save()  # own file first: the ids are never only in a file about to go
        for file in taken:
            if file != self.path:
                with contextlib.suppress(OSError):
                    file.unlink()
        return set(self._left)

    def started(self, task_id: str) -> None:
        if task_id not in self._running:
            self._running.add(task_id)
            self._save()

    def ended(self, task_id: str) -> None:
        if task_id in self._running or task_id in self._left:
            self._running.discard(task_id)
            self._left.discard(task_id)
            self._save()

    def _save(self) -> None:
        if not self._enabled:
            return
        ids = sorted(self._running | self._left)
        try:
            if not ids:
                self.path.unlink(missing_ok=True)
                return
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(ids))
            os.replace(temporary, self.path)
        except OSError as exc:
            self._enabled = False
            log.warning(
                "cannot keep the journal of running tasks in %s (%s): tasks this process "
                "leaves running if it dies are failed only when read back",
                self.directory,
                exc,
            )
