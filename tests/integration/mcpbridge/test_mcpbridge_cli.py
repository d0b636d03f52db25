"""How `bosun mcp-bridge` splits its own options from the child's command line."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from typer.testing import CliRunner

from bosun.cli.main import app


def bridge_call(*argv: str) -> tuple[int, Any]:
    with mock.patch("bosun.mcpbridge.run.run_bridge") as run_bridge:
        result = CliRunner().invoke(app, ["mcp-bridge", *argv])
    return result.exit_code, run_bridge.call_args


@pytest.mark.parametrize(
    "argv",
    [
        ("--port", "3001", "--", "python", "-m", "server", "--port", "9"),
        ("--port", "3001", "python", "-m", "server", "--port", "9"),
    ],
)
def test_options_after_the_command_belong_to_the_child(argv: tuple[str, ...]) -> None:
    code, call = bridge_call(*argv)
    assert code == 0
    assert call.args == (["python", "-m", "server", "--port", "9"],)
    assert call.kwargs["port"] == 3001 and call.kwargs["host"] == "0.0.0.0"
    assert call.kwargs["path"] == "/mcp"


def test_a_bad_path_is_refused() -> None:
    code, call = bridge_call("--path", "mcp", "--", "python")
    assert code == 2 and call is None
