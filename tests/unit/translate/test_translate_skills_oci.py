"""`spec.skills.refs` (kagent's OCI skill images) in translation: pulled by the skills-fetch
init container into /skills/<repository basename>, insecureSkipVerify carried, and a bad
reference or a name used twice is an error naming `spec.skills.refs[i]`."""

from __future__ import annotations

from typing import Any

import pytest

from bosun.api.agent import Agent
from bosun.api.manifests import load_text
from bosun.controller.translate import (
    TranslateOptions,
    TranslationFailed,
    references_from_set,
    translate_agent,
)

MANIFESTS = """
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {name: model, namespace: default}
spec: {provider: OpenAI, model: gpt-4o}
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: skilled, namespace: default}
spec:
  description: Skills from images
  skills: %s
  declarative: {systemMessage: hi, modelConfig: model}
"""


def translate(skills: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    manifests = load_text(MANIFESTS % skills)
    assert not manifests.problems, manifests.problems
    agent = next(r for r in manifests.resources if isinstance(r, Agent))
    out = translate_agent(agent, references_from_set(manifests), TranslateOptions())
    assert out.config is not None
    deployment = next(o for o in out.objects if o["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    return out.config.model_dump()["skills"], pod.get("initContainers", [])


def test_images_alone_get_the_fetch_init_container() -> None:
    ref = f"ghcr.io/org/k8s-debug:v1@sha256:{'a' * 64}"
    skills, init = translate(f"{{refs: ['{ref}', 'localhost:5000/team/tools'], "
                             "insecureSkipVerify: true}")  # fmt: skip
    assert skills["oci"] == [
        {"ref": ref, "name": "k8s-debug"},
        {"ref": "localhost:5000/team/tools", "name": "tools"},
    ]
    assert skills["oci_insecure"] is True and skills["paths"] == ["/skills"]
    assert [c["name"] for c in init] == ["skills-fetch"]
    assert init[0]["command"] == ["python", "-m", "bosun.runtime.skills_fetch"]
    assert {"name": "skills", "mountPath": "/skills"} in init[0]["volumeMounts"]


def test_bad_references_and_reused_names_are_errors_naming_the_entry() -> None:
    with pytest.raises(TranslationFailed) as failed:
        translate(
            "{refs: ['ghcr.io/Org/Bad Name:v1', 'ghcr.io/a/tools:v1', 'quay.io/b/tools:v2'], "
            "gitRefs: [{url: 'https://github.com/x/tools2.git', name: k8s}], "
            "}"
        )
    assert [str(e) for e in failed.value.errors] == [
        "spec.skills.refs[0]: 'ghcr.io/Org/Bad Name:v1' is not an image reference "
        "([registry/]repository[:tag][@sha256:...])",
        "spec.skills.refs[2]: 'tools' is not a usable directory name under /skills "
        "(or is used twice)",
    ]
