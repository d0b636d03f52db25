"""The models pages (ui/src/resources/models): ModelConfigs listed with their status, the
form with provider fields and a write-only API key that the API never returns, and the
API's field errors next to the provider fields. Models made here are deleted."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]


def model_row(page: Any, name: str) -> Any:
    table = page.get_by_role("table", name="Models")
    return table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


@pytest.fixture
def created(ui_up: UiUp) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        ui_up.api("DELETE", f"/api/modelconfigs/default/{name}")


def test_models_list_shows_the_example_model_accepted(page: Any) -> None:
    page.goto("/models")
    row = model_row(page, "default-model-config")
    for text in ("OpenAI", "bosun-mock", "✓ Accepted", "Secret mock-llm-key"):
        expect(row).to_contain_text(text)
    screenshot(page, "models")
    row.get_by_role("link", name="default-model-config", exact=True).click()
    expect(page.get_by_role("region", name="Settings")).to_contain_text("key stored")
    expect(page.get_by_role("region", name="Used by")).to_contain_text("helper")


def test_create_a_model_with_a_key_that_is_never_shown_or_returned(
    page: Any, ui_up: UiUp, created: list[str]
) -> None:
    name = f"ui-model-{uuid.uuid4().hex[:6]}"
    key = f"sk-ui-{uuid.uuid4().hex}"
    created.append(name)
    page.goto("/models/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Provider").select_option("Anthropic")
    page.get_by_label("Model", exact=True).fill("claude-test")
    page.get_by_label("Max tokens").fill("1024")
    key_input = page.get_by_label("API key", exact=True)
    expect(key_input).to_have_attribute("type", "password")
    key_input.fill(key)
    yaml = page.get_by_label("YAML manifest")
    block = r"provider: Anthropic\n[\s\S]*anthropic:\n\s+maxTokens: 1024"
    expect(yaml).to_have_value(re.compile(block))
    expect(yaml).not_to_have_value(re.compile(key))
    page.get_by_role("button", name="Create model").click()
    page.wait_for_url(f"**/models/default/{name}")
    expect(page.get_by_role("region", name="Settings")).to_contain_text("key stored")
    assert key not in page.content()

    for path in (
        f"/api/modelconfigs/default/{name}",
        "/api/modelconfigs",
        f"/api/resources/secrets/default/{name}-api-key",
        "/api/resources/secrets?namespace=default",
    ):
        response = ui_up.api("GET", path)
        assert response.status_code == 200, path
        assert key not in response.text, path
    spec = ui_up.api("GET", f"/api/modelconfigs/default/{name}").json()["spec"]
    assert (spec["apiKeySecret"], spec["apiKeySecretKey"]) == (f"{name}-api-key", "apiKey")

    # editing shows an empty key input (keeps the stored key unless a new one is typed)
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Model", exact=True)).to_have_value("claude-test")
    expect(page.get_by_label("API key", exact=True)).to_have_value("")
    assert key not in page.content()
    # ... and saving an edit changes the field and keeps the stored key
    page.get_by_label("Max tokens").fill("777")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/models/default/{name}")
    expect(page.get_by_role("region", name="Settings")).to_contain_text("777")
    expect(page.get_by_role("region", name="Settings")).to_contain_text("key stored")
    spec = ui_up.api("GET", f"/api/modelconfigs/default/{name}").json()["spec"]
    assert spec["anthropic"]["maxTokens"] == 777
    assert (spec["apiKeySecret"], spec["model"]) == (f"{name}-api-key", "claude-test")
    assert ui_up.api("GET", f"/api/resources/secrets/default/{name}-api-key").status_code == 200

    ui_up.api("DELETE", f"/api/modelconfigs/default/{name}")
    secret = ui_up.api("GET", f"/api/resources/secrets/default/{name}-api-key")
    assert secret.status_code == 404  # deleted with its ModelConfig


def test_a_bad_provider_value_shows_the_api_error_next_to_its_field(page: Any, ui_up: UiUp) -> None:
    name = f"ui-bad-url-{uuid.uuid4().hex[:6]}"
    page.goto("/models/new")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Model", exact=True).fill("gpt-test")
    page.get_by_label("Base URL").fill("api.example.com/v1")
    page.get_by_role("button", name="Create model").click()
    expect(page.get_by_label("Base URL")).to_have_accessible_error_message(
        re.compile(r"should match pattern '\^https\?://'")
    )
    assert ui_up.api("GET", f"/api/modelconfigs/default/{name}").status_code == 404
