"""The agents pages (ui/src/resources/agents): the list with the examples Ready, an agent's
dependencies, the create/edit form with its YAML both ways, the API's field errors next
to the fields, and the phone layout. Agents made here have unique names and are deleted."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from ui_harness import UiUp, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-ui")]

SERVER = "everyday-tools"


def agent_row(page: Any, name: str) -> Any:
    table = page.get_by_role("table", name="Agents")
    return table.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


@pytest.fixture
def created(ui_up: UiUp) -> Iterator[list[str]]:
    """Names of agents a test creates; whatever is left is deleted afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        ui_up.api("DELETE", f"/api/agents/default/{name}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_agents_list_shows_the_examples_ready_with_model_and_tools(page: Any) -> None:
    page.goto("/agents")
    helper = agent_row(page, "helper")
    expect(helper).to_contain_text("✓ Ready")
    expect(helper).to_contain_text("✓ Accepted")
    expect(helper).to_contain_text("default-model-config")
    expect(helper).to_contain_text("4 tools")
    expect(helper).to_contain_text("serving http://")  # the Ready condition's message
    expect(agent_row(page, "coordinator")).to_contain_text("2 agents")
    expect(agent_row(page, "haiku-writer")).to_contain_text("✓ Ready")
    expect(helper.get_by_role("link", name="Chat with helper")).to_have_attribute(
        "href", "/chat/default/helper"
    )
    screenshot(page, "agents")


def test_agent_page_shows_each_dependency_with_its_status(page: Any) -> None:
    page.goto("/agents")
    page.get_by_role("link", name="helper", exact=True).click()
    page.wait_for_url("**/agents/default/helper")
    deps = page.get_by_role("region", name="Dependencies")
    model = deps.get_by_role("listitem", name="ModelConfig default-model-config")
    expect(model).to_contain_text("OK")
    expect(model).to_contain_text("OpenAI · bosun-mock")
    server = deps.get_by_role("listitem", name=f"MCPServer {SERVER}")
    expect(server).to_contain_text("OK")
    tools = server.get_by_role("table", name=f"Tools from {SERVER}")
    for tool in ("current_time", "word_count", "calculate", "bar_chart"):
        row = tools.get_by_role("row").filter(has_text=tool)
        expect(row).to_contain_text("discovered")
        expect(row).not_to_contain_text("not discovered")  # which contains "discovered"
    expect(tools.get_by_role("row").filter(has_text="calculate")).to_contain_text("needs approval")
    expect(page.get_by_role("region", name="Conditions")).to_contain_text("ProcessReady")
    screenshot(page, "agent-detail")

    page.goto("/agents/default/coordinator")
    deps = page.get_by_role("region", name="Dependencies")
    for sub in ("haiku-writer", "helper"):
        expect(deps.get_by_role("listitem", name=f"Sub-agent {sub}")).to_contain_text("OK")


def test_create_an_agent_with_the_form_see_it_ready_and_open_its_chat(
    page: Any, ui_up: UiUp, created: list[str]
) -> None:
    name = unique("ui-form")
    created.append(name)
    page.goto("/agents")
    page.get_by_role("link", name="New agent").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description", exact=True).fill("Counts words (made by the UI test)")
    page.get_by_label("Model", exact=True).select_option("default-model-config")
    # the mock LLM answers agents whose prompt says "You are Helper" with helper's rules
    page.get_by_label("System message", exact=True).fill("You are Helper, made by a UI test.")
    page.get_by_label(f"Use word_count from {SERVER}").check()
    page.get_by_label(f"Require approval for word_count from {SERVER}").check()
    yaml = page.get_by_label("YAML manifest")
    expect(yaml).to_have_value(re.compile(rf"name: {name}\n"))
    expect(yaml).to_have_value(
        re.compile(r"toolNames:\n\s+- word_count\n\s+requireApproval:\n\s+- word_count\n")
    )
    # the shot shows the model, the tools picker and the YAML side by side
    page.get_by_label("Model", exact=True).evaluate("e => e.closest('fieldset').scrollIntoView()")
    screenshot(page, "agent-form")
    page.get_by_role("button", name="Create agent").click()
    page.wait_for_url(f"**/agents/default/{name}")

    stored = ui_up.api("GET", f"/api/agents/default/{name}").json()
    ref = stored["spec"]["declarative"]["tools"][0]["mcpServer"]
    assert (ref["name"], ref["toolNames"], ref["requireApproval"]) == (
        SERVER,
        ["word_count"],
        ["word_count"],
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents").click()
    row = agent_row(page, name)
    expect(row).to_contain_text("✓ Ready", timeout=30_000)
    expect(row).to_contain_text("1 tool")
    row.get_by_role("link", name=f"Chat with {name}").click()
    page.wait_for_url(f"**/chat/default/{name}")

    # chat with it: its word_count call waits for approval (set in the form), then answers
    box = page.get_by_label(f"Message to {name}")
    box.fill("Count the words in: to be or not to be")
    box.press("Enter")
    page.wait_for_url(re.compile(rf"/chat/default/{name}/[0-9a-f-]{{36}}$"))
    panel = page.get_by_role("form", name="The agent is waiting for you")
    expect(panel.get_by_role("heading", name="A call waits for your approval")).to_be_visible()
    panel.get_by_role("button", name="Approve", exact=True).click()
    panel.get_by_role("button", name="Send decisions").click()
    expect(page.get_by_role("group", name="Tool word_count: done")).to_be_visible()
    reply = page.get_by_role("article", name=f"Answer of {name}").last
    expect(reply).to_contain_text(re.compile(r"Here is the count: .*\"words\": ?10"))

    # and delete it again from its page, after confirming
    page.goto(f"/agents/default/{name}")
    page.get_by_role("button", name="Delete", exact=True).click()
    dialog = page.get_by_role("dialog", name=f"Delete agent {name}?")
    dialog.get_by_role("button", name=f"Delete agent {name}").click()
    page.wait_for_url("**/agents")
    expect(agent_row(page, "helper")).to_be_visible()
    expect(agent_row(page, name)).to_have_count(0)
    assert ui_up.api("GET", f"/api/agents/default/{name}").status_code == 404


def test_a_missing_dependency_shows_red_with_its_reason(page: Any, ui_up: UiUp) -> None:
    # An agent whose ModelConfig is deleted after it was accepted (the API refuses to
    # create one with a missing model, so it is made first and removed after).
    model, name = unique("ui-gone-model"), unique("ui-red")
    spec = ui_up.api("GET", "/api/modelconfigs/default/default-model-config").json()["spec"]
    body = {"apiVersion": "kagent.dev/v1alpha2", "kind": "ModelConfig",
            "metadata": {"name": model, "namespace": "default"}, "spec": spec}  # fmt: skip
    assert ui_up.api("POST", "/api/modelconfigs", json=body).status_code == 201
    tools = [{"type": "McpServer", "mcpServer": {"kind": "MCPServer", "name": SERVER,
              "toolNames": ["current_time"]}}]  # fmt: skip
    agent = {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent",
             "metadata": {"name": name, "namespace": "default"},
             "spec": {"declarative": {"modelConfig": model, "systemMessage": "Hi.",
                                      "tools": tools}}}  # fmt: skip
    try:
        assert ui_up.api("POST", "/api/agents", json=agent).status_code == 201
        assert ui_up.api("DELETE", f"/api/modelconfigs/default/{model}").status_code in (200, 204)
        page.goto("/agents")
        row = agent_row(page, name)
        expect(row).to_contain_text("✗ Not accepted", timeout=30_000)
        expect(row).to_contain_text(f'spec.declarative.modelConfig: ModelConfig "default/{model}"')
        expect(row).to_contain_text("not found")

        page.goto(f"/agents/default/{name}")
        deps = page.get_by_role("region", name="Dependencies")
        red = deps.get_by_role("listitem", name=f"ModelConfig {model}")
        expect(red).to_contain_text("Problem")
        expect(red).to_contain_text("not found")
        expect(red).to_have_class(re.compile(r"\bbad\b"))
        green = deps.get_by_role("listitem", name=f"MCPServer {SERVER}")
        expect(green).to_contain_text("OK")  # only the broken dependency is red
    finally:
        ui_up.api("DELETE", f"/api/agents/default/{name}")
        ui_up.api("DELETE", f"/api/modelconfigs/default/{model}")


def test_template_includes_deployment_settings_and_a_skill_from_the_form(
    page: Any, ui_up: UiUp, created: list[str]
) -> None:
    name, library = unique("ui-tmpl"), unique("ui-prompts")
    created.append(name)
    configmap = {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": library, "namespace": "default"},
                 "data": {"rules": "Be brief."}}  # fmt: skip
    assert ui_up.api("POST", "/api/resources", json=configmap).status_code == 201
    try:
        page.goto("/agents/new")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Model", exact=True).select_option("default-model-config")
        page.get_by_label("System message", exact=True).fill(
            'You are {{.AgentName}}. {{include "base/rules"}}'
        )
        page.get_by_label("Treat the system message as a template (includes and variables)").check()
        page.get_by_role("button", name="Add include source").click()
        page.get_by_label("ConfigMap of include source 1").fill(library)
        page.get_by_label("Alias of include source 1").fill("base")
        page.get_by_label("Replicas").fill("2")
        page.get_by_role("button", name="Add variable").click()
        page.get_by_label("Name of variable 1").fill("LOG_LEVEL")
        page.get_by_label("Value of variable 1").fill("debug")
        page.get_by_label("Memory limit").fill("512Mi")
        page.get_by_role("button", name="Add skill").click()
        page.get_by_label("Skill id").fill("greet")
        page.get_by_label("Skill name").fill("Greet")
        yaml = page.get_by_label("YAML manifest")
        for text in ("promptTemplate:", "replicas: 2", "LOG_LEVEL", "512Mi", "id: greet"):
            expect(yaml).to_have_value(re.compile(re.escape(text)))
        page.get_by_role("button", name="Create agent").click()
        page.wait_for_url(f"**/agents/default/{name}")

        declarative = ui_up.api("GET", f"/api/agents/default/{name}").json()["spec"]["declarative"]
        assert declarative["promptTemplate"]["dataSources"] == [
            {"kind": "ConfigMap", "name": library, "alias": "base"}
        ]
        deployment = declarative["deployment"]
        assert deployment["replicas"] == 2
        assert {"name": "LOG_LEVEL", "value": "debug"} in deployment["env"]
        assert deployment["resources"]["limits"]["memory"] == "512Mi"
        assert [(s["id"], s["name"]) for s in declarative["a2aConfig"]["skills"]] == [
            ("greet", "Greet")
        ]
        # the include resolved: the agent is accepted (a missing ConfigMap would be named)
        expect(page.get_by_role("region", name="Conditions")).to_contain_text(
            "Accepted", timeout=30_000
        )
        page.goto("/agents")
        expect(agent_row(page, name)).to_contain_text("✓ Accepted", timeout=30_000)
    finally:
        ui_up.api("DELETE", f"/api/agents/default/{name}")
        ui_up.api("DELETE", f"/api/resources/configmaps/default/{library}")


YAML_AGENT = """apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata:
  name: yaml-made
  namespace: default
spec:
  type: Declarative
  description: Written as YAML
  declarative:
    modelConfig: default-model-config
    stream: true
    systemMessage: You add numbers.
    context:
      compaction:
        compactionInterval: 5
    tools:
      - type: McpServer
        mcpServer:
          kind: MCPServer
          name: everyday-tools
          toolNames: [calculate]
          requireApproval: [calculate]
    a2aConfig:
      skills:
        - id: sums
          name: Sums
"""


def test_editing_the_yaml_updates_the_form_and_keeps_unknown_fields(page: Any) -> None:
    page.goto("/agents/new")
    yaml = page.get_by_label("YAML manifest")
    yaml.fill(YAML_AGENT)
    expect(page.get_by_label("Name", exact=True)).to_have_value("yaml-made")
    expect(page.get_by_label("Description", exact=True)).to_have_value("Written as YAML")
    expect(page.get_by_label("System message", exact=True)).to_have_value("You add numbers.")
    expect(page.get_by_label("Stream the answer token by token")).to_be_checked()
    expect(page.get_by_label(f"Use calculate from {SERVER}")).to_be_checked()
    expect(page.get_by_label(f"Require approval for calculate from {SERVER}")).to_be_checked()
    expect(page.get_by_label(f"Use echo from {SERVER}")).not_to_be_checked()
    expect(page.get_by_label("Skill name")).to_have_value("Sums")

    # a form edit rewrites the YAML and keeps what the form has no control for
    page.get_by_label("Description", exact=True).fill("Edited in the form")
    page.get_by_label(f"Use calculate from {SERVER}").uncheck()
    expect(yaml).to_have_value(re.compile(r"description: Edited in the form\n"))
    expect(yaml).to_have_value(re.compile(r"compactionInterval: 5\n"))
    expect(yaml).not_to_have_value(re.compile("calculate"))

    # YAML that does not parse: a clear error, no save, the form keeps its last good state
    yaml.fill("apiVersion: kagent.dev/v1alpha2\nkind: Agent\nmetadata: [unclosed\n")
    expect(yaml).to_have_accessible_description(re.compile(r"YAML error.*line \d+", re.S))
    expect(page.get_by_role("button", name="Create agent")).to_be_disabled()
    expect(page.get_by_label("Description", exact=True)).to_have_value("Edited in the form")


def test_api_field_errors_show_next_to_their_fields(
    page: Any, ui_up: UiUp, created: list[str]
) -> None:
    page.goto("/agents/new")
    yaml = page.get_by_label("YAML manifest")
    bad_name = YAML_AGENT.replace("name: yaml-made", "name: Bad_Name")
    yaml.fill(bad_name.replace("stream: true", "stream: true\n    memory:\n      ttlDays: 0"))
    page.get_by_role("button", name="Create agent").click()
    expect(page.get_by_label("Name", exact=True)).to_have_accessible_error_message(
        re.compile("should match pattern")
    )
    # a field the form has no control for: in the banner, with its path
    banner = page.get_by_role("alert", name="Errors from the API")
    expect(banner).to_contain_text("spec.declarative.memory.ttlDays")

    name = unique("ui-bad-model")
    created.append(name)
    yaml.fill(
        YAML_AGENT.replace("name: yaml-made", f"name: {name}").replace(
            "modelConfig: default-model-config", "modelConfig: no-such-model"
        )
    )
    expect(page.get_by_label("Model", exact=True)).to_have_value("no-such-model")
    page.get_by_role("button", name="Create agent").click()
    expect(page.get_by_label("Model", exact=True)).to_have_accessible_error_message(
        re.compile(r'ModelConfig "default/no-such-model" not found')
    )
    expect(page.get_by_label("Name", exact=True)).not_to_have_accessible_error_message(
        re.compile(".")
    )
    assert ui_up.api("GET", f"/api/agents/default/{name}").status_code == 404


def test_phone_viewport_has_no_horizontal_scroll(page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/agents")
    expect(page.get_by_role("link", name="helper", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/agents/default/helper")
    expect(page.get_by_role("region", name="Dependencies")).to_contain_text(SERVER)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto("/agents/new")
    yaml = page.get_by_label("YAML manifest")
    expect(yaml).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the YAML pane stacks under the form instead of beside it
    assert yaml.bounding_box()["y"] > page.get_by_label("Name", exact=True).bounding_box()["y"]


def test_edit_an_agent_saves_with_its_resource_version(
    page: Any, ui_up: UiUp, created: list[str]
) -> None:
    name = unique("ui-edit")
    created.append(name)
    manifest = {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"description": "before", "declarative": {"systemMessage": "Hi."}},
    }
    assert ui_up.api("POST", "/api/agents", json=manifest).status_code == 201
    page.goto(f"/agents/default/{name}")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.wait_for_url(f"**/agents/default/{name}/edit")
    expect(page.get_by_label("Name", exact=True)).to_be_disabled()
    yaml = page.get_by_label("YAML manifest")
    expect(yaml).to_have_value(re.compile(r"resourceVersion: \"\d+\"\n"))
    page.get_by_label("Description", exact=True).fill("after")
    page.get_by_label("Add sub-agent").select_option("haiku-writer")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(yaml).to_have_value(re.compile(r"- type: Agent\n\s+agent:\n\s+name: haiku-writer\n"))
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/agents/default/{name}")
    deps = page.get_by_role("region", name="Dependencies")
    expect(deps.get_by_role("listitem", name="Sub-agent haiku-writer")).to_be_visible()
    stored = ui_up.api("GET", f"/api/agents/default/{name}").json()
    assert stored["spec"]["description"] == "after"
    assert stored["metadata"]["generation"] == 2
    assert stored["spec"]["declarative"]["tools"][0]["agent"]["name"] == "haiku-writer"
