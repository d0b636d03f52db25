"""Property-based run of schemathesis against /openapi.json: no input gives a 5xx.

Thousands of generated requests (valid and invalid) to every operation of a running
control plane; the only check is `not_a_server_error`. Bounded to ~25 s.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest
from server_harness import control_plane

from bosun.server.db import Database

pytestmark = pytest.mark.slow


async def test_no_generated_request_gets_a_server_error(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    schemathesis = str(Path(sys.executable).parent / "schemathesis")
    async with control_plane(db, tmp_path) as plane:
        process = await asyncio.create_subprocess_exec(
            schemathesis, "run", f"{plane.url}/openapi.json",
            "--checks", "not_a_server_error", "--phases", "coverage,fuzzing",
            "--max-examples", "10", "--max-time", "25", "--no-shrink", "--seed", "1",
            "--generation-database", "none", "--request-timeout", "10", "--no-color",
            cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), 120)
    await db.close()
    report = output.decode()
    assert process.returncode == 0, report[-4000:]
    # The verdict is the "Test cases:" line; warnings (e.g. the model gateway's routes
    # answering only 401 without an agent's credential) are not failures.
    cases = re.search(r"Test cases:\s*\n\s*(.+)", report.split("SUMMARY")[-1])
    assert cases and " passed" in cases.group(1), report[-2000:]
    assert not re.search(r"fail|error", cases.group(1)), report[-2000:]
