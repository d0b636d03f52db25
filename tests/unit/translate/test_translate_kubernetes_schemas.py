"""What `bosun render` prints is accepted by Kubernetes' own schemas (strict: no unknown
fields), checked offline with kubernetes-validate; so are the generated CRDs.

kubectl's `--dry-run=client` would need a reachable API server for discovery, which a unit
test does not have; the published OpenAPI schemas of Kubernetes 1.35 are the next best.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bosun.api.manifests import load_manifests
from bosun.controller.translate import check_set

HERE = Path(__file__).parent
REPO = HERE.parents[2]
EXAMPLES = REPO.parent / "shared" / "examples"
KUBERNETES = "1.35.0"


def golden_objects() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((HERE / "golden").glob("*/output.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def check(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, KUBERNETES, strict=True)


def test_golden_objects_are_valid_kubernetes_objects() -> None:
    docs = golden_objects()
    assert len(docs) > 100
    for doc in docs:
        try:
            check(doc)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(
                f"{doc['kind']} {doc['metadata']['name']}: {exc.message} at {list(exc.path)}"
            )


@pytest.mark.skipif(not EXAMPLES.exists(), reason="shared examples not present")
def test_rendered_examples_are_valid_kubernetes_objects() -> None:
    result = check_set(load_manifests([EXAMPLES]))
    objects = [o for _, out in result.outputs for o in out.objects]
    assert objects
    for obj in objects:
        check(obj)


def test_generated_crds_are_valid_custom_resource_definitions() -> None:
    paths = sorted((REPO / "charts" / "bosun-crds" / "templates").glob("*.yaml"))
    names = {p.name for p in paths}
    assert {"agents.yaml", "modelconfigs.yaml", "policies.yaml"} <= names
    for path in paths:
        check(yaml.safe_load(path.read_text()))


def test_the_check_rejects_a_broken_object() -> None:
    deployment = next(d for d in golden_objects() if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        check(broken)
    unknown = copy.deepcopy(deployment)
    unknown["spec"]["template"]["spec"]["containers"][0]["commands"] = ["typo"]
    with pytest.raises(kubernetes_validate.ValidationError):
        check(unknown)
