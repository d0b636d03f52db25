"""kagent.dev/v1alpha1 Agent, ModelConfig and Tool read as v1alpha2 (bosun.api.v1alpha1_convert):
tool names to built-in tools, what the converted Agent's Accepted message says."""

from __future__ import annotations

from bosun.api.manifests import load_text
from bosun.api.v1alpha1 import CONVERTED_FROM, NOT_CARRIED_OVER
from bosun.api.v1alpha1_convert import builtin_for
from bosun.controller.translate.conversion import conversion_notes


def test_tool_names_map_to_the_built_in_tools() -> None:
    assert builtin_for("kubectl-get") == "k8s_get_resources"
    assert builtin_for("kubectl-logs") == "k8s_get_pod_logs"
    assert builtin_for("k8s_scale") == "k8s_scale"
    assert builtin_for("k8s-get-events") == "k8s_get_events"
    assert builtin_for("kubectl-teleport") is None
    assert builtin_for("whatever") is None


def test_a_converted_agent_says_so_and_names_what_it_lost() -> None:
    manifests = load_text(
        "apiVersion: kagent.dev/v1alpha1\nkind: Agent\nmetadata: {name: a}\n"
        "spec: {systemMessage: hi, modelConfigRef: {name: m}, tools: [{name: nope}], x: 1}\n"
    )
    assert not manifests.errors
    (agent,) = manifests.resources
    assert agent.api_version == "kagent.dev/v1alpha2"
    assert agent.spec.declarative.system_message == "hi"
    assert agent.spec.declarative.model_config_ == "m"
    assert agent.spec.declarative.tools == []
    warned = sorted(p.path for p in manifests.problems if p.warning)
    assert warned == ["spec.tools[0] (nope)", "spec.x"]
    annotations = agent.metadata.annotations
    assert annotations[CONVERTED_FROM] == "kagent.dev/v1alpha1"
    (note,) = conversion_notes(annotations)
    assert note.startswith("converted from kagent.dev/v1alpha1; not carried over: ")
    assert "spec.x" in note and "spec.tools[0] (nope)" in note
    assert NOT_CARRIED_OVER in annotations


def test_a_bad_v1alpha1_document_is_an_error_naming_the_field() -> None:
    manifests = load_text(
        "apiVersion: kagent.dev/v1alpha1\nkind: Tool\nmetadata: {name: t}\nspec: {type: ftp}\n"
    )
    (error,) = manifests.errors
    assert error.path == "spec.type" and "kubernetes" in error.message
