"""Every invalid example gets Accepted=False with a message naming the field and the names.

The emulator stores what a real API server's CEL rules would reject at admission, so this
also shows what the operator reports if such an object reaches it (e.g. CRDs without CEL).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from controller_harness import EXAMPLES, Cluster, Operator, eventually

INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
PLURALS = {"Agent": "agents", "ModelConfig": "modelconfigs"}


def read(path: Path) -> str:
    return path.read_text()


def expected_words(path: Path) -> list[str]:
    for line in path.read_text().splitlines():
        if line.startswith("# Expected:"):
            return line.removeprefix("# Expected:").split()
    raise AssertionError(f"{path} has no '# Expected:' line")


def rejected_objects(path: Path) -> list[dict]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    if path.stem == "agent-cycle":
        return [d for d in docs if d["kind"] == "Agent"]  # both agents of the cycle
    return [docs[-1]]  # the last document is the offending one


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
async def test_invalid_example_status_names_the_problem(
    path: Path, cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(read(path))
    words = expected_words(path)
    for obj in rejected_objects(path):
        resource = f"kagent.dev/v1alpha2/{PLURALS[obj['kind']]}"
        meta = obj["metadata"]

        def explained(r: str = resource, m: dict = meta) -> dict:
            # Level-triggered: an agent of the cycle may first see its peer as missing.
            cond = cluster.condition(r, m["namespace"], m["name"], "Accepted")
            return cond if all(w in cond["message"] for w in words) else {}

        accepted = await eventually(explained, what=f"a message with {words}")
        assert accepted["status"] == "False", accepted
        assert accepted["observedGeneration"] == 1
