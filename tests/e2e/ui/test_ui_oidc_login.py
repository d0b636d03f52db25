"""SSO sign-in in a real browser: `bosun controlplane` with BOSUN_AUTH=oidc pointed at a
fake provider (fake_oidc.py), a public client (BOSUN_OIDC_CLIENT_ID, the audience left to
default to it). The login screen offers "Sign in with <issuer host>"; the authorization
code flow with PKCE signs the user in and the API is called with the ID token; a tampered
state, a refusal and a failing token endpoint are shown with their reason; an expired ID
token brings the SSO button back."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_oidc import CLIENT_ID, FakeOIDC
from playwright.sync_api import expect
from ui_harness import browser_page, controlplane, screenshot

from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]

MODEL = {  # Ollama: no key Secret needed
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "default-model-config", "namespace": "default"},
    "spec": {"provider": "Ollama", "model": "llama3", "ollama": {"host": "http://127.0.0.1:9"}},
}
AGENT = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "Agent",
    "metadata": {"name": "sso-listed", "namespace": "default"},
    "spec": {"declarative": {"systemMessage": "hi"}},
}


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeOIDC]]:
    base = tmp_path_factory.mktemp("oidc-plane")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with FakeOIDC(origin=url) as idp:
        env = {**os.environ, "BOSUN_AUTH": "oidc", "BOSUN_OIDC_ISSUER": idp.issuer}
        env.update(BOSUN_OIDC_CLIENT_ID=CLIENT_ID, BOSUN_OIDC_USER_CLAIM="email")
        env.update(BOSUN_DATA_DIR=str(base / "data"), BOSUN_ADMINS='["alice@example.com"]')
        env.pop("BOSUN_OIDC_AUDIENCE", None)
        with controlplane(base, port, env) as plane:
            # an agent to list, created with an ID token of the provider (alice is admin)
            headers = {"Authorization": f"Bearer {idp.id_token()}"}
            for path, body in (("/api/modelconfigs", MODEL), ("/api/agents", AGENT)):
                created = httpx.post(f"{plane}{path}", json=body, headers=headers, timeout=10)
                assert created.status_code == 201, created.text
            yield url, idp


@pytest.fixture
def sso_page(browser: Any, sso: tuple[str, FakeOIDC]) -> Iterator[Any]:
    url, idp = sso
    idp.deny = idp.fail_token = False
    with browser_page(browser, url) as page:
        yield page


def _sso_button(page: Any, idp: FakeOIDC) -> Any:
    host = idp.issuer.removeprefix("http://")
    return page.get_by_role("button", name=f"Sign in with {host}")


def test_sso_sign_in_lands_on_the_page_asked_for(sso_page: Any, sso: tuple[str, FakeOIDC]) -> None:
    page, (url, idp) = sso_page, sso
    page.goto("/agents?namespace=default")
    expect(page.get_by_role("heading", name="Sign in to Bosun")).to_be_visible()
    button = _sso_button(page, idp)
    expect(button).to_be_visible()
    expect(page.get_by_label("Access token")).to_be_hidden()  # the fallback is folded
    screenshot(page, "login-sso")
    bearers: list[str] = []
    page.on(
        "request",
        lambda r: (
            bearers.append(r.headers.get("authorization", ""))
            if r.url.startswith(f"{url}/api/agents")
            else None
        ),
    )
    before = idp.token_requests
    button.click()
    user = page.get_by_label("Signed in user")
    expect(user).to_contain_text("Signed in as alice@example.com (admin)")
    expect(page).to_have_url(f"{url}/agents?namespace=default")  # no code/state left
    listed = page.get_by_role("link", name="sso-listed", exact=True)
    expect(listed).to_be_visible()  # the list came through the API
    assert idp.token_requests == before + 1
    token = page.evaluate("localStorage.getItem('bosun.token')")
    assert token and token.count(".") == 2  # the ID token, as the token store keeps it
    assert bearers and all(b == f"Bearer {token}" for b in bearers)
    assert page.evaluate("sessionStorage.getItem('bosun.oidc.pending')") is None
    page.reload()  # kept in this browser
    expect(user).to_contain_text("alice@example.com")
    # The ID token expires: the API answers 401 and the SSO button is back, saying why.
    page.evaluate(f"localStorage.setItem('bosun.token', {idp.id_token(expires_in=-3600)!r})")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text(
        "The control plane did not accept the stored token: token expired"
    )
    _sso_button(page, idp).click()  # and signs in again
    expect(user).to_contain_text("Signed in as alice@example.com")


def test_a_tampered_state_is_refused_and_says_so(sso_page: Any, sso: tuple[str, FakeOIDC]) -> None:
    page, (_, idp) = sso_page, sso
    page.goto("/agents")
    authorize: list[str] = []

    def hold(route: Any) -> None:  # stop at the provider, to tamper before it answers
        authorize.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>held</p>")

    page.route(f"{idp.issuer}/authorize*", hold)
    _sso_button(page, idp).click()
    expect(page.get_by_text("held")).to_be_visible()
    page.unroute(f"{idp.issuer}/authorize*")
    page.goto("/agents")  # same tab, same origin: the pending sign-in is still there
    page.evaluate(
        """() => {
          const p = JSON.parse(sessionStorage.getItem('bosun.oidc.pending'));
          p.state = 'tampered';
          sessionStorage.setItem('bosun.oidc.pending', JSON.stringify(p));
        }"""
    )
    before = idp.token_requests
    page.goto(authorize[0])  # the provider redirects back with the original state
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed: state mismatch")
    expect(_sso_button(page, idp)).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"code="))  # the code left the URL
    assert idp.token_requests == before  # the code was never traded
    assert page.evaluate("localStorage.getItem('bosun.token')") is None


def test_refusal_and_token_endpoint_failure_are_shown(
    sso_page: Any, sso: tuple[str, FakeOIDC]
) -> None:
    page, (_, idp) = sso_page, sso
    page.goto("/agents")
    idp.deny = True
    _sso_button(page, idp).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Sign-in failed: the identity provider answered access_denied: The user said no"
    )
    idp.deny, idp.fail_token = False, True
    _sso_button(page, idp).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Sign-in failed: the token endpoint answered 400 (invalid_grant: the code was revoked)"
    )
    # the paste-a-token fallback is under the disclosure
    page.get_by_text("Use an access token instead").click()
    page.get_by_label("Access token").fill(idp.id_token())
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_label("Signed in user")).to_contain_text("alice@example.com")
