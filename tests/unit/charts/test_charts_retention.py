"""charts/bosun's data retention values (`retention.*`) reach the control plane as the
BOSUN_* variables its Settings read, and the server accepts them.

Renders with the real `helm` (helpers from test_charts_render), then builds
`bosun.server.settings.Settings` from the rendered env exactly as `bosun controlplane`
would, so a value that renders but the server would refuse, or read differently, fails
here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_charts_governance import controlplane_env, server_settings
from test_charts_render import CHART, HELM, NS, env_of, helm, merged, named, render

from bosun.server.retention import Windows
from bosun.server.settings import Settings

pytestmark = [
    pytest.mark.slow,  # each render is a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]

# values key under `retention` -> the Settings field (its env var: BOSUN_ + upper case)
RETENTION_FIELDS = {
    "auditDays": "audit_retention_days",
    "meteringDays": "metering_retention_days",
    "taskDays": "task_retention_days",
    "intervalSeconds": "retention_interval_seconds",
}


def var(field: str) -> str:
    return f"BOSUN_{field.upper()}"


def test_every_retention_setting_exists_and_the_chart_defaults_are_the_servers() -> None:
    """A value at its default renders nothing, so the chart's defaults must be the server's."""
    fields = Settings.model_fields
    values = yaml.safe_load((CHART / "values.yaml").read_text())["retention"]
    assert set(values) == set(RETENTION_FIELDS)
    for key, field in RETENTION_FIELDS.items():
        assert field in fields and fields[field].alias is None, field
        assert values[key] == fields[field].default, key


def test_the_default_env_has_no_retention_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = controlplane_env(render(tmp_path, merged()))
    assert not {var(f) for f in RETENTION_FIELDS.values()} & set(env)
    settings = server_settings(env, monkeypatch)
    assert Windows.of(settings) == Windows(audit_days=90, metering_days=400, task_days=0)
    assert settings.retention_interval_seconds == 3600


# values -> the env the control plane gets, and a check of the Settings built from it
CASES: dict[str, tuple[dict[str, Any], dict[str, str], Any]] = {
    "tasks-kept-30-days": (
        {"taskDays": 30},
        {"BOSUN_TASK_RETENTION_DAYS": "30"},
        lambda s: s.task_retention_days == 30,
    ),
    "audit-forever": (
        {"auditDays": 0},
        {"BOSUN_AUDIT_RETENTION_DAYS": "0"},
        lambda s: s.audit_retention_days == 0 and not Windows.of(s).audit_days,
    ),
    "metering-large": (
        {"meteringDays": 1000000},  # a float64 in helm: printed whole, not 1e+06
        {"BOSUN_METERING_RETENTION_DAYS": "1000000"},
        lambda s: s.metering_retention_days == 1_000_000,
    ),
    "interval-fraction-and-off": (
        {"intervalSeconds": 0.5},
        {"BOSUN_RETENTION_INTERVAL_SECONDS": "0.5"},
        lambda s: s.retention_interval_seconds == 0.5,
    ),
    "passes-off": (
        {"intervalSeconds": 0},
        {"BOSUN_RETENTION_INTERVAL_SECONDS": "0"},
        lambda s: s.retention_interval_seconds == 0,
    ),
    "all-at-once": (
        {"auditDays": 30, "meteringDays": 60, "taskDays": 7, "intervalSeconds": 600},
        {
            "BOSUN_AUDIT_RETENTION_DAYS": "30",
            "BOSUN_METERING_RETENTION_DAYS": "60",
            "BOSUN_TASK_RETENTION_DAYS": "7",
            "BOSUN_RETENTION_INTERVAL_SECONDS": "600",
        },
        lambda s: Windows.of(s) == Windows(30, 60, 7) and s.retention_interval_seconds == 600,
    ),
    "null-means-default": (
        {"auditDays": None, "taskDays": None},
        {},
        lambda s: s.audit_retention_days == 90 and s.task_retention_days == 0,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_value_reaches_the_server(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, expected, check = CASES[case]
    env = controlplane_env(render(tmp_path, merged(retention=values)))
    rendered = {k: v for k, v in env.items() if k in {var(f) for f in RETENTION_FIELDS.values()}}
    assert rendered == expected
    assert check(server_settings(env, monkeypatch))


@pytest.mark.parametrize(
    "values",
    [{"taskDays": -1}, {"auditDays": "90"}, {"intervalSeconds": -5}, {"days": 3}],
)
def test_the_schema_refuses_bad_retention_values(values: dict[str, Any], tmp_path: Path) -> None:
    result = helm(
        "template", "bosun", str(CHART), "-n", NS, values=merged(retention=values), tmp=tmp_path
    )
    assert result.returncode != 0 and "retention" in result.stderr


def test_extra_env_may_not_set_a_retention_variable_a_value_sets(tmp_path: Path) -> None:
    values = merged(
        retention={"taskDays": 30},
        controlplane={"extraEnv": [{"name": "BOSUN_TASK_RETENTION_DAYS", "value": "7"}]},
    )
    result = helm("template", "bosun", str(CHART), "-n", NS, values=values, tmp=tmp_path)
    assert result.returncode != 0
    assert "BOSUN_TASK_RETENTION_DAYS, which a retention value sets too" in result.stderr
    # Not set by a value: extraEnv may set it (one entry, the user's).
    values["retention"] = {}
    docs = render(tmp_path, values)
    assert env_of(named(docs, "Deployment", "bosun"))["BOSUN_TASK_RETENTION_DAYS"] == "7"
