"""kubectl-style names for Bosun's own Policy kind in `bosun get/apply/delete`."""

from __future__ import annotations

from bosun.cli.resources import _label
from bosun.cli.restclient import resolve_kind


def test_policy_kind_names_like_kubectl() -> None:
    for text in ("policies", "policy", "bpol", "Policy", "policies.policy.bosun.dev"):
        assert resolve_kind(text) == "Policy", text


def test_applied_objects_are_named_with_their_own_api_group() -> None:
    policy = {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy",
              "metadata": {"name": "governance"}}  # fmt: skip
    agent = {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent", "metadata": {"name": "h"}}
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "key"}}
    assert _label(policy) == "policy.policy.bosun.dev/governance"
    assert _label(agent) == "agent.kagent.dev/h"
    assert _label(secret) == "secret/key"
