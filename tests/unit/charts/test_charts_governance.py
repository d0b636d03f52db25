"""charts/bosun's governance values (`governance.*`, `auth.roles`, `metrics.enabled`) reach
the control plane as the BOSUN_* variables its Settings read, and the server accepts them.

Renders with the real `helm` (helpers from test_charts_render), then builds
`bosun.server.settings.Settings` (and the operator's ControllerSettings) from the rendered
env exactly as `bosun controlplane` would, so a value that renders but the server would
refuse, or read differently, fails here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.datastructures import Headers
from test_charts_render import (
    BASE,
    CHART,
    HELM,
    NS,
    check_objects,
    env_of,
    helm,
    merged,
    named,
    render,
)

from bosun.controller.kube.settings import ControllerSettings
from bosun.server.app import host_policy
from bosun.server.auth.base import User
from bosun.server.auth.rbac import Rbac
from bosun.server.settings import Settings

pytestmark = [
    pytest.mark.slow,  # each render is a helm process
    pytest.mark.skipif(HELM is None and not os.environ.get("CI"), reason="helm not installed"),
]

# The Settings fields of settings.py's governance sections, and the env var each is read from.
GOVERNANCE_VARS = {
    "model_gateway": "BOSUN_MODEL_GATEWAY",
    "gateway_audience": "BOSUN_GATEWAY_AUDIENCE",
    "policy_refresh": "BOSUN_POLICY_REFRESH",
    "rbac": "BOSUN_RBAC",
    "audit_stdout": "BOSUN_AUDIT_STDOUT",
    "audit_file": "BOSUN_AUDIT_FILE",
    "audit_bodies": "BOSUN_AUDIT_BODIES",
    "metrics": "BOSUN_METRICS",
    "allowed_hosts": "BOSUN_ALLOWED_HOSTS",
    "allowed_origins": "BOSUN_ALLOWED_ORIGINS",
}

# What a default install sets on the control plane (test_the_default_env_is_unchanged).
DEFAULT_ENV = {
    "BOSUN_MODE",
    "BOSUN_DATA_DIR",
    "BOSUN_SECRET_KEY_PATH",
    "POD_NAMESPACE",
    "BOSUN_INTERNAL_URL",
    "BOSUN_LEADER_ELECTION",
    "BOSUN_LEASE_NAME",
    "BOSUN_RUNTIME_IMAGE",
    "BOSUN_MCP_RUNNER_IMAGE",
    "BOSUN_AUTH",
    "BOSUN_TOKEN_FILE",
    "BOSUN_SERVICE_ACCOUNT_AUTH",
}

ROLES = {
    "admin": ["group:platform"],
    "editor": {"team-a": ["group:team-a", "serviceaccount:ci:deployer"]},
    "viewer": ["group:*"],
}


def controlplane_env(docs: list[dict[str, Any]]) -> dict[str, str]:
    """The control plane container's plain env values (valueFrom entries left out)."""
    env = env_of(named(docs, "Deployment", "bosun"))
    return {k: v for k, v in env.items() if isinstance(v, str)}


