"""Script loading and validation: bad scripts fail with messages that say where and why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bosun.mockllm import MockScriptError, Script, load_script


def _error(data: object) -> str:
    with pytest.raises(MockScriptError) as info:
        load_script(data)  # type: ignore[arg-type]
    return str(info.value)


def test_yaml_file_with_all_rule_fields_loads(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text(
        """
models: [gpt-test]
rules:
  - name: first
    match: {contains: hi, turn: 0, model: "gpt-*", system_contains: bot, api: openai}
    tool_calls: [{name: lookup, arguments: {q: "{{last_user_message}}"}}]
    delay: 0.1
    stream_chunk_delay: 0.01
    times: 2
    usage: {input_tokens: 5}
  - match: {tool_result: lookup, regex: "^ok"}
    text: "done: {{last_tool_result}}"
  - match: {}
    status: 429
    error: slow down
    retry_after: 0.01
  - default: true
    text: fallback
"""
    )
    script = load_script(path)
    assert script.source == str(path)
    assert [r.name for r in script.rules] == ["first", None, None, None]
    assert script.rules[0].tool_calls[0].arguments == {"q": "{{last_user_message}}"}
    assert script.rules[2].status == 429
    assert script.model_names() == ["gpt-test"]


def test_json_file_and_bare_list_of_rules(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps([{"match": {"last_message": "a"}, "text": "b"}]))
    script = load_script(path)
    assert script.rules[0].match is not None
    assert script.rules[0].match.last_message == "a"
    assert load_script(script) is script


def test_model_names_default_to_plain_names_in_rules() -> None:
    script = load_script(
        [
            {"match": {"model": "gpt-a"}, "text": "x"},
            {"match": {"model": "claude-*"}, "text": "x"},
            {"default": True, "text": "x"},
        ]
    )
    assert script.model_names() == ["gpt-a"]
    assert Script().model_names() == ["mock-model"]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([{"text": "x"}], "rules[0]: a rule needs `match:`"),
        ([{"match": {}, "text": "x", "colour": 1}], "rules[0].colour: unknown field"),
        ([{"match": {"contain": "x"}, "text": "x"}], "rules[0].match.contain: unknown field"),
        ([{"match": {"regex": "("}, "text": "x"}], "regex '(' does not compile"),
        ([{"match": {}, "text": "{{last_tool}}"}], "unknown template {{last_tool}}"),
        ([{"match": {}}], "a rule must answer"),
        ([{"match": {}, "status": 500, "text": "x"}], "cannot also give `text`"),
        ([{"match": {}, "status": 200}], "rules[0].status: Input should be greater than"),
        ([{"match": {"turn": "one"}, "text": "x"}], "rules[0].match.turn: Input should be"),
        ([{"match": {}, "text": "x", "times": 0}], "rules[0].times"),
        ([{"default": True, "match": {"turn": 1}, "text": "x"}], "drop its `match` fields"),
        (
            [{"match": {}, "tool_calls": [{"name": "t", "arguments": {"a": "{{nope}}"}}]}],
            "unknown template {{nope}}",
        ),
    ],
)
def test_invalid_rules_are_reported_with_their_place(rules: list[object], expected: str) -> None:
    message = _error({"rules": rules})
    assert message.startswith("<inline script>: invalid script:")
    assert expected in message


def test_error_without_status_means_500() -> None:
    assert load_script([{"match": {}, "error": "boom"}]).rules[0].status == 500


def test_file_problems_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert _error(missing) == f"{missing}: no such file"
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [\n")
    assert _error(broken).startswith(f"{broken}: invalid YAML")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    assert "a script is a mapping with `rules:`" in _error(scalar)


def test_scripts_in_the_docs_are_valid() -> None:
    doc = Path(__file__).parents[3] / "docs" / "mockllm.md"
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(), re.DOTALL)
    scripts = [b for b in blocks if "apiVersion" not in b and "[...]" not in b]
    assert len(scripts) == 2
    for block in scripts:
        assert load_script(yaml.safe_load(block)).rules
