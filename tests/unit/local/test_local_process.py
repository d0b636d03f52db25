"""A supervised child restarts with backoff when it dies and leaves nothing when stopped."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bosun.controller.local.process import ProcessSpec, SupervisedProcess


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in stat  # a zombie is dead


async def wait_for(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def spec(tmp_path: Path, code: str) -> ProcessSpec:
    return ProcessSpec(
        (sys.executable, "-c", code), dict(os.environ), tmp_path, tmp_path / "logs" / "w.log"
    )


@pytest.mark.slow
async def test_a_crashing_child_is_restarted_and_its_output_logged(tmp_path: Path) -> None:
    proc = SupervisedProcess(
        "crasher",
        spec(tmp_path, "print('hello', flush=True); raise SystemExit(3)"),
        backoff_start=0.05,
    )
    proc.start()
    await wait_for(lambda: proc.restarts >= 2)
    await proc.stop()
    assert proc.last_exit == 3
    text = (tmp_path / "logs" / "w.log").read_text()
    assert text.count("hello") >= 2
    assert "exited with exit code 3; restarting in" in text
    assert proc.state == "stopped"


@pytest.mark.slow
async def test_stop_ends_the_child_and_its_own_children(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys, time\n"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(c.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = SupervisedProcess("parent", spec(tmp_path, code))
    proc.start()
    log = tmp_path / "logs" / "w.log"
    await wait_for(lambda: log.exists() and log.read_text().strip().splitlines()[-1].isdigit())
    grandchild = int(log.read_text().strip().splitlines()[-1])
    parent = proc.pid
    assert parent is not None and alive(parent) and alive(grandchild)
    await proc.stop(grace=2.0)
    await wait_for(lambda: not alive(grandchild), within=3.0)
    assert not alive(parent)
    assert proc.restarts == 0


async def test_a_command_that_cannot_start_is_reported_and_retried(tmp_path: Path) -> None:
    proc = SupervisedProcess(
        "missing",
        ProcessSpec(("/nonexistent/bosun-x",), {}, tmp_path, tmp_path / "w.log"),
        backoff_start=0.02,
    )
    proc.start()
    await wait_for(lambda: proc.restarts >= 1)
    await proc.stop()
    assert proc.last_error is not None and "cannot start /nonexistent/bosun-x" in proc.last_error