def server_settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as `bosun controlplane` builds them in a pod with exactly `env`."""
    for name in list(os.environ):
        if name.startswith("BOSUN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_every_governance_setting_exists_and_the_chart_defaults_are_the_servers() -> None:
    """A value at its default renders nothing, so the chart's defaults must be the server's."""
    fields = Settings.model_fields
    assert set(GOVERNANCE_VARS) <= set(fields), "a governance setting was renamed in src"
    prefix = Settings.model_config.get("env_prefix")
    assert prefix == "BOSUN_"
    for field_name, var in GOVERNANCE_VARS.items():
        assert var == f"{prefix}{field_name.upper()}" and fields[field_name].alias is None
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    gov = values["governance"]
    assert gov["modelGateway"]["routeByDefault"] is fields["model_gateway"].default is False
    assert gov["modelGateway"]["audience"] == fields["gateway_audience"].default
    assert gov["policies"]["refreshSeconds"] == fields["policy_refresh"].default
    assert gov["audit"]["bodies"] is fields["audit_bodies"].default
    assert values["metrics"]["enabled"] is fields["metrics"].default
    # Unset on the server: audit on stdout in cluster mode; no file, roles, extra hosts.
    assert Settings(mode="cluster").audit_to_stdout is gov["audit"]["stdout"] is True
    assert fields["audit_file"].default is None and gov["audit"]["file"] == ""
    assert fields["rbac"].default is None and values["auth"]["roles"] == {}
    assert fields["allowed_hosts"].default is None and gov["mcp"]["allowedHosts"] == []
    assert fields["allowed_origins"].default is None and gov["mcp"]["allowedOrigins"] == []


def test_the_default_env_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = render(tmp_path, merged())
    assert set(env_of(named(docs, "Deployment", "bosun"))) == DEFAULT_ENV
    env = controlplane_env(docs)
    assert not set(env) & set(GOVERNANCE_VARS.values())
    settings = server_settings(env, monkeypatch)
    assert settings.mode == "cluster" and not settings.model_gateway
    assert settings.audit_to_stdout and not settings.audit_bodies and settings.metrics
    assert not ControllerSettings.from_env(env).translate.model_gateway


def grants_of(settings: Settings, user: User) -> list[str]:
    return Rbac.parse(settings.rbac, admins=settings.admins).grants(user).roles()


def check_roles(settings: Settings) -> None:
    rbac = Rbac.parse(settings.rbac, admins=settings.admins)  # what build_auth does at start
    assert rbac.configured
    assert grants_of(settings, User("carol", groups=("platform",))) == ["admin"]
    assert grants_of(settings, User("dan", groups=("team-a",))) == ["editor:team-a", "viewer:*"]
    deployer = User("system:serviceaccount:ci:deployer", kind="agent", trusted=True)
    assert "editor:team-a" in grants_of(settings, deployer)
    assert grants_of(settings, User("eve")) == ["viewer:*"]
    assert grants_of(settings, User("root")) == ["admin"]  # auth.admins still count


def check_hosts(settings: Settings) -> None:
    policy = host_policy(settings)
    assert policy.host_allowed("bosun.example.com") and policy.host_allowed("a.corp.example")
    assert not policy.host_allowed("evil.example")


def check_origins(settings: Settings) -> None:
    policy = host_policy(settings)
    headers = Headers({"host": "bosun.example.com", "origin": "https://app.example.com"})
    assert policy.origin_allowed(headers["origin"], headers["host"])
    assert not policy.origin_allowed("https://evil.example", "bosun.example.com")


# values -> (env var, its rendered value, a check of the Settings built from the env)
CASES: dict[str, tuple[dict[str, Any], str, str, Any]] = {
    "route-by-default": (
        {"governance": {"modelGateway": {"routeByDefault": True}}},
        "BOSUN_MODEL_GATEWAY",
        "true",
        lambda s: s.model_gateway is True,
    ),
    "policy-refresh": (
        {"governance": {"policies": {"refreshSeconds": 0.5}}},
        "BOSUN_POLICY_REFRESH",
        "0.5",
        lambda s: s.policy_refresh == 0.5,
    ),
    "policy-refresh-off": (
        {"governance": {"policies": {"refreshSeconds": 0}}},
        "BOSUN_POLICY_REFRESH",
        "0",
        lambda s: s.policy_refresh == 0,
    ),
    "policy-refresh-large": (
        {"governance": {"policies": {"refreshSeconds": 1000000}}},
        "BOSUN_POLICY_REFRESH",
        "1000000",
        lambda s: s.policy_refresh == 1_000_000,
    ),
    "audit-stdout-off": (
        {"governance": {"audit": {"stdout": False}}},
        "BOSUN_AUDIT_STDOUT",
        "false",
        lambda s: s.audit_to_stdout is False,
    ),
    "audit-file": (
        {"governance": {"audit": {"file": "/data/audit/audit.jsonl"}}},
        "BOSUN_AUDIT_FILE",
        "/data/audit/audit.jsonl",
        lambda s: s.audit_file == Path("/data/audit/audit.jsonl"),
    ),
    "audit-bodies": (
        {"governance": {"audit": {"bodies": True}}},
        "BOSUN_AUDIT_BODIES",
        "true",
        lambda s: s.audit_bodies is True,
    ),
    "allowed-hosts": (
        {"governance": {"mcp": {"allowedHosts": ["bosun.example.com", "*.corp.example"]}}},
        "BOSUN_ALLOWED_HOSTS",
        '["bosun.example.com","*.corp.example"]',
        check_hosts,
    ),
    "allowed-origins": (
        {"governance": {"mcp": {"allowedOrigins": ["https://app.example.com"]}}},
        "BOSUN_ALLOWED_ORIGINS",
        '["https://app.example.com"]',
        check_origins,
    ),
    "roles": (
        {"auth": {**BASE["auth"], "admins": ["root"], "roles": ROLES}},
        "BOSUN_RBAC",
        '{"admin":["group:platform"],"editor":{"team-a":["group:team-a",'
        '"serviceaccount:ci:deployer"]},"viewer":["group:*"]}',
        check_roles,
    ),
    "metrics-off": (
        {"metrics": {"enabled": False}},
        "BOSUN_METRICS",
        "false",
        lambda s: s.metrics is False,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_value_sets_its_env_var_and_the_server_reads_it(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values, var, rendered, check = CASES[case]
    docs = render(tmp_path, merged(**values))
    env = controlplane_env(docs)
    assert env[var] == rendered
    # that one variable, nothing else changed
    added = set(env_of(named(docs, "Deployment", "bosun"))) - DEFAULT_ENV
    assert added == {var} | ({"BOSUN_ADMINS"} if case == "roles" else set())
    settings = server_settings(env, monkeypatch)
    result = check(settings)
    assert result is None or result is True, case


def test_route_by_default_reaches_the_operator_too(tmp_path: Path) -> None:
    docs = render(tmp_path, merged(governance={"modelGateway": {"routeByDefault": True}}))
    env = controlplane_env(docs)
    assert ControllerSettings.from_env(env).translate.model_gateway is True


def test_all_values_together_render_valid_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = merged(
        auth={**BASE["auth"], "roles": ROLES},
        governance={
            "modelGateway": {"routeByDefault": True},
            "policies": {"refreshSeconds": 10},
            "audit": {"stdout": False, "file": "/data/audit.jsonl", "bodies": True},
            "mcp": {"allowedHosts": ["*"], "allowedOrigins": ["*"]},
        },
        metrics={"enabled": False},
        replicaCount=1,
        persistence={"enabled": True},
    )
    docs = render(tmp_path, values)
    check_objects(docs)
    env = controlplane_env(docs)
    assert {v for k, v in GOVERNANCE_VARS.items() if k != "gateway_audience"} <= set(env)
    settings = server_settings(env, monkeypatch)
    assert settings.policy_refresh == 10 and settings.audit_file == Path("/data/audit.jsonl")
    assert host_policy(settings).host_allowed("anything.example")
    # The audit file is on the data volume (the PVC here): writable, root fs is read-only.
    container = named(docs, "Deployment", "bosun")["spec"]["template"]["spec"]["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert "/data" in mounts and not mounts["/data"].get("readOnly")


BAD_VALUES = [
    ({"governance": {"modelGateway": {"routeByDefault": "yes"}}}, "/governance/modelGateway"),
    ({"governance": {"policies": {"refreshSeconds": -1}}}, "/governance/policies/refreshSeconds"),
    ({"governance": {"policies": {"refreshSeconds": "2s"}}}, "/governance/policies/refreshSeconds"),
    ({"governance": {"audit": {"file": "/var/log/audit.jsonl"}}}, "/governance/audit/file"),
    ({"governance": {"audit": {"file": "audit.jsonl"}}}, "/governance/audit/file"),
    ({"governance": {"audit": {"bodies": "on"}}}, "/governance/audit/bodies"),
    ({"governance": {"mcp": {"allowedHosts": ["a.example,b.example"]}}}, "/governance/mcp"),
    ({"governance": {"mcp": {"allowedHosts": ["https://a.example"]}}}, "/governance/mcp"),
    ({"governance": {"mcp": {"allowedOrigins": ["app.example.com"]}}}, "/governance/mcp"),
    ({"governance": {"polices": {}}}, "polices"),
    ({"auth": {"roles": {"owner": ["alice"]}}}, "/auth/roles"),
    ({"auth": {"roles": {"admin": "alice"}}}, "/auth/roles/admin"),
    ({"auth": {"roles": {"editor": {"team-a": ["serviceaccount:ci"]}}}}, "/auth/roles/editor"),
    ({"auth": {"roles": {"viewer": {"Team_A": ["alice"]}}}}, "/auth/roles/viewer"),
    ({"metrics": {"enabled": "no"}}, "/metrics/enabled"),
]


@pytest.mark.parametrize(("values", "where"), BAD_VALUES, ids=[w for _, w in BAD_VALUES])
def test_the_schema_rejects_bad_governance_values(
    values: dict[str, Any], where: str, tmp_path: Path
) -> None:
    if "auth" in values:
        values = {"auth": {**BASE["auth"], **values["auth"]}}
    result = helm("template", "b", str(CHART), "-n", NS, values=merged(**values), tmp=tmp_path)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert where in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"governance": {"modelGateway": {"audience": "other"}}},
            'governance.modelGateway.audience is "other"',
        ),
        ({"auth": {"mode": "none", "roles": ROLES}}, "auth.roles needs auth.mode token or oidc"),
        (
            {"metrics": {"enabled": False, "serviceMonitor": {"enabled": True}}},
            "it needs metrics.enabled",
        ),
        (
            {
                "governance": {"audit": {"bodies": True}},
                "controlplane": {"extraEnv": [{"name": "BOSUN_AUDIT_BODIES", "value": "false"}]},
            },
            "controlplane.extraEnv sets BOSUN_AUDIT_BODIES, which a governance value sets too",
        ),
    ],
)
def test_template_checks_of_governance_values_explain_themselves(
    values: dict[str, Any], message: str, tmp_path: Path
) -> None:
    result = helm("template", "b", str(CHART), "-n", NS, values=merged(**values), tmp=tmp_path)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_null_values_mean_the_servers_defaults(tmp_path: Path) -> None:
    """null in a values file removes the key: the server's default applies, not "off"."""
    values = merged(
        governance={
            "modelGateway": {"routeByDefault": None, "audience": None},
            "policies": {"refreshSeconds": None},
            "audit": {"stdout": None, "file": None, "bodies": None},
            "mcp": {"allowedHosts": None, "allowedOrigins": None},
        },
        metrics={"enabled": None},
    )
    docs = render(tmp_path, values)
    assert set(env_of(named(docs, "Deployment", "bosun"))) == DEFAULT_ENV


def test_extra_env_still_works_for_values_left_at_their_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installs that set these through controlplane.extraEnv before keep working."""
    extra = [{"name": "BOSUN_MODEL_GATEWAY", "value": "on"}]
    env = controlplane_env(render(tmp_path, merged(controlplane={"extraEnv": extra})))
    assert env["BOSUN_MODEL_GATEWAY"] == "on"
    assert server_settings(env, monkeypatch).model_gateway is True
    assert ControllerSettings.from_env(env).translate.model_gateway is True
