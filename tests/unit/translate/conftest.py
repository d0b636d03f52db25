"""Golden-file support for the translator tests.

`uv run pytest tests/unit/translate --update-golden` (or BOSUN_UPDATE_GOLDEN=1 with any
pytest command line) rewrites every golden/<case>/output.yaml from what the translator
produces now; review the diff before committing it.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/unit/translate/golden/*/output.yaml from the current translator.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:  # option not registered: this conftest was not an initial one
        flag = False
    return flag or os.environ.get("BOSUN_UPDATE_GOLDEN") == "1"
