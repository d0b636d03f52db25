"""`bosun mockllm`: bad scripts exit 2 naming the problem; the command serves, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from bosun.cli.mockllm import register


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:  # a group, so the command is invoked by name as in `bosun`
        pass

    register(app)
    return app


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "rules:\n  - match: {turn: first}\n    text: hi\n",
            "rules[0].match.turn: Input should be",
        ),
        ("rules:\n  - match: {}\n    txt: hi\n", "rules[0].txt: unknown field"),
        ("rules: [\n", "invalid YAML"),
    ],
)
def test_bad_script_exits_2_with_the_problem(tmp_path: Path, content: str, expected: str) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text(content)
    result = CliRunner().invoke(cli(), ["mockllm", "--script", str(script)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"bosun mockllm: {script}")
    assert expected in result.stderr


def test_missing_script_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["mockllm", "--script", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: no such file" in result.stderr


@pytest.mark.slow
def test_command_prints_urls_logs_requests_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text("rules:\n  - name: greet\n    match: {}\n    text: hi\n")
    bosun = Path(sys.executable).with_name("bosun")
    process = subprocess.Popen(
        [str(bosun), "mockllm", "--script", str(script), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(f"mockllm serving {script} (1 rule) on http://127.0.0.1:")
        url = first.rsplit(" ", 1)[1].strip()
        assert f"{url}/v1" in process.stdout.readline()  # the OpenAI base URL line
        body = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
        answer = httpx.post(url + "/v1/chat/completions", json=body, timeout=5).json()
        assert answer["choices"][0]["message"]["content"] == "hi"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "mockllm stopped" in out
    assert "POST /v1/chat/completions openai model=m turn=0 -> rule #0 'greet'" in err
    assert "Traceback" not in err
