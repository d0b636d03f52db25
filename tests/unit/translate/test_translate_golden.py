"""Golden files: golden/<case>/input.yaml (a manifest set) -> output.yaml (objects or problems).

Cases are discovered from the directory listing; a new case is a new folder. An optional
`options.yaml` in a case sets TranslateOptions fields (runtime_image, controlplane_url ...).
Regenerate with `uv run pytest tests/unit/translate --update-golden`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bosun.api.manifests import load_text
from bosun.controller.translate import TranslateOptions, check_set
from bosun.controller.translate.yamlout import render_outputs

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input.yaml").exists())


def produce(case_dir: Path) -> str:
    manifests = load_text((case_dir / "input.yaml").read_text(), source="input.yaml")
    options = TranslateOptions()
    options_file = case_dir / "options.yaml"
    if options_file.exists():
        options = replace(options, **yaml.safe_load(options_file.read_text()))
    result = check_set(manifests, options=options)
    parts = []
    if result.problems:
        parts.append("# problems\n" + "".join(f"# {p}\n" for p in result.problems))
    rendered = render_outputs(result.outputs, manifests.sources)
    if rendered:
        parts.append(rendered)
    return "---\n".join(parts)


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, update_golden: bool) -> None:
    case_dir = GOLDEN / case
    actual = produce(case_dir)
    expected_file = case_dir / "output.yaml"
    if update_golden:
        expected_file.write_text(actual)
    assert expected_file.exists(), f"golden/{case}/output.yaml missing: run with --update-golden"
    assert actual == expected_file.read_text(), f"golden/{case}: rerun with --update-golden"
    if case.startswith("error-"):
        assert actual.startswith("# problems"), "an error case must produce problems"
    else:
        assert "# problems" not in actual, "a valid case must produce no problems"
        assert list(yaml.safe_load_all(actual))  # the output is YAML that loads
