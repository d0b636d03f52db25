"""HTTP tools in the translator: names the model accepts, and the errors that name the Tool."""

from __future__ import annotations

import pytest

from bosun.api.manifests import load_text
from bosun.controller.translate import check_set
from bosun.controller.translate.interface import AgentOutput

BASE = """
apiVersion: v1
kind: Secret
metadata: {{name: llm, namespace: ops}}
stringData: {{key: k}}
---
apiVersion: kagent.dev/v1alpha1
kind: ModelConfig
metadata: {{name: m, namespace: ops}}
spec: {{model: gpt-4o, apiKeySecretRef: {{name: llm, key: key}}}}
---
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {{name: "{name}", namespace: ops}}
spec:
  type: http
  parameters: {{id: {{type: string}}}}
  http: {http}
---
apiVersion: kagent.dev/v1alpha1
kind: Agent
metadata: {{name: a, namespace: ops}}
spec:
  systemMessage: hi
  modelConfigRef: {{name: m}}
  tools: [{{name: "{name}"}}]
"""


def translate(name: str, http: str) -> tuple[list[str], AgentOutput | None]:
    result = check_set(load_text(BASE.format(name=name, http=http)))
    outputs = [o for _, o in result.outputs if isinstance(o, AgentOutput)]
    return [str(p) for p in result.errors], outputs[0] if outputs else None


def test_a_dotted_tool_name_is_made_one_the_model_accepts() -> None:
    errors, output = translate("status.page", "{url: 'https://x/{id}'}")
    assert errors == [] and output is not None and output.config is not None
    [tool] = output.config.http_tools or []
    assert (tool.name, tool.ref) == ("status_page", "ops/status.page")


@pytest.mark.parametrize(
    ("name", "http", "expected"),
    [
        ("ask.user", "{url: 'https://x'}", "ask_user is a built-in tool name"),
        ("t", "{url: 'https://x/{nope}'}", "{nope} in spec.http is not one of its parameters"),
        (
            "t",
            "{url: 'https://x', headers: [{name: A, valueFrom: "
            "{secretKeyRef: {name: absent, key: k}}}]}",
            'Secret "ops/absent" not found (header A of Tool t)',
        ),
    ],
    ids=["reserved-name", "unknown-placeholder", "missing-secret"],
)
def test_a_tool_that_cannot_be_called_is_an_error_naming_it(
    name: str, http: str, expected: str
) -> None:
    errors, output = translate(name, http)
    assert output is None
    assert any(expected in e for e in errors), errors
