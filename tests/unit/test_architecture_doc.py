"""docs/architecture.md lists every module with its docstring, so the map cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # scripts/ is not a package: load the generator by path
    spec = importlib.util.spec_from_file_location(
        "architecture", ROOT / "scripts" / "architecture.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_architecture_doc_lists_every_module_as_generated() -> None:
    gen = _generator()
    text = gen.DOC.read_text()
    assert text == gen.render(text), "docs/architecture.md is stale: run scripts/architecture.py"


def test_every_module_says_what_it_is_for() -> None:
    assert not [line for line in _generator().module_lines() if "MISSING DOCSTRING" in line]
