"""Token auth in the UI: a second control plane (`bosun controlplane`, no agents) with
BOSUN_AUTH=token. The UI asks for a token, refuses a wrong one with the server's 401
reason, shows who is signed in, signs out, and says so when a stored token stops working."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from ui_harness import browser_page, controlplane, screenshot

from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


@pytest.fixture(scope="module")
def token_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("auth-plane")
    tokens = base / "tokens.csv"
    tokens.write_text('tok-alice,alice@example.com,1,"dev,ops"\ntok-bob,bob\n')
    env = {**os.environ, "BOSUN_AUTH": "token", "BOSUN_TOKEN_FILE": str(tokens)}
    env.update(BOSUN_DATA_DIR=str(base / "data"), BOSUN_ADMINS='["group:ops"]')
    with controlplane(base, free_port(), env) as url:
        yield url


@pytest.fixture
def auth_page(browser: Any, token_plane: str) -> Iterator[Any]:
    with browser_page(browser, token_plane) as page:
        yield page


def test_login_with_a_token_and_sign_out(auth_page: Any) -> None:
    page = auth_page
    page.goto("/usage")
    expect(page.get_by_role("heading", name="Sign in to Bosun")).to_be_visible()
    screenshot(page, "login")
    token = page.get_by_label("Access token")
    token.fill("not-a-token")
    token.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(
        "That token was not accepted (401): unknown token"
    )
    token.fill("tok-alice")
    page.get_by_role("button", name="Sign in").click()
    user = page.get_by_label("Signed in user")
    expect(user).to_contain_text("Signed in as alice@example.com (admin)")
    expect(page.get_by_role("heading", name="Usage")).to_be_visible()  # the page asked for
    page.reload()  # the token is kept in this browser
    expect(user).to_contain_text("alice@example.com")
    user.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Bosun")).to_be_visible()


def test_a_stored_token_that_stops_working_says_why(auth_page: Any) -> None:
    page = auth_page
    page.goto("/agents")
    page.evaluate("localStorage.setItem('bosun.token', 'revoked-token')")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text(
        "The control plane did not accept the stored token: unknown token"
    )
    page.get_by_label("Access token").fill("tok-bob")
    page.get_by_role("button", name="Sign in").click()
    user = page.get_by_label("Signed in user")
    expect(user).to_contain_text("Signed in as bob")
    expect(user).not_to_contain_text("(admin)")
    page.goto("/usage")
    expect(page.get_by_text("Showing your own usage (admins see everyone's).")).to_be_visible()


def test_a_viewer_creating_an_agent_sees_the_403_reason(auth_page: Any, token_plane: str) -> None:
    page = auth_page
    page.goto("/agents/new")
    token = page.get_by_label("Access token")
    token.fill("tok-bob")  # bob is in no group: a viewer
    token.press("Enter")
    expect(page.get_by_text("Signed in as bob")).to_be_visible()
    page.get_by_label("YAML manifest").fill(
        "apiVersion: kagent.dev/v1alpha2\nkind: Agent\nmetadata:\n  name: ui-forbidden\n"
        "  namespace: default\nspec:\n  declarative:\n    systemMessage: hi\n"
    )
    page.get_by_role("button", name="Create agent").click()
    # the API's RBAC reason, next to the namespace it is about; the page stays on the form
    expect(page.get_by_label("Namespace")).to_have_accessible_error_message(
        re.compile(r"bob .*may not change Agent default/ui-forbidden: that needs the editor role")
    )
    expect(page).to_have_url(re.compile(r"/agents/new$"))
    headers = {"Authorization": "Bearer tok-alice"}
    stored = httpx.get(f"{token_plane}/api/agents/default/ui-forbidden", headers=headers)
    assert stored.status_code == 404
