"""auth.oidc.clientId/scopes: the web UI's SSO client reaches the server's settings, the
audience defaults to the client id when left empty, and bad scopes are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_charts_governance import controlplane_env, server_settings
from test_charts_render import CHART, helm, render

pytestmark = pytest.mark.slow  # helm processes

ISSUER = "https://sso.example.com/realms/platform"


def test_client_id_and_scopes_reach_the_server_and_default_the_audience(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oidc = {"issuer": ISSUER, "clientId": "bosun-ui", "userClaim": "email"}
    docs = render(tmp_path, {"auth": {"mode": "oidc", "oidc": oidc}})
    env = controlplane_env(docs)
    assert env["BOSUN_OIDC_CLIENT_ID"] == "bosun-ui"
    settings = server_settings(env, monkeypatch)
    assert settings.oidc_client_id == "bosun-ui"
    assert settings.oidc_scopes == "openid profile email"  # the chart's default, the server's
    assert settings.oidc_audience == "bosun-ui"  # auth.oidc.audience left empty

    oidc |= {"audience": "api://bosun", "scopes": "openid email groups"}
    settings = server_settings(
        controlplane_env(render(tmp_path, {"auth": {"mode": "oidc", "oidc": oidc}})), monkeypatch
    )
    assert (settings.oidc_audience, settings.oidc_scopes) == ("api://bosun", "openid email groups")


def test_without_a_client_id_no_sso_env_is_set(tmp_path: Path) -> None:
    docs = render(tmp_path, {"auth": {"mode": "oidc", "oidc": {"issuer": ISSUER, "audience": "x"}}})
    env = controlplane_env(docs)
    assert "BOSUN_OIDC_CLIENT_ID" not in env and "BOSUN_OIDC_SCOPES" not in env


def test_scopes_without_openid_are_refused(tmp_path: Path) -> None:
    oidc = {"issuer": ISSUER, "clientId": "bosun-ui", "scopes": "profile email"}
    result = helm("template", "b", str(CHART), values={"auth": {"mode": "oidc", "oidc": oidc}},
                  tmp=tmp_path)  # fmt: skip
    assert result.returncode != 0
    assert "/auth/oidc/scopes" in result.stderr, result.stderr


def test_oidc_with_neither_a_client_id_nor_an_audience_is_refused(tmp_path: Path) -> None:
    """The server would refuse to start (no audience to check tokens against): say so at
    install time instead of leaving a crash-looping pod."""
    values = {"auth": {"mode": "oidc", "oidc": {"issuer": ISSUER}}}
    result = helm("template", "b", str(CHART), values=values, tmp=tmp_path)
    assert result.returncode != 0
    assert "auth.mode oidc needs auth.oidc.clientId" in result.stderr, result.stderr
